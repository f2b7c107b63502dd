//! The sequencer: the one owner of "the next statement", and of every other write.
//!
//! After sunlight's `addLeafToPool`/`sequencePool`: domain code hands [`Sequencer::run`] a
//! change — a function that reads what it needs through a [`Tx`], checks its rules, and
//! describes its writes (new cases, items, statement drafts, audit records, …). One thread
//! takes every change queued so far (up to [`MAX_BATCH`]), runs them one after the other
//! against the store *and the writes of the changes before them in the batch*, gives each
//! statement its `seq`, `prev` and log index and signs it, then commits the whole batch in one
//! atomic, durable [`Store::commit`] (one transaction, one flush), and only then wakes every
//! waiter with its answer.
//!
//! Contract:
//! - Changes run one at a time, in arrival order, each seeing the effects of every earlier
//!   one; so a check and its write cannot be separated by another change (no locks needed
//!   above this).
//! - A change that returns an error leaves no trace: its writes are dropped (the batch rolls
//!   back to where it stood before the change) and its caller gets the error at once.
//! - A change's answer is delivered only after the batch holding its writes is durable; if the
//!   commit fails, every change of the batch gets the storage error and nothing of it is
//!   stored.
//! - Statements get consecutive log indices in the order their changes ran, and `iat` is the
//!   batch's hour (DESIGN G2); a statement's index is kept with it in the store.
//! - Nothing here waits on an async worker: callers await a one-shot answer.
//! - Between batches it keeps the store's users and hand-registered recipients (it is their
//!   only writer), for the wrap rule every submission runs; a commit that writes either, or
//!   fails, makes it read them again.

mod lists;
mod reads;
mod tx;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use tokio::sync::oneshot;

pub use lists::Lists;
use lists::StoreLists;
pub use reads::Reads;
pub use tx::{StatementDraft, Tx};

use crate::protocol::statements::ReceiptSigner;
use crate::server::store::{Store, StoreError};

/// Most changes one batch takes.
pub const MAX_BATCH: usize = 512;

/// A queued change, already bound to its caller's answer channel: it runs against the batch
/// and returns how to answer once the batch is committed (or `None` if it refused, in which
/// case it has answered already).
type Job = Box<dyn FnOnce(&mut Tx<'_>) -> Option<Finish> + Send>;
type Finish = Box<dyn FnOnce(Result<(), &StoreError>) + Send>;

/// Counters: how many batches served how many changes.
#[derive(Debug, Default)]
pub struct SequencerStats {
    pub batches: AtomicU64,
    pub changes: AtomicU64,
}

/// What signs the statements: the receipt key and the `iss` every statement carries.
pub struct StatementSigner {
    pub key: Arc<ReceiptSigner>,
    pub iss: String,
}

pub struct Sequencer {
    /// `None` only while dropping: closing the queue is what ends the thread.
    queue: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
    stats: Arc<SequencerStats>,
}

impl Sequencer {
    /// Starts the sequencer's thread; it ends when the `Sequencer` is dropped.
    pub fn start(store: Arc<dyn Store>, signer: StatementSigner) -> std::io::Result<Sequencer> {
        let (queue, incoming) = mpsc::channel::<Job>();
        let stats = Arc::new(SequencerStats::default());
        let thread_stats = stats.clone();
        let thread = std::thread::Builder::new()
            .name("meldpunt-sequencer".into())
            .spawn(move || {
                let mut lists = StoreLists::default();
                while let Ok(first) = incoming.recv() {
                    let mut jobs = vec![first];
                    jobs.extend(incoming.try_iter().take(MAX_BATCH - 1));
                    thread_stats.batches.fetch_add(1, Ordering::Relaxed);
                    thread_stats
                        .changes
                        .fetch_add(jobs.len() as u64, Ordering::Relaxed);
                    run_batch(store.as_ref(), &signer, &mut lists, jobs);
                }
            })?;
        Ok(Sequencer {
            queue: Some(queue),
            thread: Some(thread),
            stats,
        })
    }

    pub fn stats(&self) -> &SequencerStats {
        &self.stats
    }

    /// Runs `change` in the next batch; resolves with its answer once the batch is durable,
    /// or with its error (at once, nothing written).
    pub async fn run<T, E>(
        &self,
        change: impl FnOnce(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel::<Result<T, E>>();
        self.submit(change, move |result| {
            // A caller that gave up no longer listens; that is fine.
            let _ = answer.send(result);
        })?;
        answered.await.map_err(|_| stopped())?
    }

    /// [`Sequencer::run`] for callers outside an async runtime (the command line).
    pub fn run_blocking<T, E>(
        &self,
        change: impl FnOnce(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (answer, answered) = mpsc::channel::<Result<T, E>>();
        self.submit(change, move |result| {
            let _ = answer.send(result);
        })?;
        answered.recv().map_err(|_| stopped())?
    }

    /// Queues `change`; `deliver` gets its answer (after the commit) or its refusal (at once).
    fn submit<T, E>(
        &self,
        change: impl FnOnce(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
        deliver: impl FnOnce(Result<T, E>) + Send + 'static,
    ) -> Result<(), E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let job: Job = Box::new(move |tx: &mut Tx<'_>| match change(tx) {
            Ok(value) => Some(Box::new(move |committed: Result<(), &StoreError>| {
                deliver(match committed {
                    Ok(()) => Ok(value),
                    Err(e) => Err(E::from(StoreError::Storage(e.to_string()))),
                })
            })),
            Err(refused) => {
                deliver(Err(refused));
                None
            }
        });
        self.queue
            .as_ref()
            .and_then(|q| q.send(job).ok())
            .ok_or_else(stopped)
    }
}

fn stopped<E: From<StoreError>>() -> E {
    E::from(StoreError::Storage("the sequencer has stopped".into()))
}

fn run_batch(store: &dyn Store, signer: &StatementSigner, lists: &mut StoreLists, jobs: Vec<Job>) {
    let mut tx = Tx::new(store, signer, lists, crate::protocol::time::now());
    let mut finishes: Vec<Finish> = Vec::with_capacity(jobs.len());
    for job in jobs {
        match job(&mut tx) {
            Some(finish) => {
                tx.accept();
                finishes.push(finish);
            }
            None => tx.refuse(),
        }
    }
    let writes = tx.into_writes();
    let committed = store.commit(&writes);
    if let Err(e) = &committed {
        tracing::error!(error = %e, "a batch could not be stored; its changes were refused");
    }
    lists.after_commit(&writes, committed.is_ok());
    for finish in finishes {
        finish(committed.as_ref().map(|_| ()));
    }
}

impl Drop for Sequencer {
    /// Ends and joins the thread (after it has answered what was queued), so its hold on the
    /// store is gone by the time the store is dropped.
    fn drop(&mut self) {
        self.queue.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests;
