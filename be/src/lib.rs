//! starload backend. Map (module -> owner of):
//! - `service` tonic impl of BackendService: translates proto to internal calls, no logic
//! - `load/`   routine load tasks: Kafka consumers, decoders (CSV/JSON/Avro) into Arrow batches,
//!   COLUMNS/WHERE transforms, error rows, routing rows to tablet replicas, report to FE
//! - `storage/` RocksDB tablets: keys, staged rows per transaction, publish, merge-on-read per
//!   table model, scans, compaction
//! - `http`    /api/health, /metrics, /api/_load_error_log
//!
//! Dependency direction: service -> load -> storage.

pub mod config;
pub mod context;
pub mod error;
pub mod http;
pub mod load;
pub mod service;
pub mod storage;
