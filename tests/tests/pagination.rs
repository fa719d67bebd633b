//! Generated list streams (`paginate_list_operations`) against a loopback server, with the number
//! of requests asserted: HMS Sovereign's `listCalls`, `getUsage` and `listCampaignLeads`, and the
//! facade's `Client::calls`.
//!
//! Every mock answers exactly one page (matched by its `offset` query parameter, or its absence on
//! the first request) and expects to be hit exactly once; a catch-all mock of lower priority
//! expects no request at all, so a stream that asks one page too many fails the test.

use agentdial_hmsovereign::{Client, ClientOptions, Error, types};
use futures::StreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::from_options(ClientOptions::new("key").base_url(format!("{}/api/v1", server.uri()))).unwrap()
}

fn call(n: usize) -> Value {
    json!({
        "id": format!("call-{n}"),
        "caller_phone": "+31612345678",
        "assistant_phone": "+31850835037",
        "status": "ended",
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
    })
}

/// `{calls: [call(from)..call(from+n)], pagination: {...}}`.
fn calls_page(from: usize, n: usize, limit: i64, total: i64) -> ResponseTemplate {
    let calls: Vec<Value> = (from..from + n).map(call).collect();
    ResponseTemplate::new(200).set_body_json(
        json!({ "calls": calls, "pagination": { "total": total, "limit": limit, "offset": from } }),
    )
}

/// One page at `offset` (`None`: the first request, which sends no offset), hit exactly once.
async fn page(server: &MockServer, route: &str, offset: Option<usize>, response: ResponseTemplate) {
    let mock = Mock::given(method("GET")).and(path(format!("/api/v1{route}")));
    let mock = match offset {
        None => mock.and(query_param_is_missing("offset")),
        Some(o) => mock.and(query_param("offset", o.to_string())),
    };
    mock.respond_with(response).expect(1).mount(server).await;
}

/// Any request no page mock matches: there must be none.
async fn nothing_else(server: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .with_priority(u8::MAX)
        .expect(0)
        .named("a request past the last page")
        .mount(server)
        .await;
}

async fn ids(
    stream: impl futures::Stream<Item = Result<types::Call, Error<types::ListCallsErrorBody>>>,
) -> Vec<String> {
    stream.map(|c| c.expect("no error").id).collect().await
}

fn ids_of(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|n| format!("call-{n}")).collect()
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn zero_items_is_one_request() {
    let server = MockServer::start().await;
    page(&server, "/calls", None, calls_page(0, 0, 100, 0)).await;
    nothing_else(&server).await;
    assert!(ids(client(&server).list_calls().stream()).await.is_empty());
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn one_page_is_one_request() {
    let server = MockServer::start().await;
    page(&server, "/calls", None, calls_page(0, 3, 100, 3)).await;
    nothing_else(&server).await;
    assert_eq!(ids(client(&server).list_calls().stream()).await, ids_of(0..3));
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn many_pages_end_with_the_short_one() {
    let server = MockServer::start().await;
    page(&server, "/calls", None, calls_page(0, 2, 2, 5)).await;
    page(&server, "/calls", Some(2), calls_page(2, 2, 2, 5)).await;
    page(&server, "/calls", Some(4), calls_page(4, 1, 2, 5)).await;
    nothing_else(&server).await;
    assert_eq!(ids(client(&server).list_calls().limit(2).stream()).await, ids_of(0..5));
    assert_eq!(requests(&server).await, 3);
    // The limit and the caller's filters go with every page.
    for r in server.received_requests().await.unwrap() {
        let query = r.url.query().unwrap_or_default().to_owned();
        assert!(query.contains("limit=2"), "{query}");
    }
}

#[tokio::test]
async fn a_total_that_is_a_multiple_of_the_limit_asks_no_empty_page() {
    let server = MockServer::start().await;
    page(&server, "/calls", None, calls_page(0, 2, 2, 4)).await;
    page(&server, "/calls", Some(2), calls_page(2, 2, 2, 4)).await;
    nothing_else(&server).await;
    assert_eq!(ids(client(&server).list_calls().limit(2).stream()).await, ids_of(0..4));
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn filters_and_a_starting_offset_are_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/calls"))
        .and(query_param("status", "ended"))
        .and(query_param("offset", "10"))
        .and(query_param("limit", "2"))
        .respond_with(calls_page(10, 2, 2, 14))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/calls"))
        .and(query_param("status", "ended"))
        .and(query_param("offset", "12"))
        .and(query_param("limit", "2"))
        .respond_with(calls_page(12, 2, 2, 14))
        .expect(1)
        .mount(&server)
        .await;
    nothing_else(&server).await;
    let client = client(&server);
    let stream = client.list_calls().status(types::CallStatusFilter::Ended).offset(10).limit(2).stream();
    assert_eq!(ids(stream).await, ids_of(10..14));
}

#[tokio::test]
async fn a_total_that_changes_while_paging_is_followed() {
    // Grows: 3 when the first page is read, 5 by the second.
    let server = MockServer::start().await;
    page(&server, "/calls", None, calls_page(0, 2, 2, 3)).await;
    page(&server, "/calls", Some(2), calls_page(2, 2, 2, 5)).await;
    page(&server, "/calls", Some(4), calls_page(4, 1, 2, 5)).await;
    nothing_else(&server).await;
    assert_eq!(ids(client(&server).list_calls().limit(2).stream()).await, ids_of(0..5));
    assert_eq!(requests(&server).await, 3);

    // Shrinks: 6 at first, 4 by the second page, which is then the last.
    let server = MockServer::start().await;
    page(&server, "/calls", None, calls_page(0, 2, 2, 6)).await;
    page(&server, "/calls", Some(2), calls_page(2, 2, 2, 4)).await;
    nothing_else(&server).await;
    assert_eq!(ids(client(&server).list_calls().limit(2).stream()).await, ids_of(0..4));
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn an_error_on_page_three_is_the_last_item() {
    let server = MockServer::start().await;
    page(&server, "/calls", None, calls_page(0, 2, 2, 10)).await;
    page(&server, "/calls", Some(2), calls_page(2, 2, 2, 10)).await;
    page(
        &server,
        "/calls",
        Some(4),
        ResponseTemplate::new(500).set_body_json(json!({"error": "Internal server error"})),
    )
    .await;
    nothing_else(&server).await;
    let items: Vec<_> = client(&server).list_calls().limit(2).stream().collect().await;
    assert_eq!(items.len(), 5, "four calls, then the error, then nothing");
    assert!(items[..4].iter().all(Result::is_ok));
    match &items[4] {
        Err(Error::ErrorResponse(rv)) => {
            assert_eq!(rv.status().as_u16(), 500);
            assert!(matches!(rv.typed(rv.status()).unwrap(), types::ListCallsError::Status500(_)));
        }
        other => panic!("expected the documented 500, got {other:?}"),
    }
    assert_eq!(requests(&server).await, 3, "not retried inside the stream");
}

fn rate_limited(retry_after: Option<&str>) -> ResponseTemplate {
    let body = json!({"error": {"code": "rate_limit_exceeded", "message": "Too many requests"}});
    let r = ResponseTemplate::new(429).set_body_json(body);
    match retry_after {
        Some(v) => r.insert_header("Retry-After", v),
        None => r,
    }
}

#[tokio::test]
async fn a_429_between_pages_is_waited_out() {
    let server = MockServer::start().await;
    page(&server, "/calls", None, calls_page(0, 2, 2, 3)).await;
    // The second page is refused once (Retry-After 0: no time spent waiting in the test), then served.
    Mock::given(method("GET"))
        .and(path("/api/v1/calls"))
        .and(query_param("offset", "2"))
        .respond_with(rate_limited(Some("0")))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    page(&server, "/calls", Some(2), calls_page(2, 1, 2, 3)).await;
    nothing_else(&server).await;
    assert_eq!(ids(client(&server).list_calls().limit(2).stream()).await, ids_of(0..3));
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn a_429_beyond_the_cap_or_without_retry_after_ends_the_stream() {
    for (retry_after, cap) in
        [(Some("120"), None), (None, None), (Some("5"), Some(std::time::Duration::from_secs(1)))]
    {
        let server = MockServer::start().await;
        page(&server, "/calls", None, calls_page(0, 2, 2, 3)).await;
        page(&server, "/calls", Some(2), rate_limited(retry_after)).await;
        nothing_else(&server).await;
        let client = client(&server);
        let list = client.list_calls().limit(2);
        let stream = match cap {
            Some(max_retry_after) => {
                list.stream_with(agentdial_core::pagination::Paging { max_retry_after, ..Default::default() })
            }
            None => list.stream_with(Default::default()),
        };
        let items: Vec<_> = stream.collect().await;
        assert_eq!(items.len(), 3, "{retry_after:?}");
        match &items[2] {
            Err(Error::ErrorResponse(rv)) => assert_eq!(rv.status().as_u16(), 429),
            other => panic!("expected the 429, got {other:?}"),
        }
        assert_eq!(requests(&server).await, 2, "{retry_after:?}");
    }
}

#[tokio::test]
async fn a_429_that_persists_is_waited_out_three_times_only() {
    let server = MockServer::start().await;
    page(&server, "/calls", None, calls_page(0, 2, 2, 3)).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/calls"))
        .and(query_param("offset", "2"))
        .respond_with(rate_limited(Some("0")))
        .expect(4)
        .mount(&server)
        .await;
    nothing_else(&server).await;
    let items: Vec<_> = client(&server).list_calls().limit(2).stream().collect().await;
    assert_eq!(items.len(), 3);
    assert!(items[2].is_err());
    assert_eq!(requests(&server).await, 5, "first page, then the refused one and three more tries");
}

#[tokio::test]
async fn pages_are_fetched_lazily() {
    let server = MockServer::start().await;
    page(&server, "/calls", None, calls_page(0, 2, 2, 10)).await;
    nothing_else(&server).await;
    let client = client(&server);
    let mut stream = client.list_calls().limit(2).stream();
    assert_eq!(stream.next().await.unwrap().unwrap().id, "call-0");
    assert_eq!(stream.next().await.unwrap().unwrap().id, "call-1");
    drop(stream);
    assert_eq!(requests(&server).await, 1, "nothing asked beyond what was consumed");
}

#[tokio::test]
async fn without_a_limit_the_documented_default_and_the_total_end_it() {
    // `limit` unset: the server uses its default (100); the total says where the end is.
    let server = MockServer::start().await;
    page(&server, "/calls", None, calls_page(0, 100, 100, 150)).await;
    page(&server, "/calls", Some(100), calls_page(100, 50, 100, 150)).await;
    nothing_else(&server).await;
    assert_eq!(ids(client(&server).list_calls().stream()).await, ids_of(0..150));
    assert_eq!(requests(&server).await, 2);
}

fn usage_page(from: usize, n: usize, limit: i64, total: i64) -> ResponseTemplate {
    let logs: Vec<Value> = (from..from + n)
        .map(|i| json!({"id": format!("00000000-0000-4000-8000-{i:012}"), "duration_sec": i, "created_at": "2025-01-01T00:00:00Z"}))
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({
        "logs": logs,
        "pagination": {"total": total, "limit": limit, "offset": from},
        "summary": {"total_calls": total, "total_duration_seconds": 0, "total_duration_minutes": 0},
    }))
}

#[tokio::test]
async fn usage_logs_stream() {
    let server = MockServer::start().await;
    page(&server, "/usage", None, usage_page(0, 2, 2, 3)).await;
    page(&server, "/usage", Some(2), usage_page(2, 1, 2, 3)).await;
    nothing_else(&server).await;
    let logs: Vec<types::UsageLog> =
        client(&server).get_usage().limit(2).stream().map(Result::unwrap).collect().await;
    assert_eq!(logs.iter().map(|l| l.duration_sec).collect::<Vec<_>>(), vec![0, 1, 2]);
    assert_eq!(requests(&server).await, 2);
}

const CAMPAIGN: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";

/// Leads pages without the (optional) `pagination` block: the short page is the last.
fn leads_page(from: usize, n: usize) -> ResponseTemplate {
    let leads: Vec<Value> = (from..from + n)
        .map(|i| {
            json!({
                "id": format!("00000000-0000-4000-8000-{i:012}"),
                "campaign_id": CAMPAIGN,
                "phone_number": "+31612345678",
                "status": "pending",
                "attempts": 0,
                "created_at": "2025-01-01T00:00:00Z",
            })
        })
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({ "leads": leads }))
}

#[tokio::test]
async fn campaign_leads_without_a_total_end_at_a_page_shorter_than_the_limit() {
    let route = format!("/campaigns/{CAMPAIGN}/leads");
    let server = MockServer::start().await;
    page(&server, &route, None, leads_page(0, 2)).await;
    page(&server, &route, Some(2), leads_page(2, 2)).await;
    page(&server, &route, Some(4), leads_page(4, 1)).await;
    nothing_else(&server).await;
    let leads: Vec<types::CampaignLead> = client(&server)
        .list_campaign_leads()
        .id(CAMPAIGN)
        .limit(2)
        .stream()
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(leads.len(), 5);
    assert_eq!(requests(&server).await, 3);

    // Without a limit and a total, only an empty page can end it.
    let server = MockServer::start().await;
    page(&server, &route, None, leads_page(0, 3)).await;
    page(&server, &route, Some(3), leads_page(3, 0)).await;
    nothing_else(&server).await;
    let leads: Vec<_> = client(&server).list_campaign_leads().id(CAMPAIGN).stream().collect().await;
    assert_eq!(leads.len(), 3);
    assert_eq!(requests(&server).await, 2);
}

// The facade.

#[tokio::test]
async fn facade_calls_stream_neutral_states() {
    use agentdial::{CallFilter, CallStatus, Provider};
    let server = MockServer::start().await;
    for (offset, from, n) in [(None, 0, 2), (Some(2), 2, 1)] {
        let mock = Mock::given(method("GET"))
            .and(path("/calls"))
            .and(query_param("status", "ended"))
            .and(query_param("limit", "2"));
        let mock = match offset {
            None => mock.and(query_param_is_missing("offset")),
            Some(o) => mock.and(query_param("offset", o.to_string())),
        };
        let since = query_param("start_date", "2025-01-01T00:00:00Z");
        mock.and(since).respond_with(calls_page(from, n, 2, 3)).expect(1).mount(&server).await;
    }
    nothing_else(&server).await;
    let client = agentdial::Client::builder(Provider::HmsSovereign)
        .api_key("key")
        .base_url(server.uri())
        .build()
        .unwrap();
    let since = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_735_689_600);
    let states: Vec<_> =
        client.calls(CallFilter::new().status("ended").since(since).page_size(2)).unwrap().collect().await;
    assert_eq!(states.len(), 3);
    for (n, state) in states.into_iter().enumerate() {
        let state = state.unwrap();
        assert_eq!(state.status, CallStatus::Ended { reason: None });
        let agentdial::ProviderCall::HmsSovereign(call) = state.call else { panic!() };
        assert_eq!(call.id, format!("call-{n}"));
    }
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn facade_calls_map_errors_and_refuse_what_cannot_be_sent() {
    use agentdial::{CallFilter, Error as E, Provider};
    let server = MockServer::start().await;
    page(&server, "/calls", None, calls_page(0, 2, 2, 5)).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/calls"))
        .and(query_param("offset", "2"))
        .respond_with(rate_limited(Some("120")))
        .expect(1)
        .mount(&server)
        .await;
    nothing_else(&server).await;
    let client = agentdial::Client::builder(Provider::HmsSovereign)
        .api_key("key")
        .base_url(format!("{}/api/v1", server.uri()))
        .build()
        .unwrap();
    let items: Vec<_> = client.calls(CallFilter::new().page_size(2)).unwrap().collect().await;
    assert_eq!(items.len(), 3);
    match &items[2] {
        Err(E::RateLimited { retry_after, .. }) => {
            assert_eq!(*retry_after, Some(std::time::Duration::from_secs(120)))
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(requests(&server).await, 2);

    // Refused before anything is sent.
    let before = requests(&server).await;
    assert!(matches!(client.calls(CallFilter::new().status("busy")), Err(E::InvalidInput { .. })));
    assert_eq!(requests(&server).await, before);

    // Providers whose documents cannot list calls.
    for provider in [Provider::Altur, Provider::Alta, Provider::Fluents] {
        let client =
            agentdial::Client::builder(provider).api_key("key").base_url(server.uri()).build().unwrap();
        match client.calls(CallFilter::new()) {
            Err(E::Unsupported { operation, .. }) => assert_eq!(operation, "listing calls"),
            Err(e) => panic!("{provider}: expected Unsupported, got {e}"),
            Ok(_) => panic!("{provider}: expected Unsupported"),
        }
    }
    assert_eq!(requests(&server).await, before);
}
