//! `convert_swagger_2`: a Swagger 2.0 document read as the OpenAPI 3.0 document it describes.

use crate::report::Report;
use crate::visit::join;
use anyhow::Result;
use serde_json::{Map, Value, json};

fn strings(v: Option<Value>) -> Option<Vec<String>> {
    let list: Vec<String> = v?.as_array()?.iter().filter_map(Value::as_str).map(str::to_owned).collect();
    (!list.is_empty()).then_some(list)
}

/// `#/definitions/X` → `#/components/schemas/X` and the like, everywhere in `v`.
fn rewrite_refs(v: &mut Value, body_parameters: &[String]) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref") {
                if let Some(name) = r.strip_prefix("#/definitions/") {
                    *r = format!("#/components/schemas/{name}");
                } else if let Some(name) = r.strip_prefix("#/responses/") {
                    *r = format!("#/components/responses/{name}");
                } else if let Some(name) = r.strip_prefix("#/parameters/") {
                    *r = if body_parameters.iter().any(|b| b == name) {
                        format!("#/components/requestBodies/{name}")
                    } else {
                        format!("#/components/parameters/{name}")
                    };
                }
            }
            m.values_mut().for_each(|c| rewrite_refs(c, body_parameters));
        }
        Value::Array(l) => l.iter_mut().for_each(|c| rewrite_refs(c, body_parameters)),
        _ => {}
    }
}

/// Swagger 2.0 schema spellings in OpenAPI 3.0 terms: `x-nullable` → `nullable`, a `discriminator`
/// given as the property name → `{propertyName}`.
fn convert_schemas(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(nullable) = m.remove("x-nullable") {
                m.insert("nullable".into(), nullable);
            }
            if let Some(Value::String(property)) = m.get("discriminator").cloned() {
                m.insert("discriminator".into(), json!({ "propertyName": property }));
            }
            m.values_mut().for_each(convert_schemas);
        }
        Value::Array(l) => l.iter_mut().for_each(convert_schemas),
        _ => {}
    }
}

/// A non-body parameter (or a response header): its value keywords move into `schema`, its
/// `collectionFormat` becomes `style`/`explode` (Swagger 2.0's default is `csv`, OpenAPI 3.0's
/// default for a query array is exploded: an array keeps `csv` explicitly).
fn convert_parameter(p: &mut Map<String, Value>) {
    if p.contains_key("$ref") || p.contains_key("schema") {
        return;
    }
    if let Some(nullable) = p.remove("x-nullable") {
        p.insert("nullable".into(), nullable);
    }
    let mut schema = super::parameters::value_keys_into_schema(p);
    let format = p.remove("collectionFormat").and_then(|f| f.as_str().map(str::to_owned));
    if let Some(items) = schema.get_mut("items").and_then(Value::as_object_mut) {
        items.remove("collectionFormat");
    }
    let is_array = schema.get("type").and_then(Value::as_str) == Some("array");
    let location = p.get("in").and_then(Value::as_str).unwrap_or_default().to_owned();
    if is_array && location == "query" {
        let (style, explode) = match format.as_deref() {
            Some("multi") => ("form", true),
            Some("ssv") => ("spaceDelimited", false),
            Some("pipes") => ("pipeDelimited", false),
            // OpenAPI 3 has no style for tabs: the delimiter is recorded for
            // `delimited_query_arrays` directly.
            Some("tsv") => {
                p.insert(crate::transform::DELIMITER_EXTENSION.into(), "\t".into());
                ("form", true)
            }
            _ => ("form", false),
        };
        p.insert("style".into(), style.into());
        p.insert("explode".into(), explode.into());
    }
    p.insert("schema".into(), Value::Object(schema));
}

/// A response: its `schema` becomes `content` for each media type the operation produces, its
/// `examples` (by media type) go with them, its headers get a `schema`.
fn convert_response(r: &mut Value, produces: &[String]) {
    let Some(m) = r.as_object_mut() else { return };
    if m.contains_key("$ref") {
        return;
    }
    let examples = m.remove("examples");
    if let Some(schema) = m.remove("schema") {
        let mut content = Map::new();
        for media_type in produces {
            let mut media = json!({ "schema": schema.clone() });
            if let Some(example) = examples.as_ref().and_then(|e| e.get(media_type)) {
                media["example"] = example.clone();
            }
            content.insert(media_type.clone(), media);
        }
        m.insert("content".into(), Value::Object(content));
    }
    if let Some(headers) = m.get_mut("headers").and_then(Value::as_object_mut) {
        for header in headers.values_mut().filter_map(Value::as_object_mut) {
            convert_parameter(header);
        }
    }
    m.entry("description").or_insert_with(|| Value::String(String::new()));
}

fn convert_security_scheme(s: &mut Value) {
    let Some(m) = s.as_object_mut() else { return };
    match m.get("type").and_then(Value::as_str) {
        Some("basic") => {
            m.insert("type".into(), "http".into());
            m.insert("scheme".into(), "basic".into());
        }
        Some("oauth2") => {
            let flow = m.remove("flow").and_then(|f| f.as_str().map(str::to_owned)).unwrap_or_default();
            let mut details = Map::new();
            for key in ["authorizationUrl", "tokenUrl", "scopes"] {
                if let Some(v) = m.remove(key) {
                    details.insert(key.into(), v);
                }
            }
            details.entry("scopes").or_insert_with(|| json!({}));
            let name = match flow.as_str() {
                "accessCode" => "authorizationCode",
                "application" => "clientCredentials",
                "password" => "password",
                _ => "implicit",
            };
            m.insert("flows".into(), json!({ name: details }));
        }
        _ => {}
    }
}

/// The body of an operation from its `in: body` parameter or its `in: formData` parameters.
fn request_body(body: Option<Value>, form: Vec<Value>, consumes: &[String]) -> Option<Value> {
    if let Some(param) = body {
        let schema = param.get("schema").cloned().unwrap_or_else(|| json!({}));
        let content: Map<String, Value> =
            consumes.iter().map(|c| (c.clone(), json!({ "schema": schema.clone() }))).collect();
        let mut rb = json!({ "content": content });
        for key in ["description", "required"] {
            if let Some(v) = param.get(key) {
                rb[key] = v.clone();
            }
        }
        return Some(rb);
    }
    if form.is_empty() {
        return None;
    }
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut has_file = false;
    for param in form {
        let Some(name) = param.get("name").and_then(Value::as_str).map(str::to_owned) else { continue };
        let mut p = param.as_object().cloned().unwrap_or_default();
        convert_parameter(&mut p);
        let mut schema = p.remove("schema").unwrap_or_else(|| json!({}));
        if schema.get("type").and_then(Value::as_str) == Some("file") {
            has_file = true;
            schema = json!({ "type": "string", "format": "binary" });
        }
        if let Some(d) = p.get("description") {
            schema["description"] = d.clone();
        }
        if p.get("required") == Some(&Value::Bool(true)) {
            required.push(Value::String(name.clone()));
        }
        properties.insert(name, schema);
    }
    let media_type = if has_file || consumes.iter().any(|c| c.starts_with("multipart/form-data")) {
        "multipart/form-data"
    } else {
        "application/x-www-form-urlencoded"
    };
    let mut schema = json!({ "type": "object", "properties": properties });
    let any_required = !required.is_empty();
    if any_required {
        schema["required"] = Value::Array(required);
    }
    Some(json!({ "required": any_required, "content": { media_type: { "schema": schema } } }))
}

/// A Swagger 2.0 document (`swagger: "2.0"`), which progenitor and openapiv3 do not read.
///
/// It is read as the OpenAPI 3.0 document it describes, the way the OpenAPI 3.0 specification
/// maps each construct: `host` + `basePath` + `schemes` → `servers`; `definitions`,
/// `parameters`, `responses`, `securityDefinitions` → `components` (a body parameter →
/// `requestBodies`) with every `$ref` following; an `in: body` parameter → `requestBody` for each
/// media type the operation `consumes`, `in: formData` parameters → one form or multipart body (a
/// `type: file` field → binary); `collectionFormat` → `style`/`explode`; a response's `schema` →
/// `content` for each media type it `produces`; `x-nullable` → `nullable`; a `discriminator` given
/// as a name → `{propertyName}`; `basic` → `http`/`basic`, `oauth2` flows → `flows`. The other
/// transformations then run on the result. Reported as one entry with what was converted.
pub fn convert_swagger_2(doc: &mut Value, report: &mut Report) -> Result<()> {
    let Some(root) = doc.as_object_mut() else { return Ok(()) };
    if root.get("swagger").and_then(Value::as_str) != Some("2.0") || root.contains_key("openapi") {
        return Ok(());
    }
    root.remove("swagger");
    root.insert("openapi".into(), "3.0.3".into());
    let host = root.remove("host").and_then(|h| h.as_str().map(str::to_owned));
    let base_path = root.remove("basePath").and_then(|b| b.as_str().map(str::to_owned)).unwrap_or_default();
    let schemes = strings(root.remove("schemes")).unwrap_or_else(|| vec!["https".to_owned()]);
    let servers: Vec<Value> = match &host {
        Some(host) => {
            // https first: the scheme a client should use when the document offers both.
            let mut schemes = schemes.clone();
            schemes.sort_by_key(|s| s != "https");
            schemes.iter().map(|s| json!({ "url": format!("{s}://{host}{base_path}") })).collect()
        }
        None if !base_path.is_empty() => vec![json!({ "url": base_path })],
        None => Vec::new(),
    };
    if !servers.is_empty() {
        root.insert("servers".into(), Value::Array(servers));
    }
    let global_consumes =
        strings(root.remove("consumes")).unwrap_or_else(|| vec!["application/json".to_owned()]);
    let global_produces =
        strings(root.remove("produces")).unwrap_or_else(|| vec!["application/json".to_owned()]);

    let mut components = Map::new();
    if let Some(definitions) = root.remove("definitions") {
        components.insert("schemas".into(), definitions);
    }
    // Global parameters: a body one becomes a request body; form ones are kept aside for the
    // operations that name them (a form body is built from all of an operation's form fields).
    let mut body_names = Vec::new();
    let mut form_parameters = Map::new();
    if let Some(Value::Object(parameters)) = root.remove("parameters") {
        let mut params = Map::new();
        let mut bodies = Map::new();
        for (name, p) in parameters {
            match p.get("in").and_then(Value::as_str) {
                Some("body") => {
                    body_names.push(name.clone());
                    bodies.insert(
                        name,
                        request_body(Some(p), Vec::new(), &global_consumes).unwrap_or_default(),
                    );
                }
                Some("formData") => {
                    form_parameters.insert(name, p);
                }
                _ => {
                    let mut p = p;
                    if let Some(m) = p.as_object_mut() {
                        convert_parameter(m);
                    }
                    params.insert(name, p);
                }
            }
        }
        if !params.is_empty() {
            components.insert("parameters".into(), Value::Object(params));
        }
        if !bodies.is_empty() {
            components.insert("requestBodies".into(), Value::Object(bodies));
        }
    }
    if let Some(Value::Object(mut responses)) = root.remove("responses") {
        for r in responses.values_mut() {
            convert_response(r, &global_produces);
        }
        components.insert("responses".into(), Value::Object(responses));
    }
    if let Some(Value::Object(mut schemes)) = root.remove("securityDefinitions") {
        for s in schemes.values_mut() {
            convert_security_scheme(s);
        }
        components.insert("securitySchemes".into(), Value::Object(schemes));
    }

    let mut operations = 0;
    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            let shared = item.remove("parameters").and_then(|p| p.as_array().cloned()).unwrap_or_default();
            let mut kept_shared = Vec::new();
            let mut shared_special = Vec::new();
            for p in shared {
                let named =
                    p.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/parameters/"));
                let location = match named {
                    Some(n) if body_names.iter().any(|b| b == n) => Some("body"),
                    Some(n) if form_parameters.contains_key(n) => Some("formData"),
                    _ => p.get("in").and_then(Value::as_str),
                };
                if matches!(location, Some("body" | "formData")) {
                    shared_special.push(p);
                } else {
                    let mut p = p;
                    if let Some(m) = p.as_object_mut() {
                        convert_parameter(m);
                    }
                    kept_shared.push(p);
                }
            }
            if !kept_shared.is_empty() {
                item.insert("parameters".into(), Value::Array(kept_shared));
            }
            for (method, op) in item.iter_mut() {
                if !crate::visit::METHODS.contains(&method.as_str()) {
                    continue;
                }
                let Some(op) = op.as_object_mut() else { continue };
                operations += 1;
                let consumes = strings(op.remove("consumes")).unwrap_or_else(|| global_consumes.clone());
                let produces = strings(op.remove("produces")).unwrap_or_else(|| global_produces.clone());
                let own = op.remove("parameters").and_then(|p| p.as_array().cloned()).unwrap_or_default();
                let (mut body, mut body_ref, mut form, mut params) = (None, None, Vec::new(), Vec::new());
                for p in shared_special.iter().cloned().chain(own) {
                    let named =
                        p.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/parameters/"));
                    match named {
                        Some(n) if body_names.iter().any(|b| b == n) => body_ref = Some(n.to_owned()),
                        Some(n) if form_parameters.contains_key(n) => form.push(form_parameters[n].clone()),
                        _ => match p.get("in").and_then(Value::as_str) {
                            Some("body") => body = Some(p),
                            Some("formData") => form.push(p),
                            _ => {
                                let mut p = p;
                                if let Some(m) = p.as_object_mut() {
                                    convert_parameter(m);
                                }
                                params.push(p);
                            }
                        },
                    }
                }
                if !params.is_empty() {
                    op.insert("parameters".into(), Value::Array(params));
                }
                if let Some(name) = body_ref {
                    op.insert("requestBody".into(), json!({ "$ref": format!("#/parameters/{name}") }));
                } else if let Some(rb) = request_body(body, form, &consumes) {
                    op.insert("requestBody".into(), rb);
                }
                if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                    for r in responses.values_mut() {
                        convert_response(r, &produces);
                    }
                }
            }
        }
    }
    if !components.is_empty() {
        root.insert("components".into(), Value::Object(components));
    }
    rewrite_refs(doc, &body_names);
    convert_schemas(doc);
    report.record(
        "convert_swagger_2",
        join("", "swagger"),
        format!(
            "Swagger 2.0 read as OpenAPI 3.0.3: {operations} operation(s), servers from `host`/`basePath`/`schemes`, `definitions` → `components.schemas`, body and form parameters → request bodies, response schemas → content"
        ),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;

    #[test]
    fn a_swagger_2_document_becomes_its_openapi_3_reading() {
        let mut doc = yaml(
            r#"swagger: "2.0"
info: {title: Old, version: "1"}
host: api.example.com
basePath: /v1
schemes: [http, https]
consumes: [application/json]
produces: [application/json]
securityDefinitions:
  key: {type: apiKey, in: header, name: X-Key}
  basic: {type: basic}
parameters:
  Limit: {name: limit, in: query, type: integer, minimum: 1}
  NewCall: {name: body, in: body, required: true, schema: {$ref: '#/definitions/NewCall'}}
responses:
  NotFound: {description: missing, schema: {$ref: '#/definitions/Error'}}
paths:
  /calls:
    get:
      operationId: listCalls
      parameters:
        - $ref: '#/parameters/Limit'
        - {name: status, in: query, type: array, items: {type: string}, collectionFormat: multi}
        - {name: ids, in: query, type: array, items: {type: string}}
      responses:
        200: {description: ok, schema: {type: array, items: {$ref: '#/definitions/Call'}}}
        404: {$ref: '#/responses/NotFound'}
    post:
      operationId: createCall
      parameters: [{$ref: '#/parameters/NewCall'}]
      responses:
        201: {description: made, schema: {$ref: '#/definitions/Call'}, headers: {Location: {type: string}}}
  /calls/{id}/recording:
    parameters: [{name: id, in: path, required: true, type: string}]
    post:
      operationId: upload
      consumes: [multipart/form-data]
      parameters:
        - {name: file, in: formData, type: file, required: true}
        - {name: note, in: formData, type: string}
      responses:
        204: {description: done}
definitions:
  Call:
    type: object
    discriminator: kind
    properties: {id: {type: string}, kind: {type: string}, ended: {type: string, x-nullable: true}}
  NewCall: {type: object, properties: {to: {type: string}}}
  Error: {type: object, properties: {message: {type: string}}}
"#,
        );
        let mut report = Report::default();
        convert_swagger_2(&mut doc, &mut report).unwrap();
        assert_eq!(doc["openapi"], "3.0.3");
        assert!(doc.get("swagger").is_none() && doc.get("definitions").is_none());
        assert_eq!(
            doc["servers"],
            json!([{"url": "https://api.example.com/v1"}, {"url": "http://api.example.com/v1"}])
        );
        let c = &doc["components"];
        assert_eq!(
            c["parameters"]["Limit"],
            json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}})
        );
        assert_eq!(
            c["requestBodies"]["NewCall"],
            json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewCall"}}}, "required": true})
        );
        assert_eq!(
            c["responses"]["NotFound"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Error"
        );
        assert_eq!(c["securitySchemes"]["basic"], json!({"type": "http", "scheme": "basic"}));
        assert_eq!(c["schemas"]["Call"]["discriminator"], json!({"propertyName": "kind"}));
        assert_eq!(c["schemas"]["Call"]["properties"]["ended"], json!({"type": "string", "nullable": true}));
        let list = &doc["paths"]["/calls"]["get"];
        assert_eq!(list["parameters"][0], json!({"$ref": "#/components/parameters/Limit"}));
        assert_eq!(list["parameters"][1]["style"], "form");
        assert_eq!(list["parameters"][1]["explode"], true, "multi: repeated keys");
        assert_eq!(list["parameters"][2]["explode"], false, "Swagger 2.0's default csv");
        assert_eq!(
            list["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"],
            "#/components/schemas/Call"
        );
        assert_eq!(list["responses"]["404"], json!({"$ref": "#/components/responses/NotFound"}));
        let create = &doc["paths"]["/calls"]["post"];
        assert_eq!(create["requestBody"], json!({"$ref": "#/components/requestBodies/NewCall"}));
        assert!(create.get("parameters").is_none());
        assert_eq!(create["responses"]["201"]["headers"]["Location"], json!({"schema": {"type": "string"}}));
        let upload = &doc["paths"]["/calls/{id}/recording"];
        assert_eq!(upload["parameters"][0]["schema"], json!({"type": "string"}));
        let form = &upload["post"]["requestBody"]["content"]["multipart/form-data"]["schema"];
        assert_eq!(form["properties"]["file"], json!({"type": "string", "format": "binary"}));
        assert_eq!(form["required"], json!(["file"]));
        assert_eq!(upload["post"]["responses"]["204"], json!({"description": "done"}));
        assert_eq!(report.entries.len(), 1);
        // An OpenAPI 3 document is left alone.
        let mut v3 = json!({"openapi": "3.0.3", "paths": {}});
        convert_swagger_2(&mut v3, &mut Report::default()).unwrap();
        assert_eq!(v3, json!({"openapi": "3.0.3", "paths": {}}));
    }
}
