//! The audit chain (DESIGN §6): reading it, verifying it, and its head as the checkpoint
//! extension line. Records are written by the store in the same transaction as the change
//! they record (`store::staff`); this module only reads.
//!
//! Contract: the extension line is `audit <seq> <b64u hash>` where `seq` is the newest record's
//! sequence number and `hash` SHA-256 of its stored bytes; no line while the chain is empty.

use crate::error::ApiError;
use crate::store::SledStore;
use crate::store::staff::{AuditBroken, AuditHead, AuditRecord, StaffStore};

/// Most records one page of `GET /api/v1/staff/audit` returns.
pub const MAX_AUDIT_PAGE: usize = 1000;
/// Records per page when `limit` is absent.
pub const DEFAULT_AUDIT_PAGE: usize = 100;

pub fn page(
    store: &SledStore,
    start: u64,
    limit: Option<usize>,
) -> Result<(Vec<AuditRecord>, Option<AuditHead>), ApiError> {
    let limit = limit.unwrap_or(DEFAULT_AUDIT_PAGE);
    if limit == 0 || limit > MAX_AUDIT_PAGE {
        return Err(ApiError::InvalidRange(format!(
            "limit must be 1 to {MAX_AUDIT_PAGE}"
        )));
    }
    Ok((store.audit_records(start, limit)?, store.audit_head()?))
}

/// The checkpoint extension line for the chain's head, if any.
pub fn extension_line(head: Option<&AuditHead>) -> Option<String> {
    head.map(|h| format!("audit {} {}", h.seq, h.hash))
}

/// Recomputes the whole chain; `Ok(head)` if intact.
pub fn verify(store: &SledStore) -> Result<Result<Option<AuditHead>, AuditBroken>, ApiError> {
    Ok(store.verify_audit()?)
}
