use super::examples::json_type;
use crate::report::Report;
use crate::visit::for_each_schema;
use anyhow::Result;
use serde_json::{Map, Value, json};

/// Schema keywords that OpenAPI 3.0.3 knows (plus `$ref`).
const KNOWN_30: &[&str] = &[
    "$ref",
    "title",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
    "enum",
    "type",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "items",
    "properties",
    "additionalProperties",
    "description",
    "format",
    "default",
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
];

/// Keywords that only annotate (JSON Schema 2020-12 core and content vocabularies): dropped with a
/// report, nothing about the accepted values changes.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "$anchor",
    "$dynamicAnchor",
    "$vocabulary",
    "contentMediaType",
    "contentSchema",
];

/// 2020-12 assertions that 3.0 cannot state and that have no closer rewrite: dropped with a report
/// saying what is no longer checked (the generated types accept more, never less).
const UNSTATABLE: &[(&str, &str)] = &[
    ("propertyNames", "constraint on the names of properties (map keys stay strings)"),
    ("dependentRequired", "properties required when another is present"),
    ("dependentSchemas", "schemas applied when a property is present"),
    ("if", "conditional schema"),
    ("then", "conditional schema"),
    ("else", "conditional schema"),
    ("contains", "`contains` constraint on array items"),
    ("minContains", "`minContains` constraint"),
    ("maxContains", "`maxContains` constraint"),
    ("unevaluatedItems", "constraint on array items beyond the listed ones"),
    ("$dynamicRef", "dynamic reference (resolved at validation time only)"),
    ("$defs", "local definitions (3.0 resolves only `#/components/...` references)"),
];

/// Is `s` a schema that accepts only `null` (`type: 'null'`, `type: ['null']`, `const: null`,
/// `enum: [null]`), with nothing else but annotations?
fn is_null_schema(s: &Value) -> bool {
    let Some(obj) = s.as_object() else { return false };
    let only_annotations = |keys: &[&str]| {
        obj.keys().all(|k| {
            keys.contains(&k.as_str())
                || matches!(k.as_str(), "description" | "title" | "examples" | "example" | "deprecated")
                || k.starts_with("x-")
        })
    };
    match obj.get("type") {
        Some(Value::String(t)) => t == "null" && only_annotations(&["type"]),
        Some(Value::Array(ts)) => ts.len() == 1 && ts[0] == "null" && only_annotations(&["type"]),
        Some(_) => false,
        None => {
            (obj.get("const").is_some_and(Value::is_null) && only_annotations(&["const"]))
                || (obj.get("enum").is_some_and(|e| e == &json!([null])) && only_annotations(&["enum"]))
        }
    }
}

/// `{not: {}}` (and `false`): a schema nothing validates against.
fn is_nothing(s: &Value) -> bool {
    s == &Value::Bool(false)
        || s.as_object().is_some_and(|o| {
            o.len() == 1 && o.get("not").is_some_and(|n| n == &json!({}) || n == &Value::Bool(true))
        })
}

/// Rewrites one schema. `full`: the document declares 3.1, so annotations and unknown keywords are
/// dropped too (in a 3.0 document they are ignored by the parser and left alone).
fn downgrade_schema(ptr: &str, schema: &mut Value, full: bool, report: &mut Report) -> Result<()> {
    let Some(obj) = schema.as_object_mut() else { return Ok(()) };
    let mut changes: Vec<String> = Vec::new();

    // type: [X, "null"] → type: X, nullable: true; several non-null types → anyOf.
    if let Some(Value::Array(types)) = obj.get("type").cloned() {
        let nullable = types.iter().any(|t| t == "null");
        let rest: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
        match rest.len() {
            0 => {
                obj.insert("type".into(), "null".into());
            }
            1 => {
                obj.insert("type".into(), rest[0].clone());
            }
            _ => {
                obj.remove("type");
                obj.insert("anyOf".into(), Value::Array(rest.iter().map(|t| json!({ "type": t })).collect()));
            }
        }
        if nullable && !rest.is_empty() {
            obj.insert("nullable".into(), Value::Bool(true));
        }
        changes.push("type array → `type`/`anyOf` + `nullable`".into());
    }
    // type: null alone (only null is valid) → the 3.0 spelling of "null and nothing else".
    if obj.get("type").is_some_and(|t| t == "null") {
        obj.remove("type");
        obj.insert("enum".into(), json!([null]));
        obj.insert("nullable".into(), Value::Bool(true));
        changes.push("`type: null` → `nullable: true` + `enum: [null]` (only null)".into());
    }

    // null members of anyOf / oneOf → nullable.
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(members)) = obj.get(key).cloned() else { continue };
        if !members.iter().any(is_null_schema) || members.iter().all(is_null_schema) {
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
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(n @ Value::Number(_)) = obj.get(exclusive).cloned() {
            let x = n.as_f64().unwrap_or_default();
            let existing = obj.get(bound).and_then(Value::as_f64);
            // Both given: keep whichever bound is tighter (the inclusive one wins when equal or tighter).
            let inclusive_is_tighter =
                existing.is_some_and(|b| if bound == "minimum" { b > x } else { b < x });
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

    // "No further properties": `unevaluatedProperties: false` and `additionalProperties: {not: {}}`.
    if let Some(extra) =
        obj.get("additionalProperties").filter(|a| is_nothing(a) && **a != Value::Bool(false))
    {
        let _ = extra;
        obj.insert("additionalProperties".into(), Value::Bool(false));
        changes.push("`additionalProperties: {not: {}}` → `additionalProperties: false`".into());
    }
    if let Some(unevaluated) = obj.remove("unevaluatedProperties") {
        let composed = ["allOf", "anyOf", "oneOf"].iter().any(|k| obj.contains_key(*k));
        let meaningful = unevaluated != Value::Bool(true) && unevaluated != json!({});
        if !meaningful {
            changes.push("`unevaluatedProperties` allowing anything dropped (no constraint)".into());
        } else if composed || obj.contains_key("additionalProperties") {
            changes.push("`unevaluatedProperties` dropped: 3.0's `additionalProperties` cannot see properties of `allOf`/`anyOf`/`oneOf` members (further properties are accepted)".into());
        } else if is_nothing(&unevaluated) {
            obj.insert("additionalProperties".into(), Value::Bool(false));
            changes.push(
                "`unevaluatedProperties: false` → `additionalProperties: false` (no further properties)"
                    .into(),
            );
        } else {
            obj.insert("additionalProperties".into(), unevaluated);
            changes.push("`unevaluatedProperties` → `additionalProperties`".into());
        }
    }
    // Array items: `items: false` / `{not: {}}` (no items beyond `prefixItems`), `prefixItems`.
    if let Some(prefix) = obj.remove("prefixItems") {
        let members: Vec<Value> = prefix.as_array().cloned().unwrap_or_default();
        let rest = obj.remove("items").filter(|i| !is_nothing(i));
        let mut any: Vec<Value> = members.clone();
        if let Some(rest) = rest {
            any.push(rest);
        } else {
            obj.entry("maxItems").or_insert_with(|| json!(members.len()));
        }
        obj.insert("items".into(), if any.len() == 1 { any.remove(0) } else { json!({ "anyOf": any }) });
        changes.push("`prefixItems` (a tuple) → `items` accepting any of the positions' schemas (positions are not checked)".into());
    } else if obj.get("items").is_some_and(is_nothing) {
        obj.remove("items");
        obj.insert("maxItems".into(), json!(0));
        changes.push("`items: {not: {}}` → `maxItems: 0`".into());
    }
    if let Some(Value::Object(patterns)) = obj.remove("patternProperties") {
        let schemas: Vec<Value> = patterns.values().cloned().collect();
        if obj.contains_key("additionalProperties") || schemas.is_empty() {
            changes.push("`patternProperties` dropped: `additionalProperties` already says what further properties are".into());
        } else {
            let value = if schemas.len() == 1 {
                schemas.into_iter().next().unwrap_or_default()
            } else {
                json!({ "anyOf": schemas })
            };
            obj.insert("additionalProperties".into(), value);
            changes.push("`patternProperties` → `additionalProperties` (property names are not checked against the patterns)".into());
        }
    }
    // A property nothing validates against may never be present: it is not a field.
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        let never: Vec<String> =
            props.iter().filter(|(_, v)| is_nothing(v)).map(|(k, _)| k.clone()).collect();
        for name in &never {
            props.remove(name);
            changes.push(format!("property `{name}` that may never be present (`not: {{}}`) removed"));
        }
    }

    if let Some(encoding) = obj.remove("contentEncoding") {
        if encoding == "base64" {
            obj.entry("format").or_insert_with(|| "byte".into());
            changes.push("`contentEncoding: base64` → `format: byte`".into());
        } else {
            changes.push(format!(
                "`contentEncoding: {encoding}` dropped (3.0 knows only base64, as `format: byte`)"
            ));
        }
    }
    if full {
        if let Some(examples) = obj.remove("examples") {
            if let Some(first) = examples.as_array().and_then(|e| e.first()).cloned() {
                obj.entry("example").or_insert(first);
                changes.push("`examples` → `example` (the first)".into());
            } else {
                changes.push("`examples` that is not a list dropped (an annotation)".into());
            }
        }
        for key in ANNOTATIONS {
            if obj.remove(*key).is_some() {
                changes.push(format!("dropped annotation `{key}`"));
            }
        }
        for (key, what) in UNSTATABLE {
            if obj.remove(*key).is_some() {
                changes.push(format!("dropped `{key}`: 3.0 cannot state it ({what} is not checked)"));
            }
        }
        let unknown: Vec<String> =
            obj.keys().filter(|k| !KNOWN_30.contains(&k.as_str()) && !k.starts_with("x-")).cloned().collect();
        for key in unknown {
            obj.remove(&key);
            changes.push(format!("dropped unknown keyword `{key}` (an annotation in JSON Schema 2020-12)"));
        }
    }
    if !changes.is_empty() {
        report.record("downgrade_openapi_31", ptr, changes.join("; "));
    }
    Ok(())
}

/// An `openapi` version written short (`3.0`, `3.1`) or as a YAML number (`openapi: 3.0`).
///
/// openapiv3 wants the field as a string and the rules below read it as one; it becomes `3.0.3` or
/// `3.1.0`, reported. The loader refuses any other major or minor version.
pub fn normalize_openapi_version(doc: &mut Value, report: &mut Report) -> Result<()> {
    let Some(root) = doc.as_object_mut() else { return Ok(()) };
    let written = match root.get("openapi") {
        Some(Value::String(v)) if v.matches('.').count() >= 2 => return Ok(()),
        Some(Value::String(v)) => v.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Ok(()),
    };
    let full = if written.starts_with("3.1") { "3.1.0" } else { "3.0.3" };
    root.insert("openapi".into(), Value::String(full.into()));
    report.record("normalize_openapi_version", "/openapi", format!("`{written}` → `{full}`"));
    Ok(())
}

/// OpenAPI 3.1 documents (Alta, and 3.1 constructs in documents that declare 3.0): progenitor
/// refuses any version but 3.0.x and openapiv3 cannot parse JSON Schema 2020-12 constructs.
///
/// Every schema, in any document: `type: [X, "null"]` and `null` members of `anyOf`/`oneOf` become
/// `nullable`; `type: null` alone becomes `nullable` + `enum: [null]`; `const` a one-value `enum`;
/// numeric `exclusiveMinimum`/`exclusiveMaximum` the 3.0 boolean form; `unevaluatedProperties:
/// false` and `additionalProperties: {not: {}}` become `additionalProperties: false` ("no further
/// properties") where 3.0 can say it; `prefixItems` and `patternProperties` their closest `items` /
/// `additionalProperties`; `contentEncoding: base64` `format: byte`.
///
/// A document that declares 3.1 also gets: the version 3.0.3; schema `examples` → `example`;
/// annotation-only keywords (`$comment`, `contentMediaType`, unknown keywords such as `embed`)
/// dropped; assertions 3.0 cannot state (`propertyNames`, `if`/`then`/`else`, ...) dropped, so the
/// types accept more, never less; top-level `webhooks` → `x-webhooks` (their schemas stay in
/// `components`); `jsonSchemaDialect`, `info.summary` and `license.identifier` removed; a missing
/// `paths` becomes empty. `$ref` siblings are handled by `wrap_ref_siblings`. Every change is
/// reported with its JSON pointer; nothing refuses the document.
pub fn downgrade_openapi_31(doc: &mut Value, report: &mut Report) -> Result<()> {
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or_default().to_owned();
    let full = version.starts_with("3.1");
    if full {
        downgrade_document(doc, &version, report);
    }
    for_each_schema(doc, &mut |ptr, schema| downgrade_schema(ptr, schema, full, report))
}

fn downgrade_document(doc: &mut Value, version: &str, report: &mut Report) {
    let Some(root) = doc.as_object_mut() else { return };
    root.insert("openapi".into(), "3.0.3".into());
    report.record("downgrade_openapi_31", "/openapi", format!("`{version}` → `3.0.3`"));
    if let Some(webhooks) = root.remove("webhooks") {
        root.insert("x-webhooks".into(), webhooks);
        report.record(
            "downgrade_openapi_31",
            "/webhooks",
            "moved to `x-webhooks` (3.0 has no webhooks); their component schemas still generate",
        );
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
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut)
        && let Some(items) = components.remove("pathItems")
    {
        components.insert("x-pathItems".into(), items);
        report.record(
            "downgrade_openapi_31",
            "/components/pathItems",
            "moved to `x-pathItems` (reusable path items are 3.1-only; references to them are not followed)",
        );
    }
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
    fn a_short_or_numeric_version_is_written_in_full() {
        for (written, full) in [(json!(3.0), "3.0.3"), (json!("3.1"), "3.1.0"), (json!("3.0"), "3.0.3")] {
            let mut doc = json!({"openapi": written, "paths": {}});
            let mut report = Report::default();
            normalize_openapi_version(&mut doc, &mut report).unwrap();
            assert_eq!(doc["openapi"], full);
            assert_eq!(report.entries.len(), 1);
        }
        let mut doc = json!({"openapi": "3.0.1"});
        let mut report = Report::default();
        normalize_openapi_version(&mut doc, &mut report).unwrap();
        assert_eq!(doc["openapi"], "3.0.1");
        assert!(report.entries.is_empty());
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
    fn leaves_30_annotations_alone_but_rewrites_31_constructs_there() {
        let (doc, report) = run(
            "openapi: 3.0.3\ncomponents: {schemas: {A: {type: string, embed: true, examples: [a]}, B: {anyOf: [{type: string}, {type: 'null'}]}}}\n",
        );
        assert_eq!(doc["openapi"], "3.0.3");
        assert_eq!(
            doc["components"]["schemas"]["A"],
            json!({"type": "string", "embed": true, "examples": ["a"]}),
            "3.0 parsers ignore unknown keywords"
        );
        assert_eq!(doc["components"]["schemas"]["B"], json!({"type": "string", "nullable": true}));
        assert_eq!(report.entries.len(), 1);
        assert_eq!(report.entries[0].pointer, "/components/schemas/B");
    }

    #[test]
    fn drops_annotations_and_unstatable_keywords_instead_of_refusing() {
        let (doc, report) = run(
            "openapi: 3.1.0\npaths: {}\ncomponents:\n  schemas:\n    A:\n      type: string\n      embed: true\n      $comment: internal\n      contentMediaType: text/plain\n      examples: [x]\n    M:\n      type: object\n      additionalProperties: {type: integer}\n      propertyNames: {$ref: '#/components/schemas/A'}\n",
        );
        let s = &doc["components"]["schemas"];
        assert_eq!(s["A"], json!({"type": "string", "example": "x"}));
        assert_eq!(s["M"], json!({"type": "object", "additionalProperties": {"type": "integer"}}));
        let a = report.entries.iter().find(|e| e.pointer == "/components/schemas/A").unwrap();
        assert!(
            a.change.contains("unknown keyword `embed`")
                && a.change.contains("`$comment`")
                && a.change.contains("`contentMediaType`"),
            "{}",
            a.change
        );
        assert!(
            report
                .entries
                .iter()
                .any(|e| e.pointer == "/components/schemas/M" && e.change.contains("`propertyNames`"))
        );
    }

    #[test]
    fn null_only_schemas_and_no_further_properties() {
        let (doc, _) = run(
            "openapi: 3.1.0\npaths: {}\ncomponents:\n  schemas:\n    N: {type: 'null', description: nothing}\n    Closed:\n      type: object\n      properties: {a: {type: string}, gone: {not: {}}}\n      unevaluatedProperties: false\n    Closed2: {type: object, additionalProperties: {not: {}}}\n    Composed:\n      allOf: [{$ref: '#/components/schemas/Closed'}]\n      unevaluatedProperties: false\n    Tuple: {type: array, prefixItems: [{type: string}, {type: integer}], items: false}\n    Patterned: {type: object, patternProperties: {'^x-': {type: string}}}\n",
        );
        let s = &doc["components"]["schemas"];
        assert_eq!(s["N"], json!({"description": "nothing", "enum": [null], "nullable": true}));
        assert_eq!(
            s["Closed"],
            json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false})
        );
        assert_eq!(s["Closed2"], json!({"type": "object", "additionalProperties": false}));
        assert_eq!(
            s["Composed"],
            json!({"allOf": [{"$ref": "#/components/schemas/Closed"}]}),
            "3.0 cannot close a composition"
        );
        assert_eq!(
            s["Tuple"],
            json!({"type": "array", "maxItems": 2, "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}})
        );
        assert_eq!(s["Patterned"], json!({"type": "object", "additionalProperties": {"type": "string"}}));
    }
}
