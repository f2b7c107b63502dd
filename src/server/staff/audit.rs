//! The audit chain (DESIGN §6): reading it, verifying it, and its head as the checkpoint
//! extension line. Records are written by the sequencer in the same change as what they
//! record (`sequencer::Tx::audit`); this module only reads.
//!
//! Contract: the checkpoint's extension line is `protocol::log::checkpoint::audit_line` of the
//! chain's head.

use super::StaffError;
use crate::server::store::Store;
use crate::server::store::staff::{AuditBroken, AuditHead, AuditRecord};

/// Most records one page of `GET /api/v1/staff/audit` returns.
pub const MAX_AUDIT_PAGE: usize = 1000;
/// Records per page when `limit` is absent.
pub const DEFAULT_AUDIT_PAGE: usize = 100;

pub fn page(
    store: &dyn Store,
    start: u64,
    limit: Option<usize>,
) -> Result<(Vec<AuditRecord>, Option<AuditHead>), StaffError> {
    let limit = limit.unwrap_or(DEFAULT_AUDIT_PAGE);
    if limit == 0 || limit > MAX_AUDIT_PAGE {
        return Err(StaffError::InvalidRange(format!(
            "limit must be 1 to {MAX_AUDIT_PAGE}"
        )));
    }
    Ok((store.audit_records(start, limit)?, store.audit_head()?))
}

/// Recomputes the whole chain; `Ok(head)` if intact.
pub fn verify(store: &dyn Store) -> Result<Result<Option<AuditHead>, AuditBroken>, StaffError> {
    Ok(store.verify_audit()?)
}
