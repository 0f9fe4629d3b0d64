//! The state of one transaction on one tablet (key `0x02 tablet_id txn_id`) and its stored
//! form. Its own file because both the tablet (which keeps every txn's state) and the txn
//! operations (which change it) need it: neither has to import the other for it.

use crate::error::BeError;

/// The state of one txn on one tablet (key `0x02 tablet_id txn_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnState {
    /// Rows staged; `next_seq` is the seq the next row gets.
    Staged {
        next_seq: u64,
        rows: u64,
        bytes: u64,
    },
    /// Visible from `version` on.
    Published { version: i64, rows: u64 },
    /// Discarded; `swept` once its rows are deleted.
    Aborted { swept: bool },
}

const TXN_FORMAT: u8 = 1;

impl TxnState {
    /// Value bytes: `1 tag a b c` with tag 1 staged (next_seq, rows, bytes), 2 published
    /// (version, rows, 0), 3 aborted (swept, 0, 0); numbers u64 LE.
    pub fn encode(&self) -> [u8; 26] {
        let (tag, a, b, c) = match *self {
            TxnState::Staged {
                next_seq,
                rows,
                bytes,
            } => (1u8, next_seq, rows, bytes),
            TxnState::Published { version, rows } => (2, version as u64, rows, 0),
            TxnState::Aborted { swept } => (3, swept as u64, 0, 0),
        };
        let mut v = [0u8; 26];
        v[0] = TXN_FORMAT;
        v[1] = tag;
        v[2..10].copy_from_slice(&a.to_le_bytes());
        v[10..18].copy_from_slice(&b.to_le_bytes());
        v[18..26].copy_from_slice(&c.to_le_bytes());
        v
    }

    /// Parses [`TxnState::encode`]'s bytes.
    pub fn decode(b: &[u8]) -> Result<Self, BeError> {
        if b.len() != 26 || b[0] != TXN_FORMAT {
            return Err(BeError::Storage("corrupt txn state".into()));
        }
        let n = |i: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[i..i + 8]);
            u64::from_le_bytes(a)
        };
        Ok(match b[1] {
            1 => TxnState::Staged {
                next_seq: n(2),
                rows: n(10),
                bytes: n(18),
            },
            2 => TxnState::Published {
                version: n(2) as i64,
                rows: n(10),
            },
            3 => TxnState::Aborted { swept: n(2) != 0 },
            _ => return Err(BeError::Storage("corrupt txn state".into())),
        })
    }
}
