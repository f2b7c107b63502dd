//! `meldpunt witness` as a child process, for the tests that need a real witness on loopback.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::{binary, wait_for};

/// `meldpunt witness` as a child process: its printed vkey and URL.
pub struct WitnessProcess {
    child: Child,
    pub vkey: String,
    pub url: String,
}

impl WitnessProcess {
    /// Starts a witness for the log with note verifier key `log_vkey`, its state in `state`
    /// and its stderr in `log`.
    pub fn start(state: &Path, log: &Path, log_vkey: &str) -> WitnessProcess {
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let mut child = binary()
            .args([
                "witness",
                "--listen",
                "127.0.0.1:0",
                "--name",
                "witness.test/w1",
            ])
            .arg("--state")
            .arg(state)
            .args(["--log", log_vkey])
            .env_clear()
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut next = || lines.next().and_then(Result::ok).unwrap_or_default();
        let (vkey_line, listen_line) = (next(), next());
        let (Some(vkey), Some(url)) = (
            vkey_line.strip_prefix("vkey "),
            listen_line.strip_prefix("listening on "),
        ) else {
            let _ = child.kill();
            panic!(
                "unexpected start output {vkey_line:?} {listen_line:?}; log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        };
        let addr: SocketAddr = url.strip_prefix("http://").unwrap().parse().unwrap();
        assert!(wait_for(addr), "the witness does not listen on {addr}");
        WitnessProcess {
            child,
            vkey: vkey.to_owned(),
            url: url.to_owned(),
        }
    }

    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn terminate(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        self.child.wait().unwrap()
    }
}

impl Drop for WitnessProcess {
    /// A failing test must not leave a witness running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
