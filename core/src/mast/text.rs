//! Small, bounded, allocation-light text helpers for the rules.
use std::collections::HashSet;

use crate::normalize::messages;

const STOPWORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "are",
    "but",
    "not",
    "you",
    "all",
    "any",
    "can",
    "had",
    "her",
    "was",
    "one",
    "our",
    "out",
    "has",
    "his",
    "how",
    "its",
    "may",
    "new",
    "now",
    "old",
    "see",
    "two",
    "way",
    "who",
    "did",
    "get",
    "let",
    "put",
    "say",
    "she",
    "too",
    "use",
    "with",
    "that",
    "this",
    "from",
    "they",
    "will",
    "would",
    "there",
    "their",
    "what",
    "about",
    "which",
    "when",
    "make",
    "like",
    "into",
    "than",
    "then",
    "them",
    "these",
    "some",
    "could",
    "other",
    "been",
    "have",
    "were",
    "your",
    "also",
    "only",
    "such",
    "more",
    "most",
    "very",
    "just",
    "over",
    "each",
    "does",
    "done",
    "here",
    "where",
    "while",
    "should",
    "must",
    "being",
    "itself",
    "is",
    "it",
    "of",
    "to",
    "in",
    "a",
    "an",
    "on",
    "or",
    "by",
    "as",
    "at",
    "be",
    "if",
    "no",
    "so",
    "up",
    "we",
    "do",
    "content",
    "role",
    "type",
    "name",
    "text",
    "user",
    "assistant",
    "system",
    "tool",
    "null",
    "none",
    "true",
    "false",
    "data",
    "additional_kwargs",
    "response_metadata",
    "kwargs",
    "messages",
    "message",
    "args",
    "arguments",
    "function",
    "call",
    "calls",
];

/// Bounded prefix at a char boundary.
pub fn head(t: &str, max: usize) -> &str {
    if t.len() <= max {
        return t;
    }
    let mut e = max;
    while e > 0 && !t.is_char_boundary(e) {
        e -= 1;
    }
    &t[..e]
}

/// Lower-case content words: alphabetic runs of 3+ letters that are not stop words.
pub fn words(t: &str, max_bytes: usize) -> Vec<String> {
    let mut out = Vec::new();
    for w in head(t, max_bytes).split(|c: char| !c.is_alphanumeric()) {
        if w.len() < 3 || w.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        let w = w.to_lowercase();
        if STOPWORDS.contains(&w.as_str()) {
            continue;
        }
        out.push(w);
    }
    out
}

/// Letters of a word that [`word_set`] compares.
const STEM: usize = 6;

/// Content words as hashes (no allocation per word): the unit of every overlap measure.
pub type Words = HashSet<u64>;

pub fn word_set(t: &str, max_bytes: usize) -> Words {
    let mut out = HashSet::new();
    for w in head(t, max_bytes).split(|c: char| !c.is_alphanumeric()) {
        if w.len() < 3 || w.bytes().any(|c| c.is_ascii_digit()) {
            continue;
        }
        // Words are compared on their first 6 letters: a crude stemmer that lets "ordered"
        // meet "order" and "delivered" meet "delivery".
        let mut h: u64 = 0xcbf29ce484222325;
        if w.is_ascii() {
            for b in w.bytes().take(STEM) {
                h ^= b.to_ascii_lowercase() as u64;
                h = h.wrapping_mul(0x100000001b3);
            }
            if w.len() <= 20 && STOPWORDS.iter().any(|s| s.len() == w.len() && s.eq_ignore_ascii_case(w)) {
                continue;
            }
        } else {
            let l = w.to_lowercase();
            if STOPWORDS.contains(&l.as_str()) {
                continue;
            }
            for b in l.chars().take(STEM).collect::<String>().bytes() {
                h ^= b as u64;
                h = h.wrapping_mul(0x100000001b3);
            }
        }
        out.insert(h);
    }
    out
}

/// Share of `src`'s words present in `target` (0 when `src` is empty).
pub fn coverage(src: &Words, target: &Words) -> f32 {
    if src.is_empty() {
        return 0.0;
    }
    src.iter().filter(|w| target.contains(*w)).count() as f32 / src.len() as f32
}

/// Digit- and case-insensitive key for "the same turn again" (Draft 1 == Draft 2).
pub fn repeat_key(t: &str) -> String {
    let mut out = String::with_capacity(t.len().min(512));
    let mut space = false;
    for c in head(t.trim(), 512).chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        if c.is_ascii_digit() {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Hash of [`repeat_key`] without allocating (FNV-1a over the normalized characters).
pub fn repeat_hash(t: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    let t = head(t.trim(), 512);
    let (mut space, mut started, mut last_hash) = (false, false, false);
    let push = |h: &mut u64, b: u8| {
        *h ^= b as u64;
        *h = h.wrapping_mul(0x100000001b3);
    };
    if t.is_ascii() {
        for b in t.bytes() {
            if b.is_ascii_whitespace() {
                space = true;
                continue;
            }
            if space && started {
                push(&mut h, b' ');
                last_hash = false;
            }
            space = false;
            started = true;
            if b.is_ascii_digit() {
                if !last_hash {
                    push(&mut h, b'#');
                    last_hash = true;
                }
            } else {
                last_hash = false;
                push(&mut h, b.to_ascii_lowercase());
            }
        }
        return h;
    }
    for b in repeat_key(t).bytes() {
        push(&mut h, b);
    }
    h
}

/// Key for "the same arguments" of two tool calls, over the whole text (not a prefix, digits
/// and case kept): canonical JSON (object keys sorted, no insignificant whitespace; a JSON
/// string holding JSON is read through) where the arguments parse as JSON, else the text with
/// whitespace runs collapsed; hashed (FNV-1a, 64 bits).
pub fn args_key(t: &str) -> u64 {
    fn canon(v: &serde_json::Value, out: &mut String, depth: usize) {
        use serde_json::Value;
        match v {
            Value::Object(o) if depth < 64 => {
                let mut keys: Vec<&String> = o.keys().collect();
                keys.sort();
                out.push('{');
                for (n, k) in keys.into_iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    canon(&o[k], out, depth + 1);
                }
                out.push('}');
            }
            Value::Array(a) if depth < 64 => {
                out.push('[');
                for (n, x) in a.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    canon(x, out, depth + 1);
                }
                out.push(']');
            }
            v => out.push_str(&v.to_string()),
        }
    }
    let t = t.trim();
    let mut key = String::with_capacity(t.len());
    match serde_json::from_str::<serde_json::Value>(t) {
        Ok(serde_json::Value::String(s)) if s.trim_start().starts_with(['{', '[']) => match serde_json::from_str(&s) {
            Ok(inner) => canon(&inner, &mut key, 0),
            Err(_) => key.push_str(&serde_json::Value::String(s).to_string()),
        },
        Ok(v) => canon(&v, &mut key, 0),
        Err(_) => {
            key.push('\u{0}'); // not JSON: never equal to a JSON text
            for w in t.split_whitespace() {
                key.push(' ');
                key.push_str(w);
            }
        }
    }
    let mut h: u64 = 0xcbf29ce484222325;
    for b in key.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Case-insensitive substring test (needle any case).
pub fn contains_ci(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let n = needle.to_lowercase();
    if hay.is_ascii() && n.is_ascii() {
        let h = hay.as_bytes();
        let nb = n.as_bytes();
        return h.len() >= nb.len() && h.windows(nb.len()).any(|w| w.iter().zip(nb).all(|(a, b)| a.to_ascii_lowercase() == *b));
    }
    hay.to_lowercase().contains(&n)
}

/// First keyword of `list` contained in `t`.
pub fn find_keyword<'a>(t: &str, list: &'a [String]) -> Option<&'a str> {
    list.iter().find(|k| contains_ci(t, k)).map(String::as_str)
}

/// The termination keyword an output announces: the keyword as the output's last word, the way
/// AutoGen ends a chat (`content.rstrip().endswith("TERMINATE")`), in capitals when it is written
/// in capitals (a lower-case "terminate" is prose). Not the "terminated" of "the cover crop was
/// terminated", nor a plan that says "reply TERMINATE when done".
pub fn find_termination<'a>(t: &str, list: &'a [String]) -> Option<&'a str> {
    let tail = t.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '.' | '!' | '`' | '*' | '"' | '\'' | ')' | ']'));
    let last = tail.rsplit(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("");
    list.iter()
        .find(|k| {
            let upper = k.chars().any(char::is_alphabetic) && !k.chars().any(char::is_lowercase);
            if upper {
                last == k.as_str()
            } else {
                last.eq_ignore_ascii_case(k)
            }
        })
        .map(String::as_str)
}

/// Readable text of a recorded input/output: chat-message JSON becomes its message contents
/// (`last_only`: the last non-empty one), other JSON its string leaves, plain text stays.
pub fn readable(t: &str, last_only: bool) -> Option<String> {
    let tt = t.trim();
    if tt.is_empty() {
        return None;
    }
    if !(tt.starts_with('{') || tt.starts_with('[')) {
        return Some(tt.to_string());
    }
    let msgs = messages::from_json_text(tt);
    if !msgs.is_empty() {
        let text = if last_only {
            messages::last_text(&msgs).unwrap_or_default()
        } else {
            msgs.iter().map(|m| m.content.as_str()).filter(|c| !c.is_empty()).collect::<Vec<_>>().join("\n")
        };
        return (!text.trim().is_empty()).then(|| text.trim().to_string());
    }
    let v: serde_json::Value = serde_json::from_str(head(tt, 1 << 20)).ok()?;
    let contents = message_like(&v);
    if !contents.is_empty() {
        let text = if last_only { contents.last().cloned().unwrap_or_default() } else { contents.join("\n") };
        return (!text.trim().is_empty()).then(|| text.trim().to_string());
    }
    // Serialized framework messages (LangChain `{"lc": 1, ..., "kwargs": {"content": ...}}`).
    let mut contents = Vec::new();
    content_strings(&v, &mut contents, 0);
    if !contents.is_empty() {
        let text = if last_only { contents.last().cloned().unwrap_or_default() } else { contents.join("\n") };
        return Some(text.trim().to_string());
    }
    let mut leaves = Vec::new();
    collect_strings(&v, &mut leaves, 0);
    let text = if last_only { leaves.last().cloned().unwrap_or_default() } else { leaves.join("\n") };
    (!text.trim().is_empty()).then(|| text.trim().to_string())
}

/// Contents of `{"messages": [...]}` lists whose items are objects with a `content` string
/// (AutoGen-style `source`/`content`) or Python reprs with `content='...'`.
fn message_like(v: &serde_json::Value) -> Vec<String> {
    let Some(items) = v.get("messages").and_then(|m| m.as_array()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for it in items.iter().take(256) {
        let c = match it {
            serde_json::Value::Object(o) => o.get("content").and_then(|c| c.as_str()).map(str::to_string),
            serde_json::Value::String(s) => repr_content(s),
            _ => None,
        };
        if let Some(c) = c.filter(|c| !c.trim().is_empty()) {
            out.push(c);
        }
    }
    out
}

fn repr_content(s: &str) -> Option<String> {
    let p = s.find("content='")? + "content='".len();
    let rest = &s[p..];
    let end = rest.find("' type=").or_else(|| rest.rfind('\''))?;
    Some(rest[..end].to_string())
}

/// The task in a recorded run input: a `task`/`input`/`query`/... field, the first user
/// message, or the readable text.
pub fn task_text(t: &str) -> Option<String> {
    let tt = t.trim();
    if tt.starts_with('{') || tt.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(head(tt, 1 << 20)) {
            for k in ["task", "input", "query", "question", "prompt", "topic", "objective"] {
                if let Some(s) = v.get(k).and_then(|x| x.as_str()).filter(|s| !s.trim().is_empty()) {
                    return Some(s.trim().to_string());
                }
            }
            let msgs = messages::from_json(&v);
            if let Some(m) = msgs.iter().find(|m| m.role == "user" && !m.content.trim().is_empty()) {
                return Some(m.content.trim().to_string());
            }
            if let Some(first) = message_like(&v).into_iter().next() {
                return Some(first);
            }
        }
    }
    readable(tt, false)
}

/// Non-empty string values of `content` keys, depth-first, bounded.
pub fn content_strings(v: &serde_json::Value, out: &mut Vec<String>, depth: usize) {
    if depth > 10 || out.len() > 64 {
        return;
    }
    match v {
        serde_json::Value::Array(a) => a.iter().for_each(|x| content_strings(x, out, depth + 1)),
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                match x {
                    serde_json::Value::String(s) if k == "content" && !s.trim().is_empty() => out.push(s.clone()),
                    _ => content_strings(x, out, depth + 1),
                }
            }
        }
        _ => {}
    }
}

/// A tool result as the tool returned it: framework wrappers (LangChain `ToolMessage`
/// serializations with `content` and `tool_call_id`) unwrapped, other text unchanged.
pub fn tool_result_text(t: &str) -> String {
    let tt = t.trim();
    if tt.starts_with('{') && tt.contains("tool_call_id") {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(head(tt, 1 << 20)) {
            let mut c = Vec::new();
            content_strings(&v, &mut c, 0);
            if !c.is_empty() {
                return c.join("\n");
            }
        }
    }
    tt.to_string()
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>, depth: usize) {
    if depth > 8 || out.len() > 64 {
        return;
    }
    match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out, depth + 1)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect_strings(x, out, depth + 1)),
        _ => {}
    }
}

/// Short quote for explanations: first line, at most `n` chars, with an ellipsis when cut.
pub fn quote(t: &str, n: usize) -> String {
    let line = t.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let mut q: String = line.chars().take(n).collect();
    if line.chars().count() > n || t.trim().lines().count() > 1 {
        q.push('…');
    }
    q
}

/// Sentences in a text (terminal punctuation followed by space or end).
pub fn sentence_count(t: &str) -> usize {
    let b: Vec<char> = t.trim().chars().collect();
    let mut n = 0;
    for i in 0..b.len() {
        if matches!(b[i], '.' | '!' | '?') && (i + 1 == b.len() || b[i + 1].is_whitespace()) {
            // "e.g. " / "etc. " style abbreviations: a short lowercase token before the dot.
            let start = b[..i].iter().rposition(|c| c.is_whitespace()).map(|p| p + 1).unwrap_or(0);
            let tok: String = b[start..i].iter().collect();
            if tok.contains('.') || (tok.len() <= 3 && tok.chars().all(|c| c.is_lowercase()) && i + 1 < b.len()) {
                continue;
            }
            n += 1;
        }
    }
    if n == 0 && !t.trim().is_empty() {
        1
    } else {
        n
    }
}

/// A text whose every non-empty line is one of `keywords` (case and punctuation aside), such as a
/// bare "TERMINATE". Empty text is not.
pub fn only_keywords(t: &str, keywords: &[String]) -> bool {
    let mut any = false;
    for l in t.lines() {
        let w = l.trim().trim_matches(|c: char| !c.is_alphanumeric());
        if w.is_empty() {
            continue;
        }
        if !keywords.iter().any(|k| k.eq_ignore_ascii_case(w)) {
            return false;
        }
        any = true;
    }
    any
}

/// A crash dump: a runtime's report of an unhandled error with its stack, in any of the common
/// shapes (Python's traceback; JVM, .NET, Node.js and Go stack frames; Rust's panic message).
/// Frames are counted per shape: one frame-like line is not a crash, two are.
pub fn is_crash_dump(t: &str) -> bool {
    let t = head(t, 16_000);
    if t.contains("Traceback (most recent call last)") || (t.contains("thread '") && t.contains("' panicked at")) {
        return true;
    }
    if t.contains("goroutine ") && t.contains("panic: ") {
        return true;
    }
    let (mut jvm, mut node, mut dotnet) = (0, 0, 0);
    for l in t.lines().map(str::trim_start) {
        let Some(rest) = l.strip_prefix("at ") else { continue };
        let rest = rest.trim_end();
        if rest.ends_with(')')
            && (rest.contains(".java:") || rest.contains(".kt:") || rest.contains(".scala:") || rest.contains("(Native Method)"))
        {
            jvm += 1;
        } else if rest.contains(".js:") || rest.contains(".ts:") || rest.contains(".mjs:") || rest.contains("node:internal") {
            node += 1;
        } else if rest.contains(") in ") && rest.contains(":line ") {
            dotnet += 1;
        }
    }
    jvm >= 2 || node >= 2 || dotnet >= 2
}

/// A crash dump that ends the text: the text is a crash dump ([`is_crash_dump`]) and its last
/// non-empty line is part of it (an exception line, a stack frame or a panic), so nothing was
/// said after the crash. A run that logged a crash and then answered did not end in it.
pub fn ends_in_crash(t: &str) -> bool {
    static LINE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = LINE.get_or_init(|| {
        regex::Regex::new(
            r#"^(?:File "[^"]*", line \d+|at \S.*|[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Fault|Panic)\b.*|panic: .*|goroutine \d+ .*|thread '.*' panicked at .*|\S+\.(?:go|rs):\d+.*|called `.*` on .*)$"#,
        )
        .expect("crash line pattern")
    });
    if !is_crash_dump(t) {
        return false;
    }
    let mut from = t.len().saturating_sub(4096);
    while !t.is_char_boundary(from) {
        from += 1;
    }
    let tail = &t[from..];
    tail.lines().map(str::trim).rfind(|l| !l.is_empty()).is_some_and(|l| re.is_match(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_dumps_of_several_runtimes() {
        let py = "Traceback (most recent call last):\n  File \"a.py\", line 3, in <module>\nKeyError: 'x'";
        let jvm = "Exception in thread \"main\" java.lang.NullPointerException\n\tat com.acme.Report.total(Report.java:41)\n\tat com.acme.Main.main(Main.java:12)";
        let node = "TypeError: Cannot read properties of undefined (reading 'id')\n    at handler (/srv/app/index.js:14:22)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)";
        let dotnet = "System.InvalidOperationException: Sequence contains no elements\n   at Acme.Billing.Sum() in C:\\src\\Billing.cs:line 18\n   at Acme.Program.Main() in C:\\src\\Program.cs:line 9";
        let go =
            "panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:8 +0x1d";
        let rust = "thread 'main' panicked at src/main.rs:4:5:\ncalled `Option::unwrap()` on a `None` value";
        for t in [py, jvm, node, dotnet, go, rust] {
            assert!(is_crash_dump(t), "{t}");
            assert!(ends_in_crash(t), "{t}");
            // A crash that was logged and then answered after does not end the text.
            assert!(!ends_in_crash(&format!("{t}\nRetried with a smaller page.\nFINAL ANSWER: 42")), "{t}");
        }
        // Prose that mentions errors, a single "at" line and directions are not crashes.
        for t in [
            "The build failed with an error: the disk was full. We retried at 10:00.",
            "Meet at the station (platform 2).\nThen walk at least 5 minutes to the museum (exit B).",
            "Error: invalid date\n    at least one field is wrong (see form.js:10)",
        ] {
            assert!(!is_crash_dump(t), "{t}");
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(repeat_key("Draft 12: needs  more research."), repeat_key("draft 3: needs more research."));
        assert_ne!(repeat_key("Draft 1"), repeat_key("Final 1"));
        assert_eq!(words("The OpenTelemetry project, v2 0x12 CNCF!", 100), vec!["opentelemetry", "project", "cncf"]);
        assert_eq!(word_set("The OpenTelemetry project", 100), word_set("opentelemetry PROJECT the", 100));
        assert_eq!(word_set("The OpenTelemetry project", 100).len(), 2);
        assert_eq!(repeat_hash("Draft 1:  needs more"), repeat_hash("draft 22: needs more"));
        assert_ne!(repeat_hash("Draft 1"), repeat_hash("Drafts 1"));
        assert!(contains_ci("Hello TERMINATE", "terminate"));
        assert!(contains_ci("Ünïcode ABC", "abc"));
        assert_eq!(readable(r#"{"messages":[{"type":"ai","data":{"content":"plan"}}]}"#, true).as_deref(), Some("plan"));
        assert_eq!(readable(r#"{"topic": "x y"}"#, false).as_deref(), Some("x y"));
        assert_eq!(readable("  ", false), None);
        assert_eq!(sentence_count("One. Two! Three?"), 3);
        assert_eq!(sentence_count("OpenTelemetry is a CNCF framework for traces, metrics and logs."), 1);
        assert_eq!(sentence_count("Use e.g. this one."), 1);
        assert_eq!(quote("abcdef\nx", 3), "abc…");
        assert_eq!(head("héllo", 2), "h");
    }
}
