//! `meldpunt witness`: a C2SP `tlog-witness` that an outside body runs on its own machine. It
//! cosigns a log's checkpoint only if it is signed by the log's pinned key and consistent with
//! the newest checkpoint of that log it cosigned before (`docs/PROTOCOL.md` §12.1).
//!
//! Contract:
//! - [`Witness::add_checkpoint`] makes the spec's checks in the spec's order and answers with
//!   its outcome ([`WitnessAnswer`]; `http` maps them to the spec's status codes).
//! - Checking the old size and recording the new checkpoint happen under one mutex, and the
//!   record is on disk (`state`) before a cosignature is returned: concurrent requests cannot
//!   roll the record back, nor can a crash.
//! - The state folder holds `witness.key` (the Ed25519 cosigning seed, 0600, made on first
//!   start by `files`), `witness-state.json` (the record) and `lock` (held while running, so
//!   two processes never share a record). A key without a record refuses to start: a lost
//!   record would let the witness cosign a log it saw larger before.
//! - Log keys come from the command line; the origin of a log is its key's name. Logs record
//!   only origins and sizes.

pub mod http;
pub mod state;

use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::protocol::log::checkpoint::Checkpoint;
use crate::protocol::log::cosignature::{CosignatureError, CosignatureSigner};
use crate::protocol::log::note::{NoteError, NoteVerifier};
use crate::protocol::log::proof::{empty_root, verify_consistency};
use crate::protocol::log::witness_wire::AddCheckpoint;
use state::{Recorded, Records};

pub const KEY_FILE: &str = "witness.key";
pub const STATE_FILE: &str = "witness-state.json";
const LOCK_FILE: &str = "lock";

/// Why a witness cannot start.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    #[error("the witness name: {0}")]
    Name(CosignatureError),
    #[error("no log keys: a witness needs at least one --log")]
    NoLogs,
    #[error(
        "{0} exists but the record {STATE_FILE} does not: restore the record (a witness that \
         forgot what it cosigned could be made to cosign a rolled-back log) or start afresh \
         with a new state folder and a new key"
    )]
    RecordMissing(PathBuf),
    #[error("another witness process uses the state folder {0}")]
    Locked(PathBuf),
}

fn io_error(what: impl std::fmt::Display) -> impl FnOnce(io::Error) -> WitnessError {
    move |source| WitnessError::Io {
        what: what.to_string(),
        source,
    }
}

/// The outcome of an add-checkpoint request, one per status code of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessAnswer {
    /// 200: the cosignature line(s), without newlines.
    Cosigned(Vec<String>),
    /// 400: the body is malformed, or the old size is larger than the checkpoint's.
    BadRequest(&'static str),
    /// 403: no valid signature by a pinned key of the origin, or a bad one.
    Forbidden,
    /// 404: the checkpoint's origin is not a log this witness knows.
    UnknownLog,
    /// 409: the old size is not the size this witness recorded (carried here).
    Conflict(u64),
    /// 422: the checkpoint is not consistent with the record.
    Inconsistent(&'static str),
    /// 500: the record could not be written; nothing was cosigned.
    Failed,
}

/// A witness: its cosigning key, the logs it knows, and its record.
pub struct Witness {
    signer: CosignatureSigner,
    logs: BTreeMap<String, Vec<NoteVerifier>>,
    state_path: PathBuf,
    records: Mutex<Records>,
    // Held for the process's life; the kernel releases it even on SIGKILL.
    _lock: File,
}

impl std::fmt::Debug for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Witness")
            .field("signer", &self.signer)
            .field("logs", &self.logs.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn lock(dir: &Path) -> Result<File, WitnessError> {
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_error(path.display()))?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive)
        .map_err(|_| WitnessError::Locked(dir.to_owned()))?;
    Ok(file)
}

impl Witness {
    /// Opens (or on first start creates) the witness in `dir`, named `name`, for `logs`.
    pub fn open(dir: &Path, name: &str, logs: Vec<NoteVerifier>) -> Result<Witness, WitnessError> {
        if logs.is_empty() {
            return Err(WitnessError::NoLogs);
        }
        crate::files::ensure_private_dir(dir).map_err(io_error(dir.display()))?;
        let lock = lock(dir)?;
        let (key_path, state_path) = (dir.join(KEY_FILE), dir.join(STATE_FILE));
        let records = match state::load(&state_path) {
            Ok(records) => records,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if key_path.exists() {
                    return Err(WitnessError::RecordMissing(key_path));
                }
                // The empty record first, then the key: a crash between them leaves a record
                // without a key, which is safe (the next start makes a key).
                state::save(&state_path, &Records::new()).map_err(io_error(STATE_FILE))?;
                Records::new()
            }
            Err(e) => return Err(io_error(STATE_FILE)(e)),
        };
        let seed = crate::files::load_or_create_secret(&key_path).map_err(io_error(KEY_FILE))?;
        let signer = CosignatureSigner::from_seed(name, &seed).map_err(WitnessError::Name)?;
        let mut by_origin: BTreeMap<String, Vec<NoteVerifier>> = BTreeMap::new();
        for key in logs {
            by_origin
                .entry(key.name().to_owned())
                .or_default()
                .push(key);
        }
        Ok(Witness {
            signer,
            logs: by_origin,
            state_path,
            records: Mutex::new(records),
            _lock: lock,
        })
    }

    /// The witness's verifier key, the line a trust root pins.
    pub fn vkey(&self) -> String {
        self.signer.vkey()
    }

    /// The origins of the logs this witness knows.
    pub fn origins(&self) -> impl Iterator<Item = &str> {
        self.logs.keys().map(String::as_str)
    }

    /// The newest checkpoint of `origin` this witness cosigned: size and root.
    pub fn recorded(&self, origin: &str) -> Option<(u64, [u8; 32])> {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records.get(origin).map(|r| (r.size, r.root))
    }

    /// Handles an add-checkpoint request body, cosigning at the current time.
    pub fn add_checkpoint(&self, body: &[u8]) -> WitnessAnswer {
        self.add_checkpoint_at(body, crate::protocol::time::now())
    }

    /// Handles an add-checkpoint request body, cosigning at `timestamp`.
    pub fn add_checkpoint_at(&self, body: &[u8], timestamp: u64) -> WitnessAnswer {
        let request = match AddCheckpoint::parse(body) {
            Ok(request) => request,
            Err(_) => return WitnessAnswer::BadRequest("malformed add-checkpoint body"),
        };
        let origin = request.checkpoint.split('\n').next().unwrap_or("");
        // The origin is looked up before anything is verified, so it is never logged unless
        // it is one of ours: the text of an unknown one is whatever a client sent.
        let Some(keys) = self.logs.get(origin) else {
            return WitnessAnswer::UnknownLog;
        };
        let text = match open_with_any(&request.checkpoint, keys) {
            Ok(text) => text,
            Err(answer) => return answer,
        };
        let Ok(checkpoint) = Checkpoint::parse_body(text) else {
            return WitnessAnswer::BadRequest("malformed checkpoint");
        };
        let (old, size) = (request.old_size, checkpoint.size);
        if old > size {
            return WitnessAnswer::BadRequest("the old size is larger than the checkpoint's");
        }
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        let known = records.get(origin).copied().unwrap_or(Recorded {
            size: 0,
            root: empty_root(),
        });
        if old != known.size {
            tracing::debug!(
                origin,
                old,
                size,
                known = known.size,
                "witness: stale old size"
            );
            return WitnessAnswer::Conflict(known.size);
        }
        if size == 0 && checkpoint.root != empty_root() {
            return WitnessAnswer::Inconsistent("a checkpoint of size 0 must have the empty root");
        }
        // Covers the spec's three cases: from 0 the proof must be empty; at the same size the
        // roots must be equal (and the proof empty); otherwise the RFC 6962 proof must verify.
        if !verify_consistency(old, size, &known.root, &checkpoint.root, &request.proof) {
            // The log signed something that does not extend what we cosigned: worth a line.
            tracing::warn!(
                origin,
                old,
                size,
                "witness: inconsistent checkpoint refused"
            );
            return WitnessAnswer::Inconsistent("the consistency proof does not verify");
        }
        let Ok(line) = self.signer.cosign(text, timestamp) else {
            return WitnessAnswer::Failed;
        };
        let new = Recorded {
            size,
            root: checkpoint.root,
        };
        if records.get(origin) != Some(&new) {
            let mut next = records.clone();
            next.insert(origin.to_owned(), new);
            if let Err(e) = state::save(&self.state_path, &next) {
                tracing::error!(error = %e, "witness: cannot write the record; not cosigning");
                return WitnessAnswer::Failed;
            }
            *records = next;
        }
        tracing::info!(origin, old, size, "witness: cosigned");
        WitnessAnswer::Cosigned(vec![line])
    }
}

/// The note's text if a pinned key of its origin signed it. A bad signature line by any pinned
/// key is 403 even if another verifies (the spec: such a note is malformed).
fn open_with_any<'a>(note: &'a str, keys: &[NoteVerifier]) -> Result<&'a str, WitnessAnswer> {
    let mut text = None;
    for key in keys {
        match key.open(note) {
            Ok(t) => text = Some(t),
            Err(NoteError::NotSigned) => {}
            Err(NoteError::BadSignature) => return Err(WitnessAnswer::Forbidden),
            // A second line by one pinned key is a bad line by it, too.
            Err(NoteError::Malformed("duplicate signature by one key")) => {
                return Err(WitnessAnswer::Forbidden);
            }
            Err(_) => return Err(WitnessAnswer::BadRequest("malformed checkpoint note")),
        }
    }
    text.ok_or(WitnessAnswer::Forbidden)
}

#[cfg(test)]
mod tests;
