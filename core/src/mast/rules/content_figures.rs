//! Content rule on figures passed on (FC2): a figure an agent states against the tool result it
//! took it from.
//!
//! * FM-2.6 `figure_misquoted`: a tool result holds a figure (four digits or more); the caller's
//!   next answer states a figure of the same length that is that one with two digits swapped
//!   (a figure no earlier step holds and no sum or difference of two figures gives), and never
//!   the tool's own figure: the answer says it read one value and passes on another.
use super::super::facts::significant_numbers;
use super::super::transcript::flat;
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};
use super::content_flow::results_then_answers;
use std::collections::HashSet;

pub struct FigureMisquoted;

/// The digits of a canonical figure (sign, point and fraction dropped: "186400" of "186400").
fn digits(n: &str) -> Option<&str> {
    let int = n.trim_start_matches('-').split('.').next()?;
    (int.len() >= 4 && int.bytes().all(|b| b.is_ascii_digit())).then_some(int)
}

/// A year-like figure (1900-2099): dates are quoted in many shapes and are no amounts.
fn year_like(d: &str) -> bool {
    d.len() == 4 && (d.starts_with("19") || d.starts_with("20"))
}

/// `said` is `read` misquoted: same length, two digits swapped (adjacent or not, nothing else
/// changed). A single changed digit is too common between unrelated figures to tell.
fn misquotes(said: &str, read: &str) -> bool {
    if said.len() != read.len() || said == read || year_like(said) || year_like(read) {
        return false;
    }
    let diff: Vec<usize> = said.bytes().zip(read.bytes()).enumerate().filter(|(_, (a, b))| a != b).map(|(k, _)| k).collect();
    match diff[..] {
        [i, j] => said.as_bytes()[i] == read.as_bytes()[j] && said.as_bytes()[j] == read.as_bytes()[i],
        _ => false,
    }
}

/// A figure another figure of the run gives by one sum or difference of two (a subtotal, a
/// remainder): computed, not quoted. One pass over `known`, the others looked up by value (in
/// hundredths).
fn derived(n: &str, known: &[f64]) -> bool {
    let Ok(v) = n.parse::<f64>() else { return false };
    let cents = |x: f64| (x * 100.0).round() as i64;
    let set: HashSet<i64> = known.iter().map(|&x| cents(x)).collect();
    // v = a + b, v = a - b, v = b - a: the other term is v - a, a - v or v + a.
    known.iter().any(|&a| [v - a, a - v, v + a].iter().any(|&b| cents(b) != cents(a) && set.contains(&cents(b))))
}

impl Rule for FigureMisquoted {
    fn name(&self) -> &'static str {
        "figure_misquoted"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.6"
    }
    fn describes(&self) -> &'static str {
        "figures of each tool result against the figures of the caller's next answer: a near copy (two digits swapped) stated instead of the figure read, unless an earlier step holds it or a sum or difference of two figures gives it"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let pairs = results_then_answers(run, &t.steps);
        if pairs.is_empty() {
            return Verdict::NotJudgeable("no tool result followed by an answer of its caller".into());
        }
        let mut findings = Vec::new();
        for (tool, ans) in pairs {
            let (r, a) = (&t.steps[tool], &t.steps[ans]);
            let read = significant_numbers(&r.text);
            let said = significant_numbers(&a.text);
            let near: Vec<(String, String)> = said
                .iter()
                .filter_map(|s| {
                    let sd = digits(s)?;
                    read.iter()
                        .filter(|x| !said.contains(x))
                        .find(|x| digits(x).is_some_and(|xd| misquotes(sd, xd)))
                        .map(|x| (s.clone(), x.clone()))
                })
                .collect();
            if near.is_empty() {
                continue;
            }
            // Figures the agent had from elsewhere (its input, other results, earlier steps), or
            // computed from them, are not misquotes. Looked at only for a near copy (rare): the
            // earlier steps of a long run are many.
            let earlier: Vec<String> = t.steps[..ans].iter().flat_map(|s| significant_numbers(&s.text)).collect();
            let values: Vec<f64> = earlier.iter().chain(&said).filter_map(|x| x.parse().ok()).collect();
            let known = |n: &str| earlier.iter().any(|x| x == n) || derived(n, &values);
            let Some((s, x)) = near.into_iter().find(|(s, _)| !known(s)) else { continue };
            findings.push(
                Finding::new(
                    "FM-2.6",
                    self.name(),
                    Severity::High,
                    0.8,
                    a.agent.clone(),
                    vec![run.span_ref(a.span), run.span_ref(r.span)],
                    format!(
                        "{}'s {} result says {x}, but its answer states {s} and never {x}: «{}»",
                        a.agent.as_deref().unwrap_or("an agent"),
                        r.tool.as_deref().unwrap_or("tool"),
                        flat(&a.text, 160)
                    ),
                )
                .with_quote(flat(&r.text, 200)),
            );
            break;
        }
        Verdict::Judged(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::{derived, misquotes};

    #[test]
    fn near_copies_of_a_figure() {
        assert!(misquotes("168400", "186400"), "two digits swapped");
        assert!(!misquotes("9412", "9712"), "one digit changed: too common to tell");
        assert!(!misquotes("186000", "186400"), "rounded");
        assert!(!misquotes("186400", "186400"));
        assert!(!misquotes("2023", "2024"), "years");
        assert!(!misquotes("12345", "54321"), "a different figure");
        assert!(!misquotes("1864", "18640"), "another length");
        assert!(derived("14250", &[12450.0, 1800.0, 96400.0]), "a sum of two figures");
        assert!(!derived("168400", &[186400.0, 12.0]));
    }
}
