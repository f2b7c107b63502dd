//! Must-show 2 of the staff issue: every staff route × every role (and no session), with an
//! assigned and an unassigned investigator, against the expected outcome, in one table. The
//! test fails when a staff route exists without a row, or a row names a route that does not.
//!
//! Bodies are well-formed, so a refusal can only come from the role and assignment check:
//! `Deny` must be exactly 403 `forbidden`, `Anon` exactly 401 `unauthorized`, and `Allow` may be
//! any answer except those two (a 409 for a state that does not fit is still "allowed in").

mod common;

use std::collections::BTreeSet;

use common::draft;
use common::staff::{StaffUser, enrol, login, raw, service};
use meldpunt::clients::staff::StaffClient;
use meldpunt::protocol::crypto::item::{Item, ItemKind};
use meldpunt::protocol::crypto::random_bytes;
use meldpunt::protocol::roles::{Outcome, Role};
use meldpunt::server::http::route_table;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Let in: any status but 401 and 403.
    Allow,
    /// 403 `forbidden`.
    Deny,
    /// 401 `unauthorized` (no session).
    Anon,
    /// Exactly this status (public routes whose answer is fixed by the input).
    Is(u16),
}
use Expect::{Allow, Anon, Deny, Is};

/// Columns, in this order.
const WHO: [&str; 7] = [
    "anonymous",
    "intake",
    "investigator (assigned)",
    "investigator (not assigned)",
    "custodian",
    "auditor",
    "admin",
];

struct Row {
    method: &'static str,
    path: &'static str,
    expect: [Expect; 7],
}

const fn row(method: &'static str, path: &'static str, expect: [Expect; 7]) -> Row {
    Row {
        method,
        path,
        expect,
    }
}

/// The matrix. `logout` is last because it ends the sessions the other rows use.
const MATRIX: &[Row] = &[
    row("GET", "/api/v1/staff/enrol/{token}", [Is(404); 7]),
    row("POST", "/api/v1/staff/enrol/{token}", [Is(404); 7]),
    row("POST", "/api/v1/staff/prelogin", [Is(200); 7]),
    row("POST", "/api/v1/staff/login", [Is(401); 7]),
    row(
        "GET",
        "/api/v1/staff/me",
        [Anon, Allow, Allow, Allow, Allow, Allow, Allow],
    ),
    row(
        "GET",
        "/api/v1/staff/users",
        [Anon, Deny, Deny, Deny, Deny, Deny, Allow],
    ),
    row(
        "POST",
        "/api/v1/staff/users",
        [Anon, Deny, Deny, Deny, Deny, Deny, Allow],
    ),
    row(
        "POST",
        "/api/v1/staff/users/{id}/disable",
        [Anon, Deny, Deny, Deny, Deny, Deny, Allow],
    ),
    row(
        "POST",
        "/api/v1/staff/users/{id}/enable",
        [Anon, Deny, Deny, Deny, Deny, Deny, Allow],
    ),
    row(
        "POST",
        "/api/v1/staff/users/{id}/reset-totp",
        [Anon, Deny, Deny, Deny, Deny, Deny, Allow],
    ),
    row("GET", "/api/v1/staff/reset/{token}", [Is(404); 7]),
    row("POST", "/api/v1/staff/reset/{token}", [Is(404); 7]),
    row(
        "GET",
        "/api/v1/staff/units",
        [Anon, Deny, Deny, Deny, Deny, Deny, Allow],
    ),
    row(
        "GET",
        "/api/v1/staff/counts",
        [Anon, Deny, Deny, Deny, Deny, Allow, Allow],
    ),
    row(
        "GET",
        "/api/v1/staff/audit",
        [Anon, Deny, Deny, Deny, Deny, Allow, Deny],
    ),
    row(
        "GET",
        "/api/v1/staff/cases",
        [Anon, Allow, Allow, Allow, Allow, Deny, Deny],
    ),
    row(
        "GET",
        "/api/v1/staff/cases/{ref}",
        [Anon, Allow, Allow, Deny, Deny, Deny, Deny],
    ),
    row(
        "GET",
        "/api/v1/staff/cases/{ref}/items",
        [Anon, Allow, Allow, Deny, Deny, Deny, Deny],
    ),
    row(
        "GET",
        "/api/v1/staff/cases/{ref}/assignable",
        [Anon, Allow, Deny, Deny, Deny, Deny, Deny],
    ),
    row(
        "POST",
        "/api/v1/staff/cases/{ref}/assign",
        [Anon, Allow, Deny, Deny, Deny, Deny, Deny],
    ),
    row(
        "POST",
        "/api/v1/staff/cases/{ref}/triage",
        [Anon, Allow, Deny, Deny, Deny, Deny, Deny],
    ),
    row(
        "POST",
        "/api/v1/staff/cases/{ref}/status",
        [Anon, Allow, Allow, Deny, Deny, Deny, Deny],
    ),
    row(
        "POST",
        "/api/v1/staff/cases/{ref}/messages",
        [Anon, Allow, Allow, Deny, Deny, Deny, Deny],
    ),
    row(
        "POST",
        "/api/v1/staff/cases/{ref}/notes",
        [Anon, Allow, Allow, Deny, Deny, Deny, Deny],
    ),
    row(
        "POST",
        "/api/v1/staff/logout",
        [Anon, Allow, Allow, Allow, Allow, Allow, Allow],
    ),
    // After `logout`, every session of the matrix has ended; the runner signs everyone in
    // again (in-process sessions) before this row.
    row(
        "POST",
        "/api/v1/staff/logout-all",
        [Anon, Allow, Allow, Allow, Allow, Allow, Allow],
    ),
];

fn item(kind: ItemKind) -> Item {
    Item::seal(
        &random_bytes::<32>(),
        &random_bytes::<16>(),
        random_bytes::<16>(),
        kind,
        b"{}",
    )
    .unwrap()
}

/// A well-formed body for each POST route.
fn body(path: &str, spare: &StaffUser, assigned: &StaffUser) -> Value {
    let wrap = |to: &str| {
        json!({"to": to, "purpose": "thread",
               "enc": meldpunt::protocol::b64::encode(random_bytes::<32>()),
               "ct": meldpunt::protocol::b64::encode(random_bytes::<48>())})
    };
    match path {
        "/api/v1/staff/enrol/{token}" => json!({
            "auth_hash": meldpunt::protocol::b64::encode(random_bytes::<32>()),
            "public_key": meldpunt::protocol::b64::encode(random_bytes::<32>()),
            "wrapped_private_key": {"nonce": meldpunt::protocol::b64::encode(random_bytes::<12>()),
                                    "ct": meldpunt::protocol::b64::encode(random_bytes::<48>())},
            "totp_code": "000000"}),
        "/api/v1/staff/prelogin" => json!({"name": "niemand"}),
        // A fresh unknown name each time, so throttling (tested elsewhere) stays out of it.
        "/api/v1/staff/login" => json!({"name": format!("niemand-{}",
            meldpunt::protocol::b64::encode(random_bytes::<6>())),
            "auth_hash": meldpunt::protocol::b64::encode(random_bytes::<32>()), "totp_code": "000000"}),
        "/api/v1/staff/users" => json!({"name": format!("nieuw-{}",
            meldpunt::protocol::b64::encode(random_bytes::<6>())), "roles": ["auditor"]}),
        "/api/v1/staff/cases/{ref}/assign" => {
            // The already assigned investigator: allowed callers get a conflict, not a change.
            json!({"user_id": assigned.user_id(), "wraps": [wrap(assigned.kid())]})
        }
        "/api/v1/staff/cases/{ref}/triage" => {
            json!({"outcome": "referred", "wraps": [wrap(spare.kid())], "note": item(ItemKind::Note)})
        }
        "/api/v1/staff/cases/{ref}/status" => json!({"status": "investigating"}),
        "/api/v1/staff/cases/{ref}/messages" => {
            serde_json::to_value(item(ItemKind::Message)).unwrap()
        }
        "/api/v1/staff/cases/{ref}/notes" => serde_json::to_value(item(ItemKind::Note)).unwrap(),
        "/api/v1/staff/reset/{token}" => json!({
            "auth_hash": meldpunt::protocol::b64::encode(random_bytes::<32>()),
            "totp_code": "000000"}),
        _ => json!({}),
    }
}

#[test]
fn every_staff_route_for_every_role() {
    // Every staff route has exactly one row, and every row is a route.
    let routed: BTreeSet<(String, String)> = route_table()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/staff/"))
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect();
    let rows: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(rows.len(), MATRIX.len(), "a route has two rows");
    let missing: Vec<_> = routed.difference(&rows).collect();
    let stale: Vec<_> = rows.difference(&routed).collect();
    assert!(
        missing.is_empty(),
        "staff routes without a row in the matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rows for routes that do not exist: {stale:?}"
    );

    let svc = service();
    let intake = enrol(&svc, "intake", &[Role::Intake], Some("amsterdam"));
    let assigned = enrol(
        &svc,
        "onderzoeker-a",
        &[Role::Investigator],
        Some("amsterdam"),
    );
    let other = enrol(
        &svc,
        "onderzoeker-b",
        &[Role::Investigator],
        Some("amsterdam"),
    );
    let custodian = enrol(&svc, "vertrouwenspersoon", &[Role::Custodian], None);
    let auditor = enrol(&svc, "ombudsman", &[Role::Auditor], None);
    let admin = enrol(&svc, "beheerder", &[Role::Admin], None);
    let spare = enrol(&svc, "reserve", &[Role::Auditor], None);

    // A case in Amsterdam, triaged, and assigned to investigator A.
    let submitted = svc.client().submit(&draft("amsterdam", "matrix")).unwrap();
    let case_ref = submitted.case_ref.clone();
    let ilse = login(&svc, &intake);
    ilse.triage(&case_ref, Outcome::InternalInvestigation, "reden")
        .unwrap();
    let target = ilse
        .assignable(&case_ref)
        .unwrap()
        .into_iter()
        .find(|c| c.kid == assigned.kid())
        .unwrap();
    ilse.assign(&case_ref, &target).unwrap();

    let sessions: Vec<Option<StaffClient>> = vec![
        None,
        Some(ilse),
        Some(login(&svc, &assigned)),
        Some(login(&svc, &other)),
        Some(login(&svc, &custodian)),
        Some(login(&svc, &auditor)),
        Some(login(&svc, &admin)),
    ];

    // Fresh sessions for the rows after `logout` (a second sign-in would need a fresh TOTP
    // step): (cookie, CSRF token) per column.
    let users = [&intake, &assigned, &other, &custodian, &auditor, &admin];
    let fresh = || -> Vec<Option<(String, String)>> {
        std::iter::once(None)
            .chain(users.iter().map(|u| {
                let id = meldpunt::protocol::b64::decode_array::<16>(u.user_id()).unwrap();
                let s = svc.app.staff.sessions.create(id).unwrap();
                Some((
                    format!(
                        "__Host-meldpunt_staff={}",
                        meldpunt::protocol::b64::encode(s.token.as_ref())
                    ),
                    meldpunt::protocol::b64::encode(s.csrf.as_ref()),
                ))
            }))
            .collect()
    };
    let mut replaced: Option<Vec<Option<(String, String)>>> = None;
    let mut failures = Vec::new();
    for r in MATRIX {
        if r.path == "/api/v1/staff/logout-all" {
            replaced = Some(fresh());
        }
        let path = r
            .path
            .replace("{ref}", &case_ref)
            .replace("{token}", "dGhpcyB0b2tlbiBkb2VzIG5vdCBleGlzdA")
            .replace("{id}", spare.user_id());
        for (who, expect) in r.expect.iter().enumerate() {
            let (cookie, csrf) = match &replaced {
                Some(fresh) => (
                    fresh[who].as_ref().map(|(c, _)| c.as_str()),
                    fresh[who].as_ref().map(|(_, t)| t.as_str()),
                ),
                None => (
                    sessions[who].as_ref().and_then(|s| s.cookie()),
                    sessions[who].as_ref().and_then(|s| s.csrf_token()),
                ),
            };
            let body = (r.method == "POST").then(|| body(r.path, &spare, &assigned));
            let (status, answer, _) = raw(&svc.url(), r.method, &path, cookie, csrf, body);
            let code = answer["error"]["code"].as_str().unwrap_or("");
            let ok = match expect {
                Allow => status != 401 && status != 403,
                Deny => status == 403 && code == "forbidden",
                Anon => status == 401 && code == "unauthorized",
                Is(s) => status == *s,
            };
            if !ok {
                failures.push(format!(
                    "{} {} as {}: expected {expect:?}, got {status} {code}",
                    r.method, r.path, WHO[who]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorisation matrix:\n{}",
        failures.join("\n")
    );
}
