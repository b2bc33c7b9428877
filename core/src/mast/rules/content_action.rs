//! Content rules on actions: what an agent does against what it said or was asked.
//!
//! * FM-2.6 `said_versus_did`: a model says which entity / amount it acts on, and the tool call
//!   it makes in the same step uses another one of the same kind.
//! * FM-2.2 `acted_on_ambiguity`: a lookup returns several candidates that the request's own
//!   words match; the agent picks one with an action tool without asking. Candidates that
//!   are the same record (equal up to case and spacing) are no ambiguity.
use std::sync::OnceLock;

use regex::Regex;

use super::super::facts::{has_word, id_shape, ids, numbers};
use super::super::transcript::{flat, StepKind};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};
use super::content_flow::arg_leaves;

fn re(cell: &'static OnceLock<Regex>, p: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(p).expect("regex"))
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
            if next.iter().any(|w| matches!(w.trim_matches(|c: char| !c.is_alphanumeric()), "each" | "per" | "apiece" | "x"))
                || rest[num_len..].starts_with('/')
            {
                return None;
            }
            if rest[num_len..].starts_with('%') {
                return Some((n, "percent".to_string()));
            }
            let before = text[..pos].split_whitespace().next_back().unwrap_or("").to_lowercase();
            if CURRENCIES.iter().any(|c| before.ends_with(c)) {
                return Some((n, "currency".to_string()));
            }
            let unit = rest.split_whitespace().nth(1)?.trim_matches(|c: char| !c.is_alphabetic()).to_lowercase();
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
        "currency" => {
            parts.iter().any(|p| ["amount", "eur", "usd", "gbp", "price", "total", "cost", "fee", "sum", "budget", "limit"].contains(p))
        }
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
            if let Some(b) = said_ids.iter().find(|b| id_shape(b) == id_shape(&a) && !leaves.iter().any(|(_, lv)| lv.contains(b.as_str())))
            {
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

/// The text of a field: a string, or a short list of strings (`"passengers": ["CHIDI OKAFOR"]`)
/// joined by "; ".
fn field_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(a) if !a.is_empty() && a.len() <= 3 && a.iter().all(|x| x.is_string()) => {
            Some(a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join("; "))
        }
        _ => None,
    }
}

fn leaf_strings(o: &serde_json::Map<String, serde_json::Value>) -> Vec<(String, String)> {
    o.iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::Number(n) => Some((k.clone(), n.to_string())),
            v => field_text(v).map(|s| (k.clone(), s)),
        })
        .collect()
}

/// A candidate with every text lower-cased and its whitespace runs collapsed, for comparing
/// candidates as records.
fn normalized(o: &serde_json::Map<String, serde_json::Value>) -> serde_json::Value {
    fn norm(v: &serde_json::Value, depth: usize) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::String(s) => Value::String(s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()),
            Value::Array(a) if depth < 16 => Value::Array(a.iter().map(|x| norm(x, depth + 1)).collect()),
            Value::Object(o) if depth < 16 => Value::Object(o.iter().map(|(k, x)| (k.clone(), norm(x, depth + 1))).collect()),
            v => v.clone(),
        }
    }
    norm(&serde_json::Value::Object(o.clone()), 0)
}

fn words_of(t: &str) -> Vec<String> {
    t.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() >= 2).map(str::to_lowercase).collect()
}

/// The request puts an order word ("last", "latest", "first", "previous" ...) within the three
/// words before `word`: it picks by position, not by name.
fn ordinal_before(task_l: &str, word: &str) -> bool {
    const ORDER: [&str; 9] = ["last", "latest", "newest", "recent", "previous", "oldest", "earliest", "first", "current"];
    let ws = words_of(task_l);
    // "last name", "first name": a kind of name, no order.
    let order_at = |j: usize| ORDER.contains(&ws[j].as_str()) && ws.get(j + 1).is_none_or(|n| n != "name" && n != "names");
    ws.iter().enumerate().any(|(k, w)| w.starts_with(word) && (k.saturating_sub(3)..k).any(order_at))
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
        let selection = re(
            &SEL,
            r"(?i)\b(choose|pick|select|recommend|suggest|shortlist|compare|cheapest|best|options|any (?:one|of)|whichever|find (?:a|an|one|the best|suitable))\b",
        );
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
                // Choosing among candidates is this agent's job: its instructions say to pick, or
                // give the criterion to pick by ("the cheapest option that ...").
                if ["pick", "choose", "select", "any of"].iter().any(|w| has_word(&ins.text, w)) || selection.is_match(&ins.text) {
                    continue;
                }
            }
            for &xk in &tools[n + 1..] {
                let x = &t.steps[xk];
                if x.agent.as_deref() != Some(agent) || x.tool == l.tool {
                    continue;
                }
                // A question to the requester in between settles the ambiguity.
                if t.steps[lk..xk].iter().any(|s| s.agent.as_deref() == Some(agent) && s.kind != StepKind::ToolCall && s.text.contains('?'))
                {
                    break;
                }
                let args = arg_leaves(x.arguments.as_deref().unwrap_or(""));
                for list in &lists {
                    let leaves: Vec<Vec<(String, String)>> = list.iter().map(leaf_strings).collect();
                    // The candidate the call picked: an argument value unique to it; an
                    // identifier argument ("block_id") decides over other values that happen to
                    // match another candidate (new dates that are another booking's dates).
                    let picks = |only_ids: bool| -> Vec<usize> {
                        (0..leaves.len())
                            .filter(|&c| {
                                args.iter().any(|(k, v)| {
                                    v.len() >= 3
                                        && (!only_ids || k.to_lowercase().ends_with("id") || ids(v).first().is_some_and(|i| i == v))
                                        && leaves[c].iter().any(|(_, lv)| lv.eq_ignore_ascii_case(v))
                                        && leaves
                                            .iter()
                                            .enumerate()
                                            .all(|(o, ls)| o == c || !ls.iter().any(|(_, lv)| lv.eq_ignore_ascii_case(v)))
                                })
                            })
                            .collect()
                    };
                    let by_id = picks(true);
                    let picked = if by_id.len() == 1 { by_id } else { picks(false) };
                    let [c] = picked[..] else { continue };
                    // The request names the candidate itself: no ambiguity.
                    let unique: Vec<&String> = leaves[c]
                        .iter()
                        .filter(|(k, v)| {
                            v.len() >= 3 && leaves.iter().enumerate().all(|(o, ls)| o == c || !ls.iter().any(|(k2, v2)| k2 == k && v2 == v))
                        })
                        .map(|(_, v)| v)
                        .collect();
                    if unique.iter().any(|v| task_l.contains(&v.to_lowercase())) {
                        continue;
                    }
                    // The request's own words fit several candidates on the same field, one that
                    // names them (a name or label of up to six words: "Alex Kim", "Pro",
                    // "Holiday Clearance 2025"), as a word of its own, not inside an identifier
                    // code ("WS-MRI3-0612") nor in a longer title, which describe what was searched
                    // for rather than which one was meant.
                    let fits = |w: &str, o: &serde_json::Map<String, serde_json::Value>, key: &str| {
                        o.get(key).and_then(field_text).is_some_and(|s| {
                            let ws: Vec<&str> = s.split_whitespace().map(|x| x.trim_matches(|c: char| !c.is_alphanumeric())).collect();
                            ws.len() <= 6 && ws.iter().any(|x| x.chars().all(char::is_alphabetic) && x.to_lowercase().starts_with(w))
                        })
                    };
                    let shared = leaves[c].iter().find_map(|(key, _)| {
                        task_words.iter().find(|w| list.iter().filter(|o| fits(w, o, key)).count() >= 2).map(|w| (key.clone(), w.clone()))
                    });
                    let Some((key, word)) = shared else { continue };
                    // An order picks one of them ("the last known-good release", "the latest
                    // build"): the request says which, by the list's order.
                    if ordinal_before(&task_l, &word) {
                        continue;
                    }
                    // Candidates that are one and the same (equal up to case and spacing): either
                    // choice is right, there was nothing to ask.
                    let same = normalized(&list[c]);
                    if list.iter().filter(|o| fits(&word, o, &key)).all(|o| normalized(o) == same) {
                        continue;
                    }
                    let names: Vec<String> = list.iter().filter_map(|o| o.get(&key).and_then(field_text)).collect();
                    let asks = t.instructions_of(agent).is_some_and(|i| has_word(&i.text, "ask") || has_word(&i.text, "clarify"));
                    // Where it chose: its own words naming the candidate's identifier before the
                    // action ("I'll take GB-3310"), else the action itself.
                    let chose = t.steps[lk + 1..xk].iter().find(|s| {
                        s.agent.as_deref() == Some(agent)
                            && s.kind != StepKind::ToolCall
                            && unique.iter().any(|v| ids(v).first().is_some_and(|i| i == *v) && s.text.contains(v.as_str()))
                    });
                    let mut spans = vec![run.span_ref(x.span), run.span_ref(l.span)];
                    if let Some(c) = chose {
                        spans.insert(0, run.span_ref(c.span));
                    }
                    findings.push(
                        Finding::new(
                            "FM-2.2",
                            self.name(),
                            Severity::High,
                            if asks { 0.85 } else { 0.75 },
                            Some(agent.to_string()),
                            spans,
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
