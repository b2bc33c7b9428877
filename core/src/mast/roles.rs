//! Agent roles from behaviour, never from names: who coordinates (routes turns to others, plans),
//! who works (produces the content), who executes (runs code or tools that another agent wrote).
//!
//! Roles decide how findings turn into blame: a coordinator's routing lines are not turns of work
//! (saying "next speaker X" before every turn is not a loop), and an executor is not the author of
//! the code it ran.
use std::collections::{HashMap, HashSet};

pub use crate::run::text::is_routing_line;
use crate::run::text::names_agent;

/// What roles are inferred from: one agent turn, in time order (the run view's turns, as text).
#[derive(Debug, Clone, Copy)]
pub struct TurnText<'a> {
    pub agent: &'a str,
    pub input: Option<&'a str>,
    pub output: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Routes turns to other agents (short routing lines, or outputs addressed to the agent that
    /// speaks next, to at least two different agents).
    Coordinator,
    /// Produces content.
    Worker,
    /// Runs code that other agents wrote: its inputs carry code, its outputs are execution results.
    Executor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Worker => "worker",
            Role::Executor => "executor",
        }
    }
}

/// Code another agent wrote, as chat agents pass it on: a fenced block.
pub fn has_code(t: &str) -> bool {
    t.contains("```")
}

/// What running code prints about itself.
fn looks_executed(t: &str) -> bool {
    let l = super::text::head(t, 4096).to_lowercase();
    super::text::is_crash_dump(super::text::head(t, 4096))
        || ["exitcode", "exit code", "execution succeeded", "execution failed", "code output", "stdout", "stderr"]
            .iter()
            .any(|m| l.contains(m))
}

/// Roles of the run's agents (agents without turns are not in the map).
pub fn infer(turns: &[TurnText<'_>]) -> HashMap<String, Role> {
    let agents: Vec<&str> = {
        let mut seen = HashSet::new();
        turns.iter().map(|t| t.agent).filter(|a| seen.insert(*a)).collect()
    };
    let mut n_turns: HashMap<&str, usize> = HashMap::new();
    let mut routing: HashMap<&str, usize> = HashMap::new();
    let mut addressed: HashMap<&str, usize> = HashMap::new();
    let mut addressees: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut code_in: HashMap<&str, usize> = HashMap::new();
    let mut code_out: HashMap<&str, usize> = HashMap::new();
    let mut executed: HashMap<&str, usize> = HashMap::new();
    // Outputs of turns given no code, by text: the same reply given twice or more is canned.
    let mut canned: HashMap<&str, HashMap<u64, usize>> = HashMap::new();
    for (k, t) in turns.iter().enumerate() {
        let a = t.agent;
        *n_turns.entry(a).or_default() += 1;
        let others: Vec<&str> = agents.iter().copied().filter(|o| *o != a).collect();
        let out = t.output.unwrap_or("");
        if is_routing_line(out, &others) {
            *routing.entry(a).or_default() += 1;
        }
        if let Some(next) = turns[k + 1..].iter().find(|n| n.agent != a) {
            if !out.is_empty() && names_agent(&out.to_lowercase(), next.agent) {
                *addressed.entry(a).or_default() += 1;
                addressees.entry(a).or_default().insert(next.agent);
            }
        }
        if given_code(turns, k) {
            *code_in.entry(a).or_default() += 1;
        } else if !out.trim().is_empty() {
            *canned.entry(a).or_default().entry(super::text::repeat_hash(out)).or_default() += 1;
        }
        if has_code(out) {
            *code_out.entry(a).or_default() += 1;
        }
        if looks_executed(out) {
            *executed.entry(a).or_default() += 1;
        }
    }
    // Who acts right before each turn of another agent.
    let mut precedes: HashMap<&str, usize> = HashMap::new();
    for w in turns.windows(2) {
        if w[0].agent != w[1].agent {
            *precedes.entry(w[0].agent).or_default() += 1;
        }
    }
    let most = n_turns.values().copied().max().unwrap_or(0);
    let mut roles = HashMap::new();
    for a in agents.iter().copied() {
        let n = n_turns[a];
        let get = |m: &HashMap<&str, usize>| m.get(a).copied().unwrap_or(0);
        // Acts before (nearly) every turn of the others, more often than any of them, and either
        // routes once or has several agents to route between: the orchestrator of a run too
        // short for repeated routing lines.
        let others_turns = turns.len() - n;
        let gatekeeper = {
            others_turns >= 1
                && n >= 3
                && n == most
                && get(&precedes) * 5 >= others_turns * 4
                && (get(&routing) >= 1 || get(&addressed) >= 1 || agents.len() >= 3)
                && !(agents.len() == 2 && get(&routing) == 0 && get(&addressed) == 0)
        };
        // An executor is given code in most of its turns; when it is given the turn without code,
        // it answers with a canned reply ("no code to run"), the same text each time, which is not
        // work of its own either.
        let canned_turns: usize = canned.get(a).map_or(0, |m| m.values().filter(|&&c| c >= 2).sum());
        let role = if get(&code_in) >= 1 && (get(&code_in) + canned_turns) * 5 >= n * 3 && get(&code_out) == 0 && get(&executed) >= 1 {
            Role::Executor
        } else if get(&routing) >= 2
            || (get(&addressed) >= 3 && get(&addressed) * 2 >= n && addressees.get(a).is_some_and(|s| s.len() >= 2))
            || gatekeeper
        {
            Role::Coordinator
        } else {
            Role::Worker
        };
        roles.insert(a.to_string(), role);
    }
    roles
}

/// Whether turn `k` was given code to run: in its own input, or in the last output of another
/// agent.
pub fn given_code(turns: &[TurnText<'_>], k: usize) -> bool {
    let Some(t) = turns.get(k) else { return false };
    t.input.is_some_and(has_code) || turns[..k].iter().rev().find(|p| p.agent != t.agent).and_then(|p| p.output).is_some_and(has_code)
}

/// The turn (index into `turns`) that wrote the code an executor's turn `k` ran: the latest
/// earlier turn of another agent, not an executor, whose output holds code.
pub fn code_author(turns: &[TurnText<'_>], roles: &HashMap<String, Role>, k: usize) -> Option<usize> {
    let me = turns.get(k)?.agent;
    (0..k).rev().find(|&j| {
        let t = &turns[j];
        t.agent != me && roles.get(t.agent) != Some(&Role::Executor) && t.output.is_some_and(has_code)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_lines_name_an_agent_and_little_else() {
        let others = ["WebSurfer", "Coder", "billing_agent"];
        assert!(is_routing_line("Next speaker WebSurfer", &others));
        assert!(is_routing_line("-> Coder", &others));
        assert!(is_routing_line("Transferring to billing_agent.", &others));
        assert!(!is_routing_line("WebSurfer found three schools near the exchange and their hours", &others));
        assert!(!is_routing_line("Next speaker", &others), "names nobody");
        assert!(!is_routing_line("Next speaker WebSurferX", &others), "a name inside another word is not the name");
        assert!(is_routing_line("Next speaker Coder\n/usr/lib/x.py:93: UserWarning: model mismatch", &others), "log noise below");
    }
}
