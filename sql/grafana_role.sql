-- agenttrace_grafana: the read-only role the Grafana dashboards (grafana/dashboards/*.json) run as.
--
-- NOLOGIN group role: create a LOGIN role for Grafana and GRANT agenttrace_grafana TO it
-- (grafana/README.md). It may read exactly what the dashboards read and call exactly the
-- functions they call, nothing else: no writes, no dead-letter bodies, no span attributes or
-- prompt/completion text.
--
-- Needs agenttrace.failures and agenttrace.mast_mode_status (sql/mast.sql), agenttrace.run_verdicts
-- (sql/judge.sql) and
-- agenttrace.graph_nodes/graph_edges/span_tree (pg_agenttrace/src/graph.rs) to exist.
-- Idempotent: revokes what it does not grant, so re-running it leaves exactly these privileges.
-- tests/python/test_grafana_dashboards.py runs every dashboard query as this role.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agenttrace_grafana') THEN
        CREATE ROLE agenttrace_grafana NOLOGIN;
    END IF;
END
$$;
COMMENT ON ROLE agenttrace_grafana IS 'pg_agenttrace: read-only access for the Grafana dashboards (grant it to Grafana''s login role).';

REVOKE ALL ON ALL TABLES IN SCHEMA agenttrace FROM agenttrace_grafana;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA agenttrace FROM agenttrace_grafana;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA agenttrace FROM agenttrace_grafana;

GRANT USAGE ON SCHEMA agenttrace TO agenttrace_grafana;

-- Views the dashboards read (their base tables are read with the view owner's rights).
GRANT SELECT ON agenttrace.runs, agenttrace.agent_activity, agenttrace.failures, agenttrace.mast_mode_status
    TO agenttrace_grafana;

-- Tables the dashboards read directly, or that graph_nodes/graph_edges/span_tree read with the
-- caller's rights (spans, agent_messages, traces).
GRANT SELECT ON agenttrace.traces, agenttrace.agent_messages, agenttrace.tool_calls TO agenttrace_grafana;

-- Spans: the columns the panels and the graph functions use; not the raw attributes nor the
-- captured prompt/completion text (input_text, output_text).
GRANT SELECT (trace_id, span_id, parent_span_id, run_id, start_time, end_time, start_time_unix_nano,
              end_time_unix_nano, duration_ns, name, status_code, status_message, service_name, framework,
              category, agent_name, model, input_tokens, output_tokens, tool_name, is_error, error_type,
              error_message)
    ON agenttrace.spans TO agenttrace_grafana;

-- Verdicts (sql/judge.sql): everything but the quoted content the verdict rests on.
GRANT SELECT (run_id, framework, service_name, start_time, operational_status, operational_reason, verdict,
              silent_failure, responsible_agent, decisive_mode, explanation, classified_at, judge_status,
              judge_model, judge_failed, judge_responsible_agent, judge_error)
    ON agenttrace.run_verdicts TO agenttrace_grafana;

-- Dead letters: everything but the body.
GRANT SELECT (dead_letter_id, received_at, content_type, content_encoding, body_bytes, error_message, sqlstate, signal)
    ON agenttrace.dead_letters TO agenttrace_grafana;

-- Log records: time, context, severity, event name, service and scope; not the content
-- (body, attributes, genai).
GRANT SELECT (time, record_hash, trace_id, span_id, time_unix_nano, observed_time_unix_nano, severity_number,
              severity_text, event_name, dropped_attributes_count, flags, service_name, resource_hash, scope_name,
              scope_version, record_index, ingested_at)
    ON agenttrace.log_records TO agenttrace_grafana;

-- Functions the dashboards call (every overload), including span_id_hex, which the runs view calls.
DO $$
DECLARE
    fname text;
    f regprocedure;
    n int;
BEGIN
    FOREACH fname IN ARRAY ARRAY['graph_nodes', 'graph_edges', 'span_tree', 'span_id_hex'] LOOP
        n := 0;
        FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
                  WHERE p.pronamespace = 'agenttrace'::regnamespace AND p.proname = fname LOOP
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO agenttrace_grafana', f);
            n := n + 1;
        END LOOP;
        IF n = 0 THEN
            RAISE EXCEPTION 'agenttrace.% does not exist (grafana_role.sql must run after it)', fname;
        END IF;
    END LOOP;
END
$$;
