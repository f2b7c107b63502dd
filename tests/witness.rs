//! `meldpunt witness` as a real process on loopback, driven by the Rust witness client: the
//! status codes of C2SP tlog-witness, cosignatures that verify with the vkey it prints, and a
//! record that survives SIGKILL.

mod common;

use common::TempDir;
use common::witness::WitnessProcess;
use meldpunt::clients::witness::{WitnessClientError, add_checkpoint};
use meldpunt::protocol::log::checkpoint::Checkpoint;
use meldpunt::protocol::log::cosignature::CosignatureVerifier;
use meldpunt::protocol::log::note::NoteSigner;
use meldpunt::protocol::log::proof::{leaf_hash, node_hash, verify_consistency};

const ORIGIN: &str = "meldpunt.example/log";

// ---- A reference tree from RFC 9162 §2.1.1 and §2.1.4.1 (MTH and SUBPROOF). ----

fn leaves(n: u64) -> Vec<[u8; 32]> {
    (0..n)
        .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
        .collect()
}

fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn mth(d: &[[u8; 32]]) -> [u8; 32] {
    match d.len() {
        0 => meldpunt::protocol::log::proof::empty_root(),
        1 => d[0],
        n => node_hash(&mth(&d[..split(n)]), &mth(&d[split(n)..])),
    }
}

fn subproof(m: usize, d: &[[u8; 32]], complete: bool) -> Vec<[u8; 32]> {
    if m == d.len() {
        return if complete { vec![] } else { vec![mth(d)] };
    }
    let k = split(d.len());
    let (mut p, other) = if m <= k {
        (subproof(m, &d[..k], complete), mth(&d[k..]))
    } else {
        (subproof(m - k, &d[k..], false), mth(&d[..k]))
    };
    p.push(other);
    p
}

fn proof(m: u64, n: u64) -> Vec<[u8; 32]> {
    let p = if m == 0 || m == n {
        vec![]
    } else {
        subproof(m as usize, &leaves(n), true)
    };
    // The reference and the project's verifier must agree, or the test proves nothing.
    assert!(verify_consistency(
        m,
        n,
        &mth(&leaves(m)),
        &mth(&leaves(n)),
        &p
    ));
    p
}

fn log_key() -> NoteSigner {
    NoteSigner::from_seed(ORIGIN, &[42; 32]).unwrap()
}

fn note_by(key: &NoteSigner, origin: &str, size: u64, root: [u8; 32]) -> String {
    let checkpoint = Checkpoint {
        origin: origin.into(),
        size,
        root,
        extensions: vec!["audit 3 AAAA".into()],
    };
    checkpoint.sign(key).unwrap()
}

fn note(size: u64) -> String {
    note_by(&log_key(), ORIGIN, size, mth(&leaves(size)))
}

/// A raw POST, for what the typed client cannot send: status, content type, body.
fn post(url: &str, body: &[u8]) -> (u16, String, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .post(format!("{url}/add-checkpoint"))
        .send(body)
        .unwrap();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.body_mut().read_to_string().unwrap();
    (response.status().as_u16(), content_type, text)
}

fn cosigned(note: &str, lines: &[String]) -> String {
    let mut out = note.to_owned();
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn the_witness_answers_as_tlog_witness_says() {
    let dir = TempDir::new("witness");
    let w = WitnessProcess::start(
        &dir.path().join("state"),
        &dir.path().join("witness.log"),
        &log_key().verifier_key(),
    );
    let verifier = CosignatureVerifier::parse(&w.vkey).unwrap();

    // The first checkpoint, from old 0; then growth with a consistency proof.
    let lines = add_checkpoint(&w.url, 0, &[], &note(3)).unwrap();
    assert_eq!(lines.len(), 1);
    let timestamp = verifier.verify(&cosigned(&note(3), &lines)).unwrap();
    let now = meldpunt::protocol::time::now();
    assert!(timestamp.abs_diff(now) < 300, "{timestamp} vs {now}");
    let lines = add_checkpoint(&w.url, 3, &proof(3, 8), &note(8)).unwrap();
    assert!(verifier.verify(&cosigned(&note(8), &lines)).is_ok());
    assert!(verifier.verify(&cosigned(&note(3), &lines)).is_err());

    // A stale old size: 409 with the witness's size, as text/x.tlog.size.
    let stale = add_checkpoint(&w.url, 3, &proof(3, 9), &note(9));
    assert!(
        matches!(stale, Err(WitnessClientError::Conflict(8))),
        "{stale:?}"
    );
    let raw = format!("old 3\n\n{}", note(9));
    assert_eq!(
        post(&w.url, raw.as_bytes()),
        (409, "text/x.tlog.size".to_owned(), "8\n".to_owned())
    );

    // A bad proof, and a fork (the right old size, a root that does not extend the record).
    let mut bad = proof(8, 13);
    bad[0][5] ^= 0x40;
    let answer = add_checkpoint(&w.url, 8, &bad, &note(13));
    assert!(
        matches!(answer, Err(WitnessClientError::Inconsistent(_))),
        "{answer:?}"
    );
    let fork = note_by(&log_key(), ORIGIN, 13, [9; 32]);
    let answer = add_checkpoint(&w.url, 8, &proof(8, 13), &fork);
    assert!(
        matches!(answer, Err(WitnessClientError::Inconsistent(_))),
        "{answer:?}"
    );
    let same_size_fork = note_by(&log_key(), ORIGIN, 8, [9; 32]);
    let answer = add_checkpoint(&w.url, 8, &[], &same_size_fork);
    assert!(
        matches!(answer, Err(WitnessClientError::Inconsistent(_))),
        "{answer:?}"
    );

    // A checkpoint for our origin by another key: 403. An origin it does not know: 404.
    let impostor = NoteSigner::from_seed(ORIGIN, &[7; 32]).unwrap();
    let forged = note_by(&impostor, ORIGIN, 13, mth(&leaves(13)));
    let answer = add_checkpoint(&w.url, 8, &proof(8, 13), &forged);
    assert!(
        matches!(answer, Err(WitnessClientError::Forbidden(_))),
        "{answer:?}"
    );
    let stranger = NoteSigner::from_seed("other.example/log", &[42; 32]).unwrap();
    let foreign = note_by(&stranger, "other.example/log", 2, mth(&leaves(2)));
    let answer = add_checkpoint(&w.url, 0, &[], &foreign);
    assert!(
        matches!(answer, Err(WitnessClientError::UnknownLog(_))),
        "{answer:?}"
    );

    // The old size beyond the checkpoint's, and malformed bodies: 400.
    let answer = add_checkpoint(&w.url, 8, &[], &note(5));
    assert!(
        matches!(answer, Err(WitnessClientError::BadRequest(_))),
        "{answer:?}"
    );
    for junk in [
        format!("old 8\n{}", note(8)),
        format!("old 08\n\n{}", note(8)),
        format!("old 8\nnot base64\n\n{}", note(8)),
        "garbage".to_owned(),
    ] {
        assert_eq!(post(&w.url, junk.as_bytes()).0, 400, "{junk:?}");
    }
    let too_big = vec![b'a'; 200 * 1024];
    assert_eq!(post(&w.url, &too_big).0, 413);

    // None of it moved the record: growth from 8 still works, and 200 is text/plain lines.
    let body = format!("old 8\n{}\n\n{}", b64_lines(&proof(8, 13)), note(13));
    let (status, content_type, text) = post(&w.url, body.as_bytes());
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/plain; charset=utf-8")
    );
    assert!(text.starts_with("\u{2014} witness.test/w1 ") && text.ends_with('\n'));
    assert!(verifier.verify(&format!("{}{text}", note(13))).is_ok());

    // SIGTERM stops it cleanly; the log names origins and sizes, never request bodies.
    let status = w.terminate();
    assert!(status.success(), "{status:?}");
    let log = std::fs::read_to_string(dir.path().join("witness.log")).unwrap();
    assert!(log.contains(ORIGIN), "{log}");
    assert!(
        !log.contains("other.example"),
        "an unknown origin was logged: {log}"
    );
    assert!(
        !log.contains("\u{2014}"),
        "a signature line was logged: {log}"
    );
}

fn b64_lines(proof: &[[u8; 32]]) -> String {
    let lines: Vec<String> = proof
        .iter()
        .map(meldpunt::protocol::b64::encode_std)
        .collect();
    lines.join("\n")
}

#[test]
fn the_record_and_key_survive_sigkill() {
    let dir = TempDir::new("witness-restart");
    let (state, log) = (dir.path().join("state"), dir.path().join("witness.log"));
    let w = WitnessProcess::start(&state, &log, &log_key().verifier_key());
    let vkey = w.vkey.clone();
    add_checkpoint(&w.url, 0, &[], &note(5)).unwrap();
    add_checkpoint(&w.url, 5, &proof(5, 9), &note(9)).unwrap();
    w.kill();

    let w = WitnessProcess::start(&state, &log, &log_key().verifier_key());
    assert_eq!(w.vkey, vkey, "the key changed across a restart");
    // It still knows its size and refuses to go back, or to start over from zero.
    let back = add_checkpoint(&w.url, 5, &proof(5, 7), &note(7));
    assert!(
        matches!(back, Err(WitnessClientError::Conflict(9))),
        "{back:?}"
    );
    let from_zero = add_checkpoint(&w.url, 0, &[], &note(4));
    assert!(
        matches!(from_zero, Err(WitnessClientError::Conflict(9))),
        "{from_zero:?}"
    );
    let fork = note_by(&log_key(), ORIGIN, 12, [1; 32]);
    let answer = add_checkpoint(&w.url, 9, &proof(9, 12), &fork);
    assert!(
        matches!(answer, Err(WitnessClientError::Inconsistent(_))),
        "{answer:?}"
    );
    let lines = add_checkpoint(&w.url, 9, &proof(9, 12), &note(12)).unwrap();
    let verifier = CosignatureVerifier::parse(&vkey).unwrap();
    assert!(verifier.verify(&cosigned(&note(12), &lines)).is_ok());

    // The key file is private, as every secret of the project.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(state.join("witness.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    w.kill();
}
