-- pg_dump keeps what users stored. CREATE EXTENSION creates these tables, so pg_dump leaves their
-- rows out unless they are marked as configuration tables; marked here:
--   * every table of trace data, derived data, classifications, dead letters and settings, with
--     the sequences behind their identity columns (a restore continues numbering after them);
--   * redaction patterns you added (the shipped ones are recreated by CREATE EXTENSION).
-- Not dumped: mast_modes (reference data), mast_settings (shipped rows you edit in place: a
-- dumped row would collide with the one CREATE EXTENSION inserts; re-apply changes after a
-- restore), ingest_staging (transient). With TimescaleDB, restore as its docs say
-- (timescaledb_pre_restore() / timescaledb_post_restore()); the install script then leaves the
-- hypertable to the restored TimescaleDB catalog.
-- One call per statement: each updates the extension's catalog row.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['resources', 'spans', 'span_events', 'span_links', 'traces', 'run_summaries',
                             'agents', 'agent_messages', 'tool_calls', 'checkpoints', 'run_search', 'run_state',
                             'failure_annotations', 'dead_letters', 'mast_runs', 'judge_runs', 'settings', 'log_records',
                             'trace_edges', 'setup_processes', 'genai_event_traces'] LOOP
        PERFORM pg_catalog.pg_extension_config_dump(('agenttrace.' || t)::regclass, '');
    END LOOP;
    -- Citus: log_records is partitioned (sql/schema.sql); its default partition holds rows too
    -- (the extension's on the coordinator; on a worker it holds none and is not the extension's)
    IF EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'
                  AND d.objid = to_regclass('agenttrace.log_records_default')) THEN
        PERFORM pg_catalog.pg_extension_config_dump('agenttrace.log_records_default'::regclass, '');
    END IF;
    PERFORM pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('agenttrace.failure_annotations', 'annotation_id')::regclass, '');
    PERFORM pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('agenttrace.dead_letters', 'dead_letter_id')::regclass, '');
    PERFORM pg_catalog.pg_extension_config_dump('agenttrace.redaction_patterns'::regclass,
        'WHERE name NOT IN (SELECT name FROM agenttrace.default_redaction_patterns())');
END
$$;
