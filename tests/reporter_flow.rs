//! Must-show 1 of the core issue: the whole reporter flow over real HTTP on loopback with a
//! real sled folder, and the recipient opening the case export.

mod common;

use common::{TestService, draft};
use meldpunt::clients::recipient::open_export;
use meldpunt::protocol::crypto::access_code::AccessCode;
use meldpunt::protocol::crypto::item::ItemKind;
use meldpunt::protocol::statements::jws::{
    StatementVerifier, TYP_RECEIPT, TYP_STATEMENT, chain_hash,
};
use meldpunt::protocol::statements::{Party, StatementKind, Status};
use meldpunt::server::reporting::export_case;

#[test]
fn submit_read_reply_and_recipient_decrypts() {
    let svc = TestService::start(8);
    let client = svc.client();
    // The log already holds the directory versions the service started with.
    let leaves_before = svc.app.store().log_size().unwrap();
    let submitted = client
        .submit(&draft("amsterdam", "Mijn leidinggevende sluit mij buiten."))
        .unwrap();

    // The receipt verifies against the published JWKS (client.submit checked cmt and sub too).
    let jwks = client.jwks().unwrap();
    let verifier = StatementVerifier::from_jwks(&jwks).unwrap();
    let receipt = verifier.verify(&submitted.receipt).unwrap();
    assert_eq!(receipt.typ, TYP_RECEIPT);
    assert_eq!(receipt.payload.case_ref, submitted.case_ref);
    assert_eq!(receipt.payload.seq, 0);
    assert_eq!(receipt.payload.status(), Some(Status::Received));
    assert_eq!(receipt.payload.iss, common::PUBLIC_URL);
    assert_eq!(
        receipt.payload.iat % 3600,
        0,
        "receipt time is kept to the hour"
    );
    assert_eq!(
        receipt.payload.log, leaves_before,
        "the receipt is the log's next leaf"
    );

    // With the access code (typed the way a person would), the reporter reads the case.
    let typed = submitted
        .access_code
        .display()
        .to_lowercase()
        .replace('-', " ");
    let code = AccessCode::parse(&typed).unwrap();
    let opened = client.case(&code).unwrap();
    assert_eq!(opened.view.case_ref, submitted.case_ref);
    assert_eq!(opened.view.status, Status::Received);
    assert_eq!(opened.view.statements, vec![submitted.receipt.clone()]);
    assert_eq!(
        opened.report["what"],
        "Mijn leidinggevende sluit mij buiten."
    );
    assert_eq!(
        opened.view.wraps.len(),
        1,
        "the reporter sees only their own wrap"
    );
    assert_eq!(
        opened.view.deadlines.acknowledge_by,
        receipt.payload.iat + 7 * 24 * 3600
    );
    assert_eq!(opened.view.deadlines.feedback_by, None);

    // A message gets a signed statement chained to the receipt.
    let statement = client
        .send_message(&code, "Aanvulling: het gebeurde twee keer.")
        .unwrap();
    let verified = verifier.verify(&statement).unwrap();
    assert_eq!(verified.typ, TYP_STATEMENT);
    let p = verified.payload;
    assert_eq!(
        (p.seq, p.kind(), p.from()),
        (1, StatementKind::Message, Some(Party::Reporter))
    );
    assert_eq!(p.prev(), Some(&chain_hash(&submitted.receipt)));
    assert_eq!(p.log, leaves_before + 1);
    let opened = client.case(&code).unwrap();
    assert_eq!(
        opened.messages,
        vec!["Aanvulling: het gebeurde twee keer.".to_owned()]
    );
    assert_eq!(opened.statements.len(), 2);
    let message_item = opened
        .items
        .iter()
        .find(|i| i.kind == ItemKind::Message)
        .unwrap();
    assert_eq!(p.item(), Some(&message_item.hash()));

    // Both the unit's and the national recipient open the export, receipt and cmt checked.
    let export = export_case(svc.app.store(), &submitted.case_ref)
        .unwrap()
        .unwrap();
    for key in [&svc.amsterdam, &svc.national] {
        let opened = open_export(&export, key, Some(&verifier)).unwrap();
        assert!(opened.receipt_checked);
        let report = opened
            .items
            .iter()
            .find(|i| i.kind == ItemKind::Report)
            .unwrap();
        assert_eq!(
            report.content["what"],
            "Mijn leidinggevende sluit mij buiten."
        );
        assert_eq!(
            opened.message_texts(),
            vec!["Aanvulling: het gebeurde twee keer.".to_owned()]
        );
    }
}

#[test]
fn reports_reach_only_their_unit_and_national() {
    let svc = TestService::start(0);
    let client = svc.client();
    let submitted = client
        .submit(&draft("rotterdam", "Iets in Rotterdam."))
        .unwrap();
    let export = export_case(svc.app.store(), &submitted.case_ref)
        .unwrap()
        .unwrap();
    let holders: Vec<&str> = export.wraps.iter().map(|w| w.to.as_str()).collect();
    assert_eq!(holders.len(), 2, "reporter and national: {holders:?}");
    assert!(holders.contains(&"reporter") && holders.contains(&svc.national.kid.as_str()));
    assert!(open_export(&export, &svc.amsterdam, None).is_err());
    assert!(open_export(&export, &svc.national, None).is_ok());
}

#[test]
fn wrong_and_unknown_codes_look_the_same() {
    let svc = TestService::start(0);
    let client = svc.client();
    let submitted = client.submit(&draft("amsterdam", "x")).unwrap();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let fetch = |auth: Option<String>| {
        let mut req = agent.get(format!("{}/api/v1/reporter/case", svc.url()));
        if let Some(auth) = auth {
            req = req.header("Authorization", auth);
        }
        let mut res = req.call().unwrap();
        (
            res.status().as_u16(),
            res.body_mut().read_to_string().unwrap(),
        )
    };
    let bearer = |code: &AccessCode| {
        format!(
            "Bearer {}",
            meldpunt::protocol::b64::encode(code.derive_keys().auth_key.as_ref())
        )
    };
    // The right code works.
    assert_eq!(fetch(Some(bearer(&submitted.access_code))).0, 200);
    // A different valid code (no such case), a code one bit off, and broken headers.
    let mut off = *submitted.access_code.as_bytes();
    off[15] ^= 1;
    let answers = [
        fetch(Some(bearer(&AccessCode::generate()))),
        fetch(Some(bearer(&AccessCode::from_bytes(off)))),
        fetch(None),
        fetch(Some("Basic Zm9vOmJhcg==".into())),
        fetch(Some("Bearer not-base64!".into())),
        fetch(Some("Bearer AAAA".into())),
    ];
    for (status, body) in &answers {
        assert_eq!(*status, 401);
        assert_eq!(body, &answers[0].1, "every failure has the same body");
    }
    let body: serde_json::Value = serde_json::from_str(&answers[0].1).unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
}

#[test]
fn the_reporter_client_refuses_content_the_server_never_signed_for() {
    use meldpunt::clients::reporter::{
        check_case_against_statements, reporter_thread_key, seal_message,
    };
    let svc = TestService::start(0);
    let client = svc.client();
    let submitted = client.submit(&draft("amsterdam", "origineel")).unwrap();
    let code = &submitted.access_code;
    client.send_message(code, "ondertekend").unwrap();
    let view = client.raw_case(code).unwrap();
    let items = client.all_items(code).unwrap();
    let verifier = StatementVerifier::from_jwks(&client.jwks().unwrap()).unwrap();
    let statements =
        meldpunt::protocol::statements::check_chain(&view.statements, &verifier).unwrap();
    let key = reporter_thread_key(code, &view.case_id, &view.wraps).unwrap();
    check_case_against_statements(code, &view, &items, &statements, &key).unwrap();

    // A message slipped in without a statement.
    let mut forged = items.clone();
    forged.push(seal_message(&key, &view.case_id, "niet ondertekend").unwrap());
    assert!(check_case_against_statements(code, &view, &forged, &statements, &key).is_err());
    // The signed message shown twice.
    let mut forged = items.clone();
    forged.push(items[0].clone());
    assert!(check_case_against_statements(code, &view, &forged, &statements, &key).is_err());
    // A different report under the same key.
    let mut forged = view.clone();
    forged.report = meldpunt::protocol::crypto::Item::seal(
        &key,
        &view.case_id,
        view.report.id,
        ItemKind::Report,
        b"{}",
    )
    .unwrap();
    assert!(check_case_against_statements(code, &forged, &items, &statements, &key).is_err());
    // A second report among the later items.
    let mut forged = items.clone();
    forged.push(view.report.clone());
    assert!(check_case_against_statements(code, &view, &forged, &statements, &key).is_err());
    // A signed message hidden from the reporter.
    let hidden: Vec<_> = items
        .iter()
        .filter(|i| i.kind != ItemKind::Message)
        .cloned()
        .collect();
    assert!(check_case_against_statements(code, &view, &hidden, &statements, &key).is_err());
    // The server wraps a key of its own to the reporter's public key: what it shows under that
    // key cannot match the logged receipt's cmt, so the client refuses the case (and
    // `send_message`, which goes through `case`, never encrypts a reply under that key).
    let server_key = [7u8; 32];
    let mut forged = view.clone();
    let reporter_pk = code.derive_keys().reporter_pk;
    forged.wraps = vec![
        meldpunt::protocol::crypto::wrap::seal_case_key(
            &reporter_pk,
            "reporter",
            &view.case_id,
            meldpunt::protocol::crypto::wrap::WrapPurpose::Thread,
            &server_key,
        )
        .unwrap(),
    ];
    forged.report = meldpunt::protocol::crypto::Item::seal(
        &server_key,
        &view.case_id,
        view.report.id,
        ItemKind::Report,
        b"{}",
    )
    .unwrap();
    let reencrypted: Vec<_> = items
        .iter()
        .map(|i| {
            meldpunt::protocol::crypto::Item::seal(&server_key, &view.case_id, i.id, i.kind, b"{}")
                .unwrap()
        })
        .collect();
    let swapped = reporter_thread_key(code, &forged.case_id, &forged.wraps).unwrap();
    assert_eq!(*swapped, server_key, "the swapped wrap does open");
    assert!(
        check_case_against_statements(code, &forged, &reencrypted, &statements, &server_key)
            .is_err()
    );
    // Someone else's access code.
    let other = AccessCode::generate();
    assert!(check_case_against_statements(&other, &view, &items, &statements, &key).is_err());
}

/// Hardening finding 7: a staff member with access posted a message whose ciphertext is not
/// under the thread key, the server signed a statement for it, and from then on the reporter's
/// client refused the whole case. Both sides now show the case with that one item marked
/// unreadable; the same holds for a reporter's unreadable message on the staff side.
#[test]
fn one_unreadable_message_does_not_silence_a_case() {
    use common::staff::{enrol, login, raw};
    use meldpunt::protocol::roles::Role;

    let svc = common::staff::service();
    let intake = enrol(&svc, "Ilse", &[Role::Intake], Some("amsterdam"));
    let client = svc.client();
    let submitted = client.submit(&draft("amsterdam", "de melding")).unwrap();
    let code = &submitted.access_code;
    client.send_message(code, "eerste").unwrap();
    let staff = login(&svc, &intake);
    let case_id = client.raw_case(code).unwrap().case_id;
    let garbage = |text: &str| {
        meldpunt::clients::reporter::seal_message(&[0x42; 32], &case_id, text).unwrap()
    };
    let (status, body, _) = raw(
        &svc.url(),
        "POST",
        &format!("/api/v1/staff/cases/{}/messages", submitted.case_ref),
        staff.cookie(),
        staff.csrf_token(),
        Some(serde_json::to_value(garbage("onleesbaar")).unwrap()),
    );
    assert_eq!(status, 201, "the server cannot tell, so it signs: {body}");
    staff.reply(&submitted.case_ref, "leesbaar").unwrap();

    let opened = client.case(code).unwrap();
    assert_eq!(
        opened.messages,
        vec!["eerste".to_owned(), "leesbaar".to_owned()]
    );
    assert_eq!(
        opened.unreadable,
        vec![2],
        "statement 2 is marked, not a reason to refuse"
    );
    assert_eq!(opened.report["what"], "de melding");
    // The reporter can still answer under the verified key.
    client.send_message(code, "dank u").unwrap();

    // The other way round: a reporter's unreadable message on the staff side.
    client.post_item(code, &garbage("ook onleesbaar")).unwrap();
    let seen = staff.open_case(&submitted.case_ref).unwrap();
    assert_eq!(seen.report["what"], "de melding");
    assert_eq!(
        seen.messages,
        ["eerste", "leesbaar", "dank u"].map(str::to_owned).to_vec()
    );
    assert_eq!(
        seen.unreadable.len(),
        2,
        "the staff one and the reporter's one"
    );

    // And offline: a recipient without an account opens the export (which also holds a triage
    // note under the internal key, which such a recipient does not have).
    staff
        .triage(
            &submitted.case_ref,
            meldpunt::protocol::roles::Outcome::Referred,
            "intern",
        )
        .unwrap();
    let export = export_case(svc.app.store(), &submitted.case_ref)
        .unwrap()
        .unwrap();
    assert!(export.items.iter().any(|i| i.kind == ItemKind::Note));
    let offline = open_export(&export, &svc.amsterdam, None).unwrap();
    assert_eq!(
        offline.message_texts(),
        ["eerste", "leesbaar", "dank u"].map(str::to_owned).to_vec()
    );
    assert_eq!(offline.unreadable.len(), 2);
}
