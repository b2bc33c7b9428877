//! Database side: writer tasks (one connection each) that turn batches into
//! `nextval` + `COPY ... FROM STDIN (FORMAT binary)` + `agenttrace.ingest_staged` + `COMMIT`, and a
//! readiness probe.
//!
//! Durability rule: a job is answered from its `ingest_staged` row only after COMMIT returned;
//! any failure before that (connection lost, COMMIT failed) answers 503 so the exporter retries.
//! The extension's idempotent ingest makes a retry of a batch that did commit (lost COMMIT reply)
//! harmless.
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::pin_mut;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement};

use crate::forward::Forwarder;
use crate::metrics::{Metrics, ResultLabel};
use crate::protocol::Outcome;
use crate::queue::{Batcher, Job};

const COPY_SQL: &str =
    "COPY agenttrace.ingest_staging (batch_id, seq, body, content_type, content_encoding, signal) FROM STDIN (FORMAT binary)";
const COPY_TYPES: [Type; 6] = [Type::INT8, Type::INT4, Type::BYTEA, Type::TEXT, Type::TEXT, Type::TEXT];

/// Whether any writer can reach the database; handlers fail fast with 503 when none can.
#[derive(Debug, Default)]
pub struct Health {
    connected: AtomicUsize,
    ever_connected: AtomicBool,
}

impl Health {
    pub fn connected_writers(&self) -> usize {
        self.connected.load(Ordering::Acquire)
    }
    pub fn is_up(&self) -> bool {
        self.connected_writers() > 0
    }
    pub(crate) fn up(&self, m: &Metrics) {
        let n = self.connected.fetch_add(1, Ordering::AcqRel) + 1;
        self.ever_connected.store(true, Ordering::Release);
        m.db_connections.set(n as i64);
    }
    pub(crate) fn down(&self, m: &Metrics) {
        let n = self.connected.fetch_sub(1, Ordering::AcqRel) - 1;
        m.db_connections.set(n as i64);
    }
}

/// Connects with a connect timeout and keepalives so a dead server is noticed, and a recognisable
/// application_name for pg_stat_activity.
pub async fn connect(url: &str) -> Result<Client, tokio_postgres::Error> {
    let mut cfg = tokio_postgres::Config::from_str(url)?;
    if cfg.get_connect_timeout().is_none() {
        cfg.connect_timeout(Duration::from_secs(5));
    }
    if cfg.get_application_name().is_none() {
        cfg.application_name("agenttrace-ingress");
    }
    cfg.keepalives(true).keepalives_idle(Duration::from_secs(30));
    let (client, conn) = cfg.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "database connection ended");
        }
    });
    Ok(client)
}

struct Conn {
    client: Client,
    nextval: Statement,
    staged: Statement,
}

async fn open(url: &str) -> Result<Conn, tokio_postgres::Error> {
    let client = connect(url).await?;
    let nextval = client.prepare("SELECT nextval('agenttrace.ingest_batch_id_seq')").await?;
    let staged =
        client.prepare("SELECT seq, accepted_spans, rejected_spans, error_message, status FROM agenttrace.ingest_staged($1)").await?;
    Ok(Conn { client, nextval, staged })
}

/// Per-body result row of `agenttrace.ingest_staged`.
#[derive(Debug, Clone, PartialEq)]
pub struct StagedRow {
    pub seq: i32,
    pub accepted: i64,
    pub rejected: i64,
    pub error_message: Option<String>,
    pub status: String,
}

impl StagedRow {
    pub fn outcome(&self) -> Outcome {
        match self.status.as_str() {
            "ok" | "partial" => {
                Outcome::Accepted { rejected: self.rejected, message: self.error_message.clone().filter(|m| !m.is_empty()) }
            }
            "invalid" => Outcome::BadRequest(self.error_message.clone().unwrap_or_else(|| "invalid OTLP body".into())),
            other => Outcome::Internal(format!("unexpected ingest status {other:?}")),
        }
    }
}

/// One batch in one transaction. Returns one row per job, in job order.
async fn write_batch(c: &mut Conn, jobs: &[Job]) -> Result<Vec<Option<StagedRow>>, tokio_postgres::Error> {
    let tx = c.client.transaction().await?;
    let batch_id: i64 = tx.query_one(&c.nextval, &[]).await?.get(0);
    let sink = tx.copy_in(COPY_SQL).await?;
    let writer = BinaryCopyInWriter::new(sink, &COPY_TYPES);
    pin_mut!(writer);
    for (seq, job) in jobs.iter().enumerate() {
        let seq = seq as i32;
        let body: &[u8] = &job.body;
        let signal = job.signal.label();
        let row: [&(dyn ToSql + Sync); 6] = [&batch_id, &seq, &body, &job.content_type, &job.content_encoding, &signal];
        writer.as_mut().write(&row).await?;
    }
    writer.finish().await?;
    let rows = tx.query(&c.staged, &[&batch_id]).await?;
    tx.commit().await?;
    let mut out: Vec<Option<StagedRow>> = vec![None; jobs.len()];
    for r in rows {
        let row = StagedRow { seq: r.get(0), accepted: r.get(1), rejected: r.get(2), error_message: r.get(3), status: r.get(4) };
        if let Some(slot) = usize::try_from(row.seq).ok().and_then(|i| out.get_mut(i)) {
            *slot = Some(row);
        }
    }
    Ok(out)
}

/// tokio-postgres prints a server error as just "db error"; this adds SQLSTATE, message and detail.
pub fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => {
            let mut s = format!("{} {}: {}", d.severity(), d.code().code(), d.message());
            if let Some(detail) = d.detail() {
                s.push_str(&format!(" ({detail})"));
            }
            s
        }
        None => e.to_string(),
    }
}

/// Whether retrying later may succeed: connection trouble, server shutting down, resources,
/// serialization conflicts, and a schema not (yet) in place (extension being installed/upgraded).
pub fn is_retryable(e: &tokio_postgres::Error) -> bool {
    match e.code() {
        None => true, // I/O, closed connection, protocol: nothing says the data is bad
        Some(code) => {
            let c = code.code();
            ["08", "40", "53", "55", "57", "58", "42", "3D", "3F", "25"].iter().any(|p| c.starts_with(p))
        }
    }
}

pub struct Writer {
    pub id: usize,
    pub url: String,
    pub batcher: Arc<Batcher>,
    pub health: Arc<Health>,
    pub metrics: Arc<Metrics>,
    pub forwarder: Option<Arc<Forwarder>>,
}

impl Writer {
    /// Runs until the queue is closed and drained.
    pub async fn run(self) {
        let mut backoff = Backoff::new(self.id);
        let mut conn: Option<Conn> = None;
        loop {
            if conn.as_ref().is_none_or(|c| c.client.is_closed()) {
                if conn.take().is_some() {
                    self.health.down(&self.metrics);
                }
                match open(&self.url).await {
                    Ok(c) => {
                        tracing::info!(writer = self.id, "database connection up");
                        backoff.reset();
                        self.health.up(&self.metrics);
                        conn = Some(c);
                    }
                    Err(e) => {
                        self.metrics.db_reconnects.inc();
                        let delay = backoff.next();
                        tracing::warn!(writer = self.id, error = %describe(&e), retry_in = ?delay, "database unreachable");
                        // Nobody can write: answer what is queued now instead of letting it wait.
                        if !self.health.is_up() {
                            for job in self.batcher.drain_now() {
                                job.answer(Outcome::Unavailable("database unavailable".into()));
                            }
                        }
                        if self.batcher.is_finished() {
                            return;
                        }
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                }
            }
            let Some(batch) = self.batcher.next_batch().await else {
                if conn.is_some() {
                    self.health.down(&self.metrics);
                }
                tracing::debug!(writer = self.id, "queue closed and drained");
                return;
            };
            let c = conn.as_mut().expect("connected");
            // The connection may have died while we waited for the batch: one quick reconnect
            // before failing the batch spares the clients a retry after a database restart.
            if c.client.is_closed() {
                if let Ok(fresh) = open(&self.url).await {
                    *c = fresh;
                }
            }
            self.process(c, batch).await;
        }
    }

    async fn process(&self, c: &mut Conn, batch: Vec<Job>) {
        let bytes: usize = batch.iter().map(|j| j.body.len()).sum();
        self.metrics.batch_bodies.observe(batch.len() as f64);
        self.metrics.batch_bytes.observe(bytes as f64);
        let t = Instant::now();
        let res = write_batch(c, &batch).await;
        self.metrics.db_roundtrip.observe(t.elapsed().as_secs_f64());
        match res {
            Ok(rows) => {
                self.metrics.batches.get_or_create(&ResultLabel { result: "committed" }).inc();
                for (job, row) in batch.into_iter().zip(rows) {
                    self.answer_committed(job, row);
                }
            }
            Err(e) if is_retryable(&e) || batch.len() == 1 => {
                self.metrics.batches.get_or_create(&ResultLabel { result: "failed" }).inc();
                let retry = is_retryable(&e);
                let why = describe(&e);
                tracing::warn!(writer = self.id, error = %why, bodies = batch.len(), retryable = retry, "batch not committed");
                for job in batch {
                    if retry {
                        job.answer(Outcome::Unavailable(format!("batch not committed: {why}")));
                    } else {
                        job.answer(Outcome::Internal(format!("database error: {why}")));
                    }
                }
            }
            Err(e) => {
                // A database error that is not transient: find the body that causes it by writing
                // each alone, so one poisonous body does not fail its batch-mates forever.
                self.metrics.batches.get_or_create(&ResultLabel { result: "failed" }).inc();
                tracing::warn!(writer = self.id, error = %describe(&e), bodies = batch.len(), "batch failed; retrying its bodies one by one");
                for job in batch {
                    Box::pin(self.process(c, vec![job])).await;
                }
            }
        }
    }

    fn answer_committed(&self, job: Job, row: Option<StagedRow>) {
        let outcome = match row {
            Some(r) => {
                if r.status != "invalid" {
                    let m = match job.signal {
                        crate::protocol::Signal::Traces => &self.metrics.spans_received,
                        crate::protocol::Signal::Logs => &self.metrics.log_records_received,
                    };
                    m.get_or_create(&ResultLabel { result: "accepted" }).inc_by(r.accepted.max(0) as u64);
                    m.get_or_create(&ResultLabel { result: "rejected" }).inc_by(r.rejected.max(0) as u64);
                }
                r.outcome()
            }
            None => Outcome::Internal("ingest_staged returned no row for this body".into()),
        };
        if let (Outcome::Accepted { .. }, Some(fwd), Some(orig)) = (&outcome, &self.forwarder, &job.original) {
            fwd.offer(orig.clone());
        }
        job.answer(outcome);
    }
}

/// Exponential backoff 50 ms .. 5 s with jitter, so writers do not reconnect in lockstep.
struct Backoff {
    attempt: u32,
    seed: u64,
}

impl Backoff {
    fn new(id: usize) -> Self {
        Backoff { attempt: 0, seed: 0x9E37_79B9_7F4A_7C15 ^ (id as u64).wrapping_mul(0xA24B_AED4_963E_E407) }
    }
    fn reset(&mut self) {
        self.attempt = 0;
    }
    fn next(&mut self) -> Duration {
        let base = 50u64.saturating_mul(1 << self.attempt.min(7)).min(5000);
        self.attempt += 1;
        // xorshift: cheap jitter without a rand dependency
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        Duration::from_millis(base / 2 + self.seed % (base / 2 + 1))
    }
}

/// Readiness: keeps one connection of its own and asks `agenttrace.version()`.
pub struct Probe {
    url: String,
    client: tokio::sync::Mutex<Option<Client>>,
}

impl Probe {
    pub fn new(url: String) -> Self {
        Probe { url, client: tokio::sync::Mutex::new(None) }
    }

    pub async fn version(&self) -> Result<String, String> {
        let fut = async {
            let mut guard = self.client.lock().await;
            if guard.as_ref().is_none_or(|c| c.is_closed()) {
                *guard = Some(connect(&self.url).await.map_err(|e| e.to_string())?);
            }
            let c = guard.as_ref().expect("set above");
            match c.query_one("SELECT agenttrace.version()", &[]).await {
                Ok(row) => Ok(row.get::<_, String>(0)),
                Err(e) => {
                    if c.is_closed() {
                        *guard = None;
                    }
                    Err(e.to_string())
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(3), fut).await.unwrap_or_else(|_| Err("database probe timed out".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_rows_map_to_outcomes() {
        let row = |status: &str, rejected, msg: Option<&str>| StagedRow {
            seq: 0,
            accepted: 5,
            rejected,
            error_message: msg.map(String::from),
            status: status.into(),
        };
        assert_eq!(row("ok", 0, None).outcome(), Outcome::Accepted { rejected: 0, message: None });
        assert_eq!(row("ok", 0, Some("")).outcome(), Outcome::Accepted { rejected: 0, message: None });
        assert_eq!(
            row("partial", 2, Some("invalid span id")).outcome(),
            Outcome::Accepted { rejected: 2, message: Some("invalid span id".into()) }
        );
        assert_eq!(row("invalid", 0, Some("bad protobuf")).outcome(), Outcome::BadRequest("bad protobuf".into()));
        assert!(matches!(row("weird", 0, None).outcome(), Outcome::Internal(_)));
    }

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let mut b = Backoff::new(1);
        let ds: Vec<_> = (0..12).map(|_| b.next()).collect();
        assert!(ds[0] <= Duration::from_millis(50));
        assert!(ds.iter().all(|d| *d <= Duration::from_millis(5000)));
        assert!(ds[11] >= Duration::from_millis(2500));
        b.reset();
        assert!(b.next() <= Duration::from_millis(50));
    }
}
