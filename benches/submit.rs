//! Durable-submission benchmark (DESIGN §7): does the sequencer, which writes every queued
//! change in one transaction and one sync, let throughput grow with concurrency up to what
//! the CPU allows, instead of being capped at one request per disk sync?
//!
//! Measures, in one run on one disk (the system temp dir):
//! 1. the raw sled ceiling: a fresh sled database, one thread doing `insert` of a 2 KiB value
//!    plus `flush()` per operation, i.e. one durable write per disk sync;
//! 2. durable submissions through the real HTTP server, in-process (`RunningServer`, 2 actix
//!    workers), with proof of work off, with 1 client and with 32 concurrent clients. Each client
//!    is a thread with its own `ReporterClient` (keep-alive connection). The client's work
//!    (access code, encryption, fetching and solving the challenge) is done before the timed
//!    section, so the timed section is only `POST /api/v1/reports`: parsing, validation,
//!    signing, and the sequencer's batched transaction and flush;
//! 3. as a diagnostic, the same with `reporting::submit` called directly (no HTTP, no client
//!    cost), 1 and 32 threads, to tell the store path's own limit from the HTTP layer's;
//! 4. the CPU floor: the same request bodies parsed, checked, committed to, signed and hashed
//!    for the log (`floor`), with no store and no HTTP, on 1 thread and on every core.
//!
//! Every receipt is verified (signature, `cmt`, `sub`) after the timed section. Reports
//! throughput, p50/p99 latency, the sequencer's counters (batches, changes, mean batch) and
//! where the CPU went (Linux: `/proc/self`), as a Markdown table, then the goals of the
//! redesign: 32 clients exceed the raw one-writer sled ceiling, reach ≥ 40 % of the CPU floor
//! on every core, and keep p99 under 20 ms; and the server's CPU per submission apart from
//! the benchmark client's.
//!
//! Run: `cargo bench --bench submit`. `MELDPUNT_BENCH_SCALE=0.1` scales every operation count
//! (here 0.1×) for a quick run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use meldpunt::clients::recipient::RecipientKey;
use meldpunt::clients::reporter::{Draft, Prepared, ReporterClient, prepare_submission};
use meldpunt::protocol::crypto::access_code::AccessCode;
use meldpunt::protocol::recipients::Recipient;
use meldpunt::protocol::statements::jws::StatementVerifier;
use meldpunt::protocol::wire::{PowSolution, SubmitRequest};
use meldpunt::server::app::App;
use meldpunt::server::config::Settings;
use meldpunt::server::http::RunningServer;

const RAW_SLED_OPS: usize = 10_000;
const ONE_CLIENT_OPS: usize = 3_000;
const MANY_CLIENTS: usize = 32;
const MANY_CLIENTS_OPS_EACH: usize = 300;
const WARMUP_OPS: usize = 50;
/// Recipients of another unit registered before the last HTTP phase.
const MORE_RECIPIENTS: usize = 500;
const RAW_VALUE_LEN: usize = 2048;
/// Name prefix of the client threads, to tell their CPU time from the server's.
const CLIENT_THREAD: &str = "bench-client-";
/// `utime`/`stime` unit in `/proc/*/stat` (USER_HZ, 100 on every mainstream Linux build).
const CLOCK_TICKS_PER_SEC: f64 = 100.0;

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> BenchResult<TempDir> {
        let suffix =
            meldpunt::protocol::b64::encode(meldpunt::protocol::crypto::random_bytes::<6>());
        let path = std::env::temp_dir().join(format!(
            "meldpunt-bench-{label}-{}-{suffix}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0) {
            eprintln!("could not remove {}: {e}", self.0.display());
        }
    }
}

/// `MELDPUNT_BENCH_SCALE` (default 1), applied to every operation count.
fn scale() -> BenchResult<f64> {
    match std::env::var("MELDPUNT_BENCH_SCALE") {
        Err(_) => Ok(1.0),
        Ok(text) => {
            let s: f64 = text
                .parse()
                .map_err(|_| format!("MELDPUNT_BENCH_SCALE={text:?} is not a number"))?;
            if s.is_finite() && s > 0.0 {
                Ok(s)
            } else {
                Err(format!("MELDPUNT_BENCH_SCALE={text:?} must be above 0").into())
            }
        }
    }
}

fn scaled(n: usize, s: f64) -> usize {
    ((n as f64 * s).round() as usize).max(1)
}

/// One measured row of the table.
struct Row {
    name: String,
    ops: usize,
    wall: Duration,
    /// Per-operation latencies, sorted.
    latencies: Vec<Duration>,
    /// Sequencer batches (one transaction and one sync each) and changes in the timed section.
    flushes: Option<(u64, u64)>,
    /// CPU seconds spent by this process's threads during the timed section (Linux only).
    cpu: Option<Cpu>,
}

#[derive(Default)]
struct Cpu {
    clients: f64,
    server: f64,
    sequencer: f64,
    other: f64,
}

impl Cpu {
    fn total(&self) -> f64 {
        self.clients + self.server + self.sequencer + self.other
    }
}

impl Row {
    fn rate(&self) -> f64 {
        self.ops as f64 / self.wall.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank =
            ((p * self.latencies.len() as f64).ceil() as usize).clamp(1, self.latencies.len());
        self.latencies[rank - 1]
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One thread: `insert` a 2 KiB value and `flush()` (write + fsync), `ops` times.
fn raw_sled(dir: &Path, ops: usize) -> BenchResult<Row> {
    // Same background-flush setting as the service's store.
    let db = sled::Config::new()
        .path(dir.join("raw-sled"))
        .flush_every_ms(Some(1000))
        .open()?;
    let tree = db.open_tree("bench")?;
    let mut value = vec![0u8; RAW_VALUE_LEN];
    let mut latencies = Vec::with_capacity(ops);
    let cpu0 = cpu_snapshot();
    let started = Instant::now();
    for i in 0..ops {
        // Fresh random bytes each time, so nothing can be deduplicated or compressed away.
        for chunk in value.chunks_mut(32) {
            chunk.copy_from_slice(&meldpunt::protocol::crypto::random_bytes::<32>()[..chunk.len()]);
        }
        let t = Instant::now();
        tree.insert((i as u64).to_be_bytes(), value.as_slice())?;
        db.flush()?;
        latencies.push(t.elapsed());
    }
    let wall = started.elapsed();
    let cpu = cpu_between(cpu0.as_ref(), cpu_snapshot().as_ref());
    latencies.sort();
    Ok(Row {
        name: "raw sled: insert 2 KiB + flush, 1 thread".into(),
        ops,
        wall,
        latencies,
        flushes: None,
        cpu,
    })
}

fn bench_draft() -> Draft {
    Draft {
        theme: "exclusion".into(),
        unit: "national".into(),
        relation: Some("employee".into()),
        national_only: false,
        report: serde_json::json!({
            "what": "benchmark report: ".repeat(40),
            "when": "voorjaar 2026",
            "where": "bureau",
            "wants": "investigation",
        }),
    }
}

/// Where the timed submissions go.
#[derive(Clone)]
enum Target {
    /// `POST /api/v1/reports` to the in-process server, one keep-alive connection per client.
    Http(String),
    /// `reporting::submit` called directly (no HTTP), each thread blocking on its own future;
    /// the same validation, signing, transaction and group-committed flush.
    Direct,
    /// The CPU floor: the same request bytes parsed, checked (`reporting::check_request`, the
    /// wrap rule, the item check), committed to, signed and hashed for the log, with no store
    /// and no HTTP. What a submission costs if syncs and storage were free.
    Floor,
}

/// One prepared submission: the request as it will be sent, and the reporter's `cmt`.
struct Ready {
    request: SubmitRequest,
    /// The request body as the client sends it (what the floor parses).
    body: Vec<u8>,
    cmt: [u8; 32],
}

impl Ready {
    fn from(p: Prepared) -> BenchResult<Ready> {
        Ok(Ready {
            body: serde_json::to_vec(&p.request)?,
            request: p.request,
            cmt: p.cmt,
        })
    }
}

/// One client thread's untimed preparation and timed sending.
enum Sender {
    Http(ReporterClient),
    /// The service itself, and a runtime to wait for its future on this thread.
    Direct(Arc<App>, tokio::runtime::Runtime),
    /// The service's pure parts, and the readers the wrap rule checks against.
    Floor(Arc<App>, meldpunt::server::recipients::Readers),
}

impl Sender {
    fn new(app: Arc<App>, target: &Target) -> BenchResult<Sender> {
        Ok(match target {
            Target::Http(url) => Sender::Http(ReporterClient::new(url)),
            Target::Direct => {
                Sender::Direct(app, tokio::runtime::Builder::new_current_thread().build()?)
            }
            Target::Floor => {
                let readers = meldpunt::server::recipients::readers(app.store())?;
                Sender::Floor(app, readers)
            }
        })
    }

    /// Everything the reporter does before sending: access code, encryption, proof of work.
    fn prepare(&self, n: usize) -> BenchResult<Vec<Ready>> {
        let draft = bench_draft();
        let directory = match self {
            Sender::Http(client) => client.directory()?,
            Sender::Direct(app, _) | Sender::Floor(app, _) => local_directory(app)?,
        };
        (0..n)
            .map(|_| {
                let pow = match self {
                    Sender::Http(client) => client.solve_pow()?,
                    Sender::Direct(app, _) | Sender::Floor(app, _) => {
                        let challenge = app.pow.issue(meldpunt::protocol::time::now());
                        let raw = meldpunt::protocol::b64::decode(&challenge.challenge)
                            .ok_or("the challenge is not b64u")?;
                        PowSolution {
                            nonce: meldpunt::protocol::pow::solve(&raw, challenge.bits),
                            challenge: challenge.challenge,
                        }
                    }
                };
                let code = AccessCode::generate();
                Ready::from(prepare_submission(&directory, &draft, &code, pow)?)
            })
            .collect()
    }

    /// Sends one submission and returns its receipt.
    fn send(&self, ready: &Ready) -> BenchResult<String> {
        match self {
            Sender::Http(client) => Ok(client.post_submission(&ready.request)?.receipt),
            Sender::Direct(app, runtime) => {
                // `submit` takes the request by value; the copy costs about a microsecond.
                let request = ready.request.clone();
                Ok(runtime
                    .block_on(meldpunt::server::reporting::submit(app, request))?
                    .receipt)
            }
            Sender::Floor(app, readers) => floor(app, readers, &ready.body),
        }
    }

    /// Sends the prepared submissions one after another; each one's latency and receipt.
    fn send_all(&self, prepared: &[Ready]) -> BenchResult<Vec<(Duration, String)>> {
        prepared
            .iter()
            .map(|ready| {
                let t = Instant::now();
                let receipt = self.send(ready)?;
                Ok((t.elapsed(), receipt))
            })
            .collect()
    }
}

/// One submission's CPU work without store or HTTP: what `reporting::submit` and its change
/// compute, in the same order, from the request body to the receipt and its log leaf.
/// The published directory as the service holds it (the in-process senders skip HTTP).
fn local_directory(app: &App) -> BenchResult<meldpunt::clients::reporter::TrustedDirectory> {
    let readers = meldpunt::server::recipients::readers(app.store())?;
    let (record, _) = readers.directory.ok_or("no directory was published")?;
    Ok(meldpunt::clients::reporter::TrustedDirectory {
        directory: meldpunt::protocol::trust::verify_directory(&app.trust.root, &record.document)?,
        suspended: readers.suspended,
    })
}

fn floor(
    app: &App,
    readers: &meldpunt::server::recipients::Readers,
    body: &[u8],
) -> BenchResult<String> {
    use meldpunt::protocol::statements::StatementPayload;
    use meldpunt::protocol::statements::jws::{TYP_RECEIPT, chain_hash, sign_statement};
    let request: SubmitRequest = serde_json::from_slice(body)?;
    let now = meldpunt::protocol::time::now();
    let checked = meldpunt::server::reporting::check_request(app, &request, now)?;
    let expected = meldpunt::server::recipients::submission_wraps(
        readers,
        &request.unit,
        request.national_only,
    )?;
    meldpunt::server::recipients::check(&request.wraps, &expected)?;
    for item in &request.items {
        meldpunt::server::cases::check_item(item, item.kind)?;
    }
    let payload = StatementPayload::receipt(
        app.settings.public_url.clone(),
        meldpunt::server::reporting::new_case_ref(),
        meldpunt::protocol::time::hour_floor(now),
        request.binding,
        checked.cmt,
        0,
    );
    let jws = sign_statement(&app.receipt_keys.current, TYP_RECEIPT, &payload);
    std::hint::black_box(chain_hash(&jws));
    std::hint::black_box(meldpunt::protocol::log::proof::leaf_hash(jws.as_bytes()));
    Ok(jws)
}

/// A receipt counts only if its signature verifies and it commits to what was sent.
fn check_receipt(verifier: &StatementVerifier, receipt: &str, ready: &Ready) -> BenchResult<()> {
    let payload = verifier.verify(receipt)?.payload;
    if payload.cmt() != Some(&ready.cmt) || payload.sub() != Some(&ready.request.binding) {
        return Err("a receipt does not commit to the submission it answers".into());
    }
    Ok(())
}

/// `(name, utime + stime in clock ticks)` from a `/proc/.../stat` line.
fn parse_stat(stat: &str) -> Option<(String, u64)> {
    // `pid (comm) state ...`: comm may hold spaces, so split at the last ')'.
    let (open, close) = (stat.find('(')?, stat.rfind(')')?);
    let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    // After comm comes field 3 of stat(5), state; utime is field 14, stime 15.
    let ticks = |i: usize| fields.get(i - 3)?.parse::<u64>().ok();
    Some((stat[open + 1..close].to_owned(), ticks(14)? + ticks(15)?))
}

/// CPU time (user + system, clock ticks) of the whole process, which includes threads that
/// have ended, and of every live thread by id, with its name. Linux only.
struct CpuSnapshot {
    process: u64,
    threads: BTreeMap<u64, (String, u64)>,
}

fn cpu_snapshot() -> Option<CpuSnapshot> {
    let (_, process) = parse_stat(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
    let mut threads = BTreeMap::new();
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let Ok(tid) = task.file_name().to_string_lossy().parse::<u64>() else {
            continue;
        };
        // A thread may end between listing and reading; it is simply left out.
        if let Some(entry) = std::fs::read_to_string(task.path().join("stat"))
            .ok()
            .and_then(|stat| parse_stat(&stat))
        {
            threads.insert(tid, entry);
        }
    }
    Some(CpuSnapshot { process, threads })
}

/// CPU seconds spent between two snapshots: by the client threads, the HTTP server's threads,
/// the sequencer thread, and the rest (sled's I/O threads, which come and go, the
/// server's system thread, main), the rest being the process total minus the named groups.
fn cpu_between(before: Option<&CpuSnapshot>, after: Option<&CpuSnapshot>) -> Option<Cpu> {
    let (before, after) = (before?, after?);
    let secs = |ticks: u64| ticks as f64 / CLOCK_TICKS_PER_SEC;
    let mut cpu = Cpu::default();
    for (tid, (name, ticks)) in &after.threads {
        let earlier = before.threads.get(tid).map_or(0, |(_, t)| *t);
        let spent = secs(ticks.saturating_sub(earlier));
        if name.starts_with(CLIENT_THREAD) {
            cpu.clients += spent;
        } else if name.starts_with("actix") {
            cpu.server += spent;
        } else if name.starts_with("meldpunt-seq") {
            // Linux keeps 15 bytes of a thread name: "meldpunt-sequen".
            cpu.sequencer += spent;
        }
    }
    let total = secs(after.process.saturating_sub(before.process));
    cpu.other = (total - cpu.clients - cpu.server - cpu.sequencer).max(0.0);
    Some(cpu)
}

/// `clients` threads each send `each` durable submissions at once; only the sending is timed.
fn phase(
    app: &Arc<App>,
    target: &Target,
    name: &str,
    clients: usize,
    each: usize,
) -> BenchResult<Row> {
    // Four meeting points: all prepared; go (after the clock started); all sent; may verify.
    let barrier = Arc::new(Barrier::new(clients + 1));
    let workers = (0..clients)
        .map(|i| {
            let barrier = barrier.clone();
            let (app, target) = (app.clone(), target.clone());
            std::thread::Builder::new()
                .name(format!("{CLIENT_THREAD}{i}"))
                .spawn(move || -> BenchResult<Vec<Duration>> {
                    let verifier = app.receipt_keys.verifier();
                    // On failure still meet every barrier, so the others are not stuck.
                    let ready = Sender::new(app, &target)
                        .and_then(|sender| Ok((sender.prepare(each)?, sender)));
                    barrier.wait();
                    barrier.wait();
                    let sent = match &ready {
                        Ok((prepared, sender)) => sender.send_all(prepared),
                        Err(e) => Err(e.to_string().into()),
                    };
                    barrier.wait();
                    barrier.wait();
                    let ((prepared, _), sent) = (ready?, sent?);
                    // Outside the timed section: every receipt must be a real one.
                    for (ready, (_, receipt)) in prepared.iter().zip(&sent) {
                        check_receipt(&verifier, receipt, ready)?;
                    }
                    Ok(sent.into_iter().map(|(latency, _)| latency).collect())
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let stats = app.sequencer.stats();
    let counters = || {
        (
            stats.batches.load(Ordering::Relaxed),
            stats.changes.load(Ordering::Relaxed),
        )
    };
    barrier.wait();
    let (flushes0, waiters0) = counters();
    let cpu0 = cpu_snapshot();
    let started = Instant::now();
    barrier.wait();
    barrier.wait();
    let wall = started.elapsed();
    let (flushes1, waiters1) = counters();
    let cpu = cpu_between(cpu0.as_ref(), cpu_snapshot().as_ref());
    barrier.wait();
    let mut latencies = Vec::with_capacity(clients * each);
    for w in workers {
        let own = w.join().map_err(|_| "a client thread panicked")??;
        latencies.extend(own);
    }
    latencies.sort();
    Ok(Row {
        name: name.to_owned(),
        ops: clients * each,
        wall,
        latencies,
        flushes: Some((flushes1 - flushes0, waiters1 - waiters0)),
        cpu,
    })
}

fn settings(dir: &Path) -> Settings {
    let mut s = Settings::defaults();
    s.data = dir.join("data");
    s.keys = dir.join("keys");
    s.public_url = "https://meldpunt.bench".into();
    s.pow_bits = 0;
    s
}

fn print_table(rows: &[Row], cores: usize) {
    println!(
        "| measurement | ops | wall s | ops/s | p50 ms | p99 ms | batches | changes | mean batch \
         | CPU busy | CPU ms/op: callers / HTTP server / sequencer / sled & rest |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    let dash = || "–".to_owned();
    for r in rows {
        let (flushes, waiters, batch) = match r.flushes {
            None => (dash(), dash(), dash()),
            Some((f, w)) => (
                f.to_string(),
                w.to_string(),
                if f == 0 {
                    dash()
                } else {
                    format!("{:.1}", w as f64 / f as f64)
                },
            ),
        };
        let (busy, split) = match &r.cpu {
            None => (dash(), dash()),
            Some(c) => {
                let per_op = |secs: f64| secs * 1000.0 / r.ops as f64;
                (
                    format!(
                        "{:.0} %",
                        100.0 * c.total() / (r.wall.as_secs_f64() * cores.max(1) as f64)
                    ),
                    format!(
                        "{:.2} / {:.2} / {:.2} / {:.2}",
                        per_op(c.clients),
                        per_op(c.server),
                        per_op(c.sequencer),
                        per_op(c.other)
                    ),
                )
            }
        };
        println!(
            "| {} | {} | {:.2} | {:.0} | {:.2} | {:.2} | {flushes} | {waiters} | {batch} | {busy} \
             | {split} |",
            r.name,
            r.ops,
            r.wall.as_secs_f64(),
            r.rate(),
            ms(r.percentile(0.50)),
            ms(r.percentile(0.99)),
        );
    }
}

fn main() -> BenchResult<()> {
    let s = scale()?;
    let dir = TempDir::new("submit")?;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("# meldpunt durable-submission benchmark\n");
    println!(
        "folder {} · {cores} cores · scale {s} · server: in-process, 2 actix workers, pow off\n",
        dir.path().display()
    );

    let raw = raw_sled(dir.path(), scaled(RAW_SLED_OPS, s))?;

    let app = Arc::new(App::open(settings(dir.path()))?);
    let national = RecipientKey::generate();
    let recipient = Recipient {
        kid: national.kid.clone(),
        public_key: national.public_key,
        unit: "national".into(),
    };
    app.sequencer
        .run_blocking(move |tx| meldpunt::server::recipients::register(tx, recipient, "bench"))?;
    meldpunt::server::directory::publish_as_development_officers(&app)?;
    let server = RunningServer::start(app.clone())?;

    let http = Target::Http(server.url());
    let many_each = scaled(MANY_CLIENTS_OPS_EACH, s);
    // Warm-up: first writes create sled's segments; not reported.
    phase(&app, &http, "warm-up", 1, WARMUP_OPS)?;
    let one = phase(
        &app,
        &http,
        "HTTP submit, 1 client",
        1,
        scaled(ONE_CLIENT_OPS, s),
    )?;
    let many_name = format!("HTTP submit, {MANY_CLIENTS} clients");
    let many = phase(&app, &http, &many_name, MANY_CLIENTS, many_each)?;
    // Diagnostic: the same service call without HTTP, to tell the store's limit from the rest.
    let direct_one = phase(
        &app,
        &Target::Direct,
        "diagnostic: `reporting::submit` without HTTP, 1 thread",
        1,
        scaled(ONE_CLIENT_OPS, s),
    )?;
    let direct_many = phase(
        &app,
        &Target::Direct,
        &format!("diagnostic: `reporting::submit` without HTTP, {MANY_CLIENTS} threads"),
        MANY_CLIENTS,
        many_each,
    )?;
    // A directory the size of a real force's: more recipients, of another unit, which every
    // submission's wrap rule still has to look through.
    for _ in 0..MORE_RECIPIENTS {
        let key = RecipientKey::generate();
        let recipient = Recipient {
            kid: key.kid.clone(),
            public_key: key.public_key,
            unit: "rotterdam".into(),
        };
        app.sequencer.run_blocking(move |tx| {
            meldpunt::server::recipients::register(tx, recipient, "bench")
        })?;
    }
    meldpunt::server::directory::publish_as_development_officers(&app)?;
    let crowded = phase(
        &app,
        &http,
        &format!("HTTP submit, {MANY_CLIENTS} clients, {MORE_RECIPIENTS} more recipients"),
        MANY_CLIENTS,
        many_each,
    )?;
    server.stop();
    // The CPU floor, on one thread and on every core: no HTTP, no store, no sync.
    let floor_one = phase(
        &app,
        &Target::Floor,
        "CPU floor: parse, checks, commitment, signing, log hashes; 1 thread",
        1,
        scaled(ONE_CLIENT_OPS, s),
    )?;
    let floor_all = phase(
        &app,
        &Target::Floor,
        &format!("CPU floor, {cores} threads"),
        cores.max(1),
        scaled(ONE_CLIENT_OPS, s),
    )?;

    let of_ceiling = many.rate() / raw.rate();
    let of_floor = many.rate() / floor_all.rate();
    let p99 = ms(many.percentile(0.99));
    let server_cpu = many.cpu.as_ref().map(|c| {
        let per_op = |secs: f64| secs * 1000.0 / many.ops as f64;
        (per_op(c.total() - c.clients), per_op(c.clients))
    });
    let floor_cpu = floor_all
        .cpu
        .as_ref()
        .map(|c| c.total() * 1000.0 / floor_all.ops as f64);
    print_table(
        &[
            raw,
            one,
            many,
            direct_one,
            direct_many,
            crowded,
            floor_one,
            floor_all,
        ],
        cores,
    );
    println!(
        "\nCPU busy: process CPU time / (wall × {cores} cores). Callers are the client threads; \
         in the diagnostic and floor rows they run the service code themselves. \
         \"sequencer\" is the thread that writes and flushes each batch.\n"
    );
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    println!(
        "- {MANY_CLIENTS} clients vs raw sled ceiling: {:.0} % (goal > 100 %): {}",
        of_ceiling * 100.0,
        verdict(of_ceiling > 1.0)
    );
    println!(
        "- {MANY_CLIENTS} clients vs CPU floor on {cores} cores: {:.0} % (goal ≥ 40 %): {}",
        of_floor * 100.0,
        verdict(of_floor >= 0.4)
    );
    println!(
        "- {MANY_CLIENTS} clients p99: {p99:.2} ms (goal < 20 ms): {}",
        verdict(p99 < 20.0)
    );
    if let (Some((server, client)), Some(floor)) = (server_cpu, floor_cpu) {
        println!(
            "- CPU per submission at {MANY_CLIENTS} clients: server {server:.3} ms, benchmark \
             client {client:.3} ms; the floor's {floor:.3} ms"
        );
    }
    Ok(())
}
