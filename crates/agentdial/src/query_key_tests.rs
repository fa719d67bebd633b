//! A provider whose document puts the key in a query parameter (`AuthScheme::Query`; none of the
//! four does): the client generated from `tests/query-key-fixture/query-key.yaml` through the full
//! pipeline, driven through the facade's retry loop and error mapping, against loopback servers that
//! misbehave. No error, `Debug` or trace line may contain the key, although every request carries it.

use crate::http::{Op, RetryPolicy, finish, run};
use crate::{Error, Provider};
use agentdial_query_key_fixture::{Client, ClientOptions, Error as P};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KEY: &str = "qk-live-0123456789abcdef";

fn client(base: &str) -> Client {
    assert_eq!(
        agentdial_query_key_fixture::spec::AUTH,
        agentdial_core::AuthScheme::Query { name: "api_key" }
    );
    Client::from_options(
        ClientOptions::new(KEY).base_url(base).timeout(Duration::from_millis(700)).max_response_body(1024),
    )
    .unwrap()
}

#[derive(Clone, Copy, Debug)]
enum Misbehaviour {
    /// Reads the request, then resets the connection.
    Reset,
    /// Reads the request and never answers.
    Hang,
    /// 418 with a body.
    Teapot,
    /// Announces 100 bytes, sends 5, closes.
    ShortBody,
    /// 200 with a 64 KiB body.
    LargeBody,
    /// 503 (with a request id), then 500 with a JSON body.
    ServerErrors,
}

/// A loopback server that misbehaves as told; returns its URL and every request line it read.
async fn server(mode: Misbehaviour) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((mut stream, _)) = listener.accept().await {
            n += 1;
            let mut buf = vec![0u8; 8192];
            let read = stream.read(&mut buf).await.unwrap_or(0);
            let text = String::from_utf8_lossy(&buf[..read]).into_owned();
            log.lock().unwrap().push(text.lines().next().unwrap_or_default().to_owned());
            let reply = |status: &str, body: &str| {
                format!(
                    "HTTP/1.1 {status}\r\nconnection: close\r\nx-request-id: req-{n}\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                )
            };
            match mode {
                Misbehaviour::Reset => {
                    socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO)).unwrap();
                }
                Misbehaviour::Hang => {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                Misbehaviour::Teapot => {
                    let _ = stream.write_all(reply("418 I'm a teapot", "short and stout").as_bytes()).await;
                }
                Misbehaviour::ShortBody => {
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"a\":").await;
                }
                Misbehaviour::LargeBody => {
                    let _ = stream.write_all(reply("200 OK", &"x".repeat(65536)).as_bytes()).await;
                }
                Misbehaviour::ServerErrors => {
                    let (status, body) = if n == 1 {
                        ("503 Service Unavailable", "busy")
                    } else {
                        ("500 Internal Server Error", r#"{"error":"internal"}"#)
                    };
                    let _ = stream.write_all(reply(status, body).as_bytes()).await;
                }
            }
        }
    });
    (base, seen)
}

#[path = "../tests/support/trace.rs"]
mod trace;

fn no_key(what: &str, text: &str) {
    assert!(!text.contains(KEY), "{what} contains the key: {text}");
}

#[tokio::test]
async fn no_error_debug_or_trace_line_contains_a_query_key() {
    let (trace, _guard) = trace::Captured::install();
    // A read: retried on transport errors, timeouts and 5xx, so the `retrying` event is logged too.
    let op = Op {
        provider: Provider::HmsSovereign,
        name: "list calls",
        creates_call: false,
        idempotent: true,
        resend_on_429: true,
    };
    let policy = RetryPolicy::default()
        .max_attempts(2)
        .min_delay(Duration::from_millis(10))
        .max_delay(Duration::from_millis(10));

    for mode in [
        Misbehaviour::Reset,
        Misbehaviour::Hang,
        Misbehaviour::Teapot,
        Misbehaviour::ShortBody,
        Misbehaviour::LargeBody,
        Misbehaviour::ServerErrors,
    ] {
        let (base, seen) = server(mode).await;
        let client = client(&base);
        // What the provider crate's caller sees.
        let direct = client.list_calls().limit(5).send().await.unwrap_err();
        no_key(&format!("{mode:?}: provider-crate error Display"), &direct.to_string());
        no_key(&format!("{mode:?}: provider-crate error Debug"), &format!("{direct:?}"));
        if let P::UnexpectedResponse(response) = direct {
            assert!(response.url().as_str().contains("api_key=REDACTED"), "{}", response.url());
        }
        // What the facade's caller sees, after its retries.
        let error: Error = run(&policy, op, || async {
            finish(op, client.list_calls().limit(5).send().await, |_, _| None).await
        })
        .await
        .unwrap_err();
        no_key(&format!("{mode:?}: facade error Display"), &error.to_string());
        no_key(&format!("{mode:?}: facade error Debug"), &format!("{error:?}"));
        let mut source = std::error::Error::source(&error);
        while let Some(s) = source {
            no_key(&format!("{mode:?}: error source"), &format!("{s} {s:?}"));
            source = s.source();
        }
        match mode {
            Misbehaviour::Reset => assert!(matches!(error, Error::Transport { .. }), "{error:?}"),
            Misbehaviour::Hang => assert!(matches!(error, Error::Timeout { .. }), "{error:?}"),
            Misbehaviour::Teapot => assert!(matches!(error, Error::Api { status: 418, .. }), "{error:?}"),
            Misbehaviour::ShortBody => {
                assert!(matches!(error, Error::Transport { .. } | Error::Timeout { .. }), "{error:?}")
            }
            Misbehaviour::LargeBody => assert!(
                matches!(error, Error::BodyTooLarge { limit: 1024, status: Some(200), .. }),
                "{error:?}"
            ),
            Misbehaviour::ServerErrors => {
                assert!(matches!(error, Error::Api { status: 500, .. }), "{error:?}")
            }
        }
        // The key was sent: only printing it is what must not happen.
        let seen = seen.lock().unwrap().clone();
        assert!(
            !seen.is_empty() && seen.iter().all(|line| line.contains(&format!("api_key={KEY}"))),
            "{mode:?}: {seen:?}"
        );
    }
    let trace = trace.text();
    assert!(trace.contains("retrying"), "the retry path ran: {trace}");
    no_key("the trace", &trace);
}
