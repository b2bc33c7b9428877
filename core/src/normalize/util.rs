//! Small, panic-free helpers shared by the vocabulary files.
use serde_json::Value;

/// Longest text kept in a [`super::SpanFacts`] text field.
pub const MAX_TEXT: usize = 16 * 1024;
/// Longest excerpt kept in an [`super::AgentMessage`].
pub const MAX_EXCERPT: usize = 500;
/// Largest attribute string we try to parse as JSON.
pub const MAX_JSON: usize = 4 << 20;

/// Non-empty trimmed string value (numbers and booleans rendered).
pub fn value_str(v: &Value) -> Option<String> {
    let out = match v {
        Value::String(x) => x.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!out.is_empty()).then_some(out)
}

/// Attribute value as text: like [`value_str`] but also renders arrays/objects as JSON text
/// (for arguments, results), bounded to [`MAX_TEXT`].
pub fn s_any_v(v: Option<&Value>) -> Option<String> {
    match v? {
        v @ (Value::Array(_) | Value::Object(_)) => Some(truncate_owned(v.to_string(), MAX_TEXT)),
        Value::String(x) => {
            let t = x.trim();
            (!t.is_empty()).then(|| truncate(t, MAX_TEXT))
        }
        v => value_str(v).map(|t| truncate_owned(t, MAX_TEXT)),
    }
}

/// Integer value: JSON integers, integral floats and numeric strings.
pub fn value_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => number_int(n),
        Value::String(t) => str_int(t),
        _ => None,
    }
}

pub fn number_int(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        let f = n.as_f64()?;
        (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18).then_some(f as i64)
    })
}

pub fn str_int(t: &str) -> Option<i64> {
    let t = t.trim();
    t.parse::<i64>().ok().or_else(|| {
        let f: f64 = t.parse().ok()?;
        (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18).then_some(f as i64)
    })
}

/// Parses text that looks like a JSON object or array; `None` for anything else.
/// The reference for `json::parse` (which is what the normalizers use).
#[cfg(test)]
pub fn parse_json(t: &str) -> Option<Value> {
    let t = t.trim();
    if t.len() > MAX_JSON || !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    // serde_json limits recursion depth itself (128), so hostile nesting is an error, not a crash.
    serde_json::from_str(t).ok()
}

/// Truncates at a char boundary, appending `…` when cut.
pub fn truncate(t: &str, max: usize) -> String {
    if t.len() <= max {
        return t.to_string();
    }
    let mut end = max;
    while end > 0 && !t.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = t[..end].to_string();
    out.push('…');
    out
}

/// [`truncate`] of an owned string, without copying it when it is short enough.
pub fn truncate_owned(t: String, max: usize) -> String {
    if t.len() <= max {
        t
    } else {
        truncate(&t, max)
    }
}

/// Sets `slot` when it is still empty.
pub fn fill<T>(slot: &mut Option<T>, v: Option<T>) {
    if slot.is_none() {
        *slot = v;
    }
}

/// Case-insensitive ASCII substring search without allocating the haystack.
pub fn contains_ci(hay: &str, needle_lower: &str) -> bool {
    let h = hay.as_bytes();
    let n = needle_lower.as_bytes();
    if n.is_empty() {
        return true;
    }
    if h.len() < n.len() {
        return false;
    }
    let first = n[0];
    let last_start = h.len() - n.len();
    let mut i = 0;
    while i <= last_start {
        match h[i..=last_start].iter().position(|c| c.to_ascii_lowercase() == first) {
            None => return false,
            Some(p) => i += p,
        }
        if h[i + 1..i + n.len()].iter().zip(&n[1..]).all(|(a, b)| a.to_ascii_lowercase() == *b) {
            return true;
        }
        i += 1;
    }
    false
}

fn is_uuid(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 36 && b.iter().enumerate().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

/// `planner_<uuid>` / `planner_<uuid>/<uuid>` / `planner_<uuid>.(<uuid>)-A` -> `planner`.
pub fn strip_uuid_suffix(t: &str) -> String {
    let mut base = t.trim();
    // AutoGen destinations: `<type>.(<key>)-A` / `-T`.
    if let Some(i) = base.find(".(") {
        base = &base[..i];
    }
    // Agent ids: `<type>/<key>`.
    if let Some(i) = base.find('/') {
        base = &base[..i];
    }
    if base.len() > 37 {
        let cut = base.len() - 36;
        if base.is_char_boundary(cut) && is_uuid(&base[cut..]) && base[..cut].ends_with('_') {
            return base[..cut - 1].to_string();
        }
    }
    base.to_string()
}

/// First line of a (possibly multi-line) error text, trimmed and bounded.
pub fn first_line(t: &str) -> String {
    let line = t.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    truncate(line, 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_autogen_suffixes() {
        let u = "afd806b0-c3a9-4648-9292-9f8fadfabc7e";
        assert_eq!(strip_uuid_suffix(&format!("planner_{u}")), "planner");
        assert_eq!(strip_uuid_suffix(&format!("planner_{u}/{u}")), "planner");
        assert_eq!(strip_uuid_suffix(&format!("group_topic_{u}.({u})-T")), "group_topic");
        assert_eq!(strip_uuid_suffix("writer"), "writer");
        assert_eq!(strip_uuid_suffix(""), "");
        assert_eq!(strip_uuid_suffix("é_ü"), "é_ü");
    }

    #[test]
    fn ints_and_truncation() {
        assert_eq!(value_int(&Value::from("42")), Some(42));
        assert_eq!(value_int(&Value::from(3.0)), Some(3));
        assert_eq!(value_int(&Value::from(3.5)), None);
        assert_eq!(value_int(&Value::from("x")), None);
        assert_eq!(value_int(&Value::Null), None);
        assert_eq!(truncate("héllo", 2), "h…");
        assert!(contains_ci("Max Turns (3) Exceeded", "max turns"));
        assert!(!contains_ci("a", "ab"));
        assert_eq!(parse_json("not json"), None);
        assert_eq!(parse_json("{bad"), None);
        let deep = "[".repeat(10_000);
        assert_eq!(parse_json(&deep), None);
    }
}
