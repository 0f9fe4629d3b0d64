//! Databases, tables, columns, partitions and tablets, kept in memory and persisted through
//! `meta` (keys 0x10 `Database`, 0x11 `Table`; see `meta/keys.rs`). Owner of table schemas and
//! partition versions.
//!
//! Layout: `types` (column types and their spellings), `table` (the persisted objects and
//! their SHOW/DESC formats), `partition_info` (range/list/expression partitioning and its range checks),
//! `partition_value` (typed bound values, time units), `partition_lookup` (row -> partition,
//! automatic partition names), `partition_show` (SHOW CREATE TABLE clause, SHOW PARTITIONS),
//! `partition_error` (their failures with StarRocks's texts).
//! CREATE TABLE analysis (models, defaults, properties, automatic buckets) is the handler's
//! (`handler::create_table`): the catalog stores tables, it does not read statements.
//!
//! Invariants:
//! - Every change is one `MetaBatch` written (fsynced) before the in-memory state changes, so
//!   a statement that returned survives `kill -9`; readers see either the old or the new state.
//! - Changes are serialised by `write_lock`; readers take cheap `Arc` snapshots.
//! - Partition versions only grow: `committed_version` by [`Catalog::commit_partition_versions`]
//!   (txn commit), `visible_version` by [`Catalog::publish_partition_versions`] (txn publish).
//!
//! How the txn module moves versions (the one way to do it, so that a txn's state, the job's
//! progress and the partition versions land in ONE atomic write):
//! ```text
//! let versions = ctx.catalog.commit_partition_versions(table_id, &partition_ids, |assigned| {
//!     // assigned = [(partition_id, new committed_version)], decided under the catalog lock
//!     let mut batch = MetaBatch::new();
//!     batch.put(&txn_key, &txn_state_with(assigned))?;   // + job progress
//!     Ok(batch)
//! })?;   // the table's new committed versions are added to `batch`, then it is written
//! // after a quorum published:
//! ctx.catalog.publish_partition_versions(batch_with_txn_visible, table_id, &[(pid, v)], now_ms)?;
//! ```

pub mod partition_error;
pub mod partition_info;
pub mod partition_lookup;
pub mod partition_show;
pub mod partition_value;
pub mod table;
pub mod types;
pub mod view;

pub use table::{
    AggType, Column, Database, DefaultValue, Distribution, DistributionKind, KeysType, Partition,
    Table, Tablet, PARTITION_INIT_VERSION,
};
pub use types::DataType;

use crate::clock::now_ms;
use crate::error::SqlError;
use crate::meta::{keys, MetaBatch, MetaError, MetaStore};
use starload_proto::error_code;
use starload_proto::types::TabletSchema;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// System databases StarRocks lists in SHOW DATABASES besides user databases.
pub const SYSTEM_DATABASES: &[&str] = &["_statistics_", "information_schema", "sys"];

/// Failure of a catalog operation. Converts into the client-facing [`SqlError`] with
/// StarRocks's text.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Meta(#[from] MetaError),
    #[error("Can't create database '{0}'; database exists")]
    DbExists(String),
    #[error("Can't drop database '{0}'; database doesn't exist")]
    DbDropMissing(String),
    #[error("Unknown database '{0}'")]
    UnknownDb(String),
    #[error("Table '{0}' already exists")]
    TableExists(String),
    #[error("Unknown table '{0}'")]
    UnknownTable(String),
    #[error("Unknown table id {0}")]
    UnknownTableId(i64),
    #[error("Unknown partition id {partition_id} of table {table_id}")]
    UnknownPartition { table_id: i64, partition_id: i64 },
    /// Any other DDL failure, sent verbatim (1064/HY000).
    #[error("{0}")]
    Ddl(String),
}

impl From<CatalogError> for SqlError {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::DbExists(db) => SqlError::code(error_code::ERR_DB_CREATE_EXISTS, &[&db]),
            CatalogError::DbDropMissing(db) => {
                SqlError::code(error_code::ERR_DB_DROP_EXISTS, &[&db])
            }
            CatalogError::UnknownDb(db) => SqlError::bad_db(&db),
            CatalogError::TableExists(t) => {
                SqlError::code(error_code::ERR_TABLE_EXISTS_ERROR, &[&t])
            }
            CatalogError::UnknownTable(t) => SqlError::bad_table(&t),
            other => SqlError::internal(other),
        }
    }
}

#[derive(Default)]
struct State {
    /// User databases by name.
    dbs: BTreeMap<String, Arc<Database>>,
    db_names: HashMap<i64, String>,
    tables: HashMap<i64, Arc<Table>>,
    /// (db id, table name) -> table id.
    table_ids: HashMap<(i64, String), i64>,
    /// (db id, view name) -> view (`view.rs`); views share the tables' namespace.
    views: HashMap<(i64, String), Arc<view::View>>,
}

impl State {
    fn insert_table(&mut self, t: Arc<Table>) {
        self.table_ids.insert((t.db_id, t.name.clone()), t.id);
        self.tables.insert(t.id, t);
    }

    fn remove_table(&mut self, t: &Table) {
        self.table_ids.remove(&(t.db_id, t.name.clone()));
        self.tables.remove(&t.id);
    }
}

/// The catalog.
pub struct Catalog {
    meta: Arc<MetaStore>,
    state: RwLock<State>,
    /// Serialises changes: compute, write the batch, swap the in-memory state.
    write_lock: Mutex<()>,
    /// Serialises whole DDL statements that span RPCs (CREATE TABLE creates tablets on BEs
    /// before it persists). Held by `handler/ddl.rs`.
    ddl_lock: tokio::sync::Mutex<()>,
}

impl Catalog {
    /// Loads the catalog from the metadata store.
    pub fn load(meta: Arc<MetaStore>) -> Result<Self, MetaError> {
        let mut state = State::default();
        for (_, db) in meta.scan_prefix::<Database>(&[keys::DATABASE])? {
            state.db_names.insert(db.id, db.name.clone());
            state.dbs.insert(db.name.clone(), Arc::new(db));
        }
        for (_, t) in meta.scan_prefix::<Table>(&[keys::TABLE])? {
            state.insert_table(Arc::new(t));
        }
        for (_, v) in meta.scan_prefix::<view::View>(&[keys::VIEW])? {
            state.views.insert((v.db_id, v.name.clone()), Arc::new(v));
        }
        Ok(Self {
            meta,
            state: RwLock::new(state),
            write_lock: Mutex::new(()),
            ddl_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// Replaces the in-memory catalog with what the store holds now (a follower after
    /// applying replicated entries; a new leader before it serves).
    pub fn reload(&self) -> Result<(), MetaError> {
        let fresh = Self::load(self.meta.clone())?;
        let _w = self.lock_writes();
        *self.write_state() = fresh.state.into_inner().unwrap_or_else(|p| p.into_inner());
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        match self.state.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn write_state(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        match self.state.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn lock_writes(&self) -> MutexGuard<'_, ()> {
        match self.write_lock.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The DDL statement lock (see the field doc).
    pub async fn ddl_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.ddl_lock.lock().await
    }

    /// The metadata store (for id allocation by DDL handlers).
    pub fn meta(&self) -> &Arc<MetaStore> {
        &self.meta
    }

    // ----------------------------------------------------------------------------- reads

    /// True for information_schema, _statistics_ and sys (case-insensitive, as StarRocks).
    pub fn is_system_db(name: &str) -> bool {
        SYSTEM_DATABASES
            .iter()
            .any(|s| s.eq_ignore_ascii_case(name))
    }

    /// True when `name` is a user or system database (what USE accepts).
    pub fn db_exists(&self, name: &str) -> bool {
        Self::is_system_db(name) || self.read().dbs.contains_key(name)
    }

    /// A user database by name.
    pub fn get_db(&self, name: &str) -> Option<Arc<Database>> {
        self.read().dbs.get(name).cloned()
    }

    /// A user database by id.
    pub fn get_db_by_id(&self, id: i64) -> Option<Arc<Database>> {
        let s = self.read();
        s.db_names.get(&id).and_then(|n| s.dbs.get(n)).cloned()
    }

    /// Every database name SHOW DATABASES lists (system ones included), sorted.
    pub fn list_database_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.read().dbs.keys().cloned().collect();
        names.extend(SYSTEM_DATABASES.iter().map(|s| s.to_string()));
        names.sort();
        names
    }

    /// User databases, sorted by name.
    pub fn list_databases(&self) -> Vec<Arc<Database>> {
        self.read().dbs.values().cloned().collect()
    }

    /// A table by database and table name.
    pub fn get_table(&self, db: &str, table: &str) -> Option<Arc<Table>> {
        let s = self.read();
        let db = s.dbs.get(db)?;
        let id = s.table_ids.get(&(db.id, table.to_string()))?;
        s.tables.get(id).cloned()
    }

    /// A table by id.
    pub fn get_table_by_id(&self, id: i64) -> Option<Arc<Table>> {
        self.read().tables.get(&id).cloned()
    }

    /// The tables of database `db`, sorted by name; None when the database does not exist.
    pub fn list_tables(&self, db: &str) -> Option<Vec<Arc<Table>>> {
        let s = self.read();
        let db = s.dbs.get(db)?;
        let mut v: Vec<Arc<Table>> = s
            .tables
            .values()
            .filter(|t| t.db_id == db.id)
            .cloned()
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        Some(v)
    }

    /// Every table (any database).
    pub fn all_tables(&self) -> Vec<Arc<Table>> {
        self.read().tables.values().cloned().collect()
    }

    /// The BE-side schema of table `table_id`.
    pub fn tablet_schema(&self, table_id: i64) -> Option<TabletSchema> {
        self.get_table_by_id(table_id).map(|t| t.tablet_schema())
    }

    /// Number of tablet replicas placed on each backend (SHOW BACKENDS TabletNum).
    pub fn tablet_num_by_backend(&self) -> HashMap<i64, u64> {
        let mut m = HashMap::new();
        for t in self.read().tables.values() {
            for (_, tablet) in t.all_tablets() {
                for be in &tablet.replicas {
                    *m.entry(*be).or_insert(0) += 1;
                }
            }
        }
        m
    }

    // ---------------------------------------------------------------------------- writes

    /// CREATE DATABASE. Returns false (and changes nothing) when it exists and
    /// `if_not_exists` is set.
    pub fn create_database(&self, name: &str, if_not_exists: bool) -> Result<bool, CatalogError> {
        let _g = self.lock_writes();
        if self.db_exists(name) {
            return if if_not_exists {
                Ok(false)
            } else {
                Err(CatalogError::DbExists(name.to_string()))
            };
        }
        let db = Database {
            id: self.meta.next_id()?,
            name: name.to_string(),
            create_time_ms: now_ms(),
        };
        let mut b = MetaBatch::new();
        b.put(&keys::id_key(keys::DATABASE, db.id), &db)?;
        self.meta.write(b)?;
        let mut s = self.write_state();
        s.db_names.insert(db.id, db.name.clone());
        s.dbs.insert(db.name.clone(), Arc::new(db));
        Ok(true)
    }

    /// DROP DATABASE with all its tables (one batch). Returns the dropped tables (their
    /// tablets are to be dropped on the BEs), or None when missing and `if_exists`.
    pub fn drop_database(
        &self,
        name: &str,
        if_exists: bool,
    ) -> Result<Option<Vec<Arc<Table>>>, CatalogError> {
        let _g = self.lock_writes();
        let Some(db) = self.get_db(name) else {
            return if if_exists {
                Ok(None)
            } else {
                Err(CatalogError::DbDropMissing(name.to_string()))
            };
        };
        let tables = self.list_tables(name).unwrap_or_default();
        let mut b = MetaBatch::new();
        b.delete(&keys::id_key(keys::DATABASE, db.id));
        for t in &tables {
            b.delete(&keys::id_key(keys::TABLE, t.id));
        }
        let views = self.list_views(name);
        for v in &views {
            b.delete(&keys::id_key(keys::VIEW, v.id));
        }
        self.meta.write(b)?;
        let mut s = self.write_state();
        for t in &tables {
            s.remove_table(t);
        }
        for v in &views {
            s.views.remove(&(v.db_id, v.name.clone()));
        }
        s.dbs.remove(name);
        s.db_names.remove(&db.id);
        Ok(Some(tables))
    }

    /// Adds a fully built table (tablets already created on the BEs).
    pub fn create_table(&self, table: Table) -> Result<Arc<Table>, CatalogError> {
        let _g = self.lock_writes();
        if self.get_db_by_id(table.db_id).is_none() {
            return Err(CatalogError::UnknownDb(table.db_id.to_string()));
        }
        let key = (table.db_id, table.name.clone());
        if self.read().table_ids.contains_key(&key) || self.read().views.contains_key(&key) {
            return Err(CatalogError::TableExists(table.name.clone()));
        }
        let mut b = MetaBatch::new();
        b.put(&keys::id_key(keys::TABLE, table.id), &table)?;
        self.meta.write(b)?;
        let t = Arc::new(table);
        self.write_state().insert_table(t.clone());
        Ok(t)
    }

    /// Removes a table. Returns it (its tablets are to be dropped on the BEs).
    pub fn drop_table(&self, db: &str, name: &str) -> Result<Arc<Table>, CatalogError> {
        let _g = self.lock_writes();
        let t = self
            .get_table(db, name)
            .ok_or_else(|| CatalogError::UnknownTable(name.to_string()))?;
        let mut b = MetaBatch::new();
        b.delete(&keys::id_key(keys::TABLE, t.id));
        self.meta.write(b)?;
        self.write_state().remove_table(&t);
        Ok(t)
    }

    /// Changes a table under the catalog's write lock and persists it (partition DDL: ADD /
    /// DROP PARTITION, partitions created for a load). `change` sees the current table and
    /// may refuse; nothing is written then.
    pub fn update_table<F, T>(
        &self,
        table_id: i64,
        change: F,
    ) -> Result<(Arc<Table>, T), CatalogError>
    where
        F: FnOnce(&mut Table) -> Result<T, CatalogError>,
    {
        let _g = self.lock_writes();
        let t = self
            .get_table_by_id(table_id)
            .ok_or(CatalogError::UnknownTableId(table_id))?;
        let mut next = (*t).clone();
        let out = change(&mut next)?;
        Ok((self.put_table(MetaBatch::new(), next)?, out))
    }

    fn put_table(&self, mut b: MetaBatch, table: Table) -> Result<Arc<Table>, CatalogError> {
        b.put(&keys::id_key(keys::TABLE, table.id), &table)?;
        self.meta.write(b)?;
        let t = Arc::new(table);
        self.write_state().insert_table(t.clone());
        Ok(t)
    }

    /// Txn commit: under the catalog lock, assigns each partition in `partition_ids` the
    /// version `committed_version + 1`, lets `build` make the batch (txn state, job progress)
    /// knowing those versions, adds the table's new state to it and writes it atomically.
    /// Returns `(partition_id, version)` in the order given.
    pub fn commit_partition_versions<F>(
        &self,
        table_id: i64,
        partition_ids: &[i64],
        build: F,
    ) -> Result<Vec<(i64, i64)>, CatalogError>
    where
        F: FnOnce(&[(i64, i64)]) -> Result<MetaBatch, MetaError>,
    {
        let _g = self.lock_writes();
        let t = self
            .get_table_by_id(table_id)
            .ok_or(CatalogError::UnknownTableId(table_id))?;
        let mut next = (*t).clone();
        let mut assigned = Vec::with_capacity(partition_ids.len());
        for pid in partition_ids {
            let p = next
                .partition_mut(*pid)
                .ok_or(CatalogError::UnknownPartition {
                    table_id,
                    partition_id: *pid,
                })?;
            p.committed_version += 1;
            assigned.push((*pid, p.committed_version));
        }
        let batch = build(&assigned)?;
        self.put_table(batch, next)?;
        Ok(assigned)
    }

    /// Txn publish: raises `visible_version` of each `(partition_id, version)` (never lowers
    /// it), adds the table to `batch` (which carries the txn's VISIBLE state) and writes it.
    pub fn publish_partition_versions(
        &self,
        batch: MetaBatch,
        table_id: i64,
        versions: &[(i64, i64)],
        visible_time_ms: i64,
    ) -> Result<Arc<Table>, CatalogError> {
        let _g = self.lock_writes();
        let t = self
            .get_table_by_id(table_id)
            .ok_or(CatalogError::UnknownTableId(table_id))?;
        let mut next = (*t).clone();
        for (pid, v) in versions {
            // A partition dropped after the commit has nothing left to make visible.
            let Some(p) = next.partition_mut(*pid) else {
                continue;
            };
            if *v > p.visible_version {
                p.visible_version = *v;
                p.committed_version = p.committed_version.max(*v);
                p.visible_version_time_ms = visible_time_ms;
            }
        }
        self.put_table(batch, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(db_id: i64, id: i64, name: &str) -> Table {
        Table {
            id,
            db_id,
            name: name.into(),
            keys_type: KeysType::Duplicate,
            columns: vec![Column {
                name: "k".into(),
                data_type: DataType::Int,
                is_key: true,
                nullable: true,
                agg: None,
                agg_implicit: false,
                default: None,
                comment: String::new(),
            }],
            distribution: Distribution {
                kind: DistributionKind::Random,
                bucket_num: 1,
                buckets_given: false,
            },
            order_by: None,
            properties: BTreeMap::new(),
            replication_num: 1,
            comment: String::new(),
            create_time_ms: 0,
            partitions: vec![Partition {
                id: id + 1,
                name: name.into(),
                visible_version: 1,
                visible_version_time_ms: 0,
                committed_version: 1,
                tablets: vec![Tablet {
                    id: id + 2,
                    bucket: 0,
                    replicas: vec![7],
                }],
            }],
            partition_info: Default::default(),
            temp_partitions: Vec::new(),
            schema_version: 0,
        }
    }

    #[test]
    fn ddl_survives_reopen_and_versions_move_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let db_id;
        {
            let meta = Arc::new(MetaStore::open(dir.path()).unwrap());
            let c = Catalog::load(meta).unwrap();
            assert!(c.create_database("d1", false).unwrap());
            assert!(!c.create_database("d1", true).unwrap());
            assert!(matches!(
                c.create_database("d1", false),
                Err(CatalogError::DbExists(_))
            ));
            db_id = c.get_db("d1").unwrap().id;
            c.create_table(table(db_id, 500, "t1")).unwrap();
            assert!(matches!(
                c.create_table(table(db_id, 600, "t1")),
                Err(CatalogError::TableExists(_))
            ));
            let v = c
                .commit_partition_versions(500, &[501], |assigned| {
                    assert_eq!(assigned, &[(501, 2)]);
                    let mut b = MetaBatch::new();
                    b.put(&keys::id_key(keys::TXN, 9), &"committed")?;
                    Ok(b)
                })
                .unwrap();
            assert_eq!(v, vec![(501, 2)]);
            c.publish_partition_versions(MetaBatch::new(), 500, &[(501, 2)], 5)
                .unwrap();
        }
        let meta = Arc::new(MetaStore::open(dir.path()).unwrap());
        let c = Catalog::load(meta.clone()).unwrap();
        let t = c.get_table("d1", "t1").unwrap();
        assert_eq!(
            (
                t.partitions[0].committed_version,
                t.partitions[0].visible_version
            ),
            (2, 2)
        );
        assert!(meta
            .get::<String>(&keys::id_key(keys::TXN, 9))
            .unwrap()
            .is_some());
        assert_eq!(c.tablet_num_by_backend().get(&7), Some(&1));
        let dropped = c.drop_database("d1", false).unwrap().unwrap();
        assert_eq!(dropped.len(), 1);
        assert!(c.get_table_by_id(500).is_none());
        let c = Catalog::load(meta).unwrap();
        assert!(!c.db_exists("d1"));
        assert!(c.db_exists("INFORMATION_SCHEMA"));
        assert_eq!(
            c.list_database_names(),
            vec!["_statistics_", "information_schema", "sys"]
        );
    }

    #[test]
    fn errors_carry_starrocks_codes() {
        let e: SqlError = CatalogError::UnknownDb("x".into()).into();
        assert_eq!(
            (e.errno, e.message.as_str()),
            (5501, "Unknown database 'x'")
        );
        let e: SqlError = CatalogError::TableExists("t".into()).into();
        assert_eq!((e.errno, e.sqlstate.as_str()), (1050, "42S01"));
        let e: SqlError = CatalogError::DbDropMissing("d".into()).into();
        assert_eq!(
            (e.errno, e.message.as_str()),
            (1008, "Can't drop database 'd'; database doesn't exist")
        );
    }
}
