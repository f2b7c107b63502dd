//! Settings (DESIGN §10): every setting has a default, a key in an optional TOML file, and a
//! `MELDPUNT_*` environment variable, which wins. `Settings::load` is the only place that reads
//! the environment, so tests build `Settings` values directly.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::protocol::domain::{self, Choice};

/// Proof-of-work difficulty (leading zero bits) when nothing is configured: about 65,000
/// hashes, a second or two on a phone.
pub const DEFAULT_POW_BITS: u8 = 16;
/// The hardest base difficulty we accept from configuration; beyond it phones give up.
pub const MAX_POW_BITS: u8 = 28;

#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: SocketAddr,
    pub data: PathBuf,
    pub keys: PathBuf,
    /// The `iss` of every statement: the origin reporters use to reach this instance.
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
    pub themes: Vec<Choice>,
    pub units: Vec<Choice>,
    pub relations: Vec<Choice>,
    /// PBKDF2 iterations new staff invites get (DESIGN §3.7: 600000). Hidden setting for tests
    /// and slow hardware; at least [`MIN_STAFF_KDF_ITERATIONS`].
    pub staff_kdf_iterations: u32,
    /// Whether the staff session cookie carries `Secure`; off only for plain-HTTP localhost.
    pub staff_cookie_secure: bool,
    /// Idle time after which a staff session ends (30 minutes; tests shorten it).
    pub staff_session_idle_secs: u64,
    /// Time after sign-in at which a staff session ends however busy it is (12 hours; tests
    /// shorten it).
    pub staff_session_max_secs: u64,
    /// The unit of the sign-in throttle's delays, in milliseconds (1000: delays of 2^(n-5)
    /// seconds; tests shorten it). Not in the file or the environment.
    pub staff_throttle_unit_ms: u64,
    /// How many Argon2id computations (19 MiB each) may run at once; sign-ins beyond it get
    /// 503 `busy`. The number of cores, at most 4. Not in the file or the environment.
    pub staff_argon2_concurrency: usize,
    /// The name of the first admin, invited by the first `serve` on an empty user table. Choose
    /// one strangers cannot guess: a known name is what a password-guessing stranger aims at.
    pub first_admin_name: String,
}

/// PBKDF2 iterations for staff passwords when nothing is configured (DESIGN §3.7).
pub const DEFAULT_STAFF_KDF_ITERATIONS: u32 = 600_000;
/// The fewest PBKDF2 iterations the setting accepts.
pub const MIN_STAFF_KDF_ITERATIONS: u32 = 1000;

/// The TOML file's shape: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    bind: Option<String>,
    data: Option<PathBuf>,
    keys: Option<PathBuf>,
    public_url: Option<String>,
    pow_bits: Option<u8>,
    checkpoint_secs: Option<u64>,
    max_connections: Option<usize>,
    body_timeout_secs: Option<u64>,
    themes: Option<Vec<Choice>>,
    units: Option<Vec<Choice>>,
    relations: Option<Vec<Choice>>,
    staff_kdf_iterations: Option<u32>,
    staff_cookie_secure: Option<bool>,
    first_admin_name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read settings file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("settings file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("setting {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        message: message.into(),
    }
}

impl Settings {
    /// Defaults for a service at `bind`, with data and keys in the current folder.
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

    /// Defaults, then the TOML file (if any), then `MELDPUNT_*` variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let from_file = match file {
            None => FileSettings::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: path.to_owned(),
                    message: e.to_string(),
                })?
            }
        };
        let mut s = Settings::defaults();
        let bind = env("MELDPUNT_BIND").or(from_file.bind);
        if let Some(bind) = bind {
            s.bind = bind
                .parse()
                .map_err(|_| invalid("bind", format!("{bind:?} is not an address:port")))?;
        }
        s.public_url = format!("http://{}", s.bind);
        if let Some(data) = env("MELDPUNT_DATA").map(PathBuf::from).or(from_file.data) {
            s.data = data;
        }
        if let Some(keys) = env("MELDPUNT_KEYS").map(PathBuf::from).or(from_file.keys) {
            s.keys = keys;
        }
        if let Some(url) = env("MELDPUNT_PUBLIC_URL").or(from_file.public_url) {
            s.public_url = url.trim_end_matches('/').to_owned();
        }
        if let Some(bits) = env("MELDPUNT_POW_BITS") {
            s.pow_bits = bits
                .parse()
                .map_err(|_| invalid("pow_bits", format!("{bits:?} is not a number")))?;
        } else if let Some(bits) = from_file.pow_bits {
            s.pow_bits = bits;
        }
        if let Some(secs) = env("MELDPUNT_CHECKPOINT_SECS") {
            s.checkpoint_secs = secs
                .parse()
                .map_err(|_| invalid("checkpoint_secs", format!("{secs:?} is not a number")))?;
        } else if let Some(secs) = from_file.checkpoint_secs {
            s.checkpoint_secs = secs;
        }
        if let Some(n) = env("MELDPUNT_MAX_CONNECTIONS") {
            s.max_connections = n
                .parse()
                .map_err(|_| invalid("max_connections", format!("{n:?} is not a number")))?;
        } else if let Some(n) = from_file.max_connections {
            s.max_connections = n;
        }
        if let Some(n) = env("MELDPUNT_BODY_TIMEOUT_SECS") {
            s.body_timeout_secs = n
                .parse()
                .map_err(|_| invalid("body_timeout_secs", format!("{n:?} is not a number")))?;
        } else if let Some(n) = from_file.body_timeout_secs {
            s.body_timeout_secs = n;
        }
        if let Some(n) = env("MELDPUNT_STAFF_KDF_ITERATIONS") {
            s.staff_kdf_iterations = n
                .parse()
                .map_err(|_| invalid("staff_kdf_iterations", format!("{n:?} is not a number")))?;
        } else if let Some(n) = from_file.staff_kdf_iterations {
            s.staff_kdf_iterations = n;
        }
        if let Some(flag) = env("MELDPUNT_STAFF_COOKIE_SECURE") {
            s.staff_cookie_secure = match flag.as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(invalid(
                        "staff_cookie_secure",
                        format!("{flag:?} is not true or false"),
                    ));
                }
            };
        } else if let Some(flag) = from_file.staff_cookie_secure {
            s.staff_cookie_secure = flag;
        }
        if let Some(name) = env("MELDPUNT_FIRST_ADMIN_NAME").or(from_file.first_admin_name) {
            s.first_admin_name = name;
        }
        if let Some(list) = from_file.themes {
            s.themes = list;
        }
        if let Some(list) = from_file.units {
            s.units = list;
        }
        if let Some(list) = from_file.relations {
            s.relations = list;
        }
        s.validate()?;
        Ok(s)
    }

    /// Reads the process environment; the one caller is `main`.
    pub fn load_from_process(file: Option<&Path>) -> Result<Settings, ConfigError> {
        Settings::load(file, |key| std::env::var(key).ok())
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
        domain::validate_list("themes", &self.themes).map_err(|m| invalid("themes", m))?;
        domain::validate_list("units", &self.units).map_err(|m| invalid("units", m))?;
        domain::validate_list("relations", &self.relations).map_err(|m| invalid("relations", m))?;
        if !domain::contains(&self.units, domain::NATIONAL_UNIT) {
            return Err(invalid("units", "the list must contain `national`"));
        }
        Ok(())
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

    #[test]
    fn bad_values_are_refused() {
        let env = |k: &str| (k == "MELDPUNT_POW_BITS").then(|| "99".to_owned());
        assert!(Settings::load(None, env).is_err());
        let env = |k: &str| (k == "MELDPUNT_BIND").then(|| "nowhere".to_owned());
        assert!(Settings::load(None, env).is_err());
    }
}
