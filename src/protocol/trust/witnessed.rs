//! What a client accepts from a server it does not trust, given the pinned root (DESIGN §11):
//! a checkpoint signed by the pinned log key and cosigned by enough pinned witnesses, and a
//! directory that a quorum of officers signed and that such a checkpoint includes.
//!
//! Contract: [`open_witnessed_checkpoint`] accepts a note only if the log key of the root signed
//! it, its origin is that key's name, and at least `witness_threshold` distinct witnesses of the
//! root cosigned its body; so a server (or a proxy) that shows one reporter a history of its
//! own needs the witnesses to cosign it, and they refuse an inconsistent one.
//! [`check_directory_view`] accepts a `GET /api/v1/directory` answer only if its directory
//! verifies against the root ([`super::verify_directory`]), its `seq` is the one the answer
//! claims, and the inclusion proof shows exactly that text as leaf `log` of a witnessed
//! checkpoint. It returns the directory and the suspension list the caller must subtract.

use crate::protocol::log::checkpoint::{Checkpoint, open_signed_checkpoint};
use crate::protocol::log::cosignature::{CosignatureVerifier, count_cosigners};
use crate::protocol::log::proof::{leaf_hash, verify_inclusion};
use crate::protocol::wire::DirectoryView;

use super::directory::{DirectoryError, VerifiedDirectory, verify_directory};
use super::root::TrustRoot;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum WitnessedError {
    #[error("the checkpoint is not signed by the pinned log key: {0}")]
    LogSignature(String),
    #[error("the checkpoint's origin {0:?} is not the pinned log's")]
    Origin(String),
    #[error(
        "the checkpoint is cosigned by {found} of the pinned witnesses; the trust root needs \
         {needed} (a history only this server vouches for could be a private one)"
    )]
    NotWitnessed { found: usize, needed: usize },
    #[error("{0}")]
    Directory(#[from] DirectoryError),
    #[error("the directory answer claims version {claimed} but the signed directory is {signed}")]
    SeqMismatch { claimed: u64, signed: u64 },
    #[error("the directory is not in a published checkpoint yet; try again in a few minutes")]
    NotYetLogged,
    #[error("the directory's inclusion proof does not verify against the checkpoint")]
    NotIncluded,
}

/// Opens a checkpoint note against the root (see the module contract).
pub fn open_witnessed_checkpoint(
    root: &TrustRoot,
    note: &str,
) -> Result<Checkpoint, WitnessedError> {
    let log = root
        .log_verifier()
        .map_err(|e| WitnessedError::LogSignature(e.to_string()))?;
    let checkpoint = open_signed_checkpoint(note, &log)
        .map_err(|e| WitnessedError::LogSignature(e.to_string()))?;
    if checkpoint.origin != log.name() {
        return Err(WitnessedError::Origin(checkpoint.origin));
    }
    let witnesses: Vec<CosignatureVerifier> = root
        .witnesses
        .iter()
        .filter_map(|w| CosignatureVerifier::parse(&w.vkey).ok())
        .collect();
    let found = count_cosigners(note, &witnesses);
    if found < root.witness_threshold {
        return Err(WitnessedError::NotWitnessed {
            found,
            needed: root.witness_threshold,
        });
    }
    Ok(checkpoint)
}

/// Checks a directory answer against the root (see the module contract).
pub fn check_directory_view(
    root: &TrustRoot,
    view: &DirectoryView,
) -> Result<(VerifiedDirectory, Checkpoint), WitnessedError> {
    let directory = verify_directory(root, &view.directory)?;
    if directory.payload.seq != view.seq {
        return Err(WitnessedError::SeqMismatch {
            claimed: view.seq,
            signed: directory.payload.seq,
        });
    }
    let (Some(note), Some(proof)) = (&view.checkpoint, &view.proof) else {
        return Err(WitnessedError::NotYetLogged);
    };
    let checkpoint = open_witnessed_checkpoint(root, note)?;
    let leaf = leaf_hash(view.directory.as_bytes());
    let fits = proof.index == view.log && proof.size == checkpoint.size && proof.leaf_hash == leaf;
    if !fits
        || !verify_inclusion(
            &leaf,
            view.log,
            checkpoint.size,
            &proof.path,
            &checkpoint.root,
        )
    {
        return Err(WitnessedError::NotIncluded);
    }
    Ok((directory, checkpoint))
}
