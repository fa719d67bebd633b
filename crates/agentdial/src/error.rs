//! One error type for every provider.

use crate::{CallStatus, Provider};
use std::time::Duration;

/// A provider's error body, parsed into that provider's exact generated type. Each body is boxed:
/// the generated types are large (up to 120 bytes inline), and an [`Error`] holding one inline made
/// every `Result` the crate returns as large, copied on every `await`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ProviderError {
    #[cfg(feature = "altur")]
    Altur(Box<agentdial_altur::types::Error>),
    #[cfg(feature = "alta")]
    Alta(Box<agentdial_alta::types::Error>),
    /// Fluents documents a different body per status (400 `BadRequestError`, 404 `NotFoundError`).
    #[cfg(feature = "fluents")]
    Fluents(Box<agentdial_fluents::types::CallControllerCreateCallError>),
    /// HMS Sovereign's flat error body (`{"error": "...", "message": ...}`).
    #[cfg(feature = "hmsovereign")]
    HmsSovereign(Box<agentdial_hmsovereign::types::Error>),
    /// HMS Sovereign's nested error body (`{"error": {"code": ..., "message": ...}}`), used on 429.
    #[cfg(feature = "hmsovereign")]
    HmsSovereignEnvelope(Box<agentdial_hmsovereign::types::ErrorEnvelope>),
}

/// Everything that can go wrong. Variants are chosen so a caller can decide what to do; none
/// carries the API key, and `Debug`/`Display` never print it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was refused before any request was sent.
    #[error("invalid input: {message}")]
    InvalidInput { provider: Option<Provider>, message: String },

    /// The provider's API (as its spec describes it) cannot do this. See [`crate::Client::capabilities`].
    #[error("{provider} does not support {operation}: {reason}")]
    Unsupported { provider: Provider, operation: &'static str, reason: &'static str },

    /// 401 or 403: the key is missing, wrong, expired, or not allowed to do this.
    #[error("{provider}: authentication failed ({status}){}", request_id_suffix(.request_id))]
    Authentication {
        provider: Provider,
        status: u16,
        request_id: Option<String>,
        details: Option<ProviderError>,
        raw: String,
    },

    /// HTTP 429. `retry_after` is what the server asked for (absent, unreadable, or beyond the
    /// client's cap when this is returned after retrying).
    #[error("{provider}: rate limited{}{}", .retry_after.map(|d| format!(", retry after {} s", d.as_secs())).unwrap_or_default(), request_id_suffix(.request_id))]
    RateLimited {
        provider: Provider,
        retry_after: Option<Duration>,
        request_id: Option<String>,
        details: Option<ProviderError>,
        raw: String,
    },

    /// Any other error status. `details` is the provider's typed error body when it parses, and
    /// then `raw` is that body as JSON again; when it does not parse (an HTML page), `raw` is the
    /// body exactly as received and `details` is `None`.
    #[error("{provider}: {operation} failed with HTTP {status}{}: {}", request_id_suffix(.request_id), truncate(.raw))]
    Api {
        provider: Provider,
        operation: &'static str,
        status: u16,
        request_id: Option<String>,
        details: Option<ProviderError>,
        raw: String,
        /// The request reached the server, and the operation creates a call.
        may_have_dialed: bool,
    },

    /// The request failed on the network. When `may_have_dialed` is false it provably never left
    /// (connection refused, DNS failure) and was safe to retry. The `reqwest::Error` is the
    /// [`source`](std::error::Error::source), not repeated in the message.
    #[error("{provider}: {operation}: transport error{}", if *.may_have_dialed { " (the call may have been placed)" } else { "" })]
    Transport { provider: Provider, operation: &'static str, may_have_dialed: bool, source: reqwest::Error },

    /// No complete response within the client's timeout.
    #[error("{provider}: {operation} timed out{}", if *.may_have_dialed { " (the call may have been placed)" } else { "" })]
    Timeout {
        provider: Provider,
        operation: &'static str,
        may_have_dialed: bool,
        source: Option<reqwest::Error>,
    },

    /// The response could not be read as the documented type. `raw` is the body as received.
    #[error("{provider}: {operation}: response{} is not the documented type ({message}): {}", .status.map(|s| format!(" ({s})")).unwrap_or_default(), truncate(.raw))]
    Decode {
        provider: Provider,
        operation: &'static str,
        status: Option<u16>,
        message: String,
        raw: String,
        may_have_dialed: bool,
    },

    /// [`crate::Client::wait_until_ended`] reached its deadline first.
    #[error("{provider}: call {id} had not ended by the deadline (last status: {last_status:?})")]
    Deadline { provider: Provider, id: String, last_status: Option<CallStatus> },

    /// A response body was longer than the client's cap ([`crate::ClientBuilder::max_response_body`]);
    /// reading stopped there. `status` is the response's.
    #[error("{provider}: {operation}: response{} body exceeds the {limit}-byte limit{}", .status.map(|s| format!(" ({s})")).unwrap_or_default(), if *.may_have_dialed { " (the call may have been placed)" } else { "" })]
    BodyTooLarge {
        provider: Provider,
        operation: &'static str,
        status: Option<u16>,
        limit: usize,
        may_have_dialed: bool,
    },

    /// The HTTP client could not be built (TLS setup). An empty key or a bad base URL is
    /// [`Error::InvalidInput`].
    #[error("cannot build the {provider} client")]
    Build { provider: Provider, source: agentdial_core::BuildError },
}

fn request_id_suffix(id: &Option<String>) -> String {
    id.as_ref().map(|id| format!(" [request id {id}]")).unwrap_or_default()
}

fn truncate(raw: &str) -> String {
    const MAX: usize = 300;
    if raw.len() <= MAX {
        return raw.to_owned();
    }
    let mut end = MAX;
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &raw[..end], raw.len())
}

impl Error {
    /// Whether a call may exist because of the failed request: a call-creating request that reached
    /// the server and was not refused with a 4xx (timeout, reset connection, 3xx, 5xx, unreadable or
    /// oversized answer). Do not blindly retry [`crate::Client::dial`] when this is true: look the
    /// call up, or ask the provider.
    pub fn may_have_dialed(&self) -> bool {
        match self {
            Error::Api { may_have_dialed, .. }
            | Error::Transport { may_have_dialed, .. }
            | Error::Timeout { may_have_dialed, .. }
            | Error::Decode { may_have_dialed, .. }
            | Error::BodyTooLarge { may_have_dialed, .. } => *may_have_dialed,
            _ => false,
        }
    }

    /// A short name of the variant (`"transport"`, `"api"`, ...), for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidInput { .. } => "invalid_input",
            Error::Unsupported { .. } => "unsupported",
            Error::Authentication { .. } => "authentication",
            Error::RateLimited { .. } => "rate_limited",
            Error::Api { .. } => "api",
            Error::Transport { .. } => "transport",
            Error::Timeout { .. } => "timeout",
            Error::Decode { .. } => "decode",
            Error::BodyTooLarge { .. } => "body_too_large",
            Error::Deadline { .. } => "deadline",
            Error::Build { .. } => "build",
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Authentication { status, .. } | Error::Api { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            Error::Decode { status, .. } | Error::BodyTooLarge { status, .. } => *status,
            _ => None,
        }
    }

    /// The provider's request id, when the response carried one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Authentication { request_id, .. }
            | Error::RateLimited { request_id, .. }
            | Error::Api { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The response body as received, when there was one.
    pub fn raw_body(&self) -> Option<&str> {
        match self {
            Error::Authentication { raw, .. }
            | Error::RateLimited { raw, .. }
            | Error::Api { raw, .. }
            | Error::Decode { raw, .. } => Some(raw),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `Result` the crate returns is at least as large as `Error` and is moved on every
    /// `await`: the provider's typed bodies stay boxed (192 bytes on 64-bit targets before they were).
    #[test]
    fn error_stays_small() {
        assert!(size_of::<ProviderError>() <= 2 * size_of::<usize>(), "{}", size_of::<ProviderError>());
        assert!(size_of::<Error>() <= 12 * size_of::<usize>(), "{}", size_of::<Error>());
    }
}
