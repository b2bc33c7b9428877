//! Hardening: secrets never reach a table, and each role can do exactly its job.
use agenttrace_tests::*;
use postgres::{Client, NoTls};

const SECRET: &str = "sk-proj-Zx81ahd7Qm2LkP0vW9tRbN4c";
const AWS: &str = "AKIAIOSFODNN7EXAMPLE";

fn tables(db: &mut Client) -> Vec<String> {
    db.query("SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'agenttrace'::regnamespace AND c.relkind IN ('r', 'p')", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn secrets_sent_in_prompts_never_reach_any_table() {
    let mut db = connect();
    let salt = fresh_salt();
    let trace = salted_trace_id_hex(&[0x42; 16], salt);
    let body = format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"redaction-test"}}}},
             {{"key":"db.password","value":{{"stringValue":"hunter2-{trace}"}}}}]}},
          "scopeSpans":[{{"spans":[{{"traceId":"{trace}","spanId":"0102030405060708","name":"chat gpt-4o",
             "startTimeUnixNano":"1790000000000000000","endTimeUnixNano":"1790000001000000000",
             "attributes":[{{"key":"gen_ai.operation.name","value":{{"stringValue":"chat"}}}},
               {{"key":"gen_ai.input.messages","value":{{"stringValue":"[{{\"role\":\"user\",\"parts\":[{{\"type\":\"text\",\"content\":\"my key is {SECRET} and {AWS}\"}}]}}]"}}}},
               {{"key":"http.request.header.authorization","value":{{"stringValue":"Bearer abcdefghijklmnop"}}}}],
             "events":[{{"name":"exception","timeUnixNano":"1790000000500000000","attributes":[
               {{"key":"exception.message","value":{{"stringValue":"auth failed for {SECRET}"}}}}]}}],
             "status":{{"code":2,"message":"401 with key {SECRET}"}}}}]}}]}}]}}"#
    );
    let r = ingest(&mut db, body.as_bytes(), "application/json", None);
    assert_eq!((r.accepted, r.error), (1, None));
    // And a rejected body carrying the same key (dead letters are redacted too).
    let bad = format!(r#"{{"resourceSpans":[{{"note":"{SECRET}"}}"#);
    assert!(ingest(&mut db, bad.as_bytes(), "application/json", None).error.is_some());

    let stored: String = db
        .query_one("SELECT attributes->>'gen_ai.input.messages' FROM agenttrace.spans WHERE trace_id = $1::text::uuid", &[&trace])
        .unwrap()
        .get(0);
    assert!(stored.contains("[REDACTED:openai_key]") && stored.contains("[REDACTED:aws_access_key]"), "{stored}");
    for t in tables(&mut db) {
        for needle in [SECRET, AWS, "hunter2", "abcdefghijklmnop"] {
            let n: i64 = db
                .query_one(
                    &format!(
                        "SELECT count(*) FROM agenttrace.{t} x WHERE strpos(x::text, $1) > 0 {}",
                        if t == "dead_letters" { "OR position(convert_to($1, 'UTF8') in x.body) > 0" } else { "" }
                    ),
                    &[&needle],
                )
                .unwrap()
                .get(0);
            assert_eq!(n, 0, "{needle} found in agenttrace.{t}");
        }
    }
}

#[test]
fn redaction_patterns_are_data() {
    let mut db = connect();
    let err = db.execute("INSERT INTO agenttrace.redaction_patterns (name, pattern) VALUES ('broken', '(')", &[]).unwrap_err();
    assert!(err.as_db_error().unwrap().message().contains("violates check constraint"));
    let n: i64 = db.query_one("SELECT count(*) FROM agenttrace.redaction_patterns WHERE enabled", &[]).unwrap().get(0);
    assert!(n >= 8);
}

/// The compiled redactor is kept per session and lent to each ingest: a pattern added in the
/// session's transaction applies to its next ingest (and to the one after), and once the pattern
/// is gone again the next ingest keeps the text.
#[test]
fn a_session_redacts_with_the_patterns_of_the_moment() {
    let mut db = connect();
    let salt = fresh_salt();
    let tag = u64::from_be_bytes(salt);
    let word = format!("zq{tag:x}codeword");
    let stored_input = |db: &mut postgres::Transaction<'_>, span: u8| -> String {
        let trace = salted_trace_id_hex(&[0x43; 16], salt);
        let body = format!(
            r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"redaction-session"}}}}]}},
              "scopeSpans":[{{"spans":[{{"traceId":"{trace}","spanId":"01020304050607{span:02x}","name":"chat gpt-4o",
                 "startTimeUnixNano":"1790000000000000000","endTimeUnixNano":"1790000001000000000",
                 "attributes":[{{"key":"gen_ai.operation.name","value":{{"stringValue":"chat"}}}},
                   {{"key":"note","value":{{"stringValue":"the word is {word}"}}}}]}}]}}]}}]}}"#
        );
        let r = db.query_one("SELECT accepted_spans FROM agenttrace.ingest($1::text::bytea, 'application/json')", &[&body]).unwrap();
        assert_eq!(r.get::<_, i64>(0), 1);
        db.query_one(
            "SELECT attributes->>'note' FROM agenttrace.spans WHERE trace_id = $1::text::uuid AND span_id = $2",
            &[&trace, &i64::from_be_bytes([1, 2, 3, 4, 5, 6, 7, span])],
        )
        .unwrap()
        .get(0)
    };
    let mut tx = db.transaction().unwrap();
    assert!(stored_input(&mut tx, 1).contains(&word), "no pattern yet");
    tx.execute("INSERT INTO agenttrace.redaction_patterns (name, pattern) VALUES ($1, $2)", &[&format!("session_{tag:x}"), &word]).unwrap();
    for span in [2, 3] {
        let got = stored_input(&mut tx, span);
        assert!(!got.contains(&word) && got.contains("[REDACTED:session_"), "span {span}: {got}");
    }
    tx.rollback().unwrap();
    let mut tx = db.transaction().unwrap();
    assert!(stored_input(&mut tx, 4).contains(&word), "pattern gone");
    tx.rollback().unwrap();
}

/// A throw-away login role that is a member of `group`.
struct TempRole {
    name: String,
}

impl TempRole {
    fn new(db: &mut Client, group: Option<&str>) -> Self {
        let name = format!("at_test_{}_{}", group.unwrap_or("public"), agenttrace_core::ids::to_hex(&fresh_salt()));
        db.batch_execute(&format!("CREATE ROLE {name} LOGIN")).unwrap();
        if let Some(g) = group {
            db.batch_execute(&format!("GRANT {g} TO {name}")).unwrap();
        }
        TempRole { name }
    }
    fn connect(&self) -> Client {
        let url = database_url().replacen("postgres@", &format!("{}@", self.name), 1);
        Client::connect(&url, NoTls).unwrap()
    }
}

fn allowed(c: &mut Client, sql: &str) -> Result<(), String> {
    c.batch_execute(sql).map_err(|e| e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string()))
}

fn denied(c: &mut Client, sql: &str) {
    match allowed(c, sql) {
        Ok(()) => panic!("allowed but must be denied: {sql}"),
        Err(m) => assert!(m.contains("permission denied"), "{sql}: {m}"),
    }
}

#[test]
fn each_role_can_do_exactly_its_job() {
    let mut db = connect();
    let body = {
        let mut req = request_of(&capture("crew_ev_success").bodies[0]);
        salt_request(&mut req, fresh_salt());
        encode(&req)
    };
    let hex: String = body.iter().map(|b| format!("{b:02x}")).collect();
    let ingest_sql = format!("SELECT * FROM agenttrace.ingest('\\x{hex}'::bytea)");
    let logs_sql = r#"SELECT * FROM agenttrace.ingest_logs(convert_to('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"role test"}}]}]}]}', 'UTF8'), 'application/json')"#;

    let roles: Vec<TempRole> = vec![
        TempRole::new(&mut db, Some("agenttrace_ingest")),
        TempRole::new(&mut db, Some("agenttrace_reader")),
        TempRole::new(&mut db, Some("agenttrace_admin")),
        TempRole::new(&mut db, None),
    ];
    let result = std::panic::catch_unwind(|| {
        let mut ingest_c = roles[0].connect();
        allowed(&mut ingest_c, &ingest_sql).unwrap();
        allowed(&mut ingest_c, "SELECT agenttrace.version()").unwrap();
        allowed(
            &mut ingest_c,
            "BEGIN; INSERT INTO agenttrace.ingest_staging (batch_id, seq, body) VALUES (nextval('agenttrace.ingest_batch_id_seq'), 0, ''::bytea);
             SELECT * FROM agenttrace.ingest_staged(currval('agenttrace.ingest_batch_id_seq')); COMMIT;",
        )
        .unwrap();
        allowed(&mut ingest_c, logs_sql).unwrap();
        denied(&mut ingest_c, "SELECT count(*) FROM agenttrace.log_records");
        denied(&mut ingest_c, "SELECT count(*) FROM agenttrace.spans");
        denied(&mut ingest_c, "DELETE FROM agenttrace.spans");
        denied(&mut ingest_c, "SELECT * FROM agenttrace.runs");
        denied(&mut ingest_c, "SELECT agenttrace.renormalize()");

        let mut reader = roles[1].connect();
        allowed(&mut reader, "SELECT count(*) FROM agenttrace.spans").unwrap();
        allowed(&mut reader, "SELECT * FROM agenttrace.runs LIMIT 5").unwrap();
        allowed(&mut reader, "SELECT * FROM agenttrace.agent_activity LIMIT 5").unwrap();
        allowed(&mut reader, "SELECT dead_letter_id, error_message FROM agenttrace.dead_letters LIMIT 1").unwrap();
        denied(&mut reader, "SELECT body FROM agenttrace.dead_letters LIMIT 1");
        denied(&mut reader, &ingest_sql);
        denied(&mut reader, logs_sql);
        allowed(&mut reader, "SELECT body, attributes, genai FROM agenttrace.log_records LIMIT 1").unwrap();
        denied(&mut reader, "DELETE FROM agenttrace.log_records");
        denied(&mut reader, "INSERT INTO agenttrace.redaction_patterns (name, pattern) VALUES ('x', 'y')");
        denied(&mut reader, "UPDATE agenttrace.spans SET name = 'x'");
        denied(&mut reader, "SELECT agenttrace.renormalize()");

        let mut admin = roles[2].connect();
        allowed(&mut admin, "SELECT count(*) FROM agenttrace.spans").unwrap();
        allowed(&mut admin, "UPDATE agenttrace.redaction_patterns SET enabled = enabled WHERE false").unwrap();
        allowed(&mut admin, &ingest_sql).unwrap();

        let mut nobody = roles[3].connect();
        denied(&mut nobody, &ingest_sql);
        denied(&mut nobody, logs_sql);
        denied(&mut nobody, "SELECT count(*) FROM agenttrace.log_records");
        denied(&mut nobody, "SELECT count(*) FROM agenttrace.spans");
        denied(&mut nobody, "SELECT agenttrace.version()");
    });
    for r in &roles {
        let _ = db.batch_execute(&format!("DROP OWNED BY {0}; DROP ROLE {0}", r.name));
    }
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn writing_functions_pin_their_search_path() {
    let mut db = connect();
    let rows = db
        .query(
            "SELECT p.proname, p.prosecdef, coalesce(array_to_string(p.proconfig, ','), '')
               FROM pg_proc p WHERE p.pronamespace = 'agenttrace'::regnamespace AND p.prosecdef",
            &[],
        )
        .unwrap();
    assert!(rows.len() >= 2);
    for r in rows {
        let (name, config): (String, String) = (r.get(0), r.get(2));
        assert!(config.contains("search_path=agenttrace, pg_catalog, pg_temp"), "{name}: {config}");
    }
}
