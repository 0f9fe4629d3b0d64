//! Routine load jobs (key `0x30 job_id`): properties, state machine, task scheduling, progress
//! and the SHOW formats. Mirrors StarRocks's `RoutineLoadMgr` (the job registry) with the job,
//! task and scheduler logic in the submodules:
//! - `properties` job / data-source properties with defaults, validation and error texts
//! - `job` the persisted job, states, reasons, statistics, concurrency
//! - `task` in-memory tasks; `scheduler` the loops; `txn_callback` commit/abort decisions
//! - `load_desc` the job's load clauses (COLUMNS, WHERE, separators, PARTITION)
//! - `progress` offsets and their display; `show` SHOW rows; `show_filter` their WHERE/ORDER BY; `java_map` HashMap key order
//! - `lag` per-partition lag in offsets and seconds (SHOW ROUTINE LOAD LAG); `lag_probe` its background Kafka probe
//! - `txn_ledger` the offset ledger: one record per transaction that moved progress (SHOW ROUTINE LOAD TXN)
//! - `bounded` bounded jobs (kafka_end_offsets / kafka_end_time) and datetime starts
//! - `context` the managers the loops and callbacks use (not the whole FeContext)
//! - `kafka_meta` partition lists and watermarks from the broker (never on the SHOW path)
//! - `lag_history` bounded in-memory lag samples per job and partition (the web console's charts)
//!
//! Invariants: a job's persisted record changes only through this manager, always written
//! before the in-memory copy changes; the job lock is never held across an `.await`.

pub mod bounded;
pub mod context;
pub mod java_map;
pub mod job;
pub mod kafka_meta;
pub mod lag;
pub mod lag_history;
pub mod lag_probe;
pub mod load_desc;
pub mod progress;
pub mod properties;
pub mod scheduler;
pub mod show;
pub mod show_filter;
pub mod task;
pub mod txn_callback;
pub mod txn_ledger;

use crate::meta::{keys, MetaBatch, MetaError, MetaStore};
use job::{ErrorReason, JobState, RoutineLoadJob};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use task::RoutineLoadTask;
use tokio::sync::Notify;

/// A job with its run-time state (tasks, cached watermarks), which is not persisted.
#[derive(Debug, Clone)]
pub struct JobEntry {
    pub job: RoutineLoadJob,
    pub tasks: Vec<RoutineLoadTask>,
    /// High watermarks last seen per partition (LatestSourcePosition).
    pub latest_offsets: Vec<(i32, i64)>,
    /// RUNNING+UNSTABLE reason (code 105), if any.
    pub unstable: Option<ErrorReason>,
    /// When the topic's partitions were last fetched.
    pub last_discovery_ms: i64,
    /// A prepare (offset resolution / partition fetch) is in flight.
    pub preparing: bool,
    /// OtherMsg's retention warning (`lag::retention_warning`, set by the lag probe; in
    /// memory only).
    pub retention_warning: Option<String>,
}

impl JobEntry {
    /// Stops a job that reached its end (`bounded`; the caller persists it). Here rather than
    /// in `bounded`, so that module does not import its parent.
    pub fn stop_at_end(&mut self, now_ms: i64) {
        let r = bounded::end_reason(&self.job);
        self.change_state(JobState::STOPPED, None, now_ms);
        self.job.cancel_reason = Some(r);
    }

    pub fn new(job: RoutineLoadJob) -> Self {
        Self {
            job,
            tasks: Vec::new(),
            latest_offsets: Vec::new(),
            unstable: None,
            last_discovery_ms: 0,
            preparing: false,
            retention_warning: None,
        }
    }

    /// Changes the state (with StarRocks's side effects: pausing, rescheduling and final
    /// states drop the tasks; their transactions are rejected if they report later).
    pub fn change_state(&mut self, to: JobState, reason: Option<ErrorReason>, now_ms: i64) {
        if to == JobState::PAUSED && self.job.state != JobState::PAUSED {
            crate::telemetry::RoutineLoadPaused { job: self.job.id }.emit();
        }
        self.job.set_state(to, reason, now_ms);
        if to != JobState::RUNNING {
            self.tasks.clear();
            self.unstable = None;
        }
    }

    /// Records a high watermark for LatestSourcePosition.
    pub fn set_latest(&mut self, partition: i32, hw: i64) {
        match self
            .latest_offsets
            .iter_mut()
            .find(|(p, _)| *p == partition)
        {
            Some(e) => e.1 = hw,
            None => self.latest_offsets.push((partition, hw)),
        }
    }
}

/// All routine load jobs.
pub struct RoutineLoadManager {
    meta: Arc<MetaStore>,
    jobs: Mutex<BTreeMap<i64, JobEntry>>,
    /// Wakes the scheduler (a job was created or resumed, a task finished).
    pub wake: Notify,
    /// Last observed offsets per job and partition (SHOW ROUTINE LOAD LAG; not persisted).
    pub lag: lag::LagBook,
    /// Lag samples from task reports (not persisted).
    pub lag_history: lag_history::LagHistory,
}

/// Of `alive`, the BE running the fewest tasks below `cap` (lowest id on a tie): the one rule
/// the scheduler, PREVIEW and REPLAY place a task by.
pub fn least_loaded(alive: &[i64], running: &BTreeMap<i64, i64>, cap: i64) -> Option<i64> {
    let load = |b: i64| running.get(&b).copied().unwrap_or(0);
    alive
        .iter()
        .copied()
        .filter(|b| load(*b) < cap)
        .min_by_key(|b| (load(*b), *b))
}

/// Where a task runs: its previous BE (`prev`, -1 for none) while that BE is alive and has
/// room, else [`least_loaded`] (StarRocks's `RoutineLoadTaskScheduler` rule). Staying keeps
/// the BE's cached Kafka consumers warm. Moving a task to an idler BE was tried (2026-12-07):
/// in `e2e --preload` it measured no better within the noise of a 3-s run (0.32-0.52 of raw
/// for both), so the StarRocks rule stays.
pub fn choose_backend(
    alive: &[i64],
    running: &BTreeMap<i64, i64>,
    prev: i64,
    cap: i64,
) -> Option<i64> {
    let load = |b: i64| running.get(&b).copied().unwrap_or(0);
    if alive.contains(&prev) && load(prev) < cap {
        Some(prev)
    } else {
        least_loaded(alive, running, cap)
    }
}

/// Tasks per BE: running ones, and those being placed that already hold a BE. The scheduler
/// reserves a task's BE under the jobs lock when it picks it, so tasks placed at the same
/// moment see each other and spread over the BEs (they all saw every BE idle, took the lowest
/// id, and the previous-BE rule then kept them together for the job's life).
pub fn tasks_per_be(jobs: &BTreeMap<i64, JobEntry>) -> BTreeMap<i64, i64> {
    let mut m = BTreeMap::new();
    for e in jobs.values() {
        for t in &e.tasks {
            if t.be_id >= 0 && (t.is_running() || t.scheduling) {
                *m.entry(t.be_id).or_insert(0) += 1;
            }
        }
    }
    m
}

impl RoutineLoadManager {
    /// Loads every persisted job. Tasks are not persisted: RUNNING jobs go back to
    /// NEED_SCHEDULE and are divided again from their committed progress.
    pub fn load(meta: Arc<MetaStore>) -> Result<Self, MetaError> {
        let jobs = Self::read_jobs(&meta, true)?;
        Ok(Self {
            meta,
            jobs: Mutex::new(jobs),
            wake: Notify::new(),
            lag: lag::LagBook::new(),
            lag_history: lag_history::LagHistory::new(),
        })
    }

    /// Every persisted job; `scheduling` turns RUNNING into NEED_SCHEDULE (the FE that
    /// schedules has no task of an earlier run), a follower keeps the state as written.
    fn read_jobs(meta: &MetaStore, scheduling: bool) -> Result<BTreeMap<i64, JobEntry>, MetaError> {
        let mut jobs = BTreeMap::new();
        for (_, mut job) in meta.scan_prefix::<RoutineLoadJob>(&[keys::ROUTINE_LOAD_JOB])? {
            if scheduling && job.state == JobState::RUNNING {
                job.state = JobState::NEED_SCHEDULE;
            }
            jobs.insert(job.id, JobEntry::new(job));
        }
        Ok(jobs)
    }

    /// Replaces the in-memory jobs with what the store holds now (lag samples are kept).
    /// `scheduling`: this FE is about to schedule them (see [`Self::read_jobs`]).
    pub fn reload(&self, scheduling: bool) -> Result<(), MetaError> {
        let jobs = Self::read_jobs(&self.meta, scheduling)?;
        *self.lock() = jobs;
        self.wake.notify_one();
        Ok(())
    }

    /// The job table. Never hold it across an `.await`.
    pub fn lock(&self) -> MutexGuard<'_, BTreeMap<i64, JobEntry>> {
        match self.jobs.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    pub fn meta(&self) -> &Arc<MetaStore> {
        &self.meta
    }

    /// Adds a put of `job` to `batch`.
    pub fn put_job(batch: &mut MetaBatch, job: &RoutineLoadJob) -> Result<(), MetaError> {
        batch.put(&keys::id_key(keys::ROUTINE_LOAD_JOB, job.id), job)
    }

    /// Persists one job.
    pub fn persist(&self, job: &RoutineLoadJob) -> Result<(), MetaError> {
        let mut b = MetaBatch::new();
        Self::put_job(&mut b, job)?;
        self.meta.write(b)
    }

    /// Registers a new job (persisted first). Fails with StarRocks's text when a non-final job
    /// of the same db already has the name.
    pub fn add(&self, job: RoutineLoadJob) -> Result<(), String> {
        let mut jobs = self.lock();
        if jobs
            .values()
            .any(|e| e.job.db_id == job.db_id && e.job.name == job.name && !e.job.state.is_final())
        {
            return Err(format!(
                "Name {} already used in db {}",
                job.name, job.db_name
            ));
        }
        self.persist(&job).map_err(|e| e.to_string())?;
        jobs.insert(job.id, JobEntry::new(job));
        drop(jobs);
        self.wake.notify_one();
        Ok(())
    }

    /// The id of the job `name` in db `db_id` (the newest one; non-final only unless
    /// `include_final`).
    pub fn find(&self, db_id: i64, name: &str, include_final: bool) -> Option<i64> {
        self.lock()
            .values()
            .filter(|e| e.job.db_id == db_id && e.job.name == name)
            .filter(|e| include_final || !e.job.state.is_final())
            .map(|e| e.job.id)
            .max()
    }

    /// Applies `f` to job `id` and persists the result; the in-memory job changes only when
    /// the write succeeded. Returns `f`'s value.
    pub fn update<T>(
        &self,
        id: i64,
        f: impl FnOnce(&mut JobEntry) -> Result<T, String>,
    ) -> Result<T, String> {
        let mut jobs = self.lock();
        let entry = jobs
            .get_mut(&id)
            .ok_or_else(|| format!("routine load job {id} not found"))?;
        let mut next = entry.clone();
        let out = f(&mut next)?;
        if next.job != entry.job {
            self.persist(&next.job).map_err(|e| e.to_string())?;
        }
        *entry = next;
        drop(jobs);
        self.wake.notify_one();
        Ok(out)
    }

    /// Copies of all jobs (for SHOW), ordered by id.
    pub fn snapshot(&self) -> Vec<JobEntry> {
        self.lock().values().cloned().collect()
    }

    /// A copy of one job.
    pub fn get(&self, id: i64) -> Option<JobEntry> {
        self.lock().get(&id).cloned()
    }

    /// Number of tasks per BE that occupy a slot (submitted, not finished).
    pub fn running_tasks_per_be(&self) -> BTreeMap<i64, i64> {
        tasks_per_be(&self.lock())
    }

    /// The alive BE running the fewest tasks (lowest id on a tie): where PREVIEW and REPLAY
    /// run their one-off task, as the scheduler would place a new one.
    pub fn least_busy_backend(&self, alive: Vec<i64>) -> Option<i64> {
        least_loaded(&alive, &self.running_tasks_per_be(), i64::MAX)
    }

    /// Removes final jobs past `label_keep_max_second`.
    pub fn remove_expired(&self, now_ms: i64, keep_s: i64) -> Result<usize, MetaError> {
        let mut jobs = self.lock();
        let old: Vec<i64> = jobs
            .values()
            .filter(|e| e.job.need_remove(now_ms, keep_s))
            .map(|e| e.job.id)
            .collect();
        if old.is_empty() {
            return Ok(0);
        }
        let mut b = MetaBatch::new();
        for id in &old {
            b.delete(&keys::id_key(keys::ROUTINE_LOAD_JOB, *id));
        }
        self.meta.write(b)?;
        for id in &old {
            jobs.remove(id);
        }
        self.lag.forget(&old);
        self.lag_history.forget(&old);
        Ok(old.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routine_load::job::tests::sample_job;

    /// Places tasks one after another as the scheduler does (each reservation counts for the
    /// next); returns the BE of each.
    fn place(alive: &[i64], prevs: &[i64], cap: i64) -> Vec<Option<i64>> {
        let mut running = BTreeMap::new();
        prevs
            .iter()
            .map(|prev| {
                let b = choose_backend(alive, &running, *prev, cap);
                if let Some(b) = b {
                    *running.entry(b).or_insert(0) += 1;
                }
                b
            })
            .collect()
    }

    #[test]
    fn tasks_placed_at_once_spread_over_the_backends() {
        let alive = [10, 11, 12];
        // New tasks: one per BE.
        assert_eq!(
            place(&alive, &[-1, -1, -1], 5),
            vec![Some(10), Some(11), Some(12)]
        );
        // Two tasks that last ran on BE 11 both stay while it has room; the new one takes the
        // least loaded BE.
        assert_eq!(
            place(&alive, &[11, 11, -1], 5),
            vec![Some(11), Some(11), Some(10)]
        );
        // A full previous BE sends the task to the least loaded one.
        assert_eq!(
            place(&alive, &[11, 11, 11], 2),
            vec![Some(11), Some(11), Some(10)]
        );
        // Each task's previous BE is kept while the load is even.
        assert_eq!(
            place(&alive, &[12, 10, 11], 5),
            vec![Some(12), Some(10), Some(11)]
        );
        // A dead previous BE, and a full cluster.
        assert_eq!(place(&[10], &[11, 10], 1), vec![Some(10), None]);
    }

    #[test]
    fn jobs_persist_and_running_jobs_reschedule_after_restart() {
        let dir = tempfile::tempdir().unwrap();
        {
            let meta = Arc::new(MetaStore::open(dir.path()).unwrap());
            let m = RoutineLoadManager::load(meta).unwrap();
            let mut job = sample_job();
            job.state = JobState::RUNNING;
            m.add(job.clone()).unwrap();
            assert_eq!(m.add(job).unwrap_err(), "Name j1 already used in db db");
            m.update(10001, |e| {
                e.job.progress.set(0, 42);
                Ok(())
            })
            .unwrap();
        }
        let meta = Arc::new(MetaStore::open(dir.path()).unwrap());
        let m = RoutineLoadManager::load(meta).unwrap();
        let e = m.get(10001).unwrap();
        assert_eq!(e.job.state, JobState::NEED_SCHEDULE);
        assert_eq!(e.job.progress.get(0), Some(42));
        assert_eq!(m.find(10000, "j1", false), Some(10001));
        m.update(10001, |e| {
            e.change_state(JobState::STOPPED, None, 1000);
            Ok(())
        })
        .unwrap();
        assert_eq!(m.find(10000, "j1", false), None);
        assert_eq!(m.find(10000, "j1", true), Some(10001));
        assert_eq!(m.remove_expired(1000 + 259_200_001, 259200).unwrap(), 1);
        assert!(m.get(10001).is_none());
    }
}
