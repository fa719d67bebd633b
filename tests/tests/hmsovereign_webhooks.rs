//! Webhook verification and parsing for HMS Sovereign: every rejection is a typed error, none panics.

use agentdial_hmsovereign::webhooks::{
    DEFAULT_TOLERANCE, SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier, WebhookError, WebhookEvent, sign_for_tests,
};
use agentdial_hmsovereign::types;
use reqwest::header::HeaderValue;
use serde_json::json;
use std::time::{Duration, SystemTime};

const SECRET: &str = "whsec_test_0123456789";

fn envelope(kind: &str, extra: serde_json::Value) -> Vec<u8> {
    let mut message = json!({
        "type": kind,
        "timestamp": "2025-12-13T12:00:00.000Z",
        "call": { "id": "5c4d030f-43e3-4e65-899e-8148521e660f", "type": "inbound_phone_call", "status": "ringing" },
        "phone_number": { "number": "+31850835037", "name": "HMS Sovereign Demo" },
        "customer": { "number": "+31612345678" }
    });
    message.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    serde_json::to_vec(&json!({ "message": message })).unwrap()
}

fn tool_calls() -> Vec<u8> {
    envelope(
        "tool-calls",
        json!({"tool_call_list": [{"id": "tool_abc123def456", "type": "function", "function": {"name": "lookup_contact", "arguments": {"query": "John Smith"}}}]}),
    )
}

#[test]
fn valid_deliveries_of_each_kind_parse_into_their_types() {
    let now = SystemTime::now();
    let verifier = Verifier::new(SECRET);
    let cases = [
        envelope("assistant-request", json!({})),
        tool_calls(),
        envelope("status-update", json!({"error": "STT connection failed"})),
        envelope("end-of-call-report", json!({"duration_seconds": 84, "summary": "Asked about opening hours.", "analysis": {"sentiment": 8}})),
    ];
    let mut kinds = Vec::new();
    for body in cases {
        let (headers, body) = sign_for_tests(SECRET, &body, now);
        let event = verifier.verify_at(&headers, &body, now).expect("valid delivery");
        kinds.push(event.kind().to_owned());
        match event {
            WebhookEvent::AssistantRequest(p) => assert_eq!(p.message.call.id, "5c4d030f-43e3-4e65-899e-8148521e660f"),
            WebhookEvent::ToolCalls(p) => {
                assert_eq!(p.message.tool_call_list[0].function.name, "lookup_contact");
                assert_eq!(p.message.tool_call_list[0].function.arguments["query"], "John Smith");
            }
            WebhookEvent::StatusUpdate(p) => assert_eq!(p.message.error.as_deref(), Some("STT connection failed")),
            WebhookEvent::EndOfCallReport(p) => {
                assert_eq!(p.message.duration_seconds, 84);
                assert_eq!(p.message.analysis["sentiment"], 8);
            }
            WebhookEvent::Unknown { kind, .. } => panic!("unexpected unknown {kind}"),
        }
    }
    assert_eq!(kinds, ["assistant-request", "tool-calls", "status-update", "end-of-call-report"]);
}

#[test]
fn wrong_secret_is_a_signature_mismatch() {
    let now = SystemTime::now();
    let (headers, body) = sign_for_tests("another-secret", &tool_calls(), now);
    assert!(matches!(Verifier::new(SECRET).verify_at(&headers, &body, now), Err(WebhookError::SignatureMismatch)));
}

#[test]
fn tampered_body_is_a_signature_mismatch() {
    let now = SystemTime::now();
    let (headers, mut body) = sign_for_tests(SECRET, &tool_calls(), now);
    let pos = body.windows(4).position(|w| w == b"John").unwrap();
    body[pos] = b'j';
    assert!(matches!(Verifier::new(SECRET).verify_at(&headers, &body, now), Err(WebhookError::SignatureMismatch)));
}

#[test]
fn stale_and_future_timestamps_are_refused_at_the_tolerance() {
    let now = SystemTime::now();
    let verifier = Verifier::new(SECRET);
    for offset in [DEFAULT_TOLERANCE + Duration::from_secs(1), Duration::from_secs(3600)] {
        let (h, b) = sign_for_tests(SECRET, &tool_calls(), now - offset);
        assert!(matches!(verifier.verify_at(&h, &b, now), Err(WebhookError::OutsideTolerance { .. })), "stale by {offset:?}");
        let (h, b) = sign_for_tests(SECRET, &tool_calls(), now + offset);
        assert!(matches!(verifier.verify_at(&h, &b, now), Err(WebhookError::OutsideTolerance { .. })), "future by {offset:?}");
    }
    let (h, b) = sign_for_tests(SECRET, &tool_calls(), now - DEFAULT_TOLERANCE + Duration::from_secs(1));
    assert!(verifier.verify_at(&h, &b, now).is_ok(), "inside the window");
    let (h, b) = sign_for_tests(SECRET, &tool_calls(), now - Duration::from_secs(30));
    assert!(matches!(
        verifier.clone().with_tolerance(Duration::from_secs(10)).verify_at(&h, &b, now),
        Err(WebhookError::OutsideTolerance { .. })
    ));
}

#[test]
fn missing_and_malformed_headers_are_typed_errors() {
    let now = SystemTime::now();
    let verifier = Verifier::new(SECRET);
    let (signed, body) = sign_for_tests(SECRET, &tool_calls(), now);

    for missing in [SIGNATURE_HEADER, TIMESTAMP_HEADER] {
        let mut h = signed.clone();
        h.remove(missing);
        assert!(matches!(verifier.verify_at(&h, &body, now), Err(WebhookError::MissingHeader(name)) if name == missing));
    }
    for (name, bad) in [(SIGNATURE_HEADER, "sha256=zz"), (SIGNATURE_HEADER, "sha256=abcd"), (SIGNATURE_HEADER, ""), (TIMESTAMP_HEADER, "yesterday")] {
        let mut h = signed.clone();
        h.insert(name, HeaderValue::from_static(bad));
        let err = verifier.verify_at(&h, &body, now).unwrap_err();
        assert!(matches!(err, WebhookError::MalformedHeader { header, .. } if header == name), "{name}={bad}: {err}");
    }
    let mut h = signed.clone();
    h.insert(SIGNATURE_HEADER, HeaderValue::from_bytes(b"sha256=\xff").unwrap());
    assert!(matches!(verifier.verify_at(&h, &body, now), Err(WebhookError::MalformedHeader { .. })));
}

#[test]
fn bare_hex_signature_of_older_docs_is_accepted() {
    let now = SystemTime::now();
    let (mut h, body) = sign_for_tests(SECRET, &tool_calls(), now);
    let bare = h[SIGNATURE_HEADER].to_str().unwrap().trim_start_matches("sha256=").to_owned();
    h.insert(SIGNATURE_HEADER, bare.parse().unwrap());
    assert!(Verifier::new(SECRET).verify_at(&h, &body, now).is_ok());
}

#[test]
fn unknown_event_kind_keeps_the_raw_json() {
    let now = SystemTime::now();
    let body = envelope("transcript-update", json!({"transcript": "hello"}));
    let (h, b) = sign_for_tests(SECRET, &body, now);
    match Verifier::new(SECRET).verify_at(&h, &b, now).unwrap() {
        WebhookEvent::Unknown { kind, payload } => {
            assert_eq!(kind, "transcript-update");
            assert_eq!(payload["message"]["transcript"], "hello");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn event_header_disagreeing_with_the_body_is_refused() {
    let now = SystemTime::now();
    let (mut h, b) = sign_for_tests(SECRET, &tool_calls(), now);
    h.insert("x-webhook-event", HeaderValue::from_static("status-update"));
    assert!(matches!(Verifier::new(SECRET).verify_at(&h, &b, now), Err(WebhookError::EventMismatch { .. })));
}

#[test]
fn signed_garbage_is_a_body_error_not_a_panic() {
    let now = SystemTime::now();
    let verifier = Verifier::new(SECRET);
    for body in [&b"<html>oops</html>"[..], b"{}", b"{\"message\": {\"type\": 7}}", b"", b"\xff\xfe"] {
        let (h, b) = sign_for_tests(SECRET, body, now);
        assert!(matches!(verifier.verify_at(&h, &b, now), Err(WebhookError::InvalidBody(_))), "{body:?}");
    }
    // Known kind, wrong shape: typed payload error naming the kind.
    let (h, b) = sign_for_tests(SECRET, br#"{"message": {"type": "tool-calls"}}"#, now);
    match verifier.verify_at(&h, &b, now) {
        Err(WebhookError::InvalidPayload { kind, .. }) => assert_eq!(kind, "tool-calls"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn verifier_debug_hides_the_secret() {
    assert!(!format!("{:?}", Verifier::new(SECRET)).contains(SECRET));
}

#[test]
fn responses_serialize_as_the_provider_expects() {
    let response = types::ToolCallsResponse {
        results: vec![types::ToolCallResult { tool_call_id: "tool_abc123def456".into(), result: json!({"name": "John Smith"}) }],
        error: None,
        result: None,
        extra: Default::default(),
    };
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({"results": [{"tool_call_id": "tool_abc123def456", "result": {"name": "John Smith"}}]})
    );
}

#[test]
fn an_empty_secret_verifies_nothing() {
    let now = SystemTime::now();
    let (headers, body) = sign_for_tests("", &tool_calls(), now);
    assert!(matches!(Verifier::new("").verify_at(&headers, &body, now), Err(WebhookError::EmptySecret)));
}
