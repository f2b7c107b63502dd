//! The witness's durable record: per log origin, the size and root of the newest checkpoint it
//! cosigned, in `witness-state.json` in the state folder.
//!
//! Contract: [`save`] replaces the file atomically and durably (0600 temp file, fsync, rename,
//! fsync of the folder, `files::replace_private_file`), so after a crash the file is the old
//! record or the new one, never a mix. [`load`] refuses a file it cannot read exactly: a
//! witness that silently started from zero could be made to cosign a rolled-back log.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::protocol::b64;

const FORMAT: &str = "meldpunt-witness-state/1";

/// The newest cosigned checkpoint of one log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub size: u64,
    pub root: [u8; 32],
}

/// Origin → newest cosigned checkpoint.
pub type Records = BTreeMap<String, Recorded>;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    size: u64,
    /// Standard base64, as in the checkpoint's root line.
    root: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    format: String,
    logs: BTreeMap<String, Entry>,
}

fn invalid(path: &Path, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {what}", path.display()),
    )
}

/// Reads the record at `path`; `NotFound` if there is none.
pub fn load(path: &Path) -> io::Result<Records> {
    let text = std::fs::read_to_string(path)?;
    let file: StateFile = serde_json::from_str(&text)
        .map_err(|e| invalid(path, &format!("not a witness state file: {e}")))?;
    if file.format != FORMAT {
        return Err(invalid(path, "unknown witness state format"));
    }
    let mut records = Records::new();
    for (origin, entry) in file.logs {
        let root = b64::decode_std(&entry.root)
            .and_then(|r| <[u8; 32]>::try_from(r).ok())
            .ok_or_else(|| invalid(path, "a root is not base64 of 32 bytes"))?;
        records.insert(
            origin,
            Recorded {
                size: entry.size,
                root,
            },
        );
    }
    Ok(records)
}

/// Replaces the record at `path` with `records`, durably.
pub fn save(path: &Path, records: &Records) -> io::Result<()> {
    let file = StateFile {
        format: FORMAT.to_owned(),
        logs: records
            .iter()
            .map(|(origin, r)| {
                let entry = Entry {
                    size: r.size,
                    root: b64::encode_std(r.root),
                };
                (origin.clone(), entry)
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(io::Error::other)?;
    text.push('\n');
    crate::files::replace_private_file(path, &[text.as_bytes()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_and_a_bad_file_is_refused() {
        let dir = std::env::temp_dir().join(format!(
            "meldpunt-witness-state-{}",
            b64::encode(crate::protocol::crypto::random_bytes::<6>())
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("witness-state.json");
        assert_eq!(load(&path).unwrap_err().kind(), io::ErrorKind::NotFound);
        let mut records = Records::new();
        records.insert(
            "example.com/log".into(),
            Recorded {
                size: 7,
                root: [3; 32],
            },
        );
        save(&path, &records).unwrap();
        assert_eq!(load(&path).unwrap(), records);
        for bad in [
            "{}",
            r#"{"format":"other","logs":{}}"#,
            r#"{"format":"meldpunt-witness-state/1","logs":{"o":{"size":1,"root":"AA=="}}}"#,
            r#"{"format":"meldpunt-witness-state/1","logs":{},"extra":1}"#,
        ] {
            std::fs::write(&path, bad).unwrap();
            assert_eq!(
                load(&path).unwrap_err().kind(),
                io::ErrorKind::InvalidData,
                "{bad}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
