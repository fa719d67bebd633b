//! The fault matrix: how the facade behaves when the network or the server misbehaves while
//! placing a call. Every row asserts how many requests the server received. All servers are on
//! loopback.

use agentdial::{CallStatus, Client, Error, OutboundCall, Provider, RetryPolicy};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "hms-secret-key-never-printed";
const AGENT: &str = "2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c";

fn policy() -> RetryPolicy {
    RetryPolicy { min_delay: Duration::from_millis(300), max_delay: Duration::from_millis(600), ..RetryPolicy::default() }
}

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

fn created() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"success": true, "call_id": "call_123", "status": "dialing", "room_name": "room-1"}))
}

async fn count(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

fn assert_no_key(error: &Error) {
    assert!(!format!("{error:?}").contains(KEY) && !error.to_string().contains(KEY), "key leaked: {error:?}");
}

#[tokio::test]
async fn connection_refused_then_success_is_retried() {
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = reserved.local_addr().unwrap();
    drop(reserved); // nothing listens: the first attempt is refused
    let server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let listener = std::net::TcpListener::bind(addr).unwrap();
        let server = MockServer::builder().listener(listener).start().await;
        Mock::given(method("POST")).and(path("/calls/outbound")).respond_with(created()).mount(&server).await;
        server
    });
    let dialed = client(&format!("http://{addr}")).dial(&call()).await.expect("retried after the refusal");
    assert_eq!(dialed.handle.id.as_deref(), Some("call_123"));
    let server = server.await.unwrap();
    assert_eq!(count(&server).await, 1, "the refused attempt never reached a server; the retry did, once");
}

/// A server that reads one whole request, then resets the connection without answering.
async fn reset_after_read() -> (String, tokio::task::JoinHandle<usize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = tokio::spawn(async move {
        let mut served = 0;
        while let Ok(Ok((mut stream, _))) = tokio::time::timeout(Duration::from_millis(1500), listener.accept()).await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let n = stream.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf);
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap()))
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            served += 1;
            socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO)).unwrap();
            drop(stream); // RST
        }
        served
    });
    (format!("http://{addr}"), handle)
}

#[tokio::test]
async fn reset_after_the_request_was_read_is_not_retried() {
    let (base, server) = reset_after_read().await;
    let err = client(&base).dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { may_have_dialed: true, .. }), "{err:?}");
    assert!(err.may_have_dialed());
    assert_no_key(&err);
    assert_eq!(server.await.unwrap(), 1, "one request read, never resent");
}

#[tokio::test]
async fn server_that_never_answers_times_out_without_retry() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/calls/outbound")).respond_with(created().set_delay(Duration::from_secs(10))).mount(&server).await;
    let started = Instant::now();
    let err = client(&server.uri()).dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { may_have_dialed: true, .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "gave up at the timeout: {:?}", started.elapsed());
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn status_500_on_create_is_not_retried_and_keeps_the_body() {
    let server = MockServer::start().await;
    let body = json!({"error": "internal_error", "message": "Something went wrong"});
    Mock::given(method("POST")).and(path("/calls/outbound")).respond_with(ResponseTemplate::new(500).set_body_json(&body)).mount(&server).await;
    let err = client(&server.uri()).dial(&call()).await.unwrap_err();
    match &err {
        Error::Api { status: 500, raw, details, may_have_dialed: true, .. } => {
            assert_eq!(serde_json::from_str::<serde_json::Value>(raw).unwrap(), body);
            assert!(matches!(details, Some(agentdial::ProviderError::HmsSovereign(e)) if e.error == "internal_error"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn status_429_with_retry_after_is_retried_once_after_the_delay() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/calls/outbound"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(
            json!({"error": {"code": "rate_limit_exceeded", "message": "Too many requests. Please retry after 1 seconds."}}),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/calls/outbound")).respond_with(created()).mount(&server).await;
    let started = Instant::now();
    let dialed = client(&server.uri()).dial(&call()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After honoured: {:?}", started.elapsed());
    assert_eq!(dialed.handle.id.as_deref(), Some("call_123"));
    assert_eq!(count(&server).await, 2);
}

#[tokio::test]
async fn status_429_with_retry_after_beyond_the_cap_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/calls/outbound"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120").set_body_json(json!({"error": {"code": "rate_limit_exceeded", "message": "later"}})))
        .mount(&server)
        .await;
    let err = client(&server.uri()).dial(&call()).await.unwrap_err();
    match &err {
        Error::RateLimited { retry_after: Some(d), details: Some(agentdial::ProviderError::HmsSovereignEnvelope(e)), .. } => {
            assert_eq!(*d, Duration::from_secs(120));
            assert_eq!(e.error.code, "rate_limit_exceeded");
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.may_have_dialed());
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn html_502_page_is_a_typed_error_with_the_raw_body() {
    let server = MockServer::start().await;
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    Mock::given(method("POST")).and(path("/calls/outbound")).respond_with(ResponseTemplate::new(502).set_body_raw(html, "text/html")).mount(&server).await;
    let err = client(&server.uri()).dial(&call()).await.unwrap_err();
    assert!(matches!(&err, Error::Api { status: 502, raw, details: None, may_have_dialed: true, .. } if raw == html), "{err:?}");
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_with_the_raw_body() {
    let server = MockServer::start().await;
    let truncated = r#"{"success": true, "call_id": "call_1"#;
    Mock::given(method("POST")).and(path("/calls/outbound")).respond_with(ResponseTemplate::new(200).set_body_raw(truncated, "application/json")).mount(&server).await;
    let err = client(&server.uri()).dial(&call()).await.unwrap_err();
    assert!(matches!(&err, Error::Decode { raw, may_have_dialed: true, .. } if raw == truncated), "{err:?}");
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn unknown_enum_values_and_extra_fields_are_parsed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/calls/outbound"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "call_id": "call_9", "status": "dialing", "new_field": [1, 2]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/calls/call_9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "call_9", "status": "voicemail-detected", "created_at": "2025-12-13T12:00:00Z", "updated_at": "2025-12-13T12:00:05Z",
            "caller_phone": null, "assistant_phone": "+31850835037", "sentiment": "positive"
        })))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let dialed = client.dial(&call()).await.unwrap();
    assert_eq!(dialed.handle.id.as_deref(), Some("call_9"));
    let state = client.call("call_9").await.unwrap();
    assert_eq!(state.status, CallStatus::Unrecognized { status: "voicemail-detected".into() });
    assert_eq!(count(&server).await, 2);
}

#[tokio::test]
async fn a_create_response_breaking_a_documented_constant_is_undecodable_but_may_have_dialed() {
    // The document gives the create response's `status` one value ("dialing"): a constant, not an
    // open set. Another value is not silently accepted; the error says the call may exist and keeps
    // the body (with the call id) for the caller to look the call up.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/calls/outbound"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "call_id": "call_9", "status": "queued-by-carrier"})))
        .mount(&server)
        .await;
    let err = client(&server.uri()).dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.may_have_dialed());
    assert!(err.raw_body().is_some_and(|raw| raw.contains("call_9")), "{err:?}");
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn reads_are_retried_on_5xx() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path("/calls/c1")).respond_with(ResponseTemplate::new(503)).up_to_n_times(1).with_priority(1).mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/calls/c1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "c1", "status": "ended", "end_reason": "user_hangup", "created_at": "2025-12-13T12:00:00Z",
            "updated_at": "2025-12-13T12:05:00Z", "caller_phone": "+31612345678", "assistant_phone": null
        })))
        .mount(&server)
        .await;
    let state = client(&server.uri()).call("c1").await.unwrap();
    assert_eq!(state.status, CallStatus::Ended { reason: Some("user_hangup".into()) });
    assert_eq!(count(&server).await, 2);
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    let server = MockServer::start().await;
    let c = client(&server.uri());
    for bad in [OutboundCall::to("0612345678"), OutboundCall::to("+31612345678").agent("not-a-uuid"), OutboundCall::to("+31612345678").agent("  ")] {
        let err = c.dial(&bad).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{bad:?}: {err:?}");
    }
    assert!(matches!(c.call("").await, Err(Error::InvalidInput { .. })));

    let empty_key = Client::builder(Provider::HmsSovereign).api_key("").base_url(server.uri()).build().unwrap_err();
    assert!(matches!(empty_key, Error::InvalidInput { .. }), "{empty_key:?}");
    let relative = Client::builder(Provider::HmsSovereign).api_key(KEY).base_url("/api/v1").build().unwrap_err();
    assert!(matches!(&relative, Error::InvalidInput { message, .. } if message.contains("/api/v1")), "{relative:?}");
    assert_no_key(&relative);
    assert_eq!(count(&server).await, 0);
}

#[tokio::test]
async fn nothing_prints_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/calls/outbound")).respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "unauthorized", "message": "Invalid API key"}))).mount(&server).await;
    let c = client(&server.uri());
    assert!(!format!("{c:?}").contains(KEY), "{c:?}");
    let err = c.dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Authentication { status: 401, .. }), "{err:?}");
    assert_no_key(&err);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].headers["authorization"], format!("Bearer {KEY}").as_str(), "the key is sent, only not printed");
    assert!(requests[0].headers.get("api-version").is_none());
}

#[tokio::test]
async fn unsupported_operations_are_typed_and_announced() {
    let c = Client::builder(Provider::Alta).api_key("k").build().unwrap();
    assert!(!c.capabilities().call_status && !c.capabilities().dial_returns_call_id);
    for err in [c.call("x").await.unwrap_err(), c.hang_up("x").await.unwrap_err(), c.wait_until_ended("x", Duration::from_millis(1), Duration::from_millis(1)).await.unwrap_err()] {
        assert!(matches!(err, Error::Unsupported { provider: Provider::Alta, .. }), "{err:?}");
    }
}

#[tokio::test]
async fn missing_key_names_the_environment_variable() {
    if std::env::var_os("ALTUR_API_KEY").is_some() {
        return; // a real key is configured here; the message is what this test checks
    }
    let err = Client::builder(Provider::Altur).build().unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { message, .. } if message.contains("ALTUR_API_KEY")), "{err:?}");
}

#[tokio::test]
async fn documented_error_status_with_an_unparseable_body_keeps_its_status() {
    // A 429 whose body is not the documented JSON is still a 429: honoured, then retried.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/calls/outbound"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0").set_body_raw("<html>slow down</html>", "text/html"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/calls/outbound")).respond_with(created()).mount(&server).await;
    client(&server.uri()).dial(&call()).await.expect("the 429 was recognized and retried");
    assert_eq!(count(&server).await, 2);

    // A documented 401 with an HTML body is an authentication error carrying that body.
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/calls/outbound")).respond_with(ResponseTemplate::new(401).set_body_raw("<h1>nope</h1>", "text/html")).mount(&server).await;
    let err = client(&server.uri()).dial(&call()).await.unwrap_err();
    assert!(matches!(&err, Error::Authentication { status: 401, raw, details: None, .. } if raw == "<h1>nope</h1>"), "{err:?}");
    assert!(!err.may_have_dialed());

    // A documented 500 with an HTML body on a read is retried like any 5xx.
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path("/calls/c1")).respond_with(ResponseTemplate::new(500).set_body_raw("<html>oops</html>", "text/html")).mount(&server).await;
    let err = client(&server.uri()).call("c1").await.unwrap_err();
    assert!(matches!(&err, Error::Api { status: 500, raw, .. } if raw == "<html>oops</html>"), "{err:?}");
    assert_eq!(count(&server).await, 3, "read retried up to max_attempts");
}

#[tokio::test]
async fn redirects_are_not_followed_on_create() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/calls/outbound"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", format!("{}/elsewhere", server.uri())))
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/elsewhere")).respond_with(created()).mount(&server).await;
    let err = client(&server.uri()).dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Api { status: 307, .. }), "{err:?}");
    assert_eq!(count(&server).await, 1, "the POST was not resent to the redirect target");
}

#[tokio::test]
async fn a_create_answer_that_says_it_failed_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/calls/outbound"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": false, "call_id": "", "status": "dialing"})))
        .mount(&server)
        .await;
    let err = client(&server.uri()).dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::Api { status: 200, .. }), "{err:?}");
}

#[tokio::test]
async fn huge_retry_after_does_not_overflow() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/calls/outbound"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "18446744073709551615"))
        .mount(&server)
        .await;
    let err = client(&server.uri()).dial(&call()).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(86400)), "{err:?}");
    let c = client(&server.uri());
    Mock::given(method("GET")).and(path("/calls/c1")).respond_with(ResponseTemplate::new(429).insert_header("retry-after", "18446744073709551615")).mount(&server).await;
    let err = c.wait_until_ended("c1", Duration::from_millis(10), Duration::MAX).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(86400)), "beyond the cap: returned, not waited for: {err:?}");
}
