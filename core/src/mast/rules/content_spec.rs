//! Content rules on specifications and actions: what the task and an agent's instructions
//! demand against what the agent produced or did.
//!
//! * FM-1.1 `output_format_violated`: the task demands CSV / JSON only, or a header line; the
//!   answer is something else.
//! * FM-1.2 `role_boundary_crossed`: an agent whose instructions restrict it to handing off
//!   answers the request itself and nobody else acts; or instructions demand a verdict word
//!   ("end with APPROVE or REJECT") that the agent's answer never gives.
//!
//! Actions against what was said or asked are in `content_action.rs`.
use std::sync::OnceLock;

use regex::Regex;

use super::super::facts::significant_numbers;
use super::super::transcript::{flat, Step, StepKind};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};

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
        let fmt = only.captures(task).map(|c| c.get(1).or(c.get(4)).map(|m| m.as_str().to_lowercase()).unwrap_or_default());
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
        if t.utterances()
            .any(|s| s.agent.is_some() && s.text.len() >= 8 && format_break(&s.text, fmt.as_deref(), want_header.as_deref()).is_none())
        {
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
            format!(
                "the task demands {}: {why}",
                if let Some(f) = &fmt { format!("{} only", f.to_uppercase()) } else { "a header line".into() }
            ),
        )
        .with_quote(flat(out, 200))])
    }
}

const COUNTS: &[(&str, usize)] =
    &[("one", 1), ("two", 2), ("three", 3), ("four", 4), ("five", 5), ("six", 6), ("seven", 7), ("eight", 8), ("nine", 9), ("ten", 10)];

/// Item limits ("at most 3 bullet points") and answer languages ("reply in German") of the task
/// broken by the final answer: what was demanded and what came.
fn limit_or_language_break(task: &str, out: &str) -> Option<String> {
    static L: OnceLock<Regex> = OnceLock::new();
    static G: OnceLock<Regex> = OnceLock::new();
    let lim = re(
        &L,
        r"(?i)\b(?:at most|no more than|max(?:imum)?|up to|exactly|only)\s+(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:\w+\s+)?(items|bullets|bullet points|points|options|suggestions|candidates|names|examples|entries)\b",
    );
    if let Some(c) = lim.captures(task) {
        let n = c[1].parse::<usize>().ok().or_else(|| COUNTS.iter().find(|(w, _)| w.eq_ignore_ascii_case(&c[1])).map(|(_, n)| *n))?;
        let items = out
            .lines()
            .map(str::trim_start)
            .filter(|l| {
                l.starts_with("- ") || l.starts_with("* ") || l.starts_with("• ") || {
                    let d = l.chars().take_while(|c| c.is_ascii_digit()).count();
                    d > 0 && d < 3 && l[d..].starts_with(['.', ')'])
                }
            })
            .count();
        if items > n {
            return Some(format!("at most {n} {} («{}»); the answer lists {items}", &c[2], flat(c.get(0).map_or("", |m| m.as_str()), 60)));
        }
    }
    let lang = re(
        &G,
        r"(?i)\b(?:reply|respond|answer|write|written)\b[^.]{0,30}\bin (german|french|spanish|italian|dutch|portuguese|swedish|polish)\b",
    );
    if let Some(c) = lang.captures(task) {
        // An answer in English: English function words make up much of it.
        let words: Vec<String> = out.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphabetic()).to_lowercase()).collect();
        let english = words
            .iter()
            .filter(|w| ["the", "and", "is", "are", "of", "to", "with", "for", "this", "that", "you", "your"].contains(&w.as_str()))
            .count();
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
    let h = re(
        &H,
        r"(?i)\b(hand(?:s|ing)?\s+(?:it\s+|them\s+|every\s+\w+\s+|the\s+\w+\s+)?(?:off|over|to)|route|transfer|forward|delegate|triage)\b",
    );
    let l = re(&L, r"(?i)\b(only|never|do not|don't|must not)\b");
    // "... answer general questions yourself" / "otherwise answer directly": not hand-off only.
    static A: OnceLock<Regex> = OnceLock::new();
    let own = re(&A, r"(?i)\b(answer|reply|respond|resolve)\b[^.]{0,40}\b(yourself|directly)\b|\botherwise\b");
    let answers_itself = instr.split(['.', ';', '\n']).any(|s| own.is_match(s) && !l.is_match(s));
    h.is_match(instr) && l.is_match(instr) && !answers_itself
}

/// Tool names in negated sentences of the instructions ("never call x_y", "do not use x_y"),
/// each with whether the sentence makes an exception ("... unless the Planner relays the user's
/// confirmation"; also "until", "before").
fn forbidden_tools(instr: &str) -> Vec<(String, bool)> {
    static N: OnceLock<Regex> = OnceLock::new();
    let neg = re(&N, r"(?i)\b(never|do not|don't|must not|may not|not allowed to|are not to)\b");
    instr
        .split(['.', ';', '\n'])
        .filter(|s| neg.is_match(s))
        .flat_map(|s| {
            let l = s.to_lowercase();
            let conditional = ["unless", "until", "before"].iter().any(|w| l.contains(w));
            super::super::facts::code_identifiers(s).into_iter().map(move |x| (x, conditional))
        })
        .filter(|(x, _)| !x.contains('.'))
        .collect()
}

/// A call of a tool forbidden with an exception is out of bounds only when the turn's own
/// assignment asked for another of its tools and not this one: the exception was not what the
/// agent was given ("place a hold (hold_room) ... hold only" answered with book_room).
fn assigned_other_tool(run: &RunView, call: &Step, tool: &str, instr: &str) -> bool {
    let Some(k) = run.turn_of[call.span] else { return false };
    let given: String = run.input_texts(&run.turns[k]).collect::<Vec<_>>().join("\n");
    let named = super::super::facts::code_identifiers(super::super::text::head(&given, 16_000));
    !named.iter().any(|n| n == tool) && named.iter().any(|n| n != tool && n.contains('_') && instr.contains(n.as_str()))
}

/// Verdict words the instructions demand ("end with APPROVE or REJECT").
fn demanded_words(instr: &str) -> Vec<String> {
    static D: OnceLock<Regex> = OnceLock::new();
    let d = re(&D, r"\b([A-Z]{4,})\s*(?:\bor\b|/|\|)\s*([A-Z]{4,})\b");
    d.captures_iter(instr).flat_map(|c| [c[1].to_string(), c[2].to_string()]).collect()
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
                // Others acting after its first answer were handed the work (by turn order).
                let first = answers.first().map_or(last.time_ns, |s| s.time_ns);
                let others_after = t.steps.iter().any(|s| s.time_ns > first && s.agent.as_deref().is_some_and(|x| x != a));
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
            if let Some(f) = misrouted(run, ins, self.name()) {
                findings.push(f);
                continue;
            }
            // Tools the instructions forbid this agent ("never call issue_refund yourself").
            let forbidden = forbidden_tools(&ins.text);
            if let Some(call) = t.tool_steps().find(|s| {
                s.agent.as_deref() == Some(a)
                    && s.tool.as_deref().is_some_and(|n| {
                        forbidden.iter().any(|(f, conditional)| f == n && (!conditional || assigned_other_tool(run, s, n, &ins.text)))
                    })
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
            if let Some(f) = computed_against(run, ins, self.name()) {
                findings.push(f);
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

/// An agent whose instructions forbid it to compute ("You never compute or restate statistics
/// yourself") states figures nobody gave it: two or more figures of one answer that no earlier
/// step (task, messages, tool results) holds. They are its own computation.
fn computed_against(run: &RunView, ins: &super::super::transcript::Instruction, rule: &'static str) -> Option<Finding> {
    static C: OnceLock<Regex> = OnceLock::new();
    let c = re(
        &C,
        r"(?i)\b(never|do not|don't|must not|not allowed to|should not)\b[^.;\n]{0,40}\b(compute|calculate|estimate|derive|work out|quote)\b",
    );
    let clause = ins.text.split(['.', ';', '\n']).find(|x| c.is_match(x))?;
    // "never quote amounts yourself": stating amounts at all, also those the data holds.
    let quoting = c.captures(clause).is_some_and(|m| m[2].eq_ignore_ascii_case("quote"));
    static M: OnceLock<Regex> = OnceLock::new();
    let money = re(&M, r"[$€£]\s?\d+(?:,\d{3})*(?:\.\d+)?|\b\d+(?:,\d{3})*(?:\.\d+)?\s?(?:USD|EUR|GBP)\b");
    let t = run.transcript();
    let a = ins.agent.as_str();
    let mut known: std::collections::HashSet<String> = t.task.as_deref().map(significant_numbers).unwrap_or_default().into_iter().collect();
    known.extend(significant_numbers(&ins.text));
    let mut seen_runs: std::collections::HashSet<String> = t.task.as_deref().map(digit_runs).unwrap_or_default().into_iter().collect();
    for s in &t.steps {
        let said = significant_numbers(&s.text);
        let is_answer = s.agent.as_deref() == Some(a) && matches!(s.kind, StepKind::LlmCall | StepKind::AgentOutput | StepKind::Message);
        if is_answer {
            let amounts: Vec<String> =
                if quoting { money.find_iter(&s.text).map(|m| m.as_str().to_string()).collect() } else { Vec::new() };
            let new: Vec<&String> = if amounts.len() >= 2 {
                amounts.iter().collect()
            } else {
                said.iter().filter(|n| !known.contains(*n) && !restated(n, &known, &seen_runs)).collect()
            };
            if new.len() >= 2 {
                return Some(
                    Finding::new(
                        "FM-1.2",
                        rule,
                        Severity::High,
                        0.8,
                        Some(a.to_string()),
                        vec![run.span_ref(s.span), run.span_ref(ins.span)],
                        format!(
                            "{a}'s instructions forbid it to {} («{}»), yet it states {} ({}): «{}»",
                            if quoting { "quote amounts" } else { "compute" },
                            flat(clause.trim(), 120),
                            if amounts.len() >= 2 { "amounts" } else { "figures no earlier step holds" },
                            new.iter().take(4).map(|n| n.as_str()).collect::<Vec<_>>().join(", "),
                            flat(&s.text, 140)
                        ),
                    )
                    .with_quote(flat(&s.text, 200)),
                );
            }
        }
        known.extend(said);
        seen_runs.extend(digit_runs(&s.text));
    }
    None
}

/// Digit runs of a text, also those glued to words ("Day-30", "D30"), bounded.
fn digit_runs(t: &str) -> Vec<String> {
    static D: OnceLock<Regex> = OnceLock::new();
    re(&D, r"\d+(?:\.\d+)?").find_iter(super::super::text::head(t, 32_000)).take(256).map(|m| m.as_str().to_string()).collect()
}

/// A figure the run already holds in another form: a digit run of an earlier text ("30" of
/// "Day-30"), or the sum or difference of two earlier figures ("11 pts lower" for 32.0 and
/// 21.0). Restating is not computing something new.
fn restated(n: &str, known: &std::collections::HashSet<String>, runs: &std::collections::HashSet<String>) -> bool {
    if runs.contains(n) {
        return true;
    }
    let Ok(x) = n.parse::<f64>() else { return false };
    let figs: Vec<f64> = known.iter().filter_map(|k| k.parse::<f64>().ok()).take(128).collect();
    figs.iter().any(|a| figs.iter().any(|b| ((a - b).abs() - x).abs() < 1e-6 || (a + b - x).abs() < 1e-6))
}

/// A name compared loosely: lower-case letters and digits only ("TechSupportAgent" and
/// `transfer_to_techsupportagent`'s "techsupportagent" meet).
fn squash(n: &str) -> String {
    n.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The agents an agent handed the work to, each with the first step that did: its handoff
/// steps, its `transfer_to_*` requests and calls.
fn handed_to<'t>(t: &super::super::transcript::Transcript, a: &str, agents: &[&'t str]) -> Vec<(&'t str, usize)> {
    let mut out: Vec<(&'t str, usize)> = Vec::new();
    for (k, s) in t.steps.iter().enumerate().filter(|(_, s)| s.agent.as_deref() == Some(a)) {
        let mut names: Vec<String> = s.tool_requests.iter().map(|r| r.name.clone()).collect();
        names.extend(s.tool.clone());
        if s.kind == StepKind::Handoff {
            names.extend(s.to.clone());
        }
        for n in names {
            let n = squash(n.strip_prefix("transfer_to_").unwrap_or(&n));
            if let Some(x) = agents.iter().find(|x| squash(x) == n && **x != a) {
                if !out.iter().any(|(y, _)| y == x) {
                    out.push((*x, k));
                }
            }
        }
    }
    out
}

/// A router that handed the request to an agent its own routing instructions do not send it
/// to: its instructions route kinds of request to named agents, clause by clause ("route
/// billing, charge and refund requests to BillingAgent; route bugs and login issues to
/// TechSupportAgent"); the request shares two or more words with another agent's clause and
/// none with the clause of the agent it picked.
fn misrouted(run: &RunView, ins: &super::super::transcript::Instruction, rule: &'static str) -> Option<Finding> {
    use super::super::text::word_set;
    let t = run.transcript();
    let a = ins.agent.as_str();
    // The run's agents, and the names the routing sends to that never acted in this run
    // ("... to BillingAgent": a name-shaped word, CamelCase or snake_case, after "to").
    static TO: OnceLock<Regex> = OnceLock::new();
    let to = re(&TO, r"\bto\s+(?:the\s+)?([A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+|[a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b");
    let mut agents: Vec<&str> = t.instructions.iter().map(|i| i.agent.as_str()).chain(t.roles.keys().map(String::as_str)).collect();
    agents.extend(to.captures_iter(&ins.text).filter_map(|c| c.get(1)).map(|m| m.as_str()));
    agents.sort_by_key(|x| squash(x));
    agents.dedup_by_key(|x| squash(x));
    let targets = handed_to(t, a, &agents);
    let [(target, at)] = targets[..] else { return None };
    let request = word_set(t.task.as_deref()?, 16_000);
    // Each clause that names exactly one other agent: that agent's share of the routing.
    let mut clauses: Vec<(&str, &str, usize)> = Vec::new();
    for clause in ins.text.split(['.', ';', '\n']) {
        let named: Vec<&str> = agents
            .iter()
            .copied()
            .filter(|x| *x != a && clause.split(|c: char| !c.is_alphanumeric() && c != '_').any(|w| squash(w) == squash(x)))
            .collect();
        let [x] = named[..] else { continue };
        let mut words = word_set(clause, 2000);
        for n in &agents {
            for w in word_set(n, 200) {
                words.remove(&w);
            }
        }
        clauses.push((x, clause.trim(), words.iter().filter(|w| request.contains(*w)).count()));
    }
    let picked = clauses.iter().filter(|c| c.0 == target).map(|c| c.2).max()?;
    let (other, clause, hits) = clauses.iter().filter(|c| c.0 != target).max_by_key(|c| c.2)?;
    if picked > 0 || *hits < 2 {
        return None;
    }
    let step = &t.steps[at];
    Some(
        Finding::new(
            "FM-1.2",
            rule,
            Severity::High,
            0.8,
            Some(a.to_string()),
            vec![run.span_ref(step.span), run.span_ref(ins.span)],
            format!(
                "{a} handed the request to {target}, but its instructions send such requests to {other} («{}»): the request shares {hits} words with that clause and none with {target}'s",
                flat(clause, 140)
            ),
        )
        .with_quote(flat(clause, 200)),
    )
}
