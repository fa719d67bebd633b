//! The create-call requests the `overhead` and `throughput` examples send, per provider: the raw
//! request (path, authorization, JSON body), the facade's call, and the provider crate's exact type.

use agentdial::{OutboundCall, Provider};
use serde_json::{Value, json};

/// What one variant sends for one provider: the raw request (path, authorization, JSON body) and
/// the facade's call.
pub struct Case {
    pub provider: Provider,
    pub path: &'static str,
    pub authorization: &'static str,
    pub body: Value,
    pub call: OutboundCall,
}

pub fn case(name: &str) -> Case {
    match name {
        "altur" => Case {
            provider: Provider::Altur,
            path: "/call",
            authorization: "api-key k",
            body: json!({"agent_id": "a1", "phone_number_to": "+14155550123"}),
            call: OutboundCall::to("+14155550123").agent("a1"),
        },
        "alta" => Case {
            provider: Provider::Alta,
            path: "/assistant/calls",
            authorization: "Bearer k",
            body: json!({"assistantId": "a1", "name": "Ada", "phoneNumber": "+14155550123"}),
            call: OutboundCall::to("+14155550123").agent("a1").customer_name("Ada"),
        },
        "fluents" => Case {
            provider: Provider::Fluents,
            path: "/v1/calls/create",
            authorization: "Bearer k",
            body: json!({"to_number": "+14155550123", "from_number": "+14155550100", "agent_phone_number": "+14155550100",
                         "agent": {}, "telephony_provider": "twilio", "context": {}, "telephony_params": {}}),
            call: OutboundCall::to("+14155550123")
                .from("+14155550100")
                .provider_field("agent", json!({}))
                .provider_field("telephony_provider", "twilio"),
        },
        _ => Case {
            provider: Provider::HmsSovereign,
            path: "/calls/outbound",
            authorization: "Bearer k",
            body: json!({"destination": "+31612345678", "assistant_id": "2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c"}),
            call: OutboundCall::to("+31612345678").agent("2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c"),
        },
    }
}

/// The provider crate's exact request type, parsed from the case's JSON body (only the one for the
/// case's provider).
#[derive(Default)]
pub struct Typed {
    pub altur: Option<agentdial::altur::types::StartCallBody>,
    pub alta: Option<agentdial::alta::types::TriggerAssistantCallRequest>,
    pub fluents: Option<agentdial::fluents::types::CreateCallDto>,
    pub hms: Option<agentdial::hmsovereign::types::OutboundCallRequest>,
}

impl Typed {
    pub fn from(body: &Value, provider: Provider) -> Self {
        let mut t = Typed::default();
        let json = body.clone();
        match provider {
            Provider::Altur => t.altur = serde_json::from_value(json).ok(),
            Provider::Alta => t.alta = serde_json::from_value(json).ok(),
            Provider::Fluents => t.fluents = serde_json::from_value(json).ok(),
            _ => t.hms = serde_json::from_value(json).ok(),
        }
        t
    }
}
