//! Decoders: Kafka messages -> columnar source batches.
//!
//! Consumers copy payloads into a [`MessageChunk`] (one contiguous arena plus an index: no
//! allocation per message). A decoder turns a chunk into a [`SourceBatch`]: one nullable Utf8
//! column per source name (the COLUMNS bare names, or the table columns), the values still text
//! as StarRocks's scanners hand them to the converters. Rows the decoder rejects (wrong column
//! count, invalid UTF-8, unparseable JSON) go to [`ErrorRows`]; every row seen is counted in
//! `ErrorRows::total`.

pub mod avro;
pub mod csv;
pub mod include_metadata;
pub mod json;
pub mod schema_registry;

use crate::load::error::LoadError;
use crate::load::error_rows::ErrorRows;
use arrow::array::{Array, BinaryBuilder, StringArray};

/// Messages of one consumer, payloads in one arena.
#[derive(Debug, Default, Clone)]
pub struct MessageChunk {
    /// All payloads, back to back.
    pub data: Vec<u8>,
    /// One entry per message, in consume order.
    pub msgs: Vec<MessageMeta>,
    /// Keys and headers of the messages (INCLUDE METADATA), parallel to `msgs` when the
    /// consumer kept them (`push_kafka`); empty for chunks built from payloads alone.
    pub extras: Vec<MessageExtras>,
    /// Key bytes and header JSON texts the `extras` point into.
    pub extra_data: Vec<u8>,
}

/// Where one message's key and headers sit in [`MessageChunk::extra_data`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageExtras {
    pub key_start: u32,
    /// -1: the message has no key.
    pub key_len: i32,
    pub headers_start: u32,
    /// 0: no headers.
    pub headers_len: u32,
}

/// Where one message sits in its chunk, and its Kafka coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageMeta {
    pub partition: i32,
    pub offset: i64,
    /// Kafka timestamp in ms; -1 when the broker sent none.
    pub timestamp_ms: i64,
    pub start: u32,
    pub len: u32,
}

impl MessageChunk {
    /// An empty chunk with room for `bytes` of payload.
    pub fn with_capacity(bytes: usize, msgs: usize) -> Self {
        Self {
            data: Vec::with_capacity(bytes),
            msgs: Vec::with_capacity(msgs),
            ..Default::default()
        }
    }

    /// Appends one message.
    pub fn push(&mut self, partition: i32, offset: i64, timestamp_ms: i64, payload: &[u8]) {
        let start = self.data.len() as u32;
        self.data.extend_from_slice(payload);
        self.msgs.push(MessageMeta {
            partition,
            offset,
            timestamp_ms,
            start,
            len: payload.len() as u32,
        });
    }

    /// Appends one Kafka message with its key and headers (headers kept as a JSON object
    /// text, the last of duplicate names winning).
    pub fn push_kafka<M: rdkafka::message::Message>(
        &mut self,
        m: &M,
        timestamp_ms: i64,
        payload: &[u8],
    ) {
        use rdkafka::message::Headers;
        // Chunks filled before (payload only) get empty extras so the vectors stay parallel.
        while self.extras.len() < self.msgs.len() {
            self.extras.push(MessageExtras {
                key_len: -1,
                ..Default::default()
            });
        }
        self.push(m.partition(), m.offset(), timestamp_ms, payload);
        let mut x = MessageExtras {
            key_start: self.extra_data.len() as u32,
            key_len: -1,
            ..Default::default()
        };
        if let Some(k) = m.key() {
            self.extra_data.extend_from_slice(k);
            x.key_len = k.len() as i32;
        }
        if let Some(h) = m.headers() {
            if h.count() > 0 {
                let mut map = serde_json::Map::new();
                for hd in h.iter() {
                    let v = hd
                        .value
                        .map(|v| serde_json::Value::String(String::from_utf8_lossy(v).into_owned()))
                        .unwrap_or(serde_json::Value::Null);
                    map.insert(hd.key.to_string(), v);
                }
                let text = serde_json::Value::Object(map).to_string();
                x.headers_start = self.extra_data.len() as u32;
                x.headers_len = text.len() as u32;
                self.extra_data.extend_from_slice(text.as_bytes());
            }
        }
        self.extras.push(x);
    }

    /// Key of message `i` (None: no key, or not kept).
    pub fn key(&self, i: usize) -> Option<&[u8]> {
        let x = self.extras.get(i)?;
        (x.key_len >= 0).then(|| {
            &self.extra_data[x.key_start as usize..x.key_start as usize + x.key_len as usize]
        })
    }

    /// Headers of message `i` as a JSON object text (None: none).
    pub fn headers(&self, i: usize) -> Option<&[u8]> {
        let x = self.extras.get(i)?;
        (x.headers_len > 0).then(|| {
            &self.extra_data[x.headers_start as usize..(x.headers_start + x.headers_len) as usize]
        })
    }

    /// Payload of message `i`.
    #[inline]
    pub fn payload(&self, i: usize) -> &[u8] {
        let m = &self.msgs[i];
        &self.data[m.start as usize..(m.start + m.len) as usize]
    }

    /// Payload bytes held.
    pub fn bytes(&self) -> usize {
        self.data.len()
    }

    /// True when no message is held.
    pub fn is_empty(&self) -> bool {
        self.msgs.is_empty()
    }

    /// Each message as (start in the arena, partition, offset, timestamp ms), what
    /// [`ErrorRows::begin_chunk`] and `error_rows::locate` place rejected rows with.
    pub fn coordinates(&self) -> impl Iterator<Item = (u32, i32, i64, i64)> + '_ {
        self.msgs
            .iter()
            .map(|m| (m.start, m.partition, m.offset, m.timestamp_ms))
    }

    /// Tells `errors` that the next rejected rows are slices of this chunk (rejected-row
    /// ledger coordinates); decoders call it first.
    pub fn announce_to(&self, errors: &mut ErrorRows) {
        errors.begin_chunk(&self.data, self.coordinates());
    }
}

/// Where a decoded row came from (byte range in the chunk arena), for the error log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowOrigin {
    pub start: u32,
    pub end: u32,
}

/// Decoded rows of one chunk: text columns by source name.
#[derive(Debug, Clone)]
pub struct SourceBatch {
    /// One column per source name, in the decoder's name order.
    pub columns: Vec<StringArray>,
    /// One entry per row.
    pub origins: Vec<RowOrigin>,
}

impl SourceBatch {
    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.origins.len()
    }
}

/// A message decoder of one format.
pub trait Decoder: Send {
    /// Decodes every message of `chunk`. Counts each row seen in `errors.total`, rejected rows
    /// in `errors` (with StarRocks's reason). An error fails the task (e.g. the schema
    /// registry is unreachable); bad messages never do.
    fn decode(
        &mut self,
        chunk: &MessageChunk,
        errors: &mut ErrorRows,
    ) -> Result<SourceBatch, LoadError>;

    /// True when a message that does not parse at all (`ErrorRows::fatal_parse_error`) fails
    /// the task whatever `pause_on_fatal_parse_error` says. StarRocks's JSON reader returns the
    /// parser's `parse error. ...` status from `read_chunk` (`json_scanner.cpp`), which aborts
    /// the task; the job then retries the same offsets until the property pauses it.
    fn fatal_parse_error_fails_task(&self) -> bool {
        false
    }
}

/// Builds one text column from raw bytes without a per-value UTF-8 check: bytes go into a
/// binary builder and the whole buffer is validated once at the end.
pub(crate) struct TextColumnBuilder {
    inner: BinaryBuilder,
}

impl TextColumnBuilder {
    pub(crate) fn with_capacity(rows: usize, bytes: usize) -> Self {
        Self {
            inner: BinaryBuilder::with_capacity(rows, bytes),
        }
    }

    #[inline]
    pub(crate) fn append(&mut self, v: &[u8]) {
        self.inner.append_value(v);
    }

    #[inline]
    pub(crate) fn append_null(&mut self) {
        self.inner.append_null();
    }

    /// Finishes into a Utf8 array. Values that are not UTF-8 (impossible when the caller
    /// validated rows) become NULL rather than failing the batch.
    pub(crate) fn finish(mut self) -> StringArray {
        let bin = self.inner.finish();
        let (offsets, values, nulls) = bin.clone().into_parts();
        match StringArray::try_new(offsets, values, nulls) {
            Ok(s) => s,
            Err(_) => {
                let mut b = arrow::array::StringBuilder::with_capacity(bin.len(), 0);
                for i in 0..bin.len() {
                    if bin.is_null(i) {
                        b.append_null();
                    } else {
                        b.append_option(std::str::from_utf8(bin.value(i)).ok());
                    }
                }
                b.finish()
            }
        }
    }
}
