//! The persistent append-only Merkle tree of RFC 9162 §2.1, over a [`NodeStore`] that holds only
//! complete aligned subtrees (see [`nodes`]).
//!
//! Guarantees: [`append`] writes `1 + trailing_ones(size)` nodes and reads at most that many plus
//! two; [`root`] and the proofs read O(log n) stored nodes. Nothing is ever rebuilt in memory: the
//! hash of a range that ends at the tree's right edge (not a complete subtree) is composed from
//! the stored complete subtrees of its binary decomposition. Proofs for any earlier size are served
//! from the same nodes, because every complete subtree of an older tree is a stored node.
//!
//! The caller owns the size: it must pass the size it recorded, and write the returned new size
//! in the same transaction as the append. Every range this module hashes starts at a multiple of
//! a power of two at least as large as the range, which is what makes the decomposition valid.

pub mod nodes;

use crate::protocol::log::proof::{empty_root, leaf_hash, node_hash};
pub use nodes::{LogError, NodeStore, node_key};

#[cfg(test)]
mod tests;

fn read(store: &impl NodeStore, level: u8, index: u64) -> Result<[u8; 32], LogError> {
    store
        .node(level, index)?
        .ok_or(LogError::MissingNode { level, index })
}

/// The largest power of two strictly below `n`; `n >= 2`.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// `MTH(D[start:end])` for a range that starts at a multiple of a power of two no
/// smaller than its length: either one stored node, or the right fold of the stored nodes of its
/// binary decomposition (at most 64 reads, one per set bit of the length).
fn range_hash(store: &impl NodeStore, start: u64, end: u64) -> Result<[u8; 32], LogError> {
    debug_assert!(start <= end);
    let mut parts: Vec<[u8; 32]> = Vec::new();
    let (mut pos, mut rest) = (start, end - start);
    while rest > 0 {
        let level = 63 - rest.leading_zeros();
        let width = 1u64 << level;
        debug_assert_eq!(pos & (width - 1), 0, "range not aligned");
        parts.push(read(store, level as u8, pos >> level)?);
        pos += width;
        rest -= width;
    }
    let mut rev = parts.into_iter().rev();
    let Some(mut hash) = rev.next() else {
        // Only `root` of the empty tree gets here.
        return Ok(empty_root());
    };
    for left in rev {
        hash = node_hash(&left, &hash);
    }
    Ok(hash)
}

/// Fails unless the store holds a tree of at least `size` leaves (its last leaf exists).
fn check_size(store: &impl NodeStore, size: u64) -> Result<(), LogError> {
    if size > 0 {
        read(store, 0, size - 1)?;
    }
    Ok(())
}

/// Appends `leaf` to the tree of `size` leaves and returns the new size.
///
/// Refuses to overwrite a different leaf at index `size` ([`LogError::LeafExists`], which means
/// the caller's size is stale) or to leave a gap ([`LogError::SizeAhead`]). Re-appending the
/// identical leaf at the same size rewrites identical nodes, so a non-transactional append that
/// crashed before the caller recorded the new size can be retried with the same leaf.
pub fn append(store: &impl NodeStore, size: u64, leaf: &[u8]) -> Result<u64, LogError> {
    let new_size = size.checked_add(1).ok_or(LogError::Full)?;
    let hash = leaf_hash(leaf);
    if let Some(existing) = store.node(0, size)?
        && existing != hash
    {
        return Err(LogError::LeafExists { size });
    }
    if size > 0 && store.node(0, size - 1)?.is_none() {
        return Err(LogError::SizeAhead {
            size,
            last: size - 1,
        });
    }
    store.put_node(0, size, hash)?;
    // Each trailing one bit of the index closes a complete subtree one level up.
    let (mut level, mut index, mut node) = (0u8, size, hash);
    while index & 1 == 1 {
        let left = read(store, level, index - 1)?;
        node = node_hash(&left, &node);
        level += 1;
        index >>= 1;
        store.put_node(level, index, node)?;
    }
    Ok(new_size)
}

/// `MTH(D[0:size])`; the empty tree's root is `SHA-256("")`.
pub fn root(store: &impl NodeStore, size: u64) -> Result<[u8; 32], LogError> {
    range_hash(store, 0, size)
}

/// The stored leaf hash at `index`.
pub fn leaf_hash_at(store: &impl NodeStore, index: u64) -> Result<[u8; 32], LogError> {
    read(store, 0, index)
}

/// RFC 9162 §2.1.3.1 `PATH(index, D[0:size])`, leaf-side sibling first.
pub fn inclusion_proof(
    store: &impl NodeStore,
    index: u64,
    size: u64,
) -> Result<Vec<[u8; 32]>, LogError> {
    if index >= size {
        return Err(LogError::IndexOutOfRange { index, size });
    }
    check_size(store, size)?;
    // Walk down from the root; the recursion appends each sibling after the deeper path, so
    // the list is collected top-down and reversed.
    let mut path = Vec::new();
    let (mut start, mut end) = (0u64, size);
    while end - start > 1 {
        let mid = start + split_point(end - start);
        if index < mid {
            path.push(range_hash(store, mid, end)?);
            end = mid;
        } else {
            path.push(range_hash(store, start, mid)?);
            start = mid;
        }
    }
    path.reverse();
    Ok(path)
}

/// RFC 9162 §2.1.4.1 `PROOF(old, D[0:new])`. Empty when `old == 0` or `old == new` (the RFC
/// defines the proof only for `0 < old < new`; [`crate::protocol::log::proof::verify_consistency`] accepts
/// those cases with an empty path).
pub fn consistency_proof(
    store: &impl NodeStore,
    old: u64,
    new: u64,
) -> Result<Vec<[u8; 32]>, LogError> {
    if old > new {
        return Err(LogError::InvalidRange { old, new });
    }
    check_size(store, new)?;
    if old == 0 || old == new {
        return Ok(Vec::new());
    }
    // SUBPROOF(m, D[start:end], complete), unrolled; `m` counts from `start`.
    let mut path = Vec::new();
    let (mut start, mut end, mut m, mut complete) = (0u64, new, old, true);
    loop {
        let n = end - start;
        if m == n {
            if !complete {
                path.push(range_hash(store, start, end)?);
            }
            break;
        }
        let k = split_point(n);
        if m <= k {
            path.push(range_hash(store, start + k, end)?);
            end = start + k;
        } else {
            path.push(range_hash(store, start, start + k)?);
            start += k;
            m -= k;
            complete = false;
        }
    }
    path.reverse();
    Ok(path)
}
