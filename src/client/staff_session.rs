//! A staff session kept between command-line invocations (`meldpunt staff login`, then
//! `meldpunt case …`): the server, the session cookie and CSRF token, the user, and the
//! *wrapped* private key. Never the password, the wrap key or the private key: commands that
//! need case keys ask for the password again and unwrap locally.
//!
//! The file is created with mode 0600 and replaced atomically; it is worth no more than the
//! session it names, which the server ends after 30 idle minutes or at `staff logout`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ClientError;
use super::staff_http::StaffClient;
use crate::staff::api::{LoginResponse, UserView};
use crate::store::staff::WrappedKey;

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
            crate::keyfile::ensure_private_dir(dir)?;
        }
        let text = zeroize::Zeroizing::new(
            serde_json::to_string_pretty(self).map_err(|e| ClientError::Protocol(e.to_string()))?,
        );
        crate::keyfile::replace_private_file(path, &[text.as_bytes(), b"\n"])?;
        Ok(())
    }

    pub fn load(path: &Path) -> Result<SavedSession, ClientError> {
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            ClientError::Protocol(format!(
                "no staff session at {} ({e}); sign in with `meldpunt staff login`",
                path.display()
            ))
        })?);
        serde_json::from_str(&text)
            .map_err(|e| ClientError::Protocol(format!("{}: {e}", path.display())))
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
