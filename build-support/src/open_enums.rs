//! Open string enums: a value the provider adds after generation must not break parsing.
//!
//! typify turns `type: string, enum: [...]` into a closed Rust enum, so a response carrying a new
//! status fails to deserialize (``unknown variant `voicemail` ``) and the whole call result is lost.
//! Every such enum gets one more variant, `Unrecognized(String)`, marked `#[serde(untagged)]`: known
//! values parse to their variants as before, any other string is kept as is and serializes back
//! unchanged. `Copy` is dropped (the new variant holds a `String`) and `Display` covers the new
//! variant. `FromStr`/`TryFrom<&str>` stay strict, for validating input.
//!
//! An enum of one value is a constant, not an open set, and is left closed: it is usually the tag
//! of a union member (`"type": "endCall"`), and opening it would let that member accept any other
//! kind's object (see `unions.rs`).

use anyhow::{Result, bail};
use quote::quote;

pub const VARIANT: &str = "Unrecognized";

fn is_string_enum(e: &syn::ItemEnum) -> bool {
    let enum_level_serde = e.attrs.iter().filter(|a| a.path().is_ident("serde")).any(|a| {
        let text = quote!(#a).to_string();
        text.contains("untagged") || text.contains("tag =")
    });
    // A single-value enum is a constant (often a union's tag), not an open set: never opened.
    !enum_level_serde
        && e.variants.len() > 1
        && e.variants.iter().all(|v| matches!(v.fields, syn::Fields::Unit))
}

fn serde_name(v: &syn::Variant) -> String {
    let mut name = v.ident.to_string();
    for attr in v.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename")
                && let Ok(lit) = meta.value().and_then(|v| v.parse::<syn::LitStr>())
            {
                name = lit.value();
            }
            Ok(())
        });
    }
    name
}

fn drop_copy(attrs: &mut [syn::Attribute]) -> Result<()> {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let paths =
            attr.parse_args_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)?;
        let kept: Vec<&syn::Path> = paths.iter().filter(|p| !p.is_ident("Copy")).collect();
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
    Ok(())
}

fn is_display_impl_for(item: &syn::Item, name: &str) -> bool {
    let syn::Item::Impl(imp) = item else { return false };
    let Some((_, path, _)) = &imp.trait_ else { return false };
    let self_is = matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident(name));
    self_is && path.segments.last().is_some_and(|s| s.ident == "Display")
}

/// Opens every string enum in the `types` module of a generated file. Returns their names.
pub fn open_string_enums(file: &mut syn::File) -> Result<Vec<String>> {
    let Some(types) = file.items.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        return Ok(Vec::new());
    };
    let mut opened = Vec::new();
    let mut displays = Vec::new();
    for item in types.iter_mut() {
        let syn::Item::Enum(e) = item else { continue };
        if !is_string_enum(e) {
            continue;
        }
        let name = e.ident.to_string();
        if e.variants.iter().any(|v| v.ident == VARIANT) {
            bail!("enum {name} already has a variant named {VARIANT}; cannot open it");
        }
        drop_copy(&mut e.attrs)?;
        let arms: Vec<proc_macro2::TokenStream> = e
            .variants
            .iter()
            .map(|v| {
                let ident = &v.ident;
                let value = serde_name(v);
                quote!(Self::#ident => f.write_str(#value),)
            })
            .collect();
        let ident = syn::Ident::new(VARIANT, proc_macro2::Span::call_site());
        e.variants.push(syn::parse_quote! {
            /// A value this version of the crate does not know (added to the API after generation), kept as sent.
            #[serde(untagged)]
            #ident(::std::string::String)
        });
        let ty = &e.ident;
        displays.push(syn::parse_quote! {
            impl ::std::fmt::Display for #ty {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match self {
                        #(#arms)*
                        Self::#ident(value) => f.write_str(value),
                    }
                }
            }
        });
        opened.push(name);
    }
    types.retain(|item| !opened.iter().any(|name| is_display_impl_for(item, name)));
    types.extend(displays);
    Ok(opened)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_an_untagged_catch_all_and_rewrites_display() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
                pub enum Color { #[serde(rename = "blue")] Blue, #[serde(rename = "no-answer")] NoAnswer }
                impl ::std::fmt::Display for Color {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { match *self { Self::Blue => f.write_str("blue"), Self::NoAnswer => f.write_str("no-answer") } }
                }
                #[serde(untagged)]
                pub enum Either { A, B }
                pub enum WithData { A(String) }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
                pub enum Constant { #[serde(rename = "endCall")] EndCall }
            }
        };
        assert_eq!(open_string_enums(&mut file).unwrap(), vec!["Color".to_string()]);
        let text = prettyplease::unparse(&file);
        assert!(text.contains("#[serde(untagged)]\n        Unrecognized(::std::string::String),"), "{text}");
        // Color lost Copy; the constant kept it and stayed closed (one `Unrecognized` in all).
        assert_eq!(text.matches("Copy").count(), 1, "{text}");
        assert!(text.contains("Clone, Copy, Debug)]\n    pub enum Constant"), "{text}");
        assert_eq!(text.matches("Unrecognized(::std").count(), 1, "{text}");
        assert_eq!(text.matches("impl ::std::fmt::Display for Color").count(), 1);
        assert!(text.contains("Self::Unrecognized(value) => f.write_str(value)"), "{text}");
        assert!(text.contains("Self::NoAnswer => f.write_str(\"no-answer\")"), "{text}");
    }
}
