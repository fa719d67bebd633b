use crate::http::{Op, RetryPolicy, finish, from_progenitor, run};
use crate::{
    CallHandle, CallState, CallStatus, DialResponse, Dialed, Error, OutboundCall, ProviderCall, ProviderError,
};
use agentdial_hmsovereign::types;
use serde_json::Value;

pub(crate) fn status(call: &types::Call) -> CallStatus {
    use types::CallStatus as S;
    let text = |s: &S| Some(s.to_string());
    match &call.status {
        S::Connecting => CallStatus::Queued,
        S::Ringing => CallStatus::Ringing,
        S::InProgress => CallStatus::InProgress,
        S::Ended => CallStatus::Ended { reason: call.end_reason.clone() },
        S::Transferred => {
            CallStatus::Ended { reason: call.end_reason.clone().or_else(|| text(&call.status)) }
        }
        S::EndedWithError => CallStatus::Failed { reason: call.error.clone().or_else(|| text(&call.status)) },
        s @ (S::Failed | S::Rejected | S::InsufficientCredits) => {
            CallStatus::Failed { reason: call.error.clone().or_else(|| text(s)) }
        }
        S::Unrecognized(status) => CallStatus::Unrecognized { status: status.clone() },
    }
}

/// HMS Sovereign has two error bodies: a flat one, and a nested one on 429.
fn details(body: &impl serde::Serialize) -> Option<ProviderError> {
    let value = serde_json::to_value(body).ok()?;
    if value.get("error").is_some_and(Value::is_object) {
        serde_json::from_value(value).ok().map(|e| ProviderError::HmsSovereignEnvelope(Box::new(e)))
    } else {
        serde_json::from_value(value).ok().map(|e| ProviderError::HmsSovereign(Box::new(e)))
    }
}

fn uuid_field(op: Op, field: &str, value: &Option<String>) -> Result<Option<uuid::Uuid>, Error> {
    value
        .as_deref()
        .map(|v| {
            v.parse::<uuid::Uuid>().map_err(|_| Error::InvalidInput {
                provider: Some(op.provider),
                message: format!("HMS Sovereign's `{field}` is a UUID; got {v:?}"),
            })
        })
        .transpose()
}

pub(crate) async fn dial(
    client: &agentdial_hmsovereign::Client,
    policy: &RetryPolicy,
    op: Op,
    call: &OutboundCall,
) -> Result<Dialed, Error> {
    // The document declares a 429 for every operation, and HMS Sovereign states the rule: "Sent before
    // the request is processed, so any request may be resent after `Retry-After`" (TooManyRequests).
    let op = super::with_declared_429(
        op,
        agentdial_hmsovereign::spec::OPERATIONS_DECLARING_429,
        "create_outbound_call",
    );
    super::refuse(op.provider, call, &["from", "customer_name"])?;
    let assistant_id = uuid_field(op, "agent_id", &call.agent_id)?;
    let number_id = uuid_field(op, "phone_number_id", &call.phone_number_id)?;
    let typed = || -> Result<types::OutboundCallRequest, types::error::ConversionError> {
        let mut typed = types::OutboundCallRequest::builder()
            .destination(call.to.as_str())
            .assistant_id(assistant_id)
            .number_id(number_id);
        if !call.variables.is_empty() {
            let assistant_override =
                types::AssistantConfigOverride::builder().metadata(call.variables.clone());
            typed =
                typed.assistant_override(Some(types::AssistantConfigOverride::try_from(assistant_override)?));
        }
        typed.try_into()
    };
    let body = super::body(op.provider, "HMS Sovereign outbound-call body", typed(), call, &[])?;
    let response = run(policy, op, || async {
        finish(op, client.create_outbound_call().body(body.clone()).send().await, |_, b| details(b)).await
    })
    .await?;
    if !response.success {
        // A 200 that says it did not succeed: no call should exist, but the answer is the provider's.
        return Err(Error::Api {
            provider: op.provider,
            operation: op.name,
            status: 200,
            request_id: None,
            details: None,
            raw: serde_json::to_string(&response).unwrap_or_default(),
            may_have_dialed: true,
        });
    }
    // The document gives the create response's status one value (a constant, so a closed enum).
    let status = match &response.status {
        types::OutboundCallStatus::Dialing => CallStatus::Queued,
    };
    Ok(Dialed {
        handle: CallHandle { provider: op.provider, id: Some(response.call_id.clone()) },
        status: Some(status),
        response: DialResponse::HmsSovereign(response),
    })
}

pub(crate) async fn call(
    client: &agentdial_hmsovereign::Client,
    policy: &RetryPolicy,
    op: Op,
    id: &str,
) -> Result<CallState, Error> {
    let call = run(policy, op, || async {
        finish(op, client.get_call().id(id).send().await, |_, b| details(b)).await
    })
    .await?;
    Ok(CallState { status: status(&call), call: ProviderCall::HmsSovereign(Box::new(call)) })
}

pub(crate) async fn hang_up(
    client: &agentdial_hmsovereign::Client,
    policy: &RetryPolicy,
    op: Op,
    id: &str,
) -> Result<(), Error> {
    let op =
        super::with_declared_429(op, agentdial_hmsovereign::spec::OPERATIONS_DECLARING_429, "control_call");
    let command = types::CallControlCommand::EndCallCommand(types::EndCallCommand {
        message: None,
        type_: types::EndCallCommandType::EndCall,
    });
    run(policy, op, || async {
        finish(op, client.control_call().id(id).body(command.clone()).send().await, |_, b| details(b))
            .await
            .map(|_| ())
    })
    .await
}

pub(crate) fn calls<'a>(
    client: &'a agentdial_hmsovereign::Client,
    policy: &RetryPolicy,
    op: Op,
    filter: crate::CallFilter,
) -> Result<crate::CallStream<'a>, Error> {
    use futures::StreamExt as _;
    let mut list = client.list_calls();
    if let Some(s) = &filter.status {
        let status: types::CallStatusFilter = s.parse().map_err(|_| Error::InvalidInput {
            provider: Some(op.provider),
            message: format!("HMS Sovereign's call status filter is one of connecting, in-progress, ended, failed; got {s:?}"),
        })?;
        list = list.status(status);
    }
    if let Some(at) = filter.since {
        list = list.start_date(at);
    }
    if let Some(at) = filter.until {
        list = list.end_date(at);
    }
    if let Some(n) = filter.page_size {
        list = list.limit(n);
    }
    let paging =
        agentdial_core::pagination::Paging { max_retry_after: policy.max_retry_after, ..Default::default() };
    Ok(Box::pin(list.stream_with(paging).then(move |item| async move {
        match item {
            Ok(call) => {
                Ok(CallState { status: status(&call), call: ProviderCall::HmsSovereign(Box::new(call)) })
            }
            Err(e) => Err(from_progenitor(op, e, |_, b| details(b)).await),
        }
    })))
}
