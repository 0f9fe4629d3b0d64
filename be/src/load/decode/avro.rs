//! Avro messages in Confluent framing -> text columns (StarRocks `be/src/exec/avro_scanner.cpp`
//! with libserdes; spec routine-load.md §8.3).
//!
//! - Byte 0 must be the magic 0; otherwise the row is rejected with
//!   `Invalid CP1 magic byte <b>, expected 0`. Bytes 1..5 are the big-endian schema id; the rest
//!   is one Avro datum, decoded with the registry's schema (fetched once per id).
//! - A datum that does not decode is rejected with `serdes deserialize avro failed: <e>`.
//! - An unreachable registry fails the task (never silently drops rows); an id the registry
//!   does not know is a row error like an undecodable datum.
//! - The record becomes a JSON value with the seed's type mapping (record/map -> JSON object,
//!   array -> array, union(T, null) -> T or NULL, enum/fixed/bytes -> string), then columns are
//!   taken by name or by jsonpaths exactly as for JSON.

use super::json::{JsonOptions, JsonRowSink};
use super::schema_registry::SchemaError;
use super::{Decoder, MessageChunk, RowOrigin, SourceBatch};
use crate::load::error::LoadError;
use crate::load::error_rows::ErrorRows;
use serde_json::{Map, Number, Value as Json};
use std::time::Duration;

/// Converts an Avro value with StarRocks's mapping.
pub fn avro_to_json(v: apache_avro::types::Value) -> Json {
    use apache_avro::types::Value as A;
    match v {
        A::Null => Json::Null,
        A::Boolean(b) => Json::Bool(b),
        A::Int(i) => Json::Number(i.into()),
        A::Long(l) => Json::Number(l.into()),
        // Through the float's shortest text, so 1.1f stays 1.1 rather than 1.100000023841858.
        A::Float(f) => f
            .to_string()
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        A::Double(d) => Number::from_f64(d).map(Json::Number).unwrap_or(Json::Null),
        A::Bytes(b) | A::Fixed(_, b) => Json::String(String::from_utf8_lossy(&b).into_owned()),
        A::String(s) | A::Enum(_, s) => Json::String(s),
        A::Union(_, b) => avro_to_json(*b),
        A::Array(items) => Json::Array(items.into_iter().map(avro_to_json).collect()),
        A::Map(m) => {
            let mut o = Map::new();
            for (k, v) in m {
                o.insert(k, avro_to_json(v));
            }
            Json::Object(o)
        }
        A::Record(fields) => {
            let mut o = Map::new();
            for (k, v) in fields {
                o.insert(k, avro_to_json(v));
            }
            Json::Object(o)
        }
        // Logical types: numbers as Avro stores them; others by their text.
        A::Date(d) => Json::Number(d.into()),
        A::TimeMillis(t) => Json::Number(t.into()),
        A::TimeMicros(t)
        | A::TimestampMillis(t)
        | A::TimestampMicros(t)
        | A::TimestampNanos(t)
        | A::LocalTimestampMillis(t)
        | A::LocalTimestampMicros(t)
        | A::LocalTimestampNanos(t) => Json::Number(t.into()),
        A::Uuid(u) => Json::String(u.to_string()),
        other => Json::String(format!("{other:?}")),
    }
}

/// The Avro decoder of one task.
pub struct AvroDecoder {
    names: Vec<String>,
    opts: JsonOptions,
    registry_url: String,
    timeout: Duration,
}

impl AvroDecoder {
    /// A decoder filling `names` from records whose schemas live at `registry_url`.
    pub fn new(
        names: Vec<String>,
        opts: JsonOptions,
        registry_url: String,
        timeout: Duration,
    ) -> Self {
        limit_avro_allocations();
        Self {
            names,
            opts,
            registry_url,
            timeout,
        }
    }
}

/// The largest string, bytes or array/map block count apache-avro may allocate for one datum.
///
/// apache-avro checks every length and block count against one process-wide limit (512 MiB by
/// default) and then reserves that many *values* for an array block, so a poison message whose
/// block count reads as 500 million reserves ~30 GB and aborts the process. A Kafka message is
/// 1 MB by default (`message.max.bytes`), so no real datum comes near 16 MiB: larger lengths
/// fail the row instead (`serdes deserialize avro failed: ...`), and the worst reservation
/// stays virtual and bounded. The limit is set once, before the first decode.
pub const AVRO_MAX_ALLOCATION: usize = 16 << 20;

fn limit_avro_allocations() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        apache_avro::max_allocation_bytes(AVRO_MAX_ALLOCATION);
    });
}

/// The datum's bytes, remembering whether the decoder ever asked for more than there was.
struct EofGuard<'a> {
    rest: &'a [u8],
    hit_eof: bool,
}

impl std::io::Read for EofGuard<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !buf.is_empty() && self.rest.is_empty() {
            self.hit_eof = true;
        }
        self.rest.read(buf)
    }
}

impl Decoder for AvroDecoder {
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
            errors.total += 1;
            if payload.len() < 5 || payload[0] != 0 {
                let b = payload.first().copied().unwrap_or(0);
                errors.reject_fatal(&format!("Invalid CP1 magic byte {b}, expected 0"), payload);
                continue;
            }
            let id = u32::from_be_bytes([payload[1], payload[2], payload[3], payload[4]]);
            let schema =
                match super::schema_registry::schema_by_id(&self.registry_url, id, self.timeout) {
                    Ok(s) => s,
                    Err(SchemaError::Invalid(e)) => {
                        let reason = format!("serdes deserialize avro failed: {e}");
                        errors.reject_fatal(&reason, payload);
                        continue;
                    }
                    // The task fails and is retried from the same offsets.
                    Err(SchemaError::Unavailable(e)) => return Err(LoadError::SchemaRegistry(e)),
                };
            let mut body = EofGuard {
                rest: &payload[5..],
                hit_eof: false,
            };
            let value = match apache_avro::from_avro_datum(&schema, &mut body, None) {
                // apache-avro turns a string or union cut short into NULL instead of failing;
                // libserdes (StarRocks) rejects a truncated datum, and so do we.
                Ok(_) if body.hit_eof => {
                    errors.reject_fatal(
                        "serdes deserialize avro failed: the datum is truncated",
                        payload,
                    );
                    continue;
                }
                // Like libserdes, one datum is read and any trailing bytes are ignored.
                Ok(v) => avro_to_json(v),
                Err(e) => {
                    errors.reject_fatal(&format!("serdes deserialize avro failed: {e}"), payload);
                    continue;
                }
            };
            match super::json::document_rows(&value, &self.opts) {
                Ok(rows) => {
                    // The message was counted once above; extra rows (strip_outer_array over an
                    // Avro array) are counted here.
                    errors.total += rows.len().saturating_sub(1) as u64;
                    for r in rows {
                        sink.push_row(r, origin);
                    }
                }
                Err(reason) => errors.reject(&reason.to_string(), payload),
            }
        }
        Ok(sink.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use apache_avro::types::Value as A;
    use arrow::array::Array;

    #[test]
    fn type_mapping_follows_the_seed_table() {
        let v = A::Record(vec![
            ("n".into(), A::Union(1, Box::new(A::Null))),
            ("i".into(), A::Union(0, Box::new(A::Int(3)))),
            ("b".into(), A::Bytes(b"xy".to_vec())),
            ("e".into(), A::Enum(1, "RED".into())),
            ("f".into(), A::Fixed(2, b"ab".to_vec())),
            ("a".into(), A::Array(vec![A::Long(1), A::Long(2)])),
            (
                "m".into(),
                A::Map([("k".to_string(), A::Double(1.5))].into_iter().collect()),
            ),
        ]);
        let j = avro_to_json(v);
        assert_eq!(
            j.to_string(),
            r#"{"n":null,"i":3,"b":"xy","e":"RED","f":"ab","a":[1,2],"m":{"k":1.5}}"#
        );
    }

    #[test]
    fn bad_magic_is_a_row_error() {
        let mut d = AvroDecoder::new(
            vec!["id".into()],
            JsonOptions::default(),
            "http://127.0.0.1:1".into(),
            Duration::from_millis(100),
        );
        let mut c = MessageChunk::default();
        c.push(0, 0, -1, b"\x01\x00\x00\x00\x01abc");
        let mut e = ErrorRows::new(0);
        let b = d.decode(&c, &mut e).unwrap();
        assert_eq!(b.num_rows(), 0);
        assert_eq!(e.filtered, 1);
        assert!(e.lines()[0].starts_with("Error: Invalid CP1 magic byte 1, expected 0. Row: "));
        // A framed message whose registry is down fails the task instead.
        let mut c = MessageChunk::default();
        c.push(0, 0, -1, b"\x00\x00\x00\x00\x01\x02");
        assert!(d.decode(&c, &mut e).is_err());
        let _ = b.columns[0].len();
    }

    #[test]
    fn a_truncated_datum_is_noticed() {
        let schema = apache_avro::Schema::parse_str(
            r#"{"type":"record","name":"r","fields":[{"name":"a","type":"string"},{"name":"b","type":"string"}]}"#,
        )
        .unwrap();
        let full = apache_avro::to_avro_datum(
            &schema,
            A::Record(vec![
                ("a".into(), A::String("xy".into())),
                ("b".into(), A::String("avro".into())),
            ]),
        )
        .unwrap();
        let decode = |bytes: &[u8]| {
            let mut g = EofGuard {
                rest: bytes,
                hit_eof: false,
            };
            let r = apache_avro::from_avro_datum(&schema, &mut g, None);
            (r.is_ok(), g.hit_eof)
        };
        assert_eq!(decode(&full), (true, false));
        // apache-avro itself accepts every cut that ends inside a string (as NULL).
        for cut in 1..full.len() {
            let (_, eof) = decode(&full[..cut]);
            assert!(eof, "cut at {cut} not noticed");
        }
        // Trailing bytes are ignored, as libserdes does.
        let mut longer = full.clone();
        longer.push(7);
        assert_eq!(decode(&longer), (true, false));
    }

    #[test]
    fn a_huge_block_count_fails_the_row_instead_of_the_process() {
        limit_avro_allocations();
        assert_eq!(
            apache_avro::max_allocation_bytes(0),
            AVRO_MAX_ALLOCATION,
            "another decode set apache-avro's limit first"
        );
        let schema = apache_avro::Schema::parse_str(r#"{"type":"array","items":"long"}"#).unwrap();
        // Block count 500,000,000 (zigzag varint), then nothing.
        let mut datum = Vec::new();
        let mut v = 500_000_000u64 << 1;
        while v >= 0x80 {
            datum.push((v as u8) | 0x80);
            v >>= 7;
        }
        datum.push(v as u8);
        let mut g = EofGuard {
            rest: &datum,
            hit_eof: false,
        };
        assert!(apache_avro::from_avro_datum(&schema, &mut g, None).is_err());
    }
}
