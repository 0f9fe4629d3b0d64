//! Executes ddl statements: databases and tables in the catalog, tablets on the BEs, and the
//! SHOW statements that describe them (titles and values as `ShowExecutor` and
//! `ShowResultMetaFactory` print them).
//!
//! CREATE TABLE order: analyse -> place replicas on alive BEs -> CreateTablet on every replica
//! -> persist the table (one MetaBatch). A failure before the last step leaves no catalog
//! trace (created tablets are dropped again). DROP persists first, then drops tablets in the
//! background (best effort).

use crate::catalog::{Catalog, Table};
use crate::clock::now_ms;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::handler::create_table::analyze_create_table;
use crate::handler::partition_analysis::{analyze_partition_desc, NamedPartition};
use crate::handler::partition_ddl::{build_partitions, table_properties, with_ids};
use crate::handler::resolve::{lookup_table, lookup_table_bare, resolve_db};
use crate::query::system_tables;
use crate::result::{QueryResult, ResultSet};
use crate::session::Session;
use crate::sql::ddl::{CreateTableStmt, DdlStmt};
use crate::sql::lexer::like_match_case;
use std::sync::Arc;

/// SHOW TABLE STATUS titles (MySQL's 18).
pub const TABLE_STATUS_TITLES: &[&str] = &[
    "Name",
    "Engine",
    "Version",
    "Row_format",
    "Rows",
    "Avg_row_length",
    "Data_length",
    "Max_data_length",
    "Index_length",
    "Data_free",
    "Auto_increment",
    "Create_time",
    "Update_time",
    "Check_time",
    "Collation",
    "Checksum",
    "Create_options",
    "Comment",
];

/// SHOW INDEX titles.
pub const INDEX_TITLES: &[&str] = &[
    "Table",
    "Non_unique",
    "Key_name",
    "Seq_in_index",
    "Column_name",
    "Collation",
    "Cardinality",
    "Sub_part",
    "Packed",
    "Null",
    "Index_type",
    "Comment",
];

pub async fn execute(
    ctx: &FeContext,
    session: &mut Session,
    stmt: DdlStmt,
) -> SqlResult<QueryResult> {
    // DESC of an information_schema table: its columns from the system table registry.
    if let DdlStmt::Desc { table, all: false } = &stmt {
        let db = table
            .db
            .clone()
            .unwrap_or_else(|| session.current_db.clone());
        if system_tables::is_information_schema(&db) {
            if let Some(rows) = system_tables::desc_rows(&table.table) {
                return Ok(rows_result(
                    &["Field", "Type", "Null", "Key", "Default", "Extra"],
                    rows,
                ));
            }
        }
    }
    match stmt {
        DdlStmt::CreateDatabase {
            name,
            if_not_exists,
        } => {
            check_db_name(&name)?;
            let _ddl = ctx.catalog.ddl_lock().await;
            ctx.catalog.create_database(&name, if_not_exists)?;
            Ok(QueryResult::ok())
        }
        DdlStmt::DropDatabase {
            name, if_exists, ..
        } => {
            if Catalog::is_system_db(&name) {
                return Err(SqlError::plain(format!(
                    "Access denied; system database '{name}' cannot be dropped"
                )));
            }
            let _ddl = ctx.catalog.ddl_lock().await;
            if let Some(tables) = ctx.catalog.drop_database(&name, if_exists)? {
                drop_tablets_in_background(ctx, tables);
            }
            Ok(QueryResult::ok())
        }
        DdlStmt::ShowDatabases { pattern } => {
            let rows = ctx
                .catalog
                .list_database_names()
                .into_iter()
                .filter(|d| {
                    pattern
                        .as_deref()
                        .is_none_or(|p| like_match_case(p, d, true))
                })
                // Only databases the user holds something on or in (StarRocks ShowExecutor).
                .filter(|d| crate::handler::authorize::can_see_db(ctx, session, d))
                .map(|d| vec![Some(d)])
                .collect();
            Ok(rows_result(&["Database"], rows))
        }
        DdlStmt::ShowTables { db, full, pattern } => {
            let db = resolve_db(ctx, session, db)?;
            let mut rows: Vec<(String, &str)> = if db.eq_ignore_ascii_case("information_schema") {
                system_tables::names()
                    .map(|t| (t.to_string(), "SYSTEM VIEW"))
                    .collect()
            } else {
                ctx.catalog
                    .list_tables(&db)
                    .unwrap_or_default()
                    .iter()
                    // Only tables the user holds some privilege on (StarRocks ShowExecutor).
                    .filter(|t| {
                        crate::handler::authorize::can_see_table(ctx, session, t.db_id, t.id)
                    })
                    .map(|t| (t.name.clone(), "BASE TABLE"))
                    // Views share the namespace (StarRocks lists them with Table_type VIEW).
                    .chain(
                        ctx.catalog
                            .list_views(&db)
                            .iter()
                            .filter(|v| {
                                crate::handler::authorize::can_see_table(
                                    ctx, session, v.db_id, v.id,
                                )
                            })
                            .map(|v| (v.name.clone(), "VIEW")),
                    )
                    .collect()
            };
            if let Some(p) = &pattern {
                rows.retain(|(t, _)| like_match_case(p, t, true));
            }
            rows.sort();
            let title = format!("Tables_in_{db}");
            let mut titles = vec![title.as_str()];
            if full {
                titles.push("Table_type");
            }
            let rows = rows
                .into_iter()
                .map(|(t, ty)| {
                    let mut r = vec![Some(t)];
                    if full {
                        r.push(Some(ty.to_string()));
                    }
                    r
                })
                .collect();
            Ok(rows_result(&titles, rows))
        }
        DdlStmt::ShowColumns {
            table,
            full,
            pattern,
        } => {
            let t = lookup_table(ctx, session, &table)?;
            let mut rows = t.show_columns_rows(full);
            if let Some(p) = &pattern {
                rows.retain(|r| {
                    r[0].as_deref()
                        .is_some_and(|n| like_match_case(p, n, false))
                });
            }
            Ok(rows_result(show_columns_titles(full), rows))
        }
        DdlStmt::Desc { table, all } => {
            let t = lookup_table_bare(ctx, session, &table)?;
            if all {
                let rows = t
                    .desc_rows(true)
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let mut row = if i == 0 {
                            vec![Some(t.name.clone()), Some(t.keys_type.name().to_string())]
                        } else {
                            vec![Some(String::new()), Some(String::new())]
                        };
                        row.extend(r);
                        row
                    })
                    .collect();
                Ok(rows_result(
                    &[
                        "IndexName",
                        "IndexKeysType",
                        "Field",
                        "Type",
                        "Null",
                        "Key",
                        "Default",
                        "Extra",
                    ],
                    rows,
                ))
            } else {
                Ok(rows_result(
                    &["Field", "Type", "Null", "Key", "Default", "Extra"],
                    t.desc_rows(false),
                ))
            }
        }
        DdlStmt::ShowCreateTable { table } => {
            let t = lookup_table(ctx, session, &table)?;
            Ok(rows_result(
                &["Table", "Create Table"],
                vec![vec![Some(t.name.clone()), Some(t.show_create_table())]],
            ))
        }
        DdlStmt::ShowCreateDatabase { name } => {
            if !ctx.catalog.db_exists(&name) {
                return Err(SqlError::bad_db(&name).in_analyzer());
            }
            Ok(rows_result(
                &["Database", "Create Database"],
                vec![vec![
                    Some(name.clone()),
                    Some(format!("CREATE DATABASE `{name}`")),
                ]],
            ))
        }
        DdlStmt::ShowTableStatus { db, pattern } => {
            // An unknown database lists nothing (ShowExecutor checks `db != null`, no error).
            let db = match db {
                Some(d) => d,
                None if !session.current_db.is_empty() => session.current_db.clone(),
                None => return Err(SqlError::no_db()),
            };
            let tz = session.vars.get_str("time_zone");
            let rows = ctx
                .catalog
                .list_tables(&db)
                .unwrap_or_default()
                .iter()
                .filter(|t| {
                    pattern
                        .as_deref()
                        .is_none_or(|p| like_match_case(p, &t.name, true))
                })
                // Only tables the user holds some privilege on (checkAnyActionOnTableLikeObject).
                .filter(|t| crate::handler::authorize::can_see_table(ctx, session, t.db_id, t.id))
                .map(|t| table_status_row(t, &tz))
                .collect();
            Ok(rows_result(TABLE_STATUS_TITLES, rows))
        }
        DdlStmt::ShowData { table } => super::show_data::execute(ctx, session, table),
        DdlStmt::ShowIndex { table } => {
            // OLAP tables without bitmap/bloom indexes have no rows (as in StarRocks).
            lookup_table(ctx, session, &table)?;
            Ok(rows_result(INDEX_TITLES, Vec::new()))
        }
        DdlStmt::CreateTable(stmt) => create_table(ctx, session, &stmt).await,
        DdlStmt::DropTable {
            table, if_exists, ..
        } => {
            let db = resolve_db(ctx, session, table.db.clone())?;
            let _ddl = ctx.catalog.ddl_lock().await;
            if ctx.catalog.get_table(&db, &table.table).is_none() {
                // DropStmtAnalyzer: an analyzer error naming the table only.
                return if if_exists {
                    Ok(QueryResult::ok())
                } else {
                    Err(SqlError::bad_table(&table.table).in_analyzer())
                };
            }
            let t = ctx.catalog.drop_table(&db, &table.table)?;
            drop_tablets_in_background(ctx, vec![t]);
            Ok(QueryResult::ok())
        }
        DdlStmt::TruncateTable { table, partitions } => {
            let db = resolve_db(ctx, session, table.db.clone())?;
            let _ddl = ctx.catalog.ddl_lock().await;
            let Some(current) = ctx.catalog.get_table(&db, &table.table) else {
                return Err(SqlError::bad_table(&table.table));
            };
            // Named partitions must exist (StarRocks `LocalMetastore.truncateTable`).
            let ids: Vec<i64> = match &partitions {
                None => current.partitions.iter().map(|p| p.id).collect(),
                Some(names) => names
                    .iter()
                    .map(|n| {
                        current
                            .partition_by_name(n)
                            .map(|p| p.id)
                            .ok_or_else(|| SqlError::plain(format!("Partition {n} does not exist")))
                    })
                    .collect::<SqlResult<_>>()?,
            };
            // New empty partitions (new ids, version 1) swapped in for the truncated ones in
            // one catalog write, as StarRocks does; the old tablets go after a read grace.
            let temps = super::overwrite::add_temp_partitions(ctx, &current, &ids).await?;
            let temp_ids: Vec<i64> = temps.iter().map(|t| t.partition.id).collect();
            super::overwrite::swap_in(ctx, current.id, &temp_ids)?;
            Ok(QueryResult::ok())
        }
    }
}

/// SHOW [FULL] COLUMNS's titles (tables and views).
pub(crate) fn show_columns_titles(full: bool) -> &'static [&'static str] {
    if full {
        &[
            "Field",
            "Type",
            "Collation",
            "Null",
            "Key",
            "Default",
            "Extra",
            "Privileges",
            "Comment",
        ]
    } else {
        &["Field", "Type", "Null", "Key", "Default", "Extra"]
    }
}

pub(crate) fn rows_result(titles: &[&str], rows: Vec<Vec<Option<String>>>) -> QueryResult {
    QueryResult::Rows(ResultSet {
        rows,
        ..ResultSet::with_titles(titles)
    })
}

fn drop_tablets_in_background(ctx: &FeContext, tables: Vec<Arc<Table>>) {
    let cluster = ctx.cluster.clone();
    tokio::spawn(async move {
        for t in tables {
            cluster.drop_tablets(&t).await;
        }
    });
}

/// `FeNameFormat.checkDbName`: a letter, then letters, digits and `_` (at most 256).
fn check_db_name(name: &str) -> SqlResult<()> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 256;
    if ok {
        Ok(())
    } else {
        Err(SqlError::code(
            starload_proto::error_code::ERR_WRONG_DB_NAME,
            &[name],
        ))
    }
}

/// One SHOW TABLE STATUS row (`ShowExecutor.visitShowTableStatusStatement` with
/// `InformationSchemaDataSource.genNormalTableInfo`). Times are whole seconds in the session's
/// zone; Update_time is the newest partition visible-version time (a new partition counts),
/// printed even when 0. Rows / Avg_row_length / Data_length come from tablet statistics the
/// BEs report in StarRocks; starload's heartbeat carries no per-tablet row count or size, so
/// they are 0 (as StarRocks shows before the first tablet report).
fn table_status_row(t: &Table, tz: &str) -> Vec<Option<String>> {
    use crate::java_text::fmt_timestamp_in_seconds;
    vec![
        Some(t.name.clone()),
        Some("StarRocks".into()),
        None,
        Some(String::new()),
        Some("0".into()),
        Some("0".into()),
        Some("0".into()),
        None,
        None,
        None,
        None,
        Some(fmt_timestamp_in_seconds(t.create_time_ms, tz)),
        Some(fmt_timestamp_in_seconds(t.update_time_ms(), tz)),
        None,
        Some("utf8_general_ci".into()),
        None,
        Some(String::new()),
        Some(t.comment.clone()),
    ]
}

async fn create_table(
    ctx: &FeContext,
    session: &Session,
    stmt: &CreateTableStmt,
) -> SqlResult<QueryResult> {
    let db_name = resolve_db(ctx, session, stmt.table.db.clone())?;
    let Some(db) = ctx.catalog.get_db(&db_name) else {
        return Err(SqlError::plain(format!(
            "Access denied; tables cannot be created in system database '{db_name}'"
        )));
    };
    let name = &stmt.table.table;
    if name.is_empty() || name.len() > 1024 || name.contains('\0') {
        return Err(SqlError::code(
            starload_proto::error_code::ERR_WRONG_TABLE_NAME,
            &[name.as_str()],
        ));
    }
    let _ddl = ctx.catalog.ddl_lock().await;
    if ctx.catalog.get_table(&db_name, name).is_some() {
        return if stmt.if_not_exists {
            Ok(QueryResult::ok())
        } else {
            Err(SqlError::code(
                starload_proto::error_code::ERR_TABLE_EXISTS_ERROR,
                &[name],
            ))
        };
    }
    let cfg = ctx.config.get();
    let analyzed = analyze_create_table(
        stmt,
        db.id,
        ctx.cluster.backend_num(),
        cfg.default_replication_num,
        cfg.allow_system_reserved_names,
    )?;
    let mut table = analyzed.table;
    let explicit = analyzed.replication_num_explicit;
    table.id = ctx.catalog.meta().next_id().map_err(SqlError::internal)?;
    table.create_time_ms = now_ms();
    let named = match &stmt.partition {
        // Unpartitioned: one partition named like the table.
        None => vec![NamedPartition {
            id: ctx.catalog.meta().next_id().map_err(SqlError::internal)?,
            name: name.clone(),
        }],
        Some(desc) => {
            let props = table_properties(&table);
            let analyzed = with_ids(ctx, |next_id| {
                analyze_partition_desc(desc, &table.columns, &props, next_id)
            })?;
            table.partition_info = analyzed.info;
            analyzed.partitions
        }
    };
    if stmt.partition.is_some() && named.is_empty() {
        // An expression-partitioned table starts without partitions; the BEs must still be
        // able to hold the replicas its first load creates.
        ctx.cluster
            .place_tablets(name, 1, table.replication_num, explicit)
            .map_err(SqlError::plain)?;
    }
    table.partitions =
        build_partitions(ctx, &table, &named, table.distribution.bucket_num, explicit)?;
    ctx.cluster
        .create_tablets(&table)
        .await
        .map_err(|e| SqlError::plain(e.to_string()))?;
    match ctx.catalog.create_table(table.clone()) {
        Ok(t) => {
            tracing::info!(db = %db_name, table = %t.name, id = t.id, buckets = t.distribution.bucket_num, replicas = t.replication_num, "Table created.");
            Ok(QueryResult::ok())
        }
        Err(e) => {
            ctx.cluster.drop_tablets(&table).await;
            Err(e.into())
        }
    }
}
