//! Must-show 4 of the staff issue and findings 3, 4 and 9 of the hardening issue: sign-in
//! security, each in its own test — wrong TOTP, replayed TOTP, a code spent by a wrong
//! password, expired sessions (idle and absolute), missing or wrong CSRF token, enumeration
//! through the pre-login salt and iterations, throttling after repeated failures (and
//! recovery) that never locks the owner's own device out and that parallel attempts cannot
//! outrun, disabled users, and a flood of made-up names that costs no memory.

mod common;

use common::staff::{TEST_ITERATIONS, enrol, login, raw, service};
use common::{TestService, draft};
use meldpunt::clients::staff::StaffClient;
use meldpunt::protocol::roles::Role;
use meldpunt::protocol::staff_keys::derive;
use meldpunt::protocol::totp;

fn login_body(svc: &TestService, name: &str, password: &str, code: &str) -> serde_json::Value {
    let kdf = StaffClient::new(&svc.url()).prelogin(name).unwrap();
    let secrets = derive(password, &kdf.salt, kdf.iterations);
    serde_json::json!({
        "name": name,
        "auth_hash": meldpunt::protocol::b64::encode(secrets.auth_hash.as_ref()),
        "totp_code": code,
    })
}

/// The same, shown from `user`'s own device (the token of their enrolment).
fn from_device(mut body: serde_json::Value, user: &common::staff::StaffUser) -> serde_json::Value {
    body["device_token"] = user.enrolled.response.device_token.clone().into();
    body
}

/// A TOTP code other than `code`.
fn other_code(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
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
    let (now, good) = (user.code(0), user.code(1));
    let (status, body, headers) = try_login(
        &svc,
        &login_body(&svc, "anna", &user.password, &other_code(&good)),
    );
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "login_failed");
    assert!(headers.get("set-cookie").is_none());
    // Wrong password and unknown name: the very same answer.
    let (s2, b2, _) = try_login(&svc, &login_body(&svc, "anna", "not the password", &now));
    let (s3, b3, _) = try_login(&svc, &login_body(&svc, "nobody", "x", &good));
    assert_eq!((s2, &b2), (401, &body));
    assert_eq!((s3, &b3), (401, &body));
    // The next code still works afterwards.
    let (status, _, _) = try_login(&svc, &login_body(&svc, "anna", &user.password, &good));
    assert_eq!(status, 200);
}

/// A right code with a wrong password is spent: one code buys one password guess, also for
/// someone who holds the TOTP secret but not the password.
#[test]
fn a_wrong_password_spends_the_code() {
    let svc = service();
    let user = enrol(&svc, "anton", &[Role::Intake], Some("amsterdam"));
    let code = user.code(0);
    let wrong = login_body(&svc, "anton", "a guess", &code);
    assert_eq!(try_login(&svc, &wrong).0, 401);
    let (status, body, _) = try_login(&svc, &login_body(&svc, "anton", &user.password, &code));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("login_failed")),
        "the code was spent by the wrong password"
    );
    let (status, _, _) = try_login(
        &svc,
        &login_body(&svc, "anton", &user.password, &user.code(1)),
    );
    assert_eq!(status, 200);
    let audit = svc.app.store().audit_records(0, 100).unwrap();
    assert!(
        audit.iter().any(|r| r.action == "staff.login_failed"),
        "a right code with a wrong password is audited"
    );
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
        svc.app.store().user_by_name("eva").unwrap().is_none(),
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

/// Hardening finding 9: the cookie carries the `__Host-` prefix (so browsers insist on
/// `Secure`, `Path=/` and no `Domain`, and no sibling host can plant or shadow it); it stays a
/// browser-session cookie while the server bounds the session's lifetime (below); answers of
/// an https service carry HSTS.
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
    assert!(cookie.starts_with("__Host-meldpunt_staff="), "{cookie}");
    let attributes: Vec<&str> = cookie.split("; ").skip(1).collect();
    assert_eq!(
        attributes,
        ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"],
        "a browser-session cookie (the server ends the session within 12 hours): {cookie}"
    );
    assert!(!cookie.to_lowercase().contains("domain"));
    assert_eq!(
        headers.get("strict-transport-security").unwrap(),
        "max-age=63072000"
    );
    // The prefixed cookie is the one the server reads.
    let token = cookie.split(';').next().unwrap();
    let (status, _, _) = raw(
        &svc.url(),
        "GET",
        "/api/v1/staff/me",
        Some(token),
        None,
        None,
    );
    assert_eq!(status, 200);
    let unprefixed = token.replacen("__Host-", "", 1);
    let (status, _, _) = raw(
        &svc.url(),
        "GET",
        "/api/v1/staff/me",
        Some(&unprefixed),
        None,
        None,
    );
    assert_eq!(status, 401, "an unprefixed cookie is not a session");
}

/// No HSTS from a plain-HTTP service (localhost testing), whose cookie cannot be `__Host-`.
#[test]
fn plain_http_testing_gets_no_hsts_and_an_unprefixed_cookie() {
    let svc = TestService::start_with(0, |s| {
        s.staff_kdf_iterations = TEST_ITERATIONS;
        s.public_url = "http://127.0.0.1".to_owned();
        s.staff_cookie_secure = false;
    });
    let user = enrol(&svc, "gijs", &[Role::Auditor], None);
    let (status, _, headers) = try_login(
        &svc,
        &login_body(&svc, "gijs", &user.password, &user.code(1)),
    );
    assert_eq!(status, 200);
    assert!(headers.get("strict-transport-security").is_none());
    let cookie = headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        cookie.starts_with("meldpunt_staff=") && cookie.contains("Path=/api/v1/staff"),
        "{cookie}"
    );
}

/// Hardening finding 9: a session in constant use lived for ever. It ends at its absolute
/// lifetime however busy it is.
#[test]
fn sessions_end_at_their_absolute_lifetime() {
    let svc = TestService::start_with(0, |s| {
        s.staff_kdf_iterations = TEST_ITERATIONS;
        s.staff_session_max_secs = 1;
    });
    let user = enrol(&svc, "hugo", &[Role::Auditor], None);
    let client = login(&svc, &user);
    for _ in 0..3 {
        assert!(client.me().is_ok());
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(client.me().unwrap_err().api_code(), Some("unauthorized"));
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
        assert_eq!(meldpunt::protocol::b64::decode(&salt).unwrap().len(), 16);
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

/// Hardening finding 9: an unknown name got the *current* iteration setting while real users
/// keep the count of their invitation, so once the setting changed every name with an older
/// count was a real one. Unknown names now answer with the real users' counts, in their
/// proportions, stably per name.
#[test]
fn prelogin_iterations_do_not_tell_names_apart_after_a_setting_change() {
    let svc = service();
    let invite_with = |iterations: u32, names: &[&str]| {
        let mut settings = svc.app.settings.clone();
        settings.staff_kdf_iterations = iterations;
        for name in names {
            let req = meldpunt::protocol::staff_wire::InviteRequest {
                name: (*name).to_owned(),
                roles: vec![Role::Auditor],
                unit: None,
            };
            let settings = settings.clone();
            svc.app
                .sequencer
                .run_blocking(move |tx| {
                    meldpunt::server::staff::accounts::invite_change(tx, &settings, &req, "cli")
                })
                .unwrap();
        }
    };
    invite_with(5000, &["a1", "a2", "a3", "a4", "a5", "a6"]);
    invite_with(7000, &["b1", "b2"]);
    let client = StaffClient::new(&svc.url());
    assert_eq!(client.prelogin("b1").unwrap().iterations, 7000);
    let counts: Vec<u32> = (0..64)
        .map(|i| client.prelogin(&format!("niemand-{i}")).unwrap().iterations)
        .collect();
    assert!(
        counts.iter().all(|c| *c == 5000 || *c == 7000),
        "only counts real users have, never the setting's {TEST_ITERATIONS}: {counts:?}"
    );
    assert!(
        counts.contains(&5000) && counts.contains(&7000),
        "{counts:?}"
    );
    for (i, count) in counts.iter().enumerate().take(8) {
        let again = client.prelogin(&format!("niemand-{i}")).unwrap();
        assert_eq!(again.iterations, *count, "stable per name");
    }
}

#[test]
fn repeated_failures_are_slowed_then_recover() {
    let svc = TestService::start_with(0, |s| {
        s.staff_kdf_iterations = TEST_ITERATIONS;
        s.staff_throttle_unit_ms = 200;
    });
    let user = enrol(&svc, "ivo", &[Role::Intake], Some("amsterdam"));
    let bad = login_body(&svc, "ivo", "guess", &other_code(&user.code(1)));
    for _ in 0..5 {
        assert_eq!(try_login(&svc, &bad).0, 401);
    }
    // The sixth attempt at the name must wait, even with the right credentials, unless it
    // comes from the user's own device.
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
    // The user's own device has a bucket of its own, throttled the same way.
    let bad_device = from_device(bad.clone(), &user);
    for _ in 0..5 {
        assert_eq!(try_login(&svc, &bad_device).0, 401);
    }
    assert_eq!(try_login(&svc, &from_device(good.clone(), &user)).0, 429);
    // After the wait the real user gets in, and the count starts again.
    std::thread::sleep(std::time::Duration::from_millis(250));
    assert_eq!(try_login(&svc, &from_device(good, &user)).0, 200);
    assert_eq!(
        try_login(&svc, &bad_device).0,
        401,
        "no wait after a success"
    );
    assert_eq!(try_login(&svc, &bad).0, 401, "the name's wait is over too");
}

/// Hardening finding 4: a stranger's wrong tries at a name (the first admin's is easy to
/// guess) used to lock its owner out, and one try every 15 minutes kept it locked. Attempts
/// from the owner's own device are counted apart, so the owner signs in at once.
#[test]
fn strangers_cannot_lock_the_owner_out() {
    let svc = service();
    let admin = enrol(&svc, "admin", &[Role::Admin], None);
    let guess = login_body(&svc, "admin", "Welkom01!", "123456");
    let mut refused = 0;
    for _ in 0..12 {
        let (status, _, _) = try_login(&svc, &guess);
        assert!(status == 401 || status == 429, "{status}");
        refused += usize::from(status == 429);
    }
    assert!(refused >= 6, "strangers are slowed: {refused} of 12 waited");
    // A stranger who copies a device token from another account gets nothing from it.
    let stolen = enrol(&svc, "eva", &[Role::Auditor], None);
    let (status, _, _) = try_login(&svc, &from_device(guess.clone(), &stolen));
    assert_eq!(status, 429, "another account's token is no token for admin");
    let (status, body, _) = try_login(
        &svc,
        &from_device(
            login_body(&svc, "admin", &admin.password, &admin.code(1)),
            &admin,
        ),
    );
    assert_eq!(status, 200, "the owner's device gets in at once: {body}");
    assert_eq!(
        body["device_token"], admin.enrolled.response.device_token,
        "a valid token is kept"
    );
}

/// Hardening finding 4: parallel attempts got more tries than the budget allows, because each
/// was counted only after it failed. They are counted on admission.
#[test]
fn parallel_attempts_cannot_exceed_the_budget() {
    let svc = service();
    let user = enrol(&svc, "pia", &[Role::Intake], Some("amsterdam"));
    let guess = login_body(&svc, "pia", "guess", &other_code(&user.code(0)));
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..24)
            .map(|_| scope.spawn(|| try_login(&svc, &guess).0))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let evaluated = statuses.iter().filter(|&&s| s == 401).count();
    let waited = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!(evaluated + waited, 24, "{statuses:?}");
    assert_eq!(
        evaluated, 5,
        "exactly the free attempts were evaluated: {statuses:?}"
    );
}

/// Hardening finding 3: every sign-in with a made-up name ran Argon2id (19 MiB) on the
/// blocking pool, and 128 of them in parallel took the server to 2.4 GB. Through the real
/// binary: a flood of made-up names gets its answers, and the server's peak memory stays small,
/// because only a right TOTP code leads to Argon2id, and that under a small number of permits.
#[test]
fn a_flood_of_made_up_names_costs_no_memory() {
    let dir = common::TempDir::new("login-flood");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", common::free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let log = dir.path().join("service.log");
    let service = common::ServiceProcess::spawn(dir.path(), addr, &log, &[]);
    let url = service.url();
    let body = |i: usize| {
        serde_json::json!({
            "name": format!("stranger-{i}"),
            "auth_hash": meldpunt::protocol::b64::encode([i as u8; 32]),
            "totp_code": "000000",
        })
    };
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..128)
            .map(|i| {
                let url = url.clone();
                scope.spawn(move || {
                    (0..4)
                        .map(|round| {
                            raw(
                                &url,
                                "POST",
                                "/api/v1/staff/login",
                                None,
                                None,
                                Some(body(i * 4 + round)),
                            )
                            .0
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(statuses.len(), 512);
    assert!(
        statuses.iter().all(|&s| s == 401 || s == 429),
        "only refusals, no server errors: {statuses:?}"
    );
    let status = std::fs::read_to_string(format!("/proc/{}/status", service.child.id())).unwrap();
    let peak_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status");
    eprintln!("peak RSS {} MiB", peak_kib / 1024);
    assert!(
        peak_kib < 200 * 1024,
        "the server's peak RSS was {} MiB",
        peak_kib / 1024
    );
    service.terminate();
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
    // A disabled user is suspended at once, before any officer signs anything.
    let directory = svc.client().directory().unwrap();
    assert!(directory.suspended.iter().any(|kid| kid == user.kid()));
    assert!(
        !directory
            .readers_for(&draft("amsterdam", ""))
            .iter()
            .any(|e| e.kid == user.kid())
    );
    // The disabled user's cookie is dead on every route.
    let (status, _, _) = raw(&url, "GET", "/api/v1/staff/cases", kim.cookie(), None, None);
    assert_eq!(status, 401);
}
