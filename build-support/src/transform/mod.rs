//! The transformations applied to every document before progenitor sees it.
//!
//! Each transformation is one function `fn(&mut Value, &mut Report) -> Result<()>` that fires only
//! where its defect is present and records every change it makes. Provider-specific fixes are not
//! here: they are JSON Patch files next to the vendored spec, listed in `specs/providers.toml`.

mod defaults;
mod descriptions;
mod enums;
mod examples;
mod formats;
mod media_types;
mod numbers;
mod openapi31;
mod operation_ids;
mod parameters;
mod paths;
mod properties;
mod refs;
mod required;
mod responses;
mod swagger2;
mod titles;

pub use defaults::drop_nonconforming_defaults;
pub use descriptions::sanitize_descriptions;
pub use enums::{deduplicate_enum_values, retype_contradicted_enums, widen_unnameable_enums};
pub use examples::widen_contradicted_types;
pub use formats::{
    drop_contradicted_formats, drop_misplaced_formats, drop_vacuous_bounds, merge_single_member_compositions,
    normalize_type_names, repair_patterns, split_combined_compositions,
};
pub use media_types::{
    ACCEPT_EXTENSION, BodyEncoding, FILE_PART_CRATE, FILE_PART_TYPE, REQUEST_BODY_EXTENSION,
    RequestBodyEncoding, choose_request_media_type, form_request_bodies, json_suffix_responses,
    multipart_request_bodies, other_request_media_types, recorded_encodings, untyped_json_responses,
};
pub use numbers::widen_single_precision_numbers;
pub use openapi31::{downgrade_openapi_31, normalize_openapi_version};
pub use operation_ids::{disambiguate_operation_ids, synthesize_operation_ids};
pub use parameters::{
    DELIMITER_EXTENSION, WIRE_NAME_EXTENSION, complete_path_parameters, delimited_query_arrays,
    delimited_query_parameters, distinct_parameter_identifiers, drop_optional_cookie_parameters,
    flatten_deep_object_parameters, non_nullable_parameters, schema_for_bare_parameters,
    strip_auth_header_parameters,
};
pub use paths::{complete_operation_responses, complete_path_slashes};
pub use properties::{PROPERTY_WIRE_NAMES_EXTENSION, distinct_property_identifiers};
pub use refs::{inline_unfollowed_refs, wrap_ref_siblings};
pub use required::{drop_undefined_required, hoist_boolean_required, relax_directional_required};
pub use responses::{
    TYPED_RESPONSES_EXTENSION, TypedResponses, split_default_response, unify_response_bodies, variant_key,
};
pub use swagger2::convert_swagger_2;
pub use titles::qualify_colliding_titles;

use crate::report::Report;
use anyhow::{Context, Result};
use serde_json::Value;

pub type Transformation = fn(&mut Value, &mut Report) -> Result<()>;

/// The general transformations in the order they run, with the reason each exists.
pub const TRANSFORMATIONS: &[(&str, Transformation, &str)] = &[
    (
        "convert_swagger_2",
        convert_swagger_2,
        "progenitor and openapiv3 read only OpenAPI 3; a Swagger 2.0 document is read as the OpenAPI 3.0 document it describes (servers, components, request bodies, response content), construct by construct",
    ),
    (
        "normalize_openapi_version",
        normalize_openapi_version,
        "openapiv3 wants `openapi` as a full version string; `3.0`, `3.1` or an unquoted YAML number becomes `3.0.3` or `3.1.0`",
    ),
    (
        "inline_unfollowed_refs",
        inline_unfollowed_refs,
        "openapiv3 cannot read a callback given as `$ref` and progenitor refuses a path item given as `$ref`; local references there are replaced by copies",
    ),
    (
        "downgrade_openapi_31",
        downgrade_openapi_31,
        "progenitor and openapiv3 accept only OpenAPI 3.0; 3.1 constructs (in any document) become their closest 3.0.3 meaning, annotations and what 3.0 cannot state are dropped with a report",
    ),
    (
        "complete_path_slashes",
        complete_path_slashes,
        "progenitor silently leaves out an operation whose path lacks its leading `/` (`calls/{id}`); the `/` is added",
    ),
    (
        "schema_for_bare_parameters",
        schema_for_bare_parameters,
        "openapiv3 refuses a parameter whose type is on the parameter itself (Swagger 2 style, no `schema`) and the operation was skipped; those keywords move into its `schema`",
    ),
    (
        "complete_operation_responses",
        complete_operation_responses,
        "openapiv3 refuses an operation without `responses`, and progenitor makes every status of `responses: {}` an error; such an operation gets `2XX` with any content (the body as bytes)",
    ),
    (
        "normalize_type_names",
        normalize_type_names,
        "typify panics on a `type` JSON Schema does not have (`int`, `bool`, `file`) and the operations using it were skipped; a name that plainly means a JSON type becomes it, any other is removed (any JSON value)",
    ),
    (
        "merge_single_member_compositions",
        merge_single_member_compositions,
        "a one-member `oneOf`/`anyOf` next to an `allOf` (`oneOf: [X], allOf: [X]`) makes typify merge X into itself, exponentially slowly; the members become one `allOf`",
    ),
    (
        "wrap_ref_siblings",
        wrap_ref_siblings,
        "openapiv3 drops keywords next to `$ref` (description, nullable); wrapping the reference in `allOf` keeps them",
    ),
    (
        "hoist_boolean_required",
        hoist_boolean_required,
        "openapiv3 refuses `required: true` written on a property's schema (Swagger 2 style) and the operations using it were skipped; the name moves to the object's `required` list, as the document means",
    ),
    (
        "drop_undefined_required",
        drop_undefined_required,
        "typify turns a required name without a property into a required `serde_json::Value`, so documented responses without it fail to parse",
    ),
    (
        "relax_directional_required",
        relax_directional_required,
        "OpenAPI makes a required `readOnly` property required in responses only and a `writeOnly` one in requests only, but typify makes one type for both; where a schema is used the other way the property is optional, so responses without the write-only secret decode and requests need not invent the server's `id`",
    ),
    (
        "widen_contradicted_types",
        widen_contradicted_types,
        "a schema whose own example has another JSON type cannot deserialize that example; the type is widened to accept both",
    ),
    (
        "widen_single_precision_numbers",
        widen_single_precision_numbers,
        "typify maps `format: float` to `f32`, which does not give back the decimal the provider sent (`0.87` returns as `0.8700000047683716`); it becomes `double` (`f64`)",
    ),
    (
        "drop_misplaced_formats",
        drop_misplaced_formats,
        "typify panics on `format` next to a type other than string or number (`type: object, format: uri-map`), where it asserts nothing",
    ),
    (
        "drop_contradicted_formats",
        drop_contradicted_formats,
        "typify gives `uuid`, `date`, `date-time` and `ip*` strings Rust types of their own, so a field whose own example or default is not such a value (`format: uuid`, example `CON-f972836a-…`) could not decode what the provider documents; the format is dropped and the field stays a string",
    ),
    (
        "repair_patterns",
        repair_patterns,
        "typify checks `pattern` with `regress::Regex::new(pattern).unwrap()`: a JavaScript literal (`/^…$/u`) refuses every real value and a non-ECMAScript pattern panics; a literal becomes its body, a pattern that does not compile is removed",
    ),
    (
        "drop_vacuous_bounds",
        drop_vacuous_bounds,
        "`minLength: 0` (and `minItems`/`minProperties: 0`) asserts nothing, and typify's check for it (`count() < 0usize`) is a rustc warning, an error under `-D warnings`; dropped",
    ),
    (
        "split_combined_compositions",
        split_combined_compositions,
        "progenitor asserts a schema has `anyOf` or `oneOf`, not both; an implied `anyOf` is removed, else the two become an `allOf`",
    ),
    (
        "deduplicate_enum_values",
        deduplicate_enum_values,
        "typify panics on an `enum` listing a value twice; the repeat is removed",
    ),
    (
        "retype_contradicted_enums",
        retype_contradicted_enums,
        "a declared `type` that none of the schema's `enum` values has; the values' type replaces it",
    ),
    (
        "widen_unnameable_enums",
        widen_unnameable_enums,
        "typify panics when an enum's values cannot become distinct Rust variant names (`=`, `!=`); the field becomes a string listing them",
    ),
    (
        "drop_nonconforming_defaults",
        drop_nonconforming_defaults,
        "typify refuses a document in which a `default` is not valid against its own schema; such a default (an annotation) is dropped",
    ),
    (
        "complete_path_parameters",
        complete_path_parameters,
        "progenitor panics on a path placeholder without a declared parameter or a path parameter not marked required; they are declared/marked",
    ),
    (
        "disambiguate_operation_ids",
        disambiguate_operation_ids,
        "progenitor refuses operations sharing an operationId (or ids equal once snake_cased); each is renamed, qualified by its path, deterministically",
    ),
    (
        "synthesize_operation_ids",
        synthesize_operation_ids,
        "progenitor refuses operations without an operationId; a readable, deterministic, unique one is derived",
    ),
    (
        "qualify_colliding_titles",
        qualify_colliding_titles,
        "typify names inline types after their `title` and silently reuses a type of the same name, whatever its shape; colliding titles are qualified by where the schema sits",
    ),
    (
        "strip_auth_header_parameters",
        strip_auth_header_parameters,
        "an `Authorization` header parameter would become a required argument of every method; auth comes from the security scheme instead",
    ),
    (
        "drop_optional_cookie_parameters",
        drop_optional_cookie_parameters,
        "progenitor refuses cookie parameters and the operation was skipped; an optional one is removed (reported), so the operation is generated without it",
    ),
    (
        "flatten_deep_object_parameters",
        flatten_deep_object_parameters,
        "progenitor refuses `style: deepObject` query parameters and the operation was skipped; an object with named properties is sent as deepObject serializes it, one `name[property]` query parameter per property",
    ),
    (
        "delimited_query_arrays",
        delimited_query_arrays,
        "progenitor repeats the key of every query array and refuses `spaceDelimited`/`pipeDelimited`; an array the document sends as one value (`explode: false`, those styles, Swagger 2.0's `csv`) is sent joined by its delimiter",
    ),
    (
        "distinct_parameter_identifiers",
        distinct_parameter_identifiers,
        "progenitor names arguments after parameters, and names that differ only in punctuation (`StartTime`, `StartTime<`) become the same Rust identifier; the later ones are renamed in the client and sent under their original name",
    ),
    (
        "distinct_property_identifiers",
        distinct_property_identifiers,
        "typify names a field after its property, and names that differ only in case or punctuation (`ok` and `Ok`, `_links` and `links`) become one Rust field declared twice; the later ones get a distinct field that is still read and written under the original name",
    ),
    (
        "non_nullable_parameters",
        non_nullable_parameters,
        "a parameter cannot carry JSON null (absent already means none), and progenitor's header code does not compile for a nullable optional parameter; `nullable` is dropped from parameter schemas (a reference to a nullable component becomes a copy of it without `nullable`)",
    ),
    (
        "choose_request_media_type",
        choose_request_media_type,
        "progenitor accepts one media type per request body; JSON is chosen, else form, else multipart, else raw bytes",
    ),
    (
        "multipart_request_bodies",
        multipart_request_bodies,
        "progenitor refuses `multipart/form-data` bodies; they become a generated struct (files as `agentdial_core::multipart::FilePart`) that `send()` sends as a multipart form",
    ),
    (
        "form_request_bodies",
        form_request_bodies,
        "progenitor's form encoder refuses array fields; `send()` encodes with `agentdial_core::form` (arrays as repeated keys)",
    ),
    (
        "other_request_media_types",
        other_request_media_types,
        "progenitor refuses other request media types (`audio/*`, `application/xml`, `+json`, no schema); raw content becomes bytes sent with its documented `Content-Type`",
    ),
    (
        "json_suffix_responses",
        json_suffix_responses,
        "progenitor types only `application/json` responses; one documented only as `application/problem+json` or another `+json` type was bytes. It is decoded as its schema, and a request whose success is such a type asks for it in `Accept`",
    ),
    (
        "untyped_json_responses",
        untyped_json_responses,
        "progenitor panics on a JSON response without a schema; it is typed as any JSON value",
    ),
    (
        "split_default_response",
        split_default_response,
        "progenitor counts a `default` response as both success and error and panics; next to explicit successes it means the error ranges 4XX and 5XX",
    ),
    (
        "unify_response_bodies",
        unify_response_bodies,
        "progenitor panics when one operation has several success or several error body types; they become one body decoded per status into a typed enum",
    ),
    (
        "sanitize_descriptions",
        sanitize_descriptions,
        "descriptions become rustdoc: indented text and bare code fences would be compiled as doctests",
    ),
];

/// Applies the provider's patch files (in order), then every general transformation.
pub fn transform(document: &mut Value, patches: &[(String, Value)], report: &mut Report) -> Result<()> {
    for (name, patch) in patches {
        apply_patch(document, name, patch, report)?;
    }
    let trace = std::env::var_os("AGENTDIAL_TRACE_DEGRADE").is_some();
    for (name, f, _) in TRANSFORMATIONS {
        let started = std::time::Instant::now();
        f(document, report).with_context(|| format!("transformation `{name}`"))?;
        if trace {
            eprintln!("{name}: {:.0} ms", started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    Ok(())
}

/// Applies one provider patch file: a JSON Patch (RFC 6902) document, written in YAML, whose
/// operations may carry a `reason` that goes into the report.
pub fn apply_patch(document: &mut Value, file: &str, patch: &Value, report: &mut Report) -> Result<()> {
    let ops = patch
        .as_array()
        .with_context(|| format!("{file}: a patch file is a list of JSON Patch operations"))?;
    for (i, op) in ops.iter().enumerate() {
        let mut op = op.clone();
        let reason =
            op.as_object_mut().and_then(|o| o.remove("reason")).and_then(|r| r.as_str().map(str::to_owned));
        let parsed: json_patch::PatchOperation = serde_json::from_value(op.clone())
            .with_context(|| format!("{file}: operation {i} is not a JSON Patch operation"))?;
        json_patch::patch(document, std::slice::from_ref(&parsed))
            .with_context(|| format!("{file}: operation {i} does not apply: {op}"))?;
        let pointer = op.get("path").and_then(Value::as_str).unwrap_or_default().to_owned();
        let verb = op.get("op").and_then(Value::as_str).unwrap_or_default();
        let what = match reason {
            Some(r) => format!("{file}: `{verb}`: {r}"),
            None => format!("{file}: `{verb}`"),
        };
        report.record("provider_patch", pointer, what);
    }
    Ok(())
}

#[cfg(test)]
pub(crate) fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).expect("test YAML")
}
