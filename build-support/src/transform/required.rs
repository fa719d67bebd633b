use crate::report::Report;
use crate::visit::{for_each_schema, join, walk_schema};
use anyhow::Result;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

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

/// `required: true` written on a property's own schema (Swagger 2 and hand-written documents:
/// `phone_number: {type: string, required: true}`), where OpenAPI wants a list of names on the
/// object.
///
/// openapiv3 refuses the boolean, so the operations that use the schema were skipped. The property
/// becomes required the way the document means it: its name is added to the object's `required`
/// list (`required: false` is simply removed). A boolean `required` on a schema that is not a
/// property says nothing and is removed.
pub fn hoist_boolean_required(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        if obj.get("required").is_some_and(Value::is_boolean) {
            obj.remove("required");
            report.record(
                "hoist_boolean_required",
                format!("{ptr}/required"),
                "boolean `required` on a schema that is not a property: removed",
            );
        }
        let mut hoisted = Vec::new();
        if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
            for (name, property) in props.iter_mut() {
                let Some(p) = property.as_object_mut() else { continue };
                if let Some(Value::Bool(flag)) = p.get("required").cloned() {
                    p.remove("required");
                    hoisted.push((name.clone(), flag));
                }
            }
        }
        for (name, flag) in hoisted {
            if flag {
                let list = obj.entry("required").or_insert_with(|| Value::Array(Vec::new()));
                if let Some(list) = list.as_array_mut()
                    && !list.iter().any(|r| r.as_str() == Some(name.as_str()))
                {
                    list.push(Value::String(name.clone()));
                }
            }
            report.record(
                "hoist_boolean_required",
                format!("{}/required", join(&join(ptr, "properties"), &name)),
                if flag {
                    format!("`required: true` on the property: `{name}` added to the object's `required`")
                } else {
                    "`required: false` on the property: removed (it is optional)".to_owned()
                },
            );
        }
        Ok(())
    })
}

/// Every `$ref` inside `v`, following references to `components` other than schemas (request
/// bodies, parameters, responses) into what they name.
fn refs_in(doc: &Value, v: &Value, schemas: &mut BTreeSet<String>, seen: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                if let Some(name) = r.strip_prefix("#/components/schemas/") {
                    schemas.insert(name.replace("~1", "/").replace("~0", "~"));
                } else if r.starts_with("#/components/")
                    && seen.insert(r.to_owned())
                    && let Some(target) = r.strip_prefix('#').and_then(|p| doc.pointer(p))
                {
                    refs_in(doc, target, schemas, seen);
                }
            }
            m.values().for_each(|c| refs_in(doc, c, schemas, seen));
        }
        Value::Array(l) => l.iter().for_each(|c| refs_in(doc, c, schemas, seen)),
        _ => {}
    }
}

/// The component schemas reachable from `roots` through `$ref`s.
fn closure(doc: &Value, roots: BTreeSet<String>) -> BTreeSet<String> {
    let mut done = BTreeSet::new();
    let mut todo: Vec<String> = roots.into_iter().collect();
    while let Some(name) = todo.pop() {
        if !done.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = doc.pointer(&join("/components/schemas", &name)) {
            let mut found = BTreeSet::new();
            refs_in(doc, schema, &mut found, &mut BTreeSet::new());
            todo.extend(found.into_iter().filter(|n| !done.contains(n)));
        }
    }
    done
}

/// Whether a property schema is marked `key` (`readOnly`/`writeOnly`), on itself or on the
/// component it refers to (bare, or wrapped in a one-member `allOf`).
fn marked(doc: &Value, property: &Value, key: &str) -> bool {
    if property.get(key) == Some(&Value::Bool(true)) {
        return true;
    }
    let reference = property.get("$ref").or_else(|| match property.get("allOf").and_then(Value::as_array) {
        Some(members) if members.len() == 1 => members[0].get("$ref"),
        _ => None,
    });
    reference
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| doc.pointer(p))
        .is_some_and(|t| t.get(key) == Some(&Value::Bool(true)))
}

/// Removes from `required`, in `schema` and every subschema, the properties marked with one of `keys`.
fn relax(doc: &Value, ptr: &str, schema: &mut Value, keys: &[&str], report: &mut Report) -> Result<()> {
    walk_schema(ptr, schema, &mut |ptr, s| {
        let Some(obj) = s.as_object_mut() else { return Ok(()) };
        let Some(props) = obj.get("properties").and_then(Value::as_object) else { return Ok(()) };
        let mut dropped = Vec::new();
        for key in keys {
            for (name, property) in props {
                if marked(doc, property, key) {
                    dropped.push((name.clone(), *key));
                }
            }
        }
        let Some(required) = obj.get_mut("required").and_then(Value::as_array_mut) else { return Ok(()) };
        let mut removed = Vec::new();
        required.retain(|r| match dropped.iter().find(|(n, _)| Some(n.as_str()) == r.as_str()) {
            Some((n, k)) => {
                removed.push(format!("`{n}` ({k})"));
                false
            }
            None => true,
        });
        if required.is_empty() {
            obj.remove("required");
        }
        if !removed.is_empty() {
            report.record(
                "relax_directional_required",
                format!("{ptr}/required"),
                format!("optional here: {}", removed.join(", ")),
            );
        }
        Ok(())
    })
}

/// A required property marked `readOnly` in a schema that requests use, or `writeOnly` in one that
/// responses use (Vapi's `S3CompatibleBucketPlan.secretAccessKey`: required, `writeOnly`, "not
/// returned in the API").
///
/// OpenAPI 3.0: a `readOnly` property "SHOULD NOT be sent as part of the request", a `writeOnly`
/// one "SHOULD NOT be sent as part of the response", and `required` takes effect only in the
/// direction the property is sent. typify generates one type per schema, so such a field would be
/// required both ways: every response without the write-only secret fails to decode, and every
/// request must invent the server-assigned `id`. The property stays required in schemas used only
/// in its own direction; in schemas used the other way (or both) it becomes optional, reported.
/// Which schemas are used which way follows `$ref`s from each operation's parameters and request
/// body, and from its responses.
pub fn relax_directional_required(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    let (mut sent, mut received) = (BTreeSet::new(), BTreeSet::new());
    let mut inline: Vec<(String, bool)> = Vec::new();
    for (path, item) in snapshot.get("paths").and_then(Value::as_object).into_iter().flatten() {
        let path_ptr = join("/paths", path);
        if let Some(params) = item.get("parameters") {
            refs_in(&snapshot, params, &mut sent, &mut BTreeSet::new());
        }
        for (method, op) in item.as_object().into_iter().flatten() {
            if !crate::visit::METHODS.contains(&method.as_str()) {
                continue;
            }
            let op_ptr = join(&path_ptr, method);
            for (key, side) in [("parameters", true), ("requestBody", true), ("responses", false)] {
                if let Some(v) = op.get(key) {
                    refs_in(&snapshot, v, if side { &mut sent } else { &mut received }, &mut BTreeSet::new());
                    inline.push((join(&op_ptr, key), side));
                }
            }
        }
    }
    let sent = closure(&snapshot, sent);
    let received = closure(&snapshot, received);
    // Inline schemas of operations: what they are part of says the direction.
    let mut by_pointer: BTreeMap<String, bool> = BTreeMap::new();
    by_pointer.extend(inline);
    for (ptr, side) in by_pointer {
        let keys: &[&str] = if side { &["readOnly"] } else { &["writeOnly"] };
        let Some(part) = doc.pointer_mut(&ptr) else { continue };
        let mut schemas: Vec<(String, &mut Value)> = Vec::new();
        collect_schemas(&ptr, part, &mut schemas);
        for (p, schema) in schemas {
            relax(&snapshot, &p, schema, keys, report)?;
        }
    }
    // Component schemas: every direction they are used in.
    if let Some(components) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for (name, schema) in components.iter_mut() {
            let mut keys = Vec::new();
            if sent.contains(name) {
                keys.push("readOnly");
            }
            if received.contains(name) {
                keys.push("writeOnly");
            }
            if !keys.is_empty() {
                relax(&snapshot, &join("/components/schemas", name), schema, &keys, report)?;
            }
        }
    }
    Ok(())
}

/// The `schema` values inside an operation's parameters, request body or responses.
fn collect_schemas<'a>(ptr: &str, v: &'a mut Value, out: &mut Vec<(String, &'a mut Value)>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m.iter_mut() {
                let p = join(ptr, k);
                if k == "schema" {
                    out.push((p, c));
                } else {
                    collect_schemas(&p, c, out);
                }
            }
        }
        Value::Array(l) => {
            for (i, c) in l.iter_mut().enumerate() {
                collect_schemas(&format!("{ptr}/{i}"), c, out);
            }
        }
        _ => {}
    }
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

    #[test]
    fn read_only_is_required_only_in_responses_write_only_only_in_requests() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /users:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/User'}\n      responses:\n        '201':\n          description: made\n          content:\n            application/json:\n              schema:\n                type: object\n                required: [token, secret]\n                properties: {token: {type: string, readOnly: true}, secret: {type: string, writeOnly: true}}\n  /users/{id}:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Profile'}\ncomponents:\n  schemas:\n    User:\n      type: object\n      required: [id, name, password, plan]\n      properties:\n        id: {type: string, readOnly: true}\n        name: {type: string}\n        password: {type: string, writeOnly: true}\n        plan: {$ref: '#/components/schemas/Plan'}\n    Plan:\n      type: object\n      required: [key]\n      properties: {key: {type: string, readOnly: true}}\n    Profile:\n      type: object\n      required: [id, password]\n      properties:\n        id: {type: string, readOnly: true}\n        password: {type: string, writeOnly: true}\n        stored: {$ref: '#/components/schemas/Stored'}\n    Stored:\n      type: object\n      required: [secret]\n      properties: {secret: {allOf: [{$ref: '#/components/schemas/Secret'}]}}\n    Secret: {type: string, writeOnly: true}\n    Unused:\n      type: object\n      required: [id]\n      properties: {id: {type: string, readOnly: true}}\n",
        );
        let mut report = Report::default();
        relax_directional_required(&mut doc, &mut report).unwrap();
        let s = &doc["components"]["schemas"];
        // Sent only: readOnly is not required, writeOnly is.
        assert_eq!(s["User"]["required"], json!(["name", "password", "plan"]));
        assert_eq!(s["Plan"].get("required"), None, "reached from a request body through `plan`");
        // Received only: writeOnly is not required (also through a reference), readOnly is.
        assert_eq!(s["Profile"]["required"], json!(["id"]));
        assert_eq!(s["Stored"].get("required"), None);
        // Used nowhere: as published.
        assert_eq!(s["Unused"]["required"], json!(["id"]));
        // An inline response schema.
        let inline =
            &doc["paths"]["/users"]["post"]["responses"]["201"]["content"]["application/json"]["schema"];
        assert_eq!(inline["required"], json!(["token"]));
        assert_eq!(report.entries.len(), 5);
    }

    #[test]
    fn boolean_required_on_properties_moves_to_the_object() {
        let mut doc = yaml(
            "openapi: 3.0.1\ncomponents:\n  schemas:\n    Call:\n      type: object\n      required: [voice]\n      properties:\n        phone_number: {type: string, required: true}\n        voice: {type: string, required: true}\n        task: {type: string, required: false}\n        plain: {type: string}\n    Loose: {type: string, required: true}\n",
        );
        let mut report = Report::default();
        hoist_boolean_required(&mut doc, &mut report).unwrap();
        let call = &doc["components"]["schemas"]["Call"];
        assert_eq!(call["required"], json!(["voice", "phone_number"]));
        assert_eq!(call["properties"]["phone_number"], json!({"type": "string"}));
        assert_eq!(call["properties"]["task"], json!({"type": "string"}));
        assert_eq!(doc["components"]["schemas"]["Loose"], json!({"type": "string"}));
        assert_eq!(report.entries.len(), 4);
    }
}
