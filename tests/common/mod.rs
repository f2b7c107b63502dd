//! Test harness: real sled folders under the system temp dir, a real HTTP server on loopback
//! (in-process, or the real binary as a child process), and the protocol's Rust client.
#![allow(dead_code)]

pub mod staff;
pub mod witness;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use meldpunt::clients::recipient::RecipientKey;
use meldpunt::clients::reporter::{Draft, ReporterClient};
use meldpunt::server::app::App;
use meldpunt::server::config::Settings;
use meldpunt::server::http::RunningServer;
use meldpunt::server::store::Recipient;

pub const PUBLIC_URL: &str = "https://meldpunt.test";

/// A fresh folder that is removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let name = format!(
            "meldpunt-{label}-{}-{}",
            std::process::id(),
            meldpunt::protocol::b64::encode(meldpunt::protocol::crypto::random_bytes::<6>())
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("MELDPUNT_KEEP_TEST_DIRS").is_some() {
            eprintln!("kept {}", self.0.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn settings(dir: &Path, pow_bits: u8) -> Settings {
    let mut s = Settings::defaults();
    s.data = dir.join("data");
    s.keys = dir.join("keys");
    s.public_url = PUBLIC_URL.to_owned();
    s.pow_bits = pow_bits;
    s
}

/// How many log leaves a fresh [`TestService`] has before its first statement: the directory
/// version its officers signed.
pub const DIRECTORY_LEAVES: u64 = 1;

/// An in-process service with one national and one Amsterdam recipient, listed in a directory
/// the development officers signed (with a checkpoint that covers it).
pub struct TestService {
    pub dir: TempDir,
    pub app: Arc<App>,
    pub server: Option<RunningServer>,
    pub national: RecipientKey,
    pub amsterdam: RecipientKey,
}

/// Registers `key` as a recipient for `unit`, as `meldpunt recipient add` does, and has the
/// development officers sign the directory that lists it.
pub fn register(app: &App, key: &RecipientKey, unit: &str) {
    register_unsigned(app, key, unit);
    publish_directory(app);
}

/// [`register`] without the officers' signatures: the key is a candidate, no reader yet.
pub fn register_unsigned(app: &App, key: &RecipientKey, unit: &str) {
    let recipient = Recipient {
        kid: key.kid.clone(),
        public_key: key.public_key,
        unit: unit.to_owned(),
    };
    app.sequencer
        .run_blocking(move |tx| meldpunt::server::recipients::register(tx, recipient, "cli"))
        .unwrap();
}

/// Has both development officers (their keys are in the test's keys folder) sign the proposal
/// for the current staff keys, then issues a checkpoint so clients can check it.
pub fn publish_directory(app: &App) {
    meldpunt::server::directory::publish_as_development_officers(app).unwrap();
}

/// The `log` claim of a statement JWS, read without checking the signature (tests read the
/// service's own statements this way).
pub fn statement_log_index(jws: &str) -> Option<u64> {
    let payload = meldpunt::protocol::b64::decode(jws.split('.').nth(1)?)?;
    let value: serde_json::Value = serde_json::from_slice(&payload).ok()?;
    value.get("log")?.as_u64()
}

/// Runs one of the service's async operations from a test thread.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    actix_web::rt::System::new().block_on(future)
}

impl TestService {
    pub fn start(pow_bits: u8) -> TestService {
        Self::start_with(pow_bits, |_| {})
    }

    /// Like `start`, with the settings adjusted by `adjust` first.
    pub fn start_with(pow_bits: u8, adjust: impl FnOnce(&mut Settings)) -> TestService {
        let dir = TempDir::new("svc");
        let mut s = settings(dir.path(), pow_bits);
        adjust(&mut s);
        let app = Arc::new(App::open(s).unwrap());
        let national = RecipientKey::generate();
        let amsterdam = RecipientKey::generate();
        // One directory version lists both: the log starts with that one leaf
        // (`DIRECTORY_LEAVES`), and the audit chain with its proposal and signatures.
        register_unsigned(&app, &national, "national");
        register_unsigned(&app, &amsterdam, "amsterdam");
        publish_directory(&app);
        let server = RunningServer::start(app.clone()).unwrap();
        TestService {
            dir,
            app,
            server: Some(server),
            national,
            amsterdam,
        }
    }

    pub fn url(&self) -> String {
        self.server.as_ref().unwrap().url()
    }

    pub fn client(&self) -> ReporterClient {
        ReporterClient::new(&self.url())
    }
}

pub fn draft(unit: &str, text: &str) -> Draft {
    Draft {
        theme: "exclusion".into(),
        unit: unit.into(),
        relation: Some("employee".into()),
        national_only: false,
        report: serde_json::json!({
            "what": text,
            "when": "voorjaar 2026",
            "where": "bureau",
            "wants": "investigation",
        }),
    }
}

/// Every byte of every file under `dir`.
pub fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The `meldpunt` binary Cargo built for these tests.
pub fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_meldpunt"))
}

/// A free loopback port (racy in principle; fine for tests).
pub fn free_port(ip: &str) -> u16 {
    TcpListener::bind(format!("{ip}:0"))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits up to 30 s until something listens at `addr`; whether it did.
pub fn wait_for(addr: SocketAddr) -> bool {
    let started = Instant::now();
    loop {
        // A connect to a free port of the ephemeral range can connect to itself (TCP
        // simultaneous open, source port = destination port) and look like a listener.
        match TcpStream::connect(addr) {
            Ok(stream) if stream.local_addr().ok() != stream.peer_addr().ok() => return true,
            _ if started.elapsed() > Duration::from_secs(30) => return false,
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// `meldpunt serve` as a child process, its stderr going to `log`.
pub struct ServiceProcess {
    pub child: Child,
    pub addr: SocketAddr,
}

impl ServiceProcess {
    pub fn spawn(dir: &Path, addr: SocketAddr, log: &Path, extra_env: &[(&str, &str)]) -> Self {
        Self::spawn_with(binary(), dir, addr, log, extra_env)
    }

    /// Like `spawn`, with the open-file limit (soft and hard) set to `nofile` first, as a
    /// small VM or a systemd unit might.
    pub fn spawn_with_file_limit(
        nofile: u32,
        dir: &Path,
        addr: SocketAddr,
        log: &Path,
        extra_env: &[(&str, &str)],
    ) -> Self {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("ulimit -n {nofile} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_meldpunt"));
        Self::spawn_with(cmd, dir, addr, log, extra_env)
    }

    fn spawn_with(
        mut cmd: Command,
        dir: &Path,
        addr: SocketAddr,
        log: &Path,
        extra_env: &[(&str, &str)],
    ) -> Self {
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        cmd.arg("serve")
            .env_clear()
            .env("MELDPUNT_BIND", addr.to_string())
            .env("MELDPUNT_DATA", dir.join("data"))
            .env("MELDPUNT_KEYS", dir.join("keys"))
            .env("MELDPUNT_PUBLIC_URL", PUBLIC_URL)
            .env("MELDPUNT_POW_BITS", "0")
            .stdout(Stdio::null())
            .stderr(log_file);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap();
        if !wait_for(addr) {
            panic!(
                "the service did not start; log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        ServiceProcess { child, addr }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGTERM and wait: a graceful stop.
    pub fn terminate(mut self) {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        self.child.wait().unwrap();
    }

    /// SIGKILL: the process gets no chance to flush anything.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ServiceProcess {
    /// A failing test must not leave a server running: kill it if it still runs.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `meldpunt init` in `dir`: the database and keys a first `serve` makes (the other offline
/// commands refuse a folder without a database).
pub fn init_folders(dir: &Path) {
    run_cli(dir, &["init"]);
}

/// Runs the binary with `args` against the folders in `dir`; returns stdout, panics on failure.
pub fn run_cli(dir: &Path, args: &[&str]) -> String {
    let out = binary()
        .args(args)
        .env_clear()
        .env("MELDPUNT_DATA", dir.join("data"))
        .env("MELDPUNT_KEYS", dir.join("keys"))
        .env("MELDPUNT_PUBLIC_URL", PUBLIC_URL)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "meldpunt {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Makes a recipient key pair with `meldpunt keygen` into `key_file` and registers it for `unit`
/// with `meldpunt recipient add`, as an admin would (the service must not be running).
pub fn register_recipient_cli(dir: &Path, key_file: &Path, unit: &str) {
    init_folders(dir);
    let keygen = run_cli(dir, &["keygen", "--out", key_file.to_str().unwrap()]);
    let public_key = keygen
        .lines()
        .find_map(|l| l.strip_prefix("public key "))
        .expect("keygen prints the public key")
        .trim()
        .to_owned();
    run_cli(
        dir,
        &[
            "recipient",
            "add",
            "--unit",
            unit,
            "--public-key",
            &public_key,
        ],
    );
    sign_directory_cli(dir);
}

/// Has both development officers sign the directory with `meldpunt directory sign` on the
/// local database (the service must not be running).
pub fn sign_directory_cli(dir: &Path) {
    for file in meldpunt::server::trust::DEV_OFFICER_FILES {
        let key = dir.join("keys").join(file);
        run_cli(
            dir,
            &["directory", "sign", "--key", key.to_str().unwrap(), "--yes"],
        );
    }
}

/// Has both development officers sign the directory on the running service at `url` with
/// `meldpunt directory sign --server`, as officers on their own machines would.
pub fn sign_directory_online(dir: &Path, url: &str) {
    for file in meldpunt::server::trust::DEV_OFFICER_FILES {
        let key = dir.join("keys").join(file);
        run_cli(
            dir,
            &[
                "directory",
                "sign",
                "--server",
                url,
                "--key",
                key.to_str().unwrap(),
                "--yes",
            ],
        );
    }
}

/// Lines of a log file.
pub fn log_lines(path: &Path) -> Vec<String> {
    BufReader::new(std::fs::File::open(path).unwrap())
        .lines()
        .map(|l| l.unwrap())
        .collect()
}
