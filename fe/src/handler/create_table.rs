//! CREATE TABLE analysis: turns the statement into a `Table` (columns per model, keys,
//! distribution with the automatic bucket count, properties as SHOW CREATE TABLE prints them).
//! Ids, partitions and tablet placement are filled in by the handler afterwards. Analysis sits
//! with the handler (it reads the parser's statement); the catalog only stores the result.
//! Mirrors `fe/sql/analyzer/CreateTableAnalyzer.java`, `fe/catalog/ColumnDef.java`,
//! `fe/common/util/PropertyAnalyzer.java` and `CatalogUtils.calBucketNumAccordingToBackends`.

use crate::catalog::table::{
    AggType, Column, DefaultValue, Distribution, DistributionKind, KeysType, Table,
};
use crate::catalog::types::DataType;
use crate::error::{SqlError, SqlResult};
use crate::handler::dynamic_partition;
use crate::sql::ddl::CreateTableStmt;
use crate::variables::host_time_zone;
use starload_proto::error_code;
use std::collections::BTreeMap;

/// Most buckets a partition may have (FE config `max_bucket_number_per_partition`).
pub const MAX_BUCKET_NUM: u64 = 1024;
/// `bucket_size` StarRocks records for RANDOM tables without BUCKETS (4 GiB).
pub const DEFAULT_BUCKET_SIZE: &str = "4294967296";
/// Short keys picked for a DUPLICATE table without key_desc (`FeConstants`).
const SHORTKEY_MAX_COLUMN_COUNT: usize = 3;
const SHORTKEY_MAXSIZE_BYTES: u32 = 36;

/// Properties accepted in CREATE TABLE. Others fail with `Unknown properties: {k=v}`; so do
/// the `dynamic_partition.*` ones on an unpartitioned table (StarRocks reads them only for
/// RANGE / LIST tables).
const KNOWN_PROPERTIES: &[&str] = &[
    "replication_num",
    "compression",
    "storage_medium",
    "storage_cooldown_time",
    "storage_cooldown_ttl",
    "in_memory",
    "enable_persistent_index",
    "persistent_index_type",
    "replicated_storage",
    "fast_schema_evolution",
    "bucket_size",
    "colocate_with",
    "bloom_filter_columns",
    "bloom_filter_fpp",
    "storage_format",
    "write_quorum",
    "partition_live_number",
    "primary_index_cache_expire_sec",
];

/// The automatic bucket count for `backend_num` backends
/// (`CatalogUtils.calBucketNumAccordingToBackends`): 2 per BE up to 12 BEs, then 1.5 per BE up
/// to 24, 36 up to 36, then min(BEs, 48). At least 1 (a cluster without BEs fails placement).
pub fn auto_bucket_num(backend_num: usize) -> u32 {
    let n = backend_num as u32;
    let b = if n <= 12 {
        2 * n
    } else if n <= 24 {
        n * 3 / 2
    } else if n <= 36 {
        36
    } else {
        n.min(48)
    };
    b.max(1)
}

fn analyzing(detail: impl AsRef<str>) -> SqlError {
    SqlError::analyzing(detail)
}

/// Result of analysis: the table (ids and partitions still empty).
#[derive(Debug, Clone)]
pub struct AnalyzedTable {
    pub table: Table,
    /// The user gave `replication_num` (changes the error text when too few BEs are alive).
    pub replication_num_explicit: bool,
}

/// Analyses CREATE TABLE. `backend_num` is the number of registered backends (automatic
/// buckets); `default_replication_num` and `allow_system_reserved_names` come from FE config.
pub fn analyze_create_table(
    stmt: &CreateTableStmt,
    db_id: i64,
    backend_num: usize,
    default_replication_num: i64,
    allow_system_reserved_names: bool,
) -> SqlResult<AnalyzedTable> {
    if let Some(engine) = &stmt.engine {
        if !engine.eq_ignore_ascii_case("olap") {
            return Err(analyzing(format!("Unknown engine name: {engine}")));
        }
    }
    if stmt.columns.is_empty() {
        return Err(SqlError::code(error_code::ERR_TABLE_MUST_HAVE_COLUMNS, &[]));
    }
    // Names: duplicates (case-insensitive), reserved prefixes.
    let mut seen = std::collections::HashSet::new();
    for c in &stmt.columns {
        if !seen.insert(c.name.to_ascii_lowercase()) {
            return Err(SqlError::code(error_code::ERR_DUP_FIELDNAME, &[&c.name]));
        }
        let lower = c.name.to_ascii_lowercase();
        if !allow_system_reserved_names && (lower.starts_with("__op") || lower.starts_with("__row"))
        {
            return Err(analyzing(format!(
                "Column name '{}' is reserved for system use",
                c.name
            )));
        }
        if c.auto_increment {
            return Err(analyzing(
                "AUTO_INCREMENT columns are not supported by starload",
            ));
        }
    }

    // Keys: explicit, or derived (AGGREGATE when any column has an aggregate type).
    let (keys_type, key_names): (KeysType, Vec<String>) = match &stmt.keys {
        Some((k, cols)) => (*k, cols.clone()),
        None => {
            if stmt.columns.iter().any(|c| c.agg.is_some()) {
                let keys = stmt
                    .columns
                    .iter()
                    .take_while(|c| c.agg.is_none())
                    .map(|c| c.name.clone())
                    .collect();
                (KeysType::Aggregate, keys)
            } else {
                let mut keys = Vec::new();
                let mut len = 0u32;
                for c in &stmt.columns {
                    len += c.data_type.index_size();
                    if keys.len() >= SHORTKEY_MAX_COLUMN_COUNT || len > SHORTKEY_MAXSIZE_BYTES {
                        if keys.is_empty() && c.data_type.is_string() {
                            keys.push(c.name.clone());
                        }
                        break;
                    }
                    if c.data_type.is_floating() || c.data_type.is_complex() {
                        break;
                    }
                    keys.push(c.name.clone());
                    if matches!(c.data_type, DataType::Varchar(_)) {
                        break;
                    }
                }
                if keys.is_empty() {
                    return Err(analyzing(format!(
                        "Data type of first column cannot be {}",
                        stmt.columns[0].data_type.to_sql().to_uppercase()
                    )));
                }
                (KeysType::Duplicate, keys)
            }
        }
    };
    if key_names.is_empty() {
        return Err(SqlError::code(error_code::ERR_TABLE_MUST_HAVE_KEYS, &[]));
    }
    // Key columns must be an ordered prefix of the schema.
    for (i, k) in key_names.iter().enumerate() {
        let actual = stmt.columns.get(i).map(|c| c.name.as_str()).unwrap_or("");
        if !k.eq_ignore_ascii_case(actual) {
            if !stmt.columns.iter().any(|c| c.name.eq_ignore_ascii_case(k)) {
                return Err(analyzing(format!("Key column({k}) doesn't exist.")));
            }
            return Err(analyzing(format!(
                "Key columns should be a ordered prefix of the schema. KeyColumns[{i}] (starts from zero) is {k}, but corresponding column is {actual} in the previous columns declaration."
            )));
        }
    }

    // Columns per model.
    let mut columns = Vec::with_capacity(stmt.columns.len());
    for (i, c) in stmt.columns.iter().enumerate() {
        let is_key = i < key_names.len();
        if is_key {
            if c.agg.is_some() {
                if keys_type == KeysType::Aggregate {
                    return Err(SqlError::code(
                        error_code::ERR_OLAP_KEY_MUST_BEFORE_VALUE,
                        &[],
                    ));
                }
                return Err(analyzing(format!(
                    "Key column {} should not specify aggregate type.",
                    c.name
                )));
            }
            if c.data_type.is_floating() {
                return Err(analyzing(
                    "Float or double can not used as a key, use decimal instead.",
                ));
            }
            if c.data_type.is_complex() {
                return Err(analyzing(format!(
                    "Invalid data type of key column '{}': '{}'",
                    c.name,
                    c.data_type.to_sql()
                )));
            }
        }
        let (agg, agg_implicit) = if is_key {
            (None, false)
        } else {
            match keys_type {
                KeysType::Aggregate => match c.agg {
                    Some(a) => (Some(a), false),
                    None => {
                        return Err(analyzing(format!(
                            "Value column {} of AGGREGATE KEY table must specify aggregate type",
                            c.name
                        )))
                    }
                },
                KeysType::Duplicate | KeysType::Unique | KeysType::Primary => {
                    if let Some(a) = c.agg {
                        return Err(analyzing(format!(
                            "Aggregate type `{}` is not compatible with {} table, column: {}",
                            a.name(),
                            keys_type.name(),
                            c.name
                        )));
                    }
                    if keys_type == KeysType::Duplicate {
                        (None, false)
                    } else {
                        (Some(AggType::Replace), true)
                    }
                }
            }
        };
        if matches!(agg, Some(AggType::Sum))
            && !matches!(
                c.data_type,
                DataType::Tinyint
                    | DataType::Smallint
                    | DataType::Int
                    | DataType::Bigint
                    | DataType::Largeint
                    | DataType::Float
                    | DataType::Double
                    | DataType::Decimal { .. }
            )
        {
            return Err(analyzing(format!(
                "Invalid aggregate function 'SUM' for '{}'",
                c.name
            )));
        }
        let mut nullable = match c.nullable {
            Some(n) => n,
            None => !(keys_type == KeysType::Primary && is_key),
        };
        if keys_type == KeysType::Primary && is_key && nullable {
            return Err(analyzing(format!(
                "primary key column[{}] cannot be nullable",
                c.name
            )));
        }
        // REPLACE_IF_NOT_NULL on a NOT NULL column is silently made nullable (CREATE_TABLE.md).
        if agg == Some(AggType::ReplaceIfNotNull) {
            nullable = true;
        }
        if c.default_null && !nullable {
            return Err(analyzing(format!(
                "Invalid default value for '{}': Can not set null default value to non nullable column",
                c.name
            )));
        }
        if c.default.is_some() && c.data_type.is_complex() {
            return Err(analyzing(format!(
                "Invalid default value for '{}': {} type cannot have default value",
                c.name,
                c.data_type.canonical_name().to_uppercase()
            )));
        }
        if let Some(DefaultValue::Literal(v)) = &c.default {
            check_default(&c.name, &c.data_type, v)?;
        }
        if matches!(c.default, Some(DefaultValue::CurrentTimestamp))
            && c.data_type != DataType::Datetime
        {
            return Err(analyzing(format!(
                "Invalid default value for '{}': CURRENT_TIMESTAMP is only supported for DATETIME",
                c.name
            )));
        }
        columns.push(Column {
            name: c.name.clone(),
            data_type: c.data_type.clone(),
            is_key,
            nullable,
            agg,
            agg_implicit,
            default: c.default.clone(),
            comment: c.comment.clone().unwrap_or_default(),
        });
    }
    fn find_in<'a>(columns: &'a [Column], name: &str) -> Option<&'a Column> {
        columns.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }
    let find = |name: &str| find_in(&columns, name);

    // Distribution.
    let (kind, buckets) = match &stmt.distribution {
        Some(d) => match &d.hash {
            Some(cols) => {
                let mut resolved = Vec::new();
                for name in cols {
                    let Some(col) = find(name) else {
                        return Err(analyzing(format!(
                            "Distribution column({name}) doesn't exist."
                        )));
                    };
                    if col.data_type.is_floating() || col.data_type.is_complex() {
                        return Err(analyzing(format!(
                            "Distribution column({}) could not be float, double or complex type.",
                            col.name
                        )));
                    }
                    if keys_type != KeysType::Duplicate && !col.is_key {
                        return Err(analyzing(format!(
                            "Distribution column[{}] is not key column",
                            col.name
                        )));
                    }
                    resolved.push(col.name.clone());
                }
                (DistributionKind::Hash(resolved), d.buckets)
            }
            None => (DistributionKind::Random, d.buckets),
        },
        None => (DistributionKind::Random, None),
    };
    if kind == DistributionKind::Random && keys_type != KeysType::Duplicate {
        return Err(analyzing(format!(
            "Random distribution only support DUP_KEYS table, current table is {}. Please use DISTRIBUTED BY HASH(...)",
            keys_type.name()
        )));
    }
    if let Some(b) = buckets {
        if b == 0 {
            return Err(analyzing(
                "Number of hash distribution should be larger than zero.",
            ));
        }
        if b > MAX_BUCKET_NUM {
            return Err(SqlError::code(
                error_code::ERR_TOO_MANY_BUCKETS,
                &[&MAX_BUCKET_NUM.to_string()],
            ));
        }
    }
    let distribution = Distribution {
        kind: kind.clone(),
        bucket_num: buckets
            .map(|b| b as u32)
            .unwrap_or_else(|| auto_bucket_num(backend_num)),
        buckets_given: buckets.is_some(),
    };

    // ORDER BY.
    let order_by = match &stmt.order_by {
        Some(cols) => {
            let mut v = Vec::new();
            for name in cols {
                let Some(col) = find(name) else {
                    return Err(analyzing(format!("Unknown column '{name}' in order by")));
                };
                v.push(col.name.clone());
            }
            Some(v)
        }
        None => None,
    };

    // Properties: known keys only; normalised; defaults added as StarRocks prints them.
    let mut given: BTreeMap<String, String> = BTreeMap::new();
    let mut unknown = Vec::new();
    for (k, v) in &stmt.properties {
        let key = k.to_ascii_lowercase();
        let dynamic =
            stmt.partition.is_some() && dynamic_partition::PROPERTY_KEYS.contains(&key.as_str());
        if KNOWN_PROPERTIES.contains(&key.as_str()) || dynamic {
            given.insert(key, v.clone());
        } else {
            unknown.push(format!("{k}={v}"));
        }
    }
    if !unknown.is_empty() {
        return Err(SqlError::plain(format!(
            "Unknown properties: {{{}}}",
            unknown.join(", ")
        )));
    }
    let replication_num_explicit = given.contains_key("replication_num");
    let replication_num: i64 = match given.get("replication_num") {
        Some(v) => v
            .trim()
            .parse::<i16>()
            .map(i64::from)
            .map_err(|_| SqlError::plain(format!("For input string: \"{v}\"")))?,
        None => default_replication_num,
    };
    if replication_num <= 0 {
        return Err(SqlError::plain("Replication num should larger than 0"));
    }
    let mut properties = given.clone();
    properties.insert("replication_num".into(), replication_num.to_string());
    let compression = match given.get("compression") {
        Some(c) => match c.to_ascii_uppercase().as_str() {
            "LZ4" | "LZ4_FRAME" => "LZ4".to_string(),
            "ZSTD" | "ZLIB" | "SNAPPY" | "NO_COMPRESSION" => c.to_ascii_uppercase(),
            _ => return Err(SqlError::plain(format!("unknown compression type: {c}"))),
        },
        None => "LZ4".to_string(),
    };
    properties.insert("compression".into(), compression);
    for bool_key in [
        "in_memory",
        "enable_persistent_index",
        "replicated_storage",
        "fast_schema_evolution",
    ] {
        if let Some(v) = given.get(bool_key) {
            let b = v.trim().eq_ignore_ascii_case("true");
            if !b && !v.trim().eq_ignore_ascii_case("false") {
                return Err(SqlError::plain(format!(
                    "Invalid {bool_key} value: {v}. Expected true or false"
                )));
            }
            properties.insert(bool_key.into(), b.to_string());
        }
    }
    properties
        .entry("fast_schema_evolution".into())
        .or_insert_with(|| "true".into());
    properties
        .entry("replicated_storage".into())
        .or_insert_with(|| "true".into());
    if keys_type == KeysType::Primary {
        properties
            .entry("enable_persistent_index".into())
            .or_insert_with(|| "true".into());
    }
    if kind == DistributionKind::Random && buckets.is_none() {
        properties
            .entry("bucket_size".into())
            .or_insert_with(|| DEFAULT_BUCKET_SIZE.into());
    }
    // Dynamic partitioning: StarRocks's defaults now (SHOW CREATE TABLE prints them); the
    // checks need the analysed partitioning and run with it (`partition_analysis`).
    dynamic_partition::add_defaults(&mut properties, &host_time_zone());
    if let Some(bf) = given.get("bloom_filter_columns") {
        for name in bf.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if find(name).is_none() {
                return Err(SqlError::plain(format!(
                    "Invalid bloom filter column '{name}': not exists"
                )));
            }
        }
    }

    Ok(AnalyzedTable {
        table: Table {
            id: 0,
            db_id,
            name: stmt.table.table.clone(),
            keys_type,
            columns,
            distribution,
            order_by,
            properties,
            replication_num: replication_num as u32,
            comment: stmt.comment.clone().unwrap_or_default(),
            create_time_ms: 0,
            partitions: Vec::new(),
            partition_info: Default::default(),
            temp_partitions: Vec::new(),
            schema_version: 0,
        },
        replication_num_explicit,
    })
}

/// Rejects defaults that cannot be a value of the column type.
fn check_default(col: &str, t: &DataType, v: &str) -> SqlResult<()> {
    let ok = match t {
        DataType::Tinyint => v.parse::<i8>().is_ok(),
        DataType::Smallint => v.parse::<i16>().is_ok(),
        DataType::Int => v.parse::<i32>().is_ok(),
        DataType::Bigint => v.parse::<i64>().is_ok(),
        DataType::Largeint => v.parse::<i128>().is_ok(),
        DataType::Float | DataType::Double | DataType::Decimal { .. } => v.parse::<f64>().is_ok(),
        DataType::Boolean => matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "0" | "1"
        ),
        DataType::Date => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok(),
        DataType::Datetime => {
            chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S").is_ok()
                || chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S%.f").is_ok()
        }
        DataType::Char(n) | DataType::Varchar(n) => v.len() as u32 <= n.unwrap_or(1),
        DataType::Json | DataType::Array(_) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(analyzing(format!("Invalid default value for '{col}': {v}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::ddl::{try_parse, DdlStmt};

    fn analyze(sql: &str, bes: usize) -> SqlResult<AnalyzedTable> {
        let stmt = match try_parse(sql).unwrap().unwrap() {
            DdlStmt::CreateTable(s) => s,
            _ => unreachable!(),
        };
        analyze_create_table(&stmt, 1, bes, 3, false)
    }

    #[test]
    fn auto_buckets_follow_backend_count() {
        assert_eq!(auto_bucket_num(0), 1);
        assert_eq!(auto_bucket_num(1), 2);
        assert_eq!(auto_bucket_num(3), 6);
        assert_eq!(auto_bucket_num(20), 30);
        assert_eq!(auto_bucket_num(30), 36);
        assert_eq!(auto_bucket_num(100), 48);
    }

    #[test]
    fn seed_table_1_shows_as_starrocks_prints_it() {
        let t = analyze(crate::sql::ddl::tests::SEED_TBL1, 3).unwrap().table;
        assert_eq!(t.distribution.bucket_num, 6);
        let expected = "CREATE TABLE `example_tbl1` (\n  `order_id` bigint(20) NOT NULL COMMENT \"Order ID\",\n  `pay_dt` date NOT NULL COMMENT \"Payment date\",\n  `customer_name` varchar(26) NULL COMMENT \"Customer name\",\n  `nationality` varchar(26) NULL COMMENT \"Nationality\",\n  `price` double NULL COMMENT \"Price\"\n) ENGINE=OLAP \nDUPLICATE KEY(`order_id`, `pay_dt`)\nDISTRIBUTED BY HASH(`order_id`)\nPROPERTIES (\n\"compression\" = \"LZ4\",\n\"fast_schema_evolution\" = \"true\",\n\"replicated_storage\" = \"true\",\n\"replication_num\" = \"3\"\n);";
        assert_eq!(t.show_create_table(), expected);
    }

    #[test]
    fn seed_table_2_is_aggregate_with_sum() {
        let t = analyze(crate::sql::ddl::tests::SEED_TBL2, 1).unwrap().table;
        assert_eq!(t.keys_type, KeysType::Aggregate);
        assert_eq!(t.key_columns().count(), 5);
        let text = t.show_create_table();
        assert!(text.contains("  `pay_time` bigint(20) NULL COMMENT \"Payment time\",\n"));
        assert!(text.contains("  `price` double SUM NULL COMMENT \"Price\"\n"));
        assert!(text.contains(
            "\nAGGREGATE KEY(`commodity_id`, `customer_name`, `country`, `pay_time`, `pay_dt`)\n"
        ));
    }

    #[test]
    fn model_defaults_for_nullability_and_aggregates() {
        let t = analyze(
            "CREATE TABLE p (id bigint, v varchar(10)) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 2",
            1,
        )
        .unwrap()
        .table;
        assert!(!t.columns[0].nullable);
        assert!(t.columns[1].nullable);
        assert_eq!(t.columns[1].agg, Some(AggType::Replace));
        assert!(t.columns[1].agg_implicit);
        assert_eq!(
            t.properties
                .get("enable_persistent_index")
                .map(String::as_str),
            Some("true")
        );
        assert!(t
            .show_create_table()
            .contains("DISTRIBUTED BY HASH(`id`) BUCKETS 2 \nPROPERTIES"));
        let t = analyze("CREATE TABLE r (a int, b double) DISTRIBUTED BY RANDOM", 1)
            .unwrap()
            .table;
        assert_eq!(t.keys_type, KeysType::Duplicate);
        assert_eq!(t.key_columns().count(), 1);
        assert_eq!(
            t.properties.get("bucket_size").map(String::as_str),
            Some(DEFAULT_BUCKET_SIZE)
        );
    }

    #[test]
    fn dynamic_properties_show_with_starrocks_defaults() {
        let t = analyze(
            "CREATE TABLE d (dt date, v int) PARTITION BY RANGE(dt) () DISTRIBUTED BY HASH(v) BUCKETS 2 PROPERTIES (\"replication_num\" = \"1\", \"Dynamic_Partition.Time_Unit\" = \"DAY\", \"dynamic_partition.end\" = \"3\", \"dynamic_partition.time_zone\" = \"UTC\")",
            1,
        )
        .unwrap()
        .table;
        let text = t.show_create_table();
        assert!(
            text.ends_with("PROPERTIES (\n\"compression\" = \"LZ4\",\n\"dynamic_partition.enable\" = \"true\",\n\"dynamic_partition.end\" = \"3\",\n\"dynamic_partition.history_partition_num\" = \"0\",\n\"dynamic_partition.prefix\" = \"p\",\n\"dynamic_partition.start\" = \"-2147483648\",\n\"dynamic_partition.time_unit\" = \"DAY\",\n\"dynamic_partition.time_zone\" = \"UTC\",\n\"fast_schema_evolution\" = \"true\",\n\"replicated_storage\" = \"true\",\n\"replication_num\" = \"1\"\n);"),
            "{text}"
        );
        // Without a time zone, the FE's.
        let t = analyze(
            "CREATE TABLE d (dt date, v int) PARTITION BY RANGE(dt) () DISTRIBUTED BY HASH(v) PROPERTIES (\"dynamic_partition.time_unit\" = \"DAY\", \"dynamic_partition.end\" = \"3\")",
            1,
        )
        .unwrap()
        .table;
        assert_eq!(
            t.properties.get("dynamic_partition.time_zone"),
            Some(&host_time_zone())
        );
        // An unpartitioned table does not read them.
        let e = analyze(
            "CREATE TABLE u (v int) DISTRIBUTED BY HASH(v) PROPERTIES (\"dynamic_partition.enable\" = \"true\")",
            1,
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "Unknown properties: {dynamic_partition.enable=true}"
        );
    }

    #[test]
    fn errors_use_starrocks_texts_and_codes() {
        let e = analyze("CREATE TABLE t (a int, A int) DISTRIBUTED BY HASH(a)", 1).unwrap_err();
        assert_eq!(
            (e.errno, e.message.as_str()),
            (1060, "Duplicate column name 'A'")
        );
        let e = analyze(
            "CREATE TABLE t (a int SUM, b int) AGGREGATE KEY(a) DISTRIBUTED BY HASH(a)",
            1,
        )
        .unwrap_err();
        assert_eq!(e.errno, 5003);
        let e = analyze(
            "CREATE TABLE t (a int) DISTRIBUTED BY HASH(a) PROPERTIES (\"foo\" = \"bar\")",
            1,
        )
        .unwrap_err();
        assert_eq!(e.message, "Unknown properties: {foo=bar}");
        let e = analyze(
            "CREATE TABLE t (a int, b int) UNIQUE KEY(a) DISTRIBUTED BY RANDOM",
            1,
        )
        .unwrap_err();
        assert!(e
            .message
            .contains("Random distribution only support DUP_KEYS"));
        let e = analyze("CREATE TABLE t (a double, b int) DISTRIBUTED BY HASH(b)", 1).unwrap_err();
        assert!(
            e.message
                .contains("Data type of first column cannot be DOUBLE"),
            "{}",
            e.message
        );
        let e = analyze(
            "CREATE TABLE t (a int, b int) DUPLICATE KEY(b) DISTRIBUTED BY HASH(a)",
            1,
        )
        .unwrap_err();
        assert!(
            e.message.contains("Key columns should be a ordered prefix"),
            "{}",
            e.message
        );
        let e = analyze(
            "CREATE TABLE t (a int) DISTRIBUTED BY HASH(a) PROPERTIES (\"replication_num\" = \"0\")",
            1,
        )
        .unwrap_err();
        assert_eq!(e.message, "Replication num should larger than 0");
    }
}
