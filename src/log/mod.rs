//! The transparency log (DESIGN.md §5): an RFC 9162 Merkle tree persisted in sled, its inclusion
//! and consistency proofs, and C2SP `tlog-checkpoint`s signed as C2SP `signed-note`s.
//!
//! - [`store`]: the [`NodeStore`] trait (plain `sled::Tree` or a `TransactionalTree`) and
//!   [`LogError`].
//! - [`tree`]: append, root and proofs over stored complete subtrees; every operation reads or
//!   writes O(log n) nodes and never rebuilds the tree in memory.
//! - [`proof`]: an independent verifier written from RFC 9162 §2.1.3.2 and §2.1.4.2.
//! - [`note`] and [`checkpoint`]: Ed25519 note keys, signed notes and checkpoints.
//! - [`service`]: the service's note key, scheduled checkpoints, and the proofs it serves.
//!
//! The caller owns the tree size (it keeps it in its own record, written in the same sled
//! transaction as the append) and the note key's seed.

pub mod checkpoint;
pub mod note;
pub mod proof;
pub mod service;
pub mod store;
pub mod tree;

pub use checkpoint::{Checkpoint, open_signed_checkpoint};
pub use note::{NoteError, NoteSigner, NoteVerifier};
pub use proof::{leaf_hash, node_hash, verify_consistency, verify_inclusion};
pub use store::{LogError, NodeStore};
pub use tree::{append, consistency_proof, inclusion_proof, leaf_hash_at, root};
