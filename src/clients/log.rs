//! The transparency log's client side (DESIGN §5): fetch the newest checkpoint, the note key,
//! proofs and leaf hashes over HTTP, and check them. Used by `meldpunt verify`, `meldpunt
//! monitor` and the tests.
//!
//! Contract: nothing the server sends is trusted. Checkpoints are opened with a verifier key the
//! caller chose (and must name the key's origin); proofs are checked with `crate::protocol::log::proof`,
//! which shares no code with the server's tree; a proof for other positions than the ones asked
//! for is refused. Every failure is a [`LogCheckError`] that says what went wrong in a sentence.

use serde::de::DeserializeOwned;

use super::ClientError;
use crate::protocol::log::checkpoint::{Checkpoint, open_signed_checkpoint};
use crate::protocol::log::note::{NoteError, NoteVerifier};
use crate::protocol::log::proof::{leaf_hash, verify_consistency, verify_inclusion};
use crate::protocol::statements::Jwks;
use crate::protocol::wire::MAX_LEAF_HASHES;
use crate::protocol::wire::{ConsistencyProofView, InclusionProofView, LeafHashesView};

/// Why a log check failed.
#[derive(Debug, thiserror::Error)]
pub enum LogCheckError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("the log key is not a valid note verifier key: {0}")]
    BadKey(NoteError),
    #[error("the checkpoint is not validly signed by the log key: {0}")]
    Signature(NoteError),
    #[error("the checkpoint's origin {origin:?} is not the log key's name {key:?}")]
    Origin { origin: String, key: String },
    #[error(
        "log entry {index} is not in the newest checkpoint yet (it covers {size} entries); \
         checkpoints are issued on a schedule, try again later"
    )]
    NotYetCheckpointed { index: u64, size: u64 },
    #[error(
        "the inclusion proof of entry {index} does not verify against the checkpoint of {size}"
    )]
    Inclusion { index: u64, size: u64 },
    #[error("the log shrank from {old} to {new} entries: it was truncated or rolled back")]
    Shrunk { old: u64, new: u64 },
    #[error(
        "fork: the checkpoint of {new} entries does not extend the one of {old} entries seen \
         before (the log was rewritten, or shows different histories to different people)"
    )]
    Fork { old: u64, new: u64 },
    #[error("the server answered for other positions than asked: {0}")]
    Mismatch(&'static str),
    #[error("{0}")]
    Witnessed(#[from] crate::protocol::trust::WitnessedError),
    #[error("the trust root: {0}")]
    TrustRoot(String),
    #[error("the checkpoint's audit line: {0}")]
    AuditLine(String),
    #[error(
        "the staff audit chain went back: its head was {old} and is now {new} (records were \
         removed or rewritten)"
    )]
    AuditRewound { old: String, new: String },
}

impl LogCheckError {
    /// Whether the only problem is that no checkpoint covers the entry yet.
    pub fn is_pending(&self) -> bool {
        matches!(self, LogCheckError::NotYetCheckpointed { .. })
    }
}

/// Parses a verifier key (`<name>+<hex key id>+<base64 key>`).
pub fn parse_key(text: &str) -> Result<NoteVerifier, LogCheckError> {
    NoteVerifier::parse(text.trim()).map_err(LogCheckError::BadKey)
}

/// Opens a signed checkpoint with `key` and checks that its origin is the key's name.
pub fn open_checkpoint(note: &str, key: &NoteVerifier) -> Result<Checkpoint, LogCheckError> {
    let checkpoint = open_signed_checkpoint(note, key).map_err(LogCheckError::Signature)?;
    if checkpoint.origin != key.name() {
        return Err(LogCheckError::Origin {
            origin: checkpoint.origin,
            key: key.name().to_owned(),
        });
    }
    Ok(checkpoint)
}

/// Checks that the audit-chain head in `new`'s extension line extends the one in `old`'s: it
/// may only grow (a higher `seq`), or stay exactly the same; it never disappears, goes back, or
/// changes its hash at the same `seq` (DESIGN §6, §11). Growth itself cannot be checked from
/// outside (the records are not public); an auditor with access runs `meldpunt audit verify`.
pub fn check_audit_head(old: &Checkpoint, new: &Checkpoint) -> Result<(), LogCheckError> {
    let head = |c: &Checkpoint| {
        crate::protocol::log::checkpoint::audit_head_in(&c.extensions)
            .map_err(LogCheckError::AuditLine)
    };
    let show = |h: &Option<crate::protocol::staff_wire::AuditHead>| match h {
        Some(h) => format!("record {} ({})", h.seq, h.hash),
        None => "absent".to_owned(),
    };
    let (before, after) = (head(old)?, head(new)?);
    let rewound = match (&before, &after) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(b), Some(a)) => a.seq < b.seq || (a.seq == b.seq && a.hash != b.hash),
    };
    if rewound {
        return Err(LogCheckError::AuditRewound {
            old: show(&before),
            new: show(&after),
        });
    }
    Ok(())
}

/// An HTTP client of one server's log endpoints.
pub struct LogClient {
    base: String,
    agent: ureq::Agent,
}

fn transport(e: ureq::Error) -> ClientError {
    ClientError::Transport(e.to_string())
}

impl LogClient {
    pub fn new(base_url: &str) -> LogClient {
        let agent = super::http_agent();
        LogClient {
            base: base_url.trim_end_matches('/').to_owned(),
            agent,
        }
    }

    /// The body of a 2xx answer, or the server's `{"error":…}` as [`ClientError::Api`].
    fn get_text(&self, path: &str) -> Result<String, ClientError> {
        let mut response = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .map_err(transport)?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().map_err(transport)?;
        if (200..300).contains(&status) {
            return Ok(text);
        }
        let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        Err(ClientError::Api {
            status,
            code: body["error"]["code"].as_str().unwrap_or("").to_owned(),
            message: body["error"]["message"]
                .as_str()
                .unwrap_or(&text)
                .to_owned(),
        })
    }

    fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let text = self.get_text(path)?;
        serde_json::from_str(&text).map_err(|e| ClientError::Protocol(e.to_string()))
    }

    /// The newest signed checkpoint, unchecked.
    pub fn checkpoint(&self) -> Result<String, ClientError> {
        self.get_text("/api/v1/log/checkpoint")
    }

    /// The server's note verifier key text, unchecked.
    pub fn key(&self) -> Result<String, ClientError> {
        Ok(self.get_text("/api/v1/log/key")?.trim().to_owned())
    }

    /// The receipt signing keys.
    pub fn jwks(&self) -> Result<Jwks, ClientError> {
        self.get_json("/.well-known/jwks.json")
    }

    pub fn inclusion(&self, index: u64, size: u64) -> Result<InclusionProofView, ClientError> {
        self.get_json(&format!(
            "/api/v1/log/proof/inclusion?index={index}&size={size}"
        ))
    }

    pub fn consistency(&self, from: u64, to: u64) -> Result<ConsistencyProofView, ClientError> {
        self.get_json(&format!(
            "/api/v1/log/proof/consistency?from={from}&to={to}"
        ))
    }

    pub fn leaf_hashes(&self, start: u64, end: u64) -> Result<LeafHashesView, ClientError> {
        self.get_json(&format!("/api/v1/log/leaf-hashes?start={start}&end={end}"))
    }

    /// Every leaf hash of the first `size` leaves, page by page.
    pub fn all_leaf_hashes(&self, size: u64) -> Result<Vec<[u8; 32]>, LogCheckError> {
        let mut out = Vec::new();
        let mut start = 0;
        while start < size {
            let end = size.min(start + MAX_LEAF_HASHES);
            let page = self.leaf_hashes(start, end)?;
            if page.start != start || page.hashes.len() as u64 != end - start {
                return Err(LogCheckError::Mismatch("leaf-hashes page"));
            }
            out.extend(page.hashes);
            start = end;
        }
        Ok(out)
    }

    /// The server's trust root text (`/trust-root.json`), unchecked.
    pub fn trust_root_text(&self) -> Result<String, ClientError> {
        self.get_text("/trust-root.json")
    }

    /// The trust root's applied rotations, unchecked.
    pub fn trust_root_rotations(
        &self,
    ) -> Result<crate::protocol::trust::rotation::RotationsView, ClientError> {
        self.get_json("/api/v1/trust-root/rotations")
    }

    /// The newest recipient directory answer, unchecked.
    pub fn directory(&self) -> Result<crate::protocol::wire::DirectoryView, ClientError> {
        self.get_json("/api/v1/directory")
    }

    /// One published directory version, unchecked.
    pub fn directory_version(
        &self,
        seq: u64,
    ) -> Result<crate::protocol::wire::DirectoryVersionView, ClientError> {
        self.get_json(&format!("/api/v1/directory/versions/{seq}"))
    }

    /// Fetches the newest checkpoint and accepts it only if the root's log key signed it and
    /// enough of the root's witnesses cosigned it (`protocol::trust::open_witnessed_checkpoint`).
    pub fn witnessed_checkpoint(
        &self,
        root: &crate::protocol::trust::TrustRoot,
    ) -> Result<(String, Checkpoint), LogCheckError> {
        let note = self.checkpoint()?;
        let checkpoint = crate::protocol::trust::open_witnessed_checkpoint(root, &note)?;
        Ok((note, checkpoint))
    }

    /// Fetches the newest checkpoint and opens it with `key`; returns it with its note.
    pub fn verified_checkpoint(
        &self,
        key: &NoteVerifier,
    ) -> Result<(String, Checkpoint), LogCheckError> {
        let note = self.checkpoint()?;
        let checkpoint = open_checkpoint(&note, key)?;
        Ok((note, checkpoint))
    }

    /// Proves that `leaf` (a statement JWS) is entry `index` of the tree `checkpoint` signs.
    pub fn prove_inclusion(
        &self,
        leaf: &[u8],
        index: u64,
        checkpoint: &Checkpoint,
    ) -> Result<(), LogCheckError> {
        let size = checkpoint.size;
        if index >= size {
            return Err(LogCheckError::NotYetCheckpointed { index, size });
        }
        let proof = self.inclusion(index, size)?;
        if proof.index != index || proof.size != size {
            return Err(LogCheckError::Mismatch("inclusion proof"));
        }
        if !verify_inclusion(&leaf_hash(leaf), index, size, &proof.path, &checkpoint.root) {
            return Err(LogCheckError::Inclusion { index, size });
        }
        Ok(())
    }

    /// Proves that `new` extends `old`: not smaller, and consistent by the server's proof.
    pub fn prove_consistency(
        &self,
        old: &Checkpoint,
        new: &Checkpoint,
    ) -> Result<(), LogCheckError> {
        let (from, to) = (old.size, new.size);
        if to < from {
            return Err(LogCheckError::Shrunk { old: from, new: to });
        }
        let path = if from == to || from == 0 {
            // Nothing to ask: equal sizes need equal roots, and everything extends the empty tree.
            Vec::new()
        } else {
            let proof = self.consistency(from, to)?;
            if proof.from != from || proof.to != to {
                return Err(LogCheckError::Mismatch("consistency proof"));
            }
            proof.path
        };
        if !verify_consistency(from, to, &old.root, &new.root, &path) {
            return Err(LogCheckError::Fork { old: from, new: to });
        }
        Ok(())
    }
}
