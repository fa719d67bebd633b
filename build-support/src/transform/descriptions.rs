use crate::report::Report;
use anyhow::Result;
use serde_json::Value;

/// Rewrites one description so rustdoc renders it as text: common indentation removed, remaining
/// indented lines and bare code fences fenced as `text`. Returns `None` when nothing changes.
pub(crate) fn sanitize(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    // The leading whitespace all non-blank lines share, compared by characters: any Unicode
    // whitespace may indent a line, so counting bytes could cut one in two.
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| &l[..l.len() - l.trim_start().len()])
        .reduce(|a, b| {
            let shared = a
                .char_indices()
                .zip(b.chars())
                .find(|((_, x), y)| x != y)
                .map_or(a.len().min(b.len()), |((i, _), _)| i);
            &a[..shared]
        })
        .unwrap_or("");
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;
    let mut in_indented = false;
    for line in &lines {
        let line = line.strip_prefix(indent).unwrap_or_else(|| line.trim_start());
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            if !in_fence && trimmed.trim_end() == "```" {
                out.push(format!("{}```text", &line[..line.len() - trimmed.len()]));
            } else {
                out.push(line.trim_end().to_owned());
            }
            in_fence = !in_fence;
            continue;
        }
        let indented =
            !in_fence && !line.trim().is_empty() && (line.starts_with("    ") || line.starts_with('\t'));
        if indented && !in_indented {
            out.push("```text".into());
            in_indented = true;
        } else if !indented && in_indented && !line.trim().is_empty() {
            out.push("```".into());
            in_indented = false;
        }
        out.push(if in_indented { line.trim_start().to_owned() } else { line.trim_end().to_owned() });
    }
    if in_indented {
        out.push("```".into());
    }
    let mut result = out.join("\n");
    while result.ends_with('\n') {
        result.pop();
    }
    let original = text.trim_end_matches('\n');
    (result != original).then_some(result)
}

fn walk(ptr: &str, value: &mut Value, report: &mut Report) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                let p = crate::visit::join(ptr, key);
                if key == "description" {
                    if let Value::String(s) = v
                        && let Some(new) = sanitize(s)
                    {
                        *s = new;
                        report.record(
                            "sanitize_descriptions",
                            p,
                            "re-indented / fenced as `text` so rustdoc does not compile it",
                        );
                    }
                } else if key != "example" && key != "examples" {
                    walk(&p, v, report);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                walk(&format!("{ptr}/{i}"), v, report);
            }
        }
        _ => {}
    }
}

/// Descriptions become rustdoc comments, and rustdoc compiles indented blocks and unlabelled code
/// fences as Rust doctests (Fluents' `info.description` is indented by eight spaces; a curl example
/// in a fence would fail `cargo test --doc`). Common indentation is removed and code that remains
/// is fenced as `text`.
pub fn sanitize_descriptions(doc: &mut Value, report: &mut Report) -> Result<()> {
    walk("", doc, report);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedents_and_fences() {
        assert_eq!(
            sanitize("\n        Hello.\n\n        ## Numbers\n"),
            Some("\nHello.\n\n## Numbers".into())
        );
        assert_eq!(sanitize("Run:\n```\ncurl -H x\n```"), Some("Run:\n```text\ncurl -H x\n```".into()));
        assert_eq!(
            sanitize("Run:\n\n    curl -H x\n\nDone"),
            Some("Run:\n\n```text\ncurl -H x\n\n```\nDone".into())
        );
        assert_eq!(sanitize("Plain text."), None);
        assert_eq!(sanitize("```json\n{}\n```"), None);
    }

    #[test]
    fn non_ascii_whitespace_is_not_sliced_through() {
        // U+3000 (3 bytes) on a line of its own, and as indentation shorter in chars than in bytes.
        assert_eq!(sanitize("  a\n\u{3000}"), Some("a".into()));
        assert_eq!(sanitize("  a\n\u{3000}b"), None, "two-space and U+3000 indents share no prefix");
        assert_eq!(
            sanitize("\u{2003}\u{2003}x\n\u{2003}\u{2003}y"),
            Some("x\ny".into()),
            "a common non-ASCII indent is removed"
        );
        assert_eq!(sanitize(" \u{a0}x\n\u{a0} y"), None, "no common prefix: nothing is dedented");
    }

    /// The description with fences this pass may add removed, and no whitespace: what a reader sees.
    fn visible(text: &str) -> String {
        text.lines()
            .filter(|l| !matches!(l.trim(), "```" | "```text"))
            .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, failure_persistence: None, ..Default::default() })]

        /// Any description (spec input is untrusted): no panic, and no visible character lost.
        #[test]
        fn any_description_is_sanitized_without_panic_or_loss(text in "([ \t\u{a0}\u{2003}\u{3000}]{0,4}(\\PC{0,8}|```)?\n?){0,8}") {
            if let Some(out) = sanitize(&text)
                && !text.contains('`') {
                    proptest::prop_assert_eq!(visible(&out), visible(&text));
                }
        }

        #[test]
        fn arbitrary_strings_never_panic(text in "\\PC*") {
            let _ = sanitize(&text);
        }
    }
}
