use crate::report::Report;
use crate::visit::{for_each_operation, join};
use anyhow::{Result, bail};
use heck::ToUpperCamelCase;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// Operation extension in which `unify_response_bodies` records what it unified, read by the
/// generator to emit the per-status decoding (`typed()`).
pub const TYPED_RESPONSES_EXTENSION: &str = "x-agentdial-typed-responses";

/// One class (success or error) of an operation whose bodies were unified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedResponses {
    /// `success` or `error`.
    pub class: String,
    /// Component holding the raw JSON body (what progenitor's method returns).
    pub body: String,
    /// Component of the enum with one variant per documented status.
    pub typed: String,
    /// Status keys as documented: `"400"`, `"4XX"`, `"default"`.
    pub statuses: Vec<String>,
}

/// The JSON key (and so the enum variant) of a status in the typed enum.
pub fn variant_key(status: &str) -> String {
    if status == "default" { "default".into() } else { format!("status{status}") }
}

fn is_success(status: &str) -> bool {
    status.starts_with('2')
}
fn is_error(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5')
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    None,
    Raw,
    Json(Value),
}

fn resolve<'a>(doc: &'a Value, response: &'a Value) -> &'a Value {
    match response.get("$ref").and_then(Value::as_str) {
        Some(r) => r.strip_prefix('#').and_then(|p| doc.pointer(p)).unwrap_or(response),
        None => response,
    }
}

fn json_media(response: &Value) -> Option<&Value> {
    response
        .get("content")
        .and_then(Value::as_object)?
        .iter()
        .find(|(mt, _)| *mt == "application/json" || mt.starts_with("application/json;"))
        .map(|(_, media)| media)
}

fn kind(response: &Value) -> Kind {
    if let Some(media) = json_media(response) {
        return Kind::Json(media.get("schema").cloned().unwrap_or_else(|| json!({})));
    }
    if response.get("content").and_then(Value::as_object).is_some_and(|c| !c.is_empty()) {
        Kind::Raw
    } else {
        Kind::None
    }
}

/// `default` next to explicit success responses.
///
/// progenitor treats `default` as both a success and an error response, so `200: A` plus
/// `default: Error` (a very common shape) panics. Next to explicit successes, `default` can only
/// mean the other statuses; it is rewritten to `4XX` and `5XX` (where those are not already given).
/// A `default`-only operation is left alone: progenitor handles it.
pub fn split_default_response(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_operation(doc, &mut |ptr, _, _, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { return Ok(()) };
        if !responses.contains_key("default") || !responses.keys().any(|s| is_success(s)) {
            return Ok(());
        }
        let default = responses.remove("default").unwrap_or_default();
        let mut added = Vec::new();
        for range in ["4XX", "5XX"] {
            if !responses.contains_key(range) {
                responses.insert(range.into(), default.clone());
                added.push(range);
            }
        }
        report.record(
            "split_default_response",
            join(&join(ptr, "responses"), "default"),
            format!(
                "`default` next to explicit successes → {}",
                if added.is_empty() { "dropped (4XX and 5XX given)".into() } else { added.join(" and ") }
            ),
        );
        Ok(())
    })
}

fn unique_name(doc: &Value, wanted: String) -> String {
    let schemas = doc.pointer("/components/schemas").and_then(Value::as_object);
    let taken = |n: &str| schemas.is_some_and(|s| s.keys().any(|k| k.to_upper_camel_case() == n));
    let mut name = wanted.clone();
    let mut n = 2;
    while taken(&name) {
        name = format!("{wanted}{n}");
        n += 1;
    }
    name
}

/// Several response body types on one operation (Fluents: 400 `BadRequestError`, 404
/// `NotFoundError`; or `200: A` + `201: B`).
///
/// progenitor supports one body type per class (success, error) and panics otherwise
/// (`assertion failed: response_types.len() <= 1`, progenitor#344). Every documented status keeps
/// its exact type this way: the class's responses all return one body component holding the raw
/// JSON (`{Op}ErrorBody` / `{Op}SuccessBody`), and a second component `{Op}Error` / `{Op}Success`
/// is an enum with one variant per documented status (`Status400(BadRequestError)`, ...). The
/// generator adds `typed(status)` on the body, which decodes it into that enum.
///
/// Where bodies cannot be unified as JSON: error statuses without a body are removed from the
/// operation (the client then reports them as `Error::UnexpectedResponse`, status and body kept);
/// a success class mixing JSON with empty or non-JSON bodies is made raw (a byte stream).
pub fn unify_response_bodies(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    let mut new_schemas: Vec<(String, Value)> = Vec::new();
    for_each_operation(doc, &mut |ptr, _, _, op| {
        let raw_id = op.get("operationId").and_then(Value::as_str).unwrap_or_default().to_owned();
        let op_id = raw_id.to_upper_camel_case();
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { return Ok(()) };
        let mut recorded = Vec::new();
        for (class, in_class) in [("success", is_success as fn(&str) -> bool), ("error", is_error)] {
            let statuses: Vec<String> = responses.keys().filter(|s| in_class(s)).cloned().collect();
            let kinds = |responses: &Map<String, Value>, statuses: &[String]| -> Vec<Kind> {
                statuses.iter().map(|s| kind(resolve(&snapshot, &responses[s]))).collect()
            };
            let mut statuses = statuses;
            let mut ks = kinds(responses, &statuses);
            let distinct = |ks: &[Kind]| {
                ks.iter()
                    .fold(Vec::<&Kind>::new(), |mut acc, k| {
                        if !acc.contains(&k) {
                            acc.push(k)
                        }
                        acc
                    })
                    .len()
            };
            if distinct(&ks) <= 1 {
                continue;
            }
            let rptr = join(ptr, "responses");
            if class == "error" && ks.iter().any(|k| matches!(k, Kind::Json(_))) {
                let empty: Vec<String> = statuses
                    .iter()
                    .zip(&ks)
                    .filter(|(_, k)| **k == Kind::None)
                    .map(|(s, _)| s.clone())
                    .collect();
                for s in &empty {
                    responses.remove(s);
                    report.record(
                        "unify_response_bodies",
                        join(&rptr, s),
                        format!("error status {s} has no body while others do: removed, so it is reported as `Error::UnexpectedResponse` (status and body kept)"),
                    );
                }
                statuses.retain(|s| !empty.contains(s));
                ks = kinds(responses, &statuses);
                if distinct(&ks) <= 1 {
                    continue;
                }
            }
            if ks.iter().all(|k| matches!(k, Kind::Json(_))) {
                let suffix = if class == "success" { "Success" } else { "Error" };
                let body = unique_name(&snapshot, format!("{op_id}{suffix}Body"));
                let typed = unique_name(&snapshot, format!("{op_id}{suffix}"));
                let mut variants = Vec::new();
                for (status, k) in statuses.iter().zip(&ks) {
                    let Kind::Json(schema) = k else { unreachable!() };
                    let resolved = resolve(&snapshot, &responses[status]).clone();
                    let key = variant_key(status);
                    let mut variant = json!({
                        "type": "object",
                        "additionalProperties": false,
                        "required": [key],
                        "properties": { key.clone(): schema },
                    });
                    if let Some(d) =
                        resolved.get("description").and_then(Value::as_str).filter(|d| !d.is_empty())
                    {
                        variant["description"] = json!(format!("{status}: {d}"));
                    } else {
                        variant["description"] = json!(format!("Status {status}."));
                    }
                    variants.push(variant);
                    let mut rewritten = resolved.clone();
                    let mut media = json_media(&resolved).cloned().unwrap_or_else(|| json!({}));
                    media["schema"] = json!({ "$ref": format!("#/components/schemas/{body}") });
                    rewritten["content"] = json!({ "application/json": media });
                    responses.insert(status.clone(), rewritten);
                }
                let listing: Vec<String> = statuses
                    .iter()
                    .zip(&ks)
                    .map(|(s, k)| match k {
                        Kind::Json(v) => format!(
                            "{s} → {}",
                            v.get("$ref")
                                .and_then(Value::as_str)
                                .map(|r| r.rsplit('/').next().unwrap_or(r).to_owned())
                                .unwrap_or_else(|| "inline schema".into())
                        ),
                        _ => unreachable!(),
                    })
                    .collect();
                new_schemas.push((
                    body.clone(),
                    json!({
                        "description": format!("A {class} body of `{}` as received. `typed(status)` decodes it into `{typed}`, the type documented for its status.", raw_id),
                    }),
                ));
                new_schemas.push((
                    typed.clone(),
                    json!({
                        "description": format!("The {class} bodies of `{}`, one variant per documented status.", raw_id),
                        "oneOf": variants,
                    }),
                ));
                report.record(
                    "unify_response_bodies",
                    rptr,
                    format!(
                        "{class} bodies ({}) → `{body}`, decoded per status by `typed()` into `{typed}`",
                        listing.join(", ")
                    ),
                );
                recorded.push(TypedResponses { class: class.into(), body, typed, statuses });
            } else if class == "success" {
                for s in &statuses {
                    let mut rewritten = resolve(&snapshot, &responses[s]).clone();
                    rewritten["content"] = json!({ "application/octet-stream": {} });
                    responses.insert(s.clone(), rewritten);
                }
                report.record("unify_response_bodies", rptr, format!("success statuses {} mix JSON and empty/non-JSON bodies: all returned as a raw byte stream", statuses.join(", ")));
            } else {
                for s in &statuses {
                    let mut rewritten = resolve(&snapshot, &responses[s]).clone();
                    rewritten["content"] = json!({ "application/octet-stream": {} });
                    responses.insert(s.clone(), rewritten);
                }
                report.record(
                    "unify_response_bodies",
                    rptr,
                    format!(
                        "error statuses {} mix JSON and non-JSON bodies: all returned as a raw byte stream",
                        statuses.join(", ")
                    ),
                );
            }
        }
        if !recorded.is_empty() {
            op.insert(TYPED_RESPONSES_EXTENSION.into(), serde_json::to_value(&recorded)?);
        }
        Ok(())
    })?;
    if new_schemas.is_empty() {
        return Ok(());
    }
    let root = doc.as_object_mut().expect("document is a mapping");
    let components = root.entry("components").or_insert_with(|| json!({}));
    let Some(components) = components.as_object_mut() else { bail!("/components is not a mapping") };
    let schemas = components.entry("schemas").or_insert_with(|| json!({}));
    let Some(schemas) = schemas.as_object_mut() else { bail!("/components/schemas is not a mapping") };
    let mut names = BTreeSet::new();
    for (name, schema) in new_schemas {
        if !names.insert(name.clone()) {
            bail!("synthesized schema name {name} is not unique");
        }
        schemas.insert(name, schema);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;

    const DOC: &str = "openapi: 3.0.0\npaths:\n  /calls:\n    post:\n      operationId: CallController_createCall\n      responses:\n        '201': {description: created, content: {application/json: {schema: {$ref: '#/components/schemas/Call'}}}}\n        '400': {description: bad, content: {application/json: {schema: {$ref: '#/components/schemas/Bad'}}}}\n        '401': {description: no body}\n        '404': {$ref: '#/components/responses/NotFound'}\ncomponents:\n  responses:\n    NotFound: {description: missing, content: {application/json: {schema: {$ref: '#/components/schemas/Missing'}}}}\n  schemas:\n    Call: {type: object}\n    Bad: {type: object}\n    Missing: {type: object}\n";

    #[test]
    fn unifies_distinct_error_bodies_into_a_status_enum() {
        let mut doc = yaml(DOC);
        let mut report = Report::default();
        unify_response_bodies(&mut doc, &mut report).unwrap();
        let op = &doc["paths"]["/calls"]["post"];
        let body_ref = json!({"$ref": "#/components/schemas/CallControllerCreateCallErrorBody"});
        assert_eq!(op["responses"]["400"]["content"]["application/json"]["schema"], body_ref);
        assert_eq!(op["responses"]["404"]["content"]["application/json"]["schema"], body_ref);
        assert_eq!(op["responses"]["404"]["description"], "missing");
        assert!(op["responses"].get("401").is_none(), "bodiless error status removed");
        assert_eq!(
            op["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Call"
        );
        let typed = &doc["components"]["schemas"]["CallControllerCreateCallError"]["oneOf"];
        assert_eq!(typed[0]["properties"]["status400"], json!({"$ref": "#/components/schemas/Bad"}));
        assert_eq!(typed[1]["properties"]["status404"], json!({"$ref": "#/components/schemas/Missing"}));
        let recorded: Vec<TypedResponses> =
            serde_json::from_value(op[TYPED_RESPONSES_EXTENSION].clone()).unwrap();
        assert_eq!(recorded[0].statuses, vec!["400".to_string(), "404".into()]);
        assert_eq!(report.of("unify_response_bodies").count(), 2);
    }

    #[test]
    fn same_body_everywhere_is_left_alone() {
        let mut doc = yaml(
            "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}\n        '400': {description: e, content: {application/json: {schema: {$ref: '#/components/schemas/E'}}}}\n        '500': {description: e, content: {application/json: {schema: {$ref: '#/components/schemas/E'}}}}\n",
        );
        let before = doc.clone();
        let mut report = Report::default();
        unify_response_bodies(&mut doc, &mut report).unwrap();
        assert_eq!(doc, before);
        assert!(report.entries.is_empty());
    }

    #[test]
    fn default_next_to_success_becomes_error_ranges() {
        let mut doc = yaml(
            "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200': {description: ok}\n        '404': {description: nf}\n        default: {description: err}\n",
        );
        let mut report = Report::default();
        split_default_response(&mut doc, &mut report).unwrap();
        let r = doc["paths"]["/a"]["get"]["responses"].as_object().unwrap();
        assert_eq!(r.keys().cloned().collect::<Vec<_>>(), vec!["200", "404", "4XX", "5XX"]);
        assert_eq!(report.entries.len(), 1);
    }

    #[test]
    fn mixed_success_bodies_become_raw() {
        let mut doc = yaml(
            "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: object}}}}\n        '204': {description: empty}\n",
        );
        unify_response_bodies(&mut doc, &mut Report::default()).unwrap();
        let r = &doc["paths"]["/a"]["get"]["responses"];
        assert_eq!(r["200"]["content"], json!({"application/octet-stream": {}}));
        assert_eq!(r["204"]["content"], json!({"application/octet-stream": {}}));
    }
}
