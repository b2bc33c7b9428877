//! Content rule on completion (FC3): an item the task asks for, reported missing, against the
//! answer that closed the run.
//!
//! * FM-3.1 `item_reported_missing`: the task enumerates items to cover ("the three stations
//!   Pier Street, Civic Center and Marlow Square"); an agent reported one of them missing ("Marlow
//!   Square does not appear on this page"), no later text found it, and the final answer covers
//!   the others without it. The run was declared done with an item it knew it had not found;
//!   blamed on the first agent to act after the report (the one that went on as if complete).
use std::sync::OnceLock;

use regex::Regex;

use super::super::facts::{has_word, required_enumerations};
use super::super::transcript::{flat, StepKind};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};

pub struct ItemReportedMissing;

/// Every word (three letters or more) of the item, as words of the text.
fn names(item: &str, text: &str) -> bool {
    let words: Vec<&str> = item.split_whitespace().filter(|w| w.chars().count() >= 3).collect();
    !words.is_empty() && words.iter().all(|w| has_word(text, w))
}

/// Sentences of a text (split at . ! ? and line ends), bounded.
fn sentences(t: &str) -> impl Iterator<Item = &str> {
    super::super::text::head(t, 32_000).split(['.', '!', '?', '\n']).filter(|s| !s.trim().is_empty())
}

/// A sentence that says the item is not there ("does not appear", "not found", "missing").
fn says_missing(s: &str) -> bool {
    static M: OnceLock<Regex> = OnceLock::new();
    M.get_or_init(|| {
        Regex::new(r"(?i)\b(not (?:appear|shown|listed|included|present|found|available|on this page)|does not appear|doesn't appear|is missing|are missing|not yet (?:found|read|shown)|could not find|couldn't find|no (?:row|entry|figure|data) for)\b")
            .expect("regex")
    })
    .is_match(s)
}

impl Rule for ItemReportedMissing {
    fn name(&self) -> &'static str {
        "item_reported_missing"
    }
    fn mode_id(&self) -> &'static str {
        "FM-3.1"
    }
    fn describes(&self) -> &'static str {
        "items the task enumerates that an agent reported missing and the final answer leaves out"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let (Some(task), Some(fin)) = (t.task.as_deref(), run.final_output.as_ref()) else {
            return Verdict::NotJudgeable("no task or no final output recorded".into());
        };
        let lists = required_enumerations(task);
        if lists.is_empty() {
            return Verdict::Judged(Vec::new());
        }
        let answer = super::super::text::head(&fin.text, 16_000);
        let said: Vec<usize> = (0..t.steps.len())
            .filter(|&k| matches!(t.steps[k].kind, StepKind::AgentOutput | StepKind::Message | StepKind::LlmCall | StepKind::ToolCall))
            .filter(|&k| t.steps[k].span != fin.span)
            .collect();
        for items in lists {
            let covered = items.iter().filter(|i| names(i, answer)).count();
            for item in items.iter().filter(|i| !names(i, answer)) {
                if covered == 0 {
                    break;
                }
                // The first report that the item is missing, and no later sentence that has it.
                let Some(pos) = said.iter().position(|&k| sentences(&t.steps[k].text).any(|s| names(item, s) && says_missing(s))) else {
                    continue;
                };
                let found_later = said[pos + 1..].iter().any(|&k| sentences(&t.steps[k].text).any(|s| names(item, s) && !says_missing(s)));
                if found_later {
                    continue;
                }
                let report = &t.steps[said[pos]];
                // Who went on: the turn after the one that reported it (else that turn itself).
                let Some(k) = run.turn_of[report.span] else { continue };
                let next = run.turns.get(k + 1).unwrap_or(&run.turns[k]);
                let quote = sentences(&report.text).find(|s| names(item, s) && says_missing(s)).unwrap_or("");
                return Verdict::Judged(vec![Finding::new(
                    "FM-3.1",
                    self.name(),
                    Severity::High,
                    0.8,
                    Some(next.agent.clone()),
                    vec![run.span_ref(next.idx), run.span_ref(report.span), run.span_ref(fin.span)],
                    format!(
                        "the task lists {} ({}); {} reported «{}», nothing later found it, and {} went on: the final answer covers {covered} of them without {item}",
                        items.len(),
                        items.join(", "),
                        report.agent.as_deref().unwrap_or("an agent"),
                        flat(quote.trim(), 120),
                        next.agent,
                    ),
                )
                .with_quote(flat(quote.trim(), 200))]);
            }
        }
        Verdict::Judged(Vec::new())
    }
}
