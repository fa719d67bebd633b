//! Verifying and parsing HMS Sovereign webhook deliveries (hand-written; the payload types are
//! generated from the document's webhook schemas).
//!
//! A delivery is an HTTP POST whose headers carry
//! - `X-Webhook-Timestamp`: Unix seconds,
//! - `X-Webhook-Signature`: `sha256=` + hex HMAC-SHA256, keyed with the assistant's `webhook_secret`,
//!   over `"{timestamp}.{raw body}"` (only sent when a secret is configured),
//! - `X-Webhook-Event`: the event type.
//!
//! [`Verifier::verify`] checks the signature in constant time and the timestamp against a tolerance
//! (300 s either way by default: stale deliveries and clock-skewed future ones are refused), then
//! parses the body into a [`WebhookEvent`]. Always pass the raw body bytes as received, before any
//! JSON parsing.
//!
//! ```
//! use agentdial_hmsovereign::webhooks::{Verifier, WebhookEvent};
//! # let (headers, body) = agentdial_hmsovereign::webhooks::sign_for_tests("whsec", br#"{"message":{"type":"x"}}"#, std::time::SystemTime::now());
//! let verifier = Verifier::new("whsec");
//! match verifier.verify(&headers, &body) {
//!     Ok(WebhookEvent::ToolCalls(payload)) => { /* answer with a ToolCallsResponse */ }
//!     Ok(event) => println!("{}", event.kind()),
//!     Err(e) => eprintln!("rejected delivery: {e}"), // answer 400/401, do not process
//! }
//! ```
//!
//! # Replays
//!
//! A signed delivery stays valid for the whole tolerance window: someone who captured one can
//! resend it until the window closes (and the provider may retry a delivery it thinks failed).
//! [`Verifier::verify_delivery`] returns the verified timestamp and signature with the event; keep
//! each signature until its timestamp has left the window and do not process one seen again
//! (answer it 2xx). The 32-byte signature is unique per secret, timestamp and body. With several
//! receiver instances, keep the set in shared storage (a key with a time-to-live of the tolerance).
//!
//! ```
//! use agentdial_hmsovereign::webhooks::Verifier;
//! use std::collections::HashMap;
//! use std::time::{SystemTime, UNIX_EPOCH};
//! # let (headers, body) = agentdial_hmsovereign::webhooks::sign_for_tests("whsec", br#"{"message":{"type":"x"}}"#, SystemTime::now());
//! let verifier = Verifier::new("whsec");
//! let mut seen: HashMap<[u8; 32], i64> = HashMap::new(); // signature -> its timestamp
//!
//! let delivery = verifier.verify_delivery(&headers, &body).expect("valid");
//! let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
//! let window = verifier.tolerance().as_secs() as i64;
//! seen.retain(|_, timestamp| *timestamp + window >= now); // forget what can no longer verify
//! if seen.insert(delivery.signature.signature, delivery.signature.timestamp).is_some() {
//!     // A replay: answer 200 and do nothing.
//! } else {
//!     // First time: process delivery.event.
//! }
//! # assert!(verifier.verify_delivery(&headers, &body).is_ok_and(|d| seen.contains_key(&d.signature.signature)));
//! ```
//!
//! [`WebhookEvent`] and [`WebhookError`] are `#[non_exhaustive]` (the provider adds event types): a
//! `match` on them needs a wildcard arm.
//!
//! ```compile_fail,E0004
//! use agentdial_hmsovereign::webhooks::WebhookEvent;
//! fn kind(e: &WebhookEvent) -> u8 {
//!     match e { WebhookEvent::AssistantRequest(_) => 0, WebhookEvent::ToolCalls(_) => 1, WebhookEvent::StatusUpdate(_) => 2, WebhookEvent::EndOfCallReport(_) => 3, WebhookEvent::Unknown { .. } => 4 }
//! }
//! ```

use crate::types;
use hmac::{Hmac, Mac};
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const SIGNATURE_HEADER: &str = "x-webhook-signature";
pub const TIMESTAMP_HEADER: &str = "x-webhook-timestamp";
pub const EVENT_HEADER: &str = "x-webhook-event";
/// The freshness window the provider recommends (5 minutes).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Why a delivery was rejected. No variant carries the secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    #[error("the verifier's webhook secret is empty: anyone could sign deliveries")]
    EmptySecret,
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    #[error("malformed header {header}: {reason}")]
    MalformedHeader { header: &'static str, reason: String },
    #[error("signature does not match the body (wrong secret, or the body was changed)")]
    SignatureMismatch,
    #[error("timestamp {timestamp} is outside the {}-second tolerance (now {now})", tolerance.as_secs())]
    OutsideTolerance { timestamp: i64, now: i64, tolerance: Duration },
    #[error("header X-Webhook-Event says {header:?} but the body says {body:?}")]
    EventMismatch { header: String, body: String },
    #[error("body is not a webhook envelope: {0}")]
    InvalidBody(String),
    /// The serde error is the [`source`](std::error::Error::source), not repeated in the message.
    #[error("{kind} payload does not match its schema")]
    InvalidPayload { kind: &'static str, source: serde_json::Error },
}

/// A parsed delivery.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `assistant-request`: answer within 5 s with a [`types::AssistantRequestResponse`].
    AssistantRequest(types::AssistantRequestPayload),
    /// `tool-calls`: answer (sync tools within 10 s) with a [`types::ToolCallsResponse`].
    ToolCalls(types::ToolCallsPayload),
    /// `status-update`: any 2xx.
    StatusUpdate(types::StatusUpdatePayload),
    /// `end-of-call-report`: any 2xx.
    EndOfCallReport(types::EndOfCallReportPayload),
    /// An event type this crate does not know yet, with its JSON kept whole.
    Unknown { kind: String, payload: serde_json::Value },
}

impl WebhookEvent {
    /// The event type as sent (`message.type`).
    pub fn kind(&self) -> &str {
        match self {
            WebhookEvent::AssistantRequest(_) => "assistant-request",
            WebhookEvent::ToolCalls(_) => "tool-calls",
            WebhookEvent::StatusUpdate(_) => "status-update",
            WebhookEvent::EndOfCallReport(_) => "end-of-call-report",
            WebhookEvent::Unknown { kind, .. } => kind,
        }
    }

    /// Parses a body without verifying it (for endpoints without a configured secret).
    pub fn parse(body: &[u8]) -> Result<Self, WebhookError> {
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| WebhookError::InvalidBody(e.to_string()))?;
        let kind = value
            .get("message")
            .and_then(|m| m.get("type"))
            .and_then(|t| t.as_str())
            .ok_or_else(|| WebhookError::InvalidBody("no string `message.type`".into()))?
            .to_owned();
        fn typed<T: serde::de::DeserializeOwned>(
            kind: &'static str,
            value: serde_json::Value,
        ) -> Result<T, WebhookError> {
            serde_json::from_value(value).map_err(|source| WebhookError::InvalidPayload { kind, source })
        }
        Ok(match kind.as_str() {
            "assistant-request" => WebhookEvent::AssistantRequest(typed("assistant-request", value)?),
            "tool-calls" => WebhookEvent::ToolCalls(typed("tool-calls", value)?),
            "status-update" => WebhookEvent::StatusUpdate(typed("status-update", value)?),
            "end-of-call-report" => WebhookEvent::EndOfCallReport(typed("end-of-call-report", value)?),
            _ => WebhookEvent::Unknown { kind, payload: value },
        })
    }
}

/// The timestamp and signature of a delivery whose signature verified, for dropping replays (see
/// the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct VerifiedSignature {
    /// `X-Webhook-Timestamp`, Unix seconds.
    pub timestamp: i64,
    /// The HMAC-SHA256 of `X-Webhook-Signature`.
    pub signature: [u8; 32],
}

impl VerifiedSignature {
    /// The signature as lowercase hex (what follows `sha256=` in the header).
    pub fn hex(&self) -> String {
        hex::encode(self.signature)
    }
}

/// A verified, parsed delivery.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivery {
    pub signature: VerifiedSignature,
    pub event: WebhookEvent,
}

/// Verifies deliveries signed with one `webhook_secret`.
#[derive(Clone)]
pub struct Verifier {
    secret: SecretString,
    tolerance: Duration,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier").field("secret", &"[REDACTED]").field("tolerance", &self.tolerance).finish()
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, WebhookError> {
    let value = headers.get(name).ok_or(WebhookError::MissingHeader(name))?;
    value
        .to_str()
        .map(str::trim)
        .map_err(|_| WebhookError::MalformedHeader { header: name, reason: "not visible ASCII".into() })
}

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

impl Verifier {
    pub fn new(secret: impl Into<String>) -> Self {
        Self { secret: SecretString::from(secret.into()), tolerance: DEFAULT_TOLERANCE }
    }

    /// How far the delivery's timestamp may be from now, either way.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// How far a delivery's timestamp may be from now, either way.
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// Verifies signature and timestamp, then parses the body.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        self.verify_at(headers, body, SystemTime::now())
    }

    /// [`verify`](Self::verify) with an explicit clock.
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify_delivery_at(headers, body, now).map(|delivery| delivery.event)
    }

    /// [`verify`](Self::verify), also returning the verified timestamp and signature (to drop replays).
    pub fn verify_delivery(&self, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        self.verify_delivery_at(headers, body, SystemTime::now())
    }

    /// [`verify_delivery`](Self::verify_delivery) with an explicit clock.
    pub fn verify_delivery_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Delivery, WebhookError> {
        let signature = self.verify_signature_at(headers, body, now)?;
        let event = WebhookEvent::parse(body)?;
        if let Some(declared) = headers.get(EVENT_HEADER).and_then(|v| v.to_str().ok()).map(str::trim) {
            if declared != event.kind() {
                return Err(WebhookError::EventMismatch {
                    header: declared.to_owned(),
                    body: event.kind().to_owned(),
                });
            }
        }
        Ok(Delivery { signature, event })
    }

    /// Checks only the signature and timestamp.
    pub fn verify_signature_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<VerifiedSignature, WebhookError> {
        if self.secret.expose_secret().is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        let timestamp = header(headers, TIMESTAMP_HEADER)?;
        let signature = header(headers, SIGNATURE_HEADER)?;
        let seconds: i64 = timestamp.parse().map_err(|_| WebhookError::MalformedHeader {
            header: TIMESTAMP_HEADER,
            reason: "not Unix seconds".into(),
        })?;
        // The provider's older docs show the bare hex digest; its SDK accepts both.
        let hex_digest = signature.strip_prefix("sha256=").unwrap_or(signature);
        let expected: [u8; 32] =
            hex::decode(hex_digest).ok().and_then(|d| d.try_into().ok()).ok_or_else(|| {
                WebhookError::MalformedHeader {
                    header: SIGNATURE_HEADER,
                    reason: "expected sha256=<64 hex digits>".into(),
                }
            })?;
        // Constant-time comparison (hmac's verify_slice).
        mac(self.secret.expose_secret(), timestamp, body)
            .verify_slice(&expected)
            .map_err(|_| WebhookError::SignatureMismatch)?;
        let now = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        if seconds.abs_diff(now) > self.tolerance.as_secs() {
            return Err(WebhookError::OutsideTolerance {
                timestamp: seconds,
                now,
                tolerance: self.tolerance,
            });
        }
        Ok(VerifiedSignature { timestamp: seconds, signature: expected })
    }
}

/// Signs `body` as the provider does, returning the headers of a delivery. For tests of webhook
/// handlers (yours and ours); never needed in production.
pub fn sign_for_tests(secret: &str, body: &[u8], at: SystemTime) -> (HeaderMap, Vec<u8>) {
    let timestamp = at.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0).to_string();
    let digest = hex::encode(mac(secret, &timestamp, body).finalize().into_bytes());
    let mut headers = HeaderMap::new();
    headers.insert(TIMESTAMP_HEADER, timestamp.parse().expect("digits"));
    headers.insert(SIGNATURE_HEADER, format!("sha256={digest}").parse().expect("ascii"));
    let kind = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["message"]["type"].as_str().map(str::to_owned));
    if let Some(value) = kind.and_then(|k| k.parse().ok()) {
        headers.insert(EVENT_HEADER, value);
    }
    (headers, body.to_vec())
}
