//! Content rule on plans (FC3): the numbered plan an agent wrote against what the run did
//! before it ended.
//!
//! * FM-3.1 `plan_step_dropped`: an agent's first numbered plan (two or more items "1. ...",
//!   "2) ...") assigns items to agents by name ("1. Coder: ..."); an agent that took fewer turns
//!   after the plan than it has items has an item whose own words (not the task's, not another item's, not an agent's
//!   name) mostly appear nowhere after the plan (four or more missing, at most a third seen), and
//!   the run ended with a final answer:
//!   that step was never done. Blamed on the agent that gave the final answer when it wrote the
//!   plan (it ended the run before its own plan was through), else on the plan's author.
use std::sync::OnceLock;

use regex::Regex;

use super::super::text::{word_set, Words};
use super::super::transcript::{flat, StepKind};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};

pub struct PlanStepDropped;

/// The numbered items of a text (at least two, numbered from 1 in order).
fn numbered_items(t: &str) -> Vec<&str> {
    static N: OnceLock<Regex> = OnceLock::new();
    let n = N.get_or_init(|| Regex::new(r"^\s*(?:step\s+)?(\d{1,2})[.):]\s+(\S.*)$").expect("regex"));
    let mut items = Vec::new();
    for l in t.lines() {
        if let Some(c) = n.captures(&l.to_lowercase()) {
            if c[1].parse::<usize>().ok() == Some(items.len() + 1) {
                let at = l.len() - c.get(2).map_or(0, |m| l.len().min(m.as_str().len()));
                items.push(l.get(at..).unwrap_or(l));
            }
        }
    }
    if items.len() >= 2 {
        items
    } else {
        Vec::new()
    }
}

impl Rule for PlanStepDropped {
    fn name(&self) -> &'static str {
        "plan_step_dropped"
    }
    fn mode_id(&self) -> &'static str {
        "FM-3.1"
    }
    fn describes(&self) -> &'static str {
        "each item of the first numbered plan an agent wrote against everything said, run and returned after it, in a run that ended with an answer"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let (Some(task), Some(_)) = (t.task.as_deref(), t.final_output.as_deref()) else {
            return Verdict::NotJudgeable("no task or no final answer recorded".into());
        };
        let Some((k, items)) = t
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind != StepKind::ToolCall)
            .map(|(k, s)| (k, numbered_items(&s.text)))
            .find(|(_, v)| !v.is_empty())
        else {
            return Verdict::NotJudgeable("no numbered plan".into());
        };
        let plan = &t.steps[k];
        let Some(author) = plan.agent.as_deref() else { return Verdict::Judged(Vec::new()) };
        let mut common: Words = word_set(task, 16_000);
        for a in t.roles.keys().chain(t.instructions.iter().map(|i| &i.agent)) {
            common.extend(word_set(a, 200));
        }
        let sets: Vec<Words> = items.iter().map(|i| word_set(i, 2000)).collect();
        // Who each item is assigned to: an agent named in its first three words ("Coder: ...",
        // "**Analyst** — ..."); items with no agent or a condition ("If ...") are not judged.
        let agents: Vec<&str> = t.roles.keys().map(String::as_str).chain(t.instructions.iter().map(|i| i.agent.as_str())).collect();
        let squash = |x: &str| x.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>();
        let assigned: Vec<Option<&str>> = items
            .iter()
            .map(|i| {
                let head: Vec<String> = i.split_whitespace().take(3).map(squash).collect();
                agents.iter().copied().find(|a| head.iter().any(|h| *h == squash(a)))
            })
            .collect();
        // An agent that acted after the plan at least as often as it has items did its share.
        let turns_after =
            |a: &str| t.steps[k + 1..].iter().filter(|s| s.agent.as_deref() == Some(a) && matches!(s.kind, StepKind::AgentOutput)).count();
        for (n, own) in sets.iter().enumerate() {
            let Some(x) = assigned[n] else { continue };
            if items[n].trim_start().to_lowercase().starts_with("if ")
                || turns_after(x) >= assigned.iter().filter(|y| **y == Some(x)).count()
            {
                continue;
            }
            // What was said, run and returned after the plan, except the plan passed on again
            // (the same output recorded twice, a message that carries it).
            let mut after: Words = Words::default();
            for s in t.steps[k + 1..].iter().filter(|s| !s.text.contains(items[n])) {
                after.extend(word_set(&s.text, 32_000));
                if let Some(a) = &s.arguments {
                    after.extend(word_set(a, 8000));
                }
            }
            let distinct: Words = own
                .iter()
                .filter(|w| !common.contains(*w) && sets.iter().enumerate().all(|(m, o)| m == n || !o.contains(*w)))
                .copied()
                .collect();
            // Done steps leave their words behind (the code, its output, the summary); a few of
            // an item's words recur anyway (its data's column names).
            let seen = distinct.iter().filter(|w| after.contains(*w)).count();
            if distinct.len() - seen < 4 || seen * 3 > distinct.len() {
                continue;
            }
            let ender = t.final_agent.as_deref().filter(|f| *f == author).unwrap_or(author);
            let last = t.steps.iter().rev().find(|s| s.agent.as_deref() == Some(ender) && s.kind != StepKind::ToolCall).unwrap_or(plan);
            return Verdict::Judged(vec![Finding::new(
                "FM-3.1",
                self.name(),
                Severity::High,
                0.75,
                Some(ender.to_string()),
                vec![run.span_ref(last.span), run.span_ref(plan.span)],
                format!(
                    "{author}'s plan has step {} («{}»), but nothing after the plan does or mentions it, and the run ended with {ender}'s answer",
                    n + 1,
                    flat(items[n], 140)
                ),
            )
            .with_quote(flat(items[n], 200))]);
        }
        Verdict::Judged(Vec::new())
    }
}
