//! The drainer: reads the spool in order and delivers it through the database writers.
//!
//! A chunk is what one writer batch takes (`--batch-max-bodies` / `--batch-max-bytes`); up to
//! `max_chunks` of them (two per writer) and `window_bytes` of bodies are in flight, so every
//! writer has its next batch waiting while the previous one commits, and memory stays bounded
//! whatever the backlog on disk. Chunks are settled in order: every
//! body committed (or rejected as invalid by the database, which dead-letters it) releases its
//! room; a body that was not committed (database down, connection lost, shutting down) is retried
//! with back-off, before anything newer is read; a body the database keeps failing on with an
//! error retrying does not fix goes to `quarantine.seg` so it does not block the line. Once a
//! chunk is settled, the segments it finished are deleted and the checkpoint moves past it.
use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{oneshot, watch};

use super::record::{self, Read, Record};
use super::{write_checkpoint, Pos, Shared};
use crate::db::Health;
use crate::metrics::{Metrics, ResultLabel};
use crate::protocol::{content_type_of, Outcome, Signal};
use crate::queue::{Job, Original, Queue, QueueLimits, QueueState};

/// Times the database may fail one body with a non-transient error before it is quarantined.
const MAX_INTERNAL_FAILURES: u32 = 3;

pub struct Drainer {
    pub shared: Arc<Shared>,
    /// The writers' queue (the same one spool-off requests go through).
    pub queue: Queue,
    pub health: Arc<Health>,
    pub metrics: Arc<Metrics>,
    /// Dual export: committed trace bodies are offered to the forwarder.
    pub keep_original: bool,
    /// Set on shutdown: finish what is in flight, read nothing new.
    pub stop: watch::Receiver<bool>,
    /// Where reading starts (from [`super::open`]).
    pub start: Pos,
    pub chunk_bodies: usize,
    pub chunk_bytes: usize,
    /// Most chunks in flight at once.
    pub max_chunks: usize,
    /// Most body bytes in flight at once (at least one chunk is always allowed).
    pub window_bytes: usize,
}

struct Item {
    rec: Record,
    internal_failures: u32,
}

/// Records read together, and what reading them finished.
struct Chunk {
    items: Vec<Item>,
    /// Position after the last record read.
    end: Pos,
    /// Segments whose end this chunk reached: deleted once it is settled.
    finished: Vec<u64>,
}

impl Chunk {
    fn bytes(&self) -> usize {
        self.items.iter().map(|i| i.rec.body.len()).sum()
    }
}

enum Settle {
    Done(&'static str),
    Retry,
    Failed(String),
}

fn classify(o: Result<Outcome, oneshot::error::RecvError>) -> Settle {
    match o {
        Ok(Outcome::Accepted { .. }) => Settle::Done("committed"),
        // Invalid bodies are dead-lettered by the database in the same transaction.
        Ok(Outcome::BadRequest(_)) => Settle::Done("invalid"),
        Ok(Outcome::Internal(m)) => Settle::Failed(m),
        Ok(_) | Err(_) => Settle::Retry, // not committed: the database was down, or we are stopping
    }
}

impl Drainer {
    pub async fn run(mut self) {
        let room = QueueState::new(QueueLimits { max_requests: usize::MAX, max_bytes: usize::MAX });
        let mut pos = self.start;
        let mut inflight: VecDeque<(Chunk, Vec<oneshot::Receiver<Outcome>>)> = VecDeque::new();
        let mut settled = self.start;
        let mut checkpointed = Instant::now();
        let mut backlog: Option<(Instant, u64)> = None; // since when the database did not take bodies, bodies since
        let mut inflight_bytes = 0usize;
        loop {
            let stopping = *self.stop.borrow();
            while inflight.len() < self.max_chunks.max(1) && (inflight.is_empty() || inflight_bytes < self.window_bytes) && !stopping {
                let shared = self.shared.clone();
                let metrics = self.metrics.clone();
                let (nb, nbytes) = (self.chunk_bodies, self.chunk_bytes);
                let read = tokio::task::spawn_blocking(move || read_chunk(&shared, &metrics, pos, nb, nbytes)).await;
                match read {
                    Ok(Ok(chunk)) if !chunk.items.is_empty() || !chunk.finished.is_empty() => {
                        pos = chunk.end;
                        inflight_bytes += chunk.bytes();
                        let rxs = self.submit(&room, &chunk.items);
                        inflight.push_back((chunk, rxs));
                    }
                    // Damage skipped and nothing else read: go on from behind it (reading the same
                    // damage again would log it and release its room again).
                    Ok(Ok(chunk)) if chunk.end != pos => pos = chunk.end,
                    Ok(Ok(_)) => break, // caught up
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, at = ?pos, "spool: reading failed; retrying in 1 s");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        break;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "spool: reader task failed");
                        break;
                    }
                }
            }
            self.note_oldest(inflight.front().and_then(|(c, _)| c.items.first()).map(|i| &i.rec));
            let Some((chunk, rxs)) = inflight.pop_front() else {
                if stopping {
                    break;
                }
                if let Some((since, n)) = backlog.take() {
                    self.shared.spooling.store(false, Ordering::Release);
                    tracing::info!(bodies = n, after = ?since.elapsed(), "spool: backlog drained; the database is taking bodies as they come again");
                }
                tokio::select! {
                    _ = self.shared.appended.notified() => {}
                    _ = self.stop.changed() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                continue;
            };
            inflight_bytes = inflight_bytes.saturating_sub(chunk.bytes());
            let mut done = vec![chunk];
            let mut todo = self.settle(&mut done[0].items, rxs).await;
            if !todo.is_empty() {
                // Not committed: nothing newer is read until these are. Settle what else is in
                // flight first, then retry all of it in order.
                for (mut c, rxs) in inflight.drain(..) {
                    todo.extend(self.settle(&mut c.items, rxs).await);
                    done.push(c);
                }
                inflight_bytes = 0;
                if let Some(last) = done.last() {
                    pos = last.end;
                }
                if !self.retry(&room, todo, &mut backlog).await {
                    break; // stopping with bodies not committed: they stay in the spool
                }
            }
            if let Some((_, n)) = backlog.as_mut() {
                *n += done.iter().map(|c| c.items.len() as u64).sum::<u64>();
            }
            let mut deleted = false;
            for c in done {
                for seg in c.finished {
                    self.delete_segment(seg);
                    deleted = true;
                }
                settled = c.end;
            }
            if deleted || checkpointed.elapsed() >= Duration::from_secs(1) {
                self.checkpoint(settled);
                checkpointed = Instant::now();
            }
        }
        self.checkpoint(settled);
        self.note_oldest(None);
        tracing::debug!(at = ?settled, "spool drainer stopped");
    }

    fn note_oldest(&self, rec: Option<&Record>) {
        self.shared.oldest_unsent_ms.store(rec.map_or(0, |r| r.received_ms.max(1)), Ordering::Release);
    }

    fn checkpoint(&self, p: Pos) {
        if let Err(e) = write_checkpoint(&self.shared.dir, p) {
            tracing::warn!(error = %e, "spool: writing the checkpoint failed (a restart replays more)");
        }
    }

    fn delete_segment(&self, seg: u64) {
        let path = record::segment_path(&self.shared.dir, seg);
        let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        match std::fs::remove_file(&path) {
            Ok(()) => {
                let _ = self.shared.disk.fetch_update(Ordering::AcqRel, Ordering::Acquire, |d| Some(d.saturating_sub(len)));
                let _ = self.shared.segments.fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| Some(s.saturating_sub(1)));
            }
            Err(e) => tracing::warn!(error = %e, segment = seg, "spool: deleting a drained segment failed"),
        }
    }

    /// Hands the records to the writers; one reply channel per record, in order.
    fn submit(&self, room: &Arc<QueueState>, items: &[Item]) -> Vec<oneshot::Receiver<Outcome>> {
        items
            .iter()
            .map(|it| {
                let (tx, rx) = oneshot::channel();
                let content_type = content_type_of(it.rec.format);
                let original = (self.keep_original && it.rec.signal == Signal::Traces).then(|| Original {
                    body: it.rec.body.clone(),
                    content_type: Some(content_type.to_string()),
                    content_encoding: None,
                });
                let job = Job {
                    signal: it.rec.signal,
                    body: it.rec.body.clone(),
                    content_type: Some(content_type.to_string()),
                    content_encoding: None,
                    original,
                    enqueued_at: Instant::now(),
                    reply: tx,
                    _reservation: room.try_reserve(it.rec.body.len()).expect("the drainer's room is unbounded"),
                };
                // When the writers are gone the job is dropped, its receiver errs: retried.
                let _ = self.queue.push(job);
                rx
            })
            .collect()
    }

    /// Waits for every reply of a chunk in order; returns the items to retry.
    async fn settle(&self, items: &mut Vec<Item>, rxs: Vec<oneshot::Receiver<Outcome>>) -> Vec<Item> {
        let mut retry = Vec::new();
        for (mut it, rx) in std::mem::take(items).into_iter().zip(rxs) {
            match classify(rx.await) {
                Settle::Done(result) => self.finish(&it, result),
                Settle::Retry => retry.push(it),
                Settle::Failed(why) => {
                    it.internal_failures += 1;
                    if it.internal_failures >= MAX_INTERNAL_FAILURES {
                        self.quarantine(&it, &why);
                    } else {
                        tracing::warn!(error = %why, attempt = it.internal_failures, "spool: the database failed on a body; it will be retried");
                        retry.push(it);
                    }
                }
            }
        }
        retry
    }

    fn finish(&self, it: &Item, result: &'static str) {
        self.shared.release(it.rec.size);
        self.metrics.spool_drained.get_or_create(&ResultLabel { result }).inc();
    }

    /// Keeps a body the database fails on, non-transiently, out of the way: appended to
    /// `quarantine.seg` (the segment format, so it can be replayed by hand), then released.
    fn quarantine(&self, it: &Item, why: &str) {
        let path = self.shared.dir.join("quarantine.seg");
        let rec = record::encode(it.rec.signal, it.rec.format, it.rec.received_ms, &it.rec.body);
        let res = OpenOptions::new().create(true).append(true).open(&path).and_then(|mut f| {
            f.write_all(&rec)?;
            f.sync_data()
        });
        match res {
            Ok(()) => {
                tracing::error!(error = %why, file = %path.display(), bytes = it.rec.body.len(), "spool: body quarantined after repeated database errors");
                self.finish(it, "quarantined");
            }
            Err(e) => {
                // Cannot set it aside: keep it in the line rather than lose it.
                tracing::error!(error = %e, "spool: quarantining a body failed; it stays in the spool");
            }
        }
    }

    /// Retries `todo` in order with back-off until all is settled; false when told to stop first.
    async fn retry(&mut self, room: &Arc<QueueState>, mut todo: Vec<Item>, backlog: &mut Option<(Instant, u64)>) -> bool {
        let mut delay = Duration::from_millis(100);
        while !todo.is_empty() {
            self.note_oldest(todo.first().map(|i| &i.rec));
            if backlog.is_none() {
                *backlog = Some((Instant::now(), 0));
                self.shared.spooling.store(true, Ordering::Release);
                tracing::warn!(
                    bodies = todo.len(),
                    "spool: the database is not taking bodies; acknowledged bodies are kept on disk until it does"
                );
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.stop.changed() => {}
            }
            if *self.stop.borrow() {
                return false;
            }
            delay = (delay * 2).min(Duration::from_secs(5));
            if !self.health.is_up() {
                continue;
            }
            let rxs = self.submit(room, &todo);
            todo = self.settle(&mut todo, rxs).await;
        }
        true
    }
}

/// Reads up to `max_bodies` / `max_bytes` of records from `pos` on, across segment ends, never
/// past what the appender made durable. Damage is skipped (logged); a torn tail of a segment a
/// crashed process left behind is cut off.
fn read_chunk(shared: &Shared, metrics: &Metrics, mut pos: Pos, max_bodies: usize, max_bytes: usize) -> io::Result<Chunk> {
    let head = shared.head();
    let mut items = Vec::new();
    let mut bytes = 0usize;
    let mut finished = Vec::new();
    while pos.seg <= head.seg {
        let active = pos.seg == head.seg;
        let path = record::segment_path(&shared.dir, pos.seg);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound && !active => {
                pos = Pos { seg: pos.seg + 1, off: 0 };
                continue;
            }
            Err(e) => return Err(e),
        };
        let end = if active { head.off } else { file.metadata()?.len() };
        while items.len() < max_bodies && bytes < max_bytes {
            match record::read_at(&file, pos.off, end)? {
                Read::Record(rec) => {
                    bytes += rec.body.len();
                    pos.off += rec.size;
                    items.push(Item { rec, internal_failures: 0 });
                }
                Read::End => break,
                Read::Damaged => match record::resync(&file, pos.off, end)? {
                    Some(next) => {
                        tracing::warn!(
                            segment = pos.seg,
                            offset = pos.off,
                            skipped_bytes = next - pos.off,
                            "spool: damaged record skipped"
                        );
                        metrics.spool_damaged.inc();
                        shared.release(next - pos.off);
                        pos.off = next;
                    }
                    None => {
                        let cut = end - pos.off;
                        tracing::warn!(
                            segment = pos.seg,
                            offset = pos.off,
                            bytes = cut,
                            "spool: torn record at the end of a segment (a crash during an append); cut off"
                        );
                        metrics.spool_damaged.inc();
                        shared.release(cut);
                        if !active {
                            OpenOptions::new().write(true).open(&path)?.set_len(pos.off)?;
                            let _ = shared.disk.fetch_update(Ordering::AcqRel, Ordering::Acquire, |d| Some(d.saturating_sub(cut)));
                        }
                        pos.off = end;
                    }
                },
            }
        }
        if pos.off < end || active {
            break;
        }
        finished.push(pos.seg);
        pos = Pos { seg: pos.seg + 1, off: 0 };
        if items.len() >= max_bodies || bytes >= max_bytes {
            break;
        }
    }
    Ok(Chunk { items, end: pos, finished })
}

#[cfg(test)]
mod tests {
    //! The drain logic against the real queue and batcher, with the test playing the writers'
    //! part (the writers themselves are tested against the real database).
    use super::super::{open, SpoolConfig};
    use super::*;
    use crate::db::Health;
    use crate::queue::{channel, BatchLimits};
    use agenttrace_core::otlp::Format;

    fn dir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("agenttrace-drain-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn drains_in_order_retries_quarantines_and_deletes_segments() {
        let d = dir("order");
        let metrics = Arc::new(Metrics::new());
        // 640 KiB limit: 80 KiB segments, so 60 bodies of 3 KB span several.
        let (spool, start) = open(&SpoolConfig { dir: d.clone(), max_bytes: 640 << 10 }, metrics.clone()).unwrap();
        for i in 0..60u32 {
            let body = format!("{i:04}").repeat(750);
            spool.append(Signal::Traces, Format::Json, body.as_bytes()).await.unwrap();
        }
        assert!(record::list_segments(&d).unwrap().len() >= 3);
        let (queue, batcher) = channel(
            QueueLimits { max_requests: 1000, max_bytes: 1 << 30 },
            BatchLimits { max_bodies: 8, max_bytes: 1 << 20, flush_interval: Duration::from_millis(1) },
        );
        let health = Arc::new(Health::default());
        health.up(&metrics);
        let (stop_tx, stop) = watch::channel(false);
        let drainer = Drainer {
            shared: spool.shared.clone(),
            queue,
            health,
            metrics: metrics.clone(),
            keep_original: false,
            stop,
            start,
            chunk_bodies: 8,
            chunk_bytes: 1 << 20,
            max_chunks: 2,
            window_bytes: 1 << 20,
        };
        let task = tokio::spawn(drainer.run());
        // The writers' part: the first time body 7 comes it is not committed (database down),
        // body 13 always fails non-transiently, body 21 is invalid; the rest commit.
        let mut seen: Vec<u32> = Vec::new();
        let mut committed = std::collections::BTreeSet::new();
        while committed.len() < 60 {
            let batch = tokio::time::timeout(Duration::from_secs(20), batcher.next_batch()).await.expect("drainer stalled").unwrap();
            for job in batch {
                let i: u32 = std::str::from_utf8(&job.body[..4]).unwrap().parse().unwrap();
                let first = !seen.contains(&i);
                seen.push(i);
                let outcome = match i {
                    7 if first => Outcome::Unavailable("down".into()),
                    13 => Outcome::Internal("boom".into()),
                    21 => Outcome::BadRequest("invalid".into()),
                    _ => Outcome::Accepted { rejected: 0, message: None },
                };
                if !matches!(outcome, Outcome::Unavailable(_) | Outcome::Internal(_))
                    || i == 13 && seen.iter().filter(|&&x| x == 13).count() == 3
                {
                    committed.insert(i);
                }
                job.answer(outcome);
            }
        }
        // Nothing newer than the chunks in flight was read before the retried body was committed.
        let retried = seen.iter().rposition(|&x| x == 7).unwrap();
        let newer = seen.iter().position(|&x| x == 32).unwrap();
        assert!(retried < newer, "{seen:?}");
        assert_eq!(seen.iter().filter(|&&x| x == 13).count(), 3, "quarantined after three failures");
        let mut first_seen: Vec<u32> = Vec::new();
        for &x in &seen {
            if !first_seen.contains(&x) {
                first_seen.push(x);
            }
        }
        assert_eq!(first_seen, (0..60).collect::<Vec<_>>(), "read in order");
        // Everything settles: the backlog is empty, drained segments are gone, one body quarantined.
        for _ in 0..100 {
            if spool.shared.unsent.load(Ordering::Acquire) == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(spool.shared.unsent.load(Ordering::Acquire), 0);
        assert_eq!(metrics.spool_drained.get_or_create(&ResultLabel { result: "quarantined" }).get(), 1);
        assert_eq!(metrics.spool_drained.get_or_create(&ResultLabel { result: "invalid" }).get(), 1);
        assert_eq!(metrics.spool_drained.get_or_create(&ResultLabel { result: "committed" }).get(), 58);
        let q = std::fs::read(d.join("quarantine.seg")).unwrap();
        assert!(q.windows(8).any(|w| w == b"00130013"));
        stop_tx.send(true).unwrap();
        task.await.unwrap();
        assert_eq!(record::list_segments(&d).unwrap(), vec![spool.shared.head().seg], "only the segment being appended to is left");
        drop(spool);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
