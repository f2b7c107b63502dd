//! Must-show 5 of the staff issue: `meldpunt audit verify` passes on an untouched chain and
//! fails after any stored audit record is changed; the chain head is the checkpoint's
//! extension line.

mod common;

use std::path::Path;

use common::{TempDir, binary, run_cli};

fn verify(dir: &Path) -> (bool, String) {
    let out = binary()
        .args(["audit", "verify"])
        .env_clear()
        .env("MELDPUNT_DATA", dir.join("data"))
        .env("MELDPUNT_KEYS", dir.join("keys"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Flips one byte of audit record `seq` (or restores it, flipping again).
fn flip(dir: &Path, seq: u64, at: usize) {
    let db = sled::open(dir.join("data")).unwrap();
    let tree = db.open_tree("audit").unwrap();
    let key = seq.to_be_bytes();
    let mut value = tree.get(key).unwrap().unwrap().to_vec();
    let at = at % value.len();
    value[at] ^= 0x01;
    tree.insert(key, value).unwrap();
    db.flush().unwrap();
}

#[test]
fn audit_verify_detects_any_changed_record() {
    let dir = TempDir::new("audit");
    common::init_folders(dir.path());
    run_cli(
        dir.path(),
        &["user", "invite", "--name", "ans", "--role", "auditor"],
    );
    run_cli(
        dir.path(),
        &[
            "user",
            "invite",
            "--name",
            "bo",
            "--role",
            "investigator",
            "--unit",
            "national",
        ],
    );
    run_cli(dir.path(), &["user", "disable", "--name", "bo"]);
    run_cli(dir.path(), &["user", "enable", "--name", "bo"]);
    let listed = run_cli(dir.path(), &["user", "list"]);
    assert!(
        listed.contains("ans") && listed.contains("invited"),
        "{listed}"
    );

    let (ok, text) = verify(dir.path());
    assert!(ok, "{text}");
    assert!(text.contains("OK: 4 records"), "{text}");
    let head_line = text
        .lines()
        .next()
        .unwrap()
        .split("; ")
        .nth(1)
        .unwrap()
        .to_owned();
    assert!(head_line.starts_with("audit 3 "), "{head_line}");

    // The head goes into the next checkpoint as its extension line.
    let checkpoint = run_cli(dir.path(), &["log", "checkpoint"]);
    assert!(checkpoint.contains(&head_line), "{checkpoint}");

    for seq in 0..4 {
        for at in [0usize, 20, 57, 1000] {
            flip(dir.path(), seq, at);
            let (ok, text) = verify(dir.path());
            assert!(!ok, "record {seq} byte {at} changed, yet: {text}");
            assert!(text.contains("FAIL"), "{text}");
            flip(dir.path(), seq, at);
            let (ok, text) = verify(dir.path());
            assert!(ok, "restored record {seq}: {text}");
        }
    }

    // Removing the newest record is detected too (the head no longer matches).
    let db = sled::open(dir.path().join("data")).unwrap();
    db.open_tree("audit")
        .unwrap()
        .remove(3u64.to_be_bytes())
        .unwrap();
    db.flush().unwrap();
    drop(db);
    assert!(!verify(dir.path()).0);
}

/// Hardening finding 9: the first admin's link used to go to standard output (and so to the
/// journal). It goes to a 0600 file in the keys folder; the output says only where. The data
/// folder that holds TOTP seeds and wrapped keys is private too (0700, files 0600), and the
/// first admin's name is the operator's choice.
#[test]
fn the_first_start_writes_the_first_admin_link_to_a_private_file() {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    use std::process::Stdio;

    let dir = TempDir::new("first-admin");
    let port = common::free_port("127.0.0.1");
    let mut child = binary()
        .arg("serve")
        .env_clear()
        .env("MELDPUNT_BIND", format!("127.0.0.1:{port}"))
        .env("MELDPUNT_DATA", dir.path().join("data"))
        .env("MELDPUNT_KEYS", dir.path().join("keys"))
        .env("MELDPUNT_PUBLIC_URL", common::PUBLIC_URL)
        .env("MELDPUNT_FIRST_ADMIN_NAME", "Hanna Beheer")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(common::wait_for(([127, 0, 0, 1], port).into()));
    meldpunt::clients::reporter::ReporterClient::new(&format!("http://127.0.0.1:{port}"))
        .config()
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut stdout, mut stderr) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let file = dir.path().join("keys").join("first-admin-link.txt");
    assert!(stdout.contains(&file.display().to_string()), "{stdout}");
    for output in [&stdout, &stderr] {
        assert!(
            !output.contains("/staff/enrol#"),
            "the link leaked: {output}"
        );
    }
    let text = std::fs::read_to_string(&file).unwrap();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/staff/enrol#"))
        .expect("the file holds the link");
    assert!(
        link.starts_with("https://meldpunt.test/staff/enrol#"),
        "{link}"
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&dir.path().join("data")), 0o700);
    let data_files = common::files_under(&dir.path().join("data"));
    assert!(!data_files.is_empty());
    for (path, _) in &data_files {
        assert_eq!(mode(path), 0o600, "{}", path.display());
    }
    let listed = run_cli(dir.path(), &["user", "list"]);
    assert!(
        listed.starts_with("NAME ")
            && listed.lines().nth(1).is_some_and(|l| {
                l.split_whitespace().collect::<Vec<_>>()
                    == ["Hanna", "Beheer", "admin", "-", "-", "invited"]
            }),
        "{listed}"
    );
}
