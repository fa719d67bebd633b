//! The facade client.

use crate::http::{Op, RetryPolicy};
use crate::{CallState, CallStatus, Capabilities, Dialed, Error, OutboundCall, Provider};
use agentdial_core::{ApiKey, BuildError, ClientOptions};
use std::time::{Duration, Instant};

mod calls;
pub use calls::{CallFilter, CallStream};

/// Builds a [`Client`]; see [`Client::builder`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    provider: Provider,
    key: Option<ApiKey>,
    /// Everything but the key, which may come from the environment at [`build`](Self::build).
    options: ClientOptions,
    retry: RetryPolicy,
}

impl ClientBuilder {
    /// The API key. Without one, [`build`](Self::build) reads [`Provider::env_var`].
    pub fn api_key(mut self, key: impl Into<ApiKey>) -> Self {
        self.key = Some(key.into());
        self
    }
    /// Overrides the base URL the provider's document gives. It must be `https`, or `http` on a
    /// loopback host (`localhost`, `127.0.0.0/8`, `::1`) unless
    /// [`allow_insecure_http`](Self::allow_insecure_http) is set; credentials (`user:password@`), a
    /// query or a fragment are refused.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.options.base_url = Some(url.into());
        self
    }
    /// Allows a plain `http` base URL on a host that is not loopback: the key then crosses the
    /// network in clear text. Only for a trusted network (a sidecar proxy, a test rig).
    pub fn allow_insecure_http(mut self) -> Self {
        self.options.allow_insecure_http = true;
        self
    }
    /// Whole-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = timeout;
        self
    }
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.options.user_agent = ua.into();
        self
    }
    /// The most bytes of a response body that are read (default 4 MiB,
    /// [`agentdial_core::DEFAULT_MAX_RESPONSE_BODY`]); a longer body is [`Error::BodyTooLarge`].
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.options.max_response_body = bytes;
        self
    }
    /// Configures the `reqwest::ClientBuilder` the HTTP client is built from (proxies, TLS roots,
    /// DNS, pool and timeouts). Redirects are turned off after it runs: whatever it sets, no
    /// redirect is ever followed, so a call-creating request is never resent by one.
    pub fn configure_http(
        mut self,
        configure: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.options = self.options.configure_http(configure);
        self
    }
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    pub fn build(self) -> Result<Client, Error> {
        let provider = self.provider;
        let key = match self.key {
            Some(k) => k,
            None => match std::env::var(provider.env_var()) {
                Ok(k) => ApiKey::new(k),
                Err(_) => {
                    return Err(Error::InvalidInput {
                        provider: Some(provider),
                        message: format!("no API key: pass one to the builder or set {}", provider.env_var()),
                    });
                }
            },
        };
        let mut options = self.options;
        options.key = key;
        let map = |e: BuildError| match e {
            BuildError::Http(_) => Error::Build { provider, source: e },
            other => Error::InvalidInput { provider: Some(provider), message: other.to_string() },
        };
        let inner = match provider {
            #[cfg(feature = "altur")]
            Provider::Altur => Inner::Altur(agentdial_altur::Client::from_options(options).map_err(map)?),
            #[cfg(feature = "alta")]
            Provider::Alta => Inner::Alta(agentdial_alta::Client::from_options(options).map_err(map)?),
            #[cfg(feature = "fluents")]
            Provider::Fluents => {
                Inner::Fluents(agentdial_fluents::Client::from_options(options).map_err(map)?)
            }
            #[cfg(feature = "hmsovereign")]
            Provider::HmsSovereign => {
                Inner::HmsSovereign(agentdial_hmsovereign::Client::from_options(options).map_err(map)?)
            }
            #[allow(unreachable_patterns)]
            _ => {
                let _ = (options, map);
                return Err(Error::Unsupported {
                    provider,
                    operation: "building a client",
                    reason: "this build of agentdial has the provider's cargo feature turned off",
                });
            }
        };
        Ok(Client { provider, inner, retry: self.retry })
    }
}

#[derive(Debug, Clone)]
enum Inner {
    #[cfg(feature = "altur")]
    Altur(agentdial_altur::Client),
    #[cfg(feature = "alta")]
    Alta(agentdial_alta::Client),
    #[cfg(feature = "fluents")]
    Fluents(agentdial_fluents::Client),
    #[cfg(feature = "hmsovereign")]
    HmsSovereign(agentdial_hmsovereign::Client),
}

/// One client for one provider. Cheap to clone (the HTTP connection pool is shared).
#[derive(Debug, Clone)]
pub struct Client {
    provider: Provider,
    inner: Inner,
    retry: RetryPolicy,
}

impl Client {
    pub fn builder(provider: Provider) -> ClientBuilder {
        ClientBuilder { provider, key: None, options: ClientOptions::new(""), retry: RetryPolicy::default() }
    }

    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// What this provider supports, before you try.
    pub fn capabilities(&self) -> Capabilities {
        self.provider.capabilities()
    }

    fn op(&self, name: &'static str, creates_call: bool, idempotent: bool) -> Op {
        Op { provider: self.provider, name, creates_call, idempotent, resend_on_429: idempotent }
    }

    fn unsupported(&self, operation: &'static str) -> Error {
        Error::Unsupported { provider: self.provider, operation, reason: self.capabilities().notes }
    }

    /// Places a call. The request is validated before anything is sent, and it is never resent once
    /// it may have reached the server: on error, check [`Error::may_have_dialed`].
    pub async fn dial(&self, call: &OutboundCall) -> Result<Dialed, Error> {
        crate::validate::e164(self.provider, "destination number `to`", &call.to)?;
        if let Some(from) = &call.from {
            crate::validate::e164(self.provider, "caller number `from`", from)?;
        }
        for (field, value) in [
            ("agent_id", &call.agent_id),
            ("phone_number_id", &call.phone_number_id),
            ("customer_name", &call.customer_name),
        ] {
            if let Some(v) = value {
                crate::validate::non_empty(self.provider, field, v)?;
            }
        }
        let op = self.op("dial", true, false); // resend_on_429 is set per provider from its document
        match &self.inner {
            #[cfg(feature = "altur")]
            Inner::Altur(c) => crate::providers::altur::dial(c, &self.retry, op, call).await,
            #[cfg(feature = "alta")]
            Inner::Alta(c) => crate::providers::alta::dial(c, &self.retry, op, call).await,
            #[cfg(feature = "fluents")]
            Inner::Fluents(c) => crate::providers::fluents::dial(c, &self.retry, op, call).await,
            #[cfg(feature = "hmsovereign")]
            Inner::HmsSovereign(c) => crate::providers::hmsovereign::dial(c, &self.retry, op, call).await,
        }
    }

    /// The call's normalized status and the provider's exact call object.
    pub async fn call(&self, id: &str) -> Result<CallState, Error> {
        crate::validate::non_empty(self.provider, "call id", id)?;
        match &self.inner {
            #[cfg(feature = "hmsovereign")]
            Inner::HmsSovereign(c) => {
                crate::providers::hmsovereign::call(c, &self.retry, self.op("get call", false, true), id)
                    .await
            }
            #[allow(unreachable_patterns)]
            _ => Err(self.unsupported("reading a call")),
        }
    }

    /// Ends a call in progress.
    pub async fn hang_up(&self, id: &str) -> Result<(), Error> {
        crate::validate::non_empty(self.provider, "call id", id)?;
        match &self.inner {
            #[cfg(feature = "hmsovereign")]
            Inner::HmsSovereign(c) => {
                crate::providers::hmsovereign::hang_up(c, &self.retry, self.op("hang up", false, false), id)
                    .await
            }
            #[allow(unreachable_patterns)]
            _ => Err(self.unsupported("hanging up")),
        }
    }

    /// Polls [`call`](Self::call) every `poll_interval` until the call has ended or failed, or until
    /// `deadline` (then [`Error::Deadline`]; a poll in flight is cut off there too). A 429 waits as
    /// long as its `Retry-After` says, within [`RetryPolicy::max_retry_after`](crate::RetryPolicy) and
    /// the deadline; a longer one, and any other error, is returned.
    pub async fn wait_until_ended(
        &self,
        id: &str,
        poll_interval: Duration,
        deadline: Duration,
    ) -> Result<CallState, Error> {
        if !self.capabilities().call_status {
            return Err(self.unsupported("waiting for a call to end"));
        }
        let start = Instant::now();
        // A deadline too far to represent is no deadline.
        let end =
            start.checked_add(deadline).unwrap_or_else(|| start + Duration::from_secs(100 * 365 * 24 * 3600));
        let mut last: Option<CallStatus> = None;
        loop {
            // Each poll (with its own retries) is bounded by the deadline too.
            let polled = match tokio::time::timeout_at(end.into(), self.call(id)).await {
                Ok(result) => result,
                Err(_) => {
                    return Err(Error::Deadline {
                        provider: self.provider,
                        id: id.to_owned(),
                        last_status: last,
                    });
                }
            };
            let wait = match polled {
                Ok(state) if state.status.is_final() => return Ok(state),
                Ok(state) => {
                    last = Some(state.status);
                    poll_interval
                }
                // Waited out like the retry policy does: up to its cap, else returned.
                Err(Error::RateLimited { retry_after, .. })
                    if retry_after.unwrap_or_default() <= self.retry.max_retry_after =>
                {
                    retry_after.unwrap_or(poll_interval).max(poll_interval)
                }
                Err(e) => return Err(e),
            };
            let now = Instant::now();
            if wait >= end.saturating_duration_since(now) {
                if end > now {
                    tokio::time::sleep(end - now).await;
                }
                return Err(Error::Deadline {
                    provider: self.provider,
                    id: id.to_owned(),
                    last_status: last,
                });
            }
            tokio::time::sleep(wait).await;
        }
    }
}
