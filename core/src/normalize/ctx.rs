//! Per-span view shared by all vocabulary files: an attribute index hashed once per span (lookups
//! by compile-time hashed [`Key`]s), and string attributes holding JSON parsed lazily, at most once
//! per span, into [`Json`].
use std::borrow::Cow;
use std::cell::OnceCell;

use serde_json::Value;

use super::json::{self, Doc, Node};
use super::util::value_int;
use crate::model::SpanRecord;

/// An attribute key with its hash computed at compile time (see [`k!`]).
pub struct Key {
    pub name: &'static str,
    pub hash: u64,
}

impl Key {
    pub const fn new(name: &'static str) -> Key {
        Key { name, hash: hash(name.as_bytes()) }
    }
}

/// `k!("gen_ai.agent.name")`: a `&'static Key` hashed at compile time.
macro_rules! k {
    ($s:literal) => {{
        const K: $crate::normalize::ctx::Key = $crate::normalize::ctx::Key::new($s);
        &K
    }};
}
pub(crate) use k;

const M: u64 = 0x517c_c1b7_2722_0a95;

/// Small multiplicative hash (FxHash-like), usable in const context.
pub const fn hash(b: &[u8]) -> u64 {
    let mut h: u64 = b.len() as u64;
    let mut i = 0;
    while i + 8 <= b.len() {
        let w = u64::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(M);
        i += 8;
    }
    let mut tail: u64 = 0;
    let mut sh = 0;
    while i < b.len() {
        tail |= (b[i] as u64) << sh;
        sh += 8;
        i += 1;
    }
    (h.rotate_left(5) ^ tail).wrapping_mul(M)
}

/// [`hash`] at run time (same result, word-at-a-time).
#[inline]
fn hash_rt(b: &[u8]) -> u64 {
    let mut h: u64 = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(M);
    }
    let rem = chunks.remainder();
    let mut w = [0u8; 8];
    w[..rem.len()].copy_from_slice(rem);
    (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(M)
}

/// Bit of a key hash in the per-span presence filter.
#[inline]
const fn bloom_bit(h: u64) -> u64 {
    1u64 << (h >> 58)
}

/// String attributes that may hold JSON, each parsed at most once per span.
#[derive(Clone, Copy)]
pub enum JKey {
    InputValue,
    OutputValue,
    Metadata,
    Message,
    MessageContext,
    GenAiInputMessages,
    GenAiPrompt,
    GenAiOutputMessages,
    GenAiCompletion,
    EntityInput,
    EntityOutput,
    UsageMetadata,
}
const NJ: usize = 12;

impl JKey {
    pub fn key(self) -> &'static Key {
        match self {
            JKey::InputValue => k!("input.value"),
            JKey::OutputValue => k!("output.value"),
            JKey::Metadata => k!("metadata"),
            JKey::Message => k!("message"),
            JKey::MessageContext => k!("message_context"),
            JKey::GenAiInputMessages => k!("gen_ai.input.messages"),
            JKey::GenAiPrompt => k!("gen_ai.prompt"),
            JKey::GenAiOutputMessages => k!("gen_ai.output.messages"),
            JKey::GenAiCompletion => k!("gen_ai.completion"),
            JKey::EntityInput => k!("traceloop.entity.input"),
            JKey::EntityOutput => k!("traceloop.entity.output"),
            JKey::UsageMetadata => k!("langsmith.metadata.usage_metadata"),
        }
    }
}

/// A JSON attribute: native (object/array attribute) or parsed from its text.
pub enum JRef<'s, 'a> {
    V(&'a Value),
    L(Node<'s, 'a>),
}

/// Flattened message prefixes present on the span (keys `<prefix>.<...>`).
#[derive(Default, Clone, Copy)]
pub struct Flat {
    pub llm_input: bool,
    pub llm_output: bool,
    pub gen_ai_prompt: bool,
    pub gen_ai_completion: bool,
}

pub struct Sp<'a> {
    pub span: &'a SpanRecord,
    /// (hash, key, value) sorted by hash.
    idx: Vec<(u64, &'a str, &'a Value)>,
    /// Presence filter over key hashes: most lookups are for absent keys.
    bloom: u64,
    /// Some key starts with `gen_ai.`.
    pub has_gen_ai: bool,
    pub flat: Flat,
    json: [OnceCell<Option<Doc<'a>>>; NJ],
}

/// Above this many attributes lookups binary-search the index instead of scanning it.
const LINEAR: usize = 24;

impl<'a> Sp<'a> {
    pub fn new(span: &'a SpanRecord) -> Sp<'a> {
        let mut idx = Vec::with_capacity(span.attributes.len());
        let mut has_gen_ai = false;
        let mut flat = Flat::default();
        let mut bloom = 0u64;
        for (key, v) in span.attributes.iter() {
            let h = hash_rt(key.as_bytes());
            bloom |= bloom_bit(h);
            idx.push((h, key.as_str(), v));
            if let Some(rest) = key.strip_prefix("gen_ai.") {
                has_gen_ai = true;
                if rest.starts_with("prompt.") {
                    flat.gen_ai_prompt = true;
                } else if rest.starts_with("completion.") {
                    flat.gen_ai_completion = true;
                }
            } else if let Some(rest) = key.strip_prefix("llm.") {
                if rest.starts_with("input_messages.") {
                    flat.llm_input = true;
                } else if rest.starts_with("output_messages.") {
                    flat.llm_output = true;
                }
            }
        }
        debug_assert!(span.attributes.keys().all(|k| hash_rt(k.as_bytes()) == hash(k.as_bytes())));
        if idx.len() > LINEAR {
            idx.sort_unstable_by_key(|e| e.0);
        }
        Sp { span, idx, bloom, has_gen_ai, flat, json: Default::default() }
    }

    #[inline]
    pub fn get(&self, k: &Key) -> Option<&'a Value> {
        if self.bloom & bloom_bit(k.hash) == 0 {
            return None;
        }
        if self.idx.len() <= LINEAR {
            return self.idx.iter().find(|e| e.0 == k.hash && e.1 == k.name).map(|e| e.2);
        }
        let start = self.idx.partition_point(|e| e.0 < k.hash);
        self.idx[start..].iter().take_while(|e| e.0 == k.hash).find(|e| e.1 == k.name).map(|e| e.2)
    }

    #[inline]
    pub fn has(&self, k: &Key) -> bool {
        self.get(k).is_some()
    }

    /// Non-empty trimmed string attribute (numbers and booleans rendered); borrowed when a string.
    pub fn s(&self, k: &Key) -> Option<Cow<'a, str>> {
        value_cow(self.get(k)?)
    }

    /// [`Sp::s`] as an owned `String` (what `util::s` returns).
    pub fn string(&self, k: &Key) -> Option<String> {
        self.s(k).map(Cow::into_owned)
    }

    /// `s(k) == Some(lit)` without allocating.
    pub fn is(&self, k: &Key, lit: &str) -> bool {
        match self.get(k) {
            Some(Value::String(t)) => t.trim() == lit,
            Some(v @ (Value::Number(_) | Value::Bool(_))) => value_cow(v).as_deref() == Some(lit),
            _ => false,
        }
    }

    /// First of several keys with a usable string.
    pub fn first(&self, keys: &[&Key]) -> Option<String> {
        keys.iter().find_map(|k| self.string(k))
    }

    pub fn int(&self, k: &Key) -> Option<i64> {
        value_int(self.get(k)?)
    }

    pub fn first_int(&self, keys: &[&Key]) -> Option<i64> {
        keys.iter().find_map(|k| self.int(k))
    }

    /// The string attribute `jk` parsed as JSON (object/array text only), parsed once.
    pub fn json_text(&self, jk: JKey) -> Option<Node<'_, 'a>> {
        self.json[jk as usize]
            .get_or_init(|| match self.get(jk.key()) {
                Some(Value::String(t)) => json::parse(t),
                _ => None,
            })
            .as_ref()
            .map(Doc::root)
    }

    /// `util::json`: object/array attributes as they are, strings parsed when they look like JSON.
    pub fn json_any(&self, jk: JKey) -> Option<JRef<'_, 'a>> {
        match self.get(jk.key())? {
            v @ (Value::Array(_) | Value::Object(_)) => Some(JRef::V(v)),
            Value::String(_) => self.json_text(jk).map(JRef::L),
            _ => None,
        }
    }
}

/// `util::value_str`, borrowing strings.
pub fn value_cow(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(x) => {
            let t = x.trim();
            (!t.is_empty()).then_some(Cow::Borrowed(t))
        }
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_agree() {
        for n in 0..40 {
            let t: String = (0..n).map(|i| (b'a' + (i * 7 % 26) as u8) as char).collect();
            assert_eq!(hash(t.as_bytes()), hash_rt(t.as_bytes()), "{t}");
        }
        assert_eq!(k!("gen_ai.agent.name").hash, hash_rt(b"gen_ai.agent.name"));
    }
}
