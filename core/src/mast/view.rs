//! Everything the rules need about one run, derived once: the span tree, agent turns with their
//! readable inputs and outputs, the task, the final output, verification steps.
//!
//! Built in O(n log n) over the spans (iterative, cycle-safe parent walks); texts are bounded.
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use super::text::{find_keyword, readable, task_text, word_set};
use super::{MastConfig, SpanKey};
use crate::analyze::RunAnalysis;
use crate::model::SpanRecord;
use crate::normalize::SpanCategory;
use crate::run::fx::FxMap;
use crate::run::tree::{nearest, SpanTree};

/// One agent turn: the outermost span of an agent invocation.
#[derive(Debug, Clone)]
pub struct Turn {
    /// The agent span.
    pub idx: usize,
    pub agent: String,
    pub start: u64,
    pub end: u64,
    /// What the agent was given (readable text), if recorded.
    pub input: Option<String>,
    /// What it produced (readable text), and the span that recorded it.
    pub output: Option<(String, usize)>,
    /// Model calls inside the turn (outermost LLM spans), in time order.
    pub llm: Vec<usize>,
    /// Content words of everything the turn was given (turn input + model inputs, non-system);
    /// computed on first use, see [`RunView::input_words`].
    input_words: OnceCell<super::text::Words>,
    pub has_input: bool,
}

/// A verification step: a verifier/reviewer agent turn or a guardrail span.
#[derive(Debug, Clone)]
pub struct Check {
    pub span: usize,
    pub agent: Option<String>,
    pub guardrail: bool,
    /// `Some(true)` approved, `Some(false)` rejected, `None` unknown.
    pub approved: Option<bool>,
    pub text: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Located {
    pub text: String,
    pub span: usize,
    pub agent: Option<String>,
}

pub struct RunView<'a> {
    pub spans: &'a [SpanRecord],
    pub analysis: &'a RunAnalysis,
    pub parent: Vec<Option<usize>>,
    /// Span indices by start time.
    pub order: Vec<usize>,
    pub index: FxMap<SpanKey, usize>,
    /// Agent each span belongs to (tool spans: the agent that requested the call).
    pub owner: Vec<Option<String>>,
    pub turns: Vec<Turn>,
    /// Turn (index into `turns`) each span belongs to.
    pub turn_of: Vec<Option<usize>>,
    /// Outermost model calls, by start time.
    pub llm: Vec<usize>,
    /// Span index of each `analysis.tool_calls` entry.
    pub tool_span: Vec<usize>,
    pub task: Option<Located>,
    pub final_output: Option<Located>,
    pub checks: Vec<Check>,
    /// Turn indices per agent, in time order.
    turns_by_agent: HashMap<String, Vec<usize>>,
    max_text: usize,
    pub(crate) cache: Cache,
}

/// Results shared by several rules, computed once per run.
#[derive(Default)]
pub(crate) struct Cache {
    pub history: OnceCell<(Vec<super::rules::HistoryDrop>, usize)>,
    pub flows: OnceCell<Vec<super::rules::ResultFlow>>,
    pub transcript: OnceCell<super::Transcript>,
    pub roles: OnceCell<HashMap<String, super::roles::Role>>,
}

impl<'a> RunView<'a> {
    pub fn new(spans: &'a [SpanRecord], analysis: &'a RunAnalysis, cfg: &MastConfig) -> Self {
        let facts = &analysis.facts;
        // The run's tree, as whole-run analysis builds it.
        let SpanTree { index, parent, order } = SpanTree::new(spans);
        let (owner, tool_span) = owners(analysis, &index, &parent);
        let (turns, turn_of, turn_idx) = turns(spans, analysis, &parent, &order, &owner);
        let llm: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| facts[i].category == SpanCategory::Llm && parent[i].is_none_or(|p| facts[p].category != SpanCategory::Llm))
            .collect();
        let mut turns = turns;
        for &i in &llm {
            if let Some(t) = turn_of[i] {
                turns[t].llm.push(i);
            }
        }
        turn_texts(facts, &parent, &owner, &mut turns);
        outputs_from_messages(analysis, &index, &mut turns);
        // Root: the longest parentless span.
        let root = (0..spans.len())
            .filter(|&i| parent[i].is_none())
            .max_by_key(|&i| (spans[i].duration_ns(), std::cmp::Reverse(spans[i].start_time_unix_nano)));
        let task = task(analysis, &index, &order, &llm, root);
        let final_output = final_output(facts, &turns, root, &cfg.termination_keywords);
        let checks = checks(spans, analysis, cfg, &order, &owner, &turns, &turn_idx);
        let mut turns_by_agent: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, t) in turns.iter().enumerate() {
            turns_by_agent.entry(t.agent.clone()).or_default().push(k);
        }
        RunView {
            spans,
            analysis,
            parent,
            order,
            index,
            owner,
            turns,
            turn_of,
            llm,
            tool_span,
            task,
            final_output,
            checks,
            turns_by_agent,
            max_text: cfg.max_text_bytes,
            cache: Cache::default(),
        }
    }

    /// The texts a turn was given: its input, then its model calls' input messages.
    pub fn input_texts<'s>(&'s self, t: &'s Turn) -> impl Iterator<Item = &'s str> + 's {
        let facts = &self.analysis.facts;
        t.input
            .iter()
            .map(String::as_str)
            .chain(t.llm.iter().flat_map(move |&j| facts[j].input_messages.iter().map(|m| m.content.as_str())))
    }

    /// Content words of everything a turn was given (its input and its model calls' non-system
    /// messages, the last 32 per call), computed once.
    pub fn input_words<'s>(&'s self, t: &'s Turn) -> &'s super::text::Words {
        t.input_words.get_or_init(|| {
            let facts = &self.analysis.facts;
            let max = self.max_text;
            let mut words = HashSet::new();
            if let Some(i) = &t.input {
                words.extend(word_set(i, max));
            }
            for &j in &t.llm {
                let f = &facts[j];
                for m in f.input_messages.iter().rev().take(32).filter(|m| m.role != "system") {
                    words.extend(word_set(&m.content, max));
                }
                if f.input_messages.is_empty() {
                    if let Some(x) = f.input_text.as_deref().and_then(|x| readable(x, false)) {
                        words.extend(word_set(&x, max));
                    }
                }
            }
            words
        })
    }

    /// The run as a transcript (built on first use).
    pub fn transcript(&self) -> &super::Transcript {
        self.cache.transcript.get_or_init(|| super::Transcript::new(self))
    }

    /// The first turn of `agent` that ends at or after `t` (the one receiving a message sent at `t`).
    pub fn turn_of_agent_after(&self, agent: &str, t: u64) -> Option<&Turn> {
        let ks = self.turns_by_agent.get(agent)?;
        // Turns of one agent do not overlap; ends are ordered like starts.
        let p = ks.partition_point(|&k| self.turns[k].end < t);
        ks.get(p).map(|&k| &self.turns[k])
    }

    /// The agent of the turn whose span is `i` (empty when `i` is not in a turn).
    pub fn turns_agent_at(&self, i: usize) -> &str {
        self.turn_of.get(i).copied().flatten().map(|k| self.turns[k].agent.as_str()).unwrap_or("")
    }

    /// The agents' roles from behaviour ([`super::roles`]), computed once.
    pub fn roles(&self) -> &HashMap<String, super::roles::Role> {
        self.cache.roles.get_or_init(|| super::roles::infer(&self.turn_texts()))
    }

    /// The turns as the text [`super::roles`] reads.
    pub fn turn_texts(&self) -> Vec<super::roles::TurnText<'_>> {
        self.turns
            .iter()
            .map(|t| super::roles::TurnText { agent: &t.agent, input: t.input.as_deref(), output: t.output.as_ref().map(|o| o.0.as_str()) })
            .collect()
    }

    pub fn span_ref(&self, i: usize) -> SpanKey {
        (self.spans[i].trace_id, self.spans[i].span_id)
    }

    pub fn start(&self, i: usize) -> u64 {
        self.spans[i].start_time_unix_nano
    }

    pub fn end(&self, i: usize) -> u64 {
        self.spans[i].end_time_unix_nano
    }

    /// Walks up from `i` (exclusive); first ancestor satisfying `pred`. Bounded.
    pub fn ancestor(&self, i: usize, pred: impl Fn(usize) -> bool) -> Option<usize> {
        crate::run::tree::ancestor(&self.parent, i, pred)
    }

    /// Error text a failed span reported (type: message).
    pub fn error_text(&self, i: usize) -> String {
        let f = &self.analysis.facts[i];
        match (&f.error_type, &f.error_message) {
            (Some(t), Some(m)) if !m.starts_with(t.as_str()) && t != m => {
                format!("{t}: {}", super::text::quote(m, 160))
            }
            (_, Some(m)) => super::text::quote(m, 160),
            (Some(t), None) => t.clone(),
            _ => "error status".to_string(),
        }
    }
}

/// Each span's agent (the nearest ancestor-or-self agent the run analysis knows; tool spans: the
/// agent that requested the call) and the span of each of the analysis's tool calls.
fn owners(analysis: &RunAnalysis, index: &FxMap<SpanKey, usize>, parent: &[Option<usize>]) -> (Vec<Option<String>>, Vec<usize>) {
    let facts = &analysis.facts;
    let agents: HashSet<&str> = analysis.agents.iter().map(|a| a.agent_name.as_str()).collect();
    let own = nearest(parent, |i| facts.get(i).and_then(|f| f.agent_name.as_deref()).is_some_and(|a| agents.contains(a)));
    let mut owner: Vec<Option<String>> = own.iter().map(|o| o.and_then(|j| facts[j].agent_name.clone())).collect();
    let mut tool_span = Vec::with_capacity(analysis.tool_calls.len());
    for t in &analysis.tool_calls {
        if let Some(&i) = index.get(&(t.trace_id, t.span_id)) {
            tool_span.push(i);
            if t.agent_name.is_some() {
                owner[i] = t.agent_name.clone();
            }
        }
    }
    (owner, tool_span)
}

/// The turns (agent spans whose ancestors hold no agent span of the same agent), the turn each
/// span belongs to, and each turn span's position in the turns.
#[allow(clippy::type_complexity)]
fn turns(
    spans: &[SpanRecord],
    analysis: &RunAnalysis,
    parent: &[Option<usize>],
    order: &[usize],
    owner: &[Option<String>],
) -> (Vec<Turn>, Vec<Option<usize>>, HashMap<usize, usize>) {
    let facts = &analysis.facts;
    let is_agent_span = |i: usize| facts[i].category == SpanCategory::Agent && owner[i].is_some() && facts[i].agent_name == owner[i];
    let mut turn_spans: Vec<usize> = Vec::new();
    for &i in order {
        if !is_agent_span(i) {
            continue;
        }
        let mut cur = parent[i];
        let mut nested = false;
        let mut steps = 0;
        while let Some(p) = cur {
            if is_agent_span(p) && owner[p] == owner[i] {
                nested = true;
                break;
            }
            steps += 1;
            if steps > spans.len() {
                break;
            }
            cur = parent[p];
        }
        if !nested {
            turn_spans.push(i);
        }
    }
    let turn_idx: HashMap<usize, usize> = turn_spans.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let turn_anc = nearest(parent, |i| turn_idx.contains_key(&i));
    let turn_of: Vec<Option<usize>> = turn_anc.iter().map(|t| t.and_then(|j| turn_idx.get(&j).copied())).collect();
    let turns = turn_spans
        .iter()
        .map(|&i| Turn {
            idx: i,
            agent: owner[i].clone().unwrap_or_default(),
            start: spans[i].start_time_unix_nano,
            end: spans[i].end_time_unix_nano,
            input: None,
            output: None,
            llm: Vec::new(),
            input_words: OnceCell::new(),
            has_input: false,
        })
        .collect();
    (turns, turn_of, turn_idx)
}

/// Each turn's readable input and output: from the turn span and its same-agent ancestors (task /
/// executor wrappers), else the output of its last model call.
fn turn_texts(facts: &[crate::normalize::SpanFacts], parent: &[Option<usize>], owner: &[Option<String>], turns: &mut [Turn]) {
    for turn in turns.iter_mut() {
        let i = turn.idx;
        let mut chain = vec![i];
        let mut cur = parent[i];
        while let Some(p) = cur {
            if owner[p] != owner[i] || chain.len() > 16 {
                break;
            }
            chain.push(p);
            cur = parent[p];
        }
        let input = chain.iter().find_map(|&j| facts[j].input_text.as_deref().and_then(|t| readable(t, false)));
        let mut output = chain.iter().find_map(|&j| facts[j].output_text.as_deref().and_then(|t| readable(t, true)).map(|t| (t, j)));
        if output.is_none() {
            output = turn.llm.iter().rev().find_map(|&j| {
                let f = &facts[j];
                f.output_messages
                    .iter()
                    .rev()
                    .find(|m| !m.content.trim().is_empty())
                    .map(|m| (m.content.trim().to_string(), j))
                    .or_else(|| f.output_text.as_deref().and_then(|t| readable(t, true)).filter(|t| !t.starts_with('{')).map(|t| (t, j)))
            });
        }
        let has_input = input.is_some() || turn.llm.iter().any(|&j| !facts[j].input_messages.is_empty() || facts[j].input_text.is_some());
        turn.input = input;
        turn.output = output;
        turn.has_input = has_input;
    }
}

/// Agents without recorded outputs (runtime messaging): what they sent during the turn.
fn outputs_from_messages(analysis: &RunAnalysis, index: &FxMap<SpanKey, usize>, turns: &mut [Turn]) {
    let mut sent: HashMap<&str, Vec<&crate::normalize::AgentMessage>> = HashMap::new();
    for m in &analysis.messages {
        if let (Some(f), Some(_)) = (m.from_agent.as_deref(), &m.content) {
            sent.entry(f).or_default().push(m);
        }
    }
    for v in sent.values_mut() {
        v.sort_by_key(|m| m.time_ns);
    }
    for k in 0..turns.len() {
        if turns[k].output.is_some() {
            continue;
        }
        let from = turns[k].start;
        let until = turns.get(k + 1).map(|t| t.start).unwrap_or(u64::MAX);
        let m = sent.get(turns[k].agent.as_str()).and_then(|v| {
            let p = v.partition_point(|m| m.time_ns < from);
            v.get(p).filter(|m| m.time_ns < until).copied()
        });
        if let Some(m) = m {
            if let Some(&j) = index.get(&(m.trace_id, m.span_id)) {
                turns[k].output = m.content.clone().map(|c| (c, j));
            }
        }
    }
}

/// The task: the run's first recorded (non-model, non-tool) input, else the entry message, else
/// the first user message a model saw.
fn task(analysis: &RunAnalysis, index: &FxMap<SpanKey, usize>, order: &[usize], llm: &[usize], root: Option<usize>) -> Option<Located> {
    let facts = &analysis.facts;
    let not_work = |i: &usize| {
        !matches!(
            facts[*i].category,
            SpanCategory::Llm | SpanCategory::Tool | SpanCategory::Handoff | SpanCategory::Guardrail | SpanCategory::Retrieval
        )
    };
    root.into_iter()
        .chain(order.iter().copied().filter(not_work).take(4096))
        .find_map(|r| facts[r].input_text.as_deref().and_then(task_text).map(|t| Located { text: t, span: r, agent: None }))
        .or_else(|| {
            analysis.messages.iter().find(|m| m.from_agent.is_none()).and_then(|m| {
                let t = task_text(m.content.as_deref()?)?;
                let &j = index.get(&(m.trace_id, m.span_id))?;
                Some(Located { text: t, span: j, agent: None })
            })
        })
        .or_else(|| {
            llm.iter().find_map(|&j| {
                let m = facts[j].input_messages.iter().find(|m| m.role == "user" && !m.content.trim().is_empty())?;
                Some(Located { text: m.content.trim().to_string(), span: j, agent: None })
            })
        })
}

/// The final output: the root span's readable output, else the last turn's that says more than
/// a termination keyword (a group chat often ends on a bare "TERMINATE" after the answer).
fn final_output(facts: &[crate::normalize::SpanFacts], turns: &[Turn], root: Option<usize>, ends: &[String]) -> Option<Located> {
    let says = |t: &&Turn| t.output.as_ref().is_some_and(|(o, _)| !super::text::only_keywords(o, ends));
    let last_turn = turns
        .iter()
        .filter(says)
        .max_by_key(|t| (t.end, t.start))
        .or_else(|| turns.iter().filter(|t| t.output.is_some()).max_by_key(|t| (t.end, t.start)));
    root.and_then(|r| facts[r].output_text.as_deref().and_then(|t| readable(t, true)).map(|t| (t, r)))
        .filter(|(t, _)| !t.starts_with('{'))
        .map(|(t, r)| Located { text: t, span: r, agent: last_turn.map(|t| t.agent.clone()) })
        .or_else(|| {
            last_turn.and_then(|t| t.output.as_ref().map(|(o, j)| Located { text: o.clone(), span: *j, agent: Some(t.agent.clone()) }))
        })
}

/// Verification steps: verifier/reviewer turns (by agent name or role) with their verdict, and
/// guardrail or verification-named chain/tool spans, in time order.
fn checks(
    spans: &[SpanRecord],
    analysis: &RunAnalysis,
    cfg: &MastConfig,
    order: &[usize],
    owner: &[Option<String>],
    turns: &[Turn],
    turn_idx: &HashMap<usize, usize>,
) -> Vec<Check> {
    let facts = &analysis.facts;
    let mut checks = Vec::new();
    for t in turns {
        let role = analysis.agents.iter().find(|a| a.agent_name == t.agent).and_then(|a| a.role.as_deref()).unwrap_or("");
        if find_keyword(&t.agent, &cfg.verifier_keywords).is_some() || find_keyword(role, &cfg.verifier_keywords).is_some() {
            let text = t.output.as_ref().map(|o| o.0.clone());
            let approved = text.as_deref().and_then(|o| {
                if find_keyword(o, &cfg.rejection_keywords).is_some() {
                    Some(false)
                } else if find_keyword(o, &cfg.approval_keywords).is_some() {
                    Some(true)
                } else {
                    None
                }
            });
            checks.push(Check { span: t.idx, agent: Some(t.agent.clone()), guardrail: false, approved, text });
        }
    }
    let mut name_is_check: HashMap<&str, bool> = HashMap::new();
    for &i in order {
        let f = &facts[i];
        let named = matches!(f.category, SpanCategory::Chain | SpanCategory::Tool)
            && owner[i].is_some()
            && *name_is_check
                .entry(spans[i].name.as_str())
                .or_insert_with(|| find_keyword(&spans[i].name, &cfg.verifier_keywords).is_some());
        if f.category != SpanCategory::Guardrail && !named {
            continue;
        }
        if f.category != SpanCategory::Guardrail && turn_idx.contains_key(&i) {
            continue;
        }
        checks.push(Check {
            span: i,
            agent: owner[i].clone(),
            guardrail: f.category == SpanCategory::Guardrail,
            approved: Some(!tripped(&spans[i], f.is_error)),
            text: None,
        });
    }
    checks.sort_by_key(|c| spans[c.span].start_time_unix_nano);
    checks
}

/// A guardrail span that fired: `*.guardrail.triggered` / tripwire attributes, or error status.
pub fn tripped(span: &SpanRecord, is_error: bool) -> bool {
    if is_error {
        return true;
    }
    span.attributes.iter().any(|(k, v)| {
        (k.ends_with("guardrail.triggered") || k.ends_with("tripwire_triggered") || k.ends_with("triggered"))
            && (v.as_bool() == Some(true) || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true")))
    })
}
