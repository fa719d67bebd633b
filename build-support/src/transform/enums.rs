use super::examples::json_type;
use crate::report::Report;
use crate::visit::for_each_schema;
use anyhow::Result;
use heck::ToPascalCase;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use unicode_ident::{is_xid_continue, is_xid_start};

/// An `enum` listing a value more than once.
///
/// typify names one variant per listed value and panics on the repeat (`Failed to make unique
/// variant names`). The set of allowed values is the same without the repeats, so they are removed.
pub fn deduplicate_enum_values(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut) else { return Ok(()) };
        let mut seen: Vec<Value> = Vec::with_capacity(values.len());
        let mut repeated = Vec::new();
        for v in values.drain(..) {
            if seen.contains(&v) {
                repeated.push(v.to_string());
            } else {
                seen.push(v);
            }
        }
        *values = seen;
        if !repeated.is_empty() {
            report.record(
                "deduplicate_enum_values",
                format!("{ptr}/enum"),
                format!("removed repeated values {}", repeated.join(", ")),
            );
        }
        Ok(())
    })
}

/// A `type` that none of the schema's own `enum` values has (`type: object`, `enum: [refer, bye]`).
///
/// Generated from the declared type, the field could hold none of the documented values, and
/// typify rejects a `default` taken from them. When every (non-null) value has one JSON type, that
/// type replaces the declared one.
pub fn retype_contradicted_enums(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        let (Some(declared), Some(values)) =
            (obj.get("type").and_then(Value::as_str), obj.get("enum").and_then(Value::as_array))
        else {
            return Ok(());
        };
        let types: BTreeSet<&str> = values.iter().filter(|v| !v.is_null()).map(json_type).collect();
        let accepted = |t: &str| t == declared || (declared == "number" && t == "integer");
        if types.len() != 1 || types.iter().all(|t| accepted(t)) {
            return Ok(());
        }
        let actual = types.into_iter().next().unwrap_or_default().to_owned();
        let declared = declared.to_owned();
        obj.insert("type".into(), Value::String(actual.clone()));
        report.record(
            "retype_contradicted_enums",
            format!("{ptr}/type"),
            format!("declared `type: {declared}` but every `enum` value is a {actual}; `type: {actual}`"),
        );
        Ok(())
    })
}

/// typify 0.8's Pascal-case name for a string (`typify_impl::util::sanitize`): how it names types
/// after titles and component keys, and enum variants after values.
pub(crate) fn typify_pascal(value: &str) -> String {
    typify_sanitize(value, |s| s.to_pascal_case())
}

/// typify 0.8's `sanitize` in the case `to_case` gives (Pascal for types and variants, snake for
/// fields): `'` dropped, other non-identifier characters are word breaks, `+1`/`-1` spelled out,
/// and a name that cannot start an identifier prefixed with `x` in that case.
pub(crate) fn typify_sanitize(value: &str, to_case: fn(&str) -> String) -> String {
    let out = match value {
        "+1" => "plus1".to_owned(),
        "-1" => "minus1".to_owned(),
        _ => to_case(&value.replace('\'', "").replace(|c: char| !is_xid_continue(c), "-")),
    };
    let prefix = to_case("x");
    match out.chars().next() {
        None => prefix,
        Some(c) if is_xid_start(c) => out,
        Some(_) => format!("{prefix}{out}"),
    }
}

/// typify's second attempt when the first names collide: elided characters become `X`.
fn variant_name_with_x(value: &str) -> String {
    typify_pascal(&value.replace(|c: char| c == '_' || !is_xid_continue(c), "X"))
}

fn unique(names: impl Iterator<Item = String>) -> bool {
    let mut seen = BTreeSet::new();
    names.into_iter().all(|n| seen.insert(n))
}

/// A string `enum` whose values typify cannot turn into distinct variant names (`=`, `!=`, `>`:
/// all are `X`; `。` and `，`), which makes it panic.
///
/// typify's two naming rules are applied here; where both collide, the values stay allowed but the
/// `enum` keyword is removed, so the field is a `String`, and the values are listed in its
/// description. Nothing the provider sends is refused (string enums are open anyway, see
/// `open_enums`); only the closed Rust enum for requests is lost.
pub fn widen_unnameable_enums(doc: &mut Value, report: &mut Report) -> Result<()> {
    for_each_schema(doc, &mut |ptr, schema| {
        let Some(obj) = schema.as_object_mut() else { return Ok(()) };
        let Some(values) = obj.get("enum").and_then(Value::as_array) else { return Ok(()) };
        let Some(strings) =
            values.iter().filter(|v| !v.is_null()).map(Value::as_str).collect::<Option<Vec<&str>>>()
        else {
            return Ok(());
        };
        if unique(strings.iter().map(|s| typify_pascal(s)))
            || unique(strings.iter().map(|s| variant_name_with_x(s)))
        {
            return Ok(());
        }
        let listed = strings.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
        let description = match obj.get("description").and_then(Value::as_str) {
            Some(d) if !d.is_empty() => format!("{d}\n\nOne of: {listed}."),
            _ => format!("One of: {listed}."),
        };
        let nullable = values.iter().any(Value::is_null);
        obj.remove("enum");
        obj.insert("description".into(), json!(description));
        obj.entry("type").or_insert_with(|| json!("string"));
        if nullable {
            obj.insert("nullable".into(), Value::Bool(true));
        }
        report.record(
            "widen_unnameable_enums",
            format!("{ptr}/enum"),
            format!("values {listed} cannot be told apart as Rust variant names; the field is a string, the values are listed in its description"),
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;

    #[test]
    fn removes_repeated_values() {
        let mut doc = yaml(
            "openapi: 3.0.3\ncomponents: {schemas: {V: {type: string, enum: [luna, hera, luna, zeus, hera]}, W: {type: string, enum: [a, b]}}}\n",
        );
        let mut report = Report::default();
        deduplicate_enum_values(&mut doc, &mut report).unwrap();
        assert_eq!(doc["components"]["schemas"]["V"]["enum"], json!(["luna", "hera", "zeus"]));
        assert_eq!(report.entries.len(), 1);
        assert_eq!(report.entries[0].pointer, "/components/schemas/V/enum");
        assert!(report.entries[0].change.contains("\"luna\", \"hera\""), "{}", report.entries[0].change);
    }

    #[test]
    fn retypes_an_enum_its_values_contradict() {
        let mut doc = yaml(
            "openapi: 3.0.3\ncomponents: {schemas: {T: {type: object, default: refer, enum: [refer, bye]}, N: {type: number, enum: [1, 2]}, M: {type: string, enum: [a, 1]}}}\n",
        );
        let mut report = Report::default();
        retype_contradicted_enums(&mut doc, &mut report).unwrap();
        assert_eq!(doc["components"]["schemas"]["T"]["type"], "string");
        assert_eq!(doc["components"]["schemas"]["N"]["type"], "number", "integers are numbers");
        assert_eq!(doc["components"]["schemas"]["M"]["type"], "string", "mixed values: left alone");
        assert_eq!(report.entries.len(), 1);
        assert_eq!(report.entries[0].pointer, "/components/schemas/T/type");
    }

    #[test]
    fn names_like_typify() {
        assert_eq!(typify_pascal("in-progress"), "InProgress");
        assert_eq!(typify_pascal("en-US"), "EnUs");
        assert_eq!(typify_pascal("="), "X");
        assert_eq!(typify_pascal("!="), "X");
        assert_eq!(typify_pascal("1st"), "X1st");
        assert_eq!(variant_name_with_x("!="), "Xx");
        assert_eq!(variant_name_with_x("="), "X");
    }

    #[test]
    fn widens_only_enums_typify_cannot_name() {
        let mut doc = yaml(
            "openapi: 3.0.3\ncomponents:\n  schemas:\n    Op: {type: string, description: Comparison., enum: ['=', '!=', '>', '<', '>=', '<=']}\n    Fine: {type: string, enum: ['a+', a]}\n    Plain: {type: string, enum: [queued, done]}\n",
        );
        let mut report = Report::default();
        widen_unnameable_enums(&mut doc, &mut report).unwrap();
        let op = &doc["components"]["schemas"]["Op"];
        assert!(op.get("enum").is_none());
        assert_eq!(op["type"], "string");
        assert_eq!(op["description"], "Comparison.\n\nOne of: `=`, `!=`, `>`, `<`, `>=`, `<=`.");
        assert!(
            doc["components"]["schemas"]["Fine"].get("enum").is_some(),
            "typify's second rule tells a+ from a"
        );
        assert!(doc["components"]["schemas"]["Plain"].get("enum").is_some());
        assert_eq!(report.entries.len(), 1);
        assert_eq!(report.entries[0].pointer, "/components/schemas/Op/enum");
    }
}
