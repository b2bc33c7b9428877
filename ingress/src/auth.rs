//! Optional bearer-token check for trace exports (HTTP `Authorization` header and gRPC
//! `authorization` metadata alike), compared in constant time so response timing does not reveal
//! how much of a guessed token was right.
use subtle::ConstantTimeEq;

/// True when no token is configured, or `authorization` (the raw header value) is
/// `Bearer <token>` (scheme case-insensitive).
pub fn authorized(expected: Option<&str>, authorization: Option<&[u8]>) -> bool {
    let Some(expected) = expected else { return true };
    let Some(value) = authorization.and_then(|v| std::str::from_utf8(v).ok()) else { return false };
    let mut parts = value.trim().splitn(2, ' ');
    let (Some(scheme), Some(token)) = (parts.next(), parts.next()) else { return false };
    // `ct_eq` on byte slices compares every byte without an early exit; only a length mismatch
    // answers at once, so at most the token's length can leak, never its content.
    scheme.eq_ignore_ascii_case("bearer") && bool::from(token.trim().as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &str) -> Option<&[u8]> {
        Some(v.as_bytes())
    }

    #[test]
    fn bearer_tokens() {
        assert!(authorized(None, None));
        assert!(!authorized(Some("tok"), None));
        assert!(authorized(Some("tok"), h("Bearer tok")));
        assert!(authorized(Some("tok"), h("bearer tok")));
        assert!(!authorized(Some("tok"), h("Bearer tok2")));
        assert!(!authorized(Some("tok"), h("Bearer to")));
        assert!(!authorized(Some("tok"), h("Basic tok")));
        assert!(!authorized(Some("tok"), h("tok")));
        assert!(!authorized(Some("tok"), Some(&[0xff, 0xfe])));
    }
}
