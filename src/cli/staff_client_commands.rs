//! `meldpunt staff login|logout|whoami` and the online `meldpunt case …` commands: the staff
//! CLI for those who prefer a terminal to the browser. Everything a browser would do happens
//! here: the key derivation, unwrapping the private key, unwrapping and re-wrapping case keys,
//! encrypting and decrypting. The password and the private key never leave this process and
//! are never written anywhere; the session file holds the session and the wrapped key only.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use zeroize::Zeroizing;

use super::{OnlineCaseCommand, PasswordArgs, StaffCommand};
use crate::clients::staff::StaffClient;
use crate::clients::staff::session::{DeviceTokens, SavedSession, check_server_url, default_path};
use crate::protocol::roles::Outcome;
use crate::protocol::statements::Status;

fn session_path(given: Option<&Path>) -> PathBuf {
    given.map(Path::to_path_buf).unwrap_or_else(default_path)
}

/// Reads one line; on a terminal with a prompt first (and without echo when `hidden`).
fn read_line(prompt: &str, hidden: bool) -> Result<Zeroizing<String>, String> {
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal() && !prompt.is_empty();
    if interactive {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    let echo = |on: bool| {
        if interactive && hidden {
            // No terminal crate for one prompt: stty is on every system that has a terminal.
            let _ = Process::new("stty")
                .arg(if on { "echo" } else { "-echo" })
                .stdin(Stdio::inherit())
                .status();
        }
    };
    echo(false);
    let mut line = Zeroizing::new(String::new());
    let read = stdin.lock().read_line(&mut line);
    echo(true);
    if interactive && hidden {
        eprintln!();
    }
    read.map_err(|e| e.to_string())?;
    let trimmed = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
    if trimmed.is_empty() {
        return Err(format!("no input for {}", prompt.trim_end_matches(": ")));
    }
    Ok(trimmed)
}

fn read_password(args: &PasswordArgs) -> Result<Zeroizing<String>, String> {
    if args.password_stdin {
        read_line("", true).map_err(|_| "no password on standard input".to_owned())
    } else {
        read_line("Password: ", true)
    }
}

fn parse_word<T: serde::de::DeserializeOwned>(what: &str, word: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(word.to_owned()))
        .map_err(|_| format!("unknown {what} {word:?}"))
}

pub fn staff(session: Option<&Path>, cmd: StaffCommand) -> Result<(), String> {
    let path = session_path(session);
    match cmd {
        StaffCommand::Enrol { link, password } => enrol(&link, &password, &path)?,
        StaffCommand::Login {
            server,
            name,
            totp,
            password,
        } => {
            let password = read_password(&password)?;
            let code = match totp {
                Some(code) => Zeroizing::new(code),
                None => read_line("TOTP code: ", false)?,
            };
            check_server_url(&server).map_err(|e| e.to_string())?;
            let mut devices = DeviceTokens::beside(&path);
            let mut client = StaffClient::new(&server);
            client.device_token = devices.get(&server, &name);
            let login = client
                .login(&name, &password, &code)
                .map_err(|e| e.to_string())?;
            devices
                .put(&server, &name, &login.device_token)
                .map_err(|e| e.to_string())?;
            let saved = SavedSession::of(&server, &client, &login)
                .ok_or("the server set no session cookie")?;
            saved.save(&path).map_err(|e| e.to_string())?;
            println!(
                "signed in as {} ({}); the session ends after 30 idle minutes",
                login.user.name,
                roles(&login.user.roles)
            );
        }
        StaffCommand::Logout => {
            let saved = SavedSession::load(&path).map_err(|e| e.to_string())?;
            // Remove the file even if the server already forgot the session.
            let result = saved.client().logout();
            std::fs::remove_file(&path).map_err(|e| e.to_string())?;
            result.map_err(|e| e.to_string())?;
            println!("signed out");
        }
        StaffCommand::Whoami => {
            let saved = SavedSession::load(&path).map_err(|e| e.to_string())?;
            let me = saved.client().me().map_err(|e| e.to_string())?;
            let unit = me.unit.as_deref().unwrap_or("-");
            println!(
                "{} ({}, unit {unit}) at {}",
                me.name,
                roles(&me.roles),
                saved.server
            );
        }
    }
    Ok(())
}

/// `meldpunt staff enrol`: the link is `<server>/staff/enrol#<token>`.
fn enrol(link: &str, password: &PasswordArgs, session_path: &Path) -> Result<(), String> {
    let (page, token) = link
        .split_once('#')
        .ok_or("the link must end in #TOKEN, as the admin received it")?;
    let server = page
        .strip_suffix("/staff/enrol")
        .ok_or("the link must look like https://…/staff/enrol#TOKEN")?;
    check_server_url(server).map_err(|e| e.to_string())?;
    let client = StaffClient::new(server);
    let info = client.enrol_info(token).map_err(|e| e.to_string())?;
    let unit = info.unit.as_deref().unwrap_or("-");
    eprintln!(
        "Enrolling {} ({}, unit {unit}).",
        info.name,
        roles(&info.roles)
    );
    let chosen = read_password(password)?;
    if !password.password_stdin {
        let again = read_line("Password again: ", true)?;
        if *again != *chosen {
            return Err("the passwords differ".into());
        }
    }
    if chosen.chars().count() < 12 {
        return Err("choose a password of at least 12 characters".into());
    }
    eprintln!("Add this to your authenticator app (TOTP, SHA-1, 6 digits, 30 s):");
    eprintln!("  secret: {}", info.totp.secret);
    eprintln!("  or:     {}", info.totp.uri);
    let code = read_line("Current code from the app: ", false)?;
    let enrolled = client
        .enrol_with_code(token, &info, &chosen, None, &code)
        .map_err(|e| e.to_string())?;
    DeviceTokens::beside(session_path)
        .put(server, &info.name, &enrolled.response.device_token)
        .map_err(|e| e.to_string())?;
    println!(
        "enrolled {} (key {}); sign in with: meldpunt staff login --server {server} --name {:?}",
        info.name, enrolled.response.kid, info.name
    );
    Ok(())
}

fn roles(roles: &[crate::protocol::roles::Role]) -> String {
    serde_json::to_value(roles)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.as_str().map(str::to_owned))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The session's client, with the private key unlocked by the password.
fn unlocked(saved: &SavedSession, password: &PasswordArgs) -> Result<StaffClient, String> {
    let mut client = saved.client();
    let password = read_password(password)?;
    client
        .unlock(&password, &saved.wrapped_private_key)
        .map_err(|e| e.to_string())?;
    Ok(client)
}

fn hour(secs: u64) -> String {
    let days = secs / crate::protocol::time::DAY;
    let (y, m, d) = crate::protocol::time::civil_date(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}h",
        (secs % crate::protocol::time::DAY) / 3600
    )
}

pub fn case(session: Option<&Path>, cmd: OnlineCaseCommand) -> Result<(), String> {
    let saved = SavedSession::load(&session_path(session)).map_err(|e| e.to_string())?;
    let fail = |e: crate::clients::ClientError| e.to_string();
    match cmd {
        OnlineCaseCommand::List {
            status,
            theme,
            unit,
            overdue,
        } => {
            let mut query = Vec::new();
            for (key, value) in [("status", status), ("theme", theme), ("unit", unit)] {
                if let Some(value) = value {
                    query.push(format!("{key}={value}"));
                }
            }
            if overdue {
                query.push("overdue=true".to_owned());
            }
            let list = saved.client().cases(&query.join("&")).map_err(fail)?;
            println!("{} case(s)", list.total);
            for row in &list.cases {
                let status = serde_json::to_value(row.status).unwrap_or_default();
                println!(
                    "{}\t{}\t{}\t{}\treceived {}{}\t{}",
                    row.case_ref,
                    status.as_str().unwrap_or("?"),
                    row.theme,
                    row.unit,
                    hour(row.received_hour),
                    if row.overdue { "\tOVERDUE" } else { "" },
                    row.assigned.join(", ")
                );
            }
        }
        OnlineCaseCommand::Show { case_ref, password } => {
            let opened = unlocked(&saved, &password)?
                .open_case(&case_ref)
                .map_err(fail)?;
            let shown = serde_json::json!({
                "ref": opened.detail.row.case_ref,
                "theme": opened.detail.row.theme,
                "unit": opened.detail.row.unit,
                "status": opened.detail.row.status,
                "deadlines": opened.detail.row.deadlines,
                "report": opened.report,
                "messages": opened.messages,
                "notes": opened.notes,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&shown).map_err(|e| e.to_string())?
            );
            if !opened.unreadable.is_empty() {
                eprintln!(
                    "note: {} message(s) or note(s) could not be read: their ciphertext does \
                     not open under this case's keys (sent that way by the reporter or a \
                     colleague); everything else is shown",
                    opened.unreadable.len()
                );
            }
        }
        OnlineCaseCommand::Assign {
            case_ref,
            to,
            password,
        } => {
            let client = unlocked(&saved, &password)?;
            let target = client
                .assignable(&case_ref)
                .map_err(fail)?
                .into_iter()
                .find(|a| a.name == to)
                .ok_or_else(|| format!("{to} is not an investigator this case can go to"))?;
            client.assign(&case_ref, &target).map_err(fail)?;
            println!("{case_ref} assigned to {to}");
        }
        OnlineCaseCommand::Triage {
            case_ref,
            outcome,
            reason,
            password,
        } => {
            let outcome: Outcome = parse_word("outcome", &outcome)?;
            let client = unlocked(&saved, &password)?;
            client.triage(&case_ref, outcome, &reason).map_err(fail)?;
            println!("{case_ref} triaged");
        }
        OnlineCaseCommand::Status {
            case_ref,
            status,
            outcome,
        } => {
            let status: Status = parse_word("status", &status)?;
            let outcome: Option<Outcome> =
                outcome.map(|o| parse_word("outcome", &o)).transpose()?;
            let statement = saved
                .client()
                .set_status(&case_ref, status, outcome)
                .map_err(fail)?;
            println!("{statement}");
        }
        OnlineCaseCommand::Reply {
            case_ref,
            text,
            password,
        } => {
            let statement = unlocked(&saved, &password)?
                .reply(&case_ref, &text)
                .map_err(fail)?;
            println!("{statement}");
        }
        OnlineCaseCommand::Note {
            case_ref,
            text,
            password,
        } => {
            unlocked(&saved, &password)?
                .note(&case_ref, &text)
                .map_err(fail)?;
            println!("note stored");
        }
    }
    Ok(())
}
