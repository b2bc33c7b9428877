//! Content rules on code against the words beside it (FC2): what an author says its code
//! computes against what the code computes.
//!
//! * FM-2.6 `formula_term_dropped`: an output states a formula in symbols (`OBP = (H + BB + HBP)
//!   / (AB + BB + HBP + SF)`) and its code uses most of the formula's symbols but never one of
//!   them: the code leaves out a term its author just wrote down.
//! * FM-2.6 `constant_contradicts_text`: the task or the author's words give a count of
//!   something ("cut into 12 slices"), always the same figure; the author's code sets that
//!   count (`n_slices = 10`) to another figure, which no text gives.
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex::Regex;

use super::super::transcript::{flat, Step, StepKind};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};
use super::content_review::code;

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("regex"))
}

/// The prose of an output: its text outside code fences, without emphasis and inline-code marks.
fn prose(text: &str) -> String {
    text.split("```").step_by(2).collect::<Vec<_>>().join("\n").replace("**", "").replace('`', "")
}

/// Outputs that hold code, in time order (model answers, agent outputs, messages).
fn with_code<'t>(steps: &'t [Step]) -> impl Iterator<Item = (&'t Step, String)> + 't {
    steps
        .iter()
        .filter(|s| matches!(s.kind, StepKind::LlmCall | StepKind::AgentOutput | StepKind::Message))
        .filter_map(|s| code(super::super::text::head(&s.text, 64 * 1024)).map(|c| (s, c)))
        .take(256)
}

/// Identifier tokens and string-literal words of code, lower-cased.
fn code_tokens(c: &str) -> HashSet<String> {
    c.split(|ch: char| !(ch.is_alphanumeric() || ch == '_')).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Formulas in symbols: `NAME = expression` whose expression holds only symbols, figures,
/// operators and parentheses, with at least one operator and three distinct symbols. Each as
/// (the formula's text, its symbols).
fn formulas(text: &str) -> Vec<(String, Vec<String>)> {
    static F: OnceLock<Regex> = OnceLock::new();
    let f = re(&F, r"\b([A-Za-z][A-Za-z0-9_]*)\s*=\s*([A-Za-z0-9_ .+\-*/×÷·()]{3,200})");
    let mut out = Vec::new();
    for c in f.captures_iter(text) {
        let rhs = c[2].trim_end_matches(['.', ' ']);
        if !rhs.contains(['+', '-', '*', '/', '×', '÷', '·']) {
            continue;
        }
        let mut syms: Vec<String> = Vec::new();
        for w in rhs.split(|ch: char| !(ch.is_alphanumeric() || ch == '_')).filter(|w| !w.is_empty()) {
            if w.chars().next().is_some_and(char::is_alphabetic) && !syms.iter().any(|s| s.eq_ignore_ascii_case(w)) && w != &c[1] {
                syms.push(w.to_string());
            }
        }
        // Prose that happens to contain "=": words that are no symbols (lower-case words of four
        // letters or more read as text) make it no formula.
        if syms.len() >= 3 && syms.iter().all(|s| s.len() <= 12) && !syms.iter().any(|s| s.len() >= 4 && s.chars().all(char::is_lowercase))
        {
            out.push((c[0].trim().to_string(), syms));
        }
    }
    out
}

pub struct FormulaTermDropped;

impl Rule for FormulaTermDropped {
    fn name(&self) -> &'static str {
        "formula_term_dropped"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.6"
    }
    fn describes(&self) -> &'static str {
        "formulas an output states in symbols against the symbols its own code uses"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let mut judged = false;
        for (s, c) in with_code(&t.steps) {
            let fs = formulas(&prose(&s.text));
            if fs.is_empty() {
                continue;
            }
            judged = true;
            let toks = code_tokens(&c);
            for (formula, syms) in fs {
                let (used, missing): (Vec<&String>, Vec<&String>) = syms.iter().partition(|x| toks.contains(&x.to_lowercase()));
                // The code implements this formula (two thirds of its symbols, at least two) and
                // leaves some out.
                if missing.is_empty() || used.len() < 2 || used.len() * 3 < syms.len() * 2 {
                    continue;
                }
                let names: Vec<&str> = missing.iter().map(|m| m.as_str()).collect();
                let f = Finding::new(
                    "FM-2.6",
                    self.name(),
                    Severity::High,
                    0.8,
                    s.agent.clone(),
                    vec![run.span_ref(s.span)],
                    format!(
                        "{} states «{}», but its code never uses {} (it uses {}): the code leaves out a term of the formula",
                        s.agent.as_deref().unwrap_or("the author"),
                        flat(&formula, 100),
                        names.join(", "),
                        used.iter().map(|u| u.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )
                .with_quote(flat(&formula, 200));
                return Verdict::Judged(vec![f]);
            }
        }
        if !judged {
            return Verdict::NotJudgeable("no output states a formula beside its code".into());
        }
        Verdict::Judged(Vec::new())
    }
}

/// A noun in a comparable form (lower-case, a plural's final "s" dropped).
fn stem(w: &str) -> String {
    let l = w.to_lowercase();
    match l.strip_suffix('s') {
        Some(x) if x.len() >= 3 && !x.ends_with('s') => x.to_string(),
        _ => l,
    }
}

/// Counts a text gives: "12 slices", "12 equal slices" as (noun stem → figures).
fn counts(text: &str, out: &mut HashMap<String, HashSet<String>>) {
    static C: OnceLock<Regex> = OnceLock::new();
    let c = re(&C, r"\b(\d+)\s+([A-Za-z]{2,})\b(?:\s+([A-Za-z]{4,})\b)?");
    for m in c.captures_iter(text) {
        // The noun is the word after the figure or, after an adjective, the next one.
        for w in [m.get(2), m.get(3)].into_iter().flatten().filter(|w| w.as_str().len() >= 4) {
            out.entry(stem(w.as_str())).or_default().insert(m[1].to_string());
        }
    }
}

/// Code lines that set a count of a noun: `n_slices = 10`, `num_slices = 10`, `slice_count =
/// 10`, `slices = 10` (an integer literal alone on the right). Each as (noun stem, figure, line).
fn set_counts(c: &str) -> Vec<(String, String, String)> {
    static A: OnceLock<Regex> = OnceLock::new();
    let a = re(&A, r"(?m)^\s*([a-z][a-z0-9_]*)\s*=\s*(\d+)\s*(?:#.*)?$");
    let mut out = Vec::new();
    for m in a.captures_iter(c) {
        let parts: Vec<&str> = m[1].split('_').filter(|p| !p.is_empty()).collect();
        let noun = match parts.as_slice() {
            [w] => Some(*w),
            ["n" | "num" | "number" | "no" | "total" | "count", w] => Some(*w),
            [w, "count" | "total"] => Some(*w),
            _ => None,
        };
        if let Some(w) = noun.filter(|w| w.len() >= 4) {
            out.push((stem(w), m[2].to_string(), m[0].trim().to_string()));
        }
    }
    out
}

/// Code lines that set a named parameter: an identifier of two parts or more, each a word of
/// three letters or more (`dim_divisor = 166`), to an integer. Each as (its parts, figure, line).
fn set_params(c: &str) -> Vec<(Vec<String>, String, String)> {
    static A: OnceLock<Regex> = OnceLock::new();
    let a = re(&A, r"(?m)^\s*([a-z][a-z0-9_]*)\s*=\s*(\d+)\s*(?:#.*)?$");
    a.captures_iter(c)
        .filter_map(|m| {
            let parts: Vec<String> = m[1].split('_').map(str::to_string).collect();
            (parts.len() >= 2 && parts.iter().all(|p| p.len() >= 3 && p.chars().all(|ch| ch.is_ascii_alphabetic())))
                .then(|| (parts, m[2].to_string(), m[0].trim().to_string()))
        })
        .collect()
}

/// The figures a text gives a named parameter: "<words> of / is / = / : <integer>" whose one to
/// four words before it hold every part of the name ("a DIM divisor of 139").
fn given_params(text: &str, parts: &[String]) -> HashSet<String> {
    static G: OnceLock<Regex> = OnceLock::new();
    let g = re(&G, r"\b((?:[A-Za-z]+\s+){0,3}[A-Za-z]+)\s*(?:\bof\b|\bis\b|=|:)\s*(\d+)\b");
    g.captures_iter(text)
        // An integer, not the whole part of a decimal or of a figure with thousands ("1.5", "1,200").
        .filter(|m| {
            let rest = m.get(2).map_or("", |x| &text[x.end()..]);
            !(rest.starts_with(['.', ',']) && rest[1..].starts_with(|c: char| c.is_ascii_digit()))
        })
        .filter(|m| {
            let words: Vec<String> = m[1].split_whitespace().map(str::to_lowercase).collect();
            parts.iter().all(|p| words.contains(p))
        })
        .map(|m| m[2].to_string())
        .collect()
}

pub struct ConstantContradictsText;

impl Rule for ConstantContradictsText {
    fn name(&self) -> &'static str {
        "constant_contradicts_text"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.6"
    }
    fn describes(&self) -> &'static str {
        "counts the task or the author's words give (\"12 slices\") against the count the author's code sets (`n_slices = 10`)"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let mut task_counts = HashMap::new();
        if let Some(task) = t.task.as_deref() {
            counts(super::super::text::head(task, 16_000), &mut task_counts);
        }
        let mut judged = false;
        for (s, c) in with_code(&t.steps) {
            if let Some(f) = param_contradicted(run, t.task.as_deref().unwrap_or(""), s, &c, self.name()) {
                return Verdict::Judged(vec![f]);
            }
            let sets = set_counts(&c);
            if sets.is_empty() {
                continue;
            }
            judged = true;
            let mut said = task_counts.clone();
            counts(&prose(&s.text), &mut said);
            for (noun, v, line) in sets {
                let Some(given) = said.get(&noun) else { continue };
                // One figure for the noun in every text, and the code's figure is not it.
                if given.len() != 1 || given.contains(&v) {
                    continue;
                }
                let n = given.iter().next().cloned().unwrap_or_default();
                // Set to the right figure elsewhere in the code: not a contradiction.
                if set_counts(&c).iter().any(|(w, x, _)| *w == noun && *x == n) {
                    continue;
                }
                let f = Finding::new(
                    "FM-2.6",
                    self.name(),
                    Severity::High,
                    0.8,
                    s.agent.clone(),
                    vec![run.span_ref(s.span)],
                    format!(
                        "the text gives {n} {noun}(s), but {}'s code sets «{line}»: the code counts {v}, a figure no text gives",
                        s.agent.as_deref().unwrap_or("the author")
                    ),
                )
                .with_quote(flat(&line, 200));
                return Verdict::Judged(vec![f]);
            }
        }
        if !judged {
            return Verdict::NotJudgeable("no code that sets a count".into());
        }
        Verdict::Judged(Vec::new())
    }
}

/// A named parameter the task or the author's words give one integer for ("a DIM divisor of
/// 139"), set to another in the author's code (`DIM_DIVISOR = 166`).
fn param_contradicted(run: &RunView, task: &str, s: &Step, c: &str, rule: &'static str) -> Option<Finding> {
    let text = format!("{}\n{}", super::super::text::head(task, 16_000), prose(&s.text));
    for (parts, v, line) in set_params(c) {
        let given = given_params(&text, &parts);
        if given.len() != 1 || given.contains(&v) || set_params(c).iter().any(|(p, x, _)| *p == parts && given.contains(x)) {
            continue;
        }
        let n = given.iter().next().cloned().unwrap_or_default();
        return Some(
            Finding::new(
                "FM-2.6",
                rule,
                Severity::High,
                0.8,
                s.agent.clone(),
                vec![run.span_ref(s.span)],
                format!(
                    "the text gives the {} as {n}, but {}'s code sets «{line}»: the code uses {v}, a figure no text gives it",
                    parts.join(" "),
                    s.agent.as_deref().unwrap_or("the author")
                ),
            )
            .with_quote(flat(&line, 200)),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_set_counts() {
        let mut m = HashMap::new();
        counts("A batch uses 300 g of sugar and makes 24 cookies, or 20 cookies when they are made larger.", &mut m);
        let mut got: Vec<&String> = m.get("cookie").map(|s| s.iter().collect()).unwrap_or_default();
        got.sort();
        assert_eq!(got, vec!["20", "24"]);
        let s = set_counts("batch_sugar_g = 300\nn_cookies = 20\nslice_count = 12\nmax_items = 5");
        assert_eq!(s.iter().map(|x| (x.0.as_str(), x.1.as_str())).collect::<Vec<_>>(), vec![("cookie", "20"), ("slice", "12")]);
    }
}
