//! Walks every schema position of an OpenAPI document held as a `serde_json::Value`.
//!
//! The transformations work on the JSON tree (not on `openapiv3` types) because the defects they
//! repair are exactly what `openapiv3` cannot represent (3.1 type arrays, `$ref` siblings, ...).

use serde_json::Value;

/// Escapes one JSON pointer token (RFC 6901).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Joins a pointer and a token.
pub fn join(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape(token))
}

pub const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Calls `f(pointer, schema)` for every schema object in the document, parents before children.
/// `f` may rewrite the schema in place; the walk then descends into the rewritten schema.
pub fn for_each_schema(
    doc: &mut Value,
    f: &mut dyn FnMut(&str, &mut Value) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let Some(root) = doc.as_object_mut() else { return Ok(()) };
    for (key, value) in root.iter_mut() {
        let ptr = join("", key);
        match key.as_str() {
            "components" => {
                let Some(components) = value.as_object_mut() else { continue };
                for (kind, items) in components.iter_mut() {
                    let kptr = join(&ptr, kind);
                    let Some(items) = items.as_object_mut() else { continue };
                    for (name, item) in items.iter_mut() {
                        let iptr = join(&kptr, name);
                        match kind.as_str() {
                            "schemas" => walk_schema(&iptr, item, f)?,
                            "responses" => walk_response(&iptr, item, f)?,
                            "parameters" | "headers" => walk_parameter(&iptr, item, f)?,
                            "requestBodies" => walk_content(&iptr, item, f)?,
                            _ => {}
                        }
                    }
                }
            }
            "paths" | "webhooks" | "x-webhooks" => {
                let Some(paths) = value.as_object_mut() else { continue };
                for (path, item) in paths.iter_mut() {
                    walk_path_item(&join(&ptr, path), item, f)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn walk_path_item(
    ptr: &str,
    item: &mut Value,
    f: &mut dyn FnMut(&str, &mut Value) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let Some(item) = item.as_object_mut() else { return Ok(()) };
    for (key, value) in item.iter_mut() {
        let kptr = join(ptr, key);
        if key == "parameters" {
            walk_parameters(&kptr, value, f)?;
        } else if METHODS.contains(&key.as_str()) {
            walk_operation(&kptr, value, f)?;
        }
    }
    Ok(())
}

fn walk_parameters(
    ptr: &str,
    params: &mut Value,
    f: &mut dyn FnMut(&str, &mut Value) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if let Some(params) = params.as_array_mut() {
        for (i, p) in params.iter_mut().enumerate() {
            walk_parameter(&format!("{ptr}/{i}"), p, f)?;
        }
    }
    Ok(())
}

fn walk_operation(
    ptr: &str,
    op: &mut Value,
    f: &mut dyn FnMut(&str, &mut Value) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let Some(op) = op.as_object_mut() else { return Ok(()) };
    if let Some(params) = op.get_mut("parameters") {
        walk_parameters(&join(ptr, "parameters"), params, f)?;
    }
    if let Some(body) = op.get_mut("requestBody") {
        walk_content(&join(ptr, "requestBody"), body, f)?;
    }
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        for (status, response) in responses.iter_mut() {
            walk_response(&join(&join(ptr, "responses"), status), response, f)?;
        }
    }
    Ok(())
}

fn walk_parameter(
    ptr: &str,
    p: &mut Value,
    f: &mut dyn FnMut(&str, &mut Value) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if let Some(schema) = p.get_mut("schema") {
        walk_schema(&join(ptr, "schema"), schema, f)?;
    }
    walk_content(ptr, p, f)
}

fn walk_response(
    ptr: &str,
    r: &mut Value,
    f: &mut dyn FnMut(&str, &mut Value) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if let Some(headers) = r.get_mut("headers").and_then(Value::as_object_mut) {
        for (name, h) in headers.iter_mut() {
            walk_parameter(&join(&join(ptr, "headers"), name), h, f)?;
        }
    }
    walk_content(ptr, r, f)
}

fn walk_content(
    ptr: &str,
    holder: &mut Value,
    f: &mut dyn FnMut(&str, &mut Value) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) {
        for (mt, media) in content.iter_mut() {
            if let Some(schema) = media.get_mut("schema") {
                walk_schema(&join(&join(&join(ptr, "content"), mt), "schema"), schema, f)?;
            }
        }
    }
    Ok(())
}

/// Keywords whose value is one subschema.
const ONE: [&str; 6] =
    ["items", "not", "additionalProperties", "contains", "propertyNames", "unevaluatedProperties"];
/// Keywords whose value is an array of subschemas.
const MANY: [&str; 4] = ["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value is a map of subschemas.
const MAP: [&str; 4] = ["properties", "patternProperties", "$defs", "dependentSchemas"];

/// Visits `schema` and then every subschema in it.
pub fn walk_schema(
    ptr: &str,
    schema: &mut Value,
    f: &mut dyn FnMut(&str, &mut Value) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if !schema.is_object() {
        return Ok(());
    }
    f(ptr, schema)?;
    let Some(obj) = schema.as_object_mut() else { return Ok(()) };
    for (key, value) in obj.iter_mut() {
        let kptr = join(ptr, key);
        if ONE.contains(&key.as_str()) {
            walk_schema(&kptr, value, f)?;
        } else if MANY.contains(&key.as_str()) {
            if let Some(items) = value.as_array_mut() {
                for (i, s) in items.iter_mut().enumerate() {
                    walk_schema(&format!("{kptr}/{i}"), s, f)?;
                }
            }
        } else if MAP.contains(&key.as_str())
            && let Some(map) = value.as_object_mut()
        {
            for (name, s) in map.iter_mut() {
                walk_schema(&join(&kptr, name), s, f)?;
            }
        }
    }
    Ok(())
}

/// What [`for_each_operation`] calls: `f(pointer, path, method, operation)`.
pub type OperationVisitor<'a> =
    dyn FnMut(&str, &str, &str, &mut serde_json::Map<String, Value>) -> anyhow::Result<()> + 'a;

/// Calls `f(pointer, path, method, operation)` for every operation under `paths`.
pub fn for_each_operation(doc: &mut Value, f: &mut OperationVisitor<'_>) -> anyhow::Result<()> {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return Ok(()) };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            if let Some(op) = op.as_object_mut() {
                f(&join(&join("/paths", path), method), path, method, op)?;
            }
        }
    }
    Ok(())
}
