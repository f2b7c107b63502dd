//! A receipt verifies with a stock JOSE library that knows RFC 9864's `Ed25519` algorithm
//! (panva/jose on Node), using nothing but the published JWKS, and a tampered one does not.
//! Needs `npm ci --prefix tests/js` (the README's test command runs it).

mod common;

use std::path::Path;
use std::process::Command;

use common::{TempDir, TestService, draft};

fn node_verify(dir: &Path, jwks: &str, receipt: &str) -> Result<serde_json::Value, String> {
    let jwks_file = dir.join("jwks.json");
    let receipt_file = dir.join("receipt.jws");
    std::fs::write(&jwks_file, jwks).unwrap();
    std::fs::write(&receipt_file, receipt).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js/verify-receipt.mjs");
    let modules = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js/node_modules/jose");
    assert!(
        Path::new(modules).is_dir(),
        "tests/js/node_modules is missing: run `npm ci --prefix tests/js` (scripts/test does)"
    );
    let out = Command::new("node")
        .arg(script)
        .arg(&jwks_file)
        .arg(&receipt_file)
        .output()
        .expect("node is installed");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn receipts_verify_with_panva_jose() {
    let svc = TestService::start(0);
    let client = svc.client();
    let submitted = client.submit(&draft("amsterdam", "x")).unwrap();
    let jwks = serde_json::to_string(&client.jwks().unwrap()).unwrap();
    let dir = TempDir::new("jose");

    let verified = node_verify(dir.path(), &jwks, &submitted.receipt).unwrap();
    assert_eq!(verified["header"]["alg"], "Ed25519");
    assert_eq!(verified["header"]["typ"], "meldpunt-receipt+jws");
    assert_eq!(verified["payload"]["ref"], submitted.case_ref.as_str());
    assert_eq!(
        verified["payload"]["cmt"].as_str(),
        submitted
            .payload
            .cmt()
            .map(meldpunt::protocol::b64::encode)
            .as_deref()
    );

    // Change one payload character (re-encoded validly) and one signature character.
    let parts: Vec<&str> = submitted.receipt.split('.').collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&meldpunt::protocol::b64::decode(parts[1]).unwrap()).unwrap();
    payload["status"] = "closed".into();
    let forged_payload = meldpunt::protocol::b64::encode(serde_json::to_vec(&payload).unwrap());
    let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    assert!(node_verify(dir.path(), &jwks, &forged).is_err());
    let mut sig = meldpunt::protocol::b64::decode(parts[2]).unwrap();
    sig[10] ^= 1;
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        meldpunt::protocol::b64::encode(sig)
    );
    assert!(node_verify(dir.path(), &jwks, &forged).is_err());
}
