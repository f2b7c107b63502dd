//! `meldpunt user …`, `meldpunt audit verify`, and the first admin's invite at `serve`.
//! Invite links that a person asks for (`user invite`) are printed to standard output, never to
//! the log. The first admin's link, which `serve` makes unasked, goes to a 0600 file in the keys
//! folder ([`FIRST_ADMIN_LINK_FILE`]): a service's standard output usually ends up in a journal
//! that more people can read than should enrol as admin.

use super::database::{block_on, open_app, open_store};
use super::error::{CliError, Verdict};
use super::output::outln;
use super::output::{self, Table};
use super::{AuditCommand, UserCommand};
use crate::protocol::staff_wire::{InviteRequest, InviteResponse};
use crate::server::app::App;
use crate::server::config::Settings;
use crate::server::staff::{accounts, audit};

fn print_invite(answer: &InviteResponse, json: bool) -> Result<(), CliError> {
    if json {
        return output::json(answer);
    }
    outln!("user {} ({})", answer.name, answer.user_id);
    outln!("enrolment link (one use, valid 72 hours): {}", answer.link);
    Ok(())
}

/// Where `serve` writes the first admin's enrolment link, in the keys folder.
pub const FIRST_ADMIN_LINK_FILE: &str = "first-admin-link.txt";

/// On the first start (no users at all), invites a first admin and writes the link to
/// [`FIRST_ADMIN_LINK_FILE`]; prints only where it is.
pub fn write_first_admin_link(app: &App) -> Result<(), CliError> {
    let invite = block_on(accounts::first_admin_invite(app))?;
    if let Some(answer) = invite {
        let path = app.settings.keys.join(FIRST_ADMIN_LINK_FILE);
        let text = format!(
            "The first admin of meldpunt, {:?}, enrols with this link (one use, valid 72 \
             hours). Delete this file once it is used.\n{}\n",
            answer.name, answer.link
        );
        crate::files::replace_private_file(&path, &[text.as_bytes()])
            .map_err(|e| CliError::io(format!("cannot write {}", path.display()), e))?;
        outln!(
            "No staff users yet. The enrolment link for the first admin {:?} is in {} \
             (mode 0600, one use, valid 72 hours); give it to that person only.",
            answer.name,
            path.display()
        );
    }
    Ok(())
}

pub fn user(settings: &Settings, cmd: UserCommand, json: bool) -> Result<Verdict, CliError> {
    match cmd {
        UserCommand::Invite { name, roles, unit } => {
            let req = InviteRequest { name, roles, unit };
            let app = open_app(settings.clone())?;
            let answer = block_on(accounts::invite(&app, req, "cli".into()))?;
            print_invite(&answer, json)?;
        }
        UserCommand::List => {
            let store = open_store(settings)?;
            let users = accounts::list(&store)?;
            if json {
                output::json(&users)?;
                return Ok(Verdict::Done);
            }
            let labels = output::Labels::of_settings(settings);
            let mut table = Table::new(&["NAME", "ROLES", "UNIT", "KEY ID", "STATUS"]);
            for u in &users {
                table.row(vec![
                    u.name.clone(),
                    output::roles_label(&u.roles),
                    u.unit
                        .as_deref()
                        .map_or_else(|| "-".to_owned(), |u| labels.unit(u)),
                    u.kid.clone().unwrap_or_else(|| "-".to_owned()),
                    serde_json::to_value(u.status)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                ]);
            }
            table.print("no staff users")?;
        }
        UserCommand::Disable { name } | UserCommand::Enable { name } if name.is_empty() => {
            return Err(CliError::input("--name is empty"));
        }
        UserCommand::Disable { name } => set(settings, &name, true, json)?,
        UserCommand::Enable { name } => set(settings, &name, false, json)?,
    }
    Ok(Verdict::Done)
}

fn set(settings: &Settings, name: &str, disabled: bool, json: bool) -> Result<(), CliError> {
    let app = open_app(settings.clone())?;
    let user = app
        .store()
        .user_by_name(name)?
        .ok_or_else(|| CliError::input(format!("no user {name:?}")))?;
    block_on(accounts::set_disabled(
        &app,
        &user.user_id,
        disabled,
        "cli".into(),
    ))?;
    if json {
        output::json(&serde_json::json!({ "name": name, "disabled": disabled }))
    } else {
        outln!(
            "user {name} {}",
            if disabled { "disabled" } else { "enabled" }
        );
        Ok(())
    }
}

pub fn audit(settings: &Settings, cmd: AuditCommand) -> Result<Verdict, CliError> {
    let AuditCommand::Verify = cmd;
    let store = open_store(settings)?;
    Ok(match audit::verify(&store)? {
        Ok(None) => Verdict::Ok("the audit chain is empty".into()),
        Ok(Some(head)) => Verdict::Ok(format!(
            "{} record{}; {}",
            head.seq + 1,
            if head.seq == 0 { "" } else { "s" },
            crate::protocol::log::checkpoint::audit_line(Some(&head)).unwrap_or_default()
        )),
        Err(broken) => Verdict::Fail(format!("the audit chain is broken: {broken}")),
    })
}
