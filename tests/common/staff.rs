//! Staff helpers for the tests: invite and enrol users (TOTP codes computed here), sign in,
//! and raw HTTP calls with or without cookie and CSRF token.

use meldpunt::clients::staff::{Enrolled, StaffClient};
use meldpunt::protocol::roles::Role;
use meldpunt::protocol::staff_wire::InviteRequest;
use meldpunt::protocol::time;
use meldpunt::protocol::totp;
use meldpunt::server::staff::accounts;

use super::TestService;

/// PBKDF2 iterations the tests use (the setting's minimum), so sign-in is quick.
pub const TEST_ITERATIONS: u32 = 1000;

pub struct StaffUser {
    pub name: String,
    pub password: String,
    pub enrolled: Enrolled,
    /// The time of the enrolment's TOTP code, one step before enrolment (so its step is spent
    /// and the current and next steps are left for sign-ins: each code works once, and a
    /// sign-in spends its code even when the password is wrong).
    pub enrolled_at: u64,
}

impl StaffUser {
    pub fn kid(&self) -> &str {
        &self.enrolled.response.kid
    }

    pub fn user_id(&self) -> &str {
        &self.enrolled.response.user_id
    }

    /// The TOTP code of `offset_steps` steps from now.
    pub fn code(&self, offset_steps: i64) -> String {
        let t = time::now() as i64 + offset_steps * totp::STEP_SECS as i64;
        totp::code_at(&self.enrolled.totp_secret, t as u64)
    }
}

/// A service whose invites use [`TEST_ITERATIONS`].
pub fn service() -> TestService {
    TestService::start_with(0, |s| s.staff_kdf_iterations = TEST_ITERATIONS)
}

/// Invites a user directly in the store; returns the enrolment token.
pub fn invite(svc: &TestService, name: &str, roles: &[Role], unit: Option<&str>) -> String {
    let req = InviteRequest {
        name: name.to_owned(),
        roles: roles.to_vec(),
        unit: unit.map(str::to_owned),
    };
    let answer = super::block_on(accounts::invite(&svc.app, req, "cli".into())).unwrap();
    token_of(&answer.link).to_owned()
}

pub fn token_of(link: &str) -> &str {
    link.split_once('#').unwrap().1
}

/// Invites and enrols a user with `password` (TOTP code of now), then has the development
/// officers sign the directory that lists the new key (as two officers would after checking
/// it), so an intake user receives new reports as soon as this returns.
pub fn enrol(svc: &TestService, name: &str, roles: &[Role], unit: Option<&str>) -> StaffUser {
    let user = enrol_unsigned(svc, name, roles, unit);
    super::publish_directory(&svc.app);
    user
}

/// [`enrol`] without the officers' signatures: the key is a candidate, no reader.
pub fn enrol_unsigned(
    svc: &TestService,
    name: &str,
    roles: &[Role],
    unit: Option<&str>,
) -> StaffUser {
    let token = invite(svc, name, roles, unit);
    let password = format!(
        "pw-{name}-{}",
        meldpunt::protocol::b64::encode(meldpunt::protocol::crypto::random_bytes::<6>())
    );
    let enrolled_at = time::now() - totp::STEP_SECS;
    let enrolled = StaffClient::new(&svc.url())
        .enrol(&token, &password, None, enrolled_at)
        .unwrap();
    StaffUser {
        name: name.to_owned(),
        password,
        enrolled,
        enrolled_at,
    }
}

/// Signs `user` in with the next step's code, from the device the user enrolled on (its
/// device token).
pub fn login(svc: &TestService, user: &StaffUser) -> StaffClient {
    let mut client = StaffClient::new(&svc.url());
    client.device_token = Some(user.enrolled.response.device_token.clone());
    client
        .login(&user.name, &user.password, &user.code(1))
        .unwrap();
    client
}

/// A raw call: `(status, JSON body or Null, headers)`.
pub fn raw(
    base: &str,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    csrf: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value, ureq::http::HeaderMap) {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let url = format!("{base}{path}");
    let mut response = if method == "GET" {
        let mut req = agent.get(&url);
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        if let Some(t) = csrf {
            req = req.header("X-CSRF-Token", t);
        }
        req.call().unwrap()
    } else {
        let mut req = agent.post(&url);
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        if let Some(t) = csrf {
            req = req.header("X-CSRF-Token", t);
        }
        req.send_json(body.unwrap_or(serde_json::json!({})))
            .unwrap()
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        headers,
    )
}
