//! agenttrace-ingress: OTLP/HTTP receiver for pg_agenttrace. See the crate docs in lib.rs.
use std::io::IsTerminal;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use agenttrace_ingress::config::Config;

fn main() -> std::process::ExitCode {
    let cfg = match Config::parse().validate() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("agenttrace-ingress: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    if cfg.log_json {
        tracing_subscriber::fmt().with_env_filter(filter).json().init();
    } else {
        // Colour only on a terminal: log files and collectors get plain text.
        tracing_subscriber::fmt().with_env_filter(filter).with_ansi(std::io::stdout().is_terminal()).init();
    }
    tracing::info!(config = %cfg.redacted(), version = env!("CARGO_PKG_VERSION"), "starting agenttrace-ingress");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match rt.block_on(agenttrace_ingress::server::run(cfg)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "fatal");
            std::process::ExitCode::FAILURE
        }
    }
}
