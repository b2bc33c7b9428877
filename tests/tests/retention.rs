//! Retention: old runs go with everything derived from them, recent data stays,
//! with TimescaleDB (chunks dropped) and without (plain deletes). Each case gets its own database.
use agenttrace_tests::*;
use postgres::Client;

fn count(db: &mut Client, table: &str) -> i64 {
    db.query_one(&format!("SELECT count(*) FROM agenttrace.{table}"), &[]).unwrap().get(0)
}

fn fresh_span_now(db: &mut Client) {
    let now_ns = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let trace = salted_trace_id_hex(&[0x33; 16], fresh_salt());
    let body = format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"{trace}","spanId":"0000000000000001","name":"invoke_agent fresh",
            "startTimeUnixNano":"{}","endTimeUnixNano":"{}","attributes":[{{"key":"gen_ai.operation.name","value":{{"stringValue":"invoke_agent"}}}},
            {{"key":"gen_ai.agent.name","value":{{"stringValue":"fresh"}}}}]}}]}}]}}]}}"#,
        now_ns - 1_000_000_000,
        now_ns
    );
    assert_eq!(ingest(db, body.as_bytes(), "application/json", None).error, None);
}

fn check(with_timescaledb: bool) {
    let (name, _, mut db) = scratch_db("retention", with_timescaledb, None);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // The corpus runs are from 2026-11-22; move them two days into the past of "now" so the test
        // does not depend on today's date.
        for cap in all_captures() {
            for body in &cap.bodies {
                let mut req = request_of(body);
                let shift = {
                    let first = spans_of(&req).iter().map(|s| s.start_time_unix_nano).min().unwrap();
                    let target = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
                        - 3 * 86_400 * 1_000_000_000;
                    target as i128 - first as i128
                };
                for rs in &mut req.resource_spans {
                    for ss in &mut rs.scope_spans {
                        for s in &mut ss.spans {
                            s.start_time_unix_nano = (s.start_time_unix_nano as i128 + shift) as u64;
                            s.end_time_unix_nano = (s.end_time_unix_nano as i128 + shift) as u64;
                            for e in &mut s.events {
                                e.time_unix_nano = (e.time_unix_nano as i128 + shift) as u64;
                            }
                        }
                    }
                }
                assert_eq!(ingest(&mut db, &encode(&req), "application/x-protobuf", None).error, None);
            }
        }
        assert!(ingest(&mut db, b"not a request", "application/json", None).error.is_some());
        fresh_span_now(&mut db);
        let runs_before = count(&mut db, "run_summaries");
        assert!(runs_before >= 15);

        let msg: String =
            db.query_one("SELECT agenttrace.set_retention(interval '1 day', dead_letters => interval '1 hour')", &[]).unwrap().get(0);
        assert!(msg.contains("retention 1 day"), "{msg}");
        // Nothing scheduled here (Apache-only TimescaleDB, no pg_cron): apply it directly.
        let removed: Vec<(String, i64)> = db
            .query("SELECT table_name, rows_removed FROM agenttrace.apply_retention()", &[])
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        assert!(removed.iter().any(|(t, n)| t.starts_with("spans") && *n > 0), "{removed:?}");
        // Only the fresh run is left, whole.
        assert_eq!(count(&mut db, "run_summaries"), 1);
        assert_eq!(count(&mut db, "traces"), 1);
        assert_eq!(count(&mut db, "spans"), 1);
        assert_eq!(count(&mut db, "agents"), 1);
        assert_eq!(count(&mut db, "tool_calls"), 0);
        assert_eq!(count(&mut db, "span_links"), 0);
        assert_eq!(count(&mut db, "checkpoints"), 0);
        // The dead letter is minutes old: its own period (1 hour) keeps it.
        assert_eq!(count(&mut db, "dead_letters"), 1);
        let err = db.query("SELECT agenttrace.set_retention(interval '5 minutes')", &[]).unwrap_err();
        assert_eq!(err.code().map(|c| c.code()), Some("22023"));
        let off: String = db.query_one("SELECT agenttrace.set_retention(NULL)", &[]).unwrap().get(0);
        assert!(off.contains("disabled"));
        let err = db.query("SELECT * FROM agenttrace.apply_retention()", &[]).unwrap_err();
        assert_eq!(err.code().map(|c| c.code()), Some("22023"));
    }));
    drop(db);
    drop_db(&name);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn retention_with_timescaledb_drops_old_chunks_and_derived_rows() {
    if skip_without_timescaledb("retention_with_timescaledb_drops_old_chunks_and_derived_rows") {
        return;
    }
    check(true);
}

#[test]
fn retention_without_timescaledb_deletes_old_rows() {
    check(false);
}
