//! Group commit: many requests, one disk sync.
//!
//! A request that changed the database calls [`GroupCommit::wait`] and answers only when it
//! resolves. One flusher thread takes every waiter queued so far, flushes sled once (which
//! writes and fsyncs everything written before the flush began), and wakes them all. A waiter
//! that arrives while a flush runs waits for the next one, because its write may have missed
//! the running one. So durability costs one sync per batch, not per request (DESIGN §7).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use tokio::sync::oneshot;

type Waiter = oneshot::Sender<Result<(), String>>;

/// Counters for the benchmark: how many syncs served how many waiters.
#[derive(Debug, Default)]
pub struct FlushStats {
    pub flushes: AtomicU64,
    pub waiters: AtomicU64,
}

pub struct GroupCommit {
    /// `None` only while dropping: closing the queue is what ends the flusher thread.
    queue: Option<mpsc::Sender<Waiter>>,
    stats: Arc<FlushStats>,
    flusher: Option<std::thread::JoinHandle<()>>,
}

impl GroupCommit {
    /// Starts the flusher thread; it ends when the `GroupCommit` is dropped.
    pub fn start(db: sled::Db) -> std::io::Result<GroupCommit> {
        let (queue, incoming) = mpsc::channel::<Waiter>();
        let stats = Arc::new(FlushStats::default());
        let thread_stats = stats.clone();
        let flusher = std::thread::Builder::new()
            .name("meldpunt-flush".into())
            .spawn(move || {
                while let Ok(first) = incoming.recv() {
                    let mut batch = vec![first];
                    batch.extend(incoming.try_iter());
                    let result = db.flush().map(|_| ()).map_err(|e| e.to_string());
                    thread_stats.flushes.fetch_add(1, Ordering::Relaxed);
                    thread_stats
                        .waiters
                        .fetch_add(batch.len() as u64, Ordering::Relaxed);
                    for waiter in batch {
                        // A waiter whose request was dropped no longer listens; that is fine.
                        let _ = waiter.send(result.clone());
                    }
                }
            })?;
        Ok(GroupCommit {
            queue: Some(queue),
            stats,
            flusher: Some(flusher),
        })
    }

    /// Resolves once everything written before this call is on disk.
    pub async fn wait(&self) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.queue
            .as_ref()
            .and_then(|q| q.send(tx).ok())
            .ok_or_else(|| "the flusher thread has stopped".to_owned())?;
        rx.await
            .map_err(|_| "the flusher thread has stopped".to_owned())?
    }

    pub fn stats(&self) -> &FlushStats {
        &self.stats
    }
}

impl Drop for GroupCommit {
    /// Ends and joins the flusher, so that its clone of the database is gone and the folder's
    /// lock is released by the time the store is dropped (a CLI command can reopen at once).
    fn drop(&mut self) {
        self.queue.take();
        if let Some(flusher) = self.flusher.take() {
            let _ = flusher.join();
        }
    }
}
