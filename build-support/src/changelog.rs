//! What a spec update changes for users of a provider crate.
//!
//! The changelog is computed from the structured type surface ([`Surface`], the model the insta
//! snapshots render), never from a text diff: the surface read from the checked-in
//! `crates/<name>/src/generated.rs` is compared with the surface of the freshly generated code.
//! Every [`Entry`] is marked [`Impact::Breaking`] or [`Impact::Additive`] for users of the crate,
//! and the whole gets a suggested [`Bump`].
//!
//! Rules (see [`diff`]):
//!
//! - an operation or type that appears is additive; one that disappears is breaking;
//! - a field added as required is breaking (values must now carry it). A field added as optional
//!   is additive, unless its type is sent in requests (reachable from an operation's parameters):
//!   typify's structs are plain structs, so a struct literal `T { .. }` written by a user stops
//!   compiling when any field is added (`T::builder()` keeps working);
//! - a removed field, variant or operation is breaking; a changed Rust type is breaking;
//! - required ↔ optional is breaking whenever the Rust type changes (`T` ↔ `Option<T>`), and
//!   optional → required is always breaking; required → optional with the type unchanged is additive;
//! - a variant added to an enum is breaking: typify enums are not `#[non_exhaustive]`, so an
//!   exhaustive `match` stops compiling;
//! - an operation moving to another method or path keeps its Rust signature but is reported as
//!   breaking, so that it is reviewed; a parameter turning optional is additive (its setter is
//!   unchanged), one turning required or appearing as required is breaking (`send()` fails without it).
//!
//! The provider crates are 0.x: a breaking change ([`Bump::Major`]) bumps the minor version
//! (0.1.0 → 0.2.0) and an additive one ([`Bump::Minor`]) the patch version (0.1.0 → 0.1.1).
//!
//! The workflow around it (regenerating a provider, `cargo xtask vendor`) is in [`crate::vendor`].

use crate::surface::{Field, Operation, Param, Surface, TypeDef, TypeKind, UnknownFields, Variant};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What kind of change an [`Entry`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    OperationAdded,
    OperationRemoved,
    /// Method or path, a parameter (added, removed, its type or requiredness), or a result type.
    OperationChanged,
    TypeAdded,
    TypeRemoved,
    /// A type changed kind (struct, enum, newtype, alias), or a newtype's / alias's target changed.
    TypeChanged,
    /// A struct started or stopped denying unknown JSON fields.
    TypeStrictness,
    FieldAdded,
    FieldRemoved,
    /// Required ↔ optional.
    FieldRequiredness,
    /// May or may not be `null` (the Rust type gains or loses `Option`).
    FieldNullability,
    FieldType,
    /// Same Rust field, different JSON name.
    FieldJsonName,
    /// How an enum is represented in JSON changed (e.g. string → untagged).
    EnumRepresentation,
    VariantAdded,
    VariantRemoved,
    /// A variant's payload or JSON name changed.
    VariantChanged,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::OperationAdded => "operation added",
            Kind::OperationRemoved => "operation removed",
            Kind::OperationChanged => "operation changed",
            Kind::TypeAdded => "type added",
            Kind::TypeRemoved => "type removed",
            Kind::TypeChanged => "type changed",
            Kind::TypeStrictness => "unknown fields",
            Kind::FieldAdded => "field added",
            Kind::FieldRemoved => "field removed",
            Kind::FieldRequiredness => "required/optional",
            Kind::FieldNullability => "nullability",
            Kind::FieldType => "field type",
            Kind::FieldJsonName => "field JSON name",
            Kind::EnumRepresentation => "enum representation",
            Kind::VariantAdded => "variant added",
            Kind::VariantRemoved => "variant removed",
            Kind::VariantChanged => "variant changed",
        }
    }
}

/// What a change means for code that uses the crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// Code that compiled (or data that parsed) against the previous version may not any more.
    Breaking,
    /// The Rust API is unchanged (it still compiles; cargo-semver-checks sees nothing), but what goes
    /// over the wire is not: a renamed JSON field or query parameter, a parameter moved between path,
    /// query and header, another endpoint. Existing callers break at run time. Bumped like breaking.
    WireBreaking,
    /// Only new things; existing code keeps compiling and behaving the same.
    Additive,
}

impl Impact {
    pub fn label(self) -> &'static str {
        match self {
            Impact::Breaking => "breaking",
            Impact::WireBreaking => "wire-breaking",
            Impact::Additive => "additive",
        }
    }
}

/// The semver category of a changelog. The provider crates are 0.x, where Cargo treats the minor
/// version as the compatibility boundary: `Major` is published as a minor bump, `Minor` as a patch bump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bump {
    /// Something breaking.
    Major,
    /// Additions only.
    Minor,
    /// Generated files changed, the type surface did not (documentation, spec constants).
    Patch,
    /// Nothing changed.
    None,
}

impl Bump {
    pub fn label(self) -> &'static str {
        match self {
            Bump::Major => "major",
            Bump::Minor => "minor",
            Bump::Patch => "patch",
            Bump::None => "none",
        }
    }

    /// The version to publish after `version` (plain `x.y.z`; `None` for anything else).
    pub fn apply(self, version: &str) -> Option<String> {
        let mut parts = version.split('.').map(|p| p.parse::<u64>().ok());
        let (Some(Some(major)), Some(Some(minor)), Some(Some(patch)), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        Some(match (self, major) {
            (Bump::None, _) => version.to_owned(),
            (Bump::Major, 0) => format!("0.{}.0", minor + 1),
            (Bump::Major, m) => format!("{}.0.0", m + 1),
            (Bump::Minor, 0) | (Bump::Patch, _) => format!("{major}.{minor}.{}", patch + 1),
            (Bump::Minor, m) => format!("{m}.{}.0", minor + 1),
        })
    }
}

/// One change, as users of the crate see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub kind: Kind,
    /// `Client::start_call (POST /call)`, `types::CallDto`, `types::CallDto.status`, `types::Status::Ended`.
    pub subject: String,
    /// What changed and, for a breaking change, why it breaks.
    pub detail: String,
    pub impact: Impact,
}

/// Every change regeneration makes to one provider crate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changelog {
    pub provider: String,
    pub crate_name: String,
    /// The crate's version before the change (from its Cargo.toml), when known.
    pub version: Option<String>,
    /// `version` with `bump` applied.
    pub next_version: Option<String>,
    pub bump: Bump,
    /// There was no previous generated code to compare with: everything is new.
    pub new_crate: bool,
    /// Some generated file differs from the checked-in one.
    pub code_changed: bool,
    pub entries: Vec<Entry>,
}

impl Changelog {
    /// Compares `previous` (the checked-in surface; `None` for a crate not generated before) with `current`.
    pub fn new(
        provider: &str,
        previous: Option<&Surface>,
        current: &Surface,
        code_changed: bool,
        version: Option<&str>,
    ) -> Self {
        let empty = Surface { types: Vec::new(), operations: Vec::new() };
        let entries = diff(previous.unwrap_or(&empty), current);
        let bump = if previous.is_none() {
            Bump::None
        } else if entries.iter().any(|e| e.impact != Impact::Additive) {
            Bump::Major
        } else if !entries.is_empty() {
            Bump::Minor
        } else if code_changed {
            Bump::Patch
        } else {
            Bump::None
        };
        Changelog {
            provider: provider.to_owned(),
            crate_name: format!("agentdial-{provider}"),
            version: version.map(str::to_owned),
            next_version: version.and_then(|v| bump.apply(v)),
            bump,
            new_crate: previous.is_none(),
            code_changed,
            entries,
        }
    }

    /// Nothing to report: no generated file differs.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && !self.code_changed
    }

    pub fn count(&self, impact: Impact) -> usize {
        self.entries.iter().filter(|e| e.impact == impact).count()
    }

    /// The suggested bump, in words.
    pub fn bump_sentence(&self) -> String {
        let version = self.version.as_deref().unwrap_or("?");
        let next = self.next_version.as_deref().unwrap_or("?");
        let zero = self.version.as_deref().is_some_and(|v| v.starts_with("0."));
        if self.new_crate {
            return format!("none: a new crate, first published at {version}");
        }
        match self.bump {
            Bump::Major if zero => format!(
                "major (breaking changes); {} is 0.x, where a breaking change bumps the minor version: {version} → {next}",
                self.crate_name
            ),
            Bump::Minor if zero => {
                format!(
                    "minor (additions only); {} is 0.x, where an addition bumps the patch version: {version} → {next}",
                    self.crate_name
                )
            }
            Bump::Major => format!("major (breaking changes): {version} → {next}"),
            Bump::Minor => format!("minor (additions only): {version} → {next}"),
            Bump::Patch => {
                format!("patch (generated code changed, the type surface did not): {version} → {next}")
            }
            Bump::None => "none (nothing changed)".to_owned(),
        }
    }

    fn summary(&self) -> String {
        if self.new_crate {
            let ops = self.entries.iter().filter(|e| e.kind == Kind::OperationAdded).count();
            let types = self.entries.iter().filter(|e| e.kind == Kind::TypeAdded).count();
            return format!("new crate ({ops} operations, {types} types; nothing to compare with)");
        }
        if self.entries.is_empty() {
            return if self.code_changed { "type surface unchanged".into() } else { "no changes".into() };
        }
        let wire = match self.count(Impact::WireBreaking) {
            0 => String::new(),
            n => format!(", {n} wire-breaking"),
        };
        format!(
            "{} change{}: {} breaking{wire}, {} additive",
            self.entries.len(),
            if self.entries.len() == 1 { "" } else { "s" },
            self.count(Impact::Breaking),
            self.count(Impact::Additive)
        )
    }

    /// Entries in the order they are rendered: breaking, wire-breaking, then additive.
    fn ordered(&self) -> impl Iterator<Item = &Entry> {
        [Impact::Breaking, Impact::WireBreaking, Impact::Additive]
            .into_iter()
            .flat_map(|i| self.entries.iter().filter(move |e| e.impact == i))
    }

    /// For a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let version = self.version.as_deref().map(|v| format!(" {v}")).unwrap_or_default();
        let _ = writeln!(out, "{} ({}{version}): {}", self.provider, self.crate_name, self.summary());
        let _ = writeln!(out, "  suggested bump: {}", self.bump_sentence());
        if self.new_crate {
            return out;
        }
        let width = self.entries.iter().map(|e| e.kind.label().len()).max().unwrap_or(0);
        for e in self.ordered() {
            let _ = writeln!(
                out,
                "  {:<13}  {:<width$}  {}: {}",
                e.impact.label(),
                e.kind.label(),
                e.subject,
                e.detail
            );
        }
        out
    }

    /// For a changelog file or a pull request.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "## {} ({})\n", self.crate_name, self.summary());
        let sentence = self.bump_sentence();
        let rest = sentence.strip_prefix(self.bump.label()).unwrap_or(&sentence);
        let _ = writeln!(out, "Suggested bump: **{}**{rest}.\n", self.bump.label());
        if self.new_crate {
            return out;
        }
        for e in self.ordered() {
            let _ = writeln!(
                out,
                "- **{}** · {} · `{}`: {}",
                e.impact.label(),
                e.kind.label(),
                e.subject,
                e.detail
            );
        }
        if !self.entries.is_empty() {
            out.push('\n');
        }
        out
    }
}

/// How `cargo xtask` prints changelogs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

/// Renders several changelogs (one per provider). JSON is always an array, possibly empty.
pub fn render(changelogs: &[Changelog], format: Format) -> String {
    match format {
        Format::Text => changelogs.iter().map(Changelog::to_text).collect::<Vec<_>>().join("\n"),
        Format::Markdown => changelogs.iter().map(Changelog::to_markdown).collect::<Vec<_>>().join(""),
        Format::Json => serde_json::to_string_pretty(changelogs).expect("changelogs serialize") + "\n",
    }
}

// ---------------------------------------------------------------------------------------------
// The diff.
// ---------------------------------------------------------------------------------------------

fn entry(
    out: &mut Vec<Entry>,
    kind: Kind,
    subject: impl Into<String>,
    impact: Impact,
    detail: impl Into<String>,
) {
    out.push(Entry { kind, subject: subject.into(), detail: detail.into(), impact });
}

fn op_subject(op: &Operation) -> String {
    format!("Client::{} ({} {})", op.name, op.method, op.path)
}

/// `Option<T>` → `T`; anything else unchanged.
fn strip_option(ty: &str) -> &str {
    ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')).unwrap_or(ty)
}

fn presence(f: &Field) -> &'static str {
    match (f.required, f.nullable) {
        (true, false) => "required",
        (true, true) => "required, nullable",
        (false, true) => "optional",
        (false, false) => "optional, defaulted when absent",
    }
}

fn kind_word(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct { .. } => "struct",
        TypeKind::Newtype { .. } => "newtype",
        TypeKind::Enum { .. } => "enum",
        TypeKind::Alias { .. } => "type alias",
    }
}

/// Every identifier in a rendered Rust type (`Option<BTreeMap<String, types::Call>>` → Option, BTreeMap, String, types, Call).
fn identifiers(ty: &str) -> impl Iterator<Item = &str> {
    ty.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|s| !s.is_empty())
}

/// Types users build themselves: reachable from some operation's parameters (request bodies, query enums).
pub fn constructed_types(surface: &Surface) -> BTreeSet<String> {
    let roots: Vec<String> = surface
        .operations
        .iter()
        .flat_map(|o| o.params.iter())
        .flat_map(|p| identifiers(&p.ty))
        .map(str::to_owned)
        .collect();
    reachable_types(surface, roots)
}

/// The types named by `roots` and every type their fields, payloads and targets name, transitively.
pub fn reachable_types(surface: &Surface, roots: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    let by_name: BTreeMap<&str, &TypeDef> = surface.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut seen = BTreeSet::new();
    let mut queue: Vec<String> = roots.into_iter().collect();
    while let Some(name) = queue.pop() {
        let Some(t) = by_name.get(name.as_str()) else { continue };
        if !seen.insert(name.clone()) {
            continue;
        }
        let names: Vec<&str> = match &t.kind {
            TypeKind::Struct { fields, .. } => fields.iter().flat_map(|f| identifiers(&f.ty)).collect(),
            TypeKind::Newtype { inner } => identifiers(inner).collect(),
            TypeKind::Alias { target } => identifiers(target).collect(),
            TypeKind::Enum { variants, .. } => {
                variants.iter().filter_map(|v| v.payload.as_deref()).flat_map(identifiers).collect()
            }
        };
        queue.extend(names.into_iter().map(str::to_owned));
    }
    seen
}

/// Every change from `old` to `new`: operations first, then types, each in name order.
pub fn diff(old: &Surface, new: &Surface) -> Vec<Entry> {
    let mut out = Vec::new();
    let old_ops: BTreeMap<&str, &Operation> = old.operations.iter().map(|o| (o.name.as_str(), o)).collect();
    let new_ops: BTreeMap<&str, &Operation> = new.operations.iter().map(|o| (o.name.as_str(), o)).collect();
    for name in old_ops.keys().chain(new_ops.keys()).collect::<BTreeSet<_>>() {
        match (old_ops.get(name), new_ops.get(name)) {
            (Some(o), None) => entry(
                &mut out,
                Kind::OperationRemoved,
                op_subject(o),
                Impact::Breaking,
                format!(
                    "`Client::{name}()` no longer exists (the operation left the document, or its operationId changed)"
                ),
            ),
            (None, Some(n)) => entry(
                &mut out,
                Kind::OperationAdded,
                op_subject(n),
                Impact::Additive,
                format!("new method `Client::{name}()`, returning `{}`", n.success),
            ),
            (Some(o), Some(n)) => diff_operation(o, n, &mut out),
            (None, None) => unreachable!(),
        }
    }

    let old_types: BTreeMap<&str, &TypeDef> = old.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let new_types: BTreeMap<&str, &TypeDef> = new.types.iter().map(|t| (t.name.as_str(), t)).collect();
    for name in old_types.keys().chain(new_types.keys()).collect::<BTreeSet<_>>() {
        match (old_types.get(name), new_types.get(name)) {
            (Some(o), None) => entry(
                &mut out,
                Kind::TypeRemoved,
                format!("types::{name}"),
                Impact::Breaking,
                format!("the {} `types::{name}` no longer exists", kind_word(&o.kind)),
            ),
            (None, Some(n)) => entry(
                &mut out,
                Kind::TypeAdded,
                format!("types::{name}"),
                Impact::Additive,
                format!("new {} `types::{name}`", kind_word(&n.kind)),
            ),
            (Some(o), Some(n)) => diff_type(o, n, &mut out),
            (None, None) => unreachable!(),
        }
    }
    out
}

fn diff_operation(o: &Operation, n: &Operation, out: &mut Vec<Entry>) {
    let subject = op_subject(n);
    if (o.method.as_str(), o.path.as_str()) != (n.method.as_str(), n.path.as_str()) {
        entry(
            out,
            Kind::OperationChanged,
            &subject,
            Impact::WireBreaking,
            format!(
                "endpoint {} {} → {} {}: same Rust method, but it now sends a different request; check callers",
                o.method, o.path, n.method, n.path
            ),
        );
    }
    let old_params: BTreeMap<&str, &Param> = o.params.iter().map(|p| (p.name.as_str(), p)).collect();
    let new_params: BTreeMap<&str, &Param> = n.params.iter().map(|p| (p.name.as_str(), p)).collect();
    for name in old_params.keys().chain(new_params.keys()).collect::<BTreeSet<_>>() {
        match (old_params.get(name), new_params.get(name)) {
            (Some(p), None) => entry(
                out,
                Kind::OperationChanged,
                &subject,
                Impact::Breaking,
                format!("parameter `{name}: {}` removed: the builder's `.{name}(..)` no longer exists", p.ty),
            ),
            (None, Some(p)) if p.required => entry(
                out,
                Kind::OperationChanged,
                &subject,
                Impact::Breaking,
                format!(
                    "required parameter `{name}: {}` added: `send()` fails unless `.{name}(..)` is set",
                    p.ty
                ),
            ),
            (None, Some(p)) => entry(
                out,
                Kind::OperationChanged,
                &subject,
                Impact::Additive,
                format!("optional parameter `{name}: {}` added", p.ty),
            ),
            (Some(a), Some(b)) => {
                let (ta, tb) = if a.required != b.required {
                    (strip_option(&a.ty), strip_option(&b.ty))
                } else {
                    (a.ty.as_str(), b.ty.as_str())
                };
                if ta != tb {
                    entry(
                        out,
                        Kind::OperationChanged,
                        &subject,
                        Impact::Breaking,
                        format!("parameter `{name}`: type `{}` → `{}`", a.ty, b.ty),
                    );
                }
                if (a.location.as_str(), a.wire_name.as_str()) != (b.location.as_str(), b.wire_name.as_str())
                {
                    entry(
                        out,
                        Kind::OperationChanged,
                        &subject,
                        Impact::WireBreaking,
                        format!(
                            "parameter `{name}`: sent as {} → {}: the setter is unchanged, but servers expecting the old one no longer receive it",
                            wire_text(a),
                            wire_text(b)
                        ),
                    );
                }
                match (a.required, b.required) {
                    (true, false) => entry(
                        out,
                        Kind::OperationChanged,
                        &subject,
                        Impact::Additive,
                        format!(
                            "parameter `{name}` is now optional (its setter is unchanged; it may be left out)"
                        ),
                    ),
                    (false, true) => entry(
                        out,
                        Kind::OperationChanged,
                        &subject,
                        Impact::Breaking,
                        format!(
                            "parameter `{name}` is now required: `send()` fails unless `.{name}(..)` is set"
                        ),
                    ),
                    _ => {}
                }
            }
            (None, None) => unreachable!(),
        }
    }
    if o.success != n.success {
        entry(
            out,
            Kind::OperationChanged,
            &subject,
            Impact::Breaking,
            format!("success type `{}` → `{}`", o.success, n.success),
        );
    }
    if o.error != n.error {
        entry(
            out,
            Kind::OperationChanged,
            &subject,
            Impact::Breaking,
            format!("error type `{}` → `{}`", o.error, n.error),
        );
    }
}

fn wire_text(p: &Param) -> String {
    match p.location.as_str() {
        "" => "(unknown)".to_owned(),
        "body" => "the body".to_owned(),
        loc => format!("{loc} `{}`", p.wire_name),
    }
}

fn diff_type(o: &TypeDef, n: &TypeDef, out: &mut Vec<Entry>) {
    let name = &n.name;
    let subject = format!("types::{name}");
    match (&o.kind, &n.kind) {
        (
            TypeKind::Struct { fields: of, unknown_fields: ou, non_exhaustive: oe },
            TypeKind::Struct { fields: nf, unknown_fields: nu, non_exhaustive: ne },
        ) => {
            match (oe, ne) {
                (false, true) => entry(
                    out,
                    Kind::TypeChanged,
                    &subject,
                    Impact::Breaking,
                    format!(
                        "now `#[non_exhaustive]`: other crates can no longer write a struct literal `{name} {{ .. }}` or a pattern without `..` \
                         (use `{name}::builder()` or deserialize)"
                    ),
                ),
                (true, false) => entry(
                    out,
                    Kind::TypeChanged,
                    &subject,
                    Impact::Additive,
                    "no longer `#[non_exhaustive]`: struct literals are allowed",
                ),
                _ => {}
            }
            match (ou, nu) {
                (UnknownFields::Ignored, UnknownFields::Denied) => entry(
                    out,
                    Kind::TypeStrictness,
                    &subject,
                    Impact::WireBreaking,
                    "now denies unknown JSON fields: a payload with any undocumented field fails to parse",
                ),
                (UnknownFields::Denied, UnknownFields::Ignored) => entry(
                    out,
                    Kind::TypeStrictness,
                    &subject,
                    Impact::Additive,
                    "now ignores unknown JSON fields instead of rejecting them",
                ),
                _ => {}
            }
            diff_fields(name, of, nf, *ne, out);
        }
        (
            TypeKind::Enum { representation: or, variants: ov },
            TypeKind::Enum { representation: nr, variants: nv },
        ) => {
            if or != nr {
                entry(
                    out,
                    Kind::EnumRepresentation,
                    &subject,
                    Impact::Breaking,
                    format!("JSON representation {or} → {nr}"),
                );
            }
            diff_variants(name, nr, ov, nv, out);
        }
        (TypeKind::Newtype { inner: a }, TypeKind::Newtype { inner: b }) if a != b => {
            entry(
                out,
                Kind::TypeChanged,
                &subject,
                Impact::Breaking,
                format!("newtype `{name}({a})` → `{name}({b})`"),
            );
        }
        (TypeKind::Alias { target: a }, TypeKind::Alias { target: b }) if a != b => {
            entry(
                out,
                Kind::TypeChanged,
                &subject,
                Impact::Breaking,
                format!("`type {name} = {a}` → `type {name} = {b}`"),
            );
        }
        (a, b) if std::mem::discriminant(a) != std::mem::discriminant(b) => entry(
            out,
            Kind::TypeChanged,
            &subject,
            Impact::Breaking,
            format!("was a {}, is now a {}: code using it must be rewritten", kind_word(a), kind_word(b)),
        ),
        _ => {}
    }
}

fn diff_fields(ty: &str, old: &[Field], new: &[Field], non_exhaustive: bool, out: &mut Vec<Entry>) {
    let old_f: BTreeMap<&str, &Field> = old.iter().map(|f| (f.name.as_str(), f)).collect();
    let new_f: BTreeMap<&str, &Field> = new.iter().map(|f| (f.name.as_str(), f)).collect();
    for name in old_f.keys().chain(new_f.keys()).collect::<BTreeSet<_>>() {
        let subject = format!("types::{ty}.{name}");
        match (old_f.get(name), new_f.get(name)) {
            (Some(f), None) => entry(
                out,
                Kind::FieldRemoved,
                subject,
                Impact::Breaking,
                format!(
                    "`{name}: {}` (JSON \"{}\", {}) removed: code reading or setting it no longer compiles",
                    f.ty,
                    f.serde_name,
                    presence(f)
                ),
            ),
            (None, Some(f)) if f.required => entry(
                out,
                Kind::FieldAdded,
                subject,
                Impact::Breaking,
                format!(
                    "`{name}: {}` (JSON \"{}\", {}) added as required: every `{ty}` must now carry it, in Rust and in JSON",
                    f.ty,
                    f.serde_name,
                    presence(f)
                ),
            ),
            (None, Some(f)) if !non_exhaustive => entry(
                out,
                Kind::FieldAdded,
                subject,
                Impact::Breaking,
                format!(
                    "`{name}: {}` (JSON \"{}\", {}) added; `{ty}` is not `#[non_exhaustive]` (it is sent in requests), and a struct literal \
                     `{ty} {{ .. }}` or a pattern without `..` must name every field (`{ty}::builder()` is unaffected)",
                    f.ty,
                    f.serde_name,
                    presence(f)
                ),
            ),
            (None, Some(f)) => entry(
                out,
                Kind::FieldAdded,
                subject,
                Impact::Additive,
                format!("`{name}: {}` (JSON \"{}\", {}) added", f.ty, f.serde_name, presence(f)),
            ),
            (Some(a), Some(b)) => diff_field(&subject, a, b, out),
            (None, None) => unreachable!(),
        }
    }
}

fn diff_field(subject: &str, a: &Field, b: &Field, out: &mut Vec<Entry>) {
    if a.serde_name != b.serde_name {
        entry(
            out,
            Kind::FieldJsonName,
            subject,
            Impact::WireBreaking,
            format!(
                "JSON name \"{}\" → \"{}\": the Rust field is the same, the wire format is not",
                a.serde_name, b.serde_name
            ),
        );
    }
    let base = |f: &Field| if f.nullable { strip_option(&f.ty).to_owned() } else { f.ty.clone() };
    if base(a) != base(b) {
        entry(out, Kind::FieldType, subject, Impact::Breaking, format!("type `{}` → `{}`", a.ty, b.ty));
    }
    // The usual shapes are required `T` and optional `Option<T>`: one change of requiredness that
    // also toggles `Option` is reported once, as requiredness.
    let coupled = a.required != b.required && a.nullable != a.required && b.nullable != b.required;
    if a.required != b.required {
        let types = if a.ty == b.ty {
            format!("the Rust type `{}` is unchanged", a.ty)
        } else {
            format!("`{}` → `{}`", a.ty, b.ty)
        };
        if a.required {
            let impact = if a.ty == b.ty { Impact::Additive } else { Impact::Breaking };
            let why = if impact == Impact::Breaking {
                "; code reading or constructing it must handle `None`"
            } else {
                ""
            };
            entry(
                out,
                Kind::FieldRequiredness,
                subject,
                impact,
                format!("required → optional ({types}){why}"),
            );
        } else {
            entry(
                out,
                Kind::FieldRequiredness,
                subject,
                Impact::Breaking,
                format!(
                    "optional → required ({types}): values must now carry it, and JSON without it fails to parse"
                ),
            );
        }
    }
    if a.nullable != b.nullable && !coupled {
        let what = if b.nullable { "may now be `null`" } else { "may no longer be `null`" };
        entry(
            out,
            Kind::FieldNullability,
            subject,
            Impact::Breaking,
            format!("{what}: `{}` → `{}`", a.ty, b.ty),
        );
    }
}

fn variant_text(v: &Variant, untagged: bool) -> String {
    match (&v.payload, untagged) {
        (Some(p), true) => format!("`{}({p})`", v.name),
        (Some(p), false) => format!("`{}({p})` (JSON \"{}\")", v.name, v.serde_name),
        (None, _) => format!("`{}` (JSON \"{}\")", v.name, v.serde_name),
    }
}

fn diff_variants(ty: &str, representation: &str, old: &[Variant], new: &[Variant], out: &mut Vec<Entry>) {
    let untagged = representation == "untagged";
    let open = representation.starts_with("open");
    let old_v: BTreeMap<&str, &Variant> = old.iter().map(|v| (v.name.as_str(), v)).collect();
    let new_v: BTreeMap<&str, &Variant> = new.iter().map(|v| (v.name.as_str(), v)).collect();
    for name in old_v.keys().chain(new_v.keys()).collect::<BTreeSet<_>>() {
        let subject = format!("types::{ty}::{name}");
        match (old_v.get(name), new_v.get(name)) {
            (Some(v), None) => {
                let then = if open {
                    format!("; the value \"{}\" now parses to `Unrecognized`", v.serde_name)
                } else {
                    String::new()
                };
                entry(
                    out,
                    Kind::VariantRemoved,
                    subject,
                    Impact::Breaking,
                    format!("{} removed: code naming it no longer compiles{then}", variant_text(v, untagged)),
                );
            }
            (None, Some(v)) => {
                let then = if open {
                    format!(
                        "; the value \"{}\", kept in `Unrecognized` until now, parses to `{ty}::{name}`",
                        v.serde_name
                    )
                } else {
                    String::new()
                };
                entry(
                    out,
                    Kind::VariantAdded,
                    subject,
                    Impact::Breaking,
                    format!(
                        "{} added: an exhaustive `match` on `{ty}` must handle it (typify enums are not `#[non_exhaustive]`){then}",
                        variant_text(v, untagged)
                    ),
                );
            }
            (Some(a), Some(b)) if a != b => entry(
                out,
                Kind::VariantChanged,
                subject,
                // Same Rust variant and payload, another JSON value: only the wire changed.
                if a.payload == b.payload { Impact::WireBreaking } else { Impact::Breaking },
                format!("{} → {}", variant_text(a, untagged), variant_text(b, untagged)),
            ),
            _ => {}
        }
    }
    // A fieldless enum's variants have implicit discriminants (their positions): a variant that moves
    // changes `Variant as i32` in user code (cargo-semver-checks: enum_no_repr_variant_discriminant_changed).
    // With other variants, the discriminant still orders and identifies it; cargo-semver-checks
    // counts both as breaking, and so do we.
    let fieldless = old.iter().chain(new).all(|v| v.payload.is_none());
    for (i, a) in old.iter().enumerate().filter(|(_, a)| a.payload.is_none()) {
        if let Some(j) = new.iter().position(|b| b.name == a.name)
            && i != j
        {
            let what = if fieldless {
                format!("what `{ty}::{} as i32` gives", a.name)
            } else {
                "its order among the variants".to_owned()
            };
            entry(
                out,
                Kind::VariantChanged,
                format!("types::{ty}::{}", a.name),
                Impact::Breaking,
                format!("moved from position {i} to {j}: its implicit discriminant ({what}) changed"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, ty: &str, required: bool) -> Field {
        Field {
            name: name.into(),
            serde_name: name.into(),
            ty: ty.into(),
            required,
            nullable: ty.starts_with("Option<"),
        }
    }

    fn strukt(name: &str, fields: Vec<Field>) -> TypeDef {
        TypeDef {
            name: name.into(),
            kind: TypeKind::Struct { fields, unknown_fields: UnknownFields::Ignored, non_exhaustive: false },
        }
    }

    fn string_enum(name: &str, values: &[&str]) -> TypeDef {
        let variants = values
            .iter()
            .map(|v| Variant {
                name: heck::ToUpperCamelCase::to_upper_camel_case(*v),
                serde_name: (*v).into(),
                payload: None,
            })
            .collect();
        TypeDef { name: name.into(), kind: TypeKind::Enum { representation: "string".into(), variants } }
    }

    fn op(name: &str, params: Vec<Param>, success: &str) -> Operation {
        Operation {
            name: name.into(),
            method: "POST".into(),
            path: format!("/{name}"),
            params,
            success: format!("ResponseValue<{success}>"),
            error: "Error<()>".into(),
        }
    }

    fn param(name: &str, ty: &str, required: bool) -> Param {
        Param { name: name.into(), ty: ty.into(), required, location: "query".into(), wire_name: name.into() }
    }

    /// A request body `CallRequest` (constructed by users) and a response `Call` with a status enum.
    fn base() -> Surface {
        Surface {
            types: vec![
                strukt(
                    "Call",
                    vec![
                        field("id", "String", true),
                        field("note", "Option<String>", false),
                        field("status", "Status", true),
                    ],
                ),
                strukt("CallRequest", vec![field("to", "String", true)]),
                string_enum("Status", &["queued", "ended"]),
            ],
            operations: vec![op(
                "start_call",
                vec![param("body", "types::CallRequest", true)],
                "types::Call",
            )],
        }
    }

    fn kinds(entries: &[Entry]) -> Vec<(Kind, &str, Impact)> {
        entries.iter().map(|e| (e.kind, e.subject.as_str(), e.impact)).collect()
    }

    fn with_type(mut s: Surface, name: &str, f: impl FnOnce(&mut TypeKind)) -> Surface {
        f(&mut s.types.iter_mut().find(|t| t.name == name).unwrap().kind);
        s
    }

    fn fields(kind: &mut TypeKind) -> &mut Vec<Field> {
        match kind {
            TypeKind::Struct { fields, .. } => fields,
            _ => panic!("not a struct"),
        }
    }

    #[test]
    fn no_change_no_entries() {
        let c = Changelog::new("p", Some(&base()), &base(), false, Some("0.1.0"));
        assert!(c.entries.is_empty() && c.is_empty());
        assert_eq!((c.bump, c.next_version.as_deref()), (Bump::None, Some("0.1.0")));
        let c = Changelog::new("p", Some(&base()), &base(), true, Some("0.1.0"));
        assert_eq!((c.bump, c.next_version.as_deref()), (Bump::Patch, Some("0.1.1")));
    }

    #[test]
    fn operations_added_removed_changed() {
        let mut new = base();
        new.operations.push(op("get_call", vec![param("id", "String", true)], "types::Call"));
        let e = diff(&base(), &new);
        assert_eq!(
            kinds(&e),
            vec![(Kind::OperationAdded, "Client::get_call (POST /get_call)", Impact::Additive)]
        );
        let e = diff(&new, &base());
        assert_eq!(
            kinds(&e),
            vec![(Kind::OperationRemoved, "Client::get_call (POST /get_call)", Impact::Breaking)]
        );

        let mut changed = base();
        let o = &mut changed.operations[0];
        o.path = "/v2/start_call".into();
        o.params.push(param("limit", "Option<i64>", false));
        o.params.push(param("region", "String", true));
        o.success = "ResponseValue<types::CallRequest>".into();
        o.error = "Error<types::Status>".into();
        let e = diff(&base(), &changed);
        let impacts: Vec<Impact> = e.iter().map(|e| e.impact).collect();
        assert!(e.iter().all(|e| e.kind == Kind::OperationChanged), "{e:#?}");
        assert_eq!(
            impacts,
            vec![
                Impact::WireBreaking,
                Impact::Additive,
                Impact::Breaking,
                Impact::Breaking,
                Impact::Breaking
            ],
            "{e:#?}"
        );
        assert!(e[0].detail.contains("POST /start_call → POST /v2/start_call"));
        assert!(e[1].detail.contains("optional parameter `limit"));
        assert!(e[2].detail.contains("required parameter `region"));
        assert!(e[3].detail.starts_with("success type"));
        assert!(e[4].detail.starts_with("error type"));

        // Parameters: removed, retyped, required ↔ optional.
        let mut a = base();
        a.operations[0].params.extend([
            param("x", "String", true),
            param("y", "Option<i64>", false),
            param("z", "i64", true),
        ]);
        let mut b = base();
        b.operations[0].params.extend([param("x", "Option<String>", false), param("y", "i64", true)]);
        let e = diff(&a, &b);
        let got: Vec<(Impact, &str)> = e.iter().map(|e| (e.impact, e.detail.as_str())).collect();
        assert_eq!(got.len(), 3, "{got:#?}");
        assert_eq!(got[0].0, Impact::Additive);
        assert!(got[0].1.starts_with("parameter `x` is now optional"));
        assert_eq!(got[1].0, Impact::Breaking);
        assert!(got[1].1.starts_with("parameter `y` is now required"));
        assert_eq!(got[2].0, Impact::Breaking);
        assert!(got[2].1.starts_with("parameter `z: i64` removed"));

        // Same Rust parameter, another wire name or location: wire-breaking (Rust code still compiles).
        let mut renamed = base();
        renamed.operations[0].params.push(param("limit", "Option<i64>", false));
        let mut moved = renamed.clone();
        moved.operations[0].params.last_mut().unwrap().wire_name = "max".into();
        let e = diff(&renamed, &moved);
        assert_eq!(e.len(), 1, "{e:#?}");
        assert_eq!(e[0].impact, Impact::WireBreaking);
        assert!(e[0].detail.contains("sent as query `limit` → query `max`"), "{}", e[0].detail);
        moved.operations[0].params.last_mut().unwrap().location = "header".into();
        assert!(diff(&renamed, &moved)[0].detail.contains("query `limit` → header `max`"));
        let c = Changelog::new("p", Some(&renamed), &moved, true, Some("0.1.0"));
        assert_eq!(c.bump, Bump::Major);
        assert!(c.to_text().contains("  wire-breaking  operation changed"), "{}", c.to_text());
    }

    #[test]
    fn types_added_removed_changed() {
        let mut new = base();
        new.types.push(TypeDef { name: "Extra".into(), kind: TypeKind::Newtype { inner: "String".into() } });
        assert_eq!(kinds(&diff(&base(), &new)), vec![(Kind::TypeAdded, "types::Extra", Impact::Additive)]);
        assert_eq!(kinds(&diff(&new, &base())), vec![(Kind::TypeRemoved, "types::Extra", Impact::Breaking)]);

        let mut retyped = new.clone();
        retyped.types.last_mut().unwrap().kind = TypeKind::Newtype { inner: "i64".into() };
        assert_eq!(kinds(&diff(&new, &retyped)), vec![(Kind::TypeChanged, "types::Extra", Impact::Breaking)]);
        let mut rekinded = new.clone();
        rekinded.types.last_mut().unwrap().kind = TypeKind::Alias { target: "String".into() };
        let e = diff(&new, &rekinded);
        assert_eq!(kinds(&e), vec![(Kind::TypeChanged, "types::Extra", Impact::Breaking)]);
        assert!(e[0].detail.contains("was a newtype, is now a type alias"));

        let strict = with_type(base(), "Call", |k| {
            if let TypeKind::Struct { unknown_fields, .. } = k {
                *unknown_fields = UnknownFields::Denied;
            }
        });
        assert_eq!(
            kinds(&diff(&base(), &strict)),
            vec![(Kind::TypeStrictness, "types::Call", Impact::WireBreaking)]
        );
        assert_eq!(
            kinds(&diff(&strict, &base())),
            vec![(Kind::TypeStrictness, "types::Call", Impact::Additive)]
        );
    }

    #[test]
    fn fields_added_and_removed() {
        // Optional on a `#[non_exhaustive]` (response) struct: additive. On an exhaustive struct, even a
        // response type: breaking (struct literals and patterns). Required: breaking.
        let new = with_type(base(), "Call", |k| fields(k).push(field("ended_at", "Option<String>", false)));
        let e = diff(&base(), &new);
        assert_eq!(kinds(&e), vec![(Kind::FieldAdded, "types::Call.ended_at", Impact::Breaking)]);
        assert!(e[0].detail.contains("not `#[non_exhaustive]`"), "{}", e[0].detail);
        let open = |s: Surface| {
            with_type(s, "Call", |k| {
                if let TypeKind::Struct { non_exhaustive, .. } = k {
                    *non_exhaustive = true;
                }
            })
        };
        let with_field = open(new.clone());
        assert_eq!(
            kinds(&diff(&open(base()), &with_field)),
            vec![(Kind::FieldAdded, "types::Call.ended_at", Impact::Additive)]
        );
        // Becoming `#[non_exhaustive]` is itself breaking; leaving it is additive.
        assert_eq!(
            kinds(&diff(&base(), &open(base()))),
            vec![(Kind::TypeChanged, "types::Call", Impact::Breaking)]
        );
        assert_eq!(
            kinds(&diff(&open(base()), &base())),
            vec![(Kind::TypeChanged, "types::Call", Impact::Additive)]
        );
        let new = with_type(base(), "Call", |k| fields(k).push(field("user", "String", true)));
        assert_eq!(
            kinds(&diff(&base(), &new)),
            vec![(Kind::FieldAdded, "types::Call.user", Impact::Breaking)]
        );
        let new =
            with_type(base(), "CallRequest", |k| fields(k).push(field("context", "Option<String>", false)));
        let e = diff(&base(), &new);
        assert_eq!(kinds(&e), vec![(Kind::FieldAdded, "types::CallRequest.context", Impact::Breaking)]);
        assert!(e[0].detail.contains("struct literal"), "{}", e[0].detail);

        let new = with_type(base(), "Call", |k| fields(k).retain(|f| f.name != "note"));
        assert_eq!(
            kinds(&diff(&base(), &new)),
            vec![(Kind::FieldRemoved, "types::Call.note", Impact::Breaking)]
        );
    }

    #[test]
    fn fields_requiredness_nullability_type_and_name() {
        let set = |name: &'static str, ty: &'static str, required: bool, nullable: bool| {
            with_type(base(), "Call", move |k| {
                let f = fields(k).iter_mut().find(|f| f.name == name).unwrap();
                (f.ty, f.required, f.nullable) = (ty.into(), required, nullable);
            })
        };
        // required `String` → optional `Option<String>`: one entry, breaking.
        let e = diff(&base(), &set("id", "Option<String>", false, true));
        assert_eq!(kinds(&e), vec![(Kind::FieldRequiredness, "types::Call.id", Impact::Breaking)]);
        assert!(
            e[0].detail.starts_with("required → optional (`String` → `Option<String>`)"),
            "{}",
            e[0].detail
        );
        // optional → required.
        let e = diff(&base(), &set("note", "String", true, false));
        assert_eq!(kinds(&e), vec![(Kind::FieldRequiredness, "types::Call.note", Impact::Breaking)]);
        // required, nullable → optional: same Rust type, additive.
        let a = set("note", "Option<String>", true, true);
        assert_eq!(
            kinds(&diff(&a, &base())),
            vec![(Kind::FieldRequiredness, "types::Call.note", Impact::Additive)]
        );
        // required `String` → required, nullable `Option<String>`.
        let e = diff(&base(), &set("id", "Option<String>", true, true));
        assert_eq!(kinds(&e), vec![(Kind::FieldNullability, "types::Call.id", Impact::Breaking)]);
        assert!(e[0].detail.starts_with("may now be `null`"));
        // A different Rust type.
        let e = diff(&base(), &set("id", "i64", true, false));
        assert_eq!(kinds(&e), vec![(Kind::FieldType, "types::Call.id", Impact::Breaking)]);
        assert_eq!(e[0].detail, "type `String` → `i64`");
        // A different JSON name.
        let renamed = with_type(base(), "Call", |k| fields(k)[0].serde_name = "callId".into());
        assert_eq!(
            kinds(&diff(&base(), &renamed)),
            vec![(Kind::FieldJsonName, "types::Call.id", Impact::WireBreaking)]
        );
    }

    #[test]
    fn enum_variants() {
        let mut new = base();
        new.types[2] = string_enum("Status", &["queued", "ended", "voicemail"]);
        let e = diff(&base(), &new);
        assert_eq!(kinds(&e), vec![(Kind::VariantAdded, "types::Status::Voicemail", Impact::Breaking)]);
        assert!(e[0].detail.contains("not `#[non_exhaustive]`"), "{}", e[0].detail);
        assert_eq!(
            kinds(&diff(&new, &base())),
            vec![(Kind::VariantRemoved, "types::Status::Voicemail", Impact::Breaking)]
        );

        let mut renamed = base();
        renamed.types[2] = string_enum("Status", &["queued", "ended"]);
        if let TypeKind::Enum { variants, .. } = &mut renamed.types[2].kind {
            variants[1].serde_name = "ENDED".into();
        }
        assert_eq!(
            kinds(&diff(&base(), &renamed)),
            vec![(Kind::VariantChanged, "types::Status::Ended", Impact::WireBreaking)]
        );

        let mut untagged = base();
        if let TypeKind::Enum { representation, .. } = &mut untagged.types[2].kind {
            *representation = "untagged".into();
        }
        assert_eq!(
            kinds(&diff(&base(), &untagged)),
            vec![(Kind::EnumRepresentation, "types::Status", Impact::Breaking)]
        );
    }

    #[test]
    fn bump_and_rendering() {
        let mut new = base();
        new.types[2] = string_enum("Status", &["queued", "ended", "voicemail"]);
        new.operations.push(op("get_call", vec![], "types::Call"));
        let c = Changelog::new("p", Some(&base()), &new, true, Some("0.1.0"));
        assert_eq!((c.bump, c.next_version.as_deref()), (Bump::Major, Some("0.2.0")));
        let text = c.to_text();
        assert!(text.starts_with("p (agentdial-p 0.1.0): 2 changes: 1 breaking, 1 additive\n"), "{text}");
        assert!(
            text.contains("0.x, where a breaking change bumps the minor version: 0.1.0 → 0.2.0"),
            "{text}"
        );
        // Breaking entries come first.
        assert!(text.find("variant added").unwrap() < text.find("operation added").unwrap(), "{text}");
        let md = c.to_markdown();
        assert!(md.contains("- **breaking** · variant added · `types::Status::Voicemail`: "), "{md}");
        assert!(
            md.contains("- **additive** · operation added · `Client::get_call (POST /get_call)`: "),
            "{md}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&render(std::slice::from_ref(&c), Format::Json)).unwrap();
        assert_eq!(json[0]["bump"], "major");
        assert_eq!(json[0]["entries"][1]["kind"], "variant_added");
        assert_eq!(json[0]["entries"][1]["impact"], "breaking");

        let additive = Changelog::new(
            "p",
            Some(&base()),
            &{
                let mut s = base();
                s.operations.push(op("get_call", vec![], "types::Call"));
                s
            },
            true,
            Some("0.1.0"),
        );
        assert_eq!((additive.bump, additive.next_version.as_deref()), (Bump::Minor, Some("0.1.1")));
        assert_eq!(Bump::Major.apply("1.2.3").as_deref(), Some("2.0.0"));
        assert_eq!(Bump::Minor.apply("1.2.3").as_deref(), Some("1.3.0"));
        assert_eq!(Bump::Minor.apply("1.2.3-rc.1"), None);

        let fresh = Changelog::new("p", None, &base(), true, Some("0.1.0"));
        assert!(fresh.new_crate && fresh.bump == Bump::None);
        assert!(fresh.to_text().contains("new crate (1 operations, 3 types"), "{}", fresh.to_text());
    }
}
