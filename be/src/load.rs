//! Routine load task execution on the BE (StarRocks `be/src/runtime/routine_load/*`,
//! spec routine-load.md §4.5).
//!
//! Flow of one task: [`task`] (lifecycle, report) -> [`consumer`] (rdkafka, explicit partition
//! assignment, batch cut by time/bytes/EOF) -> [`decode`] (CSV/JSON/Avro messages into text
//! columns) -> [`transform`] (COLUMNS, WHERE, [`transform::convert`] to column types, strict mode) ->
//! [`sink`] (rows to partitions through [`partition_route`], then to buckets and tablets, Arrow
//! IPC to every replica). [`error_rows`] counts rows
//! and keeps the rejected ones for the error log.
//!
//! Everything moves in batches: one arena per consumer chunk, one Arrow batch per chunk, one
//! write per tablet and chunk.

pub mod consumer;
pub mod consumer_pool;
pub mod dead_letter;
pub mod decode;
pub mod error;
pub mod error_rows;
pub mod insert;
pub mod partition_route;
pub mod preview;
pub mod rejected_ledger;
pub mod replay;
pub mod sink;
pub mod task;
pub mod transform;
