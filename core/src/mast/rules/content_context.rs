//! Content rules on conversation state: what an agent's model saw, and whether the
//! conversation moves on.
//!
//! * FM-1.4 `task_missing_from_context`: an agent's model continues a conversation (two or
//!   more messages in its input) whose input no longer holds the task that earlier agents' inputs held.
//! * FM-2.1 `conversation_restarted`: an agent restarts the work ("from scratch", "start over")
//!   after others made progress, or opens the conversation anew (greeting + asking what is
//!   needed) in a later turn.
//! * FM-1.5 `approval_not_acted_on`: in a run stopped by a limit, an agent keeps asking
//!   questions after the other side approved / agreed, instead of finishing.
use std::collections::{HashMap, HashSet};

use super::super::facts::{has_word, ids, significant_numbers};
use super::super::text::{coverage, word_set};
use super::super::transcript::{flat, Step, StepKind};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};
use crate::normalize::OutcomeStatus;

pub struct TaskMissingFromContext;

impl Rule for TaskMissingFromContext {
    fn name(&self) -> &'static str {
        "task_missing_from_context"
    }
    fn mode_id(&self) -> &'static str {
        "FM-1.4"
    }
    fn describes(&self) -> &'static str {
        "each agent's first model input checked for the task that earlier agents' inputs held"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let Some(task) = t.task.as_deref() else {
            return Verdict::NotJudgeable("no task recorded".into());
        };
        let tw = word_set(task, cfg.max_text_bytes);
        if tw.len() < 4 {
            return Verdict::NotJudgeable("the task is too short to trace".into());
        }
        let facts = &run.analysis.facts;
        let mut seen_with_task: Option<&str> = None;
        let mut first_call: HashSet<&str> = HashSet::new();
        let mut judged = false;
        let mut findings = Vec::new();
        for s in t.steps.iter().filter(|s| s.kind == StepKind::LlmCall) {
            let Some(a) = s.agent.as_deref() else { continue };
            if !first_call.insert(a) {
                continue;
            }
            let msgs: Vec<&crate::normalize::ChatMessage> =
                facts[s.span].input_messages.iter().filter(|m| m.role != "system" && !m.content.trim().is_empty()).collect();
            if msgs.is_empty() {
                continue;
            }
            let mut w = HashSet::new();
            for m in &msgs {
                w.extend(word_set(&m.content, cfg.max_text_bytes));
            }
            let has_task = coverage(&tw, &w) >= 0.5;
            if has_task {
                seen_with_task.get_or_insert(a);
                continue;
            }
            let Some(before) = seen_with_task else { continue };
            judged = true;
            if msgs.len() < 2 {
                continue; // a fresh, self-contained assignment
            }
            // A cut conversation, not a fresh brief: at least half of what the model saw was
            // said earlier in the run.
            let earlier: HashSet<&str> = t
                .steps
                .iter()
                .filter(|x| x.time_ns < s.time_ns)
                .flat_map(|x| {
                    let mut v = vec![x.text.trim()];
                    if x.kind == StepKind::LlmCall {
                        v.extend(facts[x.span].input_messages.iter().map(|m| m.content.trim()));
                    }
                    v
                })
                .collect();
            let repeated = msgs.iter().filter(|m| earlier.contains(m.content.trim())).count();
            if repeated * 2 < msgs.len() {
                continue;
            }
            findings.push(
                Finding::new(
                    "FM-1.4",
                    self.name(),
                    Severity::High,
                    0.8,
                    Some(a.to_string()),
                    vec![run.span_ref(s.span)],
                    format!(
                        "{a}'s model continued a conversation of {} messages that no longer holds the task («{}», which {before}'s input held); it saw only «{}»",
                        msgs.len(),
                        flat(task, 120),
                        msgs.iter().map(|m| flat(&m.content, 60)).collect::<Vec<_>>().join(" / ")
                    ),
                )
                .with_quote(flat(task, 200)),
            );
        }
        if findings.is_empty() {
            findings.extend(handoff_lost_messages(run, self.name()));
        }
        if !judged && findings.is_empty() && seen_with_task.is_none() {
            return Verdict::NotJudgeable("no model input that holds the task".into());
        }
        Verdict::Judged(findings)
    }
}

/// Phrases that restart the work on their own.
const RESTART: &[&str] = &["from scratch", "start over", "starting over", "clean slate", "all over again", "start this over", "begin anew"];

/// Phrases that restart the work when the message also proposes to begin ("let's", "again",
/// "step 1").
const RESTART_WEAK: &[&str] = &["restart the", "from the beginning", "from the top", "begin again", "start again", "back to step 1"];

fn restarts(t: &str) -> bool {
    let l = t.to_lowercase();
    // Cheap gate: every phrase holds one of these.
    if !["scratch", "over", "slate", "anew", "restart", "beginning", "top", "again", "step 1"].iter().any(|w| l.contains(w)) {
        return false;
    }
    RESTART.iter().any(|p| has_word(t, p))
        || (RESTART_WEAK.iter().any(|p| has_word(t, p)) && ["let's", "let us", "again", "step 1", "over"].iter().any(|w| has_word(t, w)))
}

const GREETING: &[&str] = &["hello", "hi", "hey", "welcome", "greetings", "good morning", "good afternoon"];

pub struct ConversationRestarted;

impl Rule for ConversationRestarted {
    fn name(&self) -> &'static str {
        "conversation_restarted"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.1"
    }
    fn describes(&self) -> &'static str {
        "agent messages after others' progress checked for restarting the work or re-opening the conversation"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let said: Vec<&Step> = t.utterances().filter(|s| s.kind != StepKind::Message).collect();
        if said.len() < 2 {
            return Verdict::NotJudgeable("fewer than two agent messages recorded".into());
        }
        let facts = &run.analysis.facts;
        let mut count: HashMap<&str, Vec<&Step>> = HashMap::new();
        let mut spoke: HashSet<&str> = HashSet::new();
        let mut progress_by: HashSet<&str> = HashSet::new();
        let mut findings = Vec::new();
        for s in &said {
            let Some(a) = s.agent.as_deref() else { continue };
            let first_turn = spoke.insert(a);
            let others_progress = progress_by.iter().any(|x| *x != a);
            if others_progress && restarts(&s.text) {
                count.entry(a).or_default().push(s);
            } else if !first_turn && others_progress && s.kind == StepKind::LlmCall {
                let head: String = s.text.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
                let greets = GREETING.iter().any(|g| has_word(&head, g));
                let asks = greets && (s.text.contains('?') || has_word(&s.text, "please tell me") || has_word(&s.text, "let me know"));
                let inputs: Vec<&str> = if asks {
                    facts[s.span].input_messages.iter().filter(|m| m.role != "system").map(|m| m.content.as_str()).collect()
                } else {
                    Vec::new()
                };
                let history = inputs.len();
                // It uses nothing of the conversation: no identifier or figure it was given.
                let known: Vec<String> = inputs.iter().flat_map(|m| ids(m).into_iter().chain(significant_numbers(m))).collect();
                let uses_history = known.iter().any(|k| s.text.contains(k.as_str()));
                if asks && history >= 3 && !uses_history {
                    findings.push(
                        Finding::new(
                            "FM-2.1",
                            self.name(),
                            Severity::High,
                            0.8,
                            Some(a.to_string()),
                            vec![run.span_ref(s.span)],
                            format!("{a} re-opened the conversation as if nothing had happened although its input held {history} earlier messages: «{}»", flat(&s.text, 160)),
                        )
                        .with_quote(flat(&s.text, 200)),
                    );
                }
            }
            if s.text.split_whitespace().count() >= 5 {
                progress_by.insert(a);
            }
        }
        for (a, v) in count {
            let s = v[0];
            findings.push(
                Finding::new(
                    "FM-2.1",
                    self.name(),
                    Severity::High,
                    if v.len() >= 2 { 0.9 } else { 0.75 },
                    Some(a.to_string()),
                    v.iter().map(|x| run.span_ref(x.span)).collect(),
                    format!("{a} restarted the work after progress had been made ({} time(s)): «{}»", v.len(), flat(&s.text, 160)),
                )
                .with_quote(flat(&s.text, 200)),
            );
        }
        Verdict::Judged(findings)
    }
}

const AGREEMENT: &[&str] = &[
    "approved",
    "approve",
    "agreed",
    "agree",
    "it is",
    "deal",
    "accepted",
    "accept",
    "ok",
    "okay",
    "alright",
    "sounds good",
    "go ahead",
    "final price",
    "yes",
    "publish it",
    "please publish",
];

pub struct ApprovalNotActedOn;

impl Rule for ApprovalNotActedOn {
    fn name(&self) -> &'static str {
        "approval_not_acted_on"
    }
    fn mode_id(&self) -> &'static str {
        "FM-1.5"
    }
    fn describes(&self) -> &'static str {
        "in runs stopped by a limit: replies that keep asking after the other side approved or agreed"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        if run.analysis.outcome.status != OutcomeStatus::StoppedEarly {
            return Verdict::Judged(Vec::new());
        }
        let t = run.transcript();
        let said: Vec<&Step> = t.utterances().filter(|s| s.kind != StepKind::Message && s.tool_requests.is_empty()).collect();
        let mut ignored: HashMap<&str, Vec<(&Step, &Step)>> = HashMap::new();
        for w in said.windows(2) {
            let (b, a) = (w[0], w[1]);
            let (Some(bn), Some(an)) = (b.agent.as_deref(), a.agent.as_deref()) else { continue };
            if bn == an {
                continue;
            }
            let agrees = AGREEMENT.iter().any(|p| has_word(&b.text, p));
            let acted = t.tool_steps().any(|s| s.agent.as_deref() == Some(an) && s.time_ns > b.time_ns && s.time_ns < a.time_ns);
            // It keeps the exchange going: a question or a new proposal.
            let goes_on = a.text.contains('?')
                || ["could you", "would you", "can you", "how about", "what about", "one more", "i can offer", "counter"]
                    .iter()
                    .any(|p| has_word(&a.text, p));
            if agrees && !acted && goes_on {
                ignored.entry(an).or_default().push((b, a));
            }
        }
        let Some((agent, v)) = ignored.into_iter().filter(|(_, v)| v.len() >= 2).max_by_key(|(a, v)| (v.len(), std::cmp::Reverse(*a)))
        else {
            return Verdict::Judged(Vec::new());
        };
        let (b, a) = v[0];
        Verdict::Judged(vec![Finding::new(
            "FM-1.5",
            self.name(),
            Severity::High,
            0.85,
            Some(agent.to_string()),
            v.iter().map(|(_, a)| run.span_ref(a.span)).collect(),
            format!(
                "{agent} kept the conversation going {} times after {} agreed («{}» → «{}») until the run hit its limit",
                v.len(),
                b.agent.as_deref().unwrap_or("the other side"),
                flat(&b.text, 80),
                flat(&a.text, 80)
            ),
        )
        .with_quote(flat(&b.text, 200))])
    }
}

/// After an explicit handoff A -> B: user messages in A's last model input that B's first model
/// input no longer holds (a history filter dropped what the requester said).
fn handoff_lost_messages(run: &RunView, rule: &'static str) -> Option<Finding> {
    let t = run.transcript();
    let facts = &run.analysis.facts;
    for (k, h) in t.steps.iter().enumerate().filter(|(_, s)| s.kind == StepKind::Handoff) {
        let (Some(from), Some(to)) = (h.agent.as_deref(), h.to.as_deref()) else { continue };
        let Some(before) = t.steps[..k].iter().rev().find(|s| s.kind == StepKind::LlmCall && s.agent.as_deref() == Some(from)) else {
            continue;
        };
        let Some(after) = t.steps[k + 1..].iter().find(|s| s.kind == StepKind::LlmCall && s.agent.as_deref() == Some(to)) else { continue };
        let user = |i: usize| -> Vec<&str> {
            facts[i]
                .input_messages
                .iter()
                .filter(|m| m.role == "user" && m.content.split_whitespace().count() >= 3)
                .map(|m| m.content.trim())
                .collect()
        };
        let had = user(before.span);
        let has = user(after.span);
        if has.is_empty() || had.len() < 2 {
            continue;
        }
        let lost: Vec<&&str> = had.iter().filter(|m| !has.contains(m)).collect();
        if lost.len() * 2 < had.len() {
            continue;
        }
        return Some(
            Finding::new(
                "FM-1.4",
                rule,
                Severity::High,
                0.8,
                Some(to.to_string()),
                vec![run.span_ref(after.span), run.span_ref(h.span)],
                format!(
                    "after the handoff {from} -> {to}, {to}'s model saw {} of the requester's {} messages; lost: «{}»",
                    has.len(),
                    had.len(),
                    lost.iter().map(|m| flat(m, 60)).collect::<Vec<_>>().join(" / ")
                ),
            )
            .with_quote(flat(lost[0], 200)),
        );
    }
    None
}
