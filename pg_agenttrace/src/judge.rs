//! SQL capability: a run's verdict, its transcript, and the LLM judge's prompt and answers.
//!
//! `agenttrace.verdict(run_id)` puts what the framework reported beside what the analysis
//! concludes; `agenttrace.transcript(run_id)` is the transcript the content rules read;
//! `agenttrace.judge_prompt(run_id)` builds the judge prompt (for agenttrace-judge or anyone's own
//! pipeline) and `agenttrace.judge_record(...)` parses a judge's answer and stores its modes as
//! annotations with source `llm-judge`. All logic is in `agenttrace_core::mast`; the table,
//! `judge_pending`, `judge_failed` and the `run_verdicts` view are in sql/judge.sql.
use agenttrace_core::analyze::analyze_run;
use agenttrace_core::ids::span_id_to_i64;
use agenttrace_core::mast::{classify as classify_run, judge, verdict as run_verdict, MastConfig, RunView};
use agenttrace_core::model::SpanRecord;
use pgrx::prelude::*;
use pgrx::JsonB;

use crate::columns::{trace_id, uuid};
use crate::mast::{load_config, load_runs};

extension_sql_file!("../../sql/judge.sql", name = "judge_sql", requires = ["schema", "mast"]);

/// The run's stored spans and the MAST settings (None when the run has no spans).
fn run_spans(run_id: pgrx::Uuid) -> Result<Option<(Vec<SpanRecord>, MastConfig)>, pgrx::spi::Error> {
    Spi::connect(|client| {
        let cfg = load_config(client)?;
        let spans = load_runs(client, &[trace_id(&run_id)])?.pop().map(|(_, s)| s).filter(|s| !s.is_empty());
        Ok(spans.map(|s| (s, cfg)))
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> JsonB {
    JsonB(serde_json::to_value(v).unwrap_or(serde_json::Value::Null))
}

/// Operational status (what the framework reported) and analysed verdict of a run.
#[pg_extern(stable, parallel_safe)]
fn verdict(run_id: pgrx::Uuid) -> Result<Option<JsonB>, pgrx::spi::Error> {
    Ok(run_spans(run_id)?.map(|(spans, cfg)| {
        let report = classify_run(&spans, &analyze_run(&spans), &cfg);
        to_json(&run_verdict(&report, &cfg))
    }))
}

/// The run's transcript: task, instructions, steps, final output.
#[pg_extern(stable, parallel_safe)]
fn transcript(run_id: pgrx::Uuid) -> Result<Option<JsonB>, pgrx::spi::Error> {
    Ok(run_spans(run_id)?.map(|(spans, cfg)| to_json(&agenttrace_core::mast::run_transcript(&spans, &cfg))))
}

/// The LLM-judge prompt of a run within `max_tokens`.
#[pg_extern(stable, parallel_safe)]
fn judge_prompt(run_id: pgrx::Uuid, max_tokens: default!(i32, 12000)) -> Result<Option<JsonB>, pgrx::spi::Error> {
    let budget = max_tokens.clamp(500, 1_000_000) as usize;
    Ok(run_spans(run_id)?.map(|(spans, cfg)| to_json(&agenttrace_core::mast::run_judge_prompt(&spans, &cfg, budget))))
}

/// Parses a judge answer for a run and stores it: the modes as annotations (source
/// `llm-judge`, replacing that source's earlier ones for the run) and the verdict in judge_runs.
/// A malformed answer is an error (22P02) naming what is wrong; nothing is stored then.
#[pg_extern(volatile, parallel_unsafe)]
fn judge_record(
    run_id: pgrx::Uuid,
    model: &str,
    answer: &str,
    run_updated_at: default!(Option<pgrx::datum::TimestampWithTimeZone>, "NULL"),
    total_tokens: default!(Option<i64>, "NULL"),
) -> Result<i32, pgrx::spi::Error> {
    let Some((spans, cfg)) = run_spans(run_id)? else {
        pgrx::ereport!(ERROR, PgSqlErrorCode::ERRCODE_NO_DATA_FOUND, format!("run {run_id} has no stored spans"));
    };
    let analysis = analyze_run(&spans);
    let view = RunView::new(&spans, &analysis, &cfg);
    let t = view.transcript();
    let v = match judge::parse_judge_answer(answer, t.steps.len()) {
        Ok(v) => v,
        Err(e) => {
            pgrx::ereport!(ERROR, PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION, format!("malformed judge answer: {e}"));
        }
    };
    let findings = judge::judge_findings(&v, t, &view);
    Spi::connect_mut(|client| {
        client.update("DELETE FROM agenttrace.failure_annotations WHERE run_id = $1 AND source = 'llm-judge'", None, &[run_id.into()])?;
        for f in &findings {
            let span_ids: Vec<i64> = f.spans.iter().map(|(_, s)| span_id_to_i64(s)).collect();
            let trace = f.spans.first().map(|(t, _)| uuid(t));
            client.update(
                "INSERT INTO agenttrace.failure_annotations
                     (run_id, mode_id, category, severity, confidence, agent_name, trace_id, span_ids, explanation, source, rule, evidence)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'llm-judge', $10,
                         (SELECT jsonb_agg(jsonb_build_object('trace_id', s.trace_id, 'span_id', s.span_id, 'quote', $11::text))
                            FROM agenttrace.spans s WHERE s.run_id = $1 AND s.span_id = ANY ($8)))",
                None,
                &[
                    run_id.into(),
                    f.mode_id.into(),
                    f.category_id.into(),
                    f.severity.as_str().into(),
                    f.confidence.into(),
                    f.agent_name.clone().into(),
                    trace.into(),
                    span_ids.into(),
                    f.explanation.clone().into(),
                    f.rule.into(),
                    f.quote.clone().into(),
                ],
            )?;
        }
        client.update(
            "INSERT INTO agenttrace.judge_runs AS j (run_id, run_updated_at, model, status, attempts, failed, responsible_agent, verdict, total_tokens)
             VALUES ($1, $2, $3, 'judged', 0, $4, $5, $6, $7)
             ON CONFLICT (run_id) DO UPDATE SET run_updated_at = EXCLUDED.run_updated_at, judged_at = EXCLUDED.judged_at, model = EXCLUDED.model,
                 status = 'judged', attempts = 0, error = NULL, failed = EXCLUDED.failed,
                 responsible_agent = EXCLUDED.responsible_agent, verdict = EXCLUDED.verdict, total_tokens = EXCLUDED.total_tokens",
            None,
            &[
                run_id.into(),
                run_updated_at.into(),
                model.into(),
                v.failed.into(),
                v.responsible_agent.clone().into(),
                to_json(&v).into(),
                total_tokens.into(),
            ],
        )?;
        Ok(findings.len() as i32)
    })
}

extension_sql!(
    r#"
COMMENT ON FUNCTION verdict(uuid) IS
'A run''s verdict as jsonb: operational_status (what the framework reported), verdict (what the analysis concludes: a run reported as success with a content finding of at least mast_settings.verdict_min_confidence is a failure), silent_failure, responsible_agent, decisive_span, the decisive finding with its quote, and one sentence. Computes, never writes (classify() stores it in mast_runs.report). Example: SELECT agenttrace.verdict(run_id) FROM agenttrace.runs WHERE status = ''success'' LIMIT 5;';
COMMENT ON FUNCTION transcript(uuid) IS
'The transcript the content rules read, as jsonb: the task, each agent''s instructions, every step (LLM calls with their input and output, messages and handoffs between agents, tool calls with arguments and results) in order, and the final output. Example: SELECT jsonb_pretty(agenttrace.transcript(run_id)) FROM agenttrace.runs LIMIT 1;';
COMMENT ON FUNCTION judge_prompt(uuid, integer) IS
'The LLM-judge prompt of a run as jsonb {system, user, approx_tokens, truncated, steps}: the 14 MAST mode definitions, the answer format, and the run''s numbered transcript cut to max_tokens (about 4 characters a token). For agenttrace-judge or your own pipeline; store answers with agenttrace.judge_record. Example: SELECT agenttrace.judge_prompt(run_id, 8000) ->> ''user'' FROM agenttrace.runs LIMIT 1;';
COMMENT ON FUNCTION judge_record(uuid, text, text, timestamptz, bigint) IS
'Parses an LLM judge''s answer (the JSON object judge_prompt asks for) for a run and stores it: each mode as an annotation with source ''llm-judge'' (replacing that run''s earlier judge annotations; rule findings stay), evidence spans from the step numbers, and the verdict in agenttrace.judge_runs. Returns the number of annotations. A malformed answer raises 22P02 naming the problem (no JSON, a missing field, an unknown mode, a step out of range) and stores nothing.';
"#,
    name = "comment_judge",
    requires = ["judge_sql", verdict, transcript, judge_prompt, judge_record]
);
