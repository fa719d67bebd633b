//! The vendored specs are what the manifest says they are.

use agentdial_build_support::load::sha256_hex;
use agentdial_tests::{manifest, root};

#[test]
fn vendored_specs_match_manifest_hashes() {
    for p in manifest().providers {
        let bytes = std::fs::read(p.spec_path(&root())).expect("vendored spec");
        assert_eq!(
            sha256_hex(&bytes),
            p.sha256,
            "specs/{} differs from the sha256 in specs/providers.toml",
            p.spec
        );
    }
}

#[test]
fn generation_refuses_a_spec_whose_hash_differs() {
    let dir = std::env::temp_dir().join(format!("agentdial-hash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("x.yaml");
    std::fs::write(&path, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n").unwrap();
    let err = agentdial_build_support::load_spec(&path, Some("00")).unwrap_err().to_string();
    assert!(err.contains("sha256") && err.contains("x.yaml"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn malformed_specs_give_file_and_location() {
    let err =
        agentdial_build_support::load::parse_document("openapi: 3.0.3\ninfo: [unclosed\n", "specs/bad.yaml")
            .unwrap_err()
            .to_string();
    assert!(err.starts_with("specs/bad.yaml:"), "{err}");
    // Swagger 2.0 is read (`convert_swagger_2`); an older Swagger is refused by name.
    assert!(agentdial_build_support::load::parse_document("swagger: '2.0'\n", "specs/old.yaml").is_ok());
    let err = agentdial_build_support::load::parse_document("swagger: '1.2'\n", "specs/old.yaml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("Swagger 2.0") && err.starts_with("specs/old.yaml:"), "{err}");
}

#[test]
fn generated_crates_name_their_spec_and_hash() {
    for p in manifest().providers {
        let text =
            std::fs::read_to_string(root().join("crates").join(&p.name).join("src/generated.rs")).unwrap();
        let header: String = text.lines().take(3).collect::<Vec<_>>().join("\n");
        assert!(
            header.contains(&format!("specs/{}", p.spec))
                && header.contains(&p.sha256)
                && header.contains("Do not edit"),
            "{header}"
        );
    }
}

/// The authored HMS Sovereign document: structurally valid OpenAPI 3.0.3 (openapiv3), every `$ref`
/// resolves, operationIds are unique, and it covers what the issue asks for.
#[test]
fn hmsovereign_document_is_valid_and_complete() {
    let text = std::fs::read_to_string(root().join("specs/hmsovereign.yaml")).unwrap();
    let spec: openapiv3::OpenAPI = serde_yaml::from_str(&text).expect("structurally valid OpenAPI 3.0");
    assert_eq!(spec.openapi, "3.0.3");
    assert_eq!(spec.servers[0].url, "https://api.hmsovereign.com/api/v1");
    let description = spec.info.description.as_deref().unwrap_or_default().to_lowercase();
    assert!(
        description.contains("authored") && description.contains("agentdial"),
        "provenance stated in info.description"
    );

    let doc: serde_json::Value = serde_yaml::from_str(&text).unwrap();
    // Every $ref resolves.
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r.to_owned());
                }
                m.values().for_each(|c| refs(c, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|c| refs(c, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 100);
    for r in &all {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("external $ref {r}"));
        assert!(doc.pointer(pointer).is_some(), "unresolved $ref {r}");
    }
    // 52 operations with unique operationIds; security on every one (top level).
    let mut ids = std::collections::BTreeSet::new();
    let mut count = 0;
    for (path, item) in &spec.paths.paths {
        let item = item.as_item().unwrap_or_else(|| panic!("{path} is a $ref"));
        for (method, op) in item.iter() {
            count += 1;
            let id = op.operation_id.clone().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.clone()), "duplicate operationId {id}");
        }
    }
    assert_eq!(count, 52);
    for published in [
        "listAssistants",
        "createOutboundCall",
        "controlCall",
        "getCall",
        "listCalls",
        "getUsage",
        "getOrganizationLegacy",
    ] {
        assert!(ids.contains(published), "{published}");
    }
    assert!(spec.security.as_ref().is_some_and(|s| s.iter().any(|r| r.contains_key("BearerAuth"))));
    let schemas = &spec.components.as_ref().unwrap().schemas;
    assert!(schemas.len() >= 68, "{} schemas", schemas.len());
    for webhook in [
        "AssistantRequestPayload",
        "AssistantRequestResponse",
        "ToolCallsPayload",
        "ToolCallsResponse",
        "StatusUpdatePayload",
        "EndOfCallReportPayload",
    ] {
        assert!(schemas.contains_key(webhook), "webhook schema {webhook}");
    }
    assert!(text.contains("x-agentdial-inferred: true"), "inferred parts are marked");
    assert!(
        doc.pointer("/paths/~1account/get/deprecated").and_then(|d| d.as_bool()) == Some(true),
        "GET /account is deprecated"
    );
}
