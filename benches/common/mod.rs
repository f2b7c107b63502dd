//! What the benchmarks that run `meldpunt serve` as its own process share: a scratch folder,
//! the CLI on that folder, and the server child with its memory figures from `/proc`.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A folder removed on drop.
pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_meldpunt"))
}

/// Runs `meldpunt ARGS` on the folder's data and keys; its stdout, or its stderr as the error.
/// The public URL of every bench service (the port changes between runs; the URL must not).
pub const PUBLIC_URL: &str = "http://meldpunt.bench";

pub fn cli(dir: &Path, args: &[&str]) -> BenchResult<String> {
    let out = binary()
        .args(args)
        .env_clear()
        .env("MELDPUNT_DATA", dir.join("data"))
        .env("MELDPUNT_KEYS", dir.join("keys"))
        .env("MELDPUNT_PUBLIC_URL", PUBLIC_URL)
        .output()?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!("meldpunt {args:?}: {stderr}").into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// `meldpunt serve` as a child process; killed on drop.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A `/proc/PID/status` field given in kB (`VmRSS:`, `VmHWM:`), in MiB.
    pub fn memory(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    }
}

/// Starts `meldpunt serve` on a free loopback port with the folder's data and keys, the
/// default settings and `settings` on top; returns once it accepts connections.
pub fn start(dir: &Path, settings: &[(&str, &str)]) -> BenchResult<Server> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    // `MELDPUNT_BENCH_SERVER_WRAPPER=heaptrack` runs the server under a profiler.
    let mut command = match std::env::var("MELDPUNT_BENCH_SERVER_WRAPPER") {
        Ok(wrapper) => {
            let mut c = Command::new(wrapper);
            c.arg(env!("CARGO_BIN_EXE_meldpunt"));
            c
        }
        Err(_) => binary(),
    };
    let child = command
        .arg("serve")
        .env_clear()
        .env("MELDPUNT_BIND", addr.to_string())
        .env("MELDPUNT_DATA", dir.join("data"))
        .env("MELDPUNT_KEYS", dir.join("keys"))
        // One public URL whatever the port: the trust root, the log's name and the
        // directory's origin are made for it once.
        .env("MELDPUNT_PUBLIC_URL", PUBLIC_URL)
        .envs(settings.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = Server { child, addr };
    let started = Instant::now();
    while TcpStream::connect(addr).is_err() {
        if started.elapsed() > Duration::from_secs(30) {
            return Err("the server did not start".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(server)
}

/// Makes a recipient key pair in the folder and registers it for unit `national` (every
/// report is encrypted to it), as an operator would with the CLI.
pub fn register_national_recipient(dir: &Path) -> BenchResult<()> {
    let key_file = dir.join("national.key");
    let keygen = cli(dir, &["keygen", "--out", &key_file.display().to_string()])?;
    let public_key = keygen
        .lines()
        .find_map(|l| l.strip_prefix("public key "))
        .ok_or("keygen printed no public key")?
        .trim()
        .to_owned();
    let args = [
        "recipient",
        "add",
        "--unit",
        "national",
        "--public-key",
        &public_key,
    ];
    cli(dir, &args)?;
    sign_directory(dir)?;
    Ok(())
}

/// Has the development officers (their keys are in the folder's keys) sign the directory that
/// lists the registered keys, as two officers would; the service must be stopped.
pub fn sign_directory(dir: &Path) -> BenchResult<()> {
    for file in meldpunt::server::trust::DEV_OFFICER_FILES {
        let key = dir.join("keys").join(file).display().to_string();
        cli(dir, &["directory", "sign", "--key", &key, "--yes"])?;
    }
    Ok(())
}
