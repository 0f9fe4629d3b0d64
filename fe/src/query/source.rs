//! What a query reads from the rest of the FE, as plain snapshots: the catalog (databases,
//! tables, partitions at their visible versions, replica addresses) and the session's system
//! variables. The handler adapts the real catalog/cluster/variables to these traits, unit tests
//! use in-memory ones. Snapshots are taken once per query so that every table is read at one
//! set of visible versions (a query never sees half of a load).

use crate::catalog::partition_info::PartitionInfo;
use crate::error::SqlError;
use crate::load_job::DbLoadJob;
use starload_proto::types::{ColumnDef, TabletLocation, TabletSchema};

/// One table partition as a query reads it: every tablet at `visible_version`.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionSnapshot {
    pub id: i64,
    pub name: String,
    /// Published version every tablet of this partition is read at. 1 = empty partition.
    pub visible_version: i64,
    /// Each tablet with the replicas that may serve reads (alive BEs first).
    pub tablets: Vec<TabletLocation>,
}

/// One OLAP table with everything a scan and information_schema need.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSnapshot {
    pub id: i64,
    pub name: String,
    pub schema: TabletSchema,
    pub comment: String,
    /// Creation time, seconds since the epoch (information_schema.tables.CREATE_TIME).
    pub create_time_s: i64,
    pub partitions: Vec<PartitionSnapshot>,
    /// How rows are split into `partitions` (scans prune by it).
    pub partition_info: PartitionInfo,
}

/// One view as queries and information_schema read it.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewSnapshot {
    pub name: String,
    /// The query text (planned on every read).
    pub query: String,
    /// The database bare names in `query` resolve against.
    pub resolve_db: String,
    /// `(c1, c2, ...)` given at CREATE: they rename the query's columns.
    pub column_aliases: Vec<String>,
    /// The output columns found at CREATE (information_schema.columns, DESC).
    pub columns: Vec<ColumnDef>,
    pub comment: String,
    /// `'user'@'host'`.
    pub definer: String,
    pub create_time_s: i64,
}

/// One row of `information_schema.partitions_meta`: a partition as SHOW PARTITIONS describes
/// it, with its versions (text columns formatted as SHOW PARTITIONS prints them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionMeta {
    pub db: String,
    pub table: String,
    pub partition_name: String,
    pub partition_id: i64,
    pub visible_version: i64,
    /// Seconds since the epoch (0: never).
    pub visible_version_time_s: i64,
    pub next_version: i64,
    pub partition_key: String,
    /// SHOW PARTITIONS's `Range` / `List` cell.
    pub partition_value: String,
    pub distribution_key: String,
    pub buckets: i64,
    pub replication_num: i64,
    pub storage_medium: String,
    pub cooldown_time_s: i64,
    pub is_in_memory: bool,
    /// A partition an INSERT OVERWRITE or TRUNCATE is about to swap in.
    pub is_temp: bool,
    pub data_size: String,
    pub row_count: i64,
}

/// One row of `information_schema.tables_config`, cells as StarRocks's
/// `InformationSchemaDataSource.genNormalTableConfigInfo` sets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableConfig {
    pub db: String,
    pub table: String,
    /// `OLAP` (`Table.getType()`).
    pub engine: String,
    /// `DUP_KEYS`, `AGG_KEYS`, `UNIQUE_KEYS`, `PRIMARY_KEYS` (`KeysType.toString()`).
    pub model: String,
    /// Back-quoted key columns joined by `, ` for PRIMARY / UNIQUE tables, else empty.
    pub primary_key: String,
    /// Back-quoted partition columns joined by `, `, empty when unpartitioned.
    pub partition_key: String,
    pub distribute_key: String,
    /// `HASH` or `RANDOM`.
    pub distribute_type: String,
    pub distribute_bucket: i64,
    pub sort_key: String,
    /// The table's properties as Gson prints the map.
    pub properties: String,
    pub table_id: i64,
}

/// One row of `information_schema.routine_load_jobs`: the SHOW ROUTINE LOAD row of a job
/// (same texts), times as milliseconds since the epoch (0: none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutineLoadJobInfo {
    pub id: i64,
    pub name: String,
    pub create_ms: i64,
    pub pause_ms: i64,
    pub end_ms: i64,
    pub db: String,
    pub table: String,
    pub state: String,
    pub data_source_type: String,
    pub current_task_num: i64,
    pub job_properties: String,
    pub data_source_properties: String,
    pub custom_properties: String,
    pub statistics: String,
    pub progress: String,
    pub timestamp_progress: String,
    pub reasons_of_state_changed: String,
    pub error_log_urls: String,
    pub tracking_sql: String,
    pub other_msg: String,
    pub latest_source_position: String,
    pub offset_lag: String,
}

/// One row of `information_schema.routine_load_lag` (starload's own, issue 16): a partition of a
/// job, as SHOW ROUTINE LOAD LAG prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutineLoadLagInfo {
    pub job_id: i64,
    pub job_name: String,
    pub db: String,
    pub state: String,
    pub partition: i32,
    pub committed_offset: Option<i64>,
    pub last_stable_offset: Option<i64>,
    pub high_watermark: Option<i64>,
    pub offset_lag: Option<i64>,
    pub time_lag_ms: Option<i64>,
    pub status: String,
    pub log_start_offset: Option<i64>,
    pub retention_horizon_s: Option<i64>,
}

/// A load whose error rows `information_schema.load_tracking_logs` shows (StarRocks's
/// `TTrackingLoadInfo`): the job, and the error-log URLs the BEs serve its rows at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingLoad {
    pub id: i64,
    pub label: String,
    pub db: String,
    pub urls: Vec<String>,
    /// `ROUTINE_LOAD`, `INSERT`.
    pub load_type: String,
}

/// One row of `information_schema.routine_load_rejected_rows`: a rejected row of a committed
/// routine load transaction, from the ledger of the BE that ran the task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRowInfo {
    pub job_id: i64,
    pub job_name: String,
    pub db: String,
    pub table: String,
    pub label: String,
    pub txn_id: i64,
    pub be_id: i64,
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub row_position: u32,
    pub row_ordinal: u32,
    /// -1: none.
    pub timestamp_ms: i64,
    pub reason: String,
    pub raw: Vec<u8>,
    pub recorded_ms: i64,
}

/// One configuration key of one BE (`information_schema.be_configs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendConfig {
    pub be_id: i64,
    pub name: String,
    pub value: String,
    pub kind: String,
    pub default_value: String,
    pub mutable: bool,
}

/// Read access to the catalog. Names are matched exactly (StarRocks with
/// `lower_case_table_names = 0`).
#[async_trait::async_trait]
pub trait CatalogSource: Send + Sync {
    /// Every user database, sorted.
    fn database_names(&self) -> Vec<String>;
    fn database_exists(&self, db: &str) -> bool;
    /// Table names of `db`, sorted; `None` if the database does not exist.
    fn table_names(&self, db: &str) -> Option<Vec<String>>;
    /// A snapshot of one table; `None` if it does not exist.
    fn table(&self, db: &str, table: &str) -> Option<TableSnapshot>;
    /// A view of `db`; `None` if there is none of that name.
    fn view(&self, _db: &str, _name: &str) -> Option<ViewSnapshot> {
        None
    }
    /// The names of the views of `db` the user may see, sorted.
    fn view_names(&self, _db: &str) -> Vec<String> {
        Vec::new()
    }
    /// Every (db, view) the user may see, by db then view name (information_schema.views,
    /// tables, columns).
    fn visible_views(&self) -> Vec<(String, ViewSnapshot)> {
        let mut out = Vec::new();
        for db in self.database_names() {
            for name in self.view_names(&db) {
                if let Some(v) = self.view(&db, &name) {
                    out.push((db.clone(), v));
                }
            }
        }
        out
    }
    /// SELECT privilege on a table the query reads (called after the table was found, as
    /// StarRocks authorizes after analysis); `Err` is the access-denied error.
    fn check_select(&self, _db: &str, _table: &str) -> Result<(), SqlError> {
        Ok(())
    }
    /// Every partition of every table the user may see (`information_schema.partitions_meta`).
    fn partitions_meta(&self) -> Vec<PartitionMeta> {
        Vec::new()
    }
    /// Every load job (`information_schema.loads`), in id order.
    fn load_jobs(&self) -> Vec<DbLoadJob> {
        Vec::new()
    }
    /// Whether the user may see database `db` (any privilege on or in it).
    fn can_see_db(&self, _db: &str) -> bool {
        true
    }
    /// Whether the user may see `db.table` (any privilege on it), as information_schema's
    /// tables, columns, tables_config and partitions_meta filter.
    fn can_see_table(&self, _db: &str, _table: &str) -> bool {
        true
    }
    /// `information_schema.tables_config` rows of the tables the user may see.
    fn tables_config(&self) -> Vec<TableConfig> {
        Vec::new()
    }
    /// Every routine load job the user may see, finished ones included, in id order.
    fn routine_load_jobs(&self) -> Vec<RoutineLoadJobInfo> {
        Vec::new()
    }
    /// Lag per partition of every unfinished routine load job the user may see.
    fn routine_load_lag(&self) -> Vec<RoutineLoadLagInfo> {
        Vec::new()
    }
    /// Every load with error-log URLs the user may see.
    fn tracking_loads(&self) -> Vec<TrackingLoad> {
        Vec::new()
    }
    /// The text of one error log, read from the BE that wrote it; `Err` says why not.
    async fn fetch_error_log(&self, url: &str) -> Result<String, String> {
        Err(format!("no backend serves {url}"))
    }
    /// The configuration of every BE that answers.
    async fn backend_configs(&self) -> Vec<BackendConfig> {
        Vec::new()
    }
    /// The rejected rows of every routine load job the user may see (every BE that answers).
    async fn rejected_rows(&self) -> Vec<RejectedRowInfo> {
        Vec::new()
    }
}

/// Which variable table `@@x` reads: `@@x`, `@@session.x` and `@@local.x` read the session
/// value; `@@global.x` the global one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarScope {
    Session,
    Global,
}

/// A system variable value with the column type `SELECT @@x` returns (VariableMgr: boolean ->
/// BOOLEAN, int -> INT, long -> BIGINT, String -> VARCHAR; double -> DOUBLE).
#[derive(Debug, Clone, PartialEq)]
pub enum SysVarValue {
    Bool(bool),
    Int(i32),
    BigInt(i64),
    Double(f64),
    Str(String),
}

/// Read access to system variables (the FE's `variables` module behind it).
pub trait SystemVariables: Send + Sync {
    /// The value of `name` (lower-case, no `@@`) in `scope`, or StarRocks's error
    /// (1193 `Unknown system variable ...`).
    fn get(&self, name: &str, scope: VarScope) -> Result<SysVarValue, SqlError>;
    /// Every variable of `scope` with its value as SHOW VARIABLES prints it, sorted by name
    /// (information_schema.global_variables / session_variables).
    fn dump(&self, _scope: VarScope) -> Vec<(String, String)> {
        Vec::new()
    }
}

/// What the information functions return for the current session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub connection_id: u32,
    /// `DATABASE()`; empty when none is selected (StarRocks starts with "").
    pub current_db: String,
    /// `USER()`: `'user'@'host'`.
    pub user: String,
    /// `CURRENT_USER()`: `'user'@'%'`.
    pub current_user: String,
    /// `VERSION()`: mysql_server_version.
    pub server_version: String,
    /// `current_version()`: the StarRocks-style build string.
    pub current_version: String,
}
