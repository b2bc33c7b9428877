-- Retention: how long traces are kept, applied by TimescaleDB's scheduler (chunk drops) where
-- the community edition is present, by pg_cron where installed, or by calling
-- agenttrace.apply_retention() from any scheduler.

CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE settings IS 'Extension-wide settings (retention). Change them through agenttrace.set_retention().';

CREATE FUNCTION apply_retention(keep interval DEFAULT NULL)
RETURNS TABLE (table_name text, rows_removed bigint)
LANGUAGE plpgsql
SET search_path = agenttrace, pg_catalog, pg_temp
AS $$
DECLARE
    cfg jsonb := (SELECT value FROM agenttrace.settings WHERE key = 'retention');
    k interval := coalesce(keep, (cfg->>'keep')::interval);
    dl interval := coalesce((cfg->>'dead_letters')::interval, k);
    cutoff timestamptz;
    tsdb name := (SELECT extnamespace::regnamespace::name FROM pg_extension WHERE extname = 'timescaledb');
    is_hyper boolean := false;
    n bigint;
    t text;
BEGIN
    IF k IS NULL THEN
        RAISE EXCEPTION 'no retention period set'
            USING ERRCODE = '22023', HINT = 'SELECT agenttrace.set_retention(interval ''30 days''), or pass keep.';
    END IF;
    cutoff := now() - k;
    -- Runs that ended before the cutoff go as a whole: derived rows first, keyed by run.
    CREATE TEMP TABLE IF NOT EXISTS agenttrace_expired_runs (run_id uuid PRIMARY KEY) ON COMMIT DROP;
    TRUNCATE agenttrace_expired_runs;
    INSERT INTO agenttrace_expired_runs SELECT r.run_id FROM agenttrace.run_summaries r WHERE r.end_time < cutoff;
    FOREACH t IN ARRAY ARRAY['agents', 'agent_messages', 'checkpoints', 'run_search', 'run_state', 'failure_annotations', 'mast_runs'] LOOP
        IF to_regclass('agenttrace.' || t) IS NOT NULL THEN
            EXECUTE format('DELETE FROM agenttrace.%I x USING agenttrace_expired_runs e WHERE x.run_id = e.run_id', t);
            GET DIAGNOSTICS n = ROW_COUNT;
            table_name := t; rows_removed := n; RETURN NEXT;
        END IF;
    END LOOP;
    DELETE FROM agenttrace.run_summaries r USING agenttrace_expired_runs e WHERE r.run_id = e.run_id;
    GET DIAGNOSTICS n = ROW_COUNT; table_name := 'run_summaries'; rows_removed := n; RETURN NEXT;

    DELETE FROM agenttrace.tool_calls WHERE start_time < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; table_name := 'tool_calls'; rows_removed := n; RETURN NEXT;
    DELETE FROM agenttrace.span_events WHERE time < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; table_name := 'span_events'; rows_removed := n; RETURN NEXT;
    DELETE FROM agenttrace.span_links l USING agenttrace.traces tr WHERE l.trace_id = tr.trace_id AND tr.end_time < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; table_name := 'span_links'; rows_removed := n; RETURN NEXT;
    DELETE FROM agenttrace.trace_edges x USING agenttrace.traces tr WHERE x.trace_id = tr.trace_id AND tr.end_time < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; table_name := 'trace_edges'; rows_removed := n; RETURN NEXT;
    DELETE FROM agenttrace.traces WHERE end_time < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; table_name := 'traces'; rows_removed := n; RETURN NEXT;

    -- Spans: whole chunks on a hypertable (cheap, no dead tuples), a plain DELETE otherwise.
    IF tsdb IS NOT NULL THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM timescaledb_information.hypertables
                                 WHERE hypertable_schema = ''agenttrace'' AND hypertable_name = ''spans'')' INTO is_hyper;
    END IF;
    IF is_hyper THEN
        EXECUTE format('SELECT count(*) FROM %I.drop_chunks(''agenttrace.spans'', older_than => $1)', tsdb) INTO n USING cutoff;
        table_name := 'spans (chunks dropped)'; rows_removed := n; RETURN NEXT;
    ELSE
        DELETE FROM agenttrace.spans WHERE start_time < cutoff;
        GET DIAGNOSTICS n = ROW_COUNT; table_name := 'spans'; rows_removed := n; RETURN NEXT;
    END IF;

    -- Log records: chunks on a hypertable, a DELETE otherwise.
    is_hyper := false;
    IF tsdb IS NOT NULL THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM timescaledb_information.hypertables
                                 WHERE hypertable_schema = ''agenttrace'' AND hypertable_name = ''log_records'')' INTO is_hyper;
    END IF;
    IF is_hyper THEN
        EXECUTE format('SELECT count(*) FROM %I.drop_chunks(''agenttrace.log_records'', older_than => $1)', tsdb) INTO n USING cutoff;
        table_name := 'log_records (chunks dropped)'; rows_removed := n; RETURN NEXT;
    ELSE
        -- Citus: day partitions wholly before the cutoff are dropped (sql/citus.sql), the rest
        -- (the cutoff's day, the default partition) deleted by time
        IF to_regclass('agenttrace.log_records_default') IS NOT NULL AND to_regclass('pg_catalog.time_partitions') IS NOT NULL THEN
            n := 0;
            FOR t IN EXECUTE 'SELECT tp.partition::text FROM pg_catalog.time_partitions tp
                               WHERE tp.parent_table = ''agenttrace.log_records''::regclass AND tp.to_value <> ''''
                                 AND tp.to_value::timestamptz <= $1 ORDER BY 1' USING cutoff LOOP
                EXECUTE format('DROP TABLE %s', t);
                n := n + 1;
            END LOOP;
            table_name := 'log_records (partitions dropped)'; rows_removed := n; RETURN NEXT;
            PERFORM agenttrace.extend_time_partitions();
        END IF;
        DELETE FROM agenttrace.log_records WHERE time < cutoff;
        GET DIAGNOSTICS n = ROW_COUNT; table_name := 'log_records'; rows_removed := n; RETURN NEXT;
    END IF;

    DELETE FROM agenttrace.dead_letters WHERE received_at < now() - dl;
    GET DIAGNOSTICS n = ROW_COUNT; table_name := 'dead_letters'; rows_removed := n; RETURN NEXT;
    INSERT INTO agenttrace.settings (key, value) VALUES ('retention_last_applied', to_jsonb(now()))
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at;
END
$$;
COMMENT ON FUNCTION apply_retention(interval) IS
'Removes traces older than the retention period (agenttrace.set_retention, or keep): runs that ended before the cutoff with everything derived from them, spans and log records by dropping whole TimescaleDB chunks (plain DELETE without TimescaleDB; on Citus whole day partitions of log records, and the days ahead are created: agenttrace.extend_time_partitions), and dead letters older than their own period. Returns rows (or chunks) removed per table. Schedule it with pg_cron or any scheduler when TimescaleDB''s job scheduler is not available. Example: SELECT * FROM agenttrace.apply_retention();';

CREATE PROCEDURE retention_job(job_id integer, config jsonb)
LANGUAGE plpgsql
SET search_path = agenttrace, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM agenttrace.apply_retention();
END
$$;
COMMENT ON PROCEDURE retention_job(integer, jsonb) IS 'TimescaleDB job wrapper around agenttrace.apply_retention().';

CREATE FUNCTION set_retention(keep interval, dead_letters interval DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SET search_path = agenttrace, pg_catalog, pg_temp
AS $$
DECLARE
    tsdb name := (SELECT extnamespace::regnamespace::name FROM pg_extension WHERE extname = 'timescaledb');
    has_cron boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron');
    job bigint;
BEGIN
    IF keep IS NULL THEN
        DELETE FROM agenttrace.settings WHERE key = 'retention';
        IF tsdb IS NOT NULL THEN
            BEGIN
                EXECUTE format('SELECT %I.delete_job(job_id) FROM timescaledb_information.jobs WHERE proc_schema = ''agenttrace'' AND proc_name = ''retention_job''', tsdb);
            EXCEPTION WHEN OTHERS THEN NULL;
            END;
        END IF;
        IF has_cron THEN
            BEGIN
                EXECUTE 'SELECT cron.unschedule(''agenttrace-retention'')';
            EXCEPTION WHEN OTHERS THEN NULL;
            END;
        END IF;
        RETURN 'retention disabled: traces are kept';
    END IF;
    IF keep < interval '1 hour' THEN
        RAISE EXCEPTION 'retention period % is shorter than an hour', keep USING ERRCODE = '22023';
    END IF;
    INSERT INTO agenttrace.settings (key, value)
         VALUES ('retention', jsonb_build_object('keep', keep::text, 'dead_letters', coalesce(dead_letters, keep)::text))
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at;

    -- 1. TimescaleDB's job scheduler (community edition; not in the Apache-only build).
    IF tsdb IS NOT NULL THEN
        BEGIN
            EXECUTE format('SELECT %I.delete_job(job_id) FROM timescaledb_information.jobs WHERE proc_schema = ''agenttrace'' AND proc_name = ''retention_job''', tsdb);
            EXECUTE format('SELECT %I.add_job(''agenttrace.retention_job'', interval ''1 hour'')', tsdb) INTO job;
            RETURN format('retention %s: TimescaleDB job %s runs agenttrace.apply_retention() hourly', keep, job);
        EXCEPTION WHEN OTHERS THEN
            NULL;  -- e.g. "not supported under the current apache license": try the next scheduler
        END;
    END IF;
    -- 2. pg_cron.
    IF has_cron THEN
        EXECUTE 'SELECT cron.schedule(''agenttrace-retention'', ''17 * * * *'', ''SELECT agenttrace.apply_retention()'')' INTO job;
        RETURN format('retention %s: pg_cron job %s runs agenttrace.apply_retention() hourly', keep, job);
    END IF;
    RETURN format('retention %s saved; no job scheduler here (TimescaleDB community edition or pg_cron): run SELECT agenttrace.apply_retention() periodically', keep);
END
$$;
COMMENT ON FUNCTION set_retention(interval, interval) IS
'Keeps traces for the given period (dead letters for their own period, default the same) and schedules agenttrace.apply_retention(): with TimescaleDB''s job scheduler where the community edition is installed, else with pg_cron, else tells you to schedule it. NULL disables retention. Example: SELECT agenttrace.set_retention(interval ''30 days'', dead_letters => interval ''7 days'');';
