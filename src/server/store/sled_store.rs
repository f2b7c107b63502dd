//! The embedded store on sled 0.34: one tree per record type, each batch one sled transaction
//! across them followed by one flush (write and fsync), so a batch is atomic and durable when
//! [`Store::commit`] returns.
//!
//! Trees and keys:
//! - `cases` case_id → case; `case_refs` ref → case_id; `verifiers` verifier → case_id.
//! - `items` and `item_ids`: see `sled_items`.
//! - `statements` case_id‖u32be(seq) → `{"v":"1","log","jws"}` (older databases: the bare JWS,
//!   whose `log` claim is then read back).
//! - `recipients` kid → recipient.
//! - `pow_spent` spent token (`pow::SpentToken`: u64be(hour) ‖ 16 hash bytes, never the
//!   challenge, which carries its expiry to the second) → empty.
//! - `meta` `log_size` → u64be; `audit_head` → u64be(next seq) ‖ SHA-256(newest record).
//! - `log_nodes`: see `log_tree`.
//! - `checkpoints` `latest` → signed note, and `s`‖u64be(size) → signed note (the history).
//! - `staff_users`, `staff_names`, `staff_invites`, `case_staff`, `audit`: see `sled_staff`.
//! - `staff_sessions` SHA-256(token) → session record (`server::signin::session`), written
//!   outside batches.

use std::path::Path;

use sled::transaction::TransactionError;
use sled::{Transactional, Tree};

use super::records::{self, CaseRecord, Recipient, StoredCase, StoredRecipient};
use super::sled_apply::apply;
use super::{DumpEntry, Store, StoreError, Write};
use crate::protocol::crypto::CaseId;

pub(super) const LOG_SIZE_KEY: &[u8] = b"log_size";
pub(super) const AUDIT_HEAD_KEY: &[u8] = b"audit_head";
pub(super) const LATEST_CHECKPOINT_KEY: &[u8] = b"latest";
/// In `meta`: the directory version waiting for signatures.
pub(super) const PROPOSAL_KEY: &[u8] = b"directory_proposal";

pub(super) fn checkpoint_key(size: u64) -> [u8; 9] {
    let mut key = [b's'; 9];
    key[1..].copy_from_slice(&size.to_be_bytes());
    key
}

pub(super) fn seq_key(case_id: &CaseId, seq: u32) -> Vec<u8> {
    let mut key = case_id.to_vec();
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

pub(super) fn name_key(name: &str) -> Vec<u8> {
    name.to_lowercase().into_bytes()
}

pub(super) fn read_u64(bytes: &[u8]) -> Result<u64, StoreError> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a counter is not 8 bytes".into()))?;
    Ok(u64::from_be_bytes(arr))
}

pub struct SledStore {
    pub(super) db: sled::Db,
    pub(super) cases: Tree,
    pub(super) case_refs: Tree,
    pub(super) verifiers: Tree,
    pub(super) items: Tree,
    pub(super) item_ids: Tree,
    pub(super) statements: Tree,
    pub(super) recipients: Tree,
    pub(super) pow_spent: Tree,
    pub(super) meta: Tree,
    pub(super) log_nodes: Tree,
    pub(super) checkpoints: Tree,
    pub(super) staff_users: Tree,
    pub(super) staff_names: Tree,
    pub(super) staff_invites: Tree,
    pub(super) case_staff: Tree,
    pub(super) audit: Tree,
    /// Published recipient directories by seq (u64be).
    pub(super) directory: Tree,
    pub(super) staff_sessions: Tree,
}

/// How sled's cache is sized: enough for a small VM, whatever the data grows to.
fn decode_directory(bytes: &[u8]) -> Result<super::DirectoryRecord, StoreError> {
    records::decode::<records::StoredDirectory>(bytes)
        .map(|records::StoredDirectory::V1(d)| d)
        .map_err(|e| StoreError::Corrupt(format!("directory: {e}")))
}

pub const CACHE_CAPACITY_BYTES: u64 = 64 * 1024 * 1024;

/// How long `open` keeps trying while the folder's lock is held. sled releases the lock only
/// when its last background task for a dropped database ends, a few milliseconds after the
/// drop (longer on a busy machine), so a command that follows a stopped server, or a reopen in
/// the same process, would otherwise fail for no lasting reason. A running server holds the
/// lock for good, and is reported after this grace.
const LOCK_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

fn open_db(path: &Path, cache_bytes: u64) -> Result<sled::Db, StoreError> {
    let started = std::time::Instant::now();
    loop {
        let opened = sled::Config::new()
            .path(path)
            .cache_capacity(cache_bytes)
            // Commits flush themselves; the background flush only bounds what a crash between
            // a sled write and its commit's flush could lose (nothing that was answered).
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

impl SledStore {
    /// Opens (creating if needed) the database folder, which holds TOTP seeds and wrapped keys:
    /// it is made private (0700, files 0600) before sled touches it. sled's page cache holds
    /// at most `CACHE_CAPACITY_BYTES`.
    pub fn open(path: &Path) -> Result<SledStore, StoreError> {
        Self::open_with_cache(path, CACHE_CAPACITY_BYTES)
    }

    /// [`SledStore::open`] with another cache size (the setting `sled_cache_mib`).
    pub fn open_with_cache(path: &Path, cache_bytes: u64) -> Result<SledStore, StoreError> {
        crate::files::restrict_tree(path).map_err(|e| StoreError::Storage(e.to_string()))?;
        let db = open_db(path, cache_bytes)?;
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
            directory: db.open_tree("directory")?,
            staff_sessions: db.open_tree("staff_sessions")?,
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

    fn batch_trees(&self) -> [&Tree; 17] {
        [
            &self.cases,
            &self.case_refs,
            &self.verifiers,
            &self.items,
            &self.item_ids,
            &self.statements,
            &self.recipients,
            &self.pow_spent,
            &self.meta,
            &self.log_nodes,
            &self.checkpoints,
            &self.staff_users,
            &self.staff_names,
            &self.staff_invites,
            &self.case_staff,
            &self.audit,
            &self.directory,
        ]
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

impl Store for SledStore {
    fn commit(&self, batch: &[Write]) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let trees = self.batch_trees();
        let result = trees.as_slice().transaction(|t| {
            for write in batch {
                apply(t, write)?;
            }
            Ok(())
        });
        match result {
            Ok(()) => {}
            Err(TransactionError::Abort(broken)) => return Err(StoreError::Corrupt(broken)),
            Err(TransactionError::Storage(e)) => return Err(e.into()),
        }
        // One flush per batch: write and fsync everything the transaction wrote.
        self.db.flush()?;
        Ok(())
    }

    fn case(&self, case_id: &CaseId) -> Result<Option<CaseRecord>, StoreError> {
        self.load_case(case_id)
    }

    fn case_by_verifier(&self, verifier: &[u8; 32]) -> Result<Option<CaseRecord>, StoreError> {
        self.case_via_index(&self.verifiers, verifier)
    }

    fn case_by_ref(&self, case_ref: &str) -> Result<Option<CaseRecord>, StoreError> {
        self.case_via_index(&self.case_refs, case_ref.as_bytes())
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

    fn case_staff(&self, case_id: &CaseId) -> Result<super::CaseStaff, StoreError> {
        self.read_case_staff(case_id)
    }

    fn items(
        &self,
        case_id: &CaseId,
    ) -> Result<Vec<crate::protocol::crypto::item::Item>, StoreError> {
        self.all_items(case_id)
    }

    fn items_page(
        &self,
        case_id: &CaseId,
        after: Option<&super::ItemCursor>,
        kinds: &[crate::protocol::crypto::item::ItemKind],
        max_items: usize,
        max_bytes: usize,
    ) -> Result<super::ItemsPage, StoreError> {
        self.page_of_items(case_id, after, kinds, max_items, max_bytes)
    }

    fn last_item_number(&self, case_id: &CaseId) -> Result<Option<u32>, StoreError> {
        self.newest_item_number(case_id)
    }

    fn has_item(&self, case_id: &CaseId, item_id: &[u8; 16]) -> Result<bool, StoreError> {
        Ok(self
            .item_ids
            .contains_key(super::sled_items::id_key(case_id, item_id))?)
    }

    fn statements(&self, case_id: &CaseId) -> Result<Vec<records::StatementEntry>, StoreError> {
        self.statements
            .scan_prefix(case_id)
            .map(|entry| decode_statement(&entry?.1))
            .collect()
    }

    fn is_spent(&self, token: &crate::server::pow::SpentToken) -> Result<bool, StoreError> {
        Ok(self.pow_spent.contains_key(token)?)
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

    fn directory(&self) -> Result<Option<super::DirectoryRecord>, StoreError> {
        self.directory
            .last()?
            .map(|(_, bytes)| decode_directory(&bytes))
            .transpose()
    }

    fn directory_version(&self, seq: u64) -> Result<Option<super::DirectoryRecord>, StoreError> {
        self.directory
            .get(seq.to_be_bytes())?
            .map(|bytes| decode_directory(&bytes))
            .transpose()
    }

    fn proposal(&self) -> Result<Option<super::ProposalRecord>, StoreError> {
        self.meta
            .get(PROPOSAL_KEY)?
            .map(|bytes| {
                records::decode::<records::StoredProposal>(&bytes)
                    .map(|records::StoredProposal::V1(p)| p)
                    .map_err(|e| StoreError::Corrupt(format!("directory proposal: {e}")))
            })
            .transpose()
    }

    fn users(&self) -> Result<Vec<super::UserRecord>, StoreError> {
        self.all_users()
    }

    fn user(&self, user_id: &[u8; 16]) -> Result<Option<super::UserRecord>, StoreError> {
        self.read_user(user_id)
    }

    fn user_by_name(&self, name: &str) -> Result<Option<super::UserRecord>, StoreError> {
        self.read_user_by_name(name)
    }

    fn invite(&self, token_hash: &[u8; 32]) -> Result<Option<super::InviteRecord>, StoreError> {
        self.read_invite(token_hash)
    }

    fn audit_records(
        &self,
        start: u64,
        limit: usize,
    ) -> Result<Vec<super::AuditRecord>, StoreError> {
        self.read_audit_records(start, limit)
    }

    fn audit_head(
        &self,
    ) -> Result<Option<crate::protocol::log::checkpoint::AuditHead>, StoreError> {
        self.read_audit_head()
    }

    fn verify_audit(
        &self,
    ) -> Result<
        Result<Option<crate::protocol::log::checkpoint::AuditHead>, super::AuditBroken>,
        StoreError,
    > {
        self.recompute_audit_chain()
    }

    fn log_size(&self) -> Result<u64, StoreError> {
        self.read_log_size()
    }

    fn log_root(&self, size: u64) -> Result<[u8; 32], StoreError> {
        self.tree_root(size)
    }

    fn inclusion_proof(
        &self,
        index: u64,
        size: u64,
    ) -> Result<crate::protocol::wire::InclusionProofView, StoreError> {
        self.tree_inclusion(index, size)
    }

    fn consistency_proof(
        &self,
        from: u64,
        to: u64,
    ) -> Result<crate::protocol::wire::ConsistencyProofView, StoreError> {
        self.tree_consistency(from, to)
    }

    fn leaf_hashes(
        &self,
        start: u64,
        end: u64,
    ) -> Result<crate::protocol::wire::LeafHashesView, StoreError> {
        self.tree_leaf_hashes(start, end)
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

    fn sessions(&self) -> Result<Vec<super::SessionEntry>, StoreError> {
        self.staff_sessions
            .iter()
            .map(|entry| {
                let (key, value) = entry?;
                let key: [u8; 32] = key
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("a session key is not 32 bytes".into()))?;
                Ok((key, value.to_vec()))
            })
            .collect()
    }

    fn put_session(&self, key: &[u8; 32], record: &[u8], flush: bool) -> Result<(), StoreError> {
        self.staff_sessions.insert(key, record)?;
        if flush {
            self.staff_sessions.flush()?;
        }
        Ok(())
    }

    fn remove_sessions(&self, keys: &[[u8; 32]]) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        for key in keys {
            self.staff_sessions.remove(key)?;
        }
        self.staff_sessions.flush()?;
        Ok(())
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

/// A stored statement: the current record, or a bare JWS from before statements kept their log
/// index (then read back from the payload).
fn decode_statement(bytes: &[u8]) -> Result<records::StatementEntry, StoreError> {
    if bytes.first() == Some(&b'{') {
        let records::StoredStatement::V1 { log, jws } =
            records::decode(bytes).map_err(|e| StoreError::Corrupt(format!("statement: {e}")))?;
        return Ok(records::StatementEntry { log, jws });
    }
    let jws = String::from_utf8(bytes.to_vec())
        .map_err(|_| StoreError::Corrupt("statement is not UTF-8".into()))?;
    let log = jws
        .split('.')
        .nth(1)
        .and_then(crate::protocol::b64::decode)
        .and_then(|p| serde_json::from_slice::<serde_json::Value>(&p).ok())
        .and_then(|v| v.get("log")?.as_u64())
        .ok_or_else(|| StoreError::Corrupt("a statement without its log index".into()))?;
    Ok(records::StatementEntry { log, jws })
}

fn note_text(bytes: &[u8]) -> Result<String, StoreError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| StoreError::Corrupt("a stored checkpoint is not UTF-8".into()))
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
            store
                .commit(&[Write::RemoveRecipient { kid: "x".into() }])
                .unwrap();
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
