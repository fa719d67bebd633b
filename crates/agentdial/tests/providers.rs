//! Every provider dials through the facade: the exact request on the wire and the normalized result.

use agentdial::{CallStatus, Client, DialResponse, Error, OutboundCall, Provider};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(provider: Provider, server: &MockServer, base_path: &str) -> Client {
    Client::builder(provider)
        .api_key("test-key")
        .base_url(format!("{}{base_path}", server.uri()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn altur() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1.0/call"))
        .and(header("authorization", "api-key test-key"))
        .and(body_json(json!({"agent_id": "agent-1", "phone_number_to": "+14155550123", "end_user_display_name": "Ada", "end_user_context": {"plan": "pro"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "altur-call-1", "status": "queued", "type": "outbound"})))
        .expect(1)
        .mount(&server)
        .await;
    let call = OutboundCall::to("+14155550123").agent("agent-1").customer_name("Ada").variable("plan", "pro");
    let dialed = client(Provider::Altur, &server, "/api/v1.0").dial(&call).await.unwrap();
    assert_eq!(dialed.handle.id.as_deref(), Some("altur-call-1"));
    assert_eq!(dialed.status, Some(CallStatus::Queued));
    assert!(
        matches!(dialed.response, DialResponse::Altur(c) if c.type_ == Some(agentdial::altur::types::CallType::Outbound))
    );
}

#[tokio::test]
async fn alta() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/assistant/calls"))
        .and(header("authorization", "Bearer test-key"))
        .and(body_json(json!({"assistantId": "asst_1", "name": "Ada", "phoneNumber": "+14155550123", "data": {"plan": "pro"}, "timezone": "Europe/Amsterdam"})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let call = OutboundCall::to("+14155550123")
        .agent("asst_1")
        .customer_name("Ada")
        .variable("plan", "pro")
        .provider_field("timezone", "Europe/Amsterdam");
    let dialed = client(Provider::Alta, &server, "/v1").dial(&call).await.unwrap();
    assert_eq!(dialed.handle.id, None, "Alta returns no call id");
    assert_eq!(dialed.response, DialResponse::Alta);
}

#[tokio::test]
async fn alta_requires_a_name_and_refuses_a_caller_number() {
    let server = MockServer::start().await;
    let c = client(Provider::Alta, &server, "/v1");
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
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn fluents() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/calls/create"))
        .and(header("authorization", "Bearer test-key"))
        .and(body_json(json!({
            "to_number": "+14155550123", "from_number": "+14155550100", "agent_phone_number": "+14155550100",
            "context": {"plan": "pro"}, "telephony_params": {}, "agent": {"id": "agent-7"}, "telephony_provider": "twilio"
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "550e8400-e29b-41d4-a716-446655440000", "user_id": "u1", "status": "not_started", "to_number": "+14155550123",
            "from_number": "+14155550100", "agent": {"id": "agent-7"}, "telephony_provider": "twilio", "agent_phone_number": "+14155550100",
            "context": {"plan": "pro"}, "telephony_params": {}, "action_history": []
        })))
        .expect(1)
        .mount(&server)
        .await;
    let call = OutboundCall::to("+14155550123")
        .from("+14155550100")
        .variable("plan", "pro")
        .provider_field("agent", json!({"id": "agent-7"}))
        .provider_field("telephony_provider", "twilio");
    let dialed = client(Provider::Fluents, &server, "").dial(&call).await.unwrap();
    assert_eq!(dialed.handle.id.as_deref(), Some("550e8400-e29b-41d4-a716-446655440000"));
    assert_eq!(dialed.status, Some(CallStatus::Queued));
}

#[tokio::test]
async fn fluents_errors_carry_the_schema_of_their_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/calls/create"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(
                json!({"message": "Agent not found", "error": "Not Found", "statusCode": 404}),
            ),
        )
        .mount(&server)
        .await;
    let call = OutboundCall::to("+14155550123")
        .from("+14155550100")
        .provider_field("agent", json!({}))
        .provider_field("telephony_provider", "twilio");
    let err = client(Provider::Fluents, &server, "").dial(&call).await.unwrap_err();
    use agentdial::fluents::types::CallControllerCreateCallError as E;
    assert!(
        matches!(&err, Error::Api { status: 404, details: Some(agentdial::ProviderError::Fluents(e)), may_have_dialed: false, .. } if matches!(&**e, E::Status404(nf) if nf.message == "Agent not found")),
        "{err:?}"
    );
    let missing = client(Provider::Fluents, &server, "")
        .dial(&OutboundCall::to("+14155550123").from("+14155550100"))
        .await
        .unwrap_err();
    assert!(
        matches!(&missing, Error::InvalidInput { message, .. } if message.contains("agent")),
        "{missing}"
    );
}

#[tokio::test]
async fn hmsovereign() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/calls/outbound"))
        .and(header("authorization", "Bearer test-key"))
        .and(body_json(json!({
            "destination": "+31612345678", "assistant_id": "2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c",
            "number_id": "7d9f1e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a", "assistant_override": {"metadata": {"crm_id": "12345"}}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "call_id": "call_42", "status": "dialing"})))
        .expect(1)
        .mount(&server)
        .await;
    let call = OutboundCall::to("+31612345678")
        .agent("2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c")
        .phone_number_id("7d9f1e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a")
        .variable("crm_id", "12345");
    let dialed = client(Provider::HmsSovereign, &server, "/api/v1").dial(&call).await.unwrap();
    assert_eq!(dialed.handle.id.as_deref(), Some("call_42"));
    assert_eq!(dialed.status, Some(CallStatus::Queued));
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
