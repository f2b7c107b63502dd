//! `meldpunt user …`, `meldpunt audit verify`, and the first admin's invite at `serve`.
//! Invite links that a person asks for (`user invite`) are printed to standard output, never to
//! the log. The first admin's link, which `serve` makes unasked, goes to a 0600 file in the keys
//! folder ([`FIRST_ADMIN_LINK_FILE`]): a service's standard output usually ends up in a journal
//! that more people can read than should enrol as admin.

use super::database::{block_on, open_app, open_store};
use super::{AuditCommand, UserCommand};
use crate::protocol::roles::Role;
use crate::protocol::staff_wire::InviteRequest;
use crate::server::app::App;
use crate::server::config::Settings;
use crate::server::staff::{accounts, audit};

fn print_invite(answer: &crate::protocol::staff_wire::InviteResponse) {
    println!("user {} ({})", answer.name, answer.user_id);
    println!("enrolment link (one use, valid 72 hours): {}", answer.link);
}

/// Where `serve` writes the first admin's enrolment link, in the keys folder.
pub const FIRST_ADMIN_LINK_FILE: &str = "first-admin-link.txt";

/// On the first start (no users at all), invites a first admin and writes the link to
/// [`FIRST_ADMIN_LINK_FILE`]; prints only where it is.
pub fn write_first_admin_link(app: &App) -> Result<(), String> {
    let invite = block_on(accounts::first_admin_invite(app)).map_err(|e| e.to_string())?;
    if let Some(answer) = invite {
        let path = app.settings.keys.join(FIRST_ADMIN_LINK_FILE);
        let text = format!(
            "The first admin of meldpunt, {:?}, enrols with this link (one use, valid 72 \
             hours). Delete this file once it is used.\n{}\n",
            answer.name, answer.link
        );
        crate::files::replace_private_file(&path, &[text.as_bytes()])
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!(
            "No staff users yet. The enrolment link for the first admin {:?} is in {} \
             (mode 0600, one use, valid 72 hours); give it to that person only.",
            answer.name,
            path.display()
        );
    }
    Ok(())
}

pub fn user(settings: &Settings, cmd: UserCommand) -> Result<(), String> {
    match cmd {
        UserCommand::Invite { name, roles, unit } => {
            let roles = roles
                .iter()
                .map(|r| {
                    Role::parse(r).ok_or_else(|| {
                        format!(
                            "unknown role {r:?}; one of intake, investigator, custodian, \
                             auditor, admin"
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let req = InviteRequest { name, roles, unit };
            let app = open_app(settings.clone())?;
            let answer =
                block_on(accounts::invite(&app, req, "cli".into())).map_err(|e| e.to_string())?;
            print_invite(&answer);
        }
        UserCommand::List => {
            let store = open_store(settings)?;
            for u in accounts::list(&store).map_err(|e| e.to_string())? {
                let roles: Vec<&str> = u.roles.iter().map(|r| r.name()).collect();
                println!(
                    "{}\t{}\t{}\t{}\t{:?}",
                    u.name,
                    roles.join(","),
                    u.unit.as_deref().unwrap_or("-"),
                    u.kid.as_deref().unwrap_or("-"),
                    u.status
                );
            }
        }
        UserCommand::Disable { name } | UserCommand::Enable { name } if name.is_empty() => {
            return Err("--name is empty".into());
        }
        UserCommand::Disable { name } => set(settings, &name, true)?,
        UserCommand::Enable { name } => set(settings, &name, false)?,
    }
    Ok(())
}

fn set(settings: &Settings, name: &str, disabled: bool) -> Result<(), String> {
    let app = open_app(settings.clone())?;
    let user = app
        .store()
        .user_by_name(name)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no user {name:?}"))?;
    block_on(accounts::set_disabled(
        &app,
        &user.user_id,
        disabled,
        "cli".into(),
    ))
    .map_err(|e| e.to_string())?;
    println!(
        "user {name} {}",
        if disabled { "disabled" } else { "enabled" }
    );
    Ok(())
}

pub fn audit(settings: &Settings, cmd: AuditCommand) -> Result<(), String> {
    let AuditCommand::Verify = cmd;
    let store = open_store(settings)?;
    match audit::verify(&store).map_err(|e| e.to_string())? {
        Ok(None) => println!("OK: the audit chain is empty"),
        Ok(Some(head)) => println!(
            "OK: {} records; {}",
            head.seq + 1,
            crate::protocol::log::checkpoint::audit_line(Some(&head)).unwrap_or_default()
        ),
        Err(broken) => return Err(format!("FAIL: the audit chain is broken: {broken}")),
    }
    Ok(())
}
