//! What a reporter can do (DESIGN §8), independent of HTTP: submit a report, read the case with
//! the access code's auth key (the view, then its items a bounded page at a time), send a
//! message (a few free per case and hour, then each paid with proof of work).
//!
//! Contract: every request is validated completely before the store is touched, so a refused
//! request changes nothing (G7); a success is returned only after the store has synced (G5);
//! the server only ever sees ciphertext, hashes and public keys (G1), and records times to the
//! hour (G2).

use std::collections::BTreeSet;

use crate::protocol::crypto::item::{Item, ItemKind};
use crate::protocol::crypto::wrap::{WRAP_CT_LEN, WrapPurpose};
use crate::protocol::crypto::{commit, ct_eq, random_bytes, sha256};
use crate::protocol::domain::{self};
use crate::protocol::statements::jws::{TYP_RECEIPT, sign_statement};
use crate::protocol::statements::{Party, StatementPayload, Status};
use crate::protocol::time;
use crate::protocol::wire::{
    CaseExport, CaseView, ConfigView, EXPORT_FORMAT, ItemPage, MAX_WRAPS, PowConfig, PowSolution,
    REPORTER, RecipientView, StatementResponse, SubmitRequest, SubmitResponse,
};
use crate::server::app::App;
use crate::server::cases::{
    REPORTER_PAGE_KINDS, check_item_size, deadlines, item_page, message_signer, report_item,
};
use crate::server::error::ApiError;
use crate::server::log::service as log_service;
use crate::server::store::{
    CaseRecord, Conflict, MessageCharge, NewCase, StatementSlot, Store, StoreError,
};

/// How many times a submission retries when its random reference collides.
const REF_ATTEMPTS: usize = 5;

pub use crate::protocol::recipients::recipients_for;

pub fn config(app: &App) -> Result<ConfigView, ApiError> {
    let recipients = crate::server::cases::recipients(app)?
        .into_iter()
        .map(|r| RecipientView {
            kid: r.kid,
            public_key: r.public_key,
            unit: r.unit,
        })
        .collect();
    Ok(ConfigView {
        themes: app.settings.themes.clone(),
        units: app.settings.units.clone(),
        relations: app.settings.relations.clone(),
        pow: PowConfig {
            bits: app.pow.current_bits(time::now()),
        },
        recipients,
    })
}

/// A case reference such as `MP-7K3Q-9XM2`: 40 random bits in Crockford base32, so references
/// say nothing about order or volume.
pub fn new_case_ref() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bytes = random_bytes::<5>();
    let mut value = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let mut symbols = [0u8; 8];
    for s in symbols.iter_mut().rev() {
        *s = ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    let text = String::from_utf8_lossy(&symbols).into_owned();
    format!("MP-{}-{}", &text[..4], &text[4..])
}

/// Checks the request's shape and its wraps against the current recipients.
fn validate_submission(app: &App, req: &SubmitRequest) -> Result<(), ApiError> {
    let s = &app.settings;
    if !domain::contains(&s.themes, &req.theme) {
        return Err(ApiError::UnknownTheme);
    }
    if !domain::contains(&s.units, &req.unit) {
        return Err(ApiError::UnknownUnit);
    }
    if let Some(relation) = &req.relation
        && !domain::contains(&s.relations, relation)
    {
        return Err(ApiError::UnknownRelation);
    }
    let [item] = req.items.as_slice() else {
        return Err(ApiError::InvalidRequest(
            "a submission carries exactly one item, of kind report".into(),
        ));
    };
    if item.kind != ItemKind::Report {
        return Err(ApiError::InvalidRequest(
            "a submission carries exactly one item, of kind report".into(),
        ));
    }
    check_item_size(item)?;
    if req.wraps.len() > MAX_WRAPS {
        return Err(ApiError::InvalidRequest(format!(
            "at most {MAX_WRAPS} wraps"
        )));
    }
    for wrap in &req.wraps {
        if wrap.purpose != WrapPurpose::Thread {
            return Err(ApiError::InvalidRequest(
                "a submission's wraps are all of purpose thread".into(),
            ));
        }
        if wrap.ct.len() != WRAP_CT_LEN {
            return Err(ApiError::InvalidRequest(format!(
                "a wrap's ct is {WRAP_CT_LEN} bytes"
            )));
        }
    }
    let expected: BTreeSet<String> =
        recipients_for(&crate::server::cases::recipients(app)?, &req.unit)
            .into_iter()
            .map(|r| r.kid)
            .chain([REPORTER.to_owned()])
            .collect();
    let given: BTreeSet<String> = req.wraps.iter().map(|w| w.to.clone()).collect();
    if given.len() != req.wraps.len() {
        return Err(ApiError::WrapsMismatch(
            "two wraps go to the same holder".into(),
        ));
    }
    if given != expected {
        let missing = expected.difference(&given).count();
        let extra = given.difference(&expected).count();
        return Err(ApiError::WrapsMismatch(format!(
            "wraps must cover the reporter and the current recipients of the unit and \
             national ones: {missing} missing, {extra} not expected; fetch /api/v1/config again"
        )));
    }
    Ok(())
}

pub async fn submit(app: &App, req: SubmitRequest) -> Result<SubmitResponse, ApiError> {
    let now = time::now();
    let challenge = app
        .pow
        .check(&req.pow.challenge, req.pow.nonce, now)
        .map_err(|e| ApiError::PowInvalid(e.to_string()))?;
    validate_submission(app, &req)?;
    let hour = time::hour_floor(now);
    let cmt = commit::submission_commitment(&req.case_id, &req.kc, &req.items);
    let iss = app.settings.public_url.clone();
    let signer = &app.receipt_keys.current;
    for _ in 0..REF_ATTEMPTS {
        let case_ref = new_case_ref();
        let record = CaseRecord {
            case_id: req.case_id,
            case_ref: case_ref.clone(),
            theme: req.theme.clone(),
            unit: req.unit.clone(),
            relation: req.relation.clone(),
            reporter_pk: req.reporter_pk,
            verifier: req.verifier,
            binding: req.binding,
            kc: req.kc,
            received_hour: hour,
            status: Status::Received,
            acknowledged_hour: None,
            wraps: req.wraps.clone(),
            statement_count: 0,
            last_statement_hash: String::new(),
            content_bytes: 0,
            free_messages: Default::default(),
        };
        let new = NewCase {
            record,
            items: req.items.clone(),
            pow_spent: crate::server::pow::spent_token(&challenge),
        };
        let sign = |slot: &StatementSlot| {
            let payload = StatementPayload::receipt(
                iss.clone(),
                case_ref.clone(),
                hour,
                req.binding,
                cmt,
                slot.log_index,
            );
            sign_statement(signer, TYP_RECEIPT, &payload)
        };
        match app.store().create_case(new, &sign) {
            Err(StoreError::Conflict(Conflict::RefTaken)) => continue,
            Err(e) => return Err(e.into()),
            Ok(receipt) => {
                app.store().sync().await?;
                app.pow.record_write(now);
                return Ok(SubmitResponse { case_ref, receipt });
            }
        }
    }
    Err(ApiError::Internal)
}

/// Finds the case whose verifier is SHA-256(auth_key). Every failure is the same
/// `Unauthorized`, so a caller cannot tell an unknown code from a wrong one.
pub fn authenticate(app: &App, auth_key: &[u8; 32]) -> Result<CaseRecord, ApiError> {
    let verifier = sha256(auth_key);
    match app.store().case_by_verifier(&verifier)? {
        Some(case) if ct_eq(&case.verifier, &verifier) => Ok(case),
        _ => Err(ApiError::Unauthorized),
    }
}

/// `GET /api/v1/reporter/items`: the reporter's items after the report, a page at a time.
pub fn read_items(
    app: &App,
    auth_key: &[u8; 32],
    after: Option<&str>,
) -> Result<ItemPage, ApiError> {
    let case = authenticate(app, auth_key)?;
    item_page(app.store(), &case.case_id, after, REPORTER_PAGE_KINDS)
}

pub fn read_case(app: &App, auth_key: &[u8; 32]) -> Result<CaseView, ApiError> {
    let case = authenticate(app, auth_key)?;
    let store = app.store();
    let statements = store.statements(&case.case_id)?;
    // Each statement's inclusion proof against the newest checkpoint that covers it.
    let (checkpoint, proofs) = match log_service::latest_checkpoint(store, &app.log_signer)? {
        Some((note, checkpoint)) => {
            let proofs = log_service::statement_proofs(&app.store, &statements, &checkpoint)?;
            (Some(note), proofs)
        }
        None => (None, vec![None; statements.len()]),
    };
    Ok(CaseView {
        case_ref: case.case_ref.clone(),
        case_id: case.case_id,
        theme: case.theme.clone(),
        unit: case.unit.clone(),
        relation: case.relation.clone(),
        status: case.status,
        deadlines: deadlines(&case),
        statements,
        wraps: case
            .wraps
            .iter()
            .filter(|w| w.to == REPORTER)
            .cloned()
            .collect(),
        report: report_item(store, &case.case_id)?,
        checkpoint,
        proofs,
    })
}

/// Stores a reporter's message: one of the case's free messages of this hour, or, beyond them,
/// paid with `pow` (a challenge of `GET /api/v1/pow`, single use like a submission's).
pub async fn post_message(
    app: &App,
    auth_key: &[u8; 32],
    item: Item,
    pow: Option<PowSolution>,
) -> Result<StatementResponse, ApiError> {
    let case = authenticate(app, auth_key)?;
    if item.kind != ItemKind::Message {
        return Err(ApiError::InvalidRequest(
            "the item's kind must be message".into(),
        ));
    }
    check_item_size(&item)?;
    let now = time::now();
    let charge = match pow {
        None => MessageCharge::Free {
            hour: time::hour_floor(now),
        },
        Some(pow) => {
            let challenge = app
                .pow
                .check(&pow.challenge, pow.nonce, now)
                .map_err(|e| ApiError::PowInvalid(e.to_string()))?;
            MessageCharge::Paid(crate::server::pow::spent_token(&challenge))
        }
    };
    let sign = message_signer(app, &case.case_ref, Party::Reporter, item.hash());
    let statement = app
        .store()
        .append_item(&case.case_id, item, charge, &sign)?;
    app.store().sync().await?;
    app.pow.record_write(now);
    Ok(StatementResponse { statement })
}

/// A case's ciphertext bundle for offline reading (`meldpunt case export`).
pub fn export_case(store: &dyn Store, case_ref: &str) -> Result<Option<CaseExport>, StoreError> {
    let Some(case) = store.case_by_ref(case_ref)? else {
        return Ok(None);
    };
    Ok(Some(CaseExport {
        format: EXPORT_FORMAT.to_owned(),
        case_ref: case.case_ref.clone(),
        case_id: case.case_id,
        theme: case.theme.clone(),
        unit: case.unit.clone(),
        relation: case.relation.clone(),
        received_hour: case.received_hour,
        status: case.status,
        kc: case.kc,
        reporter_pk: case.reporter_pk,
        items: store.items(&case.case_id)?,
        statements: store.statements(&case.case_id)?,
        wraps: case.wraps,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_refs_have_the_documented_shape() {
        let r = new_case_ref();
        assert_eq!(r.len(), 12);
        assert!(r.starts_with("MP-") && r.as_bytes()[7] == b'-');
        assert!(
            r[3..]
                .chars()
                .all(|c| c == '-' || "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c))
        );
        assert_ne!(new_case_ref(), new_case_ref());
    }
}
