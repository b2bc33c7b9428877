//! Configuration: command-line flags with environment fallbacks (12-factor friendly), validated
//! once at start and logged with secrets hidden.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Parses "5ms", "2s", "1m" or a bare number of milliseconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().map_err(|_| format!("invalid duration {s:?}"))?;
    let secs = match unit.trim() {
        "" | "ms" => n / 1000.0,
        "us" | "µs" => n / 1e6,
        "s" => n,
        "m" | "min" => n * 60.0,
        other => return Err(format!("invalid duration unit {other:?} in {s:?} (use us, ms, s or m)")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("invalid duration {s:?}"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Parses "16MiB", "512k", "1048576" (binary multiples: k = KiB).
pub fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: usize = num.parse().map_err(|_| format!("invalid size {s:?}"))?;
    let mult: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("invalid size unit {other:?} in {s:?}")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("size {s:?} overflows"))
}

/// A listen address that can be switched off ("off", "none", "disabled" or empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionalAddr(pub Option<SocketAddr>);

pub fn parse_optional_addr(s: &str) -> Result<OptionalAddr, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "off" | "none" | "disabled" | "false" | "0" => Ok(OptionalAddr(None)),
        _ => s.trim().parse().map(|a| OptionalAddr(Some(a))).map_err(|e| format!("invalid address {s:?}: {e}")),
    }
}

#[derive(Debug, Clone, Parser)]
#[command(
    name = "agenttrace-ingress",
    version,
    about = "OTLP/HTTP trace receiver that writes to PostgreSQL (pg_agenttrace) in COPY batches"
)]
pub struct Config {
    /// PostgreSQL connection string (the database with the pg_agenttrace extension).
    #[arg(long, env = "DATABASE_URL", default_value = "postgres://postgres@127.0.0.1:5433/agenttrace")]
    pub database_url: String,

    /// Address the OTLP/HTTP server listens on.
    #[arg(long = "http-addr", env = "AGENTTRACE_HTTP_ADDR", default_value = "0.0.0.0:4318")]
    pub http_addr: SocketAddr,

    /// Address the OTLP/gRPC server listens on ("off" disables it).
    #[arg(long = "grpc-addr", env = "AGENTTRACE_GRPC_ADDR", value_parser = parse_optional_addr, default_value = "0.0.0.0:4317")]
    pub grpc_addr: OptionalAddr,

    /// PEM certificate chain: serve HTTP and gRPC over TLS (needs --tls-key too).
    #[arg(long, env = "AGENTTRACE_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert.
    #[arg(long, env = "AGENTTRACE_TLS_KEY")]
    pub tls_key: Option<PathBuf>,

    /// Most client connections open at once, HTTP and gRPC together; more wait in the accept backlog.
    #[arg(long, env = "AGENTTRACE_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Largest request header block (HTTP/1 head, HTTP/2 header list); 431 above it. HTTP/1 rounds up to 8KiB.
    #[arg(long, env = "AGENTTRACE_MAX_HEADER_BYTES", value_parser = parse_size, default_value = "32KiB")]
    pub max_header_bytes: usize,

    /// Time to send a complete HTTP/1 request head; also how long an idle HTTP/1 keep-alive connection stays open.
    #[arg(long, env = "AGENTTRACE_HEADER_READ_TIMEOUT", value_parser = parse_duration, default_value = "30s")]
    pub header_read_timeout: Duration,

    /// Export requests per second allowed per client IP (token bucket; 0 = no limit). Over it: 429 + Retry-After / RESOURCE_EXHAUSTED + RetryInfo.
    #[arg(long, env = "AGENTTRACE_RATE_LIMIT", default_value_t = 0.0)]
    pub rate_limit: f64,

    /// Burst size of the per-client bucket (default: one second's worth, at least 1).
    #[arg(long, env = "AGENTTRACE_RATE_LIMIT_BURST")]
    pub rate_limit_burst: Option<f64>,

    /// Most client IPs tracked by the rate limiter (fully refilled, then least recently seen, are evicted).
    #[arg(long, env = "AGENTTRACE_RATE_LIMIT_CLIENTS", default_value_t = 65536)]
    pub rate_limit_clients: usize,

    /// Flush a batch once it holds this many request bodies.
    #[arg(long, env = "AGENTTRACE_BATCH_MAX_BODIES", default_value_t = 64)]
    pub batch_max_bodies: usize,

    /// Flush a batch once it holds this many (decompressed) bytes.
    #[arg(long, env = "AGENTTRACE_BATCH_MAX_BYTES", value_parser = parse_size, default_value = "8MiB")]
    pub batch_max_bytes: usize,

    /// Longest a body waits for its batch to fill before the batch is flushed anyway.
    #[arg(long, env = "AGENTTRACE_FLUSH_INTERVAL", value_parser = parse_duration, default_value = "5ms")]
    pub flush_interval: Duration,

    /// Number of writer tasks, each with its own database connection.
    #[arg(long, env = "AGENTTRACE_POOL_SIZE", default_value_t = 4)]
    pub pool_size: usize,

    /// Most requests queued or in flight to the database before answering 429.
    #[arg(long, env = "AGENTTRACE_QUEUE_MAX_REQUESTS", default_value_t = 4096)]
    pub queue_max_requests: usize,

    /// Most (decompressed) body bytes queued or in flight before answering 429.
    #[arg(long, env = "AGENTTRACE_QUEUE_MAX_BYTES", value_parser = parse_size, default_value = "256MiB")]
    pub queue_max_bytes: usize,

    /// Largest request body, measured after decompression (413 above it).
    #[arg(long, env = "AGENTTRACE_MAX_BODY_BYTES", value_parser = parse_size, default_value = "16MiB")]
    pub max_body_bytes: usize,

    /// Longest a request waits for its batch to commit before it is answered 503.
    #[arg(long, env = "AGENTTRACE_REQUEST_TIMEOUT", value_parser = parse_duration, default_value = "30s")]
    pub request_timeout: Duration,

    /// Longest the queue is drained after SIGTERM/SIGINT before the process exits anyway.
    #[arg(long, env = "AGENTTRACE_SHUTDOWN_TIMEOUT", value_parser = parse_duration, default_value = "30s")]
    pub shutdown_timeout: Duration,

    /// Seconds advertised in Retry-After on 429/503.
    #[arg(long, env = "AGENTTRACE_RETRY_AFTER_SECS", default_value_t = 1)]
    pub retry_after_secs: u64,

    /// Forward every accepted body, unchanged, to this OTLP/HTTP traces URL as well (optional).
    #[arg(long, env = "AGENTTRACE_FORWARD_ENDPOINT")]
    pub forward_endpoint: Option<String>,

    /// Most bodies waiting to be forwarded; more are dropped (and counted).
    #[arg(long, env = "AGENTTRACE_FORWARD_QUEUE", default_value_t = 1024)]
    pub forward_queue: usize,

    /// Bearer token required on /v1/traces (optional; prefer the _FILE variant).
    #[arg(long, env = "AGENTTRACE_AUTH_TOKEN", hide_env_values = true)]
    pub auth_token: Option<String>,

    /// File holding the bearer token (trailing whitespace ignored).
    #[arg(long, env = "AGENTTRACE_AUTH_TOKEN_FILE")]
    pub auth_token_file: Option<PathBuf>,

    /// Durable spool directory: acknowledge an export once its body is fsync'd here, deliver it to
    /// the database when the database can take it (survives database outages and restarts).
    #[arg(long, env = "AGENTTRACE_SPOOL_DIR")]
    pub spool_dir: Option<PathBuf>,

    /// Most spooled bytes not yet in the database; over it, 503 + Retry-After. Disk use stays
    /// within this plus one segment (an eighth of it, at most 32MiB).
    #[arg(long, env = "AGENTTRACE_SPOOL_MAX_BYTES", value_parser = parse_size, default_value = "4GiB")]
    pub spool_max_bytes: usize,

    /// Log as JSON lines instead of human-readable text.
    #[arg(long, env = "AGENTTRACE_LOG_JSON", default_value_t = false)]
    pub log_json: bool,
}

impl Config {
    /// Checks what clap cannot, and resolves the token file.
    pub fn validate(mut self) -> Result<Self, String> {
        if self.batch_max_bodies == 0 || self.batch_max_bodies > i32::MAX as usize {
            return Err("batch-max-bodies must be at least 1".into());
        }
        if self.pool_size == 0 {
            return Err("pool-size must be at least 1".into());
        }
        if self.queue_max_requests == 0 || self.queue_max_bytes == 0 || self.max_body_bytes == 0 {
            return Err("queue limits and max-body-bytes must be positive".into());
        }
        if self.max_body_bytes > self.queue_max_bytes {
            // Otherwise a body within the limit could never be queued.
            return Err("max-body-bytes must not exceed queue-max-bytes".into());
        }
        if let Some(path) = &self.auth_token_file {
            let t = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
            self.auth_token = Some(t.trim_end().to_string());
        }
        if matches!(&self.auth_token, Some(t) if t.is_empty()) {
            return Err("the auth token is empty".into());
        }
        if self.max_connections == 0 {
            return Err("max-connections must be at least 1".into());
        }
        if self.max_header_bytes < 1024 {
            return Err("max-header-bytes must be at least 1KiB".into());
        }
        if !self.rate_limit.is_finite() || self.rate_limit < 0.0 {
            return Err("rate-limit must be a non-negative number of requests per second".into());
        }
        if self.rate_limit_burst.is_some_and(|b| !b.is_finite() || b < 1.0) {
            return Err("rate-limit-burst must be at least 1".into());
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err("TLS needs both --tls-cert and --tls-key (AGENTTRACE_TLS_CERT / AGENTTRACE_TLS_KEY)".into());
        }
        if self.grpc_addr.0.is_some_and(|g| g == self.http_addr) {
            return Err("grpc-addr must differ from http-addr".into());
        }
        if self.spool_dir.is_some() && self.spool_max_bytes < crate::spool::record::record_size(self.max_body_bytes) {
            // Otherwise a body within the limit could never be spooled.
            return Err("spool-max-bytes must exceed max-body-bytes".into());
        }
        if let Some(ep) = &self.forward_endpoint {
            let u = url::Url::parse(ep).map_err(|e| format!("forward endpoint {ep:?}: {e}"))?;
            if !matches!(u.scheme(), "http" | "https") {
                return Err(format!("forward endpoint {ep:?} must be http(s)"));
            }
        }
        Ok(self)
    }

    /// Burst of the per-client rate limiter (None: rate limiting off).
    pub fn rate_limit_burst(&self) -> Option<f64> {
        (self.rate_limit > 0.0).then(|| self.rate_limit_burst.unwrap_or(self.rate_limit.max(1.0)))
    }

    /// A one-line summary safe to log: the database password and the token are hidden.
    pub fn redacted(&self) -> String {
        format!(
            "database_url={} http_addr={} grpc_addr={} tls={} max_connections={} max_header_bytes={} rate_limit={} batch_max_bodies={} batch_max_bytes={} flush_interval={:?} pool_size={} \
             queue_max_requests={} queue_max_bytes={} max_body_bytes={} request_timeout={:?} spool={} forward_endpoint={} auth={}",
            redact_url(&self.database_url),
            self.http_addr,
            self.grpc_addr.0.map(|a| a.to_string()).unwrap_or_else(|| "off".into()),
            if self.tls_cert.is_some() { "on" } else { "off" },
            self.max_connections,
            self.max_header_bytes,
            match self.rate_limit_burst() {
                Some(b) => format!("{}/s burst {b}", self.rate_limit),
                None => "off".into(),
            },
            self.batch_max_bodies,
            self.batch_max_bytes,
            self.flush_interval,
            self.pool_size,
            self.queue_max_requests,
            self.queue_max_bytes,
            self.max_body_bytes,
            self.request_timeout,
            match &self.spool_dir {
                Some(d) => format!("{} (max {} bytes)", d.display(), self.spool_max_bytes),
                None => "off".into(),
            },
            self.forward_endpoint.as_deref().map(redact_url).unwrap_or_else(|| "off".into()),
            if self.auth_token.is_some() { "bearer (token hidden)" } else { "off" },
        )
    }
}

/// Replaces the password of a URL (and `password=` in a key/value conninfo) with `***`.
pub fn redact_url(s: &str) -> String {
    if let Ok(mut u) = url::Url::parse(s) {
        if u.password().is_some() {
            let _ = u.set_password(Some("***"));
        }
        // Query parameters may carry a password too (postgres://h/db?password=...).
        let pairs: Vec<(String, String)> = u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        if pairs.iter().any(|(k, _)| k.eq_ignore_ascii_case("password")) {
            let mut q = u.query_pairs_mut();
            q.clear();
            for (k, v) in &pairs {
                q.append_pair(k, if k.eq_ignore_ascii_case("password") { "***" } else { v });
            }
        }
        return u.to_string();
    }
    // key=value conninfo form
    s.split_whitespace()
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => kv.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        let mut v = vec!["agenttrace-ingress"];
        v.extend_from_slice(args);
        Config::try_parse_from(v).map_err(|e| e.to_string())?.validate()
    }

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("5ms").unwrap(), Duration::from_millis(5));
        assert_eq!(parse_duration("7").unwrap(), Duration::from_millis(7));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("250us").unwrap(), Duration::from_micros(250));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
        assert_eq!(parse_size("16MiB").unwrap(), 16 << 20);
        assert_eq!(parse_size("512k").unwrap(), 512 << 10);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("1x").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    #[test]
    fn flags_parse_and_validate() {
        let c =
            parse(&["--http-addr", "127.0.0.1:9999", "--pool-size", "8", "--flush-interval", "2ms", "--max-body-bytes", "1MiB"]).unwrap();
        assert_eq!(c.http_addr.port(), 9999);
        assert_eq!(c.pool_size, 8);
        assert_eq!(c.flush_interval, Duration::from_millis(2));
        assert_eq!(c.max_body_bytes, 1 << 20);
        assert!(parse(&["--pool-size", "0"]).is_err());
        assert!(parse(&["--batch-max-bodies", "0"]).is_err());
        assert!(parse(&["--max-body-bytes", "2MiB", "--queue-max-bytes", "1MiB"]).is_err());
        assert!(parse(&["--forward-endpoint", "ftp://x/v1/traces"]).is_err());
        assert!(parse(&["--auth-token", ""]).is_err());
        assert!(parse(&["--tls-cert", "/x.pem"]).is_err(), "cert without key");
        assert!(parse(&["--max-connections", "0"]).is_err());
        assert!(parse(&["--rate-limit", "-1"]).is_err());
        assert!(parse(&["--spool-dir", "/tmp/s", "--spool-max-bytes", "1MiB", "--max-body-bytes", "1MiB"]).is_err());
        let c = parse(&["--spool-dir", "/tmp/s", "--spool-max-bytes", "2MiB", "--max-body-bytes", "1MiB"]).unwrap();
        assert_eq!((c.spool_dir.as_deref(), c.spool_max_bytes), (Some(std::path::Path::new("/tmp/s")), 2 << 20));
        assert_eq!(parse(&[]).unwrap().spool_max_bytes, 4 << 30);
    }

    #[test]
    fn grpc_and_hardening_flags() {
        let c = parse(&[]).unwrap();
        assert_eq!(c.grpc_addr.0, Some("0.0.0.0:4317".parse().unwrap()));
        assert_eq!((c.max_connections, c.max_header_bytes, c.rate_limit_burst()), (1024, 32 << 10, None));
        let c = parse(&["--grpc-addr", "off"]).unwrap();
        assert_eq!(c.grpc_addr.0, None);
        let c = parse(&["--grpc-addr", "127.0.0.1:5317", "--rate-limit", "20"]).unwrap();
        assert_eq!(c.grpc_addr.0.unwrap().port(), 5317);
        assert_eq!(c.rate_limit_burst(), Some(20.0));
        let c = parse(&["--rate-limit", "0.5", "--rate-limit-burst", "3"]).unwrap();
        assert_eq!(c.rate_limit_burst(), Some(3.0));
        assert!(parse(&["--grpc-addr", "nonsense"]).is_err());
        assert!(parse(&["--grpc-addr", "0.0.0.0:4318"]).is_err(), "same as http-addr");
    }

    #[test]
    fn token_file_is_read_and_trimmed() {
        let dir = std::env::temp_dir().join(format!("agenttrace-ingress-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("token");
        std::fs::write(&f, "s3cret\n").unwrap();
        let c = parse(&["--auth-token-file", f.to_str().unwrap()]).unwrap();
        assert_eq!(c.auth_token.as_deref(), Some("s3cret"));
        assert!(!c.redacted().contains("s3cret"));
        assert!(parse(&["--auth-token-file", dir.join("missing").to_str().unwrap()]).is_err());
    }

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(redact_url("postgres://u:pw@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert!(!redact_url("postgres://h/db?user=u&password=pw").contains("pw"));
        assert_eq!(redact_url("host=h password=pw user=u"), "host=h password=*** user=u");
        let c = parse(&["--database-url", "postgres://u:topsecret@h/db", "--auth-token", "tok123"]).unwrap();
        let r = c.redacted();
        assert!(!r.contains("topsecret") && !r.contains("tok123"), "{r}");
    }
}
