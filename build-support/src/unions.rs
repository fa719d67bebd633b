//! `decode_unions_by_tag`: unions decode by their tag, and never let one member swallow another.
//!
//! typify emits a `oneOf`/`anyOf` of schemas as a `#[serde(untagged)]` enum with one newtype variant
//! per member, and serde takes the first member that parses. typify does not read OpenAPI's
//! `discriminator` and does not tag variants that are `$ref`s, so a union of objects told apart by a
//! constant property (`"type": "endCall"` vs `"type": "transferCall"`) is still decoded by trial:
//! a member that ignores unknown fields parses an object of another kind and drops its data.
//!
//! Why a pass on the generated code rather than on the document: inlining `$ref`'d members so that
//! typify emits an internally tagged enum would change the public types (struct variants instead of
//! the shared structs the rest of the API uses) and still give no place to keep an unknown kind
//! (serde's `#[serde(untagged)]` fallback variant also catches a known tag whose body is invalid,
//! hiding the error). The generated code already says everything needed: which structs a union's
//! variants hold, and which of their required fields are single-value enums (a constant).
//!
//! For every untagged enum whose variants are all newtypes, this pass replaces the derived
//! `Deserialize` with one that calls `agentdial_core::unions::Union`:
//! - the **tag** is the property name that the most members carry as a required single-value enum
//!   (at least two members, distinct values); an object whose tag matches a member is decoded as that
//!   member only (an invalid body is an error naming the tag), an unknown tag value decodes into a new
//!   variant `Unknown(serde_json::Value)` that keeps and re-serializes the whole object;
//! - members without the tag (or all members, when there is none) are tried in order and the first
//!   whose re-serialization equals the input wins, else the first that parsed.
//!
//! Internally tagged enums that typify emits itself (`#[serde(tag = ...)]`, from inline members) are
//! left as they are: an unknown tag fails with serde's error naming it. Both cases are listed in the
//! report.

use anyhow::{Result, bail};
use heck::ToUpperCamelCase;
use quote::{format_ident, quote};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The pass's name in `TRANSFORMATIONS.md`.
pub const NAME: &str = "decode_unions_by_tag";
/// Why it exists (the report's table).
pub const WHY: &str = "typify decodes a `oneOf`/`anyOf` by trying members in order (no `discriminator`, no tags on `$ref` members), so one member can swallow another's object and drop its fields; unions decode by their constant tag, keep unknown kinds, and prefer the member that re-serializes losslessly";

/// How one generated union decodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnionDecoding {
    /// The enum in `types`.
    pub name: String,
    /// The variants' types, in order.
    pub members: Vec<String>,
    /// Tag property (JSON name) and value → variant, when the union is tagged.
    pub tag: Option<(String, Vec<(String, String)>)>,
    /// Variants tried by content (no tag).
    pub untagged: Vec<String>,
    /// The variant added for unknown tags.
    pub unknown: Option<String>,
    /// typify's own internally tagged enum, left as is.
    pub serde_tagged: Option<String>,
}

/// An OpenAPI `discriminator` with an explicit `mapping` on a `oneOf`/`anyOf` of `$ref`s, in
/// generated-type terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discriminator {
    /// The component schema holding the union (its generated name), if it is one.
    pub union_name: Option<String>,
    /// The members' generated type names, in order (`None` for an inline member).
    pub members: Vec<Option<String>>,
    /// The tag property (JSON name).
    pub property: String,
    /// Tag value → member type name.
    pub values: Vec<(String, String)>,
}

impl Discriminator {
    fn matches(&self, name: &str, members: &[Option<String>]) -> bool {
        match &self.union_name {
            Some(n) => n == name,
            None => self.members == members,
        }
    }
}

/// Every discriminator of the document in generated-type terms: its `mapping`, or without one the
/// values OpenAPI implies (`implicit_values`); members with constant properties and no mapping are
/// told apart by those constants instead, which is what documents that omit it mean in practice.
pub fn discriminators(document: &Value) -> Vec<Discriminator> {
    fn type_name(reference: &str) -> String {
        reference.rsplit('/').next().unwrap_or(reference).to_upper_camel_case()
    }
    fn walk(document: &Value, v: &Value, at: &str, out: &mut Vec<Discriminator>) {
        match v {
            Value::Object(m) => {
                let members = ["oneOf", "anyOf"].iter().find_map(|k| m.get(*k).and_then(Value::as_array));
                let property = v.pointer("/discriminator/propertyName").and_then(Value::as_str);
                let mapping = v.pointer("/discriminator/mapping").and_then(Value::as_object);
                let values = match (members, property, mapping) {
                    (Some(_), Some(_), Some(mapping)) => Some(
                        mapping
                            .iter()
                            .filter_map(|(k, t)| t.as_str().map(|t| (k.clone(), type_name(t))))
                            .collect(),
                    ),
                    (Some(members), Some(property), None) => implicit_values(document, members, property),
                    _ => None,
                };
                if let (Some(members), Some(property), Some(values)) = (members, property, values) {
                    out.push(Discriminator {
                        union_name: at
                            .strip_prefix("/components/schemas/")
                            .filter(|k| !k.contains('/'))
                            .map(|k| k.replace("~1", "/").replace("~0", "~").to_upper_camel_case()),
                        members: members
                            .iter()
                            .map(|s| s.get("$ref").and_then(Value::as_str).map(type_name))
                            .collect(),
                        property: property.to_owned(),
                        values,
                    });
                }
                for (k, child) in m {
                    walk(document, child, &crate::visit::join(at, k), out);
                }
            }
            Value::Array(list) => {
                for (i, child) in list.iter().enumerate() {
                    walk(document, child, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(document, document, "", &mut out);
    out
}

/// The values of a `discriminator` without a `mapping` whose members (all `$ref`s) carry no
/// constant for its property (Java-style inheritance: `Cat` and `Dog` extend `Pet` with `allOf`,
/// `petType` a plain string); `None` otherwise.
///
/// OpenAPI: without a mapping, the value is the member's schema name; a mapping on a base schema
/// the member extends (`allOf: [$ref: Pet]`) names its values too. Both count, so
/// `{"petType": "dog"}` and `{"petType": "Dog"}` decode as `Dog` and nothing else. When any
/// member has a constant for the property, the constants decide (what documents that omit the
/// mapping mean in practice: Cartesia's and Vapi's `type` tags), as before.
fn implicit_values(document: &Value, members: &[Value], property: &str) -> Option<Vec<(String, String)>> {
    fn component<'a>(document: &'a Value, reference: &str) -> Option<(&'a str, &'a Value)> {
        let name = reference.strip_prefix("#/components/schemas/")?;
        let (key, schema) = document.pointer("/components/schemas")?.as_object()?.get_key_value(name)?;
        Some((key.as_str(), schema))
    }
    fn has_constant(document: &Value, schema: &Value, property: &str, depth: usize) -> bool {
        if depth > 8 {
            return false;
        }
        let own = schema
            .pointer(&format!("/properties/{}", property.replace('~', "~0").replace('/', "~1")))
            .map(|p| match p.get("$ref").and_then(Value::as_str).and_then(|r| component(document, r)) {
                Some((_, target)) => target,
                None => p,
            })
            .is_some_and(|p| {
                p.get("enum").and_then(Value::as_array).is_some_and(|e| e.len() == 1)
                    || p.get("const").is_some()
            });
        own || schema.get("allOf").and_then(Value::as_array).into_iter().flatten().any(|m| {
            match m.get("$ref").and_then(Value::as_str).and_then(|r| component(document, r)) {
                Some((_, base)) => has_constant(document, base, property, depth + 1),
                None => has_constant(document, m, property, depth + 1),
            }
        })
    }
    let resolved: Vec<(&str, &Value)> = members
        .iter()
        .map(|s| s.get("$ref").and_then(Value::as_str).and_then(|r| component(document, r)))
        .collect::<Option<_>>()?;
    if resolved.is_empty() || resolved.iter().any(|(_, schema)| has_constant(document, schema, property, 0)) {
        return None;
    }
    let mut values = Vec::new();
    for (name, schema) in &resolved {
        let member = name.to_upper_camel_case();
        // Values a base schema's mapping gives this member.
        for base in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            let Some((_, base)) =
                base.get("$ref").and_then(Value::as_str).and_then(|r| component(document, r))
            else {
                continue;
            };
            if base.pointer("/discriminator/propertyName").and_then(Value::as_str) != Some(property) {
                continue;
            }
            for (value, target) in
                base.pointer("/discriminator/mapping").and_then(Value::as_object).into_iter().flatten()
            {
                if target.as_str().and_then(|t| t.rsplit('/').next()) == Some(name) {
                    values.push((value.clone(), member.clone()));
                }
            }
        }
        // The schema name itself.
        if !values.iter().any(|(v, _)| v == name) {
            values.push(((*name).to_owned(), member));
        }
    }
    Some(values)
}

fn serde_attr_text(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .map(|a| quote!(#a).to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut name = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if let Ok(lit) = meta.value().and_then(|v| v.parse::<syn::LitStr>()) {
                    name = Some(lit.value());
                }
            } else if meta.input.peek(syn::Token![=]) {
                let _ = meta.value().and_then(|v| v.parse::<syn::Expr>());
            }
            Ok(())
        });
    }
    name
}

/// The last identifier of a plain path type (`Foo`, `types::Foo`), if it has no generics.
fn path_ident(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    matches!(last.arguments, syn::PathArguments::None).then(|| last.ident.to_string())
}

fn types_module(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// Single-value enums (a constant): enum name → its one JSON value.
fn constants(items: &[syn::Item]) -> BTreeMap<String, String> {
    items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Enum(e)
                if e.variants.len() == 1 && matches!(e.variants[0].fields, syn::Fields::Unit) =>
            {
                let text = serde_attr_text(&e.attrs);
                if text.contains("untagged") || text.contains("tag =") {
                    return None;
                }
                let v = &e.variants[0];
                Some((e.ident.to_string(), serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string())))
            }
            _ => None,
        })
        .collect()
}

/// Struct name → its required constant fields (JSON name → value).
fn struct_tags(
    items: &[syn::Item],
    constants: &BTreeMap<String, String>,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in items {
        let syn::Item::Struct(s) = item else { continue };
        let syn::Fields::Named(fields) = &s.fields else { continue };
        let mut tags = BTreeMap::new();
        for f in &fields.named {
            let Some(value) = path_ident(&f.ty).and_then(|t| constants.get(&t)) else { continue };
            let json = serde_rename(&f.attrs).unwrap_or_else(|| {
                f.ident
                    .as_ref()
                    .map(|i| i.to_string().trim_start_matches("r#").to_owned())
                    .unwrap_or_default()
            });
            tags.insert(json, value.clone());
        }
        out.insert(s.ident.to_string(), tags);
    }
    out
}

/// Picks the tag: the property most members carry as a constant (at least two, values distinct).
fn choose_tag(members: &[Option<&BTreeMap<String, String>>]) -> Option<String> {
    let mut counts: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for tags in members.iter().flatten() {
        for (k, v) in tags.iter() {
            counts.entry(k).or_default().push(v);
        }
    }
    counts
        .into_iter()
        .filter(|(_, values)| {
            values.len() >= 2 && values.iter().collect::<BTreeSet<_>>().len() == values.len()
        })
        .max_by(|a, b| a.1.len().cmp(&b.1.len()).then_with(|| b.0.cmp(a.0)))
        .map(|(k, _)| k.to_owned())
}

fn remove_deserialize_derive(attrs: &mut [syn::Attribute]) -> Result<()> {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let paths =
            attr.parse_args_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)?;
        let kept: Vec<&syn::Path> =
            paths.iter().filter(|p| p.segments.last().is_none_or(|s| s.ident != "Deserialize")).collect();
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
    Ok(())
}

/// Rewrites the unions of a generated file's `types` module; returns how each decodes.
pub fn decode_unions_by_tag(
    file: &mut syn::File,
    discriminators: &[Discriminator],
) -> Result<Vec<UnionDecoding>> {
    let Some(items) = types_module(file) else { return Ok(Vec::new()) };
    let constants = constants(items);
    let tags = struct_tags(items, &constants);
    let mut out = Vec::new();
    let mut impls: Vec<syn::Item> = Vec::new();
    for item in items.iter_mut() {
        let syn::Item::Enum(e) = item else { continue };
        let serde = serde_attr_text(&e.attrs);
        let name = e.ident.to_string();
        if let Some(start) = serde.find("tag =") {
            let tag = serde[start..].split('"').nth(1).unwrap_or_default().to_owned();
            let members = e.variants.iter().map(|v| v.ident.to_string()).collect();
            out.push(UnionDecoding {
                name,
                members,
                tag: None,
                untagged: Vec::new(),
                unknown: None,
                serde_tagged: Some(tag),
            });
            continue;
        }
        if !serde.contains("untagged") || e.variants.is_empty() {
            continue;
        }
        let newtypes: Option<Vec<(syn::Ident, syn::Type)>> = e
            .variants
            .iter()
            .map(|v| match &v.fields {
                syn::Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                    Some((v.ident.clone(), f.unnamed[0].ty.clone()))
                }
                _ => None,
            })
            .collect();
        let Some(newtypes) = newtypes else { continue };
        let member_types: Vec<Option<String>> = newtypes.iter().map(|(_, ty)| path_ident(ty)).collect();
        // The document's discriminator mapping wins; else the members' constant properties.
        let (tag, values): (Option<String>, Vec<Vec<String>>) =
            match discriminators.iter().find(|d| d.matches(&name, &member_types)) {
                Some(d) => (
                    Some(d.property.clone()),
                    member_types
                        .iter()
                        .map(|t| {
                            // Sorted: the mapping's order depends on serde_json's `preserve_order` feature.
                            let mut values: Vec<String> = d
                                .values
                                .iter()
                                .filter(|(_, target)| Some(target) == t.as_ref())
                                .map(|(v, _)| v.clone())
                                .collect();
                            values.sort();
                            values
                        })
                        .collect(),
                ),
                None => {
                    let member_tags: Vec<Option<&BTreeMap<String, String>>> =
                        member_types.iter().map(|t| t.as_ref().and_then(|t| tags.get(t))).collect();
                    let tag = choose_tag(&member_tags);
                    let values = member_tags
                        .iter()
                        .map(|m| {
                            tag.as_ref().and_then(|t| m.and_then(|m| m.get(t))).into_iter().cloned().collect()
                        })
                        .collect();
                    (tag, values)
                }
            };
        let mut tagged = Vec::new();
        let mut untagged = Vec::new();
        for ((ident, ty), member_values) in newtypes.iter().zip(&values) {
            let decoder = quote!(|v| ::serde_json::from_value::<#ty>(v).map(Self::#ident));
            for value in member_values {
                tagged.push((value.clone(), ident.to_string(), decoder.clone()));
            }
            if member_values.is_empty() {
                untagged.push((ident.to_string(), decoder));
            }
        }
        let unknown = match &tag {
            Some(_) => {
                let Some(free) =
                    ["Unknown", "UnknownKind"].iter().find(|n| !e.variants.iter().any(|v| v.ident == n))
                else {
                    bail!("union {name} already has variants named Unknown and UnknownKind");
                };
                Some(free.to_string())
            }
            None => None,
        };
        remove_deserialize_derive(&mut e.attrs)?;
        let tag_tokens = match &tag {
            Some(t) => quote!(::std::option::Option::Some(#t)),
            None => quote!(::std::option::Option::None),
        };
        let unknown_tokens = match (&unknown, &tag) {
            (Some(u), Some(t)) => {
                let ident = format_ident!("{}", u);
                let doc = format!(
                    "A kind this version of the crate does not know: the `{t}` value matches no member. The whole object is kept as sent and serializes back unchanged."
                );
                e.variants.push(syn::parse_quote! {
                    #[doc = #doc]
                    #ident(::serde_json::Value)
                });
                quote!(::std::option::Option::Some(Self::#ident))
            }
            _ => quote!(::std::option::Option::None),
        };
        let tagged_tokens = tagged.iter().map(|(value, _, decoder)| quote!((#value, #decoder)));
        let untagged_tokens = untagged.iter().map(|(_, decoder)| decoder);
        let ty = &e.ident;
        impls.push(syn::parse_quote! {
            impl<'de> ::serde::Deserialize<'de> for #ty {
                fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                {
                    ::agentdial_core::unions::Union::<Self> {
                        name: #name,
                        tag: #tag_tokens,
                        tagged: &[#(#tagged_tokens),*],
                        untagged: &[#(#untagged_tokens),*],
                        unknown: #unknown_tokens,
                    }
                    .deserialize(deserializer)
                }
            }
        });
        let decoding = UnionDecoding {
            name,
            members: newtypes
                .iter()
                .map(|(_, ty)| path_ident(ty).unwrap_or_else(|| quote!(#ty).to_string().replace(' ', "")))
                .collect(),
            tag: tag.map(|t| (t, tagged.iter().map(|(v, i, _)| (v.clone(), i.clone())).collect())),
            untagged: untagged.into_iter().map(|(i, _)| i).collect(),
            unknown,
            serde_tagged: None,
        };
        let doc = format!("Decoding: {}.", decoding_text(&decoding));
        e.attrs.push(syn::parse_quote!(#[doc = ""]));
        e.attrs.push(syn::parse_quote!(#[doc = #doc]));
        out.push(decoding);
    }
    items.extend(impls);
    Ok(out)
}

/// Where a generated union comes from in the (transformed) document: the component schema of that
/// name, else a `oneOf`/`anyOf` whose `$ref` members are exactly the union's member types.
pub fn locate(document: &Value, union: &UnionDecoding) -> String {
    Locator::new(document).locate(union)
}

/// [`locate`] for many unions of one document: the document is walked once, not once per union
/// (Vapi's 520 unions made that walk the bulk of its generation time).
pub struct Locator {
    /// Component schema names by their Rust (upper camel case) name; the first key wins.
    components: BTreeMap<String, String>,
    /// The `$ref`'d member names of every `oneOf`/`anyOf` whose members are all references, with
    /// the first place (document order, the union itself before what it contains) it occurs.
    by_members: BTreeMap<Vec<String>, String>,
    /// Every union held by an object property: (pointer, property in upper camel case, members).
    held: Vec<(String, String, usize)>,
}

impl Locator {
    pub fn new(document: &Value) -> Self {
        let mut components = BTreeMap::new();
        if let Some(schemas) = document.pointer("/components/schemas").and_then(Value::as_object) {
            for key in schemas.keys() {
                components.entry(key.to_upper_camel_case()).or_insert_with(|| key.clone());
            }
        }
        let mut locator = Locator { components, by_members: BTreeMap::new(), held: Vec::new() };
        locator.walk(document, "", "");
        locator
    }

    fn walk(&mut self, v: &Value, at: &str, key: &str) {
        match v {
            Value::Object(m) => {
                for k in ["oneOf", "anyOf"] {
                    let Some(list) = m.get(k).and_then(Value::as_array) else { continue };
                    let names: Option<Vec<String>> = list
                        .iter()
                        .map(|s| {
                            s.get("$ref")
                                .and_then(Value::as_str)
                                .and_then(|r| r.rsplit('/').next())
                                .map(|n| n.to_upper_camel_case())
                        })
                        .collect();
                    if let Some(names) = names {
                        self.by_members.entry(names).or_insert_with(|| at.to_owned());
                    }
                }
                let count =
                    ["oneOf", "anyOf"].iter().find_map(|k| m.get(*k).and_then(Value::as_array)).map(Vec::len);
                if let Some(count) = count
                    && !key.is_empty()
                {
                    self.held.push((at.to_owned(), key.to_upper_camel_case(), count));
                }
                for (k, child) in m {
                    self.walk(child, &crate::visit::join(at, k), k);
                }
            }
            Value::Array(list) => {
                for (i, child) in list.iter().enumerate() {
                    self.walk(child, &format!("{at}/{i}"), "");
                }
            }
            _ => {}
        }
    }

    /// The JSON pointer of the schema `union` was generated from (`-` when it cannot be found).
    pub fn locate(&self, union: &UnionDecoding) -> String {
        if let Some(key) = self.components.get(&union.name) {
            return format!("/components/schemas/{}", crate::visit::escape(key));
        }
        if let Some(found) = self.by_members.get(&union.members) {
            return found.clone();
        }
        // An inline union of inline members: typify names it after the property holding it
        // (`{Parent}{Property}`). Candidates are unions whose property name ends the union's name
        // and whose member count matches; the one whose component and property make the exact
        // name wins.
        let found: Vec<&String> = self
            .held
            .iter()
            .filter(|(_, key, count)| *count == union.members.len() && union.name.ends_with(key.as_str()))
            .map(|(at, _, _)| at)
            .collect();
        let exact = found.iter().find(|p| {
            let parts: Vec<&str> = p.split('/').collect();
            matches!(parts.as_slice(), ["", "components", "schemas", owner, "properties", prop]
                if format!("{}{}", owner.to_upper_camel_case(), prop.to_upper_camel_case()) == union.name)
        });
        exact.or(found.first()).map(|s| (*s).clone()).unwrap_or_else(|| "-".to_owned())
    }
}

/// One report line for a union.
pub fn describe(union: &UnionDecoding) -> String {
    format!("`types::{}`: {}", union.name, decoding_text(union))
}

/// How a union decodes, in one sentence (also the last paragraph of the enum's docs).
pub fn decoding_text(union: &UnionDecoding) -> String {
    let list = |names: &[String]| names.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ");
    if let Some(tag) = &union.serde_tagged {
        return format!(
            "typify's internally tagged enum on `{tag}`; an unknown `{tag}` fails with an error naming it"
        );
    }
    match &union.tag {
        Some((tag, values)) => {
            let map = values.iter().map(|(v, i)| format!("`{v}` → `{i}`")).collect::<Vec<_>>().join(", ");
            let rest = if union.untagged.is_empty() {
                String::new()
            } else {
                format!("; without a `{tag}`, {} tried (lossless first)", list(&union.untagged))
            };
            format!(
                "decoded by `{tag}` ({map}){rest}; an unknown `{tag}` is kept whole in `{}::{}`",
                union.name,
                union.unknown.as_deref().unwrap_or("Unknown")
            )
        }
        None => format!(
            "no tag; members ({}) tried in order, the first that re-serializes losslessly wins, else the first that parses",
            list(&union.untagged)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
                #[serde(untagged)]
                pub enum Tool { Flat(Flat), End(End), Transfer(Transfer) }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
                pub struct Flat { pub name: ::std::string::String }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
                pub struct End { #[serde(rename = "type")] pub type_: EndType }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
                pub struct Transfer { #[serde(rename = "type")] pub type_: TransferType, pub to: ::std::vec::Vec<String>, pub kind: Kind }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
                pub enum EndType { #[serde(rename = "endCall")] EndCall }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
                pub enum TransferType { #[serde(rename = "transferCall")] TransferCall }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
                pub enum Kind { #[serde(rename = "a")] A }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
                #[serde(untagged)]
                pub enum Either { Text(::std::string::String), Flat(Flat) }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
                #[serde(tag = "kind")]
                pub enum Inline { A { x: i64 } }
            }
        }
    }

    #[test]
    fn tags_by_the_shared_constant_and_adds_unknown() {
        let mut file = sample();
        let found = decode_unions_by_tag(&mut file, &[]).unwrap();
        let tool = found.iter().find(|u| u.name == "Tool").unwrap();
        // `kind` is a constant of one member only, so `type` (two members) is the tag.
        assert_eq!(
            tool.tag,
            Some((
                "type".into(),
                vec![("endCall".into(), "End".into()), ("transferCall".into(), "Transfer".into())]
            ))
        );
        assert_eq!(tool.untagged, vec!["Flat".to_string()]);
        assert_eq!(tool.unknown.as_deref(), Some("Unknown"));
        let text = prettyplease::unparse(&file);
        assert!(text.contains("Unknown(::serde_json::Value)"), "{text}");
        assert!(text.contains("tag: ::std::option::Option::Some(\"type\")"), "{text}");
        assert!(
            text.contains("(\"endCall\", |v| ::serde_json::from_value::<End>(v).map(Self::End))"),
            "{text}"
        );
        assert!(
            text.contains("untagged: &[|v| ::serde_json::from_value::<Flat>(v).map(Self::Flat)]"),
            "{text}"
        );
        // The derived Deserialize is gone from both unions; Serialize stays (untagged).
        assert_eq!(text.matches("impl<'de> ::serde::Deserialize<'de> for").count(), 2, "{text}");
        assert!(text.contains("#[derive(::serde::Serialize, Clone, Debug, PartialEq)]\n    #[serde(untagged)]\n    ///\n    ///Decoding: decoded by `type`"), "{text}");
    }

    #[test]
    fn untagged_unions_prefer_lossless_and_serde_tagged_ones_are_reported() {
        let mut file = sample();
        let found = decode_unions_by_tag(&mut file, &[]).unwrap();
        let either = found.iter().find(|u| u.name == "Either").unwrap();
        assert_eq!((either.tag.clone(), either.unknown.clone()), (None, None));
        assert_eq!(either.untagged, vec!["Text".to_string(), "Flat".to_string()]);
        assert!(describe(either).contains("no tag"));
        let inline = found.iter().find(|u| u.name == "Inline").unwrap();
        assert_eq!(inline.serde_tagged.as_deref(), Some("kind"));
        assert!(describe(inline).contains("unknown `kind` fails"));
    }

    #[test]
    fn a_discriminator_without_mapping_or_constants_uses_schema_names_and_base_mappings() {
        let doc = serde_json::json!({"components": {"schemas": {
            "Pet": {"type": "object", "required": ["petType"], "properties": {"petType": {"type": "string"}},
                    "discriminator": {"propertyName": "petType", "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"}}},
            "Cat": {"allOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "object", "properties": {"lazy": {"type": "boolean"}}}]},
            "Dog": {"allOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "object", "properties": {"packSize": {"type": "integer"}}}]},
            "AnyPet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}], "discriminator": {"propertyName": "petType"}},
            "Connected": {"type": "object", "properties": {"type": {"type": "string", "enum": ["connected"]}}},
            "Done": {"type": "object", "properties": {"type": {"type": "string", "enum": ["done"]}}},
            "Event": {"oneOf": [{"$ref": "#/components/schemas/Connected"}, {"$ref": "#/components/schemas/Done"}], "discriminator": {"propertyName": "type"}}
        }}});
        let found = discriminators(&doc);
        let pets = found.iter().find(|d| d.union_name.as_deref() == Some("AnyPet")).unwrap();
        assert_eq!(pets.property, "petType");
        let mut values = pets.values.clone();
        values.sort();
        assert_eq!(
            values,
            [("Cat", "Cat"), ("Dog", "Dog"), ("cat", "Cat"), ("dog", "Dog")]
                .map(|(v, t)| (v.to_owned(), t.to_owned()))
        );
        // Members with constants: the constants decide, as before (no discriminator entry).
        assert!(found.iter().all(|d| d.union_name.as_deref() != Some("Event")));
    }

    #[test]
    fn a_discriminator_mapping_wins_over_constants() {
        let doc = serde_json::json!({"components": {"schemas": {"Tool": {
            "oneOf": [{"$ref": "#/components/schemas/Flat"}, {"$ref": "#/components/schemas/End"}, {"$ref": "#/components/schemas/Transfer"}],
            "discriminator": {"propertyName": "kind", "mapping": {"flat": "#/components/schemas/Flat", "plain": "#/components/schemas/Flat", "t": "Transfer"}}
        }}}});
        let found = discriminators(&doc);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].union_name.as_deref(), Some("Tool"));
        let mut file = sample();
        let unions = decode_unions_by_tag(&mut file, &found).unwrap();
        let tool = unions.iter().find(|u| u.name == "Tool").unwrap();
        assert_eq!(
            tool.tag,
            Some((
                "kind".into(),
                vec![
                    ("flat".into(), "Flat".into()),
                    ("plain".into(), "Flat".into()),
                    ("t".into(), "Transfer".into())
                ]
            ))
        );
        assert_eq!(tool.untagged, vec!["End".to_string()]);
    }

    #[test]
    fn repeated_values_are_not_a_tag() {
        let a: BTreeMap<String, String> = [("type".to_string(), "x".to_string())].into();
        assert_eq!(choose_tag(&[Some(&a), Some(&a)]), None);
        assert_eq!(choose_tag(&[Some(&a), None]), None);
    }

    #[test]
    fn locates_component_and_inline_unions() {
        let doc = serde_json::json!({
            "components": {"schemas": {"LLMTool": {"oneOf": []}}},
            "paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/a_b"}, {"$ref": "#/components/schemas/C"}]}}}}}}}
        });
        let mut u = UnionDecoding {
            name: "LlmTool".into(),
            members: vec![],
            tag: None,
            untagged: vec![],
            unknown: None,
            serde_tagged: None,
        };
        assert_eq!(locate(&doc, &u), "/components/schemas/LLMTool");
        u.name = "XBody".into();
        u.members = vec!["AB".into(), "C".into()];
        assert_eq!(locate(&doc, &u), "/paths/~1x/post/requestBody/content/application~1json/schema");
        u.members = vec!["D".into()];
        assert_eq!(locate(&doc, &u), "-");
        let doc = serde_json::json!({"components": {"schemas": {"Call": {"properties": {"end_user_context": {"oneOf": [{"type": "string"}, {"type": "object"}]}}}}}});
        u.name = "CallEndUserContext".into();
        u.members = vec!["String".into(), "Object".into()];
        assert_eq!(locate(&doc, &u), "/components/schemas/Call/properties/end_user_context");
        let doc = serde_json::json!({"components": {"schemas": {
            "CallDto": {"properties": {"provider": {"oneOf": [{"type": "string"}, {"type": "object"}]}}},
            "ACallDto": {"properties": {"provider": {"oneOf": [{"type": "string"}, {"type": "object"}]}}}
        }}});
        u.name = "CallDtoProvider".into();
        assert_eq!(locate(&doc, &u), "/components/schemas/CallDto/properties/provider");
    }
}
