//! One provider, end to end: load → transform → progenitor → formatted, byte-reproducible text.

use crate::load::{LoadedSpec, load_spec};
use crate::manifest::Provider;
use crate::report::Report;
use crate::transform::{TRANSFORMATIONS, TYPED_RESPONSES_EXTENSION, TypedResponses, transform, variant_key};
use anyhow::{Context, Result, anyhow, bail};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Everything `cargo xtask generate` writes for one provider.
#[derive(Debug)]
pub struct GeneratedProvider {
    /// Files that are fully generated and compared by `--check` (path relative to the workspace root).
    pub files: Vec<(PathBuf, String)>,
    /// Files written only when missing (the crate's scaffold: Cargo.toml, lib.rs).
    pub scaffold: Vec<(PathBuf, String)>,
    pub report: Report,
    /// The transformed document (what progenitor saw).
    pub document: Value,
    /// Operations generated with every body typed (see [`crate::degrade::typed_operations`]).
    pub typed_operations: usize,
    pub elapsed: Duration,
    /// Where `elapsed` went, phase by phase (load, transform, progenitor, passes, ...).
    pub phases: Phases,
    /// The cargo features of a crate split by tag (feature → tag), empty when not split.
    pub tag_features: BTreeMap<String, String>,
}

/// Wall time per generation phase, in the order the phases ran.
#[derive(Debug, Clone, Default)]
pub struct Phases(pub Vec<(&'static str, Duration)>);

impl Phases {
    /// Records the time since `since` under `name` and restarts the clock.
    fn lap(&mut self, name: &'static str, since: &mut Instant) {
        self.0.push((name, since.elapsed()));
        *since = Instant::now();
    }

    /// `load 0.4 s, transform 1.2 s, ...` (one decimal).
    pub fn summary(&self) -> String {
        self.0.iter().map(|(n, d)| format!("{n} {:.1} s", d.as_secs_f64())).collect::<Vec<_>>().join(", ")
    }
}

/// Where a manifest's documents live and where their crates are generated.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Directory of the vendored documents and patch files, relative to the workspace root.
    pub specs: PathBuf,
    /// Directory holding one crate per document, relative to the workspace root.
    pub crates: PathBuf,
    /// The manifest listing the documents, relative to the workspace root (named in reports).
    pub manifest: PathBuf,
    /// `agentdial-core`'s path as a new crate's Cargo.toml names it.
    pub core_path: String,
}

impl Layout {
    /// `specs/` → `crates/<name>` (the provider crates of this workspace).
    pub fn providers() -> Self {
        Layout {
            specs: PathBuf::from("specs"),
            crates: PathBuf::from("crates"),
            manifest: PathBuf::from("specs/providers.toml"),
            core_path: "../core".into(),
        }
    }

    /// The document as generated code and reports name it, e.g. `specs/altur.yaml`.
    pub fn origin(&self, provider: &Provider) -> String {
        let specs = self.specs.to_string_lossy().replace('\\', "/");
        format!("{specs}/{}", provider.spec)
    }
}

/// Loads the provider's spec (refusing a hash mismatch), its patch files, and transforms it.
pub fn prepare(root: &Path, provider: &Provider) -> Result<(LoadedSpec, Value, Report)> {
    prepare_in(root, &Layout::providers(), provider)
}

/// [`prepare`] for a document of any manifest (`layout` says where it lives).
pub fn prepare_in(root: &Path, layout: &Layout, provider: &Provider) -> Result<(LoadedSpec, Value, Report)> {
    prepare_timed(root, layout, provider, &mut Phases::default())
}

fn prepare_timed(
    root: &Path,
    layout: &Layout,
    provider: &Provider,
    phases: &mut Phases,
) -> Result<(LoadedSpec, Value, Report)> {
    let mut clock = Instant::now();
    let spec_path = root.join(&layout.specs).join(&provider.spec);
    let loaded = load_spec(&spec_path, Some(&provider.sha256))?;
    phases.lap("load", &mut clock);
    let mut patches = Vec::new();
    for file in &provider.patches {
        let path = root.join(&layout.specs).join(file);
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("reading patch {}", path.display()))?;
        let value: Value = serde_yaml::from_str(&text).map_err(|e| match e.location() {
            Some(l) => anyhow!("{}:{}:{}: {e}", path.display(), l.line(), l.column()),
            None => anyhow!("{}: {e}", path.display()),
        })?;
        patches.push((file.clone(), value));
    }
    let mut document = loaded.document.clone();
    let mut report = Report::default();
    transform(&mut document, &patches, &mut report)
        .with_context(|| format!("transforming {}", spec_path.display()))?;
    phases.lap("transform", &mut clock);
    Ok((loaded, document, report))
}

/// Parses a transformed document into `openapiv3` types; errors name the JSON path.
pub fn to_openapi(document: &Value, origin: &str) -> Result<openapiv3::OpenAPI> {
    serde_path_to_error::deserialize(document)
        .map_err(|e| anyhow!("{origin}: at `{}`: {}", e.path(), e.inner()))
}

fn settings() -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_map_type("::std::collections::BTreeMap")
        .with_derive("PartialEq")
        .with_derive("::schemars::JsonSchema")
        .with_inner_type(quote!(::agentdial_core::Auth))
        // Our own `ClientHooks` impl (`exec` through agentdial-core) is emitted in `spec_module_tokens`.
        .with_hooks(progenitor::HooksMode::Expected)
        .with_pre_hook(quote!(::agentdial_core::hooks::pre_request))
        .with_post_hook(quote!(::agentdial_core::hooks::post_response))
        // File fields of multipart bodies (`x-rust-type`, set by `multipart_request_bodies`).
        .with_crate(crate::transform::FILE_PART_CRATE, progenitor::CrateVers::Any, None);
    settings
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(no message)".into())
}

/// Runs progenitor with the project's settings, turning its panics into errors.
pub fn run_progenitor(spec: &openapiv3::OpenAPI) -> Result<(TokenStream, progenitor::Generator), String> {
    let settings = settings();
    let mut generator = progenitor::Generator::new(&settings);
    // The panic hook is process-global: serialize the swap so concurrent generations (tests run in
    // parallel) cannot leave the silent hook installed.
    static HOOK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = HOOK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| generator.generate_tokens(spec)));
    std::panic::set_hook(previous);
    match result {
        Ok(Ok(tokens)) => Ok((tokens, generator)),
        Ok(Err(e)) => Err(e.to_string()),
        Err(payload) => Err(format!("progenitor panicked: {}", panic_message(&*payload))),
    }
}

/// Runs progenitor on `document`; what fails on its own is degraded (see [`crate::degrade`]).
fn generate_degrading(
    document: &mut Value,
    origin: &str,
    report: &mut Report,
) -> Result<(TokenStream, progenitor::Generator)> {
    let attempt_once = |doc: &Value| {
        to_openapi(doc, origin).map_err(|e| format!("{e:#}")).and_then(|spec| run_progenitor(&spec))
    };
    let started = Instant::now();
    let once = attempt_once(document);
    if std::env::var_os("AGENTDIAL_TRACE_DEGRADE").is_some() {
        eprintln!("first attempt: {:.0} ms", started.elapsed().as_secs_f64() * 1000.0);
    }
    match once {
        Ok(done) => return Ok(done),
        Err(first) => {
            let trace = std::env::var_os("AGENTDIAL_TRACE_DEGRADE").is_some();
            let mut n = 0usize;
            let mut attempt = |doc: &Value| {
                let started = Instant::now();
                let r = attempt_once(doc).map(drop);
                n += 1;
                if trace {
                    let schemas =
                        doc.pointer("/components/schemas").and_then(Value::as_object).map_or(0, |s| s.len());
                    let ops = doc.get("paths").and_then(Value::as_object).map_or(0, |p| p.len());
                    eprintln!(
                        "attempt {n}: {schemas} schemas, {ops} paths, {:.0} ms, {}",
                        started.elapsed().as_secs_f64() * 1000.0,
                        r.as_ref()
                            .err()
                            .map(|e| e.chars().take(120).collect::<String>())
                            .unwrap_or_else(|| "ok".into())
                    );
                }
                r
            };
            crate::degrade::degrade(document, &first, &mut attempt, report)
                .map_err(|e| anyhow!("progenitor failed on {origin}: {e:#}"))?;
        }
    }
    attempt_once(document).map_err(|e| anyhow!("progenitor failed on {origin}: {e}"))
}

/// Reads the security scheme the document applies (top-level `security` first, else the only scheme).
fn auth_scheme_tokens(document: &Value) -> Result<(TokenStream, String)> {
    let schemes = document.pointer("/components/securitySchemes").and_then(Value::as_object);
    // Every scheme the requirements name, in order (`security: [{}]` names none), then the only
    // scheme when the document defines one and requires none.
    let mut named: Vec<String> = document
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|r| r.keys().cloned())
        .collect();
    if named.is_empty()
        && let Some(only) = schemes.filter(|s| s.len() == 1).and_then(|s| s.keys().next())
    {
        named.push(only.clone());
    }
    if named.is_empty() {
        return Ok((quote!(::agentdial_core::AuthScheme::None), "none".into()));
    }
    // The first scheme that is defined and that the client can send; what was passed over is said.
    let mut passed_over = Vec::new();
    for name in &named {
        let Some(scheme) = schemes.and_then(|s| s.get(name)) else {
            passed_over.push(format!("`{name}` (not defined in `components.securitySchemes`)"));
            continue;
        };
        match auth_scheme(name, scheme) {
            Some((tokens, doc)) => {
                let doc = if passed_over.is_empty() {
                    doc
                } else {
                    format!("{doc} (passed over: {})", passed_over.join(", "))
                };
                return Ok((tokens, doc));
            }
            None => {
                let field = |k: &str| scheme.get(k).and_then(Value::as_str).unwrap_or_default();
                passed_over.push(format!(
                    "`{name}` (type {:?}, scheme {:?}, in {:?}: not supported)",
                    field("type"),
                    field("scheme"),
                    field("in")
                ));
            }
        }
    }
    bail!("no security scheme the document requires can be sent: {}", passed_over.join(", "))
}

/// How the client sends the key for one security scheme, or `None` if it cannot.
fn auth_scheme(name: &str, scheme: &Value) -> Option<(TokenStream, String)> {
    let field = |k: &str| scheme.get(k).and_then(Value::as_str).unwrap_or_default();
    Some(match (field("type"), field("scheme").to_ascii_lowercase().as_str(), field("in")) {
        ("http", "bearer", _) | ("oauth2", _, _) | ("openIdConnect", _, _) => {
            (quote!(::agentdial_core::AuthScheme::Bearer), format!("`{name}`: `Authorization: Bearer KEY`"))
        }
        ("http", "basic", _) => {
            (quote!(::agentdial_core::AuthScheme::Basic), format!("`{name}`: HTTP basic"))
        }
        // Digest and the like answer a challenge; a key cannot be sent up front.
        (
            "http",
            "digest" | "hoba" | "mutual" | "negotiate" | "vapid" | "scram-sha-1" | "scram-sha-256",
            _,
        ) => {
            return None;
        }
        // Any other HTTP scheme (`Token`, `Key`): `Authorization: <scheme> KEY` (RFC 7235).
        ("http", s, _) if !s.is_empty() => {
            let prefix = format!("{} ", field("scheme"));
            (
                quote!(::agentdial_core::AuthScheme::Header { name: "Authorization", prefix: #prefix }),
                format!("`{name}`: `Authorization: {prefix}KEY`"),
            )
        }
        ("apiKey", _, "header") => {
            let header = field("name");
            let prefix = field("x-agentdial-value-prefix");
            (
                quote!(::agentdial_core::AuthScheme::Header { name: #header, prefix: #prefix }),
                format!("`{name}`: header `{header}: {prefix}KEY`"),
            )
        }
        ("apiKey", _, "query") => {
            let param = field("name");
            (
                quote!(::agentdial_core::AuthScheme::Query { name: #param }),
                format!("`{name}`: query parameter `{param}`"),
            )
        }
        // A key in a cookie is the header `Cookie: <name>=KEY`.
        ("apiKey", _, "cookie") if !field("name").is_empty() => {
            let prefix = format!("{}=", field("name"));
            (
                quote!(::agentdial_core::AuthScheme::Header { name: "Cookie", prefix: #prefix }),
                format!("`{name}`: cookie `{prefix}KEY` (header `Cookie`)"),
            )
        }
        _ => return None,
    })
}

/// `typed()` on each unified body component (see `unify_response_bodies`).
/// What kind of item a `pub` type definition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Struct,
    Enum,
    Alias,
}

/// Every type defined in prettyplease's output (`pub struct|enum|type Name` followed by a space or
/// `(`), in one pass over the text: looking each schema up with `str::contains` was quadratic in
/// the size of large documents.
fn defined_types(generated_text: &str) -> std::collections::HashSet<(&str, Kind)> {
    let mut types = std::collections::HashSet::new();
    for line in generated_text.lines() {
        let line = line.trim_start();
        let Some(rest) = line.strip_prefix("pub ") else { continue };
        let (kind, rest) = if let Some(r) = rest.strip_prefix("struct ") {
            (Kind::Struct, r)
        } else if let Some(r) = rest.strip_prefix("enum ") {
            (Kind::Enum, r)
        } else if let Some(r) = rest.strip_prefix("type ") {
            (Kind::Alias, r)
        } else {
            continue;
        };
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if end > 0 && matches!(rest[end..].chars().next(), Some(' ' | '(')) {
            types.insert((&rest[..end], kind));
        }
    }
    types
}

fn typed_response_tokens(document: &Value, generated_text: &str) -> Result<TokenStream> {
    let types = defined_types(generated_text);
    let mut out = TokenStream::new();
    let mut errors = Vec::new();
    crate::visit::for_each_operation(&mut document.clone(), &mut |_, path, method, op| {
        let Some(ext) = op.get(TYPED_RESPONSES_EXTENSION) else { return Ok(()) };
        let entries: Vec<TypedResponses> = serde_json::from_value(ext.clone())?;
        let op_id = op.get("operationId").and_then(Value::as_str).unwrap_or_default().to_owned();
        for entry in entries {
            for name in [&entry.body, &entry.typed] {
                let defined = [Kind::Struct, Kind::Enum].iter().any(|&k| types.contains(&(name.as_str(), k)));
                if !defined {
                    errors.push(format!("typify did not name the synthesized schema `{name}` as expected"));
                }
            }
            let body = format_ident!("{}", entry.body);
            let typed = format_ident!("{}", entry.typed);
            let mut arms = Vec::new();
            let mut ranges = Vec::new();
            let mut default = None;
            for status in &entry.statuses {
                let key = variant_key(status);
                if status == "default" {
                    default = Some(quote!(_ => #key,));
                } else if let Ok(code) = status.parse::<u16>() {
                    arms.push(quote!(#code => #key,));
                } else if let Some(d) = status.chars().next().and_then(|c| c.to_digit(10)) {
                    let (lo, hi) = (d as u16 * 100, d as u16 * 100 + 99);
                    ranges.push(quote!(#lo..=#hi => #key,));
                }
            }
            let fallback = default.unwrap_or_else(|| {
                let path = path.replace('{', "{{").replace('}', "}}");
                let msg = format!("status {{other}} is not documented for `{op_id}` ({} {path})", method.to_uppercase());
                quote!(other => return Err(<::serde_json::Error as ::serde::de::Error>::custom(format!(#msg))),)
            });
            let doc = format!(
                "Decodes this {} body into the type the document gives for `status` ({}).",
                entry.class,
                entry.statuses.join(", ")
            );
            out.extend(quote! {
                impl types::#body {
                    #[doc = #doc]
                    pub fn typed(&self, status: ::reqwest::StatusCode) -> ::std::result::Result<types::#typed, ::serde_json::Error> {
                        let key = match status.as_u16() {
                            #(#arms)*
                            #(#ranges)*
                            #fallback
                        };
                        let mut tagged = ::serde_json::Map::new();
                        tagged.insert(key.to_owned(), ::serde_json::to_value(self)?);
                        ::serde_json::from_value(::serde_json::Value::Object(tagged))
                    }
                }
            });
        }
        Ok(())
    })?;
    if !errors.is_empty() {
        bail!(errors.join("; "));
    }
    Ok(out)
}

/// `spec::SCHEMAS` and `spec::decode_schema`: from a schema's name in the document to its Rust type.
fn schema_table_tokens(document: &Value, generated_text: &str) -> Result<TokenStream> {
    use heck::ToUpperCamelCase;
    let names: Vec<String> = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default();
    let types = defined_types(generated_text);
    let mut rows = Vec::new();
    let mut arms = Vec::new();
    for name in &names {
        let rust = name.to_upper_camel_case();
        if ![Kind::Struct, Kind::Enum, Kind::Alias].iter().any(|&k| types.contains(&(rust.as_str(), k))) {
            bail!(
                "component schema {name:?} was expected to generate as `types::{rust}`, which does not exist"
            );
        }
        let ident = format_ident!("{}", rust);
        rows.push(quote!((#name, #rust)));
        arms.push(quote!(#name => ::serde_json::from_value::<super::types::#ident>(value).and_then(::serde_json::to_value),));
    }
    // A document without component schemas: no arm, and a `match` of only `_ => return` would be
    // unreachable code (a warning, an error under `-D warnings`).
    let body = if arms.is_empty() {
        quote! {
            let _ = (name, value);
            ::std::option::Option::None
        }
    } else {
        quote! {
            ::std::option::Option::Some(match name {
                #(#arms)*
                _ => return ::std::option::Option::None,
            })
        }
    };
    Ok(quote! {
        /// Every component schema of the document: its name there and the Rust type generated for it in [`types`](super::types).
        pub const SCHEMAS: &[(&str, &str)] = &[#(#rows),*];

        /// Deserializes `value` as the type generated for the component schema `name` and serializes
        /// it back; `None` if the document has no schema of that name. For tools and tests that work
        /// from schema names (documented examples, recorded payloads).
        pub fn decode_schema(name: &str, value: ::serde_json::Value) -> ::std::option::Option<::std::result::Result<::serde_json::Value, ::serde_json::Error>> {
            #body
        }
    })
}

/// The client method names of the operations whose document declares a `429` response.
fn rate_limited_operations(document: &Value, generated_text: &str) -> Result<Vec<String>> {
    use heck::ToSnakeCase;
    let mut names = Vec::new();
    crate::visit::for_each_operation(&mut document.clone(), &mut |_, _, _, op| {
        if op.get("responses").and_then(|r| r.get("429")).is_some()
            && let Some(id) = op.get("operationId").and_then(Value::as_str)
        {
            names.push(id.to_snake_case());
        }
        Ok(())
    })?;
    if let Some(missing) = names.iter().find(|n| !generated_text.contains(&format!("operation_id: \"{n}\"")))
    {
        bail!("operation `{missing}` declares a 429 but progenitor named it differently");
    }
    names.sort();
    Ok(names)
}

fn spec_module_tokens(
    provider: &Provider,
    origin: &str,
    loaded: &LoadedSpec,
    document: &Value,
    schema_table: TokenStream,
    generated_text: &str,
) -> Result<TokenStream> {
    let servers: Vec<String> = document
        .get("servers")
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(|s| s.get("url").and_then(Value::as_str).map(str::to_owned)).collect())
        .unwrap_or_default();
    let default_base_url = crate::operation_servers::default_base_url(document);
    let default_doc = if servers.is_empty() && !default_base_url.is_empty() {
        " The document has no top-level server: the first server of its operations, which each go to their own (`agentdial_core::servers`)."
    } else {
        ""
    };
    let default_doc =
        format!(" The first server: where a client sends requests unless told otherwise.{default_doc}");
    let title = document.pointer("/info/title").and_then(Value::as_str).unwrap_or_default();
    let version = document.pointer("/info/version").and_then(Value::as_str).unwrap_or_default();
    let file = origin;
    let sha = &loaded.sha256;
    let (auth, auth_doc) = auth_scheme_tokens(document)?;
    let auth_doc = format!("How the document says to authenticate: {auth_doc}.");
    let source = &provider.source;
    let rate_limited = rate_limited_operations(document, generated_text)?;
    Ok(quote! {
        /// Facts read from the provider's OpenAPI document when this crate was generated.
        pub mod spec {
            /// The vendored document, relative to the workspace root.
            pub const FILE: &str = #file;
            /// sha256 of the vendored document.
            pub const SHA256: &str = #sha;
            /// Where the document was published.
            pub const SOURCE: &str = #source;
            /// `info.title`.
            pub const TITLE: &str = #title;
            /// `info.version`.
            pub const VERSION: &str = #version;
            /// Every `servers[].url`, in document order.
            pub const SERVERS: &[&str] = &[#(#servers),*];
            #[doc = #default_doc]
            pub const DEFAULT_BASE_URL: &str = #default_base_url;
            #[doc = #auth_doc]
            pub const AUTH: ::agentdial_core::AuthScheme = #auth;
            /// The operations (client method names) whose document declares a `429` response: a
            /// documented rate limit, refused before the request is processed. The `agentdial` facade
            /// resends a call-creating request after a 429 only when it is one of these.
            pub const OPERATIONS_DECLARING_429: &[&str] = &[#(#rate_limited),*];

            #schema_table
        }

        impl Client {
            /// A client for [`spec::DEFAULT_BASE_URL`] that authenticates with `key` as [`spec::AUTH`] says.
            pub fn with_api_key(key: impl Into<::agentdial_core::ApiKey>) -> ::std::result::Result<Self, ::agentdial_core::BuildError> {
                Self::from_options(::agentdial_core::ClientOptions::new(key))
            }

            /// A client from options (base-URL override, timeouts, user agent, body cap, HTTP client
            /// configuration). Its HTTP client never follows a redirect.
            pub fn from_options(options: ::agentdial_core::ClientOptions) -> ::std::result::Result<Self, ::agentdial_core::BuildError> {
                let (baseurl, http, auth) = options.build(spec::DEFAULT_BASE_URL, spec::AUTH)?;
                Ok(Self::new_with_client(&baseurl, http, auth))
            }
        }

        /// Every request goes through `agentdial_core::hooks::exec`: the response body is capped and
        /// a query-parameter key never appears in a URL an error or a response prints.
        impl ClientHooks<::agentdial_core::Auth> for Client {
            async fn exec(&self, request: reqwest::Request, _info: &OperationInfo) -> reqwest::Result<reqwest::Response> {
                ::agentdial_core::hooks::exec(&self.client, &self.inner, request).await
            }
        }
    })
}

/// What the crate needs in its Cargo.toml beyond the fixed set.
#[derive(Debug, Clone, Copy)]
pub struct Uses {
    pub chrono: bool,
    pub uuid: bool,
    pub regress: bool,
    /// `stream()` on paginated list operations (`paginate_list_operations`).
    pub futures: bool,
}

/// Generates one provider.
pub fn generate_provider(root: &Path, provider: &Provider) -> Result<GeneratedProvider> {
    generate_in(root, &Layout::providers(), provider)
}

/// Generates one document of any manifest; file paths in the result are relative to `root`
/// under `layout.crates`.
pub fn generate_in(root: &Path, layout: &Layout, provider: &Provider) -> Result<GeneratedProvider> {
    let start = Instant::now();
    let mut phases = Phases::default();
    let (loaded, mut document, mut report) = prepare_timed(root, layout, provider, &mut phases)?;
    let origin = layout.origin(provider);
    let (generated, uses, tag_features) =
        generate_code(provider, &origin, &loaded, &mut document, &mut report, &mut phases)?;
    let features = crate::features::features_table(&tag_features);
    let mut clock = Instant::now();
    let manifest = layout.manifest.to_string_lossy().replace('\\', "/");
    let markdown = report.to_markdown(&provider.name, &origin, &manifest, &loaded.sha256, &reasons());
    let dir = layout.crates.join(&provider.name);
    check_crate_dependencies(&root.join(&dir).join("Cargo.toml"), uses)?;
    check_crate_features(&root.join(&dir).join("Cargo.toml"), &tag_features, &features)?;
    let mut files =
        vec![(dir.join("src").join("generated.rs"), generated), (dir.join("TRANSFORMATIONS.md"), markdown)];
    if layout.crates == Path::new("crates") {
        // What agentdial-testkit serves and validates against (it embeds the file); only for this
        // workspace's provider crates, not for documents generated elsewhere (the corpus).
        files.push((
            PathBuf::from("crates").join("testkit").join("documents").join(format!("{}.json", provider.name)),
            crate::testkit::testkit_document(&document),
        ));
    }
    let scaffold = vec![
        (
            dir.join("Cargo.toml"),
            scaffold_cargo_toml(provider, &document, uses, &layout.core_path, &features),
        ),
        (dir.join("src").join("lib.rs"), scaffold_lib_rs(provider, &document, &origin)),
    ];
    let typed_operations = crate::degrade::typed_operations(&document, &report);
    phases.lap("report", &mut clock);
    Ok(GeneratedProvider {
        files,
        scaffold,
        report,
        document,
        typed_operations,
        elapsed: start.elapsed(),
        phases,
        tag_features,
    })
}

/// Every transformation and reported pass, with the reason it exists (the report's table).
fn reasons() -> Vec<(&'static str, &'static str)> {
    std::iter::once((
        "provider_patch",
        "provider-specific fixes from the patch files listed in specs/providers.toml",
    ))
    .chain(TRANSFORMATIONS.iter().map(|(name, _, why)| (*name, *why)))
    .chain([
        (crate::unions::NAME, crate::unions::WHY),
        (crate::non_exhaustive::NAME, crate::non_exhaustive::WHY),
        (crate::box_large_fields::NAME, crate::box_large_fields::WHY),
        (crate::path_encoding::NAME, crate::path_encoding::WHY),
        (crate::operation_servers::NAME, crate::operation_servers::WHY),
        (crate::pagination::NAME, crate::pagination::WHY),
        (crate::unused_defaults::NAME, crate::unused_defaults::WHY),
        (crate::api_version::NAME, crate::api_version::WHY),
        (crate::features::NAME, crate::features::WHY),
    ])
    .chain(crate::degrade::DEGRADATIONS.iter().copied())
    .collect()
}

/// Generates the code of a document that is not in the manifest (a test fixture): the same
/// transformations and passes as a provider, without hash check or patch files. `origin` is how
/// the generated header, `spec::FILE` and the report name the document (relative to the workspace
/// root). Returns the code and the report as `TRANSFORMATIONS.md` renders it.
pub fn generate_document(path: &Path, name: &str, origin: &str) -> Result<(String, String)> {
    let loaded = load_spec(path, None)?;
    let mut document = loaded.document.clone();
    let mut report = Report::default();
    transform(&mut document, &[], &mut report).with_context(|| format!("transforming {}", path.display()))?;
    let provider = Provider {
        name: name.to_owned(),
        spec: origin.to_owned(),
        source: origin.to_owned(),
        sha256: loaded.sha256.clone(),
        patches: Vec::new(),
        pagination: Vec::new(),
        features_per_tag: false,
    };
    let (code, _, _) =
        generate_code(&provider, origin, &loaded, &mut document, &mut report, &mut Phases::default())?;
    let markdown =
        report.to_markdown(name, origin, "(no manifest: a test fixture)", &loaded.sha256, &reasons());
    Ok((code, markdown))
}

/// progenitor, then the passes on its output (recording theirs in `report`), formatted with the
/// generated-file header.
fn generate_code(
    provider: &Provider,
    origin: &str,
    loaded: &LoadedSpec,
    document: &mut Value,
    report: &mut Report,
    phases: &mut Phases,
) -> Result<(String, Uses, BTreeMap<String, String>)> {
    let mut clock = Instant::now();
    // progenitor, degrading per operation / schema where it still fails (reported; see degrade.rs).
    let (tokens, generator) =
        generate_degrading(document, origin, report).map_err(|e| anyhow!("{}: {e:#}", provider.name))?;
    phases.lap("progenitor", &mut clock);
    let document: &Value = document;
    let type_space = generator.get_type_space();
    let findings = crate::pagination::infer(document, &provider.pagination)?;
    let paginated = crate::pagination::paginated(&findings);
    let uses = Uses {
        chrono: type_space.uses_chrono(),
        uuid: type_space.uses_uuid(),
        regress: type_space.uses_regress(),
        futures: !paginated.is_empty(),
    };
    // Parsed once; the tables below read progenitor's printed output, then their items are appended.
    let mut file: syn::File =
        syn::parse2(tokens).context("progenitor produced tokens that do not parse as Rust")?;
    let progenitor_text = prettyplease::unparse(&file);
    let mut extra = typed_response_tokens(document, &progenitor_text)?;
    let schema_table = schema_table_tokens(document, &progenitor_text)?;
    extra.extend(spec_module_tokens(provider, origin, loaded, document, schema_table, &progenitor_text)?);
    let extra: syn::File = syn::parse2(extra).context("the generated tables do not parse as Rust")?;
    file.items.extend(extra.items);
    phases.lap("tables", &mut clock);
    crate::open_enums::open_string_enums(&mut file)?;
    phases.lap("open_enums", &mut clock);
    let unions = crate::unions::decode_unions_by_tag(&mut file, &crate::unions::discriminators(document))?;
    let locator = crate::unions::Locator::new(document);
    for union in unions {
        report.record(crate::unions::NAME, locator.locate(&union), crate::unions::describe(&union));
    }
    phases.lap("unions", &mut clock);
    crate::explicit_null::distinguish_explicit_null(&mut file, document)?;
    phases.lap("explicit_null", &mut clock);
    for boxed in
        crate::box_large_fields::box_large_optional_fields(&mut file, crate::box_large_fields::THRESHOLD)?
    {
        use heck::ToUpperCamelCase;
        let schema = document
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .and_then(|s| s.keys().find(|k| k.to_upper_camel_case() == boxed.strukt));
        let pointer = schema.map_or_else(
            || "/components/schemas".to_owned(),
            |s| format!("/components/schemas/{}", s.replace('~', "~0").replace('/', "~1")),
        );
        report.record(
            crate::box_large_fields::NAME,
            pointer,
            format!(
                "`{}.{}`: `Option<{}>` stored as `Option<Box<{}>>` ({} bytes inline, estimated)",
                boxed.strukt, boxed.field, boxed.ty, boxed.ty, boxed.size
            ),
        );
    }
    phases.lap("box_fields", &mut clock);
    let marked = crate::non_exhaustive::mark_response_structs(&mut file, document)?;
    if !marked.is_empty() {
        report.record(
            crate::non_exhaustive::NAME,
            "/components/schemas",
            format!(
                "{} structs only received from the API marked `#[non_exhaustive]`: {}",
                marked.len(),
                marked.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
            ),
        );
    }
    phases.lap("non_exhaustive", &mut clock);
    crate::wire_names::restore_parameter_wire_names(&mut file, document)?;
    let dropped = crate::api_version::drop_api_version_header(&mut file)?;
    if dropped > 0 {
        report.record(
            crate::api_version::NAME,
            "/info/version",
            format!("progenitor's `api-version` header not sent by {dropped} operation(s)"),
        );
    }
    crate::request_bodies::encode_request_bodies(&mut file, document)?;
    crate::request_bodies::accept_documented_json(&mut file, document)?;
    crate::request_bodies::delimit_query_arrays(&mut file, document)?;
    for (operation, server) in crate::operation_servers::route_operation_servers(&mut file, document)? {
        report.record(
            crate::operation_servers::NAME,
            "/paths",
            format!("{operation} sent to its own server `{server}` (unless the client has another base URL)"),
        );
    }
    phases.lap("request_bodies", &mut clock);
    if crate::path_encoding::encode_path_parameters(&mut file)? {
        for (pointer, names) in crate::path_encoding::operations_with_path_parameters(document) {
            let names = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
            report.record(
                crate::path_encoding::NAME,
                pointer,
                format!("path parameter(s) {names} percent-encoded by `agentdial_core::encode_path`"),
            );
        }
    }
    phases.lap("path_encoding", &mut clock);
    crate::pagination::generate_streams(&mut file, &paginated)?;
    for p in &paginated {
        report.record(crate::pagination::NAME, p.pointer.clone(), p.describe());
    }
    phases.lap("pagination", &mut clock);
    crate::constructors::hide_raw_constructors(&mut file)?;
    phases.lap("constructors", &mut clock);
    let pruned = crate::unused_defaults::prune_unused_default_helpers(&mut file)?;
    if !pruned.is_empty() {
        report.record(
            crate::unused_defaults::NAME,
            "/components/schemas",
            format!(
                "unused `types::defaults` helpers removed: {}",
                pruned.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
            ),
        );
    }
    phases.lap("defaults", &mut clock);
    let mut features = BTreeMap::new();
    if provider.features_per_tag {
        // A document that cannot be split is generated whole, with the reason in the report.
        let split = crate::features::gate_by_tag(&mut file, document).unwrap_or_else(|e| {
            report.record(crate::features::NAME, "/paths", format!("not split: {e}"));
            crate::features::Split::default()
        });
        if !split.features.is_empty() {
            report.record(
                crate::features::NAME,
                "/paths",
                format!(
                    "{} cargo features (all default), {} items gated: {}",
                    split.features.len(),
                    split.gated,
                    split.features.keys().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
                ),
            );
            features = split.features;
        }
        phases.lap("features", &mut clock);
    }
    let mut body = prettyplease::unparse(&file);
    for renamed in crate::wire_names::restore_property_wire_names(&mut body, document) {
        report.record(
            "distinct_property_identifiers",
            "/components/schemas",
            format!("renamed property key `{renamed}` not found in the generated code (its schema generated no type)"),
        );
    }
    phases.lap("unparse", &mut clock);
    let generated = format!(
        "// @generated by `cargo xtask generate` from `{origin}`\n// (sha256 {}) with progenitor 0.15.1. Do not edit: change the spec's\n// transformations in build-support or its patch file, then regenerate.\n\n{body}",
        loaded.sha256
    );
    Ok((generated, uses, features))
}

/// A crate split by tag must declare the generated tag features (an existing Cargo.toml is the
/// maintainers': the whole table is in the message).
fn check_crate_features(cargo_toml: &Path, tags: &BTreeMap<String, String>, table: &str) -> Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    let Ok(text) = std::fs::read_to_string(cargo_toml) else { return Ok(()) };
    let ours: toml::Table =
        toml::from_str(&text).with_context(|| format!("parsing {}", cargo_toml.display()))?;
    let have = ours.get("features").and_then(|f| f.as_table());
    let missing: Vec<&String> = tags.keys().filter(|k| !have.is_some_and(|h| h.contains_key(*k))).collect();
    if !missing.is_empty() {
        bail!(
            "{}: the generated code is split by tag but the crate lacks the features {}; its [features] table should be:\n{table}",
            cargo_toml.display(),
            missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(())
}

/// An existing crate's Cargo.toml is the maintainers' (only created when missing), so a spec
/// change that starts using dates, UUIDs or patterns must be met by a dependency added there.
fn check_crate_dependencies(cargo_toml: &Path, uses: Uses) -> Result<()> {
    let Ok(text) = std::fs::read_to_string(cargo_toml) else { return Ok(()) };
    let manifest: toml::Table =
        toml::from_str(&text).with_context(|| format!("parsing {}", cargo_toml.display()))?;
    let deps = manifest.get("dependencies").and_then(|d| d.as_table());
    let missing: Vec<&str> =
        [("chrono", uses.chrono), ("uuid", uses.uuid), ("regress", uses.regress), ("futures", uses.futures)]
            .into_iter()
            .filter(|(name, used)| *used && !deps.is_some_and(|d| d.contains_key(*name)))
            .map(|(name, _)| name)
            .collect();
    if !missing.is_empty() {
        bail!(
            "{}: the generated code uses {} but the crate does not depend on it; add {} under [dependencies]",
            cargo_toml.display(),
            missing.join(", "),
            missing.iter().map(|m| format!("`{m}.workspace = true`")).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(())
}

fn scaffold_cargo_toml(
    provider: &Provider,
    document: &Value,
    uses: Uses,
    core_path: &str,
    features: &str,
) -> String {
    let title = document.pointer("/info/title").and_then(Value::as_str).unwrap_or(&provider.name);
    let mut deps = format!(
        "agentdial-core = {{ path = {core_path:?}, version = \"0.1.0\", default-features = false }}\n"
    );
    deps.push_str(
        "progenitor-client.workspace = true\nreqwest.workspace = true\nschemars.workspace = true\nserde.workspace = true\nserde_json.workspace = true\n",
    );
    if uses.chrono {
        deps.push_str("chrono.workspace = true\n");
    }
    if uses.uuid {
        deps.push_str("uuid.workspace = true\n");
    }
    if uses.regress {
        deps.push_str("regress.workspace = true\n");
    }
    if uses.futures {
        deps.push_str("futures.workspace = true\n");
    }
    format!(
        "[package]\nname = \"{0}\"\nversion = \"0.1.0\"\ndescription = \"Typed Rust client for the {title}, generated from its OpenAPI document.\"\n# 2021: typify's generated JsonSchema impls name a binding `gen`, a keyword in edition 2024.\nedition = \"2021\"\nrust-version.workspace = true\nlicense.workspace = true\nkeywords.workspace = true\ncategories.workspace = true\nreadme = \"README.md\"\ndocumentation = \"https://docs.rs/{0}\"\ninclude = [\"src/**/*.rs\", \"Cargo.toml\", \"README.md\", \"CHANGELOG.md\", \"TRANSFORMATIONS.md\", \"LICENSE-MIT\", \"LICENSE-APACHE\"]\n\n[package.metadata.docs.rs]\nall-features = true\nrustdoc-args = [\"--cfg\", \"docsrs\"]\n\n[dependencies]\n{deps}{features}",
        provider.crate_name()
    )
}

fn scaffold_lib_rs(provider: &Provider, document: &Value, origin: &str) -> String {
    let title = document.pointer("/info/title").and_then(Value::as_str).unwrap_or(&provider.name);
    format!(
        r#"//! Typed client for the {title}, generated by progenitor from `{origin}`.
//!
//! - [`Client::with_api_key`] / [`Client::from_options`] build a client that authenticates as the
//!   document's security scheme says ([`spec::AUTH`]) against [`spec::DEFAULT_BASE_URL`].
//! - [`types`] holds one Rust type per schema; [`builder`] the request builders.
//! - `TRANSFORMATIONS.md` lists every change made to the document before generation.

#[rustfmt::skip]
#[allow(clippy::all, unused_imports, rustdoc::all)]
mod generated;

pub use agentdial_core::{{self, ApiKey, BuildError, ClientOptions}};
pub use generated::*;
/// The HTTP client library whose types appear in this API.
pub use reqwest;
"#
    )
}

#[cfg(test)]
mod tests {
    use super::{Kind, auth_scheme_tokens, defined_types};
    use serde_json::json;

    fn auth(document: serde_json::Value) -> String {
        let (tokens, doc) = auth_scheme_tokens(&document).unwrap();
        format!("{} | {doc}", tokens.to_string().replace(' ', ""))
    }

    #[test]
    fn every_security_scheme_a_key_can_satisfy_is_sent_as_the_document_says() {
        let schemes = |s: serde_json::Value| json!({"components": {"securitySchemes": s}});
        assert!(
            auth(schemes(json!({"b": {"type": "http", "scheme": "Bearer"}})))
                .starts_with("::agentdial_core::AuthScheme::Bearer")
        );
        assert!(
            auth(schemes(json!({"t": {"type": "http", "scheme": "Token"}})))
                .contains(r#"Header{name:"Authorization",prefix:"Token"}"#)
        );
        assert!(
            auth(schemes(json!({"c": {"type": "apiKey", "in": "cookie", "name": "session"}})))
                .contains(r#"Header{name:"Cookie",prefix:"session="}"#)
        );
        assert!(
            auth(schemes(json!({"q": {"type": "apiKey", "in": "query", "name": "api_key"}})))
                .contains(r#"Query{name:"api_key"}"#)
        );
        // Required, undefined or unsupported schemes are passed over for the next one, and said.
        let mut doc = schemes(
            json!({"d": {"type": "http", "scheme": "digest"}, "k": {"type": "apiKey", "in": "header", "name": "X-Key"}}),
        );
        doc["security"] = json!([{}, {"missing": []}, {"d": []}, {"k": []}]);
        let text = auth(doc);
        assert!(text.contains(r#"Header{name:"X-Key",prefix:""}"#), "{text}");
        assert!(
            text.contains("`missing` (not defined") && text.contains("`d` (type \"http\", scheme \"digest\""),
            "{text}"
        );
        // Nothing sendable: a clear error naming what was required.
        let mut doc = schemes(json!({"d": {"type": "http", "scheme": "digest"}}));
        doc["security"] = json!([{"d": []}]);
        let err = auth_scheme_tokens(&doc).unwrap_err().to_string();
        assert!(err.contains("`d`"), "{err}");
        // No security at all.
        assert!(auth(json!({})).starts_with("::agentdial_core::AuthScheme::None"));
    }

    #[test]
    fn defined_types_finds_definitions_in_one_pass() {
        let text = "pub mod types {\n    pub struct Call {\n    }\n    pub struct Id(pub String);\n    pub enum Status {\n    }\n    pub type Map = Other;\n    pub struct Unit;\n    pub fn not_a_type() {}\n}\n";
        let types = defined_types(text);
        assert!(types.contains(&("Call", Kind::Struct)));
        assert!(types.contains(&("Id", Kind::Struct)));
        assert!(types.contains(&("Status", Kind::Enum)));
        assert!(types.contains(&("Map", Kind::Alias)));
        assert!(!types.iter().any(|(n, _)| *n == "Unit" || *n == "not_a_type"));
        assert!(!types.contains(&("Call", Kind::Enum)));
        assert_eq!(types.len(), 4);
    }
}
