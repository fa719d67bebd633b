//! `cargo xtask`: the maintainers' commands.

use agentdial_build_support::{Manifest, generate_provider};
use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "agentdial maintenance commands")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate every provider crate from specs/providers.toml (or check that it is up to date).
    Generate {
        /// Only this provider.
        #[arg(long)]
        provider: Option<String>,
        /// Write nothing; fail with a diff if any generated file differs from what the specs produce.
        #[arg(long)]
        check: bool,
    },
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Reads a file as text with CRLF normalized (a Windows checkout must not look like drift).
fn read_normalized(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.replace("\r\n", "\n"))
}

/// Writes through a temporary file and a rename, so an interrupted run leaves no half-written file.
fn write_atomic(path: &Path, contents: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("agentdial-tmp");
    std::fs::write(&tmp, contents).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

fn print_diff(path: &Path, old: &str, new: &str) {
    let diff = similar::TextDiff::from_lines(old, new);
    let shown = path.display().to_string();
    print!("{}", diff.unified_diff().context_radius(3).header(&format!("{shown} (checked in)"), &format!("{shown} (generated)")));
}

fn generate(provider: Option<String>, check: bool) -> Result<bool> {
    let root = workspace_root();
    let manifest = Manifest::load(&root)?;
    let providers: Vec<_> = match &provider {
        Some(name) => vec![manifest.provider(name).with_context(|| format!("no provider {name:?} in specs/providers.toml"))?.clone()],
        None => manifest.providers.clone(),
    };
    let started = Instant::now();
    let mut clean = true;
    let mut failures = Vec::new();
    for p in &providers {
        let generated = match generate_provider(&root, p) {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!("{}: {e:#}", p.name));
                continue;
            }
        };
        let mut changed = Vec::new();
        for (rel, contents) in &generated.scaffold {
            let path = root.join(rel);
            if !path.exists() {
                if check {
                    println!("missing: {} (run `cargo xtask generate` to create the crate)", rel.display());
                    clean = false;
                } else {
                    write_atomic(&path, contents)?;
                    changed.push(format!("created {}", rel.display()));
                }
            }
        }
        for (rel, contents) in &generated.files {
            let path = root.join(rel);
            let current = read_normalized(&path);
            if current.as_deref() == Some(contents.as_str()) {
                continue;
            }
            if check {
                clean = false;
                println!("out of date: {}", rel.display());
                print_diff(rel, current.as_deref().unwrap_or(""), contents);
            } else {
                write_atomic(&path, contents)?;
                changed.push(format!("wrote {}", rel.display()));
            }
        }
        let fired = generated.report.entries.len();
        let status = if check {
            if changed.is_empty() { "up to date".to_owned() } else { String::new() }
        } else if changed.is_empty() {
            "unchanged".to_owned()
        } else {
            changed.join(", ")
        };
        eprintln!("{:<14} {:>6.0} ms  {fired:>3} transformation entries  {status}", p.name, generated.elapsed.as_secs_f64() * 1000.0);
    }
    eprintln!("{} provider(s) in {:.2} s", providers.len(), started.elapsed().as_secs_f64());
    if !failures.is_empty() {
        bail!("generation failed:\n  {}", failures.join("\n  "));
    }
    Ok(clean)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate { provider, check } => generate(provider, check).map(|clean| {
            if !clean {
                eprintln!("error: generated files are out of date relative to specs/; run `cargo xtask generate` and review the diff");
            }
            clean
        }),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
