//! Must-show 3 of the staff issue: the server never sees a password or a private key. With a
//! canary password and a canary private key, through the real binary (CLI invite, enrolment,
//! sign-in, reading and answering a case), neither appears — raw, b64u or hex — in any stored
//! record, any file of the data and keys folders, or the captured log.

mod common;

use std::net::SocketAddr;

use common::staff::TEST_ITERATIONS;
use common::{ServiceProcess, TempDir, binary, contains, draft, files_under, free_port, log_lines};
use meldpunt::clients::reporter::ReporterClient;
use meldpunt::clients::staff::StaffClient;
use meldpunt::protocol::staff_keys::derive;
use meldpunt::protocol::totp;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn no_password_or_private_key_reaches_disk_or_log() {
    let dir = TempDir::new("staff-canary");
    common::init_folders(dir.path());
    let iterations = TEST_ITERATIONS.to_string();
    let out = binary()
        .args([
            "user",
            "invite",
            "--name",
            "canary",
            "--role",
            "intake",
            "--unit",
            "amsterdam",
        ])
        .env_clear()
        .env("MELDPUNT_DATA", dir.path().join("data"))
        .env("MELDPUNT_KEYS", dir.path().join("keys"))
        .env("MELDPUNT_PUBLIC_URL", common::PUBLIC_URL)
        .env("MELDPUNT_STAFF_KDF_ITERATIONS", &iterations)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let link = stdout
        .split_whitespace()
        .find(|w| w.contains("/staff/enrol#"))
        .unwrap()
        .to_owned();
    assert!(link.starts_with("https://meldpunt.test/staff/enrol#"));
    let token = link.split_once('#').unwrap().1.to_owned();

    let addr: SocketAddr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let log = dir.path().join("service.log");
    let service = ServiceProcess::spawn(
        dir.path(),
        addr,
        &log,
        &[
            ("RUST_LOG", "debug"),
            ("MELDPUNT_STAFF_KDF_ITERATIONS", &iterations),
        ],
    );

    let password = "WACHTWOORD-c4n4ry-9e1f-password";
    let private_key: [u8; 32] = *b"PRIVKEY-canary-0123456789abcdef!";
    let staff = StaffClient::new(&service.url());
    let info = staff.enrol_info(&token).unwrap();
    let enrolled = staff
        .enrol(
            &token,
            password,
            Some(private_key),
            meldpunt::protocol::time::now(),
        )
        .unwrap();
    let secrets = derive(password, &info.kdf.salt, info.kdf.iterations);

    common::sign_directory_online(dir.path(), &service.url());
    let reporter = ReporterClient::new(&service.url());
    let submitted = reporter.submit(&draft("amsterdam", "canary case")).unwrap();
    let mut staff = StaffClient::new(&service.url());
    let code = totp::code_at(
        &enrolled.totp_secret,
        meldpunt::protocol::time::now() + totp::STEP_SECS,
    );
    staff.login("canary", password, &code).unwrap();
    assert_eq!(staff.private_key(), Some(&private_key));
    let opened = staff.open_case(&submitted.case_ref).unwrap();
    assert_eq!(opened.report["what"], "canary case");
    staff
        .set_status(
            &submitted.case_ref,
            meldpunt::protocol::statements::Status::Acknowledged,
            None,
        )
        .unwrap();
    staff.reply(&submitted.case_ref, "ontvangen").unwrap();
    service.terminate();

    let mut secrets_list: Vec<(&str, Vec<u8>)> = vec![
        ("password", password.as_bytes().to_vec()),
        (
            "password b64u",
            meldpunt::protocol::b64::encode(password).into_bytes(),
        ),
        ("password hex", hex(password.as_bytes()).into_bytes()),
        ("private key", private_key.to_vec()),
        (
            "private key b64u",
            meldpunt::protocol::b64::encode(private_key).into_bytes(),
        ),
        ("private key hex", hex(&private_key).into_bytes()),
        ("wrap key", secrets.wrap_key.to_vec()),
        (
            "wrap key b64u",
            meldpunt::protocol::b64::encode(secrets.wrap_key.as_ref()).into_bytes(),
        ),
        (
            "auth hash b64u",
            meldpunt::protocol::b64::encode(secrets.auth_hash.as_ref()).into_bytes(),
        ),
        ("auth hash", secrets.auth_hash.to_vec()),
        ("enrolment token", token.clone().into_bytes()),
    ];
    let pw_prefix = password.as_bytes()[..12].to_vec();
    secrets_list.push(("password prefix", pw_prefix));
    let files = files_under(dir.path());
    assert!(
        files
            .iter()
            .any(|(p, _)| p.starts_with(dir.path().join("data")))
    );
    for (path, bytes) in &files {
        if path == &log {
            continue;
        }
        for (what, secret) in &secrets_list {
            assert!(
                !contains(bytes, secret),
                "{} holds the {what}",
                path.display()
            );
        }
    }
    let lines = log_lines(&log);
    assert!(!lines.is_empty(), "the log captured nothing");
    for line in &lines {
        for (what, secret) in &secrets_list {
            assert!(
                !contains(line.as_bytes(), secret),
                "log line holds the {what}: {line}"
            );
        }
    }
}
