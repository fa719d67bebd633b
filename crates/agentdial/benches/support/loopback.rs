//! A minimal keep-alive HTTP/1.1 responder on loopback, shared by the round-trip benchmark and the
//! `overhead` example: it answers each create-call path with a fixed documented body, so that
//! client work, not server work, is what differs between the variants measured.

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub fn response_for(path: &str) -> (&'static str, String) {
    match path {
        "/call" => ("200 OK", include_str!("../../../../tests/fixtures/altur/start-call-response.json").to_owned()),
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

pub async fn serve(listener: tokio::net::TcpListener) {
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
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while buf.len() < end + 4 + length {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, body) = response_for(&path);
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                if stream.write_all(response.as_bytes()).await.is_err() {
                    return;
                }
                buf.drain(..end + 4 + length);
            }
        });
    }
}

/// Starts the responder on `rt` (a current-thread runtime: client and server share one thread) and
/// returns its base URL.
pub fn start(rt: &tokio::runtime::Runtime) -> String {
    let addr = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener));
        addr
    });
    format!("http://{addr}")
}
