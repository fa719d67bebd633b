use crate::report::Report;
use crate::visit::{METHODS, for_each_schema, join};
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
            format!(
                "`$ref: {}` with siblings {} wrapped in `allOf` so they are kept",
                reference.as_str().unwrap_or("?"),
                siblings.join(", ")
            ),
        );
        Ok(())
    })
}

/// Follows a local `$ref` chain to its target.
fn follow<'a>(doc: &'a Value, mut value: &'a Value) -> Option<&'a Value> {
    for _ in 0..32 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => value = doc.pointer(r.strip_prefix('#')?)?,
            None => return Some(value),
        }
    }
    None
}

/// References where openapiv3 or progenitor do not follow them: an operation's callback given as
/// `$ref` (Bandwidth: the document does not even parse, `invalid type: string, expected struct
/// PathItem`) and a path item given as `$ref` (progenitor: `path ... uses reference, unsupported`).
///
/// Each local reference is replaced by a copy of what it names (a path item's own keys win over
/// the referenced ones). References to other files are left as they are.
pub fn inline_unfollowed_refs(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return Ok(()) };
    for (path, item) in paths.iter_mut() {
        let item_ptr = join("/paths", path);
        if let Some(reference) = item.get("$ref").and_then(Value::as_str).map(str::to_owned)
            && let Some(Value::Object(target)) = follow(&snapshot, item)
        {
            let mut merged = target.clone();
            if let Some(own) = item.as_object() {
                merged.extend(own.iter().filter(|(k, _)| *k != "$ref").map(|(k, v)| (k.clone(), v.clone())));
            }
            *item = Value::Object(merged);
            report.record(
                "inline_unfollowed_refs",
                item_ptr.clone(),
                format!("path item `$ref: {reference}` replaced by a copy of it"),
            );
        }
        let Some(item) = item.as_object_mut() else { continue };
        for method in METHODS {
            let Some(callbacks) =
                item.get_mut(method).and_then(|op| op.get_mut("callbacks")).and_then(Value::as_object_mut)
            else {
                continue;
            };
            for (name, callback) in callbacks.iter_mut() {
                let Some(reference) = callback.get("$ref").and_then(Value::as_str).map(str::to_owned) else {
                    continue;
                };
                let Some(target) = follow(&snapshot, callback) else { continue };
                *callback = target.clone();
                report.record(
                    "inline_unfollowed_refs",
                    join(&join(&join(&item_ptr, method), "callbacks"), name),
                    format!("callback `$ref: {reference}` replaced by a copy of it (openapiv3 reads only inline callbacks)"),
                );
            }
        }
    }
    Ok(())
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
        assert_eq!(
            doc["components"]["schemas"]["B"]["properties"]["plain"],
            json!({"$ref": "#/components/schemas/A"})
        );
        assert_eq!(report.entries.len(), 1);
        assert_eq!(report.entries[0].pointer, "/components/schemas/B/properties/a");
    }

    #[test]
    fn inlines_callback_and_path_item_refs() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /m:\n    post:\n      responses: {}\n      callbacks:\n        status: {$ref: '#/components/callbacks/status'}\n        inline: {'{$url}': {post: {responses: {}}}}\n  /shared: {$ref: '#/x-items/shared', summary: own}\ncomponents:\n  callbacks:\n    status: {'{$request.body#/url}': {post: {responses: {'200': {description: ok}}}}}\nx-items:\n  shared: {summary: theirs, get: {responses: {}}}\n",
        );
        let mut report = Report::default();
        inline_unfollowed_refs(&mut doc, &mut report).unwrap();
        assert_eq!(
            doc["paths"]["/m"]["post"]["callbacks"]["status"],
            doc["components"]["callbacks"]["status"]
        );
        assert_eq!(doc["paths"]["/shared"], json!({"summary": "own", "get": {"responses": {}}}));
        let pointers: Vec<&str> = report.entries.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/paths/~1m/post/callbacks/status", "/paths/~1shared"]);
    }
}
