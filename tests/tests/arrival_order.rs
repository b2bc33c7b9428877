//! Whatever order a run's spans arrive in, the stored rows are the same, so incremental ingest
//! may extend a run from each request's new spans alone: every
//! capture of the corpus split into random requests of 1-8 spans in random order (children before
//! parents, links before their targets, set-up traces anywhere), with re-deliveries, gives exactly
//! the rows of every span and derived table (search text and incremental state included) that
//! ingesting each capture whole gives; and
//! `agenttrace.renormalize()` over the result changes nothing.
use agenttrace_core::rng::Rng;
use agenttrace_tests::*;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

/// The tables compared, with the columns that only record when a row was written left out.
const TABLES: &[&str] = &[
    "resources",
    "spans",
    "span_events",
    "span_links",
    "traces",
    "run_summaries",
    "agents",
    "agent_messages",
    "tool_calls",
    "checkpoints",
    "run_search",
    "run_state",
];
const WRITE_TIME_COLUMNS: &[&str] = &["first_seen", "ingested_at", "updated_at"];

/// The capture's spans (with their resource and scope) in random requests of 1-8 spans, in
/// random order, about one in five requests delivered twice (the second time later).
fn random_requests(reqs: &[ExportTraceServiceRequest], rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut spans: Vec<(usize, usize, Span)> = Vec::new();
    let mut shells: Vec<(ResourceSpans, Vec<ScopeSpans>)> = Vec::new();
    for req in reqs {
        for rs in &req.resource_spans {
            let r = shells.len();
            let scopes: Vec<ScopeSpans> = rs.scope_spans.iter().map(|ss| ScopeSpans { spans: Vec::new(), ..ss.clone() }).collect();
            for (si, ss) in rs.scope_spans.iter().enumerate() {
                spans.extend(ss.spans.iter().map(|s| (r, si, s.clone())));
            }
            shells.push((ResourceSpans { scope_spans: Vec::new(), ..rs.clone() }, scopes));
        }
    }
    for i in (1..spans.len()).rev() {
        spans.swap(i, rng.below(i + 1));
    }
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut rest = &spans[..];
    while !rest.is_empty() {
        let n = (1 + rng.below(8)).min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        let mut req = ExportTraceServiceRequest::default();
        for (r, (shell, scopes)) in shells.iter().enumerate() {
            let mut rs = shell.clone();
            for (si, scope) in scopes.iter().enumerate() {
                let mut ss = scope.clone();
                ss.spans = chunk.iter().filter(|(cr, cs, _)| *cr == r && *cs == si).map(|(_, _, s)| s.clone()).collect();
                if !ss.spans.is_empty() {
                    rs.scope_spans.push(ss);
                }
            }
            if !rs.scope_spans.is_empty() {
                req.resource_spans.push(rs);
            }
        }
        out.push(encode(&req));
    }
    let n = out.len();
    for i in 0..n {
        if rng.below(5) == 0 {
            let at = i + 1 + rng.below(out.len() - i);
            let again = out[i].clone();
            out.insert(at.min(out.len()), again);
        }
    }
    out
}

/// The compared columns of a table.
fn compared_columns(_table: &str, cols: Vec<String>) -> Vec<String> {
    cols.into_iter().filter(|c| !WRITE_TIME_COLUMNS.contains(&c.as_str())).collect()
}

fn fingerprint(db: &mut postgres::Client) -> Vec<(String, i64, String)> {
    let tables: Vec<(String, Vec<String>)> = tables_and_columns(db)
        .into_iter()
        .filter(|(t, _)| TABLES.contains(&t.as_str()))
        .map(|(t, cols)| {
            let cols = compared_columns(&t, cols);
            (t, cols)
        })
        .collect();
    assert_eq!(tables.len(), TABLES.len());
    data_fingerprint(db, &tables)
}

/// Rows of `table` in one database and not the other (for the failure message).
fn differing_rows(a: &mut postgres::Client, b: &mut postgres::Client, table: &str) -> String {
    let cols: Vec<String> =
        tables_and_columns(a).into_iter().find(|(t, _)| t == table).map(|(_, c)| compared_columns(table, c)).unwrap_or_default();
    let rows = |db: &mut postgres::Client| -> std::collections::BTreeSet<String> {
        db.query(&format!("SELECT row({})::text FROM agenttrace.{table}", cols.join(", ")), &[]).unwrap().iter().map(|r| r.get(0)).collect()
    };
    let (ra, rb) = (rows(a), rows(b));
    let cut = |r: &String| r.chars().take(1500).collect::<String>();
    let only_a: Vec<String> = ra.difference(&rb).take(2).map(cut).collect();
    let only_b: Vec<String> = rb.difference(&ra).take(2).map(cut).collect();
    format!("whole only: {only_a:#?}\nin parts only: {only_b:#?}")
}

#[test]
fn random_requests_in_random_order_store_what_whole_ingest_stores() {
    let captures = all_captures();
    let (whole_name, _, mut whole) = scratch_db("order_whole", timescaledb_tested(), None);
    // Every run keeps a state, however short, so the incremental path meets every capture.
    whole.batch_execute("SET agenttrace.state_min_spans = 0").unwrap();
    for c in &captures {
        for b in &c.bodies {
            let body = std::fs::read(&b.bin).unwrap();
            let r = ingest(&mut whole, &body, &b.content_type, b.content_encoding.as_deref());
            assert_eq!(r.error, None, "{}", c.name);
        }
    }
    let expected = fingerprint(&mut whole);
    let mut failures = Vec::new();
    for seed in [1u64, 2] {
        let (name, _, mut parts) = scratch_db("order_parts", timescaledb_tested(), None);
        parts.batch_execute("SET agenttrace.state_min_spans = 0").unwrap();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed);
        for c in &captures {
            let reqs: Vec<ExportTraceServiceRequest> = c.bodies.iter().map(request_of).collect();
            for body in random_requests(&reqs, &mut rng) {
                let r = ingest(&mut parts, &body, "application/x-protobuf", None);
                assert_eq!(r.error, None, "{} (seed {seed})", c.name);
            }
        }
        // Trace rows add up what each request inserted: they agree with their spans.
        let off: i64 = parts
            .query_one(
                "SELECT count(*) FROM agenttrace.traces t
                   JOIN LATERAL (SELECT count(*) AS n, count(*) FILTER (WHERE s.status_code = 2 OR s.is_error) AS e,
                                        min(s.start_time) AS st, max(s.end_time) AS en
                                   FROM agenttrace.spans s WHERE s.trace_id = t.trace_id) a ON true
                  WHERE (t.span_count, t.error_count, t.start_time, t.end_time) IS DISTINCT FROM (a.n::int, a.e::int, a.st, a.en)",
                &[],
            )
            .unwrap()
            .get(0);
        if off != 0 {
            failures.push(format!("seed {seed}: {off} traces rows do not add up their spans"));
        }
        for stage in ["random requests", "then renormalize()"] {
            if stage != "random requests" {
                parts.query_one("SELECT agenttrace.renormalize()", &[]).unwrap();
            }
            let got = fingerprint(&mut parts);
            for (e, g) in expected.iter().zip(&got) {
                if e != g {
                    failures.push(format!(
                        "seed {seed}, {stage}: {} differs ({} rows whole, {} in parts)\n{}",
                        e.0,
                        e.1,
                        g.1,
                        differing_rows(&mut whole, &mut parts, &e.0)
                    ));
                }
            }
        }
        drop(parts);
        drop_db(&name);
    }
    drop(whole);
    drop_db(&whole_name);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
