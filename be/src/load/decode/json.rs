//! JSON messages -> text columns (StarRocks `be/src/exec/json_scanner.cpp`; spec §8.2).
//!
//! - One message = one document. An object is one row; with `strip_outer_array` an array is one
//!   row per element. Rejections use the texts of StarRocks 3.4's simdjson parsers
//!   (`be/src/exec/json_parser.cpp`): an array without `strip_outer_array` is
//!   `The value is array type in json document stream, you can set strip_outer_array=true to
//!   parse each element of the array as individual rows`. (The spec quotes the older rapidjson
//!   scanner's `JSON data is an array, strip_outer_array must be set true`; the source of the
//!   release starload mirrors wins.)
//! - `json_root` selects the element to load first.
//! - Simple mode (no jsonpaths): column names are looked up as keys. Matched mode: the i-th
//!   jsonpath feeds the i-th source column. A missing key gives NULL.
//! - Values become the text StarRocks's converters see: strings as is, numbers as written,
//!   booleans `true`/`false`, objects and arrays as compact JSON text, `null` as NULL.
//!
//! The same path machinery serves the Avro decoder (records are turned into JSON values).
//!
//! Parser: JSON messages are parsed with sonic-rs (SIMD; 4.4x serde_json's parse rate in
//! `bench decode_bench`), Avro records become serde_json values; both go through [`JsonNode`].
//! sonic-rs's `Value` parser recurses without a depth limit, so a message is first checked
//! against [`MAX_DEPTH`] (simdjson's default, which StarRocks uses): a poison message of
//! 100,000 `[` would otherwise overflow the stack and abort the BE. Duplicate keys: the first
//! wins, as with simdjson's `find_field_unordered`.

use super::{Decoder, MessageChunk, RowOrigin, SourceBatch, TextColumnBuilder};
use crate::load::error::LoadError;
use crate::load::error_rows::ErrorRows;
use serde_json::Value;
use sonic_rs::{JsonContainerTrait, JsonType, JsonValueTrait};

/// What the row sink reads of a parsed document (sonic-rs for JSON, serde_json for Avro).
pub trait JsonNode: std::fmt::Display {
    /// The member `k` of an object.
    fn member(&self, k: &str) -> Option<&Self>;
    /// Element `i` of an array.
    fn element(&self, i: usize) -> Option<&Self>;
    /// The elements of an array; None for other values.
    fn elements(&self) -> Option<Vec<&Self>>;
    fn is_object(&self) -> bool;
    fn is_null(&self) -> bool;
    fn as_text(&self) -> Option<&str>;
    fn as_bool(&self) -> Option<bool>;
    /// Appends a number as written (shortest round-trip form for floats).
    fn write_number(&self, out: &mut String) -> bool;
}

impl JsonNode for Value {
    fn member(&self, k: &str) -> Option<&Self> {
        self.as_object()?.get(k)
    }
    fn element(&self, i: usize) -> Option<&Self> {
        self.as_array()?.get(i)
    }
    fn elements(&self) -> Option<Vec<&Self>> {
        Some(self.as_array()?.iter().collect())
    }
    fn is_object(&self) -> bool {
        Value::is_object(self)
    }
    fn is_null(&self) -> bool {
        Value::is_null(self)
    }
    fn as_text(&self) -> Option<&str> {
        self.as_str()
    }
    fn as_bool(&self) -> Option<bool> {
        Value::as_bool(self)
    }
    fn write_number(&self, out: &mut String) -> bool {
        use std::fmt::Write;
        match self {
            Value::Number(n) => write!(out, "{n}").is_ok(),
            _ => false,
        }
    }
}

impl JsonNode for sonic_rs::Value {
    fn member(&self, k: &str) -> Option<&Self> {
        self.as_object()?.get(&k)
    }
    fn element(&self, i: usize) -> Option<&Self> {
        self.as_array()?.get(i)
    }
    fn elements(&self) -> Option<Vec<&Self>> {
        Some(self.as_array()?.iter().collect())
    }
    fn is_object(&self) -> bool {
        self.get_type() == JsonType::Object
    }
    fn is_null(&self) -> bool {
        JsonValueTrait::is_null(self)
    }
    fn as_text(&self) -> Option<&str> {
        self.as_str()
    }
    fn as_bool(&self) -> Option<bool> {
        JsonValueTrait::as_bool(self)
    }
    fn write_number(&self, out: &mut String) -> bool {
        use std::fmt::Write;
        if let Some(raw) = self.as_raw_number() {
            out.push_str(raw.as_str());
            return true;
        }
        match self.as_number() {
            Some(n) => write!(out, "{n}").is_ok(),
            None => false,
        }
    }
}

/// Nesting limit of a JSON message (simdjson's `DEFAULT_MAX_DEPTH`).
pub const MAX_DEPTH: usize = 1024;

/// Whether `payload` nests arrays/objects deeper than `limit`. Strings are skipped (a `[` in a
/// string does not nest). Fast path: fewer opening brackets than the limit cannot exceed it.
pub fn nests_deeper_than(payload: &[u8], limit: usize) -> bool {
    if memchr::memchr2_iter(b'[', b'{', payload).count() <= limit {
        return false;
    }
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for &b in payload {
        if in_str {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// One step of a JsonPath.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

/// A parsed JsonPath (`$.a.b[0]`, `$["k"]`, `$`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath(pub Vec<PathSeg>);

impl JsonPath {
    /// Parses a path; None when it is malformed.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let mut rest = t.strip_prefix('$').unwrap_or(t);
        let mut segs = Vec::new();
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('.') {
                let end = r.find(['.', '[']).unwrap_or(r.len());
                let key = &r[..end];
                if key.is_empty() {
                    return None;
                }
                segs.push(PathSeg::Key(key.to_string()));
                rest = &r[end..];
            } else if let Some(r) = rest.strip_prefix('[') {
                let end = r.find(']')?;
                let inner = r[..end].trim();
                if let Some(q) = inner
                    .strip_prefix('"')
                    .and_then(|x| x.strip_suffix('"'))
                    .or_else(|| inner.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                {
                    segs.push(PathSeg::Key(q.to_string()));
                } else {
                    segs.push(PathSeg::Index(inner.parse().ok()?));
                }
                rest = &r[end + 1..];
            } else if segs.is_empty() && !t.starts_with('$') {
                // Bare key without `$.`.
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                segs.push(PathSeg::Key(rest[..end].to_string()));
                rest = &rest[end..];
            } else {
                return None;
            }
        }
        Some(Self(segs))
    }

    /// The value at this path, if present.
    pub fn get<'a, V: JsonNode>(&self, mut v: &'a V) -> Option<&'a V> {
        for s in &self.0 {
            v = match s {
                PathSeg::Key(k) => v.member(k)?,
                PathSeg::Index(i) => v.element(*i)?,
            };
        }
        Some(v)
    }
}

/// Parses the `jsonpaths` property (a JSON array of path strings).
pub fn parse_jsonpaths(text: &str) -> Result<Vec<JsonPath>, LoadError> {
    let arr: Vec<String> =
        serde_json::from_str(text).map_err(|source| LoadError::JsonPathsNotArray {
            text: text.to_string(),
            source,
        })?;
    arr.iter()
        .map(|p| JsonPath::parse(p).ok_or_else(|| LoadError::InvalidJsonPath(text.to_string())))
        .collect()
}

/// JSON options of a job.
#[derive(Debug, Clone, Default)]
pub struct JsonOptions {
    /// Paths in source-column order; empty = simple mode (keys by column name).
    pub jsonpaths: Vec<JsonPath>,
    pub json_root: Option<JsonPath>,
    pub strip_outer_array: bool,
}

/// Where values are taken from, per source column.
#[derive(Debug, Clone)]
pub(crate) enum Extract {
    Key(String),
    Path(JsonPath),
    /// More names than jsonpaths: always NULL.
    Missing,
}

/// Builds text columns from JSON values (shared by the JSON and Avro decoders).
pub(crate) struct JsonRowSink {
    extract: Vec<Extract>,
    cols: Vec<TextColumnBuilder>,
    origins: Vec<RowOrigin>,
    buf: String,
}

impl JsonRowSink {
    pub(crate) fn new(names: &[String], opts: &JsonOptions, rows: usize) -> Self {
        let extract: Vec<Extract> = if opts.jsonpaths.is_empty() {
            names.iter().map(|n| Extract::Key(n.clone())).collect()
        } else {
            // The i-th path feeds the i-th name; names beyond the paths get NULL.
            (0..names.len())
                .map(|i| match opts.jsonpaths.get(i) {
                    Some(p) => Extract::Path(p.clone()),
                    None => Extract::Missing,
                })
                .collect()
        };
        let cols = names
            .iter()
            .map(|_| TextColumnBuilder::with_capacity(rows, rows * 8))
            .collect();
        Self {
            extract,
            cols,
            origins: Vec::with_capacity(rows),
            buf: String::new(),
        }
    }

    /// Appends one row taken from object `row`.
    pub(crate) fn push_row<V: JsonNode>(&mut self, row: &V, origin: RowOrigin) {
        for (c, ex) in self.cols.iter_mut().zip(self.extract.iter()) {
            let v = match ex {
                Extract::Key(k) => row.member(k),
                Extract::Path(p) => p.get(row),
                Extract::Missing => None,
            };
            let Some(v) = v.filter(|v| !v.is_null()) else {
                c.append_null();
                continue;
            };
            if let Some(s) = v.as_text() {
                c.append(s.as_bytes());
            } else if let Some(b) = v.as_bool() {
                c.append(if b { b"true" } else { b"false" });
            } else {
                use std::fmt::Write;
                self.buf.clear();
                if !v.write_number(&mut self.buf) {
                    // Objects and arrays: compact JSON text.
                    let _ = write!(self.buf, "{v}");
                }
                c.append(self.buf.as_bytes());
            }
        }
        self.origins.push(origin);
    }

    pub(crate) fn finish(self) -> SourceBatch {
        SourceBatch {
            columns: self
                .cols
                .into_iter()
                .map(TextColumnBuilder::finish)
                .collect(),
            origins: self.origins,
        }
    }
}

/// The first bytes of a value in StarRocks's messages (`MAX_RAW_JSON_LEN`).
const MAX_RAW_JSON_LEN: usize = 64;

/// The rows of one document: the object itself (no allocation per message), or the elements of
/// a stripped outer array.
pub(crate) enum DocRows<'a, V> {
    One(&'a V),
    Many(Vec<&'a V>),
}

impl<V> DocRows<'_, V> {
    pub(crate) fn len(&self) -> usize {
        match self {
            DocRows::One(_) => 1,
            DocRows::Many(v) => v.len(),
        }
    }
}

impl<'a, V> IntoIterator for DocRows<'a, V> {
    type Item = &'a V;
    type IntoIter = std::iter::Chain<std::option::IntoIter<&'a V>, std::vec::IntoIter<&'a V>>;
    fn into_iter(self) -> Self::IntoIter {
        match self {
            DocRows::One(v) => Some(v).into_iter().chain(Vec::new()),
            DocRows::Many(v) => None.into_iter().chain(v),
        }
    }
}

/// Why a parsed document gives no rows (StarRocks's texts). The message is one rejected row
/// in the error log and fails the task (`Decoder::fatal_parse_error_fails_task`); spec §6.5
/// says such a message is only an error row, StarRocks's `json_scanner.cpp` returns the error
/// from `read_chunk` and the task aborts, and the source wins.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DocumentError {
    #[error("JSON root not found")]
    RootNotFound,
    #[error("{}", ARRAY_WITHOUT_STRIP)]
    ArrayWithoutStrip,
    /// `strip_outer_array` over a non-array; `value` is its first [`MAX_RAW_JSON_LEN`] bytes.
    #[error("the value should be array type with strip_outer_array=true, value: {value}")]
    NotAnArray { value: String },
    #[error("{}", NOT_AN_OBJECT)]
    NotAnObject,
}

/// Rows of one parsed document after json_root / strip_outer_array, or the rejection reason.
pub(crate) fn document_rows<'a, V: JsonNode>(
    doc: &'a V,
    opts: &JsonOptions,
) -> Result<DocRows<'a, V>, DocumentError> {
    let root = match &opts.json_root {
        Some(p) => p.get(doc).ok_or(DocumentError::RootNotFound)?,
        None => doc,
    };
    match root.elements() {
        Some(rows) if opts.strip_outer_array => Ok(DocRows::Many(rows)),
        Some(_) => Err(DocumentError::ArrayWithoutStrip),
        None if opts.strip_outer_array => {
            let mut text = root.to_string();
            if text.len() > MAX_RAW_JSON_LEN {
                let mut cut = MAX_RAW_JSON_LEN;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
            }
            Err(DocumentError::NotAnArray { value: text })
        }
        None if root.is_object() => Ok(DocRows::One(root)),
        None => Err(DocumentError::NotAnObject),
    }
}

/// A top-level array without `strip_outer_array`.
pub(crate) const ARRAY_WITHOUT_STRIP: &str = "The value is array type in json document stream, you can set strip_outer_array=true to parse each element of the array as individual rows";
/// A top-level scalar.
pub(crate) const NOT_AN_OBJECT: &str = "The value should be object type in json document stream";
/// An element of a stripped outer array that is not an object (simdjson INCORRECT_TYPE).
pub(crate) const ELEMENT_NOT_AN_OBJECT: &str = "Failed to iterate json array as object. error: The JSON element does not have the requested type.";

/// The JSON decoder of one task.
pub struct JsonDecoder {
    names: Vec<String>,
    opts: JsonOptions,
}

impl JsonDecoder {
    /// A decoder filling `names` (source columns, in order).
    pub fn new(names: Vec<String>, opts: JsonOptions) -> Self {
        Self { names, opts }
    }
}

/// Parses one message; None when it is not one valid JSON document (or nests too deep).
/// Numbers are kept as written (sonic-rs's raw numbers): the column converters parse them
/// with Rust's correctly rounded parser (sonic-rs's own float parse was off by one ulp on
/// values such as 2.5098018043108058e50), and a VARCHAR column gets the number's JSON text
/// as StarRocks's `to_json_string` gives it.
fn parse_message(payload: &[u8]) -> Option<sonic_rs::Value> {
    if nests_deeper_than(payload, MAX_DEPTH) {
        return None;
    }
    let text = std::str::from_utf8(payload).ok()?;
    let mut de = sonic_rs::Deserializer::from_str(text).use_rawnumber();
    let v: sonic_rs::Value = de.deserialize().ok()?;
    de.end().ok()?;
    Some(v)
}

/// StarRocks's parse-error text. StarRocks parses with simdjson and prints its error code and
/// message; a message sonic-rs rejects maps to simdjson's TAPE_ERROR (code 3), the code simdjson
/// gives for malformed documents, EMPTY (code 12) when blank, DEPTH_ERROR (code 4) when it nests
/// deeper than [`MAX_DEPTH`].
pub fn parse_error_reason(payload: &[u8]) -> String {
    if payload.iter().all(|c| c.is_ascii_whitespace()) {
        return "Failed to parse string to json. code=12, error=EMPTY: no JSON found".into();
    }
    if nests_deeper_than(payload, MAX_DEPTH) {
        return "Failed to parse string to json. code=4, error=DEPTH_ERROR: The JSON document was too deep (too many nested objects and arrays)".into();
    }
    "Failed to parse string to json. code=3, error=TAPE_ERROR: The JSON document has an improper structure: missing or superfluous commas, braces, missing keys, etc.".into()
}

impl Decoder for JsonDecoder {
    fn decode(
        &mut self,
        chunk: &MessageChunk,
        errors: &mut ErrorRows,
    ) -> Result<SourceBatch, LoadError> {
        chunk.announce_to(errors);
        let mut sink = JsonRowSink::new(&self.names, &self.opts, chunk.msgs.len());
        for mi in 0..chunk.msgs.len() {
            let m = chunk.msgs[mi];
            let payload = chunk.payload(mi);
            let origin = RowOrigin {
                start: m.start,
                end: m.start + m.len,
            };
            let parsed = parse_message(payload);
            let doc = match parsed {
                Some(v) => v,
                None => {
                    errors.total += 1;
                    errors.reject_fatal(&parse_error_reason(payload), payload);
                    continue;
                }
            };
            match document_rows(&doc, &self.opts) {
                Ok(rows) => {
                    for r in rows {
                        errors.total += 1;
                        if !JsonNode::is_object(r) {
                            // StarRocks's `JsonArrayParser::get_current` fails the whole read
                            // here (a `parse error.`), not just this element.
                            errors.reject_fatal(ELEMENT_NOT_AN_OBJECT, payload);
                            continue;
                        }
                        sink.push_row(r, origin);
                    }
                }
                Err(reason) => {
                    errors.total += 1;
                    errors.reject_fatal(&reason.to_string(), payload);
                }
            }
        }
        Ok(sink.finish())
    }

    fn fatal_parse_error_fails_task(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Array;

    fn chunk(msgs: &[&str]) -> MessageChunk {
        let mut c = MessageChunk::default();
        for (i, m) in msgs.iter().enumerate() {
            c.push(0, i as i64, -1, m.as_bytes());
        }
        c
    }

    fn rows(b: &SourceBatch) -> Vec<Vec<Option<String>>> {
        (0..b.num_rows())
            .map(|r| {
                b.columns
                    .iter()
                    .map(|c| (!c.is_null(r)).then(|| c.value(r).to_string()))
                    .collect()
            })
            .collect()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn seed_jsonpaths() {
        let paths = parse_jsonpaths(
            r#"["$.commodity_id","$.customer_name","$.country","$.pay_time","$.price"]"#,
        )
        .unwrap();
        let mut d = JsonDecoder::new(
            names(&[
                "commodity_id",
                "customer_name",
                "country",
                "pay_time",
                "price",
            ]),
            JsonOptions {
                jsonpaths: paths,
                ..Default::default()
            },
        );
        let mut e = ErrorRows::new(0);
        let b = d.decode(
            &chunk(&[r#"{"commodity_id": "1", "customer_name": "Mark Twain", "country": "US","pay_time": 1589191487,"price": 875}"#]),
            &mut e,
        ).unwrap();
        assert_eq!(
            rows(&b),
            vec![vec![
                s("1"),
                s("Mark Twain"),
                s("US"),
                s("1589191487"),
                s("875")
            ]]
        );
    }

    #[test]
    fn simple_mode_missing_keys_types_and_nesting() {
        let mut d = JsonDecoder::new(names(&["a", "b", "c", "d", "e"]), JsonOptions::default());
        let mut e = ErrorRows::new(0);
        let b = d
            .decode(
                &chunk(&[r#"{"a": 1.5, "b": true, "c": {"x": [1, 2]}, "d": null}"#]),
                &mut e,
            )
            .unwrap();
        assert_eq!(
            rows(&b),
            vec![vec![s("1.5"), s("true"), s(r#"{"x":[1,2]}"#), None, None]]
        );
        let p = JsonPath::parse("$.c.x[1]").unwrap();
        let v: Value = serde_json::from_str(r#"{"c": {"x": [1, 2]}}"#).unwrap();
        assert_eq!(p.get(&v), Some(&Value::from(2)));
        assert_eq!(
            JsonPath::parse("$[\"a b\"][0]").unwrap().0,
            vec![PathSeg::Key("a b".into()), PathSeg::Index(0)]
        );
        assert!(JsonPath::parse("$.").is_none());
    }

    #[test]
    fn root_and_strip_outer_array() {
        let opts = JsonOptions {
            json_root: JsonPath::parse("$.data"),
            strip_outer_array: true,
            ..Default::default()
        };
        let mut d = JsonDecoder::new(names(&["k"]), opts);
        let mut e = ErrorRows::new(0);
        let b = d
            .decode(&chunk(&[r#"{"data": [{"k": 1}, {"k": 2}, 3]}"#]), &mut e)
            .unwrap();
        assert_eq!(rows(&b), vec![vec![s("1")], vec![s("2")]]);
        assert_eq!((e.total, e.filtered), (3, 1));
    }

    #[test]
    fn bad_documents_are_one_error_row_each() {
        let mut d = JsonDecoder::new(names(&["k"]), JsonOptions::default());
        let mut e = ErrorRows::new(0);
        let b = d
            .decode(
                &chunk(&[
                    r#"[{"k": 1}, {"k": 2}]"#,
                    "{bad",
                    "",
                    r#"{"k": "ok"}"#,
                    "42",
                ]),
                &mut e,
            )
            .unwrap();
        assert_eq!(rows(&b), vec![vec![s("ok")]]);
        assert_eq!((e.total, e.filtered), (5, 4));
        assert_eq!(
            e.lines()[0],
            format!(r#"Error: {ARRAY_WITHOUT_STRIP}. Row: [{{"k": 1}}, {{"k": 2}}]"#)
        );
        assert!(e.lines()[1].starts_with("Error: Failed to parse string to json. code=3"));
        // The first whole-message failure is what pause_on_fatal_parse_error reports.
        assert_eq!(e.fatal_parse_error(), Some(ARRAY_WITHOUT_STRIP));
    }

    /// Poison nesting fails the message (simdjson's DEPTH_ERROR) instead of overflowing the
    /// stack; brackets inside strings do not count; the limit itself still parses.
    #[test]
    fn nesting_is_bounded() {
        let deep_array = "[".repeat(100_000);
        let deep_object = r#"{"k":"#.repeat(100_000);
        let at_limit = format!(
            r#"{{"k": {}1{}}}"#,
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        let bracket_text = format!(r#"{{"k": "{}"}}"#, "[{".repeat(5_000));
        let mut d = JsonDecoder::new(names(&["k"]), JsonOptions::default());
        let mut e = ErrorRows::new(10);
        let b = d
            .decode(
                &chunk(&[&deep_array, &deep_object, &at_limit, &bracket_text]),
                &mut e,
            )
            .unwrap();
        assert_eq!((e.total, e.filtered), (4, 2));
        assert!(
            e.lines()[0]
                .starts_with("Error: Failed to parse string to json. code=4, error=DEPTH_ERROR"),
            "{}",
            e.lines()[0]
        );
        assert!(e.lines()[1].contains("DEPTH_ERROR"), "{}", e.lines()[1]);
        let got = rows(&b);
        assert_eq!(got.len(), 2);
        assert!(got[0][0]
            .as_deref()
            .is_some_and(|t| t.starts_with("[[[") && t.ends_with("]]]")));
        assert_eq!(got[1][0].as_deref(), Some("[{".repeat(5_000).as_str()));
    }

    #[test]
    fn depth_check_skips_strings_and_escapes() {
        // A string holding an escaped quote and brackets: depth 3.
        assert!(!nests_deeper_than(br#"[[["\"[[[[[["]]]"#, 3));
        // An escaped backslash ends the string; the next bracket nests: depth 4.
        assert!(nests_deeper_than(br#"[[["\\"[]]]]"#, 3));
        assert!(nests_deeper_than(b"{{{{", 3));
        assert!(!nests_deeper_than(b"[][][][][]", 3));
    }

    /// Invalid UTF-8 anywhere rejects the message (as serde_json and simdjson do); duplicate
    /// keys take the first value (simdjson's `find_field_unordered`).
    #[test]
    fn invalid_utf8_and_duplicate_keys() {
        let mut c = MessageChunk::default();
        c.push(0, 0, -1, b"{\"k\": \"a\xff\"}");
        c.push(0, 1, -1, br#"{"k": "first", "k": "second"}"#);
        let mut d = JsonDecoder::new(names(&["k"]), JsonOptions::default());
        let mut e = ErrorRows::new(10);
        let b = d.decode(&c, &mut e).unwrap();
        assert_eq!((e.total, e.filtered), (2, 1));
        assert_eq!(rows(&b), vec![vec![s("first")]]);
    }

    /// Random documents give the same columns through sonic-rs as the documents themselves
    /// through the serde_json side of the sink (the one the Avro path uses). Found on the way:
    /// serde_json's own parse (without `float_roundtrip`) is one ulp off on values such as
    /// 2.5098018043108058e50; the decoder keeps numbers as written instead.
    mod parity {
        use super::*;
        use proptest::prelude::*;

        fn leaf() -> impl Strategy<Value = Value> {
            prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                // -0.0 is left out: sonic-rs drops the sign of a negative zero.
                any::<f64>()
                    .prop_filter("finite, not -0", |f| f.is_finite()
                        && !(*f == 0.0 && f.is_sign_negative()))
                    .prop_map(Value::from),
                "\\PC{0,12}".prop_map(Value::from),
            ]
        }

        fn node() -> impl Strategy<Value = Value> {
            leaf().prop_recursive(4, 32, 5, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                    prop::collection::btree_map("[a-e]{1,2}", inner, 0..5)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        /// The generated documents themselves through the serde_json side of the sink: numbers
        /// print as the message has them (the messages are these values' JSON text).
        fn reference(
            names: &[String],
            opts: &JsonOptions,
            docs: &[Value],
        ) -> Vec<Vec<Option<String>>> {
            let mut sink = JsonRowSink::new(names, opts, docs.len());
            for v in docs {
                if let Ok(rows) = document_rows(v, opts) {
                    for r in rows.into_iter().filter(|r| r.is_object()) {
                        sink.push_row(r, RowOrigin { start: 0, end: 0 });
                    }
                }
            }
            rows(&sink.finish())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]
            #[test]
            fn sonic_matches_serde_json(docs in prop::collection::vec(node(), 1..8), strip in any::<bool>()) {
                let msgs: Vec<String> = docs.iter().map(|d| d.to_string()).collect();
                let cols = names(&["a", "b", "c", "d", "e"]);
                let opts = JsonOptions { strip_outer_array: strip, ..Default::default() };
                let mut d = JsonDecoder::new(cols.clone(), opts.clone());
                let mut e = ErrorRows::new(0);
                let refs: Vec<&str> = msgs.iter().map(String::as_str).collect();
                let got = rows(&d.decode(&chunk(&refs), &mut e).unwrap());
                prop_assert_eq!(got, reference(&cols, &opts, &docs));
            }
        }
    }
}
