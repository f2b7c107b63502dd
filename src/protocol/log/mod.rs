//! The transparency log's formats and checks (DESIGN §5): the RFC 9162 verifiers, C2SP signed
//! notes with Ed25519 note keys, and `tlog-checkpoint` bodies. The stored tree and the
//! service that signs checkpoints are the server's (`server::log`).
//!
//! - [`proof`]: an independent verifier written from RFC 9162 §2.1.3.2 and §2.1.4.2.
//! - [`note`] and [`checkpoint`]: note keys, signed notes, checkpoints and their extension lines.
//! - [`cosignature`]: C2SP `tlog-cosignature` v1, a witness's timestamped signature line.
//! - [`witness_wire`]: the C2SP `tlog-witness` `add-checkpoint` request and answer bodies.

pub mod checkpoint;
pub mod cosignature;
pub mod note;
pub mod proof;
pub mod witness_wire;

pub use checkpoint::{Checkpoint, open_signed_checkpoint};
pub use cosignature::{CosignatureSigner, CosignatureVerifier, count_cosigners};
pub use note::{NoteError, NoteSigner, NoteVerifier};
pub use proof::{leaf_hash, node_hash, verify_consistency, verify_inclusion};
