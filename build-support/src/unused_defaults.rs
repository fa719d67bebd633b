//! `prune_unused_default_helpers`: typify's `types::defaults` functions nothing calls are removed.
//!
//! typify emits a generic helper (`default_i64`, `default_u64`, `default_bool`) as soon as it meets
//! a default of that kind, even when the default ends up written another way (or was dropped by a
//! transformation), and a generated crate must not warn: `dead_code` under `-D warnings` fails the
//! build of every user who denies warnings. A helper is used when a path names it (builder
//! defaults) or a `serde` attribute's `default = "…"` string does.

use anyhow::Result;
use quote::ToTokens;
use std::collections::BTreeSet;
use syn::visit_mut::VisitMut;

/// The pass's name in `TRANSFORMATIONS.md`.
pub const NAME: &str = "prune_unused_default_helpers";
/// Why it exists (the report's table).
pub const WHY: &str = "typify emits generic default helpers (`default_i64`, ...) that no field may end up using, and a generated crate must compile without `dead_code` warnings; unused helpers are removed";

fn defaults_module(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    let types = file.items.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })?;
    types.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == "defaults" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// Which of `names` the file mentions outside their own definitions (a `VisitMut` that changes
/// nothing: syn's read-only `visit` feature is not enabled in this workspace).
struct Uses<'a> {
    names: &'a BTreeSet<String>,
    used: BTreeSet<String>,
}

impl VisitMut for Uses<'_> {
    fn visit_path_segment_mut(&mut self, segment: &mut syn::PathSegment) {
        let ident = segment.ident.to_string();
        if self.names.contains(&ident) {
            self.used.insert(ident);
        }
        syn::visit_mut::visit_path_segment_mut(self, segment);
    }

    fn visit_attribute_mut(&mut self, attr: &mut syn::Attribute) {
        if attr.path().is_ident("serde") {
            let text = attr.meta.to_token_stream().to_string();
            for name in self.names {
                if text.contains(name.as_str()) {
                    self.used.insert(name.clone());
                }
            }
        }
        syn::visit_mut::visit_attribute_mut(self, attr);
    }
}

/// Removes the unused helpers; returns their names.
pub fn prune_unused_default_helpers(file: &mut syn::File) -> Result<Vec<String>> {
    let Some(items) = defaults_module(file) else { return Ok(Vec::new()) };
    let names: BTreeSet<String> = items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        })
        .collect();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut uses = Uses { names: &names, used: BTreeSet::new() };
    uses.visit_file_mut(file);
    let unused: Vec<String> = names.difference(&uses.used).cloned().collect();
    if !unused.is_empty()
        && let Some(items) = defaults_module(file)
    {
        items.retain(|i| !matches!(i, syn::Item::Fn(f) if unused.contains(&f.sig.ident.to_string())));
    }
    Ok(unused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_helpers_nothing_names() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct A {
                    #[serde(default = "defaults::default_u64::<u32, 3>")]
                    pub n: u32,
                    #[serde(default = "defaults::a_name")]
                    pub name: String,
                }
                pub mod builder {
                    impl Default for super::B {
                        fn default() -> Self { Self { flag: Ok(super::defaults::default_bool::<true>()) } }
                    }
                }
                pub mod defaults {
                    pub(super) fn default_bool<const V: bool>() -> bool { V }
                    pub(super) fn default_i64<T, const V: i64>() -> T where T: TryFrom<i64> { todo!() }
                    pub(super) fn default_u64<T, const V: u64>() -> T where T: TryFrom<u64> { todo!() }
                    pub(super) fn a_name() -> String { String::new() }
                    pub(super) fn unused_name() -> String { String::new() }
                }
            }
        };
        let removed = prune_unused_default_helpers(&mut file).unwrap();
        assert_eq!(removed, ["default_i64", "unused_name"]);
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("fn default_bool") && text.contains("fn default_u64") && text.contains("fn a_name")
        );
        assert!(!text.contains("fn default_i64") && !text.contains("fn unused_name"));
        // Nothing left to remove: the file is unchanged the second time.
        assert!(prune_unused_default_helpers(&mut file).unwrap().is_empty());
    }
}
