//! Every provider dials through the facade against `agentdial_testkit::MockProvider`, which checks
//! the path, the auth scheme and the body against the provider's document: the exact request on
//! the wire, and the normalized result of a full answer.

use agentdial::{CallStatus, DialResponse, Error, OutboundCall, Provider};
use agentdial_testkit::{Fault, MockProvider, Outcome, RecordedRequest};
use serde_json::json;

/// The first request the mock received, after checking it was a dial the mock accepted (a
/// documented path, the provider's auth scheme with the key, a body valid against the document)
/// and answered with `status`.
fn first_dial(mock: &MockProvider, status: u16) -> RecordedRequest {
    let request = mock.requests().into_iter().next().expect("a request");
    assert_eq!(request.outcome, Outcome::Answered { status }, "{request:#?}");
    assert!(mock.dials() >= 1);
    request
}

/// The provider's answer to a create, as `body`, instead of the mock's own (which carries only
/// the documented required fields).
fn answer_with(status: u16, body: serde_json::Value) -> Fault {
    Fault::status(status, "application/json", body.to_string())
}

#[tokio::test]
async fn altur() {
    let mock = MockProvider::start(Provider::Altur).await;
    let client = mock.client().build().unwrap();
    let call = OutboundCall::to("+14155550123").agent("agent-1").customer_name("Ada").variable("plan", "pro");
    let dialed = client.dial(&call).await.unwrap();
    let request = first_dial(&mock, 200);
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/call"));
    assert_eq!(
        request.body,
        Some(
            json!({"agent_id": "agent-1", "phone_number_to": "+14155550123", "end_user_display_name": "Ada", "end_user_context": {"plan": "pro"}})
        )
    );
    assert!(dialed.handle.id.is_some(), "{dialed:?}");

    mock.fail_next(
        "startCall",
        answer_with(200, json!({"id": "altur-call-1", "status": "queued", "type": "outbound"})),
    );
    let dialed = client.dial(&call).await.unwrap();
    assert_eq!(dialed.handle.id.as_deref(), Some("altur-call-1"));
    assert_eq!(dialed.status, Some(CallStatus::Queued));
    assert!(
        matches!(dialed.response, DialResponse::Altur(c) if c.type_ == Some(agentdial::altur::types::CallType::Outbound))
    );
    assert_eq!(mock.dials(), 2);
}

#[tokio::test]
async fn alta() {
    let mock = MockProvider::start(Provider::Alta).await;
    let call = OutboundCall::to("+14155550123")
        .agent("asst_1")
        .customer_name("Ada")
        .variable("plan", "pro")
        .provider_field("timezone", "Europe/Amsterdam");
    let dialed = mock.client().build().unwrap().dial(&call).await.unwrap();
    let request = first_dial(&mock, 200);
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/assistant/calls"));
    assert_eq!(
        request.body,
        Some(
            json!({"assistantId": "asst_1", "name": "Ada", "phoneNumber": "+14155550123", "data": {"plan": "pro"}, "timezone": "Europe/Amsterdam"})
        )
    );
    assert_eq!(dialed.handle.id, None, "Alta returns no call id");
    assert_eq!(dialed.response, DialResponse::Alta);
    assert_eq!(mock.dials(), 1);
}

#[tokio::test]
async fn alta_requires_a_name_and_refuses_a_caller_number() {
    let mock = MockProvider::start(Provider::Alta).await;
    let c = mock.client().build().unwrap();
    let err = c.dial(&OutboundCall::to("+14155550123").agent("asst_1")).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { message, .. } if message.contains("customer_name")),
        "{err}"
    );
    let err = c
        .dial(&OutboundCall::to("+14155550123").agent("a").customer_name("Ada").from("+14155550100"))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { message, .. } if message.contains("`from`")), "{err}");
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn fluents() {
    let mock = MockProvider::start(Provider::Fluents).await;
    let client = mock.client().build().unwrap();
    let call = OutboundCall::to("+14155550123")
        .from("+14155550100")
        .variable("plan", "pro")
        .provider_field("agent", json!({"id": "agent-7"}))
        .provider_field("telephony_provider", "twilio");
    let dialed = client.dial(&call).await.unwrap();
    let request = first_dial(&mock, 201);
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/v1/calls/create"));
    assert_eq!(
        request.body,
        Some(json!({
            "to_number": "+14155550123", "from_number": "+14155550100", "agent_phone_number": "+14155550100",
            "context": {"plan": "pro"}, "telephony_params": {}, "agent": {"id": "agent-7"}, "telephony_provider": "twilio"
        }))
    );
    assert!(dialed.handle.id.is_some());

    mock.fail_next(
        "CallController_createCall",
        answer_with(
            201,
            json!({
                "id": "550e8400-e29b-41d4-a716-446655440000", "user_id": "u1", "status": "not_started", "to_number": "+14155550123",
                "from_number": "+14155550100", "agent": {"id": "agent-7"}, "telephony_provider": "twilio", "agent_phone_number": "+14155550100",
                "context": {"plan": "pro"}, "telephony_params": {}, "action_history": []
            }),
        ),
    );
    let dialed = client.dial(&call).await.unwrap();
    assert_eq!(dialed.handle.id.as_deref(), Some("550e8400-e29b-41d4-a716-446655440000"));
    assert_eq!(dialed.status, Some(CallStatus::Queued));
    assert_eq!(mock.dials(), 2);
}

#[tokio::test]
async fn fluents_errors_carry_the_schema_of_their_status() {
    let mock = MockProvider::start(Provider::Fluents).await;
    mock.fail_next(
        "CallController_createCall",
        answer_with(404, json!({"message": "Agent not found", "error": "Not Found", "statusCode": 404})),
    );
    let call = OutboundCall::to("+14155550123")
        .from("+14155550100")
        .provider_field("agent", json!({}))
        .provider_field("telephony_provider", "twilio");
    let client = mock.client().build().unwrap();
    let err = client.dial(&call).await.unwrap_err();
    use agentdial::fluents::types::CallControllerCreateCallError as E;
    assert!(
        matches!(&err, Error::Api { status: 404, details: Some(agentdial::ProviderError::Fluents(e)), may_have_dialed: false, .. } if matches!(&**e, E::Status404(nf) if nf.message == "Agent not found")),
        "{err:?}"
    );
    let missing = client.dial(&OutboundCall::to("+14155550123").from("+14155550100")).await.unwrap_err();
    assert!(
        matches!(&missing, Error::InvalidInput { message, .. } if message.contains("agent")),
        "{missing}"
    );
    assert_eq!(mock.dials(), 1, "the invalid call was not sent");
}

#[tokio::test]
async fn hmsovereign() {
    let mock = MockProvider::start(Provider::HmsSovereign).await;
    let call = OutboundCall::to("+31612345678")
        .agent("2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c")
        .phone_number_id("7d9f1e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a")
        .variable("crm_id", "12345");
    let dialed = mock.client().build().unwrap().dial(&call).await.unwrap();
    let request = first_dial(&mock, 200);
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/calls/outbound"));
    assert_eq!(
        request.body,
        Some(json!({
            "destination": "+31612345678", "assistant_id": "2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c",
            "number_id": "7d9f1e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a", "assistant_override": {"metadata": {"crm_id": "12345"}}
        }))
    );
    // The mock keeps the call: the id it answered is the call it holds.
    let calls = mock.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(dialed.handle.id.as_deref(), Some(calls[0].id.as_str()));
    assert_eq!(dialed.status, Some(CallStatus::Queued));
    assert_eq!(mock.dials(), 1);
}

#[test]
fn capabilities_match_the_documents() {
    let all: &'static [Provider] = Provider::ALL; // a slice: a new provider changes no type
    let caps: Vec<_> =
        all.iter().map(|p| (p.name(), p.capabilities().call_status, p.capabilities().hang_up)).collect();
    assert_eq!(
        caps,
        [
            ("altur", false, false),
            ("alta", false, false),
            ("fluents", false, false),
            ("hmsovereign", true, true)
        ]
    );
}
