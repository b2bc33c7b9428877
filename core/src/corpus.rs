//! Locating the shared OTLP capture corpus (`../shared/otlp-corpus`) for tests and benchmarks.
use std::path::{Path, PathBuf};

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
    pub bodies: Vec<CapturedBody>,
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
    let Some(root) = corpus_dir() else { return Vec::new() };
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&root) else { return out };
    for entry in entries.flatten() {
        let dir = entry.path();
        if !dir.is_dir() {
            continue;
        }
        let mut bodies = Vec::new();
        let Ok(files) = std::fs::read_dir(&dir) else { continue };
        for f in files.flatten() {
            let p = f.path();
            let Some(name) = p.file_name().and_then(|n| n.to_str()) else { continue };
            let Some(stem) = name.strip_suffix(".bin") else { continue };
            let meta: serde_json::Value =
                std::fs::read(dir.join(format!("{stem}.meta.json"))).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
            let json = dir.join(format!("{stem}.otlp.json"));
            bodies.push(CapturedBody {
                bin: p.clone(),
                otlp_json: json.is_file().then_some(json),
                content_type: meta["content_type"].as_str().unwrap_or("application/x-protobuf").to_string(),
                content_encoding: meta["content_encoding"].as_str().filter(|s| !s.is_empty()).map(str::to_string),
            });
        }
        if bodies.is_empty() {
            continue;
        }
        bodies.sort_by(|a, b| a.bin.cmp(&b.bin));
        out.push(Capture { name: entry.file_name().to_string_lossy().into_owned(), dir, bodies });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}
