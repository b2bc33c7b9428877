//! Wiring and lifecycle: writers, the HTTP and gRPC listeners (two front doors, one pipeline),
//! and graceful shutdown (stop accepting, answer in-flight requests, drain and commit the queue,
//! exit).
use std::sync::Arc;

use agenttrace_core::otlp::Limits;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

use crate::config::Config;
use crate::db::{Health, Probe, Writer};
use crate::forward::Forwarder;
use crate::ingest::Ingest;
use crate::listen::{self, Listener};
use crate::metrics::Metrics;
use crate::queue::{self, BatchLimits, QueueLimits};
use crate::ratelimit::RateLimiter;
use crate::spool::{self, drain::Drainer, SpoolConfig};

pub async fn run(cfg: Config) -> std::io::Result<()> {
    let tls = match (&cfg.tls_cert, &cfg.tls_key) {
        (Some(cert), Some(key)) => Some(listen::tls_acceptor(cert, key).map_err(std::io::Error::other)?),
        _ => None,
    };
    let metrics = Arc::new(Metrics::new());
    let health = Arc::new(Health::default());
    let forwarder = cfg.forward_endpoint.clone().map(|ep| Forwarder::start(ep, cfg.forward_queue, metrics.clone()));
    let (queue, batcher) = queue::channel(
        QueueLimits { max_requests: cfg.queue_max_requests, max_bytes: cfg.queue_max_bytes },
        BatchLimits { max_bodies: cfg.batch_max_bodies, max_bytes: cfg.batch_max_bytes, flush_interval: cfg.flush_interval },
    );
    let (stop_tx, stop_rx) = watch::channel(false);
    // The spool opens before anything listens: a spool directory that cannot be used is a
    // start-up error, not a stream of 503s.
    let spool = match &cfg.spool_dir {
        Some(dir) => {
            let sc = SpoolConfig { dir: dir.clone(), max_bytes: cfg.spool_max_bytes as u64 };
            let (spool, start) = spool::open(&sc, metrics.clone())
                .map_err(|e| std::io::Error::new(e.kind(), format!("spool directory {}: {e}", dir.display())))?;
            tracing::info!(dir = %dir.display(), max_bytes = cfg.spool_max_bytes, segment_bytes = sc.segment_bytes(), "durable spool on: exports are acknowledged once fsync'd to disk");
            Some((spool, start))
        }
        None => None,
    };
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
    let spool = spool.map(|(spool, start)| {
        // The drainer is one more queue sender: the writers stop once it has stopped too.
        writers.spawn(
            Drainer {
                shared: spool.shared.clone(),
                queue: queue.clone(),
                health: health.clone(),
                metrics: metrics.clone(),
                keep_original: cfg.forward_endpoint.is_some(),
                stop: stop_rx.clone(),
                start,
                // Chunks of at most one batch and 2 MiB (smaller transactions drained faster than
                // 8 MiB ones), four per writer in flight, at most 48 MiB of bodies.
                chunk_bodies: cfg.batch_max_bodies,
                chunk_bytes: cfg.batch_max_bytes.min(2 << 20),
                max_chunks: cfg.pool_size.saturating_mul(4),
                window_bytes: 48 << 20,
            }
            .run(),
        );
        spool
    });

    let ingest = Arc::new(Ingest {
        queue,
        health,
        metrics: metrics.clone(),
        probe: Arc::new(Probe::new(cfg.database_url.clone())),
        auth_token: cfg.auth_token.clone(),
        limits: Limits { max_body_bytes: cfg.max_body_bytes, ..Limits::default() },
        request_timeout: cfg.request_timeout,
        retry_after_secs: cfg.retry_after_secs,
        keep_original: cfg.forward_endpoint.is_some(),
        rate_limiter: cfg.rate_limit_burst().map(|burst| RateLimiter::new(cfg.rate_limit, burst, cfg.rate_limit_clients)),
        spool,
    });
    let base = Listener {
        name: "http",
        max_header_bytes: cfg.max_header_bytes,
        header_read_timeout: cfg.header_read_timeout,
        http2_only: false,
        tls,
        slots: Arc::new(Semaphore::new(cfg.max_connections)),
        metrics,
    };
    let scheme = if base.tls.is_some() { "https" } else { "http" };
    let mut servers = tokio::task::JoinSet::new();

    let http = TcpListener::bind(cfg.http_addr).await?;
    tracing::info!(addr = %listen::local_addr(&http), scheme, "listening for OTLP/HTTP on /v1/traces");
    servers.spawn(base.clone().serve(http, crate::routes::router(ingest.clone()), stop_rx.clone()));
    if let Some(addr) = cfg.grpc_addr.0 {
        let grpc = TcpListener::bind(addr).await?;
        tracing::info!(addr = %listen::local_addr(&grpc), tls = scheme == "https", "listening for OTLP/gRPC (TraceService/Export)");
        let l = Listener { name: "grpc", http2_only: true, ..base.clone() };
        servers.spawn(l.serve(grpc, crate::grpc::router(ingest.clone()), stop_rx.clone()));
    }
    // From here on only the routers (inside the servers) and the spool's drainer hold the queue
    // sender: once both servers stopped, every open request was answered and the drainer settled
    // what it had in flight, it is dropped, which tells the writers to drain and stop. (Spooled
    // bodies not yet committed stay on disk for the next start.)
    drop((ingest, base, stop_rx));

    tokio::select! {
        _ = shutdown_signal() => {}
        // a server ending on its own is not expected; stop the rest too
        _ = servers.join_next() => tracing::error!("a listener stopped unexpectedly"),
    }
    let _ = stop_tx.send(true);
    let closed = tokio::time::timeout(cfg.shutdown_timeout, async { while servers.join_next().await.is_some() {} }).await;
    if closed.is_err() {
        tracing::warn!(timeout = ?cfg.shutdown_timeout, "connections still open after the shutdown timeout; closing them");
        servers.abort_all();
        while servers.join_next().await.is_some() {}
    }

    tracing::info!("servers stopped; draining the queue");
    let drained = tokio::time::timeout(cfg.shutdown_timeout, async { while writers.join_next().await.is_some() {} }).await;
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
