//! Content rules on specifications and actions: what the task and an agent's instructions
//! demand against what the agent produced or did.
//!
//! * FM-1.1 `output_format_violated`: the task demands CSV / JSON only, or a header line; the
//!   answer is something else.
//! * FM-1.2 `role_boundary_crossed`: an agent whose instructions restrict it to handing off
//!   answers the request itself and nobody else acts; or instructions demand a verdict word
//!   ("end with APPROVE or REJECT") that the agent's answer never gives.
//! * FM-2.6 `said_versus_did`: a model says which entity / amount it acts on, and the tool call
//!   it makes in the same step uses another one of the same kind.
//! * FM-2.2 `acted_on_ambiguity`: a lookup returns several candidates that the request's own
//!   words match; the agent picks one with an action tool without asking.
use std::sync::OnceLock;

use regex::Regex;

use super::super::facts::{has_word, id_shape, ids, numbers};
use super::super::transcript::{flat, Step, StepKind};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};
use super::content_flow::arg_leaves;

fn re(cell: &'static OnceLock<Regex>, p: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(p).expect("regex"))
}

fn strip_fences(t: &str) -> &str {
    let t = t.trim();
    let t = t.strip_prefix("```").map(|r| r.split_once('\n').map(|x| x.1).unwrap_or(r)).unwrap_or(t);
    t.strip_suffix("```").unwrap_or(t).trim()
}

pub struct OutputFormatViolated;

impl Rule for OutputFormatViolated {
    fn name(&self) -> &'static str {
        "output_format_violated"
    }
    fn mode_id(&self) -> &'static str {
        "FM-1.1"
    }
    fn describes(&self) -> &'static str {
        "CSV / JSON-only and header-line demands of the task against the final answer"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let (Some(task), Some(out)) = (t.task.as_deref(), t.final_output.as_deref()) else {
            return Verdict::NotJudgeable("no task or no final output recorded".into());
        };
        static ONLY: OnceLock<Regex> = OnceLock::new();
        static HEADER: OnceLock<Regex> = OnceLock::new();
        let only = re(&ONLY, r"(?i)\b(csv|json)\b[^.]{0,40}\b(only|no other text)\b|\b(only|just)\s+(?:valid\s+)?(csv|json)\b");
        let header = re(&HEADER, r"(?i)header(?:\s+(?:line|row))?\s*:?\s+([A-Za-z_][\w]*(?:\s*,\s*[A-Za-z_][\w]*)+)");
        let fmt = only.captures(task).map(|c| {
            c.get(1)
                .or(c.get(4))
                .map(|m| m.as_str().to_lowercase())
                .unwrap_or_default()
        });
        let want_header = header.captures(task).map(|c| c[1].replace(' ', "").to_lowercase());
        if fmt.is_none() && want_header.is_none() {
            let Some(why) = limit_or_language_break(task, out) else {
                return Verdict::Judged(Vec::new());
            };
            let span = t.final_span.unwrap_or(0);
            return Verdict::Judged(vec![Finding::new(
                "FM-1.1",
                self.name(),
                Severity::High,
                0.8,
                t.final_agent.clone(),
                vec![run.span_ref(span)],
                format!("the task demands {why}"),
            )
            .with_quote(flat(out, 200))]);
        }
        let Some(why) = format_break(out, fmt.as_deref(), want_header.as_deref()) else {
            return Verdict::Judged(Vec::new());
        };
        // Another agent's answer delivered the format (the last step is only a confirmation).
        if t.utterances().any(|s| s.agent.is_some() && s.text.len() >= 8 && format_break(&s.text, fmt.as_deref(), want_header.as_deref()).is_none()) {
            return Verdict::Judged(Vec::new());
        }
        let span = t.final_span.unwrap_or(0);
        Verdict::Judged(vec![Finding::new(
            "FM-1.1",
            self.name(),
            Severity::High,
            0.85,
            t.final_agent.clone(),
            vec![run.span_ref(span)],
            format!("the task demands {}: {why}", if let Some(f) = &fmt { format!("{} only", f.to_uppercase()) } else { "a header line".into() }),
        )
        .with_quote(flat(out, 200))])
    }
}

const COUNTS: &[(&str, usize)] = &[("one", 1), ("two", 2), ("three", 3), ("four", 4), ("five", 5), ("six", 6), ("seven", 7), ("eight", 8), ("nine", 9), ("ten", 10)];

/// Item limits ("at most 3 bullet points") and answer languages ("reply in German") of the task
/// broken by the final answer: what was demanded and what came.
fn limit_or_language_break(task: &str, out: &str) -> Option<String> {
    static L: OnceLock<Regex> = OnceLock::new();
    static G: OnceLock<Regex> = OnceLock::new();
    let lim = re(&L, r"(?i)\b(?:at most|no more than|max(?:imum)?|up to|exactly|only)\s+(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:\w+\s+)?(items|bullets|bullet points|points|options|suggestions|candidates|names|examples|entries)\b");
    if let Some(c) = lim.captures(task) {
        let n = c[1].parse::<usize>().ok().or_else(|| COUNTS.iter().find(|(w, _)| w.eq_ignore_ascii_case(&c[1])).map(|(_, n)| *n))?;
        let items = out
            .lines()
            .map(str::trim_start)
            .filter(|l| l.starts_with("- ") || l.starts_with("* ") || l.starts_with("• ") || {
                let d = l.chars().take_while(|c| c.is_ascii_digit()).count();
                d > 0 && d < 3 && l[d..].starts_with(['.', ')'])
            })
            .count();
        if items > n {
            return Some(format!("at most {n} {} («{}»); the answer lists {items}", &c[2], flat(c.get(0).map_or("", |m| m.as_str()), 60)));
        }
    }
    let lang = re(&G, r"(?i)\b(?:reply|respond|answer|write|written)\b[^.]{0,30}\bin (german|french|spanish|italian|dutch|portuguese|swedish|polish)\b");
    if let Some(c) = lang.captures(task) {
        // An answer in English: English function words make up much of it.
        let words: Vec<String> = out.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphabetic()).to_lowercase()).collect();
        let english = words.iter().filter(|w| ["the", "and", "is", "are", "of", "to", "with", "for", "this", "that", "you", "your"].contains(&w.as_str())).count();
        if words.len() >= 12 && english * 8 >= words.len() {
            return Some(format!("an answer in {} («{}»); the answer is in English", &c[1], flat(c.get(0).map_or("", |m| m.as_str()), 60)));
        }
    }
    None
}

/// Why `out` breaks the demanded format, if it does.
fn format_break(out: &str, fmt: Option<&str>, header: Option<&str>) -> Option<String> {
    let body = strip_fences(out);
    let lines: Vec<&str> = body.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    match fmt {
        Some("json") if serde_json::from_str::<serde_json::Value>(body).is_err() => {
            return Some("the answer is not valid JSON".to_string());
        }
        Some("csv") => {
            if let Some(l) = lines.iter().find(|l| !l.contains(',') || l.contains('|')) {
                return Some(format!("the answer is not CSV only (line «{}»)", flat(l, 80)));
            }
        }
        _ => {}
    }
    if let (Some(h), Some(first)) = (header, lines.first()) {
        if first.replace(' ', "").to_lowercase() != h {
            return Some(format!("the first line is «{}», not the header {h}", flat(first, 80)));
        }
    }
    None
}

/// Instructions that restrict an agent to routing / handing off.
fn handoff_only(instr: &str) -> bool {
    static H: OnceLock<Regex> = OnceLock::new();
    static L: OnceLock<Regex> = OnceLock::new();
    let h = re(&H, r"(?i)\b(hand(?:s|ing)?\s+(?:it\s+|them\s+|every\s+\w+\s+|the\s+\w+\s+)?(?:off|over|to)|route|transfer|forward|delegate|triage)\b");
    let l = re(&L, r"(?i)\b(only|never|do not|don't|must not)\b");
    // "... answer general questions yourself" / "otherwise answer directly": not hand-off only.
    static A: OnceLock<Regex> = OnceLock::new();
    let own = re(&A, r"(?i)\b(answer|reply|respond|resolve)\b[^.]{0,40}\b(yourself|directly)\b|\botherwise\b");
    let answers_itself = instr
        .split(['.', ';', '\n'])
        .any(|s| own.is_match(s) && !l.is_match(s));
    h.is_match(instr) && l.is_match(instr) && !answers_itself
}

/// Tool names in negated sentences of the instructions ("never call x_y", "do not use x_y").
fn forbidden_tools(instr: &str) -> Vec<String> {
    static N: OnceLock<Regex> = OnceLock::new();
    let neg = re(&N, r"(?i)\b(never|do not|don't|must not|may not|not allowed to|are not to)\b");
    instr
        .split(['.', ';', '\n'])
        .filter(|s| neg.is_match(s) && !s.to_lowercase().contains("unless") && !s.to_lowercase().contains("until") && !s.to_lowercase().contains("before"))
        .flat_map(super::super::facts::code_identifiers)
        .filter(|x| !x.contains('.'))
        .collect()
}

/// Verdict words the instructions demand ("end with APPROVE or REJECT").
fn demanded_words(instr: &str) -> Vec<String> {
    static D: OnceLock<Regex> = OnceLock::new();
    let d = re(&D, r"\b([A-Z]{4,})\s*(?:\bor\b|/|\|)\s*([A-Z]{4,})\b");
    d.captures_iter(instr)
        .flat_map(|c| [c[1].to_string(), c[2].to_string()])
        .collect()
}

pub struct RoleBoundaryCrossed;

impl Rule for RoleBoundaryCrossed {
    fn name(&self) -> &'static str {
        "role_boundary_crossed"
    }
    fn mode_id(&self) -> &'static str {
        "FM-1.2"
    }
    fn describes(&self) -> &'static str {
        "hand-off-only roles that answer themselves; verdict words the instructions demand against the agent's answers"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        if t.instructions.is_empty() {
            return Verdict::NotJudgeable("no agent instructions recorded".into());
        }
        let mut findings = Vec::new();
        for ins in &t.instructions {
            let a = ins.agent.as_str();
            let answers: Vec<&Step> = t
                .utterances()
                .filter(|s| s.agent.as_deref() == Some(a) && s.kind != StepKind::Message && s.tool_requests.is_empty())
                .collect();
            let Some(last) = answers.last() else { continue };
            if handoff_only(&ins.text) {
                let handed = t.steps.iter().any(|s| {
                    s.agent.as_deref() == Some(a)
                        && (s.kind == StepKind::Handoff
                            || s.tool_requests.iter().any(|r| r.name.starts_with("transfer") || r.name.contains("handoff")))
                });
                let others_after = t.steps.iter().any(|s| s.time_ns > last.time_ns && s.agent.as_deref().is_some_and(|x| x != a));
                if !handed && !others_after && last.text.split_whitespace().count() >= 25 {
                    findings.push(
                        Finding::new(
                            "FM-1.2",
                            self.name(),
                            Severity::High,
                            0.85,
                            Some(a.to_string()),
                            vec![run.span_ref(last.span), run.span_ref(ins.span)],
                            format!(
                                "{a}'s instructions restrict it to handing the request on («{}»), but it answered the request itself and handed off to nobody: «{}»",
                                flat(&ins.text, 140),
                                flat(&last.text, 140)
                            ),
                        )
                        .with_quote(flat(&last.text, 200)),
                    );
                    continue;
                }
            }
            // Tools the instructions forbid this agent ("never call issue_refund yourself").
            let forbidden = forbidden_tools(&ins.text);
            if let Some(call) = t.tool_steps().find(|s| {
                s.agent.as_deref() == Some(a) && s.tool.as_deref().is_some_and(|n| forbidden.iter().any(|f| f == n))
            }) {
                findings.push(
                    Finding::new(
                        "FM-1.2",
                        self.name(),
                        Severity::High,
                        0.85,
                        Some(a.to_string()),
                        vec![run.span_ref(call.span), run.span_ref(ins.span)],
                        format!(
                            "{a}'s instructions forbid {} («{}»), yet it called {}({})",
                            call.tool.as_deref().unwrap_or("it"),
                            flat(&ins.text, 140),
                            call.tool.as_deref().unwrap_or("tool"),
                            flat(call.arguments.as_deref().unwrap_or(""), 100)
                        ),
                    )
                    .with_quote(flat(&ins.text, 200)),
                );
                continue;
            }
            let words = demanded_words(&ins.text);
            if !words.is_empty() && !answers.iter().any(|s| words.iter().any(|w| s.text.to_lowercase().contains(&w.to_lowercase()))) {
                findings.push(
                    Finding::new(
                        "FM-1.2",
                        self.name(),
                        Severity::Medium,
                        0.75,
                        Some(a.to_string()),
                        vec![run.span_ref(last.span), run.span_ref(ins.span)],
                        format!(
                            "{a}'s role demands an answer of {} («{}»); its answer gives none of them and does another role's work: «{}»",
                            words.join(" / "),
                            flat(&ins.text, 120),
                            flat(&last.text, 140)
                        ),
                    )
                    .with_quote(flat(&last.text, 200)),
                );
            }
        }
        Verdict::Judged(findings)
    }
}

const CURRENCIES: &[&str] = &["eur", "usd", "gbp", "chf", "$", "€", "£"];

/// Numbers with a unit in `text`: the word after (`90 days`), a currency before (`EUR 500`),
/// or a percent sign (`30%`): (number, unit).
fn numbers_with_units(text: &str) -> Vec<(String, String)> {
    numbers(text)
        .into_iter()
        .filter_map(|(n, pos)| {
            let rest = &text[pos..];
            let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.')).unwrap_or(rest.len());
            // Rates are not totals ("EUR 45 each", "EUR 12 per seat").
            let next = rest[num_len..].split_whitespace().take(2).map(|w| w.to_lowercase()).collect::<Vec<_>>();
            if next.iter().any(|w| matches!(w.trim_matches(|c: char| !c.is_alphanumeric()), "each" | "per" | "apiece" | "x")) || rest[num_len..].starts_with('/') {
                return None;
            }
            if rest[num_len..].starts_with('%') {
                return Some((n, "percent".to_string()));
            }
            let before = text[..pos].split_whitespace().next_back().unwrap_or("").to_lowercase();
            if CURRENCIES.iter().any(|c| before.ends_with(c)) {
                return Some((n, "currency".to_string()));
            }
            let unit = rest
                .split_whitespace()
                .nth(1)?
                .trim_matches(|c: char| !c.is_alphabetic())
                .to_lowercase();
            if CURRENCIES.contains(&unit.as_str()) {
                return Some((n, "currency".to_string()));
            }
            (unit.len() >= 3).then_some((n, unit))
        })
        .collect()
}

fn unit_matches(key: &str, unit: &str) -> bool {
    let k = key.to_lowercase();
    let parts: Vec<&str> = k.split(|c: char| !c.is_alphanumeric()).collect();
    match unit {
        "currency" => parts.iter().any(|p| ["amount", "eur", "usd", "gbp", "price", "total", "cost", "fee", "sum", "budget", "limit"].contains(p)),
        "percent" => parts.iter().any(|p| ["pct", "percent", "percentage", "discount", "rate"].contains(p)),
        _ => {
            let u = unit.trim_end_matches('s');
            u.len() >= 3 && parts.iter().any(|p| p.trim_end_matches('s') == u)
        }
    }
}

/// What a step says vs the arguments of the call it makes: a description of the mismatch.
fn mismatch(text: &str, args: &str, earlier: &str) -> Option<String> {
    let leaves = arg_leaves(args);
    if leaves.is_empty() {
        return None;
    }
    let said_ids = ids(text);
    for (k, v) in &leaves {
        if v.len() > 60 {
            continue;
        }
        for a in ids(v) {
            // An identifier the run showed before (a lookup result, a message) was derived, not
            // confused.
            if text.contains(a.as_str()) || earlier.contains(a.as_str()) {
                continue;
            }
            if let Some(b) = said_ids.iter().find(|b| id_shape(b) == id_shape(&a) && !leaves.iter().any(|(_, lv)| lv.contains(b.as_str()))) {
                return Some(format!("says {b} but calls with {k}={a}"));
            }
        }
        if let Ok(x) = v.parse::<f64>() {
            let said = numbers_with_units(text);
            let vs = super::super::facts::canonical_number(&x.to_string()).unwrap_or_default();
            let same_unit: Vec<&(String, String)> = said.iter().filter(|(_, u)| unit_matches(k, u)).collect();
            if !same_unit.is_empty() && !same_unit.iter().any(|(n, _)| *n == vs) {
                let (n, u) = same_unit[0];
                return Some(format!("says {n} {u} but calls with {k}={v}"));
            }
        }
    }
    None
}

pub struct SaidVersusDid;

impl Rule for SaidVersusDid {
    fn name(&self) -> &'static str {
        "said_versus_did"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.6"
    }
    fn describes(&self) -> &'static str {
        "identifiers and amounts a model names in its text against the arguments of the tool call it makes in the same step"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let mut judged = false;
        let mut findings = Vec::new();
        // Everything shown before each step (task, results, messages), grown as we go.
        let mut earlier = t.task.clone().unwrap_or_default();
        let mut shown = 0;
        for (k, s) in t.steps.iter().enumerate() {
            while shown < k {
                let x = &t.steps[shown];
                if earlier.len() < 1 << 20 && matches!(x.kind, StepKind::ToolCall | StepKind::Message | StepKind::AgentOutput) {
                    earlier.push('\n');
                    earlier.push_str(&x.text);
                }
                shown += 1;
            }
            if s.kind != StepKind::LlmCall || s.text.is_empty() {
                continue;
            }
            // The calls this step asks for; else the agent's next tool execution.
            let calls: Vec<(String, String)> = if s.tool_requests.is_empty() {
                t.steps[k + 1..]
                    .iter()
                    .take(3)
                    .take_while(|x| x.kind != StepKind::LlmCall)
                    .filter(|x| x.kind == StepKind::ToolCall && x.agent == s.agent)
                    .map(|x| (x.tool.clone().unwrap_or_default(), x.arguments.clone().unwrap_or_default()))
                    .collect()
            } else {
                s.tool_requests.iter().map(|r| (r.name.clone(), r.arguments.clone())).collect()
            };
            for (tool, args) in calls {
                judged = true;
                if let Some(m) = mismatch(&s.text, &args, &earlier) {
                    findings.push(
                        Finding::new(
                            "FM-2.6",
                            self.name(),
                            Severity::High,
                            0.85,
                            s.agent.clone(),
                            vec![run.span_ref(s.span)],
                            format!(
                                "{} {m}: it says «{}» and calls {tool}({})",
                                s.agent.as_deref().unwrap_or("an agent"),
                                flat(&s.text, 120),
                                flat(&args, 120)
                            ),
                        )
                        .with_quote(flat(&s.text, 200)),
                    );
                    break;
                }
            }
        }
        if !judged {
            return Verdict::NotJudgeable("no model text next to the tool call it makes".into());
        }
        Verdict::Judged(findings.into_iter().take(1).collect())
    }
}

/// Arrays of two or more objects in a JSON text (also inside a JSON string).
fn candidate_lists(text: &str) -> Vec<Vec<serde_json::Map<String, serde_json::Value>>> {
    fn walk(v: &serde_json::Value, out: &mut Vec<Vec<serde_json::Map<String, serde_json::Value>>>, d: usize) {
        if d > 4 {
            return;
        }
        match v {
            serde_json::Value::Array(a) => {
                let objs: Vec<_> = a.iter().filter_map(|x| x.as_object().cloned()).collect();
                if objs.len() >= 2 && objs.len() == a.len() && objs.len() <= 50 {
                    out.push(objs);
                }
                a.iter().for_each(|x| walk(x, out, d + 1));
            }
            serde_json::Value::Object(o) => o.values().for_each(|x| walk(x, out, d + 1)),
            serde_json::Value::String(s) if s.trim_start().starts_with(['{', '[']) => {
                if let Ok(inner) = serde_json::from_str::<serde_json::Value>(s) {
                    walk(&inner, out, d + 1);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text.trim()) {
        walk(&v, &mut out, 0);
    }
    out
}

fn leaf_strings(o: &serde_json::Map<String, serde_json::Value>) -> Vec<(String, String)> {
    o.iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k.clone(), s.clone())),
            serde_json::Value::Number(n) => Some((k.clone(), n.to_string())),
            _ => None,
        })
        .collect()
}

fn words_of(t: &str) -> Vec<String> {
    t.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 2)
        .map(str::to_lowercase)
        .collect()
}

pub struct ActedOnAmbiguity;

impl Rule for ActedOnAmbiguity {
    fn name(&self) -> &'static str {
        "acted_on_ambiguity"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.2"
    }
    fn describes(&self) -> &'static str {
        "lookups returning several candidates that the request's words match, followed by an action on one of them without a question to the requester"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let Some(task) = t.task.as_deref() else {
            return Verdict::NotJudgeable("no task recorded".into());
        };
        // A request to choose ("find the cheapest", "recommend", "pick any") delegates the choice.
        static SEL: OnceLock<Regex> = OnceLock::new();
        let selection = re(&SEL, r"(?i)\b(choose|pick|select|recommend|suggest|shortlist|compare|cheapest|best|options|any (?:one|of)|whichever|find (?:a|an|one|the best|suitable))\b");
        if selection.is_match(task) {
            return Verdict::Judged(Vec::new());
        }
        let task_words: Vec<String> = words_of(task).into_iter().filter(|w| w.len() >= 3).collect();
        let task_l = task.to_lowercase();
        let mut findings = Vec::new();
        let tools: Vec<usize> = (0..t.steps.len()).filter(|&k| t.steps[k].kind == StepKind::ToolCall).collect();
        for (n, &lk) in tools.iter().enumerate() {
            let l = &t.steps[lk];
            let lists = candidate_lists(&l.text);
            if lists.is_empty() {
                continue;
            }
            let Some(agent) = l.agent.as_deref() else { continue };
            if let Some(ins) = t.instructions_of(agent) {
                if ["pick", "choose", "select", "any of"].iter().any(|w| has_word(&ins.text, w)) {
                    continue; // choosing among candidates is this agent's job
                }
            }
            for &xk in &tools[n + 1..] {
                let x = &t.steps[xk];
                if x.agent.as_deref() != Some(agent) || x.tool == l.tool {
                    continue;
                }
                // A question to the requester in between settles the ambiguity.
                if t.steps[lk..xk].iter().any(|s| s.agent.as_deref() == Some(agent) && s.kind != StepKind::ToolCall && s.text.contains('?')) {
                    break;
                }
                let args = arg_leaves(x.arguments.as_deref().unwrap_or(""));
                for list in &lists {
                    let leaves: Vec<Vec<(String, String)>> = list.iter().map(leaf_strings).collect();
                    // The candidate the call picked: an argument value unique to it.
                    let picked: Vec<usize> = (0..leaves.len())
                        .filter(|&c| {
                            args.iter().any(|(_, v)| {
                                v.len() >= 3
                                    && leaves[c].iter().any(|(_, lv)| lv.eq_ignore_ascii_case(v))
                                    && leaves.iter().enumerate().all(|(o, ls)| o == c || !ls.iter().any(|(_, lv)| lv.eq_ignore_ascii_case(v)))
                            })
                        })
                        .collect();
                    let [c] = picked[..] else { continue };
                    // The request names the candidate itself: no ambiguity.
                    let unique: Vec<&String> = leaves[c]
                        .iter()
                        .filter(|(k, v)| v.len() >= 3 && leaves.iter().enumerate().all(|(o, ls)| o == c || !ls.iter().any(|(k2, v2)| k2 == k && v2 == v)))
                        .map(|(_, v)| v)
                        .collect();
                    if unique.iter().any(|v| task_l.contains(&v.to_lowercase())) {
                        continue;
                    }
                    // The request's own words fit several candidates on the same field.
                    let fits = |w: &str, o: &serde_json::Map<String, serde_json::Value>, key: &str| {
                        o.get(key).and_then(|v| v.as_str()).is_some_and(|s| words_of(s).iter().any(|x| x.starts_with(w)))
                    };
                    let shared = leaves[c].iter().find_map(|(key, _)| {
                        task_words.iter().find(|w| list.iter().filter(|o| fits(w, o, key)).count() >= 2).map(|w| (key.clone(), w.clone()))
                    });
                    let Some((key, word)) = shared else { continue };
                    let names: Vec<String> = list
                        .iter()
                        .filter_map(|o| o.get(&key).and_then(|v| v.as_str()).map(str::to_string))
                        .collect();
                    let asks = t.instructions_of(agent).is_some_and(|i| has_word(&i.text, "ask") || has_word(&i.text, "clarify"));
                    findings.push(
                        Finding::new(
                            "FM-2.2",
                            self.name(),
                            Severity::High,
                            if asks { 0.85 } else { 0.75 },
                            Some(agent.to_string()),
                            vec![run.span_ref(x.span), run.span_ref(l.span)],
                            format!(
                                "the request's «{word}» fits {} candidates from {} ({}), and {agent} picked one with {}({}) without asking which was meant",
                                names.len(),
                                l.tool.as_deref().unwrap_or("a lookup"),
                                names.iter().map(|n| flat(n, 40)).collect::<Vec<_>>().join(" / "),
                                x.tool.as_deref().unwrap_or("tool"),
                                flat(x.arguments.as_deref().unwrap_or(""), 100)
                            ),
                        )
                        .with_quote(flat(&l.text, 200)),
                    );
                    return Verdict::Judged(findings);
                }
            }
        }
        Verdict::Judged(findings)
    }
}
