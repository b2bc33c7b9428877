//! The run's search text (`run_search.keywords` / `document`), from bounded accumulators that
//! incremental ingest extends span by span: the same text whatever order the spans arrive in.
use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use super::OrderKey;
use crate::model::SpanRecord;
use crate::normalize::SpanFacts;
use crate::rows::excerpt;

pub const KEYWORDS_MAX: usize = 2 * 1024;
pub const DOCUMENT_MAX: usize = 4 * 1024;
/// Every term is cut to this many bytes.
pub const TERM_MAX: usize = 256;

/// What the search text is built from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchAcc {
    /// Distinct span terms (tool names, error types and messages, models, span names), the
    /// smallest first, as many as can reach the keywords (kept bounded).
    pub terms: BTreeSet<String>,
    /// The first distinct message contents in message order, until the document is full.
    pub messages: Vec<String>,
    pub messages_full: bool,
    /// The run's final output: the last output of a root or agent span (by end time).
    pub final_output: Option<(u64, OrderKey, String)>,
}

impl SearchAcc {
    pub fn add_span(&mut self, s: &SpanRecord, f: &SpanFacts) {
        let mut added = false;
        for v in [&f.tool_name, &f.error_type, &f.error_message, &f.model].into_iter().flatten().chain(std::iter::once(&s.name)) {
            if !v.is_empty() {
                added |= self.terms.insert(excerpt(v, TERM_MAX));
            }
        }
        if added {
            self.trim_terms();
        }
    }

    /// Keeps the smallest terms while the ones before still leave room in the keywords: the
    /// keywords never reach a term dropped here (the prefix and duplicates only fill them sooner).
    fn trim_terms(&mut self) {
        let mut before = 0usize;
        let mut cut: Option<String> = None;
        for t in &self.terms {
            if before >= KEYWORDS_MAX {
                cut = Some(t.clone());
                break;
            }
            before += t.len() + 1;
        }
        if let Some(c) = cut {
            let _ = self.terms.split_off(&c);
        }
    }

    /// A message's content, in message order.
    pub fn add_message(&mut self, content: Option<&str>) {
        let Some(c) = content.filter(|c| !c.is_empty()) else { return };
        if self.messages_full {
            return;
        }
        let c = excerpt(c, TERM_MAX);
        if self.messages.contains(&c) {
            return;
        }
        self.messages.push(c);
        let used: usize = self.messages.iter().map(|m| m.len() + 1).sum();
        self.messages_full = used >= DOCUMENT_MAX;
    }

    /// A root or agent span with an output.
    pub fn add_output(&mut self, s: &SpanRecord, f: &SpanFacts) {
        if let Some(o) = &f.output_text {
            let k = (s.end_time_unix_nano, OrderKey::of(s));
            if self.final_output.as_ref().is_none_or(|(e, key, _)| k > (*e, *key)) {
                self.final_output = Some((k.0, k.1, excerpt(o, TERM_MAX)));
            }
        }
    }

    /// `(keywords, document)`. `keywords` (framework, outcome, agents, then span terms) is
    /// short and trigram-indexed for typo-tolerant matching; `document` adds what agents said to
    /// each other and the final output, for full-text search. Both bounded.
    pub fn build(&self, framework: Option<&str>, reason: Option<&str>, agents: &[&str]) -> (String, String) {
        let mut seen: HashSet<String> = HashSet::new();
        let mut add = |out: &mut String, s: String, max: usize| {
            if out.len() < max && !s.is_empty() && !seen.contains(&s) {
                out.push_str(&s);
                out.push('\n');
                seen.insert(s);
            }
        };
        let mut keywords = String::new();
        for v in framework.into_iter().chain(reason).chain(agents.iter().copied()) {
            add(&mut keywords, excerpt(v, TERM_MAX), KEYWORDS_MAX);
        }
        for t in &self.terms {
            add(&mut keywords, t.clone(), KEYWORDS_MAX);
        }
        let keywords = excerpt(&keywords, KEYWORDS_MAX);
        let mut document = keywords.clone();
        for m in self.messages.iter().chain(self.final_output.as_ref().map(|(_, _, o)| o)) {
            add(&mut document, m.clone(), DOCUMENT_MAX);
        }
        (keywords, excerpt(&document, DOCUMENT_MAX))
    }
}
