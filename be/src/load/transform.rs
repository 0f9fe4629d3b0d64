//! COLUMNS mapping, WHERE and type conversion of decoded batches into tablet rows
//! (StarRocks `fe/.../load/Load.java initColumns` for planning, `be/src/exec/file_scanner.cpp`
//! and `olap_table_sink` for evaluation; spec routine-load.md §9, frontend.md §5).
//!
//! Planning (once per task):
//! - Bare COLUMNS names are positional source columns (the k-th CSV field / jsonpath). A bare name
//!   that is a table column is converted straight to that column's type (StarRocks types the
//!   source slot with the column type); other bare names are placeholders kept as VARCHAR.
//! - `name = expr` computes a table column (or `__op`) from earlier names; later expressions
//!   may use earlier derived names.
//! - Without COLUMNS every table column is a source column (CSV by position, JSON by key).
//! - A table column with no mapping takes its default, else NULL, else planning fails with
//!   `Column has no default value. column: <c>`. A partial update (`partial_update`) skips that
//!   check, as StarRocks's `Load.initColumns` does: the columns it does not name are not stored
//!   for existing keys, and a new key gets the storage's fill (DEFAULT, NULL, or the type's zero
//!   value). A key column it does not name fails with `key column <c> not in partial update
//!   columns` (`Load.getPartialUpateColumns`).
//!
//! Evaluation (per batch, whole arrays): convert sources -> evaluate expressions -> cast to
//! column types -> WHERE (rows not TRUE are unselected) -> NOT NULL check -> filter.
//! Conversion failures: strict_mode rejects the row; otherwise the value is NULL and a NOT NULL
//! column then rejects it (`NULL value in non-nullable column '<c>'`).

pub mod array;
pub mod convert;
pub mod datetime;
pub mod expr;
pub mod func;
pub mod value;

use crate::load::decode::{MessageChunk, SourceBatch};
use crate::load::error::LoadError;
use crate::load::error_rows::ErrorRows;
use arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, BooleanArray, Int8Array, StringArray,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::{RecordBatch, RecordBatchOptions};
use convert::TargetType;
use datetime::JobTz;
use expr::Expr;
use starload_proto::be::ColumnMapping;
use starload_proto::types::{PrimitiveType, TabletSchema};
use std::sync::Arc;
use value::{EvalCtx, ExprError};

/// Name of the PRIMARY/UNIQUE operation pseudo-column.
pub const OP_COLUMN: &str = "__op";

/// How a table column gets its value.
#[derive(Debug, Clone)]
enum ColFrom {
    /// Index into the environment (a source column or a derived column).
    Env(usize),
    /// Constant default text (converted once per batch).
    Default(String),
    /// `DEFAULT CURRENT_TIMESTAMP`.
    Now,
    Null,
}

#[derive(Debug, Clone)]
struct TableCol {
    name: String,
    target: TargetType,
    nullable: bool,
    from: ColFrom,
}

/// One environment slot: a source column or a derived expression.
#[derive(Debug, Clone)]
enum Slot {
    /// Source column `i`, converted to a table column's type when `Some`.
    Source(usize, Option<TargetType>),
    Derived(Expr, Option<TargetType>),
}

/// The compiled load plan of a task.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    source_names: Vec<String>,
    env_names: Vec<String>,
    slots: Vec<Slot>,
    table: Vec<TableCol>,
    where_: Option<Expr>,
    op: Option<usize>,
    strict: bool,
    tz: JobTz,
    now_utc_secs: i64,
    schema: SchemaRef,
}

fn eq_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

impl LoadPlan {
    /// Plans COLUMNS/WHERE over `schema`. Errors carry StarRocks's planning texts.
    pub fn new(
        schema: &TabletSchema,
        columns: &[ColumnMapping],
        where_sql: &str,
        strict: bool,
        timezone: &str,
        now_utc_secs: i64,
    ) -> Result<Self, LoadError> {
        Self::with_partial_update(
            schema,
            columns,
            where_sql,
            strict,
            timezone,
            now_utc_secs,
            false,
        )
    }

    /// [`LoadPlan::new`] for a load with `partial_update` set or not (see module docs).
    pub fn with_partial_update(
        schema: &TabletSchema,
        columns: &[ColumnMapping],
        where_sql: &str,
        strict: bool,
        timezone: &str,
        now_utc_secs: i64,
        partial_update: bool,
    ) -> Result<Self, LoadError> {
        let tz = JobTz::parse(timezone)
            .ok_or_else(|| LoadError::UnknownTimeZone(timezone.to_string()))?;
        let table_type = |name: &str| {
            schema
                .columns
                .iter()
                .find(|c| eq_name(&c.name, name))
                .map(TargetType::of_column)
        };
        let mut source_names = Vec::new();
        let mut env_names: Vec<String> = Vec::new();
        let mut slots = Vec::new();
        let has_columns = !columns.is_empty();
        if !has_columns {
            for c in &schema.columns {
                slots.push(Slot::Source(
                    source_names.len(),
                    Some(TargetType::of_column(c)),
                ));
                source_names.push(c.name.clone());
                env_names.push(c.name.clone());
            }
        } else {
            // Bare names first (positional), in order.
            for m in columns.iter().filter(|m| m.expr_sql.trim().is_empty()) {
                let target = if eq_name(&m.name, OP_COLUMN) {
                    None
                } else {
                    table_type(&m.name)
                };
                slots.push(Slot::Source(source_names.len(), target));
                source_names.push(m.name.clone());
                env_names.push(m.name.clone());
            }
            for m in columns.iter().filter(|m| !m.expr_sql.trim().is_empty()) {
                let derived = |source: ExprError| match source {
                    ExprError::UnknownColumn(name) => LoadError::UnknownReferencedColumn {
                        name,
                        expr: m.expr_sql.clone(),
                        column: m.name.clone(),
                    },
                    source => LoadError::DerivedColumn {
                        expr: m.expr_sql.clone(),
                        column: m.name.clone(),
                        source,
                    },
                };
                let ast = expr::parse_sql_expr(&m.expr_sql).map_err(derived)?;
                let names = env_names.clone();
                let compiled = expr::compile(&ast, &|n| names.iter().rposition(|x| eq_name(x, n)))
                    .map_err(derived)?;
                let target = if eq_name(&m.name, OP_COLUMN) {
                    None
                } else {
                    table_type(&m.name)
                };
                slots.push(Slot::Derived(compiled, target));
                env_names.push(m.name.clone());
            }
        }
        // Table columns: the last slot with the column's name wins (derived over bare).
        let mut table = Vec::with_capacity(schema.columns.len());
        for c in &schema.columns {
            let mapped = env_names.iter().rposition(|n| eq_name(n, &c.name));
            // A partial update's unnamed columns are placeholders the storage does not store.
            let unnamed_in_partial = partial_update && has_columns && mapped.is_none();
            if unnamed_in_partial && c.is_key {
                return Err(LoadError::KeyNotInPartialUpdate(c.name.clone()));
            }
            let from = match mapped {
                Some(i) => ColFrom::Env(i),
                None if c.default_current_timestamp => ColFrom::Now,
                None => match &c.default_value {
                    Some(d) => ColFrom::Default(d.clone()),
                    None if c.nullable || unnamed_in_partial => ColFrom::Null,
                    None => return Err(LoadError::NoDefaultValue(c.name.clone())),
                },
            };
            table.push(TableCol {
                name: c.name.clone(),
                target: TargetType::of_column(c),
                nullable: c.nullable || unnamed_in_partial,
                from,
            });
        }
        let op = env_names.iter().rposition(|n| eq_name(n, OP_COLUMN));
        // WHERE sees table columns (final values) first, then other names.
        let where_ = if where_sql.trim().is_empty() {
            None
        } else {
            let where_err = |source| LoadError::WhereExpr {
                expr: where_sql.to_string(),
                source,
            };
            let ast = expr::parse_sql_expr(where_sql).map_err(where_err)?;
            let tnames: Vec<String> = table.iter().map(|t| t.name.clone()).collect();
            let enames = env_names.clone();
            let nt = tnames.len();
            let e = expr::compile(&ast, &|n| {
                tnames
                    .iter()
                    .position(|x| eq_name(x, n))
                    .or_else(|| enames.iter().rposition(|x| eq_name(x, n)).map(|i| nt + i))
            })
            .map_err(where_err)?;
            Some(e)
        };
        let mut fields: Vec<Field> = schema
            .columns
            .iter()
            .map(starload_proto::schema::arrow_field)
            .collect();
        // Stored batches are always nullable; NOT NULL is enforced here, row by row.
        fields = fields.into_iter().map(|f| f.with_nullable(true)).collect();
        if op.is_some() {
            fields.push(Field::new(OP_COLUMN, DataType::Int8, false));
        }
        Ok(Self {
            source_names,
            env_names,
            slots,
            table,
            where_,
            op,
            strict,
            tz,
            now_utc_secs,
            schema: Arc::new(Schema::new(fields)),
        })
    }

    /// Source column names, in decoder order.
    pub fn source_names(&self) -> &[String] {
        &self.source_names
    }

    /// Schema of the produced batches: table columns in order, then `__op` when mapped.
    pub fn output_schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// True when `__op` is produced.
    pub fn has_op(&self) -> bool {
        self.op.is_some()
    }

    /// Turns a decoded batch into tablet rows; rejected rows go to `errors`, WHERE-dropped rows
    /// count as unselected.
    pub fn apply(
        &self,
        batch: &SourceBatch,
        chunk: &MessageChunk,
        errors: &mut ErrorRows,
    ) -> Result<RecordBatch, LoadError> {
        Ok(self.apply_traced(batch, chunk, errors)?.0)
    }

    /// [`LoadPlan::apply`], also returning the source row of each output row when rows were
    /// dropped (None: output row i is source row i), so that later stages (partition routing)
    /// can reject a row with its raw message.
    pub fn apply_traced(
        &self,
        batch: &SourceBatch,
        chunk: &MessageChunk,
        errors: &mut ErrorRows,
    ) -> Result<(RecordBatch, Option<Vec<u32>>), LoadError> {
        let n = batch.num_rows();
        // First rejection reason per row (allocated only on failure).
        let mut rejected = vec![false; n];
        let mut reasons: Vec<(u32, String)> = Vec::new();
        let mut reject = |row: usize, reason: &dyn Fn() -> String, rejected: &mut Vec<bool>| {
            if !rejected[row] {
                rejected[row] = true;
                reasons.push((row as u32, reason()));
            }
        };
        let mut env: Vec<ArrayRef> = Vec::with_capacity(self.slots.len());
        for (pos, slot) in self.slots.iter().enumerate() {
            let arr: ArrayRef = match slot {
                Slot::Source(i, target) => {
                    let src = &batch.columns[*i];
                    match target {
                        Some(t) => {
                            let (a, failed) = convert::convert_text(src, t);
                            if self.strict {
                                for r in failed {
                                    let r = r as usize;
                                    reject(
                                        r,
                                        &|| value_error(&self.env_names[pos], *i, t, src.value(r)),
                                        &mut rejected,
                                    );
                                }
                            }
                            a
                        }
                        None => Arc::new(src.clone()),
                    }
                }
                Slot::Derived(e, target) => {
                    let ctx = EvalCtx {
                        env: &env,
                        rows: n,
                        tz: self.tz,
                        now_utc_secs: self.now_utc_secs,
                    };
                    let v = expr::eval(e, &ctx)?;
                    match target {
                        Some(t) => {
                            let (a, failed) = cast_to_target(&v, t);
                            if self.strict {
                                let shown = expr::to_str(&v);
                                for r in failed {
                                    let r = r as usize;
                                    reject(
                                        r,
                                        &|| {
                                            value_error(
                                                &self.env_names[pos],
                                                pos,
                                                t,
                                                shown.value(r),
                                            )
                                        },
                                        &mut rejected,
                                    );
                                }
                            }
                            a
                        }
                        None => v,
                    }
                }
            };
            env.push(arr);
        }
        // Table columns.
        let mut out: Vec<ArrayRef> = Vec::with_capacity(self.table.len() + 1);
        for t in &self.table {
            let a = match &t.from {
                ColFrom::Env(i) => {
                    let a = env[*i].clone();
                    if a.data_type() == &t.target.arrow {
                        a
                    } else {
                        cast_to_target(&a, &t.target).0
                    }
                }
                ColFrom::Default(d) => {
                    let one = StringArray::from(vec![d.as_str()]);
                    let (v, _) = convert::convert_text(&one, &t.target);
                    repeat(&v, n)
                }
                ColFrom::Now => {
                    let v: ArrayRef =
                        Arc::new(arrow::array::TimestampMicrosecondArray::from_value(
                            self.tz.utc_to_local_us(self.now_utc_secs),
                            1,
                        ));
                    repeat(&cast_to_target(&v, &t.target).0, n)
                }
                ColFrom::Null => new_null_array(&t.target.arrow, n),
            };
            out.push(a);
        }
        // WHERE.
        let mut selected: Option<BooleanArray> = None;
        if let Some(w) = &self.where_ {
            let mut wenv = out.clone();
            wenv.extend(env.iter().cloned());
            let ctx = EvalCtx {
                env: &wenv,
                rows: n,
                tz: self.tz,
                now_utc_secs: self.now_utc_secs,
            };
            let v = expr::to_bool(&expr::eval(w, &ctx)?);
            selected = Some(expr::true_mask(&v));
        }
        let is_selected = |r: usize| selected.as_ref().map(|s| s.value(r)).unwrap_or(true);
        // NOT NULL columns.
        for (t, a) in self.table.iter().zip(out.iter()) {
            if t.nullable || a.null_count() == 0 {
                continue;
            }
            for r in 0..n {
                if a.is_null(r) && is_selected(r) {
                    reject(
                        r,
                        &|| format!("NULL value in non-nullable column '{}'", t.name),
                        &mut rejected,
                    );
                }
            }
        }
        // __op.
        if let Some(i) = self.op {
            let (ops, bad) = op_column(&env[i]);
            for r in bad {
                reject(
                    r as usize,
                    &|| "Invalid __op value".to_string(),
                    &mut rejected,
                );
            }
            out.push(Arc::new(ops));
        }
        // Accounting and the final filter.
        let mut unselected = 0u64;
        let keep: BooleanArray = (0..n)
            .map(|r| {
                let sel = is_selected(r);
                if !sel && !rejected[r] {
                    unselected += 1;
                }
                Some(sel && !rejected[r])
            })
            .collect();
        errors.unselected += unselected;
        reasons.sort_by_key(|r| r.0);
        for (r, reason) in reasons {
            let o = batch.origins[r as usize];
            errors.reject(&reason, &chunk.data[o.start as usize..o.end as usize]);
        }
        let full = RecordBatch::try_new_with_options(
            self.schema.clone(),
            out,
            &RecordBatchOptions::new().with_row_count(Some(n)),
        )?;
        if keep.true_count() == n {
            return Ok((full, None));
        }
        let rows = (0..n as u32).filter(|r| keep.value(*r as usize)).collect();
        Ok((
            arrow::compute::filter_record_batch(&full, &keep)?,
            Some(rows),
        ))
    }
}

/// StarRocks's conversion-failure text (csv_scanner.cpp `make_value_type_not_matched_error_message`).
fn value_error(name: &str, pos: usize, t: &TargetType, value: &str) -> String {
    format!(
        "The field (name = {name}, pos = {pos}) is out of range. Type: {}, Value: {value}",
        t.display_name()
    )
}

fn repeat(one: &ArrayRef, n: usize) -> ArrayRef {
    let idx = arrow::array::UInt32Array::from(vec![0u32; n]);
    arrow::compute::take(one.as_ref(), &idx, None)
        .unwrap_or_else(|_| new_null_array(one.data_type(), n))
}

/// Casts an expression result to a column type; returns rows whose non-NULL value failed.
pub fn cast_to_target(v: &ArrayRef, t: &TargetType) -> (ArrayRef, Vec<u32>) {
    if v.data_type() == &t.arrow {
        if matches!(t.prim, PrimitiveType::Char | PrimitiveType::Varchar) {
            return convert::convert_text(v.as_string::<i32>(), t);
        }
        return (v.clone(), Vec::new());
    }
    match expr::kind(v.data_type()) {
        expr::Kind::Null => (new_null_array(&t.arrow, v.len()), Vec::new()),
        expr::Kind::Str => convert::convert_text(v.as_string::<i32>(), t),
        // Numbers into integer columns: StarRocks casts DOUBLE -> INT by truncation with range
        // check; booleans and dates have direct casts. Everything else goes through text.
        _ if matches!(t.arrow, DataType::Utf8) => {
            let s = expr::to_str(v);
            convert::convert_text(&s, t)
        }
        _ => {
            let src = match (expr::kind(v.data_type()), &t.arrow) {
                (
                    expr::Kind::Float,
                    DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64,
                ) => {
                    let f = expr::to_f64(v);
                    Arc::new(
                        f.iter()
                            .map(|x| x.map(f64::trunc))
                            .collect::<arrow::array::Float64Array>(),
                    ) as ArrayRef
                }
                (
                    expr::Kind::Date | expr::Kind::Ts,
                    DataType::Int32 | DataType::Int64 | DataType::Float64,
                ) => Arc::new(expr::to_i64(v)),
                _ => v.clone(),
            };
            match arrow::compute::cast(&src, &t.arrow) {
                Ok(a) => {
                    let failed = (0..v.len())
                        .filter(|&r| !v.is_null(r) && a.is_null(r))
                        .map(|r| r as u32)
                        .collect();
                    (a, failed)
                }
                Err(_) => convert::convert_text(&expr::to_str(v), t),
            }
        }
    }
}

/// `__op` values: 0/`upsert`, 1/`delete` (NULL = upsert). Returns rows with other values.
fn op_column(a: &ArrayRef) -> (Int8Array, Vec<u32>) {
    let s = expr::to_str(a);
    let mut bad = Vec::new();
    let v: Int8Array = (0..s.len())
        .map(|r| {
            if s.is_null(r) {
                return Some(0);
            }
            let x = s.value(r).trim();
            Some(if x == "0" || x.eq_ignore_ascii_case("upsert") {
                0
            } else if x == "1" || x.eq_ignore_ascii_case("delete") {
                1
            } else {
                bad.push(r as u32);
                0
            })
        })
        .collect();
    (v, bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::decode::csv::{CsvDecoder, CsvOptions};
    use crate::load::decode::Decoder;
    use arrow::datatypes::{Date32Type, Float64Type, Int64Type};
    use starload_proto::types::{ColumnDef, KeysType};

    fn col(name: &str, t: PrimitiveType, len: i32, nullable: bool) -> ColumnDef {
        ColumnDef::of(name, t, len, nullable)
    }

    fn seed_tbl1() -> TabletSchema {
        TabletSchema {
            keys_type: KeysType::DupKeys as i32,
            columns: vec![
                col("order_id", PrimitiveType::Bigint, -1, false),
                col("pay_dt", PrimitiveType::Date, -1, false),
                col("customer_name", PrimitiveType::Varchar, 26, true),
                col("nationality", PrimitiveType::Varchar, 26, true),
                col("price", PrimitiveType::Double, -1, true),
            ],
            sort_key_idx: vec![0, 1],
            distribution_idx: vec![0],
            bucket_num: 4,
            schema_version: 0,
        }
    }

    fn mapping(spec: &[(&str, &str)]) -> Vec<ColumnMapping> {
        spec.iter()
            .map(|(n, e)| ColumnMapping {
                name: n.to_string(),
                expr_sql: e.to_string(),
            })
            .collect()
    }

    fn run_csv(plan: &LoadPlan, text: &str, sep: &str) -> (RecordBatch, ErrorRows) {
        let mut d = CsvDecoder::new(
            CsvOptions {
                column_separator: sep.as_bytes().to_vec(),
                ..Default::default()
            },
            plan.source_names().len(),
        );
        let mut chunk = MessageChunk::default();
        for (i, l) in text.lines().enumerate() {
            chunk.push(0, i as i64, -1, l.as_bytes());
        }
        let mut e = ErrorRows::new(-1);
        let b = d.decode(&chunk, &mut e).unwrap();
        let out = plan.apply(&b, &chunk, &mut e).unwrap();
        (out, e)
    }

    #[test]
    fn seed_csv_with_placeholder() {
        let plan = LoadPlan::new(
            &seed_tbl1(),
            &mapping(&[
                ("order_id", ""),
                ("pay_dt", ""),
                ("customer_name", ""),
                ("nationality", ""),
                ("temp_gender", ""),
                ("price", ""),
            ]),
            "",
            false,
            "",
            0,
        )
        .unwrap();
        let (b, e) = run_csv(
            &plan,
            "2020050802,2020-05-08,Johann Georg Faust,Deutschland,male,895\n2020050901,2020-05-09,Anna Karenina\",Russia,female,175\nbad,2020-05-10,x,y,z,1",
            ",",
        );
        assert_eq!(b.num_rows(), 2);
        assert_eq!(
            b.column(0).as_primitive::<Int64Type>().values().to_vec(),
            vec![2020050802, 2020050901]
        );
        assert_eq!(
            b.column(1).as_primitive::<Date32Type>().value(0),
            convert::days_from_civil(2020, 5, 8)
        );
        assert_eq!(b.column(2).as_string::<i32>().value(1), "Anna Karenina\"");
        assert_eq!(b.column(4).as_primitive::<Float64Type>().value(0), 895.0);
        // `bad` is NULL in non-strict mode, and order_id is NOT NULL.
        assert_eq!((e.total, e.filtered, e.loaded()), (3, 1, 2));
        assert_eq!(
            e.lines()[0],
            "Error: NULL value in non-nullable column 'order_id'. Row: bad,2020-05-10,x,y,z,1"
        );
    }

    #[test]
    fn strict_mode_rejects_bad_values_with_field_message() {
        let plan = LoadPlan::new(&seed_tbl1(), &[], "", true, "", 0).unwrap();
        let (b, e) = run_csv(
            &plan,
            "1\t2020-05-08\ta\tb\tx1.5\n2\t2020-05-08\t\\N\tb\t2",
            "\t",
        );
        assert_eq!(b.num_rows(), 1);
        assert_eq!(e.filtered, 1);
        assert_eq!(
            e.lines()[0],
            "Error: The field (name = price, pos = 4) is out of range. Type: DOUBLE, Value: x1.5. Row: 1\t2020-05-08\ta\tb\tx1.5"
        );
        // Same input, strict off: NULL price loads.
        let plan = LoadPlan::new(&seed_tbl1(), &[], "", false, "", 0).unwrap();
        let (b, e) = run_csv(&plan, "1\t2020-05-08\ta\tb\tx1.5", "\t");
        assert_eq!((b.num_rows(), e.filtered), (1, 0));
        assert!(b.column(4).is_null(0));
    }

    #[test]
    fn derived_columns_where_and_unselected() {
        let schema = TabletSchema {
            columns: vec![
                col("commodity_id", PrimitiveType::Varchar, 26, true),
                col("pay_time", PrimitiveType::Bigint, -1, true),
                col("pay_dt", PrimitiveType::Date, -1, true),
                col("price", PrimitiveType::Double, -1, true),
            ],
            ..seed_tbl1()
        };
        let plan = LoadPlan::new(
            &schema,
            &mapping(&[
                ("commodity_id", ""),
                ("pay_time", ""),
                ("price", ""),
                ("pay_dt", "from_unixtime(pay_time, '%Y%m%d')"),
            ]),
            "price > 100 and commodity_id != 'x'",
            false,
            "Asia/Shanghai",
            0,
        )
        .unwrap();
        let (b, e) = run_csv(
            &plan,
            "1,1589191487,875\n2,1589191487,50\nx,1589191487,900",
            ",",
        );
        assert_eq!(b.num_rows(), 1);
        assert_eq!(
            b.column(2).as_primitive::<Date32Type>().value(0),
            convert::days_from_civil(2020, 5, 11)
        );
        assert_eq!(
            (e.total, e.unselected, e.filtered, e.loaded()),
            (3, 2, 0, 1)
        );
    }

    #[test]
    fn planning_errors_have_starrocks_texts() {
        let e = LoadPlan::new(
            &seed_tbl1(),
            &mapping(&[("order_id", ""), ("price", "nope + 1")]),
            "",
            false,
            "",
            0,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(e, "Referenced column 'nope' in expr 'nope + 1' can't be found in column list, derived column is 'price'");
        let e = LoadPlan::new(
            &seed_tbl1(),
            &mapping(&[("order_id", "")]),
            "",
            false,
            "",
            0,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(e, "Column has no default value. column: pay_dt");
        let e = LoadPlan::new(
            &seed_tbl1(),
            &mapping(&[("order_id", ""), ("pay_dt", "nosuchfn(order_id)")]),
            "",
            false,
            "",
            0,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("Expr 'nosuchfn(order_id)' analyze error: No matching function"),
            "{e}"
        );
    }

    #[test]
    fn an_unknown_name_in_a_derived_column_is_a_referenced_column_error() {
        let plan = |expr: &str| {
            LoadPlan::new(
                &seed_tbl1(),
                &mapping(&[("order_id", ""), ("price", expr)]),
                "",
                false,
                "",
                0,
            )
        };
        match plan("nope + 1") {
            Err(LoadError::UnknownReferencedColumn { name, expr, column }) => {
                assert_eq!(
                    (name.as_str(), expr.as_str(), column.as_str()),
                    ("nope", "nope + 1", "price")
                );
            }
            other => panic!("{other:?}"),
        }
        // Other compile errors keep the analyze-error wording.
        assert!(matches!(
            plan("nosuchfn(order_id)"),
            Err(LoadError::DerivedColumn {
                source: ExprError::NoMatchingFunction(_),
                ..
            })
        ));
        assert!(matches!(
            plan("1 +"),
            Err(LoadError::DerivedColumn {
                source: ExprError::Parse(_),
                ..
            })
        ));
    }

    /// StarRocks's Load.initColumns skips the default-value check for a partial update: the
    /// unnamed NOT NULL column without DEFAULT plans, and its rows are not rejected; a missing
    /// key column is refused; without partial_update the same COLUMNS fail planning.
    #[test]
    fn partial_update_skips_the_default_check() {
        let mut schema = seed_tbl1();
        schema.keys_type = KeysType::PrimaryKeys as i32;
        schema.columns[0].is_key = true;
        schema.columns[1].is_key = true;
        schema.columns[4].nullable = false; // price: NOT NULL, no DEFAULT
        let cols = mapping(&[("order_id", ""), ("pay_dt", ""), ("customer_name", "")]);
        let e = LoadPlan::new(&schema, &cols, "", false, "", 0)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "Column has no default value. column: price");
        let plan = LoadPlan::with_partial_update(&schema, &cols, "", false, "", 0, true).unwrap();
        let (b, e) = run_csv(&plan, "1,2020-05-11,a\n2,2020-05-12,b", ",");
        assert_eq!(b.num_rows(), 2);
        assert_eq!((e.total, e.filtered), (2, 0));
        let e = LoadPlan::with_partial_update(
            &schema,
            &mapping(&[("order_id", ""), ("price", "")]),
            "",
            false,
            "",
            0,
            true,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(e, "key column pay_dt not in partial update columns");
    }

    #[test]
    fn op_column_and_defaults() {
        let mut schema = seed_tbl1();
        schema.keys_type = KeysType::PrimaryKeys as i32;
        schema.columns[1].default_value = Some("2020-01-01".into());
        let plan = LoadPlan::new(
            &schema,
            &mapping(&[
                ("order_id", ""),
                ("customer_name", ""),
                ("tmp", ""),
                ("__op", "tmp"),
            ]),
            "",
            false,
            "",
            0,
        )
        .unwrap();
        assert!(plan.has_op());
        let (b, e) = run_csv(&plan, "1,a,delete\n2,b,0\n3,c,zzz", ",");
        assert_eq!(b.num_rows(), 2);
        assert_eq!(e.filtered, 1);
        let ops = b.column(5).as_any().downcast_ref::<Int8Array>().unwrap();
        assert_eq!(ops.values().to_vec(), vec![1, 0]);
        assert_eq!(
            b.column(1).as_primitive::<Date32Type>().value(0),
            convert::days_from_civil(2020, 1, 1)
        );
        assert!(b.column(4).is_null(0));
    }
}
