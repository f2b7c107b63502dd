//! Cost and guard tests for the tree, over an in-memory store that counts every access.

use super::*;
use crate::protocol::log::proof::{verify_consistency, verify_inclusion};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

#[derive(Default)]
struct MemStore {
    nodes: RefCell<HashMap<(u8, u64), [u8; 32]>>,
    reads: Cell<u64>,
    writes: Cell<u64>,
}

impl MemStore {
    fn reset(&self) {
        self.reads.set(0);
        self.writes.set(0);
    }
}

impl NodeStore for MemStore {
    fn node(&self, level: u8, index: u64) -> Result<Option<[u8; 32]>, LogError> {
        self.reads.set(self.reads.get() + 1);
        Ok(self.nodes.borrow().get(&(level, index)).copied())
    }

    fn put_node(&self, level: u8, index: u64, hash: [u8; 32]) -> Result<(), LogError> {
        self.writes.set(self.writes.get() + 1);
        self.nodes.borrow_mut().insert((level, index), hash);
        Ok(())
    }
}

fn build(n: u64) -> MemStore {
    let store = MemStore::default();
    let mut size = 0;
    for i in 0..n {
        size = append(&store, size, &i.to_be_bytes()).unwrap();
    }
    store
}

#[test]
fn append_writes_one_node_per_completed_subtree() {
    let store = MemStore::default();
    let mut size = 0u64;
    for i in 0..1100u64 {
        store.reset();
        size = append(&store, size, &i.to_le_bytes()).unwrap();
        let expected = 1 + u64::from(i.trailing_ones());
        assert_eq!(store.writes.get(), expected, "append at {i}");
        assert!(store.reads.get() <= expected + 1, "append at {i}");
    }
    // Only complete aligned subtrees are stored: 2n - popcount(n) nodes.
    assert_eq!(
        store.nodes.borrow().len() as u64,
        2 * size - u64::from(size.count_ones())
    );
}

#[test]
fn reads_are_logarithmic() {
    // 2^17 - 1 has every bit set: the right edge decomposes into the most subtrees.
    let top = (1u64 << 17) - 1;
    let store = build(top);
    let bound = |n: u64| 4 * u64::from(64 - n.leading_zeros()) + 8;
    for size in [top, 100_000, 65_536, 65_537, 3, 1] {
        store.reset();
        let root_hash = root(&store, size).unwrap();
        assert!(store.reads.get() <= bound(size), "root({size})");
        for index in [0, 1, size / 3, size / 2, size.saturating_sub(2), size - 1] {
            if index >= size {
                continue;
            }
            store.reset();
            let path = inclusion_proof(&store, index, size).unwrap();
            assert!(store.reads.get() <= bound(size), "inclusion {index}/{size}");
            let leaf = leaf_hash(&index.to_be_bytes());
            assert!(verify_inclusion(&leaf, index, size, &path, &root_hash));
        }
        for old in [1, 2, 7, size / 3, size / 2, size - 1, size] {
            if old > size {
                continue;
            }
            let old_root = root(&store, old).unwrap();
            store.reset();
            let path = consistency_proof(&store, old, size).unwrap();
            assert!(store.reads.get() <= bound(size), "consistency {old}/{size}");
            assert!(verify_consistency(old, size, &old_root, &root_hash, &path));
        }
    }
    store.reset();
    assert_eq!(store.writes.get(), 0, "reads never write");
}

#[test]
fn append_refuses_to_rewrite_or_skip() {
    let store = build(5);
    let before = store.nodes.borrow().clone();
    // A stale size with a different leaf would rewrite history.
    assert!(matches!(
        append(&store, 3, b"other"),
        Err(LogError::LeafExists { size: 3 })
    ));
    // A size past the end would leave a gap.
    assert!(matches!(
        append(&store, 7, b"x"),
        Err(LogError::SizeAhead { size: 7, last: 6 })
    ));
    assert_eq!(
        *store.nodes.borrow(),
        before,
        "refused appends write nothing"
    );
    // Retrying the identical leaf is harmless.
    assert_eq!(append(&store, 4, &4u64.to_be_bytes()).unwrap(), 5);
    assert_eq!(*store.nodes.borrow(), before);
    assert!(matches!(
        append(&store, u64::MAX, b"x"),
        Err(LogError::Full)
    ));
}

#[test]
fn bad_requests_are_errors() {
    let store = build(6);
    assert!(matches!(
        inclusion_proof(&store, 6, 6),
        Err(LogError::IndexOutOfRange { index: 6, size: 6 })
    ));
    // Larger than the stored tree, even for the last leaf whose own node is not on its path.
    assert!(matches!(
        inclusion_proof(&store, 6, 7),
        Err(LogError::MissingNode { .. })
    ));
    assert!(matches!(root(&store, 7), Err(LogError::MissingNode { .. })));
    assert!(matches!(
        consistency_proof(&store, 3, 7),
        Err(LogError::MissingNode { .. })
    ));
    assert!(matches!(
        consistency_proof(&store, 5, 4),
        Err(LogError::InvalidRange { old: 5, new: 4 })
    ));
    assert!(matches!(
        leaf_hash_at(&store, 6),
        Err(LogError::MissingNode { level: 0, index: 6 })
    ));
    assert_eq!(
        leaf_hash_at(&store, 5).unwrap(),
        leaf_hash(&5u64.to_be_bytes())
    );
    assert_eq!(root(&store, 0).unwrap(), empty_root());
    assert!(consistency_proof(&store, 0, 6).unwrap().is_empty());
    assert!(consistency_proof(&store, 6, 6).unwrap().is_empty());
}
