//! Changes staff make to a case: assignment, triage, status, messages to the reporter, notes.
//!
//! Contract:
//! - Each change is checked completely (role, relation to the case, state, wraps, item) under
//!   `StaffState::case_lock`, then applied by `StaffStore::change_case` in one transaction with
//!   its audit record (and, for status and messages, its signed statement and log leaf); the
//!   answer comes after `sync`.
//! - The server cannot grant access: assignment and triage carry wraps made by the caller's
//!   client, and the server checks only that they go to exactly the right keys.
//! - Assignment: by an intake holder, to an enabled investigator of the case's unit or
//!   `national`; wraps = exactly a thread wrap to the target's kid, plus an internal wrap to it
//!   if the case has an internal key.
//! - Triage (once per case): by an intake holder; the internal wraps go to exactly the active
//!   staff keys that hold a thread wrap at that moment (`cases::thread_holders`: enabled intake
//!   recipients, recipients still registered by hand, assigned investigators; never a disabled
//!   user); the reason is a note item under the internal key.
//! - Status: by an intake holder or an assigned investigator, along received → acknowledged →
//!   investigating | referred | handled_in_line → closed (closed carries an outcome).

use std::collections::BTreeSet;

use super::accounts::{parse_user_id, user_id_text};
use super::cases::{Access, access};
use crate::protocol::crypto::item::{Item, ItemKind};
use crate::protocol::crypto::wrap::{Wrap, WrapPurpose};
use crate::protocol::domain::NATIONAL_UNIT;
use crate::protocol::roles::Role;
use crate::protocol::staff_wire::{AssignRequest, StatusRequest, TriageRequest};
use crate::protocol::statements::jws::{TYP_STATEMENT, sign_statement};
use crate::protocol::statements::{Party, StatementBody, StatementPayload, Status, StatusChange};
use crate::protocol::time;
use crate::protocol::wire::StatementResponse;
use crate::server::app::App;
use crate::server::cases::check_item_size;
use crate::server::error::ApiError;
use crate::server::store::StatementSlot;
use crate::server::store::staff::{AuditEntry, CaseChange, StaffStore, Triage, UserRecord};

fn actor(user: &UserRecord) -> String {
    user_id_text(&user.user_id)
}

/// Checks that `wraps` go to exactly the `(kid, purpose)` pairs expected, each once.
fn check_wraps(wraps: &[Wrap], expected: &BTreeSet<(String, u8)>) -> Result<(), ApiError> {
    let given: BTreeSet<(String, u8)> = wraps
        .iter()
        .map(|w| (w.to.clone(), w.purpose.as_byte()))
        .collect();
    if given.len() != wraps.len() {
        return Err(ApiError::WrapsMismatch(
            "two wraps go to the same holder".into(),
        ));
    }
    if &given != expected {
        return Err(ApiError::WrapsMismatch(format!(
            "expected exactly {} wraps: {}",
            expected.len(),
            expected
                .iter()
                .map(|(kid, p)| format!("{} to {kid}", purpose_name(*p)))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(())
}

fn purpose_name(byte: u8) -> &'static str {
    match byte {
        1 => "thread",
        2 => "internal",
        _ => "identity",
    }
}

fn has_internal_key(access: &Access) -> bool {
    access
        .case
        .wraps
        .iter()
        .any(|w| w.purpose == WrapPurpose::Internal)
}

fn require(ok: bool) -> Result<(), ApiError> {
    if ok { Ok(()) } else { Err(ApiError::Forbidden) }
}

pub async fn assign(
    app: &App,
    user: &UserRecord,
    case_ref: &str,
    req: AssignRequest,
) -> Result<(), ApiError> {
    {
        let _lock = app.staff.lock_cases();
        let access = access(app, user, case_ref)?;
        require(access.intake_holder)?;
        let target_id = parse_user_id(&req.user_id)
            .map_err(|_| ApiError::InvalidRequest("user_id: 16 bytes of b64u".into()))?;
        let target = app.store.user(&target_id)?.filter(|t| {
            t.active()
                && t.has(Role::Investigator)
                && t.unit
                    .as_deref()
                    .is_some_and(|u| u == access.case.unit || u == NATIONAL_UNIT)
        });
        let Some(target) = target else {
            return Err(ApiError::InvalidState(
                "the user is not an enabled investigator of this case's unit or national".into(),
            ));
        };
        if access.staff.assigned.contains(&req.user_id) {
            return Err(ApiError::InvalidState("already assigned".into()));
        }
        let kid = target.kid().unwrap_or_default().to_owned();
        let mut expected = BTreeSet::from([(kid.clone(), WrapPurpose::Thread.as_byte())]);
        if has_internal_key(&access) {
            expected.insert((kid, WrapPurpose::Internal.as_byte()));
        }
        check_wraps(&req.wraps, &expected)?;
        let mut staff = access.staff.clone();
        staff.assigned.push(req.user_id.clone());
        let audit = AuditEntry::new(
            actor(user),
            "case.assigned",
            format!("user {}", req.user_id),
        )
        .on_case(case_ref);
        app.store.change_case(
            CaseChange {
                case_id: access.case.case_id,
                status: None,
                add_wraps: req.wraps,
                staff: Some(staff),
                item: None,
                audit,
            },
            None,
        )?;
    }
    app.store().sync().await?;
    Ok(())
}

fn check_item(item: &Item, kind: ItemKind) -> Result<(), ApiError> {
    if item.kind != kind {
        return Err(ApiError::InvalidRequest(format!(
            "the item's kind must be {}",
            format!("{kind:?}").to_lowercase()
        )));
    }
    check_item_size(item)
}

pub async fn triage(
    app: &App,
    user: &UserRecord,
    case_ref: &str,
    req: TriageRequest,
) -> Result<(), ApiError> {
    {
        let _lock = app.staff.lock_cases();
        let access = access(app, user, case_ref)?;
        require(access.intake_holder)?;
        if access.staff.triage.is_some() {
            return Err(ApiError::InvalidState("the case is already triaged".into()));
        }
        check_item(&req.note, ItemKind::Note)?;
        let expected: BTreeSet<(String, u8)> = super::cases::thread_holders(app, &access.case)?
            .into_iter()
            .map(|h| (h.kid, WrapPurpose::Internal.as_byte()))
            .collect();
        check_wraps(&req.wraps, &expected)?;
        let mut staff = access.staff.clone();
        staff.triage = Some(Triage {
            outcome: req.outcome,
            hour: time::hour_floor(time::now()),
            note: crate::protocol::b64::encode(req.note.id),
        });
        let audit = AuditEntry::new(
            actor(user),
            "case.triaged",
            format!("outcome {}", req.outcome.name()),
        )
        .on_case(case_ref);
        app.store.change_case(
            CaseChange {
                case_id: access.case.case_id,
                status: None,
                add_wraps: req.wraps,
                staff: Some(staff),
                item: Some(req.note),
                audit,
            },
            None,
        )?;
    }
    app.store().sync().await?;
    Ok(())
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
) -> Result<StatementResponse, ApiError> {
    let statement = {
        let _lock = app.staff.lock_cases();
        let access = access(app, user, case_ref)?;
        require(access.works_on())?;
        let case = &access.case;
        if !transition_allowed(case.status, req.status) {
            return Err(ApiError::InvalidState(format!(
                "a case cannot go from {:?} to {:?}",
                case.status, req.status
            )));
        }
        let Some(change) = StatusChange::new(req.status, req.outcome) else {
            return Err(ApiError::InvalidRequest(
                "outcome: required for closed, and only for closed".into(),
            ));
        };
        let hour = time::hour_floor(time::now());
        let acknowledged = (req.status == Status::Acknowledged).then_some(hour);
        let iss = app.settings.public_url.clone();
        let signer = &app.receipt_keys.current;
        let sign = |slot: &StatementSlot| {
            let body = StatementBody::Status {
                prev: slot.prev.unwrap_or_default(),
                change,
            };
            let payload = StatementPayload::later(
                iss.clone(),
                case.case_ref.clone(),
                slot.seq,
                hour,
                slot.log_index,
                body,
            );
            sign_statement(signer, TYP_STATEMENT, &payload)
        };
        let detail = format!("status {:?}", req.status).to_lowercase();
        let audit = AuditEntry::new(actor(user), "case.status", detail).on_case(case_ref);
        app.store.change_case(
            CaseChange {
                case_id: case.case_id,
                status: Some((req.status, acknowledged)),
                add_wraps: Vec::new(),
                staff: None,
                item: None,
                audit,
            },
            Some(&sign),
        )?
    };
    app.store().sync().await?;
    statement
        .map(|statement| StatementResponse { statement })
        .ok_or(ApiError::Internal)
}

pub async fn post_message(
    app: &App,
    user: &UserRecord,
    case_ref: &str,
    item: Item,
) -> Result<StatementResponse, ApiError> {
    let statement = {
        let _lock = app.staff.lock_cases();
        let access = access(app, user, case_ref)?;
        require(access.works_on())?;
        check_item(&item, ItemKind::Message)?;
        let case = &access.case;
        let item_hash = item.hash();
        let sign = crate::server::cases::message_signer(app, case_ref, Party::Staff, item_hash);
        let detail = format!("item {}", crate::protocol::b64::encode(item_hash));
        let audit = AuditEntry::new(actor(user), "case.message", detail).on_case(case_ref);
        app.store.change_case(
            CaseChange {
                case_id: case.case_id,
                status: None,
                add_wraps: Vec::new(),
                staff: None,
                item: Some(item),
                audit,
            },
            Some(&sign),
        )?
    };
    app.store().sync().await?;
    statement
        .map(|statement| StatementResponse { statement })
        .ok_or(ApiError::Internal)
}

pub async fn post_note(
    app: &App,
    user: &UserRecord,
    case_ref: &str,
    item: Item,
) -> Result<(), ApiError> {
    {
        let _lock = app.staff.lock_cases();
        let access = access(app, user, case_ref)?;
        require(access.works_on() && access.internal)?;
        check_item(&item, ItemKind::Note)?;
        let detail = format!("item {}", crate::protocol::b64::encode(item.hash()));
        let audit = AuditEntry::new(actor(user), "case.note", detail).on_case(case_ref);
        app.store.change_case(
            CaseChange {
                case_id: access.case.case_id,
                status: None,
                add_wraps: Vec::new(),
                staff: None,
                item: Some(item),
                audit,
            },
            None,
        )?;
    }
    app.store().sync().await?;
    Ok(())
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
