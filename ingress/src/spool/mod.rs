//! The durable spool (optional, `--spool-dir`): an export request is acknowledged once its body
//! is on local disk, and delivered to the database whenever the database can take it, so a
//! database outage longer than any exporter retries loses nothing.
//!
//! Data flow:
//! - front door → [`Spool::append`]: room in the backlog (`--spool-max-bytes`, else 503), encode
//!   the record ([`record`]), hand it to the appender thread and wait;
//! - the appender thread takes every record that arrived meanwhile, writes them and calls
//!   `fdatasync` once for the group (group commit, as PostgreSQL's WAL does), then answers them
//!   all: only now is the request answered 200. A failed write is cut off again and answered 503;
//! - [`drain::Drainer`] reads the segments in order and feeds the bodies to the database writers
//!   through the same queue spool-off ingest uses, waits for their COMMIT, retries what was not
//!   committed (back-off, in order), and deletes a segment once every body in it is committed or
//!   dead-lettered.
//!
//! On disk, in the spool directory:
//! - `LOCK`: held (flock) while an ingress uses the directory: two processes never share a spool;
//! - `<20-digit id>.seg`: segments of records, the highest one being appended to; a new process
//!   always starts a new segment, so a segment left by a crash is only ever read;
//! - `drained`: the checkpoint, "segment offset", everything before it is committed. It may lag
//!   (it is written without fsync) but never leads: replaying a committed body is harmless,
//!   because ingest is idempotent;
//! - `quarantine.seg`: bodies the database failed on, repeatedly, with an error that is not
//!   transient (rare: a body that is merely invalid is dead-lettered by the database itself).
pub mod drain;
pub mod record;

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use agenttrace_core::otlp::Format;
use tokio::sync::{mpsc, oneshot, Notify};

use crate::metrics::Metrics;
use crate::protocol::{Outcome, Signal};
use record::{list_segments, segment_path};

/// Most bytes one group commit writes; more waiting records go into the next group.
const GROUP_MAX_BYTES: usize = 64 << 20;

/// A position in the spool: a segment and a byte offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub seg: u64,
    pub off: u64,
}

/// What the appender, the drainer and the front doors share.
pub struct Shared {
    pub dir: PathBuf,
    pub max_bytes: u64,
    pub segment_bytes: u64,
    /// Bytes of records acknowledged (or being appended) and not yet committed: the backlog the
    /// limit applies to.
    pub unsent: AtomicU64,
    /// Bytes of all segment files.
    pub disk: AtomicU64,
    pub segments: AtomicU64,
    /// The segment being appended to and how much of it is durable (fsync'd).
    head: Mutex<Pos>,
    /// Wakes the drainer when a group commit made more records durable.
    pub appended: Notify,
    /// Receipt time (unix ms) of the oldest body not yet committed; 0 when nothing is waiting.
    pub oldest_unsent_ms: AtomicU64,
    /// True while the database cannot take what the spool holds.
    pub spooling: AtomicBool,
}

impl Shared {
    /// The segment being appended to and its durable length.
    pub fn head(&self) -> Pos {
        *self.head.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_head(&self, p: Pos) {
        *self.head.lock().unwrap_or_else(|e| e.into_inner()) = p;
    }

    /// Whether a body of the largest allowed size would still be taken.
    pub fn has_room(&self, bytes: usize) -> bool {
        self.unsent.load(Ordering::Acquire) + record::record_size(bytes) as u64 <= self.max_bytes
    }

    /// Seconds since the oldest unsent body arrived (0 when nothing waits).
    pub fn oldest_unsent_age_secs(&self) -> f64 {
        match self.oldest_unsent_ms.load(Ordering::Acquire) {
            0 => 0.0,
            ms => (now_ms().saturating_sub(ms)) as f64 / 1000.0,
        }
    }

    pub fn status(&self) -> serde_json::Value {
        serde_json::json!({
            "unsent_bytes": self.unsent.load(Ordering::Acquire),
            "disk_bytes": self.disk.load(Ordering::Acquire),
            "segments": self.segments.load(Ordering::Acquire),
            "max_bytes": self.max_bytes,
            "oldest_unsent_age_seconds": self.oldest_unsent_age_secs(),
            "spooling": self.spooling.load(Ordering::Acquire),
        })
    }

    /// Gives back the backlog room of `bytes` (a body committed, or an append that failed).
    pub fn release(&self, bytes: u64) {
        let _ = self.unsent.fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| Some(c.saturating_sub(bytes)));
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

struct AppendReq {
    rec: Vec<u8>,
    reply: oneshot::Sender<Result<(), String>>,
}

/// The front doors' handle: appends and acknowledges. Dropping the last one stops the appender
/// thread once it has answered every append it was given.
pub struct Spool {
    tx: mpsc::UnboundedSender<AppendReq>,
    pub shared: Arc<Shared>,
    metrics: Arc<Metrics>,
}

/// Settings of [`open`].
#[derive(Debug, Clone)]
pub struct SpoolConfig {
    pub dir: PathBuf,
    pub max_bytes: u64,
}

impl SpoolConfig {
    /// Segments are an eighth of the limit, between 64 KiB and 32 MiB: small enough that a drained
    /// segment is given back soon, large enough that rolling over is rare.
    pub fn segment_bytes(&self) -> u64 {
        (self.max_bytes / 8).clamp(64 << 10, 32 << 20)
    }
}

/// Opens (creating it if needed) the spool directory: takes its lock, drops segments the
/// checkpoint says are drained, and starts a new segment to append to. Returns the front doors'
/// handle and where the drainer starts.
pub fn open(cfg: &SpoolConfig, metrics: Arc<Metrics>) -> io::Result<(Spool, Pos)> {
    let dir = cfg.dir.clone();
    std::fs::create_dir_all(&dir)?;
    let lock = OpenOptions::new().create(true).truncate(false).write(true).open(dir.join("LOCK"))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(io::Error::other(format!("spool directory {} is in use by another process", dir.display())))
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(e),
    }
    let checkpoint = read_checkpoint(&dir);
    let mut ids = list_segments(&dir)?;
    if let Some(c) = checkpoint {
        for &id in ids.iter().filter(|&&id| id < c.seg) {
            std::fs::remove_file(segment_path(&dir, id))?; // drained before the last stop
        }
        ids.retain(|&id| id >= c.seg);
    }
    let start = match (ids.first(), checkpoint) {
        (Some(&first), Some(c)) if first == c.seg => c,
        (Some(&first), _) => Pos { seg: first, off: 0 },
        (None, _) => Pos { seg: 0, off: 0 }, // set to the new segment below
    };
    let mut disk = 0u64;
    for &id in &ids {
        disk += std::fs::metadata(segment_path(&dir, id))?.len();
    }
    let unsent = disk.saturating_sub(if ids.is_empty() { 0 } else { start.off });
    let active = ids.last().copied().max(checkpoint.map(|c| c.seg)).map_or(1, |m| m + 1);
    let file = create_segment(&dir, active)?;
    let start = if ids.is_empty() { Pos { seg: active, off: 0 } } else { start };
    if !ids.is_empty() {
        tracing::info!(dir = %dir.display(), segments = ids.len(), unsent_bytes = unsent, from = ?start, "spool: replaying what the last run left");
    }
    let shared = Arc::new(Shared {
        dir: dir.clone(),
        max_bytes: cfg.max_bytes,
        segment_bytes: cfg.segment_bytes(),
        unsent: AtomicU64::new(unsent),
        disk: AtomicU64::new(disk),
        segments: AtomicU64::new(ids.len() as u64 + 1),
        head: Mutex::new(Pos { seg: active, off: 0 }),
        appended: Notify::new(),
        oldest_unsent_ms: AtomicU64::new(0),
        spooling: AtomicBool::new(false),
    });
    let (tx, rx) = mpsc::unbounded_channel();
    let appender = Appender { shared: shared.clone(), metrics: metrics.clone(), file, seg: active, len: 0, _lock: lock };
    std::thread::Builder::new().name("spool-appender".into()).spawn(move || appender.run(rx))?;
    Ok((Spool { tx, shared, metrics }, start))
}

fn create_segment(dir: &Path, id: u64) -> io::Result<File> {
    let f = OpenOptions::new().create_new(true).append(true).read(true).open(segment_path(dir, id))?;
    // The new name must survive a crash too, or the records acknowledged in it would vanish.
    File::open(dir)?.sync_all()?;
    Ok(f)
}

fn read_checkpoint(dir: &Path) -> Option<Pos> {
    let s = std::fs::read_to_string(dir.join("drained")).ok()?;
    let mut it = s.split_whitespace();
    let seg = it.next()?.parse().ok()?;
    let off = it.next()?.parse().ok()?;
    Some(Pos { seg, off })
}

/// Records the drained position: write a new file, rename it over the old one. No fsync: a
/// checkpoint lost in a crash only makes the next start replay more.
pub fn write_checkpoint(dir: &Path, p: Pos) -> io::Result<()> {
    let tmp = dir.join("drained.tmp");
    std::fs::write(&tmp, format!("{} {}\n", p.seg, p.off))?;
    std::fs::rename(tmp, dir.join("drained"))
}

impl Spool {
    /// Appends one body and returns once it is durable; an outcome to answer otherwise (503 with
    /// Retry-After: spool full, or the disk refused the write).
    pub async fn append(&self, signal: Signal, format: Format, body: &[u8]) -> Result<(), Outcome> {
        let size = record::record_size(body.len()) as u64;
        let max = self.shared.max_bytes;
        if let Err(cur) = self.shared.unsent.fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| (c + size <= max).then_some(c + size)) {
            self.metrics.spool_refused.get_or_create(&crate::metrics::ReasonLabel { reason: "full" }).inc();
            return Err(Outcome::Unavailable(format!("spool full ({cur} bytes not yet in the database, limit {max})")));
        }
        let (tx, rx) = oneshot::channel();
        let rec = record::encode(signal, format, now_ms(), body);
        let res = match self.tx.send(AppendReq { rec, reply: tx }) {
            Ok(()) => rx.await.unwrap_or_else(|_| Err("spool writer stopped".into())),
            Err(_) => Err("spool writer stopped".into()),
        };
        res.map_err(|e| {
            self.shared.release(size);
            self.metrics.spool_refused.get_or_create(&crate::metrics::ReasonLabel { reason: "io_error" }).inc();
            Outcome::Unavailable(format!("spool write failed: {e}"))
        })
    }
}

/// The thread that owns the segment being appended to.
struct Appender {
    shared: Arc<Shared>,
    metrics: Arc<Metrics>,
    file: File,
    seg: u64,
    len: u64,
    _lock: File,
}

impl Appender {
    fn run(mut self, mut rx: mpsc::UnboundedReceiver<AppendReq>) {
        let mut buf = Vec::new();
        while let Some(first) = rx.blocking_recv() {
            let mut group = vec![first];
            let mut bytes = group[0].rec.len();
            while bytes < GROUP_MAX_BYTES {
                match rx.try_recv() {
                    Ok(r) => {
                        bytes += r.rec.len();
                        group.push(r);
                    }
                    Err(_) => break,
                }
            }
            buf.clear();
            for r in &group {
                buf.extend_from_slice(&r.rec);
            }
            let res = self.write_group(&buf).map_err(|e| {
                tracing::error!(error = %e, bodies = group.len(), bytes, "spool: append failed; answering 503");
                e.to_string()
            });
            if res.is_ok() {
                self.metrics.spool_appends.inc_by(group.len() as u64);
                self.metrics.spool_fsyncs.inc();
            }
            for r in group {
                let _ = r.reply.send(res.clone());
            }
            if buf.capacity() > 4 * GROUP_MAX_BYTES.min(bytes.max(1 << 20)) {
                buf = Vec::new(); // do not keep a huge buffer after one large group
            }
        }
        tracing::debug!("spool appender stopped");
    }

    /// Writes one group and makes it durable; on failure the segment is cut back to where it was,
    /// so a half-written group never sits before later records.
    fn write_group(&mut self, buf: &[u8]) -> io::Result<()> {
        if self.len > 0 && self.len + buf.len() as u64 > self.shared.segment_bytes {
            self.roll()?;
        }
        let res = self.file.write_all(buf).and_then(|()| self.file.sync_data());
        if let Err(e) = res {
            let _ = self.file.set_len(self.len);
            return Err(e);
        }
        self.len += buf.len() as u64;
        self.shared.disk.fetch_add(buf.len() as u64, Ordering::AcqRel);
        self.shared.set_head(Pos { seg: self.seg, off: self.len });
        self.shared.appended.notify_one();
        Ok(())
    }

    /// Starts the next segment; the current one is complete and durable already.
    fn roll(&mut self) -> io::Result<()> {
        let file = create_segment(&self.shared.dir, self.seg + 1)?;
        self.file = file;
        self.seg += 1;
        self.len = 0;
        self.shared.segments.fetch_add(1, Ordering::AcqRel);
        self.shared.set_head(Pos { seg: self.seg, off: 0 });
        self.shared.appended.notify_one();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("agenttrace-spool-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_appends_share_fsyncs_and_roll_segments() {
        let dir = tmpdir("group");
        let metrics = Arc::new(Metrics::new());
        let cfg = SpoolConfig { dir: dir.clone(), max_bytes: 8 << 20 };
        let (spool, start) = open(&cfg, metrics.clone()).unwrap();
        assert_eq!(start, Pos { seg: 1, off: 0 });
        let spool = Arc::new(spool);
        let mut tasks = vec![];
        for i in 0..400u32 {
            let s = spool.clone();
            tasks.push(tokio::spawn(async move { s.append(Signal::Traces, Format::Protobuf, &vec![(i % 251) as u8; 4000]).await }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let appends = metrics.spool_appends.get();
        let fsyncs = metrics.spool_fsyncs.get();
        assert_eq!(appends, 400);
        // A group is never split across segments, so the 400 may all sit in the first one (1.6 MB
        // in a 1 MiB segment); the next append then starts a new segment.
        spool.append(Signal::Traces, Format::Protobuf, &[7u8; 4000]).await.unwrap();
        assert!(fsyncs < appends, "group commit: {fsyncs} fsyncs for {appends} appends");
        // 401 records of ~4 KiB in 1 MiB segments (8 MiB / 8): several segments, all readable.
        let ids = list_segments(&dir).unwrap();
        assert!(ids.len() >= 2, "{ids:?}");
        let mut n = 0;
        for id in ids {
            let f = File::open(segment_path(&dir, id)).unwrap();
            let end = f.metadata().unwrap().len();
            let mut off = 0;
            while let record::Read::Record(r) = record::read_at(&f, off, end).unwrap() {
                off += r.size;
                n += 1;
            }
            assert_eq!(off, end, "segment {id} holds only whole records");
        }
        assert_eq!(n, 401);
        assert_eq!(spool.shared.unsent.load(Ordering::Acquire), 401 * record::record_size(4000) as u64);
        drop(spool);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn full_spool_refuses_and_a_second_process_cannot_share_it() {
        let dir = tmpdir("full");
        let metrics = Arc::new(Metrics::new());
        let cfg = SpoolConfig { dir: dir.clone(), max_bytes: 10_000 };
        let (spool, _) = open(&cfg, metrics.clone()).unwrap();
        assert!(open(&cfg, metrics.clone()).is_err(), "the directory is locked");
        spool.append(Signal::Logs, Format::Json, &[b'x'; 4000]).await.unwrap();
        spool.append(Signal::Logs, Format::Json, &[b'x'; 4000]).await.unwrap();
        let refused = spool.append(Signal::Logs, Format::Json, &[b'x'; 4000]).await.unwrap_err();
        assert!(matches!(refused, Outcome::Unavailable(ref m) if m.contains("spool full")), "{refused:?}");
        assert!(!spool.shared.has_room(4000));
        spool.shared.release(record::record_size(4000) as u64);
        spool.append(Signal::Logs, Format::Json, &[b'x'; 4000]).await.unwrap();
        drop(spool);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reopening_skips_what_the_checkpoint_says_is_drained() {
        let dir = tmpdir("reopen");
        std::fs::create_dir_all(&dir).unwrap();
        for id in [3u64, 4, 5] {
            std::fs::write(segment_path(&dir, id), record::encode(Signal::Traces, Format::Json, 1, b"{}")).unwrap();
        }
        write_checkpoint(&dir, Pos { seg: 4, off: 10 }).unwrap();
        let metrics = Arc::new(Metrics::new());
        let (spool, start) = open(&SpoolConfig { dir: dir.clone(), max_bytes: 1 << 20 }, metrics).unwrap();
        assert_eq!(start, Pos { seg: 4, off: 10 });
        assert_eq!(list_segments(&dir).unwrap(), vec![4, 5, 6], "3 was drained; 6 is new");
        let one = record::record_size(2) as u64;
        assert_eq!(spool.shared.unsent.load(Ordering::Acquire), 2 * one - 10);
        assert_eq!(spool.shared.head(), Pos { seg: 6, off: 0 });
        drop(spool);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
