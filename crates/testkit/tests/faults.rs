//! Every fault, used through `agentdial::Client`, with the number of dials that arrived.

use agentdial::{CallStatus, Client, Error, OutboundCall, Provider, RetryPolicy};
use agentdial_testkit::{Fault, MockProvider, Outcome};
use std::time::{Duration, Instant};

const AGENT: &str = "2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c";

fn call() -> OutboundCall {
    OutboundCall::to("+31612345678").agent(AGENT)
}

fn client(mock: &MockProvider) -> Client {
    let policy =
        RetryPolicy::default().min_delay(Duration::from_millis(50)).max_delay(Duration::from_millis(100));
    mock.client().timeout(Duration::from_millis(800)).retry_policy(policy).build().unwrap()
}

async fn hms() -> (MockProvider, Client) {
    let mock = MockProvider::start(Provider::HmsSovereign).await;
    let client = client(&mock);
    (mock, client)
}

#[tokio::test]
async fn reset_after_read_is_not_retried_and_the_call_exists() {
    let (mock, client) = hms().await;
    mock.fail_next("createOutboundCall", Fault::ResetAfterRead);
    let err = client.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { may_have_dialed: true, .. }), "{err:?}");
    assert_eq!(mock.dials(), 1);
    assert_eq!(mock.calls().len(), 1, "processed before the reset");
    assert_eq!(mock.requests()[0].outcome, Outcome::Faulted { fault: "reset_after_read", processed: true });
}

#[tokio::test]
async fn hang_times_out_without_a_second_dial() {
    let (mock, client) = hms().await;
    mock.fail_next("createOutboundCall", Fault::Hang);
    let err = client.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { may_have_dialed: true, .. }), "{err:?}");
    assert_eq!(mock.dials(), 1);
}

#[tokio::test]
async fn html_502_is_an_api_error_with_the_raw_page() {
    let (mock, client) = hms().await;
    mock.fail_next("createOutboundCall", Fault::html_502());
    let err = client.dial(&call()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 502, details: None, may_have_dialed: true, raw, .. } if raw.contains("502 Bad Gateway")),
        "{err:?}"
    );
    assert_eq!(mock.dials(), 1);
    assert!(mock.calls().is_empty(), "a replaced answer processes nothing");
}

#[tokio::test]
async fn status_503_with_retry_after_on_a_read_is_retried() {
    let (mock, client) = hms().await;
    let id = client.dial(&call()).await.unwrap().handle.id.unwrap();
    mock.fail_next("getCall", Fault::unavailable(0));
    let state = client.call(&id).await.unwrap();
    assert_eq!(state.status, CallStatus::Queued);
    let gets = mock.requests().iter().filter(|r| r.operation.as_deref() == Some("getCall")).count();
    assert_eq!(gets, 2);
    // On a dial, the same 503 is not retried: the call may exist.
    mock.fail_next("createOutboundCall", Fault::unavailable(0));
    let err = client.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Api { status: 503, may_have_dialed: true, .. }), "{err:?}");
    assert_eq!(mock.dials(), 2);
}

#[tokio::test]
async fn status_429_with_retry_after_is_waited_for_and_resent_once() {
    let (mock, client) = hms().await;
    mock.fail_next("createOutboundCall", Fault::rate_limited(0));
    client.dial(&call()).await.expect("resent after Retry-After");
    assert_eq!(mock.dials(), 2);
    assert_eq!(mock.calls().len(), 1, "the 429 was refused unprocessed");
    // Beyond the client's cap: returned with the documented body.
    mock.fail_next("createOutboundCall", Fault::rate_limited(3600));
    let err = client.dial(&call()).await.unwrap_err();
    assert!(
        matches!(&err, Error::RateLimited { retry_after: Some(d), details: Some(agentdial::ProviderError::HmsSovereignEnvelope(_)), .. } if *d == Duration::from_secs(3600)),
        "{err:?}"
    );
    assert_eq!(mock.dials(), 3);
}

#[tokio::test]
async fn a_redirect_on_dial_is_not_followed() {
    let (mock, client) = hms().await;
    mock.fail_next("createOutboundCall", Fault::redirect("/calls/outbound"));
    let err = client.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Api { status: 307, .. }), "{err:?}");
    assert_eq!(mock.dials(), 1, "the POST was not resent to the redirect target");
}

#[tokio::test]
async fn a_truncated_body_may_have_dialed() {
    let (mock, client) = hms().await;
    mock.fail_next("createOutboundCall", Fault::TruncatedBody { keep: 20 });
    let err = client.dial(&call()).await.unwrap_err();
    assert!(err.may_have_dialed(), "{err:?}");
    assert!(matches!(err, Error::Transport { .. } | Error::Decode { .. }), "{err:?}");
    assert_eq!(mock.dials(), 1);
    assert_eq!(mock.calls().len(), 1);
}

#[tokio::test]
async fn a_slow_body_past_the_timeout_is_a_timeout() {
    let (mock, client) = hms().await;
    // 10 bytes every 300 ms: the answer (about 90 bytes) takes far longer than the 800 ms timeout.
    mock.fail_next("createOutboundCall", Fault::slow_body(10, Duration::from_millis(300)));
    let started = Instant::now();
    let err = client.dial(&call()).await.unwrap_err();
    assert!(err.may_have_dialed(), "{err:?}");
    assert!(matches!(err, Error::Timeout { .. } | Error::Transport { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(mock.dials(), 1);
    // A slow body within the timeout is just slow.
    mock.fail_next("createOutboundCall", Fault::slow_body(40, Duration::from_millis(10)));
    client.dial(&call()).await.unwrap();
    assert_eq!(mock.dials(), 2);
}

#[tokio::test]
async fn a_closed_keep_alive_connection_is_retried_for_reads_only() {
    let (mock, client) = hms().await;
    let id = client.dial(&call()).await.unwrap().handle.id.unwrap();
    mock.fail_next("getCall", Fault::CloseKeepAlive);
    client.call(&id).await.expect("a read is resent on a new connection");
    mock.fail_next("createOutboundCall", Fault::CloseKeepAlive);
    let err = client.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { may_have_dialed: true, .. }), "{err:?}");
    assert_eq!(mock.dials(), 2, "not resent");
    assert_eq!(mock.calls().len(), 1, "the closed request was not processed");
}

#[tokio::test]
async fn a_fault_script_runs_in_order() {
    let (mock, client) = hms().await;
    let id = client.dial(&call()).await.unwrap().handle.id.unwrap();
    mock.fault_script("getCall", [Fault::unavailable(0), Fault::html_502()]);
    client.call(&id).await.expect("third attempt answers");
    let outcomes: Vec<_> = mock
        .requests()
        .into_iter()
        .filter(|r| r.operation.as_deref() == Some("getCall"))
        .map(|r| r.outcome)
        .collect();
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    assert!(matches!(outcomes[2], Outcome::Answered { status: 200 }));
}

#[tokio::test]
async fn dial_on_every_provider_through_the_facade() {
    for provider in [Provider::Altur, Provider::Alta, Provider::Fluents, Provider::HmsSovereign] {
        let mock = MockProvider::start(provider).await;
        let client = client(&mock);
        let mut call = OutboundCall::to("+31612345678");
        if provider == Provider::Fluents {
            call = call
                .from("+31201234567")
                .provider_field("agent", serde_json::json!({}))
                .provider_field("telephony_provider", "twilio");
        } else {
            call = call.agent(AGENT);
        }
        if provider == Provider::Alta {
            call = call.customer_name("Ada");
        }
        let dialed = client.dial(&call).await;
        let dialed = dialed.unwrap_or_else(|e| panic!("{provider}: {e:?}: {:#?}", mock.requests()));
        assert_eq!(dialed.handle.id.is_some(), client.capabilities().dial_returns_call_id, "{provider}");
        assert_eq!(mock.dials(), 1);
    }
}
