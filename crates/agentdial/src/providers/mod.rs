//! One module per provider: how the neutral operations map onto its exact generated API.

#[cfg(feature = "alta")]
pub(crate) mod alta;
#[cfg(feature = "altur")]
pub(crate) mod altur;
#[cfg(feature = "fluents")]
pub(crate) mod fluents;
#[cfg(feature = "hmsovereign")]
pub(crate) mod hmsovereign;

use crate::http::Op;
use crate::{Error, OutboundCall, Provider};
use serde_json::{Map, Value};

/// `op`, run as the provider's operation `name`, resent after a 429 only when the provider's document
/// declares a 429 response for it (`spec::OPERATIONS_DECLARING_429`, read from the document at
/// generation time: a documented rate limit is refused before the request is processed), or when
/// it is idempotent. Otherwise nothing says the request was not processed (for a create: that no
/// call was placed), and the 429 is returned at once.
#[allow(dead_code)]
pub(crate) fn with_declared_429(op: Op, declaring_429: &[&str], name: &str) -> Op {
    Op { resend_on_429: op.idempotent || declaring_429.contains(&name), ..op }
}

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
                message: format!(
                    "{provider}'s create-call request has no place for `{field}`; see OutboundCall's field table"
                ),
            });
        }
    }
    Ok(())
}

/// Merges `provider_fields` into `body` and checks it against the provider's exact request type:
/// the body must deserialize, and every key of it, at any depth, must be kept by the type (serialized
/// back): a key the type ignores (a typo, a field at the wrong level) is refused before sending.
#[allow(dead_code)]
pub(crate) fn body<T: serde::de::DeserializeOwned + serde::Serialize>(
    provider: Provider,
    what: &str,
    mut body: Map<String, Value>,
    call: &OutboundCall,
) -> Result<T, Error> {
    if let Some(key) = call.provider_fields.keys().find(|k| body.contains_key(*k)) {
        return Err(Error::InvalidInput {
            provider: Some(provider),
            message: format!(
                "provider field `{key}` is already set from OutboundCall's own fields; set it there instead"
            ),
        });
    }
    body.extend(call.provider_fields.clone());
    let body = Value::Object(body);
    let typed = T::deserialize(&body).map_err(|e| Error::InvalidInput {
        provider: Some(provider),
        message: format!("{what}: {e} (fields a provider needs beyond OutboundCall go in `provider_fields`)"),
    })?;
    let kept = serde_json::to_value(&typed)
        .map_err(|e| Error::InvalidInput { provider: Some(provider), message: format!("{what}: {e}") })?;
    if let Some(path) = dropped_key(&body, &kept, "") {
        return Err(Error::InvalidInput {
            provider: Some(provider),
            message: format!(
                "{what}: the request type has no field `{path}`, so it would not be sent; check its name and level in the provider's request type"
            ),
        });
    }
    Ok(typed)
}

/// The path of the first key of `given` that `kept` (the same body after a round trip through the
/// request type) lost. A key whose value is `null`, `{}` or `[]` may be left out by the type's
/// serializer (`skip_serializing_if`), which sends the same as the empty value: not a loss.
fn dropped_key(given: &Value, kept: &Value, at: &str) -> Option<String> {
    match (given, kept) {
        (Value::Object(given), Value::Object(kept)) => given.iter().find_map(|(key, value)| {
            let path = if at.is_empty() { key.clone() } else { format!("{at}.{key}") };
            match kept.get(key) {
                Some(kept_value) => dropped_key(value, kept_value, &path),
                None if is_empty(value) => None,
                None => Some(path),
            }
        }),
        (Value::Array(given), Value::Array(kept)) => given
            .iter()
            .zip(kept)
            .enumerate()
            .find_map(|(i, (g, k))| dropped_key(g, k, &format!("{at}[{i}]"))),
        _ => None,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

#[allow(dead_code)]
pub(crate) fn required<'a>(
    provider: Provider,
    field: &str,
    value: &'a Option<String>,
) -> Result<&'a str, Error> {
    value.as_deref().ok_or_else(|| Error::InvalidInput {
        provider: Some(provider),
        message: format!("{provider} requires `{field}` to place a call"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What the documents say, and the operation names the provider modules use (a misspelt name
    /// would silently mean "no 429 declared").
    #[test]
    #[cfg(all(feature = "altur", feature = "alta", feature = "fluents", feature = "hmsovereign"))]
    fn declared_429s_come_from_the_documents() {
        assert!(agentdial_hmsovereign::spec::OPERATIONS_DECLARING_429.contains(&"create_outbound_call"));
        assert!(agentdial_hmsovereign::spec::OPERATIONS_DECLARING_429.contains(&"control_call"));
        assert_eq!(agentdial_alta::spec::OPERATIONS_DECLARING_429, ["trigger_assistant_call"]);
        assert!(agentdial_altur::spec::OPERATIONS_DECLARING_429.is_empty());
        assert!(agentdial_fluents::spec::OPERATIONS_DECLARING_429.is_empty());
    }

    #[test]
    fn dropped_keys_are_named_by_path() {
        let kept = json!({"a": 1, "o": {"x": 1}, "l": [{"k": 1}, {"k": 1}]});
        let given =
            json!({"a": 1, "o": {"x": 1, "typo": 2}, "l": [{"k": 1}, {"k": 1}], "empty": {}, "nul": null});
        assert_eq!(dropped_key(&given, &kept, ""), Some("o.typo".into()));
        let given = json!({"l": [{"k": 1}, {"k": 1, "z": 3}]});
        assert_eq!(dropped_key(&given, &kept, ""), Some("l[1].z".into()));
        assert_eq!(dropped_key(&json!({"empty": {}, "nul": null, "a": 1}), &json!({"a": 1}), ""), None);
        assert_eq!(dropped_key(&json!({"top": 60}), &json!({}), ""), Some("top".into()));
        // Values that change shape (a string kept as an enum's object) are not second-guessed.
        assert_eq!(dropped_key(&json!({"a": "x"}), &json!({"a": {"x": 1}}), ""), None);
    }
}
