//! The Ed25519 keys that sign receipts and statements, their files in `keys/`, and the JWKS.
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

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand::TryRng;
use rand::rngs::SysRng;
use ring::digest;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::jws::{ALG_ED25519, StatementVerifier};
use crate::b64;

pub const SIGNING_KEY_FILE: &str = "receipt-signing.key";
pub const RETIRED_DIR: &str = "receipt-retired";
const TEMP_SUFFIX: &str = ".tmp";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key store I/O: {0}")]
    Io(#[from] io::Error),
    #[error("key file invalid: {0}")]
    Format(String),
    #[error("no randomness from the operating system: {0}")]
    Rng(String),
}

/// The current signing key and its `kid`.
pub struct ReceiptSigner {
    key: SigningKey,
    kid: String,
}

impl std::fmt::Debug for ReceiptSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptSigner")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl ReceiptSigner {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let seed = Zeroizing::new(seed);
        let key = SigningKey::from_bytes(&seed);
        let kid = ed25519_kid(key.verifying_key().as_bytes());
        ReceiptSigner { key, kid }
    }

    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, KeyError> {
        Ok(Self::from_seed(*random_seed()?))
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Raw Ed25519 signature over `message`. Crate-private: this key signs JWS statements
    /// only, so no other format can ever be confused with one (the log has its own note key).
    pub(crate) fn sign(&self, message: &[u8]) -> Signature {
        self.key.sign(message)
    }
}

/// RFC 7638 thumbprint of the Ed25519 public key's JWK, b64u.
pub fn ed25519_kid(pk: &[u8; 32]) -> String {
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        b64::encode(pk)
    );
    b64::encode(digest::digest(&digest::SHA256, canonical.as_bytes()))
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub kid: String,
    #[serde(rename = "use")]
    pub use_: String,
    pub alg: String,
}

impl Jwk {
    pub fn ed25519(pk: &[u8; 32]) -> Self {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: b64::encode(pk),
            kid: ed25519_kid(pk),
            use_: "sig".into(),
            alg: ALG_ED25519.into(),
        }
    }
}

/// The signing key plus the public keys of every earlier signing key.
#[derive(Debug)]
pub struct ReceiptKeys {
    pub current: ReceiptSigner,
    /// Sorted by kid; never contains the current key.
    pub retired: Vec<VerifyingKey>,
}

impl ReceiptKeys {
    /// Loads the keys from `dir`, creating the directory (0700) and a new signing key (0600) on
    /// first use.
    pub fn load_or_create(dir: &Path) -> Result<ReceiptKeys, KeyError> {
        ensure_private_dir(dir)?;
        let current = load_or_create_seed(dir, true)?;
        let mut retired = read_retired(&dir.join(RETIRED_DIR))?;
        // A crash mid-rotation can leave the current key also filed as retired.
        retired.retain(|k| k.as_bytes() != &current.public_key());
        Ok(ReceiptKeys { current, retired })
    }

    /// Retires the current key (its public key stays in the JWKS) and makes a new one.
    /// Returns the new kid. Run it with the server stopped; it takes effect on next start.
    pub fn rotate(dir: &Path) -> Result<String, KeyError> {
        let old = Self::load_or_create(dir)?;
        let retired_dir = dir.join(RETIRED_DIR);
        ensure_private_dir(&retired_dir)?;
        let old_pk = old.current.public_key();
        let pub_path = retired_dir.join(format!("{}.pub", old.current.kid()));
        replace_private(&pub_path, &[b64::encode(old_pk).as_bytes(), b"\n"])?;
        sync_dir(&retired_dir)?;

        let seed = random_seed()?;
        let text = Zeroizing::new(b64::encode(seed.as_slice()));
        replace_private(&dir.join(SIGNING_KEY_FILE), &[text.as_bytes(), b"\n"])?;
        sync_dir(dir)?;
        Ok(ReceiptSigner::from_seed(*seed).kid)
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

fn load_or_create_seed(dir: &Path, may_retry: bool) -> Result<ReceiptSigner, KeyError> {
    let path = dir.join(SIGNING_KEY_FILE);
    match read_seed(&path) {
        Ok(seed) => Ok(ReceiptSigner::from_seed(*seed)),
        Err(KeyError::Io(e)) if e.kind() == io::ErrorKind::NotFound => {
            let seed = random_seed()?;
            match write_new_private(&path, &seed) {
                Ok(()) => sync_dir(dir)?,
                // Another process created it between our read and write: use theirs. Only
                // once, so a dangling symlink cannot make this loop.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && may_retry => {
                    return load_or_create_seed(dir, false);
                }
                Err(e) => return Err(io_at(&path, e)),
            }
            Ok(ReceiptSigner::from_seed(*seed))
        }
        Err(e) => Err(e),
    }
}

fn io_at(path: &Path, e: io::Error) -> KeyError {
    KeyError::Io(io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

fn random_seed() -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let mut seed = Zeroizing::new([0u8; 32]);
    SysRng
        .try_fill_bytes(seed.as_mut())
        .map_err(|e| KeyError::Rng(e.to_string()))?;
    Ok(seed)
}

fn warn_if_shared(path: &Path, mode: u32) {
    if mode & 0o077 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{:o}", mode & 0o777),
            "receipt key path is accessible by group or others; restrict it (chmod go-rwx)"
        );
    }
}

fn ensure_private_dir(dir: &Path) -> Result<(), KeyError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| io_at(dir, e))?;
    let meta = fs::metadata(dir).map_err(|e| io_at(dir, e))?;
    warn_if_shared(dir, meta.permissions().mode());
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), KeyError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_at(dir, e))
}

/// Reads a b64u seed file without letting the secret reach an unzeroized buffer.
fn read_seed(path: &Path) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let mut file = File::open(path).map_err(|e| io_at(path, e))?;
    let mode = file
        .metadata()
        .map_err(|e| io_at(path, e))?
        .permissions()
        .mode();
    warn_if_shared(path, mode);
    let mut buf = Zeroizing::new([0u8; 64]);
    let mut len = 0;
    loop {
        if len == buf.len() {
            return Err(KeyError::Format(format!("{}: too long", path.display())));
        }
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_at(path, e)),
        }
    }
    let malformed = || KeyError::Format(format!("{}: not a b64u 32-byte seed", path.display()));
    let text = std::str::from_utf8(&buf[..len]).map_err(|_| malformed())?;
    let decoded = Zeroizing::new(b64::decode(text.trim_end()).ok_or_else(malformed)?);
    let mut seed = Zeroizing::new([0u8; 32]);
    if decoded.len() != seed.len() {
        return Err(malformed());
    }
    seed.copy_from_slice(&decoded);
    Ok(seed)
}

/// Creates `path` (which must not exist) as 0600 and writes `seed` as b64u + newline.
fn write_new_private(path: &Path, seed: &[u8; 32]) -> io::Result<()> {
    let text = Zeroizing::new(b64::encode(seed));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

/// Atomically replaces `path` with the concatenated `parts`: a fresh 0600 temp file, fsync,
/// rename. Parts, not one buffer, so a secret is never copied into an unzeroized allocation.
fn replace_private(path: &Path, parts: &[&[u8]]) -> Result<(), KeyError> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(TEMP_SUFFIX);
    let tmp = Path::new(&tmp_name);
    // A temp file left by a crash is stale: never reuse it, since its mode is not ours to trust.
    match fs::remove_file(tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_at(tmp, e)),
        _ => {}
    }
    let write = || -> io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(tmp)?;
        for part in parts {
            file.write_all(part)?;
        }
        file.sync_all()
    };
    write().map_err(|e| io_at(tmp, e))?;
    fs::rename(tmp, path).map_err(|e| io_at(path, e))
}

fn read_retired(dir: &Path) -> Result<Vec<VerifyingKey>, KeyError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_at(dir, e)),
    };
    let mut keys = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| io_at(dir, e))?.path();
        let Some(kid) = path
            .file_name()
            .and_then(|n| n.to_str()?.strip_suffix(".pub"))
        else {
            continue; // temp files and anything else are not retired keys
        };
        let text = fs::read_to_string(&path).map_err(|e| io_at(&path, e))?;
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
