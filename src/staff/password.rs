//! The server's side of staff passwords (DESIGN §3.7): it never sees the password, only
//! `auth_hash` (derived in the client), which it keeps as Argon2id (PHC string, default
//! parameters of the `argon2` crate); and the fake KDF salt that pre-login gives for unknown
//! names, so names cannot be enumerated.
//!
//! Contract: [`verify`] runs one Argon2id computation whether or not the user exists (callers
//! pass `None` for an unknown user and the comparison runs against a fixed dummy hash), so a
//! wrong name and a wrong password take the same time class.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use ring::hmac;
use zeroize::Zeroizing;

use crate::crypto::random_bytes;

const PRELOGIN_CONTEXT: &[u8] = b"meldpunt prelogin v1";

/// Argon2id(auth_hash) as a PHC string, with a random 16-byte salt.
pub fn hash(auth_hash: &[u8; 32]) -> String {
    Argon2::default()
        .hash_password_with_salt(auth_hash, &random_bytes::<16>())
        // Default parameters, a 32-byte input and a 16-byte salt are always accepted.
        .expect("Argon2id with default parameters")
        .to_string()
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash(&random_bytes::<32>()))
}

/// Whether `auth_hash` matches `phc`; `None` (unknown user) is checked against a dummy hash
/// and always fails.
pub fn verify(phc: Option<&str>, auth_hash: &[u8; 32]) -> bool {
    let known = phc.is_some();
    let target = phc.unwrap_or_else(|| dummy_hash());
    let ok = Argon2::default().verify_password(auth_hash, target).is_ok();
    ok && known
}

/// The stable fake salt of an unknown name: HMAC-SHA256(secret, "meldpunt prelogin v1" ||
/// lowercase name), first 16 bytes.
pub fn fake_salt(secret: &[u8; 32], name: &str) -> [u8; 16] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut msg = Zeroizing::new(PRELOGIN_CONTEXT.to_vec());
    msg.extend_from_slice(name.to_lowercase().as_bytes());
    let tag = hmac::sign(&key, &msg);
    let mut out = [0u8; 16];
    out.copy_from_slice(&tag.as_ref()[..16]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let auth = random_bytes::<32>();
        let phc = hash(&auth);
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify(Some(&phc), &auth));
        let mut wrong = auth;
        wrong[0] ^= 1;
        assert!(!verify(Some(&phc), &wrong));
        assert!(!verify(None, &auth));
    }

    #[test]
    fn fake_salts_are_stable_per_name() {
        let secret = [7u8; 32];
        assert_eq!(fake_salt(&secret, "Anna"), fake_salt(&secret, "anna"));
        assert_ne!(fake_salt(&secret, "anna"), fake_salt(&secret, "bert"));
        assert_ne!(fake_salt(&secret, "anna"), fake_salt(&[8u8; 32], "anna"));
    }
}
