//! Incremental ingest: a long agent run exported the way SDKs export it (every span
//! when it ends, in small requests, the run's root last) is extended request by request — no
//! request after the first re-analyses the run whole (ingest says so at DEBUG1) — and what it
//! stores is exactly what `agenttrace.renormalize()` derives from the spans afterwards.
use agenttrace_core::corpus::Capture;
use agenttrace_tests::long_run::{long_run, long_run_request, whole_run_notices};
use agenttrace_tests::*;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

const DERIVED: &[&str] =
    &["spans", "traces", "run_summaries", "agents", "agent_messages", "tool_calls", "checkpoints", "run_search", "run_state"];

fn derived(db: &mut postgres::Client) -> Vec<(String, i64, String)> {
    let tables: Vec<(String, Vec<String>)> = tables_and_columns(db)
        .into_iter()
        .filter(|(t, _)| DERIVED.contains(&t.as_str()))
        .map(|(t, cols)| (t, cols.into_iter().filter(|c| !matches!(c.as_str(), "ingested_at" | "updated_at" | "first_seen")).collect()))
        .collect();
    data_fingerprint(db, &tables)
}

#[test]
fn long_run_in_export_order_is_extended_and_equals_renormalize() {
    check(long_run([0x15; 16], 120, false), "export order", ("success", None));
}

/// A run that fails at its end, the failure propagating from a tool call through its turn to the
/// root (each exported before its parent): the error forest decides the outcome from the state,
/// and names the tool call's agent, as whole-run analysis does.
#[test]
fn long_failing_run_in_export_order_is_extended_and_equals_renormalize() {
    // The last turn (k = 99) is the planner's: agents[99 % 3].
    check(long_run([0x17; 16], 100, true), "failing run", ("failure", Some("planner")));
}

/// Parents before children (the root first): every turn arrives before the stored ones in time
/// and every span finds its parent stored; messages are rebuilt from the turns, still no request
/// analyses the run whole.
#[test]
fn long_run_in_reverse_order_is_extended_and_equals_renormalize() {
    let mut spans = long_run([0x16; 16], 60, false);
    spans.reverse();
    check(spans, "reverse order", ("success", None));
}

fn check(spans: Vec<Span>, what: &str, outcome: (&str, Option<&str>)) {
    let (name, url, _) = scratch_db("incremental", timescaledb_tested(), None);
    let (mut db, whole) = whole_run_notices(&url);
    for chunk in spans.chunks(16) {
        let r = ingest(&mut db, &long_run_request(chunk), "application/x-protobuf", None);
        assert_eq!(r.error, None);
    }
    // Re-delivered requests change nothing and are not analysed whole either.
    for chunk in spans.chunks(16).step_by(9) {
        assert_eq!(ingest(&mut db, &long_run_request(chunk), "application/x-protobuf", None).error, None);
    }
    db.batch_execute("SET client_min_messages = warning").unwrap();
    // Until the run has more than agenttrace.state_min_spans (64) spans it keeps no state and its
    // requests read it back whole: the 2nd to 5th of these 16-span requests; none after.
    let whole = whole.lock().unwrap().clone();
    assert!(whole.iter().all(|m| m.contains("no state")), "{what}: requests re-analysed the run whole: {whole:?}");
    assert!(whole.len() <= 4, "{what}: {} requests analysed whole for lack of a state: {whole:?}", whole.len());
    let row = db
        .query_one(
            "SELECT s.span_count, s.agent_count, s.status, s.failing_agent, (SELECT count(*) FROM agenttrace.agent_messages m WHERE m.run_id = s.run_id),
                    (SELECT count(*) FROM agenttrace.run_state r WHERE r.run_id = s.run_id)
               FROM agenttrace.run_summaries s",
            &[],
        )
        .unwrap();
    let (n, agents, status, failing): (i32, i32, String, Option<String>) = (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!(n as usize, spans.len());
    assert_eq!(agents, 5, "planner, researcher, writer, checker, team");
    // Without a failing end, the last tool error (turn 115) was followed by model calls: recovered.
    assert_eq!((status.as_str(), failing.as_deref()), outcome, "{what}");
    assert!(row.get::<_, i64>(4) as usize > spans.len() / 4, "delegations from team and checker calls");
    assert_eq!(row.get::<_, i64>(5), 1);
    assert_renormalize_changes_nothing(&mut db, what);
    drop(db);
    drop_db(&name);
}

/// The spans of `captures`, each with its resource and scope, in export order (end time).
fn in_export_order<'a>(captures: impl IntoIterator<Item = &'a Capture>) -> Vec<(ResourceSpans, ScopeSpans, Span)> {
    let mut spans: Vec<(ResourceSpans, ScopeSpans, Span)> = Vec::new();
    for c in captures {
        for b in &c.bodies {
            let req = request_of(b);
            for rs in &req.resource_spans {
                for ss in &rs.scope_spans {
                    for s in &ss.spans {
                        spans.push((
                            ResourceSpans { scope_spans: Vec::new(), ..rs.clone() },
                            ScopeSpans { spans: Vec::new(), ..ss.clone() },
                            s.clone(),
                        ));
                    }
                }
            }
        }
    }
    spans.sort_by_key(|(_, _, s)| (s.end_time_unix_nano, s.start_time_unix_nano));
    spans
}

/// One request carrying `chunk`, each span under its own resource and scope.
fn request_of_spans(chunk: &[(ResourceSpans, ScopeSpans, Span)]) -> Vec<u8> {
    encode(&ExportTraceServiceRequest {
        resource_spans: chunk
            .iter()
            .map(|(rs, ss, s)| ResourceSpans { scope_spans: vec![ScopeSpans { spans: vec![s.clone()], ..ss.clone() }], ..rs.clone() })
            .collect(),
    })
}

/// Every derived table as ingest left it equals what `renormalize()` derives.
fn assert_renormalize_changes_nothing(db: &mut postgres::Client, what: &str) {
    let incremental = derived(db);
    db.query_one("SELECT agenttrace.renormalize()", &[]).unwrap();
    let renormalized = derived(db);
    for (a, b) in incremental.iter().zip(&renormalized) {
        assert_eq!(a, b, "{what}: {} differs from renormalize()", a.0);
    }
}

/// Every capture of the corpus exported span by span in end order, three spans per request (so
/// the incremental path meets late parents, handoffs, checkpoints, tool nodes and errors of real
/// frameworks through its SQL), stores what `renormalize()` derives.
#[test]
fn corpus_in_export_order_equals_renormalize() {
    let (name, url, _) = scratch_db("incremental_corpus", timescaledb_tested(), None);
    let mut db = connect_to(&url);
    // Every run keeps a state from its first request, however short: the incremental path meets
    // every capture (by default runs of up to 64 spans are read back whole instead).
    db.batch_execute("SET agenttrace.state_min_spans = 0").unwrap();
    let captures = all_captures();
    for chunk in in_export_order(&captures).chunks(3) {
        assert_eq!(ingest(&mut db, &request_of_spans(chunk), "application/x-protobuf", None).error, None);
    }
    let extended: i64 = db.query_one("SELECT count(*) FROM agenttrace.run_state", &[]).unwrap().get(0);
    assert!(extended > 50, "runs with a state: {extended}");
    assert_renormalize_changes_nothing(&mut db, "corpus in export order");
    drop(db);
    drop_db(&name);
}

/// AutoGen's runtime starts a trace per message and links it into the run; its message spans
/// name their sender and carry their content. Exported span by span in end order (three spans
/// per request), a new linked trace joins its stored run and its messages are appended; what
/// stays whole-run is named at DEBUG1: runs merged when a trace arrived before the span that
/// links it in, set-up traces joining. Everything equals renormalize().
#[test]
fn linked_traces_with_message_spans_are_extended() {
    let (name, url, _) = scratch_db("incremental_linked", timescaledb_tested(), None);
    let (mut db, whole) = whole_run_notices(&url);
    db.batch_execute("SET agenttrace.state_min_spans = 0").unwrap();
    let (mut requests, mut whole_requests) = (0usize, 0usize);
    let mut report = Vec::new();
    for c in all_captures().into_iter().filter(|c| c.name.starts_with("ag_native") || c.name.starts_with("sem_ag_na")) {
        let spans = in_export_order([&c]);
        let n = spans.len().div_ceil(3);
        let mut analysed = 0;
        for chunk in spans.chunks(3) {
            let before = whole.lock().unwrap().len();
            assert_eq!(ingest(&mut db, &request_of_spans(chunk), "application/x-protobuf", None).error, None);
            analysed += (whole.lock().unwrap().len() > before) as usize;
        }
        requests += n;
        whole_requests += analysed;
        report.push(format!("{}: {analysed} of {n} requests analysed whole", c.name));
    }
    db.batch_execute("SET client_min_messages = warning").unwrap();
    let whole = whole.lock().unwrap().clone();
    eprintln!("{}\n{whole:#?}", report.join("\n"));
    assert!(requests > 100, "{requests}");
    // Message spans never send a run whole, nor does a new trace that joins it; what does is a
    // trace that arrived before the span linking it in (stored as a run of its own, then merged),
    // the set-up traces, and the request that brings the second side of a tool call recorded in
    // two places (the `execute_tool` span with only its call id, the runtime's delivery of the
    // `ToolCallRequestEvent` / `ToolCallExecutionEvent` with its arguments and result). Before,
    // every request after a run's first message was whole.
    let allowed = ["runs merged by a link", "set-up trace", "tool span whose call is recorded only in the model messages"];
    assert!(whole.iter().all(|m| allowed.iter().any(|a| m.contains(a))), "{}\n{whole:#?}", report.join("\n"));
    assert!(whole_requests * 10 < requests * 9, "requests extended: {}", report.join("\n"));
    assert_renormalize_changes_nothing(&mut db, "linked traces");
    drop(db);
    drop_db(&name);
}

/// A short run (at most agenttrace.state_min_spans spans) keeps no state: its next request reads
/// it back whole (and says so at DEBUG1), and what it stores is what renormalize() derives.
#[test]
fn short_run_keeps_no_state_and_equals_renormalize() {
    let (name, url, _) = scratch_db("incremental_short", timescaledb_tested(), None);
    let (mut db, whole) = whole_run_notices(&url);
    let spans = long_run([0x17; 16], 6, false);
    assert!(spans.len() <= 64, "{} spans", spans.len());
    for chunk in spans.chunks(8) {
        assert_eq!(ingest(&mut db, &long_run_request(chunk), "application/x-protobuf", None).error, None);
    }
    db.batch_execute("SET client_min_messages = warning").unwrap();
    let whole = whole.lock().unwrap().clone();
    assert_eq!(whole.len(), spans.len().div_ceil(8) - 1, "{whole:?}");
    assert!(whole.iter().all(|m| m.contains("no state")), "{whole:?}");
    let states: i64 = db.query_one("SELECT count(*) FROM agenttrace.run_state", &[]).unwrap().get(0);
    assert_eq!(states, 0);
    assert_renormalize_changes_nothing(&mut db, "short run");
    // With a lower threshold the same run keeps a state.
    db.batch_execute("SET agenttrace.state_min_spans = 0").unwrap();
    db.query_one("SELECT agenttrace.renormalize()", &[]).unwrap();
    let states: i64 = db.query_one("SELECT count(*) FROM agenttrace.run_state", &[]).unwrap().get(0);
    assert_eq!(states, 1);
    drop(db);
    drop_db(&name);
}
