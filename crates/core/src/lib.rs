//! Runtime pieces shared by the generated agentdial provider crates.
//!
//! Each provider crate's generated `Client` carries an [`Auth`] as its progenitor "inner" value:
//! the API key (never printed) and the way the provider's OpenAPI document says to send it. The
//! generated code calls [`hooks::pre_request`] before every request, which applies the key (the
//! `api-version` header progenitor adds is removed at generation: none of our providers asks for it), and sends
//! every request through [`hooks::exec`], which caps the response body
//! ([`ClientOptions::max_response_body`]) and keeps a query-parameter key out of every URL that an
//! error or a response could print.
//!
//! Every HTTP client these crates use is built by [`ClientOptions::build`], which turns redirects
//! off last, after any caller configuration: a call-creating POST is never resent by a redirect,
//! and a key header never follows one to another host.
//!
//! ```
//! use agentdial_core::ApiKey;
//!
//! let key = ApiKey::new("sk-live-123");
//! assert!(!format!("{key:?}").contains("sk-live-123"));
//! ```
//!
//! [`AuthScheme`], [`BuildError`], [`Auth`] and [`ClientOptions`] are `#[non_exhaustive]`: they grow
//! without a breaking change, so a `match` needs a wildcard arm.
//!
//! ```compile_fail,E0004
//! fn describe(scheme: agentdial_core::AuthScheme) -> &'static str {
//!     use agentdial_core::AuthScheme::*;
//!     match scheme { Bearer => "bearer", Basic => "basic", Header { .. } => "header", Query { .. } => "query", None => "none" }
//! }
//! ```
//!
//! ```compile_fail,E0004
//! fn describe(e: &agentdial_core::BuildError) -> &'static str {
//!     use agentdial_core::BuildError::*;
//!     match e { EmptyKey => "empty", InvalidKey => "invalid", InvalidBaseUrl { .. } => "url", Http(_) => "http" }
//! }
//! ```

pub mod form;
pub mod multipart;
pub mod pagination;
pub mod query;
pub mod servers;

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The HTTP client library whose types appear in this API (`reqwest::ClientBuilder` in
/// [`ClientOptions::configure_http`], `reqwest::Error` in errors).
pub use reqwest;

/// An API key. Its `Debug` and `Display` never show the key.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// Wraps a key. Surrounding whitespace (a trailing newline from a file or an env var) is removed.
    pub fn new(key: impl Into<String>) -> Self {
        let key: String = key.into();
        Self(SecretString::from(key.trim().to_owned()))
    }

    /// Whether the key is empty (after trimming).
    pub fn is_empty(&self) -> bool {
        self.0.expose_secret().is_empty()
    }

    /// The key itself. Only the request hook should need this.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for ApiKey {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}
impl From<&str> for ApiKey {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([REDACTED])")
    }
}

/// How a provider's document says to authenticate (read from its `securitySchemes` at generation time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthScheme {
    /// `Authorization: Bearer KEY` (`type: http, scheme: bearer`; also oauth2 / openIdConnect tokens).
    Bearer,
    /// `type: http, scheme: basic`, with the key as `user:password`.
    Basic,
    /// `type: apiKey, in: header`: header `name` with value `prefix` + key.
    Header { name: &'static str, prefix: &'static str },
    /// `type: apiKey, in: query`.
    Query { name: &'static str },
    /// The document declares no security scheme.
    None,
}

impl AuthScheme {
    /// The header name and value this scheme sends for `key`, if it uses a header.
    pub fn header_for(&self, key: &ApiKey) -> Option<(reqwest::header::HeaderName, String)> {
        use reqwest::header::{AUTHORIZATION, HeaderName};
        match self {
            AuthScheme::Bearer => Some((AUTHORIZATION, format!("Bearer {}", key.expose()))),
            AuthScheme::Basic => {
                use base64::Engine as _;
                Some((
                    AUTHORIZATION,
                    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(key.expose())),
                ))
            }
            AuthScheme::Header { name, prefix } => {
                Some((HeaderName::from_bytes(name.as_bytes()).ok()?, format!("{prefix}{}", key.expose())))
            }
            AuthScheme::Query { .. } | AuthScheme::None => None,
        }
    }
}

/// The inner value of every generated `Client`: the key, how to send it, and the response-body cap.
/// Only [`ClientOptions::build`] makes one, and it does not change afterwards (the header that
/// carries the key is made once, there, not per request).
#[derive(Debug, Clone)]
pub struct Auth {
    key: ApiKey,
    scheme: AuthScheme,
    max_response_body: usize,
    header: AuthHeader,
}

impl Auth {
    fn new(key: ApiKey, scheme: AuthScheme, max_response_body: usize) -> Self {
        let header = AuthHeader(scheme.header_for(&key).and_then(|(name, value)| {
            let mut value = reqwest::header::HeaderValue::from_str(&value).ok()?;
            value.set_sensitive(true);
            Some((name, value))
        }));
        Self { key, scheme, max_response_body, header }
    }

    pub fn key(&self) -> &ApiKey {
        &self.key
    }

    pub fn scheme(&self) -> &AuthScheme {
        &self.scheme
    }

    /// The most bytes of a response body that are read; see [`ClientOptions::max_response_body`].
    pub fn max_response_body(&self) -> usize {
        self.max_response_body
    }
}

/// The header a scheme sends the key in, marked sensitive (hyper and reqwest do not log it). Its
/// `Debug` shows the header's name only.
#[derive(Clone)]
struct AuthHeader(Option<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>);

impl std::fmt::Debug for AuthHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("AuthHeader").field(&self.0.as_ref().map(|(name, _)| name)).finish()
    }
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error("the API key is empty")]
    EmptyKey,
    #[error("the API key contains characters that cannot be sent in an HTTP header")]
    InvalidKey,
    /// `url` is the URL as given when it does not parse, else without credentials, query and fragment.
    #[error("base URL {url:?} is refused: {reason}")]
    InvalidBaseUrl { url: String, reason: String },
    /// The source (TLS setup, ...) is the `reqwest::Error`; not repeated in this message.
    #[error("building the HTTP client failed")]
    Http(#[from] reqwest::Error),
}

/// A response body was larger than [`ClientOptions::max_response_body`]; reading stopped there.
///
/// It is the source of the `reqwest::Error` that reading the body returned (progenitor's
/// `Error::ResponseBodyError`); [`body_too_large`] finds it in an error chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the response body is larger than the {limit}-byte limit (ClientOptions::max_response_body)")]
#[non_exhaustive]
pub struct BodyTooLarge {
    pub limit: usize,
}

/// The [`BodyTooLarge`] in `error` or its sources, if reading a body stopped at the cap.
pub fn body_too_large<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a BodyTooLarge> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<BodyTooLarge>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

/// Default [`ClientOptions::max_response_body`]: 4 MiB, far above any documented response of our
/// providers and far below what would hurt a process.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 4 * 1024 * 1024;

/// Default [`ClientOptions::pool_idle_timeout`]: 1 s.
///
/// A server closes a keep-alive connection after its own idle timeout; a request written to the
/// connection just as it closes fails after it may have been read, which for a call-creating POST
/// means "the call may exist". The shortest common server timeouts are gunicorn's 2 s and the 5 s of
/// Node.js, Apache httpd and uvicorn (nginx 75 s, AWS ALB 60 s), so a connection idle for 1 s is
/// not reused: the request opens a new one instead of racing the server's close.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(1);

type Configure = Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>;

/// Options for building a provider client.
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    pub key: ApiKey,
    /// Overrides the document's first server URL. It must be `https`, or `http` on a loopback host
    /// (`localhost`, `127.0.0.0/8`, `::1`) unless [`allow_insecure_http`](Self::allow_insecure_http)
    /// is set; credentials (`user:password@`), a query or a fragment are refused.
    pub base_url: Option<String>,
    /// Whole-request timeout (default 30 s).
    pub timeout: Duration,
    /// Connect timeout (default 10 s).
    pub connect_timeout: Duration,
    /// `User-Agent` (default `agentdial/<version>`).
    pub user_agent: String,
    /// How long an idle pooled connection may be reused (default [`DEFAULT_POOL_IDLE_TIMEOUT`]).
    pub pool_idle_timeout: Duration,
    /// The most bytes of a response body that are read (default [`DEFAULT_MAX_RESPONSE_BODY`]);
    /// beyond it reading stops with [`BodyTooLarge`].
    pub max_response_body: usize,
    /// Allows a plain `http` base URL on a host that is not loopback (the key then crosses the
    /// network in clear text). Default `false`.
    pub allow_insecure_http: bool,
    configure: Option<Configure>,
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("key", &self.key)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("max_response_body", &self.max_response_body)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("configure_http", &self.configure.as_ref().map(|_| "Fn(ClientBuilder) -> ClientBuilder"))
            .finish()
    }
}

impl ClientOptions {
    pub fn new(key: impl Into<ApiKey>) -> Self {
        Self {
            key: key.into(),
            base_url: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: concat!("agentdial/", env!("CARGO_PKG_VERSION")).to_owned(),
            pool_idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            allow_insecure_http: false,
            configure: None,
        }
    }
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }
    /// See [`ClientOptions::allow_insecure_http`](#structfield.allow_insecure_http).
    pub fn allow_insecure_http(mut self) -> Self {
        self.allow_insecure_http = true;
        self
    }
    /// Configures the `reqwest::ClientBuilder` the client is built from (proxies, TLS roots, DNS,
    /// timeouts, ...). It runs after the options above are applied, and redirects are turned off
    /// after it: whatever it sets, the built client follows no redirect.
    pub fn configure_http(
        mut self,
        configure: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.configure = Some(Arc::new(configure));
        self
    }

    /// Validates the options and returns what a generated client is made of: base URL (without a
    /// trailing slash), HTTP client, and [`Auth`].
    pub fn build(
        self,
        default_base_url: &str,
        scheme: AuthScheme,
    ) -> Result<(String, reqwest::Client, Auth), BuildError> {
        if self.key.is_empty() && scheme != AuthScheme::None {
            return Err(BuildError::EmptyKey);
        }
        if let Some((_, value)) = scheme.header_for(&self.key)
            && reqwest::header::HeaderValue::from_str(&value).is_err()
        {
            return Err(BuildError::InvalidKey);
        }
        let url = self.base_url.unwrap_or_else(|| default_base_url.to_owned());
        check_base_url(&url, self.allow_insecure_http)?;
        let mut builder = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent)
            .pool_idle_timeout(self.pool_idle_timeout);
        if let Some(configure) = &self.configure {
            builder = configure(builder);
        }
        ensure_crypto_provider();
        // No redirects, set last so that no configuration can undo it: following a 307/308 would
        // resend a call-creating POST (with a key header, possibly to another host), and a 303 would
        // turn it into a GET whose answer hides that the call was created.
        let http = builder.redirect(reqwest::redirect::Policy::none()).build()?;
        Ok((url.trim_end_matches('/').to_owned(), http, Auth::new(self.key, scheme, self.max_response_body)))
    }
}

/// With the `ring` feature (and not `aws-lc-rs`), installs ring as rustls' process-wide default
/// crypto provider unless one is installed already; otherwise does nothing. Every client this crate
/// builds calls it first. Call it yourself before building a `reqwest::Client` of your own in a
/// program that uses only the `ring` feature: reqwest without a built-in provider panics when it
/// builds a client and no default provider is installed.
pub fn ensure_crypto_provider() {
    #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Err: another thread installed one meanwhile, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// `localhost` or a loopback address: plain http never leaves the machine.
fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn check_base_url(url: &str, allow_insecure_http: bool) -> Result<(), BuildError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| BuildError::InvalidBaseUrl { url: url.to_owned(), reason: e.to_string() })?;
    let refuse = |reason: &str| {
        // Shown without credentials, query or fragment: any of them may hold a secret.
        let mut shown = parsed.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        shown.set_query(None);
        shown.set_fragment(None);
        Err(BuildError::InvalidBaseUrl { url: shown.to_string(), reason: reason.to_owned() })
    };
    if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() {
        return refuse("the scheme must be http or https");
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return refuse(
            "it contains credentials (`user:password@`); the key is sent as the provider's document says",
        );
    }
    if parsed.query().is_some() {
        return refuse("it contains a query (`?...`)");
    }
    if parsed.fragment().is_some() {
        return refuse("it contains a fragment (`#...`)");
    }
    if parsed.scheme() == "http" && !allow_insecure_http && !is_loopback(&parsed) {
        return refuse(
            "plain http would send the API key in clear text; use https (http is allowed for loopback hosts, or with allow_insecure_http)",
        );
    }
    Ok(())
}

pub mod unions;

/// Path parameters of the generated clients, as RFC 6570 simple expansion (OpenAPI's `style:
/// simple`) writes a string: every byte but the unreserved `A-Z a-z 0-9 - . _ ~` percent-encoded.
///
/// Replaces progenitor-client's `encode_path`, which leaves `,` `\` `:` `@` `!` `$` `&` `'` `(`
/// `)` `*` `+` `;` `=` `|` `^` `[` `]` as they are: a `,` then reads as a list separator to the
/// server (`style: simple` splits arrays on it), and a URL parser turns `\` into `/`, which changes
/// the path. (A segment that is exactly `.` or `..` still cannot be sent: URLs remove such
/// segments, encoded or not.)
pub fn encode_path(segment: &str) -> String {
    const UNRESERVED_KEPT: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    percent_encoding::utf8_percent_encode(segment, UNRESERVED_KEPT).to_string()
}

pub mod hooks {
    use super::{Auth, AuthScheme, BodyTooLarge};

    /// Replaces the value of the query-parameter key in `url` with `REDACTED`.
    pub fn redact_url(url: &mut reqwest::Url, auth: &Auth) {
        let AuthScheme::Query { name } = auth.scheme else { return };
        if !url.query_pairs().any(|(k, _)| k == name) {
            return;
        }
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == name { "REDACTED".to_owned() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }

    /// Sends a request of a generated client (its `ClientHooks::exec`). A failure's URL is
    /// redacted ([`redact_url`]); a response comes back with its URL redacted the same way (so the
    /// errors of reading its body, and its `Debug`, do not show a query-parameter key) and its body
    /// capped at [`Auth::max_response_body`] (beyond it, reading fails with [`BodyTooLarge`]).
    pub async fn exec(
        client: &reqwest::Client,
        auth: &Auth,
        request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        match client.execute(request).await {
            // A body whose Content-Length is within the cap cannot exceed it (hyper reads exactly
            // that many bytes), and without a query key the URL needs no redaction: passed as is.
            Ok(response)
                if !matches!(auth.scheme, AuthScheme::Query { .. })
                    && response.content_length().is_some_and(|n| n <= auth.max_response_body as u64) =>
            {
                Ok(response)
            }
            Ok(response) => Ok(capped(response, auth)),
            Err(mut error) => {
                if let Some(url) = error.url_mut() {
                    redact_url(url, auth);
                }
                Err(error)
            }
        }
    }

    fn capped(response: reqwest::Response, auth: &Auth) -> reqwest::Response {
        use http_body_util::BodyExt as _;
        use reqwest::ResponseBuilderExt as _;
        let mut url = response.url().clone();
        redact_url(&mut url, auth);
        let limit = auth.max_response_body;
        let (mut parts, body) = http::Response::from(response).into_parts();
        let body = http_body_util::Limited::new(body, limit).map_err(move |e| {
            if e.is::<http_body_util::LengthLimitError>() {
                Box::new(BodyTooLarge { limit }) as Box<dyn std::error::Error + Send + Sync>
            } else {
                e
            }
        });
        // The conversion back reads the URL from this extension (else it would be a placeholder).
        if let Ok(with_url) = http::Response::builder().url(url).body(()) {
            parts.extensions.extend(with_url.into_parts().0.extensions);
        }
        reqwest::Response::from(http::Response::from_parts(parts, reqwest::Body::wrap(body)))
    }

    /// Runs after every response of a generated client arrives, before its body is read: records
    /// its status and headers for [`super::capture`] (a no-op outside a capture scope).
    pub fn post_response(_auth: &Auth, result: &Result<reqwest::Response, reqwest::Error>) {
        if let Ok(response) = result {
            super::capture::record(response.status(), response.headers());
        }
    }

    /// Runs before every request of a generated client: applies the key as the document's security
    /// scheme says (a sensitive header value, so it is not logged by reqwest/hyper). (progenitor's
    /// own `api-version` header is not generated: build-support's `drop_api_version_header`.)
    pub fn pre_request(auth: &Auth, request: &mut reqwest::Request) {
        if let super::AuthScheme::Query { name } = auth.scheme {
            request.url_mut().query_pairs_mut().append_pair(name, auth.key.expose());
            return;
        }
        if let Some((name, value)) = &auth.header.0 {
            request.headers_mut().insert(name.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Building a client sets up rustls. With only the `ring` feature, reqwest has no provider of
    /// its own and panics unless `ensure_crypto_provider` installed one (CI runs this test with
    /// `--no-default-features --features ring` as well as with the defaults).
    #[test]
    fn builds_a_tls_client_with_the_chosen_crypto_provider() {
        let (url, _http, _auth) = ClientOptions::new("k")
            .build("https://api.example.com/v1/", AuthScheme::Bearer)
            .expect("the client builds");
        assert_eq!(url, "https://api.example.com/v1");
        #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }

    #[test]
    fn path_segments_keep_only_unreserved_characters() {
        assert_eq!(encode_path("call-_+31623731537_XqaQxRRgAzYc"), "call-_%2B31623731537_XqaQxRRgAzYc");
        assert_eq!(encode_path("a,b\\c/d e%f?g#h"), "a%2Cb%5Cc%2Fd%20e%25f%3Fg%23h");
        assert_eq!(encode_path("ünï.~"), "%C3%BCn%C3%AF.~");
        assert_eq!(
            encode_path("497f6eca-6276-4993-bfeb-53cbbbba6f08"),
            "497f6eca-6276-4993-bfeb-53cbbbba6f08"
        );
    }

    #[test]
    fn key_is_never_printed() {
        let options = ClientOptions::new("sk_live_secret");
        assert!(!format!("{options:?}").contains("sk_live_secret"));
        let (_, _, auth) = options.build("https://example.test/v1/", AuthScheme::Bearer).unwrap();
        let debug = format!("{auth:?}");
        assert!(!debug.contains("sk_live_secret") && debug.contains("authorization"), "{debug}");
        assert_eq!(auth.key().expose(), "sk_live_secret");
    }

    #[test]
    fn rejects_empty_key_bad_key_and_relative_url() {
        assert!(matches!(
            ClientOptions::new("  ").build("https://x.test", AuthScheme::Bearer),
            Err(BuildError::EmptyKey)
        ));
        assert!(matches!(
            ClientOptions::new("a\nb").build("https://x.test", AuthScheme::Bearer),
            Err(BuildError::InvalidKey)
        ));
        assert!(matches!(
            ClientOptions::new("k").base_url("/v1").build("https://x.test", AuthScheme::Bearer),
            Err(BuildError::InvalidBaseUrl { .. })
        ));
        assert!(matches!(
            ClientOptions::new("k").base_url("ftp://x.test").build("https://x.test", AuthScheme::Bearer),
            Err(BuildError::InvalidBaseUrl { .. })
        ));
    }

    fn refused(url: &str, insecure: bool) -> Option<String> {
        let mut options = ClientOptions::new("k").base_url(url);
        options.allow_insecure_http = insecure;
        match options.build("https://x.test", AuthScheme::Bearer) {
            Ok(_) => None,
            Err(BuildError::InvalidBaseUrl { url, reason }) => Some(format!("{url} {reason}")),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn plain_http_only_on_loopback_unless_allowed() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost:3000/v1",
            "http://LOCALHOST",
            "http://[::1]:9/x",
            "https://api.example.com/v1/",
        ] {
            assert_eq!(refused(ok, false), None, "{ok}");
        }
        for bad in [
            "http://api.example.com",
            "http://10.0.0.1",
            "http://[::2]",
            "http://localhost.example.com",
            "http://127.0.0.1.nip.io",
        ] {
            let why = refused(bad, false).unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(why.contains("clear text"), "{why}");
            assert_eq!(refused(bad, true), None, "{bad} with allow_insecure_http");
        }
    }

    #[test]
    fn credentials_query_and_fragment_are_refused_without_echoing_them() {
        for (url, why) in [
            ("https://user:hunter2@api.example.com/v1", "credentials"),
            ("https://hunter2@api.example.com/v1", "credentials"),
            ("https://api.example.com/v1?token=hunter2", "query"),
            ("https://api.example.com/v1#hunter2", "fragment"),
            ("http://user:hunter2@localhost", "credentials"),
        ] {
            let message = refused(url, true).unwrap_or_else(|| panic!("{url} accepted"));
            assert!(message.contains(why), "{url}: {message}");
            assert!(!message.contains("hunter2"), "{url}: secret echoed: {message}");
        }
    }

    #[test]
    fn options_debug_hides_the_key_and_shows_the_hook() {
        let options = ClientOptions::new("sk_live_secret").configure_http(|b| b);
        let text = format!("{options:?}");
        assert!(!text.contains("sk_live_secret") && text.contains("configure_http: Some"), "{text}");
    }

    #[test]
    fn query_key_is_redacted_from_urls() {
        let auth = Auth::new(ApiKey::new("qk-123"), AuthScheme::Query { name: "api_key" }, 1);
        let mut url = reqwest::Url::parse("https://x.test/v1/calls?limit=5&api_key=qk-123&q=a%20b").unwrap();
        hooks::redact_url(&mut url, &auth);
        assert_eq!(url.as_str(), "https://x.test/v1/calls?limit=5&api_key=REDACTED&q=a+b");
        let bearer = Auth::new(ApiKey::new("qk-123"), AuthScheme::Bearer, 1);
        let mut url = reqwest::Url::parse("https://x.test/v1?api_key=visible").unwrap();
        hooks::redact_url(&mut url, &bearer);
        assert_eq!(url.as_str(), "https://x.test/v1?api_key=visible", "only a query-key scheme is redacted");
    }

    #[test]
    fn body_too_large_is_found_in_a_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] BodyTooLarge);
        let outer = Outer(BodyTooLarge { limit: 7 });
        assert_eq!(body_too_large(&outer), Some(&BodyTooLarge { limit: 7 }));
        assert_eq!(body_too_large(&BuildError::EmptyKey), None);
    }

    #[test]
    fn header_schemes() {
        let key = ApiKey::new("k1");
        assert_eq!(AuthScheme::Bearer.header_for(&key).unwrap().1, "Bearer k1");
        let (name, value) =
            AuthScheme::Header { name: "Authorization", prefix: "api-key " }.header_for(&key).unwrap();
        assert_eq!((name.as_str(), value.as_str()), ("authorization", "api-key k1"));
        assert_eq!(AuthScheme::Basic.header_for(&ApiKey::new("u:p")).unwrap().1, "Basic dTpw");
    }
}

/// The wait a `Retry-After` header asks for: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
/// `None` when absent or unreadable; a date in the past is zero.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<std::time::Duration> {
    // Clamped to a day: a hostile or broken value must not overflow a caller's `Instant` arithmetic.
    const MAX: Duration = Duration::from_secs(24 * 60 * 60);
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds).min(MAX));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(std::time::SystemTime::now()).unwrap_or(Duration::ZERO).min(MAX))
}

#[cfg(test)]
mod retry_after_tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    fn with(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn seconds_dates_and_garbage() {
        assert_eq!(retry_after(&with("45")), Some(Duration::from_secs(45)));
        assert_eq!(retry_after(&with("Wed, 21 Oct 2015 07:28:00 GMT")), Some(Duration::ZERO));
        let future = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(120));
        let d = retry_after(&with(&future)).unwrap();
        assert!(d > Duration::from_secs(100) && d <= Duration::from_secs(120), "{d:?}");
        assert_eq!(retry_after(&with("soon")), None);
        assert_eq!(retry_after(&with("99999999999999999999")), None, "not a u64");
        assert_eq!(retry_after(&with("9999999999999")), Some(Duration::from_secs(86400)), "clamped to a day");
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}

/// Serde for `Option<Option<T>>` fields that must tell an absent value (`None`, skipped when
/// serializing) from an explicit `null` (`Some(None)`). Used by generated request types whose
/// optional fields are nullable (PATCH bodies that clear a field with `null`).
pub mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Called only when the field is present (absent fields take `#[serde(default)]`, i.e. `None`).
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// The status and headers of the last response a generated client received in the current task.
///
/// progenitor's error for a documented status whose body does not parse
/// (`Error::InvalidResponsePayload`) carries the body but not the status; a wrapper that must tell
/// a 429 or a 401 with an HTML body from an unreadable success runs the request inside [`capture::scope`] and
/// reads [`capture::last`] afterwards.
pub mod capture {
    // A mutex (never contended: one task) rather than a `RefCell`, so that futures running in a
    // scope stay `Sync`.
    use std::sync::Mutex;

    type Slot = Mutex<Option<(reqwest::StatusCode, reqwest::header::HeaderMap)>>;

    tokio::task_local! {
        static LAST: Slot;
    }

    /// Runs `future` with a fresh capture slot.
    pub async fn scope<F: std::future::Future>(future: F) -> F::Output {
        LAST.scope(Mutex::new(None), future).await
    }

    pub(crate) fn record(status: reqwest::StatusCode, headers: &reqwest::header::HeaderMap) {
        // Only an error's headers are needed (Retry-After, request id); a success's stay in its
        // `ResponseValue`, so they are not copied.
        let headers = if status.is_success() { reqwest::header::HeaderMap::new() } else { headers.clone() };
        let _ = LAST.try_with(|slot| {
            *slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((status, headers))
        });
    }

    /// The last recorded response in this scope, if any (headers only for non-success statuses).
    pub fn last() -> Option<(reqwest::StatusCode, reqwest::header::HeaderMap)> {
        LAST.try_with(|slot| slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone())
            .ok()
            .flatten()
    }
}
