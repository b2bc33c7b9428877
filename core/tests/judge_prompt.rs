//! The LLM-judge prompt on real captures and on a long run: mode definitions, numbered
//! transcript, budget respected; a scripted answer parsed back into findings.
use agenttrace_core::analyze::analyze_run;
use agenttrace_core::corpus::captures;
use agenttrace_core::mast::eval::{load_capture, synthetic_run};
use agenttrace_core::mast::{judge_findings, parse_judge_answer, run_judge_prompt, MastConfig, RunView, MODES};

#[test]
fn prompt_holds_definitions_and_transcript_within_budget() {
    let cfg = MastConfig::default();
    let Some(c) = captures().into_iter().find(|c| c.name.starts_with("sem_") && c.name.ends_with("fleet_handover")) else {
        return; // corpus not present
    };
    let spans = load_capture(&c);
    let p = run_judge_prompt(&spans, &cfg, 6000);
    for m in MODES {
        assert!(p.system.contains(m.id) && p.system.contains(m.definition));
    }
    assert!(p.user.contains("TASK:") && p.user.contains("[1]"));
    assert!(p.user.contains("not roadworthy"), "tool results are in the transcript");
    assert!(p.approx_tokens <= 6000, "{}", p.approx_tokens);

    // A scripted judge answer maps back to spans of the run.
    let a = analyze_run(&spans);
    let view = RunView::new(&spans, &a, &cfg);
    let answer = r#"{"failed": true, "modes": [{"mode": "FM-2.4", "agent": "fleet_inspector", "step": 2, "evidence": "ready for handover", "confidence": 0.9}], "responsible_agent": "fleet_inspector", "decisive_step": 2, "summary": "brake finding withheld"}"#;
    let v = parse_judge_answer(answer, p.steps).expect("valid answer");
    let f = judge_findings(&v, view.transcript(), &view);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, "llm_judge");
    assert_eq!(f[0].spans.len(), 1);
}

#[test]
fn long_runs_are_cut_to_the_budget() {
    let spans = synthetic_run(3_000);
    let p = run_judge_prompt(&spans, &MastConfig::default(), 8000);
    assert!(p.truncated);
    assert!(p.approx_tokens <= 8000, "{}", p.approx_tokens);
    assert!(p.user.contains("left out for length"));
    assert!(p.user.contains("[1]"), "the first step stays");
}
