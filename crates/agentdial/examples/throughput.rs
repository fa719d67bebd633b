//! Throughput of create-call dials through one shared client on the multi-thread runtime:
//! `target/release/examples/throughput <raw|provider|facade> <in-flight> [dials] [provider]`
//! (provider `altur`, `alta`, `fluents` or `hmsovereign`, the default; 10,000 dials by default).
//! `in-flight` tasks share one client and place dials until `dials` have been placed, against the
//! loopback responder of the round-trip benchmark in the same process. Prints one line:
//! `variant=.. provider=.. in_flight=.. dials=.. seconds=.. dials_per_s=.. vm_hwm_kib=..`, where
//! `vm_hwm_kib` is the process's peak resident set (`VmHWM` of `/proc/self/status`; 0 where there
//! is none). `cargo xtask bench-throughput` runs every combination and prints the table.

use agentdial::{Client, Provider};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
#[path = "../benches/support/cases.rs"]
mod cases;
#[path = "../benches/support/loopback.rs"]
mod loopback;
use cases::{Case, Typed, case};

/// The clients, built whatever the variant so that every run's setup is the same.
struct Clients {
    http: reqwest::Client,
    url: String,
    facade: Client,
    altur: agentdial::altur::Client,
    alta: agentdial::alta::Client,
    fluents: agentdial::fluents::Client,
    hms: agentdial::hmsovereign::Client,
    typed: Typed,
    case: Case,
}

impl Clients {
    async fn dial(&self, variant: &str) {
        let case = &self.case;
        match (variant, case.provider) {
            ("raw", p) => {
                let r = self
                    .http
                    .post(&self.url)
                    .header("authorization", case.authorization)
                    .json(&case.body)
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success());
                let bytes = r.bytes().await.unwrap();
                match p {
                    Provider::Altur => {
                        drop(serde_json::from_slice::<agentdial::altur::types::Call>(&bytes).unwrap())
                    }
                    Provider::Fluents => {
                        drop(serde_json::from_slice::<agentdial::fluents::types::CallDto>(&bytes).unwrap())
                    }
                    Provider::HmsSovereign => drop(
                        serde_json::from_slice::<agentdial::hmsovereign::types::OutboundCallResponse>(&bytes)
                            .unwrap(),
                    ),
                    // Alta's 200 has no body.
                    _ => {}
                }
            }
            // The provider crate's exact request type, parsed once and cloned per dial (as in the
            // round-trip benchmark and the `overhead` example).
            ("provider", Provider::Altur) => {
                let body = self.typed.altur.clone().unwrap();
                self.altur.start_call().body(body).send().await.unwrap();
            }
            ("provider", Provider::Alta) => {
                let body = self.typed.alta.clone().unwrap();
                self.alta.trigger_assistant_call().body(body).send().await.unwrap();
            }
            ("provider", Provider::Fluents) => {
                let body = self.typed.fluents.clone().unwrap();
                self.fluents.call_controller_create_call().body(body).send().await.unwrap();
            }
            ("provider", _) => {
                let body = self.typed.hms.clone().unwrap();
                self.hms.create_outbound_call().body(body).send().await.unwrap();
            }
            _ => {
                self.facade.dial(&case.call).await.unwrap();
            }
        }
    }
}

/// Peak resident set of this process in KiB (`VmHWM`), 0 where `/proc` has none.
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let variant = args.next().unwrap_or_else(|| "facade".into());
    let in_flight: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(64).max(1);
    let dials: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let provider_name = args.next().unwrap_or_else(|| "hmsovereign".into());
    let case = case(&provider_name);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let base = loopback::start(&rt);
    let timeout = Duration::from_secs(30);
    let options = || agentdial_core::ClientOptions::new("k").base_url(&base).timeout(timeout);
    let clients = Arc::new(Clients {
        http: reqwest::Client::builder().timeout(timeout).build().unwrap(),
        url: format!("{base}{}", case.path),
        facade: Client::builder(case.provider).api_key("k").base_url(&base).timeout(timeout).build().unwrap(),
        altur: agentdial::altur::Client::from_options(options()).unwrap(),
        alta: agentdial::alta::Client::from_options(options()).unwrap(),
        fluents: agentdial::fluents::Client::from_options(options()).unwrap(),
        hms: agentdial::hmsovereign::Client::from_options(options()).unwrap(),
        typed: Typed::from(&case.body, case.provider),
        case,
    });
    let variant: Arc<str> = variant.into();
    let placed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    rt.block_on(async {
        let workers: Vec<_> = (0..in_flight)
            .map(|_| {
                let (clients, variant, placed) = (clients.clone(), variant.clone(), placed.clone());
                tokio::spawn(async move {
                    while placed.fetch_add(1, Ordering::Relaxed) < dials {
                        clients.dial(&variant).await;
                    }
                })
            })
            .collect();
        for w in workers {
            w.await.unwrap();
        }
    });
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "variant={variant} provider={provider_name} in_flight={in_flight} dials={dials} seconds={seconds:.3} dials_per_s={:.0} vm_hwm_kib={}",
        dials as f64 / seconds,
        vm_hwm_kib()
    );
}
