//! The persisted catalog objects: `Database` (key 0x10) and `Table` (key 0x11, with its columns,
//! partitions, tablets and partition versions), and how StarRocks prints a table: SHOW CREATE
//! TABLE (`AstToStringBuilder.getDdlStmt`, `Column.toSql`), DESC rows (`IndexSchemaProcNode`)
//! and SHOW COLUMNS rows (`ShowExecutor.visitShowColumnStatement`).
//!
//! Invariants: key columns come first and in key order; an unpartitioned table has exactly one
//! partition, a range/list table at least one, an expression-partitioned table zero or more
//! (created as rows arrive); every partition id in `partition_info` is in `partitions` and
//! every partition has `bucket_num` tablets, each with `replication_num` replicas on distinct
//! backends; `visible_version <= committed_version`.

use super::partition_info::PartitionInfo;
use super::partition_show::partition_clause_sql;
use super::types::DataType;
use serde::{Deserialize, Serialize};
use starload_proto::types::{AggType as ProtoAgg, ColumnDef, KeysType as ProtoKeys, TabletSchema};
use std::collections::BTreeMap;

/// Version of a new, empty partition (StarRocks `Partition.PARTITION_INIT_VERSION`).
pub const PARTITION_INIT_VERSION: i64 = 1;

/// A database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Database {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub create_time_ms: i64,
}

/// Table model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeysType {
    Duplicate,
    Aggregate,
    Unique,
    Primary,
}

impl KeysType {
    /// `KeysType.toSql()`: `DUPLICATE KEY` etc.
    pub fn to_sql(self) -> &'static str {
        match self {
            KeysType::Duplicate => "DUPLICATE KEY",
            KeysType::Aggregate => "AGGREGATE KEY",
            KeysType::Unique => "UNIQUE KEY",
            KeysType::Primary => "PRIMARY KEY",
        }
    }

    /// `KeysType.name()`: `DUP_KEYS` etc. (DESC ALL, SHOW TABLE STATUS-like outputs).
    pub fn name(self) -> &'static str {
        match self {
            KeysType::Duplicate => "DUP_KEYS",
            KeysType::Aggregate => "AGG_KEYS",
            KeysType::Unique => "UNIQUE_KEYS",
            KeysType::Primary => "PRIMARY_KEYS",
        }
    }

    /// information_schema.columns COLUMN_KEY of a key column.
    pub fn column_key(self) -> &'static str {
        match self {
            KeysType::Duplicate => "DUP",
            KeysType::Aggregate => "AGG",
            KeysType::Unique => "UNI",
            KeysType::Primary => "PRI",
        }
    }

    pub fn to_proto(self) -> ProtoKeys {
        match self {
            KeysType::Duplicate => ProtoKeys::DupKeys,
            KeysType::Aggregate => ProtoKeys::AggKeys,
            KeysType::Unique => ProtoKeys::UniqueKeys,
            KeysType::Primary => ProtoKeys::PrimaryKeys,
        }
    }
}

/// Aggregate type of a value column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AggType {
    Sum,
    Max,
    Min,
    Replace,
    ReplaceIfNotNull,
}

impl AggType {
    pub fn name(self) -> &'static str {
        match self {
            AggType::Sum => "SUM",
            AggType::Max => "MAX",
            AggType::Min => "MIN",
            AggType::Replace => "REPLACE",
            AggType::ReplaceIfNotNull => "REPLACE_IF_NOT_NULL",
        }
    }

    /// Parses an aggregate name (case-insensitive).
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "SUM" => AggType::Sum,
            "MAX" => AggType::Max,
            "MIN" => AggType::Min,
            "REPLACE" => AggType::Replace,
            "REPLACE_IF_NOT_NULL" => AggType::ReplaceIfNotNull,
            _ => return None,
        })
    }

    fn to_proto(self) -> ProtoAgg {
        match self {
            AggType::Sum => ProtoAgg::Sum,
            AggType::Max => ProtoAgg::Max,
            AggType::Min => ProtoAgg::Min,
            AggType::Replace => ProtoAgg::Replace,
            AggType::ReplaceIfNotNull => ProtoAgg::ReplaceIfNotNull,
        }
    }
}

/// A column default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DefaultValue {
    /// `DEFAULT "v"`: the text as given.
    Literal(String),
    /// `DEFAULT CURRENT_TIMESTAMP`.
    CurrentTimestamp,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub data_type: DataType,
    pub is_key: bool,
    pub nullable: bool,
    /// Aggregate type of a value column of an AGGREGATE/UNIQUE/PRIMARY table.
    pub agg: Option<AggType>,
    /// True when `agg` was not written by the user (UNIQUE/PRIMARY values get REPLACE): then
    /// it is not printed (`Column.isAggregationTypeImplicit`).
    #[serde(default)]
    pub agg_implicit: bool,
    pub default: Option<DefaultValue>,
    #[serde(default)]
    pub comment: String,
}

/// Escapes a string for a double-quoted literal in SHOW CREATE TABLE.
fn escape_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

impl Column {
    /// `Column.toSql` (with the aggregate name) or `toSqlWithoutAggregateTypeName` (PRIMARY
    /// KEY tables): `` `k` bigint(20) SUM NULL DEFAULT "0" COMMENT "c" ``.
    pub fn to_sql(&self, with_agg: bool) -> String {
        let mut s = format!("`{}` {}", self.name, self.data_type.to_sql());
        if with_agg && !self.agg_implicit {
            if let Some(a) = self.agg {
                s.push(' ');
                s.push_str(a.name());
            }
        }
        s.push_str(if self.nullable {
            " NULL "
        } else {
            " NOT NULL "
        });
        match &self.default {
            Some(DefaultValue::Literal(v)) => {
                s.push_str(&format!("DEFAULT \"{}\" ", escape_quoted(v)));
            }
            Some(DefaultValue::CurrentTimestamp) => s.push_str("DEFAULT CURRENT_TIMESTAMP "),
            None => {}
        }
        s.push_str(&format!("COMMENT \"{}\"", escape_quoted(&self.comment)));
        s
    }

    /// The default as DESC / SHOW COLUMNS print it (`Column.getMetaDefaultValue`).
    pub fn meta_default(&self) -> Option<String> {
        match &self.default {
            Some(DefaultValue::Literal(v)) => Some(v.clone()),
            Some(DefaultValue::CurrentTimestamp) => Some("CURRENT_TIMESTAMP".into()),
            None => None,
        }
    }

    /// SHOW [FULL] COLUMNS Extra: the aggregate name unless implicit
    /// (`ShowExecutor.visitShowColumnStatement`; `getMetaDefaultValue` fills a throwaway
    /// list there, so `DEFAULT_GENERATED` never shows).
    pub fn show_columns_extra(&self) -> String {
        match self.agg {
            Some(a) if !self.agg_implicit => a.name().to_string(),
            _ => String::new(),
        }
    }

    /// DESC Extra. `agg_name` is the aggregate as `Column.getAggregationType().name()` gives
    /// it (None = not printed); then `DEFAULT_GENERATED` for a CURRENT_TIMESTAMP default,
    /// which `getMetaDefaultValue(extras)` appends.
    fn desc_extra(&self, agg_name: Option<&str>) -> String {
        let mut extras: Vec<&str> = agg_name.into_iter().collect();
        if matches!(self.default, Some(DefaultValue::CurrentTimestamp)) {
            extras.push("DEFAULT_GENERATED");
        }
        extras.join(",")
    }

    /// `Column.getAggregationType().name()` in StarRocks's model: None for key columns,
    /// `NONE` for a DUPLICATE table's value columns, the (possibly implicit) aggregate
    /// otherwise (`REPLACE` for UNIQUE/PRIMARY values).
    fn agg_type_name(&self, keys_type: KeysType) -> Option<&'static str> {
        if self.is_key {
            return None;
        }
        match (keys_type, self.agg) {
            (_, Some(a)) => Some(a.name()),
            (KeysType::Duplicate, None) => Some("NONE"),
            _ => None,
        }
    }

    pub fn to_proto(&self) -> ColumnDef {
        ColumnDef {
            name: self.name.clone(),
            r#type: Some(self.data_type.to_proto()),
            is_key: self.is_key,
            nullable: self.nullable,
            agg: match (self.is_key, self.agg) {
                (true, _) => ProtoAgg::Unspecified as i32,
                (false, None) => ProtoAgg::AggNone as i32,
                (false, Some(a)) => a.to_proto() as i32,
            },
            default_value: match &self.default {
                Some(DefaultValue::Literal(v)) => Some(v.clone()),
                _ => None,
            },
            default_current_timestamp: matches!(self.default, Some(DefaultValue::CurrentTimestamp)),
            comment: self.comment.clone(),
        }
    }
}

/// Distribution of rows over buckets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DistributionKind {
    /// `DISTRIBUTED BY HASH(cols)`.
    Hash(Vec<String>),
    /// `DISTRIBUTED BY RANDOM` (DUPLICATE KEY tables only).
    Random,
}

/// Distribution with its bucket count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distribution {
    pub kind: DistributionKind,
    /// Buckets of every partition.
    pub bucket_num: u32,
    /// True when the user wrote `BUCKETS n`: only then SHOW CREATE TABLE prints it.
    pub buckets_given: bool,
}

impl Distribution {
    /// `HashDistributionInfo.toSql` / `RandomDistributionInfo.toSql`: note the trailing space
    /// after `BUCKETS n`.
    pub fn to_sql(&self) -> String {
        let mut s = match &self.kind {
            DistributionKind::Hash(cols) => format!(
                "DISTRIBUTED BY HASH({})",
                cols.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            DistributionKind::Random => "DISTRIBUTED BY RANDOM".to_string(),
        };
        if self.buckets_given {
            s.push_str(&format!(" BUCKETS {} ", self.bucket_num));
        }
        s
    }
}

/// One replica-set of one bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tablet {
    pub id: i64,
    pub bucket: u32,
    /// Backend ids holding a replica, distinct.
    pub replicas: Vec<i64>,
}

/// A partition (a non-partitioned table has one, named like the table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    pub id: i64,
    pub name: String,
    /// Highest version whose publish reached a quorum of every tablet: what queries read.
    pub visible_version: i64,
    /// When `visible_version` last changed (ms since epoch).
    #[serde(default)]
    pub visible_version_time_ms: i64,
    /// Highest version assigned to a committed transaction (`>= visible_version`).
    pub committed_version: i64,
    pub tablets: Vec<Tablet>,
}

/// An OLAP table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub id: i64,
    pub db_id: i64,
    pub name: String,
    pub keys_type: KeysType,
    pub columns: Vec<Column>,
    pub distribution: Distribution,
    /// `ORDER BY (...)` as written (column names), if any.
    #[serde(default)]
    pub order_by: Option<Vec<String>>,
    /// Properties as SHOW CREATE TABLE prints them (sorted by key), defaults included.
    pub properties: BTreeMap<String, String>,
    pub replication_num: u32,
    #[serde(default)]
    pub comment: String,
    pub create_time_ms: i64,
    pub partitions: Vec<Partition>,
    /// How rows are split into `partitions` (tables of older catalogs: unpartitioned).
    #[serde(default)]
    pub partition_info: PartitionInfo,
    /// Bumped by schema changes (none yet); sent to BEs in `TabletSchema`.
    #[serde(default)]
    pub schema_version: i64,
    /// Partitions an INSERT OVERWRITE is loading: invisible to queries, SHOW and routine
    /// load until they replace their originals in one catalog write.
    #[serde(default)]
    pub temp_partitions: Vec<TempPartition>,
}

/// A partition being loaded by INSERT OVERWRITE (StarRocks's temporary partitions of an
/// `InsertOverwriteJob`): same bounds and bucket count as the partition it `replaces`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TempPartition {
    pub replaces: i64,
    pub partition: Partition,
}

impl Table {
    /// The column named `name` (case-insensitive, as StarRocks resolves column names).
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Index of column `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Key columns in key order.
    pub fn key_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.is_key)
    }

    /// The partition with id `id`, temporary ones included (transactions load into both).
    pub fn partition(&self, id: i64) -> Option<&Partition> {
        self.all_partitions().find(|p| p.id == id)
    }

    /// [`Table::partition`], mutable.
    pub fn partition_mut(&mut self, id: i64) -> Option<&mut Partition> {
        self.partitions
            .iter_mut()
            .chain(self.temp_partitions.iter_mut().map(|t| &mut t.partition))
            .find(|p| p.id == id)
    }

    /// The partitions queries see, then the temporary ones.
    pub fn all_partitions(&self) -> impl Iterator<Item = &Partition> {
        self.partitions
            .iter()
            .chain(self.temp_partitions.iter().map(|t| &t.partition))
    }

    /// Every tablet of every partition, temporary ones included (replica inventory, aborts,
    /// repair; queries and loads use [`Table::tablets`]).
    pub fn all_tablets(&self) -> impl Iterator<Item = (&Partition, &Tablet)> {
        self.all_partitions()
            .flat_map(|p| p.tablets.iter().map(move |t| (p, t)))
    }

    /// The partition named `name` (case-insensitive, as StarRocks's `getPartition(name)`).
    pub fn partition_by_name(&self, name: &str) -> Option<&Partition> {
        self.partitions
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Every tablet of every partition.
    pub fn tablets(&self) -> impl Iterator<Item = (&Partition, &Tablet)> {
        self.partitions
            .iter()
            .flat_map(|p| p.tablets.iter().map(move |t| (p, t)))
    }

    /// Everything a BE needs to store, merge and scan this table's tablets.
    pub fn tablet_schema(&self) -> TabletSchema {
        let sort_key_idx = self
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_key)
            .map(|(i, _)| i as u32)
            .collect();
        let distribution_idx = match &self.distribution.kind {
            DistributionKind::Hash(cols) => cols
                .iter()
                .filter_map(|c| self.column_index(c).map(|i| i as u32))
                .collect(),
            DistributionKind::Random => Vec::new(),
        };
        TabletSchema {
            keys_type: self.keys_type.to_proto() as i32,
            columns: self.columns.iter().map(Column::to_proto).collect(),
            sort_key_idx,
            distribution_idx,
            bucket_num: self.distribution.bucket_num,
            schema_version: self.schema_version,
        }
    }

    /// SHOW CREATE TABLE text, byte for byte as `AstToStringBuilder.getDdlStmt` writes it for
    /// an OLAP table (PRIMARY KEY tables print columns without aggregate names).
    pub fn show_create_table(&self) -> String {
        let with_agg = self.keys_type != KeysType::Primary;
        let mut sb = format!("CREATE TABLE `{}` (\n", self.name);
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("  {}", c.to_sql(with_agg)))
            .collect();
        sb.push_str(&cols.join(",\n"));
        sb.push_str("\n) ENGINE=OLAP \n");
        sb.push_str(self.keys_type.to_sql());
        sb.push('(');
        sb.push_str(
            &self
                .key_columns()
                .map(|c| format!("`{}`", c.name))
                .collect::<Vec<_>>()
                .join(", "),
        );
        sb.push(')');
        if !self.comment.is_empty() {
            sb.push_str(&format!("\nCOMMENT \"{}\"", escape_quoted(&self.comment)));
        }
        sb.push('\n');
        if let Some(clause) = partition_clause_sql(&self.partition_info, &|id| {
            self.partition(id).map(|p| p.name.clone())
        }) {
            sb.push_str(&clause);
            sb.push('\n');
        }
        sb.push_str(&self.distribution.to_sql());
        if let Some(order) = &self.order_by {
            sb.push_str("\nORDER BY(");
            sb.push_str(
                &order
                    .iter()
                    .map(|c| {
                        let name = self.column(c).map(|c| c.name.as_str()).unwrap_or(c);
                        format!("`{name}`")
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            sb.push(')');
        }
        sb.push_str("\nPROPERTIES (\n");
        sb.push_str(
            &self
                .properties
                .iter()
                .map(|(k, v)| format!("\"{k}\" = \"{v}\""))
                .collect::<Vec<_>>()
                .join(",\n"),
        );
        sb.push_str("\n);");
        sb
    }

    /// DESC rows: `Field, Type, Null, Key, Default, Extra` (`IndexSchemaProcNode`): lower-case
    /// canonical type, `YES`/`NO`, key as `true`/`false`.
    ///
    /// `all` = DESC t ALL's per-column part. Extra differs between the two on purpose, as in
    /// StarRocks 3.4: DESC t goes through `IndexInfoProcDir.lookup`, which hides the
    /// aggregate type of OLAP tables (`setHideAggregationType(true)`), so a SUM column shows
    /// an empty Extra; DESC t ALL is built by `ShowStmtAnalyzer.descInternalCatalogTable`,
    /// which prints `getAggregationType().name()` for every table but PRIMARY KEY ones
    /// (`SUM`, `REPLACE` for UNIQUE values, `NONE` for DUPLICATE values).
    pub fn desc_rows(&self, all: bool) -> Vec<Vec<Option<String>>> {
        self.columns
            .iter()
            .map(|c| {
                let agg = if all && self.keys_type != KeysType::Primary {
                    c.agg_type_name(self.keys_type)
                } else {
                    None
                };
                vec![
                    Some(c.name.clone()),
                    Some(c.data_type.canonical_name()),
                    Some(if c.nullable { "YES" } else { "NO" }.to_string()),
                    Some(c.is_key.to_string()),
                    c.meta_default(),
                    Some(c.desc_extra(agg)),
                ]
            })
            .collect()
    }

    /// SHOW [FULL] COLUMNS rows. Non-FULL: `Field, Type, Null, Key, Default, Extra`; FULL:
    /// `Field, Type, Collation, Null, Key, Default, Extra, Privileges, Comment`. Key is
    /// `YES`/`NO` here (`ShowExecutor.visitShowColumnStatement`).
    pub fn show_columns_rows(&self, full: bool) -> Vec<Vec<Option<String>>> {
        self.columns
            .iter()
            .map(|c| {
                let null = Some(if c.nullable { "YES" } else { "NO" }.to_string());
                let key = Some(if c.is_key { "YES" } else { "NO" }.to_string());
                if full {
                    vec![
                        Some(c.name.clone()),
                        Some(c.data_type.canonical_name()),
                        Some(String::new()),
                        null,
                        key,
                        c.meta_default(),
                        Some(c.show_columns_extra()),
                        Some(String::new()),
                        Some(c.comment.clone()),
                    ]
                } else {
                    vec![
                        Some(c.name.clone()),
                        Some(c.data_type.canonical_name()),
                        null,
                        key,
                        c.meta_default(),
                        Some(c.show_columns_extra()),
                    ]
                }
            })
            .collect()
    }

    /// Last time any partition's visible version changed (UPDATE_TIME of SHOW TABLE STATUS).
    pub fn update_time_ms(&self) -> i64 {
        self.partitions
            .iter()
            .map(|p| p.visible_version_time_ms)
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::types::DecimalKind;

    fn col(name: &str, t: DataType, key: bool, nullable: bool, comment: &str) -> Column {
        Column {
            name: name.into(),
            data_type: t,
            is_key: key,
            nullable,
            agg: None,
            agg_implicit: false,
            default: None,
            comment: comment.into(),
        }
    }

    fn docs_example() -> Table {
        let mut v1 = col("v1", DataType::Char(Some(10)), false, true, "");
        v1.agg = Some(AggType::Replace);
        let mut v2 = col("v2", DataType::Int, false, true, "");
        v2.agg = Some(AggType::Sum);
        let mut k2 = col(
            "k2",
            DataType::Decimal {
                kind: DecimalKind::D64,
                precision: 10,
                scale: 2,
            },
            true,
            true,
            "",
        );
        k2.default = Some(DefaultValue::Literal("10.5".into()));
        Table {
            id: 1,
            db_id: 2,
            name: "example_table".into(),
            keys_type: KeysType::Aggregate,
            columns: vec![col("k1", DataType::Tinyint, true, true, ""), k2, v1, v2],
            distribution: Distribution {
                kind: DistributionKind::Hash(vec!["k1".into()]),
                bucket_num: 10,
                buckets_given: true,
            },
            order_by: None,
            properties: [
                ("compression", "LZ4"),
                ("fast_schema_evolution", "true"),
                ("replicated_storage", "true"),
                ("replication_num", "3"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            replication_num: 3,
            comment: "my first starrocks table".into(),
            create_time_ms: 0,
            partitions: vec![],
            partition_info: PartitionInfo::Unpartitioned,
            temp_partitions: Vec::new(),
            schema_version: 0,
        }
    }

    #[test]
    fn show_create_table_matches_starrocks_layout() {
        let expected = "CREATE TABLE `example_table` (\n  `k1` tinyint(4) NULL COMMENT \"\",\n  `k2` decimal64(10, 2) NULL DEFAULT \"10.5\" COMMENT \"\",\n  `v1` char(10) REPLACE NULL COMMENT \"\",\n  `v2` int(11) SUM NULL COMMENT \"\"\n) ENGINE=OLAP \nAGGREGATE KEY(`k1`, `k2`)\nCOMMENT \"my first starrocks table\"\nDISTRIBUTED BY HASH(`k1`) BUCKETS 10 \nPROPERTIES (\n\"compression\" = \"LZ4\",\n\"fast_schema_evolution\" = \"true\",\n\"replicated_storage\" = \"true\",\n\"replication_num\" = \"3\"\n);";
        assert_eq!(docs_example().show_create_table(), expected);
    }

    #[test]
    fn desc_rows_use_canonical_names_and_java_booleans() {
        let rows = docs_example().desc_rows(false);
        assert_eq!(
            rows[1],
            vec![
                Some("k2".to_string()),
                Some("decimal(10,2)".to_string()),
                Some("YES".to_string()),
                Some("true".to_string()),
                Some("10.5".to_string()),
                Some(String::new()),
            ]
        );
        // DESC t hides the aggregate of an OLAP table (IndexInfoProcDir.lookup).
        assert_eq!(rows[3][5].as_deref(), Some(""));
        assert_eq!(rows[3][4], None);
    }

    #[test]
    fn desc_all_prints_aggregate_names_as_starrocks_3_4() {
        let mut t = docs_example();
        let rows = t.desc_rows(true);
        let extra = |rows: &Vec<Vec<Option<String>>>, i: usize| rows[i][5].clone().unwrap();
        assert_eq!(extra(&rows, 0), "");
        assert_eq!(extra(&rows, 2), "REPLACE");
        assert_eq!(extra(&rows, 3), "SUM");
        // DUPLICATE values are NONE, UNIQUE values the implicit REPLACE, PRIMARY nothing.
        t.keys_type = KeysType::Duplicate;
        t.columns[2].agg = None;
        t.columns[3].agg = None;
        t.columns[3].default = Some(DefaultValue::CurrentTimestamp);
        let rows = t.desc_rows(true);
        assert_eq!(extra(&rows, 2), "NONE");
        assert_eq!(extra(&rows, 3), "NONE,DEFAULT_GENERATED");
        assert_eq!(extra(&t.desc_rows(false), 3), "DEFAULT_GENERATED");
        t.keys_type = KeysType::Unique;
        t.columns[2].agg = Some(AggType::Replace);
        t.columns[2].agg_implicit = true;
        assert_eq!(extra(&t.desc_rows(true), 2), "REPLACE");
        // SHOW COLUMNS: implicit aggregates and DEFAULT_GENERATED are not printed.
        assert_eq!(t.show_columns_rows(false)[2][5].as_deref(), Some(""));
        assert_eq!(t.show_columns_rows(false)[3][5].as_deref(), Some(""));
        t.keys_type = KeysType::Primary;
        assert_eq!(extra(&t.desc_rows(true), 2), "");
        assert_eq!(
            docs_example().show_columns_rows(true)[3][6].as_deref(),
            Some("SUM")
        );
    }

    #[test]
    fn tablet_schema_indexes_keys_and_distribution() {
        let s = docs_example().tablet_schema();
        assert_eq!(s.sort_key_idx, vec![0, 1]);
        assert_eq!(s.distribution_idx, vec![0]);
        assert_eq!(s.bucket_num, 10);
        assert_eq!(s.columns[3].agg, ProtoAgg::Sum as i32);
    }
}
