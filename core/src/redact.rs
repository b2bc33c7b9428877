//! Secret redaction, applied at ingest before anything is stored.
//!
//! Trace data carries prompts, tool arguments and headers, and with them API keys, bearer
//! tokens, private keys and passwords in URLs. Every string value (span, event, link and
//! resource attributes, names, status messages) is scanned; matches are replaced by a marker
//! naming the rule. Values under secret-looking keys (`password`, `api_key`, `authorization`, ...)
//! are replaced whole. Patterns are data: the extension loads them from
//! `agenttrace.redaction_patterns`; [`default_rules`] are the shipped defaults.
use regex::{Regex, RegexSet};
use serde_json::Value;

use crate::model::{Attributes, DecodedRequest, Resource, SpanRecord};

/// One value pattern: `name` appears in the marker `[REDACTED:name]`. What a group named
/// `keep` at the end of the pattern matches is context, not secret: it stays after the marker.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub pattern: String,
}

/// The patterns shipped by default (also inserted into `agenttrace.redaction_patterns`).
pub fn default_rules() -> Vec<Rule> {
    [
        ("private_key", r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----"),
        ("openai_key", r"\bsk-[A-Za-z0-9_\-]{16,}"),
        ("aws_access_key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
        ("github_token", r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),
        ("google_api_key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
        ("slack_token", r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
        ("jwt", r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
        ("bearer_token", r"(?i)\bbearer\s+[A-Za-z0-9._~+/=\-]{8,}"),
        // scheme://user:password@host: a userinfo of URL characters (no quotes, brackets,
        // `?`, `#` or spaces, so text around a URL is not taken for one), a password that is
        // not a port number, and a host after the `@` (kept).
        (
            "url_password",
            concat!(
                r"(?i)\b[a-z][a-z0-9+.\-]*://[a-z0-9._~%!$&+=\-]*:",
                r"(?:[^\s/?#@\[\]\x22'<>\\^`{}|]*[^\s/?#@\[\]\x22'<>\\^`{}|0-9][^\s/?#@\[\]\x22'<>\\^`{}|]*|[0-9]{6,})@",
                r"(?P<keep>[a-z0-9][a-z0-9_.\-]*|\[[0-9a-f:.]+\])"
            ),
        ),
    ]
    .into_iter()
    .map(|(n, p)| Rule { name: n.into(), pattern: p.into() })
    .collect()
}

/// Attribute keys whose whole value is a secret.
pub const SECRET_KEY_PATTERN: &str = r"(?i)(?:^|[._\-])(?:password|passwd|pwd|secret|client[_\-]?secret|api[_\-]?key|apikey|access[_\-]?key|secret[_\-]?key|private[_\-]?key|authorization|auth[_\-]?token|access[_\-]?token|refresh[_\-]?token|x-api-key|cookie|set-cookie)$";

#[derive(Debug, thiserror::Error)]
#[error("invalid redaction pattern {name:?}: {message}")]
pub struct PatternError {
    pub name: String,
    pub message: String,
}

/// Compiled rules. Cheap to apply when nothing matches (one RegexSet scan per string).
#[derive(Debug, Clone)]
pub struct Redactor {
    names: Vec<String>,
    set: RegexSet,
    regexes: Vec<Regex>,
    secret_keys: Regex,
    pub redacted: u64,
}

/// Name of the capture group whose text is kept after the marker.
const KEEP: &str = "keep";

fn has_keep(re: &Regex) -> bool {
    re.capture_names().any(|n| n == Some(KEEP))
}

fn compile(pattern: &str, name: &str) -> Result<Regex, PatternError> {
    // Bounded compiled size: a hostile pattern in the settings table cannot eat the backend.
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| PatternError { name: name.to_string(), message: e.to_string() })
}

impl Redactor {
    pub fn new(rules: &[Rule]) -> Result<Self, PatternError> {
        let regexes = rules.iter().map(|r| compile(&r.pattern, &r.name)).collect::<Result<Vec<_>, _>>()?;
        let set = regex::RegexSetBuilder::new(rules.iter().map(|r| r.pattern.as_str()))
            .size_limit(8 << 20)
            .build()
            .map_err(|e| PatternError { name: "set".into(), message: e.to_string() })?;
        Ok(Redactor {
            names: rules.iter().map(|r| r.name.clone()).collect(),
            set,
            regexes,
            secret_keys: compile(SECRET_KEY_PATTERN, "secret_keys")?,
            redacted: 0,
        })
    }

    pub fn with_defaults() -> Self {
        // The shipped patterns are tested to compile (see tests below).
        Self::new(&default_rules()).unwrap_or_else(|_| Self::new(&[]).expect("empty rule set compiles"))
    }

    /// Redacts one string in place; returns whether anything changed.
    pub fn redact_str(&mut self, s: &mut String) -> bool {
        if self.regexes.is_empty() {
            return false;
        }
        let hits = self.set.matches(s);
        if !hits.matched_any() {
            return false;
        }
        for i in hits.iter() {
            let marker = format!("[REDACTED:{}]", self.names[i]);
            let re = &self.regexes[i];
            let replaced = if has_keep(re) {
                re.replace_all(s, |c: &regex::Captures| format!("{marker}{}", c.name(KEEP).map_or("", |m| m.as_str())))
            } else {
                re.replace_all(s, regex::NoExpand(&marker))
            };
            if let std::borrow::Cow::Owned(o) = replaced {
                *s = o;
            }
        }
        self.redacted += 1;
        true
    }

    /// Redacts every string in a JSON value; bounded by the decoder's nesting limit. Iterative.
    pub fn redact_value(&mut self, v: &mut Value) {
        let mut stack = vec![v];
        while let Some(v) = stack.pop() {
            match v {
                Value::String(s) => {
                    self.redact_str(s);
                }
                Value::Array(a) => stack.extend(a.iter_mut()),
                Value::Object(o) => {
                    for (k, child) in o.iter_mut() {
                        if self.secret_keys.is_match(k) && !child.is_null() {
                            *child = Value::String("[REDACTED:secret_key]".into());
                            self.redacted += 1;
                        } else {
                            stack.push(child);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    pub fn redact_attributes(&mut self, attrs: &mut Attributes) {
        for (k, v) in attrs.iter_mut() {
            if self.secret_keys.is_match(k) && !v.is_null() {
                *v = Value::String("[REDACTED:secret_key]".into());
                self.redacted += 1;
            } else {
                self.redact_value(v);
            }
        }
    }

    pub fn redact_span(&mut self, span: &mut SpanRecord) {
        self.redact_str(&mut span.name);
        self.redact_str(&mut span.status_message);
        self.redact_attributes(&mut span.attributes);
        for e in &mut span.events {
            self.redact_str(&mut e.name);
            self.redact_attributes(&mut e.attributes);
        }
        for l in &mut span.links {
            self.redact_attributes(&mut l.attributes);
        }
    }

    /// Redacts a whole decoded request, resources included (spans share their resource).
    pub fn redact_request(&mut self, req: &mut DecodedRequest) {
        let mut redacted_resources: Vec<(i64, std::sync::Arc<Resource>)> = Vec::new();
        for r in &mut req.resources {
            let mut attrs = r.attributes.clone();
            let before = self.redacted;
            self.redact_attributes(&mut attrs);
            if self.redacted != before {
                let new = std::sync::Arc::new(Resource::new(attrs, r.schema_url.clone()));
                redacted_resources.push((r.hash, new.clone()));
                *r = new;
            }
        }
        for s in &mut req.spans {
            if let Some((_, new)) = redacted_resources.iter().find(|(h, _)| *h == s.resource.hash) {
                s.resource = new.clone();
            }
            self.redact_span(s);
        }
    }

    /// Redacts raw bytes (dead-letter bodies: undecodable, so scanned as bytes).
    pub fn redact_bytes(&self, body: &[u8]) -> Vec<u8> {
        let mut out = body.to_vec();
        for (i, r) in self.regexes.iter().enumerate() {
            let Ok(re) = regex::bytes::RegexBuilder::new(r.as_str()).size_limit(1 << 20).build() else { continue };
            let marker = format!("[REDACTED:{}]", self.names[i]);
            out = if has_keep(r) {
                re.replace_all(&out, |c: &regex::bytes::Captures| {
                    let mut v = marker.as_bytes().to_vec();
                    v.extend_from_slice(c.name(KEEP).map_or(&[][..], |m| m.as_bytes()));
                    v
                })
                .into_owned()
            } else {
                re.replace_all(&out, regex::bytes::NoExpand(marker.as_bytes())).into_owned()
            };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shipped_patterns_compile() {
        Redactor::new(&default_rules()).unwrap();
    }

    #[test]
    fn secrets_in_text_are_replaced() {
        let mut r = Redactor::with_defaults();
        let cases = [
            ("use key sk-proj-abcdefghijklmnop1234567890 now", "use key [REDACTED:openai_key] now"),
            ("AKIAIOSFODNN7EXAMPLE is aws", "[REDACTED:aws_access_key] is aws"),
            ("Authorization: Bearer abc.def-ghi_jkl123", "Authorization: [REDACTED:bearer_token]"),
            ("postgres://app:s3cr3t@db:5432/x", "[REDACTED:url_password]db:5432/x"),
            ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "[REDACTED:private_key]"),
            ("token ghp_0123456789abcdefghijklmnopqrstuvwxyz", "token [REDACTED:github_token]"),
        ];
        for (input, want) in cases {
            let mut s = input.to_string();
            assert!(r.redact_str(&mut s), "{input}");
            assert_eq!(s, want);
        }
        let mut plain = "gen_ai.usage.input_tokens is 42; sky-high prices".to_string();
        assert!(!r.redact_str(&mut plain));
    }

    #[test]
    fn secret_keys_and_nested_values() {
        let mut r = Redactor::with_defaults();
        let mut attrs: Attributes = json!({
            "http.request.header.authorization": "Basic dXNlcjpwYXNz",
            "db.password": "hunter2",
            "gen_ai.usage.input_tokens": 12,
            "llm.token_count.total": 40,
            "input.value": {"messages": [{"content": "my key is sk-abcdefghijklmnopqrstuvwx"}]},
        })
        .as_object()
        .unwrap()
        .clone();
        r.redact_attributes(&mut attrs);
        assert_eq!(attrs["http.request.header.authorization"], "[REDACTED:secret_key]");
        assert_eq!(attrs["db.password"], "[REDACTED:secret_key]");
        assert_eq!(attrs["gen_ai.usage.input_tokens"], 12);
        assert_eq!(attrs["llm.token_count.total"], 40);
        assert_eq!(attrs["input.value"]["messages"][0]["content"], "my key is [REDACTED:openai_key]");
    }

    #[test]
    fn bad_patterns_are_errors() {
        let e = Redactor::new(&[Rule { name: "x".into(), pattern: "(".into() }]).unwrap_err();
        assert_eq!(e.name, "x");
    }

    #[test]
    fn bytes_are_redacted_for_dead_letters() {
        let r = Redactor::with_defaults();
        let out = r.redact_bytes(b"\x0a\x05{\"k\":\"sk-abcdefghijklmnopqrstuv\"}");
        assert!(!out.windows(3).any(|w| w == b"sk-"));
    }
}
