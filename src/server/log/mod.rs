//! The transparency log's server side (DESIGN §5): the RFC 9162 Merkle tree persisted in sled,
//! the proofs it serves, and the service's note key and scheduled checkpoints. The formats and
//! verifiers are in `protocol::log`.
//!
//! - `server::store::log_tree`: append, root and proofs over stored complete subtrees (every
//!   operation reads or writes O(log n) nodes and never rebuilds the tree in memory), over the
//!   `NodeStore` trait (plain `sled::Tree` or a `TransactionalTree`); re-exported here.
//! - [`service`]: the service's note key, scheduled checkpoints, and the proofs it serves.
//!
//! The caller owns the tree size (it keeps it in its own record, written in the same sled
//! transaction as the append) and the note key's seed.

pub mod cosigning;
pub mod service;

pub use crate::server::store::log_tree::{
    LogError, NodeStore, append, consistency_proof, inclusion_proof, leaf_hash_at, root,
};
