//! The staff side's records: users and their invites, the per-case staff state (assignments,
//! triage), and the audit chain (DESIGN §6), as every store keeps them.
//!
//! Contract:
//! - Audit records are chained by `prev = b64u(SHA-256(previous record's stored bytes))` (32
//!   zero bytes before the first; the stored bytes are [`audit_bytes`]); the store keeps the
//!   next `seq` and the newest record's hash beside them, so a truncated or edited tail is
//!   detected too ([`verify_audit_chain`]). The sequencer writes an audit record in the same
//!   batch as the change it records.
//! - The server keeps no password and no private key: a user holds Argon2id(auth_hash), the
//!   public key and the AES-GCM-wrapped private key (DESIGN §3.7). The TOTP secret is the one
//!   secret it must hold.

use serde::{Deserialize, Serialize};

use crate::protocol::crypto::serde_b64;
use crate::protocol::crypto::sha256;
pub use crate::protocol::log::checkpoint::AuditHead;
use crate::protocol::roles::{Outcome, Role};
pub use crate::protocol::staff_keys::WrappedKey;

/// A staff user as stored; `enrolled` is absent until the invite was used. `Debug` leaves out
/// the TOTP secret and the enrolment (password hash), so a stray `{:?}` cannot log them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    #[serde(with = "serde_b64::fixed")]
    pub user_id: [u8; 16],
    pub name: String,
    pub roles: Vec<Role>,
    pub unit: Option<String>,
    #[serde(with = "serde_b64::fixed")]
    pub kdf_salt: [u8; 16],
    pub kdf_iterations: u32,
    #[serde(with = "serde_b64::fixed")]
    pub totp_secret: [u8; 20],
    pub invited_hour: u64,
    pub disabled: bool,
    /// The newest TOTP time step accepted; a step is accepted once, and never an older one.
    pub last_totp_step: u64,
    pub enrolled: Option<Enrolment>,
    /// An admin reset the second factor: sign-in is refused until the user proves the
    /// password and confirms a code of the new secret on the reset link (`staff::reset`).
    #[serde(default)]
    pub totp_reset_pending: bool,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("name", &self.name)
            .field("roles", &self.roles)
            .field("unit", &self.unit)
            .field("disabled", &self.disabled)
            .field("enrolled", &self.enrolled.is_some())
            .finish_non_exhaustive()
    }
}

impl UserRecord {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn kid(&self) -> Option<&str> {
        self.enrolled.as_ref().map(|e| e.kid.as_str())
    }

    /// Enrolled and not disabled: may sign in, counts as a recipient or assignee.
    pub fn active(&self) -> bool {
        self.enrolled.is_some() && !self.disabled
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// Argon2id(auth_hash) as a PHC string.
    pub auth_phc: String,
    #[serde(with = "serde_b64::fixed")]
    pub public_key: [u8; 32],
    pub kid: String,
    pub wrapped_private_key: WrappedKey,
    pub hour: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum StoredUser {
    #[serde(rename = "1")]
    V1(UserRecord),
}

/// An open invite, keyed by SHA-256 of its token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum StoredInvite {
    #[serde(rename = "1")]
    V1(InviteRecord),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRecord {
    #[serde(with = "serde_b64::fixed")]
    pub user_id: [u8; 16],
    /// Unix seconds after which the invite no longer works.
    pub expires: u64,
    /// A link to set up a new second factor for an enrolled user, not to enrol.
    #[serde(default)]
    pub reset: bool,
    /// Wrong passwords tried on this reset link; it is withdrawn at `staff::reset::MAX_FAILURES`.
    #[serde(default)]
    pub failures: u32,
}

/// Staff state of a case that the reporter never sees.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseStaff {
    /// User ids (b64u) of the assigned investigators, in order of assignment.
    pub assigned: Vec<String>,
    pub triage: Option<Triage>,
    /// Who wrote each staff item (messages and notes), for colleagues only: the reporter sees
    /// "the reporting channel", never a name.
    #[serde(default)]
    pub authors: Vec<ItemAuthor>,
    /// Per user id (b64u): how many reporter messages the case had when they last opened it
    /// or wrote to it. Absent: never opened.
    #[serde(default)]
    pub seen: std::collections::BTreeMap<String, u32>,
}

/// The staff author of an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemAuthor {
    /// b64u item id.
    pub item: String,
    /// b64u user id.
    pub user: String,
    /// Unix seconds, whole hours.
    pub hour: u64,
    /// An internal note (only holders of the internal key see its author).
    pub note: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triage {
    pub outcome: Outcome,
    pub hour: u64,
    /// b64u id of the note item (internal key) that holds the reason.
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum StoredCaseStaff {
    #[serde(rename = "1")]
    V1(CaseStaff),
}

/// What an audit record says; the store adds `seq`, `hour` and `prev`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// A user id (b64u), `system` or `cli`.
    pub actor: String,
    pub action: String,
    pub case_ref: Option<String>,
    pub detail: String,
}

impl AuditEntry {
    pub fn new(actor: impl Into<String>, action: &str, detail: impl Into<String>) -> Self {
        AuditEntry {
            actor: actor.into(),
            action: action.to_owned(),
            case_ref: None,
            detail: detail.into(),
        }
    }

    pub fn on_case(mut self, case_ref: &str) -> Self {
        self.case_ref = Some(case_ref.to_owned());
        self
    }
}

/// One record of the audit chain, as stored (inside `{"v":"1",…}`); `staff_wire::AuditRecord`
/// is how it is served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    pub seq: u64,
    /// Unix seconds, truncated to the hour.
    pub hour: u64,
    pub actor: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_ref: Option<String>,
    pub detail: String,
    /// b64u(SHA-256(previous record's stored bytes)).
    pub prev: String,
}

impl AuditRecord {
    /// How the record is served (`staff_wire`): the same fields, decoupled from this format.
    pub fn to_wire(&self) -> crate::protocol::staff_wire::AuditRecord {
        crate::protocol::staff_wire::AuditRecord {
            seq: self.seq,
            hour: self.hour,
            actor: self.actor.clone(),
            action: self.action.clone(),
            case_ref: self.case_ref.clone(),
            detail: self.detail.clone(),
            prev: self.prev.clone(),
        }
    }
}

impl Triage {
    /// How the triage is served (`staff_wire`).
    pub fn to_wire(&self) -> crate::protocol::staff_wire::Triage {
        crate::protocol::staff_wire::Triage {
            outcome: self.outcome,
            hour: self.hour,
            note: self.note.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum StoredAudit {
    #[serde(rename = "1")]
    V1(AuditRecord),
}

/// The stored audit chain does not verify.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuditBroken {
    #[error("record at key {key} does not parse")]
    Unreadable { key: String },
    #[error("record {expected} is missing or out of order (found {found})")]
    Gap { expected: u64, found: u64 },
    #[error("record {seq} does not chain to the record before it")]
    Chain { seq: u64 },
    #[error("the chain head does not match the newest record")]
    Head,
}

/// The bytes an audit record is stored (and hashed) as.
pub fn audit_bytes(record: &AuditRecord) -> Vec<u8> {
    super::records::encode(&StoredAudit::V1(record.clone()))
}

/// Hash of an audit record's stored bytes, as the next record's `prev`.
pub fn audit_hash(stored: &[u8]) -> [u8; 32] {
    sha256(stored)
}

/// Recomputes the chain from the stored `(key, bytes)` pairs (in key order) and the stored head
/// (`next seq || hash`); returns the head or why the chain is broken.
pub fn verify_audit_chain(
    records: &[(Vec<u8>, Vec<u8>)],
    head: Option<&[u8]>,
) -> Result<Option<AuditHead>, AuditBroken> {
    let mut prev = [0u8; 32];
    for (i, (key, bytes)) in records.iter().enumerate() {
        let expected = i as u64;
        let unreadable = || AuditBroken::Unreadable {
            key: crate::protocol::b64::encode(key),
        };
        let StoredAudit::V1(record) =
            super::records::decode::<StoredAudit>(bytes).map_err(|_| unreadable())?;
        let key_seq = <[u8; 8]>::try_from(key.as_slice())
            .map(u64::from_be_bytes)
            .map_err(|_| unreadable())?;
        if record.seq != expected || key_seq != expected {
            return Err(AuditBroken::Gap {
                expected,
                found: record.seq,
            });
        }
        if record.prev != crate::protocol::b64::encode(prev) {
            return Err(AuditBroken::Chain { seq: record.seq });
        }
        prev = audit_hash(bytes);
    }
    let expected_head = match records.len() {
        0 => None,
        n => {
            let mut h = (n as u64).to_be_bytes().to_vec();
            h.extend_from_slice(&prev);
            Some(h)
        }
    };
    if expected_head.as_deref() != head {
        return Err(AuditBroken::Head);
    }
    Ok((!records.is_empty()).then(|| AuditHead {
        seq: records.len() as u64 - 1,
        hash: crate::protocol::b64::encode(prev),
    }))
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn debug_output_holds_no_secret() {
        let user = UserRecord {
            user_id: [1; 16],
            name: "ilse".into(),
            roles: vec![Role::Intake],
            unit: Some("amsterdam".into()),
            kdf_salt: [2; 16],
            kdf_iterations: 1000,
            totp_secret: [0xAB; 20],
            invited_hour: 0,
            disabled: false,
            last_totp_step: 0,
            totp_reset_pending: false,
            enrolled: None,
        };
        let shown = format!("{user:?}");
        assert!(shown.contains("ilse"));
        assert!(!shown.contains("171") && !shown.contains("totp"), "{shown}");
    }
}
