//! Trace and span id helpers shared by the decoder, the extension and the ingress.

pub type TraceId = [u8; 16];
pub type SpanId = [u8; 8];

/// Lower-case hex, as OTLP/JSON and every tracing UI print ids.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

/// Parses exactly `N` bytes of hex (either case). `None` on any other input.
pub fn from_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let b = s.as_bytes();
    if b.len() != N * 2 {
        return None;
    }
    let mut out = [0u8; N];
    for i in 0..N {
        let hi = (b[2 * i] as char).to_digit(16)?;
        let lo = (b[2 * i + 1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

/// Span ids are stored as `bigint` (fixed width, 8 bytes): the big-endian bytes reinterpreted.
pub fn span_id_to_i64(id: &SpanId) -> i64 {
    i64::from_be_bytes(*id)
}

pub fn i64_to_span_id(v: i64) -> SpanId {
    v.to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn hex_round_trip() {
        let id: TraceId = *b"\x61\x34\x8d\xcb\xc5\x39\xe7\xc2\x39\xbc\xdd\x3f\x2a\x0d\x44\x97";
        let h = to_hex(&id);
        assert_eq!(h, "61348dcbc539e7c239bcdd3f2a0d4497");
        assert_eq!(from_hex::<16>(&h), Some(id));
        assert_eq!(from_hex::<16>(&h.to_uppercase()), Some(id));
        assert_eq!(from_hex::<16>("xyz"), None);
        assert_eq!(from_hex::<8>("5ffe1ca3037fe0aZ"), None);
        let s: SpanId = from_hex("ffe1ca3037fe0a65").unwrap();
        assert_eq!(i64_to_span_id(span_id_to_i64(&s)), s);
    }
}
