//! `drop_api_version_header`: the `api-version` header progenitor adds to every request is not
//! generated.
//!
//! progenitor 0.15 sends `api-version: <info.version>` with every request (its `Client::api_version`).
//! No document asks for it, a provider may refuse an unknown header, and inserting it only for a
//! hook to remove it again cost each request a header-map allocation, an insert and a removal.
//! The pass deletes the `header_map.append("api-version", ..)` statement of every operation and
//! lowers that map's `with_capacity` by one (dropping its `mut` when nothing else fills it); what
//! is sent is what the document describes.

use anyhow::{Result, bail};
use quote::ToTokens;
use syn::visit_mut::VisitMut;

/// The pass's name in `TRANSFORMATIONS.md`.
pub const NAME: &str = "drop_api_version_header";
/// Why it exists (the report's table).
pub const WHY: &str = "progenitor adds an `api-version` header (the document's `info.version`) to every request; no document declares it, so it is not generated (was: inserted, then removed by a hook on every request)";

/// `header_map.append(HeaderName::from_static("api-version"), ..)`.
fn is_api_version_append(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(call), Some(_)) = stmt else { return false };
    call.method == "append"
        && matches!(&*call.receiver, syn::Expr::Path(p) if p.path.is_ident("header_map"))
        && call.args.first().is_some_and(|name| {
            let text = name.to_token_stream().to_string();
            text.contains("from_static") && text.contains("\"api-version\"")
        })
}

/// `let mut header_map = ..::with_capacity(Nusize);`: the capacity literal, and the `mut`.
fn header_map_capacity(stmt: &mut syn::Stmt) -> Option<(&mut syn::LitInt, &mut Option<syn::Token![mut]>)> {
    let syn::Stmt::Local(local) = stmt else { return None };
    let syn::Pat::Ident(ident) = &mut local.pat else { return None };
    if ident.ident != "header_map" {
        return None;
    }
    let syn::Expr::Call(call) = &mut *local.init.as_mut()?.expr else { return None };
    let syn::Expr::Path(f) = &*call.func else { return None };
    if f.path.segments.last()?.ident != "with_capacity" {
        return None;
    }
    match call.args.first_mut()? {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(n), .. }) => Some((n, &mut ident.mutability)),
        _ => None,
    }
}

struct Drop {
    removed: usize,
    error: Option<String>,
}

impl VisitMut for Drop {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let before = block.stmts.len();
        block.stmts.retain(|s| !is_api_version_append(s));
        let removed = before - block.stmts.len();
        if removed > 0 {
            // Still filled by other statements (header parameters)? Then it stays `mut`.
            let filled = block.stmts.iter().any(|s| {
                let text = s.to_token_stream().to_string();
                text.contains("header_map . append") || text.contains("header_map . insert")
            });
            match block.stmts.iter_mut().find_map(header_map_capacity) {
                Some((n, mutability)) => match n.base10_parse::<usize>() {
                    Ok(capacity) if capacity >= removed => {
                        *n = syn::LitInt::new(&format!("{}usize", capacity - removed), n.span());
                        if !filled {
                            *mutability = None;
                        }
                    }
                    _ => self.error = Some(format!("header map capacity {n} is below the headers it held")),
                },
                None => self.error = Some("an `api-version` header without its `header_map`".into()),
            }
            self.removed += removed;
        }
        syn::visit_mut::visit_block_mut(self, block);
    }
}

/// Removes the header from every operation; returns how many operations had it.
pub fn drop_api_version_header(file: &mut syn::File) -> Result<usize> {
    let mut pass = Drop { removed: 0, error: None };
    pass.visit_file_mut(file);
    if let Some(error) = pass.error {
        bail!("{NAME}: {error}");
    }
    Ok(pass.removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_and_its_capacity_are_removed_and_other_headers_kept() {
        let mut file: syn::File = syn::parse_quote! {
            impl<'a> StartCall<'a> {
                pub async fn send(self) {
                    let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                    header_map.append(
                        ::reqwest::header::HeaderName::from_static("api-version"),
                        ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                    );
                    header_map.append("x-request-id", value.to_string().try_into()?);
                    let request = client.client.post(url).headers(header_map).build()?;
                }
            }
            impl<'a> ListCalls<'a> {
                pub async fn send(self) {
                    let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                    header_map.append(
                        ::reqwest::header::HeaderName::from_static("api-version"),
                        ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                    );
                    let request = client.client.get(url).headers(header_map).build()?;
                }
            }
        };
        assert_eq!(drop_api_version_header(&mut file).unwrap(), 2);
        let text = prettyplease::unparse(&file);
        assert!(!text.contains("api-version") && !text.contains("api_version"), "{text}");
        assert!(
            text.contains("let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize)"),
            "{text}"
        );
        // Nothing fills the second map any more: not `mut` (a generated crate must not warn).
        assert!(
            text.contains("let header_map = ::reqwest::header::HeaderMap::with_capacity(0usize)"),
            "{text}"
        );
        assert!(text.contains(r#"header_map.append("x-request-id""#), "{text}");
        // Nothing left: a second run changes nothing.
        assert_eq!(drop_api_version_header(&mut file).unwrap(), 0);
    }

    #[test]
    fn a_header_without_its_map_is_an_error_not_a_silent_skip() {
        let mut file: syn::File = syn::parse_quote! {
            fn send() {
                header_map.append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                );
            }
        };
        assert!(drop_api_version_header(&mut file).is_err());
    }
}
