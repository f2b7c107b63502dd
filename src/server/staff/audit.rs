//! The audit chain (DESIGN §6): reading it, verifying it, and its head as the checkpoint
//! extension line. Records are written by the store in the same transaction as the change
//! they record (`store::staff`); this module only reads.
//!
//! Contract: the extension line is `audit <seq> <b64u hash>` where `seq` is the newest record's
//! sequence number and `hash` SHA-256 of its stored bytes; no line while the chain is empty.

use crate::server::error::ApiError;
use crate::server::store::SledStore;
use crate::server::store::staff::{AuditBroken, AuditHead, AuditRecord, StaffStore};

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

/// The audit head a checkpoint's extension lines carry: `Ok(None)` without an audit line,
/// `Err` for a malformed line or more than one.
pub fn head_in_extensions(lines: &[String]) -> Result<Option<AuditHead>, String> {
    let mut found = None;
    for line in lines.iter().filter(|l| l.starts_with("audit ")) {
        let mut words = line.split(' ').skip(1);
        let head = match (words.next(), words.next(), words.next()) {
            (Some(seq), Some(hash), None)
                if crate::protocol::b64::decode_array::<32>(hash).is_some() =>
            {
                seq.parse::<u64>().ok().map(|seq| AuditHead {
                    seq,
                    hash: hash.to_owned(),
                })
            }
            _ => None,
        };
        let head = head.ok_or_else(|| format!("malformed audit line {line:?}"))?;
        if found.replace(head).is_some() {
            return Err("more than one audit line".into());
        }
    }
    Ok(found)
}

/// Recomputes the whole chain; `Ok(head)` if intact.
pub fn verify(store: &SledStore) -> Result<Result<Option<AuditHead>, AuditBroken>, ApiError> {
    Ok(store.verify_audit()?)
}
