//! Must-show 4 of the staff issue: sign-in security, each in its own test — wrong TOTP,
//! replayed TOTP, expired session, missing or wrong CSRF token, enumeration through the
//! pre-login salt, throttling after repeated failures (and recovery), disabled users.

mod common;

use common::TestService;
use common::staff::{TEST_ITERATIONS, enrol, login, raw, service};
use meldpunt::client::staff::{StaffClient, derive};
use meldpunt::staff::roles::Role;
use meldpunt::staff::totp;

fn login_body(svc: &TestService, name: &str, password: &str, code: &str) -> serde_json::Value {
    let kdf = StaffClient::new(&svc.url()).prelogin(name).unwrap();
    let secrets = derive(password, &kdf.salt, kdf.iterations);
    serde_json::json!({
        "name": name,
        "auth_hash": meldpunt::b64::encode(secrets.auth_hash.as_ref()),
        "totp_code": code,
    })
}

fn try_login(
    svc: &TestService,
    body: &serde_json::Value,
) -> (u16, serde_json::Value, ureq::http::HeaderMap) {
    raw(
        &svc.url(),
        "POST",
        "/api/v1/staff/login",
        None,
        None,
        Some(body.clone()),
    )
}

#[test]
fn wrong_totp_code_fails_like_everything_else() {
    let svc = service();
    let user = enrol(&svc, "anna", &[Role::Intake], Some("amsterdam"));
    let good = user.code(1);
    let wrong = format!("{:06}", (good.parse::<u32>().unwrap() + 1) % 1_000_000);
    let (status, body, headers) =
        try_login(&svc, &login_body(&svc, "anna", &user.password, &wrong));
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "login_failed");
    assert!(headers.get("set-cookie").is_none());
    // Wrong password and unknown name: the very same answer.
    let (s2, b2, _) = try_login(&svc, &login_body(&svc, "anna", "not the password", &good));
    let (s3, b3, _) = try_login(&svc, &login_body(&svc, "nobody", "x", &good));
    assert_eq!((s2, &b2), (401, &body));
    assert_eq!((s3, &b3), (401, &body));
    // The right code still works afterwards.
    let (status, _, _) = try_login(&svc, &login_body(&svc, "anna", &user.password, &good));
    assert_eq!(status, 200);
}

#[test]
fn a_totp_code_is_accepted_once() {
    let svc = service();
    let user = enrol(&svc, "bert", &[Role::Investigator], Some("national"));
    // The enrolment's own code is spent already.
    let spent = totp::code_at(&user.enrolled.totp_secret, user.enrolled_at);
    let (status, body, _) = try_login(&svc, &login_body(&svc, "bert", &user.password, &spent));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("login_failed"))
    );
    let next = user.code(1);
    let (status, _, _) = try_login(&svc, &login_body(&svc, "bert", &user.password, &next));
    assert_eq!(status, 200);
    let (status, body, _) = try_login(&svc, &login_body(&svc, "bert", &user.password, &next));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("login_failed"))
    );
}

#[test]
fn sessions_expire_when_idle() {
    let svc = TestService::start_with(0, |s| {
        s.staff_kdf_iterations = TEST_ITERATIONS;
        s.staff_session_idle_secs = 1;
    });
    let user = enrol(&svc, "carla", &[Role::Auditor], None);
    let client = login(&svc, &user);
    assert_eq!(client.me().unwrap().name, "carla");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let (status, body, _) = raw(
        &svc.url(),
        "GET",
        "/api/v1/staff/me",
        client.cookie(),
        None,
        None,
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
}

#[test]
fn state_changes_need_the_csrf_token() {
    let svc = service();
    let user = enrol(&svc, "dirk", &[Role::Admin], None);
    let client = login(&svc, &user);
    let cookie = client.cookie().unwrap().to_owned();
    let csrf = client.csrf_token().unwrap().to_owned();
    let url = svc.url();
    let invite = serde_json::json!({"name": "eva", "roles": ["auditor"]});
    for token in [None, Some("wrong"), Some(&csrf[1..])] {
        let (status, body, _) = raw(
            &url,
            "POST",
            "/api/v1/staff/users",
            Some(&cookie),
            token,
            Some(invite.clone()),
        );
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("csrf_failed")),
            "{token:?}"
        );
        let (status, body, _) = raw(
            &url,
            "POST",
            "/api/v1/staff/logout",
            Some(&cookie),
            token,
            None,
        );
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("csrf_failed"))
        );
    }
    assert!(
        svc.app.store.user_by_name("eva").unwrap().is_none(),
        "a refused request changed nothing"
    );
    // No cookie at all: 401 before anything else.
    let (status, body, _) = raw(
        &url,
        "POST",
        "/api/v1/staff/users",
        None,
        Some(&csrf),
        Some(invite.clone()),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    // With the token it works; GETs need none.
    let (status, _, _) = raw(
        &url,
        "POST",
        "/api/v1/staff/users",
        Some(&cookie),
        Some(&csrf),
        Some(invite),
    );
    assert_eq!(status, 201);
    let (status, _, _) = raw(
        &url,
        "GET",
        "/api/v1/staff/users",
        Some(&cookie),
        None,
        None,
    );
    assert_eq!(status, 200);
    let (status, _, headers) = raw(
        &url,
        "POST",
        "/api/v1/staff/logout",
        Some(&cookie),
        Some(&csrf),
        None,
    );
    assert_eq!(status, 204);
    assert!(
        headers
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let (status, _, _) = raw(&url, "GET", "/api/v1/staff/me", Some(&cookie), None, None);
    assert_eq!(status, 401, "the session ended at logout");
}

use meldpunt::store::StaffStore;

#[test]
fn the_login_cookie_is_locked_down() {
    let svc = service();
    let user = enrol(&svc, "frank", &[Role::Auditor], None);
    let (status, _, headers) = try_login(
        &svc,
        &login_body(&svc, "frank", &user.password, &user.code(1)),
    );
    assert_eq!(status, 200);
    let cookie = headers.get("set-cookie").unwrap().to_str().unwrap();
    for part in [
        "meldpunt_staff=",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/api/v1/staff",
    ] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
}

#[test]
fn prelogin_does_not_reveal_which_names_exist() {
    let svc = service();
    enrol(&svc, "gerda", &[Role::Intake], Some("midden-nederland"));
    let client = StaffClient::new(&svc.url());
    let real = client.prelogin("gerda").unwrap();
    let fake = client.prelogin("henk").unwrap();
    assert_eq!(fake, client.prelogin("henk").unwrap(), "stable on repeat");
    assert_eq!(
        fake,
        client.prelogin("HENK").unwrap(),
        "names are case-insensitive"
    );
    assert_ne!(
        fake.salt,
        client.prelogin("henk2").unwrap().salt,
        "differs per name"
    );
    assert_ne!(fake.salt, real.salt);
    assert_eq!(fake.iterations, real.iterations, "same iteration count");
    // The same JSON shape, field for field.
    let shape = |name: &str| {
        let (status, body, _) = raw(
            &svc.url(),
            "POST",
            "/api/v1/staff/prelogin",
            None,
            None,
            Some(serde_json::json!({"name": name})),
        );
        assert_eq!(status, 200);
        let salt = body["kdf"]["salt"].as_str().unwrap().to_owned();
        assert_eq!(meldpunt::b64::decode(&salt).unwrap().len(), 16);
        let keys: Vec<String> = body["kdf"].as_object().unwrap().keys().cloned().collect();
        (
            body.as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>(),
            keys,
        )
    };
    assert_eq!(shape("gerda"), shape("henk"));
}

#[test]
fn repeated_failures_are_slowed_then_recover() {
    let svc = TestService::start_with(0, |s| {
        s.staff_kdf_iterations = TEST_ITERATIONS;
        s.staff_throttle_unit_ms = 200;
    });
    let user = enrol(&svc, "ivo", &[Role::Intake], Some("amsterdam"));
    let bad = login_body(&svc, "ivo", "guess", &user.code(1));
    for _ in 0..5 {
        assert_eq!(try_login(&svc, &bad).0, 401);
    }
    // The sixth attempt must wait, even with the right credentials.
    let good = login_body(&svc, "ivo", &user.password, &user.code(1));
    let (status, body, headers) = try_login(&svc, &good);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("too_many_attempts"))
    );
    assert_eq!(headers.get("retry-after").unwrap(), "1");
    // Unknown names are throttled the same way (per name, not per account).
    let stranger = login_body(&svc, "nobody", "guess", &user.code(1));
    for _ in 0..5 {
        assert_eq!(try_login(&svc, &stranger).0, 401);
    }
    assert_eq!(try_login(&svc, &stranger).0, 429);
    // After the wait the real user gets in, and the count starts again.
    std::thread::sleep(std::time::Duration::from_millis(250));
    assert_eq!(try_login(&svc, &good).0, 200);
    assert_eq!(try_login(&svc, &bad).0, 401, "no wait after a success");
}

#[test]
fn a_disabled_user_is_signed_out_at_once() {
    let svc = service();
    let admin = enrol(&svc, "jan", &[Role::Admin], None);
    let user = enrol(&svc, "kim", &[Role::Intake], Some("amsterdam"));
    let admin_client = login(&svc, &admin);
    let kim = login(&svc, &user);
    assert!(kim.me().is_ok());
    let url = svc.url();
    // A non-admin cannot manage users.
    let (status, body, _) = raw(&url, "GET", "/api/v1/staff/users", kim.cookie(), None, None);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let path = format!("/api/v1/staff/users/{}/disable", user.user_id());
    let (status, _, _) = raw(
        &url,
        "POST",
        &path,
        admin_client.cookie(),
        admin_client.csrf_token(),
        None,
    );
    assert_eq!(status, 204);
    assert_eq!(kim.me().unwrap_err().api_code(), Some("unauthorized"));
    let (status, _, _) = try_login(
        &svc,
        &login_body(&svc, "kim", &user.password, &user.code(2)),
    );
    assert_eq!(status, 401);
    // Disabled intake users are no longer recipients.
    let config = svc.client().config().unwrap();
    assert!(!config.recipients.iter().any(|r| r.kid == user.kid()));
    // The disabled user's cookie is dead on every route.
    let (status, _, _) = raw(&url, "GET", "/api/v1/staff/cases", kim.cookie(), None, None);
    assert_eq!(status, 401);
}
