//! The sequencer's contract, on a real sled store in a temporary folder: batches form while
//! the thread is busy, changes of a batch see each other, a refused change leaves no trace, a
//! failed commit answers every change with the error and stores nothing, answers come only
//! once the batch is on disk, and statements get consecutive log indices and chained `prev`s.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};

use super::*;
use crate::protocol::crypto::random_bytes;
use crate::protocol::statements::jws::StatementVerifier;
use crate::protocol::statements::{Status, chain_hash};
use crate::server::store::{CaseRecord, DumpEntry, HourCount, SledStore, StoreError, Write};

struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        Scratch(std::env::temp_dir().join(format!(
            "meldpunt-sequencer-{}",
            crate::protocol::b64::encode(random_bytes::<6>())
        )))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn signer() -> (StatementSigner, StatementVerifier) {
    let key = Arc::new(ReceiptSigner::from_seed([9; 32]));
    let verifier = StatementVerifier::from_keys([key.verifying_key()]);
    let signer = StatementSigner {
        key,
        iss: "https://meldpunt.test".into(),
    };
    (signer, verifier)
}

fn case(n: u8) -> CaseRecord {
    CaseRecord {
        case_id: [n; 16],
        case_ref: format!("MP-TEST-{n:04}"),
        theme: "other".into(),
        unit: "unit".into(),
        relation: None,
        reporter_pk: [1; 32],
        verifier: [n; 32],
        binding: [2; 32],
        kc: [3; 32],
        received_hour: 0,
        status: Status::Received,
        acknowledged_hour: None,
        wraps: Vec::new(),
        statement_count: 0,
        last_statement_hash: String::new(),
        content_bytes: 0,
        free_messages: HourCount::default(),
        submitted_to: Vec::new(),
        reporter_messages: 0,
    }
}

/// The change that stores case `n` with its receipt; refused if the case exists.
fn create(tx: &mut Tx<'_>, n: u8) -> Result<String, StoreError> {
    let mut record = case(n);
    if tx.case(&record.case_id)?.is_some() {
        return Err(StoreError::Corrupt("exists".into()));
    }
    let draft = StatementDraft::Receipt {
        sub: [n; 32],
        cmt: [n; 32],
        dir: None,
    };
    let receipt = tx.append_statement(&mut record, draft)?;
    tx.create_case(record);
    Ok(receipt)
}

/// Queues a change that holds the sequencer's thread until the returned sender is used (or
/// dropped), and returns once it runs: whatever is queued meanwhile forms the next batch.
fn hold(sequencer: &Sequencer) -> (mpsc::Sender<()>, mpsc::Receiver<Result<(), StoreError>>) {
    let (started, running) = mpsc::channel::<()>();
    let (release, gate) = mpsc::channel::<()>();
    let answer = queue(sequencer, move |_tx| {
        started.send(()).unwrap();
        let _ = gate.recv();
        Ok(())
    });
    running.recv().unwrap();
    (release, answer)
}

/// Queues `change` without waiting (the test module may use the private `submit`); its answer
/// arrives on the returned channel.
fn queue<T: Send + 'static>(
    sequencer: &Sequencer,
    change: impl FnOnce(&mut Tx<'_>) -> Result<T, StoreError> + Send + 'static,
) -> mpsc::Receiver<Result<T, StoreError>> {
    let (answer, answered) = mpsc::channel();
    sequencer
        .submit(change, move |result| {
            let _ = answer.send(result);
        })
        .unwrap();
    answered
}

#[test]
fn changes_queued_while_a_batch_runs_form_the_next_batch() {
    let dir = Scratch::new();
    let store = Arc::new(SledStore::open(&dir.0).unwrap());
    let sequencer = Sequencer::start(store.clone(), signer().0).unwrap();
    // The first change holds the thread until every other change is queued.
    let (release, first) = hold(&sequencer);
    let rest: Vec<_> = (1..=20u8)
        .map(|n| queue(&sequencer, move |tx| create(tx, n)))
        .collect();
    release.send(()).unwrap();
    first.recv().unwrap().unwrap();
    for answer in rest {
        answer.recv().unwrap().unwrap();
    }
    assert_eq!(sequencer.stats().changes.load(Ordering::Relaxed), 21);
    assert_eq!(sequencer.stats().batches.load(Ordering::Relaxed), 2);
    assert_eq!(store.log_size().unwrap(), 20);
}

#[test]
fn a_batch_sees_its_earlier_changes_and_forgets_refused_ones() {
    let dir = Scratch::new();
    let store = Arc::new(SledStore::open(&dir.0).unwrap());
    let sequencer = Sequencer::start(store.clone(), signer().0).unwrap();
    let (release, held) = hold(&sequencer);
    let token = [7u8; 24];
    let spend = queue(&sequencer, move |tx| {
        tx.spend(token);
        create(tx, 1)
    });
    // Writes a case, a spent token and an audit record, then refuses: none of it may count.
    let refused = queue(&sequencer, |tx| {
        create(tx, 2)?;
        tx.spend([8; 24]);
        tx.audit(crate::server::store::AuditEntry::new("test", "refused", ""))?;
        Err::<(), _>(StoreError::Corrupt("refused on purpose".into()))
    });
    let sees = queue(&sequencer, move |tx| {
        Ok((
            tx.is_spent(&token)?,
            tx.case(&[1; 16])?.is_some(),
            tx.is_spent(&[8; 24])?,
            tx.case(&[2; 16])?.is_some(),
            create(tx, 3)?,
        ))
    });
    let audited = queue(&sequencer, |tx| {
        tx.audit(crate::server::store::AuditEntry::new("test", "kept", ""))
    });
    release.send(()).unwrap();
    held.recv().unwrap().unwrap();
    let receipt_1 = spend.recv().unwrap().unwrap();
    assert!(refused.recv().unwrap().is_err());
    let (spent, case_1, spent_refused, case_2, receipt_3) = sees.recv().unwrap().unwrap();
    assert!(spent && case_1, "a change sees the batch's earlier writes");
    assert!(!spent_refused && !case_2, "a refused change leaves nothing");
    audited.recv().unwrap().unwrap();
    assert_eq!(sequencer.stats().batches.load(Ordering::Relaxed), 2);
    // The refused receipt took no log index: the next change got the one after case 1's.
    let verifier = signer().1;
    let log_of = |jws: &str| verifier.verify(jws).unwrap().payload.log;
    assert_eq!((log_of(&receipt_1), log_of(&receipt_3)), (0, 1));
    assert_eq!(store.log_size().unwrap(), 2);
    assert!(store.case(&[2; 16]).unwrap().is_none());
    assert!(!store.is_spent(&[8; 24]).unwrap());
    // The refused audit record took no seq either: the chain is whole.
    let records = store.audit_records(0, 10).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!((records[0].seq, records[0].action.as_str()), (0, "kept"));
    assert!(store.verify_audit().unwrap().is_ok());
}

#[test]
fn statements_get_consecutive_log_indices_and_chain_their_prev() {
    let dir = Scratch::new();
    let store = Arc::new(SledStore::open(&dir.0).unwrap());
    let (signer, verifier) = signer();
    let sequencer = Arc::new(Sequencer::start(store.clone(), signer).unwrap());
    // 8 threads, each a case and then 5 status-free statements on it, all at once.
    let threads: Vec<_> = (0..8u8)
        .map(|n| {
            let sequencer = sequencer.clone();
            std::thread::spawn(move || {
                sequencer.run_blocking(move |tx| create(tx, n)).unwrap();
                for _ in 0..5 {
                    sequencer
                        .run_blocking(move |tx| {
                            let mut record = tx.case(&[n; 16])?.unwrap();
                            let jws =
                                tx.append_statement(&mut record, StatementDraft::IdentityViewed)?;
                            tx.put_case(record);
                            Ok::<_, StoreError>(jws)
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(store.log_size().unwrap(), 48);
    let mut indices = Vec::new();
    for n in 0..8u8 {
        let entries = store.statements(&[n; 16]).unwrap();
        assert_eq!(entries.len(), 6);
        let mut prev = None;
        for (seq, entry) in entries.iter().enumerate() {
            let payload = verifier.verify(&entry.jws).unwrap().payload;
            assert_eq!(payload.seq as usize, seq);
            assert_eq!(payload.log, entry.log, "the stored index is the signed one");
            assert_eq!(
                payload.prev().copied(),
                prev,
                "each statement chains to the one before"
            );
            prev = Some(chain_hash(&entry.jws));
            indices.push(entry.log);
        }
        let record = store.case(&[n; 16]).unwrap().unwrap();
        assert_eq!(record.statement_count, 6);
    }
    indices.sort_unstable();
    assert_eq!(indices, (0..48).collect::<Vec<u64>>());
    // The log's leaves are the statements at their indices.
    for n in 0..8u8 {
        for entry in store.statements(&[n; 16]).unwrap() {
            let leaf = crate::protocol::log::proof::leaf_hash(entry.jws.as_bytes());
            let proof = store.inclusion_proof(entry.log, 48).unwrap();
            assert_eq!(proof.leaf_hash, leaf);
        }
    }
}

/// The real store, with commits that can be made to fail (a full disk, a dying device).
struct Failing {
    inner: SledStore,
    fail: Mutex<bool>,
}

impl Failing {
    fn open(dir: &Scratch) -> Failing {
        Failing {
            inner: SledStore::open(&dir.0).unwrap(),
            fail: Mutex::new(false),
        }
    }
}

impl Store for Failing {
    fn commit(&self, batch: &[Write]) -> Result<(), StoreError> {
        if *self.fail.lock().unwrap() {
            return Err(StoreError::Storage("the disk is full".into()));
        }
        self.inner.commit(batch)
    }
    fn case(&self, id: &crate::protocol::crypto::CaseId) -> Result<Option<CaseRecord>, StoreError> {
        self.inner.case(id)
    }
    fn case_by_verifier(&self, v: &[u8; 32]) -> Result<Option<CaseRecord>, StoreError> {
        self.inner.case_by_verifier(v)
    }
    fn case_by_ref(&self, r: &str) -> Result<Option<CaseRecord>, StoreError> {
        self.inner.case_by_ref(r)
    }
    fn all_cases(&self) -> Result<Vec<CaseRecord>, StoreError> {
        self.inner.all_cases()
    }
    fn case_staff(
        &self,
        id: &crate::protocol::crypto::CaseId,
    ) -> Result<crate::server::store::CaseStaff, StoreError> {
        self.inner.case_staff(id)
    }
    fn items(
        &self,
        id: &crate::protocol::crypto::CaseId,
    ) -> Result<Vec<crate::protocol::crypto::item::Item>, StoreError> {
        self.inner.items(id)
    }
    fn items_page(
        &self,
        id: &crate::protocol::crypto::CaseId,
        after: Option<&crate::server::store::ItemCursor>,
        kinds: &[crate::protocol::crypto::item::ItemKind],
        max_items: usize,
        max_bytes: usize,
    ) -> Result<crate::server::store::ItemsPage, StoreError> {
        self.inner
            .items_page(id, after, kinds, max_items, max_bytes)
    }
    fn last_item_number(
        &self,
        id: &crate::protocol::crypto::CaseId,
    ) -> Result<Option<u32>, StoreError> {
        self.inner.last_item_number(id)
    }
    fn has_item(
        &self,
        id: &crate::protocol::crypto::CaseId,
        item: &[u8; 16],
    ) -> Result<bool, StoreError> {
        self.inner.has_item(id, item)
    }
    fn statements(
        &self,
        id: &crate::protocol::crypto::CaseId,
    ) -> Result<Vec<crate::server::store::StatementEntry>, StoreError> {
        self.inner.statements(id)
    }
    fn is_spent(&self, token: &crate::server::pow::SpentToken) -> Result<bool, StoreError> {
        self.inner.is_spent(token)
    }
    fn forget_expired_challenges(&self, now: u64) -> Result<usize, StoreError> {
        self.inner.forget_expired_challenges(now)
    }
    fn recipients(&self) -> Result<Vec<crate::server::store::Recipient>, StoreError> {
        self.inner.recipients()
    }
    fn directory(&self) -> Result<Option<crate::server::store::DirectoryRecord>, StoreError> {
        self.inner.directory()
    }
    fn directory_version(
        &self,
        seq: u64,
    ) -> Result<Option<crate::server::store::DirectoryRecord>, StoreError> {
        self.inner.directory_version(seq)
    }
    fn proposal(&self) -> Result<Option<crate::server::store::ProposalRecord>, StoreError> {
        self.inner.proposal()
    }
    fn users(&self) -> Result<Vec<crate::server::store::UserRecord>, StoreError> {
        self.inner.users()
    }
    fn user(&self, id: &[u8; 16]) -> Result<Option<crate::server::store::UserRecord>, StoreError> {
        self.inner.user(id)
    }
    fn user_by_name(
        &self,
        name: &str,
    ) -> Result<Option<crate::server::store::UserRecord>, StoreError> {
        self.inner.user_by_name(name)
    }
    fn invite(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<crate::server::store::InviteRecord>, StoreError> {
        self.inner.invite(hash)
    }
    fn audit_records(
        &self,
        start: u64,
        limit: usize,
    ) -> Result<Vec<crate::server::store::AuditRecord>, StoreError> {
        self.inner.audit_records(start, limit)
    }
    fn audit_head(
        &self,
    ) -> Result<Option<crate::protocol::log::checkpoint::AuditHead>, StoreError> {
        self.inner.audit_head()
    }
    fn verify_audit(
        &self,
    ) -> Result<
        Result<
            Option<crate::protocol::log::checkpoint::AuditHead>,
            crate::server::store::AuditBroken,
        >,
        StoreError,
    > {
        self.inner.verify_audit()
    }
    fn log_size(&self) -> Result<u64, StoreError> {
        self.inner.log_size()
    }
    fn log_root(&self, size: u64) -> Result<[u8; 32], StoreError> {
        self.inner.log_root(size)
    }
    fn inclusion_proof(
        &self,
        index: u64,
        size: u64,
    ) -> Result<crate::protocol::wire::InclusionProofView, StoreError> {
        self.inner.inclusion_proof(index, size)
    }
    fn consistency_proof(
        &self,
        from: u64,
        to: u64,
    ) -> Result<crate::protocol::wire::ConsistencyProofView, StoreError> {
        self.inner.consistency_proof(from, to)
    }
    fn leaf_hashes(
        &self,
        start: u64,
        end: u64,
    ) -> Result<crate::protocol::wire::LeafHashesView, StoreError> {
        self.inner.leaf_hashes(start, end)
    }
    fn latest_checkpoint(&self) -> Result<Option<String>, StoreError> {
        self.inner.latest_checkpoint()
    }
    fn checkpoint_at(&self, size: u64) -> Result<Option<String>, StoreError> {
        self.inner.checkpoint_at(size)
    }
    fn sessions(&self) -> Result<Vec<crate::server::store::SessionEntry>, StoreError> {
        self.inner.sessions()
    }
    fn put_session(&self, key: &[u8; 32], record: &[u8], flush: bool) -> Result<(), StoreError> {
        self.inner.put_session(key, record, flush)
    }
    fn remove_sessions(&self, keys: &[[u8; 32]]) -> Result<(), StoreError> {
        self.inner.remove_sessions(keys)
    }
    fn dump(&self) -> Result<Vec<DumpEntry>, StoreError> {
        self.inner.dump()
    }
}

#[test]
fn a_failed_commit_answers_every_change_with_the_error_and_stores_nothing() {
    let dir = Scratch::new();
    let store = Arc::new(Failing::open(&dir));
    let sequencer = Sequencer::start(store.clone(), signer().0).unwrap();
    sequencer.run_blocking(|tx| create(tx, 1)).unwrap();
    let before = store.dump().unwrap();
    let (release, held) = hold(&sequencer);
    let answers: Vec<_> = (2..6u8)
        .map(|n| queue(&sequencer, move |tx| create(tx, n)))
        .collect();
    *store.fail.lock().unwrap() = true;
    release.send(()).unwrap();
    assert!(held.recv().unwrap().is_err());
    for answer in answers {
        assert!(matches!(
            answer.recv().unwrap(),
            Err(StoreError::Storage(_))
        ));
    }
    assert_eq!(sequencer.stats().batches.load(Ordering::Relaxed), 3);
    assert_eq!(store.dump().unwrap(), before);
    // The next batch starts from the stored state: the log index the failed batch used is
    // free again.
    *store.fail.lock().unwrap() = false;
    let receipt = sequencer.run_blocking(|tx| create(tx, 2)).unwrap();
    assert_eq!(signer().1.verify(&receipt).unwrap().payload.log, 1);
}

#[test]
fn an_answer_comes_only_once_its_batch_is_stored_and_survives_a_reopen() {
    let dir = Scratch::new();
    let store = Arc::new(SledStore::open(&dir.0).unwrap());
    let sequencer = Sequencer::start(store.clone(), signer().0).unwrap();
    let reader = store.clone();
    let (answer, answered) = mpsc::channel();
    sequencer
        .submit(
            |tx| create(tx, 4),
            move |result: Result<String, StoreError>| {
                // Delivered after the commit: the case is readable from the store already.
                let stored = reader.case(&[4; 16]).unwrap().is_some();
                let _ = answer.send((result.is_ok(), stored));
            },
        )
        .unwrap();
    assert_eq!(answered.recv().unwrap(), (true, true));
    drop(sequencer);
    drop(store);
    let reopened = SledStore::open(&dir.0).unwrap();
    assert!(reopened.case(&[4; 16]).unwrap().is_some());
    assert_eq!(reopened.log_size().unwrap(), 1);
}
