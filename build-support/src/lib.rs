//! Build-time support for agentdial: loads a vendored OpenAPI document, applies explicit,
//! reviewable transformations so that progenitor can generate a client from it, and renders the
//! generated code and the type surface that the snapshot tests guard.
//!
//! Nothing here runs inside the published provider crates; `cargo xtask generate` drives it.

pub mod api_version;
pub mod box_large_fields;
pub mod changelog;
pub mod constructors;
pub mod degrade;
pub mod generate;
pub use generate::{GeneratedProvider, generate_provider};
pub mod explicit_null;
pub mod features;
pub mod load;
pub mod manifest;
pub mod non_exhaustive;
pub mod open_enums;
pub mod operation_servers;
pub mod pagination;
pub mod path_encoding;
pub mod report;
pub mod request_bodies;
pub mod semver;
pub mod surface;
pub mod testkit;
pub mod transform;
pub mod unions;
pub mod unused_defaults;
pub mod vendor;
pub mod visit;
pub mod wire_names;

pub use load::{LoadedSpec, load_spec};
pub use manifest::{Manifest, Provider};
pub use report::{Report, ReportEntry};
pub use transform::transform;
