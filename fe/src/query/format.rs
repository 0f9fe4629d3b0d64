//! Arrow batches -> the text-protocol `ResultSet`: the MySQL column type of each Arrow type and
//! every value printed as StarRocks's BE prints it (be/src/util/mysql_row_buffer.cpp):
//! integers in decimal, DOUBLE/FLOAT as the shortest text that reads back to the same value
//! without a trailing `.0` (`895`, `0.1`, `1.8446744073709552e19`), DECIMAL with exactly its
//! scale, BOOLEAN as 1/0, DATE `YYYY-MM-DD`, DATETIME `YYYY-MM-DD HH:MM:SS` plus `.ffffff` only
//! when the microseconds are not zero, ARRAY as `[1,2,null]` with strings double-quoted.

use crate::error::{SqlError, SqlResult};
use crate::result::{ColumnKind, ResultColumn, ResultSet};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Decimal128Array, Decimal256Array, RecordBatch,
};
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Date64Type, Float16Type, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, Schema, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use std::fmt::Write;

/// The MySQL column type a result column of Arrow type `t` is announced with.
pub fn column_kind(t: &DataType) -> ColumnKind {
    match t {
        DataType::Boolean => ColumnKind::Boolean,
        DataType::Int8 => ColumnKind::Tinyint,
        DataType::Int16 | DataType::UInt8 => ColumnKind::Smallint,
        DataType::Int32 | DataType::UInt16 => ColumnKind::Int,
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => ColumnKind::Bigint,
        DataType::Float16 | DataType::Float32 => ColumnKind::Float,
        DataType::Float64 => ColumnKind::Double,
        DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => ColumnKind::Decimal,
        DataType::Date32 | DataType::Date64 => ColumnKind::Date,
        DataType::Timestamp(..) => ColumnKind::Datetime,
        _ => ColumnKind::Varchar,
    }
}

/// Result columns for `schema` with the given titles (one per field).
pub fn result_columns(schema: &Schema, titles: &[String]) -> Vec<ResultColumn> {
    schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = titles.get(i).cloned().unwrap_or_else(|| f.name().clone());
            ResultColumn::new(name, column_kind(f.data_type()))
        })
        .collect()
}

/// Appends every row of `batch` to `out` as text.
pub fn append_batch(batch: &RecordBatch, out: &mut Vec<Vec<Option<String>>>) -> SqlResult<()> {
    let n = batch.num_rows();
    let start = out.len();
    out.extend((0..n).map(|_| Vec::with_capacity(batch.num_columns())));
    for col in batch.columns() {
        let texts = format_column(col)?;
        for (row, v) in out[start..].iter_mut().zip(texts) {
            row.push(v);
        }
    }
    Ok(())
}

/// One column as text values (`None` = NULL).
pub fn format_column(col: &ArrayRef) -> SqlResult<Vec<Option<String>>> {
    let mut out = Vec::with_capacity(col.len());
    for i in 0..col.len() {
        if col.is_null(i) {
            out.push(None);
        } else {
            let mut s = String::new();
            write_value(col.as_ref(), i, &mut s, false)?;
            out.push(Some(s));
        }
    }
    Ok(out)
}

/// Shortest round-trip text of a double, StarRocks style: no trailing `.0`, exponent form
/// (`1e20`, `1.5e-7`) outside [1e-4, 1e16).
pub fn format_double(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        format!("{v:e}")
    } else {
        // Display prints the shortest round-trip digits and drops a zero fraction.
        let s = format!("{v}");
        if s == "-0" {
            "0".into()
        } else {
            s
        }
    }
}

fn format_float(v: f32) -> String {
    if v.is_nan() || v.is_infinite() {
        return format_double(f64::from(v));
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        format!("{v:e}")
    } else {
        let s = format!("{v}");
        if s == "-0" {
            "0".into()
        } else {
            s
        }
    }
}

/// Writes a decimal integer `raw` with `scale` fraction digits.
fn write_decimal(raw: &str, scale: i8, out: &mut String) {
    let (neg, digits) = match raw.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, raw),
    };
    if neg {
        out.push('-');
    }
    if scale <= 0 {
        out.push_str(digits);
        for _ in 0..(-i32::from(scale)) {
            out.push('0');
        }
        return;
    }
    let scale = scale as usize;
    if digits.len() <= scale {
        out.push_str("0.");
        for _ in 0..(scale - digits.len()) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let (int, frac) = digits.split_at(digits.len() - scale);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
}

fn write_datetime_micros(micros: i64, out: &mut String) -> SqlResult<()> {
    let secs = micros.div_euclid(1_000_000);
    let us = micros.rem_euclid(1_000_000);
    let dt = chrono::DateTime::from_timestamp(secs, 0)
        .ok_or_else(|| SqlError::internal(format!("DATETIME out of range: {micros}")))?
        .naive_utc();
    let _ = write!(out, "{}", dt.format("%Y-%m-%d %H:%M:%S"));
    if us != 0 {
        let _ = write!(out, ".{us:06}");
    }
    Ok(())
}

fn write_date(days: i64, out: &mut String) -> SqlResult<()> {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .ok_or_else(|| SqlError::internal("bad epoch"))?;
    let d = epoch
        .checked_add_signed(chrono::TimeDelta::days(days))
        .ok_or_else(|| SqlError::internal(format!("DATE out of range: {days}")))?;
    let _ = write!(out, "{}", d.format("%Y-%m-%d"));
    Ok(())
}

/// Writes value `i` of `a` (not NULL at top level). `nested` = inside an ARRAY, where strings
/// are double-quoted and NULL is `null`.
fn write_value(a: &dyn Array, i: usize, out: &mut String, nested: bool) -> SqlResult<()> {
    if a.is_null(i) {
        out.push_str("null");
        return Ok(());
    }
    match a.data_type() {
        DataType::Null => out.push_str("null"),
        DataType::Boolean => out.push(if a.as_boolean().value(i) { '1' } else { '0' }),
        DataType::Int8 => push_int(out, a.as_primitive::<Int8Type>().value(i)),
        DataType::Int16 => push_int(out, a.as_primitive::<Int16Type>().value(i)),
        DataType::Int32 => push_int(out, a.as_primitive::<Int32Type>().value(i)),
        DataType::Int64 => push_int(out, a.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => push_int(out, a.as_primitive::<UInt8Type>().value(i)),
        DataType::UInt16 => push_int(out, a.as_primitive::<UInt16Type>().value(i)),
        DataType::UInt32 => push_int(out, a.as_primitive::<UInt32Type>().value(i)),
        DataType::UInt64 => push_int(out, a.as_primitive::<UInt64Type>().value(i)),
        DataType::Float16 => out.push_str(&format_float(
            a.as_primitive::<Float16Type>().value(i).to_f32(),
        )),
        DataType::Float32 => out.push_str(&format_float(a.as_primitive::<Float32Type>().value(i))),
        DataType::Float64 => out.push_str(&format_double(a.as_primitive::<Float64Type>().value(i))),
        DataType::Decimal128(_, s) => {
            let v = a
                .as_any()
                .downcast_ref::<Decimal128Array>()
                .ok_or_else(|| SqlError::internal("decimal128 downcast"))?
                .value(i);
            write_decimal(&v.to_string(), *s, out);
        }
        DataType::Decimal256(_, s) => {
            let v = a
                .as_any()
                .downcast_ref::<Decimal256Array>()
                .ok_or_else(|| SqlError::internal("decimal256 downcast"))?
                .value(i);
            write_decimal(&v.to_string(), *s, out);
        }
        DataType::Date32 => write_date(i64::from(a.as_primitive::<Date32Type>().value(i)), out)?,
        DataType::Date64 => write_date(
            a.as_primitive::<Date64Type>()
                .value(i)
                .div_euclid(86_400_000),
            out,
        )?,
        DataType::Timestamp(unit, _) => {
            let micros = match unit {
                TimeUnit::Second => a
                    .as_primitive::<TimestampSecondType>()
                    .value(i)
                    .saturating_mul(1_000_000),
                TimeUnit::Millisecond => a
                    .as_primitive::<TimestampMillisecondType>()
                    .value(i)
                    .saturating_mul(1_000),
                TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(i),
                TimeUnit::Nanosecond => a
                    .as_primitive::<TimestampNanosecondType>()
                    .value(i)
                    .div_euclid(1_000),
            };
            write_datetime_micros(micros, out)?;
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let s = match a.data_type() {
                DataType::Utf8 => a.as_string::<i32>().value(i),
                DataType::LargeUtf8 => a.as_string::<i64>().value(i),
                _ => a.as_string_view().value(i),
            };
            if nested {
                push_quoted(out, s);
            } else {
                out.push_str(s);
            }
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let items = match a.data_type() {
                DataType::List(_) => a.as_list::<i32>().value(i),
                _ => a.as_list::<i64>().value(i),
            };
            out.push('[');
            for j in 0..items.len() {
                if j > 0 {
                    out.push(',');
                }
                write_value(items.as_ref(), j, out, true)?;
            }
            out.push(']');
        }
        _ => {
            // Rare types (binary, intervals, structs): Arrow's own display.
            let f =
                datafusion::arrow::util::display::ArrayFormatter::try_new(a, &Default::default())
                    .map_err(SqlError::internal)?;
            let _ = write!(out, "{}", f.value(i));
        }
    }
    Ok(())
}

fn push_int<T: std::fmt::Display>(out: &mut String, v: T) {
    let _ = write!(out, "{v}");
}

fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// Converts collected batches into a result set with `titles`.
pub fn to_result_set(
    schema: &Schema,
    batches: &[RecordBatch],
    titles: &[String],
) -> SqlResult<ResultSet> {
    let mut rows = Vec::with_capacity(batches.iter().map(|b| b.num_rows()).sum());
    for b in batches {
        append_batch(b, &mut rows)?;
    }
    Ok(ResultSet {
        columns: result_columns(schema, titles),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{
        BooleanArray, Date32Array, Float64Array, Int32Array, ListArray, StringArray,
        TimestampMicrosecondArray,
    };
    use datafusion::arrow::datatypes::Int32Type as I32;
    use std::sync::Arc;

    fn texts(a: ArrayRef) -> Vec<Option<String>> {
        format_column(&a).unwrap()
    }

    #[test]
    fn doubles_print_like_starrocks() {
        assert_eq!(format_double(895.0), "895");
        assert_eq!(format_double(0.1), "0.1");
        assert_eq!(format_double(-2.5), "-2.5");
        assert_eq!(format_double(0.0), "0");
        assert_eq!(format_double(-0.0), "0");
        assert_eq!(format_double(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(
            format_double(18446744073709551616.0),
            "1.8446744073709552e19"
        );
        assert_eq!(format_double(0.00001), "1e-5");
        assert_eq!(format_double(123456.789), "123456.789");
    }

    #[test]
    fn decimals_keep_their_scale() {
        let a: ArrayRef = Arc::new(
            Decimal128Array::from(vec![Some(150), Some(-5), Some(0), None])
                .with_precision_and_scale(10, 2)
                .unwrap(),
        );
        assert_eq!(
            texts(a),
            vec![
                Some("1.50".into()),
                Some("-0.05".into()),
                Some("0.00".into()),
                None
            ]
        );
        let a: ArrayRef = Arc::new(
            Decimal128Array::from(vec![Some(12345)])
                .with_precision_and_scale(38, 0)
                .unwrap(),
        );
        assert_eq!(texts(a), vec![Some("12345".into())]);
    }

    #[test]
    fn dates_datetimes_and_booleans() {
        let d: ArrayRef = Arc::new(Date32Array::from(vec![Some(19723), None]));
        assert_eq!(texts(d), vec![Some("2024-01-01".into()), None]);
        let ts: ArrayRef = Arc::new(TimestampMicrosecondArray::from(vec![
            1_704_103_200_000_000,
            1_704_103_200_123_000,
        ]));
        assert_eq!(
            texts(ts),
            vec![
                Some("2024-01-01 10:00:00".into()),
                Some("2024-01-01 10:00:00.123000".into())
            ]
        );
        let b: ArrayRef = Arc::new(BooleanArray::from(vec![true, false]));
        assert_eq!(texts(b), vec![Some("1".into()), Some("0".into())]);
    }

    #[test]
    fn arrays_are_json_like() {
        let l: ArrayRef = Arc::new(ListArray::from_iter_primitive::<I32, _, _>(vec![Some(
            vec![Some(1), None, Some(3)],
        )]));
        assert_eq!(texts(l), vec![Some("[1,null,3]".into())]);
    }

    #[test]
    fn column_kinds_follow_arrow_types() {
        let schema = Schema::new(vec![
            datafusion::arrow::datatypes::Field::new("a", DataType::Int32, true),
            datafusion::arrow::datatypes::Field::new("b", DataType::Utf8, true),
            datafusion::arrow::datatypes::Field::new("c", DataType::Float64, true),
        ]);
        let batch = RecordBatch::try_new(
            Arc::new(schema.clone()),
            vec![
                Arc::new(Int32Array::from(vec![1, 2])),
                Arc::new(StringArray::from(vec![Some("x"), None])),
                Arc::new(Float64Array::from(vec![895.0, 1.5])),
            ],
        )
        .unwrap();
        let rs = to_result_set(&schema, &[batch], &["a".into(), "B".into(), "c".into()]).unwrap();
        assert_eq!(
            rs.columns,
            vec![
                ResultColumn::new("a", ColumnKind::Int),
                ResultColumn::new("B", ColumnKind::Varchar),
                ResultColumn::new("c", ColumnKind::Double),
            ]
        );
        assert_eq!(
            rs.rows,
            vec![
                vec![Some("1".into()), Some("x".into()), Some("895".into())],
                vec![Some("2".into()), None, Some("1.5".into())],
            ]
        );
    }
}
