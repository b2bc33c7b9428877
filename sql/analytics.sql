-- pg_agenttrace time-series analytics for dashboards (Grafana time series / bar / table panels).
-- Runs inside CREATE EXTENSION with search_path = agenttrace, after schema.sql.
--
-- Conventions:
--   * every function takes (bucket_width interval, from_time timestamptz, to_time timestamptz):
--     rows whose time falls in [from_time, to_time) are grouped into buckets of bucket_width,
--     and the first output column is the bucket start, named "time" (what Grafana looks for).
--     From Grafana's PostgreSQL data source:
--       FROM agenttrace.agent_stats(make_interval(secs => $__interval_ms / 1000.0), $__timeFrom(), $__timeTo())
--   * durations are milliseconds (float8), percentiles are continuous (percentile_cont).
--   * bodies are plain SQL strings with schema-qualified names so the planner can inline them
--     (TimescaleDB then excludes chunks outside the time range at plan time).
--   * *_1h views: the same per hour over the last 7 days.

-- Bucketing: TimescaleDB's time_bucket when TimescaleDB is installed (its functions live in the
-- schema the extension was created in, which need not be on the search_path), date_bin
-- otherwise. Both use the origin 2000-01-03 00:00 UTC (a Monday), so buckets are the same either way.
DO $$
DECLARE
    tsdb_schema name := (SELECT extnamespace::regnamespace::name FROM pg_extension WHERE extname = 'timescaledb');
BEGIN
    IF tsdb_schema IS NOT NULL THEN
        EXECUTE format($f$
            CREATE FUNCTION agenttrace.bucket(bucket_width interval, ts timestamptz) RETURNS timestamptz
                LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
                AS 'SELECT %I.time_bucket($1, $2)'$f$, tsdb_schema);
    ELSE
        EXECUTE $f$
            CREATE FUNCTION agenttrace.bucket(bucket_width interval, ts timestamptz) RETURNS timestamptz
                LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
                AS 'SELECT pg_catalog.date_bin($1, $2, timestamptz ''2000-01-03 00:00:00+00'')'$f$;
    END IF;
END
$$;
COMMENT ON FUNCTION bucket(interval, timestamptz) IS
'Start of the time bucket of width bucket_width holding ts: TimescaleDB time_bucket() when TimescaleDB was installed before pg_agenttrace, date_bin() otherwise (same origin, same buckets; date_bin rejects month/year widths). Example: SELECT agenttrace.bucket(interval ''15 minutes'', now());';

-- Runs per framework and service: outcomes, size, tokens, run duration percentiles.
CREATE FUNCTION run_stats(
    bucket_width interval DEFAULT interval '1 hour',
    from_time timestamptz DEFAULT now() - interval '24 hours',
    to_time timestamptz DEFAULT now()
) RETURNS TABLE (
    "time" timestamptz,
    framework text,
    service_name text,
    runs bigint,
    succeeded bigint,
    failed bigint,
    stopped_early bigint,
    failure_rate float8,
    spans bigint,
    agents bigint,
    llm_calls bigint,
    tool_calls bigint,
    input_tokens bigint,
    output_tokens bigint,
    p50_ms float8,
    p95_ms float8,
    p99_ms float8,
    max_ms float8
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT g.bucket, g.framework, g.service_name, g.runs, g.succeeded, g.failed, g.stopped_early,
           g.failed::float8 / nullif(g.runs, 0),
           g.spans, g.agents, g.llm_calls, g.tool_calls, g.input_tokens, g.output_tokens,
           g.p[1] / 1e3, g.p[2] / 1e3, g.p[3] / 1e3, g.max_us / 1e3
      FROM (
        SELECT agenttrace.bucket(bucket_width, r.start_time) AS bucket,
               r.framework,
               r.service_name,
               count(*) AS runs,
               count(*) FILTER (WHERE r.status = 'success') AS succeeded,
               count(*) FILTER (WHERE r.status = 'failure') AS failed,
               count(*) FILTER (WHERE r.status = 'stopped_early') AS stopped_early,
               sum(r.span_count)::bigint AS spans,
               sum(r.agent_count)::bigint AS agents,
               sum(r.llm_calls)::bigint AS llm_calls,
               sum(r.tool_calls)::bigint AS tool_calls,
               sum(r.input_tokens)::bigint AS input_tokens,
               sum(r.output_tokens)::bigint AS output_tokens,
               percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY (extract(epoch FROM r.end_time - r.start_time) * 1e6)::float8) AS p,
               max(extract(epoch FROM r.end_time - r.start_time) * 1e6)::float8 AS max_us
          FROM agenttrace.run_summaries r
         WHERE r.start_time >= from_time AND r.start_time < to_time
         GROUP BY 1, 2, 3
      ) g
     ORDER BY 1, 2, 3
$$;
COMMENT ON FUNCTION run_stats(interval, timestamptz, timestamptz) IS
'Runs per time bucket, framework and service (from agenttrace.run_summaries, by run start): outcomes (succeeded, failed, stopped_early, failure_rate), spans, agents, LLM and tool calls, tokens, and run wall-time percentiles in ms. Example (Grafana): SELECT time, framework AS metric, runs FROM agenttrace.run_stats(make_interval(secs => $__interval_ms / 1000.0), $__timeFrom(), $__timeTo()) ORDER BY 1; or simply SELECT * FROM agenttrace.run_stats(''1 hour'', now() - interval ''7 days'', now());';

-- Spans per service and framework: volume, errors, model/tool calls, tokens, span latency.
CREATE FUNCTION service_stats(
    bucket_width interval DEFAULT interval '1 hour',
    from_time timestamptz DEFAULT now() - interval '24 hours',
    to_time timestamptz DEFAULT now()
) RETURNS TABLE (
    "time" timestamptz,
    service_name text,
    framework text,
    spans bigint,
    traces bigint,
    errors bigint,
    error_rate float8,
    llm_calls bigint,
    tool_calls bigint,
    input_tokens bigint,
    output_tokens bigint,
    p50_ms float8,
    p95_ms float8,
    p99_ms float8
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT g.bucket, g.service_name, g.framework, g.spans, g.traces, g.errors,
           g.errors::float8 / nullif(g.spans, 0),
           g.llm_calls, g.tool_calls, g.input_tokens, g.output_tokens,
           g.p[1] / 1e6, g.p[2] / 1e6, g.p[3] / 1e6
      FROM (
        SELECT agenttrace.bucket(bucket_width, s.start_time) AS bucket,
               s.service_name,
               s.framework,
               count(*) AS spans,
               count(DISTINCT s.trace_id) AS traces,
               count(*) FILTER (WHERE s.is_error) AS errors,
               count(*) FILTER (WHERE s.category = 'llm') AS llm_calls,
               count(*) FILTER (WHERE s.category = 'tool') AS tool_calls,
               coalesce(sum(s.input_tokens) FILTER (WHERE s.category = 'llm'), 0)::bigint AS input_tokens,
               coalesce(sum(s.output_tokens) FILTER (WHERE s.category = 'llm'), 0)::bigint AS output_tokens,
               percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY s.duration_ns) AS p
          FROM agenttrace.spans s
         WHERE s.start_time >= from_time AND s.start_time < to_time
         GROUP BY 1, 2, 3
      ) g
     ORDER BY 1, 2, 3
$$;
COMMENT ON FUNCTION service_stats(interval, timestamptz, timestamptz) IS
'Spans per time bucket, service and framework (from agenttrace.spans, by span start): spans, distinct traces, errors and error_rate, LLM and tool spans, tokens reported by LLM spans (nested LLM spans of two instrumentations both count; agenttrace.run_stats has deduplicated run totals), span duration percentiles in ms. Example (Grafana): SELECT time, service_name AS metric, p95_ms FROM agenttrace.service_stats(make_interval(secs => $__interval_ms / 1000.0), $__timeFrom(), $__timeTo()) ORDER BY 1;';

-- Agents: activity per agent (deduplicated per-run counters) and agent turn latency.
CREATE FUNCTION agent_stats(
    bucket_width interval DEFAULT interval '1 hour',
    from_time timestamptz DEFAULT now() - interval '24 hours',
    to_time timestamptz DEFAULT now()
) RETURNS TABLE (
    "time" timestamptz,
    agent_name text,
    framework text,
    runs bigint,
    spans bigint,
    turns bigint,
    llm_calls bigint,
    tool_calls bigint,
    errors bigint,
    error_rate float8,
    input_tokens bigint,
    output_tokens bigint,
    p50_ms float8,
    p95_ms float8,
    p99_ms float8
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    WITH activity AS (
        SELECT agenttrace.bucket(bucket_width, a.first_seen) AS bucket,
               a.agent_name,
               a.framework,
               count(DISTINCT a.run_id) AS runs,
               sum(a.span_count)::bigint AS spans,
               sum(a.llm_calls)::bigint AS llm_calls,
               sum(a.tool_calls)::bigint AS tool_calls,
               sum(a.errors)::bigint AS errors,
               sum(a.input_tokens)::bigint AS input_tokens,
               sum(a.output_tokens)::bigint AS output_tokens
          FROM agenttrace.agents a
         WHERE a.first_seen >= from_time AND a.first_seen < to_time
         GROUP BY 1, 2, 3
    ), turns AS (
        SELECT agenttrace.bucket(bucket_width, s.start_time) AS bucket,
               s.agent_name,
               s.framework,
               count(*) AS turns,
               percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY s.duration_ns) AS p
          FROM agenttrace.spans s
         WHERE s.start_time >= from_time AND s.start_time < to_time
           AND s.category = 'agent' AND s.agent_name IS NOT NULL
         GROUP BY 1, 2, 3
    )
    SELECT coalesce(a.bucket, t.bucket), coalesce(a.agent_name, t.agent_name), coalesce(a.framework, t.framework),
           coalesce(a.runs, 0), coalesce(a.spans, 0), coalesce(t.turns, 0),
           coalesce(a.llm_calls, 0), coalesce(a.tool_calls, 0), coalesce(a.errors, 0),
           a.errors::float8 / nullif(a.spans, 0),
           coalesce(a.input_tokens, 0), coalesce(a.output_tokens, 0),
           t.p[1] / 1e6, t.p[2] / 1e6, t.p[3] / 1e6
      FROM activity a
      FULL JOIN turns t
        ON t.bucket = a.bucket AND t.agent_name = a.agent_name AND t.framework IS NOT DISTINCT FROM a.framework
     ORDER BY 1, 2, 3
$$;
COMMENT ON FUNCTION agent_stats(interval, timestamptz, timestamptz) IS
'Agents per time bucket: runs they took part in, spans they own, turns (agent spans), LLM and tool calls, errors and error_rate, tokens (from agenttrace.agents, deduplicated per run, bucketed by the agent''s first activity in the run) and agent turn duration percentiles in ms (agent spans, bucketed by start). Example (Grafana): SELECT time, agent_name AS metric, input_tokens + output_tokens AS tokens FROM agenttrace.agent_stats(make_interval(secs => $__interval_ms / 1000.0), $__timeFrom(), $__timeTo()) ORDER BY 1;';

-- Models: calls, tokens and latency per provider/model.
CREATE FUNCTION llm_stats(
    bucket_width interval DEFAULT interval '1 hour',
    from_time timestamptz DEFAULT now() - interval '24 hours',
    to_time timestamptz DEFAULT now()
) RETURNS TABLE (
    "time" timestamptz,
    provider text,
    model text,
    calls bigint,
    errors bigint,
    input_tokens bigint,
    output_tokens bigint,
    cached_tokens bigint,
    reasoning_tokens bigint,
    p50_ms float8,
    p95_ms float8,
    p99_ms float8
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT g.bucket, g.provider, g.model, g.calls, g.errors, g.input_tokens, g.output_tokens, g.cached_tokens,
           g.reasoning_tokens, g.p[1] / 1e6, g.p[2] / 1e6, g.p[3] / 1e6
      FROM (
        SELECT agenttrace.bucket(bucket_width, s.start_time) AS bucket,
               s.provider,
               s.model,
               count(*) AS calls,
               count(*) FILTER (WHERE s.is_error) AS errors,
               coalesce(sum(s.input_tokens), 0)::bigint AS input_tokens,
               coalesce(sum(s.output_tokens), 0)::bigint AS output_tokens,
               coalesce(sum(s.cached_tokens), 0)::bigint AS cached_tokens,
               coalesce(sum(s.reasoning_tokens), 0)::bigint AS reasoning_tokens,
               percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY s.duration_ns) AS p
          FROM agenttrace.spans s
         WHERE s.start_time >= from_time AND s.start_time < to_time AND s.category = 'llm'
         GROUP BY 1, 2, 3
      ) g
     ORDER BY 1, 2, 3
$$;
COMMENT ON FUNCTION llm_stats(interval, timestamptz, timestamptz) IS
'LLM spans per time bucket, provider and model: calls, errors, input/output/cached/reasoning tokens and call duration percentiles in ms. Example (Grafana): SELECT time, model AS metric, output_tokens FROM agenttrace.llm_stats(make_interval(secs => $__interval_ms / 1000.0), $__timeFrom(), $__timeTo()) ORDER BY 1;';

-- Tools: calls, failures and latency per tool and calling agent.
CREATE FUNCTION tool_stats(
    bucket_width interval DEFAULT interval '1 hour',
    from_time timestamptz DEFAULT now() - interval '24 hours',
    to_time timestamptz DEFAULT now()
) RETURNS TABLE (
    "time" timestamptz,
    tool_name text,
    agent_name text,
    calls bigint,
    errors bigint,
    error_rate float8,
    p50_ms float8,
    p95_ms float8,
    p99_ms float8
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT g.bucket, g.tool_name, g.agent_name, g.calls, g.errors, g.errors::float8 / nullif(g.calls, 0),
           g.p[1] / 1e6, g.p[2] / 1e6, g.p[3] / 1e6
      FROM (
        SELECT agenttrace.bucket(bucket_width, c.start_time) AS bucket,
               c.tool_name,
               c.agent_name,
               count(*) AS calls,
               count(*) FILTER (WHERE c.is_error) AS errors,
               percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY c.duration_ns) AS p
          FROM agenttrace.tool_calls c
         WHERE c.start_time >= from_time AND c.start_time < to_time
         GROUP BY 1, 2, 3
      ) g
     ORDER BY 1, 2, 3
$$;
COMMENT ON FUNCTION tool_stats(interval, timestamptz, timestamptz) IS
'Tool executions per time bucket, tool and calling agent (from agenttrace.tool_calls): calls, errors, error_rate, duration percentiles in ms. Example (Grafana): SELECT time, tool_name AS metric, error_rate FROM agenttrace.tool_stats(make_interval(secs => $__interval_ms / 1000.0), $__timeFrom(), $__timeTo()) ORDER BY 1;';

-- Errors: error spans per service, framework, agent, category and error type.
CREATE FUNCTION error_stats(
    bucket_width interval DEFAULT interval '1 hour',
    from_time timestamptz DEFAULT now() - interval '24 hours',
    to_time timestamptz DEFAULT now()
) RETURNS TABLE (
    "time" timestamptz,
    service_name text,
    framework text,
    agent_name text,
    category text,
    error_type text,
    errors bigint,
    traces bigint,
    runs bigint
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT agenttrace.bucket(bucket_width, s.start_time),
           s.service_name,
           s.framework,
           s.agent_name,
           s.category,
           coalesce(s.error_type, 'unknown'),
           count(*),
           count(DISTINCT s.trace_id),
           count(DISTINCT s.run_id)
      FROM agenttrace.spans s
     WHERE s.is_error AND s.start_time >= from_time AND s.start_time < to_time
     GROUP BY 1, 2, 3, 4, 5, 6
     ORDER BY 1, 2, 3, 4, 5, 6
$$;
COMMENT ON FUNCTION error_stats(interval, timestamptz, timestamptz) IS
'Error spans per time bucket, service, framework, agent (the span''s own), category and error type: errors, distinct traces and runs affected. Example (Grafana): SELECT time, error_type AS metric, sum(errors) AS errors FROM agenttrace.error_stats(make_interval(secs => $__interval_ms / 1000.0), $__timeFrom(), $__timeTo()) GROUP BY 1, 2 ORDER BY 1;';

-- Hourly views over the last 7 days.
CREATE VIEW run_stats_1h AS
    SELECT * FROM agenttrace.run_stats(interval '1 hour', now() - interval '7 days', now());
COMMENT ON VIEW run_stats_1h IS 'agenttrace.run_stats() per hour over the last 7 days. Example: SELECT time, sum(runs) AS runs, sum(failed) AS failed FROM agenttrace.run_stats_1h GROUP BY 1 ORDER BY 1;';

CREATE VIEW service_stats_1h AS
    SELECT * FROM agenttrace.service_stats(interval '1 hour', now() - interval '7 days', now());
COMMENT ON VIEW service_stats_1h IS 'agenttrace.service_stats() per hour over the last 7 days. Example: SELECT time, service_name, p95_ms FROM agenttrace.service_stats_1h WHERE service_name = ''my-agents'' ORDER BY 1;';

CREATE VIEW agent_stats_1h AS
    SELECT * FROM agenttrace.agent_stats(interval '1 hour', now() - interval '7 days', now());
COMMENT ON VIEW agent_stats_1h IS 'agenttrace.agent_stats() per hour over the last 7 days. Example: SELECT agent_name, sum(input_tokens + output_tokens) AS tokens FROM agenttrace.agent_stats_1h GROUP BY 1 ORDER BY 2 DESC;';

CREATE VIEW llm_stats_1h AS
    SELECT * FROM agenttrace.llm_stats(interval '1 hour', now() - interval '7 days', now());
COMMENT ON VIEW llm_stats_1h IS 'agenttrace.llm_stats() per hour over the last 7 days. Example: SELECT model, sum(calls) AS calls, max(p95_ms) AS worst_p95_ms FROM agenttrace.llm_stats_1h GROUP BY 1;';

CREATE VIEW tool_stats_1h AS
    SELECT * FROM agenttrace.tool_stats(interval '1 hour', now() - interval '7 days', now());
COMMENT ON VIEW tool_stats_1h IS 'agenttrace.tool_stats() per hour over the last 7 days. Example: SELECT tool_name, sum(errors) AS errors FROM agenttrace.tool_stats_1h GROUP BY 1 ORDER BY 2 DESC;';

CREATE VIEW error_stats_1h AS
    SELECT * FROM agenttrace.error_stats(interval '1 hour', now() - interval '7 days', now());
COMMENT ON VIEW error_stats_1h IS 'agenttrace.error_stats() per hour over the last 7 days. Example: SELECT error_type, sum(errors) FROM agenttrace.error_stats_1h GROUP BY 1 ORDER BY 2 DESC;';
