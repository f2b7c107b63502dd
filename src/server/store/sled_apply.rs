//! How one [`Write`] lands in the sled trees inside a batch's transaction (`SledStore::commit`
//! runs every write of a batch through [`apply`] in one transaction). The store's own
//! invariants are checked here and abort the whole batch: a new case never overwrites another,
//! a statement lands at the log index it was signed with, an audit record at the next seq.

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::Write;
use super::records::{self, StoredCase, StoredRecipient};
use super::sled_store::{AUDIT_HEAD_KEY, LATEST_CHECKPOINT_KEY, LOG_SIZE_KEY, PROPOSAL_KEY};
use super::sled_store::{checkpoint_key, name_key, seq_key};
use super::staff::{StoredCaseStaff, StoredInvite, StoredUser, audit_bytes, audit_hash};

/// A transaction's error: an abort carries why the batch broke an invariant.
pub(super) type TxError = ConflictableTransactionError<String>;

/// The trees a batch writes, in the order of `SledStore::batch_trees`.
#[derive(Clone, Copy)]
pub(super) enum T {
    Cases,
    CaseRefs,
    Verifiers,
    Items,
    ItemIds,
    Statements,
    Recipients,
    PowSpent,
    Meta,
    LogNodes,
    Checkpoints,
    StaffUsers,
    StaffNames,
    StaffInvites,
    CaseStaff,
    Audit,
    Directory,
}

fn corrupt(what: impl Into<String>) -> TxError {
    ConflictableTransactionError::Abort(what.into())
}

fn counter(meta: &TransactionalTree, key: &[u8]) -> Result<Option<sled::IVec>, TxError> {
    Ok(meta.get(key)?)
}

/// Applies one write inside the batch's transaction.
pub(super) fn apply(t: &[TransactionalTree], write: &Write) -> Result<(), TxError> {
    let tree = |which: T| &t[which as usize];
    match write {
        Write::NewCase(record) => {
            if tree(T::Cases).get(record.case_id)?.is_some() {
                return Err(corrupt("a new case would overwrite another"));
            }
            let bytes = records::encode(&StoredCase::V1(record.clone()));
            tree(T::Cases).insert(&record.case_id, bytes)?;
            tree(T::CaseRefs).insert(record.case_ref.as_bytes(), &record.case_id)?;
            tree(T::Verifiers).insert(&record.verifier, &record.case_id)?;
        }
        Write::Case(record) => {
            let bytes = records::encode(&StoredCase::V1(record.clone()));
            tree(T::Cases).insert(&record.case_id, bytes)?;
        }
        Write::CaseStaff { case_id, staff } => {
            let bytes = records::encode(&StoredCaseStaff::V1(staff.clone()));
            tree(T::CaseStaff).insert(case_id, bytes)?;
        }
        Write::Item {
            case_id,
            number,
            item,
        } => {
            let key = super::sled_items::item_key(case_id, *number, &item.id);
            tree(T::Items).insert(key, records::encode(item))?;
            let id = super::sled_items::id_key(case_id, &item.id);
            tree(T::ItemIds).insert(id, &number.to_be_bytes())?;
        }
        Write::Statement {
            case_id,
            seq,
            log_index,
            jws,
        } => {
            let stored = records::StoredStatement::V1 {
                log: *log_index,
                jws: jws.clone(),
            };
            tree(T::Statements).insert(seq_key(case_id, *seq), records::encode(&stored))?;
            append_log_leaf(tree(T::Meta), tree(T::LogNodes), *log_index, jws.as_bytes())?;
        }
        Write::SpentToken(token) => {
            tree(T::PowSpent).insert(&token[..], &[])?;
        }
        Write::User(user) => {
            let bytes = records::encode(&StoredUser::V1(user.clone()));
            tree(T::StaffUsers).insert(&user.user_id, bytes)?;
        }
        Write::UserName { name, user_id } => {
            tree(T::StaffNames).insert(name_key(name), user_id)?;
        }
        Write::Invite { token_hash, invite } => {
            let bytes = records::encode(&StoredInvite::V1(invite.clone()));
            tree(T::StaffInvites).insert(token_hash, bytes)?;
        }
        Write::RemoveInvite { token_hash } => {
            tree(T::StaffInvites).remove(token_hash)?;
        }
        Write::Audit(record) => {
            let next = match counter(tree(T::Meta), AUDIT_HEAD_KEY)? {
                None => 0,
                Some(head) if head.len() == 40 => {
                    u64::from_be_bytes(head[..8].try_into().unwrap_or_default())
                }
                Some(_) => return Err(corrupt("the audit head")),
            };
            if record.seq != next {
                return Err(corrupt(format!(
                    "audit record {} written where {next} is next",
                    record.seq
                )));
            }
            let bytes = audit_bytes(record);
            tree(T::Audit).insert(&record.seq.to_be_bytes(), bytes.as_slice())?;
            let mut head = (record.seq + 1).to_be_bytes().to_vec();
            head.extend_from_slice(&audit_hash(&bytes));
            tree(T::Meta).insert(AUDIT_HEAD_KEY, head)?;
        }
        Write::Recipient(recipient) => {
            let bytes = records::encode(&StoredRecipient::V1(recipient.clone()));
            tree(T::Recipients).insert(recipient.kid.as_bytes(), bytes)?;
        }
        Write::RemoveRecipient { kid } => {
            tree(T::Recipients).remove(kid.as_bytes())?;
        }
        Write::Directory(record) => {
            let bytes = records::encode(&records::StoredDirectory::V1(record.clone()));
            tree(T::Directory).insert(&record.seq.to_be_bytes(), bytes)?;
            let leaf = record.document.as_bytes();
            append_log_leaf(tree(T::Meta), tree(T::LogNodes), record.log_index, leaf)?;
        }
        Write::Proposal(None) => {
            tree(T::Meta).remove(PROPOSAL_KEY)?;
        }
        Write::Proposal(Some(proposal)) => {
            let bytes = records::encode(&records::StoredProposal::V1(proposal.clone()));
            tree(T::Meta).insert(PROPOSAL_KEY, bytes)?;
        }
        Write::Checkpoint { size, note } => {
            tree(T::Checkpoints).insert(&checkpoint_key(*size)[..], note.as_bytes())?;
            tree(T::Checkpoints).insert(LATEST_CHECKPOINT_KEY, note.as_bytes())?;
        }
    }
    Ok(())
}

/// Appends `leaf` to the transparency log inside a transaction, checking it lands at the
/// index the statement was signed with.
fn append_log_leaf(
    meta: &TransactionalTree,
    nodes: &TransactionalTree,
    expected_index: u64,
    leaf: &[u8],
) -> Result<(), TxError> {
    let size = match counter(meta, LOG_SIZE_KEY)? {
        None => 0,
        Some(bytes) => u64::from_be_bytes(
            bytes
                .as_ref()
                .try_into()
                .map_err(|_| corrupt("the log size counter"))?,
        ),
    };
    if size != expected_index {
        return Err(corrupt(format!(
            "log size {size} but a leaf made for index {expected_index}"
        )));
    }
    let new_size =
        super::log_tree::append(nodes, size, leaf).map_err(|e| match e
            .into_conflictable::<super::log_tree::LogError>()
        {
            ConflictableTransactionError::Abort(broken) => corrupt(format!("log append: {broken}")),
            ConflictableTransactionError::Conflict => ConflictableTransactionError::Conflict,
            ConflictableTransactionError::Storage(e) => ConflictableTransactionError::Storage(e),
        })?;
    meta.insert(LOG_SIZE_KEY, &new_size.to_be_bytes())?;
    Ok(())
}
