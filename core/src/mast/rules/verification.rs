//! FC3 task verification: premature termination, missing verification, incorrect verification.
use super::super::text::{contains_ci, coverage, ends_in_crash, find_keyword, quote, word_set};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};
use crate::normalize::{MessageKind, OutcomeStatus};

/// FM-3.1: the run ended on an error or a tripped guardrail, or a handoff target never ran.
pub struct EndedEarly;

impl Rule for EndedEarly {
    fn name(&self) -> &'static str {
        "ended_before_final_output"
    }
    fn mode_id(&self) -> &'static str {
        "FM-3.1"
    }
    fn describes(&self) -> &'static str {
        "run end checked for errors, tripped guardrails and handoffs to agents that never ran"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let o = &run.analysis.outcome;
        let mut findings = Vec::new();
        for c in run.checks.iter().filter(|c| c.guardrail && c.approved == Some(false)) {
            let s = &run.spans[c.span];
            let name = run.analysis.facts[c.span].tool_name.clone().unwrap_or_else(|| s.name.clone());
            findings.push(Finding::new(
                "FM-3.1",
                self.name(),
                Severity::High,
                0.8,
                c.agent.clone(),
                vec![run.span_ref(c.span)],
                format!(
                    "guardrail {name} tripped{} and the run ended without a final output",
                    c.agent.as_deref().map(|a| format!(" on {a}'s output")).unwrap_or_default()
                ),
            ));
        }
        if o.status == OutcomeStatus::Failure && findings.is_empty() {
            let span = o.failing_span.and_then(|r| run.index.get(&r).copied());
            let what = span
                .map(|i| run.analysis.facts[i].tool_name.clone().unwrap_or_else(|| run.spans[i].name.clone()))
                .unwrap_or_else(|| "a step".into());
            let ran_after = span.map(|i| run.turns.iter().filter(|t| t.start > run.end(i)).count()).unwrap_or(0);
            findings.push(Finding::new(
                "FM-3.1",
                self.name(),
                Severity::High,
                if ran_after == 0 { 0.6 } else { 0.4 },
                o.failing_agent.clone(),
                span.map(|i| vec![run.span_ref(i)]).unwrap_or_default(),
                format!(
                    "the run ended when {}{} failed («{}»), before {}",
                    o.failing_agent.as_deref().map(|a| format!("{a}'s ")).unwrap_or_default(),
                    what,
                    quote(o.reason.as_deref().unwrap_or("error"), 100),
                    if ran_after == 0 { "any later agent ran or a final output was produced" } else { "the run completed" }
                ),
            ));
        }
        // Handoffs to agents that never ran afterwards.
        for m in &run.analysis.messages {
            if m.kind != MessageKind::Handoff || m.from_agent.is_none() {
                continue;
            }
            if run.turn_of_agent_after(&m.to_agent, m.time_ns).is_some() {
                continue;
            }
            if o.status == OutcomeStatus::StoppedEarly
                || findings.iter().any(|f| f.mode_id == "FM-3.1" && f.rule == self.name() && f.confidence >= 0.6)
            {
                continue;
            }
            findings.push(Finding::new(
                "FM-3.1",
                self.name(),
                Severity::Medium,
                0.6,
                m.from_agent.clone(),
                vec![(m.trace_id, m.span_id)],
                format!(
                    "{} handed off to {}, which never ran before the run ended",
                    m.from_agent.as_deref().unwrap_or("an agent"),
                    m.to_agent
                ),
            ));
        }
        Verdict::Judged(findings)
    }
}

/// Error texts the run produced before `until`: failed tool messages and what tools returned
/// to the model when they failed.
fn error_texts(run: &RunView, cfg: &MastConfig) -> Vec<(usize, String)> {
    let facts = &run.analysis.facts;
    let mut out = Vec::new();
    for &i in &run.order {
        if facts[i].is_error && (facts[i].category == crate::normalize::SpanCategory::Tool || run.analysis.tool_calls.is_empty()) {
            if let Some(m) = &facts[i].error_message {
                out.push((i, m.clone()));
            }
        }
    }
    let Some(&(first, _)) = out.first() else {
        return out;
    };
    // Tool messages the models received after the first failure that carry an error marker.
    let from = run.llm.partition_point(|&j| run.start(j) < run.start(first));
    for &j in run.llm[from..].iter().take(256) {
        for m in facts[j].input_messages.iter().rev().take(16).filter(|m| m.role == "tool") {
            if find_keyword(&m.content, &cfg.error_markers).is_some() && !out.iter().any(|(_, t)| *t == m.content) {
                out.push((first, m.content.clone()));
            }
        }
        if out.len() > 64 {
            break;
        }
    }
    out
}

fn leaks(text: &str, errors: &[(usize, String)], cfg: &MastConfig) -> Option<(usize, String)> {
    let w = word_set(text, cfg.max_text_bytes);
    for (i, e) in errors {
        let ew = word_set(e, cfg.max_text_bytes);
        if ew.len() >= 2 && coverage(&ew, &w) >= 0.6 {
            return Some((*i, e.clone()));
        }
    }
    find_keyword(text, &cfg.error_markers).map(|k| (usize::MAX, k.to_string()))
}

/// The line of `text` that holds the error marker `marker` (trimmed; None when it is too short
/// to tell one error from another).
fn marker_line<'t>(text: &'t str, marker: &str) -> Option<&'t str> {
    let l = text.lines().map(str::trim).find(|l| contains_ci(l, marker))?;
    (l.chars().count() >= marker.chars().count() + 8).then_some(l)
}

/// FM-3.2: an error reached the final output and no verification step stood in between.
pub struct UnverifiedError;

impl Rule for UnverifiedError {
    fn name(&self) -> &'static str {
        "error_reached_final_output_unchecked"
    }
    fn mode_id(&self) -> &'static str {
        "FM-3.2"
    }
    fn describes(&self) -> &'static str {
        "final output checked for error text, and for a verifier/guardrail step between the error and the output"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        let Some(out) = &run.final_output else {
            return Verdict::NotJudgeable("no final output recorded".into());
        };
        if run.analysis.outcome.status == OutcomeStatus::Failure {
            return Verdict::Judged(Vec::new());
        }
        let errors = error_texts(run, cfg);
        let mut findings = Vec::new();
        if let Some((src, what)) = leaks(&out.text, &errors, cfg) {
            let first_err = if src == usize::MAX { errors.first().map(|e| e.0) } else { Some(src) };
            let from = first_err.map(|i| run.start(i)).unwrap_or(0);
            let checked = run.checks.iter().any(|c| run.start(c.span) >= from);
            if !checked {
                // The first agent that passed the error on in its own output. Without a recorded
                // error the evidence is the final output's line that holds the marker: the
                // passer's output holds that line, not just any error word.
                let line = (src == usize::MAX).then(|| marker_line(&out.text, &what)).flatten();
                let passes = |o: &str| match line {
                    Some(l) => o.contains(l),
                    None => leaks(o, &errors, cfg).is_some(),
                };
                let passer = run
                    .turns
                    .iter()
                    .filter(|t| {
                        t.start >= from.saturating_sub(1)
                            || first_err.is_some_and(|e| run.turn_of[e].is_some_and(|k| run.turns[k].idx == t.idx))
                    })
                    .find(|t| t.output.as_ref().is_some_and(|(o, _)| passes(o)));
                let agent = passer.map(|t| t.agent.clone()).or_else(|| out.agent.clone());
                let mut spans = Vec::new();
                if let Some(e) = first_err {
                    spans.push(run.span_ref(e));
                }
                if let Some((_, s)) = passer.and_then(|t| t.output.as_ref()) {
                    spans.push(run.span_ref(*s));
                }
                spans.push(run.span_ref(out.span));
                spans.dedup();
                let origin = first_err
                    .map(|e| format!(" from {}", run.analysis.facts[e].tool_name.clone().unwrap_or_else(|| run.spans[e].name.clone())))
                    .unwrap_or_default();
                // A crash dump that ends the final output (nothing was said after it, no error
                // was recorded anywhere, and the task did not quote it) is a failure of the run
                // whatever the framework says.
                let task = run.task.as_ref().map(|t| t.text.as_str()).unwrap_or("");
                let crashed = src == usize::MAX && ends_in_crash(&out.text) && !line.is_some_and(|l| task.contains(l));
                let f = Finding::new(
                    "FM-3.2",
                    self.name(),
                    Severity::High,
                    if first_err.is_some() || crashed { 0.8 } else { 0.6 },
                    agent.clone(),
                    spans,
                    format!(
                        "{} «{}»{origin} went unchecked into the final output «{}»{}; no verification step ran after the error",
                        if crashed { "a crash dump, error text" } else { "error text" },
                        quote(&what, 60),
                        quote(&out.text, 80),
                        agent.map(|a| format!(" (first passed on by {a})")).unwrap_or_default()
                    ),
                );
                findings.push(if crashed { f.with_quote(quote(line.unwrap_or(&out.text), 240)) } else { f });
            }
        } else if cfg.require_verification_step && run.checks.is_empty() {
            findings.push(Finding::new(
                "FM-3.2",
                self.name(),
                Severity::Low,
                0.3,
                out.agent.clone(),
                vec![run.span_ref(out.span)],
                format!("no verifier, reviewer, test or guardrail step checked the final output «{}»", quote(&out.text, 80)),
            ));
        }
        Verdict::Judged(findings)
    }
}

/// FM-3.3: a verifier approved, then the run failed, a guardrail rejected, or the approved
/// output carries an error.
pub struct ApprovedThenFailed;

impl Rule for ApprovedThenFailed {
    fn name(&self) -> &'static str {
        "approved_then_failed"
    }
    fn mode_id(&self) -> &'static str {
        "FM-3.3"
    }
    fn describes(&self) -> &'static str {
        "each approving verifier/guardrail step checked against later failures, guardrail rejections and error text"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        if run.checks.is_empty() {
            return Verdict::NotJudgeable("no verifier, reviewer, test or guardrail step in the run".into());
        }
        let o = &run.analysis.outcome;
        let fail = o.failing_span.and_then(|r| run.index.get(&r).copied()).filter(|_| o.status == OutcomeStatus::Failure);
        let mut findings = Vec::new();
        for (k, c) in run.checks.iter().enumerate() {
            if c.approved != Some(true) {
                continue;
            }
            let who = c.agent.clone().unwrap_or_else(|| run.spans[c.span].name.clone());
            let said = c.text.as_deref().map(|t| format!(" («{}»)", quote(t, 60))).unwrap_or_default();
            let later = |i: usize| run.start(i) >= run.end(c.span).min(run.start(c.span).saturating_add(1));
            let mut push = |evidence: usize, why: String, conf: f32| {
                findings.push(Finding::new(
                    "FM-3.3",
                    self.name(),
                    Severity::High,
                    conf,
                    c.agent.clone(),
                    vec![run.span_ref(c.span), run.span_ref(evidence)],
                    format!("{who} approved{said} {why}"),
                ));
            };
            if let Some(f) = fail.filter(|&f| later(f) && !c.guardrail) {
                push(f, format!("but then {} failed («{}»)", run.spans[f].name, quote(o.reason.as_deref().unwrap_or("error"), 80)), 0.6);
                continue;
            }
            if let Some(r) = run.checks[k + 1..].iter().find(|r| r.guardrail && r.approved == Some(false)) {
                push(r.span, format!("but guardrail {} then rejected the output", run.spans[r.span].name), 0.75);
                continue;
            }
            let checked = c.text.clone().or_else(|| {
                run.final_output.as_ref().filter(|f| run.end(f.span) <= run.end(c.span) || c.guardrail).map(|f| f.text.clone())
            });
            if let Some(t) = checked {
                if let Some(m) = find_keyword(&t, &cfg.error_markers) {
                    push(c.span, format!("an output containing error text «{m}»: «{}»", quote(&t, 80)), 0.7);
                }
            }
        }
        Verdict::Judged(findings)
    }
}
