//! The protocol: what the server, the browser, the clients and outside verifiers agree on
//! (`docs/PROTOCOL.md`). Formats, cryptography, statements, the log's proofs and checkpoints,
//! the wire shapes of every route, and the domain's fixed vocabularies.
//!
//! Contract: pure. Nothing here reads files, opens sockets or touches a database, and nothing
//! here imports the server, the clients or the CLI (`tests/layers.rs`). Randomness and the
//! clock are the only outside inputs (`crypto::random_bytes`, `time::now`).

pub mod b64;
pub mod crypto;
pub mod domain;
pub mod log;
pub mod pow;
pub mod recipients;
pub mod roles;
pub mod staff_keys;
pub mod staff_wire;
pub mod statements;
pub mod time;
pub mod totp;
pub mod trust;
pub mod wire;
