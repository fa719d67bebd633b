//! Generates the client from `query-key.yaml` with the same pipeline as a provider crate
//! (transformations, progenitor, passes), so the tests exercise exactly the code a provider whose
//! key goes in a query parameter gets.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=query-key.yaml");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let origin = "tests/query-key-fixture/query-key.yaml";
    let (code, markdown) = agentdial_build_support::generate::generate_document(
        &dir.join("query-key.yaml"),
        "query-key-fixture",
        origin,
    )
    .unwrap_or_else(|e| panic!("generating the query-key fixture: {e:#}"));
    std::fs::write(out.join("generated.rs"), code).expect("writing generated.rs");
    std::fs::write(out.join("TRANSFORMATIONS.md"), markdown).expect("writing TRANSFORMATIONS.md");
}
