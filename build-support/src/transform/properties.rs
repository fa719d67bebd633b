//! `distinct_property_identifiers`: properties of one object whose names differ on the wire but
//! not as Rust fields.

use crate::report::Report;
use crate::visit::for_each_schema;
use anyhow::Result;
use heck::ToSnakeCase;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Extension on an object schema whose properties were renamed by
/// [`distinct_property_identifiers`]: renamed key → the property's name on the wire.
pub const PROPERTY_WIRE_NAMES_EXTENSION: &str = "x-agentdial-property-wire-names";

/// typify 0.8's field name for a property (`typify_impl::util::sanitize` in snake case, then
/// `accept_as_ident`'s trailing underscore for keywords).
pub(crate) fn typify_field(name: &str) -> String {
    let out = super::enums::typify_sanitize(name, |s| s.to_snake_case());
    const KEYWORDS: &[&str] = &[
        "_", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
        "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in",
        "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
        "Self", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe",
        "unsized", "use", "virtual", "where", "while", "yield",
    ];
    if KEYWORDS.contains(&out.as_str()) { format!("{out}_") } else { out }
}

/// Properties of one object whose names typify turns into the same Rust field (`ok` and `Ok`,
/// `_links` and `links`, `type` and `type_`).
///
/// typify declares the field twice and the crate does not compile. The later property is renamed
/// in memory to a key that is a distinct field (`Ok~2`, the field `ok_2`) and the object records
/// the original name under `x-agentdial-property-wire-names`; after generation
/// `restore_property_wire_names` puts the original name back into the field's
/// `#[serde(rename = "…")]`, so the field reads and writes the provider's key. `required` follows
/// the rename.
pub fn distinct_property_identifiers(doc: &mut Value, report: &mut Report) -> Result<()> {
    let mut taken = BTreeSet::new();
    for_each_schema(doc, &mut |_, schema| {
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            taken.extend(props.keys().cloned());
        }
        Ok(())
    })?;
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        let Some(props) = obj.get("properties").and_then(Value::as_object) else { return Ok(()) };
        let mut seen = BTreeSet::new();
        let mut renames: Vec<(String, String)> = Vec::new();
        for name in props.keys() {
            let field = typify_field(name);
            if seen.insert(field) {
                continue;
            }
            let mut n = 2;
            let candidate = loop {
                let candidate = format!("{name}~{n}");
                if !taken.contains(&candidate) && !seen.contains(&typify_field(&candidate)) {
                    break candidate;
                }
                n += 1;
            };
            seen.insert(typify_field(&candidate));
            taken.insert(candidate.clone());
            renames.push((name.clone(), candidate));
        }
        if renames.is_empty() {
            return Ok(());
        }
        let Some(Value::Object(props)) = obj.remove("properties") else { return Ok(()) };
        let renamed: Map<String, Value> = props
            .into_iter()
            .map(|(k, v)| match renames.iter().find(|(from, _)| *from == k) {
                Some((_, to)) => (to.clone(), v),
                None => (k, v),
            })
            .collect();
        obj.insert("properties".into(), Value::Object(renamed));
        if let Some(required) = obj.get_mut("required").and_then(Value::as_array_mut) {
            for r in required.iter_mut() {
                if let Some((_, to)) = renames.iter().find(|(from, _)| Some(from.as_str()) == r.as_str()) {
                    *r = Value::String(to.clone());
                }
            }
        }
        let wire = obj.entry(PROPERTY_WIRE_NAMES_EXTENSION).or_insert_with(|| Value::Object(Map::new()));
        for (from, to) in &renames {
            wire[to.as_str()] = Value::String(from.clone());
            report.record(
                "distinct_property_identifiers",
                format!("{ptr}/properties"),
                format!(
                    "`{from}` is the Rust field `{}` like an earlier property: the field is `{}`, still read and written as `{from}`",
                    typify_field(from),
                    typify_field(to)
                ),
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
    fn field_names_follow_typify() {
        assert_eq!(typify_field("Ok"), "ok");
        assert_eq!(typify_field("_links"), "links");
        assert_eq!(typify_field("type"), "type_");
        assert_eq!(typify_field("type_"), "type_");
        assert_eq!(typify_field("+1"), "plus1");
        assert_eq!(typify_field("200"), "x200");
        assert_eq!(typify_field("$ref"), "ref_");
        assert_eq!(typify_field("Ok~2"), "ok_2");
    }

    #[test]
    fn colliding_properties_get_distinct_fields_and_keep_their_wire_name() {
        let mut doc = yaml(
            "openapi: 3.0.3\ncomponents:\n  schemas:\n    R:\n      type: object\n      required: [Ok, links]\n      properties:\n        ok: {type: boolean}\n        Ok: {type: string}\n        _links: {type: object}\n        links: {type: array, items: {type: string}}\n        type: {type: string}\n        type_: {type: string}\n        plain: {type: string}\n    Other:\n      type: object\n      properties:\n        a: {type: string}\n",
        );
        let mut report = Report::default();
        distinct_property_identifiers(&mut doc, &mut report).unwrap();
        let r = &doc["components"]["schemas"]["R"];
        let keys: Vec<&str> = r["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["ok", "Ok~2", "_links", "links~2", "type", "type_~2", "plain"]);
        assert_eq!(r["required"], json!(["Ok~2", "links~2"]));
        assert_eq!(
            r[PROPERTY_WIRE_NAMES_EXTENSION],
            json!({"Ok~2": "Ok", "links~2": "links", "type_~2": "type_"})
        );
        let fields: BTreeSet<String> = keys.iter().map(|k| typify_field(k)).collect();
        assert_eq!(fields.len(), keys.len(), "every field distinct: {fields:?}");
        assert_eq!(report.entries.len(), 3);
        assert!(doc["components"]["schemas"]["Other"].get(PROPERTY_WIRE_NAMES_EXTENSION).is_none());
    }

    #[test]
    fn a_marker_the_document_already_uses_is_skipped() {
        let mut doc = yaml(
            "openapi: 3.0.3\ncomponents:\n  schemas:\n    R:\n      type: object\n      properties:\n        ok: {type: boolean}\n        Ok: {type: string}\n    S:\n      type: object\n      properties:\n        Ok~2: {type: string}\n",
        );
        let mut report = Report::default();
        distinct_property_identifiers(&mut doc, &mut report).unwrap();
        assert_eq!(doc["components"]["schemas"]["R"][PROPERTY_WIRE_NAMES_EXTENSION], json!({"Ok~3": "Ok"}));
    }
}
