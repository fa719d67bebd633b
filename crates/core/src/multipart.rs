//! `multipart/form-data` request bodies.
//!
//! progenitor 0.15.1 cannot generate an operation whose request body is `multipart/form-data`.
//! agentdial's build (transformation `multipart_request_bodies`) gives such a body a generated
//! struct like any JSON body, with every file field typed [`FilePart`], and the generated `send()`
//! turns that struct into a [`reqwest::multipart::Form`] with [`to_form`]:
//!
//! - each top-level field becomes one part named as the document names it (serde renames kept);
//! - a [`FilePart`] becomes a file part: its bytes, its file name and its content type;
//! - strings, numbers, booleans and enum values become text parts;
//! - an array becomes one part per element, all with the field's name;
//! - an object (or an array inside an array) becomes one part holding its JSON, with
//!   `Content-Type: application/json`;
//! - `None` (an absent optional field, or an explicit null) sends no part at all.
//!
//! A content type the document's `encoding` gives for a field is used for its text parts, and for
//! its file parts whose [`FilePart`] names none.

use reqwest::multipart::{Form, Part};
use serde::ser::{self, Impossible, Serialize, SerializeMap, SerializeSeq, SerializeStruct, Serializer};
use std::fmt;

/// The struct name under which [`FilePart`] serializes; [`to_form`] recognizes it.
const FILE_PART: &str = "$agentdial::multipart::FilePart";

/// A file sent as one part of a `multipart/form-data` body: its bytes, and optionally the file
/// name and content type the part announces.
///
/// ```
/// use agentdial_core::multipart::FilePart;
/// let clip = FilePart::new(b"RIFF....WAVE".to_vec()).file_name("clip.wav").content_type("audio/wav");
/// assert_eq!(clip.bytes.len(), 12);
/// ```
#[derive(Clone, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
pub struct FilePart {
    /// The file's content.
    pub bytes: Vec<u8>,
    /// `filename` of the part's `Content-Disposition`.
    pub file_name: Option<String>,
    /// The part's `Content-Type`; without one, the document's `encoding` for the field, else
    /// `application/octet-stream`.
    pub content_type: Option<String>,
}

impl FilePart {
    /// A file part with these bytes, no file name and no content type of its own.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self { bytes: bytes.into(), file_name: None, content_type: None }
    }

    /// Sets the part's file name.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Sets the part's content type, e.g. `audio/wav`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

impl From<Vec<u8>> for FilePart {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The content can be megabytes of audio: its length says enough.
        f.debug_struct("FilePart")
            .field("bytes", &format_args!("[{} bytes]", self.bytes.len()))
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish()
    }
}

impl Serialize for FilePart {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct(FILE_PART, 3)?;
        s.serialize_field("bytes", &Bytes(&self.bytes))?;
        s.serialize_field("file_name", &self.file_name)?;
        s.serialize_field("content_type", &self.content_type)?;
        s.end()
    }
}

/// Bytes through `serialize_bytes` (serde serializes a `Vec<u8>` as a sequence of numbers).
struct Bytes<'a>(&'a [u8]);
impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

/// Why a value could not be turned into a multipart form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartError(String);

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot encode the body as multipart/form-data: {}", self.0)
    }
}
impl std::error::Error for MultipartError {}
impl ser::Error for MultipartError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

/// Builds the form for `body`, a struct or map (see the module docs for the rules).
/// `content_types` holds the document's `encoding.<field>.contentType` entries.
pub fn to_form<T: Serialize + ?Sized>(
    body: &T,
    content_types: &[(&str, &str)],
) -> Result<Form, MultipartError> {
    let fields = body.serialize(TopLevel)?;
    let mut form = Form::new();
    for (name, values) in fields {
        let declared = content_types.iter().find(|(field, _)| *field == name).map(|(_, ct)| *ct);
        for value in values {
            let part = match value {
                Value::Text(text) => match declared {
                    Some(ct) => with_mime(Part::text(text), ct)?,
                    None => Part::text(text),
                },
                Value::Json(json) => with_mime(Part::text(json), declared.unwrap_or("application/json"))?,
                Value::File { bytes, file_name, content_type } => {
                    let mut part = with_mime(
                        Part::bytes(bytes),
                        content_type.as_deref().or(declared).unwrap_or("application/octet-stream"),
                    )?;
                    if let Some(file_name) = file_name {
                        part = part.file_name(file_name);
                    }
                    part
                }
            };
            form = form.part(name.clone(), part);
        }
    }
    Ok(form)
}

fn with_mime(part: Part, content_type: &str) -> Result<Part, MultipartError> {
    part.mime_str(content_type).map_err(|_| MultipartError(format!("invalid content type {content_type:?}")))
}

/// One part's value, before it becomes a `Part`.
#[derive(Debug, PartialEq)]
enum Value {
    Text(String),
    Json(String),
    File { bytes: Vec<u8>, file_name: Option<String>, content_type: Option<String> },
}

type Fields = Vec<(String, Vec<Value>)>;

fn unsupported(what: &str) -> MultipartError {
    MultipartError(format!("the body must be an object (a struct or a map), not {what}"))
}

/// The body itself: a struct or a map, whose entries become parts.
struct TopLevel;

macro_rules! top_level_refuses {
    ($($method:ident($($arg:ty),*) => $what:literal;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Fields, MultipartError> { Err(unsupported($what)) })*
    };
}

impl Serializer for TopLevel {
    type Ok = Fields;
    type Error = MultipartError;
    type SerializeSeq = Impossible<Fields, MultipartError>;
    type SerializeTuple = Impossible<Fields, MultipartError>;
    type SerializeTupleStruct = Impossible<Fields, MultipartError>;
    type SerializeTupleVariant = Impossible<Fields, MultipartError>;
    type SerializeMap = TopLevelEntries;
    type SerializeStruct = TopLevelEntries;
    type SerializeStructVariant = Impossible<Fields, MultipartError>;

    top_level_refuses! {
        serialize_bool(bool) => "a boolean";
        serialize_i8(i8) => "a number";
        serialize_i16(i16) => "a number";
        serialize_i32(i32) => "a number";
        serialize_i64(i64) => "a number";
        serialize_u8(u8) => "a number";
        serialize_u16(u16) => "a number";
        serialize_u32(u32) => "a number";
        serialize_u64(u64) => "a number";
        serialize_f32(f32) => "a number";
        serialize_f64(f64) => "a number";
        serialize_char(char) => "a string";
        serialize_str(&str) => "a string";
        serialize_bytes(&[u8]) => "bytes";
        serialize_none() => "null";
        serialize_unit() => "null";
        serialize_unit_struct(&'static str) => "null";
        serialize_unit_variant(&'static str, u32, &'static str) => "an enum value";
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Fields, MultipartError> {
        value.serialize(self)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Fields, MultipartError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Fields, MultipartError> {
        Err(unsupported("an externally tagged enum"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, MultipartError> {
        Err(unsupported("an array"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, MultipartError> {
        Err(unsupported("an array"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, MultipartError> {
        Err(unsupported("an array"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, MultipartError> {
        Err(unsupported("an enum"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<TopLevelEntries, MultipartError> {
        Ok(TopLevelEntries::default())
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<TopLevelEntries, MultipartError> {
        if name == FILE_PART {
            return Err(unsupported("a file"));
        }
        Ok(TopLevelEntries::default())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, MultipartError> {
        Err(unsupported("an enum"))
    }
}

#[derive(Default)]
struct TopLevelEntries {
    fields: Fields,
    key: Option<String>,
}

impl TopLevelEntries {
    fn push<T: Serialize + ?Sized>(&mut self, name: String, value: &T) -> Result<(), MultipartError> {
        let values = part_values(value, false)?;
        if !values.is_empty() {
            self.fields.push((name, values));
        }
        Ok(())
    }
}

impl SerializeStruct for TopLevelEntries {
    type Ok = Fields;
    type Error = MultipartError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), MultipartError> {
        self.push(key.to_owned(), value)
    }
    fn end(self) -> Result<Fields, MultipartError> {
        Ok(self.fields)
    }
}

impl SerializeMap for TopLevelEntries {
    type Ok = Fields;
    type Error = MultipartError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), MultipartError> {
        match serde_json::to_value(key).map_err(ser::Error::custom)? {
            serde_json::Value::String(k) => self.key = Some(k),
            other => self.key = Some(other.to_string()),
        }
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MultipartError> {
        let key = self.key.take().ok_or_else(|| MultipartError("a map value without a key".into()))?;
        self.push(key, value)
    }
    fn end(self) -> Result<Fields, MultipartError> {
        Ok(self.fields)
    }
}

/// The parts of one field: none (null), one, or one per array element.
fn part_values<T: Serialize + ?Sized>(value: &T, in_array: bool) -> Result<Vec<Value>, MultipartError> {
    match value.serialize(PartValue { in_array }) {
        Ok(values) => Ok(values),
        // An object, or an array inside an array: the part holds its JSON.
        Err(Composite::Json) => {
            Ok(vec![Value::Json(serde_json::to_string(value).map_err(ser::Error::custom)?)])
        }
        Err(Composite::Error(e)) => Err(e),
    }
}

/// Serializes one field's value into parts; reports a composite value so that the caller can
/// encode it as JSON (serde gives a serializer the value piecewise, the caller has it whole).
struct PartValue {
    in_array: bool,
}

#[derive(Debug)]
enum Composite {
    Json,
    Error(MultipartError),
}
impl fmt::Display for Composite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Composite::Json => f.write_str("composite value"),
            Composite::Error(e) => e.fmt(f),
        }
    }
}
impl std::error::Error for Composite {}
impl ser::Error for Composite {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Composite::Error(MultipartError(msg.to_string()))
    }
}

macro_rules! text_part {
    ($($method:ident($ty:ty);)*) => {
        $(fn $method(self, v: $ty) -> Result<Vec<Value>, Composite> { Ok(vec![Value::Text(v.to_string())]) })*
    };
}

impl Serializer for PartValue {
    type Ok = Vec<Value>;
    type Error = Composite;
    type SerializeSeq = Elements;
    type SerializeTuple = Impossible<Vec<Value>, Composite>;
    type SerializeTupleStruct = Impossible<Vec<Value>, Composite>;
    type SerializeTupleVariant = Impossible<Vec<Value>, Composite>;
    type SerializeMap = Impossible<Vec<Value>, Composite>;
    type SerializeStruct = FileFields;
    type SerializeStructVariant = Impossible<Vec<Value>, Composite>;

    text_part! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_i128(i128);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_u128(u128);
        serialize_char(char);
        serialize_str(&str);
    }

    fn serialize_f32(self, v: f32) -> Result<Vec<Value>, Composite> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Vec<Value>, Composite> {
        // JSON's spelling (`1.0`, `1e100`), as the document's `type: number` implies.
        Ok(vec![Value::Text(serde_json::to_string(&v).map_err(ser::Error::custom)?)])
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Vec<Value>, Composite> {
        Ok(vec![Value::File { bytes: v.to_vec(), file_name: None, content_type: None }])
    }
    fn serialize_none(self) -> Result<Vec<Value>, Composite> {
        Ok(Vec::new())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Vec<Value>, Composite> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Vec<Value>, Composite> {
        Ok(Vec::new())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Vec<Value>, Composite> {
        Ok(Vec::new())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Vec<Value>, Composite> {
        Ok(vec![Value::Text(variant.to_owned())])
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Vec<Value>, Composite> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Vec<Value>, Composite> {
        Err(Composite::Json)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Elements, Composite> {
        if self.in_array { Err(Composite::Json) } else { Ok(Elements(Vec::new())) }
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Composite> {
        Err(Composite::Json)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Composite> {
        Err(Composite::Json)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Composite> {
        Err(Composite::Json)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Composite> {
        Err(Composite::Json)
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<FileFields, Composite> {
        if name == FILE_PART { Ok(FileFields::default()) } else { Err(Composite::Json) }
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Composite> {
        Err(Composite::Json)
    }
}

/// An array field: one part per element.
struct Elements(Vec<Value>);

impl SerializeSeq for Elements {
    type Ok = Vec<Value>;
    type Error = Composite;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Composite> {
        self.0.extend(part_values(value, true).map_err(Composite::Error)?);
        Ok(())
    }
    fn end(self) -> Result<Vec<Value>, Composite> {
        Ok(self.0)
    }
}

/// The fields of a [`FilePart`].
#[derive(Default)]
struct FileFields {
    bytes: Vec<u8>,
    file_name: Option<String>,
    content_type: Option<String>,
}

impl SerializeStruct for FileFields {
    type Ok = Vec<Value>;
    type Error = Composite;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Composite> {
        let values = value.serialize(PartValue { in_array: true })?;
        let text = || match values.first() {
            Some(Value::Text(t)) => Some(t.clone()),
            _ => None,
        };
        match key {
            "bytes" => {
                if let Some(Value::File { bytes, .. }) = values.into_iter().next() {
                    self.bytes = bytes;
                }
            }
            "file_name" => self.file_name = text(),
            "content_type" => self.content_type = text(),
            _ => {}
        }
        Ok(())
    }
    fn end(self) -> Result<Vec<Value>, Composite> {
        Ok(vec![Value::File {
            bytes: self.bytes,
            file_name: self.file_name,
            content_type: self.content_type,
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize)]
    struct Upload {
        clip: FilePart,
        #[serde(rename = "voice[id]")]
        voice_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        sample_rate: Option<i64>,
        speed: f64,
        tags: Vec<String>,
        files: Vec<FilePart>,
        settings: BTreeMap<String, i64>,
        nested: Vec<Vec<i64>>,
        absent: Option<String>,
        kind: Kind,
    }

    #[derive(serde::Serialize)]
    enum Kind {
        #[serde(rename = "voice-clone")]
        Clone,
    }

    fn parts(form_fields: Fields) -> Vec<(String, Value)> {
        form_fields.into_iter().flat_map(|(n, vs)| vs.into_iter().map(move |v| (n.clone(), v))).collect()
    }

    #[test]
    fn fields_become_parts_by_their_json_names() {
        let body = Upload {
            clip: FilePart::new(b"RIFF".to_vec()).file_name("a.wav").content_type("audio/wav"),
            voice_id: "v1".into(),
            sample_rate: Some(44100),
            speed: 1.5,
            tags: vec!["a".into(), "b".into()],
            files: vec![FilePart::new(vec![1, 2]), FilePart::new(vec![3])],
            settings: BTreeMap::from([("x".to_owned(), 1)]),
            nested: vec![vec![1, 2]],
            absent: None,
            kind: Kind::Clone,
        };
        let got = parts(body.serialize(TopLevel).unwrap());
        let file = |b: &[u8], n: Option<&str>, c: Option<&str>| Value::File {
            bytes: b.to_vec(),
            file_name: n.map(str::to_owned),
            content_type: c.map(str::to_owned),
        };
        assert_eq!(
            got,
            vec![
                ("clip".into(), file(b"RIFF", Some("a.wav"), Some("audio/wav"))),
                ("voice[id]".into(), Value::Text("v1".into())),
                ("sample_rate".into(), Value::Text("44100".into())),
                ("speed".into(), Value::Text("1.5".into())),
                ("tags".into(), Value::Text("a".into())),
                ("tags".into(), Value::Text("b".into())),
                ("files".into(), file(&[1, 2], None, None)),
                ("files".into(), file(&[3], None, None)),
                ("settings".into(), Value::Json(r#"{"x":1}"#.into())),
                ("nested".into(), Value::Json("[1,2]".into())),
                ("kind".into(), Value::Text("voice-clone".into())),
            ]
        );
        // And the form builds.
        to_form(&body, &[("voice[id]", "text/plain; charset=utf-8")]).unwrap();
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused() {
        assert_eq!(
            to_form(&"text", &[]).unwrap_err().to_string(),
            "cannot encode the body as multipart/form-data: the body must be an object (a struct or a map), not a string"
        );
        assert!(to_form(&vec![1], &[]).is_err());
        assert!(to_form(&FilePart::new(vec![1]), &[]).is_err());
    }

    #[test]
    fn an_invalid_content_type_is_an_error_not_a_panic() {
        let body = BTreeMap::from([("f", FilePart::new(vec![1]).content_type("not a type"))]);
        assert!(to_form(&body, &[]).unwrap_err().to_string().contains("invalid content type"));
    }

    #[test]
    fn file_parts_serialize_to_json_and_back() {
        let part = FilePart::new(vec![1, 2]).file_name("a.bin");
        let json = serde_json::to_value(&part).unwrap();
        assert_eq!(json, serde_json::json!({"bytes": [1, 2], "file_name": "a.bin", "content_type": null}));
        assert_eq!(serde_json::from_value::<FilePart>(json).unwrap(), part);
        assert_eq!(
            format!("{part:?}"),
            r#"FilePart { bytes: [2 bytes], file_name: Some("a.bin"), content_type: None }"#
        );
    }
}
