//! Accept loop shared by the HTTP and gRPC listeners: connection limit, optional TLS (rustls),
//! header size limits, slow-header timeout, peer address for the rate limiter, and graceful
//! shutdown (stop accepting, let open requests finish, close idle connections).
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

use crate::ingest::PeerAddr;
use crate::metrics::Metrics;

/// hyper's smallest HTTP/1 read buffer.
const MIN_H1_BUF: usize = 8192;
/// Longest a TLS handshake may take before the connection is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Listener {
    /// "http" or "grpc", for logs.
    pub name: &'static str,
    /// Largest request header block: HTTP/1 read buffer (hyper answers 431 when the head does not
    /// fit), HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE (h2 answers 431 / refuses the stream).
    pub max_header_bytes: usize,
    /// Time a client has to send a complete HTTP/1 request head; also closes idle keep-alive
    /// HTTP/1 connections (so they do not hold a connection slot forever).
    pub header_read_timeout: Duration,
    /// Only HTTP/2 (prior knowledge or ALPN h2), as gRPC needs; otherwise HTTP/1.1 and HTTP/2.
    pub http2_only: bool,
    pub tls: Option<TlsAcceptor>,
    /// Connection slots shared by every listener (--max-connections).
    pub slots: Arc<Semaphore>,
    pub metrics: Arc<Metrics>,
}

/// Loads a PEM certificate chain and private key into a rustls acceptor offering h2 and http/1.1.
pub fn tls_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("reading {}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("parsing {}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("no certificate in {}", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("reading the private key {}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("TLS certificate/key: {e}"))?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(cfg)))
}

impl Listener {
    fn builder(&self) -> auto::Builder<TokioExecutor> {
        let mut b = auto::Builder::new(TokioExecutor::new());
        b.http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout)
            .max_buf_size(self.max_header_bytes.max(MIN_H1_BUF));
        b.http2()
            .timer(TokioTimer::new())
            .max_header_list_size(u32::try_from(self.max_header_bytes).unwrap_or(u32::MAX))
            // notice dead peers (and free their slot) on otherwise silent HTTP/2 connections
            .keep_alive_interval(Some(Duration::from_secs(30)))
            .keep_alive_timeout(Duration::from_secs(20));
        if self.http2_only {
            b = b.http2_only();
        }
        b
    }

    /// Serves `app` on `listener` until `shutdown` turns true (or its sender is dropped), then
    /// waits for open connections to finish their requests. Returns once every connection closed.
    pub async fn serve(self, listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
        let builder = self.builder();
        let graceful = GracefulShutdown::new();
        let mut warned_full = false;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let (stream, peer) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(x) => x,
                    Err(e) => {
                        // EMFILE and friends: back off instead of spinning
                        tracing::warn!(listener = self.name, error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = shutdown.changed() => continue,
            };
            // Then a slot (shared by all listeners, so none may hold one while idle in accept):
            // beyond --max-connections this connection waits unserved, and the loop accepts no
            // more, so further clients wait in the kernel's backlog until a connection closes.
            let permit = match self.slots.clone().try_acquire_owned() {
                Ok(p) => p,
                Err(_) => {
                    self.metrics.connection_limit_waits.inc();
                    if !warned_full {
                        tracing::warn!(listener = self.name, "connection limit reached; new connections wait");
                        warned_full = true;
                    }
                    tokio::select! {
                        p = self.slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
                        _ = shutdown.changed() => continue,
                    }
                }
            };
            if self.slots.available_permits() > 0 {
                warned_full = false;
            }
            let _ = stream.set_nodelay(true);
            let watcher = graceful.watcher();
            let (builder, app, tls, metrics, name) = (builder.clone(), app.clone(), self.tls.clone(), self.metrics.clone(), self.name);
            tokio::spawn(async move {
                let _permit = permit;
                metrics.connections_open.inc();
                let _open = OnDrop(|| {
                    metrics.connections_open.dec();
                });
                let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let mut req = req.map(Body::new);
                    req.extensions_mut().insert(PeerAddr(peer));
                    let mut app = app.clone();
                    async move { tower_service::Service::call(&mut app, req).await }
                });
                let result = match tls {
                    None => watcher.watch(builder.serve_connection(TokioIo::new(stream), svc).into_owned()).await,
                    Some(acceptor) => match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => watcher.watch(builder.serve_connection(TokioIo::new(tls), svc).into_owned()).await,
                        Ok(Err(e)) => {
                            tracing::debug!(listener = name, %peer, error = %e, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(listener = name, %peer, "TLS handshake timed out");
                            return;
                        }
                    },
                };
                if let Err(e) = result {
                    tracing::debug!(listener = name, %peer, error = %e, "connection ended with an error");
                }
            });
        }
        drop(listener);
        tracing::info!(listener = self.name, open = graceful.count(), "stopped accepting; waiting for open connections");
        graceful.shutdown().await;
    }
}

pub fn local_addr(l: &TcpListener) -> SocketAddr {
    l.local_addr().expect("bound listener has an address")
}

struct OnDrop<F: FnMut()>(F);
impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}
