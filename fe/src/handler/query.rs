//! Executes queries through the query engine. This file adapts the FE's catalog, cluster and
//! session variables to the engine's read-only sources ([`crate::query::source`]), so the
//! engine itself never touches locks or the metadata store.

use crate::catalog::table::Table;
use crate::catalog::Catalog;
use crate::clock::now_ms;
use crate::cluster::Cluster;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::handler::authorize;
use crate::load_job::{DbLoadJob, LoadJobMgr};
use crate::privilege::{Principal, PrivilegeMgr};
use crate::query::source::{
    CatalogSource, PartitionMeta, PartitionSnapshot, SessionInfo, SysVarValue, SystemVariables,
    TableSnapshot, VarScope,
};
use crate::query::QueryEnv;
use crate::result::QueryResult;
use crate::session::Session;
use crate::sql::query::QueryStmt;
use crate::variables::{self, SessionVariables, VarValue};
use std::collections::HashMap;
use std::sync::Arc;

/// The query engine's view of the FE for `session`.
pub fn query_env(ctx: &FeContext, session: &Session) -> QueryEnv {
    let config = ctx.config.get();
    QueryEnv {
        catalog: Arc::new(LiveCatalog {
            catalog: ctx.catalog.clone(),
            cluster: ctx.cluster.clone(),
            privilege: ctx.privilege.clone(),
            principal: session.principal.clone(),
            load_jobs: ctx.load_jobs.clone(),
            label_keep_max_second: config.label_keep_max_second,
        }),
        variables: Arc::new(SessionVars(session.vars.clone())),
        session: SessionInfo {
            connection_id: session.connection_id,
            current_db: session.current_db.clone(),
            user: session.user_identity(),
            current_user: format!("'{}'@'%'", session.user),
            server_version: config.mysql_server_version.clone(),
            current_version: format!(
                "{} starload-{}",
                config.starrocks_version,
                env!("CARGO_PKG_VERSION")
            ),
        },
        cluster_token: ctx.cluster.cluster_token(),
    }
}

pub async fn execute(
    ctx: &FeContext,
    session: &mut Session,
    stmt: QueryStmt,
) -> SqlResult<QueryResult> {
    let env = query_env(ctx, session);
    if stmt.explain {
        return ctx
            .query
            .explain(&stmt.sql, env)
            .await
            .map(QueryResult::Rows);
    }
    ctx.query
        .execute(&stmt.sql, env)
        .await
        .map(QueryResult::Rows)
}

/// The live catalog seen through the engine's snapshot trait. A table snapshot copies the
/// partitions' visible versions and replica addresses at one moment, so every scan of one
/// query reads one consistent state.
struct LiveCatalog {
    catalog: Arc<Catalog>,
    cluster: Arc<Cluster>,
    privilege: Arc<PrivilegeMgr>,
    principal: Principal,
    load_jobs: Arc<LoadJobMgr>,
    label_keep_max_second: i64,
}

impl CatalogSource for LiveCatalog {
    fn load_jobs(&self) -> Vec<DbLoadJob> {
        // Every database's jobs, unfiltered: StarRocks's getLoads checks no privilege.
        self.load_jobs
            .list(None, now_ms(), self.label_keep_max_second)
            .into_iter()
            .map(|job| DbLoadJob {
                db: self
                    .catalog
                    .get_db_by_id(job.db_id)
                    .map(|d| d.name.clone())
                    .unwrap_or_default(),
                job,
            })
            .collect()
    }

    fn partitions_meta(&self) -> Vec<PartitionMeta> {
        let mut out = Vec::new();
        for db in self.database_names() {
            for name in self.table_names(&db).unwrap_or_default() {
                if let Some(t) = self.catalog.get_table(&db, &name) {
                    out.extend(partition_meta_rows(&db, &t));
                }
            }
        }
        out
    }

    fn check_select(&self, db: &str, table: &str) -> Result<(), SqlError> {
        match self.catalog.get_table(db, table) {
            Some(t) => {
                authorize::check_select(&self.privilege, &self.principal, t.db_id, t.id, table)
            }
            None => Ok(()),
        }
    }

    fn database_names(&self) -> Vec<String> {
        self.catalog.list_database_names()
    }

    fn database_exists(&self, db: &str) -> bool {
        self.catalog.db_exists(db)
    }

    fn table_names(&self, db: &str) -> Option<Vec<String>> {
        let mut names: Vec<String> = self
            .catalog
            .list_tables(db)?
            .iter()
            .map(|t| t.name.clone())
            .collect();
        names.sort();
        Some(names)
    }

    fn table(&self, db: &str, table: &str) -> Option<TableSnapshot> {
        let t = self.catalog.get_table(db, table)?;
        let mut locations: HashMap<i64, Vec<_>> = HashMap::new();
        // Replicas at the visible version first (alive ones), lagging ones left out: a scan
        // tries them in order.
        for loc in self.cluster.readable_tablet_locations(&t) {
            locations.entry(loc.partition_id).or_default().push(loc);
        }
        Some(TableSnapshot {
            id: t.id,
            name: t.name.clone(),
            schema: t.tablet_schema(),
            comment: t.comment.clone(),
            create_time_s: t.create_time_ms / 1000,
            partitions: t
                .partitions
                .iter()
                .map(|p| PartitionSnapshot {
                    id: p.id,
                    name: p.name.clone(),
                    visible_version: p.visible_version,
                    tablets: locations.remove(&p.id).unwrap_or_default(),
                })
                .collect(),
            partition_info: t.partition_info.clone(),
        })
    }
}

/// `information_schema.partitions_meta` rows of `table`: its partitions as SHOW PARTITIONS
/// describes them, then its temporary partitions (with their originals' bounds).
fn partition_meta_rows(db: &str, table: &Table) -> Vec<PartitionMeta> {
    use crate::catalog::partition_show::{
        show_partitions_rows, PartitionStats, MAX_COOLDOWN_TIME_MS,
    };
    let mut temps = table.clone();
    temps.temp_partitions.clear();
    temps.partitions = table
        .temp_partitions
        .iter()
        .map(|tp| tp.partition.clone())
        .collect();
    for tp in &table.temp_partitions {
        temps
            .partition_info
            .rekey_partition(tp.replaces, tp.partition.id);
    }
    let mut out = Vec::new();
    for (t, is_temp) in [(table, false), (&temps, true)] {
        // SHOW PARTITIONS's cells for the text columns (key, values, distribution, ...).
        let rows = show_partitions_rows(t, &t.partition_info, &|ms| ms.to_string(), &|_| {
            PartitionStats {
                data_size: "0B".to_string(),
                row_count: 0,
            }
        });
        for r in rows {
            let Some(p) = r[0].parse().ok().and_then(|id| t.partition(id)) else {
                continue;
            };
            out.push(PartitionMeta {
                db: db.to_string(),
                table: table.name.clone(),
                partition_name: p.name.clone(),
                partition_id: p.id,
                visible_version: p.visible_version,
                visible_version_time_s: p.visible_version_time_ms / 1000,
                next_version: p.committed_version + 1,
                partition_key: r[6].clone(),
                partition_value: r[7].clone(),
                distribution_key: r[8].clone(),
                buckets: p.tablets.len() as i64,
                replication_num: table.replication_num as i64,
                storage_medium: r[11].clone(),
                cooldown_time_s: MAX_COOLDOWN_TIME_MS / 1000,
                is_in_memory: r[15] == "true",
                is_temp,
                data_size: r[14].clone(),
                row_count: r[16].parse().unwrap_or(0),
            });
        }
    }
    out
}

/// The session's variables as the engine reads them (`@@x`).
struct SessionVars(SessionVariables);

impl SystemVariables for SessionVars {
    fn get(&self, name: &str, scope: VarScope) -> Result<SysVarValue, SqlError> {
        let scope = match scope {
            VarScope::Session => variables::VarScope::Session,
            VarScope::Global => variables::VarScope::Global,
        };
        Ok(match self.0.get_for_select(scope, name)? {
            VarValue::Bool(b) => SysVarValue::Bool(b),
            VarValue::Int(i) => SysVarValue::Int(i),
            VarValue::Long(l) => SysVarValue::BigInt(l),
            VarValue::Double(d) => SysVarValue::Double(d),
            VarValue::Str(s) => SysVarValue::Str(s),
        })
    }
}
