//! Getting a fresh checkpoint cosigned by the trust root's witnesses before it is published
//! (DESIGN §11, C2SP `tlog-witness`).
//!
//! Contract:
//! - [`Cosigners::cosign`] sends a freshly signed checkpoint to every witness of the root with
//!   a URL (`POST <url>/add-checkpoint`: the size the witness last cosigned, the consistency
//!   proof from it, the note), retrying once with the size a `409` names, and appends each
//!   returned cosignature line that verifies with the pinned witness key. It returns the note
//!   with the cosignatures only when at least `witness_threshold` distinct pinned witnesses
//!   cosigned; otherwise it fails and nothing is published (the previous checkpoint stays the
//!   newest, and proofs keep being served up to it).
//! - The development root's witness (`keys/dev-witness.key`) cosigns in-process, and only for
//!   a root marked `development`, without a state of its own: the log itself refuses to sign a fork (`service::sign_checkpoint`), and
//!   a development root protects nothing anyway (`server::trust`).
//! - Witnesses are asked one after another with a short timeout; a checkpoint is issued at
//!   most every few minutes, so this is not on any request's path.

use std::sync::Arc;
use std::time::Duration;

use crate::protocol::log::checkpoint::Checkpoint;
use crate::protocol::log::cosignature::{CosignatureSigner, CosignatureVerifier, count_cosigners};
use crate::protocol::log::note::NoteSigner;
use crate::protocol::log::witness_wire::{AddCheckpoint, parse_cosignature_lines, parse_size};
use crate::protocol::trust::TrustRoot;
use crate::server::log::service::{Issued, LogServiceError};
use crate::server::store::Store;

enum Link {
    /// The development witness, cosigning here.
    Local(Box<CosignatureSigner>),
    Remote {
        name: String,
        url: String,
    },
}

struct Inner {
    links: Vec<Link>,
    verifiers: Vec<CosignatureVerifier>,
    threshold: usize,
}

/// The witnesses of the trust root, as the service reaches them.
#[derive(Clone)]
pub struct Cosigners {
    inner: Arc<Inner>,
}

/// How one witness answered.
enum Answer {
    Lines(Vec<String>),
    Conflict(u64),
    Failed(String),
}

impl Cosigners {
    pub fn new(root: &TrustRoot, keys_dir: &std::path::Path, log: &NoteSigner) -> Cosigners {
        // Only a development root is cosigned here: a real root that listed the development
        // witness's key would otherwise let the service vouch for its own history.
        let mut local = root
            .development
            .then(|| crate::server::trust::dev_witness(keys_dir, log))
            .flatten();
        let mut links = Vec::new();
        let mut verifiers = Vec::new();
        for witness in &root.witnesses {
            let Ok(verifier) = CosignatureVerifier::parse(&witness.vkey) else {
                continue;
            };
            verifiers.push(verifier);
            if let Some(signer) = local.take_if(|s| s.vkey() == witness.vkey) {
                links.push(Link::Local(Box::new(signer)));
            } else if let Some(url) = &witness.url {
                links.push(Link::Remote {
                    name: witness.name.clone(),
                    url: url.trim_end_matches('/').to_owned(),
                });
            } else {
                tracing::warn!(witness = %witness.name, "the trust root gives this witness no URL");
            }
        }
        Cosigners {
            inner: Arc::new(Inner {
                links,
                verifiers,
                threshold: root.witness_threshold,
            }),
        }
    }

    /// The note of `issued` with enough cosignatures (see the module contract).
    pub fn cosign(&self, store: &dyn Store, mut issued: Issued) -> Result<Issued, LogServiceError> {
        if !issued.fresh {
            return Ok(issued);
        }
        let body = issued.checkpoint.body();
        let mut note = issued.note.clone();
        let old = issued.previous_size();
        for link in &self.inner.links {
            let lines = match link {
                Link::Local(signer) => signer
                    .cosign(&body, crate::protocol::time::now().max(1))
                    .map(|line| vec![line])
                    .map_err(|e| e.to_string()),
                Link::Remote { name, url } => {
                    match ask(store, url, old, &issued.checkpoint, &issued.note) {
                        Answer::Lines(lines) => Ok(lines),
                        Answer::Conflict(size) => {
                            match ask(store, url, size, &issued.checkpoint, &issued.note) {
                                Answer::Lines(lines) => Ok(lines),
                                Answer::Conflict(size) => {
                                    Err(format!("{name} still holds size {size}"))
                                }
                                Answer::Failed(why) => Err(why),
                            }
                        }
                        Answer::Failed(why) => Err(why),
                    }
                }
            };
            match lines {
                Ok(lines) => {
                    for line in lines {
                        let candidate = format!("{note}{line}\n");
                        // Keep a line only if it adds a pinned witness's valid cosignature.
                        if count_cosigners(&candidate, &self.inner.verifiers)
                            > count_cosigners(&note, &self.inner.verifiers)
                        {
                            note = candidate;
                        }
                    }
                }
                Err(why) => tracing::warn!(error = %why, "a witness did not cosign"),
            }
        }
        let cosigned = count_cosigners(&note, &self.inner.verifiers);
        if cosigned < self.inner.threshold {
            return Err(LogServiceError::Cosigning(format!(
                "{cosigned} of the {} witnesses needed cosigned checkpoint {}",
                self.inner.threshold, issued.checkpoint.size
            )));
        }
        issued.note = note;
        Ok(issued)
    }
}

/// One `add-checkpoint` request to the witness at `url`.
fn ask(store: &dyn Store, url: &str, old: u64, checkpoint: &Checkpoint, note: &str) -> Answer {
    let proof = if old == 0 || old > checkpoint.size {
        Vec::new()
    } else {
        match store.consistency_proof(old, checkpoint.size) {
            Ok(view) => view.path,
            Err(e) => return Answer::Failed(e.to_string()),
        }
    };
    let body = AddCheckpoint {
        old_size: old,
        proof,
        checkpoint: note.to_owned(),
    }
    .encode();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let response = agent
        .post(&format!("{url}/add-checkpoint"))
        .content_type("text/plain; charset=utf-8")
        .send(body.as_bytes());
    let mut response = match response {
        Ok(r) => r,
        Err(e) => return Answer::Failed(format!("{url}: {e}")),
    };
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_default();
    match status {
        200 => match parse_cosignature_lines(&text) {
            Ok(lines) => Answer::Lines(lines),
            Err(e) => Answer::Failed(format!("{url}: {e}")),
        },
        409 => match parse_size(&text) {
            Ok(size) => Answer::Conflict(size),
            Err(e) => Answer::Failed(format!("{url}: 409 without a size: {e}")),
        },
        other => Answer::Failed(format!("{url}: status {other}: {}", text.trim())),
    }
}
