//! Second factor: TOTP (RFC 6238, HMAC-SHA-1, 6 digits, 30-second steps, one step of skew
//! either way), through the `totp-rs` crate; the secret is shown as RFC 4648 base32.
//!
//! Contract: [`check`] returns the matched time step; the caller accepts a step only if it is
//! newer than the user's last accepted one (`StaffStore::record_login`), so a code works once.

use totp_rs::{Builder, Totp};

/// Seconds per TOTP step.
pub const STEP_SECS: u64 = 30;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn totp(secret: &[u8; 20]) -> Totp {
    // A 20-byte secret, 6 digits and a 30 s step are what RFC 6238 recommends; the builder
    // cannot refuse them.
    Builder::new()
        .with_secret(*secret)
        .build()
        .expect("RFC 6238 defaults with a 160-bit secret")
}

/// The time step a well-formed, correct `code` belongs to at `now`, if any.
pub fn check(secret: &[u8; 20], code: &str, now: u64) -> Option<u64> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret).check(code, now)
}

/// The code for the step containing `time` (clients and tests).
pub fn code_at(secret: &[u8; 20], time: u64) -> String {
    totp(secret).generate(time).to_string()
}

/// RFC 4648 base32 without padding (20 bytes make exactly 32 characters).
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Reads RFC 4648 base32 (upper or lower case, `=` padding ignored).
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let v = BASE32.iter().position(|&a| a == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `otpauth://totp/<issuer>:<name>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`.
pub fn otpauth_uri(issuer: &str, name: &str, secret_b32: &str) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{}?secret={secret_b32}&issuer={issuer}&algorithm=SHA1&digits=6&period=30",
        percent_encode(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 Appendix B, SHA-1 secret "12345678901234567890", last 6 digits.
        let secret: [u8; 20] = *b"12345678901234567890";
        for (time, code) in [
            (59, "287082"),
            (1111111109, "081804"),
            (1234567890, "005924"),
            (2000000000, "279037"),
        ] {
            assert_eq!(code_at(&secret, time), code);
            assert_eq!(check(&secret, code, time), Some(time / STEP_SECS));
        }
        assert_eq!(check(&secret, "287082", 59 + 90), None, "outside the skew");
        assert_eq!(check(&secret, "28708", 59), None);
        assert_eq!(check(&secret, "2870822", 59), None);
    }

    #[test]
    fn base32_round_trip() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        let bytes = crate::protocol::crypto::random_bytes::<20>();
        let text = base32(&bytes);
        assert_eq!(text.len(), 32);
        assert_eq!(base32_decode(&text).unwrap(), bytes);
        assert_eq!(base32_decode(&text.to_lowercase()).unwrap(), bytes);
        assert!(base32_decode("ABC1").is_none());
    }
}
