//! Generates the client from `media.yaml` with the same pipeline as a provider crate (transformations,
//! progenitor, passes), so the tests exercise exactly the code a provider with these bodies gets.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=media.yaml");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let origin = "tests/media-fixture/media.yaml";
    let (code, markdown) = agentdial_build_support::generate::generate_document(
        &dir.join("media.yaml"),
        "media-fixture",
        origin,
    )
    .unwrap_or_else(|e| panic!("generating the media fixture: {e:#}"));
    std::fs::write(out.join("generated.rs"), code).expect("writing generated.rs");
    std::fs::write(out.join("TRANSFORMATIONS.md"), markdown).expect("writing TRANSFORMATIONS.md");
}
