//! insta snapshots of each provider crate's type surface (every type with its fields, every
//! operation with its parameters and result types), read from the checked-in generated code.
//! Review changes with `cargo insta review`; never accept them blindly.

use agentdial_build_support::surface::surface_of;
use agentdial_tests::{manifest, root};

#[test]
fn provider_type_surfaces() {
    for provider in manifest().providers {
        let path = root().join("crates").join(&provider.name).join("src/generated.rs");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let surface = surface_of(&text).expect("generated code parses");
        assert!(!surface.operations.is_empty(), "{}: no operations found", provider.name);
        insta::assert_snapshot!(format!("surface_{}", provider.name), surface.render());
    }
}
