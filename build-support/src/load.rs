//! Loading a vendored document: hash check, YAML or JSON, errors with file and location.

use anyhow::{Context, Result, bail};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;

/// A document as read from disk, before any transformation.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    pub sha256: String,
    pub document: Value,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Parses YAML or JSON text (JSON is YAML, but JSON errors read better when the text is JSON).
pub fn parse_document(text: &str, origin: &str) -> Result<Value> {
    // A byte-order mark is not part of the document (JSON parsers refuse it).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start();
    let value: Value = if trimmed.starts_with('{') {
        serde_json::from_str(text)
            .map_err(|e| anyhow::anyhow!("{origin}:{}:{}: invalid JSON: {e}", e.line(), e.column()))?
    } else {
        serde_yaml::from_str(text).map_err(|e| match e.location() {
            Some(l) => anyhow::anyhow!("{origin}:{}:{}: invalid YAML: {e}", l.line(), l.column()),
            None => anyhow::anyhow!("{origin}: invalid YAML: {e}"),
        })?
    };
    let Some(obj) = value.as_object() else {
        bail!("{origin}: an OpenAPI document must be a mapping at the top level")
    };
    // `openapi: 3.0` unquoted is a YAML number; `"3.1"` a version without its patch number:
    // both are read (`normalize_openapi_version` writes the full version).
    let version = match obj.get("openapi") {
        Some(Value::String(v)) => Some(v.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    match version.as_deref() {
        Some(v) if v == "3.0" || v == "3.1" || v.starts_with("3.0.") || v.starts_with("3.1.") => {}
        Some(v) => bail!("{origin}: unsupported OpenAPI version {v:?} (3.0.x and 3.1.x are supported)"),
        // Read as OpenAPI 3.0 by the first transformation (`convert_swagger_2`).
        None if obj.get("swagger").and_then(Value::as_str) == Some("2.0") => {}
        None if obj.contains_key("swagger") => {
            bail!("{origin}: only Swagger 2.0 and OpenAPI 3.0.x/3.1.x documents are supported")
        }
        None => bail!("{origin}: not an OpenAPI document (no `openapi` version field)"),
    }
    Ok(value)
}

/// Reads `path`, and when `expected_sha256` is given refuses a file whose hash differs.
pub fn load_spec(path: &Path, expected_sha256: Option<&str>) -> Result<LoadedSpec> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let sha256 = sha256_hex(&bytes);
    if let Some(expected) = expected_sha256
        && !expected.eq_ignore_ascii_case(&sha256)
    {
        bail!(
            "{}: sha256 is {sha256} but specs/providers.toml says {expected}; vendored specs are never edited by hand \
             (use `cargo xtask vendor` or update the manifest deliberately)",
            path.display()
        );
    }
    let text = std::str::from_utf8(&bytes).with_context(|| format!("{}: not UTF-8", path.display()))?;
    let document = parse_document(text, &path.display().to_string())?;
    Ok(LoadedSpec { sha256, document })
}

#[cfg(test)]
mod tests {
    use super::parse_document;

    #[test]
    fn a_byte_order_mark_and_a_short_version_are_read() {
        let json = "\u{feff}{\"openapi\": \"3.0.3\", \"paths\": {}}";
        assert_eq!(parse_document(json, "t").unwrap()["openapi"], "3.0.3");
        assert!(parse_document("openapi: 3.0\npaths: {}\n", "t").is_ok());
        assert!(parse_document("openapi: '3.1'\npaths: {}\n", "t").is_ok());
        let err = parse_document("openapi: 2.5\n", "t").unwrap_err().to_string();
        assert!(err.contains("unsupported OpenAPI version"), "{err}");
        assert!(parse_document("swagger: '2.0'\npaths: {}\n", "t").is_ok());
        let err = parse_document("swagger: '1.2'\n", "t").unwrap_err().to_string();
        assert!(err.contains("Swagger 2.0"), "{err}");
    }
}
