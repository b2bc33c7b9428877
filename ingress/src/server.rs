//! Wiring and lifecycle: writers, HTTP server, and graceful shutdown (stop accepting, answer
//! in-flight requests, drain and commit the queue, exit).
use std::sync::Arc;

use agenttrace_core::otlp::Limits;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::db::{Health, Probe, Writer};
use crate::forward::Forwarder;
use crate::metrics::Metrics;
use crate::queue::{self, BatchLimits, QueueLimits};
use crate::routes::{router, AppState};

pub async fn run(cfg: Config) -> std::io::Result<()> {
    let metrics = Arc::new(Metrics::new());
    let health = Arc::new(Health::default());
    let forwarder = cfg.forward_endpoint.clone().map(|ep| Forwarder::start(ep, cfg.forward_queue, metrics.clone()));
    let (queue, batcher) = queue::channel(
        QueueLimits { max_requests: cfg.queue_max_requests, max_bytes: cfg.queue_max_bytes },
        BatchLimits { max_bodies: cfg.batch_max_bodies, max_bytes: cfg.batch_max_bytes, flush_interval: cfg.flush_interval },
    );
    let mut writers = tokio::task::JoinSet::new();
    for id in 0..cfg.pool_size {
        writers.spawn(
            Writer {
                id,
                url: cfg.database_url.clone(),
                batcher: batcher.clone(),
                health: health.clone(),
                metrics: metrics.clone(),
                forwarder: forwarder.clone(),
            }
            .run(),
        );
    }
    drop(forwarder); // the writers hold it now; it stops when they do

    let state = Arc::new(AppState {
        queue,
        health,
        metrics,
        probe: Arc::new(Probe::new(cfg.database_url.clone())),
        auth_token: cfg.auth_token.clone(),
        limits: Limits { max_body_bytes: cfg.max_body_bytes, ..Limits::default() },
        request_timeout: cfg.request_timeout,
        retry_after_secs: cfg.retry_after_secs,
        keep_original: cfg.forward_endpoint.is_some(),
    });
    let listener = TcpListener::bind(cfg.http_addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "listening for OTLP/HTTP on /v1/traces");
    // Serving ends once the signal came and every open request was answered; the router (and
    // with it the last queue sender) is dropped then, which tells the writers to drain and stop.
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await?;

    tracing::info!("HTTP server stopped; draining the queue");
    let drained = tokio::time::timeout(cfg.shutdown_timeout, async {
        while writers.join_next().await.is_some() {}
    })
    .await;
    match drained {
        Ok(()) => tracing::info!("queue drained; bye"),
        Err(_) => tracing::warn!(timeout = ?cfg.shutdown_timeout, "queue not drained in time; exiting anyway"),
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT: shutting down"),
        _ = term => tracing::info!("SIGTERM: shutting down"),
    }
}
