//! One request: record, route, authenticate, inject faults, validate, process, answer.

use crate::document::{Auth, Document, Operation};
use crate::server::{Abort, ConnCtl, MockBody};
use crate::{Fault, Outcome, RecordedRequest, Shared};
use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// An answer before faults: status, extra headers, JSON body (or none).
pub(crate) struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub content_type: &'static str,
}

impl Answer {
    pub fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Some(serde_json::to_vec(body).unwrap_or_default()),
            content_type: "application/json",
        }
    }
    pub fn empty(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: None, content_type: "application/json" }
    }
}

/// A request refused before processing.
pub(crate) struct Rejection {
    pub status: u16,
    pub reason: String,
}

impl Rejection {
    pub fn new(status: u16, reason: impl Into<String>) -> Self {
        Self { status, reason: reason.into() }
    }
}

fn respond(answer: Answer, body: MockBody, content_length: Option<usize>) -> Response<MockBody> {
    let mut builder = Response::builder().status(answer.status);
    let typed = answer.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
    if answer.body.is_some() && !typed && !answer.content_type.is_empty() {
        builder = builder.header("content-type", answer.content_type);
    }
    for (name, value) in &answer.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    if let Some(n) = content_length {
        builder = builder.header("content-length", n.to_string());
    }
    builder.body(body).unwrap_or_else(|_| {
        let mut r = Response::new(MockBody::Full(Some(Bytes::from_static(b"testkit: invalid fault header"))));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

fn plain(answer: Answer) -> Response<MockBody> {
    let data = answer.body.clone().map(Bytes::from);
    respond(answer, MockBody::Full(data), None)
}

/// The documented body of an error `status` for `op`, naming `message`; plain JSON when nothing
/// is documented.
pub(crate) fn error_answer(doc: &Document, op: Option<&Operation>, status: u16, message: &str) -> Answer {
    let schema = op.and_then(|op| doc.error_schema(op, status));
    let body = match &schema {
        Some(schema) => doc.sample(schema, Some(message)),
        None => json!({"error": message, "message": message}),
    };
    Answer::json(status, &body)
}

/// The status a provider documents for a refused body: 400, else 422, else 400.
pub(crate) fn validation_status(op: &Operation) -> u16 {
    [400, 422].into_iter().find(|s| op.responses.contains_key(s)).unwrap_or(400)
}

pub(crate) async fn handle(
    shared: Arc<Shared>,
    ctl: Arc<ConnCtl>,
    request: Request<Incoming>,
) -> Response<MockBody> {
    let (parts, body) = request.into_parts();
    let raw = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return plain(Answer::empty(400)),
    };
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| {
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode_query(k), decode_query(v))
                })
                .collect()
        })
        .unwrap_or_default();
    if shared.admin && path.starts_with("/__testkit/") {
        return plain(crate::hms::admin(&shared, &method, &path, &raw).await);
    }
    let doc = shared.doc.clone();
    let auth_header = match &doc.auth {
        Auth::Header { name, .. } => name.clone(),
        _ => "authorization".to_owned(),
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter(|(name, value)| {
            name.as_str() != auth_header
                && !String::from_utf8_lossy(value.as_bytes()).contains(shared.key.as_str())
        })
        .map(|(name, value)| {
            (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
        })
        .collect();
    let json_body: Option<Value> = serde_json::from_slice(&raw).ok();
    let routed = doc.route(&method, &path);
    let op = routed.as_ref().ok().map(|(op, _)| *op);
    let index = {
        let mut state = shared.state();
        state.requests.push(RecordedRequest {
            operation: op.map(|o| o.id.clone()),
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            headers,
            body: json_body.clone(),
            raw_body: String::from_utf8_lossy(&raw).into_owned(),
            outcome: Outcome::Answered { status: 0 },
        });
        state.requests.len() - 1
    };
    let set_outcome = |outcome: Outcome| {
        if let Some(r) = shared.state().requests.get_mut(index) {
            r.outcome = outcome;
        }
    };
    let reject = |op: Option<&Operation>, r: Rejection| {
        set_outcome(Outcome::Rejected { status: r.status, reason: r.reason.clone() });
        plain(error_answer(&doc, op, r.status, &r.reason))
    };

    let (op, path_params) = match routed {
        Ok(found) => found,
        Err(true) => {
            return reject(None, Rejection::new(405, format!("{method} is not documented for {path}")));
        }
        Err(false) => return reject(None, Rejection::new(404, format!("no documented operation at {path}"))),
    };
    let presented = parts.headers.get(auth_header.as_str()).and_then(|v| v.to_str().ok()).unwrap_or("");
    let expected = match &doc.auth {
        Auth::Bearer => Some(format!("Bearer {}", shared.key)),
        Auth::Header { prefix, .. } => Some(format!("{prefix}{}", shared.key)),
        Auth::None => None,
    };
    if let Some(expected) = expected
        && presented != expected
    {
        let status = [401, 403].into_iter().find(|s| op.responses.contains_key(s)).unwrap_or(401);
        let reason = if presented.is_empty() {
            format!("missing {auth_header} header")
        } else {
            format!(
                "{auth_header} is not `{}KEY` with the mock's key",
                expected.trim_end_matches(shared.key.as_str())
            )
        };
        return reject(Some(op), Rejection::new(status, reason));
    }

    let fault = shared.state().take_fault(&op.id);
    if let Some(fault) = &fault
        && !fault.processes()
    {
        set_outcome(Outcome::Faulted { fault: fault.name(), processed: false });
        return replace_answer(&shared, &doc, op, &ctl, fault.clone()).await;
    }

    let processed = process(&shared, &doc, op, &path_params, &query, &raw, json_body);
    let (answer, events) = match processed {
        Ok(done) => done,
        Err(r) => {
            let status = r.status;
            let answer = error_answer(&doc, Some(op), status, &r.reason);
            match &fault {
                None => {
                    set_outcome(Outcome::Rejected { status, reason: r.reason });
                    return plain(answer);
                }
                Some(_) => (answer, Vec::new()),
            }
        }
    };
    if !events.is_empty() {
        let shared = shared.clone();
        tokio::spawn(async move { crate::hms::deliver(&shared, events).await });
    }
    match fault {
        None => {
            set_outcome(Outcome::Answered { status: answer.status });
            plain(answer)
        }
        Some(fault) => {
            set_outcome(Outcome::Faulted { fault: fault.name(), processed: true });
            lose_answer(&shared, &ctl, fault, answer).await
        }
    }
}

fn decode_query(s: &str) -> String {
    let s = s.replace('+', " ");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Validates, then lets the provider's model answer.
fn process(
    shared: &Shared,
    doc: &Document,
    op: &Operation,
    path_params: &BTreeMap<String, String>,
    query: &[(String, String)],
    raw: &[u8],
    body: Option<Value>,
) -> Result<(Answer, Vec<crate::hms::Event>), Rejection> {
    let invalid = validation_status(op);
    if let Err(errors) = doc.validate_parameters(op, path_params, query) {
        return Err(Rejection::new(invalid, errors.join("; ")));
    }
    let body = match (&op.body_schema, body) {
        (Some(_), Some(body)) => {
            doc.validate_body(op, &body).map_err(|errors| {
                Rejection::new(invalid, format!("invalid request body: {}", errors.join("; ")))
            })?;
            Some(body)
        }
        (Some(_), None) if raw.is_empty() && !op.body_required => None,
        (Some(_), None) if raw.is_empty() => {
            return Err(Rejection::new(invalid, "the request body is required"));
        }
        (Some(_), None) => return Err(Rejection::new(invalid, "the request body is not JSON")),
        (None, _) => None,
    };
    let mut state = shared.state();
    state.answer(doc, op, path_params, query, body.unwrap_or(Value::Null))
}

/// A fault that replaces the answer (the request is not processed).
async fn replace_answer(
    shared: &Shared,
    doc: &Document,
    op: &Operation,
    ctl: &ConnCtl,
    fault: Fault,
) -> Response<MockBody> {
    match fault {
        Fault::Status { status, headers, body } => {
            let mut answer = if body.is_empty() && op.responses.contains_key(&status) {
                error_answer(doc, Some(op), status, "injected by agentdial-testkit")
            } else {
                Answer {
                    status,
                    headers: Vec::new(),
                    body: Some(body.into_bytes()),
                    content_type: "text/plain",
                }
            };
            answer.headers = headers;
            plain(answer)
        }
        Fault::Redirect { status, location } => {
            let location =
                if location.starts_with('/') { format!("{}{location}", shared.base_url) } else { location };
            plain(Answer {
                status,
                headers: vec![("location".into(), location)],
                body: None,
                content_type: "",
            })
        }
        _ => {
            // CloseKeepAlive: drop the connection with a FIN, no answer.
            ctl.abort(Abort::Close);
            std::future::pending().await
        }
    }
}

/// A fault that loses the answer of a processed request.
async fn lose_answer(shared: &Shared, ctl: &ConnCtl, fault: Fault, answer: Answer) -> Response<MockBody> {
    match fault {
        Fault::ResetAfterRead => {
            ctl.abort(Abort::Reset);
            std::future::pending().await
        }
        Fault::Hang => {
            let mut shutdown = shared.shutdown.subscribe();
            let _ = shutdown.changed().await;
            std::future::pending().await
        }
        Fault::TruncatedBody { keep } => {
            let data = answer.body.clone().unwrap_or_default();
            let full = data.len();
            let kept = Bytes::from(data).slice(..keep.min(full.saturating_sub(1)));
            respond(answer, MockBody::Truncated(Some(kept)), Some(full))
        }
        Fault::SlowBody { chunk, delay_ms } => {
            let data = Bytes::from(answer.body.clone().unwrap_or_default());
            let full = data.len();
            respond(
                answer,
                MockBody::Slow {
                    rest: data,
                    chunk: chunk.max(1),
                    delay: Duration::from_millis(delay_ms),
                    sleep: None,
                },
                Some(full),
            )
        }
        _ => plain(answer),
    }
}
