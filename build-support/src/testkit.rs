//! The document `agentdial-testkit` serves: each provider's transformed document (what progenitor
//! saw), written by `cargo xtask generate` to `crates/testkit/documents/<name>.json` and checked by
//! `--check`, so the testkit embeds it and builds from its own package.
//!
//! Prose is left out (it is in the vendored document and the generated rustdoc): `description`,
//! `summary` and `externalDocs` strings and `tags`, except inside values the testkit uses as data
//! (`example`, `examples`, `default`, `enum`, `const`) and except property *names*.

use serde_json::Value;

/// Keys dropped as prose wherever they are keywords.
const PROSE: [&str; 4] = ["description", "summary", "externalDocs", "tags"];
/// Keys whose values are data (kept verbatim).
const DATA: [&str; 5] = ["example", "examples", "default", "enum", "const"];
/// Keys whose values are maps from names (property names, status codes, ...) to keywords.
const NAME_MAPS: [&str; 9] = [
    "properties",
    "paths",
    "responses",
    "schemas",
    "parameters",
    "headers",
    "content",
    "securitySchemes",
    "patternProperties",
];

/// The testkit's copy of a transformed document, as pretty JSON ending in a newline.
pub fn testkit_document(document: &Value) -> String {
    let mut doc = document.clone();
    strip_prose(&mut doc, false);
    let mut text = serde_json::to_string_pretty(&doc).expect("a JSON value serializes");
    text.push('\n');
    text
}

/// `names`: the object is a map from names to keyword objects, so no key of it is prose.
fn strip_prose(value: &mut Value, names: bool) {
    match value {
        Value::Object(map) => {
            if !names {
                map.retain(|k, v| {
                    !(PROSE.contains(&k.as_str()) && (v.is_string() || k == "tags" || k == "externalDocs"))
                });
            }
            for (key, child) in map.iter_mut() {
                if !names && DATA.contains(&key.as_str()) {
                    continue;
                }
                strip_prose(child, !names && NAME_MAPS.contains(&key.as_str()));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| strip_prose(v, false)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drops_prose_but_keeps_data_and_property_names() {
        let doc = json!({
            "info": {"title": "t", "description": "long prose"},
            "tags": [{"name": "Calls"}],
            "paths": {"/calls": {"post": {"summary": "s", "description": "d", "tags": ["Calls"], "operationId": "createCall",
                "responses": {"200": {"description": "ok"}}}}},
            "components": {"schemas": {"Call": {"type": "object", "description": "a call",
                "properties": {"description": {"type": "string", "description": "the call's description"}, "summary": {"type": "string"}},
                "example": {"description": "kept", "summary": "kept too"}}}}
        });
        let out: Value = serde_json::from_str(&testkit_document(&doc)).unwrap();
        assert_eq!(out["info"], json!({"title": "t"}));
        assert!(out.get("tags").is_none());
        assert_eq!(
            out["paths"]["/calls"]["post"],
            json!({"operationId": "createCall", "responses": {"200": {}}})
        );
        let call = &out["components"]["schemas"]["Call"];
        assert_eq!(
            call["properties"],
            json!({"description": {"type": "string"}, "summary": {"type": "string"}})
        );
        assert_eq!(call["example"], json!({"description": "kept", "summary": "kept too"}));
        assert!(call.get("description").is_none());
    }
}
