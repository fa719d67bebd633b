//! Regeneration and vendoring: the workflow around the changelog.
//!
//! [`regenerate`] compares a provider's freshly generated files with the checked-in ones and computes
//! the [`Changelog`]; [`vendor`] is `cargo xtask vendor`: it validates and generates a new document
//! in a scratch directory before writing anything, then replaces the spec, updates the manifest and
//! regenerates. Every write goes through [`write_atomic`].

use crate::changelog::Changelog;
use crate::generate::{GeneratedProvider, generate_provider};
use crate::load::{parse_document, sha256_hex};
use crate::manifest::{Manifest, Provider};
use crate::surface::{Surface, surface_of};
use anyhow::{Context, Result, anyhow, bail};
use std::path::{Path, PathBuf};

/// Reads a file as text with CRLF normalized (a Windows checkout must not look like drift).
pub fn read_normalized(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.replace("\r\n", "\n"))
}

/// Writes through a temporary file in the same directory and a rename, so an interrupted run
/// leaves either the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = path.file_name().with_context(|| format!("{} has no file name", path.display()))?;
    let mut tmp_name = name.to_os_string();
    tmp_name.push(".agentdial-tmp");
    let tmp = dir.join(tmp_name);
    let result =
        std::fs::write(&tmp, contents).with_context(|| format!("writing {}", tmp.display())).and_then(|()| {
            std::fs::rename(&tmp, path)
                .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A file regeneration would write.
#[derive(Debug, Clone)]
pub struct FileChange {
    /// Relative to the workspace root.
    pub path: PathBuf,
    /// The checked-in text (CRLF normalized); `None` if the file does not exist.
    pub old: Option<String>,
    pub new: String,
    /// Part of a new crate's scaffold (Cargo.toml, lib.rs): written only when missing.
    pub scaffold: bool,
}

/// One provider regenerated in memory, compared with the checked-in files.
#[derive(Debug)]
pub struct Regeneration {
    pub generated: GeneratedProvider,
    /// Only the files that differ (or, for the scaffold, are missing).
    pub changes: Vec<FileChange>,
    pub changelog: Changelog,
}

impl Regeneration {
    /// Writes every changed file; returns what it did (`created …`, `wrote …`).
    pub fn write(&self, root: &Path) -> Result<Vec<String>> {
        let mut done = Vec::new();
        for change in &self.changes {
            write_atomic(&root.join(&change.path), change.new.as_bytes())?;
            let verb = if change.old.is_none() && change.scaffold { "created" } else { "wrote" };
            done.push(format!("{verb} {}", change.path.display()));
        }
        Ok(done)
    }
}

fn crate_version(cargo_toml: &str) -> Option<String> {
    let table: toml::Table = toml::from_str(cargo_toml).ok()?;
    table.get("package")?.get("version")?.as_str().map(str::to_owned)
}

/// Compares what `generated` would write with what `root` holds, and computes the changelog.
fn compare(root: &Path, provider: &Provider, generated: GeneratedProvider) -> Result<Regeneration> {
    let mut changes = Vec::new();
    for (rel, contents) in &generated.scaffold {
        if !root.join(rel).exists() {
            changes.push(FileChange { path: rel.clone(), old: None, new: contents.clone(), scaffold: true });
        }
    }
    for (rel, contents) in &generated.files {
        let old = read_normalized(&root.join(rel));
        if old.as_deref() != Some(contents.as_str()) {
            changes.push(FileChange { path: rel.clone(), old, new: contents.clone(), scaffold: false });
        }
    }
    let generated_rs = PathBuf::from("crates").join(&provider.name).join("src").join("generated.rs");
    let current_text = generated
        .files
        .iter()
        .find(|(rel, _)| *rel == generated_rs)
        .map(|(_, text)| text.as_str())
        .with_context(|| format!("generation did not produce {}", generated_rs.display()))?;
    let current = surface_of(current_text).context("reading the type surface of the new generated code")?;
    // A previous file that no longer parses (edited by hand, merge conflict) is treated like a new crate.
    let previous = read_normalized(&root.join(&generated_rs)).and_then(|text| surface_of(&text).ok());
    let cargo_toml = PathBuf::from("crates").join(&provider.name).join("Cargo.toml");
    let version = read_normalized(&root.join(&cargo_toml))
        .or_else(|| {
            generated.scaffold.iter().find(|(rel, _)| *rel == cargo_toml).map(|(_, text)| text.clone())
        })
        .and_then(|text| crate_version(&text));
    let code_changed = changes.iter().any(|c| !c.scaffold);
    let changelog =
        Changelog::new(&provider.name, previous.as_ref(), &current, code_changed, version.as_deref());
    Ok(Regeneration { generated, changes, changelog })
}

/// Regenerates one provider in memory from `root` (nothing is written; see [`Regeneration::write`]).
pub fn regenerate(root: &Path, provider: &Provider) -> Result<Regeneration> {
    let generated = generate_provider(root, provider)?;
    compare(root, provider, generated)
}

/// A scratch directory under the system's temporary directory, removed on drop.
pub(crate) struct Scratch(PathBuf);

impl Scratch {
    pub(crate) fn new() -> Result<Self> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let base = std::env::temp_dir();
        for _ in 0..100 {
            let dir = base.join(format!(
                "agentdial-{}-{nanos}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(Scratch(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
            }
        }
        bail!("could not create a scratch directory under {}", base.display())
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The code the whole pipeline (transformations, progenitor, formatting) generates from one
/// document's text, as for a provider named `fixture` with no patch files. For tests and for
/// checking a document before vendoring it.
pub fn generate_from_text(text: &str) -> Result<String> {
    parse_document(text, "document")?;
    let scratch = Scratch::new()?;
    let spec = if text.trim_start().starts_with('{') { "fixture.json" } else { "fixture.yaml" };
    write_atomic(&scratch.path().join("specs").join(spec), text.as_bytes())?;
    let provider = Provider {
        name: "fixture".into(),
        spec: spec.into(),
        source: "fixture".into(),
        sha256: sha256_hex(text.as_bytes()),
        patches: Vec::new(),
        pagination: Vec::new(),
        features_per_tag: false,
    };
    let generated = generate_provider(scratch.path(), &provider)?;
    generated
        .files
        .into_iter()
        .next()
        .map(|(_, text)| text)
        .ok_or_else(|| anyhow!("generation produced no file"))
}

/// The type surface of the code generated from one document's text (see [`generate_from_text`]).
pub fn surface_from_text(text: &str) -> Result<Surface> {
    surface_of(&generate_from_text(text)?)
}

fn format_of_name(name: &str) -> Option<&'static str> {
    match Path::new(name).extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "yaml" | "yml" => Some("YAML"),
        "json" => Some("JSON"),
        _ => None,
    }
}

/// Byte range of the string value in a `key = "value"  # comment` line, quotes included.
fn string_value_span(line: &str) -> Option<(usize, usize)> {
    let eq = line.find('=')?;
    let start = eq + 1 + (line[eq + 1..].len() - line[eq + 1..].trim_start().len());
    let rest = &line[start..];
    if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
        return None;
    }
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let mut escaped = false;
    for (i, c) in rest.char_indices().skip(1) {
        if quote == '"' && escaped {
            escaped = false;
        } else if quote == '"' && c == '\\' {
            escaped = true;
        } else if c == quote {
            return Some((start, start + i + 1));
        }
    }
    None
}

/// The manifest's text with one provider's `sha256` (and `source`) replaced; every other byte is
/// kept. The result is parsed back and compared with the original, field by field.
pub fn update_manifest_text(
    text: &str,
    provider: &str,
    sha256: &str,
    source: Option<&str>,
) -> Result<String> {
    let original: Manifest = toml::from_str(text).context("parsing specs/providers.toml")?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let headers: Vec<usize> =
        lines.iter().enumerate().filter(|(_, l)| l.trim_start().starts_with('[')).map(|(i, _)| i).collect();
    let mut target = None;
    for (k, &start) in headers.iter().enumerate() {
        let end = headers.get(k + 1).copied().unwrap_or(lines.len());
        if lines[start].trim() != "[[provider]]" {
            continue;
        }
        let body: String = lines[start + 1..end].concat();
        let table: toml::Table = toml::from_str(&body)
            .with_context(|| format!("parsing the [[provider]] table at line {}", start + 1))?;
        if table.get("name").and_then(|n| n.as_str()) == Some(provider) {
            target = Some((start + 1, end));
        }
    }
    let (start, end) = target
        .with_context(|| format!("specs/providers.toml has no `[[provider]]` table named {provider:?}"))?;
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    let mut replace = |key: &str, value: &str| -> Result<()> {
        let quoted = toml::Value::String(value.to_owned()).to_string();
        let index = (start..end)
            .find(|&i| {
                let l = out[i].trim_start();
                !l.starts_with('#') && l.split_once('=').is_some_and(|(k, _)| k.trim() == key)
            })
            .with_context(|| {
                format!("the {provider:?} entry of specs/providers.toml has no `{key} = ` line")
            })?;
        let (a, b) = string_value_span(&out[index]).with_context(|| {
            format!(
                "specs/providers.toml line {}: `{key}` is not a one-line string; edit it by hand",
                index + 1
            )
        })?;
        out[index].replace_range(a..b, &quoted);
        Ok(())
    };
    replace("sha256", sha256)?;
    if let Some(source) = source {
        replace("source", source)?;
    }
    let updated = out.concat();
    let parsed: Manifest =
        toml::from_str(&updated).context("specs/providers.toml no longer parses after the update")?;
    let same = parsed.providers.len() == original.providers.len()
        && parsed.providers.iter().zip(&original.providers).all(|(p, o)| {
            let mine = p.name == provider;
            p.name == o.name
                && p.spec == o.spec
                && p.patches == o.patches
                && p.pagination == o.pagination
                && p.sha256 == if mine { sha256 } else { o.sha256.as_str() }
                && p.source == if mine { source.unwrap_or(&o.source) } else { o.source.as_str() }
        });
    if !same {
        bail!(
            "updating specs/providers.toml changed more than the {provider:?} entry's sha256/source; edit it by hand"
        );
    }
    Ok(updated)
}

/// What [`vendor`] did.
#[derive(Debug)]
pub struct Vendored {
    /// Relative to the workspace root, e.g. `specs/fluents.yaml`.
    pub spec: PathBuf,
    pub old_sha256: String,
    pub new_sha256: String,
    pub regeneration: Regeneration,
    /// Generated files written (`created …`, `wrote …`).
    pub written: Vec<String>,
}

/// Generates `provider`'s crate from another version of its document (`bytes`), with its patch files
/// and Cargo.toml, in a scratch directory: what `vendor` would write, without touching `root`.
/// `provider.sha256` must be the hash of `bytes`.
pub fn generate_candidate(root: &Path, provider: &Provider, bytes: &[u8]) -> Result<GeneratedProvider> {
    let scratch = Scratch::new()?;
    write_atomic(&scratch.path().join("specs").join(&provider.spec), bytes)?;
    for patch in &provider.patches {
        let from = root.join("specs").join(patch);
        let contents = std::fs::read(&from).with_context(|| format!("reading {}", from.display()))?;
        write_atomic(&scratch.path().join("specs").join(patch), &contents)?;
    }
    let cargo_toml = PathBuf::from("crates").join(&provider.name).join("Cargo.toml");
    if let Ok(contents) = std::fs::read(root.join(&cargo_toml)) {
        write_atomic(&scratch.path().join(&cargo_toml), &contents)?;
    }
    generate_provider(scratch.path(), provider)
}

/// `cargo xtask vendor <provider> <file> [--source URL]` against the workspace at `root`.
///
/// Refuses, writing nothing, a file that is not UTF-8, not an OpenAPI 3.0/3.1 document, in a
/// different format (YAML/JSON) than the manifest's `spec` file name says, or that the pipeline
/// cannot generate a crate from (it is generated in a scratch directory first). Then it replaces
/// `specs/<spec>` with the file's bytes unchanged, updates the provider's `sha256` (and `source`)
/// in `specs/providers.toml`, and writes the regenerated files; each write goes through a
/// temporary file and a rename.
pub fn vendor(root: &Path, name: &str, file: &Path, source: Option<&str>, bump: bool) -> Result<Vendored> {
    let manifest_path = Manifest::path(root);
    let manifest = Manifest::load(root)?;
    let provider = manifest
        .provider(name)
        .with_context(|| {
            format!("no provider {name:?} in specs/providers.toml (a new provider is added by hand: see README, \"Adding a provider\")")
        })?
        .clone();
    let origin = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("reading {origin}"))?;
    let refused = || format!("{origin} was not vendored; specs/{} is unchanged", provider.spec);
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| anyhow!("{origin}: not UTF-8 text: {e}"))
        .with_context(refused)?;
    parse_document(text, &origin).with_context(refused)?;
    let given =
        format_of_name(&origin).unwrap_or(if text.trim_start().starts_with('{') { "JSON" } else { "YAML" });
    if let Some(expected) = format_of_name(&provider.spec)
        && expected != given
    {
        bail!(
            "{origin} is {given}, but the manifest vendors {name} as specs/{} ({expected}); `vendor` keeps the manifest's file name. \
             Convert the file, or rename the vendored file and its `spec` entry in specs/providers.toml by hand first. {}",
            provider.spec,
            refused()
        );
    }
    if source.is_some_and(|s| s.trim().is_empty()) {
        bail!("--source must not be empty");
    }

    let new_sha256 = sha256_hex(&bytes);
    let mut updated = provider.clone();
    updated.sha256 = new_sha256.clone();
    if let Some(source) = source {
        updated.source = source.to_owned();
    }
    let manifest_text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let new_manifest_text =
        update_manifest_text(&manifest_text, name, &new_sha256, source).with_context(refused)?;

    // Generate from the new document in a scratch copy of what generation reads, before writing anything.
    let generated = generate_candidate(root, &updated, &bytes)
        .map_err(|e| anyhow!("{origin}: the pipeline cannot generate a crate from it: {e:#}"))
        .with_context(refused)?;
    let regeneration = compare(root, &updated, generated)?;

    let spec_rel = PathBuf::from("specs").join(&provider.spec);
    let spec_path = root.join(&spec_rel);
    let old_spec = std::fs::read(&spec_path).ok();
    write_atomic(&spec_path, &bytes)?;
    if let Err(e) = write_atomic(&manifest_path, new_manifest_text.as_bytes()) {
        match old_spec {
            Some(old) => write_atomic(&spec_path, &old).context("restoring the previous spec")?,
            None => std::fs::remove_file(&spec_path).context("removing the new spec")?,
        }
        return Err(e.context(refused()));
    }
    let written = regeneration.write(root).with_context(|| {
        format!(
            "{} and specs/providers.toml were updated, but writing the generated files failed; run `cargo xtask generate`",
            spec_rel.display()
        )
    })?;
    let mut written = written;
    written.extend(record_release(root, &provider.name, &regeneration.changelog, bump)?);
    Ok(Vendored { spec: spec_rel, old_sha256: provider.sha256, new_sha256, regeneration, written })
}

/// Adds the update's markdown changelog to `crates/<name>/CHANGELOG.md` under the suggested next
/// version (newest first, after the file's introduction) and, with `bump`, sets that version in the
/// crate's Cargo.toml, so the spec, its changelog, the version and the snapshot land in one commit.
/// Nothing is written when the surface and the code are unchanged.
pub fn record_release(root: &Path, name: &str, changelog: &Changelog, bump: bool) -> Result<Vec<String>> {
    let mut done = Vec::new();
    if changelog.is_empty() || changelog.new_crate {
        return Ok(done);
    }
    let Some(next) = changelog.next_version.clone() else { return Ok(done) };
    let dir = root.join("crates").join(name);
    let path = dir.join("CHANGELOG.md");
    let existing =
        std::fs::read_to_string(&path).unwrap_or_else(|_| format!("# Changelog of agentdial-{name}\n"));
    let body = changelog.to_markdown();
    // `## agentdial-x (summary)` becomes the version heading; the rest is kept.
    let body = body.split_once('\n').map(|(_, rest)| rest.trim_start_matches('\n')).unwrap_or_default();
    let section = format!("## {next}\n\n{}\n", body.trim_end());
    let at = existing.find("\n## ").map(|i| i + 1).unwrap_or(existing.len());
    let (head, tail) = existing.split_at(at);
    let sep = if head.ends_with("\n\n") || head.is_empty() { "" } else { "\n" };
    let text = format!("{head}{sep}{section}\n{tail}");
    write_atomic(&path, text.trim_end_matches('\n').to_owned().add_newline().as_bytes())?;
    done.push(format!("wrote crates/{name}/CHANGELOG.md ({next})"));
    if bump {
        let cargo = dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&cargo).with_context(|| format!("reading {}", cargo.display()))?;
        let current =
            crate_version(&text).with_context(|| format!("{}: no [package] version", cargo.display()))?;
        let mut replaced = false;
        let out: Vec<String> = text
            .lines()
            .map(|l| {
                if !replaced && l.trim_start().starts_with("version") && l.contains(&format!("\"{current}\""))
                {
                    replaced = true;
                    l.replacen(&current, &next, 1)
                } else {
                    l.to_owned()
                }
            })
            .collect();
        if !replaced {
            bail!("{}: could not find `version = \"{current}\"` to bump", cargo.display());
        }
        write_atomic(&cargo, (out.join("\n") + "\n").as_bytes())?;
        done.push(format!("bumped crates/{name}/Cargo.toml {current} → {next}"));
    }
    Ok(done)
}

trait AddNewline {
    fn add_newline(self) -> String;
}

impl AddNewline for String {
    fn add_newline(mut self) -> String {
        self.push('\n');
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_update_touches_one_line() {
        let text = "# comment\n[[provider]]\nname = \"a\"\nspec = \"a.yaml\"\nsource = \"https://a\"  # where\nsha256 = \"00\"\n\n\
                    [[provider]]\nname = \"b\"\nspec = \"b.yaml\"\nsource = \"https://b\"\nsha256 = \"11\"\npatches = [\"b.patch.yaml\"]\n";
        let out = update_manifest_text(text, "b", "ff", None).unwrap();
        assert_eq!(out, text.replace("sha256 = \"11\"", "sha256 = \"ff\""));
        let out = update_manifest_text(text, "a", "ee", Some("https://new \"a\"")).unwrap();
        assert!(out.contains("sha256 = \"ee\"\n"), "{out}");
        assert!(out.contains("  # where\n"), "{out}");
        let parsed: Manifest = toml::from_str(&out).unwrap();
        assert_eq!(parsed.providers[0].source, "https://new \"a\"");
        assert!(update_manifest_text(text, "c", "ff", None).is_err());
    }
}
