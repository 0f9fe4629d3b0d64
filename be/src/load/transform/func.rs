//! Built-in functions for COLUMNS expressions and WHERE, with StarRocks's names, argument
//! orders, formats and NULL rules (`be/src/exprs/{time,string,math,json,condition}_functions*`).
//! Each function runs over whole arrays; scratch strings are reused across rows.

use super::array::{self, Elements};
use super::datetime::{format_into, parse_with_format, parts, JobTz};
use super::value::{
    binary, kind, to_bool, to_date, to_f64, to_i64, to_str, to_ts, true_mask, unify, BinOp,
    EvalCtx, ExprError, Kind,
};
use crate::load::decode::json::JsonPath;
use crate::load::transform::convert::{days_from_civil, make_datetime};
use arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, Date32Array, Float64Array, Int64Array, StringArray,
    StringBuilder, TimestampMicrosecondArray,
};
use arrow::compute::kernels::zip::zip;
use arrow::datatypes::DataType;
use std::sync::Arc;

/// Arity check at compile time: (min, max) arguments per function.
pub fn check(name: &str, n: usize) -> Result<(), ExprError> {
    let (lo, hi) = match name {
        "if" => (3, 3),
        "ifnull" | "nvl" | "nullif" => (2, 2),
        "coalesce" => (1, usize::MAX),
        "from_unixtime" => (1, 2),
        "unix_timestamp" => (0, 2),
        "str_to_date" | "date_format" => (2, 2),
        "to_date" | "date" | "year" | "month" | "day" | "dayofmonth" | "hour" | "minute"
        | "second" | "quarter" | "dayofweek" | "dayofyear" => (1, 1),
        "now" | "current_timestamp" | "localtime" | "localtimestamp" | "curdate"
        | "current_date" => (0, 0),
        // date_add(d, n) or date_add(d, INTERVAL n unit) (the unit arrives as a third argument).
        "date_add" | "adddate" | "date_sub" | "subdate" | "days_add" | "days_sub" => (2, 3),
        "convert_tz" => (3, 3),
        "concat" => (1, usize::MAX),
        "concat_ws" => (2, usize::MAX),
        "substr" | "substring" => (2, 3),
        "upper" | "ucase" | "lower" | "lcase" | "trim" | "ltrim" | "rtrim" | "length"
        | "char_length" | "character_length" | "parse_json" | "abs" | "floor" | "ceil"
        | "ceiling" => (1, 1),
        "replace" | "split_part" => (3, 3),
        "get_json_string" | "get_json_int" | "get_json_double" | "json_query" => (2, 2),
        "round" => (1, 2),
        // The plain forms of the higher-order functions (their lambda forms compile in
        // `expr`): array_filter(arr, bools), array_sortby(arr, keys), any_match(bools).
        "any_match" | "all_match" if n == 0 => {
            return Err(ExprError::NoInputArray(name.to_string()));
        }
        "array_filter" | "array_sortby" => (2, 2),
        "any_match" | "all_match" | "map_values" | "map_keys" | "array_length" | "cardinality" => {
            (1, 1)
        }
        _ => return Err(ExprError::NoMatchingFunction(name.to_string())),
    };
    if n < lo || n > hi {
        return Err(ExprError::NoMatchingFunction(name.to_string()));
    }
    Ok(())
}

/// Calls `name` on evaluated arguments.
pub fn call(name: &str, a: &[ArrayRef], ctx: &EvalCtx) -> Result<ArrayRef, ExprError> {
    let n = ctx.rows;
    Ok(match name {
        "array_filter" | "array_sortby" => {
            let lists = [array::as_list(&a[0], 1)?, array::as_list(&a[1], 2)?];
            let e = Elements::of(&lists, name)?;
            if name == "array_filter" {
                e.filter(&e.args[1])?
            } else {
                e.sort_by(&e.args[1])?
            }
        }
        "any_match" | "all_match" => {
            let e = Elements::of(&[array::as_list(&a[0], 1)?], name)?;
            e.matches(&e.args[0], name == "any_match")
        }
        "map_values" | "map_keys" => {
            let m = match a[0].data_type() {
                DataType::Utf8 => Arc::new(array::parse_maps(a[0].as_string::<i32>())) as ArrayRef,
                _ => a[0].clone(),
            };
            array::map_part(&m, name == "map_values")
        }
        "array_length" | "cardinality" => {
            let l = array::as_list(&a[0], 1)?;
            Arc::new(
                (0..l.len())
                    .map(|r| l.is_valid(r).then(|| l.value_length(r) as i64))
                    .collect::<Int64Array>(),
            )
        }
        "if" => {
            let c = true_mask(&to_bool(&a[0]));
            let v = unify(vec![a[1].clone(), a[2].clone()]);
            zip(&c, &v[0], &v[1])?
        }
        "ifnull" | "nvl" => coalesce(&[a[0].clone(), a[1].clone()])?,
        "coalesce" => coalesce(a)?,
        "nullif" => {
            let eq = to_bool(&binary(BinOp::Eq, &a[0], &a[1])?);
            let mask = true_mask(&eq);
            let nulls = new_null_array(a[0].data_type(), n);
            zip(&mask, &nulls, &a[0])?
        }
        "from_unixtime" => {
            let ts = to_i64(&a[0]);
            let fmt = a.get(1).map(to_str);
            let mut b = StringBuilder::with_capacity(n, n * 19);
            let mut buf = String::new();
            for i in 0..n {
                let f = match &fmt {
                    Some(f) if f.is_null(i) => {
                        b.append_null();
                        continue;
                    }
                    Some(f) => f.value(i),
                    None => "%Y-%m-%d %H:%i:%s",
                };
                // StarRocks: NULL outside [0, 253402271999].
                match ts
                    .is_valid(i)
                    .then(|| ts.value(i))
                    .filter(|v| (0..=253_402_271_999).contains(v))
                {
                    Some(v) => {
                        buf.clear();
                        format_into(&mut buf, ctx.tz.utc_to_local_us(v), f);
                        b.append_value(&buf);
                    }
                    None => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        "unix_timestamp" => match a.len() {
            0 => Arc::new(Int64Array::from_value(ctx.now_utc_secs, n)),
            1 => {
                let t = to_ts(&a[0]);
                Arc::new(
                    t.iter()
                        .map(|v| v.map(|us| ctx.tz.local_us_to_utc(us).max(0)))
                        .collect::<Int64Array>(),
                )
            }
            _ => {
                let t = str_to_date(&a[0], &a[1])?;
                let t = to_ts(&t);
                Arc::new(
                    t.iter()
                        .map(|v| v.map(|us| ctx.tz.local_us_to_utc(us).max(0)))
                        .collect::<Int64Array>(),
                )
            }
        },
        "str_to_date" => str_to_date(&a[0], &a[1])?,
        "date_format" => {
            let t = to_ts(&a[0]);
            let f = to_str(&a[1]);
            let mut b = StringBuilder::with_capacity(n, n * 10);
            let mut buf = String::new();
            for i in 0..n {
                if t.is_null(i) || f.is_null(i) {
                    b.append_null();
                    continue;
                }
                buf.clear();
                format_into(&mut buf, t.value(i), f.value(i));
                b.append_value(&buf);
            }
            Arc::new(b.finish())
        }
        "to_date" | "date" => Arc::new(to_date(&a[0])),
        "year" | "month" | "day" | "dayofmonth" | "hour" | "minute" | "second" | "quarter"
        | "dayofweek" | "dayofyear" => {
            let t = to_ts(&a[0]);
            let v: Int64Array = t
                .iter()
                .map(|v| {
                    v.map(|us| {
                        let p = parts(us);
                        match name {
                            "year" => p.year,
                            "month" => p.month as i64,
                            "quarter" => (p.month as i64 - 1) / 3 + 1,
                            "hour" => p.hour as i64,
                            "minute" => p.minute as i64,
                            "second" => p.second as i64,
                            // Sunday = 1 .. Saturday = 7; 1970-01-01 was a Thursday.
                            "dayofweek" => (p.days as i64 + 4).rem_euclid(7) + 1,
                            "dayofyear" => (p.days - days_from_civil(p.year, 1, 1) + 1) as i64,
                            _ => p.day as i64,
                        }
                    })
                })
                .collect();
            Arc::new(v)
        }
        "now" | "current_timestamp" | "localtime" | "localtimestamp" => Arc::new(
            TimestampMicrosecondArray::from_value(ctx.tz.utc_to_local_us(ctx.now_utc_secs), n),
        ),
        "curdate" | "current_date" => Arc::new(Date32Array::from_value(
            ctx.tz
                .utc_to_local_us(ctx.now_utc_secs)
                .div_euclid(86_400_000_000) as i32,
            n,
        )),
        "date_add" | "adddate" | "days_add" | "date_sub" | "subdate" | "days_sub" => {
            let negate = matches!(name, "date_sub" | "subdate" | "days_sub");
            let unit = match a.get(2) {
                Some(u) => {
                    let u = to_str(u);
                    if u.is_empty() || u.is_null(0) {
                        "day".to_string()
                    } else {
                        u.value(0).to_string()
                    }
                }
                None => "day".to_string(),
            };
            date_add(&a[0], &a[1], &unit, negate)?
        }
        "convert_tz" => {
            let t = to_ts(&a[0]);
            let from = to_str(&a[1]);
            let to = to_str(&a[2]);
            let v: TimestampMicrosecondArray = (0..n)
                .map(|i| {
                    if t.is_null(i) || from.is_null(i) || to.is_null(i) {
                        return None;
                    }
                    let f = JobTz::parse(from.value(i))?;
                    let tt = JobTz::parse(to.value(i))?;
                    let us = t.value(i);
                    let utc = f.local_us_to_utc(us);
                    Some(tt.utc_to_local_us(utc) + us.rem_euclid(1_000_000))
                })
                .collect();
            Arc::new(v)
        }
        "concat" => {
            let s: Vec<StringArray> = a.iter().map(to_str).collect();
            let mut b = StringBuilder::with_capacity(n, n * 16);
            let mut buf = String::new();
            for i in 0..n {
                if s.iter().any(|c| c.is_null(i)) {
                    b.append_null();
                    continue;
                }
                buf.clear();
                for c in &s {
                    buf.push_str(c.value(i));
                }
                b.append_value(&buf);
            }
            Arc::new(b.finish())
        }
        "concat_ws" => {
            let sep = to_str(&a[0]);
            let s: Vec<StringArray> = a[1..].iter().map(to_str).collect();
            let mut b = StringBuilder::with_capacity(n, n * 16);
            let mut buf = String::new();
            for i in 0..n {
                if sep.is_null(i) {
                    b.append_null();
                    continue;
                }
                buf.clear();
                let mut first = true;
                for c in &s {
                    if c.is_null(i) {
                        continue;
                    }
                    if !first {
                        buf.push_str(sep.value(i));
                    }
                    first = false;
                    buf.push_str(c.value(i));
                }
                b.append_value(&buf);
            }
            Arc::new(b.finish())
        }
        "substr" | "substring" => {
            let s = to_str(&a[0]);
            let pos = to_i64(&a[1]);
            let len = a.get(2).map(to_i64);
            let mut b = StringBuilder::with_capacity(n, s.value_data().len());
            for i in 0..n {
                if s.is_null(i) || pos.is_null(i) || len.as_ref().is_some_and(|l| l.is_null(i)) {
                    b.append_null();
                    continue;
                }
                let l = len.as_ref().map(|l| l.value(i));
                b.append_value(substr(s.value(i), pos.value(i), l));
            }
            Arc::new(b.finish())
        }
        "upper" | "ucase" => map_str(&a[0], |s, out| out.push_str(&s.to_uppercase())),
        "lower" | "lcase" => map_str(&a[0], |s, out| out.push_str(&s.to_lowercase())),
        "trim" => map_str(&a[0], |s, out| out.push_str(s.trim_matches(' '))),
        "ltrim" => map_str(&a[0], |s, out| out.push_str(s.trim_start_matches(' '))),
        "rtrim" => map_str(&a[0], |s, out| out.push_str(s.trim_end_matches(' '))),
        "replace" => {
            let s = to_str(&a[0]);
            let from = to_str(&a[1]);
            let to = to_str(&a[2]);
            let mut b = StringBuilder::with_capacity(n, s.value_data().len());
            for i in 0..n {
                if s.is_null(i) || from.is_null(i) || to.is_null(i) {
                    b.append_null();
                } else if from.value(i).is_empty() {
                    b.append_value(s.value(i));
                } else {
                    b.append_value(s.value(i).replace(from.value(i), to.value(i)));
                }
            }
            Arc::new(b.finish())
        }
        "split_part" => {
            let s = to_str(&a[0]);
            let d = to_str(&a[1]);
            let f = to_i64(&a[2]);
            let mut b = StringBuilder::with_capacity(n, s.value_data().len());
            for i in 0..n {
                if s.is_null(i) || d.is_null(i) || f.is_null(i) {
                    b.append_null();
                    continue;
                }
                b.append_option(split_part(s.value(i), d.value(i), f.value(i)));
            }
            Arc::new(b.finish())
        }
        "length" => {
            let s = to_str(&a[0]);
            Arc::new(
                s.iter()
                    .map(|v| v.map(|x| x.len() as i64))
                    .collect::<Int64Array>(),
            )
        }
        "char_length" | "character_length" => {
            let s = to_str(&a[0]);
            Arc::new(
                s.iter()
                    .map(|v| v.map(|x| x.chars().count() as i64))
                    .collect::<Int64Array>(),
            )
        }
        "parse_json" => {
            let s = to_str(&a[0]);
            let v: StringArray = s
                .iter()
                .map(|v| {
                    v.and_then(|x| serde_json::from_str::<serde_json::Value>(x).ok())
                        .map(|j| j.to_string())
                })
                .collect();
            Arc::new(v)
        }
        "get_json_string" | "json_query" | "get_json_int" | "get_json_double" => {
            let s = to_str(&a[0]);
            let p = to_str(&a[1]);
            let mut cache: Option<(String, Option<JsonPath>)> = None;
            let mut texts = StringBuilder::with_capacity(n, n * 8);
            let mut ints = Vec::with_capacity(if name == "get_json_int" { n } else { 0 });
            let mut dbls = Vec::with_capacity(if name == "get_json_double" { n } else { 0 });
            for i in 0..n {
                let v = if s.is_null(i) || p.is_null(i) {
                    None
                } else {
                    let path_text = p.value(i);
                    if cache.as_ref().map(|c| c.0.as_str()) != Some(path_text) {
                        cache = Some((path_text.to_string(), JsonPath::parse(path_text)));
                    }
                    let path = cache.as_ref().and_then(|c| c.1.as_ref());
                    match (
                        serde_json::from_str::<serde_json::Value>(s.value(i)).ok(),
                        path,
                    ) {
                        (Some(doc), Some(path)) => path.get(&doc).cloned(),
                        _ => None,
                    }
                };
                match name {
                    "get_json_int" => ints.push(v.as_ref().and_then(|v| v.as_i64())),
                    "get_json_double" => dbls.push(v.as_ref().and_then(|v| v.as_f64())),
                    "get_json_string" => texts.append_option(match v {
                        None | Some(serde_json::Value::Null) => None,
                        Some(serde_json::Value::String(s)) => Some(s),
                        Some(other) => Some(other.to_string()),
                    }),
                    _ => texts.append_option(v.map(|v| v.to_string())),
                }
            }
            match name {
                "get_json_int" => Arc::new(Int64Array::from(ints)),
                "get_json_double" => Arc::new(Float64Array::from(dbls)),
                _ => Arc::new(texts.finish()),
            }
        }
        "abs" => match kind(a[0].data_type()) {
            Kind::Int => Arc::new(
                to_i64(&a[0])
                    .iter()
                    .map(|v| v.map(|x| x.wrapping_abs()))
                    .collect::<Int64Array>(),
            ),
            _ => Arc::new(
                to_f64(&a[0])
                    .iter()
                    .map(|v| v.map(f64::abs))
                    .collect::<Float64Array>(),
            ),
        },
        "floor" | "ceil" | "ceiling" => {
            let f = to_f64(&a[0]);
            let up = name != "floor";
            Arc::new(
                f.iter()
                    .map(|v| {
                        v.filter(|x| x.is_finite())
                            .map(|x| if up { x.ceil() } else { x.floor() } as i64)
                    })
                    .collect::<Int64Array>(),
            )
        }
        "round" => {
            if a.len() == 1 && kind(a[0].data_type()) == Kind::Int {
                return Ok(a[0].clone());
            }
            let f = to_f64(&a[0]);
            let d = a.get(1).map(to_i64);
            let v: Float64Array = (0..n)
                .map(|i| {
                    if f.is_null(i) || d.as_ref().is_some_and(|d| d.is_null(i)) {
                        return None;
                    }
                    let places = d.as_ref().map(|d| d.value(i)).unwrap_or(0).clamp(-30, 30) as i32;
                    let m = 10f64.powi(places);
                    // Half away from zero, as StarRocks's round.
                    Some((f.value(i) * m).round() / m)
                })
                .collect();
            if a.len() == 1 {
                Arc::new(
                    v.iter()
                        .map(|x| x.map(|x| x as i64))
                        .collect::<Int64Array>(),
                )
            } else {
                Arc::new(v)
            }
        }
        other => return Err(ExprError::NoMatchingFunction(other.to_string())),
    })
}

fn coalesce(a: &[ArrayRef]) -> Result<ArrayRef, ExprError> {
    let v = unify(a.to_vec());
    let mut acc = v[v.len() - 1].clone();
    for x in v[..v.len() - 1].iter().rev() {
        let mask = arrow::compute::is_not_null(x)?;
        acc = zip(&mask, x, &acc)?;
    }
    Ok(acc)
}

fn map_str(a: &ArrayRef, f: impl Fn(&str, &mut String)) -> ArrayRef {
    let s = to_str(a);
    let mut b = StringBuilder::with_capacity(s.len(), s.value_data().len());
    let mut buf = String::new();
    for v in s.iter() {
        match v {
            Some(x) => {
                buf.clear();
                f(x, &mut buf);
                b.append_value(&buf);
            }
            None => b.append_null(),
        }
    }
    Arc::new(b.finish())
}

/// `substr(s, pos[, len])` on characters: pos is 1-based, negative counts from the end, 0 or
/// beyond the end gives ''.
pub fn substr(s: &str, pos: i64, len: Option<i64>) -> &str {
    let nchars = s.chars().count() as i64;
    let start = if pos > 0 {
        pos - 1
    } else if pos < 0 {
        nchars + pos
    } else {
        return "";
    };
    if start < 0 || start >= nchars {
        return "";
    }
    let take = match len {
        Some(l) if l <= 0 => return "",
        Some(l) => l.min(nchars - start),
        None => nchars - start,
    };
    let mut idx = s
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()));
    let b = idx.nth(start as usize).unwrap_or(s.len());
    let e = s
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .nth((start + take) as usize)
        .unwrap_or(s.len());
    &s[b..e.max(b)]
}

/// `split_part(s, delim, n)`: n-th field (1-based; negative counts from the end); NULL when out
/// of range or n = 0.
pub fn split_part<'a>(s: &'a str, delim: &str, n: i64) -> Option<&'a str> {
    if n == 0 {
        return None;
    }
    if delim.is_empty() {
        return (n == 1 || n == -1).then_some(s);
    }
    if n > 0 {
        s.split(delim).nth((n - 1) as usize)
    } else {
        s.rsplit(delim).nth((-n - 1) as usize)
    }
}

fn str_to_date(s: &ArrayRef, f: &ArrayRef) -> Result<ArrayRef, ExprError> {
    let s = to_str(s);
    let f = to_str(f);
    // The result type follows the (first) format: time fields -> DATETIME, else DATE.
    let has_time = f
        .iter()
        .flatten()
        .next()
        .map(|x| {
            [
                "%H", "%i", "%s", "%S", "%T", "%h", "%I", "%k", "%l", "%f", "%r", "%p",
            ]
            .iter()
            .any(|t| x.contains(t))
        })
        .unwrap_or(true);
    let vals: Vec<Option<i64>> = (0..s.len())
        .map(|i| {
            if s.is_null(i) || f.is_null(i) {
                None
            } else {
                parse_with_format(s.value(i), f.value(i)).map(|v| v.0)
            }
        })
        .collect();
    Ok(if has_time {
        Arc::new(TimestampMicrosecondArray::from(vals))
    } else {
        Arc::new(
            vals.into_iter()
                .map(|v| v.map(|us| us.div_euclid(86_400_000_000) as i32))
                .collect::<Date32Array>(),
        )
    })
}

/// `date_add(d, INTERVAL n unit)` and friends: always DATETIME, as StarRocks.
pub fn date_add(
    d: &ArrayRef,
    amount: &ArrayRef,
    unit: &str,
    negate: bool,
) -> Result<ArrayRef, ExprError> {
    let t = to_ts(d);
    let amt = to_i64(amount);
    let unit = unit.to_ascii_lowercase();
    let v: TimestampMicrosecondArray = (0..t.len())
        .map(|i| {
            if t.is_null(i) || amt.is_null(i) {
                return None;
            }
            let k = if negate { -amt.value(i) } else { amt.value(i) };
            let us = t.value(i);
            let step = |per: i64| us.checked_add(k.checked_mul(per)?);
            let r = match unit.as_str() {
                "microsecond" => step(1),
                "millisecond" => step(1_000),
                "second" => step(1_000_000),
                "minute" => step(60_000_000),
                "hour" => step(3_600_000_000),
                "day" => step(86_400_000_000),
                "week" => step(7 * 86_400_000_000),
                "month" | "quarter" | "year" => {
                    let months = match unit.as_str() {
                        "month" => k,
                        "quarter" => k * 3,
                        _ => k * 12,
                    };
                    let p = parts(us);
                    let total = p.year * 12 + (p.month as i64 - 1) + months;
                    let (y, m) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
                    let mut day = p.day;
                    // Clamp to the month's last day (2024-01-31 + 1 month = 2024-02-29).
                    while day > 28 && make_datetime(y, m, day, 0, 0, 0, 0).is_none() {
                        day -= 1;
                    }
                    make_datetime(y, m, day, p.hour, p.minute, p.second, p.micro)
                        .map(|v| v.micros())
                }
                _ => None,
            }?;
            // Keep within year 0..=9999.
            let p = parts(r);
            (0..=9999).contains(&p.year).then_some(r)
        })
        .collect();
    if t.len() != d.len() {
        return Ok(new_null_array(
            &DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, None),
            d.len(),
        ));
    }
    Ok(Arc::new(v))
}

#[cfg(test)]
mod tests {
    use super::super::expr::tests::run;
    use super::*;

    fn strs(a: &ArrayRef) -> Vec<Option<String>> {
        to_str(a).iter().map(|v| v.map(|s| s.to_string())).collect()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    fn col_i(v: Vec<Option<i64>>) -> ArrayRef {
        Arc::new(Int64Array::from(v))
    }

    fn col_s(v: Vec<Option<&str>>) -> ArrayRef {
        Arc::new(StringArray::from(v))
    }

    #[test]
    fn seed_from_unixtime() {
        let t = col_i(vec![Some(1_589_191_487), None, Some(-1)]);
        assert_eq!(
            strs(&run(
                "from_unixtime(pay_time, '%Y%m%d')",
                &[("pay_time", t.clone())]
            )),
            vec![s("20200511"), None, None]
        );
        assert_eq!(
            strs(&run("from_unixtime(pay_time)", &[("pay_time", t)])),
            vec![s("2020-05-11 18:04:47"), None, None]
        );
    }

    #[test]
    fn null_handling_functions() {
        let a = col_s(vec![Some("x"), None]);
        assert_eq!(
            strs(&run("ifnull(a, 'd')", &[("a", a.clone())])),
            vec![s("x"), s("d")]
        );
        assert_eq!(
            strs(&run("coalesce(a, NULL, 'z')", &[("a", a.clone())])),
            vec![s("x"), s("z")]
        );
        assert_eq!(
            strs(&run("nullif(a, 'x')", &[("a", a.clone())])),
            vec![None, None]
        );
        assert_eq!(
            strs(&run("if(a = 'x', 1, 2)", &[("a", a)])),
            vec![s("1"), s("2")]
        );
    }

    #[test]
    fn date_functions() {
        let d = col_s(vec![Some("2024-01-31 10:20:30"), None]);
        assert_eq!(
            strs(&run("date_add(d, INTERVAL 1 MONTH)", &[("d", d.clone())])),
            vec![s("2024-02-29 10:20:30"), None]
        );
        assert_eq!(
            strs(&run("date_sub(d, INTERVAL 2 DAY)", &[("d", d.clone())])),
            vec![s("2024-01-29 10:20:30"), None]
        );
        assert_eq!(
            strs(&run("date_add(d, 1)", &[("d", d.clone())])),
            vec![s("2024-02-01 10:20:30"), None]
        );
        assert_eq!(
            strs(&run("d + INTERVAL 1 HOUR", &[("d", d.clone())])),
            vec![s("2024-01-31 11:20:30"), None]
        );
        assert_eq!(
            strs(&run("date_format(d, '%Y/%m/%d %H')", &[("d", d.clone())])),
            vec![s("2024/01/31 10"), None]
        );
        assert_eq!(
            strs(&run("to_date(d)", &[("d", d.clone())])),
            vec![s("2024-01-31"), None]
        );
        assert_eq!(
            strs(&run("year(d) * 100 + month(d)", &[("d", d.clone())])),
            vec![s("202401"), None]
        );
        assert_eq!(
            strs(&run("unix_timestamp(d)", &[("d", d.clone())])),
            vec![s("1706667630"), None]
        );
        assert_eq!(
            strs(&run(
                "str_to_date('2024-03-09', '%Y-%m-%d')",
                &[("d", d.clone())]
            )),
            vec![s("2024-03-09"), s("2024-03-09")]
        );
        assert_eq!(
            strs(&run(
                "str_to_date('09.03.2024 1:02', '%d.%m.%Y %H:%i')",
                &[("d", d.clone())]
            ))[0],
            s("2024-03-09 01:02:00")
        );
        assert_eq!(
            strs(&run(
                "convert_tz(d, 'Asia/Shanghai', 'UTC')",
                &[("d", d.clone())]
            ))[0],
            s("2024-01-31 02:20:30")
        );
        assert_eq!(
            strs(&run("now()", &[("d", d.clone())]))[0],
            s("2020-05-11 18:04:47")
        );
        assert_eq!(
            strs(&run("unix_timestamp()", &[("d", d)]))[0],
            s("1589191487")
        );
    }

    #[test]
    fn string_functions() {
        let a = col_s(vec![Some("  Hello,World  "), None]);
        assert_eq!(
            strs(&run("trim(a)", &[("a", a.clone())])),
            vec![s("Hello,World"), None]
        );
        assert_eq!(
            strs(&run("upper(trim(a))", &[("a", a.clone())])),
            vec![s("HELLO,WORLD"), None]
        );
        assert_eq!(
            strs(&run("lower(a)", &[("a", a.clone())]))[0],
            s("  hello,world  ")
        );
        assert_eq!(
            strs(&run("concat('<', trim(a), '>')", &[("a", a.clone())])),
            vec![s("<Hello,World>"), None]
        );
        assert_eq!(
            strs(&run("concat_ws('-', 'x', a, 'y')", &[("a", a.clone())])),
            vec![s("x-  Hello,World  -y"), s("x-y")]
        );
        assert_eq!(
            strs(&run("split_part(trim(a), ',', 2)", &[("a", a.clone())])),
            vec![s("World"), None]
        );
        assert_eq!(
            strs(&run("split_part(trim(a), ',', 3)", &[("a", a.clone())])),
            vec![None, None]
        );
        assert_eq!(
            strs(&run("replace(a, 'l', 'L')", &[("a", a.clone())]))[0],
            s("  HeLLo,WorLd  ")
        );
        assert_eq!(
            strs(&run("length(a)", &[("a", a.clone())])),
            vec![s("15"), None]
        );
        assert_eq!(substr("日本語abc", 2, Some(3)), "本語a");
        assert_eq!(substr("hello", -3, None), "llo");
        assert_eq!(substr("hello", 0, None), "");
        assert_eq!(substr("hello", 9, None), "");
        assert_eq!(
            strs(&run("substr(trim(a), 1, 5)", &[("a", a.clone())]))[0],
            s("Hello")
        );
        assert_eq!(
            strs(&run("substring(trim(a), 7)", &[("a", a.clone())]))[0],
            s("World")
        );
        assert_eq!(strs(&run("char_length('日本')", &[("a", a)]))[0], s("2"));
    }

    #[test]
    fn json_and_math_functions() {
        let j = col_s(vec![
            Some(r#"{"k":"v","n":3,"f":1.5,"o":{"a":[1,2]}}"#),
            Some("bad"),
        ]);
        assert_eq!(
            strs(&run("get_json_string(j, '$.k')", &[("j", j.clone())])),
            vec![s("v"), None]
        );
        assert_eq!(
            strs(&run("get_json_int(j, '$.n')", &[("j", j.clone())])),
            vec![s("3"), None]
        );
        assert_eq!(
            strs(&run("get_json_double(j, '$.f')", &[("j", j.clone())])),
            vec![s("1.5"), None]
        );
        assert_eq!(
            strs(&run("json_query(j, '$.o.a')", &[("j", j.clone())])),
            vec![s("[1,2]"), None]
        );
        assert_eq!(
            strs(&run("get_json_int(j, '$.o.a[1]')", &[("j", j.clone())])),
            vec![s("2"), None]
        );
        let x = col_s(vec![Some("-2.5"), Some("3.14159")]);
        assert_eq!(
            strs(&run("abs(x)", &[("x", x.clone())])),
            vec![s("2.5"), s("3.14159")]
        );
        assert_eq!(
            strs(&run("round(x)", &[("x", x.clone())])),
            vec![s("-3"), s("3")]
        );
        assert_eq!(
            strs(&run("round(x, 2)", &[("x", x.clone())])),
            vec![s("-2.5"), s("3.14")]
        );
        assert_eq!(
            strs(&run("floor(x)", &[("x", x.clone())])),
            vec![s("-3"), s("3")]
        );
        assert_eq!(strs(&run("ceil(x)", &[("x", x)])), vec![s("-2"), s("4")]);
    }
}
