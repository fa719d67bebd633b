use crate::http::{Op, RetryPolicy, finish, run};
use crate::{CallHandle, CallStatus, DialResponse, Dialed, Error, OutboundCall, ProviderError};
use agentdial_altur::types;
use serde_json::{Map, Value, json};

pub(crate) fn status(s: &types::CallStatus) -> CallStatus {
    use types::CallStatus as S;
    match s {
        S::Created | S::Queued => CallStatus::Queued,
        S::Ringing => CallStatus::Ringing,
        S::InProgress | S::Forwarding => CallStatus::InProgress,
        S::Ended => CallStatus::Ended { reason: None },
        S::Busy | S::NoAnswer => CallStatus::Ended { reason: Some(s.to_string()) },
        S::Failed => CallStatus::Failed { reason: Some(s.to_string()) },
        S::Unrecognized(status) => CallStatus::Unrecognized { status: status.clone() },
    }
}

pub(crate) async fn dial(
    client: &agentdial_altur::Client,
    policy: &RetryPolicy,
    op: Op,
    call: &OutboundCall,
) -> Result<Dialed, Error> {
    let op = super::with_declared_429(op, agentdial_altur::spec::OPERATIONS_DECLARING_429, "start_call");
    super::refuse(op.provider, call, &["from", "phone_number_id"])?;
    let mut fields = Map::new();
    fields.insert("agent_id".into(), json!(super::required(op.provider, "agent_id", &call.agent_id)?));
    fields.insert("phone_number_to".into(), json!(call.to));
    if let Some(name) = &call.customer_name {
        fields.insert("end_user_display_name".into(), json!(name));
    }
    if !call.variables.is_empty() {
        fields.insert("end_user_context".into(), Value::Object(call.variables.clone()));
    }
    let body: types::StartCallBody = super::body(op.provider, "Altur Start Call body", fields, call)?;
    let response = run(policy, op, || async {
        finish(op, client.start_call().body(body.clone()).send().await, |_, b: &types::Error| {
            Some(ProviderError::Altur(Box::new(b.clone())))
        })
        .await
    })
    .await?;
    Ok(Dialed {
        handle: CallHandle { provider: op.provider, id: response.id.clone() },
        status: response.status.as_ref().map(status),
        response: DialResponse::Altur(Box::new(response)),
    })
}
