//! Cross-implementation fixture `tests/vectors/meldpunt-crypto.json` (test only).
//!
//! The Rust code generates the fixture deterministically from fixed seeds; the JavaScript
//! implementation is pinned by the same file. By default the test only verifies: it re-derives
//! every value in the file through the public API (opening wraps and items, re-sealing items and
//! wraps with their fixed nonce / ephemeral ikm) and checks that regeneration gives the same
//! file. `MELDPUNT_WRITE_VECTORS=1 cargo test fixture` rewrites it.

use super::access_code::{AccessCode, AccessCodeError};
use super::hpke_suite::{self, Aead, Kdf, Kem};
use super::item::{Item, ItemKind, item_aad, padme_len};
use super::wrap::{Wrap, WrapPurpose, open_case_key, wrap_info};
use super::{CaseId, commit, sha256};

#[path = "fixture_format.rs"]
mod format;
use format::{CodeCase, CommitCase, Fixture, ItemCase, ParseCase, WrapCase};

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/meldpunt-crypto.json"
);

/// Deterministic "randomness" for fixtures: SHA-256 of a label, truncated.
fn seed<const N: usize>(label: &str) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&sha256(label.as_bytes())[..N]);
    out
}

/// Hands out fixed bytes, as hpke's own test `FakeCsprng` does, to fix the ephemeral key.
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
        let (taken, rest) = self.0.split_at(dest.len());
        dest.copy_from_slice(taken);
        self.0 = rest;
        Ok(())
    }
}
impl hpke::rand_core::TryCryptoRng for FixedRng<'_> {}

fn deterministic_wrap(
    pk: &[u8; 32],
    to: &str,
    case_id: &CaseId,
    purpose: WrapPurpose,
    key: &[u8; 32],
    ikm_e: &[u8; 32],
) -> Wrap {
    use hpke::{Deserializable, Serializable};
    let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(pk).unwrap();
    let info = wrap_info(case_id, purpose);
    let (enc, mut ctx) = hpke::setup_sender_with_rng::<Aead, Kdf, Kem>(
        &hpke::OpModeS::Base,
        &pk,
        &info,
        &mut FixedRng(ikm_e),
    )
    .unwrap();
    let ct = ctx.seal(key, b"").unwrap();
    let mut enc_bytes = [0u8; 32];
    enc.write_exact(&mut enc_bytes);
    Wrap {
        to: to.to_owned(),
        purpose,
        enc: enc_bytes,
        ct,
    }
}

fn error_name(e: &AccessCodeError) -> &'static str {
    match e {
        AccessCodeError::Length => "length",
        AccessCodeError::Symbol => "symbol",
        AccessCodeError::Typo => "typo",
        AccessCodeError::Overflow => "overflow",
    }
}

fn code_case(code: [u8; 16]) -> CodeCase {
    let c = AccessCode::from_bytes(code);
    let keys = c.derive_keys();
    CodeCase {
        code,
        display: c.display().to_string(),
        auth_key: *keys.auth_key,
        verifier: keys.verifier(),
        reporter_sk: *keys.reporter_sk,
        reporter_pk: keys.reporter_pk,
        rb: *keys.rb,
        binding: keys.binding(),
    }
}

fn parse_case(text: &str) -> ParseCase {
    let (code, error) = match AccessCode::parse(text) {
        Ok(c) => (Some(crate::protocol::b64::encode(c.as_bytes())), None),
        Err(e) => (None, Some(error_name(&e).to_owned())),
    };
    ParseCase {
        text: text.to_owned(),
        code,
        error,
    }
}

fn item_case(label: &str, kind: ItemKind, plaintext: &[u8]) -> ItemCase {
    let key = seed::<32>(&format!("{label} key"));
    let case_id = seed::<16>("case 0");
    let id = seed::<16>(&format!("{label} id"));
    let item = Item::seal_with_nonce(
        &key,
        &case_id,
        id,
        kind,
        seed(&format!("{label} nonce")),
        plaintext,
    )
    .unwrap();
    ItemCase {
        key,
        case_id,
        plaintext: plaintext.to_vec(),
        padded_len: padme_len(plaintext.len()),
        aad: item_aad(&case_id, &id, kind),
        item_hash: item.hash(),
        item,
    }
}

fn generate() -> Fixture {
    let codes = [
        core::array::from_fn(|i| i as u8),
        [0; 16],
        [0xff; 16],
        seed("code 3"),
    ];
    let access_codes: Vec<CodeCase> = codes.into_iter().map(code_case).collect();
    let shown = access_codes[0].display.clone();
    let parse = [
        shown.clone(),
        shown.to_lowercase().replace('-', " "),
        shown.replace('-', "").replace('0', "o").replace('1', "L"),
        access_codes[2].display.to_lowercase(),
        shown[..shown.len() - 1].to_owned() + "7",
        shown[..shown.len() - 2].to_owned(),
        "8".to_owned() + &shown[1..],
        shown.replacen('0', "U", 1),
        shown.replacen('0', "#", 1),
    ]
    .iter()
    .map(|t| parse_case(t))
    .collect();
    let padme = [0, 1, 1023, 1024, 1025, 2000, 4096, 65536, 1_000_000]
        .iter()
        .map(|&n| (n, padme_len(n)))
        .collect();

    let reporter_pk = access_codes[0].reporter_pk;
    let (staff_sk, staff_pk) = hpke_suite::derive_keypair(&seed::<32>("staff 0"));
    let kid = hpke_suite::x25519_kid(&staff_pk);
    let wrap_cases = [
        (
            access_codes[0].reporter_sk,
            reporter_pk,
            "reporter".to_owned(),
            WrapPurpose::Thread,
        ),
        (*staff_sk, staff_pk, kid.clone(), WrapPurpose::Thread),
        (*staff_sk, staff_pk, kid.clone(), WrapPurpose::Internal),
        (*staff_sk, staff_pk, kid, WrapPurpose::Identity),
    ];
    let wraps = wrap_cases
        .into_iter()
        .enumerate()
        .map(|(i, (sk, pk, to, purpose))| {
            let case_id = seed::<16>("case 0");
            let key = seed::<32>(&format!("case 0 {purpose:?} key"));
            let ikm_e = seed::<32>(&format!("wrap {i} ikm_e"));
            WrapCase {
                recipient_sk: sk,
                recipient_pk: pk,
                kid: hpke_suite::x25519_kid(&pk),
                case_id,
                key,
                ikm_e,
                info: wrap_info(&case_id, purpose),
                wrap: deterministic_wrap(&pk, &to, &case_id, purpose, &key, &ikm_e),
            }
        })
        .collect();

    let items = vec![
        item_case(
            "item 0",
            ItemKind::Report,
            r#"{"text":"Mijn leidinggevende negeert mij. ✓"}"#.as_bytes(),
        ),
        item_case("item 1", ItemKind::Message, br#"{"text":"hallo"}"#),
        item_case("item 2", ItemKind::Attachment, &[0x80; 1023]),
        item_case("item 3", ItemKind::Note, &"x".repeat(1500).into_bytes()),
    ];
    let thread_key = seed::<32>("case 0 Thread key");
    let kc = commit::key_commitment(&thread_key);
    let case_id = seed::<16>("case 0");
    let all: Vec<Item> = items.iter().map(|c| c.item.clone()).collect();
    let commitments = vec![
        CommitCase {
            case_id,
            thread_key,
            kc,
            cmt: commit::submission_commitment(&case_id, &kc, &all),
            items: all,
        },
        CommitCase {
            case_id,
            thread_key,
            kc,
            cmt: commit::submission_commitment(&case_id, &kc, &[]),
            items: vec![],
        },
    ];
    Fixture {
        description:
            "meldpunt crypto vectors (DESIGN.md §3, §4 cmt), generated by src/crypto/fixture.rs. \
            Binary values are b64u. Item and commitment plaintexts are raw bytes; wraps are \
            deterministic with ephemeral key DeriveKeyPair(ikm_e)."
                .to_owned(),
        access_codes,
        parse,
        padme,
        wraps,
        items,
        commitments,
    }
}

/// Checks every value of a fixture through the public API.
fn verify(f: &Fixture) {
    for c in &f.access_codes {
        let code = AccessCode::from_bytes(c.code);
        assert_eq!(code.display().as_str(), c.display);
        assert_eq!(AccessCode::parse(&c.display).unwrap(), code);
        let keys = code.derive_keys();
        assert_eq!(*keys.auth_key, c.auth_key);
        assert_eq!(keys.verifier(), c.verifier);
        assert_eq!(sha256(&c.auth_key), c.verifier);
        assert_eq!(*keys.reporter_sk, c.reporter_sk);
        assert_eq!(keys.reporter_pk, c.reporter_pk);
        assert_eq!(
            hpke_suite::public_key(&c.reporter_sk).unwrap(),
            c.reporter_pk
        );
        assert_eq!(*keys.rb, c.rb);
        assert_eq!(keys.binding(), c.binding);
    }
    for p in &f.parse {
        assert_eq!(parse_case(&p.text), *p, "{}", p.text);
    }
    for &(n, p) in &f.padme {
        assert_eq!(padme_len(n), p);
    }
    for w in &f.wraps {
        assert_eq!(
            hpke_suite::public_key(&w.recipient_sk).unwrap(),
            w.recipient_pk
        );
        assert_eq!(hpke_suite::x25519_kid(&w.recipient_pk), w.kid);
        assert_eq!(wrap_info(&w.case_id, w.wrap.purpose), w.info);
        assert_eq!(
            *open_case_key(&w.recipient_sk, &w.case_id, &w.wrap).unwrap(),
            w.key
        );
        assert_eq!(hpke_suite::derive_keypair(&w.ikm_e).1, w.wrap.enc);
        let again = deterministic_wrap(
            &w.recipient_pk,
            &w.wrap.to,
            &w.case_id,
            w.wrap.purpose,
            &w.key,
            &w.ikm_e,
        );
        assert_eq!(again, w.wrap);
    }
    for c in &f.items {
        let it = &c.item;
        assert_eq!(item_aad(&c.case_id, &it.id, it.kind), c.aad);
        assert_eq!(
            it.open(&c.key, &c.case_id).unwrap().as_slice(),
            c.plaintext.as_slice()
        );
        assert_eq!(padme_len(c.plaintext.len()), c.padded_len);
        assert_eq!(it.ct.len(), c.padded_len + 16);
        let resealed =
            Item::seal_with_nonce(&c.key, &c.case_id, it.id, it.kind, it.nonce, &c.plaintext)
                .unwrap();
        assert_eq!(&resealed, it);
        assert_eq!(it.hash(), c.item_hash);
    }
    for c in &f.commitments {
        assert_eq!(commit::key_commitment(&c.thread_key), c.kc);
        assert_eq!(
            commit::submission_commitment(&c.case_id, &c.kc, &c.items),
            c.cmt
        );
    }
}

#[test]
fn fixture_file_matches_implementation() {
    if std::env::var("MELDPUNT_WRITE_VECTORS").as_deref() == Ok("1") {
        let json = serde_json::to_string_pretty(&generate()).unwrap() + "\n";
        std::fs::write(PATH, json).unwrap();
    }
    let text = std::fs::read_to_string(PATH)
        .expect("tests/vectors/meldpunt-crypto.json (MELDPUNT_WRITE_VECTORS=1 makes it)");
    let file: Fixture = serde_json::from_str(&text).unwrap();
    verify(&file);
    assert!(!file.access_codes.is_empty() && !file.wraps.is_empty() && !file.items.is_empty());
    assert_eq!(file, generate(), "regenerating the fixture would change it");
}
