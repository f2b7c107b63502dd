//! The records the store keeps, as versioned serde values.
//!
//! Every value written to sled is `{"v":1, ...}` JSON, so a later format can be read next to the
//! old one and migrated lazily. Records hold ciphertext, hashes and coarse (hour) timestamps
//! only: nothing here can identify a reporter or reveal what was reported (DESIGN G1, G2).

use serde::{Deserialize, Serialize};

use crate::protocol::crypto::CaseId;
use crate::protocol::crypto::serde_b64;
use crate::protocol::crypto::wrap::Wrap;
use crate::protocol::statements::Status;

/// A case as stored: its metadata, the reporter's and recipients' wraps, and where its
/// statement chain stands. Items and statements live in their own trees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum StoredCase {
    #[serde(rename = "1")]
    V1(CaseRecord),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    #[serde(with = "serde_b64::fixed")]
    pub case_id: CaseId,
    pub case_ref: String,
    pub theme: String,
    pub unit: String,
    pub relation: Option<String>,
    #[serde(with = "serde_b64::fixed")]
    pub reporter_pk: [u8; 32],
    /// SHA-256 of the reporter's auth key: how the reporter's requests find the case.
    #[serde(with = "serde_b64::fixed")]
    pub verifier: [u8; 32],
    /// SHA-256(rb), the receipt's `sub`.
    #[serde(with = "serde_b64::fixed")]
    pub binding: [u8; 32],
    /// HMAC-SHA256(thread key, …): the key commitment of DESIGN §3.6.
    #[serde(with = "serde_b64::fixed")]
    pub kc: [u8; 32],
    /// Unix seconds, truncated to the hour.
    pub received_hour: u64,
    pub status: Status,
    pub acknowledged_hour: Option<u64>,
    pub wraps: Vec<Wrap>,
    /// How many statements the case has; the next one gets this `seq`.
    pub statement_count: u32,
    /// `chain_hash` of the newest statement (b64u): the next statement's `prev`.
    pub last_statement_hash: String,
    /// Item ciphertext bytes the case holds, at most `protocol::MAX_CASE_BYTES`. (Cases stored
    /// before this field count from 0.)
    #[serde(default)]
    pub content_bytes: u64,
    /// The reporter's free messages of the current hour (`protocol::FREE_MESSAGES_PER_HOUR`).
    #[serde(default)]
    pub free_messages: HourCount,
    /// The `to` of every wrap the submission carried, which a version-2 receipt commits to
    /// (empty for cases from before directories).
    #[serde(default)]
    pub submitted_to: Vec<String>,
    /// How many messages the reporter sent (the staff inbox marks new ones). Cases stored
    /// before this field count from 0.
    #[serde(default)]
    pub reporter_messages: u32,
}

/// How many of something happened in one hour (unix seconds, a whole hour).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourCount {
    pub hour: u64,
    pub count: u32,
}

impl StoredCase {
    pub fn into_current(self) -> CaseRecord {
        match self {
            StoredCase::V1(record) => record,
        }
    }
}

/// An intake recipient registered by an admin (until staff accounts exist).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum StoredRecipient {
    #[serde(rename = "1")]
    V1(Recipient),
}

pub use crate::protocol::recipients::Recipient;

/// A statement as stored: the JWS and the log index it was appended at (which the JWS's `log`
/// claim also says; kept so nothing has to read it back out of a signed payload).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum StoredStatement {
    #[serde(rename = "1")]
    V1 { log: u64, jws: String },
}

/// A case's statement with its log index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementEntry {
    pub log: u64,
    pub jws: String,
}

/// A published version of the recipient directory: its document text exactly as it is the
/// log's leaf at `log_index`, and the hash of its payload (DESIGN §11).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryRecord {
    pub seq: u64,
    pub log_index: u64,
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub hash: [u8; 32],
    pub document: String,
}

/// The directory version waiting for officers' signatures: its payload (b64u, exactly as
/// signed) and the signatures collected so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalRecord {
    pub payload: String,
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub hash: [u8; 32],
    pub signatures: Vec<crate::protocol::trust::DirectorySignature>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum StoredDirectory {
    #[serde(rename = "1")]
    V1(DirectoryRecord),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum StoredProposal {
    #[serde(rename = "1")]
    V1(ProposalRecord),
}

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising these plain structs cannot fail: no maps with non-string keys, no I/O.
    serde_json::to_vec(value).expect("records serialise")
}

pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(bytes)
}
