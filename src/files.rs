//! Secret files in the keys folder: 32-byte secrets stored as b64u text, created once with mode
//! 0600 inside a 0700 folder (never readable by others, not even for a moment), replaced
//! atomically, and read back without the secret passing through an unzeroized buffer.
//!
//! Files or folders that group or others can read are still used, with a warning: refusing
//! would turn a permissions slip into an outage of the reporting channel.
//! Errors carry the path; a malformed file is `InvalidData` and its content is never echoed.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use zeroize::Zeroizing;

use crate::protocol::b64;

const TEMP_SUFFIX: &str = ".tmp";

fn at(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

fn warn_if_shared(path: &Path, mode: u32) {
    if mode & 0o077 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{:o}", mode & 0o777),
            "key path is accessible by group or others; restrict it (chmod go-rwx)"
        );
    }
}

/// Creates `dir` (and parents) with mode 0700 if missing, tightens it to 0700 if it is open to
/// others, and warns if that is not possible.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| at(dir, e))?;
    let mode = fs::metadata(dir)
        .map_err(|e| at(dir, e))?
        .permissions()
        .mode();
    // A fresh git clone makes `keys/` 0755; tighten it rather than leave it open.
    if mode & 0o077 != 0 && fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).is_ok() {
        return Ok(());
    }
    warn_if_shared(dir, mode);
    Ok(())
}

/// Makes `dir` and everything under it private: folders 0700, files 0600. For folders made
/// before the process set its umask (`main`), or by a tool that ignores it. Symbolic links are
/// left alone.
pub fn restrict_tree(dir: &Path) -> io::Result<()> {
    ensure_private_dir(dir)?;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).map_err(|e| at(&folder, e))? {
            let entry = entry.map_err(|e| at(&folder, e))?;
            let path = entry.path();
            let meta = fs::symlink_metadata(&path).map_err(|e| at(&path, e))?;
            let private = if meta.is_dir() {
                stack.push(path.clone());
                0o700
            } else if meta.is_file() {
                0o600
            } else {
                continue;
            };
            if meta.permissions().mode() & 0o077 != 0 {
                fs::set_permissions(&path, fs::Permissions::from_mode(private))
                    .map_err(|e| at(&path, e))?;
            }
        }
    }
    Ok(())
}

/// Makes a rename or creation inside `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| at(dir, e))
}

/// Creates `path`, which must not exist, as 0600 with the concatenated `parts`, and syncs it.
/// Parts rather than one buffer, so a secret is never copied into an unzeroized allocation.
pub fn create_private_file(path: &Path, parts: &[&[u8]]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    for part in parts {
        file.write_all(part)?;
    }
    file.sync_all()
}

/// Atomically replaces `path` with `parts`: a fresh 0600 temp file, fsync, rename, dir sync.
pub fn replace_private_file(path: &Path, parts: &[&[u8]]) -> io::Result<()> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(TEMP_SUFFIX);
    let tmp = Path::new(&tmp_name);
    // A temp file left by a crash is stale: never reuse it, its mode is not ours to trust.
    match fs::remove_file(tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(at(tmp, e)),
        _ => {}
    }
    create_private_file(tmp, parts).map_err(|e| at(tmp, e))?;
    fs::rename(tmp, path).map_err(|e| at(path, e))?;
    if let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Reads a b64u 32-byte secret file.
pub fn read_secret(path: &Path) -> io::Result<Zeroizing<[u8; 32]>> {
    let mut file = File::open(path).map_err(|e| at(path, e))?;
    let mode = file
        .metadata()
        .map_err(|e| at(path, e))?
        .permissions()
        .mode();
    warn_if_shared(path, mode);
    let malformed = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: not a b64u 32-byte secret", path.display()),
        )
    };
    let mut buf = Zeroizing::new([0u8; 64]);
    let mut len = 0;
    loop {
        if len == buf.len() {
            return Err(malformed());
        }
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(at(path, e)),
        }
    }
    let text = std::str::from_utf8(&buf[..len]).map_err(|_| malformed())?;
    let decoded = Zeroizing::new(b64::decode(text.trim_end()).ok_or_else(malformed)?);
    let mut secret = Zeroizing::new([0u8; 32]);
    if decoded.len() != secret.len() {
        return Err(malformed());
    }
    secret.copy_from_slice(&decoded);
    Ok(secret)
}

/// Reads the secret at `path`, creating a random one (and its 0700 folder) on first use. If
/// another process creates it at the same moment, its secret wins and is returned.
pub fn load_or_create_secret(path: &Path) -> io::Result<Zeroizing<[u8; 32]>> {
    match read_secret(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        other => return other,
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    ensure_private_dir(dir)?;
    let secret = Zeroizing::new(crate::protocol::crypto::random_bytes::<32>());
    let text = Zeroizing::new(b64::encode(secret.as_slice()));
    match create_private_file(path, &[text.as_bytes(), b"\n"]) {
        Ok(()) => sync_dir(dir)?,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return read_secret(path),
        Err(e) => return Err(at(path, e)),
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "meldpunt-keyfile-{}",
            b64::encode(crate::protocol::crypto::random_bytes::<6>())
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn an_open_keys_folder_is_tightened_and_secrets_are_private() {
        let dir = temp_dir();
        let keys = dir.join("keys");
        fs::create_dir(&keys).unwrap();
        fs::set_permissions(&keys, fs::Permissions::from_mode(0o755)).unwrap();
        let secret = load_or_create_secret(&keys.join("s.key")).unwrap();
        assert_eq!(mode(&keys), 0o700);
        assert_eq!(mode(&keys.join("s.key")), 0o600);
        assert_eq!(
            *load_or_create_secret(&keys.join("s.key")).unwrap(),
            *secret
        );
        fs::write(keys.join("bad.key"), "not a secret\n").unwrap();
        let err = read_secret(&keys.join("bad.key")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(
            !err.to_string().contains("not a secret"),
            "content must not be echoed"
        );
        replace_private_file(&keys.join("s.key"), &[b"x"]).unwrap();
        assert_eq!(mode(&keys.join("s.key")), 0o600);
        fs::remove_dir_all(&dir).unwrap();
    }
}
