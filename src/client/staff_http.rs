//! The staff client over HTTP: enrolment, sign-in (with the derivation of `client::staff`),
//! and case work that does all decryption and wrapping locally. Used by tests and tools; the
//! private key never leaves this struct.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::reporter::{parse, seal_message, transport};
use super::staff::{derive, unwrap_private_key, wrap_private_key};
use super::{ClientError, MessageContent};
use crate::crypto::item::{Item, ItemKind};
use crate::crypto::wrap::{Wrap, WrapPurpose, open_case_key, seal_case_key};
use crate::crypto::{hpke_suite, random_bytes};
use crate::protocol::StatementResponse;
use crate::receipts::Status;
use crate::staff::api::{
    AssignRequest, Assignee, CaseDetail, CaseList, EnrolInfo, EnrolRequest, EnrolResponse,
    KdfParams, LoginRequest, LoginResponse, PreloginRequest, PreloginResponse, StatusRequest,
    TriageRequest, UserView,
};
use crate::staff::roles::Outcome;
use crate::staff::totp;

/// What enrolment leaves with the client.
pub struct Enrolled {
    pub response: EnrolResponse,
    pub totp_secret: Zeroizing<[u8; 20]>,
    pub private_key: Zeroizing<[u8; 32]>,
    pub public_key: [u8; 32],
}

/// A case decrypted with the caller's keys.
pub struct OpenedStaffCase {
    pub detail: CaseDetail,
    pub report: serde_json::Value,
    pub messages: Vec<String>,
    pub notes: Vec<String>,
}

pub struct StaffClient {
    base: String,
    agent: ureq::Agent,
    cookie: Option<Zeroizing<String>>,
    csrf: Option<String>,
    private_key: Option<Zeroizing<[u8; 32]>>,
    pub user: Option<UserView>,
}

fn crypto(e: crate::crypto::CryptoError) -> ClientError {
    ClientError::Crypto(e.to_string())
}

impl StaffClient {
    pub fn new(base_url: &str) -> StaffClient {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        StaffClient {
            base: base_url.trim_end_matches('/').to_owned(),
            agent,
            cookie: None,
            csrf: None,
            private_key: None,
            user: None,
        }
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.header("Cookie", cookie.as_str());
        }
        parse(request.call().map_err(transport)?)
    }

    /// POSTs with the session cookie and CSRF token; `None` for a 204.
    fn post_raw(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<ureq::http::Response<ureq::Body>, ClientError> {
        let mut request = self.agent.post(format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.header("Cookie", cookie.as_str());
        }
        if let Some(csrf) = &self.csrf {
            request = request.header("X-CSRF-Token", csrf);
        }
        request.send_json(body).map_err(transport)
    }

    fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, ClientError> {
        parse(self.post_raw(path, body)?)
    }

    fn post_empty(&self, path: &str, body: &impl Serialize) -> Result<(), ClientError> {
        let response = self.post_raw(path, body)?;
        if response.status().as_u16() == 204 {
            return Ok(());
        }
        parse::<serde_json::Value>(response).map(|_| ())
    }

    /// The session cookie as sent (`meldpunt_staff=…`), for tests that replay it by hand.
    pub fn cookie(&self) -> Option<&str> {
        self.cookie.as_deref().map(String::as_str)
    }

    pub fn csrf_token(&self) -> Option<&str> {
        self.csrf.as_deref()
    }

    pub fn private_key(&self) -> Option<&[u8; 32]> {
        self.private_key.as_deref()
    }

    pub fn enrol_info(&self, token: &str) -> Result<EnrolInfo, ClientError> {
        self.get(&format!("/api/v1/staff/enrol/{token}"))
    }

    /// Enrols with `password`, a fresh key pair (or `private_key`), and the TOTP code of `now`.
    pub fn enrol(
        &self,
        token: &str,
        password: &str,
        private_key: Option<[u8; 32]>,
        now: u64,
    ) -> Result<Enrolled, ClientError> {
        let info = self.enrol_info(token)?;
        let user_id = crate::b64::decode_array::<16>(&info.user_id)
            .ok_or_else(|| ClientError::Protocol("user_id is not 16 bytes".into()))?;
        let secret: [u8; 20] = totp::base32_decode(&info.totp.secret)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ClientError::Protocol("TOTP secret is not 20 bytes".into()))?;
        let (sk, pk) = match private_key {
            Some(sk) => (
                Zeroizing::new(sk),
                hpke_suite::public_key(&sk).map_err(crypto)?,
            ),
            None => hpke_suite::generate_keypair(),
        };
        let secrets = derive(password, &info.kdf.salt, info.kdf.iterations);
        let request = EnrolRequest {
            auth_hash: *secrets.auth_hash,
            public_key: pk,
            wrapped_private_key: wrap_private_key(&secrets.wrap_key, &user_id, &sk)
                .map_err(crypto)?,
            totp_code: totp::code_at(&secret, now),
        };
        let response = self.post(&format!("/api/v1/staff/enrol/{token}"), &request)?;
        Ok(Enrolled {
            response,
            totp_secret: Zeroizing::new(secret),
            private_key: sk,
            public_key: pk,
        })
    }

    pub fn prelogin(&self, name: &str) -> Result<KdfParams, ClientError> {
        let answer: PreloginResponse = self.post(
            "/api/v1/staff/prelogin",
            &PreloginRequest {
                name: name.to_owned(),
            },
        )?;
        Ok(answer.kdf)
    }

    /// Signs in and unwraps the private key locally.
    pub fn login(
        &mut self,
        name: &str,
        password: &str,
        totp_code: &str,
    ) -> Result<LoginResponse, ClientError> {
        let kdf = self.prelogin(name)?;
        let secrets = derive(password, &kdf.salt, kdf.iterations);
        let request = LoginRequest {
            name: name.to_owned(),
            auth_hash: *secrets.auth_hash,
            totp_code: totp_code.to_owned(),
        };
        let mut response = self
            .agent
            .post(format!("{}/api/v1/staff/login", self.base))
            .send_json(&request)
            .map_err(transport)?;
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| Zeroizing::new(v.to_owned()));
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().map_err(transport)?;
        if status != 200 {
            let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            return Err(ClientError::Api {
                status,
                code: body["error"]["code"].as_str().unwrap_or("").to_owned(),
                message: body["error"]["message"].as_str().unwrap_or("").to_owned(),
            });
        }
        let answer: LoginResponse =
            serde_json::from_str(&text).map_err(|e| ClientError::Protocol(e.to_string()))?;
        let user_id = crate::b64::decode_array::<16>(&answer.user.id)
            .ok_or_else(|| ClientError::Protocol("user id".into()))?;
        let sk = unwrap_private_key(&secrets.wrap_key, &user_id, &answer.wrapped_private_key)
            .map_err(crypto)?;
        if hpke_suite::public_key(&sk).map_err(crypto)? != answer.user.public_key {
            return Err(ClientError::Crypto("the private key does not match".into()));
        }
        self.cookie = cookie;
        self.csrf = Some(answer.csrf_token.clone());
        self.private_key = Some(sk);
        self.user = Some(answer.user.clone());
        Ok(answer)
    }

    pub fn logout(&mut self) -> Result<(), ClientError> {
        self.post_empty("/api/v1/staff/logout", &serde_json::json!({}))?;
        self.cookie = None;
        self.csrf = None;
        self.private_key = None;
        Ok(())
    }

    pub fn me(&self) -> Result<UserView, ClientError> {
        self.get("/api/v1/staff/me")
    }

    /// `query` is the query string without `?` (e.g. `status=received&page=1`).
    pub fn cases(&self, query: &str) -> Result<CaseList, ClientError> {
        self.get(&format!("/api/v1/staff/cases?{query}"))
    }

    pub fn case(&self, case_ref: &str) -> Result<CaseDetail, ClientError> {
        self.get(&format!("/api/v1/staff/cases/{case_ref}"))
    }

    pub fn assignable(&self, case_ref: &str) -> Result<Vec<Assignee>, ClientError> {
        self.get(&format!("/api/v1/staff/cases/{case_ref}/assignable"))
    }

    fn key_of(
        &self,
        detail: &CaseDetail,
        purpose: WrapPurpose,
    ) -> Result<Zeroizing<[u8; 32]>, ClientError> {
        let sk = self
            .private_key
            .as_ref()
            .ok_or_else(|| ClientError::Protocol("not signed in".into()))?;
        let wrap = detail
            .wraps
            .iter()
            .find(|w| w.purpose == purpose)
            .ok_or_else(|| ClientError::Crypto(format!("no {purpose:?} wrap for this key")))?;
        open_case_key(sk, &detail.case_id, wrap).map_err(crypto)
    }

    /// Reads the case and decrypts what the caller's wraps open.
    pub fn open_case(&self, case_ref: &str) -> Result<OpenedStaffCase, ClientError> {
        let detail = self.case(case_ref)?;
        let thread = self.key_of(&detail, WrapPurpose::Thread)?;
        let internal = self.key_of(&detail, WrapPurpose::Internal).ok();
        let (mut report, mut messages, mut notes) =
            (serde_json::Value::Null, Vec::new(), Vec::new());
        for item in &detail.items {
            let key = match (item.kind, &internal) {
                (ItemKind::Note, Some(k)) => k,
                (ItemKind::Note, None) => continue,
                _ => &thread,
            };
            let plain = item.open(key, &detail.case_id).map_err(crypto)?;
            let text = || -> Result<String, ClientError> {
                let m: MessageContent = serde_json::from_slice(&plain)
                    .map_err(|e| ClientError::Protocol(e.to_string()))?;
                Ok(m.text)
            };
            match item.kind {
                ItemKind::Report => {
                    report = serde_json::from_slice(&plain)
                        .map_err(|e| ClientError::Protocol(e.to_string()))?;
                }
                ItemKind::Message => messages.push(text()?),
                ItemKind::Note => notes.push(text()?),
                _ => {}
            }
        }
        Ok(OpenedStaffCase {
            detail,
            report,
            messages,
            notes,
        })
    }

    /// Assigns `to`: unwraps the case keys locally and wraps them to the investigator's key.
    pub fn assign(&self, case_ref: &str, to: &Assignee) -> Result<(), ClientError> {
        let detail = self.case(case_ref)?;
        let mut wraps: Vec<Wrap> = Vec::new();
        for purpose in [WrapPurpose::Thread, WrapPurpose::Internal] {
            let key = match self.key_of(&detail, purpose) {
                Ok(key) => key,
                Err(_) if purpose == WrapPurpose::Internal => continue,
                Err(e) => return Err(e),
            };
            wraps.push(
                seal_case_key(&to.public_key, &to.kid, &detail.case_id, purpose, &key)
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
        let internal = Zeroizing::new(random_bytes::<32>());
        let wraps = detail
            .holders
            .iter()
            .map(|h| {
                seal_case_key(
                    &h.public_key,
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
        let detail = self.case(case_ref)?;
        let key = self.key_of(&detail, WrapPurpose::Thread)?;
        let item = seal_message(&key, &detail.case_id, text)?;
        let answer: StatementResponse =
            self.post(&format!("/api/v1/staff/cases/{case_ref}/messages"), &item)?;
        Ok(answer.statement)
    }

    /// Encrypts `text` to the internal key as a note.
    pub fn note(&self, case_ref: &str, text: &str) -> Result<(), ClientError> {
        let detail = self.case(case_ref)?;
        let key = self.key_of(&detail, WrapPurpose::Internal)?;
        let item = seal_text(&key, &detail.case_id, ItemKind::Note, text)?;
        self.post_empty(&format!("/api/v1/staff/cases/{case_ref}/notes"), &item)
    }
}

fn seal_text(
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
    Item::seal(key, case_id, random_bytes::<16>(), kind, &plain).map_err(crypto)
}
