//! The transparency log over real HTTP (issue 3): checkpoints issued by the schedule's own
//! function, the reporter's case view carrying inclusion proofs that verify against them, the
//! public proof and leaf-hash endpoints with their JSON errors, and `meldpunt verify` run as the
//! real binary. The monitor and the crash test are in `transparency_cli.rs`.

mod common;

use common::statement_log_index;
use common::{DIRECTORY_LEAVES, TempDir, TestService, draft};
use meldpunt::clients::log::{LogClient, open_checkpoint, parse_key};
use meldpunt::clients::reporter::Submitted;
use meldpunt::protocol::log::proof::{leaf_hash, node_hash, verify_consistency, verify_inclusion};

/// MTH of RFC 9162 §2.1.1, recursively, from leaf hashes: independent of the server's tree.
pub fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => ring::digest::digest(&ring::digest::SHA256, b"")
            .as_ref()
            .try_into()
            .unwrap(),
        1 => leaves[0],
        n => {
            let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// GET `url`: status, content type and body.
fn get(url: &str) -> (u16, String, String) {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut res = agent.get(url).call().unwrap();
    let kind = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (
        res.status().as_u16(),
        kind,
        res.body_mut().read_to_string().unwrap(),
    )
}

fn submit(svc: &TestService, text: &str) -> Submitted {
    svc.client().submit(&draft("amsterdam", text)).unwrap()
}

#[test]
fn case_view_proofs_verify_against_the_newest_checkpoint() {
    let svc = TestService::start(0);
    let client = svc.client();
    let log = LogClient::new(&svc.url());
    let first = submit(&svc, "eerste melding");
    let _second = submit(&svc, "tweede melding");
    client
        .send_message(&first.access_code, "aanvulling")
        .unwrap();

    // The only checkpoint so far covers the directory (`DIRECTORY_LEAVES`): the case's
    // statements are newer, so the case view has no proofs for them.
    let (status, kind, _) = get(&format!("{}/api/v1/log/checkpoint", svc.url()));
    assert_eq!((status, kind.as_str()), (200, "text/plain; charset=utf-8"));
    let view = client.raw_case(&first.access_code).unwrap();
    assert!(view.checkpoint.is_some());
    assert_eq!(view.proofs, vec![None, None]);

    let issued = svc.app.issue_checkpoint_blocking().unwrap();
    assert!(issued.fresh);
    assert_eq!(issued.checkpoint.size, DIRECTORY_LEAVES + 3);
    assert_eq!(issued.checkpoint.origin, "meldpunt.test/log");
    // Registering the two recipients and signing the directory were audited: the checkpoint
    // carries the chain's head.
    let head = svc
        .app
        .store()
        .audit_head()
        .unwrap()
        .expect("audit records");
    assert_eq!(
        issued.checkpoint.extensions,
        meldpunt::protocol::log::checkpoint::audit_line(Some(&head))
            .into_iter()
            .collect::<Vec<_>>()
    );
    assert!(
        !svc.app.issue_checkpoint_blocking().unwrap().fresh,
        "an unchanged tree is not re-signed"
    );

    let key = parse_key(&log.key().unwrap()).unwrap();
    let (note, checkpoint) = log.verified_checkpoint(&key).unwrap();
    assert_eq!(note, issued.note);
    let view = client.raw_case(&first.access_code).unwrap();
    assert_eq!(view.checkpoint.as_deref(), Some(note.as_str()));
    assert_eq!(view.proofs.len(), view.statements.len());
    for (statement, proof) in view.statements.iter().zip(&view.proofs) {
        let proof = proof.as_ref().expect("covered by the checkpoint");
        assert_eq!(Some(proof.index), statement_log_index(statement));
        assert_eq!(proof.size, checkpoint.size);
        assert_eq!(proof.leaf_hash, leaf_hash(statement.as_bytes()));
        let hash = leaf_hash(statement.as_bytes());
        assert!(verify_inclusion(
            &hash,
            proof.index,
            proof.size,
            &proof.path,
            &checkpoint.root
        ));
        let wrong = leaf_hash(b"something else");
        assert!(!verify_inclusion(
            &wrong,
            proof.index,
            proof.size,
            &proof.path,
            &checkpoint.root
        ));
    }

    // A newer statement is not covered until the next checkpoint.
    client.send_message(&first.access_code, "nog iets").unwrap();
    let view = client.raw_case(&first.access_code).unwrap();
    assert_eq!(view.proofs.len(), 3);
    assert!(view.proofs[0].is_some() && view.proofs[1].is_some() && view.proofs[2].is_none());
    let issued = svc.app.issue_checkpoint_blocking().unwrap();
    assert_eq!(issued.checkpoint.size, DIRECTORY_LEAVES + 4);
    let view = client.raw_case(&first.access_code).unwrap();
    let newest = open_checkpoint(view.checkpoint.as_deref().unwrap(), &key).unwrap();
    for (statement, proof) in view.statements.iter().zip(&view.proofs) {
        let proof = proof.as_ref().unwrap();
        let hash = leaf_hash(statement.as_bytes());
        assert!(verify_inclusion(
            &hash,
            proof.index,
            newest.size,
            &proof.path,
            &newest.root
        ));
    }
}

#[test]
fn leaf_hashes_match_the_statements_and_checkpoints_are_consistent() {
    let svc = TestService::start(0);
    let client = svc.client();
    let log = LogClient::new(&svc.url());
    let mut cases = Vec::new();
    for i in 0..3 {
        let s = submit(&svc, &format!("melding {i}"));
        client.send_message(&s.access_code, "bericht").unwrap();
        cases.push(s);
    }
    let old = svc.app.issue_checkpoint_blocking().unwrap().checkpoint;
    for i in 0..4 {
        let s = submit(&svc, &format!("later {i}"));
        client
            .send_message(&cases[0].access_code, "nog een")
            .unwrap();
        cases.push(s);
    }
    let new = svc.app.issue_checkpoint_blocking().unwrap().checkpoint;
    assert_eq!(
        (old.size, new.size),
        (DIRECTORY_LEAVES + 6, DIRECTORY_LEAVES + 14)
    );

    // Every stored statement, in log order, is exactly the public list of leaf hashes.
    let mut statements: Vec<(u64, String)> = Vec::new();
    for case in &cases {
        for s in client.raw_case(&case.access_code).unwrap().statements {
            statements.push((statement_log_index(&s).unwrap(), s));
        }
    }
    statements.sort();
    // The log starts with the directory the service's officers signed.
    let directory = svc.app.store().directory().unwrap().unwrap();
    assert_eq!(directory.log_index, 0);
    let expected: Vec<[u8; 32]> = std::iter::once(leaf_hash(directory.document.as_bytes()))
        .chain(statements.iter().map(|(_, s)| leaf_hash(s.as_bytes())))
        .collect();
    assert_eq!(
        statements.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        (DIRECTORY_LEAVES..DIRECTORY_LEAVES + 14).collect::<Vec<_>>()
    );
    let served = log.all_leaf_hashes(new.size).unwrap();
    assert_eq!(served, expected);
    assert_eq!(mth(&served), new.root);
    assert_eq!(mth(&served[..old.size as usize]), old.root);
    let page = log.leaf_hashes(5, 9).unwrap();
    assert_eq!((page.start, page.hashes.as_slice()), (5, &expected[5..9]));

    // Consistency between the two checkpoints, by hand and through the client.
    let proof = log.consistency(old.size, new.size).unwrap();
    assert!(verify_consistency(
        old.size,
        new.size,
        &old.root,
        &new.root,
        &proof.path
    ));
    assert!(!verify_consistency(
        old.size,
        new.size,
        &new.root,
        &new.root,
        &proof.path
    ));
    log.prove_consistency(&old, &new).unwrap();
    // Proofs for sizes between checkpoints are served too.
    let mid = log.consistency(3, 11).unwrap();
    assert!(verify_consistency(
        3,
        11,
        &mth(&served[..3]),
        &mth(&served[..11]),
        &mid.path
    ));
    let incl = log.inclusion(7, 11).unwrap();
    assert!(verify_inclusion(
        &served[7],
        7,
        11,
        &incl.path,
        &mth(&served[..11])
    ));
}

/// Finding 1 of the hardening issue: a poller that could ask for proofs and hashes at the live
/// tree size would see each leaf appear, to the second. Only the newest checkpoint's size is
/// served; a statement newer than it is pending, for the public and for `verify`.
#[test]
fn proofs_and_leaf_hashes_stop_at_the_newest_checkpoint() {
    let svc = TestService::start(0);
    let base = svc.url();
    // Leaf 0 is the directory, covered by the service's first checkpoint.
    submit(&svc, "a");
    let (status, _, body) = get(&format!("{base}/api/v1/log/leaf-hashes?start=1&end=2"));
    assert_eq!(
        status, 400,
        "nothing is published before a checkpoint: {body}"
    );
    submit(&svc, "b");
    assert_eq!(
        svc.app.issue_checkpoint_blocking().unwrap().checkpoint.size,
        3
    );
    submit(&svc, "c");
    assert_eq!(
        svc.app.store().log_size().unwrap(),
        4,
        "the live tree is ahead"
    );
    for path in [
        "/api/v1/log/proof/inclusion?index=3&size=4",
        "/api/v1/log/proof/inclusion?index=0&size=4",
        "/api/v1/log/proof/consistency?from=3&to=4",
        "/api/v1/log/leaf-hashes?start=3&end=4",
        "/api/v1/log/leaf-hashes?start=0&end=4",
    ] {
        let (status, _, body) = get(&format!("{base}{path}"));
        assert_eq!(status, 400, "{path}: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["error"]["code"], "invalid_range", "{path}: {body}");
    }
    for path in [
        "/api/v1/log/proof/inclusion?index=2&size=3",
        "/api/v1/log/proof/consistency?from=2&to=3",
        "/api/v1/log/leaf-hashes?start=0&end=3",
    ] {
        assert_eq!(get(&format!("{base}{path}")).0, 200, "{path}");
    }
    // Once the next checkpoint covers the fourth leaf, it is served.
    assert_eq!(
        svc.app.issue_checkpoint_blocking().unwrap().checkpoint.size,
        4
    );
    assert_eq!(
        get(&format!("{base}/api/v1/log/leaf-hashes?start=3&end=4")).0,
        200
    );
}

#[test]
fn bad_query_parameters_are_json_errors() {
    let svc = TestService::start(0);
    submit(&svc, "a");
    submit(&svc, "b");
    svc.app.issue_checkpoint_blocking().unwrap();
    let base = svc.url();
    let cases = [
        ("/api/v1/log/proof/inclusion", "invalid_request"),
        ("/api/v1/log/proof/inclusion?index=0", "invalid_request"),
        (
            "/api/v1/log/proof/inclusion?index=abc&size=1",
            "invalid_request",
        ),
        (
            "/api/v1/log/proof/inclusion?index=-1&size=1",
            "invalid_request",
        ),
        (
            "/api/v1/log/proof/inclusion?index=+1&size=2",
            "invalid_request",
        ),
        (
            "/api/v1/log/proof/inclusion?index=0&size=99999999999999999999",
            "invalid_request",
        ),
        (
            "/api/v1/log/proof/inclusion?index=0&index=0&size=1",
            "invalid_request",
        ),
        (
            "/api/v1/log/proof/inclusion?index=0&size=1&x=1",
            "invalid_request",
        ),
        (
            "/api/v1/log/proof/inclusion?index=1&size=1",
            "invalid_range",
        ),
        (
            "/api/v1/log/proof/inclusion?index=0&size=0",
            "invalid_range",
        ),
        (
            "/api/v1/log/proof/inclusion?index=0&size=4",
            "invalid_range",
        ),
        ("/api/v1/log/proof/consistency?from=1", "invalid_request"),
        ("/api/v1/log/proof/consistency?from=2&to=1", "invalid_range"),
        ("/api/v1/log/proof/consistency?from=1&to=4", "invalid_range"),
        ("/api/v1/log/leaf-hashes?start=0", "invalid_request"),
        ("/api/v1/log/leaf-hashes?start=1&end=1", "invalid_range"),
        ("/api/v1/log/leaf-hashes?start=0&end=4", "invalid_range"),
        ("/api/v1/log/leaf-hashes?start=0&end=", "invalid_request"),
    ];
    for (path, code) in cases {
        let (status, kind, body) = get(&format!("{base}{path}"));
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(kind, "application/json", "{path}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["error"]["code"], code, "{path}: {body}");
    }
    // The good versions of the same routes.
    for path in [
        "/api/v1/log/proof/inclusion?index=1&size=2",
        "/api/v1/log/proof/consistency?from=0&to=2",
        "/api/v1/log/leaf-hashes?start=0&end=2",
    ] {
        let (status, kind, body) = get(&format!("{base}{path}"));
        assert_eq!(
            (status, kind.as_str()),
            (200, "application/json"),
            "{path}: {body}"
        );
    }
    let (status, kind, body) = get(&format!("{base}/api/v1/log/key"));
    assert_eq!((status, kind.as_str()), (200, "text/plain; charset=utf-8"));
    assert!(body.starts_with("meldpunt.test/log+"), "{body}");
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let res = agent
        .post(format!("{base}/api/v1/log/key"))
        .send_empty()
        .unwrap();
    assert_eq!(res.status().as_u16(), 405);
}

/// Runs `meldpunt verify` with `args`; returns the exit code and stdout.
fn verify(args: &[&str]) -> (i32, String) {
    let out = common::binary()
        .arg("verify")
        .args(args)
        .env_clear()
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    eprintln!(
        "verify {args:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), stdout)
}

/// Flips one character in the middle of part `part` (0 header, 1 payload, 2 signature).
fn tamper(jws: &str, part: usize, change: impl Fn(&str) -> String) -> String {
    let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
    parts[part] = change(&parts[part]);
    parts.join(".")
}

#[test]
fn verify_cli_accepts_real_receipts_and_rejects_tampered_ones() {
    let svc = TestService::start(0);
    let client = svc.client();
    let dir = TempDir::new("verify");
    let s = submit(&svc, "de melding");
    svc.app.issue_checkpoint_blocking().unwrap();
    let url = svc.url();
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let receipt = file("receipt.jws", &format!("{}\n", s.receipt));
    let jwks = file(
        "jwks.json",
        &serde_json::to_string(&client.jwks().unwrap()).unwrap(),
    );
    let key = LogClient::new(&url).key().unwrap();

    let (code, out) = verify(&[&receipt, "--server", &url]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("OK: ") && out.contains("included in the checkpoint of 2"),
        "{out}"
    );
    assert_eq!(
        verify(&[&receipt, "--server", &url, "--log-key", &key]).0,
        0
    );
    let (code, out) = verify(&[&receipt, "--jwks", &jwks]);
    assert_eq!(code, 0);
    assert!(out.contains("not checked"), "{out}");
    let as_json = file(
        "receipt.json",
        &serde_json::json!({ "receipt": s.receipt }).to_string(),
    );
    assert_eq!(verify(&[&as_json, "--jwks", &jwks]).0, 0);

    // A changed payload (another case reference) and a changed signature both fail.
    let payload = tamper(&s.receipt, 1, |p| {
        let json = String::from_utf8(meldpunt::protocol::b64::decode(p).unwrap()).unwrap();
        meldpunt::protocol::b64::encode(json.replace(&s.case_ref, "MP-AAAA-AAAA"))
    });
    let signature = tamper(&s.receipt, 2, |sig| {
        let mut bytes = meldpunt::protocol::b64::decode(sig).unwrap();
        bytes[10] ^= 1;
        meldpunt::protocol::b64::encode(bytes)
    });
    for bad in [payload, signature] {
        let path = file("bad.jws", &bad);
        for args in [
            vec![path.as_str(), "--server", &url],
            vec![path.as_str(), "--jwks", &jwks],
        ] {
            let (code, out) = verify(&args);
            assert_eq!(code, 1, "{out}");
            assert!(out.starts_with("FAIL: "), "{out}");
        }
    }

    // A wrong pinned log key fails; an entry newer than the checkpoint is pending (exit 3).
    let other =
        meldpunt::protocol::log::NoteSigner::from_seed("meldpunt.test/log", &[7; 32]).unwrap();
    let (code, out) = verify(&[
        &receipt,
        "--server",
        &url,
        "--log-key",
        &other.verifier_key(),
    ]);
    assert_eq!(code, 1, "{out}");
    let statement = client.send_message(&s.access_code, "later").unwrap();
    let statement = file("statement.jws", &statement);
    let (code, out) = verify(&[&statement, "--server", &url]);
    assert_eq!(code, 3, "{out}");
    assert!(out.starts_with("PENDING: "), "{out}");
    svc.app.issue_checkpoint_blocking().unwrap();
    assert_eq!(verify(&[&statement, "--server", &url]).0, 0);
}

/// Before the first checkpoint (a fresh service, nothing signed yet) the checkpoint route is a
/// JSON 404 `no_checkpoint`, and the directory route a 404 `no_directory`.
#[test]
fn a_fresh_service_has_no_checkpoint_and_no_directory() {
    let dir = TempDir::new("fresh-log");
    let app = std::sync::Arc::new(
        meldpunt::server::app::App::open(common::settings(dir.path(), 0)).unwrap(),
    );
    let server = meldpunt::server::http::RunningServer::start(app).unwrap();
    let (status, kind, body) = get(&format!("{}/api/v1/log/checkpoint", server.url()));
    assert_eq!((status, kind.as_str()), (404, "application/json"));
    assert!(body.contains("\"no_checkpoint\""), "{body}");
    let (status, _, body) = get(&format!("{}/api/v1/directory", server.url()));
    assert_eq!(status, 404);
    assert!(body.contains("\"no_directory\""), "{body}");
}
