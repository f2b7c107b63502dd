//! meldpunt: an anonymous reporting channel. See `docs/PROTOCOL.md` for the wire formats.
#![forbid(unsafe_code)]

pub mod b64;
