//! A user's test: dial, time out, look the call up, do not dial again.
//!
//! `cargo run -p agentdial-testkit --example dial_timeout_lookup`; `cargo test` runs it too (the
//! `#[test]` at the bottom).

use agentdial::{CallStatus, Client, Error, OutboundCall, Provider};
use agentdial_testkit::{Fault, MockProvider};
use std::time::Duration;

/// The code under test: places a call at most once. On an unknown outcome it looks for the call
/// it may have created (here: the most recent call to the same number) instead of dialing again.
async fn place_call_once(
    client: &Client,
    lookup: &agentdial_hmsovereign::Client,
    to: &str,
) -> Result<String, Error> {
    let call = OutboundCall::to(to).agent("2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c");
    match client.dial(&call).await {
        Ok(dialed) => Ok(dialed.handle.id.expect("HMS Sovereign returns an id")),
        Err(e) if e.may_have_dialed() => {
            let calls = lookup.list_calls().limit(10).send().await.map_err(|_| e)?.into_inner().calls;
            let found = calls.into_iter().rev().find(|c| c.caller_phone.as_deref() == Some(to));
            Ok(found.expect("the call the timed-out dial created").id)
        }
        Err(e) => Err(e),
    }
}

async fn run() {
    let mock = MockProvider::start(Provider::HmsSovereign).await;
    mock.fail_next("createOutboundCall", Fault::Hang); // the dial arrives, the answer never does
    let client = mock.client().timeout(Duration::from_millis(300)).build().unwrap();
    let lookup = agentdial_hmsovereign::Client::from_options(
        agentdial_hmsovereign::ClientOptions::new(mock.api_key()).base_url(mock.base_url()),
    )
    .unwrap();

    let id = place_call_once(&client, &lookup, "+31612345678").await.unwrap();

    assert_eq!(mock.dials(), 1, "exactly one dial, even though it timed out");
    assert_eq!(client.call(&id).await.unwrap().status, CallStatus::Queued);
    println!("found {id} after the timeout; dials: {}", mock.dials());
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    run().await;
}

#[test]
fn dial_time_out_look_up_do_not_dial_again() {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run());
}
