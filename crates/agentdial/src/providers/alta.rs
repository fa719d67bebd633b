use crate::http::{Op, RetryPolicy, finish, run};
use crate::{CallHandle, DialResponse, Dialed, Error, OutboundCall, ProviderError};
use agentdial_alta::types;

pub(crate) async fn dial(
    client: &agentdial_alta::Client,
    policy: &RetryPolicy,
    op: Op,
    call: &OutboundCall,
) -> Result<Dialed, Error> {
    let op = super::with_declared_429(
        op,
        agentdial_alta::spec::OPERATIONS_DECLARING_429,
        "trigger_assistant_call",
    );
    super::refuse(op.provider, call, &["from", "phone_number_id"])?;
    let typed = types::TriggerAssistantCallRequest::builder()
        .assistant_id(super::required(op.provider, "agent_id", &call.agent_id)?)
        .name(super::required(op.provider, "customer_name", &call.customer_name)?)
        .phone_number(call.to.as_str())
        .data(call.variables.clone());
    let body = super::body(
        op.provider,
        "Alta trigger-call body",
        types::TriggerAssistantCallRequest::try_from(typed),
        call,
        &[],
    )?;
    run(policy, op, || async {
        finish(op, client.trigger_assistant_call().body(body.clone()).send().await, |_, b: &types::Error| {
            Some(ProviderError::Alta(Box::new(b.clone())))
        })
        .await
    })
    .await?;
    // Alta's 200 has no body: there is no call id to hand back.
    Ok(Dialed {
        handle: CallHandle { provider: op.provider, id: None },
        status: None,
        response: DialResponse::Alta,
    })
}
