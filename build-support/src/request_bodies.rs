//! Generation pass: request bodies that progenitor must not encode as it would.
//!
//! The media-type transformations (`transform::media_types`) hand progenitor a body it can
//! generate (a multipart body as a JSON struct, raw content as bytes) and record in the operation
//! extension `x-agentdial-request-body` how the body must really go on the wire. This pass edits
//! the `send()` of each such operation's builder (found by the doc line progenitor writes on it,
//! "Sends a `POST` request to `/path`") accordingly:
//!
//! | encoding | progenitor's call | becomes |
//! |---|---|---|
//! | multipart | `.json(&body)` | `.multipart(agentdial_core::multipart::to_form(&body, ..)?)` |
//! | form | `.form_urlencoded(&body)?` | `Content-Type` + `.body(agentdial_core::form::to_string(&body)?)` |
//! | raw | `Content-Type: application/octet-stream` | the documented `Content-Type` |
//! | json | `.json(&body)` | the documented `+json` `Content-Type`, then `.json(&body)` |
//!
//! Encoding errors become `Error::InvalidRequest` (nothing is sent). Each edit must find exactly
//! the call it replaces, else generation fails naming the operation: a progenitor upgrade that
//! changes its output cannot silently send the wrong encoding.

use crate::transform::{BodyEncoding, RequestBodyEncoding, recorded_encodings};
use anyhow::{Result, bail};
use quote::quote;
use serde_json::Value;
use syn::visit_mut::VisitMut;

/// Applies every encoding the document records. A document without any leaves `file` untouched.
pub fn encode_request_bodies(file: &mut syn::File, document: &Value) -> Result<()> {
    let encodings = recorded_encodings(document)?;
    if encodings.is_empty() {
        return Ok(());
    }
    let Some(builder) = builder_module(file) else {
        bail!("encode_request_bodies: the generated code has no `builder` module");
    };
    for (method, path, encoding) in &encodings {
        let doc = format!("Sends a `{method}` request to `{path}`");
        let mut sends = sends_of(builder, method, path);
        if sends.len() != 1 {
            bail!(
                "encode_request_bodies: expected one builder `send()` documented \"{doc}\", found {}",
                sends.len()
            );
        }
        let send = &mut sends[0];
        let mut edit = Edit { encoding, replaced: 0 };
        edit.visit_block_mut(&mut send.block);
        if edit.replaced != 1 {
            bail!(
                "encode_request_bodies: {method} {path}: expected one {} in progenitor's `send()`, found {}",
                edit.target(),
                edit.replaced
            );
        }
        let note = match encoding.encoding {
            BodyEncoding::Multipart => "The body is sent as `multipart/form-data`: one part per field, files as given by their `FilePart`.".to_owned(),
            BodyEncoding::Form => "The body is sent as `application/x-www-form-urlencoded`, arrays as repeated keys.".to_owned(),
            BodyEncoding::Raw | BodyEncoding::Json => match &encoding.content_type {
                Some(ct) => format!("The body is sent with `Content-Type: {ct}`."),
                None => "The body is sent as `application/octet-stream` unless a `Content-Type` header parameter says otherwise.".to_owned(),
            },
        };
        send.attrs.push(syn::parse_quote!(#[doc = ""]));
        send.attrs.push(syn::parse_quote!(#[doc = #note]));
    }
    Ok(())
}

/// The `Accept` header of every operation whose success response is documented only as a `+json`
/// media type (`json_suffix_responses` records it): progenitor asks for `application/json`, the
/// request asks for the documented type instead.
pub fn accept_documented_json(file: &mut syn::File, document: &Value) -> Result<usize> {
    let mut wanted = Vec::new();
    for (path, item) in document.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(accept) = op.get(crate::transform::ACCEPT_EXTENSION).and_then(Value::as_str) {
                wanted.push((method.to_ascii_uppercase(), path.clone(), accept.to_owned()));
            }
        }
    }
    if wanted.is_empty() {
        return Ok(0);
    }
    let mut done = 0;
    for (method, path, accept) in wanted {
        done += edit_send(
            file,
            "accept_documented_json",
            &method,
            &path,
            "`Accept: application/json`",
            &mut |block| {
                let mut edit = Accept { media_type: &accept, replaced: 0 };
                edit.visit_block_mut(block);
                edit.replaced
            },
        )?;
    }
    Ok(done)
}

struct Accept<'a> {
    media_type: &'a str,
    replaced: usize,
}

impl VisitMut for Accept<'_> {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        let is_accept = call.method == "header"
            && matches!(call.args.first(), Some(syn::Expr::Path(p)) if p.path.segments.last().is_some_and(|s| s.ident == "ACCEPT"));
        if is_accept
            && let Some(syn::Expr::Call(value)) = call.args.iter_mut().nth(1)
            && let Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. })) = value.args.first_mut()
            && s.value() == "application/json"
        {
            *s = syn::LitStr::new(self.media_type, s.span());
            self.replaced += 1;
        }
        syn::visit_mut::visit_expr_method_call_mut(self, call);
    }
}

/// The second half of `delimited_query_arrays`: in each such operation's `send()`, the
/// parameter's `QueryParam::new("<key>", &value)` sends `Delimited::new(&value, "<delimiter>")`.
pub fn delimit_query_arrays(file: &mut syn::File, document: &Value) -> Result<usize> {
    let wanted = crate::transform::delimited_query_parameters(document);
    if wanted.is_empty() {
        return Ok(0);
    }
    let mut done = 0;
    for (method, path, key, delimiter) in wanted {
        let target = format!("`QueryParam::new({key:?}, …)`");
        done += edit_send(file, "delimit_query_arrays", &method, &path, &target, &mut |block| {
            let mut edit = Delimit { key: &key, delimiter: &delimiter, replaced: 0 };
            edit.visit_block_mut(block);
            edit.replaced
        })?;
    }
    Ok(done)
}

struct Delimit<'a> {
    key: &'a str,
    delimiter: &'a str,
    replaced: usize,
}

impl VisitMut for Delimit<'_> {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        let is_query_param = matches!(&*call.func, syn::Expr::Path(p)
            if p.path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().ends_with(&["QueryParam".to_owned(), "new".to_owned()]));
        let key_matches = matches!(call.args.first(), Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. })) if s.value() == self.key);
        if is_query_param
            && key_matches
            && let Some(value) = call.args.iter_mut().nth(1)
        {
            let delimiter = self.delimiter;
            let original = value.clone();
            *value = syn::parse_quote!(&::agentdial_core::query::Delimited::new(#original, #delimiter));
            self.replaced += 1;
        }
        syn::visit_mut::visit_expr_call_mut(self, call);
    }
}

/// Runs `edit` on the body of one operation's builder `send()`, which must make exactly one
/// replacement (`target` names it in the error); 0 when the generator skipped the operation.
fn edit_send(
    file: &mut syn::File,
    pass: &str,
    method: &str,
    path: &str,
    target: &str,
    edit: &mut dyn FnMut(&mut syn::Block) -> usize,
) -> Result<usize> {
    let Some(builder) = builder_module(file) else {
        bail!("{pass}: the generated code has no `builder` module");
    };
    let Some(send) = sends_of(builder, method, path).pop() else { return Ok(0) };
    let replaced = edit(&mut send.block);
    if replaced != 1 {
        bail!("{pass}: {method} {path}: expected one {target} in `send()`, found {replaced}");
    }
    Ok(1)
}

/// The items of progenitor's `builder` module.
pub(crate) fn builder_module(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The builder `send()` methods of one operation, found by the doc line progenitor writes on them
/// (``Sends a `POST` request to `/calls` ``): one, or none when the generator skipped the operation.
pub(crate) fn sends_of<'a>(
    builder: &'a mut [syn::Item],
    method: &str,
    path: &str,
) -> Vec<&'a mut syn::ImplItemFn> {
    let doc = format!("Sends a `{method}` request to `{path}`");
    builder
        .iter_mut()
        .filter_map(|item| match item {
            syn::Item::Impl(i) => Some(i),
            _ => None,
        })
        .flat_map(|i| i.items.iter_mut())
        .filter_map(|item| match item {
            syn::ImplItem::Fn(f)
                if f.sig.ident == "send" && crate::surface::doc_text(&f.attrs).trim() == doc =>
            {
                Some(f)
            }
            _ => None,
        })
        .collect()
}

struct Edit<'a> {
    encoding: &'a RequestBodyEncoding,
    replaced: usize,
}

impl Edit<'_> {
    fn target(&self) -> &'static str {
        match self.encoding.encoding {
            BodyEncoding::Multipart | BodyEncoding::Json => "`.json(&body)`",
            BodyEncoding::Form => "`.form_urlencoded(&body)?`",
            BodyEncoding::Raw => "`Content-Type: application/octet-stream` header",
        }
    }
}

fn is_body_arg(args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>) -> bool {
    args.len() == 1
        && matches!(&args[0], syn::Expr::Reference(r) if matches!(&*r.expr, syn::Expr::Path(p) if p.path.is_ident("body")))
}

fn is_call(expr: &syn::Expr, name: &str) -> bool {
    matches!(expr, syn::Expr::MethodCall(m) if m.method == name && is_body_arg(&m.args))
}

impl VisitMut for Edit<'_> {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        let encoding = self.encoding;
        match encoding.encoding {
            BodyEncoding::Multipart | BodyEncoding::Json if is_call(expr, "json") => {
                let syn::Expr::MethodCall(call) = expr else { unreachable!() };
                let receiver = &call.receiver;
                *expr = if encoding.encoding == BodyEncoding::Multipart {
                    let (names, types): (Vec<&String>, Vec<&String>) =
                        encoding.part_content_types.iter().unzip();
                    syn::parse_quote! {
                        #receiver.multipart(
                            ::agentdial_core::multipart::to_form(&body, &[#((#names, #types)),*])
                                .map_err(|e| Error::InvalidRequest(e.to_string()))?,
                        )
                    }
                } else {
                    let ct = encoding.content_type.as_deref().unwrap_or("application/json");
                    syn::parse_quote! {
                        #receiver
                            .header(::reqwest::header::CONTENT_TYPE, ::reqwest::header::HeaderValue::from_static(#ct))
                            .json(&body)
                    }
                };
                self.replaced += 1;
                // The receiver chain was already visited as part of this expression's parent walk.
            }
            BodyEncoding::Form if matches!(expr, syn::Expr::Try(t) if is_call(&t.expr, "form_urlencoded")) => {
                let syn::Expr::Try(t) = expr else { unreachable!() };
                let syn::Expr::MethodCall(call) = &*t.expr else { unreachable!() };
                let receiver = &call.receiver;
                *expr = syn::parse_quote! {
                    #receiver
                        .header(
                            ::reqwest::header::CONTENT_TYPE,
                            ::reqwest::header::HeaderValue::from_static("application/x-www-form-urlencoded"),
                        )
                        .body(::agentdial_core::form::to_string(&body).map_err(|e| Error::InvalidRequest(e.to_string()))?)
                };
                self.replaced += 1;
            }
            BodyEncoding::Raw => {
                if let (syn::Expr::MethodCall(call), Some(ct)) = (&mut *expr, &encoding.content_type) {
                    if call.method == "header" && call.args.len() == 2 && is_octet_stream(&call.args[1]) {
                        call.args[1] = syn::parse_quote!(::reqwest::header::HeaderValue::from_static(#ct));
                        self.replaced += 1;
                    }
                } else if let syn::Expr::MethodCall(call) = &*expr {
                    // Nothing to replace: still count the header, so a missing one is reported.
                    if call.method == "header" && call.args.len() == 2 && is_octet_stream(&call.args[1]) {
                        self.replaced += 1;
                    }
                }
                syn::visit_mut::visit_expr_mut(self, expr);
            }
            _ => syn::visit_mut::visit_expr_mut(self, expr),
        }
    }
}

fn is_octet_stream(expr: &syn::Expr) -> bool {
    let syn::Expr::Call(call) = expr else { return false };
    let tokens = quote!(#call).to_string().replace(' ', "");
    tokens == "::reqwest::header::HeaderValue::from_static(\"application/octet-stream\")"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The shape of progenitor 0.15.1's builder `send()` for each body kind (trimmed).
    fn generated() -> syn::File {
        syn::parse_quote! {
            pub mod builder {
                impl<'a> Upload<'a> {
                    ///Sends a `POST` request to `/upload`
                    pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                        let Self { client, body } = self;
                        let body = body.map_err(Error::InvalidRequest)?;
                        let mut request = client.client.post(url).header(::reqwest::header::ACCEPT, ::reqwest::header::HeaderValue::from_static("application/json")).json(&body).headers(header_map).build()?;
                        todo!()
                    }
                }
                impl<'a> Form<'a> {
                    ///Sends a `POST` request to `/form`
                    pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                        let mut request = client.client.post(url).form_urlencoded(&body)?.headers(header_map).build()?;
                        todo!()
                    }
                }
                impl<'a> Raw<'a> {
                    ///Sends a `PUT` request to `/raw/{id}`
                    pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                        let mut request = client.client.put(url).header(::reqwest::header::CONTENT_TYPE, ::reqwest::header::HeaderValue::from_static("application/octet-stream")).body(body).headers(header_map).build()?;
                        todo!()
                    }
                }
            }
        }
    }

    fn document(encodings: serde_json::Value) -> Value {
        let op = |e: &serde_json::Value| json!({ "x-agentdial-request-body": e, "responses": {} });
        json!({ "paths": {
            "/upload": { "post": op(&encodings["upload"]) },
            "/form": { "post": op(&encodings["form"]) },
            "/raw/{id}": { "put": op(&encodings["raw"]) },
        }})
    }

    fn send_text(file: &syn::File, name: &str) -> String {
        let text = prettyplease::unparse(file);
        let start = text.find(&format!("impl<'a> {name}<'a>")).unwrap();
        let rest = &text[start..];
        rest[..rest[1..].find("impl<'a>").map(|i| i + 1).unwrap_or(rest.len())].replace([' ', '\n'], "")
    }

    #[test]
    fn each_encoding_replaces_progenitors_call() {
        let mut file = generated();
        let doc = document(json!({
            "upload": { "encoding": "multipart", "part_content_types": { "clip": "audio/wav" } },
            "form": { "encoding": "form" },
            "raw": { "encoding": "raw", "content_type": "audio/wav" },
        }));
        encode_request_bodies(&mut file, &doc).unwrap();
        let upload = send_text(&file, "Upload");
        assert!(upload.contains(r#".multipart(::agentdial_core::multipart::to_form(&body,&[("clip","audio/wav")]).map_err(|e|Error::InvalidRequest(e.to_string()))?,).headers(header_map)"#), "{upload}");
        assert!(!upload.contains(".json(&body)"));
        assert!(upload.contains("multipart/form-data"), "doc line added: {upload}");
        let form = send_text(&file, "Form");
        assert!(form.contains(r#".header(::reqwest::header::CONTENT_TYPE,::reqwest::header::HeaderValue::from_static("application/x-www-form-urlencoded",),).body(::agentdial_core::form::to_string(&body).map_err(|e|Error::InvalidRequest(e.to_string()))?,).headers(header_map)"#), "{form}");
        let raw = send_text(&file, "Raw");
        assert!(raw.contains(r#"from_static("audio/wav"),).body(body)"#), "{raw}");
        assert!(!raw.contains("octet-stream\")"), "{raw}");
    }

    #[test]
    fn json_with_its_own_content_type() {
        let mut file = generated();
        let doc = json!({ "paths": { "/upload": { "post": { "x-agentdial-request-body": { "encoding": "json", "content_type": "application/merge-patch+json" } } } } });
        encode_request_bodies(&mut file, &doc).unwrap();
        let upload = send_text(&file, "Upload");
        assert!(upload.contains(r#".header(::reqwest::header::CONTENT_TYPE,::reqwest::header::HeaderValue::from_static("application/merge-patch+json",),).json(&body)"#), "{upload}");
    }

    #[test]
    fn a_missing_call_or_operation_is_an_error() {
        let mut file = generated();
        let doc = json!({ "paths": { "/form": { "post": { "x-agentdial-request-body": { "encoding": "multipart" } } } } });
        let err = encode_request_bodies(&mut file, &doc).unwrap_err().to_string();
        assert!(err.contains("POST /form: expected one `.json(&body)`"), "{err}");
        let doc = json!({ "paths": { "/nowhere": { "get": { "x-agentdial-request-body": { "encoding": "form" } } } } });
        let err = encode_request_bodies(&mut file, &doc).unwrap_err().to_string();
        assert!(err.contains("Sends a `GET` request to `/nowhere`"), "{err}");
    }

    #[test]
    fn a_documented_json_media_type_is_asked_for() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> GetDoc<'a> {
                    ///Sends a `GET` request to `/docs`
                    pub async fn send(self) -> Result<(), ()> {
                        let request = client
                            .client
                            .get(url)
                            .header(
                                ::reqwest::header::ACCEPT,
                                ::reqwest::header::HeaderValue::from_static("application/json"),
                            )
                            .build()?;
                        Ok(())
                    }
                }
            }
        };
        let document =
            json!({"paths": {"/docs": {"get": {"x-agentdial-accept": "application/vnd.api+json"}}}});
        assert_eq!(accept_documented_json(&mut file, &document).unwrap(), 1);
        let text: String = prettyplease::unparse(&file).chars().filter(|c| !c.is_whitespace()).collect();
        assert!(text.contains(r#"from_static("application/vnd.api+json",)"#), "{text}");
        assert!(!text.contains(r#""application/json""#), "{text}");
    }

    #[test]
    fn a_delimited_query_array_is_sent_joined() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> ListCalls<'a> {
                    ///Sends a `GET` request to `/calls`
                    pub async fn send(self) -> Result<(), ()> {
                        let request = client
                            .client
                            .get(url)
                            .query(&progenitor_client::QueryParam::new("ids", &ids))
                            .query(&progenitor_client::QueryParam::new("limit", &limit))
                            .build()?;
                        Ok(())
                    }
                }
            }
        };
        let document = json!({"paths": {"/calls": {"get": {"parameters": [
            {"name": "ids", "in": "query", "style": "form", "x-agentdial-delimiter": ","},
            {"name": "limit", "in": "query"}
        ]}}}});
        assert_eq!(delimit_query_arrays(&mut file, &document).unwrap(), 1);
        let text: String = prettyplease::unparse(&file).chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            text.contains(r#"QueryParam::new("ids",&::agentdial_core::query::Delimited::new(&ids,","),)"#),
            "{text}"
        );
        assert!(text.contains(r#"QueryParam::new("limit",&limit)"#), "{text}");
    }

    #[test]
    fn no_recorded_encoding_leaves_the_code_alone() {
        let mut file = generated();
        let before = prettyplease::unparse(&file);
        encode_request_bodies(&mut file, &json!({ "paths": { "/upload": { "post": {} } } })).unwrap();
        assert_eq!(prettyplease::unparse(&file), before);
    }
}
