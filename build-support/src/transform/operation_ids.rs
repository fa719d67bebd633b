use crate::report::Report;
use crate::visit::{for_each_operation, join};
use anyhow::{Result, bail};
use heck::{ToLowerCamelCase, ToSnakeCase};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Derives an id from a summary ("Start Call" → `startCall`) or, without one, from the method
/// and path (`GET /calls/{id}/events` → `getCallsIdEvents`).
fn derive(method: &str, path: &str, summary: Option<&str>) -> String {
    let from_summary = summary.map(|s| s.to_lower_camel_case()).filter(|s| !s.is_empty() && s.len() <= 60);
    from_summary.unwrap_or_else(|| {
        let words: Vec<String> = std::iter::once(method.to_owned())
            .chain(
                path.split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.trim_matches(|c| c == '{' || c == '}').to_owned()),
            )
            .collect();
        words.join(" ").to_lower_camel_case()
    })
}

/// Operations without an `operationId`: progenitor refuses them (Altur's Start Call has none).
///
/// The id is derived from the summary when there is one, else from method and path, so it is
/// readable and stable across regenerations. It is made unique against every existing id as
/// progenitor will spell it (snake_case), by appending the method and then a number.
/// Existing ids that collide once snake_cased are refused with an error naming both.
pub fn synthesize_operation_ids(doc: &mut Value, report: &mut Report) -> Result<()> {
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    let mut error = None;
    for_each_operation(doc, &mut |ptr, _, _, op| {
        if let Some(id) = op.get("operationId").and_then(Value::as_str)
            && let Some(other) = taken.insert(id.to_snake_case(), ptr.to_owned())
        {
            error.get_or_insert(format!(
                "operationId {id:?} at {ptr} collides with the one at {other} once snake_cased"
            ));
        }
        Ok(())
    })?;
    if let Some(e) = error {
        bail!(e);
    }
    for_each_operation(doc, &mut |ptr, path, method, op| {
        if op.get("operationId").and_then(Value::as_str).is_some() {
            return Ok(());
        }
        let base = derive(method, path, op.get("summary").and_then(Value::as_str));
        let mut id = base.clone();
        if taken.contains_key(&id.to_snake_case()) {
            id = format!("{base} {method}").to_lower_camel_case();
        }
        let mut n = 2;
        while taken.contains_key(&id.to_snake_case()) {
            id = format!("{base}{n}");
            n += 1;
        }
        let source = if op.get("summary").is_some() { "summary" } else { "method and path" };
        taken.insert(id.to_snake_case(), ptr.to_owned());
        report.record(
            "synthesize_operation_ids",
            ptr,
            format!("added `operationId: {id}` (from the {source})"),
        );
        op.insert("operationId".into(), Value::String(id));
        Ok(())
    })
}

/// Path segments that are not parameters, in order (`/v1/projects/{id}/keys` → `v1 projects keys`).
fn literal_segments(path: &str) -> Vec<String> {
    path.split('/').filter(|s| !s.is_empty() && !s.starts_with('{')).map(str::to_owned).collect()
}

/// Several operations with the same operationId (or ids progenitor would spell the same, once
/// snake_cased): progenitor refuses the document (`duplicate operation ID`), or generates two
/// methods of one name that do not compile.
///
/// Every operation of such a group is renamed, path-qualified: the id followed by as many of the
/// path's last literal segments as it takes to tell the group apart and to avoid every other id
/// (`list` at `/v1/projects/{id}/keys` → `listKeys`; at `/v1/projects/{id}/members` → `listMembers`),
/// then the method, then a number. Deterministic (document order does not matter), and each rename
/// is reported, since the method name differs from the document's id.
pub fn disambiguate_operation_ids(doc: &mut Value, report: &mut Report) -> Result<()> {
    let mut groups: BTreeMap<String, Vec<(String, String, String, String)>> = BTreeMap::new();
    for_each_operation(doc, &mut |ptr, path, method, op| {
        if let Some(id) = op.get("operationId").and_then(Value::as_str) {
            groups.entry(id.to_snake_case()).or_default().push((
                ptr.to_owned(),
                path.to_owned(),
                method.to_owned(),
                id.to_owned(),
            ));
        }
        Ok(())
    })?;
    let mut taken: BTreeSet<String> =
        groups.iter().filter(|(_, g)| g.len() == 1).map(|(k, _)| k.clone()).collect();
    let mut renames: BTreeMap<String, (String, String, usize)> = BTreeMap::new();
    for members in groups.values().filter(|g| g.len() > 1) {
        let longest = members.iter().map(|(_, path, _, _)| literal_segments(path).len()).max().unwrap_or(0);
        let candidate = |(_, path, method, id): &(String, String, String, String), k: usize| -> String {
            let segments = literal_segments(path);
            let tail = &segments[segments.len().saturating_sub(k)..];
            let method = if k > longest { vec![method.clone()] } else { Vec::new() };
            std::iter::once(id.clone())
                .chain(tail.iter().cloned())
                .chain(method)
                .collect::<Vec<_>>()
                .join(" ")
                .to_lower_camel_case()
        };
        let mut chosen = None;
        for k in 1..=longest + 1 {
            let names: Vec<String> = members.iter().map(|m| candidate(m, k)).collect();
            let snake: BTreeSet<String> = names.iter().map(|n| n.to_snake_case()).collect();
            if snake.len() == names.len() && !snake.iter().any(|n| taken.contains(n)) {
                chosen = Some(names);
                break;
            }
        }
        let names = chosen.unwrap_or_else(|| {
            // Same path and method segments cannot tell them apart: number them in pointer order.
            let mut sorted: Vec<&(String, String, String, String)> = members.iter().collect();
            sorted.sort();
            let full = |m: &(String, String, String, String)| candidate(m, longest + 1);
            members
                .iter()
                .map(|m| {
                    let mut n = sorted.iter().position(|s| s.0 == m.0).unwrap_or(0) + 1;
                    let mut name = format!("{}{n}", full(m));
                    while taken.contains(&name.to_snake_case()) {
                        n += members.len();
                        name = format!("{}{n}", full(m));
                    }
                    name
                })
                .collect()
        });
        for (member, name) in members.iter().zip(names) {
            taken.insert(name.to_snake_case());
            renames.insert(member.0.clone(), (member.3.clone(), name, members.len()));
        }
    }
    for_each_operation(doc, &mut |ptr, _, _, op| {
        if let Some((old, new, n)) = renames.get(ptr) {
            report.record(
                "disambiguate_operation_ids",
                join(ptr, "operationId"),
                format!("`{old}` is shared by {n} operations; renamed `{new}` (qualified by its path)"),
            );
            op.insert("operationId".into(), Value::String(new.clone()));
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::yaml;

    #[test]
    fn derives_readable_unique_ids() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /call:\n    post: {summary: Start Call, responses: {}}\n    get: {responses: {}}\n  /calls/{id}:\n    get: {operationId: getCallsId, responses: {}}\n    delete: {summary: Start call, responses: {}}\n",
        );
        let mut report = Report::default();
        synthesize_operation_ids(&mut doc, &mut report).unwrap();
        assert_eq!(doc["paths"]["/call"]["post"]["operationId"], "startCall");
        assert_eq!(doc["paths"]["/call"]["get"]["operationId"], "getCall");
        assert_eq!(doc["paths"]["/calls/{id}"]["get"]["operationId"], "getCallsId");
        assert_eq!(doc["paths"]["/calls/{id}"]["delete"]["operationId"], "startCallDelete");
        assert_eq!(report.entries.len(), 3);
    }

    #[test]
    fn refuses_case_colliding_ids() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /a:\n    get: {operationId: getCall, responses: {}}\n    put: {operationId: get_call, responses: {}}\n",
        );
        let err = synthesize_operation_ids(&mut doc, &mut Report::default()).unwrap_err().to_string();
        assert!(err.contains("get_call") && err.contains("/paths/~1a/get"), "{err}");
    }

    #[test]
    fn path_qualifies_shared_ids() {
        let mut doc = yaml(
            "openapi: 3.0.3\npaths:\n  /v1/projects/{id}/keys:\n    get: {operationId: list, responses: {}}\n    post: {operationId: create, responses: {}}\n  /v1/projects/{id}/members:\n    get: {operationId: list, responses: {}}\n  /v1/members:\n    get: {operationId: List, responses: {}}\n  /v2/projects/{id}/keys:\n    post: {operationId: create, responses: {}}\n    put: {operationId: create, responses: {}}\n  /other:\n    get: {operationId: listKeys2, responses: {}}\n",
        );
        let mut report = Report::default();
        disambiguate_operation_ids(&mut doc, &mut report).unwrap();
        let id = |p: &str, m: &str| doc["paths"][p][m]["operationId"].as_str().unwrap().to_owned();
        assert_eq!(id("/v1/projects/{id}/keys", "get"), "listProjectsKeys");
        assert_eq!(id("/v1/projects/{id}/members", "get"), "listProjectsMembers");
        assert_eq!(id("/v1/members", "get"), "listV1Members");
        assert_eq!(id("/v1/projects/{id}/keys", "post"), "createV1ProjectsKeysPost");
        assert_eq!(id("/v2/projects/{id}/keys", "post"), "createV2ProjectsKeysPost");
        assert_eq!(id("/v2/projects/{id}/keys", "put"), "createV2ProjectsKeysPut");
        assert_eq!(id("/other", "get"), "listKeys2", "unique ids are kept");
        assert_eq!(report.entries.len(), 6);
        assert_eq!(report.entries[0].pointer, "/paths/~1v1~1projects~1{id}~1keys/get/operationId");
        assert!(
            report.entries[0].change.contains("`list` is shared by 3 operations"),
            "{}",
            report.entries[0].change
        );

        // Deterministic: the same document in another order gets the same names.
        let mut reordered = yaml(
            "openapi: 3.0.3\npaths:\n  /v1/members:\n    get: {operationId: List, responses: {}}\n  /v1/projects/{id}/members:\n    get: {operationId: list, responses: {}}\n  /v1/projects/{id}/keys:\n    get: {operationId: list, responses: {}}\n",
        );
        disambiguate_operation_ids(&mut reordered, &mut Report::default()).unwrap();
        assert_eq!(reordered["paths"]["/v1/members"]["get"]["operationId"], "listV1Members");
        assert_eq!(reordered["paths"]["/v1/projects/{id}/keys"]["get"]["operationId"], "listProjectsKeys");
    }
}
