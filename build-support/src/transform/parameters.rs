use crate::report::Report;
use crate::visit::{METHODS, for_each_operation, join};
use anyhow::Result;
use serde_json::{Value, json};

fn is_auth_header(doc: &Value, param: &Value) -> bool {
    let param = match param.get("$ref").and_then(Value::as_str) {
        Some(r) => r.strip_prefix('#').and_then(|p| doc.pointer(p)).unwrap_or(&Value::Null),
        None => param,
    };
    param.get("in").and_then(Value::as_str) == Some("header")
        && param.get("name").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case("authorization"))
}

/// An `Authorization` header declared as a parameter.
///
/// progenitor would make it a required argument of every method and the key would travel through
/// every call site. The crates authenticate from the document's security scheme instead (set once on
/// the client), so the parameter is removed.
pub fn strip_auth_header_parameters(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    let strip = |ptr: &str, params: &mut Value, report: &mut Report| {
        if let Some(list) = params.as_array_mut() {
            let before = list.len();
            list.retain(|p| !is_auth_header(&snapshot, p));
            if list.len() != before {
                report.record(
                    "strip_auth_header_parameters",
                    ptr.to_owned(),
                    "removed the `Authorization` header parameter",
                );
            }
        }
    };
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            if let Some(params) = item.get_mut("parameters") {
                strip(&join(&join("/paths", path), "parameters"), params, report);
            }
        }
    }
    for_each_operation(doc, &mut |ptr, _, _, op| {
        if let Some(params) = op.get_mut("parameters") {
            strip(&join(ptr, "parameters"), params, report);
        }
        Ok(())
    })
}

fn resolve<'a>(doc: &'a Value, param: &'a Value) -> &'a Value {
    match param.get("$ref").and_then(Value::as_str) {
        Some(r) => r.strip_prefix('#').and_then(|p| doc.pointer(p)).unwrap_or(param),
        None => param,
    }
}

/// The `{name}` placeholders of a path template, in order.
fn placeholders(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        out.push(rest[start + 1..start + len].to_owned());
        rest = &rest[start + len + 1..];
    }
    out
}

/// Path parameters as OpenAPI requires them: every `{name}` of the path declared (Vapi's
/// `DELETE /call/{id}` declares none: progenitor panics `missing path name mapping id`) and every path
/// parameter `required: true` (progenitor asserts it).
///
/// An undeclared placeholder gets a required string parameter of that name; a path parameter not
/// marked required (inline or in `components.parameters`) is marked required. The URL cannot be
/// built without them, so nothing is lost.
pub fn complete_path_parameters(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    if let Some(params) = doc.pointer_mut("/components/parameters").and_then(Value::as_object_mut) {
        for (name, p) in params.iter_mut() {
            if p.get("in").and_then(Value::as_str) == Some("path")
                && p.get("required") != Some(&Value::Bool(true))
            {
                p["required"] = Value::Bool(true);
                report.record(
                    "complete_path_parameters",
                    join(&join("/components/parameters", name), "required"),
                    "path parameter marked `required: true` (a path parameter always is)",
                );
            }
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return Ok(()) };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        let item_ptr = join("/paths", path);
        let mut shared: Vec<String> = Vec::new();
        if let Some(list) = item.get_mut("parameters").and_then(Value::as_array_mut) {
            mark_required(&format!("{item_ptr}/parameters"), list, report);
            shared = list
                .iter()
                .map(|p| resolve(&snapshot, p))
                .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
                .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_owned))
                .collect();
        }
        for method in METHODS {
            let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else { continue };
            let op_ptr = join(&item_ptr, method);
            let had_parameters = op.contains_key("parameters");
            let list = op.entry("parameters").or_insert_with(|| Value::Array(Vec::new()));
            let Some(list) = list.as_array_mut() else { continue };
            mark_required(&format!("{op_ptr}/parameters"), list, report);
            let declared: Vec<String> = list
                .iter()
                .map(|p| resolve(&snapshot, p))
                .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
                .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_owned))
                .chain(shared.iter().cloned())
                .collect();
            for name in placeholders(path) {
                if declared.contains(&name) {
                    continue;
                }
                list.push(
                    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }),
                );
                report.record(
                    "complete_path_parameters",
                    format!("{op_ptr}/parameters"),
                    format!("the path's `{{{name}}}` is not declared; added a required string path parameter `{name}`"),
                );
            }
            if list.is_empty() && !had_parameters {
                op.remove("parameters");
            }
        }
    }
    Ok(())
}

fn mark_required(ptr: &str, list: &mut [Value], report: &mut Report) {
    for (i, p) in list.iter_mut().enumerate() {
        if p.get("in").and_then(Value::as_str) == Some("path")
            && p.get("required") != Some(&Value::Bool(true))
        {
            p["required"] = Value::Bool(true);
            report.record(
                "complete_path_parameters",
                format!("{ptr}/{i}/required"),
                "path parameter marked `required: true` (a path parameter always is)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;
    use serde_json::json;

    #[test]
    fn removes_inline_and_referenced_authorization() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: Authorization, in: header, required: true, schema: {type: string}}\n        - {$ref: '#/components/parameters/Auth'}\n        - {name: limit, in: query, schema: {type: integer}}\n      responses: {'200': {description: ok}}\ncomponents:\n  parameters:\n    Auth: {name: authorization, in: header, schema: {type: string}}\n",
        );
        let mut report = Report::default();
        strip_auth_header_parameters(&mut doc, &mut report).unwrap();
        assert_eq!(
            doc["paths"]["/a"]["get"]["parameters"],
            json!([{"name": "limit", "in": "query", "schema": {"type": "integer"}}])
        );
        assert_eq!(report.entries.len(), 1);
    }

    #[test]
    fn declares_missing_and_requires_path_parameters() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /call/{id}:\n    delete: {responses: {}}\n    get:\n      parameters: [{name: id, in: path, schema: {type: string}}]\n      responses: {}\n  /a/{x}/b/{y}:\n    parameters: [{$ref: '#/components/parameters/X'}]\n    get: {responses: {}}\ncomponents:\n  parameters:\n    X: {name: x, in: path, schema: {type: integer}}\n",
        );
        let mut report = Report::default();
        complete_path_parameters(&mut doc, &mut report).unwrap();
        assert_eq!(
            doc["paths"]["/call/{id}"]["delete"]["parameters"],
            json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}])
        );
        assert_eq!(doc["paths"]["/call/{id}"]["get"]["parameters"][0]["required"], true);
        assert_eq!(doc["components"]["parameters"]["X"]["required"], true);
        assert_eq!(
            doc["paths"]["/a/{x}/b/{y}"]["get"]["parameters"],
            json!([{"name": "y", "in": "path", "required": true, "schema": {"type": "string"}}]),
            "x comes from the path item"
        );
        let pointers: Vec<&str> = report.entries.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/components/parameters/X/required",
                "/paths/~1call~1{id}/get/parameters/0/required",
                "/paths/~1call~1{id}/delete/parameters",
                "/paths/~1a~1{x}~1b~1{y}/get/parameters"
            ]
        );
    }
}
