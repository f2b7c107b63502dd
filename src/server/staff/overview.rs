//! What admins and auditors see of the service without any content: which units have a reader
//! in the published directory, whether the directory lags behind the staff keys (then the
//! officers have a change to sign), and case counts.
//!
//! Contract: reads metadata only (the directory, users, case records' status and theme);
//! nothing here touches a wrap, an item or a statement. Counts are exact: they are for the
//! organisation's own auditors; the published statistics with small-cell suppression are
//! DESIGN §14.

use std::collections::BTreeMap;

use super::StaffError;
use crate::protocol::staff_wire::{CaseCounts, UnitCoverage, UnitsView};
use crate::server::app::App;
use crate::server::recipients::{candidates, readers, stored_payload};
use crate::server::sequencer::Lists;

/// Every configured unit with the number of keys that read its new reports now, and whether
/// the published directory lists exactly the current staff keys.
pub fn units(app: &App) -> Result<UnitsView, StaffError> {
    let store = app.store();
    let readers = readers(store)?;
    let units = app
        .settings
        .units
        .iter()
        .map(|u| UnitCoverage {
            unit: u.id.clone(),
            readers: readers.for_report(&u.id, false).map_or(0, |r| r.len()),
        })
        .collect();
    let (users, by_hand, directory) = (store.users()?, store.recipients()?, store.directory()?);
    let wanted = candidates(&Lists {
        users: &users,
        recipients: &by_hand,
        directory: directory.as_ref(),
    });
    let published = directory.as_ref().and_then(stored_payload);
    Ok(UnitsView {
        units,
        directory_seq: directory.as_ref().map(|d| d.seq),
        directory_current: published.is_some_and(|p| p.entries == wanted),
        proposal_waiting: store.proposal()?.is_some(),
    })
}

/// Cases by status and by theme.
pub fn counts(app: &App) -> Result<CaseCounts, StaffError> {
    let mut by_status = BTreeMap::new();
    let mut by_theme = BTreeMap::new();
    let cases = app.store().all_cases()?;
    for case in &cases {
        *by_status.entry(case.status.name().to_owned()).or_insert(0) += 1;
        *by_theme.entry(case.theme.clone()).or_insert(0) += 1;
    }
    Ok(CaseCounts {
        total: cases.len(),
        by_status,
        by_theme,
    })
}
