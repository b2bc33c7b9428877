//! SQL capability: MAST failure classification and failure attribution.
//!
//! `agenttrace.classify(run_id)` runs the rule engine (`agenttrace_core::mast`) over a stored run
//! and replaces that run's `source = 'rules'` annotations; `agenttrace.classify_pending()` does
//! so for every finished run not yet classified (a TimescaleDB job / pg_cron entry point);
//! `agenttrace.attribute_failure(run_id)` and `agenttrace.mast_report(run_id)` compute without
//! writing. Rule settings come from `agenttrace.mast_settings` on every call. Tables, views and
//! `agenttrace.annotate()` are in sql/mast.sql.
use std::collections::HashMap;

use agenttrace_core::analyze::{analyze_run, RunAnalysis};
use agenttrace_core::ids::{span_id_to_i64, TraceId};
use agenttrace_core::mast::{attribution_as_asked, classify as classify_run, rules, Finding, MastConfig, MastReport};
use agenttrace_core::model::SpanRecord;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};
use pgrx::JsonB;

use crate::columns::{trace_id, uuid, Columns};

extension_sql_file!("../../sql/mast.sql", name = "mast");

/// Rule settings from `agenttrace.mast_settings` (defaults for missing or ill-typed keys).
pub(crate) fn load_config(client: &SpiClient<'_>) -> SpiResult<MastConfig> {
    let t = client.select("SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb)::text FROM agenttrace.mast_settings", None, &[])?;
    let mut settings = serde_json::Map::new();
    for row in t {
        if let Some(text) = row.get::<String>(1)? {
            if let Ok(serde_json::Value::Object(m)) = serde_json::from_str(&text) {
                settings = m;
            }
        }
    }
    Ok(MastConfig::from_settings(&settings))
}

/// True when `agenttrace.mast_settings.auto_classify` is the JSON `true` (anything else is the
/// default, off): the ingest path then calls [`classify_runs`] for the runs it touched. Asked on
/// every ingest, so it reads the one key through a cached plan instead of loading every setting.
pub(crate) fn auto_classify_enabled(client: &mut SpiClient<'_>) -> SpiResult<bool> {
    let t = crate::columns::execute_cached(
        client,
        "SELECT coalesce((SELECT value = 'true'::jsonb FROM agenttrace.mast_settings WHERE key = 'auto_classify'), false)",
        &[],
    )?;
    Ok(t.first().get_one::<bool>()?.unwrap_or(false))
}

/// Stored spans of the given runs, grouped by run (every requested run present, maybe empty).
pub(crate) fn load_runs(client: &SpiClient<'_>, run_ids: &[TraceId]) -> SpiResult<Vec<(TraceId, Vec<SpanRecord>)>> {
    let ids: Vec<pgrx::Uuid> = run_ids.iter().map(uuid).collect();
    let mut run_of: HashMap<TraceId, TraceId> = HashMap::new();
    for row in client.select("SELECT trace_id, run_id FROM agenttrace.traces WHERE run_id = ANY($1)", None, &[ids.into()])? {
        if let (Some(t), Some(r)) = (row.get::<pgrx::Uuid>(1)?, row.get::<pgrx::Uuid>(2)?) {
            run_of.insert(trace_id(&t), trace_id(&r));
        }
    }
    let traces: Vec<TraceId> = run_of.keys().copied().collect();
    let spans = if traces.is_empty() { Vec::new() } else { crate::store::load_spans(client, &traces)? };
    let mut by_run: HashMap<TraceId, Vec<SpanRecord>> = run_ids.iter().map(|r| (*r, Vec::new())).collect();
    for s in spans {
        let r = run_of.get(&s.trace_id).copied().unwrap_or(s.trace_id);
        by_run.entry(r).or_default().push(s);
    }
    let mut out: Vec<(TraceId, Vec<SpanRecord>)> = by_run.into_iter().collect();
    out.sort_by_key(|(r, _)| *r);
    Ok(out)
}

/// Classifies the given runs, replaces their rule annotations (other sources are kept) and
/// records the per-mode report in `agenttrace.mast_runs`. Runs without stored spans are skipped.
/// Returns the reports. The ingest path calls this when `auto_classify` is on.
pub(crate) fn classify_runs(client: &mut SpiClient<'_>, run_ids: &[TraceId]) -> SpiResult<Vec<(TraceId, MastReport)>> {
    if run_ids.is_empty() {
        return Ok(Vec::new());
    }
    let cfg = load_config(client)?;
    let mut reports = Vec::new();
    for (run, spans) in load_runs(client, run_ids)? {
        pgrx::check_for_interrupts!();
        if spans.is_empty() {
            continue;
        }
        let analysis = analyze_run(&spans);
        reports.push((run, classify_run(&spans, &analysis, &cfg)));
    }
    write_reports(client, &reports)?;
    Ok(reports)
}

/// Replaces the runs' rule annotations with their reports' findings and upserts their
/// `mast_runs` rows.
fn write_reports(client: &mut SpiClient<'_>, reports: &[(TraceId, MastReport)]) -> SpiResult<()> {
    if reports.is_empty() {
        return Ok(());
    }
    let ids: Vec<pgrx::Uuid> = reports.iter().map(|(r, _)| uuid(r)).collect();
    client.update("DELETE FROM agenttrace.failure_annotations WHERE run_id = ANY($1) AND source = 'rules'", None, &[ids.into()])?;
    write_findings(client, reports)?;
    write_runs(client, reports)
}

/// One `failure_annotations` row per finding of every report (`source = 'rules'`).
fn write_findings(client: &mut SpiClient<'_>, reports: &[(TraceId, MastReport)]) -> SpiResult<()> {
    let rows: Vec<(&TraceId, &Finding)> = reports.iter().flat_map(|(run, rep)| rep.findings.iter().map(move |f| (run, f))).collect();
    if rows.is_empty() {
        return Ok(());
    }
    Columns::new()
        .map("run_id", "uuid", &rows, |(run, _)| uuid(run))
        .map("mode_id", "text", &rows, |(_, f)| f.mode_id.to_string())
        .map("category", "text", &rows, |(_, f)| f.category_id.to_string())
        .map("severity", "text", &rows, |(_, f)| f.severity.as_str().to_string())
        .map("confidence", "float4", &rows, |(_, f)| f.confidence)
        .map("agent_name", "text", &rows, |(_, f)| f.agent_name.clone())
        .map("trace_id", "uuid", &rows, |(_, f)| f.spans.first().map(|(t, _)| uuid(t)))
        .map("evidence", "text", &rows, |(_, f)| serde_json::Value::Array(evidence(f)).to_string())
        .map("explanation", "text", &rows, |(_, f)| f.explanation.clone())
        .map("rule", "text", &rows, |(_, f)| f.rule.to_string())
        .run(
            client,
            "INSERT INTO agenttrace.failure_annotations
                      (run_id, mode_id, category, severity, confidence, agent_name, trace_id, span_ids, explanation, source, rule, evidence)
                 SELECT u.run_id, u.mode_id, u.category, u.severity, u.confidence, u.agent_name, u.trace_id,
                        ARRAY(SELECT (e ->> 'span_id')::bigint FROM jsonb_array_elements(u.evidence::jsonb) e),
                        u.explanation, 'rules', u.rule, u.evidence::jsonb
                   FROM {unnest}",
        )?;
    Ok(())
}

/// One `mast_runs` row per report: outcome, finding count, attribution and the report itself.
fn write_runs(client: &mut SpiClient<'_>, reports: &[(TraceId, MastReport)]) -> SpiResult<()> {
    fn decisive(rep: &MastReport) -> Option<&agenttrace_core::mast::SpanLoc> {
        rep.attribution.as_ref().and_then(|a| a.decisive_span.as_ref())
    }
    Columns::new()
        .map("run_id", "uuid", reports, |(run, _)| uuid(run))
        .map("outcome", "text", reports, |(_, rep)| rep.outcome.to_string())
        .map("finding_count", "int4", reports, |(_, rep)| rep.findings.len() as i32)
        .map("responsible_agent", "text", reports, |(_, rep)| rep.attribution.as_ref().and_then(|a| a.responsible_agent.clone()))
        .map("decisive_trace_id", "uuid", reports, |(_, rep)| {
            decisive(rep).and_then(|s| agenttrace_core::ids::from_hex::<16>(&s.trace_id)).map(|t| uuid(&t))
        })
        .map("decisive_span_id", "int8", reports, |(_, rep)| decisive(rep).map(|s| s.span_id_int))
        .map("report", "text", reports, |(_, rep)| report_json(rep).to_string())
        .run(
            client,
            if crate::columns::citus_present() {
                // Citus: no subquery on a distributed table correlated with unnest(); the runs'
                // updated_at are fetched first (an intermediate result), then joined.
                "WITH s AS MATERIALIZED (SELECT s.run_id, s.updated_at FROM agenttrace.run_summaries s WHERE s.run_id = ANY($1::uuid[]))
                 INSERT INTO agenttrace.mast_runs AS m
                      (run_id, classified_at, run_updated_at, outcome, finding_count, responsible_agent, decisive_trace_id, decisive_span_id, report)
                 SELECT u.run_id, now(), s.updated_at,
                        u.outcome, u.finding_count, u.responsible_agent, u.decisive_trace_id, u.decisive_span_id, u.report::jsonb
                   FROM {unnest} LEFT JOIN s ON s.run_id = u.run_id
                 ON CONFLICT (run_id) DO UPDATE SET classified_at = EXCLUDED.classified_at, run_updated_at = EXCLUDED.run_updated_at,
                      outcome = EXCLUDED.outcome, finding_count = EXCLUDED.finding_count, responsible_agent = EXCLUDED.responsible_agent,
                      decisive_trace_id = EXCLUDED.decisive_trace_id, decisive_span_id = EXCLUDED.decisive_span_id, report = EXCLUDED.report"
            } else {
            "INSERT INTO agenttrace.mast_runs AS m
                  (run_id, classified_at, run_updated_at, outcome, finding_count, responsible_agent, decisive_trace_id, decisive_span_id, report)
             SELECT u.run_id, now(), (SELECT s.updated_at FROM agenttrace.run_summaries s WHERE s.run_id = u.run_id),
                    u.outcome, u.finding_count, u.responsible_agent, u.decisive_trace_id, u.decisive_span_id, u.report::jsonb
               FROM {unnest}
             ON CONFLICT (run_id) DO UPDATE SET classified_at = EXCLUDED.classified_at, run_updated_at = EXCLUDED.run_updated_at,
                  outcome = EXCLUDED.outcome, finding_count = EXCLUDED.finding_count, responsible_agent = EXCLUDED.responsible_agent,
                  decisive_trace_id = EXCLUDED.decisive_trace_id, decisive_span_id = EXCLUDED.decisive_span_id, report = EXCLUDED.report"
            },
        )?;
    Ok(())
}

/// A finding's evidence spans as `{trace_id, span_id}` objects, most important first.
fn evidence(f: &Finding) -> Vec<serde_json::Value> {
    f.spans.iter().map(|(t, s)| serde_json::json!({"trace_id": uuid(t).to_string(), "span_id": span_id_to_i64(s)})).collect()
}

/// The report as JSON, with every finding's evidence as `{trace_id, span_id}`.
fn report_json(rep: &MastReport) -> serde_json::Value {
    let mut v = serde_json::to_value(rep).unwrap_or(serde_json::Value::Null);
    if let (Some(arr), serde_json::Value::Object(o)) = (v.get("findings").and_then(|f| f.as_array()).cloned(), &mut v) {
        let with_ev: Vec<serde_json::Value> = arr
            .into_iter()
            .zip(&rep.findings)
            .map(|(mut j, f)| {
                if let serde_json::Value::Object(m) = &mut j {
                    m.insert("evidence".into(), serde_json::Value::Array(evidence(f)));
                }
                j
            })
            .collect();
        o.insert("findings".into(), serde_json::Value::Array(with_ev));
    }
    v
}

type FindingRow = (String, String, String, f32, Option<String>, Option<pgrx::Uuid>, Vec<i64>, String, String);

/// Classifies one run with the MAST rules and stores the findings (replacing earlier rule findings).
#[allow(clippy::type_complexity)] // pgrx wants the row tuple spelled out
#[pg_extern(volatile, parallel_unsafe)]
fn classify(
    run_id: pgrx::Uuid,
) -> Result<
    TableIterator<
        'static,
        (
            name!(mode_id, String),
            name!(category, String),
            name!(severity, String),
            name!(confidence, f32),
            name!(agent_name, Option<String>),
            name!(trace_id, Option<pgrx::Uuid>),
            name!(span_ids, Vec<i64>),
            name!(explanation, String),
            name!(rule, String),
        ),
    >,
    pgrx::spi::Error,
> {
    let run = trace_id(&run_id);
    let reports = Spi::connect_mut(|client| classify_runs(client, &[run]))?;
    let rows: Vec<FindingRow> = reports
        .into_iter()
        .flat_map(|(_, rep)| rep.findings)
        .map(|f| {
            (
                f.mode_id.to_string(),
                f.category_id.to_string(),
                f.severity.as_str().to_string(),
                f.confidence,
                f.agent_name,
                f.spans.first().map(|(t, _)| uuid(t)),
                f.spans.iter().map(|(_, s)| span_id_to_i64(s)).collect(),
                f.explanation,
                f.rule.to_string(),
            )
        })
        .collect();
    Ok(TableIterator::new(rows))
}

/// Classifies finished runs that were never classified or grew since (oldest first).
#[pg_extern(volatile, parallel_unsafe)]
fn classify_pending(max_runs: default!(Option<i32>, "NULL")) -> Result<i64, pgrx::spi::Error> {
    Spi::connect_mut(|client| {
        let limit: i64 = match max_runs {
            Some(n) => n.max(0) as i64,
            None => client
                .select("SELECT (value #>> '{}')::bigint FROM agenttrace.mast_settings WHERE key = 'pending_batch_size'", None, &[])?
                .into_iter()
                .find_map(|r| r.get::<i64>(1).ok().flatten())
                .unwrap_or(500),
        };
        let mut runs = Vec::new();
        for row in client.select("SELECT run_id FROM agenttrace.mast_pending_runs ORDER BY updated_at LIMIT $1", None, &[limit.into()])? {
            if let Some(u) = row.get::<pgrx::Uuid>(1)? {
                runs.push(trace_id(&u));
            }
        }
        let mut n = 0i64;
        for chunk in runs.chunks(64) {
            pgrx::check_for_interrupts!();
            n += classify_runs(client, chunk)?.len() as i64;
        }
        Ok(n)
    })
}

fn report_for(run_id: pgrx::Uuid) -> Result<Option<MastReport>, pgrx::spi::Error> {
    with_report(run_id, |_, _, rep, _| rep)
}

/// `f` over a run's stored spans, their analysis, its MAST report and the settings; `None` when
/// the run has no stored spans.
fn with_report<T>(
    run_id: pgrx::Uuid,
    f: impl FnOnce(&[SpanRecord], &RunAnalysis, MastReport, &MastConfig) -> T,
) -> Result<Option<T>, pgrx::spi::Error> {
    let run = trace_id(&run_id);
    Spi::connect(|client| {
        let cfg = load_config(client)?;
        let mut runs = load_runs(client, &[run])?;
        let Some((_, spans)) = runs.pop().filter(|(_, s)| !s.is_empty()) else {
            return Ok(None);
        };
        let analysis = analyze_run(&spans);
        let report = classify_run(&spans, &analysis, &cfg);
        Ok(Some(f(&spans, &analysis, report, &cfg)))
    })
}

/// Responsible agent, decisive span and ranked candidates of a run, also of one the analysis
/// judged a success (`failure_found` false: a wrong answer nothing contradicts); NULL when the
/// run has no stored spans. Computes, never writes.
#[pg_extern(stable, parallel_safe)]
fn attribute_failure(run_id: pgrx::Uuid) -> Result<Option<JsonB>, pgrx::spi::Error> {
    with_report(run_id, |spans, analysis, rep, cfg| {
        JsonB(serde_json::to_value(attribution_as_asked(spans, analysis, &rep, cfg)).unwrap_or(serde_json::Value::Null))
    })
}

/// The full MAST report of a run (findings with evidence, per-mode judgeability, attribution)
/// without storing anything.
#[pg_extern(stable, parallel_safe)]
fn mast_report(run_id: pgrx::Uuid) -> Result<Option<JsonB>, pgrx::spi::Error> {
    Ok(report_for(run_id)?.map(|rep| JsonB(report_json(&rep))))
}

/// The registered MAST rules.
#[pg_extern(immutable, parallel_safe)]
fn mast_rules() -> TableIterator<'static, (name!(rule, String), name!(mode_id, String), name!(checks, String))> {
    TableIterator::new(rules::rules().into_iter().map(|(r, m, d)| (r.to_string(), m.to_string(), d.to_string())).collect::<Vec<_>>())
}

extension_sql!(
    r#"
COMMENT ON FUNCTION classify(uuid) IS
'Runs the MAST rule engine over the stored spans of one run and returns its findings (mode, category, severity, confidence, responsible agent, evidence spans, one-sentence explanation, rule). Idempotent: replaces the run''s earlier source=''rules'' annotations in agenttrace.failure_annotations and keeps every other source; records per-mode judgeability and the failure attribution in agenttrace.mast_runs. Thresholds and keyword lists come from agenttrace.mast_settings. Example: SELECT * FROM agenttrace.classify((SELECT run_id FROM agenttrace.runs ORDER BY start_time DESC LIMIT 1));';
COMMENT ON FUNCTION classify_pending(integer) IS
'Classifies finished runs (no new span for mast_settings.pending_quiet_seconds) that were never classified or grew since, oldest first, at most max_runs (default mast_settings.pending_batch_size). Returns the number of runs classified. Schedule it with pg_cron (SELECT cron.schedule(''mast'', ''* * * * *'', ''SELECT agenttrace.classify_pending()'')) or TimescaleDB (SELECT add_job(''agenttrace.mast_classify_job'', ''1 minute'')).';
COMMENT ON FUNCTION attribute_failure(uuid) IS
'Failure attribution of a run as jsonb: responsible_agent, decisive_span (trace_id, span_id hex, span_id_int as stored, name), explanation, ranked candidates with scores, decisive step and reasons, and failure_found (whether the analysis itself found the run failed, stopped early or silently failed). Errors are followed back along the span tree and the agent graph to their first cause (a tool error inside researcher that crashed the team is researcher''s); without one, the step where the final answer''s content was made and the findings decide. A run the analysis judged a success is attributed too, with failure_found false: ask about a run you know went wrong (a wrong answer nothing in the trace contradicts). NULL when the run has no stored spans. Example: SELECT jsonb_pretty(agenttrace.attribute_failure(run_id)) FROM agenttrace.runs WHERE status <> ''success'' LIMIT 1;';
COMMENT ON FUNCTION mast_report(uuid) IS
'The complete MAST classification of a run as jsonb without storing it: findings with evidence, every mode''s status (judgeable, not_judgeable with the reason, disabled) and the failure attribution. Handy to try mast_settings changes before classify().';
COMMENT ON FUNCTION mast_rules() IS
'The registered MAST rules: rule name, the mode it detects and what it checks.';

CREATE PROCEDURE mast_classify_job(job_id integer, config jsonb)
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM agenttrace.classify_pending((config ->> 'max_runs')::integer);
END
$$;
COMMENT ON PROCEDURE mast_classify_job(integer, jsonb) IS
'TimescaleDB job wrapper around agenttrace.classify_pending(); config may hold {"max_runs": n}. Example: SELECT add_job(''agenttrace.mast_classify_job'', ''1 minute'');';
"#,
    name = "comment_mast",
    requires = ["mast", classify, classify_pending, attribute_failure, mast_report, mast_rules]
);
