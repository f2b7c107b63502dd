//! `meldpunt staff login|logout|whoami` and the online `meldpunt case …` commands: the staff
//! CLI for those who prefer a terminal to the browser. Everything a browser would do happens
//! here: the key derivation, unwrapping the private key, unwrapping and re-wrapping case keys,
//! encrypting and decrypting. The password and the private key never leave this process and
//! are never written anywhere; the session file holds the session and the wrapped key only.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::error::{CliError, Verdict};
use super::output::outln;
use super::output::{self, Labels, Table, local_date, local_hour};
use super::{OnlineCaseCommand, PasswordArgs, StaffCommand};
use crate::clients::staff::session::{DeviceTokens, SavedSession, check_server_url, default_path};
use crate::clients::staff::{OpenedStaffCase, StaffClient};

fn session_path(given: Option<&Path>) -> PathBuf {
    given.map(Path::to_path_buf).unwrap_or_else(default_path)
}

/// Reads one visible line from standard input, after a prompt on a terminal.
fn read_line(prompt: &str) -> Result<Zeroizing<String>, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() && !prompt.is_empty() {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    let mut line = Zeroizing::new(String::new());
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::io("cannot read standard input", e))?;
    let trimmed = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
    if trimmed.is_empty() {
        return Err(CliError::input(format!(
            "no input for {}",
            prompt.trim_end_matches(": ")
        )));
    }
    Ok(trimmed)
}

/// Asks for a secret on the terminal without echo (rpassword restores the terminal however
/// the read ends, Ctrl-C included); with `--password-stdin`, the first line of stdin.
fn read_secret(prompt: &str, args: &PasswordArgs) -> Result<Zeroizing<String>, CliError> {
    if args.password_stdin {
        return read_line("").map_err(|_| CliError::input("no password on standard input"));
    }
    let secret = Zeroizing::new(
        rpassword::prompt_password(prompt)
            .map_err(|e| CliError::io("cannot read the password from the terminal", e))?,
    );
    if secret.is_empty() {
        return Err(CliError::input("no password given"));
    }
    Ok(secret)
}

fn read_password(args: &PasswordArgs) -> Result<Zeroizing<String>, CliError> {
    read_secret("Password: ", args)
}

pub fn staff(session: Option<&Path>, cmd: StaffCommand, json: bool) -> Result<Verdict, CliError> {
    let path = session_path(session);
    match cmd {
        StaffCommand::Enrol { link, password } => enrol(&link, &password, &path, json)?,
        StaffCommand::Login {
            server,
            name,
            totp,
            password,
        } => {
            let password = read_password(&password)?;
            let code = match totp {
                Some(code) => Zeroizing::new(code),
                None => read_line("TOTP code: ")?,
            };
            check_server_url(&server)?;
            let mut devices = DeviceTokens::beside(&path);
            let mut client = StaffClient::new(&server);
            client.device_token = devices.get(&server, &name);
            let login = client.login(&name, &password, &code)?;
            devices.put(&server, &name, &login.device_token)?;
            let saved = SavedSession::of(&server, &client, &login)
                .ok_or_else(|| CliError::input("the server set no session cookie"))?;
            saved.save(&path)?;
            if json {
                output::json(&login.user)?;
            } else {
                outln!(
                    "signed in as {} ({}); the session ends after 30 idle minutes",
                    login.user.name,
                    output::roles_label(&login.user.roles)
                );
            }
        }
        StaffCommand::Logout => {
            let saved = SavedSession::load(&path)?;
            // Remove the file even if the server already forgot the session.
            let result = saved.client().logout();
            std::fs::remove_file(&path)
                .map_err(|e| CliError::io(format!("cannot remove {}", path.display()), e))?;
            result?;
            if !json {
                outln!("signed out");
            }
        }
        StaffCommand::Whoami => {
            let saved = SavedSession::load(&path)?;
            let me = saved.client().me()?;
            if json {
                output::json(&me)?;
            } else {
                let unit = me.unit.as_deref().map_or_else(
                    || "-".to_owned(),
                    |u| Labels::of_server(&saved.server).unit(u),
                );
                outln!(
                    "{} ({}, {unit}) at {}",
                    me.name,
                    output::roles_label(&me.roles),
                    saved.server
                );
            }
        }
    }
    Ok(Verdict::Done)
}

/// `meldpunt staff enrol`: the link is `<server>/staff/enrol#<token>`.
fn enrol(
    link: &str,
    password: &PasswordArgs,
    session_path: &Path,
    json: bool,
) -> Result<(), CliError> {
    let (page, token) = link
        .split_once('#')
        .ok_or_else(|| CliError::input("the link must end in #TOKEN, as the admin received it"))?;
    let server = page
        .strip_suffix("/staff/enrol")
        .ok_or_else(|| CliError::input("the link must look like https://…/staff/enrol#TOKEN"))?;
    check_server_url(server)?;
    let client = StaffClient::new(server);
    let info = client.enrol_info(token)?;
    let unit = info.unit.as_deref().unwrap_or("-");
    eprintln!(
        "Enrolling {} ({}, unit {unit}).",
        info.name,
        output::roles_label(&info.roles)
    );
    let chosen = read_password(password)?;
    if !password.password_stdin {
        let again = read_secret("Password again: ", password)?;
        if *again != *chosen {
            return Err(CliError::input("the passwords differ"));
        }
    }
    if chosen.chars().count() < 12 {
        return Err(CliError::input(
            "choose a password of at least 12 characters",
        ));
    }
    eprintln!("Add this to your authenticator app (TOTP, SHA-1, 6 digits, 30 s):");
    eprintln!("  secret: {}", info.totp.secret);
    eprintln!("  or:     {}", info.totp.uri);
    let code = read_line("Current code from the app: ")?;
    let enrolled = client.enrol_with_code(token, &info, &chosen, None, &code)?;
    DeviceTokens::beside(session_path).put(server, &info.name, &enrolled.response.device_token)?;
    if json {
        return output::json(&serde_json::json!({
            "name": info.name,
            "kid": enrolled.response.kid,
        }));
    }
    outln!(
        "enrolled {} (key {}); sign in with: meldpunt staff login --server {server} --name {:?}",
        info.name,
        enrolled.response.kid,
        info.name
    );
    Ok(())
}

/// The session's client, with the private key unlocked by the password and this machine's
/// pinned trust root and colleagues' keys (`staff-pins.json` beside the session).
fn unlocked(
    saved: &SavedSession,
    session: &Path,
    password: &PasswordArgs,
) -> Result<StaffClient, CliError> {
    let mut client = saved.client();
    client.pins = std::sync::Mutex::new(crate::clients::staff::pins::Pins::beside(session)?);
    let password = read_password(password)?;
    client.unlock(&password, &saved.wrapped_private_key)?;
    Ok(client)
}

/// `case show` for people: the case's facts, the report's fields, then messages and notes.
fn print_case(opened: &OpenedStaffCase, labels: &Labels) -> Result<(), CliError> {
    let row = &opened.detail.row;
    outln!("Case      {}", row.case_ref);
    outln!("Theme     {}", labels.theme(&row.theme));
    outln!("Unit      {}", labels.unit(&row.unit));
    outln!("Status    {}", output::status_label(row.status));
    outln!("Received  {}", local_hour(row.received_hour));
    outln!(
        "Acknowledge by  {}",
        local_date(row.deadlines.acknowledge_by)
    );
    if let Some(by) = row.deadlines.feedback_by {
        outln!("Feedback by     {}", local_date(by));
    }
    if let Some(triage) = &row.triage {
        outln!(
            "Triage    {} ({})",
            output::outcome_label(triage.outcome),
            local_hour(triage.hour)
        );
    }
    if !row.assigned.is_empty() {
        outln!("Assigned  {}", row.assigned.join(", "));
    }
    outln!("\nReport");
    match &opened.report {
        serde_json::Value::Object(fields) => {
            for (key, value) in fields {
                match value {
                    serde_json::Value::String(text) => outln!("  {key}: {text}"),
                    other => outln!("  {key}: {other}"),
                }
            }
        }
        other => outln!("  {other}"),
    }
    for (title, texts) in [("Messages", &opened.messages), ("Notes", &opened.notes)] {
        outln!("\n{title} ({})", texts.len());
        for text in texts.iter() {
            outln!("  ---");
            for line in text.lines() {
                outln!("  {line}");
            }
        }
    }
    Ok(())
}

pub fn case(
    session: Option<&Path>,
    cmd: OnlineCaseCommand,
    json: bool,
) -> Result<Verdict, CliError> {
    let session_path = session_path(session);
    let saved = SavedSession::load(&session_path)?;
    match cmd {
        OnlineCaseCommand::List {
            status,
            theme,
            unit,
            overdue,
        } => {
            let mut query = Vec::new();
            let status = status.map(|s| s.name().to_owned());
            for (key, value) in [("status", status), ("theme", theme), ("unit", unit)] {
                if let Some(value) = value {
                    query.push(format!("{key}={value}"));
                }
            }
            if overdue {
                query.push("overdue=true".to_owned());
            }
            let list = saved.client().cases(&query.join("&"))?;
            if json {
                output::json(&list)?;
                return Ok(Verdict::Done);
            }
            let labels = Labels::of_server(&saved.server);
            let mut table = Table::new(&[
                "CASE", "STATUS", "THEME", "UNIT", "RECEIVED", "DUE", "ASSIGNED",
            ]);
            for row in &list.cases {
                let due = row
                    .deadlines
                    .feedback_by
                    .unwrap_or(row.deadlines.acknowledge_by);
                table.row(vec![
                    row.case_ref.clone(),
                    output::status_label(row.status).to_owned(),
                    labels.theme(&row.theme),
                    labels.unit(&row.unit),
                    local_hour(row.received_hour),
                    if row.overdue {
                        format!("{} OVERDUE", local_date(due))
                    } else {
                        local_date(due)
                    },
                    row.assigned.join(", "),
                ]);
            }
            table.print("no cases")?;
            if list.total > list.cases.len() {
                outln!("{} of {} cases shown", list.cases.len(), list.total);
            }
        }
        OnlineCaseCommand::Show { case_ref, password } => {
            let opened = unlocked(&saved, &session_path, &password)?.open_case(&case_ref)?;
            if json {
                output::json(&serde_json::json!({
                    "ref": opened.detail.row.case_ref,
                    "theme": opened.detail.row.theme,
                    "unit": opened.detail.row.unit,
                    "status": opened.detail.row.status,
                    "deadlines": opened.detail.row.deadlines,
                    "report": opened.report,
                    "messages": opened.messages,
                    "notes": opened.notes,
                }))?;
            } else {
                print_case(&opened, &Labels::of_server(&saved.server))?;
            }
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
            let client = unlocked(&saved, &session_path, &password)?;
            let target = client
                .assignable(&case_ref)?
                .into_iter()
                .find(|a| a.name == to)
                .ok_or_else(|| {
                    CliError::input(format!("{to} is not an investigator this case can go to"))
                })?;
            client.assign(&case_ref, &target)?;
            done(
                json,
                &case_ref,
                &format!("{case_ref} assigned to {to}"),
                None,
            )?;
        }
        OnlineCaseCommand::Triage {
            case_ref,
            outcome,
            reason,
            password,
        } => {
            let client = unlocked(&saved, &session_path, &password)?;
            client.triage(&case_ref, outcome, &reason)?;
            let said = format!("{case_ref} triaged: {}", output::outcome_label(outcome));
            done(json, &case_ref, &said, None)?;
        }
        OnlineCaseCommand::Status {
            case_ref,
            status,
            outcome,
        } => {
            let statement = saved.client().set_status(&case_ref, status, outcome)?;
            let said = format!(
                "{case_ref} is now {}; the reporter sees the signed statement",
                output::status_label(status)
            );
            done(json, &case_ref, &said, Some(&statement))?;
        }
        OnlineCaseCommand::Reply {
            case_ref,
            text,
            password,
        } => {
            let statement = unlocked(&saved, &session_path, &password)?.reply(&case_ref, &text)?;
            let said = format!("reply sent to the reporter of {case_ref}");
            done(json, &case_ref, &said, Some(&statement))?;
        }
        OnlineCaseCommand::Note {
            case_ref,
            text,
            password,
        } => {
            unlocked(&saved, &session_path, &password)?.note(&case_ref, &text)?;
            done(json, &case_ref, &format!("note stored on {case_ref}"), None)?;
        }
    }
    Ok(Verdict::Done)
}

/// A case action's answer: a sentence, or JSON with the signed statement it produced.
fn done(json: bool, case_ref: &str, said: &str, statement: Option<&str>) -> Result<(), CliError> {
    if json {
        return output::json(&serde_json::json!({ "ref": case_ref, "statement": statement }));
    }
    outln!("{said}");
    Ok(())
}
