//! A batch as its changes see it: every read answers from the batch's own writes first, then
//! from the store, so a change sees what the changes before it in the batch wrote. Writes are
//! collected as [`Write`]s for the one commit at the end (`Sequencer`).
//!
//! Contract: reads never see part of another change; a refused change ([`Tx::refuse`])
//! leaves neither writes nor effects on later reads (log size, audit head, item numbers, …).

use std::collections::{HashMap, HashSet};

use crate::protocol::crypto::CaseId;
use crate::protocol::crypto::item::Item;
use crate::protocol::log::checkpoint::AuditHead;
use crate::protocol::statements::{
    Party, StatementBody, StatementPayload, StatusChange, TYP_RECEIPT, TYP_STATEMENT, chain_hash,
    sign_statement,
};
use crate::server::pow::SpentToken;
use crate::server::store::staff::{AuditEntry, AuditRecord, CaseStaff, InviteRecord, UserRecord};
use crate::server::store::staff::{audit_bytes, audit_hash};
use crate::server::store::{
    CaseRecord, DirectoryRecord, ProposalRecord, Recipient, Store, StoreError, Write,
};

use super::StatementSigner;

mod directory;
use super::lists::StoreLists;

/// What a new statement says; the sequencer adds `seq`, `prev`, `iat` and the log index.
#[derive(Clone, Copy, Debug)]
pub enum StatementDraft {
    /// The receipt of a new case: `sub` = SHA-256(rb), `cmt` the submission commitment,
    /// `dir` the directory hash a version-2 commitment binds.
    Receipt {
        sub: [u8; 32],
        cmt: [u8; 32],
        dir: Option<[u8; 32]>,
    },
    Status(StatusChange),
    Message {
        from: Party,
        item: [u8; 32],
    },
    IdentityViewed,
}

/// What changes have written, by key. A batch keeps two: `done` (the changes that succeeded
/// before this one) and `this` (the running change), so refusing a change drops `this` alone
/// and accepting it merges `this` into `done`: each costs what the change wrote, not what the
/// batch holds.
#[derive(Default)]
struct Overlay {
    log_size: Option<u64>,
    /// The next audit record's seq and prev, once read.
    audit_next: Option<(u64, [u8; 32])>,
    cases: HashMap<CaseId, CaseRecord>,
    refs: HashMap<String, CaseId>,
    verifiers: HashMap<[u8; 32], CaseId>,
    case_staff: HashMap<CaseId, CaseStaff>,
    items: HashSet<(CaseId, [u8; 16])>,
    next_item: HashMap<CaseId, u32>,
    spent: HashSet<SpentToken>,
    users: HashMap<[u8; 16], UserRecord>,
    names: HashMap<String, [u8; 16]>,
    invites: HashMap<[u8; 32], Option<InviteRecord>>,
    recipients: HashMap<String, Option<Recipient>>,
    checkpoint: Option<String>,
    directory: Option<DirectoryRecord>,
    proposal: Option<Option<ProposalRecord>>,
}

impl Overlay {
    fn merge(&mut self, later: Overlay) {
        self.log_size = later.log_size.or(self.log_size);
        self.audit_next = later.audit_next.or(self.audit_next);
        self.cases.extend(later.cases);
        self.refs.extend(later.refs);
        self.verifiers.extend(later.verifiers);
        self.case_staff.extend(later.case_staff);
        self.items.extend(later.items);
        self.next_item.extend(later.next_item);
        self.spent.extend(later.spent);
        self.users.extend(later.users);
        self.names.extend(later.names);
        self.invites.extend(later.invites);
        self.recipients.extend(later.recipients);
        self.checkpoint = later.checkpoint.or(self.checkpoint.take());
        self.directory = later.directory.or(self.directory.take());
        self.proposal = later.proposal.or(self.proposal.take());
    }
}

/// Looks `key` up in the running change's writes, then in the batch's.
macro_rules! layered {
    ($tx:expr, $map:ident, $key:expr) => {
        $tx.this.$map.get($key).or_else(|| $tx.done.$map.get($key))
    };
}

pub struct Tx<'a> {
    store: &'a dyn Store,
    signer: &'a StatementSigner,
    lists: &'a StoreLists,
    hour: u64,
    writes: Vec<Write>,
    /// Where the running change's writes start in `writes`.
    change_start: usize,
    done: Overlay,
    this: Overlay,
}

impl<'a> Tx<'a> {
    pub(super) fn new(
        store: &'a dyn Store,
        signer: &'a StatementSigner,
        lists: &'a StoreLists,
        now: u64,
    ) -> Tx<'a> {
        Tx {
            store,
            signer,
            lists,
            hour: crate::protocol::time::hour_floor(now),
            writes: Vec::new(),
            change_start: 0,
            done: Overlay::default(),
            this: Overlay::default(),
        }
    }

    /// Keeps the running change's writes; the next change starts after them.
    pub(super) fn accept(&mut self) {
        let this = std::mem::take(&mut self.this);
        self.done.merge(this);
        self.change_start = self.writes.len();
    }

    /// Drops the running change's writes and everything they would have changed.
    pub(super) fn refuse(&mut self) {
        self.this = Overlay::default();
        self.writes.truncate(self.change_start);
    }

    /// The batch's writes, for its commit.
    pub(super) fn into_writes(self) -> Vec<Write> {
        self.writes
    }

    fn write(&mut self, write: Write) {
        self.writes.push(write);
    }

    /// The store, for reads no change of a batch can affect (pages, statements of a case).
    pub fn store(&self) -> &dyn Store {
        self.store
    }

    /// The hour every statement of this batch is dated.
    pub fn hour(&self) -> u64 {
        self.hour
    }

    // ---- cases ----

    pub fn case(&self, case_id: &CaseId) -> Result<Option<CaseRecord>, StoreError> {
        match layered!(self, cases, case_id) {
            Some(case) => Ok(Some(case.clone())),
            None => self.store.case(case_id),
        }
    }

    pub fn case_by_ref(&self, case_ref: &str) -> Result<Option<CaseRecord>, StoreError> {
        match layered!(self, refs, case_ref) {
            Some(id) => self.case(id),
            None => self.store.case_by_ref(case_ref),
        }
    }

    pub fn case_by_verifier(&self, verifier: &[u8; 32]) -> Result<Option<CaseRecord>, StoreError> {
        match layered!(self, verifiers, verifier) {
            Some(id) => self.case(id),
            None => self.store.case_by_verifier(verifier),
        }
    }

    /// Stores a new case (its record as it stands after its receipt and items).
    pub fn create_case(&mut self, record: CaseRecord) {
        self.this
            .refs
            .insert(record.case_ref.clone(), record.case_id);
        self.this.verifiers.insert(record.verifier, record.case_id);
        self.this.cases.insert(record.case_id, record.clone());
        self.write(Write::NewCase(record));
    }

    /// Stores a case's record as it is now.
    pub fn put_case(&mut self, record: CaseRecord) {
        self.this.cases.insert(record.case_id, record.clone());
        self.write(Write::Case(record));
    }

    pub fn case_staff(&self, case_id: &CaseId) -> Result<CaseStaff, StoreError> {
        match layered!(self, case_staff, case_id) {
            Some(staff) => Ok(staff.clone()),
            None => self.store.case_staff(case_id),
        }
    }

    pub fn put_case_staff(&mut self, case_id: CaseId, staff: CaseStaff) {
        self.this.case_staff.insert(case_id, staff.clone());
        self.write(Write::CaseStaff { case_id, staff });
    }

    // ---- items ----

    pub fn has_item(&self, case_id: &CaseId, item_id: &[u8; 16]) -> Result<bool, StoreError> {
        let key = (*case_id, *item_id);
        Ok(self.this.items.contains(&key)
            || self.done.items.contains(&key)
            || self.store.has_item(case_id, item_id)?)
    }

    /// Stores `item` as the case's next item; returns its number.
    pub fn add_item(&mut self, case_id: &CaseId, item: Item) -> Result<u32, StoreError> {
        let number = match layered!(self, next_item, case_id) {
            Some(n) => *n,
            None => self.store.last_item_number(case_id)?.map_or(0, |n| n + 1),
        };
        self.this.next_item.insert(*case_id, number + 1);
        self.this.items.insert((*case_id, item.id));
        self.write(Write::Item {
            case_id: *case_id,
            number,
            item,
        });
        Ok(number)
    }

    // ---- statements ----

    fn log_size(&mut self) -> Result<u64, StoreError> {
        match self.this.log_size.or(self.done.log_size) {
            Some(size) => Ok(size),
            None => {
                let size = self.store.log_size()?;
                self.this.log_size = Some(size);
                Ok(size)
            }
        }
    }

    /// Signs `draft` as the case's next statement and the log's next leaf, and advances the
    /// case's chain (`statement_count`, `last_statement_hash`); the caller stores the case
    /// record afterwards ([`Tx::create_case`] or [`Tx::put_case`]). Returns the JWS.
    pub fn append_statement(
        &mut self,
        case: &mut CaseRecord,
        draft: StatementDraft,
    ) -> Result<String, StoreError> {
        let log_index = self.log_size()?;
        let seq = case.statement_count;
        let prev = crate::protocol::b64::decode_array::<32>(&case.last_statement_hash);
        let (iss, case_ref, hour) = (self.signer.iss.clone(), case.case_ref.clone(), self.hour);
        let later = |body| {
            StatementPayload::later(iss.clone(), case_ref.clone(), seq, hour, log_index, body)
        };
        let payload = match (draft, prev) {
            (StatementDraft::Receipt { sub, cmt, dir }, _) if seq == 0 => {
                let mut receipt = StatementPayload::receipt(
                    iss.clone(),
                    case_ref.clone(),
                    hour,
                    sub,
                    cmt,
                    log_index,
                );
                receipt.body = StatementBody::Receipt { sub, cmt, dir };
                receipt
            }
            (StatementDraft::Status(change), Some(prev)) if seq > 0 => {
                later(StatementBody::Status { prev, change })
            }
            (StatementDraft::Message { from, item }, Some(prev)) if seq > 0 => {
                later(StatementBody::Message { prev, from, item })
            }
            (StatementDraft::IdentityViewed, Some(prev)) if seq > 0 => {
                later(StatementBody::IdentityViewed { prev })
            }
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "case {} cannot take this statement at seq {seq}",
                    case.case_ref
                )));
            }
        };
        let typ = if seq == 0 { TYP_RECEIPT } else { TYP_STATEMENT };
        let jws = sign_statement(&self.signer.key, typ, &payload);
        case.statement_count = seq + 1;
        case.last_statement_hash = crate::protocol::b64::encode(chain_hash(&jws));
        self.this.log_size = Some(log_index + 1);
        self.write(Write::Statement {
            case_id: case.case_id,
            seq,
            log_index,
            jws: jws.clone(),
        });
        Ok(jws)
    }

    // ---- proof of work ----

    pub fn is_spent(&self, token: &SpentToken) -> Result<bool, StoreError> {
        Ok(self.this.spent.contains(token)
            || self.done.spent.contains(token)
            || self.store.is_spent(token)?)
    }

    pub fn spend(&mut self, token: SpentToken) {
        self.this.spent.insert(token);
        self.write(Write::SpentToken(token));
    }

    // ---- staff ----

    pub fn user(&self, user_id: &[u8; 16]) -> Result<Option<UserRecord>, StoreError> {
        match layered!(self, users, user_id) {
            Some(user) => Ok(Some(user.clone())),
            None => self.store.user(user_id),
        }
    }

    pub fn user_by_name(&self, name: &str) -> Result<Option<UserRecord>, StoreError> {
        match layered!(self, names, &name.to_lowercase()) {
            Some(id) => self.user(id),
            None => self.store.user_by_name(name),
        }
    }

    /// Every user, as the batch has them.
    pub fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let mut users = self.lists.users(self.store)?.to_vec();
        for user in &mut users {
            if let Some(changed) = layered!(self, users, &user.user_id) {
                *user = changed.clone();
            }
        }
        for (id, user) in self.done.users.iter().chain(&self.this.users) {
            if !users.iter().any(|u| u.user_id == *id) {
                users.push(user.clone());
            }
        }
        Ok(users)
    }

    pub fn put_user(&mut self, user: UserRecord) {
        self.this.users.insert(user.user_id, user.clone());
        self.write(Write::User(user));
    }

    /// Files `user_id` under `name` (case-insensitively).
    pub fn put_user_name(&mut self, name: &str, user_id: [u8; 16]) {
        self.this.names.insert(name.to_lowercase(), user_id);
        self.write(Write::UserName {
            name: name.to_owned(),
            user_id,
        });
    }

    pub fn invite(&self, token_hash: &[u8; 32]) -> Result<Option<InviteRecord>, StoreError> {
        match layered!(self, invites, token_hash) {
            Some(invite) => Ok(invite.clone()),
            None => self.store.invite(token_hash),
        }
    }

    pub fn put_invite(&mut self, token_hash: [u8; 32], invite: InviteRecord) {
        self.this.invites.insert(token_hash, Some(invite.clone()));
        self.write(Write::Invite { token_hash, invite });
    }

    pub fn remove_invite(&mut self, token_hash: [u8; 32]) {
        self.this.invites.insert(token_hash, None);
        self.write(Write::RemoveInvite { token_hash });
    }

    /// Appends `entry` to the audit chain, dated to the batch's hour.
    pub fn audit(&mut self, entry: AuditEntry) -> Result<(), StoreError> {
        let (seq, prev) = match self.this.audit_next.or(self.done.audit_next) {
            Some(next) => next,
            None => match self.store.audit_head()? {
                None => (0, [0u8; 32]),
                Some(AuditHead { seq, hash }) => {
                    let hash = crate::protocol::b64::decode_array::<32>(&hash)
                        .ok_or_else(|| StoreError::Corrupt("the audit head".into()))?;
                    (seq + 1, hash)
                }
            },
        };
        let record = AuditRecord {
            seq,
            hour: self.hour,
            actor: entry.actor,
            action: entry.action,
            case_ref: entry.case_ref,
            detail: entry.detail,
            prev: crate::protocol::b64::encode(prev),
        };
        self.this.audit_next = Some((seq + 1, audit_hash(&audit_bytes(&record))));
        self.write(Write::Audit(record));
        Ok(())
    }
}
