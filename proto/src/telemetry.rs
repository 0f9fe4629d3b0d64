//! What a row of a process's metric table is, shared by `fe/src/telemetry.rs` and
//! `be/src/telemetry.rs` (each owns its table and its typed events; this module owns the shape,
//! the registration and the naming rules).
//!
//! - [`Metric`]: name, kind, unit, label keys with their allowed values, help text. A table is
//!   a `&[&Metric]`; [`register`] describes every row to the installed `metrics` recorder (so
//!   `/metrics` prints `# HELP` and `# TYPE`) and creates every series whose labels are known in
//!   advance, at zero, so a scrape shows the whole table before anything happened.
//! - Call sites never name a metric: they emit a typed event of their process's telemetry
//!   module (Vector's internal events), whose `emit()` writes the log line and bumps the
//!   metrics of that event through the [`Metric`] handles below.
//! - [`check_table`]: the naming rules every table keeps (unit tests of both tables run it):
//!   `starload_<fe|be>_` prefix (or StarRocks's own `starrocks_<fe|be>_` name for a metric
//!   StarRocks has), counters and only counters end in `_total`, seconds and bytes are named in
//!   the metric, unique names, no reserved label keys. These are the rules `promtool check
//!   metrics` (Prometheus's promlint) applies to the page.

use metrics::{Counter, Gauge, Histogram, SharedString, Unit};

/// The Prometheus type of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (from 0 at process start); name ends in `_total`.
    Counter,
    /// Goes up and down, or is set from a snapshot (e.g. at scrape time).
    Gauge,
    /// A distribution of observations; `metrics-exporter-prometheus` renders it as a
    /// Prometheus summary (quantiles, `_sum`, `_count`).
    Histogram,
}

impl Kind {
    /// The `# TYPE` word the Prometheus exporter prints for this kind.
    pub fn prometheus_type(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "summary",
        }
    }
}

/// The values a label may take. Every label is bounded: offsets, messages, ids of rows,
/// tablets or transactions never become label values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelValues {
    /// Exactly these values; every series is created at zero by [`register`].
    OneOf(&'static [&'static str]),
    /// The routine load job name: one series per job (bounded by the jobs of the cluster);
    /// a series appears with the job's first task.
    JobName,
}

/// A label key and its allowed values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub key: &'static str,
    pub values: LabelValues,
}

/// One row of a metric table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    /// Full Prometheus name, unit and `_total` included.
    pub name: &'static str,
    pub kind: Kind,
    /// `Count` for plain counts (rows, tasks, versions), else the base unit in the name.
    pub unit: Unit,
    /// At most the keys listed here; each with bounded values.
    pub labels: &'static [Label],
    /// The `# HELP` text.
    pub help: &'static str,
}

/// An unlabelled count (`labels` and `unit` can be set with struct update syntax).
pub const fn counter(name: &'static str, help: &'static str) -> Metric {
    Metric {
        name,
        kind: Kind::Counter,
        unit: Unit::Count,
        labels: &[],
        help,
    }
}

/// An unlabelled gauge of a count.
pub const fn gauge(name: &'static str, help: &'static str) -> Metric {
    Metric {
        kind: Kind::Gauge,
        ..counter(name, help)
    }
}

/// An unlabelled histogram of seconds.
pub const fn seconds(name: &'static str, help: &'static str) -> Metric {
    Metric {
        kind: Kind::Histogram,
        unit: Unit::Seconds,
        ..counter(name, help)
    }
}

impl Metric {
    /// The counter of an unlabelled metric.
    pub fn counter(&self) -> Counter {
        debug_assert!(self.kind == Kind::Counter && self.labels.is_empty());
        metrics::counter!(self.name)
    }

    /// The counter of a metric with one label, at `value`.
    pub fn counter_at(&self, value: impl Into<SharedString>) -> Counter {
        debug_assert!(self.kind == Kind::Counter);
        metrics::counter!(self.name, self.label_set(value.into()))
    }

    /// The gauge of an unlabelled metric.
    pub fn gauge(&self) -> Gauge {
        debug_assert!(self.kind == Kind::Gauge && self.labels.is_empty());
        metrics::gauge!(self.name)
    }

    /// The gauge of a metric with one label, at `value`.
    pub fn gauge_at(&self, value: impl Into<SharedString>) -> Gauge {
        debug_assert!(self.kind == Kind::Gauge);
        metrics::gauge!(self.name, self.label_set(value.into()))
    }

    /// The histogram of an unlabelled metric.
    pub fn histogram(&self) -> Histogram {
        debug_assert!(self.kind == Kind::Histogram && self.labels.is_empty());
        metrics::histogram!(self.name)
    }

    fn label_set(&self, value: SharedString) -> Vec<metrics::Label> {
        let Some(label) = self.labels.first() else {
            return Vec::new();
        };
        debug_assert!(
            match label.values {
                LabelValues::OneOf(allowed) => allowed.contains(&value.as_ref()),
                LabelValues::JobName => true,
            },
            "{}: {}={} is not an allowed value",
            self.name,
            label.key,
            value.as_ref()
        );
        vec![metrics::Label::new(label.key, value)]
    }

    /// Describes the metric to the recorder and creates its series known in advance at zero.
    fn register(&self) {
        let (name, unit, help) = (self.name, self.unit, self.help);
        match self.kind {
            Kind::Counter => metrics::describe_counter!(name, unit, help),
            Kind::Gauge => metrics::describe_gauge!(name, unit, help),
            Kind::Histogram => metrics::describe_histogram!(name, unit, help),
        }
        // Registering a handle creates the series (at zero) in the recorder.
        let labels: Vec<Vec<metrics::Label>> = match self.labels.first().map(|l| l.values) {
            None => vec![Vec::new()],
            Some(LabelValues::OneOf(values)) => {
                values.iter().map(|v| self.label_set((*v).into())).collect()
            }
            Some(LabelValues::JobName) => Vec::new(),
        };
        for l in labels {
            match self.kind {
                Kind::Counter => {
                    let _ = metrics::counter!(self.name, l);
                }
                Kind::Gauge => {
                    let _ = metrics::gauge!(self.name, l);
                }
                Kind::Histogram => {
                    let _ = metrics::histogram!(self.name, l);
                }
            }
        }
    }
}

/// Registers every metric of `table` with the installed recorder (call once, after
/// installing it; without a recorder this does nothing).
pub fn register(table: &[&Metric]) {
    for m in table {
        m.register();
    }
}

/// The naming rules of a table for process `process` ("fe" or "be"); every broken rule, or
/// none. StarRocks-named metrics (`starrocks_<process>_`) follow the same rules, so a StarRocks
/// counter is exposed with `_total` appended (the name a Prometheus client gives it).
pub fn check_table(process: &str, table: &[&Metric]) -> Vec<String> {
    let mut bad = Vec::new();
    let ours = format!("starload_{process}_");
    let theirs = format!("starrocks_{process}_");
    let mut seen = std::collections::BTreeSet::new();
    for m in table {
        let n = m.name;
        let mut fail = |why: &str| bad.push(format!("{n}: {why}"));
        if !seen.insert(n) {
            fail("declared twice");
        }
        if !(n.starts_with(&ours) || n.starts_with(&theirs)) {
            fail(&format!(
                "must start with {ours} (or {theirs} for a StarRocks metric)"
            ));
        }
        if !n
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            fail("must be lower snake case");
        }
        let is_total = n.ends_with("_total");
        match m.kind {
            Kind::Counter if !is_total => fail("a counter ends in _total"),
            Kind::Gauge | Kind::Histogram if is_total => fail("only counters end in _total"),
            _ => {}
        }
        let stem = n.strip_suffix("_total").unwrap_or(n);
        for suffix in ["_count", "_sum", "_bucket"] {
            if stem.ends_with(suffix) {
                fail(&format!(
                    "{suffix} is reserved for summaries and histograms"
                ));
            }
        }
        match m.unit {
            Unit::Seconds if !stem.ends_with("_seconds") => fail("seconds: name ends in _seconds"),
            Unit::Bytes if !stem.ends_with("_bytes") => fail("bytes: name ends in _bytes"),
            Unit::Count | Unit::Seconds | Unit::Bytes => {}
            _ => fail("unit must be Count, Seconds or Bytes (Prometheus base units)"),
        }
        for part in stem.split('_') {
            if matches!(
                part,
                "milliseconds"
                    | "microseconds"
                    | "nanoseconds"
                    | "minutes"
                    | "hours"
                    | "ms"
                    | "us"
                    | "ns"
                    | "sec"
                    | "kb"
                    | "mb"
                    | "gb"
                    | "kilobytes"
                    | "megabytes"
                    | "gigabytes"
            ) {
                fail("use base units (seconds, bytes)");
            }
        }
        if m.help.trim().is_empty() {
            fail("help text is empty");
        }
        if m.labels.len() > 1 {
            fail("at most one label (emit helpers take one)");
        }
        for l in m.labels {
            if matches!(l.key, "le" | "quantile") || l.key.starts_with("__") {
                fail(&format!("label {} is reserved", l.key));
            }
            if matches!(l.values, LabelValues::OneOf(v) if v.is_empty()) {
                fail(&format!("label {} allows no value", l.key));
            }
        }
    }
    bad
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: Metric = Metric {
        name: "starload_fe_queries_total",
        kind: Kind::Counter,
        unit: Unit::Count,
        labels: &[],
        help: "Statements received.",
    };

    #[test]
    fn naming_rules_catch_what_promtool_rejects() {
        assert!(check_table("fe", &[&GOOD]).is_empty());
        let no_total = Metric {
            name: "starrocks_fe_query_err",
            ..GOOD
        };
        let gauge_total = Metric {
            name: "starrocks_fe_connection_total",
            kind: Kind::Gauge,
            ..GOOD
        };
        let millis = Metric {
            name: "starload_be_compaction_backpressure_milliseconds_total",
            ..GOOD
        };
        let unit = Metric {
            name: "starload_be_load_bytes_received_total",
            unit: Unit::Bytes,
            ..GOOD
        };
        let other = Metric {
            name: "starload_be_x_total",
            ..GOOD
        };
        let no_help = Metric { help: " ", ..GOOD };
        let bad = check_table(
            "fe",
            &[
                &GOOD,
                &no_total,
                &gauge_total,
                &millis,
                &unit,
                &other,
                &no_help,
            ],
        );
        assert_eq!(
            bad,
            [
                "starrocks_fe_query_err: a counter ends in _total",
                "starrocks_fe_connection_total: only counters end in _total",
                "starload_be_compaction_backpressure_milliseconds_total: must start with starload_fe_ (or starrocks_fe_ for a StarRocks metric)",
                "starload_be_compaction_backpressure_milliseconds_total: use base units (seconds, bytes)",
                "starload_be_load_bytes_received_total: must start with starload_fe_ (or starrocks_fe_ for a StarRocks metric)",
                "starload_be_load_bytes_received_total: bytes: name ends in _bytes",
                "starload_be_x_total: must start with starload_fe_ (or starrocks_fe_ for a StarRocks metric)",
                "starload_fe_queries_total: declared twice",
                "starload_fe_queries_total: help text is empty",
            ]
        );
    }

    #[test]
    fn reserved_labels_and_empty_value_sets_are_refused() {
        let m = Metric {
            labels: &[
                Label {
                    key: "le",
                    values: LabelValues::OneOf(&["a"]),
                },
                Label {
                    key: "result",
                    values: LabelValues::OneOf(&[]),
                },
            ],
            ..GOOD
        };
        assert_eq!(
            check_table("fe", &[&m]),
            [
                "starload_fe_queries_total: at most one label (emit helpers take one)",
                "starload_fe_queries_total: label le is reserved",
                "starload_fe_queries_total: label result allows no value",
            ]
        );
    }
}
