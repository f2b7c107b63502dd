//! The `meldpunt` binary: parses the command line and runs it. See `meldpunt --help`.
#![forbid(unsafe_code)]

use std::io::IsTerminal;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> std::process::ExitCode {
    // Everything this process creates (the database, key files, session and state files) is
    // for its owner only: files 0600, folders 0700, whatever the caller's umask.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    // No timestamps: the service logs nothing that could date a reporter's visit, and an
    // operator's journal adds its own times to the lines that are safe to date.
    tracing_subscriber::fmt()
        .without_time()
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    meldpunt::cli::run(meldpunt::cli::Cli::parse())
}
