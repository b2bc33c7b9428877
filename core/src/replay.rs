//! Checkpoints (states a run passed through, for resuming) and step-by-step diffs of a replay
//! against its original run.
//!
//! Checkpoint sources, in order of authority:
//! * explicit `agenttrace.checkpoint` span events, or spans with an `agenttrace.checkpoint.state`
//!   attribute (any SDK can emit them; see the README's convention);
//! * LangGraph steps (the normalizers' graph node/step facts) with the node's input state;
//! * agent turns (the input an agent received) and model calls (the conversation sent to the
//!   model): these are already in the stored spans, so `agenttrace.checkpoints()` lists them
//!   from the spans table at read time and [`span_state`] rebuilds their state.
use serde::Serialize;
use serde_json::{json, Value};

use crate::ids::{SpanId, TraceId};
use crate::model::SpanRecord;
use crate::normalize::{ChatMessage, SpanCategory, SpanFacts};

/// Name of the span event that marks an explicit checkpoint.
pub const CHECKPOINT_EVENT: &str = "agenttrace.checkpoint";
/// Attribute holding the state (JSON text or a structured value) on the event or the span.
pub const CHECKPOINT_STATE_ATTR: &str = "agenttrace.checkpoint.state";
/// Optional attributes: a caller-chosen id and step number.
pub const CHECKPOINT_ID_ATTR: &str = "agenttrace.checkpoint.id";
pub const CHECKPOINT_STEP_ATTR: &str = "agenttrace.checkpoint.step";
/// Replays name their original run (trace id hex) and the checkpoint they resumed from, as
/// resource or span attributes. A span link with `agenttrace.link.type = replay_of` is the
/// other way to say it; such links do not merge the replay into the original run.
pub const REPLAY_OF_RUN_ATTR: &str = "agenttrace.replay.of_run";
pub const REPLAY_OF_CHECKPOINT_ATTR: &str = "agenttrace.replay.of_checkpoint";
pub const LINK_TYPE_ATTR: &str = "agenttrace.link.type";

/// Text kept per message/field in a checkpoint state.
const STATE_TEXT_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checkpoint {
    /// 0-based, time order within the run.
    pub seq: i64,
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub time_ns: u64,
    pub agent_name: Option<String>,
    /// `explicit`, `graph_step`, `agent_turn` or `llm_input`.
    pub kind: &'static str,
    /// Null for `agent_turn` and `llm_input`: rebuilt from the span by [`span_state`] on read.
    pub step: Option<i64>,
    pub state: Value,
}

fn cut(s: &str) -> String {
    crate::rows::excerpt(s, STATE_TEXT_BYTES)
}

fn messages_json(msgs: &[ChatMessage]) -> Value {
    Value::Array(
        msgs.iter()
            .map(|m| {
                let mut o = json!({"role": m.role, "content": cut(&m.content)});
                if let Some(n) = &m.name {
                    o["name"] = json!(n);
                }
                if !m.tool_calls.is_empty() {
                    o["tool_calls"] = json!(m
                        .tool_calls
                        .iter()
                        .map(|t| json!({"id": t.id, "name": t.name, "arguments": cut(&t.arguments)}))
                        .collect::<Vec<_>>());
                }
                if let Some(id) = &m.tool_call_id {
                    o["tool_call_id"] = json!(id);
                }
                o
            })
            .collect(),
    )
}

/// A JSON-looking string becomes structured state; anything else stays text.
fn state_value(v: &Value) -> Value {
    match v {
        Value::String(s) => {
            let t = s.trim_start();
            if (t.starts_with('{') || t.starts_with('[')) && s.len() <= 4 * STATE_TEXT_BYTES {
                serde_json::from_str(s).unwrap_or_else(|_| json!(cut(s)))
            } else {
                json!(cut(s))
            }
        }
        other => other.clone(),
    }
}

fn int_attr(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Where a span's checkpoint comes from: an explicit event, the span's own state attribute, or
/// (without either) a LangGraph node execution.
enum Source<'a> {
    Event(&'a crate::model::SpanEvent),
    Attribute(&'a Value),
    Step(&'a str, i64),
}

/// The checkpoints a span holds, with their times.
fn sources<'a>(s: &'a SpanRecord, f: &'a SpanFacts) -> Vec<(u64, Source<'a>)> {
    let mut out: Vec<(u64, Source<'a>)> =
        s.events.iter().filter(|e| e.name == CHECKPOINT_EVENT).map(|e| (e.time_unix_nano, Source::Event(e))).collect();
    if let Some(v) = s.attributes.get(CHECKPOINT_STATE_ATTR) {
        out.push((s.start_time_unix_nano, Source::Attribute(v)));
    }
    if out.is_empty() {
        if let (Some(node), Some(step)) = (&f.graph_node, f.graph_step) {
            // One checkpoint per graph node execution: the node's chain span, not each LLM call in it.
            if matches!(f.category, SpanCategory::Chain | SpanCategory::Agent) {
                out.push((s.start_time_unix_nano, Source::Step(node, step)));
            }
        }
    }
    out
}

/// All checkpoints of one run. `facts` is parallel to `spans`.
pub fn extract_checkpoints(spans: &[SpanRecord], facts: &[SpanFacts]) -> Vec<Checkpoint> {
    let mut out = Vec::new();
    for (s, f) in spans.iter().zip(facts) {
        for (time_ns, source) in sources(s, f) {
            let (kind, step, state) = match source {
                Source::Event(e) => {
                    let mut state = e.attributes.get(CHECKPOINT_STATE_ATTR).map(state_value).unwrap_or(Value::Object(e.attributes.clone()));
                    if let Some(id) = e.attributes.get(CHECKPOINT_ID_ATTR) {
                        state = json!({"checkpoint_id": id, "state": state});
                    }
                    ("explicit", int_attr(e.attributes.get(CHECKPOINT_STEP_ATTR)), state)
                }
                Source::Attribute(v) => ("explicit", int_attr(s.attributes.get(CHECKPOINT_STEP_ATTR)), state_value(v)),
                Source::Step(node, step) => {
                    let input = f.input_text.as_deref().map(|t| state_value(&Value::String(t.to_string()))).unwrap_or(Value::Null);
                    ("graph_step", Some(step), json!({"node": node, "step": step, "input": input}))
                }
            };
            out.push(Checkpoint {
                seq: 0,
                trace_id: s.trace_id,
                span_id: s.span_id,
                time_ns,
                agent_name: f.agent_name.clone(),
                kind,
                step,
                state,
            });
        }
    }
    out.sort_by_key(|c| (c.time_ns, c.trace_id, c.span_id));
    for (i, c) in out.iter_mut().enumerate() {
        c.seq = i as i64;
    }
    out
}

/// The time-order keys `(time, trace id, span id)` of the checkpoints [`extract_checkpoints`]
/// finds, without building their states.
pub fn checkpoint_keys(spans: &[SpanRecord], facts: &[SpanFacts]) -> Vec<(u64, TraceId, SpanId)> {
    let mut out: Vec<(u64, TraceId, SpanId)> =
        spans.iter().zip(facts).flat_map(|(s, f)| sources(s, f).into_iter().map(|(t, _)| (t, s.trace_id, s.span_id))).collect();
    out.sort();
    out
}

/// The state of a lazily stored checkpoint (`agent_turn`, `llm_input`), rebuilt from its span.
pub fn span_state(kind: &str, agent: Option<&str>, f: &SpanFacts) -> Value {
    match kind {
        "llm_input" => json!({"agent": agent, "model": f.model, "messages": messages_json(&f.input_messages)}),
        _ => {
            let input = if !f.input_messages.is_empty() {
                messages_json(&f.input_messages)
            } else {
                f.input_text.as_deref().map(|t| state_value(&Value::String(t.to_string()))).unwrap_or(Value::Null)
            };
            json!({"agent": agent, "input": input})
        }
    }
}

/// What a replay says about its origin, from resource/span attributes or a typed link.
pub fn replay_origin(spans: &[SpanRecord]) -> Option<(String, Option<i64>)> {
    for s in spans {
        for attrs in [&s.attributes, &s.resource.attributes] {
            if let Some(Value::String(run)) = attrs.get(REPLAY_OF_RUN_ATTR) {
                return Some((run.clone(), int_attr(attrs.get(REPLAY_OF_CHECKPOINT_ATTR))));
            }
        }
        for l in &s.links {
            if l.attributes.get(LINK_TYPE_ATTR).and_then(Value::as_str) == Some("replay_of") {
                return Some((crate::ids::to_hex(&l.trace_id), int_attr(l.attributes.get(REPLAY_OF_CHECKPOINT_ATTR))));
            }
        }
    }
    None
}

/// True for links that must not stitch two traces into one run.
pub fn is_replay_link(attrs: &crate::model::Attributes) -> bool {
    attrs.get(LINK_TYPE_ATTR).and_then(Value::as_str) == Some("replay_of")
}

/// One step of a run as the diff sees it (built from stored span columns).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub span_id: SpanId,
    pub agent: Option<String>,
    pub category: String,
    pub name: String,
    pub input: Option<String>,
    pub output: Option<String>,
    pub tool_name: Option<String>,
    pub is_error: bool,
    pub error: Option<String>,
}

impl Step {
    fn key(&self) -> (&Option<String>, &str, &str) {
        (&self.agent, &self.category, &self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepDiff {
    pub step: i64,
    /// `same`, `changed`, `added` (only in the replay) or `removed` (only in the original).
    pub change: &'static str,
    pub agent: Option<String>,
    pub category: String,
    pub name: String,
    pub original: Option<SpanId>,
    pub replay: Option<SpanId>,
    /// For `changed`: which of input, output, tool, error differ, with both values.
    pub details: Value,
}

/// Aligns two runs' steps (longest common subsequence on agent/category/name) and reports
/// what changed. O(n·m) table, bounded by the caller (the extension caps steps per run).
pub fn diff_steps(original: &[Step], replay: &[Step]) -> Vec<StepDiff> {
    let (n, m) = (original.len(), replay.len());
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let idx = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[idx(i, j)] =
                if original[i].key() == replay[j].key() { lcs[idx(i + 1, j + 1)] + 1 } else { lcs[idx(i + 1, j)].max(lcs[idx(i, j + 1)]) };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let push = |out: &mut Vec<StepDiff>, change, s: &Step, o: Option<SpanId>, r: Option<SpanId>, details: Value| {
        out.push(StepDiff {
            step: out.len() as i64,
            change,
            agent: s.agent.clone(),
            category: s.category.clone(),
            name: s.name.clone(),
            original: o,
            replay: r,
            details,
        })
    };
    while i < n || j < m {
        if i < n && j < m && original[i].key() == replay[j].key() {
            let (a, b) = (&original[i], &replay[j]);
            let mut details = serde_json::Map::new();
            let mut field = |name: &str, x: &Option<String>, y: &Option<String>| {
                if x != y {
                    details.insert(name.into(), json!({"original": x, "replay": y}));
                }
            };
            field("input", &a.input, &b.input);
            field("output", &a.output, &b.output);
            field("tool", &a.tool_name, &b.tool_name);
            field("error", &a.error, &b.error);
            if a.is_error != b.is_error {
                details.insert("is_error".into(), json!({"original": a.is_error, "replay": b.is_error}));
            }
            let change = if details.is_empty() { "same" } else { "changed" };
            push(&mut out, change, a, Some(a.span_id), Some(b.span_id), Value::Object(details));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[idx(i, j + 1)] >= lcs[idx(i + 1, j)]) {
            let b = &replay[j];
            push(&mut out, "added", b, None, Some(b.span_id), json!({"output": b.output, "error": b.error}));
            j += 1;
        } else {
            let a = &original[i];
            push(&mut out, "removed", a, Some(a.span_id), None, json!({"output": a.output, "error": a.error}));
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(n: u8, agent: &str, cat: &str, name: &str, out: &str) -> Step {
        Step {
            span_id: [n; 8],
            agent: Some(agent.into()),
            category: cat.into(),
            name: name.into(),
            input: Some("in".into()),
            output: Some(out.into()),
            tool_name: None,
            is_error: false,
            error: None,
        }
    }

    #[test]
    fn diff_aligns_and_reports_changes() {
        let a = vec![
            step(1, "planner", "agent", "plan", "p"),
            step(2, "researcher", "tool", "search", "x"),
            step(3, "writer", "agent", "write", "w"),
        ];
        let mut b = vec![
            step(4, "planner", "agent", "plan", "p"),
            step(5, "researcher", "tool", "search", "y"),
            step(6, "reviewer", "agent", "review", "ok"),
        ];
        b.push(step(7, "writer", "agent", "write", "w"));
        let d = diff_steps(&a, &b);
        let changes: Vec<&str> = d.iter().map(|x| x.change).collect();
        assert_eq!(changes, ["same", "changed", "added", "same"]);
        assert_eq!(d[1].details["output"]["replay"], "y");
        let d = diff_steps(&b, &a);
        assert_eq!(d.iter().map(|x| x.change).collect::<Vec<_>>(), ["same", "changed", "removed", "same"]);
        assert!(diff_steps(&[], &[]).is_empty());
    }
}
