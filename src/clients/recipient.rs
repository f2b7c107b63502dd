//! The recipient's side: an X25519 key pair in a private file, and opening a case export
//! offline. Until staff accounts exist, this is how an intake officer reads a report.
//!
//! Opening checks what can be checked without the server: the wrap opens, the thread key
//! matches the case's key commitment `kc`, every item decrypts, and the receipt's `cmt` (when a
//! verified receipt is given) equals the commitment over the exported items.

use std::path::Path;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{ClientError, MessageContent};
use crate::protocol::crypto::item::ItemKind;
use crate::protocol::crypto::wrap::{WrapPurpose, open_case_key};
use crate::protocol::crypto::{commit, ct_eq, hpke_suite, serde_b64};
use crate::protocol::statements::jws::StatementVerifier;
use crate::protocol::wire::CaseExport;

/// A recipient's key pair as `meldpunt keygen` writes it (JSON, mode 0600).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipientKey {
    pub kid: String,
    #[serde(with = "serde_b64::fixed")]
    pub public_key: [u8; 32],
    #[serde(with = "serde_b64::fixed")]
    private_key: [u8; 32],
}

impl Drop for RecipientKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.private_key);
    }
}

impl RecipientKey {
    pub fn generate() -> RecipientKey {
        let (private, public) = hpke_suite::generate_keypair();
        RecipientKey {
            kid: hpke_suite::x25519_kid(&public),
            public_key: public,
            private_key: *private,
        }
    }

    pub fn private_key(&self) -> &[u8; 32] {
        &self.private_key
    }

    /// Writes the key file; refuses to overwrite one.
    pub fn save(&self, path: &Path) -> Result<(), ClientError> {
        let text = Zeroizing::new(
            serde_json::to_string_pretty(self).map_err(|e| ClientError::Protocol(e.to_string()))?,
        );
        crate::files::create_private_file(path, &[text.as_bytes(), b"\n"])?;
        Ok(())
    }

    pub fn load(path: &Path) -> Result<RecipientKey, ClientError> {
        let text = Zeroizing::new(std::fs::read_to_string(path)?);
        let key: RecipientKey = serde_json::from_str(&text)
            .map_err(|e| ClientError::Protocol(format!("{}: {e}", path.display())))?;
        let public = hpke_suite::public_key(&key.private_key)
            .map_err(|e| ClientError::Crypto(e.to_string()))?;
        if public != key.public_key || hpke_suite::x25519_kid(&public) != key.kid {
            return Err(ClientError::Crypto(format!(
                "{}: the public key or kid does not match the private key",
                path.display()
            )));
        }
        Ok(key)
    }
}

/// One decrypted item of an opened case.
#[derive(Debug, Serialize)]
pub struct OpenedItem {
    pub kind: ItemKind,
    #[serde(with = "serde_b64::fixed")]
    pub id: [u8; 16],
    /// The plaintext JSON (a report's fields, or a message's `{"text"}`).
    pub content: serde_json::Value,
}

/// A case export, opened.
#[derive(Debug, Serialize)]
pub struct OpenedExport {
    #[serde(rename = "ref")]
    pub case_ref: String,
    pub theme: String,
    pub unit: String,
    pub items: Vec<OpenedItem>,
    /// Ids of messages or attachments that do not open under the thread key (sent that way by
    /// a reporter or staff member): left out of `items`, never a reason to refuse the rest.
    pub unreadable: Vec<String>,
    /// Whether the receipt's `cmt` was checked against a verified receipt.
    pub receipt_checked: bool,
}

impl OpenedExport {
    /// The texts of the message items, in order.
    pub fn message_texts(&self) -> Vec<String> {
        self.items
            .iter()
            .filter(|i| i.kind == ItemKind::Message)
            .filter_map(|i| serde_json::from_value::<MessageContent>(i.content.clone()).ok())
            .map(|m| m.text)
            .collect()
    }
}

/// Opens `export` with `key`. With `verifier`, also verifies the receipt's signature and that
/// its `cmt` commits to the exported report item(s) and `kc`.
pub fn open_export(
    export: &CaseExport,
    key: &RecipientKey,
    verifier: Option<&StatementVerifier>,
) -> Result<OpenedExport, ClientError> {
    let crypto = |e: crate::protocol::crypto::CryptoError| ClientError::Crypto(e.to_string());
    let wrap = export
        .wraps
        .iter()
        .find(|w| w.to == key.kid && w.purpose == WrapPurpose::Thread)
        .ok_or_else(|| ClientError::Crypto(format!("no wrap for key {}", key.kid)))?;
    let thread_key = open_case_key(key.private_key(), &export.case_id, wrap).map_err(crypto)?;
    if !ct_eq(&commit::key_commitment(&thread_key), &export.kc) {
        return Err(ClientError::Crypto(
            "the thread key does not match the case's key commitment".into(),
        ));
    }
    let mut receipt_checked = false;
    if let Some(verifier) = verifier {
        let receipt = export
            .statements
            .first()
            .ok_or_else(|| ClientError::BadReceipt("the export has no receipt".into()))?;
        let payload = verifier
            .verify(receipt)
            .map_err(|e| ClientError::BadReceipt(e.to_string()))?
            .payload;
        let filed = super::Filed {
            theme: &export.theme,
            unit: &export.unit,
            relation: export.relation.as_deref(),
            submitted_to: &export.submitted_to,
        };
        if !super::receipt_commits_to(&payload, &export.case_id, &export.kc, &export.items, &filed)
        {
            return Err(ClientError::BadReceipt(
                "the receipt's cmt does not match the exported report".into(),
            ));
        }
        receipt_checked = true;
    }
    let (mut items, mut unreadable) = (Vec::new(), Vec::new());
    // Thread items only: notes and identities are under keys a recipient without an account
    // does not hold.
    let thread_items = export.items.iter().filter(|i| {
        matches!(
            i.kind,
            ItemKind::Report | ItemKind::Message | ItemKind::Attachment
        )
    });
    for item in thread_items {
        let content = item
            .open(&thread_key, &export.case_id)
            .ok()
            .and_then(|plain| serde_json::from_slice(&plain).ok());
        match content {
            Some(content) => items.push(OpenedItem {
                kind: item.kind,
                id: item.id,
                content,
            }),
            // The report is what the key commitment and receipt vouch for: it must open.
            None if item.kind == ItemKind::Report => {
                return Err(ClientError::Crypto("the report does not open".into()));
            }
            None => unreadable.push(crate::protocol::b64::encode(item.id)),
        }
    }
    Ok(OpenedExport {
        case_ref: export.case_ref.clone(),
        theme: export.theme.clone(),
        unit: export.unit.clone(),
        items,
        unreadable,
        receipt_checked,
    })
}
