use crate::report::Report;
use crate::visit::for_each_schema;
use anyhow::Result;
use serde_json::{Value, json};

/// `type: number` with `format: float` (Altur `PolicyEvaluation.score`).
///
/// typify maps it to `f32`, but a JSON number is a decimal: a provider's `0.87` reads as
/// `0.87f32` and is written back as `0.8700000047683716`, and a value beyond `f32`'s range becomes
/// infinite, then `null`. The format becomes `double` (`f64`), which holds every single-precision
/// value and gives back the decimal the provider sent.
pub fn widen_single_precision_numbers(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        if obj.get("type").and_then(Value::as_str) != Some("number")
            || obj.get("format").and_then(Value::as_str) != Some("float")
        {
            return Ok(());
        }
        obj.insert("format".into(), json!("double"));
        report.record(
            "widen_single_precision_numbers",
            ptr,
            "`format: float` → `double`: an `f32` would not give back the decimal the provider sent",
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;

    #[test]
    fn float_numbers_become_double_and_nothing_else_changes() {
        let mut doc = yaml(
            "openapi: 3.0.0\ncomponents:\n  schemas:\n    Eval:\n      type: object\n      properties:\n        score: {type: number, format: float, nullable: true}\n        ratio: {type: number}\n        big: {type: number, format: double}\n        count: {type: integer, format: int32}\n        label: {type: string, format: float}\n",
        );
        let before = doc.clone();
        let mut report = Report::default();
        widen_single_precision_numbers(&mut doc, &mut report).unwrap();
        let props = &doc["components"]["schemas"]["Eval"]["properties"];
        assert_eq!(props["score"], json!({"type": "number", "format": "double", "nullable": true}));
        for unchanged in ["ratio", "big", "count", "label"] {
            assert_eq!(
                props[unchanged], before["components"]["schemas"]["Eval"]["properties"][unchanged],
                "{unchanged}"
            );
        }
        assert_eq!(report.entries.len(), 1);
        assert_eq!(report.entries[0].pointer, "/components/schemas/Eval/properties/score");
    }
}
