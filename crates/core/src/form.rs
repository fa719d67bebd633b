//! `application/x-www-form-urlencoded` request bodies.
//!
//! progenitor encodes form bodies with `serde_urlencoded`, which refuses array fields ("failed to
//! serialize body"), although OpenAPI's default for a form body (`style: form, explode: true`)
//! sends an array as the same key repeated: `Event=initiated&Event=ringing`. agentdial's build
//! (transformation `form_request_bodies`) makes the generated `send()` encode with [`to_string`]
//! instead, which does exactly that (through `serde_html_form`). `None` fields send nothing;
//! a nested object is refused with an error (the format has no spelling for it).

use serde::Serialize;

/// Encodes `body` (a struct or map) as `application/x-www-form-urlencoded`.
pub fn to_string<T: Serialize + ?Sized>(body: &T) -> Result<String, FormError> {
    serde_html_form::to_string(body).map_err(|e| FormError(e.to_string()))
}

/// Why a value could not be form-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError(String);

impl std::fmt::Display for FormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot encode the body as application/x-www-form-urlencoded: {}", self.0)
    }
}
impl std::error::Error for FormError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Body {
        #[serde(rename = "To")]
        to: String,
        #[serde(rename = "StatusCallbackEvent")]
        events: Vec<String>,
        #[serde(rename = "Timeout", skip_serializing_if = "Option::is_none")]
        timeout: Option<i64>,
        #[serde(rename = "Record")]
        record: Option<bool>,
    }

    #[test]
    fn arrays_repeat_the_key_and_none_sends_nothing() {
        let body = Body {
            to: "+1 555&x".into(),
            events: vec!["initiated".into(), "ringing".into()],
            timeout: None,
            record: None,
        };
        assert_eq!(
            to_string(&body).unwrap(),
            "To=%2B1+555%26x&StatusCallbackEvent=initiated&StatusCallbackEvent=ringing"
        );
    }

    #[test]
    fn nested_objects_are_an_error() {
        #[derive(Serialize)]
        struct Nested {
            inner: Body,
        }
        let inner = Body { to: String::new(), events: vec![], timeout: Some(1), record: Some(true) };
        assert!(to_string(&Nested { inner }).is_err());
    }
}
