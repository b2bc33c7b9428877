//! Content rule on figures passed on (FC2): a figure an agent states against the tool result it
//! took it from.
//!
//! * FM-2.6 `figure_misquoted`: a tool result holds a figure (four digits or more); the caller's
//!   next answer states a figure of the same length that is that one with two digits swapped or
//!   one digit changed (not rounded), and never the tool's own figure: the answer says it read
//!   one value and passes on another.
use super::super::facts::significant_numbers;
use super::super::transcript::flat;
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};
use super::content_flow::results_then_answers;

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
/// changed) or one digit changed without making it rounder (more trailing zeros is rounding).
fn misquotes(said: &str, read: &str) -> bool {
    if said.len() != read.len() || said == read || year_like(said) || year_like(read) {
        return false;
    }
    let diff: Vec<usize> = said.bytes().zip(read.bytes()).enumerate().filter(|(_, (a, b))| a != b).map(|(k, _)| k).collect();
    let zeros = |s: &str| s.bytes().rev().take_while(|&b| b == b'0').count();
    match diff[..] {
        [i, j] => said.as_bytes()[i] == read.as_bytes()[j] && said.as_bytes()[j] == read.as_bytes()[i],
        [_] => zeros(said) <= zeros(read),
        _ => false,
    }
}

impl Rule for FigureMisquoted {
    fn name(&self) -> &'static str {
        "figure_misquoted"
    }
    fn mode_id(&self) -> &'static str {
        "FM-2.6"
    }
    fn describes(&self) -> &'static str {
        "figures of each tool result against the figures of the caller's next answer: a near copy (two digits swapped, one changed) stated instead of the figure read"
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
            // Figures the agent had from elsewhere (its input, earlier steps) are not misquotes.
            let known = |n: &str| {
                read.iter().any(|x| x == n)
                    || t.steps[..ans].iter().any(|s| s.kind != r.kind && significant_numbers(&s.text).iter().any(|x| x == n))
            };
            let hit = said.iter().filter(|s| !known(s)).find_map(|s| {
                let sd = digits(s)?;
                read.iter()
                    .filter(|x| !said.contains(x))
                    .find(|x| digits(x).is_some_and(|xd| misquotes(sd, xd)))
                    .map(|x| (s.clone(), x.clone()))
            });
            let Some((s, x)) = hit else { continue };
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
    use super::misquotes;

    #[test]
    fn near_copies_of_a_figure() {
        assert!(misquotes("168400", "186400"), "two digits swapped");
        assert!(misquotes("9412", "9712"), "one digit changed");
        assert!(!misquotes("186000", "186400"), "rounded");
        assert!(!misquotes("186400", "186400"));
        assert!(!misquotes("2023", "2024"), "years");
        assert!(!misquotes("12345", "54321"), "a different figure");
        assert!(!misquotes("1864", "18640"), "another length");
    }
}
