//! The admin API the `serve` binary exposes (served by the library with `admin` on).

use agentdial::{Error, OutboundCall, Provider};
use agentdial_testkit::MockProvider;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn admin_api_queues_faults_and_drives_the_clock() {
    let mock =
        MockProvider::bind(Provider::HmsSovereign, "127.0.0.1:0".parse().unwrap(), true).await.unwrap();
    let http = reqwest::Client::new();
    let admin = |path: &str| format!("{}/__testkit/{path}", mock.base_url());
    let queued = http.post(admin("faults")).json(&json!({"operation": "createOutboundCall", "fault": {"kind": "status", "status": 502, "body": "<h1>bad</h1>", "headers": [["content-type", "text/html"]]}})).send().await.unwrap();
    assert_eq!(queued.status().as_u16(), 200);
    let bad = http.post(admin("faults")).json(&json!({"fault": {"kind": "explode"}})).send().await.unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let client = mock.client().timeout(Duration::from_secs(5)).build().unwrap();
    let call = OutboundCall::to("+31612345678").agent("2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c");
    assert!(matches!(client.dial(&call).await.unwrap_err(), Error::Api { status: 502, .. }));
    let id = client.dial(&call).await.unwrap().handle.id.unwrap();
    let calls: Value =
        http.post(admin("advance")).json(&json!({})).send().await.unwrap().json().await.unwrap();
    assert_eq!(calls, json!([{"id": id, "status": "ringing"}]));
    let dials: Value = http.get(admin("dials")).send().await.unwrap().json().await.unwrap();
    assert_eq!(dials, json!({"dials": 2}));
    let clock = http.put(admin("clock")).json(&json!({"clock": "every-poll"})).send().await.unwrap();
    assert_eq!(clock.status().as_u16(), 200);
    let requests: Value = http.get(admin("requests")).send().await.unwrap().json().await.unwrap();
    assert_eq!(requests.as_array().unwrap().len(), 2, "admin calls are not recorded");
}
