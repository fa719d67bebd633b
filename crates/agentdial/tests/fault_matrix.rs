//! The fault matrix: how the facade behaves when the network or the server misbehaves while
//! placing a call. Every row asserts how many requests the server received. All servers are on
//! loopback.
//!
//! Rows run against `agentdial_testkit::MockProvider` (the project's own testkit: it checks every
//! request against the provider's document and the key, and counts dials) with a `Fault` injected.
//! Three rows keep a server of their own, each saying why: a connection refused before any server
//! exists, a server whose keep-alive timer closes idle connections, and a body that never ends.

use agentdial::{CallStatus, Client, Error, OutboundCall, Provider, RetryPolicy};
use agentdial_testkit::{Fault, MockProvider, Outcome};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
#[path = "support/trace.rs"]
mod trace;

const KEY: &str = "hms-secret-key-never-printed";
const AGENT: &str = "2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c";
const CREATE: &str = "createOutboundCall";
const GET: &str = "getCall";

fn policy() -> RetryPolicy {
    RetryPolicy::default().min_delay(Duration::from_millis(300)).max_delay(Duration::from_millis(600))
}

/// An HMS Sovereign mock and a client of it (0.8 s timeout, short retry delays).
async fn hms() -> (MockProvider, Client) {
    let mock = MockProvider::start(Provider::HmsSovereign).await;
    let client = mock.client().timeout(Duration::from_millis(800)).retry_policy(policy()).build().unwrap();
    (mock, client)
}

/// A client of a server of this file's own (the rows the testkit cannot express).
fn client(base: &str) -> Client {
    Client::builder(Provider::HmsSovereign)
        .api_key(KEY)
        .base_url(base)
        .timeout(Duration::from_millis(800))
        .retry_policy(policy())
        .build()
        .unwrap()
}

fn call() -> OutboundCall {
    OutboundCall::to("+31612345678").agent(AGENT).variable("crm_id", "12345")
}

/// Answers `status` with these headers and this body, instead of processing the request.
fn answer(status: u16, headers: &[(&str, &str)], body: impl Into<String>) -> Fault {
    Fault::Status {
        status,
        headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        body: body.into(),
    }
}

fn json_answer(status: u16, body: &serde_json::Value) -> Fault {
    answer(status, &[("content-type", "application/json")], body.to_string())
}

/// Requests of `operation` that reached the mock.
fn count(mock: &MockProvider, operation: &str) -> usize {
    mock.requests().iter().filter(|r| r.operation.as_deref() == Some(operation)).count()
}

fn assert_no_key(error: &Error, key: &str) {
    assert!(!format!("{error:?}").contains(key) && !error.to_string().contains(key), "key leaked: {error:?}");
}

/// Not on the testkit: the client must be built (with the mock's key) before anything listens on
/// its address, and the mock's key exists only once it runs.
#[tokio::test]
async fn connection_refused_then_success_is_retried() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = reserved.local_addr().unwrap();
    drop(reserved); // nothing listens: the first attempt is refused
    let server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let listener = std::net::TcpListener::bind(addr).unwrap();
        let server = MockServer::builder().listener(listener).start().await;
        let created =
            json!({"success": true, "call_id": "call_123", "status": "dialing", "room_name": "room-1"});
        Mock::given(method("POST"))
            .and(path("/calls/outbound"))
            .respond_with(ResponseTemplate::new(200).set_body_json(created))
            .mount(&server)
            .await;
        server
    });
    let dialed = client(&format!("http://{addr}")).dial(&call()).await.expect("retried after the refusal");
    assert_eq!(dialed.handle.id.as_deref(), Some("call_123"));
    let server = server.await.unwrap();
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "the refused attempt never reached a server; the retry did, once"
    );
}

#[tokio::test]
async fn reset_after_the_request_was_read_is_not_retried() {
    let (mock, client) = hms().await;
    mock.fail_next(CREATE, Fault::ResetAfterRead);
    let err = client.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { may_have_dialed: true, .. }), "{err:?}");
    assert!(err.may_have_dialed());
    assert_no_key(&err, mock.api_key());
    assert_eq!(mock.dials(), 1, "one request read, never resent");
    assert_eq!(mock.calls().len(), 1, "processed before the reset: the call exists");
}

#[tokio::test]
async fn server_that_never_answers_times_out_without_retry() {
    let (mock, client) = hms().await;
    mock.fail_next(CREATE, Fault::Hang);
    let started = Instant::now();
    let err = client.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { may_have_dialed: true, .. }), "{err:?}");
    // A guard, not a timing measurement: the server never answers, so only the client's own
    // timeout can end this; ten times that timeout leaves room for a loaded machine.
    assert!(started.elapsed() < Duration::from_secs(10), "gave up at the timeout: {:?}", started.elapsed());
    assert_eq!(mock.dials(), 1);
}

#[tokio::test]
async fn status_500_on_create_is_not_retried_and_keeps_the_body() {
    let (mock, client) = hms().await;
    let body = json!({"error": "internal_error", "message": "Something went wrong"});
    mock.fail_next(CREATE, json_answer(500, &body));
    let err = client.dial(&call()).await.unwrap_err();
    match &err {
        Error::Api { status: 500, raw, details, may_have_dialed: true, .. } => {
            assert_eq!(serde_json::from_str::<serde_json::Value>(raw).unwrap(), body);
            assert!(
                matches!(details, Some(agentdial::ProviderError::HmsSovereign(e)) if e.error == "internal_error")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(mock.dials(), 1);
}

#[tokio::test]
async fn status_429_with_retry_after_is_retried_once_after_the_delay() {
    let (mock, client) = hms().await;
    mock.fail_next(CREATE, Fault::rate_limited(1)); // the documented 429 body, `Retry-After: 1`
    let started = Instant::now();
    let dialed = client.dial(&call()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After honoured: {:?}", started.elapsed());
    let calls = mock.calls();
    assert_eq!(calls.len(), 1, "the 429 was refused unprocessed, the resent dial placed the call");
    assert_eq!(dialed.handle.id.as_deref(), Some(calls[0].id.as_str()));
    assert_eq!(mock.dials(), 2);
}

#[tokio::test]
async fn status_429_with_retry_after_beyond_the_cap_is_an_error() {
    let (mock, client) = hms().await;
    let body = json!({"error": {"code": "rate_limit_exceeded", "message": "later"}});
    mock.fail_next(
        CREATE,
        answer(429, &[("retry-after", "120"), ("content-type", "application/json")], body.to_string()),
    );
    let err = client.dial(&call()).await.unwrap_err();
    match &err {
        Error::RateLimited {
            retry_after: Some(d),
            details: Some(agentdial::ProviderError::HmsSovereignEnvelope(e)),
            ..
        } => {
            assert_eq!(*d, Duration::from_secs(120));
            assert_eq!(e.error.code, "rate_limit_exceeded");
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.may_have_dialed());
    assert_eq!(mock.dials(), 1);
}

#[tokio::test]
async fn html_502_page_is_a_typed_error_with_the_raw_body() {
    let (mock, client) = hms().await;
    let page = Fault::html_502();
    let Fault::Status { body: html, .. } = page.clone() else { unreachable!() };
    mock.fail_next(CREATE, page);
    let err = client.dial(&call()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 502, raw, details: None, may_have_dialed: true, .. } if *raw == html),
        "{err:?}"
    );
    assert_eq!(mock.dials(), 1);
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_with_the_raw_body() {
    let (mock, client) = hms().await;
    let truncated = r#"{"success": true, "call_id": "call_1"#;
    mock.fail_next(CREATE, answer(200, &[("content-type", "application/json")], truncated));
    let err = client.dial(&call()).await.unwrap_err();
    assert!(matches!(&err, Error::Decode { raw, may_have_dialed: true, .. } if raw == truncated), "{err:?}");
    assert_eq!(mock.dials(), 1);
}

#[tokio::test]
async fn a_body_cut_short_by_the_connection_may_have_dialed() {
    // The answer's headers promise the whole body; the connection closes after 20 bytes of it.
    let (mock, client) = hms().await;
    mock.fail_next(CREATE, Fault::TruncatedBody { keep: 20 });
    let err = client.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. } | Error::Decode { .. }), "{err:?}");
    assert!(err.may_have_dialed(), "{err:?}");
    assert_eq!(mock.dials(), 1);
    assert_eq!(mock.calls().len(), 1, "processed before the answer was cut");
}

#[tokio::test]
async fn unknown_enum_values_and_extra_fields_are_parsed() {
    let (mock, client) = hms().await;
    mock.fail_next(
        CREATE,
        json_answer(
            200,
            &json!({"success": true, "call_id": "call_9", "status": "dialing", "new_field": [1, 2]}),
        ),
    );
    mock.fail_next(
        GET,
        json_answer(
            200,
            &json!({
                "id": "call_9", "status": "voicemail-detected", "created_at": "2025-12-13T12:00:00Z", "updated_at": "2025-12-13T12:00:05Z",
                "caller_phone": null, "assistant_phone": "+31850835037", "sentiment": "positive"
            }),
        ),
    );
    let dialed = client.dial(&call()).await.unwrap();
    assert_eq!(dialed.handle.id.as_deref(), Some("call_9"));
    let state = client.call("call_9").await.unwrap();
    assert_eq!(state.status, CallStatus::Unrecognized { status: "voicemail-detected".into() });
    assert_eq!(mock.requests().len(), 2);
}

#[tokio::test]
async fn a_create_response_breaking_a_documented_constant_is_undecodable_but_may_have_dialed() {
    // The document gives the create response's `status` one value ("dialing"): a constant, not an
    // open set. Another value is not silently accepted; the error says the call may exist and keeps
    // the body (with the call id) for the caller to look the call up.
    let (mock, client) = hms().await;
    mock.fail_next(
        CREATE,
        json_answer(200, &json!({"success": true, "call_id": "call_9", "status": "queued-by-carrier"})),
    );
    let err = client.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.may_have_dialed());
    assert!(err.raw_body().is_some_and(|raw| raw.contains("call_9")), "{err:?}");
    assert_eq!(mock.dials(), 1);
}

#[tokio::test]
async fn reads_are_retried_on_5xx() {
    let (mock, client) = hms().await;
    let id = client.dial(&call()).await.unwrap().handle.id.unwrap();
    for _ in 0..3 {
        mock.advance().await; // connecting → ringing → in-progress → ended
    }
    mock.fail_next(GET, answer(503, &[], ""));
    let state = client.call(&id).await.unwrap();
    assert_eq!(state.status, CallStatus::Ended { reason: Some("customer-ended-call".into()) });
    assert_eq!(count(&mock, GET), 2);
    assert_eq!(mock.dials(), 1);
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    let (mock, c) = hms().await;
    for bad in [
        OutboundCall::to("0612345678"),
        OutboundCall::to("+31612345678").agent("not-a-uuid"),
        OutboundCall::to("+31612345678").agent("  "),
    ] {
        let err = c.dial(&bad).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{bad:?}: {err:?}");
    }
    assert!(matches!(c.call("").await, Err(Error::InvalidInput { .. })));

    let empty_key = mock.client().api_key("").build().unwrap_err();
    assert!(matches!(empty_key, Error::InvalidInput { .. }), "{empty_key:?}");
    let relative = mock.client().base_url("/api/v1").build().unwrap_err();
    assert!(
        matches!(&relative, Error::InvalidInput { message, .. } if message.contains("/api/v1")),
        "{relative:?}"
    );
    assert_no_key(&relative, mock.api_key());
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
}

#[tokio::test]
async fn nothing_prints_the_key() {
    let (mock, c) = hms().await;
    mock.fail_next(CREATE, json_answer(401, &json!({"error": "unauthorized", "message": "Invalid API key"})));
    assert!(!format!("{c:?}").contains(mock.api_key()), "{c:?}");
    let err = c.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Authentication { status: 401, .. }), "{err:?}");
    assert_no_key(&err, mock.api_key());
    let requests = mock.requests();
    // A fault is injected only after the mock has checked `Authorization: Bearer KEY`: the key is
    // sent, only not printed.
    assert_eq!(requests[0].outcome, Outcome::Faulted { fault: "status", processed: false });
    assert!(requests[0].headers.iter().all(|(name, _)| name != "api-version"), "{:?}", requests[0].headers);
    // A wrong key is refused by the mock with the documented 401, and not printed either.
    let wrong = "wrong-key-never-printed";
    let err = mock.client().api_key(wrong).build().unwrap().dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Authentication { status: 401, .. }), "{err:?}");
    assert_no_key(&err, wrong);
    assert!(matches!(mock.requests()[1].outcome, Outcome::Rejected { status: 401, .. }));
}
#[tokio::test]
async fn unsupported_operations_are_typed_and_announced() {
    let c = Client::builder(Provider::Alta).api_key("k").build().unwrap();
    assert!(!c.capabilities().call_status && !c.capabilities().dial_returns_call_id);
    for err in [
        c.call("x").await.unwrap_err(),
        c.hang_up("x").await.unwrap_err(),
        c.wait_until_ended("x", Duration::from_millis(1), Duration::from_millis(1)).await.unwrap_err(),
    ] {
        assert!(matches!(err, Error::Unsupported { provider: Provider::Alta, .. }), "{err:?}");
    }
}

#[tokio::test]
async fn missing_key_names_the_environment_variable() {
    if std::env::var_os("ALTUR_API_KEY").is_some() {
        return; // a real key is configured here; the message is what this test checks
    }
    let err = Client::builder(Provider::Altur).build().unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { message, .. } if message.contains("ALTUR_API_KEY")),
        "{err:?}"
    );
}

#[tokio::test]
async fn documented_error_status_with_an_unparseable_body_keeps_its_status() {
    // A 429 whose body is not the documented JSON is still a 429: honoured, then retried.
    let (mock, client) = hms().await;
    mock.fail_next(
        CREATE,
        answer(429, &[("retry-after", "0"), ("content-type", "text/html")], "<html>slow down</html>"),
    );
    client.dial(&call()).await.expect("the 429 was recognized and retried");
    assert_eq!(mock.dials(), 2);

    // A documented 401 with an HTML body is an authentication error carrying that body.
    mock.fail_next(CREATE, answer(401, &[("content-type", "text/html")], "<h1>nope</h1>"));
    let err = client.dial(&call()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Authentication { status: 401, raw, details: None, .. } if raw == "<h1>nope</h1>"),
        "{err:?}"
    );
    assert!(!err.may_have_dialed());
    assert_eq!(mock.dials(), 3);

    // A documented 500 with an HTML body on a read is retried like any 5xx, up to max_attempts.
    let html = || answer(500, &[("content-type", "text/html")], "<html>oops</html>");
    mock.fault_script(GET, [html(), html(), html(), html()]);
    let err = client.call("c1").await.unwrap_err();
    assert!(matches!(&err, Error::Api { status: 500, raw, .. } if raw == "<html>oops</html>"), "{err:?}");
    assert_eq!(count(&mock, GET), 3, "read retried up to max_attempts");
}

#[tokio::test]
async fn a_create_answer_that_says_it_failed_is_an_error() {
    let (mock, client) = hms().await;
    mock.fail_next(CREATE, json_answer(200, &json!({"success": false, "call_id": "", "status": "dialing"})));
    let err = client.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Api { status: 200, may_have_dialed: true, .. }), "{err:?}");
    assert_eq!(mock.dials(), 1);
}

#[tokio::test]
async fn huge_retry_after_does_not_overflow() {
    let (mock, c) = hms().await;
    let huge = || answer(429, &[("retry-after", "18446744073709551615")], "");
    mock.fail_next(CREATE, huge());
    let err = c.dial(&call()).await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(86400)),
        "{err:?}"
    );
    mock.fail_next(GET, huge());
    let err = c.wait_until_ended("c1", Duration::from_millis(10), Duration::MAX).await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(86400)),
        "beyond the cap: returned, not waited for: {err:?}"
    );
    assert_eq!(mock.requests().len(), 2, "one dial, one poll");
}

// ---- issue 12: never dial twice, never leak a key ----

fn altur_call() -> OutboundCall {
    OutboundCall::to("+14155550123").agent("agent-1")
}

#[tokio::test]
async fn every_3xx_on_create_may_have_dialed() {
    for status in [301u16, 302, 303, 307, 308] {
        for (provider, create, create_path) in
            [(Provider::HmsSovereign, CREATE, "/calls/outbound"), (Provider::Altur, "startCall", "/call")]
        {
            let mock = MockProvider::start(provider).await;
            let c = mock.client().timeout(Duration::from_millis(800)).retry_policy(policy()).build().unwrap();
            // To the create operation itself: following it would be a second dial.
            mock.fail_next(create, Fault::Redirect { status, location: create_path.into() });
            let err = match provider {
                Provider::HmsSovereign => c.dial(&call()).await.unwrap_err(),
                _ => c.dial(&altur_call()).await.unwrap_err(),
            };
            assert!(
                matches!(&err, Error::Api { status: s, .. } if *s == status),
                "{provider} {status}: {err:?}"
            );
            assert!(
                err.may_have_dialed(),
                "{provider} {status}: the outcome of a redirected create is unknown: {err:?}"
            );
            assert_eq!(mock.requests().len(), 1, "{provider} {status}: not followed");
        }
    }
}

#[tokio::test]
async fn a_caller_configured_http_client_never_follows_redirects() {
    for status in [307u16, 308] {
        let mock = MockProvider::start(Provider::HmsSovereign).await;
        mock.fail_next(CREATE, Fault::Redirect { status, location: "/calls/outbound".into() });
        let c = mock
            .client()
            // Asks for reqwest's default of following redirects: overridden.
            .configure_http(|b| b.redirect(agentdial::reqwest::redirect::Policy::limited(10)).timeout(Duration::from_secs(5)))
            .build()
            .unwrap();
        let err = c.dial(&call()).await.unwrap_err();
        assert!(matches!(err, Error::Api { status: s, may_have_dialed: true, .. } if s == status), "{err:?}");
        assert_eq!(mock.requests().len(), 1, "{status}: the POST was not resent to the redirect target");
    }
}

#[tokio::test]
async fn provider_field_typos_are_refused_before_sending() {
    let (mock, hms) = hms().await;
    // Belongs under `assistant_override`; at the top level the request type has no such field.
    let err = hms.dial(&call().provider_field("max_duration_seconds", 60)).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { message, .. } if message.contains("`max_duration_seconds`")),
        "{err:?}"
    );
    // At depth: a misspelt key inside a known object.
    let nested = OutboundCall::to("+31612345678")
        .agent(AGENT)
        .provider_field("assistant_override", json!({"max_duration_secs": 60}));
    let err = hms.dial(&nested).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { message, .. } if message.contains("`assistant_override.max_duration_secs`")),
        "{err:?}"
    );
    // Alta: a misspelt top-level field.
    let alta_mock = MockProvider::start(Provider::Alta).await;
    let alta = alta_mock.client().build().unwrap();
    let typo = OutboundCall::to("+14155550123")
        .agent("a")
        .customer_name("Ada")
        .provider_field("timezon", "Europe/Amsterdam");
    let err = alta.dial(&typo).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { message, .. } if message.contains("`timezon`")), "{err:?}");
    assert!(mock.requests().is_empty() && alta_mock.requests().is_empty(), "nothing was sent");
    // Known keys, also nested, still go through, and the mock accepts them against the document.
    hms.dial(
        &OutboundCall::to("+31612345678")
            .agent(AGENT)
            .provider_field("assistant_override", json!({"max_duration_seconds": 60})),
    )
    .await
    .unwrap();
    let requests = mock.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].outcome, Outcome::Answered { status: 200 });
    assert_eq!(requests[0].body.as_ref().unwrap()["assistant_override"]["max_duration_seconds"], 60);
}

#[tokio::test]
async fn status_429_on_a_create_whose_document_declares_no_429_is_not_retried() {
    // Altur's and Fluents' documents declare no 429 for their create operation: nothing says a 429
    // is answered before the call is placed, so it is returned at once.
    for (provider, create) in
        [(Provider::Altur, "startCall"), (Provider::Fluents, "CallController_createCall")]
    {
        let mock = MockProvider::start(provider).await;
        mock.fail_next(create, Fault::rate_limited(0));
        let c = mock.client().retry_policy(policy()).build().unwrap();
        let call = match provider {
            Provider::Altur => altur_call(),
            _ => OutboundCall::to("+14155550123")
                .from("+14155550100")
                .provider_field("agent", json!({}))
                .provider_field("telephony_provider", "twilio"),
        };
        let err = c.dial(&call).await.unwrap_err();
        assert!(
            matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::ZERO),
            "{provider}: {err:?}"
        );
        assert_eq!(mock.dials(), 1, "{provider}: returned at once, not resent");
    }
    // Alta's document declares a 429 (its rate limit) for Trigger an assistant call: waited out and resent.
    let mock = MockProvider::start(Provider::Alta).await;
    mock.fail_next("triggerAssistantCall", Fault::rate_limited(0));
    let alta = mock.client().retry_policy(policy()).build().unwrap();
    alta.dial(&OutboundCall::to("+14155550123").agent("a").customer_name("Ada")).await.unwrap();
    assert_eq!(mock.dials(), 2);
}

#[tokio::test]
async fn a_closed_keep_alive_connection_loses_a_dial_but_not_a_read() {
    // The server closes the connection as the request arrives, unprocessed (what a client sees
    // when a server's idle timeout fires as it reuses a pooled connection).
    let (mock, client) = hms().await;
    let id = client.dial(&call()).await.unwrap().handle.id.unwrap();
    mock.fail_next(GET, Fault::CloseKeepAlive);
    client.call(&id).await.expect("a read is resent on a new connection");
    assert_eq!(count(&mock, GET), 2);
    mock.fail_next(CREATE, Fault::CloseKeepAlive);
    let err = client.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { may_have_dialed: true, .. }), "{err:?}");
    assert_eq!(mock.dials(), 2, "not resent");
    assert_eq!(mock.calls().len(), 1, "the closed request was not processed");
}

/// Not on the testkit: its `CloseKeepAlive` closes the connection of a chosen request, whether or
/// not the client reused an idle one. This row needs a server whose own keep-alive timer decides,
/// to show that the client's pool idle timeout (1 s) keeps it from reusing a connection the server
/// timed out.
/// A keep-alive server whose keep-alive timer (1.2 s, above the client's pool idle timeout) fires
/// exactly when a request arrives on a connection idle for longer: it reads that request and closes
/// the connection without processing it, the worst case of the race. Returns (processed, dropped).
async fn keep_alive_server() -> (String, std::sync::Arc<[std::sync::atomic::AtomicUsize; 2]>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counts = std::sync::Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let shared = counts.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counts = shared.clone();
            tokio::spawn(async move {
                let mut idle_since: Option<Instant> = None;
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buf.len() < end + 4 + length {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buf.drain(..end + 4 + length);
                    if idle_since.is_some_and(|t| t.elapsed() > Duration::from_millis(1200)) {
                        counts[1].fetch_add(1, Ordering::SeqCst);
                        socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO)).unwrap();
                        return; // RST: the request was never processed
                    }
                    counts[0].fetch_add(1, Ordering::SeqCst);
                    let body = r#"{"success": true, "call_id": "call_123", "status": "dialing"}"#;
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                    idle_since = Some(Instant::now());
                }
            });
        }
    });
    (format!("http://{addr}"), counts)
}

#[tokio::test]
async fn a_dial_after_the_server_closed_an_idle_connection_succeeds() {
    use std::sync::atomic::Ordering;
    let (base, counts) = keep_alive_server().await;
    let c = client(&base);
    c.dial(&call()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await; // idle past the server's keep-alive timeout
    let second = c.dial(&call()).await;
    assert!(second.is_ok(), "{second:?}");
    assert_eq!(counts[0].load(Ordering::SeqCst), 2, "each dial processed once");
    assert_eq!(
        counts[1].load(Ordering::SeqCst),
        0,
        "no request was written to the connection the server had timed out"
    );
}

#[tokio::test]
async fn plain_http_is_refused_for_hosts_other_than_loopback() {
    for url in ["http://api.example.com/v1", "http://10.0.0.1:8080"] {
        let err = Client::builder(Provider::HmsSovereign).api_key(KEY).base_url(url).build().unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { message, .. } if message.contains("https")),
            "{url}: {err:?}"
        );
    }
    for url in [
        "https://user:hunter2@api.example.com",
        "https://api.example.com/v1?key=hunter2",
        "https://api.example.com/v1#hunter2",
    ] {
        let err = Client::builder(Provider::HmsSovereign).api_key(KEY).base_url(url).build().unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{url}: {err:?}");
        assert!(!format!("{err} {err:?}").contains("hunter2"), "secret part of the URL echoed: {err:?}");
    }
    // Opting in allows plain http anywhere (a trusted network), still without credentials.
    Client::builder(Provider::HmsSovereign)
        .api_key(KEY)
        .base_url("http://api.example.com/v1")
        .allow_insecure_http()
        .build()
        .unwrap();
    assert!(
        Client::builder(Provider::HmsSovereign)
            .api_key(KEY)
            .base_url("http://u:hunter2@10.0.0.1")
            .allow_insecure_http()
            .build()
            .is_err()
    );
    for url in
        ["http://127.0.0.1:9", "http://localhost:9/v1", "http://[::1]:9", "https://api.example.com/v1/"]
    {
        Client::builder(Provider::HmsSovereign)
            .api_key(KEY)
            .base_url(url)
            .build()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }
}

/// Not on the testkit: its bodies are finite (`SlowBody` sends the answer slowly, with its
/// `Content-Length`); this row needs a chunked body that never ends.
/// A server that answers 200 and then streams a body that never ends.
async fn endless_body() -> (String, tokio::task::JoinHandle<usize>) {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = tokio::spawn(async move {
        let mut served = 0;
        while let Ok(Ok((mut stream, _))) =
            tokio::time::timeout(Duration::from_millis(3000), listener.accept()).await
        {
            let mut chunk = [0u8; 65536];
            let _ = stream.read(&mut chunk).await;
            served += 1;
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n").await;
            let piece = format!("{:x}\r\n{}\r\n", 65536, " ".repeat(65536));
            while stream.write_all(piece.as_bytes()).await.is_ok() {}
        }
        served
    });
    (format!("http://{addr}"), handle)
}

#[tokio::test]
async fn an_endless_body_stops_at_the_cap() {
    let (base, server) = endless_body().await;
    let c = Client::builder(Provider::HmsSovereign)
        .api_key(KEY)
        .base_url(&base)
        .timeout(Duration::from_secs(60))
        .retry_policy(policy())
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.dial(&call()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::BodyTooLarge {
                status: Some(200),
                limit: agentdial::agentdial_core::DEFAULT_MAX_RESPONSE_BODY,
                may_have_dialed: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.may_have_dialed());
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "stopped reading at the cap, long before the timeout: {:?}",
        started.elapsed()
    );
    drop(c);
    assert_eq!(server.await.unwrap(), 1);
}

#[tokio::test]
async fn the_retrying_event_records_status_and_request_id_never_the_body() {
    let (trace, _guard) = trace::Captured::install();
    let (mock, client) = hms().await;
    let id = client.dial(&call()).await.unwrap().handle.id.unwrap();
    let body = "<html>upstream connect error: BODY-MARKER internal-host-7</html>";
    mock.fail_next(GET, answer(503, &[("x-request-id", "req-503"), ("content-type", "text/html")], body));
    client.call(&id).await.unwrap();
    assert_eq!(count(&mock, GET), 2);
    let text = trace.text();
    let line =
        text.lines().find(|l| l.contains("retrying")).unwrap_or_else(|| panic!("no retrying event: {text}"));
    assert!(
        line.contains("status=503")
            && line.contains("request_id=\"req-503\"")
            && line.contains("error=\"api\""),
        "{line}"
    );
    assert!(!text.contains("BODY-MARKER"), "a response body was logged: {text}");
    assert!(!text.contains(mock.api_key()), "the key was logged: {text}");
}

#[tokio::test]
async fn an_oversized_body_with_a_content_length_stops_at_the_cap() {
    // 5 MiB with its Content-Length, on a 500: the cap holds whatever the status, and the status is kept.
    let (mock, client) = hms().await;
    let huge = format!("{{\"error\": \"internal\", \"message\": \"{}\"}}", "x".repeat(5 * 1024 * 1024));
    let length = huge.len().to_string();
    mock.fail_next(
        CREATE,
        answer(500, &[("content-type", "application/json"), ("content-length", &length)], huge),
    );
    let err = client.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { status: Some(500), may_have_dialed: true, .. }), "{err:?}");
    assert_eq!(mock.dials(), 1);
    // A body of exactly the cap is read whole; with the cap one byte lower, it is too large.
    let mock = MockProvider::start(Provider::HmsSovereign).await;
    let body = json!({"success": true, "call_id": "call_123", "status": "dialing"});
    let len = body.to_string().len();
    mock.fault_script(CREATE, [json_answer(200, &body), json_answer(200, &body)]);
    mock.client().max_response_body(len).build().unwrap().dial(&call()).await.unwrap();
    let below = mock.client().max_response_body(len - 1).build().unwrap();
    assert!(matches!(below.dial(&call()).await, Err(Error::BodyTooLarge { status: Some(200), .. })));
    assert_eq!(mock.dials(), 2);
}
#[tokio::test]
async fn error_messages_do_not_repeat_their_source() {
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = reserved.local_addr().unwrap();
    drop(reserved);
    let c = Client::builder(Provider::HmsSovereign)
        .api_key(KEY)
        .base_url(format!("http://{addr}"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = c.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { may_have_dialed: false, .. }), "{err:?}");
    let mut parent: &dyn std::error::Error = &err;
    while let Some(source) = parent.source() {
        assert!(!parent.to_string().contains(&source.to_string()), "{parent} repeats its source {source}");
        parent = source;
    }
}
