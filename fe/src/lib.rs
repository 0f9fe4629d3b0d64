//! starload frontend: MySQL protocol server, catalog, routine load jobs, transactions and
//! queries. Map (module -> owner of):
//! - `server/`   MySQL protocol only (handshake, auth, COM_*), turns errors into ERR packets
//! - `rpc`       FrontendService (BE -> FE gRPC: task reports, txn states)
//! - `http`      /api/health, /metrics, and the console's routes
//! - `console/`  the web console (/console): login over HTTP Basic, pages, JSON, PAUSE/RESUME
//! - `handler/`  executes parsed statements against the modules below; CREATE TABLE analysis
//! - `context`   `FeContext`: opens every manager and wires them (the txn listener)
//! - `sql/`      statement parsing: our grammar for StarRocks statements, sqlparser for SELECT
//! - `session`   per-connection state (user, roles, session variables)
//! - `routine_load/` routine load jobs, tasks, scheduler, SHOW formats and filters
//! - `query/`    SELECT through DataFusion over BE scans and information_schema
//! - `txn/`      load transactions: begin / commit (with progress) / publish / abort
//! - `load_job/` INSERT / DELETE load jobs (SHOW LOAD, information_schema.loads)
//! - `cluster/`  backends, heartbeats, every FE -> BE call, tablet placement
//! - `privilege/` users, roles, grants and checks (StarRocks Authentication/AuthorizationMgr)
//! - `variables` global variables
//! - `catalog/`  databases, tables, columns, partitions, tablets (persisted in `meta/`)
//! - `meta/`     the RocksDB metadata store (single source of truth)
//! - `config`, `result` (what a statement returns), `clock`, `java_text` (Java's text forms
//!   of times and doubles), `error`, `telemetry`
//!   (every metric: name, kind, labels, help; typed events that log and count): foundations
//!
//! Layers, top first; a module imports only modules of lower layers (never one above, never a
//! neighbour in its own layer), and no more than two files import each other in a circle.
//! `fe/tests/module_layers.rs` checks both on every test run.
//! 1. `server`, `rpc`, `http` (entry points; `main.rs` starts them and the background loops)
//! 2. `console` (the web console: runs statements through `handler` as the logged-in user)
//! 3. `handler`
//! 4. `context`
//! 5. `sql`, `session`
//! 6. `routine_load`, `query`
//! 7. `txn` (announces ABORTED / VISIBLE through its own `TxnListener` trait, which
//!    routine_load implements, instead of calling up), `load_job`
//! 8. `cluster`, `privilege`, `variables`
//! 9. `catalog`
//! 10. `meta`, `config`, `result`, `clock`, `java_text`, `error`, `telemetry`

pub mod catalog;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod console;
pub mod context;
pub mod error;
pub mod ha;
pub mod handler;
pub mod http;
pub mod java_text;
pub mod load_job;
pub mod meta;
pub mod privilege;
pub mod query;
pub mod result;
pub mod routine_load;
pub mod rpc;
pub mod server;
pub mod session;
pub mod sql;
pub mod telemetry;
pub mod txn;
pub mod variables;
