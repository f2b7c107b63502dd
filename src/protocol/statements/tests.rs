//! JWS and chain tests across the submodules.

use ed25519_dalek::{Signature, VerifyingKey};

use super::*;
use crate::protocol::b64;

const ISS: &str = "https://meldpunt.example";

fn signer() -> ReceiptSigner {
    ReceiptSigner::from_seed([42; 32])
}

fn verifier_for(signer: &ReceiptSigner) -> StatementVerifier {
    StatementVerifier::from_keys([signer.verifying_key()])
}

fn receipt() -> StatementPayload {
    StatementPayload::receipt(ISS, "MP-7K3Q-9XM2", 1_700_000_000, [1; 32], [2; 32], 10)
}

/// A JWS with an arbitrary header, correctly signed by `signer`.
fn signed_with_header(signer: &ReceiptSigner, header: &str, payload: &StatementPayload) -> String {
    let input = format!(
        "{}.{}",
        b64::encode(header),
        b64::encode(serde_json::to_vec(payload).unwrap())
    );
    let sig = signer.sign(input.as_bytes());
    format!("{input}.{}", b64::encode(sig.to_bytes()))
}

/// Receipt plus three statements, each linked to the previous.
pub(crate) fn chain(signer: &ReceiptSigner) -> Vec<String> {
    let mut jws = vec![sign_statement(signer, TYP_RECEIPT, &receipt())];
    let prev = |v: &Vec<String>| chain_hash(v.last().unwrap());
    let later =
        |seq, iat, log, body| StatementPayload::later(ISS, "MP-7K3Q-9XM2", seq, iat, log, body);
    let change = StatusChange::Acknowledged;
    let p = later(
        1,
        1_700_100_000,
        11,
        StatementBody::Status {
            prev: prev(&jws),
            change,
        },
    );
    jws.push(sign_statement(signer, TYP_STATEMENT, &p));
    let body = StatementBody::Message {
        prev: prev(&jws),
        from: Party::Staff,
        item: [5; 32],
    };
    let p = later(2, 1_700_200_000, 14, body);
    jws.push(sign_statement(signer, TYP_STATEMENT, &p));
    let p = later(
        3,
        1_700_300_000,
        20,
        StatementBody::IdentityViewed { prev: prev(&jws) },
    );
    jws.push(sign_statement(signer, TYP_STATEMENT, &p));
    jws
}

#[test]
fn jws_round_trip() {
    let signer = signer();
    let jws = sign_statement(&signer, TYP_RECEIPT, &receipt());
    let verified = verifier_for(&signer).verify(&jws).unwrap();
    assert_eq!(verified.payload, receipt());
    assert_eq!(verified.typ, TYP_RECEIPT);
    assert_eq!(verified.kid, signer.kid());
}

#[test]
fn jws_verifies_independently_with_exact_header() {
    let signer = signer();
    let jws = sign_statement(&signer, TYP_RECEIPT, &receipt());
    let parts: Vec<&str> = jws.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header = b64::decode(parts[0]).unwrap();
    assert_eq!(
        String::from_utf8(header).unwrap(),
        format!(
            r#"{{"alg":"Ed25519","kid":"{}","typ":"meldpunt-receipt+jws"}}"#,
            signer.kid()
        )
    );
    let payload = b64::decode(parts[1]).unwrap();
    assert_eq!(payload, serde_json::to_vec(&receipt()).unwrap());
    let sig = Signature::from_bytes(&b64::decode_array::<64>(parts[2]).unwrap());
    let key = VerifyingKey::from_bytes(&signer.public_key()).unwrap();
    let input = format!("{}.{}", parts[0], parts[1]);
    key.verify_strict(input.as_bytes(), &sig).unwrap();
}

#[test]
fn any_single_character_change_fails() {
    let signer = signer();
    let verifier = verifier_for(&signer);
    let jws = sign_statement(&signer, TYP_RECEIPT, &receipt());
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut tried = 0;
    for (i, c) in jws.bytes().enumerate().filter(|&(_, c)| c != b'.') {
        // Flipping the top bit of the 6-bit value keeps a final character canonical, so the
        // change reaches the signature check instead of stopping at strict decoding.
        let value = ALPHABET.iter().position(|&a| a == c).unwrap();
        let replacement = char::from(ALPHABET[value ^ 0x20]);
        let mut tampered = jws.clone();
        tampered.replace_range(i..=i, &replacement.to_string());
        assert!(verifier.verify(&tampered).is_err(), "char {i}");
        tried += 1;
    }
    assert_eq!(tried, jws.len() - 2);
    for bad in [
        format!("{jws}."),
        jws.replacen('.', "..", 1),
        jws[..jws.len() - 1].to_owned(),
    ] {
        assert!(verifier.verify(&bad).is_err());
    }
}

#[test]
fn other_algorithms_are_rejected() {
    let signer = signer();
    let verifier = verifier_for(&signer);
    let kid = signer.kid();
    for alg in ["EdDSA", "none", "ed25519", "ES256", "HS256"] {
        let header = format!(r#"{{"alg":"{alg}","kid":"{kid}","typ":"{TYP_RECEIPT}"}}"#);
        let jws = signed_with_header(&signer, &header, &receipt());
        assert_eq!(
            verifier.verify(&jws),
            Err(JwsError::UnsupportedAlg),
            "{alg}"
        );
    }
    let header = format!(r#"{{"alg":"none","kid":"{kid}","typ":"{TYP_RECEIPT}"}}"#);
    let payload = b64::encode(serde_json::to_vec(&receipt()).unwrap());
    let unsigned = format!("{}.{payload}.", b64::encode(header));
    assert_eq!(verifier.verify(&unsigned), Err(JwsError::UnsupportedAlg));
    // RFC 8037 A.4's token is a valid Ed25519 JWS, but under the deprecated "EdDSA".
    let rfc = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
    assert_eq!(verifier.verify(rfc), Err(JwsError::UnsupportedAlg));
}

#[test]
fn header_must_be_exactly_alg_kid_typ() {
    let signer = signer();
    let verifier = verifier_for(&signer);
    let kid = signer.kid();
    let cases = [
        (
            format!(r#"{{"alg":"Ed25519","kid":"{kid}","typ":"JWT"}}"#),
            JwsError::UnsupportedTyp,
        ),
        (
            format!(r#"{{"alg":"Ed25519","kid":"{kid}"}}"#),
            JwsError::Malformed,
        ),
        (
            format!(r#"{{"alg":"Ed25519","kid":"{kid}","typ":"{TYP_RECEIPT}","crit":["x"]}}"#),
            JwsError::Malformed,
        ),
        (
            format!(r#"{{"alg":"Ed25519","kid":"{kid}","kid":"{kid}","typ":"{TYP_RECEIPT}"}}"#),
            JwsError::Malformed,
        ),
    ];
    for (header, err) in cases {
        let jws = signed_with_header(&signer, &header, &receipt());
        assert_eq!(verifier.verify(&jws), Err(err), "{header}");
    }
    // Receipt payload under the statement typ is refused even with a good signature.
    let jws = sign_statement(&signer, TYP_STATEMENT, &receipt());
    assert!(matches!(
        verifier.verify(&jws),
        Err(JwsError::BadPayload(_))
    ));
}

#[test]
fn unknown_kid_and_wrong_key_are_rejected() {
    let signer = signer();
    let other = ReceiptSigner::from_seed([7; 32]);
    let jws = sign_statement(&signer, TYP_RECEIPT, &receipt());
    assert_eq!(verifier_for(&other).verify(&jws), Err(JwsError::UnknownKey));
    // Right kid, wrong key: a JWS claiming `signer`'s kid but signed by `other`.
    let header = format!(
        r#"{{"alg":"Ed25519","kid":"{}","typ":"{TYP_RECEIPT}"}}"#,
        signer.kid()
    );
    let forged = signed_with_header(&other, &header, &receipt());
    assert_eq!(
        verifier_for(&signer).verify(&forged),
        Err(JwsError::BadSignature)
    );
}

#[test]
fn chain_hash_is_sha256_of_the_ascii_jws() {
    assert_eq!(
        b64::encode(chain_hash("")),
        "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
    );
}

#[test]
fn verifier_from_jwks_checks_every_key() {
    let current = signer();
    let retired = ReceiptSigner::from_seed([7; 32]);
    let published = Jwks {
        keys: [current.public_key(), retired.public_key()]
            .iter()
            .map(Jwk::ed25519)
            .collect(),
    };
    let jwks: Jwks = serde_json::from_str(&serde_json::to_string(&published).unwrap()).unwrap();
    let verifier = StatementVerifier::from_jwks(&jwks).unwrap();
    assert_eq!(verifier.kids().count(), 2);
    verifier
        .verify(&sign_statement(&current, TYP_RECEIPT, &receipt()))
        .unwrap();

    let mut bad = jwks.clone();
    bad.keys[1].kid = bad.keys[0].kid.clone();
    assert!(matches!(
        StatementVerifier::from_jwks(&bad),
        Err(JwsError::InvalidJwk(_))
    ));
    let mut bad = jwks.clone();
    bad.keys[0].alg = "EdDSA".into();
    assert!(matches!(
        StatementVerifier::from_jwks(&bad),
        Err(JwsError::InvalidJwk(_))
    ));
    let mut bad = jwks;
    bad.keys[0].x.pop();
    assert!(matches!(
        StatementVerifier::from_jwks(&bad),
        Err(JwsError::InvalidJwk(_))
    ));
}

#[test]
fn check_chain_accepts_an_intact_chain() {
    let signer = signer();
    let payloads = check_chain(&chain(&signer), &verifier_for(&signer)).unwrap();
    assert_eq!(
        payloads.iter().map(|p| p.seq).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
}

#[test]
fn check_chain_catches_removal_reordering_and_alteration() {
    let signer = signer();
    let v = verifier_for(&signer);
    let good = chain(&signer);
    let broken = |r: Result<_, JwsError>| matches!(r, Err(JwsError::BrokenChain { .. }));

    assert!(broken(check_chain(&[], &v)));
    for removed in 0..3 {
        let mut c = good.clone();
        c.remove(removed);
        assert!(broken(check_chain(&c, &v)), "removed {removed}");
    }
    let mut c = good.clone();
    c.swap(1, 2);
    assert!(broken(check_chain(&c, &v)));

    // Bytes altered without the key: the signature fails.
    let mut c = good.clone();
    let mid = c[2].len() / 2;
    let flipped = if &c[2][mid..=mid] == "A" { "B" } else { "A" };
    c[2].replace_range(mid..=mid, flipped);
    assert!(check_chain(&c, &v).is_err());

    // Rewritten and re-signed by the key holder: the next `prev` no longer matches.
    let mut c = good.clone();
    let mut p = v.verify(&c[1]).unwrap().payload;
    let StatementBody::Status { prev, .. } = p.body else {
        panic!("statement 1 is a status")
    };
    p.body = StatementBody::Status {
        prev,
        change: StatusChange::Referred,
    };
    c[1] = sign_statement(&signer, TYP_STATEMENT, &p);
    assert_eq!(
        check_chain(&c, &v),
        Err(JwsError::BrokenChain {
            index: 2,
            reason: "prev is not the hash of the previous statement"
        })
    );

    // A statement from another case, correctly chained, is still refused.
    let mut c = good.clone();
    let mut p = v.verify(&c[3]).unwrap().payload;
    p.case_ref = "MP-OTHR-CASE".into();
    c[3] = sign_statement(&signer, TYP_STATEMENT, &p);
    assert!(broken(check_chain(&c, &v)));

    // Log indices must grow.
    let mut c = good;
    let mut p = v.verify(&c[3]).unwrap().payload;
    p.log = 3;
    c[3] = sign_statement(&signer, TYP_STATEMENT, &p);
    assert!(broken(check_chain(&c, &v)));
}
