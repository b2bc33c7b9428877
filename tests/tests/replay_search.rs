//! Checkpoints, state_at, run_diff and search_runs on real captures.
use agenttrace_tests::*;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};

/// Ingests a capture as fresh data, optionally tagging its resource; returns the run id (text).
fn ingest_run(db: &mut postgres::Client, name: &str, extra_resource_attr: Option<(&str, String)>) -> String {
    let salt = fresh_salt();
    let mut traces = Vec::new();
    for body in &capture(name).bodies {
        let mut req = request_of(body);
        salt_request(&mut req, salt);
        if let Some((k, v)) = &extra_resource_attr {
            for rs in &mut req.resource_spans {
                if let Some(r) = rs.resource.as_mut() {
                    r.attributes.push(KeyValue {
                        key: k.to_string(),
                        value: Some(AnyValue { value: Some(any_value::Value::StringValue(v.clone())) }),
                    });
                }
            }
        }
        traces.extend(trace_ids_hex(&req));
        assert_eq!(ingest(db, &encode(&req), "application/x-protobuf", None).error, None);
    }
    let hex: Vec<&str> = traces.iter().map(String::as_str).collect();
    db.query_one(
        "SELECT DISTINCT r.run_id::text FROM agenttrace.runs r JOIN agenttrace.traces t ON t.run_id = r.run_id
          WHERE agenttrace.trace_id_hex(t.trace_id) = ANY($1)",
        &[&hex],
    )
    .unwrap()
    .get(0)
}

#[test]
fn checkpoints_follow_graph_steps_turns_and_model_calls() {
    let mut db = connect();
    let lg = ingest_run(&mut db, "lg_oi_success", None);
    let kinds: Vec<(String, i64)> = db
        .query("SELECT kind, count(*) FROM agenttrace.checkpoints($1::text::uuid) GROUP BY 1 ORDER BY 1", &[&lg])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(kinds.iter().any(|(k, n)| k == "graph_step" && *n >= 5), "{kinds:?}");
    // Steps are in order and numbered 0..n.
    let ids: Vec<i64> =
        db.query("SELECT checkpoint_id FROM agenttrace.checkpoints($1::text::uuid)", &[&lg]).unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(ids, (0..ids.len() as i64).collect::<Vec<_>>());

    let oai = ingest_run(&mut db, "oai_oi_success", None);
    let llm: i64 = db
        .query_one("SELECT count(*) FROM agenttrace.checkpoints($1::text::uuid) WHERE kind = 'llm_input' AND jsonb_array_length(state->'messages') > 0", &[&oai])
        .unwrap()
        .get(0);
    assert!(llm >= 3, "model-call checkpoints: {llm}");
    // state_at the writer's last model call holds the writer's conversation.
    let state: serde_json::Value = db
        .query_one(
            "SELECT agenttrace.state_at($1::text::uuid, at_span => (SELECT span_id FROM agenttrace.checkpoints($1::text::uuid) WHERE kind = 'llm_input' AND agent_name = 'Writer' ORDER BY checkpoint_id DESC LIMIT 1))",
            &[&oai],
        )
        .unwrap()
        .get(0);
    assert_eq!(state["agent"], "Writer", "{state}");
    assert!(state["conversation"].as_array().is_some_and(|m| !m.is_empty()), "{state}");
    assert!(state["messages_so_far"].as_array().is_some_and(|m| m.len() >= 2), "{state}");
    assert!(state["completed_tool_calls"].as_array().is_some_and(|m| m.iter().any(|t| t["tool"] == "lookup_fact")), "{state}");
}

#[test]
fn explicit_checkpoint_events_are_served_back() {
    let mut db = connect();
    let trace = salted_trace_id_hex(&[0x21; 16], fresh_salt());
    let body = format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"cp-test"}}}}]}},
          "scopeSpans":[{{"spans":[{{"traceId":"{trace}","spanId":"00000000000000aa","name":"invoke_agent planner",
             "startTimeUnixNano":"1790000000000000000","endTimeUnixNano":"1790000002000000000",
             "attributes":[{{"key":"gen_ai.operation.name","value":{{"stringValue":"invoke_agent"}}}},
                           {{"key":"gen_ai.agent.name","value":{{"stringValue":"planner"}}}}],
             "events":[{{"name":"agenttrace.checkpoint","timeUnixNano":"1790000001000000000","attributes":[
               {{"key":"agenttrace.checkpoint.step","value":{{"intValue":"3"}}}},
               {{"key":"agenttrace.checkpoint.state","value":{{"stringValue":"{{\"plan\":[\"research\",\"write\"],\"done\":1}}"}}}}]}}]}}]}}]}}]}}"#
    );
    assert_eq!(ingest(&mut db, body.as_bytes(), "application/json", None).error, None);
    let row = db.query_one("SELECT kind, step, state, agent_name FROM agenttrace.checkpoints($1::text::uuid)", &[&trace]).unwrap();
    let (kind, step, state, agent): (String, Option<i32>, serde_json::Value, Option<String>) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!((kind.as_str(), step, agent.as_deref()), ("explicit", Some(3), Some("planner")));
    assert_eq!(state["plan"][1], "write");
    let at: serde_json::Value = db.query_one("SELECT agenttrace.state_at($1::text::uuid)", &[&trace]).unwrap().get(0);
    assert_eq!(at["checkpoint"]["state"]["done"], 1);
    let none: Option<serde_json::Value> =
        db.query_one("SELECT agenttrace.state_at('00000000-0000-0000-0000-0000000000ff'::uuid)", &[]).unwrap().get(0);
    assert!(none.is_none());
}

#[test]
fn run_diff_aligns_a_replay_with_its_original() {
    let mut db = connect();
    let original = ingest_run(&mut db, "lg_oi_tool_error", None);
    let replay = ingest_run(&mut db, "lg_oi_success", Some(("agenttrace.replay.of_run", original.replace('-', ""))));
    assert_ne!(original, replay, "a replay is a run of its own");
    let of: Option<String> =
        db.query_one("SELECT replay_of_run::text FROM agenttrace.run_summaries WHERE run_id = $1::text::uuid", &[&replay]).unwrap().get(0);
    assert_eq!(of.as_deref(), Some(original.as_str()));

    let rows = db
        .query(
            "SELECT step, change, agent_name, category, name, details FROM agenttrace.run_diff($1::text::uuid, $2::text::uuid)",
            &[&original, &replay],
        )
        .unwrap();
    let changes: Vec<(String, String, String)> = rows.iter().map(|r| (r.get(1), r.get(3), r.get(4))).collect();
    // The planner's first turn is the same in both; the failed search changed; the writer only ran in the replay.
    assert!(changes.iter().any(|(c, cat, name)| c == "same" && cat == "agent" && name == "planner"), "{changes:?}");
    assert!(changes.iter().any(|(c, cat, name)| c == "changed" && cat == "tool" && name.contains("web_search")), "{changes:?}");
    assert!(changes.iter().any(|(c, _, _)| c == "added"), "{changes:?}");
    let last = rows.last().unwrap();
    let details: serde_json::Value = last.get(5);
    assert_eq!((last.get::<_, String>(1), last.get::<_, String>(4)), ("changed".into(), "outcome".into()));
    assert_eq!((details["original"]["status"].as_str(), details["replay"]["status"].as_str()), (Some("failure"), Some("success")));
    // A run against itself: nothing changed.
    let changed: i64 = db
        .query_one("SELECT count(*) FROM agenttrace.run_diff($1::text::uuid, $1::text::uuid) WHERE change <> 'same'", &[&original])
        .unwrap()
        .get(0);
    assert_eq!(changed, 0);
}

#[test]
fn search_finds_runs_by_what_happened_in_them() {
    let mut db = connect();
    ingest_run(&mut db, "lg_oi_tool_error", None);
    ingest_run(&mut db, "crew_ev_success", None);
    let hits = db
        .query("SELECT run_id::text, score, snippet, framework, status FROM agenttrace.search_runs('search backend unreachable', 5)", &[])
        .unwrap();
    assert!(!hits.is_empty());
    for h in &hits {
        let (fw, status, snippet): (Option<String>, Option<String>, String) = (h.get(3), h.get(4), h.get(2));
        assert_eq!((fw.as_deref(), status.as_deref()), (Some("langgraph"), Some("failure")), "{snippet}");
        assert!(snippet.to_lowercase().contains("unreachable"), "{snippet}");
    }
    // Scores are ordered and above min_score.
    let scores: Vec<f32> = hits.iter().map(|h| h.get(1)).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]) && scores.iter().all(|s| *s > 0.0));
    // A typo still finds it through trigram similarity (pg_trgm is installed in the test database).
    let typo: i64 = db
        .query_one("SELECT count(*) FROM agenttrace.search_runs('backend unreachabel', 3) WHERE framework = 'langgraph'", &[])
        .unwrap()
        .get(0);
    assert!(typo > 0);
    // Agent names and tools are searchable too; the service filter narrows.
    let crew: i64 = db
        .query_one("SELECT count(*) FROM agenttrace.search_runs('crew kickoff Lookup Fact', 10) WHERE framework = 'crewai'", &[])
        .unwrap()
        .get(0);
    assert!(crew > 0);
    let none: i64 =
        db.query_one("SELECT count(*) FROM agenttrace.search_runs('unreachable', 10, service => 'no-such-service')", &[]).unwrap().get(0);
    assert_eq!(none, 0);
    let err = db.query("SELECT * FROM agenttrace.search_runs('  ')", &[]).unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("22023"));
    let err = db.query("SELECT * FROM agenttrace.search_runs('x', query_embedding => ARRAY[0.1, 0.2]::real[])", &[]).unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("0A000"), "{err:?}");
}
