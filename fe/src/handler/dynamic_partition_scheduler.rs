//! The dynamic partition loop (StarRocks `DynamicPartitionScheduler`): every
//! `dynamic_partition_check_interval_seconds` each table with `dynamic_partition.enable` =
//! true loses the partitions that ended at or before its `start` offset and gains the missing
//! ones up to its `end` offset (`handler/dynamic_partition.rs` plans both). A table the loop
//! has not seen yet (new, or every table after an FE start) is passed within a second, as
//! StarRocks runs a pass right after CREATE TABLE.
//!
//! Drops and additions go through ALTER TABLE DROP / ADD PARTITION's own steps
//! (`partition_ddl::drop_partition`, `analyze_add_partition` + `partition_ddl::add_partitions`:
//! tablets on the BEs first, then one catalog write), under the catalog's DDL lock, one
//! partition at a time; a failure is logged and the rest of the pass goes on (StarRocks
//! records it per table and retries at the next pass). A failure a retry may fix (no alive
//! BE right after an FE start, a tablet RPC) brings the table back within
//! `RETRY_AFTER_FAILURE` instead of a whole interval later.

use crate::catalog::partition_info::PartitionInfo;
use crate::catalog::table::Table;
use crate::clock::now_ms;
use crate::context::FeContext;
use crate::error::SqlError;
use crate::handler::dynamic_partition::{self, DynamicPartitionProperty, Zone};
use crate::handler::partition_analysis::analyze_add_partition;
use crate::handler::partition_ddl::{add_partitions, drop_partition, table_properties, with_ids};
use crate::sql::partition::SingleRangePartition;
use crate::sql::partition_stmt::AddPartitionDef;
use crate::variables::host_time_zone;
use chrono::DateTime;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the loop looks for tables it has not passed yet.
const NEW_TABLE_POLL: Duration = Duration::from_secs(1);

/// A table whose pass failed (no alive BE after an FE start, say) is tried again this soon,
/// or at the next full pass if that comes first.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

/// Starts the loop (once, from `main.rs`).
pub fn start(ctx: Arc<FeContext>) {
    tokio::spawn(run(ctx));
}

async fn run(ctx: Arc<FeContext>) {
    let mut seen: HashSet<i64> = HashSet::new();
    let mut retry: HashMap<i64, Instant> = HashMap::new();
    let mut last_full: Option<Instant> = None;
    loop {
        let interval = Duration::from_secs(
            u64::try_from(ctx.config.get().dynamic_partition_check_interval_seconds)
                .unwrap_or(1)
                .max(1),
        );
        // Only the leader creates and drops partitions; a new leader looks at every table again.
        if !ctx.meta.is_active_leader() {
            seen.clear();
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        }
        let full = last_full.is_none_or(|t| t.elapsed() >= interval);
        if full {
            last_full = Some(Instant::now());
        }
        let tables: Vec<i64> = ctx
            .catalog
            .all_tables()
            .into_iter()
            .filter(|t| dynamic_partition::is_enabled(&t.properties))
            .map(|t| t.id)
            .collect();
        for id in &tables {
            let due = retry.get(id).is_some_and(|at| Instant::now() >= *at);
            if full || due || !seen.contains(id) {
                if run_table(&ctx, *id).await {
                    retry.remove(id);
                } else {
                    retry.insert(*id, Instant::now() + RETRY_AFTER_FAILURE);
                }
            }
        }
        retry.retain(|id, _| tables.contains(id));
        seen = tables.into_iter().collect();
        tokio::time::sleep(NEW_TABLE_POLL).await;
    }
}

/// One pass over table `table_id` (`executeDynamicPartitionForTable`): drops first, then
/// additions, each against the table as the catalog holds it at that moment. False when a
/// drop or an addition failed.
pub async fn run_table(ctx: &FeContext, table_id: i64) -> bool {
    let now = DateTime::from_timestamp_millis(now_ms()).unwrap_or_default();
    let _ddl = ctx.catalog.ddl_lock().await;
    let Some((t, prop)) = dynamic_table(ctx, table_id) else {
        return true;
    };
    let PartitionInfo::Range(ranges) = &t.partition_info else {
        return true;
    };
    let mut ok = true;
    for id in dynamic_partition::plan_drops(&prop, ranges, now) {
        let Some(current) = ctx.catalog.get_table_by_id(table_id) else {
            return true;
        };
        let Some(name) = current
            .partitions
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
        else {
            continue;
        };
        match drop_partition(ctx, &current, &name, true) {
            Ok(()) => {
                tracing::debug!(table = %t.name, partition = %name, "Dynamic partition dropped.")
            }
            Err(e) => {
                ok = false;
                tracing::warn!(table = %t.name, partition = %name, error = %e.message, "Dynamic partition drop failed.");
            }
        }
    }
    let Some((t, _)) = dynamic_table(ctx, table_id) else {
        return ok;
    };
    let PartitionInfo::Range(ranges) = &t.partition_info else {
        return ok;
    };
    let planned = match dynamic_partition::plan_additions(&prop, ranges, now) {
        Ok(p) => p,
        Err(e) => {
            // A table that cannot be planned (HOUR on an integer column) stays so: logged at
            // every full pass, not retried sooner.
            tracing::warn!(table = %t.name, error = %e, "Dynamic partitions cannot be planned.");
            return ok;
        }
    };
    for p in planned {
        let Some(current) = ctx.catalog.get_table_by_id(table_id) else {
            return ok;
        };
        let name = p.name.clone();
        match add_one(ctx, &current, &prop, p).await {
            Ok(()) => {}
            // Refused by analysis (a partition of that name with another range): it stays so
            // until the table changes; the next full pass logs it again.
            Err(AddFailure::Refused(e)) => {
                tracing::warn!(table = %t.name, partition = %name, error = %e.message, "Dynamic partition refused.");
            }
            Err(AddFailure::Failed(e)) => {
                ok = false;
                tracing::warn!(table = %t.name, partition = %name, error = %e.message, "Dynamic partition add failed.");
            }
        }
    }
    ok
}

/// The table and its enabled dynamic partitioning, as the catalog holds it now.
fn dynamic_table(ctx: &FeContext, table_id: i64) -> Option<(Arc<Table>, DynamicPartitionProperty)> {
    let t = ctx.catalog.get_table_by_id(table_id)?;
    let zone = Zone::parse(&host_time_zone()).unwrap_or(Zone::Region(chrono_tz::UTC));
    let prop = DynamicPartitionProperty::from_properties(&t.properties, zone)?;
    prop.enable.then_some((t, prop))
}

/// Why a planned partition was not added.
enum AddFailure {
    /// ALTER TABLE ADD PARTITION's analysis refuses it.
    Refused(SqlError),
    /// Placement, tablet creation or the catalog write failed: worth retrying soon.
    Failed(SqlError),
}

/// Adds one planned partition as `ALTER TABLE t ADD PARTITION name VALUES [(lower), (upper))`
/// would, with `dynamic_partition.buckets` buckets (else the table's).
async fn add_one(
    ctx: &FeContext,
    t: &Table,
    prop: &DynamicPartitionProperty,
    p: dynamic_partition::PlannedPartition,
) -> Result<(), AddFailure> {
    let def = AddPartitionDef::Range(SingleRangePartition::fixed(p.name, p.lower, p.upper));
    let names: Vec<String> = t.partitions.iter().map(|p| p.name.clone()).collect();
    let props = table_properties(t);
    let analyzed = with_ids(ctx, |next_id| {
        analyze_add_partition(&t.partition_info, &names, &def, false, &props, next_id)
    })
    .map_err(AddFailure::Refused)?;
    let buckets = if prop.buckets > 0 {
        prop.buckets
    } else {
        t.distribution.bucket_num
    };
    add_partitions(ctx, t, analyzed, buckets)
        .await
        .map_err(AddFailure::Failed)
}
