//! The transparency-log commands: `meldpunt log checkpoint` (issue one now, on the database),
//! `meldpunt verify FILE` (a receipt or statement: signature, then inclusion in the newest
//! checkpoint) and `meldpunt monitor` (an outside auditor's consistency check, for cron).
//!
//! Contract: `verify` and `monitor` print one verdict line on stdout, `OK: …`, `FAIL: …` or (for
//! `verify` only) `PENDING: …`, and exit 0 for OK, 1 for FAIL, 3 for PENDING (the signature is
//! good but no checkpoint covers the entry yet; 2 stays clap's code for a usage error).
//! `monitor` keeps its state in DIR: `log-key` (the note verifier key, pinned on first use
//! unless `--log-key` gives it) and `checkpoint` (the last checkpoint that proved consistent),
//! each replaced atomically; a FAIL never changes DIR. Besides consistency, `monitor` checks
//! that the audit-chain head in the checkpoint's extension line only grows (`check_audit_head`).
//! Inside the checks every problem, an unreadable file included, is the reason of a FAIL (a
//! sentence), never an error: a cron job needs the verdict line whatever went wrong.

use std::path::Path;

use super::error::{CliError, Verdict};
use super::output;
use crate::clients::log::{LogCheckError, LogClient, check_audit_head, open_checkpoint};
use crate::files::{ensure_private_dir, replace_private_file};
use crate::protocol::statements::Jwks;
use crate::protocol::statements::jws::StatementVerifier;
use crate::protocol::trust::TrustRoot;
use crate::server::app::App;
use crate::server::config::Settings;

/// Largest receipt file `verify` reads.
const MAX_FILE: u64 = 1024 * 1024;
const STATE_KEY: &str = "log-key";
const STATE_CHECKPOINT: &str = "checkpoint";
const STATE_ROOT: &str = "trust-root.json";

/// `meldpunt log checkpoint`: issues a checkpoint now if the tree changed, prints the newest.
pub fn log_checkpoint(settings: Settings, json: bool) -> Result<Verdict, CliError> {
    let app = App::open(settings)?;
    let issued = app.issue_checkpoint_blocking()?;
    if json {
        output::json(&serde_json::json!({
            "fresh": issued.fresh,
            "size": issued.checkpoint.size,
            "note": issued.note,
        }))?;
        return Ok(Verdict::Done);
    }
    if issued.fresh {
        eprintln!("issued a checkpoint of {} entries", issued.checkpoint.size);
    } else {
        eprintln!(
            "the newest checkpoint still describes the log ({} entries)",
            issued.checkpoint.size
        );
    }
    output::write_text(&issued.note)?;
    Ok(Verdict::Done)
}

/// A verifier key given as the key text, or as the path of a file holding it.
fn given_key(arg: &str) -> Result<String, String> {
    if arg.contains('+') {
        return Ok(arg.trim().to_owned());
    }
    std::fs::read_to_string(arg)
        .map(|text| text.trim().to_owned())
        .map_err(|e| format!("--log-key {arg}: neither a key nor a readable file: {e}"))
}

fn read_small(path: &Path) -> Result<String, String> {
    let len = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .len();
    if len > MAX_FILE {
        return Err(format!(
            "{} is larger than {MAX_FILE} bytes",
            path.display()
        ));
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The JWS in a receipt file: the compact JWS itself, or JSON with a `receipt` or `statement`.
fn extract_jws(text: &str) -> Result<String, String> {
    let text = text.trim();
    if !text.starts_with('{') {
        return Ok(text.to_owned());
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("the file is not JSON: {e}"))?;
    ["receipt", "statement"]
        .iter()
        .find_map(|k| value.get(k).and_then(serde_json::Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| "the JSON has no receipt or statement field".to_owned())
}

/// The trust root to check against: the file given (pinned by the caller), else the server's
/// own `/trust-root.json`, said so on stderr (a server could serve any root).
fn root_of(client: &LogClient, given: Option<&Path>) -> Result<TrustRoot, String> {
    let text = match given {
        Some(path) => read_small(path)?,
        None => {
            let text = client
                .trust_root_text()
                .map_err(|e| format!("fetching the trust root: {e}"))?;
            eprintln!(
                "note: the trust root was taken from the server, not pinned (give --trust-root)"
            );
            text
        }
    };
    TrustRoot::parse(&text).map_err(|e| e.to_string())
}

/// A `--log-key` given besides the root must be the root's.
fn check_given_key(root: &TrustRoot, log_key: Option<&str>) -> Result<(), String> {
    if let Some(arg) = log_key
        && given_key(arg)? != root.log_key
    {
        return Err(format!(
            "the given log key is not the one the trust root pins ({})",
            root.log_key
        ));
    }
    Ok(())
}

/// `meldpunt verify FILE [--server URL] [--jwks FILE] [--log-key KEY] [--trust-root FILE]`:
/// every problem, a missing file included, is a FAIL with its reason.
pub fn verify(
    file: &Path,
    server: Option<&str>,
    jwks: Option<&Path>,
    log_key: Option<&str>,
    trust_root: Option<&Path>,
) -> Verdict {
    check_statement(file, server, jwks, log_key, trust_root).unwrap_or_else(Verdict::Fail)
}

fn check_statement(
    file: &Path,
    server: Option<&str>,
    jwks: Option<&Path>,
    log_key: Option<&str>,
    trust_root: Option<&Path>,
) -> Result<Verdict, String> {
    let jws = extract_jws(&read_small(file)?)?;
    let client = server.map(LogClient::new);
    let keys: Jwks = match (jwks, &client) {
        (Some(path), _) => {
            serde_json::from_str(&read_small(path)?).map_err(|e| format!("not a JWKS: {e}"))?
        }
        (None, Some(client)) => client
            .jwks()
            .map_err(|e| format!("fetching the JWKS: {e}"))?,
        (None, None) => return Err("give --jwks FILE or --server URL".into()),
    };
    let verifier = StatementVerifier::from_jwks(&keys).map_err(|e| e.to_string())?;
    let statement = verifier
        .verify(&jws)
        .map_err(|e| format!("the signature check failed: {e}"))?;
    let p = &statement.payload;
    let what = format!(
        "signature valid ({} seq {} of case {}, issued by {}, log entry {})",
        if p.seq == 0 { "receipt" } else { "statement" },
        p.seq,
        p.case_ref,
        p.iss,
        p.log
    );
    let Some(client) = client else {
        return Ok(Verdict::Ok(format!(
            "{what}; log inclusion not checked (give --server URL)"
        )));
    };
    let root = root_of(&client, trust_root)?;
    check_given_key(&root, log_key)?;
    let (_, checkpoint) = client
        .witnessed_checkpoint(&root)
        .map_err(|e| e.to_string())?;
    match client.prove_inclusion(jws.as_bytes(), p.log, &checkpoint) {
        Ok(()) => Ok(Verdict::Ok(format!(
            "{what}; included in the checkpoint of {} entries of {}, cosigned by the pinned \
             witnesses",
            checkpoint.size, checkpoint.origin
        ))),
        Err(e) if e.is_pending() => Ok(Verdict::Pending(format!("{what}; but {e}"))),
        Err(e) => Err(e.to_string()),
    }
}

/// `meldpunt monitor --server URL --state DIR [--log-key KEY] [--trust-root FILE]`.
pub fn monitor(
    server: &str,
    state: &Path,
    log_key: Option<&str>,
    trust_root: Option<&Path>,
) -> Result<Verdict, CliError> {
    Ok(check_log(server, state, log_key, trust_root).unwrap_or_else(Verdict::Fail))
}

/// The root pinned in DIR, or the server's root if the officers of the pinned one signed a
/// chain of rotations to it (`protocol::trust::rotation`); with a line per rotation taken.
fn rotated(
    client: &LogClient,
    pinned: String,
) -> Result<(String, Option<String>, Vec<TrustRoot>), String> {
    // A server that does not answer here is judged by its checkpoint against the pinned root.
    let Ok(served) = client.trust_root_text() else {
        return Ok((pinned, None, Vec::new()));
    };
    if served == pinned {
        return Ok((pinned, None, Vec::new()));
    }
    let rotations = client
        .trust_root_rotations()
        .map_err(|e| format!("the server serves another trust root; fetching its rotations: {e}"))?
        .rotations;
    let path =
        crate::protocol::trust::rotation::follow(&pinned, &served, &rotations).map_err(|e| {
            format!(
                "the server serves another trust root than the one pinned, and {e}; if the \
             installation really started over, start a new state folder"
            )
        })?;
    Ok((served.clone(), Some(served), path))
}

/// The roots to trust, oldest first, the last the current one: the one given, else the one
/// pinned in DIR and those the officers rotated it to, else the server's (pinned now); and the
/// text to pin, if it is new. A log key given, or pinned by an older monitor, must be the
/// current root's.
fn monitor_root(
    client: &LogClient,
    state: &Path,
    log_key: Option<&str>,
    given: Option<&Path>,
) -> Result<(Vec<TrustRoot>, Option<String>), String> {
    let read_pinned = |name: &str| -> Result<Option<String>, String> {
        let path = state.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    };
    let pinned = read_pinned(STATE_ROOT)?;
    let given = given.map(read_small).transpose()?;
    let mut roots = Vec::new();
    let (text, to_pin) = match (given, pinned) {
        (Some(given), Some(pinned)) if given != pinned => {
            return Err(format!(
                "the given trust root differs from the one pinned in {}; if the installation \
                 really changed it, start a new state folder",
                state.display()
            ));
        }
        (Some(given), None) => (given.clone(), Some(given)),
        (_, Some(pinned)) => {
            roots.push(TrustRoot::parse(&pinned).map_err(|e| e.to_string())?);
            let (text, to_pin, path) = rotated(client, pinned)?;
            roots.extend(path);
            (text, to_pin)
        }
        (None, None) => {
            let text = client
                .trust_root_text()
                .map_err(|e| format!("fetching the trust root: {e}"))?;
            eprintln!("note: first run, trusting and pinning the server's trust root");
            (text.clone(), Some(text))
        }
    };
    let root = TrustRoot::parse(&text).map_err(|e| e.to_string())?;
    if let Some(old_key) = read_pinned(STATE_KEY)?
        && old_key.trim() != root.log_key
    {
        return Err(format!(
            "the log key pinned in {} differs from the trust root's; if the log really \
             changed its key, start a new state folder",
            state.display()
        ));
    }
    check_given_key(&root, log_key)?;
    if roots.last() != Some(&root) {
        roots.push(root);
    }
    Ok((roots, to_pin))
}

fn check_log(
    server: &str,
    state: &Path,
    log_key: Option<&str>,
    trust_root: Option<&Path>,
) -> Result<Verdict, String> {
    let client = LogClient::new(server);
    ensure_private_dir(state).map_err(|e| format!("state folder {}: {e}", state.display()))?;
    let (roots, to_pin) = monitor_root(&client, state, log_key, trust_root)?;
    let notes: Vec<String> = roots
        .iter()
        .skip(1)
        .map(|r| {
            format!(
                "trust root rotated, signed by the previous officers: {}",
                super::trust_commands::describe_root(r)
            )
        })
        .collect();
    let root = roots.last().cloned().ok_or("no trust root")?;
    let key = root.log_verifier().map_err(|e| e.to_string())?;
    let (note, checkpoint) = client
        .witnessed_checkpoint(&root)
        .map_err(|e| e.to_string())?;
    let stored_path = state.join(STATE_CHECKPOINT);
    let summary = match std::fs::read_to_string(&stored_path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => format!(
            "first checkpoint of {} stored: {} entries",
            checkpoint.origin, checkpoint.size
        ),
        Err(e) => return Err(format!("cannot read {}: {e}", stored_path.display())),
        Ok(stored) => {
            let old = open_checkpoint(&stored, &key).map_err(|e: LogCheckError| {
                format!(
                    "the stored checkpoint {} does not verify with the pinned key ({e}); \
                     the state folder was damaged or tampered with",
                    stored_path.display()
                )
            })?;
            client
                .prove_consistency(&old, &checkpoint)
                .map_err(|e| e.to_string())?;
            check_audit_head(&old, &checkpoint).map_err(|e| e.to_string())?;
            if old.size == checkpoint.size {
                format!(
                    "{} unchanged at {} entries",
                    checkpoint.origin, checkpoint.size
                )
            } else {
                format!(
                    "{} grew from {} to {} entries, consistently",
                    checkpoint.origin, old.size, checkpoint.size
                )
            }
        }
    };
    let followed = super::directory_monitor::follow(&client, &roots, &checkpoint, state)?;
    let write = |path: &Path, text: &str| {
        replace_private_file(path, &[text.as_bytes()])
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    if let Some(pin) = to_pin {
        write(&state.join(STATE_ROOT), &pin)?;
        write(&state.join(STATE_KEY), &format!("{}\n", root.log_key))?;
    }
    write(&stored_path, &note)?;
    if let Some(text) = followed.state {
        write(
            &state.join(super::directory_monitor::STATE_DIRECTORY),
            &text,
        )?;
    }
    for line in notes.iter().chain(&followed.lines) {
        output::write_text(&format!("{line}\n")).map_err(|e| e.to_string())?;
    }
    Ok(Verdict::Ok(summary))
}
