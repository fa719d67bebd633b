//! Deserializing large responses into the generated types vs `serde_json::Value`.
//! Run: `cargo bench -p agentdial --bench deserialize`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::hint::black_box;
use std::time::Duration;

/// 1,000 HMS Sovereign `Call` objects shaped like the seed's example.
fn hms_calls() -> Vec<u8> {
    let calls: Vec<Value> = (0..1000)
        .map(|i| {
            json!({
                "id": format!("call_{i:05}"), "agent_id": "2f1c3c1e-4a6b-4c8e-9d0a-5b7e8f9a0b1c", "agent_name": "Support",
                "status": if i % 3 == 0 { "ended" } else { "in-progress" }, "direction": "outbound",
                "caller_phone": "+31612345678", "assistant_phone": "+31850835037", "phone_number": "+31850835037",
                "duration_seconds": i, "end_reason": "user_hangup", "summary": "Customer asked about opening hours and booked an appointment.",
                "created_at": "2025-12-13T12:00:00Z", "updated_at": "2025-12-13T12:05:00Z", "started_at": "2025-12-13T12:00:03Z",
                "ended_at": "2025-12-13T12:05:00Z", "recording_url": "https://example.invalid/rec.mp3",
                "messages": [{"role": "assistant", "content": "Hello, how can I help?"}, {"role": "user", "content": "Opening hours?"}]
            })
        })
        .collect();
    serde_json::to_vec(&calls).unwrap()
}

/// One Altur `Call` whose thread has many tags and assignees.
fn altur_large() -> Vec<u8> {
    let mut call: Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/altur/start-call-response.json")).unwrap();
    call["thread"]["tags"] = Value::Array(
        (0..500)
            .map(|i| json!({"id": format!("t{i}"), "name": format!("tag {i}"), "color": "blue"}))
            .collect(),
    );
    call["thread"]["assigned_to"] = Value::Array((0..500).map(|i| json!({"id": format!("u{i}"), "email": format!("u{i}@example.invalid"), "first_name": "A", "last_name": "B"})).collect());
    serde_json::to_vec(&call).unwrap()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("deserialize");
    group.measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    let calls = hms_calls();
    group.throughput(Throughput::Bytes(calls.len() as u64));
    group.bench_function("hmsovereign_1000_calls/generated", |b| {
        b.iter(|| {
            serde_json::from_slice::<Vec<agentdial::hmsovereign::types::Call>>(black_box(&calls)).unwrap()
        })
    });
    group.bench_function("hmsovereign_1000_calls/value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&calls)).unwrap())
    });
    let altur = altur_large();
    group.throughput(Throughput::Bytes(altur.len() as u64));
    group.bench_function("altur_large_call/generated", |b| {
        b.iter(|| serde_json::from_slice::<agentdial::altur::types::Call>(black_box(&altur)).unwrap())
    });
    group.bench_function("altur_large_call/value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&altur)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
