//! Every key the BE writes into its RocksDB (one database per BE, default column family).
//!
//! | prefix | key layout (ids u64 big-endian)                            | value                 | written by |
//! |--------|------------------------------------------------------------|-----------------------|------------|
//! | `0x01` | `0x01 tablet_id`                                           | tablet meta ([`crate::storage::tablet::TabletMeta`], format byte 2; 1 still read) | create_tablet, publish, truncate (fsynced), every compaction batch, clone; deleted by drop |
//! | `0x02` | `0x02 tablet_id txn_id`                                    | txn state ([`crate::storage::txn::TxnState`], version byte 1): STAGED(next_seq, rows, bytes) / PUBLISHED(version) / ABORTED(swept) | write_batch (with its rows), publish (fsynced), abort, sweep; pruned by compaction, replaced by clone |
//! | `0x10` | `0x10 tablet_id sort_key txn_id seq`                       | row value (below)     | write_batch, compaction and clone (txn_id 0); deleted by abort sweep, compaction, truncate, clone, drop |
//!
//! Row keys group all versions of one sort key together, so a scan merges per key in one
//! forward pass. The key carries the *transaction* id, not the version: staged rows become
//! visible at publish by writing only the txn state (PUBLISHED at version v), never by
//! rewriting rows. A read at version V keeps the entries whose txn is PUBLISHED at a version
//! <= V and merges them in (version, seq) order; `seq` is the row's arrival order within its
//! transaction on this tablet (batches append, so it is the in-batch row order too).
//!
//! ## Base rows (compaction, `compaction.rs`)
//! Txn id 0 ([`BASE_TXN`]; the FE's ids start at 10000) marks *base rows*: the merged result
//! of every version <= the tablet meta's `compacted_version`. A read treats them as version 0
//! (before every delta) and is refused below `compacted_version`.
//! - AGGREGATE / UNIQUE / PRIMARY: at most one base row per sort key, `seq` 0, a full row
//!   (flags 0: aggregates folded, partial rows filled, conditions resolved); a key whose
//!   latest operation was a delete has no base row.
//! - DUPLICATE: every row is kept; base rows of one sort key get distinct seqs from the meta's
//!   `base_next_seq`.
//!
//! Compaction rewrites one sort key at a time: the new base row, the delete of the old base
//! row and the deletes of the folded delta rows of that key go into the same RocksDB
//! WriteBatch (with the tablet meta), so after any batch (and after a crash between batches)
//! every key is either wholly old (old base + deltas) or wholly new (new base), and both give
//! the same merged view at every version >= `compacted_version`. The last batch prunes old
//! txn states. Nothing else changed in the layout: a store written before compaction existed
//! reads as a tablet with `compacted_version` 0 and no base rows.
//!
//! ## Memcomparable sort key
//! The sort key is the concatenation of the key columns (schema `sort_key_idx` order), each
//! encoded so that byte order equals SQL order and no encoding is a prefix of another:
//! - every column starts with a null flag: `0x00` NULL (nulls first), `0x01` a value follows;
//! - BOOLEAN: one byte 0/1;
//! - TINYINT/SMALLINT/INT/BIGINT, DATE (days since epoch, i32), DATETIME (micros, i64):
//!   two's complement with the sign bit flipped, big-endian, at the type's width;
//! - DECIMAL32/64/128, DECIMALV2, LARGEINT (Arrow Decimal128): the unscaled i128, sign bit
//!   flipped, big-endian (16 bytes; one scale per column so unscaled order is value order);
//! - FLOAT/DOUBLE: IEEE bits, `-0.0` folded to `+0.0`; positive: sign bit set, negative: all
//!   bits inverted (total order, NaN last); big-endian;
//! - CHAR/VARCHAR/JSON text: bytes with `0x00` escaped as `0x00 0xFF`, terminated by
//!   `0x00 0x01` (so "a" < "a\0" < "ab");
//! - ARRAY cannot be a key column (StarRocks forbids it too).
//!
//! ## Row value
//! `flags u8` (bit0 DELETE from `__op` = 1, bit1 PARTIAL, bit2 CONDITION) · if PARTIAL: a
//! presence bitmap over the value columns · if CONDITION: the merge-condition value-column
//! ordinal, u16 LE · a null bitmap over the value columns · the present non-null values in
//! value-column order: fixed-width little-endian (bool/int8 1, int16 2, int32/date 4,
//! int64/datetime 8, decimal 16, float 4, double 8), strings as LEB128 length + bytes, arrays
//! as LEB128 length + (LEB128 count, element null bitmap, elements).

use super::row::{ColBuilder, ColReader, Datum, Kind};
use crate::error::BeError;

/// Tablet meta prefix.
pub const TABLET_META: u8 = 0x01;
/// Per-tablet txn state prefix.
pub const TXN_STATE: u8 = 0x02;
/// Row prefix.
pub const ROW: u8 = 0x10;

/// The txn id of base rows written by compaction and clone (see the module docs).
pub const BASE_TXN: i64 = 0;

/// Length of the `txn_id seq` tail of a row key.
pub const ROW_TAIL: usize = 16;

/// `0x01 tablet_id`.
pub fn tablet_meta_key(tablet_id: i64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = TABLET_META;
    k[1..].copy_from_slice(&(tablet_id as u64).to_be_bytes());
    k
}

/// Range of all tablet meta keys.
pub fn tablet_meta_range() -> ([u8; 1], [u8; 1]) {
    ([TABLET_META], [TABLET_META + 1])
}

/// `0x02 tablet_id txn_id`.
pub fn txn_state_key(tablet_id: i64, txn_id: i64) -> [u8; 17] {
    let mut k = [0u8; 17];
    k[0] = TXN_STATE;
    k[1..9].copy_from_slice(&(tablet_id as u64).to_be_bytes());
    k[9..].copy_from_slice(&(txn_id as u64).to_be_bytes());
    k
}

/// Range of one tablet's txn state keys.
pub fn txn_state_range(tablet_id: i64) -> ([u8; 9], [u8; 9]) {
    prefix_range(TXN_STATE, tablet_id)
}

/// Splits a txn state key into (tablet_id, txn_id).
pub fn parse_txn_state_key(k: &[u8]) -> Result<(i64, i64), BeError> {
    if k.len() != 17 || k[0] != TXN_STATE {
        return Err(BeError::Storage(format!(
            "malformed txn state key {k:02x?}"
        )));
    }
    Ok((be_i64(&k[1..9]), be_i64(&k[9..17])))
}

/// Splits a tablet meta key into its tablet id.
pub fn parse_tablet_meta_key(k: &[u8]) -> Result<i64, BeError> {
    if k.len() != 9 || k[0] != TABLET_META {
        return Err(BeError::Storage(format!(
            "malformed tablet meta key {k:02x?}"
        )));
    }
    Ok(be_i64(&k[1..9]))
}

/// `[prefix tablet_id, prefix tablet_id+1)`.
fn prefix_range(prefix: u8, tablet_id: i64) -> ([u8; 9], [u8; 9]) {
    let mut lo = [0u8; 9];
    lo[0] = prefix;
    lo[1..].copy_from_slice(&(tablet_id as u64).to_be_bytes());
    let mut hi = [0u8; 9];
    hi[0] = prefix;
    hi[1..].copy_from_slice(&(tablet_id as u64).wrapping_add(1).to_be_bytes());
    if tablet_id as u64 == u64::MAX {
        hi = [prefix + 1, 0, 0, 0, 0, 0, 0, 0, 0];
    }
    (lo, hi)
}

/// Range of one tablet's rows.
pub fn row_range(tablet_id: i64) -> ([u8; 9], [u8; 9]) {
    prefix_range(ROW, tablet_id)
}

/// Starts a row key in `out` (cleared): `0x10 tablet_id`.
#[inline]
pub fn row_key_start(out: &mut Vec<u8>, tablet_id: i64) {
    out.clear();
    out.push(ROW);
    out.extend_from_slice(&(tablet_id as u64).to_be_bytes());
}

/// Ends a row key: `txn_id seq`.
#[inline]
pub fn row_key_end(out: &mut Vec<u8>, txn_id: i64, seq: u64) {
    out.extend_from_slice(&(txn_id as u64).to_be_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
}

/// Splits a row key into (sort key bytes incl. the `0x10 tablet_id` prefix, txn_id, seq).
#[inline]
pub fn split_row_key(k: &[u8]) -> Result<(&[u8], i64, u64), BeError> {
    if k.len() < 9 + ROW_TAIL || k[0] != ROW {
        return Err(BeError::Storage(format!("malformed row key {k:02x?}")));
    }
    let n = k.len() - ROW_TAIL;
    let txn = be_i64(&k[n..n + 8]);
    let seq = u64::from_be_bytes(arr8(&k[n + 8..]));
    Ok((&k[..n], txn, seq))
}

#[inline]
fn arr8(b: &[u8]) -> [u8; 8] {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    a
}

#[inline]
fn be_i64(b: &[u8]) -> i64 {
    u64::from_be_bytes(arr8(b)) as i64
}

/// The smallest byte string greater than every string starting with `b` (None: no bound).
pub fn successor(b: &[u8]) -> Option<Vec<u8>> {
    let mut v = b.to_vec();
    while let Some(last) = v.last_mut() {
        if *last < 0xFF {
            *last += 1;
            return Some(v);
        }
        v.pop();
    }
    None
}

#[inline]
fn f64_key(v: f64) -> u64 {
    let v = if v == 0.0 { 0.0 } else { v };
    let bits = if v.is_nan() {
        f64::NAN.to_bits()
    } else {
        v.to_bits()
    };
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

#[inline]
fn f32_key(v: f32) -> u32 {
    let v = if v == 0.0 { 0.0 } else { v };
    let bits = if v.is_nan() {
        f32::NAN.to_bits()
    } else {
        v.to_bits()
    };
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | (1 << 31)
    }
}

#[inline]
fn put_escaped(out: &mut Vec<u8>, s: &[u8]) {
    // Fast path: no NUL inside (the common case) -> one copy.
    if !s.contains(&0) {
        out.extend_from_slice(s);
    } else {
        for &c in s {
            out.push(c);
            if c == 0 {
                out.push(0xFF);
            }
        }
    }
    out.extend_from_slice(&[0x00, 0x01]);
}

/// Appends the memcomparable encoding of row `i` of `r`.
#[inline]
pub fn encode_key_col(r: &ColReader<'_>, i: usize, out: &mut Vec<u8>) -> Result<(), BeError> {
    if r.is_null(i) {
        out.push(0x00);
        return Ok(());
    }
    out.push(0x01);
    match r {
        ColReader::Bool(a) => out.push(a.value(i) as u8),
        ColReader::I8(a) => out.push((a.value(i) as u8) ^ 0x80),
        ColReader::I16(a) => out.extend_from_slice(&((a.value(i) as u16) ^ 0x8000).to_be_bytes()),
        ColReader::I32(a) => {
            out.extend_from_slice(&((a.value(i) as u32) ^ (1 << 31)).to_be_bytes())
        }
        ColReader::Date32(a) => {
            out.extend_from_slice(&((a.value(i) as u32) ^ (1 << 31)).to_be_bytes())
        }
        ColReader::I64(a) => {
            out.extend_from_slice(&((a.value(i) as u64) ^ (1 << 63)).to_be_bytes())
        }
        ColReader::TsUs(a) => {
            out.extend_from_slice(&((a.value(i) as u64) ^ (1 << 63)).to_be_bytes())
        }
        ColReader::Decimal(a) => {
            out.extend_from_slice(&((a.value(i) as u128) ^ (1 << 127)).to_be_bytes())
        }
        ColReader::F32(a) => out.extend_from_slice(&f32_key(a.value(i)).to_be_bytes()),
        ColReader::F64(a) => out.extend_from_slice(&f64_key(a.value(i)).to_be_bytes()),
        ColReader::Utf8(a) => put_escaped(out, a.value(i).as_bytes()),
        ColReader::LargeUtf8(a) => put_escaped(out, a.value(i).as_bytes()),
        ColReader::List(..) => {
            return Err(BeError::Storage("an ARRAY column cannot be a key".into()))
        }
    }
    Ok(())
}

/// Appends the memcomparable encoding of one datum of `kind`.
pub fn encode_key_datum(kind: &Kind, d: &Datum<'_>, out: &mut Vec<u8>) -> Result<(), BeError> {
    match (kind, d) {
        (_, Datum::Null) => out.push(0x00),
        (Kind::Bool, Datum::Int(v)) => out.extend_from_slice(&[1, (*v != 0) as u8]),
        (Kind::I8, Datum::Int(v)) => out.extend_from_slice(&[1, (*v as i8 as u8) ^ 0x80]),
        (Kind::I16, Datum::Int(v)) => {
            out.push(1);
            out.extend_from_slice(&((*v as i16 as u16) ^ 0x8000).to_be_bytes())
        }
        (Kind::I32 | Kind::Date32, Datum::Int(v)) => {
            out.push(1);
            out.extend_from_slice(&((*v as i32 as u32) ^ (1 << 31)).to_be_bytes())
        }
        (Kind::I64 | Kind::TsUs, Datum::Int(v)) => {
            out.push(1);
            out.extend_from_slice(&((*v as u64) ^ (1 << 63)).to_be_bytes())
        }
        (Kind::Decimal(..), Datum::Large(v)) => {
            out.push(1);
            out.extend_from_slice(&((*v as u128) ^ (1 << 127)).to_be_bytes())
        }
        (Kind::F32, Datum::Float(v)) => {
            out.push(1);
            out.extend_from_slice(&f32_key(*v as f32).to_be_bytes())
        }
        (Kind::F64, Datum::Float(v)) => {
            out.push(1);
            out.extend_from_slice(&f64_key(*v).to_be_bytes())
        }
        (Kind::Utf8, Datum::Bytes(b)) => {
            out.push(1);
            put_escaped(out, b)
        }
        _ => {
            return Err(BeError::Storage(format!(
                "cannot encode {d:?} as a {kind:?} key"
            )))
        }
    }
    Ok(())
}

fn bad_key() -> BeError {
    BeError::Storage("malformed sort key".into())
}

#[inline]
fn take<const N: usize>(b: &[u8], pos: &mut usize) -> Result<[u8; N], BeError> {
    let s = b.get(*pos..*pos + N).ok_or_else(bad_key)?;
    *pos += N;
    let mut a = [0u8; N];
    a.copy_from_slice(s);
    Ok(a)
}

/// Decodes one key column of `kind` at `*pos`; string bytes are unescaped into `scratch`.
pub fn decode_key_col<'s>(
    kind: &Kind,
    b: &[u8],
    pos: &mut usize,
    scratch: &'s mut Vec<u8>,
) -> Result<Datum<'s>, BeError> {
    let flag = *b.get(*pos).ok_or_else(bad_key)?;
    *pos += 1;
    match flag {
        0 => return Ok(Datum::Null),
        1 => {}
        _ => return Err(bad_key()),
    }
    Ok(match kind {
        Kind::Bool => Datum::Int(take::<1>(b, pos)?[0] as i64),
        Kind::I8 => Datum::Int((take::<1>(b, pos)?[0] ^ 0x80) as i8 as i64),
        Kind::I16 => Datum::Int((u16::from_be_bytes(take::<2>(b, pos)?) ^ 0x8000) as i16 as i64),
        Kind::I32 | Kind::Date32 => {
            Datum::Int((u32::from_be_bytes(take::<4>(b, pos)?) ^ (1 << 31)) as i32 as i64)
        }
        Kind::I64 | Kind::TsUs => {
            Datum::Int((u64::from_be_bytes(take::<8>(b, pos)?) ^ (1 << 63)) as i64)
        }
        Kind::Decimal(..) => {
            Datum::Large((u128::from_be_bytes(take::<16>(b, pos)?) ^ (1 << 127)) as i128)
        }
        Kind::F32 => {
            let k = u32::from_be_bytes(take::<4>(b, pos)?);
            let bits = if k >> 31 == 1 { k & !(1 << 31) } else { !k };
            Datum::Float(f32::from_bits(bits) as f64)
        }
        Kind::F64 => {
            let k = u64::from_be_bytes(take::<8>(b, pos)?);
            let bits = if k >> 63 == 1 { k & !(1 << 63) } else { !k };
            Datum::Float(f64::from_bits(bits))
        }
        Kind::Utf8 => {
            scratch.clear();
            loop {
                let c = *b.get(*pos).ok_or_else(bad_key)?;
                *pos += 1;
                if c != 0 {
                    scratch.push(c);
                    continue;
                }
                let next = *b.get(*pos).ok_or_else(bad_key)?;
                *pos += 1;
                match next {
                    0xFF => scratch.push(0),
                    0x01 => break,
                    _ => return Err(bad_key()),
                }
            }
            Datum::Bytes(scratch.as_slice())
        }
        Kind::List(..) => return Err(bad_key()),
    })
}

/// Decodes the key columns of a sort key (without the `0x10 tablet_id` prefix) into
/// `builders` (None = column not wanted).
pub fn decode_key_into(
    kinds: &[Kind],
    sort_key: &[u8],
    builders: &mut [Option<&mut ColBuilder>],
    scratch: &mut Vec<u8>,
) -> Result<(), BeError> {
    let mut pos = 0;
    for (k, b) in kinds.iter().zip(builders.iter_mut()) {
        let d = decode_key_col(k, sort_key, &mut pos, scratch)?;
        if let Some(b) = b {
            b.append(&d)?;
        }
    }
    if pos != sort_key.len() {
        return Err(bad_key());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{
        Array, Decimal128Array, Float64Array, Int32Array, Int64Array, Int8Array, StringArray,
    };
    use proptest::prelude::*;

    fn enc_arr(a: &dyn Array, kind: &Kind) -> Vec<Vec<u8>> {
        let r = ColReader::new(a, kind).unwrap();
        (0..a.len())
            .map(|i| {
                let mut v = vec![];
                encode_key_col(&r, i, &mut v).unwrap();
                v
            })
            .collect()
    }

    fn dec_one(kind: &Kind, b: &[u8]) -> String {
        let mut pos = 0;
        let mut s = vec![];
        let d = decode_key_col(kind, b, &mut pos, &mut s).unwrap();
        assert_eq!(pos, b.len(), "decoder consumed the whole encoding");
        format!("{d:?}")
    }

    #[test]
    fn ids_sort_big_endian_and_parse_back() {
        assert!(tablet_meta_key(10001) < tablet_meta_key(10002));
        assert!(tablet_meta_key(255) < tablet_meta_key(256));
        let k = txn_state_key(10001, 77);
        assert_eq!(parse_txn_state_key(&k).unwrap(), (10001, 77));
        assert!(parse_txn_state_key(&k[..16]).is_err());
        assert!(parse_tablet_meta_key(&k).is_err());
        let mut rk = vec![];
        row_key_start(&mut rk, 5);
        rk.extend_from_slice(&[1, 2, 3]);
        row_key_end(&mut rk, 9, 4);
        let (sk, txn, seq) = split_row_key(&rk).unwrap();
        assert_eq!((sk.len(), txn, seq), (12, 9, 4));
        assert!(split_row_key(&rk[..10]).is_err());
        let (lo, hi) = row_range(5);
        assert!(lo.as_slice() <= rk.as_slice() && rk.as_slice() < hi.as_slice());
    }

    #[test]
    fn malformed_keys_are_rejected() {
        let mut s = vec![];
        assert!(decode_key_col(&Kind::I32, &[2, 0, 0, 0, 0], &mut 0, &mut s).is_err());
        assert!(decode_key_col(&Kind::I32, &[1, 0, 0], &mut 0, &mut s).is_err());
        assert!(decode_key_col(&Kind::Utf8, &[1, b'a', 0, 7], &mut 0, &mut s).is_err());
        assert!(decode_key_col(&Kind::Utf8, &[1, b'a'], &mut 0, &mut s).is_err());
    }

    #[test]
    fn strings_order_with_nul_and_prefixes() {
        let a = StringArray::from(vec![Some("a"), Some("a\0"), Some("ab"), None, Some("")]);
        let e = enc_arr(&a, &Kind::Utf8);
        assert!(e[3] < e[4] && e[4] < e[0] && e[0] < e[1] && e[1] < e[2]);
        assert_eq!(
            dec_one(&Kind::Utf8, &e[1]),
            format!("{:?}", Datum::Bytes(b"a\0"))
        );
    }

    #[test]
    fn successor_is_tight() {
        assert_eq!(successor(&[1, 2]), Some(vec![1, 3]));
        assert_eq!(successor(&[1, 0xFF]), Some(vec![2]));
        assert_eq!(successor(&[0xFF]), None);
    }

    proptest! {
        #[test]
        fn ints_round_trip_and_order(xs in proptest::collection::vec(proptest::option::of(any::<i64>()), 1..40)) {
            let a = Int64Array::from(xs.clone());
            let e = enc_arr(&a, &Kind::I64);
            for i in 0..xs.len() {
                for j in 0..xs.len() {
                    prop_assert_eq!(xs[i].cmp(&xs[j]), e[i].cmp(&e[j]));
                }
                let want = match xs[i] { None => format!("{:?}", Datum::Null), Some(v) => format!("{:?}", Datum::Int(v)) };
                prop_assert_eq!(dec_one(&Kind::I64, &e[i]), want);
            }
        }

        #[test]
        fn small_ints_round_trip_and_order(xs in proptest::collection::vec(any::<i32>(), 1..30)) {
            let a = Int32Array::from(xs.clone());
            let e = enc_arr(&a, &Kind::I32);
            let b = Int8Array::from(xs.iter().map(|x| *x as i8).collect::<Vec<_>>());
            let e8 = enc_arr(&b, &Kind::I8);
            for i in 0..xs.len() {
                for j in 0..xs.len() {
                    prop_assert_eq!(xs[i].cmp(&xs[j]), e[i].cmp(&e[j]));
                    prop_assert_eq!((xs[i] as i8).cmp(&(xs[j] as i8)), e8[i].cmp(&e8[j]));
                }
                prop_assert_eq!(dec_one(&Kind::I32, &e[i]), format!("{:?}", Datum::Int(xs[i] as i64)));
                prop_assert_eq!(dec_one(&Kind::I8, &e8[i]), format!("{:?}", Datum::Int(xs[i] as i8 as i64)));
            }
        }

        #[test]
        fn floats_total_order(xs in proptest::collection::vec(-1e300f64..1e300, 1..30)) {
            let a = Float64Array::from(xs.clone());
            let e = enc_arr(&a, &Kind::F64);
            for i in 0..xs.len() {
                for j in 0..xs.len() {
                    prop_assert_eq!(xs[i].partial_cmp(&xs[j]).unwrap(), e[i].cmp(&e[j]));
                }
                prop_assert_eq!(dec_one(&Kind::F64, &e[i]), format!("{:?}", Datum::Float(xs[i] + 0.0)));
            }
        }

        #[test]
        fn decimals_round_trip_and_order(xs in proptest::collection::vec(-10i128.pow(30)..10i128.pow(30), 1..30)) {
            let a = Decimal128Array::from(xs.clone()).with_precision_and_scale(38, 4).unwrap();
            let k = Kind::Decimal(38, 4);
            let e = enc_arr(&a, &k);
            for i in 0..xs.len() {
                for j in 0..xs.len() {
                    prop_assert_eq!(xs[i].cmp(&xs[j]), e[i].cmp(&e[j]));
                }
                prop_assert_eq!(dec_one(&k, &e[i]), format!("{:?}", Datum::Large(xs[i])));
            }
        }

        #[test]
        fn strings_round_trip_and_order(xs in proptest::collection::vec(proptest::option::of("[a\\x00b\\xff]{0,6}"), 1..30)) {
            let a = StringArray::from(xs.iter().map(|s| s.as_deref()).collect::<Vec<_>>());
            let e = enc_arr(&a, &Kind::Utf8);
            for i in 0..xs.len() {
                for j in 0..xs.len() {
                    prop_assert_eq!(xs[i].as_ref().map(|s| s.as_bytes()).cmp(&xs[j].as_ref().map(|s| s.as_bytes())), e[i].cmp(&e[j]));
                }
                let want = match &xs[i] { None => format!("{:?}", Datum::Null), Some(s) => format!("{:?}", Datum::Bytes(s.as_bytes())) };
                prop_assert_eq!(dec_one(&Kind::Utf8, &e[i]), want);
            }
        }

        #[test]
        fn composite_keys_order_lexicographically(xs in proptest::collection::vec((any::<i32>(), "[ab]{0,3}"), 1..30)) {
            let a = Int32Array::from(xs.iter().map(|x| x.0).collect::<Vec<_>>());
            let s = StringArray::from(xs.iter().map(|x| x.1.as_str()).collect::<Vec<_>>());
            let ra = ColReader::new(&a, &Kind::I32).unwrap();
            let rs = ColReader::new(&s, &Kind::Utf8).unwrap();
            let e: Vec<Vec<u8>> = (0..xs.len()).map(|i| {
                let mut v = vec![];
                encode_key_col(&rs, i, &mut v).unwrap();
                encode_key_col(&ra, i, &mut v).unwrap();
                v
            }).collect();
            for i in 0..xs.len() {
                for j in 0..xs.len() {
                    prop_assert_eq!((&xs[i].1, xs[i].0).cmp(&(&xs[j].1, xs[j].0)), e[i].cmp(&e[j]));
                }
            }
        }
    }
}
