//! `encode_path_parameters`: path parameters are percent-encoded the way the document says.
//!
//! OpenAPI path parameters are `style: simple` (RFC 6570 simple expansion): a string value has every
//! character outside `A-Z a-z 0-9 - . _ ~` percent-encoded. progenitor-client's `encode_path` encodes
//! only a few (space, `"`, `#`, `<`, `>`, `?`, `` ` ``, `{`, `}`, `/`, `%`), so a call id holding a
//! `,` reaches the server as a list (`simple` separates array items with commas) and one holding a
//! `\` is rewritten by the URL parser into `/`, a different path. The generated code imports
//! `encode_path` once, from `progenitor_client`; this pass takes it from `agentdial_core` instead
//! (same signature), so every path parameter of every operation goes through
//! `agentdial_core::encode_path`. Each operation with path parameters is listed in the report.

use anyhow::{Result, bail};
use quote::ToTokens;
use serde_json::Value;

/// The pass's name in `TRANSFORMATIONS.md`.
pub const NAME: &str = "encode_path_parameters";
/// Why it exists (the report's table).
pub const WHY: &str = "progenitor-client percent-encodes only a few characters of a path parameter, so a `,` reads as a list separator and a `\\` becomes `/`; path parameters are encoded as `style: simple` (RFC 6570) says, by `agentdial_core::encode_path`";

fn is_progenitor_import(tree: &syn::UseTree) -> bool {
    matches!(tree, syn::UseTree::Path(p) if p.ident == "progenitor_client")
}

/// Removes `encode_path` from a `progenitor_client::{..}` import; whether it was there.
fn remove_encode_path(tree: &mut syn::UseTree) -> bool {
    let syn::UseTree::Path(path) = tree else { return false };
    match &mut *path.tree {
        syn::UseTree::Group(group) => {
            let before = group.items.len();
            group.items = std::mem::take(&mut group.items)
                .into_iter()
                .filter(|t| !matches!(t, syn::UseTree::Name(n) if n.ident == "encode_path"))
                .collect();
            group.items.len() != before
        }
        syn::UseTree::Name(n) if n.ident == "encode_path" => {
            *path.tree = syn::UseTree::Group(syn::UseGroup {
                brace_token: Default::default(),
                items: Default::default(),
            });
            true
        }
        _ => false,
    }
}

/// Makes the generated file use `agentdial_core::encode_path`. Returns whether it encodes path
/// parameters at all (a document without path parameters has nothing to change); an error if it
/// does but no longer imports `encode_path` from `progenitor_client` (a progenitor upgrade).
pub fn encode_path_parameters(file: &mut syn::File) -> Result<bool> {
    let mut replaced = false;
    let mut at = None;
    for (i, item) in file.items.iter_mut().enumerate() {
        if let syn::Item::Use(u) = item
            && is_progenitor_import(&u.tree)
            && remove_encode_path(&mut u.tree)
        {
            replaced = true;
            at = Some(i + 1);
        }
    }
    let uses_it = file.items.iter().any(|item| {
        !matches!(item, syn::Item::Use(_)) && item.to_token_stream().to_string().contains("encode_path")
    });
    match (at, uses_it) {
        (Some(i), _) => {
            let import: syn::Item = syn::parse_quote! {
                #[allow(unused_imports)]
                use ::agentdial_core::encode_path;
            };
            file.items.insert(i, import);
            Ok(true)
        }
        (None, true) => bail!(
            "{NAME}: the generated code calls `encode_path` but does not import it from `progenitor_client`; update build-support/src/path_encoding.rs"
        ),
        (None, false) => Ok(replaced),
    }
}

/// The operations with path parameters: (pointer of the operation, parameter names), for the report.
pub fn operations_with_path_parameters(doc: &Value) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let resolve = |p: &Value| -> Value {
        p.get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|ptr| doc.pointer(ptr))
            .cloned()
            .unwrap_or_else(|| p.clone())
    };
    for (template, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for method in crate::visit::METHODS {
            let Some(op) = item.get(method) else { continue };
            let params = item
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .chain(op.get("parameters").and_then(Value::as_array).into_iter().flatten());
            let names: Vec<String> = params
                .map(resolve)
                .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
                .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_owned))
                .collect();
            if !names.is_empty() {
                out.push((format!("/paths/{}/{method}", crate::visit::escape(template)), names));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn generated(src: &str) -> syn::File {
        syn::parse_str(src).unwrap()
    }

    #[test]
    fn encode_path_comes_from_agentdial_core() {
        let mut file = generated(
            r#"
            #[allow(unused_imports)]
            use progenitor_client::{encode_path, ClientHooks, OperationInfo};
            pub mod builder {
                use super::{encode_path, ByteStream};
                fn url(id: &str) -> String { format!("{}/calls/{}", "base", encode_path(&id.to_string())) }
            }
            "#,
        );
        assert!(encode_path_parameters(&mut file).unwrap());
        let text = file.to_token_stream().to_string();
        assert!(text.contains("use progenitor_client :: { ClientHooks , OperationInfo }"), "{text}");
        assert!(text.contains("use :: agentdial_core :: encode_path ;"), "{text}");
        // The builder's `use super::encode_path` now resolves to agentdial_core's.
        assert!(text.contains("use super :: { encode_path , ByteStream }"), "{text}");
    }

    #[test]
    fn a_file_without_path_parameters_is_left_alone_and_a_changed_progenitor_is_an_error() {
        let mut file = generated("use progenitor_client::{ClientHooks}; fn f() {}");
        let before = file.to_token_stream().to_string();
        assert!(!encode_path_parameters(&mut file).unwrap());
        assert_eq!(file.to_token_stream().to_string(), before);
        let mut moved =
            generated("use progenitor_client::helpers::encode_path; fn f() { encode_path(\"x\"); }");
        assert!(encode_path_parameters(&mut moved).unwrap_err().to_string().contains("does not import it"));
    }

    #[test]
    fn operations_with_path_parameters_are_found_through_refs() {
        let doc = json!({
            "components": {"parameters": {"Id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}}},
            "paths": {
                "/calls/{id}": {"get": {"parameters": [{"$ref": "#/components/parameters/Id"}, {"name": "x", "in": "query"}]}},
                "/calls": {"get": {}},
                "/a/{b}": {"parameters": [{"name": "b", "in": "path", "required": true}], "delete": {}}
            }
        });
        let mut found = operations_with_path_parameters(&doc);
        found.sort();
        assert_eq!(
            found,
            vec![
                ("/paths/~1a~1{b}/delete".to_owned(), vec!["b".to_owned()]),
                ("/paths/~1calls~1{id}/get".to_owned(), vec!["id".to_owned()])
            ]
        );
    }
}
