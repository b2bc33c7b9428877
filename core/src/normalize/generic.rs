//! Fallback for any OpenTelemetry span: service, span kind, HTTP / database / RPC / messaging
//! attributes. Sets only what nothing more specific will set.
use super::util::{first, s};
use super::{SpanCategory, SpanFacts, Vocabulary};
use crate::model::{span_kind, SpanRecord};

pub struct Generic;

impl Vocabulary for Generic {
    fn name(&self) -> &'static str {
        "generic"
    }

    fn detect(&self, _span: &SpanRecord) -> bool {
        true
    }

    fn apply(&self, span: &SpanRecord, f: &mut SpanFacts) {
        let has = |k: &str| span.attributes.contains_key(k);
        if has("db.system") || has("db.system.name") || has("db.query.text") || has("db.statement") {
            // A database read is the closest thing to retrieval a generic service does.
            f.category = SpanCategory::Retrieval;
            f.input_text = first(span, &["db.query.text", "db.statement"]);
        } else if s(span, "messaging.system").is_some() && matches!(span.kind, span_kind::PRODUCER | span_kind::CONSUMER) {
            f.category = SpanCategory::Messaging;
        } else {
            f.category = SpanCategory::Other;
        }
        if has("http.request.method") || has("http.method") || has("rpc.system") {
            f.input_text = first(span, &["url.full", "http.url", "url.path", "http.target", "rpc.method"]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::span;
    use super::*;
    use serde_json::json;

    #[test]
    fn db_and_unknown() {
        let s1 = span("SELECT", &[("db.system", json!("postgresql")), ("db.query.text", json!("select 1"))]);
        let f = super::super::span_facts(&s1);
        assert_eq!(f.category, SpanCategory::Retrieval);
        assert_eq!(f.input_text.as_deref(), Some("select 1"));
        let s2 = span("GET /", &[("http.request.method", json!(7)), ("url.full", json!(["bad"]))]);
        let f = super::super::span_facts(&s2);
        assert_eq!(f.category, SpanCategory::Other);
        assert_eq!(f.input_text, None);
        assert_eq!(f.framework, None);
    }
}
