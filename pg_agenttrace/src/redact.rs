//! SQL capability: secret redaction settings (`agenttrace.redaction_patterns`) and the compiled
//! redactor the ingest path applies before anything is stored.
use std::cell::RefCell;

use agenttrace_core::redact::{default_rules, Redactor, Rule};
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};

thread_local! {
    /// Compiled once per backend and reused while the patterns table is unchanged.
    static CACHE: RefCell<Option<(String, Redactor)>> = const { RefCell::new(None) };
}

/// The cached redactor, lent to one ingest call and put back when dropped (also when an error
/// unwinds). Lent rather than cloned: a cloned `Regex` starts with an empty cache of its lazy
/// DFA, which every request then rebuilt (~2 % of ingest CPU at 64-span requests).
pub struct LentRedactor {
    key: String,
    redactor: Option<Redactor>,
}

impl std::ops::Deref for LentRedactor {
    type Target = Redactor;
    fn deref(&self) -> &Redactor {
        self.redactor.as_ref().expect("lent redactor present until drop")
    }
}

impl std::ops::DerefMut for LentRedactor {
    fn deref_mut(&mut self) -> &mut Redactor {
        self.redactor.as_mut().expect("lent redactor present until drop")
    }
}

impl Drop for LentRedactor {
    fn drop(&mut self) {
        if let Some(mut r) = self.redactor.take() {
            r.redacted = 0;
            let key = std::mem::take(&mut self.key);
            CACHE.with(|c| *c.borrow_mut() = Some((key, r)));
        }
    }
}

/// The redactor for the enabled patterns in `agenttrace.redaction_patterns`.
pub fn current_redactor(client: &SpiClient<'_>) -> SpiResult<LentRedactor> {
    let mut rules = Vec::new();
    let mut key = String::new();
    for row in
        crate::columns::select_cached(client, "SELECT name, pattern FROM agenttrace.redaction_patterns WHERE enabled ORDER BY name", &[])?
    {
        let (Some(name), Some(pattern)) = (row.get::<String>(1)?, row.get::<String>(2)?) else {
            continue;
        };
        key.push_str(&name);
        key.push('\0');
        key.push_str(&pattern);
        key.push('\0');
        rules.push(Rule { name, pattern });
    }
    let cached = CACHE.with(|c| {
        let mut c = c.borrow_mut();
        match c.take() {
            Some((k, r)) if k == key => Some(r),
            _ => None,
        }
    });
    let redactor = match cached {
        Some(r) => r,
        // Patterns are validated on insert (CHECK constraint), so this only fails if the CHECK
        // was bypassed.
        None => Redactor::new(&rules).unwrap_or_else(|e| pgrx::error!("{e}")),
    };
    Ok(LentRedactor { key, redactor: Some(redactor) })
}

/// The patterns pg_agenttrace ships with (seed of agenttrace.redaction_patterns).
#[pg_extern(immutable, parallel_safe)]
fn default_redaction_patterns() -> TableIterator<'static, (name!(name, String), name!(pattern, String))> {
    TableIterator::new(default_rules().into_iter().map(|r| (r.name, r.pattern)))
}

/// True when `pattern` is a valid redaction regex (used by the table's CHECK constraint).
#[pg_extern(immutable, parallel_safe, strict)]
fn redaction_pattern_is_valid(pattern: &str) -> bool {
    Redactor::new(&[Rule { name: "check".into(), pattern: pattern.into() }]).is_ok()
}

extension_sql!(
    r#"
CREATE TABLE redaction_patterns (
    name        text PRIMARY KEY,
    pattern     text NOT NULL CHECK (redaction_pattern_is_valid(pattern)),
    enabled     boolean NOT NULL DEFAULT true,
    description text
);
COMMENT ON TABLE redaction_patterns IS 'Secret redaction applied at ingest before anything is stored: every string value matching an enabled pattern (Rust regex syntax) is replaced by [REDACTED:<name>]; values under secret-looking attribute keys (password, api_key, authorization, ...) are replaced whole. Add a row to redact more; set enabled = false to keep a kind of value.';
INSERT INTO redaction_patterns (name, pattern, description)
SELECT name, pattern, 'shipped default' FROM default_redaction_patterns();
COMMENT ON FUNCTION default_redaction_patterns() IS 'The secret patterns pg_agenttrace ships with (API keys, AWS keys, bearer tokens, private keys, JWTs, passwords in URLs). Example: SELECT * FROM agenttrace.default_redaction_patterns();';
COMMENT ON FUNCTION redaction_pattern_is_valid(text) IS 'True when the text is a valid redaction regex; guards agenttrace.redaction_patterns.';
"#,
    name = "redaction_patterns",
    requires = [default_redaction_patterns, redaction_pattern_is_valid]
);
