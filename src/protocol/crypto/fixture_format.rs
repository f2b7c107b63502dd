//! The JSON shape of `tests/vectors/meldpunt-crypto.json` (test only; see `fixture`).

use serde::{Deserialize, Serialize};

use super::super::CaseId;
use super::super::item::Item;
use super::super::wrap::Wrap;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Fixture {
    pub(super) description: String,
    pub(super) access_codes: Vec<CodeCase>,
    pub(super) parse: Vec<ParseCase>,
    pub(super) padme: Vec<(usize, usize)>,
    pub(super) wraps: Vec<WrapCase>,
    pub(super) items: Vec<ItemCase>,
    pub(super) commitments: Vec<CommitCase>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CodeCase {
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) code: [u8; 16],
    pub(super) display: String,
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) auth_key: [u8; 32],
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) verifier: [u8; 32],
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) reporter_sk: [u8; 32],
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) reporter_pk: [u8; 32],
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) rb: [u8; 32],
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) binding: [u8; 32],
}

/// `code` (b64u) when the text parses, else `error`: length, symbol, typo or overflow.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ParseCase {
    pub(super) text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) error: Option<String>,
}

/// A wrap made deterministic by fixing the ephemeral key: `enc` = DeriveKeyPair(`ikm_e`).pk.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WrapCase {
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) recipient_sk: [u8; 32],
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) recipient_pk: [u8; 32],
    pub(super) kid: String,
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) case_id: CaseId,
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) key: [u8; 32],
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) ikm_e: [u8; 32],
    #[serde(with = "crate::protocol::crypto::serde_b64::bytes")]
    pub(super) info: Vec<u8>,
    pub(super) wrap: Wrap,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ItemCase {
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) key: [u8; 32],
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) case_id: CaseId,
    #[serde(with = "crate::protocol::crypto::serde_b64::bytes")]
    pub(super) plaintext: Vec<u8>,
    pub(super) padded_len: usize,
    #[serde(with = "crate::protocol::crypto::serde_b64::bytes")]
    pub(super) aad: Vec<u8>,
    pub(super) item: Item,
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) item_hash: [u8; 32],
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CommitCase {
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) case_id: CaseId,
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) thread_key: [u8; 32],
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) kc: [u8; 32],
    pub(super) items: Vec<Item>,
    #[serde(with = "crate::protocol::crypto::serde_b64::fixed")]
    pub(super) cmt: [u8; 32],
}
