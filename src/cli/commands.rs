//! What each subcommand does. Errors are returned as plain sentences for the terminal.

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use super::database::{open_app, open_store};
use super::{CaseCommand, Cli, Command, KeysCommand, LogCommand, RecipientCommand};
use super::{log_commands, staff_client_commands, staff_commands};
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

pub fn run(cli: Cli) -> Result<(), String> {
    let settings = || Settings::load_from_process(cli.config.as_deref()).map_err(|e| e.to_string());
    match cli.command {
        Command::Serve => serve(settings()?),
        Command::Keygen { out } => keygen(&out),
        Command::Recipient(cmd) => recipient(&settings()?, cmd),
        Command::Case(CaseCommand::Export { case_ref }) => export(&settings()?, &case_ref),
        Command::Staff(cmd) => staff_client_commands::staff(cli.session.as_deref(), cmd),
        Command::Case(CaseCommand::Open { key, jwks, export }) => {
            open(&key, jwks.as_deref(), export.as_deref())
        }
        Command::Case(CaseCommand::Online(cmd)) => {
            staff_client_commands::case(cli.session.as_deref(), cmd)
        }
        Command::Log(LogCommand::Checkpoint) => log_commands::log_checkpoint(settings()?),
        Command::User(cmd) => staff_commands::user(&settings()?, cmd),
        Command::Audit(cmd) => staff_commands::audit(&settings()?, cmd),
        Command::Verify {
            file,
            server,
            jwks,
            log_key,
        } => log_commands::verify(
            &file,
            server.as_deref(),
            jwks.as_deref(),
            log_key.as_deref(),
        ),
        Command::Monitor {
            server,
            state,
            log_key,
        } => log_commands::monitor(&server, &state, log_key.as_deref()),
        Command::Keys(KeysCommand::RotateReceipt) => {
            let kid = ReceiptKeys::rotate(&settings()?.keys).map_err(|e| e.to_string())?;
            println!("new receipt key {kid}; the old public key stays in the JWKS");
            Ok(())
        }
    }
}

fn serve(settings: Settings) -> Result<(), String> {
    let listener = TcpListener::bind(settings.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
    let (bind, data, keys) = (settings.bind, settings.data.clone(), settings.keys.clone());
    let app = Arc::new(App::open(settings).map_err(|e| e.to_string())?);
    staff_commands::write_first_admin_link(&app)?;
    tracing::info!(
        "meldpunt listening on http://{bind}; data in {}, keys in {}",
        data.display(),
        keys.display()
    );
    actix_web::rt::System::new()
        .block_on(crate::server::http::serve(app, listener))
        .map_err(|e| e.to_string())
}

fn keygen(out: &Path) -> Result<(), String> {
    let key = RecipientKey::generate();
    key.save(out)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("kid        {}", key.kid);
    println!(
        "public key {}",
        crate::protocol::b64::encode(key.public_key)
    );
    println!(
        "register it: meldpunt recipient add --unit UNIT --public-key {}",
        crate::protocol::b64::encode(key.public_key)
    );
    Ok(())
}

fn recipient(settings: &Settings, cmd: RecipientCommand) -> Result<(), String> {
    match cmd {
        RecipientCommand::Add { unit, public_key } => {
            if !domain::contains(&settings.units, &unit) {
                return Err(format!(
                    "unknown unit {unit:?}; see the units in the settings"
                ));
            }
            let public_key = crate::protocol::b64::decode_array::<32>(&public_key)
                .ok_or("the public key must be 32 bytes of b64u")?;
            if hpke_suite::seal(&public_key, b"meldpunt key check", b"", b"").is_err() {
                return Err("not a usable X25519 public key".into());
            }
            let kid = hpke_suite::x25519_kid(&public_key);
            let app = open_app(settings.clone())?;
            let recipient = Recipient {
                kid: kid.clone(),
                public_key,
                unit: unit.clone(),
            };
            app.sequencer
                .run_blocking(move |tx| recipients::register(tx, recipient, "cli"))
                .map_err(|e| e.to_string())?;
            println!("recipient {kid} receives reports for {unit}");
        }
        RecipientCommand::List => {
            let store = open_store(settings)?;
            for r in store.recipients().map_err(|e| e.to_string())? {
                println!(
                    "{}\t{}\t{}",
                    r.kid,
                    r.unit,
                    crate::protocol::b64::encode(r.public_key)
                );
            }
        }
        RecipientCommand::Remove { kid } => {
            let app = open_app(settings.clone())?;
            let removed = kid.clone();
            app.sequencer
                .run_blocking(move |tx| recipients::unregister(tx, &removed, "cli"))
                .map_err(|e| e.to_string())?;
            println!("recipient {kid} removed");
        }
    }
    Ok(())
}

fn export(settings: &Settings, case_ref: &str) -> Result<(), String> {
    let store = open_store(settings)?;
    let bundle = crate::server::reporting::export_case(&store, case_ref)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no case {case_ref}"))?;
    let text = serde_json::to_string_pretty(&bundle).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}

fn open(key_file: &Path, jwks: Option<&Path>, export: Option<&Path>) -> Result<(), String> {
    let key = RecipientKey::load(key_file).map_err(|e| e.to_string())?;
    let text = match export {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        None => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| e.to_string())?;
            text
        }
    };
    let bundle: CaseExport =
        serde_json::from_str(&text).map_err(|e| format!("not a case export: {e}"))?;
    if bundle.format != EXPORT_FORMAT {
        return Err(format!("unknown export format {:?}", bundle.format));
    }
    let verifier = match jwks {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let jwks: Jwks = serde_json::from_str(&text).map_err(|e| format!("not a JWKS: {e}"))?;
            Some(StatementVerifier::from_jwks(&jwks).map_err(|e| e.to_string())?)
        }
    };
    let opened = open_export(&bundle, &key, verifier.as_ref()).map_err(|e| e.to_string())?;
    let text = serde_json::to_string_pretty(&opened).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}
