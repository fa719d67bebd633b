use crate::http::{Op, RetryPolicy, finish, run};
use crate::{CallHandle, CallStatus, DialResponse, Dialed, Error, OutboundCall, ProviderError};
use agentdial_fluents::types;
use serde_json::{Map, Value, json};

pub(crate) fn status(call: &types::CallDto) -> Option<CallStatus> {
    use types::CallDtoStatus as S;
    let reason = || call.stage_outcome.as_ref().map(|o| o.to_string()).or_else(|| call.error_message.clone());
    Some(match call.status.as_ref()? {
        S::NotStarted => CallStatus::Queued,
        S::InProgress => CallStatus::InProgress,
        S::Ended => CallStatus::Ended { reason: reason() },
        S::Error => CallStatus::Failed { reason: reason() },
        S::Unrecognized(status) => CallStatus::Unrecognized { status: status.clone() },
    })
}

pub(crate) async fn dial(
    client: &agentdial_fluents::Client,
    policy: &RetryPolicy,
    op: Op,
    call: &OutboundCall,
) -> Result<Dialed, Error> {
    let op = super::with_declared_429(
        op,
        agentdial_fluents::spec::OPERATIONS_DECLARING_429,
        "call_controller_create_call",
    );
    super::refuse(op.provider, call, &["agent_id", "phone_number_id", "customer_name"])?;
    let from = super::required(op.provider, "from", &call.from)?;
    let mut fields = Map::new();
    fields.insert("to_number".into(), json!(call.to));
    fields.insert("from_number".into(), json!(from));
    fields.insert("agent_phone_number".into(), json!(from));
    fields.insert("context".into(), Value::Object(call.variables.clone()));
    fields.insert("telephony_params".into(), json!({}));
    let body: types::CreateCallDto = super::body(op.provider, "Fluents Create call body", fields, call)?;
    let response = run(policy, op, || async {
        finish(
            op,
            client.call_controller_create_call().body(body.clone()).send().await,
            |status, b: &types::CallControllerCreateCallErrorBody| {
                reqwest::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| b.typed(s).ok())
                    .map(|e| ProviderError::Fluents(Box::new(e)))
            },
        )
        .await
    })
    .await?;
    Ok(Dialed {
        handle: CallHandle { provider: op.provider, id: Some(response.id.clone()) },
        status: status(&response),
        response: DialResponse::Fluents(Box::new(response)),
    })
}
