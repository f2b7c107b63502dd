//! What receipts and later statements say (DESIGN §4), as types: each kind of statement has
//! exactly its fields, and statuses and outcomes are enums, so a statement of the wrong shape
//! cannot be built, and one that arrives is refused when it is read.
//!
//! | kind (JSON `kind`) | typ | fields besides `iss, ref, seq, iat, log` |
//! |---|---|---|
//! | receipt (none; `status: received`) | receipt | `sub`, `cmt`, `dir` (version-2 commitments) (seq 0) |
//! | `status` | statement | `status` (not `received`), `outcome` exactly when `closed`, `prev` |
//! | `message` | statement | `from` (`reporter` or `staff`), `item`, `prev` |
//! | `identity_viewed` | statement | `prev` |
//!
//! `web/js/crypto/statement-shape.js` mirrors this table; the conformance testkit
//! (`tests/testkit/`) pins both to the same verdicts.
//!
//! Guarantees:
//! - Serialisation order is the design's: a receipt is `iss, ref, seq, status, iat, sub, cmt,
//!   dir?, log`, a later statement `iss, ref, seq, kind, status?, outcome?, from?, item?, iat, prev,
//!   log`.
//! - `iat` is a whole hour: constructors truncate it ([`crate::protocol::time::hour_floor`]), and reading refuses
//!   anything else, so no exact time can be signed into a statement (G2).
//! - Hashes (`sub`, `cmt`, `item`, `prev`) are 32 bytes, b64u on the wire.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::jws::{TYP_RECEIPT, TYP_STATEMENT};
use crate::protocol::b64;
use crate::protocol::roles::Outcome;

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// A receipt (seq 0) or a later statement in a case's hash chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementPayload {
    pub iss: String,
    pub case_ref: String,
    pub seq: u32,
    /// Unix seconds, a whole hour.
    pub iat: u64,
    /// Leaf index of this statement in the transparency log.
    pub log: u64,
    pub body: StatementBody,
}

/// What a statement says, by kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatementBody {
    /// The receipt: status `received`; `sub` = SHA-256(rb), `cmt` the submission commitment;
    /// `dir`, the hash of the recipient directory the report was wrapped from, marks a
    /// version-2 commitment (`crypto::commit`); receipts from before directories lack it.
    Receipt {
        sub: Hash,
        cmt: Hash,
        dir: Option<Hash>,
    },
    /// A new status the reporter sees.
    Status { prev: Hash, change: StatusChange },
    /// A message from one side (never which person); `item` = SHA-256(item_bytes).
    Message { prev: Hash, from: Party, item: Hash },
    /// The reporter's confidential identity was opened.
    IdentityViewed { prev: Hash },
}

/// The kinds of statement, as [`StatementPayload::kind`] names them.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    Receipt,
    Status,
    Message,
    IdentityViewed,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Received,
    Acknowledged,
    Investigating,
    Referred,
    HandledInLine,
    Closed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Received,
        Status::Acknowledged,
        Status::Investigating,
        Status::Referred,
        Status::HandledInLine,
        Status::Closed,
    ];

    /// The name JSON uses.
    pub fn name(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Acknowledged => "acknowledged",
            Status::Investigating => "investigating",
            Status::Referred => "referred",
            Status::HandledInLine => "handled_in_line",
            Status::Closed => "closed",
        }
    }
}

/// A status a `status` statement may set: every status but `received` (the receipt's), and
/// `closed` only with its outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusChange {
    Acknowledged,
    Investigating,
    Referred,
    HandledInLine,
    Closed(Outcome),
}

impl StatusChange {
    /// The change that sets `status`, with `outcome` exactly when it is `closed`.
    pub fn new(status: Status, outcome: Option<Outcome>) -> Option<StatusChange> {
        Some(match (status, outcome) {
            (Status::Acknowledged, None) => StatusChange::Acknowledged,
            (Status::Investigating, None) => StatusChange::Investigating,
            (Status::Referred, None) => StatusChange::Referred,
            (Status::HandledInLine, None) => StatusChange::HandledInLine,
            (Status::Closed, Some(outcome)) => StatusChange::Closed(outcome),
            _ => return None,
        })
    }

    pub fn status(self) -> Status {
        match self {
            StatusChange::Acknowledged => Status::Acknowledged,
            StatusChange::Investigating => Status::Investigating,
            StatusChange::Referred => Status::Referred,
            StatusChange::HandledInLine => Status::HandledInLine,
            StatusChange::Closed(_) => Status::Closed,
        }
    }

    pub fn outcome(self) -> Option<Outcome> {
        match self {
            StatusChange::Closed(outcome) => Some(outcome),
            _ => None,
        }
    }
}

/// Who sent a message: a side, never a person.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Reporter,
    Staff,
}

impl StatementPayload {
    /// The receipt (seq 0). `iat` is truncated to the hour.
    pub fn receipt(
        iss: impl Into<String>,
        case_ref: impl Into<String>,
        iat: u64,
        sub: Hash,
        cmt: Hash,
        log: u64,
    ) -> Self {
        StatementPayload {
            iss: iss.into(),
            case_ref: case_ref.into(),
            seq: 0,
            iat: crate::protocol::time::hour_floor(iat),
            log,
            body: StatementBody::Receipt {
                sub,
                cmt,
                dir: None,
            },
        }
    }

    /// A later statement (seq > 0) saying `body`. `iat` is truncated to the hour.
    pub fn later(
        iss: impl Into<String>,
        case_ref: impl Into<String>,
        seq: u32,
        iat: u64,
        log: u64,
        body: StatementBody,
    ) -> Self {
        StatementPayload {
            iss: iss.into(),
            case_ref: case_ref.into(),
            seq,
            iat: crate::protocol::time::hour_floor(iat),
            log,
            body,
        }
    }

    pub fn kind(&self) -> StatementKind {
        match self.body {
            StatementBody::Receipt { .. } => StatementKind::Receipt,
            StatementBody::Status { .. } => StatementKind::Status,
            StatementBody::Message { .. } => StatementKind::Message,
            StatementBody::IdentityViewed { .. } => StatementKind::IdentityViewed,
        }
    }

    /// The JWS `typ` this payload is signed under.
    pub fn typ(&self) -> &'static str {
        match self.body {
            StatementBody::Receipt { .. } => TYP_RECEIPT,
            _ => TYP_STATEMENT,
        }
    }

    /// The status the statement reports: `received` for the receipt, the new one for a status
    /// statement, none otherwise.
    pub fn status(&self) -> Option<Status> {
        match self.body {
            StatementBody::Receipt { .. } => Some(Status::Received),
            StatementBody::Status { change, .. } => Some(change.status()),
            _ => None,
        }
    }

    pub fn outcome(&self) -> Option<Outcome> {
        match self.body {
            StatementBody::Status { change, .. } => change.outcome(),
            _ => None,
        }
    }

    pub fn from(&self) -> Option<Party> {
        match self.body {
            StatementBody::Message { from, .. } => Some(from),
            _ => None,
        }
    }

    /// The message item's hash.
    pub fn item(&self) -> Option<&Hash> {
        match &self.body {
            StatementBody::Message { item, .. } => Some(item),
            _ => None,
        }
    }

    /// The chain link: SHA-256 of the previous statement's JWS (none for the receipt).
    pub fn prev(&self) -> Option<&Hash> {
        match &self.body {
            StatementBody::Receipt { .. } => None,
            StatementBody::Status { prev, .. }
            | StatementBody::Message { prev, .. }
            | StatementBody::IdentityViewed { prev } => Some(prev),
        }
    }

    /// The receipt's `sub`.
    pub fn sub(&self) -> Option<&Hash> {
        match &self.body {
            StatementBody::Receipt { sub, .. } => Some(sub),
            _ => None,
        }
    }

    /// The receipt's `dir` (version-2 commitments only).
    pub fn dir(&self) -> Option<&Hash> {
        match &self.body {
            StatementBody::Receipt { dir, .. } => dir.as_ref(),
            _ => None,
        }
    }

    /// The receipt's `cmt`.
    pub fn cmt(&self) -> Option<&Hash> {
        match &self.body {
            StatementBody::Receipt { cmt, .. } => Some(cmt),
            _ => None,
        }
    }
}

/// The wire form: every field any kind may carry, in the design's order.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Flat {
    iss: String,
    #[serde(rename = "ref")]
    case_ref: String,
    seq: u32,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    kind: Option<StatementKind>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    from: Option<Party>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    item: Option<String>,
    iat: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    cmt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    dir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    prev: Option<String>,
    log: u64,
}

impl Serialize for StatementPayload {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let hash = |h: Option<&Hash>| h.map(b64::encode);
        let kind = match self.kind() {
            StatementKind::Receipt => None,
            other => Some(other),
        };
        Flat {
            iss: self.iss.clone(),
            case_ref: self.case_ref.clone(),
            seq: self.seq,
            kind,
            status: self.status(),
            outcome: self.outcome(),
            from: self.from(),
            item: hash(self.item()),
            iat: self.iat,
            sub: hash(self.sub()),
            cmt: hash(self.cmt()),
            dir: hash(self.dir()),
            prev: hash(self.prev()),
            log: self.log,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for StatementPayload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Flat::deserialize(d)?
            .typed()
            .map_err(serde::de::Error::custom)
    }
}

impl Flat {
    /// The typed statement, or why these fields are no statement of DESIGN §4.
    fn typed(self) -> Result<StatementPayload, &'static str> {
        let hash = |field: Option<String>| -> Result<Option<Hash>, &'static str> {
            field
                .map(|text| b64::decode_array::<32>(&text).ok_or("hashes are b64u of 32 bytes"))
                .transpose()
        };
        if !self.iat.is_multiple_of(3600) {
            return Err("iat must be truncated to the hour");
        }
        let (sub, cmt, dir, item, prev) = (
            hash(self.sub)?,
            hash(self.cmt)?,
            hash(self.dir)?,
            hash(self.item)?,
            hash(self.prev)?,
        );
        let body = match (self.kind, self.seq == 0) {
            (None, true) => match (self.status, sub, cmt, self.outcome, self.from, item, prev) {
                (Some(Status::Received), Some(sub), Some(cmt), None, None, None, None) => {
                    StatementBody::Receipt { sub, cmt, dir }
                }
                _ => {
                    return Err(
                        "a receipt has status received, sub and cmt (and dir), and nothing else",
                    );
                }
            },
            (Some(kind), false) => {
                let prev = prev.ok_or("a later statement has prev")?;
                if sub.is_some() || cmt.is_some() || dir.is_some() {
                    return Err("only the receipt carries sub, cmt and dir");
                }
                match (kind, self.status, self.outcome, self.from, item) {
                    (StatementKind::Status, Some(status), outcome, None, None) => {
                        let change = StatusChange::new(status, outcome)
                            .ok_or("a status is not received, with an outcome exactly if closed")?;
                        StatementBody::Status { prev, change }
                    }
                    (StatementKind::Message, None, None, Some(from), Some(item)) => {
                        StatementBody::Message { prev, from, item }
                    }
                    (StatementKind::IdentityViewed, None, None, None, None) => {
                        StatementBody::IdentityViewed { prev }
                    }
                    _ => return Err("the fields do not match the statement's kind"),
                }
            }
            (None, false) => return Err("a later statement has a kind"),
            (Some(_), true) => return Err("seq 0 is the receipt"),
        };
        Ok(StatementPayload {
            iss: self.iss,
            case_ref: self.case_ref,
            seq: self.seq,
            iat: self.iat,
            log: self.log,
            body,
        })
    }
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
