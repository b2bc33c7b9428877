//! Optional bearer-token check for /v1/traces, compared in constant time so response timing does
//! not reveal how much of a guessed token was right.
use axum::http::{header, HeaderMap};
use subtle::ConstantTimeEq;

/// True when no token is configured, or the request carries `Authorization: Bearer <token>`.
pub fn authorized(expected: Option<&str>, headers: &HeaderMap) -> bool {
    let Some(expected) = expected else { return true };
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
    let mut parts = value.trim().splitn(2, ' ');
    let (Some(scheme), Some(token)) = (parts.next(), parts.next()) else { return false };
    // Only the length can leak (ct_eq answers at once on a length mismatch).
    scheme.eq_ignore_ascii_case("bearer") && bool::from(token.trim().as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn h(v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        m
    }

    #[test]
    fn bearer_tokens() {
        assert!(authorized(None, &HeaderMap::new()));
        assert!(!authorized(Some("tok"), &HeaderMap::new()));
        assert!(authorized(Some("tok"), &h("Bearer tok")));
        assert!(authorized(Some("tok"), &h("bearer tok")));
        assert!(!authorized(Some("tok"), &h("Bearer tok2")));
        assert!(!authorized(Some("tok"), &h("Bearer to")));
        assert!(!authorized(Some("tok"), &h("Basic tok")));
        assert!(!authorized(Some("tok"), &h("tok")));
    }
}
