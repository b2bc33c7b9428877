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

CREATE FUNCTION judge_pending(idle_seconds double precision DEFAULT 120, max_runs integer DEFAULT 100)
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

CREATE FUNCTION judge_failed(run_id uuid, model text, error text, run_updated_at timestamptz DEFAULT NULL)
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
