//! What can go wrong, on purpose.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A failure the mock injects into the answer to one request (see
/// [`MockProvider::fail_next`](crate::MockProvider::fail_next)).
///
/// Faults that lose the answer ([`ResetAfterRead`](Fault::ResetAfterRead), [`Hang`](Fault::Hang),
/// [`TruncatedBody`](Fault::TruncatedBody), [`SlowBody`](Fault::SlowBody)) happen **after** the
/// request was processed: a dial creates its call, and only the answer is lost, as when a
/// network or a proxy fails on the way back. Faults that replace the answer
/// ([`Status`](Fault::Status), [`Redirect`](Fault::Redirect), [`CloseKeepAlive`](Fault::CloseKeepAlive))
/// happen instead of processing it: nothing is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// Reads the whole request, processes it, then resets the connection (TCP RST) without answering.
    ResetAfterRead,
    /// Reads and processes the request, then never answers (the connection stays open until the
    /// client gives up or the mock is dropped).
    Hang,
    /// Answers with this status, headers and body instead of processing the request.
    Status {
        status: u16,
        #[serde(default)]
        headers: Vec<(String, String)>,
        #[serde(default)]
        body: String,
    },
    /// Answers with a redirect to `location` (absolute, or a path on the mock) instead of
    /// processing the request.
    Redirect { status: u16, location: String },
    /// Processes the request and sends the answer's headers (with the full `Content-Length`) and
    /// only its first `keep` body bytes, then closes the connection.
    TruncatedBody { keep: usize },
    /// Processes the request and sends the answer's body `chunk` bytes at a time, waiting `delay_ms`
    /// before each chunk.
    SlowBody { chunk: usize, delay_ms: u64 },
    /// Closes the (kept-alive) connection as the request arrives, without answering or processing
    /// it (FIN, not RST): what a client sees when the server's idle timeout closed a pooled
    /// connection just as the client reused it.
    CloseKeepAlive,
}

impl Fault {
    /// `status` with a body and a `Content-Type`.
    pub fn status(status: u16, content_type: &str, body: impl Into<String>) -> Self {
        Fault::Status {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// A gateway's HTML 502 page.
    pub fn html_502() -> Self {
        Self::status(
            502,
            "text/html",
            "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        )
    }

    /// A 503 with `Retry-After: seconds` and an HTML body.
    pub fn unavailable(retry_after_secs: u64) -> Self {
        Fault::Status {
            status: 503,
            headers: vec![
                ("content-type".into(), "text/html".into()),
                ("retry-after".into(), retry_after_secs.to_string()),
            ],
            body: "<html><body><h1>503 Service Unavailable</h1></body></html>".into(),
        }
    }

    /// A 429 with `Retry-After: seconds` and the provider's documented 429 body (filled in by the mock
    /// when `body` is empty).
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Fault::Status {
            status: 429,
            headers: vec![("retry-after".into(), retry_after_secs.to_string())],
            body: String::new(),
        }
    }

    /// A 307 to `location`.
    pub fn redirect(location: impl Into<String>) -> Self {
        Fault::Redirect { status: 307, location: location.into() }
    }

    /// [`Fault::SlowBody`] with a [`Duration`].
    pub fn slow_body(chunk: usize, delay: Duration) -> Self {
        Fault::SlowBody { chunk: chunk.max(1), delay_ms: delay.as_millis().min(u64::MAX as u128) as u64 }
    }

    /// Whether the request is processed before the fault hits the answer.
    pub(crate) fn processes(&self) -> bool {
        matches!(
            self,
            Fault::ResetAfterRead | Fault::Hang | Fault::TruncatedBody { .. } | Fault::SlowBody { .. }
        )
    }

    /// A short name for the request log.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::ResetAfterRead => "reset_after_read",
            Fault::Hang => "hang",
            Fault::Status { .. } => "status",
            Fault::Redirect { .. } => "redirect",
            Fault::TruncatedBody { .. } => "truncated_body",
            Fault::SlowBody { .. } => "slow_body",
            Fault::CloseKeepAlive => "close_keep_alive",
        }
    }
}
