//! Upgrade path: every released version installs from its frozen script
//! (`sql/releases/`), stores real data, and `ALTER EXTENSION pg_agenttrace UPDATE` then
//! (1) keeps every stored row, (2) leaves a catalog identical to a fresh install of the current
//! version, object by object, and (3) serves old and new data. With and without TimescaleDB.
use std::collections::BTreeSet;
use std::path::PathBuf;

use agenttrace_tests::*;
use postgres::Client;

/// Every released version; each needs `sql/releases/pg_agenttrace--V.sql` and an upgrade path.
const RELEASED: &[&str] = &["0.1.0"];

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Released versions come from `scripts/install-release.sh` (their own library build, frozen
/// install script and control file), which `scripts/test.sh` runs.
fn require_released(db: &mut Client, version: &str) {
    let available: bool = db
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_available_extension_versions WHERE name = 'pg_agenttrace' AND version = $1)",
            &[&version],
        )
        .unwrap()
        .get(0);
    assert!(available, "pg_agenttrace {version} is not installed: run scripts/install-release.sh {version}");
}

fn extversion(db: &mut Client) -> String {
    db.query_one("SELECT extversion FROM pg_extension WHERE extname = 'pg_agenttrace'", &[]).unwrap().get(0)
}

/// One line per object of the extension's schema and membership: functions (signature, result,
/// body, volatility, security, settings, grants, comment), tables and views (kind, options,
/// grants, comment, definition), columns in order (type, default, nullability, compression,
/// grants, comment), constraints, indexes, triggers, types, extension members, dumped
/// configuration tables and TimescaleDB dimensions.
const CATALOG_SQL: &str = r#"
WITH ns AS (SELECT 'agenttrace'::regnamespace AS oid)
SELECT 'function ' || p.oid::regprocedure::text || ' -> ' || coalesce(pg_get_function_result(p.oid), 'procedure')
       || ' kind=' || p.prokind::text || ' vol=' || p.provolatile::text || ' par=' || p.proparallel::text
       || ' secdef=' || p.prosecdef || ' strict=' || p.proisstrict || ' lang=' || l.lanname
       || ' cost=' || p.procost || ' rows=' || p.prorows
       || ' args=' || pg_get_function_arguments(p.oid)
       || ' config=' || coalesce(array_to_string(p.proconfig, ','), '')
       || ' bin=' || coalesce(p.probin, '') || ' src=' || md5(p.prosrc)
       || ' acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(p.proacl) a), '')
       || ' comment=' || coalesce(md5(obj_description(p.oid, 'pg_proc')), '')
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang, ns WHERE p.pronamespace = ns.oid
UNION ALL
SELECT 'relation ' || c.relname || ' kind=' || c.relkind::text || ' persistence=' || c.relpersistence::text
       || ' options=' || coalesce(array_to_string(c.reloptions, ','), '')
       || ' rls=' || c.relrowsecurity
       || ' acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(c.relacl) a), '')
       || ' comment=' || coalesce(md5(obj_description(c.oid, 'pg_class')), '')
       || CASE WHEN c.relkind IN ('v', 'm') THEN ' view=' || md5(pg_get_viewdef(c.oid)) ELSE '' END
  FROM pg_class c, ns WHERE c.relnamespace = ns.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
UNION ALL
SELECT 'column ' || c.relname || '#' || row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum) || ' ' || a.attname
       || ' ' || format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull
       || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') || ' generated=' || a.attgenerated::text
       || ' identity=' || a.attidentity::text || ' compression=' || a.attcompression::text || ' storage=' || a.attstorage::text
       || ' acl=' || coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a.attacl) x), '')
       || ' comment=' || coalesce(md5(col_description(c.oid, a.attnum)), '')
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum, ns
 WHERE c.relnamespace = ns.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
UNION ALL
SELECT 'constraint ' || c.relname || '.' || k.conname || ' ' || pg_get_constraintdef(k.oid)
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid, ns WHERE c.relnamespace = ns.oid
UNION ALL
SELECT 'index ' || i.relname || ' ' || pg_get_indexdef(i.oid)
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid, ns WHERE i.relnamespace = ns.oid
UNION ALL
SELECT 'trigger ' || c.relname || '.' || t.tgname || ' ' || pg_get_triggerdef(t.oid)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid, ns WHERE c.relnamespace = ns.oid AND NOT t.tgisinternal
UNION ALL
SELECT 'type ' || t.typname || ' ' || t.typtype::text
       || coalesce(' labels=' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')
  FROM pg_type t, ns WHERE t.typnamespace = ns.oid AND t.typtype IN ('e', 'd', 'r')
UNION ALL
SELECT 'schema acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(n.nspacl) a), '')
       || ' comment=' || coalesce(md5(obj_description(n.oid, 'pg_namespace')), '')
  FROM pg_namespace n, ns WHERE n.oid = ns.oid
UNION ALL
SELECT 'member ' || pg_describe_object(d.classid, d.objid, d.objsubid)
  FROM pg_depend d JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
 WHERE e.extname = 'pg_agenttrace' AND d.deptype = 'e'
UNION ALL
SELECT 'config ' || t.cfg::regclass::text || ' where=' || coalesce(e.extcondition[t.n], '')
  FROM pg_extension e, unnest(e.extconfig) WITH ORDINALITY t(cfg, n) WHERE e.extname = 'pg_agenttrace'
"#;

const TIMESCALEDB_CATALOG_SQL: &str = "
SELECT 'hypertable ' || hypertable_name || ' ' || column_name || ' ' || coalesce(time_interval::text, integer_interval::text)
  FROM timescaledb_information.dimensions WHERE hypertable_schema = 'agenttrace'";

fn catalog(db: &mut Client) -> BTreeSet<String> {
    let mut lines: BTreeSet<String> = db.query(CATALOG_SQL, &[]).unwrap().iter().map(|r| r.get(0)).collect();
    let tsdb: bool = db.query_one("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')", &[]).unwrap().get(0);
    if tsdb {
        lines.extend(db.query(TIMESCALEDB_CATALOG_SQL, &[]).unwrap().iter().map(|r| r.get::<_, String>(0)));
    }
    lines
}

fn check_upgrade(from: &str, with_timescaledb: bool) {
    require_released(&mut connect(), from);
    let tag = if with_timescaledb { "tsdb" } else { "plain" };
    let (old_name, old_url, mut old) = scratch_db(&format!("upgrade_from_{}_{tag}", from.replace('.', "_")), with_timescaledb, Some(from));
    let (fresh_name, _, mut fresh) = scratch_db(&format!("upgrade_fresh_{tag}"), with_timescaledb, None);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Data written by the released version's own library.
        assert_eq!(extversion(&mut old), from);
        let library: String = old.query_one("SELECT agenttrace.version()", &[]).unwrap().get(0);
        assert_eq!(library, from, "the {from} database must run {from}'s library");
        store_everything(&mut old);
        // mast_settings holds shipped defaults next to what the user tuned: checked below.
        let tables: Vec<_> = tables_and_columns(&mut old).into_iter().filter(|(t, _)| t != "mast_settings").collect();
        let before = data_fingerprint(&mut old, &tables);
        let runs_before: i64 = old.query_one("SELECT count(*) FROM agenttrace.runs", &[]).unwrap().get(0);
        for table in ["spans", "agents", "agent_messages", "mast_runs", "failure_annotations", "dead_letters", "settings"] {
            assert!(before.iter().any(|(t, n, _)| t == table && *n > 0), "nothing stored in {table}: {before:?}");
        }
        drop(old);

        // The update, as the first statement of a new session (the documented procedure).
        connect_to(&old_url).batch_execute("ALTER EXTENSION pg_agenttrace UPDATE").unwrap();
        let mut old = connect_to(&old_url);
        let current: String = old.query_one("SELECT agenttrace.version()", &[]).unwrap().get(0);
        assert_eq!(extversion(&mut old), current, "UPDATE did not reach the library's version");
        assert_ne!(from, current, "the current version must be newer than every released one");

        // (1) every row is still there, unchanged.
        assert_eq!(data_fingerprint(&mut old, &tables), before, "rows changed across the update");

        // Settings: the values store_everything tuned are kept; every other row (shipped defaults,
        // new keys, descriptions) is the new release's, as in a fresh install.
        let settings = |db: &mut postgres::Client| -> Vec<(String, String, String)> {
            db.query("SELECT key, value::text, coalesce(description, '') FROM agenttrace.mast_settings ORDER BY key", &[])
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect()
        };
        let (upgraded_settings, fresh_settings) = (settings(&mut old), settings(&mut fresh));
        assert_eq!(upgraded_settings.len(), fresh_settings.len(), "setting keys differ from a fresh install");
        for ((key, value, desc), (fkey, fvalue, fdesc)) in upgraded_settings.iter().zip(&fresh_settings) {
            assert_eq!((key, desc), (fkey, fdesc), "setting row differs from a fresh install");
            match key.as_str() {
                "pending_quiet_seconds" => assert_eq!(value, "0", "tuned setting {key} lost"),
                "repeat_min" => assert_eq!(value, "4", "tuned setting {key} lost"),
                _ => assert_eq!(value, fvalue, "shipped default of {key} differs from a fresh install"),
            }
        }

        // (2) the catalog equals a fresh install of the current version.
        let (upgraded, installed) = (catalog(&mut old), catalog(&mut fresh));
        let missing: Vec<_> = installed.difference(&upgraded).collect();
        let extra: Vec<_> = upgraded.difference(&installed).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "updated catalog differs from a fresh install of {current}\nonly in fresh install: {missing:#?}\nonly after update: {extra:#?}"
        );

        // (3) old runs still analyse, renormalize over them works, and new data goes in.
        let runs_after: i64 = old.query_one("SELECT count(*) FROM agenttrace.runs", &[]).unwrap().get(0);
        assert_eq!(runs_after, runs_before);
        let renormalized: i64 = old.query_one("SELECT agenttrace.renormalize()", &[]).unwrap().get(0);
        assert!(renormalized > 0);
        let graphs: i64 = old
            .query_one("SELECT count(agenttrace.agent_graph(run_id)) FROM (SELECT DISTINCT run_id FROM agenttrace.agents) r", &[])
            .unwrap()
            .get(0);
        assert!(graphs > 0);
        let c = capture("crew_wr_success");
        let mut req = request_of(&c.bodies[0]);
        salt_request(&mut req, fresh_salt());
        let r = ingest(&mut old, &encode(&req), "application/x-protobuf", None);
        assert_eq!((r.error, r.rejected), (None, 0));
        assert!(r.accepted > 0);
        let found: i64 = old.query_one("SELECT count(*) FROM agenttrace.search_runs('crew')", &[]).unwrap().get(0);
        assert!(found > 0, "search finds nothing after the update");
    }));
    drop_db(&old_name);
    drop_db(&fresh_name);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn update_from_every_release_keeps_data_and_matches_a_fresh_install_with_timescaledb() {
    if skip_without_timescaledb("update_from_every_release_keeps_data_and_matches_a_fresh_install_with_timescaledb") {
        return;
    }
    for v in RELEASED {
        check_upgrade(v, true);
    }
}

#[test]
fn update_from_every_release_keeps_data_and_matches_a_fresh_install_without_timescaledb() {
    for v in RELEASED {
        check_upgrade(v, false);
    }
}

#[test]
fn every_released_version_has_a_frozen_script_and_an_update_path() {
    let upgrades: Vec<String> = std::fs::read_dir(repo_root().join("sql/upgrades"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let listed = std::fs::read_to_string(repo_root().join("sql/releases/versions")).unwrap();
    for v in RELEASED {
        assert!(listed.lines().any(|l| l.split_whitespace().next() == Some(*v)), "{v} not in sql/releases/versions");
        assert!(repo_root().join(format!("sql/releases/pg_agenttrace--{v}.sql")).exists(), "no frozen script for {v}");
        assert!(upgrades.iter().any(|u| u.starts_with(&format!("pg_agenttrace--{v}--"))), "no upgrade script from {v}");
    }
}
