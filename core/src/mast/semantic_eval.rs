//! Scoring the engine on the labelled semantic captures (`sem_*` next to
//! `semantic-labels.json` in the corpus): runs that go wrong only in their content, and clean
//! controls of the same shapes. Used by the core test (which asserts the targets) and by the
//! `semantic_eval` bench binary (which prints the table).
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{classify, MastConfig, MastReport, MODES};
use crate::analyze::analyze_run;
use crate::corpus::load_capture;
use crate::corpus::{captures, corpus_dir};

/// One labelled run.
#[derive(Debug, Clone)]
pub struct SemRow {
    pub capture: String,
    pub spans: usize,
    /// `success`, `failure` or `stopped_early`.
    pub want_outcome: String,
    pub culprits: Vec<String>,
    pub expected: BTreeSet<String>,
    pub forbidden: BTreeSet<String>,
    pub got_modes: BTreeSet<String>,
    pub report: MastReport,
    pub micros: u128,
}

impl SemRow {
    pub fn want_failed(&self) -> bool {
        self.want_outcome != "success"
    }
    pub fn flagged(&self) -> bool {
        self.report.verdict.failed
    }
    pub fn agent(&self) -> Option<String> {
        self.report.verdict.responsible_agent.as_ref().map(|a| a.to_lowercase())
    }
    pub fn agent_ok(&self) -> bool {
        self.agent().is_some_and(|a| self.culprits.contains(&a))
    }
    pub fn expected_found(&self) -> bool {
        self.expected.iter().all(|m| self.got_modes.contains(m))
    }
    pub fn forbidden_reported(&self) -> BTreeSet<String> {
        self.got_modes.intersection(&self.forbidden).cloned().collect()
    }
}

/// Totals over the labelled set (counts, with their denominators).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SemTotals {
    pub failed_runs: usize,
    pub flagged: usize,
    pub agent_right: usize,
    pub expected_found: usize,
    pub runs: usize,
    pub forbidden_runs: usize,
    pub clean_runs: usize,
    pub clean_with_findings: usize,
}

pub struct SemReport {
    pub rows: Vec<SemRow>,
}

fn strs(v: &Value) -> BTreeSet<String> {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// The labels file, if the corpus has one.
pub fn labels() -> Option<serde_json::Map<String, Value>> {
    let p = corpus_dir()?.join("semantic-labels.json");
    let t = std::fs::read_to_string(p).ok()?;
    serde_json::from_str::<Value>(&t).ok()?.as_object().cloned()
}

/// Classifies every capture that has a label and scores it.
pub fn evaluate(cfg: &MastConfig) -> SemReport {
    let labels = labels().unwrap_or_default();
    let mut rows = Vec::new();
    for c in captures() {
        let Some(l) = labels.get(&c.name) else { continue };
        let spans = load_capture(&c);
        let t = std::time::Instant::now();
        let a = analyze_run(&spans);
        let report = classify(&spans, &a, cfg);
        let micros = t.elapsed().as_micros();
        rows.push(SemRow {
            capture: c.name.clone(),
            spans: spans.len(),
            want_outcome: l["outcome"].as_str().unwrap_or("success").to_string(),
            culprits: strs(&l["culprit_any_of"]).into_iter().collect(),
            expected: strs(&l["modes_expected"]),
            forbidden: strs(&l["modes_forbidden"]),
            got_modes: report.findings.iter().map(|f| f.mode_id.to_string()).collect(),
            report,
            micros,
        });
    }
    SemReport { rows }
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "    -".into()
    } else {
        format!("{:5.1}", 100.0 * a as f64 / b as f64)
    }
}

impl SemReport {
    pub fn totals(&self) -> SemTotals {
        let mut t = SemTotals::default();
        for r in &self.rows {
            t.runs += 1;
            if !r.forbidden_reported().is_empty() {
                t.forbidden_runs += 1;
            }
            if r.want_failed() {
                t.failed_runs += 1;
                t.flagged += r.flagged() as usize;
                t.agent_right += r.agent_ok() as usize;
                t.expected_found += r.expected_found() as usize;
            } else {
                t.clean_runs += 1;
                t.clean_with_findings += (!r.report.findings.is_empty()) as usize;
            }
        }
        t
    }

    /// Every finding of every run (rule, confidence, agent, explanation, quote).
    pub fn details(&self) -> String {
        let mut s = String::new();
        for r in &self.rows {
            s += &format!("-- {} (want {} {:?})\n", r.capture, r.want_outcome, r.expected);
            for f in &r.report.findings {
                s += &format!("   {} {:.2} {:?} [{}] {} | {:?}\n", f.mode_id, f.confidence, f.agent_name, f.rule, f.explanation, f.quote);
            }
        }
        s
    }

    /// Per run, per mode, then the totals.
    pub fn table(&self) -> String {
        let mut s = String::new();
        s += &format!(
            "{:<34} {:>5} {:<13} {:<7} {:<24} {:<22} {:<18} {}\n",
            "capture", "spans", "want", "verdict", "agent (got)", "modes (want)", "modes (got)", "notes"
        );
        for r in &self.rows {
            let j = |m: &BTreeSet<String>| {
                if m.is_empty() {
                    "-".to_string()
                } else {
                    m.iter().cloned().collect::<Vec<_>>().join(",")
                }
            };
            let mut notes = Vec::new();
            if r.want_failed() {
                if !r.flagged() {
                    notes.push("NOT FLAGGED".to_string());
                }
                if !r.agent_ok() {
                    notes.push(format!("agent want {}", r.culprits.join("|")));
                }
                if !r.expected_found() {
                    notes.push("MODE MISSED".into());
                }
            } else if !r.report.findings.is_empty() {
                notes.push("CLEAN RUN WITH FINDINGS".into());
            }
            let fb = r.forbidden_reported();
            if !fb.is_empty() {
                notes.push(format!("forbidden {}", j(&fb)));
            }
            s += &format!(
                "{:<34} {:>5} {:<13} {:<7} {:<24} {:<22} {:<18} {}\n",
                r.capture,
                r.spans,
                r.want_outcome,
                r.report.verdict.verdict.replace("stopped_early", "stopped"),
                r.agent().unwrap_or_else(|| "-".into()),
                j(&r.expected),
                j(&r.got_modes),
                notes.join("; ")
            );
        }
        // Per mode: runs expecting it, found; runs forbidding it, reported anyway.
        let mut per: BTreeMap<&str, [usize; 6]> = MODES.iter().map(|m| (m.id, [0; 6])).collect();
        for r in &self.rows {
            for m in MODES {
                let e = per.get_mut(m.id).expect("mode");
                if r.expected.contains(m.id) {
                    e[0] += 1;
                    e[1] += r.got_modes.contains(m.id) as usize;
                    e[4] += r.flagged() as usize;
                    e[5] += r.agent_ok() as usize;
                }
                if r.forbidden.contains(m.id) {
                    e[2] += 1;
                    e[3] += r.got_modes.contains(m.id) as usize;
                }
            }
        }
        s += &format!(
            "\n{:<8} {:<34} {:>8} {:>8} {:>8} {:>8} {:>14}\n",
            "mode", "name", "expected", "flagged", "agent ok", "found", "forbidden rep."
        );
        for m in MODES {
            let e = per[m.id];
            s += &format!("{:<8} {:<34} {:>8} {:>8} {:>8} {:>8} {:>8}/{:<5}\n", m.id, m.name, e[0], e[4], e[5], e[1], e[3], e[2]);
        }
        let t = self.totals();
        s += &format!(
            "\nfailed runs flagged      {:>3}/{:<3} {}%\nresponsible agent right  {:>3}/{:<3} {}%\nexpected modes found     {:>3}/{:<3} {}%\nruns w/ forbidden modes  {:>3}/{:<3} {}%\nclean runs with findings {:>3}/{:<3} {}%\n",
            t.flagged, t.failed_runs, pct(t.flagged, t.failed_runs),
            t.agent_right, t.failed_runs, pct(t.agent_right, t.failed_runs),
            t.expected_found, t.failed_runs, pct(t.expected_found, t.failed_runs),
            t.forbidden_runs, t.runs, pct(t.forbidden_runs, t.runs),
            t.clean_with_findings, t.clean_runs, pct(t.clean_with_findings, t.clean_runs),
        );
        s
    }
}
