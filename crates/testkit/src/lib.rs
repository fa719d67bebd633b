//! In-process mock servers of the agentdial providers, for testing code that places calls.
//!
//! [`MockProvider::start`] serves one provider's API on loopback. It knows the provider's
//! (transformed) OpenAPI document, embedded in this crate:
//!
//! - every request is checked: method and path, the auth scheme (`Authorization: api-key KEY` for
//!   Altur, `Bearer KEY` for the others) and the JSON body against the operation's request schema
//!   (JSON Schema 2020-12, [`jsonschema`]). An invalid request gets the provider's documented
//!   validation error (400, or 422 where only that is documented) with a body of the documented
//!   type naming what is wrong, and is recorded as [`Outcome::Rejected`];
//! - every documented operation answers with a body of its documented type: each answer is
//!   decoded into the provider crate's generated type before it is sent (`spec::decode_schema`);
//! - HMS Sovereign keeps state: a dial creates a call that moves through `connecting`, `ringing`,
//!   `in-progress` and `ended` when you [`advance`](MockProvider::advance) the clock (or on every
//!   poll, [`Clock::EveryPoll`]), hang-up ends it, lists page over what exists, and assistants,
//!   numbers, campaigns, ... are created, read, updated and deleted consistently;
//! - HMS Sovereign webhooks (`status-update`, `end-of-call-report`) are delivered, signed as the
//!   provider signs them, to receivers you [`register`](MockProvider::register_webhook);
//! - [`fail_next`](MockProvider::fail_next) injects a [`Fault`] into the next request of an
//!   operation: a reset after the request was read, no answer, any status and body, redirects,
//!   truncated and slow bodies, closed keep-alive connections;
//! - every request is recorded ([`requests`](MockProvider::requests), without the key) and
//!   [`dials`](MockProvider::dials) counts the call-creating requests that arrived.
//!
//! ```
//! use agentdial::{Client, Error, OutboundCall, Provider};
//! use agentdial_testkit::{Fault, MockProvider};
//! use std::time::Duration;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let mock = MockProvider::start(Provider::HmsSovereign).await;
//! let client = mock.client().timeout(Duration::from_millis(500)).build().unwrap();
//! mock.fail_next("createOutboundCall", Fault::Hang);
//!
//! let call = OutboundCall::to("+31612345678").agent("2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c");
//! let err = client.dial(&call).await.unwrap_err();
//! assert!(matches!(err, Error::Timeout { .. }) && err.may_have_dialed());
//! // The dial reached the server: the call exists. Do not dial again; look it up.
//! assert_eq!(mock.dials(), 1);
//! assert_eq!(mock.calls().len(), 1);
//! # }
//! ```
//!
//! `cargo run -p agentdial-testkit -- serve hmsovereign --port 4010` serves the same mock for tests
//! in other languages, with an admin API under `/__testkit/` (see the binary's `--help`).

#![cfg_attr(docsrs, feature(doc_cfg))]

mod document;
mod fault;
mod handler;
mod hms;
mod server;

pub use agentdial::Provider;
pub use agentdial_hmsovereign::types::CallStatus;
pub use fault::Fault;

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Why the mock could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("{0}")]
    Document(String),
}

/// How HMS Sovereign calls move through their statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Clock {
    /// Only [`MockProvider::advance`] moves calls (the default).
    #[default]
    Manual,
    /// Each `GET /calls/{id}` answers with the call's status, then moves that call one step.
    EveryPoll,
}

/// What became of a recorded request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// Answered with this status (processed).
    Answered { status: u16 },
    /// Refused before processing: unknown path or method, wrong auth, invalid parameters or body.
    Rejected { status: u16, reason: String },
    /// A [`Fault`] was injected (`processed`: the request took effect before the fault hit the answer).
    Faulted { fault: &'static str, processed: bool },
}

/// One request as the mock received it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedRequest {
    /// The document's `operationId`, when the method and path match one.
    pub operation: Option<String>,
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Every header except the one carrying the key (and any other whose value contains it).
    pub headers: Vec<(String, String)>,
    /// The body as JSON, when it is JSON.
    pub body: Option<serde_json::Value>,
    /// The body as received (lossy UTF-8).
    pub raw_body: String,
    pub outcome: Outcome,
}

/// One operation the mock serves (from the provider's document).
#[derive(Debug, Clone, PartialEq)]
pub struct OperationInfo {
    /// The document's `operationId` (what [`MockProvider::fail_next`] takes).
    pub id: String,
    pub method: String,
    /// The path template, e.g. `/calls/{id}`.
    pub path: String,
    /// A body the mock accepts, when the operation takes a JSON body.
    pub sample_body: Option<serde_json::Value>,
    /// The documented success status.
    pub success_status: u16,
    /// The documented status of a refused body.
    pub validation_status: u16,
}

/// A webhook delivery the mock made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    pub url: String,
    /// `status-update` or `end-of-call-report`.
    pub event: String,
    pub call_id: String,
    pub body: String,
    /// The receiver's answer status, or `None` when it could not be reached.
    pub status: Option<u16>,
}

/// A call the HMS Sovereign mock holds.
#[derive(Debug, Clone, PartialEq)]
pub struct MockCall {
    pub id: String,
    pub status: CallStatus,
    /// The body of the request that created it.
    pub request: serde_json::Value,
}

pub(crate) struct Shared {
    pub doc: Arc<document::Document>,
    pub key: String,
    pub state: Mutex<hms::State>,
    pub shutdown: tokio::sync::watch::Sender<bool>,
    pub admin: bool,
    pub base_url: String,
    pub http: reqwest::Client,
}

impl Shared {
    pub(crate) fn state(&self) -> std::sync::MutexGuard<'_, hms::State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A provider's API served on loopback. Stops when dropped.
pub struct MockProvider {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl std::fmt::Debug for MockProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockProvider")
            .field("provider", &self.shared.doc.provider)
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for MockProvider {
    fn drop(&mut self) {
        let _ = self.shared.shutdown.send(true);
    }
}

impl MockProvider {
    /// Starts a mock of `provider` on an ephemeral loopback port.
    ///
    /// # Panics
    /// When no loopback port can be bound (a test helper; [`try_start`](Self::try_start) returns
    /// the error instead).
    pub async fn start(provider: Provider) -> Self {
        match Self::try_start(provider).await {
            Ok(mock) => mock,
            Err(e) => panic!("agentdial-testkit: {e}"),
        }
    }

    /// Starts a mock of `provider` on an ephemeral loopback port.
    pub async fn try_start(provider: Provider) -> Result<Self, StartError> {
        Self::bind(provider, SocketAddr::from(([127, 0, 0, 1], 0)), false).await
    }

    /// Starts a mock on `addr`; `admin` serves the admin API under `/__testkit/` (the binary).
    pub async fn bind(provider: Provider, addr: SocketAddr, admin: bool) -> Result<Self, StartError> {
        let doc = document::document(provider).map_err(StartError::Document)?;
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr, source })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind { addr, source })?;
        let (shutdown, _) = tokio::sync::watch::channel(false);
        let shared = Arc::new(Shared {
            doc,
            key: format!("testkit-{}-key", provider.name().to_ascii_lowercase().replace(' ', "")),
            state: Mutex::new(hms::State::default()),
            shutdown,
            admin,
            base_url: format!("http://{addr}"),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
        });
        tokio::spawn(server::serve(listener, shared.clone()));
        Ok(Self { shared, addr })
    }

    pub fn provider(&self) -> Provider {
        self.shared.doc.provider
    }

    /// `http://127.0.0.1:PORT`: the base URL to give the client (the document's paths are served
    /// from the root).
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The only key the mock accepts.
    pub fn api_key(&self) -> &str {
        &self.shared.key
    }

    /// An [`agentdial::Client`] builder for this mock (base URL and key set; no retry delays
    /// beyond the default policy).
    pub fn client(&self) -> agentdial::ClientBuilder {
        agentdial::Client::builder(self.provider()).base_url(self.base_url()).api_key(self.api_key())
    }

    /// Every documented operation.
    pub fn operations(&self) -> Vec<OperationInfo> {
        let doc = &self.shared.doc;
        doc.operations
            .iter()
            .map(|op| OperationInfo {
                id: op.id.clone(),
                method: op.method.clone(),
                path: op.template.clone(),
                sample_body: op.body_schema.as_ref().map(|s| doc.sample(s, None)),
                success_status: op.responses.keys().copied().find(|s| (200..300).contains(s)).unwrap_or(200),
                validation_status: handler::validation_status(op),
            })
            .collect()
    }

    /// Injects `fault` into the answer to the next request of `operation` (the document's
    /// `operationId`, e.g. `createOutboundCall`; `*` for any). Faults queue up in order.
    pub fn fail_next(&self, operation: &str, fault: Fault) {
        self.shared.state().faults.push((operation.to_owned(), fault));
    }

    /// Queues several faults for `operation`, one per request, in order.
    pub fn fault_script(&self, operation: &str, faults: impl IntoIterator<Item = Fault>) {
        let mut state = self.shared.state();
        state.faults.extend(faults.into_iter().map(|f| (operation.to_owned(), f)));
    }

    /// Drops every fault not yet used.
    pub fn clear_faults(&self) {
        self.shared.state().faults.clear();
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.clone()
    }

    /// Requests to the provider's call-creating operation that reached the server, whatever was
    /// answered (rejected and faulted ones included): "exactly one dial" is `dials() == 1`.
    pub fn dials(&self) -> usize {
        let op = hms::dial_operation(self.provider());
        self.shared.state().requests.iter().filter(|r| r.operation.as_deref() == Some(op)).count()
    }

    /// The HMS Sovereign calls that exist.
    pub fn calls(&self) -> Vec<MockCall> {
        self.shared.state().calls.iter().map(|c| c.public()).collect()
    }

    /// How calls move (default [`Clock::Manual`]).
    pub fn set_clock(&self, clock: Clock) {
        self.shared.state().clock = clock;
    }

    /// The statuses calls created from now on go through (default `connecting`, `ringing`,
    /// `in-progress`, `ended`); the last one is final.
    pub fn call_script(&self, statuses: impl IntoIterator<Item = CallStatus>) {
        let script: Vec<CallStatus> = statuses.into_iter().collect();
        if !script.is_empty() {
            self.shared.state().script = script;
        }
    }

    /// Moves every call that has not reached the end of its script one step, and delivers the
    /// webhooks of the changes before returning.
    pub async fn advance(&self) {
        let events = self.shared.state().advance_all(&self.shared.doc);
        hms::deliver(&self.shared, events).await;
    }

    /// Moves one call one step (see [`advance`](Self::advance)); `false` when there is no such call.
    pub async fn advance_call(&self, id: &str) -> bool {
        let Some(events) = self.shared.state().advance_one(&self.shared.doc, id) else { return false };
        hms::deliver(&self.shared, events).await;
        true
    }

    /// Delivers HMS Sovereign `status-update` and `end-of-call-report` events for every status
    /// change from now on to `url`, signed with `secret` (`X-Webhook-Signature: sha256=HMAC-SHA256(
    /// secret, "{timestamp}.{body}")`, as `agentdial_hmsovereign::webhooks::Verifier` checks).
    pub fn register_webhook(&self, url: impl Into<String>, secret: impl Into<String>) {
        self.shared.state().webhooks.push(hms::Receiver { url: url.into(), secret: secret.into() });
    }

    /// Every webhook delivery so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.state().deliveries.clone()
    }
}
