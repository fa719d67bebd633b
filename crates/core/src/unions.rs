//! Decoding of the generated union types (`oneOf`/`anyOf` of several schemas), without losing data.
//!
//! serde's `#[serde(untagged)]` takes the first variant that parses. With struct variants that
//! ignore unknown fields, a less specific variant can swallow a more specific object and drop what
//! it does not know. The generated unions therefore deserialize through [`Union::decode`]:
//!
//! - **Tagged** unions (members told apart by a property restricted to one value, e.g. `"type":
//!   "transferCall"`) are decoded by their tag: the member whose tag matches is the only candidate, and
//!   if it does not parse the error names the union and the tag. A tag value no member has decodes
//!   into the union's `Unknown` variant, which keeps the whole object and serializes it back
//!   unchanged, so a read-modify-write keeps kinds this crate does not know.
//! - Members without the tag (and unions without one) are tried in document order; the first whose
//!   re-serialization equals the input (see [`same_json`]) wins, else the first that parsed.

use serde::de::Error as _;
use serde_json::Value;

/// One member decoder: JSON in, the union's variant out.
pub type Member<T> = fn(Value) -> Result<T, serde_json::Error>;

/// How a generated union decodes. Built by generated code; see the module docs.
pub struct Union<'a, T> {
    /// The Rust type name, for errors.
    pub name: &'static str,
    /// The tag property (JSON name), for tagged unions.
    pub tag: Option<&'static str>,
    /// Tag value → member, for members that carry the tag.
    pub tagged: &'a [(&'static str, Member<T>)],
    /// Members without the tag, in document order.
    pub untagged: &'a [Member<T>],
    /// The variant keeping an object whose tag no member has.
    pub unknown: Option<fn(Value) -> T>,
}

impl<T: serde::Serialize> Union<'_, T> {
    /// Decodes through any serde deserializer (buffered as JSON, as serde's untagged enums do).
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(&self, deserializer: D) -> Result<T, D::Error> {
        let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
        self.decode(value).map_err(D::Error::custom)
    }

    /// Decodes one JSON value; the error says which union, which tag and why.
    pub fn decode(&self, value: Value) -> Result<T, String> {
        let name = self.name;
        if let Some(tag) = self.tag
            && let Some(Value::String(kind)) = value.get(tag)
        {
            let kind = kind.clone();
            if let Some((_, member)) = self.tagged.iter().find(|(k, _)| *k == kind) {
                return member(value).map_err(|e| format!("{name} with {tag} {kind:?}: {e}"));
            }
            if let Some(found) = self.first_lossless_untagged(&value) {
                return Ok(found);
            }
            return match self.unknown {
                Some(keep) => Ok(keep(value)),
                None => Err(format!("{name}: unknown {tag} {kind:?}")),
            };
        }
        let mut first = None;
        let mut errors = Vec::new();
        for member in self.untagged {
            match member(value.clone()) {
                Ok(decoded) => {
                    if serde_json::to_value(&decoded).is_ok_and(|out| same_json(&value, &out)) {
                        return Ok(decoded);
                    }
                    first.get_or_insert(decoded);
                }
                Err(e) => errors.push(e.to_string()),
            }
        }
        if let Some(decoded) = first {
            return Ok(decoded);
        }
        match self.tag {
            Some(tag) if self.untagged.is_empty() => {
                Err(format!("{name}: no `{tag}` property telling which kind this is"))
            }
            _ => Err(format!("{name}: the value matches no member ({})", errors.join("; "))),
        }
    }

    fn first_lossless_untagged(&self, value: &Value) -> Option<T> {
        self.untagged.iter().find_map(|member| {
            let decoded = member(value.clone()).ok()?;
            serde_json::to_value(&decoded).is_ok_and(|out| same_json(value, &out)).then_some(decoded)
        })
    }
}

/// Whether `output` (a decoded value serialized again) says the same as `input`, under the one
/// normalization the crates allow: an object member that is `null` in the input may be absent in the
/// output (an optional nullable field), and numbers are equal when their values are (`1` and `1.0`).
/// Everything else (every other member, every array element, every string) must be equal.
pub fn same_json(input: &Value, output: &Value) -> bool {
    first_difference(input, output).is_none()
}

/// The JSON pointer of the first place where `output` differs from `input` (see [`same_json`]).
pub fn first_difference(input: &Value, output: &Value) -> Option<String> {
    fn walk(a: &Value, b: &Value, at: &mut String) -> bool {
        match (a, b) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, va) in a {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    let ok = match b.get(k) {
                        Some(vb) => walk(va, vb, at),
                        None => va.is_null(),
                    };
                    if !ok {
                        return false;
                    }
                    at.truncate(len);
                }
                if let Some(k) = b.keys().find(|k| !a.contains_key(*k)) {
                    at.push('/');
                    at.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    return false;
                }
                true
            }
            (Value::Array(a), Value::Array(b)) => {
                if a.len() != b.len() {
                    return false;
                }
                for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    if !walk(va, vb, at) {
                        return false;
                    }
                    at.truncate(len);
                }
                true
            }
            (Value::Number(x), Value::Number(y)) => {
                x == y || matches!((x.as_f64(), y.as_f64()), (Some(x), Some(y)) if x == y)
            }
            _ => a == b,
        }
    }
    let mut at = String::new();
    if walk(input, output, &mut at) { None } else { Some(at) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Flat {
        name: String,
    }
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct End {
        r#type: String,
    }
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Transfer {
        r#type: String,
        to: Vec<String>,
    }
    #[derive(Debug, PartialEq, Serialize)]
    #[serde(untagged)]
    enum Tool {
        Flat(Flat),
        End(End),
        Transfer(Transfer),
        Unknown(Value),
    }
    fn tool() -> Union<'static, Tool> {
        Union {
            name: "Tool",
            tag: Some("type"),
            tagged: &[
                ("end", |v| serde_json::from_value(v).map(Tool::End)),
                ("transfer", |v| serde_json::from_value(v).map(Tool::Transfer)),
            ],
            untagged: &[|v| serde_json::from_value(v).map(Tool::Flat)],
            unknown: Some(Tool::Unknown),
        }
    }

    #[test]
    fn a_tag_selects_its_member_only() {
        let t = tool().decode(json!({"type": "transfer", "to": ["+1"]})).unwrap();
        assert_eq!(t, Tool::Transfer(Transfer { r#type: "transfer".into(), to: vec!["+1".into()] }));
        // A known tag whose body is wrong is an error naming the tag, never another member.
        let e = tool().decode(json!({"type": "transfer"})).unwrap_err();
        assert!(e.contains("Tool with type \"transfer\"") && e.contains("to"), "{e}");
    }

    #[test]
    fn an_unknown_tag_keeps_the_whole_object() {
        let raw = json!({"type": "sms", "name": "x", "body": "hi"});
        let t = tool().decode(raw.clone()).unwrap();
        assert_eq!(t, Tool::Unknown(raw.clone()));
        assert_eq!(serde_json::to_value(&t).unwrap(), raw);
    }

    #[test]
    fn members_without_the_tag_are_tried_when_it_is_absent() {
        assert_eq!(tool().decode(json!({"name": "f"})).unwrap(), Tool::Flat(Flat { name: "f".into() }));
        assert!(tool().decode(json!({"other": 1})).unwrap_err().contains("matches no member"));
    }

    #[test]
    fn without_a_tag_the_lossless_member_wins_over_an_earlier_one() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Small {
            a: i32,
        }
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Big {
            a: i32,
            b: i32,
        }
        #[derive(Debug, PartialEq, Serialize)]
        #[serde(untagged)]
        enum U {
            Small(Small),
            Big(Big),
        }
        let u = Union::<U> {
            name: "U",
            tag: None,
            tagged: &[],
            untagged: &[
                |v| serde_json::from_value(v).map(U::Small),
                |v| serde_json::from_value(v).map(U::Big),
            ],
            unknown: None,
        };
        assert_eq!(u.decode(json!({"a": 1, "b": 2})).unwrap(), U::Big(Big { a: 1, b: 2 }));
        assert_eq!(u.decode(json!({"a": 1})).unwrap(), U::Small(Small { a: 1 }));
        // Nothing lossless: the first that parsed (an extra member is dropped, as serde would).
        assert_eq!(u.decode(json!({"a": 1, "c": 3})).unwrap(), U::Small(Small { a: 1 }));
    }

    #[test]
    fn same_json_allows_only_null_for_absent_and_number_spelling() {
        assert!(same_json(&json!({"a": null, "b": 1}), &json!({"b": 1.0})));
        assert_eq!(first_difference(&json!({"a": 1}), &json!({})), Some("/a".into()));
        assert_eq!(
            first_difference(&json!({"a": [1, {"b/c": 2}]}), &json!({"a": [1, {"b/c": 3}]})),
            Some("/a/1/b~1c".into())
        );
        assert_eq!(first_difference(&json!({}), &json!({"x": null})), Some("/x".into()));
        assert_eq!(first_difference(&json!("1"), &json!(1)), Some(String::new()));
    }
}
