//! cargo-semver-checks as an independent judge of the changelog's Rust-level half.
//!
//! [`check`] builds the old and the new generated code as two copies of one scratch crate and runs
//! `cargo semver-checks check-release` between them (both at version 1.0.0 with `--release-type
//! minor`, so every change that needs a major release is reported). [`compare`] then lines each
//! violation up with the changelog: every violation must match a breaking entry (none missed), and
//! a wire-breaking entry is by definition one it cannot see.

use crate::changelog::{Changelog, Impact};
use crate::vendor::{Scratch, write_atomic};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One violation cargo-semver-checks reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The lint's id, e.g. `constructible_struct_adds_field`.
    pub lint: String,
    /// The item as the tool names it, e.g. `field Destination.label`.
    pub item: String,
}

/// The tool's version line, or why it cannot run.
pub fn tool_version() -> Result<String> {
    let out = Command::new("cargo")
        .args(["semver-checks", "--version"])
        .output()
        .context("running `cargo semver-checks --version`")?;
    if !out.status.success() {
        bail!("cargo-semver-checks is not installed (`cargo install --locked cargo-semver-checks`)");
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Dependencies of the scratch crate: the provider crates' set, with the workspace's versions.
fn dependencies(root: &Path) -> Result<String> {
    let text =
        std::fs::read_to_string(root.join("Cargo.toml")).context("reading the workspace Cargo.toml")?;
    let manifest: toml::Table = toml::from_str(&text)?;
    let deps = manifest
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table())
        .context("[workspace.dependencies]")?;
    let mut out =
        format!("agentdial-core = {{ path = {:?} }}\n", root.join("crates/core").display().to_string());
    for name in
        ["progenitor-client", "reqwest", "schemars", "serde", "serde_json", "chrono", "uuid", "regress"]
    {
        let spec = deps.get(name).with_context(|| format!("[workspace.dependencies] has no {name}"))?;
        out.push_str(&format!("{name} = {spec}\n"));
    }
    Ok(out)
}

fn write_crate(dir: &Path, root: &Path, generated: &str) -> Result<()> {
    let cargo = format!(
        "[package]\nname = \"agentdial-semver-probe\"\nversion = \"1.0.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n[dependencies]\n{}",
        dependencies(root)?
    );
    write_atomic(&dir.join("Cargo.toml"), cargo.as_bytes())?;
    write_atomic(
        &dir.join("src/lib.rs"),
        b"#[allow(clippy::all, unused_imports, rustdoc::all)]\nmod generated;\npub use generated::*;\n",
    )?;
    write_atomic(&dir.join("src/generated.rs"), generated.as_bytes())?;
    // The workspace's lock file, so both copies resolve the same versions without the network.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).context("copying Cargo.lock")?;
    Ok(())
}

/// Runs cargo-semver-checks between two generated files. `target` is a shared target directory
/// (dependencies are built once across runs).
pub fn check(root: &Path, old_generated: &str, new_generated: &str, target: &Path) -> Result<Vec<Violation>> {
    let scratch = Scratch::new()?;
    let (old, new) = (scratch.path().join("old"), scratch.path().join("new"));
    write_crate(&old, root, old_generated)?;
    write_crate(&new, root, new_generated)?;
    let out = Command::new("cargo")
        .args([
            "semver-checks",
            "check-release",
            "--release-type",
            "minor",
            "--color",
            "never",
            "--baseline-root",
        ])
        .arg(&old)
        .arg("--manifest-path")
        .arg(new.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_NET_OFFLINE", "true")
        .output()
        .context("running cargo semver-checks")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let violations = parse(&format!("{stdout}\n{stderr}"));
    if !out.status.success() && violations.is_empty() {
        if stderr.contains("--offline was specified") {
            bail!(
                "cargo semver-checks runs offline from this workspace's Cargo.lock and a package of it is not \
                 downloaded yet; run `cargo fetch --locked` once:\n{stderr}"
            );
        }
        bail!("cargo semver-checks failed without reporting a lint:\n{stderr}\n{stdout}");
    }
    Ok(violations)
}

/// Reads the `--- failure LINT: ... ---` sections and their `Failed in:` items.
pub fn parse(output: &str) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut lint = None;
    let mut in_items = false;
    for line in output.lines() {
        if let Some(rest) = line.trim().strip_prefix("--- failure ") {
            lint = rest.split(':').next().map(str::to_owned);
            in_items = false;
        } else if line.trim() == "Failed in:" {
            in_items = true;
        } else if in_items && line.starts_with("  ") && !line.trim().is_empty() {
            if let Some(lint) = &lint {
                let item = line
                    .trim()
                    .split(", previously in")
                    .next()
                    .unwrap_or_default()
                    .split(" in ")
                    .next()
                    .unwrap_or_default();
                out.push(Violation { lint: lint.clone(), item: item.trim().to_owned() });
            }
        } else if line.trim().is_empty() || !line.starts_with("  ") {
            in_items = false;
        }
    }
    out
}

/// The identifiers of the item a violation names, normalized (lower case, no `_`): the first
/// path-like token (`Destination.label`, `Status::Ended`, `builder::GetCall`, `CreateCall::dry_run`),
/// without the crate, `types` and `builder` segments.
fn item_words(item: &str) -> Vec<String> {
    // `field note of struct Call` names no path: its words, without the item kinds.
    let token = item
        .split_whitespace()
        .find(|t| t.contains("::") || t.contains('.') || t.contains(':'))
        .unwrap_or(item);
    normalized(token)
        .into_iter()
        .filter(|w| {
            !matches!(
                w.as_str(),
                "agentdialsemverprobe"
                    | "types"
                    | "builder"
                    | "field"
                    | "of"
                    | "struct"
                    | "enum"
                    | "variant"
                    | "method"
                    | "function"
                    | "trait"
                    | "inherent"
            )
        })
        .collect()
}

fn normalized(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(|w| w.replace('_', "").to_lowercase())
        .collect()
}

/// How the two verdicts line up.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Violations with a matching breaking entry.
    pub agreed: Vec<(Violation, String)>,
    /// Violations no breaking entry of ours covers: the changelog would under-report.
    pub missed: Vec<Violation>,
    /// Our wire-breaking entries (invisible to a Rust-level tool by design).
    pub wire_only: Vec<String>,
    /// Our breaking entries that no violation confirms (changes the tool has no lint for).
    pub unconfirmed: Vec<String>,
}

/// Lines up violations with the changelog's entries.
pub fn compare(changelog: &Changelog, violations: &[Violation]) -> Comparison {
    let mut c = Comparison::default();
    let breaking: Vec<&crate::changelog::Entry> =
        changelog.entries.iter().filter(|e| e.impact == Impact::Breaking).collect();
    let mut confirmed = vec![false; breaking.len()];
    for v in violations {
        // An item matches the breaking entry whose subject and detail name all its parts:
        // `builder::GetCall` is the builder of `Client::get_call`, `CreateCall::dry_run` its setter.
        let want = item_words(&v.item);
        let hit = breaking.iter().position(|e| {
            let have = normalized(&format!("{} {}", e.subject, e.detail));
            !want.is_empty() && want.iter().all(|w| have.contains(w))
        });
        match hit {
            Some(i) => {
                confirmed[i] = true;
                c.agreed.push((v.clone(), breaking[i].subject.clone()));
            }
            None => c.missed.push(v.clone()),
        }
    }
    c.wire_only = changelog
        .entries
        .iter()
        .filter(|e| e.impact == Impact::WireBreaking)
        .map(|e| format!("{}: {}", e.subject, e.detail))
        .collect();
    c.unconfirmed = breaking
        .iter()
        .zip(&confirmed)
        .filter(|(_, ok)| !**ok)
        .map(|(e, _)| format!("{} ({})", e.subject, e.kind.label()))
        .collect();
    c
}

impl Comparison {
    /// The side-by-side text `cargo xtask semver-check` prints.
    pub fn to_text(&self, tool: &str) -> String {
        let mut out = format!(
            "{tool}: {} violation(s); our changelog covers {}\n",
            self.agreed.len() + self.missed.len(),
            self.agreed.len()
        );
        for (v, ours) in &self.agreed {
            out.push_str(&format!("  agree     {} `{}`  =  our breaking `{ours}`\n", v.lint, v.item));
        }
        for v in &self.missed {
            out.push_str(&format!(
                "  MISSED    {} `{}`: no breaking entry of ours covers it\n",
                v.lint, v.item
            ));
        }
        for w in &self.wire_only {
            out.push_str(&format!(
                "  wire-only {w} (the Rust API is unchanged; a Rust-level tool cannot see it)\n"
            ));
        }
        for u in &self.unconfirmed {
            out.push_str(&format!(
                "  ours only {u} (breaking for callers or JSON; the tool has no lint for it)\n"
            ));
        }
        out
    }
}

/// Where the comparisons build: one target directory under the workspace's, reused across runs.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("semver-checks")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_failures_and_their_items() {
        let output = "     Parsing agentdial-semver-probe v1.0.0 (current)\n\
            --- failure constructible_struct_adds_field: externally-constructible struct adds field ---\n\n\
            Description:\nA pub struct constructible with a struct literal has a new pub field.\n\n\
            Failed in:\n  field Destination.label in /tmp/x/new/src/generated.rs:120\n\n\
            --- failure enum_variant_missing: pub enum variant removed or renamed ---\n\n\
            Failed in:\n  variant Status::Queued, previously in file /tmp/x/old/src/generated.rs:80\n  variant Status::Ended, previously in file /tmp/x/old/src/generated.rs:81\n\n     Summary semver requires new major version\n";
        let v = parse(output);
        assert_eq!(
            v,
            vec![
                Violation {
                    lint: "constructible_struct_adds_field".into(),
                    item: "field Destination.label".into()
                },
                Violation { lint: "enum_variant_missing".into(), item: "variant Status::Queued".into() },
                Violation { lint: "enum_variant_missing".into(), item: "variant Status::Ended".into() },
            ]
        );
    }

    #[test]
    fn compares_by_the_item_names() {
        use crate::changelog::{Entry, Kind};
        let entry =
            |kind, subject: &str, impact| Entry { kind, subject: subject.into(), detail: "d".into(), impact };
        let mut c = Changelog::new(
            "p",
            Some(&crate::surface::Surface { types: vec![], operations: vec![] }),
            &crate::surface::Surface { types: vec![], operations: vec![] },
            false,
            None,
        );
        c.entries = vec![
            entry(Kind::FieldAdded, "types::Destination.label", Impact::Breaking),
            entry(Kind::FieldType, "types::Call.id", Impact::Breaking),
            entry(Kind::FieldJsonName, "types::Call.call_id", Impact::WireBreaking),
        ];
        let v = [
            Violation {
                lint: "constructible_struct_adds_field".into(),
                item: "field Destination.label".into(),
            },
            Violation { lint: "enum_variant_missing".into(), item: "variant Status::Queued".into() },
        ];
        let cmp = compare(&c, &v);
        assert_eq!(
            item_words("Status::Ended moved from position 2 to 1,"),
            vec!["status".to_string(), "ended".to_string()]
        );
        assert_eq!(
            item_words("struct agentdial_semver_probe::builder::GetCall"),
            vec!["getcall".to_string()]
        );
        assert_eq!(
            item_words("field ended_at of struct Call"),
            vec!["endedat".to_string(), "call".to_string()]
        );
        assert_eq!(cmp.agreed.len(), 1);
        assert_eq!(cmp.missed, vec![v[1].clone()]);
        assert_eq!(cmp.wire_only.len(), 1);
        assert_eq!(cmp.unconfirmed, vec!["types::Call.id (field type)".to_string()]);
        assert!(cmp.to_text("t").contains("MISSED    enum_variant_missing `variant Status::Queued`"));
    }
}
