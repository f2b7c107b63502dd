//! The installation's trust root on the server (DESIGN §11): read from `keys/trust-root.json`
//! at start, served inside the web bundle, and checked against the service's own settings.
//!
//! Contract:
//! - A root whose `origin` is not the public URL, or whose `log_key` is not this log's note
//!   key, stops the start: clients would refuse everything the service signs.
//! - On a fresh installation (an empty database) whose keys folder has no root, the service
//!   makes a **development** root so a
//!   newcomer can try everything on one machine: two officer keys (`dev-officer-1.key`,
//!   `dev-officer-2.key`) and one witness key (`dev-witness.key`) in the keys folder, threshold
//!   2, witness threshold 1, marked `"development": true`. It protects nothing (whoever has the
//!   keys folder has every officer key), and the service says so at every start. A real
//!   installation writes its root with `meldpunt trust-root init` from officer and witness keys
//!   made on other machines.
//! - A database with content but no root (made before trust roots existed) does not start:
//!   the operator writes a real root with `meldpunt trust-root init` (README, "Upgrading"), so
//!   an existing installation never runs on a development root by accident.
//! - The root's text is served byte for byte as `/trust-root.json`, so the bundle hash covers it.

use std::path::{Path, PathBuf};

use crate::protocol::log::cosignature::CosignatureSigner;
use crate::protocol::log::note::NoteSigner;
use crate::protocol::statements::ed25519_kid;
use crate::protocol::trust::root::TRUST_ROOT_FILE;
use crate::protocol::trust::{Officer, TrustRoot, Witness};

/// The development root's officer key files, in the keys folder.
pub const DEV_OFFICER_FILES: [&str; 2] = ["dev-officer-1.key", "dev-officer-2.key"];
/// The development root's witness key file, in the keys folder.
pub const DEV_WITNESS_FILE: &str = "dev-witness.key";

#[derive(Debug, thiserror::Error)]
pub enum TrustSetupError {
    #[error("trust root {path}: {message}")]
    File { path: String, message: String },
    #[error(
        "there is no trust root at {path}, and this database already holds data, so no \
         development root is made for it: have the directory officers make their keys \
         (`meldpunt officer keygen`) and write the root with `meldpunt trust-root init` (see \
         the README, \"Upgrading\")"
    )]
    Missing { path: String },
    #[error(
        "trust root {path} is for {found:?}, but this service's public URL is {expected:?}; \
         set public_url to the root's origin, or make a new root"
    )]
    Origin {
        path: String,
        expected: String,
        found: String,
    },
    #[error(
        "trust root {path} pins another log key than this service's keys/log-note.key \
         ({expected}); the root and the keys folder do not belong together"
    )]
    LogKey { path: String, expected: String },
}

/// The loaded root and its exact file text, and the rotations that led to it.
#[derive(Clone, Debug)]
pub struct TrustSetup {
    pub root: TrustRoot,
    pub text: String,
    pub path: PathBuf,
    /// `keys/trust-root-rotations.json`: every applied rotation, oldest first (DESIGN §11).
    pub rotations: Vec<crate::protocol::trust::DirectoryDocument>,
}

/// Where the applied rotations are kept in a keys folder.
pub fn rotations_path(keys_dir: &Path) -> PathBuf {
    keys_dir.join("trust-root-rotations.json")
}

/// The applied rotations of a keys folder (none if the file is missing).
pub fn load_rotations(
    keys_dir: &Path,
) -> std::io::Result<Vec<crate::protocol::trust::DirectoryDocument>> {
    match std::fs::read_to_string(rotations_path(keys_dir)) {
        Ok(text) => serde_json::from_str(&text).map_err(std::io::Error::other),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Where the root lives in a keys folder.
pub fn root_path(keys_dir: &Path) -> PathBuf {
    keys_dir.join(TRUST_ROOT_FILE)
}

/// The development witness's name for a log origin such as `meldpunt.test/log`.
pub fn dev_witness_name(log_origin: &str) -> String {
    format!("{}/dev-witness", log_origin.trim_end_matches("/log"))
}

/// The development witness's cosigner, if the keys folder has its key.
pub fn dev_witness(keys_dir: &Path, log: &NoteSigner) -> Option<CosignatureSigner> {
    let path = keys_dir.join(DEV_WITNESS_FILE);
    if !path.exists() {
        return None;
    }
    let seed = crate::files::load_or_create_secret(&path).ok()?;
    CosignatureSigner::from_seed(&dev_witness_name(log.name()), &seed).ok()
}

/// Loads the root from the keys folder, making the development root if there is none and the
/// database is `fresh` (see the module contract).
pub fn load_or_create(
    keys_dir: &Path,
    public_url: &str,
    log: &NoteSigner,
    fresh: bool,
) -> Result<TrustSetup, TrustSetupError> {
    let path = root_path(keys_dir);
    let file_err = |message: String| TrustSetupError::File {
        path: path.display().to_string(),
        message,
    };
    if !path.exists() && !fresh {
        return Err(TrustSetupError::Missing {
            path: path.display().to_string(),
        });
    }
    if !path.exists() {
        let root =
            development_root(keys_dir, public_url, log).map_err(|e| file_err(e.to_string()))?;
        crate::files::replace_private_file(&path, &[root.to_file_text().as_bytes()])
            .map_err(|e| file_err(e.to_string()))?;
    }
    let text = std::fs::read_to_string(&path).map_err(|e| file_err(e.to_string()))?;
    let root = TrustRoot::parse(&text).map_err(|e| file_err(e.to_string()))?;
    if root.origin != public_url.trim_end_matches('/') {
        return Err(TrustSetupError::Origin {
            path: path.display().to_string(),
            expected: public_url.to_owned(),
            found: root.origin,
        });
    }
    if root.log_key != log.verifier_key() {
        return Err(TrustSetupError::LogKey {
            path: path.display().to_string(),
            expected: log.verifier_key(),
        });
    }
    let rotations = load_rotations(keys_dir).map_err(|e| file_err(format!("rotations: {e}")))?;
    Ok(TrustSetup {
        root,
        text,
        path,
        rotations,
    })
}

fn development_root(
    keys_dir: &Path,
    public_url: &str,
    log: &NoteSigner,
) -> std::io::Result<TrustRoot> {
    let mut officers = Vec::new();
    for (i, file) in DEV_OFFICER_FILES.iter().enumerate() {
        let seed = crate::files::load_or_create_secret(&keys_dir.join(file))?;
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        officers.push(Officer {
            name: format!("development officer {}", i + 1),
            public_key: key.verifying_key().to_bytes(),
        });
    }
    let seed = crate::files::load_or_create_secret(&keys_dir.join(DEV_WITNESS_FILE))?;
    let witness = CosignatureSigner::from_seed(&dev_witness_name(log.name()), &seed)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(TrustRoot {
        v: 1,
        origin: public_url.trim_end_matches('/').to_owned(),
        officers,
        threshold: 2,
        log_key: log.verifier_key(),
        witnesses: vec![Witness {
            name: witness.name().to_owned(),
            vkey: witness.vkey(),
            url: None,
        }],
        witness_threshold: 1,
        development: true,
    })
}

/// The warning the service prints at every start on a development root.
pub fn development_warning(setup: &TrustSetup, keys_dir: &Path) -> String {
    let kids: Vec<String> = setup
        .root
        .officers
        .iter()
        .map(|o| ed25519_kid(&o.public_key))
        .collect();
    format!(
        "DEVELOPMENT TRUST ROOT ({}): its officer keys ({}) and witness key lie in {}, so it \
         protects nothing. A real installation makes each officer's key on that officer's own \
         machine (`meldpunt officer keygen`) and writes the root with `meldpunt trust-root init`. \
         Officer key ids: {}",
        setup.path.display(),
        DEV_OFFICER_FILES.join(", "),
        keys_dir.display(),
        kids.join(", ")
    )
}
