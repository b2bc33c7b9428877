//! Settings of `agenttrace-judge`: flags with environment fallbacks, like the ingress.
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::config::parse_duration;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "agenttrace-judge",
    version,
    about = "Optional LLM judge for pg_agenttrace: sends finished runs' transcripts to an OpenAI-compatible chat-completions endpoint and stores the MAST verdicts with agenttrace.judge_record (source 'llm-judge')"
)]
pub struct JudgeConfig {
    /// PostgreSQL connection string (the database with the pg_agenttrace extension).
    #[arg(long, env = "DATABASE_URL", default_value = "postgres://postgres@127.0.0.1:5433/agenttrace")]
    pub database_url: String,
    /// Base URL of an OpenAI-compatible API (`.../v1`; `/chat/completions` is appended), e.g.
    /// https://api.openai.com/v1, http://127.0.0.1:11434/v1 (Ollama), http://127.0.0.1:8000/v1 (vLLM).
    #[arg(long = "url", env = "AGENTTRACE_JUDGE_URL")]
    pub url: String,
    /// Model name sent to the endpoint; stored with each verdict.
    #[arg(long, env = "AGENTTRACE_JUDGE_MODEL", default_value = "gpt-4o-mini")]
    pub model: String,
    /// API key (sent as `Authorization: Bearer`); prefer --api-key-file.
    #[arg(long, env = "AGENTTRACE_JUDGE_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// File holding the API key (first line).
    #[arg(long, env = "AGENTTRACE_JUDGE_API_KEY_FILE")]
    pub api_key_file: Option<PathBuf>,
    /// Time limit of one HTTP attempt.
    #[arg(long, env = "AGENTTRACE_JUDGE_TIMEOUT", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Retries after a 429, a 5xx, a timeout or a connection error (then the run is recorded as an error).
    #[arg(long, env = "AGENTTRACE_JUDGE_MAX_RETRIES", default_value_t = 4)]
    pub max_retries: u32,
    /// First back-off (doubles per retry) when the endpoint sends no Retry-After.
    #[arg(long, env = "AGENTTRACE_JUDGE_BACKOFF", default_value = "1s", value_parser = parse_duration)]
    pub backoff: Duration,
    /// Longest wait between two attempts (also caps Retry-After).
    #[arg(long, env = "AGENTTRACE_JUDGE_MAX_BACKOFF", default_value = "60s", value_parser = parse_duration)]
    pub max_backoff: Duration,
    /// Requests per minute at most.
    #[arg(long, env = "AGENTTRACE_JUDGE_RATE", default_value_t = 20.0)]
    pub rate_per_minute: f64,
    /// Spend cap: stop sending once the endpoint reported this many tokens in total (0 = no cap).
    #[arg(long = "max-tokens", env = "AGENTTRACE_JUDGE_MAX_TOKENS", default_value_t = 2_000_000)]
    pub max_total_tokens: i64,
    /// Spend cap: judge at most this many runs per process (0 = no cap).
    #[arg(long, env = "AGENTTRACE_JUDGE_MAX_RUNS", default_value_t = 0)]
    pub max_runs: u64,
    /// Token budget of one prompt (passed to agenttrace.judge_prompt; the transcript is cut to fit).
    #[arg(long, env = "AGENTTRACE_JUDGE_PROMPT_TOKENS", default_value_t = 12_000)]
    pub prompt_tokens: i32,
    /// A run is finished when it received nothing for this long.
    #[arg(long, env = "AGENTTRACE_JUDGE_IDLE", default_value = "2m", value_parser = parse_duration)]
    pub idle: Duration,
    /// How often to look for finished runs.
    #[arg(long, env = "AGENTTRACE_JUDGE_POLL", default_value = "30s", value_parser = parse_duration)]
    pub poll: Duration,
    /// Judge the runs pending now, then exit (for cron jobs and tests).
    #[arg(long)]
    pub once: bool,
}

impl JudgeConfig {
    /// The key from --api-key or the first line of --api-key-file.
    pub fn api_key(&self) -> Result<Option<String>, String> {
        if let Some(path) = &self.api_key_file {
            let s = std::fs::read_to_string(path).map_err(|e| format!("api key file {}: {e}", path.display()))?;
            let key = s.lines().next().unwrap_or("").trim().to_string();
            if key.is_empty() {
                return Err(format!("api key file {} is empty", path.display()));
            }
            return Ok(Some(key));
        }
        Ok(self.api_key.clone().filter(|k| !k.trim().is_empty()))
    }

    pub fn validate(self) -> Result<JudgeConfig, String> {
        let u = url::Url::parse(&self.url).map_err(|e| format!("--url {:?}: {e}", self.url))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err(format!("--url {:?}: use http or https", self.url));
        }
        if self.model.trim().is_empty() {
            return Err("--model is empty".into());
        }
        if !(self.rate_per_minute > 0.0 && self.rate_per_minute.is_finite()) {
            return Err("--rate-per-minute must be > 0".into());
        }
        if self.prompt_tokens < 500 {
            return Err("--prompt-tokens must be at least 500".into());
        }
        self.api_key()?;
        Ok(self)
    }

    /// Settings for the log, with the key hidden.
    pub fn redacted(&self) -> String {
        format!(
            "url={} model={} key={} timeout={:?} retries={} rate/min={} max_tokens={} max_runs={} idle={:?} once={}",
            self.url,
            self.model,
            if self.api_key.is_some() || self.api_key_file.is_some() { "set" } else { "none" },
            self.timeout,
            self.max_retries,
            self.rate_per_minute,
            self.max_total_tokens,
            self.max_runs,
            self.idle,
            self.once
        )
    }
}
