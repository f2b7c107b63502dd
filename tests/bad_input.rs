//! Must-show 3: every kind of bad input gets its documented 4xx JSON error and leaves the
//! store byte-for-byte unchanged. The table is the documentation's list of error codes.

mod common;

use common::{TestService, draft};
use meldpunt::clients::reporter::{prepare_submission, seal_message};
use meldpunt::protocol::crypto::access_code::AccessCode;
use meldpunt::protocol::wire::{MAX_MESSAGE_BODY, MAX_REPORT_BODY, SubmitRequest};
use serde_json::{Value, json};

/// How a case breaks a valid submission.
enum Body {
    Raw(&'static str),
    Json(fn(&mut Value)),
    Big(usize),
}

struct Case {
    name: &'static str,
    body: Body,
    content_type: &'static str,
    status: u16,
    code: &'static str,
}

fn case(name: &'static str, body: Body, status: u16, code: &'static str) -> Case {
    Case {
        name,
        body,
        content_type: "application/json",
        status,
        code,
    }
}

fn post(url: &str, auth: Option<&str>, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut req = agent.post(url).header("Content-Type", content_type);
    if let Some(auth) = auth {
        req = req.header("Authorization", auth);
    }
    let mut res = req.send(&body[..]).unwrap();
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().unwrap();
    let value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("error body is not JSON: {text:?}"));
    (status, value)
}

fn valid_request(svc: &TestService) -> SubmitRequest {
    let client = svc.client();
    let directory = client.directory().unwrap();
    let pow = client.solve_pow().unwrap();
    prepare_submission(
        &directory,
        &draft("amsterdam", "geldig"),
        &AccessCode::generate(),
        pow,
    )
    .unwrap()
    .request
}

#[test]
fn bad_submissions_are_refused_and_change_nothing() {
    let svc = TestService::start(8);
    let client = svc.client();
    // One accepted submission first, so duplicates and replays have something to hit.
    let first = valid_request(&svc);
    client.post_submission(&first).unwrap();
    let first_json = serde_json::to_value(&first).unwrap();
    let first_case_id = first_json["case_id"].clone();
    let first_pow = first_json["pow"].clone();

    let cases = vec![
        case(
            "malformed JSON",
            Body::Raw("{\"theme\":"),
            400,
            "invalid_request",
        ),
        case(
            "not an object",
            Body::Raw("[1,2,3]"),
            400,
            "invalid_request",
        ),
        case(
            "bad base64",
            Body::Json(|v| v["case_id"] = json!("***")),
            400,
            "invalid_request",
        ),
        case(
            "padded base64",
            Body::Json(|v| {
                let s = v["verifier"].as_str().unwrap().to_owned();
                v["verifier"] = json!(format!("{s}="));
            }),
            400,
            "invalid_request",
        ),
        case(
            "short case_id",
            Body::Json(|v| v["case_id"] = json!("AAAA")),
            400,
            "invalid_request",
        ),
        case(
            "long verifier",
            Body::Json(|v| v["verifier"] = json!(meldpunt::protocol::b64::encode([0u8; 33]))),
            400,
            "invalid_request",
        ),
        case(
            "short wrap enc",
            Body::Json(|v| v["wraps"][0]["enc"] = json!("AAAA")),
            400,
            "invalid_request",
        ),
        case(
            "long wrap ct",
            Body::Json(|v| v["wraps"][0]["ct"] = json!(meldpunt::protocol::b64::encode([0u8; 49]))),
            400,
            "invalid_request",
        ),
        case(
            "wrap purpose internal",
            Body::Json(|v| v["wraps"][0]["purpose"] = json!("internal")),
            400,
            "invalid_request",
        ),
        case(
            "unknown purpose",
            Body::Json(|v| v["wraps"][0]["purpose"] = json!("everything")),
            400,
            "invalid_request",
        ),
        case(
            "short nonce",
            Body::Json(|v| v["items"][0]["nonce"] = json!("AAAA")),
            400,
            "invalid_request",
        ),
        case(
            "tiny item",
            Body::Json(|v| {
                v["items"][0]["ct"] = json!(meldpunt::protocol::b64::encode([0u8; 100]))
            }),
            400,
            "invalid_request",
        ),
        case(
            "unpadded item",
            Body::Json(|v| {
                v["items"][0]["ct"] = json!(meldpunt::protocol::b64::encode([0u8; 1041]))
            }),
            400,
            "invalid_request",
        ),
        case(
            "message item",
            Body::Json(|v| v["items"][0]["kind"] = json!("message")),
            400,
            "invalid_request",
        ),
        case(
            "two items",
            Body::Json(|v| {
                let item = v["items"][0].clone();
                v["items"].as_array_mut().unwrap().push(item);
            }),
            400,
            "invalid_request",
        ),
        case(
            "no items",
            Body::Json(|v| v["items"] = json!([])),
            400,
            "invalid_request",
        ),
        case(
            "extra field",
            Body::Json(|v| v["ip"] = json!("10.0.0.1")),
            400,
            "invalid_request",
        ),
        case(
            "missing field",
            Body::Json(|v| {
                v.as_object_mut().unwrap().remove("kc");
            }),
            400,
            "invalid_request",
        ),
        case(
            "unknown theme",
            Body::Json(|v| v["theme"] = json!("weather")),
            400,
            "unknown_theme",
        ),
        case(
            "unknown unit",
            Body::Json(|v| v["unit"] = json!("atlantis")),
            400,
            "unknown_unit",
        ),
        case(
            "unknown relation",
            Body::Json(|v| v["relation"] = json!("neighbour")),
            400,
            "unknown_relation",
        ),
        case(
            "missing wrap",
            Body::Json(|v| {
                v["wraps"].as_array_mut().unwrap().pop();
            }),
            409,
            "wraps_mismatch",
        ),
        case(
            "missing reporter wrap",
            Body::Json(|v| {
                v["wraps"].as_array_mut().unwrap().remove(0);
            }),
            409,
            "wraps_mismatch",
        ),
        case(
            "extra wrap",
            Body::Json(|v| {
                let mut extra = v["wraps"][1].clone();
                extra["to"] = json!("someone-else");
                v["wraps"].as_array_mut().unwrap().push(extra);
            }),
            409,
            "wraps_mismatch",
        ),
        case(
            "duplicate wrap",
            Body::Json(|v| {
                let again = v["wraps"][1].clone();
                v["wraps"].as_array_mut().unwrap().push(again);
            }),
            409,
            "wraps_mismatch",
        ),
        case(
            "wrong pow nonce",
            Body::Json(|v| {
                // Find a nonce that does not solve the challenge (almost any does not, at 8 bits).
                let raw = meldpunt::protocol::b64::decode(v["pow"]["challenge"].as_str().unwrap())
                    .unwrap();
                let mut nonce = 0u64;
                loop {
                    let mut data = raw.clone();
                    data.extend_from_slice(&nonce.to_be_bytes());
                    if meldpunt::protocol::pow::leading_zero_bits(
                        &meldpunt::protocol::crypto::sha256(&data),
                    ) < 8
                    {
                        break;
                    }
                    nonce += 1;
                }
                v["pow"]["nonce"] = json!(nonce);
            }),
            400,
            "pow_invalid",
        ),
        case(
            "forged pow challenge",
            Body::Json(|v| {
                let mut raw =
                    meldpunt::protocol::b64::decode(v["pow"]["challenge"].as_str().unwrap())
                        .unwrap();
                raw[0] = 0; // ask for zero bits: the tag no longer matches
                v["pow"]["challenge"] = json!(meldpunt::protocol::b64::encode(raw));
            }),
            400,
            "pow_invalid",
        ),
        case(
            "nonce too large",
            Body::Json(|v| v["pow"]["nonce"] = json!(1u64 << 53)),
            400,
            "pow_invalid",
        ),
        case(
            "negative nonce",
            Body::Json(|v| v["pow"]["nonce"] = json!(-1)),
            400,
            "invalid_request",
        ),
        case(
            "oversize body",
            Body::Big(MAX_REPORT_BODY + 1),
            413,
            "payload_too_large",
        ),
        Case {
            content_type: "text/plain",
            ..case(
                "wrong content type",
                Body::Json(|_| {}),
                415,
                "unsupported_media_type",
            )
        },
    ];
    // These need the first submission's values, so they are built here.
    let replayed_pow = first_pow.clone();
    let duplicate_id = first_case_id.clone();

    let before = svc.app.store().dump().unwrap();
    let url = format!("{}/api/v1/reports", svc.url());
    let mut checked = 0;
    for c in &cases {
        let body = match &c.body {
            Body::Raw(text) => text.as_bytes().to_vec(),
            Body::Big(n) => vec![b' '; *n],
            Body::Json(mutate) => {
                let mut v = serde_json::to_value(valid_request(&svc)).unwrap();
                mutate(&mut v);
                serde_json::to_vec(&v).unwrap()
            }
        };
        let (status, body) = post(&url, None, c.content_type, body);
        assert_eq!(status, c.status, "{}: {body}", c.name);
        assert_eq!(body["error"]["code"], c.code, "{}: {body}", c.name);
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        assert_eq!(
            svc.app.store().dump().unwrap(),
            before,
            "{} changed the store",
            c.name
        );
        checked += 1;
    }
    for (name, field, value, code) in [
        ("replayed pow", "pow", replayed_pow, "pow_replayed"),
        (
            "duplicate case_id",
            "case_id",
            duplicate_id,
            "duplicate_case",
        ),
    ] {
        let mut v = serde_json::to_value(valid_request(&svc)).unwrap();
        v[field] = value;
        let (status, body) = post(
            &url,
            None,
            "application/json",
            serde_json::to_vec(&v).unwrap(),
        );
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (409, Some(code)),
            "{name}"
        );
        assert_eq!(
            svc.app.store().dump().unwrap(),
            before,
            "{name} changed the store"
        );
        checked += 1;
    }
    assert_eq!(checked, cases.len() + 2);
}

#[test]
fn bad_messages_are_refused_and_change_nothing() {
    let svc = TestService::start(0);
    let client = svc.client();
    let submitted = client.submit(&draft("amsterdam", "x")).unwrap();
    let code = &submitted.access_code;
    let auth = format!(
        "Bearer {}",
        meldpunt::protocol::b64::encode(code.derive_keys().auth_key.as_ref())
    );
    let view = client.raw_case(code).unwrap();
    let key =
        meldpunt::clients::reporter::reporter_thread_key(code, &view.case_id, &view.wraps).unwrap();
    let good = serde_json::to_value(seal_message(&key, &view.case_id, "hallo").unwrap()).unwrap();
    // One accepted message, so a duplicate id has something to collide with.
    client
        .post_item(code, &serde_json::from_value(good.clone()).unwrap())
        .unwrap();

    let url = format!("{}/api/v1/reporter/messages", svc.url());
    let before = svc.app.store().dump().unwrap();
    let fresh =
        || serde_json::to_value(seal_message(&key, &view.case_id, "nog een").unwrap()).unwrap();
    let with = |mutate: &dyn Fn(&mut Value)| {
        let mut v = fresh();
        mutate(&mut v);
        serde_json::to_vec(&v).unwrap()
    };
    // (name, Authorization header, body, status, code)
    type Row<'a> = (&'a str, Option<&'a str>, Vec<u8>, u16, &'a str);
    let table: Vec<Row> = vec![
        ("no auth", None, with(&|_| {}), 401, "unauthorized"),
        (
            "bad auth",
            Some("Bearer AAAA"),
            with(&|_| {}),
            401,
            "unauthorized",
        ),
        (
            "unknown code",
            Some("Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            with(&|_| {}),
            401,
            "unauthorized",
        ),
        (
            "malformed JSON",
            Some(&auth),
            b"{".to_vec(),
            400,
            "invalid_request",
        ),
        (
            "report kind",
            Some(&auth),
            with(&|v| v["kind"] = json!("report")),
            400,
            "invalid_request",
        ),
        (
            "note kind",
            Some(&auth),
            with(&|v| v["kind"] = json!("note")),
            400,
            "invalid_request",
        ),
        (
            "bad id",
            Some(&auth),
            with(&|v| v["id"] = json!("AAAA")),
            400,
            "invalid_request",
        ),
        (
            "tiny ct",
            Some(&auth),
            with(&|v| v["ct"] = json!("AAAA")),
            400,
            "invalid_request",
        ),
        (
            "extra field",
            Some(&auth),
            with(&|v| v["from"] = json!("staff")),
            400,
            "invalid_request",
        ),
        (
            "duplicate id",
            Some(&auth),
            serde_json::to_vec(&good).unwrap(),
            409,
            "duplicate_item",
        ),
        (
            "oversize",
            Some(&auth),
            vec![b' '; MAX_MESSAGE_BODY + 1],
            413,
            "payload_too_large",
        ),
    ];
    for (name, auth, body, status, code) in table {
        let (got, body) = post(&url, auth, "application/json", body);
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{name}: {body}"
        );
        assert_eq!(
            svc.app.store().dump().unwrap(),
            before,
            "{name} changed the store"
        );
    }
}

#[test]
fn unknown_routes_and_methods_get_json_errors() {
    let svc = TestService::start(0);
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    for (method, path, status, code) in [
        ("GET", "/api/v1/nothing", 404, "not_found"),
        ("GET", "/api/v1/reports", 405, "method_not_allowed"),
        ("DELETE", "/api/v1/reporter/case", 405, "method_not_allowed"),
    ] {
        let req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", svc.url()))
            .body(())
            .unwrap();
        let mut res = agent.run(req).unwrap();
        assert_eq!(res.status().as_u16(), status, "{method} {path}");
        let body: Value = serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap();
        assert_eq!(body["error"]["code"], code);
    }
}
