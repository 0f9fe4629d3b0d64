//! starload frontend: MySQL protocol server, catalog, routine load jobs, transactions and
//! queries. Map (module -> owner of):
//! - `server/`   MySQL protocol only (handshake, auth, COM_*), turns errors into ERR packets
//! - `sql/`      statement parsing: our grammar for StarRocks statements, sqlparser for SELECT
//! - `handler/`  executes parsed statements against the modules below
//! - `catalog/`  databases, tables, columns, partitions, tablets (persisted in `meta/`)
//! - `cluster/`  backends, heartbeats, BE gRPC clients, tablet placement
//! - `txn/`      load transactions: begin / commit (with progress) / publish / abort
//! - `routine_load/` routine load jobs, tasks, scheduler, SHOW formats
//! - `query/`    SELECT through DataFusion over BE scans and information_schema
//! - `privilege/` users, roles, grants and checks (StarRocks Authentication/AuthorizationMgr)
//! - `meta/`     the RocksDB metadata store (single source of truth)
//! - `rpc/`      FrontendService (BE -> FE gRPC)
//! - `http/`     /api/health, /metrics
//!
//! Dependency direction: server -> sql -> handler -> {routine_load, query, catalog, txn, cluster} -> meta.

pub mod catalog;
pub mod cluster;
pub mod config;
pub mod context;
pub mod error;
pub mod handler;
pub mod http;
pub mod meta;
pub mod privilege;
pub mod query;
pub mod routine_load;
pub mod rpc;
pub mod server;
pub mod session;
pub mod sql;
pub mod txn;
pub mod variables;
