//! What a staff client checks before it wraps a case key to a colleague, and remembers between
//! sessions (DESIGN §11).
//!
//! Contract:
//! - A colleague's key receives a case key only if the recipient directory lists it, unchanged
//!   and not suspended, and that directory passed `protocol::trust::check_directory_view`
//!   against the trust root this client pinned ([`trusted_directory`]).
//! - The trust root of a server is pinned on first use; a different one later is an error.
//!   So is a colleague whose key changed since this client last wrapped to them: a changed key
//!   is an error, not a prompt. Pins live in `staff-pins.json` beside the session file (mode
//!   0600), or only in memory for a client without one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::clients::ClientError;
use crate::clients::reporter::TrustedDirectory;
use crate::protocol::trust::{TrustRoot, check_directory_view};
use crate::protocol::wire::DirectoryView;

#[derive(Default, Serialize, Deserialize)]
struct PinFile {
    /// By server URL: the trust root's text as first seen.
    roots: BTreeMap<String, String>,
    /// By server URL and colleague (user id, or kid for holders): the kid wrapped to.
    keys: BTreeMap<String, String>,
}

/// The pins of one machine (see the module contract).
#[derive(Default)]
pub struct Pins {
    path: Option<PathBuf>,
    file: PinFile,
}

impl Pins {
    pub fn in_memory() -> Pins {
        Pins::default()
    }

    /// The pins kept beside `session_path` (none yet if the file is missing).
    pub fn beside(session_path: &Path) -> Result<Pins, ClientError> {
        let path = session_path.with_file_name("staff-pins.json");
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| ClientError::Protocol(format!("{}: {e}", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => PinFile::default(),
            Err(e) => return Err(e.into()),
        };
        Ok(Pins {
            path: Some(path),
            file,
        })
    }

    fn save(&self) -> Result<(), ClientError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::files::ensure_private_dir(dir)?;
        }
        let text = serde_json::to_string_pretty(&self.file)
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        crate::files::replace_private_file(path, &[text.as_bytes(), b"\n"])?;
        Ok(())
    }

    /// The server's trust root: `fetched` if it is the one pinned (or the first seen), or one
    /// the pinned root's officers rotated it to (`rotations` fetches the server's list).
    pub fn root(
        &mut self,
        server: &str,
        fetched: &str,
        rotations: impl FnOnce() -> Result<Vec<crate::protocol::trust::DirectoryDocument>, ClientError>,
    ) -> Result<TrustRoot, ClientError> {
        let server = server.trim_end_matches('/').to_owned();
        match self.file.roots.get(&server) {
            Some(pinned) if pinned != fetched => {
                crate::protocol::trust::rotation::follow(pinned, fetched, &rotations()?).map_err(
                    |e| {
                        ClientError::Untrusted(format!(
                            "{server} now serves another trust root than the one this machine \
                             pinned, and {e}; if the installation really started over, remove \
                             the entry from the pins file"
                        ))
                    },
                )?;
                self.file.roots.insert(server, fetched.to_owned());
                self.save()?;
            }
            Some(_) => {}
            None => {
                TrustRoot::parse(fetched).map_err(|e| ClientError::Untrusted(e.to_string()))?;
                self.file.roots.insert(server, fetched.to_owned());
                self.save()?;
            }
        }
        TrustRoot::parse(fetched).map_err(|e| ClientError::Untrusted(e.to_string()))
    }

    /// Records that `who` holds `kid` on `server`, refusing a change.
    pub fn colleague(&mut self, server: &str, who: &str, kid: &str) -> Result<(), ClientError> {
        let key = format!("{} {who}", server.trim_end_matches('/'));
        match self.file.keys.get(&key) {
            Some(pinned) if pinned != kid => Err(ClientError::Untrusted(format!(
                "the key of {who} changed since this machine last wrapped a case key to it \
                 (was {pinned}, now {kid}); ask them and an officer before going on"
            ))),
            Some(_) => Ok(()),
            None => {
                self.file.keys.insert(key, kid.to_owned());
                self.save()
            }
        }
    }
}

/// The directory answer, checked against `root` (see the module contract).
pub fn trusted_directory(
    root: &TrustRoot,
    view: DirectoryView,
) -> Result<TrustedDirectory, ClientError> {
    let (directory, _) =
        check_directory_view(root, &view).map_err(|e| ClientError::Untrusted(e.to_string()))?;
    Ok(TrustedDirectory {
        directory,
        suspended: view.suspended,
    })
}

/// `public_key` of `kid`, if the directory lists it unchanged and unsuspended.
pub fn listed_key(
    directory: &TrustedDirectory,
    who: &str,
    kid: &str,
    public_key: &[u8; 32],
) -> Result<[u8; 32], ClientError> {
    let entry = directory
        .directory
        .entry(kid)
        .filter(|_| !directory.suspended.iter().any(|s| s == kid))
        .ok_or_else(|| {
            ClientError::Untrusted(format!(
                "the key {kid} of {who} is not in the signed recipient directory (or is \
                 suspended); no case key is wrapped to it"
            ))
        })?;
    if &entry.public_key != public_key {
        return Err(ClientError::Untrusted(format!(
            "the server gave another key for {kid} than the signed directory"
        )));
    }
    Ok(entry.public_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_root_or_colleague_key_is_refused_across_sessions() {
        let dir = std::env::temp_dir().join(format!(
            "meldpunt-pins-{}",
            crate::protocol::b64::encode(crate::protocol::crypto::random_bytes::<6>())
        ));
        let session = dir.join("staff-session.json");
        let root = crate::protocol::trust::root::tests::sample();
        let text = root.to_file_text();
        let mut pins = Pins::beside(&session).unwrap();
        let none = || Ok(Vec::new());
        assert_eq!(pins.root("https://m.test/", &text, none).unwrap(), root);
        pins.colleague("https://m.test", "user u1", "kid-a")
            .unwrap();
        // A new session on the same machine remembers both.
        let mut again = Pins::beside(&session).unwrap();
        let other_text = text.replace("\"threshold\": 2", "\"threshold\": 1");
        assert!(matches!(
            again.root("https://m.test", &other_text, none),
            Err(ClientError::Untrusted(_))
        ));
        // A rotation the pinned root's officers signed moves the pin.
        let mut next = root.clone();
        next.officers[1].name = "new ombudsman".into();
        let mut rotation = crate::protocol::trust::rotation::propose(&text, &next);
        for seed in [[1u8; 32], [2u8; 32]] {
            crate::protocol::trust::rotation::sign(&mut rotation, &root, &seed);
        }
        let next_text = next.to_file_text();
        let moved = again.root("https://m.test", &next_text, || Ok(vec![rotation.clone()]));
        assert_eq!(moved.unwrap(), next);
        let third = Pins::beside(&session).unwrap();
        assert_eq!(third.file.roots["https://m.test"], next_text);
        assert!(
            again
                .colleague("https://m.test", "user u1", "kid-a")
                .is_ok()
        );
        assert!(matches!(
            again.colleague("https://m.test", "user u1", "kid-b"),
            Err(ClientError::Untrusted(m)) if m.contains("changed")
        ));
        // Pins are per server.
        assert!(
            again
                .colleague("https://other.test", "user u1", "kid-b")
                .is_ok()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
