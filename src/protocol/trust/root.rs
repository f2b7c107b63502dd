//! The trust root (DESIGN §11): the file an installer writes once, shipped inside the web
//! bundle (so the published bundle hash covers it), that every client pins. It names the
//! directory officers and how many must sign a directory, the log's note key, and the
//! witnesses and how many must cosign a checkpoint.
//!
//! Contract: [`TrustRoot::parse`] accepts exactly the documented shape (unknown fields are
//! refused) and only a root that can protect anything: at least two officers with distinct
//! keys and a threshold of at least two (no single officer can add a reader), at least one
//! witness and a witness threshold between one and the number of witnesses, each witness's
//! vkey a cosignature verifier key under its name, an `origin` that is an `http(s)` URL, and a
//! log key that parses as a note verifier key.

use serde::{Deserialize, Serialize};

use crate::protocol::crypto::serde_b64;
use crate::protocol::log::cosignature::CosignatureVerifier;
use crate::protocol::log::note::NoteVerifier;
use crate::protocol::statements::ed25519_kid;

/// The file name under which the web bundle serves the trust root (`/trust-root.json`).
pub const TRUST_ROOT_FILE: &str = "trust-root.json";
/// The format version this code reads.
pub const TRUST_ROOT_VERSION: u32 = 1;
/// Bounds that keep a hostile root small.
pub const MAX_OFFICERS: usize = 16;
pub const MAX_WITNESSES: usize = 16;
pub const MAX_NAME_LEN: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Officer {
    pub name: String,
    #[serde(with = "serde_b64::fixed")]
    pub public_key: [u8; 32],
}

impl Officer {
    /// The RFC 7638 thumbprint of the officer's Ed25519 key: the `kid` of their signatures.
    pub fn kid(&self) -> String {
        ed25519_kid(&self.public_key)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Witness {
    pub name: String,
    /// The witness's cosignature verifier key (C2SP tlog-cosignature, `<name>+<id>+<key>`).
    pub vkey: String,
    /// Where the log submits checkpoints (`<url>/add-checkpoint`); not needed to verify, but
    /// kept here so that the root is the whole installation's trust configuration. Deviation
    /// from DESIGN §11, which lists `{name, vkey}` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustRoot {
    pub v: u32,
    /// The instance's public URL: the `iss` of its statements and the `origin` of its
    /// directories.
    pub origin: String,
    pub officers: Vec<Officer>,
    pub threshold: usize,
    /// The transparency log's note verifier key (`<name>+<id>+<key>`).
    pub log_key: String,
    pub witnesses: Vec<Witness>,
    pub witness_threshold: usize,
    /// Set on the root `meldpunt serve` makes for a newcomer on an empty folder: its officer
    /// keys lie in the local keys folder, so it protects nothing. Clients show it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub development: bool,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrustRootError {
    #[error("the trust root is not valid JSON of the expected shape: {0}")]
    Shape(String),
    #[error("the trust root is version {0}; this program reads version 1")]
    Version(u32),
    #[error("the trust root is invalid: {0}")]
    Invalid(&'static str),
}

impl TrustRoot {
    pub fn parse(text: &str) -> Result<TrustRoot, TrustRootError> {
        let root: TrustRoot =
            serde_json::from_str(text).map_err(|e| TrustRootError::Shape(e.to_string()))?;
        root.validate()?;
        Ok(root)
    }

    /// The root as its file holds it: pretty JSON with a final newline.
    pub fn to_file_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    pub fn validate(&self) -> Result<(), TrustRootError> {
        let bad = TrustRootError::Invalid;
        if self.v != TRUST_ROOT_VERSION {
            return Err(TrustRootError::Version(self.v));
        }
        if !(self.origin.starts_with("https://") || self.origin.starts_with("http://"))
            || self.origin.len() > 200
        {
            return Err(bad("origin must be the instance's http(s) URL"));
        }
        if self.officers.len() < 2 || self.officers.len() > MAX_OFFICERS {
            return Err(bad("there must be between 2 and 16 directory officers"));
        }
        if self.threshold < 2 || self.threshold > self.officers.len() {
            return Err(bad(
                "threshold must be at least 2 and at most the number of officers",
            ));
        }
        let mut keys: Vec<[u8; 32]> = self.officers.iter().map(|o| o.public_key).collect();
        keys.sort();
        keys.dedup();
        if keys.len() != self.officers.len() {
            return Err(bad("two officers have the same key"));
        }
        if self.witnesses.is_empty() || self.witnesses.len() > MAX_WITNESSES {
            return Err(bad("there must be between 1 and 16 witnesses"));
        }
        if self.witness_threshold < 1 || self.witness_threshold > self.witnesses.len() {
            return Err(bad(
                "witness_threshold must be at least 1 and at most the number of witnesses",
            ));
        }
        let mut vkeys: Vec<&str> = self.witnesses.iter().map(|w| w.vkey.as_str()).collect();
        vkeys.sort();
        vkeys.dedup();
        if vkeys.len() != self.witnesses.len() {
            return Err(bad("two witnesses have the same key"));
        }
        let names = self.officers.iter().map(|o| &o.name);
        if names
            .chain(self.witnesses.iter().map(|w| &w.name))
            .any(|n| n.is_empty() || n.len() > MAX_NAME_LEN || n.chars().any(char::is_control))
        {
            return Err(bad(
                "names must be 1 to 100 characters without control characters",
            ));
        }
        NoteVerifier::parse(&self.log_key)
            .map_err(|_| bad("log_key is not a note verifier key"))?;
        let vkeys_fit = self
            .witnesses
            .iter()
            .all(|w| CosignatureVerifier::parse(&w.vkey).is_ok_and(|v| v.name() == w.name));
        if !vkeys_fit {
            return Err(bad(
                "every witness vkey must be a cosignature verifier key under the witness's name",
            ));
        }
        Ok(())
    }

    /// The officer whose key has this `kid`, if any.
    pub fn officer(&self, kid: &str) -> Option<&Officer> {
        self.officers.iter().find(|o| o.kid() == kid)
    }

    /// The log's note verifier (the root was validated, so this parses).
    pub fn log_verifier(&self) -> Result<NoteVerifier, TrustRootError> {
        NoteVerifier::parse(&self.log_key)
            .map_err(|_| TrustRootError::Invalid("log_key is not a note verifier key"))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::protocol::log::note::NoteSigner;

    pub(crate) fn sample() -> TrustRoot {
        TrustRoot {
            v: 1,
            origin: "https://meldpunt.test".into(),
            officers: vec![
                Officer {
                    name: "desk".into(),
                    public_key: ed25519_dalek::SigningKey::from_bytes(&[1; 32])
                        .verifying_key()
                        .to_bytes(),
                },
                Officer {
                    name: "ombudsman".into(),
                    public_key: ed25519_dalek::SigningKey::from_bytes(&[2; 32])
                        .verifying_key()
                        .to_bytes(),
                },
            ],
            threshold: 2,
            log_key: NoteSigner::from_seed("meldpunt.test/log", &[3; 32])
                .unwrap()
                .verifier_key(),
            witnesses: vec![Witness {
                name: "w.example/w1".into(),
                vkey: "w.example/w1+4c2da33a+BNdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea".into(),
                url: None,
            }],
            witness_threshold: 1,
            development: false,
        }
    }

    #[test]
    fn round_trips_through_its_file_text() {
        let root = sample();
        assert_eq!(TrustRoot::parse(&root.to_file_text()).unwrap(), root);
    }

    #[test]
    fn refuses_a_root_that_protects_nothing() {
        type Spoil = fn(&mut TrustRoot);
        let cases: [(&str, Spoil); 8] = [
            ("one officer", |r| {
                r.officers.truncate(1);
                r.threshold = 1;
            }),
            ("threshold one", |r| r.threshold = 1),
            ("threshold above officers", |r| r.threshold = 3),
            ("same key twice", |r| {
                r.officers[1].public_key = r.officers[0].public_key
            }),
            ("no witness", |r| {
                r.witnesses.clear();
                r.witness_threshold = 0;
            }),
            ("witness threshold zero", |r| r.witness_threshold = 0),
            ("log key", |r| r.log_key = "nonsense".into()),
            ("witness named otherwise than its key", |r| {
                r.witnesses[0].name = "w.example/other".into()
            }),
        ];
        for (what, spoil) in cases {
            let mut root = sample();
            spoil(&mut root);
            assert!(
                TrustRoot::parse(&root.to_file_text()).is_err(),
                "accepted a root with {what}"
            );
        }
        let text = sample().to_file_text().replacen('{', "{\"extra\":1,", 1);
        assert!(matches!(
            TrustRoot::parse(&text),
            Err(TrustRootError::Shape(_))
        ));
    }
}
