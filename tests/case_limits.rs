//! A case holds at most `MAX_STATEMENTS_PER_CASE` statements (receipt, messages, status
//! changes) and `MAX_CASE_BYTES` of items, of which the last `STAFF_RESERVED_*` only staff may
//! use. The store enforces it under its append lock, so the caps hold for reporter and staff
//! alike and cannot be overshot by concurrent posts. And (hardening finding 2) messages beyond
//! a few free ones cost proof of work, and a case is read in bounded pages.

mod common;

use common::draft;
use common::staff::{enrol, login, raw};
use meldpunt::clients::reporter::{reporter_thread_key, seal_message};
use meldpunt::protocol::roles::Role;
use meldpunt::protocol::wire::{MAX_STATEMENTS_PER_CASE, STAFF_RESERVED_STATEMENTS};

#[test]
fn a_case_stops_taking_messages_at_its_limit_and_leaves_staff_room() {
    let svc = common::staff::service();
    let intake = enrol(&svc, "Ilse", &[Role::Intake], Some("amsterdam"));
    let client = svc.client();
    let submitted = client.submit(&draft("amsterdam", "limiet")).unwrap();
    let code = &submitted.access_code;
    let view = client.raw_case(code).unwrap();
    let key = reporter_thread_key(code, &view.case_id, &view.wraps).unwrap();
    // The receipt is statement 1; the reporter fills up to its share from a few threads at once.
    let reporter_share = (MAX_STATEMENTS_PER_CASE - STAFF_RESERVED_STATEMENTS) as usize;
    let remaining = reporter_share - 1;
    let threads = 4;
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (client, key, case_id) = (svc.client(), &key, view.case_id);
            scope.spawn(move || {
                for _ in (t..remaining).step_by(threads) {
                    let item = seal_message(key, &case_id, "bericht").unwrap();
                    client.post_item(code, &item).unwrap();
                }
            });
        }
    });
    let item = seal_message(&key, &view.case_id, "een te veel").unwrap();
    let err = client.post_item(code, &item).unwrap_err();
    assert_eq!(err.api_code(), Some("case_full"), "{err}");
    assert_eq!(
        client.raw_case(code).unwrap().statements.len(),
        reporter_share
    );

    // Staff can still answer, up to the case's whole limit.
    let staff = login(&svc, &intake);
    let path = format!("/api/v1/staff/cases/{}/messages", submitted.case_ref);
    let post = |text: &str| {
        let item = seal_message(&key, &view.case_id, text).unwrap();
        let body = serde_json::to_value(item).unwrap();
        raw(
            &svc.url(),
            "POST",
            &path,
            staff.cookie(),
            staff.csrf_token(),
            Some(body),
        )
    };
    for _ in 0..STAFF_RESERVED_STATEMENTS {
        assert_eq!(post("antwoord").0, 201);
    }
    let (status, body, _) = post("een te veel");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("case_full"))
    );
    let view = client.raw_case(code).unwrap();
    assert_eq!(view.statements.len(), MAX_STATEMENTS_PER_CASE as usize);
}

/// Hardening finding 2: messages needed no work, so one proof of work bought a flood. A case
/// takes a few free messages an hour; beyond them each message carries a solved, single-use
/// challenge, and both kinds count towards the global rate that raises the difficulty.
#[test]
fn messages_beyond_the_free_ones_cost_proof_of_work() {
    use meldpunt::protocol::wire::{FREE_MESSAGES_PER_HOUR, PowSolution};
    let svc = common::TestService::start(8);
    let client = svc.client();
    let submitted = client.submit(&draft("amsterdam", "werk")).unwrap();
    let code = &submitted.access_code;
    let view = client.raw_case(code).unwrap();
    let key = reporter_thread_key(code, &view.case_id, &view.wraps).unwrap();
    let message = |text: &str| seal_message(&key, &view.case_id, text).unwrap();
    for i in 0..FREE_MESSAGES_PER_HOUR {
        client
            .post_item_with(code, &message(&format!("gratis {i}")), None)
            .unwrap();
    }
    let err = client
        .post_item_with(code, &message("zonder werk"), None)
        .unwrap_err();
    assert_eq!(err.api_code(), Some("pow_required"), "{err}");
    let statements_before = client.raw_case(code).unwrap().statements.len();

    // A bad solution, then a good one; the good one works once.
    let pow = client.solve_pow().unwrap();
    let raw = meldpunt::protocol::b64::decode(&pow.challenge).unwrap();
    let work = |nonce: u64| {
        let hash = ring::digest::digest(
            &ring::digest::SHA256,
            &[&raw[..], &nonce.to_be_bytes()].concat(),
        );
        meldpunt::protocol::pow::leading_zero_bits(hash.as_ref())
    };
    let wrong = PowSolution {
        nonce: (0..).find(|&n| work(n) < 8).unwrap(),
        ..pow.clone()
    };
    let err = client
        .post_item_with(code, &message("fout"), Some(&wrong))
        .unwrap_err();
    assert_eq!(err.api_code(), Some("pow_invalid"), "{err}");
    client
        .post_item_with(code, &message("met werk"), Some(&pow))
        .unwrap();
    let err = client
        .post_item_with(code, &message("nog eens"), Some(&pow))
        .unwrap_err();
    assert_eq!(err.api_code(), Some("pow_replayed"), "{err}");
    // post_item solves a challenge by itself when it has to.
    client.post_item(code, &message("vanzelf")).unwrap();
    let opened = client.case(code).unwrap();
    assert_eq!(opened.statements.len(), statements_before + 2);
    assert_eq!(opened.messages.last().map(String::as_str), Some("vanzelf"));
    // Six messages and one submission count towards the global rate.
    assert_eq!(
        svc.app.pow.current_bits(meldpunt::protocol::time::now()),
        8,
        "below the free rate the base difficulty holds"
    );
}

/// Hardening finding 2: a case took 999 messages of 256 KiB and the case view returned all of
/// them in one answer (105 MB measured). A reporter fills at most its share of `MAX_CASE_BYTES`; the view holds
/// the report and the statements, and later items come in pages of bounded size.
#[test]
fn a_case_is_bounded_in_size_and_read_in_bounded_pages() {
    use meldpunt::protocol::crypto::item::{Item, ItemKind};
    use meldpunt::protocol::wire::{
        MAX_CASE_BYTES, MAX_ITEMS_PER_PAGE, MAX_PAGE_BYTES, STAFF_RESERVED_BYTES,
    };
    let svc = common::TestService::start(0);
    let client = svc.client();
    let submitted = client.submit(&draft("amsterdam", "groot")).unwrap();
    let code = &submitted.access_code;
    let view = client.raw_case(code).unwrap();
    let key = reporter_thread_key(code, &view.case_id, &view.wraps).unwrap();
    // The largest message: 256 KiB of ciphertext (a Padmé length) minus the tag and padding.
    let big = "x".repeat(240 * 1024);
    let mut stored = view.report.ct.len() as u64;
    let mut sent = 0;
    let refused = loop {
        let item = seal_message(&key, &view.case_id, &big).unwrap();
        let len = item.ct.len() as u64;
        match client.post_item(code, &item) {
            Ok(_) => {
                stored += len;
                sent += 1;
            }
            Err(e) => break (e, len),
        }
        assert!(sent < 200, "the case never filled up");
    };
    let (err, len) = refused;
    assert_eq!(err.api_code(), Some("case_full"), "{}", err);
    let reporter_share = MAX_CASE_BYTES - STAFF_RESERVED_BYTES;
    assert!(stored <= reporter_share && stored + len > reporter_share);
    eprintln!("{sent} messages, {stored} bytes stored");

    // The view carries no items beyond the report, so it stays small.
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let auth = meldpunt::protocol::b64::encode(code.derive_keys().auth_key.as_ref());
    let get = |path: &str| {
        agent
            .get(format!("{}{path}", svc.url()))
            .header("Authorization", format!("Bearer {auth}"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    };
    let view_text = get("/api/v1/reporter/case");
    assert!(
        view_text.len() < 512 * 1024,
        "view of {} bytes",
        view_text.len()
    );
    // Pages: each at most MAX_ITEMS_PER_PAGE items and (about) MAX_PAGE_BYTES of ciphertext,
    // together exactly the messages, in order.
    let mut after: Option<String> = None;
    let mut seen: Vec<Item> = Vec::new();
    loop {
        let path = match &after {
            Some(c) => format!("/api/v1/reporter/items?after={c}"),
            None => "/api/v1/reporter/items".to_owned(),
        };
        let text = get(&path);
        assert!(
            text.len() < MAX_PAGE_BYTES * 2,
            "page of {} bytes",
            text.len()
        );
        let page: meldpunt::protocol::wire::ItemPage = serde_json::from_str(&text).unwrap();
        assert!(page.items.len() <= MAX_ITEMS_PER_PAGE);
        assert!(
            !page.items.is_empty() || page.next.is_none(),
            "only the last may be empty"
        );
        let bytes: usize = page.items.iter().map(|i| i.ct.len()).sum();
        assert!(page.items.len() == 1 || bytes <= MAX_PAGE_BYTES);
        seen.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), sent);
    assert!(seen.iter().all(|i| i.kind == ItemKind::Message));
    assert_eq!(client.all_items(code).unwrap(), seen);
    let (status, _) = {
        let res = agent
            .get(format!(
                "{}/api/v1/reporter/items?after=nonsense",
                svc.url()
            ))
            .header("Authorization", format!("Bearer {auth}"))
            .call()
            .unwrap();
        (res.status().as_u16(), ())
    };
    assert_eq!(status, 400, "a bad cursor is a clear error");
}
