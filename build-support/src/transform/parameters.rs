use crate::report::Report;
use crate::visit::{for_each_operation, join};
use anyhow::Result;
use serde_json::Value;

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
                report.record("strip_auth_header_parameters", ptr.to_owned(), "removed the `Authorization` header parameter");
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
        assert_eq!(doc["paths"]["/a"]["get"]["parameters"], json!([{"name": "limit", "in": "query", "schema": {"type": "integer"}}]));
        assert_eq!(report.entries.len(), 1);
    }
}
