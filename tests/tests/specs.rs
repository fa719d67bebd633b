//! The vendored specs are what the manifest says they are.

use agentdial_build_support::load::sha256_hex;
use agentdial_tests::{manifest, root};

#[test]
fn vendored_specs_match_manifest_hashes() {
    for p in manifest().providers {
        let bytes = std::fs::read(p.spec_path(&root())).expect("vendored spec");
        assert_eq!(sha256_hex(&bytes), p.sha256, "specs/{} differs from the sha256 in specs/providers.toml", p.spec);
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
    let err = agentdial_build_support::load::parse_document("openapi: 3.0.3\ninfo: [unclosed\n", "specs/bad.yaml").unwrap_err().to_string();
    assert!(err.starts_with("specs/bad.yaml:"), "{err}");
    let err = agentdial_build_support::load::parse_document("swagger: '2.0'\n", "specs/old.yaml").unwrap_err().to_string();
    assert!(err.contains("Swagger 2.0"), "{err}");
}

#[test]
fn generated_crates_name_their_spec_and_hash() {
    for p in manifest().providers {
        let text = std::fs::read_to_string(root().join("crates").join(&p.name).join("src/generated.rs")).unwrap();
        let header: String = text.lines().take(3).collect::<Vec<_>>().join("\n");
        assert!(header.contains(&format!("specs/{}", p.spec)) && header.contains(&p.sha256) && header.contains("Do not edit"), "{header}");
    }
}
