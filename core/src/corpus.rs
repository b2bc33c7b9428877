//! Locating the shared OTLP capture corpus (`../shared/otlp-corpus`) and the framework captures
//! (`tests/frameworks/captures`) for tests and benchmarks.
//!
//! A capture directory holds the POST bodies an OTLP/HTTP exporter sent, in request order:
//! `NNNN.v1_traces.bin` (or `NNNN.bin`) for traces and `NNNN.v1_logs.bin` for logs, each with a
//! `<stem>.meta.json` (`content_type`, `content_encoding`).
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::model::SpanRecord;
use crate::otlp::{decode_body, decode_logs_body, Limits};

/// One captured POST body.
#[derive(Debug, Clone)]
pub struct CapturedBody {
    pub bin: PathBuf,
    pub otlp_json: Option<PathBuf>,
    pub content_type: String,
    pub content_encoding: Option<String>,
}

/// One capture directory (one framework run).
#[derive(Debug, Clone)]
pub struct Capture {
    pub name: String,
    pub dir: PathBuf,
    /// Trace bodies (`/v1/traces`).
    pub bodies: Vec<CapturedBody>,
    /// Log bodies (`/v1/logs`): GenAI content events of the same spans.
    pub log_bodies: Vec<CapturedBody>,
}

/// `$AGENTTRACE_CORPUS`, else `../shared/otlp-corpus` next to the workspace, else `/work/shared/otlp-corpus`.
pub fn corpus_dir() -> Option<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let candidates = [
        std::env::var_os("AGENTTRACE_CORPUS").map(PathBuf::from),
        Some(workspace.join("../shared/otlp-corpus")),
        Some(PathBuf::from("/work/shared/otlp-corpus")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_dir())
}

/// All captures, sorted by name; bodies sorted in request order.
pub fn captures() -> Vec<Capture> {
    match corpus_dir() {
        Some(root) => captures_in(&root),
        None => Vec::new(),
    }
}

/// The framework captures committed with the repository (`tests/frameworks/captures`).
pub fn framework_captures() -> Vec<Capture> {
    captures_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/frameworks/captures"))
}

/// All capture directories under `root`, sorted by name; bodies sorted in request order.
pub fn captures_in(root: &Path) -> Vec<Capture> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(root) else { return out };
    for entry in entries.flatten() {
        let dir = entry.path();
        if !dir.is_dir() {
            continue;
        }
        let mut bodies = Vec::new();
        let mut log_bodies = Vec::new();
        let Ok(files) = std::fs::read_dir(&dir) else { continue };
        for f in files.flatten() {
            let p = f.path();
            let Some(name) = p.file_name().and_then(|n| n.to_str()) else { continue };
            let Some(stem) = name.strip_suffix(".bin") else { continue };
            let meta: serde_json::Value =
                std::fs::read(dir.join(format!("{stem}.meta.json"))).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
            let json = dir.join(format!("{stem}.otlp.json"));
            let body = CapturedBody {
                bin: p.clone(),
                otlp_json: json.is_file().then_some(json),
                content_type: meta["content_type"].as_str().unwrap_or("application/x-protobuf").to_string(),
                content_encoding: meta["content_encoding"].as_str().filter(|s| !s.is_empty()).map(str::to_string),
            };
            if stem.ends_with(".v1_logs") {
                log_bodies.push(body);
            } else if !stem.ends_with(".v1_metrics") {
                bodies.push(body);
            }
        }
        if bodies.is_empty() {
            continue;
        }
        bodies.sort_by(|a, b| a.bin.cmp(&b.bin));
        log_bodies.sort_by(|a, b| a.bin.cmp(&b.bin));
        out.push(Capture { name: entry.file_name().to_string_lossy().into_owned(), dir, bodies, log_bodies });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// All spans of a capture (every trace body, in request order), with the GenAI content its log
/// events carry folded into their spans as the extension does at ingest. Unreadable bodies are
/// All spans of a capture (every body, in request order).
pub fn load_capture(c: &Capture) -> Vec<SpanRecord> {
    let mut spans = Vec::new();
    for b in &c.bodies {
        let Ok(raw) = std::fs::read(&b.bin) else {
            continue;
        };
        if let Ok(d) = decode_body(&raw, Some(&b.content_type), b.content_encoding.as_deref(), &Limits::default()) {
            spans.extend(d.spans);
        }
    }
    spans
}

/// skipped.
pub fn load_run(c: &Capture) -> Vec<SpanRecord> {
    let limits = Limits::default();
    let mut spans = Vec::new();
    for b in &c.bodies {
        let Ok(raw) = std::fs::read(&b.bin) else { continue };
        if let Ok(d) = decode_body(&raw, Some(&b.content_type), b.content_encoding.as_deref(), &limits) {
            spans.extend(d.spans);
        }
    }
    let mut contents: HashMap<(crate::ids::TraceId, crate::ids::SpanId), Vec<serde_json::Value>> = HashMap::new();
    for b in &c.log_bodies {
        let Ok(raw) = std::fs::read(&b.bin) else { continue };
        let Ok(d) = decode_logs_body(&raw, Some(&b.content_type), b.content_encoding.as_deref(), &limits) else { continue };
        for r in &d.records {
            if let (Some(t), Some(s), Some(c)) = (r.trace_id, r.span_id, crate::logs::genai_content(r)) {
                contents.entry((t, s)).or_default().push(c);
            }
        }
    }
    for s in &mut spans {
        if let Some(c) = contents.get(&(s.trace_id, s.span_id)) {
            crate::logs::apply_overlay(s, &crate::logs::span_overlay(c));
        }
    }
    spans
}
