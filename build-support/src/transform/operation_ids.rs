use crate::report::Report;
use crate::visit::for_each_operation;
use anyhow::{Result, bail};
use heck::{ToLowerCamelCase, ToSnakeCase};
use serde_json::Value;
use std::collections::BTreeMap;

/// Derives an id from a summary ("Start Call" → `startCall`) or, without one, from the method
/// and path (`GET /calls/{id}/events` → `getCallsIdEvents`).
fn derive(method: &str, path: &str, summary: Option<&str>) -> String {
    let from_summary = summary.map(|s| s.to_lower_camel_case()).filter(|s| !s.is_empty() && s.len() <= 60);
    from_summary.unwrap_or_else(|| {
        let words: Vec<String> = std::iter::once(method.to_owned())
            .chain(path.split('/').filter(|s| !s.is_empty()).map(|s| s.trim_matches(|c| c == '{' || c == '}').to_owned()))
            .collect();
        words.join(" ").to_lower_camel_case()
    })
}

/// Operations without an `operationId`: progenitor refuses them (Altur's Start Call has none).
///
/// The id is derived from the summary when there is one, else from method and path, so it is
/// readable and stable across regenerations. It is made unique against every existing id as
/// progenitor will spell it (snake_case), by appending the method and then a number.
/// Existing ids that collide once snake_cased are refused with an error naming both.
pub fn synthesize_operation_ids(doc: &mut Value, report: &mut Report) -> Result<()> {
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    let mut error = None;
    for_each_operation(doc, &mut |ptr, _, _, op| {
        if let Some(id) = op.get("operationId").and_then(Value::as_str) {
            if let Some(other) = taken.insert(id.to_snake_case(), ptr.to_owned()) {
                error.get_or_insert(format!("operationId {id:?} at {ptr} collides with the one at {other} once snake_cased"));
            }
        }
        Ok(())
    })?;
    if let Some(e) = error {
        bail!(e);
    }
    for_each_operation(doc, &mut |ptr, path, method, op| {
        if op.get("operationId").and_then(Value::as_str).is_some() {
            return Ok(());
        }
        let base = derive(method, path, op.get("summary").and_then(Value::as_str));
        let mut id = base.clone();
        if taken.contains_key(&id.to_snake_case()) {
            id = format!("{base} {method}").to_lower_camel_case();
        }
        let mut n = 2;
        while taken.contains_key(&id.to_snake_case()) {
            id = format!("{base}{n}");
            n += 1;
        }
        let source = if op.get("summary").is_some() { "summary" } else { "method and path" };
        taken.insert(id.to_snake_case(), ptr.to_owned());
        report.record("synthesize_operation_ids", ptr, format!("added `operationId: {id}` (from the {source})"));
        op.insert("operationId".into(), Value::String(id));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;

    #[test]
    fn derives_readable_unique_ids() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /call:\n    post: {summary: Start Call, responses: {}}\n    get: {responses: {}}\n  /calls/{id}:\n    get: {operationId: getCallsId, responses: {}}\n    delete: {summary: Start call, responses: {}}\n",
        );
        let mut report = Report::default();
        synthesize_operation_ids(&mut doc, &mut report).unwrap();
        assert_eq!(doc["paths"]["/call"]["post"]["operationId"], "startCall");
        assert_eq!(doc["paths"]["/call"]["get"]["operationId"], "getCall");
        assert_eq!(doc["paths"]["/calls/{id}"]["get"]["operationId"], "getCallsId");
        assert_eq!(doc["paths"]["/calls/{id}"]["delete"]["operationId"], "startCallDelete");
        assert_eq!(report.entries.len(), 3);
    }

    #[test]
    fn refuses_case_colliding_ids() {
        let mut doc = yaml("openapi: 3.0.3\npaths:\n  /a:\n    get: {operationId: getCall, responses: {}}\n    put: {operationId: get_call, responses: {}}\n");
        let err = synthesize_operation_ids(&mut doc, &mut Report::default()).unwrap_err().to_string();
        assert!(err.contains("get_call") && err.contains("/paths/~1a/get"), "{err}");
    }
}
