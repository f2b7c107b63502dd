//! The transparency log as the running service uses it (DESIGN §5): the note key in `keys/`,
//! signed checkpoints issued on a schedule and stored, and the proofs and leaf hashes that the
//! public endpoints and the reporter's case view serve.
//!
//! Contract:
//! - The note key lives in `keys/log-note.key` (32-byte Ed25519 seed, b64u, mode 0600, created on
//!   first start). Its name, which is also every checkpoint's origin, is `<host>/log` where
//!   `<host>` is the public URL's host (with its port, if any; without scheme, user info and
//!   path), lowercased: `https://meldpunt.test` gives `meldpunt.test/log`.
//! - [`sign_checkpoint`] signs the tree as it is now unless the newest stored checkpoint
//!   already has this size and these extension lines; [`record_checkpoint`], a sequencer
//!   change, stores the note (newest and in the history by size) if no other checkpoint was
//!   stored in between (`App::issue_checkpoint` runs the two). It refuses to sign a tree smaller than the newest checkpoint, and to sign
//!   at all when the newest checkpoint is not signed by this key (another public URL or key
//!   file) or when the tree no longer has the newest checkpoint's root at its size: a log never
//!   changes identity or forks silently.
//! - Extension lines: [`sign_checkpoint`] takes them as an argument; the service's one line is
//!   the audit-chain head (DESIGN §6, `App::issue_checkpoint`).
//! - Proofs and leaf hashes are served only up to the size of the newest published checkpoint
//!   ([`published_size`]), never up to the live tree: a poller who could watch the live tree
//!   grow would learn when each leaf (and so each report) arrived, to the second, while the
//!   checkpoint schedule only reveals the hour (DESIGN §11).
//! - Nothing here reads statement contents; only leaf hashes and tree hashes leave.

use std::path::Path;

use crate::protocol::log::checkpoint::{Checkpoint, open_signed_checkpoint};
use crate::protocol::log::note::{NoteError, NoteSigner};
use crate::protocol::wire::InclusionProofView;
use crate::server::sequencer::Tx;
use crate::server::store::{StatementEntry, Store, StoreError};

/// The note key's file in the keys folder.
pub const NOTE_KEY_FILE: &str = "log-note.key";
pub use crate::protocol::wire::MAX_LEAF_HASHES;

#[derive(Debug, thiserror::Error)]
pub enum LogServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("log checkpoint: {0}")]
    Note(#[from] NoteError),
    #[error("log note key {path}: {source}")]
    Key {
        path: String,
        source: std::io::Error,
    },
    #[error("the log has {current} leaves but a checkpoint of {checkpointed} was issued")]
    Shrunk { current: u64, checkpointed: u64 },
    #[error(
        "the newest stored checkpoint (origin {origin:?}) is not signed by this note key \
         ({name:?}): the public URL or keys/log-note.key differ from the ones that signed it; \
         use the server's settings"
    )]
    ForeignCheckpoint { origin: String, name: String },
    #[error(
        "the log's first {size} entries no longer hash to the root of the checkpoint of {size}: \
         the database was replaced or rewritten; refusing to sign a fork"
    )]
    Rewritten { size: u64 },
    #[error("another checkpoint was stored while this one was signed; issue it again")]
    Raced,
    #[error("the checkpoint was not published: {0}")]
    Cosigning(String),
}

/// `<host>/log` for a public URL such as `https://meldpunt.test/path` (see the module doc).
pub fn origin_for(public_url: &str) -> String {
    let rest = public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host: String = host
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control() && *c != '+')
        .collect::<String>()
        .to_lowercase();
    if host.is_empty() {
        "meldpunt/log".to_owned()
    } else {
        format!("{host}/log")
    }
}

/// Loads the note signing key from `keys_dir` (creating it on first start), named for
/// `public_url`.
pub fn load_note_signer(keys_dir: &Path, public_url: &str) -> Result<NoteSigner, LogServiceError> {
    let path = keys_dir.join(NOTE_KEY_FILE);
    let seed =
        crate::files::load_or_create_secret(&path).map_err(|source| LogServiceError::Key {
            path: path.display().to_string(),
            source,
        })?;
    Ok(NoteSigner::from_seed(&origin_for(public_url), &seed)?)
}

/// A signed checkpoint and what it says.
#[derive(Debug, Clone)]
pub struct Issued {
    pub note: String,
    pub checkpoint: Checkpoint,
    /// Whether this call signed it (false: the newest stored one still describes the tree).
    pub fresh: bool,
    /// The newest stored checkpoint when this one was signed: [`record_checkpoint`] stores
    /// this one only if that is still the newest.
    replaces: Option<String>,
}

impl Issued {
    /// The size of the checkpoint this one follows (0 for the first): what the witnesses
    /// should hold.
    pub fn previous_size(&self) -> u64 {
        self.replaces
            .as_deref()
            .and_then(|note| note.split('\n').nth(1)?.parse().ok())
            .unwrap_or(0)
    }
}

/// The newest stored checkpoint, opened with `signer`'s verifier. A stored note that does not
/// verify (the note key was replaced) is reported and treated as absent.
pub fn latest_checkpoint(
    store: &dyn Store,
    signer: &NoteSigner,
) -> Result<Option<(String, Checkpoint)>, LogServiceError> {
    let Some(note) = store.latest_checkpoint()? else {
        return Ok(None);
    };
    match open_signed_checkpoint(&note, &signer.verifier()) {
        Ok(checkpoint) => Ok(Some((note, checkpoint))),
        Err(e) => {
            tracing::warn!(error = %e, "the stored checkpoint does not verify with the note key");
            Ok(None)
        }
    }
}

/// The number of leaves the public may see proofs and hashes for: the size of the newest
/// published checkpoint, 0 before the first.
pub fn published_size(store: &dyn Store, signer: &NoteSigner) -> Result<u64, LogServiceError> {
    Ok(latest_checkpoint(store, signer)?.map_or(0, |(_, checkpoint)| checkpoint.size))
}

/// Signs a checkpoint of the stored tree as it is now, unless the newest one already
/// describes it (see the module doc). Nothing is written: [`record_checkpoint`] stores it.
pub fn sign_checkpoint(
    store: &dyn Store,
    signer: &NoteSigner,
    extensions: Vec<String>,
) -> Result<Issued, LogServiceError> {
    // A batch's writes become visible to reads all at once, so the nodes of `size` are there
    // once `size` is.
    let size = store.log_size()?;
    let root = store.log_root(size)?;
    let latest = match store.latest_checkpoint()? {
        None => None,
        Some(note) => match open_signed_checkpoint(&note, &signer.verifier()) {
            Ok(checkpoint) => Some((note, checkpoint)),
            // Never start a second log identity silently: monitors would see a stranger.
            Err(_) => {
                return Err(LogServiceError::ForeignCheckpoint {
                    origin: note.lines().next().unwrap_or_default().to_owned(),
                    name: signer.name().to_owned(),
                });
            }
        },
    };
    if let Some((note, checkpoint)) = &latest {
        if checkpoint.size > size {
            return Err(LogServiceError::Shrunk {
                current: size,
                checkpointed: checkpoint.size,
            });
        }
        // The tree must still extend what was signed; otherwise signing would publish a fork.
        if store.log_root(checkpoint.size)? != checkpoint.root {
            return Err(LogServiceError::Rewritten {
                size: checkpoint.size,
            });
        }
        if checkpoint.size == size && checkpoint.extensions == extensions {
            return Ok(Issued {
                note: note.clone(),
                checkpoint: checkpoint.clone(),
                fresh: false,
                replaces: Some(note.clone()),
            });
        }
    }
    let checkpoint = Checkpoint {
        origin: signer.name().to_owned(),
        size,
        root,
        extensions,
    };
    let note = checkpoint.sign(signer)?;
    Ok(Issued {
        note,
        checkpoint,
        fresh: true,
        replaces: latest.map(|(note, _)| note),
    })
}

/// The sequencer change that stores a fresh checkpoint: refused with
/// [`LogServiceError::Raced`] if another was stored since it was signed (the log only grows,
/// so the signed size is still a prefix of the tree).
pub fn record_checkpoint(tx: &mut Tx<'_>, issued: &Issued) -> Result<(), LogServiceError> {
    if !issued.fresh {
        return Ok(());
    }
    if tx.latest_checkpoint()? != issued.replaces {
        return Err(LogServiceError::Raced);
    }
    tx.put_checkpoint(issued.checkpoint.size, issued.note.clone());
    Ok(())
}

/// For each statement, its inclusion proof against `checkpoint`, or `None` if the checkpoint
/// does not cover it yet.
pub fn statement_proofs(
    store: &dyn Store,
    statements: &[StatementEntry],
    checkpoint: &Checkpoint,
) -> Result<Vec<Option<InclusionProofView>>, LogServiceError> {
    statements
        .iter()
        .map(|entry| match entry.log {
            index if index < checkpoint.size => {
                Ok(Some(store.inclusion_proof(index, checkpoint.size)?))
            }
            _ => Ok(None),
        })
        .collect()
}

#[cfg(test)]
mod tests;
