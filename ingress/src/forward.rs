//! Optional dual export: every body the database accepted is POSTed, unchanged (same bytes, content
//! type and encoding), to a second OTLP/HTTP endpoint. It runs beside the database path and can
//! never slow or fail it: a bounded queue, `try_send`, and drop-and-count when it is full.
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE};
use tokio::sync::{mpsc, Mutex};

use crate::metrics::{Metrics, ResultLabel};
use crate::queue::Original;

/// Concurrent POSTs to the forward endpoint.
const SENDERS: usize = 4;

pub struct Forwarder {
    tx: mpsc::Sender<Original>,
    metrics: Arc<Metrics>,
}

impl Forwarder {
    /// Starts the sender tasks; they end when the Forwarder is dropped and its queue is empty.
    pub fn start(endpoint: String, capacity: usize, metrics: Arc<Metrics>) -> Arc<Forwarder> {
        let (tx, rx) = mpsc::channel::<Original>(capacity.max(1));
        let rx = Arc::new(Mutex::new(rx));
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("http client");
        for _ in 0..SENDERS {
            let (rx, client, endpoint, metrics) = (rx.clone(), client.clone(), endpoint.clone(), metrics.clone());
            tokio::spawn(async move {
                loop {
                    let Some(item) = rx.lock().await.recv().await else { return };
                    let mut req = client.post(&endpoint).body(item.body);
                    if let Some(ct) = &item.content_type {
                        req = req.header(CONTENT_TYPE, ct);
                    }
                    if let Some(ce) = &item.content_encoding {
                        req = req.header(CONTENT_ENCODING, ce);
                    }
                    let result = match req.send().await {
                        Ok(r) if r.status().is_success() => "sent",
                        Ok(r) => {
                            tracing::debug!(status = %r.status(), "forward endpoint refused a body");
                            "failed"
                        }
                        Err(e) => {
                            tracing::debug!(error = %e, "forwarding failed");
                            "failed"
                        }
                    };
                    metrics.forward.get_or_create(&ResultLabel { result }).inc();
                }
            });
        }
        Arc::new(Forwarder { tx, metrics })
    }

    /// Queues a body for forwarding, or drops it (counted) when the queue is full.
    pub fn offer(&self, item: Original) {
        if self.tx.try_send(item).is_err() {
            self.metrics.forward.get_or_create(&ResultLabel { result: "dropped" }).inc();
        }
    }
}
