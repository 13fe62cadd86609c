//! Write transactions shared by concurrent callers: a [`GroupWriter`] queues what callers hand
//! it and writes everything that queued while the previous transaction committed in one
//! transaction of its own — one durable commit for all — answering each caller only once that
//! commit is durable.
//!
//! Two writer tasks per writer take turns: one waits for the write turn and then takes
//! everything queued meanwhile (up to its limit), while the other's commit is being synced
//! (SQLite: the group sync of [`crate::group`]; PostgreSQL: the server's flush). A batch whose
//! transaction fails is written again one item at a time, so one bad item cannot refuse its
//! neighbours. The data API's call log and new work orders are written this way.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};
use yiwang_kernel::{Error, ErrorCode, Result};

use crate::{Db, Tx};

/// Writer tasks per [`GroupWriter`]: one commits while the other's commit is being synced.
const WRITERS: usize = 2;

/// What a batch's write returns: one outcome per item, in order, once committed.
pub type Written<'a, O> = Pin<Box<dyn Future<Output = Result<Vec<O>>> + Send + 'a>>;

/// Writes `items` in the write transaction it is given and commits it (durably); one outcome
/// per item, in the order of `items`.
pub type WriteFn<I, O> = for<'a> fn(Tx, &'a [&'a I]) -> Written<'a, O>;

/// One item waiting, and where its outcome goes.
struct Pending<I, O> {
    item: I,
    done: oneshot::Sender<Result<O>>,
}

/// A queue to writer tasks started on first use (inside the runtime serving requests). Clones
/// share the queue.
pub struct GroupWriter<I, O> {
    queue: Arc<OnceLock<mpsc::Sender<Pending<I, O>>>>,
    write: WriteFn<I, O>,
    most: usize,
}

impl<I, O> Clone for GroupWriter<I, O> {
    fn clone(&self) -> Self {
        GroupWriter {
            queue: self.queue.clone(),
            write: self.write,
            most: self.most,
        }
    }
}

impl<I, O> std::fmt::Debug for GroupWriter<I, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupWriter")
            .field("most", &self.most)
            .field("started", &self.queue.get().is_some())
            .finish()
    }
}

impl<I: Send + Sync + 'static, O: Send + 'static> GroupWriter<I, O> {
    /// A writer of at most `most` items per transaction through `write`.
    pub fn new(most: usize, write: WriteFn<I, O>) -> Self {
        GroupWriter {
            queue: Arc::new(OnceLock::new()),
            write,
            most: most.max(1),
        }
    }

    /// Writes `item` with the items queued beside it; its outcome once the transaction that
    /// wrote it is durable.
    pub async fn write(&self, db: &Db, item: I) -> Result<O> {
        let queue = self
            .queue
            .get_or_init(|| {
                let (tx, rx) = mpsc::channel(4 * self.most);
                let rx = Arc::new(tokio::sync::Mutex::new(rx));
                for _ in 0..WRITERS {
                    tokio::spawn(run(db.clone(), rx.clone(), self.write, self.most));
                }
                tx
            })
            .clone();
        let (done, answer) = oneshot::channel();
        match queue.send(Pending { item, done }).await {
            Ok(()) => answer
                .await
                .unwrap_or_else(|_| Err(Error::new(ErrorCode::Unavailable))),
            // The writers are gone (their runtime ended): write it here, alone.
            Err(mpsc::error::SendError(p)) => alone(db, self.write, &p.item).await,
        }
    }
}

/// Writes one item in a transaction of its own.
async fn alone<I, O>(db: &Db, write: WriteFn<I, O>, item: &I) -> Result<O> {
    let tx = db.write().await?;
    write(tx, &[item])
        .await?
        .pop()
        .ok_or_else(|| Error::internal("group writer: no outcome"))
}

/// The queue's receiving end, shared by the [`WRITERS`].
type Queue<I, O> = Arc<tokio::sync::Mutex<mpsc::Receiver<Pending<I, O>>>>;

/// One writer: waits for an item, takes the write turn, then takes whatever else queued
/// meanwhile (up to `most`) and writes them together.
async fn run<I, O>(db: Db, rx: Queue<I, O>, write: WriteFn<I, O>, most: usize) {
    loop {
        let first = match rx.lock().await.recv().await {
            Some(p) => p,
            None => return,
        };
        let mut batch = vec![first];
        let tx = db.write().await;
        // Items that queued while this writer waited for its turn. The other writer holds the
        // queue only while it waits for an item (the queue was empty then): no waiting here.
        if let Ok(mut q) = rx.try_lock() {
            while batch.len() < most {
                match q.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
        }
        let items: Vec<&I> = batch.iter().map(|p| &p.item).collect();
        let written = match tx {
            Ok(tx) => write(tx, &items).await,
            Err(e) => Err(e),
        };
        drop(items);
        match written {
            Ok(outcomes) if outcomes.len() == batch.len() => {
                for (p, o) in batch.into_iter().zip(outcomes) {
                    let _ = p.done.send(Ok(o));
                }
            }
            Ok(_) => {
                for p in batch {
                    let _ = p
                        .done
                        .send(Err(Error::internal("group writer: outcomes went missing")));
                }
            }
            Err(e) if batch.len() == 1 => {
                for p in batch {
                    let _ = p.done.send(Err(e.clone()));
                }
            }
            Err(_) => {
                for p in batch {
                    let one = alone(&db, write, &p.item).await;
                    let _ = p.done.send(one);
                }
            }
        }
    }
}
