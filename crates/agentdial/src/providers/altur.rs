use crate::http::{Op, RetryPolicy, finish, run};
use crate::{CallHandle, CallStatus, DialResponse, Dialed, Error, OutboundCall, ProviderError};
use agentdial_altur::types;

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
    let mut typed = types::StartCallBody::builder()
        .agent_id(super::required(op.provider, "agent_id", &call.agent_id)?)
        .phone_number_to(call.to.as_str())
        .end_user_display_name(call.customer_name.clone());
    if !call.variables.is_empty() {
        typed =
            typed.end_user_context(Some(types::StartCallBodyEndUserContext::Object(call.variables.clone())));
    }
    let body =
        super::body(op.provider, "Altur Start Call body", types::StartCallBody::try_from(typed), call, &[])?;
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
