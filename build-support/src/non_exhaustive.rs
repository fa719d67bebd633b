//! `non_exhaustive_responses`: structs that only come back from the API are `#[non_exhaustive]`.
//!
//! Providers add fields to what they return far more often than to what they accept. A plain struct
//! with all-public fields cannot gain a field without breaking other crates (struct literals and
//! patterns without `..` stop compiling; the Cargo SemVer reference calls it a major change), so
//! without this every new response field would be a breaking release. Structs that users never send
//! (not reachable from any operation's parameters or request body) are marked `#[non_exhaustive]`:
//! reading them, matching them with `..`, and building them with `T::builder()` or from JSON all
//! keep working, and a new optional field is an additive change. Structs that are sent (request
//! bodies and everything inside them) stay exhaustive so users can write them as literals; a field
//! added there is breaking, and the changelog says so. The responses of webhooks and callbacks
//! (`webhooks`, `x-webhooks`, `callbacks`) are sent by the user's server, so they count as sent too.

use crate::changelog::{constructed_types, reachable_types};
use crate::surface::surface_of_file;
use anyhow::Result;
use heck::ToUpperCamelCase;
use serde_json::Value;

/// The pass's name in `TRANSFORMATIONS.md`.
pub const NAME: &str = "non_exhaustive_responses";
/// Why it exists (the report's table).
pub const WHY: &str = "a field added to a plain public struct breaks struct literals and exhaustive patterns in other crates; structs only received from the API are `#[non_exhaustive]` so a new response field is additive, structs that are sent stay exhaustive for struct literals";

/// Component schemas named in the responses of webhooks and callbacks (what the user's server sends).
pub fn webhook_response_schemas(document: &Value) -> Vec<String> {
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(r) = m
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    out.push(r.replace("~1", "/").replace("~0", "~"));
                }
                m.values().for_each(|c| refs(c, out));
            }
            Value::Array(l) => l.iter().for_each(|c| refs(c, out)),
            _ => {}
        }
    }
    // Path items of webhooks (`webhooks`, `x-webhooks`) and of every operation's `callbacks`.
    let mut items: Vec<&Value> = Vec::new();
    for key in ["webhooks", "x-webhooks"] {
        items.extend(document.get(key).and_then(Value::as_object).into_iter().flat_map(|m| m.values()));
    }
    for path in document.get("paths").and_then(Value::as_object).into_iter().flat_map(|m| m.values()) {
        for op in path.as_object().into_iter().flat_map(|m| m.values()) {
            for callback in
                op.get("callbacks").and_then(Value::as_object).into_iter().flat_map(|m| m.values())
            {
                items.extend(callback.as_object().into_iter().flat_map(|m| m.values()));
            }
        }
    }
    let mut out = Vec::new();
    for item in items {
        for op in item.as_object().into_iter().flat_map(|m| m.values()) {
            if let Some(responses) = op.get("responses") {
                refs(responses, &mut out);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Marks every named-field struct of `types` that no operation sends (and no webhook or callback
/// response is made of); returns their names.
pub fn mark_response_structs(file: &mut syn::File, document: &Value) -> Result<Vec<String>> {
    let surface = surface_of_file(file)?;
    let mut sent = constructed_types(&surface);
    sent.extend(reachable_types(
        &surface,
        webhook_response_schemas(document).iter().map(|n| n.to_upper_camel_case()),
    ));
    let Some(items) = file.items.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        return Ok(Vec::new());
    };
    let mut marked = Vec::new();
    for item in items.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        let name = s.ident.to_string();
        if !matches!(s.fields, syn::Fields::Named(_))
            || sent.contains(&name)
            || s.attrs.iter().any(|a| a.path().is_ident("non_exhaustive"))
        {
            continue;
        }
        s.attrs.push(syn::parse_quote!(#[non_exhaustive]));
        marked.push(name);
    }
    Ok(marked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_what_is_only_received() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Call { pub id: ::std::string::String, pub dest: Dest }
                pub struct CallRequest { pub to: Dest }
                pub struct Dest { pub number: ::std::string::String }
                pub struct Id(pub ::std::string::String);
            }
            impl Client {
                #[doc = "Sends a `POST` request to `/calls`"]
                pub fn create_call(&self) -> builder::CreateCall<'_> { builder::CreateCall::new(self) }
            }
            pub mod builder {
                pub struct CreateCall<'a> { client: &'a super::Client, body: Result<types::CallRequest, String> }
                impl<'a> CreateCall<'a> {
                    pub async fn send(self) -> Result<ResponseValue<types::Call>, Error<()>> { todo!() }
                }
            }
        };
        let doc = serde_json::json!({});
        assert_eq!(mark_response_structs(&mut file, &doc).unwrap(), vec!["Call".to_string()]);
        let text = prettyplease::unparse(&file);
        assert!(text.contains("#[non_exhaustive]\n    pub struct Call {"), "{text}");
        assert_eq!(text.matches("non_exhaustive").count(), 1, "{text}");
        // Idempotent.
        assert!(mark_response_structs(&mut file, &doc).unwrap().is_empty());
    }

    #[test]
    fn webhook_and_callback_responses_are_sent_by_users() {
        let doc = serde_json::json!({
            "x-webhooks": {"toolCalls": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Payload"}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Tool_Reply"}}}}}
            }}},
            "paths": {"/calls": {"post": {"callbacks": {"done": {"{$request.body#/url}": {"post": {
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ack"}}}}}
            }}}}}}}
        });
        assert_eq!(webhook_response_schemas(&doc), vec!["Ack".to_string(), "Tool_Reply".to_string()]);
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Payload { pub id: ::std::string::String }
                pub struct ToolReply { pub results: ::std::vec::Vec<ToolResult> }
                pub struct ToolResult { pub id: ::std::string::String }
            }
        };
        assert_eq!(mark_response_structs(&mut file, &doc).unwrap(), vec!["Payload".to_string()]);
    }
}
