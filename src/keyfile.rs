//! Secret files in the keys folder: created once with mode 0600 inside a 0700 folder, never
//! readable by others even for a moment, and read back as zeroizing buffers.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use zeroize::Zeroizing;

/// Creates `dir` (and parents) with mode 0700 if it does not exist.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Writes `contents` to a new file `path` with mode 0600; fails if it already exists.
pub fn create_private_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Reads the 32-byte secret at `path` (b64u text), creating a random one on first use.
pub fn load_or_create_secret(path: &Path) -> io::Result<Zeroizing<[u8; 32]>> {
    if let Some(dir) = path.parent() {
        ensure_private_dir(dir)?;
    }
    if !path.exists() {
        let secret = Zeroizing::new(crate::crypto::random_bytes::<32>());
        let text = Zeroizing::new(format!("{}\n", crate::b64::encode(secret.as_ref())));
        create_private_file(path, text.as_bytes())?;
    }
    let mode = fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        tracing::warn!(path = %path.display(), "key file is readable by others; chmod 600 it");
    }
    let text = Zeroizing::new(fs::read_to_string(path)?);
    let bytes = crate::b64::decode_array::<32>(text.trim()).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} does not hold a b64u 32-byte secret", path.display()),
        )
    })?;
    Ok(Zeroizing::new(bytes))
}
