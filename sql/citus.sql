-- Citus: agenttrace.distribute() spreads the tables over a Citus cluster's workers.
-- Keys (README "Beyond one machine"):
--   * by trace_id, co-located: spans, span_events, span_links, traces (a trace's rows share a shard;
--     a span's run can change when a later link merges runs, a trace never does);
--   * by run_id, co-located with the trace tables: every per-run table. A run's id is its smallest
--     trace id, so a run's derived rows sit on the shard of its first trace, and a single-trace run
--     (the common case) is wholly on one shard;
--   * reference tables (a copy on every node): the small lookup and settings tables;
--   * left on the coordinator: dead_letters and the ingest staging table.
-- Stitching reads by key (pg_agenttrace/src/store/route.rs): trace_edges (by trace_id) and
-- setup_processes (reference) answer what traces would answer only by asking every shard. They
-- are rebuilt from traces and span_links here, before they are distributed.

CREATE FUNCTION distribute(shard_count integer DEFAULT 32)
RETURNS TABLE (table_name text, distribution text, key text, shards integer, changed boolean)
LANGUAGE plpgsql
SET search_path = agenttrace, pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    ref_tables text[] := ARRAY['resources', 'settings', 'mast_modes', 'mast_settings', 'redaction_patterns', 'setup_processes'];
    trace_tables text[] := ARRAY['traces', 'spans', 'span_events', 'span_links', 'trace_edges'];
    run_tables text[] := ARRAY['run_summaries', 'agents', 'agent_messages', 'tool_calls', 'checkpoints',
                               'run_search', 'run_state', 'failure_annotations', 'mast_runs', 'judge_runs'];
    t text;
    method "char";
    col text;
    n integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'agenttrace.distribute() needs Citus, which is not installed in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Add citus to shared_preload_libraries, CREATE EXTENSION citus, add worker nodes (citus_add_node), then run it on the coordinator. On a single server pg_agenttrace needs nothing of this.';
    END IF;
    IF shard_count IS NULL OR shard_count < 1 OR shard_count > 64000 THEN
        RAISE EXCEPTION 'shard_count must be between 1 and 64000, not %', shard_count USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
       AND EXISTS (SELECT 1 FROM pg_inherits WHERE inhparent = 'agenttrace.spans'::regclass) THEN
        RAISE EXCEPTION 'agenttrace.spans is a TimescaleDB hypertable: Citus and TimescaleDB do not share a database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Create pg_agenttrace in a database without TimescaleDB for Citus.';
    END IF;

    -- The stitching tables, while not yet distributed, are rebuilt from what is stored (ingest
    -- keeps them current from then on).
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = 'agenttrace.trace_edges'::regclass) THEN
        DELETE FROM agenttrace.trace_edges;
        INSERT INTO agenttrace.trace_edges (trace_id, other_trace_id)
        SELECT tr.trace_id, tr.trace_id FROM agenttrace.traces tr
        UNION SELECT tr.trace_id, tr.run_id FROM agenttrace.traces tr WHERE tr.run_id <> tr.trace_id
        UNION SELECT tr.run_id, tr.trace_id FROM agenttrace.traces tr WHERE tr.run_id <> tr.trace_id
        UNION SELECT l.trace_id, l.linked_trace_id FROM agenttrace.span_links l
               WHERE l.trace_id <> l.linked_trace_id AND NOT l.attributes @> '{"agenttrace.link.type": "replay_of"}'
        UNION SELECT l.linked_trace_id, l.trace_id FROM agenttrace.span_links l
               WHERE l.trace_id <> l.linked_trace_id AND NOT l.attributes @> '{"agenttrace.link.type": "replay_of"}'
        ON CONFLICT DO NOTHING;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = 'agenttrace.setup_processes'::regclass) THEN
        INSERT INTO agenttrace.setup_processes (resource_hash)
        SELECT DISTINCT tr.resource_hash FROM agenttrace.traces tr WHERE tr.is_setup AND tr.resource_hash IS NOT NULL
        ON CONFLICT DO NOTHING;
    END IF;

    FOREACH t IN ARRAY ref_tables || trace_tables || run_tables LOOP
        CONTINUE WHEN to_regclass('agenttrace.' || t) IS NULL;
        EXECUTE 'SELECT partmethod FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1::regclass'
            INTO method USING 'agenttrace.' || t;
        IF t = ANY (ref_tables) THEN
            col := NULL;
            IF method IS NULL THEN
                EXECUTE 'SELECT pg_catalog.create_reference_table($1::regclass)' USING 'agenttrace.' || t;
            END IF;
        ELSE
            col := CASE WHEN t = ANY (trace_tables) THEN 'trace_id' ELSE 'run_id' END;
            IF method IS NULL THEN
                -- traces makes the co-location group (shard_count shards), every other table joins it
                PERFORM set_config('citus.shard_count', shard_count::text, true);
                EXECUTE 'SELECT pg_catalog.create_distributed_table($1::regclass, $2, colocate_with => $3)'
                    USING 'agenttrace.' || t, col, CASE WHEN t = 'traces' THEN 'none' ELSE 'agenttrace.traces' END;
            END IF;
        END IF;
        IF method IS NULL THEN
            -- rows stored before distribute() were copied to the shards: drop the local copies
            EXECUTE 'SELECT pg_catalog.truncate_local_data_after_distributing_table($1::regclass)' USING 'agenttrace.' || t;
        END IF;
        EXECUTE 'SELECT count(*)::integer FROM pg_catalog.pg_dist_shard WHERE logicalrelid = $1::regclass'
            INTO n USING 'agenttrace.' || t;
        table_name := t;
        distribution := CASE WHEN t = ANY (ref_tables) THEN 'reference' ELSE 'distributed' END;
        key := col;
        shards := n;
        changed := method IS NULL;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION distribute(integer) IS
'Citus only (run on the coordinator as the extension owner): distributes pg_agenttrace''s tables over the cluster. Trace tables (spans, span_events, span_links, traces, trace_edges) by trace_id, per-run tables (run_summaries, agents, agent_messages, tool_calls, checkpoints, run_search, run_state, failure_annotations, mast_runs, judge_runs) by run_id, all co-located, with shard_count shards; resources, settings, mast_modes, mast_settings, redaction_patterns and setup_processes become reference tables; the stitching tables (trace_edges, setup_processes) are first rebuilt from traces and span_links; dead_letters and ingest_staging stay on the coordinator. Stored rows move to the shards. Idempotent: tables already distributed are left as they are (their shard count too). Refuses without Citus and on a TimescaleDB hypertable. Returns each table, how it is distributed, its key, its shard count and whether this call changed it. Example: SELECT * FROM agenttrace.distribute(shard_count => 32);';
