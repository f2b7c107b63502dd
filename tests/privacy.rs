//! Must-show 5: after a full flow through the real binary, with a canary in the report and the
//! message, neither the data folder, the keys folder nor the captured log holds the canary, the
//! access code, the auth key or the client's address; reporter responses set no cookie. The
//! recipient side goes through the CLI: `recipient add`, `case export`, `case open`.

mod common;

use std::net::SocketAddr;

use common::{
    ServiceProcess, TempDir, contains, draft, files_under, free_port, log_lines,
    register_recipient_cli, run_cli,
};
use meldpunt::clients::reporter::ReporterClient;

#[test]
fn nothing_identifying_or_secret_reaches_disk_or_log() {
    let dir = TempDir::new("privacy");
    eprintln!("dir {}", dir.path().display());
    let key_file = dir.path().join("intake.key");
    register_recipient_cli(dir.path(), &key_file, "national");

    // Serve on 127.0.0.7; the client connects from 127.0.0.1, so that address must not appear.
    let addr: SocketAddr = format!("127.0.0.7:{}", free_port("127.0.0.7"))
        .parse()
        .unwrap();
    let log = dir.path().join("service.log");
    let service = ServiceProcess::spawn(dir.path(), addr, &log, &[("RUST_LOG", "debug")]);
    let client = ReporterClient::new(&service.url());

    let canary = "KANARIE-7f3a9c1e-canary";
    let message_canary = "BERICHT-51d0e2aa-canary";
    let submitted = client.submit(&draft("amsterdam", canary)).unwrap();
    client
        .send_message(&submitted.access_code, message_canary)
        .unwrap();
    assert_eq!(
        client.case(&submitted.access_code).unwrap().messages,
        vec![message_canary]
    );

    // Reporter responses carry no cookie and the security headers.
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    for path in [
        "/api/v1/config",
        "/api/v1/pow",
        "/api/v1/reporter/case",
        "/nothing",
    ] {
        let res = agent
            .get(format!("{}{path}", service.url()))
            .call()
            .unwrap();
        let h = res.headers();
        assert!(h.get("set-cookie").is_none(), "{path} sets a cookie");
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));
        assert_eq!(h.get("cache-control").unwrap(), "no-store");
        assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer");
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    }
    service.terminate();

    // The recipient reads it through the CLI, so the plaintext does exist for them.
    let export_file = dir.path().join("case.json");
    let export = run_cli(
        dir.path(),
        &["case", "export", "--ref", &submitted.case_ref],
    );
    std::fs::write(&export_file, &export).unwrap();
    let opened = run_cli(
        dir.path(),
        &[
            "case",
            "open",
            "--key",
            key_file.to_str().unwrap(),
            export_file.to_str().unwrap(),
        ],
    );
    assert!(opened.contains(canary) && opened.contains(message_canary));
    std::fs::remove_file(&export_file).unwrap();
    std::fs::remove_file(&key_file).unwrap();

    let code = submitted.access_code.display().to_string();
    let keys = submitted.access_code.derive_keys();
    let auth_b64 = meldpunt::protocol::b64::encode(keys.auth_key.as_ref());
    let secrets: Vec<(&str, Vec<u8>)> = vec![
        ("report canary", canary.as_bytes().to_vec()),
        ("message canary", message_canary.as_bytes().to_vec()),
        ("access code", code.as_bytes().to_vec()),
        (
            "access code without hyphens",
            code.replace('-', "").into_bytes(),
        ),
        (
            "access code bytes",
            submitted.access_code.as_bytes().to_vec(),
        ),
        ("auth key", keys.auth_key.to_vec()),
        ("auth key b64u", auth_b64.into_bytes()),
        ("rb", keys.rb.to_vec()),
        ("reporter private key", keys.reporter_sk.to_vec()),
        ("client address", b"127.0.0.1".to_vec()),
    ];
    let files = files_under(dir.path());
    assert!(
        files
            .iter()
            .any(|(p, _)| p.starts_with(dir.path().join("data")))
    );
    for (path, bytes) in &files {
        for (what, secret) in &secrets {
            assert!(
                !contains(bytes, secret),
                "{} holds the {what}",
                path.display()
            );
        }
    }
    let lines = log_lines(&log);
    assert!(
        !lines.is_empty(),
        "the log captured nothing; the test would prove nothing"
    );
    for line in &lines {
        for (what, secret) in &secrets {
            assert!(
                !contains(line.as_bytes(), secret),
                "log line holds the {what}: {line}"
            );
        }
        assert!(
            !line.to_lowercase().contains("ureq"),
            "log names the user agent: {line}"
        );
    }
}

/// Every 8-byte big- or little-endian integer and every run of 10 decimal digits in `bytes`
/// that lies within `window` of `now` but is not a whole hour: a time to the second.
fn times_to_the_second(bytes: &[u8], now: u64, window: u64) -> Vec<u64> {
    let near = |t: u64| t.abs_diff(now) <= window && !t.is_multiple_of(3600);
    let mut found: Vec<u64> = bytes
        .windows(8)
        .flat_map(|w| {
            let w: [u8; 8] = w.try_into().unwrap();
            [u64::from_be_bytes(w), u64::from_le_bytes(w)]
        })
        .filter(|&t| near(t))
        .collect();
    let text = String::from_utf8_lossy(bytes);
    for run in text.split(|c: char| !c.is_ascii_digit()) {
        if run.len() == 10
            && let Ok(t) = run.parse::<u64>()
            && near(t)
        {
            found.push(t);
        }
    }
    found
}

/// Hardening finding 1, the store's side: a spent proof-of-work challenge carries its expiry to
/// the second and used to be written in the same transaction as the case. After a submission
/// and a message through the real binary, no file of the database holds a time (as binary or
/// decimal) within hours of now that is not a whole hour.
#[test]
fn nothing_stored_dates_a_report_finer_than_the_hour() {
    let dir = TempDir::new("hours");
    register_recipient_cli(dir.path(), &dir.path().join("intake.key"), "national");
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let log = dir.path().join("service.log");
    let service = ServiceProcess::spawn(dir.path(), addr, &log, &[]);
    let client = ReporterClient::new(&service.url());
    let submitted = client.submit(&draft("amsterdam", "een melding")).unwrap();
    client
        .send_message(&submitted.access_code, "bericht")
        .unwrap();
    service.terminate();

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let files = files_under(&dir.path().join("data"));
    assert!(files.iter().map(|(_, b)| b.len()).sum::<usize>() > 0);
    for (path, bytes) in &files {
        let found = times_to_the_second(bytes, now, 6 * 3600);
        assert!(found.is_empty(), "{} holds times {found:?}", path.display());
    }
    // The scan itself finds what it looks for.
    let probe = [b"x".as_slice(), &(now | 1).to_be_bytes(), b"y"].concat();
    assert_eq!(times_to_the_second(&probe, now, 60), vec![now | 1]);
    assert_eq!(
        times_to_the_second(format!("\"e\":{}", now | 1).as_bytes(), now, 60),
        vec![now | 1]
    );
}
