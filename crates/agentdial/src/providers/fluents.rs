use crate::http::{Op, RetryPolicy, finish, run};
use crate::{CallHandle, CallStatus, DialResponse, Dialed, Error, OutboundCall, ProviderError};
use agentdial_fluents::types;
use serde_json::{Map, Value};

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
    const WHAT: &str = "Fluents Create call body";
    // Required by the document and not in OutboundCall: the caller gives them as provider fields,
    // read here as their exact types.
    let agent: Option<Map<String, Value>> = super::provider_field(op.provider, WHAT, call, "agent")?;
    let telephony_provider: Option<types::CreateCallDtoTelephonyProvider> =
        super::provider_field(op.provider, WHAT, call, "telephony_provider")?;
    let mut typed = types::CreateCallDto::builder()
        .to_number(call.to.as_str())
        .from_number(from)
        .agent_phone_number(from)
        .context(call.variables.clone())
        .telephony_params(Map::new());
    if let Some(agent) = agent {
        typed = typed.agent(agent);
    }
    if let Some(telephony_provider) = telephony_provider {
        typed = typed.telephony_provider(telephony_provider);
    }
    let body = super::body(
        op.provider,
        WHAT,
        types::CreateCallDto::try_from(typed),
        call,
        &["agent", "telephony_provider"],
    )?;
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
