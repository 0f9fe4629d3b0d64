//! One routine load task (in memory only, like StarRocks's `RoutineLoadTaskInfo` /
//! `KafkaTaskInfo`): the partitions it consumes with their begin offsets, its schedule times,
//! its BE slot and its transaction. A task is renewed (new id, offsets from the job's progress)
//! after its transaction became VISIBLE or ABORTED, or when it timed out.

use uuid::Uuid;

/// What SHOW ROUTINE LOAD TASK prints in TxnStatus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskTxnStatus {
    Unknown,
    Committed,
    Aborted,
}

impl TaskTxnStatus {
    pub fn name(self) -> &'static str {
        match self {
            TaskTxnStatus::Unknown => "UNKNOWN",
            TaskTxnStatus::Committed => "COMMITTED",
            TaskTxnStatus::Aborted => "ABORTED",
        }
    }
}

/// A task of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutineLoadTask {
    pub id: Uuid,
    pub job_id: i64,
    /// Partition -> next offset to consume, fixed when the task is created.
    pub offsets: Vec<(i32, i64)>,
    pub create_time_ms: i64,
    /// Not scheduled before this time.
    pub time_to_execute_ms: i64,
    pub last_scheduled_ms: i64,
    /// Set when the task was submitted to a BE (-1 before).
    pub execute_start_ms: i64,
    pub timeout_s: i64,
    pub be_id: i64,
    /// The BE of the task this one renews (preferred slot).
    pub prev_be_id: i64,
    pub txn_id: i64,
    pub txn_status: TaskTxnStatus,
    /// High watermarks seen by the readiness check (`LatestOffset`).
    pub latest_offsets: Option<Vec<(i32, i64)>>,
    pub message: Option<String>,
    /// A scheduling attempt is in flight (no second one is started).
    pub scheduling: bool,
}

impl RoutineLoadTask {
    pub fn new(
        job_id: i64,
        offsets: Vec<(i32, i64)>,
        now_ms: i64,
        time_to_execute_ms: i64,
        timeout_s: i64,
        prev_be_id: i64,
    ) -> Self {
        Self {
            id: Uuid::new_v4(),
            job_id,
            offsets,
            create_time_ms: now_ms,
            time_to_execute_ms,
            last_scheduled_ms: -1,
            execute_start_ms: -1,
            timeout_s,
            be_id: -1,
            prev_be_id,
            txn_id: -1,
            txn_status: TaskTxnStatus::Unknown,
            latest_offsets: None,
            message: None,
            scheduling: false,
        }
    }

    /// The transaction label: `<job_name>-<job_id>-<task_uuid>` (RoutineLoadTaskInfo.beginTxn).
    pub fn label(&self, job_name: &str) -> String {
        format!("{}-{}-{}", job_name, self.job_id, self.id)
    }

    /// Submitted to a BE and not finished.
    pub fn is_running(&self) -> bool {
        self.execute_start_ms > 0
    }

    /// `isRunningTimeout`: started, not committed, older than the timeout.
    pub fn is_timed_out(&self, now_ms: i64) -> bool {
        self.is_running()
            && self.txn_status != TaskTxnStatus::Committed
            && now_ms - self.execute_start_ms > self.timeout_s.saturating_mul(1000)
    }

    /// Ready by the cached high watermarks: some partition has data past its offset.
    pub fn has_new_data_cached(&self) -> bool {
        match &self.latest_offsets {
            None => false,
            Some(l) => self.offsets.iter().any(|(p, o)| {
                l.iter()
                    .find(|(lp, _)| lp == p)
                    .is_some_and(|(_, hw)| *hw > *o)
            }),
        }
    }

    /// Raises this task's known high watermarks to `seen` (the job's, which include what the
    /// BEs reported at the end of their tasks) for the partitions it consumes. Watermarks only
    /// grow, so the larger value is the fresher one.
    pub fn raise_latest(&mut self, seen: &[(i32, i64)]) {
        for &(p, hw) in seen {
            if !self.offsets.iter().any(|(tp, _)| *tp == p) {
                continue;
            }
            let latest = self.latest_offsets.get_or_insert_with(Vec::new);
            match latest.iter_mut().find(|(lp, _)| *lp == p) {
                Some(e) => e.1 = e.1.max(hw),
                None => latest.push((p, hw)),
            }
        }
    }

    /// `isProgressKeepUp`: no partition left messages behind (`last < latest - 1`).
    pub fn kept_up(&self, committed_last: &[(i32, i64)]) -> bool {
        let Some(latest) = &self.latest_offsets else {
            return true;
        };
        latest.iter().all(|(p, hw)| {
            committed_last
                .iter()
                .find(|(cp, _)| cp == p)
                .is_none_or(|(_, last)| *last >= hw - 1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_and_readiness() {
        let mut t = RoutineLoadTask::new(7, vec![(0, 5), (3, 0)], 100, 200, 60, -1);
        let label = t.label("job");
        assert!(label.starts_with("job-7-"));
        assert_eq!(label.len(), "job-7-".len() + 36);
        assert!(!t.has_new_data_cached());
        t.latest_offsets = Some(vec![(0, 5), (3, 0)]);
        assert!(!t.has_new_data_cached());
        t.latest_offsets = Some(vec![(0, 6), (3, 0)]);
        assert!(t.has_new_data_cached());
        assert!(!t.kept_up(&[(0, 4)]));
        assert!(t.kept_up(&[(0, 5)]));
        // A fresher watermark (reported at the end of the task) raises, never lowers.
        t.raise_latest(&[(0, 9), (3, 2), (8, 100)]);
        assert_eq!(t.latest_offsets, Some(vec![(0, 9), (3, 2)]));
        t.raise_latest(&[(0, 7)]);
        assert_eq!(t.latest_offsets, Some(vec![(0, 9), (3, 2)]));
        assert!(!t.kept_up(&[(0, 5), (3, 1)]));
        assert!(t.kept_up(&[(0, 8), (3, 1)]));
        let mut fresh = RoutineLoadTask::new(7, vec![(1, 4)], 100, 200, 60, -1);
        fresh.raise_latest(&[(0, 9)]);
        assert_eq!(fresh.latest_offsets, None);
        fresh.raise_latest(&[(1, 5)]);
        assert!(fresh.has_new_data_cached());
    }

    #[test]
    fn timeout_only_for_started_uncommitted_tasks() {
        let mut t = RoutineLoadTask::new(7, vec![(0, 0)], 0, 0, 60, -1);
        assert!(!t.is_timed_out(1_000_000));
        t.execute_start_ms = 1000;
        assert!(!t.is_timed_out(61_000));
        assert!(t.is_timed_out(61_001));
        t.txn_status = TaskTxnStatus::Committed;
        assert!(!t.is_timed_out(100_000));
    }
}
