//! `restore_parameter_wire_names`: the second half of the `distinct_parameter_identifiers`
//! transformation. A parameter renamed so its Rust identifier is distinct is sent under its
//! original name: the key progenitor writes into the request (`QueryParam::new("…", …)`,
//! `header_map.append("…", …)`) is replaced by the `x-agentdial-wire-name` the transformation kept.
//!
//! `restore_property_wire_names`: the same for `distinct_property_identifiers`: the renamed
//! property key (`Ok~2`) in the field's `#[serde(rename = "…")]` becomes the original name again.

use crate::transform::WIRE_NAME_EXTENSION;
use anyhow::{Result, bail};
use serde_json::Value;
use std::collections::BTreeMap;
use syn::visit_mut::VisitMut;

/// Renamed parameter name → wire name, from the transformed document.
pub fn renamed_parameters(document: &Value) -> BTreeMap<String, String> {
    fn walk(v: &Value, out: &mut BTreeMap<String, String>) {
        match v {
            Value::Object(m) => {
                if let (Some(name), Some(wire)) = (
                    m.get("name").and_then(Value::as_str),
                    m.get(WIRE_NAME_EXTENSION).and_then(Value::as_str),
                ) {
                    out.insert(name.to_owned(), wire.to_owned());
                }
                m.values().for_each(|c| walk(c, out));
            }
            Value::Array(l) => l.iter().for_each(|c| walk(c, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    if let Some(paths) = document.get("paths") {
        walk(paths, &mut out);
    }
    out
}

struct Restore<'a> {
    renamed: &'a BTreeMap<String, String>,
    replaced: BTreeMap<String, usize>,
}

impl Restore<'_> {
    fn key(&mut self, arg: Option<&mut syn::Expr>) {
        let Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. })) = arg else { return };
        if let Some(wire) = self.renamed.get(&s.value()) {
            *self.replaced.entry(s.value()).or_default() += 1;
            *s = syn::LitStr::new(wire, s.span());
        }
    }
}

impl VisitMut for Restore<'_> {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func {
            let segments: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
            if segments.ends_with(&["QueryParam".to_owned(), "new".to_owned()]) {
                self.key(call.args.first_mut());
            }
        }
        syn::visit_mut::visit_expr_call_mut(self, call);
    }

    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        if call.method == "append"
            && matches!(&*call.receiver, syn::Expr::Path(p) if p.path.is_ident("header_map"))
        {
            self.key(call.args.first_mut());
        }
        syn::visit_mut::visit_expr_method_call_mut(self, call);
    }
}

/// Puts every renamed parameter's wire name back into the request code; fails if a renamed
/// parameter is not found there (progenitor changed how it writes keys).
pub fn restore_parameter_wire_names(file: &mut syn::File, document: &Value) -> Result<()> {
    let renamed = renamed_parameters(document);
    if renamed.is_empty() {
        return Ok(());
    }
    let mut restore = Restore { renamed: &renamed, replaced: BTreeMap::new() };
    restore.visit_file_mut(file);
    let missing: Vec<&String> = renamed.keys().filter(|k| !restore.replaced.contains_key(*k)).collect();
    if !missing.is_empty() {
        bail!("renamed parameters not found as query or header keys in the generated code: {missing:?}");
    }
    Ok(())
}

/// Renamed property key → wire name, from every object schema of the transformed document.
pub fn renamed_properties(document: &Value) -> BTreeMap<String, String> {
    fn walk(v: &Value, out: &mut BTreeMap<String, String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(names)) = m.get(crate::transform::PROPERTY_WIRE_NAMES_EXTENSION) {
                    for (renamed, wire) in names {
                        if let Some(wire) = wire.as_str() {
                            out.insert(renamed.clone(), wire.to_owned());
                        }
                    }
                }
                m.values().for_each(|c| walk(c, out));
            }
            Value::Array(l) => l.iter().for_each(|c| walk(c, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk(document, &mut out);
    out
}

/// Puts the original name of every renamed property back where the generated code spells the
/// renamed key as a string literal (`#[serde(rename = "Ok~2")]`, which serde and schemars read).
/// The renamed keys are unique in the document (`distinct_property_identifiers` skips any key the
/// document uses), so the literal cannot be anything else. Returns the renamed keys that the code
/// does not contain (a schema that generated no type).
pub fn restore_property_wire_names(body: &mut String, document: &Value) -> Vec<String> {
    let mut absent = Vec::new();
    for (renamed, wire) in renamed_properties(document) {
        let literal = format!("{renamed:?}");
        if body.contains(&literal) {
            *body = body.replace(&literal, &format!("{wire:?}"));
        } else {
            absent.push(renamed);
        }
    }
    absent
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renamed_keys_are_sent_under_their_wire_name() {
        let document = json!({"paths": {"/calls": {"get": {"parameters": [
            {"name": "StartTime", "in": "query"},
            {"name": "StartTimeLt", "in": "query", WIRE_NAME_EXTENSION: "StartTime<"},
            {"name": "XKeyGt", "in": "header", WIRE_NAME_EXTENSION: "x-key>"},
        ]}}}});
        let mut file: syn::File = syn::parse_quote! {
            fn send() {
                let mut header_map = HeaderMap::new();
                header_map.append("XKeyGt", v.to_string().try_into()?);
                other.append("StartTimeLt", 1);
                client
                    .query(&progenitor_client::QueryParam::new("StartTime", &start_time))
                    .query(&progenitor_client::QueryParam::new("StartTimeLt", &start_time_lt));
            }
        };
        restore_parameter_wire_names(&mut file, &document).unwrap();
        let text = prettyplease::unparse(&file);
        assert!(text.contains(r#"QueryParam::new("StartTime", &start_time)"#), "{text}");
        assert!(text.contains(r#"QueryParam::new("StartTime<", &start_time_lt)"#), "{text}");
        assert!(text.contains(r#"header_map.append("x-key>""#), "{text}");
        // Only request keys: an unrelated call with the same string is left alone.
        assert!(text.contains(r#"other.append("StartTimeLt", 1)"#), "{text}");
    }

    #[test]
    fn renamed_properties_are_read_and_written_under_their_wire_name() {
        let document = json!({"components": {"schemas": {"R": {"properties": {"ok": {}, "Ok~2": {}},
            crate::transform::PROPERTY_WIRE_NAMES_EXTENSION: {"Ok~2": "Ok", "gone~2": "gone"}}}}});
        let mut body =
            "pub struct R {\n    pub ok: bool,\n    #[serde(rename = \"Ok~2\")]\n    pub ok_2: String,\n}\n"
                .to_owned();
        let absent = restore_property_wire_names(&mut body, &document);
        assert!(body.contains(r#"#[serde(rename = "Ok")]"#), "{body}");
        assert!(!body.contains("Ok~2"), "{body}");
        assert_eq!(absent, ["gone~2"]);
    }

    #[test]
    fn a_renamed_parameter_missing_from_the_code_is_an_error() {
        let document = json!({"paths": {"/a": {"get": {"parameters": [
            {"name": "ALt", "in": "query", WIRE_NAME_EXTENSION: "A<"},
        ]}}}});
        let mut file: syn::File = syn::parse_quote! { fn send() {} };
        let err = restore_parameter_wire_names(&mut file, &document).unwrap_err();
        assert!(err.to_string().contains("ALt"), "{err}");
    }
}
