//! A run's verdict: what the framework reported (operational status) next to what the analysis
//! concludes. A run with a high-confidence content finding is a failed run for the user even when
//! the framework reported success.
use serde::Serialize;

use super::attribution::{Attribution, SpanLoc};
use super::{Finding, MastConfig, MastReport};

/// An evidence span: hex ids and the bigint span id as stored in `agenttrace.spans`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceRef {
    pub trace_id: String,
    pub span_id: String,
    pub span_id_int: i64,
}

/// The decisive finding of a verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisiveFinding {
    pub mode_id: &'static str,
    pub mode_name: &'static str,
    pub confidence: f32,
    pub agent_name: Option<String>,
    pub explanation: String,
    pub quote: Option<String>,
    pub rule: &'static str,
    /// Evidence spans, most important first.
    pub evidence: Vec<EvidenceRef>,
}

/// `agenttrace.verdict(run_id)` as jsonb.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunVerdict {
    /// What the framework reported: `success`, `failure` or `stopped_early`.
    pub operational_status: &'static str,
    pub operational_reason: Option<String>,
    /// What the analysis concludes: `success`, `failure` or `stopped_early` (a run the framework
    /// reported as successful becomes `failure` when a content finding reaches
    /// `verdict_min_confidence`).
    pub verdict: &'static str,
    pub failed: bool,
    /// The verdict differs from the operational status (a silent, content-only failure).
    pub silent_failure: bool,
    pub responsible_agent: Option<String>,
    pub decisive_span: Option<SpanLoc>,
    /// The finding the verdict rests on (the strongest content finding), if any.
    pub decisive_finding: Option<DecisiveFinding>,
    /// One sentence.
    pub explanation: String,
}

/// The strongest content finding at or above the verdict threshold.
pub fn decisive_finding<'f>(findings: &'f [Finding], cfg: &MastConfig) -> Option<&'f Finding> {
    findings
        .iter()
        .filter(|f| f.semantic && f.confidence >= cfg.verdict_min_confidence)
        .max_by(|a, b| a.confidence.total_cmp(&b.confidence).then(a.severity.cmp(&b.severity)))
}

/// The verdict of a classified run (see [`super::classify`]).
pub fn verdict(report: &MastReport, cfg: &MastConfig) -> RunVerdict {
    verdict_of(report.outcome, &report.findings, report.attribution.as_ref(), cfg)
}

pub(crate) fn verdict_of(op: &'static str, findings: &[Finding], att: Option<&Attribution>, cfg: &MastConfig) -> RunVerdict {
    let dec = decisive_finding(findings, cfg);
    let v = if op == "success" && dec.is_some() { "failure" } else { op };
    let responsible_agent = att.and_then(|a| a.responsible_agent.clone()).or_else(|| dec.and_then(|f| f.agent_name.clone()));
    let explanation = match (op, v, dec) {
        ("success", "success", _) => "the framework reported success and no content finding reached the verdict threshold".to_string(),
        ("success", _, Some(f)) => format!(
            "the framework reported success, but {} ({}): {}",
            f.mode_id,
            super::mode(f.mode_id).map(|m| m.name).unwrap_or(""),
            f.explanation
        ),
        _ => att.map(|a| a.explanation.clone()).unwrap_or_else(|| format!("the framework reported {op}")),
    };
    RunVerdict {
        operational_status: op,
        operational_reason: att.and_then(|a| a.reason.clone()),
        verdict: v,
        failed: v != "success",
        silent_failure: op != v,
        responsible_agent,
        decisive_span: att.and_then(|a| a.decisive_span.clone()),
        decisive_finding: dec.map(|f| DecisiveFinding {
            mode_id: f.mode_id,
            mode_name: super::mode(f.mode_id).map(|m| m.name).unwrap_or(""),
            confidence: f.confidence,
            agent_name: f.agent_name.clone(),
            explanation: f.explanation.clone(),
            quote: f.quote.clone(),
            rule: f.rule,
            evidence: f
                .spans
                .iter()
                .map(|(t, sp)| EvidenceRef {
                    trace_id: crate::ids::to_hex(t),
                    span_id: crate::ids::to_hex(sp),
                    span_id_int: crate::ids::span_id_to_i64(sp),
                })
                .collect(),
        }),
        explanation,
    }
}
