//! HMS Sovereign calls: progression on the clock, hang-up, paging, CRUD, signed webhooks verified
//! with `agentdial_hmsovereign::webhooks`.

use agentdial::{CallStatus, OutboundCall, Provider};
use agentdial_hmsovereign::webhooks::{Verifier, WebhookEvent};
use agentdial_testkit::{Clock, MockProvider};
use std::time::Duration;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const AGENT: &str = "2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c";

#[tokio::test]
async fn calls_progress_on_the_clock_and_deliver_verifiable_webhooks() {
    let mock = MockProvider::start(Provider::HmsSovereign).await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&receiver).await;
    mock.register_webhook(format!("{}/hooks", receiver.uri()), "whsec-test");
    let client = mock.client().build().unwrap();
    let id = client.dial(&OutboundCall::to("+31612345678").agent(AGENT)).await.unwrap().handle.id.unwrap();
    assert_eq!(client.call(&id).await.unwrap().status, CallStatus::Queued);
    mock.advance().await;
    assert_eq!(client.call(&id).await.unwrap().status, CallStatus::Ringing);
    mock.advance().await;
    assert_eq!(client.call(&id).await.unwrap().status, CallStatus::InProgress);
    client.hang_up(&id).await.unwrap();
    assert!(matches!(client.call(&id).await.unwrap().status, CallStatus::Ended { .. }));
    assert!(client.hang_up(&id).await.is_err(), "an ended call cannot be hung up");

    // Deliveries after a hang-up over HTTP are sent in the background: wait for them by count.
    let mut deliveries = mock.deliveries();
    for _ in 0..100 {
        if deliveries.len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        deliveries = mock.deliveries();
    }
    let kinds: Vec<&str> = deliveries.iter().map(|d| d.event.as_str()).collect();
    assert_eq!(kinds, ["status-update", "status-update", "status-update", "end-of-call-report"]);
    let verifier = Verifier::new("whsec-test");
    let received = receiver.received_requests().await.unwrap();
    assert_eq!(received.len(), 4);
    let mut statuses = Vec::new();
    for request in &received {
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in request.headers.iter() {
            headers.insert(
                reqwest::header::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
                value.to_str().unwrap().parse().unwrap(),
            );
        }
        match verifier.verify(&headers, &request.body).expect("signed as the provider signs") {
            WebhookEvent::StatusUpdate(p) => statuses.push(p.message.call.status.to_string()),
            WebhookEvent::EndOfCallReport(p) => assert_eq!(p.message.call.id, id),
            other => panic!("{other:?}"),
        }
        assert!(Verifier::new("another-secret").verify(&headers, &request.body).is_err());
    }
    assert_eq!(statuses, ["ringing", "in-progress", "ended"]);
}

#[tokio::test]
async fn every_poll_clock_and_a_script_of_statuses() {
    let mock = MockProvider::start(Provider::HmsSovereign).await;
    mock.set_clock(Clock::EveryPoll);
    mock.call_script([agentdial_testkit::CallStatus::Connecting, agentdial_testkit::CallStatus::Failed]);
    let client = mock.client().build().unwrap();
    let id = client.dial(&OutboundCall::to("+31612345678").agent(AGENT)).await.unwrap().handle.id.unwrap();
    let ended =
        client.wait_until_ended(&id, Duration::from_millis(1), Duration::from_secs(10)).await.unwrap();
    assert!(matches!(ended.status, CallStatus::Failed { .. }), "{:?}", ended.status);
}

#[tokio::test]
async fn lists_page_and_resources_are_consistent() {
    let mock = MockProvider::start(Provider::HmsSovereign).await;
    let client = agentdial_hmsovereign::Client::from_options(
        agentdial_hmsovereign::ClientOptions::new(mock.api_key()).base_url(mock.base_url()),
    )
    .unwrap();
    let facade = mock.client().build().unwrap();
    for _ in 0..3 {
        facade.dial(&OutboundCall::to("+31612345678").agent(AGENT)).await.unwrap();
    }
    let page = client.list_calls().limit(2).offset(1).send().await.unwrap().into_inner();
    assert_eq!(page.calls.len(), 2);
    assert_eq!((page.pagination.total, page.pagination.offset), (3, 1));
    assert_eq!(page.calls[0].id, "call-2");

    let created: serde_json::Value =
        serde_json::from_value(serde_json::json!({"name": "Support", "first_message": "Hi"})).unwrap();
    let body: agentdial_hmsovereign::types::AgentCreate = serde_json::from_value(created).unwrap();
    let agent = client.create_assistant().body(body).send().await.unwrap().into_inner().assistant;
    assert_eq!(agent.name, "Support");
    let id = agent.id;
    let listed = client.list_assistants().send().await.unwrap().into_inner().assistants;
    assert_eq!(listed.len(), 1);
    let read = client.get_assistant().id(id).send().await.unwrap().into_inner().assistant;
    assert_eq!(read.name, "Support");
    client.delete_assistant().id(id).send().await.unwrap();
    let gone = client.get_assistant().id(id).send().await.unwrap_err();
    assert_eq!(gone.status().map(|s| s.as_u16()), Some(404));
}
