//! Request and response bodies that are not plain JSON.
//!
//! progenitor 0.15.1 generates request bodies only for `application/json`,
//! `application/x-www-form-urlencoded`, `application/octet-stream` (binary schema) and
//! `text/plain` (plain string schema), with exactly one media type per body; anything else fails
//! the whole document (`unexpected content type: multipart/form-data`, `more media types than
//! expected`), and a JSON response without a schema panics (`media type encoding, no schema`).
//!
//! The transformations here give every such body the closest shape progenitor can generate and
//! record, in the operation extension [`REQUEST_BODY_EXTENSION`], how the generated `send()` must
//! really encode it; the generation pass `request_bodies::encode_request_bodies` applies that.

use crate::report::Report;
use crate::visit::{for_each_operation, join};
use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Operation extension telling the generation pass how `send()` must encode the body.
pub const REQUEST_BODY_EXTENSION: &str = "x-agentdial-request-body";

/// What [`REQUEST_BODY_EXTENSION`] holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestBodyEncoding {
    pub encoding: BodyEncoding,
    /// The `Content-Type` to send instead of the one progenitor's encoding sets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// multipart: `encoding.<field>.contentType` of the document.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub part_content_types: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyEncoding {
    /// The generated struct is sent as `multipart/form-data` (`agentdial_core::multipart::to_form`).
    Multipart,
    /// `application/x-www-form-urlencoded` with arrays as repeated keys (`agentdial_core::form`).
    Form,
    /// Bytes, sent with `content_type`.
    Raw,
    /// JSON, sent with `content_type` (a `+json` media type).
    Json,
}

/// The path (in the crate that generated code names it by) of the type a file field becomes.
pub const FILE_PART_TYPE: &str = "agentdial_core::multipart::FilePart";
/// The crate holding [`FILE_PART_TYPE`], as the generator settings must allow it.
pub const FILE_PART_CRATE: &str = "agentdial-core";

fn file_part_schema() -> Value {
    json!({ "x-rust-type": { "crate": FILE_PART_CRATE, "version": "*", "path": FILE_PART_TYPE } })
}

/// The media type without parameters, lowercased: `Application/JSON; charset=utf-8` → `application/json`.
pub fn essence(media_type: &str) -> String {
    media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

fn is_json(media_type: &str) -> bool {
    let e = essence(media_type);
    e == "application/json" || e.ends_with("+json")
}

/// Exactly what progenitor types as JSON.
fn is_plain_json(media_type: &str) -> bool {
    media_type == "application/json" || media_type.starts_with("application/json;")
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    let mut value = value;
    for _ in 0..32 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| doc.pointer(p))
        {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

/// `type: string, format: binary`, also through `$ref` and a one-member `allOf`.
fn is_binary(doc: &Value, schema: &Value) -> bool {
    let schema = resolve(doc, schema);
    if let Some([only]) = schema.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        return is_binary(doc, only);
    }
    schema.get("type").and_then(Value::as_str) == Some("string")
        && schema.get("format").and_then(Value::as_str) == Some("binary")
}

/// The schemas progenitor accepts as a raw body: a plain binary string for octet-stream, a plain
/// string for text (no constraint keywords, not nullable, no default).
fn progenitor_raw_schema(doc: &Value, schema: &Value, format: Option<&str>) -> bool {
    let schema = resolve(doc, schema);
    let constrained = ["pattern", "enum", "minLength", "maxLength", "default", "discriminator"]
        .iter()
        .any(|k| schema.get(*k).is_some())
        || schema.get("nullable").and_then(Value::as_bool) == Some(true);
    schema.get("type").and_then(Value::as_str) == Some("string")
        && schema.get("format").and_then(Value::as_str) == format
        && !constrained
}

/// A content type that `HeaderValue::from_static` accepts and that names one concrete type.
fn concrete_header_value(media_type: &str) -> Option<String> {
    let valid =
        !media_type.is_empty() && media_type.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b));
    (valid && !essence(media_type).contains('*')).then(|| media_type.to_owned())
}

/// The operation's request body, with a `$ref` to `components.requestBodies` resolved and
/// inlined (so that the rewrite is the operation's own). `None` without a body.
fn inline_request_body(doc: &Value, op: &mut Map<String, Value>) -> Option<()> {
    let body = op.get("requestBody")?;
    if body.get("$ref").is_some() {
        let resolved = resolve(doc, body).clone();
        op.insert("requestBody".into(), resolved);
    }
    Some(())
}

fn set_extension(op: &mut Map<String, Value>, encoding: RequestBodyEncoding) -> Result<()> {
    op.insert(REQUEST_BODY_EXTENSION.into(), serde_json::to_value(encoding)?);
    Ok(())
}

fn listing(types: &[String]) -> String {
    const SHOWN: usize = 4;
    let shown: Vec<String> = types.iter().take(SHOWN).map(|t| format!("`{t}`")).collect();
    match types.len().saturating_sub(SHOWN) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// Several media types for one request body (JSON and form, or a file upload in 48 formats).
///
/// progenitor accepts one (`more media types than expected`). The first JSON media type whose schema
/// is not a binary string is kept; else form-urlencoded; else multipart; when every media type is
/// raw content, the body becomes bytes (`application/octet-stream`), and a documented
/// `Content-Type` header parameter says which type the caller sends.
pub fn choose_request_media_type(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    for_each_operation(doc, &mut |ptr, _, _, op| {
        let Some(content) = op
            .get("requestBody")
            .map(|b| resolve(&snapshot, b))
            .and_then(|b| b.get("content"))
            .and_then(Value::as_object)
        else {
            return Ok(());
        };
        if content.len() <= 1 {
            return Ok(());
        }
        let types: Vec<String> = content.keys().cloned().collect();
        let schema_of = |t: &str| content[t].get("schema").cloned().unwrap_or(Value::Null);
        let pick = |wanted: &dyn Fn(&str) -> bool| types.iter().find(|t| wanted(t)).cloned();
        let structured_json = pick(&|t| is_json(t) && !is_binary(&snapshot, &schema_of(t)));
        let (chosen, media, why) = if let Some(t) = structured_json {
            let media = content[&t].clone();
            (t, media, "JSON is preferred")
        } else if let Some(t) = pick(&|t| essence(t) == "application/x-www-form-urlencoded") {
            let media = content[&t].clone();
            (t, media, "no structured JSON; form fields are next")
        } else if let Some(t) = pick(&|t| essence(t) == "multipart/form-data") {
            let media = content[&t].clone();
            (t, media, "no structured JSON or form; multipart is next")
        } else {
            (
                "application/octet-stream".to_owned(),
                json!({ "schema": { "type": "string", "format": "binary" } }),
                "every media type is raw content: the body is bytes",
            )
        };
        inline_request_body(&snapshot, op);
        if let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut) {
            body.insert("content".into(), json!({ chosen.clone(): media }));
        }
        report.record(
            "choose_request_media_type",
            join(&join(ptr, "requestBody"), "content"),
            format!(
                "{} media types ({}): `{chosen}` generated ({why}); the others are not",
                types.len(),
                listing(&types)
            ),
        );
        Ok(())
    })
}

/// Counts the `$ref`s to each component schema in the whole document.
fn schema_ref_counts(doc: &Value) -> BTreeMap<String, usize> {
    fn walk(v: &Value, out: &mut BTreeMap<String, usize>) {
        match v {
            Value::Object(m) => {
                if let Some(name) = m
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    *out.entry(name.to_owned()).or_default() += 1;
                }
                m.values().for_each(|c| walk(c, out));
            }
            Value::Array(items) => items.iter().for_each(|c| walk(c, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk(doc, &mut out);
    out
}

/// Rewrites the file fields of one multipart object schema (its `properties`, and those of inline
/// `allOf` members) to [`FILE_PART_TYPE`]. Returns the names of the file fields.
fn rewrite_file_fields(doc: &Value, schema: &mut Value, notes: &mut Vec<String>) -> Vec<String> {
    let mut files = Vec::new();
    let Some(obj) = schema.as_object_mut() else { return files };
    if let Some(members) = obj.get_mut("allOf").and_then(Value::as_array_mut) {
        for member in members.iter_mut().filter(|m| m.get("$ref").is_none()) {
            files.extend(rewrite_file_fields(doc, member, notes));
        }
    }
    let mut unrequired = Vec::new();
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, prop) in props.iter_mut() {
            let resolved = resolve(doc, prop).clone();
            let description = resolved.get("description").cloned();
            let mut replacement = if is_binary(doc, &resolved) {
                if resolved.get("nullable").and_then(Value::as_bool) == Some(true) {
                    unrequired.push(name.clone());
                }
                file_part_schema()
            } else if resolved.get("type").and_then(Value::as_str) == Some("array")
                && resolved.get("items").is_some_and(|items| is_binary(doc, items))
            {
                let mut array = resolved.clone();
                array["items"] = file_part_schema();
                array.as_object_mut().map(|a| a.remove("description"));
                array
            } else {
                continue;
            };
            if let Some(d) = description {
                replacement["description"] = d;
            }
            *prop = replacement;
            files.push(name.clone());
        }
    }
    // A part is either sent or not: a nullable file field is an optional one.
    if let Some(required) = obj.get_mut("required").and_then(Value::as_array_mut) {
        let before = required.len();
        required.retain(|r| !r.as_str().is_some_and(|r| unrequired.iter().any(|u| u == r)));
        if required.len() != before {
            notes.push("nullable file fields made optional (a part is sent or not)".into());
        }
    }
    files
}

fn is_object_schema(doc: &Value, schema: &Value) -> bool {
    let s = resolve(doc, schema);
    s.get("properties").is_some()
        || s.get("allOf").is_some()
        || s.get("type").and_then(Value::as_str) == Some("object")
}

/// `multipart/form-data` request bodies (file uploads).
///
/// progenitor refuses them (`unexpected content type: multipart/form-data`; form-data PRs #418 and
/// #1278 are unmerged). The body's schema is generated as a struct like a JSON body, with every
/// `type: string, format: binary` field (and array of them) typed
/// `agentdial_core::multipart::FilePart` (bytes, file name, content type) through typify's
/// `x-rust-type`; the generated `send()` builds a `multipart/form-data` form from it. A component
/// schema used only by multipart bodies is rewritten in place; one also used elsewhere is copied
/// into the operation. A body without an object schema becomes a free-form map of fields.
pub fn multipart_request_bodies(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    let refs = schema_ref_counts(&snapshot);
    // Component schemas used as multipart bodies, and how often.
    let mut multipart_uses: BTreeMap<String, usize> = BTreeMap::new();
    for_each_operation(&mut doc.clone(), &mut |_, _, _, op| {
        let body = op.get("requestBody").map(|b| resolve(&snapshot, b));
        let schema = body.and_then(|b| b.get("content")).and_then(Value::as_object).and_then(|c| {
            c.iter().find(|(t, _)| essence(t) == "multipart/form-data").and_then(|(_, m)| m.get("schema"))
        });
        if let Some(name) = schema
            .and_then(|s| s.get("$ref"))
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            *multipart_uses.entry(name.to_owned()).or_default() += 1;
        }
        Ok(())
    })?;
    let in_place: BTreeSet<String> = multipart_uses
        .iter()
        .filter(|(name, uses)| refs.get(*name) == Some(uses))
        .map(|(n, _)| n.clone())
        .collect();
    let mut rewritten_components: BTreeMap<String, (Value, Vec<String>)> = BTreeMap::new();

    for_each_operation(doc, &mut |ptr, _, _, op| {
        let Some((media_type, media)) = single_media_type_resolved(&snapshot, op) else { return Ok(()) };
        if essence(&media_type) != "multipart/form-data" {
            return Ok(());
        }
        inline_request_body(&snapshot, op);
        let at = join(&join(&join(ptr, "requestBody"), "content"), &media_type);
        let mut notes = Vec::new();
        let part_content_types: BTreeMap<String, String> = media
            .get("encoding")
            .and_then(Value::as_object)
            .map(|e| {
                e.iter()
                    .filter_map(|(field, enc)| {
                        let ct = enc.get("contentType").and_then(Value::as_str)?.split(',').next()?.trim();
                        concrete_header_value(ct).map(|ct| (field.clone(), ct))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if media.get("encoding").and_then(Value::as_object).is_some_and(|e| {
            e.values().any(|v| v.as_object().is_some_and(|o| o.keys().any(|k| k != "contentType")))
        }) {
            notes.push("`encoding` headers/style/explode are not applied".into());
        }
        let schema = media.get("schema").cloned().unwrap_or(Value::Null);
        let component = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_owned);
        let (new_schema, files) = match component {
            Some(name) if in_place.contains(&name) => {
                let files = match rewritten_components.get(&name) {
                    Some((_, files)) => files.clone(),
                    None => {
                        let mut target = resolve(&snapshot, &schema).clone();
                        let files = rewrite_file_fields(&snapshot, &mut target, &mut notes);
                        rewritten_components.insert(name.clone(), (target, files.clone()));
                        files
                    }
                };
                notes.push(format!("component `{name}` rewritten in place (used only by multipart bodies)"));
                (schema.clone(), files)
            }
            _ if is_object_schema(&snapshot, &schema) => {
                let mut copy = resolve(&snapshot, &schema).clone();
                if let Some(name) = &component {
                    notes.push(format!(
                        "component `{name}` is also used elsewhere: copied into the operation"
                    ));
                }
                let files = rewrite_file_fields(&snapshot, &mut copy, &mut notes);
                (copy, files)
            }
            _ => {
                notes.push("no object schema: a free-form map of fields (text or JSON parts)".into());
                (
                    json!({ "type": "object", "description": schema.get("description").cloned().unwrap_or(Value::Null) }),
                    Vec::new(),
                )
            }
        };
        let mut new_schema = new_schema;
        if new_schema.get("description").is_some_and(Value::is_null) {
            new_schema.as_object_mut().map(|o| o.remove("description"));
        }
        if let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut) {
            body.insert("content".into(), json!({ "application/json": { "schema": new_schema } }));
        }
        set_extension(
            op,
            RequestBodyEncoding { encoding: BodyEncoding::Multipart, content_type: None, part_content_types },
        )?;
        let files = if files.is_empty() {
            "no file fields".to_owned()
        } else {
            format!("file fields {} → `FilePart`", listing(&files))
        };
        let notes = if notes.is_empty() { String::new() } else { format!("; {}", notes.join("; ")) };
        report.record(
            "multipart_request_bodies",
            at,
            format!("`multipart/form-data` body → a generated struct that `send()` sends as a multipart form (`agentdial_core::multipart::to_form`); {files}{notes}"),
        );
        Ok(())
    })?;
    for (name, (schema, _)) in rewritten_components {
        if let Some(slot) = doc.pointer_mut(&format!("/components/schemas/{}", crate::visit::escape(&name))) {
            *slot = schema;
        }
    }
    Ok(())
}

fn single_media_type_resolved(doc: &Value, op: &Map<String, Value>) -> Option<(String, Value)> {
    let body = resolve(doc, op.get("requestBody")?);
    let content = body.get("content")?.as_object()?;
    match content.len() {
        1 => content.iter().next().map(|(k, v)| (k.clone(), v.clone())),
        _ => None,
    }
}

/// `application/x-www-form-urlencoded` request bodies.
///
/// progenitor generates them, but encodes with `serde_urlencoded`, which fails on every array field
/// ("failed to serialize body") where OpenAPI's form style repeats the key
/// (`Event=initiated&Event=ringing`). The generated `send()` encodes with `agentdial_core::form`
/// instead. An `encoding` object (which progenitor cannot take: `todo!`) is removed; a body without
/// a schema becomes a free-form map.
pub fn form_request_bodies(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    for_each_operation(doc, &mut |ptr, _, _, op| {
        let Some((media_type, media)) = single_media_type_resolved(&snapshot, op) else { return Ok(()) };
        if essence(&media_type) != "application/x-www-form-urlencoded" {
            return Ok(());
        }
        inline_request_body(&snapshot, op);
        let mut notes = Vec::new();
        let mut media = media;
        if media.as_object_mut().and_then(|m| m.remove("encoding")).is_some() {
            notes.push(
                "its `encoding` object removed (progenitor cannot take one; keys use the default form style)",
            );
        }
        if media.get("schema").is_none() {
            media["schema"] = json!({ "type": "object" });
            notes.push("no schema: a free-form map");
        }
        if let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut) {
            body.insert("content".into(), json!({ media_type.clone(): media }));
        }
        set_extension(
            op,
            RequestBodyEncoding {
                encoding: BodyEncoding::Form,
                content_type: None,
                part_content_types: BTreeMap::new(),
            },
        )?;
        let notes = if notes.is_empty() { String::new() } else { format!("; {}", notes.join("; ")) };
        report.record(
            "form_request_bodies",
            join(&join(&join(ptr, "requestBody"), "content"), &media_type),
            format!("form body encoded by `agentdial_core::form` (arrays as repeated keys; progenitor's encoder refuses arrays){notes}"),
        );
        Ok(())
    })
}

/// Every other request media type: `+json` types, bodies without a schema, and raw content
/// (`audio/wav`, `application/xml`, `text/csv`, an octet stream or text whose schema progenitor
/// does not take).
///
/// progenitor refuses the document (`unexpected content type`, `No schema specified for request
/// body`, `invalid schema for application/octet-stream`). A `+json` body is generated as JSON and
/// sent with its own `Content-Type`; a JSON body without a schema takes any JSON value; raw content
/// becomes bytes (`body(impl Into<reqwest::Body>)`) sent with the documented `Content-Type` (for a
/// wildcard such as `audio/*`, `application/octet-stream` unless a header parameter sets it).
pub fn other_request_media_types(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    for_each_operation(doc, &mut |ptr, _, _, op| {
        if op.contains_key(REQUEST_BODY_EXTENSION) {
            return Ok(());
        }
        let Some((media_type, media)) = single_media_type_resolved(&snapshot, op) else { return Ok(()) };
        let e = essence(&media_type);
        let schema = media.get("schema");
        let at = join(&join(&join(ptr, "requestBody"), "content"), &media_type);
        let (new_type, new_media, encoding, change) = if is_plain_json(&media_type)
            || e == "application/x-www-form-urlencoded"
            || e == "multipart/form-data"
        {
            if schema.is_some() || e != "application/json" {
                return Ok(());
            }
            let mut m = media.clone();
            m["schema"] = json!({});
            (media_type.clone(), m, None, "no schema: the body is any JSON value".to_owned())
        } else if is_json(&media_type) {
            let mut m = media.clone();
            if m.get("schema").is_none() {
                m["schema"] = json!({});
            }
            let Some(ct) = concrete_header_value(&media_type) else { return Ok(()) };
            (
                "application/json".to_owned(),
                m,
                Some(RequestBodyEncoding {
                    encoding: BodyEncoding::Json,
                    content_type: Some(ct.clone()),
                    part_content_types: BTreeMap::new(),
                }),
                format!("generated as JSON, sent with `Content-Type: {ct}`"),
            )
        } else {
            let native = match (e.as_str(), schema) {
                ("application/octet-stream", Some(s)) => progenitor_raw_schema(&snapshot, s, Some("binary")),
                ("text/plain" | "text/x-markdown", Some(s)) => progenitor_raw_schema(&snapshot, s, None),
                _ => false,
            };
            if native {
                return Ok(());
            }
            let ct = concrete_header_value(&media_type).filter(|_| e != "application/octet-stream");
            let change = match &ct {
                Some(ct) => format!("raw content: the body is bytes, sent with `Content-Type: {ct}`"),
                None => "raw content: the body is bytes, sent as `application/octet-stream` (or as a `Content-Type` header parameter says)".to_owned(),
            };
            (
                "application/octet-stream".to_owned(),
                json!({ "schema": { "type": "string", "format": "binary" } }),
                Some(RequestBodyEncoding {
                    encoding: BodyEncoding::Raw,
                    content_type: ct,
                    part_content_types: BTreeMap::new(),
                }),
                change,
            )
        };
        inline_request_body(&snapshot, op);
        if let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut) {
            body.insert("content".into(), json!({ new_type: new_media }));
        }
        if let Some(encoding) = encoding {
            set_extension(op, encoding)?;
        }
        report.record("other_request_media_types", at, change);
        Ok(())
    })
}

/// A JSON response media type without a schema (ElevenLabs documents error bodies by example only).
///
/// progenitor panics (`media type encoding, no schema`). The body is typed as any JSON value
/// (`serde_json::Value`), which is what the document says.
pub fn untyped_json_responses(doc: &mut Value, report: &mut Report) -> Result<()> {
    let fix = |ptr: &str, response: &mut Value, report: &mut Report| {
        let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else { return };
        for (media_type, media) in content.iter_mut() {
            if is_plain_json(media_type) && media.is_object() && media.get("schema").is_none() {
                media["schema"] = json!({});
                report.record(
                    "untyped_json_responses",
                    join(&join(ptr, "content"), media_type),
                    "JSON response without a schema: typed as any JSON value",
                );
            }
        }
    };
    if let Some(responses) = doc.pointer_mut("/components/responses").and_then(Value::as_object_mut) {
        for (name, response) in responses.iter_mut() {
            fix(&join("/components/responses", name), response, report);
        }
    }
    for_each_operation(doc, &mut |ptr, _, _, op| {
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for (status, response) in responses.iter_mut() {
                fix(&join(&join(ptr, "responses"), status), response, report);
            }
        }
        Ok(())
    })
}

/// Extension on an operation whose success response is documented only as a `+json` media type:
/// that media type, which the request's `Accept` header asks for (`accept_documented_json`).
pub const ACCEPT_EXTENSION: &str = "x-agentdial-accept";

/// A response documented only as a `+json` media type (`application/problem+json`,
/// `application/vnd.api+json`).
///
/// progenitor types only `application/json` responses; any other media type is handed back as
/// bytes, so a typed error body (RFC 9457 problem details) or a JSON:API document was not decoded.
/// Such a response's `+json` content is typed as JSON (its key becomes `application/json`, reported);
/// when it is a success response the operation records the documented media type, and the request
/// asks for it in `Accept` instead of progenitor's `application/json`, which a strict server would
/// refuse.
pub fn json_suffix_responses(doc: &mut Value, report: &mut Report) -> Result<()> {
    fn suffixed(response: &Value) -> Option<String> {
        let content = response.get("content")?.as_object()?;
        if content.keys().any(|k| is_plain_json(k)) {
            return None;
        }
        content.iter().find(|(k, m)| is_json(k) && m.get("schema").is_some()).map(|(k, _)| k.clone())
    }
    fn rekey(ptr: &str, response: &mut Value, report: &mut Report) {
        let Some(key) = suffixed(response) else { return };
        let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else { return };
        let rebuilt: serde_json::Map<String, Value> = std::mem::take(content)
            .into_iter()
            .map(|(k, v)| if k == key { ("application/json".to_owned(), v) } else { (k, v) })
            .collect();
        *content = rebuilt;
        report.record(
            "json_suffix_responses",
            join(&join(ptr, "content"), &key),
            format!("`{key}` is JSON: decoded as the documented schema"),
        );
    }
    let snapshot = doc.clone();
    if let Some(responses) = doc.pointer_mut("/components/responses").and_then(Value::as_object_mut) {
        for (name, response) in responses.iter_mut() {
            rekey(&join("/components/responses", name), response, report);
        }
    }
    for_each_operation(doc, &mut |ptr, _, _, op| {
        let mut accept = None;
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for (status, response) in responses.iter_mut() {
                let success = status.starts_with('2');
                if success && accept.is_none() {
                    accept = suffixed(resolve(&snapshot, response)).map(|k| essence(&k));
                }
                rekey(&join(&join(ptr, "responses"), status), response, report);
            }
        }
        if let Some(media_type) = accept {
            op.insert(ACCEPT_EXTENSION.into(), Value::String(media_type));
        }
        Ok(())
    })
}

/// The encodings recorded by the transformations above: `(METHOD, path, encoding)` per operation.
pub fn recorded_encodings(doc: &Value) -> Result<Vec<(String, String, RequestBodyEncoding)>> {
    let mut out = Vec::new();
    for_each_operation(&mut doc.clone(), &mut |_, path, method, op| {
        if let Some(ext) = op.get(REQUEST_BODY_EXTENSION) {
            out.push((method.to_ascii_uppercase(), path.to_owned(), serde_json::from_value(ext.clone())?));
        }
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;

    #[test]
    fn json_suffix_responses_are_json_and_a_suffixed_success_is_asked_for() {
        let (doc, report) = run(
            json_suffix_responses,
            "openapi: 3.0.3\npaths:\n  /docs:\n    get:\n      responses:\n        '200': {description: ok, content: {application/vnd.api+json: {schema: {type: object}}}}\n        '404': {$ref: '#/components/responses/Problem'}\n  /calls:\n    post:\n      responses:\n        '201': {description: ok, content: {application/json: {schema: {type: object}}, application/hal+json: {schema: {type: object}}}}\n        '400': {description: bad, content: {application/problem+json: {schema: {type: object}}}}\ncomponents:\n  responses:\n    Problem: {description: p, content: {application/problem+json: {schema: {type: object}}}}\n",
        );
        let docs = &doc["paths"]["/docs"]["get"];
        assert_eq!(
            docs["responses"]["200"]["content"],
            json!({"application/json": {"schema": {"type": "object"}}})
        );
        assert_eq!(docs[ACCEPT_EXTENSION], "application/vnd.api+json");
        let calls = &doc["paths"]["/calls"]["post"];
        assert!(calls.get(ACCEPT_EXTENSION).is_none(), "its success is plain JSON already");
        assert!(
            calls["responses"]["201"]["content"].get("application/hal+json").is_some(),
            "a plain JSON key is there: untouched"
        );
        assert!(calls["responses"]["400"]["content"].get("application/json").is_some());
        assert!(doc["components"]["responses"]["Problem"]["content"].get("application/json").is_some());
        assert_eq!(report.entries.len(), 3);
    }

    fn run(f: fn(&mut Value, &mut Report) -> Result<()>, text: &str) -> (Value, Report) {
        let mut doc = yaml(text);
        let mut report = Report::default();
        f(&mut doc, &mut report).unwrap();
        (doc, report)
    }

    fn extension(op: &Value) -> RequestBodyEncoding {
        serde_json::from_value(op[REQUEST_BODY_EXTENSION].clone()).unwrap()
    }

    const UPLOAD: &str = r#"
openapi: 3.0.3
paths:
  /voices/{id}/clone:
    post:
      operationId: cloneVoice
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              required: [clip, name, backup]
              properties:
                clip: {type: string, format: binary, description: The sample.}
                backup: {type: string, format: binary, nullable: true}
                samples: {type: array, items: {$ref: '#/components/schemas/Binary'}, maxItems: 3}
                name: {type: string}
                labels: {type: object, additionalProperties: {type: string}}
            encoding:
              clip: {contentType: 'audio/wav, audio/mpeg'}
              name: {style: form}
      responses: {'200': {description: ok}}
  /shared:
    post:
      operationId: shared
      requestBody: {$ref: '#/components/requestBodies/Shared'}
      responses: {'200': {description: ok}}
  /json:
    post:
      operationId: json
      requestBody:
        content:
          application/json: {schema: {$ref: '#/components/schemas/Shared'}}
      responses: {'200': {description: ok}}
components:
  requestBodies:
    Shared:
      content:
        multipart/form-data: {schema: {$ref: '#/components/schemas/Shared'}}
  schemas:
    Binary: {type: string, format: binary}
    Shared:
      type: object
      properties:
        file: {type: string, format: binary}
"#;

    #[test]
    fn multipart_bodies_become_structs_with_file_parts() {
        let (doc, report) = run(multipart_request_bodies, UPLOAD);
        let op = &doc["paths"]["/voices/{id}/clone"]["post"];
        let schema = &op["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(
            op["requestBody"]["content"].as_object().unwrap().len(),
            1,
            "multipart replaced by the JSON shape"
        );
        assert_eq!(
            schema["properties"]["clip"],
            json!({"x-rust-type": {"crate": "agentdial-core", "version": "*", "path": FILE_PART_TYPE}, "description": "The sample."})
        );
        assert_eq!(schema["properties"]["samples"]["items"]["x-rust-type"]["path"], FILE_PART_TYPE);
        assert_eq!(schema["properties"]["samples"]["maxItems"], 3);
        assert_eq!(schema["properties"]["name"], json!({"type": "string"}));
        assert_eq!(schema["properties"]["backup"]["x-rust-type"]["path"], FILE_PART_TYPE);
        assert_eq!(schema["required"], json!(["clip", "name"]), "the nullable file is optional");
        let ext = extension(op);
        assert_eq!(ext.encoding, BodyEncoding::Multipart);
        assert_eq!(ext.part_content_types, BTreeMap::from([("clip".to_owned(), "audio/wav".to_owned())]));
        let entry = &report.entries[0];
        assert_eq!(
            entry.pointer,
            "/paths/~1voices~1{id}~1clone/post/requestBody/content/multipart~1form-data"
        );
        assert!(entry.change.contains("`clip`, `backup`, `samples` → `FilePart`"), "{}", entry.change);
        assert!(entry.change.contains("not applied"), "the ignored `style` is reported: {}", entry.change);

        // The component is also a JSON body: the multipart operation gets its own copy.
        let shared = &doc["paths"]["/shared"]["post"];
        assert_eq!(
            shared["requestBody"]["content"]["application/json"]["schema"]["properties"]["file"]["x-rust-type"]
                ["path"],
            FILE_PART_TYPE
        );
        assert_eq!(
            doc["components"]["schemas"]["Shared"]["properties"]["file"],
            json!({"type": "string", "format": "binary"})
        );
        assert!(report.entries[1].change.contains("copied into the operation"));
    }

    #[test]
    fn a_component_used_only_by_multipart_bodies_is_rewritten_in_place() {
        let text = UPLOAD.replace(
            "application/json: {schema: {$ref: '#/components/schemas/Shared'}}",
            "application/json: {schema: {type: object}}",
        );
        let (doc, report) = run(multipart_request_bodies, &text);
        assert_eq!(
            doc["paths"]["/shared"]["post"]["requestBody"]["content"]["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/Shared"})
        );
        assert_eq!(
            doc["components"]["schemas"]["Shared"]["properties"]["file"]["x-rust-type"]["path"],
            FILE_PART_TYPE
        );
        assert!(report.entries[1].change.contains("rewritten in place"));
    }

    #[test]
    fn a_multipart_body_without_an_object_schema_is_a_free_form_map() {
        let (doc, _) = run(
            multipart_request_bodies,
            "openapi: 3.0.3\npaths:\n  /a:\n    post:\n      requestBody: {content: {multipart/form-data: {}}}\n      responses: {'200': {description: ok}}\n",
        );
        assert_eq!(
            doc["paths"]["/a"]["post"]["requestBody"]["content"],
            json!({"application/json": {"schema": {"type": "object"}}})
        );
    }

    #[test]
    fn several_media_types_prefer_json_then_form_then_multipart_then_bytes() {
        let doc = |types: &str| {
            format!(
                "openapi: 3.0.3\npaths:\n  /a:\n    put:\n      parameters: [{{name: Content-Type, in: header, schema: {{type: string}}}}]\n      requestBody:\n        content:\n{types}      responses: {{'200': {{description: ok}}}}\n"
            )
        };
        let content = |d: &Value| d["paths"]["/a"]["put"]["requestBody"]["content"].clone();
        let (d, r) = run(
            choose_request_media_type,
            &doc(
                "          application/xml: {schema: {type: object}}\n          application/x-www-form-urlencoded: {schema: {type: object}}\n          application/json: {schema: {type: object}}\n",
            ),
        );
        assert_eq!(content(&d), json!({"application/json": {"schema": {"type": "object"}}}));
        assert_eq!(
            r.entries[0].change,
            "3 media types (`application/xml`, `application/x-www-form-urlencoded`, `application/json`): `application/json` generated (JSON is preferred); the others are not"
        );
        let (d, _) = run(
            choose_request_media_type,
            &doc(
                "          multipart/form-data: {schema: {type: object}}\n          application/x-www-form-urlencoded: {schema: {type: object}}\n",
            ),
        );
        assert!(content(&d).get("application/x-www-form-urlencoded").is_some());
        // JSON whose schema is a binary string is raw content like the rest.
        let binary = "{schema: {type: string, format: binary}}";
        let (d, r) = run(
            choose_request_media_type,
            &doc(&format!(
                "          application/json: {binary}\n          audio/wav: {binary}\n          image/png: {binary}\n          text/csv: {binary}\n          video/mp4: {binary}\n"
            )),
        );
        assert_eq!(
            content(&d),
            json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}})
        );
        assert!(r.entries[0].change.contains("`text/csv` and 1 more"), "{}", r.entries[0].change);
        let (d, r) =
            run(choose_request_media_type, &doc("          application/json: {schema: {type: object}}\n"));
        assert_eq!(content(&d), json!({"application/json": {"schema": {"type": "object"}}}));
        assert!(r.entries.is_empty());
    }

    #[test]
    fn form_bodies_are_marked_and_lose_their_encoding_object() {
        let (doc, report) = run(
            form_request_bodies,
            "openapi: 3.0.3\npaths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/x-www-form-urlencoded:\n            schema: {type: object, properties: {To: {type: string}, Event: {type: array, items: {type: string}}}}\n            encoding: {Event: {explode: true}}\n      responses: {'200': {description: ok}}\n",
        );
        let op = &doc["paths"]["/a"]["post"];
        assert!(op["requestBody"]["content"]["application/x-www-form-urlencoded"].get("encoding").is_none());
        assert_eq!(extension(op).encoding, BodyEncoding::Form);
        assert!(report.entries[0].change.contains("`encoding` object removed"));
    }

    #[test]
    fn other_media_types_become_bytes_or_json() {
        let op = |media: &str| {
            format!(
                "openapi: 3.0.3\npaths:\n  /a:\n    post:\n      requestBody: {{content: {{{media}}}}}\n      responses: {{'200': {{description: ok}}}}\n"
            )
        };
        let body = |d: &Value| d["paths"]["/a"]["post"]["requestBody"]["content"].clone();
        let bytes = json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}});

        let (d, r) =
            run(other_request_media_types, &op("'audio/wav': {schema: {type: string, format: binary}}"));
        assert_eq!(body(&d), bytes);
        assert_eq!(
            extension(&d["paths"]["/a"]["post"]),
            RequestBodyEncoding {
                encoding: BodyEncoding::Raw,
                content_type: Some("audio/wav".into()),
                part_content_types: BTreeMap::new()
            }
        );
        assert_eq!(r.entries[0].pointer, "/paths/~1a/post/requestBody/content/audio~1wav");

        let (d, _) = run(other_request_media_types, &op("'audio/*': {}"));
        assert_eq!(body(&d), bytes);
        assert_eq!(
            extension(&d["paths"]["/a"]["post"]).content_type,
            None,
            "a wildcard is not a content type"
        );

        let (d, _) =
            run(other_request_media_types, &op("'text/plain': {schema: {type: string, pattern: '^a'}}"));
        assert_eq!(extension(&d["paths"]["/a"]["post"]).content_type.as_deref(), Some("text/plain"));

        let (d, _) =
            run(other_request_media_types, &op("'application/merge-patch+json': {schema: {type: object}}"));
        assert_eq!(body(&d), json!({"application/json": {"schema": {"type": "object"}}}));
        assert_eq!(extension(&d["paths"]["/a"]["post"]).encoding, BodyEncoding::Json);

        let (d, _) = run(other_request_media_types, &op("'application/json': {}"));
        assert_eq!(body(&d), json!({"application/json": {"schema": {}}}));
        assert!(d["paths"]["/a"]["post"].get(REQUEST_BODY_EXTENSION).is_none());

        // What progenitor takes as it is, stays.
        for native in [
            "'application/octet-stream': {schema: {type: string, format: binary}}",
            "'text/plain': {schema: {type: string}}",
            "'application/json': {schema: {type: object}}",
        ] {
            let (d, r) = run(other_request_media_types, &op(native));
            assert_eq!(d, yaml(&op(native)));
            assert!(r.entries.is_empty());
        }
    }

    #[test]
    fn json_responses_without_a_schema_take_any_value() {
        let (doc, report) = run(
            untyped_json_responses,
            "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok, content: {audio/mpeg: {}}}\n        '404': {description: nf, content: {application/json: {example: {error: x}}}}\n        '422': {$ref: '#/components/responses/E'}\ncomponents:\n  responses:\n    E: {description: e, content: {application/json: {}}}\n",
        );
        assert_eq!(
            doc["paths"]["/a"]["get"]["responses"]["404"]["content"]["application/json"],
            json!({"example": {"error": "x"}, "schema": {}})
        );
        assert_eq!(doc["components"]["responses"]["E"]["content"]["application/json"], json!({"schema": {}}));
        assert_eq!(
            doc["paths"]["/a"]["get"]["responses"]["200"]["content"]["audio/mpeg"],
            json!({}),
            "raw content stays a byte stream"
        );
        assert_eq!(report.entries.len(), 2);
    }
}
