//! The type surface of a generated crate: every type with its fields and every operation with its
//! parameters and result types, read back from the generated Rust code (so it is exactly what users
//! of the crate see). The insta snapshots render it; a spec change shows up as a readable diff.

use anyhow::{Context, Result};
use quote::ToTokens;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Surface {
    pub types: Vec<TypeDef>,
    pub operations: Vec<Operation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeDef {
    pub name: String,
    pub kind: TypeKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeKind {
    Struct {
        fields: Vec<Field>,
        unknown_fields: UnknownFields,
        /// `#[non_exhaustive]`: other crates cannot write a struct literal or an exhaustive pattern,
        /// so a field may be added without breaking them.
        non_exhaustive: bool,
    },
    Newtype {
        inner: String,
    },
    Enum {
        representation: String,
        variants: Vec<Variant>,
    },
    Alias {
        target: String,
    },
}

/// What a struct does with JSON fields it does not declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownFields {
    Ignored,
    Denied,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    pub name: String,
    /// The JSON name.
    pub serde_name: String,
    pub ty: String,
    /// Must be present in JSON.
    pub required: bool,
    /// May be `null` in JSON.
    pub nullable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variant {
    pub name: String,
    pub serde_name: String,
    /// The payload type(s), `None` for a unit variant.
    pub payload: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Operation {
    /// The method on `Client`.
    pub name: String,
    pub method: String,
    pub path: String,
    pub params: Vec<Param>,
    pub success: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Param {
    pub name: String,
    pub ty: String,
    pub required: bool,
    /// Where it is sent: `path`, `query`, `header` or `body` (empty when the generated code does not say).
    pub location: String,
    /// Its name on the wire (the path template variable, query key or header name; `body` for a body).
    pub wire_name: String,
}

/// Renders a type path the way a user writes it: no leading `::`, no `std::x::` prefixes.
pub fn type_string(ty: &impl ToTokens) -> String {
    let compact: String = ty.to_token_stream().to_string().chars().filter(|c| !c.is_whitespace()).collect();
    let compact = compact.replace(",>", ">").replace(",)", ")");
    let mut s = compact.trim_end_matches(',').replace(',', ", ");
    for prefix in [
        "::std::option::",
        "::std::string::",
        "::std::vec::",
        "::std::collections::",
        "::std::boxed::",
        "::std::result::",
        "::chrono::offset::",
        "::",
    ] {
        for lead in ["<", "(", ", ", "["] {
            s = s.replace(&format!("{lead}{prefix}"), lead);
        }
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_owned();
        }
    }
    s
}

#[derive(Default)]
struct SerdeAttrs {
    rename: Option<String>,
    default: bool,
    deserialize_with: Option<String>,
    untagged: bool,
    tag: Option<String>,
    content: Option<String>,
    deny_unknown_fields: bool,
    flatten: bool,
}

fn serde_attrs(attrs: &[syn::Attribute]) -> SerdeAttrs {
    let mut out = SerdeAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
            let value =
                || -> Option<String> { meta.value().ok()?.parse::<syn::LitStr>().ok().map(|l| l.value()) };
            match key.as_str() {
                "rename" => out.rename = value(),
                "default" => {
                    out.default = true;
                    let _ = value();
                }
                "deserialize_with" => out.deserialize_with = value(),
                "untagged" => out.untagged = true,
                "tag" => out.tag = value(),
                "content" => out.content = value(),
                "deny_unknown_fields" => out.deny_unknown_fields = true,
                "flatten" => out.flatten = true,
                _ => {
                    let _ = value();
                }
            }
            Ok(())
        });
    }
    out
}

fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

fn type_def(item: &syn::Item) -> Option<TypeDef> {
    match item {
        syn::Item::Struct(s) => {
            let name = s.ident.to_string();
            let attrs = serde_attrs(&s.attrs);
            let kind = match &s.fields {
                syn::Fields::Named(named) => TypeKind::Struct {
                    fields: named
                        .named
                        .iter()
                        .map(|f| {
                            let fa = serde_attrs(&f.attrs);
                            let rust = f.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
                            let option = is_option(&f.ty);
                            let required_nullable = fa
                                .deserialize_with
                                .as_deref()
                                .is_some_and(|d| d.contains("Option::deserialize"));
                            Field {
                                serde_name: if fa.flatten {
                                    "(flattened)".into()
                                } else {
                                    fa.rename.clone().unwrap_or_else(|| rust.clone())
                                },
                                name: rust,
                                ty: type_string(&f.ty),
                                required: !fa.default && !fa.flatten && (!option || required_nullable),
                                nullable: option,
                            }
                        })
                        .collect(),
                    unknown_fields: if attrs.deny_unknown_fields {
                        UnknownFields::Denied
                    } else {
                        UnknownFields::Ignored
                    },
                    non_exhaustive: s.attrs.iter().any(|a| a.path().is_ident("non_exhaustive")),
                },
                syn::Fields::Unnamed(unnamed) => TypeKind::Newtype {
                    inner: unnamed.unnamed.iter().map(|f| type_string(&f.ty)).collect::<Vec<_>>().join(", "),
                },
                syn::Fields::Unit => TypeKind::Newtype { inner: "()".into() },
            };
            Some(TypeDef { name, kind })
        }
        syn::Item::Enum(e) => {
            let attrs = serde_attrs(&e.attrs);
            let representation = if attrs.untagged {
                "untagged".to_owned()
            } else if let Some(tag) = attrs.tag {
                match attrs.content {
                    Some(c) => format!("adjacently tagged (tag {tag:?}, content {c:?})"),
                    None => format!("internally tagged ({tag:?})"),
                }
            } else if e.variants.iter().all(|v| matches!(v.fields, syn::Fields::Unit)) {
                "string".to_owned()
            } else if e
                .variants
                .last()
                .is_some_and(|v| v.ident == crate::open_enums::VARIANT && serde_attrs(&v.attrs).untagged)
                && e.variants.iter().rev().skip(1).all(|v| matches!(v.fields, syn::Fields::Unit))
            {
                "open string: any other value is kept in `Unrecognized`".to_owned()
            } else {
                "externally tagged".to_owned()
            };
            let variants = e
                .variants
                .iter()
                .map(|v| {
                    let va = serde_attrs(&v.attrs);
                    let payload = match &v.fields {
                        syn::Fields::Unit => None,
                        syn::Fields::Unnamed(u) => {
                            Some(u.unnamed.iter().map(|f| type_string(&f.ty)).collect::<Vec<_>>().join(", "))
                        }
                        syn::Fields::Named(n) => Some(format!(
                            "{{ {} }}",
                            n.named
                                .iter()
                                .map(|f| format!(
                                    "{}: {}",
                                    f.ident.as_ref().map(|i| i.to_string()).unwrap_or_default(),
                                    type_string(&f.ty)
                                ))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    };
                    Variant {
                        name: v.ident.to_string(),
                        serde_name: va.rename.unwrap_or_else(|| v.ident.to_string()),
                        payload,
                    }
                })
                .collect();
            Some(TypeDef { name: e.ident.to_string(), kind: TypeKind::Enum { representation, variants } })
        }
        syn::Item::Type(t) => {
            Some(TypeDef { name: t.ident.to_string(), kind: TypeKind::Alias { target: type_string(&t.ty) } })
        }
        _ => None,
    }
}

/// The `#[doc]` text of an item, lines joined.
pub(crate) fn doc_text(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn module<'a>(items: &'a [syn::Item], name: &str) -> &'a [syn::Item] {
    items
        .iter()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| items.as_slice()),
            _ => None,
        })
        .unwrap_or(&[])
}

/// Strips `Result<T, String>` (builder fields) down to `T`.
fn builder_field_type(ty: &syn::Type) -> String {
    if let syn::Type::Path(p) = ty
        && let Some(last) = p.path.segments.last()
        && last.ident == "Result"
        && let syn::PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
    {
        return type_string(inner).replace("types::builder::", "types::");
    }
    type_string(ty)
}

/// Reads the surface from the text of a generated `generated.rs`.
pub fn surface_of(generated: &str) -> Result<Surface> {
    let file = syn::parse_file(generated).context("generated code does not parse")?;
    surface_of_file(&file)
}

/// [`surface_of`] for code already parsed (the generation passes hold it as a `syn::File`; printing
/// and parsing a large crate again only to read its surface cost seconds).
pub fn surface_of_file(file: &syn::File) -> Result<Surface> {
    let mut types: Vec<TypeDef> = module(&file.items, "types").iter().filter_map(type_def).collect();
    types.sort_by(|a, b| a.name.cmp(&b.name));

    let builders = module(&file.items, "builder");
    let mut operations = Vec::new();
    for item in &file.items {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || type_string(&imp.self_ty) != "Client" {
            continue;
        }
        for it in &imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            let syn::ReturnType::Type(_, ret) = &f.sig.output else { continue };
            let ret = type_string(ret);
            let Some(builder) = ret.strip_prefix("builder::").and_then(|r| r.split('<').next()) else {
                continue;
            };
            let doc = doc_text(&f.attrs);
            let (method, path) = doc
                .lines()
                .find_map(|l| {
                    let rest = l.trim().strip_prefix("Sends a `")?;
                    let (method, rest) = rest.split_once("` request to `")?;
                    Some((method.to_owned(), rest.trim_end_matches('`').to_owned()))
                })
                .unwrap_or_default();
            operations.push(builder_operation(builders, builder, f.sig.ident.to_string(), method, path));
        }
    }
    Ok(Surface { types, operations })
}

/// Whether `text` starts with the identifier `name` (not a longer identifier).
fn starts_with_ident(text: &str, name: &str) -> bool {
    text.strip_prefix(name).is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
}

/// Where the generated `send()` puts parameter `name` (its token text), and under which wire name.
fn wire_location(body: &str, name: &str, path: &str) -> (String, String) {
    // `.query(&progenitor_client::QueryParam::new("wire", &name))`
    let query = "QueryParam :: new (";
    for (i, _) in body.match_indices(query) {
        let rest = &body[i + query.len()..];
        if let Some((lit, after)) = rest.trim_start().strip_prefix('"').and_then(|r| r.split_once('"'))
            && after.trim_start().strip_prefix(',').is_some_and(|a| {
                a.trim_start().strip_prefix('&').is_some_and(|a| starts_with_ident(a.trim_start(), name))
            })
        {
            return ("query".into(), lit.to_owned());
        }
    }
    // `format!("{}/calls/{}", client.baseurl, encode_path(&name.to_string()))`: the k-th path argument.
    let args: Vec<&str> = body.split("encode_path (").skip(1).collect();
    if let Some(k) =
        args.iter().position(|a| starts_with_ident(a.trim_start().trim_start_matches('&').trim_start(), name))
    {
        let vars: Vec<&str> = path.split('{').skip(1).filter_map(|v| v.split('}').next()).collect();
        return ("path".into(), vars.get(k).map(|v| (*v).to_owned()).unwrap_or_default());
    }
    // `header_map.append("wire", name.to_string().try_into()?)`
    for (i, _) in body.match_indices("append (") {
        let rest = &body[i + "append (".len()..];
        if let Some((lit, after)) = rest.trim_start().strip_prefix('"').and_then(|r| r.split_once('"'))
            && after
                .split(')')
                .next()
                .is_some_and(|arg| arg.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|t| t == name))
        {
            return ("header".into(), lit.to_owned());
        }
    }
    if body.contains(&format!(". json (& {name})"))
        || body.contains(&format!(". body ({name}"))
        || body.contains(&format!(". form_urlencoded (& {name})"))
    {
        return ("body".into(), "body".into());
    }
    (String::new(), String::new())
}

fn builder_operation(
    builders: &[syn::Item],
    builder: &str,
    name: String,
    method: String,
    path: String,
) -> Operation {
    let mut params = Vec::new();
    let (mut success, mut error) = (String::new(), String::new());
    for item in builders {
        match item {
            syn::Item::Struct(s) if s.ident == builder => {
                if let syn::Fields::Named(named) = &s.fields {
                    for f in &named.named {
                        let pname = f.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
                        if pname == "client" {
                            continue;
                        }
                        let ty = builder_field_type(&f.ty);
                        params.push(Param {
                            required: false,
                            ty,
                            name: pname,
                            location: String::new(),
                            wire_name: String::new(),
                        });
                    }
                }
            }
            syn::Item::Impl(imp) if type_string(&imp.self_ty).split('<').next() == Some(builder) => {
                for it in &imp.items {
                    let syn::ImplItem::Fn(f) = it else { continue };
                    if f.sig.ident == "new" {
                        // Parameters initialized with `Err(..)` must be set before `send()`.
                        let body = f.block.to_token_stream().to_string();
                        for p in params.iter_mut() {
                            p.required = body.contains(&format!("{} : Err", p.name));
                        }
                    }
                    if f.sig.ident == "send" {
                        let body = f.block.to_token_stream().to_string();
                        for p in params.iter_mut() {
                            (p.location, p.wire_name) = wire_location(&body, &p.name, &path);
                        }
                    }
                    if f.sig.ident == "send"
                        && let syn::ReturnType::Type(_, ret) = &f.sig.output
                    {
                        let ret = type_string(ret);
                        if let Some(inner) = ret.strip_prefix("Result<").and_then(|r| r.strip_suffix('>')) {
                            let (ok, err) =
                                split_top_level(inner.trim_end_matches(", ").trim_end_matches(','));
                            success = ok;
                            error = err;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Operation { name, method, path, params, success, error }
}

/// Splits `A<..>, B<..>` at the top-level comma.
fn split_top_level(s: &str) -> (String, String) {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ',' if depth == 0 => return (s[..i].trim().to_owned(), s[i + 1..].trim().to_owned()),
            _ => {}
        }
    }
    (s.trim().to_owned(), String::new())
}

impl Surface {
    /// The text the snapshots hold.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Operations ({})\n", self.operations.len());
        for op in &self.operations {
            let _ = writeln!(out, "{} {}  ->  Client::{}()", op.method, op.path, op.name);
            for p in &op.params {
                let wire = match p.location.as_str() {
                    "" => String::new(),
                    "body" => "  body".to_owned(),
                    loc => format!("  {loc} \"{}\"", p.wire_name),
                };
                let _ = writeln!(
                    out,
                    "    {}: {}{wire}{}",
                    p.name,
                    p.ty,
                    if p.required { "  (required)" } else { "" }
                );
            }
            let _ = writeln!(out, "    ok:  {}\n    err: {}\n", op.success, op.error);
        }
        let _ = writeln!(out, "# Types ({})\n", self.types.len());
        for t in &self.types {
            match &t.kind {
                TypeKind::Struct { fields, unknown_fields, non_exhaustive } => {
                    let deny = if *unknown_fields == UnknownFields::Denied {
                        "  (unknown fields denied)"
                    } else {
                        ""
                    };
                    let open = if *non_exhaustive { "  #[non_exhaustive]" } else { "" };
                    let _ = writeln!(out, "struct {}{open}{deny}", t.name);
                    for f in fields {
                        let presence = match (f.required, f.nullable) {
                            (true, true) => "required, nullable",
                            (true, false) => "required",
                            (false, _) => "optional",
                        };
                        let _ = writeln!(out, "    {}: {}  \"{}\" {presence}", f.name, f.ty, f.serde_name);
                    }
                }
                TypeKind::Newtype { inner } => {
                    let _ = writeln!(out, "newtype {}({inner})", t.name);
                }
                TypeKind::Alias { target } => {
                    let _ = writeln!(out, "type {} = {target}", t.name);
                }
                TypeKind::Enum { representation, variants } => {
                    let _ = writeln!(out, "enum {} ({representation})", t.name);
                    for v in variants {
                        match &v.payload {
                            Some(p)
                                if representation == "untagged"
                                    || representation.starts_with("open string") =>
                            {
                                let _ = writeln!(out, "    {}({p})", v.name);
                            }
                            Some(p) => {
                                let _ = writeln!(out, "    {}({p})  \"{}\"", v.name, v.serde_name);
                            }
                            None => {
                                let _ = writeln!(out, "    {}  \"{}\"", v.name, v.serde_name);
                            }
                        }
                    }
                }
            }
            let _ = writeln!(out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_structs_enums_and_operations() {
        let src = r#"
            pub mod types {
                #[serde(deny_unknown_fields)]
                #[non_exhaustive]
                pub struct Call {
                    pub id: ::std::string::String,
                    #[serde(rename = "endedAt", default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub ended_at: ::std::option::Option<::std::string::String>,
                    #[serde(deserialize_with = "Option::deserialize")]
                    pub reason: ::std::option::Option<::std::string::String>,
                }
                pub enum Status { #[serde(rename = "in-progress")] InProgress, Ended }
                #[serde(untagged)]
                pub enum Ctx { String(::std::string::String), Object(::serde_json::Map<::std::string::String, ::serde_json::Value>) }
            }
            impl Client {
                #[doc = "Sends a `GET` request to `/calls/{id}`"]
                pub fn get_call(&self) -> builder::GetCall<'_> { builder::GetCall::new(self) }
            }
            pub mod builder {
                pub struct GetCall<'a> { client: &'a super::Client, id: Result<::std::string::String, String>, limit: Result<Option<i64>, String> }
                impl<'a> GetCall<'a> {
                    pub fn new(client: &'a super::Client) -> Self { Self { client, id: Err("id was not initialized".to_string()), limit: Ok(None) } }
                    pub async fn send(self) -> Result<ResponseValue<types::Call>, Error<types::Error>> {
                        let url = format!("{}/calls/{}", client.baseurl, encode_path(&id.to_string()));
                        let request = client.client.get(url).query(&progenitor_client::QueryParam::new("max", &limit)).build()?;
                        todo!()
                    }
                }
            }
        "#;
        let s = surface_of(src).unwrap();
        assert_eq!(s.operations.len(), 1);
        let op = &s.operations[0];
        assert_eq!(
            (op.method.as_str(), op.path.as_str(), op.name.as_str()),
            ("GET", "/calls/{id}", "get_call")
        );
        assert_eq!(
            op.params,
            vec![
                Param {
                    name: "id".into(),
                    ty: "String".into(),
                    required: true,
                    location: "path".into(),
                    wire_name: "id".into()
                },
                Param {
                    name: "limit".into(),
                    ty: "Option<i64>".into(),
                    required: false,
                    location: "query".into(),
                    wire_name: "max".into()
                },
            ]
        );
        assert_eq!(
            (op.success.as_str(), op.error.as_str()),
            ("ResponseValue<types::Call>", "Error<types::Error>")
        );
        let TypeKind::Struct { fields, unknown_fields, non_exhaustive } = &s.types[0].kind else { panic!() };
        assert_eq!(*unknown_fields, UnknownFields::Denied);
        assert!(*non_exhaustive);
        assert_eq!(
            fields[1],
            Field {
                name: "ended_at".into(),
                serde_name: "endedAt".into(),
                ty: "Option<String>".into(),
                required: false,
                nullable: true
            }
        );
        assert!(fields[2].required && fields[2].nullable);
        let rendered = s.render();
        assert!(rendered.contains("    InProgress  \"in-progress\""), "{rendered}");
        assert!(rendered.contains("enum Ctx (untagged)"), "{rendered}");
        assert!(rendered.contains("struct Call  #[non_exhaustive]  (unknown fields denied)"), "{rendered}");
        assert!(rendered.contains("    limit: Option<i64>  query \"max\"\n"), "{rendered}");
        assert!(rendered.contains("    Object(serde_json::Map<String, serde_json::Value>)\n"), "{rendered}");
    }
}
