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
use anyhow::Result;
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

/// Where a piece of generated code sits, which decides what a bare name in it means: typify's
/// `types` module (with its `builder` and `defaults`), progenitor's operation `builder` module, or
/// the crate root (`Client`, `spec`, ...). progenitor's operation builder for `createThing` and
/// typify's type for a schema `CreateThing` may share a name; they are told apart by where they
/// are named from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Root,
    Types,
    Operations,
}

/// The key of a type (or `types::defaults` helper) in the names map.
fn type_key(name: &str) -> String {
    format!("types::{name}")
}

/// The key of an operation builder in the names map.
fn operation_key(name: &str) -> String {
    format!("builder::{name}")
}

/// Path segments that name a type, default helper or operation builder of the generated crate:
/// the first segment, or one after `super`/`crate`/`types`/`builder`/`defaults` (so `Self::Variant`
/// and `Enum::Variant` do not count as mentions of a type named like the variant). `builder::X`
/// is an operation builder unless it follows `types` or is named from inside `types` (typify's
/// builder of the type `X`); a bare name inside the operation builders is one of them.
struct Mentions<'a> {
    names: &'a BTreeMap<String, Features>,
    scope: Scope,
    found: BTreeSet<String>,
}

impl VisitMut for Mentions<'_> {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        let mut previous: Option<String> = None;
        let mut after_types = false;
        for (i, segment) in path.segments.iter().enumerate() {
            let ident = segment.ident.to_string();
            let counts = i == 0
                || matches!(previous.as_deref(), Some("super" | "crate" | "types" | "builder" | "defaults"));
            if counts {
                let operation = match previous.as_deref() {
                    None => self.scope == Scope::Operations,
                    Some("builder") => !after_types && self.scope != Scope::Types,
                    Some(_) => false,
                };
                let key = if operation { operation_key(&ident) } else { type_key(&ident) };
                if self.names.contains_key(&key) {
                    self.found.insert(key);
                }
            }
            after_types |= ident == "types";
            previous = Some(ident);
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

fn mentions<T>(
    node: &mut T,
    names: &BTreeMap<String, Features>,
    scope: Scope,
    visit: fn(&mut Mentions, &mut T),
) -> BTreeSet<String> {
    let mut m = Mentions { names, scope, found: BTreeSet::new() };
    visit(&mut m, node);
    m.found
}

fn item_mentions(item: &mut syn::Item, names: &BTreeMap<String, Features>, scope: Scope) -> BTreeSet<String> {
    mentions(item, names, scope, |m, i| m.visit_item_mut(i))
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

/// The component schemas the document names under each operation (`$ref`s, followed through
/// `components/responses`, `parameters`, `requestBodies` and `headers`), by `(METHOD, path)`, as
/// the Rust type names typify gives them (`UpperCamelCase`). The generated code does not always
/// name them: an operation whose error statuses have different schemas gets a JSON body, whose
/// documented types a caller still decodes into, so they are built with the operation.
fn document_roots(document: &Value) -> BTreeMap<(String, String), BTreeSet<String>> {
    use heck::ToUpperCamelCase;
    fn refs(value: &Value, document: &Value, seen: &mut BTreeSet<String>, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                    if let Some(schema) = target.strip_prefix("#/components/schemas/") {
                        out.insert(schema.replace("~1", "/").replace("~0", "~").to_upper_camel_case());
                    } else if target.starts_with("#/components/")
                        && seen.insert(target.to_owned())
                        && let Some(component) = document.pointer(&target[1..])
                    {
                        refs(component, document, seen, out);
                    }
                }
                for v in map.values() {
                    refs(v, document, seen, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, document, seen, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    for (path, item) in document.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !crate::visit::METHODS.contains(&method.as_str()) {
                continue;
            }
            let mut names = BTreeSet::new();
            refs(op, document, &mut BTreeSet::new(), &mut names);
            out.insert((method.to_uppercase(), path.clone()), names);
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
                .map(|n| (type_key(&n), Features::new()))
                .collect()
        })
        .unwrap_or_default();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Some(items) = module(&mut file.items, "types") {
        for item in items.iter_mut() {
            let name = match item {
                syn::Item::Struct(s) => s.ident.to_string(),
                syn::Item::Enum(e) => e.ident.to_string(),
                syn::Item::Type(t) => t.ident.to_string(),
                _ => continue,
            };
            edges.insert(type_key(&name), item_mentions(item, &type_names, Scope::Types));
        }
    }
    // An inherent impl of a type outside `types` (the `typed()` decoder of a unified response
    // body, at the crate root) links the type to what the impl names (the per-status enum).
    for item in file.items.iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(ty) = &*imp.self_ty else { continue };
        let segments: Vec<String> = ty.path.segments.iter().map(|s| s.ident.to_string()).collect();
        if imp.trait_.is_some() || segments.len() != 2 || segments[0] != "types" {
            continue;
        }
        let key = type_key(&segments[1]);
        if type_names.contains_key(&key) {
            let named = item_mentions(item, &type_names, Scope::Root);
            edges.entry(key).or_default().extend(named);
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
                roots.entry(feature.clone()).or_default().extend(item_mentions(
                    item,
                    &type_names,
                    Scope::Operations,
                ));
            }
        }
    }
    // The schemas the document names for an operation, where the generated code does not.
    for (operation, schemas) in document_roots(document) {
        if let Some((feature, _)) = by_operation.get(&operation)
            && split.features.contains_key(feature)
        {
            let found = schemas.iter().map(|n| type_key(n)).filter(|k| type_names.contains_key(k));
            roots.entry(feature.clone()).or_default().extend(found);
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
        names.insert(operation_key(builder), Features::from([feature.clone()]));
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
                        let fs = names.get(&type_key(&owner)).cloned();
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
                names.insert(type_key(&helper), fs);
            }
        }
    }
    // 5. Gate.
    split.gated = gate_items(&mut file.items, &names, Scope::Root);
    Ok(split)
}

fn add_cfg(attrs: &mut Vec<syn::Attribute>, cond: TokenStream) {
    attrs.push(syn::parse_quote!(#[cfg(#cond)]));
}

fn gate_items(items: &mut [syn::Item], names: &BTreeMap<String, Features>, scope: Scope) -> usize {
    let mut gated = 0;
    for item in items.iter_mut() {
        match item {
            syn::Item::Mod(m) => {
                let inner_scope = match (scope, m.ident.to_string().as_str()) {
                    (Scope::Root, "types") => Scope::Types,
                    (Scope::Root, "builder") => Scope::Operations,
                    (scope, _) => scope,
                };
                if let Some((_, inner)) = m.content.as_mut() {
                    gated += gate_items(inner, names, inner_scope);
                }
            }
            syn::Item::Impl(imp)
                if imp.trait_.is_none() && last_ident(&imp.self_ty).as_deref() == Some("Client") =>
            {
                for it in imp.items.iter_mut() {
                    let found = mentions(it, names, scope, |m, i| m.visit_impl_item_mut(i));
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
                let mut found = item_mentions(item, names, scope);
                // A definition names itself (its own ident is not a path).
                let own = match &*item {
                    syn::Item::Struct(i) => Some(i.ident.to_string()),
                    syn::Item::Enum(i) => Some(i.ident.to_string()),
                    syn::Item::Type(i) => Some(i.ident.to_string()),
                    syn::Item::Fn(i) => Some(i.sig.ident.to_string()),
                    _ => None,
                }
                .map(|own| if scope == Scope::Operations { operation_key(&own) } else { type_key(&own) });
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
        let found = mentions(arm, self.names, Scope::Root, |m, a| m.visit_arm_mut(a));
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

    /// The line before `needle` in `text` (its `cfg`, if it has one).
    fn gate_of(text: &str, needle: &str) -> String {
        let at = text.find(needle).unwrap_or_else(|| panic!("{needle} missing:\n{text}"));
        let before = &text[..at];
        let line_start = before.trim_end().rfind('\n').map_or(0, |i| i + 1);
        before[line_start..].trim().to_owned()
    }

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
        let gate_of = |needle: &str| gate_of(&text, needle);
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
    fn an_operation_named_like_a_type_is_told_apart_from_it() {
        // progenitor's builder for `getNumber` and typify's type for a schema `GetNumber`: both
        // `GetNumber`, one in `builder`, one in `types` (with typify's builder of the type).
        let document = json!({"paths": {"/call": {"post": {"tags": ["Calls"]}}, "/number": {"get": {"tags": ["Numbers"]}}}});
        let mut file = sample();
        if let Some(syn::Item::Mod(m)) = file.items.first_mut() {
            let items = &mut m.content.as_mut().unwrap().1;
            items.push(syn::parse_quote!(
                pub struct GetNumber {
                    pub call: Call,
                }
            ));
            items.push(syn::parse_quote!(
                impl GetNumber { pub fn builder() -> builder::GetNumber { todo!() } }
            ));
        }
        let split = gate_by_tag(&mut file, &document).unwrap();
        assert_eq!(split.features.keys().collect::<Vec<_>>(), ["calls", "numbers", "other-schemas"]);
        let text = prettyplease::unparse(&file);
        let gate_of = |needle: &str| gate_of(&text, needle);
        // The operation builder goes with its operation's tag ...
        assert_eq!(gate_of("pub struct GetNumber<'a>"), r#"#[cfg(feature = "numbers")]"#);
        assert_eq!(gate_of("impl<'a> GetNumber<'a>"), r#"#[cfg(feature = "numbers")]"#);
        assert_eq!(gate_of("pub fn get_number"), r#"#[cfg(feature = "numbers")]"#);
        // ... and the type (no operation uses it) with the other schemas, its impl naming typify's
        // builder `builder::GetNumber` from inside `types` included; the `Call` it embeds is
        // needed by both.
        assert_eq!(gate_of("pub struct GetNumber {"), r#"#[cfg(feature = "other-schemas")]"#);
        assert_eq!(gate_of("impl GetNumber {"), r#"#[cfg(feature = "other-schemas")]"#);
        assert_eq!(
            gate_of("pub struct Call "),
            r#"#[cfg(any(feature = "calls", feature = "other-schemas"))]"#
        );
    }

    #[test]
    fn a_schema_the_document_names_for_an_operation_goes_with_it_even_if_the_code_does_not() {
        // progenitor typed this error response as JSON; the document still gives its schema.
        let document = json!({
            "paths": {
                "/call": {"post": {"tags": ["Calls"]}},
                "/number": {"get": {"tags": ["Phone Numbers"], "responses": {"400": {"$ref": "#/components/responses/Bad"}}}},
            },
            "components": {"responses": {"Bad": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/webhook"}}}}}},
        });
        let mut file = sample();
        let split = gate_by_tag(&mut file, &document).unwrap();
        assert_eq!(
            split.features.keys().collect::<Vec<_>>(),
            ["calls", "phone-numbers"],
            "nothing is left over"
        );
        let text = prettyplease::unparse(&file);
        assert!(text.contains("#[cfg(feature = \"phone-numbers\")]\n    pub struct Webhook"), "{text}");
        // Call is needed by both features now, so by every feature: built always.
        assert!(text.contains("pub mod types {\n    pub struct Call "), "{text}");
    }

    #[test]
    fn a_root_impl_of_a_type_links_it_to_what_the_impl_names() {
        // `typed()` of a unified error body, generated at the crate root, returns the per-status
        // enum: an operation that reaches the body reaches the enum and what it holds.
        let document = json!({"paths": {"/call": {"post": {"tags": ["Calls"]}}, "/number": {"get": {"tags": ["Phone Numbers"]}}}});
        let mut file = sample();
        file.items.push(syn::parse_quote!(
            impl types::Number {
                pub fn typed(&self) -> types::Webhook { todo!() }
            }
        ));
        gate_by_tag(&mut file, &document).unwrap();
        let text = prettyplease::unparse(&file);
        assert!(text.contains("#[cfg(feature = \"phone-numbers\")]\n    pub struct Webhook"), "{text}");
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
