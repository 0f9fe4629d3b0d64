//! What a query reads from the rest of the FE, as plain snapshots: the catalog (databases,
//! tables, partitions at their visible versions, replica addresses) and the session's system
//! variables. The handler adapts the real catalog/cluster/variables to these traits, unit tests
//! use in-memory ones. Snapshots are taken once per query so that every table is read at one
//! set of visible versions (a query never sees half of a load).

use crate::catalog::partition_info::PartitionInfo;
use crate::error::SqlError;
use crate::load_job::DbLoadJob;
use starload_proto::types::{TabletLocation, TabletSchema};

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

/// Read access to the catalog. Names are matched exactly (StarRocks with
/// `lower_case_table_names = 0`).
pub trait CatalogSource: Send + Sync {
    /// Every user database, sorted.
    fn database_names(&self) -> Vec<String>;
    fn database_exists(&self, db: &str) -> bool;
    /// Table names of `db`, sorted; `None` if the database does not exist.
    fn table_names(&self, db: &str) -> Option<Vec<String>>;
    /// A snapshot of one table; `None` if it does not exist.
    fn table(&self, db: &str, table: &str) -> Option<TableSnapshot>;
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
