//! agentdial-alta against a loopback server: Trigger an assistant call (`POST /assistant/calls`).

use agentdial_alta::{Client, ClientOptions, Error, types};
use agentdial_tests::{HTML_502, received};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "alta-test-token";
const AUTH: &str = "Bearer alta-test-token";

fn client(server: &MockServer) -> Client {
    Client::from_options(ClientOptions::new(KEY).base_url(format!("{}/v1", server.uri()))).unwrap()
}

fn body() -> types::TriggerAssistantCallRequest {
    types::TriggerAssistantCallRequest {
        assistant_id: "asst_1".into(),
        name: "Ada Lovelace".into(),
        phone_number: "+14155550123".into(),
        email: None,
        timezone: Some("America/New_York".into()),
        data: [("plan".to_owned(), json!("pro"))].into_iter().collect(),
        call_transfer: Some(types::TriggerAssistantCallRequestCallTransfer {
            phone_number: "+14155550199".parse().unwrap(),
            receiver_message_mode: Some(
                types::TriggerAssistantCallRequestCallTransferReceiverMessageMode::Summary,
            ),
            description: None,
            message: None,
            message_to_receiver: None,
            show_prospect_phone_on_transfer: Some(true),
            transfer_summary_prompt: None,
        }),
    }
}

async fn mock(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v1/assistant/calls"))
        .and(header("authorization", AUTH))
        .and(body_json(json!({
            "assistantId": "asst_1",
            "name": "Ada Lovelace",
            "phoneNumber": "+14155550123",
            "timezone": "America/New_York",
            "data": {"plan": "pro"},
            "callTransfer": {"phoneNumber": "+14155550199", "receiverMessageMode": "summary", "showProspectPhoneOnTransfer": true}
        })))
        .respond_with(response)
        .expect(1)
        .mount(server)
        .await;
}

#[test]
fn spec_facts_come_from_the_document() {
    assert_eq!(agentdial_alta::spec::DEFAULT_BASE_URL, "https://api.altahq.com/v1");
    assert_eq!(agentdial_alta::spec::AUTH, agentdial_core::AuthScheme::Bearer);
    assert!(!format!("{:?}", Client::with_api_key(KEY).unwrap()).contains(KEY));
}

#[tokio::test]
async fn trigger_call_succeeds_with_an_empty_200() {
    let server = MockServer::start().await;
    mock(&server, ResponseTemplate::new(200)).await;
    let response = client(&server).trigger_assistant_call().body(body()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(received(&server, AUTH).await.len(), 1);
}

#[tokio::test]
async fn documented_errors_parse_with_their_documented_examples() {
    for (status, error, message) in [
        (400u16, "ValidationError", "Invalid request body"),
        (401, "Unauthorized", "Invalid API token"),
        (429, "TooManyRequests", "Rate limit exceeded. Please retry after 60 seconds."),
    ] {
        let server = MockServer::start().await;
        mock(
            &server,
            ResponseTemplate::new(status)
                .insert_header("retry-after", "60")
                .set_body_json(json!({"error": error, "message": message})),
        )
        .await;
        match client(&server).trigger_assistant_call().body(body()).send().await {
            Err(Error::ErrorResponse(e)) => {
                assert_eq!(e.status().as_u16(), status);
                assert_eq!((e.error.as_str(), e.message.as_str()), (error, message));
                if status == 429 {
                    assert_eq!(e.headers().get("retry-after").unwrap(), "60");
                }
            }
            other => panic!("{status}: {other:?}"),
        }
        assert_eq!(received(&server, AUTH).await.len(), 1);
    }
}

#[tokio::test]
async fn html_error_page_is_an_unexpected_response_with_its_body() {
    let server = MockServer::start().await;
    mock(&server, ResponseTemplate::new(502).set_body_raw(HTML_502, "text/html")).await;
    match client(&server).trigger_assistant_call().body(body()).send().await {
        Err(Error::UnexpectedResponse(r)) => assert_eq!(r.text().await.unwrap(), HTML_502),
        other => panic!("{other:?}"),
    }
}

#[test]
fn transfer_phone_number_enforces_min_length() {
    assert!("+".parse::<types::TriggerAssistantCallRequestCallTransferPhoneNumber>().is_err());
}
