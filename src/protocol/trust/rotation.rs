//! Replacing the trust root (DESIGN §11: "a new trust root is valid only when signed by the old
//! threshold"): an officer leaves, a witness is added, a threshold changes. A **rotation** is
//! the new root's file text, signed by at least the old root's threshold of its officers, so a
//! client that pinned the old root (a monitor, a staff machine) can move to the new one without
//! trusting the server, and an outsider can replay the history.
//!
//! Wire form: the officers' signature form of the directory (`directory`, JWS JSON serialization,
//! one Ed25519 signature per officer, ordered by kid) with `typ` `meldpunt-trust-root+jws` over
//! the payload `{"v":1,"prev":"<b64u SHA-256 of the old root's file text>","root":"<the new
//! root's file text>"}`.
//!
//! Contract of [`verify_rotation`]: it accepts a rotation only if its payload is exactly its own
//! serialization, `prev` is the hash of the old root's text, the new root parses and validates,
//! keeps the old `origin` and `log_key` (the log is the same log; a new log key is a new log,
//! which monitors must see as such), and at least the OLD threshold of distinct OLD officers
//! signed it. [`follow`] walks a list of rotations from a pinned root's text to a target
//! text, one verified step at a time.

use serde::{Deserialize, Serialize};

use super::directory::{DirectoryDocument, DirectoryError, DirectorySignature, sign_as, verify_as};
use super::root::TrustRoot;
use crate::protocol::b64;
use crate::protocol::crypto::{serde_b64, sha256};

/// `typ` of an officer's signature on a rotation.
pub const TYP_ROTATION: &str = "meldpunt-trust-root+jws";
/// Most rotations a client walks at once.
pub const MAX_ROTATIONS: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotationPayload {
    pub v: u32,
    #[serde(with = "serde_b64::fixed")]
    pub prev: [u8; 32],
    pub root: String,
}

/// `GET /api/v1/trust-root/rotations`: every applied rotation of the trust root, oldest first.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RotationsView {
    #[schema(value_type = Vec<Object>)]
    pub rotations: Vec<DirectoryDocument>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RotationError {
    #[error("the rotation is malformed: {0}")]
    Malformed(String),
    #[error("the rotation does not replace this trust root (its prev is another root's hash)")]
    NotFromThisRoot,
    #[error("the new trust root is invalid: {0}")]
    NewRoot(String),
    #[error("a new trust root must keep the origin and the log key; start a new log instead")]
    OtherLog,
    #[error("{0}")]
    Signature(#[from] DirectoryError),
    #[error("the rotation is signed by {found} of the old officers; the old root needs {needed}")]
    NoQuorum { found: usize, needed: usize },
    #[error("no chain of signed rotations leads from the pinned trust root to the served one")]
    NoChain,
}

/// `SHA-256` of a root's file text: what a rotation's `prev` names.
pub fn root_hash(text: &str) -> [u8; 32] {
    sha256(text.as_bytes())
}

/// The unsigned rotation from the root whose text is `old_text` to `new_root`.
pub fn propose(old_text: &str, new_root: &TrustRoot) -> DirectoryDocument {
    let payload = RotationPayload {
        v: 1,
        prev: root_hash(old_text),
        root: new_root.to_file_text(),
    };
    DirectoryDocument {
        payload: b64::encode(serde_json::to_vec(&payload).unwrap_or_default()),
        signatures: Vec::new(),
    }
}

/// Adds (or replaces) the signature of the officer holding `seed`.
pub fn sign(doc: &mut DirectoryDocument, old: &TrustRoot, seed: &[u8; 32]) {
    let signature = sign_as(TYP_ROTATION, &doc.payload, seed);
    let kid = verify_as(TYP_ROTATION, old, &doc.payload, &signature).ok();
    doc.signatures
        .retain(|s| kid.is_none() || verify_as(TYP_ROTATION, old, &doc.payload, s).ok() != kid);
    doc.signatures.push(signature);
}

fn payload_of(doc: &DirectoryDocument) -> Result<RotationPayload, RotationError> {
    let bytes = b64::decode(&doc.payload)
        .ok_or_else(|| RotationError::Malformed("payload is not b64u".into()))?;
    let payload: RotationPayload =
        serde_json::from_slice(&bytes).map_err(|e| RotationError::Malformed(e.to_string()))?;
    if serde_json::to_vec(&payload).unwrap_or_default() != bytes || payload.v != 1 {
        return Err(RotationError::Malformed("payload is not canonical".into()));
    }
    Ok(payload)
}

/// The root a rotation proposes, read without checking signatures (for an officer's review).
pub fn proposed_root(doc: &DirectoryDocument) -> Result<TrustRoot, RotationError> {
    TrustRoot::parse(&payload_of(doc)?.root).map_err(|e| RotationError::NewRoot(e.to_string()))
}

/// The new root (and its text) of a rotation from `old` (whose text is `old_text`); see the
/// module contract.
pub fn verify_rotation(
    old: &TrustRoot,
    old_text: &str,
    doc: &DirectoryDocument,
) -> Result<(TrustRoot, String), RotationError> {
    let payload = payload_of(doc)?;
    if payload.prev != root_hash(old_text) {
        return Err(RotationError::NotFromThisRoot);
    }
    let new = TrustRoot::parse(&payload.root).map_err(|e| RotationError::NewRoot(e.to_string()))?;
    if new.origin != old.origin || new.log_key != old.log_key {
        return Err(RotationError::OtherLog);
    }
    let mut signers = std::collections::BTreeSet::new();
    for sig in &doc.signatures {
        if !signers.insert(verify_as(TYP_ROTATION, old, &doc.payload, sig)?) {
            return Err(RotationError::Signature(DirectoryError::DuplicateSigner));
        }
    }
    if signers.len() < old.threshold {
        return Err(RotationError::NoQuorum {
            found: signers.len(),
            needed: old.threshold,
        });
    }
    Ok((new, payload.root))
}

/// Walks `rotations` from the root whose text is `pinned` to the one whose text is `target`;
/// returns the roots passed through, oldest first (empty when `pinned` is `target`).
pub fn follow(
    pinned: &str,
    target: &str,
    rotations: &[DirectoryDocument],
) -> Result<Vec<TrustRoot>, RotationError> {
    let mut text = pinned.to_owned();
    let mut root = TrustRoot::parse(pinned).map_err(|e| RotationError::NewRoot(e.to_string()))?;
    let mut path = Vec::new();
    while text != target {
        if path.len() >= MAX_ROTATIONS.min(rotations.len()) {
            return Err(RotationError::NoChain);
        }
        let hash = root_hash(&text);
        let doc = rotations
            .iter()
            .find(|d| payload_of(d).is_ok_and(|p| p.prev == hash))
            .ok_or(RotationError::NoChain)?;
        let (next, next_text) = verify_rotation(&root, &text, doc)?;
        path.push(next.clone());
        root = next;
        text = next_text;
    }
    Ok(path)
}

/// The rotation's document text (the form a file and the API carry).
pub fn document_text(doc: &DirectoryDocument) -> String {
    serde_json::to_string(doc).unwrap_or_default()
}

/// Parses a rotation document.
pub fn parse_document(text: &str) -> Result<DirectoryDocument, RotationError> {
    serde_json::from_str(text).map_err(|e| RotationError::Malformed(e.to_string()))
}

/// The kids of the officers of `root` whose signatures on the rotation verify.
pub fn signers(root: &TrustRoot, doc: &DirectoryDocument) -> Vec<String> {
    doc.signatures
        .iter()
        .filter_map(|s: &DirectorySignature| verify_as(TYP_ROTATION, root, &doc.payload, s).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::trust::root::Officer;
    use crate::protocol::trust::root::tests::sample;

    fn officer(seed: u8, name: &str) -> Officer {
        Officer {
            name: name.into(),
            public_key: ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
                .verifying_key()
                .to_bytes(),
        }
    }

    /// `sample()`'s officers have the seeds [1; 32] and [2; 32].
    fn replaced_second_officer() -> TrustRoot {
        let mut next = sample();
        next.officers[1] = officer(3, "new ombudsman");
        next
    }

    #[test]
    fn the_old_quorum_moves_a_client_to_the_new_root() {
        let old = sample();
        let old_text = old.to_file_text();
        let next = replaced_second_officer();
        let mut doc = propose(&old_text, &next);
        sign(&mut doc, &old, &[1; 32]);
        assert!(matches!(
            verify_rotation(&old, &old_text, &doc),
            Err(RotationError::NoQuorum {
                found: 1,
                needed: 2
            })
        ));
        sign(&mut doc, &old, &[1; 32]);
        assert_eq!(
            doc.signatures.len(),
            1,
            "a second signature replaces the first"
        );
        // The incoming officer's signature does not count: only the old root's officers do.
        let mut by_newcomer = doc.clone();
        by_newcomer
            .signatures
            .push(sign_as(TYP_ROTATION, &doc.payload, &[3; 32]));
        assert!(matches!(
            verify_rotation(&old, &old_text, &by_newcomer),
            Err(RotationError::Signature(DirectoryError::UnknownSigner))
        ));
        sign(&mut doc, &old, &[2; 32]);
        let (root, text) = verify_rotation(&old, &old_text, &doc).unwrap();
        assert_eq!(root, next);
        // A second step, signed by the new root's officers, chains on.
        let mut third = next.clone();
        third.threshold = 2;
        third.witness_threshold = 1;
        third.officers.push(officer(4, "works council"));
        let mut doc2 = propose(&text, &third);
        sign(&mut doc2, &next, &[1; 32]);
        sign(&mut doc2, &next, &[3; 32]);
        let path = follow(
            &old_text,
            &third.to_file_text(),
            &[doc2.clone(), doc.clone()],
        )
        .unwrap();
        assert_eq!(path.len(), 2);
        assert_eq!(path[1], third);
        assert!(
            follow(&old_text, &third.to_file_text(), &[doc2]).is_err(),
            "a gap"
        );
    }

    #[test]
    fn a_rotation_must_come_from_this_root_and_keep_the_log() {
        let old = sample();
        let old_text = old.to_file_text();
        let mut other_log = replaced_second_officer();
        other_log.log_key =
            crate::protocol::log::note::NoteSigner::from_seed("meldpunt.test/log", &[9; 32])
                .unwrap()
                .verifier_key();
        let mut doc = propose(&old_text, &other_log);
        sign(&mut doc, &old, &[1; 32]);
        sign(&mut doc, &old, &[2; 32]);
        assert_eq!(
            verify_rotation(&old, &old_text, &doc),
            Err(RotationError::OtherLog)
        );
        let mut doc = propose("another root's text\n", &replaced_second_officer());
        sign(&mut doc, &old, &[1; 32]);
        sign(&mut doc, &old, &[2; 32]);
        assert_eq!(
            verify_rotation(&old, &old_text, &doc),
            Err(RotationError::NotFromThisRoot)
        );
    }
}
