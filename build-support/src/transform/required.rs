use crate::report::Report;
use crate::visit::for_each_schema;
use anyhow::Result;
use serde_json::Value;

/// `required` naming a property that the schema does not define (Altur `EndUser.integration`).
///
/// typify makes such a name a required field of type `serde_json::Value`, so every payload without
/// it (including Altur's own documented example response) fails to deserialize. The name is removed
/// from `required` when the schema defines properties and composes nothing that could define it.
pub fn drop_undefined_required(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        if ["allOf", "anyOf", "oneOf"].iter().any(|k| obj.contains_key(*k)) {
            return Ok(());
        }
        let Some(properties) = obj.get("properties").and_then(Value::as_object) else { return Ok(()) };
        let defined: Vec<String> = properties.keys().cloned().collect();
        let Some(required) = obj.get_mut("required").and_then(Value::as_array_mut) else { return Ok(()) };
        let mut dropped = Vec::new();
        required.retain(|name| {
            let keep = name.as_str().is_some_and(|n| defined.iter().any(|d| d == n));
            if !keep {
                dropped.push(name.to_string());
            }
            keep
        });
        if !dropped.is_empty() {
            if required.is_empty() {
                obj.remove("required");
            }
            report.record(
                "drop_undefined_required",
                format!("{ptr}/required"),
                format!("removed {} from `required`: no such property is defined", dropped.join(", ")),
            );
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;
    use serde_json::json;

    #[test]
    fn removes_only_undefined_names() {
        let mut doc = yaml(
            "openapi: 3.0.3\ncomponents:\n  schemas:\n    EndUser:\n      type: object\n      properties: {id: {type: string}}\n      required: [id, integration]\n",
        );
        let mut report = Report::default();
        drop_undefined_required(&mut doc, &mut report).unwrap();
        assert_eq!(doc["components"]["schemas"]["EndUser"]["required"], json!(["id"]));
        assert_eq!(report.entries[0].pointer, "/components/schemas/EndUser/required");
        assert!(report.entries[0].change.contains("\"integration\""));

        let before = doc.clone();
        drop_undefined_required(&mut doc, &mut Report::default()).unwrap();
        assert_eq!(doc, before, "idempotent");
    }
}
