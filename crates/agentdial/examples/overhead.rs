//! Per-request client work of a create-call round trip, for instruction counting:
//! `valgrind --tool=callgrind target/release/examples/overhead <raw|provider|facade> <requests> [provider]`
//! with provider `altur`, `alta`, `fluents` or `hmsovereign` (the default).
//! Client and loopback server run on one thread, so the count is deterministic; subtracting two runs
//! with different request counts removes the one-time setup. See BENCHMARKS.md.

use agentdial::{Client, OutboundCall, Provider};
use serde_json::{Value, json};
use std::time::Duration;
#[path = "../benches/support/loopback.rs"]
mod loopback;

/// What one variant sends for one provider: the raw request (path, authorization, JSON body) and
/// the facade's call.
struct Case {
    provider: Provider,
    path: &'static str,
    authorization: &'static str,
    body: Value,
    call: OutboundCall,
}

fn case(name: &str) -> Case {
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
struct Typed {
    altur: Option<agentdial::altur::types::StartCallBody>,
    alta: Option<agentdial::alta::types::TriggerAssistantCallRequest>,
    fluents: Option<agentdial::fluents::types::CreateCallDto>,
    hms: Option<agentdial::hmsovereign::types::OutboundCallRequest>,
}

impl Typed {
    fn from(body: &Value, provider: Provider) -> Self {
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

fn main() {
    let mut args = std::env::args().skip(1);
    let variant = args.next().unwrap_or_else(|| "facade".into());
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let case = case(&args.next().unwrap_or_else(|| "hmsovereign".into()));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let base = loopback::start(&rt);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    // All three are built whatever the variant, so setup is the same in every run (each with its own
    // connection pool: the crates build their HTTP client themselves, with redirects off).
    let facade = Client::builder(case.provider)
        .api_key("k")
        .base_url(&base)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let options = || agentdial_core::ClientOptions::new("k").base_url(&base).timeout(Duration::from_secs(5));
    let altur = agentdial::altur::Client::from_options(options()).unwrap();
    let alta = agentdial::alta::Client::from_options(options()).unwrap();
    let fluents = agentdial::fluents::Client::from_options(options()).unwrap();
    let hms = agentdial::hmsovereign::Client::from_options(options()).unwrap();
    let body = &case.body;
    let typed = Typed::from(body, case.provider);
    let url = format!("{base}{}", case.path);
    rt.block_on(async {
        for _ in 0..n {
            match (variant.as_str(), case.provider) {
                ("raw", p) => {
                    let r = http
                        .post(&url)
                        .header("authorization", case.authorization)
                        .json(body)
                        .send()
                        .await
                        .unwrap();
                    let bytes = r.bytes().await.unwrap();
                    // The same generated response type the provider crate decodes into.
                    match p {
                        Provider::Altur => {
                            drop(serde_json::from_slice::<agentdial::altur::types::Call>(&bytes).unwrap())
                        }
                        Provider::Fluents => drop(
                            serde_json::from_slice::<agentdial::fluents::types::CallDto>(&bytes).unwrap(),
                        ),
                        Provider::HmsSovereign => drop(
                            serde_json::from_slice::<agentdial::hmsovereign::types::OutboundCallResponse>(
                                &bytes,
                            )
                            .unwrap(),
                        ),
                        // Alta's 200 has no body.
                        _ => {}
                    }
                }
                // The typed body is built once, outside the loop, and cloned per request.
                ("provider", Provider::Altur) => {
                    altur.start_call().body(typed.altur.clone().unwrap()).send().await.unwrap();
                }
                ("provider", Provider::Alta) => {
                    alta.trigger_assistant_call().body(typed.alta.clone().unwrap()).send().await.unwrap();
                }
                ("provider", Provider::Fluents) => {
                    fluents
                        .call_controller_create_call()
                        .body(typed.fluents.clone().unwrap())
                        .send()
                        .await
                        .unwrap();
                }
                ("provider", _) => {
                    hms.create_outbound_call().body(typed.hms.clone().unwrap()).send().await.unwrap();
                }
                _ => {
                    facade.dial(&case.call).await.unwrap();
                }
            }
        }
    });
}
