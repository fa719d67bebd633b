//! Per-request client work of a create-call round trip, for instruction counting:
//! `valgrind --tool=callgrind target/release/examples/overhead <raw|provider|facade> <requests> [provider]`
//! with provider `altur`, `alta`, `fluents` or `hmsovereign` (the default).
//! Client and loopback server run on one thread, so the count is deterministic; subtracting two runs
//! with different request counts removes the one-time setup. See BENCHMARKS.md.

use agentdial::{Client, Provider};
use std::time::Duration;
#[path = "../benches/support/cases.rs"]
mod cases;
#[path = "../benches/support/loopback.rs"]
mod loopback;
use cases::{Typed, case};

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
