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
    /// Weight of the evidence against the agent.
    pub score: f32,
    /// Its share of all candidates' weight (0..1).
    pub confidence: f32,
    /// The decisive step if this agent is the responsible one.
    pub span: Option<SpanLoc>,
    /// Why that step.
    pub step_reason: Option<String>,
    /// Every piece of evidence against the agent, in the order it was found.
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

/// How a candidate's step was found, strongest first: the step of a first cause (an error, the
/// first repetition of a loop), the step where the final answer's content was made, a finding's
/// evidence, a weak prior.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum StepKind {
    Cause,
    Origin,
    Finding,
    /// A finding that is the symptom of an earlier mistake of its agent (its loop, its restart,
    /// the instruction it had to be given again): the step is where that agent's track began.
    Symptom,
    Prior,
}

/// A candidate step: (span, kind, weight of the evidence, why).
type Step = (usize, StepKind, f32, String);

struct Acc {
    score: f32,
    steps: Vec<Step>,
    reasons: Vec<String>,
    first_seen: u64,
}

/// Evidence against agents, accumulated per agent.
struct Evidence<'r, 'v> {
    run: &'r RunView<'v>,
    roles: &'r HashMap<String, Role>,
    first_seen: HashMap<&'r str, u64>,
    acc: HashMap<String, Acc>,
    /// The turn (index into `run.turns`) that only posts the task ([`posts_task`]).
    posted: Option<usize>,
}

impl<'r, 'v> Evidence<'r, 'v> {
    fn new(run: &'r RunView<'v>) -> Self {
        let first_seen = run.analysis.agents.iter().map(|a| (a.agent_name.as_str(), a.first_seen_ns)).collect();
        Evidence { run, roles: run.roles(), first_seen, acc: HashMap::new(), posted: posts_task(run) }
    }

    /// Evidence of weight `score` against `agent`, pointing at `span` (a step of kind `kind`).
    fn add(&mut self, agent: &str, score: f32, span: Option<usize>, kind: StepKind, reason: String) {
        // An executor ran code another agent wrote: the blame goes to the author of that code.
        let (agent, span, reason) = match executor_author(self.run, self.roles, agent, span) {
            Some((author, at)) => (author, Some(at), format!("{reason} — {agent} ran code {} wrote", self.run.turns_agent_at(at))),
            None => (agent.to_string(), span, reason),
        };
        let first_seen = self.first_seen.get(agent.as_str()).copied().unwrap_or(u64::MAX);
        let e = self.acc.entry(agent).or_insert_with(|| Acc { score: 0.0, steps: Vec::new(), reasons: Vec::new(), first_seen });
        e.score += score;
        if let Some(i) = span {
            e.steps.push((i, kind, score, reason.clone()));
        }
        e.reasons.push(reason);
    }

    /// The agent acting at span `i`: its owner, else the agent whose turn was running.
    fn agent_at(&self, i: usize) -> Option<String> {
        self.run.owner[i].clone().or_else(|| {
            let t = self.run.start(i);
            self.run.turns.iter().rev().find(|x| x.start <= t).map(|x| x.agent.clone())
        })
    }
}

pub fn attribute_failure(run: &RunView, findings: &[Finding], cfg: &MastConfig) -> Attribution {
    let o = &run.analysis.outcome;
    let outcome_span = o.failing_span.and_then(|r| run.index.get(&r).copied());
    let mut ev = Evidence::new(run);
    match o.status {
        OutcomeStatus::Failure => error_evidence(&mut ev, outcome_span),
        OutcomeStatus::StoppedEarly => stop_evidence(&mut ev, findings, cfg, outcome_span),
        _ => {}
    }
    finding_evidence(&mut ev, findings, cfg);
    content_evidence(&mut ev);
    // A worker's posted task is no turn of its work (a coordinator's first turn is its plan).
    let posted = ev.posted.filter(|k| ev.roles.get(&run.turns[*k].agent) != Some(&Role::Coordinator)).map(|k| run.turns[k].idx);
    rank(run, ev.acc, outcome_span, posted)
}

/// A failed run: the first cause in the span tree, and an earlier error of another agent that
/// reached its input.
fn error_evidence(ev: &mut Evidence, outcome_span: Option<usize>) {
    let run = ev.run;
    let o = &run.analysis.outcome;
    let facts = &run.analysis.facts;
    // 1. First cause in the span tree: the outcome's decisive error, else the earliest error
    //    without failing descendants.
    let errors: Vec<usize> = run.order.iter().copied().filter(|&i| facts[i].is_error).collect();
    let mut has_err_child = vec![false; run.spans.len()];
    for &i in &errors {
        if let Some(p) = run.parent[i] {
            has_err_child[p] = true;
        }
    }
    let leaf = outcome_span.filter(|&i| !has_err_child[i]).or_else(|| errors.iter().copied().find(|&i| !has_err_child[i])).or(outcome_span);
    if let Some(i) = leaf {
        if let Some(a) = ev.agent_at(i) {
            let what = facts[i].tool_name.clone().unwrap_or_else(|| run.spans[i].name.clone());
            let why = format!("first error in the span tree: {a}'s {what} failed («{}»)", quote(&run.error_text(i), 100));
            ev.add(&a, 1.0, Some(i), StepKind::Cause, why);
            // 2. Back along the agent graph: an earlier error of another agent whose text
            //    reached this agent's input is the first cause.
            if let Some(k) = run.turn_of[i] {
                let input = run.input_words(&run.turns[k]);
                for &e in errors.iter().filter(|&&e| run.end(e) <= run.start(i) && e != i) {
                    let Some(b) = ev.agent_at(e).filter(|b| *b != a) else { continue };
                    let ew = word_set(&run.error_text(e), 4096);
                    if ew.len() >= 2 && coverage(&ew, input) >= 0.6 {
                        let why =
                            format!("its earlier error («{}») reached {a}'s input and caused the failure", quote(&run.error_text(e), 80));
                        ev.add(&b, 1.5, Some(e), StepKind::Cause, why);
                        break;
                    }
                }
            }
        }
    }
    if let Some(a) = &o.failing_agent {
        let why = format!("the run outcome names it: {}", quote(o.reason.as_deref().unwrap_or("failure"), 100));
        ev.add(a, 0.4, outcome_span, StepKind::Finding, why);
    }
}

/// A run stopped by a limit: the last agent to act, and the agents whose repetition used up the
/// budget (the first repetition is the decisive step).
fn stop_evidence(ev: &mut Evidence, findings: &[Finding], cfg: &MastConfig, outcome_span: Option<usize>) {
    let run = ev.run;
    let o = &run.analysis.outcome;
    if let Some(a) = &o.failing_agent {
        let why = format!("last agent to act before the run was stopped («{}»)", quote(o.reason.as_deref().unwrap_or("limit"), 100));
        ev.add(a, 0.6, outcome_span, StepKind::Finding, why);
    }
    // A restart request (FM-2.1) explains the repetition that answers it.
    let restarted = findings.iter().any(|f| f.mode_id == "FM-2.1" && f.semantic && f.confidence >= cfg.verdict_min_confidence);
    let loopers: Vec<&str> = findings.iter().filter(|f| f.mode_id == "FM-1.3").filter_map(|f| f.agent_name.as_deref()).collect();
    for f in findings.iter().filter(|f| f.mode_id == "FM-1.3") {
        let Some(a) = &f.agent_name else { continue };
        if restarted && findings.iter().any(|g| g.mode_id == "FM-2.1" && g.agent_name.as_ref() != Some(a)) {
            continue;
        }
        // Several agents repeat in a cycle: the one whose repeated answer sends the work back
        // (a rejection such as "REVISE", or the turn that closes the cycle) drives the loop.
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
                ev.add(a, if rejects { 0.8 } else { 0.4 }, None, StepKind::Finding, format!("drives the loop: {why}"));
            }
        }
        // Decisive step: the first repetition.
        let span = f.spans.get(1).or(f.spans.first()).and_then(|r| run.index.get(r).copied());
        ev.add(a, f.confidence, span, StepKind::Cause, format!("looped: {}", f.explanation));
    }
}

/// Findings of every mode add evidence against their agent; content findings that reach the
/// verdict threshold weigh most (on a run reported as successful they are the only evidence).
fn finding_evidence(ev: &mut Evidence, findings: &[Finding], cfg: &MastConfig) {
    let run = ev.run;
    let status = run.analysis.outcome.status;
    for f in findings.iter().filter(|f| !(status == OutcomeStatus::StoppedEarly && f.mode_id == "FM-1.3")) {
        let Some(a) = &f.agent_name else { continue };
        // A coordinator giving the same instruction again: what it asked for was not delivered
        // by the agent it asked, whose turn came in between.
        if f.mode_id == "FM-1.3" && ev.roles.get(a) == Some(&Role::Coordinator) {
            if let Some((w, k)) = repeat_addressee(run, f) {
                let w_score = 0.3 * f.severity.weight() * f.confidence + 0.2;
                ev.add(&w, w_score, Some(run.turns[k].idx), StepKind::Symptom, format!("{a} had to ask it again: {}", f.explanation));
                continue;
            }
        }
        let span = f.spans.first().and_then(|r| run.index.get(r).copied());
        // Symptoms of an earlier mistake: a loop, a restart, and an error text in the final
        // output that no recorded error explains (a crash at the end, not where it went wrong).
        // Such a crash says that the run failed, not who caused it (the turn that crashed may
        // have been handed what made it crash): it weighs as a weak finding, halved between the
        // agent whose turn crashed and whoever handed it what it crashed on.
        let unexplained_error = f.rule == "error_reached_final_output_unchecked" && !span.is_some_and(|i| run.analysis.facts[i].is_error);
        let w = if unexplained_error {
            0.5 * 0.3 * f.severity.weight() * f.confidence
        } else if f.semantic && f.confidence >= cfg.verdict_min_confidence {
            let base = if status == OutcomeStatus::Success { 2.0 } else { 1.2 };
            base * f.confidence
        } else {
            0.3 * f.severity.weight() * f.confidence
        };
        let kind = if matches!(f.mode_id, "FM-1.3" | "FM-2.1") || unexplained_error { StepKind::Symptom } else { StepKind::Finding };
        ev.add(a, w, span, kind, format!("{}: {}", f.mode_id, f.explanation));
    }
}

/// What the run's content says without any finding: who acted last, where the final answer's
/// content was made, and who produced most of the work.
fn content_evidence(ev: &mut Evidence) {
    let run = ev.run;
    if let Some(t) = run.turns.iter().max_by_key(|t| (t.end, t.start)) {
        ev.add(&t.agent.clone(), 0.05, Some(t.idx), StepKind::Prior, "last agent to act in the run".to_string());
    }
    // Where the final answer came from: the first turn whose output already held its decisive
    // content is where the answer was made.
    if let Some((k, items)) = answer_origin(run, ev.roles) {
        let t = &run.turns[k];
        let why = format!("the final answer's {items} first appear in its output (the step that made the answer)");
        ev.add(&t.agent.clone(), 0.45, Some(t.idx), StepKind::Origin, why);
    }
    // With no error, the content is the product: the worker that produced most of it is the
    // likeliest author of a wrong result, from its first turn on (a weak prior: any finding that
    // names an agent outweighs it).
    if let Some((a, first, n, of)) = main_worker(run, ev.roles, ev.posted) {
        let w = if run.analysis.outcome.status == OutcomeStatus::Failure { 0.1 } else { 0.3 };
        ev.add(
            &a,
            w,
            Some(run.turns[first].idx),
            StepKind::Prior,
            format!("produced most of the run's content ({n} of {of} worker turns)"),
        );
    }
}

/// Evidence that decides a run by itself: a content finding at the verdict threshold, an error.
const DECISIVE_WEIGHT: f32 = 1.0;

/// The step of one candidate: a first cause, or a finding strong enough to decide the run; else
/// where the answer was made, unless a finding against the same agent points earlier; else the
/// heaviest evidence's step (the first of equals).
fn decisive_step(run: &RunView, agent: &str, steps: &[Step], posted: Option<usize>) -> Option<(usize, String)> {
    let heaviest = |pred: &dyn Fn(&Step) -> bool| {
        steps.iter().filter(|s| pred(s)).fold(None, |best: Option<&Step>, s| match best {
            Some(b) if b.2 >= s.2 => Some(b),
            _ => Some(s),
        })
    };
    let pick = heaviest(&|s| s.1 == StepKind::Cause)
        .or_else(|| heaviest(&|s| matches!(s.1, StepKind::Finding | StepKind::Symptom) && s.2 >= DECISIVE_WEIGHT))
        .or_else(|| {
            let origin = heaviest(&|s| s.1 == StepKind::Origin)?;
            let earlier =
                steps.iter().filter(|f| f.1 == StepKind::Finding && run.start(f.0) < run.start(origin.0)).min_by_key(|f| run.start(f.0));
            Some(earlier.unwrap_or(origin))
        })
        .or_else(|| heaviest(&|_| true))?;
    if pick.1 == StepKind::Symptom {
        // Where the agent's track began: the answer's origin when it came earlier, else the
        // agent's first turn that produced output (not a worker's posted task).
        let t0 = run.start(pick.0);
        let origin = steps.iter().filter(|s| s.1 == StepKind::Origin && run.start(s.0) < t0).min_by_key(|s| run.start(s.0));
        if let Some(o) = origin {
            return Some((o.0, format!("{} (its track began where the answer was made: {})", pick.3, o.3)));
        }
        if let Some(t) = run.turns.iter().find(|t| t.agent == agent && t.output.is_some() && t.start < t0 && Some(t.idx) != posted) {
            return Some((t.idx, format!("{} (a symptom: its track began at its first turn)", pick.3)));
        }
    }
    Some((pick.0, pick.3.clone()))
}

/// Candidates ranked by the weight of the evidence against them, each with its decisive step.
fn rank(run: &RunView, acc: HashMap<String, Acc>, outcome_span: Option<usize>, posted: Option<usize>) -> Attribution {
    let o = &run.analysis.outcome;
    let mut cands: Vec<(String, Acc)> = acc.into_iter().collect();
    cands.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.1.first_seen.cmp(&b.1.first_seen)).then(a.0.cmp(&b.0)));
    let total: f32 = cands.iter().map(|(_, c)| c.score.max(0.0)).sum();
    let candidates: Vec<Candidate> = cands
        .iter()
        .map(|(a, c)| {
            let step = decisive_step(run, a, &c.steps, posted);
            Candidate {
                agent: a.clone(),
                score: (c.score * 1000.0).round() / 1000.0,
                confidence: if total > 0.0 { (c.score.max(0.0) / total * 1000.0).round() / 1000.0 } else { 0.0 },
                span: step.as_ref().map(|(i, _)| loc(run, *i)),
                step_reason: step.map(|(_, why)| why),
                reasons: c.reasons.clone(),
            }
        })
        .collect();
    let top = candidates.first();
    let decisive = top.and_then(|c| c.span.clone()).or_else(|| outcome_span.map(|i| loc(run, i)));
    let explanation = match top {
        Some(c) => {
            let why = c.reasons.first().cloned().unwrap_or_default();
            match &c.step_reason {
                Some(step) if *step != why => format!("{} is responsible: {why}; decisive step: {step}", c.agent),
                _ => format!("{} is responsible: {why}", c.agent),
            }
        }
        None => "no agent could be identified from the recorded spans".into(),
    };
    Attribution {
        status: o.status.as_str(),
        reason: o.reason.clone(),
        responsible_agent: top.map(|c| c.agent.clone()),
        decisive_span: decisive,
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

/// The answer a text announces: the rest of the last line that announces it ("Final answer:
/// 42", "ANSWER: Paris", "the answer is 7"), or the next line when that rest is empty.
fn marked_answer(t: &str) -> Option<&str> {
    fn clean(x: &str) -> &str {
        x.trim().trim_matches(|c: char| matches!(c, '*' | '"' | '\'' | '`' | '.' | ':')).trim()
    }
    let lines: Vec<&str> = t.lines().collect();
    for (n, l) in lines.iter().enumerate().rev() {
        // ASCII lower-casing keeps byte offsets.
        let lower = l.to_ascii_lowercase();
        let Some((at, len)) = lower.find("answer:").map(|a| (a, 7)).or_else(|| lower.find("answer is").map(|a| (a, 9))) else { continue };
        let rest = clean(l.get(at + len..).unwrap_or(""));
        if !rest.is_empty() {
            return Some(rest);
        }
        if let Some(next) = lines[n + 1..].iter().map(|x| clean(x)).find(|x| !x.is_empty() && !is_control_line(x)) {
            return Some(next);
        }
    }
    None
}

/// The answer a final output gives: the announced one ([`marked_answer`]), else the text without
/// control lines (a lone upper-case word such as a termination keyword is not part of an answer).
fn answer_text(fin: &str) -> String {
    match marked_answer(fin) {
        Some(m) => m.to_string(),
        None => fin.lines().filter(|l| !is_control_line(l)).collect::<Vec<_>>().join("\n"),
    }
}

/// A line that is one upper-case word ("TERMINATE", "DONE").
fn is_control_line(l: &str) -> bool {
    let t = l.trim().trim_matches(|c: char| !c.is_alphanumeric());
    t.chars().count() >= 3 && t.chars().all(|c| c.is_ascii_uppercase() || c == '_')
}

/// Tokens compared between an answer and a turn's output: lower-cased runs of letters, digits
/// and inner `.`/`-` ("12.6", "80nssc21k0223", "jiu-jitsu"), and the parts of hyphenated ones.
fn tokens(t: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    for raw in t.split(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '-'))) {
        let w = raw.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        if w.is_empty() {
            continue;
        }
        if w.contains('-') {
            out.extend(w.split('-').filter(|p| !p.is_empty()).map(str::to_string));
        }
        out.insert(w);
    }
    out
}

/// A short answer that says there is none ("Unable to determine", "unknown", "N/A"): it has no
/// content to trace back.
fn is_non_answer(answer: &str) -> bool {
    let l = answer.to_lowercase();
    ["unable", "cannot", "can't", "could not", "couldn't", "not possible", "unknown", "not available", "not found", "no answer", "n/a"]
        .iter()
        .any(|m| l.contains(m))
        || matches!(l.trim(), "none" | "no data" | "nothing")
}

/// The decisive content of a final answer: its figures (two characters or more: a lone digit
/// proves nothing) and, for a short answer, its content words; for a long one only its values
/// (figures and names inside sentences). Words the task already gave are not the answer's.
fn answer_items(answer: &str, task: &HashSet<String>) -> Vec<String> {
    let short = answer.split_whitespace().count() <= 12;
    if short && is_non_answer(answer) {
        return Vec::new();
    }
    let candidates: Vec<String> = if short {
        let words: HashSet<String> = super::text::words(answer, 2000).into_iter().collect();
        let mut v: Vec<String> = tokens(answer)
            .into_iter()
            .filter(|w| if w.chars().any(|c| c.is_ascii_digit()) { w.chars().count() >= 2 } else { words.contains(w) })
            .collect();
        v.sort();
        v
    } else {
        // A possessive is its name ("County's" is "county": tokens split at the apostrophe).
        values(super::text::head(answer, 2000), task)
            .into_iter()
            .map(|v| v.to_lowercase().trim_end_matches("'s").trim_end_matches("’s").to_string())
            .filter(|v| v.chars().count() >= 2)
            .collect()
    };
    candidates.into_iter().filter(|w| !task.contains(w) && !NOT_VALUES.contains(&w.as_str())).take(12).collect()
}

/// Provenance of the final answer: the earliest turn, other than the one that gave the answer,
/// whose output already holds most of the answer's decisive content (see [`answer_items`]).
/// Coordinators mostly restate what they were given, so their turns count only when their input
/// did not hold the content. Returns the turn and the content quoted.
fn answer_origin(run: &RunView, roles: &HashMap<String, Role>) -> Option<(usize, String)> {
    let fin = run.final_output.as_ref()?;
    let task: HashSet<String> = run.task.as_ref().map(|t| tokens(&t.text)).unwrap_or_default();
    let answer = answer_text(super::text::head(&fin.text, 8000));
    let items = answer_items(&answer, &task);
    if items.is_empty() {
        return announced_origin(run, roles, &answer, fin.span);
    }
    let need = (items.len() * 3).div_ceil(5).max(1);
    let holds = |t: &super::view::Turn| {
        let Some((o, j)) = &t.output else { return false };
        if *j == fin.span {
            return false;
        }
        let toks = tokens(super::text::head(o, 16_000));
        items.iter().filter(|v| toks.contains(v.as_str())).count() >= need
    };
    // A coordinator's turn made the content only when what it was given did not hold it.
    let given = |t: &super::view::Turn| {
        let toks = tokens(super::text::head(t.input.as_deref().unwrap_or(""), 16_000));
        items.iter().filter(|v| toks.contains(v.as_str())).count() >= need
    };
    let quoted = format!("«{}»", quote(&items.join(", "), 80));
    if let Some(k) = run.turns.iter().position(|t| holds(t) && (roles.get(&t.agent) != Some(&Role::Coordinator) || !given(t))) {
        // The content appeared first among other figures (a listing, a tool's output); a later
        // turn that was handed a different answer and announced this one chose it.
        if let Some((m, before)) = changed_answer(run, &items, need, k) {
            return Some((m, format!("{quoted} (it was given the answer «{}» and announced this one instead)", quote(before, 60))));
        }
        return Some((k, quoted));
    }
    // No earlier turn held it: a worker whose final output closes by announcing the answer made
    // it there, unless what it was given already held it (then it came from outside the turns: a
    // tool, a file). A coordinator's final answer that no turn supports is a guess after the work
    // failed: the work is where it went wrong, not the guess.
    let closing: Vec<&str> = fin.text.lines().rev().filter(|l| !l.trim().is_empty() && !is_control_line(l)).take(2).collect();
    marked_answer(&closing.into_iter().rev().collect::<Vec<_>>().join("\n"))?;
    let k = run.turns.iter().position(|t| t.output.as_ref().is_some_and(|(_, j)| *j == fin.span))?;
    if roles.get(&run.turns[k].agent) == Some(&Role::Coordinator) {
        return None;
    }
    let input_held = tokens(super::text::head(run.turns[k].input.as_deref().unwrap_or(""), 16_000));
    (items.iter().filter(|v| input_held.contains(v.as_str())).count() < need).then_some((k, quoted))
}

/// The first turn after `k` that was handed an announced answer ([`marked_answer`]) that is not
/// the final one and announced the final one's content itself: where the run changed its
/// answer. Returns the turn and the answer it was given.
fn changed_answer<'r>(run: &'r RunView, items: &[String], need: usize, k: usize) -> Option<(usize, &'r str)> {
    let fin_span = run.final_output.as_ref()?.span;
    let count = |t: &str| {
        let toks = tokens(t);
        items.iter().filter(|v| toks.contains(v.as_str())).count()
    };
    run.turns.iter().enumerate().skip(k + 1).find_map(|(m, t)| {
        let (o, j) = t.output.as_ref()?;
        if *j == fin_span || marked_answer(super::text::head(o, 16_000)).is_none_or(|a| count(a) < need) {
            return None;
        }
        let given = run.input_texts(t).filter_map(|i| marked_answer(super::text::head(i, 16_000))).last()?;
        (!is_non_answer(given) && count(given) < need && given.chars().any(char::is_alphanumeric)).then_some((m, given))
    })
}

/// A short answer whose figure is too common to trace by where it occurs (a lone digit): the
/// first turn, not a coordinator's, that announced it as its own answer ([`marked_answer`], or
/// its output's closing statement, [`stated_last`]).
fn announced_origin(run: &RunView, roles: &HashMap<String, Role>, answer: &str, fin_span: usize) -> Option<(usize, String)> {
    if answer.split_whitespace().count() > 12 || is_non_answer(answer) {
        return None;
    }
    let figures: Vec<String> = tokens(answer).into_iter().filter(|w| w.chars().all(|c| c.is_ascii_digit())).collect();
    if figures.is_empty() {
        return None;
    }
    let k = run.turns.iter().position(|t| {
        let Some((o, j)) = &t.output else { return false };
        *j != fin_span
            && roles.get(&t.agent) != Some(&Role::Coordinator)
            && marked_answer(super::text::head(o, 16_000)).or_else(|| stated_last(o)).is_some_and(|m| {
                let toks = tokens(m);
                figures.iter().all(|f| toks.contains(f))
            })
    })?;
    Some((k, format!("«{}», announced as its answer,", figures.join(", "))))
}

/// The value an output closes on when it states it apart: its last line of content is introduced
/// by the line before it ending in a colon ("Thus, the total is:" then "5"), code fences and
/// control lines aside. Only the tail of a long output is read.
fn stated_last(o: &str) -> Option<&str> {
    let tail = o.get(o.floor_char_boundary(o.len().saturating_sub(2000))..).unwrap_or("");
    let mut content = tail.lines().rev().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("```") && !is_control_line(l));
    let last = content.next()?;
    let before = content.next()?;
    (before.ends_with(':') && !last.ends_with(':') && last.split_whitespace().count() <= 12).then_some(last)
}

/// The run's first turn with output, when it only posts the task to the team: its output holds
/// (nearly) every content word of a task of six or more (a group chat whose first message is
/// the task and the manager's plan, written in a member's name). Posting the task is not work of
/// that member's own.
fn posts_task(run: &RunView) -> Option<usize> {
    let task = super::text::word_set(&run.task.as_ref()?.text, 16_000);
    if task.len() < 6 {
        return None;
    }
    let k = run.turns.iter().position(|t| t.output.is_some())?;
    let (o, _) = run.turns[k].output.as_ref()?;
    (super::text::coverage(&task, &super::text::word_set(o, 32_000)) >= 0.9).then_some(k)
}

/// The worker with the most turns that produced output, not counting the turn that posts the
/// task (`posted`, [`posts_task`]): (agent, its first such turn, its turns, all workers' turns).
/// None unless the run has a coordinator or an executor beside workers, or several workers.
fn main_worker(run: &RunView, roles: &HashMap<String, Role>, posted: Option<usize>) -> Option<(String, usize, usize, usize)> {
    let mut count: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut all = 0;
    for (k, t) in run.turns.iter().enumerate() {
        if roles.get(&t.agent) != Some(&Role::Worker) || t.output.is_none() || posted == Some(k) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_announced_answer_is_read_from_its_marker() {
        assert_eq!(answer_text("Request satisfied.\nFINAL ANSWER: bite\nDONE"), "bite");
        assert_eq!(answer_text("We checked both sources. The answer is **Paris**."), "Paris");
        assert_eq!(answer_text("Harwood Freight leads with 312 pallets."), "Harwood Freight leads with 312 pallets.");
        assert_eq!(answer_text("Harwood Freight leads with 312 pallets.\nTERMINATE"), "Harwood Freight leads with 312 pallets.");
        assert_eq!(answer_text("TERMINATE"), "", "a termination keyword alone is no answer");
        assert_eq!(answer_text("Checked twice; the final answer is:\n\nThere are 6 stops.\n\nTERMINATE"), "There are 6 stops");
    }

    #[test]
    fn answer_items_are_new_figures_and_words() {
        let task = tokens("Which supplier delivered the most pallets in March?");
        assert_eq!(answer_items("Harwood Freight, 312 pallets", &task), vec!["312", "freight", "harwood"]);
        assert!(answer_items("3", &task).is_empty(), "a lone digit proves nothing");
        assert!(answer_items("Unable to determine", &task).is_empty(), "a non-answer has no content");
        let task = tokens("What was Riverton County's annual growth rate between 2015 and 2023?");
        assert_eq!(
            answer_items("Riverton County's population grew by 1.44% a year between 2015 and 2023, compounded.", &task),
            vec!["1.44"]
        );
        assert!(tokens("12.6 kg of jiu-jitsu").contains("jitsu"));
        assert!(tokens("12.6 kg of jiu-jitsu").contains("12.6"));
    }
}
