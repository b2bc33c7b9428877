-- pg_agenttrace 0.1.0 -> 0.2.0, run by ALTER EXTENSION pg_agenttrace UPDATE (search_path is the
-- extension schema, agenttrace). Keeps every stored row. tests/tests/upgrade.rs installs 0.1.0
-- (sql/releases/pg_agenttrace--0.1.0.sql), stores data, updates, and checks that the data is
-- still there and that the updated catalog equals a fresh 0.2.0 install object by object.
--
-- Run it as the first statement of a new session (as with TimescaleDB): a session that already
-- used 0.1.0's library keeps it loaded.
--
-- From 0.2.0 on each version has its own library file (pg_agenttrace-<version>.so; 0.1.0's was
-- pg_agenttrace.so), so databases not yet updated keep working with the library they were
-- created with, and the generated block at the end re-binds every library function.

-- Ingest: spans_agent_idx cost every normalized span an index insert and no query used it
-- (agent queries go through agenttrace.agents or a time range on spans).
DROP INDEX IF EXISTS agenttrace.spans_agent_idx;

-- Search: the full-text vector is computed by ingest from the document's distinct words
-- (agenttrace_core::rows::search_words) instead of a generated column over the whole document:
-- the same lexemes for a third of the parsing. Stored vectors stay valid; renormalize() or the
-- run's next batch rewrites them.
ALTER TABLE run_search ALTER COLUMN tsv DROP EXPRESSION;

-- tool_calls is read and rewritten by run only: key it by run and drop the second index.
ALTER TABLE tool_calls DROP CONSTRAINT tool_calls_pkey;
DROP INDEX IF EXISTS tool_calls_run_idx;
ALTER TABLE tool_calls ADD PRIMARY KEY (run_id, trace_id, span_id);

-- Ingest rewrites a stored span's facts only when their fingerprint changes (NULL for spans
-- stored by 0.1.0: compared, and so rewritten, once).
ALTER TABLE spans ADD COLUMN facts_hash bigint;

-- OTLP logs: log_records (a hypertable like spans when TimescaleDB is present),
-- agenttrace.ingest_logs, a signal column on dead letters and on the ingress staging table,
-- retention and enable_timescaledb() covering log_records. Same objects as sql/schema.sql,
-- sql/retention.sql, sql/dump.sql, sql/roles.sql and sql/grafana_role.sql create on install.
ALTER TABLE dead_letters ADD COLUMN signal text NOT NULL DEFAULT 'traces';
COMMENT ON TABLE dead_letters IS 'Request bodies that could not be decoded, with the reason and the signal (traces or logs), kept for inspection and replay.';
ALTER TABLE ingest_staging ADD COLUMN signal text;
ALTER TABLE ingest_staging ALTER COLUMN body SET STORAGE EXTERNAL;

-- Incremental ingest: a run's state, and keyed reads of a new span's stored children
-- and of a run's error spans. From sql/schema.sql:
CREATE INDEX spans_parent_idx ON spans (trace_id, parent_span_id) WHERE parent_span_id IS NOT NULL;
CREATE INDEX spans_run_error_idx ON spans (run_id) WHERE is_error;
CREATE INDEX spans_run_turn_idx ON spans (run_id, start_time_unix_nano) WHERE category = 'agent';
CREATE TABLE run_state (
    run_id          uuid PRIMARY KEY,
    -- agenttrace_core::incremental::RunState as JSON: agents' counters, last turns, message
    -- positions, the error picture, run totals and search accumulators
    state           jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE run_state IS 'Per-run state of incremental ingest: what a new batch of a run needs of the run so far (agents'' counters, the last agent turns, message positions, the error picture, totals, search accumulators), so that ingest extends the run''s derived rows instead of re-analysing its whole history. Derived data: written with the run''s derived rows, dropped when a run is merged or ingested raw, rebuilt by agenttrace.renormalize().';

-- OTLP log records (agenttrace.ingest_logs). Records without a trace context (application logs
-- outside a span) have NULL trace_id/span_id, so the key starts with route_id, never NULL: the
-- trace id when the record has one, else an id ingest derives from the record's process, scope
-- and hour (pg_agenttrace/src/logs.rs, route_id), by which Citus places the record (on its
-- trace's shard, sql/citus.sql). Then the record's content hash
-- (agenttrace_core::logs::LogRecord::record_hash, which covers the trace, process and scope the
-- route id is made of) plus its time, which makes re-delivery a no-op.
CREATE TABLE log_records (
    time                     timestamptz NOT NULL,
    record_hash              bigint NOT NULL,
    route_id                 uuid NOT NULL,
    trace_id                 uuid,
    span_id                  bigint,
    time_unix_nano           bigint NOT NULL,
    observed_time_unix_nano  bigint NOT NULL,
    severity_number          smallint NOT NULL,
    severity_text            text,
    event_name               text,
    body                     jsonb,
    attributes               jsonb NOT NULL,
    dropped_attributes_count integer NOT NULL DEFAULT 0,
    flags                    integer NOT NULL DEFAULT 0,
    service_name             text NOT NULL,
    resource_hash            bigint NOT NULL,
    scope_name               text,
    scope_version            text,
    -- position in its export request: orders records of equal time (per-message GenAI events)
    record_index             integer NOT NULL,
    -- GenAI content events: their content normalized (agenttrace_core::logs::genai_content),
    -- laid over their span's attributes whenever the span's run is analysed
    genai                    jsonb,
    ingested_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (route_id, record_hash, time)
);
COMMENT ON TABLE log_records IS 'One row per OTLP log record (agenttrace.ingest_logs): time, trace and span id (NULL without a trace context), severity, body (any value as jsonb), attributes, event name, resource (service_name, resource_hash -> agenttrace.resources) and scope. GenAI content events carry their normalized content in genai and join their span''s analysis. route_id (never NULL) places the record: its trace id, or for a record without one an id derived from its process, scope and hour. A TimescaleDB hypertable on time when TimescaleDB is installed; on Citus (agenttrace.distribute) partitioned by day on time and distributed by route_id with the trace tables.';
CREATE INDEX log_records_span_idx ON log_records (trace_id, span_id, time) WHERE trace_id IS NOT NULL;
CREATE INDEX log_records_service_time_idx ON log_records (service_name, time DESC);

-- Citus only: the traces that have GenAI content events in log_records, written by
-- agenttrace.ingest_logs with the records and filled by agenttrace.distribute() from those
-- stored before. A plain table on the coordinator (never distributed): span ingest asks
-- log_records' shards for a trace's events only when the trace is here, so a request of spans
-- without such events sends no command for them. Empty and unread on a single server.
CREATE TABLE genai_event_traces (
    trace_id    uuid PRIMARY KEY
);
COMMENT ON TABLE genai_event_traces IS 'Citus only: traces with GenAI content events in agenttrace.log_records (a table on the coordinator, written by agenttrace.ingest_logs, filled by agenttrace.distribute()), so that span ingest reads the events from the shards only for those traces. Empty on a single server.';

-- With Citus, log_records is partitioned by day on time (Citus time partitions: what TimescaleDB's
-- chunks are on one server, so that retention drops whole days). Here, in CREATE EXTENSION, the
-- table becomes the partitioned parent with the table made above as its default partition, which
-- holds every row until agenttrace.distribute() creates the days' partitions (sql/citus.sql).
-- Made here so that the partitioned table is the extension's on every node: Citus creates the
-- extension on its workers, where this runs too. Without Citus (or with TimescaleDB) nothing changes.
CREATE FUNCTION partition_log_records() RETURNS boolean
LANGUAGE plpgsql
SET search_path = agenttrace, pg_catalog, pg_temp
AS $$
DECLARE
    old regclass := 'agenttrace.log_records'::regclass;
    g record;
BEGIN
    IF (SELECT c.relkind FROM pg_class c WHERE c.oid = old) <> 'r' THEN
        RETURN false;
    END IF;
    -- the table and its rows stay as they are, renamed: the default partition
    ALTER TABLE agenttrace.log_records RENAME TO log_records_default;
    ALTER TABLE agenttrace.log_records_default RENAME CONSTRAINT log_records_pkey TO log_records_default_pkey;
    ALTER INDEX agenttrace.log_records_span_idx RENAME TO log_records_default_span_idx;
    ALTER INDEX agenttrace.log_records_service_time_idx RENAME TO log_records_default_service_time_idx;
    CREATE TABLE agenttrace.log_records (LIKE agenttrace.log_records_default INCLUDING DEFAULTS INCLUDING COMPRESSION INCLUDING STORAGE)
        PARTITION BY RANGE (time);
    ALTER TABLE agenttrace.log_records ADD CONSTRAINT log_records_pkey PRIMARY KEY (route_id, record_hash, time);
    CREATE INDEX log_records_span_idx ON agenttrace.log_records (trace_id, span_id, time) WHERE trace_id IS NOT NULL;
    CREATE INDEX log_records_service_time_idx ON agenttrace.log_records (service_name, time DESC);
    ALTER TABLE agenttrace.log_records ATTACH PARTITION agenttrace.log_records_default DEFAULT;
    EXECUTE format('ALTER TABLE agenttrace.log_records OWNER TO %s', (SELECT c.relowner::regrole::text FROM pg_class c WHERE c.oid = old));
    EXECUTE format('COMMENT ON TABLE agenttrace.log_records IS %L', obj_description(old, 'pg_class'));
    COMMENT ON TABLE agenttrace.log_records_default IS 'The rows of agenttrace.log_records outside its day partitions (Citus; every row until agenttrace.distribute() creates them). Read and write agenttrace.log_records.';
    FOR g IN SELECT a.grantee, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = old AND a.grantee <> c.relowner LOOP
        EXECUTE format('GRANT %s ON agenttrace.log_records TO %s', g.privilege_type,
                       CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END);
    END LOOP;
    RETURN true;
END
$$;
COMMENT ON FUNCTION partition_log_records() IS 'Citus only (CREATE EXTENSION and agenttrace.distribute() call it): makes agenttrace.log_records a table partitioned by day on time, the table as it was (every row kept) its default partition log_records_default, with the same key, indexes, owner, comment and privileges. Returns false when it already is partitioned.';

-- On a Citus worker (where Citus runs this script with DDL propagation off), the default
-- partition is left out of the extension: Citus drops a partition of a distributed table
-- with its parent there unless an extension owns it, and then fails on DROP EXTENSION
-- (the coordinator asks each worker to drop the partition's metadata a second time).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')
       AND NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM agenttrace.partition_log_records();
        IF current_setting('citus.enable_ddl_propagation', true) = 'off'
           OR coalesce((SELECT g.groupid FROM pg_catalog.pg_dist_local_group g), 0) <> 0 THEN
            ALTER EXTENSION pg_agenttrace DROP TABLE agenttrace.log_records_default;
        END IF;
    END IF;
END
$$;

-- As in sql/schema.sql: content columns (prompts, completions, tool results, a run's state) are compressed with lz4
-- where the server supports it (PostgreSQL 14+ built --with-lz4, as Debian's and the official
-- packages are): several times faster than the default pglz when a row is written and when it
-- is read. Without lz4 support the columns keep pglz. Values already stored are not rewritten.
DO $$
BEGIN
    ALTER TABLE spans ALTER COLUMN attributes SET COMPRESSION lz4,
        ALTER COLUMN input_text SET COMPRESSION lz4, ALTER COLUMN output_text SET COMPRESSION lz4;
    ALTER TABLE span_events ALTER COLUMN attributes SET COMPRESSION lz4;
    ALTER TABLE log_records ALTER COLUMN body SET COMPRESSION lz4,
        ALTER COLUMN attributes SET COMPRESSION lz4, ALTER COLUMN genai SET COMPRESSION lz4;
    ALTER TABLE agent_messages ALTER COLUMN content SET COMPRESSION lz4;
    ALTER TABLE tool_calls ALTER COLUMN arguments SET COMPRESSION lz4, ALTER COLUMN result SET COMPRESSION lz4;
    ALTER TABLE checkpoints ALTER COLUMN state SET COMPRESSION lz4;
    ALTER TABLE run_search ALTER COLUMN document SET COMPRESSION lz4;
    ALTER TABLE run_state ALTER COLUMN state SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL;
END
$$;

DO $$
DECLARE
    tsdb_schema name := (SELECT extnamespace::regnamespace::name FROM pg_extension WHERE extname = 'timescaledb');
BEGIN
    IF tsdb_schema IS NOT NULL AND coalesce(current_setting('timescaledb.restoring', true), 'off') <> 'on' THEN
        EXECUTE format($q$SELECT %I.create_hypertable('agenttrace.log_records', 'time',
                    chunk_time_interval => interval '1 day', if_not_exists => true)$q$, tsdb_schema);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION enable_timescaledb() RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    tsdb_schema name := (SELECT extnamespace::regnamespace::name FROM pg_extension WHERE extname = 'timescaledb');
BEGIN
    IF NOT agenttrace.timescaledb_present() THEN
        RAISE EXCEPTION 'TimescaleDB is not installed in this database'
            USING HINT = 'CREATE EXTENSION timescaledb first (it must be in shared_preload_libraries).';
    END IF;
    EXECUTE format($q$SELECT %I.create_hypertable('agenttrace.spans', 'start_time',
                chunk_time_interval => interval '1 day', if_not_exists => true, migrate_data => true)$q$, tsdb_schema);
    EXECUTE format($q$SELECT %I.create_hypertable('agenttrace.log_records', 'time',
                chunk_time_interval => interval '1 day', if_not_exists => true, migrate_data => true)$q$, tsdb_schema);
    RETURN 'agenttrace.spans and agenttrace.log_records are hypertables';
END
$$;
COMMENT ON FUNCTION enable_timescaledb() IS 'Turns agenttrace.spans and agenttrace.log_records into TimescaleDB hypertables (migrating existing rows) when TimescaleDB was installed after pg_agenttrace.';

CREATE OR REPLACE FUNCTION apply_retention(keep interval DEFAULT NULL)
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

CREATE FUNCTION span_logs(trace_or_run_id uuid)
RETURNS TABLE (trace_id text, span_id text, "time" timestamptz, severity_number smallint, severity_text text,
               event_name text, body jsonb, attributes jsonb)
    LANGUAGE plpgsql STABLE
AS $$
#variable_conflict use_column
DECLARE
    -- PL/pgSQL, not SQL: Citus plans no SQL function's parameters on distributed tables. The
    -- records are read by route_id (their trace id) on the traces' shards only.
    ids uuid[] := ARRAY(SELECT t.trace_id FROM agenttrace.traces t WHERE t.run_id = trace_or_run_id) || trace_or_run_id;
BEGIN
    RETURN QUERY
    SELECT agenttrace.trace_id_hex(l.trace_id), agenttrace.span_id_hex(l.span_id), l.time, l.severity_number, l.severity_text, l.event_name, l.body, l.attributes
      FROM agenttrace.log_records l
     WHERE l.route_id = ANY (ids) AND l.trace_id = ANY (ids)
     ORDER BY l.time, l.record_index;
END
$$;
COMMENT ON FUNCTION span_logs(uuid) IS 'The log records of a trace, or of every trace of a run, in time order, trace and span id as hex like agenttrace.span_tree (span_id NULL: the trace but no span): application logs and GenAI content events to read next to agenttrace.span_tree. Example: SELECT s.name, l.severity_text, l.event_name, l.body FROM agenttrace.span_logs(''61348dcbc539e7c239bcdd3f2a0d4497'') l LEFT JOIN agenttrace.span_tree(''61348dcbc539e7c239bcdd3f2a0d4497'') s USING (trace_id, span_id);';

-- Stitching tables for Citus (sql/schema.sql, new in 0.2.0):
-- Stitching by key for Citus (pg_agenttrace/src/store/route.rs). Distributed, `traces` answers
-- look-ups by trace only; these answer the others from one shard each. Maintained at ingest when
-- Citus is installed and filled by agenttrace.distribute(); empty on a single server.
CREATE TABLE trace_edges (
    trace_id       uuid NOT NULL,
    other_trace_id uuid NOT NULL,
    PRIMARY KEY (trace_id, other_trace_id)
);
COMMENT ON TABLE trace_edges IS 'Citus: which traces belong together, keyed by trace: every trace of a run of several traces to and from the run''s id, and both directions of every span link (replay links excepted). Read with the traces rows of the same keys, it gives a trace''s run, links and run members from the trace''s own shard. Maintained at ingest when Citus is installed; empty on a single server.';
CREATE TABLE setup_processes (
    resource_hash bigint PRIMARY KEY
);
COMMENT ON TABLE setup_processes IS 'Citus: processes (resources) that sent traces of set-up spans only; run traces of other processes skip the look-up for set-up partners. Maintained at ingest when Citus is installed; empty on a single server.';

-- pg_dump: 0.1.0 did not mark its tables as configuration tables, so logical dumps carried no
-- trace data. From sql/dump.sql:
-- One call per statement: each updates the extension's catalog row.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['resources', 'spans', 'span_events', 'span_links', 'traces', 'run_summaries',
                             'agents', 'agent_messages', 'tool_calls', 'checkpoints', 'run_search', 'run_state',
                             'failure_annotations', 'dead_letters', 'mast_runs', 'settings', 'log_records',
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

-- Run verdicts and the LLM judge (sql/judge.sql, new in 0.2.0):
-- Run verdicts and the optional LLM judge (agenttrace-judge): what the judge saw and concluded
-- per run, the runs waiting for it, and the verdict view that puts the framework's status, the
-- rule engine's verdict and the judge's side by side.

CREATE TABLE judge_runs (
    run_id          uuid PRIMARY KEY,
    -- run_summaries.updated_at the judge saw: a run that grew later is judged again.
    run_updated_at  timestamptz,
    judged_at       timestamptz NOT NULL DEFAULT now(),
    model           text NOT NULL,
    status          text NOT NULL CHECK (status IN ('judged', 'error')),
    -- failed attempts at this run_updated_at (three at most)
    attempts        integer NOT NULL DEFAULT 0,
    error           text,
    failed          boolean,
    responsible_agent text,
    verdict         jsonb,
    total_tokens    bigint
);
COMMENT ON TABLE judge_runs IS 'One row per run seen by the LLM judge (agenttrace-judge): the model, whether it judged the run (its parsed verdict, responsible agent, tokens) or failed (the error, attempts). The judge''s modes are in agenttrace.failure_annotations with source ''llm-judge''.';

CREATE OR REPLACE FUNCTION judge_pending(idle_seconds double precision DEFAULT 120, max_runs integer DEFAULT 100)
RETURNS TABLE (run_id uuid, updated_at timestamptz)
    LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
SELECT s.run_id, s.updated_at
  FROM agenttrace.run_summaries s
  LEFT JOIN agenttrace.judge_runs j ON j.run_id = s.run_id
 WHERE s.updated_at < now() - make_interval(secs => idle_seconds)
   AND (j.run_id IS NULL
        OR j.run_updated_at IS DISTINCT FROM s.updated_at
        OR (j.status = 'error' AND j.attempts < 3))
 ORDER BY s.updated_at
 LIMIT max_runs;
END
$$;
COMMENT ON FUNCTION judge_pending(double precision, integer) IS
'Runs the LLM judge should look at: no new span for idle_seconds, and never judged, grown since, or failed fewer than three times at their current size; oldest first. agenttrace-judge polls it. Example: SELECT * FROM agenttrace.judge_pending(60, 10);';

CREATE OR REPLACE FUNCTION judge_failed(run_id uuid, model text, error text, run_updated_at timestamptz DEFAULT NULL)
RETURNS void
    LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
INSERT INTO agenttrace.judge_runs AS j (run_id, run_updated_at, model, status, attempts, error)
VALUES (judge_failed.run_id, judge_failed.run_updated_at, judge_failed.model, 'error', 1, judge_failed.error)
ON CONFLICT (run_id) DO UPDATE
   SET judged_at = EXCLUDED.judged_at, model = EXCLUDED.model, status = 'error', error = EXCLUDED.error,
       attempts = CASE WHEN j.status = 'error' AND j.run_updated_at IS NOT DISTINCT FROM EXCLUDED.run_updated_at
                       THEN j.attempts + 1 ELSE 1 END,
       run_updated_at = EXCLUDED.run_updated_at;
END
$$;
COMMENT ON FUNCTION judge_failed(uuid, text, text, timestamptz) IS
'Records that the LLM judge could not judge a run (endpoint errors after retries, malformed output): the error and the attempt count at this run size. A judged run keeps its earlier verdict annotations. Called by agenttrace-judge.';

CREATE VIEW run_verdicts AS
SELECT r.run_id,
       r.framework,
       r.service_name,
       r.start_time,
       r.status                                            AS operational_status,
       r.status_reason                                     AS operational_reason,
       m.report #>> '{verdict,verdict}'                    AS verdict,
       (m.report #>> '{verdict,silent_failure}')::boolean  AS silent_failure,
       m.report #>> '{verdict,responsible_agent}'          AS responsible_agent,
       m.report #>> '{verdict,decisive_finding,mode_id}'   AS decisive_mode,
       m.report #>> '{verdict,decisive_finding,quote}'     AS decisive_quote,
       m.report #>> '{verdict,explanation}'                AS explanation,
       m.classified_at,
       j.status                                            AS judge_status,
       j.model                                             AS judge_model,
       j.failed                                            AS judge_failed,
       j.responsible_agent                                 AS judge_responsible_agent,
       j.error                                             AS judge_error
  FROM run_summaries r
  LEFT JOIN mast_runs m ON m.run_id = r.run_id
  LEFT JOIN judge_runs j ON j.run_id = r.run_id;
COMMENT ON VIEW run_verdicts IS 'Per run, side by side: the operational status the framework reported, the analysed verdict of the rule engine (from the last classify(): verdict, silent_failure when the two differ, responsible agent, decisive mode and the quote it rests on) and the LLM judge''s verdict when agenttrace-judge runs. Example: SELECT run_id, operational_status, verdict, responsible_agent, decisive_mode, decisive_quote FROM agenttrace.run_verdicts WHERE silent_failure;';
SELECT pg_catalog.pg_extension_config_dump('agenttrace.judge_runs'::regclass, '');

-- MAST settings of 0.2.0: the analysed verdict's threshold (new), and the word-overlap
-- derailment rule off by default (it flagged clean runs whose last step is a short confirmation).
-- A value you changed is kept; only 0.1.0's shipped default is replaced.
INSERT INTO mast_settings (key, value, description) VALUES
    ('verdict_min_confidence', '0.7'::jsonb, 'A content finding at or above this confidence (0..1) makes a run the framework reported as successful a failed run in the analysed verdict (agenttrace.verdict, run_verdicts).')
ON CONFLICT (key) DO NOTHING;
UPDATE mast_settings SET value = '0'::jsonb WHERE key = 'derailment_min_overlap' AND value = '0.20000000298023224'::jsonb;
-- "confirmed" approves too ("Both figures confirmed"): added to 0.1.0's shipped list only.
UPDATE mast_settings SET value = '["approved","approve","lgtm","looks good","verified","confirmed","passes","passed","accept","no issues","correct"]'::jsonb WHERE key = 'approval_keywords' AND value = '["approved","approve","lgtm","looks good","verified","passes","passed","accept","no issues","correct"]'::jsonb;
UPDATE mast_settings SET description = 'FM-2.3 final_output_off_task: fire when less than this share of the task''s topic words reach the final output; 0 (default) disables it: word overlap with the task flagged clean runs whose final step is a short confirmation; tool_data_ignored judges derailment from content.' WHERE key = 'derailment_min_overlap';

-- BEGIN generated by scripts/upgrade-functions.py: every library function, bound to the new library
CREATE OR REPLACE FUNCTION "agent_graph"(
	"run_id" uuid, /* pgrx :: Uuid */
	"include_tools" bool DEFAULT false /* Option < bool > */
) RETURNS jsonb /* Result < pgrx :: JsonB, pgrx :: spi :: Error > */
STRICT STABLE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'agent_graph_wrapper';

CREATE OR REPLACE FUNCTION "attribute_failure"(
	"run_id" uuid /* pgrx :: Uuid */
) RETURNS jsonb /* Result < Option < JsonB > , pgrx :: spi :: Error > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'attribute_failure_wrapper';

CREATE OR REPLACE FUNCTION "checkpoint_state"(
	"trace_id" uuid, /* pgrx :: Uuid */
	"span_id" bigint, /* i64 */
	"kind" TEXT, /* & str */
	"agent_name" TEXT /* Option < & str > */
) RETURNS jsonb /* Result < Option < pgrx :: JsonB > , pgrx :: spi :: Error > */
STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'checkpoint_state_wrapper';

CREATE OR REPLACE FUNCTION "classify"(
	"run_id" uuid /* pgrx :: Uuid */
) RETURNS TABLE (
	"mode_id" TEXT,  /* String */
	"category" TEXT,  /* String */
	"severity" TEXT,  /* String */
	"confidence" real,  /* f32 */
	"agent_name" TEXT,  /* Option < String > */
	"trace_id" uuid,  /* Option < pgrx :: Uuid > */
	"span_ids" bigint[],  /* Vec < i64 > */
	"explanation" TEXT,  /* String */
	"rule" TEXT  /* String */
)
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'classify_wrapper';

CREATE OR REPLACE FUNCTION "classify_pending"(
	"max_runs" INT DEFAULT NULL /* Option < i32 > */
) RETURNS bigint /* Result < i64, pgrx :: spi :: Error > */
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'classify_pending_wrapper';

CREATE OR REPLACE FUNCTION "default_redaction_patterns"() RETURNS TABLE (
	"name" TEXT,  /* String */
	"pattern" TEXT  /* String */
)
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'default_redaction_patterns_wrapper';

CREATE OR REPLACE FUNCTION "graph_edges"(
	"run_id" uuid, /* pgrx :: Uuid */
	"include_tools" bool DEFAULT false /* Option < bool > */
) RETURNS TABLE (
	"id" TEXT,  /* String */
	"source" TEXT,  /* String */
	"target" TEXT,  /* String */
	"mainstat" TEXT,  /* String */
	"secondarystat" TEXT,  /* String */
	"detail__kind" TEXT,  /* String */
	"detail__count" bigint,  /* i64 */
	"detail__messages" bigint,  /* i64 */
	"detail__handoffs" bigint,  /* i64 */
	"detail__delegations" bigint,  /* i64 */
	"detail__tool_results" bigint,  /* i64 */
	"detail__broadcasts" bigint,  /* i64 */
	"detail__errors" bigint,  /* i64 */
	"detail__first_time" timestamp with time zone,  /* TimestampWithTimeZone */
	"detail__last_time" timestamp with time zone,  /* TimestampWithTimeZone */
	"detail__mean_latency_ms" double precision,  /* Option < f64 > */
	"highlighted" bool  /* bool */
)
STRICT STABLE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'graph_edges_wrapper';

CREATE OR REPLACE FUNCTION "graph_nodes"(
	"run_id" uuid, /* pgrx :: Uuid */
	"include_tools" bool DEFAULT false /* Option < bool > */
) RETURNS TABLE (
	"id" TEXT,  /* String */
	"title" TEXT,  /* String */
	"subtitle" TEXT,  /* String */
	"mainstat" TEXT,  /* String */
	"secondarystat" TEXT,  /* String */
	"arc__ok" double precision,  /* f64 */
	"arc__error" double precision,  /* f64 */
	"detail__kind" TEXT,  /* String */
	"detail__span_count" bigint,  /* i64 */
	"detail__llm_calls" bigint,  /* i64 */
	"detail__tool_calls" bigint,  /* i64 */
	"detail__input_tokens" bigint,  /* i64 */
	"detail__output_tokens" bigint,  /* i64 */
	"detail__errors" bigint,  /* i64 */
	"detail__total_time_ms" double precision,  /* f64 */
	"detail__self_time_ms" double precision,  /* f64 */
	"detail__critical_path_ms" double precision,  /* f64 */
	"detail__in_degree" bigint,  /* i64 */
	"detail__out_degree" bigint,  /* i64 */
	"detail__betweenness" double precision,  /* f64 */
	"detail__on_cycle" bool,  /* bool */
	"highlighted" bool  /* bool */
)
STRICT STABLE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'graph_nodes_wrapper';

CREATE OR REPLACE FUNCTION "ingest"(
	"body" bytea, /* & [u8] */
	"content_type" TEXT DEFAULT 'application/x-protobuf', /* Option < & str > */
	"content_encoding" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TABLE (
	"accepted_spans" bigint,  /* i64 */
	"rejected_spans" bigint,  /* i64 */
	"error_message" TEXT  /* Option < String > */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'ingest_wrapper';

CREATE OR REPLACE FUNCTION "ingest_logs"(
	"body" bytea, /* & [u8] */
	"content_type" TEXT DEFAULT 'application/x-protobuf', /* Option < & str > */
	"content_encoding" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TABLE (
	"accepted_records" bigint,  /* i64 */
	"rejected_records" bigint,  /* i64 */
	"error_message" TEXT  /* Option < String > */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'ingest_logs_wrapper';

CREATE OR REPLACE FUNCTION "ingest_staged"(
	"batch_id" bigint /* i64 */
) RETURNS TABLE (
	"seq" INT,  /* i32 */
	"accepted_spans" bigint,  /* i64 */
	"rejected_spans" bigint,  /* i64 */
	"error_message" TEXT,  /* Option < String > */
	"status" TEXT  /* String */
)
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'ingest_staged_wrapper';

CREATE OR REPLACE FUNCTION "judge_prompt"(
	"run_id" uuid, /* pgrx :: Uuid */
	"max_tokens" INT DEFAULT 12000 /* i32 */
) RETURNS jsonb /* Result < Option < JsonB > , pgrx :: spi :: Error > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'judge_prompt_wrapper';

CREATE OR REPLACE FUNCTION "judge_record"(
	"run_id" uuid, /* pgrx :: Uuid */
	"model" TEXT, /* & str */
	"answer" TEXT, /* & str */
	"run_updated_at" timestamp with time zone DEFAULT NULL, /* Option < pgrx :: datum :: TimestampWithTimeZone > */
	"total_tokens" bigint DEFAULT NULL /* Option < i64 > */
) RETURNS INT /* Result < i32, pgrx :: spi :: Error > */
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'judge_record_wrapper';

CREATE OR REPLACE FUNCTION "mast_report"(
	"run_id" uuid /* pgrx :: Uuid */
) RETURNS jsonb /* Result < Option < JsonB > , pgrx :: spi :: Error > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'mast_report_wrapper';

CREATE OR REPLACE FUNCTION "mast_rules"() RETURNS TABLE (
	"rule" TEXT,  /* String */
	"mode_id" TEXT,  /* String */
	"checks" TEXT  /* String */
)
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'mast_rules_wrapper';

CREATE OR REPLACE FUNCTION "redaction_pattern_is_valid"(
	"pattern" TEXT /* & str */
) RETURNS bool /* bool */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'redaction_pattern_is_valid_wrapper';

CREATE OR REPLACE FUNCTION "renormalize"(
	"run_id" uuid DEFAULT NULL /* Option < pgrx :: Uuid > */
) RETURNS bigint /* Result < i64, pgrx :: spi :: Error > */
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'renormalize_wrapper';

CREATE OR REPLACE FUNCTION "run_diff"(
	"original" uuid, /* pgrx :: Uuid */
	"replay" uuid /* pgrx :: Uuid */
) RETURNS TABLE (
	"step" bigint,  /* i64 */
	"change" TEXT,  /* String */
	"agent_name" TEXT,  /* Option < String > */
	"category" TEXT,  /* String */
	"name" TEXT,  /* String */
	"original_span_id" TEXT,  /* Option < String > */
	"replay_span_id" TEXT,  /* Option < String > */
	"details" jsonb  /* pgrx :: JsonB */
)
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'run_diff_wrapper';

CREATE OR REPLACE FUNCTION "span_tree"(
	"trace_or_run_id" uuid /* pgrx :: Uuid */
) RETURNS TABLE (
	"trace_id" TEXT,  /* String */
	"span_id" TEXT,  /* String */
	"parent_span_id" TEXT,  /* Option < String > */
	"name" TEXT,  /* String */
	"agent_name" TEXT,  /* Option < String > */
	"category" TEXT,  /* String */
	"start_time" timestamp with time zone,  /* TimestampWithTimeZone */
	"end_time" timestamp with time zone,  /* TimestampWithTimeZone */
	"duration_ms" double precision,  /* f64 */
	"self_time_ms" double precision,  /* f64 */
	"depth" INT,  /* i32 */
	"on_critical_path" bool,  /* bool */
	"critical_path_ms" double precision,  /* f64 */
	"is_error" bool  /* bool */
)
STRICT STABLE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'span_tree_wrapper';

CREATE OR REPLACE FUNCTION "transcript"(
	"run_id" uuid /* pgrx :: Uuid */
) RETURNS jsonb /* Result < Option < JsonB > , pgrx :: spi :: Error > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'transcript_wrapper';

CREATE OR REPLACE FUNCTION "verdict"(
	"run_id" uuid /* pgrx :: Uuid */
) RETURNS jsonb /* Result < Option < JsonB > , pgrx :: spi :: Error > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'verdict_wrapper';

CREATE OR REPLACE FUNCTION "version"() RETURNS TEXT /* & '_ str */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'pg_agenttrace-0.2.0', 'version_wrapper';

-- CREATE OR REPLACE resets SECURITY DEFINER and SET: re-apply roles.sql's.
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = 'agenttrace'::regnamespace
                AND p.proname IN ('ingest', 'ingest_staged', 'ingest_logs') LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = agenttrace, pg_catalog, pg_temp', f);
    END LOOP;
END
$$;
-- END generated by scripts/upgrade-functions.py

-- A library function whose comment changed in 0.2.0 (pg_agenttrace/src/mast.rs): attribution
-- of every run, failure_found saying whether the analysis found a failure itself.
COMMENT ON FUNCTION attribute_failure(uuid) IS
'Failure attribution of a run as jsonb: responsible_agent, decisive_span (trace_id, span_id hex, span_id_int as stored, name), explanation, ranked candidates with scores, decisive step and reasons, and failure_found (whether the analysis itself found the run failed, stopped early or silently failed). Errors are followed back along the span tree and the agent graph to their first cause (a tool error inside researcher that crashed the team is researcher''s); without one, the step where the final answer''s content was made and the findings decide. A run the analysis judged a success is attributed too, with failure_found false: ask about a run you know went wrong (a wrong answer nothing in the trace contradicts). NULL when the run has no stored spans. Example: SELECT jsonb_pretty(agenttrace.attribute_failure(run_id)) FROM agenttrace.runs WHERE status <> ''success'' LIMIT 1;';

-- Comments of the library functions new in 0.2.0 (pg_agenttrace/src/judge.rs):
COMMENT ON FUNCTION verdict(uuid) IS
'A run''s verdict as jsonb: operational_status (what the framework reported), verdict (what the analysis concludes: a run reported as success with a content finding of at least mast_settings.verdict_min_confidence is a failure), silent_failure, responsible_agent, decisive_span, the decisive finding with its quote, and one sentence. Computes, never writes (classify() stores it in mast_runs.report). Example: SELECT agenttrace.verdict(run_id) FROM agenttrace.runs WHERE status = ''success'' LIMIT 5;';
COMMENT ON FUNCTION transcript(uuid) IS
'The transcript the content rules read, as jsonb: the task, each agent''s instructions, every step (LLM calls with their input and output, messages and handoffs between agents, tool calls with arguments and results) in order, and the final output. Example: SELECT jsonb_pretty(agenttrace.transcript(run_id)) FROM agenttrace.runs LIMIT 1;';
COMMENT ON FUNCTION judge_prompt(uuid, integer) IS
'The LLM-judge prompt of a run as jsonb {system, user, approx_tokens, truncated, steps}: the 14 MAST mode definitions, the answer format, and the run''s numbered transcript cut to max_tokens (about 4 characters a token). For agenttrace-judge or your own pipeline; store answers with agenttrace.judge_record. Example: SELECT agenttrace.judge_prompt(run_id, 8000) ->> ''user'' FROM agenttrace.runs LIMIT 1;';
COMMENT ON FUNCTION judge_record(uuid, text, text, timestamptz, bigint) IS
'Parses an LLM judge''s answer (the JSON object judge_prompt asks for) for a run and stores it: each mode as an annotation with source ''llm-judge'' (replacing that run''s earlier judge annotations; rule findings stay), evidence spans from the step numbers, and the verdict in agenttrace.judge_runs. Returns the number of annotations. A malformed answer raises 22P02 naming the problem (no JSON, a missing field, an unknown mode, a step out of range) and stores nothing.';

-- Functions rewritten in 0.2.0 so they also run on Citus (same results on a single node):
-- checkpoint_rows/checkpoints/state_at are PL/pgSQL (Citus cannot plan parameters of SQL functions
-- on distributed tables), apply_retention/set_retention keep updated_at from EXCLUDED (the same
-- now(); apply_retention's definition is the one in the logs section above), search_runs writes its
-- trigram threshold into the query on Citus.
CREATE OR REPLACE FUNCTION checkpoint_rows(run_id uuid)
RETURNS TABLE (checkpoint_id bigint, "time" timestamptz, kind text, agent_name text, step integer,
               trace_id uuid, span_id bigint, state jsonb)
LANGUAGE plpgsql STABLE
SET search_path = agenttrace, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    -- Stored checkpoints (explicit ones, LangGraph steps) and, read straight from the spans, each
    -- agent turn and model call (their state is rebuilt from the span on demand). The run's stored
    -- checkpoints are read once (on Citus they are on the run's shard, its spans on its traces').
    WITH cp AS MATERIALIZED (
        SELECT c.time, c.kind, c.agent_name, c.step, c.trace_id, c.span_id, c.state
          FROM agenttrace.checkpoints c WHERE c.run_id = $1)
    SELECT (row_number() OVER (ORDER BY x.time, x.trace_id, x.span_id, x.kind) - 1)::bigint,
           x.time, x.kind, x.agent_name, x.step, x.trace_id, x.span_id, x.state
      FROM (SELECT c.time, c.kind, c.agent_name, c.step, c.trace_id, c.span_id, c.state FROM cp c
            UNION ALL
            SELECT s.start_time, CASE s.category WHEN 'agent' THEN 'agent_turn' ELSE 'llm_input' END,
                   s.agent_name, NULL::integer, s.trace_id, s.span_id, NULL::jsonb
              FROM agenttrace.spans s
             WHERE s.run_id = $1 AND s.category IN ('agent', 'llm') AND s.input_text IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM cp c WHERE c.trace_id = s.trace_id AND c.span_id = s.span_id)) x;
END
$$;

CREATE OR REPLACE FUNCTION checkpoints(run_id uuid)
RETURNS TABLE (checkpoint_id bigint, "time" timestamptz, kind text, agent_name text, step integer,
               trace_id uuid, span_id text, state jsonb)
LANGUAGE plpgsql STABLE
SET search_path = agenttrace, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT c.checkpoint_id, c.time, c.kind, c.agent_name, c.step, c.trace_id, agenttrace.span_id_hex(c.span_id),
           coalesce(c.state, agenttrace.checkpoint_state(c.trace_id, c.span_id, c.kind, c.agent_name))
      FROM agenttrace.checkpoint_rows($1) c
     ORDER BY c.checkpoint_id;
END
$$;

CREATE OR REPLACE FUNCTION state_at(run_id uuid, at_span text DEFAULT NULL, at_time timestamptz DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = agenttrace, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN (
    WITH point AS (
        -- The moment asked for: the start of the given span, else the given time, else the run's end.
        SELECT coalesce(
                 (SELECT s.start_time FROM agenttrace.spans s
                   WHERE s.run_id = $1 AND s.span_id = agenttrace.span_id($2) LIMIT 1),
                 $3,
                 (SELECT max(s.end_time) FROM agenttrace.spans s WHERE s.run_id = $1)) AS t,
               (SELECT s.agent_name FROM agenttrace.spans s WHERE s.run_id = $1 AND s.span_id = agenttrace.span_id($2) LIMIT 1) AS agent
    ),
    cps AS (SELECT * FROM agenttrace.checkpoint_rows($1)),
    last_checkpoint AS (
        SELECT c.* FROM cps c, point p
         WHERE c.time <= p.t
         ORDER BY c.time DESC, c.checkpoint_id DESC LIMIT 1
    ),
    agent_conversation AS (
        -- The last conversation the agent (of the span, else of the checkpoint) had with a model.
        SELECT c.* FROM cps c, point p
         WHERE c.kind = 'llm_input' AND c.time <= p.t
           AND c.agent_name IS NOT DISTINCT FROM coalesce(p.agent, (SELECT agent_name FROM last_checkpoint))
         ORDER BY c.time DESC, c.checkpoint_id DESC LIMIT 1
    )
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM agenttrace.traces t WHERE t.run_id = $1) THEN NULL ELSE
      jsonb_build_object(
        'run_id', $1,
        'at', (SELECT t FROM point),
        'agent', coalesce((SELECT agent FROM point), (SELECT agent_name FROM last_checkpoint)),
        'checkpoint', (SELECT jsonb_build_object('checkpoint_id', checkpoint_id, 'kind', kind, 'step', step,
                                                 'span_id', agenttrace.span_id_hex(span_id), 'time', time,
                                                 'state', coalesce(state, agenttrace.checkpoint_state(trace_id, span_id, kind, agent_name)))
                         FROM last_checkpoint),
        'conversation', (SELECT coalesce(state, agenttrace.checkpoint_state(trace_id, span_id, kind, agent_name)) -> 'messages'
                           FROM agent_conversation),
        'messages_so_far', (SELECT coalesce(jsonb_agg(jsonb_build_object('seq', m.seq, 'from', m.from_agent, 'to', m.to_agent,
                                                                         'kind', m.kind, 'content', m.content) ORDER BY m.seq), '[]'::jsonb)
                              FROM agenttrace.agent_messages m, point p WHERE m.run_id = $1 AND m.time <= p.t),
        'completed_tool_calls', (SELECT coalesce(jsonb_agg(jsonb_build_object('agent', t.agent_name, 'tool', t.tool_name,
                                                                              'arguments', t.arguments, 'result', t.result, 'error', t.error_message)
                                                            ORDER BY t.start_time, t.trace_id, t.span_id), '[]'::jsonb)
                                   FROM agenttrace.tool_calls t, point p
                                  WHERE t.run_id = $1 AND t.start_time + make_interval(secs => t.duration_ns / 1e9) <= p.t))
    END
    );
END
$$;

CREATE OR REPLACE FUNCTION set_retention(keep interval, dead_letters interval DEFAULT NULL)
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

CREATE OR REPLACE FUNCTION search_runs(query text, max_results integer DEFAULT 10, service text DEFAULT NULL,
                            min_score real DEFAULT 0, query_embedding real[] DEFAULT NULL)
RETURNS TABLE (run_id uuid, score real, snippet text, start_time timestamptz, service_name text,
               framework text, status text)
LANGUAGE plpgsql STABLE
SET search_path = agenttrace, pg_catalog, pg_temp
SET pg_trgm.word_similarity_threshold = 0.45
AS $fn$
DECLARE
    trgm name := (SELECT extnamespace::regnamespace::name FROM pg_extension WHERE extname = 'pg_trgm');
    vec name := (SELECT extnamespace::regnamespace::name FROM pg_extension WHERE extname = 'vector');
    has_embedding boolean := EXISTS (SELECT 1 FROM pg_attribute
                                      WHERE attrelid = 'agenttrace.run_search'::regclass AND attname = 'embedding' AND NOT attisdropped);
    text_score text := 'ts_rank_cd(s.tsv, q.tsq, 32)';
    text_match text := 's.tsv @@ q.tsq';
    sql text;
BEGIN
    IF coalesce(btrim(query), '') = '' AND query_embedding IS NULL THEN
        RAISE EXCEPTION 'search_runs: query must not be empty' USING ERRCODE = '22023';
    END IF;
    IF trgm IS NOT NULL THEN
        -- Typos and partial words: trigram word similarity of the query within the run's keywords
        -- (the <% operator uses the trigram index; threshold set on this function).
        text_score := format('(0.7 * ts_rank_cd(s.tsv, q.tsq, 32) + 0.3 * %I.word_similarity(q.raw, s.keywords))', trgm);
        text_match := format('(s.tsv @@ q.tsq OR q.raw OPERATOR(%I.<%%) s.keywords)', trgm);
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
            -- Citus runs the match on the workers, where this function's threshold is not set:
            -- the same test with the threshold written into the query.
            text_match := format('(s.tsv @@ q.tsq OR %I.word_similarity(q.raw, s.keywords) >= %s::real)',
                                 trgm, current_setting('pg_trgm.word_similarity_threshold')::real);
        END IF;
    END IF;
    IF query_embedding IS NOT NULL THEN
        IF vec IS NULL OR NOT has_embedding THEN
            RAISE EXCEPTION 'search_runs: query_embedding needs pgvector and an embedding column on agenttrace.run_search'
                USING ERRCODE = '0A000',
                      HINT = 'CREATE EXTENSION vector; ALTER TABLE agenttrace.run_search ADD COLUMN embedding vector(384); then fill it.';
        END IF;
        text_score := format('(0.5 * %s + 0.5 * (1 - (s.embedding OPERATOR(%I.<=>) $5::%I.vector)))', text_score, vec, vec);
        text_match := format('(%s OR s.embedding IS NOT NULL)', text_match);
    END IF;
    sql := format($q$
        WITH q AS (SELECT websearch_to_tsquery('english', translate(coalesce($1, ''), '._/:', '    ')) AS tsq, coalesce($1, '') AS raw),
        ranked AS (
            SELECT s.run_id, (%s)::real AS score, s.start_time, s.service_name, s.framework, s.document
              FROM agenttrace.run_search s, q
             WHERE %s AND ($3 IS NULL OR s.service_name = $3)
             ORDER BY 2 DESC, s.start_time DESC
             LIMIT greatest($2, 0))
        SELECT r.run_id, r.score,
               ts_headline('english', r.document, q.tsq, 'MaxFragments=2, MaxWords=18, MinWords=6, FragmentDelimiter=" … "'),
               r.start_time, r.service_name, r.framework, rs.status
          FROM ranked r CROSS JOIN q LEFT JOIN agenttrace.run_summaries rs ON rs.run_id = r.run_id
         WHERE r.score >= $4
         ORDER BY r.score DESC, r.start_time DESC$q$, text_score, text_match);
    RETURN QUERY EXECUTE sql USING query, max_results, service, min_score, query_embedding;
END
$fn$;

-- Citus (sql/citus.sql, new in 0.2.0):
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

-- Citus: ingest's writes of one request to one shard group as one row (sql/citus.sql).
CREATE FUNCTION agenttrace."apply_shard_writes"() RETURNS TRIGGER LANGUAGE c AS 'pg_agenttrace-0.2.0', 'apply_shard_writes_wrapper';
CREATE TABLE shard_writes (
    route_id uuid NOT NULL,
    payload bytea NOT NULL
);
COMMENT ON TABLE shard_writes IS 'Citus: carries a request''s writes to one shard group (statements over the co-located trace and run tables with their array arguments in binary, in one payload) as one shard-level command; the BEFORE INSERT trigger of its shards (agenttrace.apply_shard_writes) runs them there and keeps no row. Always empty; written only by agenttrace.ingest on a distributed database.';
CREATE TRIGGER apply_shard_writes BEFORE INSERT ON shard_writes FOR EACH ROW EXECUTE FUNCTION apply_shard_writes();
COMMENT ON FUNCTION apply_shard_writes() IS
'Citus workers: trigger of agenttrace.shard_writes'' shards. Runs the row''s statements on the shards of its shard group (the co-located tables'' shards with the same hash range), in order, inside the request''s distributed transaction; refuses a statement naming another table or carrying a key of another shard, and any row outside a shard. Returns NULL: no row is kept.';

-- Grants of the objects new in 0.2.0: roles.sql again (idempotent), as a fresh install runs it.
-- Least-privilege roles. Runs last in CREATE EXTENSION (finalize), when every function exists.
--   agenttrace_ingest  may only call the ingest entry points (and stage batches for them)
--   agenttrace_reader  may read tables/views and call the read-only analysis functions
--   agenttrace_admin   everything: settings, classification, renormalize, retention
-- Roles are NOLOGIN groups: GRANT them to your login roles. Nothing is granted to PUBLIC.
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['agenttrace_ingest', 'agenttrace_reader', 'agenttrace_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$$;

REVOKE ALL ON SCHEMA agenttrace FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA agenttrace FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA agenttrace FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA agenttrace FROM PUBLIC;
GRANT USAGE ON SCHEMA agenttrace TO agenttrace_ingest, agenttrace_reader, agenttrace_admin;

-- Functions that write run as the extension owner with a pinned search_path, so a caller's
-- objects can never be picked up in their place.
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = 'agenttrace'::regnamespace
                AND p.proname IN ('ingest', 'ingest_staged', 'ingest_logs') LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = agenttrace, pg_catalog, pg_temp', f);
    END LOOP;
END
$$;

-- ingest
GRANT EXECUTE ON FUNCTION agenttrace.ingest(bytea, text, text), agenttrace.ingest_logs(bytea, text, text), agenttrace.ingest_staged(bigint), agenttrace.version() TO agenttrace_ingest;
GRANT INSERT ON agenttrace.ingest_staging TO agenttrace_ingest;
GRANT USAGE ON SEQUENCE agenttrace.ingest_batch_id_seq TO agenttrace_ingest;

-- reader: every table and view (log_records included) except the raw staging area and dead-letter bodies
GRANT SELECT ON ALL TABLES IN SCHEMA agenttrace TO agenttrace_reader;
REVOKE SELECT ON agenttrace.ingest_staging, agenttrace.dead_letters FROM agenttrace_reader;
GRANT SELECT (dead_letter_id, received_at, content_type, content_encoding, body_bytes, error_message, sqlstate, signal)
    ON agenttrace.dead_letters TO agenttrace_reader;
-- and every function that does not write (writers are listed here; new writers must be too)
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = 'agenttrace'::regnamespace
                AND p.prokind = 'f'
                AND p.proname NOT IN ('ingest', 'ingest_staged', 'ingest_logs', 'renormalize', 'enable_timescaledb',
                                      'classify', 'classify_pending', 'annotate', 'judge_record', 'judge_failed',
                                      'set_retention', 'apply_retention', 'distribute') LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO agenttrace_reader', f);
    END LOOP;
END
$$;

-- admin
GRANT agenttrace_reader, agenttrace_ingest TO agenttrace_admin;
GRANT ALL ON ALL TABLES IN SCHEMA agenttrace TO agenttrace_admin;
GRANT ALL ON ALL SEQUENCES IN SCHEMA agenttrace TO agenttrace_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA agenttrace TO agenttrace_admin;
GRANT EXECUTE ON ALL PROCEDURES IN SCHEMA agenttrace TO agenttrace_admin;

-- The Grafana role reads run_verdicts too (sql/grafana_role.sql).
-- Verdicts (sql/judge.sql): everything but the quoted content the verdict rests on.
GRANT SELECT (run_id, framework, service_name, start_time, operational_status, operational_reason, verdict,
              silent_failure, responsible_agent, decisive_mode, explanation, classified_at, judge_status,
              judge_model, judge_failed, judge_responsible_agent, judge_error)
    ON agenttrace.run_verdicts TO agenttrace_grafana;

-- Privileges of the objects added for OTLP logs, as roles.sql and grafana_role.sql grant them
-- on install (ingest_logs was created above: revoke PUBLIC's default EXECUTE).
REVOKE ALL ON FUNCTION ingest_logs(bytea, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ingest_logs(bytea, text, text) TO agenttrace_ingest, agenttrace_admin;
GRANT SELECT ON log_records TO agenttrace_reader;
REVOKE ALL ON FUNCTION span_logs(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION span_logs(uuid) TO agenttrace_reader, agenttrace_admin;
GRANT ALL ON log_records TO agenttrace_admin;
GRANT SELECT (signal) ON dead_letters TO agenttrace_reader;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agenttrace_grafana') THEN
        GRANT SELECT (signal) ON agenttrace.dead_letters TO agenttrace_grafana;
        GRANT SELECT (time, record_hash, trace_id, span_id, time_unix_nano, observed_time_unix_nano, severity_number,
                      severity_text, event_name, dropped_attributes_count, flags, service_name, resource_hash, scope_name,
                      scope_version, record_index, ingested_at)
            ON agenttrace.log_records TO agenttrace_grafana;
    END IF;
END
$$;
COMMENT ON FUNCTION ingest_logs(bytea, text, text) IS
'Decodes an OTLP ExportLogsServiceRequest (protobuf or OTLP/JSON; gzip optional or detected), redacts secrets and stores its log records in agenttrace.log_records (idempotent: a re-delivered record is not stored twice). GenAI content events (gen_ai.client.inference.operation.details, gen_ai.user/system/assistant/tool.message, gen_ai.choice) join their span whichever arrives first: the span''s run is re-derived with the content as if the span had carried it (messages, tool calls, search, MAST). Returns accepted and rejected record counts like OTLP partial success; an undecodable body returns its error and is kept in agenttrace.dead_letters (signal logs). Example: SELECT * FROM agenttrace.ingest_logs(pg_read_binary_file(''/tmp/logs.bin''));';
COMMENT ON FUNCTION ingest_staged(bigint) IS
'Batch ingest for receivers: COPY bodies into agenttrace.ingest_staging under one batch_id (nextval(''agenttrace.ingest_batch_id_seq'')), then call this in the same transaction. Bodies with signal ''logs'' are OTLP log export requests (as agenttrace.ingest_logs; their counts are log records), the others trace export requests. One result row per body (status ok, partial or invalid); a bad body never fails the batch.';
