//! `information_schema.columns` (StarRocks `ColumnsSystemTable`): every column of every table
//! the user may see, in table then column order, then the columns of information_schema's own
//! tables. Values are the ones BI tools and connectors read (Flink connector: `COLUMN_KEY =
//! 'PRI'` marks Primary Key tables, BOOLEAN shows DATA_TYPE `tinyint` with COLUMN_SIZE NULL;
//! the SQLAlchemy dialect takes the key columns from a non-empty COLUMN_KEY).

use super::cells::SystemTable;
use super::cells::{bigint, mysql_type, schema_of, varchar, Value, INFORMATION_SCHEMA};
use super::tables::visible_tables;
use crate::query::source::CatalogSource;
use datafusion::arrow::datatypes::SchemaRef;
use starload_proto::types::{AggType, ColumnDef, ColumnType, KeysType, PrimitiveType};

pub fn schema() -> SchemaRef {
    schema_of(vec![
        varchar("TABLE_CATALOG"),
        varchar("TABLE_SCHEMA"),
        varchar("TABLE_NAME"),
        varchar("COLUMN_NAME"),
        bigint("ORDINAL_POSITION"),
        varchar("COLUMN_DEFAULT"),
        varchar("IS_NULLABLE"),
        varchar("DATA_TYPE"),
        bigint("CHARACTER_MAXIMUM_LENGTH"),
        bigint("CHARACTER_OCTET_LENGTH"),
        bigint("NUMERIC_PRECISION"),
        bigint("NUMERIC_SCALE"),
        bigint("DATETIME_PRECISION"),
        varchar("CHARACTER_SET_NAME"),
        varchar("COLLATION_NAME"),
        varchar("COLUMN_TYPE"),
        varchar("COLUMN_KEY"),
        varchar("EXTRA"),
        varchar("PRIVILEGES"),
        varchar("COLUMN_COMMENT"),
        bigint("COLUMN_SIZE"),
        bigint("DECIMAL_DIGITS"),
        varchar("GENERATION_EXPRESSION"),
        bigint("SRS_ID"),
    ])
}

fn primitive(t: &ColumnType) -> PrimitiveType {
    PrimitiveType::try_from(t.r#type).unwrap_or(PrimitiveType::Varchar)
}

/// MySQL DATA_TYPE: the bare lower-case type name (BOOLEAN -> `tinyint`).
pub fn data_type_name(t: &ColumnType) -> String {
    match primitive(t) {
        PrimitiveType::Boolean | PrimitiveType::Tinyint => "tinyint".into(),
        PrimitiveType::Smallint => "smallint".into(),
        PrimitiveType::Int => "int".into(),
        PrimitiveType::Bigint => "bigint".into(),
        PrimitiveType::Largeint => "bigint unsigned".into(),
        PrimitiveType::Float => "float".into(),
        PrimitiveType::Double => "double".into(),
        PrimitiveType::Decimal32
        | PrimitiveType::Decimal64
        | PrimitiveType::Decimal128
        | PrimitiveType::Decimalv2 => "decimal".into(),
        PrimitiveType::Date => "date".into(),
        PrimitiveType::Datetime => "datetime".into(),
        PrimitiveType::Char => "char".into(),
        PrimitiveType::Varchar | PrimitiveType::Unspecified => "varchar".into(),
        PrimitiveType::Json => "json".into(),
        PrimitiveType::Array => "array".into(),
    }
}

/// COLUMN_TYPE: the full type as SHOW CREATE TABLE spells it (`int(11)`, `varchar(26)`,
/// `decimal(10,2)`).
pub fn column_type_name(t: &ColumnType) -> String {
    match primitive(t) {
        PrimitiveType::Boolean => "boolean".into(),
        PrimitiveType::Tinyint => "tinyint(4)".into(),
        PrimitiveType::Smallint => "smallint(6)".into(),
        PrimitiveType::Int => "int(11)".into(),
        PrimitiveType::Bigint => "bigint(20)".into(),
        PrimitiveType::Largeint => "largeint(40)".into(),
        PrimitiveType::Decimal32
        | PrimitiveType::Decimal64
        | PrimitiveType::Decimal128
        | PrimitiveType::Decimalv2 => format!("decimal({},{})", t.precision, t.scale),
        PrimitiveType::Char if t.len > 0 => format!("char({})", t.len),
        PrimitiveType::Varchar if t.len > 0 => format!("varchar({})", t.len),
        PrimitiveType::Array => format!(
            "array<{}>",
            t.item.as_deref().map(column_type_name).unwrap_or_default()
        ),
        _ => data_type_name(t),
    }
}

/// (NUMERIC_PRECISION, NUMERIC_SCALE) as MySQL reports them.
fn numeric_precision_scale(t: &ColumnType) -> (Option<i64>, Option<i64>) {
    match primitive(t) {
        PrimitiveType::Tinyint => (Some(3), Some(0)),
        PrimitiveType::Smallint => (Some(5), Some(0)),
        PrimitiveType::Int => (Some(10), Some(0)),
        PrimitiveType::Bigint => (Some(19), Some(0)),
        PrimitiveType::Largeint => (Some(39), Some(0)),
        PrimitiveType::Float => (Some(12), None),
        PrimitiveType::Double => (Some(22), None),
        PrimitiveType::Decimal32
        | PrimitiveType::Decimal64
        | PrimitiveType::Decimal128
        | PrimitiveType::Decimalv2 => (Some(i64::from(t.precision)), Some(i64::from(t.scale))),
        _ => (None, None),
    }
}

fn is_string(t: &ColumnType) -> bool {
    matches!(
        primitive(t),
        PrimitiveType::Char | PrimitiveType::Varchar | PrimitiveType::Unspecified
    )
}

/// COLUMN_KEY: StarRocks marks key columns by table model.
fn column_key(c: &ColumnDef, keys: KeysType) -> &'static str {
    if !c.is_key {
        return "";
    }
    match keys {
        KeysType::PrimaryKeys => "PRI",
        KeysType::UniqueKeys => "UNI",
        KeysType::AggKeys => "AGG",
        KeysType::DupKeys | KeysType::Unspecified => "DUP",
    }
}

fn agg_name(a: AggType) -> &'static str {
    match a {
        AggType::Sum => "SUM",
        AggType::Max => "MAX",
        AggType::Min => "MIN",
        AggType::Replace => "REPLACE",
        AggType::ReplaceIfNotNull => "REPLACE_IF_NOT_NULL",
        AggType::Unspecified | AggType::AggNone => "",
    }
}

/// One row of a user table's column.
pub fn column_row(db: &str, table: &str, i: usize, c: &ColumnDef, keys: KeysType) -> Vec<Value> {
    let ty = c.r#type.clone().unwrap_or_default();
    let (prec, scale) = numeric_precision_scale(&ty);
    let string = is_string(&ty);
    let len = (string && ty.len > 0).then_some(i64::from(ty.len));
    let is_bool = primitive(&ty) == PrimitiveType::Boolean;
    let datetime_prec = (primitive(&ty) == PrimitiveType::Datetime).then_some(0);
    let int = |v: Option<i64>| v.map_or(Value::Null, Value::Int);
    vec![
        Value::str("def"),
        Value::str(db),
        Value::str(table),
        Value::str(&c.name),
        Value::Int(i as i64 + 1),
        if c.default_current_timestamp {
            Value::str("CURRENT_TIMESTAMP")
        } else {
            Value::opt(c.default_value.clone())
        },
        Value::str(if c.nullable { "YES" } else { "NO" }),
        Value::Str(data_type_name(&ty)),
        int(len),
        int(len),
        int(prec),
        int(scale),
        int(datetime_prec),
        if string {
            Value::str("utf8")
        } else {
            Value::Null
        },
        if string {
            Value::str("utf8_general_ci")
        } else {
            Value::Null
        },
        Value::Str(column_type_name(&ty)),
        Value::str(column_key(c, keys)),
        Value::str(agg_name(AggType::try_from(c.agg).unwrap_or_default())),
        Value::str("SELECT,INSERT,UPDATE,REFERENCES"),
        Value::str(&c.comment),
        // COLUMN_SIZE: precision for numbers, length for strings, NULL for BOOLEAN.
        int(if is_bool { None } else { prec.or(len) }),
        int(if is_bool { None } else { scale }),
        Value::Null,
        Value::Null,
    ]
}

/// `system`: the information_schema registry, whose own tables are listed too.
pub fn rows(catalog: &dyn CatalogSource, system: &[SystemTable]) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for (db, t) in visible_tables(catalog) {
        let keys = KeysType::try_from(t.schema.keys_type).unwrap_or(KeysType::DupKeys);
        for (i, c) in t.schema.columns.iter().enumerate() {
            out.push(column_row(&db, &t.name, i, c, keys));
        }
    }
    for (db, v) in catalog.visible_views() {
        for (i, c) in v.columns.iter().enumerate() {
            out.push(column_row(&db, &v.name, i, c, KeysType::DupKeys));
        }
    }
    // information_schema's own tables: every column nullable, no key, no length.
    for t in system {
        for (i, f) in (t.schema)().fields().iter().enumerate() {
            let (data_type, column_type) = mysql_type(f.data_type());
            let mut r = vec![Value::Null; 24];
            r[0] = Value::str("def");
            r[1] = Value::str(INFORMATION_SCHEMA);
            r[2] = Value::str(t.name);
            r[3] = Value::str(f.name());
            r[4] = Value::Int(i as i64 + 1);
            r[6] = Value::str("YES");
            r[7] = Value::str(data_type);
            r[15] = Value::str(column_type);
            r[16] = Value::str("");
            r[17] = Value::str("");
            r[18] = Value::str("SELECT");
            r[19] = Value::str("");
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::cells::batch;
    use super::*;

    fn col(name: &str, t: PrimitiveType, key: bool, nullable: bool) -> ColumnDef {
        ColumnDef {
            name: name.into(),
            r#type: Some(ColumnType {
                r#type: t as i32,
                len: if t == PrimitiveType::Varchar { 20 } else { 0 },
                precision: 10,
                scale: 2,
                ..Default::default()
            }),
            is_key: key,
            nullable,
            ..Default::default()
        }
    }

    #[test]
    fn key_columns_are_marked_by_model_and_booleans_have_no_size() {
        let id = col("id", PrimitiveType::Bigint, true, false);
        let flag = col("flag", PrimitiveType::Boolean, false, true);
        let name = col("name", PrimitiveType::Varchar, false, true);
        let amount = col("amount", PrimitiveType::Decimal64, false, true);
        let r = column_row("d", "t", 0, &id, KeysType::PrimaryKeys);
        assert_eq!(r.len(), schema().fields().len());
        assert_eq!(r[16], Value::str("PRI"));
        assert_eq!(r[6], Value::str("NO"));
        assert_eq!(
            column_row("d", "t", 0, &id, KeysType::UniqueKeys)[16],
            Value::str("UNI")
        );
        assert_eq!(
            column_row("d", "t", 0, &id, KeysType::AggKeys)[16],
            Value::str("AGG")
        );
        assert_eq!(
            column_row("d", "t", 0, &id, KeysType::DupKeys)[16],
            Value::str("DUP")
        );
        let r = column_row("d", "t", 1, &flag, KeysType::PrimaryKeys);
        assert_eq!(
            (r[7].clone(), r[16].clone(), r[20].clone()),
            (Value::str("tinyint"), Value::str(""), Value::Null)
        );
        let r = column_row("d", "t", 2, &name, KeysType::PrimaryKeys);
        assert_eq!(
            (r[8].clone(), r[15].clone()),
            (Value::Int(20), Value::str("varchar(20)"))
        );
        let r = column_row("d", "t", 3, &amount, KeysType::PrimaryKeys);
        assert_eq!(
            (r[10].clone(), r[11].clone(), r[15].clone()),
            (Value::Int(10), Value::Int(2), Value::str("decimal(10,2)"))
        );
        let rows = vec![column_row("d", "t", 0, &id, KeysType::PrimaryKeys)];
        assert_eq!(batch(&schema(), rows).unwrap().num_rows(), 1);
    }
}
