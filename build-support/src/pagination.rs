//! `paginate_list_operations`: each paginated list operation gets a stream of its items.
//!
//! progenitor generates streams only for its own pagination extension, which no document we take
//! uses, so walking a list means writing the paging loop by hand. This pass finds the paginated
//! list operations of the TRANSFORMED document ([`infer`]: inference where the document is
//! unambiguous, declarations from `specs/providers.toml` where it is not) and gives each one's
//! request builder (in the generated `builder` module, so it can read the builder's private
//! fields) a `stream()` and a `stream_with(Paging)` ([`generate_streams`]): a
//! `futures::Stream` of `Result<Item, Error<E>>` driven by `agentdial_core::pagination`.
//!
//! What a GET operation must look like to be recognized without a declaration (names compared
//! case-insensitively, ignoring `_` and `-`):
//!
//! - its success response is a JSON object with exactly one array property: the items;
//! - **offset**: a query parameter `offset`/`skip` (integer), optionally a page size
//!   (`limit`, `page_size`, `per_page`, `size`, `max_results`), optionally one total
//!   (`total`, `total_count`, `total_items`, `total_results`) at the top of the envelope or one
//!   object down (`pagination.total`);
//! - **cursor** (or next-token): exactly one cursor parameter (`cursor`, `*cursor*`, `*page_token`,
//!   `starting_after*`, `start_after*`, `after`, `last_doc`, `continuation_token`) and exactly one
//!   next field (`next_cursor`, `next_page_token`, `next_token`, `next_page`, `next_doc`,
//!   `next_page_cursor`), optionally `has_more`;
//! - **next-URL**: exactly one next-URL field (`next_page_uri`, `next_page_url`, `next_url`,
//!   `next_uri`, or `next` with `format: uri`) and exactly one cursor parameter, whose value is read
//!   from that URL's query;
//! - **page number**: an integer `page`/`page_number` parameter and a page size, optionally a total.
//!
//! Several candidates for one role (two arrays, two totals, two cursor parameters) make the
//! operation ambiguous: it is not recognized, and a declaration decides.

use anyhow::{Context, Result, anyhow, bail};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;

/// The pass's name in `TRANSFORMATIONS.md`.
pub const NAME: &str = "paginate_list_operations";
/// Why it exists (the report's table).
pub const WHY: &str = "progenitor generates no paging loop for these documents; each paginated list operation (inferred from its parameters and response envelope, or declared in specs/providers.toml) gets `stream()`, a lazy stream of its items that ends exactly at the last page";

/// A `[[provider.pagination]]` entry of `specs/providers.toml`: how one operation paginates, where
/// inference cannot tell (or to turn it off with `style = "none"`). Field names are JSON names;
/// `items`, `total`, `next` and `has_more` may be dotted paths into the response (`pagination.total`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    /// The operationId, as in the transformed document.
    pub operation: String,
    /// `offset`, `page`, `cursor`, `next_url` or `none`.
    pub style: String,
    /// The array of items in the response.
    pub items: Option<String>,
    /// offset: the offset query parameter.
    pub offset: Option<String>,
    /// offset, page: the page-size query parameter.
    pub limit: Option<String>,
    /// page: the page-number query parameter.
    pub page: Option<String>,
    /// cursor, next_url: the query parameter the cursor goes in.
    pub cursor: Option<String>,
    /// cursor: the response field with the next cursor; next_url: the one with the next URL.
    pub next: Option<String>,
    /// offset, page: the response field with the number of items in all.
    pub total: Option<String>,
    /// cursor, next_url: the response field saying whether more pages exist.
    pub has_more: Option<String>,
}

/// How an operation paginates. Field paths are JSON names from the response's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Style {
    Offset { offset: String, limit: Option<String>, total: Option<Vec<String>> },
    Page { page: String, size: Option<String>, total: Option<Vec<String>> },
    Cursor { cursor: String, next: Vec<String>, has_more: Option<Vec<String>> },
    NextUrl { cursor: String, next: Vec<String>, has_more: Option<Vec<String>> },
}

/// One operation recognized as paginated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paginated {
    /// `/paths/~1calls/get`.
    pub pointer: String,
    pub operation_id: String,
    pub path: String,
    /// JSON path of the items array in the response.
    pub items: Vec<String>,
    pub style: Style,
    /// Declared in `specs/providers.toml` rather than inferred.
    pub declared: bool,
    /// The page-size parameter's documented `default` and `maximum`.
    pub limit_default: Option<i64>,
    pub limit_max: Option<i64>,
    /// The page parameter's documented `default` (else `minimum`, else 1).
    pub first_page: i64,
}

/// What the rules say about one list-like GET operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    Paginated(Paginated),
    /// A GET that looks like a list (array response, or an envelope with one array, or paging
    /// parameters) but is not recognized as paginated, and why.
    NotRecognized {
        pointer: String,
        operation_id: String,
        path: String,
        reason: String,
    },
}

fn dotted(path: &[String]) -> String {
    path.join(".")
}

impl fmt::Display for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let opt = |o: &Option<Vec<String>>| {
            o.as_ref().map(|p| format!("`{}`", dotted(p))).unwrap_or_else(|| "none".into())
        };
        match self {
            Style::Offset { offset, limit, total } => write!(
                f,
                "offset/limit (`{offset}`{}; total {})",
                limit.as_ref().map(|l| format!(", `{l}`")).unwrap_or_default(),
                opt(total)
            ),
            Style::Page { page, size, total } => write!(
                f,
                "page number (`{page}`{}; total {})",
                size.as_ref().map(|l| format!(", `{l}`")).unwrap_or_default(),
                opt(total)
            ),
            Style::Cursor { cursor, next, has_more } => {
                write!(f, "cursor (`{cursor}` ← `{}`; has_more {})", dotted(next), opt(has_more))
            }
            Style::NextUrl { cursor, next, has_more } => {
                write!(
                    f,
                    "next URL (`{cursor}` read from the URL in `{}`; has_more {})",
                    dotted(next),
                    opt(has_more)
                )
            }
        }
    }
}

impl Paginated {
    /// The report's sentence.
    pub fn describe(&self) -> String {
        format!(
            "`{}` {}: {}, items `{}` → `stream()`",
            self.operation_id,
            if self.declared { "declared in specs/providers.toml" } else { "inferred" },
            self.style,
            dotted(&self.items)
        )
    }
}

fn norm(name: &str) -> String {
    name.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_lowercase).collect()
}

fn is_offset(n: &str) -> bool {
    matches!(n, "offset" | "skip")
}
fn is_size(n: &str) -> bool {
    matches!(n, "limit" | "pagesize" | "perpage" | "size" | "maxresults")
}
fn is_page(n: &str) -> bool {
    matches!(n, "page" | "pagenumber" | "pageno" | "pagenum")
}
fn is_cursor(n: &str) -> bool {
    n.contains("cursor")
        || n.ends_with("pagetoken")
        || n.starts_with("startingafter")
        || n.starts_with("startafter")
        || matches!(n, "after" | "lastdoc" | "continuationtoken" | "nexttoken")
}
fn is_total(n: &str) -> bool {
    matches!(n, "total" | "totalcount" | "totalitems" | "totalresults")
}
fn is_next(n: &str) -> bool {
    matches!(n, "nextcursor" | "nextpagetoken" | "nexttoken" | "nextpage" | "nextdoc" | "nextpagecursor")
}
fn is_next_url(n: &str, schema: &Value) -> bool {
    matches!(n, "nextpageuri" | "nextpageurl" | "nexturl" | "nexturi")
        || (n == "next" && schema.get("format").and_then(Value::as_str) == Some("uri"))
}
fn is_has_more(n: &str) -> bool {
    matches!(n, "hasmore" | "hasnext" | "hasnextpage")
}

/// Follows local `$ref`s (a bounded number of hops).
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match value.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => match doc.pointer(pointer) {
                Some(target) => value = target,
                None => return value,
            },
            None => return value,
        }
    }
    value
}

/// The schema's type, looking through nullability (`type: [T, "null"]`, `anyOf: [T, {type: null}]`).
fn schema_type(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => return Some(t),
        Some(Value::Array(ts)) => return ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => {}
    }
    let members = schema.get("anyOf").or_else(|| schema.get("oneOf"))?.as_array()?;
    let typed: Vec<&str> = members.iter().filter_map(schema_type).filter(|t| *t != "null").collect();
    match typed[..] {
        [t] => Some(t),
        _ => None,
    }
}

/// The success response's JSON schema (first 2xx with a JSON body).
fn success_schema<'a>(doc: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let responses = op.get("responses")?.as_object()?;
    let (_, response) =
        responses.iter().filter(|(s, _)| s.starts_with('2')).min_by_key(|(s, _)| s.as_str())?;
    let content = resolve(doc, response).get("content")?.as_object()?;
    let (_, media) =
        content.iter().find(|(ct, _)| ct.starts_with("application/json") || ct.ends_with("+json"))?;
    Some(resolve(doc, media.get("schema")?))
}

/// Query parameters of an operation (path-level ones included): name → resolved parameter.
fn query_parameters<'a>(doc: &'a Value, item: &'a Value, op: &'a Value) -> Vec<(&'a str, &'a Value)> {
    let mut out: Vec<(&str, &Value)> = Vec::new();
    for list in [item.get("parameters"), op.get("parameters")].into_iter().flatten() {
        for p in list.as_array().into_iter().flatten() {
            let p = resolve(doc, p);
            if p.get("in").and_then(Value::as_str) != Some("query") {
                continue;
            }
            let Some(name) = p.get("name").and_then(Value::as_str) else { continue };
            out.retain(|(n, _)| *n != name);
            out.push((name, p));
        }
    }
    out
}

fn param_schema<'a>(doc: &'a Value, param: &'a Value) -> &'a Value {
    param.get("schema").map(|s| resolve(doc, s)).unwrap_or(&Value::Null)
}

fn is_integer_param(doc: &Value, param: &Value) -> bool {
    matches!(schema_type(param_schema(doc, param)), Some("integer" | "number"))
}

/// Envelope fields: top-level properties and those one object down, as (path, resolved schema).
fn envelope_fields<'a>(doc: &'a Value, schema: &'a Value) -> Vec<(Vec<String>, &'a Value)> {
    let mut out = Vec::new();
    for (name, prop) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
        let prop = resolve(doc, prop);
        out.push((vec![name.clone()], prop));
        for (inner, p) in prop.get("properties").and_then(Value::as_object).into_iter().flatten() {
            out.push((vec![name.clone(), inner.clone()], resolve(doc, p)));
        }
    }
    out
}

fn field_at<'a>(doc: &'a Value, schema: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut s = schema;
    for name in path {
        s = resolve(doc, s.get("properties")?.get(name)?);
    }
    Some(s)
}

fn one<T: Clone>(role: &str, found: &[T], show: impl Fn(&T) -> String) -> Result<Option<T>, String> {
    match found {
        [] => Ok(None),
        [x] => Ok(Some(x.clone())),
        many => Err(format!(
            "ambiguous: several {role} ({})",
            many.iter().map(show).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Applies the rules (and the declarations, which win) to every GET operation of the document.
pub fn infer(doc: &Value, declarations: &[Declaration]) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let mut used = vec![false; declarations.len()];
    for (path, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
        let Some(op) = item.get("get") else { continue };
        let pointer = format!("{}/get", crate::visit::join("/paths", path));
        let operation_id = op.get("operationId").and_then(Value::as_str).unwrap_or_default().to_owned();
        if let Some(i) = declarations.iter().position(|d| d.operation == operation_id) {
            used[i] = true;
            let d = &declarations[i];
            if d.style != "none" {
                let p = declared(doc, item, op, d, &pointer, path)
                    .with_context(|| format!("specs/providers.toml: pagination of `{}`", d.operation))?;
                findings.push(Finding::Paginated(p));
            }
            continue;
        }
        if let Some(f) = inferred(doc, item, op, &pointer, &operation_id, path) {
            findings.push(f);
        }
    }
    if let Some(i) = used.iter().position(|u| !u) {
        bail!(
            "specs/providers.toml: pagination of `{}`: the document has no GET operation with this operationId",
            declarations[i].operation
        );
    }
    Ok(findings)
}

fn limit_facts(doc: &Value, params: &[(&str, &Value)], limit: Option<&str>) -> (Option<i64>, Option<i64>) {
    let Some(schema) =
        limit.and_then(|l| params.iter().find(|(n, _)| *n == l)).map(|(_, p)| param_schema(doc, p))
    else {
        return (None, None);
    };
    (schema.get("default").and_then(Value::as_i64), schema.get("maximum").and_then(Value::as_i64))
}

fn first_page(doc: &Value, params: &[(&str, &Value)], page: &str) -> i64 {
    let schema =
        params.iter().find(|(n, _)| *n == page).map(|(_, p)| param_schema(doc, p)).unwrap_or(&Value::Null);
    schema
        .get("default")
        .and_then(Value::as_i64)
        .or_else(|| schema.get("minimum").and_then(Value::as_i64))
        .unwrap_or(1)
}

fn inferred(
    doc: &Value,
    item: &Value,
    op: &Value,
    pointer: &str,
    operation_id: &str,
    path: &str,
) -> Option<Finding> {
    let params = query_parameters(doc, item, op);
    let names: Vec<(String, &str, &Value)> = params.iter().map(|(n, p)| (norm(n), *n, *p)).collect();
    let paging_params =
        names.iter().any(|(n, _, _)| is_offset(n) || is_size(n) || is_page(n) || is_cursor(n));
    let schema = success_schema(doc, op);
    let not = |reason: String| Finding::NotRecognized {
        pointer: pointer.to_owned(),
        operation_id: operation_id.to_owned(),
        path: path.to_owned(),
        reason,
    };
    let Some(schema) = schema else {
        return paging_params.then(|| not("paging parameters, but no JSON response schema".into()));
    };
    if schema_type(schema) == Some("array") {
        return Some(not(if paging_params {
            "bare array response: no envelope says where the list ends (paging parameters alone are not enough)".into()
        } else {
            "bare array response without paging parameters (the whole list in one response)".into()
        }));
    }
    let fields = envelope_fields(doc, schema);
    let arrays: Vec<Vec<String>> = fields
        .iter()
        .filter(|(p, s)| p.len() == 1 && schema_type(s) == Some("array"))
        .map(|(p, _)| p.clone())
        .collect();
    let items = match one("arrays", &arrays, |p| format!("`{}`", dotted(p))) {
        Ok(Some(items)) => items,
        Ok(None) => {
            return paging_params
                .then(|| not("paging parameters, but the response has no array of items".into()));
        }
        Err(e) => return paging_params.then(|| not(e)),
    };
    if !paging_params {
        // One array in an object without paging parameters: a whole list, or one resource with a list field.
        return None;
    }
    let pick = |pred: &dyn Fn(&str) -> bool| -> Vec<&str> {
        names.iter().filter(|(n, _, _)| pred(n)).map(|(_, name, _)| *name).collect()
    };
    let field = |pred: &dyn Fn(&str, &Value) -> bool| -> Vec<Vec<String>> {
        fields.iter().filter(|(p, s)| pred(&norm(p.last().unwrap()), s)).map(|(p, _)| p.clone()).collect()
    };
    let tick = |s: &&str| format!("`{s}`");
    let tickp = |p: &Vec<String>| format!("`{}`", dotted(p));
    let result = (|| -> Result<Option<Style>, String> {
        let offset = one("offset parameters", &pick(&is_offset), tick)?;
        let size = one("page-size parameters", &pick(&is_size), tick)?;
        let page = one("page parameters", &pick(&is_page), tick)?;
        let cursor = one("cursor parameters", &pick(&is_cursor), tick)?;
        let total = one(
            "totals",
            &field(&|n, s| is_total(n) && matches!(schema_type(s), Some("integer" | "number"))),
            tickp,
        )?;
        let next = one(
            "next-cursor fields",
            &field(&|n, s| {
                is_next(n)
                    && schema_type(s) == Some("string")
                    && s.get("format").and_then(Value::as_str) != Some("uri")
            }),
            tickp,
        )?;
        let next_url = one(
            "next-URL fields",
            &field(&|n, s| is_next_url(n, s) && schema_type(s) == Some("string")),
            tickp,
        )?;
        let has_more = one(
            "has-more fields",
            &field(&|n, s| is_has_more(n) && schema_type(s) == Some("boolean")),
            tickp,
        )?;
        let integer = |name: &str| params.iter().any(|(n, p)| *n == name && is_integer_param(doc, p));
        if let Some(offset) = offset {
            if !integer(offset) {
                return Err(format!("offset parameter `{offset}` is not an integer"));
            }
            return Ok(Some(Style::Offset { offset: offset.into(), limit: size.map(Into::into), total }));
        }
        if let (Some(cursor), Some(next)) = (cursor, next.clone()) {
            return Ok(Some(Style::Cursor { cursor: cursor.into(), next, has_more }));
        }
        if let Some(next) = next_url {
            let Some(cursor) = cursor else {
                return Err(format!("next URL `{}` but no cursor parameter to carry it", dotted(&next)));
            };
            return Ok(Some(Style::NextUrl { cursor: cursor.into(), next, has_more }));
        }
        if let Some(page) = page {
            if !integer(page) {
                return Err(format!("page parameter `{page}` is not an integer"));
            }
            if size.is_none() && total.is_none() {
                return Err(format!(
                    "page parameter `{page}` without a page size or a total: the last page cannot be told"
                ));
            }
            return Ok(Some(Style::Page { page: page.into(), size: size.map(Into::into), total }));
        }
        if let Some(cursor) = cursor {
            return Err(format!("cursor parameter `{cursor}` but no next-cursor field in the response"));
        }
        if next.is_some() {
            return Err("a next-cursor field but no cursor parameter".into());
        }
        Ok(None)
    })();
    match result {
        Ok(Some(style)) => {
            let limit = match &style {
                Style::Offset { limit, .. } => limit.clone(),
                Style::Page { size, .. } => size.clone(),
                _ => None,
            };
            let (limit_default, limit_max) = limit_facts(doc, &params, limit.as_deref());
            let first = match &style {
                Style::Page { page, .. } => first_page(doc, &params, page),
                _ => 1,
            };
            Some(Finding::Paginated(Paginated {
                pointer: pointer.to_owned(),
                operation_id: operation_id.to_owned(),
                path: path.to_owned(),
                items,
                style,
                declared: false,
                limit_default,
                limit_max,
                first_page: first,
            }))
        }
        Ok(None) => {
            Some(not("a page size but no offset, page number, cursor or next URL to advance it".into()))
        }
        Err(e) => Some(not(e)),
    }
}

fn declared(
    doc: &Value,
    item: &Value,
    op: &Value,
    d: &Declaration,
    pointer: &str,
    path: &str,
) -> Result<Paginated> {
    let params = query_parameters(doc, item, op);
    let schema =
        success_schema(doc, op).ok_or_else(|| anyhow!("the operation has no JSON success response"))?;
    let split = |s: &str| s.split('.').map(str::to_owned).collect::<Vec<_>>();
    let field = |role: &str, f: &Option<String>| -> Result<Option<Vec<String>>> {
        let Some(f) = f else { return Ok(None) };
        let p = split(f);
        field_at(doc, schema, &p).ok_or_else(|| anyhow!("{role} `{f}` is not a field of the response"))?;
        Ok(Some(p))
    };
    let param = |role: &str, p: &Option<String>, integer: bool| -> Result<Option<String>> {
        let Some(p) = p else { return Ok(None) };
        let Some((_, found)) = params.iter().find(|(n, _)| n == p) else {
            bail!("{role} `{p}` is not a query parameter of the operation")
        };
        if integer && !is_integer_param(doc, found) {
            bail!("{role} `{p}` is not an integer parameter");
        }
        Ok(Some(p.clone()))
    };
    let required =
        |role: &str, v: Option<String>| v.ok_or_else(|| anyhow!("style `{}` needs `{role}`", d.style));
    let required_path =
        |role: &str, v: Option<Vec<String>>| v.ok_or_else(|| anyhow!("style `{}` needs `{role}`", d.style));
    let items = required_path("items", field("items", &d.items)?)?;
    if field_at(doc, schema, &items).and_then(schema_type) != Some("array") {
        bail!("items `{}` is not an array", dotted(&items));
    }
    let allowed: &[&str] = match d.style.as_str() {
        "offset" => &["offset", "limit", "total"],
        "page" => &["page", "limit", "total"],
        "cursor" | "next_url" => &["cursor", "next", "has_more"],
        other => bail!("unknown style {other:?} (offset, page, cursor, next_url or none)"),
    };
    for (key, given) in [
        ("offset", &d.offset),
        ("limit", &d.limit),
        ("page", &d.page),
        ("cursor", &d.cursor),
        ("next", &d.next),
        ("total", &d.total),
        ("has_more", &d.has_more),
    ] {
        if given.is_some() && !allowed.contains(&key) {
            bail!("`{key}` does not apply to style `{}`", d.style);
        }
    }
    let style = match d.style.as_str() {
        "offset" => Style::Offset {
            offset: required("offset", param("offset", &d.offset, true)?)?,
            limit: param("limit", &d.limit, true)?,
            total: field("total", &d.total)?,
        },
        "page" => Style::Page {
            page: required("page", param("page", &d.page, true)?)?,
            size: param("limit", &d.limit, true)?,
            total: field("total", &d.total)?,
        },
        "cursor" => Style::Cursor {
            cursor: required("cursor", param("cursor", &d.cursor, false)?)?,
            next: required_path("next", field("next", &d.next)?)?,
            has_more: field("has_more", &d.has_more)?,
        },
        _ => Style::NextUrl {
            cursor: required("cursor", param("cursor", &d.cursor, false)?)?,
            next: required_path("next", field("next", &d.next)?)?,
            has_more: field("has_more", &d.has_more)?,
        },
    };
    let limit = match &style {
        Style::Offset { limit, .. } | Style::Page { size: limit, .. } => limit.clone(),
        _ => None,
    };
    let (limit_default, limit_max) = limit_facts(doc, &params, limit.as_deref());
    let first = match &style {
        Style::Page { page, .. } => first_page(doc, &params, page),
        _ => 1,
    };
    Ok(Paginated {
        pointer: pointer.to_owned(),
        operation_id: d.operation.clone(),
        path: path.to_owned(),
        items,
        style,
        declared: true,
        limit_default,
        limit_max,
        first_page: first,
    })
}

/// The recognized operations only.
pub fn paginated(findings: &[Finding]) -> Vec<&Paginated> {
    findings
        .iter()
        .filter_map(|f| match f {
            Finding::Paginated(p) => Some(p),
            Finding::NotRecognized { .. } => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Generation

fn module_items<'a>(file: &'a syn::File, name: &str) -> Option<&'a Vec<syn::Item>> {
    file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    })
}

/// `Wrapper<T>` → `T` when the last path segment is `wrapper`.
fn unwrap_generic<'a>(ty: &'a syn::Type, wrapper: &str) -> Option<&'a syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// `Result<A, B>` → (A, B).
fn result_args(ty: &syn::Type) -> Option<(&syn::Type, &syn::Type)> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    let types: Vec<&syn::Type> = args
        .args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    match types[..] {
        [a, b] => Some((a, b)),
        _ => None,
    }
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    Some(p.path.segments.last()?.ident.to_string())
}

fn type_text(ty: &syn::Type) -> String {
    quote!(#ty).to_string().replace(' ', "")
}

const INTEGERS: [&str; 10] = ["i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64", "u128"];

fn is_integer(ty: &syn::Type) -> bool {
    last_ident(ty).is_some_and(|i| INTEGERS.contains(&i.as_str()))
}
/// `NonZeroU64` and its unsigned kin (typify's type for an integer with `minimum: 1`).
fn nonzero_ident(ty: &syn::Type) -> Option<syn::Ident> {
    let ident = last_ident(ty)?;
    matches!(ident.as_str(), "NonZeroU64" | "NonZeroU32" | "NonZeroU16" | "NonZeroU8" | "NonZeroUsize")
        .then(|| quote::format_ident!("{ident}"))
}
fn is_float(ty: &syn::Type) -> bool {
    last_ident(ty).is_some_and(|i| i == "f64" || i == "f32")
}

/// The JSON name of a struct field (its `#[serde(rename = "..")]`, else its identifier).
fn json_name(field: &syn::Field) -> Option<String> {
    let mut name = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let s: syn::LitStr = meta.value()?.parse()?;
                name = Some(s.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    name.or_else(|| field.ident.as_ref().map(|i| i.to_string().trim_start_matches("r#").to_owned()))
}

fn find_struct<'a>(types: &'a [syn::Item], name: &str) -> Option<&'a syn::ItemStruct> {
    types.iter().find_map(|i| match i {
        syn::Item::Struct(s) if s.ident == name => Some(s),
        _ => None,
    })
}

/// Walks `path` (JSON names) from struct `root`: the closure chain reaching the leaf from
/// `Some(&page)` (by reference) or `Some(page)` (by value), and the leaf's type.
struct Access {
    by_ref: TokenStream,
    by_value: TokenStream,
    leaf: syn::Type,
}

fn access(types: &[syn::Item], root: &str, path: &[String]) -> Result<Access> {
    let mut current = root.to_owned();
    let mut by_ref = TokenStream::new();
    let mut by_value = TokenStream::new();
    let mut leaf = None;
    for (i, name) in path.iter().enumerate() {
        let s = find_struct(types, &current)
            .ok_or_else(|| anyhow!("`types::{current}` is not a struct with named fields"))?;
        let syn::Fields::Named(fields) = &s.fields else { bail!("`types::{current}` has no named fields") };
        let field = fields
            .named
            .iter()
            .find(|f| json_name(f).as_deref() == Some(name.as_str()))
            .ok_or_else(|| anyhow!("`types::{current}` has no field for JSON `{name}`"))?;
        let ident = field.ident.as_ref().expect("named field");
        let (ty, optional) = match unwrap_generic(&field.ty, "Option") {
            Some(inner) => (inner.clone(), true),
            None => (field.ty.clone(), false),
        };
        if optional {
            by_ref.extend(quote!(.and_then(|v| v.#ident.as_ref())));
            by_value.extend(quote!(.and_then(|v| v.#ident)));
        } else {
            by_ref.extend(quote!(.map(|v| &v.#ident)));
            by_value.extend(quote!(.map(|v| v.#ident)));
        }
        if i + 1 < path.len() {
            current = last_ident(&ty).ok_or_else(|| anyhow!("`{name}` is not a struct"))?;
        }
        leaf = Some(ty);
    }
    Ok(Access { by_ref, by_value, leaf: leaf.ok_or_else(|| anyhow!("empty field path"))? })
}

/// Prefixes the `types` module's own names (single-segment, non-primitive paths) with `types::`.
fn qualify(ty: &syn::Type) -> syn::Type {
    struct Q;
    impl syn::visit_mut::VisitMut for Q {
        fn visit_type_path_mut(&mut self, p: &mut syn::TypePath) {
            syn::visit_mut::visit_type_path_mut(self, p);
            let primitive = ["bool", "char", "str", "f32", "f64", "isize", "usize"];
            if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.segments.len() == 1 {
                let ident = p.path.segments[0].ident.to_string();
                if !INTEGERS.contains(&ident.as_str()) && !primitive.contains(&ident.as_str()) {
                    p.path.segments.insert(0, syn::parse_quote!(types));
                }
            }
        }
    }
    let mut ty = ty.clone();
    syn::visit_mut::VisitMut::visit_type_mut(&mut Q, &mut ty);
    ty
}

/// A builder's query parameter: its field, and the parameter's Rust type.
struct Param {
    ident: syn::Ident,
    ty: syn::Type,
    optional: bool,
}

fn builder_param(builder: &syn::ItemStruct, name: &str) -> Result<Param> {
    use heck::ToSnakeCase;
    let wanted = name.to_snake_case();
    let syn::Fields::Named(fields) = &builder.fields else {
        bail!("builder `{}` has no named fields", builder.ident)
    };
    let field = fields
        .named
        .iter()
        .find(|f| {
            f.ident.as_ref().is_some_and(|i| {
                i.to_string().trim_start_matches("r#") == wanted.trim_end_matches('_') || *i == wanted
            })
        })
        .ok_or_else(|| {
            anyhow!("builder `{}` has no field `{wanted}` for query parameter `{name}`", builder.ident)
        })?;
    let (value, _) =
        result_args(&field.ty).ok_or_else(|| anyhow!("builder field `{wanted}` is not a `Result`"))?;
    let (ty, optional) = match unwrap_generic(value, "Option") {
        Some(inner) => (inner.clone(), true),
        None => (value.clone(), false),
    };
    Ok(Param { ident: field.ident.clone().expect("named field"), ty, optional })
}

impl Param {
    /// `Option<&T>` of the value set on the builder `request`.
    fn get(&self) -> TokenStream {
        let ident = &self.ident;
        if self.optional {
            quote!(request.#ident.as_ref().ok().and_then(|v| v.as_ref()))
        } else {
            quote!(request.#ident.as_ref().ok())
        }
    }
    /// `Option<i64>` of an integer (or `number`) parameter.
    fn get_i64(&self, role: &str) -> Result<TokenStream> {
        let get = self.get();
        if is_integer(&self.ty) {
            Ok(quote!(#get.and_then(|v| i64::try_from(*v).ok())))
        } else if is_float(&self.ty) {
            Ok(quote!(#get.map(|v| *v as i64)))
        } else if nonzero_ident(&self.ty).is_some() {
            // `minimum: 1` integers are typed `NonZeroU64` (and kin) by typify.
            Ok(quote!(#get.and_then(|v| i64::try_from(v.get()).ok())))
        } else {
            bail!("{role} parameter `{}` is `{}`, not an integer", self.ident, type_text(&self.ty))
        }
    }
    /// Sets the parameter on `request` from an `i64` named `value`.
    fn set_i64(&self) -> TokenStream {
        let ident = &self.ident;
        if is_float(&self.ty) {
            quote!(request.#ident(value as f64))
        } else if let Some(nonzero) = nonzero_ident(&self.ty) {
            // Paging values are positive; a non-positive one cannot be sent as a non-zero type.
            quote!(request.#ident(::std::num::#nonzero::new(value.max(1).try_into().unwrap_or(1)).unwrap_or(::std::num::#nonzero::MIN)))
        } else {
            quote!(request.#ident(value))
        }
    }
}

fn leaf_i64(access: &Access, role: &str) -> Result<TokenStream> {
    let chain = &access.by_ref;
    if is_integer(&access.leaf) {
        Ok(quote!(Some(&page) #chain .and_then(|v| i64::try_from(*v).ok())))
    } else if is_float(&access.leaf) {
        Ok(quote!(Some(&page) #chain .map(|v| *v as i64)))
    } else {
        bail!("{role} is `{}`, not a number", type_text(&access.leaf))
    }
}

fn leaf_string(access: &Access) -> TokenStream {
    let chain = &access.by_ref;
    if last_ident(&access.leaf).as_deref() == Some("String") {
        quote!(Some(&page) #chain .cloned())
    } else if last_ident(&access.leaf).as_deref() == Some("Value") {
        quote!(Some(&page) #chain .and_then(|v| v.as_str()).map(str::to_owned))
    } else {
        quote!(Some(&page) #chain .map(|v| v.to_string()))
    }
}

/// Adds `stream()` and `stream_with()` to the builder of every operation in `paginated`.
pub fn generate_streams(file: &mut syn::File, paginated: &[&Paginated]) -> Result<()> {
    if paginated.is_empty() {
        return Ok(());
    }
    let types = module_items(file, "types").cloned().unwrap_or_default();
    let builder_items = module_items(file, "builder")
        .ok_or_else(|| anyhow!("{NAME}: the generated code has no `builder` module"))?;
    let mut impls = Vec::new();
    for p in paginated {
        impls.push(
            stream_impl(&types, builder_items, p)
                .with_context(|| format!("{NAME}: `{}` (GET {})", p.operation_id, p.path))?,
        );
    }
    let Some(builder) = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        unreachable!("checked above")
    };
    for tokens in impls {
        builder.push(syn::parse2(tokens).context("generated stream impl does not parse")?);
    }
    Ok(())
}

fn stream_impl(types: &[syn::Item], builder: &[syn::Item], p: &Paginated) -> Result<TokenStream> {
    let doc = format!("Sends a `GET` request to `{}`", p.path);
    let (self_ty, send) = builder
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(i) => Some(i),
            _ => None,
        })
        .flat_map(|i| i.items.iter().map(move |f| (i, f)))
        .find_map(|(i, f)| match f {
            syn::ImplItem::Fn(f) if f.sig.ident == "send" && crate::surface::doc_text(&f.attrs) == doc => {
                Some((&*i.self_ty, f))
            }
            _ => None,
        })
        .ok_or_else(|| anyhow!("no builder `send()` documented \"{doc}\""))?;
    let name = last_ident(self_ty).ok_or_else(|| anyhow!("builder impl for an unnamed type"))?;
    let name_ident = format_ident!("{}", name);
    let builder_struct = builder
        .iter()
        .find_map(|i| match i {
            syn::Item::Struct(s) if s.ident == name => Some(s),
            _ => None,
        })
        .ok_or_else(|| anyhow!("no builder struct `{name}`"))?;
    if builder_struct.generics.lifetimes().count() != 1 || builder_struct.generics.params.len() != 1 {
        bail!("builder `{name}` does not have exactly one lifetime parameter");
    }
    let syn::ReturnType::Type(_, ret) = &send.sig.output else { bail!("`send()` returns nothing") };
    let (ok, err) = result_args(ret).ok_or_else(|| anyhow!("`send()` does not return a `Result`"))?;
    let response = unwrap_generic(ok, "ResponseValue")
        .ok_or_else(|| anyhow!("`send()` does not return a `ResponseValue`"))?;
    let response_name = last_ident(response).ok_or_else(|| anyhow!("unnamed response type"))?;

    let items = access(types, &response_name, &p.items)?;
    let item_ty = unwrap_generic(&items.leaf, "Vec").ok_or_else(|| {
        anyhow!("items `{}` is `{}`, not a `Vec`", dotted(&p.items), type_text(&items.leaf))
    })?;
    let item_ty = qualify(item_ty);
    let take_items = &items.by_value;

    let (body, what) = match &p.style {
        Style::Offset { offset, limit, total } => {
            let offset_p = builder_param(builder_struct, offset)?;
            let current = offset_p.get_i64("offset")?;
            let set = offset_p.set_i64();
            let limit_expr = limit_tokens(builder_struct, limit.as_deref(), p)?;
            let total_expr = match total {
                Some(t) => leaf_i64(&access(types, &response_name, t)?, "total")?,
                None => quote!(None::<i64>),
            };
            (
                quote! {
                    let offset = #current.unwrap_or(0);
                    let limit: Option<i64> = #limit_expr;
                    let page = request.clone().send().await?.into_inner();
                    let total: Option<i64> = #total_expr;
                    let items = Some(page) #take_items .unwrap_or_default();
                    let next = ::agentdial_core::pagination::next_offset(offset, items.len(), limit, total).map(|value| #set);
                },
                format!(
                    "offset/limit: `{offset}` advances by the items received; the last page is the one reaching {}, an empty page, {}",
                    total
                        .as_ref()
                        .map(|t| format!("`{}`", dotted(t)))
                        .unwrap_or_else(|| "(no total documented)".into()),
                    if total.is_some() {
                        "or (without a total) a page shorter than the page size".to_owned()
                    } else {
                        "or a page shorter than the page size".to_owned()
                    }
                ),
            )
        }
        Style::Page { page: page_name, size, total } => {
            let page_p = builder_param(builder_struct, page_name)?;
            let current = page_p.get_i64("page")?;
            let set = page_p.set_i64();
            let first = p.first_page;
            let limit_expr = limit_tokens(builder_struct, size.as_deref(), p)?;
            let total_expr = match total {
                Some(t) => leaf_i64(&access(types, &response_name, t)?, "total")?,
                None => quote!(None::<i64>),
            };
            (
                quote! {
                    let number = #current.unwrap_or(#first);
                    let size: Option<i64> = #limit_expr;
                    let page = request.clone().send().await?.into_inner();
                    let total: Option<i64> = #total_expr;
                    let items = Some(page) #take_items .unwrap_or_default();
                    let next = ::agentdial_core::pagination::next_page(number, items.len(), size, seen, total).map(|value| #set);
                },
                format!(
                    "page number: `{page_name}` (from {first}) goes up by one; the last page is the one reaching {}, an empty page, or a page shorter than the page size",
                    total
                        .as_ref()
                        .map(|t| format!("`{}` items", dotted(t)))
                        .unwrap_or_else(|| "(no total documented)".into())
                ),
            )
        }
        Style::Cursor { cursor, next, has_more } | Style::NextUrl { cursor, next, has_more } => {
            let cursor_p = builder_param(builder_struct, cursor)?;
            let get = cursor_p.get();
            let setter = &cursor_p.ident;
            let next_access = access(types, &response_name, next)?;
            let next_expr = leaf_string(&next_access);
            let next_expr = if matches!(p.style, Style::NextUrl { .. }) {
                quote!(::agentdial_core::pagination::query_value((#next_expr).as_deref(), #cursor))
            } else {
                next_expr
            };
            let has_more_expr = match has_more {
                Some(h) => {
                    let a = access(types, &response_name, h)?;
                    if last_ident(&a.leaf).as_deref() != Some("bool") {
                        bail!("has_more `{}` is `{}`, not a bool", dotted(h), type_text(&a.leaf));
                    }
                    let chain = &a.by_ref;
                    quote!(Some(&page) #chain .copied())
                }
                None => quote!(None::<bool>),
            };
            (
                quote! {
                    let sent: Option<String> = #get.map(|v| v.to_string());
                    let page = request.clone().send().await?.into_inner();
                    let next: Option<String> = #next_expr;
                    let has_more: Option<bool> = #has_more_expr;
                    let items = Some(page) #take_items .unwrap_or_default();
                    let next = ::agentdial_core::pagination::next_cursor(sent.as_deref(), next, items.len(), has_more).map(|c| request.#setter(c));
                },
                match &p.style {
                    Style::Cursor { .. } => format!(
                        "cursor: `{cursor}` takes `{}` of each page; the last page is the one without a next cursor{}, or an empty page",
                        dotted(next),
                        has_more
                            .as_ref()
                            .map(|h| format!(" or with `{}` false", dotted(h)))
                            .unwrap_or_default()
                    ),
                    _ => format!(
                        "next URL: `{cursor}` takes its value in the URL `{}` of each page; the last page is the one without a next URL{}, or an empty page",
                        dotted(next),
                        has_more
                            .as_ref()
                            .map(|h| format!(" or with `{}` false", dotted(h)))
                            .unwrap_or_default()
                    ),
                },
            )
        }
    };
    let err_ty = err;
    let item_doc = format!(
        "Every item (`{}`) of every page, as a stream that sends a request only when the items already received run out. {what}.",
        dotted(&p.items)
    );
    let errors_doc = "An error is the stream's last item; a 429 with a `Retry-After` of at most 60 s is waited out (up to three times in a row) and the page asked again. Needs a tokio runtime with its timer.";
    let with_doc = "[`stream`](Self::stream), with the rate-limit waits of `paging`.";
    let seen_binding = if matches!(p.style, Style::Page { .. }) { quote!(seen) } else { quote!(_seen) };
    Ok(quote! {
        impl<'a> #name_ident<'a> {
            #[doc = #item_doc]
            #[doc = ""]
            #[doc = #errors_doc]
            pub fn stream(self) -> impl ::futures::Stream<Item = ::std::result::Result<#item_ty, #err_ty>> + ::std::marker::Send + ::std::marker::Unpin + 'a {
                self.stream_with(::agentdial_core::pagination::Paging::default())
            }
            #[doc = #with_doc]
            pub fn stream_with(self, paging: ::agentdial_core::pagination::Paging) -> impl ::futures::Stream<Item = ::std::result::Result<#item_ty, #err_ty>> + ::std::marker::Send + ::std::marker::Unpin + 'a {
                ::agentdial_core::pagination::paginate(self, paging, |request: Self, #seen_binding: u64| async move {
                    #body
                    ::std::result::Result::<_, #err_ty>::Ok(::agentdial_core::pagination::Page { items, next })
                })
            }
        }
    })
}

/// The page size in effect: the builder's, else the documented default; capped at the documented maximum.
fn limit_tokens(builder: &syn::ItemStruct, limit: Option<&str>, p: &Paginated) -> Result<TokenStream> {
    let Some(limit) = limit else { return Ok(quote!(None::<i64>)) };
    let get = builder_param(builder, limit)?.get_i64("page-size")?;
    let default = match p.limit_default {
        Some(d) => quote!(.or(Some(#d))),
        None => quote!(),
    };
    let max = match p.limit_max {
        Some(m) => quote!(.map(|l| l.min(#m))),
        None => quote!(),
    };
    Ok(quote!(#get #default #max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(paths: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": paths,
            "components": {
                "parameters": {
                    "Limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 100, "maximum": 1000}},
                    "Offset": {"name": "offset", "in": "query", "schema": {"type": "integer", "default": 0}}
                },
                "schemas": {
                    "Pagination": {"type": "object", "properties": {"total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"}}},
                    "CallList": {"type": "object", "properties": {
                        "calls": {"type": "array", "items": {"type": "object"}},
                        "pagination": {"$ref": "#/components/schemas/Pagination"}
                    }}
                }
            }
        })
    }

    fn get(id: &str, params: Value, schema: Value) -> Value {
        json!({"get": {"operationId": id, "parameters": params, "responses": {"200": {"content": {"application/json": {"schema": schema}}}}}})
    }

    fn found(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| match f {
                Finding::Paginated(p) => format!("{}: {}", p.operation_id, p.style),
                Finding::NotRecognized { operation_id, reason, .. } => {
                    format!("{operation_id}: NOT {reason}")
                }
            })
            .collect()
    }

    #[test]
    fn offset_with_a_nested_total() {
        let d = doc(json!({
            "/calls": get("listCalls", json!([{"$ref": "#/components/parameters/Limit"}, {"$ref": "#/components/parameters/Offset"}]), json!({"$ref": "#/components/schemas/CallList"}))
        }));
        let findings = infer(&d, &[]).unwrap();
        let Finding::Paginated(p) = &findings[0] else { panic!("{findings:?}") };
        assert_eq!(
            p.style,
            Style::Offset {
                offset: "offset".into(),
                limit: Some("limit".into()),
                total: Some(vec!["pagination".into(), "total".into()])
            }
        );
        assert_eq!(p.items, vec!["calls".to_string()]);
        assert_eq!((p.limit_default, p.limit_max), (Some(100), Some(1000)));
        assert_eq!(p.pointer, "/paths/~1calls/get");
        assert!(!p.declared);
        assert_eq!(
            p.describe(),
            "`listCalls` inferred: offset/limit (`offset`, `limit`; total `pagination.total`), items `calls` → `stream()`"
        );
    }

    #[test]
    fn each_style_and_why_not() {
        let int = |n: &str| json!({"name": n, "in": "query", "schema": {"type": "integer"}});
        let text = |n: &str| json!({"name": n, "in": "query", "schema": {"type": "string"}});
        let arr = json!({"type": "array", "items": {}});
        let s = |v: Value| v;
        let d = doc(json!({
            "/a": get("cursor", json!([text("cursor"), int("page_size")]), s(json!({"type": "object", "properties": {"agents": arr, "next_cursor": {"type": "string"}, "has_more": {"type": "boolean"}}}))),
            "/b": get("nextUrl", json!([int("Page"), int("PageSize"), text("PageToken")]), s(json!({"type": "object", "properties": {"calls": arr, "next_page_uri": {"type": "string"}, "page": {"type": "integer"}}}))),
            "/c": get("pages", json!([int("page"), int("limit")]), s(json!({"type": "object", "properties": {"results": arr, "metadata": {"type": "object", "properties": {"totalItems": {"type": "number"}}}}}))),
            "/d": get("bare", json!([int("limit")]), arr.clone()),
            "/e": get("twoArrays", json!([int("offset")]), s(json!({"type": "object", "properties": {"a": arr, "b": arr}}))),
            "/f": get("limitOnly", json!([int("limit")]), s(json!({"type": "object", "properties": {"a": arr}}))),
            "/g": get("whole", json!([]), s(json!({"type": "object", "properties": {"a": arr}}))),
            "/h": get("single", json!([]), s(json!({"type": "object", "properties": {"id": {"type": "string"}}}))),
            "/i": get("twoTotals", json!([int("offset")]), s(json!({"type": "object", "properties": {"a": arr, "total": {"type": "integer"}, "meta": {"type": "object", "properties": {"total_count": {"type": "integer"}}}}}))),
            "/k": get("nullableNext", json!([text("cursor")]), s(json!({"type": "object", "properties": {"a": arr, "next_cursor": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}))),
            "/j": get("stringOffset", json!([text("offset")]), s(json!({"type": "object", "properties": {"a": arr}}))),
        }));
        assert_eq!(
            found(&infer(&d, &[]).unwrap()),
            vec![
                "cursor: cursor (`cursor` ← `next_cursor`; has_more `has_more`)",
                "nextUrl: next URL (`PageToken` read from the URL in `next_page_uri`; has_more none)",
                "pages: page number (`page`, `limit`; total `metadata.totalItems`)",
                "bare: NOT bare array response: no envelope says where the list ends (paging parameters alone are not enough)",
                "twoArrays: NOT ambiguous: several arrays (`a`, `b`)",
                "limitOnly: NOT a page size but no offset, page number, cursor or next URL to advance it",
                "twoTotals: NOT ambiguous: several totals (`total`, `meta.total_count`)",
                "nullableNext: cursor (`cursor` ← `next_cursor`; has_more none)",
                "stringOffset: NOT offset parameter `offset` is not an integer",
            ]
        );
    }

    fn decl(op: &str, style: &str) -> Declaration {
        Declaration {
            operation: op.into(),
            style: style.into(),
            items: None,
            offset: None,
            limit: None,
            page: None,
            cursor: None,
            next: None,
            total: None,
            has_more: None,
        }
    }

    #[test]
    fn declarations_win_and_are_checked() {
        let int = |n: &str| json!({"name": n, "in": "query", "schema": {"type": "integer"}});
        let arr = json!({"type": "array", "items": {}});
        let d = doc(json!({
            "/e": get("twoArrays", json!([int("offset"), int("limit")]), json!({"type": "object", "properties": {"a": arr, "b": arr, "meta": {"type": "object", "properties": {"count": {"type": "integer"}}}}})),
            "/calls": get("listCalls", json!([{"$ref": "#/components/parameters/Limit"}, {"$ref": "#/components/parameters/Offset"}]), json!({"$ref": "#/components/schemas/CallList"}))
        }));
        let ok = Declaration {
            items: Some("b".into()),
            offset: Some("offset".into()),
            limit: Some("limit".into()),
            total: Some("meta.count".into()),
            ..decl("twoArrays", "offset")
        };
        let findings = infer(&d, &[ok.clone(), decl("listCalls", "none")]).unwrap();
        assert_eq!(found(&findings), vec!["twoArrays: offset/limit (`offset`, `limit`; total `meta.count`)"]);
        let Finding::Paginated(p) = &findings[0] else { unreachable!() };
        assert!(p.declared && p.describe().contains("declared in specs/providers.toml"));

        let err = |d2: Declaration| format!("{:#}", infer(&d, &[d2]).unwrap_err());
        assert!(err(decl("nope", "none")).contains("`nope`: the document has no GET operation"));
        assert!(
            err(Declaration { items: Some("c".into()), ..ok.clone() }).contains("items `c` is not a field")
        );
        assert!(
            err(Declaration { offset: Some("skip".into()), ..ok.clone() })
                .contains("offset `skip` is not a query parameter")
        );
        assert!(
            err(Declaration { cursor: Some("offset".into()), ..ok.clone() })
                .contains("`cursor` does not apply to style `offset`")
        );
        assert!(err(Declaration { style: "pages".into(), ..ok.clone() }).contains("unknown style \"pages\""));
        assert!(err(Declaration { offset: None, ..ok }).contains("style `offset` needs `offset`"));
    }

    #[test]
    fn declarations_parse_from_the_manifest() {
        let text = "[[provider]]\nname = \"a\"\nspec = \"a.yaml\"\nsource = \"s\"\nsha256 = \"00\"\n\n[[provider.pagination]]\noperation = \"listThings\"\nstyle = \"offset\"\nitems = \"data\"\noffset = \"skip\"\ntotal = \"meta.count\"\n";
        let manifest: crate::Manifest = toml::from_str(text).unwrap();
        let d = &manifest.providers[0].pagination[0];
        assert_eq!(
            (d.operation.as_str(), d.style.as_str(), d.total.as_deref()),
            ("listThings", "offset", Some("meta.count"))
        );
        let unknown = text.replace("total =", "totl =");
        let err = toml::from_str::<crate::Manifest>(&unknown).unwrap_err().to_string();
        assert!(err.contains("unknown field `totl`"), "{err}");
    }

    /// progenitor 0.15.1's shapes, trimmed: a response struct, a builder and its `send()`.
    fn generated() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                pub struct Call { pub id: ::std::string::String }
                pub struct Pagination { pub limit: i64, pub offset: i64, pub total: i64 }
                pub struct CallListResponse {
                    pub calls: ::std::vec::Vec<Call>,
                    pub pagination: Pagination,
                }
                pub struct LeadList {
                    pub leads: ::std::vec::Vec<::std::string::String>,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub pagination: ::std::option::Option<Pagination>,
                    #[serde(rename = "nextCursor", default)]
                    pub next_cursor: ::std::option::Option<::std::string::String>,
                }
            }
            pub mod builder {
                #[derive(Debug, Clone)]
                pub struct ListCalls<'a> {
                    client: &'a super::Client,
                    limit: Result<Option<i64>, String>,
                    offset: Result<Option<i64>, String>,
                    cursor: Result<Option<::std::string::String>, String>,
                }
                impl<'a> ListCalls<'a> {
                    ///Sends a `GET` request to `/calls`
                    pub async fn send(self) -> Result<ResponseValue<types::CallListResponse>, Error<types::ListCallsErrorBody>> { todo!() }
                }
                #[derive(Debug, Clone)]
                pub struct ListLeads<'a> {
                    client: &'a super::Client,
                    cursor: Result<Option<::std::string::String>, String>,
                }
                impl<'a> ListLeads<'a> {
                    ///Sends a `GET` request to `/leads`
                    pub async fn send(self) -> Result<ResponseValue<types::LeadList>, Error<()>> { todo!() }
                }
            }
        }
    }

    fn paginated(op: &str, path: &str, items: &str, style: Style) -> Paginated {
        Paginated {
            pointer: String::new(),
            operation_id: op.into(),
            path: path.into(),
            items: vec![items.into()],
            style,
            declared: false,
            limit_default: Some(100),
            limit_max: Some(1000),
            first_page: 1,
        }
    }

    fn squash(file: &syn::File) -> String {
        // Without the trailing commas prettyplease adds to broken lines.
        prettyplease::unparse(file).replace([' ', '\n'], "").replace(",)", ")").replace(",>", ">")
    }

    #[test]
    fn offset_stream_reads_the_builder_and_the_envelope() {
        let mut file = generated();
        let p = paginated(
            "listCalls",
            "/calls",
            "calls",
            Style::Offset {
                offset: "offset".into(),
                limit: Some("limit".into()),
                total: Some(vec!["pagination".into(), "total".into()]),
            },
        );
        generate_streams(&mut file, &[&p]).unwrap();
        let text = squash(&file);
        for expected in [
            "impl<'a>ListCalls<'a>{",
            "pubfnstream(self)->impl::futures::Stream<Item=::std::result::Result<types::Call,Error<types::ListCallsErrorBody>>>+::std::marker::Send+::std::marker::Unpin+'a",
            "letoffset=request.offset.as_ref().ok().and_then(|v|v.as_ref()).and_then(|v|i64::try_from(*v).ok()).unwrap_or(0);",
            "letlimit:Option<i64>=request.limit.as_ref().ok().and_then(|v|v.as_ref()).and_then(|v|i64::try_from(*v).ok()).or(Some(100i64)).map(|l|l.min(1000i64));",
            "lettotal:Option<i64>=Some(&page).map(|v|&v.pagination).map(|v|&v.total).and_then(|v|i64::try_from(*v).ok());",
            "letitems=Some(page).map(|v|v.calls).unwrap_or_default();",
            "next_offset(offset,items.len(),limit,total).map(|value|request.offset(value));",
        ] {
            assert!(text.contains(expected), "missing {expected}\n{}", prettyplease::unparse(&file));
        }
    }

    #[test]
    fn cursor_stream_follows_renames_and_options() {
        let mut file = generated();
        let p = paginated(
            "listLeads",
            "/leads",
            "leads",
            Style::NextUrl { cursor: "cursor".into(), next: vec!["nextCursor".into()], has_more: None },
        );
        generate_streams(&mut file, &[&p]).unwrap();
        let text = squash(&file);
        for expected in [
            "Item=::std::result::Result<::std::string::String,Error<()>>",
            "letsent:Option<String>=request.cursor.as_ref().ok().and_then(|v|v.as_ref()).map(|v|v.to_string());",
            "::agentdial_core::pagination::query_value((Some(&page).and_then(|v|v.next_cursor.as_ref()).cloned()).as_deref(),\"cursor\")",
            "next_cursor(sent.as_deref(),next,items.len(),has_more).map(|c|request.cursor(c));",
        ] {
            assert!(text.contains(expected), "missing {expected}\n{}", prettyplease::unparse(&file));
        }
        // Through an optional envelope field.
        let mut file = generated();
        let p = paginated(
            "listLeads",
            "/leads",
            "leads",
            Style::Offset {
                offset: "offset".into(),
                limit: None,
                total: Some(vec!["pagination".into(), "total".into()]),
            },
        );
        let err = format!("{:#}", generate_streams(&mut file, &[&p]).unwrap_err());
        assert!(err.contains("builder `ListLeads` has no field `offset`"), "{err}");
    }

    #[test]
    fn mismatches_are_errors_naming_the_operation() {
        let mut file = generated();
        let p = paginated(
            "listCalls",
            "/calls",
            "pagination",
            Style::Offset { offset: "offset".into(), limit: None, total: None },
        );
        let err = format!("{:#}", generate_streams(&mut file, &[&p]).unwrap_err());
        assert!(err.contains("`listCalls` (GET /calls)") && err.contains("not a `Vec`"), "{err}");
        let p = paginated(
            "listCalls",
            "/calls",
            "calls",
            Style::Offset { offset: "cursor".into(), limit: None, total: None },
        );
        let err = format!("{:#}", generate_streams(&mut file, &[&p]).unwrap_err());
        assert!(err.contains("not an integer"), "{err}");
        let p = paginated(
            "x",
            "/nowhere",
            "calls",
            Style::Offset { offset: "offset".into(), limit: None, total: None },
        );
        let err = format!("{:#}", generate_streams(&mut file, &[&p]).unwrap_err());
        assert!(err.contains("Sends a `GET` request to `/nowhere`"), "{err}");
        // Nothing to do leaves the code alone.
        let before = squash(&file);
        generate_streams(&mut file, &[]).unwrap();
        assert_eq!(squash(&file), before);
    }

    /// The rules over public documents of other platforms (not in the manifest): run with
    /// `cargo test -p agentdial-build-support corpus_table -- --ignored --nocapture`; the directory
    /// is `AGENTDIAL_CORPUS`, else `../shared/corpus` next to the workspace.
    #[test]
    #[ignore = "reads documents outside the repository"]
    fn corpus_table() {
        let dir = std::env::var_os("AGENTDIAL_CORPUS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        println!("| document | operation | GET path | recognized as |\n|---|---|---|---|");
        let mut counts = Vec::new();
        for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "json" || e == "yaml")) {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let loaded = crate::load_spec(file, None).unwrap();
            let mut document = loaded.document.clone();
            let mut report = crate::Report::default();
            let note = match crate::transform(&mut document, &[], &mut report) {
                Ok(()) => "",
                Err(_) => {
                    document = loaded.document.clone();
                    " (untransformed: the transformations refuse it)"
                }
            };
            let findings = infer(&document, &[]).unwrap();
            let recognized = super::paginated(&findings).len();
            for f in &findings {
                match f {
                    Finding::Paginated(p) => {
                        println!("| {name}{note} | `{}` | `{}` | {} |", p.operation_id, p.path, p.style)
                    }
                    Finding::NotRecognized { operation_id, path, reason, .. } => {
                        println!("| {name}{note} | `{operation_id}` | `{path}` | no: {reason} |")
                    }
                }
            }
            counts.push(format!(
                "{name}: {recognized} recognized of {} list-like GET operations",
                findings.len()
            ));
        }
        println!();
        for c in counts {
            println!("{c}");
        }
    }
}
