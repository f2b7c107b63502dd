//! The protocol's cryptography (DESIGN.md §3, and the commitment of §4).
//!
//! Contract: every function here is deterministic given its inputs except where it says it
//! draws randomness (`random_bytes`, key generation, HPKE encapsulation, item nonces), and
//! every secret it returns is wrapped in [`Zeroizing`](zeroize::Zeroizing) or zeroized on drop.
//! Errors deliberately say little: a failed open never tells which part was wrong.
//! Callers bound the sizes of what they pass in (request limits); nothing here allocates more
//! than a small constant factor of its input.

pub mod access_code;
pub mod commit;
pub mod hpke_suite;
pub mod item;
pub mod padding;
pub mod serde_b64;
pub mod wrap;

#[cfg(test)]
mod fixture;

use rand::Rng;
use subtle::ConstantTimeEq;

pub use access_code::{AccessCode, AccessCodeError, ReporterKeys};
pub use commit::{key_commitment, submission_commitment};
pub use item::{Item, ItemKind, MIN_ITEM_CT_LEN};
pub use wrap::{WRAP_CT_LEN, Wrap, WrapPurpose};

/// A case's identifier: 16 random bytes chosen by the reporter's browser.
pub type CaseId = [u8; 16];

/// Why a cryptographic operation failed. Variants are coarse on purpose.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// Authentication failed: wrong key, wrong context (AAD or info), or tampered bytes.
    #[error("decryption failed")]
    Open,
    /// A key is unusable (e.g. an X25519 public key of low order).
    #[error("invalid key")]
    InvalidKey,
    /// Decrypted plaintext does not carry valid ISO/IEC 7816-4 padding.
    #[error("invalid padding")]
    Padding,
    /// Encryption failed (input too long for the AEAD).
    #[error("encryption failed")]
    Seal,
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Compares two byte strings in time independent of their contents (lengths are not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// `N` bytes from the thread-local CSPRNG (ChaCha, seeded and reseeded from the OS).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    rand::rng().fill_bytes(&mut out);
    out
}

/// HKDF-SHA256 Expand to 32 bytes from an extracted PRK.
fn hkdf_expand32(prk: &ring::hkdf::Prk, info: &[u8]) -> zeroize::Zeroizing<[u8; 32]> {
    let mut out = zeroize::Zeroizing::new([0u8; 32]);
    // The output length equals the hash length, far below HKDF's 255·HashLen bound, so ring
    // cannot refuse it.
    prk.expand(&[info], ring::hkdf::HKDF_SHA256)
        .and_then(|okm| okm.fill(out.as_mut_slice()))
        .expect("HKDF-SHA256 expand to 32 bytes cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_known_answer() {
        assert_eq!(
            crate::protocol::b64::encode(sha256(b"abc")),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }

    #[test]
    fn ct_eq_compares_contents_and_lengths() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(ct_eq(b"", b""));
    }

    #[test]
    fn random_bytes_differ() {
        assert_ne!(random_bytes::<16>(), random_bytes::<16>());
    }
}
