//! Changes staff make to a case: assignment, triage, status, messages to the reporter, notes.
//!
//! Contract:
//! - Each change is one sequencer change: it reads the caller's current record, the case and
//!   its staff state through the batch, checks everything (role, relation to the case, state,
//!   wraps, item, the case's room), then writes the case, the item, the statement and its
//!   audit record together; the answer comes once they are durable. Nothing can change the
//!   case between a check and its write, and a user disabled meanwhile is refused.
//! - The server cannot grant access: assignment and triage carry wraps made by the caller's
//!   client, and the server checks only that they go to exactly the right keys
//!   (`server::recipients`).
//! - Assignment: by an intake holder, to an enabled investigator of the case's unit or
//!   `national` whose key the signed recipient directory lists, unchanged and not suspended
//!   (DESIGN §11); wraps = exactly a thread wrap to the target's kid, plus an internal wrap to
//!   it if the case has an internal key.
//! - Triage (once per case): by an intake holder; the internal wraps go to exactly the active
//!   holders of a thread wrap at that moment that the directory lists
//!   (`recipients::thread_holders`); the reason is a note item under the internal key.
//! - Status: by an intake holder or an assigned investigator, along received → acknowledged →
//!   investigating | referred | handled_in_line → closed (closed carries an outcome).

use super::StaffError;
use super::accounts::{parse_user_id, user_id_text};
use super::cases::{Access, access};
use crate::protocol::crypto::item::{Item, ItemKind};
use crate::protocol::domain::NATIONAL_UNIT;
use crate::protocol::roles::Role;
use crate::protocol::staff_wire::{AssignRequest, StatusRequest, TriageRequest};
use crate::protocol::statements::{Party, Status, StatusChange};
use crate::protocol::wire::StatementResponse;
use crate::server::app::App;
use crate::server::cases::{self, STAFF_ALLOWANCE, check_item};
use crate::server::recipients;
use crate::server::sequencer::{StatementDraft, Tx};
use crate::server::store::CaseRecord;
use crate::server::store::staff::{AuditEntry, CaseStaff, ItemAuthor, Triage, UserRecord};

/// Runs `change` as a sequencer change with the caller's access to `case_ref`, read inside the
/// batch (the caller's record as it is now: a user disabled since sign-in is refused).
async fn change_case<T: Send + 'static>(
    app: &App,
    user: &UserRecord,
    case_ref: &str,
    change: impl FnOnce(&mut Tx<'_>, Access, &UserRecord) -> Result<T, StaffError> + Send + 'static,
) -> Result<T, StaffError> {
    let (user_id, case_ref) = (user.user_id, case_ref.to_owned());
    app.sequencer
        .run(move |tx| {
            let user = tx
                .user(&user_id)?
                .filter(UserRecord::active)
                .ok_or(StaffError::Forbidden)?;
            let access = access(tx, &user, &case_ref)?;
            change(tx, access, &user)
        })
        .await
}

fn require(ok: bool) -> Result<(), StaffError> {
    if ok {
        Ok(())
    } else {
        Err(StaffError::Forbidden)
    }
}

fn audit(user: &UserRecord, action: &str, detail: String, access: &Access) -> AuditEntry {
    AuditEntry::new(user_id_text(&user.user_id), action, detail).on_case(&access.case.case_ref)
}

/// Records `user` as the author of a staff item, and that they have seen the reporter's
/// messages so far (they are answering them).
fn authored(tx: &Tx<'_>, staff: &mut CaseStaff, case: &CaseRecord, user: &UserRecord, item: &Item) {
    let id = user_id_text(&user.user_id);
    staff.authors.push(ItemAuthor {
        item: crate::protocol::b64::encode(item.id),
        user: id.clone(),
        hour: tx.hour(),
        note: item.kind == ItemKind::Note,
    });
    staff.seen.insert(id, case.reporter_messages);
}

pub async fn assign(
    app: &App,
    user: &UserRecord,
    case_ref: &str,
    req: AssignRequest,
) -> Result<(), StaffError> {
    let target_id = parse_user_id(&req.user_id)
        .map_err(|_| StaffError::InvalidRequest("user_id: 16 bytes of b64u".into()))?;
    change_case(app, user, case_ref, move |tx, access, user| {
        require(access.intake_holder)?;
        let target = tx.user(&target_id)?.filter(|t| {
            t.active()
                && t.has(Role::Investigator)
                && t.unit
                    .as_deref()
                    .is_some_and(|u| u == access.case.unit || u == NATIONAL_UNIT)
        });
        let Some(target) = target else {
            return Err(StaffError::InvalidState(
                "the user is not an enabled investigator of this case's unit or national".into(),
            ));
        };
        if access.staff.assigned.contains(&req.user_id) {
            return Err(StaffError::InvalidState("already assigned".into()));
        }
        let kid = target.kid().unwrap_or_default();
        // Only a key the officers signed into the directory, unchanged and not suspended,
        // may receive a case key (DESIGN §11): an admin alone cannot make a reader.
        let readers = recipients::readers(tx)?;
        let listed = readers.active_entry(kid).is_some_and(|e| {
            Some(e.public_key) == target.enrolled.as_ref().map(|en| en.public_key)
        });
        if !listed {
            return Err(StaffError::InvalidState(
                "this investigator's key is not in the signed recipient directory (yet): the \
                 directory officers must sign a directory that lists it first"
                    .into(),
            ));
        }
        recipients::check(&req.wraps, &recipients::assignment_wraps(kid, &access.case))?;
        let detail = format!("user {}", req.user_id);
        tx.audit(audit(user, "case.assigned", detail, &access))?;
        let (mut case, mut staff) = (access.case, access.staff);
        staff.assigned.push(req.user_id);
        case.wraps.extend(req.wraps);
        tx.put_case_staff(case.case_id, staff);
        tx.put_case(case);
        Ok(())
    })
    .await
}

pub async fn triage(
    app: &App,
    user: &UserRecord,
    case_ref: &str,
    req: TriageRequest,
) -> Result<(), StaffError> {
    check_item(&req.note, ItemKind::Note)?;
    change_case(app, user, case_ref, move |tx, access, user| {
        require(access.intake_holder)?;
        if access.staff.triage.is_some() {
            return Err(StaffError::InvalidState(
                "the case is already triaged".into(),
            ));
        }
        let holders = recipients::thread_holders(tx, &access.case)?;
        recipients::check(&req.wraps, &recipients::triage_wraps(&holders))?;
        let detail = format!("outcome {}", req.outcome.name());
        tx.audit(audit(user, "case.triaged", detail, &access))?;
        let (mut case, mut staff) = (access.case, access.staff);
        staff.triage = Some(Triage {
            outcome: req.outcome,
            hour: tx.hour(),
            note: crate::protocol::b64::encode(req.note.id),
        });
        authored(tx, &mut staff, &case, user, &req.note);
        cases::add_item(tx, &mut case, req.note, STAFF_ALLOWANCE)?;
        case.wraps.extend(req.wraps);
        tx.put_case_staff(case.case_id, staff);
        tx.put_case(case);
        Ok(())
    })
    .await
}

/// Whether `from → to` is a step DESIGN §4 allows.
pub fn transition_allowed(from: Status, to: Status) -> bool {
    use Status::*;
    matches!(
        (from, to),
        (Received, Acknowledged)
            | (Acknowledged, Investigating | Referred | HandledInLine)
            | (Investigating | Referred | HandledInLine, Closed)
    )
}

pub async fn set_status(
    app: &App,
    user: &UserRecord,
    case_ref: &str,
    req: StatusRequest,
) -> Result<StatementResponse, StaffError> {
    let Some(change) = StatusChange::new(req.status, req.outcome) else {
        return Err(StaffError::InvalidRequest(
            "outcome: required for closed, and only for closed".into(),
        ));
    };
    let statement = change_case(app, user, case_ref, move |tx, access, user| {
        require(access.works_on())?;
        let mut case = access.case.clone();
        if !transition_allowed(case.status, change.status()) {
            return Err(StaffError::InvalidState(format!(
                "a case cannot go from {} to {}",
                case.status.name(),
                change.status().name()
            )));
        }
        cases::check_statement_room(&case, STAFF_ALLOWANCE)?;
        let detail = format!("status {}", change.status().name());
        tx.audit(audit(user, "case.status", detail, &access))?;
        case.status = change.status();
        if change.status() == Status::Acknowledged {
            case.acknowledged_hour = Some(tx.hour());
        }
        let statement = tx.append_statement(&mut case, StatementDraft::Status(change))?;
        tx.put_case(case);
        Ok(statement)
    })
    .await?;
    Ok(StatementResponse { statement })
}

pub async fn post_message(
    app: &App,
    user: &UserRecord,
    case_ref: &str,
    item: Item,
) -> Result<StatementResponse, StaffError> {
    check_item(&item, ItemKind::Message)?;
    let statement = change_case(app, user, case_ref, move |tx, access, user| {
        require(access.works_on())?;
        let mut case = access.case.clone();
        cases::check_statement_room(&case, STAFF_ALLOWANCE)?;
        let item_hash = item.hash();
        let detail = format!("item {}", crate::protocol::b64::encode(item_hash));
        let mut staff = access.staff.clone();
        authored(tx, &mut staff, &case, user, &item);
        tx.put_case_staff(case.case_id, staff);
        cases::add_item(tx, &mut case, item, STAFF_ALLOWANCE)?;
        tx.audit(audit(user, "case.message", detail, &access))?;
        let draft = StatementDraft::Message {
            from: Party::Staff,
            item: item_hash,
        };
        let statement = tx.append_statement(&mut case, draft)?;
        tx.put_case(case);
        Ok(statement)
    })
    .await?;
    Ok(StatementResponse { statement })
}

pub async fn post_note(
    app: &App,
    user: &UserRecord,
    case_ref: &str,
    item: Item,
) -> Result<(), StaffError> {
    check_item(&item, ItemKind::Note)?;
    change_case(app, user, case_ref, move |tx, access, user| {
        require(access.works_on() && access.internal)?;
        let mut case = access.case.clone();
        let detail = format!("item {}", crate::protocol::b64::encode(item.hash()));
        let mut staff = access.staff.clone();
        authored(tx, &mut staff, &case, user, &item);
        tx.put_case_staff(case.case_id, staff);
        cases::add_item(tx, &mut case, item, STAFF_ALLOWANCE)?;
        tx.audit(audit(user, "case.note", detail, &access))?;
        tx.put_case(case);
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_design() {
        use Status::*;
        assert!(transition_allowed(Received, Acknowledged));
        assert!(transition_allowed(Acknowledged, Investigating));
        assert!(transition_allowed(HandledInLine, Closed));
        assert!(!transition_allowed(Received, Investigating));
        assert!(!transition_allowed(Closed, Acknowledged));
        assert!(!transition_allowed(Acknowledged, Closed));
        assert!(!transition_allowed(Acknowledged, Acknowledged));
    }
}
