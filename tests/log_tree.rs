//! The transparency log against sled on disk: RFC 6962 test vectors, proofs checked against a
//! reference written from RFC 9162's recursive definitions (§2.1.1, §2.1.3.1, §2.1.4.1), tamper
//! detection, transactional appends, and a signed checkpoint end to end.

use meldpunt::protocol::log::{
    Checkpoint, NoteSigner, NoteVerifier, leaf_hash, open_signed_checkpoint, verify_consistency,
    verify_inclusion,
};
use meldpunt::server::log::{
    LogError, append, consistency_proof, inclusion_proof, leaf_hash_at, root,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rand::RngExt;
use ring::digest::{Context, SHA256};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

type Hash = [u8; 32];

/// A sled database in a fresh directory under the system temp dir, removed on drop.
struct TempDb {
    path: std::path::PathBuf,
    db: Option<sled::Db>,
}

impl TempDb {
    fn new() -> Self {
        let name = format!("meldpunt-log-test-{:016x}", rand::rng().random::<u64>());
        let path = std::env::temp_dir().join(name);
        let db = sled::open(&path).unwrap();
        TempDb { path, db: Some(db) }
    }

    fn tree(&self, name: &str) -> sled::Tree {
        self.db.as_ref().unwrap().open_tree(name).unwrap()
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        drop(self.db.take());
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

// ---- Reference: RFC 9162 §2.1 recursive definitions, hashing with ring directly. ----

fn sha256(parts: &[&[u8]]) -> Hash {
    let mut ctx = Context::new(&SHA256);
    parts.iter().for_each(|p| ctx.update(p));
    ctx.finish().as_ref().try_into().unwrap()
}

/// The largest power of two strictly less than `n`.
fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn mth(leaves: &[Vec<u8>]) -> Hash {
    match leaves.len() {
        0 => sha256(&[]),
        1 => sha256(&[&[0x00], &leaves[0]]),
        n => {
            let k = k_of(n);
            sha256(&[&[0x01], &mth(&leaves[..k]), &mth(&leaves[k..])])
        }
    }
}

fn ref_path(m: usize, leaves: &[Vec<u8>]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = k_of(n);
    if m < k {
        let mut path = ref_path(m, &leaves[..k]);
        path.push(mth(&leaves[k..]));
        path
    } else {
        let mut path = ref_path(m - k, &leaves[k..]);
        path.push(mth(&leaves[..k]));
        path
    }
}

fn ref_subproof(m: usize, leaves: &[Vec<u8>], complete: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if complete {
            Vec::new()
        } else {
            vec![mth(leaves)]
        };
    }
    let k = k_of(n);
    if m <= k {
        let mut proof = ref_subproof(m, &leaves[..k], complete);
        proof.push(mth(&leaves[k..]));
        proof
    } else {
        let mut proof = ref_subproof(m - k, &leaves[k..], false);
        proof.push(mth(&leaves[..k]));
        proof
    }
}

fn ref_proof(m: usize, leaves: &[Vec<u8>]) -> Vec<Hash> {
    if m == 0 || m == leaves.len() {
        return Vec::new();
    }
    ref_subproof(m, leaves, true)
}

// ---- RFC 6962 test tree. ----

const RFC6962_LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// Roots of the test tree at sizes 0 to 8, as in the CT and transparency-dev test suites.
const RFC6962_ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

#[test]
fn rfc6962_test_tree() {
    let tmp = TempDb::new();
    let nodes = tmp.tree("nodes");
    let leaves: Vec<Vec<u8>> = RFC6962_LEAVES.iter().map(|h| unhex(h)).collect();
    let mut size = 0;
    for leaf in &leaves {
        size = append(&nodes, size, leaf).unwrap();
    }
    assert_eq!(size, 8);
    for n in 0..=8usize {
        let stored = root(&nodes, n as u64).unwrap();
        assert_eq!(stored, mth(&leaves[..n]), "size {n}");
        assert_eq!(stored[..], unhex(RFC6962_ROOTS[n])[..], "size {n}");
        for m in 0..n {
            let path = inclusion_proof(&nodes, m as u64, n as u64).unwrap();
            assert_eq!(path, ref_path(m, &leaves[..n]), "inclusion {m}/{n}");
            let lh = leaf_hash_at(&nodes, m as u64).unwrap();
            assert_eq!(lh, leaf_hash(&leaves[m]));
            assert!(verify_inclusion(&lh, m as u64, n as u64, &path, &stored));
        }
        for m in 0..=n {
            let path = consistency_proof(&nodes, m as u64, n as u64).unwrap();
            assert_eq!(path, ref_proof(m, &leaves[..n]), "consistency {m}/{n}");
            let old = mth(&leaves[..m]);
            assert!(verify_consistency(m as u64, n as u64, &old, &stored, &path));
        }
    }
}

// ---- Property tests over one stored tree of 5,003 leaves per test. ----

const N: usize = 5_003;

fn big_tree(tmp: &TempDb) -> (sled::Tree, Vec<Vec<u8>>) {
    let nodes = tmp.tree("nodes");
    let leaves: Vec<Vec<u8>> = (0..N)
        .map(|i| format!("statement {i}").into_bytes())
        .collect();
    let mut size = 0;
    for leaf in &leaves {
        size = append(&nodes, size, leaf).unwrap();
    }
    (nodes, leaves)
}

fn flip(hash: &Hash, bit: usize) -> Hash {
    let mut out = *hash;
    out[bit / 8 % 32] ^= 1 << (bit % 8);
    out
}

/// Every single-element change of `path` that `accepts` must reject: each element with one bit
/// flipped, one element added at either end, one removed at either end.
fn mutations(path: &[Hash], seed: usize) -> Vec<Vec<Hash>> {
    let mut out = Vec::new();
    for i in 0..path.len() {
        let mut p = path.to_vec();
        p[i] = flip(&p[i], seed.wrapping_add(37 * i));
        out.push(p);
    }
    let extra = sha256(&[b"extra"]);
    out.push([path, &[extra]].concat());
    out.push([&[extra], path].concat());
    if !path.is_empty() {
        out.push(path[1..].to_vec());
        out.push(path[..path.len() - 1].to_vec());
    }
    out
}

#[test]
fn inclusion_proofs_from_the_stored_tree() {
    let tmp = TempDb::new();
    let (nodes, leaves) = big_tree(&tmp);
    let strategy = (1..=N).prop_flat_map(|size| (Just(size), 0..size, any::<usize>()));
    let mut runner = TestRunner::new(Config::with_cases(48));
    runner
        .run(&strategy, |(size, index, seed)| {
            let root_hash = mth(&leaves[..size]);
            let (i, n) = (index as u64, size as u64);
            prop_assert_eq!(root(&nodes, n).unwrap(), root_hash);
            let path = inclusion_proof(&nodes, i, n).unwrap();
            prop_assert_eq!(&path, &ref_path(index, &leaves[..size]));
            let lh = leaf_hash_at(&nodes, i).unwrap();
            prop_assert_eq!(lh, sha256(&[&[0], &leaves[index]]));
            prop_assert!(verify_inclusion(&lh, i, n, &path, &root_hash));

            for bad in mutations(&path, seed) {
                prop_assert!(!verify_inclusion(&lh, i, n, &bad, &root_hash));
            }
            prop_assert!(!verify_inclusion(&lh, i, n, &path, &flip(&root_hash, seed)));
            prop_assert!(!verify_inclusion(&flip(&lh, seed), i, n, &path, &root_hash));
            for other in [i.wrapping_sub(1), i + 1, i ^ 2, n] {
                prop_assert!(!verify_inclusion(&lh, other, n, &path, &root_hash));
            }
            // Another size has another root; the proof must not reach it.
            for other in [size - 1, size + 1, size * 2] {
                if other > index && other <= N {
                    let other_root = root(&nodes, other as u64).unwrap();
                    prop_assert!(!verify_inclusion(&lh, i, other as u64, &path, &other_root));
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn consistency_proofs_from_the_stored_tree() {
    let tmp = TempDb::new();
    let (nodes, leaves) = big_tree(&tmp);
    let strategy = (1..=N).prop_flat_map(|new| (0..=new, Just(new), any::<usize>()));
    let mut runner = TestRunner::new(Config::with_cases(48));
    runner
        .run(&strategy, |(old, new, seed)| {
            let (old_root, new_root) = (mth(&leaves[..old]), mth(&leaves[..new]));
            let (m, n) = (old as u64, new as u64);
            prop_assert_eq!(root(&nodes, m).unwrap(), old_root);
            prop_assert_eq!(root(&nodes, n).unwrap(), new_root);
            let path = consistency_proof(&nodes, m, n).unwrap();
            prop_assert_eq!(&path, &ref_proof(old, &leaves[..new]));
            prop_assert!(verify_consistency(m, n, &old_root, &new_root, &path));

            for bad in mutations(&path, seed) {
                prop_assert!(!verify_consistency(m, n, &old_root, &new_root, &bad));
            }
            if old > 0 {
                let bad_old = flip(&old_root, seed);
                prop_assert!(!verify_consistency(m, n, &bad_old, &new_root, &path));
            }
            // Every tree extends the empty tree, so from size 0 any new root is consistent.
            if old > 0 && old < new {
                let bad_new = flip(&new_root, seed);
                prop_assert!(!verify_consistency(m, n, &old_root, &bad_new, &path));
            }
            // Claiming another old size (other than the empty tree, which every tree extends).
            for other in [old.wrapping_sub(1), old + 1] {
                if old > 0 && other > 0 && other <= new && other != old {
                    let r = mth(&leaves[..other]);
                    prop_assert!(!verify_consistency(other as u64, n, &r, &new_root, &path));
                }
            }
            // Claiming another new size.
            for other in [new - 1, new + 1] {
                if other >= old && other <= N && other != new && old > 0 {
                    let r = root(&nodes, other as u64).unwrap();
                    prop_assert!(!verify_consistency(m, other as u64, &old_root, &r, &path));
                }
            }
            Ok(())
        })
        .unwrap();
}

// ---- Transactions. ----

#[derive(Debug)]
enum TxError {
    Log(LogError),
    Refused,
}

impl From<LogError> for TxError {
    fn from(e: LogError) -> Self {
        TxError::Log(e)
    }
}

fn snapshot(tree: &sled::Tree) -> Vec<(sled::IVec, sled::IVec)> {
    tree.iter().map(Result::unwrap).collect()
}

#[test]
fn append_commits_or_aborts_with_its_transaction() {
    let tmp = TempDb::new();
    let (nodes, statements) = (tmp.tree("nodes"), tmp.tree("statements"));
    let log_tx = |size: u64, leaf: &[u8], commit: bool| {
        (&nodes, &statements).transaction(|(n, s)| {
            s.insert(&size.to_be_bytes()[..], leaf)?;
            let new_size = append(n, size, leaf).map_err(LogError::into_conflictable::<TxError>)?;
            s.insert(b"size", &new_size.to_be_bytes()[..])?;
            if !commit {
                return Err(ConflictableTransactionError::Abort(TxError::Refused));
            }
            Ok(new_size)
        })
    };
    let leaves: Vec<Vec<u8>> = (0..7u8).map(|i| vec![i; i as usize]).collect();
    for (i, leaf) in leaves.iter().enumerate() {
        assert_eq!(log_tx(i as u64, leaf, true).unwrap(), i as u64 + 1);
    }
    let (nodes_before, statements_before) = (snapshot(&nodes), snapshot(&statements));

    // Leaf 7 completes subtrees at three levels: all of those writes must vanish on abort.
    let aborted = log_tx(7, b"aborted", false);
    assert!(matches!(
        aborted,
        Err(TransactionError::Abort(TxError::Refused))
    ));
    assert_eq!(snapshot(&nodes), nodes_before);
    assert_eq!(snapshot(&statements), statements_before);
    assert_eq!(root(&nodes, 7).unwrap(), mth(&leaves));

    // A log error aborts the whole transaction too (stale size: leaf 3 exists).
    let stale = log_tx(3, b"rewrite", true);
    assert!(matches!(
        stale,
        Err(TransactionError::Abort(TxError::Log(
            LogError::LeafExists { size: 3 }
        )))
    ));
    assert_eq!(snapshot(&statements), statements_before);

    // Committed: both trees change.
    assert_eq!(log_tx(7, b"kept", true).unwrap(), 8);
    let mut all = leaves.clone();
    all.push(b"kept".to_vec());
    assert_eq!(root(&nodes, 8).unwrap(), mth(&all));
    assert_eq!(
        statements.get(7u64.to_be_bytes()).unwrap().unwrap(),
        b"kept"[..]
    );

    // `?` straight into ConflictableTransactionError<LogError> works as well.
    let result = nodes.transaction(|n| -> Result<u64, ConflictableTransactionError<LogError>> {
        Ok(append(n, 8, b"nine")?)
    });
    assert_eq!(result.unwrap(), 9);
}

// ---- A signed checkpoint over the stored tree, end to end. ----

#[test]
fn signed_checkpoint_commits_to_the_stored_tree() {
    let tmp = TempDb::new();
    let nodes = tmp.tree("nodes");
    let mut size = 0;
    for i in 0..21u32 {
        size = append(&nodes, size, format!("statement {i}").as_bytes()).unwrap();
    }
    let signer = NoteSigner::from_seed("meldpunt.example/log", &[5; 32]).unwrap();
    let checkpoint = Checkpoint {
        origin: "meldpunt.example/log".into(),
        size,
        root: root(&nodes, size).unwrap(),
        extensions: vec!["audit-head 3 q83vEjRWeJA".into()],
    };
    let note = checkpoint.sign(&signer).unwrap();

    // What a monitor has: the published verifier key string.
    let key = signer.verifier_key();
    let verifier = NoteVerifier::parse(&key).unwrap();
    let (name, rest) = key.split_once('+').unwrap();
    let (id_hex, public) = rest.split_once('+').unwrap();
    let public = meldpunt::protocol::b64::decode_std(public).unwrap();
    let id = sha256(&[name.as_bytes(), b"\n", &public]);
    assert_eq!(public[0], 0x01);
    assert_eq!(public[1..], signer.public_key());
    assert_eq!(unhex(id_hex), id[..4]);
    assert_eq!(signer.key_id()[..], id[..4]);

    let opened = open_signed_checkpoint(&note, &verifier).unwrap();
    assert_eq!(opened, checkpoint);
    let path = inclusion_proof(&nodes, 13, opened.size).unwrap();
    let lh = leaf_hash(b"statement 13");
    assert!(verify_inclusion(&lh, 13, opened.size, &path, &opened.root));

    let forged = note.replacen("\n21\n", "\n22\n", 1);
    assert!(open_signed_checkpoint(&forged, &verifier).is_err());
}
