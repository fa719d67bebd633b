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
use serde_json::Value;

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

/// The provider's exact request body for `call`: `typed`, built by the provider module from
/// OutboundCall's own fields (and from the provider fields named in `taken`, each read with
/// [`provider_field`]), with the other `provider_fields` merged in.
///
/// Without other provider fields the typed body is sent as built: no JSON detour. With them, the
/// merged body is checked against the exact request type ([`checked`]): a key the type ignores (a
/// typo, a field at the wrong level) is refused before sending, never dropped.
#[allow(dead_code)]
pub(crate) fn body<T: serde::de::DeserializeOwned + serde::Serialize>(
    provider: Provider,
    what: &str,
    typed: Result<T, impl std::fmt::Display>,
    call: &OutboundCall,
    taken: &[&str],
) -> Result<T, Error> {
    let invalid = |message: String| Error::InvalidInput { provider: Some(provider), message };
    let typed = typed.map_err(|e| {
        invalid(format!("{what}: {e} (fields a provider needs beyond OutboundCall go in `provider_fields`)"))
    })?;
    let mut rest = call.provider_fields.iter().filter(|(key, _)| !taken.contains(&key.as_str())).peekable();
    if rest.peek().is_none() {
        return Ok(typed);
    }
    let mut body = match serde_json::to_value(&typed) {
        Ok(Value::Object(body)) => body,
        Ok(_) => return Err(invalid(format!("{what}: the request body is not an object"))),
        Err(e) => return Err(invalid(format!("{what}: {e}"))),
    };
    for (key, value) in rest {
        if body.contains_key(key) {
            return Err(invalid(format!(
                "provider field `{key}` is already set from OutboundCall's own fields; set it there instead"
            )));
        }
        body.insert(key.clone(), value.clone());
    }
    checked(provider, what, &Value::Object(body), "")
}

/// The provider field `key` of `call` as the exact type of the request field it fills, checked like
/// a whole body ([`checked`]); `None` when the call does not set it.
#[allow(dead_code)]
pub(crate) fn provider_field<F: serde::de::DeserializeOwned + serde::Serialize>(
    provider: Provider,
    what: &str,
    call: &OutboundCall,
    key: &str,
) -> Result<Option<F>, Error> {
    call.provider_fields.get(key).map(|value| checked(provider, what, value, key)).transpose()
}

/// `given` (found at path `at` of the body) as the exact type `T`: it must deserialize, and every
/// key of it, at any depth, must be kept by the type (serialized back, [`dropped_key`]).
fn checked<T: serde::de::DeserializeOwned + serde::Serialize>(
    provider: Provider,
    what: &str,
    given: &Value,
    at: &str,
) -> Result<T, Error> {
    let invalid = |message: String| Error::InvalidInput { provider: Some(provider), message };
    let place = || if at.is_empty() { String::new() } else { format!(" `{at}`") };
    let typed = T::deserialize(given).map_err(|e| {
        invalid(format!(
            "{what}{}: {e} (fields a provider needs beyond OutboundCall go in `provider_fields`)",
            place()
        ))
    })?;
    let kept = serde_json::to_value(&typed).map_err(|e| invalid(format!("{what}{}: {e}", place())))?;
    if let Some(path) = dropped_key(given, &kept, at) {
        return Err(invalid(format!(
            "{what}: the request type has no field `{path}`, so it would not be sent; check its name and level in the provider's request type"
        )));
    }
    Ok(typed)
}

/// The path of the first key of `given` that `kept` (the same body after a round trip through the
/// request type) lost. A key whose value is `null`, `{}` or `[]` may be left out by the type's
/// serializer (`skip_serializing_if`), which sends the same as the empty value: not a loss.
fn dropped_key(given: &Value, kept: &Value, at: &str) -> Option<String> {
    let path = lost(given, kept)?;
    Some(match (at.is_empty(), path.starts_with('[')) {
        (true, _) | (false, true) => format!("{at}{path}"),
        (false, false) => format!("{at}.{path}"),
    })
}

/// [`dropped_key`]'s walk; the path is made only for a lost key, on the way back up.
fn lost(given: &Value, kept: &Value) -> Option<String> {
    let join = |head: String, rest: String| {
        if rest.starts_with('[') { format!("{head}{rest}") } else { format!("{head}.{rest}") }
    };
    match (given, kept) {
        (Value::Object(given), Value::Object(kept)) => {
            given.iter().find_map(|(key, value)| match kept.get(key) {
                Some(kept_value) => lost(value, kept_value).map(|rest| join(key.clone(), rest)),
                None if is_empty(value) => None,
                None => Some(key.clone()),
            })
        }
        (Value::Array(given), Value::Array(kept)) => given
            .iter()
            .zip(kept)
            .enumerate()
            .find_map(|(i, (g, k))| lost(g, k).map(|rest| join(format!("[{i}]"), rest))),
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

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Inner {
        x: i64,
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Request {
        to: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        inner: Option<Inner>,
        #[serde(skip_serializing_if = "Option::is_none")]
        extra: Option<String>,
    }

    fn typed(inner: Option<Inner>) -> Result<Request, String> {
        Ok(Request { to: "+14155550123".into(), inner, extra: None })
    }

    fn message(result: Result<impl std::fmt::Debug, Error>) -> String {
        match result {
            Err(Error::InvalidInput { message, .. }) => message,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn a_body_without_provider_fields_is_sent_as_built() {
        let call = OutboundCall::to("+14155550123");
        assert_eq!(body(Provider::Altur, "w", typed(None), &call, &[]).unwrap(), typed(None).unwrap());
        // A builder's error names the missing field and where the caller can supply it.
        let err =
            message(body::<Request>(Provider::Altur, "w", Err("no value supplied for agent"), &call, &[]));
        assert!(err.contains("no value supplied for agent") && err.contains("provider_fields"), "{err}");
    }

    #[test]
    fn provider_fields_are_merged_and_checked_against_the_exact_type() {
        let ok = OutboundCall::to("+1").provider_field("extra", "e").provider_field("inner", json!({"x": 1}));
        let merged = body(Provider::Altur, "w", typed(None), &ok, &[]).unwrap();
        assert_eq!(merged.extra.as_deref(), Some("e"));
        assert_eq!(merged.inner, Some(Inner { x: 1 }));
        // A typo at the top level, and one at depth, are refused by path.
        let typo = OutboundCall::to("+1").provider_field("extar", "e");
        assert!(message(body(Provider::Altur, "w", typed(None), &typo, &[])).contains("`extar`"));
        let nested = OutboundCall::to("+1").provider_field("inner", json!({"x": 1, "y": 2}));
        assert!(message(body(Provider::Altur, "w", typed(None), &nested, &[])).contains("`inner.y`"));
        // A key OutboundCall's own fields already set is not overridden.
        let twice = OutboundCall::to("+1").provider_field("to", "+2");
        assert!(message(body(Provider::Altur, "w", typed(None), &twice, &[])).contains("already set"));
        let twice = OutboundCall::to("+1").provider_field("inner", json!({"x": 2}));
        assert!(
            message(body(Provider::Altur, "w", typed(Some(Inner { x: 1 })), &twice, &[]))
                .contains("already set")
        );
        // A wrong type is refused with the deserializer's reason.
        let wrong = OutboundCall::to("+1").provider_field("extra", 5);
        assert!(message(body(Provider::Altur, "w", typed(None), &wrong, &[])).contains("invalid type"));
    }

    #[test]
    fn provider_fields_taken_by_the_module_are_read_as_their_exact_type() {
        let call = OutboundCall::to("+1").provider_field("inner", json!({"x": 3}));
        let inner: Option<Inner> = provider_field(Provider::Fluents, "w", &call, "inner").unwrap();
        assert_eq!(inner, Some(Inner { x: 3 }));
        // Taken fields are not merged a second time.
        assert_eq!(
            body(Provider::Fluents, "w", typed(inner), &call, &["inner"]).unwrap().inner,
            Some(Inner { x: 3 })
        );
        let absent: Option<Inner> = provider_field(Provider::Fluents, "w", &call, "other").unwrap();
        assert_eq!(absent, None);
        let typo = OutboundCall::to("+1").provider_field("inner", json!({"x": 3, "z": 0}));
        assert!(
            message(provider_field::<Inner>(Provider::Fluents, "w", &typo, "inner")).contains("`inner.z`")
        );
        let wrong = OutboundCall::to("+1").provider_field("inner", "text");
        let err = message(provider_field::<Inner>(Provider::Fluents, "w", &wrong, "inner"));
        assert!(err.contains("`inner`") && err.contains("invalid type"), "{err}");
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
        // Under a provider field's own path, and inside nested arrays.
        assert_eq!(dropped_key(&given, &kept, "agent"), Some("agent.l[1].z".into()));
        assert_eq!(dropped_key(&json!([[1, {"q": 1}]]), &json!([[1, {}]]), "m"), Some("m[0][1].q".into()));
        // Values that change shape (a string kept as an enum's object) are not second-guessed.
        assert_eq!(dropped_key(&json!({"a": "x"}), &json!({"a": {"x": 1}}), ""), None);
    }
}
