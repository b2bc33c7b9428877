//! The HTTP side of the LLM judge: one chat-completions call to any OpenAI-compatible endpoint
//! (OpenAI, Azure-style gateways, vLLM, Ollama, LiteLLM), with a timeout per attempt, retries
//! with back-off on 429 / 5xx / transport errors (honouring `Retry-After`), and a request-rate
//! limit. Parsing and storing the verdict is the database's job (`agenttrace.judge_record`).
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::time::Instant;

use super::config::JudgeConfig;

/// A judge answer: the model's message text and the tokens the call used (0 when not reported).
#[derive(Debug, Clone)]
pub struct Answer {
    pub content: String,
    pub total_tokens: i64,
    pub attempts: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// Retries exhausted on retryable failures (429, 5xx, timeouts, connection errors).
    #[error("judge endpoint failed after {attempts} attempts: {last}")]
    Exhausted { attempts: u32, last: String },
    /// A non-retryable answer (400, 401, 404, ...) or a response that is not a chat completion.
    #[error("judge endpoint: {0}")]
    Fatal(String),
}

pub struct JudgeClient {
    http: reqwest::Client,
    url: String,
    cfg: JudgeConfig,
    api_key: Option<String>,
    next_slot: Instant,
}

impl JudgeClient {
    pub fn new(cfg: &JudgeConfig) -> Result<JudgeClient, String> {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        Ok(JudgeClient { http, url: chat_completions_url(&cfg.url), api_key: cfg.api_key()?, cfg: cfg.clone(), next_slot: Instant::now() })
    }

    /// Waits for the rate limit's next slot (requests are spaced by 60 s / rate).
    async fn pace(&mut self) {
        let now = Instant::now();
        if self.next_slot > now {
            tokio::time::sleep_until(self.next_slot).await;
        }
        let gap = Duration::from_secs_f64(60.0 / self.cfg.rate_per_minute.max(0.001));
        self.next_slot = Instant::now() + gap;
    }

    /// Sends the prompt (`agenttrace.judge_prompt`'s system and user texts); returns the answer.
    pub async fn ask(&mut self, system: &str, user: &str) -> Result<Answer, CallError> {
        let body = json!({
            "model": self.cfg.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
        });
        let body = body.to_string();
        let mut last = String::new();
        let attempts_allowed = self.cfg.max_retries + 1;
        for attempt in 1..=attempts_allowed {
            self.pace().await;
            let mut req = self.http.post(&self.url).header(CONTENT_TYPE, "application/json").body(body.clone());
            if let Some(key) = &self.api_key {
                req = req.header(AUTHORIZATION, format!("Bearer {key}"));
            }
            let wait = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let retry_after = resp
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<f64>().ok())
                        .filter(|s| s.is_finite() && *s >= 0.0)
                        .map(Duration::from_secs_f64);
                    if status.is_success() {
                        match resp.text().await {
                            Ok(t) => {
                                let (content, total_tokens) = parse_completion(&t)?;
                                return Ok(Answer { content, total_tokens, attempts: attempt });
                            }
                            Err(e) => {
                                last = format!("reading the response: {e}");
                                None
                            }
                        }
                    } else if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                        last = format!("HTTP {status}: {}", snippet(&resp.text().await.unwrap_or_default()));
                        retry_after
                    } else {
                        return Err(CallError::Fatal(format!("HTTP {status}: {}", snippet(&resp.text().await.unwrap_or_default()))));
                    }
                }
                Err(e) if e.is_timeout() => {
                    last = format!("timed out after {:?}", self.cfg.timeout);
                    None
                }
                Err(e) if e.is_connect() || e.is_request() => {
                    last = format!("transport error: {e}");
                    None
                }
                Err(e) => return Err(CallError::Fatal(e.to_string())),
            };
            if attempt == attempts_allowed {
                break;
            }
            let backoff = self.cfg.backoff.saturating_mul(1 << (attempt - 1).min(10)).min(self.cfg.max_backoff);
            tokio::time::sleep(wait.unwrap_or(backoff).min(self.cfg.max_backoff)).await;
        }
        Err(CallError::Exhausted { attempts: attempts_allowed, last })
    }
}

/// `<base>/chat/completions` unless the URL already names the endpoint.
pub fn chat_completions_url(base: &str) -> String {
    let b = base.trim_end_matches('/');
    if b.ends_with("/chat/completions") {
        b.to_string()
    } else {
        format!("{b}/chat/completions")
    }
}

/// The message text and total tokens of a chat-completions response body.
pub fn parse_completion(body: &str) -> Result<(String, i64), CallError> {
    let v: Value = serde_json::from_str(body).map_err(|e| CallError::Fatal(format!("response is not JSON ({e}): {}", snippet(body))))?;
    let content = v
        .pointer("/choices/0/message/content")
        .and_then(Value::as_str)
        .ok_or_else(|| CallError::Fatal(format!("response has no choices[0].message.content: {}", snippet(body))))?;
    let tokens = v.pointer("/usage/total_tokens").and_then(Value::as_i64).unwrap_or(0);
    Ok((content.to_string(), tokens))
}

fn snippet(s: &str) -> String {
    let mut end = s.len().min(300);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_url() {
        assert_eq!(chat_completions_url("http://h:8000/v1"), "http://h:8000/v1/chat/completions");
        assert_eq!(chat_completions_url("http://h:8000/v1/"), "http://h:8000/v1/chat/completions");
        assert_eq!(chat_completions_url("http://h/v1/chat/completions"), "http://h/v1/chat/completions");
    }

    #[test]
    fn completion_bodies() {
        let (c, t) = parse_completion(
            r#"{"choices":[{"message":{"role":"assistant","content":"{\"failed\":false}"}}],"usage":{"total_tokens":42}}"#,
        )
        .unwrap();
        assert_eq!((c.as_str(), t), ("{\"failed\":false}", 42));
        assert!(matches!(parse_completion("<html>"), Err(CallError::Fatal(m)) if m.contains("not JSON")));
        assert!(matches!(parse_completion(r#"{"choices":[]}"#), Err(CallError::Fatal(m)) if m.contains("choices[0]")));
    }
}
