//! Arrays of values during evaluation, shared by the expression evaluator (`expr`) and the
//! built-in functions (`func`): value kinds and the implicit conversions between them, the
//! binary operators and CAST over whole arrays, the evaluation context and the error type.
//! Both `expr` and `func` import this file and neither imports the other's internals through
//! it, so the three stay a tree (expr -> func -> value) instead of a circle.

use super::datetime::JobTz;
use crate::load::transform::convert::{self, format_date, format_datetime, parse_datetime};
use arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, BooleanArray, BooleanBuilder, Date32Array,
    Float64Array, Float64Builder, Int64Array, Int64Builder, StringArray, StringBuilder,
    TimestampMicrosecondArray,
};
use arrow::compute::kernels::{boolean, cmp, numeric};
use arrow::datatypes::{
    DataType, Date32Type, Float64Type, Int64Type, TimeUnit, TimestampMicrosecondType,
};
use std::sync::Arc;

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    IntDiv,
    Mod,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
    /// `<=>`
    EqNullSafe,
}

/// CAST targets.
#[derive(Debug, Clone, PartialEq)]
pub enum CastTo {
    Int,
    Float,
    Decimal(u8, i8),
    Str,
    Bool,
    Date,
    Datetime,
    Json,
    /// `ARRAY<elem>` (evaluated by `expr` through `array`).
    Array(Box<CastTo>),
    /// `MAP<VARCHAR, JSON>` from a JSON object (evaluated by `expr` through `array`).
    Map,
}

/// Why an expression did not compile or evaluate. Compile errors are wrapped by the planner
/// into StarRocks's `Expr '<e>' analyze error: ...`; evaluation errors fail the task.
#[derive(Debug, thiserror::Error)]
pub enum ExprError {
    /// sqlparser rejected the text.
    #[error(transparent)]
    Parse(#[from] sqlparser::parser::ParserError),
    /// A name that is not in scope (the planner words it as StarRocks's "Referenced column").
    #[error("Unknown column '{0}'")]
    UnknownColumn(String),
    #[error("unsupported operator {0}")]
    UnsupportedOperator(String),
    #[error("TRIM with characters is not supported")]
    TrimCharacters,
    #[error("bad function name {0}")]
    BadFunctionName(String),
    #[error("unsupported argument {0}")]
    UnsupportedArgument(String),
    #[error("unsupported expression {0}")]
    UnsupportedExpression(String),
    #[error(transparent)]
    BadNumber(#[from] std::num::ParseFloatError),
    #[error("unsupported literal {0}")]
    UnsupportedLiteral(String),
    /// A CAST target we do not know.
    #[error("Invalid type {0}")]
    InvalidType(String),
    /// Unknown function, or a known one with the wrong number of arguments.
    #[error("No matching function with signature: {0}")]
    NoMatchingFunction(String),
    /// An Arrow kernel failed while evaluating.
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    /// A comparison kernel was asked for a non-comparison operator (a planner bug).
    #[error("bad operator")]
    BadOperator,
    /// A higher-order function's input `i` (1-based, after the lambda) is not an array
    /// (StarRocks `ExpressionAnalyzer`).
    #[error("{0}th lambda input should be arrays")]
    LambdaInputNotArray(usize),
    /// Lambda parameters and input arrays differ in number.
    #[error("Lambda arguments should equal to lambda input arrays")]
    LambdaArity,
    /// A lambda outside a higher-order function's argument list.
    #[error("Lambda Functions can only be used in high-order functions with arrays/maps")]
    LambdaOutsideHighOrder,
    /// Two lambda parameters with one name.
    #[error("Lambda argument: {0} is duplicated")]
    LambdaDuplicateArgument(String),
    /// A higher-order function without any input array.
    #[error("{0} should have a input array")]
    NoInputArray(String),
    /// A runtime failure StarRocks words itself (e.g. arrays of unequal sizes).
    #[error("{0}")]
    Eval(String),
}

/// Evaluation context of one batch.
pub struct EvalCtx<'a> {
    pub env: &'a [ArrayRef],
    pub rows: usize,
    pub tz: JobTz,
    /// Task start, UTC epoch seconds (`now()` is fixed for the whole load, as in StarRocks).
    pub now_utc_secs: i64,
}

/// TRUE where `b` is TRUE (NULL counts as FALSE), without a null buffer.
pub fn true_mask(b: &BooleanArray) -> BooleanArray {
    if b.null_count() == 0 {
        BooleanArray::new(b.values().clone(), None)
    } else {
        arrow::compute::prep_null_mask_filter(b)
    }
}

/// Value kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Int,
    Float,
    Str,
    Bool,
    Date,
    Ts,
    Other,
}

/// The kind of an Arrow type.
pub fn kind(t: &DataType) -> Kind {
    match t {
        DataType::Null => Kind::Null,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => Kind::Int,
        DataType::Decimal128(_, 0) => Kind::Int,
        DataType::Float32 | DataType::Float64 | DataType::Decimal128(_, _) => Kind::Float,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Kind::Str,
        DataType::Boolean => Kind::Bool,
        DataType::Date32 => Kind::Date,
        DataType::Timestamp(_, _) => Kind::Ts,
        _ => Kind::Other,
    }
}

fn arrow_cast(a: &ArrayRef, t: &DataType) -> ArrayRef {
    arrow::compute::cast(a, t).unwrap_or_else(|_| new_null_array(t, a.len()))
}

/// As BIGINT (strings parsed as StarRocks casts them; doubles truncated).
pub fn to_i64(a: &ArrayRef) -> Int64Array {
    match kind(a.data_type()) {
        Kind::Str => {
            let s = to_str(a);
            let mut b = Int64Builder::with_capacity(s.len());
            for v in s.iter() {
                b.append_option(v.and_then(convert::parse_bigint_text));
            }
            b.finish()
        }
        Kind::Date => {
            let d = a.as_primitive::<Date32Type>();
            d.iter()
                .map(|v| {
                    v.map(|v| {
                        let (y, m, dd) = convert::civil_from_days(v);
                        y * 10000 + m as i64 * 100 + dd as i64
                    })
                })
                .collect()
        }
        Kind::Ts => {
            let t = to_ts(a);
            t.iter()
                .map(|v| {
                    v.map(|v| {
                        let p = super::datetime::parts(v);
                        ((p.year * 100 + p.month as i64) * 100 + p.day as i64) * 1_000_000
                            + (p.hour as i64 * 100 + p.minute as i64) * 100
                            + p.second as i64
                    })
                })
                .collect()
        }
        Kind::Float => {
            let f = to_f64(a);
            f.iter()
                .map(|v| v.filter(|x| x.is_finite()).map(|x| x.trunc() as i64))
                .collect()
        }
        _ => arrow_cast(a, &DataType::Int64)
            .as_primitive::<Int64Type>()
            .clone(),
    }
}

/// As DOUBLE.
pub fn to_f64(a: &ArrayRef) -> Float64Array {
    match kind(a.data_type()) {
        Kind::Str => {
            let s = to_str(a);
            let mut b = Float64Builder::with_capacity(s.len());
            for v in s.iter() {
                b.append_option(v.and_then(convert::parse_double));
            }
            b.finish()
        }
        Kind::Date | Kind::Ts => {
            let i = to_i64(a);
            i.iter().map(|v| v.map(|v| v as f64)).collect()
        }
        _ => arrow_cast(a, &DataType::Float64)
            .as_primitive::<Float64Type>()
            .clone(),
    }
}

/// As VARCHAR (StarRocks's text forms: booleans `1`/`0`, dates `YYYY-MM-DD`).
pub fn to_str(a: &ArrayRef) -> StringArray {
    match a.data_type() {
        DataType::Utf8 => return a.as_string::<i32>().clone(),
        DataType::Boolean => {
            return a
                .as_boolean()
                .iter()
                .map(|v| v.map(|b| if b { "1" } else { "0" }))
                .collect()
        }
        DataType::Date32 => {
            return a
                .as_primitive::<Date32Type>()
                .iter()
                .map(|v| v.map(format_date))
                .collect()
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            return a
                .as_primitive::<TimestampMicrosecondType>()
                .iter()
                .map(|v| v.map(format_datetime))
                .collect()
        }
        DataType::Float64 | DataType::Float32 => {
            let f = to_f64(a);
            let mut b = StringBuilder::with_capacity(f.len(), f.len() * 8);
            let mut buf = String::new();
            for v in f.iter() {
                match v {
                    Some(x) => {
                        buf.clear();
                        format_double(&mut buf, x);
                        b.append_value(&buf);
                    }
                    None => b.append_null(),
                }
            }
            return b.finish();
        }
        DataType::List(_) | DataType::Map(_, _) => return format_nested(a),
        _ => {}
    }
    arrow_cast(a, &DataType::Utf8).as_string::<i32>().clone()
}

/// ARRAY and MAP values as StarRocks prints them: `[1,2,3]`, `["a","b"]`, `{"k":1}`, NULL
/// elements as `null`.
fn format_nested(a: &ArrayRef) -> StringArray {
    let (offsets, keys, values) = match a.data_type() {
        DataType::Map(_, _) => {
            let m = a.as_map();
            (
                m.value_offsets().to_vec(),
                Some(m.keys().clone()),
                m.values().clone(),
            )
        }
        _ => {
            let l = a.as_list::<i32>();
            (l.value_offsets().to_vec(), None, l.values().clone())
        }
    };
    let quoted = |x: &ArrayRef| matches!(x.data_type(), DataType::Utf8);
    let texts = to_str(&values);
    let key_texts = keys.as_ref().map(to_str);
    let mut b = StringBuilder::with_capacity(a.len(), a.len() * 8);
    let mut buf = String::new();
    for r in 0..a.len() {
        if a.is_null(r) {
            b.append_null();
            continue;
        }
        buf.clear();
        buf.push(if keys.is_some() { '{' } else { '[' });
        for e in offsets[r] as usize..offsets[r + 1] as usize {
            if e > offsets[r] as usize {
                buf.push(',');
            }
            if let Some(k) = &key_texts {
                buf.push('"');
                buf.push_str(k.value(e));
                buf.push_str("\":");
            }
            if texts.is_null(e) {
                buf.push_str("null");
            } else if quoted(&values) && keys.is_none() {
                buf.push('"');
                buf.push_str(texts.value(e));
                buf.push('"');
            } else {
                buf.push_str(texts.value(e));
            }
        }
        buf.push(if keys.is_some() { '}' } else { ']' });
        b.append_value(&buf);
    }
    b.finish()
}

/// StarRocks prints doubles in their shortest round-trip form (`1.5`, `100`, `1e+20`).
pub fn format_double(out: &mut String, x: f64) {
    use std::fmt::Write;
    if x.is_nan() {
        out.push_str("nan");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
    } else if x == x.trunc() && x.abs() < 1e16 {
        let _ = write!(out, "{}", x as i64);
    } else if x.abs() >= 1e16 || x.abs() < 1e-5 {
        let s = format!("{x:e}");
        // Rust prints `1e20`; StarRocks (fmt/{fmt}) prints `1e+20`.
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => {
                let _ = write!(out, "{m}e+{e}");
            }
            _ => out.push_str(&s),
        }
    } else {
        let _ = write!(out, "{x}");
    }
}

/// As BOOLEAN.
pub fn to_bool(a: &ArrayRef) -> BooleanArray {
    match kind(a.data_type()) {
        Kind::Bool => a.as_boolean().clone(),
        Kind::Str => {
            let s = to_str(a);
            let mut b = BooleanBuilder::with_capacity(s.len());
            for v in s.iter() {
                b.append_option(v.and_then(convert::parse_bool));
            }
            b.finish()
        }
        Kind::Null => BooleanArray::new_null(a.len()),
        _ => to_f64(a).iter().map(|v| v.map(|x| x != 0.0)).collect(),
    }
}

/// As DATETIME (local µs).
pub fn to_ts(a: &ArrayRef) -> TimestampMicrosecondArray {
    match kind(a.data_type()) {
        Kind::Ts => arrow_cast(a, &DataType::Timestamp(TimeUnit::Microsecond, None))
            .as_primitive::<TimestampMicrosecondType>()
            .clone(),
        Kind::Date => a
            .as_primitive::<Date32Type>()
            .iter()
            .map(|v| v.map(|d| d as i64 * 86_400_000_000))
            .collect(),
        Kind::Int => {
            // 20200508 / 20200508123456 style numbers.
            let i = to_i64(a);
            i.iter()
                .map(|v| {
                    v.and_then(|v| parse_datetime(&v.to_string()))
                        .map(|d| d.micros())
                })
                .collect()
        }
        _ => {
            let s = to_str(a);
            s.iter()
                .map(|v| v.and_then(parse_datetime).map(|d| d.micros()))
                .collect()
        }
    }
}

/// As DATE.
pub fn to_date(a: &ArrayRef) -> Date32Array {
    match kind(a.data_type()) {
        Kind::Date => a.as_primitive::<Date32Type>().clone(),
        _ => to_ts(a)
            .iter()
            .map(|v| v.map(|us| us.div_euclid(86_400_000_000) as i32))
            .collect(),
    }
}

/// Brings arrays to one type (for CASE/IF/COALESCE results).
pub fn unify(vals: Vec<ArrayRef>) -> Vec<ArrayRef> {
    let kinds: Vec<Kind> = vals
        .iter()
        .map(|v| kind(v.data_type()))
        .filter(|k| *k != Kind::Null)
        .collect();
    let first_type = vals
        .iter()
        .map(|v| v.data_type().clone())
        .find(|t| *t != DataType::Null);
    let Some(first_type) = first_type else {
        return vals;
    };
    let same = vals
        .iter()
        .all(|v| *v.data_type() == first_type || *v.data_type() == DataType::Null);
    let target = if same {
        first_type
    } else if kinds.iter().all(|k| *k == Kind::Int) {
        DataType::Int64
    } else if kinds.iter().all(|k| matches!(k, Kind::Int | Kind::Float)) {
        DataType::Float64
    } else if kinds.iter().all(|k| matches!(k, Kind::Date | Kind::Ts)) {
        DataType::Timestamp(TimeUnit::Microsecond, None)
    } else if kinds.iter().all(|k| *k == Kind::Bool) {
        DataType::Boolean
    } else {
        DataType::Utf8
    };
    vals.into_iter()
        .map(|v| {
            if *v.data_type() == target {
                v
            } else if *v.data_type() == DataType::Null {
                new_null_array(&target, v.len())
            } else {
                match &target {
                    DataType::Int64 => Arc::new(to_i64(&v)) as ArrayRef,
                    DataType::Float64 => Arc::new(to_f64(&v)),
                    DataType::Timestamp(..) => Arc::new(to_ts(&v)),
                    DataType::Utf8 => Arc::new(to_str(&v)),
                    t => arrow_cast(&v, t),
                }
            }
        })
        .collect()
}

fn err(e: arrow::error::ArrowError) -> ExprError {
    ExprError::Arrow(e)
}

/// A binary operator over two arrays.
pub fn binary(op: BinOp, l: &ArrayRef, r: &ArrayRef) -> Result<ArrayRef, ExprError> {
    let (kl, kr) = (kind(l.data_type()), kind(r.data_type()));
    match op {
        BinOp::And | BinOp::Or => {
            let (a, b) = (to_bool(l), to_bool(r));
            let v = if op == BinOp::And {
                boolean::and_kleene(&a, &b)
            } else {
                boolean::or_kleene(&a, &b)
            };
            return Ok(Arc::new(v.map_err(err)?));
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul => {
            if kl == Kind::Null || kr == Kind::Null {
                return Ok(new_null_array(&DataType::Int64, l.len()));
            }
            if kl == Kind::Int && kr == Kind::Int {
                let (a, b) = (to_i64(l), to_i64(r));
                let v = match op {
                    BinOp::Add => numeric::add_wrapping(&a, &b),
                    BinOp::Sub => numeric::sub_wrapping(&a, &b),
                    _ => numeric::mul_wrapping(&a, &b),
                };
                return v.map_err(err);
            }
            let (a, b) = (to_f64(l), to_f64(r));
            let v = match op {
                BinOp::Add => numeric::add(&a, &b),
                BinOp::Sub => numeric::sub(&a, &b),
                _ => numeric::mul(&a, &b),
            };
            return v.map_err(err);
        }
        BinOp::Div => {
            let (a, b) = (to_f64(l), to_f64(r));
            let v: Float64Array = a
                .iter()
                .zip(b.iter())
                .map(|(x, y)| match (x, y) {
                    (Some(x), Some(y)) if y != 0.0 => Some(x / y),
                    _ => None,
                })
                .collect();
            return Ok(Arc::new(v));
        }
        BinOp::IntDiv | BinOp::Mod
            if kl != Kind::Float && kr != Kind::Float && kl != Kind::Str && kr != Kind::Str =>
        {
            let (a, b) = (to_i64(l), to_i64(r));
            let v: Int64Array = a
                .iter()
                .zip(b.iter())
                .map(|(x, y)| match (x, y) {
                    (Some(x), Some(y)) if y != 0 => Some(if op == BinOp::Mod {
                        x.wrapping_rem(y)
                    } else {
                        x.wrapping_div(y)
                    }),
                    _ => None,
                })
                .collect();
            return Ok(Arc::new(v));
        }
        BinOp::IntDiv | BinOp::Mod => {
            let (a, b) = (to_f64(l), to_f64(r));
            if op == BinOp::IntDiv {
                let v: Int64Array = a
                    .iter()
                    .zip(b.iter())
                    .map(|(x, y)| match (x, y) {
                        (Some(x), Some(y)) if y != 0.0 => Some((x / y).trunc() as i64),
                        _ => None,
                    })
                    .collect();
                return Ok(Arc::new(v));
            }
            let v: Float64Array = a
                .iter()
                .zip(b.iter())
                .map(|(x, y)| match (x, y) {
                    (Some(x), Some(y)) if y != 0.0 => Some(x % y),
                    _ => None,
                })
                .collect();
            return Ok(Arc::new(v));
        }
        _ => {}
    }
    // Comparisons.
    let (a, b): (ArrayRef, ArrayRef) = match (kl, kr) {
        (Kind::Null, _) | (_, Kind::Null) => {
            if op == BinOp::EqNullSafe {
                // A NULL literal is a NullArray (no null buffer): use logical nulls.
                let (ln, rn) = (l.logical_nulls(), r.logical_nulls());
                let null_at = |n: &Option<arrow::buffer::NullBuffer>, i: usize| {
                    n.as_ref().is_some_and(|n| n.is_null(i))
                };
                let v: BooleanArray = (0..l.len())
                    .map(|i| Some(null_at(&ln, i) && null_at(&rn, i)))
                    .collect();
                return Ok(Arc::new(v));
            }
            return Ok(new_null_array(&DataType::Boolean, l.len()));
        }
        (Kind::Int, Kind::Int) => (Arc::new(to_i64(l)), Arc::new(to_i64(r))),
        (Kind::Str, Kind::Str) => (Arc::new(to_str(l)), Arc::new(to_str(r))),
        (Kind::Bool, Kind::Bool) => (l.clone(), r.clone()),
        (Kind::Date, Kind::Date) => (l.clone(), r.clone()),
        (Kind::Date | Kind::Ts, Kind::Date | Kind::Ts | Kind::Str)
        | (Kind::Str, Kind::Date | Kind::Ts) => (Arc::new(to_ts(l)), Arc::new(to_ts(r))),
        (
            Kind::Int | Kind::Float | Kind::Str | Kind::Bool,
            Kind::Int | Kind::Float | Kind::Str | Kind::Bool,
        ) => (Arc::new(to_f64(l)), Arc::new(to_f64(r))),
        _ => (Arc::new(to_str(l)), Arc::new(to_str(r))),
    };
    let v = match op {
        BinOp::Eq => cmp::eq(&a, &b),
        BinOp::NotEq => cmp::neq(&a, &b),
        BinOp::Lt => cmp::lt(&a, &b),
        BinOp::LtEq => cmp::lt_eq(&a, &b),
        BinOp::Gt => cmp::gt(&a, &b),
        BinOp::GtEq => cmp::gt_eq(&a, &b),
        BinOp::EqNullSafe => cmp::not_distinct(&a, &b),
        _ => return Err(ExprError::BadOperator),
    };
    Ok(Arc::new(v.map_err(err)?))
}

/// CAST semantics (failure -> NULL).
pub fn cast(a: &ArrayRef, to: &CastTo) -> Result<ArrayRef, ExprError> {
    Ok(match to {
        CastTo::Int => Arc::new(to_i64(a)),
        CastTo::Float => Arc::new(to_f64(a)),
        CastTo::Str => Arc::new(to_str(a)),
        CastTo::Bool => Arc::new(to_bool(a)),
        CastTo::Date => Arc::new(to_date(a)),
        CastTo::Datetime => Arc::new(to_ts(a)),
        CastTo::Json => Arc::new(to_str(a)),
        CastTo::Array(_) | CastTo::Map => {
            return Err(ExprError::InvalidType(format!("{to:?}")));
        }
        CastTo::Decimal(p, s) => {
            let t = convert::TargetType::of(&starload_proto::types::ColumnType {
                r#type: starload_proto::types::PrimitiveType::Decimal128 as i32,
                len: -1,
                precision: *p as i32,
                scale: *s as i32,
                item: None,
            });
            convert::convert_text(&to_str(a), &t).0
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_as_starrocks_does() {
        let mut o = String::new();
        format_double(&mut o, 1e20);
        assert_eq!(o, "1e+20");
    }
}
