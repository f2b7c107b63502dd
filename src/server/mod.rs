//! The service: storage, the sequencer that owns every write, the reporter and staff services,
//! the transparency log's service side, HTTP, and the separate witness service (`witness`).
//!
//! Contract: built on `protocol` and `files` only; never imports the clients or the CLI.

pub mod app;
pub mod cases;
pub mod config;
pub mod directory;
pub mod http;
pub mod keys;
pub mod log;
pub mod pow;
pub mod recipients;
pub mod reporting;
pub mod sequencer;
pub mod signin;
pub mod staff;
pub mod store;
pub mod trust;
pub mod witness;
