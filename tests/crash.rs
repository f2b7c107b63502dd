//! Crash safety (DESIGN §7, G5): an acknowledged submission survives `SIGKILL`.
//!
//! The test starts the real `meldpunt serve` binary, has 8 client threads submit reports in a
//! loop, kills the process with SIGKILL at a random moment after 20–60 receipts were fully
//! received, restarts it on the same folders and checks that every receipt it had handed out,
//! in this round and all earlier ones, resolves with the reporter's access code to its stored
//! case: the case's first statement is that receipt, the receipt's signature verifies, and its
//! `cmt` equals the submission commitment recomputed from the stored items and the reporter's
//! `kc`. The log indices of all receipts are distinct. Four rounds run on one data folder.
//! Finally, with the service stopped, the store itself is checked: every receipt is the log
//! leaf at its index, and the log holds exactly the stored statements (no half-written case
//! after a crash).
//!
//! Why this test can fail: sled keeps recent writes in in-process buffers until a flush writes
//! them to the file. A process killed with SIGKILL loses those buffers (the kernel's page cache
//! survives a process kill, so this test does not exercise `fsync` itself; a power cut would).
//! If the server answered `201` before `Store::sync` resolved (for example by dropping the
//! `sync().await` in `reporting::submit`, or by waking a group-commit waiter before its flush),
//! the receipts acknowledged in the last moments before the kill would still sit in those
//! buffers; sled's own background flush runs only once a second, so with 8 clients submitting
//! continuously several acknowledged receipts would be missing after the restart and
//! `client.case` would answer `401 unauthorized` for them. Tried on a copy of the tree: with
//! the `sync().await` removed the test failed in 8 of 8 runs, mostly in round 1. A narrower
//! race, a flusher that also wakes waiters that queued while its flush ran, survived 3 of 3
//! runs: its window is a fraction of a millisecond, so this test is not the guard for that.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{ServiceProcess, TempDir, draft, free_port};
use meldpunt::clients::ClientError;
use meldpunt::clients::reporter::{Prepared, ReporterClient, prepare_submission};
use meldpunt::protocol::crypto::access_code::AccessCode;
use meldpunt::protocol::crypto::commit::{Filing, submission_commitment_v2};
use meldpunt::protocol::crypto::item::ItemKind;
use meldpunt::server::keys::ReceiptKeys;
use meldpunt::server::store::{SledStore, Store};

const CLIENTS: usize = 8;
const ROUNDS: usize = 4;
/// The kill comes once this many receipts (plus a random 0–40) were received in a round.
const MIN_ACKED_BEFORE_KILL: usize = 20;
/// How long one round may take before the test gives up (the clients are stuck).
const ROUND_LIMIT: Duration = Duration::from_secs(60);

/// A submission whose `201 Created` was fully received, with what the reporter kept.
struct Acked {
    round: usize,
    code: AccessCode,
    prepared: Prepared,
    case_ref: String,
    receipt: String,
}

/// A value in `[0, n)` from the OS random source; enough to vary the moment of the kill.
fn random_below(n: u64) -> u64 {
    u64::from_le_bytes(meldpunt::protocol::crypto::random_bytes::<8>()) % n
}

/// The running binary (`ServiceProcess` kills it on drop if a test fails first).
fn start(dir: &Path, log: &Path) -> ServiceProcess {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .expect("a loopback address");
    ServiceProcess::spawn(dir, addr, log, &[])
}

/// Registers a national recipient through the CLI, as an operator would.
fn register_national_recipient(dir: &Path) {
    common::register_recipient_cli(dir, &dir.join("intake.key"), "national");
}

/// One client thread: submit until `killed` is set. Any failure before the kill is a real
/// failure and is returned; failures after it are what a kill looks like to a client.
/// Returns whether a request of this client was cut off by the kill.
fn submit_until_killed(
    url: &str,
    round: usize,
    killed: &AtomicBool,
    acked_count: &AtomicUsize,
    acked: &Mutex<Vec<Acked>>,
) -> Result<bool, String> {
    let client = ReporterClient::new(url);
    let directory = match client.directory() {
        Ok(directory) => directory,
        Err(_) if killed.load(Ordering::SeqCst) => return Ok(true),
        Err(e) => return Err(format!("directory: {e}")),
    };
    let report = draft("national", "crash test report");
    while !killed.load(Ordering::SeqCst) {
        let attempt = || -> Result<Acked, ClientError> {
            let code = AccessCode::generate();
            let prepared = prepare_submission(&directory, &report, &code, client.solve_pow()?)?;
            let response = client.post_submission(&prepared.request)?;
            Ok(Acked {
                round,
                code,
                prepared,
                case_ref: response.case_ref,
                receipt: response.receipt,
            })
        };
        match attempt() {
            Ok(a) => {
                acked.lock().unwrap_or_else(|p| p.into_inner()).push(a);
                acked_count.fetch_add(1, Ordering::SeqCst);
            }
            // `killed` is set before the signal is sent, so an error caused by the kill is
            // always seen after it is set.
            Err(_) if killed.load(Ordering::SeqCst) => return Ok(true),
            Err(e) => return Err(format!("submission failed before the kill: {e}")),
        }
    }
    Ok(false)
}

/// Runs one round of load against a fresh start of the binary and kills it mid-load; returns
/// the receipts that were fully received.
fn load_and_kill(dir: &Path, log: &Path, round: usize) -> Vec<Acked> {
    let service = start(dir, log);
    let url = service.url();
    let killed = AtomicBool::new(false);
    let acked_count = AtomicUsize::new(0);
    let acked = Mutex::new(Vec::new());
    let kill_after = MIN_ACKED_BEFORE_KILL + random_below(41) as usize;
    let extra_delay = Duration::from_millis(random_below(25));
    let results: Vec<Result<bool, String>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..CLIENTS)
            .map(|_| s.spawn(|| submit_until_killed(&url, round, &killed, &acked_count, &acked)))
            .collect();
        let started = Instant::now();
        while acked_count.load(Ordering::SeqCst) < kill_after
            && workers.iter().any(|w| !w.is_finished())
            && started.elapsed() < ROUND_LIMIT
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        // A little jitter, so the kill does not always land just after a response.
        std::thread::sleep(extra_delay);
        killed.store(true, Ordering::SeqCst);
        service.kill();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err("a client thread panicked".into()))
            })
            .collect()
    });
    let mut interrupted = 0;
    for r in results {
        match r {
            Ok(cut_off) => interrupted += usize::from(cut_off),
            Err(e) => panic!(
                "round {round}: {e}; service log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            ),
        }
    }
    // Otherwise the kill hit an idle server and would prove little.
    assert!(
        interrupted > 0,
        "round {round}: no request was in flight at the kill"
    );
    let acked = acked.into_inner().unwrap_or_else(|p| p.into_inner());
    assert!(
        acked.len() >= kill_after,
        "round {round}: only {} receipts before the time limit, wanted {kill_after}",
        acked.len()
    );
    eprintln!(
        "round {round}: killed after {} receipts (target {kill_after} + {} ms), \
         {interrupted} of {CLIENTS} clients had a request fail at the kill",
        acked.len(),
        extra_delay.as_millis()
    );
    acked
}

/// Checks, against a freshly restarted service, that every receipt resolves to its case.
fn check_all_receipts(client: &ReporterClient, all: &[Acked], after_round: usize) {
    let mut log_indices = HashSet::new();
    for (i, a) in all.iter().enumerate() {
        let at = |what: &str| {
            format!(
                "after the kill of round {after_round}: receipt {i} (round {}, {}): {what}",
                a.round, a.case_ref
            )
        };
        let opened = client
            .case(&a.code)
            .unwrap_or_else(|e| panic!("{}", at(&format!("the case is gone: {e}"))));
        let view = &opened.view;
        assert_eq!(
            view.case_id,
            a.prepared.request.case_id,
            "{}",
            at("case_id")
        );
        assert_eq!(view.case_ref, a.case_ref, "{}", at("case_ref"));
        assert_eq!(
            view.statements.first(),
            Some(&a.receipt),
            "{}",
            at("the stored receipt is not the one handed out")
        );
        // Signature against the service's JWKS, and cmt/sub against what the reporter sent.
        let payload = client
            .check_receipt(&a.receipt, &a.prepared)
            .unwrap_or_else(|e| panic!("{}", at(&format!("receipt: {e}"))));
        assert_eq!(opened.statements[0], payload, "{}", at("chain payload"));
        // The commitment recomputed from what is stored now must be the one signed then.
        assert_eq!(view.report.kind, ItemKind::Report, "{}", at("report item"));
        let report_items = vec![view.report.clone()];
        let request = &a.prepared.request;
        let holders: Vec<&str> = view.submitted_to.iter().map(String::as_str).collect();
        let filing = Filing {
            theme: &view.theme,
            unit: &view.unit,
            relation: view.relation.as_deref(),
            directory: &request.directory,
            holders: &holders,
        };
        let cmt = submission_commitment_v2(&view.case_id, &request.kc, &filing, &report_items);
        assert_eq!(
            payload.cmt(),
            Some(&cmt),
            "{}",
            at("cmt of the stored items differs from the receipt's")
        );
        assert_eq!(
            opened.report,
            draft("national", "crash test report").report,
            "{}",
            at("report text")
        );
        assert!(
            log_indices.insert(payload.log),
            "{}",
            at(&format!("log index {} handed out twice", payload.log))
        );
    }
}

/// With the service stopped: each receipt is the log leaf at its index, and the log holds
/// exactly the stored statements, each at the index it was signed for.
fn check_store(dir: &Path, all: &[Acked]) {
    let keys = ReceiptKeys::load_or_create(&dir.join("keys")).expect("receipt keys");
    let verifier = keys.verifier();
    let store = SledStore::open(&dir.join("data")).expect("the data folder opens");
    let size = store.log_size().expect("log size");
    let leaf_at = |index: u64| {
        store
            .leaf_hashes(index, index + 1)
            .unwrap_or_else(|e| panic!("log leaf {index} of {size}: {e}"))
            .hashes[0]
    };
    for a in all {
        let log = verifier
            .verify(&a.receipt)
            .expect("receipt verifies")
            .payload
            .log;
        assert!(
            log < size,
            "{}: log index {log} beyond log size {size}",
            a.case_ref
        );
        assert_eq!(
            leaf_at(log),
            meldpunt::protocol::log::leaf_hash(a.receipt.as_bytes()),
            "{}: the log leaf at {log} is not its receipt",
            a.case_ref
        );
    }
    let mut by_index = BTreeMap::new();
    for (tree, _, value) in store.dump().expect("dump") {
        if tree == "directory" {
            // A published recipient directory is a leaf too: its document text.
            let record: serde_json::Value =
                serde_json::from_slice(&value).expect("directory records are JSON");
            let log = record["log_index"]
                .as_u64()
                .expect("a directory's log index");
            let document = record["document"]
                .as_str()
                .expect("its document")
                .to_owned();
            assert_eq!(
                leaf_at(log),
                meldpunt::protocol::log::leaf_hash(document.as_bytes()),
                "the log leaf at {log} is not its directory"
            );
            assert!(
                by_index.insert(log, document).is_none(),
                "two leaves at {log}"
            );
            continue;
        }
        if tree != "statements" {
            continue;
        }
        let record: serde_json::Value =
            serde_json::from_slice(&value).expect("statement records are JSON");
        let jws = record["jws"]
            .as_str()
            .expect("a statement's jws")
            .to_owned();
        let log = verifier
            .verify(&jws)
            .expect("stored statement verifies")
            .payload
            .log;
        assert_eq!(
            record["log"].as_u64(),
            Some(log),
            "a statement is stored with the log index it was signed for"
        );
        assert!(
            by_index.insert(log, jws).is_none(),
            "two statements claim log index {log}"
        );
    }
    assert_eq!(
        by_index.len() as u64,
        size,
        "the log has {size} leaves but {} statements and directories are stored",
        by_index.len()
    );
    for (index, jws) in &by_index {
        assert_eq!(
            leaf_at(*index),
            meldpunt::protocol::log::leaf_hash(jws.as_bytes()),
            "log leaf {index} is not the stored statement signed for it"
        );
    }
}

#[test]
fn acknowledged_submissions_survive_sigkill() {
    let started = Instant::now();
    let dir = TempDir::new("crash");
    let log = dir.path().join("service.log");
    register_national_recipient(dir.path());

    let mut all: Vec<Acked> = Vec::new();
    for round in 1..=ROUNDS {
        all.extend(load_and_kill(dir.path(), &log, round));
        let service = start(dir.path(), &log);
        check_all_receipts(&ReporterClient::new(&service.url()), &all, round);
        eprintln!("round {round}: all {} receipts so far resolve", all.len());
        if round == ROUNDS {
            service.terminate();
        } else {
            // The next round starts its own process on the same folders.
            service.kill();
        }
    }
    check_store(dir.path(), &all);
    eprintln!(
        "{} receipts over {ROUNDS} kills checked in {:.1} s",
        all.len(),
        started.elapsed().as_secs_f64()
    );
}
