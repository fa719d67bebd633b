//! agentdial-hmsovereign against a loopback server: every one of the 52 operations of
//! `specs/hmsovereign.yaml`, one test function per operation (named after it).
//!
//! Each operation test mounts a mock that matches the method, the exact path (under `/api/v1`), the
//! `Authorization: Bearer` header, the query parameters (and their absence) and, where the operation
//! has a request body, the exact JSON on the wire; it then checks
//! - the documented success status with the documented example body (or a hand-written body where the
//!   document has none) decodes into the exact typed value;
//! - one documented error status (404 where documented, else 400, else 401) decodes through
//!   `typed(status)` into its variant with its fields;
//! - a 429 with `Retry-After: 30` and the documented `ErrorEnvelope` decodes into `Status429` and the
//!   header is readable with `retry_after`.
//!
//! Every `Ep` is checked against the transformed document (operation id, method, path template,
//! documented statuses), and `every_documented_operation_has_a_test` checks that all of the
//! document's operations appear in this file.

use agentdial_hmsovereign::{Client, ClientInfo, ClientOptions, Error, ResponseValue, retry_after, types};
use agentdial_tests::{HTML_502, received, transformed};
use serde_json::{Map, Value, json};
use std::fmt::Debug;
use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "hms-test-key";
const AUTH: &str = "Bearer hms-test-key";

// Ids used in paths (lower-case UUIDs, as `uuid::Uuid` prints them). Where the document has an example
// object, its id is used so the path and the returned body agree.
const ASSISTANT: &str = "497f6eca-6276-4993-bfeb-53cbbbba6f08";
const SAVED_ASSISTANT: &str = "17a0cb75-fa09-4bdd-9a44-92a70d829c88";
const TOOL_TEMPLATE: &str = "497f6eca-6276-4993-bfeb-53cbbbba6f08";
const NUMBER: &str = "abc12345-1234-5678-9012-abcdef123456";
const CALL: &str = "call-_+31623731537_XqaQxRRgAzYc";
const SIP_TRUNK: &str = "5f0c7d2e-8a4b-4c1d-9e3f-2a6b8c0d1e4f";
const ANALYSIS_TEMPLATE: &str = "550e8400-e29b-41d4-a716-446655440000";
const CAMPAIGN: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const LEAD: &str = "497f6eca-6276-4993-bfeb-53cbbbba6f08";
const ORG: &str = "7461b868-afc1-4fe2-871a-5e7c0f3d5772";

// ------------------------------------------------------------------------------------------------
// Harness
// ------------------------------------------------------------------------------------------------

fn doc() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| transformed("hmsovereign"))
}

/// A JSON pointer into the transformed document; panics with the pointer when absent.
fn at(pointer: &str) -> Value {
    doc().pointer(pointer).unwrap_or_else(|| panic!("transformed document has nothing at {pointer}")).clone()
}

/// The schema-level `example` of a component schema.
fn example(schema: &str) -> Value {
    at(&format!("/components/schemas/{schema}/example"))
}

/// The `value` of a named media-type example of an operation's request body.
fn request_example(template: &str, method: &str, name: &str) -> Value {
    at(&format!(
        "/paths/{}/{method}/requestBody/content/application~1json/examples/{name}/value",
        template.replace('/', "~1")
    ))
}

fn client(server: &MockServer) -> Client {
    Client::from_options(ClientOptions::new(KEY).base_url(format!("{}/api/v1", server.uri()))).unwrap()
}

/// Generic string-to-id conversion (`uuid::Uuid` is not a dependency of this crate, but it parses `&str`).
fn id<T: TryFrom<&'static str>>(s: &'static str) -> T
where
    T::Error: Debug,
{
    T::try_from(s).unwrap()
}

/// One operation: what the request on the wire must look like.
struct Ep {
    op: &'static str,
    method: &'static str,
    template: &'static str,
    path: String,
    query: Vec<(&'static str, String)>,
    absent: Vec<&'static str>,
    body: Option<Value>,
}

impl Ep {
    /// `template` is the document's path template; `{...}` segments are filled from `params` in order.
    /// Panics unless the document has exactly this operation id at this method and path.
    fn new(op: &'static str, method: &'static str, template: &'static str, params: &[&str]) -> Self {
        let declared = doc()
            .pointer(&format!("/paths/{}/{}/operationId", template.replace('/', "~1"), method.to_lowercase()))
            .and_then(Value::as_str);
        assert_eq!(declared, Some(op), "{method} {template}: operationId in the transformed document");
        let mut path = String::new();
        let mut params = params.iter();
        for segment in template.split('/').skip(1) {
            path.push('/');
            if segment.starts_with('{') {
                // On the wire as `style: simple` writes it: `+` in a call id is `%2B`.
                path.push_str(&agentdial_core::encode_path(
                    params.next().unwrap_or_else(|| panic!("{op}: no value for {segment}")),
                ));
            } else {
                path.push_str(segment);
            }
        }
        assert!(params.next().is_none(), "{op}: too many path parameters");
        Ep {
            op,
            method,
            template,
            path: format!("/api/v1{path}"),
            query: Vec::new(),
            absent: Vec::new(),
            body: None,
        }
    }

    fn query(mut self, name: &'static str, value: &str) -> Self {
        self.query.push((name, value.to_owned()));
        self
    }

    /// Query parameters the operation accepts that must not be sent when not set.
    fn absent(mut self, names: &[&'static str]) -> Self {
        self.absent.extend_from_slice(names);
        self
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    fn assert_documented(&self, status: u16) {
        let pointer = format!(
            "/paths/{}/{}/responses/{status}",
            self.template.replace('/', "~1"),
            self.method.to_lowercase()
        );
        assert!(doc().pointer(&pointer).is_some(), "{}: status {status} is not documented", self.op);
    }

    async fn serve(&self, response: ResponseTemplate) -> MockServer {
        let server = MockServer::start().await;
        let mut mock =
            Mock::given(method(self.method)).and(path(self.path.as_str())).and(header("authorization", AUTH));
        for (name, value) in &self.query {
            mock = mock.and(query_param(*name, value.as_str()));
        }
        for name in &self.absent {
            mock = mock.and(query_param_is_missing(*name));
        }
        if let Some(body) = &self.body {
            mock = mock.and(header("content-type", "application/json")).and(body_json(body));
        }
        mock.respond_with(response)
            .named(format!("{} ({} {})", self.op, self.method, self.path))
            .expect(1)
            .mount(&server)
            .await;
        server
    }

    /// Checks the one request the server received beyond what the mock matched: nothing else was
    /// sent, the query string has exactly the expected pairs, a body-less operation sent no body.
    async fn check(&self, server: &MockServer) {
        let requests = received(server, AUTH).await;
        assert_eq!(requests.len(), 1, "{}: number of requests", self.op);
        let r = &requests[0];
        assert_eq!(r.method.as_str(), self.method, "{}: method", self.op);
        assert_eq!(r.url.path(), self.path, "{}: path", self.op);
        let mut got: Vec<(String, String)> =
            r.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        got.sort();
        let mut want: Vec<(String, String)> =
            self.query.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        want.sort();
        assert_eq!(got, want, "{}: query string {:?}", self.op, r.url.query());
        if self.body.is_none() {
            assert!(
                r.body.is_empty(),
                "{}: unexpected request body {:?}",
                self.op,
                String::from_utf8_lossy(&r.body)
            );
        }
        server.verify().await;
    }

    async fn send<T, E, F, Fut>(
        &self,
        response: ResponseTemplate,
        call: &F,
    ) -> Result<ResponseValue<T>, Error<E>>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, Error<E>>>,
    {
        let server = self.serve(response).await;
        let result = call(client(&server)).await;
        self.check(&server).await;
        result
    }

    /// A documented success status with `body`; returns the typed value.
    async fn ok<T: Debug, E: Debug, F, Fut>(&self, status: u16, body: Value, call: &F) -> ResponseValue<T>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, Error<E>>>,
    {
        self.assert_documented(status);
        let response = ResponseTemplate::new(status)
            .set_body_json(body)
            .insert_header("X-RateLimit-Limit", "100")
            .insert_header("X-RateLimit-Remaining", "99")
            .insert_header("X-RateLimit-Reset", "1767225600");
        match self.send(response, call).await {
            Ok(v) => {
                assert_eq!(v.status().as_u16(), status, "{}: status", self.op);
                assert_eq!(
                    v.headers().get("x-ratelimit-remaining").and_then(|h| h.to_str().ok()),
                    Some("99"),
                    "{}",
                    self.op
                );
                v
            }
            Err(e) => panic!("{}: expected the typed {status} body, got {e:?}", self.op),
        }
    }

    /// A documented error status with the canned body of [`error_response`]; returns the raw error body.
    async fn error<T: Debug, E: Debug, F, Fut>(&self, status: u16, call: &F) -> ResponseValue<E>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, Error<E>>>,
    {
        self.assert_documented(status);
        match self.send(error_response(status), call).await {
            Err(Error::ErrorResponse(e)) => {
                assert_eq!(e.status().as_u16(), status, "{}: status", self.op);
                e
            }
            other => panic!("{}: expected Error::ErrorResponse for {status}, got {other:?}", self.op),
        }
    }
}

/// The error body the tests send for each status.
fn error_body(status: u16) -> Value {
    match status {
        400 => json!({
            "error": "Validation failed",
            "message": "The request body is invalid",
            "details": ["phone_number: must be in E.164 format", "name: Required"]
        }),
        // The document's own examples.
        401 => at("/components/responses/Unauthorized/content/application~1json/example"),
        429 => at("/components/responses/TooManyRequests/content/application~1json/example"),
        402 => {
            json!({"error": "Insufficient credits", "message": "Your minutes balance is too low to start a call"})
        }
        404 => {
            json!({"error": "Not found", "message": "The requested resource does not exist", "request_id": "req_01HQ7ZK4"})
        }
        other => panic!("no canned error body for {other}"),
    }
}

fn error_response(status: u16) -> ResponseTemplate {
    let r = ResponseTemplate::new(status).set_body_json(error_body(status));
    if status == 429 {
        r.insert_header("Retry-After", "30")
            .insert_header("X-RateLimit-Limit", "100")
            .insert_header("X-RateLimit-Remaining", "0")
            .insert_header("X-RateLimit-Reset", "1767225600")
    } else {
        r
    }
}

/// The flat `Error` body decoded for `status` carries what [`error_body`] sent.
fn check_error(ep: &Ep, status: u16, e: &types::Error) {
    let op = ep.op;
    match status {
        400 => {
            assert_eq!(e.error, "Validation failed", "{op}");
            assert_eq!(e.message.as_deref(), Some("The request body is invalid"), "{op}");
            assert_eq!(e.details, ["phone_number: must be in E.164 format", "name: Required"], "{op}");
            assert!(e.extra.is_empty(), "{op}: {:?}", e.extra);
        }
        401 => {
            assert_eq!(e.error, "Unauthorized", "{op}");
            assert_eq!(e.message.as_deref(), Some("Invalid or missing API key"), "{op}");
            assert!(e.details.is_empty(), "{op}");
        }
        402 => {
            assert_eq!(e.error, "Insufficient credits", "{op}");
            assert_eq!(e.message.as_deref(), Some("Your minutes balance is too low to start a call"), "{op}");
        }
        404 => {
            assert_eq!(e.error, "Not found", "{op}");
            assert_eq!(e.message.as_deref(), Some("The requested resource does not exist"), "{op}");
            assert_eq!(e.extra.get("request_id"), Some(&json!("req_01HQ7ZK4")), "{op}: extra keys are kept");
        }
        other => panic!("{op}: no check for {other}"),
    }
}

/// A 429: `Retry-After` readable, rate-limit headers present, the documented `ErrorEnvelope` decoded.
fn check_rate_limited(ep: &Ep, headers: &reqwest::header::HeaderMap, env: &types::ErrorEnvelope) {
    let op = ep.op;
    assert_eq!(retry_after(headers), Some(Duration::from_secs(30)), "{op}: Retry-After");
    assert_eq!(headers.get("x-ratelimit-remaining").and_then(|v| v.to_str().ok()), Some("0"), "{op}");
    assert_eq!(env.error.code, "rate_limit_exceeded", "{op}");
    assert_eq!(env.error.message, "Too many requests. Please retry after 45 seconds.", "{op}");
    assert_eq!((env.error.param.as_deref(), env.error.type_.as_deref()), (None, None), "{op}");
    assert!(env.extra.is_empty(), "{op}: {:?}", env.extra);
}

/// `e.typed(e.status())` must be `$variant`; evaluates to its payload.
macro_rules! typed {
    ($ep:expr, $e:expr, $variant:path) => {
        match $e.typed($e.status()) {
            Ok($variant(body)) => body,
            other => panic!(
                "{}: status {} should decode to {}, got {other:?}",
                $ep.op,
                $e.status(),
                stringify!($variant)
            ),
        }
    };
}

/// One documented error status decoded into its variant, then a 429 into `Status429`.
macro_rules! documented_errors {
    ($ep:expr, $call:expr, $enum:ident, $status:literal => $variant:ident) => {{
        let e = $ep.error($status, &$call).await;
        check_error(&$ep, $status, &typed!($ep, e, types::$enum::$variant));
        let e = $ep.error(429, &$call).await;
        let env = typed!($ep, e, types::$enum::Status429);
        check_rate_limited(&$ep, e.headers(), &env);
    }};
}

fn map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

// ------------------------------------------------------------------------------------------------
// Documented and hand-written bodies
// ------------------------------------------------------------------------------------------------

fn check_documented_agent(a: &types::Agent) {
    assert_eq!(a.id.to_string(), ASSISTANT);
    assert_eq!(a.name, "Customer Support Agent");
    assert_eq!(a.business_name.as_deref(), Some("Acme Corp"));
    assert_eq!(a.notification_email.as_deref(), Some("support@acme.com"));
    assert!(a.is_active);
    assert_eq!(a.max_duration_seconds, Some(300));
    assert_eq!(a.silence_timeout_seconds, Some(8));
    assert_eq!(a.gdpr_mode, Some(false));
    assert_eq!(a.webhook_url.as_deref(), Some("http://example.com"));
    assert_eq!(a.llm_config.provider, types::LlmProvider::Openai);
    assert_eq!(a.llm_config.model, "gpt-4o-mini");
    assert_eq!(a.stt_config.provider, types::SttProvider::Deepgram);
    assert_eq!(a.stt_config.model, "nova-3-general");
    assert_eq!(a.stt_config.sample_rate.as_deref(), Some(&16000));
    assert_eq!(a.stt_config.region, Some(types::SttRegion::EuWest));
    assert_eq!(a.stt_config.endpointing, Some(0.05));
    assert_eq!(a.stt_config.keyterms, ["yes", "no", "okay", "Acme"]);
    let tts = a.tts_config.as_ref().expect("tts_config");
    assert_eq!(
        (&tts.provider, tts.voice_id.as_str()),
        (&types::TtsProvider::Elevenlabs, "ukiwGs47sHyibruHJ1vg")
    );
    let plan = a.analysis_plan.as_ref().expect("analysis_plan");
    assert_eq!(plan.min_messages_threshold, Some(5));
    let structured = plan.structured_data_plan.as_ref().expect("structured_data_plan");
    assert!(structured.enabled);
    assert_eq!(
        structured.schema["properties"]["sentiment"]["enum"],
        json!(["positive", "neutral", "negative"])
    );
    assert_eq!(structured.messages[0].role, types::ChatMessageRole::System);
    assert_eq!(a.created_at.to_rfc3339(), "2019-08-24T14:15:22+00:00");
}

fn check_documented_tool_template(t: &types::ToolTemplate) {
    assert_eq!(t.id.to_string(), TOOL_TEMPLATE);
    assert_eq!(t.name, "Customer Lookup");
    assert_eq!(t.description.as_deref(), Some("Look up customer information by phone number"));
    assert_eq!(t.tool_type, "function");
    assert!(t.tool_config.is_empty());
    assert_eq!(t.org_id.to_string(), "a40f5d1f-d889-42e9-94ea-b9b33585fc6b");
    assert_eq!(t.updated_at.to_rfc3339(), "2019-08-24T14:15:22+00:00");
}

fn check_documented_number(n: &types::PhoneNumber) {
    assert_eq!(n.id.to_string(), NUMBER);
    assert_eq!(n.phone_number, "+31850835037");
    assert_eq!(n.name.as_deref(), Some("Main Support Line"));
    assert_eq!(n.assistant_id.map(|u| u.to_string()).as_deref(), Some(SAVED_ASSISTANT));
    assert_eq!(n.transfer_trunk_id, None);
    assert_eq!(n.created_at.to_rfc3339(), "2025-12-13T10:00:00+00:00");
}

fn sip_trunk_body() -> Value {
    json!({
        "id": SIP_TRUNK, "org_id": ORG, "name": "Voys transfer trunk", "provider": "voys",
        "address": "sip.voys.nl", "transport": "tls", "auth_username": "hms-trunk-01", "is_active": true,
        "created_at": "2026-01-07T10:00:00.000Z", "updated_at": "2026-01-08T09:30:00.000Z"
    })
}

fn check_sip_trunk(t: &types::SipTrunk) {
    assert_eq!(t.id.to_string(), SIP_TRUNK);
    assert_eq!(t.org_id.to_string(), ORG);
    assert_eq!(t.name, "Voys transfer trunk");
    assert_eq!(t.provider.as_deref(), Some("voys"));
    assert_eq!(t.address, "sip.voys.nl");
    assert_eq!(t.transport, Some(types::SipTransport::Tls));
    assert_eq!(t.auth_username.as_deref(), Some("hms-trunk-01"));
    assert!(t.is_active);
    assert_eq!(t.updated_at.to_rfc3339(), "2026-01-08T09:30:00+00:00");
}

/// A Resend domain object (the document keeps it free-form; this is Resend's shape).
fn domain_body(status: &str) -> Value {
    json!({
        "id": "4dd369bc-aa82-4ff3-97de-514ae3000ee0",
        "name": "mail.acme.example",
        "status": status,
        "region": "eu-west-1",
        "records": [
            {"record": "SPF", "name": "send", "type": "MX", "ttl": "Auto", "status": status,
             "value": "feedback-smtp.eu-west-1.amazonses.com", "priority": 10},
            {"record": "DKIM", "name": "resend._domainkey", "type": "TXT", "ttl": "Auto", "status": status,
             "value": "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ"}
        ]
    })
}

fn check_domain(d: &types::Domain, status: &str) {
    assert_eq!(d["name"], "mail.acme.example");
    assert_eq!(d["status"], status);
    assert_eq!(d["records"][0]["priority"], 10);
    assert_eq!(d["records"][1]["name"], "resend._domainkey");
}

fn check_documented_analysis_template(t: &types::AnalysisTemplate) {
    assert_eq!(t.id.to_string(), ANALYSIS_TEMPLATE);
    assert_eq!(t.org_id.to_string(), ORG);
    assert_eq!(t.name, "Customer Satisfaction Survey");
    assert_eq!(t.description.as_deref(), Some("Extract customer satisfaction metrics and feedback"));
    assert!(t.user_prompt.ends_with("Transcript: {{transcript}}"), "{}", t.user_prompt);
    assert_eq!(t.schema["properties"]["issue_resolved"]["type"], "boolean");
    assert_eq!(t.created_at.to_rfc3339(), "2024-01-15T10:00:00+00:00");
}

fn check_documented_campaign(c: &types::Campaign) {
    assert_eq!(c.id.to_string(), CAMPAIGN);
    assert_eq!(c.name, "Q1 Sales Outreach");
    assert_eq!(c.status, types::CampaignStatus::Scheduled);
    assert_eq!(c.agent_id.to_string(), SAVED_ASSISTANT);
    assert_eq!(c.schedule_start_time.as_deref(), Some("09:00:00"));
    assert_eq!(c.timezone.as_deref(), Some("Europe/Amsterdam"));
    assert_eq!((c.total_leads, c.completed_leads, c.failed_leads), (Some(150), Some(45), None));
    assert_eq!(c.updated_at.map(|t| t.to_rfc3339()).as_deref(), Some("2026-01-07T14:30:00+00:00"));
}

fn check_documented_lead(l: &types::CampaignLead) {
    assert_eq!(l.id.to_string(), LEAD);
    assert_eq!(l.campaign_id.to_string(), "78614b6c-fe7c-41e2-8e25-c9b3a3c91904");
    assert_eq!(l.phone_number, "+31612345678");
    assert_eq!(l.status, types::CampaignLeadStatus::Pending);
    assert_eq!(l.variables["company"], "Acme Corp");
    assert_eq!(l.attempts, 0);
    assert_eq!(l.call_id.as_deref(), Some("0d0a16ab-a508-4d58-bf24-5dc3cb248f3e"));
    assert_eq!(l.updated_at, None);
}

fn check_success(ep: &Ep, r: &types::SuccessResponse) {
    assert!(r.success, "{}", ep.op);
}

/// The documented `{"success": false}`-free delete answer, and a `false` one to show the flag is read.
async fn delete_ok<E: Debug, F, Fut>(ep: &Ep, call: &F)
where
    F: Fn(Client) -> Fut,
    Fut: Future<Output = Result<ResponseValue<types::SuccessResponse>, Error<E>>>,
{
    let r = ep.ok(200, example("SuccessResponse"), call).await;
    check_success(ep, &r);
    let r = ep.ok(200, json!({"success": false}), call).await;
    assert!(!r.success, "{}: the flag is read from the body", ep.op);
}

// ------------------------------------------------------------------------------------------------
// Meta
// ------------------------------------------------------------------------------------------------

#[test]
fn every_documented_operation_has_a_test() {
    let source = include_str!("hmsovereign_operations.rs");
    let mut count = 0;
    let mut missing = Vec::new();
    for (template, item) in doc()["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else { continue };
            count += 1;
            let needle = format!("Ep::new(\"{id}\", \"{}\", \"{template}\"", m.to_uppercase());
            let fn_name = format!("async fn {}()", heck_snake(id));
            if !source.contains(&needle) || !source.contains(&fn_name) {
                missing
                    .push(format!("{id} ({} {template}): want `{needle}` in `{fn_name}`", m.to_uppercase()));
            }
        }
    }
    assert_eq!(count, 52, "operations in the document");
    assert!(missing.is_empty(), "operations without a test:\n{}", missing.join("\n"));
}

/// `getBYOKConfigs` -> `get_byok_configs` (progenitor's method names).
fn heck_snake(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower = i > 0 && chars[i - 1].is_lowercase();
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}

#[test]
fn spec_facts_come_from_the_document() {
    assert_eq!(agentdial_hmsovereign::spec::DEFAULT_BASE_URL, "https://api.hmsovereign.com/api/v1");
    assert_eq!(agentdial_hmsovereign::spec::AUTH, agentdial_core::AuthScheme::Bearer);
    let c = Client::with_api_key(KEY).unwrap();
    assert_eq!(c.baseurl(), "https://api.hmsovereign.com/api/v1");
    assert!(!format!("{c:?}").contains(KEY), "key in Debug: {c:?}");
}

// ------------------------------------------------------------------------------------------------
// Agents (/assistants)
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_assistants() {
    let ep = Ep::new("listAssistants", "GET", "/assistants", &[]);
    let call = |c: Client| async move { c.list_assistants().send().await };
    let second = json!({
        "id": SAVED_ASSISTANT, "name": "Realtime receptionist", "is_active": false,
        "llm_config": {"provider": "xai_realtime", "model": "grok-4-1-fast-non-reasoning", "voice": "ara"},
        "stt_config": {"provider": "gladia", "model": "solaria-1", "language": "nl", "languages": ["nl", "en"], "code_switching": true},
        "tts_config": null,
        "created_at": "2026-01-07T10:00:00Z", "updated_at": "2026-01-07T10:00:00Z"
    });
    let r = ep.ok(200, json!({"assistants": [example("Agent"), second]}), &call).await;
    assert_eq!(r.assistants.len(), 2);
    check_documented_agent(&r.assistants[0]);
    let realtime = &r.assistants[1];
    assert_eq!(realtime.llm_config.provider, types::LlmProvider::XaiRealtime);
    assert_eq!(realtime.llm_config.voice.as_deref(), Some("ara"));
    assert_eq!(realtime.tts_config, None, "tts_config: null");
    assert_eq!(realtime.stt_config.languages, ["nl", "en"]);
    assert!(!realtime.is_active);
    let r = ep.ok(200, json!({"assistants": []}), &call).await;
    assert!(r.assistants.is_empty());
    documented_errors!(ep, call, ListAssistantsError, 401 => Status401);
}

fn agent_create() -> types::builder::AgentCreate {
    types::AgentCreate::builder()
        .name("Dental Receptionist")
        .business_name(Some("Tandartspraktijk De Molen".to_owned()))
        .first_message(Some("Goedemiddag, u spreekt met de assistent van De Molen.".to_owned()))
        .max_duration_seconds(Some(600))
        .llm_config(Some(types::LlmConfig {
            provider: types::LlmProvider::Openai,
            model: "gpt-4o-mini".into(),
            temperature: Some(0.4),
            messages: vec![types::ChatMessage { role: types::ChatMessageRole::System, content: "You book dental appointments.".into() }],
            tools: vec![
                types::LlmTool::ToolDefinition(types::ToolDefinition {
                    name: "book_appointment".into(),
                    description: "Books an appointment slot".into(),
                    url: Some("https://hooks.demolen.example/tools".into()),
                    async_: None,
                    async_response: None,
                    parameters: map(json!({"type": "object", "properties": {"date": {"type": "string"}}, "required": ["date"]})),
                }),
                types::LlmTool::EndCallTool(types::EndCallTool { type_: types::EndCallToolType::EndCall }),
            ],
            delegation: None,
            max_completion_tokens: None,
            turn_detection: None,
            voice: None,
        }))
        .stt_config(Some(types::SttConfig {
            provider: types::SttProvider::Deepgram,
            model: "nova-3-general".into(),
            language: "nl".into(),
            keyterms: vec!["De Molen".into()],
            sample_rate: Some(types::SttSampleRate::try_from(16000_i64).unwrap()),
            region: Some(types::SttRegion::EuWest),
            code_switching: None,
            custom_vocabulary: vec![],
            endpointing: None,
            include_timestamps: None,
            languages: vec![],
            tag_audio_events: None,
            translation_enabled: None,
            translation_target_languages: vec![],
        }))
        .tts_config(Some(types::TtsConfig {
            provider: types::TtsProvider::Elevenlabs,
            voice_id: "ukiwGs47sHyibruHJ1vg".into(),
            stability: Some(0.5),
            language: None,
            model: None,
            similarity_boost: None,
            speaking_rate: None,
            speed: None,
            style: None,
            use_speaker_boost: None,
        }))
        .webhook_url(Some("https://hooks.demolen.example/hms".to_owned()))
        .webhook_events(vec!["end-of-call-report".to_owned()])
        .gdpr_mode(Some(true))
}

fn agent_create_json() -> Value {
    json!({
        "name": "Dental Receptionist",
        "business_name": "Tandartspraktijk De Molen",
        "first_message": "Goedemiddag, u spreekt met de assistent van De Molen.",
        "max_duration_seconds": 600,
        "llm_config": {
            "provider": "openai", "model": "gpt-4o-mini", "temperature": 0.4,
            "messages": [{"role": "system", "content": "You book dental appointments."}],
            "tools": [
                {"name": "book_appointment", "description": "Books an appointment slot", "url": "https://hooks.demolen.example/tools",
                 "parameters": {"type": "object", "properties": {"date": {"type": "string"}}, "required": ["date"]}},
                {"type": "endCall"}
            ]
        },
        "stt_config": {"provider": "deepgram", "model": "nova-3-general", "language": "nl", "keyterms": ["De Molen"], "sample_rate": 16000, "region": "eu-west"},
        "tts_config": {"provider": "elevenlabs", "voice_id": "ukiwGs47sHyibruHJ1vg", "stability": 0.5},
        "webhook_url": "https://hooks.demolen.example/hms",
        "webhook_events": ["end-of-call-report"],
        "gdpr_mode": true
    })
}

#[tokio::test]
async fn create_assistant() {
    let ep = Ep::new("createAssistant", "POST", "/assistants", &[]).body(agent_create_json());
    let call = |c: Client| async move { c.create_assistant().body(agent_create()).send().await };
    let r = ep.ok(201, json!({"assistant": example("Agent")}), &call).await;
    check_documented_agent(&r.assistant);
    documented_errors!(ep, call, CreateAssistantError, 400 => Status400);

    // Only `name` is required: the documented minimal body.
    let ep = Ep::new("createAssistant", "POST", "/assistants", &[]).body(example("AgentCreate"));
    let call = |c: Client| async move {
        c.create_assistant().body(types::AgentCreate::builder().name("Customer Support Agent")).send().await
    };
    let r = ep.ok(201, json!({"assistant": example("Agent")}), &call).await;
    assert_eq!(r.assistant.name, "Customer Support Agent");
}

#[tokio::test]
async fn get_assistant() {
    let ep = Ep::new("getAssistant", "GET", "/assistants/{id}", &[ASSISTANT]);
    let call = |c: Client| async move { c.get_assistant().id(ASSISTANT).send().await };
    let r = ep.ok(200, json!({"assistant": example("Agent")}), &call).await;
    check_documented_agent(&r.assistant);
    documented_errors!(ep, call, GetAssistantError, 404 => Status404);
}

#[tokio::test]
async fn update_assistant() {
    let body = json!({
        "first_message": "Hello from the updated agent",
        "is_active": false,
        "voicemail_detection": true,
        "voicemail_message": "Sorry we missed you, we will call back.",
        "recording_consent": {"enabled": true, "message": "This call is recorded."},
        "notification_emails": ["ops@acme.com", "support@acme.com"]
    });
    let ep = Ep::new("updateAssistant", "PATCH", "/assistants/{id}", &[ASSISTANT]).body(body);
    let call = |c: Client| async move {
        let update = types::AgentUpdate {
            first_message: Some(Some("Hello from the updated agent".into())),
            is_active: Some(false),
            voicemail_detection: Some(Some(true)),
            voicemail_message: Some(Some("Sorry we missed you, we will call back.".into())),
            recording_consent: Some(Some(types::RecordingConsent {
                enabled: Some(true),
                message: Some("This call is recorded.".into()),
            })),
            notification_emails: Some(Some(vec!["ops@acme.com".into(), "support@acme.com".into()])),
            ..Default::default()
        };
        c.update_assistant().id(ASSISTANT).body(update).send().await
    };
    let mut updated = example("Agent");
    updated["first_message"] = json!("Hello from the updated agent");
    updated["is_active"] = json!(false);
    let r = ep.ok(200, json!({"assistant": updated}), &call).await;
    assert_eq!(r.assistant.first_message.as_deref(), Some("Hello from the updated agent"));
    assert!(!r.assistant.is_active);
    assert_eq!(r.assistant.name, "Customer Support Agent");
    documented_errors!(ep, call, UpdateAssistantError, 404 => Status404);
}

#[tokio::test]
async fn update_assistant_can_clear_a_nullable_field_with_null() {
    let ep = Ep::new("updateAssistant", "PATCH", "/assistants/{id}", &[ASSISTANT])
        .body(json!({"webhook_url": null}));
    let call = |c: Client| async move {
        let update = types::AgentUpdate { webhook_url: Some(None), ..Default::default() };
        c.update_assistant().id(ASSISTANT).body(update).send().await
    };
    let mut cleared = example("Agent");
    cleared.as_object_mut().unwrap().remove("webhook_url");
    let r = ep.ok(200, json!({"assistant": cleared}), &call).await;
    assert_eq!(r.assistant.webhook_url, None);
}

#[tokio::test]
async fn delete_assistant() {
    let ep = Ep::new("deleteAssistant", "DELETE", "/assistants/{id}", &[ASSISTANT]);
    let call = |c: Client| async move { c.delete_assistant().id(ASSISTANT).send().await };
    delete_ok(&ep, &call).await;
    documented_errors!(ep, call, DeleteAssistantError, 404 => Status404);
}

// ------------------------------------------------------------------------------------------------
// Tool templates
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_tool_templates() {
    let ep = Ep::new("listToolTemplates", "GET", "/tool-templates", &[]);
    let call = |c: Client| async move { c.list_tool_templates().send().await };
    let r = ep.ok(200, json!({"tool_templates": [example("ToolTemplate")]}), &call).await;
    assert_eq!(r.tool_templates.len(), 1);
    check_documented_tool_template(&r.tool_templates[0]);
    documented_errors!(ep, call, ListToolTemplatesError, 401 => Status401);
}

fn tool_config() -> Value {
    json!({
        "type": "function",
        "function": {"name": "lookup_customer", "description": "Look up customer information by phone number",
                     "parameters": {"type": "object", "properties": {"phone": {"type": "string"}}, "required": ["phone"]}},
        "server": {"url": "https://crm.acme.example/hms/tools", "secret": "whsec_tools"}
    })
}

#[tokio::test]
async fn create_tool_template() {
    let ep = Ep::new("createToolTemplate", "POST", "/tool-templates", &[]).body(json!({
        "name": "Customer Lookup",
        "description": "Look up customer information by phone number",
        "tool_type": "function",
        "tool_config": tool_config()
    }));
    let call = |c: Client| async move {
        let body = types::ToolTemplateCreate {
            name: "Customer Lookup".into(),
            description: Some(Some("Look up customer information by phone number".into())),
            tool_type: "function".into(),
            tool_config: map(tool_config()),
        };
        c.create_tool_template().body(body).send().await
    };
    let r = ep.ok(201, example("ToolTemplateResponse"), &call).await;
    check_documented_tool_template(&r.tool_template);
    documented_errors!(ep, call, CreateToolTemplateError, 400 => Status400);
}

#[tokio::test]
async fn get_tool_template() {
    let ep = Ep::new("getToolTemplate", "GET", "/tool-templates/{id}", &[TOOL_TEMPLATE]);
    let call = |c: Client| async move { c.get_tool_template().id(TOOL_TEMPLATE).send().await };
    let r = ep.ok(200, example("ToolTemplateResponse"), &call).await;
    check_documented_tool_template(&r.tool_template);
    documented_errors!(ep, call, GetToolTemplateError, 404 => Status404);
}

#[tokio::test]
async fn update_tool_template() {
    let ep = Ep::new("updateToolTemplate", "PATCH", "/tool-templates/{id}", &[TOOL_TEMPLATE]).body(
        json!({"description": "Look up a customer by phone number or e-mail", "tool_config": tool_config()}),
    );
    let call = |c: Client| async move {
        let body = types::ToolTemplateUpdate {
            description: Some(Some("Look up a customer by phone number or e-mail".into())),
            tool_config: map(tool_config()),
            ..Default::default()
        };
        c.update_tool_template().id(TOOL_TEMPLATE).body(body).send().await
    };
    let mut updated = example("ToolTemplateResponse");
    updated["tool_template"]["description"] = json!("Look up a customer by phone number or e-mail");
    updated["tool_template"]["tool_config"] = tool_config();
    let r = ep.ok(200, updated, &call).await;
    assert_eq!(r.tool_template.description.as_deref(), Some("Look up a customer by phone number or e-mail"));
    assert_eq!(r.tool_template.tool_config["server"]["secret"], "whsec_tools");
    assert_eq!(r.tool_template.name, "Customer Lookup");
    documented_errors!(ep, call, UpdateToolTemplateError, 404 => Status404);

    // The documented (empty) update body is sent as `{}`.
    let ep = Ep::new("updateToolTemplate", "PATCH", "/tool-templates/{id}", &[TOOL_TEMPLATE])
        .body(example("ToolTemplateUpdate"));
    let call = |c: Client| async move {
        c.update_tool_template().id(TOOL_TEMPLATE).body(types::ToolTemplateUpdate::default()).send().await
    };
    ep.ok(200, example("ToolTemplateResponse"), &call).await;
}

#[tokio::test]
async fn delete_tool_template() {
    let ep = Ep::new("deleteToolTemplate", "DELETE", "/tool-templates/{id}", &[TOOL_TEMPLATE]);
    let call = |c: Client| async move { c.delete_tool_template().id(TOOL_TEMPLATE).send().await };
    delete_ok(&ep, &call).await;
    documented_errors!(ep, call, DeleteToolTemplateError, 404 => Status404);
}

// ------------------------------------------------------------------------------------------------
// Numbers
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_numbers() {
    let ep = Ep::new("listNumbers", "GET", "/numbers", &[]);
    let call = |c: Client| async move { c.list_numbers().send().await };
    let second = json!({
        "id": "6a1f8b9e-3c2d-4e5f-8a7b-9c0d1e2f3a4b", "phone_number": "+31201234567", "source": "sip",
        "agent_id": SAVED_ASSISTANT, "agent_name": "Realtime receptionist", "is_active": false,
        "transfer_trunk_id": SIP_TRUNK, "transfer_trunk_name": "Voys transfer trunk",
        "created_at": "2026-01-07T10:00:00Z", "updated_at": "2026-01-07T10:00:00Z"
    });
    let r = ep.ok(200, json!({"numbers": [example("PhoneNumber"), second]}), &call).await;
    assert_eq!(r.numbers.len(), 2);
    check_documented_number(&r.numbers[0]);
    let n = &r.numbers[1];
    assert_eq!(n.agent_name.as_deref(), Some("Realtime receptionist"));
    assert_eq!(n.transfer_trunk_id.map(|u| u.to_string()).as_deref(), Some(SIP_TRUNK));
    assert_eq!(n.is_active, Some(false));
    assert_eq!(n.source.as_deref(), Some("sip"));
    documented_errors!(ep, call, ListNumbersError, 401 => Status401);
}

#[tokio::test]
async fn register_number() {
    // The documented request example, built from the type.
    let ep = Ep::new("registerNumber", "POST", "/numbers", &[]).body(example("PhoneNumberCreate"));
    let call = |c: Client| async move {
        let body = types::PhoneNumberCreate {
            phone_number: "+31850835037".into(),
            name: Some("Main Support Line".into()),
            assistant_id: Some(id(SAVED_ASSISTANT)),
            agent_id: None,
            is_active: None,
            transfer_trunk_id: None,
        };
        c.register_number().body(body).send().await
    };
    let r = ep.ok(201, example("PhoneNumberResponse"), &call).await;
    check_documented_number(&r.number);
    documented_errors!(ep, call, RegisterNumberError, 400 => Status400);
}

#[tokio::test]
async fn get_number() {
    let ep = Ep::new("getNumber", "GET", "/numbers/{id}", &[NUMBER]);
    let call = |c: Client| async move { c.get_number().id(NUMBER).send().await };
    let r = ep.ok(200, example("PhoneNumberResponse"), &call).await;
    check_documented_number(&r.number);
    documented_errors!(ep, call, GetNumberError, 404 => Status404);
}

#[tokio::test]
async fn update_number() {
    let ep = Ep::new("updateNumber", "PATCH", "/numbers/{id}", &[NUMBER])
        .body(json!({"assistant_id": ASSISTANT, "transfer_trunk_id": SIP_TRUNK, "is_active": true}));
    let call = |c: Client| async move {
        let body = types::PhoneNumberUpdate {
            assistant_id: Some(Some(id(ASSISTANT))),
            transfer_trunk_id: Some(Some(id(SIP_TRUNK))),
            is_active: Some(true),
            ..Default::default()
        };
        c.update_number().id(NUMBER).body(body).send().await
    };
    let mut updated = example("PhoneNumberResponse");
    updated["number"]["assistant_id"] = json!(ASSISTANT);
    updated["number"]["transfer_trunk_id"] = json!(SIP_TRUNK);
    updated["number"]["is_active"] = json!(true);
    let r = ep.ok(200, updated, &call).await;
    assert_eq!(r.number.assistant_id.map(|u| u.to_string()).as_deref(), Some(ASSISTANT));
    assert_eq!(r.number.transfer_trunk_id.map(|u| u.to_string()).as_deref(), Some(SIP_TRUNK));
    assert_eq!(r.number.is_active, Some(true));
    assert_eq!(r.number.phone_number, "+31850835037");
    documented_errors!(ep, call, UpdateNumberError, 404 => Status404);
}

#[tokio::test]
async fn update_number_can_unassign_the_assistant_with_null() {
    let ep = Ep::new("updateNumber", "PATCH", "/numbers/{id}", &[NUMBER]).body(json!({"agent_id": null}));
    let call = |c: Client| async move {
        let body: types::PhoneNumberUpdate = serde_json::from_value(json!({"agent_id": null})).unwrap();
        c.update_number().id(NUMBER).body(body).send().await
    };
    let mut updated = example("PhoneNumberResponse");
    updated["number"]["assistant_id"] = Value::Null;
    let r = ep.ok(200, updated, &call).await;
    assert_eq!(r.number.assistant_id, None);
}

#[tokio::test]
async fn delete_number() {
    let ep = Ep::new("deleteNumber", "DELETE", "/numbers/{id}", &[NUMBER]);
    let call = |c: Client| async move { c.delete_number().id(NUMBER).send().await };
    delete_ok(&ep, &call).await;
    documented_errors!(ep, call, DeleteNumberError, 404 => Status404);
}

// ------------------------------------------------------------------------------------------------
// Calls and call control
// ------------------------------------------------------------------------------------------------

const LIST_CALLS_PARAMS: [&str; 5] = ["limit", "offset", "status", "start_date", "end_date"];

#[tokio::test]
async fn list_calls() {
    // No parameter set: none is sent.
    let ep = Ep::new("listCalls", "GET", "/calls", &[]).absent(&LIST_CALLS_PARAMS);
    let call = |c: Client| async move { c.list_calls().send().await };
    let r = ep.ok(200, example("CallListResponse"), &call).await;
    assert_eq!(r.calls.len(), 1);
    let first = &r.calls[0];
    assert_eq!(first.id, CALL);
    assert_eq!(first.status, types::CallStatus::Ended);
    assert_eq!(first.duration_seconds, Some(120));
    assert_eq!(first.caller_phone.as_deref(), Some("+31623731537"));
    assert_eq!(first.analysis_result.as_ref().map(|a| a["sentiment"].clone()), Some(json!(8)));
    assert_eq!((r.pagination.total, r.pagination.limit, r.pagination.offset), (42, 100, 0));
    documented_errors!(ep, call, ListCallsError, 400 => Status400);
}

#[tokio::test]
async fn list_calls_pagination_and_filters_round_trip() {
    let ep = Ep::new("listCalls", "GET", "/calls", &[])
        .query("limit", "10")
        .query("offset", "20")
        .query("status", "in-progress")
        .query("start_date", "2025-12-01T00:00:00Z")
        .query("end_date", "2025-12-31T23:59:59Z");
    let call = |c: Client| async move {
        c.list_calls()
            .limit(10)
            .offset(20)
            .status(types::CallStatusFilter::InProgress)
            .start_date(types::Timestamp::try_from("2025-12-01T00:00:00Z").unwrap())
            .end_date(types::Timestamp::try_from("2025-12-31T23:59:59Z").unwrap())
            .send()
            .await
    };
    let mut page = example("CallListResponse");
    page["pagination"] = json!({"total": 42, "limit": 10, "offset": 20});
    page["calls"][0]["status"] = json!("in-progress");
    let r = ep.ok(200, page, &call).await;
    assert_eq!((r.pagination.total, r.pagination.limit, r.pagination.offset), (42, 10, 20));
    assert_eq!(r.calls[0].status, types::CallStatus::InProgress);

    // Only the parameters that are set are sent.
    let ep = Ep::new("listCalls", "GET", "/calls", &[]).query("offset", "100").absent(&[
        "limit",
        "status",
        "start_date",
        "end_date",
    ]);
    let call = |c: Client| async move { c.list_calls().offset(100).send().await };
    let mut last = example("CallListResponse");
    last["calls"] = json!([]);
    last["pagination"] = json!({"total": 42, "limit": 100, "offset": 100});
    let r = ep.ok(200, last, &call).await;
    assert!(r.calls.is_empty());
}

#[tokio::test]
async fn get_call() {
    let ep = Ep::new("getCall", "GET", "/calls/{id}", &[CALL]);
    let call = |c: Client| async move { c.get_call().id(CALL).send().await };
    let r = ep.ok(200, example("Call"), &call).await;
    assert_eq!(r.id, CALL);
    assert_eq!(r.status, types::CallStatus::Connecting);
    assert_eq!(r.assistant_phone.as_deref(), Some("+31850835037"));
    assert_eq!(
        r.number_id.as_deref(),
        Some("7f8a9b2c-3d4e-5f6g-7h8i-9j0k1l2m3n4o"),
        "call number ids are plain strings"
    );
    assert_eq!(r.agent_id.map(|u| u.to_string()).as_deref(), Some("2b1e3b65-2c04-4fa2-a2d7-467901e98978"));
    let messages = r.messages.as_ref().expect("messages");
    assert_eq!(messages.len(), 2);
    assert_eq!(
        (&messages[1].role, messages[1].content.as_str()),
        (&types::ChatMessageRole::User, "Hi, can you hear me?")
    );
    assert_eq!(r.started_at.map(|t| t.to_rfc3339()).as_deref(), Some("2019-08-24T14:15:22.123+00:00"));
    documented_errors!(ep, call, GetCallError, 404 => Status404);
}

/// A path parameter is one segment whatever it holds: `,` is not a list separator (`style: simple`)
/// and `\` is not turned into `/` by the URL parser (`encode_path_parameters`).
#[tokio::test]
async fn get_call_with_reserved_characters_in_the_id_stays_one_segment() {
    const ODD: &str = "a,b\\c/d e?f#g+h";
    let ep = Ep::new("getCall", "GET", "/calls/{id}", &[ODD]);
    assert_eq!(ep.path, "/api/v1/calls/a%2Cb%5Cc%2Fd%20e%3Ff%23g%2Bh");
    let call = |c: Client| async move { c.get_call().id(ODD).send().await };
    let r = ep.ok(200, example("Call"), &call).await;
    assert_eq!(r.id, CALL);
}

fn outbound_reference() -> types::OutboundCallRequest {
    types::OutboundCallRequest {
        destination: "+31612345678".into(),
        assistant_id: Some(id(SAVED_ASSISTANT)),
        assistant: None,
        assistant_override: None,
        number_id: None,
        first_message: None,
        agent: None,
        agent_config: None,
        agent_id: None,
    }
}

#[tokio::test]
async fn create_outbound_call() {
    // Reference mode: the documented example, built from the type.
    let ep = Ep::new("createOutboundCall", "POST", "/calls/outbound", &[]).body(request_example(
        "/calls/outbound",
        "post",
        "reference",
    ));
    let call = |c: Client| async move { c.create_outbound_call().body(outbound_reference()).send().await };
    for status in [200, 201] {
        let r = ep.ok(status, example("OutboundCallResponse"), &call).await;
        assert!(r.success);
        assert_eq!(r.call_id, "call-outbound-abc123");
        assert_eq!(r.room_name.as_deref(), Some("outbound-abc12345"));
        assert_eq!(r.status, types::OutboundCallStatus::Dialing);
    }
    documented_errors!(ep, call, CreateOutboundCallError, 404 => Status404);
    let e = ep.error(402, &call).await;
    check_error(&ep, 402, &typed!(ep, e, types::CreateOutboundCallError::Status402));
}

#[tokio::test]
async fn create_outbound_call_transient_and_hybrid_modes() {
    let ep = Ep::new("createOutboundCall", "POST", "/calls/outbound", &[]).body(request_example(
        "/calls/outbound",
        "post",
        "transient",
    ));
    let call = |c: Client| async move {
        let assistant = types::AssistantConfigOverride {
            first_message: Some("Hi John, this is a reminder about your appointment.".into()),
            llm_config: Some(Box::new(types::LlmConfigOverride {
                provider: Some(types::LlmProvider::Openai),
                model: Some("gpt-4o-mini".into()),
                ..Default::default()
            })),
            stt_config: Some(types::SttConfigOverride {
                provider: Some(types::SttProvider::Deepgram),
                model: Some("nova-3-general".into()),
                language: Some("nl".into()),
                ..Default::default()
            }),
            tts_config: Some(types::TtsConfigOverride {
                provider: Some(types::TtsProvider::Elevenlabs),
                voice_id: Some("ukiwGs47sHyibruHJ1vg".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let body = types::OutboundCallRequest {
            assistant_id: None,
            assistant: Some(Box::new(assistant)),
            ..outbound_reference()
        };
        c.create_outbound_call().body(body).send().await
    };
    let r = ep.ok(201, example("OutboundCallResponse"), &call).await;
    assert_eq!(r.call_id, "call-outbound-abc123");

    let ep = Ep::new("createOutboundCall", "POST", "/calls/outbound", &[]).body(request_example(
        "/calls/outbound",
        "post",
        "hybrid",
    ));
    let call = |c: Client| async move {
        let assistant_override = types::AssistantConfigOverride {
            first_message: Some("Good afternoon John, calling about your order.".into()),
            ..Default::default()
        };
        let body = types::OutboundCallRequest {
            assistant_override: Some(Box::new(assistant_override)),
            ..outbound_reference()
        };
        c.create_outbound_call().body(body).send().await
    };
    let r = ep.ok(200, example("OutboundCallResponse"), &call).await;
    assert_eq!(r.status, types::OutboundCallStatus::Dialing);
}

#[tokio::test]
async fn create_outbound_call_deprecated_aliases_still_serialize() {
    let ep = Ep::new("createOutboundCall", "POST", "/calls/outbound", &[]).body(json!({
        "destination": "+31612345678",
        "number_id": NUMBER,
        "agent_id": SAVED_ASSISTANT,
        "agent_config": {"first_message": "Hello again", "metadata": {"crm_id": "C-1042"}},
        "first_message": "Hello John"
    }));
    let call = |c: Client| async move {
        let body = types::OutboundCallRequest {
            assistant_id: None,
            number_id: Some(id(NUMBER)),
            agent_id: Some(id(SAVED_ASSISTANT)),
            agent_config: Some(Box::new(types::AssistantConfigOverride {
                first_message: Some("Hello again".into()),
                metadata: map(json!({"crm_id": "C-1042"})),
                ..Default::default()
            })),
            first_message: Some("Hello John".into()),
            ..outbound_reference()
        };
        c.create_outbound_call().body(body).send().await
    };
    let r = ep.ok(201, example("OutboundCallResponse"), &call).await;
    assert!(r.success);
}

#[tokio::test]
async fn control_call() {
    let ep = Ep::new("controlCall", "POST", "/calls/{id}/control", &[CALL]).body(
        json!({"type": "say", "content": "One moment please, I am checking your order.", "end_after": false}),
    );
    let call = |c: Client| async move {
        let say = types::SayCommand {
            type_: types::SayCommandType::Say,
            content: "One moment please, I am checking your order.".into(),
            end_after: false,
        };
        c.control_call().id(CALL).body(types::CallControlCommand::SayCommand(say)).send().await
    };
    let r = ep.ok(200, example("CallControlResponse"), &call).await;
    assert!(r.success);
    assert_eq!(r.message.as_deref(), Some("Command sent successfully"));
    documented_errors!(ep, call, ControlCallError, 404 => Status404);
    let e = ep.error(400, &call).await;
    check_error(&ep, 400, &typed!(ep, e, types::ControlCallError::Status400));
}

#[tokio::test]
async fn control_call_every_command_kind_on_the_wire() {
    let cases: Vec<(types::CallControlCommand, Value)> = vec![
        (
            types::InjectContextCommand {
                type_: types::InjectContextCommandType::InjectContext,
                content: "The customer is a VIP.".into(),
                trigger_response: true,
            }
            .into(),
            json!({"type": "inject-context", "content": "The customer is a VIP.", "trigger_response": true}),
        ),
        (
            types::EndCallCommand {
                type_: types::EndCallCommandType::EndCall,
                message: Some("Goodbye!".into()),
            }
            .into(),
            json!({"type": "end-call", "message": "Goodbye!"}),
        ),
        (
            types::EndCallCommand { type_: types::EndCallCommandType::EndCall, message: None }.into(),
            json!({"type": "end-call"}),
        ),
        (
            types::TransferCommand {
                type_: types::TransferCommandType::Transfer,
                destination: "+31201234567".into(),
                message: Some("Transferring you now.".into()),
            }
            .into(),
            json!({"type": "transfer", "destination": "+31201234567", "message": "Transferring you now."}),
        ),
    ];
    for (command, wire) in cases {
        let ep = Ep::new("controlCall", "POST", "/calls/{id}/control", &[CALL]).body(wire);
        let call = move |c: Client| {
            let command = command.clone();
            async move { c.control_call().id(CALL).body(command).send().await }
        };
        let r = ep.ok(200, json!({"success": true}), &call).await;
        assert!(r.success);
        assert_eq!(r.message, None);
    }
}

// ------------------------------------------------------------------------------------------------
// Usage
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn get_usage() {
    let ep = Ep::new("getUsage", "GET", "/usage", &[]).absent(&["limit", "offset", "start_date", "end_date"]);
    let call = |c: Client| async move { c.get_usage().send().await };
    let r = ep.ok(200, example("UsageLogListResponse"), &call).await;
    assert_eq!(r.logs.len(), 1);
    assert_eq!(r.logs[0].id.to_string(), "497f6eca-6276-4993-bfeb-53cbbbba6f08");
    assert_eq!(r.logs[0].duration_sec, 180);
    assert_eq!(r.logs[0].byok_llm, Some(false));
    assert_eq!(
        (r.summary.total_calls, r.summary.total_duration_seconds, r.summary.total_duration_minutes),
        (42, 7560, 126)
    );
    assert_eq!(r.pagination.total, 42);
    documented_errors!(ep, call, GetUsageError, 400 => Status400);
}

#[tokio::test]
async fn get_usage_pagination_round_trips() {
    let ep = Ep::new("getUsage", "GET", "/usage", &[])
        .query("limit", "250")
        .query("offset", "500")
        .query("start_date", "2026-01-01T00:00:00Z")
        .absent(&["end_date"]);
    let call = |c: Client| async move {
        c.get_usage()
            .limit(250)
            .offset(500)
            .start_date(types::Timestamp::try_from("2026-01-01T00:00:00Z").unwrap())
            .send()
            .await
    };
    let mut page = example("UsageLogListResponse");
    page["pagination"] = json!({"total": 612, "limit": 250, "offset": 500});
    page["logs"][0]["call_type"] = json!("web");
    let r = ep.ok(200, page, &call).await;
    assert_eq!((r.pagination.total, r.pagination.limit, r.pagination.offset), (612, 250, 500));
    assert_eq!(r.logs[0].call_type, Some(types::UsageCallType::Web));
}

// ------------------------------------------------------------------------------------------------
// SIP trunks
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_sip_trunks() {
    let ep = Ep::new("listSipTrunks", "GET", "/sip-trunks", &[]);
    let call = |c: Client| async move { c.list_sip_trunks().send().await };
    let bare = json!({
        "id": "0e7c9a3b-1d2f-4a5b-8c6d-7e8f9a0b1c2d", "org_id": ORG, "name": "Legacy PBX", "provider": null,
        "address": "pbx.acme.example", "transport": null, "auth_username": null, "is_active": false,
        "created_at": "2025-06-01T08:00:00Z", "updated_at": "2025-06-01T08:00:00Z"
    });
    let r = ep.ok(200, json!({"trunks": [sip_trunk_body(), bare]}), &call).await;
    assert_eq!(r.trunks.len(), 2);
    check_sip_trunk(&r.trunks[0]);
    let b = &r.trunks[1];
    assert_eq!((b.provider.as_deref(), b.transport.as_ref(), b.auth_username.as_deref()), (None, None, None));
    assert_eq!(b.address, "pbx.acme.example");
    documented_errors!(ep, call, ListSipTrunksError, 401 => Status401);
}

#[tokio::test]
async fn create_sip_trunk() {
    let ep = Ep::new("createSipTrunk", "POST", "/sip-trunks", &[]).body(json!({
        "name": "Voys transfer trunk", "provider": "voys", "address": "sip.voys.nl",
        "auth_username": "hms-trunk-01", "auth_password": "s3cr3t-Pa55", "transport": "tls"
    }));
    let call = |c: Client| async move {
        let body = types::SipTrunkCreate {
            name: "Voys transfer trunk".into(),
            provider: "voys".into(),
            address: "sip.voys.nl".into(),
            auth_username: Some("hms-trunk-01".into()),
            auth_password: Some("s3cr3t-Pa55".into()),
            transport: Some(types::SipTransport::Tls),
        };
        c.create_sip_trunk().body(body).send().await
    };
    let r = ep.ok(201, json!({"trunk": sip_trunk_body()}), &call).await;
    check_sip_trunk(&r.trunk);
    documented_errors!(ep, call, CreateSipTrunkError, 400 => Status400);
}

#[tokio::test]
async fn get_sip_trunk() {
    let ep = Ep::new("getSipTrunk", "GET", "/sip-trunks/{id}", &[SIP_TRUNK]);
    let call = |c: Client| async move { c.get_sip_trunk().id(SIP_TRUNK).send().await };
    let r = ep.ok(200, json!({"trunk": sip_trunk_body()}), &call).await;
    check_sip_trunk(&r.trunk);
    documented_errors!(ep, call, GetSipTrunkError, 404 => Status404);
}

#[tokio::test]
async fn delete_sip_trunk() {
    let ep = Ep::new("deleteSipTrunk", "DELETE", "/sip-trunks/{id}", &[SIP_TRUNK]);
    let call = |c: Client| async move { c.delete_sip_trunk().id(SIP_TRUNK).send().await };
    delete_ok(&ep, &call).await;
    documented_errors!(ep, call, DeleteSipTrunkError, 404 => Status404);
}

// ------------------------------------------------------------------------------------------------
// Voices
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_voices() {
    let ep = Ep::new("listVoices", "GET", "/voices", &[]);
    let call = |c: Client| async move { c.list_voices().send().await };
    let body = json!({"voices": [
        {"id": "nl-female-sanne", "name": "Sanne", "language": "nl",
         "description": {"en": "Warm Dutch female voice", "nl": "Warme Nederlandse vrouwenstem"}},
        {"id": "en-male-james", "name": "James"}
    ]});
    let r = ep.ok(200, body, &call).await;
    assert_eq!(r.voices.len(), 2);
    assert_eq!((r.voices[0].id.as_str(), r.voices[0].name.as_str()), ("nl-female-sanne", "Sanne"));
    assert_eq!(r.voices[0].language.as_deref(), Some("nl"));
    let d = r.voices[0].description.as_ref().expect("description");
    assert_eq!(
        (d.en.as_deref(), d.nl.as_deref()),
        (Some("Warm Dutch female voice"), Some("Warme Nederlandse vrouwenstem"))
    );
    assert_eq!((r.voices[1].language.as_ref(), r.voices[1].description.as_ref()), (None, None));
    documented_errors!(ep, call, ListVoicesError, 401 => Status401);
}

// ------------------------------------------------------------------------------------------------
// BYOK
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn get_byok_configs() {
    let ep = Ep::new("getBYOKConfigs", "GET", "/byok", &[]);
    let call = |c: Client| async move { c.get_byok_configs().send().await };
    let r = ep.ok(200, example("BYOKKeysResponse"), &call).await;
    let k = &r.byok_keys;
    assert_eq!(k.deepgram_secret_id.as_deref(), Some("vault-secret-id-1"));
    assert_eq!(k.openai_secret_id.as_deref(), Some("vault-secret-id-2"));
    assert_eq!(
        (k.elevenlabs_secret_id.as_ref(), k.xai_secret_id.as_ref(), k.resend_secret_id.as_ref()),
        (None, None, None)
    );
    assert!(k.extra.is_empty(), "{:?}", k.extra);
    documented_errors!(ep, call, GetByokConfigsError, 401 => Status401);
}

#[tokio::test]
async fn add_byok_config() {
    let ep = Ep::new("addBYOKConfig", "POST", "/byok", &[])
        .body(json!({"provider": "elevenlabs", "api_key": "sk_el_9f8e7d6c5b4a"}));
    let call = |c: Client| async move {
        let body = types::ByokConfigCreate {
            provider: types::ByokProvider::Elevenlabs,
            api_key: "sk_el_9f8e7d6c5b4a".into(),
        };
        c.add_byok_config().body(body).send().await
    };
    // Both documented success statuses; keys of providers without a named field are kept in `extra`.
    let body = json!({"success": true, "byok_keys": {
        "deepgram_secret_id": "vault-secret-id-1", "elevenlabs_secret_id": "vault-secret-id-3", "gladia_secret_id": "vault-secret-id-4"
    }});
    for status in [200, 201] {
        let r = ep.ok(status, body.clone(), &call).await;
        assert!(r.success);
        assert_eq!(r.byok_keys.elevenlabs_secret_id.as_deref(), Some("vault-secret-id-3"));
        assert_eq!(r.byok_keys.extra.get("gladia_secret_id"), Some(&json!("vault-secret-id-4")));
    }
    let r = ep.ok(200, example("BYOKUpdateResponse"), &call).await;
    assert!(r.success && r.byok_keys.deepgram_secret_id.is_none() && r.byok_keys.extra.is_empty());
    documented_errors!(ep, call, AddByokConfigError, 400 => Status400);

    // The documented request example, built from the type.
    let ep = Ep::new("addBYOKConfig", "POST", "/byok", &[]).body(example("BYOKConfigCreate"));
    let call = |c: Client| async move {
        c.add_byok_config()
            .body(types::ByokConfigCreate {
                provider: types::ByokProvider::Deepgram,
                api_key: "string".into(),
            })
            .send()
            .await
    };
    ep.ok(201, example("BYOKUpdateResponse"), &call).await;
}

#[tokio::test]
async fn delete_byok_config() {
    // A DELETE with a body: the documented example.
    let ep = Ep::new("deleteBYOKConfig", "DELETE", "/byok", &[]).body(example("BYOKConfigDelete"));
    let call = |c: Client| async move {
        c.delete_byok_config()
            .body(types::ByokConfigDelete { provider: types::ByokProvider::Deepgram })
            .send()
            .await
    };
    let body = json!({"success": true, "byok_keys": {"deepgram_secret_id": null, "openai_secret_id": "vault-secret-id-2"}});
    let r = ep.ok(200, body, &call).await;
    assert!(r.success);
    assert_eq!(r.byok_keys.deepgram_secret_id, None);
    assert_eq!(r.byok_keys.openai_secret_id.as_deref(), Some("vault-secret-id-2"));
    documented_errors!(ep, call, DeleteByokConfigError, 404 => Status404);

    let ep = Ep::new("deleteBYOKConfig", "DELETE", "/byok", &[]).body(json!({"provider": "google_vertex"}));
    let call = |c: Client| async move {
        c.delete_byok_config()
            .body(types::ByokConfigDelete { provider: types::ByokProvider::GoogleVertex })
            .send()
            .await
    };
    ep.ok(200, example("BYOKUpdateResponse"), &call).await;
}

#[tokio::test]
async fn get_byok_provider_configs() {
    let ep = Ep::new("getBYOKProviderConfigs", "GET", "/byok/config", &[]);
    let call = |c: Client| async move { c.get_byok_provider_configs().send().await };
    let r = ep.ok(200, example("BYOKProviderConfigListResponse"), &call).await;
    assert_eq!(r.providers.len(), 2);
    let openai = &r.providers[1];
    assert_eq!(openai.id.as_deref(), Some("openai"));
    assert_eq!(openai.category.as_deref(), Some("llm"));
    assert_eq!(openai.docs_url.as_deref(), Some("https://platform.openai.com/docs"));
    assert_eq!(openai.models.len(), 2);
    assert_eq!((openai.models[1].id.as_deref(), openai.models[1].default), (Some("gpt-4o"), Some(false)));
    assert_eq!(r.providers[0].models[0].name.as_deref(), Some("Nova 3 General"));
    documented_errors!(ep, call, GetByokProviderConfigsError, 401 => Status401);
}

// ------------------------------------------------------------------------------------------------
// Domains
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn get_domain() {
    let ep = Ep::new("getDomain", "GET", "/domains", &[]);
    let call = |c: Client| async move { c.get_domain().send().await };
    let r = ep.ok(200, json!({"domain": domain_body("verified")}), &call).await;
    check_domain(r.domain.as_ref().expect("domain"), "verified");
    // No domain configured.
    let r = ep.ok(200, json!({"domain": null}), &call).await;
    assert_eq!(r.domain, None);
    documented_errors!(ep, call, GetDomainError, 401 => Status401);
}

#[tokio::test]
async fn add_domain() {
    let ep = Ep::new("addDomain", "POST", "/domains", &[]).body(example("DomainCreate"));
    let call = |c: Client| async move {
        c.add_domain().body(types::DomainCreate { domain_name: "mail.example.com".into() }).send().await
    };
    let r = ep.ok(200, json!({"domain": domain_body("not_started")}), &call).await;
    check_domain(&r.domain, "not_started");
    documented_errors!(ep, call, AddDomainError, 400 => Status400);
}

#[tokio::test]
async fn delete_domain() {
    let ep = Ep::new("deleteDomain", "DELETE", "/domains", &[]);
    let call = |c: Client| async move { c.delete_domain().send().await };
    delete_ok(&ep, &call).await;
    documented_errors!(ep, call, DeleteDomainError, 401 => Status401);
}

#[tokio::test]
async fn list_resend_domains() {
    let ep = Ep::new("listResendDomains", "GET", "/domains/sync", &[]);
    let call = |c: Client| async move { c.list_resend_domains().send().await };
    let body = json!({
        "domains": [
            {"id": "4dd369bc-aa82-4ff3-97de-514ae3000ee0", "name": "mail.acme.example", "status": "verified", "region": "eu-west-1",
             "created_at": "2025-11-02 09:12:44.123+00"},
            {"id": "d91cd9bd-1176-453e-8fc1-35364d380206", "name": "news.acme.example", "status": "pending", "region": "us-east-1"}
        ],
        "selected_domain_id": "4dd369bc-aa82-4ff3-97de-514ae3000ee0"
    });
    let r = ep.ok(200, body, &call).await;
    assert_eq!(r.domains.len(), 2);
    assert_eq!(r.domains[1]["name"], "news.acme.example");
    assert_eq!(r.domains[0]["status"], "verified");
    assert_eq!(r.selected_domain_id.as_deref(), Some("4dd369bc-aa82-4ff3-97de-514ae3000ee0"));
    let r = ep.ok(200, json!({"domains": [], "selected_domain_id": null}), &call).await;
    assert_eq!((r.domains.len(), r.selected_domain_id.as_ref()), (0, None));
    documented_errors!(ep, call, ListResendDomainsError, 401 => Status401);
}

#[tokio::test]
async fn sync_resend_domain() {
    let ep = Ep::new("syncResendDomain", "POST", "/domains/sync", &[])
        .body(json!({"resendDomainId": "4dd369bc-aa82-4ff3-97de-514ae3000ee0"}));
    let call = |c: Client| async move {
        c.sync_resend_domain()
            .body(types::DomainSyncRequest {
                resend_domain_id: "4dd369bc-aa82-4ff3-97de-514ae3000ee0".into(),
            })
            .send()
            .await
    };
    let r = ep
        .ok(200, json!({"domain": domain_body("verified"), "message": "Domain synced from Resend"}), &call)
        .await;
    check_domain(&r.domain, "verified");
    assert_eq!(r.message.as_deref(), Some("Domain synced from Resend"));
    documented_errors!(ep, call, SyncResendDomainError, 400 => Status400);
}

#[tokio::test]
async fn verify_domain() {
    let ep = Ep::new("verifyDomain", "POST", "/domains/verify", &[]);
    let call = |c: Client| async move { c.verify_domain().send().await };
    let r = ep.ok(200, json!({"domain": domain_body("pending")}), &call).await;
    check_domain(&r.domain, "pending");
    documented_errors!(ep, call, VerifyDomainError, 401 => Status401);
}

#[tokio::test]
async fn refresh_domain() {
    let ep = Ep::new("refreshDomain", "POST", "/domains/refresh", &[]);
    let call = |c: Client| async move { c.refresh_domain().send().await };
    let r = ep.ok(200, json!({"domain": domain_body("verified")}), &call).await;
    check_domain(&r.domain, "verified");
    documented_errors!(ep, call, RefreshDomainError, 401 => Status401);
}

// ------------------------------------------------------------------------------------------------
// Analysis templates
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_analysis_templates() {
    let ep = Ep::new("listAnalysisTemplates", "GET", "/analysis-templates", &[]);
    let call = |c: Client| async move { c.list_analysis_templates().send().await };
    let r = ep.ok(200, example("AnalysisTemplateListResponse"), &call).await;
    assert_eq!(r.analysis_templates.len(), 1);
    check_documented_analysis_template(&r.analysis_templates[0]);
    documented_errors!(ep, call, ListAnalysisTemplatesError, 401 => Status401);
}

fn satisfaction_schema() -> Value {
    json!({"type": "object", "properties": {"satisfied": {"type": "boolean"}, "score": {"type": "integer", "minimum": 1, "maximum": 10}}})
}

#[tokio::test]
async fn create_analysis_template() {
    let ep = Ep::new("createAnalysisTemplate", "POST", "/analysis-templates", &[]).body(json!({
        "name": "Customer Satisfaction Survey",
        "description": "Extract customer satisfaction metrics and feedback",
        "system_prompt": "You are analyzing a customer service call.",
        "user_prompt": "Transcript: {{transcript}}",
        "schema": satisfaction_schema()
    }));
    let call = |c: Client| async move {
        let body = types::CreateAnalysisTemplate {
            name: "Customer Satisfaction Survey".into(),
            description: Some(Some("Extract customer satisfaction metrics and feedback".into())),
            system_prompt: "You are analyzing a customer service call.".into(),
            user_prompt: "Transcript: {{transcript}}".into(),
            schema: map(satisfaction_schema()),
        };
        c.create_analysis_template().body(body).send().await
    };
    let r = ep.ok(201, json!({"analysis_template": example("AnalysisTemplate")}), &call).await;
    check_documented_analysis_template(&r.analysis_template);
    documented_errors!(ep, call, CreateAnalysisTemplateError, 400 => Status400);
}

#[tokio::test]
async fn get_analysis_template() {
    let ep = Ep::new("getAnalysisTemplate", "GET", "/analysis-templates/{id}", &[ANALYSIS_TEMPLATE]);
    let call = |c: Client| async move { c.get_analysis_template().id(ANALYSIS_TEMPLATE).send().await };
    let r = ep.ok(200, json!({"analysis_template": example("AnalysisTemplate")}), &call).await;
    check_documented_analysis_template(&r.analysis_template);
    documented_errors!(ep, call, GetAnalysisTemplateError, 404 => Status404);
}

#[tokio::test]
async fn update_analysis_template() {
    let ep = Ep::new("updateAnalysisTemplate", "PATCH", "/analysis-templates/{id}", &[ANALYSIS_TEMPLATE])
        .body(json!({"name": "CSAT v2", "schema": satisfaction_schema()}));
    let call = |c: Client| async move {
        let body = types::UpdateAnalysisTemplate {
            name: Some("CSAT v2".into()),
            schema: map(satisfaction_schema()),
            ..Default::default()
        };
        c.update_analysis_template().id(ANALYSIS_TEMPLATE).body(body).send().await
    };
    let mut updated = example("AnalysisTemplate");
    updated["name"] = json!("CSAT v2");
    updated["schema"] = satisfaction_schema();
    let r = ep.ok(200, json!({"analysis_template": updated}), &call).await;
    assert_eq!(r.analysis_template.name, "CSAT v2");
    assert_eq!(r.analysis_template.schema["properties"]["score"]["maximum"], 10);
    assert_eq!(r.analysis_template.id.to_string(), ANALYSIS_TEMPLATE);
    documented_errors!(ep, call, UpdateAnalysisTemplateError, 404 => Status404);
}

#[tokio::test]
async fn delete_analysis_template() {
    let ep = Ep::new("deleteAnalysisTemplate", "DELETE", "/analysis-templates/{id}", &[ANALYSIS_TEMPLATE]);
    let call = |c: Client| async move { c.delete_analysis_template().id(ANALYSIS_TEMPLATE).send().await };
    delete_ok(&ep, &call).await;
    documented_errors!(ep, call, DeleteAnalysisTemplateError, 404 => Status404);
}

// ------------------------------------------------------------------------------------------------
// Organization
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn get_organization() {
    let ep = Ep::new("getOrganization", "GET", "/organizations", &[]).absent(&["include_children"]);
    let call = |c: Client| async move { c.get_organization().send().await };
    let mut without_children = example("Organization");
    without_children.as_object_mut().unwrap().remove("children");
    let r = ep.ok(200, without_children, &call).await;
    assert_eq!(r.id.to_string(), "497f6eca-6276-4993-bfeb-53cbbbba6f08");
    assert_eq!(r.name, "Acme Corporation");
    assert_eq!((r.minutes_balance, r.monthly_usage_minutes), (500.5, 120.0));
    assert_eq!((r.active_numbers, r.active_agents, r.active_calls), (3, 2, 1));
    assert_eq!(
        r.parent_org_id.map(|u| u.to_string()).as_deref(),
        Some("9721bb3f-1469-4c27-9bad-313667cb91ca")
    );
    assert!(r.children.is_empty());
    documented_errors!(ep, call, GetOrganizationError, 400 => Status400);

    // include_children round-trips.
    let ep = Ep::new("getOrganization", "GET", "/organizations", &[]).query("include_children", "true");
    let call = |c: Client| async move { c.get_organization().include_children(true).send().await };
    let r = ep.ok(200, example("Organization"), &call).await;
    assert_eq!(r.children.len(), 1);
    assert_eq!(r.children[0].created_at.to_rfc3339(), "2019-08-24T14:15:22+00:00");
}

#[tokio::test]
async fn create_organization() {
    let ep = Ep::new("createOrganization", "POST", "/organizations", &[])
        .body(json!({"name": "Dentist Office", "parent_org_id": ORG}));
    let call = |c: Client| async move {
        c.create_organization()
            .body(types::OrganizationCreate { name: "Dentist Office".into(), parent_org_id: Some(id(ORG)) })
            .send()
            .await
    };
    let r = ep.ok(201, example("OrganizationCreated"), &call).await;
    assert_eq!(r.id.to_string(), "497f6eca-6276-4993-bfeb-53cbbbba6f08");
    assert_eq!(r.api_key, "fl_a1b2c3d4e5f6...");
    assert_eq!(
        r.parent_org_id.map(|u| u.to_string()).as_deref(),
        Some("9721bb3f-1469-4c27-9bad-313667cb91ca")
    );
    assert_eq!(r.created_at.to_rfc3339(), "2019-08-24T14:15:22+00:00");
    documented_errors!(ep, call, CreateOrganizationError, 400 => Status400);

    // The documented request example.
    let ep = Ep::new("createOrganization", "POST", "/organizations", &[]).body(example("OrganizationCreate"));
    let call = |c: Client| async move {
        c.create_organization()
            .body(types::OrganizationCreate { name: "Dentist Office".into(), parent_org_id: None })
            .send()
            .await
    };
    ep.ok(201, example("OrganizationCreated"), &call).await;
}

#[tokio::test]
async fn get_organization_legacy() {
    // Deprecated operation: still works, with the current (Organization) shape ...
    let ep = Ep::new("getOrganizationLegacy", "GET", "/account", &[]);
    assert_eq!(
        doc().pointer("/paths/~1account/get/deprecated"),
        Some(&json!(true)),
        "the document marks it deprecated"
    );
    let call = |c: Client| async move { c.get_organization_legacy().send().await };
    let r = ep.ok(200, example("Account"), &call).await;
    assert_eq!(r.name.as_deref(), Some("Acme Corporation"));
    assert_eq!(r.minutes_balance, 500.5);
    assert_eq!(r.children.len(), 1);
    assert_eq!((r.email.as_ref(), r.company_name.as_ref()), (None, None));
    // ... and with the older guide's shape (`email`, `company_name`, no `name`).
    let older = json!({
        "id": ORG, "email": "admin@acme.com", "company_name": "Acme Corp", "minutes_balance": 12.25,
        "monthly_usage_minutes": 3, "active_numbers": 1, "active_agents": 1, "active_calls": 0
    });
    let r = ep.ok(200, older, &call).await;
    assert_eq!(r.name, None);
    assert_eq!(r.email.as_deref(), Some("admin@acme.com"));
    assert_eq!(r.company_name.as_deref(), Some("Acme Corp"));
    assert_eq!((r.minutes_balance, r.active_calls), (12.25, 0));
    documented_errors!(ep, call, GetOrganizationLegacyError, 401 => Status401);
}

// ------------------------------------------------------------------------------------------------
// Campaigns
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_campaigns() {
    let ep = Ep::new("listCampaigns", "GET", "/campaigns", &[]);
    let call = |c: Client| async move { c.list_campaigns().send().await };
    let r = ep.ok(200, example("CampaignListResponse"), &call).await;
    assert_eq!(r.campaigns.len(), 1);
    check_documented_campaign(&r.campaigns[0]);
    documented_errors!(ep, call, ListCampaignsError, 401 => Status401);
}

#[tokio::test]
async fn create_campaign() {
    // The documented request example, built from the type.
    let ep = Ep::new("createCampaign", "POST", "/campaigns", &[]).body(example("CampaignCreate"));
    let call = |c: Client| async move {
        let body = types::CampaignCreate {
            name: "Appointment Reminders".into(),
            agent_id: id(SAVED_ASSISTANT),
            system_message_template: Some("Call {{name}} about their appointment on {{date}}".into()),
            schedule_start_time: Some("09:00".into()),
            schedule_end_time: Some("17:00".into()),
            timezone: Some("Europe/Amsterdam".into()),
            status: None,
            leads: vec![types::CampaignLeadCreate {
                phone_number: "+31612345678".into(),
                name: Some("Jan de Vries".into()),
                variables: map(json!({"date": "2026-03-25", "time": "14:00"})),
            }],
        };
        c.create_campaign().body(body).send().await
    };
    let mut created = example("Campaign");
    created["status"] = json!("draft");
    let r = ep.ok(201, json!({"campaign": created}), &call).await;
    assert_eq!(r.campaign.status, types::CampaignStatus::Draft);
    assert_eq!(r.campaign.name, "Q1 Sales Outreach");
    assert_eq!(r.campaign.agent_id.to_string(), SAVED_ASSISTANT);
    documented_errors!(ep, call, CreateCampaignError, 400 => Status400);
}

#[tokio::test]
async fn get_campaign() {
    let ep = Ep::new("getCampaign", "GET", "/campaigns/{id}", &[CAMPAIGN]);
    let call = |c: Client| async move { c.get_campaign().id(CAMPAIGN).send().await };
    let r = ep.ok(200, json!({"campaign": example("Campaign")}), &call).await;
    check_documented_campaign(&r.campaign);
    documented_errors!(ep, call, GetCampaignError, 404 => Status404);
}

#[tokio::test]
async fn update_campaign() {
    let ep = Ep::new("updateCampaign", "PATCH", "/campaigns/{id}", &[CAMPAIGN])
        .body(json!({"status": "paused", "schedule_end_time": "16:00:00"}));
    let call = |c: Client| async move {
        let body = types::CampaignUpdate {
            status: Some(types::CampaignUpdateStatus::Paused),
            schedule_end_time: Some("16:00:00".into()),
            ..Default::default()
        };
        c.update_campaign().id(CAMPAIGN).body(body).send().await
    };
    let mut updated = example("Campaign");
    updated["status"] = json!("paused");
    updated["schedule_end_time"] = json!("16:00:00");
    let r = ep.ok(200, json!({"campaign": updated}), &call).await;
    assert_eq!(r.campaign.status, types::CampaignStatus::Paused);
    assert_eq!(r.campaign.schedule_end_time.as_deref(), Some("16:00:00"));
    assert_eq!(r.campaign.id.to_string(), CAMPAIGN);
    documented_errors!(ep, call, UpdateCampaignError, 404 => Status404);
}

#[tokio::test]
async fn delete_campaign() {
    let ep = Ep::new("deleteCampaign", "DELETE", "/campaigns/{id}", &[CAMPAIGN]);
    let call = |c: Client| async move { c.delete_campaign().id(CAMPAIGN).send().await };
    delete_ok(&ep, &call).await;
    documented_errors!(ep, call, DeleteCampaignError, 404 => Status404);
}

#[tokio::test]
async fn list_campaign_leads() {
    let ep = Ep::new("listCampaignLeads", "GET", "/campaigns/{id}/leads", &[CAMPAIGN])
        .absent(&["limit", "offset"]);
    let call = |c: Client| async move { c.list_campaign_leads().id(CAMPAIGN).send().await };
    // The newer API does not paginate leads: no `pagination` block.
    let r = ep.ok(200, json!({"leads": [example("CampaignLead")]}), &call).await;
    assert_eq!(r.leads.len(), 1);
    check_documented_lead(&r.leads[0]);
    assert_eq!(r.pagination, None);
    documented_errors!(ep, call, ListCampaignLeadsError, 404 => Status404);
}

#[tokio::test]
async fn list_campaign_leads_pagination_round_trips() {
    let ep = Ep::new("listCampaignLeads", "GET", "/campaigns/{id}/leads", &[CAMPAIGN])
        .query("limit", "50")
        .query("offset", "150");
    let call =
        |c: Client| async move { c.list_campaign_leads().id(CAMPAIGN).limit(50).offset(150).send().await };
    let mut lead = example("CampaignLead");
    lead["status"] = json!("no_answer");
    lead["attempts"] = json!(3);
    let r = ep
        .ok(200, json!({"leads": [lead], "pagination": {"total": 151, "limit": 50, "offset": 150}}), &call)
        .await;
    let p = r.pagination.as_ref().expect("pagination");
    assert_eq!((p.total, p.limit, p.offset), (151, 50, 150));
    assert_eq!((&r.leads[0].status, r.leads[0].attempts), (&types::CampaignLeadStatus::NoAnswer, 3));
}

#[tokio::test]
async fn add_campaign_lead() {
    let ep = Ep::new("addCampaignLead", "POST", "/campaigns/{id}/leads", &[CAMPAIGN])
        .body(json!({"phone_number": "+31612345678", "name": "John", "variables": {"name": "John", "company": "Acme Corp"}}));
    let call = |c: Client| async move {
        let body = types::CampaignLeadCreate {
            phone_number: "+31612345678".into(),
            name: Some("John".into()),
            variables: map(json!({"name": "John", "company": "Acme Corp"})),
        };
        c.add_campaign_lead().id(CAMPAIGN).body(body).send().await
    };
    let r = ep.ok(201, example("CampaignLeadResponse"), &call).await;
    check_documented_lead(&r.lead);
    documented_errors!(ep, call, AddCampaignLeadError, 404 => Status404);

    // The documented minimal request example (empty `variables` is not sent).
    let ep = Ep::new("addCampaignLead", "POST", "/campaigns/{id}/leads", &[CAMPAIGN])
        .body(example("CampaignLeadCreate"));
    let call = |c: Client| async move {
        let body = types::CampaignLeadCreate {
            phone_number: "+31612345678".into(),
            name: None,
            variables: Map::new(),
        };
        c.add_campaign_lead().id(CAMPAIGN).body(body).send().await
    };
    ep.ok(201, example("CampaignLeadResponse"), &call).await;
}

#[tokio::test]
async fn remove_campaign_lead() {
    let ep = Ep::new("removeCampaignLead", "DELETE", "/campaigns/{id}/leads/{leadId}", &[CAMPAIGN, LEAD]);
    let call = |c: Client| async move { c.remove_campaign_lead().id(CAMPAIGN).lead_id(LEAD).send().await };
    delete_ok(&ep, &call).await;
    documented_errors!(ep, call, RemoveCampaignLeadError, 404 => Status404);
}

// ------------------------------------------------------------------------------------------------
// Cross-cutting
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn html_502_from_a_proxy_is_an_unexpected_response_with_its_body() {
    for (ep, result) in [
        {
            let ep = Ep::new("getCall", "GET", "/calls/{id}", &[CALL]);
            let r = ep
                .send(
                    ResponseTemplate::new(502).set_body_raw(HTML_502, "text/html"),
                    &|c: Client| async move { c.get_call().id(CALL).send().await },
                )
                .await;
            (ep, r.map(|_| ()).map_err(|e| e.into_untyped()))
        },
        {
            let ep = Ep::new("createOutboundCall", "POST", "/calls/outbound", &[]).body(request_example(
                "/calls/outbound",
                "post",
                "reference",
            ));
            let r = ep
                .send(ResponseTemplate::new(502).set_body_raw(HTML_502, "text/html"), &|c: Client| async move {
                    c.create_outbound_call().body(outbound_reference()).send().await
                })
                .await;
            (ep, r.map(|_| ()).map_err(|e| e.into_untyped()))
        },
    ] {
        match result {
            Err(Error::UnexpectedResponse(response)) => {
                assert_eq!(response.status(), 502, "{}", ep.op);
                assert_eq!(response.headers()["content-type"], "text/html", "{}", ep.op);
                assert_eq!(response.text().await.unwrap(), HTML_502, "{}", ep.op);
            }
            other => panic!("{}: expected UnexpectedResponse, got {other:?}", ep.op),
        }
    }
}

#[tokio::test]
async fn a_documented_status_with_a_non_json_body_is_invalid_response_payload_with_the_raw_bytes() {
    // A documented error status (500) with an HTML page.
    let ep = Ep::new("listAssistants", "GET", "/assistants", &[]);
    ep.assert_documented(500);
    let call = |c: Client| async move { c.list_assistants().send().await };
    match ep.send(ResponseTemplate::new(500).set_body_raw(HTML_502, "text/html"), &call).await {
        Err(Error::InvalidResponsePayload(bytes, e)) => {
            assert_eq!(&bytes[..], HTML_502.as_bytes());
            assert!(e.is_syntax(), "{e}");
        }
        other => panic!("expected InvalidResponsePayload, got {other:?}"),
    }
    // The success status with a truncated JSON body.
    let ep = Ep::new("getCall", "GET", "/calls/{id}", &[CALL]);
    let call = |c: Client| async move { c.get_call().id(CALL).send().await };
    let truncated = r#"{"id": "call-_+31623731537_XqaQxRRgAzYc", "status": "ended", "#;
    match ep.send(ResponseTemplate::new(200).set_body_raw(truncated, "application/json"), &call).await {
        Err(Error::InvalidResponsePayload(bytes, e)) => {
            assert_eq!(&bytes[..], truncated.as_bytes());
            assert!(e.is_eof(), "{e}");
        }
        other => panic!("expected InvalidResponsePayload, got {other:?}"),
    }
    // A 429 whose body is plain text still keeps the bytes (and is not an ErrorResponse).
    let ep = Ep::new("controlCall", "POST", "/calls/{id}/control", &[CALL]).body(json!({"type": "end-call"}));
    let call = |c: Client| async move {
        c.control_call()
            .id(CALL)
            .body(types::EndCallCommand { type_: types::EndCallCommandType::EndCall, message: None })
            .send()
            .await
    };
    match ep
        .send(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "30")
                .set_body_string("Too Many Requests"),
            &call,
        )
        .await
    {
        Err(Error::InvalidResponsePayload(bytes, _)) => assert_eq!(&bytes[..], b"Too Many Requests"),
        other => panic!("expected InvalidResponsePayload, got {other:?}"),
    }
}

#[tokio::test]
async fn a_success_body_that_does_not_match_its_schema_is_a_decode_error() {
    let ep = Ep::new("getCall", "GET", "/calls/{id}", &[CALL]);
    let call = |c: Client| async move { c.get_call().id(CALL).send().await };
    let mut bad = example("Call");
    bad["duration_seconds"] = json!("two minutes");
    match ep.send(ResponseTemplate::new(200).set_body_json(&bad), &call).await {
        Err(Error::InvalidResponsePayload(bytes, e)) => {
            assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap(), bad);
            assert!(e.is_data(), "{e}");
        }
        other => panic!("expected InvalidResponsePayload, got {other:?}"),
    }
    let mut bad = example("Call");
    bad.as_object_mut().unwrap().remove("id");
    match ep.send(ResponseTemplate::new(200).set_body_json(&bad), &call).await {
        Err(Error::InvalidResponsePayload(_, e)) => {
            assert!(e.to_string().contains("missing field `id`"), "{e}")
        }
        other => panic!("expected InvalidResponsePayload, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_enum_values_in_success_bodies_are_kept_as_unrecognized() {
    let ep = Ep::new("getCall", "GET", "/calls/{id}", &[CALL]);
    let call = |c: Client| async move { c.get_call().id(CALL).send().await };
    let mut body = example("Call");
    body["status"] = json!("voicemail");
    body["direction"] = json!("outbound");
    let r = ep.ok(200, body, &call).await;
    assert_eq!(r.status, types::CallStatus::Unrecognized("voicemail".into()));
    assert_eq!(r.direction, Some(types::CallDirection::Outbound));
}

#[tokio::test]
async fn unknown_fields_in_success_bodies_are_tolerated() {
    // Top level, nested object and array item of the documented examples, each with an unknown key.
    let ep = Ep::new("getAssistant", "GET", "/assistants/{id}", &[ASSISTANT]);
    let call = |c: Client| async move { c.get_assistant().id(ASSISTANT).send().await };
    let mut agent = example("Agent");
    agent["workflow_id"] = json!("8c1e0d9a-0000-4000-8000-000000000001");
    agent["stt_config"]["a_field_added_later"] = json!({"nested": true});
    let r = ep.ok(200, json!({"assistant": agent, "request_id": "req_1"}), &call).await;
    check_documented_agent(&r.assistant);

    let ep = Ep::new("listCalls", "GET", "/calls", &[]);
    let call = |c: Client| async move { c.list_calls().send().await };
    let mut calls = example("CallListResponse");
    calls["calls"][0]["cost_cents"] = json!(42);
    calls["pagination"]["has_more"] = json!(false);
    let r = ep.ok(200, calls, &call).await;
    assert_eq!(r.calls[0].id, CALL);
    assert_eq!(r.pagination.total, 42);

    // Schemas that keep unknown keys put them in `extra`.
    let ep = Ep::new("getBYOKConfigs", "GET", "/byok", &[]);
    let call = |c: Client| async move { c.get_byok_configs().send().await };
    let mut keys = example("BYOKKeysResponse");
    keys["byok_keys"]["mistral_secret_id"] = json!("vault-secret-id-9");
    let r = ep.ok(200, keys, &call).await;
    assert_eq!(r.byok_keys.extra.get("mistral_secret_id"), Some(&json!("vault-secret-id-9")));
    assert_eq!(r.byok_keys.deepgram_secret_id.as_deref(), Some("vault-secret-id-1"));
}

#[tokio::test]
async fn rate_limit_envelope_keeps_extra_keys_and_http_date_retry_after() {
    let ep = Ep::new("controlCall", "POST", "/calls/{id}/control", &[CALL])
        .body(json!({"type": "end-call", "message": "Bye"}));
    let call = |c: Client| async move {
        let cmd =
            types::EndCallCommand { type_: types::EndCallCommandType::EndCall, message: Some("Bye".into()) };
        c.control_call().id(CALL).body(cmd).send().await
    };
    let body = json!({"error": {"code": "rate_limit_exceeded", "message": "Too many control commands for this call.", "type": "rate_limit", "param": "id"}, "retry_after": 30});
    let response = ResponseTemplate::new(429)
        .insert_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")
        .set_body_json(&body);
    match ep.send(response, &call).await {
        Err(Error::ErrorResponse(e)) => {
            assert_eq!(retry_after(e.headers()), Some(Duration::ZERO), "a date in the past");
            assert_eq!(e["retry_after"], 30, "the raw body is readable");
            let env = typed!(ep, e, types::ControlCallError::Status429);
            assert_eq!(env.error.type_.as_deref(), Some("rate_limit"));
            assert_eq!(env.error.param.as_deref(), Some("id"));
            assert_eq!(env.extra.get("retry_after"), Some(&json!(30)));
        }
        other => panic!("expected ErrorResponse, got {other:?}"),
    }
}

#[tokio::test]
async fn typed_refuses_undocumented_statuses_and_mismatched_bodies() {
    let ep = Ep::new("getCall", "GET", "/calls/{id}", &[CALL]);
    let call = |c: Client| async move { c.get_call().id(CALL).send().await };
    let e = ep.error(404, &call).await;
    // 404 is documented for getCall; 400 and 422 are not.
    let err = e.typed(reqwest::StatusCode::UNPROCESSABLE_ENTITY).unwrap_err().to_string();
    assert!(err.contains("422") && err.contains("getCall"), "{err}");
    // A flat Error body read as a 429 does not fit ErrorEnvelope.
    assert!(e.typed(reqwest::StatusCode::TOO_MANY_REQUESTS).is_err());
    // A 404 with a body that is not the flat Error shape: typed() fails, the raw body stays readable.
    let server = ep.serve(ResponseTemplate::new(404).set_body_json(json!({"detail": "gone"}))).await;
    match call(client(&server)).await {
        Err(Error::ErrorResponse(e)) => {
            assert!(e.typed(e.status()).is_err());
            assert_eq!(e["detail"], "gone");
        }
        other => panic!("{other:?}"),
    }
    ep.check(&server).await;
}

#[tokio::test]
async fn a_missing_required_body_field_is_refused_before_sending() {
    let server = MockServer::start().await;
    let result = client(&server)
        .create_assistant()
        .body(types::AgentCreate::builder().gdpr_mode(Some(true)))
        .send()
        .await;
    match result {
        Err(Error::InvalidRequest(msg)) => assert!(msg.contains("name"), "{msg}"),
        other => panic!("{other:?}"),
    }
    let result = client(&server).get_assistant().send().await;
    match result {
        Err(Error::InvalidRequest(msg)) => assert!(msg.contains("id"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
