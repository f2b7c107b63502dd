//! The `meldpunt` command line: the service itself and the tools around it.
//!
//! Commands that open the database directly (`recipient`, `case export`, `keys`, `log`) cannot run
//! while `meldpunt serve` holds it; they say so instead of waiting.

mod commands;
mod database;
mod directory_monitor;
mod error;
mod log_commands;
mod output;
mod rotation_commands;
mod staff_client_commands;
mod staff_commands;
mod trust_commands;
mod witness_command;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::PossibleValue;
use clap::{Parser, Subcommand, ValueEnum};

pub use error::{CliError, Verdict};

use crate::protocol::roles::{Outcome, Role};
use crate::protocol::statements::Status;

#[derive(Parser)]
#[command(
    name = "meldpunt",
    version,
    about = "Anonymous reporting channel: browser-side encryption, signed receipts, a public \
             Merkle log",
    long_about = "meldpunt receives reports that were encrypted in the reporter's browser, \
                  hands out Ed25519-signed receipts, and keeps only ciphertext.\n\n\
                  Every setting has a default, a key in the optional TOML file (--config) and \
                  a MELDPUNT_<KEY> environment variable, which wins; `meldpunt settings` prints \
                  them all with the values in effect."
)]
pub struct Cli {
    /// Settings file (TOML); environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Staff session file for `staff` and online `case` commands
    /// (default: ~/.config/meldpunt/staff-session.json).
    #[arg(long, global = true, value_name = "FILE")]
    pub session: Option<PathBuf>,
    /// Print the result as JSON for a script instead of text for people.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the service (creates ./data and ./keys on first start).
    Serve,
    /// Create the database and keys folders without serving (what the first `serve` does);
    /// the other commands that open the database never create one.
    Init,
    /// Print the settings in effect (defaults, then --config, then MELDPUNT_* variables) as a
    /// TOML file, with each key's environment variable.
    Settings,
    /// Make an X25519 key pair file for an intake recipient.
    Keygen {
        /// Where to write the key pair (mode 0600); it must not exist yet.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Manage the intake recipients every report is encrypted to (opens the database).
    #[command(subcommand)]
    Recipient(RecipientCommand),
    /// Work with cases.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Manage the service's signing keys (opens the keys folder).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Work with the transparency log (opens the database).
    #[command(subcommand)]
    Log(LogCommand),
    /// Manage staff accounts (opens the database).
    #[command(subcommand)]
    User(UserCommand),
    /// Sign in to a running service as staff, for the online `case` commands.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Check the staff audit chain (opens the database).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// A directory officer's own signing key (made on the officer's machine).
    #[command(subcommand)]
    Officer(OfficerCommand),
    /// The installation's trust root: officers, log key and witnesses (keys/trust-root.json).
    #[command(subcommand, name = "trust-root")]
    TrustRoot(TrustRootCommand),
    /// The signed recipient directory: who can read reports.
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// Check a receipt or statement: its signature, and with --server its inclusion in the
    /// log's newest checkpoint. Prints OK, FAIL or PENDING and exits 0, 1 or 3 (PENDING: no
    /// checkpoint covers it yet).
    Verify {
        /// A file with the receipt or statement (the JWS, or JSON with a `receipt` field).
        file: PathBuf,
        /// The service's URL: fetch its JWKS (unless --jwks) and check inclusion in its log.
        #[arg(long, value_name = "URL", required_unless_present = "jwks")]
        server: Option<String>,
        /// A JWKS file (from /.well-known/jwks.json) to check the signature offline.
        #[arg(long, value_name = "FILE")]
        jwks: Option<PathBuf>,
        /// The log's note verifier key (text or a file holding it); it must be the one the
        /// trust root pins.
        #[arg(long, value_name = "KEY", requires = "server")]
        log_key: Option<String>,
        /// The installation's trust root (the published trust-root.json): its log key signs
        /// checkpoints and its witnesses cosign them. Taken from the server (and said so)
        /// when absent.
        #[arg(long, value_name = "FILE", requires = "server")]
        trust_root: Option<PathBuf>,
    },
    /// Audit a log from outside: verify the newest checkpoint's signature and witnesses'
    /// cosignatures, its consistency with the last one seen, and every change of the recipient
    /// directory (one line each); run it from cron. Exits non-zero on a fork, a shrinking log,
    /// a bad signature, too few cosignatures or a directory that does not verify or chain.
    Monitor {
        /// The service's URL.
        #[arg(long, value_name = "URL")]
        server: String,
        /// Folder for the pinned trust root, the last checkpoint and the last directory.
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// The log's note verifier key (text or a file); it must be the trust root's.
        #[arg(long, value_name = "KEY")]
        log_key: Option<String>,
        /// The installation's trust root (the published trust-root.json); pinned in DIR on
        /// first use, taken from the server if not given then.
        #[arg(long, value_name = "FILE")]
        trust_root: Option<PathBuf>,
    },
    /// Run a transparency-log witness (C2SP tlog-witness): cosign each log's checkpoints that
    /// are consistent with the last one it cosigned. Prints its vkey for the trust root.
    Witness(witness_command::WitnessArgs),
}

#[derive(Subcommand)]
pub enum OfficerCommand {
    /// Make an Ed25519 signing key for a directory officer; prints the public key to give the
    /// installer.
    Keygen {
        /// Where to write the secret key (mode 0600); it must not exist yet.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum TrustRootCommand {
    /// Write keys/trust-root.json from the officers' and witnesses' public keys and this
    /// service's log key (run where the service's keys folder is).
    Init {
        /// An officer, as NAME=PUBLIC_KEY (from `meldpunt officer keygen`); two or more.
        #[arg(long = "officer", value_name = "NAME=KEY", required = true)]
        officers: Vec<String>,
        /// How many officers must sign a directory (at least 2).
        #[arg(long, default_value_t = 2)]
        threshold: usize,
        /// A witness, as its verifier key (printed by `meldpunt witness`), with @URL where the
        /// service submits checkpoints to it; one or more.
        #[arg(long = "witness", value_name = "VKEY[@URL]", required = true)]
        witnesses: Vec<String>,
        /// How many witnesses must cosign a checkpoint.
        #[arg(long, default_value_t = 1)]
        witness_threshold: usize,
        /// Replace an existing root without the old officers (clients pinned the old one and
        /// will refuse the new one; prefer `rotate`).
        #[arg(long)]
        replace: bool,
    },
    /// Propose a new trust root (an officer or witness changes) as a rotation file for the
    /// current officers to sign; the service's keys folder supplies the current root.
    Rotate {
        /// The new root's officers, as NAME=PUBLIC_KEY; two or more.
        #[arg(long = "officer", value_name = "NAME=KEY", required = true)]
        officers: Vec<String>,
        #[arg(long, default_value_t = 2)]
        threshold: usize,
        /// The new root's witnesses, as VKEY[@URL]; one or more.
        #[arg(long = "witness", value_name = "VKEY[@URL]", required = true)]
        witnesses: Vec<String>,
        #[arg(long, default_value_t = 1)]
        witness_threshold: usize,
        /// Where to write the rotation file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Review a rotation file and sign it with a current officer's key (on that officer's
    /// machine); the signature is added to the file.
    Sign {
        /// The rotation file (from `rotate`).
        file: PathBuf,
        /// The officer's secret key file.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The current trust root (the published trust-root.json); default: the keys folder's.
        #[arg(long, value_name = "FILE")]
        root: Option<PathBuf>,
        /// Sign without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Replace keys/trust-root.json by a rotation the current officers' quorum signed, and keep
    /// the rotation for clients that pinned the old root (the service must be stopped).
    Apply {
        /// The signed rotation file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum DirectoryCommand {
    /// Review the directory change waiting for signatures and sign it with an officer key.
    Sign {
        /// The officer's secret key file (from `meldpunt officer keygen`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The running service's URL; without it, the local database (service stopped).
        #[arg(long, value_name = "URL")]
        server: Option<String>,
        /// Sign without asking.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
pub enum LogCommand {
    /// Issue a signed checkpoint now (if the log changed since the newest) and print it.
    Checkpoint,
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Invite a staff user: prints a one-time enrolment link (valid 72 hours).
    Invite {
        #[arg(long)]
        name: String,
        /// The role; repeat for several.
        #[arg(long = "role", required = true, value_name = "ROLE")]
        roles: Vec<Role>,
        /// The unit of an intake or investigator (or `national`).
        #[arg(long)]
        unit: Option<String>,
    },
    /// List the staff users.
    List,
    /// Disable a user: they can no longer sign in; their wraps stay.
    Disable {
        #[arg(long)]
        name: String,
    },
    /// Enable a disabled user again.
    Enable {
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the audit chain; exits non-zero if any record was changed or removed.
    Verify,
}

#[derive(Subcommand)]
pub enum RecipientCommand {
    /// Register a recipient for a unit; unit `national` receives every report.
    Add {
        #[arg(long)]
        unit: String,
        /// The recipient's X25519 public key, b64u (from `meldpunt keygen`). It may start
        /// with `-`, which is a b64u symbol.
        #[arg(long, value_name = "B64U", allow_hyphen_values = true)]
        public_key: String,
    },
    /// List the registered recipients.
    List,
    /// Remove a recipient by key id; new reports are no longer encrypted to it.
    Remove {
        #[arg(long)]
        kid: String,
    },
}

#[derive(Subcommand)]
pub enum CaseCommand {
    #[command(flatten)]
    Online(OnlineCaseCommand),
    /// Print a case's ciphertext bundle (metadata, wraps, items, statements) as JSON.
    Export {
        /// The case reference, e.g. MP-7K3Q-9XM2.
        #[arg(long = "ref", value_name = "REF")]
        case_ref: String,
    },
    /// Decrypt a case export with a recipient key file, offline; prints the plaintext JSON.
    Open {
        /// The recipient's key pair file (from `meldpunt keygen`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// A JWKS file (from /.well-known/jwks.json) to verify the receipt and its cmt.
        #[arg(long, value_name = "FILE")]
        jwks: Option<PathBuf>,
        /// The export file; standard input when absent.
        export: Option<PathBuf>,
    },
}

/// The `case` commands that work through a staff session on a running service.
#[derive(Subcommand)]
pub enum OnlineCaseCommand {
    /// List the cases you may see (staff session).
    List {
        #[arg(long)]
        status: Option<Status>,
        #[arg(long)]
        theme: Option<String>,
        #[arg(long)]
        unit: Option<String>,
        /// Only cases past a deadline.
        #[arg(long)]
        overdue: bool,
    },
    /// Decrypt and print a case: report, messages, notes (staff session; asks the password).
    Show {
        #[arg(long = "ref", value_name = "REF")]
        case_ref: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Assign an investigator: the case keys are wrapped to them here, on your machine.
    Assign {
        #[arg(long = "ref", value_name = "REF")]
        case_ref: String,
        /// The investigator's user name.
        #[arg(long, value_name = "NAME")]
        to: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Register the triage outcome with its reason (creates the internal key).
    Triage {
        #[arg(long = "ref", value_name = "REF")]
        case_ref: String,
        #[arg(long)]
        outcome: Outcome,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Change the status the reporter sees (a signed statement).
    Status {
        #[arg(long = "ref", value_name = "REF")]
        case_ref: String,
        #[arg(long = "set", value_name = "STATUS")]
        status: Status,
        /// Required with closed.
        #[arg(long)]
        outcome: Option<Outcome>,
    },
    /// Send a message to the reporter, encrypted here to the case's thread key.
    Reply {
        #[arg(long = "ref", value_name = "REF")]
        case_ref: String,
        #[arg(long)]
        text: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Write an internal note, encrypted here to the case's internal key.
    Note {
        #[arg(long = "ref", value_name = "REF")]
        case_ref: String,
        #[arg(long)]
        text: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
}

#[derive(Subcommand)]
pub enum StaffCommand {
    /// Enrol with the one-time link an admin gave you: choose a password, add the TOTP secret
    /// to your authenticator app, confirm a code. Your key pair is made here.
    Enrol {
        /// The enrolment link (`…/staff/enrol#TOKEN`).
        #[arg(long)]
        link: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Sign in (password and TOTP code); keeps the session, never the password or key.
    Login {
        /// The service's URL.
        #[arg(long, value_name = "URL")]
        server: String,
        #[arg(long)]
        name: String,
        /// The current code of your authenticator app; asked for when absent.
        #[arg(long, value_name = "CODE")]
        totp: Option<String>,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// End the session on the server and remove the session file.
    Logout,
    /// Show who the session belongs to.
    Whoami,
}

#[derive(clap::Args)]
pub struct PasswordArgs {
    /// Read the password from the first line of standard input instead of asking.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Replace the receipt signing key; the old public key stays in the JWKS.
    RotateReceipt,
}

/// Runs the parsed command and gives the process's exit code (`cli::error` says which).
pub fn run(cli: Cli) -> ExitCode {
    match commands::run(cli) {
        Ok(verdict) => verdict.finish(),
        // The reader of our output went away (`| head`): what they read was all they wanted.
        Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("meldpunt: {error}");
            ExitCode::FAILURE
        }
    }
}

// The protocol's closed sets are the CLI's choices: `--help` lists them, clap refuses others.
impl ValueEnum for Role {
    fn value_variants<'a>() -> &'a [Self] {
        &Role::ALL
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

impl ValueEnum for Status {
    fn value_variants<'a>() -> &'a [Self] {
        &Status::ALL
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(output::status_label(*self)))
    }
}

impl ValueEnum for Outcome {
    fn value_variants<'a>() -> &'a [Self] {
        &Outcome::ALL
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(output::outcome_label(*self)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_key_may_start_with_a_hyphen() {
        let key = "-paLPsia6wl9npW_8GtxxyCQhaZqCjwpEU8eGPymN0c";
        let cli = Cli::try_parse_from([
            "meldpunt",
            "recipient",
            "add",
            "--unit",
            "national",
            "--public-key",
            key,
        ])
        .unwrap();
        let Command::Recipient(RecipientCommand::Add { public_key, .. }) = cli.command else {
            panic!("parsed as another command");
        };
        assert_eq!(public_key, key);
    }
}
