-- pg_agenttrace MAST failure classification (Cemri et al., "Why Do Multi-Agent LLM Systems Fail?",
-- arXiv 2503.13657): reference table of the 14 failure modes, tunable rule settings, the per-run
-- classification state, annotation helpers and views. Runs inside CREATE EXTENSION with
-- search_path = agenttrace, after schema.sql. The rule engine itself lives in agenttrace-core
-- (agenttrace_core::mast) and is called by agenttrace.classify() / classify_pending().

CREATE TABLE mast_modes (
    mode_id      text PRIMARY KEY,
    category_id  text NOT NULL,
    category     text NOT NULL,
    name         text NOT NULL,
    definition   text NOT NULL
);
COMMENT ON TABLE mast_modes IS 'The 14 MAST failure modes (FM-1.1 .. FM-3.3) in 3 categories (FC1 system design, FC2 inter-agent misalignment, FC3 task verification) with their definitions. Reference data; annotations must use one of these mode ids.';

INSERT INTO mast_modes (mode_id, category_id, category, name, definition) VALUES
    ('FM-1.1', 'FC1', 'System design issues', 'Disobey task specification', 'Failure to adhere to the specified constraints or requirements of a given task, leading to suboptimal or incorrect outcomes.'),
    ('FM-1.2', 'FC1', 'System design issues', 'Disobey role specification', 'Failure to adhere to the defined responsibilities and constraints of an assigned role, potentially leading to an agent behaving like another.'),
    ('FM-1.3', 'FC1', 'System design issues', 'Step repetition', 'Unnecessary reiteration of previously completed steps in a process, potentially causing delays or errors in task completion.'),
    ('FM-1.4', 'FC1', 'System design issues', 'Loss of conversation history', 'Unexpected context truncation, disregarding recent interaction history and reverting to an antecedent conversational state.'),
    ('FM-1.5', 'FC1', 'System design issues', 'Unaware of termination conditions', 'Lack of recognition or understanding of the criteria designed to trigger the termination of the agents'' interaction, potentially leading to unnecessary continuation.'),
    ('FM-2.1', 'FC2', 'Inter-agent misalignment', 'Conversation reset', 'Unexpected or unwarranted restarting of a dialogue, potentially losing context and progress made in the interaction.'),
    ('FM-2.2', 'FC2', 'Inter-agent misalignment', 'Fail to ask for clarification', 'Inability to request additional information when faced with unclear or incomplete data, potentially resulting in incorrect actions.'),
    ('FM-2.3', 'FC2', 'Inter-agent misalignment', 'Task derailment', 'Deviation from the intended objective or focus of a given task, potentially resulting in irrelevant or unproductive actions.'),
    ('FM-2.4', 'FC2', 'Inter-agent misalignment', 'Information withholding', 'Failure to share or communicate important data or insights that an agent possesses and that could impact the decision-making of other agents if shared.'),
    ('FM-2.5', 'FC2', 'Inter-agent misalignment', 'Ignored other agent''s input', 'Disregarding or failing to adequately consider input or recommendations provided by other agents (or tools) in the system.'),
    ('FM-2.6', 'FC2', 'Inter-agent misalignment', 'Reasoning-action mismatch', 'Discrepancy between the logical reasoning process and the actual actions taken by the agent.'),
    ('FM-3.1', 'FC3', 'Task verification', 'Premature termination', 'Ending a dialogue, interaction or task before all necessary information has been exchanged or objectives have been met.'),
    ('FM-3.2', 'FC3', 'Task verification', 'No or incomplete verification', 'Omission of proper checking or confirmation of task outcomes or system outputs, allowing errors or inconsistencies to propagate undetected.'),
    ('FM-3.3', 'FC3', 'Task verification', 'Incorrect verification', 'Failure to adequately validate or cross-check crucial information or decisions during the iterations, leading to errors or vulnerabilities.');

CREATE TABLE mast_settings (
    key          text PRIMARY KEY,
    value        jsonb NOT NULL,
    description  text
);
COMMENT ON TABLE mast_settings IS 'Tunable thresholds and keyword lists of the MAST rules (one row per agenttrace_core::mast::MastConfig field, plus auto_classify and classify_pending settings). Read by agenttrace.classify() on every call; a missing or ill-typed value falls back to the built-in default. Example: UPDATE agenttrace.mast_settings SET value = ''5'' WHERE key = ''repeat_min'';';

INSERT INTO mast_settings (key, value, description) VALUES
    ('auto_classify', 'false'::jsonb, 'Run agenttrace.classify on every run touched by ingest (boolean).'),
    ('min_confidence', '0.0'::jsonb, 'Findings below this confidence (0..1) are dropped.'),
    ('disabled_modes', '[]'::jsonb, 'MAST mode ids whose rules are skipped, e.g. ["FM-2.2"].'),
    ('disabled_rules', '[]'::jsonb, 'Rule names whose checks are skipped.'),
    ('repeat_min', '3'::jsonb, 'FM-1.3: same agent turn (digit-insensitive) or same successful tool call at least this many times.'),
    ('repeat_min_chars', '8'::jsonb, 'FM-1.3: shorter texts are not compared.'),
    ('termination_keywords', '["TERMINATE"]'::jsonb, 'FM-1.5: agent outputs that announce the end of the interaction.'),
    ('verifier_keywords', '["verif","review","critic","checker","validat","judge","grader","evaluat","tester","qa_","guardrail","proofread","approv"]'::jsonb, 'FM-3.x: agent names/roles/span names that mark a verification step.'),
    ('approval_keywords', '["approved","approve","lgtm","looks good","verified","confirmed","passes","passed","accept","no issues","correct"]'::jsonb, 'FM-3.3: verifier outputs that approve.'),
    ('rejection_keywords', '["revise","reject","not approved","needs more","needs work","needs changes","request changes","incorrect","not correct","does not pass"]'::jsonb, 'FM-3.3: verifier outputs that reject (take precedence over approval).'),
    ('error_markers', '["error:","traceback (most recent call last)","exception:","function failed","internal server error"]'::jsonb, 'FM-3.2/3.3: text in an output that shows an error leaked into it.'),
    ('require_verification_step', 'false'::jsonb, 'FM-3.2: also report runs that have no verification step at all, even when nothing visibly went wrong.'),
    ('derailment_min_overlap', '0'::jsonb, 'FM-2.3 final_output_off_task: fire when less than this share of the task''s topic words reach the final output; 0 (default) disables it: word overlap with the task flagged clean runs whose final step is a short confirmation; tool_data_ignored judges derailment from content.'),
    ('verdict_min_confidence', '0.7'::jsonb, 'A content finding at or above this confidence (0..1) makes a run the framework reported as successful a failed run in the analysed verdict (agenttrace.verdict, run_verdicts).'),
    ('derailment_min_task_words', '1'::jsonb, 'FM-2.3: the task needs at least this many topic words to be judged.'),
    ('instruction_words', '["write","short","summary","summarize","summarise","brief","concise","research","using","use","tool","tools","please","task","answer","final","draft","report","explain","describe","give","provide","make","create","sentence","sentences","paragraph","words","expected","criteria","output","result","results","find","look","lookup","fact","facts","search","information","about","detailed","short","long","list","plan","step","steps","question","help","need","want","must","should","following","based","from","this","that","your","you"]'::jsonb, 'FM-2.3: instruction words that are not the task''s topic.'),
    ('info_min_overlap', '0.30000001192092896'::jsonb, 'FM-2.4/2.5: share of a message''s or tool result''s content words that must reach the receiver.'),
    ('info_min_words', '4'::jsonb, 'FM-2.4/2.5: messages/results with fewer content words are not judged.'),
    ('uncertainty_keywords', '["i assume","assuming that","i''m not sure","i am not sure","unclear what","it is unclear","ambiguous","i guess","presumably","without more information","not enough information"]'::jsonb, 'FM-2.2: phrases of an agent guessing instead of asking.'),
    ('conversation_id_keys', '["gen_ai.conversation.id","session.id","conversation.id","conversation_id","thread_id","langgraph.thread_id","traceloop.association.properties.thread_id","thread.id"]'::jsonb, 'FM-2.1: span attributes holding a conversation/session/thread id.'),
    ('reset_max_kept', '1'::jsonb, 'FM-2.1: an LLM input that keeps at most this many earlier non-system messages is a reset ...'),
    ('reset_min_history', '3'::jsonb, 'FM-2.1: ... of a conversation that had at least this many.'),
    ('max_text_bytes', '4096'::jsonb, 'Texts are compared on at most this many bytes.'),
    ('pending_quiet_seconds', '30'::jsonb, 'classify_pending(): a run counts as finished when no span arrived for this many seconds.'),
    ('pending_batch_size', '500'::jsonb, 'classify_pending(): most runs classified per call.')
ON CONFLICT (key) DO NOTHING;

-- Rule findings and external judgements share failure_annotations; these columns keep the rule
-- name and the full evidence (every span with its trace, since a run can span several traces).
ALTER TABLE failure_annotations ADD COLUMN rule text;
ALTER TABLE failure_annotations ADD COLUMN evidence jsonb;
ALTER TABLE failure_annotations ADD CONSTRAINT failure_annotations_severity_check
    CHECK (severity IS NULL OR severity IN ('low', 'medium', 'high', 'critical'));
ALTER TABLE failure_annotations ADD CONSTRAINT failure_annotations_confidence_check
    CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1));
CREATE INDEX failure_annotations_mode_idx ON failure_annotations (mode_id, created_at DESC);
CREATE INDEX failure_annotations_source_idx ON failure_annotations (run_id, source);
COMMENT ON COLUMN failure_annotations.rule IS 'Name of the rule that produced a source=''rules'' finding (NULL for external judges).';
COMMENT ON COLUMN failure_annotations.evidence IS 'Evidence spans as [{"trace_id": uuid, "span_id": bigint}], most important first.';

CREATE TABLE mast_runs (
    run_id             uuid PRIMARY KEY,
    classified_at      timestamptz NOT NULL DEFAULT now(),
    -- run_summaries.updated_at the classification saw: a run that grew later is pending again.
    run_updated_at     timestamptz,
    outcome            text NOT NULL,
    finding_count      integer NOT NULL,
    responsible_agent  text,
    decisive_trace_id  uuid,
    decisive_span_id   bigint,
    -- Per-mode status (judgeable / not_judgeable / disabled, with the reason) and the attribution.
    report             jsonb NOT NULL
);
COMMENT ON TABLE mast_runs IS 'One row per run classified by the MAST rule engine: when, what it concluded (outcome, responsible agent, decisive span) and the full report, including for every mode whether it could be judged from the data and why not.';

CREATE FUNCTION annotate(
    run_id      uuid,
    mode_id     text,
    explanation text,
    source      text,
    agent_name  text DEFAULT NULL,
    span_ids    bigint[] DEFAULT NULL,
    confidence  real DEFAULT NULL,
    severity    text DEFAULT NULL
) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    m   agenttrace.mast_modes;
    tid uuid;
    id  bigint;
BEGIN
    SELECT * INTO m FROM agenttrace.mast_modes WHERE mast_modes.mode_id = annotate.mode_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown MAST mode %', annotate.mode_id
            USING HINT = 'Use a mode_id from agenttrace.mast_modes, e.g. FM-1.3.', ERRCODE = '22023';
    END IF;
    IF annotate.source IS NULL OR btrim(annotate.source) = '' OR annotate.source = 'rules' THEN
        RAISE EXCEPTION 'source must name the judge (e.g. ''llm:gpt-4o'', ''human:alice''); ''rules'' is reserved for agenttrace.classify()'
            USING ERRCODE = '22023';
    END IF;
    IF annotate.explanation IS NULL OR btrim(annotate.explanation) = '' THEN
        RAISE EXCEPTION 'explanation is required' USING ERRCODE = '22023';
    END IF;
    IF annotate.span_ids IS NOT NULL AND cardinality(annotate.span_ids) > 0 THEN
        SELECT s.trace_id INTO tid FROM agenttrace.spans s
         WHERE s.run_id = annotate.run_id AND s.span_id = annotate.span_ids[1] LIMIT 1;
    END IF;
    INSERT INTO agenttrace.failure_annotations
        (run_id, mode_id, category, severity, confidence, agent_name, trace_id, span_ids, explanation, source, evidence)
    VALUES
        (annotate.run_id, m.mode_id, m.category_id, lower(annotate.severity), annotate.confidence, annotate.agent_name, tid,
         annotate.span_ids, annotate.explanation, annotate.source,
         (SELECT jsonb_agg(jsonb_build_object('trace_id', s.trace_id, 'span_id', s.span_id))
            FROM agenttrace.spans s WHERE s.run_id = annotate.run_id AND s.span_id = ANY (annotate.span_ids)))
    RETURNING annotation_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION annotate(uuid, text, text, text, text, bigint[], real, text) IS
'Adds a MAST failure annotation from an external judge (an LLM, a person) under its own source; rule findings (source ''rules'') are left alone and re-classification never removes these. mode_id must be one of agenttrace.mast_modes. Returns the annotation_id. Example: SELECT agenttrace.annotate(run_id, ''FM-2.3'', ''writer answered a different question'', ''human:alice'', agent_name => ''writer'', confidence => 0.9, severity => ''high'') FROM agenttrace.runs LIMIT 1;';

CREATE VIEW failures AS
SELECT a.run_id,
       a.annotation_id,
       a.mode_id,
       m.name        AS mode_name,
       coalesce(a.category, m.category_id) AS category_id,
       m.category,
       a.severity,
       a.confidence,
       a.agent_name,
       a.explanation,
       a.source,
       a.rule,
       a.trace_id,
       a.span_ids,
       a.evidence,
       a.created_at,
       r.status      AS run_status,
       r.framework,
       r.start_time  AS run_start_time
  FROM failure_annotations a
  LEFT JOIN mast_modes m ON m.mode_id = a.mode_id
  LEFT JOIN run_summaries r ON r.run_id = a.run_id;
COMMENT ON VIEW failures IS 'Every MAST failure annotation (rule engine and external judges) with the mode name and category and the run''s status. Example: SELECT mode_id, mode_name, count(*) FROM agenttrace.failures WHERE created_at > now() - interval ''1 day'' GROUP BY 1, 2 ORDER BY 3 DESC;';

CREATE VIEW mast_mode_status AS
SELECT r.run_id,
       (e.value ->> 'mode_id')              AS mode_id,
       m.name                                AS mode_name,
       (e.value ->> 'status')               AS status,
       (e.value ->> 'findings')::int        AS findings,
       (e.value ->> 'reason')               AS reason,
       r.classified_at
  FROM mast_runs r
 CROSS JOIN LATERAL jsonb_array_elements(r.report -> 'modes') e
  LEFT JOIN mast_modes m ON m.mode_id = e.value ->> 'mode_id';
COMMENT ON VIEW mast_mode_status IS 'Per run and MAST mode: whether the rule engine could judge the mode from the recorded data (judgeable / not_judgeable / disabled), how many findings it produced, and the reason (what was checked, or why it cannot be judged).';

CREATE VIEW mast_pending_runs AS
SELECT s.run_id, s.updated_at, s.end_time
  FROM run_summaries s
  LEFT JOIN mast_runs c ON c.run_id = s.run_id
 WHERE (c.run_id IS NULL OR c.run_updated_at IS DISTINCT FROM s.updated_at)
   AND s.updated_at < now() - make_interval(secs => coalesce(
         (SELECT (value #>> '{}')::double precision FROM mast_settings WHERE key = 'pending_quiet_seconds'), 30));
COMMENT ON VIEW mast_pending_runs IS 'Finished runs (no span for pending_quiet_seconds) that were never classified or grew since their last classification; agenttrace.classify_pending() works through them.';
