//! agentdial-fluents against a loopback server: Create call (`POST /v1/calls/create`), whose 400 and
//! 404 bodies have different schemas.

use agentdial_fluents::{Client, ClientOptions, Error, types};
use agentdial_tests::{HTML_502, received};
use serde_json::{Map, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "eyJhbGciOiJIUzI1NiJ9.fluents.test";
const AUTH: &str = "Bearer eyJhbGciOiJIUzI1NiJ9.fluents.test";

fn client(server: &MockServer) -> Client {
    Client::from_options(ClientOptions::new(KEY).base_url(server.uri())).unwrap()
}

fn body() -> types::CreateCallDto {
    types::CreateCallDto {
        to_number: "+1234567890".into(),
        from_number: "+0987654321".into(),
        agent: Map::new(),
        telephony_provider: types::CreateCallDtoTelephonyProvider::String("twilio".into()),
        agent_phone_number: "+1234567890".into(),
        context: [("name".to_owned(), json!("Ada"))].into_iter().collect(),
        telephony_params: Map::new(),
        do_not_call_result: None,
        hipaa_compliant: Some(false),
        human_detection_result: None,
        is_outgoing: Some(true),
        on_no_human_answer: Some(types::CreateCallDtoOnNoHumanAnswer::Hangup),
        run_do_not_call_detection: None,
        telephony_account_connection: Map::new(),
        telephony_id: None,
        telephony_metadata: Map::new(),
    }
}

async fn mock(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v1/calls/create"))
        .and(header("authorization", AUTH))
        .and(body_json(json!({
            "to_number": "+1234567890", "from_number": "+0987654321", "agent": {}, "telephony_provider": "twilio",
            "agent_phone_number": "+1234567890", "context": {"name": "Ada"}, "telephony_params": {},
            "hipaa_compliant": false, "is_outgoing": true, "on_no_human_answer": "hangup"
        })))
        .respond_with(response)
        .expect(1)
        .mount(server)
        .await;
}

fn call_dto() -> serde_json::Value {
    json!({
        "id": "550e8400-e29b-41d4-a716-446655440000", "user_id": "550e8400-e29b-41d4-a716-446655440000",
        "status": "in_progress", "to_number": "+1234567890", "from_number": "+0987654321", "agent": {},
        "telephony_provider": "twilio", "agent_phone_number": "+1234567890", "context": {}, "telephony_params": {},
        "action_history": [], "a_field_added_later": 1
    })
}

#[test]
fn spec_facts_come_from_the_document() {
    assert_eq!(agentdial_fluents::spec::DEFAULT_BASE_URL, "https://api.fluents.ai");
    assert_eq!(agentdial_fluents::spec::AUTH, agentdial_core::AuthScheme::Bearer);
}

#[tokio::test]
async fn create_call_returns_the_typed_201_body() {
    let server = MockServer::start().await;
    mock(&server, ResponseTemplate::new(201).set_body_json(call_dto())).await;
    let call = client(&server).call_controller_create_call().body(body()).send().await.unwrap();
    assert_eq!(call.status(), 201);
    assert_eq!(call.status, Some(types::CallDtoStatus::InProgress));
    assert_eq!(call.telephony_provider, types::CallDtoTelephonyProvider::String("twilio".into()));
    assert_eq!(received(&server, AUTH).await.len(), 1);
}

#[tokio::test]
async fn each_error_status_decodes_into_its_own_schema() {
    for (status, error) in [(400u16, "Bad Request"), (404, "Not Found")] {
        let server = MockServer::start().await;
        mock(
            &server,
            ResponseTemplate::new(status)
                .set_body_json(json!({"message": "m", "error": error, "statusCode": status})),
        )
        .await;
        let Err(Error::ErrorResponse(e)) =
            client(&server).call_controller_create_call().body(body()).send().await
        else {
            panic!("{status}: expected a documented error")
        };
        let typed = e.typed(e.status()).unwrap();
        match (status, typed) {
            (400, types::CallControllerCreateCallError::Status400(b)) => {
                assert_eq!((b.error.as_str(), b.status_code), (error, 400.0))
            }
            (404, types::CallControllerCreateCallError::Status404(n)) => {
                assert_eq!((n.error.as_str(), n.status_code), (error, 404.0))
            }
            (s, other) => panic!("{s}: wrong variant {other:?}"),
        }
        assert_eq!(received(&server, AUTH).await.len(), 1);
    }
}

#[tokio::test]
async fn an_error_body_that_does_not_match_its_status_schema_is_a_decode_error_not_a_panic() {
    let server = MockServer::start().await;
    mock(&server, ResponseTemplate::new(404).set_body_json(json!({"detail": "gone"}))).await;
    let Err(Error::ErrorResponse(e)) =
        client(&server).call_controller_create_call().body(body()).send().await
    else {
        panic!()
    };
    assert!(e.typed(e.status()).is_err());
    assert_eq!(e["detail"], "gone", "the raw body is kept");
    let undocumented = e.typed(reqwest::StatusCode::IM_A_TEAPOT).unwrap_err().to_string();
    assert!(
        undocumented.contains("418") && undocumented.contains("CallController_createCall"),
        "{undocumented}"
    );
}

#[tokio::test]
async fn html_error_page_keeps_its_body() {
    let server = MockServer::start().await;
    mock(&server, ResponseTemplate::new(502).set_body_raw(HTML_502, "text/html")).await;
    match client(&server).call_controller_create_call().body(body()).send().await {
        Err(Error::UnexpectedResponse(r)) => assert_eq!(r.text().await.unwrap(), HTML_502),
        other => panic!("{other:?}"),
    }
    let server = MockServer::start().await;
    mock(&server, ResponseTemplate::new(400).set_body_raw(HTML_502, "text/html")).await;
    match client(&server).call_controller_create_call().body(body()).send().await {
        Err(Error::InvalidResponsePayload(bytes, _)) => assert_eq!(&bytes[..], HTML_502.as_bytes()),
        other => panic!("{other:?}"),
    }
}
