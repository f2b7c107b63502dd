//! The recipient directory's life on the server (DESIGN §11): proposing the next version from
//! the candidates, collecting the officers' signatures, and publishing a version once a quorum
//! signed it.
//!
//! Contract:
//! - The server never signs a directory and cannot publish one alone: [`add_signature`]
//!   publishes only a proposal that at least `threshold` distinct officers of the trust root
//!   signed, each signature verified against the root (`protocol::trust`).
//! - [`propose`] freezes the next version: `seq` one more than the published one, `prev` its
//!   hash, this hour, and the candidates (`recipients::candidates`) as entries. A proposal
//!   that still describes the candidates and still follows the published version is kept, so
//!   officers who sign one after another sign the same bytes; otherwise it is replaced.
//!   Nothing is proposed while the published version already lists exactly the candidates
//!   and verifies against this trust root (after a new root, the officers sign it again).
//! - Publishing stores the version under its seq and appends its document (exactly the text
//!   served) as the log's next leaf, in the same batch: every version is in the log.
//! - Every proposal, signature and publication is an audit record.

use crate::protocol::b64;
use crate::protocol::log::note::NoteSigner;
use crate::protocol::trust::directory::{DIRECTORY_VERSION, directory_hash, open_payload};
use crate::protocol::trust::{
    DirectoryError, DirectoryPayload, DirectorySignature, TrustRoot, document_text,
    verify_directory,
};
use crate::protocol::wire::{DirectoryVersionView, DirectoryView, ProposalView};
use crate::server::log::service::{self as log_service, LogServiceError};
use crate::server::recipients::{candidates, stored_payload};
use crate::server::sequencer::{Lists, Tx};
use crate::server::store::{AuditEntry, DirectoryRecord, ProposalRecord, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DirectoryChangeError {
    #[error("the published directory already lists exactly the current staff keys")]
    UpToDate,
    #[error("there is no directory change waiting for signatures")]
    NoProposal,
    #[error("this signature is for another version than the one waiting; fetch the proposal again")]
    Stale,
    #[error("{0}")]
    Refused(#[from] DirectoryError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The change that makes (or keeps) the proposal for the next version (see the contract).
pub fn propose(
    tx: &mut Tx<'_>,
    root: &TrustRoot,
    actor: &str,
) -> Result<ProposalRecord, DirectoryChangeError> {
    let (users, by_hand, current) = (tx.users()?, tx.recipients()?, tx.directory()?);
    let entries = candidates(&Lists {
        users: &users,
        recipients: &by_hand,
        directory: current.as_ref(),
    });
    let current_payload = current.as_ref().and_then(stored_payload);
    // A version signed under another root (before `trust-root init` replaced it) must be
    // signed again by the officers of this one, even when its entries are unchanged.
    let signed_here = current
        .as_ref()
        .is_some_and(|c| verify_directory(root, &c.document).is_ok());
    if signed_here
        && current_payload
            .as_ref()
            .is_some_and(|p| p.entries == entries)
    {
        return Err(DirectoryChangeError::UpToDate);
    }
    let prev = current.as_ref().map(|c| c.hash);
    if let Some(existing) = tx.proposal()?
        && let Ok((payload, _)) = open_payload(root, &existing.payload)
        && payload.entries == entries
        && payload.prev == prev
    {
        return Ok(existing);
    }
    let payload = DirectoryPayload {
        v: DIRECTORY_VERSION,
        origin: root.origin.clone(),
        seq: current.as_ref().map_or(1, |c| c.seq + 1),
        prev,
        hour: tx.hour(),
        entries,
    };
    let bytes = payload.to_bytes();
    let proposal = ProposalRecord {
        payload: b64::encode(&bytes),
        hash: directory_hash(&bytes),
        signatures: Vec::new(),
    };
    tx.audit(AuditEntry::new(
        actor,
        "directory.proposed",
        format!(
            "seq {} with {} entries, hash {}",
            payload.seq,
            payload.entries.len(),
            b64::encode(proposal.hash)
        ),
    ))?;
    tx.put_proposal(Some(proposal.clone()));
    Ok(proposal)
}

/// Where a proposal stands after a signature.
#[derive(Clone, Debug)]
pub struct SignatureOutcome {
    pub signers: usize,
    pub needed: usize,
    /// The version, if this signature completed the quorum and published it.
    pub published: Option<DirectoryRecord>,
}

/// The change that adds one officer's signature to the proposal with hash `hash`, and
/// publishes it when the quorum is reached (see the contract). A second signature by the same
/// officer replaces the first.
pub fn add_signature(
    tx: &mut Tx<'_>,
    root: &TrustRoot,
    hash: &[u8; 32],
    signature: DirectorySignature,
) -> Result<SignatureOutcome, DirectoryChangeError> {
    let mut proposal = tx.proposal()?.ok_or(DirectoryChangeError::NoProposal)?;
    if !crate::protocol::crypto::ct_eq(&proposal.hash, hash) {
        return Err(DirectoryChangeError::Stale);
    }
    let (payload, _) = open_payload(root, &proposal.payload)?;
    let current = tx.directory()?;
    if payload.prev != current.as_ref().map(|c| c.hash) {
        return Err(DirectoryChangeError::Stale);
    }
    let officer_kid =
        crate::protocol::trust::directory::verify_signature(root, &proposal.payload, &signature)?;
    let officer = root
        .officer(&officer_kid)
        .map_or_else(|| officer_kid.clone(), |o| o.name.clone());
    proposal.signatures.retain(|s| {
        crate::protocol::trust::directory::verify_signature(root, &proposal.payload, s)
            .is_ok_and(|kid| kid != officer_kid)
    });
    proposal.signatures.push(signature);
    tx.audit(AuditEntry::new(
        "officer",
        "directory.signed",
        format!("seq {} by officer {officer}", payload.seq),
    ))?;
    let signers = proposal.signatures.len();
    if signers < root.threshold {
        tx.put_proposal(Some(proposal));
        return Ok(SignatureOutcome {
            signers,
            needed: root.threshold,
            published: None,
        });
    }
    let document = document_text(&proposal.payload, &proposal.signatures);
    // The quorum was counted above; verifying the document as clients will is the last check
    // that what goes into the log is exactly what they accept.
    verify_directory(root, &document)?;
    let record = tx.publish_directory(payload.seq, proposal.hash, document)?;
    tx.audit(AuditEntry::new(
        "officer",
        "directory.published",
        format!(
            "seq {} with {} entries at log index {}",
            payload.seq,
            payload.entries.len(),
            record.log_index
        ),
    ))?;
    tx.put_proposal(None);
    Ok(SignatureOutcome {
        signers,
        needed: root.threshold,
        published: Some(record),
    })
}

/// Development roots only (`server::trust`): has both development officers, whose keys lie in
/// the keys folder, sign the proposal for the current staff keys, and issues a checkpoint so
/// clients can check it. For tests, benchmarks and a newcomer's first hour; refused on a real
/// root, whose officer keys are never on this machine. `Ok(None)` when nothing changed.
pub fn publish_as_development_officers(
    app: &crate::server::app::App,
) -> Result<Option<DirectoryRecord>, DirectoryChangeError> {
    if !app.trust.root.development {
        return Err(DirectoryChangeError::Refused(DirectoryError::UnknownSigner));
    }
    let root = app.trust.root.clone();
    let proposal = match app
        .sequencer
        .run_blocking(move |tx| propose(tx, &root, "development"))
    {
        Err(DirectoryChangeError::UpToDate) => return Ok(None),
        other => other?,
    };
    let mut published = None;
    for file in crate::server::trust::DEV_OFFICER_FILES {
        let seed = crate::files::read_secret(&app.settings.keys.join(file))
            .map_err(|e| StoreError::Storage(format!("{file}: {e}")))?;
        let signature = crate::protocol::trust::sign_payload(&proposal.payload, &seed);
        let root = app.trust.root.clone();
        let hash = proposal.hash;
        let outcome = app
            .sequencer
            .run_blocking(move |tx| add_signature(tx, &root, &hash, signature))?;
        published = outcome.published.or(published);
    }
    if published.is_some()
        && let Err(e) = app.issue_checkpoint_blocking()
    {
        tracing::warn!(error = %e, "no checkpoint after publishing a directory");
    }
    Ok(published)
}

/// `GET /api/v1/directory`: the newest version with its checkpoint, proof and suspensions.
pub fn view(store: &dyn Store, log: &NoteSigner) -> Result<Option<DirectoryView>, LogServiceError> {
    let readers = crate::server::recipients::readers(store)?;
    let Some((record, _)) = readers.directory else {
        return Ok(None);
    };
    let published = log_service::latest_checkpoint(store, log)?;
    let proof = match &published {
        Some((_, checkpoint)) if record.log_index < checkpoint.size => {
            Some(store.inclusion_proof(record.log_index, checkpoint.size)?)
        }
        _ => None,
    };
    Ok(Some(DirectoryView {
        directory: record.document,
        seq: record.seq,
        log: record.log_index,
        checkpoint: published.map(|(note, _)| note),
        proof,
        suspended: readers.suspended,
    }))
}

/// `GET /api/v1/directory/versions/{seq}`.
pub fn version(store: &dyn Store, seq: u64) -> Result<Option<DirectoryVersionView>, StoreError> {
    Ok(store.directory_version(seq)?.map(|r| DirectoryVersionView {
        directory: r.document,
        seq: r.seq,
        log: r.log_index,
    }))
}

/// What `GET /api/v1/directory/proposal` shows of a proposal.
pub fn proposal_view(root: &TrustRoot, proposal: &ProposalRecord) -> ProposalView {
    let signed_by = proposal
        .signatures
        .iter()
        .filter_map(|s| {
            crate::protocol::trust::directory::verify_signature(root, &proposal.payload, s).ok()
        })
        .collect();
    ProposalView {
        payload: proposal.payload.clone(),
        hash: proposal.hash,
        signed_by,
        needed: root.threshold,
    }
}

#[cfg(test)]
#[path = "directory_tests.rs"]
mod tests;
