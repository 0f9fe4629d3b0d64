//! SHOW PROC '/dbs' and '/dbs/<dbId or name>': `DbsProcDir` (one row per database, by id)
//! and `TablesProcDir` (one row per table of a database, by id), with StarRocks 3.4's titles
//! and value formats. information_schema (id 1) and sys (id 100) are listed with the ids
//! StarRocks gives them (`SystemId`); `_statistics_` has no id in starload and is left out.

use crate::catalog::partition_info::{ExpressionPartitionInfo, PartitionInfo};
use crate::catalog::Table;
use crate::cluster::show::capacity;
use crate::context::FeContext;
use crate::java_text::fmt_time;
use crate::query::system_tables;
use crate::result::ResultSet;

/// `DbsProcDir.TITLE_NAMES`.
pub const DBS_TITLES: &[&str] = &[
    "DbId",
    "DbName",
    "TableNum",
    "Quota",
    "LastConsistencyCheckTime",
    "ReplicaQuota",
];

/// `TablesProcDir.TITLE_NAMES`.
pub const TABLES_TITLES: &[&str] = &[
    "TableId",
    "TableName",
    "IndexNum",
    "PartitionColumnName",
    "PartitionNum",
    "State",
    "Type",
    "LastConsistencyCheckTime",
    "ReplicaCount",
    "PartitionType",
    "StoragePath",
];

/// `SystemId.INFORMATION_SCHEMA_DB_ID` and `SystemId.SYS_DB_ID`.
const INFORMATION_SCHEMA_DB_ID: i64 = 1;
const SYS_DB_ID: i64 = 100;

/// A database's data and replica quota when none was set (`FeConstants`): `Long.MAX_VALUE`.
const DEFAULT_QUOTA: i64 = i64::MAX;

/// SHOW PROC '/dbs'.
pub fn dbs(ctx: &FeContext) -> ResultSet {
    let mut dbs: Vec<(i64, String, usize)> = ctx
        .catalog
        .list_databases()
        .iter()
        .map(|d| {
            let n = ctx.catalog.list_tables(&d.name).map_or(0, |t| t.len());
            (d.id, d.name.clone(), n)
        })
        .collect();
    dbs.push((
        INFORMATION_SCHEMA_DB_ID,
        "information_schema".into(),
        system_tables::names().count(),
    ));
    dbs.push((SYS_DB_ID, "sys".into(), 0));
    dbs.sort();
    let rows = dbs
        .into_iter()
        .map(|(id, name, tables)| {
            vec![
                Some(id.to_string()),
                Some(name),
                Some(tables.to_string()),
                Some(capacity(DEFAULT_QUOTA)),
                // Never checked: `TimeUtils.longToTimeString(-1)`.
                Some(fmt_time(-1, "UTC")),
                Some(DEFAULT_QUOTA.to_string()),
            ]
        })
        .collect();
    ResultSet {
        rows,
        ..ResultSet::with_titles(DBS_TITLES)
    }
}

/// SHOW PROC '/dbs/<dbIdOrName>': None when no user database has that id or name
/// (`DbsProcDir.lookup` fails, the caller answers "Unknown proc node path").
pub fn tables(ctx: &FeContext, db_id_or_name: &str) -> Option<ResultSet> {
    let db = match db_id_or_name.parse::<i64>() {
        Ok(id) => ctx.catalog.get_db_by_id(id),
        Err(_) => ctx.catalog.get_db(db_id_or_name),
    }?;
    let mut tables = ctx.catalog.list_tables(&db.name).unwrap_or_default();
    tables.sort_by_key(|t| t.id);
    let rows = tables.iter().map(|t| table_row(t)).collect();
    Some(ResultSet {
        rows,
        ..ResultSet::with_titles(TABLES_TITLES)
    })
}

fn table_row(t: &Table) -> Vec<Option<String>> {
    let info = &t.partition_info;
    let partition_num = match info {
        PartitionInfo::Unpartitioned => 1,
        _ => t.partitions.len(),
    };
    vec![
        Some(t.id.to_string()),
        Some(t.name.clone()),
        // One index: starload has no rollups.
        Some("1".into()),
        Some(
            info.columns()
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Some(partition_num.to_string()),
        Some("NORMAL".into()),
        Some("OLAP".into()),
        Some(fmt_time(-1, "UTC")),
        Some(crate::handler::show_data::replica_count(t).to_string()),
        Some(partition_type(info).into()),
        // Shared-nothing tables have no storage path (`FeConstants.NULL_STRING`).
        Some("NULL".into()),
    ]
}

/// `PartitionType.typeString`: automatic list partitioning is a LIST table in StarRocks,
/// `date_trunc`/`time_slice` partitioning an EXPR_RANGE one.
fn partition_type(info: &PartitionInfo) -> &'static str {
    match info {
        PartitionInfo::Unpartitioned => "UNPARTITIONED",
        PartitionInfo::Range(_) => "RANGE",
        PartitionInfo::List(_) | PartitionInfo::Expression(ExpressionPartitionInfo::Columns(_)) => {
            "LIST"
        }
        PartitionInfo::Expression(ExpressionPartitionInfo::Time { .. }) => "EXPR_RANGE",
    }
}
