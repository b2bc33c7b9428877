//! agenttrace.ingest against the real extension in a real PostgreSQL.
use agenttrace_tests::*;

fn count(client: &mut postgres::Client, sql: &str, traces: &[String]) -> i64 {
    let ids: Vec<uuid_text::Uuid> = traces.iter().map(|t| uuid_text::Uuid(t.clone())).collect();
    client.query_one(sql, &[&ids]).map(|r| r.get::<_, i64>(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Passes hex trace ids as a uuid[] parameter without a uuid crate.
mod uuid_text {
    use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
    #[derive(Debug)]
    pub struct Uuid(pub String);
    impl ToSql for Uuid {
        fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
            let b = agenttrace_core::ids::from_hex::<16>(&self.0).ok_or("bad uuid hex")?;
            out.extend_from_slice(&b);
            Ok(IsNull::No)
        }
        fn accepts(ty: &Type) -> bool {
            *ty == Type::UUID
        }
        to_sql_checked!();
    }
}

const SPANS_IN: &str = "SELECT count(*) FROM agenttrace.spans WHERE trace_id = ANY($1)";
const EVENTS_IN: &str = "SELECT count(*) FROM agenttrace.span_events WHERE trace_id = ANY($1)";
const LINKS_IN: &str = "SELECT count(*) FROM agenttrace.span_links WHERE trace_id = ANY($1)";

#[test]
fn every_capture_ingests_and_stores_every_span() {
    let mut db = connect();
    for cap in all_captures() {
        let salt = fresh_salt();
        let (mut spans, mut events, mut links) = (0i64, 0i64, 0i64);
        let mut traces = Vec::new();
        for body in &cap.bodies {
            let mut req = request_of(body);
            salt_request(&mut req, salt);
            let all = spans_of(&req);
            spans += all.len() as i64;
            events += all.iter().map(|s| s.events.len() as i64).sum::<i64>();
            links += all.iter().map(|s| s.links.len() as i64).sum::<i64>();
            traces.extend(trace_ids_hex(&req));
            let r = ingest(&mut db, &encode(&req), "application/x-protobuf", None);
            assert_eq!(r, IngestResult { accepted: all.len() as i64, rejected: 0, error: None }, "{}", cap.name);
        }
        assert_eq!(count(&mut db, SPANS_IN, &traces), spans, "{}: stored spans", cap.name);
        assert_eq!(count(&mut db, EVENTS_IN, &traces), events, "{}: stored events", cap.name);
        assert_eq!(count(&mut db, LINKS_IN, &traces), links, "{}: stored links", cap.name);
        assert_eq!(
            count(&mut db, "SELECT count(*) FROM agenttrace.traces WHERE trace_id = ANY($1)", &traces),
            traces.len() as i64,
            "{}: trace rows",
            cap.name
        );
        // Attribute maps are built as jsonb in the extension (pushJsonbValue, not jsonb_in):
        // each equals PostgreSQL's own parse of its text, and every key is found by lookup (a
        // wrongly ordered container would hide keys from the binary search of `?` and `->`).
        for table in ["spans", "span_events", "span_links"] {
            let bad = count(
                &mut db,
                &format!(
                    "SELECT count(*) FROM agenttrace.{table} t WHERE t.trace_id = ANY($1) AND NOT (
                         t.attributes = (t.attributes::text)::jsonb
                         AND (t.attributes::text)::jsonb @> t.attributes AND t.attributes @> (t.attributes::text)::jsonb
                         AND NOT EXISTS (SELECT FROM jsonb_object_keys(t.attributes) k
                                          WHERE NOT t.attributes ? k OR t.attributes -> k IS NULL))"
                ),
                &traces,
            );
            assert_eq!(bad, 0, "{}: {table}.attributes differing from jsonb_in of their text", cap.name);
        }
    }
}

#[test]
fn raw_capture_bodies_ingest_as_sent() {
    // The exact bytes the exporter POSTed, gzip included, with the headers it sent.
    let mut db = connect();
    for cap in all_captures() {
        for body in &cap.bodies {
            let raw = std::fs::read(&body.bin).unwrap();
            let r = ingest(&mut db, &raw, &body.content_type, body.content_encoding.as_deref());
            assert_eq!(r.error, None, "{}", cap.name);
            assert_eq!(r.accepted as usize, spans_of(&request_of(body)).len(), "{}", cap.name);
        }
    }
}

#[test]
fn reingesting_the_same_body_adds_nothing() {
    let mut db = connect();
    let cap = capture("ag_native_max_turns");
    let mut req = request_of(&cap.bodies[0]);
    salt_request(&mut req, fresh_salt());
    let traces = trace_ids_hex(&req);
    let body = encode(&req);
    let tables = [
        SPANS_IN,
        EVENTS_IN,
        LINKS_IN,
        "SELECT count(*) FROM agenttrace.traces WHERE trace_id = ANY($1)",
        "SELECT count(*) FROM agenttrace.agents WHERE run_id IN (SELECT run_id FROM agenttrace.traces WHERE trace_id = ANY($1))",
        "SELECT count(*) FROM agenttrace.agent_messages WHERE run_id IN (SELECT run_id FROM agenttrace.traces WHERE trace_id = ANY($1))",
        "SELECT count(*) FROM agenttrace.tool_calls WHERE trace_id = ANY($1)",
        "SELECT count(*) FROM agenttrace.run_summaries WHERE run_id IN (SELECT run_id FROM agenttrace.traces WHERE trace_id = ANY($1))",
        "SELECT count(DISTINCT ingested_at) FROM agenttrace.spans WHERE trace_id = ANY($1)",
    ];
    ingest(&mut db, &body, "application/x-protobuf", None);
    let before: Vec<i64> = tables.iter().map(|q| count(&mut db, q, &traces)).collect();
    assert_eq!(before[0], 95);
    let again = ingest(&mut db, &body, "application/x-protobuf", None);
    assert_eq!(again, IngestResult { accepted: 95, rejected: 0, error: None });
    let after: Vec<i64> = tables.iter().map(|q| count(&mut db, q, &traces)).collect();
    assert_eq!(before, after);
}

/// Ingest tries a plain INSERT of a batch's spans in a subtransaction and, when one of them is
/// stored already, inserts again skipping stored rows: a request mixing stored and new spans,
/// inside the caller's own transaction, stores exactly the new ones, counts them once in its
/// trace rows, and leaves the transaction usable.
#[test]
fn a_request_mixing_stored_and_new_spans_stores_each_span_once() {
    let mut db = connect();
    let cap = capture("ag_native_max_turns");
    let mut req = request_of(&cap.bodies[0]);
    salt_request(&mut req, fresh_salt());
    let traces = trace_ids_hex(&req);
    let n = spans_of(&req).len() as i64;
    let first_half = split_reversed(&req, 2).remove(0);
    let whole = encode(&req);

    let mut tx = db.transaction().unwrap();
    tx.execute("SAVEPOINT caller", &[]).unwrap();
    let half = tx.query_one("SELECT accepted_spans FROM agenttrace.ingest($1)", &[&first_half]).unwrap().get::<_, i64>(0);
    assert!(half > 0 && half < n);
    let all = tx.query_one("SELECT accepted_spans FROM agenttrace.ingest($1)", &[&whole]).unwrap().get::<_, i64>(0);
    assert_eq!(all, n);
    tx.execute("RELEASE SAVEPOINT caller", &[]).unwrap();
    let ids: Vec<uuid_text::Uuid> = traces.iter().map(|t| uuid_text::Uuid(t.clone())).collect();
    let stored: i64 = tx.query_one(SPANS_IN, &[&ids]).unwrap().get(0);
    tx.commit().unwrap();
    assert_eq!(stored, n, "each span once");
    assert_eq!(count(&mut db, SPANS_IN, &traces), n);
    let counted = count(&mut db, "SELECT sum(span_count)::int8 FROM agenttrace.traces WHERE trace_id = ANY($1)", &traces);
    assert_eq!(counted, n, "trace rows count every span once");

    // The same run ingested whole, in a fresh copy, gives the same derived rows.
    let mut copy = request_of(&cap.bodies[0]);
    salt_request(&mut copy, fresh_salt());
    ingest(&mut db, &encode(&copy), "application/x-protobuf", None);
    let per_run = [
        "SELECT count(*) FROM agenttrace.agents WHERE run_id IN (SELECT run_id FROM agenttrace.traces WHERE trace_id = ANY($1))",
        "SELECT count(*) FROM agenttrace.agent_messages WHERE run_id IN (SELECT run_id FROM agenttrace.traces WHERE trace_id = ANY($1))",
        "SELECT count(*) FROM agenttrace.tool_calls WHERE trace_id = ANY($1)",
        "SELECT sum(span_count)::int8 FROM agenttrace.run_summaries WHERE run_id IN (SELECT run_id FROM agenttrace.traces WHERE trace_id = ANY($1))",
    ];
    let copy_traces = trace_ids_hex(&copy);
    for q in per_run {
        assert_eq!(count(&mut db, q, &traces), count(&mut db, q, &copy_traces), "{q}");
    }
}

/// Splits a request's spans into `parts` requests, last spans first (children usually end, and
/// are exported, before their parents; here the roots come last on purpose).
fn split_reversed(req: &opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest, parts: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for p in (0..parts).rev() {
        let mut part = req.clone();
        let mut i = 0usize;
        for rs in &mut part.resource_spans {
            for ss in &mut rs.scope_spans {
                ss.spans.retain(|_| {
                    let keep = i % parts == p;
                    i += 1;
                    keep
                });
            }
        }
        out.push(encode(&part));
    }
    out
}

#[test]
fn parents_links_and_runs_resolve_across_requests() {
    let mut db = connect();
    for name in ["ag_native_success", "lg_oi_tool_error", "maf_tool_error", "oai_oi_success"] {
        let cap = capture(name);
        let req = request_of(&cap.bodies[0]);

        // Reference: everything in one request.
        let salt_a = fresh_salt();
        let mut whole = req.clone();
        salt_request(&mut whole, salt_a);
        ingest(&mut db, &encode(&whole), "application/x-protobuf", None);

        // Same data in 4 requests, children before parents.
        let salt_b = fresh_salt();
        let mut split = req.clone();
        salt_request(&mut split, salt_b);
        for part in split_reversed(&split, 4) {
            let r = ingest(&mut db, &part, "application/x-protobuf", None);
            assert_eq!(r.error, None);
        }

        let shape = |db: &mut postgres::Client, traces: &[String]| -> (i64, i64, i64, Vec<String>) {
            let unresolved = count(
                db,
                "SELECT count(*) FROM agenttrace.spans c WHERE c.trace_id = ANY($1) AND c.parent_span_id IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM agenttrace.spans p WHERE p.trace_id = c.trace_id AND p.span_id = c.parent_span_id)",
                traces,
            );
            let runs = count(db, "SELECT count(DISTINCT run_id) FROM agenttrace.traces WHERE trace_id = ANY($1)", traces);
            let unresolved_links = count(
                db,
                "SELECT count(*) FROM agenttrace.span_links l WHERE l.trace_id = ANY($1)
                   AND NOT EXISTS (SELECT 1 FROM agenttrace.spans p WHERE p.trace_id = l.linked_trace_id AND p.span_id = l.linked_span_id)",
                traces,
            );
            let ids: Vec<uuid_text::Uuid> = traces.iter().map(|t| uuid_text::Uuid(t.clone())).collect();
            let mut roots: Vec<String> = db
                .query("SELECT coalesce(root_name, '') FROM agenttrace.traces WHERE trace_id = ANY($1)", &[&ids])
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            roots.sort();
            (unresolved, runs, unresolved_links, roots)
        };
        let a = shape(&mut db, &trace_ids_hex(&whole));
        let b = shape(&mut db, &trace_ids_hex(&split));
        assert_eq!(a, b, "{name}: split ingest differs from whole ingest");
        assert_eq!(a.0, 0, "{name}: parents unresolved");
        assert_eq!(a.2, 0, "{name}: links unresolved");
    }
}

#[test]
fn linked_autogen_traces_form_one_run() {
    let mut db = connect();
    let cap = capture("ag_native_success");
    let mut req = request_of(&cap.bodies[0]);
    salt_request(&mut req, fresh_salt());
    ingest(&mut db, &encode(&req), "application/x-protobuf", None);
    let traces = trace_ids_hex(&req);
    // Every trace that takes part in the team run (has links or is linked to) shares one run id.
    let linked_runs = count(
        &mut db,
        "SELECT count(DISTINCT t.run_id) FROM agenttrace.traces t
          WHERE t.trace_id = ANY($1)
            AND (EXISTS (SELECT 1 FROM agenttrace.span_links l WHERE l.trace_id = t.trace_id)
                 OR EXISTS (SELECT 1 FROM agenttrace.span_links l WHERE l.linked_trace_id = t.trace_id))",
        &traces,
    );
    assert_eq!(linked_runs, 1);
}

#[test]
fn protobuf_and_json_store_the_same_rows_with_and_without_timescaledb() {
    // Protobuf into the TimescaleDB database, OTLP/JSON into the plain one; the rows must agree.
    let mut tsdb = connect();
    let mut plain = connect_to(&plain_database_url());
    let has_tsdb: i64 = plain.query_one("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'", &[]).unwrap().get(0);
    assert_eq!(has_tsdb, 0, "the plain test database must not have TimescaleDB");
    let row_sql =
        "SELECT agenttrace.trace_id_hex(trace_id), agenttrace.span_id_hex(span_id), coalesce(agenttrace.span_id_hex(parent_span_id), ''),
                          name, kind::int, start_time_unix_nano, end_time_unix_nano, start_time::text, status_code::int,
                          coalesce(status_message, ''), service_name, attributes::text, category, coalesce(agent_name, ''),
                          (SELECT count(*) FROM agenttrace.span_events e WHERE e.trace_id = s.trace_id AND e.span_id = s.span_id)
                     FROM agenttrace.spans s WHERE trace_id = ANY($1) ORDER BY 1, 2";
    for cap in all_captures() {
        for body in &cap.bodies {
            let Some(json) = &body.otlp_json else { continue };
            let raw = std::fs::read(&body.bin).unwrap();
            let a = ingest(&mut tsdb, &raw, &body.content_type, body.content_encoding.as_deref());
            let b = ingest(&mut plain, &std::fs::read(json).unwrap(), "application/json", None);
            assert_eq!(a, b, "{}", cap.name);
            let traces = trace_ids_hex(&request_of(body));
            let ids: Vec<uuid_text::Uuid> = traces.iter().map(|t| uuid_text::Uuid(t.clone())).collect();
            let rows = |c: &mut postgres::Client| -> Vec<String> {
                c.query(row_sql, &[&ids])
                    .unwrap()
                    .iter()
                    .map(|r| {
                        format!(
                            "{:?}",
                            (0..15)
                                .map(|i| match r.try_get::<_, String>(i) {
                                    Ok(s) => s,
                                    Err(_) =>
                                        r.try_get::<_, i64>(i).map(|v| v.to_string()).unwrap_or_else(|_| r.get::<_, i32>(i).to_string()),
                                })
                                .collect::<Vec<_>>()
                        )
                    })
                    .collect()
            };
            let (ra, rb) = (rows(&mut tsdb), rows(&mut plain));
            assert!(!ra.is_empty());
            assert_eq!(ra, rb, "{}: rows differ between protobuf/TimescaleDB and JSON/plain", cap.name);
        }
    }
}

#[test]
fn spans_is_a_hypertable_when_timescaledb_is_present() {
    if skip_without_timescaledb("spans_is_a_hypertable_when_timescaledb_is_present") {
        return;
    }
    let mut db = connect();
    let n: i64 = db
        .query_one(
            "SELECT count(*) FROM timescaledb_information.hypertables WHERE hypertable_schema = 'agenttrace' AND hypertable_name = 'spans'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    let present: bool = db.query_one("SELECT agenttrace.timescaledb_present()", &[]).unwrap().get(0);
    assert!(present);
    let mut plain = connect_to(&plain_database_url());
    let present: bool = plain.query_one("SELECT agenttrace.timescaledb_present()", &[]).unwrap().get(0);
    assert!(!present);
    let err = plain.query_one("SELECT agenttrace.enable_timescaledb()", &[]).unwrap_err();
    let msg = err.as_db_error().map(|e| e.message().to_string()).unwrap_or_default();
    assert!(msg.contains("TimescaleDB is not installed"), "{err:?}");
}

#[test]
fn staged_batches_answer_per_body_and_isolate_bad_bodies() {
    let mut db = connect();
    let cap = capture("oai_oi_tool_error");
    let mut req = request_of(&cap.bodies[0]);
    salt_request(&mut req, fresh_salt());
    let good = encode(&req);
    let n = spans_of(&req).len() as i64;
    let mut partial_req = req.clone();
    salt_request(&mut partial_req, fresh_salt());
    partial_req.resource_spans[0].scope_spans[0].spans[0].span_id = vec![1, 2, 3];
    let partial = encode(&partial_req);

    let mut tx = db.transaction().unwrap();
    let batch: i64 = tx.query_one("SELECT nextval('agenttrace.ingest_batch_id_seq')", &[]).unwrap().get(0);
    let bodies: Vec<(i32, Vec<u8>, &str)> =
        vec![(0, good, "application/x-protobuf"), (1, b"{not json".to_vec(), "application/json"), (2, partial, "application/x-protobuf")];
    for (seq, body, ct) in &bodies {
        tx.execute(
            "INSERT INTO agenttrace.ingest_staging (batch_id, seq, body, content_type) VALUES ($1, $2, $3, $4)",
            &[&batch, seq, body, ct],
        )
        .unwrap();
    }
    let rows =
        tx.query("SELECT seq, accepted_spans, rejected_spans, error_message, status FROM agenttrace.ingest_staged($1)", &[&batch]).unwrap();
    let left: i64 = tx.query_one("SELECT count(*) FROM agenttrace.ingest_staging WHERE batch_id = $1", &[&batch]).unwrap().get(0);
    tx.commit().unwrap();
    let got: Vec<(i32, i64, i64, String)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(4))).collect();
    assert_eq!(got, vec![(0, n, 0, "ok".into()), (1, 0, 0, "invalid".into()), (2, n - 1, 1, "partial".into())]);
    let err: Option<String> = rows[2].get(3);
    assert!(err.unwrap().contains("span_id must be 8 bytes"));
    assert_eq!(left, 0, "staging rows are consumed");
    assert_eq!(count(&mut db, SPANS_IN, &trace_ids_hex(&req)), n);
}

#[test]
fn concurrent_sessions_ingesting_parts_of_one_run_agree_with_a_single_ingest() {
    // Several ingress writers can carry spans of the same run at once; the result must equal
    // ingesting it in one piece (runs are serialised by advisory locks inside ingest).
    let cap = capture("ag_native_success");
    let req = request_of(&cap.bodies[0]);
    let summary = |db: &mut postgres::Client, traces: &[String]| -> (i64, String, i64, String) {
        let ids: Vec<uuid_text::Uuid> = traces.iter().map(|t| uuid_text::Uuid(t.clone())).collect();
        let row = db
            .query_one(
                "SELECT count(DISTINCT t.run_id),
                        (SELECT string_agg(agent_name, ',' ORDER BY agent_name) FROM agenttrace.agents WHERE run_id = min(t.run_id::text)::uuid),
                        (SELECT count(*) FROM agenttrace.agent_messages WHERE run_id = min(t.run_id::text)::uuid),
                        (SELECT status FROM agenttrace.run_summaries WHERE run_id = min(t.run_id::text)::uuid)
                   FROM agenttrace.traces t WHERE t.trace_id = ANY($1)",
                &[&ids],
            )
            .unwrap();
        (row.get(0), row.get::<_, Option<String>>(1).unwrap_or_default(), row.get(2), row.get::<_, Option<String>>(3).unwrap_or_default())
    };
    let mut db = connect();
    let mut whole = req.clone();
    salt_request(&mut whole, fresh_salt());
    ingest(&mut db, &encode(&whole), "application/x-protobuf", None);
    let reference = summary(&mut db, &trace_ids_hex(&whole));

    let mut parts_req = req.clone();
    salt_request(&mut parts_req, fresh_salt());
    let parts = split_reversed(&parts_req, 4);
    std::thread::scope(|scope| {
        for part in &parts {
            scope.spawn(move || {
                let mut c = connect();
                assert_eq!(ingest(&mut c, part, "application/x-protobuf", None).error, None);
            });
        }
    });
    let concurrent = summary(&mut db, &trace_ids_hex(&parts_req));
    assert_eq!(reference.0, 1, "one run, set-up traces included: {reference:?}");
    let ids: Vec<uuid_text::Uuid> = trace_ids_hex(&parts_req).into_iter().map(uuid_text::Uuid).collect();
    let layout: Vec<String> = db
        .query("SELECT run_id::text || ' ' || trace_id::text || ' setup=' || is_setup || ' ' || coalesce(root_name, '') FROM agenttrace.traces WHERE trace_id = ANY($1) ORDER BY 1", &[&ids])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(concurrent, reference, "{layout:#?}");
}

#[test]
fn any_arrival_order_of_a_linked_run_gives_one_run() {
    // Children before parents, links before their targets, set-up traces last: all 24 orders of
    // four parts of an AutoGen run (29 traces joined by links) stitch into the same single run.
    let cap = capture("ag_native_max_turns");
    let req = request_of(&cap.bodies[0]);
    let mut db = connect();
    let mut failures = Vec::new();
    let orders: Vec<[usize; 4]> = (0..4)
        .flat_map(|a| (0..4).flat_map(move |b| (0..4).flat_map(move |c| (0..4).map(move |d| [a, b, c, d]))))
        .filter(|o| {
            let mut s = o.to_vec();
            s.sort();
            s == [0, 1, 2, 3]
        })
        .collect();
    for order in orders {
        let mut salted = req.clone();
        salt_request(&mut salted, fresh_salt());
        let parts = split_reversed(&salted, 4);
        for i in order {
            assert_eq!(ingest(&mut db, &parts[i], "application/x-protobuf", None).error, None);
        }
        let ids: Vec<uuid_text::Uuid> = trace_ids_hex(&salted).into_iter().map(uuid_text::Uuid).collect();
        let runs: i64 =
            db.query_one("SELECT count(DISTINCT run_id) FROM agenttrace.traces WHERE trace_id = ANY($1)", &[&ids]).unwrap().get(0);
        if runs != 1 {
            failures.push(format!("{order:?}: {runs} runs"));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn raw_mode_keeps_spans_with_their_run_and_renormalize_matches_normalized_ingest() {
    // Raw mode does not read a run's earlier spans back; when a later part links traces into one
    // run, it still moves the stored spans to that run. renormalize() then derives exactly what
    // normalized ingest of the same parts derives.
    let cap = capture("ag_native_max_turns");
    let req = request_of(&cap.bodies[0]);
    let mut db = connect();
    let derived = |db: &mut postgres::Client, ids: &[uuid_text::Uuid]| -> (i64, i64, String) {
        let r = db
            .query_one(
                "SELECT (SELECT count(DISTINCT run_id) FROM agenttrace.spans WHERE trace_id = ANY($1)),
                        (SELECT count(*) FROM agenttrace.spans s JOIN agenttrace.traces t USING (trace_id)
                          WHERE s.trace_id = ANY($1) AND s.run_id <> t.run_id),
                        (SELECT string_agg(format('%s %s %s %s', a.agent_name, a.span_count, a.llm_calls, a.tool_calls), ';' ORDER BY a.agent_name)
                           FROM agenttrace.agents a WHERE a.run_id = (SELECT run_id FROM agenttrace.traces WHERE trace_id = $1[1]))
                        || ' | ' || (SELECT string_agg(format('%s>%s:%s', m.from_agent, m.to_agent, m.kind), ',' ORDER BY m.seq)
                           FROM agenttrace.agent_messages m WHERE m.run_id = (SELECT run_id FROM agenttrace.traces WHERE trace_id = $1[1]))
                        || ' | ' || (SELECT format('%s %s %s', r.status, r.span_count, r.agent_count)
                           FROM agenttrace.run_summaries r WHERE r.run_id = (SELECT run_id FROM agenttrace.traces WHERE trace_id = $1[1]))",
                &[&ids],
            )
            .unwrap();
        (r.get(0), r.get(1), r.get::<_, Option<String>>(2).unwrap_or_default())
    };
    let mut results = Vec::new();
    for raw in [true, false] {
        let mut salted = req.clone();
        salt_request(&mut salted, fresh_salt());
        let ids: Vec<uuid_text::Uuid> = trace_ids_hex(&salted).into_iter().map(uuid_text::Uuid).collect();
        db.batch_execute(if raw { "SET agenttrace.normalize = off" } else { "RESET agenttrace.normalize" }).unwrap();
        for part in split_reversed(&salted, 4) {
            assert_eq!(ingest(&mut db, &part, "application/x-protobuf", None).error, None);
        }
        db.batch_execute("RESET agenttrace.normalize").unwrap();
        let (runs, misplaced, _) = derived(&mut db, &ids);
        assert_eq!((runs, misplaced), (1, 0), "raw = {raw}: spans not all in the trace's run");
        if raw {
            let run: String = db.query_one("SELECT run_id::text FROM agenttrace.traces WHERE trace_id = $1", &[&ids[0]]).unwrap().get(0);
            db.query_one("SELECT agenttrace.renormalize($1::text::uuid)", &[&run]).unwrap();
        }
        results.push(derived(&mut db, &ids).2);
    }
    assert!(!results[1].is_empty());
    assert_eq!(results[0], results[1], "raw + renormalize differs from normalized ingest");
}

#[test]
fn span_facts_are_the_same_whether_a_run_arrives_whole_or_in_parts() {
    // Children arrive before the agent spans that own them: the facts of stored spans are
    // rewritten when a later part changes them (and only then, by their fingerprint).
    for name in ["ag_native_max_turns", "lg_oi_tool_error", "oai_oi_success", "crew_ev_tool_error"] {
        let cap = capture(name);
        let req = request_of(&cap.bodies[0]);
        let mut db = connect();
        let mut facts = Vec::new();
        for parts in [1usize, 5] {
            let mut salted = req.clone();
            salt_request(&mut salted, fresh_salt());
            for part in split_reversed(&salted, parts) {
                assert_eq!(ingest(&mut db, &part, "application/x-protobuf", None).error, None);
            }
            let ids: Vec<uuid_text::Uuid> = trace_ids_hex(&salted).into_iter().map(uuid_text::Uuid).collect();
            let f: String = db
                .query_one(
                    "SELECT string_agg(format('%s %s %s %s %s %s', agenttrace.span_id_hex(span_id), coalesce(agent_name, '-'), category,
                                              coalesce(tool_name, '-'), is_error, coalesce(model, '-')), ';' ORDER BY span_id)
                       FROM agenttrace.spans WHERE trace_id = ANY($1)",
                    &[&ids],
                )
                .unwrap()
                .get(0);
            facts.push(f);
        }
        assert_eq!(facts[0], facts[1], "{name}: facts differ when the run arrives in parts");
    }
}
