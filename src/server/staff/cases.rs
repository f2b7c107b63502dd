//! Who sees which case, and what staff read (DESIGN §2, §3.3, §4, §9).
//!
//! Contract (visibility; the same rule decides the list and the detail):
//! - intake: cases where the user's key holds a thread wrap (its unit's and, for a national
//!   intake, all cases reported while it was a recipient);
//! - investigator: cases it is assigned to;
//! - custodian: cases with a confidential identity (an identity wrap);
//! - auditor and admin: no case content at all (403), whatever else they hold no role for.
//!
//! A user with several roles sees the union. The detail shows only the caller's own wraps,
//! the report and the statements, and the items after the report come in bounded pages: the
//! thread items, and the notes only if the caller holds an internal wrap. Opening the detail
//! and reading each page are audit records. Overdue (docs/PROTOCOL.md §13): `received` and more than 7
//! days after receipt, or still `acknowledged` more than 3 calendar months after
//! acknowledgement (`time::add_months`); any later status stops the clock.

use std::collections::BTreeMap;

use super::StaffError;
use super::accounts::user_id_text;
use crate::protocol::crypto::item::ItemKind;
use crate::protocol::crypto::wrap::WrapPurpose;
use crate::protocol::domain::NATIONAL_UNIT;
use crate::protocol::roles::Role;
use crate::protocol::staff_wire::{Assignee, CaseDetail, CaseList, CaseRow, ItemAuthorView};
use crate::protocol::statements::Status;
use crate::protocol::time::{self, DAY};
use crate::protocol::wire::ItemPage;
use crate::server::app::App;
use crate::server::cases::deadlines;
use crate::server::recipients::thread_holders;
use crate::server::sequencer::Reads;
use crate::server::store::staff::{AuditEntry, CaseStaff, UserRecord};
use crate::server::store::{CaseRecord, Store};

/// Most rows one page of the case list returns.
pub const MAX_PER_PAGE: usize = 100;
pub const DEFAULT_PER_PAGE: usize = 25;

/// How the caller relates to a case.
pub struct Access {
    pub case: CaseRecord,
    pub staff: CaseStaff,
    pub kid: String,
    pub intake_holder: bool,
    pub assigned: bool,
    pub custodian: bool,
    /// Holds an internal wrap: may read and write notes.
    pub internal: bool,
}

impl Access {
    pub fn visible(&self) -> bool {
        self.intake_holder || self.assigned || self.custodian
    }

    /// May write to the case (status, messages, notes): intake holder or assigned.
    pub fn works_on(&self) -> bool {
        self.intake_holder || self.assigned
    }
}

/// Whether the user holds any role that may see content; auditors and admins do not.
pub fn may_see_cases(user: &UserRecord) -> bool {
    [Role::Intake, Role::Investigator, Role::Custodian]
        .iter()
        .any(|r| user.has(*r))
}

pub fn access_to(user: &UserRecord, case: CaseRecord, staff: CaseStaff) -> Access {
    let kid = user.kid().unwrap_or_default().to_owned();
    let holds = |purpose: WrapPurpose| {
        case.wraps
            .iter()
            .any(|w| w.to == kid && w.purpose == purpose)
    };
    let intake_holder = user.has(Role::Intake) && holds(WrapPurpose::Thread);
    let assigned =
        user.has(Role::Investigator) && staff.assigned.contains(&user_id_text(&user.user_id));
    let custodian = user.has(Role::Custodian)
        && case
            .wraps
            .iter()
            .any(|w| w.purpose == WrapPurpose::Identity);
    let internal = holds(WrapPurpose::Internal);
    Access {
        case,
        staff,
        kid,
        intake_holder,
        assigned,
        custodian,
        internal,
    }
}

/// The caller's access to `case_ref`: `Forbidden` for roles without content or no relation to
/// the case, `NoSuchCase` for an unknown reference.
pub fn access(
    reads: &(impl Reads + ?Sized),
    user: &UserRecord,
    case_ref: &str,
) -> Result<Access, StaffError> {
    if !may_see_cases(user) {
        return Err(StaffError::Forbidden);
    }
    let case = reads.case_by_ref(case_ref)?.ok_or(StaffError::NoSuchCase)?;
    let staff = reads.case_staff(&case.case_id)?;
    let access = access_to(user, case, staff);
    if !access.visible() {
        return Err(StaffError::Forbidden);
    }
    Ok(access)
}

pub fn overdue(case: &CaseRecord, now: u64) -> bool {
    match case.status {
        Status::Received => now > case.received_hour + 7 * DAY,
        Status::Acknowledged => case
            .acknowledged_hour
            .is_some_and(|a| now > time::add_months(a, 3)),
        _ => false,
    }
}

/// How long before the acknowledgement deadline (7 days after receipt) a case is due soon.
pub const ACK_DUE_SOON: u64 = 2 * DAY;
/// How long before the feedback deadline (3 months after acknowledgement) a case is due soon.
pub const FEEDBACK_DUE_SOON: u64 = 14 * DAY;

/// Whether the case's running deadline comes within its warning time and has not passed.
pub fn due_soon(case: &CaseRecord, now: u64) -> bool {
    let d = deadlines(case);
    let soon = |by: u64, warn: u64| now <= by && by - now <= warn;
    match case.status {
        Status::Received => soon(d.acknowledge_by, ACK_DUE_SOON),
        Status::Acknowledged => d.feedback_by.is_some_and(|by| soon(by, FEEDBACK_DUE_SOON)),
        _ => false,
    }
}

/// Every user by b64u id: the names shown for assignees and authors.
fn users_by_id(store: &dyn Store) -> Result<BTreeMap<String, UserRecord>, StaffError> {
    Ok(store
        .users()?
        .into_iter()
        .map(|u| (user_id_text(&u.user_id), u))
        .collect())
}

fn row(
    case: &CaseRecord,
    staff: &CaseStaff,
    users: &BTreeMap<String, UserRecord>,
    viewer: &str,
    now: u64,
) -> CaseRow {
    let seen = staff.seen.get(viewer);
    CaseRow {
        case_ref: case.case_ref.clone(),
        theme: case.theme.clone(),
        unit: case.unit.clone(),
        relation: case.relation.clone(),
        status: case.status,
        received_hour: case.received_hour,
        deadlines: deadlines(case),
        overdue: overdue(case, now),
        due_soon: due_soon(case, now),
        assigned: staff
            .assigned
            .iter()
            .map(|id| users.get(id).map_or_else(|| id.clone(), |u| u.name.clone()))
            .collect(),
        triage: staff.triage.as_ref().map(|t| t.to_wire()),
        new: seen.is_none(),
        unread: case
            .reporter_messages
            .saturating_sub(seen.copied().unwrap_or(0)),
    }
}

/// The list's filters, as the query string gives them.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CaseFilter {
    pub status: Option<Status>,
    pub theme: Option<String>,
    pub unit: Option<String>,
    /// `true`: only overdue cases.
    pub overdue: Option<bool>,
    /// `me`: only cases assigned to the caller.
    pub assigned: Option<String>,
    /// Part of a reference (case-insensitive), at most 40 characters.
    pub q: Option<String>,
    /// 1-based.
    pub page: Option<usize>,
    /// At most 100; 25 when absent.
    pub per_page: Option<usize>,
}

pub fn list(app: &App, user: &UserRecord, filter: &CaseFilter) -> Result<CaseList, StaffError> {
    if !may_see_cases(user) {
        return Err(StaffError::Forbidden);
    }
    let per_page = filter.per_page.unwrap_or(DEFAULT_PER_PAGE);
    let page = filter.page.unwrap_or(1);
    if per_page == 0 || per_page > MAX_PER_PAGE || page == 0 {
        return Err(StaffError::InvalidRange(format!(
            "page starts at 1; per_page is 1 to {MAX_PER_PAGE}"
        )));
    }
    let only_mine = match filter.assigned.as_deref() {
        None => false,
        Some("me") => true,
        Some(_) => return Err(StaffError::InvalidRequest("assigned: only `me`".into())),
    };
    let q = match filter.q.as_deref().map(str::trim) {
        Some(q) if q.chars().count() > 40 => {
            return Err(StaffError::InvalidRequest(
                "q: at most 40 characters".into(),
            ));
        }
        Some("") | None => None,
        Some(q) => Some(q.to_uppercase()),
    };
    let now = time::now();
    let store = app.store();
    let users = users_by_id(store)?;
    let viewer = user_id_text(&user.user_id);
    // Metadata filters first, then the staff state of the cases that pass; rows are built
    // only for the page shown.
    let mut visible = Vec::new();
    for case in store.all_cases()? {
        let wanted = filter.status.is_none_or(|s| s == case.status)
            && filter.theme.as_ref().is_none_or(|t| *t == case.theme)
            && filter.unit.as_ref().is_none_or(|u| *u == case.unit)
            && filter.overdue.is_none_or(|o| o == overdue(&case, now))
            && q.as_ref()
                .is_none_or(|q| case.case_ref.to_uppercase().contains(q.as_str()));
        if !wanted {
            continue;
        }
        let staff = store.case_staff(&case.case_id)?;
        let access = access_to(user, case, staff);
        if access.visible() && (!only_mine || access.staff.assigned.contains(&viewer)) {
            visible.push(access);
        }
    }
    visible.sort_by(|a, b| {
        (b.case.received_hour, &a.case.case_ref).cmp(&(a.case.received_hour, &b.case.case_ref))
    });
    let total = visible.len();
    let cases = visible
        .iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|a| row(&a.case, &a.staff, &users, &viewer, now))
        .collect();
    Ok(CaseList {
        cases,
        page,
        per_page,
        total,
    })
}

/// The investigators `user` may assign the case to: enabled, enrolled investigators of its unit
/// or `national`, with their keys (for the wraps). Only for an intake holder of the case.
pub fn assignable(
    store: &dyn Store,
    user: &UserRecord,
    case_ref: &str,
) -> Result<Vec<Assignee>, StaffError> {
    let access = access(store, user, case_ref)?;
    if !access.intake_holder {
        return Err(StaffError::Forbidden);
    }
    Ok(Store::users(store)?
        .into_iter()
        .filter(|u| {
            u.active()
                && u.has(Role::Investigator)
                && u.unit
                    .as_deref()
                    .is_some_and(|unit| unit == access.case.unit || unit == NATIONAL_UNIT)
        })
        .filter_map(|u| {
            let e = u.enrolled?;
            Some(Assignee {
                user_id: user_id_text(&u.user_id),
                name: u.name,
                unit: u.unit,
                kid: e.kid,
                public_key: e.public_key,
            })
        })
        .collect())
}

/// The kinds of item `access` may read in pages: the thread items after the report, and the
/// notes for a holder of the internal key. Identity items never (custodians get them with the
/// identity issue).
fn page_kinds(access: &Access) -> &'static [ItemKind] {
    if access.internal {
        &[ItemKind::Message, ItemKind::Attachment, ItemKind::Note]
    } else {
        crate::server::cases::REPORTER_PAGE_KINDS
    }
}

pub async fn detail(
    app: &App,
    user: &UserRecord,
    case_ref: &str,
) -> Result<CaseDetail, StaffError> {
    let store = app.store();
    let access = access(store, user, case_ref)?;
    let case = &access.case;
    let users = users_by_id(store)?;
    let viewer = user_id_text(&user.user_id);
    // Authors only of what the caller may read: notes need the internal key.
    let authors = access
        .staff
        .authors
        .iter()
        .filter(|a| access.internal || !a.note)
        .filter_map(|a| {
            let u = users.get(&a.user)?;
            Some(ItemAuthorView {
                item: a.item.clone(),
                user_id: a.user.clone(),
                name: u.name.clone(),
                roles: u.roles.clone(),
                hour: a.hour,
            })
        })
        .collect();
    let next_statuses = if access.works_on() {
        Status::ALL
            .into_iter()
            .filter(|to| super::casework::transition_allowed(case.status, *to))
            .collect()
    } else {
        Vec::new()
    };
    let detail = CaseDetail {
        row: row(case, &access.staff, &users, &viewer, time::now()),
        case_id: case.case_id,
        wraps: case
            .wraps
            .iter()
            .filter(|w| w.to == access.kid)
            .cloned()
            .collect(),
        report: crate::server::cases::report_item(store, &case.case_id)?,
        statements: store
            .statements(&case.case_id)?
            .into_iter()
            .map(|e| e.jws)
            .collect(),
        holders: thread_holders(store, case)?,
        submitted_to: case.submitted_to.clone(),
        authors,
        next_statuses,
    };
    let audit = AuditEntry::new(viewer.clone(), "case.opened", "").on_case(case_ref);
    let case_id = case.case_id;
    app.sequencer
        .run(move |tx| {
            tx.audit(audit)?;
            mark_seen(tx, &case_id, &viewer)
        })
        .await?;
    Ok(detail)
}

/// Records that `viewer` has seen the case's reporter messages so far (in the same batch as
/// the audit record of opening it, or of writing to it).
pub fn mark_seen(
    tx: &mut crate::server::sequencer::Tx<'_>,
    case_id: &crate::protocol::crypto::CaseId,
    viewer: &str,
) -> Result<(), StaffError> {
    let Some(case) = tx.case(case_id)? else {
        return Err(StaffError::NoSuchCase);
    };
    let mut staff = tx.case_staff(case_id)?;
    if staff.seen.get(viewer) != Some(&case.reporter_messages) {
        staff.seen.insert(viewer.to_owned(), case.reporter_messages);
        tx.put_case_staff(*case_id, staff);
    }
    Ok(())
}

/// A page of the case's items after the report, as `user` may read them. Every page read is
/// an audit record (`case.items`), like opening the case, so content never leaves unrecorded.
pub async fn items(
    app: &App,
    user: &UserRecord,
    case_ref: &str,
    after: Option<&str>,
) -> Result<ItemPage, StaffError> {
    let access = access(app.store(), user, case_ref)?;
    let kinds = page_kinds(&access);
    let page = crate::server::cases::item_page(app.store(), &access.case.case_id, after, kinds)?;
    let detail = format!("{} items", page.items.len());
    let audit =
        AuditEntry::new(user_id_text(&user.user_id), "case.items", detail).on_case(case_ref);
    record(app, audit).await?;
    Ok(page)
}

/// Writes a read's audit record; the read is answered only once the record is durable.
async fn record(app: &App, audit: AuditEntry) -> Result<(), StaffError> {
    app.sequencer
        .run(move |tx| tx.audit(audit).map_err(StaffError::from))
        .await
}
