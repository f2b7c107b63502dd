//! Base64 as the protocol uses it: URL-safe without padding (`b64u`, RFC 4648 §5) for every
//! binary value in JSON, and standard base64 with padding only where a C2SP format asks for it.
//!
//! Decoding is strict: padding, whitespace and non-canonical trailing bits are rejected, so one
//! byte string has exactly one accepted encoding.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// Encodes bytes as b64u (URL-safe alphabet, no padding).
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes b64u; `None` on any deviation from the canonical form.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Decodes b64u that must be exactly `N` bytes long.
pub fn decode_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    decode(text)?.try_into().ok()
}

/// Standard base64 with padding, as C2SP checkpoints and signed notes use.
pub fn encode_std(bytes: impl AsRef<[u8]>) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard padded base64; `None` on any deviation.
pub fn decode_std(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64u_round_trip_and_strictness() {
        let bytes = [0xfb, 0xff, 0x00, 0x10];
        let text = encode(bytes);
        assert_eq!(text, "-_8AEA");
        assert_eq!(decode(&text).unwrap(), bytes);
        assert!(decode("-_8AEA==").is_none(), "padding is not b64u");
        assert!(decode("+/8AEA").is_none(), "standard alphabet is not b64u");
        assert!(decode("-_8AEB").is_none(), "non-canonical trailing bits");
        assert!(decode_array::<3>(&text).is_none());
        assert_eq!(decode_array::<4>(&text).unwrap(), bytes);
    }

    #[test]
    fn standard_base64_round_trip() {
        assert_eq!(encode_std([0xfb, 0xff]), "+/8=");
        assert_eq!(decode_std("+/8=").unwrap(), [0xfb, 0xff]);
        assert!(decode_std("+/8").is_none());
    }
}
