//! A bounded, in-memory history of each job's per-partition lag (offsets and seconds) and of
//! its row counters, for the web console's charts (issue 18). Nothing here is persisted: a
//! restarted FE starts with an empty history, as StarRocks's own in-memory statistics do.
//!
//! Samples come only from what task reports already carry (`ReportTaskRequest.progress`:
//! high watermark, last offset and the last message's timestamp) plus the job's committed
//! progress after the report was applied; no Kafka call is ever made for it.
//!
//! Bounds: samples of one partition closer than [`RESOLUTION_MS`] replace each other (the
//! newest wins), samples older than [`HORIZON_MS`] are dropped, and a job keeps at most
//! [`MAX_SAMPLES_PER_JOB`] samples over all its partitions (a topic with many partitions gets
//! a shorter history per partition rather than more memory).

use super::job::RoutineLoadJob;
use starload_proto::fe::PartitionProgress;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

/// Samples of one partition closer than this replace each other.
pub const RESOLUTION_MS: i64 = 5_000;
/// How far back the history reaches.
pub const HORIZON_MS: i64 = 6 * 3600 * 1000;
/// Samples one job keeps over all its partitions (about 48 bytes each: < 5 MB per job).
pub const MAX_SAMPLES_PER_JOB: usize = 100_000;
/// A partition keeps at least this many samples, however many partitions its job has.
const MIN_SAMPLES_PER_PARTITION: usize = 60;

/// One partition at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LagSample {
    pub at_ms: i64,
    /// The job's next offset to load (committed progress).
    pub committed_offset: i64,
    /// High watermark from the task's last fetch.
    pub high_watermark: i64,
    /// `high_watermark - committed_offset`, never negative.
    pub offset_lag: i64,
    /// Seconds behind, in ms: 0 when caught up, else `at_ms` minus the Kafka timestamp of the
    /// last loaded message (an upper bound of "now minus the next unread message's time": the
    /// next message is at least as new). None while no message of the partition was loaded.
    pub time_lag_ms: Option<i64>,
    /// Hook for issue 16: the last stable offset (read_committed topics), once task reports
    /// carry it. None until then; the console then shows the high watermark only.
    pub last_stable_offset: Option<i64>,
}

/// The job's counters at one moment (rows/s over a window = difference of two samples).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterSample {
    pub at_ms: i64,
    pub loaded_rows: i64,
    pub error_rows: i64,
}

#[derive(Debug, Default, Clone)]
struct JobHistory {
    partitions: BTreeMap<i32, VecDeque<LagSample>>,
    counters: VecDeque<CounterSample>,
}

/// What the console reads of one job.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct JobLagHistory {
    pub partitions: BTreeMap<i32, Vec<LagSample>>,
    pub counters: Vec<CounterSample>,
}

impl JobLagHistory {
    /// Loaded and error rows per second over the last `window_ms` (None with fewer than two
    /// samples in the window).
    pub fn rates(&self, now_ms: i64, window_ms: i64) -> Option<(f64, f64)> {
        let last = self.counters.last()?;
        let first = self
            .counters
            .iter()
            .find(|c| c.at_ms >= now_ms - window_ms && c.at_ms < last.at_ms)?;
        let secs = (last.at_ms - first.at_ms) as f64 / 1000.0;
        Some((
            (last.loaded_rows - first.loaded_rows) as f64 / secs,
            (last.error_rows - first.error_rows) as f64 / secs,
        ))
    }
}

/// Every job's history.
#[derive(Debug, Default)]
pub struct LagHistory {
    jobs: Mutex<BTreeMap<i64, JobHistory>>,
}

/// Appends `s` to `q` (replacing the last sample when it is within the resolution), then drops
/// samples past the horizon or beyond `cap`.
fn push_bounded<T: Copy>(q: &mut VecDeque<T>, s: T, at: impl Fn(&T) -> i64, cap: usize) {
    let now = at(&s);
    // Replace the newest sample only when the one before it is also within the resolution, so
    // a steady stream of reports keeps one point per RESOLUTION_MS instead of sliding forever.
    let replace = q.len() >= 2
        && q.get(q.len() - 2)
            .is_some_and(|p| now - at(p) < RESOLUTION_MS);
    if replace {
        if let Some(last) = q.back_mut() {
            *last = s;
        }
    } else {
        q.push_back(s);
    }
    while q.front().is_some_and(|f| now - at(f) > HORIZON_MS) || q.len() > cap {
        q.pop_front();
    }
}

impl LagHistory {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<i64, JobHistory>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a task report's partitions, with `job` as it stands after the report was
    /// applied (its committed progress and last message timestamps), at `now_ms`.
    pub fn record(&self, job: &RoutineLoadJob, progress: &[PartitionProgress], now_ms: i64) {
        let mut jobs = self.lock();
        let h = jobs.entry(job.id).or_default();
        for p in progress {
            let Some(committed) = job.progress.get(p.partition).filter(|o| *o >= 0) else {
                continue;
            };
            if p.high_watermark < 0 {
                continue;
            }
            let offset_lag = (p.high_watermark - committed).max(0);
            // timestamp_progress stores the last loaded message's timestamp + 1.
            let last_ts = job
                .timestamp_progress
                .get(p.partition)
                .map(|t| t - 1)
                .filter(|t| *t >= 0);
            let time_lag_ms = if offset_lag == 0 {
                Some(0)
            } else {
                last_ts.map(|t| (now_ms - t).max(0))
            };
            let sample = LagSample {
                at_ms: now_ms,
                committed_offset: committed,
                high_watermark: p.high_watermark,
                offset_lag,
                time_lag_ms,
                last_stable_offset: None,
            };
            h.partitions.entry(p.partition).or_default();
            let cap = (MAX_SAMPLES_PER_JOB / h.partitions.len()).max(MIN_SAMPLES_PER_PARTITION);
            if let Some(q) = h.partitions.get_mut(&p.partition) {
                push_bounded(q, sample, |s| s.at_ms, cap);
            }
        }
        let c = CounterSample {
            at_ms: now_ms,
            loaded_rows: job.loaded_rows(),
            error_rows: job.stat.error_rows,
        };
        let cap = HORIZON_MS as usize / RESOLUTION_MS as usize;
        push_bounded(&mut h.counters, c, |s| s.at_ms, cap);
    }

    /// A copy of one job's history (empty when nothing was reported yet).
    pub fn job(&self, job_id: i64) -> JobLagHistory {
        let jobs = self.lock();
        let Some(h) = jobs.get(&job_id) else {
            return JobLagHistory::default();
        };
        JobLagHistory {
            partitions: h
                .partitions
                .iter()
                .map(|(p, q)| (*p, q.iter().copied().collect()))
                .collect(),
            counters: h.counters.iter().copied().collect(),
        }
    }

    /// Drops the history of jobs that no longer exist.
    pub fn forget(&self, job_ids: &[i64]) {
        let mut jobs = self.lock();
        for id in job_ids {
            jobs.remove(id);
        }
    }

    /// Samples held over all jobs (for tests and the bound check).
    pub fn sample_count(&self) -> usize {
        self.lock()
            .values()
            .map(|h| h.partitions.values().map(VecDeque::len).sum::<usize>() + h.counters.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routine_load::job::tests::sample_job;

    fn pp(partition: i32, hw: i64) -> PartitionProgress {
        PartitionProgress {
            partition,
            begin_offset: 0,
            last_offset: -1,
            last_timestamp_ms: -1,
            high_watermark: hw,
        }
    }

    #[test]
    fn samples_carry_offset_and_time_lag() {
        let h = LagHistory::new();
        let mut job = sample_job();
        job.progress.set(0, 40);
        job.progress.set(1, 7);
        // Last loaded message of partition 0 at t=1_000 (stored + 1).
        job.timestamp_progress.set(0, 1_001);
        job.stat.total_rows = 100;
        h.record(&job, &[pp(0, 50), pp(1, 7)], 61_000);
        let j = h.job(job.id);
        assert_eq!(
            j.partitions[&0],
            vec![LagSample {
                at_ms: 61_000,
                committed_offset: 40,
                high_watermark: 50,
                offset_lag: 10,
                time_lag_ms: Some(60_000),
                last_stable_offset: None,
            }]
        );
        // Caught up: no time lag, whatever the timestamps.
        assert_eq!(j.partitions[&1][0].offset_lag, 0);
        assert_eq!(j.partitions[&1][0].time_lag_ms, Some(0));
        assert_eq!(j.counters[0].loaded_rows, 100);
    }

    #[test]
    fn close_samples_replace_each_other_and_old_ones_expire() {
        let h = LagHistory::new();
        let mut job = sample_job();
        job.progress.set(0, 0);
        // Reports every second for a minute: about one point per RESOLUTION_MS (settled points
        // are at least RESOLUTION_MS minus one report apart), plus the newest.
        for s in 0..60 {
            h.record(&job, &[pp(0, s)], s * 1000);
        }
        let n = h.job(job.id).partitions[&0].len();
        assert!((12..=17).contains(&n), "{n} samples");
        assert_eq!(
            h.job(job.id).partitions[&0]
                .last()
                .map(|s| s.high_watermark),
            Some(59)
        );
        // Past the horizon everything but the newest goes.
        h.record(&job, &[pp(0, 100)], 60_000 + HORIZON_MS + 1);
        assert_eq!(h.job(job.id).partitions[&0].len(), 1);
        h.forget(&[job.id]);
        assert_eq!(h.sample_count(), 0);
    }

    #[test]
    fn a_job_with_many_partitions_stays_within_its_budget() {
        let h = LagHistory::new();
        let mut job = sample_job();
        let parts: Vec<PartitionProgress> = (0..2000).map(|p| pp(p, 10)).collect();
        for p in 0..2000 {
            job.progress.set(p, 0);
        }
        for i in 0..200 {
            h.record(&job, &parts, i * RESOLUTION_MS);
        }
        let per_partition = h.job(job.id).partitions[&0].len();
        assert_eq!(per_partition, MIN_SAMPLES_PER_PARTITION);
        assert!(h.sample_count() <= 2000 * MIN_SAMPLES_PER_PARTITION + 200);
    }

    #[test]
    fn rates_over_a_window() {
        let h = LagHistory::new();
        let mut job = sample_job();
        for i in 0..10 {
            job.stat.total_rows = i * 1000;
            job.stat.error_rows = i * 10;
            h.record(&job, &[], i * 10_000);
        }
        let (rows, errors) = h.job(job.id).rates(90_000, 60_000).unwrap_or_default();
        // Loaded rows (total minus error rows): 990 per 10 s sample.
        assert!((rows - 99.0).abs() < 1e-9, "{rows}");
        assert!((errors - 1.0).abs() < 1e-9, "{errors}");
        assert_eq!(LagHistory::new().job(1).rates(0, 1000), None);
    }
}
