//! Webhook verification and parsing for HMS Sovereign: every rejection is a typed error, none panics.

use agentdial_hmsovereign::types;
use agentdial_hmsovereign::webhooks::{
    DEFAULT_TOLERANCE, SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier, WebhookError, WebhookEvent,
    sign_for_tests,
};
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
        envelope(
            "end-of-call-report",
            json!({"duration_seconds": 84, "summary": "Asked about opening hours.", "analysis": {"sentiment": 8}}),
        ),
    ];
    let mut kinds = Vec::new();
    for body in cases {
        let (headers, body) = sign_for_tests(SECRET, &body, now);
        let event = verifier.verify_at(&headers, &body, now).expect("valid delivery");
        kinds.push(event.kind().to_owned());
        match event {
            WebhookEvent::AssistantRequest(p) => {
                assert_eq!(p.message.call.id, "5c4d030f-43e3-4e65-899e-8148521e660f")
            }
            WebhookEvent::ToolCalls(p) => {
                assert_eq!(p.message.tool_call_list[0].function.name, "lookup_contact");
                assert_eq!(p.message.tool_call_list[0].function.arguments["query"], "John Smith");
            }
            WebhookEvent::StatusUpdate(p) => {
                assert_eq!(p.message.error.as_deref(), Some("STT connection failed"))
            }
            WebhookEvent::EndOfCallReport(p) => {
                assert_eq!(p.message.duration_seconds, 84);
                assert_eq!(p.message.analysis["sentiment"], 8);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(kinds, ["assistant-request", "tool-calls", "status-update", "end-of-call-report"]);
}

#[test]
fn wrong_secret_is_a_signature_mismatch() {
    let now = SystemTime::now();
    let (headers, body) = sign_for_tests("another-secret", &tool_calls(), now);
    assert!(matches!(
        Verifier::new(SECRET).verify_at(&headers, &body, now),
        Err(WebhookError::SignatureMismatch)
    ));
}

#[test]
fn tampered_body_is_a_signature_mismatch() {
    let now = SystemTime::now();
    let (headers, mut body) = sign_for_tests(SECRET, &tool_calls(), now);
    let pos = body.windows(4).position(|w| w == b"John").unwrap();
    body[pos] = b'j';
    assert!(matches!(
        Verifier::new(SECRET).verify_at(&headers, &body, now),
        Err(WebhookError::SignatureMismatch)
    ));
}

#[test]
fn stale_and_future_timestamps_are_refused_at_the_tolerance() {
    let now = SystemTime::now();
    let verifier = Verifier::new(SECRET);
    for offset in [DEFAULT_TOLERANCE + Duration::from_secs(1), Duration::from_secs(3600)] {
        let (h, b) = sign_for_tests(SECRET, &tool_calls(), now - offset);
        assert!(
            matches!(verifier.verify_at(&h, &b, now), Err(WebhookError::OutsideTolerance { .. })),
            "stale by {offset:?}"
        );
        let (h, b) = sign_for_tests(SECRET, &tool_calls(), now + offset);
        assert!(
            matches!(verifier.verify_at(&h, &b, now), Err(WebhookError::OutsideTolerance { .. })),
            "future by {offset:?}"
        );
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
        assert!(
            matches!(verifier.verify_at(&h, &body, now), Err(WebhookError::MissingHeader(name)) if name == missing)
        );
    }
    for (name, bad) in [
        (SIGNATURE_HEADER, "sha256=zz"),
        (SIGNATURE_HEADER, "sha256=abcd"),
        (SIGNATURE_HEADER, ""),
        (TIMESTAMP_HEADER, "yesterday"),
    ] {
        let mut h = signed.clone();
        h.insert(name, HeaderValue::from_static(bad));
        let err = verifier.verify_at(&h, &body, now).unwrap_err();
        assert!(
            matches!(err, WebhookError::MalformedHeader { header, .. } if header == name),
            "{name}={bad}: {err}"
        );
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
        results: vec![types::ToolCallResult {
            tool_call_id: "tool_abc123def456".into(),
            result: json!({"name": "John Smith"}),
        }],
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

/// Fixed vectors computed outside this code base (python3 `hmac.new(secret, ts + b"." + body,
/// hashlib.sha256).hexdigest()`, cross-checked with `openssl dgst -sha256 -hmac`), so a wrong
/// signing scheme in the verifier cannot pass by agreeing with itself.
struct Vector {
    secret: &'static str,
    timestamp: &'static str,
    body: &'static [u8],
    header: &'static str,
}

const VECTORS: [Vector; 2] = [
    Vector {
        secret: "whsec_test_0123456789",
        timestamp: "1765627200",
        body: br#"{"message":{"type":"status-update","timestamp":"2025-12-13T12:00:00.000Z","call":{"id":"5c4d030f-43e3-4e65-899e-8148521e660f","type":"outbound_phone_call","status":"in-progress"},"phone_number":{"number":"+31850835037"},"customer":{"number":"+31612345678"}}}"#,
        header: "sha256=f82919fc4814e98cf5206639ea18f95898b0b0933d7ac38fb9e34c5ccb64cca3",
    },
    // A key longer than SHA-256's block (HMAC hashes it first) and a non-ASCII body.
    Vector {
        secret: "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
        timestamp: "1700000000",
        body: b"{\"message\":{\"type\":\"transcript-update\",\"transcript\":\"h\xc3\xa9llo w\xc3\xb6rld\"}}",
        header: "sha256=b784838a43b9476c51c3a55d95e7f6d1dfc62203e34f3742ea83da670af76644",
    },
];

fn at(timestamp: &str) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(timestamp.parse().unwrap())
}

fn delivery_headers(timestamp: &str, signature: &str) -> reqwest::header::HeaderMap {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(TIMESTAMP_HEADER, HeaderValue::from_str(timestamp).unwrap());
    h.insert(SIGNATURE_HEADER, HeaderValue::from_str(signature).unwrap());
    h
}

#[test]
fn independently_computed_vectors_verify() {
    for v in &VECTORS {
        assert_eq!(v.secret.len() > 64, v.timestamp == "1700000000");
        let delivery = Verifier::new(v.secret)
            .verify_delivery_at(&delivery_headers(v.timestamp, v.header), v.body, at(v.timestamp))
            .expect("vector verifies");
        assert_eq!(delivery.signature.timestamp, v.timestamp.parse::<i64>().unwrap());
        assert_eq!(format!("sha256={}", delivery.signature.hex()), v.header);
        // The test helper signs the same way.
        let (signed, _) = sign_for_tests(v.secret, v.body, at(v.timestamp));
        assert_eq!(signed[SIGNATURE_HEADER], v.header);
        assert_eq!(signed[TIMESTAMP_HEADER], v.timestamp);
    }
    assert!(matches!(
        Verifier::new(VECTORS[0].secret)
            .verify_delivery_at(
                &delivery_headers(VECTORS[0].timestamp, VECTORS[0].header),
                VECTORS[0].body,
                at(VECTORS[0].timestamp)
            )
            .unwrap()
            .event,
        WebhookEvent::StatusUpdate(_)
    ));
}

#[test]
fn signatures_over_other_schemes_are_refused() {
    let v = &VECTORS[0];
    // The same secret, timestamp and body under schemes the provider does not use (python3 again):
    // HMAC over `{timestamp}{body}` without the dot, and over the body alone.
    for other in [
        "sha256=02ad1e2cc169d6dfa00246c9796b990108eda34535ad395f1d13967650e8cd8a",
        "sha256=dc070f9167133c7a013ebc3feedd40dd1bc6488bb700f50dde5c4703f33342e1",
    ] {
        let result = Verifier::new(v.secret).verify_delivery_at(
            &delivery_headers(v.timestamp, other),
            v.body,
            at(v.timestamp),
        );
        assert!(matches!(result, Err(WebhookError::SignatureMismatch)), "{other}: {result:?}");
    }
}

#[test]
fn a_replay_inside_the_window_is_recognized_by_its_verified_signature() {
    // What the module docs describe: remember each verified signature until its timestamp leaves
    // the tolerance window; a delivery seen again inside it is a replay (or a provider retry).
    let v = &VECTORS[0];
    let verifier = Verifier::new(v.secret);
    let headers = delivery_headers(v.timestamp, v.header);
    let mut seen = std::collections::HashMap::new();
    let mut accept = |now: SystemTime| {
        let delivery = verifier.verify_delivery_at(&headers, v.body, now).ok()?;
        let now_secs = now.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
        seen.retain(|_, ts: &mut i64| *ts + verifier.tolerance().as_secs() as i64 >= now_secs);
        seen.insert(delivery.signature.signature, delivery.signature.timestamp)
            .is_none()
            .then_some(delivery.event)
    };
    assert!(accept(at(v.timestamp)).is_some(), "first delivery processed");
    assert!(
        accept(at(v.timestamp) + Duration::from_secs(120)).is_none(),
        "the same delivery 2 minutes later is a replay"
    );
    assert!(
        accept(at(v.timestamp) + DEFAULT_TOLERANCE + Duration::from_secs(1)).is_none(),
        "outside the window the signature itself is refused"
    );
}

#[test]
fn error_chains_do_not_repeat_the_source() {
    let now = SystemTime::now();
    let (h, b) = sign_for_tests(SECRET, br#"{"message": {"type": "tool-calls"}}"#, now);
    let err = Verifier::new(SECRET).verify_at(&h, &b, now).unwrap_err();
    let source = std::error::Error::source(&err).expect("the serde error is the source");
    assert!(!err.to_string().contains(&source.to_string()), "{err} repeats {source}");
}
