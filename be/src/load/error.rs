//! Why a routine load task failed ([`LoadError`]: what its `ReportTask` status carries,
//! StarRocks's text plus the failure class the FE decides on) and why one replica write failed
//! ([`ReplicaError`]). They live with the load path that raises them, above storage's
//! [`BeError`].

use super::decode::schema_registry::RegistryError;
use super::partition_route::RouteError;
use super::transform::value::ExprError;
use crate::error::BeError;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use starload_proto::types::{FailureReason, Status, StatusCode};

/// Why a routine load task failed. Each text is the one StarRocks (or, where StarRocks has
/// none, starload) shows in the job's ReasonOfStateChanged / OtherMsg; [`LoadError::reason`] is
/// the class the FE decides pause-or-retry on.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    // --- Kafka (consumer.rs; StarRocks `data_consumer.cpp`) ---
    /// librdkafka rejected a property value.
    #[error("PAUSE: failed to set '{key}', value: '{value}', err: {desc}")]
    KafkaProperty {
        key: String,
        value: String,
        desc: String,
    },
    #[error("PAUSE: failed to create kafka consumer: {0}")]
    KafkaCreateConsumer(KafkaError),
    /// Dropping unknown properties one by one never produced a valid configuration.
    #[error("PAUSE: failed to create kafka consumer")]
    KafkaConfigUnresolved,
    #[error("failed to assign partition {partition}: {source}")]
    KafkaAssignPartition { partition: i32, source: KafkaError },
    #[error("failed to assign partitions: {0}")]
    KafkaAssign(KafkaError),
    /// The job's offset is not (or no longer) held by the broker. StarRocks's text, then (ours,
    /// issue 16) how many messages retention deleted before they were read, when the offset
    /// lies below the partition's log start offset (`log_start`, -1 = unknown).
    #[error(
        "Broker: Offset out of range, partition {partition} offset {offset} has no data{}",
        retention_skip_text(*offset, *log_start)
    )]
    OffsetOutOfRange {
        partition: i32,
        offset: i64,
        log_start: i64,
    },
    /// A consume error other than out-of-range (librdkafka's text).
    #[error("{0}")]
    KafkaConsume(RDKafkaErrorCode),
    #[error("failed to start consumer thread: {0}")]
    StartConsumer(std::io::Error),
    #[error("consumer thread panicked")]
    ConsumerPanicked,
    /// The task was cancelled (by the FE, or by another consumer's failure), or consumed
    /// nothing (StarRocks cancels the pipe).
    #[error("Cancelled")]
    Cancelled,

    // --- planning the task (task.rs, transform.rs; StarRocks's planner texts) ---
    #[error("task has no table schema")]
    NoSchema,
    #[error("Unknown or incorrect time zone: '{0}'")]
    UnknownTimeZone(String),
    #[error("Expr '{expr}' analyze error: {source}, derived column is '{column}'")]
    DerivedColumn {
        expr: String,
        column: String,
        source: ExprError,
    },
    #[error("Referenced column '{name}' in expr '{expr}' can't be found in column list, derived column is '{column}'")]
    UnknownReferencedColumn {
        name: String,
        expr: String,
        column: String,
    },
    #[error("key column {0} not in partial update columns")]
    KeyNotInPartialUpdate(String),
    #[error("Column has no default value. column: {0}")]
    NoDefaultValue(String),
    #[error("Expr '{expr}' analyze error: {source}")]
    WhereExpr { expr: String, source: ExprError },
    #[error("Invalid jsonpaths: {text}, error: {source}")]
    JsonPathsNotArray {
        text: String,
        source: serde_json::Error,
    },
    #[error("Invalid jsonpaths: {0}")]
    InvalidJsonPath(String),
    #[error("Invalid json_root: {0}")]
    InvalidJsonRoot(String),
    #[error("confluent.schema.registry.url is required for avro")]
    NoSchemaRegistryUrl,
    /// An INCLUDE METADATA key the BE does not know (an FE newer than the BE).
    #[error("Unsupported metadata key '{0}'")]
    UnknownMetadataKey(String),

    // --- decoding and transforming a batch ---
    /// The schema registry could not be asked (the task is retried from the same offsets).
    #[error(transparent)]
    SchemaRegistry(RegistryError),
    #[error(transparent)]
    Expr(#[from] ExprError),
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),

    // --- writing tablets (sink.rs) ---
    #[error("no tablets to load into")]
    NoTablets,
    /// An unpartitioned routing with tablets of several partitions (a malformed request).
    #[error("tablets of more than one partition for an unpartitioned table")]
    MultiplePartitions,
    /// The FE's partition routes could not be used.
    #[error(transparent)]
    Route(#[from] RouteError),
    /// The FE could not be asked to create a row's partition (the task is retried).
    #[error("create partition failed: {0}")]
    CreatePartition(String),
    #[error("tablet {tablet_id} has bucket {bucket}, expected {expected}")]
    BucketMismatch {
        tablet_id: i64,
        bucket: u32,
        expected: usize,
    },
    #[error(transparent)]
    Storage(#[from] BeError),
    /// A tablet lost its write quorum.
    #[error("tablet {tablet_id} has too few healthy replicas: {healthy} of {total}, last error: {last_error}")]
    TooFewReplicas {
        tablet_id: i64,
        healthy: usize,
        total: usize,
        last_error: ReplicaError,
    },

    // --- the task's verdict (task.rs) ---
    /// A message did not parse: a JSON one always (StarRocks's JSON reader fails the task; the
    /// FE renews it at the same offsets), an Avro one under `pause_on_fatal_parse_error`. With
    /// that property the FE pauses the job (StarRocks's `TxnStatusChangeReason.PARSE_ERROR`,
    /// spec §3.4). StarRocks's BE words it
    /// `parse error. <reason>` (`format_json_parse_error_msg` in `be/src/exec/json_parser.cpp`;
    /// its SQL test `test_pause_on_fatal_parse_error` expects the job state to carry
    /// `parse error. The value is array type in json document stream`).
    #[error("parse error. {0}")]
    FatalParseError(String),
    /// More rows filtered than `max_filter_ratio` allows.
    #[error("too many filtered rows")]
    TooManyFilteredRows,
    /// The task's consumer thread could not be started.
    #[error(transparent)]
    StartTask(std::io::Error),
    #[error("task panicked")]
    TaskPanicked,
}

impl LoadError {
    /// The status code the report carries: CANCELLED for a cancelled task, else
    /// INTERNAL_ERROR (the FE aborts the transaction either way).
    pub fn code(&self) -> StatusCode {
        match self {
            LoadError::Cancelled => StatusCode::Cancelled,
            _ => StatusCode::InternalError,
        }
    }

    /// The failure class the FE decides pause-or-retry on (StarRocks's
    /// `TxnStatusChangeReason`, which it finds in the text).
    pub fn reason(&self) -> FailureReason {
        match self {
            LoadError::OffsetOutOfRange { .. } => FailureReason::OffsetOutOfRange,
            // StarRocks's `PAUSE:` texts.
            LoadError::KafkaProperty { .. }
            | LoadError::KafkaCreateConsumer(_)
            | LoadError::KafkaConfigUnresolved => FailureReason::KafkaConfig,
            LoadError::TooManyFilteredRows => FailureReason::TooManyFilteredRows,
            LoadError::FatalParseError(_) => FailureReason::FatalParseError,
            LoadError::Cancelled => FailureReason::Cancelled,
            LoadError::KafkaAssignPartition { .. }
            | LoadError::KafkaAssign(_)
            | LoadError::KafkaConsume(_)
            | LoadError::StartConsumer(_)
            | LoadError::ConsumerPanicked
            | LoadError::NoSchema
            | LoadError::UnknownTimeZone(_)
            | LoadError::DerivedColumn { .. }
            | LoadError::UnknownReferencedColumn { .. }
            | LoadError::KeyNotInPartialUpdate(_)
            | LoadError::NoDefaultValue(_)
            | LoadError::WhereExpr { .. }
            | LoadError::JsonPathsNotArray { .. }
            | LoadError::InvalidJsonPath(_)
            | LoadError::InvalidJsonRoot(_)
            | LoadError::NoSchemaRegistryUrl
            | LoadError::UnknownMetadataKey(_)
            | LoadError::SchemaRegistry(_)
            | LoadError::Expr(_)
            | LoadError::Arrow(_)
            | LoadError::NoTablets
            | LoadError::MultiplePartitions
            | LoadError::Route(_)
            | LoadError::CreatePartition(_)
            | LoadError::BucketMismatch { .. }
            | LoadError::Storage(_)
            | LoadError::TooFewReplicas { .. }
            | LoadError::StartTask(_)
            | LoadError::TaskPanicked => FailureReason::Internal,
        }
    }

    /// The report status for this failure: code, class and StarRocks's text.
    pub fn to_status(&self) -> Status {
        Status::failure(self.code(), self.reason(), self.to_string())
    }
}

/// The retention part of the out-of-range text: empty unless the offset lies below the log
/// start offset (messages deleted before they were read).
pub fn retention_skip_text(offset: i64, log_start: i64) -> String {
    if offset < 0 || log_start <= offset {
        return String::new();
    }
    format!(
        "; {} messages (offsets [{offset}, {log_start})) were deleted by Kafka retention before they were loaded: resuming from offset {log_start} skips them",
        log_start - offset
    )
}

/// Why one replica write failed (the replica is then skipped for the rest of the txn).
#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    /// This BE's own replica (shared: one failed multi-tablet write fails each of its tablets).
    #[error(transparent)]
    Local(std::sync::Arc<BeError>),
    /// The remote BE answered with a failure status (its message).
    #[error("{0}")]
    Refused(String),
    /// The call did not complete.
    #[error("{}", .0.message())]
    Rpc(tonic::Status),
    #[error(transparent)]
    Endpoint(tonic::codegen::http::uri::InvalidUri),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_errors_map_to_their_failure_class() {
        use FailureReason as F;
        let cases: Vec<(LoadError, StatusCode, F, &str)> = vec![
            (
                LoadError::OffsetOutOfRange {
                    partition: 0,
                    offset: 50,
                    log_start: 0,
                },
                StatusCode::InternalError,
                F::OffsetOutOfRange,
                "Broker: Offset out of range, partition 0 offset 50 has no data",
            ),
            (
                LoadError::OffsetOutOfRange {
                    partition: 2,
                    offset: 50,
                    log_start: 80,
                },
                StatusCode::InternalError,
                F::OffsetOutOfRange,
                "Broker: Offset out of range, partition 2 offset 50 has no data; 30 messages (offsets [50, 80)) were deleted by Kafka retention before they were loaded: resuming from offset 80 skips them",
            ),
            (
                LoadError::KafkaProperty {
                    key: "fetch.message.max.bytes".into(),
                    value: "x".into(),
                    desc: "bad".into(),
                },
                StatusCode::InternalError,
                F::KafkaConfig,
                "PAUSE: failed to set 'fetch.message.max.bytes', value: 'x', err: bad",
            ),
            (
                LoadError::KafkaConfigUnresolved,
                StatusCode::InternalError,
                F::KafkaConfig,
                "PAUSE: failed to create kafka consumer",
            ),
            (
                LoadError::TooManyFilteredRows,
                StatusCode::InternalError,
                F::TooManyFilteredRows,
                "too many filtered rows",
            ),
            (
                LoadError::FatalParseError("The value is array type".into()),
                StatusCode::InternalError,
                F::FatalParseError,
                "parse error. The value is array type",
            ),
            (
                LoadError::Cancelled,
                StatusCode::Cancelled,
                F::Cancelled,
                "Cancelled",
            ),
            (
                LoadError::KafkaConsume(RDKafkaErrorCode::TopicAuthorizationFailed),
                StatusCode::InternalError,
                F::Internal,
                // librdkafka's code name and text, as `code.to_string()` gave before.
                "TopicAuthorizationFailed (Broker: Topic authorization failed)",
            ),
            (
                LoadError::TooFewReplicas {
                    tablet_id: 9,
                    healthy: 0,
                    total: 1,
                    last_error: ReplicaError::Refused("tablet 9 not found".into()),
                },
                StatusCode::InternalError,
                F::Internal,
                "tablet 9 has too few healthy replicas: 0 of 1, last error: tablet 9 not found",
            ),
            (
                LoadError::TaskPanicked,
                StatusCode::InternalError,
                F::Internal,
                "task panicked",
            ),
        ];
        for (e, code, reason, text) in cases {
            let st = e.to_status();
            assert_eq!(st.code, code as i32, "{e:?}");
            assert_eq!(st.reason(), reason, "{e:?}");
            assert_eq!(st.message, text);
        }
    }

    #[test]
    fn planner_texts_quote_user_words_without_changing_the_class() {
        // A text quoting "PAUSE" or "parse error" (StarRocks's substring rules) stays INTERNAL.
        let e = LoadError::WhereExpr {
            expr: "k = 'PAUSE parse error'".into(),
            source: ExprError::UnknownColumn("k".into()),
        };
        assert_eq!(
            e.to_string(),
            "Expr 'k = 'PAUSE parse error'' analyze error: Unknown column 'k'"
        );
        assert_eq!(e.reason(), FailureReason::Internal);
        assert_eq!(
            LoadError::UnknownTimeZone("Mars/Base".into()).to_string(),
            "Unknown or incorrect time zone: 'Mars/Base'"
        );
    }
}
