-- Checkpoints and the state at a point of a run, for resuming (replays).

CREATE FUNCTION checkpoint_rows(run_id uuid)
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
COMMENT ON FUNCTION checkpoint_rows(uuid) IS
'The checkpoints of a run with unresolved state (NULL for agent turns and model calls, whose state agenttrace.checkpoint_state rebuilds from the span). Used by agenttrace.checkpoints and agenttrace.state_at.';

CREATE FUNCTION checkpoints(run_id uuid)
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
COMMENT ON FUNCTION checkpoints(uuid) IS
'The states a run passed through, in order: explicit agenttrace.checkpoint events, LangGraph steps with the node input, each agent turn''s input, and each model call''s conversation. Example: SELECT checkpoint_id, kind, agent_name, step FROM agenttrace.checkpoints(''<run id>'');';

CREATE FUNCTION state_at(run_id uuid, at_span text DEFAULT NULL, at_time timestamptz DEFAULT NULL)
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
COMMENT ON FUNCTION state_at(uuid, text, timestamptz) IS
'What a run looked like at a point (the start of span at_span, given as 16-digit hex, or at_time; default the end): the last checkpoint, the conversation the agent last sent to a model, the agent messages and the finished tool calls so far. Ready for a client to resume from. Example: SELECT agenttrace.state_at(''<run id>'', at_span => ''5ffe1ca3037fe0a6'');';
