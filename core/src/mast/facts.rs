//! Pattern-based facts in free text, for the content rules: numbers and amounts (canonical
//! form, so `18,934.50` equals `18934.5`), identifiers (`KX-204`, `sub_9Xk04`, `10.44.8.0/24`),
//! clauses that block or negate something ("not roadworthy", "expired", "may not start"), lists
//! of items, code identifiers, role words. Nothing here knows a domain: only shapes and generic
//! English function words.
use std::sync::OnceLock;

use regex::Regex;

fn re(cell: &'static OnceLock<Regex>, pat: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pat).expect("static regex"))
}

/// Canonical text of a number: thousands separators dropped, trailing zeros of decimals dropped.
pub fn canonical_number(raw: &str) -> Option<String> {
    let t = raw.trim_matches(|c: char| c == ',' || c == '.');
    let grouped = {
        static G: OnceLock<Regex> = OnceLock::new();
        re(&G, r"^\d{1,3}(,\d{3})+(\.\d+)?$")
    };
    let plain = if grouped.is_match(t) {
        t.replace(',', "")
    } else if t.matches(',').count() == 1 && !t.contains('.') && t.split(',').nth(1)?.len() != 3 {
        t.replace(',', ".") // decimal comma
    } else {
        t.to_string()
    };
    let v: f64 = plain.parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    Some(s.to_string())
}

/// Standalone numbers (not part of an identifier), canonical, with their byte offset.
pub fn numbers(t: &str) -> Vec<(String, usize)> {
    static N: OnceLock<Regex> = OnceLock::new();
    let r = re(&N, r"\d[\d,.]*\d|\d");
    let b = t.as_bytes();
    let mut out = Vec::new();
    for m in r.find_iter(t) {
        let before = m.start().checked_sub(1).map(|i| b[i]);
        let after = b.get(m.end()).copied();
        let glued = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_alphabetic() || c == b'_' || c == b'-' || c == b'/');
        if glued(before) || after.is_some_and(|c| c.is_ascii_alphabetic() && !matches!(c, b'h' | b'x' | b'k' | b'm' | b'g' | b'C' | b'D')) {
            continue;
        }
        if m.as_str().matches('.').count() > 1 {
            continue; // dotted versions / addresses are identifiers
        }
        if let Some(c) = canonical_number(m.as_str()) {
            out.push((c, m.start()));
        }
    }
    out
}

/// Significant numbers: at least two digits or a decimal part (small counts are too common).
pub fn significant_numbers(t: &str) -> Vec<String> {
    let mut v: Vec<String> = numbers(t).into_iter().map(|(n, _)| n).filter(|n| n.trim_start_matches('-').len() >= 2).collect();
    v.sort();
    v.dedup();
    v
}

/// Identifiers: letter-digit codes with a separator (`KX-204`, `RW-55190`, `sub_9Xk04`,
/// `SR-1`), upper-case codes with digits (`HZ7702`), IPv4 addresses and CIDRs.
pub fn ids(t: &str) -> Vec<String> {
    static I: OnceLock<Regex> = OnceLock::new();
    let r = re(&I, r"\b\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?|\b[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+\b|\b[A-Z]{2,}\d+[A-Za-z0-9]*\b");
    let mut out: Vec<String> = r.find_iter(t).map(|m| m.as_str().to_string()).filter(|s| s.chars().any(|c| c.is_ascii_digit())).collect();
    out.dedup();
    out
}

/// Shape class of an identifier: its letters upper-cased up to the first digit (`LOBBY-1` and
/// `SR-1` share the shape `A-9`).
pub fn id_shape(id: &str) -> String {
    let mut s = String::new();
    for c in id.chars() {
        let k = if c.is_ascii_alphabetic() {
            'A'
        } else if c.is_ascii_digit() {
            '9'
        } else {
            c
        };
        if s.ends_with(k) && (k == 'A' || k == '9') {
            continue;
        }
        s.push(k);
    }
    s
}

/// Lower-cased whole-word containment (word characters on both sides are not allowed).
pub fn has_word(hay: &str, needle: &str) -> bool {
    let h = hay.to_lowercase();
    let n = needle.to_lowercase();
    if n.is_empty() {
        return false;
    }
    let wc = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(p) = h[from..].find(&n) {
        let s = from + p;
        let e = s + n.len();
        let ok_b = h[..s].chars().next_back().is_none_or(|c| !wc(c));
        let ok_a = h[e..].chars().next().is_none_or(|c| !wc(c));
        if ok_b && ok_a {
            return true;
        }
        from = s + n.len().max(1);
        while from < h.len() && !h.is_char_boundary(from) {
            from += 1;
        }
        if from >= h.len() {
            break;
        }
    }
    false
}

/// Words that make a statement block, forbid or negate something.
pub const BLOCKING: &[&str] = &[
    "not",
    "never",
    "no longer",
    "cannot",
    "can't",
    "expired",
    "declined",
    "denied",
    "rejected",
    "on hold",
    "blocked",
    "suspended",
    "overdue",
    "invalid",
    "unsafe",
    "prohibited",
    "forbidden",
    "exclude",
    "excludes",
    "excluded",
    "insufficient",
    "revoked",
    "withdrawn",
    "unpaid",
    "do not",
    "warning",
    "allergy",
    "allergic",
    "recalled",
    "defective",
    "damaged",
    "cancelled",
    "canceled",
    "unavailable",
    "out of stock",
];

/// Clauses of a text (split at `|`, `;`, line breaks and sentence ends).
pub fn clauses(t: &str) -> Vec<&str> {
    static C: OnceLock<Regex> = OnceLock::new();
    let r = re(&C, r"[|;\n]|\. |\.$|\?|!|\x22,\s*\x22");
    r.split(t).map(str::trim).filter(|c| c.len() >= 8).collect()
}

/// Clauses holding a blocking word, with the word.
pub fn blocking_clauses(t: &str) -> Vec<(&str, &'static str)> {
    clauses(t).into_iter().filter_map(|c| BLOCKING.iter().find(|w| has_word(c, w)).map(|w| (c, *w))).collect()
}

/// Content words (3+ letters, lower-cased, no stop words) of a text.
pub fn content_words(t: &str) -> Vec<String> {
    super::text::words(t, 4096)
}

/// Items of enumerations of three or more: `A, B, C and D`, `A, B or C`, `(A, B, C)`; each
/// item at most four words (the first item is cut to the length of the others).
pub fn enumerations(t: &str) -> Vec<Vec<String>> {
    enumerations_at(t).into_iter().map(|(_, v)| v).collect()
}

/// [`enumerations`] with the byte offset where each list starts.
pub fn enumerations_at(t: &str) -> Vec<(usize, Vec<String>)> {
    static E: OnceLock<Regex> = OnceLock::new();
    static P: OnceLock<Regex> = OnceLock::new();
    let item = r"[A-Za-z0-9][A-Za-z0-9\-_/]*(?: [A-Za-z0-9][A-Za-z0-9\-_/]*){0,3}";
    let r = re(&E, &format!(r"{item}(?:, {item})+,? (?:and|or) {item}"));
    let paren = re(&P, r"\(([^()]{3,240})\)");
    let mut out: Vec<(usize, Vec<String>)> = Vec::new();
    let mut push = |at: usize, mut items: Vec<String>| {
        items.retain(|x| !x.is_empty());
        if items.len() < 3 {
            return;
        }
        // The outer items are cut to the length of the inner ones ("into French, German and
        // Italian for the shops" lists three languages).
        let k = items.len();
        let n = items[1..k - 1].iter().map(|x| x.split_whitespace().count()).max().unwrap_or(1);
        let first: Vec<&str> = items[0].split_whitespace().collect();
        let cut = first.len().saturating_sub(n);
        let skipped: usize = first[..cut].iter().map(|w| w.len() + 1).sum();
        items[0] = first[cut..].join(" ");
        let last: Vec<&str> = items[k - 1].split_whitespace().collect();
        items[k - 1] = last[..n.min(last.len())].join(" ");
        if !out.iter().any(|(_, v)| *v == items) {
            out.push((at + skipped, items));
        }
    };
    for m in r.find_iter(t) {
        let s = m.as_str();
        let (head, last) = match s.rfind(" and ").map(|p| (p, 5)).or_else(|| s.rfind(" or ").map(|p| (p, 4))) {
            Some((p, k)) => (&s[..p], &s[p + k..]),
            None => (s, ""),
        };
        let items = head.split(',').chain(std::iter::once(last)).map(|x| x.trim().to_string()).collect();
        push(m.start(), items);
    }
    for c in paren.captures_iter(t) {
        let inner = &c[1];
        let items: Vec<String> = inner.split(',').map(|x| x.trim().to_string()).collect();
        if items.iter().all(|x| x.split_whitespace().count() <= 4) {
            push(c.get(0).map_or(0, |m| m.start()), items);
        }
    }
    out
}

const COUNT_WORDS: &[(&str, usize)] =
    &[("three", 3), ("four", 4), ("five", 5), ("six", 6), ("seven", 7), ("eight", 8), ("nine", 9), ("ten", 10)];

/// Enumerations the text asks to handle completely: a list of identifiers, or a list that
/// follows the noun of a count phrase of the same size ("all four integrations (a, b, c, d)",
/// "all three depots" ... "depots A-1, A-2 and A-3").
pub fn required_enumerations(t: &str) -> Vec<Vec<String>> {
    let lower = t.to_lowercase();
    let toks: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    // (count, noun stems) of "<count> [adj] <noun>".
    let mut counted: Vec<(usize, String)> = Vec::new();
    for (k, w) in toks.iter().enumerate() {
        let n = COUNT_WORDS.iter().find(|(c, _)| c == w).map(|(_, n)| *n).or_else(|| w.parse().ok().filter(|n| (3..=20).contains(n)));
        if let Some(n) = n {
            const GLUE: &[&str] =
                &["with", "from", "that", "this", "into", "each", "were", "have", "will", "them", "they", "their", "your", "over", "than"];
            for x in toks.iter().skip(k + 1).take(2).filter(|x| x.len() >= 4 && !GLUE.contains(x)) {
                counted.push((n, x.trim_end_matches('s').to_string()));
            }
        }
    }
    enumerations_at(t)
        .into_iter()
        .filter(|(at, items)| {
            let all_ids = items.iter().all(|i| i.chars().any(|c| c.is_ascii_digit()) && i.split_whitespace().count() == 1);
            let before: Vec<String> = lower[..(*at).min(lower.len())]
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .rev()
                .take(3)
                .map(|w| w.trim_end_matches('s').to_string())
                .collect();
            // Named targets: every item a capitalised name of one or two words.
            let names = items.iter().all(|i| {
                let w: Vec<&str> = i.split_whitespace().collect();
                !w.is_empty() && w.len() <= 2 && w.iter().all(|x| x.chars().next().is_some_and(|c| c.is_uppercase()) && x.len() >= 3)
            });
            all_ids || names || counted.iter().any(|(n, noun)| *n == items.len() && before.contains(noun))
        })
        .map(|(_, v)| v)
        .collect()
}

/// Code-like identifiers: `snake_case` names with an underscore, file paths with an extension.
pub fn code_identifiers(t: &str) -> Vec<String> {
    static K: OnceLock<Regex> = OnceLock::new();
    let r = re(&K, r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\b[\w./-]+\.(?:py|rs|js|ts|go|java|rb|sql|c|h|cpp)\b");
    let mut v: Vec<String> = r.find_iter(t).map(|m| m.as_str().to_string()).collect();
    v.sort();
    v.dedup();
    v
}

/// Approval / rejection in an agent's text (rejection wins).
pub fn verdict_words(t: &str, approve: &[String], reject: &[String]) -> Option<bool> {
    let extra_reject = ["mismatch", "does not match", "blocked", "do not approve", "not approved", "cannot approve"];
    if super::text::find_keyword(t, reject).is_some() || extra_reject.iter().any(|w| has_word(t, w)) || t.contains("FAILED") {
        Some(false)
    } else if super::text::find_keyword(t, approve).is_some()
        || ["matched", "looks right", "signed off", "sign off", "sign-off", "good to go", "ship it", "cleared for"]
            .iter()
            .any(|w| has_word(t, w))
    {
        Some(true)
    } else {
        None
    }
}

/// A short text that reports a failed tool call ("Tool not found", "Error: ...").
pub fn reports_error(t: &str) -> bool {
    let w = t.split_whitespace().count();
    if w > 25 {
        return false;
    }
    let l = t.to_lowercase();
    if ["not found", "exception", "traceback", "unavailable", "unknown tool", "invalid", "denied"].iter().any(|m| l.contains(m)) {
        return true;
    }
    // "error" / "failed" unless counted as none ("0 failed", "no errors").
    let toks: Vec<&str> = l.split(|c: char| !c.is_alphanumeric()).filter(|x| !x.is_empty()).collect();
    toks.iter().enumerate().any(|(k, x)| {
        matches!(*x, "error" | "errors" | "failed" | "failure") && !(k > 0 && matches!(toks[k - 1], "0" | "no" | "zero" | "without"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_canonical() {
        let n: Vec<String> = numbers("EUR 18,934.50 and 412 orders, 984.0 vs 984.00, KX-204").into_iter().map(|x| x.0).collect();
        assert_eq!(n, vec!["18934.5", "412", "984", "984"]);
        assert_eq!(canonical_number("18934.5").as_deref(), Some("18934.5"));
    }

    #[test]
    fn error_reports() {
        assert!(reports_error("Tool not found"));
        assert!(reports_error("Error: timeout after 30 s"));
        assert!(!reports_error("42 passed, 0 failed"));
        assert!(!reports_error("done, no errors"));
    }

    #[test]
    fn ids_and_shapes() {
        let v = ids("zone SR-1 not LOBBY-1; sub_9Xk04, 10.44.8.0/24, plain-word");
        assert_eq!(v, vec!["SR-1", "LOBBY-1", "sub_9Xk04", "10.44.8.0/24"]);
        assert_eq!(id_shape("SR-1"), id_shape("LOBBY-1"));
    }

    #[test]
    fn enumerations_and_blocking() {
        let e = enumerations("rotate all four (billing, payouts, fraud-check, webhooks) now; for depots A-1, A-2 and A-3.");
        assert_eq!(e.len(), 2);
        assert_eq!(e[0], vec!["A-1", "A-2", "A-3"]);
        assert_eq!(e[1], vec!["billing", "payouts", "fraud-check", "webhooks"]);
        let r = required_enumerations(
            "the keys of all four integrations (billing, payouts, fraud-check, webhooks); list them with depot, fridge and duration.",
        );
        assert_eq!(r, vec![vec!["billing", "payouts", "fraud-check", "webhooks"]]);
        let e = enumerations("keys of billing, payouts, fraud-check and webhooks");
        assert_eq!(e[0].len(), 4);
        let b = blocking_clauses("fuel 100% | brake pads 2 mm: not roadworthy | tyres ok");
        assert_eq!(b.len(), 1);
        assert!(has_word("must NOT be rented", "not"));
        assert!(!has_word("nothing", "not"));
    }
}
