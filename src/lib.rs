//! meldpunt: an anonymous reporting channel.
//!
//! Reports are encrypted in the reporter's browser; the server stores ciphertext, hands out
//! Ed25519-signed receipts and appends every statement to a public Merkle log. The wire
//! formats are in `docs/PROTOCOL.md`, the layers in `docs/ARCHITECTURE.md`; each module opens
//! with the contract it keeps.
//!
//! Layers, each importing only from the ones before it (`tests/layers.rs` enforces this):
//! - [`protocol`]: formats, cryptography, statements, log proofs and their verification. Pure:
//!   no I/O, no server or client code; used by everything else.
//! - [`files`]: private files (0600 in 0700 folders), for the server's keys and the clients'
//!   state alike.
//! - [`server`]: storage, the sequencer, the reporter and staff services, HTTP.
//! - [`clients`]: the reporter, staff, recipient and log clients; they speak HTTP to a server
//!   and share only the protocol with it.
//! - [`cli`]: the `meldpunt` command line over all of them.
#![forbid(unsafe_code)]

pub mod cli;
pub mod clients;
pub mod files;
pub mod protocol;
pub mod server;
