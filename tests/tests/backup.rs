//! Logical backups: `pg_dump` of a database with pg_agenttrace and `pg_restore` into a new one
//! bring back every stored row (the extension marks its tables as configuration tables), with and
//! without TimescaleDB, and the restored database goes on ingesting, numbering dead letters and
//! annotations after the restored ones.
use std::path::PathBuf;
use std::process::Command;

use agenttrace_tests::*;
use postgres::Client;

/// Tables whose rows pg_dump does not carry, by design (see sql/dump.sql): reference data and
/// shipped settings are recreated by CREATE EXTENSION, staging is transient.
const NOT_DUMPED: &[&str] = &["mast_modes", "mast_settings", "ingest_staging"];

fn pg_bin(tool: &str) -> PathBuf {
    let pg_config = std::env::var("PG_CONFIG").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin/pg_config".into());
    let out = Command::new(&pg_config).arg("--bindir").output().expect("pg_config --bindir");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join(tool)
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}\n{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
}

fn dumped_tables(db: &mut Client) -> Vec<(String, Vec<String>)> {
    tables_and_columns(db).into_iter().filter(|(t, _)| !NOT_DUMPED.contains(&t.as_str())).collect()
}

fn check_round_trip(with_timescaledb: bool) {
    let tag = if with_timescaledb { "tsdb" } else { "plain" };
    let (src_name, src_url, mut src) = scratch_db(&format!("backup_src_{tag}"), with_timescaledb, None);
    let target_name = format!("{src_name}_restored");
    let dump = std::env::temp_dir().join(format!("{src_name}.dump"));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        store_everything(&mut src);
        let tables = dumped_tables(&mut src);
        let before = data_fingerprint(&mut src, &tables);
        assert!(before.iter().any(|(t, n, _)| t == "spans" && *n > 300), "{before:?}");
        assert!(before.iter().any(|(t, n, _)| t == "redaction_patterns" && *n > 0));
        let (dead_letters, annotations): (i64, i64) = {
            let r = src
                .query_one(
                    "SELECT (SELECT max(dead_letter_id) FROM agenttrace.dead_letters), (SELECT max(annotation_id) FROM agenttrace.failure_annotations)",
                    &[],
                )
                .unwrap();
            (r.get(0), r.get(1))
        };
        drop(src);

        run(Command::new(pg_bin("pg_dump")).args(["-Fc", "-f"]).arg(&dump).args(["-d", &src_url]));
        let mut admin = connect();
        admin.batch_execute(&format!("CREATE DATABASE {target_name}")).unwrap();
        let target_url = src_url.rsplit_once('/').map(|(a, _)| format!("{a}/{target_name}")).unwrap();
        if with_timescaledb {
            // TimescaleDB's documented restore procedure.
            connect_to(&target_url)
                .batch_execute("SET client_min_messages = warning; CREATE EXTENSION timescaledb; SELECT timescaledb_pre_restore();")
                .unwrap();
        }
        run(Command::new(pg_bin("pg_restore")).args(["--exit-on-error", "-d", &target_url]).arg(&dump));
        let mut restored = connect_to(&target_url);
        if with_timescaledb {
            restored.batch_execute("SELECT timescaledb_post_restore()").unwrap();
            restored = connect_to(&target_url);
            let hyper: i64 = restored
                .query_one("SELECT count(*) FROM timescaledb_information.hypertables WHERE hypertable_schema = 'agenttrace' AND hypertable_name = 'spans'", &[])
                .unwrap()
                .get(0);
            assert_eq!(hyper, 1, "agenttrace.spans is no hypertable after the restore");
        }

        assert_eq!(data_fingerprint(&mut restored, &tables), before, "restored rows differ");

        // The restored database works on: new runs, and numbering continues after restored rows.
        let c = capture("crew_wr_success");
        let mut req = request_of(&c.bodies[0]);
        salt_request(&mut req, fresh_salt());
        let r = ingest(&mut restored, &encode(&req), "application/x-protobuf", None);
        assert_eq!((r.error, r.rejected), (None, 0));
        assert!(ingest(&mut restored, b"still not protobuf", "application/x-protobuf", None).error.is_some());
        let next_dead_letter: i64 = restored.query_one("SELECT max(dead_letter_id) FROM agenttrace.dead_letters", &[]).unwrap().get(0);
        assert!(next_dead_letter > dead_letters);
        let run: String = restored.query_one("SELECT run_id::text FROM agenttrace.failure_annotations LIMIT 1", &[]).unwrap().get(0);
        let id: i64 = restored
            .query_one("SELECT agenttrace.annotate($1::text::uuid, 'FM-1.1', 'restored database', 'human')", &[&run])
            .unwrap()
            .get(0);
        assert!(id > annotations, "annotation ids restart after a restore: {id} <= {annotations}");
    }));
    drop_db(&src_name);
    drop_db(&target_name);
    let _ = std::fs::remove_file(&dump);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn dump_and_restore_keep_every_row_without_timescaledb() {
    check_round_trip(false);
}

#[test]
fn dump_and_restore_keep_every_row_with_timescaledb() {
    if skip_without_timescaledb("dump_and_restore_keep_every_row_with_timescaledb") {
        return;
    }
    check_round_trip(true);
}
