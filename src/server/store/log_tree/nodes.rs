//! Where the Merkle tree's nodes live. A store holds only complete, aligned subtrees: the node at
//! `(level, index)` is the hash of leaves `[index * 2^level, (index + 1) * 2^level)`, level 0
//! being the leaf hashes. The sled key is `[level] ++ u64be(index)`, the value the 32-byte hash.
//!
//! Two implementations: a plain `sled::Tree`, and a `sled::transaction::TransactionalTree` so the
//! caller can append a leaf in the same multi-tree transaction as the statement it logs. Inside
//! a transaction, sled's errors surface as [`LogError::Transaction`]; the closure must hand them
//! back to sled with [`LogError::into_conflictable`] (or `?` into
//! `ConflictableTransactionError<LogError>`), so that a conflict makes sled retry the closure
//! instead of aborting it.

use sled::transaction::{
    ConflictableTransactionError, TransactionalTree, UnabortableTransactionError,
};

/// Errors of the tree and its storage.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// sled failed outside a transaction.
    #[error("log storage: {0}")]
    Storage(#[from] sled::Error),
    /// sled failed or conflicted inside a transaction; return it to sled through
    /// [`LogError::into_conflictable`] so a conflict is retried, never turned into an abort.
    #[error("log storage in transaction: {0}")]
    Transaction(#[from] UnabortableTransactionError),
    /// A node that a tree of the given size must have is not stored: the size is larger than the
    /// stored tree, or the store is damaged.
    #[error("log node ({level}, {index}) is missing")]
    MissingNode { level: u8, index: u64 },
    /// A stored value is not a 32-byte hash.
    #[error("log node ({level}, {index}) is not a 32-byte hash")]
    CorruptNode { level: u8, index: u64 },
    /// `append` was told a size whose leaf slot is already taken by a different leaf; appending
    /// there would rewrite history.
    #[error("log already has a different leaf at index {size}")]
    LeafExists { size: u64 },
    /// `append` was told a size larger than the stored tree.
    #[error("log has no leaf at index {last}, so size {size} is wrong")]
    SizeAhead { size: u64, last: u64 },
    /// A leaf index outside `[0, size)`.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    /// A consistency proof from a larger to a smaller tree.
    #[error("no consistency proof from size {old} to size {new}")]
    InvalidRange { old: u64, new: u64 },
    /// The tree cannot grow past `u64::MAX` leaves.
    #[error("log is full")]
    Full,
}

impl LogError {
    /// Converts into the error a sled transaction closure returns: a conflict goes back to sled
    /// as a conflict (sled retries the closure), a storage error as a storage error, and every
    /// other error aborts the transaction with the caller's error type.
    pub fn into_conflictable<E: From<LogError>>(self) -> ConflictableTransactionError<E> {
        match self {
            LogError::Transaction(UnabortableTransactionError::Conflict) => {
                ConflictableTransactionError::Conflict
            }
            LogError::Transaction(UnabortableTransactionError::Storage(e))
            | LogError::Storage(e) => ConflictableTransactionError::Storage(e),
            other => ConflictableTransactionError::Abort(E::from(other)),
        }
    }
}

/// Lets `?` turn a [`LogError`] into the transaction closure's error with the right semantics.
impl From<LogError> for ConflictableTransactionError<LogError> {
    fn from(error: LogError) -> Self {
        error.into_conflictable()
    }
}

/// Storage of complete aligned subtree hashes.
pub trait NodeStore {
    /// The hash of the complete subtree `(level, index)`, if stored.
    fn node(&self, level: u8, index: u64) -> Result<Option<[u8; 32]>, LogError>;
    /// Stores the hash of the complete subtree `(level, index)`.
    fn put_node(&self, level: u8, index: u64, hash: [u8; 32]) -> Result<(), LogError>;
}

/// The sled key of node `(level, index)`; big-endian so a level's nodes scan in index order.
pub fn node_key(level: u8, index: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = level;
    key[1..].copy_from_slice(&index.to_be_bytes());
    key
}

fn to_hash(level: u8, index: u64, value: Option<sled::IVec>) -> Result<Option<[u8; 32]>, LogError> {
    value
        .map(|v| {
            <[u8; 32]>::try_from(v.as_ref()).map_err(|_| LogError::CorruptNode { level, index })
        })
        .transpose()
}

impl NodeStore for sled::Tree {
    fn node(&self, level: u8, index: u64) -> Result<Option<[u8; 32]>, LogError> {
        to_hash(level, index, self.get(node_key(level, index))?)
    }

    fn put_node(&self, level: u8, index: u64, hash: [u8; 32]) -> Result<(), LogError> {
        self.insert(node_key(level, index), &hash[..])?;
        Ok(())
    }
}

impl NodeStore for TransactionalTree {
    fn node(&self, level: u8, index: u64) -> Result<Option<[u8; 32]>, LogError> {
        to_hash(level, index, self.get(node_key(level, index))?)
    }

    fn put_node(&self, level: u8, index: u64, hash: [u8; 32]) -> Result<(), LogError> {
        self.insert(&node_key(level, index)[..], &hash[..])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Outer(String);
    impl From<LogError> for Outer {
        fn from(e: LogError) -> Self {
            Outer(e.to_string())
        }
    }

    #[test]
    fn conflicts_are_retried_not_aborted() {
        let conflict = LogError::Transaction(UnabortableTransactionError::Conflict);
        assert!(matches!(
            conflict.into_conflictable::<Outer>(),
            ConflictableTransactionError::Conflict
        ));
        let storage = LogError::Transaction(UnabortableTransactionError::Storage(
            sled::Error::Unsupported("x".into()),
        ));
        assert!(matches!(
            storage.into_conflictable::<Outer>(),
            ConflictableTransactionError::Storage(_)
        ));
        let other = LogError::IndexOutOfRange { index: 3, size: 2 };
        assert!(matches!(
            other.into_conflictable::<Outer>(),
            ConflictableTransactionError::Abort(Outer(_))
        ));
    }

    #[test]
    fn keys_sort_by_level_then_index() {
        assert_eq!(node_key(2, 0x0102), [2, 0, 0, 0, 0, 0, 0, 1, 2]);
        assert!(node_key(0, u64::MAX) < node_key(1, 0));
        assert!(node_key(0, 255) < node_key(0, 256));
    }

    #[test]
    fn corrupt_values_are_reported() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let tree = db.open_tree("nodes").unwrap();
        tree.insert(node_key(0, 0), &[1u8; 31][..]).unwrap();
        assert!(matches!(
            tree.node(0, 0),
            Err(LogError::CorruptNode { level: 0, index: 0 })
        ));
        tree.put_node(0, 1, [7; 32]).unwrap();
        assert_eq!(tree.node(0, 1).unwrap(), Some([7; 32]));
        assert_eq!(tree.node(0, 2).unwrap(), None);
    }
}
