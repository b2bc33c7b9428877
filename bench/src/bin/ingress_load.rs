//! Load generator for agenttrace-ingress: many concurrent OTLP exporters (OTLP/HTTP protobuf via
//! reqwest, OTLP/gRPC via the tonic client generated in opentelemetry-proto) sending realistic
//! agent spans in batches of 512, like the SDK's BatchSpanProcessor. Two workloads:
//!   * default: every request carries fresh short runs of 17 spans (GenAI semconv + OpenInference
//!     attributes; root first, the last run of a request cut off at the batch size), as before;
//!   * --spans-per-run N: long runs of about N spans (agenttrace_bench::workload::run_spans, GenAI
//!     semconv) in end order (children before their parent, the root last), each exporter
//!     connection sending its own runs one after the other in requests of --batch spans: a run
//!     continues across many requests of one connection, a request may carry the end of one run
//!     and the start of the next, and different connections carry different runs. A refused
//!     request is sent again after the wait (the default workload drops it), so runs stay whole.
//!
//! Prints numbers only, no assertions, per protocol:
//!   * end-to-end committed spans/s, counted in the database (count(*) of its own service name),
//!   * p50/p99/max request latency, non-200 answers,
//!   * a plain COPY of the same span rows into a scratch copy of agenttrace.spans (the physical limit:
//!     a hypertable like spans when spans is one, same indexes and column compression), done twice
//!     into fresh tables; the faster one is the baseline.
//!
//! Every measured phase starts right after a CHECKPOINT (see `checkpoint`).
//!
//! Usage: cargo run --release -p agenttrace-bench --bin ingress_load -- [flags]
//!   --protocol P         http, grpc or both (default both: one run after the other, same ingress)
//!   --url URL            ingress traces endpoint (default: start target/release/agenttrace-ingress on free ports)
//!   --grpc-url URL       ingress gRPC endpoint, e.g. http://127.0.0.1:4317 (with --url)
//!   --ingress-bin PATH   binary to start when --url is not given
//!   --database-url URL   (env DATABASE_URL, default postgres://postgres@127.0.0.1:5433/agenttrace)
//!   --duration SECS      (default 30)   --connections N (default 32)   --batch SPANS (default 512)
//!   --pool-size N        writer connections of the started ingress (default 4, the ingress's own default)
//!   --spans-per-run N    long runs of about N spans each, e.g. 10000 (default: 17-span runs, see above)
//!   --rounds N           N rounds of (load, its COPY baseline); prints each round and the median
//!                        round's % of COPY per protocol (default 1)
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{pin_mut, StreamExt};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span::SpanKind, status::StatusCode, ResourceSpans, ScopeSpans, Span, Status};
use prost::Message;
use tokio_postgres::NoTls;

struct Args {
    protocol: String,
    url: Option<String>,
    grpc_url: Option<String>,
    ingress_bin: String,
    database_url: String,
    duration: Duration,
    connections: usize,
    batch: usize,
    pool_size: usize,
    spans_per_run: Option<usize>,
    rounds: usize,
    spool_dir: Option<String>,
}

const USAGE: &str = "usage: ingress_load [flags]
  --protocol P         http, grpc or both (default both: one run after the other, same ingress)
  --url URL            ingress traces endpoint (default: start target/release/agenttrace-ingress on free ports)
  --grpc-url URL       ingress gRPC endpoint, e.g. http://127.0.0.1:4317 (with --url)
  --ingress-bin PATH   binary to start when --url is not given
  --database-url URL   (env DATABASE_URL, default postgres://postgres@127.0.0.1:5433/agenttrace)
  --duration SECS      (default 30)   --connections N (default 32)   --batch SPANS (default 512)
  --pool-size N        writer connections of the started ingress (default 4)
  --spans-per-run N    long runs of about N spans each, e.g. 10000 (default: 17-span runs)
  --rounds N           N rounds of (load, its COPY baseline); prints each round and the median
  --spool-dir DIR      also start an ingress with its durable spool in DIR and, after the plain
                       load of every round, send it the spans the plain load committed; its
                       committed spans/s count until the database holds them all";

fn args() -> Args {
    let mut a = Args {
        protocol: "both".into(),
        url: None,
        grpc_url: None,
        ingress_bin: concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/agenttrace-ingress").to_string(),
        database_url: std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5433/agenttrace".into()),
        duration: Duration::from_secs(30),
        connections: 32,
        batch: 512,
        pool_size: 4,
        spans_per_run: None,
        rounds: 1,
        spool_dir: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = Some(val()),
            "--grpc-url" => a.grpc_url = Some(val()),
            "--protocol" => a.protocol = val(),
            "--ingress-bin" => a.ingress_bin = val(),
            "--database-url" => a.database_url = val(),
            "--duration" => a.duration = Duration::from_secs_f64(val().parse().expect("--duration SECS")),
            "--connections" => a.connections = val().parse().expect("--connections N"),
            "--batch" => a.batch = val().parse().expect("--batch N"),
            "--pool-size" => a.pool_size = val().parse().expect("--pool-size N"),
            "--spans-per-run" => a.spans_per_run = Some(val().parse().expect("--spans-per-run N")),
            "--rounds" => a.rounds = val().parse::<usize>().expect("--rounds N").max(1),
            "--spool-dir" => a.spool_dir = Some(val()),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => {
                eprintln!("unknown flag {other}\n\n{USAGE}");
                std::process::exit(2);
            }
        }
    }
    assert!(a.batch > 0, "--batch must be at least 1");
    assert!(a.spool_dir.is_none() || a.url.is_none(), "--spool-dir starts its own ingress: not with --url");
    assert!(a.spans_per_run != Some(0), "--spans-per-run must be at least 1");
    a
}

/// xorshift64*: ids and variety without a rand dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn bytes<const N: usize>(&mut self) -> Vec<u8> {
        let mut v = Vec::with_capacity(N);
        while v.len() < N {
            v.extend_from_slice(&self.next().to_be_bytes());
        }
        v.truncate(N);
        v
    }
}

fn kv(k: &str, v: Value) -> KeyValue {
    KeyValue { key: k.into(), value: Some(AnyValue { value: Some(v) }) }
}
fn s(k: &str, v: impl Into<String>) -> KeyValue {
    kv(k, Value::StringValue(v.into()))
}
fn i(k: &str, v: i64) -> KeyValue {
    kv(k, Value::IntValue(v))
}

const AGENTS: [&str; 4] = ["planner", "researcher", "writer", "critic"];
const TOOLS: [&str; 3] = ["web_search", "lookup_fact", "calculator"];

/// Spans of one run of the default workload (`trace`).
const DEFAULT_SPANS_PER_RUN: usize = 17;

/// One agent run of 17 spans: workflow root, 4 agents each with 2 chat calls + 1 tool call.
fn trace(rng: &mut Rng, now: u64, out: &mut Vec<Span>) {
    let trace_id = rng.bytes::<16>();
    let root_id = rng.bytes::<8>();
    let mut t = now - 20_000_000_000;
    let root_start = t;
    let push = |out: &mut Vec<Span>,
                id: Vec<u8>,
                parent: Vec<u8>,
                name: String,
                kind: SpanKind,
                start: u64,
                dur: u64,
                attributes: Vec<KeyValue>,
                err: bool| {
        out.push(Span {
            trace_id: trace_id.clone(),
            span_id: id,
            parent_span_id: parent,
            name,
            kind: kind as i32,
            start_time_unix_nano: start,
            end_time_unix_nano: start + dur,
            attributes,
            status: Some(Status {
                code: if err { StatusCode::Error } else { StatusCode::Ok } as i32,
                message: if err { "tool failed: timeout".into() } else { String::new() },
            }),
            ..Default::default()
        });
    };
    let mut children = Vec::new();
    for (n, agent) in AGENTS.iter().enumerate() {
        let agent_id = rng.bytes::<8>();
        let a_start = t;
        let q = format!("Step {n}: research OpenTelemetry part {} and summarise the findings for the team.", rng.next() % 1000);
        for turn in 0..2 {
            let chat_id = rng.bytes::<8>();
            let (inp, outp) = (900 + rng.next() % 400, 120 + rng.next() % 200);
            push(
                &mut children,
                chat_id,
                agent_id.clone(),
                "chat gpt-4o-mini".into(),
                SpanKind::Client,
                t,
                800_000_000,
                vec![
                    s("gen_ai.operation.name", "chat"),
                    s("gen_ai.provider.name", "openai"),
                    s("gen_ai.request.model", "gpt-4o-mini"),
                    s("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
                    i("gen_ai.usage.input_tokens", inp as i64),
                    i("gen_ai.usage.output_tokens", outp as i64),
                    kv("gen_ai.request.temperature", Value::DoubleValue(0.2)),
                    s(
                        "gen_ai.input.messages",
                        format!(
                            r#"[{{"role":"system","parts":[{{"type":"text","content":"You are the {agent} of a research team."}}]}},{{"role":"user","parts":[{{"type":"text","content":"{q}"}}]}}]"#
                        ),
                    ),
                    s(
                        "gen_ai.output.messages",
                        format!(
                            r#"[{{"role":"assistant","parts":[{{"type":"text","content":"Turn {turn}: OpenTelemetry is a CNCF observability framework for traces, metrics and logs."}}],"finish_reason":"stop"}}]"#
                        ),
                    ),
                    s("openinference.span.kind", "LLM"),
                    s("llm.model_name", "gpt-4o-mini"),
                    s("llm.input_messages.0.message.role", "user"),
                    s("llm.input_messages.0.message.content", q.clone()),
                    i("llm.token_count.prompt", inp as i64),
                    i("llm.token_count.completion", outp as i64),
                ],
                false,
            );
            t += 900_000_000;
        }
        let tool = TOOLS[(rng.next() % 3) as usize];
        let err = rng.next().is_multiple_of(50);
        push(
            &mut children,
            rng.bytes::<8>(),
            agent_id.clone(),
            format!("execute_tool {tool}"),
            SpanKind::Internal,
            t,
            300_000_000,
            vec![
                s("gen_ai.operation.name", "execute_tool"),
                s("gen_ai.tool.name", tool),
                s("gen_ai.tool.call.id", format!("call_{:016x}", rng.next())),
                s("gen_ai.tool.call.arguments", format!(r#"{{"query":"OpenTelemetry part {}"}}"#, rng.next() % 100)),
                s("gen_ai.tool.call.result", "OpenTelemetry is a CNCF project providing traces, metrics and logs."),
                s("openinference.span.kind", "TOOL"),
                s("tool.name", tool),
            ],
            err,
        );
        t += 400_000_000;
        push(
            &mut children,
            agent_id,
            root_id.clone(),
            format!("invoke_agent {agent}"),
            SpanKind::Internal,
            a_start,
            t - a_start,
            vec![
                s("gen_ai.operation.name", "invoke_agent"),
                s("gen_ai.agent.name", *agent),
                s("gen_ai.agent.id", format!("{agent}-{:08x}", rng.next() as u32)),
                s("openinference.span.kind", "AGENT"),
                s("graph.node.id", *agent),
            ],
            false,
        );
    }
    push(
        out,
        root_id,
        Vec::new(),
        "invoke_agent research_team".into(),
        SpanKind::Internal,
        root_start,
        t - root_start,
        vec![
            s("gen_ai.operation.name", "invoke_agent"),
            s("gen_ai.agent.name", "research_team"),
            s("openinference.span.kind", "CHAIN"),
            s("input.value", "Write a short report on OpenTelemetry."),
            s("output.value", "FINAL: OpenTelemetry is a CNCF observability framework."),
        ],
        false,
    );
    out.append(&mut children);
}

fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

/// Default workload: one request of fresh 17-span runs, the last one cut off at `spans_per_request`.
fn request(rng: &mut Rng, service: &str, spans_per_request: usize) -> ExportTraceServiceRequest {
    let now = now_ns();
    let mut spans = Vec::with_capacity(spans_per_request + 16);
    while spans.len() < spans_per_request {
        trace(rng, now, &mut spans);
    }
    spans.truncate(spans_per_request);
    export_request(service, spans)
}

/// `--spans-per-run`: one exporter's stream of long runs, each of about `spans_per_run` spans in
/// end order, cut into requests of `batch` spans; a run continues across requests, and the request
/// that carries the end of a run carries the start of the next one too (as a BatchSpanProcessor
/// exports whatever has ended).
struct LongRuns {
    rng: agenttrace_bench::workload::Rng,
    /// the first 8 bytes of every trace id of this exporter; the run number is the other 8
    seed: u64,
    run_no: u64,
    spans_per_run: usize,
    pending: std::vec::IntoIter<Span>,
}

impl LongRuns {
    fn new(seed: u64, spans_per_run: usize) -> Self {
        LongRuns { rng: agenttrace_bench::workload::Rng::new(seed), seed, run_no: 0, spans_per_run, pending: Vec::new().into_iter() }
    }

    fn next_request(&mut self, service: &str, batch: usize) -> ExportTraceServiceRequest {
        let mut spans = Vec::with_capacity(batch);
        while spans.len() < batch {
            if self.pending.as_slice().is_empty() {
                // Simulated time is under 1 s per span, so a run started this far back has ended by now.
                let start = now_ns() - (self.spans_per_run as u64 + 10) * 1_000_000_000;
                self.pending =
                    agenttrace_bench::workload::run_spans(&mut self.rng, self.run_no, self.seed, self.spans_per_run, start).into_iter();
                self.run_no += 1;
            }
            spans.extend(self.pending.by_ref().take(batch - spans.len()));
        }
        export_request(service, spans)
    }
}

/// splitmix64 finaliser: distinct, well-spread seeds from small distinct inputs.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn export_request(service: &str, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![s("service.name", service), s("telemetry.sdk.language", "python"), s("telemetry.sdk.version", "1.45.2")],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "agenttrace.bench.ingress_load".into(),
                    version: "1".into(),
                    ..Default::default()
                }),
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// Each measured phase (a protocol's load, the COPY) starts right after a checkpoint, so that no
/// phase is measured with and another without the full-page writes that follow one (a checkpoint
/// falling inside one phase moved its figure by up to a third). Needs superuser or pg_checkpoint;
/// without, the phases run as they come.
async fn checkpoint(db: &tokio_postgres::Client) {
    if let Err(e) = db.batch_execute("CHECKPOINT").await {
        eprintln!("CHECKPOINT not allowed ({e}): phases start without one");
    }
}

async fn count(db: &tokio_postgres::Client, service: &str) -> i64 {
    db.query_one("SELECT count(*) FROM agenttrace.spans WHERE service_name = $1", &[&service]).await.expect("count").get(0)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx].as_secs_f64() * 1000.0
}

/// Starts the ingress binary on free ports with `extra` flags and waits until it is ready; returns
/// it (stopped on drop) with its traces URL and gRPC endpoint.
async fn start_ingress(a: &Args, http: &reqwest::Client, extra: &[String]) -> (Child, (String, String)) {
    let free = || std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (port, gport) = (free(), free());
    let c = std::process::Command::new(&a.ingress_bin)
        .args([
            "--http-addr",
            &format!("127.0.0.1:{port}"),
            "--grpc-addr",
            &format!("127.0.0.1:{gport}"),
            "--pool-size",
            &a.pool_size.to_string(),
        ])
        .args(extra)
        .env("DATABASE_URL", &a.database_url)
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e} (build it: cargo build --release -p agenttrace-ingress)", a.ingress_bin));
    let child = Child(c);
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ok = http.get(format!("{base}/ready")).send().await.map(|r| r.status().is_success()).unwrap_or(false);
        if ok {
            break;
        }
        assert!(Instant::now() < deadline, "ingress not ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // let every writer connect
    (child, (format!("{base}/v1/traces"), format!("http://127.0.0.1:{gport}")))
}

struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        // SIGTERM so the ingress drains; then wait for it.
        let _ = std::process::Command::new("kill").arg("-TERM").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Proto {
    Http,
    Grpc,
}

impl Proto {
    fn name(self) -> &'static str {
        match self {
            Proto::Http => "OTLP/HTTP",
            Proto::Grpc => "OTLP/gRPC",
        }
    }
}

struct RunResult {
    service: String,
    committed: i64,
    secs: f64,
}

/// One load run of `a.duration` against one front door; prints its numbers.
/// One load of `a.duration`; with `budget`, until that many spans are acknowledged instead (the
/// spooled load sends what the plain one committed, so both put the same work in the database).
async fn run_load(
    a: &Args,
    db: &tokio_postgres::Client,
    proto: Proto,
    url: &str,
    http: &reqwest::Client,
    spool: Option<&str>,
    budget: Option<u64>,
) -> RunResult {
    let spool_ready = spool.map(|traces_url| format!("{}/ready", traces_url.trim_end_matches("/v1/traces")));
    let spool = spool.is_some();
    let name = match (proto, spool) {
        (Proto::Http, false) => "http",
        (Proto::Grpc, false) => "grpc",
        (Proto::Http, true) => "http-spool",
        (Proto::Grpc, true) => "grpc-spool",
    };
    checkpoint(db).await;
    let service = format!(
        "ingress-load-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
    );
    let per_run = match a.spans_per_run {
        // run_spans gives about N spans; print what it really gives
        Some(n) => {
            let actual = agenttrace_bench::workload::run_spans(&mut agenttrace_bench::workload::Rng::new(1), 0, 0, n, 0).len();
            format!("{actual} spans/run (--spans-per-run {n}, end order, runs continue across requests)")
        }
        None => format!("{DEFAULT_SPANS_PER_RUN} spans/run"),
    };
    println!(
        "\n== {} {url}: {} connections, {} spans/request, {per_run}, {:?}, service {service}",
        proto.name(),
        a.connections,
        a.batch,
        a.duration
    );
    let before = count(db, &service).await;
    let sent_spans = Arc::new(AtomicU64::new(0));
    let non_ok = Arc::new(AtomicU64::new(0));
    let body_bytes = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let stop_at = start + if budget.is_some() { a.duration * 20 } else { a.duration };
    let mut tasks = Vec::new();
    for k in 0..a.connections {
        let (http, url, service) = (http.clone(), url.to_string(), service.clone());
        let (sent_spans, non_ok, body_bytes) = (sent_spans.clone(), non_ok.clone(), body_bytes.clone());
        let batch = a.batch;
        // --spans-per-run: this connection's own runs; the seed (first half of every trace id) differs
        // per connection, protocol run and process, so no two connections or bench runs share a trace
        // (the service name holds the process id and the load's start second, so every --rounds
        // load has its own ids too: a repeated id would be a re-delivery, skipped, not a new span).
        let service_seed = mix(service.bytes().fold(0u64, |h, b| mix(h ^ b as u64)));
        let mut long_runs = a.spans_per_run.map(|n| LongRuns::new(mix(service_seed ^ k as u64), n));
        tasks.push(tokio::spawn(async move {
            // Short runs: ids from the same per-connection, per-load seed.
            let mut rng = Rng(mix(service_seed ^ (k as u64 + 1) << 32) | 1);
            let mut lat = Vec::new();
            let mut retry: Option<ExportTraceServiceRequest> = None;
            // one HTTP/2 connection per task, like one exporter per process
            let mut grpc = if proto == Proto::Grpc {
                Some(TraceServiceClient::connect(url.clone()).await.expect("grpc connect").max_encoding_message_size(64 << 20))
            } else {
                None
            };
            while Instant::now() < stop_at && budget.is_none_or(|b| sent_spans.load(Ordering::Relaxed) < b) {
                let msg = match (retry.take(), &mut long_runs) {
                    (Some(again), _) => again,
                    (None, Some(runs)) => runs.next_request(&service, batch),
                    (None, None) => request(&mut rng, &service, batch),
                };
                body_bytes.fetch_add(msg.encoded_len() as u64, Ordering::Relaxed);
                let t = Instant::now();
                // Ok: acknowledged; Err(wait): refused, wait before the next
                // --spans-per-run: a refused request is sent again (as an OTLP exporter retries), so
                // every run arrives whole and in order; the default workload drops it, as before.
                // `unsent` keeps the request for that (gRPC's export consumes it: a copy, long runs only).
                let long = long_runs.is_some();
                let (result, unsent): (Result<(), Duration>, Option<ExportTraceServiceRequest>) = match &mut grpc {
                    Some(c) => {
                        let keep = long.then(|| msg.clone());
                        let r = match c.export(msg).await {
                            Ok(_) => Ok(()),
                            Err(_) => Err(Duration::from_millis(100)),
                        };
                        (r, keep)
                    }
                    None => (
                        match http.post(&url).header("content-type", "application/x-protobuf").body(msg.encode_to_vec()).send().await {
                            Ok(resp) if resp.status().is_success() => {
                                let _ = resp.bytes().await;
                                Ok(())
                            }
                            Ok(resp) => {
                                let wait =
                                    resp.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse::<u64>().ok()).unwrap_or(0);
                                Err(Duration::from_millis(100).max(Duration::from_secs(wait)))
                            }
                            Err(_) => Err(Duration::from_millis(100)),
                        },
                        long.then_some(msg),
                    ),
                };
                match result {
                    Ok(()) => {
                        lat.push(t.elapsed());
                        sent_spans.fetch_add(batch as u64, Ordering::Relaxed);
                    }
                    Err(wait) => {
                        non_ok.fetch_add(1, Ordering::Relaxed);
                        retry = unsent;
                        tokio::time::sleep(wait).await;
                    }
                }
            }
            lat
        }));
    }
    let mut lat: Vec<Duration> = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let drain_from = Instant::now();
    if spool {
        // Acknowledged means on the spool's disk: the load is done when the database has it all.
        // The spool says when it holds nothing unsent (a cheap GET; counting the spans over and
        // over would take database time from the drain it measures), then the count confirms.
        let acked = sent_spans.load(Ordering::Relaxed) as i64;
        let ready = spool_ready.as_deref().expect("spool ready URL");
        let deadline = Instant::now() + Duration::from_secs(600);
        while Instant::now() < deadline {
            let unsent = match http.get(ready).send().await {
                Ok(r) => r
                    .bytes()
                    .await
                    .ok()
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                    .and_then(|v| v["spool"]["unsent_bytes"].as_u64()),
                Err(_) => None,
            };
            if unsent == Some(0) && count(db, &service).await - before >= acked {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        println!("spool drained         {:.1} s after the last acknowledgement", drain_from.elapsed().as_secs_f64());
    }
    let elapsed = start.elapsed();
    let committed = count(db, &service).await - before;
    lat.sort();
    let secs = elapsed.as_secs_f64();
    println!("requests ok           {:>12}   refused/errors {}", lat.len(), non_ok.load(Ordering::Relaxed));
    println!("acknowledged spans    {:>12}", sent_spans.load(Ordering::Relaxed));
    println!("committed spans (db)  {:>12}   in {secs:.1} s", committed);
    println!(
        "end-to-end            {:>12.0} spans/s committed   ({:.1} MB/s protobuf)",
        committed as f64 / secs,
        body_bytes.load(Ordering::Relaxed) as f64 / secs / 1e6
    );
    println!("request latency       p50 {:.1} ms   p99 {:.1} ms   max {:.1} ms", pct(&lat, 0.5), pct(&lat, 0.99), pct(&lat, 1.0));
    RunResult { service, committed, secs }
}

#[tokio::main]
async fn main() {
    let a = args();
    let protos: Vec<Proto> = match a.protocol.as_str() {
        "http" => vec![Proto::Http],
        "grpc" => vec![Proto::Grpc],
        "both" => vec![Proto::Http, Proto::Grpc],
        other => panic!("--protocol {other}: use http, grpc or both"),
    };
    let (db, conn) = tokio_postgres::connect(&a.database_url, NoTls).await.expect("database");
    tokio::spawn(conn);

    let http = reqwest::Client::builder().pool_max_idle_per_host(a.connections).build().unwrap();
    let mut _children = Vec::new();
    let (url, grpc_url) = match &a.url {
        Some(u) => (u.clone(), a.grpc_url.clone().unwrap_or_else(|| "http://127.0.0.1:4317".into())),
        None => {
            let (child, urls) = start_ingress(&a, &http, &[]).await;
            _children.push(child);
            urls
        }
    };
    let spooled = match &a.spool_dir {
        Some(dir) => {
            let (child, urls) = start_ingress(&a, &http, &["--spool-dir".into(), dir.clone()]).await;
            _children.push(child);
            Some(urls)
        }
        None => None,
    };

    // Whether spans is a hypertable, and how (asked once): TimescaleDB's schema, the time column
    // and the chunk interval.
    let hypertable: Option<(String, String, String)> = db
        .query_opt(
            "SELECT quote_ident(e.extnamespace::regnamespace::name), d.column_name::text, d.time_interval::text
               FROM timescaledb_information.dimensions d, pg_extension e
              WHERE e.extname = 'timescaledb' AND d.hypertable_schema = 'agenttrace' AND d.hypertable_name = 'spans' AND d.dimension_number = 1",
            &[],
        )
        .await
        .ok()
        .flatten()
        .map(|r| (r.get(0), r.get(1), r.get(2)));

    // Each round: the load of every protocol, then its COPY baseline. The ratio is taken within a
    // round (this machine's speed drifts by a quarter within minutes; a baseline measured minutes
    // away from its load compares two different machines), and with --rounds N the median round
    // is the result.
    let mut ratios: Vec<(Proto, bool, f64)> = Vec::new();
    for round in 1..=a.rounds {
        if a.rounds > 1 {
            println!("\n######## round {round} of {}", a.rounds);
        }
        let mut results = Vec::new();
        for p in &protos {
            let u = if *p == Proto::Http { &url } else { &grpc_url };
            let plain = run_load(&a, &db, *p, u, &http, None, None).await;
            let committed = plain.committed.max(1) as u64;
            results.push((*p, false, plain));
            if let Some((surl, sgrpc)) = &spooled {
                let u = if *p == Proto::Http { surl } else { sgrpc };
                results.push((*p, true, run_load(&a, &db, *p, u, &http, Some(surl.as_str()), Some(committed)).await));
            }
        }
        let services: Vec<String> = results.iter().map(|(_, _, r)| r.service.clone()).collect();
        let (copy_rate, rows, copy_secs, kind, copy_bytes) = copy_baseline(&db, &services, &hypertable).await;
        println!("\n== summary{}", if a.rounds > 1 { format!(" of round {round}") } else { String::new() });
        println!(
            "plain COPY of rows    {copy_rate:>12.0} rows/s (the faster of 2; {rows} span rows, {:.1} MB binary, {copy_secs:.2} s, one connection, {kind} with the same indexes)",
            copy_bytes as f64 / 1e6
        );
        for (p, spool, r) in &results {
            let rate = r.committed as f64 / r.secs;
            let pct = 100.0 * rate / copy_rate;
            let name = if *spool { format!("{} spool", p.name()) } else { p.name().to_string() };
            println!("{name:<16} committed {rate:>12.0} spans/s   = {pct:>5.1} % of COPY");
            ratios.push((*p, *spool, pct));
        }
        for p in &protos {
            let rate = |spool: bool| results.iter().find(|(q, s, _)| q == p && *s == spool).map(|(_, _, r)| r.committed as f64 / r.secs);
            if let (Some(off), Some(on)) = (rate(false), rate(true)) {
                println!("{:<16} spool on / off = {:.1} %", p.name(), 100.0 * on / off);
            }
        }
    }
    if a.rounds > 1 {
        println!("\n== over {} rounds", a.rounds);
        for p in &protos {
            for spool in [false, true] {
                let mut v: Vec<f64> = ratios.iter().filter(|(q, s, _)| q == p && *s == spool).map(|(_, _, r)| *r).collect();
                if v.is_empty() {
                    continue;
                }
                v.sort_by(f64::total_cmp);
                let each: Vec<String> = v.iter().map(|r| format!("{r:.1}")).collect();
                let name = if spool { format!("{} spool", p.name()) } else { p.name().to_string() };
                println!("{name:<16} median {:>5.1} % of COPY (rounds, sorted: {} %)", v[v.len() / 2], each.join(" / "));
            }
        }
    }
}

/// The physical limit: COPY the very rows the round's loads stored (their service names) into a
/// scratch table that is what agenttrace.spans is: a hypertable with the same chunk interval when
/// spans is one (COPY into a plain table skips the chunk routing ingest pays), same indexes and
/// column compression. Twice, each after a CHECKPOINT into a fresh table; the faster is the
/// baseline (one COPY alone moved by a quarter from run to run: the faster one is the harder
/// bar). Returns (rows/s, rows, seconds, table kind, bytes).
async fn copy_baseline(
    db: &tokio_postgres::Client,
    services: &[String],
    hypertable: &Option<(String, String, String)>,
) -> (f64, u64, f64, &'static str, usize) {
    // The rows to COPY, read once.
    let list = services.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(",");
    let out = db
        .copy_out(&format!("COPY (SELECT * FROM agenttrace.spans WHERE service_name IN ({list})) TO STDOUT (FORMAT binary)"))
        .await
        .expect("copy out");
    pin_mut!(out);
    let mut chunks = Vec::new();
    let mut copy_bytes = 0usize;
    while let Some(c) = out.next().await {
        let c = c.expect("copy out chunk");
        copy_bytes += c.len();
        chunks.push(c);
    }
    let mut best: Option<(f64, u64, f64, &'static str)> = None;
    for attempt in 0..2 {
        let scratch = format!("agenttrace_bench_copy_{}_{attempt}", std::process::id());
        db.batch_execute(&format!(
            "DROP TABLE IF EXISTS public.{scratch}; CREATE TABLE public.{scratch} (LIKE agenttrace.spans INCLUDING ALL)"
        ))
        .await
        .expect("scratch table");
        let kind = match hypertable {
            Some((tsdb, column, interval)) => {
                db.execute(
                    &format!("SELECT {tsdb}.create_hypertable($1::text::regclass, $2::name, chunk_time_interval => $3::text::interval)"),
                    &[&format!("public.{scratch}"), column, interval],
                )
                .await
                .expect("scratch hypertable");
                "hypertable"
            }
            None => "table",
        };
        checkpoint(db).await;
        let t = Instant::now();
        let sink = db.copy_in(&format!("COPY public.{scratch} FROM STDIN (FORMAT binary)")).await.expect("copy in");
        pin_mut!(sink);
        use futures_util::SinkExt;
        for c in &chunks {
            sink.feed(c.clone()).await.expect("copy chunk");
        }
        let rows = sink.as_mut().finish().await.expect("copy finish");
        let secs = t.elapsed().as_secs_f64();
        db.batch_execute(&format!("DROP TABLE public.{scratch}")).await.expect("drop scratch");
        let rate = rows as f64 / secs;
        println!("COPY {}               {rate:>12.0} rows/s ({secs:.2} s)", attempt + 1);
        if best.is_none_or(|(r, ..)| rate > r) {
            best = Some((rate, rows, secs, kind));
        }
    }
    let (rate, rows, secs, kind) = best.expect("two COPY runs");
    (rate, rows, secs, kind, copy_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(req: ExportTraceServiceRequest) -> Vec<Span> {
        req.resource_spans.into_iter().flat_map(|r| r.scope_spans).flat_map(|s| s.spans).collect()
    }

    /// --spans-per-run: requests of exactly `batch` spans that, laid end to end, are this exporter's
    /// runs one after the other, each whole and in end order (root last).
    #[test]
    fn long_runs_continue_across_requests() {
        let (n, batch) = (1_000, 64);
        let mut runs = LongRuns::new(mix(7), n);
        let sent: Vec<Span> = (0..40).flat_map(|_| spans(runs.next_request("svc", batch))).collect();
        assert_eq!(sent.len(), 40 * batch);
        let mut rng = agenttrace_bench::workload::Rng::new(mix(7));
        let mut expected = Vec::new();
        for run_no in 0..3 {
            let run = agenttrace_bench::workload::run_spans(&mut rng, run_no, mix(7), n, 0);
            assert!(run.last().unwrap().parent_span_id.is_empty(), "root last");
            expected.extend(run);
        }
        for (k, (a, b)) in sent.iter().zip(&expected).enumerate() {
            // timestamps depend on the clock; ids, names and order must match
            assert_eq!(
                (&a.trace_id, &a.span_id, &a.parent_span_id, &a.name),
                (&b.trace_id, &b.span_id, &b.parent_span_id, &b.name),
                "span {k}"
            );
        }
        // different connections carry different runs
        let other = spans(LongRuns::new(mix(mix(7) ^ 1), n).next_request("svc", batch));
        assert!(other.iter().all(|s| s.trace_id != sent[0].trace_id));
    }
}
