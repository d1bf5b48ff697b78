//! Reads that many callers want at the same moment, made once.
//!
//! Callers name a key (a chat) and a query. The first caller of a key
//! starts a runner task; callers of that key arriving while it reads queue
//! up and share its next read. Every read starts after the queries it
//! answers were queued, so a caller never gets an answer older than its
//! own request (a follower relies on that: it subscribes to the bus, then
//! asks). The runner is its own task, so a caller that goes away (a socket
//! closing mid-storm) never strands the others.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

use crate::error::{AppError, AppResult};

type Queues<K, Q, V> = Arc<Mutex<HashMap<K, Vec<(Q, oneshot::Sender<AppResult<V>>)>>>>;

/// Batches the queries of one key that arrive while a read for it runs.
pub struct Batcher<K, Q, V, F> {
    queues: Queues<K, Q, V>,
    /// Answers a batch: one result per query, in their order.
    read: Arc<F>,
}

impl<K, Q, V, F, Fut> Batcher<K, Q, V, F>
where
    K: Hash + Eq + Clone + Send + 'static,
    Q: Send + 'static,
    V: Send + 'static,
    F: Fn(K, Vec<Q>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = AppResult<Vec<V>>> + Send + 'static,
{
    pub fn new(read: F) -> Self {
        Self {
            queues: Arc::new(Mutex::new(HashMap::new())),
            read: Arc::new(read),
        }
    }

    /// Answers `query` in the next read of `key`.
    pub async fn ask(&self, key: K, query: Q) -> AppResult<V> {
        let (reply, answer) = oneshot::channel();
        let start_runner = {
            let mut queues = lock(&self.queues);
            match queues.get_mut(&key) {
                // A runner holds this key: it takes the query in its next
                // round.
                Some(queue) => {
                    queue.push((query, reply));
                    false
                }
                None => {
                    queues.insert(key.clone(), vec![(query, reply)]);
                    true
                }
            }
        };
        if start_runner {
            tokio::spawn(run(key, self.queues.clone(), self.read.clone()));
        }
        answer.await.map_err(|_| {
            AppError::internal(anyhow::anyhow!("a shared read ended without an answer"))
        })?
    }
}

/// Reads for `key` until nobody waits; the key leaves the map (under the
/// lock) only when its queue is empty, so a query is never left unread.
async fn run<K, Q, V, F, Fut>(key: K, queues: Queues<K, Q, V>, read: Arc<F>)
where
    K: Hash + Eq + Clone,
    F: Fn(K, Vec<Q>) -> Fut,
    Fut: Future<Output = AppResult<Vec<V>>>,
{
    loop {
        let batch = {
            let mut queues = lock(&queues);
            match queues.get_mut(&key) {
                Some(queue) if !queue.is_empty() => std::mem::take(queue),
                _ => {
                    queues.remove(&key);
                    return;
                }
            }
        };
        let (batch_queries, replies): (Vec<Q>, Vec<_>) = batch.into_iter().unzip();
        let count = replies.len();
        match read(key.clone(), batch_queries).await {
            Ok(answers) if answers.len() == count => {
                for (reply, answer) in replies.into_iter().zip(answers) {
                    let _ = reply.send(Ok(answer));
                }
            }
            Ok(answers) => {
                let error =
                    anyhow::anyhow!("a shared read gave {} answers to {count}", answers.len());
                tracing::error!(%error);
                for reply in replies {
                    let _ = reply.send(Err(AppError::internal(anyhow::anyhow!("{error}"))));
                }
            }
            Err(error) => {
                for reply in replies {
                    let _ = reply.send(Err(error.replicate()));
                }
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding it; a poisoned map is still consistent.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn callers_arriving_during_a_read_share_the_next_one() {
        let reads = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let batcher = {
            let (reads, gate) = (reads.clone(), gate.clone());
            Arc::new(Batcher::new(move |key: u8, queries: Vec<u32>| {
                let (reads, gate) = (reads.clone(), gate.clone());
                async move {
                    reads.fetch_add(1, Ordering::SeqCst);
                    gate.acquire().await.expect("open").forget();
                    Ok(queries.iter().map(|q| (key, *q * 10)).collect::<Vec<_>>())
                }
            }))
        };
        let first = tokio::spawn({
            let batcher = batcher.clone();
            async move { batcher.ask(1, 1).await }
        });
        // The first read is running (held at the gate) before the others ask.
        while reads.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let later: Vec<_> = (2..=5)
            .map(|q| {
                let batcher = batcher.clone();
                tokio::spawn(async move { batcher.ask(1, q).await })
            })
            .collect();
        while lock(&batcher.queues).get(&1).map_or(0, Vec::len) < 4 {
            tokio::task::yield_now().await;
        }
        gate.add_permits(2);
        assert_eq!(first.await.unwrap().unwrap(), (1, 10));
        for (q, task) in (2..=5).zip(later) {
            assert_eq!(task.await.unwrap().unwrap(), (1, q * 10));
        }
        // One read for the first caller, one shared by the four others.
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        assert!(lock(&batcher.queues).is_empty());
    }

    #[tokio::test]
    async fn a_failed_read_fails_every_caller_of_its_batch() {
        let batcher = Batcher::new(|_: u8, _: Vec<u32>| async {
            Err::<Vec<u32>, _>(AppError::unavailable())
        });
        let error = batcher.ask(1, 1).await.unwrap_err();
        assert!(matches!(error, AppError::Unavailable { .. }));
    }
}
