//! Must-show 1 of the staff issue: intake and investigators enrol (TOTP computed here), a
//! reporter submits, the intake reads, triages and assigns, the investigator reads,
//! acknowledges, sets investigating and replies; the reporter sees the signed statements and
//! decrypts the reply. A second investigator who is not assigned gets 403 and, even with the
//! raw database, holds no wrap that opens the case.

mod common;

use common::draft;
use common::staff::{enrol, login, service};
use meldpunt::protocol::crypto::wrap::{Wrap, WrapPurpose, open_case_key, seal_case_key};
use meldpunt::protocol::roles::{Outcome, Role};
use meldpunt::protocol::statements::{Party, StatementKind, Status};

#[test]
fn intake_assigns_investigator_who_replies_to_the_reporter() {
    let svc = service();
    let intake = enrol(&svc, "Ilse Intake", &[Role::Intake], Some("amsterdam"));
    let inv1 = enrol(
        &svc,
        "Ivo Onderzoeker",
        &[Role::Investigator],
        Some("amsterdam"),
    );
    let inv2 = enrol(
        &svc,
        "Inge Onderzoeker",
        &[Role::Investigator],
        Some("amsterdam"),
    );

    // The officers signed the directory at enrolment (`enrol`): the enrolled intake reads Amsterdam's reports, next to the
    // manual recipients; an investigator is listed but reads no new report.
    let reporter = svc.client();
    let directory = reporter.directory().unwrap();
    let amsterdam = draft("amsterdam", "");
    let readers: Vec<&str> = directory
        .readers_for(&amsterdam)
        .into_iter()
        .map(|e| e.kid.as_str())
        .collect();
    assert!(readers.contains(&intake.kid()));
    assert!(!readers.contains(&inv1.kid()));
    assert!(directory.directory.entry(inv1.kid()).is_some());
    let submitted = reporter
        .submit(&draft("amsterdam", "Mijn chef pest mij al maanden."))
        .unwrap();
    let case_ref = submitted.case_ref.clone();

    // The intake lists and reads the case with its own key.
    let ilse = login(&svc, &intake);
    let list = ilse.cases("").unwrap();
    assert_eq!(list.total, 1);
    assert_eq!(list.cases[0].case_ref, case_ref);
    assert_eq!(list.cases[0].status, Status::Received);
    assert!(!list.cases[0].overdue);
    let opened = ilse.open_case(&case_ref).unwrap();
    assert_eq!(opened.report["what"], "Mijn chef pest mij al maanden.");
    assert!(opened.detail.wraps.iter().all(|w| w.to == intake.kid()));

    // The server checks that wraps go to exactly the right keys (it cannot make them).
    let thread_key = open_case_key(
        ilse.private_key().unwrap(),
        &opened.detail.case_id,
        &opened.detail.wraps[0],
    )
    .unwrap();
    let wrap_to = |pk: &[u8; 32], kid: &str, purpose| {
        seal_case_key(pk, kid, &opened.detail.case_id, purpose, &thread_key).unwrap()
    };
    let post = |path: &str, body: serde_json::Value| {
        common::staff::raw(
            &svc.url(),
            "POST",
            &format!("/api/v1/staff/cases/{case_ref}/{path}"),
            ilse.cookie(),
            ilse.csrf_token(),
            Some(body),
        )
    };
    let partial: Vec<Wrap> = opened
        .detail
        .holders
        .iter()
        .skip(1)
        .map(|h| wrap_to(&h.public_key, &h.kid, WrapPurpose::Internal))
        .collect();
    let (status, body, _) = post(
        "triage",
        serde_json::json!({"outcome": "referred", "wraps": partial, "note": opened.detail.report}),
    );
    assert_eq!(status, 400, "a report item is not a note: {body}");
    let note = meldpunt::protocol::crypto::Item::seal(
        &[9; 32],
        &opened.detail.case_id,
        [7; 16],
        meldpunt::protocol::crypto::ItemKind::Note,
        b"{}",
    )
    .unwrap();
    let (status, body, _) = post(
        "triage",
        serde_json::json!({"outcome": "referred", "wraps": partial, "note": note}),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("wraps_mismatch")),
        "the internal key must reach every thread holder"
    );
    let pk1 = inv1.enrolled.public_key;
    let (status, body, _) = post(
        "assign",
        serde_json::json!({"user_id": inv1.user_id(),
            "wraps": [wrap_to(&pk1, inv2.kid(), WrapPurpose::Thread)]}),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("wraps_mismatch"))
    );

    // Triage makes the internal key; then the assignment wraps both keys to investigator 1.
    ilse.triage(
        &case_ref,
        Outcome::InternalInvestigation,
        "Ernstig; eenheid onderzoekt.",
    )
    .unwrap();
    let candidates = ilse.assignable(&case_ref).unwrap();
    assert_eq!(candidates.len(), 2);
    let target = candidates.iter().find(|c| c.kid == inv1.kid()).unwrap();
    // Now that an internal key exists, a thread wrap alone is not enough.
    let (status, body, _) = post(
        "assign",
        serde_json::json!({"user_id": inv1.user_id(),
            "wraps": [wrap_to(&pk1, inv1.kid(), WrapPurpose::Thread)]}),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("wraps_mismatch"))
    );
    ilse.assign(&case_ref, target).unwrap();
    let row = &ilse.cases("").unwrap().cases[0];
    assert_eq!(row.assigned, vec!["Ivo Onderzoeker".to_owned()]);
    assert_eq!(
        row.triage.as_ref().unwrap().outcome,
        Outcome::InternalInvestigation
    );

    // Investigator 1 reads (report and triage note), acknowledges, investigates, replies.
    let ivo = login(&svc, &inv1);
    assert_eq!(ivo.cases("").unwrap().total, 1);
    let opened = ivo.open_case(&case_ref).unwrap();
    assert_eq!(opened.report["what"], "Mijn chef pest mij al maanden.");
    assert_eq!(
        opened.notes,
        vec!["Ernstig; eenheid onderzoekt.".to_owned()]
    );
    ivo.set_status(&case_ref, Status::Acknowledged, None)
        .unwrap();
    ivo.set_status(&case_ref, Status::Investigating, None)
        .unwrap();
    ivo.reply(&case_ref, "Wij onderzoeken uw melding.").unwrap();
    ivo.note(&case_ref, "Getuigen benaderen.").unwrap();
    let err = ivo
        .set_status(&case_ref, Status::Acknowledged, None)
        .unwrap_err();
    assert_eq!(err.api_code(), Some("invalid_state"));

    // The reporter sees the signed statements (chain checked by the client) and the reply.
    let seen = reporter.case(&submitted.access_code).unwrap();
    assert_eq!(seen.view.status, Status::Investigating);
    assert!(seen.view.deadlines.feedback_by.is_some());
    let later: Vec<_> = seen.statements.iter().skip(1).collect();
    assert_eq!(later.len(), 3);
    assert_eq!(
        (later[0].kind(), later[0].status()),
        (StatementKind::Status, Some(Status::Acknowledged))
    );
    assert_eq!(later[1].status(), Some(Status::Investigating));
    assert_eq!(
        (later[2].kind(), later[2].from()),
        (StatementKind::Message, Some(Party::Staff))
    );
    assert_eq!(
        seen.messages,
        vec!["Wij onderzoeken uw melding.".to_owned()]
    );
    assert!(
        seen.items
            .iter()
            .all(|i| i.kind != meldpunt::protocol::crypto::ItemKind::Note),
        "notes never reach the reporter"
    );

    // Investigator 2 is not assigned: 403, an empty list, and no wrap that opens the case.
    let inge = login(&svc, &inv2);
    assert_eq!(
        inge.case(&case_ref).unwrap_err().api_code(),
        Some("forbidden")
    );
    assert_eq!(inge.cases("").unwrap().total, 0);
    let sk2 = inv2.enrolled.private_key.clone();
    let mut wraps_seen = 0;
    for (tree, _, value) in svc.app.store().dump().unwrap() {
        if tree != "cases" {
            continue;
        }
        let case: serde_json::Value = serde_json::from_slice(&value).unwrap();
        let case_id =
            meldpunt::protocol::b64::decode_array::<16>(case["case_id"].as_str().unwrap()).unwrap();
        for w in case["wraps"].as_array().unwrap() {
            let wrap: Wrap = serde_json::from_value(w.clone()).unwrap();
            wraps_seen += 1;
            assert_ne!(wrap.to, inv2.kid(), "a wrap is addressed to investigator 2");
            assert!(open_case_key(&sk2, &case_id, &wrap).is_err());
        }
    }
    // reporter, 2 manual recipients and the intake (thread); 3 internal; investigator 1 (2).
    assert_eq!(wraps_seen, 4 + 3 + 2);

    // Filters and paging of the list.
    assert_eq!(ivo.cases("status=investigating").unwrap().total, 1);
    assert_eq!(ivo.cases("status=received").unwrap().total, 0);
    assert_eq!(ivo.cases("overdue=true").unwrap().total, 0);
    assert_eq!(
        ivo.cases("unit=amsterdam&theme=exclusion").unwrap().total,
        1
    );
    assert_eq!(ivo.cases("page=2").unwrap().cases.len(), 0);
    assert_eq!(
        ivo.cases("per_page=101").unwrap_err().api_code(),
        Some("invalid_range")
    );

    // Auditors and admins see no case content, but the auditor reads the audit chain.
    let auditor = enrol(&svc, "Anouk Audit", &[Role::Auditor], None);
    let admin = enrol(&svc, "Bas Beheer", &[Role::Admin], None);
    let anouk = login(&svc, &auditor);
    let bas = login(&svc, &admin);
    for who in [&anouk, &bas] {
        assert_eq!(who.cases("").unwrap_err().api_code(), Some("forbidden"));
        assert_eq!(
            who.case(&case_ref).unwrap_err().api_code(),
            Some("forbidden")
        );
    }
    let (status, page, _) = common::staff::raw(
        &svc.url(),
        "GET",
        "/api/v1/staff/audit?start=0&limit=1000",
        anouk.cookie(),
        None,
        None,
    );
    assert_eq!(status, 200);
    let actions: Vec<&str> = page["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    for action in [
        "user.invited",
        "user.enrolled",
        "staff.login",
        "case.opened",
        "case.triaged",
        "case.assigned",
        "case.status",
        "case.message",
        "case.note",
    ] {
        assert!(actions.contains(&action), "no {action} in {actions:?}");
    }
    let records = page["records"].as_array().unwrap();
    assert_eq!(page["head"]["seq"], records.len() as u64 - 1);
    assert!(
        records
            .iter()
            .all(|r| r["hour"].as_u64().unwrap() % 3600 == 0)
    );
    let (status, _, _) = common::staff::raw(
        &svc.url(),
        "GET",
        "/api/v1/staff/audit",
        bas.cookie(),
        None,
        None,
    );
    assert_eq!(status, 403, "only auditors read the audit chain");
}

/// Hardening finding 8: triage used to refuse unless a disabled intake user also got the
/// internal key. Wraps go only to active holders; a disabled user gets nothing new, and a wrap
/// made for them anyway is refused.
#[test]
fn a_disabled_holder_receives_no_new_key() {
    let svc = service();
    let ilse = enrol(&svc, "Ilse Intake", &[Role::Intake], Some("amsterdam"));
    let anna = enrol(&svc, "Anna Intake", &[Role::Intake], Some("amsterdam"));
    let submitted = svc
        .client()
        .submit(&draft("amsterdam", "Er wordt gediscrimineerd."))
        .unwrap();
    let case_ref = submitted.case_ref.clone();
    let anna_id = meldpunt::server::staff::accounts::parse_user_id(anna.user_id()).unwrap();
    common::block_on(meldpunt::server::staff::accounts::set_disabled(
        &svc.app,
        &anna_id,
        true,
        "cli".into(),
    ))
    .unwrap();

    let client = login(&svc, &ilse);
    let detail = client.case(&case_ref).unwrap();
    let holders: Vec<&str> = detail.holders.iter().map(|h| h.kid.as_str()).collect();
    assert!(holders.contains(&ilse.kid()), "{holders:?}");
    assert!(
        !holders.contains(&anna.kid()),
        "a disabled user is no holder"
    );

    // A triage whose internal key also goes to the disabled user is refused.
    let internal = [5u8; 32];
    let wrap = |pk: &[u8; 32], kid: &str| {
        seal_case_key(pk, kid, &detail.case_id, WrapPurpose::Internal, &internal).unwrap()
    };
    let note = meldpunt::protocol::crypto::Item::seal(
        &internal,
        &detail.case_id,
        [3; 16],
        meldpunt::protocol::crypto::ItemKind::Note,
        b"{\"text\":\"x\"}",
    )
    .unwrap();
    let (status, body, _) = common::staff::raw(
        &svc.url(),
        "POST",
        &format!("/api/v1/staff/cases/{case_ref}/triage"),
        client.cookie(),
        client.csrf_token(),
        Some(serde_json::json!({
            "outcome": "referred",
            "wraps": [wrap(&ilse.enrolled.public_key, ilse.kid()),
                      wrap(&anna.enrolled.public_key, anna.kid())],
            "note": note,
        })),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("wraps_mismatch")),
        "{body}"
    );

    // The client's own triage succeeds and the disabled user's wraps stay as they were.
    client
        .triage(&case_ref, Outcome::Referred, "Doorverwezen.")
        .unwrap();
    let case = svc.app.store().case_by_ref(&case_ref).unwrap().unwrap();
    let anna_wraps: Vec<WrapPurpose> = case
        .wraps
        .iter()
        .filter(|w| w.to == anna.kid())
        .map(|w| w.purpose)
        .collect();
    assert_eq!(
        anna_wraps,
        vec![WrapPurpose::Thread],
        "nothing new for Anna"
    );
    assert!(
        case.wraps
            .iter()
            .any(|w| w.to == ilse.kid() && w.purpose == WrapPurpose::Internal)
    );
}

/// From the review of the hardening: a note took the next statement's number, so it shared a
/// place with the next message and the two sorted by random id; across a page boundary an
/// item could be skipped. Every item has its own number: pages yield exactly the arrival order.
#[test]
fn notes_and_messages_come_back_in_arrival_order_across_pages() {
    use meldpunt::protocol::crypto::ItemKind;
    let svc = service();
    let ilse = enrol(&svc, "Ilse Intake", &[Role::Intake], Some("amsterdam"));
    let submitted = svc
        .client()
        .submit(&draft("amsterdam", "Volgorde."))
        .unwrap();
    let case_ref = submitted.case_ref.clone();
    let client = login(&svc, &ilse);
    client
        .triage(&case_ref, Outcome::Referred, "Eerste notitie.")
        .unwrap();
    let case = client.fetch_case(&case_ref).unwrap();
    let case_id = case.detail.case_id;
    let sk = client.private_key().unwrap();
    let key_of = |purpose| {
        let wrap = case
            .detail
            .wraps
            .iter()
            .find(|w| w.purpose == purpose)
            .unwrap();
        open_case_key(sk, &case_id, wrap).unwrap()
    };
    let (thread, internal) = (key_of(WrapPurpose::Thread), key_of(WrapPurpose::Internal));
    let mut sent = vec![case.items[0].id];
    for i in 0..40 {
        let (kind, key, route) = if i % 2 == 0 {
            (ItemKind::Message, &thread, "messages")
        } else {
            (ItemKind::Note, &internal, "notes")
        };
        let item =
            meldpunt::clients::reporter::seal_text(key, &case_id, kind, &format!("{i}")).unwrap();
        sent.push(item.id);
        let (status, body, _) = common::staff::raw(
            &svc.url(),
            "POST",
            &format!("/api/v1/staff/cases/{case_ref}/{route}"),
            client.cookie(),
            client.csrf_token(),
            Some(serde_json::to_value(&item).unwrap()),
        );
        assert!(status == 201 || status == 204, "{status} {body}");
    }
    let read: Vec<[u8; 16]> = client
        .fetch_case(&case_ref)
        .unwrap()
        .items
        .iter()
        .map(|i| i.id)
        .collect();
    assert!(
        read.len() > meldpunt::protocol::wire::MAX_ITEMS_PER_PAGE,
        "more than one page"
    );
    assert_eq!(read, sent);
}
