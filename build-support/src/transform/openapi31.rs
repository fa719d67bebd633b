use super::examples::json_type;
use crate::report::Report;
use crate::visit::for_each_schema;
use anyhow::{Result, bail};
use serde_json::{Map, Value, json};

/// Schema keywords that OpenAPI 3.0.3 knows (plus `$ref`).
const KNOWN_30: &[&str] = &[
    "$ref", "title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
    "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "required",
    "enum", "type", "allOf", "oneOf", "anyOf", "not", "items", "properties", "additionalProperties", "description",
    "format", "default", "nullable", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "example",
    "deprecated",
];

/// 3.1 keywords dropped with a report because 3.0 has no equivalent and they carry no type.
const ANNOTATIONS: &[&str] = &["$schema", "$id", "$comment", "$anchor", "contentMediaType"];

fn is_null_schema(s: &Value) -> bool {
    match s.get("type") {
        Some(Value::String(t)) => t == "null" && s.as_object().is_some_and(|o| o.keys().all(|k| k == "type" || k == "description")),
        Some(Value::Array(ts)) => ts.len() == 1 && ts[0] == "null",
        _ => s.get("const").is_some_and(Value::is_null) || s.get("enum").is_some_and(|e| e == &json!([null])),
    }
}

fn downgrade_schema(ptr: &str, schema: &mut Value, report: &mut Report) -> Result<()> {
    let Some(obj) = schema.as_object_mut() else { return Ok(()) };
    let mut changes: Vec<String> = Vec::new();

    // type: [X, "null"] → type: X, nullable: true; several non-null types → anyOf.
    if let Some(Value::Array(types)) = obj.get("type").cloned() {
        let nullable = types.iter().any(|t| t == "null");
        let rest: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
        match rest.len() {
            0 => bail!("{ptr}: `type: [\"null\"]` (a schema that only allows null) has no OpenAPI 3.0 equivalent"),
            1 => {
                obj.insert("type".into(), rest[0].clone());
            }
            _ => {
                obj.remove("type");
                obj.insert("anyOf".into(), Value::Array(rest.iter().map(|t| json!({ "type": t })).collect()));
            }
        }
        if nullable {
            obj.insert("nullable".into(), Value::Bool(true));
        }
        changes.push("type array → `type`/`anyOf` + `nullable`".into());
    }
    if obj.get("type").is_some_and(|t| t == "null") {
        bail!("{ptr}: `type: null` outside anyOf/oneOf has no OpenAPI 3.0 equivalent");
    }

    // null members of anyOf / oneOf → nullable.
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(members)) = obj.get(key).cloned() else { continue };
        if !members.iter().any(is_null_schema) {
            continue;
        }
        let rest: Vec<Value> = members.into_iter().filter(|m| !is_null_schema(m)).collect();
        obj.insert("nullable".into(), Value::Bool(true));
        if rest.len() == 1 {
            obj.remove(key);
            let only = rest.into_iter().next().unwrap_or_default();
            match only.as_object() {
                Some(m) if m.contains_key("$ref") => {
                    obj.insert("allOf".into(), json!([only]));
                }
                Some(m) => {
                    for (k, v) in m {
                        obj.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                None => {}
            }
        } else {
            obj.insert(key.into(), Value::Array(rest));
        }
        changes.push(format!("`null` member of `{key}` → `nullable: true`"));
    }

    if let Some(c) = obj.remove("const") {
        obj.insert("enum".into(), json!([c]));
        obj.entry("type").or_insert_with(|| Value::String(json_type(&c).into()));
        changes.push("`const` → one-value `enum`".into());
    }
    if let Some(Value::Array(examples)) = obj.remove("examples") {
        if let Some(first) = examples.into_iter().next() {
            obj.entry("example").or_insert(first);
        }
        changes.push("`examples` → `example` (the first)".into());
    }
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(n @ Value::Number(_)) = obj.get(exclusive).cloned() {
            let x = n.as_f64().unwrap_or_default();
            let existing = obj.get(bound).and_then(Value::as_f64);
            // Both given: keep whichever bound is tighter (the inclusive one wins when equal or tighter).
            let inclusive_is_tighter = existing.is_some_and(|b| if bound == "minimum" { b > x } else { b < x });
            if inclusive_is_tighter {
                obj.remove(exclusive);
                changes.push(format!("numeric `{exclusive}` dropped: the inclusive `{bound}` is tighter"));
            } else {
                obj.insert(bound.into(), n);
                obj.insert(exclusive.into(), Value::Bool(true));
                changes.push(format!("numeric `{exclusive}` → `{bound}` + `{exclusive}: true`"));
            }
        }
    }
    if let Some(encoding) = obj.remove("contentEncoding") {
        if encoding == "base64" {
            obj.entry("format").or_insert_with(|| "byte".into());
            changes.push("`contentEncoding: base64` → `format: byte`".into());
        } else {
            bail!("{ptr}/contentEncoding: {encoding} has no OpenAPI 3.0 equivalent");
        }
    }
    for key in ANNOTATIONS {
        if obj.remove(*key).is_some() {
            changes.push(format!("dropped annotation `{key}`"));
        }
    }
    for key in obj.keys() {
        if !KNOWN_30.contains(&key.as_str()) && !key.starts_with("x-") {
            bail!("{}: the 3.1 keyword `{key}` has no OpenAPI 3.0 equivalent; add a provider patch for it", crate::visit::join(ptr, key));
        }
    }
    if !changes.is_empty() {
        report.record("downgrade_openapi_31", ptr, changes.join("; "));
    }
    Ok(())
}

/// OpenAPI 3.1 documents (Alta): progenitor refuses any version but 3.0.x and openapiv3 cannot parse
/// JSON Schema 2020-12 constructs.
///
/// Rewrites, each reported with its JSON pointer: the version to 3.0.3; `type: [X, "null"]` and
/// `null` members of `anyOf`/`oneOf` to `nullable`; `const` to a one-value `enum`; schema `examples`
/// to `example`; numeric `exclusiveMinimum`/`exclusiveMaximum` to the 3.0 boolean form;
/// `contentEncoding: base64` to `format: byte`; top-level `webhooks` to `x-webhooks` (their schemas
/// stay in `components`, so they still generate); `jsonSchemaDialect`, `info.summary` and
/// `license.identifier` are removed; a missing `paths` becomes empty. `$ref` siblings are handled by
/// `wrap_ref_siblings`. Any other 3.1-only keyword is an error naming its pointer, never a silent drop.
pub fn downgrade_openapi_31(doc: &mut Value, report: &mut Report) -> Result<()> {
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or_default().to_owned();
    if !version.starts_with("3.1") {
        return Ok(());
    }
    let root = doc.as_object_mut().expect("checked by the loader");
    root.insert("openapi".into(), "3.0.3".into());
    report.record("downgrade_openapi_31", "/openapi", format!("`{version}` → `3.0.3`"));
    if let Some(webhooks) = root.remove("webhooks") {
        root.insert("x-webhooks".into(), webhooks);
        report.record("downgrade_openapi_31", "/webhooks", "moved to `x-webhooks` (3.0 has no webhooks); their component schemas still generate");
    }
    if root.remove("jsonSchemaDialect").is_some() {
        report.record("downgrade_openapi_31", "/jsonSchemaDialect", "removed (3.0 has a fixed dialect)");
    }
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        if info.remove("summary").is_some() {
            report.record("downgrade_openapi_31", "/info/summary", "removed (not in 3.0)");
        }
        if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut)
            && license.remove("identifier").is_some()
        {
            report.record("downgrade_openapi_31", "/info/license/identifier", "removed (not in 3.0)");
        }
    }
    if !root.contains_key("paths") {
        root.insert("paths".into(), Value::Object(Map::new()));
        report.record("downgrade_openapi_31", "/paths", "added an empty `paths` (required in 3.0)");
    }
    if let Some(components) = root.get("components").and_then(Value::as_object)
        && components.contains_key("pathItems")
    {
        bail!("/components/pathItems: reusable path items are 3.1-only and not supported by progenitor");
    }
    for_each_schema(doc, &mut |ptr, schema| downgrade_schema(ptr, schema, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;

    fn run(text: &str) -> (Value, Report) {
        let mut doc = yaml(text);
        let mut report = Report::default();
        downgrade_openapi_31(&mut doc, &mut report).unwrap();
        (doc, report)
    }

    #[test]
    fn rewrites_31_constructs() {
        let (doc, report) = run(
            "openapi: 3.1.0\ninfo: {title: t, version: '1', summary: s}\nwebhooks:\n  ping: {post: {responses: {'200': {description: ok}}}}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        a: {type: [string, 'null'], examples: [x, y]}\n        b: {anyOf: [{$ref: '#/components/schemas/B'}, {type: 'null'}]}\n        c: {const: fixed}\n        d: {type: number, exclusiveMinimum: 0}
        f: {type: number, minimum: 5, exclusiveMinimum: 0, exclusiveMaximum: 10}\n        e: {oneOf: [{type: integer}, {type: 'null'}]}\n    B: {type: string}\n",
        );
        let p = &doc["components"]["schemas"]["A"]["properties"];
        assert_eq!(doc["openapi"], "3.0.3");
        assert_eq!(p["a"], json!({"type": "string", "nullable": true, "example": "x"}));
        assert_eq!(p["b"], json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/B"}]}));
        assert_eq!(p["c"], json!({"enum": ["fixed"], "type": "string"}));
        assert_eq!(p["d"], json!({"type": "number", "exclusiveMinimum": true, "minimum": 0}));
        assert_eq!(p["f"], json!({"type": "number", "minimum": 5, "maximum": 10, "exclusiveMaximum": true}));
        assert_eq!(p["e"], json!({"nullable": true, "type": "integer"}));
        assert!(doc.get("webhooks").is_none() && doc.get("x-webhooks").is_some());
        assert_eq!(doc["paths"], json!({}));
        assert!(report.entries.iter().any(|e| e.pointer == "/components/schemas/A/properties/b"));
    }

    #[test]
    fn leaves_30_alone_and_refuses_unknown_constructs() {
        let (doc, report) = run("openapi: 3.0.3\ncomponents: {schemas: {A: {type: [string, 'null']}}}\n");
        assert_eq!(doc["components"]["schemas"]["A"]["type"], json!(["string", "null"]));
        assert!(report.entries.is_empty());

        let mut doc = yaml("openapi: 3.1.0\npaths: {}\ncomponents: {schemas: {T: {type: array, prefixItems: [{type: string}]}}}\n");
        let err = downgrade_openapi_31(&mut doc, &mut Report::default()).unwrap_err().to_string();
        assert!(err.contains("/components/schemas/T/prefixItems"), "{err}");
    }
}
