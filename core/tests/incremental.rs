//! Incremental derivation gives exactly what whole-run analysis gives: runs fed batch
//! by batch through `incremental::apply` (falling back to whole-run analysis where it answers
//! None), against an in-memory store that keeps what the extension keeps, are compared after
//! every batch with `analyze_run` over everything stored so far: span owners, tool calls,
//! messages, agents, checkpoints, outcome, framework, search text, and the state itself.
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use agenttrace_core::analyze::analyze_run;
use agenttrace_core::corpus::captures;
use agenttrace_core::ids::{SpanId, TraceId};
use agenttrace_core::incremental::{apply, RunStore};
use agenttrace_core::model::{Attributes, Resource, SpanRecord};
use agenttrace_core::normalize::{AgentMessage, AgentSummary, SpanCategory, SpanFacts, ToolCall};
use agenttrace_core::otlp::{decode_body, Limits};
use agenttrace_core::replay::{extract_checkpoints, Checkpoint};
use agenttrace_core::rng::Rng;
use agenttrace_core::rows::{RunTotals, SpanRow};
use agenttrace_core::run::{OrderKey, RunState, SpanKey, StoredSpan};
use serde_json::{json, Value};

const RUN: TraceId = [7; 16];

/// What the extension stores for one run.
#[derive(Default)]
struct Mem {
    spans: Vec<SpanRecord>,
    facts: HashMap<SpanKey, SpanFacts>,
    tool_calls: BTreeMap<SpanKey, ToolCall>,
    messages: Vec<AgentMessage>,
    agents: BTreeMap<String, AgentSummary>,
    checkpoints: Vec<Checkpoint>,
    state: Option<RunState>,
    fast: usize,
    full: usize,
    /// Reads of all the run's error spans (the error forest built again).
    error_reads: usize,
}

fn stored(s: &SpanRecord, f: &SpanFacts) -> StoredSpan {
    StoredSpan {
        trace_id: s.trace_id,
        span_id: s.span_id,
        parent: s.parent_span_id,
        start: s.start_time_unix_nano,
        end: s.end_time_unix_nano,
        category: f.category,
        owner: f.agent_name.clone(),
        tool_name: f.tool_name.clone(),
        framework: f.framework.clone(),
        is_error: f.is_error,
        input_tokens: f.input_tokens,
        output_tokens: f.output_tokens,
        error_type: f.error_type.clone(),
        error_message: f.error_message.clone(),
    }
}

impl RunStore for Mem {
    type Error = ();
    fn spans(&mut self, keys: &[SpanKey]) -> Result<Vec<StoredSpan>, ()> {
        Ok(self
            .spans
            .iter()
            .filter(|s| keys.contains(&(s.trace_id, s.span_id)))
            .map(|s| stored(s, &self.facts[&(s.trace_id, s.span_id)]))
            .collect())
    }
    fn children(&mut self, parents: &[SpanKey]) -> Result<Vec<StoredSpan>, ()> {
        Ok(self
            .spans
            .iter()
            .filter(|s| s.parent_span_id.is_some_and(|p| parents.contains(&(s.trace_id, p))))
            .map(|s| stored(s, &self.facts[&(s.trace_id, s.span_id)]))
            .collect())
    }
    fn errors(&mut self) -> Result<Vec<StoredSpan>, ()> {
        self.error_reads += 1;
        Ok(self.spans.iter().map(|s| stored(s, &self.facts[&(s.trace_id, s.span_id)])).filter(|s| s.is_error).collect())
    }
    fn turns(&mut self) -> Result<Vec<(StoredSpan, Option<String>, Option<String>)>, ()> {
        Ok(self
            .spans
            .iter()
            .filter_map(|s| {
                let f = &self.facts[&(s.trace_id, s.span_id)];
                (f.category == SpanCategory::Agent && f.agent_name.is_some())
                    .then(|| (stored(s, f), f.input_text.clone(), f.output_text.clone()))
            })
            .collect())
    }
    fn turns_before(&mut self, keys: &[OrderKey]) -> Result<Vec<Option<(OrderKey, String)>>, ()> {
        Ok(keys
            .iter()
            .map(|k| {
                self.spans
                    .iter()
                    .filter_map(|s| {
                        let f = &self.facts[&(s.trace_id, s.span_id)];
                        (f.category == SpanCategory::Agent && OrderKey::of(s) < *k).then_some(())?;
                        Some((OrderKey::of(s), f.agent_name.clone()?))
                    })
                    .max_by_key(|(k, _)| *k)
            })
            .collect())
    }
}

fn totals(spans: &[SpanRecord], facts: &[SpanFacts]) -> RunTotals {
    let mut t = RunTotals::default();
    for (s, f) in spans.iter().zip(facts) {
        t.add(&SpanRow::without_attributes(s, f, RUN));
    }
    t
}

impl Mem {
    fn ingest(&mut self, batch: Vec<SpanRecord>) {
        let mut new: Vec<SpanRecord> = Vec::new();
        for s in batch {
            let k = (s.trace_id, s.span_id);
            if !self.facts.contains_key(&k) && !new.iter().any(|n| (n.trace_id, n.span_id) == k) {
                new.push(s);
            }
        }
        if new.is_empty() {
            return;
        }
        // The state goes through its stored form (JSON) as in the extension.
        let stored_state: Option<RunState> =
            self.state.as_ref().map(|st| serde_json::from_str(&serde_json::to_string(st).unwrap()).unwrap());
        if let (Some(a), Some(b)) = (&stored_state, &self.state) {
            assert_eq!(a, b, "state survives JSON");
        }
        let delta = match stored_state {
            Some(st) => apply(&st, RUN, &new, self).unwrap(),
            None => None,
        };
        match delta {
            Some(d) => {
                self.fast += 1;
                for (s, f) in new.into_iter().zip(d.facts) {
                    self.facts.insert((s.trace_id, s.span_id), f);
                    self.spans.push(s);
                }
                for (k, a) in d.owners {
                    for c in self.checkpoints.iter_mut().filter(|c| (c.trace_id, c.span_id) == k) {
                        c.agent_name = Some(a.clone());
                    }
                    self.facts.get_mut(&k).unwrap().agent_name = Some(a.clone());
                    if let Some(t) = self.tool_calls.get_mut(&k) {
                        t.agent_name = Some(a);
                    }
                }
                for k in d.dropped_tool_calls {
                    self.tool_calls.remove(&k);
                }
                for t in d.tool_calls {
                    assert!(self.tool_calls.insert((t.trace_id, t.span_id), t).is_none());
                }
                if d.replace_messages {
                    self.messages.clear();
                }
                for m in d.messages {
                    assert_eq!(m.seq as usize, self.messages.len());
                    self.messages.push(m);
                }
                for a in d.agents {
                    self.agents.insert(a.agent_name.clone(), a);
                }
                for c in d.checkpoints {
                    assert_eq!(c.seq as usize, self.checkpoints.len());
                    self.checkpoints.push(c);
                }
                self.state = Some(d.state);
            }
            None => {
                self.full += 1;
                self.spans.extend(new);
                let an = analyze_run(&self.spans);
                self.facts = self.spans.iter().zip(&an.facts).map(|(s, f)| ((s.trace_id, s.span_id), f.clone())).collect();
                self.tool_calls = an.tool_calls.iter().map(|t| ((t.trace_id, t.span_id), t.clone())).collect();
                self.messages = an.messages.clone();
                self.agents = an.agents.iter().map(|a| (a.agent_name.clone(), a.clone())).collect();
                self.checkpoints = extract_checkpoints(&self.spans, &an.facts);
                self.state = Some(RunState::new(an.sketch.clone(), totals(&self.spans, &an.facts)));
            }
        }
    }

    /// Everything stored equals whole-run analysis of the stored spans.
    fn check(&self, what: &str) {
        let an = analyze_run(&self.spans);
        for (s, f) in self.spans.iter().zip(&an.facts) {
            let mine = &self.facts[&(s.trace_id, s.span_id)];
            assert_eq!((&mine.agent_name, mine.category), (&f.agent_name, f.category), "{what}: facts of span {:?}", s.name);
        }
        let tools: BTreeMap<SpanKey, ToolCall> = an.tool_calls.iter().map(|t| ((t.trace_id, t.span_id), t.clone())).collect();
        assert_eq!(self.tool_calls, tools, "{what}: tool calls");
        assert_eq!(self.messages, an.messages, "{what}: messages");
        let agents: BTreeMap<String, AgentSummary> = an.agents.iter().map(|a| (a.agent_name.clone(), a.clone())).collect();
        assert_eq!(self.agents, agents, "{what}: agents");
        assert_eq!(self.checkpoints, extract_checkpoints(&self.spans, &an.facts), "{what}: checkpoints");
        let whole = RunState::new(an.sketch.clone(), totals(&self.spans, &an.facts));
        let state = self.state.as_ref().unwrap();
        assert_eq!(state.sketch.outcome, an.outcome, "{what}: outcome");
        assert_eq!(state.framework(), an.framework, "{what}: framework");
        assert_eq!(state.search_text(), whole.search_text(), "{what}: search text");
        assert_eq!(state, &whole, "{what}: state");
    }
}

/// A span of `trace` from `when.start` to `when.end`; `error` sets an error status with that message.
fn rec(trace: TraceId, id: u64, parent: Option<u64>, name: &str, attrs: Value, when: Range<u64>, error: Option<&str>) -> SpanRecord {
    let attributes: Attributes = attrs.as_object().cloned().unwrap_or_default();
    SpanRecord {
        trace_id: trace,
        span_id: id.to_be_bytes() as SpanId,
        parent_span_id: parent.map(|p| p.to_be_bytes()),
        name: name.into(),
        start_time_unix_nano: when.start,
        end_time_unix_nano: when.end,
        status_code: if error.is_some() { 2 } else { 0 },
        status_message: error.unwrap_or("").into(),
        attributes,
        resource: std::sync::Arc::new(Resource::new(Attributes::new(), "svc".into())),
        trace_state: String::new(),
        flags: 0,
        kind: 1,
        dropped_attributes_count: 0,
        events: Vec::new(),
        dropped_events_count: 0,
        links: Vec::new(),
        dropped_links_count: 0,
        scope_name: String::new(),
        scope_version: String::new(),
    }
}

/// A generated agent run in the order an SDK exports it (children end before parents), with
/// model and tool calls, failing tools, nested sub-agents and duplicate instrumentation.
fn generated(rng: &mut Rng, turns: usize, root_agent: bool, handoffs: bool) -> Vec<SpanRecord> {
    let trace = RUN;
    let mut out = Vec::new();
    let mut next = 1u64;
    let mut id = || {
        next += 1;
        next | 1 << 63
    };
    let root = id();
    let agents = ["planner", "researcher", "coder", "reviewer"];
    let mut t = 1_000_000u64;
    let mut upcoming = agents[rng.below(agents.len())];
    for k in 0..turns {
        let agent = upcoming;
        upcoming = agents[rng.below(agents.len())];
        let aid = id();
        let a_start = t;
        let mut inner = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let lid = id();
            let dur = 100 + rng.below(500) as u64;
            if rng.below(6) == 0 {
                // The same model call recorded twice (an inner client span, exported first).
                let mut a = json!({"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 3});
                if rng.below(2) == 0 {
                    a["gen_ai.agent.name"] = json!(agent); // instrumentations that name the agent on model spans
                }
                inner.push(rec(trace, id(), Some(lid), "chat inner", a, t + 2..t + dur, None));
            }
            inner.push(rec(trace, lid, Some(aid), "chat m", json!({"gen_ai.operation.name": "chat", "gen_ai.request.model": "m1",
                "gen_ai.usage.input_tokens": 10 + rng.below(90), "gen_ai.usage.output_tokens": 5 + rng.below(20),
                "gen_ai.output.messages": format!(r#"[{{"role":"assistant","parts":[{{"type":"text","content":"answer {}"}}]}}]"#, rng.below(100))}), t + 1..t + 1 + dur, None));
            t += dur + 2;
            if rng.below(2) == 0 {
                let tool = ["search", "python", "read"][rng.below(3)];
                let tid = id();
                let fails = rng.below(5) == 0;
                if rng.below(5) == 0 {
                    inner.push(rec(
                        trace,
                        id(),
                        Some(tid),
                        &format!("execute_tool {tool}"),
                        json!({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool}),
                        t + 2..t + 40,
                        None,
                    ));
                }
                if rng.below(4) == 0 {
                    // A plain span under the tool (inherits the agent), and one under it; the
                    // failure sometimes starts down there.
                    let hid = id();
                    let deep = fails && rng.below(2) == 0;
                    inner.push(rec(trace, id(), Some(hid), "dns", json!({}), t + 4..t + 5, deep.then_some("dns: no such host")));
                    inner.push(rec(
                        trace,
                        hid,
                        Some(tid),
                        "http get",
                        json!({"http.method": "GET"}),
                        t + 3..t + 30,
                        deep.then_some("ConnectError"),
                    ));
                }
                inner.push(rec(
                    trace,
                    tid,
                    Some(aid),
                    &format!("execute_tool {tool}"),
                    json!({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool,
                    "gen_ai.tool.call.arguments": "{\"q\":1}"}),
                    t + 1..t + 50,
                    fails.then_some("TimeoutError: tool timed out"),
                ));
                t += 52;
            }
            if rng.below(8) == 0 && k > 0 {
                // A sub-agent called from inside this agent.
                let sid = id();
                let s_start = t + 1;
                let lid = id();
                inner.push(rec(
                    trace,
                    lid,
                    Some(sid),
                    "chat m",
                    json!({"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 7}),
                    t + 2..t + 20,
                    None,
                ));
                // Called directly, or as a tool (agent-as-tool: the tool span is its parent).
                let as_tool = rng.below(2) == 0;
                let tool_id = id();
                let helper_parent = if as_tool { tool_id } else { aid };
                inner.push(rec(
                    trace,
                    sid,
                    Some(helper_parent),
                    "invoke_agent helper",
                    json!({"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "helper",
                    "gen_ai.input.messages": "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"help me\"}]}]"}),
                    s_start..t + 25,
                    None,
                ));
                if as_tool {
                    // The tool runs inside a step span that names the agent but is not a turn.
                    let step = id();
                    inner.push(rec(
                        trace,
                        tool_id,
                        Some(step),
                        "execute_tool helper",
                        json!({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "helper"}),
                        s_start - 1..t + 26,
                        None,
                    ));
                    inner.push(rec(trace, step, Some(aid), "step", json!({"gen_ai.agent.name": agent}), s_start - 2..t + 27, None));
                }
                t += 26;
            }
        }
        let mut attrs = json!({"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent, "gen_ai.agent.description": format!("the {agent}")});
        if rng.below(3) == 0 {
            attrs["gen_ai.input.messages"] = json!(format!(r#"[{{"role":"user","parts":[{{"type":"text","content":"task {k}"}}]}}]"#));
        }
        // Coordinators say what to do, then only who acts next: the message to that agent carries
        // the instruction, which may be several turns back.
        let said = match rng.below(4) {
            0 => Some(format!("Next speaker {upcoming}")),
            1 => Some(format!("instruction {k}: {upcoming}, check the figures of part {}", rng.below(9))),
            _ => None,
        };
        if let Some(said) = said {
            attrs["gen_ai.output.messages"] = json!(format!(r#"[{{"role":"assistant","parts":[{{"type":"text","content":"{said}"}}]}}]"#));
        }
        // Runs with handoff spans record some hand-overs as such (the rest of the turn order is
        // then read as messages too); some hand over to another agent than the next to act.
        if handoffs && upcoming != agent && rng.below(2) == 0 {
            let to = if rng.below(4) == 0 { agents[rng.below(agents.len())] } else { upcoming };
            inner.push(rec(
                trace,
                id(),
                Some(aid),
                "agent_handoff",
                json!({"gen_ai.operation.name": "agent_handoff", "gen_ai.handoff.from_agent": agent, "gen_ai.handoff.to_agent": to}),
                t + 1..t + 2,
                None,
            ));
            t += 3;
        }
        let failed = rng.below(12) == 0;
        inner.push(rec(trace, aid, Some(root), &format!("invoke_agent {agent}"), attrs, a_start..t + 5, failed.then_some("agent failed")));
        out.extend(inner);
        t += 10;
    }
    let root_attrs = if root_agent {
        json!({"gen_ai.operation.name": "invoke_workflow", "gen_ai.agent.name": "team"})
    } else {
        json!({"input.value": "the task"})
    };
    out.push(rec(trace, root, None, "workflow", root_attrs, 0..t + 20, None));
    out
}

/// Feeds the spans batch by batch, checking after each: (batches extended, batches analysed
/// whole, reads of all the run's error spans).
fn feed(spans: &[SpanRecord], rng: &mut Rng, max_batch: usize, shuffle: bool, what: &str) -> (usize, usize, usize) {
    let mut order: Vec<SpanRecord> = spans.to_vec();
    if shuffle {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
    }
    let mut mem = Mem::default();
    let mut i = 0;
    let mut step = 0;
    while i < order.len() {
        let n = 1 + rng.below(max_batch);
        let mut batch: Vec<SpanRecord> = order[i..(i + n).min(order.len())].to_vec();
        if i > 0 && rng.below(6) == 0 {
            batch.push(order[rng.below(i)].clone()); // re-delivery
        }
        mem.ingest(batch);
        mem.check(&format!("{what} step {step}"));
        i += n;
        step += 1;
    }
    (mem.fast, mem.full, mem.error_reads)
}

#[test]
fn generated_runs_in_export_order_are_extended_not_reanalysed() {
    let mut rng = Rng(0x5eed_1234_abcd);
    let (mut fast, mut full, mut error_reads, mut failed) = (0, 0, 0, 0);
    for r in 0..40 {
        let turns = 10 + rng.below(40);
        let spans = generated(&mut rng, turns, r % 2 == 0, false);
        failed += spans.iter().any(|s| s.status_code == 2) as usize;
        let (f, w, e) = feed(&spans, &mut rng, 16, false, &format!("generated run {r}"));
        fast += f;
        full += w;
        error_reads += e;
    }
    // Runs with handoff spans: compared with whole-run analysis after every batch too (a handoff
    // exported before the turn it sits in sends that batch to whole-run analysis).
    for r in 0..12 {
        let turns = 10 + rng.below(40);
        let spans = generated(&mut rng, turns, r % 2 == 0, true);
        feed(&spans, &mut rng, 16, false, &format!("generated run with handoffs {r}"));
    }
    eprintln!("export order: {fast} batches extended, {full} analysed whole, {error_reads} error reads ({failed} runs with errors)");
    // Only the first batch of each run (no state yet) is analysed whole.
    assert!(full <= 40 && fast > 10 * full, "fast path taken too rarely: {fast} fast, {full} full");
    // Children end before their parents: the error forest is extended, never built again from
    // all of the run's error spans.
    assert!(failed > 20, "{failed}");
    assert_eq!(error_reads, 0, "error forest rebuilt in export order");
}

#[test]
fn generated_runs_in_random_order_match_whole_analysis() {
    let mut rng = Rng(0x0dd_0bad_cafe);
    let mut error_reads = 0;
    for r in 0..40 {
        let turns = 5 + rng.below(20);
        let spans = generated(&mut rng, turns, r % 3 == 0, r % 3 == 1);
        error_reads += feed(&spans, &mut rng, 8, true, &format!("shuffled run {r}")).2;
    }
    // An error child after its stored error parent builds the forest again: that path is
    // compared with whole-run analysis too.
    assert!(error_reads > 0);
}

/// A capture's spans (deduplicated) fed in export order (end time) and shuffled.
fn feed_in_end_order_and_shuffled(mut spans: Vec<SpanRecord>, rng: &mut Rng, name: &str) {
    let mut seen = std::collections::HashSet::new();
    spans.retain(|s| seen.insert((s.trace_id, s.span_id)));
    spans.sort_by_key(|s| (s.end_time_unix_nano, s.start_time_unix_nano));
    feed(&spans, rng, 6, false, &format!("{name} in end order"));
    feed(&spans, rng, 6, true, &format!("{name} shuffled"));
}

#[test]
fn corpus_captures_in_any_order_match_whole_analysis() {
    let caps = captures();
    if caps.is_empty() {
        eprintln!("corpus not found: skipped");
        return;
    }
    let mut rng = Rng(0xc0ffee);
    for c in &caps {
        let mut spans = Vec::new();
        for b in &c.bodies {
            let raw = std::fs::read(&b.bin).unwrap();
            let d = decode_body(&raw, Some(&b.content_type), b.content_encoding.as_deref(), &Limits::default()).unwrap();
            spans.extend(d.spans);
        }
        feed_in_end_order_and_shuffled(spans, &mut rng, &c.name);
    }
}

/// The framework captures of `tests/frameworks/captures` (log events folded into their spans, as
/// ingest does): tool calls whose arguments only the model messages carry and handoffs through
/// tool calls are derived by whole-run analysis, so their runs are analysed whole from then on;
/// in any order the rows match.
#[test]
fn framework_captures_in_any_order_match_whole_analysis() {
    let caps = agenttrace_core::corpus::framework_captures();
    assert!(caps.len() >= 10, "framework captures in tests/frameworks/captures");
    let mut rng = Rng(0xf4a3e);
    for c in &caps {
        feed_in_end_order_and_shuffled(agenttrace_core::corpus::load_run(c), &mut rng, &c.name);
    }
}

/// Agents run as tools (a tool span, a workflow span, the sub-agent's span without input): with
/// an instruction in the tool's arguments whole-run analysis hands it to the sub-agent and such
/// runs are analysed whole; without one, in export order and in reverse, every batch after the
/// first is extended.
#[test]
fn agents_as_tools_extend_unless_the_tool_hands_over_an_instruction() {
    let run = |with_args: bool| {
        let mut out = vec![rec(RUN, 1, None, "workflow", json!({}), 0..1_000_000, None)];
        let mut t = 10u64;
        for k in 0..40u64 {
            let (a, tool, wf, sub, llm) = (10 + k * 5, 11 + k * 5, 12 + k * 5, 13 + k * 5, 14 + k * 5);
            let mut tool_attrs = json!({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "helper"});
            if with_args {
                tool_attrs["gen_ai.tool.call.arguments"] = json!(format!(r#"{{"request": "step {k}"}}"#));
            }
            let agent = json!({"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "lead"});
            let helper = json!({"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "helper"});
            let chat = json!({"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 5, "gen_ai.usage.output_tokens": 1});
            out.push(rec(RUN, llm, Some(sub), "chat m", chat, t + 4..t + 5, None));
            out.push(rec(RUN, sub, Some(wf), "invoke_agent helper", helper, t + 3..t + 6, None));
            out.push(rec(RUN, wf, Some(tool), "invoke_workflow helper", json!({}), t + 2..t + 7, None));
            out.push(rec(RUN, tool, Some(a), "execute_tool helper", tool_attrs, t + 1..t + 8, None));
            out.push(rec(RUN, a, Some(1), "invoke_agent lead", agent, t..t + 9, None));
            t += 10;
        }
        let root = out.remove(0);
        out.push(root);
        out
    };
    let mut rng = Rng(0xa9e7_70015);
    for reverse in [false, true] {
        let mut spans = run(false);
        if reverse {
            spans.reverse();
        }
        let (fast, full, _) = feed(&spans, &mut rng, 8, false, &format!("agents as tools without arguments, reverse {reverse}"));
        assert_eq!(full, 1, "without arguments, reverse {reverse}: {fast} extended, {full} analysed whole");
        let (_, full, _) = feed(&run(true), &mut rng, 8, false, "agents as tools with an instruction");
        assert!(full > 1, "with an instruction: analysed whole once the delegation is seen");
    }
    let spans = run(true);
    let a = analyze_run(&spans);
    let to_helper: Vec<Option<&str>> = a.messages.iter().filter(|m| m.to_agent == "helper").map(|m| m.content.as_deref()).collect();
    assert_eq!(to_helper.len(), 40);
    assert_eq!(to_helper[3], Some("step 3"));
}
