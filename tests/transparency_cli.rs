//! Must-shows 4 and 5 of issue 3 with the real binary: `meldpunt monitor` follows a growing log
//! and catches a forked log, a truncated log, a tampered state folder and bad signatures (from
//! twin servers sharing the note key, and a tiny canned server); and the log survives SIGKILL
//! of `meldpunt serve` with every acknowledged statement included under the restored root.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::statement_log_index;
use common::{ServiceProcess, TempDir, TestService, draft, free_port, register_unsigned};
use meldpunt::clients::log::{LogClient, parse_key};
use meldpunt::clients::recipient::RecipientKey;
use meldpunt::clients::reporter::ReporterClient;
use meldpunt::protocol::log::proof::{leaf_hash, node_hash, verify_inclusion};
use meldpunt::server::app::App;
use meldpunt::server::http::RunningServer;
use meldpunt::server::log::service::NOTE_KEY_FILE;

/// Runs `meldpunt monitor`; returns the exit code and its verdict line (the last line of
/// stdout; the lines before it report directory changes, see [`monitor_all`]).
fn monitor(server: &str, state: &Path, extra: &[&str]) -> (i32, String) {
    let (code, stdout) = monitor_all(server, state, extra);
    let verdict = stdout.lines().last().unwrap_or_default().to_owned();
    (code, verdict)
}

/// Runs `meldpunt monitor`; returns the exit code and all of stdout.
fn monitor_all(server: &str, state: &Path, extra: &[&str]) -> (i32, String) {
    let out = common::binary()
        .args(["monitor", "--server", server, "--state"])
        .arg(state)
        .args(extra)
        .env_clear()
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    eprintln!("monitor: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), stdout)
}

/// A service whose note key, trust root, officer and (development) witness keys are copies of
/// `original`'s: it signs and has cosigned checkpoints the monitor trusts, over a different
/// history — the fork a log and a colluding witness could show someone.
fn twin(original: &TestService) -> TestService {
    let dir = TempDir::new("twin");
    let keys = dir.path().join("keys");
    meldpunt::files::ensure_private_dir(&keys).unwrap();
    let files = [
        NOTE_KEY_FILE,
        meldpunt::server::trust::DEV_WITNESS_FILE,
        "trust-root.json",
    ]
    .into_iter()
    .chain(meldpunt::server::trust::DEV_OFFICER_FILES);
    for file in files {
        let key = std::fs::read(original.dir.path().join("keys").join(file)).unwrap();
        meldpunt::files::create_private_file(&keys.join(file), &[&key]).unwrap();
    }
    let app = Arc::new(App::open(common::settings(dir.path(), 0)).unwrap());
    let (national, amsterdam) = (RecipientKey::generate(), RecipientKey::generate());
    // One directory version, like `TestService`: the same number of leaves before reports.
    register_unsigned(&app, &national, "national");
    register_unsigned(&app, &amsterdam, "amsterdam");
    common::publish_directory(&app);
    let server = RunningServer::start(app.clone()).unwrap();
    TestService {
        dir,
        app,
        server: Some(server),
        national,
        amsterdam,
    }
}

fn grow(svc: &TestService, reports: usize) {
    for i in 0..reports {
        svc.client()
            .submit(&draft("amsterdam", &format!("melding {i}")))
            .unwrap();
    }
    svc.app.issue_checkpoint_blocking().unwrap();
}

fn copy_state(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for name in ["log-key", "checkpoint", "trust-root.json", "directory.json"] {
        std::fs::copy(from.join(name), to.join(name)).unwrap();
    }
}

/// Serves `body` for `GET path` and 404 for anything else, until the test ends.
fn canned_server(path: &'static str, body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let line = String::from_utf8_lossy(&request);
            let (status, text) = if line.starts_with(&format!("GET {path} ")) {
                ("200 OK", body.as_str())
            } else {
                ("404 Not Found", "{}")
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    url
}

#[test]
fn monitor_follows_a_growing_log_and_catches_forks_truncation_and_bad_signatures() {
    let svc = TestService::start(0);
    let work = TempDir::new("monitor");
    let state = work.path().join("state");
    grow(&svc, 2);
    let (code, all) = monitor_all(&svc.url(), &state, &[]);
    assert_eq!(code, 0, "{all}");
    let out = all.lines().last().unwrap();
    assert!(out.starts_with("OK: first checkpoint"), "{out}");
    // Who can read reports, change by change: both keys the officers signed in.
    for key in [&svc.national.kid, &svc.amsterdam.kid] {
        assert!(
            all.lines().any(|l| l.starts_with("directory version 1")
                && l.contains("added")
                && l.contains(key.as_str())),
            "{all}"
        );
    }
    let pinned = std::fs::read_to_string(state.join("log-key")).unwrap();
    assert_eq!(pinned.trim(), LogClient::new(&svc.url()).key().unwrap());
    grow(&svc, 3);
    let (code, out) = monitor(&svc.url(), &state, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("grew from 3 to 6 entries"), "{out}");
    let (code, out) = monitor(&svc.url(), &state, &["--log-key", pinned.trim()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("unchanged at 6"), "{out}");

    // (a) A fork: a server with the same key but another history, larger and of equal size.
    let forked = twin(&svc);
    grow(&forked, 7);
    let fork_state = work.path().join("fork");
    copy_state(&state, &fork_state);
    let before = std::fs::read(fork_state.join("checkpoint")).unwrap();
    let (code, out) = monitor(&forked.url(), &fork_state, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("FAIL: fork"), "{out}");
    assert_eq!(
        std::fs::read(fork_state.join("checkpoint")).unwrap(),
        before,
        "state kept"
    );
    let same_size = twin(&svc);
    grow(&same_size, 5);
    let (code, out) = monitor(&same_size.url(), &fork_state, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("FAIL: fork"), "{out}");

    // (a') A tampered state folder: the stored checkpoint's root changed.
    let tampered = work.path().join("tampered");
    copy_state(&state, &tampered);
    let stored = std::fs::read_to_string(tampered.join("checkpoint")).unwrap();
    let root_line = stored.lines().nth(2).unwrap().to_owned();
    let other_root = meldpunt::protocol::b64::encode_std([9u8; 32]);
    std::fs::write(
        tampered.join("checkpoint"),
        stored.replace(&root_line, &other_root),
    )
    .unwrap();
    let (code, out) = monitor(&svc.url(), &tampered, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("tampered"), "{out}");

    // (b) A truncated log: the same key, fewer entries than already seen.
    let truncated = twin(&svc);
    grow(&truncated, 1);
    let trunc_state = work.path().join("trunc");
    copy_state(&state, &trunc_state);
    let (code, out) = monitor(&truncated.url(), &trunc_state, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("shrank from 6 to 2"), "{out}");

    // (c) Bad signatures: a wrong key given or pinned, and an altered checkpoint text.
    let other =
        meldpunt::protocol::log::NoteSigner::from_seed("meldpunt.test/log", &[3; 32]).unwrap();
    let (code, out) = monitor(
        &svc.url(),
        &work.path().join("fresh"),
        &["--log-key", &other.verifier_key()],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not the one the trust root pins"), "{out}");
    let repinned = work.path().join("repinned");
    copy_state(&state, &repinned);
    std::fs::write(repinned.join("log-key"), other.verifier_key()).unwrap();
    let (code, out) = monitor(&svc.url(), &repinned, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("differs from the trust root's"), "{out}");
    let (code, out) = monitor(&svc.url(), &repinned, &["--log-key", pinned.trim()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("differs from the trust root's"), "{out}");
    let genuine = LogClient::new(&svc.url()).checkpoint().unwrap();
    let altered = genuine.replacen("\n6\n", "\n7\n", 1);
    assert_ne!(altered, genuine);
    let fake = canned_server("/api/v1/log/checkpoint", altered);
    let root_file = svc.dir.path().join("keys").join("trust-root.json");
    let root_arg = root_file.to_str().unwrap();
    let (code, out) = monitor(
        &fake,
        &work.path().join("fake"),
        &["--log-key", pinned.trim(), "--trust-root", root_arg],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not signed by the pinned log key"), "{out}");
    // The genuine checkpoint without its witnesses' cosignatures is refused too: a server
    // alone could sign such a history for one reporter.
    let uncosigned: String = genuine
        .lines()
        .filter(|l| !l.contains("/dev-witness "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(uncosigned, genuine);
    let fake = canned_server("/api/v1/log/checkpoint", uncosigned);
    let (code, out) = monitor(
        &fake,
        &work.path().join("uncosigned"),
        &["--trust-root", root_arg],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("cosigned by 0 of the pinned witnesses"),
        "{out}"
    );
    // The real state still follows the real log.
    assert_eq!(monitor(&svc.url(), &state, &[]).0, 0);
}

/// MTH of RFC 9162 §2.1.1 from leaf hashes, recursively.
fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
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

#[test]
fn the_log_survives_sigkill_with_every_acknowledged_statement() {
    let dir = TempDir::new("logkill");
    common::init_folders(dir.path());
    let national = RecipientKey::generate();
    let public_key = meldpunt::protocol::b64::encode(national.public_key);
    common::run_cli(
        dir.path(),
        &[
            "recipient",
            "add",
            "--unit",
            "national",
            "--public-key",
            &public_key,
        ],
    );
    common::sign_directory_cli(dir.path());
    let addr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let log_path = dir.path().join("serve.log");
    let env = [("MELDPUNT_CHECKPOINT_SECS", "1")];
    let service = ServiceProcess::spawn(dir.path(), addr, &log_path, &env);
    let url = service.url();

    // Four writers submit reports and messages until the process dies under them.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (url, acknowledged, stop) = (url.clone(), acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                let client = ReporterClient::new(&url);
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let Ok(s) = client.submit(&draft("national", &format!("w{w} r{i}"))) else {
                        break;
                    };
                    acknowledged.lock().unwrap().push(s.receipt.clone());
                    let Ok(m) = client.send_message(&s.access_code, "bericht") else {
                        break;
                    };
                    acknowledged.lock().unwrap().push(m);
                    i += 1;
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    service.kill();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    eprintln!(
        "{} statements acknowledged before SIGKILL",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() >= 8,
        "only {} acknowledged",
        acknowledged.len()
    );

    // Restart; the start-up checkpoint (then one a second) covers the restored tree.
    let service = ServiceProcess::spawn(dir.path(), addr, &log_path, &env);
    let log = LogClient::new(&service.url());
    let key = parse_key(&log.key().unwrap()).unwrap();
    let highest = acknowledged
        .iter()
        .filter_map(|s| statement_log_index(s))
        .max()
        .unwrap();
    for _ in 0..100 {
        if log
            .verified_checkpoint(&key)
            .is_ok_and(|(_, cp)| cp.size > highest)
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Nothing writes any more: one more tick and the checkpoint has the restored size.
    std::thread::sleep(Duration::from_millis(1200));
    let (_, checkpoint) = log.verified_checkpoint(&key).unwrap();
    assert!(
        checkpoint.size > highest,
        "{checkpoint:?} does not cover entry {highest}"
    );
    let beyond = log.inclusion(0, checkpoint.size + 1).unwrap_err();
    assert_eq!(
        beyond.api_code(),
        Some("invalid_range"),
        "the checkpoint has the whole tree"
    );

    // The root is the RFC root of the served leaves, and every acknowledged statement is the
    // leaf at its own index, with an inclusion proof that verifies.
    let leaves = log.all_leaf_hashes(checkpoint.size).unwrap();
    assert_eq!(mth(&leaves), checkpoint.root);
    let mut indices = Vec::new();
    for statement in &acknowledged {
        let index = statement_log_index(statement).unwrap();
        let hash = leaf_hash(statement.as_bytes());
        assert_eq!(leaves[index as usize], hash, "entry {index}");
        log.prove_inclusion(statement.as_bytes(), index, &checkpoint)
            .unwrap();
        let proof = log.inclusion(index, checkpoint.size).unwrap();
        assert!(verify_inclusion(
            &hash,
            index,
            checkpoint.size,
            &proof.path,
            &checkpoint.root
        ));
        indices.push(index);
    }
    indices.sort();
    indices.dedup();
    assert_eq!(
        indices.len(),
        acknowledged.len(),
        "no index handed out twice"
    );

    // `meldpunt log checkpoint` cannot open the database while the server runs, and says why;
    // afterwards it finds the newest checkpoint still describes the log.
    let cli = |public_url: &str| {
        common::binary()
            .args(["log", "checkpoint"])
            .env_clear()
            .env("MELDPUNT_DATA", dir.path().join("data"))
            .env("MELDPUNT_KEYS", dir.path().join("keys"))
            .env("MELDPUNT_PUBLIC_URL", public_url)
            .output()
            .unwrap()
    };
    let busy = cli(common::PUBLIC_URL);
    assert!(!busy.status.success());
    assert!(String::from_utf8_lossy(&busy.stderr).contains("in use by another process"));
    let served = log.checkpoint().unwrap();
    service.terminate();
    let out = cli(common::PUBLIC_URL);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), served);
    // With another public URL the key name differs: refused, not a second log identity (the
    // pinned trust root names the URL and the log key, so it refuses first).
    let out = cli("https://elsewhere.test");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("trust root") && stderr.contains("https://elsewhere.test"),
        "{stderr}"
    );
}

/// Hardening finding 9: `monitor` ignored the audit-chain head in the checkpoint's extension
/// line, so a server could roll the staff audit chain back (at the same log size, or while the
/// log grew) unnoticed. The head may only grow.
#[test]
fn monitor_refuses_an_audit_chain_that_goes_back() {
    use meldpunt::server::store::staff::AuditEntry;
    let audit = |svc: &TestService, detail: String| {
        svc.app
            .sequencer
            .run_blocking(move |tx| tx.audit(AuditEntry::new("cli", "test.action", detail)))
            .unwrap()
    };

    let svc = TestService::start(0);
    let work = TempDir::new("monitor-audit");
    let state = work.path().join("state");
    // Registering the two recipients and signing the directory made the first records.
    let start = svc.app.store().audit_head().unwrap().unwrap().seq;
    for i in 0..3 {
        audit(&svc, format!("n {i}"));
    }
    grow(&svc, 1);
    let (code, out) = monitor(&svc.url(), &state, &[]);
    assert_eq!(code, 0, "{out}");
    let head = svc.app.store().audit_head().unwrap().unwrap();
    assert_eq!(head.seq, start + 3);
    // Growing is fine, with or without new statements.
    audit(&svc, "n 3".into());
    svc.app.issue_checkpoint_blocking().unwrap();
    let (code, out) = monitor(&svc.url(), &state, &[]);
    assert_eq!(code, 0, "{out}");

    // Checkpoints of the same tree, validly signed, whose audit line goes back.
    let newest = LogClient::new(&svc.url())
        .verified_checkpoint(&parse_key(&LogClient::new(&svc.url()).key().unwrap()).unwrap())
        .unwrap()
        .1;
    let signer = meldpunt::server::log::service::load_note_signer(
        &svc.dir.path().join("keys"),
        &svc.app.settings.public_url,
    )
    .unwrap();
    let other_hash = meldpunt::protocol::b64::encode([9u8; 32]);
    let current = svc.app.store().audit_head().unwrap().unwrap();
    for (what, extensions) in [
        ("an older head", vec![format!("audit 1 {}", head.hash)]),
        (
            "the same seq with another hash",
            vec![format!("audit {} {other_hash}", current.seq)],
        ),
        ("no audit line", vec![]),
    ] {
        let forged = meldpunt::protocol::log::checkpoint::Checkpoint {
            extensions,
            ..newest.clone()
        };
        // Signed by the log key and cosigned by the (development) witness key: only the
        // audit line is wrong.
        let keys = svc.dir.path().join("keys");
        let witness = meldpunt::server::trust::dev_witness(&keys, &signer).unwrap();
        let mut note = forged.sign(&signer).unwrap();
        note.push_str(&witness.cosign(&forged.body(), 1_800_000_000).unwrap());
        note.push('\n');
        let url = canned_server("/api/v1/log/checkpoint", note);
        let dir = work.path().join(what.replace(' ', "-"));
        copy_state(&state, &dir);
        let (code, out) = monitor(&url, &dir, &[]);
        assert_eq!(code, 1, "{what}: {out}");
        assert!(out.contains("audit chain went back"), "{what}: {out}");
    }
}
