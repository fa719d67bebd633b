//! The type-level changelog (`cargo xtask generate` / `cargo xtask vendor`): fixture pairs of small
//! specs covering each kind of change, `vendor` refusing invalid files without touching anything,
//! and an end-to-end run on a copy of a real vendored spec.
//!
//! Every test works on temporary copies; the repository itself is never written.

use agentdial_build_support::Manifest;
use agentdial_build_support::changelog::{Bump, Changelog, Impact, Kind};
use agentdial_build_support::surface::surface_of;
use agentdial_build_support::vendor::{generate_from_text, regenerate, vendor};
use agentdial_tests::root;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// progenitor's panics are caught by swapping the process-wide panic hook; generation in parallel
/// test threads would race on it, so the tests that generate take turns.
static GENERATION: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    GENERATION.lock().unwrap_or_else(|e| e.into_inner())
}

fn fixture(case: &str, file: &str) -> String {
    let path = root().join("tests/fixtures/changelog").join(case).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The changelog from `case/old.yaml` to `case/new.yaml` (or the reverse), through the whole pipeline.
fn fixture_changelog(case: &str, reverse: bool) -> Changelog {
    let (a, b) = if reverse { ("new.yaml", "old.yaml") } else { ("old.yaml", "new.yaml") };
    let old = generate_from_text(&fixture(case, a)).unwrap_or_else(|e| panic!("{case}/{a}: {e:#}"));
    let new = generate_from_text(&fixture(case, b)).unwrap_or_else(|e| panic!("{case}/{b}: {e:#}"));
    let (old_surface, new_surface) = (surface_of(&old).unwrap(), surface_of(&new).unwrap());
    Changelog::new("fixture", Some(&old_surface), &new_surface, old != new, Some("0.1.0"))
}

type Entries<'a> = Vec<(Kind, &'a str, Impact)>;

fn entries(c: &Changelog) -> Entries<'_> {
    c.entries.iter().map(|e| (e.kind, e.subject.as_str(), e.impact)).collect()
}

use Impact::{Additive, Breaking, WireBreaking};

/// Each fixture pair, forwards and backwards: every kind of change with its breaking/additive mark.
#[test]
fn fixture_pairs() {
    let _turn = serial();
    #[rustfmt::skip]
    let cases: &[(&str, Entries, Entries)] = &[
        ("operations-added-removed",
            vec![(Kind::OperationRemoved, "Client::cancel_call (POST /calls/{id}/cancel)", Breaking),
                 (Kind::OperationAdded, "Client::get_call (GET /calls/{id})", Additive)],
            vec![(Kind::OperationAdded, "Client::cancel_call (POST /calls/{id}/cancel)", Additive),
                 (Kind::OperationRemoved, "Client::get_call (GET /calls/{id})", Breaking)]),
        ("operation-changed",
            vec![(Kind::OperationChanged, "Client::create_call (POST /v2/calls)", WireBreaking), // path
                 (Kind::OperationChanged, "Client::create_call (POST /v2/calls)", Additive), // optional `dry_run`
                 (Kind::OperationChanged, "Client::create_call (POST /v2/calls)", Breaking), // required `region`
                 (Kind::OperationChanged, "Client::create_call (POST /v2/calls)", Breaking), // response type
                 (Kind::TypeAdded, "types::CallAccepted", Additive)],
            vec![(Kind::OperationChanged, "Client::create_call (POST /calls)", WireBreaking),
                 (Kind::OperationChanged, "Client::create_call (POST /calls)", Breaking),
                 (Kind::OperationChanged, "Client::create_call (POST /calls)", Breaking),
                 (Kind::OperationChanged, "Client::create_call (POST /calls)", Breaking),
                 (Kind::TypeRemoved, "types::CallAccepted", Breaking)]),
        ("types-added-removed",
            vec![(Kind::TypeRemoved, "types::Legacy", Breaking), (Kind::TypeAdded, "types::Recording", Additive)],
            vec![(Kind::TypeAdded, "types::Legacy", Additive), (Kind::TypeRemoved, "types::Recording", Breaking)]),
        ("fields-added",
            // Optional on a response type: additive. Required: breaking. Optional on the request body: breaking (struct literals).
            vec![(Kind::FieldAdded, "types::Call.ended_at", Additive),
                 (Kind::FieldAdded, "types::Call.user_id", Breaking),
                 (Kind::FieldAdded, "types::CallRequest.context", Breaking)],
            vec![(Kind::FieldRemoved, "types::Call.ended_at", Breaking),
                 (Kind::FieldRemoved, "types::Call.user_id", Breaking),
                 (Kind::FieldRemoved, "types::CallRequest.context", Breaking)]),
        ("field-removed",
            vec![(Kind::FieldRemoved, "types::Call.note", Breaking)],
            vec![(Kind::FieldAdded, "types::Call.note", Additive)]),
        ("field-required-optional",
            vec![(Kind::FieldRequiredness, "types::Call.id", Breaking), (Kind::FieldRequiredness, "types::Call.note", Breaking)],
            vec![(Kind::FieldRequiredness, "types::Call.id", Breaking), (Kind::FieldRequiredness, "types::Call.note", Breaking)]),
        ("field-nullable",
            vec![(Kind::FieldNullability, "types::Call.id", Breaking)],
            vec![(Kind::FieldNullability, "types::Call.id", Breaking)]),
        ("field-type",
            vec![(Kind::FieldType, "types::Call.id", Breaking)],
            vec![(Kind::FieldType, "types::Call.id", Breaking)]),
        ("enum-variants-added-removed",
            // `Ended` moves with them: its discriminant changes (cargo-semver-checks reports it too).
            vec![(Kind::VariantRemoved, "types::Status::Queued", Breaking), (Kind::VariantAdded, "types::Status::Voicemail", Breaking),
                 (Kind::VariantChanged, "types::Status::Ended", Breaking)],
            vec![(Kind::VariantAdded, "types::Status::Queued", Breaking), (Kind::VariantRemoved, "types::Status::Voicemail", Breaking),
                 (Kind::VariantChanged, "types::Status::Ended", Breaking)]),
        ("unchanged-surface", vec![], vec![]),
        ("shared-type-field",
            // Sent and received: exhaustive, so even an optional field is breaking.
            vec![(Kind::FieldAdded, "types::Destination.label", Breaking)],
            vec![(Kind::FieldRemoved, "types::Destination.label", Breaking)]),
        ("parameter-wire",
            // Same Rust parameters, other wire names / locations: the Rust API is unchanged.
            vec![(Kind::OperationChanged, "Client::list_calls (GET /calls)", WireBreaking),
                 (Kind::OperationChanged, "Client::list_calls (GET /calls)", WireBreaking)],
            vec![(Kind::OperationChanged, "Client::list_calls (GET /calls)", WireBreaking),
                 (Kind::OperationChanged, "Client::list_calls (GET /calls)", WireBreaking)]),
        ("json-name",
            vec![(Kind::FieldJsonName, "types::Call.call_id", WireBreaking)],
            vec![(Kind::FieldJsonName, "types::Call.call_id", WireBreaking)]),
    ];
    let dirs: Vec<String> = std::fs::read_dir(root().join("tests/fixtures/changelog"))
        .unwrap()
        .map(|d| d.unwrap().file_name().into_string().unwrap())
        .collect();
    for dir in &dirs {
        assert!(
            cases.iter().any(|(case, ..)| case == dir),
            "tests/fixtures/changelog/{dir} has no expectations here"
        );
    }
    for (case, forwards, backwards) in cases {
        for (reverse, expected) in [(false, forwards), (true, backwards)] {
            let c = fixture_changelog(case, reverse);
            let direction = if reverse { "new → old" } else { "old → new" };
            assert_eq!(&entries(&c), expected, "{case} ({direction}):\n{}", c.to_text());
            let bump = if expected.iter().any(|e| e.2 != Additive) {
                Bump::Major
            } else if !expected.is_empty() {
                Bump::Minor
            } else {
                Bump::Patch // documentation changed, the type surface did not
            };
            assert_eq!(c.bump, bump, "{case} ({direction})");
        }
    }

    // Details say what changed and why it breaks.
    let c = fixture_changelog("operation-changed", false);
    let details: Vec<&str> = c.entries.iter().map(|e| e.detail.as_str()).collect();
    assert!(details[0].starts_with("endpoint POST /calls → POST /v2/calls"), "{details:#?}");
    assert_eq!(details[1], "optional parameter `dry_run: Option<bool>` added");
    assert!(details[2].starts_with("required parameter `region: String` added"), "{details:#?}");
    assert_eq!(
        details[3],
        "success type `ResponseValue<types::Call>` → `ResponseValue<types::CallAccepted>`"
    );
    let c = fixture_changelog("field-type", false);
    assert_eq!(c.entries[0].detail, "type `String` → `i64`");
    let c = fixture_changelog("enum-variants-added-removed", false);
    assert!(
        c.entries[1].detail.contains("an exhaustive `match` on `Status` must handle it"),
        "{}",
        c.entries[1].detail
    );
    assert_eq!(
        (
            c.next_version.as_deref(),
            c.to_text().contains("0.x, where a breaking change bumps the minor version")
        ),
        (Some("0.2.0"), true)
    );
}

/// A temporary workspace root, removed on drop.
struct TempRoot(PathBuf);

impl TempRoot {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("agentdial-changelog-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempRoot(dir)
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    }
}

/// A temporary workspace root holding copies of the manifest, Fluents' vendored spec and its crate.
fn workspace_copy(name: &str) -> TempRoot {
    let tmp = TempRoot::new(name);
    for rel in ["specs/providers.toml", "specs/fluents.yaml", "crates/fluents"] {
        copy_tree(&root().join(rel), &tmp.0.join(rel));
    }
    tmp
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.insert(path.strip_prefix(base).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// `vendor` refuses what is not an OpenAPI 3.0/3.1 document it can generate from, and leaves
/// every file (spec, manifest, generated code) byte-identical, with no temporary file behind.
#[test]
fn vendor_refuses_invalid_files_and_changes_nothing() {
    let _turn = serial();
    let tmp = workspace_copy("invalid");
    let incoming = TempRoot::new("invalid-incoming");
    let before = snapshot(&tmp.0);
    let cases: &[(&str, &str, &str)] = &[
        ("fluents.yaml", "openapi: [3.0.0\n  paths: {\n", "invalid YAML"),
        ("fluents.yaml", "title: a list of calls\ncalls: [1, 2]\n", "not an OpenAPI document"),
        (
            "fluents.yaml",
            "swagger: '1.2'\ninfo:\n  title: Old\n  version: '1'\npaths: {}\n",
            "only Swagger 2.0 and OpenAPI 3.0.x/3.1.x documents are supported",
        ),
        (
            "fluents.yaml",
            "openapi: 2.0.0\ninfo:\n  title: Old\n  version: '1'\npaths: {}\n",
            "unsupported OpenAPI version",
        ),
        (
            "fluents.yaml",
            // (An operation the generator fails on is skipped and reported, not refused: see
            // skip_failing_operations. A document-level defect is still refused.)
            "openapi: 3.0.3\ninfo:\n  title: Broken\n  version: '1'\nsecurity:\n- nowhere: []\npaths: {}\n",
            "cannot generate a crate from it",
        ),
        (
            "fluents.json",
            "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"J\", \"version\": \"1\"}, \"paths\": {}}",
            "is JSON, but the manifest vendors fluents as specs/fluents.yaml (YAML)",
        ),
    ];
    for (name, contents, expected) in cases {
        let file = incoming.0.join(name);
        std::fs::write(&file, contents).unwrap();
        let error = format!("{:#}", vendor(&tmp.0, "fluents", &file, None, true).expect_err(expected));
        assert!(error.contains(expected), "expected {expected:?} in: {error}");
        assert!(error.contains("specs/fluents.yaml is unchanged"), "{error}");
        assert!(snapshot(&tmp.0) == before, "vendoring {name} ({expected}) changed the workspace copy");
    }
    let file = incoming.0.join("fluents.yaml");
    std::fs::write(&file, fixture("field-type", "new.yaml")).unwrap();
    let error = format!("{:#}", vendor(&tmp.0, "nobody", &file, None, true).unwrap_err());
    assert!(error.contains("no provider \"nobody\""), "{error}");
    assert!(snapshot(&tmp.0) == before);
}

/// A copy of the real Fluents spec with one field removed and one enum variant added, vendored
/// into a copy of the workspace: the changelog says exactly that.
#[test]
fn vendor_end_to_end_on_a_real_spec() {
    let _turn = serial();
    let tmp = workspace_copy("e2e");
    let incoming = TempRoot::new("e2e-incoming");
    // Bring the copy up to date with the pipeline first, so that the changelog shows the spec edit only.
    let manifest = Manifest::load(&tmp.0).unwrap();
    regenerate(&tmp.0, manifest.provider("fluents").unwrap()).unwrap().write(&tmp.0).unwrap();

    let spec = std::fs::read_to_string(tmp.0.join("specs/fluents.yaml")).unwrap();
    let removed =
        "        transcript:\n          type: string\n          example: Hello, this is a transcript\n";
    let statuses = "            - error\n            - ended\n";
    assert_eq!(
        (spec.matches(removed).count(), spec.matches(statuses).count()),
        (1, 1),
        "specs/fluents.yaml changed; update this test"
    );
    let edited = spec
        .replace(removed, "")
        .replace(statuses, "            - error\n            - ended\n            - voicemail\n");
    let file = incoming.0.join("fluents.yaml");
    std::fs::write(&file, &edited).unwrap();
    let manifest_before = std::fs::read_to_string(tmp.0.join("specs/providers.toml")).unwrap();

    let changelog_before = std::fs::read_to_string(tmp.0.join("crates/fluents/CHANGELOG.md")).unwrap();
    let done = vendor(&tmp.0, "fluents", &file, Some("https://docs.fluents.ai/openapi.yml"), true).unwrap();
    let changelog = &done.regeneration.changelog;
    println!("{}", changelog.to_text());
    println!("{}", changelog.to_markdown());
    assert_eq!(
        entries(changelog),
        vec![
            (Kind::FieldRemoved, "types::CallDto.transcript", Breaking),
            (Kind::VariantAdded, "types::CallDtoStatus::Voicemail", Breaking),
        ]
    );
    assert_eq!(
        (changelog.bump, changelog.version.as_deref(), changelog.next_version.as_deref()),
        (Bump::Major, Some("0.1.0"), Some("0.2.0"))
    );

    // The spec is the file, byte for byte; the manifest changed in the two lines and nowhere else.
    assert_eq!(std::fs::read_to_string(tmp.0.join("specs/fluents.yaml")).unwrap(), edited);
    let old_source = Manifest::load(&root()).unwrap().provider("fluents").unwrap().source.clone();
    let expected_manifest = manifest_before
        .replace(&done.old_sha256, &done.new_sha256)
        .replace(&format!("source = \"{old_source}\""), "source = \"https://docs.fluents.ai/openapi.yml\"");
    assert_eq!(std::fs::read_to_string(tmp.0.join("specs/providers.toml")).unwrap(), expected_manifest);
    // The generated code is what `generate` produces from the new state: nothing left to regenerate.
    let manifest = Manifest::load(&tmp.0).unwrap();
    let again = regenerate(&tmp.0, manifest.provider("fluents").unwrap()).unwrap();
    assert!(
        again.changes.is_empty() && again.changelog.is_empty(),
        "{:?}",
        again.changes.iter().map(|c| &c.path).collect::<Vec<_>>()
    );
    let generated = std::fs::read_to_string(tmp.0.join("crates/fluents/src/generated.rs")).unwrap();
    assert!(generated.contains("Voicemail") && !generated.contains("pub transcript"));
    assert!(done.written.iter().any(|w| w == "wrote crates/fluents/src/generated.rs"), "{:?}", done.written);

    // `--bump`: the changelog entry under the next version, above the earlier ones, and the version.
    let log = std::fs::read_to_string(tmp.0.join("crates/fluents/CHANGELOG.md")).unwrap();
    let (intro, rest) = changelog_before.split_once("\n## ").unwrap();
    assert!(log.starts_with(intro), "{log}");
    let new_section = log.find("## 0.2.0\n").expect("a 0.2.0 section");
    assert!(new_section < log.find("## 0.1.0").unwrap(), "{log}");
    assert!(log.contains("- **breaking** · field removed · `types::CallDto.transcript`"), "{log}");
    assert!(log.ends_with(&format!("## {rest}")), "the earlier entries are kept as they were:\n{log}");
    let cargo = std::fs::read_to_string(tmp.0.join("crates/fluents/Cargo.toml")).unwrap();
    assert!(cargo.contains("\nversion = \"0.2.0\"\n") && !cargo.contains("\"0.1.0\"\n"), "{cargo}");
    assert!(
        done.written.iter().any(|w| w == "bumped crates/fluents/Cargo.toml 0.1.0 → 0.2.0"),
        "{:?}",
        done.written
    );
}
