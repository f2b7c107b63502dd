//! What a command can fail with, in words for a terminal, and the exit code each gives.
//!
//! Contract: every command returns `Result<Verdict, CliError>`; `main` prints an error as one
//! line `meldpunt: …` on stderr and exits 1 (clap's usage errors exit 2 before any command
//! runs). A [`Verdict`] is the answer of a check (`verify`, `monitor`, `audit verify`): printed
//! on stdout as `OK: …`, `FAIL: …` or `PENDING: …` and exiting 0, 1 or 3.

use std::process::ExitCode;

use crate::clients::ClientError;
use crate::clients::log::LogCheckError;
use crate::protocol::statements::jws::JwsError;
use crate::server::app::StartError;
use crate::server::config::ConfigError;
use crate::server::keys::KeyError;
use crate::server::log::service::LogServiceError;
use crate::server::recipients::RegisterError;
use crate::server::staff::StaffError;
use crate::server::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("the database: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Staff(#[from] StaffError),
    #[error(transparent)]
    Recipient(#[from] RegisterError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Log(#[from] LogServiceError),
    #[error(transparent)]
    LogCheck(#[from] LogCheckError),
    #[error("the key set: {0}")]
    Jwks(#[from] JwsError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// An argument, a file's content or typed input that cannot be used.
    #[error("{0}")]
    Input(String),
    /// Standard output could not be written; a closed pipe ends the command quietly.
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
}

impl CliError {
    pub fn io(what: impl std::fmt::Display, source: std::io::Error) -> CliError {
        CliError::Io {
            what: what.to_string(),
            source,
        }
    }

    pub fn input(message: impl Into<String>) -> CliError {
        CliError::Input(message.into())
    }
}

/// What a command that ran to its end says: done, or the answer of a check.
#[derive(Debug)]
pub enum Verdict {
    /// The command did what it was asked; it printed its own output.
    Done,
    Ok(String),
    Fail(String),
    /// `verify` only: the signature is good but no checkpoint covers the entry yet.
    Pending(String),
}

impl Verdict {
    /// Prints a check's answer line and gives its exit code.
    pub fn finish(self) -> ExitCode {
        use std::io::Write;
        let say = |line: String| {
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        };
        match self {
            Verdict::Done => ExitCode::SUCCESS,
            // The exit code carries the verdict even if nobody reads the line.
            Verdict::Ok(text) => {
                say(format!("OK: {text}"));
                ExitCode::SUCCESS
            }
            Verdict::Fail(text) => {
                say(format!("FAIL: {text}"));
                ExitCode::from(1)
            }
            Verdict::Pending(text) => {
                say(format!("PENDING: {text}"));
                ExitCode::from(3)
            }
        }
    }
}
