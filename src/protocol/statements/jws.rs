//! JWS compact serialisation (RFC 7515) of receipts and statements, alg `Ed25519` (RFC 9864).
//!
//! Guarantees:
//! - [`sign_statement`] writes the protected header as exactly
//!   `{"alg":"Ed25519","kid":…,"typ":…}` (that field order, no whitespace), so any JOSE library
//!   verifies it with the key from the JWKS.
//! - [`StatementVerifier::verify`] accepts only: three parts of strict b64u; a header with exactly
//!   the members `alg` (must be `Ed25519`; `EdDSA`, `none` and everything else are refused),
//!   `kid` (must be a key the verifier holds) and `typ` (one of [`TYP_RECEIPT`],
//!   [`TYP_STATEMENT`]); an Ed25519 signature checked with `verify_strict` (no small-order keys,
//!   no malleable signatures); and a payload of the shape DESIGN §4 gives that `typ`.
//!   Unknown header members (including `crit`, `jwk`, `x5u`) are refused, never ignored.
//!
//! Callers: chain order, `seq` and `prev` are checked by [`super::check_chain`], not here.

use std::collections::HashMap;

use ed25519_dalek::{Signature, VerifyingKey};
use ring::digest;
use serde::{Deserialize, Serialize};

use super::payload::StatementPayload;
use super::signer::{Jwks, ReceiptSigner, ed25519_kid};
use crate::protocol::b64;

/// `typ` of the receipt (seq 0).
pub const TYP_RECEIPT: &str = "meldpunt-receipt+jws";
/// `typ` of every later statement.
pub const TYP_STATEMENT: &str = "meldpunt-statement+jws";
/// The fully-specified JOSE algorithm identifier for Ed25519 (RFC 9864).
pub const ALG_ED25519: &str = "Ed25519";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwsError {
    #[error("malformed JWS")]
    Malformed,
    #[error("JWS signed with an unknown key")]
    UnknownKey,
    #[error("JWS signature does not verify")]
    BadSignature,
    #[error("JWS algorithm not supported (only Ed25519)")]
    UnsupportedAlg,
    #[error("JWS type not supported")]
    UnsupportedTyp,
    #[error("statement payload invalid: {0}")]
    BadPayload(String),
    #[error("invalid JWK: {0}")]
    InvalidJwk(String),
    #[error("statement {index} breaks the case chain: {reason}")]
    BrokenChain { index: usize, reason: &'static str },
}

/// The protected header; field order here is the wire order.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header<'a> {
    alg: &'a str,
    kid: &'a str,
    typ: &'a str,
}

/// Signs `payload` as a compact JWS of type `typ`.
///
/// # Panics
/// If `payload`'s `Serialize` impl fails (e.g. a map with non-string keys): a programming
/// error, never input-dependent for [`StatementPayload`].
pub fn sign_statement(signer: &ReceiptSigner, typ: &str, payload: &impl Serialize) -> String {
    let header = Header {
        alg: ALG_ED25519,
        kid: signer.kid(),
        typ,
    };
    let header = serde_json::to_vec(&header).expect("header serialises");
    let payload = serde_json::to_vec(payload).expect("statement payload serialises to JSON");
    let mut jws = b64::encode(header);
    jws.push('.');
    jws.push_str(&b64::encode(payload));
    let signature = signer.sign(jws.as_bytes());
    jws.push('.');
    jws.push_str(&b64::encode(signature.to_bytes()));
    jws
}

/// `prev` of the statement after `jws`: SHA-256 of the ASCII bytes of the compact JWS.
pub fn chain_hash(jws: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, jws.as_bytes()).as_ref());
    out
}

/// A statement whose signature, header and payload shape have been checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedStatement {
    pub typ: String,
    pub kid: String,
    pub payload: StatementPayload,
}

/// Verifies statements against a fixed set of public keys, looked up by `kid`.
#[derive(Clone, Debug, Default)]
pub struct StatementVerifier {
    keys: HashMap<String, VerifyingKey>,
}

impl StatementVerifier {
    /// Trusts `keys`; each is found by its RFC 7638 thumbprint.
    pub fn from_keys(keys: impl IntoIterator<Item = VerifyingKey>) -> Self {
        let keys = keys
            .into_iter()
            .map(|k| (ed25519_kid(k.as_bytes()), k))
            .collect();
        StatementVerifier { keys }
    }

    /// Trusts every key of a JWKS. Each JWK must be an Ed25519 signing key
    /// (`kty` OKP, `crv`/`alg` Ed25519, `use` sig) whose `kid` is its thumbprint; one bad JWK
    /// rejects the whole set, so a tampered JWKS cannot pass partly.
    pub fn from_jwks(jwks: &Jwks) -> Result<Self, JwsError> {
        let mut keys = HashMap::new();
        for jwk in &jwks.keys {
            let bad = |why: &str| JwsError::InvalidJwk(why.to_owned());
            if jwk.kty != "OKP" || jwk.crv != "Ed25519" {
                return Err(bad("not an Ed25519 OKP key"));
            }
            if jwk.alg != ALG_ED25519 || jwk.use_ != "sig" {
                return Err(bad("not an Ed25519 signing key"));
            }
            let x = b64::decode_array::<32>(&jwk.x).ok_or_else(|| bad("x is not 32 bytes b64u"))?;
            if ed25519_kid(&x) != jwk.kid {
                return Err(bad("kid is not the key's thumbprint"));
            }
            let key = VerifyingKey::from_bytes(&x).map_err(|_| bad("x is not a valid point"))?;
            keys.insert(jwk.kid.clone(), key);
        }
        Ok(StatementVerifier { keys })
    }

    /// The kids this verifier trusts.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// Verifies one compact JWS; see the module doc for what is checked, in this order:
    /// structure, header (`alg`, then `typ`, then `kid`), signature, payload.
    pub fn verify(&self, jws: &str) -> Result<VerifiedStatement, JwsError> {
        let mut parts = jws.split('.');
        let (Some(header_b64), Some(payload_b64), Some(sig_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwsError::Malformed);
        };
        let header_json = b64::decode(header_b64).ok_or(JwsError::Malformed)?;
        // `alg` is looked at first, loosely, so any non-Ed25519 token (e.g. `{"alg":"EdDSA"}`
        // or `none` with an empty signature) is reported as such, then the header is parsed
        // strictly (exact members, no duplicates).
        let loose: serde_json::Value =
            serde_json::from_slice(&header_json).map_err(|_| JwsError::Malformed)?;
        if loose.get("alg").and_then(serde_json::Value::as_str) != Some(ALG_ED25519) {
            return Err(JwsError::UnsupportedAlg);
        }
        let header: Header<'_> =
            serde_json::from_slice(&header_json).map_err(|_| JwsError::Malformed)?;
        if header.typ != TYP_RECEIPT && header.typ != TYP_STATEMENT {
            return Err(JwsError::UnsupportedTyp);
        }
        let key = self.keys.get(header.kid).ok_or(JwsError::UnknownKey)?;
        let sig = b64::decode_array::<64>(sig_b64).ok_or(JwsError::Malformed)?;
        let payload_json = b64::decode(payload_b64).ok_or(JwsError::Malformed)?;
        // The signing input is the ASCII text before the second dot, as transmitted.
        let signing_input = &jws[..header_b64.len() + 1 + payload_b64.len()];
        key.verify_strict(signing_input.as_bytes(), &Signature::from_bytes(&sig))
            .map_err(|_| JwsError::BadSignature)?;
        let payload: StatementPayload = serde_json::from_slice(&payload_json)
            .map_err(|e| JwsError::BadPayload(e.to_string()))?;
        if payload.typ() != header.typ {
            return Err(JwsError::BadPayload(
                "a receipt is signed as a receipt, a later statement as a statement".into(),
            ));
        }
        Ok(VerifiedStatement {
            typ: header.typ.to_owned(),
            kid: header.kid.to_owned(),
            payload,
        })
    }
}
