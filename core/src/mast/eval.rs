//! Scoring the rule engine against hand-labelled runs (`core/tests/mast_fixtures/<capture>.json`,
//! written from each capture's run.log and the corpus README). Used by the corpus test and by
//! `mast_bench`, which print per-mode precision/recall.
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;

use super::{classify, MastConfig, MastReport, MODES};
use crate::analyze::analyze_run;
use crate::corpus::captures;
pub use crate::corpus::load_capture;
use crate::model::SpanRecord;

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mast_fixtures")
}

/// One labelled run compared with the engine.
#[derive(Debug, Clone)]
pub struct EvalRow {
    pub capture: String,
    pub spans: usize,
    pub want_failed: bool,
    pub got_failed: bool,
    pub want_agent: Option<String>,
    pub got_agent: Option<String>,
    pub want_span: Option<String>,
    pub got_span: Option<String>,
    pub want_modes: BTreeSet<String>,
    pub got_modes: BTreeSet<String>,
    /// Expected agent per mode vs the agents the engine named for it.
    pub mode_agent_errors: Vec<String>,
    pub micros: u128,
    pub report: MastReport,
}

impl EvalRow {
    pub fn outcome_ok(&self) -> bool {
        self.want_failed == self.got_failed
    }
    pub fn agent_ok(&self) -> bool {
        self.want_agent == self.got_agent && self.want_span.as_ref().is_none_or(|w| Some(w) == self.got_span.as_ref())
    }
    pub fn modes_ok(&self) -> bool {
        self.want_modes == self.got_modes && self.mode_agent_errors.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
pub struct ModeScore {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    /// Runs on which the mode was judgeable.
    pub judgeable: usize,
}

impl ModeScore {
    pub fn precision(&self) -> Option<f64> {
        (self.tp + self.fp > 0).then(|| self.tp as f64 / (self.tp + self.fp) as f64)
    }
    pub fn recall(&self) -> Option<f64> {
        (self.tp + self.fn_ > 0).then(|| self.tp as f64 / (self.tp + self.fn_) as f64)
    }
}

pub struct EvalReport {
    pub rows: Vec<EvalRow>,
    pub per_mode: BTreeMap<&'static str, ModeScore>,
    /// Captures without a fixture.
    pub missing: Vec<String>,
}

fn strs(v: &Value) -> BTreeSet<String> {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// Classifies every corpus capture that has a fixture and scores it.
pub fn evaluate(cfg: &MastConfig) -> EvalReport {
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    // Captures labelled for the semantic evaluation are scored there (`semantic_eval`).
    let semantic = super::semantic_eval::labels().unwrap_or_default();
    for c in captures().into_iter().filter(|c| !semantic.contains_key(&c.name)) {
        let path = fixtures_dir().join(format!("{}.json", c.name));
        let Some(fx) = std::fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str::<Value>(&t).ok()) else {
            missing.push(c.name.clone());
            continue;
        };
        let spans = load_capture(&c);
        let a = analyze_run(&spans);
        let t = std::time::Instant::now();
        let report = classify(&spans, &a, cfg);
        let micros = t.elapsed().as_micros();
        let got_modes: BTreeSet<String> = report.findings.iter().map(|f| f.mode_id.to_string()).collect();
        let mut mode_agent_errors = Vec::new();
        if let Some(m) = fx["mode_agents"].as_object() {
            for (mode, agent) in m {
                let named: BTreeSet<&str> =
                    report.findings.iter().filter(|f| f.mode_id == mode).filter_map(|f| f.agent_name.as_deref()).collect();
                if let Some(a) = agent.as_str() {
                    if !named.contains(a) {
                        mode_agent_errors.push(format!("{mode}: want agent {a}, got {named:?}"));
                    }
                }
            }
        }
        let att = report.attribution.as_ref();
        rows.push(EvalRow {
            capture: c.name.clone(),
            spans: spans.len(),
            want_failed: fx["failed"].as_bool().unwrap_or(false),
            got_failed: report.failed,
            want_agent: fx["responsible_agent"].as_str().map(str::to_string),
            got_agent: att.and_then(|a| a.responsible_agent.clone()),
            want_span: fx["decisive_span_name"].as_str().map(str::to_string),
            got_span: att.and_then(|a| a.decisive_span.as_ref().map(|s| s.name.clone())),
            want_modes: strs(&fx["modes"]),
            got_modes,
            mode_agent_errors,
            micros,
            report,
        });
    }
    let mut per_mode: BTreeMap<&'static str, ModeScore> = MODES.iter().map(|m| (m.id, ModeScore::default())).collect();
    for r in &rows {
        for m in MODES {
            let s = per_mode.get_mut(m.id).expect("mode");
            let (w, g) = (r.want_modes.contains(m.id), r.got_modes.contains(m.id));
            match (w, g) {
                (true, true) => s.tp += 1,
                (false, true) => s.fp += 1,
                (true, false) => s.fn_ += 1,
                _ => {}
            }
            if r.report.modes.iter().any(|x| x.mode_id == m.id && x.status == "judgeable") {
                s.judgeable += 1;
            }
        }
    }
    EvalReport { rows, per_mode, missing }
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.2}", x)).unwrap_or_else(|| "  - ".into())
}

impl EvalReport {
    /// Human-readable table: per run, then per mode.
    pub fn table(&self) -> String {
        let mut s = String::new();
        s += &format!(
            "{:<22} {:>5} {:>7} {:>7} {:<12} {:<12} {:<20} {:<20} {:>7}\n",
            "capture", "spans", "failed", "outcome", "agent(want)", "agent(got)", "modes(want)", "modes(got)", "µs"
        );
        for r in &self.rows {
            let j = |m: &BTreeSet<String>| {
                if m.is_empty() {
                    "-".to_string()
                } else {
                    m.iter().cloned().collect::<Vec<_>>().join(",")
                }
            };
            s += &format!(
                "{:<22} {:>5} {:>7} {:>7} {:<12} {:<12} {:<20} {:<20} {:>7}{}\n",
                r.capture,
                r.spans,
                r.got_failed,
                if r.outcome_ok() { "ok" } else { "WRONG" },
                r.want_agent.as_deref().unwrap_or("-"),
                r.got_agent.as_deref().unwrap_or("-"),
                j(&r.want_modes),
                j(&r.got_modes),
                r.micros,
                if r.agent_ok() && r.modes_ok() { "" } else { "  <-- mismatch" }
            );
        }
        s += &format!(
            "\n{:<8} {:<36} {:>3} {:>3} {:>3} {:>9} {:>6} {:>9}\n",
            "mode", "name", "tp", "fp", "fn", "precision", "recall", "judgeable"
        );
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for m in MODES {
            let sc = &self.per_mode[m.id];
            tp += sc.tp;
            fp += sc.fp;
            fn_ += sc.fn_;
            s += &format!(
                "{:<8} {:<36} {:>3} {:>3} {:>3} {:>9} {:>6} {:>6}/{}\n",
                m.id,
                m.name,
                sc.tp,
                sc.fp,
                sc.fn_,
                pct(sc.precision()),
                pct(sc.recall()),
                sc.judgeable,
                self.rows.len()
            );
        }
        let all = ModeScore { tp, fp, fn_, judgeable: 0 };
        s += &format!(
            "{:<8} {:<36} {:>3} {:>3} {:>3} {:>9} {:>6}\n",
            "micro",
            "all modes",
            tp,
            fp,
            fn_,
            pct(all.precision()),
            pct(all.recall())
        );
        let ok_o = self.rows.iter().filter(|r| r.outcome_ok()).count();
        let ok_a = self.rows.iter().filter(|r| r.agent_ok()).count();
        let ok_m = self.rows.iter().filter(|r| r.modes_ok()).count();
        s += &format!("outcome match {ok_o}/{n}, responsible agent match {ok_a}/{n}, exact mode sets {ok_m}/{n}\n", n = self.rows.len());
        s
    }
}

/// A synthetic run of about `n` spans for timing: 20 agents taking turns; each turn is an agent
/// span, a model call with a growing (per-agent) history and a tool call; a guardrail at the end.
pub fn synthetic_run(n: usize) -> Vec<SpanRecord> {
    use crate::model::{Attributes, Resource};
    use serde_json::json;
    use std::sync::Arc;
    let resource = Arc::new(Resource::new(Attributes::new(), String::new()));
    let rec = |id: u64, parent: Option<u64>, name: String, attrs: Value, start: u64, end: u64| SpanRecord {
        parent_span_id: parent.map(|p| p.to_be_bytes()),
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        resource: resource.clone(),
        scope_name: "synthetic".into(),
        ..SpanRecord::new([7; 16], id.to_be_bytes(), name, attrs.as_object().cloned().unwrap_or_default())
    };
    let msg = |role: &str, text: String| json!({"role": role, "parts": [{"type": "text", "content": text}]});
    let mut spans =
        vec![rec(1, None, "workflow".into(), json!({"input.value": "Write a detailed report on distributed tracing."}), 0, u64::MAX / 2)];
    let mut histories: Vec<Vec<Value>> = vec![vec![msg("user", "Write a detailed report on distributed tracing.".into())]; 20];
    let (mut id, mut t, mut k) = (2u64, 10u64, 0usize);
    while spans.len() + 3 <= n {
        let a = k % 20;
        let agent = format!("agent{a}");
        let out =
            format!("turn {k}: section {} on {} propagation", k / 20, ["context", "baggage", "sampling", "exporters", "collectors"][k % 5]);
        // Bounded history: the last 16 messages (an ordinary sliding window).
        let h = &mut histories[a];
        let input = Value::Array(h.iter().rev().take(16).rev().cloned().collect()).to_string();
        spans.push(rec(
            id,
            Some(1),
            format!("invoke_agent {agent}"),
            json!({"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent}),
            t,
            t + 8,
        ));
        spans.push(rec(
            id + 1,
            Some(id),
            "chat m".into(),
            json!({"gen_ai.operation.name": "chat", "gen_ai.request.model": "m",
            "gen_ai.input.messages": input, "gen_ai.output.messages": Value::Array(vec![msg("assistant", out.clone())]).to_string()}),
            t + 1,
            t + 2,
        ));
        spans.push(rec(id + 2, Some(id), "execute_tool search".into(), json!({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search",
            "gen_ai.tool.call.arguments": format!("{{\"q\": \"tracing {k}\"}}"), "gen_ai.tool.call.result": format!("result {k}: spans traces context propagation sampling")}), t + 3, t + 4));
        h.push(msg("assistant", out));
        h.push(msg("tool", format!("result {k}: spans traces context propagation sampling")));
        id += 3;
        t += 10;
        k += 1;
    }
    spans
}
