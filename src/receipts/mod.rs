//! Signed receipts and statements (DESIGN §4): payloads, JWS signing and verification, the
//! per-case hash chain, and the Ed25519 signing keys with their JWKS.
//!
//! What this module guarantees and what callers must do:
//! - Signing: [`sign_statement`] with [`TYP_RECEIPT`] for seq 0, [`TYP_STATEMENT`] after; the
//!   caller assigns `seq`, `prev` ([`chain_hash`] of the case's previous JWS) and `log` (the
//!   statement's own leaf index, under the store's lock) before signing.
//! - Verification: [`StatementVerifier::verify`] checks one statement; [`check_chain`] a case.
//! - Keys: [`ReceiptKeys::load_or_create`] at start-up; the JWKS ([`ReceiptKeys::jwks`]) is what
//!   `/.well-known/jwks.json` serves.

pub mod chain;
pub mod jws;
pub mod keys;
pub mod payload;

pub use chain::check_chain;
pub use jws::{
    JwsError, StatementVerifier, TYP_RECEIPT, TYP_STATEMENT, VerifiedStatement, chain_hash,
    sign_statement,
};
pub use keys::{Jwk, Jwks, KeyError, ReceiptKeys, ReceiptSigner, ed25519_kid};
pub use payload::{Party, StatementKind, StatementPayload, Status, hour_floor};

#[cfg(test)]
mod tests;
