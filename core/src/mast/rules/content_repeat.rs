//! Content rule on repeated actions (FC1): a call that creates something, made again with the
//! same arguments, that created a second one.
//!
//! * FM-1.3 `write_repeated`: a tool whose name starts with a verb that creates or sends
//!   (add, create, insert, book, submit, send ...) succeeded, and the same agent called it again
//!   with arguments identical in full; both results are JSON objects whose identifier field
//!   (`id`, `line_id`, `order_id` ...) differs: the second call made a duplicate. A retry after a
//!   failure, a read repeated, or a call with any differing argument is not one.
use serde_json::Value;

use super::super::facts::reports_error;
use super::super::text::head;
use super::super::transcript::flat;
use super::super::{Finding, MastConfig, Rule, RunView, Severity, Verdict};

pub struct WriteRepeated;

/// Verbs of tools that create a record or an effect each time they run.
const CREATING: &[&str] = &[
    "add", "append", "create", "insert", "book", "submit", "send", "post", "place", "issue", "charge", "pay", "register", "file", "open",
    "new",
];

fn creates(tool: &str) -> bool {
    let first = tool.split(['_', '-', '.']).next().unwrap_or("");
    // camelCase: "addLineItem" starts with "add"; "AddLine" with "add" too.
    let mut chars = first.chars();
    let head: String = chars.next().into_iter().chain(chars.take_while(|c| c.is_lowercase())).collect();
    CREATING.contains(&head.to_lowercase().as_str())
}

/// The arguments in a canonical form (JSON re-serialised with sorted keys; other text trimmed).
fn canonical(args: &str) -> String {
    match serde_json::from_str::<Value>(head(args, 64 * 1024)) {
        Ok(v) => v.to_string(),
        Err(_) => args.trim().to_string(),
    }
}

/// Identifier fields of a JSON object result: keys `id` or ending in `_id` / `Id`, with a
/// string or number value.
fn identifiers(result: &str) -> Vec<(String, String)> {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(head(result, 64 * 1024)) else { return Vec::new() };
    m.iter()
        .filter(|(k, v)| (k.as_str() == "id" || k.ends_with("_id") || k.ends_with("Id")) && (v.is_string() || v.is_number()))
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect()
}

impl Rule for WriteRepeated {
    fn name(&self) -> &'static str {
        "write_repeated"
    }
    fn mode_id(&self) -> &'static str {
        "FM-1.3"
    }
    fn describes(&self) -> &'static str {
        "calls of creating tools (add, create, book, submit ...) repeated by the same agent with identical arguments, whose results carry different identifiers"
    }
    fn check(&self, run: &RunView, _cfg: &MastConfig) -> Verdict {
        let t = run.transcript();
        let calls: Vec<_> = t
            .tool_steps()
            .filter(|s| !s.is_error && !reports_error(&s.text) && s.tool.as_deref().is_some_and(creates) && s.arguments.is_some())
            .take(512)
            .collect();
        if calls.is_empty() {
            return Verdict::NotJudgeable("no successful call of a creating tool with recorded arguments".into());
        }
        let keyed: Vec<(String, Vec<(String, String)>)> =
            calls.iter().map(|s| (canonical(s.arguments.as_deref().unwrap_or("")), identifiers(&s.text))).collect();
        for (j, second) in calls.iter().enumerate() {
            let Some(i) = (0..j).find(|&i| {
                let first = calls[i];
                first.agent == second.agent
                    && first.tool == second.tool
                    && keyed[i].0 == keyed[j].0
                    && keyed[i].1.iter().any(|(k, v)| keyed[j].1.iter().any(|(k2, v2)| k == k2 && v != v2))
            }) else {
                continue;
            };
            let first = calls[i];
            let tool = second.tool.as_deref().unwrap_or("tool");
            let (k, v1) =
                keyed[i].1.iter().find(|(k, v)| keyed[j].1.iter().any(|(k2, v2)| k == k2 && v != v2)).cloned().unwrap_or_default();
            let v2 = keyed[j].1.iter().find(|(k2, _)| *k2 == k).map(|(_, v)| v.clone()).unwrap_or_default();
            return Verdict::Judged(vec![Finding::new(
                "FM-1.3",
                self.name(),
                Severity::High,
                0.8,
                second.agent.clone(),
                vec![run.span_ref(second.span), run.span_ref(first.span)],
                format!(
                    "{} called {tool} again with the same arguments ({}) after it had succeeded: the second call created another record ({k} {v1}, then {v2})",
                    second.agent.as_deref().unwrap_or("an agent"),
                    flat(second.arguments.as_deref().unwrap_or(""), 120)
                ),
            )
            .with_quote(flat(&second.text, 200))]);
        }
        Verdict::Judged(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn creating_verbs_in_snake_and_camel_case() {
        assert!(super::creates("add_line_item") && super::creates("addLineItem") && super::creates("BookRoom"));
        assert!(!super::creates("get_invoice") && !super::creates("address_lookup") && !super::creates("books_search"));
    }
}
