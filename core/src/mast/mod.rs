//! MAST failure classification and failure attribution.
//!
//! The MAST taxonomy (Cemri et al., "Why Do Multi-Agent LLM Systems Fail?", arXiv 2503.13657)
//! names 14 failure modes in 3 categories. [`classify`] runs a deterministic rule engine over
//! one analysed run: every [`Finding`] names its mode, the responsible agent, the evidence spans
//! and a one-sentence explanation quoting the evidence, and every mode the data cannot support
//! is reported as `not_judgeable` with the reason instead of being guessed.
//! [`attribute_failure`] names the agent and the decisive span of a failed or stopped run,
//! following errors back to their first cause, with ranked candidates.
//!
//! Rules are data-driven ([`MastConfig`], filled from `agenttrace.mast_settings`) and
//! pluggable: a rule implements [`Rule`] and is listed in [`rules::REGISTRY`]; there is one
//! file per rule family (MAST category) under `rules/`.
//!
//! Content rules (`rules/content_*.rs`) judge what agents said and did, on the run's
//! [`Transcript`] (built once per run from the span facts) with the pattern helpers of
//! [`facts`]. A content finding at or above `verdict_min_confidence` makes a run the framework
//! reported as successful a failed one: [`RunVerdict`] (in [`MastReport::verdict`], or
//! [`run_verdict`]) shows the operational status next to the analysed verdict. [`judge`] builds
//! the LLM-judge prompt from the transcript and parses the judge's answer.
use serde::Serialize;

use crate::analyze::{analyze_run, RunAnalysis};
use crate::model::SpanRecord;
use crate::normalize::OutcomeStatus;

mod attribution;
mod config;
pub mod eval;
pub mod facts;
pub mod judge;
pub mod roles;
pub mod rules;
pub mod semantic_eval;
pub mod text;
pub mod transcript;
mod verdict;
mod view;

pub use attribution::{attribute_failure, Attribution, Candidate, SpanLoc};
pub use config::MastConfig;
pub use judge::{judge_findings, judge_prompt, parse_judge_answer, JudgeError, JudgePrompt, JudgeVerdict};
pub use transcript::Transcript;
pub use verdict::{decisive_finding, verdict, DecisiveFinding, EvidenceRef, RunVerdict};
pub use view::RunView;

/// One MAST failure-mode definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FailureMode {
    pub id: &'static str,
    pub category_id: &'static str,
    pub category: &'static str,
    pub name: &'static str,
    pub definition: &'static str,
}

const FC1: (&str, &str) = ("FC1", "System design issues");
const FC2: (&str, &str) = ("FC2", "Inter-agent misalignment");
const FC3: (&str, &str) = ("FC3", "Task verification");

macro_rules! mode {
    ($id:literal, $fc:expr, $name:literal, $def:literal) => {
        FailureMode { id: $id, category_id: $fc.0, category: $fc.1, name: $name, definition: $def }
    };
}

/// The 14 MAST failure modes.
pub static MODES: &[FailureMode] = &[
    mode!("FM-1.1", FC1, "Disobey task specification", "Failure to adhere to the specified constraints or requirements of a given task, leading to suboptimal or incorrect outcomes."),
    mode!("FM-1.2", FC1, "Disobey role specification", "Failure to adhere to the defined responsibilities and constraints of an assigned role, potentially leading to an agent behaving like another."),
    mode!("FM-1.3", FC1, "Step repetition", "Unnecessary reiteration of previously completed steps in a process, potentially causing delays or errors in task completion."),
    mode!("FM-1.4", FC1, "Loss of conversation history", "Unexpected context truncation, disregarding recent interaction history and reverting to an antecedent conversational state."),
    mode!("FM-1.5", FC1, "Unaware of termination conditions", "Lack of recognition or understanding of the criteria designed to trigger the termination of the agents' interaction, potentially leading to unnecessary continuation."),
    mode!("FM-2.1", FC2, "Conversation reset", "Unexpected or unwarranted restarting of a dialogue, potentially losing context and progress made in the interaction."),
    mode!("FM-2.2", FC2, "Fail to ask for clarification", "Inability to request additional information when faced with unclear or incomplete data, potentially resulting in incorrect actions."),
    mode!("FM-2.3", FC2, "Task derailment", "Deviation from the intended objective or focus of a given task, potentially resulting in irrelevant or unproductive actions."),
    mode!("FM-2.4", FC2, "Information withholding", "Failure to share or communicate important data or insights that an agent possesses and that could impact the decision-making of other agents if shared."),
    mode!("FM-2.5", FC2, "Ignored other agent's input", "Disregarding or failing to adequately consider input or recommendations provided by other agents (or tools) in the system."),
    mode!("FM-2.6", FC2, "Reasoning-action mismatch", "Discrepancy between the logical reasoning process and the actual actions taken by the agent."),
    mode!("FM-3.1", FC3, "Premature termination", "Ending a dialogue, interaction or task before all necessary information has been exchanged or objectives have been met."),
    mode!("FM-3.2", FC3, "No or incomplete verification", "Omission of proper checking or confirmation of task outcomes or system outputs, allowing errors or inconsistencies to propagate undetected."),
    mode!("FM-3.3", FC3, "Incorrect verification", "Failure to adequately validate or cross-check crucial information or decisions during the iterations, leading to errors or vulnerabilities."),
];

/// Definition of a mode id (`FM-1.3`), if it is one of the 14.
pub fn mode(id: &str) -> Option<&'static FailureMode> {
    MODES.iter().find(|m| m.id == id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
    pub fn weight(&self) -> f32 {
        match self {
            Severity::Low => 0.25,
            Severity::Medium => 0.5,
            Severity::High => 0.75,
            Severity::Critical => 1.0,
        }
    }
}

/// Evidence spans are named by their key, (trace id, span id).
pub use crate::run::SpanKey;

/// One explained MAST finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub mode_id: &'static str,
    pub category_id: &'static str,
    pub severity: Severity,
    /// 0..1: how sure the rule is that the evidence shows this mode.
    pub confidence: f32,
    pub agent_name: Option<String>,
    /// Evidence spans, most important first.
    #[serde(skip)]
    pub spans: Vec<SpanKey>,
    /// One sentence quoting the evidence.
    pub explanation: String,
    /// Name of the rule that produced it.
    pub rule: &'static str,
    /// The text (from the transcript) that proves it, verbatim excerpt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// True for content (semantic) rules: a high-confidence one makes the analysed verdict
    /// "failed" even when the framework reported success.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub semantic: bool,
}

impl Finding {
    pub fn new(
        mode_id: &'static str,
        rule: &'static str,
        severity: Severity,
        confidence: f32,
        agent: Option<String>,
        spans: Vec<SpanKey>,
        explanation: String,
    ) -> Self {
        let category_id = mode(mode_id).map(|m| m.category_id).unwrap_or("FC?");
        Finding {
            mode_id,
            category_id,
            severity,
            confidence: confidence.clamp(0.0, 1.0),
            agent_name: agent,
            spans,
            explanation,
            rule,
            quote: None,
            semantic: false,
        }
    }

    /// A content finding: quotes the text that proves it.
    pub fn with_quote(mut self, quote: impl Into<String>) -> Self {
        self.quote = Some(quote.into());
        self.semantic = true;
        self
    }
}

/// Whether a mode could be judged on this run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeStatus {
    pub mode_id: &'static str,
    /// `judgeable`, `not_judgeable` or `disabled`.
    pub status: &'static str,
    /// Why not judgeable / what was checked.
    pub reason: String,
    pub findings: usize,
}

/// What one rule concluded.
pub enum Verdict {
    /// The rule could judge the run; zero findings means the mode was not observed.
    Judged(Vec<Finding>),
    /// The data cannot support this rule on this run (why).
    NotJudgeable(String),
}

/// A MAST rule. Implement it in the file of its family under `rules/` and add it to
/// [`rules::REGISTRY`]; several rules may serve one mode.
pub trait Rule: Sync {
    /// Rule name (stable, snake_case).
    fn name(&self) -> &'static str;
    /// The MAST mode it detects.
    fn mode_id(&self) -> &'static str;
    /// What the rule checks, one sentence (used in the per-mode report).
    fn describes(&self) -> &'static str;
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict;
}

/// Result of classifying one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MastReport {
    /// `success`, `failure` or `stopped_early` (from the run analysis).
    pub outcome: &'static str,
    pub failed: bool,
    pub findings: Vec<Finding>,
    /// One entry per MAST mode, in taxonomy order.
    pub modes: Vec<ModeStatus>,
    /// Present for failed or stopped runs, and for runs whose analysed verdict is failed.
    pub attribution: Option<Attribution>,
    /// Operational status next to the analysed verdict.
    pub verdict: RunVerdict,
}

/// Classifies an analysed run: all registered rules, then failure attribution.
pub fn classify(spans: &[SpanRecord], analysis: &RunAnalysis, cfg: &MastConfig) -> MastReport {
    let view = RunView::new(spans, analysis, cfg);
    let mut findings = Vec::new();
    let mut modes: Vec<ModeStatus> =
        MODES.iter().map(|m| ModeStatus { mode_id: m.id, status: "not_judgeable", reason: String::new(), findings: 0 }).collect();
    let mut reasons: Vec<Vec<String>> = vec![Vec::new(); MODES.len()];
    for rule in rules::REGISTRY {
        let Some(k) = MODES.iter().position(|m| m.id == rule.mode_id()) else {
            continue;
        };
        if cfg.disabled_modes.iter().any(|d| d == rule.mode_id()) || cfg.disabled_rules.iter().any(|d| d == rule.name()) {
            if modes[k].status == "not_judgeable" {
                modes[k].status = "disabled";
            }
            reasons[k].push(format!("{}: disabled by settings", rule.name()));
            continue;
        }
        match rule.check(&view, cfg) {
            Verdict::Judged(fs) => {
                modes[k].status = "judgeable";
                let fs: Vec<Finding> = fs.into_iter().filter(|f| f.confidence >= cfg.min_confidence).collect();
                modes[k].findings += fs.len();
                reasons[k].push(format!("{}: {}", rule.name(), rule.describes()));
                findings.extend(fs);
            }
            Verdict::NotJudgeable(why) => reasons[k].push(format!("{}: {why}", rule.name())),
        }
    }
    for (m, r) in modes.iter_mut().zip(reasons) {
        if r.is_empty() {
            m.reason = "no rule can judge this mode from trace data; use agenttrace.annotate() with an external judge".into();
        } else {
            m.reason = r.join("; ");
        }
    }
    findings.sort_by(|a, b| a.mode_id.cmp(b.mode_id).then(b.confidence.total_cmp(&a.confidence)));
    let failed = analysis.outcome.status != OutcomeStatus::Success;
    let silent = !failed && decisive_finding(&findings, cfg).is_some();
    let attribution = (failed || silent).then(|| attribute_failure(&view, &findings, cfg));
    let outcome = analysis.outcome.status.as_str();
    let verdict = verdict::verdict_of(outcome, &findings, attribution.as_ref(), cfg);
    MastReport { outcome, failed, findings, modes, attribution, verdict }
}

/// The LLM-judge prompt of a run (`agenttrace.judge_prompt(run_id)`): analysis, transcript,
/// then [`judge_prompt`] within `max_tokens`.
pub fn run_judge_prompt(spans: &[SpanRecord], cfg: &MastConfig, max_tokens: usize) -> JudgePrompt {
    let a = analyze_run(spans);
    let view = RunView::new(spans, &a, cfg);
    judge_prompt(view.transcript(), max_tokens)
}

/// The verdict of a run (`agenttrace.verdict(run_id)`): analysis, classification, verdict.
pub fn run_verdict(spans: &[SpanRecord], cfg: &MastConfig) -> RunVerdict {
    classify_spans(spans, cfg).1.verdict
}

/// The transcript of a run as jsonb-ready data (`agenttrace.transcript(run_id)`).
pub fn run_transcript(spans: &[SpanRecord], cfg: &MastConfig) -> Transcript {
    let a = analyze_run(spans);
    let view = RunView::new(spans, &a, cfg);
    view.transcript().clone()
}

/// What `agenttrace.attribute_failure(run_id)` answers: who is responsible, at which step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AskedAttribution {
    #[serde(flatten)]
    pub attribution: Attribution,
    /// Whether the analysis itself found the run failed, stopped early or silently failed.
    pub failure_found: bool,
}

/// The attribution of a run as asked: the report's when the analysis found a failure; for any
/// other run the ranking the same evidence gives, with `failure_found` false. A user asks about a
/// run they know went wrong, and the commonest such run ends with a wrong answer that nothing in
/// the trace contradicts: the analysis judges it a success, and the question still has an
/// answer (where the answer was made, who produced the work).
pub fn attribution_as_asked(spans: &[SpanRecord], analysis: &RunAnalysis, report: &MastReport, cfg: &MastConfig) -> AskedAttribution {
    if let Some(a) = &report.attribution {
        return AskedAttribution { attribution: a.clone(), failure_found: true };
    }
    let view = RunView::new(spans, analysis, cfg);
    let mut a = attribute_failure(&view, &report.findings, cfg);
    a.explanation = format!("the analysis found no failure in this run; if it went wrong: {}", a.explanation);
    AskedAttribution { attribution: a, failure_found: false }
}

/// Convenience: [`analyze_run`] then [`classify`].
pub fn classify_spans(spans: &[SpanRecord], cfg: &MastConfig) -> (RunAnalysis, MastReport) {
    let a = analyze_run(spans);
    let r = classify(spans, &a, cfg);
    (a, r)
}
