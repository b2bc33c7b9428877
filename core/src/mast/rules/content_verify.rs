//! Content rules on verification and completion (FC3).
//!
//! * FM-3.2 `approved_without_check`: a reviewer / auditor / checker whose instructions name the
//!   tool it must run before approving approves without running it.
//! * FM-3.3 `approved_despite_evidence`: a reviewer approves although its own check failed
//!   ("not found", error), or after a check that never touched the artifact the task is about
//!   as its recorded output shows (it lists other code it ran; a file name alone shows nothing).
//! * FM-3.1 `task_items_left_open`: the task enumerates items to handle; the run ends with some
//!   of them never acted on nor mentioned by any agent.
use std::sync::OnceLock;

use regex::Regex;

use super::super::facts::{code_identifiers, has_word, reports_error, required_enumerations, verdict_words};
use super::super::text::find_keyword;
use super::super::transcript::{flat, Step, StepKind, Transcript};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};
use super::content_flow::is_handoff_tool;

/// Agents in a verifying role: by name, or by what their instructions ask of them.
fn verifiers<'t>(t: &'t Transcript, run: &RunView, cfg: &MastConfig) -> Vec<&'t str> {
    static R: OnceLock<Regex> = OnceLock::new();
    let role = R.get_or_init(|| {
        Regex::new(r"(?i)\b(before approving|approve only|only if|sign-?off|verif(?:y|ies)|review|audit|check (?:the|every|each))\b")
            .expect("regex")
    });
    let mut out: Vec<&str> = Vec::new();
    let mut consider = |a: &'t str| {
        if !out.contains(&a) {
            out.push(a);
        }
    };
    let mut agents: Vec<&'t str> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for s in &t.steps {
        if let Some(a) = s.agent.as_deref() {
            if seen.insert(a) {
                agents.push(a);
            }
        }
    }
    for a in agents {
        let extra = ["audit", "checker", "check", "qa"];
        let by_name = find_keyword(a, &cfg.verifier_keywords).is_some() || extra.iter().any(|w| has_word(&a.replace(['_', '-'], " "), w));
        let by_role = run
            .analysis
            .agents
            .iter()
            .find(|x| x.agent_name == a)
            .and_then(|x| x.role.as_deref())
            .is_some_and(|r| find_keyword(r, &cfg.verifier_keywords).is_some());
        let by_instr = t.instructions_of(a).is_some_and(|i| role.is_match(&i.text));
        if by_name || by_role || by_instr {
            consider(a);
        }
    }
    out
}

/// The agent's answers (no intermediate tool-requesting model calls).
fn answers<'t>(t: &'t Transcript, a: &str) -> Vec<&'t Step> {
    t.utterances()
        .filter(|s| {
            s.agent.as_deref() == Some(a) && s.kind != StepKind::Message && s.tool_requests.iter().all(|r| is_handoff_tool(&r.name))
        })
        .collect()
}

/// Tool names an agent's instructions require it to run (snake_case names in a sentence with
/// must / before / always / only).
fn required_tools(instr: &str) -> Vec<String> {
    instr
        .split(['.', ';', '\n'])
        .filter(|s| ["must", "before", "always", "only if", "approve only"].iter().any(|w| s.to_lowercase().contains(w)))
        .flat_map(code_identifiers)
        .filter(|x| !x.contains('.'))
        .collect()
}

pub struct ApprovedWithoutCheck;

impl Rule for ApprovedWithoutCheck {
    fn name(&self) -> &'static str {
        "approved_without_check"
    }
    fn mode_id(&self) -> &'static str {
        "FM-3.2"
    }
    fn describes(&self) -> &'static str {
        "verifier approvals against the checking tool their instructions require"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let vs = verifiers(t, run, cfg);
        if vs.is_empty() {
            return Verdict::NotJudgeable("no reviewer / verifier role in the run".into());
        }
        let mut findings = Vec::new();
        for v in vs {
            let Some(ins) = t.instructions_of(v) else { continue };
            let req = required_tools(&ins.text);
            if req.is_empty() {
                continue;
            }
            let Some(ok) =
                answers(t, v).into_iter().find(|s| verdict_words(&s.text, &cfg.approval_keywords, &cfg.rejection_keywords) == Some(true))
            else {
                continue;
            };
            let ran = t.tool_steps().any(|s| {
                s.agent.as_deref() == Some(v) && s.time_ns <= ok.time_ns && req.iter().any(|r| s.tool.as_deref() == Some(r.as_str()))
            });
            let any_tool = t.tool_steps().any(|s| s.agent.as_deref() == Some(v) && s.time_ns <= ok.time_ns);
            if ran {
                continue;
            }
            findings.push(
                Finding::new(
                    "FM-3.2",
                    self.name(),
                    Severity::High,
                    if any_tool { 0.75 } else { 0.9 },
                    Some(v.to_string()),
                    vec![run.span_ref(ok.span), run.span_ref(ins.span)],
                    format!(
                        "{v} must run {} before approving («{}»), but approved {}: «{}»",
                        req.join(" / "),
                        flat(&ins.text, 120),
                        if any_tool { "without running it" } else { "without any check" },
                        flat(&ok.text, 140)
                    ),
                )
                .with_quote(flat(&ok.text, 200)),
            );
        }
        Verdict::Judged(findings)
    }
}

pub struct ApprovedDespiteEvidence;

impl Rule for ApprovedDespiteEvidence {
    fn name(&self) -> &'static str {
        "approved_despite_evidence"
    }
    fn mode_id(&self) -> &'static str {
        "FM-3.3"
    }
    fn describes(&self) -> &'static str {
        "verifier approvals against the verifier's own check results and the artifact the task names"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let vs = verifiers(t, run, cfg);
        if vs.is_empty() {
            return Verdict::NotJudgeable("no reviewer / verifier role in the run".into());
        }
        // What the task is about in code: functions it calls (`name(`) and files it names.
        let artifacts: Vec<String> = t
            .task
            .as_deref()
            .map(|task| code_identifiers(task).into_iter().filter(|x| x.contains('.') || task.contains(&format!("{x}("))).collect())
            .unwrap_or_default();
        let mut findings = Vec::new();
        for v in vs {
            let Some(ok) =
                answers(t, v).into_iter().find(|s| verdict_words(&s.text, &cfg.approval_keywords, &cfg.rejection_keywords) == Some(true))
            else {
                continue;
            };
            let checks: Vec<&Step> = t.tool_steps().filter(|s| s.agent.as_deref() == Some(v) && s.time_ns <= ok.time_ns).collect();
            // Another agent's latest run of a check tool failed, and the approval passes over it.
            if checks.is_empty() {
                let mut latest: std::collections::HashMap<&str, &Step> = std::collections::HashMap::new();
                for s in t.tool_steps().filter(|s| s.time_ns <= ok.time_ns) {
                    latest.insert(s.tool.as_deref().unwrap_or(""), s);
                }
                if let Some(f) = latest.values().filter(|s| shows_failure(&s.text)).min_by_key(|s| s.time_ns) {
                    findings.push(
                        Finding::new(
                            "FM-3.3",
                            self.name(),
                            Severity::High,
                            0.8,
                            Some(v.to_string()),
                            vec![run.span_ref(ok.span), run.span_ref(f.span)],
                            format!(
                                "{v} approved although the latest {} reported a failure («{}»): «{}»",
                                f.tool.as_deref().unwrap_or("check"),
                                flat(failure_excerpt(&f.text), 120),
                                flat(&ok.text, 140)
                            ),
                        )
                        .with_quote(flat(&ok.text, 200)),
                    );
                }
                continue;
            }
            let Some(last) = checks.last() else { continue };
            let failed = checks.iter().rev().find(|s| s.is_error || reports_error(&s.text) || shows_failure(&s.text));
            let (why, span, conf) = if let Some(f) = failed.filter(|f| {
                !checks.iter().any(|s| s.time_ns > f.time_ns && !s.is_error && !reports_error(&s.text) && !shows_failure(&s.text))
            }) {
                (
                    format!("its own check {} failed («{}»)", f.tool.as_deref().unwrap_or("tool"), flat(failure_excerpt(&f.text), 120)),
                    f.span,
                    0.85,
                )
            } else if !artifacts.is_empty()
                && !checks.iter().any(|s| {
                    let seen = format!("{} {}", s.arguments.as_deref().unwrap_or(""), s.text).to_lowercase();
                    artifacts.iter().any(|a| seen.contains(&a.to_lowercase()))
                })
                // ... while what it recorded shows it exercised other code (not "12 passed", and
                // not just the name of the file it was pointed at).
                && checks.iter().any(|s| !exercised(s).is_empty())
            {
                (
                    format!(
                        "its check {}({}) never touches what the task is about ({})",
                        last.tool.as_deref().unwrap_or("tool"),
                        flat(last.arguments.as_deref().unwrap_or(""), 60),
                        artifacts.join(", ")
                    ),
                    last.span,
                    0.75,
                )
            } else {
                continue;
            };
            findings.push(
                Finding::new(
                    "FM-3.3",
                    self.name(),
                    Severity::High,
                    conf,
                    Some(v.to_string()),
                    vec![run.span_ref(ok.span), run.span_ref(span)],
                    format!("{v} approved although {why}: «{}»", flat(&ok.text, 140)),
                )
                .with_quote(flat(&ok.text, 200)),
            );
        }
        Verdict::Judged(findings)
    }
}

/// Code a check's recorded output shows it exercised: identifiers in its result (test ids,
/// functions, the content it ran) other than file names and what its arguments already say
/// (the file it was pointed at names no code it ran).
fn exercised(s: &Step) -> Vec<String> {
    let args = s.arguments.as_deref().unwrap_or("").to_lowercase();
    let ids = code_identifiers(&s.text);
    let stems: Vec<&str> = ids.iter().filter(|x| x.contains('.')).map(|f| file_stem(f)).collect();
    ids.iter()
        .filter(|x| !x.contains('.') && !x.contains('/') && !args.contains(x.as_str()) && !stems.contains(&x.as_str()))
        .cloned()
        .collect()
}

/// `tests/test_money.py` -> `test_money`.
fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// An item is handled when a tool call's arguments or an agent's words name it.
fn handled(item: &str, seen: &str) -> bool {
    if item.chars().any(|c| c.is_ascii_digit()) {
        return has_word(seen, item);
    }
    let words: Vec<&str> = item.split_whitespace().filter(|w| w.len() >= 4).collect();
    if words.is_empty() {
        return has_word(seen, item);
    }
    words.iter().any(|w| has_word(seen, w))
}

pub struct TaskItemsLeftOpen;

impl Rule for TaskItemsLeftOpen {
    fn name(&self) -> &'static str {
        "task_items_left_open"
    }
    fn mode_id(&self) -> &'static str {
        "FM-3.1"
    }
    fn describes(&self) -> &'static str {
        "items the task enumerates against tool arguments and agent messages"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let Some(task) = t.task.as_deref() else {
            return Verdict::NotJudgeable("no task recorded".into());
        };
        let lists = required_enumerations(task);
        if let Some(f) = idle_assignees(run, task, self.name()) {
            return Verdict::Judged(vec![f]);
        }
        if lists.is_empty() {
            return Verdict::Judged(Vec::new());
        }
        let task_l = task.trim();
        // What the agents did and said (not the task itself, not tool results).
        let acts: Vec<(&Step, String)> = t
            .steps
            .iter()
            .filter(|s| s.agent.is_some())
            .filter_map(|s| match s.kind {
                StepKind::ToolCall => Some((s, s.arguments.clone().unwrap_or_default())),
                StepKind::LlmCall => {
                    Some((s, format!("{} {}", s.text, s.tool_requests.iter().map(|r| r.arguments.as_str()).collect::<Vec<_>>().join(" "))))
                }
                StepKind::AgentOutput | StepKind::Message if s.text.trim() != task_l && !s.text.contains(task_l) => {
                    Some((s, s.text.clone()))
                }
                _ => None,
            })
            .collect();
        if acts.is_empty() {
            return Verdict::NotJudgeable("no agent actions recorded".into());
        }
        let mut findings = Vec::new();
        for items in lists {
            let done: Vec<bool> = items.iter().map(|i| acts.iter().any(|(_, x)| handled(i, x))).collect();
            let missing: Vec<&String> = items.iter().zip(&done).filter(|(_, d)| !**d).map(|(i, _)| i).collect();
            let n_done = done.iter().filter(|d| **d).count();
            if n_done == 0 || !(missing.len() >= 2 || missing.len() * 2 >= items.len()) {
                continue;
            }
            // Responsible: the agent that handled part of the list (the last to do so).
            let worker = acts.iter().rev().find(|(_, x)| items.iter().any(|i| handled(i, x))).map(|(s, _)| *s);
            let Some(w) = worker else { continue };
            let agent = w.agent.clone();
            let end = t.final_span.unwrap_or(w.span);
            findings.push(
                Finding::new(
                    "FM-3.1",
                    self.name(),
                    Severity::High,
                    0.8,
                    agent.clone(),
                    vec![run.span_ref(w.span), run.span_ref(end)],
                    format!(
                        "the task lists {} ({}); the run ended with {} never acted on or mentioned by any agent (last handled by {})",
                        items.len(),
                        items.join(", "),
                        missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                        agent.as_deref().unwrap_or("?")
                    ),
                )
                .with_quote(flat(t.final_output.as_deref().unwrap_or(&w.text), 200)),
            );
        }
        Verdict::Judged(findings.into_iter().take(1).collect())
    }
}

/// Agents the task assigns work to ("report_writer: write the digest") that never acted,
/// while the run ended normally: the agent that ended it stopped too early.
fn idle_assignees(run: &RunView, task: &str, rule: &'static str) -> Option<Finding> {
    static A: OnceLock<Regex> = OnceLock::new();
    let re = A.get_or_init(|| Regex::new(r"(?m)(?:^|[.;:!?]\s+|\n)([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+):\s").expect("regex"));
    if run.analysis.outcome.status != crate::normalize::OutcomeStatus::Success {
        return None;
    }
    let t = run.transcript();
    let acted: std::collections::HashSet<&str> = t.steps.iter().filter_map(|s| s.agent.as_deref()).collect();
    let named: Vec<String> = re
        .captures_iter(task)
        .filter(|c| {
            // Conditional assignments ("escalation_agent: only if needed") may stay idle.
            let rest = &task[c.get(0).map_or(0, |m| m.end())..];
            let sentence = rest.split(['.', ';', '\n']).next().unwrap_or("").to_lowercase();
            !["if ", "when needed", "optional", "in case", "unless"].iter().any(|w| sentence.contains(w))
        })
        .map(|c| c[1].to_string())
        .collect();
    // The task names agents the way the run does: every agent that acted is one it names.
    if named.len() < 2 || !named.iter().any(|n| acted.contains(n.as_str())) || acted.iter().any(|a| !named.iter().any(|n| n == a)) {
        return None;
    }
    let idle: Vec<&String> = named.iter().filter(|n| !acted.contains(n.as_str())).collect();
    if idle.is_empty() {
        return None;
    }
    let last = t.utterances().filter(|s| s.agent.is_some()).last()?;
    let agent = last.agent.clone();
    Some(
        Finding::new(
            "FM-3.1",
            rule,
            Severity::High,
            0.8,
            agent.clone(),
            vec![run.span_ref(last.span)],
            format!(
                "the task assigns work to {}, which never acted: {} ended the run with «{}»",
                idle.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                agent.as_deref().unwrap_or("?"),
                flat(&last.text, 140)
            ),
        )
        .with_quote(flat(&last.text, 200)),
    )
}

fn failure_re() -> &'static Regex {
    static F: OnceLock<Regex> = OnceLock::new();
    F.get_or_init(|| {
        Regex::new(r"\b[1-9]\d*\s+(?:failed|failures?|errors?|violations?)\b|\bFAIL(?:ED|URE)?\b|(?i:\bmismatch(?:es|ed)?\b|\bdiscrepanc(?:y|ies)\b|\bdoes not match\b|\bdo not match\b|\bviolat(?:es|ed|ion))").expect("regex")
    })
}

/// A check result that reports a failure ("2 failed", "FAIL", "mismatch", "violation").
fn shows_failure(t: &str) -> bool {
    failure_re().is_match(t)
}

fn failure_excerpt(t: &str) -> &str {
    match failure_re().find(t) {
        Some(m) => {
            let mut s = m.start().saturating_sub(60);
            while !t.is_char_boundary(s) {
                s -= 1;
            }
            &t[s..]
        }
        None => t,
    }
}
