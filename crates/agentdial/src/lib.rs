//! One client for AI phone-call platforms.
//!
//! `agentdial` places and follows calls on Altur, Alta, Fluents and HMS Sovereign through one API,
//! with typed errors and a retry policy that never dials twice. Each provider's generated crate is
//! re-exported (`agentdial::altur`, ...) for its exact request and response types.
//!
//! ```no_run
//! # async fn run() -> Result<(), agentdial::Error> {
//! use agentdial::{Client, OutboundCall, Provider};
//!
//! // Key from the argument, or from HMSOVEREIGN_API_KEY when none is given.
//! let client = Client::builder(Provider::HmsSovereign).build()?;
//! let dialed = client
//!     .dial(&OutboundCall::to("+31612345678").agent("2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c").variable("crm_id", "12345"))
//!     .await?;
//! let id = dialed.handle.id.expect("HMS Sovereign returns a call id");
//! let ended = client.wait_until_ended(&id, std::time::Duration::from_secs(5), std::time::Duration::from_secs(600)).await?;
//! println!("{:?}", ended.status);
//! # Ok(()) }
//! ```
//!
//! # One runnable example per provider
//!
//! Each runs against a loopback mock server (never a provider's host); swap `base_url` out and set
//! the key to talk to the real API.
//!
//! Altur (`Authorization: api-key KEY`; needs `agent_id`):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), agentdial::Error> {
//! # let server = wiremock::MockServer::start().await;
//! # wiremock::Mock::given(wiremock::matchers::path("/call")).respond_with(wiremock::ResponseTemplate::new(200)
//! #     .set_body_json(serde_json::json!({"id": "c1", "status": "queued"}))).mount(&server).await;
//! use agentdial::{CallStatus, Client, OutboundCall, Provider};
//! let client = Client::builder(Provider::Altur).api_key("KEY").base_url(server.uri()).build()?;
//! let dialed = client.dial(&OutboundCall::to("+14155550123").agent("agent-uuid").customer_name("Ada")).await?;
//! assert_eq!(dialed.handle.id.as_deref(), Some("c1"));
//! assert_eq!(dialed.status, Some(CallStatus::Queued));
//! # Ok(()) }
//! ```
//!
//! Alta (Bearer; needs `agent_id` and `customer_name`; returns no call id):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), agentdial::Error> {
//! # let server = wiremock::MockServer::start().await;
//! # wiremock::Mock::given(wiremock::matchers::path("/assistant/calls")).respond_with(wiremock::ResponseTemplate::new(200)).mount(&server).await;
//! use agentdial::{Client, OutboundCall, Provider};
//! let client = Client::builder(Provider::Alta).api_key("KEY").base_url(server.uri()).build()?;
//! let call = OutboundCall::to("+14155550123").agent("asst_1").customer_name("Ada").variable("plan", "pro");
//! let dialed = client.dial(&call).await?;
//! assert_eq!(dialed.handle.id, None);
//! # Ok(()) }
//! ```
//!
//! Fluents (Bearer JWT; needs `from`, plus `agent` and `telephony_provider` as provider fields):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), agentdial::Error> {
//! # let server = wiremock::MockServer::start().await;
//! # wiremock::Mock::given(wiremock::matchers::path("/v1/calls/create")).respond_with(wiremock::ResponseTemplate::new(201)
//! #     .set_body_json(serde_json::json!({"id": "f1", "user_id": "u1", "status": "in_progress", "to_number": "+14155550123",
//! #     "from_number": "+14155550100", "agent": {}, "telephony_provider": "twilio", "agent_phone_number": "+14155550100",
//! #     "context": {}, "telephony_params": {}, "action_history": []}))).mount(&server).await;
//! use agentdial::{CallStatus, Client, OutboundCall, Provider};
//! let client = Client::builder(Provider::Fluents).api_key("JWT").base_url(server.uri()).build()?;
//! let call = OutboundCall::to("+14155550123")
//!     .from("+14155550100")
//!     .provider_field("agent", serde_json::json!({}))
//!     .provider_field("telephony_provider", "twilio");
//! let dialed = client.dial(&call).await?;
//! assert_eq!(dialed.status, Some(CallStatus::InProgress));
//! # Ok(()) }
//! ```
//!
//! HMS Sovereign (Bearer; `agent_id` and `phone_number_id` are UUIDs; status, wait and hang-up work):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), agentdial::Error> {
//! # let server = wiremock::MockServer::start().await;
//! # wiremock::Mock::given(wiremock::matchers::path("/calls/outbound")).respond_with(wiremock::ResponseTemplate::new(200)
//! #     .set_body_json(serde_json::json!({"success": true, "call_id": "h1", "status": "dialing"}))).mount(&server).await;
//! # wiremock::Mock::given(wiremock::matchers::path("/calls/h1")).respond_with(wiremock::ResponseTemplate::new(200)
//! #     .set_body_json(serde_json::json!({"id": "h1", "status": "ended", "end_reason": "user_hangup", "created_at": "2025-12-13T12:00:00Z",
//! #     "updated_at": "2025-12-13T12:05:00Z", "caller_phone": null, "assistant_phone": null}))).mount(&server).await;
//! use agentdial::{CallStatus, Client, OutboundCall, Provider};
//! use std::time::Duration;
//! let client = Client::builder(Provider::HmsSovereign).api_key("KEY").base_url(server.uri()).build()?;
//! let dialed = client.dial(&OutboundCall::to("+31612345678").agent("2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c")).await?;
//! let id = dialed.handle.id.unwrap();
//! let ended = client.wait_until_ended(&id, Duration::from_millis(50), Duration::from_secs(5)).await?;
//! assert_eq!(ended.status, CallStatus::Ended { reason: Some("user_hangup".into()) });
//! # Ok(()) }
//! ```
//!
//! # What each provider can do
//!
//! [`Client::capabilities`] says it up front; anything else is [`Error::Unsupported`].
//!
//! | provider | dial | call id back | [`Client::call`] / [`Client::wait_until_ended`] | [`Client::hang_up`] |
//! |---|---|---|---|---|
//! | Altur | yes | yes | no (no read endpoint in its document) | no |
//! | Alta | yes | no (200 without a body) | no | no |
//! | Fluents | yes | yes | no (no read endpoint in its document) | no |
//! | HMS Sovereign | yes | yes | yes | yes |
//!
//! # Errors
//!
//! [`Error`] separates invalid input (nothing sent), authentication (401/403), rate limiting (with
//! `Retry-After`), API errors (status, request id, the provider's typed body when it parses, the raw
//! body always), transport errors, timeouts and undecodable responses. None of them, nor the
//! client's `Debug`, contains the API key.
//!
//! # Retries: never dial twice
//!
//! A request that creates a call is resent only when it provably never reached the server
//! (connection refused, DNS failure) or the server refused it unprocessed with a `429` whose
//! `Retry-After` is within [`RetryPolicy::max_retry_after`]. After a timeout, a reset connection, a
//! 5xx or an unreadable answer it is **not** resent, and [`Error::may_have_dialed`] is true: look
//! the call up before trying again. Reads (`call`) are also retried on 5xx and timeouts. Retries
//! back off exponentially with jitter, within [`RetryPolicy::max_attempts`] and
//! [`RetryPolicy::max_elapsed`]. None of the providers documents an idempotency key, so none is sent.
//!
//! A create whose answer is a 429 is resent after its `Retry-After` only when the provider's
//! document declares a 429 for that operation (`spec::OPERATIONS_DECLARING_429` of its crate: a
//! documented rate limit, refused before processing; HMS Sovereign states so for every request).
//! Altur's and Fluents' documents declare none, so their 429 is returned at once as
//! [`Error::RateLimited`]. Any status other than a 4xx (a 3xx too: redirects are never followed)
//! leaves the outcome of a create unknown: [`Error::may_have_dialed`] is true.
//!
//! # Transport
//!
//! - No HTTP client these crates build follows a redirect, whatever
//!   [`ClientBuilder::configure_http`] sets (redirects are turned off after it runs).
//! - The base URL must be `https`, or `http` on a loopback host, unless
//!   [`ClientBuilder::allow_insecure_http`] is set; credentials, a query or a fragment are refused.
//! - Response bodies are read up to [`ClientBuilder::max_response_body`] (default 4 MiB); past it,
//!   [`Error::BodyTooLarge`].
//! - Pooled connections idle for more than 1 s are not reused
//!   ([`agentdial_core::DEFAULT_POOL_IDLE_TIMEOUT`]): below the shortest common server keep-alive
//!   timeouts (gunicorn 2 s; Node.js, Apache httpd, uvicorn 5 s), so a dial is not written into a
//!   connection the server is closing.
//!
//! # Observability
//!
//! Each attempt runs in a `tracing` span `agentdial.request` with `provider`, `operation`,
//! `attempt`, `status`, `request_id` and `duration_ms`; a retry logs an event `retrying` with
//! `wait_ms`, `error` (the [`Error::kind`]), `status` and `request_id`. Neither keys nor bodies are
//! recorded, and a key sent as a query parameter is redacted from every URL an error can print.
//!
//! # Forward compatibility
//!
//! Enums and structs that will grow are `#[non_exhaustive]`: [`CallStatus`], [`Capabilities`],
//! [`OutboundCall`], [`RetryPolicy`], [`Error`], [`ProviderError`], [`DialResponse`], and in the
//! provider crates `AuthScheme`, `BuildError`, `ClientOptions`, `WebhookEvent`, `WebhookError`.
//! A `match` needs a wildcard arm, and structs are built with their constructors:
//!
//! ```compile_fail,E0004
//! fn label(status: agentdial::CallStatus) -> &'static str {
//!     use agentdial::CallStatus::*;
//!     match status { Queued => "queued", Ringing => "ringing", InProgress => "in progress", Ended { .. } => "ended", Failed { .. } => "failed", Unrecognized { .. } => "?" }
//! }
//! ```
//!
//! ```compile_fail,E0639
//! let policy = agentdial::RetryPolicy { max_attempts: 1, ..Default::default() };
//! ```
//!
//! ```compile_fail,E0639
//! let call = agentdial::OutboundCall { to: "+14155550123".into(), ..Default::default() };
//! ```
//!
//! The generated clients are built only through `with_api_key`/`from_options` (progenitor's
//! `new`, whose client follows redirects, is removed; `new_with_client` is private):
//!
//! ```compile_fail,E0599
//! let auth: agentdial::agentdial_core::Auth = unimplemented!();
//! let client = agentdial::altur::Client::new("https://api.altur.io/api/v1.0", auth);
//! ```
//!
//! ```compile_fail,E0624
//! let client = agentdial::altur::Client::new_with_client("https://x", agentdial::reqwest::Client::new(), unimplemented!());
//! ```
//!
//! [`agentdial_core`] and [`reqwest`] are re-exported, since their types appear in this API.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(not(any(feature = "altur", feature = "alta", feature = "fluents", feature = "hmsovereign")))]
compile_error!("agentdial needs at least one provider feature: altur, alta, fluents or hmsovereign");

mod call;
mod client;
mod error;
mod http;
mod providers;
#[cfg(test)]
mod query_key_tests;
mod validate;

/// Runtime shared with the provider crates ([`agentdial_core::BuildError`] is the source of
/// [`Error::Build`]).
pub use agentdial_core;
pub use agentdial_core::ApiKey;
pub use call::{
    CallHandle, CallState, CallStatus, Capabilities, DialResponse, Dialed, OutboundCall, Provider,
    ProviderCall,
};
pub use client::{CallFilter, CallStream, Client, ClientBuilder};
pub use error::{Error, ProviderError};
pub use http::RetryPolicy;
/// The HTTP client library: [`ClientBuilder::configure_http`] takes its `ClientBuilder`, and
/// [`Error::Transport`] carries its error.
pub use reqwest;

#[cfg(feature = "alta")]
#[cfg_attr(docsrs, doc(cfg(feature = "alta")))]
pub use agentdial_alta as alta;
#[cfg(feature = "altur")]
#[cfg_attr(docsrs, doc(cfg(feature = "altur")))]
pub use agentdial_altur as altur;
#[cfg(feature = "fluents")]
#[cfg_attr(docsrs, doc(cfg(feature = "fluents")))]
pub use agentdial_fluents as fluents;
/// With the `hmsovereign` feature alone, the Calls and Call Control operations and the types they
/// reach; with `hmsovereign-full` (a default feature), the whole API and the webhook payloads.
#[cfg(feature = "hmsovereign")]
#[cfg_attr(docsrs, doc(cfg(feature = "hmsovereign")))]
pub use agentdial_hmsovereign as hmsovereign;

// The client, its errors and the futures of its operations cross threads (spawned tasks, `Arc`s).
const _: () = {
    fn send_sync<T: Send + Sync>() {}
    fn send_sync_future<F: std::future::Future + Send + Sync>(_: &F) {}
    #[allow(dead_code)]
    fn checks(client: &Client, call: &OutboundCall) {
        send_sync::<Client>();
        send_sync::<ClientBuilder>();
        send_sync::<Error>();
        send_sync::<Dialed>();
        send_sync_future(&client.dial(call));
        send_sync_future(&client.call("id"));
        send_sync_future(&client.hang_up("id"));
        send_sync_future(&client.wait_until_ended(
            "id",
            std::time::Duration::ZERO,
            std::time::Duration::ZERO,
        ));
    }
};

/// This crate's README (its crates.io page) is compiled as a doctest, so it cannot drift from the
/// API. (The workspace README's examples are doctests of the unpublished `agentdial-tests` crate.)
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
