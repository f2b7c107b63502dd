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
        listed.contains("ans") && listed.contains("Invited"),
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

#[test]
fn the_first_start_prints_an_invite_for_the_first_admin() {
    use std::io::{BufRead, BufReader};
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
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let link = BufReader::new(stdout)
        .lines()
        .map(|l| l.unwrap())
        .find_map(|l| {
            l.split_whitespace()
                .find(|w| w.contains("/staff/enrol#"))
                .map(str::to_owned)
        });
    child.kill().unwrap();
    child.wait().unwrap();
    let link = link.expect("serve printed no enrolment link");
    assert!(
        link.starts_with("https://meldpunt.test/staff/enrol#"),
        "{link}"
    );
    let listed = run_cli(dir.path(), &["user", "list"]);
    assert!(
        listed.starts_with("admin\tadmin\t-\t-\tInvited"),
        "{listed}"
    );
}
