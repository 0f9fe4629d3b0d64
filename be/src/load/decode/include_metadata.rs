//! INCLUDE METADATA on the BE (StarRocks 4.1 #73840; FE side in
//! `fe/src/routine_load/load_desc/include_metadata.rs`): the FE puts each alias first in the
//! task's COLUMNS, so the aliases are the plan's first source columns; the payload decoder is
//! built for the other names only, and [`MetadataDecoder`] puts one text column per alias in
//! front of what it decoded, filled from each row's message: TOPIC, PARTITION, OFFSET,
//! TIMESTAMP_MS (NULL when the broker sent none), KEY (NULL without one), HEADERS (a JSON
//! object text, NULL without headers).

use super::{Decoder, MessageChunk, SourceBatch, TextColumnBuilder};
use crate::load::error::LoadError;
use crate::load::error_rows::ErrorRows;
use starload_proto::be::MetadataColumn;

/// One Kafka message attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaKey {
    Topic,
    Partition,
    Offset,
    TimestampMs,
    Key,
    Headers,
}

impl MetaKey {
    /// The key of an INCLUDE METADATA item (upper-case, as the FE sends it).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "TOPIC" => Self::Topic,
            "PARTITION" => Self::Partition,
            "OFFSET" => Self::Offset,
            "TIMESTAMP_MS" => Self::TimestampMs,
            "KEY" => Self::Key,
            "HEADERS" => Self::Headers,
            _ => return None,
        })
    }
}

/// A payload decoder with the metadata columns put in front.
pub struct MetadataDecoder {
    inner: Box<dyn Decoder>,
    keys: Vec<MetaKey>,
    topic: String,
}

/// The payload's source names: `names` without the metadata aliases in front of them.
pub fn payload_names(names: &[String], columns: &[MetadataColumn]) -> Vec<String> {
    names.iter().skip(columns.len()).cloned().collect()
}

/// Wraps `inner` when the task has metadata columns; unknown keys fail the task.
pub fn wrap(
    inner: Box<dyn Decoder>,
    columns: &[MetadataColumn],
    topic: &str,
) -> Result<Box<dyn Decoder>, LoadError> {
    if columns.is_empty() {
        return Ok(inner);
    }
    let keys = columns
        .iter()
        .map(|c| MetaKey::parse(&c.key).ok_or_else(|| LoadError::UnknownMetadataKey(c.key.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Box::new(MetadataDecoder {
        inner,
        keys,
        topic: topic.to_string(),
    }))
}

impl Decoder for MetadataDecoder {
    fn decode(
        &mut self,
        chunk: &MessageChunk,
        errors: &mut ErrorRows,
    ) -> Result<SourceBatch, LoadError> {
        let mut src = self.inner.decode(chunk, errors)?;
        let n = src.num_rows();
        // The message of each row: rows come out in message order, each inside its message.
        let mut msg_of = Vec::with_capacity(n);
        let mut mi = 0usize;
        for o in &src.origins {
            while mi + 1 < chunk.msgs.len() && chunk.msgs[mi + 1].start <= o.start {
                mi += 1;
            }
            msg_of.push(mi);
        }
        let mut front = Vec::with_capacity(self.keys.len() + src.columns.len());
        for k in &self.keys {
            let mut b = TextColumnBuilder::with_capacity(n, n * 8);
            let mut text = String::new();
            for &m in &msg_of {
                let meta = &chunk.msgs[m];
                text.clear();
                use std::fmt::Write;
                match k {
                    MetaKey::Topic => b.append(self.topic.as_bytes()),
                    MetaKey::Partition => {
                        let _ = write!(text, "{}", meta.partition);
                        b.append(text.as_bytes());
                    }
                    MetaKey::Offset => {
                        let _ = write!(text, "{}", meta.offset);
                        b.append(text.as_bytes());
                    }
                    MetaKey::TimestampMs if meta.timestamp_ms < 0 => b.append_null(),
                    MetaKey::TimestampMs => {
                        let _ = write!(text, "{}", meta.timestamp_ms);
                        b.append(text.as_bytes());
                    }
                    // Bytes that are not UTF-8 become NULL (the column is text).
                    MetaKey::Key => match chunk.key(m).filter(|k| std::str::from_utf8(k).is_ok()) {
                        Some(k) => b.append(k),
                        None => b.append_null(),
                    },
                    MetaKey::Headers => match chunk.headers(m) {
                        Some(h) => b.append(h),
                        None => b.append_null(),
                    },
                }
            }
            front.push(b.finish());
        }
        front.append(&mut src.columns);
        src.columns = front;
        Ok(src)
    }

    fn fatal_parse_error_fails_task(&self) -> bool {
        self.inner.fatal_parse_error_fails_task()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::decode::csv::{CsvDecoder, CsvOptions};
    use rdkafka::message::{Header, Message, OwnedHeaders, OwnedMessage, Timestamp};

    fn msg(offset: i64, key: Option<&[u8]>, headers: Option<OwnedHeaders>) -> OwnedMessage {
        OwnedMessage::new(
            Some(b"p".to_vec()),
            key.map(|k| k.to_vec()),
            "tp".into(),
            if offset == 1 {
                Timestamp::NotAvailable
            } else {
                Timestamp::CreateTime(1000 + offset)
            },
            3,
            offset,
            headers,
        )
    }

    #[test]
    fn metadata_columns_lead_the_payload_columns() {
        let mut chunk = MessageChunk::default();
        let h = OwnedHeaders::new()
            .insert(Header {
                key: "trace",
                value: Some("t1"),
            })
            .insert(Header {
                key: "trace",
                value: Some("t2"),
            });
        let rows = [
            (0, Some(&b"k0"[..]), Some(h), "a,1"),
            (1, None, None, "b,2"),
        ];
        for (o, k, h, payload) in rows {
            let m = msg(o, k, h);
            let ts = m.timestamp().to_millis().unwrap_or(-1);
            chunk.push_kafka(&m, ts, payload.as_bytes());
        }
        let cols: Vec<MetadataColumn> = [
            "TOPIC",
            "PARTITION",
            "OFFSET",
            "TIMESTAMP_MS",
            "KEY",
            "HEADERS",
        ]
        .iter()
        .map(|k| MetadataColumn {
            key: k.to_string(),
            alias: k.to_lowercase(),
        })
        .collect();
        let csv = CsvDecoder::new(
            CsvOptions {
                column_separator: b",".to_vec(),
                row_delimiter: b"\n".to_vec(),
                enclose: None,
                escape: None,
                trim_space: false,
            },
            2,
        );
        let mut d = wrap(Box::new(csv), &cols, "tp").unwrap();
        let mut errors = ErrorRows::new(0);
        let b = d.decode(&chunk, &mut errors).unwrap();
        let col = |i: usize| -> Vec<Option<String>> {
            b.columns[i].iter().map(|v| v.map(str::to_string)).collect()
        };
        let s = |v: &str| Some(v.to_string());
        assert_eq!(b.columns.len(), 8);
        assert_eq!(col(0), [s("tp"), s("tp")]);
        assert_eq!(col(1), [s("3"), s("3")]);
        assert_eq!(col(2), [s("0"), s("1")]);
        assert_eq!(col(3), [s("1000"), None]);
        assert_eq!(col(4), [s("k0"), None]);
        assert_eq!(col(5), [s(r#"{"trace":"t2"}"#), None]);
        assert_eq!(col(6), [s("a"), s("b")]);
        assert_eq!(col(7), [s("1"), s("2")]);
        assert!(wrap(
            Box::new(CsvDecoder::new(CsvOptions::default(), 1)),
            &[MetadataColumn {
                key: "MESSAGE_ID".into(),
                alias: "m".into()
            }],
            "tp"
        )
        .is_err());
    }
}
