//! `operation_servers`: operations that the document sends to a server of their own.
//!
//! A path item or an operation may declare its own `servers` (Bandwidth: voice operations on
//! `voice.bandwidth.com`, messaging ones on `messaging.bandwidth.com`, and no top-level server).
//! progenitor ignores them and builds every URL from the client's one base URL, so those operations
//! went to the wrong host, or to none. The URL of each such operation's `send()` is built from
//! `agentdial_core::servers::operation_base_url(&client.baseurl, <document default>, <its server>)`
//! instead: its own server, unless the client was given another base URL than the document's
//! default (a mock, a proxy), which then takes every operation. Server variables take their
//! `default`; a relative server URL is left to the client's base URL. A document without a
//! top-level server gets the first operation server as its default base URL (`default_base_url`).

use anyhow::{Result, bail};
use proc_macro2::{TokenStream, TokenTree};
use quote::quote;
use serde_json::Value;

/// The pass's name in `TRANSFORMATIONS.md`.
pub const NAME: &str = "operation_servers";
/// Why it exists (the report's table).
pub const WHY: &str = "progenitor sends every operation to the client's one base URL, ignoring the `servers` a path item or operation declares; such an operation is sent to its own server unless the client was given a base URL of its own";

/// The first URL of a `servers` list, its variables replaced by their defaults.
fn first_url(servers: Option<&Value>) -> Option<String> {
    let server = servers?.as_array()?.first()?;
    let mut url = server.get("url")?.as_str()?.to_owned();
    for (name, var) in server.get("variables").and_then(Value::as_object).into_iter().flatten() {
        if let Some(default) = var.get("default").and_then(Value::as_str) {
            url = url.replace(&format!("{{{name}}}"), default);
        }
    }
    Some(url)
}

/// The generated `spec::DEFAULT_BASE_URL`: the first top-level server's URL, its variables replaced
/// by their defaults (`https://{region}.example.com` → `https://us.example.com`); a document
/// without one whose operations have servers of their own gets the first of those (so a client
/// builds without a base URL of its own and every such operation goes to its server).
pub fn default_base_url(document: &Value) -> String {
    match first_url(document.get("servers")) {
        Some(url) => url,
        None => {
            operations_with_servers(document).into_iter().next().map(|(_, _, url)| url).unwrap_or_default()
        }
    }
}

/// `(METHOD, path, server)` for every operation whose own (or path item's) first server differs
/// from the document's, with an absolute URL.
pub fn operations_with_servers(document: &Value) -> Vec<(String, String, String)> {
    let top = first_url(document.get("servers")).unwrap_or_default();
    let mut out = Vec::new();
    for (path, item) in document.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !crate::visit::METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(url) = first_url(op.get("servers")).or_else(|| first_url(item.get("servers"))) else {
                continue;
            };
            if !(url.starts_with("http://") || url.starts_with("https://"))
                || url.trim_end_matches('/') == top.trim_end_matches('/')
            {
                continue;
            }
            out.push((method.to_ascii_uppercase(), path.clone(), url.trim_end_matches('/').to_owned()));
        }
    }
    out
}

/// Replaces `client.baseurl` in the tokens of `format!(…)` by the call that picks the base URL.
fn route(tokens: TokenStream, replacement: &TokenStream, replaced: &mut usize) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        let is_base = matches!(
            (&trees[i], trees.get(i + 1), trees.get(i + 2)),
            (TokenTree::Ident(c), Some(TokenTree::Punct(d)), Some(TokenTree::Ident(b)))
                if c == "client" && d.as_char() == '.' && b == "baseurl"
        );
        if is_base {
            out.extend(replacement.clone());
            *replaced += 1;
            i += 3;
            continue;
        }
        match &trees[i] {
            TokenTree::Group(g) => {
                let mut group =
                    proc_macro2::Group::new(g.delimiter(), route(g.stream(), replacement, replaced));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

struct Url<'a> {
    replacement: &'a TokenStream,
    replaced: usize,
}

impl syn::visit_mut::VisitMut for Url<'_> {
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if mac.path.is_ident("format") {
            mac.tokens = route(std::mem::take(&mut mac.tokens), self.replacement, &mut self.replaced);
        }
    }
}

/// Routes every operation with a server of its own; returns `(pointer, server)` for the report.
pub fn route_operation_servers(file: &mut syn::File, document: &Value) -> Result<Vec<(String, String)>> {
    use syn::visit_mut::VisitMut;
    let operations = operations_with_servers(document);
    if operations.is_empty() {
        return Ok(Vec::new());
    }
    let default = default_base_url(document);
    let Some(builder) = crate::request_bodies::builder_module(file) else {
        bail!("{NAME}: the generated code has no `builder` module");
    };
    let mut routed = Vec::new();
    for (method, path, url) in operations {
        let mut sends = crate::request_bodies::sends_of(builder, &method, &path);
        // An operation the generator skipped has no `send()` (it is reported as skipped).
        let Some(send) = sends.pop() else { continue };
        if !sends.is_empty() {
            bail!("{NAME}: more than one builder `send()` for {method} {path}");
        }
        let replacement = quote! {
            ::agentdial_core::servers::operation_base_url(&client.baseurl, #default, #url)
        };
        let mut edit = Url { replacement: &replacement, replaced: 0 };
        edit.visit_block_mut(&mut send.block);
        if edit.replaced != 1 {
            bail!(
                "{NAME}: {method} {path}: expected one `client.baseurl` in the URL of `send()`, found {}",
                edit.replaced
            );
        }
        let note = format!(
            "Sent to `{url}`, the operation's own server, unless the client was built with another base URL than the document's default."
        );
        send.attrs.push(syn::parse_quote!(#[doc = ""]));
        send.attrs.push(syn::parse_quote!(#[doc = #note]));
        routed.push((format!("{method} {path}"), url));
    }
    Ok(routed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document() -> Value {
        json!({
            "servers": [{"url": "https://api.example.com/v1"}],
            "paths": {
                "/calls": {
                    "servers": [{"url": "https://{region}.voice.example.com/v2/", "variables": {"region": {"default": "us"}}}],
                    "post": {},
                    "get": {"servers": [{"url": "https://api.example.com/v1"}]}
                },
                "/messages": {"post": {"servers": [{"url": "https://messaging.example.com"}]}},
                "/relative": {"servers": [{"url": "/v3"}], "get": {}},
                "/plain": {"get": {}}
            }
        })
    }

    #[test]
    fn finds_operations_with_their_own_absolute_server() {
        assert_eq!(
            operations_with_servers(&document()),
            [
                ("POST".to_owned(), "/calls".to_owned(), "https://us.voice.example.com/v2".to_owned()),
                ("POST".to_owned(), "/messages".to_owned(), "https://messaging.example.com".to_owned()),
            ]
        );
    }

    #[test]
    fn without_a_top_level_server_the_first_operation_server_is_the_default() {
        assert_eq!(default_base_url(&document()), "https://api.example.com/v1");
        let mut doc = document();
        doc.as_object_mut().unwrap().remove("servers");
        assert_eq!(default_base_url(&doc), "https://us.voice.example.com/v2");
        assert_eq!(default_base_url(&json!({"paths": {}})), "");
        let with_variables = json!({"servers": [{"url": "https://{region}.example.com/{v}", "variables": {"region": {"default": "eu"}, "v": {"default": "v2"}}}]});
        assert_eq!(default_base_url(&with_variables), "https://eu.example.com/v2");
    }

    #[test]
    fn the_url_of_send_asks_for_the_operations_server() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> CreateCall<'a> {
                    ///Sends a `POST` request to `/calls`
                    pub async fn send(self) -> Result<(), ()> {
                        let Self { client } = self;
                        let url = format!("{}/calls", client.baseurl);
                        Ok(())
                    }
                }
                impl<'a> ListCalls<'a> {
                    ///Sends a `GET` request to `/calls`
                    pub async fn send(self) -> Result<(), ()> {
                        let Self { client } = self;
                        let url = format!("{}/calls", client.baseurl);
                        Ok(())
                    }
                }
            }
        };
        let routed = route_operation_servers(&mut file, &document()).unwrap();
        assert_eq!(routed.len(), 1, "/messages has no send() here: skipped by the generator");
        let text = prettyplease::unparse(&file);
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            compact.contains(r#"format!("{}/calls",::agentdial_core::servers::operation_base_url(&client.baseurl,"https://api.example.com/v1","https://us.voice.example.com/v2"))"#),
            "{text}"
        );
        assert_eq!(
            text.matches("operation_base_url").count(),
            1,
            "GET /calls keeps the client's base: {text}"
        );
        assert!(text.contains("Sent to `https://us.voice.example.com/v2`"), "{text}");
    }
}
