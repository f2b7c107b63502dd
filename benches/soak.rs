//! Soak benchmark: does the service's memory stay flat while its data grows?
//!
//! Starts the release `meldpunt serve` as its own process (default settings but proof of work
//! off, so the clients create as much data as they can), registers one national recipient,
//! and runs `SOAK_CLIENTS` reporter threads for `MELDPUNT_SOAK_SECS` seconds (default 600).
//! Each thread loops over a mix: 40 % new submissions (the real client: encryption, receipt
//! check), 20 % messages on one of its own cases, 40 % case reads (status and items, every
//! statement verified). Every `SAMPLE_SECS` it prints the server's resident memory (`VmRSS`
//! from `/proc`), the operations and failures so far, and the data folder's size, as a
//! Markdown table; then peak RSS (`VmHWM`) and the growth after warm-up.
//!
//! A refusal the service is right to give (a case full of messages) is counted apart from
//! failures; any other error is a failure and is printed.
//!
//! Run: `cargo bench --bench soak`; `MELDPUNT_SOAK_SECS=60 cargo bench --bench soak` for a
//! short run; `MELDPUNT_SLED_CACHE_MIB=16` passes another cache size to the server;
//! `MELDPUNT_SOAK_READS_AFTER=300` makes the clients only read from second 300 on.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use meldpunt::clients::reporter::{Draft, ReporterClient};
use meldpunt::protocol::crypto::access_code::AccessCode;

const SOAK_CLIENTS: usize = 4;
const SAMPLE_SECS: u64 = 30;
/// The first samples are warm-up (sled's cache fills); growth is measured after them.
const WARMUP_SECS: u64 = 120;
/// Access codes a client keeps for messages and reads.
const CODES_KEPT: usize = 64;

mod common;

use common::{BenchResult, TempDir, start};

fn dir_bytes(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

#[derive(Default)]
struct Counters {
    submissions: AtomicU64,
    messages: AtomicU64,
    reads: AtomicU64,
    refused: AtomicU64,
    failures: AtomicU64,
}

fn draft(n: u64) -> Draft {
    Draft {
        theme: "exclusion".into(),
        unit: "amsterdam".into(),
        relation: Some("employee".into()),
        national_only: false,
        report: serde_json::json!({
            "what": format!("soak report {n}: {}", "tekst ".repeat(60)),
            "when": "voorjaar 2026",
        }),
    }
}

/// One reporter: a loop over the mix until `stop`; only reads once `reads_only` is set.
fn reporter(
    url: String,
    seed: u64,
    stop: Arc<AtomicBool>,
    reads_only: Arc<AtomicBool>,
    counters: Arc<Counters>,
) {
    let client = ReporterClient::new(&url);
    let mut codes: Vec<AccessCode> = Vec::new();
    let mut step = seed;
    while !stop.load(Ordering::Relaxed) {
        // A fixed pattern of 10 steps per client, shifted by its seed: 4 submit, 2 message, 4 read.
        step += 1;
        let action = match step % 10 {
            0..=3 => 0,
            4 | 5 => 1,
            _ => 2,
        };
        let action = if codes.is_empty() {
            0
        } else if reads_only.load(Ordering::Relaxed) {
            2
        } else {
            action
        };
        let pick = (step as usize / 10) % codes.len().max(1);
        let result = match action {
            0 => client.submit(&draft(step)).map(|s| {
                if codes.len() == CODES_KEPT {
                    codes.remove(0);
                }
                codes.push(s.access_code);
                &counters.submissions
            }),
            1 => client
                .send_message(&codes[pick], "Een aanvulling op mijn melding.")
                .map(|_| &counters.messages),
            _ => client.case(&codes[pick]).map(|_| &counters.reads),
        };
        match result {
            Ok(counter) => {
                counter.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) if matches!(e.api_code(), Some("case_full" | "too_large")) => {
                codes.remove(pick);
                counters.refused.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                if counters.failures.fetch_add(1, Ordering::Relaxed) < 10 {
                    eprintln!("failure: {e}");
                }
            }
        }
    }
}

fn main() -> BenchResult<()> {
    let secs: u64 = match std::env::var("MELDPUNT_SOAK_SECS") {
        Ok(v) => v.parse()?,
        Err(_) => 600,
    };
    let dir = TempDir(std::env::temp_dir().join(format!("meldpunt-soak-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0)?;
    common::register_national_recipient(&dir.0)?;
    // Settings of the server: the defaults, proof of work off, and a cache size if given.
    let cache = std::env::var("MELDPUNT_SLED_CACHE_MIB").unwrap_or_else(|_| "64".into());
    let settings = [
        ("MELDPUNT_POW_BITS", "0"),
        ("MELDPUNT_SLED_CACHE_MIB", cache.as_str()),
    ];
    let server = start(&dir.0, &settings)?;
    let url = server.url();
    println!("# meldpunt soak benchmark\n");
    println!(
        "{SOAK_CLIENTS} reporter threads for {secs} s against `meldpunt serve` (release, default \
         settings, proof of work off, sled cache {cache} MiB); a sample every {SAMPLE_SECS} s\n"
    );
    // `MELDPUNT_SOAK_READS_AFTER=S`: from second S on the clients only read, so growth that
    // follows the data written can be told from growth that follows the requests served.
    let reads_after: Option<u64> = match std::env::var("MELDPUNT_SOAK_READS_AFTER") {
        Ok(v) => Some(v.parse()?),
        Err(_) => None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let reads_only = Arc::new(AtomicBool::new(false));
    let counters = Arc::new(Counters::default());
    let threads: Vec<_> = (0..SOAK_CLIENTS)
        .map(|i| {
            let (url, stop, counters) = (url.clone(), stop.clone(), counters.clone());
            let reads_only = reads_only.clone();
            std::thread::spawn(move || reporter(url, i as u64 * 3, stop, reads_only, counters))
        })
        .collect();
    println!(
        "| time s | server RSS MiB | submissions | messages | reads | refused | failures | \
         requests/s (since last) | data MiB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let started = Instant::now();
    let mut samples: Vec<(u64, f64)> = Vec::new();
    let mut last_ops = 0u64;
    let total = |c: &Counters| {
        c.submissions.load(Ordering::Relaxed)
            + c.messages.load(Ordering::Relaxed)
            + c.reads.load(Ordering::Relaxed)
    };
    let mut at = 0;
    while at < secs {
        let next = (at + SAMPLE_SECS).min(secs);
        std::thread::sleep(Duration::from_secs(next).saturating_sub(started.elapsed()));
        at = next;
        if reads_after.is_some_and(|after| at >= after) {
            reads_only.store(true, Ordering::Relaxed);
        }
        let rss = server.memory("VmRSS:");
        let ops = total(&counters);
        samples.push((at, rss));
        println!(
            "| {at} | {rss:.0} | {} | {} | {} | {} | {} | {:.0} | {:.0} |",
            counters.submissions.load(Ordering::Relaxed),
            counters.messages.load(Ordering::Relaxed),
            counters.reads.load(Ordering::Relaxed),
            counters.refused.load(Ordering::Relaxed),
            counters.failures.load(Ordering::Relaxed),
            (ops - last_ops) as f64 / SAMPLE_SECS as f64,
            dir_bytes(&dir.0.join("data")) as f64 / (1024.0 * 1024.0),
        );
        last_ops = ops;
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().map_err(|_| "a reporter thread panicked")?;
    }
    let peak = server.memory("VmHWM:");
    // Is the growth held by this process, or by the data? A restart on the same data tells:
    // what a fresh process holds once sled has opened it.
    let data_mib = dir_bytes(&dir.0.join("data")) as f64 / (1024.0 * 1024.0);
    drop(server);
    let restarted = start(&dir.0, &settings)?;
    std::thread::sleep(Duration::from_secs(5));
    let reopened = restarted.memory("VmRSS:");
    let check = ReporterClient::new(&restarted.url());
    for n in 0..200 {
        check.submit(&draft(n))?;
    }
    let reopened_busy = restarted.memory("VmRSS:");
    let after_warmup: Vec<f64> = samples
        .iter()
        .filter(|(t, _)| *t >= WARMUP_SECS)
        .map(|(_, rss)| *rss)
        .collect();
    println!("\n- peak RSS (VmHWM): {peak:.0} MiB (goal < 200 MiB)");
    if let (Some(first), Some(last)) = (after_warmup.first(), after_warmup.last()) {
        let max = after_warmup.iter().cloned().fold(f64::MIN, f64::max);
        println!(
            "- after {WARMUP_SECS} s of warm-up: {first:.0} → {last:.0} MiB (highest {max:.0}); \
             growth {:.0} MiB",
            last - first
        );
    }
    println!(
        "- restarted on the same data ({data_mib:.0} MiB): {reopened:.0} MiB RSS idle, \
         {reopened_busy:.0} MiB after 200 more submissions"
    );
    println!(
        "- requests: {} in {secs} s, {} failures",
        total(&counters),
        counters.failures.load(Ordering::Relaxed)
    );
    Ok(())
}
