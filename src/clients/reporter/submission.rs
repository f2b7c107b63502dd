//! What the reporter's client sends: the draft, the directory it is wrapped to, and the
//! sealed submission (DESIGN §3, §11).
//!
//! Contract: [`prepare_submission`] wraps the thread key to the reporter and to exactly the
//! readers of a [`TrustedDirectory`] (signed entries minus the suspended) and refuses a report
//! that nobody could open; its `cmt` is the version-2 commitment over the labels, the
//! directory hash and the holders, which the receipt must repeat.

use zeroize::Zeroizing;

use crate::clients::{ClientError, MessageContent};
use crate::protocol::crypto::access_code::AccessCode;
use crate::protocol::crypto::item::{Item, ItemKind};
use crate::protocol::crypto::wrap::{WrapPurpose, seal_case_key};
use crate::protocol::crypto::{commit, random_bytes};
use crate::protocol::trust::{DirectoryEntry, VerifiedDirectory};
use crate::protocol::wire::{PowSolution, REPORTER, SubmitRequest};

/// What the reporter fills in.
#[derive(Clone, Debug)]
pub struct Draft {
    pub theme: String,
    pub unit: String,
    pub relation: Option<String>,
    /// The report itself, as the form's fields; encrypted before it leaves.
    pub report: serde_json::Value,
    /// Send to the national desk only (a report about one's own unit's intake).
    pub national_only: bool,
}

/// A directory that passed every check, with the suspension list that came with it.
#[derive(Clone, Debug)]
pub struct TrustedDirectory {
    pub directory: VerifiedDirectory,
    pub suspended: Vec<String>,
}

impl TrustedDirectory {
    /// The keys a report about `draft`'s unit is wrapped to.
    pub fn readers_for<'a>(&'a self, draft: &'a Draft) -> Vec<&'a DirectoryEntry> {
        self.directory
            .readers(&draft.unit, draft.national_only, &self.suspended)
            .collect()
    }
}

/// A submission ready to send, with what the reporter keeps.
pub struct Prepared {
    pub request: SubmitRequest,
    pub thread_key: Zeroizing<[u8; 32]>,
    pub cmt: [u8; 32],
}

/// Builds the request for `draft` to the readers of `directory`, for the reporter holding
/// `code`. Refuses a report that no reader could open.
pub fn prepare_submission(
    directory: &TrustedDirectory,
    draft: &Draft,
    code: &AccessCode,
    pow: PowSolution,
) -> Result<Prepared, ClientError> {
    let crypto = |e: crate::protocol::crypto::CryptoError| ClientError::Crypto(e.to_string());
    let keys = code.derive_keys();
    let case_id = random_bytes::<16>();
    let thread_key = Zeroizing::new(random_bytes::<32>());
    let plaintext = Zeroizing::new(
        serde_json::to_vec(&draft.report).map_err(|e| ClientError::Protocol(e.to_string()))?,
    );
    let item = Item::seal(
        &thread_key,
        &case_id,
        random_bytes::<16>(),
        ItemKind::Report,
        &plaintext,
    )
    .map_err(crypto)?;
    let readers = directory.readers_for(draft);
    if readers.is_empty() {
        return Err(ClientError::NoReader(draft.unit.clone()));
    }
    let mut wraps = vec![
        seal_case_key(
            &keys.reporter_pk,
            REPORTER,
            &case_id,
            WrapPurpose::Thread,
            &thread_key,
        )
        .map_err(crypto)?,
    ];
    for r in readers {
        wraps.push(
            seal_case_key(
                &r.public_key,
                &r.kid,
                &case_id,
                WrapPurpose::Thread,
                &thread_key,
            )
            .map_err(crypto)?,
        );
    }
    let kc = commit::key_commitment(&thread_key);
    let items = vec![item];
    let holders: Vec<&str> = wraps.iter().map(|w| w.to.as_str()).collect();
    let cmt = commit::submission_commitment_v2(
        &case_id,
        &kc,
        &commit::Filing {
            theme: &draft.theme,
            unit: &draft.unit,
            relation: draft.relation.as_deref(),
            directory: &directory.directory.hash,
            holders: &holders,
        },
        &items,
    );
    Ok(Prepared {
        request: SubmitRequest {
            pow,
            case_id,
            theme: draft.theme.clone(),
            unit: draft.unit.clone(),
            relation: draft.relation.clone(),
            reporter_pk: keys.reporter_pk,
            verifier: keys.verifier(),
            binding: keys.binding(),
            kc,
            directory: directory.directory.hash,
            national_only: draft.national_only,
            wraps,
            items,
        },
        thread_key,
        cmt,
    })
}

/// A message item with `text`, sealed to the thread key.
pub fn seal_message(
    thread_key: &[u8; 32],
    case_id: &[u8; 16],
    text: &str,
) -> Result<Item, ClientError> {
    seal_text(thread_key, case_id, ItemKind::Message, text)
}

/// An item of `kind` holding `{"text": text}` (messages and notes), sealed under `key`.
pub fn seal_text(
    key: &[u8; 32],
    case_id: &[u8; 16],
    kind: ItemKind,
    text: &str,
) -> Result<Item, ClientError> {
    let plain = Zeroizing::new(
        serde_json::to_vec(&MessageContent {
            text: text.to_owned(),
        })
        .map_err(|e| ClientError::Protocol(e.to_string()))?,
    );
    Item::seal(key, case_id, random_bytes::<16>(), kind, &plain)
        .map_err(|e| ClientError::Crypto(e.to_string()))
}
