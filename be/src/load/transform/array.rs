//! ARRAY and MAP values during evaluation and the batch kernels of StarRocks's higher-order
//! functions (`be/src/exprs/array_map_expr.cpp`, `array_functions.cpp`, `map_functions.cpp`).
//!
//! An ARRAY is an Arrow `ListArray`, a MAP a `MapArray`. Text reaching an array position (a
//! source column holding `[1, 2, 3]`) is read as a JSON array, the way StarRocks casts VARCHAR
//! to ARRAY; a text that is not one is NULL. A lambda body is evaluated once per batch over
//! all elements of all rows ([`Elements`]): its arguments are the inputs' elements laid end
//! to end and every outer column it captures is repeated per element, so no row allocates.

use super::value::{to_bool, ExprError};
use arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, BooleanArray, BooleanBuilder, Float64Array,
    Int64Array, ListArray, MapArray, StringArray, StringBuilder, StructArray, UInt32Array,
};
use arrow::buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Field, Fields};
use std::sync::Arc;

/// StarRocks's texts for runtime failures of array functions.
pub fn size_mismatch(function: &str) -> ExprError {
    ExprError::Eval(format!(
        "Input array element's size is not equal in {function}()."
    ))
}

/// How the elements of a JSON array text become values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementMode {
    /// One Arrow type for the whole batch: BIGINT when every element is an integer, DOUBLE
    /// when all are numbers, BOOLEAN when all are booleans, else VARCHAR (strings unquoted,
    /// objects and arrays as JSON text).
    Infer,
    /// ARRAY<JSON>: every element as its JSON text.
    Json,
}

/// Input `i` (1-based, StarRocks's "{i}th lambda input") as a list.
pub fn as_list(a: &ArrayRef, i: usize) -> Result<ListArray, ExprError> {
    match a.data_type() {
        DataType::List(_) => Ok(a.as_list::<i32>().clone()),
        DataType::Null => Ok(null_list(a.len())),
        DataType::Utf8 => Ok(parse_lists(a.as_string::<i32>(), ElementMode::Infer)),
        _ => Err(ExprError::LambdaInputNotArray(i)),
    }
}

/// `n` NULL arrays.
pub fn null_list(n: usize) -> ListArray {
    ListArray::new_null(Arc::new(Field::new("item", DataType::Null, true)), n)
}

/// Builds a list from per-row offsets, validity and the elements.
pub fn list_of(offsets: Vec<i32>, valid: Option<NullBuffer>, values: ArrayRef) -> ListArray {
    let field = Arc::new(Field::new("item", values.data_type().clone(), true));
    ListArray::new(
        field,
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        values,
        valid,
    )
}

/// Reads JSON array texts (StarRocks's CAST(VARCHAR AS ARRAY<..>)); not an array -> NULL.
pub fn parse_lists(s: &StringArray, mode: ElementMode) -> ListArray {
    let mut offsets = Vec::with_capacity(s.len() + 1);
    offsets.push(0i32);
    let mut valid = Vec::with_capacity(s.len());
    let mut elems: Vec<serde_json::Value> = Vec::new();
    for v in s.iter() {
        match v.and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok()) {
            Some(serde_json::Value::Array(items)) => {
                elems.extend(items);
                valid.push(true);
            }
            _ => valid.push(false),
        }
        offsets.push(elems.len() as i32);
    }
    let values = json_values(&elems, mode);
    list_of(offsets, Some(NullBuffer::from(valid)), values)
}

fn json_values(elems: &[serde_json::Value], mode: ElementMode) -> ArrayRef {
    use serde_json::Value as J;
    let present = || elems.iter().filter(|v| !v.is_null());
    if mode == ElementMode::Infer && present().next().is_some() {
        if present().all(|v| v.is_i64()) {
            return Arc::new(elems.iter().map(J::as_i64).collect::<Int64Array>());
        }
        if present().all(J::is_number) {
            return Arc::new(elems.iter().map(J::as_f64).collect::<Float64Array>());
        }
        if present().all(J::is_boolean) {
            return Arc::new(elems.iter().map(J::as_bool).collect::<BooleanArray>());
        }
    }
    let mut b = StringBuilder::with_capacity(elems.len(), elems.len() * 8);
    for v in elems {
        match v {
            J::Null => b.append_null(),
            J::String(s) if mode == ElementMode::Infer => b.append_value(s),
            other => b.append_value(other.to_string()),
        }
    }
    Arc::new(b.finish())
}

/// Reads JSON object texts as MAP<VARCHAR, JSON> (StarRocks's CAST(JSON AS MAP<..>)); values
/// stay JSON text; not an object -> NULL.
pub fn parse_maps(s: &StringArray) -> MapArray {
    let mut offsets = Vec::with_capacity(s.len() + 1);
    offsets.push(0i32);
    let mut valid = Vec::with_capacity(s.len());
    let mut keys = StringBuilder::new();
    let mut vals = StringBuilder::new();
    let mut len = 0i32;
    for v in s.iter() {
        match v.and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok()) {
            Some(serde_json::Value::Object(m)) => {
                for (k, v) in m {
                    keys.append_value(k);
                    vals.append_value(v.to_string());
                    len += 1;
                }
                valid.push(true);
            }
            _ => valid.push(false),
        }
        offsets.push(len);
    }
    map_of(
        offsets,
        Some(NullBuffer::from(valid)),
        Arc::new(keys.finish()),
        Arc::new(vals.finish()),
    )
}

/// Builds a map from per-row offsets, validity, keys and values.
pub fn map_of(
    offsets: Vec<i32>,
    valid: Option<NullBuffer>,
    keys: ArrayRef,
    values: ArrayRef,
) -> MapArray {
    let fields = Fields::from(vec![
        Field::new("key", keys.data_type().clone(), false),
        Field::new("value", values.data_type().clone(), true),
    ]);
    let entries = StructArray::new(fields.clone(), vec![keys, values], None);
    MapArray::new(
        Arc::new(Field::new("entries", DataType::Struct(fields), false)),
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        entries,
        valid,
        false,
    )
}

/// The elements of aligned inputs, laid end to end (one lambda evaluation per batch).
pub struct Elements {
    /// Per input: its elements of the rows where every input is non-NULL.
    pub args: Vec<ArrayRef>,
    /// The row each element belongs to (to repeat captured columns per element).
    pub row_of: UInt32Array,
    /// Per row: where its elements start in `args` (rows + 1 entries).
    pub offsets: Vec<i32>,
    /// Rows where some input is NULL (their result is NULL).
    pub nulls: Option<NullBuffer>,
}

impl Elements {
    /// Lines up `lists` (one per lambda argument) row by row: a row with a NULL input is NULL,
    /// inputs of one row must hold as many elements (else StarRocks's error, naming
    /// `function`).
    pub fn of(lists: &[ListArray], function: &str) -> Result<Self, ExprError> {
        let n = lists.first().map(|l| l.len()).unwrap_or(0);
        let mut valid = vec![true; n];
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0i32);
        let mut total = 0usize;
        for (r, ok) in valid.iter_mut().enumerate() {
            if lists.iter().any(|l| l.is_null(r)) {
                *ok = false;
            } else {
                let len = lists[0].value_length(r);
                if lists[1..].iter().any(|l| l.value_length(r) != len) {
                    return Err(size_mismatch(function));
                }
                total += len as usize;
            }
            offsets.push(total as i32);
        }
        let mut row_of = Vec::with_capacity(total);
        for r in 0..n {
            row_of.extend(std::iter::repeat_n(
                r as u32,
                (offsets[r + 1] - offsets[r]) as usize,
            ));
        }
        let mut args = Vec::with_capacity(lists.len());
        for l in lists {
            let starts = l.value_offsets();
            // One index per element; a single input whose NULL rows are empty reads its
            // values as they are.
            let contiguous =
                valid.iter().all(|v| *v) || (0..n).all(|r| valid[r] || l.value_length(r) == 0);
            let arg = if contiguous {
                let first = starts[0] as usize;
                l.values().slice(first, total)
            } else {
                let mut idx = Vec::with_capacity(total);
                for r in 0..n {
                    if valid[r] {
                        idx.extend(starts[r] as u32..starts[r + 1] as u32);
                    }
                }
                arrow::compute::take(l.values().as_ref(), &UInt32Array::from(idx), None)?
            };
            args.push(arg);
        }
        let nulls = (!valid.iter().all(|v| *v)).then(|| NullBuffer::from(valid));
        Ok(Self {
            args,
            row_of: UInt32Array::from(row_of),
            offsets,
            nulls,
        })
    }

    /// The same elements' row layout over the keys and values of maps.
    pub fn of_map(m: &MapArray) -> Self {
        let n = m.len();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0i32);
        let mut idx = Vec::new();
        let mut row_of = Vec::new();
        let starts = m.value_offsets();
        for r in 0..n {
            if m.is_valid(r) {
                for j in starts[r]..starts[r + 1] {
                    idx.push(j as u32);
                    row_of.push(r as u32);
                }
            }
            offsets.push(idx.len() as i32);
        }
        let idx = UInt32Array::from(idx);
        let take = |a: &ArrayRef| {
            arrow::compute::take(a.as_ref(), &idx, None)
                .unwrap_or_else(|_| new_null_array(a.data_type(), idx.len()))
        };
        Self {
            args: vec![take(m.keys()), take(m.values())],
            row_of: UInt32Array::from(row_of),
            offsets,
            nulls: m.nulls().cloned(),
        }
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.offsets.len() - 1
    }

    /// `array_map`: the lambda's results as the rows' arrays.
    pub fn map(&self, results: ArrayRef) -> ArrayRef {
        Arc::new(list_of(self.offsets.clone(), self.nulls.clone(), results))
    }

    /// Per row, the elements whose `keep` is TRUE (NULL drops, StarRocks's array_filter).
    fn kept(&self, keep: &ArrayRef) -> (Vec<i32>, BooleanArray) {
        let mask = super::value::true_mask(&to_bool(keep));
        let mut offsets = Vec::with_capacity(self.offsets.len());
        offsets.push(0i32);
        let mut kept = 0i32;
        for r in 0..self.rows() {
            for e in self.offsets[r]..self.offsets[r + 1] {
                kept += mask.value(e as usize) as i32;
            }
            offsets.push(kept);
        }
        (offsets, mask)
    }

    /// `array_filter`: input 0's elements where `keep` is TRUE.
    pub fn filter(&self, keep: &ArrayRef) -> Result<ArrayRef, ExprError> {
        let (offsets, mask) = self.kept(keep);
        let values = arrow::compute::filter(self.args[0].as_ref(), &mask)?;
        Ok(Arc::new(list_of(offsets, self.nulls.clone(), values)))
    }

    /// `map_filter`: the entries where `keep` is TRUE.
    pub fn filter_map(&self, keep: &ArrayRef) -> Result<ArrayRef, ExprError> {
        let (offsets, mask) = self.kept(keep);
        let keys = arrow::compute::filter(self.args[0].as_ref(), &mask)?;
        let values = arrow::compute::filter(self.args[1].as_ref(), &mask)?;
        Ok(Arc::new(map_of(offsets, self.nulls.clone(), keys, values)))
    }

    /// `any_match` (`any` true) / `all_match`: over each row's booleans, StarRocks's three
    /// values: a deciding element (TRUE for any, FALSE for all) wins, else NULL when some
    /// element is NULL, else the empty answer (FALSE for any, TRUE for all).
    pub fn matches(&self, results: &ArrayRef, any: bool) -> ArrayRef {
        let b = to_bool(results);
        let mut out = BooleanBuilder::with_capacity(self.rows());
        for r in 0..self.rows() {
            if self.nulls.as_ref().is_some_and(|v| v.is_null(r)) {
                out.append_null();
                continue;
            }
            let mut saw_null = false;
            let mut decided = false;
            for e in self.offsets[r]..self.offsets[r + 1] {
                let e = e as usize;
                if b.is_null(e) {
                    saw_null = true;
                } else if b.value(e) == any {
                    decided = true;
                    break;
                }
            }
            if decided {
                out.append_value(any);
            } else if saw_null {
                out.append_null();
            } else {
                out.append_value(!any);
            }
        }
        Arc::new(out.finish())
    }

    /// `array_sortby`: input 0's elements of each row ordered by `keys` ascending, NULL keys
    /// first, equal keys in their input order.
    pub fn sort_by(&self, keys: &ArrayRef) -> Result<ArrayRef, ExprError> {
        let cmp = arrow::array::make_comparator(
            keys.as_ref(),
            keys.as_ref(),
            arrow::compute::SortOptions {
                descending: false,
                nulls_first: true,
            },
        )?;
        let mut perm: Vec<u32> = (0..keys.len() as u32).collect();
        for r in 0..self.rows() {
            let (s, e) = (self.offsets[r] as usize, self.offsets[r + 1] as usize);
            perm[s..e].sort_by(|a, b| cmp(*a as usize, *b as usize));
        }
        let values = arrow::compute::take(self.args[0].as_ref(), &UInt32Array::from(perm), None)?;
        Ok(Arc::new(list_of(
            self.offsets.clone(),
            self.nulls.clone(),
            values,
        )))
    }
}

/// `arr[i]` (1-based; out of range or NULL -> NULL), and `map[key]`.
pub fn element_at(a: &ArrayRef, idx: &ArrayRef) -> Result<ArrayRef, ExprError> {
    if let DataType::Map(_, _) = a.data_type() {
        let m = a.as_map();
        let want = super::value::to_str(idx);
        let keys = super::value::to_str(m.keys());
        let starts = m.value_offsets();
        let mut take = Vec::with_capacity(m.len());
        for r in 0..m.len() {
            let hit = (m.is_valid(r) && want.is_valid(r))
                .then(|| {
                    (starts[r]..starts[r + 1]).rev().find(|&j| {
                        keys.is_valid(j as usize) && keys.value(j as usize) == want.value(r)
                    })
                })
                .flatten();
            take.push(hit.map(|j| j as u32));
        }
        return Ok(arrow::compute::take(
            m.values().as_ref(),
            &UInt32Array::from(take),
            None,
        )?);
    }
    let l = as_list(a, 1)?;
    let i = super::value::to_i64(idx);
    let starts = l.value_offsets();
    let take: UInt32Array = (0..l.len())
        .map(|r| {
            if l.is_null(r) || i.is_null(r) {
                return None;
            }
            let k = i.value(r);
            let len = (starts[r + 1] - starts[r]) as i64;
            (k >= 1 && k <= len).then(|| (starts[r] as i64 + k - 1) as u32)
        })
        .collect();
    Ok(arrow::compute::take(l.values().as_ref(), &take, None)?)
}

/// `map_values` / `map_keys`.
pub fn map_part(a: &ArrayRef, values: bool) -> ArrayRef {
    let DataType::Map(_, _) = a.data_type() else {
        return Arc::new(null_list(a.len()));
    };
    let m = a.as_map();
    let part = if values { m.values() } else { m.keys() };
    Arc::new(ListArray::new(
        Arc::new(Field::new("item", part.data_type().clone(), true)),
        m.offsets().clone(),
        part.clone(),
        m.nulls().cloned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: &[Option<&str>]) -> StringArray {
        StringArray::from(v.to_vec())
    }

    #[test]
    fn json_texts_become_lists() {
        let l = parse_lists(
            &texts(&[Some("[1, 2, null]"), Some("x"), None, Some("[]")]),
            ElementMode::Infer,
        );
        assert_eq!(l.values().data_type(), &DataType::Int64);
        assert_eq!(
            (l.is_null(0), l.is_null(1), l.is_null(2), l.is_null(3)),
            (false, true, true, false)
        );
        assert_eq!(l.value_length(0), 3);
        let j = parse_lists(&texts(&[Some(r#"[{"a":1},"s"]"#)]), ElementMode::Json);
        let v = j.values().as_string::<i32>();
        assert_eq!((v.value(0), v.value(1)), (r#"{"a":1}"#, r#""s""#));
        let f = parse_lists(&texts(&[Some("[1, 2.5]")]), ElementMode::Infer);
        assert_eq!(f.values().data_type(), &DataType::Float64);
    }

    #[test]
    fn unequal_sizes_fail_with_starrocks_text() {
        let a = parse_lists(&texts(&[Some("[1, 2]")]), ElementMode::Infer);
        let b = parse_lists(&texts(&[Some("[1]")]), ElementMode::Infer);
        let e = Elements::of(&[a, b], "array_map").err().unwrap();
        assert_eq!(
            e.to_string(),
            "Input array element's size is not equal in array_map()."
        );
    }

    #[test]
    fn match_three_valued() {
        let l = parse_lists(
            &texts(&[
                Some("[true, null]"),
                Some("[false, null]"),
                Some("[]"),
                None,
                Some("[false]"),
            ]),
            ElementMode::Infer,
        );
        let e = Elements::of(&[l], "any_match").unwrap();
        let any = e.matches(&e.args[0], true);
        let any = any.as_boolean();
        let got: Vec<Option<bool>> = any.iter().collect();
        assert_eq!(got, vec![Some(true), None, Some(false), None, Some(false)]);
        let all = e.matches(&e.args[0], false);
        let got: Vec<Option<bool>> = all.as_boolean().iter().collect();
        assert_eq!(got, vec![None, Some(false), Some(true), None, Some(false)]);
    }
}
