//! Content rule on completion (FC1/FC3): the answer a verifier confirmed against the answer the
//! run delivered.
//!
//! * FM-1.5 `answer_replaced_after_approval`: a verifier confirmed a result and handed it over
//!   to end the run ("confirmed ... post the final answer", or its turn ends with the
//!   termination keyword); after it another agent went on, and the run delivered figures that
//!   first appear after that approval, without the confirmed one and without a later approval.
//!   The end condition was met and passed over, and what was delivered was never checked.
use std::collections::HashSet;

use super::super::facts::significant_numbers;
use super::super::text::{find_termination, head, quote};
use super::super::transcript::flat;
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};

pub struct AnswerReplacedAfterApproval;

/// A calendar year (1900–2099) is context, not a result.
fn is_year(n: &str) -> bool {
    n.len() == 4 && (n.starts_with("19") || n.starts_with("20")) && n.chars().all(|c| c.is_ascii_digit())
}

/// The approval hands the result over to end the run: it speaks of the final answer or ends
/// with the termination keyword.
fn hands_over(text: &str, cfg: &MastConfig) -> bool {
    let lower = text.to_lowercase();
    lower.split(|c: char| !c.is_alphanumeric()).any(|w| w == "final") || find_termination(text, &cfg.termination_keywords).is_some()
}

impl Rule for AnswerReplacedAfterApproval {
    fn name(&self) -> &'static str {
        "answer_replaced_after_approval"
    }
    fn mode_id(&self) -> &'static str {
        "FM-1.5"
    }
    fn describes(&self) -> &'static str {
        "the last verifier approval that hands the result over, against the final answer's figures that first appear after it"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        let Some(fin) = run.final_output.as_ref() else {
            return Verdict::NotJudgeable("no final output recorded".into());
        };
        let approvals: Vec<_> = run.checks.iter().filter(|c| !c.guardrail && c.text.is_some()).collect();
        let Some(c) = approvals.last().filter(|c| c.approved == Some(true)) else {
            return Verdict::Judged(Vec::new());
        };
        let said = head(c.text.as_deref().unwrap_or(""), 16_000);
        let t_appr = run.end(c.span);
        if !hands_over(said, cfg) || run.end(fin.span) < t_appr {
            return Verdict::Judged(Vec::new());
        }
        // Figures known when the verifier approved: the task's, and every text recorded up to
        // the approval (turns, tool results, model calls).
        let task: HashSet<String> =
            run.task.as_ref().map(|t| significant_numbers(head(&t.text, 16_000)).into_iter().collect()).unwrap_or_default();
        let mut known = task.clone();
        for s in run.transcript().steps.iter().filter(|s| s.time_ns < t_appr && s.span != fin.span) {
            known.extend(significant_numbers(head(&s.text, 32_000)));
        }
        known.extend(significant_numbers(said));
        // What it confirmed: its last figure the task did not give.
        let Some(confirmed) =
            super::super::facts::numbers(said).into_iter().map(|(n, _)| n).rfind(|n| n.len() >= 2 && !task.contains(n) && !is_year(n))
        else {
            return Verdict::Judged(Vec::new());
        };
        let fin_text = head(&fin.text, 8_000);
        let fin_figs = significant_numbers(fin_text);
        let new: Vec<&String> = fin_figs.iter().filter(|n| !known.contains(*n) && !is_year(n)).collect();
        if new.is_empty() || fin_figs.contains(&confirmed) {
            return Verdict::Judged(Vec::new());
        }
        // Who went on: the first turn after the approval by another agent.
        let Some(k) = run.turns.iter().position(|t| t.start >= t_appr && c.agent.as_deref() != Some(t.agent.as_str())) else {
            return Verdict::Judged(Vec::new());
        };
        let t = &run.turns[k];
        // The turn that went on first: it is the step where the run went wrong.
        let mut spans = vec![run.span_ref(t.idx), run.span_ref(c.span)];
        if fin.span != t.idx {
            spans.push(run.span_ref(fin.span));
        }
        let shown: Vec<&str> = new.iter().take(3).map(|s| s.as_str()).collect();
        Verdict::Judged(vec![Finding::new(
            "FM-1.5",
            self.name(),
            Severity::High,
            0.8,
            Some(t.agent.clone()),
            spans,
            format!(
                "{} confirmed {confirmed} and handed it over («{}»), but {} went on and the run delivered {} instead, which no one verified: «{}»",
                c.agent.as_deref().unwrap_or("a verifier"),
                quote(said.rsplit('\n').find(|l| !l.trim().is_empty()).unwrap_or(said), 100),
                t.agent,
                shown.join(", "),
                flat(fin_text, 120)
            ),
        )
        .with_quote(flat(fin_text, 200))])
    }
}
