//! What reporter and staff work on a case share: the recipients of new reports, deadlines,
//! the limits on an item, the report and pages of items as the routes serve them, and the
//! signer of message statements.
//!
//! Contract: both `reporting` and `staff` build on this module; it builds on neither.

use crate::protocol::crypto::item::{Item, ItemKind, MIN_ITEM_CT_LEN};
use crate::protocol::roles::Role;
use crate::protocol::statements::jws::{TYP_STATEMENT, sign_statement};
use crate::protocol::statements::{Party, StatementBody, StatementPayload};
use crate::protocol::time::{self, DAY};
use crate::protocol::wire::{
    Deadlines, ItemPage, MAX_ITEM_CT_LEN, MAX_ITEMS_PER_PAGE, MAX_PAGE_BYTES,
};
use crate::server::app::App;
use crate::server::error::ApiError;
use crate::server::store::staff::StaffStore;
use crate::server::store::{CaseRecord, ItemCursor, Recipient, StatementSlot, Store, StoreError};

/// The intake recipients of `/api/v1/config`: enrolled, enabled users with the intake role,
/// plus the recipients an admin added by hand (`meldpunt recipient add`).
pub fn recipients(app: &App) -> Result<Vec<Recipient>, ApiError> {
    let mut out = app.store().recipients()?;
    for user in app.store.users()? {
        if let (true, true, Some(e), Some(unit)) = (
            user.active(),
            user.has(Role::Intake),
            user.enrolled.as_ref(),
            user.unit.as_ref(),
        ) && !out.iter().any(|r| r.kid == e.kid)
        {
            out.push(Recipient {
                kid: e.kid.clone(),
                public_key: e.public_key,
                unit: unit.clone(),
            });
        }
    }
    Ok(out)
}

pub(crate) fn check_item_size(item: &Item) -> Result<(), ApiError> {
    if item.ct.len() < MIN_ITEM_CT_LEN || item.ct.len() > MAX_ITEM_CT_LEN {
        return Err(ApiError::InvalidRequest(format!(
            "item ct must be {MIN_ITEM_CT_LEN} to {MAX_ITEM_CT_LEN} bytes (padded plaintext and tag)"
        )));
    }
    // Any other length would leak the plaintext's length more precisely than Padmé allows.
    if !item.has_padded_len() {
        return Err(ApiError::InvalidRequest(
            "item ct length is not a Padmé length plus the tag".into(),
        ));
    }
    Ok(())
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

/// The case's report item (seq 0).
pub fn report_item(
    store: &dyn Store,
    case_id: &crate::protocol::crypto::CaseId,
) -> Result<Item, ApiError> {
    store
        .items_page(case_id, None, &[ItemKind::Report], 1, usize::MAX)?
        .items
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a case without its report".into()).into())
}

/// A page cursor as the query gives it: b64u of `u32be(item number) || item id`.
pub fn parse_cursor(text: &str) -> Result<ItemCursor, ApiError> {
    crate::protocol::b64::decode_array::<20>(text)
        .ok_or_else(|| ApiError::InvalidRequest("after: a cursor from an earlier page".into()))
}

/// One page of `kinds` after `after`, as the items routes answer it.
pub fn item_page(
    store: &dyn Store,
    case_id: &crate::protocol::crypto::CaseId,
    after: Option<&str>,
    kinds: &[ItemKind],
) -> Result<ItemPage, ApiError> {
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

/// Signs the message statement for the item with hash `item_hash` at whatever slot (sequence
/// number, `prev`, log index) the store chooses; `from` says which side wrote, never who.
pub fn message_signer<'a>(
    app: &'a App,
    case_ref: &'a str,
    from: Party,
    item_hash: [u8; 32],
) -> impl Fn(&StatementSlot) -> String + Sync + 'a {
    let hour = time::hour_floor(time::now());
    move |slot: &StatementSlot| {
        let prev = slot.prev.unwrap_or_default();
        let body = StatementBody::Message {
            prev,
            from,
            item: item_hash,
        };
        let payload = StatementPayload::later(
            app.settings.public_url.clone(),
            case_ref.to_owned(),
            slot.seq,
            hour,
            slot.log_index,
            body,
        );
        sign_statement(&app.receipt_keys.current, TYP_STATEMENT, &payload)
    }
}
