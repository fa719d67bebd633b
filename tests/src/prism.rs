//! Prism as an independent judge: each provider's vendored, untransformed document served by
//! `prism mock` (Stainless's fork, pinned in `tests/prism/package-lock.json`) with request validation
//! on, behind a loopback proxy that records every exchange byte for byte.
//!
//! Without Node or the installed Prism, [`installation`] prints one line and the callers skip;
//! with `AGENTDIAL_REQUIRE_PRISM=1` (set by `.ci/run`) it panics instead, so CI cannot skip them.

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use serde_json::Value;
use std::io::Write;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

/// Set to `1` to make a missing Node or Prism a failure instead of a skip.
pub const REQUIRE_ENV: &str = "AGENTDIAL_REQUIRE_PRISM";

/// Where `npm ci` installs the pinned Prism.
pub fn prism_dir() -> PathBuf {
    crate::root().join("tests").join("prism")
}

/// Node and the Prism CLI script.
#[derive(Debug, Clone)]
pub struct Installation {
    pub node: PathBuf,
    pub cli: PathBuf,
}

fn find_node() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join("node")).find(|p| p.is_file())
}

/// Writes a line to the real stderr, past libtest's output capture (so it shows in `cargo test`).
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Node and Prism, or `None` after saying once (per test binary) that the Prism tests are skipped.
/// Panics when they are missing and [`REQUIRE_ENV`] is `1`.
pub fn installation() -> Option<Installation> {
    let cli = prism_dir().join("node_modules/@stainless-api/prism-cli/dist/index.js");
    let missing = match (find_node(), cli.is_file()) {
        (Some(node), true) => return Some(Installation { node, cli }),
        (None, _) => "`node` is not on PATH",
        (Some(_), false) => "Prism is not installed (run `npm ci --prefix tests/prism`)",
    };
    if std::env::var(REQUIRE_ENV).as_deref() == Ok("1") {
        panic!("{REQUIRE_ENV}=1 but {missing}");
    }
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        say(&format!(
            "prism: conformance tests skipped: {missing}; set {REQUIRE_ENV}=1 to make this an error"
        ))
    });
    None
}

/// A running `prism mock`; killed when dropped.
pub struct Prism {
    child: Child,
    /// `http://127.0.0.1:PORT` (Prism serves the document's paths at the root, without the servers' base path).
    pub url: String,
    log: PathBuf,
}

impl Prism {
    /// Serves `spec`: documented examples by default, random schema-valid responses for requests
    /// carrying `Prefer: dynamic=true` (see [`Recorder::start`]). Requests are
    /// always validated: an invalid one gets a 422, and every finding (error or warning, about the
    /// request or about Prism's own response) is listed in the `sl-violations` header. (No
    /// `--errors`: it would turn a response that contradicts its own document, such as a documented
    /// example missing a property the schema requires, into a 500 and hide the response.)
    pub fn start(inst: &Installation, spec: &Path) -> Result<Prism, String> {
        let port = StdListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free loopback port: {e}"))?
            .port();
        let log = std::env::temp_dir().join(format!("agentdial-prism-{}-{port}.log", std::process::id()));
        let out = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(&inst.node);
        cmd.arg(&inst.cli)
            .args(["mock", "--host", "127.0.0.1", "--port", &port.to_string(), "--verboseLevel", "warn"])
            // Members a schema does not name are ignored by the generated types by design (README,
            // "Exact types"); Prism is told not to invent them.
            .arg("--json-schema-faker-fillProperties=false")
            .arg(spec)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let child = cmd
            .spawn()
            .map_err(|e| format!("starting {} {}: {e}", inst.node.display(), inst.cli.display()))?;
        let mut prism = Prism { child, url: format!("http://127.0.0.1:{port}"), log };
        prism.wait_until_listening(port)?;
        Ok(prism)
    }

    fn wait_until_listening(&mut self, port: u16) -> Result<(), String> {
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("prism exited with {status} before listening:\n{}", self.log_text()));
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(());
            }
            if start.elapsed() > Duration::from_secs(120) {
                return Err(format!(
                    "prism did not listen on port {port} within 120 s:\n{}",
                    self.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What Prism printed so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// One request and its response as they crossed the wire.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub request_body: Bytes,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Bytes,
}

impl Exchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response_headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Prism's findings (`sl-violations`), each `{location, severity, code, message}`.
    pub fn violations(&self) -> Vec<Value> {
        self.header("sl-violations")
            .and_then(|h| serde_json::from_str::<Vec<Value>>(h).ok())
            .unwrap_or_default()
    }

    /// The findings about the request (its body, query, path, headers, security), errors and warnings alike.
    pub fn request_violations(&self) -> Vec<Value> {
        self.violations()
            .into_iter()
            .filter(|v| v.pointer("/location/0").and_then(Value::as_str) == Some("request"))
            .collect()
    }

    /// The findings about Prism's own response (where the document contradicts itself).
    pub fn response_violations(&self) -> Vec<Value> {
        self.violations()
            .into_iter()
            .filter(|v| v.pointer("/location/0").and_then(Value::as_str) == Some("response"))
            .collect()
    }
}

/// A loopback HTTP proxy to `upstream` that keeps every [`Exchange`]; with `dynamic`, it asks Prism
/// for a random response to each request (`Prefer: dynamic=true`, added on the way).
pub struct Recorder {
    pub url: String,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Recorder {
    pub async fn start(upstream: &str, dynamic: bool) -> Recorder {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("loopback listener");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let exchanges = Arc::new(Mutex::new(Vec::new()));
        let http = reqwest::Client::builder().no_proxy().build().expect("reqwest client");
        let upstream = upstream.to_owned();
        let log = exchanges.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (http, upstream, log) = (http.clone(), upstream.clone(), log.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        forward(http.clone(), upstream.clone(), log.clone(), dynamic, req)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Recorder { url, exchanges, task }
    }

    /// The exchanges recorded since the last call.
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.exchanges.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    http: reqwest::Client,
    upstream: String,
    log: Arc<Mutex<Vec<Exchange>>>,
    dynamic: bool,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, std::convert::Infallible> {
    let (parts, body) = req.into_parts();
    let request_body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let target = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
    let mut upstream_req = http.request(parts.method.clone(), format!("{upstream}{target}"));
    for (name, value) in &parts.headers {
        if name != hyper::header::HOST && name != hyper::header::CONTENT_LENGTH {
            upstream_req = upstream_req.header(name, value);
        }
    }
    if dynamic {
        upstream_req = upstream_req.header("prefer", "dynamic=true");
    }
    let (status, headers, response_body) = match upstream_req.body(request_body.clone()).send().await {
        Ok(r) => {
            let status = r.status();
            let headers = r.headers().clone();
            let body = r.bytes().await.unwrap_or_default();
            (status, headers, body)
        }
        Err(e) => (
            hyper::StatusCode::BAD_GATEWAY,
            hyper::HeaderMap::new(),
            Bytes::from(format!("recorder: upstream failed: {e}")),
        ),
    };
    let response_headers = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    log.lock().unwrap_or_else(|p| p.into_inner()).push(Exchange {
        method: parts.method.to_string(),
        target,
        request_body,
        status: status.as_u16(),
        response_headers,
        response_body: response_body.clone(),
    });
    let mut response = hyper::Response::new(Full::new(response_body));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if !matches!(name.as_str(), "transfer-encoding" | "connection" | "content-length" | "keep-alive") {
            response.headers_mut().append(name, value.clone());
        }
    }
    Ok(response)
}
