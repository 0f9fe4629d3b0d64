//! The parts every information_schema table is made of: the column constructors (StarRocks
//! type -> Arrow type), the cell values a table's rows are built from, and the one conversion
//! of those rows into a record batch. A leaf: the table modules and the registry above them
//! use it, it uses none of them (fe/tests/module_layers.rs forbids circles).

use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, RecordBatch,
    StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::error::{DataFusionError, Result as DfResult};
use std::sync::Arc;

/// The database name, compared case-insensitively as MySQL does.
pub const INFORMATION_SCHEMA: &str = "information_schema";

/// One system table: its lower-case name and its columns.
pub struct SystemTable {
    pub name: &'static str,
    pub schema: fn() -> SchemaRef,
}

/// One cell before it is put into its column; the column's type decides the conversion.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Str(String),
    Int(i64),
    /// A DATETIME as seconds since the epoch, shown in the FE's zone (the thrift calls that
    /// fill these tables in StarRocks run without a session); 0 or less is NULL.
    Time(i64),
    Bool(bool),
    Double(f64),
}

impl Value {
    pub fn str(s: impl Into<String>) -> Self {
        Value::Str(s.into())
    }
    pub fn opt(s: Option<String>) -> Self {
        s.map_or(Value::Null, Value::Str)
    }
}

pub(crate) fn varchar(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}
pub(crate) fn bigint(name: &str) -> Field {
    Field::new(name, DataType::Int64, true)
}
pub(crate) fn int(name: &str) -> Field {
    Field::new(name, DataType::Int32, true)
}
pub(crate) fn datetime(name: &str) -> Field {
    Field::new(name, DataType::Timestamp(TimeUnit::Microsecond, None), true)
}
pub(crate) fn boolean(name: &str) -> Field {
    Field::new(name, DataType::Boolean, true)
}
pub(crate) fn double(name: &str) -> Field {
    Field::new(name, DataType::Float64, true)
}
/// StarRocks's JSON columns (routine_load_jobs.LATEST_SOURCE_POSITION, OFFSET_LAG) travel as
/// text, as the MySQL protocol sends them.
pub(crate) fn json(name: &str) -> Field {
    varchar(name)
}

pub(crate) fn schema_of(fields: Vec<Field>) -> SchemaRef {
    Arc::new(Schema::new(fields))
}

/// Seconds since the epoch -> DATETIME micros in the FE's local time zone.
pub fn local_datetime_micros(secs: i64) -> Option<i64> {
    use chrono::TimeZone;
    let local = chrono::Local.timestamp_opt(secs, 0).single()?;
    Some(local.naive_local().and_utc().timestamp_micros())
}

/// Puts `rows` into one batch of `schema`; a cell that does not fit its column's type is a
/// bug of the table's module, reported as an internal error rather than a crash.
pub fn batch(schema: &SchemaRef, rows: Vec<Vec<Value>>) -> DfResult<RecordBatch> {
    let n = rows.len();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (i, f) in schema.fields().iter().enumerate() {
        let cell = |r: &Vec<Value>| r.get(i).cloned().unwrap_or(Value::Null);
        let mismatch = |v: &Value| {
            DataFusionError::Internal(format!(
                "information_schema: {v:?} does not fit column {} ({})",
                f.name(),
                f.data_type()
            ))
        };
        let array: ArrayRef = match f.data_type() {
            DataType::Utf8 => {
                let mut b = StringBuilder::with_capacity(n, n * 16);
                for r in &rows {
                    match cell(r) {
                        Value::Null => b.append_null(),
                        Value::Str(s) => b.append_value(s),
                        Value::Int(v) => b.append_value(v.to_string()),
                        v => return Err(mismatch(&v)),
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Int64 => {
                let mut b = Int64Builder::with_capacity(n);
                for r in &rows {
                    match cell(r) {
                        Value::Null => b.append_null(),
                        Value::Int(v) => b.append_value(v),
                        v => return Err(mismatch(&v)),
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Int32 => {
                let mut b = Int32Builder::with_capacity(n);
                for r in &rows {
                    match cell(r) {
                        Value::Null => b.append_null(),
                        Value::Int(v) => b.append_value(i32::try_from(v).unwrap_or(i32::MAX)),
                        v => return Err(mismatch(&v)),
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Timestamp(_, _) => {
                let mut b = TimestampMicrosecondBuilder::with_capacity(n);
                for r in &rows {
                    match cell(r) {
                        Value::Null => b.append_null(),
                        Value::Time(s) => b.append_option(
                            Some(s).filter(|s| *s > 0).and_then(local_datetime_micros),
                        ),
                        v => return Err(mismatch(&v)),
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Boolean => {
                let mut b = BooleanBuilder::with_capacity(n);
                for r in &rows {
                    match cell(r) {
                        Value::Null => b.append_null(),
                        Value::Bool(v) => b.append_value(v),
                        v => return Err(mismatch(&v)),
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Float64 => {
                let mut b = Float64Builder::with_capacity(n);
                for r in &rows {
                    match cell(r) {
                        Value::Null => b.append_null(),
                        Value::Double(v) => b.append_value(v),
                        v => return Err(mismatch(&v)),
                    }
                }
                Arc::new(b.finish())
            }
            other => {
                return Err(DataFusionError::Internal(format!(
                    "information_schema: unsupported column type {other}"
                )))
            }
        };
        columns.push(array);
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// The MySQL type name DESC and information_schema.columns show for a system table column.
pub fn mysql_type(t: &DataType) -> (&'static str, &'static str) {
    // (DATA_TYPE, COLUMN_TYPE)
    match t {
        DataType::Int64 => ("bigint", "bigint(20)"),
        DataType::Int32 => ("int", "int(11)"),
        DataType::Timestamp(_, _) => ("datetime", "datetime"),
        DataType::Boolean => ("boolean", "boolean"),
        DataType::Float64 => ("double", "double"),
        _ => ("varchar", "varchar(65533)"),
    }
}
