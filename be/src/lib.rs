//! starload backend. Map (module -> owner of):
//! - `service` tonic impl of BackendService: translates proto to internal calls, no logic
//! - `load/`   routine load tasks: Kafka consumers, decoders (CSV/JSON/Avro) into Arrow batches,
//!   COLUMNS/WHERE transforms, error rows, routing rows to tablet replicas, report to FE
//! - `storage/` RocksDB tablets: keys, staged rows per transaction, publish, merge-on-read per
//!   table model, scans, compaction
//! - `http`    /api/health, /metrics, /api/_load_error_log
//! - `telemetry` every metric (name, kind, labels, help) and the typed events that log and count
//!
//! - `context` shared state; the `RoutineLoadTasks` trait the service calls `load` through
//! - `config`, `error`: foundations
//!
//! Layers, top first (a module imports only lower layers; no two sibling files import each
//! other; `be/tests/module_layers.rs` checks both): `service`, `http` -> `load` -> `context`
//! -> `storage` -> `config`, `error`.

pub mod config;
pub mod context;
pub mod error;
pub mod http;
pub mod load;
pub mod service;
pub mod storage;
pub mod telemetry;
