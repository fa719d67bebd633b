//! [`Client::calls`]: every call of the account as a neutral stream, where the provider can list calls.

use super::Client;
use crate::{CallState, Error};
use futures::Stream;
use std::pin::Pin;
use std::time::SystemTime;

/// Which calls [`Client::calls`] lists. Every field is optional; the default lists all calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallFilter {
    /// Only calls with this status, in the provider's words (HMS Sovereign: `connecting`,
    /// `in-progress`, `ended`, `failed`); a value the provider does not document is refused before
    /// anything is sent.
    pub status: Option<String>,
    /// Only calls from this time on.
    pub since: Option<SystemTime>,
    /// Only calls until this time.
    pub until: Option<SystemTime>,
    /// Calls per request (the provider's default when `None`; HMS Sovereign: 100, at most 1000).
    pub page_size: Option<u32>,
}

impl CallFilter {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }
    pub fn since(mut self, at: SystemTime) -> Self {
        self.since = Some(at);
        self
    }
    pub fn until(mut self, at: SystemTime) -> Self {
        self.until = Some(at);
        self
    }
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }
}

/// The stream [`Client::calls`] returns.
pub type CallStream<'a> = Pin<Box<dyn Stream<Item = Result<CallState, Error>> + Send + 'a>>;

impl Client {
    /// Every call matching `filter`, as a stream that fetches one page per request, lazily, and
    /// stops at the last page without an extra request. Each item is the call's neutral status and
    /// the provider's exact call object, as [`Client::call`] returns them.
    ///
    /// An error (mapped like every other operation's: [`Error::RateLimited`], [`Error::Api`], ...)
    /// is the stream's last item. A 429 between pages is waited out when its `Retry-After` is within
    /// [`RetryPolicy::max_retry_after`](crate::RetryPolicy) (up to three times for one page); other
    /// errors are not retried inside the stream. Needs a tokio runtime with its timer.
    ///
    /// [`Error::Unsupported`] where the provider's document has no way to list calls (only HMS
    /// Sovereign's has), and [`Error::InvalidInput`] for a filter the provider cannot take, before
    /// anything is sent.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), agentdial::Error> {
    /// # let server = wiremock::MockServer::start().await;
    /// # wiremock::Mock::given(wiremock::matchers::path("/calls")).respond_with(wiremock::ResponseTemplate::new(200)
    /// #     .set_body_json(serde_json::json!({"calls": [{"id": "c1", "caller_phone": "+31612345678", "assistant_phone": "+31850835037",
    /// #         "status": "ended", "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z"}],
    /// #         "pagination": {"total": 1, "limit": 100, "offset": 0}}))).mount(&server).await;
    /// use agentdial::{CallFilter, CallStatus, Client, Provider};
    /// use futures::TryStreamExt;
    ///
    /// let client = Client::builder(Provider::HmsSovereign).api_key("KEY").base_url(server.uri()).build()?;
    /// let calls: Vec<_> = client.calls(CallFilter::new().status("ended"))?.try_collect().await?;
    /// assert!(matches!(calls[0].status, CallStatus::Ended { .. }));
    /// # Ok(()) }
    /// ```
    pub fn calls(&self, filter: CallFilter) -> Result<CallStream<'_>, Error> {
        match &self.inner {
            #[cfg(feature = "hmsovereign")]
            super::Inner::HmsSovereign(c) => crate::providers::hmsovereign::calls(
                c,
                &self.retry,
                self.op("list calls", false, true),
                filter,
            ),
            #[allow(unreachable_patterns)]
            _ => {
                let _ = filter;
                Err(self.unsupported("listing calls"))
            }
        }
    }
}
