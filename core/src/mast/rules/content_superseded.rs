//! Content rule on conversation history (FC1): a figure the conversation replaced, against the
//! figures later turns work from.
//!
//! * FM-1.4 `superseded_figure_used`: a message corrects a figure ("Sorry, the $1,380 was the
//!   estimate; the final bill was $1,280"): it has a correction word, one figure the run had
//!   given before and one it had not; a later turn computes with the old figure and never the
//!   new one. It worked from the conversation as it was before the correction.
use std::collections::HashSet;
use std::sync::OnceLock;

use regex::Regex;

use super::super::facts::significant_numbers;
use super::super::text::head;
use super::super::transcript::flat;
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};

pub struct SupersededFigureUsed;

fn corrects(t: &str) -> bool {
    static C: OnceLock<Regex> = OnceLock::new();
    C.get_or_init(|| {
        Regex::new(r"(?i)\b(actually|sorry|correction|corrected|i meant|turns out|turned out|was the estimate|was wrong|is wrong|outdated|superseded|instead)\b")
            .expect("regex")
    })
    .is_match(t)
}

/// A year is context, not a figure of the case.
fn is_year(n: &str) -> bool {
    n.len() == 4 && (n.starts_with("19") || n.starts_with("20"))
}

impl Rule for SupersededFigureUsed {
    fn name(&self) -> &'static str {
        "superseded_figure_used"
    }
    fn mode_id(&self) -> &'static str {
        "FM-1.4"
    }
    fn describes(&self) -> &'static str {
        "a message that corrects one figure the run gave before with one it had not, against later turns' figures"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        if run.turns.is_empty() {
            return Verdict::NotJudgeable("no agent turns recorded".into());
        }
        let mut known: HashSet<String> =
            run.task.as_ref().map(|t| significant_numbers(head(&t.text, 16_000)).into_iter().collect()).unwrap_or_default();
        for (k, turn) in run.turns.iter().enumerate().take(512) {
            // What this turn was given, then what it said.
            for given in run.input_texts(turn).map(|x| head(x, 16_000)) {
                if given.split_whitespace().count() <= 80 && corrects(given) {
                    let figs: Vec<String> = significant_numbers(given).into_iter().filter(|n| !is_year(n)).collect();
                    let old: Vec<&String> = figs.iter().filter(|n| known.contains(*n)).collect();
                    let new: Vec<&String> = figs.iter().filter(|n| !known.contains(*n)).collect();
                    if let ([o], [n]) = (old.as_slice(), new.as_slice()) {
                        if let Some(f) = used_later(run, k, o, n, given, self.name()) {
                            return Verdict::Judged(vec![f]);
                        }
                    }
                }
                known.extend(significant_numbers(given));
            }
            if let Some((o, _)) = &turn.output {
                known.extend(significant_numbers(head(o, 32_000)));
            }
        }
        Verdict::Judged(Vec::new())
    }
}

/// The first turn after turn `k` that states the old figure `o` and never the new one `n`, when
/// no turn from `k` on stated `n` before it.
fn used_later(run: &RunView, k: usize, o: &str, n: &str, message: &str, rule: &'static str) -> Option<Finding> {
    for t in &run.turns[k..] {
        let Some((out, span)) = &t.output else { continue };
        let figs = significant_numbers(head(out, 32_000));
        if figs.iter().any(|x| x == n) {
            return None;
        }
        if run.turns[k].idx != t.idx && figs.iter().any(|x| x == o) {
            return Some(
                Finding::new(
                    "FM-1.4",
                    rule,
                    Severity::High,
                    0.8,
                    Some(t.agent.clone()),
                    vec![run.span_ref(*span), run.span_ref(run.turns[k].idx)],
                    format!(
                        "the conversation replaced {o} with {n} («{}»), but {} works from {o}: «{}»",
                        flat(message, 140),
                        t.agent,
                        flat(out, 140)
                    ),
                )
                .with_quote(flat(message, 200)),
            );
        }
    }
    None
}
