//! Rust clients of the protocol: the reporter side (what the browser does, for tests and
//! tools), the recipient side (opening a case export offline with a private key), and the log's
//! side of the witness protocol (`witness`).
//!
//! Contract: keys and plaintext exist only here, on the client; what goes to the server is
//! exactly what DESIGN §8 lists. A submission is accepted as done only when the receipt's
//! signature verifies against the server's JWKS and its `cmt` equals our own computation.

pub mod log;
pub mod recipient;
pub mod reporter;
pub mod staff;
pub mod witness;

use serde::{Deserialize, Serialize};

/// The HTTP agent every client here uses: errors come back as responses (so `{"error":…}`
/// bodies can be read), and nothing waits longer than a minute.
pub(crate) fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(60)))
        .build()
        .into()
}

/// Under which labels and to whom a case was filed: what a version-2 receipt binds besides
/// the case, `kc` and the report.
pub(crate) struct Filed<'a> {
    pub theme: &'a str,
    pub unit: &'a str,
    pub relation: Option<&'a str>,
    pub submitted_to: &'a [String],
}

/// Whether a receipt's `cmt` commits to `kc` and the report among `items` (a submission
/// carries exactly the report; later items are not part of the receipt): version 2 when the
/// receipt names a directory (`dir`), with `filed`; version 1 for older receipts.
pub(crate) fn receipt_commits_to(
    receipt: &crate::protocol::statements::StatementPayload,
    case_id: &[u8; 16],
    kc: &[u8; 32],
    items: &[crate::protocol::crypto::item::Item],
    filed: &Filed<'_>,
) -> bool {
    use crate::protocol::crypto::commit;
    let reports: Vec<_> = items
        .iter()
        .filter(|i| i.kind == crate::protocol::crypto::item::ItemKind::Report)
        .cloned()
        .collect();
    let cmt = match receipt.dir() {
        None => commit::submission_commitment(case_id, kc, &reports),
        Some(directory) => {
            let holders: Vec<&str> = filed.submitted_to.iter().map(String::as_str).collect();
            let filing = commit::Filing {
                theme: filed.theme,
                unit: filed.unit,
                relation: filed.relation,
                directory,
                holders: &holders,
            };
            commit::submission_commitment_v2(case_id, kc, &filing, &reports)
        }
    };
    receipt.cmt() == Some(&cmt)
}

/// Every item of a paged items route (`GET …/items[?after=]`), read page by page with `fetch`.
/// A server cannot make us read for ever: more than `max_items` items, or an empty page that
/// promises another, is an error.
pub(crate) fn read_all_pages(
    fetch: impl Fn(Option<&str>) -> Result<crate::protocol::wire::ItemPage, ClientError>,
    max_items: usize,
) -> Result<Vec<crate::protocol::crypto::item::Item>, ClientError> {
    let mut items = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = fetch(after.as_deref())?;
        if page.items.is_empty() && page.next.is_some() {
            return Err(ClientError::Protocol(
                "an empty page with a next one".into(),
            ));
        }
        items.extend(page.items);
        if items.len() > max_items {
            return Err(ClientError::Protocol(
                "more items than a case can hold".into(),
            ));
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(items),
        }
    }
}

/// The plaintext of a message item: what the reporter or staff wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageContent {
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the server answered {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    #[error("could not reach the server: {0}")]
    Transport(String),
    #[error("the receipt is not valid: {0}")]
    BadReceipt(String),
    #[error("refusing what the server sent: {0}")]
    Untrusted(String),
    #[error("nobody can read a report about unit {0:?} yet; nothing was sent")]
    NoReader(String),
    #[error("cannot decrypt: {0}")]
    Crypto(String),
    #[error("unexpected answer: {0}")]
    Protocol(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl ClientError {
    /// The API error code, if the server answered with one.
    pub fn api_code(&self) -> Option<&str> {
        match self {
            ClientError::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::crypto::commit::{self, Filing};
    use crate::protocol::crypto::item::{Item, ItemKind};
    use crate::protocol::statements::{StatementBody, StatementPayload};

    /// Receipts from before directories (no `dir`, version-1 `cmt`) still check; a version-2
    /// receipt checks only with the labels and holders it was filed under.
    #[test]
    fn receipts_of_both_commitment_versions_check() {
        let key = [5u8; 32];
        let case_id = [6u8; 16];
        let report = Item::seal(&key, &case_id, [7; 16], ItemKind::Report, b"{}").unwrap();
        let kc = commit::key_commitment(&key);
        let items = [report];
        let holders = ["reporter".to_owned(), "kid-a".to_owned()];
        let filed = Filed {
            theme: "racism",
            unit: "amsterdam",
            relation: None,
            submitted_to: &holders,
        };
        let receipt = |cmt, dir| {
            let mut p = StatementPayload::receipt("https://m.test", "MP-A", 0, [1; 32], cmt, 0);
            p.body = StatementBody::Receipt {
                sub: [1; 32],
                cmt,
                dir,
            };
            p
        };
        let v1 = receipt(commit::submission_commitment(&case_id, &kc, &items), None);
        assert!(receipt_commits_to(&v1, &case_id, &kc, &items, &filed));
        let directory = [8u8; 32];
        let v2_cmt = commit::submission_commitment_v2(
            &case_id,
            &kc,
            &Filing {
                theme: "racism",
                unit: "amsterdam",
                relation: None,
                directory: &directory,
                holders: &["kid-a", "reporter"],
            },
            &items,
        );
        let v2 = receipt(v2_cmt, Some(directory));
        assert!(receipt_commits_to(&v2, &case_id, &kc, &items, &filed));
        let relabelled = Filed {
            unit: "zwolle",
            ..filed
        };
        assert!(!receipt_commits_to(&v2, &case_id, &kc, &items, &relabelled));
        let fewer = ["reporter".to_owned()];
        let hidden_holder = Filed {
            submitted_to: &fewer,
            ..filed
        };
        assert!(!receipt_commits_to(
            &v2,
            &case_id,
            &kc,
            &items,
            &hidden_holder
        ));
        // A v1 value under a claimed directory, or a v2 value without one, does not pass.
        assert!(!receipt_commits_to(
            &receipt(v2_cmt, None),
            &case_id,
            &kc,
            &items,
            &filed
        ));
    }
}
