//! The SQL surface documents itself: every function, view and table of the extension has a COMMENT.
use agenttrace_tests::*;

#[test]
fn every_function_view_and_table_has_a_comment() {
    let mut db = connect();
    let missing: Vec<String> = db
        .query(
            "SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc p
              WHERE p.pronamespace = 'agenttrace'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL
             UNION ALL
             SELECT CASE c.relkind WHEN 'v' THEN 'view ' ELSE 'table ' END || c.relname FROM pg_class c
              WHERE c.relnamespace = 'agenttrace'::regnamespace AND c.relkind IN ('r', 'v', 'p', 'm')
                AND obj_description(c.oid, 'pg_class') IS NULL
             ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(missing.is_empty(), "objects without COMMENT: {missing:#?}");
}

#[test]
fn extension_objects_do_not_touch_pg_catalog_descriptions() {
    // Unqualified names in the install script resolve to pg_catalog first; make sure none did.
    let mut db = connect();
    let d: Option<String> = db.query_one("SELECT obj_description('pg_catalog.version()'::regprocedure, 'pg_proc')", &[]).unwrap().get(0);
    assert!(d.is_none_or(|d| !d.contains("pg_agenttrace")), "pg_catalog.version() was commented by the extension");
}
