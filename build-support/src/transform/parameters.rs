use crate::report::Report;
use crate::visit::{METHODS, for_each_operation, join};
use anyhow::Result;
use serde_json::{Value, json};

fn is_auth_header(doc: &Value, param: &Value) -> bool {
    let param = match param.get("$ref").and_then(Value::as_str) {
        Some(r) => r.strip_prefix('#').and_then(|p| doc.pointer(p)).unwrap_or(&Value::Null),
        None => param,
    };
    param.get("in").and_then(Value::as_str) == Some("header")
        && param.get("name").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case("authorization"))
}

/// An `Authorization` header declared as a parameter.
///
/// progenitor would make it a required argument of every method and the key would travel through
/// every call site. The crates authenticate from the document's security scheme instead (set once on
/// the client), so the parameter is removed.
pub fn strip_auth_header_parameters(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    let strip = |ptr: &str, params: &mut Value, report: &mut Report| {
        if let Some(list) = params.as_array_mut() {
            let before = list.len();
            list.retain(|p| !is_auth_header(&snapshot, p));
            if list.len() != before {
                report.record(
                    "strip_auth_header_parameters",
                    ptr.to_owned(),
                    "removed the `Authorization` header parameter",
                );
            }
        }
    };
    for_each_parameter_list(doc, &mut |ptr, params| strip(ptr, params, report))
}

/// Calls `f` with every `parameters` list of the document: path items' first, then operations',
/// each with its pointer.
fn for_each_parameter_list(doc: &mut Value, f: &mut dyn FnMut(&str, &mut Value)) -> Result<()> {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            if let Some(params) = item.get_mut("parameters") {
                f(&join(&join("/paths", path), "parameters"), params);
            }
        }
    }
    for_each_operation(doc, &mut |ptr, _, _, op| {
        if let Some(params) = op.get_mut("parameters") {
            f(&join(ptr, "parameters"), params);
        }
        Ok(())
    })
}

/// Calls `f` with every parameter object of the document and its pointer: those of every
/// `parameters` list, then those of `components.parameters`.
fn for_each_parameter(doc: &mut Value, f: &mut dyn FnMut(&str, &mut Value)) -> Result<()> {
    for_each_parameter_list(doc, &mut |ptr, params| {
        for (i, param) in params.as_array_mut().into_iter().flatten().enumerate() {
            f(&format!("{ptr}/{i}"), param);
        }
    })?;
    if let Some(components) = doc.pointer_mut("/components/parameters").and_then(Value::as_object_mut) {
        for (name, param) in components.iter_mut() {
            f(&join("/components/parameters", name), param);
        }
    }
    Ok(())
}

fn resolve<'a>(doc: &'a Value, param: &'a Value) -> &'a Value {
    match param.get("$ref").and_then(Value::as_str) {
        Some(r) => r.strip_prefix('#').and_then(|p| doc.pointer(p)).unwrap_or(param),
        None => param,
    }
}

/// The `{name}` placeholders of a path template, in order.
fn placeholders(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        out.push(rest[start + 1..start + len].to_owned());
        rest = &rest[start + len + 1..];
    }
    out
}

/// Keywords written on a parameter (Swagger 2.0 style) that describe its value: in OpenAPI 3 they
/// belong in its `schema`.
const VALUE_KEYS: &[&str] = &[
    "type",
    "format",
    "enum",
    "items",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
    "nullable",
];

/// Removes the [`VALUE_KEYS`] from a parameter (or header) and returns them as its schema.
pub(crate) fn value_keys_into_schema(
    param: &mut serde_json::Map<String, Value>,
) -> serde_json::Map<String, Value> {
    VALUE_KEYS.iter().filter_map(|k| param.remove(*k).map(|v| ((*k).to_owned(), v))).collect()
}

/// A parameter whose type is written on the parameter itself (`{name: id, in: path, type: string}`,
/// Swagger 2 style) instead of in its `schema`.
///
/// openapiv3 refuses a parameter with neither `schema` nor `content`, so the operation was skipped.
/// The schema keywords found on the parameter (`type`, `format`, `enum`, `items`, `default`,
/// bounds, `pattern`, …) move into a `schema`; a parameter with none gets `schema: {}` (any value,
/// sent as written).
pub fn schema_for_bare_parameters(doc: &mut Value, report: &mut Report) -> Result<()> {
    let fix = |ptr: &str, param: &mut Value, report: &mut Report| {
        let Some(obj) = param.as_object_mut() else { return };
        if obj.contains_key("$ref") || obj.contains_key("schema") || obj.contains_key("content") {
            return;
        }
        let schema = value_keys_into_schema(obj);
        let moved: Vec<String> = schema.keys().map(|k| format!("`{k}`")).collect();
        obj.insert("schema".into(), Value::Object(schema));
        report.record(
            "schema_for_bare_parameters",
            ptr,
            if moved.is_empty() {
                "a parameter without `schema`: `schema: {}` (any value)".to_owned()
            } else {
                format!("{} moved from the parameter into its `schema`", moved.join(", "))
            },
        );
    };
    for_each_parameter(doc, &mut |ptr, param| fix(ptr, param, report))
}

/// Path parameters as OpenAPI requires them: every `{name}` of the path declared (Vapi's
/// `DELETE /call/{id}` declares none: progenitor panics `missing path name mapping id`) and every path
/// parameter `required: true` (progenitor asserts it).
///
/// An undeclared placeholder gets a required string parameter of that name; a path parameter not
/// marked required (inline or in `components.parameters`) is marked required. The URL cannot be
/// built without them, so nothing is lost.
pub fn complete_path_parameters(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    if let Some(params) = doc.pointer_mut("/components/parameters").and_then(Value::as_object_mut) {
        for (name, p) in params.iter_mut() {
            if p.get("in").and_then(Value::as_str) == Some("path")
                && p.get("required") != Some(&Value::Bool(true))
            {
                p["required"] = Value::Bool(true);
                report.record(
                    "complete_path_parameters",
                    join(&join("/components/parameters", name), "required"),
                    "path parameter marked `required: true` (a path parameter always is)",
                );
            }
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return Ok(()) };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        let item_ptr = join("/paths", path);
        let mut shared: Vec<String> = Vec::new();
        if let Some(list) = item.get_mut("parameters").and_then(Value::as_array_mut) {
            mark_required(&format!("{item_ptr}/parameters"), list, report);
            shared = list
                .iter()
                .map(|p| resolve(&snapshot, p))
                .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
                .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_owned))
                .collect();
        }
        for method in METHODS {
            let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else { continue };
            let op_ptr = join(&item_ptr, method);
            let had_parameters = op.contains_key("parameters");
            let list = op.entry("parameters").or_insert_with(|| Value::Array(Vec::new()));
            let Some(list) = list.as_array_mut() else { continue };
            mark_required(&format!("{op_ptr}/parameters"), list, report);
            let declared: Vec<String> = list
                .iter()
                .map(|p| resolve(&snapshot, p))
                .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
                .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_owned))
                .chain(shared.iter().cloned())
                .collect();
            for name in placeholders(path) {
                if declared.contains(&name) {
                    continue;
                }
                list.push(
                    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }),
                );
                report.record(
                    "complete_path_parameters",
                    format!("{op_ptr}/parameters"),
                    format!("the path's `{{{name}}}` is not declared; added a required string path parameter `{name}`"),
                );
            }
            if list.is_empty() && !had_parameters {
                op.remove("parameters");
            }
        }
    }
    Ok(())
}

fn mark_required(ptr: &str, list: &mut [Value], report: &mut Report) {
    for (i, p) in list.iter_mut().enumerate() {
        if p.get("in").and_then(Value::as_str) == Some("path")
            && p.get("required") != Some(&Value::Bool(true))
        {
            p["required"] = Value::Bool(true);
            report.record(
                "complete_path_parameters",
                format!("{ptr}/{i}/required"),
                "path parameter marked `required: true` (a path parameter always is)",
            );
        }
    }
}

/// A parameter schema marked `nullable` (often a 3.1 `anyOf: [T, null]`).
///
/// A path, query, header or cookie parameter has no way to carry JSON `null`: an absent optional
/// parameter already means "none". typify makes the schema `Option<T>` and progenitor wraps an
/// optional parameter in another `Option`, then formats a header from the inner `Option`, which
/// does not compile. `nullable` is dropped from parameter schemas (inline, in `components`, and at
/// the top of a wrapped `$ref`); the parameter stays optional unless the document requires it. A
/// parameter schema that is a reference (bare or wrapped in a one-member `allOf`) to a nullable
/// component schema becomes a copy of that schema without `nullable` (the component stays as it is
/// for the bodies that use it).
pub fn non_nullable_parameters(doc: &mut Value, report: &mut Report) -> Result<()> {
    let schemas = doc.pointer("/components/schemas").cloned().unwrap_or(Value::Null);
    let fix = |ptr: &str, params: &mut Value, report: &mut Report| {
        for (i, param) in params.as_array_mut().into_iter().flatten().enumerate() {
            let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut) else { continue };
            if schema.remove("nullable").is_some() {
                report.record(
                    "non_nullable_parameters",
                    format!("{ptr}/{i}/schema"),
                    "`nullable` dropped: a parameter cannot carry JSON null (absent means none)",
                );
            }
            if let Some((name, mut target)) = nullable_target(&schemas, schema) {
                if let Some(t) = target.as_object_mut() {
                    t.remove("nullable");
                    schema.remove("$ref");
                    schema.remove("allOf");
                    for (k, v) in std::mem::take(t) {
                        schema.entry(k).or_insert(v);
                    }
                }
                report.record(
                    "non_nullable_parameters",
                    format!("{ptr}/{i}/schema"),
                    format!("the referenced schema `{name}` is nullable: the parameter takes a copy of it without `nullable`"),
                );
            }
        }
    };
    for_each_parameter_list(doc, &mut |ptr, params| fix(ptr, params, report))?;
    if let Some(components) = doc.pointer_mut("/components/parameters").and_then(Value::as_object_mut) {
        for (name, param) in components.iter_mut() {
            let mut list = Value::Array(vec![param.take()]);
            let ptr = join("/components/parameters", name);
            let mut scratch = Report::default();
            fix(&ptr, &mut list, &mut scratch);
            for e in scratch.entries {
                report.record(e.transformation, format!("{ptr}/schema"), e.change);
            }
            *param = list.as_array_mut().and_then(|l| l.pop()).unwrap_or_default();
        }
    }
    Ok(())
}

/// The component schema a parameter schema refers to (`$ref`, or `allOf` with that one member),
/// when it is nullable (following references between components): its name and a copy.
fn nullable_target(schemas: &Value, schema: &serde_json::Map<String, Value>) -> Option<(String, Value)> {
    let reference = match schema.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        Some([only]) => only.get("$ref"),
        Some(_) => None,
        None => schema.get("$ref"),
    }?;
    let mut name = reference.as_str()?.strip_prefix("#/components/schemas/")?.to_owned();
    for _ in 0..32 {
        let target = schemas.get(&name)?;
        if target.get("nullable") == Some(&Value::Bool(true)) {
            return Some((name, target.clone()));
        }
        name = target.get("$ref")?.as_str()?.strip_prefix("#/components/schemas/")?.to_owned();
    }
    None
}

/// A query parameter with `style: deepObject` (`filter[from]=a&filter[status]=b`).
///
/// progenitor refuses the style, so the whole operation was skipped. When the parameter's schema
/// is an object with named properties, it is sent exactly as deepObject serializes it by one query
/// parameter per property, named `name[property]` (nested objects recurse:
/// `filter[created_at][gte]`), each with the property's schema; a property is required only when
/// the parameter and every object above it require it. A deepObject without named properties (a
/// free-form map) is left as published, and its operation stays skipped with the reason reported.
pub fn flatten_deep_object_parameters(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    let follow = |v: &Value| -> Value {
        let mut v = v.clone();
        for _ in 0..32 {
            let Some(r) = v.get("$ref").and_then(Value::as_str) else { break };
            let Some(t) = r.strip_prefix('#').and_then(|p| snapshot.pointer(p)) else { break };
            v = t.clone();
        }
        v
    };
    fn leaves(
        follow: &dyn Fn(&Value) -> Value,
        name: &str,
        schema: &Value,
        required: bool,
        depth: usize,
        out: &mut Vec<(String, Value, bool)>,
    ) -> bool {
        let resolved = follow(schema);
        let Some(props) = resolved.get("properties").and_then(Value::as_object).filter(|p| !p.is_empty())
        else {
            return false;
        };
        if depth > 8 || resolved.get("additionalProperties").is_some_and(|a| a != &Value::Bool(false)) {
            return false;
        }
        let req: Vec<&str> = resolved
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (prop, sub) in props {
            let key = format!("{name}[{prop}]");
            let sub_required = required && req.contains(&prop.as_str());
            let sub_resolved = follow(sub);
            if sub_resolved.get("properties").is_some() {
                if !leaves(follow, &key, sub, sub_required, depth + 1, out) {
                    return false;
                }
            } else {
                out.push((key, sub.clone(), sub_required));
            }
        }
        true
    }
    for_each_parameter_list(doc, &mut |ptr, params| {
        let Some(list) = params.as_array_mut() else { return };
        let mut flattened = Vec::with_capacity(list.len());
        for (i, param) in std::mem::take(list).into_iter().enumerate() {
            let resolved = follow(&param);
            let deep = resolved.get("in").and_then(Value::as_str) == Some("query")
                && resolved.get("style").and_then(Value::as_str) == Some("deepObject");
            let (Some(name), Some(schema)) =
                (resolved.get("name").and_then(Value::as_str), resolved.get("schema"))
            else {
                flattened.push(param);
                continue;
            };
            let mut out = Vec::new();
            let required = resolved.get("required") == Some(&Value::Bool(true));
            if !deep || !leaves(&follow, name, schema, required, 0, &mut out) {
                flattened.push(param);
                continue;
            }
            let names: Vec<String> = out.iter().map(|(k, _, _)| format!("`{k}`")).collect();
            report.record(
                "flatten_deep_object_parameters",
                format!("{ptr}/{i}"),
                format!(
                    "deepObject parameter `{name}` sent as {} query parameters: {}",
                    out.len(),
                    names.join(", ")
                ),
            );
            for (key, sub, sub_required) in out {
                let mut p = serde_json::Map::new();
                p.insert("name".into(), Value::String(key));
                p.insert("in".into(), Value::String("query".into()));
                if let Some(d) = follow(&sub).get("description").or_else(|| resolved.get("description")) {
                    p.insert("description".into(), d.clone());
                }
                if sub_required {
                    p.insert("required".into(), Value::Bool(true));
                }
                p.insert("schema".into(), sub);
                flattened.push(Value::Object(p));
            }
        }
        *list = flattened;
    })
}

/// An optional `in: cookie` parameter.
///
/// progenitor refuses cookie parameters, so the whole operation was skipped. An optional one is
/// removed (the operation is generated and works without it; the report names what the client
/// cannot send). A required cookie parameter is left as published: its operation stays skipped,
/// with the reason reported, since no request without it is valid.
pub fn drop_optional_cookie_parameters(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    for_each_parameter_list(doc, &mut |ptr, params| {
        let Some(list) = params.as_array_mut() else { return };
        let mut i = 0;
        list.retain(|param| {
            let at = i;
            i += 1;
            let resolved = resolve(&snapshot, param);
            let optional_cookie = resolved.get("in").and_then(Value::as_str) == Some("cookie")
                && resolved.get("required") != Some(&Value::Bool(true));
            if optional_cookie {
                let name = resolved.get("name").and_then(Value::as_str).unwrap_or("?");
                report.record(
                    "drop_optional_cookie_parameters",
                    format!("{ptr}/{at}"),
                    format!("optional cookie parameter `{name}` not offered by the client (progenitor cannot send cookies)"),
                );
            }
            !optional_cookie
        });
    })
}

/// Extension on a query parameter whose array is sent as one delimited value: the delimiter.
pub const DELIMITER_EXTENSION: &str = "x-agentdial-delimiter";

/// A query array sent as one delimited value: `style: form, explode: false` (`ids=a,b`),
/// `spaceDelimited`, `pipeDelimited` (and Swagger 2.0's default `csv`, which `convert_swagger_2`
/// writes as the first).
///
/// progenitor ignores `explode` and always repeats the key (`ids=a&ids=b`), and refuses the other
/// two styles (the operation was skipped). The parameter becomes `style: form` for progenitor and
/// records its delimiter; `delimited_query_arrays` (after generation) sends it through
/// `agentdial_core::query::Delimited`, so the server receives what the document says.
pub fn delimited_query_arrays(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    let is_array = |schema: Option<&Value>| -> bool {
        let mut schema = schema.cloned().unwrap_or(Value::Null);
        for _ in 0..32 {
            let Some(r) = schema.get("$ref").and_then(Value::as_str) else { break };
            let Some(t) = r.strip_prefix('#').and_then(|p| snapshot.pointer(p)) else { break };
            schema = t.clone();
        }
        schema.get("type").and_then(Value::as_str) == Some("array")
    };
    let fix = |ptr: &str, param: &mut Value, report: &mut Report| {
        let Some(p) = param.as_object_mut() else { return };
        if p.get("in").and_then(Value::as_str) != Some("query") || !is_array(p.get("schema")) {
            return;
        }
        let style = p.get("style").and_then(Value::as_str).unwrap_or("form").to_owned();
        let explode = p.get("explode").and_then(Value::as_bool);
        let delimiter = match (style.as_str(), explode) {
            ("form", Some(false)) => ",",
            ("spaceDelimited", _) => " ",
            ("pipeDelimited", _) => "|",
            _ => return,
        };
        p.insert("style".into(), "form".into());
        p.remove("explode");
        p.insert(DELIMITER_EXTENSION.into(), delimiter.into());
        let name = p.get("name").and_then(Value::as_str).unwrap_or("?").to_owned();
        report.record(
            "delimited_query_arrays",
            ptr,
            format!("`{name}` (`{style}`, not exploded): sent as one value joined by {delimiter:?}"),
        );
    };
    for_each_parameter(doc, &mut |ptr, param| fix(ptr, param, report))
}

/// `(METHOD, path, key sent, delimiter)` for every delimited query array of every operation.
pub fn delimited_query_parameters(doc: &Value) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
        let shared: Vec<&Value> =
            item.get("parameters").and_then(Value::as_array).into_iter().flatten().collect();
        for (method, op) in item.as_object().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let own = op.get("parameters").and_then(Value::as_array).into_iter().flatten();
            for param in shared.iter().copied().chain(own) {
                let p = resolve(doc, param);
                let (Some(delimiter), Some(name)) = (
                    p.get(DELIMITER_EXTENSION).and_then(Value::as_str),
                    p.get(WIRE_NAME_EXTENSION).or_else(|| p.get("name")).and_then(Value::as_str),
                ) else {
                    continue;
                };
                out.push((method.to_ascii_uppercase(), path.clone(), name.to_owned(), delimiter.to_owned()));
            }
        }
    }
    out
}

/// Extension on a parameter renamed by [`distinct_parameter_identifiers`]: its name on the wire.
pub const WIRE_NAME_EXTENSION: &str = "x-agentdial-wire-name";

/// The Rust identifier progenitor derives from a parameter name, as far as collisions go:
/// punctuation is a word boundary (`StartTime<` and `StartTime` are both `start_time`).
fn identifier_of(name: &str) -> String {
    use heck::ToSnakeCase;
    name.chars().map(|c| if c.is_alphanumeric() { c } else { '_' }).collect::<String>().to_snake_case()
}

/// A name for a parameter whose identifier collides: comparison operators spelled out
/// (`StartTime<` → `StartTimeLt`, `>=` → `Gte`), other punctuation a word boundary.
fn spelled_out(name: &str) -> String {
    let mut out = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        let eq = chars.peek() == Some(&'=');
        let word = match c {
            '<' if eq => "Lte",
            '>' if eq => "Gte",
            '!' if eq => "Ne",
            '<' => "Lt",
            '>' => "Gt",
            '=' => "Eq",
            '!' => "Not",
            c if c.is_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => {
                out.push('_');
                continue;
            }
        };
        if eq && matches!(c, '<' | '>' | '!') {
            chars.next();
        }
        out.push_str(word);
    }
    out
}

/// Parameters of one operation whose names differ on the wire but not as Rust identifiers.
///
/// progenitor names each argument after the parameter (`StartTime`, `StartTime<` and `StartTime>`
/// are all `start_time`) and the generated builder does not compile. The later ones get a distinct
/// name (`StartTimeLt`, `StartTimeGt`; a number is appended if that is taken) and keep their
/// original name in `x-agentdial-wire-name`; the `restore_parameter_wire_names` pass puts it back
/// into the request code, so what is sent is unchanged. A renamed `$ref`'d parameter is replaced
/// by a renamed copy.
pub fn distinct_parameter_identifiers(doc: &mut Value, report: &mut Report) -> Result<()> {
    let snapshot = doc.clone();
    let taken_names: std::collections::BTreeSet<String> = {
        let mut names = std::collections::BTreeSet::new();
        fn walk(v: &Value, out: &mut std::collections::BTreeSet<String>) {
            match v {
                Value::Object(m) => {
                    if m.contains_key("in")
                        && let Some(n) = m.get("name").and_then(Value::as_str)
                    {
                        out.insert(n.to_owned());
                    }
                    m.values().for_each(|c| walk(c, out));
                }
                Value::Array(l) => l.iter().for_each(|c| walk(c, out)),
                _ => {}
            }
        }
        walk(&snapshot, &mut names);
        names
    };
    let fix = |ptr: &str, params: &mut Value, outer: &[String], report: &mut Report| {
        let Some(list) = params.as_array_mut() else { return };
        let mut seen: Vec<String> = outer.to_vec();
        for (i, param) in list.iter_mut().enumerate() {
            let resolved = resolve(&snapshot, param).clone();
            if resolved.get("in").and_then(Value::as_str) == Some("path") {
                seen.push(
                    resolved.get("name").and_then(Value::as_str).map(identifier_of).unwrap_or_default(),
                );
                continue;
            }
            let Some(name) = resolved.get("name").and_then(Value::as_str).map(str::to_owned) else {
                continue;
            };
            let name = name.as_str();
            let ident = identifier_of(name);
            if !seen.contains(&ident) {
                seen.push(ident);
                continue;
            }
            let base = spelled_out(name);
            let mut candidate = base.clone();
            let mut n = 2;
            while seen.contains(&identifier_of(&candidate)) || taken_names.contains(&candidate) {
                candidate = format!("{base}{n}");
                n += 1;
            }
            let mut renamed = resolved;
            renamed["name"] = Value::String(candidate.clone());
            renamed[WIRE_NAME_EXTENSION] = Value::String(name.to_owned());
            *param = renamed;
            seen.push(identifier_of(&candidate));
            report.record(
                "distinct_parameter_identifiers",
                format!("{ptr}/{i}"),
                format!(
                    "`{name}` is also `{}` in Rust: named `{candidate}` in the client, sent as `{name}`",
                    identifier_of(name)
                ),
            );
        }
    };
    let mut outer_of = std::collections::BTreeMap::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            if let Some(params) = item.get_mut("parameters") {
                fix(&join(&join("/paths", path), "parameters"), params, &[], report);
                let idents: Vec<String> = params
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| {
                        resolve(&snapshot, p).get("name").and_then(Value::as_str).map(str::to_owned)
                    })
                    .collect();
                outer_of.insert(path.clone(), idents);
            }
        }
    }
    for_each_operation(doc, &mut |ptr, path, _, op| {
        if let Some(params) = op.get_mut("parameters") {
            // The path item's parameters this operation does not override by name.
            let own: Vec<String> = params
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| resolve(&snapshot, p).get("name").and_then(Value::as_str).map(str::to_owned))
                .collect();
            let outer: Vec<String> = outer_of
                .get(path)
                .into_iter()
                .flatten()
                .filter(|n| !own.contains(n))
                .map(|n| identifier_of(n))
                .collect();
            fix(&join(ptr, "parameters"), params, &outer, report);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;
    use serde_json::json;

    #[test]
    fn colliding_parameter_identifiers_are_renamed_and_keep_their_wire_name() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /calls:\n    get:\n      parameters:\n        - {name: StartTime, in: query, schema: {type: string}}\n        - {name: StartTime<, in: query, schema: {type: string}}\n        - {name: StartTime>=, in: query, schema: {type: string}}\n        - {$ref: '#/components/parameters/Page'}\n        - {name: page, in: query, schema: {type: string}}\n        - {name: Other, in: query, schema: {type: string}}\n      responses: {'200': {description: ok}}\ncomponents:\n  parameters:\n    Page: {name: Page, in: query, schema: {type: integer}}\n",
        );
        let before = doc.clone();
        let mut report = Report::default();
        distinct_parameter_identifiers(&mut doc, &mut report).unwrap();
        let params = &doc["paths"]["/calls"]["get"]["parameters"];
        assert_eq!(params[0], before["paths"]["/calls"]["get"]["parameters"][0]);
        assert_eq!(params[1]["name"], "StartTimeLt");
        assert_eq!(params[1][WIRE_NAME_EXTENSION], "StartTime<");
        assert_eq!(params[2]["name"], "StartTimeGte");
        assert_eq!(params[2][WIRE_NAME_EXTENSION], "StartTime>=");
        // The `$ref`'d one comes first and keeps its name; the inline `page` is renamed (numbered,
        // since spelling it out changes nothing).
        assert_eq!(params[3], json!({"$ref": "#/components/parameters/Page"}));
        assert_eq!(params[4]["name"], "page2");
        assert_eq!(params[4][WIRE_NAME_EXTENSION], "page");
        assert_eq!(params[5]["name"], "Other");
        assert_eq!(report.entries.len(), 3);
        assert_eq!(spelled_out("a[b]<=c!=d"), "a_b_LtecNed");
    }

    #[test]
    fn parameters_are_never_nullable() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /a/{id}:\n    parameters: [{name: id, in: path, required: true, schema: {type: string, nullable: true}}]\n    get:\n      parameters:\n        - {name: xi-key, in: header, schema: {type: string, nullable: true}}\n        - {name: page, in: query, schema: {nullable: true, allOf: [{$ref: '#/components/schemas/P'}]}}\n        - {name: plain, in: query, schema: {type: string}}\n        - {$ref: '#/components/parameters/C'}\n      responses: {'200': {description: ok}}\ncomponents:\n  parameters:\n    C: {name: c, in: cookie, schema: {type: integer, nullable: true}}\n  schemas:\n    P: {type: integer, nullable: true}\n",
        );
        let mut report = Report::default();
        non_nullable_parameters(&mut doc, &mut report).unwrap();
        let params = &doc["paths"]["/a/{id}"]["get"]["parameters"];
        assert_eq!(params[0]["schema"], json!({"type": "string"}));
        // `P` itself is nullable: the parameter takes a copy of it without `nullable`.
        assert_eq!(params[1]["schema"], json!({"type": "integer"}));
        assert_eq!(params[2]["schema"], json!({"type": "string"}));
        assert_eq!(doc["paths"]["/a/{id}"]["parameters"][0]["schema"], json!({"type": "string"}));
        assert_eq!(doc["components"]["parameters"]["C"]["schema"], json!({"type": "integer"}));
        // A component schema that is nullable where it is a body stays so.
        assert_eq!(doc["components"]["schemas"]["P"]["nullable"], json!(true));
        let at: Vec<&str> = report.entries.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            at,
            [
                "/paths/~1a~1{id}/parameters/0/schema",
                "/paths/~1a~1{id}/get/parameters/0/schema",
                "/paths/~1a~1{id}/get/parameters/1/schema",
                "/paths/~1a~1{id}/get/parameters/1/schema",
                "/components/parameters/C/schema"
            ]
        );
    }

    #[test]
    fn a_reference_to_a_nullable_schema_becomes_a_copy_without_nullable() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: x-trace, in: header, schema: {$ref: '#/components/schemas/Id'}}\n        - {name: kind, in: query, schema: {description: d, allOf: [{$ref: '#/components/schemas/Alias'}]}}\n        - {name: plain, in: query, schema: {$ref: '#/components/schemas/Plain'}}\n      responses: {'200': {description: ok}}\ncomponents:\n  schemas:\n    Id: {type: string, nullable: true, maxLength: 9}\n    Alias: {$ref: '#/components/schemas/Kind'}\n    Kind: {type: string, enum: [a, b], nullable: true}\n    Plain: {type: string}\n",
        );
        let mut report = Report::default();
        non_nullable_parameters(&mut doc, &mut report).unwrap();
        let params = &doc["paths"]["/a"]["get"]["parameters"];
        assert_eq!(params[0]["schema"], json!({"type": "string", "maxLength": 9}));
        assert_eq!(params[1]["schema"], json!({"description": "d", "type": "string", "enum": ["a", "b"]}));
        assert_eq!(params[2]["schema"], json!({"$ref": "#/components/schemas/Plain"}));
        // The components keep `nullable` for the bodies that use them.
        assert_eq!(doc["components"]["schemas"]["Id"]["nullable"], json!(true));
        assert_eq!(doc["components"]["schemas"]["Kind"]["nullable"], json!(true));
        let changes: Vec<&str> = report.entries.iter().map(|e| e.change.as_str()).collect();
        assert_eq!(changes.len(), 2);
        assert!(changes[0].contains("`Id` is nullable"), "{changes:?}");
        assert!(changes[1].contains("`Kind` is nullable"), "{changes:?}");
    }

    #[test]
    fn deep_object_parameters_become_one_query_parameter_per_property() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /calls:\n    get:\n      parameters:\n        - {name: filter, in: query, style: deepObject, required: true, schema: {$ref: '#/components/schemas/F'}}\n        - {name: page, in: query, style: deepObject, schema: {type: object, properties: {size: {type: integer}}}}\n        - {name: map, in: query, style: deepObject, schema: {type: object, additionalProperties: {type: string}}}\n        - {name: plain, in: query, schema: {type: string}}\n      responses: {'200': {description: ok}}\ncomponents:\n  schemas:\n    F:\n      type: object\n      required: [status, created_at]\n      properties:\n        status: {type: string, description: s}\n        created_at:\n          type: object\n          required: [gte]\n          properties: {gte: {type: string, format: date-time}, lte: {type: string}}\n        ids: {type: array, items: {type: string}}\n",
        );
        let mut report = Report::default();
        flatten_deep_object_parameters(&mut doc, &mut report).unwrap();
        let params = doc["paths"]["/calls"]["get"]["parameters"].as_array().unwrap();
        let names: Vec<(&str, bool)> = params
            .iter()
            .map(|p| (p["name"].as_str().unwrap(), p.get("required") == Some(&json!(true))))
            .collect();
        assert_eq!(
            names,
            [
                ("filter[status]", true),
                ("filter[created_at][gte]", true),
                ("filter[created_at][lte]", false),
                ("filter[ids]", false),
                ("page[size]", false),
                ("map", false),
                ("plain", false),
            ]
        );
        assert_eq!(params[0]["description"], "s");
        assert_eq!(params[1]["schema"], json!({"type": "string", "format": "date-time"}));
        assert_eq!(params[5]["style"], "deepObject", "a free-form map is left as published");
        assert_eq!(report.entries.len(), 2);
    }

    #[test]
    fn optional_cookie_parameters_are_dropped_required_ones_stay() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /a:\n    parameters: [{name: trace, in: cookie, schema: {type: string}}]\n    get:\n      parameters:\n        - {name: session, in: cookie, required: true, schema: {type: string}}\n        - {$ref: '#/components/parameters/Pref'}\n        - {name: q, in: query, schema: {type: string}}\n      responses: {'200': {description: ok}}\ncomponents:\n  parameters:\n    Pref: {name: pref, in: cookie, schema: {type: string}}\n",
        );
        let mut report = Report::default();
        drop_optional_cookie_parameters(&mut doc, &mut report).unwrap();
        assert_eq!(doc["paths"]["/a"]["parameters"], json!([]));
        let names: Vec<&str> = doc["paths"]["/a"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["session", "q"]);
        let at: Vec<&str> = report.entries.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(at, ["/paths/~1a/parameters/0", "/paths/~1a/get/parameters/1"]);
    }

    #[test]
    fn bare_parameter_types_move_into_a_schema() {
        let mut doc = yaml(
            "openapi: 3.0.0\npaths:\n  /a/{id}:\n    get:\n      parameters:\n        - {name: id, in: path, required: true, type: string, description: d}\n        - {name: tags, in: query, type: array, items: {type: string}}\n        - {name: q, in: query}\n        - {name: ok, in: query, schema: {type: integer}}\n      responses: {'200': {description: ok}}\n",
        );
        let mut report = Report::default();
        schema_for_bare_parameters(&mut doc, &mut report).unwrap();
        let params = &doc["paths"]["/a/{id}"]["get"]["parameters"];
        assert_eq!(
            params[0],
            json!({"name": "id", "in": "path", "required": true, "description": "d", "schema": {"type": "string"}})
        );
        assert_eq!(params[1]["schema"], json!({"type": "array", "items": {"type": "string"}}));
        assert_eq!(params[2]["schema"], json!({}));
        assert_eq!(params[3]["schema"], json!({"type": "integer"}));
        assert_eq!(report.entries.len(), 3);
    }

    #[test]
    fn unexploded_query_arrays_record_their_delimiter() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: ids, in: query, explode: false, schema: {type: array, items: {type: string}}}\n        - {name: tags, in: query, style: pipeDelimited, schema: {type: array, items: {type: string}}}\n        - {name: words, in: query, style: spaceDelimited, explode: false, schema: {$ref: '#/components/schemas/L'}}\n        - {name: many, in: query, schema: {type: array, items: {type: string}}}\n        - {name: one, in: query, explode: false, schema: {type: string}}\n        - {$ref: '#/components/parameters/F'}\n      responses: {'200': {description: ok}}\ncomponents:\n  parameters:\n    F: {name: fields, in: query, explode: false, schema: {type: array, items: {type: string}}}\n  schemas:\n    L: {type: array, items: {type: string}}\n",
        );
        let mut report = Report::default();
        delimited_query_arrays(&mut doc, &mut report).unwrap();
        let found = delimited_query_parameters(&doc);
        let keys: Vec<(&str, &str)> = found.iter().map(|(_, _, n, d)| (n.as_str(), d.as_str())).collect();
        assert_eq!(keys, [("ids", ","), ("tags", "|"), ("words", " "), ("fields", ",")]);
        let params = &doc["paths"]["/a"]["get"]["parameters"];
        assert_eq!(params[1]["style"], "form");
        assert!(params[0].get("explode").is_none());
        assert!(params[3].get(DELIMITER_EXTENSION).is_none(), "exploded: repeated keys, as progenitor sends");
        assert!(params[4].get(DELIMITER_EXTENSION).is_none(), "not an array");
        assert_eq!(report.entries.len(), 4);
    }

    #[test]
    fn removes_inline_and_referenced_authorization() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: Authorization, in: header, required: true, schema: {type: string}}\n        - {$ref: '#/components/parameters/Auth'}\n        - {name: limit, in: query, schema: {type: integer}}\n      responses: {'200': {description: ok}}\ncomponents:\n  parameters:\n    Auth: {name: authorization, in: header, schema: {type: string}}\n",
        );
        let mut report = Report::default();
        strip_auth_header_parameters(&mut doc, &mut report).unwrap();
        assert_eq!(
            doc["paths"]["/a"]["get"]["parameters"],
            json!([{"name": "limit", "in": "query", "schema": {"type": "integer"}}])
        );
        assert_eq!(report.entries.len(), 1);
    }

    #[test]
    fn declares_missing_and_requires_path_parameters() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /call/{id}:\n    delete: {responses: {}}\n    get:\n      parameters: [{name: id, in: path, schema: {type: string}}]\n      responses: {}\n  /a/{x}/b/{y}:\n    parameters: [{$ref: '#/components/parameters/X'}]\n    get: {responses: {}}\ncomponents:\n  parameters:\n    X: {name: x, in: path, schema: {type: integer}}\n",
        );
        let mut report = Report::default();
        complete_path_parameters(&mut doc, &mut report).unwrap();
        assert_eq!(
            doc["paths"]["/call/{id}"]["delete"]["parameters"],
            json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}])
        );
        assert_eq!(doc["paths"]["/call/{id}"]["get"]["parameters"][0]["required"], true);
        assert_eq!(doc["components"]["parameters"]["X"]["required"], true);
        assert_eq!(
            doc["paths"]["/a/{x}/b/{y}"]["get"]["parameters"],
            json!([{"name": "y", "in": "path", "required": true, "schema": {"type": "string"}}]),
            "x comes from the path item"
        );
        let pointers: Vec<&str> = report.entries.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/components/parameters/X/required",
                "/paths/~1call~1{id}/get/parameters/0/required",
                "/paths/~1call~1{id}/delete/parameters",
                "/paths/~1a~1{x}~1b~1{y}/get/parameters"
            ]
        );
    }
}
