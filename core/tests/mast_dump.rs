//! Developer aid: prints per-span facts of every corpus capture (`cargo test --test mast_dump -- --ignored --nocapture`).
use agenttrace_core::analyze::analyze_run;
use agenttrace_core::corpus::captures;
use agenttrace_core::ids::to_hex;
use agenttrace_core::otlp::{decode_body, Limits};

fn cut(t: &str, n: usize) -> String {
    t.chars().take(n).collect::<String>().replace('\n', "⏎")
}

#[test]
#[ignore]
fn dump_facts() {
    let only = std::env::var("MAST_DUMP").ok();
    for c in captures() {
        if only.as_deref().is_some_and(|o| !c.name.contains(o)) {
            continue;
        }
        let mut spans = Vec::new();
        for b in &c.bodies {
            let raw = std::fs::read(&b.bin).unwrap();
            spans.extend(decode_body(&raw, Some(&b.content_type), b.content_encoding.as_deref(), &Limits::default()).unwrap().spans);
        }
        let a = analyze_run(&spans);
        let mut idx: Vec<usize> = (0..spans.len()).collect();
        idx.sort_by_key(|&i| spans[i].start_time_unix_nano);
        println!("==== {}", c.name);
        for i in idx {
            let s = &spans[i];
            let f = &a.facts[i];
            println!(
                "{} p={} {:?} [{}] agent={:?} err={} stop={:?} ctl={:?} tool={:?} in={:?} out={:?} inmsgs={} outmsgs={} outtc={:?} msg={:?} {:?}->{:?}",
                &to_hex(&s.span_id)[12..],
                s.parent_span_id.map(|p| to_hex(&p)[12..].to_string()).unwrap_or_default(),
                s.name,
                f.category.as_str(),
                f.agent_name,
                f.is_error,
                f.stop_reason,
                f.control,
                f.tool_name,
                f.input_text.as_deref().map(|t| cut(t, 80)),
                f.output_text.as_deref().map(|t| cut(t, 80)),
                f.input_messages.len(),
                f.output_messages.len(),
                f.output_messages.iter().flat_map(|m| m.tool_calls.iter().map(|t| t.name.clone())).collect::<Vec<_>>(),
                f.message_content.as_deref().map(|t| cut(t, 50)),
                f.sender,
                f.recipient,
            );
        }
    }
}

#[test]
#[ignore]
fn dump_mast() {
    use agenttrace_core::mast::{classify, MastConfig, RunView};
    let only = std::env::var("MAST_DUMP").ok();
    let cfg = MastConfig::default();
    for c in captures() {
        if only.as_deref().is_some_and(|o| !c.name.contains(o)) {
            continue;
        }
        let mut spans = Vec::new();
        for b in &c.bodies {
            let raw = std::fs::read(&b.bin).unwrap();
            spans.extend(decode_body(&raw, Some(&b.content_type), b.content_encoding.as_deref(), &Limits::default()).unwrap().spans);
        }
        let a = analyze_run(&spans);
        let v = RunView::new(&spans, &a, &cfg);
        println!("==== {} outcome={:?}", c.name, a.outcome.status);
        println!("  task: {:?}", v.task.as_ref().map(|t| cut(&t.text, 120)));
        println!(
            "  final: {:?} by {:?}",
            v.final_output.as_ref().map(|t| cut(&t.text, 120)),
            v.final_output.as_ref().and_then(|t| t.agent.clone())
        );
        for t in &v.turns {
            println!(
                "  turn {} in={:?} out={:?} llm={} inwords={}",
                t.agent,
                t.input.as_deref().map(|x| cut(x, 50)),
                t.output.as_ref().map(|x| cut(&x.0, 60)),
                t.llm.len(),
                v.input_words(t).len()
            );
        }
        println!("  checks: {:?}", v.checks.iter().map(|c| (c.agent.clone(), c.guardrail, c.approved)).collect::<Vec<_>>());
        let r = classify(&spans, &a, &cfg);
        for f in &r.findings {
            println!(
                "  FINDING {} {:?} conf={} agent={:?} [{}] {}",
                f.mode_id, f.severity, f.confidence, f.agent_name, f.rule, f.explanation
            );
        }
        for m in &r.modes {
            println!("    {} {} ({}) {}", m.mode_id, m.status, m.findings, cut(&m.reason, 150));
        }
        if let Some(at) = &r.attribution {
            println!("  ATTRIBUTION {}", serde_json::to_string(at).unwrap());
        }
    }
}

/// Prints the `agenttrace.mast_settings` / `agenttrace.mast_modes` seed rows as SQL (kept in sql/mast.sql).
#[test]
#[ignore]
fn print_mast_seed_sql() {
    use agenttrace_core::mast::{MastConfig, MODES};
    let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
    println!("INSERT INTO mast_modes (mode_id, category_id, category, name, definition) VALUES");
    let rows: Vec<String> = MODES
        .iter()
        .map(|m| format!("    ({}, {}, {}, {}, {})", q(m.id), q(m.category_id), q(m.category), q(m.name), q(m.definition)))
        .collect();
    println!("{};", rows.join(",\n"));
    println!("INSERT INTO mast_settings (key, value, description) VALUES");
    let rows: Vec<String> = MastConfig::described_defaults()
        .iter()
        .map(|(k, v, d)| format!("    ({}, {}::jsonb, {})", q(k), q(&v.to_string()), q(d)))
        .collect();
    println!("{}", rows.join(",\n"));
}
