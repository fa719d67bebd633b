//! For every provider, every documented operation answers its documented success status with a
//! body that decodes into the provider crate's generated type, and an invalid body is refused with
//! the documented validation error.

use agentdial_testkit::{MockProvider, OperationInfo, Outcome, Provider};
use serde_json::{Value, json};

fn decode(provider: Provider, name: &str, value: Value) -> Result<Value, String> {
    let decoded = match provider {
        Provider::Altur => agentdial_altur::spec::decode_schema(name, value),
        Provider::Alta => agentdial_alta::spec::decode_schema(name, value),
        Provider::Fluents => agentdial_fluents::spec::decode_schema(name, value),
        _ => agentdial_hmsovereign::spec::decode_schema(name, value),
    };
    decoded.ok_or_else(|| format!("no schema {name}"))?.map_err(|e| e.to_string())
}

fn auth(mock: &MockProvider) -> (&'static str, String) {
    match mock.provider() {
        Provider::Altur => ("authorization", format!("api-key {}", mock.api_key())),
        _ => ("authorization", format!("Bearer {}", mock.api_key())),
    }
}

/// The success schema name of an operation, read from the same embedded document the provider
/// crate was generated from (the checked-in copy).
fn success_schema(provider: Provider, op: &OperationInfo) -> Option<String> {
    let text = match provider {
        Provider::Altur => include_str!("../documents/altur.json"),
        Provider::Alta => include_str!("../documents/alta.json"),
        Provider::Fluents => include_str!("../documents/fluents.json"),
        _ => include_str!("../documents/hmsovereign.json"),
    };
    let doc: Value = serde_json::from_str(text).unwrap();
    let response =
        &doc["paths"][&op.path][op.method.to_ascii_lowercase()]["responses"][op.success_status.to_string()];
    let response = match response["$ref"].as_str() {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap().clone(),
        None => response.clone(),
    };
    response["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .map(|r| r.rsplit('/').next().unwrap().to_owned())
}

async fn send(
    mock: &MockProvider,
    http: &reqwest::Client,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, String) {
    let (name, value) = auth(mock);
    let mut request =
        http.request(method.parse().unwrap(), format!("{}{path}", mock.base_url())).header(name, value);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Creating operations first, so that reads, updates and deletes find what they name.
fn order(ops: &mut [OperationInfo]) {
    let rank = |op: &OperationInfo| match (op.method.as_str(), op.path.ends_with('}')) {
        ("POST", false) => 0,
        ("DELETE", _) => 3,
        (_, true) => 2,
        _ => 1,
    };
    ops.sort_by_key(|op| (rank(op), op.path.matches('/').count(), op.path.clone()));
}

#[tokio::test]
async fn every_operation_answers_a_decodable_documented_success() {
    let http = reqwest::Client::new();
    for provider in [Provider::Altur, Provider::Alta, Provider::Fluents, Provider::HmsSovereign] {
        let mock = MockProvider::start(provider).await;
        let mut ops = mock.operations();
        order(&mut ops);
        // Ids created so far, by the collection path that created them.
        let mut ids: Vec<(String, String)> = Vec::new();
        for op in &ops {
            let mut path = String::new();
            for segment in op.path.split('/').filter(|s| !s.is_empty()) {
                if segment.starts_with('{') {
                    let id = ids
                        .iter()
                        .rev()
                        .find(|(collection, _)| *collection == path)
                        .map(|(_, id)| id.clone());
                    path.push('/');
                    path.push_str(
                        &id.unwrap_or_else(|| panic!("{provider}: {} needs a created {path}", op.id)),
                    );
                } else {
                    path.push('/');
                    path.push_str(segment);
                }
            }
            let (status, text) = send(&mock, &http, &op.method, &path, op.sample_body.as_ref()).await;
            assert_eq!(status, op.success_status, "{provider} {} {path}: {text}", op.id);
            if let Some(schema) = success_schema(provider, op) {
                let value: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{provider} {}: {e}: {text}", op.id));
                decode(provider, &schema, value.clone())
                    .unwrap_or_else(|e| panic!("{provider} {} as {schema}: {e}: {text}", op.id));
                // Remember what was created: `{"assistant": {"id": ...}}` or a call id.
                let id = value
                    .get("call_id")
                    .or_else(|| value.as_object().and_then(|o| o.values().find_map(|v| v.get("id"))))
                    .and_then(Value::as_str);
                if let (Some(id), "POST") = (id, op.method.as_str()) {
                    let collection =
                        if op.id == "createOutboundCall" { "/calls".to_owned() } else { path.clone() };
                    ids.push((collection, id.to_owned()));
                }
            } else {
                assert!(
                    text.is_empty() || op.success_status == 204 || provider == Provider::Alta,
                    "{provider} {}: {text}",
                    op.id
                );
            }
        }
        assert!(
            mock.requests().iter().all(|r| matches!(r.outcome, Outcome::Answered { .. })),
            "{provider}: {:#?}",
            mock.requests()
        );
    }
}

#[tokio::test]
async fn an_invalid_body_gets_the_documented_validation_error_and_is_recorded_as_rejected() {
    let http = reqwest::Client::new();
    for provider in [Provider::Altur, Provider::Alta, Provider::Fluents, Provider::HmsSovereign] {
        let mock = MockProvider::start(provider).await;
        let dial = mock
            .operations()
            .into_iter()
            .find(|op| op.method == "POST" && op.sample_body.is_some() && !op.path.contains('{'))
            .unwrap();
        let dial = mock
            .operations()
            .into_iter()
            .find(|op| {
                op.id
                    == [
                        "startCall",
                        "triggerAssistantCall",
                        "CallController_createCall",
                        "createOutboundCall",
                    ][match provider {
                        Provider::Altur => 0,
                        Provider::Alta => 1,
                        Provider::Fluents => 2,
                        _ => 3,
                    }]
            })
            .unwrap_or(dial);
        let (status, text) =
            send(&mock, &http, &dial.method, &dial.path, Some(&json!({"unexpected": [1, 2, 3]}))).await;
        assert_eq!(status, dial.validation_status, "{provider}: {text}");
        assert!(status == 400 || status == 422);
        let body: Value = serde_json::from_str(&text).unwrap();
        assert!(text.contains("required"), "{provider}: the error names what is wrong: {text}");
        // The body is the documented type of that status.
        let typed_ok = match provider {
            Provider::Altur => serde_json::from_value::<agentdial_altur::types::Error>(body).is_ok(),
            Provider::Alta => serde_json::from_value::<agentdial_alta::types::Error>(body).is_ok(),
            Provider::Fluents => {
                serde_json::from_value::<agentdial_fluents::types::BadRequestError>(body).is_ok()
            }
            _ => serde_json::from_value::<agentdial_hmsovereign::types::Error>(body).is_ok(),
        };
        assert!(typed_ok, "{provider}: {text}");
        let requests = mock.requests();
        assert!(
            matches!(&requests[0].outcome, Outcome::Rejected { status: s, .. } if *s == status),
            "{requests:?}"
        );
        assert_eq!(mock.dials(), 1, "a refused dial still arrived");
        assert!(mock.calls().is_empty());

        // Wrong key, wrong scheme, unknown path.
        let response = http
            .post(format!("{}{}", mock.base_url(), dial.path))
            .header("authorization", "Bearer wrong")
            .json(&dial.sample_body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401, "{provider}");
        let (status, _) = send(&mock, &http, "GET", "/no/such/path", None).await;
        assert_eq!(status, 404);
        assert!(
            mock.requests().iter().all(|r| !format!("{r:?}").contains(mock.api_key())),
            "the key is not recorded"
        );
    }
}

#[tokio::test]
async fn altur_wants_its_api_key_prefix_not_bearer() {
    let mock = MockProvider::start(Provider::Altur).await;
    let http = reqwest::Client::new();
    let body = json!({"agent_id": "a1", "phone_number_to": "+14155550123"});
    let bearer = http
        .post(format!("{}/call", mock.base_url()))
        .bearer_auth(mock.api_key())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status().as_u16(), 401);
    let (status, text) = send(&mock, &http, "POST", "/call", Some(&body)).await;
    assert_eq!(status, 200, "{text}");
}
