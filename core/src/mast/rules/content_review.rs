//! Content rule on reviews that undo the task (FC3): what a review made the author change,
//! against what the task demands.
//!
//! * FM-3.3 `review_undid_requirement`: the task states a condition as code (`status ==
//!   'reversed'`, `amount > 0`); an author's code holds it; a reviewer's message names it; the
//!   author's next code no longer does. The review asked to undo what the task demands.
use std::sync::OnceLock;

use regex::Regex;

use super::super::transcript::{flat, Step, StepKind};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};

pub struct ReviewUndidRequirement;

/// Conditions the task writes as code: `name op value` with a quoted or numeric value. Each as
/// (its text, its identifier words).
fn task_conditions(task: &str) -> Vec<(String, Vec<String>)> {
    static C: OnceLock<Regex> = OnceLock::new();
    let c = C.get_or_init(|| {
        Regex::new(r#"\b([A-Za-z_][A-Za-z0-9_.]*)\s*(==|!=|<=|>=|<|>|=)\s*('[^'\n]{1,40}'|"[^"\n]{1,40}"|-?\d+(?:\.\d+)?)"#).expect("regex")
    });
    c.captures_iter(task)
        .map(|m| {
            let words: Vec<String> =
                m[0].split(|ch: char| !ch.is_alphanumeric() && ch != '_').filter(|w| w.len() >= 3).map(str::to_lowercase).collect();
            (m[0].to_string(), words)
        })
        .filter(|(_, w)| w.len() >= 2)
        .collect()
}

/// The code blocks of a text (between ``` fences), lower-cased.
pub(super) fn code(t: &str) -> Option<String> {
    let blocks: Vec<&str> = t.split("```").skip(1).step_by(2).collect();
    (!blocks.is_empty()).then(|| blocks.join("\n").to_lowercase())
}

/// Every word of the condition in one line of the code.
fn holds(code: &str, words: &[String]) -> bool {
    code.lines().any(|l| words.iter().all(|w| l.contains(w.as_str())))
}

fn is_text(s: &Step) -> bool {
    matches!(s.kind, StepKind::LlmCall | StepKind::AgentOutput | StepKind::Message) && !s.text.is_empty()
}

impl Rule for ReviewUndidRequirement {
    fn name(&self) -> &'static str {
        "review_undid_requirement"
    }
    fn mode_id(&self) -> &'static str {
        "FM-3.3"
    }
    fn describes(&self) -> &'static str {
        "conditions the task writes as code, held by an author's code, named by another agent's message, and gone from the author's next code"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let Some(task) = t.task.as_deref() else {
            return Verdict::NotJudgeable("no task recorded".into());
        };
        let conditions = task_conditions(task);
        if conditions.is_empty() {
            return Verdict::NotJudgeable("the task states no condition as code".into());
        }
        for (cond, words) in &conditions {
            // An author's code that holds the condition, a later message of another agent that
            // names it, then the author's next code without it.
            for (i, w) in t.steps.iter().enumerate().filter(|(_, s)| is_text(s)) {
                let Some(author) = w.agent.as_deref() else { continue };
                if !code(&w.text).is_some_and(|c| holds(&c, words)) {
                    continue;
                }
                let later = &t.steps[i + 1..];
                let Some(r) = later.iter().position(|s| {
                    is_text(s)
                        && s.agent.as_deref().is_some_and(|a| a != author)
                        && code(&s.text).is_none()
                        && holds(&s.text.to_lowercase(), words)
                }) else {
                    continue;
                };
                let review = &later[r];
                let Some(next) =
                    later[r + 1..].iter().find(|s| is_text(s) && s.agent.as_deref() == Some(author) && code(&s.text).is_some())
                else {
                    continue;
                };
                if code(&next.text).is_some_and(|c| holds(&c, words)) {
                    continue;
                }
                let reviewer = review.agent.clone();
                return Verdict::Judged(vec![Finding::new(
                    "FM-3.3",
                    self.name(),
                    Severity::High,
                    0.8,
                    reviewer.clone(),
                    vec![run.span_ref(review.span), run.span_ref(next.span), run.span_ref(w.span)],
                    format!(
                        "the task demands `{cond}`; {author}'s code held it, {}'s review named it («{}»), and {author}'s next code dropped it",
                        reviewer.as_deref().unwrap_or("a reviewer"),
                        flat(&review.text, 160)
                    ),
                )
                .with_quote(flat(task, 200))]);
            }
        }
        Verdict::Judged(Vec::new())
    }
}
