//! The browser's JavaScript crypto (web/js/) and the Rust crypto agree, both ways, on real data:
//! - JS → Rust: `tests/js/make-submission.mjs` prepares a submission with `web/js/reporter.js`;
//!   the Rust code opens every recipient's wrap and the reporter's (with keys derived from the
//!   printed access code), checks `kc`, opens and unpads the report, and recomputes `cmt`.
//! - JS → server → JS: the same request, given a solved proof of work, is accepted by a real
//!   in-process server, whose receipt commits to the JavaScript `cmt`; then
//!   `tests/js/read-case.mjs` reads the case back through `readCase` (chain, binding, cmt, log
//!   inclusion against a signed checkpoint) and sends a message that Rust decrypts.
//!
//! Needs `node` (20+) on PATH; no npm packages.

mod common;

use std::process::Command;

use common::TestService;
use meldpunt::clients::recipient::RecipientKey;
use meldpunt::protocol::b64;
use meldpunt::protocol::crypto::access_code::AccessCode;
use meldpunt::protocol::crypto::commit::{Filing, key_commitment, submission_commitment_v2};
use meldpunt::protocol::crypto::item::ItemKind;
use meldpunt::protocol::crypto::wrap::{WrapPurpose, open_case_key};
use meldpunt::protocol::statements::StatementVerifier;
use meldpunt::protocol::wire::SubmitRequest;

const REPORT_TEXT: &str = "Mijn leidinggevende negeert mij al maanden. ✓ — \"quotes\" & <tags>";

fn node(args: &[&str]) -> serde_json::Value {
    let out = Command::new("node")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("node is installed");
    assert!(
        out.status.success(),
        "node {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("node prints JSON")
}

/// Runs make-submission.mjs for `unit` with `recipients` as (key, unit), from an unsigned
/// directory made of them (offline: no server accepts its hash).
fn js_submission(unit: &str, recipients: &[(&RecipientKey, &str)]) -> serde_json::Value {
    let specs: Vec<String> = recipients
        .iter()
        // `--recipient=KEY:UNIT` in one argument: a b64u key may start with `-`, which
        // node's parseArgs would take for another option (one key in 64).
        .map(|(key, unit)| format!("--recipient={}:{unit}", b64::encode(key.public_key)))
        .collect();
    js_submission_with(unit, &specs)
}

/// Runs make-submission.mjs for `unit` with the readers of `url`'s verified directory.
fn js_submission_for_server(unit: &str, url: &str) -> serde_json::Value {
    js_submission_with(unit, &[format!("--server={url}")])
}

fn js_submission_with(unit: &str, specs: &[String]) -> serde_json::Value {
    let mut args = vec![
        "tests/js/make-submission.mjs",
        "--unit",
        unit,
        "--theme",
        "exclusion",
        "--relation",
        "employee",
        "--text",
        REPORT_TEXT,
    ];
    args.extend(specs.iter().map(String::as_str));
    node(&args)
}

/// Everything the Rust side can check about a JS submission; returns the parsed request.
fn check_with_rust(out: &serde_json::Value, recipients: &[&RecipientKey]) -> SubmitRequest {
    let request: SubmitRequest =
        serde_json::from_value(out["request"].clone()).expect("the server's SubmitRequest shape");
    let case_id = request.case_id;
    let thread_key = b64::decode_array::<32>(out["thread_key_b64u"].as_str().unwrap()).unwrap();
    assert_eq!(request.wraps.len(), recipients.len() + 1);

    for key in recipients {
        let wrap = request
            .wraps
            .iter()
            .find(|w| w.to == key.kid)
            .expect("a wrap addressed to the recipient's kid");
        assert_eq!(wrap.purpose, WrapPurpose::Thread);
        let opened = open_case_key(key.private_key(), &case_id, wrap).expect("wrap opens in Rust");
        assert_eq!(*opened, thread_key);
        assert_eq!(key_commitment(&opened), request.kc);
    }

    assert_eq!(request.items.len(), 1);
    let item = &request.items[0];
    assert_eq!(item.kind, ItemKind::Report);
    assert!(item.has_padded_len());
    let plain = item
        .open(&thread_key, &case_id)
        .expect("item opens in Rust");
    let report: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(report["what"], REPORT_TEXT);

    let holders: Vec<&str> = request.wraps.iter().map(|w| w.to.as_str()).collect();
    let filing = Filing {
        theme: &request.theme,
        unit: &request.unit,
        relation: request.relation.as_deref(),
        directory: &request.directory,
        holders: &holders,
    };
    let cmt = submission_commitment_v2(&case_id, &request.kc, &filing, &request.items);
    assert_eq!(b64::encode(cmt), out["cmt"].as_str().unwrap());

    let code = AccessCode::parse(out["code"].as_str().unwrap()).expect("the JS display parses");
    let keys = code.derive_keys();
    assert_eq!(keys.verifier(), request.verifier);
    assert_eq!(keys.binding(), request.binding);
    assert_eq!(keys.reporter_pk, request.reporter_pk);
    let reporter_wrap = request.wraps.iter().find(|w| w.to == "reporter").unwrap();
    let opened = open_case_key(&keys.reporter_sk, &case_id, reporter_wrap).unwrap();
    assert_eq!(*opened, thread_key);
    request
}

#[test]
fn js_submission_opens_with_rust_crypto() {
    let national = RecipientKey::generate();
    let utrecht = RecipientKey::generate();
    let out = js_submission("utrecht", &[(&national, "national"), (&utrecht, "utrecht")]);
    check_with_rust(&out, &[&national, &utrecht]);
    // A recipient of another unit gets no wrap (the JS filters as recipients_for does).
    let other = RecipientKey::generate();
    let out = js_submission("utrecht", &[(&national, "national"), (&other, "amsterdam")]);
    let request = check_with_rust(&out, &[&national]);
    assert!(request.wraps.iter().all(|w| w.to != other.kid));
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

#[test]
fn js_submission_is_accepted_by_the_server_and_read_back_by_js() {
    let svc = TestService::start(0);
    let url = svc.url();
    let out = js_submission_for_server("amsterdam", &url);
    check_with_rust(&out, &[&svc.national, &svc.amsterdam]);

    // Solve a real challenge and post the JS request JSON exactly as it came, pow filled in.
    let challenge: serde_json::Value = agent()
        .get(format!("{url}/api/v1/pow"))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let raw = b64::decode(challenge["challenge"].as_str().unwrap()).unwrap();
    let bits = u8::try_from(challenge["bits"].as_u64().unwrap()).unwrap();
    let mut request = out["request"].clone();
    request["pow"] = serde_json::json!({
        "challenge": challenge["challenge"],
        "nonce": meldpunt::protocol::pow::solve(&raw, bits),
    });
    let mut response = agent()
        .post(format!("{url}/api/v1/reports"))
        .header("Content-Type", "application/json")
        .send(serde_json::to_vec(&request).unwrap())
        .unwrap();
    let body = response.body_mut().read_to_string().unwrap();
    assert_eq!(response.status().as_u16(), 201, "{body}");
    let submitted: serde_json::Value = serde_json::from_str(&body).unwrap();

    let client = svc.client();
    let verifier = StatementVerifier::from_jwks(&client.jwks().unwrap()).unwrap();
    let receipt = verifier
        .verify(submitted["receipt"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        receipt
            .payload
            .cmt()
            .map(meldpunt::protocol::b64::encode)
            .as_deref(),
        out["cmt"].as_str()
    );

    // The Rust reporter client reads what JS wrote, and adds a message.
    let code_text = out["code"].as_str().unwrap();
    let code = AccessCode::parse(code_text).unwrap();
    let opened = client.case(&code).unwrap();
    assert_eq!(opened.report["what"], REPORT_TEXT);
    client.send_message(&code, "aanvulling uit Rust").unwrap();

    // Before any checkpoint: JS reads the case; nothing is proven in the log yet.
    let read = node(&["tests/js/read-case.mjs", &url, code_text]);
    assert_eq!(read["report"]["what"], REPORT_TEXT);
    assert_eq!(read["ref"], submitted["ref"]);
    assert_eq!(read["messages"][0]["text"], "aanvulling uit Rust");
    assert_eq!(read["messages"][0]["from"], "reporter");
    assert_eq!(read["included"], serde_json::json!([null, null]));

    // After a checkpoint: JS verifies the note signature and both inclusion proofs, and sends
    // a message of its own, which the Rust client decrypts.
    svc.app.issue_checkpoint_blocking().unwrap();
    let read = node(&[
        "tests/js/read-case.mjs",
        &url,
        code_text,
        "--send",
        "aanvulling uit JavaScript",
    ]);
    assert_eq!(read["report"]["what"], REPORT_TEXT);
    // The log also holds the directory version (DESIGN §11), before the case's statements.
    assert_eq!(read["checkpoint_size"], common::DIRECTORY_LEAVES + 2);
    assert_eq!(read["included"], serde_json::json!([true, true, null]));
    assert_eq!(read["messages"][1]["text"], "aanvulling uit JavaScript");
    let opened = client.case(&code).unwrap();
    assert_eq!(
        opened.messages,
        vec!["aanvulling uit Rust", "aanvulling uit JavaScript"]
    );

    // A wrong code is refused before anything is decrypted.
    let wrong = AccessCode::generate().display().to_string();
    let status = Command::new("node")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tests/js/read-case.mjs", &url, &wrong])
        .output()
        .unwrap()
        .status;
    assert!(!status.success());
}
