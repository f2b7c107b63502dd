//! Signed receipts and statements (DESIGN §4): payloads, JWS signing and verification, the
//! per-case hash chain, and the Ed25519 signing key with its JWKS.
//!
//! What this module guarantees and what callers must do:
//! - Signing: [`sign_statement`] with [`TYP_RECEIPT`] for seq 0, [`TYP_STATEMENT`] after; the
//!   caller assigns `seq`, `prev` ([`chain_hash`] of the case's previous JWS) and `log` (the
//!   statement's own leaf index, under the store's lock) before signing.
//! - Verification: [`StatementVerifier::verify`] checks one statement; [`check_chain`] a case.
//! - Keys: a [`ReceiptSigner`] signs; its public keys form the [`Jwks`] that
//!   `/.well-known/jwks.json` serves (the key files are `server::keys`).

pub mod chain;
pub mod jws;
pub mod payload;
pub mod signer;

pub use chain::check_chain;
pub use jws::{
    JwsError, StatementVerifier, TYP_RECEIPT, TYP_STATEMENT, VerifiedStatement, chain_hash,
    sign_statement,
};
pub use payload::{Party, StatementBody, StatementKind, StatementPayload, Status, StatusChange};
pub use signer::{Jwk, Jwks, ReceiptSigner, ed25519_kid};

#[cfg(test)]
pub(crate) mod tests;
