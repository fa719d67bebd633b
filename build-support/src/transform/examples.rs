use crate::report::Report;
use crate::visit::for_each_schema;
use anyhow::Result;
use serde_json::{Map, Value, json};

/// The JSON type name of a value, as OpenAPI spells it.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn accepts(declared: &str, value: &Value) -> bool {
    let actual = json_type(value);
    declared == actual || (declared == "number" && actual == "integer")
}

/// A schema contradicting its own `example` (Fluents `telephony_provider`: `type: object`, example
/// `"twilio"`).
///
/// Generated from the declared type alone, the field cannot hold the value the provider documents.
/// Neither side is dropped: the schema becomes `oneOf` of the example's type and the declared
/// schema, so both shapes deserialize (typify: an untagged enum). Only schemas without structure of
/// their own (no properties, items or enum) are widened; a structured one is left as published.
pub fn widen_contradicted_types(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        let (Some(declared), Some(example)) = (obj.get("type").and_then(Value::as_str), obj.get("example"))
        else {
            return Ok(());
        };
        if example.is_null() || accepts(declared, example) {
            return Ok(());
        }
        if ["properties", "items", "enum", "allOf", "anyOf", "oneOf"].iter().any(|k| obj.contains_key(*k)) {
            return Ok(());
        }
        let declared = declared.to_owned();
        let example_type = json_type(example);
        let mut outer = Map::new();
        for key in ["description", "example", "nullable", "deprecated", "readOnly", "writeOnly", "default"] {
            if let Some(v) = obj.remove(key) {
                outer.insert(key.into(), v);
            }
        }
        let inner = Value::Object(std::mem::take(obj));
        let mut widened = Map::new();
        widened.insert("oneOf".into(), json!([{ "type": example_type }, inner]));
        widened.extend(outer);
        *schema = Value::Object(widened);
        report.record(
            "widen_contradicted_types",
            ptr,
            format!("declared `type: {declared}` but the example is a {example_type}; widened to `oneOf: [{example_type}, {declared}]`"),
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;

    #[test]
    fn widens_object_with_string_example() {
        let mut doc = yaml(
            "openapi: 3.0.0\ncomponents:\n  schemas:\n    Call:\n      type: object\n      properties:\n        telephony_provider: {type: object, example: twilio}\n        count: {type: number, example: 3}\n",
        );
        let mut report = Report::default();
        widen_contradicted_types(&mut doc, &mut report).unwrap();
        assert_eq!(
            doc["components"]["schemas"]["Call"]["properties"]["telephony_provider"],
            json!({"oneOf": [{"type": "string"}, {"type": "object"}], "example": "twilio"})
        );
        assert_eq!(
            doc["components"]["schemas"]["Call"]["properties"]["count"],
            json!({"type": "number", "example": 3})
        );
        assert_eq!(report.entries.len(), 1);
    }
}
