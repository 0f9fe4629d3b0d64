//! Text -> column type conversion, a whole column at a time, exactly as StarRocks's CSV
//! converters do it (`be/src/formats/csv/*_converter.cpp`, `be/src/util/string_parser.hpp`,
//! `be/src/types/date_value.cpp`, `timestamp_value.cpp`; spec frontend.md §5.1).
//!
//! A conversion never allocates per row: values go straight into Arrow builders. Rows whose
//! value cannot be converted are returned as indexes; the caller applies strict-mode rules
//! (frontend.md §5.2): strict -> error row, non-strict -> NULL (error row if NOT NULL).

use arrow::array::{
    Array, ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Float32Builder,
    Float64Builder, Int64Builder, StringArray, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::DataType;
use starload_proto::types::{ColumnDef, ColumnType, PrimitiveType};
use std::sync::Arc;

/// StarRocks's maximum VARCHAR/STRING length in bytes (`TypeDescriptor::MAX_VARCHAR_LENGTH`).
pub const MAX_VARCHAR_LENGTH: usize = 1_048_576;

/// The type a column is converted to, resolved once per task.
#[derive(Debug, Clone)]
pub struct TargetType {
    /// StarRocks primitive type.
    pub prim: PrimitiveType,
    /// Arrow type of the converted array (`starload_proto::schema::arrow_type`).
    pub arrow: DataType,
    /// CHAR/VARCHAR byte limit.
    pub max_len: usize,
    /// DECIMAL precision/scale (LARGEINT: 38/0).
    pub precision: u8,
    pub scale: i8,
    /// ARRAY element type.
    pub item: Option<Box<TargetType>>,
}

impl TargetType {
    /// Resolves a column type.
    pub fn of(t: &ColumnType) -> Self {
        let prim = PrimitiveType::try_from(t.r#type).unwrap_or(PrimitiveType::Varchar);
        let arrow = starload_proto::schema::arrow_type(t);
        let (precision, scale) = match &arrow {
            DataType::Decimal128(p, s) => (*p, *s),
            _ => (0, 0),
        };
        let max_len = if t.len > 0 {
            t.len as usize
        } else {
            MAX_VARCHAR_LENGTH
        };
        Self {
            prim,
            arrow,
            max_len,
            precision,
            scale,
            item: t.item.as_deref().map(|i| Box::new(TargetType::of(i))),
        }
    }

    /// Resolves a column's type.
    pub fn of_column(c: &ColumnDef) -> Self {
        Self::of(&c.r#type.clone().unwrap_or_default())
    }

    /// StarRocks's `TypeDescriptor::debug_string` (`TINYINT`, `VARCHAR(26)`, `DECIMAL64(10, 2)`).
    pub fn display_name(&self) -> String {
        match self.prim {
            PrimitiveType::Boolean => "BOOLEAN".into(),
            PrimitiveType::Tinyint => "TINYINT".into(),
            PrimitiveType::Smallint => "SMALLINT".into(),
            PrimitiveType::Int => "INT".into(),
            PrimitiveType::Bigint => "BIGINT".into(),
            PrimitiveType::Largeint => "LARGEINT".into(),
            PrimitiveType::Float => "FLOAT".into(),
            PrimitiveType::Double => "DOUBLE".into(),
            PrimitiveType::Decimal32 => format!("DECIMAL32({}, {})", self.precision, self.scale),
            PrimitiveType::Decimal64 => format!("DECIMAL64({}, {})", self.precision, self.scale),
            PrimitiveType::Decimal128 => format!("DECIMAL128({}, {})", self.precision, self.scale),
            PrimitiveType::Decimalv2 => format!("DECIMALV2({}, {})", self.precision, self.scale),
            PrimitiveType::Date => "DATE".into(),
            PrimitiveType::Datetime => "DATETIME".into(),
            PrimitiveType::Char => format!("CHAR({})", self.max_len),
            PrimitiveType::Varchar | PrimitiveType::Unspecified => {
                format!("VARCHAR({})", self.max_len)
            }
            PrimitiveType::Json => "JSON".into(),
            PrimitiveType::Array => format!(
                "ARRAY<{}>",
                self.item
                    .as_ref()
                    .map(|i| i.display_name())
                    .unwrap_or_else(|| "VARCHAR".into())
            ),
        }
    }
}

/// Converts a text column to `target`. Returns the converted array (failed and NULL values are
/// NULL) and the indexes of rows whose non-NULL text failed to convert.
pub fn convert_text(src: &StringArray, target: &TargetType) -> (ArrayRef, Vec<u32>) {
    let mut failed = Vec::new();
    let arr: ArrayRef = match target.prim {
        PrimitiveType::Tinyint => small_int::<arrow::datatypes::Int8Type>(src, &mut failed),
        PrimitiveType::Smallint => small_int::<arrow::datatypes::Int16Type>(src, &mut failed),
        PrimitiveType::Int => small_int::<arrow::datatypes::Int32Type>(src, &mut failed),
        PrimitiveType::Bigint => {
            let mut b = Int64Builder::with_capacity(src.len());
            each(src, &mut failed, parse_bigint, |v| b.append_option(v));
            Arc::new(b.finish())
        }
        PrimitiveType::Largeint => {
            let mut b = Decimal128Builder::with_capacity(src.len());
            each(src, &mut failed, parse_largeint, |v| b.append_option(v));
            Arc::new(finish_decimal(b, 38, 0))
        }
        PrimitiveType::Float => {
            let mut b = Float32Builder::with_capacity(src.len());
            each(
                src,
                &mut failed,
                |s| {
                    let d = parse_double(s)?;
                    let f = d as f32;
                    // Finite doubles beyond f32's range overflow: a conversion failure.
                    (f.is_finite() || !d.is_finite()).then_some(f)
                },
                |v| b.append_option(v),
            );
            Arc::new(b.finish())
        }
        PrimitiveType::Double => {
            let mut b = Float64Builder::with_capacity(src.len());
            each(src, &mut failed, parse_double, |v| b.append_option(v));
            Arc::new(b.finish())
        }
        PrimitiveType::Boolean => {
            let mut b = BooleanBuilder::with_capacity(src.len());
            each(src, &mut failed, parse_bool, |v| b.append_option(v));
            Arc::new(b.finish())
        }
        PrimitiveType::Decimal32
        | PrimitiveType::Decimal64
        | PrimitiveType::Decimal128
        | PrimitiveType::Decimalv2 => {
            let (p, s) = (target.precision, target.scale);
            let mut b = Decimal128Builder::with_capacity(src.len());
            each(
                src,
                &mut failed,
                |t| parse_decimal(t, p, s),
                |v| b.append_option(v),
            );
            Arc::new(finish_decimal(b, p, s))
        }
        PrimitiveType::Date => {
            let mut b = Date32Builder::with_capacity(src.len());
            each(
                src,
                &mut failed,
                |s| parse_datetime(s).map(|dt| dt.days),
                |v| b.append_option(v),
            );
            Arc::new(b.finish())
        }
        PrimitiveType::Datetime => {
            let mut b = TimestampMicrosecondBuilder::with_capacity(src.len());
            each(
                src,
                &mut failed,
                |s| parse_datetime(s).map(|dt| dt.micros()),
                |v| b.append_option(v),
            );
            Arc::new(b.finish())
        }
        PrimitiveType::Char | PrimitiveType::Varchar | PrimitiveType::Unspecified => {
            // Fast path: nothing too long -> the source array is the result (no copy).
            let max = target.max_len;
            let too_long = src.iter().enumerate().filter_map(|(i, v)| match v {
                Some(s) if s.len() > max => Some(i as u32),
                _ => None,
            });
            failed.extend(too_long);
            if failed.is_empty() {
                Arc::new(src.clone())
            } else {
                let mut b = StringBuilder::with_capacity(src.len(), src.value_data().len());
                for v in src.iter() {
                    b.append_option(v.filter(|s| s.len() <= max));
                }
                Arc::new(b.finish())
            }
        }
        PrimitiveType::Json => {
            let mut b = StringBuilder::with_capacity(src.len(), src.value_data().len());
            each(
                src,
                &mut failed,
                |s| {
                    serde_json::from_str::<serde::de::IgnoredAny>(s)
                        .ok()
                        .map(|_| s)
                },
                |v| b.append_option(v),
            );
            Arc::new(b.finish())
        }
        PrimitiveType::Array => convert_array_column(src, target, &mut failed),
    };
    (arr, failed)
}

/// Calls `parse` on every non-NULL value and `push` with the result; records failed rows.
#[inline]
/// TINYINT/SMALLINT/INT: the same parse rule (frontend.md §5.1) at three widths.
fn small_int<T>(src: &StringArray, failed: &mut Vec<u32>) -> ArrayRef
where
    T: arrow::datatypes::ArrowPrimitiveType,
    T::Native: TryFrom<i64>,
{
    let mut b = arrow::array::PrimitiveBuilder::<T>::with_capacity(src.len());
    each(src, failed, parse_small_int::<T::Native>, |v| {
        b.append_option(v)
    });
    Arc::new(b.finish())
}

fn each<'a, T>(
    src: &'a StringArray,
    failed: &mut Vec<u32>,
    mut parse: impl FnMut(&'a str) -> Option<T>,
    mut push: impl FnMut(Option<T>),
) {
    if src.null_count() == 0 {
        for i in 0..src.len() {
            let v = parse(src.value(i));
            if v.is_none() {
                failed.push(i as u32);
            }
            push(v);
        }
    } else {
        for i in 0..src.len() {
            if src.is_null(i) {
                push(None);
                continue;
            }
            let v = parse(src.value(i));
            if v.is_none() {
                failed.push(i as u32);
            }
            push(v);
        }
    }
}

fn finish_decimal(mut b: Decimal128Builder, p: u8, s: i8) -> arrow::array::Decimal128Array {
    let a = b.finish();
    // The precision/scale are valid by construction (TargetType clamps them).
    match a.clone().with_precision_and_scale(p, s) {
        Ok(a) => a,
        Err(_) => a,
    }
}

fn convert_array_column(src: &StringArray, target: &TargetType, failed: &mut Vec<u32>) -> ArrayRef {
    let item = target.item.as_deref().cloned().unwrap_or_else(|| {
        TargetType::of(&ColumnType {
            r#type: PrimitiveType::Varchar as i32,
            len: -1,
            ..Default::default()
        })
    });
    // Elements of every row go into one text column, converted in one call, then re-split.
    let mut elems = StringBuilder::new();
    let mut lens: Vec<Option<usize>> = Vec::with_capacity(src.len());
    for i in 0..src.len() {
        if src.is_null(i) {
            lens.push(None);
            continue;
        }
        match split_array_text(src.value(i)) {
            Some(parts) => {
                lens.push(Some(parts.len()));
                for p in parts {
                    elems.append_option(p.as_deref());
                }
            }
            None => {
                failed.push(i as u32);
                lens.push(None);
            }
        }
    }
    let elems = elems.finish();
    let (conv, elem_failed) = convert_text(&elems, &item);
    // Rebuild the list by slicing the converted elements (element failures fail the row).
    let mut pos = 0usize;
    let mut fi = 0usize;
    let mut out_failed_rows = Vec::new();
    let mut offsets = Vec::with_capacity(lens.len() + 1);
    offsets.push(0i32);
    let mut valid = Vec::with_capacity(lens.len());
    for (row, l) in lens.iter().enumerate() {
        match l {
            Some(n) => {
                let end = pos + n;
                let mut bad = false;
                while fi < elem_failed.len() && (elem_failed[fi] as usize) < end {
                    bad = true;
                    fi += 1;
                }
                if bad {
                    out_failed_rows.push(row as u32);
                }
                pos = end;
                valid.push(!bad);
            }
            None => valid.push(false),
        }
        offsets.push(pos as i32);
    }
    failed.extend(out_failed_rows);
    failed.sort_unstable();
    failed.dedup();
    let offsets = arrow::buffer::OffsetBuffer::new(arrow::buffer::ScalarBuffer::from(offsets));
    let nulls = arrow::buffer::NullBuffer::from(valid);
    match arrow::array::ListArray::try_new(
        Arc::new(arrow::datatypes::Field::new(
            "item",
            item.arrow.clone(),
            true,
        )),
        offsets,
        conv,
        Some(nulls),
    ) {
        Ok(a) => Arc::new(a),
        Err(_) => arrow::array::new_null_array(&target.arrow, src.len()),
    }
}

/// Splits `[a, b, "c"]` (StarRocks's CSV array syntax) into element texts; `null` -> None.
fn split_array_text(s: &str) -> Option<Vec<Option<String>>> {
    let t = s.trim();
    let inner = t.strip_prefix('[')?.strip_suffix(']')?;
    let mut out = Vec::new();
    if inner.trim().is_empty() {
        return Some(out);
    }
    let bytes = inner.as_bytes();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    let mut start = 0usize;
    let push = |part: &str, out: &mut Vec<Option<String>>| {
        let p = part.trim();
        if p.eq_ignore_ascii_case("null") {
            out.push(None);
        } else if p.len() >= 2
            && ((p.starts_with('"') && p.ends_with('"'))
                || (p.starts_with('\'') && p.ends_with('\'')))
        {
            out.push(Some(p[1..p.len() - 1].to_string()));
        } else {
            out.push(Some(p.to_string()));
        }
    };
    for (i, &c) in bytes.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'"' | b'\'' => quote = Some(c),
                b'[' | b'{' => depth += 1,
                b']' | b'}' => depth -= 1,
                b',' if depth == 0 => {
                    push(&inner[start..i], &mut out);
                    start = i + 1;
                }
                _ => {}
            },
        }
    }
    if quote.is_some() || depth != 0 {
        return None;
    }
    push(&inner[start..], &mut out);
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Scalar parsers (StringParser semantics).

#[inline]
fn trim_ws(s: &str) -> &str {
    s.trim_matches(|c: char| {
        c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\x0b' || c == '\x0c'
    })
}

/// Plain integer parse (`StringParser::string_to_int`): optional sign, digits, surrounding
/// whitespace allowed. Overflow -> None.
#[inline]
pub fn parse_i128_plain(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    // Fast path: plain digits, no whitespace.
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i128 = 0;
    let mut ok = true;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            ok = false;
            break;
        }
        v = v.checked_mul(10)?.checked_add(d as i128)?;
    }
    if ok {
        return Some(if neg { -v } else { v });
    }
    let t = trim_ws(s);
    if t.len() != s.len() && !t.is_empty() {
        return parse_i128_plain(t);
    }
    None
}

/// i64 fast parse; None on overflow or a non-integer text.
#[inline]
pub fn parse_i64_plain(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if !b.is_empty() && b.len() <= 18 {
        let (neg, digits) = match b[0] {
            b'-' => (true, &b[1..]),
            b'+' => (false, &b[1..]),
            _ => (false, b),
        };
        if !digits.is_empty() {
            let mut v: i64 = 0;
            let mut ok = true;
            for &c in digits {
                let d = c.wrapping_sub(b'0');
                if d > 9 {
                    ok = false;
                    break;
                }
                v = v * 10 + d as i64;
            }
            if ok {
                return Some(if neg { -v } else { v });
            }
        }
    }
    parse_i128_plain(s).and_then(|v| i64::try_from(v).ok())
}

/// True when the plain-integer parse failed because of overflow (digits only, too large).
fn is_int_overflow(s: &str) -> bool {
    let t = trim_ws(s);
    let d = t.strip_prefix(['-', '+']).unwrap_or(t);
    !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())
}

/// TINYINT/SMALLINT/INT: plain parse; overflow fails; else parse a double, truncate, and accept
/// if it fits (`12.7` -> 12, `1e3` -> 1000).
fn parse_small_int<T: TryFrom<i64>>(s: &str) -> Option<T> {
    if let Some(v) = parse_i64_plain(s) {
        return T::try_from(v).ok();
    }
    if is_int_overflow(s) {
        return None;
    }
    let f = parse_double(s)?;
    if !f.is_finite() {
        return None;
    }
    let t = f.trunc();
    if t < i64::MIN as f64 || t > i64::MAX as f64 {
        return None;
    }
    T::try_from(t as i64).ok()
}

/// BIGINT from text as StarRocks's CAST does it (the converter's rule).
pub fn parse_bigint_text(s: &str) -> Option<i64> {
    parse_bigint(s)
}

/// BIGINT: plain parse; overflow fails; else a decimal's integer part.
fn parse_bigint(s: &str) -> Option<i64> {
    if let Some(v) = parse_i64_plain(s) {
        return Some(v);
    }
    if is_int_overflow(s) {
        return None;
    }
    decimal_int_part(s).and_then(|v| i64::try_from(v).ok())
}

/// LARGEINT: 128-bit integer (carried as Decimal128(38, 0)).
fn parse_largeint(s: &str) -> Option<i128> {
    if let Some(v) = parse_i128_plain(s) {
        return Some(v);
    }
    if is_int_overflow(s) {
        return None;
    }
    decimal_int_part(s)
}

/// Integer part of a decimal text (`12.9` -> 12, `-3.5` -> -3); no exponent.
fn decimal_int_part(s: &str) -> Option<i128> {
    let t = trim_ws(s);
    let (int, frac) = t.split_once('.')?;
    if !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let int = if int.is_empty() || int == "-" || int == "+" {
        "0"
    } else {
        int
    };
    parse_i128_plain(int)
}

/// FLOAT/DOUBLE (`StringParser::string_to_float`): surrounding whitespace allowed.
#[inline]
pub fn parse_double(s: &str) -> Option<f64> {
    match s.parse::<f64>() {
        Ok(v) => Some(v),
        Err(_) => {
            let t = trim_ws(s);
            if t.len() != s.len() && !t.is_empty() {
                t.parse::<f64>().ok()
            } else {
                None
            }
        }
    }
}

/// BOOLEAN: `true`/`false` (any case), else a number (non-zero -> true).
pub fn parse_bool(s: &str) -> Option<bool> {
    let t = trim_ws(s);
    if t.eq_ignore_ascii_case("true") {
        return Some(true);
    }
    if t.eq_ignore_ascii_case("false") {
        return Some(false);
    }
    if let Some(f) = parse_double(t) {
        return Some(f != 0.0);
    }
    None
}

/// DECIMAL(p, s) (`DecimalV3Cast::from_string`): sign, digits, optional fraction and exponent;
/// extra fraction digits round half up; too many integer digits fail.
pub fn parse_decimal(s: &str, precision: u8, scale: i8) -> Option<i128> {
    let t = trim_ws(s).as_bytes();
    let (neg, mut rest) = match t.first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let mut exp: i32 = 0;
    if let Some(epos) = rest.iter().position(|&c| c == b'e' || c == b'E') {
        let e = std::str::from_utf8(&rest[epos + 1..]).ok()?;
        exp = e.parse::<i32>().ok()?;
        rest = &rest[..epos];
    }
    let (int, frac) = match rest.iter().position(|&c| c == b'.') {
        Some(p) => (&rest[..p], &rest[p + 1..]),
        None => (rest, &rest[rest.len()..]),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.iter().chain(frac.iter()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    // All digits with the decimal point shifted by `exp`.
    let digits: Vec<u8> = int.iter().chain(frac.iter()).map(|c| c - b'0').collect();
    let point = int.len() as i64 + exp as i64; // digits before the point
    let scale = scale.max(0) as i64;
    let mut v: i128 = 0;
    let mut int_digits = 0i64;
    let keep = point + scale; // number of digits to keep
    for (i, &d) in digits.iter().enumerate() {
        let i = i as i64;
        if i >= keep {
            break;
        }
        if i < point && (v != 0 || d != 0) {
            int_digits += 1;
        }
        v = v.checked_mul(10)?.checked_add(d as i128)?;
    }
    // Pad with zeros when the text has fewer fraction digits than the scale.
    let have = (digits.len() as i64).min(keep.max(0));
    for _ in have..keep.max(0) {
        v = v.checked_mul(10)?;
    }
    if keep < 0 {
        v = 0;
    }
    // Round half up on the first dropped digit.
    if keep >= 0 && (keep as usize) < digits.len() && digits[keep as usize] >= 5 {
        v = v.checked_add(1)?;
    }
    if point > digits.len() as i64 {
        // Exponent pushed the point past the digits: leading integer digits counted above.
        int_digits = int_digits.max(0);
    }
    let max_int_digits = precision as i64 - scale;
    let limit = 10i128.checked_pow(precision as u32)?;
    if int_digits > max_int_digits || v >= limit {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// A parsed DATE/DATETIME.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTimeValue {
    /// Days since 1970-01-01.
    pub days: i32,
    /// Microseconds since midnight.
    pub time_us: i64,
}

impl DateTimeValue {
    /// Microseconds since the epoch.
    pub fn micros(&self) -> i64 {
        self.days as i64 * 86_400_000_000 + self.time_us
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as i32
}

/// Civil date of days since 1970-01-01.
pub fn civil_from_days(z: i32) -> (i64, u32, u32) {
    let z = z as i64 + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Builds a value after StarRocks's `date::check`/`timestamp::check` (year 0..=9999; month and
/// day valid; hour < 24, minute and second < 60).
pub fn make_datetime(
    y: i64,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    us: u32,
) -> Option<DateTimeValue> {
    if !(0..=9999).contains(&y) || !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return None;
    }
    if h > 23 || mi > 59 || s > 59 || us > 999_999 {
        return None;
    }
    Some(DateTimeValue {
        days: days_from_civil(y, mo, d),
        time_us: ((h as i64 * 60 + mi as i64) * 60 + s as i64) * 1_000_000 + us as i64,
    })
}

#[inline]
fn d2(b: &[u8], i: usize) -> Option<u32> {
    let a = b[i].wrapping_sub(b'0');
    let c = b[i + 1].wrapping_sub(b'0');
    if a > 9 || c > 9 {
        return None;
    }
    Some(a as u32 * 10 + c as u32)
}

/// DATE/DATETIME text (`date::from_string_to_datetime` + the lenient MySQL-style fallback).
pub fn parse_datetime(s: &str) -> Option<DateTimeValue> {
    let t = trim_ws(s);
    let b = t.as_bytes();
    // Fast path 1: exactly 10 chars `YYYY?MM?DD`.
    if b.len() == 10 && !b[4].is_ascii_digit() && !b[7].is_ascii_digit() {
        let y = d2(b, 0)? * 100 + d2(b, 2)?;
        return make_datetime(y as i64, d2(b, 5)?, d2(b, 8)?, 0, 0, 0, 0).or_else(|| lenient(b));
    }
    // Fast path 2: `YYYY?MM?DD HH?MM?SS[.ffffff]` / `YYYY?MM?DDTHH:MM:SS`.
    if b.len() >= 19
        && !b[4].is_ascii_digit()
        && !b[7].is_ascii_digit()
        && (b[10] == b' ' || (b[10] == b'T' && b.len() == 19))
        && !b[13].is_ascii_digit()
        && !b[16].is_ascii_digit()
    {
        if let (Some(y1), Some(y2), Some(mo), Some(d), Some(h), Some(mi), Some(sec)) = (
            d2(b, 0),
            d2(b, 2),
            d2(b, 5),
            d2(b, 8),
            d2(b, 11),
            d2(b, 14),
            d2(b, 17),
        ) {
            let mut us = 0u32;
            let rest = &b[19..];
            let ok_rest = if rest.is_empty() {
                true
            } else if rest[0] == b'.'
                && rest.len() > 1
                && rest[1..].iter().all(|c| c.is_ascii_digit())
            {
                us = frac_to_us(&rest[1..]);
                true
            } else {
                false
            };
            if ok_rest {
                if let Some(v) = make_datetime((y1 * 100 + y2) as i64, mo, d, h, mi, sec, us) {
                    return Some(v);
                }
            }
        }
    }
    lenient(b)
}

fn frac_to_us(f: &[u8]) -> u32 {
    let mut us = 0u32;
    for i in 0..6 {
        us = us * 10 + f.get(i).map(|c| (c - b'0') as u32).unwrap_or(0);
    }
    us
}

fn two_digit_year(y: i64) -> i64 {
    if y < 70 {
        2000 + y
    } else {
        1900 + y
    }
}

/// MySQL-style lenient parse (`DateTimeValue::from_date_str` lineage).
fn lenient(b: &[u8]) -> Option<DateTimeValue> {
    if b.is_empty() {
        return None;
    }
    // Compact digits form: YYYYMMDD, YYYYMMDDHHMMSS[.ffffff], YYMMDD, YYMMDDHHMMSS.
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let rest = &b[digits..];
    if digits == b.len()
        || (rest.first() == Some(&b'.') && digits >= 12)
        || rest.first() == Some(&b'T')
    {
        let mut vals = Vec::new();
        let d = &b[..digits];
        let year_len = if digits == 4 || digits == 8 || digits >= 14 {
            4
        } else {
            2
        };
        let mut pos = 0;
        let mut first = true;
        while pos < d.len() {
            let len = if first { year_len } else { 2 };
            first = false;
            let end = (pos + len).min(d.len());
            let mut v = 0u32;
            for &c in &d[pos..end] {
                v = v * 10 + (c - b'0') as u32;
            }
            vals.push(v);
            pos = end;
        }
        let mut us = 0;
        if let Some(frac) = rest.strip_prefix(b".") {
            if !frac.iter().all(|c| c.is_ascii_digit()) {
                return None;
            }
            us = frac_to_us(frac);
        } else if let Some(time) = rest.strip_prefix(b"T") {
            // YYYYMMDDTHHMMSS
            if time.len() < 2 || !time.iter().all(|c| c.is_ascii_digit()) {
                return None;
            }
            for ch in time.chunks(2) {
                let mut v = 0u32;
                for &c in ch {
                    v = v * 10 + (c - b'0') as u32;
                }
                vals.push(v);
            }
        }
        if vals.len() < 3 {
            return None;
        }
        let mut y = vals[0] as i64;
        if year_len == 2 {
            y = two_digit_year(y);
        }
        return make_datetime(
            y,
            vals[1],
            vals[2],
            *vals.get(3).unwrap_or(&0),
            *vals.get(4).unwrap_or(&0),
            *vals.get(5).unwrap_or(&0),
            us,
        );
    }
    // Delimited form: fields split on punctuation/whitespace.
    let mut vals: Vec<(u32, usize)> = Vec::with_capacity(7);
    let mut i = 0;
    let mut us = 0u32;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let field = &b[start..i];
        if vals.len() == 6 {
            us = frac_to_us(field);
            vals.push((0, 0));
        } else {
            let mut v = 0u32;
            for &c in field.iter().take(9) {
                v = v * 10 + (c - b'0') as u32;
            }
            vals.push((v, field.len()));
        }
        if i >= b.len() {
            break;
        }
        // Separator run.
        let sep_start = i;
        while i < b.len() && !b[i].is_ascii_digit() {
            i += 1;
        }
        let sep = &b[sep_start..i];
        let has_space = sep.iter().any(|c| c.is_ascii_whitespace());
        // Spaces are allowed only after the day (index 2) and after the seconds (index 5).
        if has_space && vals.len() != 3 && vals.len() != 6 {
            return None;
        }
        if sep.len() > 1 && !sep.iter().all(|c| c.is_ascii_whitespace()) && vals.len() != 3 {
            return None;
        }
        if vals.len() == 6 && sep != b"." {
            // Trailing garbage after seconds other than a fraction.
            if i >= b.len() && sep.iter().all(|c| c.is_ascii_whitespace()) {
                break;
            }
            return None;
        }
        if vals.len() >= 7 {
            return None;
        }
    }
    if vals.len() < 3 {
        return None;
    }
    let (y, ylen) = vals[0];
    let y = if ylen <= 2 {
        two_digit_year(y as i64)
    } else {
        y as i64
    };
    let g = |k: usize| vals.get(k).map(|v| v.0).unwrap_or(0);
    make_datetime(y, g(1), g(2), g(3), g(4), g(5), us)
}

/// Formats a DATE (days since epoch) as `YYYY-MM-DD`.
pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Formats a DATETIME (micros since epoch) as `YYYY-MM-DD HH:MM:SS[.ffffff]`.
pub fn format_datetime(us: i64) -> String {
    let days = us.div_euclid(86_400_000_000);
    let rem = us.rem_euclid(86_400_000_000);
    let (y, m, d) = civil_from_days(days as i32);
    let secs = rem / 1_000_000;
    let frac = rem % 1_000_000;
    let (h, mi, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if frac == 0 {
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}.{frac:06}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{AsArray, Int8Array};
    use arrow::datatypes::{
        Date32Type, Decimal128Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType,
    };

    fn col(p: PrimitiveType, len: i32, precision: i32, scale: i32) -> TargetType {
        TargetType::of(&ColumnType {
            r#type: p as i32,
            len,
            precision,
            scale,
            item: None,
        })
    }

    fn texts(v: &[Option<&str>]) -> StringArray {
        StringArray::from(v.to_vec())
    }

    #[test]
    fn tinyint_matches_strict_mode_doc_example() {
        // frontend.md §5.2: `\N`, `abc`, `2000`, `1` -> NULL, fail, fail, 1.
        let (a, failed) = convert_text(
            &texts(&[None, Some("abc"), Some("2000"), Some("1")]),
            &col(PrimitiveType::Tinyint, -1, 0, 0),
        );
        let a = a.as_any().downcast_ref::<Int8Array>().unwrap();
        assert_eq!(failed, vec![1, 2]);
        assert!(a.is_null(0) && a.is_null(1) && a.is_null(2));
        assert_eq!(a.value(3), 1);
    }

    #[test]
    fn integers_fall_back_to_double_or_decimal() {
        let (a, failed) = convert_text(
            &texts(&[Some("12.7"), Some("1e3"), Some("-3.9"), Some(" 42 ")]),
            &col(PrimitiveType::Int, -1, 0, 0),
        );
        let a = a.as_primitive::<Int32Type>();
        assert!(failed.is_empty());
        assert_eq!(a.values().to_vec(), vec![12, 1000, -3, 42]);
        let (a, failed) = convert_text(
            &texts(&[
                Some("12.7"),
                Some("1e3"),
                Some("9223372036854775808"),
                Some("9223372036854775807"),
            ]),
            &col(PrimitiveType::Bigint, -1, 0, 0),
        );
        let a = a.as_primitive::<Int64Type>();
        assert_eq!(failed, vec![1, 2]);
        assert_eq!(a.value(0), 12);
        assert_eq!(a.value(3), i64::MAX);
    }

    #[test]
    fn largeint_holds_128_bits() {
        let (a, failed) = convert_text(
            &texts(&[
                Some("170141183460469231731687303715884105727"),
                Some("170141183460469231731687303715884105728"),
            ]),
            &col(PrimitiveType::Largeint, -1, 0, 0),
        );
        assert_eq!(failed, vec![1]);
        assert_eq!(a.as_primitive::<Decimal128Type>().value(0), i128::MAX);
    }

    #[test]
    fn decimal_rounds_half_up_and_checks_precision() {
        assert_eq!(parse_decimal("1.235", 10, 2), Some(124));
        assert_eq!(parse_decimal("1.234", 10, 2), Some(123));
        assert_eq!(parse_decimal("-1.5", 10, 0), Some(-2));
        assert_eq!(parse_decimal("12345678.9", 9, 2), None);
        assert_eq!(parse_decimal("1234567.9", 9, 2), Some(123456790));
        assert_eq!(parse_decimal("1.5e2", 10, 2), Some(15000));
        assert_eq!(parse_decimal("abc", 10, 2), None);
        assert_eq!(parse_decimal(".5", 10, 2), Some(50));
        let (a, f) = convert_text(
            &texts(&[Some("3.14159")]),
            &col(PrimitiveType::Decimal64, -1, 10, 3),
        );
        assert!(f.is_empty());
        assert_eq!(a.as_primitive::<Decimal128Type>().value(0), 3142);
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("false"), Some(false));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("2.5"), Some(true));
        assert_eq!(parse_bool("yes"), None);
    }

    #[test]
    fn dates_in_accepted_formats() {
        let d = |s: &str| parse_datetime(s).map(|v| format_date(v.days));
        assert_eq!(d("2020-05-08").as_deref(), Some("2020-05-08"));
        assert_eq!(d("2020/05/08").as_deref(), Some("2020-05-08"));
        assert_eq!(d("20200511").as_deref(), Some("2020-05-11"));
        assert_eq!(d("200511").as_deref(), Some("2020-05-11"));
        assert_eq!(d("2024-1-5").as_deref(), Some("2024-01-05"));
        assert_eq!(d(" 2024-02-29 ").as_deref(), Some("2024-02-29"));
        assert_eq!(d("2023-02-29"), None);
        assert_eq!(d("2020-13-01"), None);
        assert_eq!(d("abc"), None);
        assert_eq!(d("2020"), None);
        let t = |s: &str| parse_datetime(s).map(|v| format_datetime(v.micros()));
        assert_eq!(
            t("2020-05-08 12:34:56").as_deref(),
            Some("2020-05-08 12:34:56")
        );
        assert_eq!(
            t("2020-05-08T12:34:56").as_deref(),
            Some("2020-05-08 12:34:56")
        );
        assert_eq!(
            t("2020-05-08 12:34:56.123").as_deref(),
            Some("2020-05-08 12:34:56.123000")
        );
        assert_eq!(t("20200508123456").as_deref(), Some("2020-05-08 12:34:56"));
        assert_eq!(t("2024-1-5 3:4:5").as_deref(), Some("2024-01-05 03:04:05"));
        assert_eq!(t("2020-05-08 24:00:00"), None);
        assert_eq!(t("99-12-31").as_deref(), Some("1999-12-31 00:00:00"));
    }

    #[test]
    fn datetime_column_and_date_column() {
        let (a, f) = convert_text(
            &texts(&[Some("2020-05-08 01:02:03"), Some("x")]),
            &col(PrimitiveType::Datetime, -1, 0, 0),
        );
        assert_eq!(f, vec![1]);
        assert_eq!(
            a.as_primitive::<TimestampMicrosecondType>().value(0),
            1_588_899_723_000_000
        );
        let (a, f) = convert_text(
            &texts(&[Some("1970-01-02")]),
            &col(PrimitiveType::Date, -1, 0, 0),
        );
        assert!(f.is_empty());
        assert_eq!(a.as_primitive::<Date32Type>().value(0), 1);
    }

    #[test]
    fn varchar_too_long_fails_not_truncated() {
        let (a, f) = convert_text(
            &texts(&[Some("abc"), Some("abcd"), None]),
            &col(PrimitiveType::Varchar, 3, 0, 0),
        );
        assert_eq!(f, vec![1]);
        let a = a.as_string::<i32>();
        assert_eq!(a.value(0), "abc");
        assert!(a.is_null(1) && a.is_null(2));
        // Bytes, not characters.
        let (_, f) = convert_text(
            &texts(&[Some("日本")]),
            &col(PrimitiveType::Varchar, 5, 0, 0),
        );
        assert_eq!(f, vec![0]);
    }

    #[test]
    fn double_json_and_array() {
        let (a, f) = convert_text(
            &texts(&[Some("1.5"), Some(" 2 "), Some("x")]),
            &col(PrimitiveType::Double, -1, 0, 0),
        );
        assert_eq!(f, vec![2]);
        assert_eq!(a.as_primitive::<Float64Type>().value(1), 2.0);
        let (_, f) = convert_text(
            &texts(&[Some("{\"a\":1}"), Some("{bad")]),
            &col(PrimitiveType::Json, -1, 0, 0),
        );
        assert_eq!(f, vec![1]);
        let t = TargetType::of(&ColumnType {
            r#type: PrimitiveType::Array as i32,
            len: -1,
            precision: 0,
            scale: 0,
            item: Some(Box::new(ColumnType {
                r#type: PrimitiveType::Int as i32,
                len: -1,
                precision: 0,
                scale: 0,
                item: None,
            })),
        });
        let (a, f) = convert_text(
            &texts(&[Some("[1, 2, null]"), Some("[x]"), Some("nope"), Some("[]")]),
            &t,
        );
        assert_eq!(f, vec![1, 2]);
        let l = a.as_list::<i32>();
        assert_eq!(l.value(0).len(), 3);
        assert_eq!(l.value(3).len(), 0);
        assert!(l.is_null(1) && l.is_null(2));
    }
}
