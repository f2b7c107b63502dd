//! The staff CLI against a real server: `staff login`, then `case list|show|triage|assign|
//! status|reply|note` doing all key work locally, as an intake officer and an investigator
//! would from a terminal; the reporter reads the reply. The session file holds neither the
//! password nor the private key.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::staff::{StaffUser, enrol, service};
use common::{TempDir, contains, draft};
use meldpunt::protocol::roles::Role;

/// Runs `meldpunt ARGS` with `stdin` as standard input; returns (success, stdout, stderr).
fn cli(session: &Path, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_meldpunt"))
        .arg("--session")
        .arg(session)
        .args(args)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses its arguments exits before it reads stdin: a broken pipe here is
    // part of that answer, not a failure of the harness.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(session: &Path, user: &StaffUser, args: &[&str]) -> String {
    let mut full = args.to_vec();
    let needs_password = matches!(
        args.get(1),
        Some(&"show" | &"assign" | &"triage" | &"reply" | &"note")
    );
    if needs_password {
        full.push("--password-stdin");
    }
    let (success, stdout, stderr) = cli(session, &full, &format!("{}\n", user.password));
    assert!(success, "meldpunt {args:?} failed: {stderr}");
    stdout
}

#[test]
fn intake_and_investigator_work_a_case_from_the_terminal() {
    let svc = service();
    let intake = enrol(&svc, "ilse", &[Role::Intake], Some("amsterdam"));
    let investigator = enrol(&svc, "ivo", &[Role::Investigator], Some("amsterdam"));
    let reporter = svc.client();
    let submitted = reporter
        .submit(&draft("amsterdam", "Uitsluiting op het bureau."))
        .unwrap();
    let case_ref = submitted.case_ref.as_str();
    let dir = TempDir::new("staff-cli");
    let ilse_session = dir.path().join("ilse.json");
    let ivo_session = dir.path().join("ivo.json");
    let url = svc.url();

    // A wrong password is refused and leaves no session file.
    let (success, _, stderr) = cli(
        &ilse_session,
        &[
            "staff",
            "login",
            "--server",
            &url,
            "--name",
            "ilse",
            "--totp",
            &intake.code(0),
            "--password-stdin",
        ],
        "wrong password\n",
    );
    assert!(!success && stderr.contains("login_failed"), "{stderr}");
    assert!(!ilse_session.exists());

    let login = |session: &Path, user: &StaffUser| {
        let (success, stdout, stderr) = cli(
            session,
            &[
                "staff",
                "login",
                "--server",
                &url,
                "--name",
                &user.name,
                "--totp",
                &user.code(1),
                "--password-stdin",
            ],
            &format!("{}\n", user.password),
        );
        assert!(success, "login failed: {stderr}");
        assert!(stdout.contains("signed in as"));
    };
    login(&ilse_session, &intake);
    assert!(
        ok(&ilse_session, &intake, &["staff", "whoami"]).contains("ilse (intake, Amsterdam unit)")
    );

    let list = ok(&ilse_session, &intake, &["case", "list"]);
    assert!(
        list.starts_with("CASE ") && list.contains(case_ref) && list.contains("received"),
        "{list}"
    );
    let shown = ok(&ilse_session, &intake, &["case", "show", "--ref", case_ref]);
    assert!(shown.contains("Uitsluiting op het bureau."), "{shown}");
    ok(
        &ilse_session,
        &intake,
        &[
            "case",
            "triage",
            "--ref",
            case_ref,
            "--outcome",
            "internal_investigation",
            "--reason",
            "Ernstig.",
        ],
    );
    ok(
        &ilse_session,
        &intake,
        &["case", "assign", "--ref", case_ref, "--to", "ivo"],
    );

    login(&ivo_session, &investigator);
    let shown = ok(
        &ivo_session,
        &investigator,
        &["case", "show", "--ref", case_ref],
    );
    assert!(
        shown.contains("Uitsluiting op het bureau.") && shown.contains("Ernstig."),
        "{shown}"
    );
    ok(
        &ivo_session,
        &investigator,
        &["case", "status", "--ref", case_ref, "--set", "acknowledged"],
    );
    ok(
        &ivo_session,
        &investigator,
        &[
            "case",
            "reply",
            "--ref",
            case_ref,
            "--text",
            "Wij nemen contact op.",
        ],
    );
    ok(
        &ivo_session,
        &investigator,
        &[
            "case",
            "note",
            "--ref",
            case_ref,
            "--text",
            "Getuigen horen.",
        ],
    );
    let (success, _, stderr) = cli(
        &ivo_session,
        &["case", "status", "--ref", case_ref, "--set", "weather"],
        "",
    );
    assert!(
        !success && stderr.contains("invalid value 'weather'"),
        "{stderr}"
    );

    let seen = reporter.case(&submitted.access_code).unwrap();
    assert_eq!(seen.messages, vec!["Wij nemen contact op.".to_owned()]);

    // The session files hold no password and no private key, and are private.
    for (path, user) in [(&ilse_session, &intake), (&ivo_session, &investigator)] {
        let bytes = std::fs::read(path).unwrap();
        assert!(!contains(&bytes, user.password.as_bytes()));
        let sk = user.enrolled.private_key.as_ref();
        assert!(!contains(&bytes, sk));
        assert!(!contains(
            &bytes,
            meldpunt::protocol::b64::encode(sk).as_bytes()
        ));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    ok(&ivo_session, &investigator, &["staff", "logout"]);
    assert!(!ivo_session.exists());
    let (success, _, stderr) = cli(&ivo_session, &["case", "list"], "");
    assert!(!success && stderr.contains("staff login"), "{stderr}");
}

#[test]
fn enrol_from_the_terminal_then_sign_in() {
    let svc = service();
    let token = common::staff::invite(&svc, "nora", &[Role::Auditor], None);
    let link = format!("{}/staff/enrol#{token}", svc.url());
    // What the authenticator app learns from the secret the enrolment shows.
    let info = meldpunt::clients::staff::StaffClient::new(&svc.url())
        .enrol_info(&token)
        .unwrap();
    let secret: [u8; 20] = meldpunt::protocol::totp::base32_decode(&info.totp.secret)
        .unwrap()
        .try_into()
        .unwrap();
    let now = meldpunt::protocol::time::now();
    let code = |step: u64| meldpunt::protocol::totp::code_at(&secret, now + step * 30);
    let dir = TempDir::new("staff-enrol");
    let session = dir.path().join("nora.json");
    let password = "correct horse battery staple";

    let (success, _, stderr) = cli(
        &session,
        &["staff", "enrol", "--link", &link, "--password-stdin"],
        &format!("short\n{}\n", code(0)),
    );
    assert!(!success && stderr.contains("at least 12"), "{stderr}");
    let (success, stdout, stderr) = cli(
        &session,
        &["staff", "enrol", "--link", &link, "--password-stdin"],
        &format!("{password}\n{}\n", code(0)),
    );
    assert!(success, "{stderr}");
    assert!(stdout.contains("enrolled nora"), "{stdout}");
    let (success, _, stderr) = cli(
        &session,
        &["staff", "enrol", "--link", &link, "--password-stdin"],
        &format!("{password}\n{}\n", code(0)),
    );
    assert!(
        !success && stderr.contains("invite_invalid"),
        "a link works once: {stderr}"
    );

    let (success, stdout, stderr) = cli(
        &session,
        &[
            "staff",
            "login",
            "--server",
            &svc.url(),
            "--name",
            "nora",
            "--totp",
            &code(1),
            "--password-stdin",
        ],
        &format!("{password}\n"),
    );
    assert!(
        success && stdout.contains("signed in as nora (auditor)"),
        "{stderr}"
    );
}

/// Hardening finding 9: the staff CLI sent the password-derived `auth_hash`, the cookie and
/// case content over any URL. Plain `http://` is refused except to this machine, and the device
/// token of a sign-in is kept (0600) beside the session so the next sign-in is the owner's.
#[test]
fn the_staff_cli_refuses_plain_http_and_keeps_its_device_token() {
    use std::os::unix::fs::PermissionsExt;

    let dir = TempDir::new("staff-cli-http");
    let session = dir.path().join("s.json");
    for link in [
        "http://meldpunt.example/staff/enrol#AAAA",
        "http://10.1.2.3:8080/staff/enrol#AAAA",
    ] {
        let (success, _, stderr) = cli(
            &session,
            &["staff", "enrol", "--link", link, "--password-stdin"],
            "correct horse battery staple\n000000\n",
        );
        assert!(!success && stderr.contains("https://"), "{link}: {stderr}");
    }
    let (success, _, stderr) = cli(
        &session,
        &[
            "staff",
            "login",
            "--server",
            "http://meldpunt.example",
            "--name",
            "x",
            "--totp",
            "000000",
            "--password-stdin",
        ],
        "pw\n",
    );
    assert!(!success && stderr.contains("https://"), "{stderr}");
    assert!(!session.exists());

    // Loopback http works, and the device token outlives the session.
    let svc = service();
    let user = enrol(&svc, "otto", &[Role::Auditor], None);
    let (success, _, stderr) = cli(
        &session,
        &[
            "staff",
            "login",
            "--server",
            &svc.url(),
            "--name",
            "otto",
            "--totp",
            &user.code(1),
            "--password-stdin",
        ],
        &format!("{}\n", user.password),
    );
    assert!(success, "{stderr}");
    let devices = dir.path().join("staff-devices.json");
    let mode = std::fs::metadata(&devices).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&devices).unwrap()).unwrap();
    let token = kept[format!("{} otto", svc.url())].as_str().unwrap();
    let user_id = meldpunt::protocol::b64::decode_array::<16>(user.user_id()).unwrap();
    assert!(
        meldpunt::server::signin::device::check(&svc.app.staff.prelogin_secret, &user_id, token)
            .is_some()
    );
    assert!(ok(&session, &user, &["staff", "logout"]).contains("signed out"));
    assert!(devices.exists(), "kept after logout");
}
