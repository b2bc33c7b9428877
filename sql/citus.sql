-- Citus: agenttrace.distribute() spreads the tables over a Citus cluster's workers.
-- Keys (README "Beyond one machine"):
--   * by trace_id, co-located: spans, span_events, span_links, traces (a trace's rows share a shard;
--     a span's run can change when a later link merges runs, a trace never does);
--   * by run_id, co-located with the trace tables: every per-run table. A run's id is its smallest
--     trace id, so a run's derived rows sit on the shard of its first trace, and a single-trace run
--     (the common case) is wholly on one shard;
--   * by route_id, co-located with the trace tables and partitioned by day on time (Citus time
--     partitions): log_records. A record's route_id is its trace id, so a trace's log records
--     sit on the trace's shard; a record without a trace context gets an id of its process,
--     scope and hour (pg_agenttrace/src/logs.rs). apply_retention() drops whole days;
--   * reference tables (a copy on every node): the small lookup and settings tables;
--   * left on the coordinator: dead_letters, the ingest staging table and genai_event_traces.
-- spans stays one table per shard: its reads and updates are by trace and run, not by time, and
-- would probe every day's partition (docs/design.md, "Citus distribution").
-- Stitching reads by key (pg_agenttrace/src/store/route.rs): trace_edges (by trace_id) and
-- setup_processes (reference) answer what traces would answer only by asking every shard. They
-- are rebuilt from traces and span_links here, before they are distributed.

-- Citus time partitions of log_records: the days from start_from (default now) to a week (ahead)
-- from now, never a day that already holds rows in the default partition (PostgreSQL cannot
-- create a partition for rows stored in the default one: those days' rows stay there, and
-- apply_retention() deletes them by time).
CREATE FUNCTION extend_time_partitions(ahead interval DEFAULT interval '7 days', start_from timestamptz DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SET search_path = agenttrace, pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    from_t timestamptz := least(coalesce(start_from, now()), now());
    end_t timestamptz := now() + ahead;
    newest timestamptz;
    before integer;
    after integer;
BEGIN
    IF ahead IS NULL OR ahead < interval '0' OR ahead > interval '366 days' THEN
        RAISE EXCEPTION 'ahead must be between 0 and 366 days, not %', ahead USING ERRCODE = '22023';
    END IF;
    IF to_regclass('agenttrace.log_records_default') IS NULL
       OR NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')
       OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = 'agenttrace.log_records'::regclass) THEN
        RETURN 0;
    END IF;
    -- a created partition ends at most a day after end_t
    SELECT max(d.time) INTO newest FROM agenttrace.log_records_default d
     WHERE d.time >= date_trunc('day', from_t) AND d.time < end_t + interval '1 day';
    IF newest IS NOT NULL THEN
        from_t := date_trunc('day', newest) + interval '1 day';
    END IF;
    IF from_t >= end_t THEN
        RETURN 0;
    END IF;
    SELECT count(*) INTO before FROM pg_inherits WHERE inhparent = 'agenttrace.log_records'::regclass;
    PERFORM pg_catalog.create_time_partitions('agenttrace.log_records'::regclass, interval '1 day', end_t, from_t);
    SELECT count(*) INTO after FROM pg_inherits WHERE inhparent = 'agenttrace.log_records'::regclass;
    RETURN after - before;
END
$$;
COMMENT ON FUNCTION extend_time_partitions(interval, timestamptz) IS
'Citus only, after agenttrace.distribute(): creates the missing day partitions of agenttrace.log_records from start_from (default now) to ahead (default 7 days) from now, skipping days that already have rows in its default partition (they stay there). agenttrace.apply_retention() calls it on every run; schedule it yourself (hourly or daily) when no retention is set, or records of later days go to the default partition, which retention can only DELETE from. Returns the number of partitions created; 0 without Citus or before distribute(). Example: SELECT agenttrace.extend_time_partitions(interval ''14 days'');';

-- log_records, partitioned at CREATE EXTENSION (sql/schema.sql) or here when pg_agenttrace was
-- created before Citus, distributed by route_id with the traces. Its stored rows (all in the
-- default partition) are moved out for the time the day partitions are created and back into
-- them: one transaction, the count checked.
CREATE FUNCTION distribute_log_records() RETURNS boolean
LANGUAGE plpgsql
SET search_path = agenttrace, pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    n_before bigint;
    n_after bigint;
    oldest timestamptz;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = 'agenttrace.log_records'::regclass) THEN
        RETURN false;
    END IF;
    IF agenttrace.partition_log_records() THEN
        -- created before Citus: the partitioned table is the extension's, as on the workers
        ALTER EXTENSION pg_agenttrace ADD TABLE agenttrace.log_records;
    END IF;
    -- the traces with GenAI content events, on the coordinator (sql/schema.sql)
    INSERT INTO agenttrace.genai_event_traces (trace_id)
    SELECT DISTINCT l.trace_id FROM agenttrace.log_records l
     WHERE l.trace_id IS NOT NULL AND l.span_id IS NOT NULL AND l.genai IS NOT NULL
    ON CONFLICT DO NOTHING;
    CREATE TEMP TABLE agenttrace_log_records_moved ON COMMIT DROP AS SELECT * FROM agenttrace.log_records;
    SELECT count(*), min(m.time) INTO n_before, oldest FROM agenttrace_log_records_moved m;
    DELETE FROM agenttrace.log_records;
    PERFORM pg_catalog.create_distributed_table('agenttrace.log_records'::regclass, 'route_id', colocate_with => 'agenttrace.traces');
    -- day partitions from the oldest row's day (at most 30 days back); older rows stay in the
    -- default partition
    PERFORM agenttrace.extend_time_partitions(start_from => greatest(coalesce(oldest, now()), now() - interval '30 days'));
    INSERT INTO agenttrace.log_records SELECT * FROM agenttrace_log_records_moved;
    SELECT count(*) INTO n_after FROM agenttrace.log_records;
    IF n_after <> n_before THEN
        RAISE EXCEPTION 'log_records: % rows before distributing, % after', n_before, n_after;
    END IF;
    DROP TABLE agenttrace_log_records_moved;
    RETURN true;
END
$$;
COMMENT ON FUNCTION distribute_log_records() IS
'Called by agenttrace.distribute(): distributes agenttrace.log_records by route_id, co-located with agenttrace.traces, partitioned by day on time (agenttrace.partition_log_records() first when pg_agenttrace was created before Citus), with day partitions from its oldest row''s day (at most 30 days back) to a week ahead; every stored row is kept (moved into its day''s partition in the same transaction, the count checked); the traces of its GenAI content events are noted in agenttrace.genai_event_traces. Returns false when log_records already is distributed.';

CREATE FUNCTION distribute(shard_count integer DEFAULT 32)
RETURNS TABLE (table_name text, distribution text, key text, shards integer, changed boolean)
LANGUAGE plpgsql
SET search_path = agenttrace, pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    ref_tables text[] := ARRAY['resources', 'settings', 'mast_modes', 'mast_settings', 'redaction_patterns', 'setup_processes'];
    trace_tables text[] := ARRAY['traces', 'spans', 'span_events', 'span_links', 'trace_edges', 'log_records'];
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
        SELECT tr.trace_id, tr.run_id FROM agenttrace.traces tr WHERE tr.run_id <> tr.trace_id
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

    FOREACH t IN ARRAY ref_tables || trace_tables || run_tables || ARRAY['shard_writes'] LOOP
        CONTINUE WHEN to_regclass('agenttrace.' || t) IS NULL;
        EXECUTE 'SELECT partmethod FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1::regclass'
            INTO method USING 'agenttrace.' || t;
        IF t = ANY (ref_tables) THEN
            col := NULL;
            IF method IS NULL THEN
                EXECUTE 'SELECT pg_catalog.create_reference_table($1::regclass)' USING 'agenttrace.' || t;
            END IF;
        ELSIF t = 'log_records' THEN
            col := 'route_id';
            IF method IS NULL THEN
                PERFORM agenttrace.distribute_log_records();
            END IF;
        ELSIF t = 'shard_writes' THEN
            -- its shards' trigger applies ingest's writes of their shard group
            col := 'route_id';
            IF method IS NULL THEN
                PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
                EXECUTE 'SELECT pg_catalog.create_distributed_table($1::regclass, $2, colocate_with => $3)'
                    USING 'agenttrace.shard_writes', col, 'agenttrace.traces';
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
        IF method IS NULL AND t <> 'log_records' THEN
            -- rows stored before distribute() were copied to the shards: drop the local copies
            EXECUTE 'SELECT pg_catalog.truncate_local_data_after_distributing_table($1::regclass)' USING 'agenttrace.' || t;
        END IF;
        EXECUTE 'SELECT count(*)::integer FROM pg_catalog.pg_dist_shard WHERE logicalrelid = $1::regclass'
            INTO n USING 'agenttrace.' || t;
        table_name := t;
        distribution := CASE WHEN t = ANY (ref_tables) THEN 'reference'
                             WHEN t = 'log_records' THEN 'distributed, partitioned by day' ELSE 'distributed' END;
        key := col;
        shards := n;
        changed := method IS NULL;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION distribute(integer) IS
'Citus only (run on the coordinator as the extension owner): distributes pg_agenttrace''s tables over the cluster. Trace tables (spans, span_events, span_links, traces, trace_edges) by trace_id, log_records by route_id (its trace id; for a record without trace context an id of its process, scope and hour) and partitioned by day on time (agenttrace.extend_time_partitions keeps days ahead; retention drops whole days), per-run tables (run_summaries, agents, agent_messages, tool_calls, checkpoints, run_search, run_state, failure_annotations, mast_runs, judge_runs) by run_id, all co-located, with shard_count shards; resources, settings, mast_modes, mast_settings, redaction_patterns and setup_processes become reference tables; the stitching tables (trace_edges, setup_processes) are first rebuilt from traces and span_links; dead_letters, ingest_staging and genai_event_traces stay on the coordinator. Stored rows move to the shards (log records into their day''s partition). Idempotent: tables already distributed are left as they are (their shard count too). Refuses without Citus and on a TimescaleDB hypertable. Returns each table, how it is distributed, its key, its shard count and whether this call changed it. Example: SELECT * FROM agenttrace.distribute(shard_count => 32);';

-- Citus: ingest's writes of one request to one shard group, as one row (pg_agenttrace/src/
-- shard_writes.rs). distribute() distributes it by route_id, co-located with traces; the trigger
-- of each shard (shard_apply.rs) runs the row's statements on the shards of its group and keeps
-- no row. Empty everywhere, always.
CREATE TABLE shard_writes (
    route_id uuid NOT NULL,
    payload bytea NOT NULL
);
COMMENT ON TABLE shard_writes IS 'Citus: carries a request''s writes to one shard group (statements over the co-located trace and run tables with their array arguments in binary, in one payload) as one shard-level command; the BEFORE INSERT trigger of its shards (agenttrace.apply_shard_writes) runs them there and keeps no row. Always empty; written only by agenttrace.ingest on a distributed database.';
CREATE TRIGGER apply_shard_writes BEFORE INSERT ON shard_writes FOR EACH ROW EXECUTE FUNCTION apply_shard_writes();
COMMENT ON FUNCTION apply_shard_writes() IS
'Citus workers: trigger of agenttrace.shard_writes'' shards. Runs the row''s statements on the shards of its shard group (the co-located tables'' shards with the same hash range), in order, inside the request''s distributed transaction; refuses a statement naming another table or carrying a key of another shard, and any row outside a shard. Returns NULL: no row is kept.';
