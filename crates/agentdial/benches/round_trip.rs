//! Create-call round trip on loopback: raw `reqwest` + `serde_json` vs the generated provider crate
//! vs the facade, per provider. The server is a minimal keep-alive HTTP/1.1 responder so that client
//! overhead, not server work, is what differs. Run: `cargo bench -p agentdial --bench round_trip`.

use agentdial::{Client, OutboundCall, Provider};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::time::Duration;
#[path = "support/loopback.rs"]
mod loopback;

fn bench(c: &mut Criterion) {
    // One thread for client and server: no cross-thread wake-ups, so the figures measure client work, not scheduling noise.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let base = loopback::start(&rt);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let facade = |p: Provider| {
        Client::builder(p)
            .api_key("bench-key")
            .base_url(&base)
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap()
    };
    let options =
        || agentdial_core::ClientOptions::new("bench-key").base_url(&base).timeout(Duration::from_secs(5));

    let mut group = c.benchmark_group("create_call_round_trip");
    group.measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1)).sample_size(60);

    // Altur
    let altur_body = json!({"agent_id": "a1", "phone_number_to": "+14155550123"});
    group.bench_function("altur/raw_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let r = http
                .post(format!("{base}/call"))
                .header("authorization", "api-key bench-key")
                .json(&altur_body)
                .send()
                .await
                .unwrap();
            let bytes = r.bytes().await.unwrap();
            serde_json::from_slice::<agentdial::altur::types::Call>(&bytes).unwrap()
        })
    });
    let altur = agentdial::altur::Client::from_options(options()).unwrap();
    let altur_typed: agentdial::altur::types::StartCallBody =
        serde_json::from_value(altur_body.clone()).unwrap();
    group.bench_function("altur/provider_crate", |b| {
        b.to_async(&rt).iter(|| async {
            altur.start_call().body(altur_typed.clone()).send().await.unwrap().into_inner()
        })
    });
    let f = facade(Provider::Altur);
    let call = OutboundCall::to("+14155550123").agent("a1");
    group.bench_function("altur/facade", |b| b.to_async(&rt).iter(|| async { f.dial(&call).await.unwrap() }));

    // Alta
    let alta_body = json!({"assistantId": "a1", "name": "Ada", "phoneNumber": "+14155550123"});
    group.bench_function("alta/raw_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let r = http
                .post(format!("{base}/assistant/calls"))
                .bearer_auth("bench-key")
                .json(&alta_body)
                .send()
                .await
                .unwrap();
            r.bytes().await.unwrap()
        })
    });
    let alta = agentdial::alta::Client::from_options(options()).unwrap();
    let alta_typed: agentdial::alta::types::TriggerAssistantCallRequest =
        serde_json::from_value(alta_body.clone()).unwrap();
    group.bench_function("alta/provider_crate", |b| {
        b.to_async(&rt)
            .iter(|| async { alta.trigger_assistant_call().body(alta_typed.clone()).send().await.unwrap() })
    });
    let f = facade(Provider::Alta);
    let call = OutboundCall::to("+14155550123").agent("a1").customer_name("Ada");
    group.bench_function("alta/facade", |b| b.to_async(&rt).iter(|| async { f.dial(&call).await.unwrap() }));

    // Fluents
    let fluents_body = json!({"to_number": "+14155550123", "from_number": "+14155550100", "agent_phone_number": "+14155550100",
                              "agent": {}, "telephony_provider": "twilio", "context": {}, "telephony_params": {}});
    group.bench_function("fluents/raw_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let r = http
                .post(format!("{base}/v1/calls/create"))
                .bearer_auth("bench-key")
                .json(&fluents_body)
                .send()
                .await
                .unwrap();
            let bytes = r.bytes().await.unwrap();
            serde_json::from_slice::<agentdial::fluents::types::CallDto>(&bytes).unwrap()
        })
    });
    let fluents = agentdial::fluents::Client::from_options(options()).unwrap();
    let fluents_typed: agentdial::fluents::types::CreateCallDto =
        serde_json::from_value(fluents_body.clone()).unwrap();
    group.bench_function("fluents/provider_crate", |b| {
        b.to_async(&rt).iter(|| async {
            fluents
                .call_controller_create_call()
                .body(fluents_typed.clone())
                .send()
                .await
                .unwrap()
                .into_inner()
        })
    });
    let f = facade(Provider::Fluents);
    let call = OutboundCall::to("+14155550123")
        .from("+14155550100")
        .provider_field("agent", json!({}))
        .provider_field("telephony_provider", "twilio");
    group.bench_function("fluents/facade", |b| {
        b.to_async(&rt).iter(|| async { f.dial(&call).await.unwrap() })
    });

    // HMS Sovereign
    let hms_body =
        json!({"destination": "+31612345678", "assistant_id": "2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c"});
    group.bench_function("hmsovereign/raw_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let r = http
                .post(format!("{base}/calls/outbound"))
                .bearer_auth("bench-key")
                .json(&hms_body)
                .send()
                .await
                .unwrap();
            let bytes = r.bytes().await.unwrap();
            serde_json::from_slice::<agentdial::hmsovereign::types::OutboundCallResponse>(&bytes).unwrap()
        })
    });
    let hms = agentdial::hmsovereign::Client::from_options(options()).unwrap();
    let hms_typed: agentdial::hmsovereign::types::OutboundCallRequest =
        serde_json::from_value(hms_body.clone()).unwrap();
    group.bench_function("hmsovereign/provider_crate", |b| {
        b.to_async(&rt).iter(|| async {
            hms.create_outbound_call().body(hms_typed.clone()).send().await.unwrap().into_inner()
        })
    });
    let f = facade(Provider::HmsSovereign);
    let call = OutboundCall::to("+31612345678").agent("2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c");
    group.bench_function("hmsovereign/facade", |b| {
        b.to_async(&rt).iter(|| async { f.dial(&call).await.unwrap() })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
