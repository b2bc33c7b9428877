//! Content rules on information flow (FC2): what an agent got from its tools or from another
//! agent against what it then said or did.
//!
//! * FM-2.3 `tool_data_ignored`: a tool returned figures, the caller's next answer (a long one)
//!   uses none of them: it talks about something else.
//! * FM-2.4 `blocking_fact_withheld`: a tool result states something that blocks or negates
//!   ("not roadworthy", "expired", "may not start"); the caller's summary of that result passes
//!   on other facts of it but not this one.
//! * FM-2.5 `upstream_constraint_contradicted`: another agent said "not X" / "never X" / `key=v`;
//!   a later agent uses X (in a tool call or in its answer) or another value for `key`.
use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

use super::super::facts::{blocking_clauses, content_words, has_word, ids, numbers, reports_error, significant_numbers, BLOCKING};
use super::super::transcript::{flat, Step, StepKind};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};

/// An answer (not an intermediate model call that requests tools).
fn is_answer(s: &Step) -> bool {
    match s.kind {
        StepKind::LlmCall => s.tool_requests.iter().all(|r| is_handoff_tool(&r.name)),
        StepKind::AgentOutput | StepKind::Message => true,
        _ => false,
    }
}

/// Tool calls that only pass control to another agent.
pub(crate) fn is_handoff_tool(name: &str) -> bool {
    name.starts_with("transfer_to") || name.contains("handoff") || name.starts_with("handoff")
}

/// A clause without the numeric JSON keys it may hold (`"2": "vague or not arguable"`: a level
/// of a scale, not a figure of the case).
fn json_keys_dropped(c: &str) -> String {
    static K: OnceLock<Regex> = OnceLock::new();
    K.get_or_init(|| Regex::new(r#"-?\d+(?:\.\d+)?"\s*:"#).expect("regex")).replace_all(c, " ").into_owned()
}

/// The answer computes with the result's figures: two of its figures are each a result's figure
/// and one of the answer's own figures combined by one operation (49 = 48 + 1 in "(M + 1)").
fn computed_from(result: &[String], answer: &str) -> bool {
    // Bounded (the first 64 figures of each): the test is cubic in them.
    let r: Vec<f64> = result.iter().take(64).filter_map(|x| x.parse().ok()).collect();
    let own: Vec<f64> = numbers(answer).into_iter().take(64).filter_map(|(x, _)| x.parse().ok()).collect();
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6 * a.abs().max(1.0);
    let computed = significant_numbers(answer)
        .iter()
        .take(64)
        .filter_map(|x| x.parse::<f64>().ok())
        .filter(|&s| {
            r.iter().any(|&a| {
                !close(s, a) && own.iter().any(|&x| close(s, a + x) || close(s, a - x) || close(s, a * x) || (x != 0.0 && close(s, a / x)))
            })
        })
        .count();
    // Two such figures: one can be a coincidence among many figures.
    computed >= 2
}

/// The short string values of a JSON text (one to five words with a letter, lower-cased): the
/// names and labels a result gives its items.
fn short_values(t: &str) -> Vec<String> {
    static V: OnceLock<Regex> = OnceLock::new();
    let v = V.get_or_init(|| Regex::new(r#":\s*"([^"\\]{4,60})""#).expect("regex"));
    let mut out: Vec<String> = v
        .captures_iter(super::super::text::head(t, 32_000))
        .map(|c| c[1].trim().to_lowercase())
        .filter(|x| x.split_whitespace().count() <= 5 && x.chars().any(char::is_alphabetic))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// For every tool result, the caller's next answer: (tool step, answer step), per agent in
/// time order. Results gathered before one answer are all paired with it. A message sent from
/// inside one of those tool calls (the instruction of an agent run as a tool) went out before
/// the result existed: no answer to it.
pub(super) fn results_then_answers(run: &RunView, steps: &[Step]) -> Vec<(usize, usize)> {
    let mut pending: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut out = Vec::new();
    for (k, s) in steps.iter().enumerate() {
        let Some(a) = s.agent.as_deref() else { continue };
        if s.kind == StepKind::ToolCall {
            if !s.is_error && !s.text.is_empty() && !reports_error(&s.text) {
                pending.entry(a).or_default().push(k);
            }
        } else if is_answer(s) && !s.text.is_empty() {
            let inside = |v: &Vec<usize>| v.iter().any(|&t| run.ancestor(s.span, |p| p == steps[t].span).is_some());
            if s.kind == StepKind::Message && pending.get(a).is_some_and(inside) {
                continue;
            }
            if let Some(v) = pending.remove(a) {
                out.extend(v.into_iter().map(|t| (t, k)));
            }
        }
    }
    out
}

pub struct ToolDataIgnored;

impl Rule for ToolDataIgnored {
    fn name(&self) -> &'static str {
        "tool_data_ignored"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.3"
    }
    fn describes(&self) -> &'static str {
        "figures of each tool result against the caller's next answer (at least 25 words)"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let pairs = results_then_answers(run, &t.steps);
        if pairs.is_empty() {
            return match final_off_task(run, self.name()) {
                Some(f) => Verdict::Judged(vec![f]),
                None => Verdict::NotJudgeable("no tool result followed by an answer of its caller".into()),
            };
        }
        // Group the results per answer.
        let mut by_answer: Vec<(usize, Vec<usize>)> = Vec::new();
        for (tool, ans) in pairs {
            match by_answer.last_mut() {
                Some((a, v)) if *a == ans => v.push(tool),
                _ => by_answer.push((ans, vec![tool])),
            }
        }
        let mut findings = Vec::new();
        if let Some(f) = final_off_task(run, self.name()) {
            findings.push(f);
        }
        for (ans, tools) in by_answer {
            let a = &t.steps[ans];
            if a.text.split_whitespace().count() < 25 {
                continue;
            }
            // An answer that reports progress ("6 returned, moving to step 2") and the same
            // agent's next answers, before it calls a tool again, use the result together.
            let text = answers_until_next_call(&t.steps, ans);
            let mut nums = Vec::new();
            let mut idv = Vec::new();
            let mut words = Vec::new();
            for &k in &tools {
                nums.extend(significant_numbers(&t.steps[k].text));
                idv.extend(ids(&t.steps[k].text));
                words.extend(content_words(&t.steps[k].text));
            }
            // Years are context, not data.
            nums.retain(|n| !(n.len() == 4 && (n.starts_with("19") || n.starts_with("20"))));
            nums.sort();
            nums.dedup();
            if nums.len() < 2 {
                continue;
            }
            words.sort();
            words.dedup();
            let reused = words.iter().filter(|w| has_word(&text, w)).count();
            if reused * 3 >= words.len() {
                continue; // it does talk about the result, in words
            }
            let said = significant_numbers(&text);
            let used_num = nums.iter().any(|n| said.contains(n)) || computed_from(&nums, &text);
            let used_id = idv.iter().any(|i| text.contains(i.as_str()));
            // Two of the result's names or labels (short string values: "Evidence & citation")
            // in the answer: it is about the result.
            let lower = text.to_lowercase();
            let labels = tools.iter().flat_map(|&k| short_values(&t.steps[k].text)).filter(|v| lower.contains(v.as_str())).count();
            if used_num || used_id || labels >= 2 {
                continue;
            }
            let agent = a.agent.clone();
            let tool = &t.steps[tools[0]];
            let shown: Vec<&str> = nums.iter().take(4).map(String::as_str).collect();
            findings.push(
                Finding::new(
                    "FM-2.3",
                    self.name(),
                    Severity::High,
                    0.8,
                    agent.clone(),
                    vec![run.span_ref(a.span), run.span_ref(tool.span)],
                    format!(
                        "{} got {} results with figures ({}) but its {}-word answer uses none of them and talks about something else",
                        agent.as_deref().unwrap_or("an agent"),
                        tool.tool.as_deref().unwrap_or("tool"),
                        shown.join(", "),
                        a.text.split_whitespace().count()
                    ),
                )
                .with_quote(flat(&a.text, 240)),
            );
        }
        Verdict::Judged(dedup_agents(findings))
    }
}

/// The text of answer `ans` and of its agent's answers after it, up to its next tool call
/// (bounded to 64 KB).
fn answers_until_next_call(steps: &[Step], ans: usize) -> String {
    let agent = steps[ans].agent.as_deref();
    let mut text = steps[ans].text.clone();
    for s in steps[ans + 1..].iter().filter(|s| s.agent.as_deref() == agent) {
        if s.kind == StepKind::ToolCall || !s.tool_requests.is_empty() || text.len() > 64 * 1024 {
            break;
        }
        if is_answer(s) {
            text.push('\n');
            text.push_str(super::super::text::head(&s.text, 32 * 1024));
        }
    }
    text
}

/// A long final answer that shares nothing with the task: no identifier, no figure, almost
/// none of its words (compared on word stems).
fn final_off_task(run: &RunView, rule: &'static str) -> Option<Finding> {
    let t = run.transcript();
    let (task, out) = (t.task.as_deref()?, t.final_output.as_deref()?);
    // A crash dump in place of an answer went wrong elsewhere: it says nothing about the task.
    if out.split_whitespace().count() < 40 || super::super::text::is_crash_dump(out) {
        return None;
    }
    // What the final agent was asked: the run's task and its own assignment (the user messages
    // of its first model call; CrewAI gives each agent its own task).
    let mut asked = task.to_string();
    if let Some(first) = t.steps.iter().find(|s| s.kind == StepKind::LlmCall && s.agent == t.final_agent) {
        for m in run.analysis.facts[first.span].input_messages.iter().filter(|m| m.role == "user") {
            asked.push('\n');
            asked.push_str(&m.content);
        }
    }
    let tw = super::super::text::word_set(&asked, 4096);
    if tw.len() < 6 {
        return None;
    }
    let ow = super::super::text::word_set(out, 4096);
    let cov = super::super::text::coverage(&tw, &ow);
    let shared = ids(&asked).iter().any(|i| out.contains(i.as_str()))
        || significant_numbers(&asked).iter().any(|n| significant_numbers(out).contains(n));
    if cov >= 0.1 || shared {
        return None;
    }
    let span = t.final_span?;
    Some(
        Finding::new(
            "FM-2.3",
            rule,
            Severity::High,
            0.45,
            t.final_agent.clone(),
            vec![run.span_ref(span)],
            format!(
                "the final answer ({} words) shares {:.0}% of the task's words and none of its identifiers or figures: «{}»",
                out.split_whitespace().count(),
                cov * 100.0,
                flat(out, 160)
            ),
        )
        .with_quote(flat(out, 200)),
    )
}

/// At most one finding per agent (the first).
fn dedup_agents(fs: Vec<Finding>) -> Vec<Finding> {
    let mut seen = std::collections::HashSet::new();
    fs.into_iter().filter(|f| seen.insert(f.agent_name.clone())).collect()
}

/// A rule the result states for every case, a cap or a definition ("Requests may not exceed
/// $150,000 per year", "Institutional GPA excludes P and W grades"), not a fact of this case
/// that blocks it: a summary that applies the rule without quoting it withholds nothing.
fn normative(clause: &str, word: &str) -> bool {
    static N: OnceLock<Regex> = OnceLock::new();
    let cap = N.get_or_init(|| Regex::new(r"(?i)\b(?:may|must|shall|should|can|cannot|could) not exceed\b").expect("regex"));
    matches!(word, "exclude" | "excludes") || cap.is_match(clause)
}

/// The clause is passed on: the answer shares an identifier / figure with it and carries a
/// blocking word, or repeats most of its content words.
fn clause_covered(clause: &str, answer: &str) -> bool {
    // Four words of the clause in a row, in the answer: it passed the clause on in its words
    // ("HearthLoader 4 silently ignores the old key").
    let seq = |t: &str| t.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect::<Vec<_>>();
    let (cs, aw) = (seq(super::super::text::head(clause, 4_000)), seq(super::super::text::head(answer, 32_000)));
    if cs.windows(4).any(|w| aw.windows(4).any(|x| x == w)) {
        return true;
    }
    let cw = content_words(clause);
    let hit = cw.iter().filter(|w| has_word(answer, w)).count();
    if !cw.is_empty() && hit * 5 >= cw.len() * 3 {
        return true;
    }
    let blocking = BLOCKING.iter().any(|b| has_word(answer, b));
    let shares = ids(clause).iter().any(|i| answer.contains(i.as_str()))
        || significant_numbers(clause).iter().any(|n| significant_numbers(answer).contains(n))
        || hit >= 2;
    blocking && shares
}

pub struct BlockingFactWithheld;

impl Rule for BlockingFactWithheld {
    fn name(&self) -> &'static str {
        "blocking_fact_withheld"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.4"
    }
    fn describes(&self) -> &'static str {
        "blocking / negating clauses of each tool result against the caller's summary of it"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let pairs = results_then_answers(run, &t.steps);
        if pairs.is_empty() {
            return Verdict::NotJudgeable("no tool result followed by an answer of its caller".into());
        }
        let mut findings = Vec::new();
        for (tool, ans) in pairs {
            let r = &t.steps[tool];
            let a = &t.steps[ans];
            if r.text.split_whitespace().count() < 8 || a.text.split_whitespace().count() < 8 {
                continue;
            }
            // The answer summarises the result: it passes on other facts of it.
            let rw = content_words(&r.text);
            let passed =
                rw.iter().filter(|w| has_word(&a.text, w)).count() + ids(&r.text).iter().filter(|i| a.text.contains(i.as_str())).count();
            if passed < 3 {
                continue;
            }
            // Generic negations count when the clause names something (an id or a figure).
            let weak = ["not", "never", "no longer", "cannot", "can't", "do not"];
            let Some((clause, word)) = blocking_clauses(&r.text)
                .into_iter()
                .filter(|(c, w)| {
                    !weak.contains(w)
                        || !ids(c).is_empty()
                        || !numbers(&json_keys_dropped(c)).is_empty()
                        || BLOCKING.iter().any(|b| !weak.contains(b) && has_word(c, b))
                })
                .filter(|(_, w)| !confirms_request(w, r.tool.as_deref().unwrap_or("")))
                .filter(|(c, w)| !normative(c, w))
                .find(|(c, _)| !clause_covered(c, &a.text))
            else {
                continue;
            };
            // Somebody acted on the answer afterwards (another agent, or the run's end).
            let acted_on = t.steps[ans + 1..].iter().any(|s| s.agent.is_some() && s.agent != a.agent);
            let agent = a.agent.clone();
            findings.push(
                Finding::new(
                    "FM-2.4",
                    self.name(),
                    Severity::High,
                    if acted_on { 0.85 } else { 0.75 },
                    agent.clone(),
                    vec![run.span_ref(a.span), run.span_ref(r.span)],
                    format!(
                        "{}'s {} result says «{}» («{word}»), but its answer passes on other findings without it: «{}»",
                        agent.as_deref().unwrap_or("an agent"),
                        r.tool.as_deref().unwrap_or("tool"),
                        flat(clause, 140),
                        flat(&a.text, 160)
                    ),
                )
                .with_quote(flat(clause, 200)),
            );
        }
        Verdict::Judged(dedup_agents(findings))
    }
}

/// A negating word that only confirms what the call itself asked for: `cancel_leg` answered
/// "cancelled", `revoke_token` "revoked". The caller's own action is no finding withheld from it.
fn confirms_request(word: &str, tool: &str) -> bool {
    let stem: String = word.to_lowercase().chars().take(5).collect();
    stem.chars().count() >= 4
        && tool
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .any(|t| t.chars().count() >= 4 && (t.starts_with(stem.as_str()) || stem.starts_with(t)))
}

fn excluded_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"(?i)\b(?:not|never)\s+(?:from\s+|to\s+|use\s+|in\s+|on\s+|with\s+|via\s+|as\s+)?(?:the\s+|a\s+|an\s+|any\s+)?([A-Za-z0-9][\w./:-]*[\w/])")
            .expect("regex")
    })
}

/// Codes a sentence excludes a few words after its negation ("is not billed on the tiered R-1
/// schedule"): an identifier with a digit (`R-1`, `UN3480`) within five lower-case words of
/// "not" / "never", none of them a comparison or a turn of the clause ("not more than", "not
/// X but Y").
fn excluded_codes(text: &str) -> Vec<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = R.get_or_init(|| {
        Regex::new(r"\b(?:[Nn]ot|[Nn]ever)\s+((?:[a-z]+\s+){1,5})([A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+|[A-Z]{2,}\d+[A-Za-z0-9]*)\b")
            .expect("regex")
    });
    const TURNS: &[&str] = &[
        "more",
        "less",
        "fewer",
        "than",
        "exceed",
        "exceeding",
        "above",
        "below",
        "over",
        "under",
        "beyond",
        "after",
        "before",
        "until",
        "only",
        "just",
        "but",
        "except",
        "unless",
        "instead",
        "including",
        "include",
        "and",
        "or",
    ];
    let plain = text.replace("**", "").replace("__", "").replace('`', "");
    r.captures_iter(&plain)
        .filter(|c| c[1].split_whitespace().all(|w| !TURNS.contains(&w)) && c[2].chars().any(|ch| ch.is_ascii_digit()))
        .map(|c| c[2].to_string())
        .collect()
}

/// Amounts a text sets apart as not to be used: those on a line that says so ("Other markets,
/// for reference only, do not use in EU copy") and on the lines under it, up to a blank line or
/// the next heading (ten lines at most), that the rest of the text does not also give.
fn excluded_amounts(text: &str) -> Vec<String> {
    static X: OnceLock<Regex> = OnceLock::new();
    static M: OnceLock<Regex> = OnceLock::new();
    let x = X.get_or_init(|| {
        Regex::new(r"(?i)\b(do not use|don't use|not to be used|must not be used|for reference only|not for use|ignore the following)\b")
            .expect("regex")
    });
    let m = M.get_or_init(|| Regex::new(r"[$€£]\s?\d+(?:,\d{3})*(?:\.\d+)?").expect("regex"));
    let lines: Vec<&str> = super::super::text::head(text, 32_000).lines().collect();
    let mut inside = vec![false; lines.len()];
    for (k, _) in lines.iter().enumerate().filter(|(_, l)| x.is_match(l)) {
        inside[k] = true;
        for j in k + 1..lines.len().min(k + 11) {
            let t = lines[j].trim();
            if t.is_empty() || t.starts_with('#') || (t.starts_with('*') && t.ends_with('*') && !t.starts_with("* ")) {
                break;
            }
            inside[j] = true;
        }
    }
    let amounts = |keep: bool| -> Vec<String> {
        lines
            .iter()
            .zip(&inside)
            .filter(|(_, i)| **i == keep)
            .flat_map(|(l, _)| m.find_iter(l).map(|a| a.as_str().replace(' ', "")))
            .collect()
    };
    let outside = amounts(false);
    let mut out: Vec<String> = amounts(true).into_iter().filter(|a| !outside.contains(a)).collect();
    out.dedup();
    out
}

fn pair_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"\b([a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9])\s*(=|<=|>=|≤|≥|<|>)\s*([\w./:-]+)").expect("regex"))
}

/// A `key op value` setting violated by `got` (`=` equal, `<=` at most, ...).
fn violates(op: &str, want: &str, got: &str) -> bool {
    let num = |x: &str| x.trim().parse::<f64>().ok();
    match (op, num(want), num(got)) {
        ("=", _, _) => !same_value(got, want),
        ("<=" | "≤", Some(w), Some(g)) => g > w,
        ("<", Some(w), Some(g)) => g >= w,
        (">=" | "≥", Some(w), Some(g)) => g < w,
        (">", Some(w), Some(g)) => g <= w,
        _ => false,
    }
}

/// A value specific enough to compare: has a digit, or is a capitalised name (not a sentence start).
fn specific(v: &str) -> bool {
    v.len() >= 3
        && (v.chars().any(|c| c.is_ascii_digit())
            || (v.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && v.chars().skip(1).any(|c| c.is_ascii_uppercase() || c.is_ascii_lowercase())
                && !matches!(v.to_lowercase().as_str(), "the" | "this" | "that" | "yet" | "all" | "any" | "only" | "needed" | "now")))
}

/// `key -> value` leaves of a JSON arguments text (strings and numbers), bounded.
pub(crate) fn arg_leaves(args: &str) -> Vec<(String, String)> {
    fn walk(k: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>, d: usize) {
        if d > 4 || out.len() > 64 {
            return;
        }
        match v {
            serde_json::Value::String(s) => out.push((k.to_string(), s.clone())),
            serde_json::Value::Number(n) => out.push((k.to_string(), n.to_string())),
            serde_json::Value::Bool(b) => out.push((k.to_string(), b.to_string())),
            serde_json::Value::Object(o) => o.iter().for_each(|(kk, x)| walk(kk, x, out, d + 1)),
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(k, x, out, d + 1)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(args.trim()) {
        walk("", &v, &mut out, 0);
    }
    out
}

fn same_value(a: &str, b: &str) -> bool {
    let (x, y) = (a.trim(), b.trim());
    if x.eq_ignore_ascii_case(y) {
        return true;
    }
    match (x.parse::<f64>(), y.parse::<f64>()) {
        (Ok(p), Ok(q)) => (p - q).abs() < 1e-9,
        _ => false,
    }
}

/// `X` occurs in `text` without a negation in the three words before it, and not as part of a
/// longer name the run's data holds (`in_data`: "Ridgeline Collision", a shop a tool result names,
/// is not the excluded "Collision").
fn used_affirmatively(text: &str, x: &str, in_data: &dyn Fn(&str) -> bool) -> bool {
    let mut from = 0;
    while let Some(p) = text[from..].find(x) {
        let s = from + p;
        let before: Vec<String> = text[..s].split_whitespace().rev().take(3).map(|w| w.to_lowercase()).collect();
        let after: Vec<String> =
            text[s + x.len()..].split_whitespace().take(3).map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase()).collect();
        let capital = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
        let prev = text[..s].split_whitespace().next_back().filter(|w| text[..s].ends_with([' ', '\t']) && capital(w));
        let next = text[s + x.len()..].strip_prefix(' ').and_then(|r| r.split_whitespace().next()).filter(|w| capital(w));
        let trim = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
        let named =
            prev.is_some_and(|w| in_data(&format!("{} {x}", trim(w)))) || next.is_some_and(|w| in_data(&format!("{x} {}", trim(w))));
        if named {
            from = s + x.len();
            continue;
        }
        let negated = before.iter().any(|w| {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric());
            matches!(
                w,
                "not"
                    | "never"
                    | "no"
                    | "instead"
                    | "than"
                    | "without"
                    | "avoid"
                    | "over"
                    | "rather"
                    | "unlike"
                    | "replacing"
                    | "replaced"
                    | "vs"
                    | "versus"
                    | "excluding"
                    | "except"
            )
        }) || after.iter().any(|w| matches!(w.as_str(), "not" | "isn't" | "wasn't" | "excluded" | "rejected" | "avoided"));
        if !negated {
            return true;
        }
        from = s + x.len();
    }
    false
}

/// Whether step `later` was handed the words of step `first` around an excluded value: its turn's
/// input holds the 40 characters of `first`'s text that begin at the value.
fn handed_on(run: &RunView, first: &Step, later: &Step, excluded: &[String]) -> bool {
    let Some(k) = run.turn_of[later.span] else { return false };
    excluded.iter().any(|x| {
        let Some(p) = first.text.find(x.as_str()) else { return false };
        let end = first.text.floor_char_boundary((p + 40).min(first.text.len()));
        let window = &first.text[p..end];
        window.len() > x.len() && run.input_texts(&run.turns[k]).any(|i| i.contains(window))
    })
}

/// Whether `agent`'s turns between `from` and `to` (time) record what they were given and none of
/// it holds any of `values` (all of a value's words): the constraint never reached the agent.
/// False when no such turn records its input (nothing to tell).
fn never_reached(run: &RunView, agent: &str, values: &[String], from: u64, to: u64) -> bool {
    let mut judged = false;
    for t in run.turns.iter().filter(|t| t.agent == agent && t.has_input && t.end > from && t.start <= to) {
        judged = true;
        let given = run.input_words(t);
        // Figures and codes are not words: looked for in the texts themselves.
        let texts = || run.input_texts(t);
        if values.iter().any(|v| {
            let w = super::super::text::word_set(v, 512);
            if w.is_empty() {
                texts().any(|x| super::super::text::contains_ci(x, v))
            } else {
                w.iter().all(|x| given.contains(x))
            }
        }) {
            return false;
        }
    }
    judged
}

pub struct UpstreamConstraintContradicted;

impl Rule for UpstreamConstraintContradicted {
    fn name(&self) -> &'static str {
        "upstream_constraint_contradicted"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.5"
    }
    fn describes(&self) -> &'static str {
        "explicit exclusions (\"not X\", \"never X\") and key=value settings of one agent against later tool arguments and answers of other agents"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let utter: Vec<&Step> = t.utterances().filter(|s| s.kind != StepKind::Message || s.agent.is_some()).collect();
        if utter.len() < 2 {
            return Verdict::NotJudgeable("fewer than two agent messages recorded".into());
        }
        let mut findings = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for u in &utter {
            let Some(author) = u.agent.as_deref() else { continue };
            let mut excluded: Vec<String> = excluded_re()
                .captures_iter(&u.text)
                .map(|c| c[1].trim_end_matches(['.', ',']).to_string())
                .filter(|v| specific(v))
                .collect();
            for x in excluded_codes(&u.text).into_iter().chain(excluded_amounts(&u.text)) {
                if !excluded.contains(&x) {
                    excluded.push(x);
                }
            }
            let pairs: Vec<(String, String, String)> = pair_re()
                .captures_iter(&u.text)
                .map(|c| (c[1].to_string(), c[2].to_string(), c[3].trim_end_matches(['.', ',', ')']).to_string()))
                .collect();
            if excluded.is_empty() && pairs.is_empty() {
                continue;
            }
            let mut first_hit: Option<&Step> = None;
            for s in t.steps.iter().filter(|s| s.time_ns > u.time_ns).take(400) {
                let Some(other) = s.agent.as_deref() else { continue };
                if other == author || seen.contains(other) {
                    continue;
                }
                let hit: Option<(String, f32)> = match s.kind {
                    StepKind::ToolCall => {
                        let leaves = arg_leaves(s.arguments.as_deref().unwrap_or(""));
                        excluded
                            .iter()
                            .find(|x| leaves.iter().any(|(_, v)| same_value(v, x)))
                            .map(|x| {
                                (
                                    format!(
                                        "{}({}) uses {x}, which {author} excluded",
                                        s.tool.as_deref().unwrap_or("tool"),
                                        flat(s.arguments.as_deref().unwrap_or(""), 120)
                                    ),
                                    0.9,
                                )
                            })
                            .or_else(|| {
                                pairs.iter().find_map(|(k, op, v)| {
                                    leaves.iter().find(|(lk, lv)| lk == k && violates(op, v, lv)).map(|(_, lv)| {
                                        (
                                            format!(
                                                "{}({}) sets {k}={lv} where {author} said {k}{op}{v}",
                                                s.tool.as_deref().unwrap_or("tool"),
                                                flat(s.arguments.as_deref().unwrap_or(""), 120)
                                            ),
                                            0.85,
                                        )
                                    })
                                })
                            })
                    }
                    _ if is_answer(s) => excluded
                        .iter()
                        .find(|x| {
                            let in_data = |phrase: &str| {
                                t.steps.iter().any(|d| d.kind == StepKind::ToolCall && d.time_ns <= s.time_ns && d.text.contains(phrase))
                            };
                            used_affirmatively(&s.text, x, &in_data)
                        })
                        .map(|x| (format!("its answer uses {x}, which {author} excluded: «{}»", flat(&s.text, 140)), 0.8)),
                    _ => None,
                };
                // Only what reached an agent can be ignored by it: when its turns record what
                // they were given and none since the constraint held it, it never saw it.
                let value = hit.as_ref().map(|_| excluded.iter().chain(pairs.iter().map(|p| &p.0)).cloned().collect::<Vec<_>>());
                if value.is_some_and(|v| never_reached(run, other, &v, u.time_ns, s.time_ns)) {
                    continue;
                }
                // An agent handed the first violation (its input holds the words around it)
                // passed it on: the first agent to go against the constraint is where it went
                // wrong.
                if hit.is_some() && first_hit.is_some_and(|f| handed_on(run, f, s, &excluded)) {
                    continue;
                }
                if let Some((what, conf)) = hit {
                    seen.insert(other.to_string());
                    findings.push(
                        Finding::new(
                            "FM-2.5",
                            self.name(),
                            Severity::High,
                            conf,
                            Some(other.to_string()),
                            vec![run.span_ref(s.span), run.span_ref(u.span)],
                            format!("{other} ignored {author}'s input «{}»: {what}", flat(&u.text, 160)),
                        )
                        .with_quote(flat(&u.text, 200)),
                    );
                    first_hit = Some(s);
                }
            }
        }
        Verdict::Judged(findings)
    }
}
