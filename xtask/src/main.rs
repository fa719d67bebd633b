//! `cargo xtask`: the maintainers' commands.

mod corpus;
mod rusage;

use agentdial_build_support::Manifest;
use agentdial_build_support::changelog::{self, Changelog, render};
use agentdial_build_support::vendor::{regenerate, vendor};
use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "agentdial maintenance commands")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// How the changelog is printed.
#[derive(Clone, Copy, Default, ValueEnum)]
enum Format {
    /// For a terminal.
    #[default]
    Text,
    /// For a changelog file or a pull request.
    Markdown,
    /// For tooling: an array with one object per changed provider.
    Json,
}

impl From<Format> for changelog::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Text => changelog::Format::Text,
            Format::Markdown => changelog::Format::Markdown,
            Format::Json => changelog::Format::Json,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate every provider crate from specs/providers.toml (or check that it is up to date),
    /// and print what changed for users of each crate that changed.
    Generate {
        /// Only this provider.
        #[arg(long)]
        provider: Option<String>,
        /// Write nothing; fail with a diff (and its changelog) if any generated file differs from what the specs produce.
        #[arg(long)]
        check: bool,
        /// Changelog format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Replace a provider's vendored spec with FILE (unchanged), update its sha256 in the
    /// manifest, regenerate the crate and print the changelog.
    Vendor {
        /// The provider's name in specs/providers.toml.
        provider: String,
        /// The new document (OpenAPI 3.0 or 3.1, YAML or JSON as the manifest's file name says).
        file: PathBuf,
        /// Also set the provider's `source` in the manifest.
        #[arg(long)]
        source: Option<String>,
        /// Changelog format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        /// Also set the suggested next version in the crate's Cargo.toml (the changelog entry is
        /// always added to its CHANGELOG.md).
        #[arg(long)]
        bump: bool,
    },
    /// Our changelog and cargo-semver-checks side by side, before publishing: for PROVIDER, between
    /// the checked-in crate and what FILE would generate (nothing is written); or between two
    /// documents with --old/--new. Fails if the tool reports a break our changelog misses.
    SemverCheck {
        /// The provider's name in specs/providers.toml (with FILE).
        provider: Option<String>,
        /// The candidate document for PROVIDER.
        file: Option<PathBuf>,
        /// Compare the crates generated from two documents instead.
        #[arg(long, requires = "new", conflicts_with_all = ["provider", "file"])]
        old: Option<PathBuf>,
        #[arg(long, requires = "old")]
        new: Option<PathBuf>,
    },
    /// Time `generate` per provider (in memory, nothing written): min and median of RUNS runs.
    BenchGenerate {
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Generate every document of tests/corpus/corpus.toml into a scratch crate and `cargo check`
    /// it; print per document what was generated, skipped and why, times, memory and lines.
    /// Fails when a document does not generate or check.
    Corpus {
        /// Only this document (repeatable).
        #[arg(long = "doc")]
        docs: Vec<String>,
        /// Generate only, without `cargo check`.
        #[arg(long)]
        no_check: bool,
        /// Scratch directory (default: the target directory's `corpus/`; kept between runs).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Another set of documents: a directory holding its `corpus.toml` (`tests/constructs`).
        #[arg(long)]
        set: Option<PathBuf>,
        /// Fail when any operation is skipped or any schema left untyped.
        #[arg(long)]
        complete: bool,
    },
    /// Dials through one shared client on the multi-thread runtime against the loopback responder
    /// (`examples/throughput.rs`, release build): raw reqwest, provider crate and facade at each
    /// concurrency; prints dials/s, peak memory, their ratios to raw and memory per in-flight dial.
    BenchThroughput {
        /// Dials per run.
        #[arg(long, default_value_t = 10_000)]
        dials: usize,
        /// Dials in flight (repeatable).
        #[arg(long = "in-flight", default_values_t = vec![1, 64, 256])]
        in_flight: Vec<usize>,
        /// Providers (repeatable).
        #[arg(long = "provider", default_values_t = vec!["hmsovereign".to_owned()])]
        providers: Vec<String>,
        /// Runs per combination; the median dials/s and the largest peak memory are printed.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Clean `cargo build -p agentdial` with one provider feature (and a TLS backend) vs the
    /// defaults (all four, aws-lc-rs), each in a fresh target directory; prints the times and their
    /// ratio. Takes minutes.
    BuildCost {
        /// Single-provider builds to measure, as feature lists (a provider and a TLS backend,
        /// `aws-lc-rs` or `ring`; default: altur with each).
        #[arg(long, default_values_t = vec!["altur,aws-lc-rs".to_owned(), "altur,ring".to_owned()])]
        single: Vec<String>,
    },
}

fn bench_generate(runs: usize) -> Result<()> {
    let root = workspace_root();
    let manifest = Manifest::load(&root)?;
    let runs = runs.max(1);
    let mut total_median = 0.0;
    println!("| provider | min (ms) | median (ms) | runs |\n|---|---|---|---|");
    for p in &manifest.providers {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            agentdial_build_support::generate_provider(&root, p)?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        total_median += median;
        println!("| {} | {:.0} | {:.0} | {runs} |", p.name, times[0], median);
    }
    println!("| **all** | | {total_median:.0} | |");
    Ok(())
}

fn bench_throughput(dials: usize, in_flight: &[usize], providers: &[String], runs: usize) -> Result<()> {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(&cargo)
        .current_dir(&root)
        .args(["build", "--quiet", "--locked", "--release", "-p", "agentdial", "--example", "throughput"])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("building the throughput example failed");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let exe = target.join("release").join("examples").join("throughput");
    // One run: (dials/s, peak resident KiB).
    let run = |variant: &str, n: usize, provider: &str| -> Result<(f64, u64)> {
        let out = std::process::Command::new(&exe)
            .args([variant, &n.to_string(), &dials.to_string(), provider])
            .output()
            .with_context(|| format!("running {}", exe.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!("{variant} {n} {provider}: {}{}", text, String::from_utf8_lossy(&out.stderr));
        }
        let field = |k: &str| {
            text.split_whitespace()
                .find_map(|w| w.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| anyhow::anyhow!("no {k} in {text:?}"))
        };
        Ok((field("dials_per_s")?, field("vm_hwm_kib")? as u64))
    };
    const VARIANTS: [&str; 3] = ["raw", "provider", "facade"];
    let runs = runs.max(1);
    println!(
        "| provider | in flight | raw (dials/s) | provider crate | facade | provider / raw | facade / raw | peak RSS raw / provider / facade (MiB) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for provider in providers {
        // (in flight, variant) → (median dials/s, peak KiB)
        let mut results = Vec::new();
        for &n in in_flight {
            // The variants take turns, run after run, so that a slow spell of the shared machine
            // falls on all three instead of on whichever ran during it.
            let mut rates = [(); 3].map(|()| Vec::with_capacity(runs));
            let mut peaks = [0u64; 3];
            for _ in 0..runs {
                for (i, variant) in VARIANTS.iter().enumerate() {
                    let (rate, kib) = run(variant, n, provider)?;
                    rates[i].push(rate);
                    peaks[i] = peaks[i].max(kib);
                }
            }
            let row: Vec<(f64, u64)> = rates
                .into_iter()
                .zip(peaks)
                .map(|(mut rates, peak)| {
                    rates.sort_by(f64::total_cmp);
                    (rates[rates.len() / 2], peak)
                })
                .collect();
            let mib = |k: u64| k as f64 / 1024.0;
            println!(
                "| {provider} | {n} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} | {:.1} / {:.1} / {:.1} |",
                row[0].0,
                row[1].0,
                row[2].0,
                row[1].0 / row[0].0,
                row[2].0 / row[0].0,
                mib(row[0].1),
                mib(row[1].1),
                mib(row[2].1)
            );
            results.push((n, row));
        }
        // Memory per in-flight dial: the peak's growth from the lowest to the highest concurrency.
        if let (Some((lo, lo_row)), Some((hi, hi_row))) =
            (results.iter().min_by_key(|r| r.0), results.iter().max_by_key(|r| r.0))
            && hi > lo
        {
            let per = |i: usize| (hi_row[i].1 as f64 - lo_row[i].1 as f64) / (hi - lo) as f64;
            println!(
                "\n{provider}: memory per in-flight dial (peak growth from {lo} to {hi} in flight): raw {:.1} KiB, provider crate {:.1} KiB, facade {:.1} KiB\n",
                per(0),
                per(1),
                per(2)
            );
        }
    }
    Ok(())
}

fn build_cost(single: &[String]) -> Result<()> {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = |features: &str| -> Result<f64> {
        let target = std::env::temp_dir().join(format!(
            "agentdial-build-cost-{}-{}",
            std::process::id(),
            features.replace(',', "-")
        ));
        let _ = std::fs::remove_dir_all(&target);
        let started = Instant::now();
        let status = std::process::Command::new(&cargo)
            .current_dir(&root)
            .args([
                "build",
                "--quiet",
                "--locked",
                "-p",
                "agentdial",
                "--no-default-features",
                "--features",
                features,
            ])
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .context("running cargo build")?;
        let seconds = started.elapsed().as_secs_f64();
        let _ = std::fs::remove_dir_all(&target);
        if !status.success() {
            bail!("cargo build with features {features} failed");
        }
        eprintln!("clean build, features {features}: {seconds:.1} s");
        Ok(seconds)
    };
    // The default features: all four providers, rustls with aws-lc-rs.
    let all = build("altur,alta,fluents,hmsovereign,aws-lc-rs")?;
    println!("| features | clean build (s) | ratio to all four |\n|---|---|---|");
    for feature in single {
        let t = build(feature)?;
        println!("| {feature} | {t:.1} | {:.2} |", t / all);
    }
    println!("| altur,alta,fluents,hmsovereign,aws-lc-rs (default) | {all:.1} | 1.00 |");
    Ok(())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn print_diff(path: &Path, old: &str, new: &str) {
    let diff = similar::TextDiff::from_lines(old, new);
    let shown = path.display().to_string();
    print!(
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(&format!("{shown} (checked in)"), &format!("{shown} (generated)"))
    );
}

fn print_changelogs(changelogs: &[Changelog], format: Format) {
    if changelogs.is_empty() && !matches!(format, Format::Json) {
        return;
    }
    print!("{}", render(changelogs, format.into()));
}

fn generate(provider: Option<String>, check: bool, format: Format) -> Result<bool> {
    let root = workspace_root();
    let manifest = Manifest::load(&root)?;
    let providers: Vec<_> = match &provider {
        Some(name) => vec![
            manifest
                .provider(name)
                .with_context(|| format!("no provider {name:?} in specs/providers.toml"))?
                .clone(),
        ],
        None => manifest.providers.clone(),
    };
    let started = Instant::now();
    let mut clean = true;
    let mut failures = Vec::new();
    let mut changelogs = Vec::new();
    for p in &providers {
        let regenerated = match regenerate(&root, p) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: {e:#}", p.name));
                continue;
            }
        };
        let status = if check {
            for change in &regenerated.changes {
                clean = false;
                if change.scaffold {
                    println!(
                        "missing: {} (run `cargo xtask generate` to create the crate)",
                        change.path.display()
                    );
                } else {
                    println!("out of date: {}", change.path.display());
                    print_diff(&change.path, change.old.as_deref().unwrap_or(""), &change.new);
                }
            }
            if regenerated.changes.is_empty() { "up to date".to_owned() } else { String::new() }
        } else {
            let done = regenerated.write(&root)?;
            if done.is_empty() { "unchanged".to_owned() } else { done.join(", ") }
        };
        let generated = &regenerated.generated;
        let fired = generated.report.entries.len();
        eprintln!(
            "{:<14} {:>6.0} ms  {fired:>3} transformation entries  {status}",
            p.name,
            generated.elapsed.as_secs_f64() * 1000.0
        );
        if !regenerated.changelog.is_empty() {
            changelogs.push(regenerated.changelog);
        }
    }
    eprintln!("{} provider(s) in {:.2} s", providers.len(), started.elapsed().as_secs_f64());
    print_changelogs(&changelogs, format);
    if !failures.is_empty() {
        bail!("generation failed:\n  {}", failures.join("\n  "));
    }
    Ok(clean)
}

fn vendor_command(
    provider: &str,
    file: &Path,
    source: Option<&str>,
    format: Format,
    bump: bool,
) -> Result<()> {
    let root = workspace_root();
    let started = Instant::now();
    let done = vendor(&root, provider, file, source, bump)?;
    let sha = |s: &str| s.chars().take(12).collect::<String>();
    eprintln!(
        "vendored {} as {} (sha256 {} → {}){}",
        file.display(),
        done.spec.display(),
        sha(&done.old_sha256),
        sha(&done.new_sha256),
        if source.is_some() { ", source updated" } else { "" }
    );
    eprintln!(
        "{}",
        if done.written.is_empty() {
            "generated files unchanged".to_owned()
        } else {
            done.written.join(", ")
        }
    );
    eprintln!(
        "in {:.2} s; review with `cargo test --workspace` and `cargo insta review`",
        started.elapsed().as_secs_f64()
    );
    print!("{}", render(std::slice::from_ref(&done.regeneration.changelog), format.into()));
    Ok(())
}

fn semver_check(
    provider: Option<String>,
    file: Option<PathBuf>,
    old: Option<PathBuf>,
    new: Option<PathBuf>,
) -> Result<bool> {
    use agentdial_build_support::semver;
    use agentdial_build_support::surface::surface_of;
    let root = workspace_root();
    let tool = semver::tool_version()?;
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let (name, version, old_code, new_code) = match (provider, file, old, new) {
        (Some(name), Some(file), None, None) => {
            let manifest = Manifest::load(&root)?;
            let mut p = manifest
                .provider(&name)
                .with_context(|| format!("no provider {name:?} in specs/providers.toml"))?
                .clone();
            let bytes = read(&file)?;
            p.sha256 = agentdial_build_support::load::sha256_hex(&bytes);
            let candidate = agentdial_build_support::vendor::generate_candidate(&root, &p, &bytes)?;
            let generated = candidate
                .files
                .into_iter()
                .next()
                .map(|(_, text)| text)
                .context("generation produced no file")?;
            let dir = root.join("crates").join(&name);
            let checked_in = std::fs::read_to_string(dir.join("src/generated.rs"))
                .with_context(|| format!("reading crates/{name}/src/generated.rs"))?;
            let version = std::fs::read_to_string(dir.join("Cargo.toml"))
                .ok()
                .and_then(|t| t.parse::<toml::Table>().ok())
                .and_then(|t| t.get("package")?.get("version")?.as_str().map(str::to_owned));
            (name, version, checked_in, generated)
        }
        (None, None, Some(old), Some(new)) => {
            let text = |p: &Path| -> Result<String> {
                String::from_utf8(read(p)?).with_context(|| format!("{}: not UTF-8", p.display()))
            };
            let generate = |p: &Path| {
                agentdial_build_support::vendor::generate_from_text(&text(p)?)
                    .with_context(|| format!("generating from {}", p.display()))
            };
            ("fixture".to_owned(), Some("0.1.0".to_owned()), generate(&old)?, generate(&new)?)
        }
        _ => bail!("give PROVIDER FILE, or --old OLD --new NEW"),
    };
    let changelog = Changelog::new(
        &name,
        Some(&surface_of(&old_code)?),
        &surface_of(&new_code)?,
        old_code != new_code,
        version.as_deref(),
    );
    print!("{}", changelog.to_text());
    let started = Instant::now();
    let violations = semver::check(&root, &old_code, &new_code, &semver::target_dir(&root))?;
    let comparison = semver::compare(&changelog, &violations);
    print!("{}", comparison.to_text(&tool));
    eprintln!("cargo-semver-checks took {:.1} s", started.elapsed().as_secs_f64());
    if !comparison.missed.is_empty() {
        eprintln!(
            "error: cargo-semver-checks reports {} break(s) our changelog does not call breaking",
            comparison.missed.len()
        );
    }
    Ok(comparison.missed.is_empty())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate { provider, check, format } => generate(provider, check, format).inspect(|&clean| {
            if !clean {
                eprintln!("error: generated files are out of date relative to specs/; run `cargo xtask generate` and review the diff");
            }
        }),
        Command::Vendor { provider, file, source, format, bump } => vendor_command(&provider, &file, source.as_deref(), format, bump).map(|()| true),
        Command::SemverCheck { provider, file, old, new } => semver_check(provider, file, old, new),
        Command::BenchGenerate { runs } => bench_generate(runs).map(|()| true),
        Command::BenchThroughput { dials, in_flight, providers, runs } => {
            bench_throughput(dials, &in_flight, &providers, runs).map(|()| true)
        }
        Command::BuildCost { single } => build_cost(&single).map(|()| true),
        Command::Corpus { docs, no_check, dir, set, complete } => {
            corpus::run(&workspace_root(), &corpus::Options { docs, no_check, dir, set, complete })
        }
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
