//! The staff client over HTTP (`casework` has the case work that needs keys, `session` the
//! session kept between command-line runs): enrolment, sign-in (with the derivation of `client::staff`),
//! reading; the case work that needs keys is in `staff_casework`. Used by tests and the CLI;
//! the private key never leaves this struct.

mod casework;
pub mod pins;
pub mod session;

use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::clients::ClientError;
use crate::clients::reporter::{parse, transport};
use crate::protocol::crypto::hpke_suite;
use crate::protocol::crypto::item::Item;
use crate::protocol::staff_keys::WrappedKey;
use crate::protocol::staff_keys::{derive, unwrap_private_key, wrap_private_key};
use crate::protocol::staff_wire::{
    Assignee, CaseDetail, CaseList, EnrolInfo, EnrolRequest, EnrolResponse, KdfParams,
    LoginRequest, LoginResponse, PreloginRequest, PreloginResponse, UserView,
};
use crate::protocol::totp;
use crate::protocol::wire::{ItemPage, MAX_STATEMENTS_PER_CASE};

/// What enrolment leaves with the client.
pub struct Enrolled {
    pub response: EnrolResponse,
    pub totp_secret: Zeroizing<[u8; 20]>,
    pub private_key: Zeroizing<[u8; 32]>,
    pub public_key: [u8; 32],
}

/// A case as the server shows it to the caller: the detail and every item after the report.
pub struct FetchedCase {
    pub detail: CaseDetail,
    pub items: Vec<Item>,
}

/// A case decrypted with the caller's keys.
pub struct OpenedStaffCase {
    pub detail: CaseDetail,
    pub items: Vec<Item>,
    pub report: serde_json::Value,
    /// The texts of the messages that could be read, in arrival order.
    pub messages: Vec<String>,
    /// The texts of the notes that could be read, in arrival order.
    pub notes: Vec<String>,
    /// The ids of messages and notes that could not be read (a reporter or colleague sent
    /// ciphertext that does not open under the case key): shown as unreadable, never a reason
    /// to refuse the rest of the case (hardening finding 7).
    pub unreadable: Vec<[u8; 16]>,
}

pub struct StaffClient {
    base: String,
    agent: ureq::Agent,
    cookie: Option<Zeroizing<String>>,
    csrf: Option<String>,
    pub(super) private_key: Option<Zeroizing<[u8; 32]>>,
    pub user: Option<UserView>,
    /// This device's token for the account (`staff::device`): sent at sign-in so strangers'
    /// failed guesses at the name do not slow us down; replaced by the server's answer.
    pub device_token: Option<String>,
    /// The pinned trust root and colleagues' keys (`pins`).
    pub pins: std::sync::Mutex<pins::Pins>,
}

fn crypto(e: crate::protocol::crypto::CryptoError) -> ClientError {
    ClientError::Crypto(e.to_string())
}

impl StaffClient {
    pub fn new(base_url: &str) -> StaffClient {
        let agent = super::http_agent();
        StaffClient {
            base: base_url.trim_end_matches('/').to_owned(),
            agent,
            cookie: None,
            csrf: None,
            private_key: None,
            user: None,
            device_token: None,
            pins: std::sync::Mutex::new(pins::Pins::in_memory()),
        }
    }

    /// The newest recipient directory, checked against the pinned trust root (`pins`).
    pub fn directory(&self) -> Result<crate::clients::reporter::TrustedDirectory, ClientError> {
        let mut response = self
            .agent
            .get(format!("{}/trust-root.json", self.base))
            .call()
            .map_err(transport)?;
        let text = response.body_mut().read_to_string().map_err(transport)?;
        let root = self
            .pins
            .lock()
            .map_err(|_| ClientError::Protocol("the pins are poisoned".into()))?
            .root(&self.base, &text, || {
                Ok(self
                    .get::<crate::protocol::trust::rotation::RotationsView>(
                        "/api/v1/trust-root/rotations",
                    )?
                    .rotations)
            })?;
        pins::trusted_directory(&root, self.get("/api/v1/directory")?)
    }

    /// `public_key` of the colleague `who` holding `kid`, once the directory lists it and the
    /// pins agree (`pins`).
    pub(super) fn colleague_key(
        &self,
        directory: &crate::clients::reporter::TrustedDirectory,
        who: &str,
        kid: &str,
        public_key: &[u8; 32],
    ) -> Result<[u8; 32], ClientError> {
        let key = pins::listed_key(directory, who, kid, public_key)?;
        self.pins
            .lock()
            .map_err(|_| ClientError::Protocol("the pins are poisoned".into()))?
            .colleague(&self.base, who, kid)?;
        Ok(key)
    }

    pub(super) fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
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

    pub(super) fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, ClientError> {
        parse(self.post_raw(path, body)?)
    }

    pub(super) fn post_empty(&self, path: &str, body: &impl Serialize) -> Result<(), ClientError> {
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

    /// Enrols with `password`, a fresh key pair (or `private_key`), and the TOTP code of `now`
    /// computed from the invite's secret (for tests and tools that hold the secret).
    pub fn enrol(
        &self,
        token: &str,
        password: &str,
        private_key: Option<[u8; 32]>,
        now: u64,
    ) -> Result<Enrolled, ClientError> {
        let info = self.enrol_info(token)?;
        let secret = totp_secret(&info)?;
        self.enrol_with_code(
            token,
            &info,
            password,
            private_key,
            &totp::code_at(&secret, now),
        )
    }

    /// Enrols with the code the user read from their authenticator app.
    pub fn enrol_with_code(
        &self,
        token: &str,
        info: &EnrolInfo,
        password: &str,
        private_key: Option<[u8; 32]>,
        totp_code: &str,
    ) -> Result<Enrolled, ClientError> {
        let user_id = crate::protocol::b64::decode_array::<16>(&info.user_id)
            .ok_or_else(|| ClientError::Protocol("user_id is not 16 bytes".into()))?;
        let secret = totp_secret(info)?;
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
            totp_code: totp_code.to_owned(),
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
            device_token: self.device_token.clone(),
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
        let sk = open_private_key(&secrets.wrap_key, &answer.user, &answer.wrapped_private_key)?;
        self.cookie = cookie;
        self.csrf = Some(answer.csrf_token.clone());
        self.private_key = Some(sk);
        self.user = Some(answer.user.clone());
        self.device_token = Some(answer.device_token.clone());
        Ok(answer)
    }

    /// A client for a session signed in earlier (see `clients::staff::session`); it holds no
    /// private key until [`StaffClient::unlock`].
    pub fn resume(base_url: &str, cookie: &str, csrf: &str, user: UserView) -> StaffClient {
        let mut client = StaffClient::new(base_url);
        client.cookie = Some(Zeroizing::new(cookie.to_owned()));
        client.csrf = Some(csrf.to_owned());
        client.user = Some(user);
        client
    }

    /// Unwraps the private key of a resumed session with the password, locally.
    pub fn unlock(&mut self, password: &str, wrapped: &WrappedKey) -> Result<(), ClientError> {
        let user = self
            .user
            .clone()
            .ok_or_else(|| ClientError::Protocol("not signed in".into()))?;
        let kdf = self.prelogin(&user.name)?;
        let secrets = derive(password, &kdf.salt, kdf.iterations);
        self.private_key = Some(open_private_key(&secrets.wrap_key, &user, wrapped)?);
        Ok(())
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

    /// One page of the case's items after the report (`after`: the previous page's `next`).
    pub fn item_page(&self, case_ref: &str, after: Option<&str>) -> Result<ItemPage, ClientError> {
        match after {
            Some(cursor) => self.get(&format!(
                "/api/v1/staff/cases/{case_ref}/items?after={cursor}"
            )),
            None => self.get(&format!("/api/v1/staff/cases/{case_ref}/items")),
        }
    }

    /// The detail and every item after the report, page by page (at most a case's worth:
    /// notes carry no statement, so twice the statements).
    pub fn fetch_case(&self, case_ref: &str) -> Result<FetchedCase, ClientError> {
        let detail = self.case(case_ref)?;
        let items = super::read_all_pages(
            |after| self.item_page(case_ref, after),
            2 * MAX_STATEMENTS_PER_CASE as usize,
        )?;
        Ok(FetchedCase { detail, items })
    }

    pub fn assignable(&self, case_ref: &str) -> Result<Vec<Assignee>, ClientError> {
        self.get(&format!("/api/v1/staff/cases/{case_ref}/assignable"))
    }
}

/// Unwraps `user`'s private key and checks it belongs to the user's public key.
fn open_private_key(
    wrap_key: &[u8; 32],
    user: &UserView,
    wrapped: &WrappedKey,
) -> Result<Zeroizing<[u8; 32]>, ClientError> {
    let user_id = crate::protocol::b64::decode_array::<16>(&user.id)
        .ok_or_else(|| ClientError::Protocol("user id".into()))?;
    let sk = unwrap_private_key(wrap_key, &user_id, wrapped)
        .map_err(|_| ClientError::Crypto("wrong password".into()))?;
    if hpke_suite::public_key(&sk).map_err(crypto)? != user.public_key {
        return Err(ClientError::Crypto("the private key does not match".into()));
    }
    Ok(sk)
}

fn totp_secret(info: &EnrolInfo) -> Result<[u8; 20], ClientError> {
    totp::base32_decode(&info.totp.secret)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ClientError::Protocol("TOTP secret is not 20 bytes".into()))
}
