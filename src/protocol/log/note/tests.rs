use super::*;

// The example key and note of Go's golang.org/x/mod/sumdb/note package, the reference
// implementation of C2SP signed-note. Ed25519 is deterministic, so signing must reproduce it.
const GO_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n";
const GO_NOTE_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

fn go_signer() -> NoteSigner {
    let raw = b64::decode_std(GO_SKEY.splitn(5, '+').nth(4).unwrap()).unwrap();
    assert_eq!(raw[0], 0x01);
    NoteSigner::from_seed("PeterNeumann", &raw[1..].try_into().unwrap()).unwrap()
}

fn signer(name: &str, seed: u8) -> NoteSigner {
    NoteSigner::from_seed(name, &[seed; 32]).unwrap()
}

#[test]
fn reproduces_the_go_reference_note() {
    let signer = go_signer();
    assert_eq!(signer.verifier_key(), GO_VKEY);
    assert_eq!(signer.key_id(), [0xc7, 0x4f, 0x20, 0xa3]);
    let note = signer.sign(GO_TEXT).unwrap();
    assert_eq!(note, format!("{GO_TEXT}\n{GO_NOTE_SIG}"));
    let verifier = NoteVerifier::parse(GO_VKEY).unwrap();
    assert_eq!(verifier.open(&note).unwrap(), GO_TEXT);
}

#[test]
fn key_id_is_sha256_of_name_newline_alg_key() {
    let signer = signer("meldpunt.example/log", 7);
    let mut preimage = b"meldpunt.example/log\n\x01".to_vec();
    preimage.extend_from_slice(&signer.public_key());
    let digest = ring::digest::digest(&ring::digest::SHA256, &preimage);
    assert_eq!(signer.key_id()[..], digest.as_ref()[..4]);
}

#[test]
fn verifier_key_round_trips() {
    let signer = signer("meldpunt.example/log", 9);
    let text = signer.verifier_key();
    let verifier = NoteVerifier::parse(&text).unwrap();
    assert_eq!(verifier, signer.verifier());
    assert_eq!(verifier.name(), "meldpunt.example/log");
    assert_eq!(verifier.key_id(), signer.key_id());
}

#[test]
fn malformed_verifier_keys_are_rejected() {
    let good = signer("meldpunt.example/log", 9).verifier_key();
    let (name, rest) = good.split_once('+').unwrap();
    let (id, key) = rest.split_once('+').unwrap();
    let other_key = signer("meldpunt.example/log", 10).verifier_key();
    let other_key = other_key.rsplit_once('+').unwrap().1;
    let wrong_alg = {
        let mut raw = b64::decode_std(key).unwrap();
        raw[0] = 0x02;
        b64::encode_std(raw)
    };
    let cases = [
        format!("{name}+{id}"),
        format!("other+{id}+{key}"),
        format!("{name}+{}+{key}", id.to_uppercase()),
        format!("{name}+{}+{key}", &id[..7]),
        format!("{name}+{id}+{other_key}"),
        format!("{name}+{id}+{wrong_alg}"),
        format!("{name}+{id}+{}", &key[..40]),
        format!("{name}+{id}+{key}AA=="),
        format!("+{id}+{key}"),
        format!("a b+{id}+{key}"),
    ];
    for case in &cases {
        assert!(NoteVerifier::parse(case).is_err(), "{case}");
    }
    assert!(NoteSigner::from_seed("a+b", &[1; 32]).is_err());
    assert!(NoteSigner::from_seed("", &[1; 32]).is_err());
    assert!(NoteSigner::from_seed("a\tb", &[1; 32]).is_err());
}

#[test]
fn signing_rejects_invalid_text() {
    let signer = signer("k", 1);
    assert!(signer.sign("no newline").is_err());
    assert!(signer.sign("tab\there\n").is_err());
    assert!(signer.sign("ok\n").is_ok());
}

#[test]
fn wrong_keys_do_not_verify() {
    let signer = signer("meldpunt.example/log", 1);
    let note = signer.sign("hello\n").unwrap();
    // Another key with the same name has another key id: no signature by it.
    let other = self::signer("meldpunt.example/log", 2).verifier();
    assert_eq!(other.open(&note), Err(NoteError::NotSigned));
    // Same key, other name: the key id differs too.
    let renamed = self::signer("other.example/log", 1).verifier();
    assert_eq!(renamed.open(&note), Err(NoteError::NotSigned));
    // Same name and key id, other key: the signature fails.
    let forged = NoteVerifier {
        key: self::signer("x", 3).verifier().key,
        ..signer.verifier()
    };
    assert_eq!(forged.open(&note), Err(NoteError::BadSignature));
}

#[test]
fn other_signers_are_skipped_but_bad_lines_rejected() {
    let a = signer("a.example", 1);
    let b = signer("b.example", 2);
    let note_a = a.sign("text\n").unwrap();
    let line_b = b
        .sign("text\n")
        .unwrap()
        .split_once("\n\n")
        .unwrap()
        .1
        .to_owned();
    let both = format!("{note_a}{line_b}");
    assert_eq!(a.verifier().open(&both).unwrap(), "text\n");
    assert_eq!(b.verifier().open(&both).unwrap(), "text\n");
    let line_a = note_a.split_once("\n\n").unwrap().1;
    let cases = [
        format!("{note_a}{line_a}"),         // duplicate
        format!("{note_a}- x AAAAAAAA\n"),   // not an em dash
        format!("{note_a}— x\n"),            // no signature
        format!("{note_a}— x AAAA\n"),       // too short
        format!("{note_a}— x AAAAAAA*\n"),   // not base64
        format!("{note_a}— a+b AAAAAAAA\n"), // invalid name
        note_a.trim_end().to_owned(),        // no final newline
        "text\n".to_owned(),                 // no signatures at all
        format!("text\r\n\n{line_a}"),       // control character
    ];
    for case in &cases {
        assert!(
            matches!(a.verifier().open(case), Err(NoteError::Malformed(_))),
            "{case:?}"
        );
    }
    let many = format!("{note_a}{}", line_b.repeat(MAX_SIGNATURES));
    assert!(a.verifier().open(&many).is_err());
}
