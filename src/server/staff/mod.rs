//! The staff side (DESIGN §2, §3.7, §6, §9): accounts with password and TOTP, the audit
//! chain, and case work. Sessions, throttling and password checks are `server::signin`.
//!
//! Contract: the server holds no password and no private key (only Argon2id of the client's
//! `auth_hash`, the public key and the password-wrapped private key); access to content is
//! granted only by wraps that staff clients make; every staff action is an audit record written
//! in the same transaction as the change it records. HTTP lives in `http::staff`; the rules
//! live here.

pub mod accounts;
pub mod audit;
pub mod cases;
pub mod casework;
