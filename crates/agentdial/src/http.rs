//! Turning progenitor's errors into [`Error`], and the retry loop that never dials twice.

use crate::{Error, Provider, ProviderError};
use backon::BackoffBuilder as _;
use std::future::Future;
use std::time::{Duration, Instant};
use tracing::Instrument as _;

/// When the facade retries. Creating a call is never resent once the request may have reached the
/// server; see [`crate`] docs ("Retries").
///
/// ```
/// use agentdial::RetryPolicy;
/// use std::time::Duration;
/// let policy = RetryPolicy::default().max_attempts(5).max_retry_after(Duration::from_secs(10));
/// assert_eq!(policy.max_attempts, 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, including the first (default 3). 1 disables retries.
    pub max_attempts: u32,
    /// First backoff delay (default 250 ms); doubles per retry, with jitter.
    pub min_delay: Duration,
    /// Longest backoff delay (default 5 s).
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured (default 60 s); a longer one is returned as
    /// [`Error::RateLimited`] instead of waited for.
    pub max_retry_after: Duration,
    /// Time budget for all attempts and waits (default 120 s).
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }
    pub fn min_delay(mut self, delay: Duration) -> Self {
        self.min_delay = delay;
        self
    }
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }
    pub fn max_elapsed(mut self, budget: Duration) -> Self {
        self.max_elapsed = budget;
        self
    }
}

/// What one facade operation is, for error mapping and retries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Op {
    pub provider: Provider,
    pub name: &'static str,
    /// Creates a call: the request may dial once it left this machine.
    pub creates_call: bool,
    /// Safe to resend after it may have reached the server (GETs).
    pub idempotent: bool,
    /// A 429 answer to it was refused before processing, so it may be resent after `Retry-After`:
    /// every idempotent operation, and one whose document declares a 429 (`with_declared_429`).
    pub resend_on_429: bool,
}

/// Ready-made names: looking a header up by `&str` parses the name on every call (≈1,100
/// instructions per response for these four, callgrind).
const REQUEST_ID_HEADERS: [reqwest::header::HeaderName; 4] = [
    reqwest::header::HeaderName::from_static("x-request-id"),
    reqwest::header::HeaderName::from_static("request-id"),
    reqwest::header::HeaderName::from_static("x-correlation-id"),
    reqwest::header::HeaderName::from_static("x-amzn-requestid"),
];

pub(crate) fn request_id(headers: &reqwest::header::HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS.iter().find_map(|h| headers.get(h)).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

pub(crate) fn transport(op: Op, e: reqwest::Error) -> Error {
    if let Some(too_large) = agentdial_core::body_too_large(&e) {
        // An answer arrived, with a body past the cap: its status says whether it was processed.
        let status = agentdial_core::capture::last().map(|(s, _)| s.as_u16());
        return Error::BodyTooLarge {
            provider: op.provider,
            operation: op.name,
            status,
            limit: too_large.limit,
            may_have_dialed: op.creates_call && !status.is_some_and(|s| (400..500).contains(&s)),
        };
    }
    if e.is_connect() {
        // Refused, unreachable, DNS or TLS failure: nothing reached the server.
        Error::Transport { provider: op.provider, operation: op.name, may_have_dialed: false, source: e }
    } else if e.is_timeout() {
        Error::Timeout {
            provider: op.provider,
            operation: op.name,
            may_have_dialed: op.creates_call,
            source: Some(e),
        }
    } else {
        Error::Transport {
            provider: op.provider,
            operation: op.name,
            may_have_dialed: op.creates_call,
            source: e,
        }
    }
}

fn by_status(
    op: Op,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    raw: String,
    details: Option<ProviderError>,
) -> Error {
    let request_id = request_id(headers);
    let span = tracing::Span::current();
    span.record("status", status);
    if let Some(id) = &request_id {
        span.record("request_id", id.as_str());
    }
    match status {
        401 | 403 => Error::Authentication { provider: op.provider, status, request_id, details, raw },
        429 => Error::RateLimited {
            provider: op.provider,
            retry_after: agentdial_core::retry_after(headers),
            request_id,
            details,
            raw,
        },
        _ => Error::Api {
            provider: op.provider,
            operation: op.name,
            status,
            request_id,
            details,
            raw,
            // Only a 4xx says the request was refused. A 3xx (not followed; a 303 even means "done,
            // see there"), a 5xx, or a success status with an unexpected body leave the outcome unknown.
            may_have_dialed: op.creates_call && !(400..500).contains(&status),
        },
    }
}

/// Maps a progenitor error. `details` parses a documented error body into the provider's type.
pub(crate) async fn from_progenitor<E: serde::Serialize>(
    op: Op,
    err: progenitor_client::Error<E>,
    details: impl FnOnce(u16, &E) -> Option<ProviderError>,
) -> Error {
    use progenitor_client::Error as P;
    match err {
        P::InvalidRequest(message) => Error::InvalidInput { provider: Some(op.provider), message },
        P::CommunicationError(e) | P::ResponseBodyError(e) | P::InvalidUpgrade(e) => transport(op, e),
        P::ErrorResponse(rv) => {
            let status = rv.status().as_u16();
            let headers = rv.headers().clone();
            let body = rv.into_inner();
            // progenitor has parsed the body already; this is that body as JSON again.
            let raw = serde_json::to_string(&body).unwrap_or_default();
            let details = details(status, &body);
            by_status(op, status, &headers, raw, details)
        }
        P::InvalidResponsePayload(bytes, e) => {
            let raw = String::from_utf8_lossy(&bytes).into_owned();
            match agentdial_core::capture::last() {
                // A documented error status with a body that is not its documented type (an HTML
                // page, an empty 429): still an error of that status, with the body as received.
                Some((status, headers)) if !status.is_success() => {
                    by_status(op, status.as_u16(), &headers, raw, None)
                }
                captured => Error::Decode {
                    provider: op.provider,
                    operation: op.name,
                    status: captured.map(|(s, _)| s.as_u16()),
                    message: e.to_string(),
                    raw,
                    may_have_dialed: op.creates_call,
                },
            }
        }
        P::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let raw = match response.text().await {
                Ok(text) => text,
                Err(e) => return transport(op, e),
            };
            if (200..300).contains(&status) {
                return Error::Decode {
                    provider: op.provider,
                    operation: op.name,
                    status: Some(status),
                    message: format!("status {status} is not documented for this operation"),
                    raw,
                    may_have_dialed: op.creates_call,
                };
            }
            by_status(op, status, &headers, raw, None)
        }
        P::Custom(message) => Error::Decode {
            provider: op.provider,
            operation: op.name,
            status: None,
            message,
            raw: String::new(),
            may_have_dialed: op.creates_call,
        },
    }
}

/// How long to wait before resending, or `None` to give up with the error.
fn retry_delay(
    policy: &RetryPolicy,
    op: Op,
    error: &Error,
    backoff: &mut impl Iterator<Item = Duration>,
) -> Option<Duration> {
    match error {
        // Never reached the server: safe for every operation.
        Error::Transport { source, .. } if source.is_connect() => backoff.next(),
        // The server refused before processing (reads, and creates whose document declares the 429);
        // wait as asked, within the cap.
        Error::RateLimited { retry_after: Some(wait), .. } if op.resend_on_429 => {
            (*wait <= policy.max_retry_after).then_some(*wait)
        }
        Error::RateLimited { retry_after: None, .. } if op.idempotent => backoff.next(),
        // Anything that may have reached the server: only idempotent reads.
        Error::Timeout { .. } | Error::Transport { .. } if op.idempotent => backoff.next(),
        Error::Api { status, .. } if op.idempotent && *status >= 500 => backoff.next(),
        _ => None,
    }
}

/// Runs `attempt` under the retry policy, one `tracing` span per attempt.
pub(crate) async fn run<T, F, Fut>(policy: &RetryPolicy, op: Op, mut attempt: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut backoff = backon::ExponentialBuilder::default()
        .with_min_delay(policy.min_delay)
        .with_max_delay(policy.max_delay)
        .with_jitter()
        .with_max_times(policy.max_attempts.saturating_sub(1) as usize)
        .build();
    let started = Instant::now();
    let mut n: u32 = 0;
    loop {
        n += 1;
        let span = tracing::info_span!(
            "agentdial.request",
            provider = op.provider.name(),
            operation = op.name,
            attempt = n,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        // No subscriber wants the span: its fields are not worked out (a clock read, header lookups).
        let t = (!span.is_disabled()).then(Instant::now);
        // Boxed: the generated clients' futures are large; moving them into the scope by value
        // costs more than the allocation (callgrind, BENCHMARKS.md).
        let result = agentdial_core::capture::scope(Box::pin(attempt())).instrument(span.clone()).await;
        if let Some(t) = t {
            span.record("duration_ms", t.elapsed().as_millis() as u64);
        }
        let error = match result {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        let wait = retry_delay(policy, op, &error, &mut backoff).filter(|_| n < policy.max_attempts).filter(
            |wait| started.elapsed().checked_add(*wait).is_some_and(|total| total <= policy.max_elapsed),
        );
        let Some(wait) = wait else { return Err(error) };
        // Status, request id and the kind of failure only: an error's text can carry the response body.
        span.in_scope(|| {
            tracing::info!(
                wait_ms = wait.as_millis() as u64,
                error = error.kind(),
                status = error.status(),
                request_id = error.request_id(),
                "retrying"
            )
        });
        tokio::time::sleep(wait).await;
    }
}

/// Finishes one attempt of a generated client's `send()`: records the status on the attempt's
/// span and maps a failure (`details` parses a documented error body).
pub(crate) async fn finish<T, E: serde::Serialize>(
    op: Op,
    sent: Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>,
    details: impl FnOnce(u16, &E) -> Option<ProviderError>,
) -> Result<T, Error> {
    match sent {
        Ok(rv) => {
            let span = tracing::Span::current();
            if !span.is_disabled() {
                span.record("status", rv.status().as_u16());
                if let Some(id) = request_id(rv.headers()) {
                    span.record("request_id", id.as_str());
                }
            }
            Ok(rv.into_inner())
        }
        Err(e) => Err(from_progenitor(op, e, details).await),
    }
}
