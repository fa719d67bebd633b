//! `specs/providers.toml`: one entry per provider.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(rename = "provider")]
    pub providers: Vec<Provider>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Crate `agentdial-<name>` in `crates/<name>`.
    pub name: String,
    /// File name of the vendored document in `specs/`.
    pub spec: String,
    /// Where the document was published (or, for an authored document, where its facts come from).
    pub source: String,
    /// sha256 of the vendored file; generation refuses a spec whose hash differs.
    pub sha256: String,
    /// Provider-specific patch files in `specs/`, applied in order after the general transformations.
    #[serde(default)]
    pub patches: Vec<String>,
    /// How list operations paginate where the document does not say so unambiguously
    /// (`[[provider.pagination]]`; see `pagination::Declaration`).
    #[serde(default)]
    pub pagination: Vec<crate::pagination::Declaration>,
    /// Split the crate into one cargo feature per tag (`features::gate_by_tag`), for documents
    /// whose crate is too large to compile whole.
    #[serde(default)]
    pub features_per_tag: bool,
}

impl Manifest {
    pub fn path(root: &Path) -> PathBuf {
        root.join("specs").join("providers.toml")
    }

    pub fn load(root: &Path) -> Result<Self> {
        Self::load_file(&Self::path(root))
    }

    /// Reads any manifest of this shape (`specs/providers.toml`, `tests/corpus/corpus.toml`).
    pub fn load_file(path: &Path) -> Result<Self> {
        let path = path.to_path_buf();
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let manifest: Manifest =
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let mut seen = std::collections::BTreeSet::new();
        for p in &manifest.providers {
            if p.name.is_empty()
                || !p.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                bail!(
                    "{}: provider name {:?} must be lowercase ASCII letters, digits and '-'",
                    path.display(),
                    p.name
                );
            }
            if !seen.insert(p.name.as_str()) {
                bail!("{}: provider {:?} is listed twice", path.display(), p.name);
            }
        }
        Ok(manifest)
    }

    /// `tests/corpus/corpus.toml`: published documents the pipeline is tested on (`cargo xtask corpus`).
    pub fn corpus_path(root: &Path) -> PathBuf {
        root.join("tests").join("corpus").join("corpus.toml")
    }

    pub fn provider(&self, name: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.name == name)
    }
}

impl Provider {
    pub fn spec_path(&self, root: &Path) -> PathBuf {
        root.join("specs").join(&self.spec)
    }
    pub fn crate_dir(&self, root: &Path) -> PathBuf {
        root.join("crates").join(&self.name)
    }
    pub fn crate_name(&self) -> String {
        format!("agentdial-{}", self.name)
    }
}
