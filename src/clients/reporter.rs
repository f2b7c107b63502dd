//! The reporter's client: make an access code, encrypt, solve the proof of work, submit,
//! check the receipt; later read the case and send messages with the code.
//!
//! Contract (DESIGN §11): a case key is wrapped only to the readers of a recipient directory
//! that passed `protocol::trust::check_directory_view` against the trust root this client
//! holds (officer quorum, inclusion in a witnessed checkpoint), minus the suspended ones; a
//! receipt is accepted only if its `dir` is that directory's hash and its version-2 `cmt`
//! equals our own. The root is pinned with [`ReporterClient::with_trust_root`]; a client made
//! with [`ReporterClient::new`] takes the server's `/trust-root.json` on first use (for tests
//! and tools on a trusted network; a hostile server could give it any root).

use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

mod submission;

pub use submission::{
    Draft, Prepared, TrustedDirectory, prepare_submission, seal_message, seal_text,
};

use super::{ClientError, MessageContent};
use crate::protocol::crypto::access_code::AccessCode;
use crate::protocol::crypto::commit;
use crate::protocol::crypto::item::{Item, ItemKind};
use crate::protocol::crypto::wrap::{Wrap, WrapPurpose, open_case_key};
use crate::protocol::pow;
use crate::protocol::statements::Jwks;
use crate::protocol::statements::jws::StatementVerifier;
use crate::protocol::statements::{StatementPayload, check_chain};
use crate::protocol::trust::{TrustRoot, check_directory_view};
use crate::protocol::wire::{
    CaseView, ConfigView, DirectoryView, ItemPage, MAX_STATEMENTS_PER_CASE, POW_HEADER,
    PowSolution, REPORTER, StatementResponse, SubmitRequest, SubmitResponse,
};

/// The result of a successful submission.
pub struct Submitted {
    pub access_code: AccessCode,
    pub case_id: [u8; 16],
    pub case_ref: String,
    pub receipt: String,
    pub payload: StatementPayload,
}

/// A case as the reporter sees it, decrypted.
pub struct OpenedCase {
    pub view: CaseView,
    /// Every item after the report, from all pages, in arrival order.
    pub items: Vec<Item>,
    pub statements: Vec<StatementPayload>,
    pub report: serde_json::Value,
    /// The texts of the messages that could be read, in arrival order.
    pub messages: Vec<String>,
    /// The statement `seq` of each signed message that could not be read (its ciphertext does
    /// not open under the thread key, or holds no text): shown as unreadable, never a reason
    /// to refuse the rest of the case (hardening finding 7).
    pub unreadable: Vec<u32>,
}

pub struct ReporterClient {
    base: String,
    agent: ureq::Agent,
    root: std::sync::OnceLock<TrustRoot>,
}

pub(crate) fn transport(e: ureq::Error) -> ClientError {
    ClientError::Transport(e.to_string())
}

/// Turns a response into `T`, or its `{"error":…}` body into `ClientError::Api`.
pub(crate) fn parse<T: DeserializeOwned>(
    mut response: ureq::http::Response<ureq::Body>,
) -> Result<T, ClientError> {
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().map_err(transport)?;
    if (200..300).contains(&status) {
        return serde_json::from_str(&text).map_err(|e| ClientError::Protocol(e.to_string()));
    }
    let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    Err(ClientError::Api {
        status,
        code: body["error"]["code"].as_str().unwrap_or("").to_owned(),
        message: body["error"]["message"]
            .as_str()
            .unwrap_or(&text)
            .to_owned(),
    })
}

/// What the reporter can check beyond the signatures: the receipt is theirs (`sub` is the hash
/// of their `rb`), it commits to the report they are shown (`cmt` over the report item and the
/// `kc` of the thread key they opened), and the messages among `items` (the pages after the
/// report) are exactly those with a signed message statement: a server can neither slip one in
/// nor hide one. Whether a signed message can be *read* is not checked here: an unreadable one
/// is shown as such (see [`ReporterClient::case`]).
pub fn check_case_against_statements(
    code: &AccessCode,
    view: &CaseView,
    items: &[Item],
    statements: &[StatementPayload],
    thread_key: &[u8; 32],
) -> Result<(), ClientError> {
    let bad = |why: &str| Err(ClientError::BadReceipt(why.to_owned()));
    let receipt = statements
        .first()
        .ok_or(ClientError::BadReceipt("no receipt".into()))?;
    if receipt.sub() != Some(&code.derive_keys().binding()) {
        return bad("the receipt's sub is not this access code's binding");
    }
    if view.report.kind != ItemKind::Report || items.iter().any(|i| i.kind == ItemKind::Report) {
        return bad("the case does not have exactly one report");
    }
    let kc = commit::key_commitment(thread_key);
    if !super::receipt_commits_to(
        receipt,
        &view.case_id,
        &kc,
        std::slice::from_ref(&view.report),
        &super::Filed {
            theme: &view.theme,
            unit: &view.unit,
            relation: view.relation.as_deref(),
            submitted_to: &view.submitted_to,
        },
    ) {
        return bad("the receipt's cmt does not commit to the report shown");
    }
    let signed: std::collections::BTreeSet<&[u8; 32]> =
        statements.iter().filter_map(|s| s.item()).collect();
    let shown: Vec<[u8; 32]> = items
        .iter()
        .filter(|i| i.kind == ItemKind::Message)
        .map(|i| i.hash())
        .collect();
    let distinct: std::collections::BTreeSet<&[u8; 32]> = shown.iter().collect();
    if distinct.len() != shown.len() {
        return bad("a message is shown twice");
    }
    if shown.iter().any(|hash| !signed.contains(hash)) {
        return bad("a message has no signed statement");
    }
    // And the other way round: a server must not hide a message it signed for.
    if signed.iter().any(|hash| !distinct.contains(*hash)) {
        return bad("a signed message is missing from the case");
    }
    Ok(())
}

/// The text of a message item, if it opens under `key` and holds `{"text": …}`.
pub fn message_text(item: &Item, key: &[u8; 32], case_id: &[u8; 16]) -> Option<String> {
    let plain = item.open(key, case_id).ok()?;
    serde_json::from_slice::<MessageContent>(&plain)
        .ok()
        .map(|m| m.text)
}

/// Opens the reporter's thread key from a case's wraps.
pub fn reporter_thread_key(
    code: &AccessCode,
    case_id: &[u8; 16],
    wraps: &[Wrap],
) -> Result<Zeroizing<[u8; 32]>, ClientError> {
    let keys = code.derive_keys();
    let wrap = wraps
        .iter()
        .find(|w| w.to == REPORTER && w.purpose == WrapPurpose::Thread)
        .ok_or_else(|| ClientError::Protocol("no reporter wrap".into()))?;
    open_case_key(&keys.reporter_sk, case_id, wrap).map_err(|e| ClientError::Crypto(e.to_string()))
}

impl ReporterClient {
    /// A client that takes the server's trust root on first use (see the module contract).
    pub fn new(base_url: &str) -> ReporterClient {
        let agent = super::http_agent();
        ReporterClient {
            base: base_url.trim_end_matches('/').to_owned(),
            agent,
            root: std::sync::OnceLock::new(),
        }
    }

    /// A client that holds `root` and believes nothing else.
    pub fn with_trust_root(base_url: &str, root: TrustRoot) -> ReporterClient {
        let client = ReporterClient::new(base_url);
        let _ = client.root.set(root);
        client
    }

    /// The trust root this client holds (fetched from the server on first use, if not pinned).
    pub fn trust_root(&self) -> Result<&TrustRoot, ClientError> {
        if let Some(root) = self.root.get() {
            return Ok(root);
        }
        let mut response = self
            .agent
            .get(format!("{}/trust-root.json", self.base))
            .call()
            .map_err(transport)?;
        let text = response.body_mut().read_to_string().map_err(transport)?;
        let root = TrustRoot::parse(&text).map_err(|e| ClientError::Untrusted(e.to_string()))?;
        Ok(self.root.get_or_init(|| root))
    }

    /// The newest directory, checked against the trust root (see the module contract).
    pub fn directory(&self) -> Result<TrustedDirectory, ClientError> {
        let view: DirectoryView = self.get("/api/v1/directory", None)?;
        let (directory, _) = check_directory_view(self.trust_root()?, &view)
            .map_err(|e| ClientError::Untrusted(e.to_string()))?;
        Ok(TrustedDirectory {
            directory,
            suspended: view.suspended,
        })
    }

    /// `GET path` without credentials, as JSON (the public directory and log routes).
    pub fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.get(path, None)
    }

    /// `POST path` without credentials, as JSON (an officer's signature).
    pub fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, ClientError> {
        self.post(path, None, body)
    }

    fn get<T: DeserializeOwned>(&self, path: &str, auth: Option<&str>) -> Result<T, ClientError> {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(token) = auth {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        parse(request.call().map_err(transport)?)
    }

    fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        auth: Option<&str>,
        body: &impl Serialize,
    ) -> Result<T, ClientError> {
        let mut request = self.agent.post(format!("{}{path}", self.base));
        if let Some(token) = auth {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        parse(request.send_json(body).map_err(transport)?)
    }

    pub fn config(&self) -> Result<ConfigView, ClientError> {
        self.get("/api/v1/config", None)
    }

    pub fn jwks(&self) -> Result<Jwks, ClientError> {
        self.get("/.well-known/jwks.json", None)
    }

    /// Fetches a challenge and solves it.
    pub fn solve_pow(&self) -> Result<PowSolution, ClientError> {
        let challenge: pow::PowChallenge = self.get("/api/v1/pow", None)?;
        let raw = crate::protocol::b64::decode(&challenge.challenge)
            .ok_or_else(|| ClientError::Protocol("challenge is not b64u".into()))?;
        Ok(PowSolution {
            nonce: pow::solve(&raw, challenge.bits),
            challenge: challenge.challenge,
        })
    }

    /// Sends a prepared (or deliberately altered) request as it is.
    pub fn post_submission(&self, request: &SubmitRequest) -> Result<SubmitResponse, ClientError> {
        self.post("/api/v1/reports", None, request)
    }

    /// The whole reporter flow: code, encryption, proof of work, submission, receipt check.
    pub fn submit(&self, draft: &Draft) -> Result<Submitted, ClientError> {
        let directory = self.directory()?;
        let code = AccessCode::generate();
        let prepared = prepare_submission(&directory, draft, &code, self.solve_pow()?)?;
        let response = self.post_submission(&prepared.request)?;
        let payload = self.check_receipt(&response.receipt, &prepared)?;
        Ok(Submitted {
            access_code: code,
            case_id: prepared.request.case_id,
            case_ref: response.case_ref,
            receipt: response.receipt,
            payload,
        })
    }

    /// Verifies the receipt's signature against the JWKS and its content against what we sent.
    pub fn check_receipt(
        &self,
        receipt: &str,
        prepared: &Prepared,
    ) -> Result<StatementPayload, ClientError> {
        let verifier = StatementVerifier::from_jwks(&self.jwks()?)
            .map_err(|e| ClientError::BadReceipt(e.to_string()))?;
        let verified = verifier
            .verify(receipt)
            .map_err(|e| ClientError::BadReceipt(e.to_string()))?;
        let payload = verified.payload;
        if payload.cmt() != Some(&prepared.cmt) {
            return Err(ClientError::BadReceipt("cmt differs from ours".into()));
        }
        if payload.dir() != Some(&prepared.request.directory) {
            return Err(ClientError::BadReceipt(
                "dir is not the directory we wrapped to".into(),
            ));
        }
        if payload.sub() != Some(&prepared.request.binding) {
            return Err(ClientError::BadReceipt(
                "sub differs from our binding".into(),
            ));
        }
        Ok(payload)
    }

    fn auth(code: &AccessCode) -> Zeroizing<String> {
        Zeroizing::new(crate::protocol::b64::encode(
            code.derive_keys().auth_key.as_ref(),
        ))
    }

    pub fn raw_case(&self, code: &AccessCode) -> Result<CaseView, ClientError> {
        self.get("/api/v1/reporter/case", Some(&Self::auth(code)))
    }

    /// One page of the case's items after the report (`after`: the previous page's `next`).
    pub fn item_page(
        &self,
        code: &AccessCode,
        after: Option<&str>,
    ) -> Result<ItemPage, ClientError> {
        let path = match after {
            Some(cursor) => format!("/api/v1/reporter/items?after={cursor}"),
            None => "/api/v1/reporter/items".to_owned(),
        };
        self.get(&path, Some(&Self::auth(code)))
    }

    /// Every item after the report, page by page (a case has at most one per statement).
    pub fn all_items(&self, code: &AccessCode) -> Result<Vec<Item>, ClientError> {
        super::read_all_pages(
            |after| self.item_page(code, after),
            MAX_STATEMENTS_PER_CASE as usize,
        )
    }

    /// Reads the case and decrypts it; the statement chain is verified against the JWKS. A
    /// signed message that does not open is listed in `unreadable`, not a reason to refuse.
    pub fn case(&self, code: &AccessCode) -> Result<OpenedCase, ClientError> {
        let view = self.raw_case(code)?;
        let items = self.all_items(code)?;
        let case_id = &view.case_id;
        let verifier = StatementVerifier::from_jwks(&self.jwks()?)
            .map_err(|e| ClientError::BadReceipt(e.to_string()))?;
        let statements = check_chain(&view.statements, &verifier)
            .map_err(|e| ClientError::BadReceipt(e.to_string()))?;
        let key = reporter_thread_key(code, case_id, &view.wraps)?;
        check_case_against_statements(code, &view, &items, &statements, &key)?;
        let plain = view
            .report
            .open(&key, case_id)
            .map_err(|e| ClientError::Crypto(e.to_string()))?;
        let report =
            serde_json::from_slice(&plain).map_err(|e| ClientError::Protocol(e.to_string()))?;
        let seq_of = |item: &Item| {
            let hash = item.hash();
            statements
                .iter()
                .find(|s| s.item() == Some(&hash))
                .map_or(0, |s| s.seq)
        };
        let (mut messages, mut unreadable) = (Vec::new(), Vec::new());
        for item in items.iter().filter(|i| i.kind == ItemKind::Message) {
            match message_text(item, &key, case_id) {
                Some(text) => messages.push(text),
                None => unreadable.push(seq_of(item)),
            }
        }
        Ok(OpenedCase {
            view,
            items,
            statements,
            report,
            messages,
            unreadable,
        })
    }

    /// Encrypts `text` to the case's thread key and sends it; returns the signed statement.
    /// The key is used only after [`ReporterClient::case`] has verified it against the signed,
    /// logged receipt (`cmt` commits to `kc` of the real thread key), so a server that wraps a
    /// key of its own to the reporter's public key cannot read the reply.
    pub fn send_message(&self, code: &AccessCode, text: &str) -> Result<String, ClientError> {
        let opened = self.case(code)?;
        let key = reporter_thread_key(code, &opened.view.case_id, &opened.view.wraps)?;
        let item = seal_message(&key, &opened.view.case_id, text)?;
        self.post_item(code, &item)
    }

    /// Sends an item as it is; returns the signed statement. When the case's free messages of
    /// this hour are used (`429 pow_required`), solves a proof of work and sends it again.
    pub fn post_item(&self, code: &AccessCode, item: &Item) -> Result<String, ClientError> {
        match self.post_item_with(code, item, None) {
            Err(e) if e.api_code() == Some("pow_required") => {
                let pow = self.solve_pow()?;
                self.post_item_with(code, item, Some(&pow))
            }
            other => other,
        }
    }

    /// Sends an item with an optional proof of work in the `Meldpunt-Pow` header.
    pub fn post_item_with(
        &self,
        code: &AccessCode,
        item: &Item,
        pow: Option<&PowSolution>,
    ) -> Result<String, ClientError> {
        let mut request = self
            .agent
            .post(format!("{}/api/v1/reporter/messages", self.base))
            .header("Authorization", format!("Bearer {}", *Self::auth(code)));
        if let Some(pow) = pow {
            request = request.header(POW_HEADER, format!("{}:{}", pow.challenge, pow.nonce));
        }
        let response: StatementResponse = parse(request.send_json(item).map_err(transport)?)?;
        Ok(response.statement)
    }
}
