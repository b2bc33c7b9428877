//! Storage rows: decoded spans plus normalizer facts, shaped like the `agenttrace.*` tables.
//!
//! Kept here (not in the extension) so the extension, the benchmark's COPY baseline and tests
//! all build exactly the same rows.
use crate::ids::{span_id_to_i64, TraceId};
use crate::model::SpanRecord;
use crate::normalize::SpanFacts;

/// Text columns that duplicate attribute content are cut to this many bytes (the full value
/// stays in `attributes`).
pub const EXCERPT_BYTES: usize = 8 * 1024;

/// Cuts at a char boundary at or below `max` bytes.
pub fn excerpt(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = s[..end].to_string();
    out.push('…');
    out
}

/// Unix nanoseconds -> PostgreSQL timestamptz microseconds (since 2000-01-01).
pub fn pg_micros(unix_nano: u64) -> i64 {
    const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;
    (unix_nano / 1000) as i64 - PG_EPOCH_UNIX_MICROS
}

/// OTLP uint64 nanos into a bigint column (values past 2262 clamp rather than wrap).
pub fn nanos_i64(unix_nano: u64) -> i64 {
    i64::try_from(unix_nano).unwrap_or(i64::MAX)
}

/// Facts from the OTLP status alone, for raw ingest without the framework normalizers.
pub fn status_facts(span: &SpanRecord) -> SpanFacts {
    let is_error = span.status_code == crate::model::status_code::ERROR;
    SpanFacts {
        is_error,
        error_message: (is_error && !span.status_message.is_empty()).then(|| span.status_message.clone()),
        ..SpanFacts::default()
    }
}

/// One `agenttrace.spans` row.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanRow {
    pub trace_id: TraceId,
    pub span_id: i64,
    pub parent_span_id: Option<i64>,
    pub run_id: TraceId,
    pub start_time_pg_micros: i64,
    pub end_time_pg_micros: i64,
    pub start_time_unix_nano: i64,
    pub end_time_unix_nano: i64,
    pub duration_ns: i64,
    pub name: String,
    pub kind: i16,
    pub status_code: i16,
    pub status_message: Option<String>,
    pub service_name: String,
    pub resource_hash: i64,
    pub scope_name: Option<String>,
    pub scope_version: Option<String>,
    pub trace_state: Option<String>,
    pub flags: i32,
    pub attributes_json: String,
    pub dropped_attributes_count: i32,
    pub dropped_events_count: i32,
    pub dropped_links_count: i32,
    pub framework: Option<String>,
    pub instrumentation: Option<String>,
    pub category: &'static str,
    pub agent_name: Option<String>,
    pub agent_id: Option<String>,
    pub agent_role: Option<String>,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cached_tokens: Option<i64>,
    pub reasoning_tokens: Option<i64>,
    pub total_tokens: Option<i64>,
    pub tool_name: Option<String>,
    pub tool_call_id: Option<String>,
    pub is_error: bool,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    pub input_text: Option<String>,
    pub output_text: Option<String>,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn small(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

impl SpanRow {
    pub fn new(span: &SpanRecord, facts: &SpanFacts, run_id: TraceId) -> Self {
        Self::build(span, facts, run_id, true)
    }

    /// The row without its attributes JSON (left empty): for spans already stored, whose facts
    /// are refreshed but whose attributes are not written again, and for the extension's
    /// inserts, which build the jsonb from the attributes map itself.
    pub fn without_attributes(span: &SpanRecord, facts: &SpanFacts, run_id: TraceId) -> Self {
        Self::build(span, facts, run_id, false)
    }

    /// A fingerprint of the normalized facts stored with the span (FNV-1a, stable across builds):
    /// ingest compares it with the stored one and rewrites only spans whose facts changed.
    pub fn facts_hash(&self) -> i64 {
        FactsView {
            run_id: &self.run_id,
            names: [
                &self.framework,
                &self.instrumentation,
                &self.agent_name,
                &self.agent_id,
                &self.agent_role,
                &self.model,
                &self.provider,
            ]
            .map(|s| s.as_deref()),
            category: self.category,
            tokens: [self.input_tokens, self.output_tokens, self.cached_tokens, self.reasoning_tokens, self.total_tokens],
            texts: [&self.tool_name, &self.tool_call_id, &self.error_type, &self.error_message, &self.input_text, &self.output_text]
                .map(|s| s.as_deref()),
            is_error: self.is_error,
        }
        .hash()
    }

    fn build(span: &SpanRecord, facts: &SpanFacts, run_id: TraceId, with_attributes: bool) -> Self {
        let cut = |s: &Option<String>| s.as_deref().map(|s| excerpt(s, EXCERPT_BYTES));
        SpanRow {
            trace_id: span.trace_id,
            span_id: span_id_to_i64(&span.span_id),
            parent_span_id: span.parent_span_id.as_ref().map(span_id_to_i64),
            run_id,
            start_time_pg_micros: pg_micros(span.start_time_unix_nano),
            end_time_pg_micros: pg_micros(span.end_time_unix_nano),
            start_time_unix_nano: nanos_i64(span.start_time_unix_nano),
            end_time_unix_nano: nanos_i64(span.end_time_unix_nano),
            duration_ns: nanos_i64(span.duration_ns()),
            name: span.name.clone(),
            kind: span.kind.clamp(i16::MIN as i32, i16::MAX as i32) as i16,
            status_code: span.status_code.clamp(i16::MIN as i32, i16::MAX as i32) as i16,
            status_message: non_empty(&span.status_message),
            service_name: span.resource.service_name.clone(),
            resource_hash: span.resource.hash,
            scope_name: non_empty(&span.scope_name),
            scope_version: non_empty(&span.scope_version),
            trace_state: non_empty(&span.trace_state),
            flags: span.flags as i32,
            // Serializing a JSON map cannot fail; "{}" keeps the column valid if it ever did.
            attributes_json: if with_attributes {
                serde_json::to_string(&span.attributes).unwrap_or_else(|_| "{}".into())
            } else {
                String::new()
            },
            dropped_attributes_count: small(span.dropped_attributes_count),
            dropped_events_count: small(span.dropped_events_count),
            dropped_links_count: small(span.dropped_links_count),
            framework: facts.framework.clone(),
            instrumentation: facts.instrumentation.clone(),
            category: facts.category.as_str(),
            agent_name: facts.agent_name.clone(),
            agent_id: facts.agent_id.clone(),
            agent_role: cut(&facts.agent_role),
            model: facts.model.clone(),
            provider: facts.provider.clone(),
            input_tokens: facts.input_tokens,
            output_tokens: facts.output_tokens,
            cached_tokens: facts.cached_tokens,
            reasoning_tokens: facts.reasoning_tokens,
            total_tokens: facts.total_tokens,
            tool_name: facts.tool_name.clone(),
            tool_call_id: facts.tool_call_id.clone(),
            is_error: facts.is_error,
            error_type: facts.error_type.clone(),
            error_message: facts.error_message.as_deref().map(|s| excerpt(s, 2 * EXCERPT_BYTES)),
            input_text: cut(&facts.input_text),
            output_text: cut(&facts.output_text),
        }
    }
}

/// The fact columns of a span row, borrowed: [`SpanRow::facts_hash`] of a row, or of a stored
/// span's columns read back (incremental ingest changes a stored span's agent and rehashes).
pub struct FactsView<'a> {
    pub run_id: &'a TraceId,
    /// framework, instrumentation, agent_name, agent_id, agent_role, model, provider
    pub names: [Option<&'a str>; 7],
    pub category: &'a str,
    /// input, output, cached, reasoning, total tokens
    pub tokens: [Option<i64>; 5],
    /// tool_name, tool_call_id, error_type, error_message, input_text, output_text
    pub texts: [Option<&'a str>; 6],
    pub is_error: bool,
}

impl FactsView<'_> {
    pub fn hash(&self) -> i64 {
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        h.bytes(self.run_id);
        for s in self.names {
            h.text(s);
        }
        h.text(Some(self.category));
        for n in self.tokens {
            h.number(n);
        }
        for s in self.texts {
            h.text(s);
        }
        h.bytes(&[self.is_error as u8]);
        h.0 as i64
    }
}

/// FNV-1a, with a marker per field so that (None, "a") and ("a", None) differ.
struct Fnv(u64);

impl Fnv {
    fn bytes(&mut self, b: &[u8]) {
        for x in b {
            self.0 = (self.0 ^ *x as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.bytes(&(s.len() as u64).to_le_bytes());
                self.bytes(s.as_bytes());
            }
            None => self.bytes(&[0xff; 9]),
        }
    }
    fn number(&mut self, n: Option<i64>) {
        match n {
            Some(n) => {
                self.bytes(&[1]);
                self.bytes(&n.to_le_bytes());
            }
            None => self.bytes(&[0]),
        }
    }
}

/// The distinct words of a search document, in first-seen order, for its full-text vector.
/// Identifiers like `research_crew.kickoff` or `tools/lookup:fact` become words; repeats (every
/// `execute_tool lookup_fact` after `lookup_fact`) are dropped, which gives PostgreSQL's text
/// parser a third of the text to read for the same lexemes. Rank by position changes a little:
/// a word counts once per run.
pub fn search_words(document: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out = String::with_capacity(document.len() / 2);
    for word in document.split(|c: char| c.is_whitespace() || matches!(c, '.' | '_' | '/' | ':')) {
        if !word.is_empty() && seen.insert(word.to_lowercase()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// Totals of one run over all its spans, for `run_summaries`. Ingest has every span of a run in
/// memory (new ones and those stored before), so it sums them here instead of reading the run's
/// spans back from the table.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunTotals {
    pub start_pg_micros: Option<i64>,
    pub end_pg_micros: Option<i64>,
    pub trace_count: i32,
    pub span_count: i32,
    pub error_spans: i32,
    pub llm_calls: i32,
    pub tool_calls: i32,
    /// Token sums over LLM spans only (agent and chain spans often repeat their children's).
    pub input_tokens: i64,
    pub output_tokens: i64,
    /// Service and name of the root span (no parent) that lasted longest, earliest on ties.
    pub root_service: Option<String>,
    pub root_name: Option<String>,
    root_rank: Option<(i64, i64)>,
    #[serde(with = "trace_set")]
    traces: std::collections::BTreeSet<TraceId>,
}

impl RunTotals {
    pub fn add(&mut self, row: &SpanRow) {
        self.start_pg_micros = Some(self.start_pg_micros.map_or(row.start_time_pg_micros, |t| t.min(row.start_time_pg_micros)));
        self.end_pg_micros = Some(self.end_pg_micros.map_or(row.end_time_pg_micros, |t| t.max(row.end_time_pg_micros)));
        // A set: a run of many traces (AutoGen splits one run into dozens) stays linear.
        if self.traces.insert(row.trace_id) {
            self.trace_count = self.traces.len() as i32;
        }
        self.span_count = self.span_count.saturating_add(1);
        self.error_spans = self.error_spans.saturating_add(row.is_error as i32);
        match row.category {
            "llm" => {
                self.llm_calls = self.llm_calls.saturating_add(1);
                self.input_tokens = self.input_tokens.saturating_add(row.input_tokens.unwrap_or(0));
                self.output_tokens = self.output_tokens.saturating_add(row.output_tokens.unwrap_or(0));
            }
            "tool" => self.tool_calls = self.tool_calls.saturating_add(1),
            _ => {}
        }
        if row.parent_span_id.is_none() {
            // Longest first, then earliest: rank by (duration, -start).
            let rank = (row.duration_ns, row.start_time_pg_micros.saturating_neg());
            if self.root_rank.is_none_or(|r| rank > r) {
                self.root_rank = Some(rank);
                self.root_service = Some(row.service_name.clone());
                self.root_name = Some(row.name.clone());
            }
        }
    }
}

/// Trace ids stored as hex strings.
mod trace_set {
    use std::collections::BTreeSet;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::ids::{from_hex, to_hex, TraceId};

    pub fn serialize<S: Serializer>(ids: &BTreeSet<TraceId>, s: S) -> Result<S::Ok, S::Error> {
        ids.iter().map(|t| to_hex(t)).collect::<Vec<_>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeSet<TraceId>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| from_hex::<16>(t).ok_or_else(|| serde::de::Error::custom("trace id: 32 hex digits")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_respects_char_boundaries() {
        assert_eq!(excerpt("héllo", 2), "h…");
        assert_eq!(excerpt("abc", 3), "abc");
    }

    #[test]
    fn timestamps() {
        // 2000-01-01T00:00:00Z is PostgreSQL's zero.
        assert_eq!(pg_micros(946_684_800_000_000_000), 0);
        assert_eq!(pg_micros(946_684_800_000_001_999), 1);
        assert_eq!(nanos_i64(u64::MAX), i64::MAX);
    }

    fn row(trace: u8, parent: Option<i64>, start: i64, dur: i64, category: &'static str) -> SpanRow {
        SpanRow {
            trace_id: [trace; 16],
            span_id: start,
            parent_span_id: parent,
            run_id: [1; 16],
            start_time_pg_micros: start,
            end_time_pg_micros: start + dur / 1000,
            start_time_unix_nano: 0,
            end_time_unix_nano: 0,
            duration_ns: dur,
            name: format!("span{start}"),
            kind: 0,
            status_code: 0,
            status_message: None,
            service_name: format!("svc{trace}"),
            resource_hash: 0,
            scope_name: None,
            scope_version: None,
            trace_state: None,
            flags: 0,
            attributes_json: "{}".into(),
            dropped_attributes_count: 0,
            dropped_events_count: 0,
            dropped_links_count: 0,
            framework: None,
            instrumentation: None,
            category,
            agent_name: None,
            agent_id: None,
            agent_role: None,
            model: None,
            provider: None,
            input_tokens: Some(10),
            output_tokens: Some(5),
            cached_tokens: None,
            reasoning_tokens: None,
            total_tokens: None,
            tool_name: None,
            tool_call_id: None,
            is_error: category == "tool",
            error_type: None,
            error_message: None,
            input_text: None,
            output_text: None,
        }
    }

    #[test]
    fn search_words_split_identifiers_and_drop_repeats() {
        let doc = "research_crew.kickoff\nexecute_tool lookup_fact\nlookup_fact\nLookup tools/web:search\n\n  ";
        assert_eq!(search_words(doc), "research crew kickoff execute tool lookup fact tools web search");
        assert_eq!(search_words(""), "");
        assert_eq!(search_words("Grüße grüße ÉCOLE école"), "Grüße ÉCOLE");
    }

    #[test]
    fn facts_hash_changes_with_any_fact_and_only_with_facts() {
        let a = row(1, None, 100, 50_000, "agent");
        let same_facts_other_attributes =
            SpanRow { attributes_json: "{\"x\":1}".into(), name: "other".into(), ..row(1, None, 100, 50_000, "agent") };
        assert_eq!(a.facts_hash(), same_facts_other_attributes.facts_hash());
        let changes: Vec<SpanRow> = vec![
            SpanRow { agent_name: Some("writer".into()), ..row(1, None, 100, 50_000, "agent") },
            SpanRow { category: "llm", ..row(1, None, 100, 50_000, "agent") },
            SpanRow { input_tokens: None, ..row(1, None, 100, 50_000, "agent") },
            SpanRow { is_error: true, ..row(1, None, 100, 50_000, "agent") },
            SpanRow { run_id: [2; 16], ..row(1, None, 100, 50_000, "agent") },
            // the same text in a neighbouring field is a different fact
            SpanRow { agent_id: Some("x".into()), ..row(1, None, 100, 50_000, "agent") },
            SpanRow { agent_role: Some("x".into()), ..row(1, None, 100, 50_000, "agent") },
        ];
        let mut hashes: Vec<i64> = changes.iter().map(SpanRow::facts_hash).collect();
        hashes.push(a.facts_hash());
        let n = hashes.len();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), n, "two different fact sets hashed alike");
    }

    #[test]
    fn run_totals_count_like_the_summary_sql() {
        use crate::normalize::SpanCategory;
        let mut t = RunTotals::default();
        assert_eq!(t.start_pg_micros, None);
        for r in [
            row(1, None, 100, 50_000, SpanCategory::Agent.as_str()),
            row(1, Some(100), 120, 10_000, SpanCategory::Llm.as_str()),
            row(2, None, 90, 50_000, SpanCategory::Chain.as_str()), // same length, earlier: the root
            row(2, Some(90), 130, 80_000, SpanCategory::Tool.as_str()), // longer but not a root
            row(2, Some(90), 140, 1_000, SpanCategory::Llm.as_str()),
        ] {
            t.add(&r);
        }
        assert_eq!((t.start_pg_micros, t.end_pg_micros), (Some(90), Some(210)));
        assert_eq!((t.trace_count, t.span_count, t.error_spans, t.llm_calls, t.tool_calls), (2, 5, 1, 2, 1));
        // Only LLM spans' tokens count: agent spans repeat their children's.
        assert_eq!((t.input_tokens, t.output_tokens), (20, 10));
        assert_eq!((t.root_service.as_deref(), t.root_name.as_deref()), (Some("svc2"), Some("span90")));
    }
}
