//! `box_large_optional_fields`: an optional field whose type is large is stored boxed.
//!
//! typify stores every property inline, so a request type with several optional sub-objects is as
//! large as all of them together (HMS Sovereign's `OutboundCallRequest` held four inline
//! `AssistantConfigOverride`s: 4 KB), and every move of it copies that much: through progenitor's
//! builder (`types::builder::T`, then `TryFrom`), the `send()` future, and every future wrapped around
//! it. An `Option<T>` field whose `T` is a generated type estimated above [`THRESHOLD`] bytes
//! becomes `Option<Box<T>>`: absent costs 8 bytes, present one allocation. The wire format is
//! unchanged (serde and schemars are transparent for `Box`). The struct's typify builder is adjusted:
//! its field holds the box, and its setter still takes anything convertible into `Option<T>` and
//! boxes it, so builder code does not change; struct literals write `Some(Box::new(v))`.
//!
//! The size is an estimate of the 64-bit layout computed from the generated code alone (so the
//! output does not depend on the machine that generates it): scalars by width, `String`/`Vec`/maps
//! 24 bytes, `serde_json::Value` 32, `Uuid` 16, a generated struct the sum of its fields rounded up
//! to its alignment, an enum its largest variant plus a tag, `Option` free when its content has a
//! niche. Fields that carry their own serde (`with`, `default = "..."`) are left alone.

use anyhow::Result;
use quote::ToTokens;
use std::collections::{BTreeMap, BTreeSet};

/// The pass's name in `TRANSFORMATIONS.md`.
pub const NAME: &str = "box_large_optional_fields";
/// Why it exists (the report's table).
pub const WHY: &str = "typify stores optional sub-objects inline, so a request type with several of them is kilobytes large and copied on every move (builder, `TryFrom`, each future); an `Option<T>` field whose generated type `T` is estimated above 256 bytes becomes `Option<Box<T>>` (same wire format; builder setters unchanged)";

/// Estimated size (bytes, 64-bit layout) above which an optional field's type is boxed.
pub const THRESHOLD: usize = 256;

/// Estimated layout of a type: size, alignment, and whether it has a niche (so `Option` of it
/// needs no tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub size: usize,
    pub align: usize,
    pub niche: bool,
}

impl Layout {
    const fn new(size: usize, align: usize, niche: bool) -> Self {
        Layout { size, align, niche }
    }
}

fn round_up(n: usize, align: usize) -> usize {
    n.div_ceil(align.max(1)) * align.max(1)
}

fn generic_types(seg: &syn::PathSegment) -> Vec<&syn::Type> {
    match &seg.arguments {
        syn::PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The layout of `ty`; `None` while it names a generated type whose layout is not known yet.
fn layout_of(ty: &syn::Type, known: &BTreeMap<String, Layout>, local: &BTreeSet<String>) -> Option<Layout> {
    let word = Layout::new(8, 8, true);
    Some(match ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            let seg = p.path.segments.last()?;
            let name = seg.ident.to_string();
            let args = generic_types(seg);
            match name.as_str() {
                "bool" => Layout::new(1, 1, true),
                "u8" | "i8" => Layout::new(1, 1, false),
                "u16" | "i16" => Layout::new(2, 2, false),
                "u32" | "i32" | "f32" => Layout::new(4, 4, false),
                "char" => Layout::new(4, 4, true),
                "u64" | "i64" | "f64" | "usize" | "isize" => Layout::new(8, 8, false),
                "u128" | "i128" => Layout::new(16, 8, false),
                "NonZeroU8" | "NonZeroI8" => Layout::new(1, 1, true),
                "NonZeroU16" | "NonZeroI16" => Layout::new(2, 2, true),
                "NonZeroU32" | "NonZeroI32" => Layout::new(4, 4, true),
                "NonZeroU64" | "NonZeroI64" | "NonZeroUsize" => Layout::new(8, 8, true),
                "String" | "Vec" | "VecDeque" | "BTreeMap" | "BTreeSet" | "Map" => Layout::new(24, 8, true),
                "HashMap" | "HashSet" => Layout::new(48, 8, true),
                "Box" | "Arc" | "Rc" => word,
                "Value" => Layout::new(32, 8, true),
                "Uuid" => Layout::new(16, 1, false),
                "DateTime" => Layout::new(16, 4, true),
                "NaiveDate" => Layout::new(4, 4, true),
                "NaiveTime" => Layout::new(8, 4, true),
                "NaiveDateTime" => Layout::new(12, 4, true),
                "Option" => {
                    let inner = layout_of(args.first()?, known, local)?;
                    if inner.niche {
                        inner
                    } else {
                        Layout::new(round_up(inner.size + inner.align, inner.align), inner.align, true)
                    }
                }
                _ if local.contains(&name) && p.path.segments.len() <= 2 => *known.get(&name)?,
                // Anything else (a type from another crate): assume three words.
                _ => Layout::new(24, 8, true),
            }
        }
        syn::Type::Reference(_) => Layout::new(16, 8, true),
        syn::Type::Tuple(t) => fields_layout(t.elems.iter(), known, local)?,
        syn::Type::Array(a) => {
            let inner = layout_of(&a.elem, known, local)?;
            let len = match &a.len {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(n), .. }) => n.base10_parse().unwrap_or(1),
                _ => 1,
            };
            Layout::new(inner.size * len, inner.align, inner.niche)
        }
        syn::Type::Paren(p) => layout_of(&p.elem, known, local)?,
        syn::Type::Group(g) => layout_of(&g.elem, known, local)?,
        _ => Layout::new(24, 8, true),
    })
}

fn fields_layout<'a>(
    types: impl Iterator<Item = &'a syn::Type>,
    known: &BTreeMap<String, Layout>,
    local: &BTreeSet<String>,
) -> Option<Layout> {
    let (mut size, mut align, mut niche) = (0, 1, false);
    for ty in types {
        let l = layout_of(ty, known, local)?;
        size += l.size;
        align = align.max(l.align);
        niche |= l.niche;
    }
    Some(Layout::new(round_up(size, align), align, niche))
}

fn item_layout(
    item: &syn::Item,
    known: &BTreeMap<String, Layout>,
    local: &BTreeSet<String>,
) -> Option<Layout> {
    match item {
        syn::Item::Struct(s) => fields_layout(s.fields.iter().map(|f| &f.ty), known, local),
        syn::Item::Type(t) => layout_of(&t.ty, known, local),
        syn::Item::Enum(e) => {
            let mut payload = Layout::new(0, 1, false);
            for v in &e.variants {
                let l = fields_layout(v.fields.iter().map(|f| &f.ty), known, local)?;
                payload = Layout::new(payload.size.max(l.size), payload.align.max(l.align), false);
            }
            Some(if payload.size == 0 {
                Layout::new(1, 1, true)
            } else {
                // Largest variant plus a tag (an upper bound: the compiler often hides the tag in a niche).
                Layout::new(round_up(payload.size + payload.align, payload.align), payload.align, true)
            })
        }
        _ => None,
    }
}

fn item_name(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(s) => Some(s.ident.to_string()),
        syn::Item::Enum(e) => Some(e.ident.to_string()),
        syn::Item::Type(t) => Some(t.ident.to_string()),
        _ => None,
    }
}

/// Estimated layouts of the structs, enums and aliases among `items` (the `types` module).
pub fn estimate(items: &[syn::Item]) -> BTreeMap<String, Layout> {
    let local: BTreeSet<String> = items.iter().filter_map(item_name).collect();
    let mut known = BTreeMap::new();
    loop {
        let mut progressed = false;
        for item in items {
            let Some(name) = item_name(item) else { continue };
            if known.contains_key(&name) {
                continue;
            }
            if let Some(l) = item_layout(item, &known, &local) {
                known.insert(name, l);
                progressed = true;
            }
        }
        if !progressed {
            return known;
        }
    }
}

/// `T` when `ty` is `Option<T>` (any path spelling) and `T` a plain path; the path's last ident too.
fn option_content(ty: &syn::Type) -> Option<(&syn::Type, String)> {
    let syn::Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    if seg.ident != "Option" {
        return None;
    }
    let inner = *generic_types(seg).first()?;
    let syn::Type::Path(ip) = inner else { return None };
    Some((inner, ip.path.segments.last()?.ident.to_string()))
}

/// Whether a field's serde attributes bring their own (de)serialization or default function,
/// which were written for the unboxed type.
fn has_own_serde(field: &syn::Field) -> bool {
    field.attrs.iter().filter(|a| a.path().is_ident("serde") || a.path().is_ident("schemars")).any(|a| {
        let text = a.to_token_stream().to_string();
        ["with", "serialize_with", "deserialize_with"].iter().any(|k| text.contains(&format!("{k} =")))
            || text.contains("default =")
    })
}

fn boxed(ty: &syn::Type) -> syn::Type {
    syn::parse_quote!(::std::boxed::Box<#ty>)
}

/// Replaces the first generic argument of `ty`'s last path segment (`Option<T>` → `Option<f(T)>`).
fn map_first_argument(ty: &mut syn::Type, f: impl FnOnce(&syn::Type) -> syn::Type) -> bool {
    if let syn::Type::Path(p) = ty
        && let Some(seg) = p.path.segments.last_mut()
        && let syn::PathArguments::AngleBracketed(args) = &mut seg.arguments
        && let Some(syn::GenericArgument::Type(first)) = args.args.first_mut()
    {
        *first = f(first);
        return true;
    }
    false
}

fn module<'a>(items: &'a mut [syn::Item], name: &str) -> Option<&'a mut Vec<syn::Item>> {
    items.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// One boxed field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxedField {
    pub strukt: String,
    pub field: String,
    /// The field's type (the generated type now boxed).
    pub ty: String,
    /// Its estimated size in bytes.
    pub size: usize,
}

/// Boxes the large optional fields of the structs in `types` and adjusts their builders in
/// `types::builder`; returns what it boxed, in item order.
pub fn box_large_optional_fields(file: &mut syn::File, threshold: usize) -> Result<Vec<BoxedField>> {
    let mut out = Vec::new();
    let Some(types) = module(&mut file.items, "types") else { return Ok(out) };
    let layouts = estimate(types);
    // Struct name → (field → the unboxed content type as the builder spells it).
    let mut changed: BTreeMap<String, BTreeMap<String, syn::Type>> = BTreeMap::new();
    for item in types.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        let syn::Fields::Named(named) = &mut s.fields else { continue };
        for field in named.named.iter_mut() {
            let Some((inner, name)) = option_content(&field.ty) else { continue };
            let Some(layout) = layouts.get(&name) else { continue };
            if layout.size <= threshold || has_own_serde(field) {
                continue;
            }
            let inner = inner.clone();
            map_first_argument(&mut field.ty, boxed);
            let ident = field.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
            changed.entry(s.ident.to_string()).or_default().insert(ident.clone(), inner);
            out.push(BoxedField { strukt: s.ident.to_string(), field: ident, ty: name, size: layout.size });
        }
    }
    let Some(builder) = module(types, "builder") else { return Ok(out) };
    for item in builder.iter_mut() {
        match item {
            // Result<Option<T>, String> → Result<Option<Box<T>>, String>
            syn::Item::Struct(s) => {
                let Some(fields) = changed.get(&s.ident.to_string()) else { continue };
                let syn::Fields::Named(named) = &mut s.fields else { continue };
                for field in named.named.iter_mut() {
                    if !field.ident.as_ref().is_some_and(|i| fields.contains_key(&i.to_string())) {
                        continue;
                    }
                    map_first_argument(&mut field.ty, |ok| {
                        let mut ok = ok.clone();
                        map_first_argument(&mut ok, boxed);
                        ok
                    });
                }
            }
            // The setter keeps its signature (`T: TryInto<Option<X>>`) and boxes what it converted.
            syn::Item::Impl(imp) if imp.trait_.is_none() => {
                let syn::Type::Path(p) = &*imp.self_ty else { continue };
                let Some(fields) = p.path.get_ident().and_then(|i| changed.get(&i.to_string())) else {
                    continue;
                };
                for it in imp.items.iter_mut() {
                    let syn::ImplItem::Fn(f) = it else { continue };
                    let name = f.sig.ident.to_string();
                    if !fields.contains_key(&name) {
                        continue;
                    }
                    for stmt in f.block.stmts.iter_mut() {
                        let syn::Stmt::Expr(syn::Expr::Assign(assign), _) = stmt else { continue };
                        let syn::Expr::Field(target) = &*assign.left else { continue };
                        if !matches!(&target.member, syn::Member::Named(m) if *m == name) {
                            continue;
                        }
                        let value = &assign.right;
                        *assign.right = syn::parse_quote!(
                            #value.map(|value| value.map(::std::boxed::Box::new))
                        );
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(file: &syn::File) -> String {
        prettyplease::unparse(file)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .replace(",>", ">")
    }

    #[test]
    fn estimates_layouts() {
        let file: syn::File = syn::parse_quote! {
            pub struct Small { pub a: ::std::option::Option<bool>, pub n: ::std::option::Option<i64> }
            pub struct Ids { pub id: ::uuid::Uuid, pub other: ::std::option::Option<::uuid::Uuid> }
            pub enum Mode { A, B }
            pub enum Either { S(::std::string::String), N(i64) }
            pub struct Outer { pub small: Small, pub list: ::std::vec::Vec<Small>, pub mode: ::std::option::Option<Mode>, pub e: Either }
            pub struct Alias(pub Outer);
            pub type Also = Outer;
            pub struct Node { pub next: ::std::option::Option<::std::boxed::Box<Node>> }
        };
        let l = estimate(&file.items);
        assert_eq!(l["Small"], Layout::new(24, 8, true), "Option<bool> 1 byte, Option<i64> 16");
        assert_eq!(l["Ids"].size, 33, "Option<Uuid> needs a tag: 17 bytes");
        assert_eq!(l["Mode"], Layout::new(1, 1, true));
        assert_eq!(l["Either"].size, 32);
        assert_eq!(l["Outer"].size, 24 + 24 + 1 + 32 + 7);
        assert_eq!(l["Alias"], l["Outer"]);
        assert_eq!(l["Also"], l["Outer"]);
        assert_eq!(l["Node"].size, 8, "recursion through Box is one word");
    }

    #[test]
    fn boxes_large_optional_fields_and_their_builder() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Big { pub a: [u64; 40], pub b: ::std::string::String }
                pub struct Little { pub a: i64 }
                pub struct Request {
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub big: ::std::option::Option<Big>,
                    pub little: ::std::option::Option<Little>,
                    pub required: Big,
                    pub many: ::std::vec::Vec<Big>,
                    #[serde(default = "defaults::big")]
                    pub defaulted: ::std::option::Option<Big>,
                    pub text: ::std::option::Option<::std::string::String>,
                }
                pub mod builder {
                    pub struct Request {
                        big: ::std::result::Result<::std::option::Option<super::Big>, ::std::string::String>,
                        little: ::std::result::Result<::std::option::Option<super::Little>, ::std::string::String>,
                    }
                    impl Request {
                        pub fn big<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<::std::option::Option<super::Big>>,
                            T::Error: ::std::fmt::Display,
                        {
                            self.big = value.try_into().map_err(|e| format!("error converting supplied value for big: {e}"));
                            self
                        }
                        pub fn little<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<::std::option::Option<super::Little>>,
                            T::Error: ::std::fmt::Display,
                        {
                            self.little = value.try_into().map_err(|e| format!("error converting supplied value for little: {e}"));
                            self
                        }
                    }
                }
            }
        };
        let boxed = box_large_optional_fields(&mut file, THRESHOLD).unwrap();
        assert_eq!(
            boxed,
            vec![BoxedField { strukt: "Request".into(), field: "big".into(), ty: "Big".into(), size: 344 }]
        );
        let text = flat(&file);
        assert!(text.contains("pubbig:::std::option::Option<::std::boxed::Box<Big>>"), "{text}");
        assert!(text.contains("publittle:::std::option::Option<Little>"), "small: left alone");
        assert!(text.contains("pubrequired:Big"), "not optional: left alone");
        assert!(text.contains("pubdefaulted:::std::option::Option<Big>"), "own default: left alone");
        assert!(
            text.contains("big:::std::result::Result<::std::option::Option<::std::boxed::Box<super::Big>>"),
            "{text}"
        );
        assert!(text.contains("little:::std::result::Result<::std::option::Option<super::Little>"), "{text}");
        assert!(
            text.contains("T:::std::convert::TryInto<::std::option::Option<super::Big>>"),
            "setter signature unchanged: {text}"
        );
        assert!(text.contains(".map(|value|value.map(::std::boxed::Box::new));self}"), "{text}");
        assert_eq!(text.matches("::std::boxed::Box::new").count(), 1, "{text}");
        // Idempotent: a boxed field is one word.
        assert!(box_large_optional_fields(&mut file, THRESHOLD).unwrap().is_empty());
    }
}
