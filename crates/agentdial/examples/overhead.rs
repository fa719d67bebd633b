//! Per-request client work of a create-call round trip, for instruction counting:
//! `valgrind --tool=callgrind target/release/examples/overhead <raw|provider|facade> <requests>`.
//! Client and loopback server run on one thread, so the count is deterministic; subtracting two runs
//! with different request counts removes the one-time setup. See BENCHMARKS.md.

use agentdial::{Client, OutboundCall, Provider};
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn response_for(path: &str) -> (&'static str, String) {
    match path {
        "/call" => ("200 OK", include_str!("../../../tests/fixtures/altur/start-call-response.json").to_owned()),
        "/assistant/calls" => ("200 OK", String::new()),
        "/v1/calls/create" => (
            "201 Created",
            json!({"id": "550e8400-e29b-41d4-a716-446655440000", "user_id": "u1", "status": "not_started", "to_number": "+14155550123",
                   "from_number": "+14155550100", "agent": {}, "telephony_provider": "twilio", "agent_phone_number": "+14155550100",
                   "context": {}, "telephony_params": {}, "action_history": []})
            .to_string(),
        ),
        "/calls/outbound" => ("200 OK", json!({"success": true, "call_id": "call_1", "status": "dialing", "room_name": "r"}).to_string()),
        _ => ("404 Not Found", String::new()),
    }
}

async fn serve(listener: tokio::net::TcpListener) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { return };
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(8192);
            let mut chunk = [0u8; 8192];
            loop {
                let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                    continue;
                };
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let length: usize = head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
                while buf.len() < end + 4 + length {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, body) = response_for(&path);
                let response = format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len());
                if stream.write_all(response.as_bytes()).await.is_err() {
                    return;
                }
                buf.drain(..end + 4 + length);
            }
        });
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let variant = args.next().unwrap_or_else(|| "facade".into());
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let addr = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener));
        addr
    });
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    // All three are built whatever the variant, so setup is the same in every run.
    let facade = Client::builder(Provider::HmsSovereign).api_key("k").base_url(&base).http_client(http.clone()).build().unwrap();
    let provider = agentdial::hmsovereign::Client::from_options(agentdial_core::ClientOptions::new("k").base_url(&base).http_client(http.clone())).unwrap();
    let body = json!({"destination": "+31612345678", "assistant_id": "2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c"});
    let typed: agentdial::hmsovereign::types::OutboundCallRequest = serde_json::from_value(body.clone()).unwrap();
    let call = OutboundCall::to("+31612345678").agent("2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c");
    let url = format!("{base}/calls/outbound");
    rt.block_on(async {
        for _ in 0..n {
            match variant.as_str() {
                "raw" => {
                    let r = http.post(&url).bearer_auth("k").json(&body).send().await.unwrap();
                    let bytes = r.bytes().await.unwrap();
                    serde_json::from_slice::<agentdial::hmsovereign::types::OutboundCallResponse>(&bytes).unwrap();
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

