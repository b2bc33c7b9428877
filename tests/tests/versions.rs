//! Same corpus, same results on every tested PostgreSQL version.
//!
//! `AGENTTRACE_TEST_VERSION_URLS` lists one server per version as `label=url` (space separated;
//! the URL of any database there, e.g. `17=postgres://postgres@127.0.0.1:5417/postgres`).
//! `scripts/test.sh` sets it after testing each version and runs this test with
//! `--include-ignored`. On each server the test creates a fresh database (with TimescaleDB where
//! that server preloads it, and on the first server also one without), ingests the whole corpus
//! unchanged in the same order, classifies every run, and takes a digest of everything derived:
//! every table of the schema row by row (without the columns that hold the time of ingest),
//! the views, and the analysis functions per run (agent graph, Grafana node graph frames, span
//! tree, MAST classification, failure attribution, checkpoints), time-bucketed stats and search.
//! Every digest must equal the first one; a difference names the version, the item and both
//! values.
use std::collections::BTreeMap;

use agenttrace_tests::*;
use postgres::{Client, NoTls};

/// Items whose text PostgreSQL 16 changed: `ts_headline` (the snippets of `search_runs`) picks
/// other fragments of the same document than 15 did. They are compared between servers on the
/// same side of 16 only; the highlighted words and everything else are compared everywhere.
const HEADLINE: &str = "snippet of ";

fn major(version: &str) -> u32 {
    version.split(|c: char| !c.is_ascii_digit()).next().and_then(|m| m.parse().ok()).unwrap_or(0)
}

static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn servers() -> Vec<(String, String)> {
    std::env::var("AGENTTRACE_TEST_VERSION_URLS")
        .unwrap_or_default()
        .split_whitespace()
        .map(|s| {
            let (label, url) = s.split_once('=').unwrap_or_else(|| panic!("AGENTTRACE_TEST_VERSION_URLS: `{s}` is not label=url"));
            (label.to_string(), url.to_string())
        })
        .collect()
}

fn with_db(url: &str, db: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("database URL");
    format!("{base}/{db}")
}

fn text_rows(c: &mut Client, sql: &str) -> Vec<String> {
    c.query(&format!("SELECT x::text FROM ({sql}) x"), &[])
        .unwrap_or_else(|e| panic!("{sql}: {}", e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string())))
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect()
}

/// Columns filled with the time of the insert or update (`DEFAULT now()`), and copies of them
/// (`mast_runs.run_updated_at` is the `updated_at` of the run it classified), which differ between
/// any two databases; everything else is data or derived from it.
fn ingest_time_columns(c: &mut Client) -> Vec<String> {
    let defaults: Vec<String> = c.query(
        "SELECT DISTINCT a.attname::text FROM pg_attrdef d
           JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
           JOIN pg_class t ON t.oid = d.adrelid
          WHERE t.relnamespace = 'agenttrace'::regnamespace AND pg_get_expr(d.adbin, d.adrelid) ~ 'now\\(\\)|CURRENT_TIMESTAMP|clock_timestamp'",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    let columns: Vec<String> = c
        .query(
            "SELECT DISTINCT a.attname::text FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid
              WHERE t.relnamespace = 'agenttrace'::regnamespace AND a.attnum > 0 AND a.atttypid = 'timestamptz'::regtype",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    columns.into_iter().filter(|col| defaults.iter().any(|d| col == d || col.ends_with(&format!("_{d}")))).collect()
}

/// Item -> text of its rows, for one database holding the ingested and classified corpus.
fn digest(c: &mut Client) -> BTreeMap<String, String> {
    let mut d = BTreeMap::new();
    let volatile = ingest_time_columns(c);
    // Tables and views, row by row (views whose rows depend on now() are left out).
    let relations: Vec<(String, String, Vec<String>)> = c
        .query(
            "SELECT c.relname::text, c.relkind::text, array_agg(quote_ident(a.attname) ORDER BY a.attnum)
               FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              WHERE c.relnamespace = 'agenttrace'::regnamespace AND c.relkind IN ('r', 'p', 'v')
                AND NOT (c.relkind = 'v' AND c.relname LIKE '%\\_1h')
              GROUP BY 1, 2 ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    for (rel, kind, cols) in relations {
        let cols: Vec<String> = cols.into_iter().filter(|col| !volatile.contains(&col.trim_matches('"').to_string())).collect();
        let rows = text_rows(c, &format!("SELECT row({})::text AS r FROM agenttrace.{rel} ORDER BY 1", cols.join(", ")));
        d.insert(format!("{} {rel}", if kind == "v" { "view" } else { "table" }), rows.join("\n"));
    }
    // Analysis functions, per run.
    let runs: Vec<String> =
        c.query("SELECT DISTINCT run_id::text FROM agenttrace.runs ORDER BY 1", &[]).unwrap().iter().map(|r| r.get(0)).collect();
    assert!(runs.len() >= 15, "only {} runs stored", runs.len());
    for run in &runs {
        for (name, sql) in [
            ("agent_graph", format!("SELECT agenttrace.agent_graph('{run}', include_tools => true)")),
            ("graph_nodes", format!("SELECT g FROM agenttrace.graph_nodes('{run}') g ORDER BY 1")),
            ("graph_edges", format!("SELECT g FROM agenttrace.graph_edges('{run}') g ORDER BY 1")),
            ("span_tree", format!("SELECT t FROM agenttrace.span_tree('{run}') t")),
            ("classify", format!("SELECT m FROM agenttrace.classify('{run}') m ORDER BY 1")),
            ("attribute_failure", format!("SELECT agenttrace.attribute_failure('{run}')")),
            ("checkpoints", format!("SELECT k FROM agenttrace.checkpoints('{run}') k ORDER BY 1")),
            ("agent_activity", format!("SELECT a FROM agenttrace.agent_activity a WHERE run_id = '{run}' ORDER BY 1")),
        ] {
            d.insert(format!("{name}({run})"), text_rows(c, &sql).join("\n"));
        }
    }
    let window = "'1 hour', '2000-01-01', '2100-01-01'";
    for f in ["run_stats", "service_stats", "agent_stats", "llm_stats", "tool_stats", "error_stats"] {
        d.insert(format!("{f}(1 hour)"), text_rows(c, &format!("SELECT s FROM agenttrace.{f}({window}) s ORDER BY 1")).join("\n"));
    }
    for q in ["search backend unreachable", "unreachabel backend", "timeout", "handoff writer", "invoice"] {
        // Everything but the snippet; then the words the snippet highlights; then the snippet itself,
        // which PostgreSQL 16 changed (ts_headline picks other fragments of the same document).
        let from = format!("agenttrace.search_runs('{q}', 20) s");
        let rows = format!("SELECT s.run_id, s.score, s.start_time, s.service_name, s.framework, s.status FROM {from}");
        d.insert(format!("search_runs({q})"), text_rows(c, &rows).join("\n"));
        let words = format!(
            "SELECT s.run_id, ARRAY(SELECT DISTINCT lower(m[1]) FROM regexp_matches(s.snippet, '<b>(.*?)</b>', 'g') m ORDER BY 1) FROM {from}"
        );
        d.insert(format!("search_runs({q}) highlighted words"), text_rows(c, &words).join("\n"));
        d.insert(format!("{HEADLINE}search_runs({q})"), text_rows(c, &format!("SELECT s.run_id, s.snippet FROM {from}")).join("\n"));
    }
    d
}

/// What one server gives for the corpus: a description (its version, with or without TimescaleDB),
/// the server's version, the ingest results and the digest.
type CorpusDigest = (String, String, Vec<String>, BTreeMap<String, String>);

/// A fresh database on the server of `url` with the corpus ingested and classified; returns its
/// name, the server's version, whether it has TimescaleDB, the ingest results and the digest.
fn corpus_digest(url: &str, timescaledb: bool) -> CorpusDigest {
    let mut server = Client::connect(url, NoTls).unwrap_or_else(|e| panic!("cannot connect to {url}: {e} (run scripts/test.sh)"));
    let version: String = server.query_one("SHOW server_version", &[]).unwrap().get(0);
    let name = format!("agenttrace_test_versions_{}", agenttrace_core::ids::to_hex(&fresh_salt()));
    server.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut db = Client::connect(&with_db(url, &name), NoTls).unwrap();
        let tsdb = if timescaledb { "CREATE EXTENSION timescaledb;" } else { "" };
        // One CREATE EXTENSION at a time: two in the same cluster would both create its roles.
        let _one = CREATING.lock().unwrap_or_else(|e| e.into_inner());
        db.batch_execute(&format!("SET client_min_messages = warning; {tsdb} CREATE EXTENSION pg_trgm; CREATE EXTENSION pg_agenttrace;"))
            .unwrap();
        drop(_one);
        let mut results = Vec::new();
        let mut captures = all_captures();
        captures.sort_by(|a, b| a.name.cmp(&b.name));
        for cap in &captures {
            let mut bodies = cap.bodies.clone();
            bodies.sort_by(|a, b| a.bin.cmp(&b.bin));
            for b in &bodies {
                let body = std::fs::read(&b.bin).unwrap();
                let r = ingest(&mut db, &body, &b.content_type, b.content_encoding.as_deref());
                results.push(format!("{} {}: {r:?}", cap.name, b.bin.file_name().unwrap().to_string_lossy()));
            }
        }
        db.batch_execute("UPDATE agenttrace.mast_settings SET value = '0' WHERE key = 'pending_quiet_seconds'").unwrap();
        let mut classified = 0i64;
        loop {
            let n: i64 = db.query_one("SELECT agenttrace.classify_pending()", &[]).unwrap().get(0);
            if n == 0 {
                break;
            }
            classified += n;
        }
        results.push(format!("classify_pending: {classified}"));
        (results, digest(&mut db))
    }));
    let _ = server.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    match result {
        Ok((results, d)) => (format!("PostgreSQL {version}{}", if timescaledb { " + TimescaleDB" } else { "" }), version, results, d),
        Err(e) => std::panic::resume_unwind(e),
    }
}

fn preloads_timescaledb(url: &str) -> bool {
    let mut c = Client::connect(url, NoTls).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    let preload: String = c.query_one("SHOW shared_preload_libraries", &[]).unwrap().get(0);
    preload.contains("timescaledb")
}

fn short(s: &str) -> String {
    if s.len() > 600 {
        format!("{}… ({} bytes)", &s[..s.char_indices().take_while(|(i, _)| *i < 600).last().map(|(i, _)| i).unwrap_or(0)], s.len())
    } else {
        s.to_string()
    }
}

/// First differing line of two multi-line texts.
fn first_difference(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    for i in 0..la.len().max(lb.len()) {
        let (x, y) = (la.get(i).copied().unwrap_or("<none>"), lb.get(i).copied().unwrap_or("<none>"));
        if x != y {
            return format!("line {i} of {} vs {}:\n      {}\n      {}", la.len(), lb.len(), short(x), short(y));
        }
    }
    "equal".into()
}

#[test]
#[ignore = "needs a server per PostgreSQL version in AGENTTRACE_TEST_VERSION_URLS; scripts/test.sh runs it"]
fn the_corpus_gives_the_same_results_on_every_postgresql_version() {
    let servers = servers();
    assert!(servers.len() >= 2, "AGENTTRACE_TEST_VERSION_URLS must list at least two servers (label=url ...)");
    // (label, with TimescaleDB): TimescaleDB where the server preloads it; the first server also
    // without, so a difference shows whether it comes from the version or from TimescaleDB.
    let mut cases: Vec<(String, String, bool)> = Vec::new();
    for (i, (label, url)) in servers.iter().enumerate() {
        let tsdb = preloads_timescaledb(url);
        cases.push((label.clone(), url.clone(), tsdb));
        if i == 0 && tsdb {
            cases.push((format!("{label}-plain"), url.clone(), false));
        }
    }
    let digests: Vec<CorpusDigest> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|(label, url, tsdb)| {
                let (url, tsdb) = (url.clone(), *tsdb);
                (label.clone(), s.spawn(move || corpus_digest(&url, tsdb)))
            })
            .collect();
        handles
            .into_iter()
            .map(|(label, h)| {
                let (what, version, results, d) = h.join().unwrap_or_else(|_| panic!("{label}: corpus digest failed"));
                (format!("{label} ({what})"), version, results, d)
            })
            .collect()
    });
    let (ref_label, ref_version, ref_results, ref_digest) = &digests[0];
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    for (label, version, results, d) in &digests[1..] {
        let headlines_differ = (major(ref_version) >= 16) != (major(version) >= 16);
        if results != ref_results {
            let diff: Vec<String> =
                ref_results.iter().zip(results).filter(|(a, b)| a != b).take(5).map(|(a, b)| format!("    {a}\n    {b}")).collect();
            problems.push(format!("{label}: ingest results differ from {ref_label}:\n{}", diff.join("\n")));
        }
        let keys: std::collections::BTreeSet<&String> = ref_digest.keys().chain(d.keys()).collect();
        let mut differing: Vec<&&String> = keys.iter().filter(|k| ref_digest.get(**k) != d.get(**k)).collect();
        if headlines_differ {
            let n = differing.len();
            differing.retain(|k| !k.starts_with(HEADLINE));
            if n > differing.len() {
                notes.push(format!(
                    "{label}: {} of {} search snippets differ from {ref_label} (ts_headline changed in PostgreSQL 16; highlighted words equal)",
                    n - differing.len(),
                    keys.iter().filter(|k| k.starts_with(HEADLINE)).count()
                ));
            }
        }
        for k in differing.iter().take(10) {
            let (a, b) =
                (ref_digest.get(**k).map(String::as_str).unwrap_or("<missing>"), d.get(**k).map(String::as_str).unwrap_or("<missing>"));
            problems.push(format!("{label}: `{k}` differs from {ref_label}: {}", first_difference(a, b)));
        }
        if differing.len() > 10 {
            problems.push(format!("{label}: … {} items differ in all", differing.len()));
        }
    }
    let sizes: usize = ref_digest.values().map(String::len).sum();
    eprintln!(
        "compared {} items ({} bytes of result text, {} ingest results) across: {}",
        ref_digest.len(),
        sizes,
        ref_results.len(),
        digests.iter().map(|(l, ..)| l.as_str()).collect::<Vec<_>>().join(", ")
    );
    for n in &notes {
        eprintln!("note: {n}");
    }
    assert!(problems.is_empty(), "results differ across PostgreSQL versions:\n{}", problems.join("\n"));
}
