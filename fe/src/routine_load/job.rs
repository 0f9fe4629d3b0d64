//! One routine load job: its persisted description, state machine (NEED_SCHEDULE / RUNNING /
//! PAUSED / STOPPED / CANCELLED), progress, statistics and the error window. Mirrors
//! `load/routineload/RoutineLoadJob.java` + `KafkaRoutineLoadJob.java` (spec §3, §5.3, §6).
//!
//! Invariant: `progress` only changes together with a committed transaction (see `txn`), by
//! ALTER on a PAUSED job, by partition discovery (new partitions) or by the empty-load abort rule.

use super::load_desc::LoadDesc;
use super::progress::KafkaProgress;
use super::properties::{JobProperties, KafkaProperties};
use serde::{Deserialize, Serialize};

/// Job state (`RoutineLoadJob.JobState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(non_camel_case_types)]
pub enum JobState {
    NEED_SCHEDULE,
    RUNNING,
    PAUSED,
    STOPPED,
    CANCELLED,
}

impl JobState {
    pub fn name(self) -> &'static str {
        match self {
            JobState::NEED_SCHEDULE => "NEED_SCHEDULE",
            JobState::RUNNING => "RUNNING",
            JobState::PAUSED => "PAUSED",
            JobState::STOPPED => "STOPPED",
            JobState::CANCELLED => "CANCELLED",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, JobState::STOPPED | JobState::CANCELLED)
    }
}

/// `InternalErrorCode` values (spec §3.3).
pub mod code {
    pub const IMPOSSIBLE_ERROR_ERR: i32 = 1;
    pub const INTERNAL_ERR: i32 = 2;
    pub const REPLICA_FEW_ERR: i32 = 3;
    pub const PARTITIONS_ERR: i32 = 4;
    pub const DB_ERR: i32 = 5;
    pub const TABLE_ERR: i32 = 6;
    pub const META_NOT_FOUND_ERR: i32 = 7;
    pub const MANUAL_PAUSE_ERR: i32 = 100;
    pub const MANUAL_STOP_ERR: i32 = 101;
    pub const TOO_MANY_FAILURE_ROWS_ERR: i32 = 102;
    pub const CREATE_TASKS_ERR: i32 = 103;
    pub const TASKS_ABORT_ERR: i32 = 104;
    pub const SLOW_RUNNING_ERR: i32 = 105;
}

/// `ErrorReason`: shown as `ErrorReason{errCode = <n>, msg='<msg>'}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReason {
    pub code: i32,
    pub msg: String,
}

impl ErrorReason {
    pub fn new(code: i32, msg: impl Into<String>) -> Self {
        Self {
            code,
            msg: msg.into(),
        }
    }
}

impl std::fmt::Display for ErrorReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ErrorReason{{errCode = {}, msg='{}'}}",
            self.code, self.msg
        )
    }
}

/// Cumulative counters (`RoutineLoadStatistic`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStatistic {
    pub total_rows: i64,
    pub error_rows: i64,
    pub unselected_rows: i64,
    pub received_bytes: i64,
    /// Starts at 1 (StarRocks avoids a division by zero that way).
    pub task_execute_time_ms: i64,
    pub committed_task_num: i64,
    pub aborted_task_num: i64,
    /// The max_error_number window (`ce`/`ct`).
    pub current_error_rows: i64,
    pub current_total_rows: i64,
}

/// What one committed (or empty-aborted) task contributes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskCounters {
    pub loaded_rows: i64,
    pub filtered_rows: i64,
    pub unselected_rows: i64,
    pub received_bytes: i64,
    pub load_cost_ms: i64,
}

/// Auto-resume bookkeeping (`ScheduleRule`, spec §3.6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoResume {
    pub count: u32,
    pub first_ms: i64,
    pub locked: bool,
}

/// A routine load job as persisted under key `0x30 job_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutineLoadJob {
    pub id: i64,
    pub name: String,
    pub db_id: i64,
    pub db_name: String,
    pub table_id: i64,
    pub table_name: String,
    pub state: JobState,
    pub origin_stmt: String,
    pub load: LoadDesc,
    pub props: JobProperties,
    pub kafka: KafkaProperties,
    /// `currentKafkaPartitions`: explicit partitions, or the topic's (discovered).
    pub current_partitions: Vec<i32>,
    /// `currentTaskConcurrentNum` (last computed).
    pub current_task_concurrent_num: i64,
    pub progress: KafkaProgress,
    /// Kafka timestamps (ms) of the last consumed message, stored + 1 like progress.
    pub timestamp_progress: KafkaProgress,
    pub stat: JobStatistic,
    pub create_time_ms: i64,
    pub pause_time_ms: i64,
    pub end_time_ms: i64,
    pub pause_reason: Option<ErrorReason>,
    pub cancel_reason: Option<ErrorReason>,
    pub other_msg: String,
    /// Last three error log URLs, oldest first.
    pub error_log_urls: Vec<String>,
    #[serde(default)]
    pub auto_resume: AutoResume,
    /// User who created the job (privilege checks, messages).
    #[serde(default)]
    pub user: String,
    /// A bounded job's end (`kafka_end_offsets` / `kafka_end_time`, `bounded`); None: unbounded.
    #[serde(default)]
    pub bound: Option<super::bounded::JobBound>,
}

/// Result of applying a committed task's counters (the error window may pause the job).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterCommit {
    Continue,
    Pause(ErrorReason),
}

impl RoutineLoadJob {
    /// `checkStateTransform`: PAUSED→PAUSED and anything out of a final state fail.
    pub fn check_transform(&self, to: JobState) -> Result<(), String> {
        let bad = match self.state {
            JobState::PAUSED => to == JobState::PAUSED,
            JobState::STOPPED | JobState::CANCELLED => true,
            _ => false,
        };
        if bad {
            Err(format!(
                "Could not transform {} to {}",
                self.state.name(),
                to.name()
            ))
        } else {
            Ok(())
        }
    }

    /// Applies a state change with its side effects on times and reasons (`updateState`).
    /// Dropping the tasks is the manager's part.
    pub fn set_state(&mut self, to: JobState, reason: Option<ErrorReason>, now_ms: i64) {
        match to {
            JobState::PAUSED => {
                self.pause_reason = reason;
                self.pause_time_ms = now_ms;
            }
            JobState::NEED_SCHEDULE => {
                self.pause_time_ms = -1;
                self.pause_reason = None;
            }
            JobState::STOPPED => {
                self.end_time_ms = now_ms;
            }
            JobState::CANCELLED => {
                self.end_time_ms = now_ms;
                self.cancel_reason = reason;
            }
            JobState::RUNNING => {}
        }
        self.state = to;
    }

    /// `RoutineLoadJob.updateNumOfData` + the max_error_number window (spec §6.1, §6.2).
    pub fn apply_counters(&mut self, c: TaskCounters) -> AfterCommit {
        let total = c.loaded_rows + c.filtered_rows + c.unselected_rows;
        let s = &mut self.stat;
        s.total_rows += total;
        s.error_rows += c.filtered_rows;
        s.unselected_rows += c.unselected_rows;
        s.received_bytes += c.received_bytes;
        s.task_execute_time_ms += c.load_cost_ms;
        s.current_error_rows += c.filtered_rows;
        s.current_total_rows += total;
        let max_err = self.props.max_error_number;
        let over = s.current_error_rows > max_err;
        let window_full = s.current_total_rows > self.props.max_batch_rows.saturating_mul(10);
        let out = if over {
            AfterCommit::Pause(ErrorReason::new(
                code::TOO_MANY_FAILURE_ROWS_ERR,
                format!(
                    "Current error rows: {} is more than max error num: {}. Check the 'TrackingSQL' field for detailed information. If you are sure that the data has many errors, you can set 'max_error_number' property to a greater value through ALTER ROUTINE LOAD and RESUME the job",
                    s.current_error_rows, max_err
                ),
            ))
        } else {
            AfterCommit::Continue
        };
        if over || window_full {
            s.current_error_rows = 0;
            s.current_total_rows = 0;
        }
        out
    }

    /// `setOtherMsg`: `[yyyy-MM-dd HH:mm:ss] <msg>` in the FE's local zone.
    pub fn set_other_msg(&mut self, msg: &str) {
        let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S");
        self.other_msg = format!("[{now}] {msg}");
    }

    pub fn add_error_log_url(&mut self, url: &str) {
        if url.is_empty() {
            return;
        }
        self.error_log_urls.push(url.to_string());
        while self.error_log_urls.len() > 3 {
            self.error_log_urls.remove(0);
        }
    }

    /// `KafkaRoutineLoadJob.calculateCurrentConcurrentTaskNum` (spec §4.1).
    pub fn concurrency(&self, alive_be_num: i64, config_max: i64) -> i64 {
        let mut partition_num = self.current_partitions.len() as i64;
        if partition_num == 0 {
            partition_num = self.kafka.partition_offsets.len() as i64;
        }
        if partition_num == 0 {
            partition_num = i64::MAX;
        }
        let desired = if self.props.desired_concurrent_number == 0 {
            config_max
        } else {
            self.props.desired_concurrent_number
        };
        partition_num.min(desired).min(alive_be_num).min(config_max)
    }

    /// Rows loaded (shown) = total − error − unselected.
    pub fn loaded_rows(&self) -> i64 {
        self.stat.total_rows - self.stat.error_rows - self.stat.unselected_rows
    }

    /// `needRemove`: a final job older than `label_keep_max_second`.
    pub fn need_remove(&self, now_ms: i64, keep_s: i64) -> bool {
        self.state.is_final() && now_ms - self.end_time_ms > keep_s.saturating_mul(1000)
    }
}

/// Divides partitions round-robin over `n` tasks by position (spec §4.3).
pub fn divide_partitions(partitions: &[i32], n: usize) -> Vec<Vec<i32>> {
    let mut out = vec![Vec::new(); n];
    if n == 0 {
        return out;
    }
    for (j, p) in partitions.iter().enumerate() {
        out[j % n].push(*p);
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::routine_load::properties::{JobDefaults, DEFAULT_TIME_ZONE};
    use std::collections::BTreeMap;

    pub(crate) fn sample_job() -> RoutineLoadJob {
        let props = JobProperties::from_create(
            &BTreeMap::new(),
            JobDefaults {
                max_routine_load_task_concurrent_num: 5,
                routine_load_task_consume_second: 15,
                routine_load_task_timeout_second: 60,
            },
            DEFAULT_TIME_ZONE,
        )
        .unwrap();
        let kafka = KafkaProperties::from_create(&[
            ("kafka_broker_list".into(), "127.0.0.1:9092".into()),
            ("kafka_topic".into(), "t".into()),
            ("kafka_partitions".into(), "0,1,2,3,4".into()),
        ])
        .unwrap();
        RoutineLoadJob {
            id: 10001,
            name: "j1".into(),
            db_id: 10000,
            db_name: "db".into(),
            table_id: 10002,
            table_name: "t".into(),
            state: JobState::NEED_SCHEDULE,
            origin_stmt: String::new(),
            load: LoadDesc::default(),
            props,
            kafka,
            current_partitions: vec![0, 1, 2, 3, 4],
            current_task_concurrent_num: 0,
            progress: KafkaProgress {
                offsets: (0..5).map(|p| (p, 0)).collect(),
            },
            timestamp_progress: KafkaProgress::default(),
            stat: JobStatistic {
                task_execute_time_ms: 1,
                ..Default::default()
            },
            create_time_ms: 1_600_000_000_000,
            pause_time_ms: -1,
            end_time_ms: -1,
            pause_reason: None,
            cancel_reason: None,
            other_msg: String::new(),
            error_log_urls: Vec::new(),
            auto_resume: AutoResume::default(),
            user: "root".into(),
            bound: None,
        }
    }

    #[test]
    fn transitions() {
        let mut j = sample_job();
        assert!(j.check_transform(JobState::PAUSED).is_ok());
        j.set_state(
            JobState::PAUSED,
            Some(ErrorReason::new(
                code::MANUAL_PAUSE_ERR,
                "User root pauses routine load job",
            )),
            5,
        );
        assert_eq!(
            j.check_transform(JobState::PAUSED).unwrap_err(),
            "Could not transform PAUSED to PAUSED"
        );
        assert_eq!(
            j.pause_reason.as_ref().unwrap().to_string(),
            "ErrorReason{errCode = 100, msg='User root pauses routine load job'}"
        );
        assert_eq!(j.pause_time_ms, 5);
        j.set_state(JobState::NEED_SCHEDULE, None, 6);
        assert_eq!((j.pause_time_ms, j.pause_reason.clone()), (-1, None));
        j.set_state(JobState::STOPPED, None, 7);
        assert_eq!(j.end_time_ms, 7);
        assert_eq!(
            j.check_transform(JobState::NEED_SCHEDULE).unwrap_err(),
            "Could not transform STOPPED to NEED_SCHEDULE"
        );
        assert!(!j.need_remove(7 + 259_200_000, 259200));
        assert!(j.need_remove(8 + 259_200_000, 259200));
    }

    #[test]
    fn concurrency_formula() {
        let mut j = sample_job();
        assert_eq!(j.concurrency(3, 5), 3);
        assert_eq!(j.concurrency(10, 5), 5);
        j.props.desired_concurrent_number = 2;
        assert_eq!(j.concurrency(10, 5), 2);
        j.props.desired_concurrent_number = 0;
        assert_eq!(j.concurrency(10, 4), 4);
        j.current_partitions = vec![0];
        assert_eq!(j.concurrency(10, 5), 1);
        assert_eq!(j.concurrency(0, 5), 0);
        j.current_partitions.clear();
        j.kafka.partition_offsets.clear();
        j.props.desired_concurrent_number = 3;
        assert_eq!(j.concurrency(10, 5), 3);
    }

    #[test]
    fn round_robin_division() {
        assert_eq!(
            divide_partitions(&[0, 1, 2, 3, 4], 3),
            vec![vec![0, 3], vec![1, 4], vec![2]]
        );
        assert_eq!(divide_partitions(&[5, 2], 1), vec![vec![5, 2]]);
    }

    #[test]
    fn error_window_pauses() {
        let mut j = sample_job();
        j.props.max_error_number = 1;
        let c = TaskCounters {
            loaded_rows: 10,
            filtered_rows: 1,
            ..Default::default()
        };
        assert_eq!(j.apply_counters(c), AfterCommit::Continue);
        match j.apply_counters(c) {
            AfterCommit::Pause(r) => {
                assert_eq!(r.code, 102);
                assert!(r.msg.starts_with("Current error rows: 2 is more than max error num: 1. Check the 'TrackingSQL' field"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(j.stat.current_error_rows, 0);
        assert_eq!(j.stat.total_rows, 22);
        assert_eq!(j.stat.error_rows, 2);
        assert_eq!(j.loaded_rows(), 20);
        // A full window resets without pausing when errors stay under the limit.
        j.props.max_batch_rows = 1;
        assert_eq!(
            j.apply_counters(TaskCounters {
                loaded_rows: 11,
                ..Default::default()
            }),
            AfterCommit::Continue
        );
        assert_eq!(j.stat.current_total_rows, 0);
    }
}
