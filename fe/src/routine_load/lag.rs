//! Lag of each job per partition, in offsets and in seconds (issue 16 item 1: `SHOW ROUTINE
//! LOAD LAG`, `information_schema.routine_load_lag`, the lag metrics).
//!
//! Nothing here talks to Kafka. Observations arrive from three places, all off the SHOW path:
//! - a task's report (`txn_callback`): the end offset its consumer saw per partition. That is
//!   the last stable offset when the job reads `read_committed` (librdkafka's default
//!   isolation level: EOF and ListOffsets stop at the LSO), else the high watermark;
//! - the scheduler's readiness check (`scheduler::schedule_task`): the same end offset and the
//!   log start offset;
//! - the background probe (`lag_probe`), for jobs no task reported on lately (PAUSED ones,
//!   idle ones): log start offset, LSO, the high watermark read `read_uncommitted`, and the
//!   Kafka timestamp of the next unread message.
//!
//! A SHOW computes rows from the last observations and the job's committed progress, so it
//! answers at memory speed even while every broker is down (the rows then grow old, and
//! `Status` says so only through the job's own state).

use super::job::{JobState, RoutineLoadJob};
use super::kafka_meta::TopicRetention;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// What is known of one partition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartitionObs {
    /// Log start offset (the first offset Kafka still holds).
    pub log_start: Option<i64>,
    /// Last stable offset (= end offset for `read_committed` readers).
    pub lso: Option<i64>,
    /// High watermark (includes messages of open transactions).
    pub hw: Option<i64>,
    /// When the end offsets were last observed.
    pub observed_ms: i64,
    /// `(offset, Kafka timestamp ms)` of the next unread message, as last probed.
    pub next_msg: Option<(i64, i64)>,
    /// The committed progress last seen and since when it has that value (stall detection).
    pub committed: i64,
    pub committed_since_ms: i64,
    /// First observation of the log start offset and of the end offset in this FE's life
    /// (rates for the retention horizon).
    pub first_log_start: Option<(i64, i64)>,
    pub first_end: Option<(i64, i64)>,
}

/// Burrow-style health of a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LagStatus {
    /// Caught up, or behind by less than about one batch.
    Ok,
    /// Behind by more than a batch, and progress moves.
    Behind,
    /// Behind, and the job is consuming, but progress has not moved for [`STALL_MS`].
    Stalled,
    /// Behind, and the job is not consuming (PAUSED, STOPPED, CANCELLED).
    Stopped,
}

impl LagStatus {
    pub fn name(self) -> &'static str {
        match self {
            LagStatus::Ok => "OK",
            LagStatus::Behind => "BEHIND",
            LagStatus::Stalled => "STALLED",
            LagStatus::Stopped => "STOPPED",
        }
    }
}

/// A running job whose committed offset has not moved this long while data waits is STALLED
/// (at least this, or three task timeouts if they are longer).
pub const STALL_MS: i64 = 120_000;

/// One row of SHOW ROUTINE LOAD LAG.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionLag {
    pub partition: i32,
    /// The next offset the job will load (its committed progress); None before the first
    /// schedule resolved OFFSET_BEGINNING / OFFSET_END.
    pub committed: Option<i64>,
    pub lso: Option<i64>,
    pub hw: Option<i64>,
    pub log_start: Option<i64>,
    /// `lso - committed`, never negative.
    pub offset_lag: Option<i64>,
    /// Now minus the timestamp of the next unread message; 0 when caught up.
    pub time_lag_ms: Option<i64>,
    /// Seconds until Kafka's retention deletes the next unread message (the soonest of the
    /// estimates in [`horizon`]); None when no estimate applies.
    pub retention_horizon_s: Option<i64>,
    pub status: LagStatus,
}

/// The observations of every job, by job id then partition.
#[derive(Debug, Default)]
pub struct LagBook {
    jobs: Mutex<BTreeMap<i64, BTreeMap<i32, PartitionObs>>>,
    /// The topic's retention settings per job (DescribeConfigs, by the probe) and when they
    /// were read.
    retention: Mutex<BTreeMap<i64, (i64, TopicRetention)>>,
}

impl LagBook {
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut BTreeMap<i64, BTreeMap<i32, PartitionObs>>) -> T) -> T {
        let mut g = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    /// A copy of one job's observations.
    pub fn get(&self, job_id: i64) -> BTreeMap<i32, PartitionObs> {
        self.with(|m| m.get(&job_id).cloned().unwrap_or_default())
    }

    /// Applies `f` to partition `p` of `job_id`.
    pub fn update(&self, job_id: i64, p: i32, f: impl FnOnce(&mut PartitionObs)) {
        self.with(|m| f(m.entry(job_id).or_default().entry(p).or_default()))
    }

    /// End offsets seen by a reader of the job's isolation level (task report, readiness check):
    /// `(partition, log start or -1, end offset or -1)`.
    pub fn observe_end(&self, job_id: i64, obs: &[(i32, i64, i64)], now_ms: i64) {
        for &(p, lo, end) in obs {
            self.update(job_id, p, |o| {
                if lo >= 0 {
                    o.set_log_start(lo, now_ms);
                }
                if end >= 0 {
                    o.lso = Some(end);
                    o.hw = Some(o.hw.map_or(end, |h| h.max(end)));
                    o.observed_ms = now_ms;
                    if o.first_end.is_none() {
                        o.first_end = Some((now_ms, end));
                    }
                }
            });
        }
    }

    /// Forgets jobs that no longer exist.
    pub fn forget(&self, ids: &[i64]) {
        self.with(|m| {
            for id in ids {
                m.remove(id);
            }
        });
        let mut r = self.retention.lock().unwrap_or_else(|p| p.into_inner());
        for id in ids {
            r.remove(id);
        }
    }

    /// Records the topic retention settings read for `job_id` at `now_ms`.
    pub fn set_retention(&self, job_id: i64, r: TopicRetention, now_ms: i64) {
        let mut m = self.retention.lock().unwrap_or_else(|p| p.into_inner());
        m.insert(job_id, (now_ms, r));
    }

    /// The retention settings last read for `job_id` and when.
    pub fn retention(&self, job_id: i64) -> Option<(i64, TopicRetention)> {
        let m = self.retention.lock().unwrap_or_else(|p| p.into_inner());
        m.get(&job_id).copied()
    }

    /// The rows of `job` (its current partitions, in partition order) at `now_ms`. Also notes
    /// the committed offsets it sees, for stall detection.
    pub fn rows(&self, job: &RoutineLoadJob, now_ms: i64) -> Vec<PartitionLag> {
        let mut parts: Vec<i32> = job.progress.offsets.iter().map(|(p, _)| *p).collect();
        parts.sort_unstable();
        parts.dedup();
        let retention = self.retention(job.id).map(|(_, r)| r);
        self.with(|m| {
            let obs = m.entry(job.id).or_default();
            parts
                .iter()
                .map(|&p| {
                    let o = obs.entry(p).or_default();
                    let committed = job.progress.get(p).filter(|c| *c >= 0);
                    if let Some(c) = committed {
                        if o.committed != c || o.committed_since_ms == 0 {
                            o.committed = c;
                            o.committed_since_ms = now_ms;
                        }
                    }
                    compute(job, p, committed, o, retention, now_ms)
                })
                .collect()
        })
    }
}

impl PartitionObs {
    fn set_log_start(&mut self, lo: i64, now_ms: i64) {
        self.log_start = Some(lo);
        if self.first_log_start.is_none() {
            self.first_log_start = Some((now_ms, lo));
        }
    }

    /// Probe results: log start, LSO, HW (-1 = unknown).
    pub fn observe_probe(&mut self, lo: i64, lso: i64, hw: i64, now_ms: i64) {
        if lo >= 0 {
            self.set_log_start(lo, now_ms);
        }
        if lso >= 0 {
            self.lso = Some(lso);
            if self.first_end.is_none() {
                self.first_end = Some((now_ms, lso));
            }
        }
        if hw >= 0 {
            self.hw = Some(hw.max(lso));
        }
        self.observed_ms = now_ms;
    }
}

/// Offsets per second at which `first` -> `now` moved (None under one second or no move).
fn rate(first: Option<(i64, i64)>, now: Option<i64>, now_ms: i64) -> Option<f64> {
    let (t0, v0) = first?;
    let v1 = now?;
    let dt = (now_ms - t0) as f64 / 1000.0;
    if dt < 1.0 || v1 <= v0 {
        return None;
    }
    Some((v1 - v0) as f64 / dt)
}

fn compute(
    job: &RoutineLoadJob,
    p: i32,
    committed: Option<i64>,
    o: &PartitionObs,
    retention: Option<TopicRetention>,
    now_ms: i64,
) -> PartitionLag {
    let offset_lag = match (committed, o.lso) {
        (Some(c), Some(l)) => Some((l - c).max(0)),
        _ => None,
    };
    let time_lag_ms = match (offset_lag, committed, o.next_msg) {
        (Some(0), _, _) => Some(0),
        (Some(_), Some(c), Some((off, ts))) if off >= c && ts > 0 => Some((now_ms - ts).max(0)),
        _ => None,
    };
    let retention_horizon_s = match committed {
        Some(c) if offset_lag.unwrap_or(0) > 0 => horizon(job, c, o, retention, now_ms),
        _ => None,
    };
    let consuming = matches!(job.state, JobState::RUNNING | JobState::NEED_SCHEDULE);
    let lag = offset_lag.unwrap_or(0);
    let batch_ms = job.props.max_batch_interval_s.max(1) * 1000;
    let stall_ms = STALL_MS.max(job.props.task_timeout_second.saturating_mul(3000));
    let status = if lag == 0 {
        LagStatus::Ok
    } else if !consuming {
        LagStatus::Stopped
    } else if o.committed_since_ms > 0 && now_ms - o.committed_since_ms >= stall_ms {
        LagStatus::Stalled
    } else {
        let within_a_batch = match time_lag_ms {
            Some(t) => t <= 2 * batch_ms,
            None => lag <= job.props.max_batch_rows,
        };
        if within_a_batch {
            LagStatus::Ok
        } else {
            LagStatus::Behind
        }
    };
    PartitionLag {
        partition: p,
        committed,
        lso: o.lso,
        hw: o.hw.or(o.lso),
        log_start: o.log_start,
        offset_lag,
        time_lag_ms,
        retention_horizon_s,
        status,
    }
}

/// Seconds until retention deletes the next unread message (offset `committed`), the soonest
/// of three estimates, each used only when its inputs are known:
/// - log start movement: messages below the log start offset are gone, and at the rate the
///   log start has moved so far it passes `committed` in `(committed - log_start) / rate`;
/// - `retention.ms`: Kafka deletes a segment once its newest message is older than
///   retention.ms, so the next unread message (timestamp `ts`) lives at least until
///   `ts + retention.ms`;
/// - `retention.bytes`: the partition keeps about `retention.bytes / message size` messages
///   (message size: the job's received bytes per row); the end offset grows at the observed
///   produce rate, so `committed` falls out after
///   `(retention.bytes / size - (end - committed)) / produce rate`.
///
/// Segment granularity makes Kafka delete later than these, never sooner, so each is the
/// earliest the data can go. Negative results are 0: the data may go any moment.
pub fn horizon(
    job: &RoutineLoadJob,
    committed: i64,
    o: &PartitionObs,
    retention: Option<TopicRetention>,
    now_ms: i64,
) -> Option<i64> {
    let by_log_start = match o.log_start {
        Some(lo) => rate(o.first_log_start, o.log_start, now_ms)
            .map(|r| (((committed - lo).max(0) as f64) / r).floor() as i64),
        None => None,
    };
    let by_time = match (retention.and_then(|r| r.ms), o.next_msg) {
        (Some(ms), Some((off, ts))) if ms > 0 && off >= committed && ts > 0 => {
            Some((ts + ms - now_ms).max(0) / 1000)
        }
        _ => None,
    };
    let size = (job.stat.total_rows > 0 && job.stat.received_bytes > 0)
        .then(|| job.stat.received_bytes as f64 / job.stat.total_rows as f64);
    let by_bytes = match (retention.and_then(|r| r.bytes), size, o.lso) {
        (Some(bytes), Some(size), Some(end)) if bytes > 0 => {
            rate(o.first_end, o.lso, now_ms).map(|produce| {
                let kept = bytes as f64 / size;
                ((kept - (end - committed) as f64) / produce)
                    .max(0.0)
                    .floor() as i64
            })
        }
        _ => None,
    };
    [by_log_start, by_time, by_bytes]
        .into_iter()
        .flatten()
        .min()
}

/// The OtherMsg warning of a job whose unread messages retention deletes within
/// `threshold_s` (issue 16): the partitions concerned, soonest first.
pub fn retention_warning(rows: &[PartitionLag], threshold_s: i64) -> Option<String> {
    let mut near: Vec<(i64, i32, i64)> = rows
        .iter()
        .filter_map(|r| {
            let h = r.retention_horizon_s.filter(|h| *h <= threshold_s)?;
            Some((h, r.partition, r.committed?))
        })
        .collect();
    if near.is_empty() {
        return None;
    }
    near.sort();
    let parts: Vec<String> = near
        .iter()
        .map(|(h, p, c)| format!("partition {p} from offset {c} in {h} s"))
        .collect();
    Some(format!(
        "WARNING: Kafka retention may delete messages not loaded yet: {}",
        parts.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routine_load::job::tests::sample_job;

    #[test]
    fn offsets_time_and_status() {
        let mut job = sample_job();
        job.state = JobState::RUNNING;
        job.progress.set(0, 10);
        job.progress.set(1, 5);
        let book = LagBook::new();
        book.observe_end(job.id, &[(0, 0, 10), (1, 2, 25)], 1_000);
        book.update(job.id, 1, |o| o.next_msg = Some((5, 400)));
        let rows = book.rows(&job, 2_000);
        let r0 = rows.iter().find(|r| r.partition == 0).unwrap();
        assert_eq!(
            (r0.offset_lag, r0.time_lag_ms, r0.status),
            (Some(0), Some(0), LagStatus::Ok)
        );
        let r1 = rows.iter().find(|r| r.partition == 1).unwrap();
        assert_eq!(r1.offset_lag, Some(20));
        assert_eq!(r1.time_lag_ms, Some(1_600));
        // Within two batch intervals of the head: OK while running.
        assert_eq!(r1.status, LagStatus::Ok);
        // A next message probed for another offset says nothing about this one.
        book.update(job.id, 1, |o| o.next_msg = Some((3, 400)));
        assert_eq!(book.rows(&job, 2_000)[1].time_lag_ms, None);
        book.update(job.id, 1, |o| o.next_msg = Some((5, 400)));
        assert_eq!(book.rows(&job, 2_000 + 60_000)[1].status, LagStatus::Behind);
        let stall = STALL_MS.max(job.props.task_timeout_second * 3000);
        assert_eq!(
            book.rows(&job, 2_000 + stall - 1)[1].status,
            LagStatus::Behind
        );
        assert_eq!(book.rows(&job, 2_000 + stall)[1].status, LagStatus::Stalled);
        job.state = JobState::PAUSED;
        assert_eq!(book.rows(&job, 3_000)[1].status, LagStatus::Stopped);
        assert_eq!(book.rows(&job, 3_000)[0].status, LagStatus::Ok);
    }

    #[test]
    fn lso_below_hw_counts_only_committed_messages() {
        let mut job = sample_job();
        job.progress.set(0, 4);
        let book = LagBook::new();
        book.update(job.id, 0, |o| o.observe_probe(0, 4, 9, 1_000));
        let r = &book.rows(&job, 1_000)[0];
        assert_eq!((r.lso, r.hw, r.offset_lag), (Some(4), Some(9), Some(0)));
    }

    #[test]
    fn retention_horizon_from_retention_ms_and_bytes() {
        let mut job = sample_job();
        job.state = JobState::PAUSED;
        job.progress.set(0, 100);
        let book = LagBook::new();
        // Next unread message stamped at t = 10 s; retention.ms 60 s: deleted at 70 s at the
        // earliest.
        book.update(job.id, 0, |o| {
            o.observe_probe(0, 500, 500, 0);
            o.next_msg = Some((100, 10_000));
        });
        book.set_retention(
            job.id,
            TopicRetention {
                ms: Some(60_000),
                bytes: None,
            },
            0,
        );
        assert_eq!(book.rows(&job, 40_000)[0].retention_horizon_s, Some(30));
        // Past it: 0, never negative.
        assert_eq!(book.rows(&job, 90_000)[0].retention_horizon_s, Some(0));
        // No limit (-1) and unknown settings give no estimate.
        book.set_retention(
            job.id,
            TopicRetention {
                ms: Some(-1),
                bytes: Some(-1),
            },
            0,
        );
        assert_eq!(book.rows(&job, 40_000)[0].retention_horizon_s, None);
        // retention.bytes 100 000 with 100-byte messages keeps ~1000 messages; 400 are
        // unread (500 - 100) and 20 messages/s arrive (end 500 -> 700 in 10 s): (1000 - 600)
        // / 20 = 20 s once the end reached 700.
        job.stat.total_rows = 10;
        job.stat.received_bytes = 1_000;
        book.set_retention(
            job.id,
            TopicRetention {
                ms: None,
                bytes: Some(100_000),
            },
            0,
        );
        book.update(job.id, 0, |o| o.observe_probe(0, 700, 700, 10_000));
        assert_eq!(book.rows(&job, 10_000)[0].retention_horizon_s, Some(20));
        // The soonest estimate wins.
        book.set_retention(
            job.id,
            TopicRetention {
                ms: Some(15_000),
                bytes: Some(100_000),
            },
            0,
        );
        assert_eq!(book.rows(&job, 10_000)[0].retention_horizon_s, Some(15));
    }

    #[test]
    fn the_warning_names_the_partitions_near_deletion_soonest_first() {
        let row = |partition, committed, h| PartitionLag {
            partition,
            committed: Some(committed),
            lso: None,
            hw: None,
            log_start: None,
            offset_lag: Some(1),
            time_lag_ms: None,
            retention_horizon_s: h,
            status: LagStatus::Stopped,
        };
        let rows = [row(0, 5, Some(900)), row(1, 7, Some(30)), row(2, 9, None)];
        assert_eq!(
            retention_warning(&rows, 1800).as_deref(),
            Some("WARNING: Kafka retention may delete messages not loaded yet: partition 1 from offset 7 in 30 s, partition 0 from offset 5 in 900 s")
        );
        assert_eq!(retention_warning(&rows, 10), None);
    }

    #[test]
    fn retention_horizon_from_the_log_start_rate() {
        let mut job = sample_job();
        job.progress.set(0, 100);
        let book = LagBook::new();
        book.update(job.id, 0, |o| o.observe_probe(0, 500, 500, 0));
        // 10 offsets/s deleted: the next unread message (offset 100, log start 50) goes in 5 s.
        book.update(job.id, 0, |o| o.observe_probe(50, 600, 600, 5_000));
        let r = &book.rows(&job, 5_000)[0];
        assert_eq!(r.retention_horizon_s, Some(5));
    }
}
