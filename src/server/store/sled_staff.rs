//! The staff side's reads on sled. Trees: `staff_users` user_id → user; `staff_names`
//! lowercase name → user_id; `staff_invites` SHA-256(token) → invite; `case_staff` case_id →
//! staff state; `audit` u64be(seq) → record; `meta/audit_head` → u64be(next seq) ‖
//! SHA-256(newest record). Writes are `Write`s of a batch (`sled_store`).

use super::StoreError;
use super::records;
use super::sled_store::{AUDIT_HEAD_KEY, SledStore, name_key};
use super::staff::{
    AuditBroken, AuditHead, AuditRecord, CaseStaff, InviteRecord, StoredAudit, StoredCaseStaff,
    StoredInvite, StoredUser, UserRecord, verify_audit_chain,
};
use crate::protocol::crypto::CaseId;

fn decode_user(bytes: &[u8]) -> Result<UserRecord, StoreError> {
    records::decode::<StoredUser>(bytes)
        .map(|StoredUser::V1(u)| u)
        .map_err(|e| StoreError::Corrupt(format!("user: {e}")))
}

impl SledStore {
    pub(super) fn all_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        self.staff_users
            .iter()
            .map(|entry| decode_user(&entry?.1))
            .collect()
    }

    pub(super) fn read_user(&self, user_id: &[u8; 16]) -> Result<Option<UserRecord>, StoreError> {
        self.staff_users
            .get(user_id)?
            .map(|bytes| decode_user(&bytes))
            .transpose()
    }

    pub(super) fn read_user_by_name(&self, name: &str) -> Result<Option<UserRecord>, StoreError> {
        match self.staff_names.get(name_key(name))? {
            None => Ok(None),
            Some(id) => {
                let id: [u8; 16] = id
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("user name index".into()))?;
                self.read_user(&id)
            }
        }
    }

    pub(super) fn read_invite(
        &self,
        token_hash: &[u8; 32],
    ) -> Result<Option<InviteRecord>, StoreError> {
        self.staff_invites
            .get(token_hash)?
            .map(|bytes| {
                records::decode::<StoredInvite>(&bytes)
                    .map(|StoredInvite::V1(i)| i)
                    .map_err(|e| StoreError::Corrupt(format!("invite: {e}")))
            })
            .transpose()
    }

    pub(super) fn read_case_staff(&self, case_id: &CaseId) -> Result<CaseStaff, StoreError> {
        match self.case_staff.get(case_id)? {
            None => Ok(CaseStaff::default()),
            Some(bytes) => records::decode::<StoredCaseStaff>(&bytes)
                .map(|StoredCaseStaff::V1(s)| s)
                .map_err(|e| StoreError::Corrupt(format!("case staff: {e}"))),
        }
    }

    pub(super) fn read_audit_records(
        &self,
        start: u64,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, StoreError> {
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

    pub(super) fn read_audit_head(&self) -> Result<Option<AuditHead>, StoreError> {
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

    pub(super) fn recompute_audit_chain(
        &self,
    ) -> Result<Result<Option<AuditHead>, AuditBroken>, StoreError> {
        let records = self
            .audit
            .iter()
            .map(|e| e.map(|(k, v)| (k.to_vec(), v.to_vec())))
            .collect::<Result<Vec<_>, _>>()?;
        let head = self.meta.get(AUDIT_HEAD_KEY)?;
        Ok(verify_audit_chain(&records, head.as_deref()))
    }
}
