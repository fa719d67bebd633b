//! Hidden constructors: every HTTP client a generated crate uses comes from `ClientOptions::build`.
//!
//! progenitor gives each generated `Client` two public constructors. `new(baseurl, inner)` builds a
//! `reqwest::Client` with reqwest's defaults, which follow up to ten redirects (a 307/308 resends a
//! call-creating POST, and a key header follows it to the other host), and `unwrap`s the build.
//! `new_with_client(baseurl, client, inner)` accepts any `reqwest::Client`, with whatever redirect
//! policy it has. This pass removes `new` and makes `new_with_client` private to the generated
//! module, so the only ways in are the generated `with_api_key` / `from_options`, which go through
//! `agentdial_core::ClientOptions::build` (redirects off, set after any caller configuration).

use anyhow::{Result, bail};

/// The constructor that is removed.
pub const REMOVED: &str = "new";
/// The constructor that becomes private.
pub const PRIVATE: &str = "new_with_client";

fn is_client_impl(imp: &syn::ItemImpl) -> bool {
    imp.trait_.is_none() && matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}

/// Removes `Client::new` and makes `Client::new_with_client` private. Fails when either is missing
/// (a progenitor upgrade changed them: this pass must then be revisited, not silently skipped).
pub fn hide_raw_constructors(file: &mut syn::File) -> Result<()> {
    let (mut removed, mut hidden) = (false, false);
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else { continue };
        if !is_client_impl(imp) {
            continue;
        }
        imp.items.retain(|it| {
            let drop = matches!(it, syn::ImplItem::Fn(f) if f.sig.ident == REMOVED);
            removed |= drop;
            !drop
        });
        for it in &mut imp.items {
            if let syn::ImplItem::Fn(f) = it
                && f.sig.ident == PRIVATE
            {
                f.vis = syn::Visibility::Inherited;
                hidden = true;
            }
        }
    }
    if !removed || !hidden {
        bail!(
            "the generated `impl Client` has no `{REMOVED}` or no `{PRIVATE}` constructor; progenitor changed, revisit build-support/src/constructors.rs"
        );
    }
    // An empty `impl Client {}` left behind would be noise.
    file.items
        .retain(|item| !matches!(item, syn::Item::Impl(imp) if is_client_impl(imp) && imp.items.is_empty()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated() -> syn::File {
        syn::parse_quote! {
            pub struct Client { pub(crate) baseurl: String, pub(crate) client: reqwest::Client, pub(crate) inner: Auth }
            impl Client {
                /// Create a new client.
                pub fn new(baseurl: &str, inner: Auth) -> Self {
                    let client = reqwest::ClientBuilder::new();
                    Self::new_with_client(baseurl, client.build().unwrap(), inner)
                }
                /// Construct a new client with an existing `reqwest::Client`.
                pub fn new_with_client(baseurl: &str, client: reqwest::Client, inner: Auth) -> Self {
                    Self { baseurl: baseurl.to_string(), client, inner }
                }
            }
            impl ClientInfo<Auth> for Client {
                fn new() -> Self { todo!() }
            }
            impl Client {
                pub fn start_call(&self) -> builder::StartCall<'_> { builder::StartCall::new(self) }
            }
        }
    }

    #[test]
    fn removes_new_and_hides_new_with_client() {
        let mut file = generated();
        hide_raw_constructors(&mut file).unwrap();
        let text = prettyplease::unparse(&file);
        assert!(!text.contains("pub fn new("), "{text}");
        assert!(!text.contains("unwrap()"), "{text}");
        assert!(text.contains("\n    fn new_with_client("), "{text}");
        assert!(!text.contains("pub fn new_with_client"), "{text}");
        assert!(text.contains("pub fn start_call(&self)"), "other methods stay: {text}");
        assert!(text.contains("fn new() -> Self"), "trait impls are not touched: {text}");
    }

    #[test]
    fn missing_constructors_are_an_error() {
        let mut file: syn::File = syn::parse_quote! {
            impl Client { pub fn new_with_client(baseurl: &str) -> Self { todo!() } }
        };
        let err = hide_raw_constructors(&mut file).unwrap_err().to_string();
        assert!(err.contains("progenitor changed"), "{err}");
    }
}
