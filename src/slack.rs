//! Slack transport: incoming webhook or Web API (`chat.postMessage` / `chat.update`). What a
//! message says is rendered beside the other reports (`report/slack.rs`); this module only
//! delivers it.
//!
//! No error ever carries the webhook URL or the token: callers turn a [`SlackError`] into a
//! warning and print it as is.

use crate::retry::{parse_retry_after, retry, HttpPolicy, RetryDecision, RetryPolicy};
use crate::secret::Secret;
use serde_json::{json, Value};
use std::time::Duration;

/// The default Web API base; `SLACK_API_URL` overrides it.
pub const DEFAULT_API_URL: &str = "https://slack.com/api";

/// Why a notification did not go out. The texts never contain the webhook URL or the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlackError {
    #[error("Slack webhook answered HTTP {status}: {body}")]
    Webhook { status: u16, body: String },
    #[error("Slack {method} failed: {error}")]
    Api { method: &'static str, error: String },
    #[error("Slack is rate limiting (HTTP 429); gave up")]
    RateLimited { retry_after: Option<Duration> },
    #[error("Slack answered HTTP {status}")]
    Http { status: u16 },
    #[error("could not reach Slack: {0}")]
    Transport(String),
    #[error("Slack {0} returned an answer shipgate could not read")]
    BadResponse(&'static str),
    #[error("input 'slack-channel' is required with 'slack-bot-token'")]
    MissingChannel,
}

impl SlackError {
    fn retry_decision(&self) -> RetryDecision {
        match self {
            SlackError::RateLimited {
                retry_after: Some(d),
            } => RetryDecision::After(*d),
            SlackError::RateLimited { retry_after: None } => {
                RetryDecision::After(Duration::from_secs(1))
            }
            SlackError::Transport(_) => RetryDecision::Retry,
            SlackError::Http { status } | SlackError::Webhook { status, .. } if *status >= 500 => {
                RetryDecision::Retry
            }
            SlackError::Api { error, .. } if error == "ratelimited" || error == "rate_limited" => {
                RetryDecision::Retry
            }
            _ => RetryDecision::Stop,
        }
    }
}

fn http_client(policy: &HttpPolicy) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(policy.connect_timeout)
        .timeout(policy.request_timeout)
        .user_agent(concat!("shipgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// Where messages go.
#[derive(Debug, Clone)]
pub enum SlackTarget {
    /// Incoming webhook: each notification is a new message.
    Webhook(Secret),
    /// Web API: one message, posted once and then updated in place.
    Bot { token: Secret, channel: String },
}

/// Sends deploy notices to Slack.
#[derive(Debug)]
pub struct Notifier {
    target: SlackTarget,
    api_base: String,
    http: reqwest::Client,
    retry: RetryPolicy,
    /// `(channel id, ts)` of the message posted through the Web API, to update it later.
    posted: Option<(String, String)>,
}

impl Notifier {
    pub fn new(target: SlackTarget, api_base: Option<String>) -> Notifier {
        let api_base = api_base
            .filter(|b| !b.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_API_URL.to_string());
        Notifier {
            target,
            api_base: api_base.trim_end_matches('/').to_string(),
            http: http_client(&HttpPolicy::standard()),
            retry: RetryPolicy::standard(),
            posted: None,
        }
    }

    /// From the action inputs; `Ok(None)` when no Slack destination is configured. The webhook
    /// wins when both are given.
    pub fn from_inputs(
        webhook_url: Option<Secret>,
        bot_token: Option<Secret>,
        channel: Option<String>,
        api_base: Option<String>,
    ) -> Result<Option<Notifier>, SlackError> {
        let present =
            |s: &Option<Secret>| s.as_ref().is_some_and(|s| !s.expose().trim().is_empty());
        if present(&webhook_url) {
            let url = webhook_url.unwrap_or_else(|| Secret::new(""));
            return Ok(Some(Notifier::new(SlackTarget::Webhook(url), api_base)));
        }
        if present(&bot_token) {
            let channel = channel
                .filter(|c| !c.trim().is_empty())
                .ok_or(SlackError::MissingChannel)?;
            let token = bot_token.unwrap_or_else(|| Secret::new(""));
            return Ok(Some(Notifier::new(
                SlackTarget::Bot {
                    token,
                    channel: channel.trim().to_string(),
                },
                api_base,
            )));
        }
        Ok(None)
    }

    /// The connect and request timeouts of `policy` (the ones GitHub's client uses) and its
    /// retries.
    pub fn with_http(mut self, policy: &HttpPolicy) -> Notifier {
        self.http = http_client(policy);
        self.retry = policy.retry.clone();
        self
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Notifier {
        self.retry = retry;
        self
    }

    /// The `ts` of the Web API message, once posted.
    pub fn message_ts(&self) -> Option<&str> {
        self.posted.as_ref().map(|(_, ts)| ts.as_str())
    }

    /// Sends (webhook) or posts-then-updates (Web API) the notice.
    pub async fn notify(&mut self, message: &Value) -> Result<(), SlackError> {
        let message = message.clone();
        match self.target.clone() {
            SlackTarget::Webhook(url) => self.send_webhook(&url, &message).await,
            SlackTarget::Bot { token, channel } => {
                if let Some((posted_channel, ts)) = self.posted.clone() {
                    let mut body = message.clone();
                    body["channel"] = json!(posted_channel);
                    body["ts"] = json!(ts);
                    match self.call_api(&token, "chat.update", &body).await {
                        Ok(_) => return Ok(()),
                        // The message was deleted or is too old to edit: post a new one.
                        Err(SlackError::Api { error, .. })
                            if error == "message_not_found" || error == "cant_update_message" => {}
                        Err(e) => return Err(e),
                    }
                }
                let mut body = message;
                body["channel"] = json!(channel);
                let answer = self.call_api(&token, "chat.postMessage", &body).await?;
                let ts = answer["ts"].as_str();
                let ch = answer["channel"].as_str().unwrap_or(&channel);
                if let Some(ts) = ts {
                    self.posted = Some((ch.to_string(), ts.to_string()));
                }
                Ok(())
            }
        }
    }

    async fn send_webhook(&self, url: &Secret, message: &Value) -> Result<(), SlackError> {
        let body = serde_json::to_vec(message).map_err(|_| SlackError::BadResponse("webhook"))?;
        retry(
            "slack webhook",
            &self.retry,
            SlackError::retry_decision,
            || async {
                let resp = self
                    .http
                    .post(url.expose())
                    .header("content-type", "application/json; charset=utf-8")
                    .body(body.clone())
                    .send()
                    .await
                    .map_err(|e| transport(e, url))?;
                let status = resp.status().as_u16();
                let retry_after = retry_after(&resp);
                if status == 429 {
                    return Err(SlackError::RateLimited { retry_after });
                }
                let text = resp.text().await.unwrap_or_default();
                if (200..300).contains(&status) {
                    Ok(())
                } else {
                    Err(SlackError::Webhook {
                        status,
                        body: short(&url.redact(text.trim())),
                    })
                }
            },
        )
        .await
    }

    async fn call_api(
        &self,
        token: &Secret,
        method: &'static str,
        body: &Value,
    ) -> Result<Value, SlackError> {
        let url = format!("{}/{method}", self.api_base);
        let bytes = serde_json::to_vec(body).map_err(|_| SlackError::BadResponse(method))?;
        retry(method, &self.retry, SlackError::retry_decision, || async {
            let resp = self
                .http
                .post(&url)
                .bearer_auth(token.expose())
                .header("content-type", "application/json; charset=utf-8")
                .body(bytes.clone())
                .send()
                .await
                .map_err(|e| transport(e, token))?;
            let status = resp.status().as_u16();
            if status == 429 {
                return Err(SlackError::RateLimited {
                    retry_after: retry_after(&resp),
                });
            }
            if !(200..300).contains(&status) {
                return Err(SlackError::Http { status });
            }
            let answer: Value = resp
                .json()
                .await
                .map_err(|_| SlackError::BadResponse(method))?;
            if answer["ok"].as_bool() == Some(true) {
                Ok(answer)
            } else {
                let error = answer["error"].as_str().unwrap_or("unknown_error");
                Err(SlackError::Api {
                    method,
                    error: short(&token.redact(error)),
                })
            }
        })
        .await
    }
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    resp.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after)
}

/// A transport error without the URL (a webhook URL is a secret) and with the secret redacted in
/// case a library echoed it anyway.
fn transport(e: reqwest::Error, secret: &Secret) -> SlackError {
    let e = e.without_url();
    let mut text = if e.is_timeout() {
        "timed out".to_string()
    } else {
        e.to_string()
    };
    // The causes say what went wrong (refused, DNS, TLS); they name hosts, never the URL path.
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    SlackError::Transport(secret.redact(&text))
}

fn short(s: &str) -> String {
    const MAX: usize = 200;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_needs_a_channel_with_a_token() {
        assert_eq!(
            Notifier::from_inputs(None, Some(Secret::new("xoxb-1")), None, None).unwrap_err(),
            SlackError::MissingChannel
        );
        assert!(Notifier::from_inputs(None, None, None, None)
            .unwrap()
            .is_none());
        assert!(
            Notifier::from_inputs(Some(Secret::new(" ")), None, None, None)
                .unwrap()
                .is_none()
        );
    }
}
