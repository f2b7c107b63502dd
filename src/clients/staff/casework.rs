//! The staff client's case work: everything that needs the case keys, which are unwrapped
//! and re-wrapped here, on the client. The server only ever sees the resulting wraps and items.

use zeroize::Zeroizing;

use super::{FetchedCase, OpenedStaffCase, StaffClient};
use crate::clients::ClientError;
use crate::clients::reporter::{message_text, seal_message, seal_text};
use crate::protocol::crypto::item::ItemKind;
use crate::protocol::crypto::random_bytes;
use crate::protocol::crypto::wrap::{Wrap, WrapPurpose, open_case_key, seal_case_key};
use crate::protocol::roles::Outcome;
use crate::protocol::staff_wire::{
    AssignRequest, Assignee, CaseDetail, StatusRequest, TriageRequest,
};
use crate::protocol::statements::Status;
use crate::protocol::wire::StatementResponse;

fn crypto(e: crate::protocol::crypto::CryptoError) -> ClientError {
    ClientError::Crypto(e.to_string())
}

impl StaffClient {
    /// Opens the caller's wrap of `purpose`. The thread key is accepted only if it is the key
    /// the signed receipt commits to (`cmt` over `kc` of this key and the report), and the
    /// internal key only if it opens the triage note (written by the client that made the key),
    /// so a server that wraps a key of its own to us cannot read what we encrypt next.
    fn key_of(
        &self,
        case: &FetchedCase,
        purpose: WrapPurpose,
    ) -> Result<Zeroizing<[u8; 32]>, ClientError> {
        let detail = &case.detail;
        let sk = self
            .private_key
            .as_ref()
            .ok_or_else(|| ClientError::Protocol("not signed in".into()))?;
        let wrap = detail
            .wraps
            .iter()
            .find(|w| w.purpose == purpose)
            .ok_or_else(|| ClientError::Crypto(format!("no {purpose:?} wrap for this key")))?;
        let key = open_case_key(sk, &detail.case_id, wrap).map_err(crypto)?;
        match purpose {
            WrapPurpose::Thread => self.check_thread_key(detail, &key)?,
            _ => {
                let triage_note = detail.row.triage.as_ref().and_then(|t| {
                    let id = crate::protocol::b64::decode_array::<16>(&t.note)?;
                    case.items
                        .iter()
                        .find(|i| i.id == id && i.kind == ItemKind::Note)
                });
                if triage_note.is_none_or(|n| n.open(&key, &detail.case_id).is_err()) {
                    return Err(ClientError::Crypto(
                        "the internal key does not open this case's triage note".into(),
                    ));
                }
            }
        }
        Ok(key)
    }

    fn check_thread_key(&self, detail: &CaseDetail, key: &[u8; 32]) -> Result<(), ClientError> {
        let jwks: crate::protocol::statements::Jwks = self.get("/.well-known/jwks.json")?;
        let verifier = crate::protocol::statements::jws::StatementVerifier::from_jwks(&jwks)
            .map_err(|e| ClientError::BadReceipt(e.to_string()))?;
        let receipt = detail
            .statements
            .first()
            .ok_or_else(|| ClientError::BadReceipt("the case has no receipt".into()))?;
        let payload = verifier
            .verify(receipt)
            .map_err(|e| ClientError::BadReceipt(e.to_string()))?
            .payload;
        let kc = crate::protocol::crypto::commit::key_commitment(key);
        let report = std::slice::from_ref(&detail.report);
        let filed = crate::clients::Filed {
            theme: &detail.row.theme,
            unit: &detail.row.unit,
            relation: detail.row.relation.as_deref(),
            submitted_to: &detail.submitted_to,
        };
        if !crate::clients::receipt_commits_to(&payload, &detail.case_id, &kc, report, &filed) {
            return Err(ClientError::BadReceipt(
                "the thread key or report does not match the signed receipt".into(),
            ));
        }
        Ok(())
    }

    /// Reads the case and decrypts what the caller's wraps open. A message or note that does
    /// not open is listed in `unreadable`; the rest of the case is still shown.
    pub fn open_case(&self, case_ref: &str) -> Result<OpenedStaffCase, ClientError> {
        let case = self.fetch_case(case_ref)?;
        let thread = self.key_of(&case, WrapPurpose::Thread)?;
        let internal = self.key_of(&case, WrapPurpose::Internal).ok();
        let case_id = case.detail.case_id;
        let plain = case.detail.report.open(&thread, &case_id).map_err(crypto)?;
        let report =
            serde_json::from_slice(&plain).map_err(|e| ClientError::Protocol(e.to_string()))?;
        let (mut messages, mut notes, mut unreadable) = (Vec::new(), Vec::new(), Vec::new());
        for item in &case.items {
            let (key, texts) = match (item.kind, &internal) {
                (ItemKind::Message, _) => (&thread, &mut messages),
                (ItemKind::Note, Some(k)) => (k, &mut notes),
                _ => continue,
            };
            match message_text(item, key, &case_id) {
                Some(text) => texts.push(text),
                None => unreadable.push(item.id),
            }
        }
        Ok(OpenedStaffCase {
            detail: case.detail,
            items: case.items,
            report,
            messages,
            notes,
            unreadable,
        })
    }

    /// Assigns `to`: unwraps the case keys locally and wraps them to the investigator's key.
    pub fn assign(&self, case_ref: &str, to: &Assignee) -> Result<(), ClientError> {
        let case = self.fetch_case(case_ref)?;
        let detail = &case.detail;
        let directory = self.directory()?;
        let public_key = self.colleague_key(
            &directory,
            &format!("user {}", to.user_id),
            &to.kid,
            &checked_key(&to.public_key, &to.kid)?,
        )?;
        let mut wraps: Vec<Wrap> = Vec::new();
        for purpose in [WrapPurpose::Thread, WrapPurpose::Internal] {
            let key = match self.key_of(&case, purpose) {
                Ok(key) => key,
                Err(_) if purpose == WrapPurpose::Internal => continue,
                Err(e) => return Err(e),
            };
            wraps.push(
                seal_case_key(&public_key, &to.kid, &detail.case_id, purpose, &key)
                    .map_err(crypto)?,
            );
        }
        let body = AssignRequest {
            user_id: to.user_id.clone(),
            wraps,
        };
        self.post_empty(&format!("/api/v1/staff/cases/{case_ref}/assign"), &body)
    }

    /// Triages: makes the internal key, wraps it to every thread holder, writes the reason.
    pub fn triage(
        &self,
        case_ref: &str,
        outcome: Outcome,
        reason: &str,
    ) -> Result<(), ClientError> {
        let detail = self.case(case_ref)?;
        let directory = self.directory()?;
        let internal = Zeroizing::new(random_bytes::<32>());
        let wraps = detail
            .holders
            .iter()
            .map(|h| {
                let checked = checked_key(&h.public_key, &h.kid)?;
                seal_case_key(
                    &self.colleague_key(&directory, &h.kid, &h.kid, &checked)?,
                    &h.kid,
                    &detail.case_id,
                    WrapPurpose::Internal,
                    &internal,
                )
                .map_err(crypto)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let note = seal_text(&internal, &detail.case_id, ItemKind::Note, reason)?;
        let body = TriageRequest {
            outcome,
            wraps,
            note,
        };
        self.post_empty(&format!("/api/v1/staff/cases/{case_ref}/triage"), &body)
    }

    pub fn set_status(
        &self,
        case_ref: &str,
        status: Status,
        outcome: Option<Outcome>,
    ) -> Result<String, ClientError> {
        let answer: StatementResponse = self.post(
            &format!("/api/v1/staff/cases/{case_ref}/status"),
            &StatusRequest { status, outcome },
        )?;
        Ok(answer.statement)
    }

    /// Encrypts `text` to the thread key and sends it to the reporter.
    pub fn reply(&self, case_ref: &str, text: &str) -> Result<String, ClientError> {
        let case = self.fetch_case(case_ref)?;
        let key = self.key_of(&case, WrapPurpose::Thread)?;
        let item = seal_message(&key, &case.detail.case_id, text)?;
        let answer: StatementResponse =
            self.post(&format!("/api/v1/staff/cases/{case_ref}/messages"), &item)?;
        Ok(answer.statement)
    }

    /// Encrypts `text` to the internal key as a note.
    pub fn note(&self, case_ref: &str, text: &str) -> Result<(), ClientError> {
        let case = self.fetch_case(case_ref)?;
        let key = self.key_of(&case, WrapPurpose::Internal)?;
        let item = seal_text(&key, &case.detail.case_id, ItemKind::Note, text)?;
        self.post_empty(&format!("/api/v1/staff/cases/{case_ref}/notes"), &item)
    }
}

/// `public_key`, if `kid` is its thumbprint: the server hands out keys and names, and a key
/// under someone else's name would send a case key to the wrong person.
fn checked_key(public_key: &[u8; 32], kid: &str) -> Result<[u8; 32], ClientError> {
    if crate::protocol::crypto::hpke_suite::x25519_kid(public_key) != kid {
        return Err(ClientError::Crypto(format!(
            "the server gave a key that is not {kid}'s"
        )));
    }
    Ok(*public_key)
}
