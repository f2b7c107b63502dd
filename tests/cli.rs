//! CLI transcripts (trycmd): each `tests/cli/*.trycmd` file is a terminal session — commands
//! after `$`, their exact output below (`[..]` stands for the rest of a line that differs per
//! run, `...` for lines), and `? failed` / `? 2` for an expected exit code. Each transcript
//! runs against its own empty data and keys folders (`MELDPUNT_DATA`, `MELDPUNT_KEYS`), in UTC.
//! `TRYCMD=overwrite cargo test --test cli` rewrites the transcripts from what the commands
//! print now; read the diff before committing it.

use std::path::Path;

#[test]
fn cli_transcripts() {
    let root = std::env::temp_dir().join(format!("meldpunt-cli-{}", std::process::id()));
    let mut files: Vec<_> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "trycmd"))
            .collect();
    files.sort();
    assert!(files.len() >= 4, "transcripts missing: {files:?}");
    for file in files {
        let dir = root.join(file.file_stem().unwrap());
        std::fs::create_dir_all(&dir).unwrap();
        trycmd::TestCases::new()
            .register_bin("meldpunt", Path::new(env!("CARGO_BIN_EXE_meldpunt")))
            .env("MELDPUNT_DATA", dir.join("data").display().to_string())
            .env("MELDPUNT_KEYS", dir.join("keys").display().to_string())
            .env("TZ", "UTC")
            .env("RUST_LOG", "warn")
            .case(&file)
            .run();
    }
    std::fs::remove_dir_all(&root).unwrap();
}

/// `meldpunt … | head`: a reader that goes away ends the command quietly with success, as in
/// ripgrep, not with `println!`'s panic (exit 101 and a backtrace).
#[test]
fn a_closed_stdout_ends_quietly() {
    use std::process::{Command, Stdio};
    let dir = std::env::temp_dir().join(format!("meldpunt-cli-pipe-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_meldpunt"))
        .arg("settings")
        .env("MELDPUNT_DATA", dir.join("data"))
        .env("MELDPUNT_KEYS", dir.join("keys"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the command has written anything.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// An offline command in a folder without a database refuses and leaves no folder behind (the
/// transcript `database.trycmd` shows the message).
#[test]
fn an_offline_command_never_creates_a_database() {
    let dir = std::env::temp_dir().join(format!("meldpunt-cli-nodb-{}", std::process::id()));
    for args in [
        &["user", "invite", "--name", "ans", "--role", "auditor"][..],
        &["recipient", "list"],
        &["audit", "verify"],
        &["case", "export", "--ref", "MP-AAAA-BBBB"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_meldpunt"))
            .args(args)
            .env("MELDPUNT_DATA", dir.join("data"))
            .env("MELDPUNT_KEYS", dir.join("keys"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            stderr.contains("no meldpunt database in") && stderr.contains("data/conf"),
            "{args:?}: {stderr}"
        );
        assert!(!dir.join("data").exists(), "{args:?} made a data folder");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
