//! The conformance testkit (`tests/testkit/`, format in its README): every case file is run
//! through the Rust protocol layer for its `kind`, and the outcome must be its `expect`.
//! `tests/js/testkit.test.mjs` runs the same files through `web/js/crypto/`, so both
//! implementations give every case the same verdict. Regenerate the files with
//! `node tests/testkit/generate.mjs`.

use std::fs;
use std::path::{Path, PathBuf};

use meldpunt::protocol::b64;
use meldpunt::protocol::crypto::commit::{Filing, submission_commitment_v2};
use meldpunt::protocol::crypto::{CryptoError, Item, padding};
use meldpunt::protocol::log::{
    NoteError, NoteVerifier, leaf_hash, open_signed_checkpoint, verify_inclusion,
};
use meldpunt::protocol::statements::{Jwks, JwsError, StatementVerifier, check_chain};
use meldpunt::protocol::trust::{
    DirectoryError, TrustRoot, WitnessedError, check_successor, open_witnessed_checkpoint,
    verify_directory,
};
use serde_json::Value;

/// Every outcome a case may expect.
const OUTCOMES: &[&str] = &[
    "ok",
    "malformed_jws",
    "unsupported_alg",
    "unsupported_typ",
    "unknown_key",
    "invalid_jwk",
    "bad_signature",
    "bad_shape",
    "broken_chain",
    "bad_vkey",
    "weak_key",
    "malformed_note",
    "not_signed",
    "malformed_checkpoint",
    "wrong_origin",
    "bad_padding",
    "bad_item",
    "bad_proof",
    "malformed_directory",
    "not_canonical",
    "unknown_signer",
    "duplicate_signer",
    "no_quorum",
    "discontinuous",
    "log_signature",
    "not_witnessed",
    "bad_commitment",
];

struct Case {
    expect: String,
    kind: String,
    input: Value,
}

/// Why the implementation refused a case (or, for `WrongOutput`, accepted it but returned
/// something else than the case says).
enum Refusal {
    Jws(JwsError),
    Note(NoteError),
    Crypto(CryptoError),
    WrongOrigin,
    BadItem(String),
    BadProof,
    Directory(DirectoryError),
    Witnessed(WitnessedError),
    BadCommitment,
    WrongOutput(String),
}

/// The one mapping from Rust errors to the testkit's outcome names.
fn outcome(refusal: &Refusal) -> &'static str {
    match refusal {
        Refusal::Jws(e) => match e {
            JwsError::Malformed => "malformed_jws",
            JwsError::UnknownKey => "unknown_key",
            JwsError::BadSignature => "bad_signature",
            JwsError::UnsupportedAlg => "unsupported_alg",
            JwsError::UnsupportedTyp => "unsupported_typ",
            JwsError::BadPayload(_) => "bad_shape",
            JwsError::InvalidJwk(_) => "invalid_jwk",
            JwsError::BrokenChain { .. } => "broken_chain",
        },
        Refusal::Note(e) => match e {
            NoteError::InvalidVerifierKey(why) if why.contains("weak") => "weak_key",
            NoteError::InvalidName | NoteError::InvalidVerifierKey(_) => "bad_vkey",
            NoteError::Malformed(_) => "malformed_note",
            NoteError::NotSigned => "not_signed",
            NoteError::BadSignature => "bad_signature",
            NoteError::MalformedCheckpoint(_) => "malformed_checkpoint",
        },
        Refusal::Crypto(CryptoError::Padding) => "bad_padding",
        Refusal::Crypto(_) | Refusal::BadItem(_) => "bad_item",
        Refusal::WrongOrigin => "wrong_origin",
        Refusal::BadProof => "bad_proof",
        Refusal::Directory(e) | Refusal::Witnessed(WitnessedError::Directory(e)) => match e {
            DirectoryError::Malformed(_) => "malformed_directory",
            DirectoryError::NotCanonical(_) => "not_canonical",
            DirectoryError::WrongOrigin { .. } => "wrong_origin",
            DirectoryError::UnknownSigner => "unknown_signer",
            DirectoryError::DuplicateSigner => "duplicate_signer",
            DirectoryError::BadSignature => "bad_signature",
            DirectoryError::NoQuorum { .. } => "no_quorum",
            DirectoryError::Discontinuous { .. } => "discontinuous",
        },
        Refusal::Witnessed(e) => match e {
            WitnessedError::LogSignature(_) | WitnessedError::Origin(_) => "log_signature",
            WitnessedError::NotWitnessed { .. } => "not_witnessed",
            _ => "other_witnessed_error",
        },
        Refusal::BadCommitment => "bad_commitment",
        Refusal::WrongOutput(_) => "wrong_output",
    }
}

/// The refusal in words, for failure messages.
fn detail(refusal: &Refusal) -> String {
    match refusal {
        Refusal::Jws(e) => e.to_string(),
        Refusal::Note(e) => e.to_string(),
        Refusal::Crypto(e) => e.to_string(),
        Refusal::WrongOrigin => "the checkpoint's origin is not the key's name".into(),
        Refusal::BadItem(why) | Refusal::WrongOutput(why) => why.clone(),
        Refusal::BadProof => "the inclusion proof does not verify".into(),
        Refusal::Directory(e) => e.to_string(),
        Refusal::Witnessed(e) => e.to_string(),
        Refusal::BadCommitment => "the cmt is not the version-2 commitment of the inputs".into(),
    }
}

fn parse(path: &Path) -> Case {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (header, body) = text
        .split_once("\n\n")
        .unwrap_or_else(|| panic!("{}: no blank line after the header", path.display()));
    let mut fields = std::collections::HashMap::new();
    for line in header.lines() {
        let (key, value) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("{}: bad header line {line:?}", path.display()));
        assert!(
            fields.insert(key, value).is_none(),
            "{}: header {key} twice",
            path.display()
        );
    }
    let field = |key: &str| -> String {
        fields
            .get(key)
            .unwrap_or_else(|| panic!("{}: no {key} header", path.display()))
            .to_string()
    };
    assert!(
        !field("comment").is_empty(),
        "{}: empty comment",
        path.display()
    );
    let input = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("{}: inputs are no JSON: {e}", path.display()));
    Case {
        expect: field("expect"),
        kind: field("kind"),
        input,
    }
}

fn text<'a>(input: &'a Value, key: &str) -> &'a str {
    input[key]
        .as_str()
        .unwrap_or_else(|| panic!("input {key} is not a string"))
}

fn bytes(input: &Value, key: &str) -> Vec<u8> {
    b64::decode(text(input, key)).unwrap_or_else(|| panic!("input {key} is not b64u"))
}

fn array<const N: usize>(input: &Value, key: &str) -> [u8; N] {
    bytes(input, key)
        .try_into()
        .unwrap_or_else(|_| panic!("input {key} is not {N} bytes"))
}

fn verifier(input: &Value) -> Result<StatementVerifier, Refusal> {
    let jwks: Jwks = serde_json::from_value(input["jwks"].clone()).expect("input jwks is a JWKS");
    StatementVerifier::from_jwks(&jwks).map_err(Refusal::Jws)
}

fn same<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), Refusal> {
    if got == want {
        Ok(())
    } else {
        Err(Refusal::WrongOutput(format!(
            "{what}: got {got:?}, want {want:?}"
        )))
    }
}

/// Checks an expected output with `check` if the case gives one (cases of `ok` do; a refused
/// case has none, so an implementation that wrongly accepts it is reported as `ok`).
fn expected(
    input: &Value,
    key: &str,
    check: impl FnOnce(&Value) -> Result<(), Refusal>,
) -> Result<(), Refusal> {
    match input.get(key) {
        Some(value) => check(value),
        None => Ok(()),
    }
}

fn run(kind: &str, input: &Value) -> Result<(), Refusal> {
    match kind {
        "jws_statement" => {
            verifier(input)?
                .verify(text(input, "jws"))
                .map_err(Refusal::Jws)?;
            Ok(())
        }
        "statement_chain" => {
            let statements: Vec<String> =
                serde_json::from_value(input["statements"].clone()).expect("statements");
            check_chain(&statements, &verifier(input)?).map_err(Refusal::Jws)?;
            Ok(())
        }
        "note" => {
            let key = NoteVerifier::parse(text(input, "vkey")).map_err(Refusal::Note)?;
            let opened = key.open(text(input, "note")).map_err(Refusal::Note)?;
            expected(input, "text", |_| same("text", opened, text(input, "text")))
        }
        "checkpoint" => {
            // As the log clients do (`clients::log::open_checkpoint`): the origin must be the
            // key's name.
            let key = NoteVerifier::parse(text(input, "vkey")).map_err(Refusal::Note)?;
            let checkpoint =
                open_signed_checkpoint(text(input, "note"), &key).map_err(Refusal::Note)?;
            if checkpoint.origin != key.name() {
                return Err(Refusal::WrongOrigin);
            }
            expected(input, "size", |size| {
                same("size", Some(checkpoint.size), size.as_u64())
            })?;
            expected(input, "root", |_| {
                same("root", checkpoint.root, array::<32>(input, "root"))
            })?;
            expected(input, "extensions", |lines| {
                let lines: Vec<String> = serde_json::from_value(lines.clone()).expect("lines");
                same("extensions", &checkpoint.extensions, &lines)
            })
        }
        "padding" => {
            let padded = bytes(input, "padded");
            let plaintext = padding::unpad(&padded).map_err(Refusal::Crypto)?;
            expected(input, "plaintext", |_| {
                same("plaintext", plaintext, &bytes(input, "plaintext")[..])?;
                same("pad(plaintext)", &padding::pad(plaintext)[..], &padded[..])
            })
        }
        "item" => {
            let item: Item = serde_json::from_value(input["item"].clone())
                .map_err(|e| Refusal::BadItem(e.to_string()))?;
            let plaintext = item
                .open(&array(input, "key"), &array(input, "case_id"))
                .map_err(Refusal::Crypto)?;
            expected(input, "plaintext", |_| {
                same("plaintext", &plaintext[..], &bytes(input, "plaintext")[..])
            })?;
            expected(input, "hash", |_| {
                same("hash", item.hash(), array::<32>(input, "hash"))
            })
        }
        "inclusion" => {
            let path: Vec<[u8; 32]> = input["path"]
                .as_array()
                .expect("path")
                .iter()
                .map(|h| b64::decode_array(h.as_str().expect("hash")).expect("path hash"))
                .collect();
            let index = input["index"].as_u64().expect("index");
            let size = input["size"].as_u64().expect("size");
            let leaf = leaf_hash(&bytes(input, "leaf"));
            if verify_inclusion(&leaf, index, size, &path, &array(input, "root")) {
                Ok(())
            } else {
                Err(Refusal::BadProof)
            }
        }
        "directory" => {
            let dir = verify_directory(&root(input), text(input, "directory"))
                .map_err(Refusal::Directory)?;
            expected(input, "hash", |_| {
                same("hash", dir.hash, array::<32>(input, "hash"))
            })?;
            expected(input, "seq", |seq| {
                same("seq", Some(dir.payload.seq), seq.as_u64())
            })
        }
        "directory_successor" => {
            let root = root(input);
            let prev = verify_directory(&root, text(input, "prev")).map_err(Refusal::Directory)?;
            let next = verify_directory(&root, text(input, "next")).map_err(Refusal::Directory)?;
            check_successor(&prev, &next).map_err(Refusal::Directory)
        }
        "witnessed_checkpoint" => {
            let checkpoint = open_witnessed_checkpoint(&root(input), text(input, "note"))
                .map_err(Refusal::Witnessed)?;
            expected(input, "size", |size| {
                same("size", Some(checkpoint.size), size.as_u64())
            })
        }
        "commitment_v2" => {
            let items: Vec<Item> =
                serde_json::from_value(input["items"].clone()).expect("input items");
            let holders: Vec<String> =
                serde_json::from_value(input["holders"].clone()).expect("input holders");
            let holders: Vec<&str> = holders.iter().map(String::as_str).collect();
            let filing = Filing {
                theme: text(input, "theme"),
                unit: text(input, "unit"),
                relation: input["relation"].as_str(),
                directory: &array::<32>(input, "directory"),
                holders: &holders,
            };
            let cmt = submission_commitment_v2(
                &array(input, "case_id"),
                &array(input, "kc"),
                &filing,
                &items,
            );
            if b64::encode(cmt) == text(input, "cmt") {
                Ok(())
            } else {
                Err(Refusal::BadCommitment)
            }
        }
        other => panic!("unknown kind {other}"),
    }
}

/// The case's trust root, parsed as a client parses `/trust-root.json`.
fn root(input: &Value) -> TrustRoot {
    TrustRoot::parse(&input["root"].to_string()).expect("input root is a valid trust root")
}

fn case_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testkit/cases");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    files.sort();
    files
}

#[test]
fn every_case_has_its_expected_outcome() {
    let files = case_files();
    assert!(files.len() >= 25, "only {} cases", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        let case = parse(path);
        assert!(
            OUTCOMES.contains(&case.expect.as_str()),
            "{name}: unknown outcome {}",
            case.expect
        );
        let result = std::panic::catch_unwind(|| run(&case.kind, &case.input));
        let got = match &result {
            Ok(Ok(())) => "ok".to_owned(),
            Ok(Err(refusal)) => format!("{} ({})", outcome(refusal), detail(refusal)),
            Err(_) => "a panic (see above)".to_owned(),
        };
        let verdict = match &result {
            Ok(Ok(())) => "ok",
            Ok(Err(refusal)) => outcome(refusal),
            Err(_) => "panic",
        };
        if verdict != case.expect {
            failures.push(format!(
                "{name} [{}]: expected {}, got {got}",
                case.kind, case.expect
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} testkit cases failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn every_outcome_and_kind_is_covered() {
    let cases: Vec<Case> = case_files().iter().map(|p| parse(p)).collect();
    for outcome in OUTCOMES {
        assert!(
            cases.iter().any(|c| c.expect == *outcome),
            "no case expects {outcome}"
        );
    }
    for kind in [
        "jws_statement",
        "statement_chain",
        "note",
        "checkpoint",
        "padding",
        "item",
        "inclusion",
        "directory",
        "directory_successor",
        "witnessed_checkpoint",
        "commitment_v2",
    ] {
        assert!(
            cases.iter().any(|c| c.kind == kind),
            "no case of kind {kind}"
        );
    }
}
