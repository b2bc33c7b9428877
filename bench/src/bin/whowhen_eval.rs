//! Failure attribution on the Who&When hand-crafted development set, with the core engine (no
//! database; the same analysis `agenttrace.attribute_failure` runs).
//!
//! `cargo run --release -p agenttrace-bench --bin whowhen_eval [-- --bench-dir DIR] [-- --cases]`
//!
//! Converts the logs with the benchmark's own `convert.py` (into a temporary folder), then per run:
//! the analysed verdict (flagged), the responsible agent of `attribute_failure` against the
//! labelled `mistake_agent` and the `whowhen.step` of its decisive span against `mistake_step`
//! (the analysis never reads that attribute). Prints numbers next to the benchmark's baselines;
//! never asserts. `--cases` prints one line per run; `--half a|b` limits those lines to one half;
//! `--findings` adds each run's findings under its line; `--handoff-spans` converts with explicit handoff spans (the same runs as the OpenAI Agents
//! instrumentation would shape them: the figures should not move).
//!
//! The runs are split into two fixed halves by their position in case order (hand-1, hand-2, ...):
//! half a holds the 1st, 3rd, 5th ... run, half b the others. Rules are designed while reading the
//! per-case lines of one half only; the figures of both halves are printed so that a change is
//! kept only when the half not read improves or holds.
use std::collections::HashMap;
use std::path::PathBuf;

use agenttrace_core::analyze::analyze_run;
use agenttrace_core::mast::{attribution_as_asked, classify, MastConfig};
use agenttrace_core::otlp::{decode_body, Limits};
use serde_json::Value;

fn main() {
    let mut dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/benchmarks/whowhen-hand"));
    let mut per_case = false;
    let mut only_half: Option<usize> = None;
    let mut handoff_spans = false;
    let mut show_findings = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bench-dir" => dir = PathBuf::from(args.next().expect("--bench-dir DIR")),
            "--cases" => per_case = true,
            "--handoff-spans" => handoff_spans = true,
            "--findings" => show_findings = true,
            "--half" => {
                only_half = match args.next().as_deref() {
                    Some("a") => Some(0),
                    Some("b") => Some(1),
                    _ => {
                        eprintln!("--half a|b");
                        std::process::exit(2);
                    }
                }
            }
            other => {
                eprintln!(
                    "unknown flag {other}\nusage: whowhen_eval [--bench-dir DIR] [--cases] [--half a|b] [--handoff-spans] [--findings]"
                );
                std::process::exit(2);
            }
        }
    }
    let out = std::env::temp_dir().join(format!("agenttrace-whowhen-{}", std::process::id()));
    let st = std::process::Command::new("python3")
        .arg(dir.join("convert.py"))
        .args(["--data", &dir.join("data").to_string_lossy(), "--out", &out.join("otlp").to_string_lossy()])
        .args(["--expected", &out.join("expected.json").to_string_lossy()])
        .args(handoff_spans.then_some("--handoff-spans"))
        .status()
        .expect("python3 convert.py");
    assert!(st.success(), "convert.py failed");
    let expected: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(out.join("expected.json")).expect("expected.json")).expect("expected.json parses");
    let cfg = MastConfig::default();
    let opts = Opts { per_case, only_half, show_findings };
    // Every set the data folder holds: hand (Hand-Crafted, Magentic-One) and algo
    // (Algorithm-Generated, CaptainAgent group chats), scored apart and in the same way.
    for set in ["hand", "algo"] {
        let mut cases: Vec<(&String, &Value)> = expected.iter().filter(|(_, e)| e["set"] == set).collect();
        if cases.is_empty() {
            continue;
        }
        cases.sort_by_key(|(k, _)| (k.len(), k.to_string()));
        let mut t = Tally::default();
        for (pos, (case, e)) in cases.into_iter().enumerate() {
            let raw = std::fs::read(out.join("otlp").join(format!("{case}.otlp.json"))).expect("converted case");
            let spans = decode_body(&raw, Some("application/json"), None, &Limits::default()).expect("decodes").spans;
            score_case(&mut t, &opts, pos % 2, case, e, &spans, &cfg);
        }
        t.print(set);
    }
    let _ = std::fs::remove_dir_all(&out);
}

struct Opts {
    per_case: bool,
    only_half: Option<usize>,
    show_findings: bool,
}

/// Per set: runs, flagged, agent and step right, the baselines' hits, per half (runs, agent, step).
#[derive(Default)]
struct Tally {
    n: usize,
    flagged: usize,
    agent_ok: usize,
    step_ok: usize,
    random_agent: f64,
    naive_agent: usize,
    naive_step: usize,
    halves: [(usize, usize, usize); 2],
    predicted: HashMap<String, usize>,
}

fn step_of(s: &agenttrace_core::model::SpanRecord) -> Option<i64> {
    s.attributes.get("whowhen.step").and_then(Value::as_i64)
}

/// The benchmark's naive baseline, as its `eval.py` computes it: the agent with the most steps
/// that is neither the orchestrator nor the code terminal (by name: a baseline, not the analysis;
/// ties go to the first to act), and its first step.
fn naive(spans: &[agenttrace_core::model::SpanRecord]) -> Option<(String, i64)> {
    let mut steps: Vec<(i64, &str)> =
        spans.iter().filter_map(|s| Some((step_of(s)?, s.attributes.get("gen_ai.agent.name").and_then(Value::as_str)?))).collect();
    steps.sort();
    let mut agents: Vec<&str> = Vec::new();
    for (_, a) in &steps {
        if !agents.contains(a) {
            agents.push(a);
        }
    }
    let terminal = |a: &str| matches!(a.to_lowercase().as_str(), "computerterminal" | "computer_terminal");
    let nt: Vec<&str> =
        Some(agents.iter().copied().filter(|a| !terminal(a)).collect::<Vec<_>>()).filter(|v| !v.is_empty()).unwrap_or(agents);
    let pool: Vec<&str> =
        Some(nt.iter().copied().filter(|a| *a != "Orchestrator").collect::<Vec<_>>()).filter(|v| !v.is_empty()).unwrap_or(nt);
    let count = |a: &str| steps.iter().filter(|(_, b)| *b == a).count();
    let best = pool.iter().enumerate().max_by_key(|(i, a)| (count(a), std::cmp::Reverse(*i)))?.1;
    let first = steps.iter().find(|(_, b)| b == best)?.0;
    Some((best.to_string(), first))
}

fn score_case(t: &mut Tally, o: &Opts, half: usize, case: &str, e: &Value, spans: &[agenttrace_core::model::SpanRecord], cfg: &MastConfig) {
    let analysis = analyze_run(spans);
    let report = classify(spans, &analysis, cfg);
    // What `agenttrace.attribute_failure(run_id)` answers (also for a run the analysis judged a
    // success: every run here failed).
    let attr = attribution_as_asked(spans, &analysis, &report, cfg).attribution;
    let want_agent = e["mistake_agent"].as_str().unwrap_or("").to_lowercase();
    let want_step = e["mistake_step"].as_i64();
    let got_agent = attr.responsible_agent.clone().unwrap_or_default();
    let got_step = attr.decisive_span.as_ref().and_then(|d| spans.iter().find(|s| crate_hex(&s.span_id) == d.span_id).and_then(step_of));
    let a_ok = got_agent.to_lowercase() == want_agent;
    let s_ok = got_step.is_some() && got_step == want_step;
    t.n += 1;
    t.flagged += report.verdict.failed as usize;
    t.agent_ok += a_ok as usize;
    t.step_ok += s_ok as usize;
    t.random_agent += 1.0 / e["agents"].as_array().map_or(1, |a| a.len().max(1)) as f64;
    if let Some((a, st)) = naive(spans) {
        t.naive_agent += (a.to_lowercase() == want_agent) as usize;
        t.naive_step += (Some(st) == want_step) as usize;
    }
    *t.predicted.entry(got_agent.clone()).or_default() += 1;
    t.halves[half].0 += 1;
    t.halves[half].1 += a_ok as usize;
    t.halves[half].2 += s_ok as usize;
    if !o.per_case || o.only_half.is_some_and(|h| h != half) {
        return;
    }
    let why = attr.candidates.first().and_then(|c| c.reasons.first().cloned()).unwrap_or_default();
    let step_why = attr.candidates.first().and_then(|c| c.step_reason.clone()).unwrap_or_default();
    println!(
        "{case:<8} want {want_agent:>12} @{:<4} got {:>12} @{:<5} {}{} flagged={} | {} | step: {}",
        want_step.unwrap_or(-1),
        got_agent,
        got_step.map_or("-".into(), |s| s.to_string()),
        if a_ok { "A" } else { "." },
        if s_ok { "S" } else { "." },
        report.verdict.failed,
        why.chars().take(110).collect::<String>(),
        step_why.chars().take(90).collect::<String>()
    );
    for f in report.findings.iter().filter(|_| o.show_findings) {
        let text: String = f.explanation.chars().take(160).collect();
        println!(
            "         {} {} {:?} {:.2}{} {}",
            f.mode_id,
            f.rule,
            f.agent_name,
            f.confidence,
            if f.semantic { " content" } else { "" },
            text
        );
    }
}

impl Tally {
    fn print(&self, set: &str) {
        let n = self.n;
        let pct = |x: usize| 100.0 * x as f64 / n.max(1) as f64;
        match set {
            "hand" => println!("Who&When hand-crafted (development set): {n} failed runs of Magentic-One"),
            _ => println!("Who&When algorithm-generated: {n} failed runs of CaptainAgent group chats"),
        }
        println!("  flagged as failed        {}/{n} ({:.1} %)", self.flagged, pct(self.flagged));
        println!("  agent-level              {}/{n} ({:.1} %)", self.agent_ok, pct(self.agent_ok));
        println!("  step-level               {}/{n} ({:.1} %)", self.step_ok, pct(self.step_ok));
        for (name, (m, a, st)) in ["a", "b"].iter().zip(self.halves) {
            let pc = |x: usize| 100.0 * x as f64 / m.max(1) as f64;
            println!("  half {name} ({m} runs)         agent {a}/{m} ({:.1} %)   step {st}/{m} ({:.1} %)", pc(a), pc(st));
        }
        let mut p: Vec<_> = self.predicted.iter().collect();
        p.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        println!("  predicted agents         {p:?}");
        println!("baselines (percentages of the same {n} runs):");
        println!("  random agent             {:.1} % (expected value here)", 100.0 * self.random_agent / n.max(1) as f64);
        println!(
            "  most frequent agent other than the orchestrator and terminals: {:.1} %, its first step {:.1} % (computed here)",
            pct(self.naive_agent),
            pct(self.naive_step)
        );
        if set == "hand" {
            println!("  random step 4.2 % (the benchmark's README)");
            println!(
                "  GPT-4o all-at-once 55.2 % / 5.3 %; step-by-step 34.5 % / 7.0 %; binary search 51.7 % / 6.9 %; AgenTracer-8B 69.1 % / 20.7 %"
            );
        }
    }
}

fn crate_hex(id: &[u8]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}
