//! What each subcommand does. Every command returns a [`Verdict`] or a typed [`CliError`];
//! `cli::run` turns either into output and an exit code.

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use super::database::{open_app, open_store};
use super::error::{CliError, Verdict};
use super::output::outln;
use super::output::{self, Table};
use super::{CaseCommand, Cli, Command, KeysCommand, LogCommand, RecipientCommand};
use super::{log_commands, staff_client_commands, staff_commands, trust_commands};
use crate::clients::recipient::{RecipientKey, open_export};
use crate::protocol::crypto::hpke_suite;
use crate::protocol::domain;
use crate::protocol::statements::Jwks;
use crate::protocol::statements::jws::StatementVerifier;
use crate::protocol::wire::{CaseExport, EXPORT_FORMAT};
use crate::server::app::App;
use crate::server::config::Settings;
use crate::server::keys::ReceiptKeys;
use crate::server::recipients;
use crate::server::store::{Recipient, Store};

pub fn run(cli: Cli) -> Result<Verdict, CliError> {
    let settings = || Settings::load_from_process(cli.config.as_deref());
    let json = cli.json;
    match cli.command {
        Command::Serve => serve(settings()?),
        Command::Init => init(settings()?, json),
        Command::Settings => show_settings(&settings()?, json),
        Command::Keygen { out } => keygen(&out, json),
        Command::Recipient(cmd) => recipient(&settings()?, cmd, json),
        Command::Case(CaseCommand::Export { case_ref }) => export(&settings()?, &case_ref),
        Command::Staff(cmd) => staff_client_commands::staff(cli.session.as_deref(), cmd, json),
        Command::Case(CaseCommand::Open { key, jwks, export }) => {
            open(&key, jwks.as_deref(), export.as_deref())
        }
        Command::Case(CaseCommand::Online(cmd)) => {
            staff_client_commands::case(cli.session.as_deref(), cmd, json)
        }
        Command::Log(LogCommand::Checkpoint) => log_commands::log_checkpoint(settings()?, json),
        Command::User(cmd) => staff_commands::user(&settings()?, cmd, json),
        Command::Audit(cmd) => staff_commands::audit(&settings()?, cmd),
        Command::Officer(super::OfficerCommand::Keygen { out }) => {
            trust_commands::officer_keygen(&out, json)
        }
        Command::TrustRoot(super::TrustRootCommand::Init {
            officers,
            threshold,
            witnesses,
            witness_threshold,
            replace,
        }) => trust_commands::trust_root_init(
            &settings()?,
            &super::trust_commands::RootSpec {
                officers: &officers,
                threshold,
                witnesses: &witnesses,
                witness_threshold,
            },
            replace,
        ),
        Command::TrustRoot(super::TrustRootCommand::Rotate {
            officers,
            threshold,
            witnesses,
            witness_threshold,
            out,
        }) => super::rotation_commands::rotate(
            &settings()?,
            &super::trust_commands::RootSpec {
                officers: &officers,
                threshold,
                witnesses: &witnesses,
                witness_threshold,
            },
            &out,
        ),
        Command::TrustRoot(super::TrustRootCommand::Sign {
            file,
            key,
            root,
            yes,
        }) => super::rotation_commands::sign(&settings()?, &file, &key, root.as_deref(), yes),
        Command::TrustRoot(super::TrustRootCommand::Apply { file }) => {
            super::rotation_commands::apply(&settings()?, &file)
        }
        Command::Directory(super::DirectoryCommand::Sign { key, server, yes }) => {
            trust_commands::directory_sign(&settings()?, &key, server.as_deref(), yes)
        }
        Command::Verify {
            file,
            server,
            jwks,
            log_key,
            trust_root,
        } => Ok(log_commands::verify(
            &file,
            server.as_deref(),
            jwks.as_deref(),
            log_key.as_deref(),
            trust_root.as_deref(),
        )),
        Command::Monitor {
            server,
            state,
            log_key,
            trust_root,
        } => log_commands::monitor(&server, &state, log_key.as_deref(), trust_root.as_deref()),
        Command::Witness(args) => super::witness_command::run(args),
        Command::Keys(KeysCommand::RotateReceipt) => {
            let kid = ReceiptKeys::rotate(&settings()?.keys)?;
            if json {
                output::json(&serde_json::json!({ "kid": kid }))?;
            } else {
                outln!("new receipt key {kid}; the old public key stays in the JWKS");
            }
            Ok(Verdict::Done)
        }
    }
}

/// `meldpunt init`: the database and keys a first `serve` would make, and nothing else; a
/// folder that already holds a database is left as it is.
fn init(settings: Settings, json: bool) -> Result<Verdict, CliError> {
    let existed = super::database::require_database(&settings).is_ok();
    let (data, keys) = (settings.data.clone(), settings.keys.clone());
    drop(App::open(settings)?);
    let absolute = |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    if json {
        output::json(&serde_json::json!({
            "data": absolute(&data), "keys": absolute(&keys), "created": !existed
        }))?;
    } else if existed {
        outln!(
            "{} already holds a database; nothing changed",
            absolute(&data).display()
        );
    } else {
        outln!(
            "created the database in {} and the keys in {}",
            absolute(&data).display(),
            absolute(&keys).display()
        );
    }
    Ok(Verdict::Done)
}

fn serve(settings: Settings) -> Result<Verdict, CliError> {
    let listener = TcpListener::bind(settings.bind)
        .map_err(|e| CliError::io(format!("cannot listen on {}", settings.bind), e))?;
    let staff_listener = settings
        .staff_addr()
        .map(|addr| {
            TcpListener::bind(addr)
                .map_err(|e| CliError::io(format!("cannot listen on {addr} (staff_bind)"), e))
        })
        .transpose()?;
    let (bind, data, keys) = (settings.bind, settings.data.clone(), settings.keys.clone());
    let app = Arc::new(App::open(settings)?);
    staff_commands::write_first_admin_link(&app)?;
    if app.trust.root.development {
        tracing::warn!(
            "{}",
            crate::server::trust::development_warning(&app.trust, &app.settings.keys)
        );
        if app.store().directory()?.is_none() {
            tracing::warn!(
                "no recipient directory is signed yet, so no report can be sent: enrol an intake \
                 user (or `meldpunt recipient add`), then sign as both development officers: \
                 meldpunt directory sign --server http://{bind} --key {} (and {})",
                keys.join(crate::server::trust::DEV_OFFICER_FILES[0])
                    .display(),
                keys.join(crate::server::trust::DEV_OFFICER_FILES[1])
                    .display()
            );
        }
    }
    tracing::info!(
        "meldpunt listening on http://{bind}; data in {}, keys in {}",
        data.display(),
        keys.display()
    );
    if let Some(staff) = &staff_listener {
        let addr = staff
            .local_addr()
            .map_err(|e| CliError::io("staff_bind", e))?;
        tracing::info!("the staff app and staff API only on http://{addr}/staff/");
    }
    actix_web::rt::System::new()
        .block_on(crate::server::http::serve(app, listener, staff_listener))
        .map_err(|e| CliError::io("the service stopped", e))?;
    Ok(Verdict::Done)
}

/// `meldpunt settings`: the settings in effect, as the TOML file that would give them, with
/// each key's variable (as a comment) so an operator sees both ways to set it.
fn show_settings(settings: &Settings, json: bool) -> Result<Verdict, CliError> {
    if json {
        output::json(settings)?;
        return Ok(Verdict::Done);
    }
    let keys = Settings::keys();
    outln!("# The settings in effect. Each key can also be set by its variable.");
    for line in settings.to_toml().lines() {
        let variable = line
            .split_once(" = ")
            .and_then(|(key, _)| keys.iter().find(|k| k.key == key))
            .and_then(|k| k.variable.as_deref());
        match variable {
            Some(variable) => outln!("{line}  # {variable}"),
            None => outln!("{line}"),
        }
    }
    Ok(Verdict::Done)
}

fn keygen(out: &Path, json: bool) -> Result<Verdict, CliError> {
    let key = RecipientKey::generate();
    key.save(out)?;
    let public_key = crate::protocol::b64::encode(key.public_key);
    if json {
        output::json(&serde_json::json!({ "kid": key.kid, "public_key": public_key }))?;
    } else {
        outln!("kid        {}", key.kid);
        outln!("public key {public_key}");
        outln!("register it: meldpunt recipient add --unit UNIT --public-key {public_key}");
    }
    Ok(Verdict::Done)
}

fn recipient(settings: &Settings, cmd: RecipientCommand, json: bool) -> Result<Verdict, CliError> {
    match cmd {
        RecipientCommand::Add { unit, public_key } => {
            if !domain::contains(&settings.units, &unit) {
                return Err(CliError::input(format!(
                    "unknown unit {unit:?}; see the units in the settings"
                )));
            }
            let public_key = crate::protocol::b64::decode_array::<32>(&public_key)
                .ok_or_else(|| CliError::input("the public key must be 32 bytes of b64u"))?;
            if hpke_suite::seal(&public_key, b"meldpunt key check", b"", b"").is_err() {
                return Err(CliError::input("not a usable X25519 public key"));
            }
            let kid = hpke_suite::x25519_kid(&public_key);
            let app = open_app(settings.clone())?;
            let recipient = Recipient {
                kid: kid.clone(),
                public_key,
                unit: unit.clone(),
            };
            app.sequencer
                .run_blocking(move |tx| recipients::register(tx, recipient, "cli"))?;
            if json {
                output::json(&serde_json::json!({ "kid": kid, "unit": unit }))?;
            } else {
                outln!(
                    "recipient {kid} receives reports for {}",
                    output::Labels::of_settings(settings).unit(&unit)
                );
            }
        }
        RecipientCommand::List => {
            let store = open_store(settings)?;
            let list = store.recipients()?;
            if json {
                let rows: Vec<_> = list
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "kid": r.kid,
                            "unit": r.unit,
                            "public_key": crate::protocol::b64::encode(r.public_key),
                        })
                    })
                    .collect();
                output::json(&rows)?;
            } else {
                let labels = output::Labels::of_settings(settings);
                let mut table = Table::new(&["KEY ID", "UNIT", "PUBLIC KEY"]);
                for r in &list {
                    table.row(vec![
                        r.kid.clone(),
                        labels.unit(&r.unit),
                        crate::protocol::b64::encode(r.public_key),
                    ]);
                }
                table.print("no recipients registered by hand")?;
            }
        }
        RecipientCommand::Remove { kid } => {
            let app = open_app(settings.clone())?;
            let removed = kid.clone();
            app.sequencer
                .run_blocking(move |tx| recipients::unregister(tx, &removed, "cli"))?;
            if json {
                output::json(&serde_json::json!({ "removed": kid }))?;
            } else {
                outln!("recipient {kid} removed");
            }
        }
    }
    Ok(Verdict::Done)
}

/// `case export` is JSON whatever `--json` says: the bundle is a file format, for `case open`.
fn export(settings: &Settings, case_ref: &str) -> Result<Verdict, CliError> {
    let store = open_store(settings)?;
    let bundle = crate::server::reporting::export_case(&store, case_ref)?
        .ok_or_else(|| CliError::input(format!("no case {case_ref}")))?;
    output::json(&bundle)?;
    Ok(Verdict::Done)
}

fn read_text(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))
}

/// `case open` prints the plaintext JSON: the reader is a recipient's own tooling.
fn open(key_file: &Path, jwks: Option<&Path>, export: Option<&Path>) -> Result<Verdict, CliError> {
    let key = RecipientKey::load(key_file)?;
    let text = match export {
        Some(path) => read_text(path)?,
        None => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| CliError::io("cannot read standard input", e))?;
            text
        }
    };
    let bundle: CaseExport = serde_json::from_str(&text)
        .map_err(|e| CliError::input(format!("not a case export: {e}")))?;
    if bundle.format != EXPORT_FORMAT {
        return Err(CliError::input(format!(
            "unknown export format {:?}",
            bundle.format
        )));
    }
    let verifier = match jwks {
        None => None,
        Some(path) => {
            let jwks: Jwks = serde_json::from_str(&read_text(path)?)
                .map_err(|e| CliError::input(format!("not a JWKS: {e}")))?;
            Some(StatementVerifier::from_jwks(&jwks)?)
        }
    };
    let opened = open_export(&bundle, &key, verifier.as_ref())?;
    output::json(&opened)?;
    Ok(Verdict::Done)
}
