//! The Ed25519 keys that sign receipts and statements: their files in `keys/`, and the JWKS
//! the service publishes. The key type itself and the JWK format are
//! `protocol::statements::signer`.
//!
//! Files (DESIGN §4, §10), all in the keys directory, which is created 0700 if missing:
//! - `receipt-signing.key`: the current key's 32-byte seed, b64u, newline. Created with mode
//!   0600 at open time (`create_new`), so it is never readable by others, not even briefly.
//! - `receipt-retired/<kid>.pub`: each retired public key, b64u. These stay in the JWKS so
//!   statements signed before a rotation keep verifying.
//!
//! A key file or directory that group or others can access is not refused: the server warns
//! (`tracing::warn!`) and starts, because refusing would turn a permissions slip into an outage
//! while the fix (chmod) is the operator's anyway.
//!
//! [`ReceiptKeys::rotate`] is for an offline admin command: a running server keeps the keys it
//! loaded until restarted. Rotation first retires the old public key, then replaces the current
//! key by write-temp-then-rename, so a crash at any point leaves a loadable, complete set.
//!
//! No error or `Debug` output contains key material; seeds live in `Zeroizing` buffers.

use std::fs;
use std::io;
use std::path::Path;

use ed25519_dalek::VerifyingKey;
use zeroize::Zeroizing;

use crate::files as keyfile;
use crate::protocol::b64;
use crate::protocol::statements::{Jwk, Jwks, ReceiptSigner, StatementVerifier, ed25519_kid};

pub const SIGNING_KEY_FILE: &str = "receipt-signing.key";
pub const RETIRED_DIR: &str = "receipt-retired";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key store I/O: {0}")]
    Io(#[from] io::Error),
    #[error("key file invalid: {0}")]
    Format(String),
}

/// The signing key plus the public keys of every earlier signing key.
#[derive(Debug)]
pub struct ReceiptKeys {
    pub current: std::sync::Arc<ReceiptSigner>,
    /// Sorted by kid; never contains the current key.
    pub retired: Vec<VerifyingKey>,
}

impl ReceiptKeys {
    /// Loads the keys from `dir`, creating the directory (0700) and a new signing key (0600) on
    /// first use.
    pub fn load_or_create(dir: &Path) -> Result<ReceiptKeys, KeyError> {
        keyfile::ensure_private_dir(dir).map_err(key_err)?;
        let seed = keyfile::load_or_create_secret(&dir.join(SIGNING_KEY_FILE)).map_err(key_err)?;
        let current = ReceiptSigner::from_seed(*seed);
        let mut retired = read_retired(&dir.join(RETIRED_DIR))?;
        // A crash mid-rotation can leave the current key also filed as retired.
        retired.retain(|k| k.as_bytes() != &current.public_key());
        Ok(ReceiptKeys {
            current: std::sync::Arc::new(current),
            retired,
        })
    }

    /// Retires the current key (its public key stays in the JWKS) and makes a new one.
    /// Returns the new kid. Run it with the server stopped; it takes effect on next start.
    pub fn rotate(dir: &Path) -> Result<String, KeyError> {
        let old = Self::load_or_create(dir)?;
        let retired_dir = dir.join(RETIRED_DIR);
        keyfile::ensure_private_dir(&retired_dir).map_err(key_err)?;
        let old_pk = old.current.public_key();
        let pub_path = retired_dir.join(format!("{}.pub", old.current.kid()));
        keyfile::replace_private_file(&pub_path, &[b64::encode(old_pk).as_bytes(), b"\n"])
            .map_err(key_err)?;

        let seed = Zeroizing::new(crate::protocol::crypto::random_bytes::<32>());
        let text = Zeroizing::new(b64::encode(seed.as_slice()));
        keyfile::replace_private_file(&dir.join(SIGNING_KEY_FILE), &[text.as_bytes(), b"\n"])
            .map_err(key_err)?;
        Ok(ReceiptSigner::from_seed(*seed).kid().to_owned())
    }

    /// Current key first, then the retired ones.
    pub fn jwks(&self) -> Jwks {
        let current = std::iter::once(self.current.public_key());
        let retired = self.retired.iter().map(VerifyingKey::to_bytes);
        Jwks {
            keys: current.chain(retired).map(|pk| Jwk::ed25519(&pk)).collect(),
        }
    }

    /// A verifier trusting the current and every retired key.
    pub fn verifier(&self) -> StatementVerifier {
        let retired = self.retired.iter().copied();
        StatementVerifier::from_keys(std::iter::once(self.current.verifying_key()).chain(retired))
    }
}

/// Key-file errors: a malformed file is a format error, the rest is I/O.
fn key_err(e: io::Error) -> KeyError {
    if e.kind() == io::ErrorKind::InvalidData {
        KeyError::Format(e.to_string())
    } else {
        KeyError::Io(e)
    }
}

fn read_retired(dir: &Path) -> Result<Vec<VerifyingKey>, KeyError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(KeyError::Io(e)),
    };
    let mut keys = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let Some(kid) = path
            .file_name()
            .and_then(|n| n.to_str()?.strip_suffix(".pub"))
        else {
            continue; // temp files and anything else are not retired keys
        };
        let text = fs::read_to_string(&path)?;
        let bad = |why: &str| KeyError::Format(format!("{}: {why}", path.display()));
        let pk =
            b64::decode_array::<32>(text.trim_end()).ok_or_else(|| bad("not b64u 32 bytes"))?;
        if ed25519_kid(&pk) != kid {
            return Err(bad("file name is not the key's kid"));
        }
        keys.push((
            kid.to_owned(),
            VerifyingKey::from_bytes(&pk).map_err(|_| bad("bad key"))?,
        ));
    }
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(keys.into_iter().map(|(_, k)| k).collect())
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
