//! One module per provider: how the neutral operations map onto its exact generated API.

#[cfg(feature = "alta")]
pub(crate) mod alta;
#[cfg(feature = "altur")]
pub(crate) mod altur;
#[cfg(feature = "fluents")]
pub(crate) mod fluents;
#[cfg(feature = "hmsovereign")]
pub(crate) mod hmsovereign;

use crate::{Error, OutboundCall, Provider};
use serde_json::{Map, Value};

/// Refuses neutral fields the provider has no place for, instead of dropping them silently.
#[allow(dead_code)]
pub(crate) fn refuse(provider: Provider, call: &OutboundCall, unusable: &[&str]) -> Result<(), Error> {
    for field in unusable {
        let given = match *field {
            "from" => call.from.is_some(),
            "agent_id" => call.agent_id.is_some(),
            "phone_number_id" => call.phone_number_id.is_some(),
            "customer_name" => call.customer_name.is_some(),
            "variables" => !call.variables.is_empty(),
            _ => false,
        };
        if given {
            return Err(Error::InvalidInput {
                provider: Some(provider),
                message: format!("{provider}'s create-call request has no place for `{field}`; see OutboundCall's field table"),
            });
        }
    }
    Ok(())
}

/// Merges `provider_fields` into `body` and checks it against the provider's exact request type.
#[allow(dead_code)]
pub(crate) fn body<T: serde::de::DeserializeOwned>(provider: Provider, what: &str, mut body: Map<String, Value>, call: &OutboundCall) -> Result<T, Error> {
    if let Some(key) = call.provider_fields.keys().find(|k| body.contains_key(*k)) {
        return Err(Error::InvalidInput {
            provider: Some(provider),
            message: format!("provider field `{key}` is already set from OutboundCall's own fields; set it there instead"),
        });
    }
    body.extend(call.provider_fields.clone());
    serde_json::from_value(Value::Object(body)).map_err(|e| Error::InvalidInput {
        provider: Some(provider),
        message: format!("{what}: {e} (fields a provider needs beyond OutboundCall go in `provider_fields`)"),
    })
}

#[allow(dead_code)]
pub(crate) fn required<'a>(provider: Provider, field: &str, value: &'a Option<String>) -> Result<&'a str, Error> {
    value.as_deref().ok_or_else(|| Error::InvalidInput { provider: Some(provider), message: format!("{provider} requires `{field}` to place a call") })
}
