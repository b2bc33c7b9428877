//! `agenttrace-judge`: the optional LLM judge, a second opinion beside the rule engine (the
//! method the MAST paper validated). Off unless started. It polls the database for finished runs
//! (`agenttrace.judge_pending`: idle for a while and not judged at their current size), asks
//! `agenttrace.judge_prompt` for the prompt (mode definitions + the run's transcript within a
//! token budget), sends it to an OpenAI-compatible endpoint ([`client`]) and hands the answer to
//! `agenttrace.judge_record`, which parses it and stores the modes as annotations with source
//! `llm-judge` — or refuses malformed output with a clear error, recorded with
//! `agenttrace.judge_failed` (a run is tried three times at most per size).
pub mod client;
pub mod config;

use tokio_postgres::NoTls;

pub use client::{Answer, CallError, JudgeClient};
pub use config::JudgeConfig;

/// What one process did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub judged: u64,
    pub failed: u64,
    pub annotations: i64,
    pub tokens: i64,
    pub stopped_by_cap: bool,
}

/// Runs the judge until stopped (or, with `--once`, until the pending runs are done).
pub async fn run(cfg: JudgeConfig) -> Result<Summary, String> {
    let (db, conn) = tokio_postgres::connect(&cfg.database_url, NoTls).await.map_err(|e| format!("database: {e}"))?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::error!(error = %e, "database connection ended");
        }
    });
    let mut client = JudgeClient::new(&cfg)?;
    let mut sum = Summary::default();
    loop {
        let pending = db
            .query(
                "SELECT run_id::text, updated_at FROM agenttrace.judge_pending($1::float8, $2::int)",
                &[&cfg.idle.as_secs_f64(), &100i32],
            )
            .await
            .map_err(|e| format!("judge_pending: {e}"))?;
        for row in &pending {
            if cap_reached(&cfg, &sum) {
                sum.stopped_by_cap = true;
                tracing::warn!(tokens = sum.tokens, judged = sum.judged, "spend cap reached: no more judge calls in this process");
                return Ok(sum);
            }
            let (Ok(run_id), Ok(updated_at)) = (row.try_get::<_, String>(0), row.try_get::<_, std::time::SystemTime>(1)) else {
                continue;
            };
            judge_one(&db, &mut client, &cfg, &run_id, updated_at, &mut sum).await?;
        }
        if cfg.once {
            return Ok(sum);
        }
        tokio::time::sleep(cfg.poll).await;
    }
}

fn cap_reached(cfg: &JudgeConfig, sum: &Summary) -> bool {
    (cfg.max_total_tokens > 0 && sum.tokens >= cfg.max_total_tokens) || (cfg.max_runs > 0 && sum.judged + sum.failed >= cfg.max_runs)
}

async fn judge_one(
    db: &tokio_postgres::Client,
    client: &mut JudgeClient,
    cfg: &JudgeConfig,
    run_id: &str,
    updated_at: std::time::SystemTime,
    sum: &mut Summary,
) -> Result<(), String> {
    let prompt: Option<String> = db
        .query_one("SELECT agenttrace.judge_prompt($1::text::uuid, $2)::text", &[&run_id, &cfg.prompt_tokens])
        .await
        .and_then(|row| row.try_get(0))
        .map_err(|e| format!("judge_prompt({run_id}): {e}"))?;
    // {system, user, ...}; NULL when the run has no spans (nothing to judge)
    let Some(prompt) = prompt.and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok()) else {
        return Ok(());
    };
    let text = |k: &str| prompt.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let error = match client.ask(&text("system"), &text("user")).await {
        Ok(answer) => {
            sum.tokens += answer.total_tokens;
            match db
                .query_one(
                    "SELECT agenttrace.judge_record($1::text::uuid, $2, $3, $4, $5)",
                    &[&run_id, &cfg.model, &answer.content, &updated_at, &answer.total_tokens],
                )
                .await
            {
                Ok(row) => {
                    let n: i32 = row.try_get(0).unwrap_or(0);
                    sum.judged += 1;
                    sum.annotations += i64::from(n);
                    tracing::info!(run_id, annotations = n, tokens = answer.total_tokens, attempts = answer.attempts, "run judged");
                    return Ok(());
                }
                Err(e) => e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string()),
            }
        }
        Err(e) => e.to_string(),
    };
    sum.failed += 1;
    tracing::warn!(run_id, error = %error, "judge failed for this run");
    db.execute("SELECT agenttrace.judge_failed($1::text::uuid, $2, $3, $4)", &[&run_id, &cfg.model, &error, &updated_at])
        .await
        .map_err(|e| format!("judge_failed({run_id}): {e}"))?;
    Ok(())
}
