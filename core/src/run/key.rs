//! The keys of a run's spans: the span key, its stored form, and the time order every derivation
//! walks in.
use serde::{Deserialize, Serialize};

use crate::ids::{span_id_to_i64, SpanId, TraceId};
use crate::model::SpanRecord;

/// A span's identity within a run: its trace and span ids.
pub type SpanKey = (TraceId, SpanId);

/// The time order of a run's spans: start, longer first, then the ids as stored (uuid bytes,
/// signed span id), so that ties never depend on arrival order. Stored as
/// `[start, end_rev, "trace hex", span]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderKey {
    pub start: u64,
    pub end_rev: u64,
    pub trace: TraceId,
    pub span: i64,
}

impl Serialize for OrderKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.start, self.end_rev, crate::ids::to_hex(&self.trace), self.span).serialize(s)
    }
}

impl<'de> Deserialize<'de> for OrderKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (start, end_rev, trace, span) = <(u64, u64, String, i64)>::deserialize(d)?;
        let trace = crate::ids::from_hex::<16>(&trace).ok_or_else(|| serde::de::Error::custom("trace id: 32 hex digits"))?;
        Ok(OrderKey { start, end_rev, trace, span })
    }
}

impl OrderKey {
    pub fn new(trace: TraceId, span: SpanId, start: u64, end: u64) -> Self {
        OrderKey { start, end_rev: u64::MAX - end, trace, span: span_id_to_i64(&span) }
    }
    pub fn of(s: &SpanRecord) -> Self {
        Self::new(s.trace_id, s.span_id, s.start_time_unix_nano, s.end_time_unix_nano)
    }
}

/// A span key stored as `"trace hex/span hex"` (also as a JSON object key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(pub SpanKey);

impl Serialize for Key {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}/{}", crate::ids::to_hex(&self.0 .0), crate::ids::to_hex(&self.0 .1)))
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let k = String::deserialize(d)?;
        let parsed = k.split_once('/').and_then(|(t, p)| Some((crate::ids::from_hex::<16>(t)?, crate::ids::from_hex::<8>(p)?)));
        parsed.map(Key).ok_or_else(|| serde::de::Error::custom("span key: trace hex/span hex"))
    }
}
