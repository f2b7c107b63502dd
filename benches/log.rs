//! Benchmark of the transparency log (issue 3, must-show 6): the append rate into a sled tree,
//! and the server-side latency of inclusion and consistency proofs at 1,000,000 leaves, next
//! to the floor of merely hashing a proof path (what any proof check costs).
//!
//! Contract: builds the tree directly with `meldpunt::server::store::log_tree::append` on a sled tree in a
//! temporary folder (removed at the end), in the layout the service uses; measures with
//! `Instant` and prints a plain table. Run with `cargo bench --bench log`; set
//! `MELDPUNT_BENCH_LEAVES` for another size.

use std::time::{Duration, Instant};

use meldpunt::protocol::log::proof::{leaf_hash, verify_inclusion};
use meldpunt::server::store::log_tree::{append, consistency_proof, inclusion_proof, root};
use sled::Transactional;

const SAMPLES: usize = 10_000;

/// xorshift64*: reproducible indices without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// A statement-sized leaf (~600 bytes) that differs per index.
fn leaf(i: u64) -> Vec<u8> {
    let mut leaf = vec![b'x'; 600];
    leaf[..8].copy_from_slice(&i.to_be_bytes());
    leaf
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Prints p50, p99, max and mean of `samples`.
fn report(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let n = samples.len();
    let mean = samples.iter().sum::<Duration>() / n as u32;
    println!(
        "{label:<44} p50 {:>8.1} µs  p99 {:>8.1} µs  max {:>8.1} µs  mean {:>8.1} µs",
        micros(samples[n / 2]),
        micros(samples[n * 99 / 100]),
        micros(samples[n - 1]),
        micros(mean)
    );
}

fn main() {
    let leaves: u64 = std::env::var("MELDPUNT_BENCH_LEAVES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("meldpunt-bench-log-{}", std::process::id()));
    let db = sled::Config::new().path(&dir).open().expect("open sled");
    let nodes = db.open_tree("log_nodes").expect("tree");
    println!(
        "transparency log benchmark: {leaves} leaves of 600 bytes, sled in {}",
        dir.display()
    );

    // Appends as a plain sled tree sees them (no transaction, no fsync).
    let started = Instant::now();
    let mut size = 0;
    for i in 0..leaves {
        size = append(&nodes, size, &leaf(i)).expect("append");
    }
    let took = started.elapsed();
    println!(
        "append, plain tree: {leaves} in {:.2} s = {:.0} appends/s ({:.1} µs each)",
        took.as_secs_f64(),
        leaves as f64 / took.as_secs_f64(),
        micros(took) / leaves as f64
    );
    let started = Instant::now();
    db.flush().expect("flush");
    println!(
        "flush after building: {:.2} s",
        started.elapsed().as_secs_f64()
    );

    // Appends the way the store does them: in a transaction with the size counter.
    let meta = db.open_tree("meta").expect("tree");
    let batch = 10_000u64;
    let started = Instant::now();
    for i in 0..batch {
        (&meta, &nodes)
            .transaction(|(meta, nodes)| {
                let new = append(nodes, size, &leaf(leaves + i))
                    .map_err(|e| e.into_conflictable::<meldpunt::server::log::LogError>())?;
                meta.insert(&b"log_size"[..], &new.to_be_bytes())?;
                Ok(())
            })
            .expect("transaction");
        size += 1;
    }
    let took = started.elapsed();
    println!(
        "append, in a sled transaction with the counter: {batch} in {:.2} s = {:.0}/s ({:.1} µs each)",
        took.as_secs_f64(),
        batch as f64 / took.as_secs_f64(),
        micros(took) / batch as f64
    );
    let size = leaves;

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let indices: Vec<u64> = (0..SAMPLES).map(|_| rng.below(size)).collect();
    let started = Instant::now();
    let top = root(&nodes, size).expect("root");
    println!("root at {size}: {:.1} µs", micros(started.elapsed()));

    let mut proof_times = Vec::with_capacity(SAMPLES);
    let mut hash_times = Vec::with_capacity(SAMPLES);
    let mut path_len = 0;
    for &index in &indices {
        let started = Instant::now();
        let path = inclusion_proof(&nodes, index, size).expect("proof");
        proof_times.push(started.elapsed());
        path_len = path.len();
        let leaf_hash = leaf_hash(&leaf(index));
        let started = Instant::now();
        let ok = verify_inclusion(&leaf_hash, index, size, &path, &top);
        hash_times.push(started.elapsed());
        assert!(ok, "proof of {index} does not verify");
    }
    println!("inclusion proofs at {size} leaves ({path_len} hashes per path, {SAMPLES} random):");
    report("  server: inclusion_proof (sled reads)", proof_times);
    report("  floor: hashing the path (verify_inclusion)", hash_times);

    let mut times = Vec::with_capacity(SAMPLES);
    for &old in &indices {
        let started = Instant::now();
        consistency_proof(&nodes, old.max(1), size).expect("proof");
        times.push(started.elapsed());
    }
    report("  server: consistency_proof to the same size", times);

    // Cold sled cache: reopen the database (the OS page cache stays warm).
    drop((nodes, meta, db));
    let db = sled::Config::new().path(&dir).open().expect("reopen sled");
    let nodes = db.open_tree("log_nodes").expect("tree");
    let mut times = Vec::with_capacity(1000);
    for &index in indices.iter().take(1000) {
        let started = Instant::now();
        inclusion_proof(&nodes, index, size).expect("proof");
        times.push(started.elapsed());
    }
    report("  server, first 1000 after reopening sled", times);
    drop((nodes, db));
    let _ = std::fs::remove_dir_all(&dir);
}
