//! Round-trip fidelity: values generated from a schema of the (transformed) document, and the check
//! that decoding one into its generated type and serializing it back gives the value that was sent.
//!
//! # What "lossless" means here
//!
//! `serde_json::to_value(decode(x)) == x` after [`normalize`] on both sides, which is the only
//! normalization applied:
//! 1. an object member whose value is `null`, `[]` or `{}` is the same as an absent member (an
//!    optional field that is `None`, or an optional list or map that is empty, is left out when
//!    serialized);
//! 2. numbers compare by value: `1`, `1.0` and `1e0` are equal (`number` fields are `f64`);
//! 3. a string that is an RFC 3339 date-time stands for its instant, written in UTC the way chrono
//!    writes it: `2026-01-07T10:00:00.000+01:00` and `2026-01-07T09:00:00Z` are equal (`date-time`
//!    fields are `chrono::DateTime<Utc>`).
//!
//! Anything else that differs (a dropped or added member, another string, another array length, a
//! number that changed value) is a failure, reported with the JSON pointer where it happens.
//!
//! # The generator
//!
//! [`ValueGenerator`] turns a schema of an OpenAPI 3.0 document into a proptest strategy producing
//! values the schema accepts. It follows `type`, `enum`, `required`, `properties`,
//! `additionalProperties`, `items`, `nullable`, `oneOf`/`anyOf` (with `discriminator`), `allOf`
//! (merged), `$ref` (after `ref_depth` references it produces only what is required: no optional
//! members, the fewest items, `null` where allowed), `format` (`date-time`, `date`, `time`, `uuid`,
//! `email`, `uri`, `hostname`, `ipv4`, `ipv6`, `byte`, the integer widths), `pattern`,
//! `minLength`/`maxLength`, `minItems`/`maxItems`, `minimum`/`maximum` (and the 3.0 boolean
//! `exclusiveMinimum`/`exclusiveMaximum`).
//!
//! It invents object members only where the schema allows them explicitly (`additionalProperties`
//! given, or an object with no `properties` at all): the generated types keep exactly those.

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Just, Union};
use serde_json::{Map, Number, Value};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// How many `$ref`s a generated value follows before it only fills in what is required.
pub const DEFAULT_REF_DEPTH: usize = 3;

/// References followed along one path at most (also in the required-only mode); beyond this, the
/// schema requires an infinitely deep value.
const MAX_HOPS: usize = 48;

/// A schema the generator cannot produce values for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenError {
    /// JSON pointer of the schema at fault.
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

impl std::error::Error for GenError {}

fn err<T>(pointer: &str, message: impl Into<String>) -> Result<T, GenError> {
    Err(GenError { pointer: pointer.to_owned(), message: message.into() })
}

#[derive(Debug, Clone, Copy)]
struct Ctx {
    refs_left: usize,
    /// Past the reference depth: only required members, fewest items, `null` where allowed.
    minimal: bool,
    hops: usize,
}

/// Builds proptest strategies for the schemas of one document.
pub struct ValueGenerator<'d> {
    doc: &'d Value,
    ref_depth: usize,
    overrides: HashMap<String, Value>,
    cache: RefCell<HashMap<(String, usize, bool), BoxedStrategy<Value>>>,
}

impl<'d> ValueGenerator<'d> {
    pub fn new(doc: &'d Value) -> Self {
        Self::with_ref_depth(doc, DEFAULT_REF_DEPTH)
    }

    pub fn with_ref_depth(doc: &'d Value, ref_depth: usize) -> Self {
        ValueGenerator { doc, ref_depth, overrides: HashMap::new(), cache: RefCell::new(HashMap::new()) }
    }

    /// Values at `pointer` (a schema of the document, reached through a `$ref` or nested) come from
    /// `schema` instead of the document's own.
    pub fn with_override(mut self, pointer: &str, schema: Value) -> Self {
        self.overrides.insert(pointer.to_owned(), schema);
        self.cache.borrow_mut().clear();
        self
    }

    /// The document the schemas come from.
    pub fn doc(&self) -> &'d Value {
        self.doc
    }

    /// Values of the component schema `name`.
    pub fn component(&self, name: &str) -> Result<BoxedStrategy<Value>, GenError> {
        self.schema_at(&format!("/components/schemas/{}", escape(name)))
    }

    /// Values of the schema at a JSON pointer of the document.
    pub fn schema_at(&self, pointer: &str) -> Result<BoxedStrategy<Value>, GenError> {
        let Some(schema) = self.doc.pointer(pointer) else {
            return err(pointer, "no schema at this pointer");
        };
        self.schema(pointer, schema)
    }

    /// Values of `schema` (found at `pointer`, used in errors; its `$ref`s resolve in the document).
    pub fn schema(&self, pointer: &str, schema: &Value) -> Result<BoxedStrategy<Value>, GenError> {
        self.build(pointer, schema, Ctx { refs_left: self.ref_depth, minimal: false, hops: 0 })
    }

    fn resolve(&self, from: &str, reference: &str) -> Result<(String, &'d Value), GenError> {
        let Some(ptr) = reference.strip_prefix('#') else {
            return err(from, format!("external reference {reference:?}"));
        };
        match self.doc.pointer(ptr) {
            Some(v) => Ok((ptr.to_owned(), v)),
            None => err(from, format!("{reference:?} resolves to nothing")),
        }
    }

    fn build(&self, ptr: &str, schema: &Value, ctx: Ctx) -> Result<BoxedStrategy<Value>, GenError> {
        let schema = self.overrides.get(ptr).unwrap_or(schema);
        if let Value::Bool(b) = schema {
            return if *b { Ok(any_json(ctx.minimal)) } else { err(ptr, "schema `false` accepts no value") };
        }
        let Some(obj) = schema.as_object() else { return err(ptr, "a schema must be an object") };
        if let Some(reference) = obj.get("$ref").and_then(Value::as_str) {
            let next = hop(ptr, reference, ctx)?;
            let (target_ptr, target) = self.resolve(ptr, reference)?;
            let key = (reference.to_owned(), next.refs_left, next.minimal);
            if let Some(s) = self.cache.borrow().get(&key) {
                return Ok(s.clone());
            }
            let s = self.build(&target_ptr, target, next)?;
            self.cache.borrow_mut().insert(key, s.clone());
            return Ok(s);
        }
        if let Some(members) = obj.get("allOf").and_then(Value::as_array) {
            // Merging inlines the referenced members: that counts as following their references.
            let mut next = ctx;
            if let Some(reference) = members.iter().find_map(|m| m.get("$ref").and_then(Value::as_str)) {
                next = hop(ptr, reference, ctx)?;
                if next.minimal && obj.get("nullable").and_then(Value::as_bool).unwrap_or(false) {
                    return Ok(Just(Value::Null).boxed());
                }
            }
            let merged = self.merge_all_of(ptr, schema, 0)?;
            return self.build(ptr, &merged, next);
        }
        let nullable = obj.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        if nullable && ctx.minimal {
            return Ok(Just(Value::Null).boxed());
        }
        let inner = self.build_non_null(ptr, obj, ctx)?;
        Ok(if nullable { prop_oneof![1 => Just(Value::Null), 4 => inner].boxed() } else { inner })
    }

    /// One schema from `allOf`: the members' properties and `required` united, other keywords taken
    /// from the first member that has them; `nullable` is the outer schema's (OpenAPI 3.0's
    /// `{nullable: true, allOf: [$ref]}`).
    fn merge_all_of(&self, ptr: &str, schema: &Value, depth: usize) -> Result<Value, GenError> {
        if depth > 16 {
            return err(ptr, "allOf nests or recurses too deeply to merge");
        }
        let mut out = schema.as_object().cloned().unwrap_or_default();
        let members = out.remove("allOf").and_then(|v| v.as_array().cloned()).unwrap_or_default();
        for (i, member) in members.iter().enumerate() {
            let mptr = format!("{ptr}/allOf/{i}");
            let mut member = member.clone();
            let mut member_ptr = mptr.clone();
            let mut hops = 0;
            while let Some(reference) = member.get("$ref").and_then(Value::as_str) {
                hops += 1;
                if hops > 16 {
                    return err(&mptr, "reference chain too long");
                }
                let (p, target) = self.resolve(&member_ptr, reference)?;
                member_ptr = p;
                member = target.clone();
            }
            if member.get("allOf").is_some() {
                member = self.merge_all_of(&member_ptr, &member, depth + 1)?;
            }
            let Value::Object(m) = member else { return err(&mptr, "allOf member is not an object schema") };
            for (k, v) in m {
                match k.as_str() {
                    "properties" => {
                        let props = out.entry("properties").or_insert_with(|| Value::Object(Map::new()));
                        let Some(props) = props.as_object_mut() else {
                            return err(ptr, "properties is not an object");
                        };
                        for (name, sub) in v.as_object().cloned().unwrap_or_default() {
                            match props.get(&name) {
                                Some(existing) if *existing != sub => {
                                    let both = serde_json::json!({"allOf": [existing.clone(), sub]});
                                    props.insert(name, both);
                                }
                                Some(_) => {}
                                None => {
                                    props.insert(name, sub);
                                }
                            }
                        }
                    }
                    "required" => {
                        let req = out.entry("required").or_insert_with(|| Value::Array(Vec::new()));
                        if let (Some(req), Some(add)) = (req.as_array_mut(), v.as_array()) {
                            for name in add {
                                if !req.contains(name) {
                                    req.push(name.clone());
                                }
                            }
                        }
                    }
                    "nullable" | "description" | "example" | "title" | "deprecated" | "readOnly"
                    | "writeOnly" => {}
                    _ => {
                        out.entry(k).or_insert(v);
                    }
                }
            }
        }
        Ok(Value::Object(out))
    }

    fn build_non_null(
        &self,
        ptr: &str,
        obj: &Map<String, Value>,
        ctx: Ctx,
    ) -> Result<BoxedStrategy<Value>, GenError> {
        for key in ["oneOf", "anyOf"] {
            if let Some(members) = obj.get(key).and_then(Value::as_array) {
                return self.union(ptr, key, members, obj.get("discriminator"), ctx);
            }
        }
        if let Some(values) = obj.get("enum").and_then(Value::as_array) {
            let values: Vec<Value> = values.iter().filter(|v| !v.is_null()).cloned().collect();
            if values.is_empty() {
                return err(ptr, "enum has no non-null value");
            }
            return Ok(proptest::sample::select(values).boxed());
        }
        let ty = match obj.get("type") {
            Some(Value::String(t)) => Some(t.as_str()),
            Some(other) => return err(ptr, format!("`type` {other} is not a string (OpenAPI 3.0)")),
            None if obj.contains_key("properties") || obj.contains_key("additionalProperties") => {
                Some("object")
            }
            None if obj.contains_key("items") => Some("array"),
            None => None,
        };
        match ty {
            Some("string") => string(ptr, obj),
            Some("integer") => integer(ptr, obj),
            Some("number") => number(ptr, obj),
            Some("boolean") => Ok(any::<bool>().prop_map(Value::Bool).boxed()),
            Some("array") => self.array(ptr, obj, ctx),
            Some("object") => self.object(ptr, obj, ctx),
            None => Ok(any_json(ctx.minimal)),
            Some(other) => err(ptr, format!("unknown type {other:?}")),
        }
    }

    fn union(
        &self,
        ptr: &str,
        key: &str,
        members: &[Value],
        discriminator: Option<&Value>,
        ctx: Ctx,
    ) -> Result<BoxedStrategy<Value>, GenError> {
        let property =
            discriminator.and_then(|d| d.get("propertyName")).and_then(Value::as_str).map(str::to_owned);
        let mapping = discriminator
            .and_then(|d| d.get("mapping"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut strategies = Vec::new();
        let mut first_error = None;
        for (i, member) in members.iter().enumerate() {
            let mptr = format!("{ptr}/{key}/{i}");
            let s = match self.build(&mptr, member, ctx) {
                Ok(s) => s,
                Err(e) if ctx.minimal => {
                    first_error.get_or_insert(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            // With a discriminator, the member's tag is its mapping key (else its component name).
            let tag_values: Vec<String> = match (&property, member.get("$ref").and_then(Value::as_str)) {
                (Some(_), Some(reference)) => {
                    let keys: Vec<String> = mapping
                        .iter()
                        .filter(|(_, v)| v.as_str() == Some(reference))
                        .map(|(k, _)| k.clone())
                        .collect();
                    if keys.is_empty() {
                        reference.rsplit('/').next().map(|n| vec![n.to_owned()]).unwrap_or_default()
                    } else {
                        keys
                    }
                }
                _ => Vec::new(),
            };
            let s = match property.clone() {
                Some(prop) if !tag_values.is_empty() && !self.member_fixes_property(member, &prop) => {
                    (s, proptest::sample::select(tag_values))
                        .prop_map(move |(mut v, tag)| {
                            if let Value::Object(m) = &mut v {
                                m.insert(prop.clone(), Value::String(tag));
                            }
                            v
                        })
                        .boxed()
                }
                _ => s,
            };
            strategies.push(s);
            if ctx.minimal {
                break;
            }
        }
        match (strategies.is_empty(), first_error) {
            (true, Some(e)) => Err(e),
            (true, None) => err(ptr, format!("{key} has no member")),
            _ => Ok(Union::new(strategies).boxed()),
        }
    }

    /// Whether the (referenced) member already restricts `property` to an `enum`.
    fn member_fixes_property(&self, member: &Value, property: &str) -> bool {
        let mut m = member;
        for _ in 0..16 {
            match m
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|p| self.doc.pointer(p))
            {
                Some(target) => m = target,
                None => break,
            }
        }
        let mut prop = m.pointer(&format!("/properties/{}", escape(property)));
        for _ in 0..16 {
            match prop
                .and_then(|p| p.get("$ref"))
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|p| self.doc.pointer(p))
            {
                Some(target) => prop = Some(target),
                None => break,
            }
        }
        prop.is_some_and(|p| p.get("enum").is_some())
    }

    fn array(&self, ptr: &str, obj: &Map<String, Value>, ctx: Ctx) -> Result<BoxedStrategy<Value>, GenError> {
        let min = obj.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = obj.get("maxItems").and_then(Value::as_u64).map(|m| m as usize).unwrap_or(min + 3);
        if max < min {
            return err(ptr, "maxItems < minItems");
        }
        let items = match obj.get("items") {
            Some(items) => self.build(&format!("{ptr}/items"), items, ctx)?,
            None => any_json(true),
        };
        let range = if ctx.minimal { min..=min } else { min..=max };
        let unique = obj.get("uniqueItems").and_then(Value::as_bool).unwrap_or(false);
        let s = proptest::collection::vec(items, range).prop_map(Value::Array);
        Ok(if unique {
            s.prop_filter("uniqueItems", |v| {
                let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
                items.iter().enumerate().all(|(i, a)| items[..i].iter().all(|b| normalize(a) != normalize(b)))
            })
            .boxed()
        } else {
            s.boxed()
        })
    }

    fn object(
        &self,
        ptr: &str,
        obj: &Map<String, Value>,
        ctx: Ctx,
    ) -> Result<BoxedStrategy<Value>, GenError> {
        let required: BTreeSet<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let props = obj.get("properties").and_then(Value::as_object);
        let mut members: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
        let mut names = BTreeSet::new();
        for (name, sub) in props.into_iter().flatten() {
            names.insert(name.clone());
            let is_required = required.contains(name.as_str());
            if ctx.minimal && !is_required {
                continue;
            }
            let s = self.build(&format!("{ptr}/properties/{}", escape(name)), sub, ctx)?;
            let n = name.clone();
            members.push(if is_required {
                s.prop_map(move |v| Some((n.clone(), v))).boxed()
            } else {
                proptest::option::weighted(0.6, s.prop_map(move |v| (n.clone(), v))).boxed()
            });
        }
        for name in &required {
            if !names.contains(*name) {
                return err(ptr, format!("required property {name:?} has no schema"));
            }
        }
        let extra_values = match obj.get("additionalProperties") {
            Some(Value::Bool(false)) => None,
            Some(Value::Bool(true)) => Some(any_json(false)),
            Some(schema) => Some(self.build(&format!("{ptr}/additionalProperties"), schema, ctx)?),
            // A free-form object (`type: object` and nothing else) keeps whatever it is given.
            None if props.is_none_or(Map::is_empty) => Some(any_json(false)),
            None => None,
        };
        let extras: BoxedStrategy<Vec<(String, Value)>> = match extra_values {
            Some(values) if !ctx.minimal => {
                let taken = names.clone();
                proptest::collection::vec(
                    (
                        "[a-z][a-z0-9_]{0,11}"
                            .prop_filter("not a declared property", move |k| !taken.contains(k)),
                        values,
                    ),
                    0..=3,
                )
                .boxed()
            }
            _ => Just(Vec::new()).boxed(),
        };
        Ok((members, extras)
            .prop_map(|(members, extras)| {
                let mut m = Map::new();
                for (k, v) in members.into_iter().flatten() {
                    m.insert(k, v);
                }
                for (k, v) in extras {
                    m.entry(k).or_insert(v);
                }
                Value::Object(m)
            })
            .boxed())
    }
}

/// The context after following `reference`: one reference less before the required-only mode.
fn hop(ptr: &str, reference: &str, ctx: Ctx) -> Result<Ctx, GenError> {
    if ctx.hops >= MAX_HOPS {
        return err(ptr, format!("required members recurse through {reference:?} without end"));
    }
    Ok(if ctx.refs_left == 0 {
        Ctx { refs_left: 0, minimal: true, hops: ctx.hops + 1 }
    } else {
        Ctx { refs_left: ctx.refs_left - 1, minimal: ctx.minimal, hops: ctx.hops + 1 }
    })
}

/// `~` and `/` escaped for a JSON pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Any JSON value, small and at most two levels deep (`minimal`: a scalar).
pub fn any_json(minimal: bool) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1000i64..1000).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1.0e6f64..1.0e6).prop_map(Value::from),
        "[a-zA-Z0-9 _.-]{0,12}".prop_map(Value::String),
        "\\PC{0,8}".prop_map(Value::String),
    ];
    if minimal {
        return leaf.boxed();
    }
    leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..=3).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z][a-z0-9_]{0,7}", inner, 0..=3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

fn string(ptr: &str, obj: &Map<String, Value>) -> Result<BoxedStrategy<Value>, GenError> {
    let min = obj.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = obj.get("maxLength").and_then(Value::as_u64).map(|m| m as usize);
    if max.is_some_and(|max| max < min) {
        return err(ptr, "maxLength < minLength");
    }
    let pattern = obj.get("pattern").and_then(Value::as_str);
    let format = obj.get("format").and_then(Value::as_str);
    let base: BoxedStrategy<String> = if let Some(pattern) = pattern {
        pattern_strategy(pattern)
            .map_err(|message| GenError { pointer: format!("{ptr}/pattern"), message })?
    } else {
        match format {
            Some("date-time") => date_time(),
            Some("date") => date().prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")).boxed(),
            Some("time") => {
                (0u32..24, 0u32..60, 0u32..60).prop_map(|(h, m, s)| format!("{h:02}:{m:02}:{s:02}")).boxed()
            }
            Some("uuid") => any::<[u8; 16]>().prop_map(|b| uuid_text(&b)).boxed(),
            Some("email") => regex("[a-z0-9]{1,10}(\\.[a-z0-9]{1,6})?@[a-z][a-z0-9]{0,9}\\.(com|nl|example)"),
            Some("uri") | Some("url") => regex("https://[a-z][a-z0-9]{0,9}\\.example(/[a-z0-9_-]{1,8}){0,3}"),
            Some("hostname") => regex("[a-z][a-z0-9]{0,9}(\\.[a-z][a-z0-9]{0,9}){0,2}\\.example"),
            Some("ipv4") => {
                any::<[u8; 4]>().prop_map(|b| format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])).boxed()
            }
            Some("ipv6") => any::<[u16; 8]>().prop_map(|w| std::net::Ipv6Addr::from(w).to_string()).boxed(),
            Some("byte") => proptest::collection::vec(any::<u8>(), 0..24).prop_map(|b| base64(&b)).boxed(),
            _ => {
                let hi = max.unwrap_or(min + 24);
                prop_oneof![
                    4 => regex(&format!("[a-zA-Z0-9 _.,:/+-]{{{min},{hi}}}")),
                    1 => regex(&format!("\\PC{{{min},{hi}}}")),
                ]
                .boxed()
            }
        }
    };
    let bounded = pattern.is_some() || format.is_some();
    let s = if bounded && (min > 0 || max.is_some()) {
        base.prop_filter("minLength/maxLength", move |s| {
            let n = s.chars().count();
            n >= min && max.is_none_or(|max| n <= max)
        })
        .boxed()
    } else {
        base
    };
    Ok(s.prop_map(Value::String).boxed())
}

fn regex(re: &str) -> BoxedStrategy<String> {
    proptest::string::string_regex(re).unwrap_or_else(|e| panic!("generator regex {re:?}: {e}")).boxed()
}

/// Strings matching a schema `pattern` (ECMAScript, unanchored): `\d`, `\w`, `\s` are ASCII as in
/// ECMAScript, and the `^`/`$` anchors are dropped (a generated string is the whole match).
pub fn pattern_strategy(pattern: &str) -> Result<BoxedStrategy<String>, String> {
    let translated = ecma_classes(pattern);
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(&translated)
        .map_err(|e| format!("pattern {pattern:?}: {e}"))?;
    let hir = strip_anchors(hir)
        .ok_or_else(|| format!("pattern {pattern:?}: only ^ and $ anchors are supported"))?;
    let s = proptest::string::string_regex_parsed(&hir).map_err(|e| format!("pattern {pattern:?}: {e}"))?;
    Ok(s.boxed())
}

fn ecma_classes(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d') => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                Some('w') => out.push_str(if in_class { "A-Za-z0-9_" } else { "[A-Za-z0-9_]" }),
                Some('s') => {
                    out.push_str(if in_class { " \\t\\n\\r\\x0B\\x0C" } else { "[ \\t\\n\\r\\x0B\\x0C]" })
                }
                Some('D') if !in_class => out.push_str("[^0-9]"),
                Some('W') if !in_class => out.push_str("[^A-Za-z0-9_]"),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` right after `[` or `[^` is a literal in ECMAScript only when escaped; keep as is.
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Removes start/end anchors at the edges of the expression (and of each top-level alternative).
fn strip_anchors(hir: regex_syntax::hir::Hir) -> Option<regex_syntax::hir::Hir> {
    use regex_syntax::hir::{Hir, HirKind, Look};
    let is_edge =
        |h: &Hir| matches!(h.kind(), HirKind::Look(Look::Start | Look::End | Look::StartLF | Look::EndLF));
    let has_look = |h: &Hir| !h.properties().look_set().is_empty();
    match hir.kind() {
        HirKind::Look(Look::Start | Look::End | Look::StartLF | Look::EndLF) => Some(Hir::empty()),
        HirKind::Concat(parts) => {
            let mut parts: Vec<Hir> = parts.to_vec();
            while parts.first().is_some_and(is_edge) {
                parts.remove(0);
            }
            while parts.last().is_some_and(is_edge) {
                parts.pop();
            }
            if parts.iter().any(has_look) {
                // Anchors inside groups: only a group that is itself an anchored concat is handled.
                let parts: Option<Vec<Hir>> =
                    parts.into_iter().map(|p| if has_look(&p) { strip_group(p) } else { Some(p) }).collect();
                return parts.map(Hir::concat);
            }
            Some(Hir::concat(parts))
        }
        HirKind::Alternation(alts) => {
            alts.iter().cloned().map(strip_anchors).collect::<Option<Vec<_>>>().map(Hir::alternation)
        }
        HirKind::Capture(_) => strip_group(hir),
        _ if has_look(&hir) => None,
        _ => Some(hir),
    }
}

fn strip_group(hir: regex_syntax::hir::Hir) -> Option<regex_syntax::hir::Hir> {
    use regex_syntax::hir::{Capture, Hir, HirKind};
    match hir.kind() {
        HirKind::Capture(c) => {
            let sub = strip_anchors((*c.sub).clone())?;
            Some(Hir::capture(Capture { index: c.index, name: c.name.clone(), sub: Box::new(sub) }))
        }
        _ => strip_anchors(hir),
    }
}

fn date() -> impl Strategy<Value = (u32, u32, u32)> {
    (1970u32..2100, 1u32..=12, 1u32..=28)
}

/// RFC 3339 date-times in the spellings servers use: `Z` or an offset, 0, 3, 6 or 9 fractional digits.
fn date_time() -> BoxedStrategy<String> {
    let frac = prop_oneof![
        2 => Just(String::new()),
        1 => (0u32..1000).prop_map(|n| format!(".{n:03}")),
        1 => (0u32..1_000_000).prop_map(|n| format!(".{n:06}")),
        1 => (0u32..1_000_000_000).prop_map(|n| format!(".{n:09}")),
    ];
    let offset = prop_oneof![
        3 => Just("Z".to_owned()),
        1 => (prop::bool::ANY, 0u32..15, prop::sample::select(vec![0u32, 30, 45])).prop_map(|(neg, h, m)| format!("{}{h:02}:{m:02}", if neg { '-' } else { '+' })),
    ];
    (date(), 0u32..24, 0u32..60, 0u32..60, frac, offset)
        .prop_map(|((y, mo, d), h, mi, s, frac, off)| {
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{off}")
        })
        .boxed()
}

fn uuid_text(b: &[u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn bound(obj: &Map<String, Value>, key: &str, exclusive: &str) -> Option<(f64, bool)> {
    let v = obj.get(key)?.as_f64()?;
    Some((v, obj.get(exclusive).and_then(Value::as_bool).unwrap_or(false)))
}

fn integer(ptr: &str, obj: &Map<String, Value>) -> Result<BoxedStrategy<Value>, GenError> {
    let (type_min, type_max) = match obj.get("format").and_then(Value::as_str) {
        Some("int32" | "int") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        Some("int8") => (i64::from(i8::MIN), i64::from(i8::MAX)),
        Some("int16") => (i64::from(i16::MIN), i64::from(i16::MAX)),
        Some("uint8") => (0, i64::from(u8::MAX)),
        Some("uint16") => (0, i64::from(u16::MAX)),
        Some("uint32" | "uint") => (0, i64::from(u32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let lo = match bound(obj, "minimum", "exclusiveMinimum") {
        Some((v, excl)) => (if excl { v.floor() + 1.0 } else { v.ceil() }).max(type_min as f64) as i64,
        None => type_min,
    };
    let hi = match bound(obj, "maximum", "exclusiveMaximum") {
        Some((v, excl)) => (if excl { v.ceil() - 1.0 } else { v.floor() }).min(type_max as f64) as i64,
        None => type_max,
    };
    if hi < lo {
        return err(ptr, "no integer lies between minimum and maximum");
    }
    let small_lo = lo.max(-1000);
    let small_hi = hi.min(1000);
    let mut options: Vec<BoxedStrategy<i64>> = vec![(lo..=hi).boxed(), Just(lo).boxed(), Just(hi).boxed()];
    if small_lo <= small_hi {
        options.push((small_lo..=small_hi).boxed());
        options.push((small_lo..=small_hi).boxed());
    }
    Ok(Union::new(options).prop_map(Value::from).boxed())
}

fn number(ptr: &str, obj: &Map<String, Value>) -> Result<BoxedStrategy<Value>, GenError> {
    // `format: float` gets decimals too: a server keeping single-precision values still writes
    // `0.87`, not the binary value's full expansion.
    let lo = bound(obj, "minimum", "exclusiveMinimum");
    let hi = bound(obj, "maximum", "exclusiveMaximum");
    let (lo_v, hi_v) = (lo.map_or(-1.0e9, |b| b.0), hi.map_or(1.0e9, |b| b.0));
    if hi_v < lo_v {
        return err(ptr, "maximum < minimum");
    }
    let ok = move |x: &f64| {
        x.is_finite()
            && lo.is_none_or(|(v, excl)| if excl { *x > v } else { *x >= v })
            && hi.is_none_or(|(v, excl)| if excl { *x < v } else { *x <= v })
    };
    let mut options: Vec<BoxedStrategy<f64>> = vec![
        // Decimals as people write them (0.05, 12.5) and whole numbers.
        (0u32..=1000)
            .prop_map(move |k| lo_v + (hi_v - lo_v) * f64::from(k) / 1000.0)
            .prop_map(|x| (x * 100.0).round() / 100.0)
            .boxed(),
        (lo_v..=hi_v).boxed(),
        Just(lo_v).boxed(),
        Just(hi_v).boxed(),
    ];
    if lo.is_none() && hi.is_none() {
        options.push(any::<f64>().boxed());
        options.push((-1000i32..1000).prop_map(f64::from).boxed());
    }
    Ok(Union::new(options)
        .prop_filter("within bounds and finite", ok)
        .prop_filter_map("a JSON number", |x| Number::from_f64(x).map(Value::Number))
        .boxed())
}

// ------------------------------------------------------------------------------------------------
// Normalization and comparison
// ------------------------------------------------------------------------------------------------

/// The one normalization of "lossless" (see the module documentation): `null`, `[]` and `{}`
/// object members removed, numbers compared by value, RFC 3339 date-times as UTC instants.
pub fn normalize(value: &Value) -> Value {
    match value {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let v = normalize(v);
                let empty = match &v {
                    Value::Null => true,
                    Value::Array(a) => a.is_empty(),
                    Value::Object(o) => o.is_empty(),
                    _ => false,
                };
                if !empty {
                    out.insert(k.clone(), v);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        Value::Number(n) => Value::Number(normalize_number(n)),
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => Value::String(
                t.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            ),
            Err(_) => value.clone(),
        },
        other => other.clone(),
    }
}

fn normalize_number(n: &Number) -> Number {
    if n.is_f64()
        && let Some(f) = n.as_f64()
        && f.fract() == 0.0
        && f.abs() < 9.0e15
    {
        return Number::from(f as i64);
    }
    n.clone()
}

/// Where `actual` differs from `expected` (both normalized first), as `pointer: what`; `None` when
/// they are equal. The first difference in document order is reported.
pub fn difference(expected: &Value, actual: &Value) -> Option<String> {
    diff_at("", &normalize(expected), &normalize(actual))
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 { format!("{}…", s.chars().take(160).collect::<String>()) } else { s }
}

fn diff_at(ptr: &str, expected: &Value, actual: &Value) -> Option<String> {
    let here = if ptr.is_empty() { "(root)" } else { ptr };
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{ptr}/{}", escape(k));
                match a.get(k) {
                    None => return Some(format!("{p}: dropped (sent {})", short(ev))),
                    Some(av) => {
                        if let Some(d) = diff_at(&p, ev, av) {
                            return Some(d);
                        }
                    }
                }
            }
            a.iter()
                .find(|(k, _)| !e.contains_key(*k))
                .map(|(k, av)| format!("{ptr}/{}: added (got {})", escape(k), short(av)))
        }
        (Value::Array(e), Value::Array(a)) => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                if let Some(d) = diff_at(&format!("{ptr}/{i}"), ev, av) {
                    return Some(d);
                }
            }
            (e.len() != a.len()).then(|| format!("{here}: {} items sent, {} came back", e.len(), a.len()))
        }
        (e, a) if e == a => None,
        (e, a) => Some(format!("{here}: changed from {} to {}", short(e), short(a))),
    }
}

/// Checks one value of schema `schema` against what `decode` (a crate's `spec::decode_schema`) makes
/// of it; the error names the schema and, for a lossy decode, the JSON pointer.
pub fn check_lossless(
    decode: fn(&str, Value) -> Option<Result<Value, serde_json::Error>>,
    schema: &str,
    value: &Value,
) -> Result<(), String> {
    match decode(schema, value.clone()) {
        None => Err(format!("{schema}: no generated type for this schema")),
        Some(Err(e)) => Err(format!("{schema}: a valid value does not decode: {e}")),
        Some(Ok(back)) => match difference(value, &back) {
            None => Ok(()),
            Some(d) => Err(format!("{schema}: {d}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::{Config, TestRunner};
    use serde_json::json;

    fn sample(doc: &Value, pointer: &str, n: usize) -> Vec<Value> {
        let g = ValueGenerator::new(doc);
        let s = g.schema_at(pointer).unwrap();
        let mut runner =
            TestRunner::new(Config { cases: n as u32, failure_persistence: None, ..Config::default() });
        (0..n).map(|_| s.new_tree(&mut runner).unwrap().current()).collect()
    }

    #[test]
    fn objects_honour_required_properties_and_additional_properties() {
        let doc = json!({"components": {"schemas": {
            "A": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "format": "uuid"}, "n": {"type": "integer", "minimum": 1, "maximum": 3}}},
            "Free": {"type": "object"},
            "Closed": {"type": "object", "additionalProperties": false, "properties": {"x": {"type": "boolean"}}},
            "Map": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 0}}
        }}});
        let values = sample(&doc, "/components/schemas/A", 200);
        assert!(
            values
                .iter()
                .all(|v| v["id"].as_str().is_some_and(|s| s.len() == 36 && s.chars().nth(8) == Some('-')))
        );
        assert!(values.iter().all(|v| v.get("n").is_none_or(|n| (1..=3).contains(&n.as_i64().unwrap()))));
        assert!(values.iter().any(|v| v.get("n").is_some()) && values.iter().any(|v| v.get("n").is_none()));
        assert!(
            values.iter().all(|v| v.as_object().unwrap().keys().all(|k| k == "id" || k == "n")),
            "no invented members"
        );
        assert!(
            sample(&doc, "/components/schemas/Free", 200).iter().any(|v| !v.as_object().unwrap().is_empty())
        );
        assert!(
            sample(&doc, "/components/schemas/Closed", 100).iter().all(|v| v
                .as_object()
                .unwrap()
                .keys()
                .all(|k| k == "x"))
        );
        let maps = sample(&doc, "/components/schemas/Map", 100);
        assert!(maps.iter().any(|v| !v.as_object().unwrap().is_empty()));
        assert!(maps.iter().all(|v| v.as_object().unwrap().values().all(|x| *x == json!(0))));
    }

    #[test]
    fn nullable_enum_arrays_and_formats() {
        let doc = json!({"s": {"type": "object", "required": ["e", "d", "a", "f", "p"], "properties": {
            "e": {"type": "string", "enum": ["a", "b"], "nullable": true},
            "d": {"type": "string", "format": "date-time"},
            "a": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string", "format": "email", "maxLength": 40}},
            "f": {"type": "number", "format": "float", "minimum": 0, "maximum": 1, "exclusiveMaximum": true},
            "p": {"type": "string", "pattern": "^\\+[1-9]\\d{1,14}$"}
        }}});
        let values = sample(&doc, "/s", 300);
        assert!(
            values.iter().any(|v| v["e"].is_null())
                && values.iter().any(|v| v["e"] == "a")
                && values.iter().any(|v| v["e"] == "b")
        );
        for v in &values {
            assert!(chrono::DateTime::parse_from_rfc3339(v["d"].as_str().unwrap()).is_ok(), "{v}");
            let a = v["a"].as_array().unwrap();
            assert!((1..=2).contains(&a.len()) && a.iter().all(|e| e.as_str().unwrap().contains('@')), "{v}");
            let f = v["f"].as_f64().unwrap();
            assert!((0.0..1.0).contains(&f), "{v}");
            let p = v["p"].as_str().unwrap();
            assert!(
                p.starts_with('+')
                    && p.len() >= 3
                    && p.len() <= 16
                    && p[1..].chars().all(|c| c.is_ascii_digit())
                    && !p[1..].starts_with('0'),
                "{p}"
            );
        }
    }

    #[test]
    fn refs_all_of_and_recursion_are_bounded() {
        let doc = json!({"components": {"schemas": {
            "Node": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                "parent": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/Node"}]}
            }},
            "Named": {"allOf": [{"$ref": "#/components/schemas/Node"}, {"type": "object", "required": ["extra"], "properties": {"extra": {"type": "boolean"}}}]}
        }}});
        fn depth(v: &Value) -> usize {
            match v {
                Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
                Value::Array(a) => a.iter().map(depth).max().unwrap_or(0),
                _ => 0,
            }
        }
        let values = sample(&doc, "/components/schemas/Node", 200);
        assert!(values.iter().all(|v| v["name"].is_string() && depth(v) <= DEFAULT_REF_DEPTH + 2), "bounded");
        assert!(
            values.iter().any(|v| v["parent"].is_object()) && values.iter().any(|v| v["parent"].is_null())
        );
        assert!(
            sample(&doc, "/components/schemas/Named", 100)
                .iter()
                .all(|v| v["name"].is_string() && v["extra"].is_boolean())
        );
        let endless =
            json!({"A": {"type": "object", "required": ["a"], "properties": {"a": {"$ref": "#/A"}}}});
        let e =
            ValueGenerator::new(&endless).schema_at("/A").expect_err("an endless required chain is an error");
        assert!(e.message.contains("without end"), "{e}");
    }

    #[test]
    fn one_of_with_a_discriminator_sets_the_tag() {
        let doc = json!({"components": {"schemas": {
            "U": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                  "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}}},
            "Cat": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}, "meow": {"type": "boolean"}}},
            "Dog": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}}}
        }}});
        let values = sample(&doc, "/components/schemas/U", 200);
        assert!(
            values.iter().all(|v| v["kind"] == "cat" || v["kind"] == "Dog"),
            "mapping key, else the schema name"
        );
        assert!(values.iter().any(|v| v["kind"] == "cat") && values.iter().any(|v| v["kind"] == "Dog"));
    }

    #[test]
    fn unsupported_patterns_are_errors_with_the_pointer() {
        let doc = json!({"s": {"type": "string", "pattern": "a\\bb"}});
        let e = ValueGenerator::new(&doc).schema_at("/s").expect_err("word boundaries are refused");
        assert_eq!(e.pointer, "/s/pattern");
        assert!(pattern_strategy("^(a|b)c$").is_ok() && pattern_strategy("[\\d-]+").is_ok());
    }

    #[test]
    fn the_normalization_and_the_difference_pointer() {
        // Equal up to the normalization.
        assert_eq!(
            difference(
                &json!({"a": 1, "b": null, "c": [], "d": {}, "t": "2026-01-07T10:00:00.000+01:00"}),
                &json!({"a": 1.0, "t": "2026-01-07T09:00:00Z"})
            ),
            None
        );
        // A dropped member, an added one, a changed value, a shorter array: each with its pointer.
        assert_eq!(
            difference(&json!({"x": {"y/z": [1, 2]}}), &json!({"x": {}})).unwrap(),
            "/x: dropped (sent {\"y/z\":[1,2]})"
        );
        assert_eq!(
            difference(&json!({"x": {"y/z": [1, 2]}}), &json!({"x": {"y/z": [1]}})).unwrap(),
            "/x/y~1z: 2 items sent, 1 came back"
        );
        assert_eq!(
            difference(&json!({"k": "a"}), &json!({"k": "b"})).unwrap(),
            "/k: changed from \"a\" to \"b\""
        );
        assert_eq!(difference(&json!({}), &json!({"k": 0})).unwrap(), "/k: added (got 0)");
        assert_eq!(
            difference(&json!(0.1), &json!(0.10000000149011612)).unwrap(),
            "(root): changed from 0.1 to 0.10000000149011612"
        );
        // Nulls inside arrays are values, not absences.
        assert!(difference(&json!([null]), &json!([])).is_some());
    }

    #[test]
    fn decimals_parse_to_the_exact_double_they_denote() {
        // serde_json's `float_roundtrip` (workspace Cargo.toml); without it these come back one ulp off.
        for x in [14185.804751511143_f64, -206947.01838908158, 949548.1295082091, 0.1, 1.0e-300] {
            let text = serde_json::to_string(&x).unwrap();
            assert_eq!(serde_json::from_str::<f64>(&text).unwrap().to_bits(), x.to_bits(), "{text}");
        }
    }
}
