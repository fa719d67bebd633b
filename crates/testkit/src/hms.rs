//! The mock's state and how each operation answers: HMS Sovereign's calls and resources, and the
//! documented success answer of every other operation; webhook deliveries; the binary's admin API.

use crate::document::{Document, Operation};
use crate::handler::{Answer, Rejection};
use crate::{CallStatus, Clock, Delivery, Fault, MockCall, Provider, RecordedRequest, Shared};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The operation that places a call, per provider.
pub(crate) fn dial_operation(provider: Provider) -> &'static str {
    match provider {
        Provider::Altur => "startCall",
        Provider::Alta => "triggerAssistantCall",
        Provider::Fluents => "CallController_createCall",
        _ => "createOutboundCall",
    }
}

pub(crate) struct Receiver {
    pub url: String,
    pub secret: String,
}

pub(crate) struct CallRecord {
    id: String,
    script: Vec<CallStatus>,
    pos: usize,
    /// Set by a hang-up or transfer: the call is over whatever its script says.
    ended: Option<(CallStatus, String)>,
    request: Value,
    created_at: String,
    updated_at: String,
}

impl CallRecord {
    fn status(&self) -> CallStatus {
        match &self.ended {
            Some((s, _)) => s.clone(),
            None => self.script[self.pos.min(self.script.len() - 1)].clone(),
        }
    }
    fn is_final(&self) -> bool {
        self.ended.is_some() || self.pos + 1 >= self.script.len()
    }
    pub(crate) fn public(&self) -> MockCall {
        MockCall { id: self.id.clone(), status: self.status(), request: self.request.clone() }
    }
}

/// A webhook event to deliver.
pub(crate) struct Event {
    kind: &'static str,
    call_id: String,
    payload: Value,
}

pub(crate) struct State {
    pub requests: Vec<RecordedRequest>,
    pub faults: Vec<(String, Fault)>,
    pub calls: Vec<CallRecord>,
    resources: BTreeMap<String, Vec<Value>>,
    next: u64,
    pub clock: Clock,
    pub script: Vec<CallStatus>,
    pub webhooks: Vec<Receiver>,
    pub deliveries: Vec<Delivery>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            requests: Vec::new(),
            faults: Vec::new(),
            calls: Vec::new(),
            resources: BTreeMap::new(),
            next: 0,
            clock: Clock::Manual,
            script: vec![
                CallStatus::Connecting,
                CallStatus::Ringing,
                CallStatus::InProgress,
                CallStatus::Ended,
            ],
            webhooks: Vec::new(),
            deliveries: Vec::new(),
        }
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// `value` decoded into the provider crate's generated type for `schema` and encoded again: what
/// the mock sends always decodes.
fn canonical(doc: &Document, schema: &Value, value: Value) -> Result<Value, Rejection> {
    let Some(name) = Document::ref_name(schema) else { return Ok(value) };
    let decoded = match doc.provider {
        Provider::Altur => agentdial_altur::spec::decode_schema(name, value.clone()),
        Provider::Alta => agentdial_alta::spec::decode_schema(name, value.clone()),
        Provider::Fluents => agentdial_fluents::spec::decode_schema(name, value.clone()),
        Provider::HmsSovereign => agentdial_hmsovereign::spec::decode_schema(name, value.clone()),
        #[allow(unreachable_patterns)]
        _ => None,
    };
    match decoded {
        None => Ok(value),
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(Rejection::new(
            500,
            format!("agentdial-testkit bug: its answer does not decode as {name}: {e}"),
        )),
    }
}

fn success_status(op: &Operation) -> u16 {
    op.responses.keys().copied().find(|s| (200..300).contains(s)).unwrap_or(200)
}

/// The documented success answer of `op` with `body`.
fn success(doc: &Document, op: &Operation, body: Value) -> Result<Answer, Rejection> {
    let status = success_status(op);
    match op.responses.get(&status).cloned().flatten() {
        None => Ok(Answer::empty(status)),
        Some(schema) => Ok(Answer::json(status, &canonical(doc, &schema, body)?)),
    }
}

fn sample_success(doc: &Document, op: &Operation) -> Value {
    op.responses
        .get(&success_status(op))
        .cloned()
        .flatten()
        .map(|s| doc.sample(&s, None))
        .unwrap_or(Value::Null)
}

/// How a response wraps a resource.
enum Shape {
    /// `{"assistant": Agent}`.
    Single {
        prop: String,
        resource: String,
    },
    /// `{"assistants": [Agent], "pagination": ...}`.
    List {
        prop: String,
        pagination: bool,
    },
    Other,
}

fn shape(doc: &Document, schema: Option<&Value>) -> Shape {
    let Some(schema) = schema else { return Shape::Other };
    let schema = doc.resolve(schema);
    let Some(props) = schema.get("properties").and_then(Value::as_object) else { return Shape::Other };
    for (name, prop) in props {
        if let Some(items) = prop.get("items").filter(|_| prop["type"] == "array")
            && let Some(resource) = Document::ref_name(items)
            && doc.schema(resource).is_some()
        {
            return Shape::List { prop: name.clone(), pagination: props.contains_key("pagination") };
        }
    }
    if props.len() == 1 {
        let (name, prop) = props.iter().next().expect("one property");
        if let Some(resource) = Document::ref_name(prop)
            && doc.schema(resource).is_some_and(|s| s.get("properties").is_some())
        {
            return Shape::Single { prop: name.clone(), resource: resource.to_owned() };
        }
    }
    Shape::Other
}

fn page(query: &[(String, String)]) -> (usize, usize) {
    let get = |k: &str| query.iter().find(|(n, _)| n == k).and_then(|(_, v)| v.parse::<usize>().ok());
    (get("limit").unwrap_or(100), get("offset").unwrap_or(0))
}

impl State {
    pub(crate) fn take_fault(&mut self, op: &str) -> Option<Fault> {
        let i = self.faults.iter().position(|(o, _)| o == op || o == "*")?;
        Some(self.faults.remove(i).1)
    }

    fn next_id(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// Answers a valid request.
    pub(crate) fn answer(
        &mut self,
        doc: &Document,
        op: &Operation,
        path: &BTreeMap<String, String>,
        query: &[(String, String)],
        body: Value,
    ) -> Result<(Answer, Vec<Event>), Rejection> {
        if doc.provider != Provider::HmsSovereign {
            let mut value = sample_success(doc, op);
            if op.id == dial_operation(doc.provider) {
                let n = self.next_id();
                // The created call's id, where the answer has an `id` (optional or not).
                let schema = op.responses.get(&success_status(op)).cloned().flatten();
                let has_id = schema.is_some_and(|s| {
                    doc.resolve(&s).pointer("/properties/id").is_some_and(|p| p["type"] == "string")
                });
                if has_id && value.is_object() {
                    value["id"] = json!(format!("call-{n}"));
                }
            }
            return Ok((success(doc, op, value)?, Vec::new()));
        }
        match op.id.as_str() {
            "createOutboundCall" => self.create_call(doc, op, body),
            "getCall" => self.get_call(doc, op, path.get("id").map(String::as_str).unwrap_or("")),
            "listCalls" => self.list_calls(doc, op, query),
            "controlCall" => {
                self.control_call(doc, op, path.get("id").map(String::as_str).unwrap_or(""), &body)
            }
            _ => Ok((self.crud(doc, op, path, query, body)?, Vec::new())),
        }
    }

    fn create_call(
        &mut self,
        doc: &Document,
        op: &Operation,
        body: Value,
    ) -> Result<(Answer, Vec<Event>), Rejection> {
        let n = self.next_id();
        let id = format!("call-{n}");
        let at = now();
        self.calls.push(CallRecord {
            id: id.clone(),
            script: self.script.clone(),
            pos: 0,
            ended: None,
            request: body,
            created_at: at.clone(),
            updated_at: at,
        });
        let mut value = sample_success(doc, op);
        value["success"] = json!(true);
        value["call_id"] = json!(id);
        value["status"] = json!("dialing");
        value["room_name"] = json!(format!("room-{id}"));
        Ok((success(doc, op, value)?, Vec::new()))
    }

    fn call_json(&self, doc: &Document, call: &CallRecord) -> Value {
        let mut v = doc.sample(&schema_ref("Call"), None);
        let status = call.status();
        v["id"] = json!(call.id);
        v["status"] = json!(status.to_string());
        v["caller_phone"] = call.request.get("destination").cloned().unwrap_or(Value::Null);
        v["assistant_phone"] = Value::Null;
        v["direction"] = json!("outbound");
        v["agent_id"] = call.request.get("assistant_id").cloned().unwrap_or(Value::Null);
        v["number_id"] = call.request.get("number_id").cloned().unwrap_or(Value::Null);
        v["created_at"] = json!(call.created_at);
        v["updated_at"] = json!(call.updated_at);
        if call.pos >= 2 || call.ended.is_some() {
            v["started_at"] = json!(call.created_at);
        }
        if call.is_final() {
            v["ended_at"] = json!(call.updated_at);
            v["duration_seconds"] = json!(0);
            v["end_reason"] =
                json!(call.ended.as_ref().map(|(_, r)| r.as_str()).unwrap_or("customer-ended-call"));
        }
        v
    }

    fn get_call(
        &mut self,
        doc: &Document,
        op: &Operation,
        id: &str,
    ) -> Result<(Answer, Vec<Event>), Rejection> {
        let Some(i) = self.calls.iter().position(|c| c.id == id) else {
            return Err(Rejection::new(404, format!("call {id} not found")));
        };
        let answer = success(doc, op, self.call_json(doc, &self.calls[i]))?;
        let events = if self.clock == Clock::EveryPoll { self.step(doc, i) } else { Vec::new() };
        Ok((answer, events))
    }

    fn list_calls(
        &mut self,
        doc: &Document,
        op: &Operation,
        query: &[(String, String)],
    ) -> Result<(Answer, Vec<Event>), Rejection> {
        let (limit, offset) = page(query);
        let filter =
            query.iter().find(|(k, _)| k == "status").map(|(_, v)| v.as_str()).filter(|s| *s != "all");
        let matching: Vec<&CallRecord> =
            self.calls.iter().filter(|c| filter.is_none_or(|f| c.status().to_string() == f)).collect();
        let calls: Vec<Value> =
            matching.iter().skip(offset).take(limit).map(|c| self.call_json(doc, c)).collect();
        let mut value = sample_success(doc, op);
        value["calls"] = Value::Array(calls);
        value["pagination"] = json!({"total": matching.len(), "limit": limit, "offset": offset});
        Ok((success(doc, op, value)?, Vec::new()))
    }

    fn control_call(
        &mut self,
        doc: &Document,
        op: &Operation,
        id: &str,
        body: &Value,
    ) -> Result<(Answer, Vec<Event>), Rejection> {
        let Some(i) = self.calls.iter().position(|c| c.id == id) else {
            return Err(Rejection::new(404, format!("call {id} not found")));
        };
        if self.calls[i].is_final() {
            return Err(Rejection::new(
                400,
                format!("call {id} is not active (status {})", self.calls[i].status()),
            ));
        }
        let command = body.get("type").and_then(Value::as_str).unwrap_or("");
        let mut events = Vec::new();
        let ended = match command {
            "end-call" => Some((CallStatus::Ended, "api-end-call")),
            "transfer" => Some((CallStatus::Transferred, "transferred")),
            _ => None,
        };
        if let Some((status, reason)) = ended {
            let call = &mut self.calls[i];
            call.ended = Some((status, reason.to_owned()));
            call.updated_at = now();
            events = self.events_for(doc, i);
        }
        let mut value = sample_success(doc, op);
        value["success"] = json!(true);
        Ok((success(doc, op, value)?, events))
    }

    /// Moves call `i` one step; the webhook events of the change.
    fn step(&mut self, doc: &Document, i: usize) -> Vec<Event> {
        let call = &mut self.calls[i];
        if call.is_final() {
            return Vec::new();
        }
        call.pos += 1;
        call.updated_at = now();
        self.events_for(doc, i)
    }

    pub(crate) fn advance_all(&mut self, doc: &Document) -> Vec<Event> {
        (0..self.calls.len()).flat_map(|i| self.step(doc, i)).collect()
    }

    pub(crate) fn advance_one(&mut self, doc: &Document, id: &str) -> Option<Vec<Event>> {
        let i = self.calls.iter().position(|c| c.id == id)?;
        Some(self.step(doc, i))
    }

    fn events_for(&self, doc: &Document, i: usize) -> Vec<Event> {
        if doc.provider != Provider::HmsSovereign {
            return Vec::new();
        }
        let call = &self.calls[i];
        let status = call.status();
        let call_object = {
            let mut o = doc.sample(&schema_ref("CallObject"), None);
            o["id"] = json!(call.id);
            o["status"] = json!(status.to_string());
            o
        };
        let mut events = Vec::new();
        let mut update = doc.sample(&schema_ref("StatusUpdatePayload"), None);
        update["message"]["type"] = json!("status-update");
        update["message"]["timestamp"] = json!(call.updated_at);
        update["message"]["call"] = call_object.clone();
        if let Some((_, reason)) = &call.ended {
            update["message"]["end_reason"] = json!(reason);
        }
        if let Ok(payload) = canonical(doc, &schema_ref("StatusUpdatePayload"), update) {
            events.push(Event { kind: "status-update", call_id: call.id.clone(), payload });
        }
        if call.is_final() {
            let mut report = doc.sample(&schema_ref("EndOfCallReportPayload"), None);
            let m = &mut report["message"];
            m["type"] = json!("end-of-call-report");
            m["timestamp"] = json!(call.updated_at);
            m["call"] = call_object;
            m["duration_seconds"] = json!(0);
            m["summary"] = json!("Call ended (agentdial-testkit).");
            m["end_reason"] =
                json!(call.ended.as_ref().map(|(_, r)| r.as_str()).unwrap_or("customer-ended-call"));
            m["started_at"] = json!(call.created_at);
            m["ended_at"] = json!(call.updated_at);
            if let Ok(payload) = canonical(doc, &schema_ref("EndOfCallReportPayload"), report) {
                events.push(Event { kind: "end-of-call-report", call_id: call.id.clone(), payload });
            }
        }
        events
    }

    /// Create, read, update, delete and list for resources whose answers wrap them
    /// (`{"assistant": ...}`, `{"assistants": [...]}`); every other operation answers its sample.
    fn crud(
        &mut self,
        doc: &Document,
        op: &Operation,
        path: &BTreeMap<String, String>,
        query: &[(String, String)],
        body: Value,
    ) -> Result<Answer, Rejection> {
        let segments: Vec<&str> = op.template.split('/').filter(|s| !s.is_empty()).collect();
        let concrete: Vec<String> = segments
            .iter()
            .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => path.get(name).cloned().unwrap_or_default(),
                None => (*s).to_owned(),
            })
            .collect();
        let item_path = segments.last().is_some_and(|s| s.starts_with('{'));
        let collection =
            if item_path { concrete[..concrete.len() - 1].join("/") } else { concrete.join("/") };
        let item_id = if item_path { concrete.last().cloned() } else { None };
        let response_schema = op.responses.get(&success_status(op)).cloned().flatten();
        let not_found = |id: &str| Rejection::new(404, format!("/{collection}/{id} not found"));
        match (op.method.as_str(), item_id, shape(doc, response_schema.as_ref())) {
            ("POST", None, Shape::Single { prop, resource }) => {
                let n = self.next_id();
                let mut object = doc.sample(&schema_ref(&resource), None);
                merge_valid(doc, &resource, &mut object, &body);
                if object.get("id").is_some()
                    || doc.schema(&resource).and_then(|s| s.pointer("/properties/id")).is_some()
                {
                    object["id"] = json!(format!("00000000-0000-4000-8000-{n:012x}"));
                }
                stamp(doc, &resource, &mut object, true);
                self.resources.entry(collection).or_default().push(object.clone());
                success(doc, op, json!({ prop: object }))
            }
            ("GET", Some(id), Shape::Single { prop, .. }) => {
                let object = self.find(&collection, &id).cloned().ok_or_else(|| not_found(&id))?;
                success(doc, op, json!({ prop: object }))
            }
            ("PATCH" | "PUT", Some(id), Shape::Single { prop, resource }) => {
                let object = self.find_mut(&collection, &id).ok_or_else(|| not_found(&id))?;
                merge_valid(doc, &resource, object, &body);
                stamp(doc, &resource, object, false);
                let object = object.clone();
                success(doc, op, json!({ prop: object }))
            }
            ("DELETE", Some(id), _) => {
                let list = self.resources.entry(collection.clone()).or_default();
                let before = list.len();
                list.retain(|o| o.get("id").and_then(Value::as_str) != Some(id.as_str()));
                if list.len() == before {
                    return Err(not_found(&id));
                }
                let mut value = sample_success(doc, op);
                if value.get("success").is_some() {
                    value["success"] = json!(true);
                }
                success(doc, op, value)
            }
            ("GET", None, Shape::List { prop, pagination, .. }) => {
                let (limit, offset) = page(query);
                let all = self.resources.get(&collection).cloned().unwrap_or_default();
                let mut value = sample_success(doc, op);
                value[prop.as_str()] = Value::Array(all.iter().skip(offset).take(limit).cloned().collect());
                if pagination {
                    value["pagination"] = json!({"total": all.len(), "limit": limit, "offset": offset});
                }
                success(doc, op, value)
            }
            _ => success(doc, op, sample_success(doc, op)),
        }
    }

    fn find(&self, collection: &str, id: &str) -> Option<&Value> {
        self.resources.get(collection)?.iter().find(|o| o.get("id").and_then(Value::as_str) == Some(id))
    }

    fn find_mut(&mut self, collection: &str, id: &str) -> Option<&mut Value> {
        self.resources
            .get_mut(collection)?
            .iter_mut()
            .find(|o| o.get("id").and_then(Value::as_str) == Some(id))
    }
}

/// Copies each field of `body` the resource schema has into `object`, where the result stays
/// valid for the schema.
fn merge_valid(doc: &Document, resource: &str, object: &mut Value, body: &Value) {
    let Some(fields) = body.as_object() else { return };
    let known: Map<String, Value> = doc
        .schema(resource)
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in fields {
        if k == "id" || !known.contains_key(k) {
            continue;
        }
        let mut candidate = object.clone();
        candidate[k.as_str()] = v.clone();
        if doc.is_valid_as(resource, &candidate) {
            *object = candidate;
        }
    }
}

fn stamp(doc: &Document, resource: &str, object: &mut Value, created: bool) {
    let has = |f: &str| doc.schema(resource).and_then(|s| s.pointer(&format!("/properties/{f}"))).is_some();
    let at = now();
    if created && has("created_at") {
        object["created_at"] = json!(at);
    }
    if has("updated_at") {
        object["updated_at"] = json!(at);
    }
}

/// Signs and POSTs each event to every receiver, in order.
pub(crate) async fn deliver(shared: &Shared, events: Vec<Event>) {
    let receivers: Vec<(String, String)> =
        shared.state().webhooks.iter().map(|r| (r.url.clone(), r.secret.clone())).collect();
    for event in events {
        let body = serde_json::to_vec(&event.payload).unwrap_or_default();
        for (url, secret) in &receivers {
            let timestamp = chrono::Utc::now().timestamp().to_string();
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
                .expect("HMAC takes keys of any length");
            mac.update(timestamp.as_bytes());
            mac.update(b".");
            mac.update(&body);
            let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
            let sent = shared
                .http
                .post(url)
                .header("content-type", "application/json")
                .header("x-webhook-timestamp", &timestamp)
                .header("x-webhook-signature", signature)
                .header("x-webhook-event", event.kind)
                .body(body.clone())
                .send()
                .await;
            let status = sent.ok().map(|r| r.status().as_u16());
            shared.state().deliveries.push(Delivery {
                url: url.clone(),
                event: event.kind.to_owned(),
                call_id: event.call_id.clone(),
                body: String::from_utf8_lossy(&body).into_owned(),
                status,
            });
        }
    }
}

/// The binary's admin API (see `src/main.rs`).
pub(crate) async fn admin(shared: &Arc<Shared>, method: &str, path: &str, body: &[u8]) -> Answer {
    let json_body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let bad = |message: String| Answer::json(400, &json!({"error": message}));
    match (method, path.trim_end_matches('/')) {
        ("POST", "/__testkit/faults") => {
            let operation = json_body.get("operation").and_then(Value::as_str).unwrap_or("*").to_owned();
            match serde_json::from_value::<Fault>(json_body.get("fault").cloned().unwrap_or(Value::Null)) {
                Ok(fault) => {
                    shared.state().faults.push((operation, fault));
                    Answer::json(200, &json!({"queued": shared.state().faults.len()}))
                }
                Err(e) => bad(format!("`fault`: {e}")),
            }
        }
        ("DELETE", "/__testkit/faults") => {
            shared.state().faults.clear();
            Answer::json(200, &json!({"queued": 0}))
        }
        ("POST", "/__testkit/advance") => {
            let events = match json_body.get("call_id").and_then(Value::as_str) {
                Some(id) => match shared.state().advance_one(&shared.doc, id) {
                    Some(e) => e,
                    None => return Answer::json(404, &json!({"error": format!("no call {id}")})),
                },
                None => shared.state().advance_all(&shared.doc),
            };
            deliver(shared, events).await;
            Answer::json(200, &calls_json(shared))
        }
        ("PUT", "/__testkit/clock") => {
            match serde_json::from_value::<Clock>(json_body.get("clock").cloned().unwrap_or(Value::Null)) {
                Ok(clock) => {
                    shared.state().clock = clock;
                    Answer::json(200, &json!({"clock": clock}))
                }
                Err(e) => bad(format!("`clock` is \"manual\" or \"every-poll\": {e}")),
            }
        }
        ("PUT", "/__testkit/script") => match serde_json::from_value::<Vec<CallStatus>>(json_body) {
            Ok(script) if !script.is_empty() => {
                shared.state().script = script;
                Answer::json(200, &json!({"ok": true}))
            }
            Ok(_) => bad("the script is empty".into()),
            Err(e) => bad(format!("expected an array of call statuses: {e}")),
        },
        ("POST", "/__testkit/webhooks") => match (
            json_body.get("url").and_then(Value::as_str),
            json_body.get("secret").and_then(Value::as_str),
        ) {
            (Some(url), Some(secret)) => {
                shared.state().webhooks.push(Receiver { url: url.to_owned(), secret: secret.to_owned() });
                Answer::json(200, &json!({"ok": true}))
            }
            _ => bad("expected {\"url\": ..., \"secret\": ...}".into()),
        },
        ("GET", "/__testkit/requests") => {
            Answer::json(200, &serde_json::to_value(&shared.state().requests).unwrap_or_default())
        }
        ("GET", "/__testkit/dials") => {
            let op = dial_operation(shared.doc.provider);
            let n = shared.state().requests.iter().filter(|r| r.operation.as_deref() == Some(op)).count();
            Answer::json(200, &json!({"dials": n}))
        }
        ("GET", "/__testkit/calls") => Answer::json(200, &calls_json(shared)),
        ("GET", "/__testkit/deliveries") => {
            Answer::json(200, &serde_json::to_value(&shared.state().deliveries).unwrap_or_default())
        }
        _ => Answer::json(404, &json!({"error": format!("no admin endpoint {method} {path}")})),
    }
}

fn calls_json(shared: &Shared) -> Value {
    Value::Array(
        shared.state().calls.iter().map(|c| json!({"id": c.id, "status": c.status().to_string()})).collect(),
    )
}
