//! `agentdial-testkit serve PROVIDER --port N`: the mock for tests in other languages.

use agentdial_testkit::{MockProvider, Provider};
use clap::{Parser, Subcommand};
use std::net::{IpAddr, SocketAddr};

/// Serves a mock provider on loopback until interrupted.
///
/// Admin API (JSON), on the same port:
///   POST   /__testkit/faults     {"operation": "createOutboundCall", "fault": {"kind": "hang"}}
///                                kinds: reset_after_read, hang, status {status, headers, body},
///                                redirect {status, location}, truncated_body {keep},
///                                slow_body {chunk, delay_ms}, close_keep_alive
///   DELETE /__testkit/faults
///   POST   /__testkit/advance    {} or {"call_id": "call-1"}
///   PUT    /__testkit/clock      {"clock": "manual" | "every-poll"}
///   PUT    /__testkit/script     ["connecting", "ringing", "in-progress", "ended"]
///   POST   /__testkit/webhooks   {"url": "http://127.0.0.1:9000/hooks", "secret": "whsec"}
///   GET    /__testkit/requests | /__testkit/dials | /__testkit/calls | /__testkit/deliveries
#[derive(Parser)]
#[command(name = "agentdial-testkit", verbatim_doc_comment)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve PROVIDER (altur, alta, fluents, hmsovereign).
    Serve {
        provider: String,
        #[arg(long, default_value_t = 4010)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        host: IpAddr,
    },
}

fn provider(name: &str) -> Option<Provider> {
    match name.to_ascii_lowercase().replace(['-', '_', ' '], "").as_str() {
        "altur" => Some(Provider::Altur),
        "alta" => Some(Provider::Alta),
        "fluents" => Some(Provider::Fluents),
        "hmsovereign" => Some(Provider::HmsSovereign),
        _ => None,
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let Command::Serve { provider: name, port, host } = Cli::parse().command;
    let Some(provider) = provider(&name) else {
        eprintln!("unknown provider {name:?}: one of altur, alta, fluents, hmsovereign");
        return std::process::ExitCode::from(2);
    };
    let mock = match MockProvider::bind(provider, SocketAddr::new(host, port), true).await {
        Ok(mock) => mock,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!(
        "{provider} mock on {} (API key {:?}); admin API under /__testkit/",
        mock.base_url(),
        mock.api_key()
    );
    let _ = tokio::signal::ctrl_c().await;
    std::process::ExitCode::SUCCESS
}
