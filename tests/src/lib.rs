//! Helpers shared by the workspace tests: the manifest, each provider's transformed document, and
//! the documented examples found in it.

pub mod prism;
pub mod roundtrip;

use agentdial_build_support::Manifest;

/// The workspace README's Rust examples are compiled as doctests, so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

pub fn manifest() -> Manifest {
    Manifest::load(&root()).expect("specs/providers.toml")
}

/// The provider's document after patches and transformations (what progenitor saw).
pub fn transformed(provider: &str) -> Value {
    let manifest = manifest();
    let p = manifest.provider(provider).expect("provider in manifest");
    agentdial_build_support::generate::prepare(&root(), p).expect("spec transforms").1
}

/// `decode_schema` of each provider crate, by provider name.
pub fn decoder(provider: &str) -> fn(&str, Value) -> Option<Result<Value, serde_json::Error>> {
    match provider {
        "altur" => agentdial_altur::spec::decode_schema,
        "alta" => agentdial_alta::spec::decode_schema,
        "fluents" => agentdial_fluents::spec::decode_schema,
        "hmsovereign" => agentdial_hmsovereign::spec::decode_schema,
        other => panic!("tests/src/lib.rs: no decoder registered for provider {other:?}; add its crate here"),
    }
}

/// One documented value to deserialize into a component type.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The component schema whose Rust type must accept `value`.
    pub schema: String,
    pub value: Value,
    /// Where it comes from (the JSON pointers of the examples it carries).
    pub origin: String,
}

/// Every `example` (and `examples[].value`) in the document, by pointer.
pub fn example_pointers(doc: &Value) -> BTreeSet<String> {
    fn walk(ptr: &str, v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    let p = format!("{ptr}/{}", k.replace('~', "~0").replace('/', "~1"));
                    if k == "example" {
                        out.insert(p);
                    } else if k == "examples" && child.is_object() {
                        for (name, ex) in child.as_object().into_iter().flatten() {
                            if ex.get("value").is_some() {
                                out.insert(format!("{p}/{name}/value"));
                            }
                        }
                    } else if !k.starts_with("x-") {
                        walk(&p, child, out);
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(&format!("{ptr}/{i}"), child, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk("", doc, &mut out);
    out
}

struct Assembler<'a> {
    doc: &'a Value,
    used: BTreeSet<String>,
}

impl Assembler<'_> {
    fn resolve(&self, reference: &str) -> Option<(String, Value)> {
        let ptr = reference.strip_prefix('#')?;
        Some((ptr.to_owned(), self.doc.pointer(ptr)?.clone()))
    }

    /// A value for `schema` built from the examples inside it; minimal values where there are none.
    fn assemble(&mut self, ptr: &str, schema: &Value, depth: usize) -> Value {
        if depth > 12 {
            return Value::Null;
        }
        if let Some(example) = schema.get("example") {
            self.used.insert(format!("{ptr}/example"));
            // Keep walking so nested examples count as covered only when actually exercised elsewhere.
            return example.clone();
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            return match self.resolve(r) {
                Some((p, target)) => self.assemble(&p, &target, depth + 1),
                None => Value::Null,
            };
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            let mut last = Value::Null;
            for (i, member) in all.iter().enumerate() {
                match self.assemble(&format!("{ptr}/allOf/{i}"), member, depth + 1) {
                    Value::Object(m) => merged.extend(m),
                    other => last = other,
                }
            }
            return if merged.is_empty() { last } else { Value::Object(merged) };
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(members) = schema.get(key).and_then(Value::as_array) {
                let pick = members.iter().position(|m| m.get("example").is_some()).unwrap_or(0);
                if let Some(m) = members.get(pick) {
                    return self.assemble(&format!("{ptr}/{key}/{pick}"), m, depth + 1);
                }
            }
        }
        if let Some(first) = schema.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
            return first.clone();
        }
        if let Some(default) = schema.get("default") {
            return default.clone();
        }
        let ty = schema
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(if schema.get("properties").is_some() { "object" } else { "" });
        match ty {
            "object" => {
                let mut obj = Map::new();
                if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                    for (name, prop) in props {
                        let p = format!("{ptr}/properties/{}", name.replace('~', "~0").replace('/', "~1"));
                        obj.insert(name.clone(), self.assemble(&p, prop, depth + 1));
                    }
                }
                Value::Object(obj)
            }
            "array" => match schema.get("items") {
                Some(items) => json!([self.assemble(&format!("{ptr}/items"), items, depth + 1)]),
                None => json!([]),
            },
            "string" => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => json!("2024-01-01T00:00:00Z"),
                Some("date") => json!("2024-01-01"),
                Some("uuid") => json!("00000000-0000-0000-0000-000000000000"),
                Some("ipv4") => json!("127.0.0.1"),
                _ => json!(
                    "x".repeat(schema.get("minLength").and_then(Value::as_u64).unwrap_or(1).max(1) as usize)
                ),
            },
            "integer" => schema.get("minimum").cloned().unwrap_or(json!(1)),
            "number" => schema.get("minimum").cloned().unwrap_or(json!(1.5)),
            "boolean" => json!(true),
            _ => json!({}),
        }
    }
}

/// Every documented example of a document, as values for its component types:
/// - each component schema, assembled from the examples of its properties (recursively), which puts
///   every property example at its real place in a real payload;
/// - each schema-level example of a component on its own;
/// - each media-type example whose schema is a component reference.
///
/// Returns the samples and the example pointers that no sample carries (callers assert it is empty,
/// so an example cannot be skipped silently).
pub fn samples(doc: &Value) -> (Vec<Sample>, BTreeSet<String>) {
    let mut asm = Assembler { doc, used: BTreeSet::new() };
    let mut samples = Vec::new();
    let schemas = doc.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
    for (name, schema) in &schemas {
        let ptr = format!("/components/schemas/{name}");
        // Assemble without the top-level example so the property examples are exercised.
        let mut bare = schema.clone();
        let own = bare.as_object_mut().and_then(|o| o.remove("example"));
        let before = asm.used.clone();
        let value = asm.assemble(&ptr, &bare, 0);
        let carried: Vec<String> = asm.used.difference(&before).cloned().collect();
        samples.push(Sample {
            schema: name.clone(),
            value,
            origin: format!("assembled from {} example(s): {}", carried.len(), carried.join(", ")),
        });
        if let Some(own) = own {
            asm.used.insert(format!("{ptr}/example"));
            samples.push(Sample { schema: name.clone(), value: own, origin: format!("{ptr}/example") });
        }
    }
    // Media-type examples: anywhere a `content` map names a component schema.
    fn media(ptr: &str, v: &Value, out: &mut Vec<(String, String, Value)>) {
        match v {
            Value::Object(m) => {
                if let (Some(schema_ref), true) = (
                    m.get("schema").and_then(|s| s.get("$ref")).and_then(Value::as_str),
                    m.contains_key("example") || m.contains_key("examples"),
                ) && let Some(name) = schema_ref.strip_prefix("#/components/schemas/")
                {
                    if let Some(ex) = m.get("example") {
                        out.push((format!("{ptr}/example"), name.to_owned(), ex.clone()));
                    }
                    for (ex_name, ex) in m.get("examples").and_then(Value::as_object).into_iter().flatten() {
                        if let Some(value) = ex.get("value") {
                            out.push((
                                format!("{ptr}/examples/{ex_name}/value"),
                                name.to_owned(),
                                value.clone(),
                            ));
                        }
                    }
                }
                for (k, child) in m {
                    if k != "example" && k != "examples" {
                        media(&format!("{ptr}/{}", k.replace('~', "~0").replace('/', "~1")), child, out);
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    media(&format!("{ptr}/{i}"), child, out);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    for key in ["paths", "components"] {
        if let Some(v) = doc.get(key) {
            media(&format!("/{key}"), v, &mut found);
        }
    }
    for (ptr, schema, value) in found {
        asm.used.insert(ptr.clone());
        samples.push(Sample { schema, value, origin: ptr });
    }
    let uncovered = example_pointers(doc).difference(&asm.used).cloned().collect();
    (samples, uncovered)
}

/// The requests a loopback mock server received; asserts each carries `auth` as its
/// `Authorization` header and none carries progenitor's `api-version` header.
pub async fn received(server: &wiremock::MockServer, auth: &str) -> Vec<wiremock::Request> {
    let requests = server.received_requests().await.expect("request recording is on");
    for r in &requests {
        assert_eq!(
            r.headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some(auth),
            "{} {}",
            r.method,
            r.url
        );
        assert!(r.headers.get("api-version").is_none(), "api-version header sent to {}", r.url);
    }
    requests
}

/// An HTML error page as load balancers send them.
pub const HTML_502: &str = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>";
