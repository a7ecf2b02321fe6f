//! The one retry helper every adapter uses: bounded attempts, capped exponential backoff, a
//! caller-supplied "is this retryable?" decision, and server-given `Retry-After` delays honoured.
//!
//! Delays come from a [`RetryPolicy`] value passed in, so tests run the same code with
//! millisecond delays instead of seconds.

use std::future::Future;
use std::time::Duration;

/// How often and how patiently to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total tries, the first one included (1 = no retry).
    pub attempts: u32,
    /// Delay before the second try.
    pub initial_delay: Duration,
    /// Each further delay is the previous one times this factor...
    pub multiplier: u32,
    /// ...but never more than this.
    pub max_delay: Duration,
    /// A server-given delay (`Retry-After`) is honoured up to this cap, so a hostile or confused
    /// server cannot park the job for an hour.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryPolicy {
    /// Production defaults: 5 tries, 1 s, 2 s, 4 s, 8 s; `Retry-After` honoured up to 60 s.
    pub fn standard() -> Self {
        RetryPolicy {
            attempts: 5,
            initial_delay: Duration::from_secs(1),
            multiplier: 2,
            max_delay: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
        }
    }

    /// Same shape as [`RetryPolicy::standard`] with millisecond delays, for tests.
    pub fn fast() -> Self {
        RetryPolicy {
            attempts: 5,
            initial_delay: Duration::from_millis(1),
            multiplier: 2,
            max_delay: Duration::from_millis(5),
            max_retry_after: Duration::from_millis(20),
        }
    }

    /// No retry at all.
    pub fn none() -> Self {
        RetryPolicy {
            attempts: 1,
            ..Self::fast()
        }
    }

    /// The backoff before try number `retry + 1` (`retry` counts from 0 for the first retry).
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = u64::from(self.multiplier.max(1)).saturating_pow(retry);
        let millis = (self.initial_delay.as_millis() as u64).saturating_mul(factor);
        Duration::from_millis(millis).min(self.max_delay)
    }

    /// Every backoff this policy would sleep, in order (`attempts - 1` entries).
    pub fn schedule(&self) -> Vec<Duration> {
        (0..self.attempts.saturating_sub(1))
            .map(|r| self.backoff(r))
            .collect()
    }

    /// The delay before retry number `retry`, given what the error said.
    fn delay_for(&self, retry: u32, decision: &RetryDecision) -> Duration {
        match decision {
            RetryDecision::After(server) => (*server).min(self.max_retry_after),
            _ => self.backoff(retry),
        }
    }
}

/// What the caller's classifier says about one failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryDecision {
    /// Permanent: give up now.
    Stop,
    /// Transient: retry after the policy's backoff.
    Retry,
    /// Transient, and the server said when (`Retry-After`): retry after that (capped).
    After(Duration),
}

/// The HTTP policy every HTTP adapter (GitHub, Slack) shares: how long to wait for a connection
/// and for one answer, how long one call may take in total (retries and waits included), and
/// how to retry. A server that accepts the connection and never answers costs at most `budget`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpPolicy {
    pub retry: RetryPolicy,
    /// TCP + TLS connect.
    pub connect_timeout: Duration,
    /// One request, from sending it to the last byte of the answer.
    pub request_timeout: Duration,
    /// One call, every attempt and wait included. A primary rate limit is waited out only when
    /// its reset falls within the retry policy's `max_retry_after` and this budget.
    pub budget: Duration,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self::standard()
    }
}

impl HttpPolicy {
    /// Production: 10 s to connect, 30 s per request, 3 minutes per call.
    pub fn standard() -> Self {
        HttpPolicy {
            retry: RetryPolicy::standard(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            budget: Duration::from_secs(180),
        }
    }

    /// Millisecond retries (tests, `SHIPGATE_POLL_MS`), production timeouts.
    pub fn fast() -> Self {
        HttpPolicy {
            retry: RetryPolicy::fast(),
            ..Self::standard()
        }
    }

    /// Every timeout set to `timeout` (`SHIPGATE_HTTP_TIMEOUT_MS`): a call then ends within
    /// about `attempts` × `timeout`, plus the waits, and never after `budget`.
    pub fn with_timeout(self, timeout: Duration) -> Self {
        let attempts = self.retry.attempts.max(1);
        HttpPolicy {
            connect_timeout: timeout,
            request_timeout: timeout,
            budget: timeout
                .saturating_mul(attempts)
                .saturating_add(self.retry.max_retry_after),
            ..self
        }
    }
}

/// Runs `op` until it succeeds, the classifier says stop, or the attempts run out; returns the
/// last error in the latter cases. `name` appears in the debug log of each retry.
pub async fn retry<T, E, F, Fut, C>(
    name: &str,
    policy: &RetryPolicy,
    classify: C,
    op: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    C: Fn(&E) -> RetryDecision,
    E: std::fmt::Display,
{
    retry_within(name, policy, None, classify, op).await
}

/// [`retry`] with a bound on the total time: no wait is started that would end after `budget`
/// (counted from the first try); the last error is returned instead.
pub async fn retry_within<T, E, F, Fut, C>(
    name: &str,
    policy: &RetryPolicy,
    budget: Option<Duration>,
    classify: C,
    mut op: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    C: Fn(&E) -> RetryDecision,
    E: std::fmt::Display,
{
    let started = tokio::time::Instant::now();
    let attempts = policy.attempts.max(1);
    let mut retry_no = 0;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                let decision = classify(&e);
                if decision == RetryDecision::Stop || retry_no + 1 >= attempts {
                    return Err(e);
                }
                let delay = policy.delay_for(retry_no, &decision);
                if budget.is_some_and(|b| started.elapsed() + delay >= b) {
                    tracing::debug!(op = name, "no time left for another try: {e}");
                    return Err(e);
                }
                tracing::debug!(
                    op = name,
                    attempt = retry_no + 1,
                    delay_ms = delay.as_millis() as u64,
                    "retrying after: {e}"
                );
                tokio::time::sleep(delay).await;
                retry_no += 1;
            }
        }
    }
}

/// Parses an HTTP `Retry-After` value given in seconds (Slack and AWS both use seconds; the
/// HTTP-date form is not used by them and yields `None`).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    if secs.is_finite() && secs >= 0.0 {
        Some(Duration::from_secs_f64(secs.min(86_400.0)))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn standard_schedule_doubles_then_caps() {
        let p = RetryPolicy {
            attempts: 7,
            ..RetryPolicy::standard()
        };
        let secs: Vec<u64> = p.schedule().iter().map(Duration::as_secs).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 16, 20]);
    }

    #[test]
    fn huge_retry_counts_do_not_overflow() {
        let p = RetryPolicy::standard();
        assert_eq!(p.backoff(200), p.max_delay);
    }

    #[test]
    fn retry_after_is_capped() {
        let p = RetryPolicy::standard();
        let d = p.delay_for(0, &RetryDecision::After(Duration::from_secs(3600)));
        assert_eq!(d, Duration::from_secs(60));
    }

    #[test]
    fn parses_retry_after_seconds_only() {
        assert_eq!(parse_retry_after("30"), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_retry_after(" 1.5 "),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn http_timeout_override_bounds_the_whole_call() {
        let p = HttpPolicy::fast().with_timeout(Duration::from_millis(100));
        assert_eq!(p.connect_timeout, Duration::from_millis(100));
        assert_eq!(p.request_timeout, Duration::from_millis(100));
        // Five attempts of 100 ms plus the capped waits.
        assert_eq!(p.budget, Duration::from_millis(520));
    }

    #[tokio::test]
    async fn no_wait_is_started_past_the_budget() {
        let calls = AtomicU32::new(0);
        let r: Result<(), String> = retry_within(
            "t",
            &RetryPolicy::standard(),
            Some(Duration::from_millis(50)),
            |_| RetryDecision::After(Duration::from_millis(30)),
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err("busy".to_string())
            },
        )
        .await;
        assert!(r.is_err());
        // Try, wait 30 ms, try; a second wait would end past 60 ms > 50 ms: give up (elapsed
        // time only grows, so a slow machine cannot make this pass a third time).
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn retries_until_success_within_attempts() {
        let calls = AtomicU32::new(0);
        let r: Result<u32, String> = retry(
            "t",
            &RetryPolicy::fast(),
            |_| RetryDecision::Retry,
            || async {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                if n < 3 {
                    Err(format!("fail {n}"))
                } else {
                    Ok(n)
                }
            },
        )
        .await;
        assert_eq!(r, Ok(3));
    }

    #[tokio::test]
    async fn stops_on_permanent_error_and_after_last_attempt() {
        let calls = AtomicU32::new(0);
        let r: Result<(), String> = retry(
            "t",
            &RetryPolicy::fast(),
            |_| RetryDecision::Stop,
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err("no".to_string())
            },
        )
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let calls = AtomicU32::new(0);
        let _: Result<(), String> = retry(
            "t",
            &RetryPolicy::fast(),
            |_| RetryDecision::After(Duration::from_secs(100)),
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err("busy".to_string())
            },
        )
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), RetryPolicy::fast().attempts);
    }
}
