//! Paths and responses as OpenAPI requires them, where hand-written documents leave them out.

use crate::report::Report;
use crate::visit::{for_each_operation, join};
use anyhow::Result;
use serde_json::{Value, json};

/// A path key without its leading `/` (`calls/{id}`).
///
/// OpenAPI requires paths to start with `/`; progenitor left such an operation out without a word
/// (its URL would have been the base URL and the path run together). The `/` is added; a key that
/// would then collide with an existing path is left as published and reported.
pub fn complete_path_slashes(doc: &mut Value, report: &mut Report) -> Result<()> {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return Ok(()) };
    let bare: Vec<String> =
        paths.keys().filter(|k| !k.starts_with('/') && !k.starts_with("x-")).cloned().collect();
    if bare.is_empty() {
        return Ok(());
    }
    for key in bare {
        let fixed = format!("/{key}");
        if paths.contains_key(&fixed) {
            report.record(
                "complete_path_slashes",
                join("/paths", &key),
                format!("`{key}` has no leading `/`, and `{fixed}` exists: left as published"),
            );
            continue;
        }
        report.record("complete_path_slashes", join("/paths", &key), format!("`{key}` → `{fixed}`"));
    }
    // Rebuilt in order, so the document's order of operations is kept.
    let taken: std::collections::BTreeSet<String> = paths.keys().cloned().collect();
    let rebuilt: serde_json::Map<String, Value> = std::mem::take(paths)
        .into_iter()
        .map(|(k, v)| {
            let fixed = format!("/{k}");
            if !k.starts_with('/') && !k.starts_with("x-") && !taken.contains(&fixed) {
                (fixed, v)
            } else {
                (k, v)
            }
        })
        .collect();
    *paths = rebuilt;
    Ok(())
}

/// An operation without `responses`, or with none in it.
///
/// OpenAPI requires at least one response; openapiv3 refuses an operation without the field (it
/// was skipped), and progenitor makes every status of an empty `responses: {}` an "unexpected
/// response" error, success included. Such an operation gets `2XX` with any content: a success is
/// returned with its body as bytes, as sent, and the rest stay errors.
pub fn complete_operation_responses(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_operation(doc, &mut |ptr, _, _, op| {
        let empty = match op.get("responses") {
            None => true,
            Some(Value::Object(r)) => r.keys().all(|k| k.starts_with("x-")),
            Some(_) => true,
        };
        if empty {
            let extensions: serde_json::Map<String, Value> = op
                .get("responses")
                .and_then(Value::as_object)
                .map(|r| r.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            let mut responses = json!({"2XX": {"description": "Not documented: any success, its body as sent.", "content": {"*/*": {}}}});
            if let Some(r) = responses.as_object_mut() {
                r.extend(extensions);
            }
            op.insert("responses".into(), responses);
            report.record(
                "complete_operation_responses",
                join(ptr, "responses"),
                "no response documented: `2XX` with any content (the body as bytes)",
            );
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;

    #[test]
    fn paths_get_their_leading_slash() {
        let mut doc = yaml(
            "openapi: 3.0.0\npaths:\n  calls/{id}: {get: {responses: {'200': {description: ok}}}}\n  /calls: {get: {responses: {'200': {description: ok}}}}\n  calls: {post: {responses: {'200': {description: ok}}}}\n",
        );
        let mut report = Report::default();
        complete_path_slashes(&mut doc, &mut report).unwrap();
        let keys: Vec<&str> = doc["paths"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["/calls/{id}", "/calls", "calls"], "the colliding one is left as published");
        assert_eq!(report.entries.len(), 2);
    }

    #[test]
    fn operations_without_responses_get_any_success() {
        let mut doc = yaml(
            "openapi: 3.0.0\npaths:\n  /a:\n    post: {}\n    put: {responses: {}}\n    get: {responses: {'200': {description: ok}}}\n",
        );
        let mut report = Report::default();
        complete_operation_responses(&mut doc, &mut report).unwrap();
        let a = &doc["paths"]["/a"];
        assert_eq!(a["post"]["responses"]["2XX"]["content"], json!({"*/*": {}}));
        assert_eq!(a["put"]["responses"]["2XX"]["content"], json!({"*/*": {}}));
        assert_eq!(a["get"]["responses"], json!({"200": {"description": "ok"}}));
        assert_eq!(report.entries.len(), 2);
    }
}
