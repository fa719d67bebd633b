use crate::report::Report;
use crate::visit::for_each_schema;
use anyhow::Result;
use serde_json::{Map, Value, json};

/// `$ref` with sibling keywords (`description`, `nullable`, ...).
///
/// In OpenAPI 3.0 a `$ref` object's siblings are ignored, and openapiv3 drops them while parsing, so
/// Altur's `policy_evaluation` loses its description and a `nullable` reference becomes required.
/// OpenAPI 3.1 allows the siblings. Either way the author meant them: the reference is wrapped as
/// `{allOf: [{$ref}], <siblings>}`, which 3.0 tools read as intended (typify: `Option<T>` for nullable).
pub fn wrap_ref_siblings(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        if !obj.contains_key("$ref") || obj.len() == 1 {
            return Ok(());
        }
        let reference = obj.remove("$ref").unwrap_or_default();
        let siblings: Vec<String> = obj.keys().cloned().collect();
        let mut wrapped = Map::new();
        wrapped.insert("allOf".into(), json!([{ "$ref": reference }]));
        wrapped.extend(std::mem::take(obj));
        *schema = Value::Object(wrapped);
        report.record(
            "wrap_ref_siblings",
            ptr,
            format!("`$ref: {}` with siblings {} wrapped in `allOf` so they are kept", reference.as_str().unwrap_or("?"), siblings.join(", ")),
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;

    #[test]
    fn wraps_description_and_nullable_and_leaves_plain_refs() {
        let mut doc = yaml(
            "openapi: 3.0.3\ncomponents:\n  schemas:\n    A: {type: object}\n    B:\n      type: object\n      properties:\n        a:\n          $ref: '#/components/schemas/A'\n          description: the a\n          nullable: true\n        plain:\n          $ref: '#/components/schemas/A'\n",
        );
        let mut report = Report::default();
        wrap_ref_siblings(&mut doc, &mut report).unwrap();
        assert_eq!(
            doc["components"]["schemas"]["B"]["properties"]["a"],
            json!({"allOf": [{"$ref": "#/components/schemas/A"}], "description": "the a", "nullable": true})
        );
        assert_eq!(doc["components"]["schemas"]["B"]["properties"]["plain"], json!({"$ref": "#/components/schemas/A"}));
        assert_eq!(report.entries.len(), 1);
        assert_eq!(report.entries[0].pointer, "/components/schemas/B/properties/a");
    }
}
