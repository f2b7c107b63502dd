//! meldpunt: an anonymous reporting channel.
//!
//! Reports are encrypted in the reporter's browser; the server stores ciphertext, hands out
//! Ed25519-signed receipts and appends every statement to a public Merkle log. The wire
//! formats are in `docs/PROTOCOL.md`; each module opens with the contract it keeps.
#![forbid(unsafe_code)]

pub mod app;
pub mod b64;
pub mod cli;
pub mod client;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod http;
pub mod keyfile;
pub mod log;
pub mod pow;
pub mod protocol;
pub mod receipts;
pub mod reporting;
pub mod staff;
pub mod store;
pub mod time;
