//! Round-trip fidelity: whatever a provider may send decodes into the generated types and serializes
//! back to the same JSON, up to the one normalization of `agentdial_tests::roundtrip` (absent ≡
//! `null` ≡ empty for members, numbers by value, date-times by instant).
//!
//! Sources: every documented example (schema, property and media-type examples, as
//! `every_documented_example_deserializes` assembles them), every JSON fixture in the repository
//! (seed 001's full response among them) and, for each component schema of each provider, random
//! schema-valid values from the transformed document (256 per schema, `PROPTEST_CASES` to change).
//! A failure names the provider, the schema and the JSON pointer of the first difference.

use agentdial_tests::prism::say;
use agentdial_tests::roundtrip::{ValueGenerator, check_lossless};
use agentdial_tests::{decoder, manifest, root, samples, transformed};
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[test]
fn documented_examples_round_trip() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for provider in manifest().providers {
        let doc = transformed(&provider.name);
        let decode = decoder(&provider.name);
        for sample in samples(&doc).0 {
            checked += 1;
            if let Err(e) = check_lossless(decode, &sample.schema, &sample.value) {
                failures.push(format!(
                    "{} {e}\n  from: {}\n  value: {}",
                    provider.name, sample.origin, sample.value
                ));
            }
        }
    }
    say(&format!("round trip: {checked} documented examples"));
    assert!(
        failures.is_empty(),
        "{} of {checked} documented examples do not round-trip:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 20, "suspiciously few samples: {checked}");
}

/// Every JSON fixture, with the provider and schema it is a value of. A new `.json` file under
/// `tests/fixtures/` must be added here (the test fails until it is).
const FIXTURES: &[(&str, &str, &str)] = &[
    // Seed 001: Altur's full documented Start Call response.
    ("altur/start-call-response.json", "altur", "Call"),
];

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn every_json_fixture_round_trips() {
    let dir = root().join("tests/fixtures");
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    let listed: Vec<PathBuf> = FIXTURES.iter().map(|(f, _, _)| dir.join(f)).collect();
    for file in &files {
        assert!(
            listed.contains(file),
            "{} is not in FIXTURES (tests/tests/roundtrip.rs): say which schema it is a value of",
            file.display()
        );
    }
    for (file, provider, schema) in FIXTURES {
        let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        if let Err(e) = check_lossless(decoder(provider), schema, &value) {
            panic!("{file} ({provider}): {e}");
        }
    }
    say(&format!("round trip: {} JSON fixtures", FIXTURES.len()));
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
}

/// Random values of every component schema of `provider` (each check counted, shrinking included);
/// `shard` of `shards` takes every `shards`-th schema, so a large document is checked on several threads.
fn generated_values_round_trip(provider: &str, shard: usize, shards: usize) {
    let doc = transformed(provider);
    let decode = decoder(provider);
    let generator = ValueGenerator::new(&doc);
    let names: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().enumerate().filter(|(i, _)| i % shards == shard).map(|(_, k)| k.clone()).collect())
        .unwrap_or_default();
    let mut failures = Vec::new();
    let mut values = 0u64;
    for name in &names {
        let strategy = match generator.component(name) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{provider} {name}: cannot generate values: {e}"));
                continue;
            }
        };
        let config =
            Config { cases: cases(), failure_persistence: None, max_shrink_iters: 2048, ..Config::default() };
        let mut runner = TestRunner::new(config);
        let count = std::cell::Cell::new(0u64);
        let result = runner.run(&strategy, |value| {
            count.set(count.get() + 1);
            check_lossless(decode, name, &value).map_err(TestCaseError::fail)
        });
        values += count.get();
        match result {
            Ok(()) => {}
            Err(TestError::Fail(reason, value)) => {
                failures.push(format!("{provider} {reason}\n  smallest failing value: {value}"))
            }
            Err(TestError::Abort(reason)) => {
                failures.push(format!("{provider} {name}: generator gave up: {reason}"))
            }
        }
    }
    let part = if shards > 1 { format!(" (part {} of {shards})", shard + 1) } else { String::new() };
    say(&format!(
        "round trip: {provider}{part}: {values} generated values of {} component schemas",
        names.len()
    ));
    assert!(
        failures.is_empty(),
        "{} of {} schemas of {provider} do not round-trip:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
}

#[test]
fn generated_values_round_trip_altur() {
    generated_values_round_trip("altur", 0, 1);
}

#[test]
fn generated_values_round_trip_alta() {
    generated_values_round_trip("alta", 0, 1);
}

#[test]
fn generated_values_round_trip_fluents() {
    generated_values_round_trip("fluents", 0, 1);
}

#[test]
fn generated_values_round_trip_hmsovereign() {
    generated_values_round_trip("hmsovereign", 0, 2);
}

#[test]
fn generated_values_round_trip_hmsovereign_part_2() {
    generated_values_round_trip("hmsovereign", 1, 2);
}

#[test]
fn every_provider_has_a_generated_values_test() {
    let source = include_str!("roundtrip.rs");
    for p in manifest().providers {
        assert!(
            source.contains(&format!("fn generated_values_round_trip_{}()", p.name)),
            "add a generated_values_round_trip_{} test",
            p.name
        );
    }
}
