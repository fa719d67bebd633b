//! The facade's cargo features against the provider crates' generated ones.

use std::collections::BTreeSet;
use std::path::Path;

fn manifest(relative: &str) -> toml::Table {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.parse().unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn feature_list(table: &toml::Table, feature: &str) -> BTreeSet<String> {
    table["features"][feature]
        .as_array()
        .unwrap_or_else(|| panic!("no feature {feature}"))
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// HMS Sovereign's crate is split by tag: the facade's `hmsovereign` asks for the tags it uses, and
/// `hmsovereign-full` (a default feature) must ask for every other one, so that a tag the document
/// gains is not silently missing from `agentdial::hmsovereign` in a default build.
#[test]
fn the_facades_full_feature_turns_on_every_tag_of_hmsovereign() {
    let hms = manifest("crates/hmsovereign/Cargo.toml");
    let facade = manifest("crates/agentdial/Cargo.toml");
    let tags: BTreeSet<String> = hms["features"]
        .as_table()
        .expect("[features]")
        .keys()
        .filter(|k| !matches!(k.as_str(), "default" | "aws-lc-rs" | "ring"))
        .map(|k| format!("agentdial-hmsovereign/{k}"))
        .collect();
    assert!(tags.len() > 2, "the crate is split by tag: {tags:?}");
    let enabled: BTreeSet<String> =
        &feature_list(&facade, "hmsovereign") | &feature_list(&facade, "hmsovereign-full");
    let missing: Vec<&String> = tags.difference(&enabled).collect();
    assert!(missing.is_empty(), "crates/agentdial/Cargo.toml's hmsovereign-full lacks {missing:?}");
    assert!(feature_list(&facade, "default").contains("hmsovereign-full"));
    // Every feature of the provider crate that the facade names exists.
    let unknown: Vec<&String> = enabled
        .iter()
        .filter(|f| f.starts_with("agentdial-hmsovereign/"))
        .filter(|f| !tags.contains(*f))
        .collect();
    assert!(unknown.is_empty(), "not features of agentdial-hmsovereign: {unknown:?}");
}
