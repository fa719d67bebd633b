use crate::report::Report;
use crate::visit::for_each_schema;
use anyhow::Result;
use serde_json::Value;

/// Keywords that make an untyped schema an object, an array or a composition.
const STRUCTURE: &[&str] =
    &["properties", "additionalProperties", "items", "allOf", "anyOf", "oneOf", "required"];

/// `format` on a schema that is not a string or a number (`type: object, format: uri-map`,
/// `type: array, format: uuid`).
///
/// JSON Schema defines formats for strings (and OpenAPI for numbers); on other types they assert
/// nothing. typify has no rule for them and panics (`not yet implemented: invalid (or unexpected)
/// schema`). The format is dropped; the values accepted are the same.
pub fn drop_misplaced_formats(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        let Some(format) = obj.get("format").cloned() else { return Ok(()) };
        let misplaced = match obj.get("type").and_then(Value::as_str) {
            Some("string" | "integer" | "number") => false,
            Some(_) => true,
            None => STRUCTURE.iter().any(|k| obj.contains_key(*k)),
        };
        if !misplaced {
            return Ok(());
        }
        obj.remove("format");
        let on = obj
            .get("type")
            .and_then(Value::as_str)
            .map_or_else(|| "an untyped schema with structure".to_owned(), |t| format!("`type: {t}`"));
        report.record(
            "drop_misplaced_formats",
            format!("{ptr}/format"),
            format!("`format: {}` on {on} asserts nothing; dropped", format.as_str().unwrap_or("?")),
        );
        Ok(())
    })
}

/// A `type` that is not one of JSON Schema's (`int`, `float`, `bool`, `file`, `text`, `any`).
///
/// typify panics on it (`not yet implemented: invalid type: int`), so every operation using the
/// schema was skipped. A name that plainly means a JSON type becomes that type (`int`, `long`,
/// `int32`, `int64` → `integer`; `float`, `double`, `decimal` → `number`; `bool` → `boolean`; `str`,
/// `text` → `string`; `dict`, `map` → `object`; `list` → `array`; Swagger 2's `file` → `string`
/// with `format: binary`); any other name is removed, so the schema accepts any JSON value and
/// nothing the provider sends is refused. Each change is reported.
pub fn normalize_type_names(doc: &mut Value, report: &mut Report) -> Result<()> {
    const JSON_TYPES: &[&str] = &["string", "number", "integer", "boolean", "array", "object", "null"];
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        let Some(Value::String(declared)) = obj.get("type") else { return Ok(()) };
        if JSON_TYPES.contains(&declared.as_str()) {
            return Ok(());
        }
        let declared = declared.clone();
        let meant = match declared.trim().to_ascii_lowercase().as_str() {
            t if JSON_TYPES.contains(&t) => Some(t.to_owned()),
            "int" | "long" | "int32" | "int64" | "uint" | "short" => Some("integer".to_owned()),
            "float" | "double" | "decimal" | "real" => Some("number".to_owned()),
            "bool" => Some("boolean".to_owned()),
            "str" | "text" => Some("string".to_owned()),
            "dict" | "map" => Some("object".to_owned()),
            "list" => Some("array".to_owned()),
            "file" => Some("string".to_owned()),
            _ => None,
        };
        let change = match &meant {
            Some(t) => {
                obj.insert("type".into(), Value::String(t.clone()));
                if declared.eq_ignore_ascii_case("file") && !obj.contains_key("format") {
                    obj.insert("format".into(), Value::String("binary".into()));
                    format!("`type: {declared}` is not a JSON Schema type: `type: string, format: binary`")
                } else {
                    format!("`type: {declared}` is not a JSON Schema type: read as `{t}`")
                }
            }
            None => {
                obj.remove("type");
                format!("`type: {declared}` is not a JSON Schema type: removed (any JSON value)")
            }
        };
        report.record("normalize_type_names", format!("{ptr}/type"), change);
        Ok(())
    })
}

/// A `pattern` the generated code cannot use as written: a JavaScript regular-expression literal
/// (Vapi: `/^[a-zA-Z0-9_-]{1,40}$/`, `/^\p{L}[\p{L}\d]*$/u`) or a pattern ECMAScript regular
/// expressions (`regress`, what typify's validation compiles) do not accept (Python's
/// `(?P<name>…)`, inline `(?i)`).
///
/// typify compiles the pattern when a value is first checked, with `Regex::new(pattern).unwrap()`:
/// a literal's slashes are matched as characters, so every documented value (`end_call`) is
/// refused, and a pattern regress rejects panics. A literal whose body is anchored (`^…` or `…$`)
/// and whose flags change nothing the body says (`u`, `g`, `y`, `d`) becomes its body; a pattern
/// that still does not compile (or a literal with `i`, `m`, `s` or `v`, which typify cannot apply)
/// is removed, so the string is accepted as sent. Each change is reported.
pub fn repair_patterns(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        let Some(pattern) = obj.get("pattern").and_then(Value::as_str).map(str::to_owned) else {
            return Ok(());
        };
        let literal = pattern.strip_prefix('/').and_then(|rest| {
            let end = rest.rfind('/')?;
            let (body, flags) = (&rest[..end], &rest[end + 1..]);
            let anchored = body.starts_with('^') || body.ends_with('$');
            (anchored && flags.chars().all(|f| "dgimsuvy".contains(f)))
                .then(|| (body.to_owned(), flags.to_owned()))
        });
        let at = format!("{ptr}/pattern");
        let (candidate, untranslatable) = match &literal {
            Some((body, flags)) => {
                (body.clone(), flags.chars().find(|f| "imsv".contains(*f)).map(|f| format!("flag `{f}`")))
            }
            None => (pattern.clone(), None),
        };
        // Unicode escapes mean something only in regress's unicode mode, which typify's
        // `Regex::new` does not turn on: there `\p{L}` is the letters `p{L}`, and letters are refused.
        let untranslatable = untranslatable.or_else(|| {
            ["\\p{", "\\P{", "\\u{"]
                .iter()
                .find(|e| candidate.contains(*e))
                .map(|e| format!("the unicode escape `{e}…}}`"))
        });
        let compiled = regress::Regex::new(&candidate).map_err(|e| e.to_string());
        match (untranslatable, compiled) {
            (Some(what), _) => {
                obj.remove("pattern");
                report.record(
                    "repair_patterns",
                    at,
                    format!("`{pattern}` needs {what}, which the generated check (non-unicode, no flags) cannot apply: removed, the string is accepted as sent"),
                );
            }
            (None, Err(e)) => {
                obj.remove("pattern");
                report.record(
                    "repair_patterns",
                    at,
                    format!("`{candidate}` is not an ECMAScript regular expression ({e}): removed, the string is accepted as sent"),
                );
            }
            (None, Ok(re)) => {
                if let Some(bad) = own_strings(obj).into_iter().find(|v| re.find(v).is_none()) {
                    obj.remove("pattern");
                    report.record(
                        "repair_patterns",
                        at,
                        format!("`{candidate}` refuses the schema's own value {bad:?}: removed, the string is accepted as sent"),
                    );
                } else if literal.is_some() {
                    obj.insert("pattern".into(), Value::String(candidate.clone()));
                    report.record(
                        "repair_patterns",
                        at,
                        format!("`{pattern}` is a JavaScript literal: its body `{candidate}` is the pattern"),
                    );
                }
            }
        }
        Ok(())
    })
}

/// The string values a schema documents for itself: `example`, `examples`, `default`, `enum`, and
/// the `enum` values of its `oneOf`/`anyOf`/`allOf` members (a pattern next to them applies to
/// them too).
fn own_strings(obj: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut take = |v: &Value| out.extend(v.as_str().map(str::to_owned));
    for key in ["example", "default"] {
        if let Some(v) = obj.get(key) {
            take(v);
        }
    }
    for key in ["examples", "enum"] {
        obj.get(key).and_then(Value::as_array).into_iter().flatten().for_each(&mut take);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for member in obj.get(key).and_then(Value::as_array).into_iter().flatten() {
            member.get("enum").and_then(Value::as_array).into_iter().flatten().for_each(&mut take);
        }
    }
    out
}

/// The string formats typify gives a Rust type of their own (anything else stays a `String`).
const TYPED_STRING_FORMATS: &[&str] = &["uuid", "date", "date-time", "ip", "ipv4", "ipv6"];

/// Whether `value` is what the generated code's type for `format` accepts: the same parsers the
/// generated types deserialize with (`uuid::Uuid`, chrono's `NaiveDate` and `DateTime`,
/// `std::net`).
fn parses_as(format: &str, value: &str) -> bool {
    match format {
        "uuid" => uuid::Uuid::parse_str(value).is_ok(),
        "date" => value.parse::<chrono::NaiveDate>().is_ok(),
        "date-time" => value.parse::<chrono::DateTime<chrono::FixedOffset>>().is_ok(),
        "ip" => value.parse::<std::net::IpAddr>().is_ok(),
        "ipv4" => value.parse::<std::net::Ipv4Addr>().is_ok(),
        "ipv6" => value.parse::<std::net::Ipv6Addr>().is_ok(),
        _ => true,
    }
}

/// A string `format` that the schema's own `example`, `examples` or `default` does not satisfy
/// (`format: uuid` with example `CON-f972836a-…`, `format: date-time` with example
/// `2020-01-01 12:00:00`).
///
/// typify makes such a field `uuid::Uuid`, `chrono` or `std::net` typed, so the values the
/// provider documents would fail to decode. The document's own values are the evidence of what is
/// sent: the format is dropped (the field is a `String` and keeps the value exactly), with the
/// value that contradicts it in the report. Formats typify leaves as strings are not touched.
pub fn drop_contradicted_formats(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        let Some(format) = obj.get("format").and_then(Value::as_str) else { return Ok(()) };
        if !TYPED_STRING_FORMATS.contains(&format) {
            return Ok(());
        }
        let examples = obj.get("examples").and_then(Value::as_array).into_iter().flatten();
        let evidence = ["example", "default"].iter().filter_map(|k| obj.get(*k)).chain(examples);
        let Some(contradiction) =
            evidence.filter_map(Value::as_str).find(|v| !parses_as(format, v)).map(str::to_owned)
        else {
            return Ok(());
        };
        let format = format.to_owned();
        obj.remove("format");
        report.record(
            "drop_contradicted_formats",
            format!("{ptr}/format"),
            format!("`format: {format}` dropped: the schema's own value {contradiction:?} is not a {format}; the field is a string"),
        );
        Ok(())
    })
}

/// Lower bounds of zero on lengths and counts (`minLength: 0`, `minItems: 0`, `minProperties: 0`).
///
/// They assert nothing, and typify turns `minLength: 0` into `if value.chars().count() < 0usize`,
/// which rustc warns about ("comparison is useless due to type limits"), so a crate generated from
/// such a document fails under `-D warnings`. The bound is dropped; the values accepted are the same.
pub fn drop_vacuous_bounds(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        for key in ["minLength", "minItems", "minProperties"] {
            if obj.get(key).and_then(Value::as_f64) == Some(0.0) {
                obj.remove(key);
                report.record(
                    "drop_vacuous_bounds",
                    format!("{ptr}/{key}"),
                    format!("`{key}: 0` asserts nothing; dropped"),
                );
            }
        }
        Ok(())
    })
}

/// Keywords that only annotate a subschema: ignored when comparing composition members.
const MEMBER_ANNOTATIONS: &[&str] = &["title", "description", "example", "examples", "deprecated"];

fn without_annotations(schema: &Value) -> Value {
    match schema.as_object() {
        Some(obj) => Value::Object(
            obj.iter()
                .filter(|(k, _)| !MEMBER_ANNOTATIONS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        None => schema.clone(),
    }
}

/// Several composition keywords where the `oneOf`/`anyOf` have a single member (NestJS's
/// `oneOf: [X], allOf: [X]`).
///
/// A one-member `oneOf` or `anyOf` means the member itself, exactly like a one-member `allOf`. Side
/// by side they make typify merge the referenced schema into itself, distributing every union in it
/// over every other: generation time grows exponentially (minutes for one property). The members
/// move into one `allOf` and repeats (equal but for annotations) are removed.
pub fn merge_single_member_compositions(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        let present: Vec<&str> =
            ["allOf", "anyOf", "oneOf"].into_iter().filter(|k| obj.contains_key(*k)).collect();
        if present.len() < 2 {
            return Ok(());
        }
        let single: Vec<&str> = present
            .iter()
            .copied()
            .filter(|k| *k != "allOf" && obj.get(*k).and_then(Value::as_array).is_some_and(|m| m.len() == 1))
            .collect();
        if single.is_empty() {
            return Ok(());
        }
        let mut all: Vec<Value> = match obj.remove("allOf") {
            Some(Value::Array(members)) => members,
            Some(other) => vec![other],
            None => Vec::new(),
        };
        for key in &single {
            if let Some(Value::Array(members)) = obj.remove(*key) {
                all.extend(members);
            }
        }
        let mut kept: Vec<Value> = Vec::new();
        for member in all {
            if !kept.iter().any(|k| without_annotations(k) == without_annotations(&member)) {
                kept.push(member);
            }
        }
        let n = kept.len();
        obj.insert("allOf".into(), Value::Array(kept));
        report.record(
            "merge_single_member_compositions",
            ptr.to_owned(),
            format!(
                "one-member {} next to other compositions → one `allOf` of {n} member(s)",
                single.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" and ")
            ),
        );
        Ok(())
    })
}

/// A schema with both `anyOf` and `oneOf` (valid JSON Schema: a value must satisfy both).
///
/// progenitor asserts that a schema has at most one of them and panics. When every `oneOf` member
/// is also an `anyOf` member, `anyOf` adds nothing and is removed; otherwise the two become
/// `allOf: [{anyOf}, {oneOf}]`, which says the same.
pub fn split_combined_compositions(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        let (Some(Value::Array(any)), Some(Value::Array(one))) = (obj.get("anyOf"), obj.get("oneOf")) else {
            return Ok(());
        };
        if one.iter().all(|m| any.contains(m)) {
            obj.remove("anyOf");
            report.record(
                "split_combined_compositions",
                format!("{ptr}/anyOf"),
                "`anyOf` next to `oneOf` whose members it all lists: implied, removed",
            );
            return Ok(());
        }
        let any = obj.remove("anyOf").unwrap_or_default();
        let one = obj.remove("oneOf").unwrap_or_default();
        let mut all = match obj.remove("allOf") {
            Some(Value::Array(all)) => all,
            _ => Vec::new(),
        };
        all.push(serde_json::json!({ "anyOf": any }));
        all.push(serde_json::json!({ "oneOf": one }));
        obj.insert("allOf".into(), Value::Array(all));
        report.record(
            "split_combined_compositions",
            ptr.to_owned(),
            "`anyOf` and `oneOf` side by side → `allOf: [{anyOf}, {oneOf}]`",
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_lower_bounds_are_dropped_and_others_kept() {
        let mut doc = serde_json::json!({"openapi": "3.0.3", "paths": {}, "components": {"schemas": {
            "A": {"type": "string", "minLength": 0, "maxLength": 5},
            "B": {"type": "array", "minItems": 0, "items": {"type": "string", "minLength": 1}},
            "C": {"type": "object", "minProperties": 0, "example": {"minLength": 0}},
        }}});
        let mut report = Report::default();
        drop_vacuous_bounds(&mut doc, &mut report).unwrap();
        let s = &doc["components"]["schemas"];
        assert_eq!(s["A"], serde_json::json!({"type": "string", "maxLength": 5}));
        assert_eq!(s["B"], serde_json::json!({"type": "array", "items": {"type": "string", "minLength": 1}}));
        // An example is data, not a schema: untouched.
        assert_eq!(s["C"], serde_json::json!({"type": "object", "example": {"minLength": 0}}));
        assert_eq!(report.entries.len(), 3);
    }
    use crate::transform::yaml;
    use serde_json::json;

    #[test]
    fn type_names_outside_json_schema_are_read_or_removed() {
        let mut doc = yaml(
            "openapi: 3.0.1\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        n: {type: int}\n        f: {type: Double}\n        b: {type: bool}\n        up: {type: file}\n        odd: {type: thing, description: d}\n        ok: {type: string}\n",
        );
        let mut report = Report::default();
        normalize_type_names(&mut doc, &mut report).unwrap();
        let p = &doc["components"]["schemas"]["A"]["properties"];
        assert_eq!(p["n"], json!({"type": "integer"}));
        assert_eq!(p["f"], json!({"type": "number"}));
        assert_eq!(p["b"], json!({"type": "boolean"}));
        assert_eq!(p["up"], json!({"type": "string", "format": "binary"}));
        assert_eq!(p["odd"], json!({"description": "d"}));
        assert_eq!(p["ok"], json!({"type": "string"}));
        assert_eq!(report.entries.len(), 5);
    }

    #[test]
    fn patterns_are_made_usable_or_removed() {
        let mut doc = yaml(
            "openapi: 3.0.3\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        name: {type: string, pattern: '/^[a-zA-Z0-9_-]{1,40}$/'}\n        word: {type: string, pattern: '/^\\p{L}+$/u'}\n        loose: {type: string, pattern: '/^[a-z]+$/i'}\n        py: {type: string, pattern: '^(?P<area>\\d{3})$'}\n        path: {type: string, pattern: '/api/'}\n        fine: {type: string, pattern: '^\\+[1-9]\\d{1,14}$'}\n",
        );
        let mut report = Report::default();
        repair_patterns(&mut doc, &mut report).unwrap();
        let p = &doc["components"]["schemas"]["A"]["properties"];
        assert_eq!(p["name"]["pattern"], "^[a-zA-Z0-9_-]{1,40}$");
        assert_eq!(p["loose"].get("pattern"), None, "case-insensitive: cannot be applied");
        assert_eq!(p["py"].get("pattern"), None, "Python's named group is not ECMAScript");
        assert_eq!(p["path"]["pattern"], "/api/", "not anchored: not read as a literal");
        assert_eq!(p["fine"]["pattern"], "^\\+[1-9]\\d{1,14}$");
        // `\p{L}` outside unicode mode is the letters `p{L}` (regress, as typify compiles it), so
        // the pattern would refuse every word: removed.
        assert!(regress::Regex::new("^\\p{L}+$").unwrap().find("hello").is_none());
        assert_eq!(p["word"].get("pattern"), None);
        for schema in p.as_object().unwrap().values() {
            if let Some(kept) = schema.get("pattern").and_then(Value::as_str) {
                assert!(regress::Regex::new(kept).is_ok(), "{kept}");
            }
        }
        assert!(report.entries.len() >= 3, "{:?}", report.entries);

        // A pattern its own values do not match (Vapi: a placeholder name as the pattern of a role
        // whose members list `admin`, `editor`, `viewer`) would refuse every one of them.
        let mut doc = yaml(
            "openapi: 3.0.3\ncomponents:\n  schemas:\n    Role: {pattern: ROLE_PATTERN, oneOf: [{type: string, enum: [admin, viewer]}, {type: string, pattern: '^org-'}]}\n    Code: {type: string, pattern: '^[A-Z]{2}$', example: us}\n    Ok: {type: string, pattern: '^[a-z]+$', example: fine, enum: [fine, good]}\n",
        );
        let mut report = Report::default();
        repair_patterns(&mut doc, &mut report).unwrap();
        let s = &doc["components"]["schemas"];
        assert_eq!(s["Role"].get("pattern"), None);
        assert_eq!(s["Role"]["oneOf"][1]["pattern"], "^org-", "a member's own pattern stands");
        assert_eq!(s["Code"].get("pattern"), None);
        assert_eq!(s["Ok"]["pattern"], "^[a-z]+$");
        assert_eq!(report.entries.len(), 2);
        assert!(report.entries[0].change.contains("\"admin\""), "{:?}", report.entries);
    }

    #[test]
    fn drops_formats_its_own_values_contradict() {
        let mut doc = yaml(
            "openapi: 3.0.3\ncomponents:\n  schemas:\n    Conv: {type: string, format: uuid, example: CON-f972836a-550f-45fa-956c-12a2ab5b7d22}\n    Leg: {type: string, format: uuid, example: 63f61863-4a51-4f6b-86e1-46edebcf9356}\n    A:\n      type: object\n      properties:\n        start: {type: string, format: date-time, example: '2020-01-01 12:00:00'}\n        at: {type: string, format: date-time, example: '2016-11-14T07:45:14Z'}\n        day: {type: string, format: date, default: today}\n        ip: {type: string, format: ipv4, examples: ['10.0.0.1', 'localhost']}\n        link: {type: string, format: uri, example: not a uri}\n        n: {type: integer, format: int64, example: 3}\n        bare: {type: string, format: uuid}\n",
        );
        let mut report = Report::default();
        drop_contradicted_formats(&mut doc, &mut report).unwrap();
        let s = &doc["components"]["schemas"];
        assert_eq!(
            s["Conv"],
            json!({"type": "string", "example": "CON-f972836a-550f-45fa-956c-12a2ab5b7d22"})
        );
        assert_eq!(s["Leg"]["format"], "uuid");
        let p = &s["A"]["properties"];
        assert_eq!(p["start"].get("format"), None);
        assert_eq!(p["at"]["format"], "date-time");
        assert_eq!(p["day"].get("format"), None);
        assert_eq!(p["ip"].get("format"), None);
        assert_eq!(p["link"]["format"], "uri", "typify keeps a `uri` a String anyway");
        assert_eq!(p["n"]["format"], "int64");
        assert_eq!(p["bare"]["format"], "uuid", "no value of its own: the format stands");
        let pointers: Vec<&str> = report.entries.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/components/schemas/Conv/format",
                "/components/schemas/A/properties/start/format",
                "/components/schemas/A/properties/day/format",
                "/components/schemas/A/properties/ip/format",
            ]
        );
        assert!(
            report.entries[0].change.contains("\"CON-f972836a-550f-45fa-956c-12a2ab5b7d22\" is not a uuid")
        );
    }

    #[test]
    fn drops_formats_of_objects_and_arrays_only() {
        let mut doc = yaml(
            "openapi: 3.0.3\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        links: {type: object, format: uri-map, description: d}\n        ids: {type: array, format: uuid, items: {type: string}}\n        at: {type: string, format: date-time}\n        n: {type: integer, format: int64}\n        loose: {format: uuid}\n",
        );
        let mut report = Report::default();
        drop_misplaced_formats(&mut doc, &mut report).unwrap();
        let p = &doc["components"]["schemas"]["A"]["properties"];
        assert_eq!(p["links"], json!({"type": "object", "description": "d"}));
        assert_eq!(p["ids"], json!({"type": "array", "items": {"type": "string"}}));
        assert_eq!(p["at"]["format"], "date-time");
        assert_eq!(p["n"]["format"], "int64");
        assert_eq!(p["loose"]["format"], "uuid", "an untyped schema without structure is a string to typify");
        let pointers: Vec<&str> = report.entries.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            ["/components/schemas/A/properties/links/format", "/components/schemas/A/properties/ids/format"]
        );
    }

    #[test]
    fn splits_any_of_next_to_one_of() {
        let mut doc = yaml(
            "openapi: 3.0.3\ncomponents:\n  schemas:\n    R: {anyOf: [{$ref: '#/a'}, {$ref: '#/b'}, {$ref: '#/c'}], oneOf: [{$ref: '#/a'}, {$ref: '#/b'}]}\n    S: {anyOf: [{type: string}], oneOf: [{type: integer}]}\n",
        );
        let mut report = Report::default();
        split_combined_compositions(&mut doc, &mut report).unwrap();
        assert_eq!(doc["components"]["schemas"]["R"], json!({"oneOf": [{"$ref": "#/a"}, {"$ref": "#/b"}]}));
        assert_eq!(
            doc["components"]["schemas"]["S"],
            json!({"allOf": [{"anyOf": [{"type": "string"}]}, {"oneOf": [{"type": "integer"}]}]})
        );
        let pointers: Vec<&str> = report.entries.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/components/schemas/R/anyOf", "/components/schemas/S"]);
    }

    #[test]
    fn merges_one_member_unions_into_all_of() {
        let mut doc = yaml(
            "openapi: 3.0.3\ncomponents:\n  schemas:\n    R:\n      type: object\n      properties:\n        eval: {description: d, oneOf: [{$ref: '#/components/schemas/E', title: E}], allOf: [{$ref: '#/components/schemas/E'}]}\n        two: {oneOf: [{$ref: '#/a'}], anyOf: [{$ref: '#/b'}]}\n        union: {oneOf: [{$ref: '#/a'}, {$ref: '#/b'}], allOf: [{$ref: '#/c'}]}\n        alone: {oneOf: [{$ref: '#/a'}]}\n",
        );
        let mut report = Report::default();
        merge_single_member_compositions(&mut doc, &mut report).unwrap();
        let p = &doc["components"]["schemas"]["R"]["properties"];
        assert_eq!(p["eval"], json!({"description": "d", "allOf": [{"$ref": "#/components/schemas/E"}]}));
        assert_eq!(p["two"], json!({"allOf": [{"$ref": "#/b"}, {"$ref": "#/a"}]}));
        assert_eq!(
            p["union"],
            json!({"oneOf": [{"$ref": "#/a"}, {"$ref": "#/b"}], "allOf": [{"$ref": "#/c"}]}),
            "a real union stays"
        );
        assert_eq!(p["alone"], json!({"oneOf": [{"$ref": "#/a"}]}));
        let pointers: Vec<&str> = report.entries.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            ["/components/schemas/R/properties/eval", "/components/schemas/R/properties/two"]
        );
    }
}
