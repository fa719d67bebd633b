//! A provider's transformed document (embedded at build time from `documents/<name>.json`, which
//! `cargo xtask generate` writes and `--check` verifies): routing, the auth scheme, request
//! validation with a JSON Schema validator, and sample values for responses.

use agentdial::Provider;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// How the document says to send the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Auth {
    /// `Authorization: Bearer KEY`.
    Bearer,
    /// Header `name`, value `prefix` + key (`x-agentdial-value-prefix` from the provider's patch).
    Header {
        name: String,
        prefix: String,
    },
    None,
}

/// One documented operation.
#[derive(Debug)]
pub(crate) struct Operation {
    pub id: String,
    pub method: String,
    pub template: String,
    segments: Vec<Segment>,
    /// Path and query parameters (resolved).
    pub parameters: Vec<Value>,
    /// The JSON request body schema, when the operation takes a JSON body.
    pub body_schema: Option<Value>,
    pub body_required: bool,
    /// Documented responses: status → JSON schema (`None`: no body).
    pub responses: BTreeMap<u16, Option<Value>>,
    /// Status → the schema documented for it before the error bodies were unified.
    typed_errors: BTreeMap<u16, Value>,
    validator: OnceLock<Option<Arc<jsonschema::Validator>>>,
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    Param(String),
}

/// One provider's document.
#[derive(Debug)]
pub(crate) struct Document {
    pub provider: Provider,
    pub raw: Value,
    pub auth: Auth,
    pub operations: Vec<Operation>,
    /// `components.schemas`, converted from OpenAPI 3.0 to JSON Schema 2020-12.
    json_schemas: Value,
    resource_validators: std::sync::Mutex<BTreeMap<String, Arc<jsonschema::Validator>>>,
}

fn text(provider: Provider) -> &'static str {
    match provider {
        Provider::Altur => include_str!("../documents/altur.json"),
        Provider::Alta => include_str!("../documents/alta.json"),
        Provider::Fluents => include_str!("../documents/fluents.json"),
        Provider::HmsSovereign => include_str!("../documents/hmsovereign.json"),
        // `Provider` is non-exhaustive: a provider added to the facade before the testkit knows it.
        #[allow(unreachable_patterns)]
        _ => "",
    }
}

/// The documents parsed so far in this process.
type Parsed = std::sync::Mutex<Vec<(Provider, Arc<Document>)>>;

/// The document of `provider`, parsed once per process.
pub(crate) fn document(provider: Provider) -> Result<Arc<Document>, String> {
    static CACHE: OnceLock<Parsed> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, doc)) = cache.iter().find(|(p, _)| *p == provider) {
        return Ok(doc.clone());
    }
    let raw: Value = serde_json::from_str(text(provider))
        .map_err(|e| format!("the testkit has no document for {provider}: {e}"))?;
    let doc = Arc::new(Document::new(provider, raw)?);
    cache.push((provider, doc.clone()));
    Ok(doc)
}

const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

impl Document {
    fn new(provider: Provider, raw: Value) -> Result<Self, String> {
        let auth = auth_of(&raw);
        let mut operations = Vec::new();
        let paths = raw.get("paths").and_then(Value::as_object).cloned().unwrap_or_default();
        for (template, item) in &paths {
            let shared: Vec<Value> =
                item.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let id = op.get("operationId").and_then(Value::as_str).unwrap_or(template).to_owned();
                let mut parameters: Vec<Value> = shared.iter().map(|p| resolve(&raw, p).clone()).collect();
                for p in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
                    let p = resolve(&raw, p).clone();
                    parameters.retain(|q| !(q["name"] == p["name"] && q["in"] == p["in"]));
                    parameters.push(p);
                }
                let body = op.get("requestBody").map(|b| resolve(&raw, b));
                let json_body =
                    body.and_then(|b| b.get("content")).and_then(Value::as_object).and_then(|c| {
                        c.iter()
                            .find(|(media, _)| {
                                media.starts_with("application/json") || media.ends_with("+json")
                            })
                            .map(|(_, m)| m)
                    });
                let body_schema = json_body.map(|m| m.get("schema").cloned().unwrap_or(json!({})));
                let body_required =
                    body.and_then(|b| b.get("required")).and_then(Value::as_bool).unwrap_or(false);
                let mut responses = BTreeMap::new();
                for (status, response) in op.get("responses").and_then(Value::as_object).into_iter().flatten()
                {
                    let Ok(status) = status.parse::<u16>() else { continue };
                    let response = resolve(&raw, response);
                    let schema = response.get("content").and_then(Value::as_object).and_then(|c| {
                        c.iter()
                            .find(|(m, _)| m.contains("json"))
                            .map(|(_, m)| m.get("schema").cloned().unwrap_or(json!({})))
                    });
                    responses.insert(status, schema);
                }
                let typed_errors = typed_errors(&raw, op);
                let segments = template
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => Segment::Param(name.to_owned()),
                        None => Segment::Literal(s.to_owned()),
                    })
                    .collect();
                operations.push(Operation {
                    id,
                    method: method.to_ascii_uppercase(),
                    template: template.clone(),
                    segments,
                    parameters,
                    body_schema,
                    body_required,
                    responses,
                    typed_errors,
                    validator: OnceLock::new(),
                });
            }
        }
        let mut schemas = raw.pointer("/components/schemas").cloned().unwrap_or(json!({}));
        to_json_schema(&mut schemas, true);
        Ok(Self {
            provider,
            raw,
            auth,
            operations,
            json_schemas: schemas,
            resource_validators: Default::default(),
        })
    }

    /// The operation for `method` and `path`: `Ok`, or `Err(true)` when the path exists with other
    /// methods (405), `Err(false)` when no documented path matches (404). Literal segments win over
    /// parameters (`/calls/outbound` before `/calls/{id}`).
    pub fn route(&self, method: &str, path: &str) -> Result<(&Operation, BTreeMap<String, String>), bool> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut best: Option<(usize, &Operation, BTreeMap<String, String>)> = None;
        let mut path_exists = false;
        for op in &self.operations {
            if op.segments.len() != parts.len() {
                continue;
            }
            let mut params = BTreeMap::new();
            let matched = op.segments.iter().zip(&parts).all(|(seg, part)| match seg {
                Segment::Literal(l) => l == part,
                Segment::Param(name) => {
                    params.insert(name.clone(), percent_decode(part));
                    true
                }
            });
            if !matched {
                continue;
            }
            path_exists = true;
            if !op.method.eq_ignore_ascii_case(method) {
                continue;
            }
            let literals = op.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count();
            if best.as_ref().is_none_or(|(l, _, _)| literals > *l) {
                best = Some((literals, op, params));
            }
        }
        best.map(|(_, op, params)| (op, params)).ok_or(path_exists)
    }

    fn validator_for(&self, schema: &Value) -> Result<jsonschema::Validator, String> {
        let mut schema = schema.clone();
        to_json_schema(&mut schema, false);
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "allOf": [schema],
            "components": {"schemas": self.json_schemas},
        });
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| format!("the document's schema does not compile: {e}"))
    }

    /// Checks a JSON body against the operation's request schema; the errors name where.
    pub fn validate_body(&self, op: &Operation, body: &Value) -> Result<(), Vec<String>> {
        let Some(schema) = &op.body_schema else { return Ok(()) };
        let validator = op.validator.get_or_init(|| self.validator_for(schema).ok().map(Arc::new));
        let Some(validator) = validator else { return Ok(()) };
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| describe(&e.instance_path().to_string(), &e.to_string()))
            .collect();
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// Whether `value` is valid against the named component schema.
    pub fn is_valid_as(&self, schema_name: &str, value: &Value) -> bool {
        let validator = {
            let mut cache = self.resource_validators.lock().unwrap_or_else(|e| e.into_inner());
            match cache.get(schema_name) {
                Some(v) => v.clone(),
                None => match self
                    .validator_for(&json!({"$ref": format!("#/components/schemas/{schema_name}")}))
                {
                    Ok(v) => {
                        let v = Arc::new(v);
                        cache.insert(schema_name.to_owned(), v.clone());
                        v
                    }
                    Err(_) => return false,
                },
            }
        };
        validator.is_valid(value)
    }

    /// Checks path and query parameters against their schemas.
    pub fn validate_parameters(
        &self,
        op: &Operation,
        path: &BTreeMap<String, String>,
        query: &[(String, String)],
    ) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        for p in &op.parameters {
            let (Some(name), Some(place)) = (p["name"].as_str(), p["in"].as_str()) else { continue };
            let value = match place {
                "path" => path.get(name).cloned(),
                "query" => query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
                _ => continue,
            };
            let Some(value) = value else {
                if p["required"].as_bool().unwrap_or(false) {
                    errors.push(format!("{place} parameter `{name}` is required"));
                }
                continue;
            };
            let schema = p.get("schema").map(|s| resolve(&self.raw, s)).cloned().unwrap_or(json!({}));
            let typed = match schema["type"].as_str() {
                Some("integer") => value.parse::<i64>().map(Value::from).ok(),
                Some("number") => value.parse::<f64>().ok().map(Value::from),
                Some("boolean") => value.parse::<bool>().ok().map(Value::from),
                _ => Some(Value::String(value.clone())),
            };
            let Some(typed) = typed else {
                errors.push(format!(
                    "{place} parameter `{name}`: {value:?} is not a {}",
                    schema["type"].as_str().unwrap_or("value")
                ));
                continue;
            };
            if let Ok(validator) = self.validator_for(&schema) {
                for e in validator.iter_errors(&typed) {
                    errors.push(format!("{place} parameter `{name}`: {e}"));
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// The schema documented for an error `status` of `op` (per status, before unification).
    pub fn error_schema(&self, op: &Operation, status: u16) -> Option<Value> {
        op.typed_errors.get(&status).cloned().or_else(|| op.responses.get(&status).cloned().flatten())
    }

    /// A value valid for `schema`: examples where the document gives them, else the smallest
    /// value the schema allows, with `message` in string fields named like a message.
    pub fn sample(&self, schema: &Value, message: Option<&str>) -> Value {
        Sampler { doc: &self.raw, message, depth: 0 }.sample(schema, None)
    }

    /// The component schema name a `$ref` points at.
    pub fn ref_name(schema: &Value) -> Option<&str> {
        schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"))
    }

    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.raw.pointer(&format!("/components/schemas/{name}"))
    }

    pub fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        resolve(&self.raw, value)
    }
}

fn describe(at: &str, message: &str) -> String {
    if at.is_empty() { message.to_owned() } else { format!("{at}: {message}") }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
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

fn auth_of(raw: &Value) -> Auth {
    let schemes = raw.pointer("/components/securitySchemes").and_then(Value::as_object);
    let first = raw
        .get("security")
        .and_then(Value::as_array)
        .and_then(|s| s.first())
        .and_then(Value::as_object)
        .and_then(|o| o.keys().next().cloned());
    let scheme = first
        .and_then(|name| schemes.and_then(|s| s.get(&name)))
        .or_else(|| schemes.and_then(|s| s.values().next()));
    let Some(scheme) = scheme else { return Auth::None };
    match (scheme["type"].as_str(), scheme["scheme"].as_str().map(str::to_ascii_lowercase).as_deref()) {
        (Some("http"), Some("bearer")) | (Some("oauth2" | "openIdConnect"), _) => Auth::Bearer,
        (Some("apiKey"), _) if scheme["in"] == "header" => Auth::Header {
            name: scheme["name"].as_str().unwrap_or("Authorization").to_ascii_lowercase(),
            prefix: scheme["x-agentdial-value-prefix"].as_str().unwrap_or("").to_owned(),
        },
        _ => Auth::None,
    }
}

/// Follows `$ref`s to `#/...` pointers (components: responses, parameters, request bodies).
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match value.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => match doc.pointer(pointer) {
                Some(target) => value = target,
                None => return value,
            },
            None => return value,
        }
    }
    value
}

/// Per-status schemas of an operation whose error bodies were unified
/// (`x-agentdial-typed-responses`: the `typed` schema is a `oneOf` of `{"statusNNN": schema}`).
fn typed_errors(raw: &Value, op: &Value) -> BTreeMap<u16, Value> {
    let mut out = BTreeMap::new();
    for entry in op.get("x-agentdial-typed-responses").and_then(Value::as_array).into_iter().flatten() {
        let Some(typed) =
            entry["typed"].as_str().and_then(|t| raw.pointer(&format!("/components/schemas/{t}")))
        else {
            continue;
        };
        for member in typed["oneOf"].as_array().into_iter().flatten() {
            for (key, schema) in member["properties"].as_object().into_iter().flatten() {
                if let Some(status) = key.strip_prefix("status").and_then(|s| s.parse::<u16>().ok()) {
                    out.insert(status, schema.clone());
                }
            }
        }
    }
    out
}

/// Rewrites OpenAPI 3.0 schema keywords into JSON Schema 2020-12 in place: `nullable`, boolean
/// `exclusiveMinimum`/`exclusiveMaximum`; `components` is the `components.schemas` map (keys are
/// names, not keywords).
pub(crate) fn to_json_schema(value: &mut Value, names: bool) {
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            items.iter_mut().for_each(|v| to_json_schema(v, false));
        }
        return;
    };
    if names {
        map.values_mut().for_each(|v| to_json_schema(v, false));
        return;
    }
    for (key, child) in map.iter_mut() {
        match key.as_str() {
            "example" | "examples" | "default" | "enum" | "const" => {}
            "properties" | "patternProperties" | "$defs" | "definitions" => to_json_schema(child, true),
            _ => to_json_schema(child, false),
        }
    }
    for (flag, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if map.get(flag).and_then(Value::as_bool) == Some(true) {
            if let Some(b) = map.remove(bound) {
                map.insert(flag.to_owned(), b);
            }
        } else if map.get(flag).is_some_and(Value::is_boolean) {
            map.remove(flag);
        }
    }
    map.remove("example");
    map.remove("discriminator");
    if map.remove("nullable").and_then(|v| v.as_bool()) == Some(true) {
        if let Some(Value::Array(values)) = map.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
        match map.get("type").cloned() {
            Some(Value::String(t)) => {
                map.insert("type".into(), json!([t, "null"]));
            }
            Some(Value::Array(mut types)) => {
                if !types.contains(&json!("null")) {
                    types.push(json!("null"));
                }
                map.insert("type".into(), Value::Array(types));
            }
            _ => {
                let inner = std::mem::take(map);
                map.insert("anyOf".into(), json!([{"type": "null"}, Value::Object(inner)]));
            }
        }
    }
}

struct Sampler<'a> {
    doc: &'a Value,
    message: Option<&'a str>,
    depth: usize,
}

impl Sampler<'_> {
    fn sample(&mut self, schema: &Value, name: Option<&str>) -> Value {
        self.depth += 1;
        let value = self.sample_inner(schema, name);
        self.depth -= 1;
        value
    }

    fn sample_inner(&mut self, schema: &Value, name: Option<&str>) -> Value {
        if self.depth > 24 {
            return Value::Null;
        }
        if let Some(r) = schema.get("$ref") {
            let target = r.as_str().and_then(|r| r.strip_prefix('#')).and_then(|p| self.doc.pointer(p));
            return match target {
                Some(t) => self.sample(t, name),
                None => Value::Null,
            };
        }
        if let Some(c) = schema.get("const") {
            return c.clone();
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            return values.iter().find(|v| !v.is_null()).cloned().unwrap_or(Value::Null);
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            let mut other = None;
            for member in all {
                match self.sample(member, name) {
                    Value::Object(m) => merged.extend(m),
                    v => other = Some(v),
                }
            }
            if let Some(Value::Object(own)) =
                (schema.get("properties").is_some()).then(|| self.object(schema))
            {
                merged.extend(own);
            }
            return if merged.is_empty() {
                other.unwrap_or(Value::Object(merged))
            } else {
                Value::Object(merged)
            };
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = schema
                .get(key)
                .and_then(Value::as_array)
                .and_then(|m| m.iter().find(|m| m.get("type") != Some(&json!("null"))))
            {
                return self.sample(first, name);
            }
        }
        let ty = schema.get("type").and_then(|t| match t {
            Value::String(s) => Some(s.as_str()),
            Value::Array(a) => a.iter().filter_map(Value::as_str).find(|s| *s != "null"),
            _ => None,
        });
        let example = schema.get("example").filter(|e| !e.is_null());
        match ty {
            Some("object") => self.object(schema),
            None if schema.get("properties").is_some() => self.object(schema),
            Some("array") => {
                let n = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
                let items = schema.get("items").cloned().unwrap_or(json!({}));
                Value::Array((0..n).map(|_| self.sample(&items, None)).collect())
            }
            Some("string") => {
                let format = schema.get("format").and_then(Value::as_str);
                if let (Some(message), Some(n)) = (self.message, name)
                    && ["message", "error", "detail", "description", "msg"].contains(&n)
                    && format.is_none()
                {
                    return json!(message);
                }
                match format {
                    Some("date-time") => json!("2025-01-01T00:00:00Z"),
                    Some("date") => json!("2025-01-01"),
                    Some("uuid") => json!("00000000-0000-4000-8000-000000000000"),
                    Some("email") => json!("user@example.com"),
                    Some("uri" | "url") => json!("https://example.com/"),
                    Some("binary" | "byte") => json!(""),
                    _ => match example.filter(|e| e.is_string()) {
                        Some(e) => e.clone(),
                        None => {
                            let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(1) as usize;
                            json!("x".repeat(min.max(1)))
                        }
                    },
                }
            }
            Some("integer") | Some("number") => {
                if let Some(e) = example.filter(|e| e.is_number()) {
                    return e.clone();
                }
                let min = schema.get("minimum").and_then(Value::as_f64).unwrap_or(0.0).max(0.0);
                let min = if schema.get("exclusiveMinimum").is_some_and(|v| v == &json!(true)) {
                    min + 1.0
                } else {
                    min
                };
                if ty == Some("integer") { json!(min as i64) } else { json!(min) }
            }
            Some("boolean") => example.filter(|e| e.is_boolean()).cloned().unwrap_or(json!(true)),
            _ => example.cloned().unwrap_or(json!({})),
        }
    }

    fn object(&mut self, schema: &Value) -> Value {
        let mut out = Map::new();
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                if required.contains(&name.as_str()) {
                    let v = self.sample(prop, Some(name));
                    out.insert(name.clone(), v);
                }
            }
        }
        Value::Object(out)
    }
}
