//! The engine on the labelled semantic captures (`sem_*`, `semantic-labels.json`): runs that go
//! wrong only in their content, and clean controls. Asserts the targets set for content-level
//! failure analysis (the thresholds below).
use agenttrace_core::mast::semantic_eval::{evaluate, labels};
use agenttrace_core::mast::MastConfig;

#[test]
fn semantic_captures_meet_the_targets() {
    if labels().is_none() {
        eprintln!("semantic-labels.json not found; skipped");
        return;
    }
    let rep = evaluate(&MastConfig::default());
    println!("{}", rep.table());
    if std::env::var_os("SEM_VERBOSE").is_some() {
        println!("{}", rep.details());
    }
    let t = rep.totals();
    assert!(t.failed_runs >= 20 && t.clean_runs >= 20, "labelled set incomplete: {t:?}");
    let share = |a: usize, b: usize| a as f64 / b as f64;
    assert!(share(t.flagged, t.failed_runs) >= 0.90, "failed runs flagged: {t:?}");
    assert!(share(t.agent_right, t.failed_runs) >= 0.80, "responsible agent: {t:?}");
    assert!(share(t.expected_found, t.failed_runs) >= 0.70, "expected modes: {t:?}");
    assert_eq!(t.clean_with_findings, 0, "clean runs with findings: {t:?}");
    assert!(share(t.forbidden_runs, t.runs) <= 0.05, "forbidden modes: {t:?}");
}
