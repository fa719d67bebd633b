//! Runtime pieces shared by the generated agentdial provider crates.
//!
//! Each provider crate's generated `Client` carries an [`Auth`] as its progenitor "inner" value:
//! the API key (never printed) and the way the provider's OpenAPI document says to send it. The
//! generated code calls [`hooks::pre_request`] before every request, which applies the key and
//! removes the `api-version` header progenitor adds (none of our providers asks for it).
//!
//! ```
//! use agentdial_core::ApiKey;
//!
//! let key = ApiKey::new("sk-live-123");
//! assert!(!format!("{key:?}").contains("sk-live-123"));
//! ```

pub mod form;
pub mod multipart;
pub mod pagination;

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::time::Duration;

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
                Some((AUTHORIZATION, format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(key.expose()))))
            }
            AuthScheme::Header { name, prefix } => {
                Some((HeaderName::from_bytes(name.as_bytes()).ok()?, format!("{prefix}{}", key.expose())))
            }
            AuthScheme::Query { .. } | AuthScheme::None => None,
        }
    }
}

/// The inner value of every generated `Client`: the key and how to send it.
#[derive(Debug, Clone)]
pub struct Auth {
    pub key: ApiKey,
    pub scheme: AuthScheme,
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the API key is empty")]
    EmptyKey,
    #[error("the API key contains characters that cannot be sent in an HTTP header")]
    InvalidKey,
    #[error("base URL {url:?} is not an absolute http(s) URL: {reason}")]
    InvalidBaseUrl { url: String, reason: String },
    #[error("building the HTTP client failed: {0}")]
    Http(#[from] reqwest::Error),
}

/// Options for building a provider client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub key: ApiKey,
    /// Overrides the document's first server URL.
    pub base_url: Option<String>,
    /// Whole-request timeout (default 30 s). Not applied to a caller-supplied `http_client`.
    pub timeout: Duration,
    /// Connect timeout (default 10 s). Not applied to a caller-supplied `http_client`.
    pub connect_timeout: Duration,
    /// `User-Agent` (default `agentdial/<version>`). Not applied to a caller-supplied `http_client`.
    pub user_agent: String,
    /// Use this `reqwest::Client` instead of building one. Its redirect policy applies: the built
    /// one follows none, so that a call-creating POST is never resent by a redirect.
    pub http_client: Option<reqwest::Client>,
}

impl ClientOptions {
    pub fn new(key: impl Into<ApiKey>) -> Self {
        Self {
            key: key.into(),
            base_url: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: concat!("agentdial/", env!("CARGO_PKG_VERSION")).to_owned(),
            http_client: None,
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
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Validates the options and returns what a generated `Client::new_with_client` takes:
    /// base URL (without a trailing slash), HTTP client, and [`Auth`].
    pub fn build(self, default_base_url: &str, scheme: AuthScheme) -> Result<(String, reqwest::Client, Auth), BuildError> {
        if self.key.is_empty() && scheme != AuthScheme::None {
            return Err(BuildError::EmptyKey);
        }
        if let Some((_, value)) = scheme.header_for(&self.key)
            && reqwest::header::HeaderValue::from_str(&value).is_err()
        {
            return Err(BuildError::InvalidKey);
        }
        let url = self.base_url.unwrap_or_else(|| default_base_url.to_owned());
        let parsed = reqwest::Url::parse(&url).map_err(|e| BuildError::InvalidBaseUrl { url: url.clone(), reason: e.to_string() })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() {
            return Err(BuildError::InvalidBaseUrl { url, reason: "the scheme must be http or https".into() });
        }
        let http = match self.http_client {
            Some(c) => c,
            // No redirects: following a 307/308 would resend a call-creating POST, and a 303 would
            // turn it into a GET whose answer hides that the call was created.
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(self.timeout)
                .connect_timeout(self.connect_timeout)
                .user_agent(self.user_agent)
                .build()?,
        };
        Ok((url.trim_end_matches('/').to_owned(), http, Auth { key: self.key, scheme }))
    }
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
    use super::Auth;

    /// Runs after every response of a generated client arrives, before its body is read: records
    /// its status and headers for [`super::capture`] (a no-op outside a capture scope).
    pub fn post_response(_auth: &Auth, result: &Result<reqwest::Response, reqwest::Error>) {
        if let Ok(response) = result {
            super::capture::record(response.status(), response.headers());
        }
    }

    /// Runs before every request of a generated client: applies the key as the document's security
    /// scheme says (a sensitive header value, so it is not logged by reqwest/hyper) and removes the
    /// `api-version` header progenitor adds on its own.
    pub fn pre_request(auth: &Auth, request: &mut reqwest::Request) {
        request.headers_mut().remove("api-version");
        if let super::AuthScheme::Query { name } = auth.scheme {
            request.url_mut().query_pairs_mut().append_pair(name, auth.key.expose());
            return;
        }
        if let Some((name, value)) = auth.scheme.header_for(&auth.key)
            && let Ok(mut value) = reqwest::header::HeaderValue::from_str(&value)
        {
            value.set_sensitive(true);
            request.headers_mut().insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_keep_only_unreserved_characters() {
        assert_eq!(encode_path("call-_+31623731537_XqaQxRRgAzYc"), "call-_%2B31623731537_XqaQxRRgAzYc");
        assert_eq!(encode_path("a,b\\c/d e%f?g#h"), "a%2Cb%5Cc%2Fd%20e%25f%3Fg%23h");
        assert_eq!(encode_path("ünï.~"), "%C3%BCn%C3%AF.~");
        assert_eq!(encode_path("497f6eca-6276-4993-bfeb-53cbbbba6f08"), "497f6eca-6276-4993-bfeb-53cbbbba6f08");
    }

    #[test]
    fn key_is_never_printed() {
        let options = ClientOptions::new("sk_live_secret");
        assert!(!format!("{options:?}").contains("sk_live_secret"));
        let (_, _, auth) = options.build("https://example.test/v1/", AuthScheme::Bearer).unwrap();
        assert!(!format!("{auth:?}").contains("sk_live_secret"));
        assert_eq!(auth.key.expose(), "sk_live_secret");
    }

    #[test]
    fn rejects_empty_key_bad_key_and_relative_url() {
        assert!(matches!(ClientOptions::new("  ").build("https://x.test", AuthScheme::Bearer), Err(BuildError::EmptyKey)));
        assert!(matches!(ClientOptions::new("a\nb").build("https://x.test", AuthScheme::Bearer), Err(BuildError::InvalidKey)));
        assert!(matches!(
            ClientOptions::new("k").base_url("/v1").build("https://x.test", AuthScheme::Bearer),
            Err(BuildError::InvalidBaseUrl { .. })
        ));
        assert!(matches!(
            ClientOptions::new("k").base_url("ftp://x.test").build("https://x.test", AuthScheme::Bearer),
            Err(BuildError::InvalidBaseUrl { .. })
        ));
    }

    #[test]
    fn header_schemes() {
        let key = ApiKey::new("k1");
        assert_eq!(AuthScheme::Bearer.header_for(&key).unwrap().1, "Bearer k1");
        let (name, value) = AuthScheme::Header { name: "Authorization", prefix: "api-key " }.header_for(&key).unwrap();
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

    pub fn serialize<T: Serialize, S: Serializer>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Called only when the field is present (absent fields take `#[serde(default)]`, i.e. `None`).
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
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
    use std::cell::RefCell;

    tokio::task_local! {
        static LAST: RefCell<Option<(reqwest::StatusCode, reqwest::header::HeaderMap)>>;
    }

    /// Runs `future` with a fresh capture slot.
    pub async fn scope<F: std::future::Future>(future: F) -> F::Output {
        LAST.scope(RefCell::new(None), future).await
    }

    pub(crate) fn record(status: reqwest::StatusCode, headers: &reqwest::header::HeaderMap) {
        // Only an error's headers are needed (Retry-After, request id); a success's stay in its
        // `ResponseValue`, so they are not copied.
        let headers = if status.is_success() { reqwest::header::HeaderMap::new() } else { headers.clone() };
        let _ = LAST.try_with(|slot| *slot.borrow_mut() = Some((status, headers)));
    }

    /// The last recorded response in this scope, if any (headers only for non-success statuses).
    pub fn last() -> Option<(reqwest::StatusCode, reqwest::header::HeaderMap)> {
        LAST.try_with(|slot| slot.borrow().clone()).ok().flatten()
    }
}
