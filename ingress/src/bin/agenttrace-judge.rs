//! agenttrace-judge: the optional LLM judge for pg_agenttrace (see `agenttrace_ingress::judge`).
use std::io::IsTerminal;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use agenttrace_ingress::judge::{self, JudgeConfig};

fn main() -> std::process::ExitCode {
    let cfg = match JudgeConfig::parse().validate() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("agenttrace-judge: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(std::io::stderr().is_terminal()).with_writer(std::io::stderr).init();
    tracing::info!(config = %cfg.redacted(), "starting agenttrace-judge");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    match rt.block_on(judge::run(cfg)) {
        Ok(s) => {
            println!(
                "judged={} failed={} annotations={} tokens={} stopped_by_cap={}",
                s.judged, s.failed, s.annotations, s.tokens, s.stopped_by_cap
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!(error = %e, "fatal");
            std::process::ExitCode::FAILURE
        }
    }
}
