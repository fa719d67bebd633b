//! Optional, nullable fields of request bodies: absent and `null` must be different values.
//!
//! typify turns an optional nullable property into `Option<T>` and skips `None` when serializing,
//! so a PATCH body cannot say "clear this field" (`{"webhook_url": null}`), which HMS Sovereign's
//! update operations document. For schemas used only as request bodies, such fields become
//! `Option<Option<T>>`: `None` leaves the field out, `Some(None)` sends `null`, `Some(Some(v))` sends
//! the value (serde via `agentdial_core::double_option`). The struct's typify builder is adjusted
//! to the new field type. Schemas that responses or other schemas also use are left alone.

use anyhow::Result;
use heck::ToUpperCamelCase;
use quote::{ToTokens, quote};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Every `$ref` target in the document with the pointers that reference it.
fn references(doc: &Value) -> BTreeMap<String, Vec<String>> {
    fn walk(ptr: &str, v: &Value, out: &mut BTreeMap<String, Vec<String>>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    if k == "$ref" {
                        if let Some(target) = child.as_str() {
                            out.entry(target.to_owned()).or_default().push(ptr.to_owned());
                        }
                    } else {
                        walk(&crate::visit::join(ptr, k), child, out);
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(&format!("{ptr}/{i}"), child, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk("", doc, &mut out);
    out
}

fn is_nullable(schema: &Value) -> bool {
    schema.get("nullable").and_then(Value::as_bool).unwrap_or(false)
}

/// (Rust type name, JSON property names) of the fields to change.
pub fn targets(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let refs = references(doc);
    let mut out = BTreeMap::new();
    let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) else { return out };
    for (name, schema) in schemas {
        let Some(users) = refs.get(&format!("#/components/schemas/{name}")) else { continue };
        if !users.iter().all(|p| p.contains("/requestBody/")) {
            continue;
        }
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let fields: BTreeSet<String> = schema
            .get("properties")
            .and_then(Value::as_object)
            // A documented default keeps typify's `Option<T>` and its default (absent means "the default").
            .map(|props| {
                props
                    .iter()
                    .filter(|(p, s)| !required.contains(p.as_str()) && is_nullable(s) && s.get("default").is_none())
                    .map(|(p, _)| p.clone())
                    .collect()
            })
            .unwrap_or_default();
        if !fields.is_empty() {
            out.insert(name.to_upper_camel_case(), fields);
        }
    }
    out
}

fn serde_name(field: &syn::Field) -> String {
    let mut name = field.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if let Ok(lit) = meta.value().and_then(|v| v.parse::<syn::LitStr>()) {
                    name = lit.value();
                }
            } else if meta.input.peek(syn::Token![=]) {
                let _ = meta.value().and_then(|v| v.parse::<syn::Expr>());
            }
            Ok(())
        });
    }
    name
}

fn module<'a>(items: &'a mut [syn::Item], name: &str) -> Option<&'a mut Vec<syn::Item>> {
    items.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

fn wrap_option(ty: &syn::Type) -> syn::Type {
    syn::parse_quote!(::std::option::Option<#ty>)
}

/// Rewrites the generated file; returns `Type.field` for each changed field.
pub fn distinguish_explicit_null(file: &mut syn::File, doc: &Value) -> Result<Vec<String>> {
    let targets = targets(doc);
    let mut changed = Vec::new();
    let Some(types) = module(&mut file.items, "types") else { return Ok(changed) };
    // Rust field names per struct, for the builder pass.
    let mut rust_fields: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in types.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        let Some(props) = targets.get(&s.ident.to_string()) else { continue };
        let syn::Fields::Named(named) = &mut s.fields else { continue };
        for field in named.named.iter_mut() {
            if !props.contains(&serde_name(field)) {
                continue;
            }
            let inner = field.ty.clone();
            let json_name = serde_name(field);
            let rust_name = field.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
            let rename_attr = (json_name != rust_name).then(|| quote!(rename = #json_name,));
            field.attrs.retain(|a| !a.path().is_ident("serde"));
            let schema_type: String =
                inner.to_token_stream().to_string().chars().filter(|c| !c.is_whitespace()).collect();
            field.attrs.push(syn::parse_quote!(#[serde(#rename_attr default, skip_serializing_if = "::std::option::Option::is_none", with = "::agentdial_core::double_option")]));
            field.attrs.push(syn::parse_quote!(#[schemars(with = #schema_type)]));
            field.attrs.push(syn::parse_quote!(#[doc = "`None`: left out; `Some(None)`: sent as `null` (clears the field); `Some(Some(v))`: sent as `v`."]));
            field.ty = wrap_option(&inner);
            let ident = field.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
            rust_fields.entry(s.ident.to_string()).or_default().insert(ident.clone());
            changed.push(format!("{}.{ident}", s.ident));
        }
    }
    let Some(builder) = module(types, "builder") else { return Ok(changed) };
    for item in builder.iter_mut() {
        match item {
            syn::Item::Struct(s) => {
                let Some(fields) = rust_fields.get(&s.ident.to_string()) else { continue };
                let syn::Fields::Named(named) = &mut s.fields else { continue };
                for field in named
                    .named
                    .iter_mut()
                    .filter(|f| f.ident.as_ref().is_some_and(|i| fields.contains(&i.to_string())))
                {
                    // Result<Option<T>, String> → Result<Option<Option<T>>, String>
                    if let syn::Type::Path(p) = &mut field.ty
                        && let Some(seg) = p.path.segments.last_mut()
                        && let syn::PathArguments::AngleBracketed(args) = &mut seg.arguments
                        && let Some(syn::GenericArgument::Type(ok)) = args.args.first_mut()
                    {
                        *ok = wrap_option(ok);
                    }
                }
            }
            syn::Item::Impl(imp) if imp.trait_.is_none() => {
                let syn::Type::Path(p) = &*imp.self_ty else { continue };
                let Some(fields) = p.path.get_ident().and_then(|i| rust_fields.get(&i.to_string())) else {
                    continue;
                };
                for it in imp.items.iter_mut() {
                    let syn::ImplItem::Fn(f) = it else { continue };
                    if !fields.contains(&f.sig.ident.to_string()) {
                        continue;
                    }
                    // where T: TryInto<Option<X>> → TryInto<Option<Option<X>>>
                    let Some(clause) = f.sig.generics.where_clause.as_mut() else { continue };
                    for pred in clause.predicates.iter_mut() {
                        let syn::WherePredicate::Type(tp) = pred else { continue };
                        for bound in tp.bounds.iter_mut() {
                            let syn::TypeParamBound::Trait(t) = bound else { continue };
                            if let Some(seg) = t.path.segments.last_mut()
                                && seg.ident == "TryInto"
                                && let syn::PathArguments::AngleBracketed(args) = &mut seg.arguments
                                && let Some(syn::GenericArgument::Type(target)) = args.args.first_mut()
                            {
                                *target = wrap_option(target);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_only_optional_nullable_fields_of_request_only_schemas() {
        let doc: Value = serde_yaml::from_str(
            "openapi: 3.0.3\npaths:\n  /a:\n    patch:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Update'}}}}\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}\ncomponents:\n  schemas:\n    Update:\n      type: object\n      required: [id]\n      properties:\n        id: {type: string, nullable: true}\n        url: {type: string, nullable: true}\n        mode: {type: string, nullable: true, default: auto}\n        name: {type: string}\n    Thing:\n      type: object\n      properties:\n        url: {type: string, nullable: true}\n",
        )
        .unwrap();
        let t = targets(&doc);
        assert_eq!(t.len(), 1, "Thing is also a response: left alone");
        assert_eq!(t["Update"], BTreeSet::from(["url".to_string()]), "`mode` has a default: left alone");
    }

    #[test]
    fn rewrites_field_builder_field_and_setter() {
        let doc: Value = serde_yaml::from_str(
            "openapi: 3.0.3\npaths:\n  /a:\n    patch:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Update'}}}}\ncomponents:\n  schemas:\n    Update:\n      type: object\n      properties:\n        webhookUrl: {type: string, nullable: true}\n",
        )
        .unwrap();
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Update {
                    #[serde(rename = "webhookUrl", default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub webhook_url: ::std::option::Option<::std::string::String>,
                }
                pub mod builder {
                    pub struct Update { webhook_url: ::std::result::Result<::std::option::Option<::std::string::String>, ::std::string::String> }
                    impl Update {
                        pub fn webhook_url<T>(mut self, value: T) -> Self
                        where T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>, T::Error: ::std::fmt::Display
                        { self }
                    }
                }
            }
        };
        assert_eq!(
            distinguish_explicit_null(&mut file, &doc).unwrap(),
            vec!["Update.webhook_url".to_string()]
        );
        let text: String = prettyplease::unparse(&file)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .replace(",>", ">");
        assert!(
            text.contains(
                "pubwebhook_url:::std::option::Option<::std::option::Option<::std::string::String>>"
            ),
            "{text}"
        );
        assert!(text.contains("rename=\"webhookUrl\""), "{text}");
        assert!(text.contains("with=\"::agentdial_core::double_option\""), "{text}");
        assert!(text.contains("webhook_url:::std::result::Result<::std::option::Option<::std::option::Option<::std::string::String>>"), "{text}");
        assert!(text.contains("T:::std::convert::TryInto<::std::option::Option<::std::option::Option<::std::string::String>>>"), "{text}");
    }
}
