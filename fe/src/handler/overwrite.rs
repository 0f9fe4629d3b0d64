//! INSERT OVERWRITE: the statement's rows replace the target partitions' rows atomically
//! (StarRocks `InsertOverwriteJob`: load into temporary partitions, then swap them in).
//!
//! 1. For each target partition (`PARTITION (..)`, or every partition) a temporary partition
//!    with the same bounds and bucket count is created: tablets on the BEs first, then one
//!    catalog write adds them to `Table.temp_partitions`, where queries, SHOW and routine
//!    load do not see them.
//! 2. The rows are loaded into the temporary partitions through the ordinary write path (one
//!    label, one transaction, publish), and the statement waits until they are VISIBLE.
//! 3. One catalog write replaces each original by its temporary partition (same name, the
//!    original's bounds, a new id and new tablets); the originals' tablets are then dropped.
//!
//! A query reads either every original partition or every replacement, never a mix, and a
//! failure before step 3 leaves the table as it was (the temporary partitions are dropped).
//! An FE that dies mid-statement leaves temporary partitions behind; [`recover`] drops them at
//! the next start (the client saw the statement fail).
//!
//! TRUNCATE TABLE uses steps 1 and 3 (empty partitions swapped in): as in StarRocks, a
//! truncated partition gets a new id and starts again at version 1.
//!
//! Departures: rows loaded into a target partition by another load while the statement runs
//! are replaced too (as in StarRocks); expression-partitioned tables do not create partitions
//! during an overwrite (a row outside the targets is a filtered row).

use super::insert::{evaluate, load, lookup, partition_ids, wait_visible, LoadInput, LoadOutcome};
use super::partition_analysis::NamedPartition;
use super::partition_ddl::{
    build_partitions, create_partition_tablets, drop_partition_tablets,
    drop_partition_tablets_after,
};
use crate::catalog::table::{Partition, Table, TempPartition};
use crate::catalog::CatalogError;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::result::QueryResult;
use crate::session::Session;
use crate::sql::insert::InsertStmt;
use std::time::Duration;

/// How long the replaced partitions' tablets stay on the BEs after the swap, for queries
/// planned before it (the BE's `compaction_read_grace_second` default). An FE that stops
/// within it leaves them behind as orphan tablets.
const REPLACED_READ_GRACE: Duration = Duration::from_secs(60);

/// Executes `INSERT OVERWRITE`.
pub async fn execute(
    ctx: &FeContext,
    session: &Session,
    stmt: InsertStmt,
) -> SqlResult<QueryResult> {
    let table = lookup(ctx, session, &stmt.table)?.1;
    let targets: Vec<i64> = match partition_ids(&table, &stmt.partitions)? {
        Some(ids) => ids,
        None => table.partitions.iter().map(|p| p.id).collect(),
    };
    let rows = evaluate(ctx, session, &stmt, table).await?;
    let temps = {
        let _ddl = ctx.catalog.ddl_lock().await;
        add_temp_partitions(ctx, &rows.table, &targets).await?
    };
    let temp_ids: Vec<i64> = temps.iter().map(|t| t.partition.id).collect();
    let outcome = async {
        let current = ctx
            .catalog
            .get_table_by_id(rows.table.id)
            .ok_or_else(|| SqlError::bad_table(&rows.table.name))?;
        let view = load_view(&current, &temps);
        let outcome = load(
            ctx,
            session,
            LoadInput {
                table: &view,
                only: Some(&temp_ids),
                label: &rows.label,
                columns: rows.columns.clone(),
                rows: rows.text.clone(),
                job: rows.job,
            },
        )
        .await?;
        // The swap must not show a partition whose rows are still being published.
        let wait = Duration::from_secs(session.vars.get_i64("query_timeout").max(1) as u64);
        if !outcome.empty && !outcome.visible && !wait_visible(ctx, outcome.txn_id, wait).await {
            return Err(SqlError::plain(format!(
                "INSERT OVERWRITE of table {} timed out waiting for transaction {} to publish; the table is unchanged",
                rows.table.name, outcome.txn_id
            )));
        }
        Ok::<LoadOutcome, SqlError>(outcome)
    }
    .await;
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            drop_temp_partitions(ctx, rows.table.id, &temp_ids);
            return Err(e);
        }
    };
    {
        let _ddl = ctx.catalog.ddl_lock().await;
        swap_in(ctx, rows.table.id, &temp_ids)?;
    }
    Ok(LoadOutcome {
        visible: true,
        ..outcome
    }
    .into_result())
}

/// Creates one empty temporary partition per target (tablets, then the catalog entry). The
/// caller holds the DDL lock.
pub async fn add_temp_partitions(
    ctx: &FeContext,
    table: &Table,
    targets: &[i64],
) -> SqlResult<Vec<TempPartition>> {
    let mut temps = Vec::with_capacity(targets.len());
    for id in targets {
        let original = table
            .partition(*id)
            .ok_or_else(|| SqlError::plain(format!("Unknown partition id {id}")))?;
        let new_id = ctx.catalog.meta().next_id().map_err(SqlError::internal)?;
        let named = [NamedPartition {
            id: new_id,
            name: format!("{}_overwrite_{new_id}", original.name),
        }];
        let bucket_num = original.tablets.len().max(1) as u32;
        for p in build_partitions(ctx, table, &named, bucket_num, false)? {
            temps.push(TempPartition {
                replaces: *id,
                partition: p,
            });
        }
    }
    let parts: Vec<Partition> = temps.iter().map(|t| t.partition.clone()).collect();
    create_partition_tablets(ctx, table, &parts)
        .await
        .map_err(SqlError::plain)?;
    let added = temps.clone();
    let written = ctx.catalog.update_table(table.id, move |t| {
        for tp in &added {
            if t.partitions.iter().all(|p| p.id != tp.replaces) {
                return Err(CatalogError::UnknownPartition {
                    table_id: t.id,
                    partition_id: tp.replaces,
                });
            }
        }
        t.temp_partitions.extend(added);
        Ok(())
    });
    if let Err(e) = written {
        drop_partition_tablets(ctx, table, parts);
        return Err(SqlError::internal(e));
    }
    Ok(temps)
}

/// `table` as the load of the temporary partitions sees it: each target replaced by its
/// temporary partition, which takes over the target's bounds.
fn load_view(table: &Table, temps: &[TempPartition]) -> Table {
    let mut view = table.clone();
    view.temp_partitions.clear();
    for tp in temps {
        if let Some(p) = view.partitions.iter_mut().find(|p| p.id == tp.replaces) {
            *p = tp.partition.clone();
            view.partition_info
                .rekey_partition(tp.replaces, tp.partition.id);
        }
    }
    view
}

/// Replaces each original partition by its temporary one in one catalog write, then drops
/// the originals' tablets. The caller holds the DDL lock.
pub fn swap_in(ctx: &FeContext, table_id: i64, temp_ids: &[i64]) -> SqlResult<()> {
    let ids = temp_ids.to_vec();
    let swapped = ctx.catalog.update_table(table_id, move |t| {
        let mut old = Vec::with_capacity(ids.len());
        for id in &ids {
            let pos = t
                .temp_partitions
                .iter()
                .position(|tp| tp.partition.id == *id)
                .ok_or(CatalogError::UnknownPartition {
                    table_id: t.id,
                    partition_id: *id,
                })?;
            let tp = t.temp_partitions.remove(pos);
            let slot = t
                .partitions
                .iter_mut()
                .find(|p| p.id == tp.replaces)
                .ok_or(CatalogError::UnknownPartition {
                    table_id: t.id,
                    partition_id: tp.replaces,
                })?;
            let mut next = tp.partition;
            next.name = slot.name.clone();
            old.push(std::mem::replace(slot, next.clone()));
            t.partition_info.rekey_partition(tp.replaces, next.id);
        }
        Ok(old)
    });
    match swapped {
        Ok((table, old)) => {
            // Queries planned before the swap may still be scanning the originals.
            drop_partition_tablets_after(ctx, &table, old, REPLACED_READ_GRACE);
            Ok(())
        }
        Err(e) => {
            // A target dropped meanwhile (DROP PARTITION): nothing was swapped.
            drop_temp_partitions(ctx, table_id, temp_ids);
            Err(SqlError::plain(format!(
                "INSERT OVERWRITE failed, the table is unchanged: {e}"
            )))
        }
    }
}

/// Removes temporary partitions from the catalog and drops their tablets (best effort: a
/// leftover is dropped by [`recover`] at the next start).
fn drop_temp_partitions(ctx: &FeContext, table_id: i64, temp_ids: &[i64]) {
    let ids = temp_ids.to_vec();
    let removed = ctx.catalog.update_table(table_id, move |t| {
        let (gone, keep): (Vec<TempPartition>, Vec<TempPartition>) =
            std::mem::take(&mut t.temp_partitions)
                .into_iter()
                .partition(|tp| ids.contains(&tp.partition.id));
        t.temp_partitions = keep;
        Ok(gone.into_iter().map(|tp| tp.partition).collect::<Vec<_>>())
    });
    match removed {
        Ok((table, parts)) => drop_partition_tablets(ctx, &table, parts),
        Err(e) => {
            tracing::warn!(table = table_id, error = %e, "Dropping temporary partitions failed; the next start drops them.")
        }
    }
}

/// Drops the temporary partitions an earlier process left (its INSERT OVERWRITE statements
/// died with it). Runs at start, before statements are served.
pub fn recover(ctx: &FeContext) {
    for table in ctx.catalog.all_tables() {
        if table.temp_partitions.is_empty() {
            continue;
        }
        let ids: Vec<i64> = table
            .temp_partitions
            .iter()
            .map(|tp| tp.partition.id)
            .collect();
        tracing::info!(table = %table.name, partitions = ids.len(), "Dropping temporary partitions of an interrupted INSERT OVERWRITE.");
        drop_temp_partitions(ctx, table.id, &ids);
    }
}
