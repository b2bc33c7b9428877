//! Content rule on numeric bounds (FC3): what the run delivered against a limit the task
//! set on a named quantity.
//!
//! * `bound_exceeded`: the task or an agent's instructions bound a named quantity ("amplicon
//!   400–600 bp", "latency below 250 ms", "at least 3 replicas"); the run's final answer states
//!   that quantity (the same unit, a word of the bound's name among the three words before the
//!   figure) outside the bound, in a sentence that does not say it is outside. Blame: the first
//!   agent told to check (check, verify, review, validate, approve ...) that spoke after the
//!   figure first appeared (whether its words name the quantity — checked and passed — or not —
//!   never checked — is said in the explanation); with no such agent, the answer's author. One
//!   mode, FM-3.2: the run's verification let a figure outside the task's bound through.
use std::sync::OnceLock;

use regex::Regex;

use super::super::facts::has_word;
use super::super::transcript::{flat, Step};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};

pub struct BoundExceeded;

/// Units a bound can be written in; a word after a figure that is none of these ("of", "to")
/// makes no bound.
const UNITS: &[&str] = &[
    "%", "°c", "°f", "bp", "kb", "mb", "gb", "tb", "kg", "g", "mg", "mcg", "µg", "ug", "ml", "l", "mm", "cm", "m", "km", "mi", "ft", "lb",
    "lbs", "oz", "ms", "s", "sec", "min", "mins", "minutes", "h", "hr", "hrs", "hours", "days", "weeks", "ppm", "ppb", "mph", "kw", "kwh",
    "mw", "v", "w", "hz", "khz", "mhz", "ghz", "nm", "µm", "um", "rpm", "psi", "kpa", "n·m", "nm", "px", "dpi", "fps", "gbps", "mbps",
];

/// Words that are no name of a quantity.
const NOT_A_NAME: &[&str] = &[
    "the", "a", "an", "of", "is", "be", "are", "was", "with", "and", "or", "to", "in", "on", "at", "for", "from", "between", "within",
    "must", "should", "stay", "stays", "keep", "only", "each", "every", "all", "any", "its", "their", "our", "your", "than", "less",
    "more", "most", "least", "no", "not", "below", "under", "above", "over", "maximum", "minimum", "max", "min", "up", "exceed",
];

fn unit_of(u: &str) -> Option<String> {
    let u = u.trim().to_lowercase().replace(' ', "");
    let u = match u.as_str() {
        "percent" => "%".to_string(),
        "minutes" | "mins" => "min".to_string(),
        "hours" | "hrs" | "hr" => "h".to_string(),
        "lbs" => "lb".to_string(),
        "sec" => "s".to_string(),
        _ => u,
    };
    UNITS.contains(&u.as_str()).then_some(u)
}

const UNIT_RE: &str = r"(%|°\s?[CcFf]\b|percent\b|[A-Za-zµ·]{1,7}\b)";

#[derive(Debug, Clone)]
struct Bound {
    name: Vec<String>,
    unit: String,
    lo: Option<f64>,
    hi: Option<f64>,
    text: String,
}

/// Up to two name words right before byte `at` (lower-cased, not filler words).
fn name_before(text: &str, at: usize) -> Vec<String> {
    text[..at]
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .rev()
        .take(2)
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 2 && w.chars().any(char::is_alphabetic) && !NOT_A_NAME.contains(&w.as_str()))
        .collect()
}

fn bounds(text: &str) -> Vec<Bound> {
    static R: OnceLock<Regex> = OnceLock::new();
    static L: OnceLock<Regex> = OnceLock::new();
    let range = R.get_or_init(|| Regex::new(&format!(r"(\d+(?:\.\d+)?)\s*(?:–|—|-|to)\s*(\d+(?:\.\d+)?)\s*{UNIT_RE}")).expect("regex"));
    let limit = L.get_or_init(|| {
        Regex::new(&format!(
            r"(?i)\b(below|under|less than|at most|no more than|maximum(?: of)?|not (?:to )?exceed(?:ing)?|up to|at least|no less than|minimum(?: of)?)\s+(\d+(?:\.\d+)?)\s*{UNIT_RE}|(≤|<=|≥|>=)\s*(\d+(?:\.\d+)?)\s*{UNIT_RE}"
        ))
        .expect("regex")
    });
    let mut out = Vec::new();
    for c in range.captures_iter(text) {
        let (Ok(a), Ok(b), Some(unit)) = (c[1].parse::<f64>(), c[2].parse::<f64>(), unit_of(&c[3])) else { continue };
        let name = name_before(text, c.get(0).map_or(0, |m| m.start()));
        if a < b && !name.is_empty() {
            out.push(Bound { name, unit, lo: Some(a), hi: Some(b), text: c[0].to_string() });
        }
    }
    for c in limit.captures_iter(text) {
        let (word, num, unit) = match (c.get(1), c.get(4)) {
            (Some(w), _) => (w.as_str().to_lowercase(), &c[2], &c[3]),
            (None, Some(w)) => (w.as_str().to_string(), &c[5], &c[6]),
            _ => continue,
        };
        let (Ok(v), Some(unit)) = (num.parse::<f64>(), unit_of(unit)) else { continue };
        let name = name_before(text, c.get(0).map_or(0, |m| m.start()));
        if name.is_empty() {
            continue;
        }
        let lower = word.starts_with("at least")
            || word.starts_with("no less")
            || word.starts_with("minimum")
            || word.starts_with('≥')
            || word == ">=";
        let (lo, hi) = if lower { (Some(v), None) } else { (None, Some(v)) };
        out.push(Bound { name, unit, lo, hi, text: c[0].to_string() });
    }
    out
}

/// Figures of `bound`'s quantity in `text` outside it, each with its sentence: the unit right
/// after the figure, a name word among the three words before it, not part of a range or a
/// limit, and a sentence that does not call it outside.
fn violations(text: &str, bound: &Bound) -> Vec<(String, String)> {
    static V: OnceLock<Regex> = OnceLock::new();
    let v = V.get_or_init(|| Regex::new(&format!(r"(\d+(?:\.\d+)?)\s*{UNIT_RE}")).expect("regex"));
    let said_outside =
        ["exceed", "outside", "above", "over", "beyond", "too ", "fail", "reject", "out of", "not within", "violat", "instead"];
    let mut out = Vec::new();
    for c in v.captures_iter(text) {
        let (Some(m), Some(num)) = (c.get(0), c.get(1)) else { continue };
        if unit_of(&c[2]).as_deref() != Some(bound.unit.as_str()) {
            continue;
        }
        let before = &text[..m.start()];
        let prev: Vec<String> =
            before.split(|ch: char| !ch.is_alphanumeric()).filter(|w| !w.is_empty()).rev().take(3).map(str::to_lowercase).collect();
        if !prev.iter().any(|w| bound.name.contains(w)) {
            continue;
        }
        // Part of a range ("400–600 bp") or a limit ("below 1%"): a bound restated, not a figure.
        let tail = before.trim_end();
        if tail.ends_with(['–', '—', '-']) || tail.ends_with(" to") || text[m.end()..].trim_start().starts_with(['–', '—', '-']) {
            continue;
        }
        if prev.first().is_some_and(|w| {
            NOT_A_NAME.contains(&w.as_str())
                && ["below", "under", "least", "most", "than", "max", "min", "exceed", "up"].contains(&w.as_str())
        }) {
            continue;
        }
        let Ok(x) = num.as_str().parse::<f64>() else { continue };
        if bound.lo.is_some_and(|lo| x < lo) || bound.hi.is_some_and(|hi| x > hi) {
            let s0 = before.rfind(['.', ';', '\n']).map_or(0, |p| p + 1);
            let s1 = text[m.end()..].find(['.', ';', '\n']).map_or(text.len(), |p| m.end() + p);
            let sentence = text[s0..s1].trim().to_string();
            let low = sentence.to_lowercase();
            if !said_outside.iter().any(|w| low.contains(w)) {
                out.push((num.as_str().to_string(), sentence));
            }
        }
    }
    out
}

const CHECKER: &[&str] = &["check", "verify", "review", "validate", "approve", "compare", "audit", "inspect"];

impl Rule for BoundExceeded {
    fn name(&self) -> &'static str {
        "bound_exceeded"
    }
    fn mode_id(&self) -> &'static str {
        "FM-3.2"
    }
    fn describes(&self) -> &'static str {
        "numeric bounds the task and instructions set on named quantities against the final answer's figures of the same quantity and unit"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let (Some(answer), Some(&last)) = (t.final_output.as_deref(), t.said.last()) else {
            return Verdict::NotJudgeable("no final answer recorded".into());
        };
        let mut all: Vec<(Bound, Option<usize>)> =
            t.task.as_deref().map(bounds).unwrap_or_default().into_iter().map(|b| (b, t.task_span)).collect();
        for ins in &t.instructions {
            all.extend(bounds(&ins.text).into_iter().map(|b| (b, Some(ins.span))));
        }
        if all.is_empty() {
            return Verdict::NotJudgeable("no numeric bound on a named quantity in the task or instructions".into());
        }
        for (bound, source) in &all {
            let Some((num, sentence)) = violations(answer, bound).into_iter().next() else { continue };
            // Where the figure first appeared, and the first agent told to check that spoke after.
            let first = t.steps.iter().position(|s| s.text.contains(num.as_str())).unwrap_or(last);
            let checker: Option<&Step> = t.said.iter().map(|&k| &t.steps[k]).find(|s| {
                s.time_ns >= t.steps[first].time_ns
                    && s.agent.as_deref().and_then(|a| t.instructions_of(a)).is_some_and(|i| CHECKER.iter().any(|w| has_word(&i.text, w)))
            });
            let author = &t.steps[last];
            let (who, why) = match checker {
                Some(c) if bound.name.iter().any(|w| has_word(&c.text, w)) => (c, "checked it and passed it"),
                Some(c) => (c, "approved without checking it"),
                None => (author, "delivered it unchecked"),
            };
            let agent = who.agent.clone();
            let mut spans = vec![run.span_ref(who.span), run.span_ref(author.span)];
            spans.extend(source.map(|s| run.span_ref(s)));
            spans.dedup();
            let f = Finding::new(
                "FM-3.2",
                self.name(),
                Severity::High,
                0.8,
                agent.clone(),
                spans,
                format!(
                    "the task bounds {} («{}»), but the final answer states {num} {}: «{}»; {} {why}",
                    bound.name.iter().rev().cloned().collect::<Vec<_>>().join(" "),
                    bound.text,
                    bound.unit,
                    flat(&sentence, 160),
                    agent.as_deref().unwrap_or("an agent"),
                ),
            )
            .with_quote(flat(&sentence, 200));
            return Verdict::Judged(vec![f]);
        }
        Verdict::Judged(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::{bounds, violations};

    #[test]
    fn bounds_and_figures_outside_them() {
        let b = bounds("Lab SOP constraints: primer Tm 58–62 °C, GC content 40–60%, amplicon 400–600 bp.");
        assert_eq!(b.len(), 3, "{b:?}");
        let amp = b.iter().find(|x| x.unit == "bp").expect("bp");
        assert_eq!(amp.name, vec!["amplicon".to_string()]);
        assert_eq!(violations("Ordered pair 1, expected amplicon 712 bp.", amp).len(), 1);
        assert!(violations("Ordered pair 2, expected amplicon 538 bp.", amp).is_empty());
        assert!(violations("Pair 1 was rejected: its amplicon of 712 bp exceeds the limit.", amp).is_empty());
        assert!(violations("All amplicons are within the amplicon 400–600 bp window.", amp).is_empty());
        let lat = bounds("Keep p99 latency below 250 ms.");
        assert_eq!(lat.len(), 1, "{lat:?}");
        assert_eq!(violations("Shipped: p99 latency 310 ms in the canary.", &lat[0]).len(), 1);
        assert!(bounds("Meet on June 12-14 at the hotel; read pages 10-12 of the report.").is_empty());
    }
}
