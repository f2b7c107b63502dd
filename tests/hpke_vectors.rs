//! RFC 9180 Appendix A.1 vectors (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM)
//! against `meldpunt::protocol::crypto::hpke_suite` and the `hpke` crate configured as that suite.
//!
//! Every base-mode vector must pass: DeriveKeyPair for both key pairs, deterministic
//! encapsulation, each encryption in sequence (and its decryption), and each export. The PSK,
//! Auth and AuthPSK vectors run through the same checks with the matching mode.

use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, PskBundle, Serializable};
use meldpunt::protocol::crypto::hpke_suite::{self, Aead, Kdf, Kem};
use serde::Deserialize;

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/hpke-rfc9180-a1.json"
));

#[derive(Deserialize)]
struct File {
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    mode: u8,
    kem_id: u16,
    kdf_id: u16,
    aead_id: u16,
    info: String,
    #[serde(rename = "ikmE")]
    ikm_e: String,
    #[serde(rename = "pkEm")]
    pk_em: String,
    #[serde(rename = "skEm")]
    sk_em: String,
    #[serde(rename = "ikmR")]
    ikm_r: String,
    #[serde(rename = "pkRm")]
    pk_rm: String,
    #[serde(rename = "skRm")]
    sk_rm: String,
    #[serde(rename = "ikmS")]
    ikm_s: Option<String>,
    #[serde(rename = "pkSm")]
    pk_sm: Option<String>,
    #[serde(rename = "skSm")]
    sk_sm: Option<String>,
    psk: Option<String>,
    psk_id: Option<String>,
    enc: String,
    encryptions: Vec<Encryption>,
    exports: Vec<Export>,
}

#[derive(Deserialize)]
struct Encryption {
    #[serde(rename = "sequence number")]
    sequence_number: u64,
    pt: String,
    aad: String,
    ct: String,
}

#[derive(Deserialize)]
struct Export {
    exporter_context: String,
    #[serde(rename = "L")]
    len: usize,
    exported_value: String,
}

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex32(s: &str) -> [u8; 32] {
    hex(s).try_into().expect("32 bytes")
}

/// Hands out fixed bytes in place of randomness, like hpke's own test `FakeCsprng`, so that
/// encapsulation derives its ephemeral key from `ikmE`.
struct FixedRng<'a>(&'a [u8]);

impl hpke::rand_core::TryRng for FixedRng<'_> {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        hpke::rand_core::utils::next_word_via_fill(self)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        hpke::rand_core::utils::next_word_via_fill(self)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
        assert!(dest.len() <= self.0.len(), "ran out of fixed randomness");
        let (taken, rest) = self.0.split_at(dest.len());
        dest.copy_from_slice(taken);
        self.0 = rest;
        Ok(())
    }
}
impl hpke::rand_core::TryCryptoRng for FixedRng<'_> {}

type PrivateKey = <Kem as hpke::Kem>::PrivateKey;
type PublicKey = <Kem as hpke::Kem>::PublicKey;
type EncappedKey = <Kem as hpke::Kem>::EncappedKey;

fn vectors() -> Vec<Vector> {
    let file: File = serde_json::from_str(VECTORS).expect("vector file parses");
    file.vectors
}

fn check_derive_keypair(ikm: &str, sk: &str, pk: &str, what: &str) {
    let (derived_sk, derived_pk) = hpke_suite::derive_keypair(&hex(ikm));
    assert_eq!(*derived_sk, hex32(sk), "{what}: DeriveKeyPair sk");
    assert_eq!(derived_pk, hex32(pk), "{what}: DeriveKeyPair pk");
    assert_eq!(
        hpke_suite::public_key(&hex32(sk)).unwrap(),
        hex32(pk),
        "{what}: pk(sk)"
    );
    // The hpke crate's own DeriveKeyPair gives the same key (it stores it clamped).
    let (crate_sk, crate_pk) = Kem::derive_keypair(&hex(ikm));
    assert!(
        crate_sk == PrivateKey::from_bytes(&hex(sk)).unwrap(),
        "{what}: hpke crate sk"
    );
    assert_eq!(
        crate_pk.to_bytes().as_slice(),
        hex(pk).as_slice(),
        "{what}: hpke crate pk"
    );
}

/// Runs one vector in its own mode; returns the number of encryptions checked.
fn run(v: &Vector, index: usize) -> usize {
    let what = format!("vector {index} (mode {})", v.mode);
    assert_eq!(
        (v.kem_id, v.kdf_id, v.aead_id),
        (0x20, 1, 1),
        "{what}: suite"
    );
    check_derive_keypair(&v.ikm_r, &v.sk_rm, &v.pk_rm, &format!("{what} R"));
    check_derive_keypair(&v.ikm_e, &v.sk_em, &v.pk_em, &format!("{what} E"));
    assert_eq!(v.enc, v.pk_em, "{what}: enc is the ephemeral public key");

    let info = hex(&v.info);
    let (psk, psk_id) = (v.psk.as_deref().map(hex), v.psk_id.as_deref().map(hex));
    let psk_bundle = psk
        .as_ref()
        .map(|psk| PskBundle::new(psk, psk_id.as_deref().expect("psk_id")).expect("psk bundle"));
    let sender_id = v.ikm_s.as_ref().map(|ikm_s| {
        check_derive_keypair(
            ikm_s,
            v.sk_sm.as_ref().unwrap(),
            v.pk_sm.as_ref().unwrap(),
            &format!("{what} S"),
        );
        Kem::derive_keypair(&hex(ikm_s))
    });
    let (mode_s, mode_r) = match (v.mode, psk_bundle, sender_id) {
        (0, None, None) => (OpModeS::Base, OpModeR::Base),
        (1, Some(b), None) => (OpModeS::Psk(b), OpModeR::Psk(b)),
        (2, None, Some((sk, pk))) => (OpModeS::Auth((sk, pk.clone())), OpModeR::Auth(pk)),
        (3, Some(b), Some((sk, pk))) => (
            OpModeS::AuthPsk((sk, pk.clone()), b),
            OpModeR::AuthPsk(pk, b),
        ),
        _ => panic!("{what}: inconsistent mode fields"),
    };

    let pk_r = PublicKey::from_bytes(&hex(&v.pk_rm)).unwrap();
    let sk_r = PrivateKey::from_bytes(&hex(&v.sk_rm)).unwrap();
    let ikm_e = hex(&v.ikm_e);
    let (enc, mut sender) =
        hpke::setup_sender_with_rng::<Aead, Kdf, Kem>(&mode_s, &pk_r, &info, &mut FixedRng(&ikm_e))
            .unwrap();
    assert_eq!(
        enc.to_bytes().as_slice(),
        hex(&v.enc).as_slice(),
        "{what}: encapsulation"
    );
    let enc_r = EncappedKey::from_bytes(&hex(&v.enc)).unwrap();
    let mut receiver =
        hpke::setup_receiver::<Aead, Kdf, Kem>(&mode_r, &sk_r, &enc_r, &info).unwrap();

    // The vector lists a subset of sequence numbers; seal and open the skipped ones too so the
    // contexts' counters stay in step.
    let mut next_seq = 0u64;
    for (j, e) in v.encryptions.iter().enumerate() {
        let (pt, aad, ct) = (hex(&e.pt), hex(&e.aad), hex(&e.ct));
        while next_seq < e.sequence_number {
            let filler = sender.seal(b"", b"").unwrap();
            receiver.open(&filler, b"").unwrap();
            next_seq += 1;
        }
        assert_eq!(
            sender.seal(&pt, &aad).unwrap(),
            ct,
            "{what}: encryption {j} seal"
        );
        assert_eq!(
            receiver.open(&ct, &aad).unwrap(),
            pt,
            "{what}: encryption {j} open"
        );
        next_seq += 1;
        if v.mode == 0 && e.sequence_number == 0 {
            // Single-shot open is sequence number 0 of a base-mode context.
            let opened =
                hpke_suite::open(&hex32(&v.sk_rm), &hex32(&v.enc), &info, &aad, &ct).unwrap();
            assert_eq!(*opened, pt, "{what}: hpke_suite::open");
            let mut tampered = ct.clone();
            tampered[0] ^= 1;
            assert!(
                hpke_suite::open(&hex32(&v.sk_rm), &hex32(&v.enc), &info, &aad, &tampered).is_err()
            );
        }
    }
    for (j, x) in v.exports.iter().enumerate() {
        let mut out = vec![0u8; x.len];
        sender.export(&hex(&x.exporter_context), &mut out).unwrap();
        assert_eq!(out, hex(&x.exported_value), "{what}: export {j} (sender)");
        receiver
            .export(&hex(&x.exporter_context), &mut out)
            .unwrap();
        assert_eq!(out, hex(&x.exported_value), "{what}: export {j} (receiver)");
    }
    v.encryptions.len()
}

#[test]
fn every_base_mode_vector_passes() {
    let base: Vec<(usize, Vector)> = vectors()
        .into_iter()
        .enumerate()
        .filter(|(_, v)| v.mode == 0)
        .collect();
    assert!(!base.is_empty(), "no base-mode vectors");
    for (i, v) in &base {
        assert!(run(v, *i) > 0, "vector {i} has no encryptions");
        assert!(!v.exports.is_empty(), "vector {i} has no exports");
    }
}

#[test]
fn psk_auth_and_auth_psk_vectors_pass() {
    let others: Vec<(usize, Vector)> = vectors()
        .into_iter()
        .enumerate()
        .filter(|(_, v)| v.mode != 0)
        .collect();
    let modes: std::collections::BTreeSet<u8> = others.iter().map(|(_, v)| v.mode).collect();
    assert_eq!(
        modes,
        [1, 2, 3].into(),
        "expected psk, auth and auth_psk vectors"
    );
    for (i, v) in &others {
        run(v, *i);
    }
}

#[test]
fn suite_round_trip_to_vector_recipient() {
    let v = vectors().into_iter().find(|v| v.mode == 0).unwrap();
    let (enc, ct) = hpke_suite::seal(&hex32(&v.pk_rm), b"meldpunt", b"aad", b"secret").unwrap();
    let pt = hpke_suite::open(&hex32(&v.sk_rm), &enc, b"meldpunt", b"aad", &ct).unwrap();
    assert_eq!(pt.as_slice(), b"secret");
}
