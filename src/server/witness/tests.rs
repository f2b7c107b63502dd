//! The witness state machine: every check of tlog-witness with its answer, the record's
//! durability across reopening, and that racing requests cannot roll the record back.

use super::*;
use crate::protocol::b64;
use crate::protocol::log::cosignature::CosignatureVerifier;
use crate::protocol::log::note::NoteSigner;
use crate::protocol::log::proof::{leaf_hash, node_hash};

const ORIGIN: &str = "meldpunt.example/log";

struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        let dir = std::env::temp_dir().join(format!(
            "meldpunt-witness-{}",
            b64::encode(crate::protocol::crypto::random_bytes::<6>())
        ));
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---- A reference tree from RFC 9162 §2.1.1 and §2.1.4.1 (MTH and SUBPROOF). ----

fn leaves(n: u64) -> Vec<[u8; 32]> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
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
        0 => empty_root(),
        1 => d[0],
        n => {
            let k = split(n);
            node_hash(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

fn subproof(m: usize, d: &[[u8; 32]], complete: bool) -> Vec<[u8; 32]> {
    let n = d.len();
    if m == n {
        return if complete { vec![] } else { vec![mth(d)] };
    }
    let k = split(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], complete);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

fn proof(m: u64, n: u64) -> Vec<[u8; 32]> {
    if m == 0 || m == n {
        return vec![];
    }
    subproof(m as usize, &leaves(n), true)
}

fn log_key() -> NoteSigner {
    NoteSigner::from_seed(ORIGIN, &[42; 32]).unwrap()
}

fn note(size: u64, root: [u8; 32], key: &NoteSigner) -> String {
    Checkpoint {
        origin: ORIGIN.into(),
        size,
        root,
        extensions: vec![],
    }
    .sign(key)
    .unwrap()
}

fn body(old: u64, proof: Vec<[u8; 32]>, checkpoint: String) -> Vec<u8> {
    AddCheckpoint {
        old_size: old,
        proof,
        checkpoint,
    }
    .encode()
    .into_bytes()
}

/// The request growing the log from `old` to `new` leaves, with a valid proof.
fn grow(old: u64, new: u64) -> Vec<u8> {
    body(
        old,
        proof(old, new),
        note(new, mth(&leaves(new)), &log_key()),
    )
}

fn open(dir: &Dir) -> Witness {
    Witness::open(&dir.0, "witness.example/w1", vec![log_key().verifier()]).unwrap()
}

#[test]
fn the_reference_tree_matches_the_verifier() {
    for n in 1..12u64 {
        for m in 1..=n {
            let (a, b) = (mth(&leaves(m)), mth(&leaves(n)));
            assert!(verify_consistency(m, n, &a, &b, &proof(m, n)), "{m} → {n}");
        }
    }
}

#[test]
fn growth_is_cosigned_and_every_refusal_has_its_answer() {
    let dir = Dir::new();
    let w = open(&dir);
    let verifier = CosignatureVerifier::parse(&w.vkey()).unwrap();
    let WitnessAnswer::Cosigned(lines) = w.add_checkpoint_at(&grow(0, 3), 1000) else {
        panic!("first checkpoint refused");
    };
    let cosigned = format!("{}{}\n", note(3, mth(&leaves(3)), &log_key()), lines[0]);
    assert_eq!(verifier.verify(&cosigned), Ok(1000));
    assert_eq!(w.recorded(ORIGIN), Some((3, mth(&leaves(3)))));
    assert!(matches!(
        w.add_checkpoint(&grow(3, 8)),
        WitnessAnswer::Cosigned(_)
    ));

    // Stale or invented old sizes: 409 with the recorded size.
    assert_eq!(w.add_checkpoint(&grow(3, 9)), WitnessAnswer::Conflict(8));
    assert_eq!(w.add_checkpoint(&grow(0, 9)), WitnessAnswer::Conflict(8));
    // Old larger than the checkpoint: 400, whatever was recorded.
    let shrink = body(8, vec![], note(5, mth(&leaves(5)), &log_key()));
    assert!(matches!(
        w.add_checkpoint(&shrink),
        WitnessAnswer::BadRequest(_)
    ));
    // A bad proof, and a fork (the right old size, a root that does not extend ours): 422.
    let mut bad = proof(8, 11);
    bad[0][0] ^= 1;
    let bad = body(8, bad, note(11, mth(&leaves(11)), &log_key()));
    assert!(matches!(
        w.add_checkpoint(&bad),
        WitnessAnswer::Inconsistent(_)
    ));
    let fork = body(8, proof(8, 11), note(11, [7; 32], &log_key()));
    assert!(matches!(
        w.add_checkpoint(&fork),
        WitnessAnswer::Inconsistent(_)
    ));
    // The same size: the same root is cosigned again, another root is a fork.
    assert!(matches!(
        w.add_checkpoint(&grow(8, 8)),
        WitnessAnswer::Cosigned(_)
    ));
    let same_size = body(8, vec![], note(8, [7; 32], &log_key()));
    assert!(matches!(
        w.add_checkpoint(&same_size),
        WitnessAnswer::Inconsistent(_)
    ));
    // Signatures: another key for our origin is 403, an unknown origin 404.
    let other = NoteSigner::from_seed(ORIGIN, &[43; 32]).unwrap();
    let wrong_key = body(8, proof(8, 9), note(9, mth(&leaves(9)), &other));
    assert_eq!(w.add_checkpoint(&wrong_key), WitnessAnswer::Forbidden);
    let stranger = NoteSigner::from_seed("other.example/log", &[42; 32]).unwrap();
    let unknown = Checkpoint {
        origin: "other.example/log".into(),
        size: 1,
        root: [1; 32],
        extensions: vec![],
    };
    let unknown = body(0, vec![], unknown.sign(&stranger).unwrap());
    assert_eq!(w.add_checkpoint(&unknown), WitnessAnswer::UnknownLog);
    // A second signature line by the log key, or a tampered one: 403.
    let good = note(9, mth(&leaves(9)), &log_key());
    let dup_line = good.lines().last().unwrap().to_owned();
    let doubled = body(8, proof(8, 9), format!("{good}{dup_line}\n"));
    assert_eq!(w.add_checkpoint(&doubled), WitnessAnswer::Forbidden);
    let tampered = good.replacen("\n9\n", "\n10\n", 1);
    let tampered = body(8, proof(8, 10), tampered);
    assert_eq!(w.add_checkpoint(&tampered), WitnessAnswer::Forbidden);
    // Malformed bodies: 400.
    for junk in [&b"old 8\n"[..], b"", b"old x\n\nfoo\n", b"\xff\xfe"] {
        assert!(matches!(
            w.add_checkpoint(junk),
            WitnessAnswer::BadRequest(_)
        ));
    }
    // None of the refusals moved the record.
    assert_eq!(w.recorded(ORIGIN), Some((8, mth(&leaves(8)))));
}

#[test]
fn the_empty_tree_rules() {
    let dir = Dir::new();
    let w = open(&dir);
    let zero_bad_root = body(0, vec![], note(0, [1; 32], &log_key()));
    assert!(matches!(
        w.add_checkpoint(&zero_bad_root),
        WitnessAnswer::Inconsistent(_)
    ));
    let proof_from_zero = body(0, vec![[1; 32]], note(2, mth(&leaves(2)), &log_key()));
    assert!(matches!(
        w.add_checkpoint(&proof_from_zero),
        WitnessAnswer::Inconsistent(_)
    ));
    assert!(matches!(
        w.add_checkpoint(&grow(0, 0)),
        WitnessAnswer::Cosigned(_)
    ));
    assert_eq!(w.recorded(ORIGIN), Some((0, empty_root())));
}

#[test]
fn the_record_and_key_survive_reopening_and_are_not_shared() {
    let dir = Dir::new();
    let w = open(&dir);
    assert!(matches!(
        Witness::open(&dir.0, "witness.example/w1", vec![log_key().verifier()]),
        Err(WitnessError::Locked(_))
    ));
    let vkey = w.vkey();
    assert!(matches!(
        w.add_checkpoint(&grow(0, 5)),
        WitnessAnswer::Cosigned(_)
    ));
    drop(w);
    let w = open(&dir);
    assert_eq!(w.vkey(), vkey);
    assert_eq!(w.recorded(ORIGIN), Some((5, mth(&leaves(5)))));
    assert_eq!(w.add_checkpoint(&grow(0, 3)), WitnessAnswer::Conflict(5));
    drop(w);
    // A key without its record refuses to start.
    std::fs::remove_file(dir.0.join(STATE_FILE)).unwrap();
    assert!(matches!(
        Witness::open(&dir.0, "witness.example/w1", vec![log_key().verifier()]),
        Err(WitnessError::RecordMissing(_))
    ));
}

#[test]
fn racing_requests_cannot_roll_the_record_back() {
    let dir = Dir::new();
    let w = std::sync::Arc::new(open(&dir));
    assert!(matches!(
        w.add_checkpoint(&grow(0, 2)),
        WitnessAnswer::Cosigned(_)
    ));
    let threads: Vec<_> = (3..11u64)
        .map(|n| {
            let w = w.clone();
            std::thread::spawn(move || (n, w.add_checkpoint(&grow(2, n))))
        })
        .collect();
    let answers: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let winners: Vec<u64> = answers
        .iter()
        .filter(|(_, a)| matches!(a, WitnessAnswer::Cosigned(_)))
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    for (_, answer) in &answers {
        assert!(
            matches!(answer, WitnessAnswer::Cosigned(_))
                || *answer == WitnessAnswer::Conflict(winners[0]),
            "{answer:?}"
        );
    }
    assert_eq!(w.recorded(ORIGIN).unwrap().0, winners[0]);
}
