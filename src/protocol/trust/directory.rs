//! The recipient directory (DESIGN §11): the list of keys that may receive case keys, signed by
//! a quorum of the trust root's directory officers. Clients wrap only to its entries (minus the
//! server's unsigned suspension list), so neither the server nor one admin can add a reader.
//!
//! Wire form: a JWS JSON serialization (RFC 7515 §7.2.1) with one Ed25519 signature per officer,
//! written exactly `{"payload":"<b64u>","signatures":[{"protected":"<b64u>","signature":"<b64u>"},…]}`
//! with the signatures ordered by the officer's `kid`. Each protected header is exactly
//! `{"alg":"Ed25519","kid":<officer kid>,"typ":"meldpunt-directory+jws"}`; the signing input is
//! `protected || "." || payload` as transmitted.
//!
//! The payload is `{"v":1,"origin","seq","prev"?,"hour","entries":[{kid,public_key,units,roles,label}]}`.
//! The directory's hash is `SHA-256(payload bytes)`; `prev` is the previous version's hash
//! (absent exactly on `seq` 1).
//!
//! Contract of [`verify_directory`]: it accepts a document only if it is well formed, its
//! payload is canonical (entries ordered by `kid` without repeats, each `kid` the RFC 7638
//! thumbprint of its X25519 key, units and roles non-empty, sorted and unique, roles only
//! those that hold case keys, `hour` a whole hour), its `origin` is the root's, and at least
//! `threshold` distinct officers of the root signed it with valid strict Ed25519 signatures; a
//! signature by anyone else, or a second one by the same officer, refuses the document.
//! Continuity between versions is [`check_successor`]'s.

use std::collections::BTreeSet;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::root::TrustRoot;
use crate::protocol::b64;
use crate::protocol::crypto::hpke_suite::x25519_kid;
use crate::protocol::crypto::{serde_b64, sha256};
use crate::protocol::domain::NATIONAL_UNIT;
use crate::protocol::roles::Role;
use crate::protocol::statements::ed25519_kid;

/// `typ` of an officer's signature on a directory.
pub const TYP_DIRECTORY: &str = "meldpunt-directory+jws";
pub const DIRECTORY_VERSION: u32 = 1;
/// Most entries a directory may list, and most bytes its document may have.
pub const MAX_ENTRIES: usize = 2000;
pub const MAX_DOCUMENT_LEN: usize = 1024 * 1024;
pub const MAX_LABEL_LEN: usize = 100;

/// One key that may receive case keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryEntry {
    pub kid: String,
    #[serde(with = "serde_b64::fixed")]
    pub public_key: [u8; 32],
    pub units: Vec<String>,
    pub roles: Vec<Role>,
    /// Who holds it, as the officers see it (a name or a function); public.
    pub label: String,
}

impl DirectoryEntry {
    /// Whether new reports about `unit` go to this key: an intake key of that unit or the
    /// national one (a `national_only` report: the national ones only).
    pub fn reads_reports_of(&self, unit: &str, national_only: bool) -> bool {
        self.roles.contains(&Role::Intake)
            && (self.units.iter().any(|u| u == NATIONAL_UNIT)
                || (!national_only && self.units.iter().any(|u| u == unit)))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryPayload {
    pub v: u32,
    pub origin: String,
    pub seq: u64,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_b64::option_fixed"
    )]
    pub prev: Option<[u8; 32]>,
    pub hour: u64,
    pub entries: Vec<DirectoryEntry>,
}

/// One officer's signature, as the document carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectorySignature {
    pub protected: String,
    pub signature: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryDocument {
    pub payload: String,
    pub signatures: Vec<DirectorySignature>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    alg: String,
    kid: String,
    typ: String,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    #[error("the directory is malformed: {0}")]
    Malformed(String),
    #[error("the directory's payload is not canonical: {0}")]
    NotCanonical(&'static str),
    #[error("the directory is for {found:?}, not this instance ({expected:?})")]
    WrongOrigin { expected: String, found: String },
    #[error("the directory carries a signature by a key that is not a directory officer")]
    UnknownSigner,
    #[error("the directory carries two signatures by the same officer")]
    DuplicateSigner,
    #[error("an officer's signature on the directory does not verify")]
    BadSignature,
    #[error("the directory is signed by {found} officers; the trust root needs {needed}")]
    NoQuorum { found: usize, needed: usize },
    #[error("directory {found} does not follow directory {expected_after}: {reason}")]
    Discontinuous {
        expected_after: u64,
        found: u64,
        reason: &'static str,
    },
}

/// A directory that passed [`verify_directory`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedDirectory {
    pub payload: DirectoryPayload,
    /// `SHA-256(payload bytes)`.
    pub hash: [u8; 32],
    /// The `kid`s of the officers whose signatures verified.
    pub signers: Vec<String>,
}

impl VerifiedDirectory {
    /// The entries new reports about `unit` are wrapped to, minus the `suspended` kids.
    pub fn readers<'a>(
        &'a self,
        unit: &'a str,
        national_only: bool,
        suspended: &'a [String],
    ) -> impl Iterator<Item = &'a DirectoryEntry> + 'a {
        self.payload
            .entries
            .iter()
            .filter(move |e| e.reads_reports_of(unit, national_only) && !suspended.contains(&e.kid))
    }

    pub fn entry(&self, kid: &str) -> Option<&DirectoryEntry> {
        self.payload.entries.iter().find(|e| e.kid == kid)
    }
}

impl DirectoryPayload {
    /// The payload's bytes as signed (serde's field order, no whitespace).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Puts entries, units and roles in canonical order (a proposal is built this way).
    pub fn canonicalize(&mut self) {
        for entry in &mut self.entries {
            entry.units.sort();
            entry.units.dedup();
            entry.roles.sort();
            entry.roles.dedup();
        }
        self.entries.sort_by(|a, b| a.kid.cmp(&b.kid));
    }

    /// Checks the canonical form (see the module contract).
    pub fn check_canonical(&self) -> Result<(), DirectoryError> {
        let bad = DirectoryError::NotCanonical;
        if self.v != DIRECTORY_VERSION {
            return Err(bad("unknown version"));
        }
        if self.seq == 0 || (self.seq == 1) != self.prev.is_none() {
            return Err(bad(
                "seq starts at 1, and every later version names its prev",
            ));
        }
        if !self.hour.is_multiple_of(3600) {
            return Err(bad("hour must be a whole hour"));
        }
        if self.entries.len() > MAX_ENTRIES {
            return Err(bad("too many entries"));
        }
        if !self.entries.windows(2).all(|w| w[0].kid < w[1].kid) {
            return Err(bad("entries must be ordered by kid, each once"));
        }
        for entry in &self.entries {
            if entry.kid != x25519_kid(&entry.public_key) {
                return Err(bad("an entry's kid is not its key's thumbprint"));
            }
            let units_ok = !entry.units.is_empty()
                && entry.units.windows(2).all(|w| w[0] < w[1])
                && entry.units.iter().all(|u| !u.is_empty() && u.len() <= 64);
            let roles_ok = !entry.roles.is_empty()
                && entry.roles.windows(2).all(|w| w[0] < w[1])
                && entry
                    .roles
                    .iter()
                    .all(|r| matches!(r, Role::Intake | Role::Investigator | Role::Custodian));
            if !units_ok || !roles_ok {
                return Err(bad("units and roles must be non-empty, sorted and unique"));
            }
            if entry.label.is_empty()
                || entry.label.chars().count() > MAX_LABEL_LEN
                || entry.label.chars().any(char::is_control)
            {
                return Err(bad("a label must be 1 to 100 characters"));
            }
        }
        Ok(())
    }
}

/// `SHA-256(payload bytes)`.
pub fn directory_hash(payload_bytes: &[u8]) -> [u8; 32] {
    sha256(payload_bytes)
}

/// An officer's signature over the b64u `payload`, with the Ed25519 secret key `seed`.
pub fn sign_payload(payload_b64: &str, seed: &[u8; 32]) -> DirectorySignature {
    sign_as(TYP_DIRECTORY, payload_b64, seed)
}

/// An officer's signature of type `typ` over the b64u `payload` (directories and root
/// rotations share the form, never the type).
pub(super) fn sign_as(typ: &str, payload_b64: &str, seed: &[u8; 32]) -> DirectorySignature {
    let key = SigningKey::from_bytes(seed);
    let header = Header {
        alg: "Ed25519".into(),
        kid: ed25519_kid(key.verifying_key().as_bytes()),
        typ: typ.into(),
    };
    let protected = b64::encode(serde_json::to_vec(&header).unwrap_or_default());
    let signature = key.sign(format!("{protected}.{payload_b64}").as_bytes());
    DirectorySignature {
        protected,
        signature: b64::encode(signature.to_bytes()),
    }
}

/// The kid of the officer a signature claims, if its header is well formed and of type `typ`.
fn claimed_kid(typ: &str, sig: &DirectorySignature) -> Result<String, DirectoryError> {
    let malformed = |what: &str| DirectoryError::Malformed(what.to_owned());
    let json = b64::decode(&sig.protected).ok_or_else(|| malformed("protected header"))?;
    let header: Header =
        serde_json::from_slice(&json).map_err(|_| malformed("protected header"))?;
    if header.alg != "Ed25519" || header.typ != typ {
        return Err(DirectoryError::Malformed(format!(
            "a signature is not an Ed25519 {typ} signature"
        )));
    }
    Ok(header.kid)
}

/// Checks one officer signature over `payload_b64` against the root; returns the officer's kid.
pub fn verify_signature(
    root: &TrustRoot,
    payload_b64: &str,
    sig: &DirectorySignature,
) -> Result<String, DirectoryError> {
    verify_as(TYP_DIRECTORY, root, payload_b64, sig)
}

/// [`verify_signature`] for signatures of type `typ`.
pub(super) fn verify_as(
    typ: &str,
    root: &TrustRoot,
    payload_b64: &str,
    sig: &DirectorySignature,
) -> Result<String, DirectoryError> {
    let kid = claimed_kid(typ, sig)?;
    let officer = root.officer(&kid).ok_or(DirectoryError::UnknownSigner)?;
    let key =
        VerifyingKey::from_bytes(&officer.public_key).map_err(|_| DirectoryError::BadSignature)?;
    let bytes = b64::decode_array::<64>(&sig.signature).ok_or(DirectoryError::BadSignature)?;
    key.verify_strict(
        format!("{}.{payload_b64}", sig.protected).as_bytes(),
        &Signature::from_bytes(&bytes),
    )
    .map_err(|_| DirectoryError::BadSignature)?;
    Ok(kid)
}

/// Parses a payload from its b64u form and checks it is canonical and for the root's origin.
pub fn open_payload(
    root: &TrustRoot,
    payload_b64: &str,
) -> Result<(DirectoryPayload, [u8; 32]), DirectoryError> {
    let bytes = b64::decode(payload_b64)
        .ok_or_else(|| DirectoryError::Malformed("payload is not b64u".into()))?;
    let payload: DirectoryPayload =
        serde_json::from_slice(&bytes).map_err(|e| DirectoryError::Malformed(e.to_string()))?;
    if payload.to_bytes() != bytes {
        return Err(DirectoryError::NotCanonical(
            "payload bytes are not its serialization",
        ));
    }
    payload.check_canonical()?;
    if payload.origin != root.origin {
        return Err(DirectoryError::WrongOrigin {
            expected: root.origin.clone(),
            found: payload.origin,
        });
    }
    Ok((payload, directory_hash(&bytes)))
}

/// Verifies a directory document against the trust root (see the module contract).
pub fn verify_directory(root: &TrustRoot, text: &str) -> Result<VerifiedDirectory, DirectoryError> {
    if text.len() > MAX_DOCUMENT_LEN {
        return Err(DirectoryError::Malformed("too long".into()));
    }
    let doc: DirectoryDocument =
        serde_json::from_str(text).map_err(|e| DirectoryError::Malformed(e.to_string()))?;
    let (payload, hash) = open_payload(root, &doc.payload)?;
    let mut signers = BTreeSet::new();
    for sig in &doc.signatures {
        let kid = verify_signature(root, &doc.payload, sig)?;
        if !signers.insert(kid) {
            return Err(DirectoryError::DuplicateSigner);
        }
    }
    if signers.len() < root.threshold {
        return Err(DirectoryError::NoQuorum {
            found: signers.len(),
            needed: root.threshold,
        });
    }
    Ok(VerifiedDirectory {
        payload,
        hash,
        signers: signers.into_iter().collect(),
    })
}

/// The document text of a payload and its signatures: canonical member order, signatures
/// ordered by officer kid (a signature whose header does not parse sorts first; the verifier
/// refuses it anyway).
pub fn document_text(payload_b64: &str, signatures: &[DirectorySignature]) -> String {
    let mut signatures = signatures.to_vec();
    signatures.sort_by_cached_key(|s| claimed_kid(TYP_DIRECTORY, s).unwrap_or_default());
    serde_json::to_string(&DirectoryDocument {
        payload: payload_b64.to_owned(),
        signatures,
    })
    .unwrap_or_default()
}

/// Checks that `next` is the version right after `prev`.
pub fn check_successor(
    prev: &VerifiedDirectory,
    next: &VerifiedDirectory,
) -> Result<(), DirectoryError> {
    let discontinuous = |reason| DirectoryError::Discontinuous {
        expected_after: prev.payload.seq,
        found: next.payload.seq,
        reason,
    };
    if next.payload.seq != prev.payload.seq + 1 {
        return Err(discontinuous("its seq is not the next one"));
    }
    if next.payload.prev != Some(prev.hash) {
        return Err(discontinuous("its prev is not the previous version's hash"));
    }
    if next.payload.hour < prev.payload.hour {
        return Err(discontinuous("it is dated before the previous version"));
    }
    Ok(())
}

/// One difference between two directory versions, for officers and monitors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirectoryChange {
    Added(DirectoryEntry),
    Removed(DirectoryEntry),
    Changed {
        before: DirectoryEntry,
        after: DirectoryEntry,
    },
}

impl std::fmt::Display for DirectoryChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let describe = |e: &DirectoryEntry| {
            let roles: Vec<&str> = e.roles.iter().map(|r| r.name()).collect();
            format!(
                "{} ({}; {}; key {})",
                e.label,
                roles.join(","),
                e.units.join(","),
                e.kid
            )
        };
        match self {
            DirectoryChange::Added(e) => write!(f, "added {}", describe(e)),
            DirectoryChange::Removed(e) => write!(f, "removed {}", describe(e)),
            DirectoryChange::Changed { before, after } => {
                write!(f, "changed {} to {}", describe(before), describe(after))
            }
        }
    }
}

/// The changes from `before` (none: the empty directory) to `after`, by kid.
pub fn changes(before: &[DirectoryEntry], after: &[DirectoryEntry]) -> Vec<DirectoryChange> {
    let mut out = Vec::new();
    for entry in after {
        match before.iter().find(|b| b.kid == entry.kid) {
            None => out.push(DirectoryChange::Added(entry.clone())),
            Some(b) if b != entry => out.push(DirectoryChange::Changed {
                before: b.clone(),
                after: entry.clone(),
            }),
            Some(_) => {}
        }
    }
    for entry in before {
        if !after.iter().any(|a| a.kid == entry.kid) {
            out.push(DirectoryChange::Removed(entry.clone()));
        }
    }
    out
}

#[cfg(test)]
#[path = "directory_tests.rs"]
mod tests;
