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
    BackendConfig, CatalogSource, PartitionMeta, PartitionSnapshot, RoutineLoadJobInfo,
    SessionInfo, SysVarValue, SystemVariables, TableConfig, TableSnapshot, TrackingLoad, VarScope,
    ViewSnapshot,
};
use crate::query::QueryEnv;
use crate::result::QueryResult;
use crate::routine_load::RoutineLoadManager;
use crate::session::Session;
use crate::sql::query::QueryStmt;
use crate::variables::{self, SessionVariables, VarValue};
use starload_proto::types::ColumnDef;
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
            routine_load: ctx.routine_load.clone(),
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
    routine_load: Arc<RoutineLoadManager>,
    label_keep_max_second: i64,
}

impl LiveCatalog {
    /// Every (db, table) the user holds any privilege on.
    fn visible_tables(&self) -> Vec<(String, Arc<Table>)> {
        let mut out = Vec::new();
        for db in self.database_names() {
            for name in self.table_names(&db).unwrap_or_default() {
                if let Some(t) = self.catalog.get_table(&db, &name) {
                    if authorize::sees_table(&self.privilege, &self.principal, t.db_id, t.id) {
                        out.push((db.clone(), t));
                    }
                }
            }
        }
        out
    }

    /// Every routine load job the user may see (INSERT on its table, as SHOW ROUTINE LOAD),
    /// in id order.
    fn visible_jobs(&self) -> Vec<crate::routine_load::JobEntry> {
        let mut jobs: Vec<_> = self
            .routine_load
            .snapshot()
            .into_iter()
            .filter(|e| {
                authorize::sees_job(
                    &self.privilege,
                    &self.principal,
                    e.job.db_id,
                    e.job.table_id,
                )
            })
            .collect();
        jobs.sort_by_key(|e| e.job.id);
        jobs
    }
}

#[async_trait::async_trait]
impl CatalogSource for LiveCatalog {
    fn can_see_db(&self, db: &str) -> bool {
        authorize::sees_db(&self.catalog, &self.privilege, &self.principal, db)
    }

    fn can_see_table(&self, db: &str, table: &str) -> bool {
        match self.catalog.get_table(db, table) {
            Some(t) => authorize::sees_table(&self.privilege, &self.principal, t.db_id, t.id),
            None => self.catalog.get_view(db, table).is_some_and(|v| {
                authorize::sees_table(&self.privilege, &self.principal, v.db_id, v.id)
            }),
        }
    }

    fn view(&self, db: &str, name: &str) -> Option<ViewSnapshot> {
        let v = self.catalog.get_view(db, name)?;
        Some(ViewSnapshot {
            name: v.name.clone(),
            query: v.query.clone(),
            resolve_db: v.resolve_db.clone(),
            column_aliases: v.column_aliases.clone(),
            columns: v
                .columns
                .iter()
                .map(|c| ColumnDef {
                    name: c.name.clone(),
                    r#type: Some(c.data_type.to_proto()),
                    nullable: true,
                    comment: c.comment.clone(),
                    ..Default::default()
                })
                .collect(),
            comment: v.comment.clone(),
            definer: v.definer.clone(),
            create_time_s: v.create_time_ms / 1000,
        })
    }

    fn view_names(&self, db: &str) -> Vec<String> {
        self.catalog
            .list_views(db)
            .iter()
            .filter(|v| authorize::sees_table(&self.privilege, &self.principal, v.db_id, v.id))
            .map(|v| v.name.clone())
            .collect()
    }

    fn tables_config(&self) -> Vec<TableConfig> {
        self.visible_tables()
            .into_iter()
            .map(|(db, t)| table_config(&db, &t))
            .collect()
    }

    fn routine_load_jobs(&self) -> Vec<RoutineLoadJobInfo> {
        self.visible_jobs()
            .iter()
            .map(|e| {
                // The SHOW ROUTINE LOAD texts; times are taken from the job itself (the row's
                // time cells are formatted for a session zone).
                let cell = |r: &[Option<String>], i: usize| {
                    r.get(i).cloned().flatten().unwrap_or_default()
                };
                let r = crate::routine_load::show::job_row(e, "UTC");
                RoutineLoadJobInfo {
                    id: e.job.id,
                    name: e.job.name.clone(),
                    create_ms: e.job.create_time_ms,
                    pause_ms: e.job.pause_time_ms,
                    end_ms: e.job.end_time_ms,
                    db: cell(&r, 5),
                    table: cell(&r, 6),
                    state: cell(&r, 7),
                    data_source_type: cell(&r, 8),
                    current_task_num: e.tasks.len() as i64,
                    job_properties: cell(&r, 10),
                    data_source_properties: cell(&r, 11),
                    custom_properties: cell(&r, 12),
                    statistics: cell(&r, 13),
                    progress: cell(&r, 14),
                    timestamp_progress: cell(&r, 15),
                    reasons_of_state_changed: cell(&r, 16),
                    error_log_urls: cell(&r, 17),
                    tracking_sql: cell(&r, 18),
                    other_msg: cell(&r, 19),
                    latest_source_position: cell(&r, 20),
                    offset_lag: cell(&r, 21),
                }
            })
            .collect()
    }

    fn routine_load_lag(&self) -> Vec<crate::query::source::RoutineLoadLagInfo> {
        let now = crate::clock::now_ms();
        self.visible_jobs()
            .iter()
            .filter(|e| !e.job.state.is_final())
            .flat_map(|e| {
                self.routine_load
                    .lag
                    .rows(&e.job, now)
                    .into_iter()
                    .map(|r| crate::query::source::RoutineLoadLagInfo {
                        job_id: e.job.id,
                        job_name: e.job.name.clone(),
                        db: e.job.db_name.clone(),
                        state: e.job.state.name().to_string(),
                        partition: r.partition,
                        committed_offset: r.committed,
                        last_stable_offset: r.lso,
                        high_watermark: r.hw,
                        offset_lag: r.offset_lag,
                        time_lag_ms: r.time_lag_ms,
                        status: r.status.name().to_string(),
                        log_start_offset: r.log_start,
                        retention_horizon_s: r.retention_horizon_s,
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn tracking_loads(&self) -> Vec<TrackingLoad> {
        let mut out: Vec<TrackingLoad> = self
            .visible_jobs()
            .into_iter()
            .map(|e| TrackingLoad {
                id: e.job.id,
                label: e.job.name.clone(),
                db: e.job.db_name.clone(),
                urls: e.job.error_log_urls.clone(),
                load_type: "ROUTINE_LOAD".into(),
            })
            .collect();
        // INSERT jobs, unfiltered as information_schema.loads (getLoads checks no privilege).
        out.extend(self.load_jobs().into_iter().map(|l| TrackingLoad {
            id: l.job.id,
            label: l.job.label.clone(),
            db: l.db,
            urls: l.job.tracking_url.iter().cloned().collect(),
            load_type: l.job.job_type.name().to_string(),
        }));
        out
    }

    async fn fetch_error_log(&self, url: &str) -> Result<String, String> {
        self.cluster.load_error_log(url).await
    }

    async fn rejected_rows(&self) -> Vec<crate::query::source::RejectedRowInfo> {
        let jobs: std::collections::HashMap<i64, (String, String, String)> = self
            .visible_jobs()
            .into_iter()
            .map(|e| {
                (
                    e.job.id,
                    (
                        e.job.db_name.clone(),
                        e.job.table_name.clone(),
                        e.job.kafka.topic.clone(),
                    ),
                )
            })
            .collect();
        let mut ids: Vec<i64> = jobs.keys().copied().collect();
        ids.sort();
        let mut rows = self.cluster.rejected_rows(&ids).await;
        rows.sort_by(|a, b| {
            (
                a.1.job_id,
                a.1.partition,
                a.1.offset,
                a.1.row_start,
                a.1.row_ordinal,
            )
                .cmp(&(
                    b.1.job_id,
                    b.1.partition,
                    b.1.offset,
                    b.1.row_start,
                    b.1.row_ordinal,
                ))
        });
        // The same message rejected again after its offsets were reset, by a task on another
        // BE: one row.
        rows.dedup_by(|a, b| {
            (
                a.1.job_id,
                a.1.partition,
                a.1.offset,
                a.1.row_start,
                a.1.row_ordinal,
            ) == (
                b.1.job_id,
                b.1.partition,
                b.1.offset,
                b.1.row_start,
                b.1.row_ordinal,
            )
        });
        rows.into_iter()
            .filter_map(|(be_id, r)| {
                let (db, table, topic) = jobs.get(&r.job_id)?.clone();
                Some(crate::query::source::RejectedRowInfo {
                    job_id: r.job_id,
                    job_name: r.job_name,
                    db,
                    table,
                    label: r.label,
                    txn_id: r.txn_id,
                    be_id,
                    topic,
                    partition: r.partition,
                    offset: r.offset,
                    row_position: r.row_start,
                    row_ordinal: r.row_ordinal,
                    timestamp_ms: r.timestamp_ms,
                    reason: r.reason,
                    raw: r.raw,
                    recorded_ms: r.recorded_ms,
                })
            })
            .collect()
    }

    async fn backend_configs(&self) -> Vec<BackendConfig> {
        self.cluster
            .backend_configs()
            .await
            .into_iter()
            .map(|e| BackendConfig {
                be_id: e.backend_id,
                name: e.name,
                value: e.value,
                kind: e.kind,
                default_value: e.default_value,
                mutable: e.mutable,
            })
            .collect()
    }

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
        // Only tables the user holds a privilege on (generatePartitionsMetaResponse).
        self.visible_tables()
            .into_iter()
            .flat_map(|(db, t)| partition_meta_rows(&db, &t))
            .collect()
    }

    fn check_select(&self, db: &str, table: &str) -> Result<(), SqlError> {
        match self.catalog.get_table(db, table) {
            Some(t) => {
                authorize::check_select(&self.privilege, &self.principal, t.db_id, t.id, table)
            }
            // A view: SELECT on the view (its tables are read with the view's rights).
            None => match self.catalog.get_view(db, table) {
                Some(v) => {
                    authorize::check_select(&self.privilege, &self.principal, v.db_id, v.id, table)
                }
                None => Ok(()),
            },
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

/// `information_schema.tables_config` row of `t` (`genNormalTableConfigInfo`).
fn table_config(db: &str, t: &Table) -> TableConfig {
    use crate::catalog::table::{DistributionKind, KeysType};
    let quoted = |names: &mut dyn Iterator<Item = &str>| {
        names
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let keys = quoted(&mut t.key_columns().map(|c| c.name.as_str()));
    let (distribute_key, distribute_type) = match &t.distribution.kind {
        DistributionKind::Hash(cols) => (quoted(&mut cols.iter().map(String::as_str)), "HASH"),
        DistributionKind::Random => (String::new(), "RANDOM"),
    };
    // Gson of the properties map (a Java HashMap: its iteration order).
    let mut props = crate::routine_load::java_map::JavaHashMap::new();
    for (k, v) in &t.properties {
        props.put(k.clone(), v.clone());
    }
    TableConfig {
        db: db.to_string(),
        table: t.name.clone(),
        engine: "OLAP".into(),
        model: t.keys_type.name().into(),
        primary_key: if matches!(t.keys_type, KeysType::Primary | KeysType::Unique) {
            keys.clone()
        } else {
            String::new()
        },
        partition_key: quoted(&mut t.partition_info.columns().iter().map(|c| c.name.as_str())),
        distribute_key,
        distribute_type: distribute_type.into(),
        distribute_bucket: i64::from(t.distribution.bucket_num),
        // ORDER BY columns when given, else the key columns (no sort key indexes).
        sort_key: match &t.order_by {
            Some(cols) => quoted(&mut cols.iter().map(String::as_str)),
            None => keys,
        },
        // `new Gson()`: HTML-safe escaping of the values.
        properties: props.to_json_with(|v| crate::java_text::gson_string(v, true)),
        table_id: t.id,
    }
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

    fn dump(&self, scope: VarScope) -> Vec<(String, String)> {
        let scope = match scope {
            VarScope::Session => variables::VarScope::Session,
            VarScope::Global => variables::VarScope::Global,
        };
        self.0
            .dump(scope, |_| true)
            .into_iter()
            .map(|r| (r.name, r.value))
            .collect()
    }
}
