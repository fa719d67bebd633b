//! Graceful degradation: what progenitor or typify still cannot generate after the
//! transformations is located by bisection and taken out, never the whole document.
//!
//! - Component schemas are tried first, without operations. A schema at fault is found by
//!   bisection (first with the schemas it references replaced by stubs, which finds faults in the
//!   schema itself cheaply; then with the schemas it references, for faults that need them), and
//!   then narrowed to the subschema at fault. There the smallest repair that works is made: its
//!   `default` dropped (`drop_failing_defaults`), else the subschema becomes any JSON value
//!   (`untype_failing_schemas`: `serde_json::Value`, description kept).
//! - Then operations, each with the schemas it references: one the generator still fails on is
//!   left out of the client (`skip_failing_operations`).
//!
//! Every repair is recorded in the report with its JSON pointer and the generator's error, so it
//! shows in `TRANSFORMATIONS.md`. A failure that cannot be pinned on one schema or operation (one
//! that needs several together) is repaired on the last of them and says which others it needs.

use crate::report::Report;
use crate::visit::{METHODS, join};
use anyhow::{Result, anyhow};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub const DROP_FAILING_DEFAULTS: &str = "drop_failing_defaults";
pub const UNTYPE_FAILING_SCHEMAS: &str = "untype_failing_schemas";
pub const SKIP_FAILING_OPERATIONS: &str = "skip_failing_operations";

/// The degradations with the reason each exists, as the report's table lists them.
pub const DEGRADATIONS: &[(&str, &str)] = &[
    (
        DROP_FAILING_DEFAULTS,
        "a `default` the generator still fails on (found by bisection) is dropped; the field keeps its type",
    ),
    (
        UNTYPE_FAILING_SCHEMAS,
        "a schema the generator still fails on (found by bisection, narrowed to the subschema at fault) becomes any JSON value instead of failing the document",
    ),
    (
        SKIP_FAILING_OPERATIONS,
        "an operation the generator still fails on (found by bisection) is left out of the client instead of failing the document",
    ),
];

/// Tries to generate from a document; `Err` carries the generator's message.
pub trait Attempt {
    fn attempt(&mut self, document: &Value) -> std::result::Result<(), String>;
}

impl<F: FnMut(&Value) -> std::result::Result<(), String>> Attempt for F {
    fn attempt(&mut self, document: &Value) -> std::result::Result<(), String> {
        self(document)
    }
}

/// One line, at most `max` characters (progenitor's messages can be whole `Debug` dumps).
pub fn shorten(message: &str, max: usize) -> String {
    let one_line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max).collect();
    format!("{cut}…")
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Every `$ref` string under `value`.
fn collect_refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    if let Some(r) = v.as_str() {
                        out.insert(r.to_owned());
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// The component schema a reference names, if it names one.
fn schema_name(reference: &str) -> Option<String> {
    reference.strip_prefix("#/components/schemas/").filter(|n| !n.contains('/')).map(unescape)
}

/// The component schemas named by `refs` directly or through other components (responses,
/// parameters, request bodies), without following schemas into schemas.
fn schemas_named(document: &Value, refs: BTreeSet<String>) -> BTreeSet<String> {
    let mut pending: Vec<String> = refs.into_iter().collect();
    let mut seen = BTreeSet::new();
    let mut schemas = BTreeSet::new();
    while let Some(r) = pending.pop() {
        if !seen.insert(r.clone()) {
            continue;
        }
        if let Some(name) = schema_name(&r) {
            schemas.insert(name);
            continue;
        }
        let Some(target) = r.strip_prefix('#').and_then(|p| document.pointer(p)) else { continue };
        let mut found = BTreeSet::new();
        collect_refs(target, &mut found);
        pending.extend(found.into_iter().filter(|f| !seen.contains(f)));
    }
    schemas
}

/// The document split for probing: everything but schemas and paths, the schemas, and which
/// schemas each references.
struct Parts {
    skeleton: Value,
    schemas: Map<String, Value>,
    edges: BTreeMap<String, BTreeSet<String>>,
}

impl Parts {
    fn new(document: &Value) -> Self {
        let mut skeleton = document.clone();
        let schemas = match skeleton.pointer_mut("/components/schemas").map(Value::take) {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        skeleton["paths"] = json!({});
        let edges = schemas
            .iter()
            .map(|(name, schema)| {
                let mut refs = BTreeSet::new();
                collect_refs(schema, &mut refs);
                (name.clone(), refs.iter().filter_map(|r| schema_name(r)).collect())
            })
            .collect();
        Parts { skeleton, schemas, edges }
    }

    /// `roots` and every schema they reach.
    fn closure(&self, roots: impl IntoIterator<Item = String>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut pending: Vec<String> = roots.into_iter().collect();
        while let Some(name) = pending.pop() {
            if self.schemas.contains_key(&name) && out.insert(name.clone()) {
                pending.extend(
                    self.edges.get(&name).into_iter().flatten().filter(|n| !out.contains(*n)).cloned(),
                );
            }
        }
        out
    }

    /// A probe document: `paths`, the named schemas as they are (`replaced` overriding some), and
    /// an empty stub for every other schema they reference.
    fn probe(
        &self,
        paths: Value,
        kept: &BTreeSet<String>,
        replaced: &BTreeMap<String, Value>,
        stub_refs: &BTreeSet<String>,
    ) -> Value {
        let mut doc = self.skeleton.clone();
        doc["paths"] = paths;
        let mut schemas = Map::new();
        for name in kept {
            let schema = replaced.get(name).or_else(|| self.schemas.get(name));
            if let Some(s) = schema {
                schemas.insert(name.clone(), s.clone());
            }
        }
        for name in stub_refs {
            if !schemas.contains_key(name) && self.schemas.contains_key(name) {
                schemas.insert(name.clone(), json!({}));
            }
        }
        match doc.get_mut("components").and_then(Value::as_object_mut) {
            Some(components) => {
                components.insert("schemas".into(), Value::Object(schemas));
            }
            None => doc["components"] = json!({ "schemas": schemas }),
        }
        doc
    }

    /// Schemas referenced by `names` that are not among them.
    fn outside_refs(&self, names: &BTreeSet<String>, replaced: &BTreeMap<String, Value>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for name in names {
            match replaced.get(name) {
                Some(schema) => {
                    let mut refs = BTreeSet::new();
                    collect_refs(schema, &mut refs);
                    out.extend(refs.iter().filter_map(|r| schema_name(r)));
                }
                None => out.extend(self.edges.get(name).into_iter().flatten().cloned()),
            }
        }
        out.retain(|n| !names.contains(n));
        out
    }
}

/// How schemas are probed: alone with stubs for what they reference, or with all of it.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Stubbed,
    Closure,
}

/// Generates `names` (with `replaced` standing in for some of them) and `extra` schemas added under
/// probe names, with stubs for (`Stubbed`) or all of (`Closure`) the schemas they reference.
fn probe_schemas(
    parts: &Parts,
    mode: Mode,
    names: &BTreeSet<String>,
    replaced: &BTreeMap<String, Value>,
    extra: &[Value],
    attempt: &mut dyn Attempt,
) -> Option<String> {
    let mut replaced = replaced.clone();
    let mut names = names.clone();
    for (i, schema) in extra.iter().enumerate() {
        let name = format!("AgentdialProbe{i}");
        names.insert(name.clone());
        replaced.insert(name, schema.clone());
    }
    let outside = parts.outside_refs(&names, &replaced);
    let doc = match mode {
        Mode::Stubbed => parts.probe(json!({}), &names, &replaced, &outside),
        Mode::Closure => {
            let mut all = names.clone();
            all.extend(parts.closure(outside));
            parts.probe(json!({}), &all, &replaced, &BTreeSet::new())
        }
    };
    attempt.attempt(&doc).err()
}

/// A set of items that fails together while each of its halves passes, with the error it gave.
type Inseparable<T> = (Vec<T>, String);

/// Items that fail on their own by bisection; `Err` holds the smallest set found that fails while
/// each of its halves passes.
fn bisect<T: Clone>(
    items: &[T],
    fails: &mut dyn FnMut(&[T]) -> Option<String>,
    known: Option<String>,
) -> std::result::Result<Vec<(T, String)>, Inseparable<T>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let Some(error) = known.or_else(|| fails(items)) else { return Ok(Vec::new()) };
    if items.len() == 1 {
        return Ok(vec![(items[0].clone(), error)]);
    }
    let (a, b) = items.split_at(items.len() / 2);
    let mut found = bisect(a, fails, None)?;
    found.extend(bisect(b, fails, None)?);
    if found.is_empty() {
        return Err((items.to_vec(), error));
    }
    Ok(found)
}

/// Pointer tokens of the direct subschemas of `schema`.
fn children(schema: &Value) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let Some(obj) = schema.as_object() else { return out };
    for key in ["items", "additionalProperties", "not"] {
        if obj.get(key).is_some_and(Value::is_object) {
            out.push(vec![key.to_owned()]);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(items) = obj.get(key).and_then(Value::as_array) {
            out.extend((0..items.len()).map(|i| vec![key.to_owned(), i.to_string()]));
        }
    }
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        out.extend(props.keys().map(|k| vec!["properties".to_owned(), k.clone()]));
    }
    out
}

fn at_mut<'a>(value: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, t| match v {
        Value::Object(m) => m.get_mut(t),
        Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

fn at<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, t| match v {
        Value::Object(m) => m.get(t),
        Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// The schema as any JSON value: `{}` with the description (and nullability) kept.
fn untyped(original: &Value) -> Value {
    let mut out = Map::new();
    for key in ["description", "nullable"] {
        if let Some(v) = original.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    Value::Object(out)
}

/// A repair made inside one component schema, at a path below it.
enum Repair {
    DropDefault(Vec<String>),
    Untype(Vec<String>),
}

/// Narrows a schema that fails to the subschemas at fault and repairs them in place: children
/// that fail on their own (found by bisection) are narrowed first; if the schema still fails, its
/// `default` is dropped when that is enough, else it becomes any JSON value.
fn narrow(
    node: &mut Value,
    path: &[String],
    fails: &mut dyn FnMut(&[Value]) -> Option<String>,
    repairs: &mut Vec<Repair>,
) {
    let kids = children(node);
    let failing: Vec<Vec<String>> = {
        let snapshot = &*node;
        let mut fails_kids = |set: &[Vec<String>]| {
            fails(&set.iter().filter_map(|c| at(snapshot, c).cloned()).collect::<Vec<_>>())
        };
        match bisect(&kids, &mut fails_kids, None) {
            Ok(found) => found.into_iter().map(|(c, _)| c).collect(),
            Err(_) => Vec::new(),
        }
    };
    for kid in failing {
        let full: Vec<String> = path.iter().chain(&kid).cloned().collect();
        if let Some(child) = at_mut(node, &kid) {
            narrow(child, &full, fails, repairs);
        }
    }
    if fails(std::slice::from_ref(node)).is_none() {
        return;
    }
    if let Some(obj) = node.as_object()
        && obj.contains_key("default")
    {
        let mut without = obj.clone();
        without.remove("default");
        let without = Value::Object(without);
        if fails(std::slice::from_ref(&without)).is_none() {
            *node = without;
            repairs.push(Repair::DropDefault(path.to_vec()));
            return;
        }
    }
    *node = untyped(node);
    repairs.push(Repair::Untype(path.to_vec()));
}

fn pointer(name: &str, path: &[String]) -> String {
    path.iter().fold(join("/components/schemas", name), |p, t| join(&p, t))
}

/// Repairs the component schemas that fail (per `mode`), each narrowed to the subschemas at
/// fault; returns how many schemas were repaired.
fn repair_schemas(
    document: &mut Value,
    parts: &Parts,
    mode: Mode,
    attempt: &mut dyn Attempt,
    report: &mut Report,
) -> usize {
    let names: Vec<String> = parts.schemas.keys().cloned().collect();
    let none = BTreeMap::new();
    let found = {
        let mut fails =
            |set: &[String]| probe_schemas(parts, mode, &set.iter().cloned().collect(), &none, &[], attempt);
        bisect(&names, &mut fails, None)
    };
    let (culprits, others) = match found {
        Ok(c) => (c, Vec::new()),
        // A failure that needs several schemas: repair the last of them, with the others present.
        Err((set, error)) => {
            let (last, others) = set.split_last().map(|(l, o)| (l.clone(), o.to_vec())).unwrap_or_default();
            (vec![(last, error)], others)
        }
    };
    // With references followed, a culprit may only inherit its failure from another culprit.
    let culprit_names: BTreeSet<&String> = culprits.iter().map(|(n, _)| n).collect();
    let leaves: Vec<&(String, String)> = culprits
        .iter()
        .filter(|(name, _)| {
            mode == Mode::Stubbed
                || !parts.closure([name.clone()]).iter().any(|d| d != name && culprit_names.contains(d))
        })
        .collect();
    let chosen: Vec<&(String, String)> = if leaves.is_empty() { culprits.iter().collect() } else { leaves };
    let present: BTreeSet<String> = others.iter().cloned().collect();
    for (name, error) in &chosen {
        let mut schema = parts.schemas.get(name).cloned().unwrap_or_default();
        let mut repairs = Vec::new();
        let mut fails = |probes: &[Value]| probe_schemas(parts, mode, &present, &none, probes, attempt);
        narrow(&mut schema, &[], &mut fails, &mut repairs);
        if repairs.is_empty() {
            // Fails in place but not as a probe: the schema as a whole.
            schema = untyped(&schema);
            repairs.push(Repair::Untype(Vec::new()));
        }
        let why = if others.is_empty() {
            format!("the generator fails on it ({})", shorten(error, 300))
        } else {
            format!("the generator fails on it together with {} ({})", list(&others), shorten(error, 300))
        };
        for repair in repairs {
            match repair {
                Repair::DropDefault(path) => report.record(
                    DROP_FAILING_DEFAULTS,
                    format!("{}/default", pointer(name, &path)),
                    format!("{why}; its `default` is dropped"),
                ),
                Repair::Untype(path) => report.record(
                    UNTYPE_FAILING_SCHEMAS,
                    pointer(name, &path),
                    format!("{why}; generated as any JSON value (`serde_json::Value`)"),
                ),
            }
        }
        if let Some(slot) = document.pointer_mut(&join("/components/schemas", name)) {
            *slot = schema;
        }
    }
    chosen.len()
}

/// Operation pointers with path and method, in document order.
fn operations(document: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if item.get(method).is_some() {
                    out.push((path.clone(), method.to_owned()));
                }
            }
        }
    }
    out
}

/// `paths` holding only `ops` (with their path items' shared keys).
fn paths_with(document: &Value, ops: &[(String, String)]) -> Value {
    let mut paths = Map::new();
    for (path, method) in ops {
        let Some(item) = document.get("paths").and_then(|p| p.get(path)) else { continue };
        let entry = paths.entry(path.clone()).or_insert_with(|| {
            let shared: Map<String, Value> = item
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| !METHODS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Value::Object(shared)
        });
        if let Some(op) = item.get(method) {
            entry[method.as_str()] = op.clone();
        }
    }
    Value::Object(paths)
}

fn skip_operations(
    document: &mut Value,
    culprits: &[((String, String), String)],
    together: Option<&[(String, String)]>,
    report: &mut Report,
) {
    for ((path, method), err) in culprits {
        let ptr = join(&join("/paths", path), method);
        let id = document
            .pointer(&ptr)
            .and_then(|op| op.get("operationId"))
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned();
        if let Some(item) =
            document.get_mut("paths").and_then(|p| p.get_mut(path)).and_then(Value::as_object_mut)
        {
            item.remove(method);
            if !item.keys().any(|k| METHODS.contains(&k.as_str()))
                && let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut)
            {
                paths.remove(path);
            }
        }
        let with = together
            .map(|others| {
                let named: Vec<String> =
                    others.iter().map(|(p, m)| format!("{} {p}", m.to_uppercase())).collect();
                format!(" together with {}", list(&named))
            })
            .unwrap_or_default();
        report.record(
            SKIP_FAILING_OPERATIONS,
            ptr,
            format!(
                "`{id}` ({} {path}) is not generated: the generator fails on it{with}: {}",
                method.to_uppercase(),
                shorten(err, 300)
            ),
        );
    }
}

/// After `attempt` failed on `document` with `first`, repairs what fails: component schemas
/// (tried without any operation), then operations. Returns `Ok` once `attempt` passes on the
/// repaired document; an error naming what could not be isolated otherwise.
pub fn degrade(
    document: &mut Value,
    first: &str,
    attempt: &mut dyn Attempt,
    report: &mut Report,
) -> Result<()> {
    let limit = document.pointer("/components/schemas").and_then(Value::as_object).map_or(0, Map::len)
        + operations(document).len()
        + 2;
    let mut rounds = 0;
    // 1. Component schemas, without operations: faults in a schema itself, then faults that need
    //    the schemas it references.
    loop {
        let parts = Parts::new(document);
        let all: BTreeSet<String> = parts.schemas.keys().cloned().collect();
        if probe_schemas(&parts, Mode::Closure, &all, &BTreeMap::new(), &[], attempt).is_none() {
            break;
        }
        rounds += 1;
        if rounds > limit {
            return Err(anyhow!(
                "the component schemas still fail after {limit} repairs: {}",
                shorten(first, 500)
            ));
        }
        if repair_schemas(document, &parts, Mode::Stubbed, attempt, report) == 0 {
            repair_schemas(document, &parts, Mode::Closure, attempt, report);
        }
    }
    // 2. Operations: first each with stubs for the schemas it references, then with them.
    loop {
        if attempt.attempt(document).is_ok() {
            return Ok(());
        }
        rounds += 1;
        if rounds > limit {
            return Err(anyhow!("the document still fails after {limit} repairs: {}", shorten(first, 500)));
        }
        let parts = Parts::new(document);
        let ops = operations(document);
        let mut skipped = false;
        for mode in [Mode::Stubbed, Mode::Closure] {
            let found = {
                let doc = &*document;
                let mut fails = |set: &[(String, String)]| {
                    let paths = paths_with(doc, set);
                    let mut refs = BTreeSet::new();
                    collect_refs(&paths, &mut refs);
                    let named = schemas_named(doc, refs);
                    let probe = match mode {
                        Mode::Stubbed => parts.probe(paths, &BTreeSet::new(), &BTreeMap::new(), &named),
                        Mode::Closure => {
                            parts.probe(paths, &parts.closure(named), &BTreeMap::new(), &BTreeSet::new())
                        }
                    };
                    attempt.attempt(&probe).err()
                };
                bisect(&ops, &mut fails, None)
            };
            match found {
                Ok(culprits) if culprits.is_empty() => continue,
                Ok(culprits) => skip_operations(document, &culprits, None, report),
                Err((set, error)) => {
                    let (last, others) =
                        set.split_last().map(|(l, o)| (l.clone(), o.to_vec())).unwrap_or_default();
                    skip_operations(document, &[(last, error)], Some(&others), report);
                }
            }
            skipped = true;
            break;
        }
        if !skipped {
            return Err(anyhow!(
                "the generator fails on the document although it passes on its schemas and on every operation with them: {}",
                shorten(first, 500)
            ));
        }
    }
}

/// Operations whose request and response bodies are all typed: none is a component schema that
/// [`UNTYPE_FAILING_SCHEMAS`] turned entirely into any JSON value.
pub fn typed_operations(document: &Value, report: &Report) -> usize {
    let untyped: BTreeSet<String> = report.of(UNTYPE_FAILING_SCHEMAS).map(|e| e.pointer.clone()).collect();
    let resolve = |v: &Value| -> Value {
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| document.pointer(p))
        {
            Some(target) => target.clone(),
            None => v.clone(),
        }
    };
    let body_is_untyped = |holder: &Value| {
        resolve(holder).get("content").and_then(Value::as_object).is_some_and(|content| {
            content.values().any(|media| {
                media
                    .get("schema")
                    .and_then(|s| s.get("$ref"))
                    .and_then(Value::as_str)
                    .is_some_and(|r| untyped.contains(r.trim_start_matches('#')))
            })
        })
    };
    operations(document)
        .iter()
        .filter(|(path, method)| {
            let Some(op) = document.get("paths").and_then(|p| p.get(path)).and_then(|i| i.get(method)) else {
                return false;
            };
            let request = op.get("requestBody").is_some_and(body_is_untyped);
            let response = op
                .get("responses")
                .and_then(Value::as_object)
                .is_some_and(|r| r.values().any(body_is_untyped));
            !request && !response
        })
        .count()
}

fn list(items: &[String]) -> String {
    let shown: Vec<String> = items.iter().take(8).map(|i| format!("`{i}`")).collect();
    if items.len() > 8 {
        format!("{} and {} more", shown.join(", "), items.len() - 8)
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;

    /// A stand-in generator: fails on anything marked `x-fail` (a local fault), on a property with
    /// `x-needs` whose referenced schema has `x-fragile` (a fault that needs the referenced schema),
    /// and on a `default: bad`.
    fn fake(document: &Value) -> std::result::Result<(), String> {
        let mut found = Vec::new();
        fn walk(doc: &Value, v: &Value, at: &str, found: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if m.contains_key("x-fail") || m.get("default").is_some_and(|d| d == "bad") {
                        found.push(at.to_owned());
                    }
                    if m.contains_key("x-needs")
                        && let Some(target) = m
                            .get("allOf")
                            .and_then(|a| a.get(0))
                            .and_then(|r| r.get("$ref"))
                            .and_then(Value::as_str)
                            .and_then(|r| doc.pointer(&r[1..]))
                        && target.get("x-fragile").is_some()
                    {
                        found.push(at.to_owned());
                    }
                    for (k, v) in m {
                        walk(doc, v, &join(at, k), found);
                    }
                }
                Value::Array(a) => {
                    a.iter().enumerate().for_each(|(i, v)| walk(doc, v, &format!("{at}/{i}"), found))
                }
                _ => {}
            }
        }
        walk(document, document, "", &mut found);
        if found.is_empty() { Ok(()) } else { Err(format!("cannot generate {}", found.join(", "))) }
    }

    const DOC: &str = "openapi: 3.0.3\npaths:\n  /a:\n    get: {operationId: a, responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Uses'}}}}}}\n    post: {operationId: b, x-fail: true, responses: {'200': {description: ok}}}\n  /c:\n    get: {operationId: c, responses: {'200': {description: ok}}}\ncomponents:\n  schemas:\n    Good: {type: string}\n    Fragile: {type: string, x-fragile: true}\n    Bad:\n      type: object\n      description: the bad one\n      properties:\n        x: {type: object, description: kept, properties: {deep: {type: string, x-fail: true}}}\n        y: {type: string}\n        z: {type: string, default: bad}\n    Uses:\n      type: object\n      properties:\n        bad: {$ref: '#/components/schemas/Bad'}\n        good: {$ref: '#/components/schemas/Good'}\n        fragile: {allOf: [{$ref: '#/components/schemas/Fragile'}], x-needs: true}\n";

    #[test]
    fn repairs_the_subschema_at_fault_and_skips_failing_operations() {
        let mut doc = yaml(DOC);
        let mut report = Report::default();
        let first = fake(&doc).unwrap_err();
        degrade(&mut doc, &first, &mut fake, &mut report).unwrap();
        let s = &doc["components"]["schemas"];
        assert_eq!(
            s["Bad"]["properties"]["x"]["properties"]["deep"],
            json!({}),
            "narrowed to the failing property"
        );
        assert_eq!(s["Bad"]["properties"]["x"]["description"], "kept");
        assert!(
            s["Bad"]["properties"]["z"].get("default").is_none(),
            "a failing default is dropped, the type kept"
        );
        assert_eq!(s["Bad"]["properties"]["z"]["type"], "string");
        assert_eq!(s["Uses"]["properties"]["bad"], json!({"$ref": "#/components/schemas/Bad"}));
        assert_eq!(
            s["Uses"]["properties"]["fragile"],
            json!({}),
            "found only with the referenced schema present"
        );
        assert!(doc["paths"]["/a"].get("post").is_none());
        assert!(doc["paths"]["/a"].get("get").is_some() && doc["paths"].get("/c").is_some());
        let of = |t: &'static str| report.of(t).map(|e| e.pointer.clone()).collect::<Vec<_>>();
        assert_eq!(
            of(UNTYPE_FAILING_SCHEMAS),
            [
                "/components/schemas/Bad/properties/x/properties/deep",
                "/components/schemas/Uses/properties/fragile"
            ]
        );
        assert_eq!(of(DROP_FAILING_DEFAULTS), ["/components/schemas/Bad/properties/z/default"]);
        let skipped: Vec<_> = report.of(SKIP_FAILING_OPERATIONS).collect();
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].pointer, "/paths/~1a/post");
        assert!(
            skipped[0].change.contains("`b` (POST /a)") && skipped[0].change.contains("cannot generate"),
            "{}",
            skipped[0].change
        );
        assert_eq!(typed_operations(&doc, &report), 2);
    }

    #[test]
    fn joint_failures_are_repaired_on_the_last_and_name_the_others() {
        // Fails only when both A and B are typed objects.
        let mut together = |d: &Value| {
            let s = d.pointer("/components/schemas").and_then(Value::as_object);
            let typed = |n: &str| s.and_then(|s| s.get(n)).is_some_and(|x| x.get("type").is_some());
            if typed("A") && typed("B") { Err("A and B clash".to_owned()) } else { Ok(()) }
        };
        let mut doc = yaml(
            "openapi: 3.0.3\npaths: {}\ncomponents: {schemas: {A: {type: object}, B: {type: object}}}\n",
        );
        let mut report = Report::default();
        degrade(&mut doc, "A and B clash", &mut together, &mut report).unwrap();
        assert_eq!(doc["components"]["schemas"]["B"], json!({}));
        assert_eq!(doc["components"]["schemas"]["A"], json!({"type": "object"}));
        let entry = report.of(UNTYPE_FAILING_SCHEMAS).next().unwrap();
        assert!(
            entry.change.contains("together with `A`") && entry.change.contains("A and B clash"),
            "{}",
            entry.change
        );

        let mut always = |_: &Value| Err("broken generator".to_owned());
        let mut doc = yaml("openapi: 3.0.3\npaths: {}\ncomponents: {schemas: {A: {type: string}}}\n");
        let err = degrade(&mut doc, "broken generator", &mut always, &mut Report::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("broken generator"), "{err}");
    }

    #[test]
    fn shortens_to_one_line() {
        assert_eq!(shorten("a\n  b   c", 10), "a b c");
        assert_eq!(shorten("abcdefghijkl", 5), "abcde…");
    }
}
