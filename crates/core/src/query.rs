//! Query parameters whose array is one delimited value (`ids=a,b,c`), not a repeated key.
//!
//! OpenAPI's `style: form` with `explode: false` sends an array as one comma-separated value,
//! `spaceDelimited` and `pipeDelimited` with a space or a `|`, and Swagger 2.0's default
//! `collectionFormat: csv` means the same as the first. progenitor always repeats the key
//! (`ids=a&ids=b`), which such a server reads as one value or refuses. agentdial's build
//! (transformation `delimited_query_arrays`) makes the generated `send()` pass such a parameter
//! through [`Delimited`].

use serde::{Serialize, Serializer};

/// Serializes the array it wraps as one string of its items joined by the delimiter; `None` (an
/// optional parameter not given) sends nothing, and a value that is not an array is sent as it is.
pub struct Delimited<'a, T: ?Sized> {
    value: &'a T,
    delimiter: &'static str,
}

impl<'a, T: ?Sized> Delimited<'a, T> {
    /// `value` joined by `delimiter` (`","`, `" "` or `"|"`).
    pub fn new(value: &'a T, delimiter: &'static str) -> Self {
        Self { value, delimiter }
    }
}

fn item_text(item: &serde_json::Value) -> String {
    match item {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl<T: Serialize + ?Sized> Serialize for Delimited<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = serde_json::to_value(self.value).map_err(serde::ser::Error::custom)?;
        match value {
            serde_json::Value::Null => serializer.serialize_none(),
            serde_json::Value::Array(items) => {
                let joined: Vec<String> = items.iter().map(item_text).collect();
                serializer.serialize_str(&joined.join(self.delimiter))
            }
            _ => self.value.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Delimited;

    #[test]
    fn an_array_is_one_delimited_value() {
        let ids = Some(vec!["a".to_owned(), "b c".to_owned()]);
        let encoded = serde_html_form::to_string([("ids", Delimited::new(&ids, ","))]).unwrap();
        assert_eq!(encoded, "ids=a%2Cb+c");
        let numbers = vec![1, 2, 3];
        assert_eq!(serde_json::to_value(Delimited::new(&numbers, "|")).unwrap(), "1|2|3");
        let none: Option<Vec<String>> = None;
        assert_eq!(serde_json::to_value(Delimited::new(&none, ",")).unwrap(), serde_json::Value::Null);
        assert_eq!(serde_json::to_value(Delimited::new(&7, ",")).unwrap(), 7);
    }
}
