-- pg_agenttrace storage schema. Runs inside CREATE EXTENSION with search_path = agenttrace.
--
-- Conventions:
--   * trace ids are uuid (16 bytes, fixed width; '61348dcb...'::uuid accepts OTLP hex as is),
--     span ids are bigint (8 bytes, the big-endian id bytes); agenttrace.span_id_hex() prints them.
--   * times are timestamptz (microseconds) plus the exact OTLP nanosecond value as bigint.
--   * the primary key of every table of trace data starts with trace_id or run_id (a run id is
--     the smallest trace id of the run), so those tables can be distributed by trace or run
--     (sql/citus.sql). log_records' starts with route_id (the trace id, or for a record without
--     trace context an id of its process, scope and hour). The exceptions: resources (attribute
--     hash), dead_letters (identity) and ingest_staging (no key; rows live for one transaction).

CREATE TABLE resources (
    resource_hash   bigint PRIMARY KEY,
    service_name    text NOT NULL,
    attributes      jsonb NOT NULL,
    schema_url      text,
    first_seen      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE resources IS 'OTLP resources (the processes that emitted spans), deduplicated by a hash of their attributes. A small reference table.';

CREATE TABLE spans (
    trace_id                 uuid NOT NULL,
    span_id                  bigint NOT NULL,
    parent_span_id           bigint,
    run_id                   uuid NOT NULL,
    start_time               timestamptz NOT NULL,
    end_time                 timestamptz NOT NULL,
    start_time_unix_nano     bigint NOT NULL,
    end_time_unix_nano       bigint NOT NULL,
    duration_ns              bigint NOT NULL,
    name                     text NOT NULL,
    kind                     smallint NOT NULL,
    status_code              smallint NOT NULL,
    status_message           text,
    service_name             text NOT NULL,
    resource_hash            bigint NOT NULL,
    scope_name               text,
    scope_version            text,
    trace_state              text,
    flags                    integer NOT NULL DEFAULT 0,
    attributes               jsonb NOT NULL,
    dropped_attributes_count integer NOT NULL DEFAULT 0,
    dropped_events_count     integer NOT NULL DEFAULT 0,
    dropped_links_count      integer NOT NULL DEFAULT 0,
    -- normalized facts (agenttrace_core::normalize), refreshed by agenttrace.renormalize()
    framework                text,
    instrumentation          text,
    category                 text NOT NULL DEFAULT 'other',
    agent_name               text,
    agent_id                 text,
    agent_role               text,
    model                    text,
    provider                 text,
    input_tokens             bigint,
    output_tokens            bigint,
    cached_tokens            bigint,
    reasoning_tokens         bigint,
    total_tokens             bigint,
    tool_name                text,
    tool_call_id             text,
    is_error                 boolean NOT NULL DEFAULT false,
    error_type               text,
    error_message            text,
    input_text               text,
    output_text              text,
    ingested_at              timestamptz NOT NULL DEFAULT now(),
    -- agenttrace_core::rows::SpanRow::facts_hash of the facts above: ingest rewrites a stored
    -- span's facts only when this changes (NULL: never compared yet)
    facts_hash               bigint,
    -- start_time is part of the key because a hypertable's unique keys must hold its time column;
    -- re-ingesting a span gives the same start_time, so (trace_id, span_id) stays idempotent.
    PRIMARY KEY (trace_id, span_id, start_time)
);
COMMENT ON TABLE spans IS 'One row per OTLP span, with the facts the framework normalizers read from it. A TimescaleDB hypertable on start_time when TimescaleDB is installed.';
-- lz4 compresses and decompresses large attribute values several times faster than pglz
-- (PostgreSQL 14+ built with lz4, as Debian's and most packages are).
DO $$
BEGIN
    ALTER TABLE agenttrace.spans ALTER COLUMN attributes SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL;
END
$$;
CREATE INDEX spans_run_idx ON spans (run_id, start_time);
CREATE INDEX spans_service_time_idx ON spans (service_name, start_time DESC);
CREATE INDEX spans_error_idx ON spans (start_time DESC) WHERE is_error;
-- Incremental ingest reads a new span's stored children (late parents), a run's error spans and its
-- agent turns by key.
CREATE INDEX spans_parent_idx ON spans (trace_id, parent_span_id) WHERE parent_span_id IS NOT NULL;
CREATE INDEX spans_run_error_idx ON spans (run_id) WHERE is_error;
CREATE INDEX spans_run_turn_idx ON spans (run_id, start_time_unix_nano) WHERE category = 'agent';

CREATE TABLE span_events (
    trace_id        uuid NOT NULL,
    span_id         bigint NOT NULL,
    event_index     integer NOT NULL,
    time            timestamptz NOT NULL,
    time_unix_nano  bigint NOT NULL,
    name            text NOT NULL,
    attributes      jsonb NOT NULL,
    dropped_attributes_count integer NOT NULL DEFAULT 0,
    PRIMARY KEY (trace_id, span_id, event_index)
);
COMMENT ON TABLE span_events IS 'OTLP span events (exception events, framework lifecycle events), in span order.';

CREATE TABLE span_links (
    trace_id        uuid NOT NULL,
    span_id         bigint NOT NULL,
    link_index      integer NOT NULL,
    linked_trace_id uuid NOT NULL,
    linked_span_id  bigint NOT NULL,
    trace_state     text,
    attributes      jsonb NOT NULL,
    flags           integer NOT NULL DEFAULT 0,
    PRIMARY KEY (trace_id, span_id, link_index)
);
COMMENT ON TABLE span_links IS 'OTLP span links. Traces joined by links are stitched into one run.';
CREATE INDEX span_links_linked_idx ON span_links (linked_trace_id, linked_span_id);

CREATE TABLE traces (
    trace_id        uuid PRIMARY KEY,
    run_id          uuid NOT NULL,
    service_name    text,
    resource_hash   bigint,
    -- only setup spans (agent creation, workflow build): attached to the run that follows
    is_setup        boolean NOT NULL DEFAULT false,
    root_span_id    bigint,
    root_name       text,
    start_time      timestamptz NOT NULL,
    end_time        timestamptz NOT NULL,
    span_count      integer NOT NULL,
    error_count     integer NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE traces IS 'One row per trace with its run, root span and aggregates, maintained at ingest (a root that arrives later is picked up).';
CREATE INDEX traces_run_idx ON traces (run_id);
CREATE INDEX traces_start_idx ON traces (start_time DESC);
CREATE INDEX traces_resource_start_idx ON traces (resource_hash, start_time);
-- Run traces look for set-up traces of their process; those are few, so a partial index keeps
-- the look-up from scanning every trace of a busy service in the time window.
CREATE INDEX traces_setup_resource_start_idx ON traces (resource_hash, start_time) WHERE is_setup;

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

CREATE TABLE run_summaries (
    run_id          uuid PRIMARY KEY,
    framework       text,
    service_name    text,
    root_name       text,
    start_time      timestamptz NOT NULL,
    end_time        timestamptz NOT NULL,
    trace_count     integer NOT NULL,
    span_count      integer NOT NULL,
    agent_count     integer NOT NULL,
    error_span_count integer NOT NULL,
    llm_calls       integer NOT NULL,
    tool_calls      integer NOT NULL,
    input_tokens    bigint NOT NULL,
    output_tokens   bigint NOT NULL,
    status          text NOT NULL,
    status_reason   text,
    failing_agent   text,
    failing_trace_id uuid,
    failing_span_id bigint,
    -- a replay names its original run and checkpoint (agenttrace.replay.of_run / .of_checkpoint)
    replay_of_run   uuid,
    replay_of_checkpoint bigint,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE run_summaries IS 'Per-run derived state (outcome, counts), rebuilt whenever spans of the run arrive. Read it through the agenttrace.runs view.';
CREATE INDEX run_summaries_start_idx ON run_summaries (start_time DESC);

CREATE TABLE agents (
    run_id          uuid NOT NULL,
    agent_name      text NOT NULL,
    agent_id        text,
    role            text,
    framework       text,
    span_count      integer NOT NULL,
    llm_calls       integer NOT NULL,
    tool_calls      integer NOT NULL,
    input_tokens    bigint NOT NULL,
    output_tokens   bigint NOT NULL,
    errors          integer NOT NULL,
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    PRIMARY KEY (run_id, agent_name)
);
COMMENT ON TABLE agents IS 'One row per agent per run, derived by the normalizers.';

CREATE TABLE agent_messages (
    run_id          uuid NOT NULL,
    seq             integer NOT NULL,
    trace_id        uuid NOT NULL,
    span_id         bigint NOT NULL,
    time            timestamptz NOT NULL,
    from_agent      text,
    to_agent        text NOT NULL,
    kind            text NOT NULL,
    content         text,
    PRIMARY KEY (run_id, seq)
);
COMMENT ON TABLE agent_messages IS 'Handoffs, delegations and messages between agents of a run, in order; from_agent NULL means the user or entry point.';

CREATE TABLE tool_calls (
    trace_id        uuid NOT NULL,
    span_id         bigint NOT NULL,
    run_id          uuid NOT NULL,
    agent_name      text,
    tool_name       text NOT NULL,
    call_id         text,
    arguments       text,
    result          text,
    is_error        boolean NOT NULL,
    error_message   text,
    start_time      timestamptz NOT NULL,
    duration_ns     bigint NOT NULL,
    -- run first: every read and every rewrite is by run (one index instead of two)
    PRIMARY KEY (run_id, trace_id, span_id)
);
COMMENT ON TABLE tool_calls IS 'Tool executions with arguments, result and error, attributed to the calling agent.';

CREATE TABLE checkpoints (
    run_id          uuid NOT NULL,
    checkpoint_id   bigint NOT NULL,
    trace_id        uuid NOT NULL,
    span_id         bigint NOT NULL,
    time            timestamptz NOT NULL,
    agent_name      text,
    kind            text NOT NULL,
    step            integer,
    state           jsonb,
    PRIMARY KEY (run_id, checkpoint_id)
);
COMMENT ON TABLE checkpoints IS 'Stored checkpoints of runs: explicit agenttrace.checkpoint events and LangGraph steps with their state. Agent turns and model calls are checkpoints too, read from agenttrace.spans by agenttrace.checkpoints().';

CREATE TABLE run_search (
    run_id          uuid PRIMARY KEY,
    service_name    text,
    framework       text,
    start_time      timestamptz,
    keywords        text NOT NULL,
    document        text NOT NULL,
    -- to_tsvector('english') of the document's distinct words (ingest computes it: identifiers
    -- like research_crew.kickoff become words, repeats are read once)
    tsv             tsvector
);
CREATE INDEX run_search_tsv_idx ON run_search USING gin (tsv);
COMMENT ON TABLE run_search IS 'Per-run search text maintained at ingest: keywords (framework, agent, tool and span names, errors, outcome; trigram-indexed when pg_trgm is installed) and a document that adds the agents'' messages and the run''s final output (full-text GIN index). Add a pgvector column `embedding` to rank by meaning too; see agenttrace.search_runs.';

CREATE TABLE run_state (
    run_id          uuid PRIMARY KEY,
    -- agenttrace_core::incremental::RunState as JSON: agents' counters, last turns, message
    -- positions, the error picture, run totals and search accumulators
    state           jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE run_state IS 'Per-run state of incremental ingest: what a new batch of a run needs of the run so far (agents'' counters, the last agent turns, message positions, the error picture, totals, search accumulators), so that ingest extends the run''s derived rows instead of re-analysing its whole history. Derived data: written with the run''s derived rows, dropped when a run is merged or ingested raw, rebuilt by agenttrace.renormalize().';

CREATE TABLE failure_annotations (
    run_id          uuid NOT NULL,
    annotation_id   bigint GENERATED ALWAYS AS IDENTITY,
    mode_id         text NOT NULL,
    category        text,
    severity        text,
    confidence      real,
    agent_name      text,
    trace_id        uuid,
    span_ids        bigint[],
    explanation     text NOT NULL,
    source          text NOT NULL DEFAULT 'rules',
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, annotation_id)
);
COMMENT ON TABLE failure_annotations IS 'Failure findings per run (MAST modes), from the rule engine or external judges (source).';

CREATE TABLE dead_letters (
    dead_letter_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at      timestamptz NOT NULL DEFAULT now(),
    content_type     text,
    content_encoding text,
    body             bytea NOT NULL,
    body_bytes       integer NOT NULL,
    error_message    text NOT NULL,
    sqlstate         text NOT NULL,
    -- which OTLP export request the body was: traces (agenttrace.ingest) or logs (ingest_logs)
    signal           text NOT NULL DEFAULT 'traces'
);
COMMENT ON TABLE dead_letters IS 'Request bodies that could not be decoded, with the reason and the signal (traces or logs), kept for inspection and replay.';
CREATE INDEX dead_letters_received_idx ON dead_letters (received_at DESC);

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

-- Content columns (prompts, completions, tool results, a run's state) are compressed with lz4
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

-- Staging for the ingress: COPY ... FROM STDIN (FORMAT binary) into this table, then
-- agenttrace.ingest_staged(batch_id) in the same transaction. Unlogged: the rows live only
-- inside that transaction; what they become is written to the logged tables above.
CREATE UNLOGGED TABLE ingest_staging (
    batch_id         bigint NOT NULL,
    seq              integer NOT NULL,
    body             bytea NOT NULL,
    content_type     text,
    content_encoding text,
    -- traces (default) or logs: which export request the body is
    signal           text
);
CREATE INDEX ingest_staging_batch_idx ON ingest_staging (batch_id, seq);
-- A body lives here for one transaction: stored out of line without compression (compressing
-- each ~50 KB protobuf body with pglz took ~5 % of the ingress path's CPU, for nothing).
ALTER TABLE ingest_staging ALTER COLUMN body SET STORAGE EXTERNAL;
COMMENT ON TABLE ingest_staging IS 'Staging table for batched ingest: COPY bodies here, then call agenttrace.ingest_staged(batch_id) in the same transaction.';
CREATE SEQUENCE ingest_batch_id_seq;
COMMENT ON SEQUENCE ingest_batch_id_seq IS 'Batch ids for agenttrace.ingest_staging.';

-- Hypertable when TimescaleDB is present (detected at install; agenttrace.enable_timescaledb()
-- converts later if TimescaleDB is added afterwards).
DO $$
DECLARE
    tsdb_schema name := (SELECT extnamespace::regnamespace::name FROM pg_extension WHERE extname = 'timescaledb');
BEGIN
    -- During a pg_restore (timescaledb.restoring = on) the restored TimescaleDB catalog brings
    -- the hypertable and its chunks back.
    IF tsdb_schema IS NOT NULL AND coalesce(current_setting('timescaledb.restoring', true), 'off') <> 'on' THEN
        EXECUTE format($q$SELECT %I.create_hypertable('agenttrace.spans', 'start_time',
                    chunk_time_interval => interval '1 day', if_not_exists => true)$q$, tsdb_schema);
        EXECUTE format($q$SELECT %I.create_hypertable('agenttrace.log_records', 'time',
                    chunk_time_interval => interval '1 day', if_not_exists => true)$q$, tsdb_schema);
    END IF;
END
$$;

CREATE FUNCTION span_id_hex(span_id bigint) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN lpad(to_hex(span_id), 16, '0');
COMMENT ON FUNCTION span_id_hex(bigint) IS 'Prints a stored span id as the 16-digit hex OTLP uses. Example: SELECT agenttrace.span_id_hex(span_id) FROM agenttrace.spans LIMIT 1;';

CREATE FUNCTION span_id(hex text) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ('x' || lpad(hex, 16, '0'))::bit(64)::bigint;
COMMENT ON FUNCTION span_id(text) IS 'Parses a 16-digit hex OTLP span id into the stored bigint. Example: SELECT * FROM agenttrace.spans WHERE span_id = agenttrace.span_id(''5ffe1ca3037fe0a6'');';

CREATE FUNCTION trace_id_hex(trace_id uuid) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN replace(trace_id::text, '-', '');
COMMENT ON FUNCTION trace_id_hex(uuid) IS 'Prints a stored trace id as the 32-digit hex OTLP uses (the reverse is a plain ::uuid cast).';

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

CREATE FUNCTION timescaledb_present() RETURNS boolean
    LANGUAGE sql STABLE
    RETURN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb');
COMMENT ON FUNCTION timescaledb_present() IS 'True when the TimescaleDB extension is installed in this database.';

CREATE FUNCTION enable_timescaledb() RETURNS text
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

CREATE VIEW runs AS
SELECT r.run_id,
       r.framework,
       r.service_name,
       r.root_name,
       r.status,
       r.status_reason,
       r.failing_agent,
       r.failing_trace_id,
       span_id_hex(r.failing_span_id) AS failing_span_id,
       r.start_time,
       r.end_time,
       round(extract(epoch FROM (r.end_time - r.start_time)) * 1000, 3) AS duration_ms,
       r.trace_count,
       r.span_count,
       r.agent_count,
       r.error_span_count,
       r.llm_calls,
       r.tool_calls,
       r.input_tokens,
       r.output_tokens,
       ARRAY(SELECT a.agent_name FROM agents a WHERE a.run_id = r.run_id ORDER BY a.first_seen, a.agent_name) AS agents
  FROM run_summaries r;
COMMENT ON VIEW runs IS 'One row per agent run (linked traces stitched together): framework, outcome (success, failure, stopped_early) with reason and failing agent/span, size, tokens and the agents in order of appearance. Example: SELECT run_id, framework, status, failing_agent FROM agenttrace.runs ORDER BY start_time DESC LIMIT 20;';

CREATE VIEW agent_activity AS
SELECT a.run_id,
       a.agent_name,
       a.role,
       a.framework,
       a.span_count,
       a.llm_calls,
       a.tool_calls,
       (SELECT count(*) FROM tool_calls t WHERE t.run_id = a.run_id AND t.agent_name = a.agent_name AND t.is_error) AS tool_errors,
       a.input_tokens,
       a.output_tokens,
       a.errors,
       (SELECT count(*) FROM agent_messages m WHERE m.run_id = a.run_id AND m.from_agent = a.agent_name) AS messages_sent,
       (SELECT count(*) FROM agent_messages m WHERE m.run_id = a.run_id AND m.to_agent = a.agent_name) AS messages_received,
       a.first_seen,
       a.last_seen,
       round(extract(epoch FROM (a.last_seen - a.first_seen)) * 1000, 3) AS active_ms,
       (r.failing_agent = a.agent_name) AS is_failing_agent
  FROM agents a
  LEFT JOIN run_summaries r ON r.run_id = a.run_id;
COMMENT ON VIEW agent_activity IS 'Per agent per run: LLM and tool calls, tool errors, tokens, errors, messages sent and received, active time, and whether the run failed in this agent. Example: SELECT * FROM agenttrace.agent_activity WHERE run_id = ''...'';';
