//! Failure analysis on a held-out set of runs the rules were not written against.
//!
//! `cargo run --release -p agenttrace-bench --bin heldout_eval [-- DIR] [--cases [--why]]`
//!
//! Each `*.json` file of DIR (default `bench/heldout`) is one run, written as a team's turns (see
//! `bench/heldout/README.md`: task, agents and their instructions, turns with input, output and
//! tool calls, final answer, label). The run is built as the GenAI semantic conventions record it
//! (an `invoke_workflow` root, an `invoke_agent` span per turn with its instructions, its tool
//! calls, one model call seeing the turn's input and the tool results), analysed, classified and
//! attributed by the core engine, and scored against its label: failed runs judged failed, their
//! responsible agent and step (the verdict's; and as asked, for every failed run), expected modes
//! found; clean runs judged failed and clean runs with any finding. Numbers only, no assertions.
use std::path::{Path, PathBuf};

use agenttrace_core::mast::{attribution_as_asked, classify_spans, MastConfig};
use agenttrace_core::model::{Attributes, SpanRecord};
use serde_json::{json, Value};

struct Built {
    spans: Vec<SpanRecord>,
    /// Each turn's spans (its agent span, model calls and tool calls), hex.
    members: Vec<Vec<String>>,
}

fn msgs(v: &[(&str, &str)]) -> String {
    Value::Array(v.iter().map(|(r, c)| json!({"role": r, "parts": [{"type": "text", "content": c}]})).collect()).to_string()
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The run of one file, as GenAI semantic-convention spans in time order.
fn build(run: &Value, seed: u8) -> Built {
    let trace = [seed; 16];
    let mut spans = Vec::new();
    let mut members: Vec<Vec<String>> = Vec::new();
    let mut t: u64 = 1_000;
    let mut id: u64 = 1;
    let mut push = |spans: &mut Vec<SpanRecord>, parent: Option<u64>, name: String, attrs: Value, start: u64, end: u64| -> u64 {
        id += 1;
        spans.push(SpanRecord {
            parent_span_id: parent.map(|p| p.to_be_bytes()),
            start_time_unix_nano: start,
            end_time_unix_nano: end,
            scope_name: "heldout".into(),
            ..SpanRecord::new(trace, id.to_be_bytes(), &name, attrs.as_object().cloned().unwrap_or_else(Attributes::new))
        });
        id
    };
    let task = text(&run["task"]);
    let turns = run["turns"].as_array().cloned().unwrap_or_default();
    let end = 1_000 + 100 * (turns.len() as u64 + 2) * 10;
    let root = json!({
        "gen_ai.operation.name": "invoke_workflow",
        "gen_ai.input.messages": msgs(&[("user", &task)]),
        "gen_ai.output.messages": msgs(&[("assistant", &text(&run["final_answer"]))]),
    });
    let root_id = push(&mut spans, None, "invoke_workflow".into(), root, 0, end);
    for turn in &turns {
        let agent = text(&turn["agent"]);
        let start = t;
        let mut attrs = json!({"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent});
        if let Some(instr) = run["agents"].get(&agent).and_then(Value::as_str) {
            attrs["gen_ai.system_instructions"] = json!(json!([{"type": "text", "content": instr}]).to_string());
        }
        let agent_id = push(&mut spans, Some(root_id), format!("invoke_agent {agent}"), attrs, start, start + 900);
        // As frameworks record a turn with tools: a model call that asks for the tools, the tool
        // calls, then a model call that sees their results and answers.
        let input = text(&turn["input"]);
        let user = json!({"role": "user", "parts": [{"type": "text", "content": input}]});
        let tools = turn["tools"].as_array().cloned().unwrap_or_default();
        let mut history = vec![user];
        t = start + 10;
        if !tools.is_empty() {
            let calls: Vec<Value> = tools
                .iter()
                .enumerate()
                .map(|(k, tool)| json!({"type": "tool_call", "id": format!("call_{k}"), "name": text(&tool["name"]), "arguments": tool["args"]}))
                .collect();
            let ask = json!({"role": "assistant", "parts": calls});
            let chat = json!({
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "m",
                "gen_ai.input.messages": Value::Array(history.clone()).to_string(),
                "gen_ai.output.messages": Value::Array(vec![ask.clone()]).to_string(),
            });
            push(&mut spans, Some(agent_id), "chat m".into(), chat, t, t + 100);
            history.push(ask);
            t += 110;
        }
        for (k, tool) in tools.iter().enumerate() {
            let name = text(&tool["name"]);
            let result = text(&tool["result"]);
            let attrs = json!({
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": name,
                "gen_ai.tool.call.id": format!("call_{k}"),
                "gen_ai.tool.call.arguments": text(&tool["args"]),
                "gen_ai.tool.call.result": result,
            });
            push(&mut spans, Some(agent_id), format!("execute_tool {name}"), attrs, t, t + 50);
            history.push(json!({"role": "tool", "parts": [{"type": "tool_call_response", "id": format!("call_{k}"), "response": result}]}));
            t += 60;
        }
        let chat = json!({
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "m",
            "gen_ai.input.messages": Value::Array(history).to_string(),
            "gen_ai.output.messages": msgs(&[("assistant", &text(&turn["output"]))]),
        });
        push(&mut spans, Some(agent_id), "chat m".into(), chat, t, t + 100);
        let first = spans.iter().position(|x| x.span_id == agent_id.to_be_bytes()).unwrap_or(0);
        members.push(spans[first..].iter().map(|x| agenttrace_core::ids::to_hex(&x.span_id)).collect());
        t = start + 1_000;
    }
    Built { spans, members }
}

#[derive(Default)]
struct Totals {
    failed: usize,
    flagged: usize,
    agent: usize,
    step: usize,
    asked_agent: usize,
    asked_step: usize,
    modes: usize,
    clean: usize,
    clean_failed: usize,
    clean_findings: usize,
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        "-".into()
    } else {
        format!("{n}/{d} ({:.1} %)", 100.0 * n as f64 / d as f64)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cases = args.iter().any(|a| a == "--cases");
    // With --cases: also the asked attribution's explanation and its ranking.
    let why = args.iter().any(|a| a == "--why");
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("heldout"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "json")).collect())
        .unwrap_or_default();
    files.sort();
    if files.is_empty() {
        println!("no runs in {} (*.json)", dir.display());
        return;
    }
    let cfg = MastConfig::default();
    let mut tot = Totals::default();
    for (n, f) in files.iter().enumerate() {
        let Some(run) = std::fs::read_to_string(f).ok().and_then(|s| serde_json::from_str::<Value>(&s).ok()) else {
            println!("{}: not a run (unreadable JSON)", f.display());
            continue;
        };
        let b = build(&run, (n % 250) as u8 + 1);
        let (analysis, report) = classify_spans(&b.spans, &cfg);
        let asked = attribution_as_asked(&b.spans, &analysis, &report, &cfg);
        let label = &run["label"];
        let want_failed = label["outcome"].as_str() != Some("success");
        let culprit = label["culprit"].as_str().map(str::to_lowercase);
        let want_step = label["step"].as_u64().map(|k| k as usize);
        let v = &report.verdict;
        let got_agent = v.responsible_agent.as_ref().map(|a| a.to_lowercase());
        let got_step = v.decisive_span.as_ref().map(|s| s.span_id.clone());
        let asked_agent = asked.attribution.responsible_agent.as_ref().map(|a| a.to_lowercase());
        let asked_step = asked.attribution.decisive_span.as_ref().map(|s| s.span_id.clone());
        let got_modes: Vec<&str> = report.findings.iter().map(|f| f.mode_id).collect();
        let want_modes: Vec<String> = label["modes"].as_array().map(|a| a.iter().map(text).collect()).unwrap_or_default();
        let step_of = |s: &Option<String>| s.as_ref().and_then(|s| b.members.iter().position(|m| m.contains(s)));
        if want_failed {
            tot.failed += 1;
            tot.flagged += usize::from(v.failed);
            tot.agent += usize::from(v.failed && got_agent.is_some() && got_agent == culprit);
            tot.step += usize::from(v.failed && want_step.is_some() && step_of(&got_step) == want_step);
            tot.asked_agent += usize::from(asked_agent.is_some() && asked_agent == culprit);
            tot.asked_step += usize::from(want_step.is_some() && step_of(&asked_step) == want_step);
            tot.modes += usize::from(!want_modes.is_empty() && want_modes.iter().all(|m| got_modes.contains(&m.as_str())));
        } else {
            tot.clean += 1;
            tot.clean_failed += usize::from(v.failed);
            tot.clean_findings += usize::from(!report.findings.is_empty());
        }
        if cases {
            let id = run["id"].as_str().unwrap_or("?");
            println!(
                "{id:<36} want {:<7} {:<16} @{:<4} {:?}",
                if want_failed { "failure" } else { "success" },
                culprit.as_deref().unwrap_or("-"),
                label["step"].as_u64().map(|k| k.to_string()).unwrap_or("-".into()),
                want_modes
            );
            println!(
                "{:<36} got  {:<7} {:<16} @{:<4} {:?} | asked {} @{}",
                "",
                if v.failed { "failure" } else { "success" },
                got_agent.as_deref().unwrap_or("-"),
                step_of(&got_step).map(|k| k.to_string()).unwrap_or("-".into()),
                got_modes,
                asked_agent.as_deref().unwrap_or("-"),
                step_of(&asked_step).map(|k| k.to_string()).unwrap_or("-".into()),
            );
            for f in &report.findings {
                println!("{:<36}   {} {:.2} {}: {}", "", f.mode_id, f.confidence, f.agent_name.as_deref().unwrap_or("-"), f.explanation);
            }
            if why && want_failed {
                println!("{:<36}   asked: {}", "", asked.attribution.explanation);
                for c in asked.attribution.candidates.iter().take(4) {
                    println!(
                        "{:<36}     {:.2} {} @{}: {}",
                        "",
                        c.score,
                        c.agent,
                        step_of(&c.span.as_ref().map(|s| s.span_id.clone())).map(|k| k.to_string()).unwrap_or("-".into()),
                        c.reasons.join(" | ")
                    );
                }
            }
        }
    }
    println!("Held-out runs in {}: {} failed, {} clean", dir.display(), tot.failed, tot.clean);
    println!("  failed runs judged failed      {}", pct(tot.flagged, tot.failed));
    println!("  responsible agent (verdict)    {}", pct(tot.agent, tot.failed));
    println!("  responsible step (verdict)     {}", pct(tot.step, tot.failed));
    println!("  responsible agent (as asked)   {}", pct(tot.asked_agent, tot.failed));
    println!("  responsible step (as asked)    {}", pct(tot.asked_step, tot.failed));
    println!("  expected modes found           {}", pct(tot.modes, tot.failed));
    println!("  clean runs judged failed       {}", pct(tot.clean_failed, tot.clean));
    println!("  clean runs with any finding    {}", pct(tot.clean_findings, tot.clean));
}
