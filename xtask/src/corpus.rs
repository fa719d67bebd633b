//! `cargo xtask corpus`: every document of `tests/corpus/corpus.toml` (or of `--set DIR`'s
//! `corpus.toml`) generated into a scratch
//! crate of one scratch workspace (one shared target directory, dependencies resolved offline from
//! this workspace's Cargo.lock) and checked with `cargo check`.

use agentdial_build_support::generate::{GeneratedProvider, Layout, generate_in};
use agentdial_build_support::{Manifest, Provider, Report};
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Options of `cargo xtask corpus`.
pub struct Options {
    /// Only these documents (all when empty).
    pub docs: Vec<String>,
    /// Generate only; do not run `cargo check`.
    pub no_check: bool,
    /// The scratch directory (default: `<target>/corpus`).
    pub dir: Option<PathBuf>,
    /// The set of documents: a directory, relative to the workspace root, holding `corpus.toml`
    /// and the documents it lists (default: `tests/corpus`).
    pub set: Option<PathBuf>,
    /// Fail when any operation is skipped or any schema untyped (not only when a document does not
    /// generate or check).
    pub complete: bool,
}

/// What happened to one document.
struct Outcome {
    name: String,
    spec_bytes: u64,
    operations: usize,
    schemas: usize,
    generated: Option<Generated>,
    check: Option<Checked>,
    /// A crate split by tag is also checked with no feature and with its first feature alone.
    feature_checks: Vec<(String, Checked)>,
    /// Its features, when split.
    features: Vec<String>,
    error: Option<String>,
}

struct Generated {
    operations: usize,
    typed: usize,
    skipped: Vec<(String, String)>,
    untyped_schemas: Vec<(String, String)>,
    lines: usize,
    elapsed: Duration,
    phases: String,
    transformations: BTreeMap<&'static str, usize>,
}

struct Checked {
    ok: bool,
    elapsed: Duration,
    peak_rss_kib: Option<u64>,
}

fn count_operations(document: &Value) -> usize {
    document
        .get("paths")
        .and_then(Value::as_object)
        .map(|paths| {
            paths
                .values()
                .filter_map(Value::as_object)
                .map(|item| {
                    item.keys()
                        .filter(|k| agentdial_build_support::visit::METHODS.contains(&k.as_str()))
                        .count()
                })
                .sum()
        })
        .unwrap_or(0)
}

fn count_schemas(document: &Value) -> usize {
    // Swagger 2.0 keeps them in `definitions`.
    ["/components/schemas", "/definitions"]
        .iter()
        .find_map(|p| document.pointer(p).and_then(Value::as_object))
        .map_or(0, |s| s.len())
}

fn summarize(generated: &GeneratedProvider, report: &Report) -> Generated {
    let text = &generated.files[0].1;
    let skipped: Vec<(String, String)> =
        report.of("skip_failing_operations").map(|e| (e.pointer.clone(), e.change.clone())).collect();
    let untyped_schemas: Vec<(String, String)> =
        report.of("untype_failing_schemas").map(|e| (e.pointer.clone(), e.change.clone())).collect();
    let mut transformations = BTreeMap::new();
    for e in &report.entries {
        *transformations.entry(e.transformation).or_insert(0) += 1;
    }
    // What was generated, counted in the code: one builder `send()` per operation, documented
    // "Sends a `METHOD` request to `PATH`" (an operation the generator leaves out without a word
    // would otherwise count as generated).
    let operations = text.lines().filter(|l| l.trim_start().starts_with("///Sends a `")).count();
    Generated {
        operations,
        typed: generated.typed_operations,
        skipped,
        untyped_schemas,
        lines: text.lines().count(),
        elapsed: generated.elapsed,
        phases: generated.phases.summary(),
        transformations,
    }
}

pub fn run(root: &Path, options: &Options) -> Result<bool> {
    let set = options.set.clone().unwrap_or_else(|| PathBuf::from("tests").join("corpus"));
    let manifest_path = set.join("corpus.toml");
    let manifest = Manifest::load_file(&root.join(&manifest_path))?;
    let docs: Vec<Provider> = if options.docs.is_empty() {
        manifest.providers.clone()
    } else {
        options
            .docs
            .iter()
            .map(|name| {
                manifest
                    .provider(name)
                    .cloned()
                    .with_context(|| format!("no document {name:?} in {}", manifest_path.display()))
            })
            .collect::<Result<_>>()?
    };
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let dir = options.dir.clone().unwrap_or_else(|| target.join("corpus"));
    let workspace = dir.join("workspace");
    let crates = workspace.join("crates");
    let layout = Layout {
        specs: set.clone(),
        crates: crates.clone(),
        manifest: manifest_path.clone(),
        core_path: root.join("crates").join("core").to_string_lossy().into_owned(),
    };
    let mut outcomes = Vec::new();
    for doc in &docs {
        let spec_path = root.join(&layout.specs).join(&doc.spec);
        let spec_bytes = std::fs::metadata(&spec_path).map(|m| m.len()).unwrap_or(0);
        let original = agentdial_build_support::load_spec(&spec_path, None).map(|l| l.document).ok();
        let mut outcome = Outcome {
            name: doc.name.clone(),
            spec_bytes,
            operations: original.as_ref().map_or(0, count_operations),
            schemas: original.as_ref().map_or(0, count_schemas),
            generated: None,
            check: None,
            feature_checks: Vec::new(),
            features: Vec::new(),
            error: None,
        };
        let crate_dir = crates.join(&doc.name);
        let _ = std::fs::remove_dir_all(&crate_dir);
        eprintln!("{}: generating from {}", doc.name, layout.origin(doc));
        match generate_in(root, &layout, doc) {
            Ok(generated) => {
                for (path, text) in generated.files.iter().chain(&generated.scaffold) {
                    write(path, text)?;
                }
                outcome.generated = Some(summarize(&generated, &generated.report));
                outcome.features = features_of(&generated);
            }
            Err(e) => outcome.error = Some(format!("{e:#}")),
        }
        outcomes.push(outcome);
    }
    if !options.no_check {
        let generated: Vec<&str> =
            outcomes.iter().filter(|o| o.generated.is_some()).map(|o| o.name.as_str()).collect();
        if !generated.is_empty() {
            write_workspace(root, &workspace, &generated)?;
            check_all(root, &workspace, &dir.join("target"), &mut outcomes)?;
        }
    }
    print!("{}", render(&outcomes, !options.no_check));
    let complete = |o: &Outcome| {
        !options.complete
            || o.generated.as_ref().is_some_and(|g| {
                g.skipped.is_empty() && g.untyped_schemas.is_empty() && g.operations == o.operations
            })
    };
    let ok =
        outcomes.iter().all(|o| o.error.is_none() && o.check.as_ref().is_none_or(|c| c.ok) && complete(o));
    if !outcomes.iter().all(complete) {
        eprintln!(
            "--complete: an operation was skipped or not generated, or a schema left untyped (listed above)"
        );
    }
    Ok(ok)
}

/// The cargo features of a crate split by tag (none when it is not split).
fn features_of(generated: &GeneratedProvider) -> Vec<String> {
    generated.tag_features.keys().cloned().collect()
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// The scratch workspace: this workspace's `[workspace.package]`, `[workspace.dependencies]` and
/// profiles, one member per generated document, and a copy of its Cargo.lock.
fn write_workspace(root: &Path, workspace: &Path, members: &[&str]) -> Result<()> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).context("reading Cargo.toml")?;
    let ours: toml::Table = toml::from_str(&text).context("parsing Cargo.toml")?;
    let mut ws = toml::Table::new();
    let mut table = toml::Table::new();
    table.insert("resolver".into(), "3".into());
    table.insert(
        "members".into(),
        toml::Value::Array(members.iter().map(|m| toml::Value::String(format!("crates/{m}"))).collect()),
    );
    for key in ["package", "dependencies"] {
        if let Some(v) = ours.get("workspace").and_then(|w| w.get(key)) {
            table.insert(key.into(), v.clone());
        }
    }
    ws.insert("workspace".into(), toml::Value::Table(table));
    if let Some(profile) = ours.get("profile") {
        ws.insert("profile".into(), profile.clone());
    }
    let header =
        "# @generated by `cargo xtask corpus`: a scratch workspace, one crate per corpus document.\n";
    write(&workspace.join("Cargo.toml"), &format!("{header}{}", toml::to_string(&ws)?))?;
    std::fs::copy(root.join("Cargo.lock"), workspace.join("Cargo.lock")).context("copying Cargo.lock")?;
    Ok(())
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs `cargo check` in the scratch workspace; returns success, wall time and the peak resident
/// memory of the biggest process in the tree (rustc).
fn timed_check(workspace: &Path, target: &Path, package: &str, extra: &[&str]) -> Result<Checked> {
    let mut command = Command::new(cargo());
    command
        .current_dir(workspace)
        .args(["check", "--offline", "--quiet", "-p", package])
        .args(extra)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0");
    let started = Instant::now();
    let (ok, peak_rss_kib) = crate::rusage::run_measured(&mut command)
        .with_context(|| format!("running cargo check -p {package}"))?;
    Ok(Checked { ok, elapsed: started.elapsed(), peak_rss_kib })
}

fn check_all(root: &Path, workspace: &Path, target: &Path, outcomes: &mut [Outcome]) -> Result<()> {
    eprintln!("dependencies: cargo check -p agentdial-core (shared by every corpus crate)");
    let deps = timed_check(workspace, target, "agentdial-core", &[])?;
    if !deps.ok {
        bail!("cargo check of the dependencies failed in {}", workspace.display());
    }
    eprintln!("dependencies checked in {:.1} s", deps.elapsed.as_secs_f64());
    verify_lock(root, workspace)?;
    for outcome in outcomes.iter_mut().filter(|o| o.generated.is_some()) {
        let package = format!("agentdial-{}", outcome.name);
        eprintln!("{}: cargo check -p {package}", outcome.name);
        let checked = timed_check(workspace, target, &package, &[])?;
        if !checked.ok {
            outcome.error.get_or_insert_with(|| format!("cargo check -p {package} failed (output above)"));
        }
        outcome.check = Some(checked);
        if let Some(first) = outcome.features.first().cloned() {
            for (label, extra) in [
                ("no features".to_owned(), vec!["--no-default-features"]),
                (format!("only `{first}`"), vec!["--no-default-features", "--features", first.as_str()]),
            ] {
                eprintln!("{}: cargo check -p {package} {}", outcome.name, extra.join(" "));
                let checked = timed_check(workspace, target, &package, &extra)?;
                if !checked.ok {
                    outcome.error.get_or_insert_with(|| {
                        format!("cargo check -p {package} {} failed (output above)", extra.join(" "))
                    });
                }
                outcome.feature_checks.push((label, checked));
            }
        }
    }
    Ok(())
}

/// Every registry package the scratch workspace resolved must be in this workspace's Cargo.lock at
/// the same version: the corpus crates build from exactly the dependency tree CI already built.
fn verify_lock(root: &Path, workspace: &Path) -> Result<()> {
    let packages = |path: &Path| -> Result<Vec<(String, String, bool)>> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let lock: toml::Table =
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        Ok(lock
            .get("package")
            .and_then(|p| p.as_array())
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let name = p.get("name")?.as_str()?.to_owned();
                let version = p.get("version")?.as_str()?.to_owned();
                Some((name, version, p.get("source").is_some()))
            })
            .collect())
    };
    let ours = packages(&root.join("Cargo.lock"))?;
    let scratch = packages(&workspace.join("Cargo.lock"))?;
    let foreign: Vec<String> = scratch
        .iter()
        .filter(|(_, _, registry)| *registry)
        .filter(|(n, v, _)| !ours.iter().any(|(on, ov, _)| on == n && ov == v))
        .map(|(n, v, _)| format!("{n} {v}"))
        .collect();
    if !foreign.is_empty() {
        bail!("the corpus workspace resolved packages that are not in Cargo.lock: {}", foreign.join(", "));
    }
    Ok(())
}

fn render(outcomes: &[Outcome], checked: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n| document | bytes | ops | generated | typed | skipped | schemas | untyped | gen (s) | check (s) | peak MiB | lines | result |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let (mut ops, mut gen_ops, mut typed) = (0, 0, 0);
    for o in outcomes {
        ops += o.operations;
        let g = o.generated.as_ref();
        gen_ops += g.map_or(0, |g| g.operations);
        typed += g.map_or(0, |g| g.typed);
        let cell = |f: &dyn Fn(&Generated) -> String| g.map_or("—".to_owned(), f);
        let (check_s, peak) = match &o.check {
            Some(c) => (
                format!("{:.1}", c.elapsed.as_secs_f64()),
                c.peak_rss_kib.map_or("?".into(), |k| format!("{}", k / 1024)),
            ),
            None => ("—".into(), "—".into()),
        };
        let result = match (&o.error, &o.check) {
            (Some(_), _) => "FAILED",
            (None, Some(_)) => "ok",
            (None, None) if checked => "not checked",
            (None, None) => "generated",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {check_s} | {peak} | {} | {result} |",
            o.name,
            o.spec_bytes,
            o.operations,
            cell(&|g| g.operations.to_string()),
            cell(&|g| g.typed.to_string()),
            cell(&|g| g.skipped.len().to_string()),
            o.schemas,
            cell(&|g| g.untyped_schemas.len().to_string()),
            cell(&|g| format!("{:.2}", g.elapsed.as_secs_f64())),
            cell(&|g| g.lines.to_string()),
        );
    }
    let pct = |n: usize| if ops == 0 { 0.0 } else { n as f64 * 100.0 / ops as f64 };
    let _ = writeln!(
        out,
        "\n{gen_ops} of {ops} operations generated ({:.1} %), {typed} with typed bodies ({:.1} %)",
        pct(gen_ops),
        pct(typed)
    );
    for o in outcomes {
        if let Some(g) = &o.generated {
            let fired: Vec<String> = g.transformations.iter().map(|(t, n)| format!("{t} ×{n}")).collect();
            let _ = writeln!(
                out,
                "\n{}: generation {:.2} s ({}); transformations: {}",
                o.name,
                g.elapsed.as_secs_f64(),
                g.phases,
                if fired.is_empty() { "none".into() } else { fired.join(", ") }
            );
            if !o.features.is_empty() {
                let _ = writeln!(out, "  {} cargo features, one per tag (all default)", o.features.len());
            }
            for (label, c) in &o.feature_checks {
                let _ = writeln!(
                    out,
                    "  cargo check with {label}: {:.1} s, peak {} MiB{}",
                    c.elapsed.as_secs_f64(),
                    c.peak_rss_kib.map_or("?".into(), |k| (k / 1024).to_string()),
                    if c.ok { "" } else { ", FAILED" }
                );
            }
            for (ptr, why) in &g.skipped {
                let _ = writeln!(out, "  skipped operation `{ptr}`: {why}");
            }
            for (ptr, why) in &g.untyped_schemas {
                let _ = writeln!(out, "  schema as serde_json::Value `{ptr}`: {why}");
            }
        }
        if let Some(e) = &o.error {
            let _ = writeln!(out, "\n{}: FAILED: {e}", o.name);
        }
    }
    out
}
