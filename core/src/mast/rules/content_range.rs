//! Content rule on a checker's summary of the data it checked (FC3).
//!
//! * FM-3.3 `range_misstated`: a tool result earlier in the run holds a list of figures (a JSON
//!   array of numbers, or of objects sharing a numeric field, three or more); a checking agent
//!   (its instructions say check, verify, review, validate, compare, inspect, or its words pass
//!   the data: pass, within, meets, approved) states the range of that list as "range A–B" with
//!   both A and B figures of the list, while the list holds a figure outside A–B. The check
//!   read the data and reported a range the data contradicts.
use std::sync::OnceLock;

use regex::Regex;

use super::super::facts::has_word;
use super::super::transcript::{flat, StepKind};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};

pub struct RangeMisstated;

/// The numeric lists of a JSON text: arrays of numbers, and for arrays of objects each numeric
/// field all of them have. Lists of three or more.
fn numeric_lists(text: &str) -> Vec<Vec<f64>> {
    fn walk(v: &serde_json::Value, out: &mut Vec<Vec<f64>>, d: usize) {
        if d > 5 {
            return;
        }
        match v {
            serde_json::Value::Array(a) if a.len() >= 3 && a.len() <= 10_000 => {
                let nums: Vec<f64> = a.iter().filter_map(serde_json::Value::as_f64).collect();
                if nums.len() == a.len() {
                    out.push(nums);
                    return;
                }
                if let Some(first) = a.first().and_then(|x| x.as_object()) {
                    for key in first.keys() {
                        let col: Vec<f64> = a.iter().filter_map(|x| x.get(key).and_then(serde_json::Value::as_f64)).collect();
                        if col.len() == a.len() {
                            out.push(col);
                        }
                    }
                }
                a.iter().for_each(|x| walk(x, out, d + 1));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out, d + 1)),
            serde_json::Value::Object(o) => o.values().for_each(|x| walk(x, out, d + 1)),
            serde_json::Value::String(s) if s.trim_start().starts_with(['{', '[']) && d < 3 => {
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

/// "range 11.8–12.3", "ranged from 4 to 9": (low, high, the words).
fn stated_ranges(text: &str) -> Vec<(f64, f64, String)> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = R.get_or_init(|| {
        Regex::new(r"(?i)\brang(?:e|ed|es|ing)\b[^0-9.\n]{0,24}(-?\d+(?:\.\d+)?)\s*(?:–|—|-|to)\s*(-?\d+(?:\.\d+)?)").expect("regex")
    });
    r.captures_iter(text)
        .filter_map(|c| {
            let (a, b) = (c[1].parse::<f64>().ok()?, c[2].parse::<f64>().ok()?);
            (a < b).then(|| (a, b, c[0].to_string()))
        })
        .collect()
}

const CHECKER: &[&str] = &["check", "verify", "review", "validate", "compare", "inspect", "audit"];
const PASSES: &[&str] = &["pass", "passed", "within", "meets", "approved", "conforming", "ok"];

fn fmt(x: f64) -> String {
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Rule for RangeMisstated {
    fn name(&self) -> &'static str {
        "range_misstated"
    }
    fn mode_id(&self) -> &'static str {
        "FM-3.3"
    }
    fn describes(&self) -> &'static str {
        "ranges a checking agent states (\"range A–B\") against the numeric lists of earlier tool results that hold both A and B"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let mut lists: Vec<(usize, Vec<f64>)> = Vec::new();
        let mut judged = false;
        for (k, s) in t.steps.iter().enumerate() {
            if s.kind == StepKind::ToolCall {
                lists.extend(numeric_lists(&s.text).into_iter().map(|l| (k, l)));
                continue;
            }
            if lists.is_empty() || !matches!(s.kind, StepKind::LlmCall | StepKind::AgentOutput | StepKind::Message) {
                continue;
            }
            let Some(agent) = s.agent.as_deref() else { continue };
            let checker = t.instructions_of(agent).is_some_and(|i| CHECKER.iter().any(|w| has_word(&i.text, w)))
                || PASSES.iter().any(|w| has_word(&s.text, w));
            if !checker {
                continue;
            }
            for (lo, hi, words) in stated_ranges(&s.text) {
                let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
                let Some((src, list)) = lists.iter().find(|(_, l)| l.iter().any(|&x| near(x, lo)) && l.iter().any(|&x| near(x, hi))) else {
                    continue;
                };
                judged = true;
                let Some(&out) = list.iter().find(|&&x| x < lo - 1e-9 || x > hi + 1e-9) else { continue };
                let f = Finding::new(
                    "FM-3.3",
                    self.name(),
                    Severity::High,
                    0.8,
                    Some(agent.to_string()),
                    vec![run.span_ref(s.span), run.span_ref(t.steps[*src].span)],
                    format!(
                        "{agent} states «{}» of the figures {} returned, but they include {} (outside {}–{}): «{}»",
                        flat(&words, 60),
                        t.steps[*src].tool.as_deref().unwrap_or("a tool"),
                        fmt(out),
                        fmt(lo),
                        fmt(hi),
                        flat(&s.text, 140)
                    ),
                )
                .with_quote(flat(&t.steps[*src].text, 200));
                return Verdict::Judged(vec![f]);
            }
        }
        if !judged {
            return Verdict::NotJudgeable("no stated range of a list of figures a tool returned".into());
        }
        Verdict::Judged(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::{numeric_lists, stated_ranges};

    #[test]
    fn lists_and_ranges() {
        let l = numeric_lists(
            r#"{"lot": "L-1", "samples": [{"id": "S1", "value": 12.1}, {"id": "S2", "value": 11.8}, {"id": "S3", "value": 12.7}], "n": [1, 2, 3]}"#,
        );
        assert!(l.contains(&vec![12.1, 11.8, 12.7]), "{l:?}");
        assert!(l.contains(&vec![1.0, 2.0, 3.0]), "{l:?}");
        let r = stated_ranges("Observed range 11.8–12.3 N·m, mean 12.14. Values ranged from 4 to 9.");
        assert_eq!(r.iter().map(|(a, b, _)| (*a, *b)).collect::<Vec<_>>(), vec![(11.8, 12.3), (4.0, 9.0)]);
    }
}
