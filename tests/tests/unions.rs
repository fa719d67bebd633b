//! Unions decode by their tag and lose nothing (issue: untagged unions silently lost data).
//!
//! HMS Sovereign's `LlmTool` (`ToolDefinition | OpenAIFunctionTool | EndCallTool |
//! TransferCallTool`, where the flat `ToolDefinition` has no `type`) and `CallControlCommand`
//! (`inject-context | say | end-call | transfer`, an OpenAPI discriminator on `$ref`'d members) are
//! the two unions of the four crates told apart by a constant property.

use agentdial_core::unions::first_difference;
use agentdial_hmsovereign::types::{CallControlCommand, LlmConfig, LlmTool, TransferCallTool};
use serde_json::{Value, json};

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(value: &Value) -> T {
    let decoded: T =
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{value} does not decode: {e}"));
    let again = serde_json::to_value(&decoded).expect("serializes");
    assert_eq!(first_difference(value, &again), None, "{value} came back as {again}");
    decoded
}

#[test]
fn a_transfer_tool_keeps_its_destinations() {
    let tool = json!({"type": "transferCall", "destinations": [{"type": "number", "number": "+31612345678", "description": "front desk"}]});
    match round_trip::<LlmTool>(&tool) {
        LlmTool::TransferCallTool(TransferCallTool { destinations, .. }) => assert_eq!(destinations.len(), 1),
        other => panic!("decoded as {other:?}"),
    }
}

#[test]
fn every_known_tool_kind_decodes_as_itself() {
    let cases = [
        (
            json!({"name": "lookup", "description": "Looks up an order", "url": "https://example.com/hook"}),
            "ToolDefinition",
        ),
        (json!({"type": "function", "function": {"name": "lookup"}, "async": true}), "OpenAiFunctionTool"),
        (json!({"type": "endCall"}), "EndCallTool"),
        (json!({"type": "transferCall", "destinations": []}), "TransferCallTool"),
    ];
    for (value, expected) in cases {
        let decoded = round_trip::<LlmTool>(&value);
        let kind = format!("{decoded:?}");
        assert!(kind.starts_with(expected), "{value} decoded as {kind}");
    }
}

#[test]
fn an_unknown_tool_kind_survives_a_read_modify_write() {
    let tool = json!({"type": "sendSms", "name": "sms", "description": "Texts the caller", "template": "Hi {{name}}"});
    assert_eq!(round_trip::<LlmTool>(&tool), LlmTool::Unknown(tool.clone()));
    // Inside an assistant's model configuration read from the API and written back (the case that
    // deleted tools).
    let config = json!({"provider": "openai", "model": "gpt-4o-mini", "tools": [
        tool,
        {"type": "transferCall", "destinations": [{"type": "number", "number": "+31612345678", "description": "desk"}]}
    ]});
    round_trip::<LlmConfig>(&config);
}

#[test]
fn a_known_kind_with_a_broken_body_is_an_error_naming_the_tag() {
    // Before: `EndCallTool { type_: Unrecognized("transferCall") }`, destinations gone, no error.
    let err = serde_json::from_value::<LlmTool>(json!({"type": "transferCall", "destinations": "none"}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("LlmTool with type \"transferCall\""), "{err}");
    let err = serde_json::from_value::<CallControlCommand>(json!({"type": "say", "content": "hi"}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("CallControlCommand with type \"say\"") && err.contains("end_after"), "{err}");
}

#[test]
fn call_control_commands_decode_by_type_and_keep_unknown_ones() {
    for value in [
        json!({"type": "inject-context", "content": "VIP caller", "trigger_response": false}),
        json!({"type": "say", "content": "One moment", "end_after": false}),
        json!({"type": "end-call", "message": "Goodbye"}),
        json!({"type": "transfer", "destination": "+31612345678", "message": "Transferring"}),
    ] {
        let decoded = round_trip::<CallControlCommand>(&value);
        assert!(!matches!(decoded, CallControlCommand::Unknown(_)), "{value} decoded as {decoded:?}");
    }
    let future = json!({"type": "mute", "duration_seconds": 5});
    assert_eq!(round_trip::<CallControlCommand>(&future), CallControlCommand::Unknown(future.clone()));
    let err =
        serde_json::from_value::<CallControlCommand>(json!({"content": "no type"})).unwrap_err().to_string();
    assert!(err.contains("no `type` property"), "{err}");
}

#[test]
fn constants_stay_closed() {
    // A single-value enum is a constant: it is never opened with `Unrecognized`.
    assert!(
        serde_json::from_value::<agentdial_hmsovereign::types::EndCallToolType>(json!("transferCall"))
            .is_err()
    );
}
