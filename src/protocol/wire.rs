//! The reporter protocol's JSON shapes (DESIGN §8) and its limits, shared by the server and the
//! Rust client so both sides parse exactly the same thing.
//!
//! Requests deny unknown fields: a client that sends something we do not understand learns it
//! at once instead of believing it was stored.

use serde::{Deserialize, Serialize};

use crate::protocol::crypto::item::Item;
use crate::protocol::crypto::serde_b64;
use crate::protocol::crypto::wrap::Wrap;
use crate::protocol::domain::Choice;
use crate::protocol::statements::Status;

/// Largest body `POST /api/v1/reports` accepts.
pub const MAX_REPORT_BODY: usize = 768 * 1024;
/// Largest body `POST /api/v1/reporter/messages` accepts.
pub const MAX_MESSAGE_BODY: usize = 384 * 1024;
/// Largest item ciphertext (padded plaintext + tag).
pub const MAX_ITEM_CT_LEN: usize = 256 * 1024 + 16;
/// Most wraps a submission may carry (one per recipient plus the reporter's).
pub const MAX_WRAPS: usize = 64;
/// Most statements (receipt, messages, status changes) one case may collect.
pub const MAX_STATEMENTS_PER_CASE: u32 = 1000;
/// Of those, the last ones only staff may add: a reporter who fills a case with messages must
/// not keep the organisation from acknowledging, answering or closing it.
pub const STAFF_RESERVED_STATEMENTS: u32 = 100;
/// Most item ciphertext, in bytes, one case may hold (report, messages, notes): so one proof
/// of work never buys more than this much disk.
pub const MAX_CASE_BYTES: u64 = 20 * 1024 * 1024;
/// Of those, the last ones only staff may fill (their replies and notes), as above.
pub const STAFF_RESERVED_BYTES: u64 = 4 * 1024 * 1024;
/// Messages a reporter may send to one case per hour without proof of work; beyond them each
/// message carries a solved challenge in the [`POW_HEADER`].
pub const FREE_MESSAGES_PER_HOUR: u32 = 4;
/// The header that carries a message's proof of work: `<challenge b64u>:<nonce>`.
pub const POW_HEADER: &str = "Meldpunt-Pow";
/// Most items one page of `…/items` returns…
pub const MAX_ITEMS_PER_PAGE: usize = 32;
/// …and most ciphertext bytes (a page holds at least one item, whatever its size).
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;
/// Most leaf hashes one page of `GET /api/v1/log/leaf-hashes` returns.
pub const MAX_LEAF_HASHES: u64 = 1000;
/// The `to` of the reporter's own wrap.
pub const REPORTER: &str = "reporter";

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PowSolution {
    pub challenge: String,
    pub nonce: u64,
}

/// `POST /api/v1/reports`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    pub pow: PowSolution,
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub case_id: [u8; 16],
    pub theme: String,
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub reporter_pk: [u8; 32],
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub verifier: [u8; 32],
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub binding: [u8; 32],
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub kc: [u8; 32],
    /// The hash of the recipient directory the wraps were made from (DESIGN §11); it must be
    /// the one in force.
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub directory: [u8; 32],
    /// Sent to the national desk only (a report about one's own unit's intake).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub national_only: bool,
    pub wraps: Vec<Wrap>,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubmitResponse {
    #[serde(rename = "ref")]
    pub case_ref: String,
    pub receipt: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Deadlines {
    /// Unix seconds by which the case must be acknowledged (7 days after receipt).
    pub acknowledge_by: u64,
    /// Unix seconds by which the reporter must get feedback (3 months after acknowledgement);
    /// absent until the case is acknowledged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_by: Option<u64>,
}

/// `GET /api/v1/reporter/case`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseView {
    #[serde(rename = "ref")]
    pub case_ref: String,
    /// Not in DESIGN §8's list, but the reporter needs it: it is part of every wrap's `info`
    /// and item's AAD, and a reporter coming back with only the access code has nothing else.
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub case_id: [u8; 16],
    pub theme: String,
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    pub status: Status,
    pub deadlines: Deadlines,
    pub statements: Vec<String>,
    pub wraps: Vec<Wrap>,
    /// The report item, which the receipt's `cmt` commits to. Every later item (messages,
    /// attachments) comes in pages from `GET /api/v1/reporter/items`, so this answer stays
    /// bounded however long the conversation grows.
    pub report: Item,
    /// The holders the submission was wrapped to, which a version-2 receipt commits to.
    #[serde(default)]
    pub submitted_to: Vec<String>,
    /// The newest signed checkpoint of the transparency log, if one was issued yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
    /// Aligned with `statements`: each statement's inclusion proof against `checkpoint`, or
    /// `null` when the statement is newer than the checkpoint (or there is none).
    #[serde(default)]
    pub proofs: Vec<Option<InclusionProofView>>,
}

/// `GET /api/v1/log/proof/inclusion`: RFC 9162 `PATH(index, D[0:size])`, leaf side first;
/// hashes in b64u.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InclusionProofView {
    pub index: u64,
    pub size: u64,
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub leaf_hash: [u8; 32],
    #[serde(with = "hash_list")]
    #[schema(value_type = Vec<String>)]
    pub path: Vec<[u8; 32]>,
}

/// `GET /api/v1/log/proof/consistency`: RFC 9162 `PROOF(from, D[0:to])`; hashes in b64u.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyProofView {
    pub from: u64,
    pub to: u64,
    #[serde(with = "hash_list")]
    #[schema(value_type = Vec<String>)]
    pub path: Vec<[u8; 32]>,
}

/// `GET /api/v1/log/leaf-hashes`: the leaf hashes of `[start, start + hashes.len())`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeafHashesView {
    pub start: u64,
    #[serde(with = "hash_list")]
    #[schema(value_type = Vec<String>)]
    pub hashes: Vec<[u8; 32]>,
}

/// `GET /api/v1/reporter/items?after=CURSOR` (and the staff twin): a page of a case's items in
/// arrival order, after the report. `next` is the cursor of the following page, absent on the
/// last one. At most [`MAX_ITEMS_PER_PAGE`] items and [`MAX_PAGE_BYTES`] of ciphertext.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemPage {
    pub items: Vec<Item>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatementResponse {
    pub statement: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PowConfig {
    pub bits: u8,
}

/// `GET /api/v1/config`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConfigView {
    pub themes: Vec<Choice>,
    pub units: Vec<Choice>,
    pub relations: Vec<Choice>,
    pub pow: PowConfig,
}

/// `GET /api/v1/directory`: the newest recipient directory (DESIGN §11), exactly the text that
/// is its log leaf, with what a client needs to check it: its leaf index, the newest published
/// checkpoint (with the witnesses' cosignatures) and the inclusion proof against it (`null`
/// while the checkpoint does not cover it yet), and the unsigned suspension list.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DirectoryView {
    pub directory: String,
    pub seq: u64,
    pub log: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<InclusionProofView>,
    pub suspended: Vec<String>,
}

/// `GET /api/v1/directory/versions/{seq}`: one published version and its leaf index.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DirectoryVersionView {
    pub directory: String,
    pub seq: u64,
    pub log: u64,
}

/// `GET /api/v1/directory/proposal`: the version waiting for officers' signatures.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProposalView {
    /// b64u of the payload bytes, exactly as officers sign them.
    pub payload: String,
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub hash: [u8; 32],
    /// The kids of the officers who signed it so far.
    pub signed_by: Vec<String>,
    pub needed: usize,
}

/// `POST /api/v1/directory/proposal/signatures`: one officer's signature on the proposal
/// whose hash is `hash`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignatureRequest {
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub hash: [u8; 32],
    pub protected: String,
    pub signature: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SignatureResponse {
    pub signers: usize,
    pub needed: usize,
    /// The seq of the version this signature published, if it completed the quorum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<u64>,
}

/// A case's ciphertext bundle, as `meldpunt case export` prints it for offline reading.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseExport {
    pub format: String,
    #[serde(rename = "ref")]
    pub case_ref: String,
    #[serde(with = "serde_b64::fixed")]
    pub case_id: [u8; 16],
    pub theme: String,
    pub unit: String,
    #[serde(default)]
    pub relation: Option<String>,
    pub received_hour: u64,
    pub status: Status,
    #[serde(with = "serde_b64::fixed")]
    pub kc: [u8; 32],
    #[serde(with = "serde_b64::fixed")]
    pub reporter_pk: [u8; 32],
    pub wraps: Vec<Wrap>,
    /// The holders the submission was wrapped to (version-2 receipts commit to them).
    #[serde(default)]
    pub submitted_to: Vec<String>,
    pub items: Vec<Item>,
    pub statements: Vec<String>,
}

/// A list of 32-byte hashes as a JSON array of b64u strings.
mod hash_list {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hashes: &[[u8; 32]], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(hashes.iter().map(crate::protocol::b64::encode))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[u8; 32]>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|text| {
                crate::protocol::b64::decode_array::<32>(text)
                    .ok_or_else(|| D::Error::custom("hash: expected 32 bytes of b64u"))
            })
            .collect()
    }
}

/// The `format` of a [`CaseExport`].
pub const EXPORT_FORMAT: &str = "meldpunt-case-export-v1";
