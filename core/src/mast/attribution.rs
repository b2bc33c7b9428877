//! Failure attribution: the agent responsible for a failed or stopped run and the decisive
//! step, following errors back along the span tree and the agent graph to the first cause.
use std::collections::HashMap;

use serde::Serialize;

use std::collections::HashSet;

use super::roles::{code_author, Role};
use super::text::{coverage, quote, word_set};
use super::{Finding, MastConfig, RunView};
use crate::ids::{span_id_to_i64, to_hex};
use crate::normalize::OutcomeStatus;

/// A span as reported to users: hex ids plus the stored bigint span id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpanLoc {
    pub trace_id: String,
    pub span_id: String,
    /// The span id as stored in `agenttrace.spans.span_id`.
    pub span_id_int: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub agent: String,
    pub score: f32,
    pub span: Option<SpanLoc>,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribution {
    pub status: &'static str,
    pub reason: Option<String>,
    pub responsible_agent: Option<String>,
    pub decisive_span: Option<SpanLoc>,
    /// Why the responsible agent was chosen (reasons of the top candidate).
    pub explanation: String,
    /// Ranked, best first.
    pub candidates: Vec<Candidate>,
}

impl Attribution {
    pub fn decisive_ref(&self) -> Option<(String, i64)> {
        self.decisive_span.as_ref().map(|s| (s.trace_id.clone(), s.span_id_int))
    }
}

fn loc(run: &RunView, i: usize) -> SpanLoc {
    let s = &run.spans[i];
    SpanLoc { trace_id: to_hex(&s.trace_id), span_id: to_hex(&s.span_id), span_id_int: span_id_to_i64(&s.span_id), name: s.name.clone() }
}

struct Acc {
    score: f32,
    span: Option<usize>,
    span_weight: f32,
    reasons: Vec<String>,
    first_seen: u64,
}

pub fn attribute_failure(run: &RunView, findings: &[Finding], cfg: &MastConfig) -> Attribution {
    let o = &run.analysis.outcome;
    let facts = &run.analysis.facts;
    let mut acc: HashMap<String, Acc> = HashMap::new();
    let first_seen: HashMap<&str, u64> = run.analysis.agents.iter().map(|a| (a.agent_name.as_str(), a.first_seen_ns)).collect();
    let roles = run.roles();
    let mut add = |agent: &str, score: f32, span: Option<usize>, reason: String| {
        // An executor ran code another agent wrote: the blame goes to the author of that code.
        let (agent, span, reason) = match executor_author(run, roles, agent, span) {
            Some((author, at)) => (author, Some(at), format!("{reason} — {agent} ran code {} wrote", run.turns_agent_at(at))),
            None => (agent.to_string(), span, reason),
        };
        let agent = agent.as_str();
        let e = acc.entry(agent.to_string()).or_insert_with(|| Acc {
            score: 0.0,
            span: None,
            span_weight: 0.0,
            reasons: Vec::new(),
            first_seen: first_seen.get(agent).copied().unwrap_or(u64::MAX),
        });
        e.score += score;
        if span.is_some() && score > e.span_weight {
            e.span = span;
            e.span_weight = score;
        }
        e.reasons.push(reason);
    };
    let agent_at = |i: usize| -> Option<String> {
        run.owner[i].clone().or_else(|| {
            let t = run.start(i);
            run.turns.iter().rev().find(|x| x.start <= t).map(|x| x.agent.clone())
        })
    };
    let outcome_span = o.failing_span.and_then(|r| run.index.get(&r).copied());

    if o.status == OutcomeStatus::Failure {
        // 1. First cause in the span tree: the outcome's decisive error, else the earliest error
        //    without failing descendants.
        let errors: Vec<usize> = run.order.iter().copied().filter(|&i| facts[i].is_error).collect();
        let mut has_err_child = vec![false; run.spans.len()];
        for &i in &errors {
            if let Some(p) = run.parent[i] {
                has_err_child[p] = true;
            }
        }
        let leaf =
            outcome_span.filter(|&i| !has_err_child[i]).or_else(|| errors.iter().copied().find(|&i| !has_err_child[i])).or(outcome_span);
        if let Some(i) = leaf {
            if let Some(a) = agent_at(i) {
                let what = facts[i].tool_name.clone().unwrap_or_else(|| run.spans[i].name.clone());
                add(&a, 1.0, Some(i), format!("first error in the span tree: {a}'s {what} failed («{}»)", quote(&run.error_text(i), 100)));
                // 2. Back along the agent graph: an earlier error of another agent whose text
                //    reached this agent's input is the first cause.
                if let Some(k) = run.turn_of[i] {
                    let input = run.input_words(&run.turns[k]);
                    for &e in errors.iter().filter(|&&e| run.end(e) <= run.start(i) && e != i) {
                        let Some(b) = agent_at(e) else { continue };
                        if b == a {
                            continue;
                        }
                        let ew = word_set(&run.error_text(e), 4096);
                        if ew.len() >= 2 && coverage(&ew, input) >= 0.6 {
                            add(
                                &b,
                                1.5,
                                Some(e),
                                format!(
                                    "its earlier error («{}») reached {a}'s input and caused the failure",
                                    quote(&run.error_text(e), 80)
                                ),
                            );
                            break;
                        }
                    }
                }
            }
        }
        if let Some(a) = &o.failing_agent {
            add(a, 0.4, outcome_span, format!("the run outcome names it: {}", quote(o.reason.as_deref().unwrap_or("failure"), 100)));
        }
    } else if o.status == OutcomeStatus::StoppedEarly {
        if let Some(a) = &o.failing_agent {
            add(
                a,
                0.6,
                outcome_span,
                format!("last agent to act before the run was stopped («{}»)", quote(o.reason.as_deref().unwrap_or("limit"), 100)),
            );
        }
        // A restart request (FM-2.1) explains the repetition that answers it.
        let restarted = findings.iter().any(|f| f.mode_id == "FM-2.1" && f.semantic && f.confidence >= cfg.verdict_min_confidence);
        let loopers: Vec<&str> = findings.iter().filter(|f| f.mode_id == "FM-1.3").filter_map(|f| f.agent_name.as_deref()).collect();
        for f in findings.iter().filter(|f| f.mode_id == "FM-1.3") {
            if let Some(a) = &f.agent_name {
                if restarted && findings.iter().any(|g| g.mode_id == "FM-2.1" && g.agent_name.as_ref() != Some(a)) {
                    continue;
                }
                // Several agents repeat in a cycle: the one whose repeated answer sends the
                // work back (a rejection such as "REVISE", or the turn that closes the cycle)
                // drives the loop.
                if loopers.len() > 1 {
                    let text = f.quote.as_deref().unwrap_or(&f.explanation);
                    let rejects = super::text::find_keyword(text, &cfg.rejection_keywords).is_some();
                    let closes = cycle_closer(run, &loopers) == Some(a.as_str());
                    if rejects || closes {
                        let why = if rejects {
                            "its repeated answer rejects the work and sends it back"
                        } else {
                            "its repeated turn closes each cycle of the loop"
                        };
                        add(a, if rejects { 0.8 } else { 0.4 }, None, format!("drives the loop: {why}"));
                    }
                }
                // Decisive step: the first repetition.
                let span = f.spans.get(1).or(f.spans.first()).and_then(|r| run.index.get(r).copied());
                add(a, 1.0 * f.confidence, span, format!("looped: {}", f.explanation));
            }
        }
    }
    // Findings of every mode add evidence against their agent; content findings that reach the
    // verdict threshold weigh most (on a run reported as successful they are the only evidence).
    for f in findings.iter().filter(|f| !(o.status == OutcomeStatus::StoppedEarly && f.mode_id == "FM-1.3")) {
        if let Some(a) = &f.agent_name {
            // A coordinator giving the same instruction again: what it asked for was not
            // delivered by the agent it asked, whose turn came in between.
            if f.mode_id == "FM-1.3" && roles.get(a) == Some(&Role::Coordinator) {
                if let Some((w, k)) = repeat_addressee(run, f) {
                    let span = run.turns[k].idx;
                    add(
                        &w,
                        0.3 * f.severity.weight() * f.confidence + 0.2,
                        Some(span),
                        format!("{a} had to ask it again: {}", f.explanation),
                    );
                    continue;
                }
            }
            let span = f.spans.first().and_then(|r| run.index.get(r).copied());
            let w = if f.semantic && f.confidence >= cfg.verdict_min_confidence {
                let base = if o.status == OutcomeStatus::Success { 2.0 } else { 1.2 };
                base * f.confidence
            } else {
                0.3 * f.severity.weight() * f.confidence
            };
            add(a, w, span, format!("{}: {}", f.mode_id, f.explanation));
        }
    }
    if let Some(t) = run.turns.iter().max_by_key(|t| (t.end, t.start)) {
        add(&t.agent.clone(), 0.05, Some(t.idx), "last agent to act in the run".to_string());
    }
    // Where the final answer came from: the first turn whose output already held its distinctive
    // values is where the answer was made.
    if let Some((k, vals)) = answer_source(run, roles) {
        let t = &run.turns[k];
        add(&t.agent.clone(), 0.35, Some(t.idx), format!("the final answer's {} first appear in its output", vals));
    }
    // With no error, the content is the product: the worker that produced most of it is the
    // likeliest author of a wrong result, from its first turn on (a weak prior: any finding that
    // names an agent outweighs it).
    if let Some((a, first, n, of)) = main_worker(run, roles) {
        let w = if o.status == OutcomeStatus::Failure { 0.1 } else { 0.3 };
        add(&a, w, Some(run.turns[first].idx), format!("produced most of the run's content ({n} of {of} worker turns)"));
    }

    let mut cands: Vec<(String, Acc)> = acc.into_iter().collect();
    cands.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.1.first_seen.cmp(&b.1.first_seen)).then(a.0.cmp(&b.0)));
    let candidates: Vec<Candidate> = cands
        .iter()
        .map(|(a, c)| Candidate {
            agent: a.clone(),
            score: (c.score * 1000.0).round() / 1000.0,
            span: c.span.map(|i| loc(run, i)),
            reasons: c.reasons.clone(),
        })
        .collect();
    let top = cands.first();
    let decisive = top.and_then(|(_, c)| c.span).or(outcome_span);
    let explanation = match top {
        Some((a, c)) => format!("{a} is responsible: {}", c.reasons.first().cloned().unwrap_or_default()),
        None => "no agent could be identified from the recorded spans".into(),
    };
    Attribution {
        status: o.status.as_str(),
        reason: o.reason.clone(),
        responsible_agent: top.map(|(a, _)| a.clone()),
        decisive_span: decisive.map(|i| loc(run, i)),
        explanation,
        candidates,
    }
}

/// When `agent` is an executor, the agent (and its turn's span) that wrote the code it ran at
/// `span` (else at its last turn).
fn executor_author(run: &RunView, roles: &HashMap<String, Role>, agent: &str, span: Option<usize>) -> Option<(String, usize)> {
    if roles.get(agent) != Some(&Role::Executor) {
        return None;
    }
    let k = span
        .and_then(|i| run.turn_of[i])
        .filter(|&k| run.turns[k].agent == agent)
        .or_else(|| run.turns.iter().rposition(|t| t.agent == agent))?;
    let j = code_author(&run.turn_texts(), roles, k)?;
    Some((run.turns[j].agent.clone(), run.turns[j].idx))
}

/// Words that start sentences and answers without being a value.
const NOT_VALUES: &[&str] = &["no", "yes", "the", "this", "that", "these", "there", "it", "unable", "none", "not", "final", "answer"];

/// For a repetition finding on a coordinator: the one agent whose turns came between its first
/// two repeated turns, and the first of those turns.
fn repeat_addressee(run: &RunView, f: &Finding) -> Option<(String, usize)> {
    let ks: Vec<usize> = f.spans.iter().filter_map(|r| run.index.get(r)).filter_map(|&i| run.turn_of[i]).take(2).collect();
    let (&k1, &k2) = (ks.first()?, ks.get(1)?);
    let me = run.turns[k1].agent.as_str();
    let between: Vec<usize> = (k1 + 1..k2).filter(|&k| run.turns[k].agent != me).collect();
    let first = *between.first()?;
    let w = &run.turns[first].agent;
    between.iter().all(|&k| &run.turns[k].agent == w).then(|| (w.clone(), first))
}

/// Distinctive values of a text: tokens holding a digit, and capitalised words inside a sentence
/// (not its first word), not in `known`.
fn values(t: &str, known: &HashSet<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut sentence_start = true;
    for raw in t.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '"' | '«' | '»' | '[' | ']' | '{' | '}')) {
        let starts = sentence_start;
        sentence_start = raw.ends_with(['.', '!', '?', ':']) || (raw.is_empty() && starts);
        let w = raw.trim_matches(|c: char| !c.is_alphanumeric());
        if w.chars().count() < 2 || known.contains(&w.to_lowercase()) || NOT_VALUES.contains(&w.to_lowercase().as_str()) {
            continue;
        }
        let digit = w.chars().any(|c| c.is_ascii_digit());
        let capital = !starts && w.chars().next().is_some_and(char::is_uppercase) && w.chars().skip(1).any(char::is_lowercase);
        if (digit || capital) && !out.iter().any(|o| o == w) {
            out.push(w.to_string());
        }
        if out.len() >= 12 {
            break;
        }
    }
    out
}

/// The earliest turn, other than the one that gave it, whose output holds most of the final
/// answer's distinctive values (not routing lines, not values the task already gave). Returns the
/// turn and the values quoted.
fn answer_source(run: &RunView, roles: &HashMap<String, Role>) -> Option<(usize, String)> {
    let fin = run.final_output.as_ref()?;
    let known: HashSet<String> =
        run.task.as_ref().map(|t| t.text.split(|c: char| !c.is_alphanumeric()).map(str::to_lowercase).collect()).unwrap_or_default();
    let vals = values(super::text::head(&fin.text, 2000), &known);
    if vals.is_empty() {
        return None;
    }
    let need = (vals.len() * 3).div_ceil(5).max(1);
    let k = run.turns.iter().position(|t| {
        let Some((o, j)) = &t.output else { return false };
        *j != fin.span && roles.get(&t.agent) != Some(&Role::Coordinator) && vals.iter().filter(|v| o.contains(v.as_str())).count() >= need
    })?;
    Some((k, format!("«{}»", quote(&vals.join(", "), 80))))
}

/// The worker with the most turns that produced output: (agent, its first such turn, its turns,
/// all workers' turns). None unless the run has a coordinator or an executor beside workers, or
/// several workers.
fn main_worker(run: &RunView, roles: &HashMap<String, Role>) -> Option<(String, usize, usize, usize)> {
    let mut count: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut all = 0;
    for (k, t) in run.turns.iter().enumerate() {
        if roles.get(&t.agent) != Some(&Role::Worker) || t.output.is_none() {
            continue;
        }
        all += 1;
        count.entry(t.agent.as_str()).or_insert((0, k)).0 += 1;
    }
    if roles.len() < 2 {
        return None;
    }
    let (a, (n, first)) = count.into_iter().max_by_key(|(a, (n, first))| (*n, std::cmp::Reverse(*first), std::cmp::Reverse(*a)))?;
    Some((a.to_string(), first, n, all))
}

/// Among agents that repeat, the one whose turns are most often followed by the cycle's first
/// agent (the turn that starts the next round).
fn cycle_closer<'r>(run: &'r RunView, loopers: &[&str]) -> Option<&'r str> {
    let first = run.turns.iter().find(|t| loopers.contains(&t.agent.as_str()))?.agent.as_str();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for w in run.turns.windows(2) {
        if w[1].agent == first && w[0].agent != first && loopers.contains(&w[0].agent.as_str()) {
            *counts.entry(w[0].agent.as_str()).or_default() += 1;
        }
    }
    counts.into_iter().filter(|(_, n)| *n >= 2).max_by_key(|(a, n)| (*n, std::cmp::Reverse(*a))).map(|(a, _)| a)
}
