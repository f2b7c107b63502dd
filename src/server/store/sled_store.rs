//! The embedded store on sled 0.34: one tree per record type, transactions across them, and a
//! group-committing flusher.
//!
//! Keys: `cases` case_id → case; `case_refs` ref → case_id; `verifiers` verifier → case_id;
//! `items` case_id‖u32be(n)‖item_id → item, `n` the item's own number in its case (0 for the
//! report, then one more than the case's last item: [`SledStore::next_item_number`]), so a
//! scan yields arrival order and no two items share a place; `item_ids` case_id‖item_id →
//! u32be(n); `statements`
//! case_id‖u32be(seq) → JWS; `recipients` kid → recipient; `pow_spent` spent token
//! (`pow::SpentToken`: u64be(hour) ‖ 16 hash bytes, never the challenge, which carries its expiry
//! to the second) → empty; `meta` `log_size` → u64be; `log_nodes` see `crate::server::log::tree`; `checkpoints`
//! `latest` → signed note and `s`‖u64be(size) → signed note (the history). The staff trees
//! (`staff_users`, `staff_names`, `staff_invites`, `case_staff`, `audit`) are described in
//! `sled_staff`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree, abort};
use sled::{Transactional, Tree};

use super::group_commit::GroupCommit;
use super::records::{self, CaseRecord, Recipient, StatementSlot, StoredCase, StoredRecipient};
use super::sled_items::{add_content, id_key, item_key};
use super::{
    Conflict, DumpEntry, FlushStats, ItemCursor, ItemsPage, MessageCharge, NewCase, Signer, Store,
    StoreError, SyncFuture,
};
use crate::protocol::crypto::CaseId;
use crate::protocol::crypto::item::{Item, ItemKind};
use crate::protocol::statements::chain_hash;

const LOG_SIZE_KEY: &[u8] = b"log_size";
const LATEST_CHECKPOINT_KEY: &[u8] = b"latest";

fn checkpoint_key(size: u64) -> [u8; 9] {
    let mut key = [b's'; 9];
    key[1..].copy_from_slice(&size.to_be_bytes());
    key
}

pub struct SledStore {
    pub(super) db: sled::Db,
    pub(super) cases: Tree,
    case_refs: Tree,
    verifiers: Tree,
    pub(super) items: Tree,
    pub(super) item_ids: Tree,
    pub(super) statements: Tree,
    recipients: Tree,
    pow_spent: Tree,
    pub(super) meta: Tree,
    pub(super) log_nodes: Tree,
    checkpoints: Tree,
    pub(super) staff_users: Tree,
    pub(super) staff_names: Tree,
    pub(super) staff_invites: Tree,
    pub(super) case_staff: Tree,
    pub(super) audit: Tree,
    /// Held while a statement's slot is chosen, the statement signed and stored, so log
    /// indices and case sequence numbers are handed out exactly once and in order.
    append_lock: Mutex<()>,
    commit: Arc<GroupCommit>,
}

pub(super) type TxError = ConflictableTransactionError<Conflict>;

pub(super) fn tx_result<T>(r: Result<T, TransactionError<Conflict>>) -> Result<T, StoreError> {
    r.map_err(|e| match e {
        TransactionError::Abort(c) => StoreError::Conflict(c),
        TransactionError::Storage(e) => StoreError::from(e),
    })
}

pub(super) fn seq_key(case_id: &CaseId, seq: u32) -> Vec<u8> {
    let mut key = case_id.to_vec();
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

fn read_u64(bytes: &[u8]) -> Result<u64, StoreError> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a counter is not 8 bytes".into()))?;
    Ok(u64::from_be_bytes(arr))
}

impl SledStore {
    /// Opens (creating if needed) the database folder, which holds TOTP seeds and wrapped keys:
    /// it is made private (0700, files 0600) before sled touches it.
    pub fn open(path: &Path) -> Result<SledStore, StoreError> {
        crate::files::restrict_tree(path).map_err(|e| StoreError::Storage(e.to_string()))?;
        let db = open_db(path)?;
        let commit = Arc::new(
            GroupCommit::start(db.clone()).map_err(|e| StoreError::Storage(e.to_string()))?,
        );
        let store = SledStore {
            cases: db.open_tree("cases")?,
            case_refs: db.open_tree("case_refs")?,
            verifiers: db.open_tree("verifiers")?,
            items: db.open_tree("items")?,
            item_ids: db.open_tree("item_ids")?,
            statements: db.open_tree("statements")?,
            recipients: db.open_tree("recipients")?,
            pow_spent: db.open_tree("pow_spent")?,
            meta: db.open_tree("meta")?,
            log_nodes: db.open_tree("log_nodes")?,
            checkpoints: db.open_tree("checkpoints")?,
            staff_users: db.open_tree("staff_users")?,
            staff_names: db.open_tree("staff_names")?,
            staff_invites: db.open_tree("staff_invites")?,
            case_staff: db.open_tree("case_staff")?,
            audit: db.open_tree("audit")?,
            append_lock: Mutex::new(()),
            commit,
            db,
        };
        store.migrate_spent_challenges()?;
        Ok(store)
    }

    /// Databases written before spent tokens kept raw challenges (with their expiry to the
    /// second) as keys; replace each by its token, so no exact time stays next to a case.
    fn migrate_spent_challenges(&self) -> Result<(), StoreError> {
        for entry in self.pow_spent.iter() {
            let (key, _) = entry?;
            if let Ok(raw) = <[u8; crate::server::pow::CHALLENGE_LEN]>::try_from(key.as_ref()) {
                self.pow_spent
                    .insert(crate::server::pow::spent_token(&raw), &[])?;
                self.pow_spent.remove(key)?;
            }
        }
        Ok(())
    }

    pub fn flush_stats(&self) -> &FlushStats {
        self.commit.stats()
    }

    /// The tree that holds the transparency log's nodes (read side of `crate::log`).
    pub fn log_nodes(&self) -> &Tree {
        &self.log_nodes
    }

    /// The number of leaves in the transparency log.
    pub fn log_size(&self) -> Result<u64, StoreError> {
        match self.meta.get(LOG_SIZE_KEY)? {
            None => Ok(0),
            Some(bytes) => read_u64(&bytes),
        }
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        // A panic while holding the lock cannot leave the database half-written (transactions
        // are atomic), so a poisoned lock is safe to keep using.
        self.append_lock.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn load_case(&self, case_id: &[u8]) -> Result<Option<CaseRecord>, StoreError> {
        match self.cases.get(case_id)? {
            None => Ok(None),
            Some(bytes) => records::decode::<StoredCase>(&bytes)
                .map(|c| Some(c.into_current()))
                .map_err(|e| StoreError::Corrupt(format!("case: {e}"))),
        }
    }

    fn case_via_index(&self, index: &Tree, key: &[u8]) -> Result<Option<CaseRecord>, StoreError> {
        match index.get(key)? {
            None => Ok(None),
            Some(case_id) => self.load_case(&case_id),
        }
    }
}

/// How long `open` keeps trying while the folder's lock is held. sled releases the lock only
/// when its last background task for a dropped database ends, a few milliseconds after the
/// drop (longer on a busy machine), so a command that follows a stopped server, or a reopen in
/// the same process, would otherwise fail for no lasting reason. A running server holds the
/// lock for good, and is reported after this grace.
const LOCK_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

fn open_db(path: &Path) -> Result<sled::Db, StoreError> {
    let started = std::time::Instant::now();
    loop {
        let opened = sled::Config::new()
            .path(path)
            // The flusher thread syncs on demand; the background flush only bounds how much
            // unacknowledged work a crash can lose.
            .flush_every_ms(Some(1000))
            .open();
        match opened {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(ref io)) if io.to_string().contains("could not acquire lock") => {
                if started.elapsed() >= LOCK_GRACE {
                    return Err(StoreError::Locked {
                        path: path.display().to_string(),
                    });
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(other) => return Err(StoreError::from(other)),
        }
    }
}

/// Appends `leaf` to the transparency log inside a transaction, checking it lands at the
/// index the statement was signed with.
pub(super) fn append_log_leaf(
    meta: &TransactionalTree,
    nodes: &TransactionalTree,
    expected_index: u64,
    leaf: &[u8],
) -> Result<(), TxError> {
    let size = match meta.get(LOG_SIZE_KEY)? {
        None => 0,
        Some(bytes) => u64::from_be_bytes(
            bytes
                .as_ref()
                .try_into()
                .map_err(|_| ConflictableTransactionError::Storage(corrupt_counter()))?,
        ),
    };
    if size != expected_index {
        // Only reachable if something wrote the log outside the append lock.
        return Err(ConflictableTransactionError::Storage(
            sled::Error::ReportableBug(format!(
                "log size {size} but statement signed for index {expected_index}"
            )),
        ));
    }
    let new_size = crate::server::store::log_tree::append(nodes, size, leaf).map_err(|e| {
        match e.into_conflictable::<crate::server::store::log_tree::LogError>() {
            ConflictableTransactionError::Abort(broken) => ConflictableTransactionError::Storage(
                sled::Error::ReportableBug(format!("log append: {broken}")),
            ),
            ConflictableTransactionError::Conflict => ConflictableTransactionError::Conflict,
            ConflictableTransactionError::Storage(e) => ConflictableTransactionError::Storage(e),
        }
    })?;
    meta.insert(LOG_SIZE_KEY, &new_size.to_be_bytes())?;
    Ok(())
}

fn note_text(bytes: &[u8]) -> Result<String, StoreError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| StoreError::Corrupt("a stored checkpoint is not UTF-8".into()))
}

fn corrupt_counter() -> sled::Error {
    sled::Error::Unsupported("the log size counter is corrupt".into())
}

impl Store for SledStore {
    fn create_case(&self, new: NewCase, sign_receipt: Signer<'_>) -> Result<String, StoreError> {
        let _guard = self.lock();
        let slot = StatementSlot {
            seq: 0,
            prev: None,
            log_index: self.log_size()?,
        };
        let receipt = sign_receipt(&slot);
        let mut record = new.record;
        record.statement_count = 1;
        record.last_statement_hash = crate::protocol::b64::encode(chain_hash(&receipt));
        record.content_bytes = new.items.iter().map(|i| i.ct.len() as u64).sum();
        let case_id = record.case_id;
        let case_bytes = records::encode(&StoredCase::V1(record.clone()));
        let trees = (
            &self.cases,
            &self.case_refs,
            &self.verifiers,
            &self.items,
            &self.item_ids,
            &self.statements,
            &self.pow_spent,
            &self.meta,
            &self.log_nodes,
        );
        let result = trees.transaction(
            |(cases, refs, verifiers, items, item_ids, statements, spent, meta, nodes)| {
                if spent.get(new.pow_spent)?.is_some() {
                    return abort(Conflict::PowReplayed);
                }
                if cases.get(case_id)?.is_some() {
                    return abort(Conflict::DuplicateCase);
                }
                if verifiers.get(record.verifier)?.is_some() {
                    return abort(Conflict::DuplicateVerifier);
                }
                if refs.get(record.case_ref.as_bytes())?.is_some() {
                    return abort(Conflict::RefTaken);
                }
                spent.insert(&new.pow_spent, &[])?;
                cases.insert(&case_id, case_bytes.as_slice())?;
                refs.insert(record.case_ref.as_bytes(), &case_id)?;
                verifiers.insert(&record.verifier, &case_id)?;
                for item in &new.items {
                    items.insert(item_key(&case_id, 0, &item.id), records::encode(item))?;
                    item_ids.insert(id_key(&case_id, &item.id), &0u32.to_be_bytes())?;
                }
                statements.insert(seq_key(&case_id, 0), receipt.as_bytes())?;
                append_log_leaf(meta, nodes, slot.log_index, receipt.as_bytes())?;
                Ok(())
            },
        );
        tx_result(result)?;
        Ok(receipt)
    }

    fn append_item(
        &self,
        case_id: &CaseId,
        item: Item,
        charge: MessageCharge,
        sign: Signer<'_>,
    ) -> Result<String, StoreError> {
        let _guard = self.lock();
        let mut record = self
            .load_case(case_id)?
            .ok_or(StoreError::Conflict(Conflict::NoSuchCase))?;
        if self.item_ids.get(id_key(case_id, &item.id))?.is_some() {
            return Err(StoreError::Conflict(Conflict::DuplicateItem));
        }
        // Checked here, under the lock: concurrent posts must not overshoot a limit. A reporter
        // leaves the last statements and bytes to staff.
        use crate::protocol::wire::{
            MAX_CASE_BYTES, MAX_STATEMENTS_PER_CASE, STAFF_RESERVED_BYTES,
            STAFF_RESERVED_STATEMENTS,
        };
        if record.statement_count >= MAX_STATEMENTS_PER_CASE - STAFF_RESERVED_STATEMENTS {
            return Err(StoreError::Conflict(Conflict::CaseFull));
        }
        add_content(&mut record, &item, MAX_CASE_BYTES - STAFF_RESERVED_BYTES)?;
        let spent = match charge {
            MessageCharge::Free { hour } => {
                let used = &mut record.free_messages;
                // A new hour starts the count again; an earlier one (a clock stepped back, or
                // two requests racing across the hour) counts on the newest.
                if hour > used.hour {
                    *used = super::HourCount { hour, count: 0 };
                }
                if used.count >= crate::protocol::wire::FREE_MESSAGES_PER_HOUR {
                    return Err(StoreError::Conflict(Conflict::FreeMessagesUsed));
                }
                used.count += 1;
                None
            }
            MessageCharge::Paid(token) => Some(token),
        };
        let slot = StatementSlot {
            seq: record.statement_count,
            prev: crate::protocol::b64::decode_array::<32>(&record.last_statement_hash),
            log_index: self.log_size()?,
        };
        let number = self.next_item_number(case_id)?;
        let statement = sign(&slot);
        record.statement_count += 1;
        record.last_statement_hash = crate::protocol::b64::encode(chain_hash(&statement));
        let case_bytes = records::encode(&StoredCase::V1(record));
        let trees = (
            &self.cases,
            &self.items,
            &self.item_ids,
            &self.statements,
            &self.pow_spent,
            &self.meta,
            &self.log_nodes,
        );
        let result = trees.transaction(
            |(cases, items, item_ids, statements, pow_spent, meta, nodes)| {
                if item_ids.get(id_key(case_id, &item.id))?.is_some() {
                    return abort(Conflict::DuplicateItem);
                }
                if let Some(token) = spent {
                    if pow_spent.get(token)?.is_some() {
                        return abort(Conflict::PowReplayed);
                    }
                    pow_spent.insert(&token, &[])?;
                }
                cases.insert(case_id, case_bytes.as_slice())?;
                items.insert(item_key(case_id, number, &item.id), records::encode(&item))?;
                item_ids.insert(id_key(case_id, &item.id), &number.to_be_bytes())?;
                statements.insert(seq_key(case_id, slot.seq), statement.as_bytes())?;
                append_log_leaf(meta, nodes, slot.log_index, statement.as_bytes())?;
                Ok(())
            },
        );
        tx_result(result)?;
        Ok(statement)
    }

    fn case_by_verifier(&self, verifier: &[u8; 32]) -> Result<Option<CaseRecord>, StoreError> {
        self.case_via_index(&self.verifiers, verifier)
    }

    fn case_by_ref(&self, case_ref: &str) -> Result<Option<CaseRecord>, StoreError> {
        self.case_via_index(&self.case_refs, case_ref.as_bytes())
    }

    fn items(&self, case_id: &CaseId) -> Result<Vec<Item>, StoreError> {
        self.all_items(case_id)
    }

    fn items_page(
        &self,
        case_id: &CaseId,
        after: Option<&ItemCursor>,
        kinds: &[ItemKind],
        max_items: usize,
        max_bytes: usize,
    ) -> Result<ItemsPage, StoreError> {
        self.page_of_items(case_id, after, kinds, max_items, max_bytes)
    }

    fn statements(&self, case_id: &CaseId) -> Result<Vec<String>, StoreError> {
        self.statements
            .scan_prefix(case_id)
            .map(|entry| {
                let (_, bytes) = entry?;
                String::from_utf8(bytes.to_vec())
                    .map_err(|_| StoreError::Corrupt("statement is not UTF-8".into()))
            })
            .collect()
    }

    fn recipients(&self) -> Result<Vec<Recipient>, StoreError> {
        self.recipients
            .iter()
            .map(|entry| {
                let (_, bytes) = entry?;
                records::decode::<StoredRecipient>(&bytes)
                    .map(|StoredRecipient::V1(r)| r)
                    .map_err(|e| StoreError::Corrupt(format!("recipient: {e}")))
            })
            .collect()
    }

    fn put_recipient(&self, recipient: &Recipient) -> Result<(), StoreError> {
        self.recipients.insert(
            recipient.kid.as_bytes(),
            records::encode(&StoredRecipient::V1(recipient.clone())),
        )?;
        Ok(())
    }

    fn remove_recipient(&self, kid: &str) -> Result<bool, StoreError> {
        Ok(self.recipients.remove(kid.as_bytes())?.is_some())
    }

    fn forget_expired_challenges(&self, now: u64) -> Result<usize, StoreError> {
        // Tokens sort by their hour: every token of an hour up to `now` comes before `now + 1`.
        let mut forgotten = 0;
        for entry in self
            .pow_spent
            .range(..&now.saturating_add(1).to_be_bytes()[..])
        {
            self.pow_spent.remove(entry?.0)?;
            forgotten += 1;
        }
        Ok(forgotten)
    }

    fn latest_checkpoint(&self) -> Result<Option<String>, StoreError> {
        self.checkpoints
            .get(LATEST_CHECKPOINT_KEY)?
            .map(|bytes| note_text(&bytes))
            .transpose()
    }

    fn checkpoint_at(&self, size: u64) -> Result<Option<String>, StoreError> {
        self.checkpoints
            .get(checkpoint_key(size))?
            .map(|bytes| note_text(&bytes))
            .transpose()
    }

    fn put_checkpoint(&self, size: u64, note: &str) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        batch.insert(&checkpoint_key(size)[..], note.as_bytes());
        batch.insert(LATEST_CHECKPOINT_KEY, note.as_bytes());
        self.checkpoints.apply_batch(batch)?;
        Ok(())
    }

    fn sync(&self) -> SyncFuture {
        let commit = self.commit.clone();
        Box::pin(async move { commit.wait().await.map_err(StoreError::Storage) })
    }

    fn dump(&self) -> Result<Vec<DumpEntry>, StoreError> {
        let mut out = Vec::new();
        for name in self.db.tree_names() {
            let tree = self.db.open_tree(&name)?;
            let name = String::from_utf8_lossy(&name).into_owned();
            for entry in tree.iter() {
                let (k, v) = entry?;
                out.push((name.clone(), k.to_vec(), v.to_vec()));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_store_can_be_reopened_at_once() {
        let dir = std::env::temp_dir().join(format!(
            "meldpunt-reopen-{}",
            crate::protocol::b64::encode(crate::protocol::crypto::random_bytes::<6>())
        ));
        for round in 0..30 {
            let store = SledStore::open(&dir).unwrap_or_else(|e| panic!("round {round}: {e}"));
            // A sync makes the flusher thread do real work with its clone of the database.
            actix_web::rt::System::new().block_on(store.sync()).unwrap();
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
