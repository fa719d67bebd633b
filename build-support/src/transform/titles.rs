use super::enums::typify_pascal;
use crate::report::Report;
use crate::visit::{METHODS, for_each_schema};
use anyhow::Result;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Keywords that only annotate: two schemas differing only in these generate the same type.
const ANNOTATIONS: &[&str] =
    &["title", "description", "example", "examples", "deprecated", "externalDocs", "xml"];

/// Does typify generate a named type (struct, enum, newtype) for this schema, which it names
/// after the `title` when there is one?
fn names_a_type(schema: &Map<String, Value>) -> bool {
    let structural = [
        "properties",
        "additionalProperties",
        "enum",
        "oneOf",
        "anyOf",
        "allOf",
        "pattern",
        "minLength",
        "maxLength",
    ];
    let present: Vec<&str> = structural.into_iter().filter(|k| schema.contains_key(*k)).collect();
    // A lone one-member composition (`allOf: [$ref]` wrapping a reference's siblings) is the
    // member's type: typify names nothing after the title.
    let lone_member = matches!(present.as_slice(), [k] if matches!(*k, "allOf" | "anyOf" | "oneOf") && schema.get(*k).and_then(Value::as_array).is_some_and(|m| m.len() == 1));
    !present.is_empty() && !lone_member
}

/// The schema without annotations, as comparable text.
fn structure(schema: &Map<String, Value>) -> String {
    let mut stripped = schema.clone();
    for key in ANNOTATIONS {
        stripped.remove(*key);
    }
    Value::Object(stripped).to_string()
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Words naming where an inline schema sits: its component (or operation) and the properties on
/// the way (`/components/schemas/Plan/properties/voices/items/oneOf/0` → `Plan voices`).
fn context(doc: &Value, ptr: &str) -> String {
    let tokens: Vec<String> = ptr.split('/').skip(1).map(unescape).collect();
    let mut words: Vec<String> = Vec::new();
    let rest = match tokens.as_slice() {
        [c, kind, name, rest @ ..] if c == "components" => {
            words.push(if kind == "schemas" { name.clone() } else { format!("{name} {kind}") });
            rest
        }
        [p, path, method, rest @ ..] if p == "paths" && METHODS.contains(&method.as_str()) => {
            let op = doc.get("paths").and_then(|ps| ps.get(path)).and_then(|i| i.get(method));
            match op.and_then(|o| o.get("operationId")).and_then(Value::as_str) {
                Some(id) => words.push(id.to_owned()),
                None => words.push(format!("{method} {path}")),
            }
            let place = rest.first().map(String::as_str);
            words.push(match place {
                Some("requestBody") => "request".into(),
                Some("responses") => format!("response {}", rest.get(1).cloned().unwrap_or_default()),
                Some("parameters") => "parameter".into(),
                _ => String::new(),
            });
            rest
        }
        _ => tokens.as_slice(),
    };
    let mut after_properties = false;
    for t in rest {
        if after_properties {
            words.push(t.clone());
        }
        after_properties = t == "properties";
    }
    words.join(" ")
}

/// Inline schemas with the same `title` but different structure (ElevenLabs: every `type`
/// discriminator is titled `Type`; Vapi: `Azure` is a transcriber in one union and a voice in
/// another), or titled like a component schema they are not.
///
/// typify names an inline type after its title and silently reuses an existing type of that name
/// without comparing structure: fields get the wrong type, or typify fails on a default the reused
/// type cannot hold. Each such title is qualified by where the schema sits (`Type` under
/// `McpDetails.type` → `McpDetailsTypeType`, `Azure` under `Plan.voices` → `PlanVoicesAzure`), so
/// every inline type gets its own name. Identical schemas sharing a title keep it (one type is right).
pub fn qualify_colliding_titles(doc: &mut Value, report: &mut Report) -> Result<()> {
    let components: BTreeMap<String, String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| {
            s.iter()
                .map(|(k, v)| (typify_pascal(k), v.as_object().map(structure).unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    let mut groups: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object() else { return Ok(()) };
        let is_component = ptr.strip_prefix("/components/schemas/").is_some_and(|n| !n.contains('/'));
        if let (false, Some(title)) = (is_component, obj.get("title").and_then(Value::as_str))
            && names_a_type(obj)
        {
            groups.entry(typify_pascal(title)).or_default().push((ptr.to_owned(), structure(obj)));
        }
        Ok(())
    })?;
    let mut taken: BTreeSet<String> = components.keys().cloned().collect();
    taken.extend(groups.keys().cloned());
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for (name, members) in &groups {
        let mut shapes: BTreeSet<&str> = members.iter().map(|(_, s)| s.as_str()).collect();
        if let Some(component) = components.get(name) {
            shapes.insert(component);
        }
        if shapes.len() < 2 {
            continue;
        }
        for (ptr, _) in members {
            let base = typify_pascal(&format!("{} {name}", context(doc, ptr)));
            let mut qualified = base.clone();
            let mut n = 2;
            while taken.contains(&qualified) {
                qualified = format!("{base}{n}");
                n += 1;
            }
            taken.insert(qualified.clone());
            renames.insert(ptr.clone(), qualified);
        }
    }
    for_each_schema(doc, &mut |ptr, schema| {
        if let Some(new) = renames.get(ptr)
            && let Some(obj) = schema.as_object_mut()
        {
            let old = obj.insert("title".into(), Value::String(new.clone()));
            let old = old.as_ref().and_then(Value::as_str).unwrap_or_default();
            report.record(
                "qualify_colliding_titles",
                format!("{ptr}/title"),
                format!("`title: {old}` names differently shaped schemas elsewhere; `title: {new}` so this one gets its own type"),
            );
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;

    #[test]
    fn qualifies_only_titles_naming_different_shapes() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /x:\n    post:\n      operationId: makeX\n      requestBody: {content: {application/json: {schema: {type: object, title: Agent, properties: {a: {type: string}}}}}}\n      responses: {}\ncomponents:\n  schemas:\n    Agent: {type: object, properties: {id: {type: string}}}\n    Mcp:\n      type: object\n      properties:\n        type: {type: string, enum: [mcp], title: Type}\n        id: {type: string, title: Id}\n        same: {type: string, enum: [a, b], title: Same, description: one}\n    Hook:\n      type: object\n      properties:\n        type: {type: string, enum: [webhook], title: Type}\n        id: {type: string, title: Id, description: plain strings name no type}\n        same: {type: string, enum: [a, b], title: Same, description: two}\n",
        );
        let mut report = Report::default();
        qualify_colliding_titles(&mut doc, &mut report).unwrap();
        let s = &doc["components"]["schemas"];
        assert_eq!(s["Mcp"]["properties"]["type"]["title"], "McpTypeType");
        assert_eq!(s["Hook"]["properties"]["type"]["title"], "HookTypeType");
        assert_eq!(s["Mcp"]["properties"]["same"]["title"], "Same", "identical shapes may share a type");
        assert_eq!(s["Mcp"]["properties"]["id"]["title"], "Id");
        let body = &doc["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(body["title"], "MakeXRequestAgent", "an inline schema is not the component of its title");
        let pointers: Vec<&str> = report.entries.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/paths/~1x/post/requestBody/content/application~1json/schema/title",
                "/components/schemas/Mcp/properties/type/title",
                "/components/schemas/Hook/properties/type/title"
            ]
        );
    }
}
