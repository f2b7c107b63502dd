//! `monitor`'s watch on who can read reports (DESIGN §11): every recipient directory version
//! since the last run, checked and reported change by change, so an outside body sees each
//! key that was added, removed or changed, and each suspension.
//!
//! Contract: [`follow`] walks the versions after the one kept in the state folder (at most
//! [`MAX_VERSIONS_PER_RUN`] per run) and accepts each only if it verifies against the pinned
//! trust root (or a root the officers rotated it from, for versions signed before), follows the previous one (`seq`, `prev`), and is the leaf at its index in the
//! witnessed checkpoint the monitor just checked. A version the checkpoint does not cover yet
//! is left for the next run. The suspension list is unsigned; it is reported, not trusted.
//! Every problem is a FAIL reason (a sentence); nothing here writes the state folder: the
//! caller writes [`Followed::state`] once the whole run passed.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::clients::log::LogClient;
use crate::protocol::log::checkpoint::Checkpoint;
use crate::protocol::trust::{
    DirectoryEntry, DirectoryError, TrustRoot, VerifiedDirectory, changes, check_successor,
    verify_directory,
};

pub const STATE_DIRECTORY: &str = "directory.json";
pub const MAX_VERSIONS_PER_RUN: u64 = 1000;

/// What the state folder keeps: the newest version checked, and the suspensions last seen.
#[derive(Serialize, Deserialize)]
struct Kept {
    document: String,
    suspended: Vec<String>,
}

/// What a run found.
pub struct Followed {
    /// One line per change, for the monitor's output.
    pub lines: Vec<String>,
    /// The state file's new text, if anything changed.
    pub state: Option<String>,
}

fn label_of(entries: &[DirectoryEntry], kid: &str) -> String {
    entries
        .iter()
        .find(|e| e.kid == kid)
        .map_or_else(|| kid.to_owned(), |e| format!("{} (key {kid})", e.label))
}

/// See the module contract.
pub fn follow(
    client: &LogClient,
    roots: &[TrustRoot],
    checkpoint: &Checkpoint,
    state: &Path,
) -> Result<Followed, String> {
    // A version is accepted when the officers of the current root, or of a root it was
    // rotated from, signed it: versions published before a rotation stay valid history.
    let verify = |text: &str| {
        let mut last = Err(DirectoryError::NoQuorum {
            found: 0,
            needed: 0,
        });
        for root in roots.iter().rev() {
            last = verify_directory(root, text);
            if last.is_ok() {
                break;
            }
        }
        last
    };
    let path = state.join(STATE_DIRECTORY);
    let kept: Option<Kept> = match std::fs::read_to_string(&path) {
        Ok(text) => Some(
            serde_json::from_str(&text)
                .map_err(|e| format!("{} is damaged: {e}", path.display()))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut last: Option<VerifiedDirectory> = match &kept {
        Some(k) => Some(verify(&k.document).map_err(|e| {
            format!(
                "the kept directory in {} does not verify: {e}",
                path.display()
            )
        })?),
        None => None,
    };
    let current = match client.directory() {
        Ok(view) => view,
        Err(e) if e.api_code() == Some("no_directory") && last.is_none() => {
            return Ok(Followed {
                lines: vec!["no recipient directory is signed yet: nobody can read reports".into()],
                state: None,
            });
        }
        Err(e) => return Err(format!("fetching the recipient directory: {e}")),
    };
    let last_seq = last.as_ref().map_or(0, |d| d.payload.seq);
    if current.seq < last_seq {
        return Err(format!(
            "the recipient directory went back from version {last_seq} to {}",
            current.seq
        ));
    }
    let mut lines = Vec::new();
    let mut document = kept.as_ref().map(|k| k.document.clone());
    let until = current.seq.min(last_seq + MAX_VERSIONS_PER_RUN);
    for seq in last_seq + 1..=until {
        let (text, log) = if seq == current.seq {
            (current.directory.clone(), current.log)
        } else {
            let v = client
                .directory_version(seq)
                .map_err(|e| format!("fetching directory version {seq}: {e}"))?;
            if v.seq != seq {
                return Err(format!("asked for directory version {seq}, got {}", v.seq));
            }
            (v.directory, v.log)
        };
        let next = verify(&text).map_err(|e| format!("directory version {seq}: {e}"))?;
        if next.payload.seq != seq {
            return Err(format!(
                "directory version {seq} says it is {}",
                next.payload.seq
            ));
        }
        if let Some(prev) = &last {
            check_successor(prev, &next).map_err(|e| e.to_string())?;
        }
        if log >= checkpoint.size {
            lines.push(format!(
                "directory version {seq} is not in the checkpoint yet; checked next run"
            ));
            break;
        }
        client
            .prove_inclusion(text.as_bytes(), log, checkpoint)
            .map_err(|e| format!("directory version {seq}: {e}"))?;
        let before = last.as_ref().map_or(&[][..], |d| &d.payload.entries[..]);
        let list = changes(before, &next.payload.entries);
        if list.is_empty() {
            lines.push(format!("directory version {seq}: no change of readers"));
        }
        for change in list {
            lines.push(format!(
                "directory version {seq} (signed by {} officers): {change}",
                next.signers.len()
            ));
        }
        last = Some(next);
        document = Some(text);
    }
    let Some(newest) = &last else {
        return Ok(Followed { lines, state: None });
    };
    let entries = &newest.payload.entries;
    let was: &[String] = kept.as_ref().map_or(&[], |k| &k.suspended);
    for kid in current.suspended.iter().filter(|k| !was.contains(k)) {
        lines.push(format!("suspended: {}", label_of(entries, kid)));
    }
    for kid in was.iter().filter(|k| !current.suspended.contains(k)) {
        lines.push(format!("no longer suspended: {}", label_of(entries, kid)));
    }
    let state = serde_json::to_string(&Kept {
        document: document.unwrap_or_default(),
        suspended: current.suspended,
    })
    .map_err(|e| e.to_string())?;
    Ok(Followed {
        lines,
        state: Some(state),
    })
}
