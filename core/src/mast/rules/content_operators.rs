//! Content rule on comparisons (FC2): the threshold a text states against the comparison the
//! code beside it makes.
//!
//! * FM-2.6 `comparison_flipped`: the task or the author's own words state a comparison with a
//!   figure ("more than 40 units", "strictly above 40", "at most 3"); the code blocks of the same
//!   output compare with that figure only in the same direction with the other strictness
//!   (`>= 40` for "more than 40", `< 3` for "at most 3"). The boundary case goes the wrong way:
//!   the code does not do what its author says it does.
use std::sync::OnceLock;

use regex::Regex;

use super::super::transcript::{flat, StepKind};
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};
use super::content_review::code;

pub struct ComparisonFlipped;

/// Comparisons stated in words: (operator, figure, the words).
fn stated(text: &str) -> Vec<(&'static str, f64, String)> {
    static W: OnceLock<Regex> = OnceLock::new();
    static O: OnceLock<Regex> = OnceLock::new();
    let w = W.get_or_init(|| {
        Regex::new(r"(?i)\b(strictly (?:above|greater than|more than|over|below|less than|under)|more than|greater than|above|exceeding|exceeds|at least|no less than|no fewer than|less than|fewer than|below|at most|no more than)\s+(-?\d+(?:\.\d+)?)\b").expect("regex")
    });
    let o = O
        .get_or_init(|| Regex::new(r"(?i)\b(-?\d+(?:\.\d+)?)\s+or\s+(more|greater|higher|above|fewer|less|lower|below)\b").expect("regex"));
    let mut out = Vec::new();
    for c in w.captures_iter(text) {
        let phrase = c[1].to_lowercase();
        let op = match phrase.as_str() {
            "at least" | "no less than" | "no fewer than" => ">=",
            "at most" | "no more than" => "<=",
            p if p.contains("below") || p.contains("less") || p.contains("fewer") || p.contains("under") => "<",
            _ => ">",
        };
        if let Ok(v) = c[2].parse::<f64>() {
            out.push((op, v, c[0].to_string()));
        }
    }
    for c in o.captures_iter(text) {
        let op = if ["more", "greater", "higher", "above"].contains(&c[2].to_lowercase().as_str()) { ">=" } else { "<=" };
        if let Ok(v) = c[1].parse::<f64>() {
            out.push((op, v, c[0].to_string()));
        }
    }
    out
}

/// Comparisons in code with a figure, as `x op figure` (a figure on the left is turned round).
fn compared(code: &str) -> Vec<(&'static str, f64)> {
    static R: OnceLock<Regex> = OnceLock::new();
    static L: OnceLock<Regex> = OnceLock::new();
    let r = R.get_or_init(|| Regex::new(r"(?:^|[^<>=\-!])(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\b").expect("regex"));
    let l = L.get_or_init(|| Regex::new(r"\b(\d+(?:\.\d+)?)\s*(>=|<=|>|<)\s*[A-Za-z_(\[]").expect("regex"));
    let op = |s: &str| -> &'static str {
        match s {
            ">=" => ">=",
            "<=" => "<=",
            ">" => ">",
            _ => "<",
        }
    };
    let flip = |s: &str| -> &'static str {
        match s {
            ">=" => "<=",
            "<=" => ">=",
            ">" => "<",
            _ => ">",
        }
    };
    let mut out: Vec<(&'static str, f64)> = r.captures_iter(code).filter_map(|c| Some((op(&c[1]), c[2].parse().ok()?))).collect();
    out.extend(l.captures_iter(code).filter_map(|c| Some((flip(&c[2]), c[1].parse().ok()?))));
    out
}

/// The same direction with the other strictness.
fn other_strictness(op: &str) -> &'static str {
    match op {
        ">" => ">=",
        ">=" => ">",
        "<" => "<=",
        _ => "<",
    }
}

impl Rule for ComparisonFlipped {
    fn name(&self) -> &'static str {
        "comparison_flipped"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.6"
    }
    fn describes(&self) -> &'static str {
        "comparisons with a figure stated in the task or the author's words against the comparisons with that figure in the code of the same output"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let task_said = t.task.as_deref().map(stated).unwrap_or_default();
        let mut judged = false;
        for s in t.steps.iter().filter(|s| matches!(s.kind, StepKind::LlmCall | StepKind::AgentOutput | StepKind::Message)) {
            let Some(c) = code(&s.text) else { continue };
            let in_code = compared(&c);
            if in_code.is_empty() {
                continue;
            }
            judged = true;
            let prose: String = s.text.split("```").step_by(2).collect::<Vec<_>>().join("\n");
            let own = stated(&prose);
            let hit = own.iter().map(|x| (x, "its own words")).chain(task_said.iter().map(|x| (x, "the task"))).find(|((op, v, _), _)| {
                let at: Vec<&str> = in_code.iter().filter(|(_, x)| (x - v).abs() < 1e-9).map(|(o, _)| *o).collect();
                !at.is_empty() && !at.contains(op) && at.iter().all(|o| *o == other_strictness(op))
            });
            let Some(((op, v, words), whose)) = hit else { continue };
            let agent = s.agent.clone();
            let mut spans = vec![run.span_ref(s.span)];
            if whose == "the task" {
                spans.extend(t.task_span.map(|k| run.span_ref(k)));
            }
            let f = Finding::new(
                "FM-2.6",
                self.name(),
                Severity::High,
                0.8,
                agent.clone(),
                spans,
                format!(
                    "{whose} say «{words}» (x {op} {v}), but {}'s code compares with {v} as x {} {v}: the boundary case goes the other way",
                    agent.as_deref().unwrap_or("the author"),
                    other_strictness(op)
                ),
            )
            .with_quote(flat(&s.text, 200));
            return Verdict::Judged(vec![f]);
        }
        if !judged {
            return Verdict::NotJudgeable("no code comparing with a figure".into());
        }
        Verdict::Judged(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::{compared, stated};

    #[test]
    fn stated_and_coded_comparisons() {
        let s = stated("SKUs with more than 40 units; at least 3 reviews; 5 or fewer returns; strictly above 0.5.");
        let ops: Vec<(&str, f64)> = s.iter().map(|(o, v, _)| (*o, *v)).collect();
        assert_eq!(ops, vec![(">", 40.0), (">=", 3.0), (">", 0.5), ("<=", 5.0)]);
        let c = compared("mask = (df['stock'] >= 40) & (3 < df.reviews)\nx = a << 2\nf = lambda: y -> 4");
        assert_eq!(c, vec![(">=", 40.0), (">", 3.0)]);
    }
}
