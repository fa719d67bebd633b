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
//! # Observability
//!
//! Each attempt runs in a `tracing` span `agentdial.request` with `provider`, `operation`,
//! `attempt`, `status`, `request_id` and `duration_ms`. Neither keys nor bodies are recorded.

#[cfg(not(any(feature = "altur", feature = "alta", feature = "fluents", feature = "hmsovereign")))]
compile_error!("agentdial needs at least one provider feature: altur, alta, fluents or hmsovereign");

mod call;
mod client;
mod error;
mod http;
mod providers;
mod validate;

pub use agentdial_core::ApiKey;
pub use call::{CallHandle, CallState, CallStatus, Capabilities, DialResponse, Dialed, OutboundCall, Provider, ProviderCall};
pub use client::{Client, ClientBuilder};
pub use error::{Error, ProviderError};
pub use http::RetryPolicy;

#[cfg(feature = "alta")]
pub use agentdial_alta as alta;
#[cfg(feature = "altur")]
pub use agentdial_altur as altur;
#[cfg(feature = "fluents")]
pub use agentdial_fluents as fluents;
#[cfg(feature = "hmsovereign")]
pub use agentdial_hmsovereign as hmsovereign;
