//! The staff client's key derivation (DESIGN §3.7), the same in Rust, the staff CLI and the
//! browser; pinned by `tests/vectors/meldpunt-staff.json`.
//!
//! - `master = PBKDF2-HMAC-SHA256(password, kdf_salt, iterations, 32 bytes)`
//! - `prk = HKDF-Extract(salt = "meldpunt staff v1", ikm = master)`
//! - `auth_hash = HKDF-Expand(prk, "auth", 32)` (sent to the server at enrolment and login)
//! - `wrap_key = HKDF-Expand(prk, "key wrap", 32)` (never leaves the client)
//! - `wrapped_private_key = AES-256-GCM(wrap_key, nonce, private key,
//!   aad = "meldpunt staff key v1" || user_id)`
//!
//! Contract: the password and the private key exist only here; every secret returned is
//! zeroized on drop.

use std::num::NonZeroU32;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::{hkdf, pbkdf2};
use zeroize::Zeroizing;

use crate::protocol::crypto::{CryptoError, random_bytes};
use serde::{Deserialize, Serialize};

use crate::protocol::crypto::serde_b64;

/// Length of a wrapped staff private key: 32 bytes plus the AES-GCM tag.
pub const WRAPPED_KEY_CT_LEN: usize = 48;

/// The staff private key under the password-derived wrap key (DESIGN §3.7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WrappedKey {
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub nonce: [u8; 12],
    #[serde(
        serialize_with = "serde_b64::bytes::serialize",
        deserialize_with = "de_wrapped_ct"
    )]
    #[schema(value_type = String)]
    pub ct: Vec<u8>,
}

fn de_wrapped_ct<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    serde_b64::bytes_field(d, "ct", WRAPPED_KEY_CT_LEN, WRAPPED_KEY_CT_LEN)
}

const HKDF_SALT: &[u8] = b"meldpunt staff v1";
const WRAP_AAD_PREFIX: &[u8] = b"meldpunt staff key v1";

/// What a password derives to.
pub struct StaffSecrets {
    pub auth_hash: Zeroizing<[u8; 32]>,
    pub wrap_key: Zeroizing<[u8; 32]>,
}

fn expand(prk: &hkdf::Prk, info: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    prk.expand(&[info], hkdf::HKDF_SHA256)
        .and_then(|okm| okm.fill(out.as_mut_slice()))
        // 32 bytes is far below HKDF's 255·HashLen bound.
        .expect("HKDF-SHA256 expand to 32 bytes");
    out
}

/// The PBKDF2 master key.
pub fn master_key(password: &str, salt: &[u8; 16], iterations: u32) -> Zeroizing<[u8; 32]> {
    let mut master = Zeroizing::new([0u8; 32]);
    let iterations = NonZeroU32::new(iterations.max(1)).unwrap_or(NonZeroU32::MIN);
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        salt,
        password.as_bytes(),
        master.as_mut_slice(),
    );
    master
}

pub fn derive(password: &str, salt: &[u8; 16], iterations: u32) -> StaffSecrets {
    let master = master_key(password, salt, iterations);
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(master.as_ref());
    StaffSecrets {
        auth_hash: expand(&prk, b"auth"),
        wrap_key: expand(&prk, b"key wrap"),
    }
}

fn wrap_aad(user_id: &[u8; 16]) -> Vec<u8> {
    let mut aad = WRAP_AAD_PREFIX.to_vec();
    aad.extend_from_slice(user_id);
    aad
}

fn aead_key(wrap_key: &[u8; 32]) -> LessSafeKey {
    // A 32-byte key is always valid for AES-256-GCM.
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, wrap_key).expect("AES-256 key"))
}

/// Encrypts the private key under the wrap key with `nonce`.
pub fn wrap_private_key_with_nonce(
    wrap_key: &[u8; 32],
    user_id: &[u8; 16],
    private_key: &[u8; 32],
    nonce: [u8; 12],
) -> Result<WrappedKey, CryptoError> {
    let mut buf = Zeroizing::new(private_key.to_vec());
    aead_key(wrap_key)
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(wrap_aad(user_id)),
            &mut *buf,
        )
        .map_err(|_| CryptoError::Seal)?;
    Ok(WrappedKey {
        nonce,
        ct: buf.to_vec(),
    })
}

/// Encrypts the private key under the wrap key with a random nonce.
pub fn wrap_private_key(
    wrap_key: &[u8; 32],
    user_id: &[u8; 16],
    private_key: &[u8; 32],
) -> Result<WrappedKey, CryptoError> {
    wrap_private_key_with_nonce(wrap_key, user_id, private_key, random_bytes::<12>())
}

pub fn unwrap_private_key(
    wrap_key: &[u8; 32],
    user_id: &[u8; 16],
    wrapped: &WrappedKey,
) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    if wrapped.ct.len() != WRAPPED_KEY_CT_LEN {
        return Err(CryptoError::Open);
    }
    let mut buf = Zeroizing::new(wrapped.ct.clone());
    let plain = aead_key(wrap_key)
        .open_in_place(
            Nonce::assume_unique_for_key(wrapped.nonce),
            Aad::from(wrap_aad(user_id)),
            &mut buf,
        )
        .map_err(|_| CryptoError::Open)?;
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(plain);
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_round_trip_binds_the_user() {
        let s = derive("correct horse", &[1; 16], 1000);
        assert_ne!(*s.auth_hash, *s.wrap_key);
        let sk = random_bytes::<32>();
        let w = wrap_private_key(&s.wrap_key, &[2; 16], &sk).unwrap();
        assert_eq!(*unwrap_private_key(&s.wrap_key, &[2; 16], &w).unwrap(), sk);
        assert!(unwrap_private_key(&s.wrap_key, &[3; 16], &w).is_err());
        let other = derive("correct horsf", &[1; 16], 1000);
        assert!(unwrap_private_key(&other.wrap_key, &[2; 16], &w).is_err());
    }
}
