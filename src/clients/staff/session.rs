//! A staff session kept between command-line invocations (`meldpunt staff login`, then
//! `meldpunt case …`): the server, the session cookie and CSRF token, the user, and the
//! *wrapped* private key. Never the password, the wrap key or the private key: commands that
//! need case keys ask for the password again and unwrap locally.
//!
//! The file is created with mode 0600 and replaced atomically; it is worth no more than the
//! session it names, which the server ends after 30 idle minutes or at `staff logout`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::StaffClient;
use crate::clients::ClientError;
use crate::protocol::staff_keys::WrappedKey;
use crate::protocol::staff_wire::{LoginResponse, UserView};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedSession {
    pub server: String,
    pub cookie: String,
    pub csrf_token: String,
    pub user: UserView,
    pub wrapped_private_key: WrappedKey,
}

/// Where the session lives unless `--session` says otherwise.
pub fn default_path() -> PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("meldpunt").join("staff-session.json")
}

impl SavedSession {
    /// The session of a client that just signed in.
    pub fn of(server: &str, client: &StaffClient, login: &LoginResponse) -> Option<SavedSession> {
        Some(SavedSession {
            server: server.trim_end_matches('/').to_owned(),
            cookie: client.cookie()?.to_owned(),
            csrf_token: client.csrf_token()?.to_owned(),
            user: login.user.clone(),
            wrapped_private_key: login.wrapped_private_key.clone(),
        })
    }

    pub fn save(&self, path: &Path) -> Result<(), ClientError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::files::ensure_private_dir(dir)?;
        }
        let text = zeroize::Zeroizing::new(
            serde_json::to_string_pretty(self).map_err(|e| ClientError::Protocol(e.to_string()))?,
        );
        crate::files::replace_private_file(path, &[text.as_bytes(), b"\n"])?;
        Ok(())
    }

    pub fn load(path: &Path) -> Result<SavedSession, ClientError> {
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            ClientError::Protocol(format!(
                "no staff session at {} ({e}); sign in with `meldpunt staff login`",
                path.display()
            ))
        })?);
        let saved: SavedSession = serde_json::from_str(&text)
            .map_err(|e| ClientError::Protocol(format!("{}: {e}", path.display())))?;
        check_server_url(&saved.server)?;
        Ok(saved)
    }

    /// A client for this session, without its private key.
    pub fn client(&self) -> StaffClient {
        StaffClient::resume(
            &self.server,
            &self.cookie,
            &self.csrf_token,
            self.user.clone(),
        )
    }
}

/// The device tokens this machine holds (`staff::device`), one per server and user name, in
/// `staff-devices.json` beside the session file (mode 0600). Unlike the session they outlive
/// `staff logout`: they are what tells this machine's sign-ins from a stranger's guesses. A
/// token is no credential, so losing or leaking the file costs no more than that distinction.
pub struct DeviceTokens {
    path: PathBuf,
    tokens: BTreeMap<String, String>,
}

impl DeviceTokens {
    /// The tokens kept beside `session_path` (none yet if the file is missing or unreadable).
    pub fn beside(session_path: &Path) -> DeviceTokens {
        let path = session_path.with_file_name("staff-devices.json");
        let tokens = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        DeviceTokens { path, tokens }
    }

    fn key(server: &str, name: &str) -> String {
        format!("{} {}", server.trim_end_matches('/'), name.to_lowercase())
    }

    pub fn get(&self, server: &str, name: &str) -> Option<String> {
        self.tokens.get(&Self::key(server, name)).cloned()
    }

    /// Records `token` for the account and writes the file.
    pub fn put(&mut self, server: &str, name: &str, token: &str) -> Result<(), ClientError> {
        self.tokens
            .insert(Self::key(server, name), token.to_owned());
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::files::ensure_private_dir(dir)?;
        }
        let text = serde_json::to_string_pretty(&self.tokens)
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        crate::files::replace_private_file(&self.path, &[text.as_bytes(), b"\n"])?;
        Ok(())
    }
}

/// Refuses a staff server URL that would send the password-derived `auth_hash`, the session
/// cookie and case content in the clear: only `https://`, or `http://` to this machine
/// (`localhost`, `127.0.0.0/8`, `[::1]`) for local testing.
pub fn check_server_url(url: &str) -> Result<(), ClientError> {
    let (rest, https) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (rest, true),
        (None, Some(rest)) => (rest, false),
        (None, None) => {
            return Err(ClientError::Protocol(format!(
                "{url}: the server URL must start with https://"
            )));
        }
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        // `http://[::1]@elsewhere/` names user info, and the host is elsewhere.
        return Err(ClientError::Protocol(format!(
            "{url}: a server URL must not carry user info (`…@`)"
        )));
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    if https {
        return Ok(());
    }
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(ClientError::Protocol(format!(
            "{url}: plain http:// would send your sign-in and case content unencrypted; \
             use https:// (http:// is accepted only for this machine, e.g. http://127.0.0.1)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        for ok in [
            "https://meldpunt.example",
            "http://127.0.0.1:8080",
            "http://127.0.0.7",
            "http://localhost:1/x",
            "http://[::1]:8080",
        ] {
            assert!(check_server_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://meldpunt.example",
            "http://10.0.0.1",
            "http://127.0.0.1.example.com",
            "http://localhost.example",
            "http://[::1]@evil.example/",
            "http://127.0.0.1@evil.example",
            "https://user@meldpunt.example",
            "ftp://x",
            "meldpunt.example",
        ] {
            assert!(check_server_url(bad).is_err(), "{bad}");
        }
    }
}
