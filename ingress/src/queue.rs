//! The bounded queue between HTTP handlers and database writers, and the batcher that cuts it
//! into COPY batches.
//!
//! Memory is bounded by a reservation taken *before* a body is queued: a count of requests and a
//! sum of body bytes, both released only when the job is dropped (after its reply is sent), so the
//! limit covers bodies waiting in the queue *and* bodies inside batches being written. The channel
//! itself is unbounded because the reservation is the bound.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot, Mutex};

use crate::protocol::Outcome;

#[derive(Debug, Clone, Copy)]
pub struct QueueLimits {
    pub max_requests: usize,
    pub max_bytes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QueueFull {
    #[error("ingest queue full ({0} requests pending)")]
    Requests(usize),
    #[error("ingest queue full ({0} bytes pending)")]
    Bytes(usize),
}

/// Counters of what is reserved; shared by all reservations.
#[derive(Debug)]
pub struct QueueState {
    limits: QueueLimits,
    requests: AtomicUsize,
    bytes: AtomicUsize,
}

impl QueueState {
    pub fn new(limits: QueueLimits) -> Arc<Self> {
        Arc::new(QueueState { limits, requests: AtomicUsize::new(0), bytes: AtomicUsize::new(0) })
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Reserves room for one body of `bytes`, or says which limit is reached. Lock-free: each
    /// counter is bumped with a compare-and-swap that never overshoots its limit.
    pub fn try_reserve(self: &Arc<Self>, bytes: usize) -> Result<Reservation, QueueFull> {
        let add = |counter: &AtomicUsize, n: usize, limit: usize| {
            counter.fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| cur.checked_add(n).filter(|&v| v <= limit))
        };
        add(&self.requests, 1, self.limits.max_requests).map_err(QueueFull::Requests)?;
        if let Err(cur) = add(&self.bytes, bytes, self.limits.max_bytes) {
            self.requests.fetch_sub(1, Ordering::AcqRel);
            return Err(QueueFull::Bytes(cur));
        }
        Ok(Reservation { state: self.clone(), bytes })
    }
}

/// Room held in the queue; given back on drop.
#[derive(Debug)]
pub struct Reservation {
    state: Arc<QueueState>,
    bytes: usize,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.state.requests.fetch_sub(1, Ordering::AcqRel);
        self.state.bytes.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

/// The original request, kept only when dual export is on (it is forwarded unchanged).
#[derive(Debug, Clone)]
pub struct Original {
    pub body: Bytes,
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
}

/// One request body on its way to the database.
#[derive(Debug)]
pub struct Job {
    pub signal: crate::protocol::Signal,
    pub body: Bytes,
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub original: Option<Original>,
    pub enqueued_at: Instant,
    pub reply: oneshot::Sender<Outcome>,
    pub _reservation: Reservation,
}

impl Job {
    /// Answers the waiting handler (which may have given up already; that is fine).
    pub fn answer(self, outcome: Outcome) {
        let _ = self.reply.send(outcome);
    }
}

/// Sending side, held by the HTTP handlers. When every clone is dropped the writers drain what
/// is left and stop: that is how graceful shutdown reaches them.
#[derive(Clone)]
pub struct Queue {
    tx: mpsc::UnboundedSender<Job>,
    pub state: Arc<QueueState>,
}

impl Queue {
    /// Queues a job; false once the writers are gone (shutting down).
    pub fn push(&self, job: Job) -> bool {
        self.tx.send(job).is_ok()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct BatchLimits {
    pub max_bodies: usize,
    pub max_bytes: usize,
    pub flush_interval: Duration,
}

/// Receiving side, shared by all writers. A writer holds the lock only while it fills one batch,
/// so while one writer waits for its batch to fill, the others are writing theirs.
pub struct Batcher {
    rx: Mutex<mpsc::UnboundedReceiver<Job>>,
    limits: BatchLimits,
}

pub fn channel(queue: QueueLimits, batch: BatchLimits) -> (Queue, Arc<Batcher>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Queue { tx, state: QueueState::new(queue) }, Arc::new(Batcher { rx: Mutex::new(rx), limits: batch }))
}

impl Batcher {
    /// Waits for the first body, then collects more until the batch is full (bodies or bytes) or
    /// the flush interval since the first body has passed. None once the queue is closed and empty.
    pub async fn next_batch(&self) -> Option<Vec<Job>> {
        let mut rx = self.rx.lock().await;
        let first = rx.recv().await?;
        let deadline = tokio::time::Instant::now() + self.limits.flush_interval;
        let mut bytes = first.body.len();
        let mut batch = vec![first];
        while batch.len() < self.limits.max_bodies && bytes < self.limits.max_bytes {
            // Take what is already there without a timer, then wait for the rest.
            let job = match rx.try_recv() {
                Ok(j) => j,
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                Err(mpsc::error::TryRecvError::Empty) => match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(j)) => j,
                    Ok(None) | Err(_) => break,
                },
            };
            bytes += job.body.len();
            batch.push(job);
        }
        Some(batch)
    }

    /// Takes everything queued right now without waiting (used to fail jobs fast while no writer
    /// can reach the database). Empty when another writer is busy collecting.
    pub fn drain_now(&self) -> Vec<Job> {
        let mut out = Vec::new();
        if let Ok(mut rx) = self.rx.try_lock() {
            while let Ok(j) = rx.try_recv() {
                out.push(j);
            }
        }
        out
    }

    /// True once every sender is gone and nothing is left to write.
    pub fn is_finished(&self) -> bool {
        match self.rx.try_lock() {
            Ok(rx) => rx.is_closed() && rx.is_empty(),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(q: &Queue, n: usize) -> (Job, oneshot::Receiver<Outcome>) {
        let (tx, rx) = oneshot::channel();
        let r = q.state.try_reserve(n).unwrap();
        (
            Job {
                signal: crate::protocol::Signal::Traces,
                body: Bytes::from(vec![0u8; n]),
                content_type: None,
                content_encoding: None,
                original: None,
                enqueued_at: Instant::now(),
                reply: tx,
                _reservation: r,
            },
            rx,
        )
    }

    #[test]
    fn reservations_respect_both_limits_and_are_released() {
        let s = QueueState::new(QueueLimits { max_requests: 2, max_bytes: 100 });
        let a = s.try_reserve(60).unwrap();
        assert_eq!(s.try_reserve(41).unwrap_err(), QueueFull::Bytes(60));
        assert_eq!(s.requests(), 1, "a failed byte reservation gives its request slot back");
        let b = s.try_reserve(40).unwrap();
        assert_eq!(s.try_reserve(0).unwrap_err(), QueueFull::Requests(2));
        drop(a);
        assert_eq!((s.requests(), s.bytes()), (1, 40));
        let _c = s.try_reserve(60).unwrap();
        drop(b);
        assert_eq!((s.requests(), s.bytes()), (1, 60));
    }

    #[test]
    fn concurrent_reservations_never_overshoot() {
        let s = QueueState::new(QueueLimits { max_requests: 1000, max_bytes: 1000 });
        let held: Vec<_> = std::thread::scope(|sc| {
            let hs: Vec<_> = (0..8).map(|_| sc.spawn(|| (0..500).filter_map(|_| s.try_reserve(3).ok()).collect::<Vec<_>>())).collect();
            hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(held.len(), 333);
        assert_eq!(s.bytes(), 999);
        drop(held);
        assert_eq!((s.requests(), s.bytes()), (0, 0));
    }

    #[tokio::test]
    async fn batches_cut_on_count_bytes_and_time() {
        let (q, b) = channel(
            QueueLimits { max_requests: 100, max_bytes: 1 << 20 },
            BatchLimits { max_bodies: 3, max_bytes: 250, flush_interval: Duration::from_millis(20) },
        );
        let mut keep = vec![];
        for n in [10, 10, 10, 10] {
            let (j, r) = job(&q, n);
            assert!(q.push(j));
            keep.push(r);
        }
        assert_eq!(b.next_batch().await.unwrap().len(), 3, "count limit");
        let t = Instant::now();
        assert_eq!(b.next_batch().await.unwrap().len(), 1, "timer flush");
        assert!(t.elapsed() >= Duration::from_millis(15));
        for n in [200, 100, 10] {
            let (j, r) = job(&q, n);
            assert!(q.push(j));
            keep.push(r);
        }
        assert_eq!(b.next_batch().await.unwrap().len(), 2, "byte limit");
        assert_eq!(b.next_batch().await.unwrap().len(), 1);
        drop(q);
        assert!(b.next_batch().await.is_none());
        assert!(b.is_finished());
    }

    #[tokio::test]
    async fn dropping_a_job_releases_its_room_and_fails_the_waiter() {
        let (q, b) = channel(
            QueueLimits { max_requests: 1, max_bytes: 100 },
            BatchLimits { max_bodies: 8, max_bytes: 1000, flush_interval: Duration::from_millis(1) },
        );
        let (j, r) = job(&q, 50);
        assert!(q.push(j));
        assert!(q.state.try_reserve(1).is_err());
        let batch = b.next_batch().await.unwrap();
        drop(batch);
        assert!(r.await.is_err());
        assert_eq!(q.state.requests(), 0);
        let (j, r) = job(&q, 50);
        assert!(q.push(j));
        for j in b.drain_now() {
            j.answer(Outcome::Unavailable("down".into()));
        }
        assert_eq!(r.await.unwrap(), Outcome::Unavailable("down".into()));
    }
}
