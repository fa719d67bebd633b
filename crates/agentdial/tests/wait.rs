//! `wait_until_ended` and `hang_up` against a loopback HMS Sovereign.

use agentdial::{CallStatus, Client, Error, Provider, ProviderCall};
use serde_json::json;
use std::time::{Duration, Instant};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn call_body(status: &str) -> serde_json::Value {
    json!({"id": "call_1", "status": status, "created_at": "2025-12-13T12:00:00Z", "updated_at": "2025-12-13T12:00:00Z",
           "caller_phone": "+31612345678", "assistant_phone": "+31850835037", "end_reason": "user_hangup"})
}

fn client(server: &MockServer) -> Client {
    Client::builder(Provider::HmsSovereign).api_key("k").base_url(server.uri()).build().unwrap()
}

#[tokio::test]
async fn waits_through_ringing_and_in_progress_to_the_end() {
    let server = MockServer::start().await;
    for (status, priority) in [("ringing", 1u8), ("in-progress", 2)] {
        Mock::given(method("GET"))
            .and(path("/calls/call_1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(call_body(status)))
            .up_to_n_times(1)
            .with_priority(priority)
            .mount(&server)
            .await;
    }
    // One 429 on the way: its Retry-After is honoured, not an error.
    Mock::given(method("GET"))
        .and(path("/calls/call_1"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(json!({"error": {"code": "rate_limit_exceeded", "message": "slow down"}})),
        )
        .up_to_n_times(1)
        .with_priority(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/calls/call_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(call_body("ended")))
        .with_priority(4)
        .mount(&server)
        .await;
    let state = client(&server)
        .wait_until_ended("call_1", Duration::from_millis(20), Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(state.status, CallStatus::Ended { reason: Some("user_hangup".into()) });
    let ProviderCall::HmsSovereign(call) = state.call else { panic!() };
    assert_eq!(call.assistant_phone.as_deref(), Some("+31850835037"));
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn stops_at_the_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/calls/call_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(call_body("in-progress")))
        .mount(&server)
        .await;
    let started = Instant::now();
    let err = client(&server)
        .wait_until_ended("call_1", Duration::from_millis(100), Duration::from_millis(450))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(&err, Error::Deadline { last_status: Some(CallStatus::InProgress), .. }), "{err:?}");
    // Never before the deadline; the upper bound only tells "stopped" from "kept polling" (the
    // server answers in-progress forever) with room for a loaded machine.
    assert!(elapsed >= Duration::from_millis(450) && elapsed < Duration::from_secs(10), "{elapsed:?}");
    // At most one poll per 100 ms interval (a loaded machine polls less often, never more).
    let polls = server.received_requests().await.unwrap().len();
    assert!((1..=6).contains(&polls), "polled every 100 ms: {polls}");
}

#[tokio::test]
async fn hang_up_sends_the_end_call_command() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/calls/call_1/control"))
        .and(body_json(json!({"type": "end-call"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"success": true, "message": "Call ended"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    client(&server).hang_up("call_1").await.unwrap();
}

#[tokio::test]
async fn hang_up_is_resent_after_a_declared_429() {
    // control_call declares a 429 (10 control commands per minute per call): refused unprocessed.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/calls/call_1/control"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(json!({"error": {"code": "rate_limit_exceeded", "message": "slow down"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/calls/call_1/control"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"success": true, "message": "Call ended"})),
        )
        .mount(&server)
        .await;
    client(&server).hang_up("call_1").await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_hanging_server_cannot_hold_wait_past_its_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/calls/call_1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(call_body("in-progress"))
                .set_delay(Duration::from_secs(20)),
        )
        .mount(&server)
        .await;
    // The answer comes after 20 s; the deadline is 0.5 s. Not a timing assertion: whatever the
    // machine's load, a wait that held on to the hanging request would end only after 20 s, so the
    // 15 s guard tells the two apart.
    let err = tokio::time::timeout(
        Duration::from_secs(15),
        client(&server).wait_until_ended("call_1", Duration::from_millis(50), Duration::from_millis(500)),
    )
    .await
    .expect("wait_until_ended held on past its deadline, until the hanging answer")
    .unwrap_err();
    assert!(matches!(err, Error::Deadline { .. }), "{err:?}");
}
