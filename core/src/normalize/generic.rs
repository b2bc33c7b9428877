//! Fallback for any OpenTelemetry span: service, span kind, HTTP / database / RPC / messaging
//! attributes. Sets only what nothing more specific will set.
use super::ctx::{k, Sp};
use super::{SpanCategory, SpanFacts, Vocabulary};
use crate::model::span_kind;

pub struct Generic;

impl Vocabulary for Generic {
    fn name(&self) -> &'static str {
        "generic"
    }

    fn detect(&self, _sp: &Sp) -> bool {
        true
    }

    fn apply(&self, sp: &Sp, f: &mut SpanFacts) {
        let span = sp.span;
        if sp.has(k!("db.system")) || sp.has(k!("db.system.name")) || sp.has(k!("db.query.text")) || sp.has(k!("db.statement")) {
            // A database read is the closest thing to retrieval a generic service does.
            f.category = SpanCategory::Retrieval;
            f.input_text = sp.first(&[k!("db.query.text"), k!("db.statement")]);
        } else if matches!(span.kind, span_kind::PRODUCER | span_kind::CONSUMER) && sp.s(k!("messaging.system")).is_some() {
            f.category = SpanCategory::Messaging;
        } else {
            f.category = SpanCategory::Other;
        }
        if sp.has(k!("http.request.method")) || sp.has(k!("http.method")) || sp.has(k!("rpc.system")) {
            f.input_text = sp.first(&[k!("url.full"), k!("http.url"), k!("url.path"), k!("http.target"), k!("rpc.method")]);
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
