//! The HPKE suite of DESIGN.md §3.1: RFC 9180 mode_base, single shot, with
//! DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM (RFC 9180 Appendix A.1).
//!
//! Contract: `seal` encapsulates to a fresh ephemeral key each call (so it is randomised);
//! `open` succeeds only for the exact `info`, `aad` and bytes that were sealed. `info` longer
//! than [`MAX_INFO_LEN`] is refused (the `hpke` crate would panic near 64 KiB).
//!
//! Private keys are 32 arbitrary bytes: X25519 clamps a scalar when it uses it (RFC 7748
//! `decodeScalar25519`, and `hpke`'s `PrivateKey::from_bytes` clamps on import), so an unclamped
//! and a clamped byte string name the same key. [`derive_keypair`] therefore returns the RFC's
//! unclamped `sk` exactly as its test vectors print it, and the reporter's key (§3.2) can be raw
//! HKDF output.

use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as KemTrait, OpModeR, OpModeS, Serializable};
use zeroize::Zeroizing;

use super::{CryptoError, sha256};

/// The KEM of the suite.
pub type Kem = X25519HkdfSha256;
/// The KDF of the suite.
pub type Kdf = hpke::kdf::HkdfSha256;
/// The AEAD of the suite.
pub type Aead = hpke::aead::AesGcm128;

/// Longest `info` accepted; RFC 9180 asks implementations to support at least 64 bytes.
pub const MAX_INFO_LEN: usize = 1024;

type PrivateKey = <Kem as KemTrait>::PrivateKey;
type PublicKey = <Kem as KemTrait>::PublicKey;
type EncappedKey = <Kem as KemTrait>::EncappedKey;

/// `suite_id` of the KEM: "KEM" || I2OSP(0x0020, 2) (RFC 9180 §4.1).
const KEM_SUITE_ID: &[u8] = b"KEM\x00\x20";

/// A fresh random key pair `(private, public)`.
pub fn generate_keypair() -> (Zeroizing<[u8; 32]>, [u8; 32]) {
    let sk = Zeroizing::new(super::random_bytes::<32>());
    let pk = x25519_public(&sk);
    (sk, pk)
}

/// RFC 9180 §7.1.3 DeriveKeyPair for DHKEM(X25519, HKDF-SHA256).
///
/// The private key is `LabeledExpand(LabeledExtract("", "dkp_prk", ikm), "sk", "", 32)`
/// unclamped, byte-for-byte the `skRm`/`skEm` of the RFC's vectors.
pub fn derive_keypair(ikm: &[u8]) -> (Zeroizing<[u8; 32]>, [u8; 32]) {
    use ring::hkdf;
    let mut labeled_ikm =
        Zeroizing::new(Vec::with_capacity(7 + KEM_SUITE_ID.len() + 7 + ikm.len()));
    labeled_ikm.extend_from_slice(b"HPKE-v1");
    labeled_ikm.extend_from_slice(KEM_SUITE_ID);
    labeled_ikm.extend_from_slice(b"dkp_prk");
    labeled_ikm.extend_from_slice(ikm);
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &[]).extract(&labeled_ikm);
    let mut labeled_info = Vec::with_capacity(2 + 7 + KEM_SUITE_ID.len() + 2);
    labeled_info.extend_from_slice(&32u16.to_be_bytes());
    labeled_info.extend_from_slice(b"HPKE-v1");
    labeled_info.extend_from_slice(KEM_SUITE_ID);
    labeled_info.extend_from_slice(b"sk");
    let sk = super::hkdf_expand32(&prk, &labeled_info);
    let pk = x25519_public(&sk);
    (sk, pk)
}

/// The X25519 public key of `private` (any 32 bytes; clamped internally).
pub fn public_key(private: &[u8; 32]) -> Result<[u8; 32], CryptoError> {
    let sk = PrivateKey::from_bytes(private).map_err(|_| CryptoError::InvalidKey)?;
    Ok(public_bytes(&<Kem as KemTrait>::sk_to_pk(&sk)))
}

/// Infallible form of [`public_key`] for 32-byte arrays.
pub(crate) fn x25519_public(private: &[u8; 32]) -> [u8; 32] {
    x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(*private)).to_bytes()
}

fn public_bytes(pk: &PublicKey) -> [u8; 32] {
    let mut out = [0u8; 32];
    pk.write_exact(&mut out);
    out
}

/// Single-shot base-mode Seal to `pk_r`. Returns `(enc, ct)`, `ct` being `pt.len() + 16` bytes.
///
/// Fails with `InvalidKey` for a public key of low order (the DH result would be zero).
pub fn seal(
    pk_r: &[u8; 32],
    info: &[u8],
    aad: &[u8],
    pt: &[u8],
) -> Result<([u8; 32], Vec<u8>), CryptoError> {
    if info.len() > MAX_INFO_LEN {
        return Err(CryptoError::Seal);
    }
    let pk = PublicKey::from_bytes(pk_r).map_err(|_| CryptoError::InvalidKey)?;
    let (enc, ct) = hpke::single_shot_seal::<Aead, Kdf, Kem>(&OpModeS::Base, &pk, info, pt, aad)
        .map_err(|e| match e {
            hpke::HpkeError::EncapError => CryptoError::InvalidKey,
            _ => CryptoError::Seal,
        })?;
    let mut enc_bytes = [0u8; 32];
    enc.write_exact(&mut enc_bytes);
    Ok((enc_bytes, ct))
}

/// Single-shot base-mode Open with the recipient's private key.
pub fn open(
    sk_r: &[u8; 32],
    enc: &[u8; 32],
    info: &[u8],
    aad: &[u8],
    ct: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if info.len() > MAX_INFO_LEN {
        return Err(CryptoError::Open);
    }
    let sk = PrivateKey::from_bytes(sk_r).map_err(|_| CryptoError::InvalidKey)?;
    let enc = EncappedKey::from_bytes(enc).map_err(|_| CryptoError::Open)?;
    hpke::single_shot_open::<Aead, Kdf, Kem>(&OpModeR::Base, &sk, &enc, info, ct, aad)
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Open)
}

/// RFC 7638 JWK thumbprint (b64u) of an X25519 public key: the `kid` of DESIGN.md §3.7.
pub fn x25519_kid(pk: &[u8; 32]) -> String {
    let jwk = format!(
        r#"{{"crv":"X25519","kty":"OKP","x":"{}"}}"#,
        crate::protocol::b64::encode(pk)
    );
    crate::protocol::b64::encode(sha256(jwk.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip() {
        let (sk, pk) = generate_keypair();
        let (enc, ct) = seal(&pk, b"info", b"aad", b"hello").unwrap();
        assert_eq!(ct.len(), 5 + 16);
        assert_eq!(
            open(&sk, &enc, b"info", b"aad", &ct).unwrap().as_slice(),
            b"hello"
        );
        assert_eq!(
            open(&sk, &enc, b"inf0", b"aad", &ct),
            Err(CryptoError::Open)
        );
        assert_eq!(
            open(&sk, &enc, b"info", b"aaD", &ct),
            Err(CryptoError::Open)
        );
        let (other_sk, _) = generate_keypair();
        assert_eq!(
            open(&other_sk, &enc, b"info", b"aad", &ct),
            Err(CryptoError::Open)
        );
    }

    #[test]
    fn seal_is_randomised() {
        let (_, pk) = generate_keypair();
        let a = seal(&pk, b"", b"", b"x").unwrap();
        let b = seal(&pk, b"", b"", b"x").unwrap();
        assert_ne!(a.0, b.0);
        assert_ne!(a.1, b.1);
    }

    #[test]
    fn low_order_public_key_is_refused() {
        assert_eq!(
            seal(&[0u8; 32], b"", b"", b"x"),
            Err(CryptoError::InvalidKey)
        );
        let mut one = [0u8; 32];
        one[0] = 1;
        assert_eq!(seal(&one, b"", b"", b"x"), Err(CryptoError::InvalidKey));
    }

    #[test]
    fn overlong_info_is_refused_not_panicking() {
        let (sk, pk) = generate_keypair();
        let info = vec![0u8; 70_000];
        assert_eq!(seal(&pk, &info, b"", b"x"), Err(CryptoError::Seal));
        assert_eq!(
            open(&sk, &[9u8; 32], &info, b"", &[0u8; 17]),
            Err(CryptoError::Open)
        );
    }

    #[test]
    fn derive_keypair_agrees_with_hpke_crate() {
        for ikm in [
            [0u8; 32],
            [7u8; 32],
            crate::protocol::crypto::random_bytes::<32>(),
        ] {
            let (sk, pk) = derive_keypair(&ikm);
            let (their_sk, their_pk) = <Kem as KemTrait>::derive_keypair(&ikm);
            // hpke clamps on import, so equal keys compare equal whatever the clamping.
            assert!(PrivateKey::from_bytes(sk.as_slice()).unwrap() == their_sk);
            assert_eq!(pk, public_bytes(&their_pk));
            assert_eq!(public_key(&sk).unwrap(), pk);
        }
    }

    #[test]
    fn rfc7748_unclamped_private_key() {
        // RFC 7748 §6.1, Alice: the private key is given unclamped, as raw HKDF output would be.
        let sk: [u8; 32] =
            hex32("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        let pk = hex32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        assert_eq!(public_key(&sk).unwrap(), pk);
        assert_eq!(x25519_public(&sk), pk);
    }

    fn hex32(s: &str) -> [u8; 32] {
        core::array::from_fn(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
    }

    #[test]
    fn unclamped_and_clamped_private_keys_are_the_same_key() {
        let raw = [0xffu8; 32];
        let mut clamped = raw;
        clamped[0] &= 248;
        clamped[31] &= 127;
        clamped[31] |= 64;
        assert_eq!(public_key(&raw).unwrap(), public_key(&clamped).unwrap());
        assert_eq!(x25519_public(&raw), public_key(&raw).unwrap());
    }

    #[test]
    fn kid_is_rfc7638_thumbprint() {
        // RFC 8037 Appendix A.6 public key; thumbprint computed with Python (hashlib).
        let pk: [u8; 32] =
            crate::protocol::b64::decode_array("3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08")
                .unwrap();
        assert_eq!(x25519_kid(&pk), KID_RFC8037_A6);
    }

    const KID_RFC8037_A6: &str = "giQqigT_IKcuzHl0FVJ3k5ts3_TWNAxvsC08UZsfcM8";
}
