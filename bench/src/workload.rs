//! Realistic generated agent runs: GenAI-semconv spans of a supervisor and worker agents with
//! model calls (chat messages as JSON, token usage), tool calls and handoffs, grouped into
//! export requests the way an SDK's BatchSpanProcessor sends them: spans in the order they end
//! (children before their parent, the root of a run last), `batch` spans per request.
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, status, ResourceSpans, ScopeSpans, Span, Status};

fn kv(key: &str, v: any_value::Value) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(v) }) }
}
fn s(key: &str, v: impl Into<String>) -> KeyValue {
    kv(key, any_value::Value::StringValue(v.into()))
}
fn i(key: &str, v: i64) -> KeyValue {
    kv(key, any_value::Value::IntValue(v))
}

/// Small deterministic PRNG (xorshift) so runs are reproducible without a dependency.
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

const AGENTS: &[&str] = &["supervisor", "researcher", "analyst", "coder", "reviewer", "writer"];
const TOOLS: &[&str] = &["web_search", "lookup_fact", "run_python", "read_file", "sql_query"];

/// One run of about `spans_per_run` spans; ids derived from `run_no` and `seed` so every run is new.
///
/// The spans come in the order they end, as a BatchSpanProcessor exports them: per agent turn its
/// model and tool spans (in time order), then that turn's `invoke_agent` span; then the next turn;
/// the root `invoke_agent team` span, which ends last, at the very end. End times never decrease
/// along the returned vector.
pub fn run_spans(rng: &mut Rng, run_no: u64, seed: u64, spans_per_run: usize, start_ns: u64) -> Vec<Span> {
    let mut trace_id = [0u8; 16];
    trace_id[..8].copy_from_slice(&seed.to_be_bytes());
    trace_id[8..].copy_from_slice(&run_no.to_be_bytes());
    let mut next_span = 0u64;
    let mut new_id = || {
        next_span += 1;
        let mut id = [0u8; 8];
        id.copy_from_slice(&(((run_no & 0xffff_ffff) << 24) | next_span | 1 << 63).to_be_bytes());
        id.to_vec()
    };
    let mut spans = Vec::with_capacity(spans_per_run);
    let root_id = new_id();
    let mut t = start_ns;
    let mut turns = 0usize;
    while spans.len() + 1 < spans_per_run {
        let agent = AGENTS[(turns % AGENTS.len()).max(usize::from(turns > 0))];
        turns += 1;
        let agent_id = new_id();
        let agent_start = t;
        let mut inner = Vec::new();
        for call in 0..3u64 {
            let llm_start = t + 1_000_000;
            let dur = 200_000_000 + rng.below(800_000_000);
            let prompt = format!(
                r#"[{{"role":"system","parts":[{{"type":"text","content":"You are the {agent}. Work on step {call} of the task."}}]}},{{"role":"user","parts":[{{"type":"text","content":"Summarise finding {} about OpenTelemetry tracing for agent systems and cite the source."}}]}}]"#,
                rng.below(1000)
            );
            let answer = format!(
                r#"[{{"role":"assistant","parts":[{{"type":"text","content":"Finding {}: spans, links and events describe agent coordination; tokens used {}."}}],"finish_reason":"stop"}}]"#,
                rng.below(1000),
                rng.below(5000)
            );
            inner.push(Span {
                trace_id: trace_id.to_vec(),
                span_id: new_id(),
                parent_span_id: agent_id.clone(),
                name: "chat gpt-4o-mini".into(),
                kind: span::SpanKind::Client as i32,
                start_time_unix_nano: llm_start,
                end_time_unix_nano: llm_start + dur,
                attributes: vec![
                    s("gen_ai.operation.name", "chat"),
                    s("gen_ai.provider.name", "openai"),
                    s("gen_ai.request.model", "gpt-4o-mini"),
                    s("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
                    i("gen_ai.usage.input_tokens", 200 + rng.below(3000) as i64),
                    i("gen_ai.usage.output_tokens", 20 + rng.below(600) as i64),
                    s("gen_ai.input.messages", prompt),
                    s("gen_ai.output.messages", answer),
                    s("server.address", "api.openai.com"),
                ],
                status: Some(Status { code: status::StatusCode::Unset as i32, message: String::new() }),
                ..Default::default()
            });
            t = llm_start + dur;
            if inner.len() + spans.len() + 3 < spans_per_run && call < 2 {
                let tool = TOOLS[rng.below(TOOLS.len() as u64) as usize];
                let tdur = 5_000_000 + rng.below(300_000_000);
                let failed = rng.below(50) == 0;
                inner.push(Span {
                    trace_id: trace_id.to_vec(),
                    span_id: new_id(),
                    parent_span_id: agent_id.clone(),
                    name: format!("execute_tool {tool}"),
                    kind: span::SpanKind::Internal as i32,
                    start_time_unix_nano: t + 100_000,
                    end_time_unix_nano: t + 100_000 + tdur,
                    attributes: vec![
                        s("gen_ai.operation.name", "execute_tool"),
                        s("gen_ai.tool.name", tool),
                        s("gen_ai.tool.call.id", format!("call_{}", rng.next_u64())),
                        s("gen_ai.tool.call.arguments", format!(r#"{{"query":"opentelemetry agents {}"}}"#, rng.below(100))),
                        s("gen_ai.tool.call.result", format!("result text {}", rng.below(100_000))),
                    ],
                    status: Some(if failed {
                        Status { code: status::StatusCode::Error as i32, message: "TimeoutError: tool timed out".into() }
                    } else {
                        Status::default()
                    }),
                    ..Default::default()
                });
                t += tdur + 200_000;
            }
        }
        let mut agent_attrs = vec![
            s("gen_ai.operation.name", "invoke_agent"),
            s("gen_ai.agent.name", agent),
            s("gen_ai.agent.id", format!("{agent}-{run_no}")),
            s("gen_ai.agent.description", format!("The {agent} of the team.")),
            s("gen_ai.provider.name", "openai"),
        ];
        if turns > 1 {
            agent_attrs.push(s("gen_ai.handoff.from_agent", "supervisor"));
        }
        // end order: the turn's model and tool spans, then the agent span that encloses them
        spans.extend(inner);
        spans.push(Span {
            trace_id: trace_id.to_vec(),
            span_id: agent_id,
            parent_span_id: root_id.clone(),
            name: format!("invoke_agent {agent}"),
            kind: span::SpanKind::Internal as i32,
            start_time_unix_nano: agent_start,
            end_time_unix_nano: t + 500_000,
            attributes: agent_attrs,
            ..Default::default()
        });
        t += 1_000_000;
    }
    spans.push(Span {
        trace_id: trace_id.to_vec(),
        span_id: root_id,
        name: "invoke_agent team".into(),
        kind: span::SpanKind::Server as i32,
        start_time_unix_nano: start_ns,
        end_time_unix_nano: t + 1_000_000,
        attributes: vec![s("gen_ai.operation.name", "invoke_workflow"), s("gen_ai.agent.name", "team")],
        ..Default::default()
    });
    spans
}

/// Export requests of `batch` spans each (the BatchSpanProcessor default is 512), `total` spans in all
/// (the last run cut short).
pub fn requests(total: usize, batch: usize, spans_per_run: usize, seed: u64) -> Vec<ExportTraceServiceRequest> {
    let mut all = spans_of_runs(|all| all.len() < total, spans_per_run, seed);
    all.truncate(total);
    into_requests(all, batch, seed)
}

/// Export requests of `batch` spans each carrying `runs` whole runs (each ends with its root span).
pub fn whole_run_requests(runs: usize, batch: usize, spans_per_run: usize, seed: u64) -> Vec<ExportTraceServiceRequest> {
    let mut n = 0;
    let all = spans_of_runs(
        |_| {
            n += 1;
            n <= runs
        },
        spans_per_run,
        seed,
    );
    into_requests(all, batch, seed)
}

fn spans_of_runs(mut more: impl FnMut(&[Span]) -> bool, spans_per_run: usize, seed: u64) -> Vec<Span> {
    let mut rng = Rng::new(seed ^ 0x9e37_79b9_7f4a_7c15);
    let mut all = Vec::new();
    let base = 1_790_000_000_000_000_000u64 + (seed % 1000) * 3_600_000_000_000;
    let mut run = 0u64;
    while more(&all) {
        all.extend(run_spans(&mut rng, run, seed, spans_per_run, base + run * 5_000_000_000));
        run += 1;
    }
    all
}

fn into_requests(all: Vec<Span>, batch: usize, seed: u64) -> Vec<ExportTraceServiceRequest> {
    let resource = Resource {
        attributes: vec![
            s("service.name", "bench-agents"),
            s("service.instance.id", format!("bench-{seed}")),
            s("telemetry.sdk.language", "rust"),
        ],
        ..Default::default()
    };
    all.chunks(batch)
        .map(|chunk| ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(resource.clone()),
                scope_spans: vec![ScopeSpans {
                    scope: Some(InstrumentationScope { name: "agenttrace.bench".into(), version: "1".into(), ..Default::default() }),
                    spans: chunk.to_vec(),
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            }],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The spans of a run come in end order: end times never decrease, every span after all its
    /// children, each agent span right after its own model/tool spans, the root last.
    #[test]
    fn run_spans_in_end_order() {
        for n in [1usize, 2, 5, 6, 7, 50, 513, 10_000] {
            let mut rng = Rng::new(42);
            let spans = run_spans(&mut rng, 7, 42, n, 1_790_000_000_000_000_000);
            let pos: HashMap<&[u8], usize> = spans.iter().enumerate().map(|(k, s)| (s.span_id.as_slice(), k)).collect();
            assert_eq!(pos.len(), spans.len(), "span ids unique (n={n})");
            assert!(spans.windows(2).all(|w| w[0].end_time_unix_nano <= w[1].end_time_unix_nano), "end times never decrease (n={n})");
            let root = spans.last().unwrap();
            assert!(root.parent_span_id.is_empty() && root.name == "invoke_agent team");
            for (k, sp) in spans.iter().enumerate() {
                if !sp.parent_span_id.is_empty() {
                    assert!(pos[sp.parent_span_id.as_slice()] > k, "child before parent (n={n})");
                }
                if sp.name.starts_with("chat") || sp.name.starts_with("execute_tool") {
                    // the next span that is not a sibling is this span's parent
                    let next = spans[k + 1..].iter().find(|o| o.parent_span_id != sp.parent_span_id).unwrap();
                    assert_eq!(next.span_id, sp.parent_span_id, "agent span right after its inner spans (n={n})");
                }
            }
        }
    }
}
