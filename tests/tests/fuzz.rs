//! Property tests: hostile bodies never panic the generated deserializers or webhook handling.
//! A bounded run is part of `cargo test`; for a longer one set `PROPTEST_CASES=100000`.

use agentdial_tests::{decoder, manifest, samples, transformed};
use proptest::prelude::*;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// Arbitrary JSON, bounded in depth and size.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        // Values real schemas use: enum words, dates, uuids, numbers.
        prop::sample::select(vec![
            "ended",
            "in-progress",
            "2025-12-13T12:00:00Z",
            "550e8400-e29b-41d4-a716-446655440000",
            "+31612345678",
            ""
        ])
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

struct Corpus {
    /// (provider, schema, documented example)
    samples: Vec<(String, String, Value)>,
    schemas: Vec<(String, String)>,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut c = Corpus { samples: Vec::new(), schemas: Vec::new() };
        for p in manifest().providers {
            let doc = transformed(&p.name);
            for name in doc["components"]["schemas"]
                .as_object()
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
            {
                c.schemas.push((p.name.clone(), name));
            }
            for s in samples(&doc).0 {
                c.samples.push((p.name.clone(), s.schema, s.value));
            }
        }
        c
    })
}

/// Mutations of a documented example: the shapes a misbehaving server actually sends.
fn mutate(value: &Value, pick: usize, replacement: Value) -> Value {
    let mut v = value.clone();
    if let Value::Object(m) = &mut v {
        if m.is_empty() {
            return replacement;
        }
        let key = m.keys().nth(pick % m.len()).cloned().unwrap_or_default();
        match pick % 3 {
            0 => {
                m.remove(&key);
            }
            1 => {
                m.insert(key, replacement);
            }
            _ => {
                m.insert(format!("added_{pick}"), replacement);
            }
        }
        v
    } else {
        replacement
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics_any_generated_type(index in any::<prop::sample::Index>(), value in json()) {
        let c = corpus();
        let (provider, schema) = &c.schemas[index.index(c.schemas.len())];
        let decoded = decoder(provider)(schema, value);
        prop_assert!(decoded.is_some(), "{provider} has no type for {schema}");
    }

    #[test]
    fn mutated_examples_never_panic(index in any::<prop::sample::Index>(), pick in any::<usize>(), replacement in json()) {
        let c = corpus();
        let (provider, schema, example) = &c.samples[index.index(c.samples.len())];
        let _ = decoder(provider)(schema, mutate(example, pick, replacement));
    }

    #[test]
    fn truncated_and_corrupted_bytes_never_panic(index in any::<prop::sample::Index>(), at in any::<prop::sample::Index>(), flip in 1u8..=255, cut in any::<prop::sample::Index>()) {
        let c = corpus();
        let (provider, schema, example) = &c.samples[index.index(c.samples.len())];
        let original = serde_json::to_vec(example).unwrap();
        // A complete document with one byte changed (the corruption is what gets decoded) ...
        let at = at.index(original.len());
        let mut corrupted = original.clone();
        corrupted[at] ^= flip;
        prop_assert!(corrupted.len() == original.len() && corrupted[at] != original[at]);
        // ... and cut short: the original, and the corrupted one (still corrupted when cut after `at`).
        let cut = cut.index(original.len());
        for bytes in [&corrupted[..], &original[..cut], &corrupted[..cut]] {
            // The bytes go through the same path a response does: parse, then decode into the types.
            let _ = serde_json::from_slice::<agentdial_hmsovereign::types::Call>(bytes);
            let _ = serde_json::from_slice::<agentdial_altur::types::Call>(bytes);
            let _ = serde_json::from_slice::<agentdial_fluents::types::CallDto>(bytes);
            let _ = serde_json::from_slice::<agentdial_alta::types::Error>(bytes);
            if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
                let _ = decoder(provider)(schema, value);
            }
        }
    }

    #[test]
    fn typed_error_bodies_never_panic(status in 100u16..600, value in json()) {
        let body = agentdial_fluents::types::CallControllerCreateCallErrorBody(value.clone());
        let _ = body.typed(reqwest::StatusCode::from_u16(status).unwrap());
        let body = agentdial_hmsovereign::types::CreateOutboundCallErrorBody(value);
        let _ = body.typed(reqwest::StatusCode::from_u16(status).unwrap());
    }

    #[test]
    fn webhook_verification_never_panics(body in prop::collection::vec(any::<u8>(), 0..512), signature in "\\PC{0,80}", timestamp in "\\PC{0,16}", event in "\\PC{0,20}") {
        use agentdial_hmsovereign::webhooks::{Verifier, WebhookEvent};
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in [("x-webhook-signature", signature), ("x-webhook-timestamp", timestamp), ("x-webhook-event", event)] {
            if let Ok(v) = reqwest::header::HeaderValue::from_str(&value) { headers.insert(name, v); }
        }
        prop_assert!(Verifier::new("s").verify(&headers, &body).is_err(), "a random signature never verifies");
        let _ = WebhookEvent::parse(&body);
    }

    #[test]
    fn signed_arbitrary_payloads_never_panic(value in json(), kind in prop::sample::select(vec!["assistant-request", "tool-calls", "status-update", "end-of-call-report", "other"])) {
        use agentdial_hmsovereign::webhooks::{Verifier, sign_for_tests};
        let now = std::time::SystemTime::now();
        let body = serde_json::to_vec(&serde_json::json!({"message": {"type": kind, "data": value}})).unwrap();
        let (headers, body) = sign_for_tests("s", &body, now);
        let result = Verifier::new("s").verify_at(&headers, &body, now);
        if kind == "other" { prop_assert!(result.is_ok()); }
    }
}

#[test]
fn deeply_nested_input_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(serde_json::from_str::<agentdial_hmsovereign::types::Call>(&deep).is_err());
    let deep_object = format!("{}1{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    assert!(agentdial_hmsovereign::webhooks::WebhookEvent::parse(deep_object.as_bytes()).is_err());
}
