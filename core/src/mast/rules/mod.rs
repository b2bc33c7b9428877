//! The rule registry: one file per rule family (MAST category). Adding a rule is one struct
//! implementing [`Rule`] in its family's file plus one line in [`REGISTRY`].
use std::collections::HashSet;

use super::text::word_set;
use super::{MastConfig, Rule, RunView};
use crate::normalize::ChatMessage;

mod content_action;
mod content_bounds;
mod content_code;
mod content_completion;
mod content_context;
mod content_corrections;
mod content_figures;
mod content_flow;
mod content_items;
mod content_operators;
mod content_plan;
mod content_range;
mod content_repeat;
mod content_review;
mod content_spec;
mod content_superseded;
mod content_verify;
mod inter_agent;
mod system_design;
mod verification;

pub static REGISTRY: &[&dyn Rule] = &[
    &system_design::TaskConstraints,
    &system_design::RoleSpecification,
    &system_design::RepeatedTurns,
    &system_design::RepeatedToolCalls,
    &system_design::HistoryLoss,
    &system_design::TerminationLimit,
    &system_design::ContinuedAfterTermination,
    &inter_agent::ConversationIdReset,
    &inter_agent::HistoryReset,
    &inter_agent::GuessInsteadOfAsking,
    &inter_agent::TaskDrift,
    &inter_agent::HandoffNotReceived,
    &inter_agent::ResultNotPassedOn,
    &inter_agent::ToolResultIgnored,
    &inter_agent::AnnouncedOtherTool,
    &verification::EndedEarly,
    &verification::UnverifiedError,
    &verification::ApprovedThenFailed,
    // Content rules, for runs that go wrong without any error: what agents said and did against
    // the task, instructions, tool results and each other.
    &content_spec::OutputFormatViolated,
    &content_spec::RoleBoundaryCrossed,
    &content_context::TaskMissingFromContext,
    &content_context::ApprovalNotActedOn,
    &content_context::ConversationRestarted,
    &content_action::ActedOnAmbiguity,
    &content_flow::ToolDataIgnored,
    &content_flow::BlockingFactWithheld,
    &content_flow::UpstreamConstraintContradicted,
    &content_corrections::CorrectionNotApplied,
    &content_figures::FigureMisquoted,
    &content_operators::ComparisonFlipped,
    &content_action::SaidVersusDid,
    &content_verify::TaskItemsLeftOpen,
    &content_plan::PlanStepDropped,
    &content_verify::ApprovedWithoutCheck,
    &content_verify::ApprovedDespiteEvidence,
    &content_range::RangeMisstated,
    &content_review::ReviewUndidRequirement,
    &content_bounds::BoundExceeded,
    &content_completion::AnswerReplacedAfterApproval,
    &content_repeat::WriteRepeated,
    &content_code::FormulaTermDropped,
    &content_code::ConstantContradictsText,
    &content_items::ItemReportedMissing,
    &content_superseded::SupersededFigureUsed,
];

/// Names of the registered rules with their mode, in order.
pub fn rules() -> Vec<(&'static str, &'static str, &'static str)> {
    REGISTRY.iter().map(|r| (r.name(), r.mode_id(), r.describes())).collect()
}

/// Consecutive model calls of one agent whose inputs belong to the same conversation (they share
/// a non-system message) but where the later input lost messages of the earlier one.
pub(crate) struct HistoryDrop {
    pub agent: String,
    pub prev: usize,
    pub next: usize,
    /// Non-system messages of the earlier input.
    pub had: usize,
    /// How many of them the later input kept.
    pub kept: usize,
    /// First lost message (excerpt).
    pub lost: String,
}

fn keys(msgs: &[ChatMessage]) -> Vec<u64> {
    msgs.iter()
        .filter(|m| m.role != "system" && (!m.content.trim().is_empty() || !m.tool_calls.is_empty()))
        .map(|m| {
            let mut h = super::text::repeat_hash(&m.content) ^ super::text::repeat_hash(&m.role).rotate_left(7);
            for t in &m.tool_calls {
                h = h.rotate_left(5) ^ super::text::repeat_hash(&t.name);
            }
            h
        })
        .collect()
}

pub(crate) fn history_drops<'r>(run: &'r RunView<'_>) -> &'r (Vec<HistoryDrop>, usize) {
    run.cache.history.get_or_init(|| compute_history_drops(run))
}

fn compute_history_drops(run: &RunView) -> (Vec<HistoryDrop>, usize) {
    let facts = &run.analysis.facts;
    let mut last: std::collections::HashMap<&str, (usize, Vec<u64>)> = std::collections::HashMap::new();
    let mut pairs = 0;
    let mut out = Vec::new();
    for &i in &run.llm {
        let Some(agent) = run.owner[i].as_deref() else {
            continue;
        };
        if facts[i].input_messages.is_empty() {
            continue;
        }
        let nk = keys(&facts[i].input_messages);
        if let Some((p, pk)) = last.get(agent) {
            let p = *p;
            let nset: HashSet<u64> = nk.iter().copied().collect();
            let kept = pk.iter().filter(|k| nset.contains(k)).count();
            pairs += 1;
            if kept > 0 && kept < pk.len() {
                let lost = facts[p]
                    .input_messages
                    .iter()
                    .filter(|m| m.role != "system" && (!m.content.trim().is_empty() || !m.tool_calls.is_empty()))
                    .zip(pk)
                    .find(|(_, k)| !nset.contains(k))
                    .map(|(m, _)| {
                        if m.content.trim().is_empty() {
                            m.tool_calls.first().map(|t| format!("call {}", t.name)).unwrap_or_default()
                        } else {
                            m.content.clone()
                        }
                    })
                    .unwrap_or_default();
                out.push(HistoryDrop { agent: agent.to_string(), prev: p, next: i, had: pk.len(), kept, lost });
            }
        }
        last.insert(agent, (i, nk));
    }
    (out, pairs)
}

/// Where a successful tool result went: into the caller's later model input, into other agents'
/// inputs, into the final output.
pub(crate) struct ResultFlow {
    pub tool: usize,
    pub agent: Option<String>,
    /// The caller had a later model call / turn with recorded input.
    pub caller_judgeable: bool,
    pub reached_caller: bool,
    /// Later turns of other agents with recorded input exist.
    pub others_judgeable: bool,
    pub reached_others: bool,
    pub reached_final: bool,
}

pub(crate) fn result_flows<'r>(run: &'r RunView<'_>, cfg: &MastConfig) -> &'r [ResultFlow] {
    run.cache.flows.get_or_init(|| compute_result_flows(run, cfg))
}

fn compute_result_flows(run: &RunView, cfg: &MastConfig) -> Vec<ResultFlow> {
    let facts = &run.analysis.facts;
    // Model calls per agent, in time order (for "the caller's next model call").
    let mut llm_by_agent: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for &j in &run.llm {
        if let Some(a) = run.owner[j].as_deref() {
            llm_by_agent.entry(a).or_default().push(j);
        }
    }
    let turn_starts: Vec<u64> = run.turns.iter().map(|t| t.start).collect();
    let final_words = run.final_output.as_ref().map(|f| word_set(&f.text, cfg.max_text_bytes));
    let mut out = Vec::new();
    for (k, t) in run.analysis.tool_calls.iter().enumerate().take(512) {
        let Some(&i) = run.tool_span.get(k) else {
            continue;
        };
        // A hand-off's result ("Successfully transferred to ...") passes control, not data.
        if t.is_error || content_flow::is_handoff_tool(&t.tool_name) {
            continue;
        }
        let Some(res) = t.result.as_deref().and_then(|r| super::text::readable(r, false)) else {
            continue;
        };
        let words = word_set(&res, cfg.max_text_bytes);
        let words = &words;
        if words.len() < cfg.info_min_words {
            continue;
        }
        let end = run.end(i);
        let agent = t.agent_name.clone();
        let (mut cj, mut rc, mut oj, mut ro) = (false, false, false, false);
        // The caller's next model call with a recorded input.
        if let Some(calls) = agent.as_deref().and_then(|a| llm_by_agent.get(a)) {
            let from = calls.partition_point(|&j| run.start(j) < end);
            if let Some(&j) = calls[from..].iter().find(|&&j| !facts[j].input_messages.is_empty() || facts[j].input_text.is_some()) {
                cj = true;
                rc = match run.turn_of[j] {
                    // The turn's cached words cover all its model inputs.
                    Some(k) => super::text::coverage(words, run.input_words(&run.turns[k])) >= cfg.info_min_overlap,
                    None => {
                        let f = &facts[j];
                        let mut w = HashSet::new();
                        for m in f.input_messages.iter().rev().take(32) {
                            w.extend(word_set(&m.content, cfg.max_text_bytes));
                        }
                        if let Some(tx) = &f.input_text {
                            w.extend(word_set(tx, cfg.max_text_bytes));
                        }
                        super::text::coverage(words, &w) >= cfg.info_min_overlap
                    }
                };
            }
        }
        // The next few turns (the caller's next one, and those of other agents).
        let from = turn_starts.partition_point(|&s| s < end);
        let mut others_seen = 0;
        for turn in run.turns[from..].iter().filter(|t| t.has_input).take(64) {
            let same = Some(&turn.agent) == agent.as_ref();
            let hit = super::text::coverage(words, run.input_words(turn)) >= cfg.info_min_overlap;
            if same {
                cj = true;
                rc |= hit;
            } else {
                oj = true;
                ro |= hit;
                others_seen += 1;
            }
            if others_seen >= 8 || (ro && rc) {
                break;
            }
        }
        let rf = final_words.as_ref().is_some_and(|f| super::text::coverage(words, f) >= cfg.info_min_overlap);
        out.push(ResultFlow {
            tool: i,
            agent,
            caller_judgeable: cj,
            reached_caller: rc,
            others_judgeable: oj,
            reached_others: ro,
            reached_final: rf,
        });
    }
    out
}
