use super::examples::json_type;
use crate::report::Report;
use crate::visit::for_each_schema;
use anyhow::Result;
use serde_json::Value;

/// How deep `conforms` follows nested schemas and references before it stops judging.
const MAX_DEPTH: usize = 32;

/// Whether `value` is valid against `schema`: `Some(false)` only when it certainly is not (a type,
/// `enum`, required property or closed object it breaks), `None` when this check cannot tell.
pub(crate) fn conforms(doc: &Value, schema: &Value, value: &Value, depth: usize) -> Option<bool> {
    if depth > MAX_DEPTH {
        return None;
    }
    let obj = schema.as_object()?;
    if let Some(reference) = obj.get("$ref").and_then(Value::as_str) {
        let target = reference.strip_prefix('#').and_then(|p| doc.pointer(p))?;
        return conforms(doc, target, value, depth + 1);
    }
    if value.is_null() && obj.get("nullable").is_some_and(|n| n == true) {
        return Some(true);
    }
    let mut verdict = Some(true);
    let mut and = |v: Option<bool>| {
        verdict = match (verdict, v) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        }
    };
    if let Some(values) = obj.get("enum").and_then(Value::as_array) {
        and(Some(
            values.iter().any(|v| v == value || (v.as_f64().is_some() && v.as_f64() == value.as_f64())),
        ));
    }
    if let Some(t) = obj.get("type").and_then(Value::as_str) {
        let actual = json_type(value);
        and(Some(t == actual || (t == "number" && actual == "integer")));
    }
    match value {
        Value::Object(map) => {
            if let Some(required) = obj.get("required").and_then(Value::as_array) {
                and(Some(required.iter().filter_map(Value::as_str).all(|r| map.contains_key(r))));
            }
            let properties = obj.get("properties").and_then(Value::as_object);
            for (k, v) in map {
                match properties.and_then(|p| p.get(k)) {
                    Some(s) => and(conforms(doc, s, v, depth + 1)),
                    None => match obj.get("additionalProperties") {
                        Some(Value::Bool(false)) => and(Some(false)),
                        Some(s @ Value::Object(_)) => and(conforms(doc, s, v, depth + 1)),
                        _ => {}
                    },
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = obj.get("items") {
                for item in items {
                    and(conforms(doc, s, item, depth + 1));
                }
            }
        }
        _ => {}
    }
    if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
        for s in all {
            and(conforms(doc, s, value, depth + 1));
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(any) = obj.get(key).and_then(Value::as_array) {
            let each: Vec<Option<bool>> = any.iter().map(|s| conforms(doc, s, value, depth + 1)).collect();
            and(if each.contains(&Some(true)) {
                Some(true)
            } else if each.iter().all(|v| *v == Some(false)) {
                Some(false)
            } else {
                None
            });
        }
    }
    verdict
}

/// A `default` that its own schema does not accept (a list as the default of a string enum; a
/// value outside the `enum`).
///
/// typify checks every default against the type it generates and fails the whole document (`value
/// does not conform to the given schema`, naming nothing). A default is an annotation: dropping one
/// that cannot be valid changes no accepted value; the field simply has no default.
pub fn drop_nonconforming_defaults(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(default) = schema.get("default") else { return Ok(()) };
        if conforms(&snapshot, schema, default, 0) != Some(false) {
            return Ok(());
        }
        let shown = default.to_string();
        let shown = if shown.chars().count() > 80 {
            format!("{}…", shown.chars().take(80).collect::<String>())
        } else {
            shown
        };
        schema.as_object_mut().map(|o| o.remove("default"));
        report.record(
            "drop_nonconforming_defaults",
            format!("{ptr}/default"),
            format!("`default: {shown}` is not valid against its own schema; dropped"),
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;
    use serde_json::json;

    #[test]
    fn judges_values() {
        let doc = yaml(
            "components:\n  schemas:\n    E: {type: string, enum: [a, b]}\n    O: {type: object, required: [id], properties: {id: {type: string}, e: {$ref: '#/components/schemas/E'}}, additionalProperties: false}\n",
        );
        let s = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
        assert_eq!(conforms(&doc, &s("E"), &json!("a"), 0), Some(true));
        assert_eq!(conforms(&doc, &s("E"), &json!(["a"]), 0), Some(false));
        assert_eq!(conforms(&doc, &s("O"), &json!({"id": "x", "e": "b"}), 0), Some(true));
        assert_eq!(conforms(&doc, &s("O"), &json!({"e": "b"}), 0), Some(false), "required id missing");
        assert_eq!(
            conforms(&doc, &s("O"), &json!({"id": "x", "e": "c"}), 0),
            Some(false),
            "e outside its enum"
        );
        assert_eq!(conforms(&doc, &s("O"), &json!({"id": "x", "z": 1}), 0), Some(false), "closed object");
        assert_eq!(conforms(&doc, &json!({"type": "number"}), &json!(3), 0), Some(true));
        assert_eq!(conforms(&doc, &json!({"type": "string", "nullable": true}), &json!(null), 0), Some(true));
        assert_eq!(
            conforms(&doc, &json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}), &json!(true), 0),
            Some(false)
        );
        assert_eq!(
            conforms(&doc, &json!({"$ref": "other.yaml#/X"}), &json!(1), 0),
            None,
            "cannot tell: kept"
        );
    }

    #[test]
    fn drops_only_impossible_defaults() {
        let mut doc = yaml(
            "openapi: 3.0.3\ncomponents:\n  schemas:\n    X:\n      type: object\n      properties:\n        columns: {type: string, enum: [id, name], default: [id, name]}\n        verb: {type: string, enum: [refer, bye], default: refer}\n        n: {type: integer, default: 3}\n",
        );
        let mut report = Report::default();
        drop_nonconforming_defaults(&mut doc, &mut report).unwrap();
        let p = &doc["components"]["schemas"]["X"]["properties"];
        assert!(p["columns"].get("default").is_none());
        assert_eq!(p["verb"]["default"], "refer");
        assert_eq!(p["n"]["default"], 3);
        assert_eq!(report.entries.len(), 1);
        assert_eq!(report.entries[0].pointer, "/components/schemas/X/properties/columns/default");
    }
}
