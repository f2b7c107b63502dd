//! What reporter and staff work on a case share: deadlines, the limits on an item and on a
//! case, adding an item inside a change, and the report and pages of items as the routes serve
//! them.
//!
//! Contract: both `reporting` and `staff` build on this module; it builds on neither. Its
//! refusals are [`CaseError`]s, which each audience's error wraps (a reporter and a staff
//! member get the same `case_full`).

use crate::protocol::crypto::CaseId;
use crate::protocol::crypto::item::{Item, ItemKind, MIN_ITEM_CT_LEN};
use crate::protocol::time::{self, DAY};
use crate::protocol::wire::{
    Deadlines, ItemPage, MAX_CASE_BYTES, MAX_ITEM_CT_LEN, MAX_ITEMS_PER_PAGE, MAX_PAGE_BYTES,
    MAX_STATEMENTS_PER_CASE, STAFF_RESERVED_BYTES, STAFF_RESERVED_STATEMENTS,
};
use crate::server::sequencer::Tx;
use crate::server::store::{CaseRecord, ItemCursor, Store, StoreError};

/// Why an item or a page was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{0}")]
    InvalidItem(String),
    #[error("after: a cursor from an earlier page")]
    BadCursor,
    #[error("an item with this id already exists")]
    DuplicateItem,
    #[error("this case has reached its limit of messages")]
    Full,
    #[error("this case has reached its limit of stored bytes")]
    TooLarge,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How much of a case's room one side may use: a reporter leaves the last statements and
/// bytes to staff, so a reporter who fills a case cannot stop staff from answering or closing
/// it.
#[derive(Clone, Copy, Debug)]
pub struct Allowance {
    pub statements: u32,
    pub bytes: u64,
}

pub const REPORTER_ALLOWANCE: Allowance = Allowance {
    statements: MAX_STATEMENTS_PER_CASE - STAFF_RESERVED_STATEMENTS,
    bytes: MAX_CASE_BYTES - STAFF_RESERVED_BYTES,
};

pub const STAFF_ALLOWANCE: Allowance = Allowance {
    statements: MAX_STATEMENTS_PER_CASE,
    bytes: MAX_CASE_BYTES,
};

/// The item's kind must be `kind`, its ciphertext a Padmé length within the limits.
pub fn check_item(item: &Item, kind: ItemKind) -> Result<(), CaseError> {
    if item.kind != kind {
        return Err(CaseError::InvalidItem(format!(
            "the item's kind must be {}",
            kind.name()
        )));
    }
    check_item_size(item)
}

pub fn check_item_size(item: &Item) -> Result<(), CaseError> {
    if item.ct.len() < MIN_ITEM_CT_LEN || item.ct.len() > MAX_ITEM_CT_LEN {
        return Err(CaseError::InvalidItem(format!(
            "item ct must be {MIN_ITEM_CT_LEN} to {MAX_ITEM_CT_LEN} bytes (padded plaintext and tag)"
        )));
    }
    // Any other length would leak the plaintext's length more precisely than Padmé allows.
    if !item.has_padded_len() {
        return Err(CaseError::InvalidItem(
            "item ct length is not a Padmé length plus the tag".into(),
        ));
    }
    Ok(())
}

/// Refuses a new statement on a case that has used `allowance`'s statements.
pub fn check_statement_room(case: &CaseRecord, allowance: Allowance) -> Result<(), CaseError> {
    if case.statement_count >= allowance.statements {
        return Err(CaseError::Full);
    }
    Ok(())
}

/// Inside a change: adds `item` as the case's next item, counting its bytes on `case` (the
/// caller stores the record). Refuses a duplicate id and an item past `allowance`'s bytes.
pub fn add_item(
    tx: &mut Tx<'_>,
    case: &mut CaseRecord,
    item: Item,
    allowance: Allowance,
) -> Result<u32, CaseError> {
    if tx.has_item(&case.case_id, &item.id)? {
        return Err(CaseError::DuplicateItem);
    }
    let total = case.content_bytes.saturating_add(item.ct.len() as u64);
    if total > allowance.bytes {
        return Err(CaseError::TooLarge);
    }
    case.content_bytes = total;
    Ok(tx.add_item(&case.case_id, item)?)
}

pub fn deadlines(case: &CaseRecord) -> Deadlines {
    Deadlines {
        acknowledge_by: case.received_hour + 7 * DAY,
        feedback_by: case.acknowledged_hour.map(|h| time::add_months(h, 3)),
    }
}

/// The kinds of item the reporter's pages hold: everything of the thread key after the report
/// (which comes in the case view), nothing staff-only.
pub const REPORTER_PAGE_KINDS: &[ItemKind] = &[ItemKind::Message, ItemKind::Attachment];

/// The case's report item (its first).
pub fn report_item(store: &dyn Store, case_id: &CaseId) -> Result<Item, StoreError> {
    store
        .items_page(case_id, None, &[ItemKind::Report], 1, usize::MAX)?
        .items
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a case without its report".into()))
}

/// A page cursor as the query gives it: b64u of `u32be(item number) || item id`.
pub fn parse_cursor(text: &str) -> Result<ItemCursor, CaseError> {
    crate::protocol::b64::decode_array::<20>(text).ok_or(CaseError::BadCursor)
}

/// One page of `kinds` after `after`, as the items routes answer it.
pub fn item_page(
    store: &dyn Store,
    case_id: &CaseId,
    after: Option<&str>,
    kinds: &[ItemKind],
) -> Result<ItemPage, CaseError> {
    let after = after.map(parse_cursor).transpose()?;
    let page = store.items_page(
        case_id,
        after.as_ref(),
        kinds,
        MAX_ITEMS_PER_PAGE,
        MAX_PAGE_BYTES,
    )?;
    Ok(ItemPage {
        items: page.items,
        next: page.next.map(crate::protocol::b64::encode),
    })
}
