//! Tests of `cosignature`: a known-answer vector checked outside this code, the verifier's
//! rules, and the cross-implementation vector `tests/vectors/cosignature.json` that
//! `tests/js/cosignature.test.mjs` reads (`MELDPUNT_WRITE_VECTORS=1 cargo test cosignature`
//! rewrites it; by default the test fails if the file is not what this code produces).

use super::*;
use crate::protocol::log::checkpoint::Checkpoint;
use crate::protocol::log::note::NoteSigner;

const WITNESS: &str = "witness.example/w1";
const TIMESTAMP: u64 = 1679315147;

fn seed(byte: u8) -> [u8; 32] {
    core::array::from_fn(|i| byte.wrapping_add(i as u8))
}

fn witness() -> CosignatureSigner {
    CosignatureSigner::from_seed(WITNESS, &seed(0)).unwrap()
}

fn body() -> String {
    Checkpoint {
        origin: "example.com/behind-the-sofa".into(),
        size: 20852163,
        root: b64::decode_std("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
            .unwrap()
            .try_into()
            .unwrap(),
        extensions: vec![],
    }
    .body()
}

fn log_key() -> NoteSigner {
    NoteSigner::from_seed("example.com/behind-the-sofa", &seed(100)).unwrap()
}

fn log_note(body: &str) -> String {
    log_key().sign(body).unwrap()
}

fn with_lines(note: &str, lines: &[&str]) -> String {
    let mut out = note.to_owned();
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}

// Checked independently with Python's `cryptography` 48.0.0 (OpenSSL's Ed25519, not this code):
//   from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
//   import hashlib, base64, struct
//   sk = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
//   pk = sk.public_key().public_bytes_raw()
//   name = b"witness.example/w1"; ts = 1679315147
//   kid = hashlib.sha256(name + b"\n" + b"\x04" + pk).digest()[:4]
//   body = b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
//   sig = sk.sign(b"cosignature/v1\ntime %d\n" % ts + body)
//   vkey = "%s+%s+%s" % (name.decode(), kid.hex(), base64.b64encode(b"\x04" + pk).decode())
//   line = "\u2014 %s %s" % (name.decode(), base64.b64encode(kid + struct.pack(">Q", ts) + sig).decode())
//   print(vkey); print(line)
// printed exactly VKEY and LINE below. (The timestamp bytes match the spec's example line.)
const VKEY: &str = "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
const LINE: &str = "\u{2014} witness.example/w1 519lMgAAAABkGFDLBuRDazBLVac2NE+Y+IjbjQOcXLfF9CSDZVUIoS83rE1nFZsVE8YiWV6Ngr7lV8H6bdoBQGP/l73euDMQ9k+bBQ==";

#[test]
fn known_answer() {
    let w = witness();
    assert_eq!(w.vkey(), VKEY);
    assert_eq!(w.cosign(&body(), TIMESTAMP).unwrap(), LINE);
    let note = with_lines(&log_note(&body()), &[LINE]);
    let parsed = CosignatureVerifier::parse(VKEY).unwrap();
    assert_eq!(parsed, w.verifier());
    assert_eq!(parsed.verify(&note), Ok(TIMESTAMP));
}

#[test]
fn the_signed_message_is_the_spec_layout() {
    assert_eq!(
        signed_message("o\n1\nAA==\n", 7),
        b"cosignature/v1\ntime 7\no\n1\nAA==\n".to_vec()
    );
}

#[test]
fn the_signer_refuses_what_the_spec_forbids() {
    let w = witness();
    assert_eq!(w.cosign(&body(), 0), Err(CosignatureError::Timestamp));
    assert_eq!(w.cosign(&body(), 1 << 63), Err(CosignatureError::Timestamp));
    assert!(w.cosign(&body(), i64::MAX as u64).is_ok());
    assert!(w.cosign("no newline", 1).is_err());
    assert!(CosignatureSigner::from_seed("a b", &seed(0)).is_err());
}

#[test]
fn the_verifier_skips_others_and_refuses_bad_lines() {
    let w = witness();
    let v = w.verifier();
    let base = log_note(&body());
    let line = w.cosign(&body(), TIMESTAMP).unwrap();
    assert_eq!(v.verify(&base), Err(CosignatureError::NotSigned));
    // A line by another key with our name (other key id) is skipped.
    let other = CosignatureSigner::from_seed(WITNESS, &seed(1)).unwrap();
    let other_line = other.cosign(&body(), TIMESTAMP).unwrap();
    assert_eq!(
        v.verify(&with_lines(&base, &[&other_line, &line])),
        Ok(TIMESTAMP)
    );
    assert_eq!(
        v.verify(&with_lines(&base, &[&line, &line])),
        Err(CosignatureError::Malformed(
            "duplicate cosignature by one key"
        ))
    );
    // The same blob with another timestamp, or on another body, does not verify.
    let mut blob = b64::decode_std(line.rsplit(' ').next().unwrap()).unwrap();
    blob[11] ^= 1;
    let retimed = format!("\u{2014} {WITNESS} {}", b64::encode_std(&blob));
    assert_eq!(
        v.verify(&with_lines(&base, &[&retimed])),
        Err(CosignatureError::BadSignature)
    );
    let other_body = body().replace("20852163", "20852164");
    assert_eq!(
        v.verify(&with_lines(&log_note(&other_body), &[&line])),
        Err(CosignatureError::BadSignature)
    );
    // A note signature (type 0x01) by the same key and name has another key id: skipped.
    let as_note = NoteSigner::from_seed(WITNESS, &seed(0))
        .unwrap()
        .sign(&body())
        .unwrap();
    assert_eq!(v.verify(&as_note), Err(CosignatureError::NotSigned));
    // Timestamps beyond 2^63 - 1 are refused before the signature is looked at.
    blob[4] = 0x80;
    let huge = format!("\u{2014} {WITNESS} {}", b64::encode_std(&blob));
    assert_eq!(
        v.verify(&with_lines(&base, &[&huge])),
        Err(CosignatureError::Timestamp)
    );
    assert!(
        v.verify(&format!("{}\u{7}", with_lines(&base, &[&line])))
            .is_err()
    );
}

#[test]
fn verifier_keys_are_parsed_strictly() {
    let vkey = witness().vkey();
    assert!(CosignatureVerifier::parse(&vkey).is_ok());
    let note_vkey = NoteSigner::from_seed(WITNESS, &seed(0))
        .unwrap()
        .verifier_key();
    assert!(CosignatureVerifier::parse(&note_vkey).is_err(), "0x01 key");
    let (name, rest) = vkey.split_once('+').unwrap();
    for bad in [
        format!("other.example+{rest}"),
        format!("{name}+{}", rest.to_uppercase()),
        format!("{name}+00000000+{}", rest.split_once('+').unwrap().1),
        vkey[..vkey.len() - 4].to_owned(),
        format!("{name}+{rest}="),
    ] {
        assert!(CosignatureVerifier::parse(&bad).is_err(), "{bad}");
    }
}

#[test]
fn counting_is_by_distinct_keys() {
    let (w1, w2) = (
        witness(),
        CosignatureSigner::from_seed("w2.example", &seed(9)).unwrap(),
    );
    let base = log_note(&body());
    let l1 = w1.cosign(&body(), TIMESTAMP).unwrap();
    let l2 = w2.cosign(&body(), TIMESTAMP + 1).unwrap();
    let both = with_lines(&base, &[&l1, &l2]);
    let (v1, v2) = (w1.verifier(), w2.verifier());
    assert_eq!(count_cosigners(&both, &[v1.clone(), v2.clone()]), 2);
    assert_eq!(count_cosigners(&both, &[v1.clone(), v1.clone()]), 1);
    assert_eq!(
        count_cosigners(&with_lines(&base, &[&l1]), &[v1.clone(), v2.clone()]),
        1
    );
    assert_eq!(count_cosigners(&base, &[v1.clone(), v2.clone()]), 0);
    assert_eq!(count_cosigners("not a note", &[v1, v2]), 0);
}

// ---- The cross-implementation vector for web/js/crypto/cosignature.js. ----

const VECTOR_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/cosignature.json"
);

fn vector() -> serde_json::Value {
    let (w1, w2) = (
        witness(),
        CosignatureSigner::from_seed("w2.example", &seed(9)).unwrap(),
    );
    let pin = |w: &CosignatureSigner| serde_json::json!({ "name": w.name(), "vkey": w.vkey() });
    let renamed = serde_json::json!({
        "name": "renamed.example",
        "vkey": CosignatureSigner::from_seed("renamed.example", &seed(0)).unwrap().vkey(),
    });
    let base = log_note(&body());
    let l1 = w1.cosign(&body(), TIMESTAMP).unwrap();
    let l2 = w2.cosign(&body(), TIMESTAMP + 1).unwrap();
    let mut blob = b64::decode_std(l1.rsplit(' ').next().unwrap()).unwrap();
    blob[40] ^= 0x10;
    let tampered = format!("\u{2014} {WITNESS} {}", b64::encode_std(&blob));
    let moved = with_lines(&log_note(&body().replace("20852163", "20852164")), &[&l1]);
    let cases = [
        (
            "one pinned witness, its line",
            with_lines(&base, &[&l1]),
            vec![pin(&w1)],
            1,
        ),
        (
            "two pinned, both lines",
            with_lines(&base, &[&l1, &l2]),
            vec![pin(&w1), pin(&w2)],
            2,
        ),
        (
            "two pinned, one line",
            with_lines(&base, &[&l2]),
            vec![pin(&w1), pin(&w2)],
            1,
        ),
        (
            "the same witness pinned twice",
            with_lines(&base, &[&l1]),
            vec![pin(&w1), pin(&w1)],
            1,
        ),
        (
            "a tampered signature",
            with_lines(&base, &[&tampered]),
            vec![pin(&w1)],
            0,
        ),
        (
            "a duplicate line",
            with_lines(&base, &[&l1, &l1]),
            vec![pin(&w1)],
            0,
        ),
        (
            "the key pinned under another name",
            with_lines(&base, &[&l1]),
            vec![renamed],
            0,
        ),
        (
            "a line moved to another checkpoint",
            moved,
            vec![pin(&w1)],
            0,
        ),
        ("no cosignature", base.clone(), vec![pin(&w1), pin(&w2)], 0),
    ];
    let cases: Vec<_> = cases
        .into_iter()
        .map(|(why, note, witnesses, count)| {
            let verifiers: Vec<_> = witnesses
                .iter()
                .map(|w| CosignatureVerifier::parse(w["vkey"].as_str().unwrap()).unwrap())
                .collect();
            assert_eq!(count_cosigners(&note, &verifiers), count, "{why}");
            serde_json::json!({ "why": why, "note": note, "witnesses": witnesses, "count": count })
        })
        .collect();
    serde_json::json!({
        "description": "C2SP tlog-cosignature v1 (Ed25519, type 0x04) vectors, generated by \
                        src/protocol/log/cosignature_tests.rs; count = distinct pinned \
                        witnesses with a valid line",
        "known_answer": { "vkey": VKEY, "body": body(), "timestamp": TIMESTAMP, "line": LINE },
        "log_vkey": log_key().verifier_key(),
        "cases": cases,
    })
}

#[test]
fn the_js_vector_is_up_to_date() {
    let text = format!("{}\n", serde_json::to_string_pretty(&vector()).unwrap());
    if std::env::var_os("MELDPUNT_WRITE_VECTORS").is_some() {
        std::fs::write(VECTOR_PATH, &text).unwrap();
    }
    let stored = std::fs::read_to_string(VECTOR_PATH)
        .expect("tests/vectors/cosignature.json (MELDPUNT_WRITE_VECTORS=1 makes it)");
    assert_eq!(
        stored, text,
        "MELDPUNT_WRITE_VECTORS=1 cargo test cosignature rewrites it"
    );
}
