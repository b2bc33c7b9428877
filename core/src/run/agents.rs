//! Agent counters, folded span by span the same way by whole-run analysis and by incremental ingest.
use serde::{Deserialize, Serialize};

use super::{OrderKey, StoredSpan};
use crate::normalize::{AgentSummary, SpanCategory, SpanFacts};

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// One agent's counters, as whole-run analysis folds them over the spans it owns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentAcc {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub span_count: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub llm_calls: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tool_calls: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub input_tokens: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub output_tokens: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub errors: i64,
    pub first_seen_ns: Option<u64>,
    pub last_seen_ns: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<(OrderKey, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<(OrderKey, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<(OrderKey, String)>,
    /// Usage reported on the agent's own agent/chain spans (used when no model span counted).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub own_input_tokens: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub own_output_tokens: i64,
    /// LangGraph tool-node detection (`demote_tool_nodes`): raw category counts.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub raw_llm: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub raw_tool: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub node_spans: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub agent_spans: i64,
}

/// What of a span the agent fold reads.
pub struct SpanView<'a> {
    pub category: SpanCategory,
    pub framework: Option<&'a str>,
    /// The span's own agent (not inherited).
    pub own_agent: Option<&'a str>,
    pub role: Option<&'a str>,
    pub agent_id: Option<&'a str>,
    pub graph_node: Option<&'a str>,
    pub is_error: bool,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub tool_name: Option<&'a str>,
}

impl<'a> From<&'a SpanFacts> for SpanView<'a> {
    fn from(f: &'a SpanFacts) -> Self {
        SpanView {
            category: f.category,
            framework: f.framework.as_deref(),
            own_agent: f.agent_name.as_deref(),
            role: f.agent_role.as_deref(),
            agent_id: f.agent_id.as_deref(),
            graph_node: f.graph_node.as_deref(),
            is_error: f.is_error,
            input_tokens: f.input_tokens,
            output_tokens: f.output_tokens,
            tool_name: f.tool_name.as_deref(),
        }
    }
}

impl<'a> From<&'a StoredSpan> for SpanView<'a> {
    /// A stored span that inherits its agent (own agent, role and id are not stored).
    fn from(s: &'a StoredSpan) -> Self {
        SpanView {
            category: s.category,
            framework: s.framework.as_deref(),
            own_agent: None,
            role: None,
            agent_id: None,
            graph_node: None,
            is_error: s.is_error,
            input_tokens: s.input_tokens,
            output_tokens: s.output_tokens,
            tool_name: s.tool_name.as_deref(),
        }
    }
}

fn first(slot: &mut Option<(OrderKey, String)>, key: OrderKey, v: Option<&str>) {
    if let Some(v) = v {
        if slot.as_ref().is_none_or(|(k, _)| key < *k) {
            *slot = Some((key, v.to_string()));
        }
    }
}

impl AgentAcc {
    /// Adds a span owned by `agent`; `parent` is its parent's (category, tool name) when the
    /// parent is in the run (a model call inside a model call, or a tool inside the same tool,
    /// is the same call recorded twice).
    pub fn absorb(&mut self, key: OrderKey, end: u64, f: SpanView<'_>, agent: &str, parent: Option<(SpanCategory, Option<&str>)>) {
        self.span_count += 1;
        self.first_seen_ns = Some(self.first_seen_ns.map_or(key.start, |t| t.min(key.start)));
        self.last_seen_ns = self.last_seen_ns.max(end);
        self.errors += f.is_error as i64;
        first(&mut self.framework, key, f.framework);
        let own = f.own_agent == Some(agent);
        if own {
            first(&mut self.role, key, f.role);
            first(&mut self.agent_id, key, f.agent_id);
        }
        let dup = parent.is_some_and(|(c, _)| c == f.category);
        match f.category {
            SpanCategory::Llm => {
                self.raw_llm += 1;
                if !dup {
                    self.llm_calls += 1;
                    // Saturating: token counts are sender-controlled.
                    self.input_tokens = self.input_tokens.saturating_add(f.input_tokens.unwrap_or(0).max(0));
                    self.output_tokens = self.output_tokens.saturating_add(f.output_tokens.unwrap_or(0).max(0));
                }
            }
            SpanCategory::Tool => {
                self.raw_tool += 1;
                if !(dup && parent.is_some_and(|(_, t)| t == f.tool_name)) {
                    self.tool_calls += 1;
                }
            }
            SpanCategory::Agent | SpanCategory::Chain if own => {
                if f.category == SpanCategory::Agent {
                    self.agent_spans += 1;
                    if f.graph_node == Some(agent) && f.framework == Some("langgraph") {
                        self.node_spans += 1;
                    }
                }
                self.own_input_tokens = self.own_input_tokens.saturating_add(f.input_tokens.unwrap_or(0).max(0));
                self.own_output_tokens = self.own_output_tokens.saturating_add(f.output_tokens.unwrap_or(0).max(0));
            }
            SpanCategory::Agent => self.agent_spans += 1,
            _ => {}
        }
    }

    /// A stored model or tool span that counted, now that its parent arrived, is the same call
    /// as its parent's. False when the sums saturated (not reversible).
    pub(crate) fn uncount(&mut self, s: &StoredSpan) -> bool {
        match s.category {
            SpanCategory::Llm => {
                if self.input_tokens == i64::MAX || self.output_tokens == i64::MAX {
                    return false;
                }
                self.llm_calls -= 1;
                self.input_tokens -= s.input_tokens.unwrap_or(0).max(0);
                self.output_tokens -= s.output_tokens.unwrap_or(0).max(0);
            }
            SpanCategory::Tool => self.tool_calls -= 1,
            _ => {}
        }
        true
    }

    /// A LangGraph node that only runs tools: not an agent (`demote_tool_nodes`).
    pub fn is_tool_node(&self) -> bool {
        self.raw_llm == 0 && self.raw_tool > 0 && self.node_spans > 0 && self.node_spans == self.agent_spans
    }

    pub fn summary(&self, name: &str) -> AgentSummary {
        let (input_tokens, output_tokens) = if self.llm_calls == 0 {
            // No model spans (uninstrumented client): usage reported on agent spans.
            (self.own_input_tokens, self.own_output_tokens)
        } else {
            (self.input_tokens, self.output_tokens)
        };
        AgentSummary {
            agent_name: name.to_string(),
            agent_id: self.agent_id.as_ref().map(|(_, v)| v.clone()),
            role: self.role.as_ref().map(|(_, v)| v.clone()),
            framework: self.framework.as_ref().map(|(_, v)| v.clone()),
            span_count: self.span_count,
            llm_calls: self.llm_calls,
            tool_calls: self.tool_calls,
            input_tokens,
            output_tokens,
            errors: self.errors,
            first_seen_ns: self.first_seen_ns.unwrap_or(0),
            last_seen_ns: self.last_seen_ns,
        }
    }
}

/// A LangGraph node's counts over the spans it owns before demotion (`demote_tool_nodes`): a node
/// that runs tools and never a model is a tool node, not an agent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolNodeCounts {
    pub llm: i64,
    pub tool: i64,
    pub node_spans: i64,
    pub agent_spans: i64,
}

impl ToolNodeCounts {
    pub fn is_tool_node(&self) -> bool {
        self.llm == 0 && self.tool > 0 && self.node_spans > 0 && self.node_spans == self.agent_spans
    }

    /// Counts a stored span the node comes to own (its graph node is not stored): false for an
    /// agent span, which whole-run analysis must count.
    pub fn add_stored(&mut self, category: SpanCategory) -> bool {
        match category {
            SpanCategory::Llm => self.llm += 1,
            SpanCategory::Tool => self.tool += 1,
            SpanCategory::Agent => return false,
            _ => {}
        }
        true
    }

    /// Counts a span the node owns (before demotion).
    pub fn add(&mut self, f: &SpanFacts, node: &str) {
        match f.category {
            SpanCategory::Llm => self.llm += 1,
            SpanCategory::Tool => self.tool += 1,
            SpanCategory::Agent => {
                self.agent_spans += 1;
                if f.graph_node.as_deref() == Some(node) && f.framework.as_deref() == Some("langgraph") {
                    self.node_spans += 1;
                }
            }
            _ => {}
        }
    }
}
