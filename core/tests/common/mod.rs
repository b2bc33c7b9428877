//! Synthetic runs for the rule tests: GenAI semantic-convention spans (a workflow root, agent
//! turns with one model call each, tool calls), built in time order.
// Each test crate uses a part of these helpers.
#![allow(dead_code)]

use agenttrace_core::mast::{classify_spans, MastConfig, MastReport};
use agenttrace_core::model::{Attributes, SpanRecord};
use serde_json::{json, Value};

pub fn rec(id: u64, parent: Option<u64>, name: &str, attrs: Value, start: u64, end: u64) -> SpanRecord {
    SpanRecord {
        parent_span_id: parent.map(|p| p.to_be_bytes()),
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        scope_name: "test".into(),
        ..SpanRecord::new([5; 16], id.to_be_bytes(), name, attrs.as_object().cloned().unwrap_or_else(Attributes::new))
    }
}

pub fn msgs(v: &[(&str, &str)]) -> String {
    Value::Array(v.iter().map(|(r, c)| json!({"role": r, "parts": [{"type": "text", "content": c}]})).collect()).to_string()
}

/// `gen_ai.system_instructions` as the conventions record it: a JSON list of text parts.
pub fn instructions(text: &str) -> String {
    json!([{"type": "text", "content": text}]).to_string()
}

pub struct B {
    pub spans: Vec<SpanRecord>,
    pub t: u64,
}

impl B {
    /// A run whose root records the task as its input.
    pub fn new(task: &str) -> Self {
        B { spans: vec![rec(1, None, "workflow", json!({"input.value": task}), 0, 1_000_000)], t: 10 }
    }
    /// A GenAI workflow root (an `invoke_workflow` span) with the task as its input message and
    /// the given system instructions.
    pub fn workflow(task: &str, instr: &str) -> Self {
        let attrs = json!({
            "gen_ai.operation.name": "invoke_workflow",
            "gen_ai.input.messages": msgs(&[("user", task)]),
            "gen_ai.system_instructions": instructions(instr),
        });
        B { spans: vec![rec(1, None, "invoke_workflow", attrs, 0, 1_000_000)], t: 10 }
    }
    pub fn next(&mut self) -> (u64, u64) {
        self.t += 10;
        (self.spans.len() as u64 + 1, self.t)
    }
    /// An agent turn: one model call seeing `input`, answering `output`; `agent_instr` goes on
    /// the `invoke_agent` span as `gen_ai.system_instructions`. Returns the agent span.
    pub fn turn_with(&mut self, agent: &str, agent_instr: Option<&str>, input: &[(&str, &str)], output: &str) -> u64 {
        let (aid, s) = self.next();
        let mut attrs = json!({"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent});
        if let Some(i) = agent_instr {
            attrs["gen_ai.system_instructions"] = json!(instructions(i));
        }
        self.spans.push(rec(aid, Some(1), &format!("invoke_agent {agent}"), attrs, s, s + 8));
        let (lid, _) = self.next();
        let llm = json!({
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "m",
            "gen_ai.input.messages": msgs(input),
            "gen_ai.output.messages": msgs(&[("assistant", output)]),
        });
        self.spans.push(rec(lid, Some(aid), "chat m", llm, s + 1, s + 2));
        aid
    }
    pub fn turn(&mut self, agent: &str, input: &[(&str, &str)], output: &str) -> u64 {
        self.turn_with(agent, None, input, output)
    }
    pub fn tool(&mut self, parent: u64, name: &str, args: &str, result: &str) {
        let (id, s) = self.next();
        let attrs = json!({
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": name,
            "gen_ai.tool.call.arguments": args,
            "gen_ai.tool.call.result": result,
        });
        self.spans.push(rec(id, Some(parent), &format!("execute_tool {name}"), attrs, s, s + 3));
    }
    pub fn report(&self) -> MastReport {
        classify_spans(&self.spans, &MastConfig::default()).1
    }
}
