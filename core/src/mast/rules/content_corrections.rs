//! Content rule on corrections handed on (FC2): a reviewer's corrected wording against what the
//! agent that received it did next.
//!
//! * FM-2.5 `correction_not_applied`: an agent's message gives a negative verdict (INCORRECT,
//!   WRONG, FAIL, REJECTED, NEEDS CHANGES) with the corrected text in quotes ("Corrected
//!   wording: 'will reopen July 12'", "should read '...'"); the next agent that was given that
//!   message (its recorded input holds the corrected text) then speaks or acts, and none of its
//!   later words or tool arguments carries any correction (its figures, or half its words). It
//!   went on as if the verdicts were not there.
use std::sync::OnceLock;

use regex::Regex;

use super::super::facts::{content_words, has_word, numbers};
use super::super::transcript::{flat, StepKind};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};

pub struct CorrectionNotApplied;

/// The corrected texts a message gives with a negative verdict.
fn corrections(text: &str) -> Vec<String> {
    static V: OnceLock<Regex> = OnceLock::new();
    static C: OnceLock<Regex> = OnceLock::new();
    let verdict = V.get_or_init(|| {
        Regex::new(r"\b(INCORRECT|WRONG|FAIL(?:ED|S)?|REJECT(?:ED)?|NEEDS? (?:CHANGES|REVISION)|CHANGES REQUESTED)\b").expect("regex")
    });
    if !verdict.is_match(text) {
        return Vec::new();
    }
    let c = C.get_or_init(|| {
        Regex::new(r#"(?i)(?:correct(?:ed)? (?:wording|text|version|figure|value)|should (?:read|say|be)|change (?:it |this )?to|replace (?:it |this )?with)\s*:?\s*['"“‘`]([^'"”’`\n]{3,200})['"”’`]"#)
            .expect("regex")
    });
    c.captures_iter(text).map(|m| m[1].trim().to_string()).collect()
}

/// `text` carries the correction: all its figures (small ones too: "about 8%"), or, when it
/// has none, half its content words.
fn carries(text: &str, correction: &str) -> bool {
    let figures = |x: &str| -> Vec<String> { numbers(x).into_iter().map(|(n, _)| n).collect() };
    let nums = figures(correction);
    if !nums.is_empty() {
        let said = figures(text);
        return nums.iter().all(|n| said.contains(n));
    }
    let words = content_words(correction);
    !words.is_empty() && words.iter().filter(|w| has_word(text, w)).count() * 2 >= words.len()
}

impl Rule for CorrectionNotApplied {
    fn name(&self) -> &'static str {
        "correction_not_applied"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.5"
    }
    fn describes(&self) -> &'static str {
        "corrected wording given with a negative verdict against the later words and tool arguments of the agent that received it"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let mut judged = false;
        for &k in &t.said {
            let u = &t.steps[k];
            let Some(author) = u.agent.as_deref() else { continue };
            let fixes = corrections(&u.text);
            if fixes.is_empty() {
                continue;
            }
            // The agent that received it: the first other agent, not an executor, whose turn
            // after it records an input (its own or its model calls') holding a correction.
            let Some(turn) = run.turns.iter().find(|tr| {
                tr.start >= u.time_ns
                    && tr.agent != author
                    && t.roles.get(&tr.agent).is_none_or(|r| *r != "executor")
                    && run.input_texts(tr).any(|i| fixes.iter().any(|f| i.contains(f.as_str())))
            }) else {
                continue;
            };
            judged = true;
            let b = turn.agent.as_str();
            let later: Vec<&super::super::transcript::Step> = t
                .steps
                .iter()
                .filter(|s| s.time_ns >= turn.start && s.agent.as_deref() == Some(b))
                .filter(|s| matches!(s.kind, StepKind::LlmCall | StepKind::AgentOutput | StepKind::Message | StepKind::ToolCall))
                .collect();
            let Some(first) = later.iter().find(|s| s.kind != StepKind::ToolCall && !s.text.trim().is_empty()) else { continue };
            let applied = later.iter().any(|s| {
                let args = s.arguments.as_deref().unwrap_or("");
                // Its words, and the arguments of its calls (a call's result is not its doing).
                let own = if s.kind == StepKind::ToolCall { args } else { s.text.as_str() };
                fixes.iter().any(|f| carries(own, f))
            });
            if applied {
                continue;
            }
            let f = Finding::new(
                "FM-2.5",
                self.name(),
                Severity::High,
                0.8,
                Some(b.to_string()),
                vec![run.span_ref(first.span), run.span_ref(u.span)],
                format!(
                    "{author} gave corrections («{}») and {b} was given them, but nothing {b} said or did after carries any: «{}»",
                    flat(&fixes.join("» / «"), 140),
                    flat(&first.text, 140)
                ),
            )
            .with_quote(flat(&u.text, 200));
            return Verdict::Judged(vec![f]);
        }
        if !judged {
            return Verdict::NotJudgeable("no corrected wording given with a negative verdict and received by another agent".into());
        }
        Verdict::Judged(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::{carries, corrections};

    #[test]
    fn corrections_and_their_use() {
        let c = corrections("Claim 2 (12%): INCORRECT. Corrected wording: 'will rise about 8% next year'.\nClaim 4: INCORRECT. Corrected wording: 'which will reopen July 12'.");
        assert_eq!(c, vec!["will rise about 8% next year".to_string(), "which will reopen July 12".to_string()]);
        assert!(corrections("Corrected wording: 'x y z' — all CORRECT otherwise").is_empty());
        assert!(carries("Applied: '12%' -> 'about 8%'.", &c[0]));
        assert!(!carries("No changes needed; scheduled rev 3.", &c[0]));
    }
}
