//! Developer aid: prints the transcript of corpus captures
//! (`MAST_DUMP=sem_ cargo test --release --test transcript_dump -- --ignored --nocapture`).
use agenttrace_core::analyze::analyze_run;
use agenttrace_core::corpus::captures;
use agenttrace_core::mast::eval::load_capture;
use agenttrace_core::mast::{MastConfig, RunView, Transcript};

#[test]
#[ignore]
fn dump_transcripts() {
    let only = std::env::var("MAST_DUMP").ok();
    let cfg = MastConfig::default();
    for c in captures() {
        if only.as_deref().is_some_and(|o| !c.name.contains(o)) {
            continue;
        }
        let spans = load_capture(&c);
        let a = analyze_run(&spans);
        let view = RunView::new(&spans, &a, &cfg);
        let t = Transcript::new(&view);
        println!("==== {} outcome={} ({:?})", c.name, a.outcome.status.as_str(), a.outcome.reason);
        println!("{}", t.render(600));
    }
}

#[test]
#[ignore]
fn dump_messages() {
    let only = std::env::var("MAST_DUMP").ok();
    for c in captures() {
        if only.as_deref().is_some_and(|o| !c.name.contains(o)) {
            continue;
        }
        let spans = load_capture(&c);
        let a = analyze_run(&spans);
        for m in &a.messages {
            println!(
                "{:?} -> {} {:?}",
                m.from_agent,
                m.to_agent,
                m.content.as_deref().map(|c| (c.len(), c.chars().rev().take(40).collect::<String>()))
            );
        }
    }
}

#[test]
#[ignore]
fn dump_verdicts() {
    let only = std::env::var("MAST_DUMP").ok();
    let cfg = MastConfig::default();
    for c in captures() {
        if only.as_deref().is_some_and(|o| !c.name.contains(o)) {
            continue;
        }
        let spans = load_capture(&c);
        let a = analyze_run(&spans);
        let r = agenttrace_core::mast::classify(&spans, &a, &cfg);
        println!("==== {}\n{}", c.name, serde_json::to_string_pretty(&r.verdict).unwrap());
        for f in &r.findings {
            println!("{}", serde_json::to_string(f).unwrap());
        }
    }
}
