//! MAST classification and failure attribution on every capture of the shared corpus, scored
//! against hand-labelled fixtures (`tests/mast_fixtures/<capture>.json`). Prints per-run results
//! and per-mode precision/recall; the outcome and the responsible agent must match on every run.
use agenttrace_core::corpus::captures;
use agenttrace_core::mast::eval::evaluate;
use agenttrace_core::mast::MastConfig;

#[test]
fn mast_corpus_matches_fixtures() {
    let n = captures().len();
    assert!(n >= 15, "shared OTLP corpus not found (set AGENTTRACE_CORPUS)");
    let r = evaluate(&MastConfig::default());
    println!("{}", r.table());
    assert!(r.missing.is_empty(), "captures without a MAST fixture: {:?}", r.missing);
    let mut bad = Vec::new();
    for row in &r.rows {
        if !row.outcome_ok() {
            bad.push(format!("{}: failed {} != {}", row.capture, row.got_failed, row.want_failed));
        }
        if !row.agent_ok() {
            bad.push(format!(
                "{}: responsible {:?}/{:?} != {:?}/{:?}",
                row.capture, row.got_agent, row.got_span, row.want_agent, row.want_span
            ));
        }
        if !row.modes_ok() {
            let f: Vec<String> =
                row.report.findings.iter().map(|f| format!("{} {:?}: {}", f.mode_id, f.agent_name, f.explanation)).collect();
            bad.push(format!(
                "{}: modes {:?} != {:?} {:?}\n    {}",
                row.capture,
                row.got_modes,
                row.want_modes,
                row.mode_agent_errors,
                f.join("\n    ")
            ));
        }
        // Every finding is explained and carries evidence; every mode has a status and reason.
        for f in &row.report.findings {
            assert!(!f.explanation.is_empty() && !f.spans.is_empty(), "{}: {} without evidence", row.capture, f.mode_id);
        }
        assert_eq!(row.report.modes.len(), 14);
        assert!(row.report.modes.iter().all(|m| !m.reason.is_empty()));
        if row.got_failed {
            let a = row.report.attribution.as_ref().expect("failed run without attribution");
            assert!(!a.candidates.is_empty() && a.decisive_span.is_some(), "{}: attribution incomplete", row.capture);
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
