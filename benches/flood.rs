//! Flood benchmark (hardening issue): while 64 clients flood the real service, does a real
//! reporter's submission and case read still succeed, how fast, and how much memory does the
//! server take?
//!
//! The real binary (`meldpunt serve`, release build) runs as a child process on loopback with a
//! fresh data folder, proof of work at the default 16 bits, one national recipient added with
//! `meldpunt recipient add`, and one enrolled staff user. In one run:
//!
//! 1. *Idle*: the real reporter alone, `REPORTER_ROUNDS` times: fetch the config and a
//!    challenge and solve it (not timed: that is the reporter's own device), then the timed
//!    `POST /api/v1/reports`, then the timed case read (`GET /api/v1/reporter/case` and every
//!    page of `GET /api/v1/reporter/items`), both through the Rust reporter client.
//! 2. *Flood*: 64 client threads for `MELDPUNT_BENCH_SECS` (default 30) seconds, 16 of each:
//!    - junk submissions: a full-size (about 350 KB) well-formed submission whose proof of work
//!      is made up, as fast as the server answers;
//!    - a message flood on one case (the attacker's own, submitted with real work): messages
//!      without work (after the four free ones: `429 pow_required`), every tenth message paid
//!      with a solved challenge until the case is full, and a read of the case after every
//!      tenth message;
//!    - sign-in floods: made-up names and the real staff name with wrong TOTP codes;
//!    - slow bodies: a submission's headers, then one byte a second; a connection the server
//!      cuts off is opened again at once.
//!
//!    Meanwhile the real reporter does the same as in 1, again `REPORTER_ROUNDS` times.
//!
//! Reported: p50/p99 of the reporter's submission and case read, idle and under flood (the
//! goal: p99 under 2 s); whether every one succeeded; the server's peak RSS (`VmHWM`, the
//! goal: under 300 MB) and its RSS after the idle phase; the flood's answers per kind.
//!
//! Run: `cargo bench --bench flood`.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use meldpunt::clients::reporter::{Draft, ReporterClient, prepare_submission, seal_message};
use meldpunt::clients::staff::StaffClient;
use meldpunt::protocol::crypto::access_code::AccessCode;
use meldpunt::protocol::wire::PowSolution;

const FLOODERS_PER_KIND: usize = 16;
const REPORTER_ROUNDS: usize = 30;
const STAFF_NAME: &str = "intake-bench";
const STAFF_PASSWORD: &str = "een lang wachtwoord voor de benchmark";

mod common;

use common::{BenchResult, TempDir, cli, start};

fn draft(text: &str) -> Draft {
    Draft {
        theme: "exclusion".into(),
        unit: "amsterdam".into(),
        relation: Some("employee".into()),
        national_only: false,
        report: serde_json::json!({ "what": text }),
    }
}

/// One round of the real reporter: (submission seconds, case read seconds, proof-of-work bits,
/// solving seconds), or what failed.
fn reporter_round(client: &ReporterClient) -> BenchResult<(f64, f64, u8, f64)> {
    let directory = client.directory()?;
    let code = AccessCode::generate();
    let t = Instant::now();
    let pow = client.solve_pow()?;
    let solving = t.elapsed().as_secs_f64();
    let bits = meldpunt::protocol::b64::decode(&pow.challenge).map_or(0, |raw| raw[0]);
    let prepared = prepare_submission(&directory, &draft("echte melding"), &code, pow)?;
    let t = Instant::now();
    let response = client.post_submission(&prepared.request)?;
    let submit = t.elapsed().as_secs_f64();
    client.check_receipt(&response.receipt, &prepared)?;
    let t = Instant::now();
    client.raw_case(&code)?;
    client.all_items(&code)?;
    Ok((submit, t.elapsed().as_secs_f64(), bits, solving))
}

#[derive(Default)]
struct Latencies {
    submit: Vec<f64>,
    read: Vec<f64>,
    bits: Vec<u8>,
    solving: Vec<f64>,
    failures: Vec<String>,
}

fn run_reporter(url: &str, rounds: usize, pause: Duration) -> Latencies {
    let client = ReporterClient::new(url);
    let mut out = Latencies::default();
    for _ in 0..rounds {
        match reporter_round(&client) {
            Ok((s, r, bits, solving)) => {
                out.submit.push(s);
                out.read.push(r);
                out.bits.push(bits);
                out.solving.push(solving);
            }
            Err(e) => out.failures.push(e.to_string()),
        }
        std::thread::sleep(pause);
    }
    out
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Answers per flood kind and status.
#[derive(Default)]
struct Tally(Mutex<BTreeMap<(&'static str, String), u64>>);

impl Tally {
    fn add(&self, kind: &'static str, outcome: impl Into<String>) {
        *self
            .0
            .lock()
            .unwrap()
            .entry((kind, outcome.into()))
            .or_default() += 1;
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .new_agent()
}

fn status_of(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> String {
    match result {
        Ok(mut r) => {
            let _ = r.body_mut().read_to_vec();
            r.status().as_u16().to_string()
        }
        Err(e) => format!("error: {e}"),
    }
}

fn junk_flood(url: &str, body: &str, stop: &AtomicBool, tally: &Tally) {
    let agent = agent();
    while !stop.load(Ordering::Relaxed) {
        let sent = agent
            .post(format!("{url}/api/v1/reports"))
            .header("Content-Type", "application/json")
            .send(body);
        tally.add("junk submission", status_of(sent));
    }
}

fn message_flood(url: &str, code: &AccessCode, stop: &AtomicBool, tally: &Tally) {
    let client = ReporterClient::new(url);
    let Ok(view) = client.raw_case(code) else {
        return tally.add("message flood", "setup failed");
    };
    let Ok(key) =
        meldpunt::clients::reporter::reporter_thread_key(code, &view.case_id, &view.wraps)
    else {
        return tally.add("message flood", "setup failed");
    };
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let item = seal_message(&key, &view.case_id, "spam spam spam").expect("seal");
        let pow: Option<PowSolution> = n
            .is_multiple_of(10)
            .then(|| client.solve_pow().ok())
            .flatten();
        let outcome = match client.post_item_with(code, &item, pow.as_ref()) {
            Ok(_) => "201".to_owned(),
            Err(e) => e.api_code().unwrap_or("transport").to_owned(),
        };
        tally.add("message flood", outcome);
        if n.is_multiple_of(10) {
            let read = client.raw_case(code).and_then(|_| client.all_items(code));
            tally.add(
                "case read (flooded case)",
                if read.is_ok() { "ok" } else { "failed" },
            );
        }
    }
}

fn login_flood(url: &str, i: usize, stop: &AtomicBool, tally: &Tally) {
    let agent = agent();
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let name = if n.is_multiple_of(2) {
            STAFF_NAME.to_owned()
        } else {
            format!("stranger-{i}-{n}")
        };
        let body = serde_json::json!({
            "name": name,
            "auth_hash": meldpunt::protocol::b64::encode(meldpunt::protocol::crypto::random_bytes::<32>()),
            "totp_code": format!("{:06}", n % 1_000_000),
        });
        let sent = agent
            .post(format!("{url}/api/v1/staff/login"))
            .send_json(&body);
        tally.add("sign-in flood", status_of(sent));
    }
}

fn slow_flood(addr: SocketAddr, stop: &AtomicBool, tally: &Tally) {
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut stream) = TcpStream::connect(addr) else {
            tally.add("slow body", "connect failed");
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(1000)));
        let head = "POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                    Content-Length: 700000\r\n\r\n{";
        if stream.write_all(head.as_bytes()).is_err() {
            continue;
        }
        let mut buf = [0u8; 256];
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            match stream.read(&mut buf) {
                Ok(_) => {
                    tally.add("slow body", "cut off");
                    break;
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => {
                    tally.add("slow body", "cut off");
                    break;
                }
            }
            if stream.write_all(b" ").is_err() {
                tally.add("slow body", "cut off");
                break;
            }
        }
    }
}

fn main() -> BenchResult<()> {
    let secs: u64 = std::env::var("MELDPUNT_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let dir = TempDir(std::env::temp_dir().join(format!(
        "meldpunt-bench-flood-{}-{}",
        std::process::id(),
        meldpunt::protocol::b64::encode(meldpunt::protocol::crypto::random_bytes::<6>())
    )));
    std::fs::create_dir_all(&dir.0)?;
    common::register_national_recipient(&dir.0)?;
    let invite = cli(
        &dir.0,
        &[
            "user", "invite", "--name", STAFF_NAME, "--role", "intake", "--unit", "national",
        ],
    )?;
    let token = invite
        .split('#')
        .nth(1)
        .ok_or("no enrolment link")?
        .trim()
        .to_owned();
    let server = start(
        &dir.0,
        &[
            ("MELDPUNT_STAFF_KDF_ITERATIONS", "1000"),
            ("MELDPUNT_STAFF_COOKIE_SECURE", "false"),
        ],
    )?;
    let url = server.url();
    let enrolled = StaffClient::new(&url).enrol(
        &token,
        STAFF_PASSWORD,
        None,
        meldpunt::protocol::time::now(),
    )?;

    eprintln!("idle: {REPORTER_ROUNDS} reporter rounds");
    let idle = run_reporter(&url, REPORTER_ROUNDS, Duration::ZERO);
    let idle_rss = server.memory("VmRSS:");

    // The attacker's own case for the message flood, and a full-size junk submission.
    let attacker = ReporterClient::new(&url);
    let flooded = attacker.submit(&draft("aanvaller"))?;
    let mut junk = prepare_submission(
        &attacker.directory()?,
        &Draft {
            report: serde_json::json!({ "what": "x".repeat(250 * 1024) }),
            ..draft("")
        },
        &AccessCode::generate(),
        PowSolution {
            challenge: meldpunt::protocol::b64::encode(meldpunt::protocol::crypto::random_bytes::<
                40,
            >()),
            nonce: 1,
        },
    )?
    .request;
    junk.case_id = meldpunt::protocol::crypto::random_bytes::<16>();
    let junk_body = serde_json::to_string(&junk)?;

    eprintln!("flood: 64 clients for {secs} s, the reporter alongside");
    let stop = AtomicBool::new(false);
    let tally = Tally::default();
    let peak_sampled = AtomicU64::new(0);
    let staff_login = Mutex::new(None);
    let flood = std::thread::scope(|scope| {
        let (url, body, code, stop, tally) =
            (&url, &junk_body, &flooded.access_code, &stop, &tally);
        for i in 0..FLOODERS_PER_KIND {
            scope.spawn(move || junk_flood(url, body, stop, tally));
            scope.spawn(move || message_flood(url, code, stop, tally));
            scope.spawn(move || login_flood(url, i, stop, tally));
            let addr = server.addr;
            scope.spawn(move || slow_flood(addr, stop, tally));
        }
        let sampler = scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let rss = server.memory("VmRSS:");
                if rss.is_finite() {
                    peak_sampled.fetch_max(rss as u64, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        // Let the flood build up, then run the reporter through the rest of it.
        std::thread::sleep(Duration::from_secs(2));
        let started = Instant::now();
        let pause = Duration::from_secs_f64(
            (secs.saturating_sub(4) as f64 / REPORTER_ROUNDS as f64).max(0.0) * 0.5,
        );
        let measured = run_reporter(url, REPORTER_ROUNDS, pause);
        // The real staff member signs in from the device they enrolled on, while strangers
        // flood the same name (the enrolment spent this step's code: the next one).
        let mut staff = StaffClient::new(url);
        staff.device_token = Some(enrolled.response.device_token.clone());
        let code = meldpunt::protocol::totp::code_at(
            &enrolled.totp_secret,
            meldpunt::protocol::time::now() + meldpunt::protocol::totp::STEP_SECS,
        );
        let t = Instant::now();
        let signed_in = staff.login(STAFF_NAME, STAFF_PASSWORD, &code).map(|_| ());
        *staff_login.lock().unwrap() = Some((signed_in.map_err(|e| e.to_string()), t.elapsed()));
        let left = Duration::from_secs(secs.saturating_sub(2)).saturating_sub(started.elapsed());
        std::thread::sleep(left);
        stop.store(true, Ordering::Relaxed);
        let _ = sampler.join();
        measured
    });
    let peak = server.memory("VmHWM:");

    println!(
        "\n| reporter | rounds | failed | submission p50 / p99 | case read p50 / p99 | \
         proof of work: bits, solving p50 (not in the latencies) |"
    );
    println!("|---|---:|---:|---|---|---|");
    for (name, l) in [("idle", &idle), ("under flood", &flood)] {
        let (low, high) = (
            l.bits.iter().min().copied().unwrap_or(0),
            l.bits.iter().max().copied().unwrap_or(0),
        );
        println!(
            "| {name} | {} | {} | {:.0} ms / {:.0} ms | {:.0} ms / {:.0} ms | {low}–{high} bits, {:.0} ms |",
            l.submit.len() + l.failures.len(),
            l.failures.len(),
            percentile(&l.submit, 0.5) * 1000.0,
            percentile(&l.submit, 0.99) * 1000.0,
            percentile(&l.read, 0.5) * 1000.0,
            percentile(&l.read, 0.99) * 1000.0,
            percentile(&l.solving, 0.5) * 1000.0,
        );
    }
    println!(
        "\nserver RSS: {idle_rss:.0} MiB after the idle phase; peak {peak:.0} MiB (VmHWM), \
         highest sample during the flood {} MiB",
        peak_sampled.load(Ordering::Relaxed)
    );
    println!("\n| flood kind | answer | count |\n|---|---|---:|");
    for ((kind, outcome), n) in tally.0.lock().unwrap().iter() {
        println!("| {kind} | {outcome} | {n} |");
    }
    for f in idle.failures.iter().chain(&flood.failures) {
        println!("reporter failure: {f}");
    }
    match staff_login.lock().unwrap().take() {
        Some((Ok(()), took)) => println!(
            "\nthe real staff member signed in from their own device during the sign-in flood \
             in {:.0} ms",
            took.as_secs_f64() * 1000.0
        ),
        Some((Err(e), _)) => println!("\nthe real staff member could NOT sign in: {e}"),
        None => println!("\nthe staff sign-in did not run"),
    }
    let worst = percentile(&flood.submit, 0.99).max(percentile(&flood.read, 0.99));
    println!(
        "\ngoals: legitimate p99 under 2 s: {} ({:.2} s); peak RSS under 300 MB: {} ({peak:.0} MiB); \
         every reporter round succeeded: {}",
        if worst < 2.0 { "met" } else { "NOT met" },
        worst,
        if peak * 1.048_576 < 300.0 {
            "met"
        } else {
            "NOT met"
        },
        if idle.failures.is_empty() && flood.failures.is_empty() {
            "yes"
        } else {
            "NO"
        },
    );
    Ok(())
}
