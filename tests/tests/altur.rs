//! agentdial-altur against a loopback server: Start Call (`POST /call`).

use agentdial_altur::{Client, ClientInfo, ClientOptions, Error, types};
use agentdial_tests::{HTML_502, received};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "altur-test-key";
const AUTH: &str = "api-key altur-test-key";

fn client(server: &MockServer) -> Client {
    Client::from_options(ClientOptions::new(KEY).base_url(server.uri())).unwrap()
}

fn body() -> types::StartCallBody {
    types::StartCallBody {
        agent_id: "8f0e6c2e-0000-4000-8000-000000000001".into(),
        phone_number_to: "+14155550123".into(),
        end_user_display_name: Some("Ada".into()),
        end_user_context: Some(types::StartCallBodyEndUserContext::String("VIP".into())),
        initial_message: None,
    }
}

async fn mock(server: &MockServer, status: u16, response: ResponseTemplate) {
    let _ = status;
    Mock::given(method("POST"))
        .and(path("/call"))
        .and(header("authorization", AUTH))
        .and(body_json(json!({
            "agent_id": "8f0e6c2e-0000-4000-8000-000000000001",
            "phone_number_to": "+14155550123",
            "end_user_display_name": "Ada",
            "end_user_context": "VIP"
        })))
        .respond_with(response)
        .expect(1)
        .mount(server)
        .await;
}

#[test]
fn spec_facts_come_from_the_document() {
    assert_eq!(agentdial_altur::spec::DEFAULT_BASE_URL, "https://api.altur.io/api/v1.0");
    assert_eq!(
        agentdial_altur::spec::AUTH,
        agentdial_core::AuthScheme::Header { name: "Authorization", prefix: "api-key " }
    );
    let c = Client::with_api_key(KEY).unwrap();
    assert_eq!(c.baseurl(), "https://api.altur.io/api/v1.0");
    assert!(!format!("{c:?}").contains(KEY), "key in Debug: {c:?}");
}

#[tokio::test]
async fn start_call_returns_the_typed_call() {
    let server = MockServer::start().await;
    let documented: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/altur/start-call-response.json")).unwrap();
    mock(&server, 200, ResponseTemplate::new(200).set_body_json(&documented)).await;
    let call = client(&server).start_call().body(body()).send().await.unwrap();
    assert_eq!(call.status(), 200);
    assert_eq!(call.status, Some(types::CallStatus::Created));
    assert_eq!(call.type_, Some(types::CallType::Inbound));
    assert_eq!(received(&server, AUTH).await.len(), 1);
}

#[tokio::test]
async fn every_documented_error_status_gives_the_typed_error() {
    for status in [400u16, 401, 404, 500] {
        let server = MockServer::start().await;
        mock(
            &server,
            status,
            ResponseTemplate::new(status).set_body_json(json!({"error": status, "message": "nope"})),
        )
        .await;
        match client(&server).start_call().body(body()).send().await {
            Err(Error::ErrorResponse(e)) => {
                assert_eq!(e.status().as_u16(), status);
                assert_eq!(e.error, i32::from(status));
                assert_eq!(e.message, "nope");
            }
            other => panic!("{status}: {other:?}"),
        }
        assert_eq!(received(&server, AUTH).await.len(), 1);
    }
}

#[tokio::test]
async fn html_and_undocumented_statuses_keep_the_raw_body() {
    // Documented status, body is not the documented JSON: the raw bytes come back.
    let server = MockServer::start().await;
    mock(&server, 500, ResponseTemplate::new(500).set_body_raw(HTML_502, "text/html")).await;
    match client(&server).start_call().body(body()).send().await {
        Err(Error::InvalidResponsePayload(bytes, _)) => assert_eq!(&bytes[..], HTML_502.as_bytes()),
        other => panic!("{other:?}"),
    }
    // Undocumented status: the whole response comes back.
    let server = MockServer::start().await;
    mock(&server, 502, ResponseTemplate::new(502).set_body_raw(HTML_502, "text/html")).await;
    match client(&server).start_call().body(body()).send().await {
        Err(Error::UnexpectedResponse(response)) => {
            assert_eq!(response.status(), 502);
            assert_eq!(response.text().await.unwrap(), HTML_502);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn missing_required_body_field_is_refused_before_sending() {
    let server = MockServer::start().await;
    let result = client(&server)
        .start_call()
        .body(types::builder::StartCallBody::default().agent_id("a"))
        .send()
        .await;
    match result {
        Err(Error::InvalidRequest(msg)) => assert!(msg.contains("phone_number_to"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn no_client_the_crate_builds_follows_a_redirect() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/call"))
        .respond_with(ResponseTemplate::new(308).insert_header("location", format!("{}/other", server.uri())))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/other"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "c1"})))
        .mount(&server)
        .await;
    let options = ClientOptions::new(KEY)
        .base_url(server.uri())
        .configure_http(|b| b.redirect(agentdial_altur::reqwest::redirect::Policy::limited(10)));
    let result = Client::from_options(options).unwrap().start_call().body(body()).send().await;
    assert!(matches!(&result, Err(Error::UnexpectedResponse(r)) if r.status() == 308), "{result:?}");
    assert_eq!(
        received(&server, AUTH).await.len(),
        1,
        "the POST and its key header were not resent to the Location"
    );
}
