//! The reporter's client: make an access code, encrypt, solve the proof of work, submit,
//! check the receipt; later read the case and send messages with the code.

use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::{ClientError, MessageContent};
use crate::crypto::access_code::AccessCode;
use crate::crypto::item::{Item, ItemKind};
use crate::crypto::wrap::{Wrap, WrapPurpose, open_case_key, seal_case_key};
use crate::crypto::{commit, random_bytes};
use crate::pow;
use crate::protocol::{
    CaseView, ConfigView, PowSolution, REPORTER, StatementResponse, SubmitRequest, SubmitResponse,
};
use crate::receipts::jws::StatementVerifier;
use crate::receipts::keys::Jwks;
use crate::receipts::{StatementPayload, check_chain};
use crate::reporting::recipients_for;
use crate::store::Recipient;

/// What the reporter fills in.
#[derive(Clone, Debug)]
pub struct Draft {
    pub theme: String,
    pub unit: String,
    pub relation: Option<String>,
    /// The report itself, as the form's fields; encrypted before it leaves.
    pub report: serde_json::Value,
}

/// A submission ready to send, with what the reporter keeps.
pub struct Prepared {
    pub request: SubmitRequest,
    pub thread_key: Zeroizing<[u8; 32]>,
    pub cmt: [u8; 32],
}

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
    pub statements: Vec<StatementPayload>,
    pub report: serde_json::Value,
    /// Message texts in arrival order.
    pub messages: Vec<String>,
}

pub struct ReporterClient {
    base: String,
    agent: ureq::Agent,
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

/// Builds the request for `draft` against `config`, for the reporter holding `code`.
pub fn prepare_submission(
    config: &ConfigView,
    draft: &Draft,
    code: &AccessCode,
    pow: PowSolution,
) -> Result<Prepared, ClientError> {
    let crypto = |e: crate::crypto::CryptoError| ClientError::Crypto(e.to_string());
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
    let recipients: Vec<Recipient> = config
        .recipients
        .iter()
        .map(|r| Recipient {
            kid: r.kid.clone(),
            public_key: r.public_key,
            unit: r.unit.clone(),
        })
        .collect();
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
    for r in recipients_for(&recipients, &draft.unit) {
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
    let cmt = commit::submission_commitment(&case_id, &kc, &items);
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

/// What the reporter can check beyond the signatures: the receipt is theirs (`sub` is the hash
/// of their `rb`), it commits to the report they are shown (`cmt` over the report item and the
/// `kc` of the thread key they opened), and the messages they are shown are exactly those with
/// a signed message statement: a server can neither slip one in nor hide one.
pub fn check_case_against_statements(
    code: &AccessCode,
    view: &CaseView,
    statements: &[StatementPayload],
    thread_key: &[u8; 32],
) -> Result<(), ClientError> {
    let bad = |why: &str| Err(ClientError::BadReceipt(why.to_owned()));
    let receipt = statements
        .first()
        .ok_or(ClientError::BadReceipt("no receipt".into()))?;
    if receipt.sub.as_deref() != Some(crate::b64::encode(code.derive_keys().binding()).as_str()) {
        return bad("the receipt's sub is not this access code's binding");
    }
    let kc = commit::key_commitment(thread_key);
    if !super::receipt_commits_to(receipt, &view.case_id, &kc, &view.items) {
        return bad("the receipt's cmt does not commit to the report shown");
    }
    let signed: std::collections::BTreeSet<&str> = statements
        .iter()
        .filter_map(|s| s.item.as_deref())
        .collect();
    let shown: std::collections::BTreeSet<String> = view
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Message)
        .map(|i| crate::b64::encode(i.hash()))
        .collect();
    if shown.iter().any(|hash| !signed.contains(hash.as_str())) {
        return bad("a message has no signed statement");
    }
    // And the other way round: a server must not hide a message it signed for.
    if signed.iter().any(|hash| !shown.contains(*hash)) {
        return bad("a signed message is missing from the case");
    }
    Ok(())
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
    pub fn new(base_url: &str) -> ReporterClient {
        let agent = super::http_agent();
        ReporterClient {
            base: base_url.trim_end_matches('/').to_owned(),
            agent,
        }
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
        let raw = crate::b64::decode(&challenge.challenge)
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
        let config = self.config()?;
        let code = AccessCode::generate();
        let prepared = prepare_submission(&config, draft, &code, self.solve_pow()?)?;
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
        if payload.cmt.as_deref() != Some(crate::b64::encode(prepared.cmt).as_str()) {
            return Err(ClientError::BadReceipt("cmt differs from ours".into()));
        }
        if payload.sub.as_deref() != Some(crate::b64::encode(prepared.request.binding).as_str()) {
            return Err(ClientError::BadReceipt(
                "sub differs from our binding".into(),
            ));
        }
        Ok(payload)
    }

    pub fn raw_case(&self, code: &AccessCode) -> Result<CaseView, ClientError> {
        let auth = Zeroizing::new(crate::b64::encode(code.derive_keys().auth_key.as_ref()));
        self.get("/api/v1/reporter/case", Some(&auth))
    }

    /// Reads the case and decrypts it; the statement chain is verified against the JWKS.
    pub fn case(&self, code: &AccessCode) -> Result<OpenedCase, ClientError> {
        let view = self.raw_case(code)?;
        let case_id = &view.case_id;
        let verifier = StatementVerifier::from_jwks(&self.jwks()?)
            .map_err(|e| ClientError::BadReceipt(e.to_string()))?;
        let statements = check_chain(&view.statements, &verifier)
            .map_err(|e| ClientError::BadReceipt(e.to_string()))?;
        let key = reporter_thread_key(code, case_id, &view.wraps)?;
        check_case_against_statements(code, &view, &statements, &key)?;
        let mut report = serde_json::Value::Null;
        let mut messages = Vec::new();
        for item in &view.items {
            let plain = item
                .open(&key, case_id)
                .map_err(|e| ClientError::Crypto(e.to_string()))?;
            match item.kind {
                ItemKind::Report => {
                    report = serde_json::from_slice(&plain)
                        .map_err(|e| ClientError::Protocol(e.to_string()))?;
                }
                ItemKind::Message => {
                    let m: MessageContent = serde_json::from_slice(&plain)
                        .map_err(|e| ClientError::Protocol(e.to_string()))?;
                    messages.push(m.text);
                }
                _ => {}
            }
        }
        Ok(OpenedCase {
            view,
            statements,
            report,
            messages,
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

    /// Sends an item as it is; returns the signed statement.
    pub fn post_item(&self, code: &AccessCode, item: &Item) -> Result<String, ClientError> {
        let auth = Zeroizing::new(crate::b64::encode(code.derive_keys().auth_key.as_ref()));
        let response: StatementResponse =
            self.post("/api/v1/reporter/messages", Some(&auth), item)?;
        Ok(response.statement)
    }
}
