//! Partitions as the catalog and the BEs hold them: building a partition's tablets (placement,
//! ids, CreateTablet on every replica), ALTER TABLE ADD / DROP PARTITION, SHOW PARTITIONS, and
//! the partitions a load into an expression-partitioned table creates as rows arrive
//! (`FrontendService.CreatePartitions`, StarRocks `FrontendServiceImpl.createPartition`).
//!
//! Order of a partition's creation, so that a crash at any point leaves no half-created
//! partition: tablets are created on the BEs first; only then is the table (with the partition
//! and its range or values) written to the metadata store in one write. A crash before that
//! write leaves unused tablets on the BEs (dropped again when the create fails) and no
//! partition; a load that asked for it fails and is retried.

use crate::catalog::partition_error::PartitionError;
use crate::catalog::partition_info::{ExpressionPartitionInfo, ListItem, NewRange, PartitionInfo};
use crate::catalog::partition_lookup::{NewPartition, NewPartitionBound, RowTarget};
use crate::catalog::partition_show::{
    show_partitions_columns, show_partitions_rows, PartitionStats,
};
use crate::catalog::partition_value::PartitionValue;
use crate::catalog::table::{Partition, Table, Tablet, PARTITION_INIT_VERSION};
use crate::catalog::CatalogError;
use crate::clock::now_ms;
use crate::cluster::partition_routing::route_of;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::handler::dynamic_partition;
use crate::handler::partition_analysis::{
    analyze_add_partition, analyze_drop_partition, AnalyzedPartitions, NamedPartition,
};
use crate::handler::resolve::lookup_table;
use crate::result::{QueryResult, ResultSet};
use crate::session::Session;
use crate::sql::partition_stmt::PartitionStmt;
use starload_proto::types::{PartitionRoute, TabletLocation};
use std::time::Duration;

/// Builds the partitions `named` of `table` with `bucket_num` tablets each, placed on alive
/// BEs (`replication_num` replicas; `explicit` = the user gave replication_num, which picks
/// StarRocks's error text when too few BEs are alive).
pub fn build_partitions(
    ctx: &FeContext,
    table: &Table,
    named: &[NamedPartition],
    bucket_num: u32,
    explicit: bool,
) -> SqlResult<Vec<Partition>> {
    let mut out = Vec::with_capacity(named.len());
    if named.is_empty() {
        return Ok(out);
    }
    let mut placements = Vec::with_capacity(named.len());
    for _ in named {
        placements.push(
            ctx.cluster
                .place_tablets(&table.name, bucket_num, table.replication_num, explicit)
                .map_err(SqlError::plain)?,
        );
    }
    let total: usize = placements.iter().map(Vec::len).sum();
    let mut next = ctx
        .catalog
        .meta()
        .next_ids(total.max(1) as i64)
        .map_err(SqlError::internal)?;
    let now = now_ms();
    for (p, placement) in named.iter().zip(placements) {
        let tablets = placement
            .into_iter()
            .enumerate()
            .map(|(i, replicas)| {
                let t = Tablet {
                    id: next,
                    bucket: i as u32,
                    replicas,
                };
                next += 1;
                t
            })
            .collect();
        out.push(Partition {
            id: p.id,
            name: p.name.clone(),
            visible_version: PARTITION_INIT_VERSION,
            visible_version_time_ms: now,
            committed_version: PARTITION_INIT_VERSION,
            tablets,
        });
    }
    Ok(out)
}

/// Creates `parts`' tablets on their BEs (the table as it will be, restricted to them).
pub async fn create_partition_tablets(
    ctx: &FeContext,
    table: &Table,
    parts: &[Partition],
) -> Result<(), String> {
    let mut only = table.clone();
    only.partitions = parts.to_vec();
    only.temp_partitions.clear();
    ctx.cluster
        .create_tablets(&only)
        .await
        .map_err(|e| e.to_string())
}

pub fn drop_partition_tablets(ctx: &FeContext, table: &Table, parts: Vec<Partition>) {
    drop_partition_tablets_after(ctx, table, parts, Duration::ZERO);
}

/// Drops `parts`' tablets once `delay` has passed (queries planned before a swap may still
/// be reading them).
pub fn drop_partition_tablets_after(
    ctx: &FeContext,
    table: &Table,
    parts: Vec<Partition>,
    delay: Duration,
) {
    let mut only = table.clone();
    only.partitions = parts;
    only.temp_partitions.clear();
    let cluster = ctx.cluster.clone();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        cluster.drop_tablets(&only).await
    });
}

/// The table's properties as partition analysis takes them.
pub fn table_properties(t: &Table) -> Vec<(String, String)> {
    t.properties
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Runs partition analysis with ids from the metadata store (a failed id allocation fails
/// the statement after analysis, which cannot return it itself).
pub fn with_ids<T>(
    ctx: &FeContext,
    analyze: impl FnOnce(&mut dyn FnMut() -> i64) -> Result<T, PartitionError>,
) -> SqlResult<T> {
    let meta = ctx.catalog.meta().clone();
    let mut failed = None;
    let mut next_id = || match meta.next_id() {
        Ok(id) => id,
        Err(e) => {
            failed = Some(e);
            0
        }
    };
    let out = analyze(&mut next_id)?;
    match failed {
        Some(e) => Err(SqlError::internal(e)),
        None => Ok(out),
    }
}

fn refuse_temporary(temporary: bool) -> SqlResult<()> {
    if temporary {
        return Err(SqlError::plain(
            "Temporary partitions are not supported by starload",
        ));
    }
    Ok(())
}

/// ALTER TABLE ADD/DROP PARTITION, SHOW PARTITIONS.
pub async fn execute(
    ctx: &FeContext,
    session: &mut Session,
    stmt: PartitionStmt,
) -> SqlResult<QueryResult> {
    match stmt {
        PartitionStmt::ShowPartitions { table, temporary } => {
            let t = lookup_table(ctx, session, &table)?;
            let titles = show_partitions_columns(&t.partition_info);
            // Temporary partitions are not kept apart in starload: there are none to show.
            let rows = if temporary {
                Vec::new()
            } else {
                show_partitions_rows(
                    &t,
                    &t.partition_info,
                    &|ms| {
                        if ms > 0 {
                            crate::cluster::show::time_string(ms)
                        } else {
                            "NULL".to_string()
                        }
                    },
                    &|_| PartitionStats {
                        data_size: "0B".to_string(),
                        row_count: 0,
                    },
                )
            };
            Ok(QueryResult::Rows(ResultSet {
                rows: rows
                    .into_iter()
                    .map(|r| r.into_iter().map(Some).collect())
                    .collect(),
                ..ResultSet::with_titles(&titles)
            }))
        }
        PartitionStmt::AddPartition {
            table,
            temporary,
            partition,
            distribution,
        } => {
            refuse_temporary(temporary)?;
            let _ddl = ctx.catalog.ddl_lock().await;
            let t = lookup_table(ctx, session, &table)?;
            refuse_dynamic(&t)?;
            // A batch reads the table's start day of week only (`LocalMetastore.addPartitions`
            // copies that one property; prefix and start day of month stay the defaults).
            let props: Vec<(String, String)> = table_properties(&t)
                .into_iter()
                .filter(|(k, _)| k == dynamic_partition::START_DAY_OF_WEEK)
                .collect();
            let names: Vec<String> = t.partitions.iter().map(|p| p.name.clone()).collect();
            let analyzed = with_ids(ctx, |next_id| {
                analyze_add_partition(
                    &t.partition_info,
                    &names,
                    &partition,
                    false,
                    &props,
                    next_id,
                )
            })?;
            let buckets = distribution
                .as_ref()
                .and_then(|d| d.buckets)
                .map(|b| b as u32)
                .unwrap_or(t.distribution.bucket_num);
            add_partitions(ctx, &t, analyzed, buckets).await?;
            Ok(QueryResult::ok())
        }
        PartitionStmt::DropPartition {
            table,
            temporary,
            if_exists,
            name,
            ..
        } => {
            refuse_temporary(temporary)?;
            let _ddl = ctx.catalog.ddl_lock().await;
            let t = lookup_table(ctx, session, &table)?;
            refuse_dynamic(&t)?;
            drop_partition(ctx, &t, &name, if_exists)?;
            Ok(QueryResult::ok())
        }
    }
}

/// `DynamicPartitionUtil.checkAlterAllowed`: StarRocks 3.4's `AlterJobExecutor` refuses a
/// (non-temporary) ADD / DROP PARTITION on a table whose dynamic partitioning is enabled;
/// its own scheduler adds and drops through `LocalMetastore`, past this check.
fn refuse_dynamic(t: &Table) -> SqlResult<()> {
    if dynamic_partition::is_enabled(&t.properties) {
        return Err(PartitionError::DynamicAlterNotAllowed.into());
    }
    Ok(())
}

/// Creates the analysed partitions of `t` (ALTER TABLE ADD PARTITION and the dynamic
/// partition loop): `bucket_num` tablets each, created on the BEs first, then the table with
/// the new partitioning written in one catalog write. The caller holds the DDL lock and has
/// analysed against `t` as the catalog holds it.
pub async fn add_partitions(
    ctx: &FeContext,
    t: &Table,
    analyzed: AnalyzedPartitions,
    bucket_num: u32,
) -> SqlResult<()> {
    if analyzed.partitions.is_empty() {
        return Ok(());
    }
    let parts = build_partitions(ctx, t, &analyzed.partitions, bucket_num, false)?;
    create_partition_tablets(ctx, t, &parts)
        .await
        .map_err(SqlError::plain)?;
    let info = analyzed.info;
    let added = parts.clone();
    let res = ctx.catalog.update_table(t.id, move |next| {
        next.partition_info = info;
        next.partitions.extend(added);
        Ok(())
    });
    if let Err(e) = res {
        drop_partition_tablets(ctx, t, parts);
        return Err(e.into());
    }
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    tracing::info!(table = %t.name, partitions = ?names, "Partitions added.");
    Ok(())
}

/// Drops partition `name` of `t` (ALTER TABLE DROP PARTITION and the dynamic partition
/// loop): removed from the catalog in one write, then its tablets dropped. Nothing when it
/// does not exist and `if_exists`. The caller holds the DDL lock.
pub fn drop_partition(ctx: &FeContext, t: &Table, name: &str, if_exists: bool) -> SqlResult<()> {
    let ids: Vec<(i64, String)> = t
        .partitions
        .iter()
        .map(|p| (p.id, p.name.clone()))
        .collect();
    let Some((info, id)) =
        analyze_drop_partition(&t.partition_info, &t.name, &ids, name, if_exists)?
    else {
        return Ok(());
    };
    let (_, dropped) = ctx.catalog.update_table(t.id, move |next| {
        next.partition_info = info;
        let at = next.partitions.iter().position(|p| p.id == id);
        Ok(at.map(|i| next.partitions.remove(i)))
    })?;
    // The rows go with the tablets, on every replica. Loads that staged rows for the
    // partition fail at commit (unknown partition) and are retried without it.
    if let Some(p) = dropped {
        drop_partition_tablets(ctx, t, vec![p]);
    }
    tracing::info!(table = %t.name, partition = %name, "Partition dropped.");
    Ok(())
}

/// Why partitions for a load's rows could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreatePartitionsError {
    /// The FE refuses (the rows become error rows with this text).
    #[error("{0}")]
    Refused(String),
    /// Something failed that a retry may fix (the task fails and is retried).
    #[error("{0}")]
    Failed(String),
}

/// Creates the partitions that `rows` (partition-column texts, None = NULL) of a load into
/// expression-partitioned table `table_id` need, and answers the routes and tablets of every
/// partition those rows go to (existing ones too: the call is idempotent).
pub async fn create_partitions_for_rows(
    ctx: &FeContext,
    table_id: i64,
    rows: &[Vec<Option<String>>],
) -> Result<(Vec<PartitionRoute>, Vec<TabletLocation>), CreatePartitionsError> {
    let _ddl = ctx.catalog.ddl_lock().await;
    let t = ctx
        .catalog
        .get_table_by_id(table_id)
        .ok_or_else(|| CreatePartitionsError::Failed(format!("Unknown table id {table_id}")))?;
    if !t.partition_info.is_automatic() {
        return Err(CreatePartitionsError::Refused(format!(
            "table {} is not an expression partitioned table",
            t.name
        )));
    }
    let columns = t.partition_info.columns().to_vec();
    // Which partition each row goes to; new ones by name (deduplicated).
    let mut wanted: Vec<i64> = Vec::new();
    let mut new: Vec<NewPartition> = Vec::new();
    for row in rows {
        let mut values = Vec::with_capacity(columns.len());
        for (c, v) in columns.iter().zip(row) {
            values.push(match v {
                None => PartitionValue::Null,
                Some(text) => PartitionValue::parse(text, &c.data_type)
                    .map_err(|e| CreatePartitionsError::Refused(e.to_string()))?,
            });
        }
        let loc = t.partition_info.locate(&values, None);
        match loc.rows.first() {
            Some(RowTarget::Partition(id)) => wanted.push(*id),
            Some(RowTarget::New(i)) => {
                if let Some(p) = loc.new_partitions.get(*i) {
                    if let Some(existing) = t.partition_by_name(&p.name) {
                        wanted.push(existing.id);
                    } else if !new.iter().any(|n| n.name == p.name) {
                        new.push(p.clone());
                    }
                }
            }
            _ => {
                return Err(CreatePartitionsError::Refused(
                    "no partition can be created for the row's value".to_string(),
                ))
            }
        }
    }
    let mut next_info = t.partition_info.clone();
    let mut named = Vec::with_capacity(new.len());
    if !new.is_empty() {
        let first = ctx
            .catalog
            .meta()
            .next_ids(new.len() as i64)
            .map_err(|e| CreatePartitionsError::Failed(e.to_string()))?;
        for (i, p) in new.iter().enumerate() {
            let id = first + i as i64;
            add_bound(&mut next_info, id, p)?;
            named.push(NamedPartition {
                id,
                name: p.name.clone(),
            });
        }
    }
    let parts = build_partitions(ctx, &t, &named, t.distribution.bucket_num, false)
        .map_err(|e| CreatePartitionsError::Failed(e.message))?;
    let table = if parts.is_empty() {
        t.clone()
    } else {
        create_partition_tablets(ctx, &t, &parts)
            .await
            .map_err(CreatePartitionsError::Failed)?;
        let added = parts.clone();
        match ctx.catalog.update_table(t.id, move |next| {
            next.partition_info = next_info;
            next.partitions.extend(added);
            Ok::<(), CatalogError>(())
        }) {
            Ok((table, _)) => {
                tracing::info!(table = %t.name, created = parts.len(), "Partitions created for a load.");
                table
            }
            Err(e) => {
                drop_partition_tablets(ctx, &t, parts);
                return Err(CreatePartitionsError::Failed(e.to_string()));
            }
        }
    };
    wanted.extend(named.iter().map(|n| n.id));
    wanted.sort_unstable();
    wanted.dedup();
    let routes: Vec<PartitionRoute> = wanted
        .iter()
        .filter_map(|id| route_of(&table, *id))
        .collect();
    let tablets = ctx
        .cluster
        .tablet_locations(&table)
        .into_iter()
        .filter(|l| wanted.contains(&l.partition_id))
        .collect();
    Ok((routes, tablets))
}

/// Adds a created partition's bound to the partitioning.
fn add_bound(
    info: &mut PartitionInfo,
    id: i64,
    p: &NewPartition,
) -> Result<(), CreatePartitionsError> {
    let refuse = |e: crate::catalog::partition_error::PartitionError| {
        CreatePartitionsError::Refused(e.to_string())
    };
    match (info, &p.bound) {
        (
            PartitionInfo::Expression(ExpressionPartitionInfo::Time { ranges, .. }),
            NewPartitionBound::Range { lower, upper },
        ) => {
            ranges
                .add_range(
                    id,
                    &NewRange::Fixed {
                        lower: lower.clone(),
                        upper: upper.clone(),
                    },
                )
                .map_err(refuse)?;
        }
        (
            PartitionInfo::Expression(ExpressionPartitionInfo::Columns(lists)),
            NewPartitionBound::List(values),
        ) => {
            lists
                .add_item(ListItem {
                    partition_id: id,
                    values: vec![values.clone()],
                })
                .map_err(refuse)?;
        }
        _ => {
            return Err(CreatePartitionsError::Refused(
                "the partition does not match the table's partitioning".to_string(),
            ))
        }
    }
    Ok(())
}
