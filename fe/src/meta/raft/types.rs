//! What the replicated metadata log carries: one [`MetaCommand`] per `MetaStore::write` (the
//! puts and deletes of one atomic batch), and the openraft type configuration around it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Cursor;

/// One change of the metadata store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetaOp {
    Put {
        #[serde(with = "hex_bytes")]
        key: Vec<u8>,
        #[serde(with = "text_bytes")]
        value: Vec<u8>,
    },
    Delete {
        #[serde(with = "hex_bytes")]
        key: Vec<u8>,
    },
}

/// One log entry's payload: the ops of one atomic `MetaBatch`, applied together with the
/// applied log id in one RocksDB WriteBatch. Puts and deletes of whole values make applying
/// an entry twice (a replay after a crash between apply and the applied-id write cannot
/// happen, but a snapshot plus log replay can overlap) give the same state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaCommand {
    pub ops: Vec<MetaOp>,
}

impl fmt::Display for MetaCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MetaCommand({} ops)", self.ops.len())
    }
}

/// A frontend as the membership records it: where its `edit_log_port` listens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeNode {
    pub host: String,
    pub edit_log_port: u16,
}

impl FeNode {
    /// `host:edit_log_port`, the name ALTER SYSTEM ADD/DROP FOLLOWER uses.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.edit_log_port)
    }
}

impl fmt::Display for FeNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.addr())
    }
}

/// A frontend's Raft node id: derived from `host:edit_log_port`, so the leader knows the id of
/// a node it is told to add before that node ever answered (StarRocks names a node by the
/// same pair). 63 bits: ids print as positive BIGINTs.
pub fn node_id(host: &str, edit_log_port: u16) -> u64 {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(format!("{host}:{edit_log_port}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(b) & 0x7fff_ffff_ffff_ffff).max(1)
}

openraft::declare_raft_types!(
    /// openraft's types for the FE metadata log.
    pub MetaTypes:
        D = MetaCommand,
        R = (),
        NodeId = u64,
        Node = FeNode,
);

/// Hex text for binary keys (keys mix a prefix byte with big-endian ids).
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::meta::raft::types::to_hex(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        crate::meta::raft::types::from_hex(&s)
            .ok_or_else(|| serde::de::Error::custom("bad hex key"))
    }
}

/// Values are JSON documents (`meta::codec`): carried as their text, with a hex fallback for
/// anything that is not UTF-8 (`t:` / `x:` prefix).
mod text_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(b) {
            Ok(t) => s.serialize_str(&format!("t:{t}")),
            Err(_) => s.serialize_str(&format!("x:{}", crate::meta::raft::types::to_hex(b))),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        if let Some(t) = s.strip_prefix("t:") {
            Ok(t.as_bytes().to_vec())
        } else if let Some(h) = s.strip_prefix("x:") {
            crate::meta::raft::types::from_hex(h)
                .ok_or_else(|| serde::de::Error::custom("bad hex value"))
        } else {
            Err(serde::de::Error::custom("value without t:/x: prefix"))
        }
    }
}

pub(crate) fn to_hex(b: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(H[(x >> 4) as usize] as char);
        s.push(H[(x & 15) as usize] as char);
    }
    s
}

pub(crate) fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_round_trip_through_json() {
        let c = MetaCommand {
            ops: vec![
                MetaOp::Put {
                    key: vec![0x11, 0, 0, 0, 0, 0, 0, 0x27, 0x10],
                    value: br#"{"name":"t"}"#.to_vec(),
                },
                MetaOp::Put {
                    key: vec![1],
                    value: vec![0xff, 0x00],
                },
                MetaOp::Delete { key: vec![0x40, 7] },
            ],
        };
        let j = serde_json::to_string(&c).unwrap();
        assert!(j.contains(r#"t:{\"name\":\"t\"}"#), "{j}");
        assert_eq!(serde_json::from_str::<MetaCommand>(&j).unwrap(), c);
    }

    #[test]
    fn node_ids_are_stable_positive_and_distinct() {
        let a = node_id("127.0.0.1", 9010);
        assert_eq!(a, node_id("127.0.0.1", 9010));
        assert_ne!(a, node_id("127.0.0.1", 9110));
        assert!(a > 0 && a <= i64::MAX as u64);
    }
}
