//! Every documented example in every spec deserializes into the generated types.

use agentdial_tests::{decoder, manifest, samples, transformed};

#[test]
fn every_documented_example_deserializes() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for provider in manifest().providers {
        let doc = transformed(&provider.name);
        let (samples, uncovered) = samples(&doc);
        assert!(
            uncovered.is_empty(),
            "{}: examples not reached by any sample (extend tests/src/lib.rs rather than skip them): {uncovered:#?}",
            provider.name
        );
        let decode = decoder(&provider.name);
        for sample in samples {
            checked += 1;
            match decode(&sample.schema, sample.value.clone()) {
                Some(Ok(_)) => {}
                Some(Err(e)) => failures.push(format!(
                    "{} {} ({}): {e}\n  value: {}",
                    provider.name, sample.schema, sample.origin, sample.value
                )),
                None => failures
                    .push(format!("{}: no generated type for schema {}", provider.name, sample.schema)),
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} samples failed:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 20, "suspiciously few samples: {checked}");
}

/// Seed 001: the full example response of Altur's Start Call, as its reference renders it.
#[test]
fn altur_documented_start_call_response_deserializes() {
    let text = include_str!("../fixtures/altur/start-call-response.json");
    let call: agentdial_altur::types::Call = serde_json::from_str(text).expect("seed 001 example response");
    let thread = call.thread.expect("thread");
    let end_user = thread.end_user.expect("end_user");
    assert_eq!(end_user.display_name, "<string>");
    assert_eq!(end_user.integration_type, Some(agentdial_altur::types::EndUserIntegrationType::Api));
    assert_eq!(call.status, Some(agentdial_altur::types::CallStatus::Created));
    assert_eq!(call.duration, Some(123));
    assert_eq!(thread.tags[0].color, agentdial_altur::types::TagColor::Blue);
    assert!(call.policy_evaluation.is_none());
}

/// Fluents documents `telephony_provider` as an object but shows the string "twilio".
#[test]
fn fluents_telephony_provider_accepts_the_documented_string_and_an_object() {
    use agentdial_fluents::types::CallDtoTelephonyProvider as P;
    let s: P = serde_json::from_value(serde_json::json!("twilio")).unwrap();
    assert_eq!(s, P::String("twilio".into()));
    let o: P = serde_json::from_value(serde_json::json!({"name": "twilio"})).unwrap();
    assert!(matches!(o, P::Object(m) if m["name"] == "twilio"));
}

/// A value the provider adds later must not break parsing: string enums are open.
#[test]
fn unknown_enum_values_and_extra_fields_are_kept_not_fatal() {
    use agentdial_altur::types::{Call, CallStatus};
    let call: Call = serde_json::from_value(
        serde_json::json!({"id": "c1", "status": "voicemail", "field_added_later": {"x": 1}}),
    )
    .unwrap();
    assert_eq!(call.status, Some(CallStatus::Unrecognized("voicemail".into())));
    assert_eq!(serde_json::to_value(&call).unwrap()["status"], "voicemail");
    assert_eq!(CallStatus::Unrecognized("voicemail".into()).to_string(), "voicemail");
    // Known values still parse to their variants, and strict parsing of input stays available.
    let known: Call = serde_json::from_value(serde_json::json!({"status": "no-answer"})).unwrap();
    assert_eq!(known.status, Some(CallStatus::NoAnswer));
    assert!("voicemail".parse::<CallStatus>().is_err());
}
