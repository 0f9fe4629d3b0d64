//! `information_schema` as in-memory tables built from the catalog for each query (only the
//! tables a query names). Column lists and types follow StarRocks
//! `fe/catalog/system/information/{Schemata,Tables,Columns}SystemTable.java`; the values are the
//! ones BI tools and connectors read (Flink connector: `COLUMN_KEY = 'PRI'` marks Primary Key
//! tables, BOOLEAN shows DATA_TYPE `tinyint` with COLUMN_SIZE NULL).

use super::source::{CatalogSource, TableSnapshot};
use datafusion::arrow::array::{
    ArrayRef, Int64Builder, RecordBatch, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::catalog::{MemTable, TableProvider};
use datafusion::error::Result as DfResult;
use starload_proto::types::{AggType, ColumnDef, ColumnType, KeysType, PrimitiveType};
use std::sync::Arc;

/// The database name, compared case-insensitively as MySQL does.
pub const INFORMATION_SCHEMA: &str = "information_schema";

/// The tables we serve, lower-case.
pub const TABLE_NAMES: &[&str] = &["columns", "loads", "partitions_meta", "schemata", "tables"];

/// True if `db` names information_schema.
pub fn is_information_schema(db: &str) -> bool {
    db.eq_ignore_ascii_case(INFORMATION_SCHEMA)
}

/// Builds `information_schema.<name>` (case-insensitive); `None` if we have no such table.
pub fn table(catalog: &dyn CatalogSource, name: &str) -> Option<DfResult<Arc<dyn TableProvider>>> {
    let lower = name.to_ascii_lowercase();
    let built = match lower.as_str() {
        "schemata" => schemata(catalog),
        "tables" => tables(catalog),
        "columns" => columns(catalog),
        "partitions_meta" => super::partitions_meta::build(catalog, &local_datetime_micros),
        "loads" => super::loads::build(catalog, &local_datetime_micros),
        _ => return None,
    };
    Some(built.and_then(|(schema, batch)| {
        let t = MemTable::try_new(schema, vec![vec![batch]])?;
        Ok(Arc::new(t) as Arc<dyn TableProvider>)
    }))
}

/// Column names of `information_schema.<name>`, for case-insensitive column matching.
pub fn column_names(name: &str) -> Vec<String> {
    let schema = match name.to_ascii_lowercase().as_str() {
        "schemata" => schemata_schema(),
        "tables" => tables_schema(),
        "columns" => columns_schema(),
        "partitions_meta" => super::partitions_meta::schema(),
        "loads" => super::loads::schema(),
        _ => return Vec::new(),
    };
    schema.fields().iter().map(|f| f.name().clone()).collect()
}

fn varchar(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}
fn bigint(name: &str) -> Field {
    Field::new(name, DataType::Int64, true)
}
fn datetime(name: &str) -> Field {
    Field::new(name, DataType::Timestamp(TimeUnit::Microsecond, None), true)
}

fn schemata_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        varchar("CATALOG_NAME"),
        varchar("SCHEMA_NAME"),
        varchar("DEFAULT_CHARACTER_SET_NAME"),
        varchar("DEFAULT_COLLATION_NAME"),
        varchar("SQL_PATH"),
    ]))
}

fn tables_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        varchar("TABLE_CATALOG"),
        varchar("TABLE_SCHEMA"),
        varchar("TABLE_NAME"),
        varchar("TABLE_TYPE"),
        varchar("ENGINE"),
        bigint("VERSION"),
        varchar("ROW_FORMAT"),
        bigint("TABLE_ROWS"),
        bigint("AVG_ROW_LENGTH"),
        bigint("DATA_LENGTH"),
        bigint("MAX_DATA_LENGTH"),
        bigint("INDEX_LENGTH"),
        bigint("DATA_FREE"),
        bigint("AUTO_INCREMENT"),
        datetime("CREATE_TIME"),
        datetime("UPDATE_TIME"),
        datetime("CHECK_TIME"),
        varchar("TABLE_COLLATION"),
        bigint("CHECKSUM"),
        varchar("CREATE_OPTIONS"),
        varchar("TABLE_COMMENT"),
    ]))
}

fn columns_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
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
    ]))
}

fn all_databases(catalog: &dyn CatalogSource) -> Vec<String> {
    let mut dbs = catalog.database_names();
    dbs.push(INFORMATION_SCHEMA.to_string());
    dbs.sort();
    dbs.dedup();
    dbs
}

fn schemata(catalog: &dyn CatalogSource) -> DfResult<(SchemaRef, RecordBatch)> {
    let schema = schemata_schema();
    let dbs = all_databases(catalog);
    let mut cat = StringBuilder::new();
    let mut name = StringBuilder::new();
    let mut cs = StringBuilder::new();
    let mut coll = StringBuilder::new();
    let mut path = StringBuilder::new();
    for db in &dbs {
        cat.append_value("def");
        name.append_value(db);
        cs.append_value("utf8");
        coll.append_value("utf8_general_ci");
        path.append_null();
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(cat.finish()),
        Arc::new(name.finish()),
        Arc::new(cs.finish()),
        Arc::new(coll.finish()),
        Arc::new(path.finish()),
    ];
    Ok((schema.clone(), RecordBatch::try_new(schema, cols)?))
}

/// Every (db, table) pair, user tables first per db, sorted by db then name.
fn each_table(catalog: &dyn CatalogSource) -> Vec<(String, TableSnapshot)> {
    let mut out = Vec::new();
    for db in catalog.database_names() {
        for t in catalog.table_names(&db).unwrap_or_default() {
            if let Some(snap) = catalog.table(&db, &t) {
                out.push((db.clone(), snap));
            }
        }
    }
    out
}

/// Seconds since the epoch -> DATETIME micros in the FE's local time zone (StarRocks prints
/// CREATE_TIME in the FE's zone).
fn local_datetime_micros(secs: i64) -> Option<i64> {
    use chrono::TimeZone;
    let local = chrono::Local.timestamp_opt(secs, 0).single()?;
    Some(local.naive_local().and_utc().timestamp_micros())
}

fn tables(catalog: &dyn CatalogSource) -> DfResult<(SchemaRef, RecordBatch)> {
    let schema = tables_schema();
    struct Row {
        db: String,
        name: String,
        ty: &'static str,
        engine: &'static str,
        created: Option<i64>,
        comment: String,
    }
    let mut rows: Vec<Row> = each_table(catalog)
        .into_iter()
        .map(|(db, t)| Row {
            db,
            name: t.name,
            ty: "BASE TABLE",
            engine: "StarRocks",
            created: local_datetime_micros(t.create_time_s),
            comment: t.comment,
        })
        .collect();
    for name in TABLE_NAMES {
        rows.push(Row {
            db: INFORMATION_SCHEMA.to_string(),
            name: name.to_string(),
            ty: "SYSTEM VIEW",
            engine: "MEMORY",
            created: None,
            comment: String::new(),
        });
    }
    rows.sort_by(|a, b| (&a.db, &a.name).cmp(&(&b.db, &b.name)));

    let n = rows.len();
    let strings = |f: &dyn Fn(&Row) -> Option<String>| -> ArrayRef {
        let mut b = StringBuilder::with_capacity(n, n * 8);
        for r in &rows {
            b.append_option(f(r));
        }
        Arc::new(b.finish())
    };
    let null_i64 = || -> ArrayRef {
        let mut b = Int64Builder::with_capacity(n);
        b.append_nulls(n);
        Arc::new(b.finish())
    };
    let null_dt = || -> ArrayRef {
        let mut b = TimestampMicrosecondBuilder::with_capacity(n);
        b.append_nulls(n);
        Arc::new(b.finish())
    };
    let mut created = TimestampMicrosecondBuilder::with_capacity(n);
    for r in &rows {
        created.append_option(r.created);
    }
    let cols: Vec<ArrayRef> = vec![
        strings(&|_| Some("def".into())),
        strings(&|r| Some(r.db.clone())),
        strings(&|r| Some(r.name.clone())),
        strings(&|r| Some(r.ty.into())),
        strings(&|r| Some(r.engine.into())),
        null_i64(),         // VERSION
        strings(&|_| None), // ROW_FORMAT
        null_i64(),         // TABLE_ROWS
        null_i64(),         // AVG_ROW_LENGTH
        null_i64(),         // DATA_LENGTH
        null_i64(),         // MAX_DATA_LENGTH
        null_i64(),         // INDEX_LENGTH
        null_i64(),         // DATA_FREE
        null_i64(),         // AUTO_INCREMENT
        Arc::new(created.finish()),
        null_dt(), // UPDATE_TIME
        null_dt(), // CHECK_TIME
        strings(&|_| Some("utf8_general_ci".into())),
        null_i64(), // CHECKSUM
        strings(&|_| Some(String::new())),
        strings(&|r| Some(r.comment.clone())),
    ];
    Ok((schema.clone(), RecordBatch::try_new(schema, cols)?))
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

fn columns(catalog: &dyn CatalogSource) -> DfResult<(SchemaRef, RecordBatch)> {
    let schema = columns_schema();
    let mut sb: Vec<StringBuilder> = (0..15).map(|_| StringBuilder::new()).collect();
    let mut ib: Vec<Int64Builder> = (0..9).map(|_| Int64Builder::new()).collect();
    for (db, t) in each_table(catalog) {
        let keys = KeysType::try_from(t.schema.keys_type).unwrap_or(KeysType::DupKeys);
        for (i, c) in t.schema.columns.iter().enumerate() {
            let ty = c.r#type.clone().unwrap_or_default();
            let (prec, scale) = numeric_precision_scale(&ty);
            let string = is_string(&ty);
            let len = (string && ty.len > 0).then_some(i64::from(ty.len));
            let is_bool = primitive(&ty) == PrimitiveType::Boolean;
            let datetime_prec = match primitive(&ty) {
                PrimitiveType::Datetime => Some(0),
                _ => None,
            };
            // Strings
            sb[0].append_value("def");
            sb[1].append_value(&db);
            sb[2].append_value(&t.name);
            sb[3].append_value(&c.name);
            sb[4].append_option(if c.default_current_timestamp {
                Some("CURRENT_TIMESTAMP")
            } else {
                c.default_value.as_deref()
            });
            sb[5].append_value(if c.nullable { "YES" } else { "NO" });
            sb[6].append_value(data_type_name(&ty));
            sb[7].append_option(string.then_some("utf8"));
            sb[8].append_option(string.then_some("utf8_general_ci"));
            sb[9].append_value(column_type_name(&ty));
            sb[10].append_value(column_key(c, keys));
            sb[11].append_value(agg_name(AggType::try_from(c.agg).unwrap_or_default()));
            sb[12].append_value("SELECT,INSERT,UPDATE,REFERENCES");
            sb[13].append_value(&c.comment);
            sb[14].append_null();
            // Integers
            ib[0].append_value(i as i64 + 1);
            ib[1].append_option(len);
            ib[2].append_option(len);
            ib[3].append_option(prec);
            ib[4].append_option(scale);
            ib[5].append_option(datetime_prec);
            // COLUMN_SIZE: precision for numbers, length for strings, NULL for BOOLEAN.
            ib[6].append_option(if is_bool { None } else { prec.or(len) });
            ib[7].append_option(if is_bool { None } else { scale });
            ib[8].append_null();
        }
    }
    let s: Vec<ArrayRef> = sb
        .into_iter()
        .map(|mut b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    let i: Vec<ArrayRef> = ib
        .into_iter()
        .map(|mut b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    let cols: Vec<ArrayRef> = vec![
        s[0].clone(),  // TABLE_CATALOG
        s[1].clone(),  // TABLE_SCHEMA
        s[2].clone(),  // TABLE_NAME
        s[3].clone(),  // COLUMN_NAME
        i[0].clone(),  // ORDINAL_POSITION
        s[4].clone(),  // COLUMN_DEFAULT
        s[5].clone(),  // IS_NULLABLE
        s[6].clone(),  // DATA_TYPE
        i[1].clone(),  // CHARACTER_MAXIMUM_LENGTH
        i[2].clone(),  // CHARACTER_OCTET_LENGTH
        i[3].clone(),  // NUMERIC_PRECISION
        i[4].clone(),  // NUMERIC_SCALE
        i[5].clone(),  // DATETIME_PRECISION
        s[7].clone(),  // CHARACTER_SET_NAME
        s[8].clone(),  // COLLATION_NAME
        s[9].clone(),  // COLUMN_TYPE
        s[10].clone(), // COLUMN_KEY
        s[11].clone(), // EXTRA
        s[12].clone(), // PRIVILEGES
        s[13].clone(), // COLUMN_COMMENT
        i[6].clone(),  // COLUMN_SIZE
        i[7].clone(),  // DECIMAL_DIGITS
        s[14].clone(), // GENERATION_EXPRESSION
        i[8].clone(),  // SRS_ID
    ];
    Ok((schema.clone(), RecordBatch::try_new(schema, cols)?))
}
