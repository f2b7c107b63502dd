//! What the staff web app needs of the server (the staff web app issue): sessions that survive
//! a restart and can be ended everywhere, the admin's second-factor reset, the units without a
//! reader, the auditor's counts, the inbox's filters and new-message markers, the authors of
//! staff items, the allowed next statuses, and the staff routes served on their own address.

mod common;

use std::sync::Arc;

use common::draft;
use common::staff::{enrol, login, raw, service};
use meldpunt::clients::staff::StaffClient;
use meldpunt::protocol::roles::{Outcome, Role};
use meldpunt::protocol::staff_keys::derive;
use meldpunt::protocol::statements::Status;
use meldpunt::protocol::time;
use meldpunt::protocol::totp;
use meldpunt::server::app::App;
use meldpunt::server::http::RunningServer;
use serde_json::json;

fn get(url: &str, path: &str, who: &StaffClient) -> (u16, serde_json::Value) {
    let (status, body, _) = raw(url, "GET", path, who.cookie(), who.csrf_token(), None);
    (status, body)
}

fn post(
    url: &str,
    path: &str,
    who: &StaffClient,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let (status, body, _) = raw(
        url,
        "POST",
        path,
        who.cookie(),
        who.csrf_token(),
        Some(body),
    );
    (status, body)
}

/// The cookie a browser would send for a session made in-process (a second device: a second
/// sign-in of the same user would need a fresh TOTP step).
fn cookie_of(app: &App, session: &meldpunt::server::signin::session::NewSession) -> String {
    let name = if app.settings.staff_cookie_secure {
        "__Host-meldpunt_staff"
    } else {
        "meldpunt_staff"
    };
    format!(
        "{name}={}",
        meldpunt::protocol::b64::encode(session.token.as_ref())
    )
}

#[test]
fn sessions_survive_a_restart_and_sign_out_everywhere_ends_them_all() {
    let svc = service();
    let intake = enrol(&svc, "Ilse Intake", &[Role::Intake], Some("amsterdam"));
    let ilse = login(&svc, &intake);
    // A second device of the same user (a sign-in needs a fresh TOTP step; this is the
    // session a second sign-in would make).
    let user_id = meldpunt::protocol::b64::decode_array::<16>(intake.user_id()).unwrap();
    let other = svc.app.staff.sessions.create(user_id).unwrap();
    let other_cookie = cookie_of(&svc.app, &other);
    let other_csrf = meldpunt::protocol::b64::encode(other.csrf.as_ref());

    // Stop the service and start it again on the same folders.
    let common::TestService {
        dir: _dir,
        app,
        server,
        ..
    } = svc;
    server.unwrap().stop();
    let settings = app.settings.clone();
    drop(app);
    let app = Arc::new(App::open(settings).unwrap());
    let server = RunningServer::start(app.clone()).unwrap();
    let url = server.url();

    let (status, me) = get(&url, "/api/v1/staff/me", &ilse);
    assert_eq!(
        (status, me["name"].as_str()),
        (200, Some("Ilse Intake")),
        "{me}"
    );
    let (status, _, _) = raw(
        &url,
        "GET",
        "/api/v1/staff/me",
        Some(&other_cookie),
        None,
        None,
    );
    assert_eq!(status, 200, "the other device too");

    // Sign out everywhere from the first device: both sessions end, and it is audited.
    let (status, body) = post(&url, "/api/v1/staff/logout-all", &ilse, json!({}));
    assert_eq!(status, 204, "{body}");
    assert_eq!(get(&url, "/api/v1/staff/me", &ilse).0, 401);
    let (status, _, _) = raw(
        &url,
        "GET",
        "/api/v1/staff/me",
        Some(&other_cookie),
        Some(&other_csrf),
        None,
    );
    assert_eq!(status, 401);
    assert!(app.store().sessions().unwrap().is_empty());
    let records = app.store().audit_records(0, 1000).unwrap();
    assert!(records.iter().any(|r| r.action == "staff.logout_all"));
}

#[test]
fn an_admin_resets_a_lost_second_factor_online() {
    let svc = service();
    let admin_user = enrol(&svc, "Beheer", &[Role::Admin], None);
    let lost = enrol(
        &svc,
        "Ivo Onderzoeker",
        &[Role::Investigator],
        Some("amsterdam"),
    );
    let admin = login(&svc, &admin_user);
    let url = svc.url();
    let user_id = meldpunt::protocol::b64::decode_array::<16>(lost.user_id()).unwrap();
    let session = svc.app.staff.sessions.create(user_id).unwrap();
    let session_cookie = cookie_of(&svc.app, &session);
    let me = |cookie: &str| raw(&url, "GET", "/api/v1/staff/me", Some(cookie), None, None).0;
    assert_eq!(me(&session_cookie), 200);

    // Only an admin may reset.
    let path = format!("/api/v1/staff/users/{}/reset-totp", lost.user_id());
    let (status, link) = post(&url, &path, &admin, json!({}));
    assert_eq!(status, 201, "{link}");
    let token = link["link"]
        .as_str()
        .unwrap()
        .split_once("/staff/reset#")
        .unwrap()
        .1
        .to_owned();

    // The old phone's codes stop working and the user's sessions ended.
    let (status, _, _) = raw(
        &url,
        "GET",
        "/api/v1/staff/me",
        Some(&session_cookie),
        None,
        None,
    );
    assert_eq!(status, 401, "the user's sessions ended at the reset");
    let mut client = StaffClient::new(&url);
    assert!(
        client
            .login(&lost.name, &lost.password, &lost.code(1))
            .is_err()
    );
    let (status, users) = get(&url, "/api/v1/staff/users", &admin);
    assert_eq!(status, 200);
    let row = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == lost.user_id())
        .unwrap();
    assert_eq!(row["second_factor_reset"], true);

    // The link shows the new secret; it is no enrolment link.
    let (status, info, _) = raw(
        &url,
        "GET",
        &format!("/api/v1/staff/reset/{token}"),
        None,
        None,
        None,
    );
    assert_eq!(status, 200, "{info}");
    let (status, _, _) = raw(
        &url,
        "GET",
        &format!("/api/v1/staff/enrol/{token}"),
        None,
        None,
        None,
    );
    assert_eq!(status, 404);
    let secret = totp::base32_decode(info["totp"]["secret"].as_str().unwrap()).unwrap();
    let secret: [u8; 20] = secret.try_into().unwrap();
    let kdf_salt =
        meldpunt::protocol::b64::decode_array::<16>(info["kdf"]["salt"].as_str().unwrap()).unwrap();
    let iterations = info["kdf"]["iterations"].as_u64().unwrap() as u32;
    let reset_path = format!("/api/v1/staff/reset/{token}");
    let complete = |password: &str, code: String| {
        let auth = derive(password, &kdf_salt, iterations).auth_hash;
        let body =
            json!({"auth_hash": meldpunt::protocol::b64::encode(auth.as_ref()), "totp_code": code});
        let (status, body, _) = raw(&url, "POST", &reset_path, None, None, Some(body));
        (status, body)
    };

    // A wrong password does not complete it (and spends the code).
    let code_now = totp::code_at(&secret, time::now());
    assert_eq!(complete("not the password", code_now.clone()).0, 401);
    assert_eq!(
        complete(&lost.password, code_now).0,
        400,
        "the code was spent"
    );
    // The right password with the next code does; the link is then used up.
    let next = totp::code_at(&secret, time::now() + totp::STEP_SECS);
    let (status, body) = complete(&lost.password, next);
    assert_eq!(status, 204, "{body}");
    let (status, _, _) = raw(&url, "GET", &reset_path, None, None, None);
    assert_eq!(status, 404, "a reset link works once");

    // Signing in needs the new secret, and the same password still unlocks the same key.
    let actions: Vec<String> = svc
        .app
        .store()
        .audit_records(0, 1000)
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    for action in [
        "user.totp_reset",
        "user.totp_reset_failed",
        "user.totp_reset_done",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} audited: {actions:?}"
        );
    }
}

#[test]
fn a_reset_link_is_withdrawn_after_three_wrong_passwords() {
    let svc = service();
    let admin_user = enrol(&svc, "Beheer", &[Role::Admin], None);
    let lost = enrol(&svc, "Ilse", &[Role::Intake], Some("amsterdam"));
    let admin = login(&svc, &admin_user);
    let url = svc.url();
    let (_, link) = post(
        &url,
        &format!("/api/v1/staff/users/{}/reset-totp", lost.user_id()),
        &admin,
        json!({}),
    );
    let token = link["link"]
        .as_str()
        .unwrap()
        .split_once('#')
        .unwrap()
        .1
        .to_owned();
    let (_, info, _) = raw(
        &url,
        "GET",
        &format!("/api/v1/staff/reset/{token}"),
        None,
        None,
        None,
    );
    let secret: [u8; 20] = totp::base32_decode(info["totp"]["secret"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    // Each try spends a TOTP step, and a user has only the current and the next one free
    // here; so the first try is real, and the link is then set one failure short of the limit
    // in the store (as two earlier tries would have left it), for the last real try.
    let hash = meldpunt::protocol::crypto::sha256(
        &meldpunt::protocol::b64::decode_array::<32>(&token).unwrap(),
    );
    let try_reset = |offset: u64| {
        let code = totp::code_at(&secret, time::now() + offset * totp::STEP_SECS);
        let body =
            json!({"auth_hash": meldpunt::protocol::b64::encode([0u8; 32]), "totp_code": code});
        let path = format!("/api/v1/staff/reset/{token}");
        raw(&url, "POST", &path, None, None, Some(body)).0
    };
    assert_eq!(try_reset(0), 401);
    let invite = svc.app.store().invite(&hash).unwrap().unwrap();
    assert_eq!(invite.failures, 1, "the failure counts on the link");
    svc.app
        .sequencer
        .run_blocking(move |tx| {
            let mut invite = tx.invite(&hash)?.unwrap();
            invite.failures = meldpunt::server::staff::reset::MAX_FAILURES - 1;
            tx.put_invite(hash, invite);
            Ok::<(), meldpunt::server::store::StoreError>(())
        })
        .unwrap();
    assert_eq!(try_reset(1), 401);
    let (status, _, _) = raw(
        &url,
        "GET",
        &format!("/api/v1/staff/reset/{token}"),
        None,
        None,
        None,
    );
    assert_eq!(status, 404, "withdrawn after three wrong passwords");
}

#[test]
fn admins_see_units_without_a_reader_and_auditors_count_cases() {
    let svc = service();
    let admin = login(&svc, &enrol(&svc, "Beheer", &[Role::Admin], None));
    let auditor = login(&svc, &enrol(&svc, "Ombudsman", &[Role::Auditor], None));
    let url = svc.url();
    svc.client().submit(&draft("amsterdam", "een")).unwrap();
    svc.client().submit(&draft("amsterdam", "twee")).unwrap();

    let (status, units) = get(&url, "/api/v1/staff/units", &admin);
    assert_eq!(status, 200, "{units}");
    let readers = |unit: &str| {
        units["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit"] == unit)
            .unwrap()["readers"]
            .as_u64()
            .unwrap()
    };
    // The test service has a national and an Amsterdam recipient: Amsterdam has two readers,
    // Rotterdam only the national one.
    assert_eq!(readers("amsterdam"), 2);
    assert_eq!(readers("rotterdam"), 1);
    assert_eq!(units["directory_current"], true);

    // A new intake key that is not yet in the directory: the directory is behind.
    common::staff::enrol_unsigned(&svc, "Nieuw", &[Role::Intake], Some("rotterdam"));
    let (_, units) = get(&url, "/api/v1/staff/units", &admin);
    assert_eq!(units["directory_current"], false);

    let (status, counts) = get(&url, "/api/v1/staff/counts", &auditor);
    assert_eq!(status, 200, "{counts}");
    assert_eq!(counts["total"], 2);
    assert_eq!(counts["by_status"]["received"], 2);
    assert_eq!(get(&url, "/api/v1/staff/units", &auditor).0, 403);
}

#[test]
fn the_inbox_marks_new_messages_filters_and_names_authors() {
    let svc = service();
    let intake = enrol(&svc, "Ilse Intake", &[Role::Intake], Some("amsterdam"));
    let inv = enrol(
        &svc,
        "Ivo Onderzoeker",
        &[Role::Investigator],
        Some("amsterdam"),
    );
    let url = svc.url();
    let reporter = svc.client();
    let first = reporter.submit(&draft("amsterdam", "eerste")).unwrap();
    let second = reporter.submit(&draft("amsterdam", "tweede")).unwrap();
    let ilse = login(&svc, &intake);

    let list = ilse.cases("").unwrap();
    assert_eq!(list.total, 2);
    assert!(
        list.cases.iter().all(|c| c.new && c.unread == 0),
        "never opened"
    );
    let q = &first.case_ref[first.case_ref.len() - 4..].to_lowercase();
    let found = ilse.cases(&format!("q={q}")).unwrap();
    assert_eq!(
        found
            .cases
            .iter()
            .map(|c| c.case_ref.as_str())
            .collect::<Vec<_>>(),
        [first.case_ref.as_str()]
    );

    ilse.open_case(&first.case_ref).unwrap();
    ilse.triage(&first.case_ref, Outcome::InternalInvestigation, "onderzoek")
        .unwrap();
    let target = ilse
        .assignable(&first.case_ref)
        .unwrap()
        .into_iter()
        .find(|a| a.kid == inv.kid())
        .unwrap();
    ilse.assign(&first.case_ref, &target).unwrap();
    ilse.reply(&first.case_ref, "Dank voor uw melding.")
        .unwrap();
    ilse.note(&first.case_ref, "Eerst de leidinggevende horen.")
        .unwrap();

    // The reporter answers twice: two new messages for the intake.
    let code = &first.access_code;
    reporter.send_message(code, "Antwoord een").unwrap();
    reporter.send_message(code, "Antwoord twee").unwrap();
    let row = |list: &meldpunt::protocol::staff_wire::CaseList, r: &str| {
        list.cases
            .iter()
            .find(|c| c.case_ref == r)
            .cloned()
            .unwrap()
    };
    let list = ilse.cases("").unwrap();
    let first_row = row(&list, &first.case_ref);
    assert_eq!((first_row.new, first_row.unread), (false, 2));
    assert!(row(&list, &second.case_ref).new);
    ilse.open_case(&first.case_ref).unwrap();
    assert_eq!(
        row(&ilse.cases("").unwrap(), &first.case_ref).unread,
        0,
        "seen when opened"
    );

    // The investigator: only the assigned case, new to them; `assigned=me` filters.
    let ivo = login(&svc, &inv);
    let mine = ivo.cases("assigned=me").unwrap();
    assert_eq!(mine.total, 1);
    assert!(mine.cases[0].new);
    assert_eq!(ilse.cases("assigned=me").unwrap().total, 0);
    let (status, body) = get(&url, "/api/v1/staff/cases?assigned=someone", &ilse);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );

    // The detail names the staff authors (to colleagues) and the allowed next statuses.
    let (status, detail) = get(
        &url,
        &format!("/api/v1/staff/cases/{}", first.case_ref),
        &ivo,
    );
    assert_eq!(status, 200, "{detail}");
    let authors = detail["authors"].as_array().unwrap();
    assert_eq!(authors.len(), 3, "triage note, reply and note: {authors:?}");
    assert!(
        authors
            .iter()
            .all(|a| a["name"] == "Ilse Intake" && a["roles"] == json!(["intake"]))
    );
    assert_eq!(detail["next_statuses"], json!(["acknowledged"]));
    ivo.set_status(&first.case_ref, Status::Acknowledged, None)
        .unwrap();
    let (_, detail) = get(
        &url,
        &format!("/api/v1/staff/cases/{}", first.case_ref),
        &ivo,
    );
    assert_eq!(
        detail["next_statuses"],
        json!(["investigating", "referred", "handled_in_line"])
    );

    // The reporter's view of the same case names no one.
    let view = reporter.raw_case(code).unwrap();
    let text = serde_json::to_string(&view).unwrap();
    assert!(
        !text.contains("Ilse") && !text.contains(intake.user_id()),
        "{text}"
    );
}

#[test]
fn staff_routes_can_live_on_their_own_address() {
    let svc = common::TestService::start_with(0, |s| {
        s.staff_kdf_iterations = common::staff::TEST_ITERATIONS;
        s.staff_bind = "127.0.0.1:1".into();
    });
    // The test service listens on one port; serve the same app on a public and a staff
    // listener, as `serve` does with `staff_bind`.
    let public = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let staff = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let server =
        RunningServer::start_on(svc.app.clone(), public, Some(staff.try_clone().unwrap())).unwrap();
    let staff_url = format!("http://{}", staff.local_addr().unwrap());
    drop(staff);
    let public_url = server.url();
    let call = |base: &str, path: &str| raw(base, "GET", path, None, None, None).0;
    for path in ["/api/v1/staff/me", "/staff/", "/staff", "/staff/enrol"] {
        assert_eq!(call(&public_url, path), 404, "{path} on the public address");
    }
    assert_eq!(
        call(&staff_url, "/api/v1/staff/me"),
        401,
        "the staff API on its own address"
    );
    assert_eq!(
        call(&public_url, "/api/v1/config"),
        200,
        "the reporter side stays public"
    );
    assert_eq!(
        call(&staff_url, "/api/v1/config"),
        200,
        "and staff pages can read it"
    );
    let (status, _, _) = raw(
        &public_url,
        "POST",
        "/api/v1/staff/prelogin",
        None,
        None,
        Some(json!({"name": "admin"})),
    );
    assert_eq!(status, 404, "no staff sign-in on the public address");
    // Links point at the staff origin.
    let invite = common::staff::invite(&svc, "Nieuw", &[Role::Auditor], None);
    assert!(!invite.is_empty());
    assert_eq!(svc.app.settings.staff_origin(), "http://127.0.0.1:1");
}
