//! Settings (DESIGN §10), in one struct: every field has a default ([`Settings::defaults`]),
//! the same name as a key in an optional TOML file, and an environment variable
//! `MELDPUNT_<NAME>` (upper case), which wins over the file. The key list is the struct's own
//! serde shape, so the file, the environment, `meldpunt settings` and the README's table (held
//! to it by a test) cannot drift apart. `Settings::load` is the only place that reads the
//! environment, so tests build `Settings` values directly. Fields marked `serde(skip)` are
//! neither in the file nor in the environment: tests set them in code.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::protocol::domain::{self, Choice};

/// Proof-of-work difficulty (leading zero bits) when nothing is configured: about 65,000
/// hashes, a second or two on a phone.
pub const DEFAULT_POW_BITS: u8 = 16;
/// The hardest base difficulty we accept from configuration; beyond it phones give up.
pub const MAX_POW_BITS: u8 = 28;

/// The prefix of every setting's environment variable.
pub const ENV_PREFIX: &str = "MELDPUNT_";

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// The sled database folder.
    pub data: PathBuf,
    /// The key files' folder.
    pub keys: PathBuf,
    /// The `iss` of every statement: the origin reporters use to reach this instance
    /// (`http://` + `bind` unless set).
    pub public_url: String,
    pub pow_bits: u8,
    pub checkpoint_secs: u64,
    /// Most client connections open at once (lowered to what the file-descriptor limit allows;
    /// `http::limits`).
    pub max_connections: usize,
    /// Longest time a request body may take to arrive once the handler reads it.
    pub body_timeout_secs: u64,
    /// sled's page cache, in MiB: what memory the database may hold, whatever the data grows to.
    pub sled_cache_mib: u64,
    /// PBKDF2 iterations new staff invites get (DESIGN §3.7: 600000); at least
    /// [`MIN_STAFF_KDF_ITERATIONS`].
    pub staff_kdf_iterations: u32,
    /// A second address that alone serves the staff app and staff API (an internal network),
    /// e.g. `10.0.0.5:8443`; empty: `bind` serves everything. When set, `bind` answers
    /// `/staff` and `/api/v1/staff/…` with 404.
    pub staff_bind: String,
    /// The origin staff reach the staff app at (enrolment and reset links); empty:
    /// `http://` + `staff_bind` when that is set, else `public_url`.
    pub staff_url: String,
    /// Whether the staff session cookie carries `Secure`; off only for plain-HTTP localhost.
    pub staff_cookie_secure: bool,
    /// The name of the first admin, invited by the first `serve` on an empty user table. Choose
    /// one strangers cannot guess: a known name is what a password-guessing stranger aims at.
    pub first_admin_name: String,
    /// The domain lists (file only: `[[themes]]`, `[[units]]`, `[[relations]]`).
    pub themes: Vec<Choice>,
    pub units: Vec<Choice>,
    pub relations: Vec<Choice>,
    /// Idle time after which a staff session ends (30 minutes; tests shorten it).
    #[serde(skip)]
    pub staff_session_idle_secs: u64,
    /// Time after sign-in at which a staff session ends however busy it is (12 hours; tests
    /// shorten it).
    #[serde(skip)]
    pub staff_session_max_secs: u64,
    /// The unit of the sign-in throttle's delays, in milliseconds (1000: delays of 2^(n-5)
    /// seconds; tests shorten it).
    #[serde(skip)]
    pub staff_throttle_unit_ms: u64,
    /// How many Argon2id computations (19 MiB each) may run at once; sign-ins beyond it get
    /// 503 `busy`. The number of cores, at most 4.
    #[serde(skip)]
    pub staff_argon2_concurrency: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::defaults()
    }
}

/// PBKDF2 iterations for staff passwords when nothing is configured (DESIGN §3.7).
pub const DEFAULT_STAFF_KDF_ITERATIONS: u32 = 600_000;
/// The fewest PBKDF2 iterations the setting accepts.
pub const MIN_STAFF_KDF_ITERATIONS: u32 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read settings file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("settings file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{variable}: {message}")]
    Environment { variable: String, message: String },
    #[error("setting {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        message: message.into(),
    }
}

/// One setting as an operator sees it: its file key, its variable and its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingKey {
    pub key: String,
    /// `None` for the lists, which only the file can set.
    pub variable: Option<String>,
    /// The default as TOML (a list's is not shown).
    pub default: Option<String>,
}

impl Settings {
    /// Defaults for a service on 127.0.0.1:8080, with data and keys in the current folder.
    pub fn defaults() -> Settings {
        let bind: SocketAddr = ([127, 0, 0, 1], 8080).into();
        Settings {
            bind,
            data: PathBuf::from("./data"),
            keys: PathBuf::from("./keys"),
            public_url: format!("http://{bind}"),
            pow_bits: DEFAULT_POW_BITS,
            checkpoint_secs: 3600,
            max_connections: 1024,
            body_timeout_secs: 30,
            sled_cache_mib: 64,
            themes: domain::default_themes(),
            units: domain::default_units(),
            relations: domain::default_relations(),
            staff_kdf_iterations: DEFAULT_STAFF_KDF_ITERATIONS,
            staff_bind: String::new(),
            staff_url: String::new(),
            staff_cookie_secure: true,
            staff_session_idle_secs: 30 * 60,
            staff_session_max_secs: 12 * 3600,
            staff_throttle_unit_ms: 1000,
            staff_argon2_concurrency: std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .clamp(1, 4),
            first_admin_name: "admin".to_owned(),
        }
    }

    /// Every key of the file and the environment, in the struct's order, with its default.
    pub fn keys() -> Vec<SettingKey> {
        let defaults = toml::Table::try_from(Settings::defaults()).expect("settings serialize");
        defaults
            .iter()
            .map(|(key, value)| {
                let scalar = !matches!(value, toml::Value::Array(_) | toml::Value::Table(_));
                SettingKey {
                    key: key.clone(),
                    variable: scalar.then(|| format!("{ENV_PREFIX}{}", key.to_uppercase())),
                    default: scalar.then(|| value.to_string()),
                }
            })
            .collect()
    }

    /// Defaults, then the TOML file (if any), then `MELDPUNT_*` variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let mut merged = match file {
            None => toml::Table::new(),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError::Parse {
                        path: path.to_owned(),
                        message: e.to_string(),
                    })?
            }
        };
        let defaults = toml::Table::try_from(Settings::defaults()).expect("settings serialize");
        for (key, default) in &defaults {
            let variable = format!("{ENV_PREFIX}{}", key.to_uppercase());
            let Some(text) = env(&variable) else { continue };
            let value = env_value(default, &text).ok_or_else(|| ConfigError::Environment {
                variable: variable.clone(),
                message: format!("{text:?} is not {}", kind_of(default)),
            })?;
            merged.insert(key.clone(), value);
        }
        let explicit_url = merged.contains_key("public_url");
        let mut s = Settings::deserialize(merged).map_err(|e| {
            let message = e.to_string();
            match file {
                Some(path) => ConfigError::Parse {
                    path: path.to_owned(),
                    message,
                },
                None => ConfigError::Environment {
                    variable: ENV_PREFIX.to_owned() + "*",
                    message,
                },
            }
        })?;
        s.public_url = if explicit_url {
            s.public_url.trim_end_matches('/').to_owned()
        } else {
            format!("http://{}", s.bind)
        };
        s.staff_url = s.staff_url.trim_end_matches('/').to_owned();
        s.validate()?;
        Ok(s)
    }

    /// The origin of the staff app (see `staff_url`).
    pub fn staff_origin(&self) -> String {
        match (self.staff_url.as_str(), self.staff_bind.as_str()) {
            ("", "") => self.public_url.clone(),
            ("", bind) => format!("http://{bind}"),
            (url, _) => url.to_owned(),
        }
    }

    /// The staff listener's address, if staff are served apart (`staff_bind`).
    pub fn staff_addr(&self) -> Option<SocketAddr> {
        self.staff_bind.parse().ok()
    }

    /// Reads the process environment; the one caller is `main`.
    pub fn load_from_process(file: Option<&Path>) -> Result<Settings, ConfigError> {
        Settings::load(file, |key| std::env::var(key).ok())
    }

    /// The settings as a TOML file would hold them (what `meldpunt settings` prints).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("settings serialize")
    }
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.pow_bits > MAX_POW_BITS {
            return Err(invalid("pow_bits", format!("at most {MAX_POW_BITS}")));
        }
        if self.staff_kdf_iterations < MIN_STAFF_KDF_ITERATIONS {
            return Err(invalid(
                "staff_kdf_iterations",
                format!("at least {MIN_STAFF_KDF_ITERATIONS}"),
            ));
        }
        if !self.staff_cookie_secure && !self.public_url.starts_with("http://") {
            return Err(invalid(
                "staff_cookie_secure",
                "may be false only for a plain-HTTP public_url (localhost testing)",
            ));
        }
        if self.first_admin_name.trim().is_empty() {
            return Err(invalid("first_admin_name", "must not be empty"));
        }
        if self.max_connections == 0 {
            return Err(invalid("max_connections", "must be at least 1"));
        }
        if self.body_timeout_secs == 0 {
            return Err(invalid("body_timeout_secs", "must be at least 1"));
        }
        if self.checkpoint_secs == 0 {
            return Err(invalid("checkpoint_secs", "must be at least 1"));
        }
        if !(self.public_url.starts_with("https://") || self.public_url.starts_with("http://")) {
            return Err(invalid("public_url", "must start with https:// or http://"));
        }
        if !self.staff_bind.is_empty() {
            let addr: SocketAddr = self.staff_bind.parse().map_err(|_| {
                invalid(
                    "staff_bind",
                    "must be an address with a port, e.g. 10.0.0.5:8443",
                )
            })?;
            if addr == self.bind {
                return Err(invalid("staff_bind", "must differ from bind"));
            }
        }
        if !(self.staff_url.is_empty()
            || self.staff_url.starts_with("https://")
            || self.staff_url.starts_with("http://"))
        {
            return Err(invalid("staff_url", "must start with https:// or http://"));
        }
        domain::validate_list("themes", &self.themes).map_err(|m| invalid("themes", m))?;
        domain::validate_list("units", &self.units).map_err(|m| invalid("units", m))?;
        domain::validate_list("relations", &self.relations).map_err(|m| invalid("relations", m))?;
        if !domain::contains(&self.units, domain::NATIONAL_UNIT) {
            return Err(invalid("units", "the list must contain `national`"));
        }
        Ok(())
    }
}

/// A variable's text as the TOML value of the default's type: the environment is typed by
/// the struct, not field by field.
fn env_value(default: &toml::Value, text: &str) -> Option<toml::Value> {
    match default {
        toml::Value::String(_) => Some(toml::Value::String(text.to_owned())),
        toml::Value::Integer(_) => text.trim().parse().ok().map(toml::Value::Integer),
        toml::Value::Boolean(_) => match text.trim() {
            "true" | "1" => Some(toml::Value::Boolean(true)),
            "false" | "0" => Some(toml::Value::Boolean(false)),
            _ => None,
        },
        // Lists and tables come from the file only.
        _ => None,
    }
}

fn kind_of(default: &toml::Value) -> &'static str {
    match default {
        toml::Value::Integer(_) => "a number",
        toml::Value::Boolean(_) => "true or false",
        toml::Value::String(_) => "text",
        _ => "settable from the environment (use the file)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_match_the_design() {
        let s = Settings::load(None, no_env).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.data, PathBuf::from("./data"));
        assert_eq!(s.keys, PathBuf::from("./keys"));
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
        assert_eq!(s.checkpoint_secs, 3600);
    }

    #[test]
    fn file_then_environment_wins() {
        let dir = std::env::temp_dir().join(format!("meldpunt-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.toml");
        std::fs::write(
            &path,
            "bind = \"127.0.0.1:9000\"\npow_bits = 10\npublic_url = \"https://meld.example/\"\n\
             [[relations]]\nid = \"x\"\nlabel = { nl = \"X\", en = \"X\" }\n",
        )
        .unwrap();
        let env = |k: &str| (k == "MELDPUNT_POW_BITS").then(|| "0".to_owned());
        let s = Settings::load(Some(&path), env).unwrap();
        assert_eq!(s.bind.port(), 9000);
        assert_eq!(s.pow_bits, 0, "the environment wins over the file");
        assert_eq!(s.public_url, "https://meld.example");
        assert_eq!(s.relations.len(), 1);
        std::fs::write(&path, "colour = \"blue\"\n").unwrap();
        assert!(matches!(
            Settings::load(Some(&path), no_env),
            Err(ConfigError::Parse { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn staff_settings() {
        let s = Settings::load(None, no_env).unwrap();
        assert_eq!(s.staff_kdf_iterations, 600_000);
        assert!(s.staff_cookie_secure);
        assert_eq!(s.staff_session_idle_secs, 1800);
        let env = |k: &str| match k {
            "MELDPUNT_STAFF_KDF_ITERATIONS" => Some("1000".to_owned()),
            "MELDPUNT_STAFF_COOKIE_SECURE" => Some("false".to_owned()),
            _ => None,
        };
        let s = Settings::load(None, env).unwrap();
        assert_eq!(s.staff_kdf_iterations, 1000);
        assert!(
            !s.staff_cookie_secure,
            "allowed with a plain-HTTP public_url"
        );
        let env = |k: &str| (k == "MELDPUNT_STAFF_KDF_ITERATIONS").then(|| "999".to_owned());
        assert!(Settings::load(None, env).is_err());
        let env = |k: &str| match k {
            "MELDPUNT_STAFF_COOKIE_SECURE" => Some("false".to_owned()),
            "MELDPUNT_PUBLIC_URL" => Some("https://meld.example".to_owned()),
            _ => None,
        };
        assert!(
            Settings::load(None, env).is_err(),
            "Secure stays on for https"
        );
    }

    /// The README's settings table is the operator's reference: it must name exactly the
    /// settings the struct has, with the same defaults.
    #[test]
    fn the_readme_table_matches_the_settings() {
        let readme =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
                .unwrap();
        let rows: Vec<(String, String)> = readme
            .lines()
            .filter(|l| l.starts_with("| `MELDPUNT_"))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                (cells[1].trim_matches('`').to_owned(), cells[2].to_owned())
            })
            .collect();
        let keys = Settings::keys();
        let scalars: Vec<&SettingKey> = keys.iter().filter(|k| k.variable.is_some()).collect();
        let documented: Vec<&str> = rows.iter().map(|(v, _)| v.as_str()).collect();
        let expected: Vec<&str> = scalars
            .iter()
            .map(|k| k.variable.as_deref().unwrap())
            .collect();
        assert_eq!(
            documented, expected,
            "README rows vs. Settings fields, in order"
        );
        for ((variable, shown), key) in rows.iter().zip(&scalars) {
            if key.key == "public_url" {
                // Derived from `bind` when unset; the README says so in words.
                assert!(shown.contains("bind"), "{variable}: {shown}");
                continue;
            }
            let default = key.default.as_deref().unwrap().trim_matches('"');
            assert_eq!(shown.trim_matches('`'), default, "{variable}'s default");
        }
        for list in ["themes", "units", "relations"] {
            assert!(keys.iter().any(|k| k.key == list && k.variable.is_none()));
            assert!(
                readme.contains(&format!("[[{list}]]")),
                "README explains {list}"
            );
        }
    }

    #[test]
    fn the_environment_is_typed_by_the_struct() {
        let env = |k: &str| match k {
            "MELDPUNT_SLED_CACHE_MIB" => Some("16".to_owned()),
            "MELDPUNT_DATA" => Some("/srv/meldpunt".to_owned()),
            _ => None,
        };
        let s = Settings::load(None, env).unwrap();
        assert_eq!(s.sled_cache_mib, 16);
        assert_eq!(s.data, PathBuf::from("/srv/meldpunt"));
        let env = |k: &str| (k == "MELDPUNT_SLED_CACHE_MIB").then(|| "lots".to_owned());
        let err = Settings::load(None, env).unwrap_err().to_string();
        assert!(err.contains("MELDPUNT_SLED_CACHE_MIB"), "{err}");
        let env = |k: &str| (k == "MELDPUNT_THEMES").then(|| "x".to_owned());
        assert!(
            Settings::load(None, env).is_err(),
            "lists come from the file only"
        );
        let hidden = Settings::keys();
        assert!(!hidden.iter().any(|k| k.key.starts_with("staff_session")));
    }

    #[test]
    fn printed_settings_load_back_the_same() {
        let dir = std::env::temp_dir().join(format!("meldpunt-config-rt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.toml");
        let mut s = Settings::defaults();
        s.pow_bits = 12;
        s.public_url = "https://meld.example".to_owned();
        std::fs::write(&path, s.to_toml()).unwrap();
        let back = Settings::load(Some(&path), no_env).unwrap();
        assert_eq!(back.to_toml(), s.to_toml());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_values_are_refused() {
        let env = |k: &str| (k == "MELDPUNT_POW_BITS").then(|| "99".to_owned());
        assert!(Settings::load(None, env).is_err());
        let env = |k: &str| (k == "MELDPUNT_BIND").then(|| "nowhere".to_owned());
        assert!(Settings::load(None, env).is_err());
    }
}
