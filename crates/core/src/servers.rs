//! Operations that a document sends to a server of their own.
//!
//! An OpenAPI document may give a path item or an operation its own `servers` (Bandwidth sends
//! voice operations to `voice.bandwidth.com` and messaging ones to `messaging.bandwidth.com`, and
//! has no top-level server). The generated client has one base URL; the generated code of such an
//! operation asks [`operation_base_url`] where to send it.

/// The base URL an operation with its own server is sent to.
///
/// The operation's server, unless the client was given a base URL of its own (anything other than
/// the document's default, which may be empty): then every operation goes there, as a mock
/// server, a proxy or a test environment expects.
///
/// ```
/// use agentdial_core::servers::operation_base_url;
///
/// let voice = "https://voice.example.com/api/v2";
/// // Built with the document's default (here: none): the operation's own server.
/// assert_eq!(operation_base_url("", "", voice), voice);
/// // Built for a mock server: everything goes to the mock.
/// assert_eq!(operation_base_url("http://127.0.0.1:8080", "", voice), "http://127.0.0.1:8080");
/// ```
pub fn operation_base_url<'a>(client: &'a str, document_default: &str, operation: &'a str) -> &'a str {
    if client.trim_end_matches('/') == document_default.trim_end_matches('/') { operation } else { client }
}

#[cfg(test)]
mod tests {
    use super::operation_base_url;

    #[test]
    fn the_document_default_yields_to_the_operation_an_override_does_not() {
        let op = "https://voice.example.com/v2";
        assert_eq!(operation_base_url("https://api.example.com", "https://api.example.com", op), op);
        assert_eq!(operation_base_url("https://api.example.com/", "https://api.example.com", op), op);
        assert_eq!(
            operation_base_url("http://localhost:1", "https://api.example.com", op),
            "http://localhost:1"
        );
        assert_eq!(operation_base_url("", "", op), op);
    }
}
