//! Row codecs shared by the write and scan paths: column kinds (from the Arrow type of each
//! tablet column), typed readers over Arrow arrays, the value encoding of non-key columns
//! (layout documented in `keys.rs`), [`Datum`]s borrowed from stored bytes, and builders that
//! turn datums back into Arrow arrays.

use crate::error::BeError;
use arrow::array::{
    Array, ArrayRef, BooleanArray, BooleanBuilder, Date32Array, Date32Builder, Decimal128Array,
    Decimal128Builder, Float32Array, Float32Builder, Float64Array, Float64Builder, Int16Array,
    Int16Builder, Int32Array, Int32Builder, Int64Array, Int64Builder, Int8Array, Int8Builder,
    LargeStringArray, ListArray, StringArray, StringBuilder, TimestampMicrosecondArray,
    TimestampMicrosecondBuilder,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, Field, FieldRef, TimeUnit};
use std::cmp::Ordering;
use std::sync::Arc;

/// How values of one column are stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Bool,
    I8,
    I16,
    I32,
    I64,
    Date32,
    TsUs,
    Decimal(u8, i8),
    F32,
    F64,
    Utf8,
    /// ARRAY: element kind and the Arrow element field.
    List(Box<Kind>, FieldRef),
}

impl Kind {
    /// The kind that stores Arrow type `dt`.
    pub fn of(dt: &DataType) -> Result<Kind, BeError> {
        Ok(match dt {
            DataType::Boolean => Kind::Bool,
            DataType::Int8 => Kind::I8,
            DataType::Int16 => Kind::I16,
            DataType::Int32 => Kind::I32,
            DataType::Int64 => Kind::I64,
            DataType::Date32 => Kind::Date32,
            DataType::Timestamp(TimeUnit::Microsecond, None) => Kind::TsUs,
            DataType::Decimal128(p, s) => Kind::Decimal(*p, *s),
            DataType::Float32 => Kind::F32,
            DataType::Float64 => Kind::F64,
            DataType::Utf8 => Kind::Utf8,
            DataType::List(f) => Kind::List(Box::new(Kind::of(f.data_type())?), f.clone()),
            other => return Err(BeError::Storage(format!("unsupported column type {other}"))),
        })
    }

    /// The Arrow type of this kind.
    pub fn data_type(&self) -> DataType {
        match self {
            Kind::Bool => DataType::Boolean,
            Kind::I8 => DataType::Int8,
            Kind::I16 => DataType::Int16,
            Kind::I32 => DataType::Int32,
            Kind::I64 => DataType::Int64,
            Kind::Date32 => DataType::Date32,
            Kind::TsUs => DataType::Timestamp(TimeUnit::Microsecond, None),
            Kind::Decimal(p, s) => DataType::Decimal128(*p, *s),
            Kind::F32 => DataType::Float32,
            Kind::F64 => DataType::Float64,
            Kind::Utf8 => DataType::Utf8,
            Kind::List(_, f) => DataType::List(f.clone()),
        }
    }
}

/// One value read from stored bytes (strings and arrays borrow them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Datum<'a> {
    Null,
    /// BOOLEAN (0/1), TINYINT..BIGINT, DATE (days), DATETIME (micros).
    Int(i64),
    /// DECIMAL and LARGEINT (unscaled).
    Large(i128),
    Float(f64),
    /// UTF-8 bytes.
    Bytes(&'a [u8]),
    /// An encoded array value (see `encode_list`).
    List(&'a [u8]),
}

impl Datum<'_> {
    /// True for NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Datum::Null)
    }

    /// SQL order of two non-null datums of one kind (NULL sorts first).
    pub fn cmp_sql(&self, other: &Datum<'_>) -> Ordering {
        match (self, other) {
            (Datum::Null, Datum::Null) => Ordering::Equal,
            (Datum::Null, _) => Ordering::Less,
            (_, Datum::Null) => Ordering::Greater,
            (Datum::Int(a), Datum::Int(b)) => a.cmp(b),
            (Datum::Large(a), Datum::Large(b)) => a.cmp(b),
            (Datum::Float(a), Datum::Float(b)) => a.total_cmp(b),
            (Datum::Bytes(a), Datum::Bytes(b)) | (Datum::List(a), Datum::List(b)) => a.cmp(b),
            _ => Ordering::Equal,
        }
    }
}

/// A typed view of one Arrow column, read row by row on the write path.
pub enum ColReader<'a> {
    Bool(&'a BooleanArray),
    I8(&'a Int8Array),
    I16(&'a Int16Array),
    I32(&'a Int32Array),
    I64(&'a Int64Array),
    Date32(&'a Date32Array),
    TsUs(&'a TimestampMicrosecondArray),
    Decimal(&'a Decimal128Array),
    F32(&'a Float32Array),
    F64(&'a Float64Array),
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    List(&'a ListArray, Kind),
}

fn downcast<T: 'static>(a: &dyn Array) -> Result<&T, BeError> {
    a.as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| BeError::Storage(format!("unexpected array type {}", a.data_type())))
}

impl<'a> ColReader<'a> {
    /// A reader over `a`, whose type must store as `kind`.
    pub fn new(a: &'a dyn Array, kind: &Kind) -> Result<Self, BeError> {
        Ok(match (kind, a.data_type()) {
            (Kind::Bool, _) => ColReader::Bool(downcast(a)?),
            (Kind::I8, _) => ColReader::I8(downcast(a)?),
            (Kind::I16, _) => ColReader::I16(downcast(a)?),
            (Kind::I32, _) => ColReader::I32(downcast(a)?),
            (Kind::I64, _) => ColReader::I64(downcast(a)?),
            (Kind::Date32, _) => ColReader::Date32(downcast(a)?),
            (Kind::TsUs, _) => ColReader::TsUs(downcast(a)?),
            (Kind::Decimal(..), _) => ColReader::Decimal(downcast(a)?),
            (Kind::F32, _) => ColReader::F32(downcast(a)?),
            (Kind::F64, _) => ColReader::F64(downcast(a)?),
            (Kind::Utf8, DataType::LargeUtf8) => ColReader::LargeUtf8(downcast(a)?),
            (Kind::Utf8, _) => ColReader::Utf8(downcast(a)?),
            (Kind::List(k, _), _) => ColReader::List(downcast(a)?, (**k).clone()),
        })
    }

    fn array(&self) -> &dyn Array {
        match self {
            ColReader::Bool(a) => *a,
            ColReader::I8(a) => *a,
            ColReader::I16(a) => *a,
            ColReader::I32(a) => *a,
            ColReader::I64(a) => *a,
            ColReader::Date32(a) => *a,
            ColReader::TsUs(a) => *a,
            ColReader::Decimal(a) => *a,
            ColReader::F32(a) => *a,
            ColReader::F64(a) => *a,
            ColReader::Utf8(a) => *a,
            ColReader::LargeUtf8(a) => *a,
            ColReader::List(a, _) => *a,
        }
    }

    /// True when row `i` is NULL.
    #[inline]
    pub fn is_null(&self, i: usize) -> bool {
        self.array().is_null(i)
    }

    /// Row `i` as a datum (non-null row; arrays are not representable: use `encode_value`).
    #[inline]
    pub fn datum(&self, i: usize) -> Datum<'a> {
        match self {
            ColReader::Bool(a) => Datum::Int(a.value(i) as i64),
            ColReader::I8(a) => Datum::Int(a.value(i) as i64),
            ColReader::I16(a) => Datum::Int(a.value(i) as i64),
            ColReader::I32(a) => Datum::Int(a.value(i) as i64),
            ColReader::I64(a) => Datum::Int(a.value(i)),
            ColReader::Date32(a) => Datum::Int(a.value(i) as i64),
            ColReader::TsUs(a) => Datum::Int(a.value(i)),
            ColReader::Decimal(a) => Datum::Large(a.value(i)),
            ColReader::F32(a) => Datum::Float(a.value(i) as f64),
            ColReader::F64(a) => Datum::Float(a.value(i)),
            ColReader::Utf8(a) => Datum::Bytes(a.value(i).as_bytes()),
            ColReader::LargeUtf8(a) => Datum::Bytes(a.value(i).as_bytes()),
            ColReader::List(..) => Datum::Null,
        }
    }

    /// Appends the value encoding of non-null row `i` to `out`.
    #[inline]
    pub fn encode_value(&self, i: usize, out: &mut Vec<u8>) -> Result<(), BeError> {
        match self {
            ColReader::Bool(a) => out.push(a.value(i) as u8),
            ColReader::I8(a) => out.push(a.value(i) as u8),
            ColReader::I16(a) => out.extend_from_slice(&a.value(i).to_le_bytes()),
            ColReader::I32(a) => out.extend_from_slice(&a.value(i).to_le_bytes()),
            ColReader::I64(a) => out.extend_from_slice(&a.value(i).to_le_bytes()),
            ColReader::Date32(a) => out.extend_from_slice(&a.value(i).to_le_bytes()),
            ColReader::TsUs(a) => out.extend_from_slice(&a.value(i).to_le_bytes()),
            ColReader::Decimal(a) => out.extend_from_slice(&a.value(i).to_le_bytes()),
            ColReader::F32(a) => out.extend_from_slice(&a.value(i).to_le_bytes()),
            ColReader::F64(a) => out.extend_from_slice(&a.value(i).to_le_bytes()),
            ColReader::Utf8(a) => put_bytes(out, a.value(i).as_bytes()),
            ColReader::LargeUtf8(a) => put_bytes(out, a.value(i).as_bytes()),
            ColReader::List(a, k) => {
                let mut inner = Vec::new();
                encode_list(&a.value(i), k, &mut inner)?;
                put_bytes(out, &inner);
            }
        }
        Ok(())
    }
}

/// Encodes one array value: varint count, null bitmap, then the non-null elements.
fn encode_list(items: &ArrayRef, kind: &Kind, out: &mut Vec<u8>) -> Result<(), BeError> {
    let r = ColReader::new(items.as_ref(), kind)?;
    let n = items.len();
    put_varint(out, n as u64);
    let bm_at = out.len();
    out.resize(bm_at + n.div_ceil(8), 0);
    for i in 0..n {
        if r.is_null(i) {
            out[bm_at + i / 8] |= 1 << (i % 8);
        } else {
            r.encode_value(i, out)?;
        }
    }
    Ok(())
}

/// Appends a LEB128 varint.
#[inline]
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn corrupt() -> BeError {
    BeError::Storage("corrupt row value".into())
}

/// Reads a LEB128 varint at `*pos`.
#[inline]
pub fn get_varint(b: &[u8], pos: &mut usize) -> Result<u64, BeError> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let byte = *b.get(*pos).ok_or_else(corrupt)?;
        *pos += 1;
        v |= ((byte & 0x7f) as u64) << shift;
        if byte < 0x80 {
            return Ok(v);
        }
        shift += 7;
        if shift > 63 {
            return Err(corrupt());
        }
    }
}

#[inline]
fn take<const N: usize>(b: &[u8], pos: &mut usize) -> Result<[u8; N], BeError> {
    let s = b.get(*pos..*pos + N).ok_or_else(corrupt)?;
    *pos += N;
    let mut a = [0u8; N];
    a.copy_from_slice(s);
    Ok(a)
}

/// Decodes one non-null value of `kind` at `*pos`.
#[inline]
pub fn decode_value<'a>(kind: &Kind, b: &'a [u8], pos: &mut usize) -> Result<Datum<'a>, BeError> {
    Ok(match kind {
        Kind::Bool | Kind::I8 => Datum::Int(i8::from_le_bytes(take::<1>(b, pos)?) as i64),
        Kind::I16 => Datum::Int(i16::from_le_bytes(take::<2>(b, pos)?) as i64),
        Kind::I32 | Kind::Date32 => Datum::Int(i32::from_le_bytes(take::<4>(b, pos)?) as i64),
        Kind::I64 | Kind::TsUs => Datum::Int(i64::from_le_bytes(take::<8>(b, pos)?)),
        Kind::Decimal(..) => Datum::Large(i128::from_le_bytes(take::<16>(b, pos)?)),
        Kind::F32 => Datum::Float(f32::from_le_bytes(take::<4>(b, pos)?) as f64),
        Kind::F64 => Datum::Float(f64::from_le_bytes(take::<8>(b, pos)?)),
        Kind::Utf8 | Kind::List(..) => {
            let n = get_varint(b, pos)? as usize;
            let s = b.get(*pos..*pos + n).ok_or_else(corrupt)?;
            *pos += n;
            if matches!(kind, Kind::Utf8) {
                Datum::Bytes(s)
            } else {
                Datum::List(s)
            }
        }
    })
}

/// Appends the value encoding of one non-null datum of `kind` (the inverse of
/// [`decode_value`]; integers are stored at the column's width, wrapping like the scan's
/// builders do).
pub fn encode_datum(kind: &Kind, d: &Datum<'_>, out: &mut Vec<u8>) -> Result<(), BeError> {
    match (kind, d) {
        (Kind::Bool | Kind::I8, Datum::Int(v)) => out.push(*v as i8 as u8),
        (Kind::I16, Datum::Int(v)) => out.extend_from_slice(&(*v as i16).to_le_bytes()),
        (Kind::I32 | Kind::Date32, Datum::Int(v)) => {
            out.extend_from_slice(&(*v as i32).to_le_bytes())
        }
        (Kind::I64 | Kind::TsUs, Datum::Int(v)) => out.extend_from_slice(&v.to_le_bytes()),
        (Kind::Decimal(..), Datum::Large(v)) => out.extend_from_slice(&v.to_le_bytes()),
        (Kind::F32, Datum::Float(v)) => out.extend_from_slice(&(*v as f32).to_le_bytes()),
        (Kind::F64, Datum::Float(v)) => out.extend_from_slice(&v.to_le_bytes()),
        (Kind::Utf8, Datum::Bytes(b)) | (Kind::List(..), Datum::List(b)) => put_bytes(out, b),
        _ => {
            return Err(BeError::Storage(format!(
                "cannot store {d:?} as a {kind:?} value"
            )))
        }
    }
    Ok(())
}

/// Encodes a full (non-partial, unconditional, not deleted) row value from one datum per
/// value column: the layout of `keys.rs` with flags 0.
pub fn encode_full_row(
    kinds: &[Kind],
    vals: &[Datum<'_>],
    out: &mut Vec<u8>,
) -> Result<(), BeError> {
    out.clear();
    out.push(0);
    let bm_len = kinds.len().div_ceil(8);
    out.resize(1 + bm_len, 0);
    for (j, (k, d)) in kinds.iter().zip(vals).enumerate() {
        if d.is_null() {
            out[1 + j / 8] |= 1 << (j % 8);
        } else {
            encode_datum(k, d, out)?;
        }
    }
    Ok(())
}

/// Value-flag bits of a stored row (first byte of the value).
pub const FLAG_DELETE: u8 = 1;
/// The row carries a presence bitmap (partial update).
pub const FLAG_PARTIAL: u8 = 2;
/// The row carries a merge-condition column ordinal (u16 LE).
pub const FLAG_CONDITION: u8 = 4;

/// A decoded stored row value: flags and one datum per value column (`None` = not present in a
/// partial update).
#[derive(Debug)]
pub struct RowValue<'a> {
    pub flags: u8,
    pub condition: Option<usize>,
    pub values: Vec<Option<Datum<'a>>>,
}

/// Decodes a stored row value of `kinds` (the tablet's value columns).
pub fn decode_row<'a>(kinds: &[Kind], b: &'a [u8]) -> Result<RowValue<'a>, BeError> {
    let n = kinds.len();
    let flags = *b.first().ok_or_else(corrupt)?;
    let mut pos = 1;
    let bm_len = n.div_ceil(8);
    let presence = if flags & FLAG_PARTIAL != 0 {
        let p = b.get(pos..pos + bm_len).ok_or_else(corrupt)?;
        pos += bm_len;
        Some(p)
    } else {
        None
    };
    let condition = if flags & FLAG_CONDITION != 0 {
        Some(u16::from_le_bytes(take::<2>(b, &mut pos)?) as usize)
    } else {
        None
    };
    let nulls = b.get(pos..pos + bm_len).ok_or_else(corrupt)?;
    pos += bm_len;
    let mut values = Vec::with_capacity(n);
    for (i, k) in kinds.iter().enumerate() {
        let present = presence.is_none_or(|p| p[i / 8] & (1 << (i % 8)) != 0);
        if !present {
            values.push(None);
        } else if nulls[i / 8] & (1 << (i % 8)) != 0 {
            values.push(Some(Datum::Null));
        } else {
            values.push(Some(decode_value(k, b, &mut pos)?));
        }
    }
    Ok(RowValue {
        flags,
        condition,
        values,
    })
}

/// Builds one output column from datums.
pub enum ColBuilder {
    Bool(BooleanBuilder),
    I8(Int8Builder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    Date32(Date32Builder),
    TsUs(TimestampMicrosecondBuilder),
    Decimal(Decimal128Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Utf8(StringBuilder),
    List {
        field: FieldRef,
        kind: Kind,
        items: Box<ColBuilder>,
        offsets: Vec<i32>,
        valid: Vec<bool>,
    },
}

impl ColBuilder {
    /// An empty builder for `kind`.
    pub fn new(kind: &Kind, capacity: usize) -> Result<Self, BeError> {
        Ok(match kind {
            Kind::Bool => ColBuilder::Bool(BooleanBuilder::with_capacity(capacity)),
            Kind::I8 => ColBuilder::I8(Int8Builder::with_capacity(capacity)),
            Kind::I16 => ColBuilder::I16(Int16Builder::with_capacity(capacity)),
            Kind::I32 => ColBuilder::I32(Int32Builder::with_capacity(capacity)),
            Kind::I64 => ColBuilder::I64(Int64Builder::with_capacity(capacity)),
            Kind::Date32 => ColBuilder::Date32(Date32Builder::with_capacity(capacity)),
            Kind::TsUs => ColBuilder::TsUs(TimestampMicrosecondBuilder::with_capacity(capacity)),
            Kind::Decimal(p, s) => ColBuilder::Decimal(
                Decimal128Builder::with_capacity(capacity)
                    .with_precision_and_scale(*p, *s)
                    .map_err(|e| BeError::Storage(e.to_string()))?,
            ),
            Kind::F32 => ColBuilder::F32(Float32Builder::with_capacity(capacity)),
            Kind::F64 => ColBuilder::F64(Float64Builder::with_capacity(capacity)),
            Kind::Utf8 => ColBuilder::Utf8(StringBuilder::with_capacity(capacity, capacity * 8)),
            Kind::List(k, f) => ColBuilder::List {
                field: f.clone(),
                kind: (**k).clone(),
                items: Box::new(ColBuilder::new(k, capacity)?),
                offsets: vec![0],
                valid: Vec::with_capacity(capacity),
            },
        })
    }

    /// Appends one datum (the datum's variant matches the builder's kind).
    #[inline]
    pub fn append(&mut self, d: &Datum<'_>) -> Result<(), BeError> {
        match (self, d) {
            (ColBuilder::Bool(b), Datum::Int(v)) => b.append_value(*v != 0),
            (ColBuilder::I8(b), Datum::Int(v)) => b.append_value(*v as i8),
            (ColBuilder::I16(b), Datum::Int(v)) => b.append_value(*v as i16),
            (ColBuilder::I32(b), Datum::Int(v)) => b.append_value(*v as i32),
            (ColBuilder::I64(b), Datum::Int(v)) => b.append_value(*v),
            (ColBuilder::Date32(b), Datum::Int(v)) => b.append_value(*v as i32),
            (ColBuilder::TsUs(b), Datum::Int(v)) => b.append_value(*v),
            (ColBuilder::Decimal(b), Datum::Large(v)) => b.append_value(*v),
            (ColBuilder::F32(b), Datum::Float(v)) => b.append_value(*v as f32),
            (ColBuilder::F64(b), Datum::Float(v)) => b.append_value(*v),
            (ColBuilder::Utf8(b), Datum::Bytes(v)) => {
                b.append_value(std::str::from_utf8(v).map_err(|_| corrupt())?)
            }
            (
                ColBuilder::List {
                    kind,
                    items,
                    offsets,
                    valid,
                    ..
                },
                Datum::List(bytes),
            ) => {
                let mut pos = 0;
                let n = get_varint(bytes, &mut pos)? as usize;
                let bm = bytes.get(pos..pos + n.div_ceil(8)).ok_or_else(corrupt)?;
                pos += n.div_ceil(8);
                for i in 0..n {
                    if bm[i / 8] & (1 << (i % 8)) != 0 {
                        items.append(&Datum::Null)?;
                    } else {
                        let d = decode_value(kind, bytes, &mut pos)?;
                        items.append(&d)?;
                    }
                }
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last + n as i32);
                valid.push(true);
            }
            (b, Datum::Null) => b.append_null(),
            _ => return Err(corrupt()),
        }
        Ok(())
    }

    /// Appends NULL.
    pub fn append_null(&mut self) {
        match self {
            ColBuilder::Bool(b) => b.append_null(),
            ColBuilder::I8(b) => b.append_null(),
            ColBuilder::I16(b) => b.append_null(),
            ColBuilder::I32(b) => b.append_null(),
            ColBuilder::I64(b) => b.append_null(),
            ColBuilder::Date32(b) => b.append_null(),
            ColBuilder::TsUs(b) => b.append_null(),
            ColBuilder::Decimal(b) => b.append_null(),
            ColBuilder::F32(b) => b.append_null(),
            ColBuilder::F64(b) => b.append_null(),
            ColBuilder::Utf8(b) => b.append_null(),
            ColBuilder::List { offsets, valid, .. } => {
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last);
                valid.push(false);
            }
        }
    }

    /// The built array; the builder is left empty.
    pub fn finish(&mut self) -> Result<ArrayRef, BeError> {
        Ok(match self {
            ColBuilder::Bool(b) => Arc::new(b.finish()),
            ColBuilder::I8(b) => Arc::new(b.finish()),
            ColBuilder::I16(b) => Arc::new(b.finish()),
            ColBuilder::I32(b) => Arc::new(b.finish()),
            ColBuilder::I64(b) => Arc::new(b.finish()),
            ColBuilder::Date32(b) => Arc::new(b.finish()),
            ColBuilder::TsUs(b) => Arc::new(b.finish()),
            ColBuilder::Decimal(b) => Arc::new(b.finish()),
            ColBuilder::F32(b) => Arc::new(b.finish()),
            ColBuilder::F64(b) => Arc::new(b.finish()),
            ColBuilder::Utf8(b) => Arc::new(b.finish()),
            ColBuilder::List {
                field,
                items,
                offsets,
                valid,
                ..
            } => {
                let values = items.finish()?;
                let offs = std::mem::replace(offsets, vec![0]);
                let nulls = NullBuffer::from(std::mem::take(valid));
                let field: Arc<Field> = field.clone();
                Arc::new(
                    ListArray::try_new(field, OffsetBuffer::new(offs.into()), values, Some(nulls))
                        .map_err(|e| BeError::Storage(e.to_string()))?,
                )
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_round_trip() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut b = vec![];
            put_varint(&mut b, v);
            let mut pos = 0;
            assert_eq!(get_varint(&b, &mut pos).unwrap(), v);
            assert_eq!(pos, b.len());
        }
        assert!(get_varint(&[0x80], &mut 0).is_err());
    }

    #[test]
    fn list_value_round_trip() {
        let field = Arc::new(Field::new("item", DataType::Int32, true));
        let kind = Kind::of(&DataType::List(field)).unwrap();
        let arr = ListArray::from_iter_primitive::<arrow::datatypes::Int32Type, _, _>(vec![
            Some(vec![Some(1), None, Some(3)]),
            None,
            Some(vec![]),
        ]);
        let r = ColReader::new(&arr, &kind).unwrap();
        let mut b = ColBuilder::new(&kind, 3).unwrap();
        for i in 0..3 {
            if r.is_null(i) {
                b.append_null();
                continue;
            }
            let mut buf = vec![];
            r.encode_value(i, &mut buf).unwrap();
            let mut pos = 0;
            let d = decode_value(&kind, &buf, &mut pos).unwrap();
            b.append(&d).unwrap();
        }
        let out = b.finish().unwrap();
        assert_eq!(out.as_ref(), &arr as &dyn Array);
    }
}
