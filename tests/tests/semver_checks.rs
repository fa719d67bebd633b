//! cargo-semver-checks as the oracle for the changelog's Rust-level half.
//!
//! For every changelog fixture pair, in both directions, the old and the new crate are generated and
//! `cargo semver-checks` runs between them. Every violation it reports must be a breaking entry of
//! ours (none missed). Our wire-breaking entries are changes it cannot see by design (the Rust API is
//! unchanged): for the fixtures made only of those it must report nothing, which this test records.
//!
//! Needs `cargo-semver-checks` (`cargo install --locked cargo-semver-checks`); without it the test
//! says so on one line and passes, unless `AGENTDIAL_REQUIRE_SEMVER_CHECKS=1` (CI) makes it fail.

use agentdial_build_support::changelog::{Changelog, Impact};
use agentdial_build_support::semver;
use agentdial_build_support::surface::surface_of;
use agentdial_build_support::vendor::generate_from_text;
use agentdial_tests::root;

#[test]
fn every_break_cargo_semver_checks_finds_is_in_our_changelog() {
    let tool = match semver::tool_version() {
        Ok(v) => v,
        Err(e) if std::env::var_os("AGENTDIAL_REQUIRE_SEMVER_CHECKS").is_none() => {
            println!("skipped: {e:#} (set AGENTDIAL_REQUIRE_SEMVER_CHECKS=1 to require it)");
            return;
        }
        Err(e) => panic!("AGENTDIAL_REQUIRE_SEMVER_CHECKS is set but {e:#}"),
    };
    let root = root();
    let target = semver::target_dir(&root);
    let fixtures = root.join("tests/fixtures/changelog");
    let mut cases: Vec<String> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|d| d.unwrap().file_name().into_string().unwrap())
        .collect();
    cases.sort();
    let read = |case: &str, file: &str| std::fs::read_to_string(fixtures.join(case).join(file)).unwrap();
    let mut rows = Vec::new();
    let mut missed = Vec::new();
    let (mut total_violations, mut total_wire) = (0, 0);
    for case in &cases {
        let old =
            generate_from_text(&read(case, "old.yaml")).unwrap_or_else(|e| panic!("{case}/old.yaml: {e:#}"));
        let new =
            generate_from_text(&read(case, "new.yaml")).unwrap_or_else(|e| panic!("{case}/new.yaml: {e:#}"));
        for (direction, a, b) in [("old → new", &old, &new), ("new → old", &new, &old)] {
            let changelog = Changelog::new(
                "fixture",
                Some(&surface_of(a).unwrap()),
                &surface_of(b).unwrap(),
                a != b,
                Some("0.1.0"),
            );
            let violations =
                semver::check(&root, a, b, &target).unwrap_or_else(|e| panic!("{case} ({direction}): {e:#}"));
            let cmp = semver::compare(&changelog, &violations);
            total_violations += violations.len();
            total_wire += cmp.wire_only.len();
            if !cmp.missed.is_empty() {
                missed.push(format!("{case} ({direction}):\n{}{}", changelog.to_text(), cmp.to_text(&tool)));
            }
            // Only wire-level changes: the Rust API is the same, so the tool must see nothing. This is
            // why those entries are "wire-breaking" and not "breaking": on purpose.
            if changelog.entries.iter().all(|e| e.impact == Impact::WireBreaking)
                && !changelog.entries.is_empty()
            {
                assert!(
                    violations.is_empty(),
                    "{case} ({direction}): wire-only changes, yet the tool reports {violations:?}"
                );
            }
            rows.push(format!(
                "| {case} | {direction} | {} | {} | {} | {} |",
                violations.len(),
                cmp.agreed.len(),
                cmp.wire_only.len(),
                cmp.unconfirmed.join("; ")
            ));
        }
    }
    println!(
        "{tool}\n| fixture | direction | violations | matched by our breaking entries | wire-breaking (invisible to it) | our breaking entries it has no lint for |\n|---|---|---|---|---|---|"
    );
    for row in &rows {
        println!("{row}");
    }
    println!(
        "{} pairs, {} comparisons, {total_violations} violations, {total_wire} wire-breaking entries",
        cases.len(),
        rows.len()
    );
    assert!(
        missed.is_empty(),
        "cargo-semver-checks found breaks our changelog does not call breaking:\n{}",
        missed.join("\n")
    );
    assert!(
        total_violations > 0,
        "the fixtures must exercise the tool (no violation at all means it did not run)"
    );
}
