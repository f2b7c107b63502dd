//! What a reporter can do (DESIGN §8), independent of HTTP: submit a report, read the case with
//! the access code's auth key (the view, then its items a bounded page at a time), send a
//! message (a few free per case and hour, then each paid with proof of work).
//!
//! Contract: every request is validated completely, and what depends on the stored state
//! (duplicates, spent challenges, the case's limits and free messages, the current
//! recipients) is checked inside its sequencer change, so a refused request changes nothing
//! (G7); a success is returned only once the sequencer has made it durable (G5); the server
//! only ever sees ciphertext, hashes and public keys (G1), and records times to the hour (G2).
//! Refusals are [`ReportError`]s; `http::error` says what a reporter sees of them (an unknown
//! case is the same `401` as a wrong access code).

use crate::protocol::crypto::item::{Item, ItemKind};
use crate::protocol::crypto::wrap::{WRAP_CT_LEN, WrapPurpose};
use crate::protocol::crypto::{commit, ct_eq, random_bytes, sha256};
use crate::protocol::domain::{self};
use crate::protocol::statements::{Party, Status};
use crate::protocol::time;
use crate::protocol::wire::{
    CaseExport, CaseView, ConfigView, EXPORT_FORMAT, FREE_MESSAGES_PER_HOUR, ItemPage, MAX_WRAPS,
    PowConfig, PowSolution, REPORTER, StatementResponse, SubmitRequest, SubmitResponse,
};
use crate::server::app::App;
use crate::server::cases::{
    self, CaseError, REPORTER_ALLOWANCE, REPORTER_PAGE_KINDS, check_item, check_item_size,
    deadlines, item_page, report_item,
};
use crate::server::log::service as log_service;
use crate::server::pow::{PowError, SpentToken};
use crate::server::recipients::{self, NoReaderError, WrapsError};
use crate::server::sequencer::{StatementDraft, Tx};
use crate::server::store::{CaseRecord, HourCount, Store, StoreError};

/// How many references a submission tries when its random one is taken.
const REF_ATTEMPTS: usize = 5;

/// Why a reporter's request was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("unknown theme")]
    UnknownTheme,
    #[error("unknown unit")]
    UnknownUnit,
    #[error("unknown relation")]
    UnknownRelation,
    #[error("proof of work: {0}")]
    Pow(#[from] PowError),
    #[error("this proof-of-work challenge was already used; fetch a new one")]
    PowReplayed,
    #[error("{0}; fetch /api/v1/directory again")]
    Wraps(#[from] WrapsError),
    #[error(transparent)]
    NoReader(#[from] NoReaderError),
    /// The case id or the access code (its verifier) is taken.
    #[error("a case with this case_id already exists")]
    DuplicateCase,
    /// No case has this access code (or it was mistyped: the two are one answer).
    #[error("the access code was not recognised")]
    UnknownAccessCode,
    /// This hour's free messages are used; `retry_after` seconds to the next hour.
    #[error(
        "this case's free messages for this hour are used; solve a proof of work \
         (GET /api/v1/pow) and send it in the Meldpunt-Pow header, or wait {retry_after} seconds"
    )]
    FreeMessagesUsed { retry_after: u64 },
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Log(#[from] log_service::LogServiceError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub fn config(app: &App) -> Result<ConfigView, ReportError> {
    Ok(ConfigView {
        themes: app.settings.themes.clone(),
        units: app.settings.units.clone(),
        relations: app.settings.relations.clone(),
        pow: PowConfig {
            bits: app.pow.current_bits(time::now()),
        },
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

/// Checks the request's shape: everything that does not depend on what is stored.
fn check_submission(app: &App, req: &SubmitRequest) -> Result<(), ReportError> {
    let s = &app.settings;
    if !domain::contains(&s.themes, &req.theme) {
        return Err(ReportError::UnknownTheme);
    }
    if !domain::contains(&s.units, &req.unit) {
        return Err(ReportError::UnknownUnit);
    }
    if let Some(relation) = &req.relation
        && !domain::contains(&s.relations, relation)
    {
        return Err(ReportError::UnknownRelation);
    }
    let [item] = req.items.as_slice() else {
        return Err(ReportError::InvalidRequest(
            "a submission carries exactly one item, of kind report".into(),
        ));
    };
    if item.kind != ItemKind::Report {
        return Err(ReportError::InvalidRequest(
            "a submission carries exactly one item, of kind report".into(),
        ));
    }
    check_item_size(item)?;
    if req.wraps.len() > MAX_WRAPS {
        return Err(ReportError::InvalidRequest(format!(
            "at most {MAX_WRAPS} wraps"
        )));
    }
    for wrap in &req.wraps {
        if wrap.purpose != WrapPurpose::Thread {
            return Err(ReportError::InvalidRequest(
                "a submission's wraps are all of purpose thread".into(),
            ));
        }
        if wrap.ct.len() != WRAP_CT_LEN {
            return Err(ReportError::InvalidRequest(format!(
                "a wrap's ct is {WRAP_CT_LEN} bytes"
            )));
        }
    }
    Ok(())
}

/// Stores a new case with its report and receipt, spending the proof of work.
pub async fn submit(app: &App, req: SubmitRequest) -> Result<SubmitResponse, ReportError> {
    let now = time::now();
    let checked = check_request(app, &req, now)?;
    let created = app
        .sequencer
        .run(move |tx| create_case(tx, req, checked))
        .await?;
    app.pow.record_write(now);
    Ok(created)
}

/// What a submission's checks that need no stored state produce, for its change.
pub struct CheckedSubmission {
    spent: SpentToken,
    /// The receipt's `cmt`.
    pub cmt: [u8; 32],
}

/// Everything about a submission that needs no stored state: the proof of work, the domain
/// lists, the item's shape and size, the wraps' count, and the commitment. Public so that the
/// benchmark's CPU floor runs exactly this code.
pub fn check_request(
    app: &App,
    req: &SubmitRequest,
    now: u64,
) -> Result<CheckedSubmission, ReportError> {
    let challenge = app.pow.check(&req.pow.challenge, req.pow.nonce, now)?;
    check_submission(app, req)?;
    Ok(CheckedSubmission {
        spent: crate::server::pow::spent_token(&challenge),
        cmt: commit::submission_commitment_v2(
            &req.case_id,
            &req.kc,
            &commit::Filing {
                theme: &req.theme,
                unit: &req.unit,
                relation: req.relation.as_deref(),
                directory: &req.directory,
                holders: &req.wraps.iter().map(|w| w.to.as_str()).collect::<Vec<_>>(),
            },
            &req.items,
        ),
    })
}

/// The submission's change: checks it against the stored state, then writes the case.
fn create_case(
    tx: &mut Tx<'_>,
    req: SubmitRequest,
    checked: CheckedSubmission,
) -> Result<SubmitResponse, ReportError> {
    let CheckedSubmission { spent, cmt } = checked;
    let readers = recipients::readers_in(tx)?;
    let current = readers
        .directory
        .as_ref()
        .ok_or(NoReaderError::NoDirectory)?;
    if !ct_eq(&current.0.hash, &req.directory) {
        return Err(NoReaderError::DirectoryChanged {
            given: crate::protocol::b64::encode(req.directory),
            current: current.0.seq,
        }
        .into());
    }
    let expected = recipients::submission_wraps(&readers, &req.unit, req.national_only)?;
    recipients::check(&req.wraps, &expected)?;
    if tx.is_spent(&spent)? {
        return Err(ReportError::PowReplayed);
    }
    if tx.case(&req.case_id)?.is_some() || tx.case_by_verifier(&req.verifier)?.is_some() {
        return Err(ReportError::DuplicateCase);
    }
    let case_ref = free_case_ref(tx)?;
    let mut record = CaseRecord {
        case_id: req.case_id,
        case_ref: case_ref.clone(),
        theme: req.theme,
        unit: req.unit,
        relation: req.relation,
        reporter_pk: req.reporter_pk,
        verifier: req.verifier,
        binding: req.binding,
        kc: req.kc,
        received_hour: tx.hour(),
        status: Status::Received,
        acknowledged_hour: None,
        statement_count: 0,
        last_statement_hash: String::new(),
        content_bytes: 0,
        free_messages: HourCount::default(),
        submitted_to: req.wraps.iter().map(|w| w.to.clone()).collect(),
        wraps: req.wraps,
        reporter_messages: 0,
    };
    let draft = StatementDraft::Receipt {
        sub: req.binding,
        cmt,
        dir: Some(req.directory),
    };
    let receipt = tx.append_statement(&mut record, draft)?;
    for item in req.items {
        cases::add_item(tx, &mut record, item, REPORTER_ALLOWANCE)?;
    }
    tx.spend(spent);
    tx.create_case(record);
    Ok(SubmitResponse { case_ref, receipt })
}

/// A random case reference no case has yet.
fn free_case_ref(tx: &Tx<'_>) -> Result<String, ReportError> {
    for _ in 0..REF_ATTEMPTS {
        let case_ref = new_case_ref();
        if tx.case_by_ref(&case_ref)?.is_none() {
            return Ok(case_ref);
        }
    }
    // 2^40 references: five collisions in a row mean the random source is broken.
    Err(StoreError::Corrupt("no free case reference after five attempts".into()).into())
}

/// Finds the case whose verifier is SHA-256(auth_key). Every failure is the same
/// `Unauthorized`, so a caller cannot tell an unknown code from a wrong one.
pub fn authenticate(app: &App, auth_key: &[u8; 32]) -> Result<CaseRecord, ReportError> {
    let verifier = sha256(auth_key);
    match app.store().case_by_verifier(&verifier)? {
        Some(case) if ct_eq(&case.verifier, &verifier) => Ok(case),
        _ => Err(ReportError::UnknownAccessCode),
    }
}

/// `GET /api/v1/reporter/items`: the reporter's items after the report, a page at a time.
pub fn read_items(
    app: &App,
    auth_key: &[u8; 32],
    after: Option<&str>,
) -> Result<ItemPage, ReportError> {
    let case = authenticate(app, auth_key)?;
    Ok(item_page(
        app.store(),
        &case.case_id,
        after,
        REPORTER_PAGE_KINDS,
    )?)
}

pub fn read_case(app: &App, auth_key: &[u8; 32]) -> Result<CaseView, ReportError> {
    let case = authenticate(app, auth_key)?;
    let store = app.store();
    let entries = store.statements(&case.case_id)?;
    // Each statement's inclusion proof against the newest checkpoint that covers it.
    let (checkpoint, proofs) = match log_service::latest_checkpoint(store, &app.log_signer)? {
        Some((note, checkpoint)) => {
            let proofs = log_service::statement_proofs(store, &entries, &checkpoint)?;
            (Some(note), proofs)
        }
        None => (None, vec![None; entries.len()]),
    };
    let statements = entries.into_iter().map(|e| e.jws).collect();
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
        submitted_to: case.submitted_to.clone(),
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
) -> Result<StatementResponse, ReportError> {
    let case_id = authenticate(app, auth_key)?.case_id;
    check_item(&item, ItemKind::Message)?;
    let now = time::now();
    let paid = match pow {
        None => None,
        Some(pow) => {
            let challenge = app.pow.check(&pow.challenge, pow.nonce, now)?;
            Some(crate::server::pow::spent_token(&challenge))
        }
    };
    let statement = app
        .sequencer
        .run(move |tx| add_message(tx, &case_id, item, paid, now))
        .await?;
    app.pow.record_write(now);
    Ok(StatementResponse { statement })
}

/// The message's change: charges it (a free message of this hour, or the spent proof of
/// work), checks the case's room, and appends the item with its statement.
fn add_message(
    tx: &mut Tx<'_>,
    case_id: &crate::protocol::crypto::CaseId,
    item: Item,
    paid: Option<SpentToken>,
    now: u64,
) -> Result<String, ReportError> {
    // The case cannot go away, but answer as for a wrong code rather than panic if it did.
    let mut case = tx.case(case_id)?.ok_or(ReportError::UnknownAccessCode)?;
    if tx.has_item(case_id, &item.id)? {
        return Err(CaseError::DuplicateItem.into());
    }
    cases::check_statement_room(&case, REPORTER_ALLOWANCE)?;
    let draft = StatementDraft::Message {
        from: Party::Reporter,
        item: item.hash(),
    };
    cases::add_item(tx, &mut case, item, REPORTER_ALLOWANCE)?;
    case.reporter_messages = case.reporter_messages.saturating_add(1);
    match paid {
        Some(token) => {
            if tx.is_spent(&token)? {
                return Err(ReportError::PowReplayed);
            }
            tx.spend(token);
        }
        None => {
            let hour = time::hour_floor(now);
            let used = &mut case.free_messages;
            // A new hour starts the count again; an earlier one (a clock stepped back) counts
            // on the newest, so the count never goes back.
            if hour > used.hour {
                *used = HourCount { hour, count: 0 };
            }
            if used.count >= FREE_MESSAGES_PER_HOUR {
                return Err(ReportError::FreeMessagesUsed {
                    retry_after: hour + time::HOUR - now,
                });
            }
            used.count += 1;
        }
    }
    let statement = tx.append_statement(&mut case, draft)?;
    tx.put_case(case);
    Ok(statement)
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
        statements: store
            .statements(&case.case_id)?
            .into_iter()
            .map(|e| e.jws)
            .collect(),
        submitted_to: case.submitted_to,
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
