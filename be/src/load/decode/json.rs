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

use super::{Decoder, MessageChunk, RowOrigin, SourceBatch, TextColumnBuilder};
use crate::load::error_rows::ErrorRows;
use serde_json::Value;

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
    pub fn get<'a>(&self, mut v: &'a Value) -> Option<&'a Value> {
        for s in &self.0 {
            v = match (s, v) {
                (PathSeg::Key(k), Value::Object(m)) => m.get(k)?,
                (PathSeg::Index(i), Value::Array(a)) => a.get(*i)?,
                _ => return None,
            };
        }
        Some(v)
    }
}

/// Parses the `jsonpaths` property (a JSON array of path strings).
pub fn parse_jsonpaths(text: &str) -> Result<Vec<JsonPath>, String> {
    let arr: Vec<String> =
        serde_json::from_str(text).map_err(|e| format!("Invalid jsonpaths: {text}, error: {e}"))?;
    arr.iter()
        .map(|p| JsonPath::parse(p).ok_or_else(|| format!("Invalid jsonpaths: {text}")))
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
    pub(crate) fn push_row(&mut self, row: &Value, origin: RowOrigin) {
        for (c, ex) in self.cols.iter_mut().zip(self.extract.iter()) {
            let v = match ex {
                Extract::Key(k) => match row {
                    Value::Object(m) => m.get(k),
                    _ => None,
                },
                Extract::Path(p) => p.get(row),
                Extract::Missing => None,
            };
            match v {
                None | Some(Value::Null) => c.append_null(),
                Some(Value::String(s)) => c.append(s.as_bytes()),
                Some(Value::Bool(b)) => c.append(if *b { b"true" } else { b"false" }),
                Some(Value::Number(n)) => {
                    use std::fmt::Write;
                    self.buf.clear();
                    let _ = write!(self.buf, "{n}");
                    c.append(self.buf.as_bytes());
                }
                Some(other) => {
                    self.buf.clear();
                    self.buf.push_str(&other.to_string());
                    c.append(self.buf.as_bytes());
                }
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

/// Rows of one parsed document after json_root / strip_outer_array, or the rejection reason.
pub(crate) fn document_rows<'a>(
    doc: &'a Value,
    opts: &JsonOptions,
) -> Result<Vec<&'a Value>, String> {
    let root = match &opts.json_root {
        Some(p) => p.get(doc).ok_or("JSON root not found")?,
        None => doc,
    };
    match root {
        Value::Array(a) if opts.strip_outer_array => Ok(a.iter().collect()),
        Value::Array(_) => Err(ARRAY_WITHOUT_STRIP.into()),
        _ if opts.strip_outer_array => {
            let mut text = root.to_string();
            if text.len() > MAX_RAW_JSON_LEN {
                let mut cut = MAX_RAW_JSON_LEN;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
            }
            Err(format!(
                "the value should be array type with strip_outer_array=true, value: {text}"
            ))
        }
        Value::Object(_) => Ok(vec![root]),
        _ => Err(NOT_AN_OBJECT.into()),
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

/// StarRocks's parse-error text. StarRocks parses with simdjson and prints its error code and
/// message; serde_json's errors are mapped to simdjson's TAPE_ERROR (code 3), the code simdjson
/// gives for malformed documents, and EMPTY (code 12) for blank messages.
pub fn parse_error_reason(payload: &[u8]) -> String {
    if payload.iter().all(|c| c.is_ascii_whitespace()) {
        return "Failed to parse string to json. code=12, error=EMPTY: no JSON found".into();
    }
    "Failed to parse string to json. code=3, error=TAPE_ERROR: The JSON document has an improper structure: missing or superfluous commas, braces, missing keys, etc.".into()
}

impl Decoder for JsonDecoder {
    fn decode(
        &mut self,
        chunk: &MessageChunk,
        errors: &mut ErrorRows,
    ) -> Result<SourceBatch, String> {
        let mut sink = JsonRowSink::new(&self.names, &self.opts, chunk.msgs.len());
        for mi in 0..chunk.msgs.len() {
            let m = chunk.msgs[mi];
            let payload = chunk.payload(mi);
            let origin = RowOrigin {
                start: m.start,
                end: m.start + m.len,
            };
            let doc: Value = match serde_json::from_slice(payload) {
                Ok(v) => v,
                Err(_) => {
                    errors.total += 1;
                    errors.reject_fatal(&parse_error_reason(payload), payload);
                    continue;
                }
            };
            match document_rows(&doc, &self.opts) {
                Ok(rows) => {
                    for r in rows {
                        errors.total += 1;
                        if !r.is_object() {
                            errors.reject(ELEMENT_NOT_AN_OBJECT, payload);
                            continue;
                        }
                        sink.push_row(r, origin);
                    }
                }
                Err(reason) => {
                    errors.total += 1;
                    errors.reject_fatal(&reason, payload);
                }
            }
        }
        Ok(sink.finish())
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
        assert_eq!(
            e.fatal_parse_error(),
            Some(ARRAY_WITHOUT_STRIP)
        );
    }
}
