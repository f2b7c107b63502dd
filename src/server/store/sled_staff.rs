//! [`StaffStore`] on sled. Trees: `staff_users` user_id → user; `staff_names` lowercase name →
//! user_id; `staff_invites` SHA-256(token) → invite; `case_staff` case_id → staff state;
//! `audit` u64be(seq) → record; `meta/audit_head` → u64be(next seq) ‖ SHA-256(newest record).
//!
//! Every method that writes takes the store's append lock, so audit sequence numbers (and
//! statement slots) are handed out once and in order.

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree, abort};

use super::records::{self, CaseRecord, StoredCase};
use super::sled_items::{add_content, id_key, item_key};
use super::sled_store::{SledStore, TxError, append_log_leaf, seq_key, tx_result};
use super::staff::{
    AuditBroken, AuditEntry, AuditHead, AuditRecord, CaseChange, CaseStaff, Enrolment,
    InviteRecord, StaffStore, StoredAudit, StoredCaseStaff, StoredInvite, StoredUser, UserRecord,
    audit_hash, verify_audit_chain,
};
use super::{Conflict, Signer, StatementSlot, Store, StoreError};
use crate::protocol::crypto::CaseId;
use crate::protocol::statements::chain_hash;

const AUDIT_HEAD_KEY: &[u8] = b"audit_head";

fn name_key(name: &str) -> Vec<u8> {
    name.to_lowercase().into_bytes()
}

fn decode_user(bytes: &[u8]) -> Result<UserRecord, StoreError> {
    records::decode::<StoredUser>(bytes)
        .map(|StoredUser::V1(u)| u)
        .map_err(|e| StoreError::Corrupt(format!("user: {e}")))
}

fn corrupt(what: &str) -> ConflictableTransactionError<Conflict> {
    ConflictableTransactionError::Storage(sled::Error::Unsupported(format!("corrupt {what}")))
}

/// Appends `entry` to the audit chain inside a transaction.
fn append_audit(
    audit: &TransactionalTree,
    meta: &TransactionalTree,
    entry: &AuditEntry,
) -> Result<(), TxError> {
    let (seq, prev) = match meta.get(AUDIT_HEAD_KEY)? {
        None => (0u64, [0u8; 32]),
        Some(head) => {
            let head: [u8; 40] = head
                .as_ref()
                .try_into()
                .map_err(|_| corrupt("audit head"))?;
            let mut seq = [0u8; 8];
            seq.copy_from_slice(&head[..8]);
            let mut prev = [0u8; 32];
            prev.copy_from_slice(&head[8..]);
            (u64::from_be_bytes(seq), prev)
        }
    };
    let record = AuditRecord {
        seq,
        hour: crate::protocol::time::hour_floor(crate::protocol::time::now()),
        actor: entry.actor.clone(),
        action: entry.action.clone(),
        case_ref: entry.case_ref.clone(),
        detail: entry.detail.clone(),
        prev: crate::protocol::b64::encode(prev),
    };
    let bytes = records::encode(&StoredAudit::V1(record));
    audit.insert(&seq.to_be_bytes(), bytes.as_slice())?;
    let mut head = (seq + 1).to_be_bytes().to_vec();
    head.extend_from_slice(&audit_hash(&bytes));
    meta.insert(AUDIT_HEAD_KEY, head)?;
    Ok(())
}

fn load_user_tx(users: &TransactionalTree, user_id: &[u8; 16]) -> Result<UserRecord, TxError> {
    let Some(bytes) = users.get(user_id)? else {
        return abort(Conflict::NoSuchUser);
    };
    decode_user(&bytes).map_err(|_| corrupt("user"))
}

impl StaffStore for SledStore {
    fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        self.staff_users
            .iter()
            .map(|entry| decode_user(&entry?.1))
            .collect()
    }

    fn user(&self, user_id: &[u8; 16]) -> Result<Option<UserRecord>, StoreError> {
        self.staff_users
            .get(user_id)?
            .map(|bytes| decode_user(&bytes))
            .transpose()
    }

    fn user_by_name(&self, name: &str) -> Result<Option<UserRecord>, StoreError> {
        match self.staff_names.get(name_key(name))? {
            None => Ok(None),
            Some(id) => {
                let id: [u8; 16] = id
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("user name index".into()))?;
                self.user(&id)
            }
        }
    }

    fn create_invite(
        &self,
        user: &UserRecord,
        token_hash: &[u8; 32],
        invite: &InviteRecord,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let _guard = self.lock();
        let user_bytes = records::encode(&StoredUser::V1(user.clone()));
        let invite_bytes = records::encode(&StoredInvite::V1(invite.clone()));
        let trees = (
            &self.staff_users,
            &self.staff_names,
            &self.staff_invites,
            &self.audit,
            &self.meta,
        );
        tx_result(
            trees.transaction(|(users, names, invites, audit_tree, meta)| {
                if names.get(name_key(&user.name))?.is_some() {
                    return abort(Conflict::NameTaken);
                }
                names.insert(name_key(&user.name), &user.user_id)?;
                users.insert(&user.user_id, user_bytes.as_slice())?;
                invites.insert(token_hash, invite_bytes.as_slice())?;
                append_audit(audit_tree, meta, &audit)
            }),
        )
    }

    fn invite(&self, token_hash: &[u8; 32]) -> Result<Option<InviteRecord>, StoreError> {
        self.staff_invites
            .get(token_hash)?
            .map(|bytes| {
                records::decode::<StoredInvite>(&bytes)
                    .map(|StoredInvite::V1(i)| i)
                    .map_err(|e| StoreError::Corrupt(format!("invite: {e}")))
            })
            .transpose()
    }

    fn enrol(
        &self,
        token_hash: &[u8; 32],
        user_id: &[u8; 16],
        enrolment: &Enrolment,
        step: u64,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        // Under the append lock no other enrolment or recipient change can slip in between this
        // check and the write. Two holders of one key would share every wrap made to it.
        let _guard = self.lock();
        let taken = self.users()?.iter().any(|u| {
            u.user_id != *user_id && u.enrolled.as_ref().is_some_and(|e| e.kid == enrolment.kid)
        }) || self.recipients()?.iter().any(|r| r.kid == enrolment.kid);
        if taken {
            return Err(StoreError::Conflict(Conflict::KeyInUse));
        }
        let trees = (
            &self.staff_users,
            &self.staff_invites,
            &self.audit,
            &self.meta,
        );
        tx_result(trees.transaction(|(users, invites, audit_tree, meta)| {
            if invites.remove(token_hash)?.is_none() {
                return abort(Conflict::InviteUsed);
            }
            // The user as stored now: an admin may have disabled it since the invite was read.
            let mut user = load_user_tx(users, user_id)?;
            if user.enrolled.is_some() || user.disabled {
                return abort(Conflict::InviteUsed);
            }
            user.enrolled = Some(enrolment.clone());
            user.last_totp_step = user.last_totp_step.max(step);
            users.insert(user_id, records::encode(&StoredUser::V1(user)))?;
            append_audit(audit_tree, meta, &audit)
        }))
    }

    fn record_login(
        &self,
        user_id: &[u8; 16],
        step: u64,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let _guard = self.lock();
        let trees = (&self.staff_users, &self.audit, &self.meta);
        tx_result(trees.transaction(|(users, audit_tree, meta)| {
            let mut user = load_user_tx(users, user_id)?;
            if step <= user.last_totp_step {
                return abort(Conflict::TotpReplayed);
            }
            user.last_totp_step = step;
            users.insert(user_id, records::encode(&StoredUser::V1(user)))?;
            append_audit(audit_tree, meta, &audit)
        }))
    }

    fn set_disabled(
        &self,
        user_id: &[u8; 16],
        disabled: bool,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let _guard = self.lock();
        let trees = (&self.staff_users, &self.audit, &self.meta);
        tx_result(trees.transaction(|(users, audit_tree, meta)| {
            let mut user = load_user_tx(users, user_id)?;
            user.disabled = disabled;
            users.insert(user_id, records::encode(&StoredUser::V1(user)))?;
            append_audit(audit_tree, meta, &audit)
        }))
    }

    fn audit(&self, entry: AuditEntry) -> Result<(), StoreError> {
        let _guard = self.lock();
        tx_result(
            (&self.audit, &self.meta)
                .transaction(|(audit_tree, meta)| append_audit(audit_tree, meta, &entry)),
        )
    }

    fn audit_records(&self, start: u64, limit: usize) -> Result<Vec<AuditRecord>, StoreError> {
        self.audit
            .range(start.to_be_bytes()..)
            .take(limit)
            .map(|entry| {
                let (_, bytes) = entry?;
                records::decode::<StoredAudit>(&bytes)
                    .map(|StoredAudit::V1(r)| r)
                    .map_err(|e| StoreError::Corrupt(format!("audit record: {e}")))
            })
            .collect()
    }

    fn audit_head(&self) -> Result<Option<AuditHead>, StoreError> {
        match self.meta.get(AUDIT_HEAD_KEY)? {
            None => Ok(None),
            Some(head) if head.len() == 40 => {
                let mut seq = [0u8; 8];
                seq.copy_from_slice(&head[..8]);
                Ok(Some(AuditHead {
                    seq: u64::from_be_bytes(seq).saturating_sub(1),
                    hash: crate::protocol::b64::encode(&head[8..]),
                }))
            }
            Some(_) => Err(StoreError::Corrupt("audit head".into())),
        }
    }

    fn verify_audit(&self) -> Result<Result<Option<AuditHead>, AuditBroken>, StoreError> {
        let records = self
            .audit
            .iter()
            .map(|e| e.map(|(k, v)| (k.to_vec(), v.to_vec())))
            .collect::<Result<Vec<_>, _>>()?;
        let head = self.meta.get(AUDIT_HEAD_KEY)?;
        Ok(verify_audit_chain(&records, head.as_deref()))
    }

    fn all_cases(&self) -> Result<Vec<CaseRecord>, StoreError> {
        self.cases
            .iter()
            .map(|entry| {
                records::decode::<StoredCase>(&entry?.1)
                    .map(StoredCase::into_current)
                    .map_err(|e| StoreError::Corrupt(format!("case: {e}")))
            })
            .collect()
    }

    fn case_staff(&self, case_id: &CaseId) -> Result<CaseStaff, StoreError> {
        match self.case_staff.get(case_id)? {
            None => Ok(CaseStaff::default()),
            Some(bytes) => records::decode::<StoredCaseStaff>(&bytes)
                .map(|StoredCaseStaff::V1(s)| s)
                .map_err(|e| StoreError::Corrupt(format!("case staff: {e}"))),
        }
    }

    fn change_case(
        &self,
        change: CaseChange,
        sign: Option<Signer<'_>>,
    ) -> Result<Option<String>, StoreError> {
        let _guard = self.lock();
        let case_id = change.case_id;
        let mut record = self
            .load_case(&case_id)?
            .ok_or(StoreError::Conflict(Conflict::NoSuchCase))?;
        if let Some(item) = &change.item {
            if self.item_ids.get(id_key(&case_id, &item.id))?.is_some() {
                return Err(StoreError::Conflict(Conflict::DuplicateItem));
            }
            add_content(&mut record, item, crate::protocol::wire::MAX_CASE_BYTES)?;
        }
        if let Some((status, acknowledged)) = change.status {
            record.status = status;
            if acknowledged.is_some() {
                record.acknowledged_hour = acknowledged;
            }
        }
        record.wraps.extend(change.add_wraps.iter().cloned());
        let item_number = match &change.item {
            Some(_) => self.next_item_number(&case_id)?,
            None => 0,
        };
        let statement = match sign {
            None => None,
            Some(_) if record.statement_count >= crate::protocol::wire::MAX_STATEMENTS_PER_CASE => {
                return Err(StoreError::Conflict(Conflict::CaseFull));
            }
            Some(sign) => {
                let slot = StatementSlot {
                    seq: record.statement_count,
                    prev: crate::protocol::b64::decode_array::<32>(&record.last_statement_hash),
                    log_index: self.log_size()?,
                };
                let jws = sign(&slot);
                record.statement_count += 1;
                record.last_statement_hash = crate::protocol::b64::encode(chain_hash(&jws));
                Some((slot, jws))
            }
        };
        let case_bytes = records::encode(&StoredCase::V1(record));
        let staff_bytes = change
            .staff
            .as_ref()
            .map(|s| records::encode(&StoredCaseStaff::V1(s.clone())));
        let trees = (
            &self.cases,
            &self.case_staff,
            &self.items,
            &self.item_ids,
            &self.statements,
            &self.meta,
            &self.log_nodes,
            &self.audit,
        );
        let result = trees.transaction(
            |(cases, case_staff, items, item_ids, statements, meta, nodes, audit_tree)| {
                cases.insert(&case_id, case_bytes.as_slice())?;
                if let Some(bytes) = &staff_bytes {
                    case_staff.insert(&case_id, bytes.as_slice())?;
                }
                if let Some(item) = &change.item {
                    if item_ids.get(id_key(&case_id, &item.id))?.is_some() {
                        return abort(Conflict::DuplicateItem);
                    }
                    items.insert(
                        item_key(&case_id, item_number, &item.id),
                        records::encode(item),
                    )?;
                    item_ids.insert(id_key(&case_id, &item.id), &item_number.to_be_bytes())?;
                }
                if let Some((slot, jws)) = &statement {
                    statements.insert(seq_key(&case_id, slot.seq), jws.as_bytes())?;
                    append_log_leaf(meta, nodes, slot.log_index, jws.as_bytes())?;
                }
                append_audit(audit_tree, meta, &change.audit)
            },
        );
        tx_result(result)?;
        Ok(statement.map(|(_, jws)| jws))
    }
}
