//! Device tokens: how sign-in tells the real user's own browser or terminal from a stranger's
//! guesses, so a stranger cannot lock anyone out (`throttle`).
//!
//! Contract: a successful enrolment or sign-in hands the client a token for that account,
//! `b64u(device_id (16 random bytes) || tag)` with `tag = HMAC-SHA256(secret, "meldpunt
//! device v1" || user_id || device_id)[0..16]`. The server stores nothing: a token is valid
//! when its tag matches (constant time) for the account it is shown with. A token is *not* a
//! credential — sign-in still needs the password and a TOTP code — it only chooses the
//! throttle bucket: attempts that show it are counted apart from everyone else's attempts at
//! that name. The secret is the prelogin secret (`keys/staff-prelogin.key`), used under its
//! own context string.

use ring::hmac;

use crate::protocol::crypto::{ct_eq, random_bytes};

const CONTEXT: &[u8] = b"meldpunt device v1";
const TOKEN_LEN: usize = 32;

fn tag(secret: &[u8; 32], user_id: &[u8; 16], device_id: &[u8; 16]) -> [u8; 16] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(CONTEXT);
    ctx.update(user_id);
    ctx.update(device_id);
    let mut out = [0u8; 16];
    out.copy_from_slice(&ctx.sign().as_ref()[..16]);
    out
}

/// A new device token for `user_id`.
pub fn issue(secret: &[u8; 32], user_id: &[u8; 16]) -> String {
    let device_id = random_bytes::<16>();
    let mut token = [0u8; TOKEN_LEN];
    token[..16].copy_from_slice(&device_id);
    token[16..].copy_from_slice(&tag(secret, user_id, &device_id));
    crate::protocol::b64::encode(token)
}

/// The device id of `token` if it was issued for `user_id`. Runs the same work for any input
/// of any length, so its timing says nothing about the account.
pub fn check(secret: &[u8; 32], user_id: &[u8; 16], token: &str) -> Option<[u8; 16]> {
    let raw = crate::protocol::b64::decode_array::<TOKEN_LEN>(token);
    let bytes = raw.unwrap_or([0u8; TOKEN_LEN]);
    let mut device_id = [0u8; 16];
    device_id.copy_from_slice(&bytes[..16]);
    let ok = ct_eq(&tag(secret, user_id, &device_id), &bytes[16..]);
    (ok && raw.is_some()).then_some(device_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_belong_to_one_account_and_one_secret() {
        let secret = [1u8; 32];
        let token = issue(&secret, &[2; 16]);
        let device = check(&secret, &[2; 16], &token).unwrap();
        assert_eq!(crate::protocol::b64::decode(&token).unwrap()[..16], device);
        assert_eq!(check(&secret, &[3; 16], &token), None, "another account");
        assert_eq!(check(&[9; 32], &[2; 16], &token), None, "another secret");
        assert_eq!(check(&secret, &[2; 16], "junk"), None);
        let mut bytes = crate::protocol::b64::decode(&token).unwrap();
        bytes[20] ^= 1;
        assert_eq!(
            check(&secret, &[2; 16], &crate::protocol::b64::encode(&bytes)),
            None
        );
        assert_ne!(token, issue(&secret, &[2; 16]), "one per device");
    }
}
