//! Rust clients of the protocol: the reporter side (what the browser does, for tests and
//! tools) and the recipient side (opening a case export offline with a private key).
//!
//! Contract: keys and plaintext exist only here, on the client; what goes to the server is
//! exactly what DESIGN §8 lists. A submission is accepted as done only when the receipt's
//! signature verifies against the server's JWKS and its `cmt` equals our own computation.

pub mod log;
pub mod recipient;
pub mod reporter;
pub mod staff;

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

/// Whether a receipt's `cmt` commits to `kc` and the report among `items` (a submission
/// carries exactly the report; later items are not part of the receipt).
pub(crate) fn receipt_commits_to(
    receipt: &crate::protocol::statements::StatementPayload,
    case_id: &[u8; 16],
    kc: &[u8; 32],
    items: &[crate::protocol::crypto::item::Item],
) -> bool {
    let reports: Vec<_> = items
        .iter()
        .filter(|i| i.kind == crate::protocol::crypto::item::ItemKind::Report)
        .cloned()
        .collect();
    let cmt = crate::protocol::crypto::commit::submission_commitment(case_id, kc, &reports);
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
