//! `meldpunt witness`: run a C2SP tlog-witness for one or more logs (`server::witness`).
//!
//! On start it prints two lines on stdout, `vkey <witness vkey>` (what an installer pins in the
//! trust root) and `listening on http://<addr>` (the bound address, so `--listen` may use port
//! 0), then serves until SIGINT/SIGTERM.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;

use super::error::{CliError, Verdict};
use super::output::outln;
use crate::protocol::log::note::NoteVerifier;
use crate::server::witness::{Witness, WitnessError};

#[derive(clap::Args)]
pub struct WitnessArgs {
    /// The address to listen on, e.g. 127.0.0.1:7380.
    #[arg(long, value_name = "ADDR")]
    pub listen: SocketAddr,
    /// The witness's folder: its key (witness.key) and its record of every log's size.
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
    /// The witness's name, a schema-less URL such as witness.example.org/w1.
    #[arg(long)]
    pub name: String,
    /// A log's note verifier key (`<origin>+<key id>+<key>`); repeat for several logs.
    #[arg(long = "log", value_name = "VKEY", required = true)]
    pub logs: Vec<String>,
}

fn start_error(e: WitnessError) -> CliError {
    match e {
        WitnessError::Io { what, source } => CliError::io(what, source),
        other => CliError::input(other.to_string()),
    }
}

pub fn run(args: WitnessArgs) -> Result<Verdict, CliError> {
    let logs = args
        .logs
        .iter()
        .map(|k| {
            NoteVerifier::parse(k.trim()).map_err(|e| CliError::input(format!("--log {k:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let witness = Witness::open(&args.state, &args.name, logs).map_err(start_error)?;
    let listener = TcpListener::bind(args.listen)
        .map_err(|e| CliError::io(format!("cannot listen on {}", args.listen), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::io("the bound address", e))?;
    outln!("vkey {}", witness.vkey());
    outln!("listening on http://{addr}");
    tracing::info!(
        logs = witness.origins().collect::<Vec<_>>().join(", "),
        "witness listening on http://{addr}"
    );
    actix_web::rt::System::new()
        .block_on(crate::server::witness::http::serve(
            Arc::new(witness),
            listener,
        ))
        .map_err(|e| CliError::io("the witness stopped", e))?;
    Ok(Verdict::Done)
}
