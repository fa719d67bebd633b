//! `features_per_tag`: a large document's crate is split into cargo features, one per tag, so a
//! user who needs one part of the API does not compile all of it (async-stripe splits by resource
//! the same way). Opt-in per document (`features_per_tag = true` in the manifest).
//!
//! Each operation belongs to the feature of its first tag (untagged operations are always built).
//! A type belongs to every feature whose operations reach it (parameters, bodies, responses,
//! transitively); component schemas no operation reaches (webhook payloads, ...) belong to the
//! feature `other-schemas`. Every generated item is then gated by the types and operations it
//! names: `#[cfg(any(feature = ..))]`, or `all(any(..), ..)` when it names types of different
//! features. All features are on by default, so the crate is unchanged for a user who does not
//! choose; `default-features = false, features = ["calls"]` builds only what calls need.

use crate::surface::doc_text;
use anyhow::{Result, bail};
use heck::ToKebabCase;
use proc_macro2::TokenStream;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use syn::visit_mut::VisitMut;

/// The pass's name in `TRANSFORMATIONS.md`.
pub const NAME: &str = "features_per_tag";
/// Why it exists (the report's table).
pub const WHY: &str = "a large document's crate takes minutes and gigabytes to compile; each tag becomes a cargo feature (all on by default) gating its operations and the types only they use";
/// The feature of component schemas no operation uses.
pub const OTHER_SCHEMAS: &str = "other-schemas";

type Features = BTreeSet<String>;

/// What the split did: the features in order, and how many items each gates.
#[derive(Debug, Default)]
pub struct Split {
    /// Feature → the tag it stands for (`other-schemas` → empty).
    pub features: BTreeMap<String, String>,
    /// Items (or methods, or match arms) that received a `cfg`.
    pub gated: usize,
}

/// Path segments that name a type or function of the generated crate: the first segment, or one
/// after `super`/`crate`/`types`/`builder`/`defaults` (so `Self::Variant` and `Enum::Variant` do
/// not count as mentions of a type named like the variant).
struct Mentions<'a> {
    names: &'a BTreeMap<String, Features>,
    found: BTreeSet<String>,
}

impl VisitMut for Mentions<'_> {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        let mut previous: Option<String> = None;
        for (i, segment) in path.segments.iter().enumerate() {
            let ident = segment.ident.to_string();
            let counts = i == 0
                || matches!(previous.as_deref(), Some("super" | "crate" | "types" | "builder" | "defaults"));
            if counts && self.names.contains_key(&ident) {
                self.found.insert(ident.clone());
            }
            previous = Some(ident);
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

fn mentions<T>(
    node: &mut T,
    names: &BTreeMap<String, Features>,
    visit: fn(&mut Mentions, &mut T),
) -> BTreeSet<String> {
    let mut m = Mentions { names, found: BTreeSet::new() };
    visit(&mut m, node);
    m.found
}

fn item_mentions(item: &mut syn::Item, names: &BTreeMap<String, Features>) -> BTreeSet<String> {
    mentions(item, names, |m, i| m.visit_item_mut(i))
}

/// The `cfg` for something naming `found`: one `any(..)` per distinct feature set, dropping sets
/// implied by a smaller one. `None` when nothing it names is gated.
fn condition(found: &BTreeSet<String>, names: &BTreeMap<String, Features>) -> Option<TokenStream> {
    let mut sets: Vec<&Features> = found.iter().filter_map(|n| names.get(n)).collect();
    sets.sort_by_key(|s| s.len());
    sets.dedup();
    let mut minimal: Vec<&Features> = Vec::new();
    for s in sets {
        if !minimal.iter().any(|m| m.is_subset(s)) {
            minimal.push(s);
        }
    }
    if minimal.is_empty() {
        return None;
    }
    let any = |s: &Features| -> TokenStream {
        let fs = s.iter().map(|f| quote::quote!(feature = #f));
        if s.len() == 1 { quote::quote!(#(#fs)*) } else { quote::quote!(any(#(#fs),*)) }
    };
    let parts: Vec<TokenStream> = minimal.into_iter().map(any).collect();
    Some(if parts.len() == 1 { parts[0].clone() } else { quote::quote!(all(#(#parts),*)) })
}

fn module<'a>(items: &'a mut [syn::Item], name: &str) -> Option<&'a mut Vec<syn::Item>> {
    items.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The feature of each operation, by `(METHOD, path)`: its first tag in kebab case.
fn operation_features(document: &Value) -> BTreeMap<(String, String), (String, String)> {
    let mut out = BTreeMap::new();
    for (path, item) in document.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !crate::visit::METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(tag) = op.pointer("/tags/0").and_then(Value::as_str) else { continue };
            let mut feature = tag.to_kebab_case();
            if feature.is_empty() || feature == OTHER_SCHEMAS || feature == "default" {
                feature = format!("tag-{feature}");
            }
            out.insert((method.to_uppercase(), path.clone()), (feature, tag.to_owned()));
        }
    }
    out
}

/// Splits `file` into features per tag (see the module docs).
pub fn gate_by_tag(file: &mut syn::File, document: &Value) -> Result<Split> {
    let by_operation = operation_features(document);
    let mut split = Split::default();
    // 1. Client methods → operation builder → feature.
    let mut builders: BTreeMap<String, String> = BTreeMap::new();
    for item in &file.items {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || last_ident(&imp.self_ty).as_deref() != Some("Client") {
            continue;
        }
        for it in &imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            let syn::ReturnType::Type(_, ret) = &f.sig.output else { continue };
            let Some(builder) = last_ident(ret) else { continue };
            let doc = doc_text(&f.attrs);
            let Some((method, path)) = doc.lines().find_map(|l| {
                let rest = l.trim().strip_prefix("Sends a `")?;
                let (method, rest) = rest.split_once("` request to `")?;
                Some((method.to_owned(), rest.trim_end_matches('`').to_owned()))
            }) else {
                continue;
            };
            if let Some((feature, tag)) = by_operation.get(&(method, path)) {
                builders.insert(builder, feature.clone());
                split.features.insert(feature.clone(), tag.clone());
            }
        }
    }
    if split.features.len() < 2 {
        return Ok(Split::default());
    }
    // 2. Types and what each definition names.
    let type_names: BTreeMap<String, Features> = module(&mut file.items, "types")
        .map(|items| {
            items
                .iter()
                .filter_map(|i| match i {
                    syn::Item::Struct(s) => Some(s.ident.to_string()),
                    syn::Item::Enum(e) => Some(e.ident.to_string()),
                    syn::Item::Type(t) => Some(t.ident.to_string()),
                    _ => None,
                })
                .map(|n| (n, Features::new()))
                .collect()
        })
        .unwrap_or_default();
    if let Some(clash) = builders.keys().find(|b| type_names.contains_key(*b)) {
        bail!("operation builder `{clash}` has the name of a type; the crate cannot be split by tag");
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Some(items) = module(&mut file.items, "types") {
        for item in items.iter_mut() {
            let name = match item {
                syn::Item::Struct(s) => s.ident.to_string(),
                syn::Item::Enum(e) => e.ident.to_string(),
                syn::Item::Type(t) => t.ident.to_string(),
                _ => continue,
            };
            edges.insert(name, item_mentions(item, &type_names));
        }
    }
    // 3. Operations' roots: the types their builder names.
    let mut roots: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Some(items) = module(&mut file.items, "builder") {
        for item in items.iter_mut() {
            let owner = match item {
                syn::Item::Struct(s) => s.ident.to_string(),
                syn::Item::Impl(imp) => last_ident(&imp.self_ty).unwrap_or_default(),
                _ => continue,
            };
            if let Some(feature) = builders.get(&owner) {
                roots.entry(feature.clone()).or_default().extend(item_mentions(item, &type_names));
            }
        }
    }
    let mut names = type_names;
    let reach = |names: &mut BTreeMap<String, Features>, feature: &str, start: &BTreeSet<String>| {
        let mut stack: Vec<String> = start.iter().cloned().collect();
        while let Some(n) = stack.pop() {
            let Some(fs) = names.get_mut(&n) else { continue };
            if fs.insert(feature.to_owned()) {
                stack.extend(edges.get(&n).into_iter().flatten().cloned());
            }
        }
    };
    for (feature, start) in &roots {
        reach(&mut names, feature, start);
    }
    let unused: BTreeSet<String> =
        names.iter().filter(|(_, f)| f.is_empty()).map(|(n, _)| n.clone()).collect();
    if !unused.is_empty() {
        reach(&mut names, OTHER_SCHEMAS, &unused);
        split.features.insert(OTHER_SCHEMAS.to_owned(), String::new());
    }
    // What every feature needs is always built (no `cfg` listing every feature).
    let all: Features = split.features.keys().cloned().collect();
    names.retain(|_, fs| *fs != all);
    for (builder, feature) in &builders {
        names.insert(builder.clone(), Features::from([feature.clone()]));
    }
    // 4. typify's default helpers belong to the features of the types that use them (by name in
    // a `serde(default = "..")` string or a path).
    if let Some(types) = module(&mut file.items, "types") {
        let helpers: Vec<String> = module(types, "defaults")
            .map(|d| {
                d.iter()
                    .filter_map(|i| match i {
                        syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut users: BTreeMap<String, Option<Features>> = BTreeMap::new();
        let mut scan = |items: &[syn::Item]| {
            for item in items {
                let owner = match item {
                    syn::Item::Struct(s) => s.ident.to_string(),
                    syn::Item::Enum(e) => e.ident.to_string(),
                    syn::Item::Impl(imp) => last_ident(&imp.self_ty).unwrap_or_default(),
                    _ => continue,
                };
                let text = quote::ToTokens::to_token_stream(item).to_string();
                for h in &helpers {
                    if text.contains(h.as_str()) {
                        let fs = names.get(&owner).cloned();
                        let entry = users.entry(h.clone()).or_insert_with(|| Some(Features::new()));
                        match (entry.as_mut(), fs) {
                            (Some(acc), Some(fs)) if !fs.is_empty() => acc.extend(fs),
                            _ => *entry = None,
                        }
                    }
                }
            }
        };
        scan(types);
        if let Some(b) = module(types, "builder") {
            scan(b);
        }
        for (helper, fs) in users {
            if let Some(fs) = fs
                && !fs.is_empty()
            {
                names.insert(helper, fs);
            }
        }
    }
    // 5. Gate.
    split.gated = gate_items(&mut file.items, &names);
    Ok(split)
}

fn add_cfg(attrs: &mut Vec<syn::Attribute>, cond: TokenStream) {
    attrs.push(syn::parse_quote!(#[cfg(#cond)]));
}

fn gate_items(items: &mut [syn::Item], names: &BTreeMap<String, Features>) -> usize {
    let mut gated = 0;
    for item in items.iter_mut() {
        match item {
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = m.content.as_mut() {
                    gated += gate_items(inner, names);
                }
            }
            syn::Item::Impl(imp)
                if imp.trait_.is_none() && last_ident(&imp.self_ty).as_deref() == Some("Client") =>
            {
                for it in imp.items.iter_mut() {
                    let found = mentions(it, names, |m, i| m.visit_impl_item_mut(i));
                    if let (Some(cond), syn::ImplItem::Fn(f)) = (condition(&found, names), it) {
                        add_cfg(&mut f.attrs, cond);
                        gated += 1;
                    }
                }
            }
            syn::Item::Fn(f) if f.sig.ident == "decode_schema" => {
                let mut arms = ArmGate { names, gated: 0 };
                arms.visit_item_fn_mut(f);
                if arms.gated > 0 {
                    // With every feature off no arm but the fallback is left.
                    f.attrs.push(syn::parse_quote!(#[allow(unreachable_code, unused_variables)]));
                }
                gated += arms.gated;
            }
            _ => {
                let mut found = item_mentions(item, names);
                // A definition names itself (its own ident is not a path).
                let own = match &*item {
                    syn::Item::Struct(i) => Some(i.ident.to_string()),
                    syn::Item::Enum(i) => Some(i.ident.to_string()),
                    syn::Item::Type(i) => Some(i.ident.to_string()),
                    syn::Item::Fn(i) => Some(i.sig.ident.to_string()),
                    _ => None,
                };
                found.extend(own.filter(|o| names.contains_key(o)));
                if let Some(cond) = condition(&found, names) {
                    let attrs = match item {
                        syn::Item::Struct(i) => &mut i.attrs,
                        syn::Item::Enum(i) => &mut i.attrs,
                        syn::Item::Type(i) => &mut i.attrs,
                        syn::Item::Impl(i) => &mut i.attrs,
                        syn::Item::Fn(i) => &mut i.attrs,
                        syn::Item::Const(i) => &mut i.attrs,
                        syn::Item::Static(i) => &mut i.attrs,
                        syn::Item::Use(i) => &mut i.attrs,
                        syn::Item::Trait(i) => &mut i.attrs,
                        _ => continue,
                    };
                    add_cfg(attrs, cond);
                    gated += 1;
                }
            }
        }
    }
    gated
}

/// `decode_schema`'s arms, each gated by the type it decodes.
struct ArmGate<'a> {
    names: &'a BTreeMap<String, Features>,
    gated: usize,
}

impl VisitMut for ArmGate<'_> {
    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        let found = mentions(arm, self.names, |m, a| m.visit_arm_mut(a));
        if let Some(cond) = condition(&found, self.names) {
            add_cfg(&mut arm.attrs, cond);
            self.gated += 1;
        }
    }
}

/// The `[features]` table of a generated crate: the TLS backend (as in the hand-kept provider
/// crates: rustls with aws-lc-rs by default, or ring) and, for a crate split by tag, one feature per
/// tag (`tags`: feature → tag, empty for `other-schemas`); every tag on by default.
pub fn features_table(tags: &BTreeMap<String, String>) -> String {
    let default: Vec<String> = std::iter::once("aws-lc-rs")
        .chain(tags.keys().map(String::as_str))
        .map(|f| format!("{f:?}"))
        .collect();
    let mut out = format!(
        "\n[features]\ndefault = [{}]\n# TLS backend (see agentdial-core): rustls with aws-lc-rs, or the lighter ring.\naws-lc-rs = [\"agentdial-core/aws-lc-rs\"]\nring = [\"agentdial-core/ring\"]\n",
        default.join(", ")
    );
    for (feature, tag) in tags {
        if tag.is_empty() {
            out.push_str(&format!("# component schemas no operation uses\n{feature} = []\n"));
        } else {
            out.push_str(&format!("# tag `{tag}`\n{feature} = []\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                pub struct Call { pub assistant: Option<Assistant>, pub status: Status }
                pub struct Assistant { pub name: String }
                pub enum Status { Assistant, Ended }
                impl ::std::fmt::Display for Status {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match self { Self::Assistant => f.write_str("a"), Status::Ended => f.write_str("e") }
                    }
                }
                pub struct Number { pub id: String }
                pub struct Webhook { pub call: Call }
                pub mod builder {
                    pub struct Number { id: Result<String, String> }
                    impl ::std::default::Default for Number {
                        fn default() -> Self { Self { id: Ok(super::defaults::number_id()) } }
                    }
                }
                pub mod defaults {
                    pub(super) fn number_id() -> String { String::new() }
                }
            }
            pub struct Client;
            impl Client {
                #[doc = "Sends a `POST` request to `/call`"]
                pub fn create_call(&self) -> builder::CreateCall<'_> { builder::CreateCall::new(self) }
                #[doc = "Sends a `GET` request to `/number`"]
                pub fn get_number(&self) -> builder::GetNumber<'_> { builder::GetNumber::new(self) }
                #[doc = "Sends a `GET` request to `/untagged`"]
                pub fn untagged(&self) -> builder::Untagged<'_> { builder::Untagged::new(self) }
            }
            pub mod builder {
                use super::types;
                pub struct CreateCall<'a> { body: Result<types::Call, String> }
                impl<'a> CreateCall<'a> { pub fn new(client: &'a super::Client) -> Self { todo!() } }
                pub struct GetNumber<'a> { client: &'a super::Client }
                impl<'a> GetNumber<'a> {
                    pub async fn send(self) -> Result<types::Number, ()> { todo!() }
                }
                pub struct Untagged<'a> { client: &'a super::Client }
            }
            pub mod spec {
                pub fn decode_schema(name: &str) -> Option<()> {
                    Some(match name {
                        "Call" => decode::<super::types::Call>(),
                        "Webhook" => decode::<super::types::Webhook>(),
                        _ => return None,
                    })
                }
            }
        }
    }

    #[test]
    fn gates_operations_and_the_types_only_they_reach() {
        let document = json!({"paths": {
            "/call": {"post": {"tags": ["Calls"]}},
            "/number": {"get": {"tags": ["Phone Numbers"]}},
            "/untagged": {"get": {}},
        }});
        let mut file = sample();
        let split = gate_by_tag(&mut file, &document).unwrap();
        assert_eq!(split.features.keys().collect::<Vec<_>>(), ["calls", "other-schemas", "phone-numbers"]);
        let text = prettyplease::unparse(&file);
        let gate_of = |needle: &str| -> String {
            let at = text.find(needle).unwrap_or_else(|| panic!("{needle} missing:\n{text}"));
            let before = &text[..at];
            let line_start = before.trim_end().rfind('\n').map_or(0, |i| i + 1);
            before[line_start..].trim().to_owned()
        };
        // Calls reach Call, Assistant and Status; the Webhook (no operation) reaches Call too.
        assert_eq!(
            gate_of("pub struct Call "),
            r#"#[cfg(any(feature = "calls", feature = "other-schemas"))]"#
        );
        assert_eq!(
            gate_of("pub struct Assistant "),
            r#"#[cfg(any(feature = "calls", feature = "other-schemas"))]"#
        );
        // `Self::Assistant` (a variant) is not a mention of the type `Assistant`.
        assert_eq!(
            gate_of("impl ::std::fmt::Display for Status"),
            r#"#[cfg(any(feature = "calls", feature = "other-schemas"))]"#
        );
        assert_eq!(gate_of("pub struct Webhook "), r#"#[cfg(feature = "other-schemas")]"#);
        assert_eq!(gate_of("pub struct Number {\n        pub id"), r#"#[cfg(feature = "phone-numbers")]"#);
        assert_eq!(gate_of("pub(super) fn number_id"), r#"#[cfg(feature = "phone-numbers")]"#);
        assert_eq!(gate_of("pub fn create_call"), r#"#[cfg(feature = "calls")]"#);
        assert_eq!(gate_of("pub struct CreateCall"), r#"#[cfg(feature = "calls")]"#);
        assert!(!gate_of("pub async fn send").starts_with("#[cfg"), "inside a gated impl, not gated again");
        assert_eq!(gate_of("impl<'a> GetNumber<'a>"), r#"#[cfg(feature = "phone-numbers")]"#);
        assert!(!gate_of("pub fn untagged").starts_with("#[cfg"), "untagged operations are always built");
        assert_eq!(gate_of(r#""Webhook" =>"#), r#"#[cfg(feature = "other-schemas")]"#);
        let table = features_table(&split.features);
        assert!(
            table.contains("default = [\"aws-lc-rs\", \"calls\", \"other-schemas\", \"phone-numbers\"]"),
            "{table}"
        );
        assert!(table.contains("ring = [\"agentdial-core/ring\"]\n# tag `Calls`\ncalls = []"), "{table}");
    }

    #[test]
    fn an_operation_named_like_a_type_refuses_the_split_and_changes_nothing() {
        let document = json!({"paths": {"/call": {"post": {"tags": ["Calls"]}}, "/number": {"get": {"tags": ["Numbers"]}}}});
        let mut file = sample();
        if let Some(syn::Item::Mod(m)) = file.items.first_mut() {
            m.content.as_mut().unwrap().1.push(syn::parse_quote!(
                pub struct GetNumber;
            ));
        }
        let before = prettyplease::unparse(&file);
        let err = gate_by_tag(&mut file, &document).unwrap_err();
        assert!(err.to_string().contains("GetNumber"), "{err}");
        assert_eq!(prettyplease::unparse(&file), before);
    }

    #[test]
    fn a_document_with_one_tag_is_not_split() {
        let document = json!({"paths": {"/call": {"post": {"tags": ["Calls"]}}, "/number": {"get": {"tags": ["Calls"]}}}});
        let mut file = sample();
        let before = prettyplease::unparse(&file);
        let split = gate_by_tag(&mut file, &document).unwrap();
        assert!(split.features.is_empty());
        assert_eq!(prettyplease::unparse(&file), before);
    }
}
