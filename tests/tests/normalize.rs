//! What ingest derives, read back through SQL: for every capture, the stored run,
//! agents, messages, tool calls and outcome match the hand-written fixture of that run
//! (core/tests/fixtures/<capture>.json, written from run.log).
use std::collections::BTreeSet;

use agenttrace_tests::*;
use serde_json::Value;

fn strs(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// Ingests a capture as fresh data (one request per captured body) and returns its hex trace ids.
fn ingest_salted(db: &mut postgres::Client, name: &str) -> Vec<String> {
    let salt = fresh_salt();
    let mut traces = Vec::new();
    for body in &capture(name).bodies {
        let mut req = request_of(body);
        salt_request(&mut req, salt);
        traces.extend(trace_ids_hex(&req));
        assert_eq!(ingest(db, &encode(&req), "application/x-protobuf", None).error, None);
    }
    traces
}

#[test]
fn stored_runs_match_the_fixtures() {
    let mut db = connect();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures");
    let mut failures = Vec::new();
    // The semantic captures (runs that go wrong only in their content) have labels instead of
    // fixtures: scored by core's
    // semantic_eval test; every other capture must have its fixture.
    let semantic = agenttrace_core::mast::semantic_eval::labels().unwrap_or_default();
    for cap in all_captures().into_iter().filter(|c| !semantic.contains_key(&c.name)) {
        let fx: Value = serde_json::from_str(&std::fs::read_to_string(fixtures.join(format!("{}.json", cap.name))).unwrap()).unwrap();
        let traces = ingest_salted(&mut db, &cap.name);
        let hex: Vec<&str> = traces.iter().map(String::as_str).collect();
        let runs = db
            .query(
                "SELECT DISTINCT r.run_id::text, r.framework, r.status, r.failing_agent, coalesce(r.status_reason, '')
                   FROM agenttrace.runs r JOIN agenttrace.traces t ON t.run_id = r.run_id
                  WHERE agenttrace.trace_id_hex(t.trace_id) = ANY($1)",
                &[&hex],
            )
            .unwrap();
        if runs.len() != 1 {
            failures.push(format!("{}: {} runs stored, expected 1", cap.name, runs.len()));
            continue;
        }
        let run = &runs[0];
        let run_id: String = run.get(0);
        let mut errs = Vec::new();
        let framework: Option<String> = run.get(1);
        if framework.as_deref() != fx["framework"].as_str() {
            errs.push(format!("framework {framework:?}"));
        }
        let status: String = run.get(2);
        if status != fx["outcome"]["status"].as_str().unwrap() {
            errs.push(format!("status {status}"));
        }
        let failing: Option<String> = run.get(3);
        if failing.as_deref() != fx["outcome"]["failing_agent"].as_str() {
            errs.push(format!("failing agent {failing:?}"));
        }
        if let Some(r) = fx["outcome"]["reason_contains"].as_str() {
            let reason: String = run.get(4);
            if !reason.contains(r) {
                errs.push(format!("reason {reason:?} lacks {r:?}"));
            }
        }
        let agents: BTreeSet<String> = db
            .query("SELECT agent_name FROM agenttrace.agents WHERE run_id = $1::text::uuid", &[&run_id])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        if agents != strs(&fx["agents"]).into_iter().collect::<BTreeSet<_>>() {
            errs.push(format!("agents {agents:?}"));
        }
        let messages: Vec<String> = db
            .query(
                "SELECT coalesce(from_agent, 'user') || '->' || to_agent FROM agenttrace.agent_messages WHERE run_id = $1::text::uuid ORDER BY seq",
                &[&run_id],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        if messages != strs(&fx["messages"]) {
            errs.push(format!("messages {messages:?}"));
        }
        let mut tools: Vec<String> = db
            .query(
                "SELECT coalesce(agent_name, '?') || ':' || tool_name || CASE WHEN is_error THEN '!' ELSE '' END
                   FROM agenttrace.tool_calls WHERE run_id = $1::text::uuid ORDER BY start_time, span_id",
                &[&run_id],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut want_tools = strs(&fx["tool_calls"]);
        // Same-microsecond starts may tie; compare as multisets when the order is not defined by time.
        tools.sort();
        want_tools.sort();
        if tools != want_tools {
            errs.push(format!("tool calls {tools:?}"));
        }
        // The agent_activity view agrees with the agents table.
        let activity: i64 =
            db.query_one("SELECT count(*) FROM agenttrace.agent_activity WHERE run_id = $1::text::uuid", &[&run_id]).unwrap().get(0);
        if activity as usize != agents.len() {
            errs.push(format!("agent_activity rows {activity}"));
        }
        if !errs.is_empty() {
            failures.push(format!("{}: {}", cap.name, errs.join("; ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn renormalize_rebuilds_the_same_derived_rows() {
    let mut db = connect();
    let traces = ingest_salted(&mut db, "lg_oi_tool_error");
    let hex: Vec<&str> = traces.iter().map(String::as_str).collect();
    let run_id: String = db
        .query_one("SELECT run_id::text FROM agenttrace.traces WHERE agenttrace.trace_id_hex(trace_id) = ANY($1) LIMIT 1", &[&hex])
        .unwrap()
        .get(0);
    let snapshot = |db: &mut postgres::Client| -> Vec<String> {
        let q = "SELECT (SELECT string_agg(agent_name || llm_calls || '/' || tool_calls || '/' || errors, ',' ORDER BY agent_name) FROM agenttrace.agents WHERE run_id = $1::text::uuid)
                     || '|' || (SELECT string_agg(coalesce(from_agent, 'user') || '>' || to_agent, ',' ORDER BY seq) FROM agenttrace.agent_messages WHERE run_id = $1::text::uuid)
                     || '|' || (SELECT status || coalesce(failing_agent, '') FROM agenttrace.run_summaries WHERE run_id = $1::text::uuid)
                     || '|' || (SELECT string_agg(coalesce(agent_name, '-') || category, ',' ORDER BY span_id) FROM agenttrace.spans WHERE run_id = $1::text::uuid)";
        vec![db.query_one(q, &[&run_id]).unwrap().get(0)]
    };
    let before = snapshot(&mut db);
    // Wipe the derived rows and facts, as an upgrade with new rules would leave them stale.
    db.execute("DELETE FROM agenttrace.agents WHERE run_id = $1::text::uuid", &[&run_id]).unwrap();
    db.execute("DELETE FROM agenttrace.agent_messages WHERE run_id = $1::text::uuid", &[&run_id]).unwrap();
    db.execute("UPDATE agenttrace.spans SET agent_name = NULL, category = 'other' WHERE run_id = $1::text::uuid", &[&run_id]).unwrap();
    let n: i64 = db.query_one("SELECT agenttrace.renormalize($1::text::uuid)", &[&run_id]).unwrap().get(0);
    assert_eq!(n, 1);
    assert_eq!(snapshot(&mut db), before);
}

#[test]
fn failed_run_points_at_the_failing_span() {
    let mut db = connect();
    let traces = ingest_salted(&mut db, "oai_oi_tool_error");
    let hex: Vec<&str> = traces.iter().map(String::as_str).collect();
    let row = db
        .query_one(
            "SELECT r.status, r.failing_agent, s.name, s.agent_name
               FROM agenttrace.runs r
               JOIN agenttrace.spans s ON s.trace_id = r.failing_trace_id AND agenttrace.span_id_hex(s.span_id) = r.failing_span_id
              WHERE r.run_id IN (SELECT run_id FROM agenttrace.traces WHERE agenttrace.trace_id_hex(trace_id) = ANY($1))",
            &[&hex],
        )
        .unwrap();
    let got: (String, String, String) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(got, ("failure".into(), "Researcher".into(), "lookup_fact".into()));
}

/// `agenttrace.attribute_failure` answers for every run, as the core engine does: a failed run
/// with `failure_found` true and the failing agent; a run the analysis judged a success (a wrong
/// answer nothing in the trace contradicts is such a run) with `failure_found` false and still a
/// responsible agent, decisive span and candidates, since the caller asks about a run they know
/// went wrong. `mast_report` keeps no attribution for it.
#[test]
fn attribute_failure_answers_for_runs_the_analysis_judged_a_success() {
    let mut db = connect();
    let attribution = |db: &mut postgres::Client, capture: &str| -> (Value, Value) {
        let traces = ingest_salted(db, capture);
        let row = db
            .query_one(
                "SELECT agenttrace.attribute_failure(r.run_id), agenttrace.mast_report(r.run_id) -> 'attribution'
                   FROM (SELECT DISTINCT run_id FROM agenttrace.traces WHERE agenttrace.trace_id_hex(trace_id) = ANY($1)) r",
                &[&traces],
            )
            .unwrap();
        (row.get::<_, Value>(0), row.get::<_, Option<Value>>(1).unwrap_or(Value::Null))
    };
    let (failed, _) = attribution(&mut db, "oai_oi_tool_error");
    assert_eq!(failed["failure_found"], Value::Bool(true), "{failed}");
    assert_eq!(failed["responsible_agent"], "Researcher", "{failed}");

    let (ok, in_report) = attribution(&mut db, "lg_oi_success");
    assert_eq!(ok["failure_found"], Value::Bool(false), "{ok}");
    assert!(ok["responsible_agent"].is_string(), "{ok}");
    assert!(ok["decisive_span"]["span_id"].is_string(), "{ok}");
    let candidates: Vec<&str> = ok["candidates"].as_array().into_iter().flatten().filter_map(|c| c["agent"].as_str()).collect();
    assert!(!candidates.is_empty(), "{ok}");
    assert!(ok["explanation"].as_str().is_some_and(|e| e.starts_with("the analysis found no failure")), "{ok}");
    assert_eq!(in_report, Value::Null, "the report of a run judged a success has no attribution");
}
