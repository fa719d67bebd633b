//! Per-request client work of a create-call round trip, for instruction counting:
//! `valgrind --tool=callgrind target/release/examples/overhead <raw|provider|facade> <requests>`.
//! Client and loopback server run on one thread, so the count is deterministic; subtracting two runs
//! with different request counts removes the one-time setup. See BENCHMARKS.md.

use agentdial::{Client, OutboundCall, Provider};
use serde_json::json;
use std::time::Duration;
#[path = "../benches/support/loopback.rs"]
mod loopback;

fn main() {
    let mut args = std::env::args().skip(1);
    let variant = args.next().unwrap_or_else(|| "facade".into());
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let base = loopback::start(&rt);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    // All three are built whatever the variant, so setup is the same in every run (each with its own
    // connection pool: the crates build their HTTP client themselves, with redirects off).
    let facade = Client::builder(Provider::HmsSovereign)
        .api_key("k")
        .base_url(&base)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let provider = agentdial::hmsovereign::Client::from_options(
        agentdial_core::ClientOptions::new("k").base_url(&base).timeout(Duration::from_secs(5)),
    )
    .unwrap();
    let body = json!({"destination": "+31612345678", "assistant_id": "2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c"});
    let typed: agentdial::hmsovereign::types::OutboundCallRequest =
        serde_json::from_value(body.clone()).unwrap();
    let call = OutboundCall::to("+31612345678").agent("2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c");
    let url = format!("{base}/calls/outbound");
    rt.block_on(async {
        for _ in 0..n {
            match variant.as_str() {
                "raw" => {
                    let r = http.post(&url).bearer_auth("k").json(&body).send().await.unwrap();
                    let bytes = r.bytes().await.unwrap();
                    serde_json::from_slice::<agentdial::hmsovereign::types::OutboundCallResponse>(&bytes)
                        .unwrap();
                }
                "provider" => {
                    provider.create_outbound_call().body(typed.clone()).send().await.unwrap();
                }
                _ => {
                    facade.dial(&call).await.unwrap();
                }
            }
        }
    });
}
