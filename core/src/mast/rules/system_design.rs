//! FC1 system design: task and role specification, step repetition, loss of history,
//! termination conditions.
use std::collections::HashMap;

use super::super::text::{args_key, contains_ci, find_termination, quote, repeat_key, sentence_count};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};
use super::history_drops;
use crate::normalize::OutcomeStatus;

/// FM-1.1: an explicit length constraint of the task ("a 1-sentence summary", "in 50 words")
/// that the final output breaks.
pub struct TaskConstraints;

const NUMBERS: &[(&str, usize)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("single", 1),
];

/// (max sentences, max words) stated in an instruction.
fn constraints(task: &str) -> (Option<usize>, Option<usize>) {
    let t = super::super::text::head(task, 600).to_lowercase();
    let toks: Vec<&str> = t.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let num = |w: &str| w.parse::<usize>().ok().or_else(|| NUMBERS.iter().find(|(n, _)| *n == w).map(|(_, v)| *v));
    let (mut sent, mut words) = (None, None);
    for k in 1..toks.len() {
        let Some(n) = num(toks[k - 1]) else { continue };
        if n == 0 || n > 10_000 {
            continue;
        }
        match toks[k] {
            "sentence" | "sentences" if sent.is_none() && n <= 50 => sent = Some(n),
            "word" | "words" if words.is_none() => {
                // "in 50 words", "under 50 words", "50-word", "at most 50 words"
                words = Some(n);
            }
            _ => {}
        }
    }
    (sent, words)
}

impl Rule for TaskConstraints {
    fn name(&self) -> &'static str {
        "task_length_constraint"
    }
    fn mode_id(&self) -> &'static str {
        "FM-1.1"
    }
    fn describes(&self) -> &'static str {
        "explicit sentence/word limits of the task and of the final agent's instruction checked against the final output"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let Some(out) = &run.final_output else {
            return Verdict::NotJudgeable("no final output recorded".into());
        };
        if run.analysis.outcome.status != OutcomeStatus::Success {
            return Verdict::NotJudgeable("the run did not finish, so its last output is not a final answer".into());
        }
        let mut sources: Vec<(String, usize)> = Vec::new();
        if let Some(t) = &run.task {
            sources.push((t.text.clone(), t.span));
        }
        if let Some(turn) = run.turns.iter().rev().find(|t| t.output.as_ref().is_some_and(|o| o.0 == out.text)) {
            if let Some(i) = &turn.input {
                sources.push((i.clone(), turn.idx));
            }
        }
        let mut any = false;
        let mut findings = Vec::new();
        for (task, span) in sources {
            let (sent, words) = constraints(&task);
            any |= sent.is_some() || words.is_some();
            let text = out.text.trim();
            let s = sentence_count(text);
            let w = text.split_whitespace().count();
            let broken = match (sent, words) {
                (Some(n), _) if s > n => Some((format!("{s} sentences where the instruction asks for {n}"), s >= n + 2)),
                (_, Some(n)) if w as f32 > n as f32 * 1.2 => {
                    Some((format!("{w} words where the instruction asks for {n}"), w as f32 >= n as f32 * 1.5))
                }
                _ => None,
            };
            if let Some((b, clear)) = broken {
                let f = Finding::new(
                    "FM-1.1",
                    self.name(),
                    Severity::Medium,
                    if clear { 0.8 } else { 0.7 },
                    out.agent.clone(),
                    vec![run.span_ref(out.span), run.span_ref(span)],
                    format!("final output has {b} («{}»): «{}»", quote(&task, 80), quote(text, 100)),
                );
                // A limit broken by half or more is a content failure the user sees.
                findings.push(if clear { f.with_quote(quote(text, 200)) } else { f });
                break;
            }
        }
        if !any {
            return Verdict::NotJudgeable(
                "the task states no length constraint a rule can check; task compliance needs an external judge (agenttrace.annotate)"
                    .into(),
            );
        }
        Verdict::Judged(findings)
    }
}

/// FM-1.2: an agent calling tools outside its declared tool set, or speaking as another agent.
pub struct RoleSpecification;

fn tool_key(t: &str) -> String {
    t.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Tool names declared for the agent that owns span `i`, from the usual attribute shapes.
fn declared_tools(run: &RunView, i: usize, out: &mut Vec<String>) {
    for (k, v) in &run.spans[i].attributes {
        let is_list =
            matches!(k.as_str(), "agent.tools" | "crewai.agent.tools" | "gen_ai.tool.definitions" | "gen_ai.agent.tools" | "tools")
                || (k.starts_with("llm.tools.") && k.ends_with(".tool.json_schema"));
        if !is_list {
            continue;
        }
        let parsed: serde_json::Value = match v {
            serde_json::Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| serde_json::Value::String(s.clone())),
            other => other.clone(),
        };
        collect_names(&parsed, out, 0);
    }
}

fn collect_names(v: &serde_json::Value, out: &mut Vec<String>, depth: usize) {
    if depth > 4 {
        return;
    }
    match v {
        serde_json::Value::Array(a) => a.iter().take(128).for_each(|x| collect_names(x, out, depth + 1)),
        serde_json::Value::Object(o) => {
            if let Some(n) = o.get("name").and_then(|n| n.as_str()) {
                out.push(tool_key(n));
            } else if let Some(f) = o.get("function") {
                collect_names(f, out, depth + 1);
            }
        }
        serde_json::Value::String(s) => {
            // CrewAI renders tools as "[Tool(name='Lookup Fact', ...)]" or a plain name.
            let mut rest = s.as_str();
            let mut found = false;
            while let Some(p) = rest.find("name=") {
                rest = &rest[p + 5..];
                let q = rest.chars().next().unwrap_or(' ');
                if q == '\'' || q == '"' {
                    if let Some(e) = rest[1..].find(q) {
                        out.push(tool_key(&rest[1..1 + e]));
                        found = true;
                    }
                }
            }
            if !found && s.len() < 80 && !s.contains('[') {
                out.push(tool_key(s));
            }
        }
        _ => {}
    }
}

impl Rule for RoleSpecification {
    fn name(&self) -> &'static str {
        "role_tool_scope_and_impersonation"
    }
    fn mode_id(&self) -> &'static str {
        "FM-1.2"
    }
    fn describes(&self) -> &'static str {
        "tool calls checked against each agent's declared tools; agent outputs checked for speaking as another agent"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let mut declared: HashMap<&str, Vec<String>> = HashMap::new();
        for &i in &run.order {
            if let Some(a) = run.owner[i].as_deref() {
                let cat = run.analysis.facts[i].category;
                if matches!(
                    cat,
                    crate::normalize::SpanCategory::Agent | crate::normalize::SpanCategory::Llm | crate::normalize::SpanCategory::Chain
                ) {
                    let e = declared.entry(a).or_default();
                    declared_tools(run, i, e);
                }
            }
        }
        declared.retain(|_, v| !v.is_empty());
        let mut findings = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (k, t) in run.analysis.tool_calls.iter().enumerate() {
            let (Some(a), Some(&i)) = (t.agent_name.as_deref(), run.tool_span.get(k)) else {
                continue;
            };
            let Some(tools) = declared.get(a) else {
                continue;
            };
            let key = tool_key(&t.tool_name);
            // A call the framework refused ("Tool not found") did not run: nothing was done
            // outside the role.
            let refused = t.is_error || t.result.as_deref().is_some_and(super::super::facts::reports_error);
            if !refused && !tools.contains(&key) && seen.insert((a.to_string(), key)) {
                findings.push(Finding::new(
                    "FM-1.2",
                    self.name(),
                    Severity::Medium,
                    0.6,
                    Some(a.to_string()),
                    vec![run.span_ref(i)],
                    format!("{a} called tool {} which is not among its declared tools ({})", t.tool_name, tools.len()),
                ));
            }
        }
        let names: Vec<&str> = run.analysis.agents.iter().map(|a| a.agent_name.as_str()).filter(|n| n.len() >= 3).collect();
        let mut outputs = 0;
        for turn in &run.turns {
            let Some((o, span)) = &turn.output else {
                continue;
            };
            outputs += 1;
            let head = o.trim_start();
            for other in &names {
                if *other == turn.agent {
                    continue;
                }
                let prefix = head.get(..other.len()).unwrap_or("");
                if !(prefix.eq_ignore_ascii_case(other) && head[other.len()..].trim_start().starts_with(':')) {
                    continue;
                }
                // Speaking as the other agent is in the first person ("writer: I have ..."); a
                // line addressed to it ("writer: please draft ...") or to several agents is
                // delegation.
                let first_person = head[other.len()..]
                    .split_whitespace()
                    .take(15)
                    .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'').to_lowercase())
                    .any(|w| matches!(w.as_str(), "i" | "i'm" | "i've" | "i'll" | "my" | "we" | "our" | "we've"));
                let addressed = names.iter().filter(|n| **n != turn.agent && o.contains(&format!("{n}:"))).count();
                if first_person && addressed < 2 {
                    findings.push(Finding::new(
                        "FM-1.2",
                        self.name(),
                        Severity::Medium,
                        0.6,
                        Some(turn.agent.clone()),
                        vec![run.span_ref(*span)],
                        format!("{} spoke as {other}: «{}»", turn.agent, quote(o, 100)),
                    ));
                    break;
                }
            }
        }
        if declared.is_empty() && outputs == 0 {
            return Verdict::NotJudgeable(
                "no declared tool lists and no agent outputs recorded; role compliance needs an external judge".into(),
            );
        }
        Verdict::Judged(findings)
    }
}

/// FM-1.3: an agent producing the same turn again and again (digit-insensitive).
pub struct RepeatedTurns;

impl Rule for RepeatedTurns {
    fn name(&self) -> &'static str {
        "repeated_agent_turns"
    }
    fn mode_id(&self) -> &'static str {
        "FM-1.3"
    }
    fn describes(&self) -> &'static str {
        "agent turn outputs compared per agent, digits and case ignored; routing lines (naming the next agent and little else) and an executor's replies to turns without code are not turns of work"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        let mut groups: HashMap<(&str, String), Vec<usize>> = HashMap::new();
        let mut judged = 0;
        // In a run stopped by a limit, short verdicts repeated ("REVISE") drive the loop.
        let min_chars =
            if run.analysis.outcome.status == OutcomeStatus::StoppedEarly { cfg.repeat_min_chars.min(4) } else { cfg.repeat_min_chars };
        let agents: Vec<&str> = run.analysis.agents.iter().map(|a| a.agent_name.as_str()).collect();
        let (roles, texts) = (run.roles(), run.turn_texts());
        for (k, t) in run.turns.iter().enumerate() {
            let Some((o, _)) = &t.output else { continue };
            judged += 1;
            // An executor given the turn without code to run answers that it has none: what it
            // repeats is the chat's choice of speaker, not work of its own.
            if roles.get(&t.agent) == Some(&super::super::roles::Role::Executor) && !super::super::roles::given_code(&texts, k) {
                continue;
            }
            if o.trim().chars().count() < min_chars {
                continue;
            }
            // A line that only says who acts next is coordination, not a turn of work: a
            // coordinator saying it before every turn is not repeating itself.
            let others: Vec<&str> = agents.iter().copied().filter(|a| *a != t.agent).collect();
            if super::super::roles::is_routing_line(o, &others) {
                continue;
            }
            groups.entry((t.agent.as_str(), repeat_key(o))).or_default().push(k);
        }
        if judged == 0 {
            return Verdict::NotJudgeable("no agent turn outputs recorded".into());
        }
        let stopped = run.analysis.outcome.status != OutcomeStatus::Success;
        let mut groups: Vec<_> = groups.into_iter().filter(|(_, v)| v.len() >= cfg.repeat_min.max(2)).collect();
        groups.sort_by_key(|(_, v)| v[0]);
        let findings = groups
            .into_iter()
            .map(|((agent, _), ks)| {
                let texts: Vec<&str> = ks.iter().filter_map(|&k| run.turns[k].output.as_ref().map(|o| o.0.as_str())).collect();
                let exact = texts.windows(2).all(|w| w[0].trim() == w[1].trim());
                let spans = ks.iter().map(|&k| run.span_ref(run.turns[k].idx)).collect();
                let tail = if stopped { format!("; the run then {}", stop_phrase(run)) } else { String::new() };
                Finding::new(
                    "FM-1.3",
                    self.name(),
                    if stopped { Severity::High } else { Severity::Medium },
                    if exact { 0.85 } else { 0.75 },
                    Some(agent.to_string()),
                    spans,
                    format!(
                        "{agent} produced the {} turn {} times («{}»){tail}",
                        if exact { "same" } else { "same (up to numbers)" },
                        ks.len(),
                        quote(texts.first().copied().unwrap_or(""), 80)
                    ),
                )
                .pipe_if(exact || stopped, |f| f.with_quote(quote(texts.first().copied().unwrap_or(""), 200)))
            })
            .collect();
        Verdict::Judged(findings)
    }
}

fn stop_phrase(run: &RunView) -> String {
    match (&run.analysis.outcome.status, &run.analysis.outcome.reason) {
        (OutcomeStatus::StoppedEarly, Some(r)) => format!("hit a limit («{}»)", quote(r, 80)),
        (OutcomeStatus::StoppedEarly, None) => "hit a limit".into(),
        (_, Some(r)) => format!("failed («{}»)", quote(r, 80)),
        _ => "failed".into(),
    }
}

/// FM-1.3: the same successful tool call (same agent, tool, arguments) repeated. Retries of a
/// failed call are not repetition.
pub struct RepeatedToolCalls;

impl Rule for RepeatedToolCalls {
    fn name(&self) -> &'static str {
        "repeated_tool_calls"
    }
    fn mode_id(&self) -> &'static str {
        "FM-1.3"
    }
    fn describes(&self) -> &'static str {
        "tool calls with identical agent, tool and arguments after an earlier identical call succeeded"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        if run.analysis.tool_calls.is_empty() {
            return Verdict::NotJudgeable("no tool calls recorded".into());
        }
        let mut groups: HashMap<(Option<&str>, &str, u64), Vec<usize>> = HashMap::new();
        let mut order = Vec::new();
        for (k, t) in run.analysis.tool_calls.iter().enumerate() {
            // Calls whose arguments were not recorded cannot be compared; the others are
            // compared in full (calls that differ only late, or only in a date, differ).
            let Some(args) = t.arguments.as_deref().filter(|a| !a.trim().is_empty()).map(args_key) else {
                continue;
            };
            let key = (t.agent_name.as_deref(), t.tool_name.as_str(), args);
            let g = groups.entry(key).or_default();
            if g.is_empty() {
                order.push(key);
            }
            g.push(k);
        }
        let mut findings = Vec::new();
        for key in order {
            let ks = &groups[&key];
            // Count calls made after the first successful one.
            let Some(first_ok) = ks.iter().position(|&k| !run.analysis.tool_calls[k].is_error) else {
                continue;
            };
            let repeats = &ks[first_ok..];
            if repeats.len() < cfg.repeat_min.max(2) {
                continue;
            }
            let t = &run.analysis.tool_calls[repeats[0]];
            // Polling a read-only tool until its answer changes is not repetition.
            let results: std::collections::HashSet<&str> =
                repeats.iter().map(|&k| run.analysis.tool_calls[k].result.as_deref().unwrap_or("")).collect();
            let read_only = ["get", "check", "status", "poll", "wait", "list", "read", "fetch", "search", "lookup", "query", "find"]
                .iter()
                .any(|w| t.tool_name.to_lowercase().split(|c: char| !c.is_alphanumeric()).any(|p| p == *w));
            if read_only && results.len() > 1 {
                continue;
            }
            let spans = repeats.iter().filter_map(|&k| run.tool_span.get(k).map(|&i| run.span_ref(i))).collect();
            findings.push(
                Finding::new(
                    "FM-1.3",
                    self.name(),
                    Severity::Medium,
                    0.8,
                    t.agent_name.clone(),
                    spans,
                    format!(
                        "{} called {} {} times with the same arguments («{}») after it had already succeeded",
                        t.agent_name.as_deref().unwrap_or("an agent"),
                        t.tool_name,
                        repeats.len(),
                        quote(t.arguments.as_deref().unwrap_or(""), 60)
                    ),
                )
                .with_quote(format!("{}({})", t.tool_name, quote(t.arguments.as_deref().unwrap_or(""), 160))),
            );
        }
        Verdict::Judged(findings)
    }
}

/// FM-1.4: a model call of an agent whose input lost messages of the same conversation's
/// earlier input (and is not a full restart, which is FM-2.1).
pub struct HistoryLoss;

impl Rule for HistoryLoss {
    fn name(&self) -> &'static str {
        "dropped_history"
    }
    fn mode_id(&self) -> &'static str {
        "FM-1.4"
    }
    fn describes(&self) -> &'static str {
        "consecutive model inputs of each agent compared message by message"
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
            .filter(|d| !(d.had >= cfg.reset_min_history && d.kept <= cfg.reset_max_kept))
            .filter(|d| once.insert(d.agent.as_str()))
            .map(|d| {
                Finding::new(
                    "FM-1.4",
                    self.name(),
                    Severity::Medium,
                    0.6,
                    Some(d.agent.clone()),
                    vec![run.span_ref(d.next), run.span_ref(d.prev)],
                    format!(
                        "{}'s model input kept {} of {} earlier messages of the same conversation, dropping «{}»{}",
                        d.agent,
                        d.kept,
                        d.had,
                        quote(&d.lost, 80),
                        super::inter_agent::times(
                            drops
                                .iter()
                                .filter(|x| x.agent == d.agent && !(x.had >= cfg.reset_min_history && x.kept <= cfg.reset_max_kept))
                                .count()
                        )
                    ),
                )
            })
            .collect();
        Verdict::Judged(findings)
    }
}

/// FM-1.5: a turn / iteration / recursion limit ended the run instead of a termination decision.
pub struct TerminationLimit;

impl Rule for TerminationLimit {
    fn name(&self) -> &'static str {
        "limit_instead_of_termination"
    }
    fn mode_id(&self) -> &'static str {
        "FM-1.5"
    }
    fn describes(&self) -> &'static str {
        "limit errors / max-turn stops checked, and whether any agent announced termination"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        let o = &run.analysis.outcome;
        let stop_span = run.order.iter().copied().find(|&i| run.analysis.facts[i].stop_reason.is_some());
        if o.status != OutcomeStatus::StoppedEarly && stop_span.is_none() {
            return Verdict::Judged(Vec::new());
        }
        let span = o.failing_span.and_then(|r| run.index.get(&r).copied()).or(stop_span);
        let reason = o
            .reason
            .clone()
            .or_else(|| stop_span.and_then(|i| run.analysis.facts[i].stop_reason.clone()))
            .unwrap_or_else(|| "a limit".into());
        let announced =
            run.turns.iter().filter_map(|t| t.output.as_ref()).any(|(o, _)| find_termination(o, &cfg.termination_keywords).is_some());
        let mut spans: Vec<_> = span.map(|i| vec![run.span_ref(i)]).unwrap_or_default();
        if let Some(t) = run.turns.last() {
            spans.push(run.span_ref(t.idx));
        }
        let last = run.turns.last().map(|t| t.agent.clone());
        let agent = o.failing_agent.clone().or(last);
        Verdict::Judged(vec![Finding::new(
            "FM-1.5",
            self.name(),
            Severity::High,
            if announced { 0.6 } else { 0.9 },
            agent.clone(),
            spans,
            format!(
                "the run was stopped by «{}» after {} agent turns{}{}",
                quote(&reason, 100),
                run.turns.len(),
                agent.map(|a| format!(" (last: {a})")).unwrap_or_default(),
                if announced { "" } else { ", and no agent ever announced termination" }
            ),
        )])
    }
}

/// FM-1.5: agents keep talking after one of them announced termination.
pub struct ContinuedAfterTermination;

impl Rule for ContinuedAfterTermination {
    fn name(&self) -> &'static str {
        "continued_after_termination"
    }
    fn mode_id(&self) -> &'static str {
        "FM-1.5"
    }
    fn describes(&self) -> &'static str {
        "turns after an output containing a termination keyword"
    }
    fn check(&self, run: &RunView, cfg: &MastConfig) -> Verdict {
        if run.turns.iter().all(|t| t.output.is_none()) {
            return Verdict::NotJudgeable("no agent turn outputs recorded".into());
        }
        let Some(k) =
            run.turns.iter().position(|t| t.output.as_ref().is_some_and(|(o, _)| find_termination(o, &cfg.termination_keywords).is_some()))
        else {
            return Verdict::Judged(Vec::new());
        };
        // A later turn that calls no tool and itself ends the chat is a sign-off (AG2 group
        // chats: "Agreed ... TERMINATE"), not work done past the end.
        let calls = |j: usize| run.tool_span.iter().any(|&s| run.turn_of[s] == Some(j));
        let signs_off =
            |j: usize| run.turns[j].output.as_ref().is_some_and(|(o, _)| find_termination(o, &cfg.termination_keywords).is_some());
        let after: Vec<usize> = (k + 1..run.turns.len())
            .filter(|&j| run.turns[j].agent != run.turns[k].agent && run.turns[j].start >= run.turns[k].end)
            .filter(|&j| calls(j) || !signs_off(j))
            .collect();
        if after.is_empty() {
            return Verdict::Judged(Vec::new());
        }
        let (o, span) = run.turns[k].output.clone().unwrap_or_default();
        let kw = find_termination(&o, &cfg.termination_keywords).unwrap_or("");
        let mut spans = vec![run.span_ref(span)];
        spans.extend(after.iter().take(5).map(|&j| run.span_ref(run.turns[j].idx)));
        let agents: Vec<&str> = after.iter().map(|&j| run.turns[j].agent.as_str()).collect();
        Verdict::Judged(vec![Finding::new(
            "FM-1.5",
            self.name(),
            Severity::Medium,
            if contains_ci(&o, kw) { 0.6 } else { 0.4 },
            Some(run.turns[after[0]].agent.clone()),
            spans,
            format!(
                "{} said {kw} («{}») but {} more turns followed ({})",
                run.turns[k].agent,
                quote(&o, 60),
                after.len(),
                agents.join(", ")
            ),
        )])
    }
}

trait PipeIf: Sized {
    fn pipe_if(self, cond: bool, f: impl FnOnce(Self) -> Self) -> Self {
        if cond {
            f(self)
        } else {
            self
        }
    }
}

impl PipeIf for Finding {}
