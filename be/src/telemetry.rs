//! Every metric the BE exposes on `GET /metrics` (be_http_port), and the typed events that bump
//! them. Layout: the table ([`METRICS`], one `static` per metric: name, kind, unit, label keys
//! with their allowed values, help), then one struct per event whose `emit()` writes the
//! event's log line and bumps its metrics (Vector's internal events), so a call site does one
//! thing and never names a metric. [`register`] describes the table at startup (the page then
//! has `# HELP` / `# TYPE` for every row, each known series at zero; the per-job load counters
//! appear with a job's first task).
//!
//! Naming (checked by `starload_proto::telemetry::check_table`, the rules of
//! `promtool check metrics`): `starload_be_<subsystem>_<name>[_<unit>][_total]`, counters and
//! only counters end in `_total`, seconds and bytes named last before `_total`, events counted
//! in the plural (`heartbeats_total`, `clones_total`). The StarRocks BE's metric names are not
//! specified (shared/spec/frontend.md §8.4), so none is mirrored here. Renamed from the inline
//! names before this module: `starload_be_load_bytes_received_total` ->
//! `starload_be_load_received_bytes_total`, `starload_be_storage_bytes_written_total` ->
//! `starload_be_storage_written_bytes_total`, `starload_be_clone_total` ->
//! `starload_be_clones_total`, and the counter
//! `starload_be_compaction_backpressure_milliseconds_total` became the summary
//! `starload_be_compaction_backpressure_seconds` (its `_sum` is the total wait, `_count` the
//! number of waits: `metrics` counters are integers, and promtool wants seconds).

use metrics::Unit;
use starload_proto::telemetry::{counter, gauge, seconds, Label, LabelValues, Metric};
use std::time::Duration;

/// The routine load job a load counter belongs to.
const JOB: &[Label] = &[Label {
    key: "job",
    values: LabelValues::JobName,
}];

// Service (service.rs).
pub static HEARTBEATS: Metric = counter(
    "starload_be_heartbeats_total",
    "Heartbeats received from the FE.",
);
pub static SCAN_ROWS: Metric = counter(
    "starload_be_scan_rows_total",
    "Rows sent in ScanTablets answers.",
);

// Routine load tasks (load/).
pub static LOAD_ROWS_LOADED: Metric = Metric {
    labels: JOB,
    ..counter(
        "starload_be_load_rows_loaded_total",
        "Rows routine load tasks coordinated by this BE wrote to tablets, by job.",
    )
};
pub static LOAD_ROWS_FILTERED: Metric = Metric {
    labels: JOB,
    ..counter(
        "starload_be_load_rows_filtered_total",
        "Rows routine load tasks coordinated by this BE filtered out as errors, by job.",
    )
};
pub static LOAD_RECEIVED_BYTES: Metric = Metric {
    labels: JOB,
    unit: Unit::Bytes,
    ..counter(
        "starload_be_load_received_bytes_total",
        "Bytes routine load tasks coordinated by this BE consumed from Kafka, by job.",
    )
};

// Storage (storage/).
pub static TABLETS: Metric = gauge(
    "starload_be_tablets",
    "Tablets on this BE, read when /metrics is scraped.",
);
pub static STORAGE_DATA: Metric = Metric {
    unit: Unit::Bytes,
    ..gauge(
        "starload_be_storage_data_bytes",
        "Estimated size of the tablet data in RocksDB, read when /metrics is scraped.",
    )
};
pub static STORAGE_ROWS_WRITTEN: Metric = counter(
    "starload_be_storage_rows_written_total",
    "Rows staged into tablets (WriteTabletBatch and local writes).",
);
pub static STORAGE_WRITTEN: Metric = Metric {
    unit: Unit::Bytes,
    ..counter(
        "starload_be_storage_written_bytes_total",
        "Bytes of staged rows written to RocksDB.",
    )
};
pub static STORAGE_PUBLISHES: Metric = counter(
    "starload_be_storage_publishes_total",
    "Tablet versions published (staged rows made visible).",
);
pub static STORAGE_SCANS: Metric =
    counter("starload_be_storage_scans_total", "Tablet scans started.");
pub static CLONES: Metric = counter(
    "starload_be_clones_total",
    "Tablets cloned from a healthy replica (CloneTablet).",
);
pub static CLONE_ROWS: Metric = counter(
    "starload_be_clone_rows_total",
    "Rows installed by tablet clones.",
);

// Compaction (storage/compaction.rs).
pub static COMPACTION_MAX_PENDING_VERSIONS: Metric = gauge(
    "starload_be_compaction_max_pending_versions",
    "Most uncompacted visible versions of any tablet, at the last compaction round.",
);
pub static COMPACTION_RUNNING: Metric = gauge(
    "starload_be_compaction_running",
    "Compactions folding rows now.",
);
pub static COMPACTION_RUNS: Metric =
    counter("starload_be_compaction_runs_total", "Compactions finished.");
pub static COMPACTION_VERSIONS_FOLDED: Metric = counter(
    "starload_be_compaction_versions_folded_total",
    "Published versions folded into base rows.",
);
pub static COMPACTION_DURATION: Metric = seconds(
    "starload_be_compaction_duration_seconds",
    "Time one tablet compaction took.",
);
pub static COMPACTION_BATCHES: Metric = counter(
    "starload_be_compaction_batches_total",
    "RocksDB write batches compactions wrote.",
);
pub static COMPACTION_ROW_OPS: Metric = counter(
    "starload_be_compaction_row_ops_total",
    "Row puts and deletes in compaction write batches.",
);
pub static COMPACTION_ROWS_READ: Metric = counter(
    "starload_be_compaction_rows_read_total",
    "Rows compactions read.",
);
pub static COMPACTION_ROWS_WRITTEN: Metric = counter(
    "starload_be_compaction_rows_written_total",
    "Base rows compactions wrote.",
);
pub static COMPACTION_ROWS_DROPPED: Metric = counter(
    "starload_be_compaction_rows_dropped_total",
    "Rows compactions dropped (folded, replaced or deleted).",
);
pub static COMPACTION_BACKPRESSURE: Metric = seconds(
    "starload_be_compaction_backpressure_seconds",
    "Waits of tablet writes while compaction is behind (sum: total time waited).",
);

/// Every metric of the BE, in page order.
pub static METRICS: &[&Metric] = &[
    &HEARTBEATS,
    &SCAN_ROWS,
    &LOAD_ROWS_LOADED,
    &LOAD_ROWS_FILTERED,
    &LOAD_RECEIVED_BYTES,
    &TABLETS,
    &STORAGE_DATA,
    &STORAGE_ROWS_WRITTEN,
    &STORAGE_WRITTEN,
    &STORAGE_PUBLISHES,
    &STORAGE_SCANS,
    &CLONES,
    &CLONE_ROWS,
    &COMPACTION_MAX_PENDING_VERSIONS,
    &COMPACTION_RUNNING,
    &COMPACTION_RUNS,
    &COMPACTION_VERSIONS_FOLDED,
    &COMPACTION_DURATION,
    &COMPACTION_BATCHES,
    &COMPACTION_ROW_OPS,
    &COMPACTION_ROWS_READ,
    &COMPACTION_ROWS_WRITTEN,
    &COMPACTION_ROWS_DROPPED,
    &COMPACTION_BACKPRESSURE,
];

/// Describes every metric to the installed recorder (once, after installing it).
pub fn register() {
    starload_proto::telemetry::register(METRICS);
}

fn count(n: i64) -> u64 {
    n.max(0) as u64
}

/// A heartbeat arrived (before its token is checked).
pub struct HeartbeatReceived {
    pub backend: i64,
}

impl HeartbeatReceived {
    pub fn emit(self) {
        HEARTBEATS.counter().increment(1);
        tracing::trace!(backend = self.backend, "Heartbeat received.");
    }
}

/// One batch of a ScanTablets answer was encoded.
pub struct ScanBatchSent {
    pub rows: usize,
}

impl ScanBatchSent {
    pub fn emit(self) {
        SCAN_ROWS.counter().increment(self.rows as u64);
        tracing::trace!(rows = self.rows, "Scan batch sent.");
    }
}

/// A routine load task finished its batch and is about to report it.
pub struct LoadTaskFinished<'a> {
    pub job: &'a str,
    pub loaded: i64,
    pub filtered: i64,
    pub unselected: i64,
    pub received_bytes: i64,
    pub cost_ms: i64,
}

impl LoadTaskFinished<'_> {
    pub fn emit(self) {
        LOAD_ROWS_LOADED
            .counter_at(self.job.to_string())
            .increment(count(self.loaded));
        LOAD_ROWS_FILTERED
            .counter_at(self.job.to_string())
            .increment(count(self.filtered));
        LOAD_RECEIVED_BYTES
            .counter_at(self.job.to_string())
            .increment(count(self.received_bytes));
        tracing::info!(
            loaded = self.loaded,
            filtered = self.filtered,
            unselected = self.unselected,
            ms = self.cost_ms,
            "Task finished."
        );
    }
}

/// Values read when `/metrics` is scraped.
pub struct MetricsScraped {
    pub tablets: usize,
    pub data_bytes: u64,
}

impl MetricsScraped {
    pub fn emit(self) {
        TABLETS.gauge().set(self.tablets as f64);
        STORAGE_DATA.gauge().set(self.data_bytes as f64);
        tracing::trace!(tablets = self.tablets, "Metrics scraped.");
    }
}

/// A batch of rows was staged into a tablet.
pub struct TabletBatchWritten {
    pub tablet: i64,
    pub rows: u64,
    pub bytes: u64,
}

impl TabletBatchWritten {
    pub fn emit(self) {
        STORAGE_ROWS_WRITTEN.counter().increment(self.rows);
        STORAGE_WRITTEN.counter().increment(self.bytes);
        tracing::trace!(
            tablet = self.tablet,
            rows = self.rows,
            "Tablet batch staged."
        );
    }
}

/// A tablet write waits `delay` because compaction is behind (`pending` versions).
pub struct TabletWriteBackpressured {
    pub tablet: i64,
    pub pending: i64,
    pub delay: Duration,
}

impl TabletWriteBackpressured {
    pub fn emit(self) {
        COMPACTION_BACKPRESSURE
            .histogram()
            .record(self.delay.as_secs_f64());
        tracing::trace!(
            tablet = self.tablet,
            pending = self.pending,
            ms = self.delay.as_millis() as u64,
            "Tablet write slowed down for compaction."
        );
    }
}

/// A tablet version was published.
pub struct TabletPublished {
    pub tablet: i64,
    pub txn: i64,
    pub version: i64,
}

impl TabletPublished {
    pub fn emit(self) {
        STORAGE_PUBLISHES.counter().increment(1);
        tracing::trace!(
            tablet = self.tablet,
            txn = self.txn,
            version = self.version,
            "Tablet version published."
        );
    }
}

/// A tablet scan started.
pub struct TabletScanStarted {
    pub tablet: i64,
}

impl TabletScanStarted {
    pub fn emit(self) {
        STORAGE_SCANS.counter().increment(1);
        tracing::trace!(tablet = self.tablet, "Tablet scan started.");
    }
}

/// A tablet was installed from a healthy replica's rows.
pub struct TabletCloned {
    pub tablet: i64,
    pub version: i64,
    pub rows: u64,
}

impl TabletCloned {
    pub fn emit(self) {
        CLONES.counter().increment(1);
        CLONE_ROWS.counter().increment(self.rows);
        tracing::info!(
            tablet = self.tablet,
            version = self.version,
            rows = self.rows,
            "Tablet cloned."
        );
    }
}

/// A compaction round looked at every tablet.
pub struct CompactionRoundPlanned {
    pub max_pending_versions: i64,
}

impl CompactionRoundPlanned {
    pub fn emit(self) {
        COMPACTION_MAX_PENDING_VERSIONS
            .gauge()
            .set(self.max_pending_versions as f64);
    }
}

/// A compaction starts folding a tablet's rows.
pub struct CompactionFoldStarted {
    pub tablet: i64,
}

impl CompactionFoldStarted {
    pub fn emit(self) {
        COMPACTION_RUNNING.gauge().increment(1.0);
        tracing::trace!(tablet = self.tablet, "Compaction folding.");
    }
}

/// A compaction stopped folding a tablet's rows (done or failed).
pub struct CompactionFoldEnded {
    pub tablet: i64,
}

impl CompactionFoldEnded {
    pub fn emit(self) {
        COMPACTION_RUNNING.gauge().decrement(1.0);
        tracing::trace!(tablet = self.tablet, "Compaction fold ended.");
    }
}

/// A tablet compaction finished.
pub struct CompactionDone {
    pub tablet: i64,
    pub from: i64,
    pub to: i64,
    pub versions_folded: usize,
    pub rows_read: u64,
    pub rows_written: u64,
    pub rows_dropped: u64,
    pub elapsed: Duration,
}

impl CompactionDone {
    pub fn emit(self) {
        COMPACTION_RUNS.counter().increment(1);
        COMPACTION_VERSIONS_FOLDED
            .counter()
            .increment(self.versions_folded as u64);
        COMPACTION_DURATION
            .histogram()
            .record(self.elapsed.as_secs_f64());
        tracing::info!(
            tablet = self.tablet,
            from = self.from,
            to = self.to,
            rows_read = self.rows_read,
            rows_written = self.rows_written,
            rows_dropped = self.rows_dropped,
            ms = self.elapsed.as_millis() as u64,
            "Compaction done."
        );
    }
}

/// A compaction wrote one RocksDB batch of `ops` row operations.
pub struct CompactionBatchWritten {
    pub tablet: i64,
    pub ops: u64,
}

impl CompactionBatchWritten {
    pub fn emit(self) {
        COMPACTION_BATCHES.counter().increment(1);
        COMPACTION_ROW_OPS.counter().increment(self.ops);
        tracing::trace!(
            tablet = self.tablet,
            ops = self.ops,
            "Compaction batch written."
        );
    }
}

/// The rows a compaction batch made durable (counted per batch).
pub struct CompactionRowsFlushed {
    pub read: u64,
    pub written: u64,
    pub dropped: u64,
}

impl CompactionRowsFlushed {
    pub fn emit(self) {
        COMPACTION_ROWS_READ.counter().increment(self.read);
        COMPACTION_ROWS_WRITTEN.counter().increment(self.written);
        COMPACTION_ROWS_DROPPED.counter().increment(self.dropped);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_keeps_the_naming_rules() {
        let bad = starload_proto::telemetry::check_table("be", METRICS);
        assert!(bad.is_empty(), "{bad:#?}");
    }
}
