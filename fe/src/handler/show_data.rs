//! SHOW DATA [FROM [db.]t] (`ShowExecutor.visitShowDataStatement`, titles from
//! `ShowResultMetaFactory`). Sizes print as `DebugUtil.getByteUint` with three decimals and a
//! space before the unit (`0.000 B`), quotas are StarRocks's defaults (no ALTER DATABASE SET
//! QUOTA in starload).
//!
//! Sizes and row counts are 0: StarRocks sums the per-replica data size and row count the BEs
//! report with their tablets; starload's heartbeat reports only tablet versions. Replica counts
//! are real (tablets x replicas of every partition).

use crate::catalog::Table;
use crate::cluster::show::capacity;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::result::{QueryResult, ResultSet};
use crate::session::Session;
use crate::sql::ddl::TableRef;

/// Titles of SHOW DATA for a database.
pub const DB_TITLES: &[&str] = &["TableName", "Size", "ReplicaCount"];
/// Titles of SHOW DATA FROM a table.
pub const TABLE_TITLES: &[&str] = &["TableName", "IndexName", "Size", "ReplicaCount", "RowCount"];

/// `FeConstants.default_db_data_quota_bytes` and `default_db_replica_quota_size`.
const DEFAULT_QUOTA: i64 = i64::MAX;

/// `OlapTable.getReplicaCount`: replicas of every tablet of every partition.
pub fn replica_count(t: &Table) -> i64 {
    t.partitions
        .iter()
        .flat_map(|p| &p.tablets)
        .map(|tablet| tablet.replicas.len() as i64)
        .sum()
}

pub fn execute(
    ctx: &FeContext,
    session: &Session,
    table: Option<TableRef>,
) -> SqlResult<QueryResult> {
    let db = match table.as_ref().and_then(|t| t.db.clone()) {
        Some(d) => d,
        None if !session.current_db.is_empty() => session.current_db.clone(),
        None => return Err(SqlError::no_db()),
    };
    let Some(db_meta) = ctx.catalog.get_db(&db) else {
        return Err(SqlError::bad_db(&db));
    };
    let (titles, rows) = match table {
        None => {
            let mut tables = ctx.catalog.list_tables(&db).unwrap_or_default();
            tables.retain(|t| {
                crate::handler::authorize::can_see_table(ctx, session, db_meta.id, t.id)
            });
            tables.sort_by(|a, b| a.name.cmp(&b.name));
            (DB_TITLES, db_rows(&tables))
        }
        Some(t) => {
            let Some(table) = ctx.catalog.get_table(&db, &t.table) else {
                return Err(SqlError::bad_table(&t.table));
            };
            (TABLE_TITLES, table_rows(&table))
        }
    };
    Ok(QueryResult::Rows(ResultSet {
        rows,
        ..ResultSet::with_titles(titles)
    }))
}

/// One row per table (sorted by name), then Total, Quota and Left.
pub fn db_rows(tables: &[std::sync::Arc<Table>]) -> Vec<Vec<Option<String>>> {
    let row = |a: &str, size: i64, replicas: i64| {
        vec![
            Some(a.to_string()),
            Some(capacity(size)),
            Some(replicas.to_string()),
        ]
    };
    let mut rows = Vec::new();
    let (mut total_size, mut total_replicas) = (0i64, 0i64);
    for t in tables {
        let (size, replicas) = (0i64, replica_count(t));
        rows.push(row(&t.name, size, replicas));
        total_size += size;
        total_replicas += replicas;
    }
    rows.push(row("Total", total_size, total_replicas));
    rows.push(row("Quota", DEFAULT_QUOTA, DEFAULT_QUOTA));
    rows.push(row(
        "Left",
        (DEFAULT_QUOTA - total_size).max(0),
        (DEFAULT_QUOTA - total_replicas).max(0),
    ));
    rows
}

/// The base index row (named like the table; starload has no rollups), then Total.
pub fn table_rows(t: &Table) -> Vec<Vec<Option<String>>> {
    let replicas = replica_count(t);
    vec![
        vec![
            Some(t.name.clone()),
            Some(t.name.clone()),
            Some(capacity(0)),
            Some(replicas.to_string()),
            Some("0".into()),
        ],
        vec![
            Some(String::new()),
            Some("Total".into()),
            Some(capacity(0)),
            Some(replicas.to_string()),
            Some(String::new()),
        ],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_database_has_total_quota_and_left() {
        let rows = db_rows(&[]);
        let text: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| c.clone().unwrap_or_default()).collect())
            .collect();
        assert_eq!(
            text,
            vec![
                vec!["Total", "0.000 B", "0"],
                vec!["Quota", "8388608.000 TB", "9223372036854775807"],
                vec!["Left", "8388608.000 TB", "9223372036854775807"],
            ]
        );
    }
}
