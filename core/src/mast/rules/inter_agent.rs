//! FC2 inter-agent misalignment: conversation resets, not asking for clarification, task
//! derailment, information withholding, ignored input, reasoning-action mismatch.
use std::collections::HashMap;

use super::super::facts::{ids, significant_numbers};
use super::super::text::{coverage, find_keyword, quote, word_set, words};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};
use super::{history_drops, result_flows};
use crate::normalize::MessageKind;

/// FM-2.1: the same agent switches to a new conversation / session / thread id mid-run.
pub struct ConversationIdReset;

impl Rule for ConversationIdReset {
    fn name(&self) -> &'static str {
        "conversation_id_changed"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.1"
    }
    fn describes(&self) -> &'static str {
        "conversation/session/thread ids per agent in time order"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        let mut current: HashMap<&str, (String, usize)> = HashMap::new();
        let mut any = false;
        let mut findings = Vec::new();
        // A span that directly wraps another agent's span (a workflow / runner span opening a
        // sub-agent's own session) carries that sub-agent's conversation, not its owner's.
        let mut wraps_other = vec![false; run.spans.len()];
        for (j, p) in run.parent.iter().enumerate() {
            if let Some(p) = *p {
                if run.owner[j].is_some() && run.owner[j] != run.owner[p] {
                    wraps_other[p] = true;
                }
            }
        }
        for &i in &run.order {
            if wraps_other[i] {
                continue;
            }
            let s = &run.spans[i];
            let Some(id) = cfg.conversation_id_keys.iter().find_map(|k| s.attributes.get(k.as_str())).and_then(|v| match v {
                serde_json::Value::String(x) if !x.is_empty() => Some(x.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }) else {
                continue;
            };
            any = true;
            let Some(agent) = run.owner[i].as_deref() else {
                continue;
            };
            match current.get(agent) {
                Some((prev, p)) if *prev != id && run.end(*p) <= s.start_time_unix_nano => {
                    findings.push(Finding::new(
                        "FM-2.1",
                        self.name(),
                        Severity::Medium,
                        0.6,
                        Some(agent.to_string()),
                        vec![run.span_ref(i), run.span_ref(*p)],
                        format!("{agent} continued in a new conversation «{}» after «{}» mid-run", quote(&id, 40), quote(prev, 40)),
                    ));
                    current.insert(agent, (id, i));
                }
                Some((prev, _)) if *prev == id => {
                    current.insert(agent, (id, i));
                }
                Some(_) => {}
                None => {
                    current.insert(agent, (id, i));
                }
            }
        }
        if !any {
            return Verdict::NotJudgeable("no conversation/session/thread id attributes recorded".into());
        }
        Verdict::Judged(findings)
    }
}

/// FM-2.1: an agent's model input restarts from the beginning of a conversation that had grown.
pub struct HistoryReset;

impl Rule for HistoryReset {
    fn name(&self) -> &'static str {
        "history_restarted"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.1"
    }
    fn describes(&self) -> &'static str {
        "consecutive model inputs of each agent checked for a restart to the first message(s)"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        let (drops, pairs) = history_drops(run);
        if *pairs == 0 {
            return Verdict::NotJudgeable("no agent has two model calls with recorded input messages".into());
        }
        // One finding per agent (its first occurrence), with the count.
        let mut once = std::collections::HashSet::new();
        let findings = drops
            .iter()
            .filter(|d| d.had >= cfg.reset_min_history && d.kept <= cfg.reset_max_kept)
            .filter(|d| once.insert(d.agent.as_str()))
            .map(|d| {
                Finding::new(
                    "FM-2.1",
                    self.name(),
                    Severity::High,
                    0.65,
                    Some(d.agent.clone()),
                    vec![run.span_ref(d.next), run.span_ref(d.prev)],
                    format!(
                        "{}'s conversation restarted: its model input went from {} messages back to {} of them, losing «{}»{}",
                        d.agent,
                        d.had,
                        d.kept,
                        quote(&d.lost, 80),
                        times(
                            drops
                                .iter()
                                .filter(|x| x.agent == d.agent && x.had >= cfg.reset_min_history && x.kept <= cfg.reset_max_kept)
                                .count()
                        )
                    ),
                )
            })
            .collect();
        Verdict::Judged(findings)
    }
}

/// FM-2.2: an agent states it is guessing / that something is unclear, and asks nothing.
pub struct GuessInsteadOfAsking;

impl Rule for GuessInsteadOfAsking {
    fn name(&self) -> &'static str {
        "guessed_instead_of_asking"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.2"
    }
    fn describes(&self) -> &'static str {
        "agent outputs checked for uncertainty phrases without a question"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        let mut judged = false;
        let mut findings = Vec::new();
        for t in &run.turns {
            let Some((o, span)) = &t.output else { continue };
            judged = true;
            let Some(kw) = find_keyword(o, &cfg.uncertainty_keywords) else {
                continue;
            };
            if o.contains('?') {
                continue;
            }
            findings.push(Finding::new(
                "FM-2.2",
                self.name(),
                Severity::Low,
                0.45,
                Some(t.agent.clone()),
                vec![run.span_ref(*span)],
                format!("{} proceeded on an assumption («{kw}») without asking for clarification: «{}»", t.agent, quote(o, 100)),
            ));
        }
        if !judged {
            return Verdict::NotJudgeable("no agent turn outputs recorded; clarification needs an external judge".into());
        }
        Verdict::Judged(findings)
    }
}

/// FM-2.3: the final output shares (almost) none of the task's topic words.
pub struct TaskDrift;

fn first_sentence(t: &str) -> &str {
    let t = t.trim();
    let mut end = t.len().min(300);
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    let head = &t[..end];
    let cut = head
        .char_indices()
        .find(|&(i, c)| c == '\n' || (matches!(c, '.' | '!' | '?') && head[i + 1..].starts_with(char::is_whitespace)))
        .map(|(i, _)| i)
        .unwrap_or(head.len());
    &head[..cut]
}

impl Rule for TaskDrift {
    fn name(&self) -> &'static str {
        "final_output_off_task"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.3"
    }
    fn describes(&self) -> &'static str {
        "topic words of the task's first sentence looked up in the final output"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        let (Some(task), Some(out)) = (&run.task, &run.final_output) else {
            return Verdict::NotJudgeable("task text or final output not recorded".into());
        };
        if run.analysis.outcome.status != crate::normalize::OutcomeStatus::Success {
            return Verdict::NotJudgeable("the run did not finish, so its last output is not a final answer".into());
        }
        let topic: std::collections::HashSet<String> = words(first_sentence(&task.text), cfg.max_text_bytes)
            .into_iter()
            .filter(|w| !cfg.instruction_words.iter().any(|i| i.eq_ignore_ascii_case(w)))
            .collect();
        if topic.len() < cfg.derailment_min_task_words.max(1) {
            return Verdict::NotJudgeable(format!("the task («{}») names no topic words to compare", quote(&task.text, 60)));
        }
        if find_keyword(&out.text, &cfg.error_markers).is_some() {
            // An error message as output is a verification failure (FM-3.2), not a derailment.
            return Verdict::Judged(Vec::new());
        }
        let out_words = word_set(&out.text, cfg.max_text_bytes);
        if out_words.len() < 3 {
            return Verdict::NotJudgeable("final output too short to compare".into());
        }
        let topic_words = word_set(&topic.iter().cloned().collect::<Vec<_>>().join(" "), cfg.max_text_bytes);
        let cov = coverage(&topic_words, &out_words);
        if cov >= cfg.derailment_min_overlap {
            return Verdict::Judged(Vec::new());
        }
        let mut t: Vec<&String> = topic.iter().collect();
        t.sort();
        let t: Vec<&str> = t.iter().take(6).map(|s| s.as_str()).collect();
        Verdict::Judged(vec![Finding::new(
            "FM-2.3",
            self.name(),
            Severity::Medium,
            0.5,
            out.agent.clone(),
            vec![run.span_ref(out.span), run.span_ref(task.span)],
            format!(
                "the final output («{}») covers {:.0}% of the task's topic words ({})",
                quote(&out.text, 80),
                cov * 100.0,
                t.join(", ")
            ),
        )])
    }
}

/// FM-2.4: a handoff / message whose content never reaches the receiver's input.
pub struct HandoffNotReceived;

impl Rule for HandoffNotReceived {
    fn name(&self) -> &'static str {
        "handoff_content_lost"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.4"
    }
    fn describes(&self) -> &'static str {
        "content words of each agent-to-agent message looked up in the receiver's next input"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        let mut judged = false;
        let mut findings = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for m in &run.analysis.messages {
            let (Some(from), Some(content)) = (m.from_agent.as_deref(), m.content.as_deref()) else {
                continue;
            };
            if matches!(m.kind, MessageKind::Broadcast | MessageKind::ToolResult) {
                continue;
            }
            let w = word_set(content, cfg.max_text_bytes);
            if w.len() < cfg.info_min_words {
                continue;
            }
            // The receiver's turn that starts at/after the message (or contains it).
            let Some(turn) = run.turn_of_agent_after(&m.to_agent, m.time_ns) else {
                continue;
            };
            if !turn.has_input {
                continue;
            }
            judged = true;
            let cov = coverage(&w, run.input_words(turn));
            if cov < cfg.info_min_overlap && seen.insert((from.to_string(), m.to_agent.clone())) {
                findings.push(Finding::new(
                    "FM-2.4",
                    self.name(),
                    Severity::Medium,
                    0.55,
                    Some(from.to_string()),
                    vec![run.span_ref(turn.idx), (m.trace_id, m.span_id)],
                    format!(
                        "{from}'s {} to {} («{}») did not reach {}'s input ({:.0}% of its words)",
                        m.kind.as_str(),
                        m.to_agent,
                        quote(content, 80),
                        m.to_agent,
                        cov * 100.0
                    ),
                ));
            }
        }
        if !judged {
            return Verdict::NotJudgeable("no agent-to-agent message content with a recorded receiver input".into());
        }
        Verdict::Judged(findings)
    }
}

/// The caller restated the result in its own words: an output of its turn (or of its next two)
/// after the call carries two of the result's figures, or one of its identifiers. What it says
/// is what the agents after it read. `turns_of`: each agent's turns in time order.
fn restated(run: &RunView, turns_of: &HashMap<&str, Vec<usize>>, f: &super::ResultFlow) -> bool {
    let Some(res) = run.analysis.facts[f.tool].tool_result.as_deref() else { return false };
    let Some(mine) = f.agent.as_deref().and_then(|a| turns_of.get(a)) else { return false };
    let end = run.end(f.tool);
    let from = mine.partition_point(|&k| run.turns[k].end < end);
    let (nums, idv) = (significant_numbers(res), ids(res));
    mine[from..]
        .iter()
        .take(3)
        .filter_map(|&k| run.turns[k].output.as_ref())
        .any(|(o, _)| idv.iter().any(|i| o.contains(i.as_str())) || significant_numbers(o).iter().filter(|n| nums.contains(n)).count() >= 2)
}

/// FM-2.4: an agent used a tool result itself but none of it reached the agents after it nor the
/// final output.
pub struct ResultNotPassedOn;

impl Rule for ResultNotPassedOn {
    fn name(&self) -> &'static str {
        "tool_result_not_passed_on"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.4"
    }
    fn describes(&self) -> &'static str {
        "successful tool results looked up in later agents' inputs and the final output"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        let flows = result_flows(run, cfg);
        let judgeable: Vec<_> = flows.iter().filter(|f| f.others_judgeable && f.reached_caller).collect();
        if judgeable.is_empty() {
            return Verdict::NotJudgeable("no used tool result followed by other agents with recorded inputs".into());
        }
        let mut turns_of: HashMap<&str, Vec<usize>> = HashMap::new();
        for (k, t) in run.turns.iter().enumerate() {
            turns_of.entry(t.agent.as_str()).or_default().push(k);
        }
        let findings = judgeable
            .into_iter()
            .filter(|f| !f.reached_others && !f.reached_final && !restated(run, &turns_of, f))
            .map(|f| {
                let t = &run.analysis.facts[f.tool];
                let agent = f.agent.clone();
                Finding::new(
                    "FM-2.4",
                    self.name(),
                    Severity::Medium,
                    0.5,
                    agent.clone(),
                    vec![run.span_ref(f.tool)],
                    format!(
                        "{} got a result from {} («{}») that never reached the agents after it or the final output",
                        agent.as_deref().unwrap_or("an agent"),
                        t.tool_name.as_deref().unwrap_or("a tool"),
                        quote(t.tool_result.as_deref().unwrap_or(""), 80)
                    ),
                )
            })
            .collect();
        Verdict::Judged(findings)
    }
}

/// FM-2.5: a successful tool result that never shows up in the caller's next input (nor anywhere
/// after).
pub struct ToolResultIgnored;

impl Rule for ToolResultIgnored {
    fn name(&self) -> &'static str {
        "tool_result_ignored"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.5"
    }
    fn describes(&self) -> &'static str {
        "successful tool results looked up in the caller's next model input"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        let flows = result_flows(run, cfg);
        let judgeable: Vec<_> = flows.iter().filter(|f| f.caller_judgeable).collect();
        if judgeable.is_empty() {
            return Verdict::NotJudgeable("no tool result followed by a recorded model input of its caller".into());
        }
        let findings = judgeable
            .into_iter()
            .filter(|f| !f.reached_caller && !f.reached_others && !f.reached_final)
            .map(|f| {
                let t = &run.analysis.facts[f.tool];
                let agent = f.agent.clone();
                Finding::new(
                    "FM-2.5",
                    self.name(),
                    Severity::Medium,
                    0.55,
                    agent.clone(),
                    vec![run.span_ref(f.tool)],
                    format!(
                        "{} never used the result of {} («{}»): it is absent from every later input and the final output",
                        agent.as_deref().unwrap_or("an agent"),
                        t.tool_name.as_deref().unwrap_or("a tool"),
                        quote(t.tool_result.as_deref().unwrap_or(""), 80)
                    ),
                )
            })
            .collect();
        Verdict::Judged(findings)
    }
}

/// FM-2.6: a model output announcing one tool (ReAct `Action:` or prose) while another is called.
pub struct AnnouncedOtherTool;

fn norm_tool(t: &str) -> String {
    t.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

fn react_action(t: &str) -> Option<&str> {
    let p = t.find("Action:")?;
    let rest = t[p + 7..].trim_start();
    let line = rest.lines().next().unwrap_or("").trim();
    (!line.is_empty() && line.len() < 100).then_some(line)
}

impl Rule for AnnouncedOtherTool {
    fn name(&self) -> &'static str {
        "announced_other_tool"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.6"
    }
    fn describes(&self) -> &'static str {
        "tool named in model outputs (ReAct Action lines, 'I will call X') compared with the tool actually called"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let facts = &run.analysis.facts;
        let tool_names: Vec<String> = {
            let mut v: Vec<String> = run.analysis.tool_calls.iter().map(|t| t.tool_name.clone()).collect();
            v.sort();
            v.dedup();
            v
        };
        let tool_starts: Vec<u64> = run.tool_span.iter().map(|&i| run.start(i)).collect();
        let mut judged = false;
        let mut findings = Vec::new();
        for (k, &i) in run.llm.iter().enumerate() {
            let f = &facts[i];
            let text = f.output_messages.iter().map(|m| m.content.as_str()).filter(|c| !c.is_empty()).collect::<Vec<_>>().join("\n");
            let text = if text.is_empty() { f.output_text.clone().unwrap_or_default() } else { text };
            let structured: Vec<&str> = f.output_messages.iter().flat_map(|m| m.tool_calls.iter().map(|t| t.name.as_str())).collect();
            // 1. ReAct: "Action: X" vs the next tool executed by the same agent before its next model call.
            if let Some(announced) = react_action(&text) {
                judged = true;
                let until = run.llm[k + 1..].iter().find(|&&j| run.owner[j] == run.owner[i]).map(|&j| run.start(j)).unwrap_or(u64::MAX);
                let from = tool_starts.partition_point(|&s| s < run.end(i).min(run.start(i).saturating_add(1)));
                let next = run.tool_span[from..].iter().copied().find(|&t| run.owner[t] == run.owner[i] && run.start(t) < until);
                if let Some(t) = next {
                    let called = facts[t].tool_name.clone().unwrap_or_else(|| run.spans[t].name.clone());
                    if norm_tool(&called) != norm_tool(announced) && !norm_tool(&called).contains(&norm_tool(announced)) {
                        findings.push(self.finding(run, i, t, announced, &called));
                    }
                }
                continue;
            }
            // 2. Structured calls with prose naming another known tool ("I will call lookup_fact").
            if structured.is_empty() {
                continue;
            }
            judged = true;
            let lower = text.to_lowercase();
            for name in &tool_names {
                let n = name.to_lowercase();
                if n.len() < 3 || structured.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                    continue;
                }
                let announced = ["call ", "use ", "using ", "invoke ", "run "]
                    .iter()
                    .any(|v| lower.contains(&format!("{v}{n}")) || lower.contains(&format!("{v}the {n}")));
                if announced {
                    let called = structured[0].to_string();
                    let t = run
                        .tool_span
                        .iter()
                        .copied()
                        .find(|&t| run.start(t) >= run.start(i) && facts[t].tool_name.as_deref() == Some(called.as_str()))
                        .unwrap_or(i);
                    findings.push(self.finding(run, i, t, name, &called));
                    break;
                }
            }
        }
        if !judged {
            return Verdict::NotJudgeable("no model output announcing or requesting a tool call".into());
        }
        Verdict::Judged(findings)
    }
}

impl AnnouncedOtherTool {
    fn finding(&self, run: &RunView, llm: usize, tool: usize, announced: &str, called: &str) -> Finding {
        let agent = run.owner[llm].clone();
        Finding::new(
            "FM-2.6",
            self.name(),
            Severity::Medium,
            0.7,
            agent.clone(),
            vec![run.span_ref(llm), run.span_ref(tool)],
            format!("{} announced «{announced}» but called {called}", agent.as_deref().unwrap_or("an agent")),
        )
    }
}

pub(crate) fn times(n: usize) -> String {
    if n > 1 {
        format!(" ({n} times in this run)")
    } else {
        String::new()
    }
}
