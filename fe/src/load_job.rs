//! Load jobs of INSERT / DELETE statements (StarRocks's `LoadMgr` with its `InsertLoadJob`s):
//! one record per statement that began its load transaction, successful (FINISHED) or not
//! (CANCELLED with its error), listed by SHOW LOAD and `information_schema.loads`.
//!
//! - `record`: the persisted job (key `0x31 job_id`, see `meta/keys.rs`).
//! - `show`: SHOW LOAD rows and `information_schema.loads` cells.
//! - `show_filter`: SHOW LOAD's WHERE / ORDER BY / LIMIT.
//!
//! Invariants: a job is in memory (listed) before its statement answers; its write to the
//! metadata store is WAL-only (no fsync on the statement's answer path), so it survives an FE
//! process crash and becomes durable with the next synced write. Jobs older than
//! `label_keep_max_second` after they ended are dropped at start-up and pruned as new ones
//! are recorded (`LoadMgr.removeOldLoadJob` runs on a timer; pruning on record keeps the
//! count bounded without one more background loop).

pub mod record;
pub mod show;
pub mod show_filter;

pub use record::LoadJobRecord;

use crate::meta::{keys, MetaBatch, MetaError, MetaStore};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A job with its database's name (`information_schema.loads` rows; the name is empty when
/// the database was dropped, as `LoadJob.toThrift` sets it).
#[derive(Debug, Clone, PartialEq)]
pub struct DbLoadJob {
    pub db: String,
    pub job: LoadJobRecord,
}

/// How often recording a job also prunes expired ones.
const PRUNE_INTERVAL_MS: i64 = 60_000;

/// Every load job the FE remembers, by id.
pub struct LoadJobMgr {
    meta: Arc<MetaStore>,
    jobs: Mutex<BTreeMap<i64, LoadJobRecord>>,
    last_prune_ms: AtomicI64,
}

impl LoadJobMgr {
    /// Loads the persisted jobs, dropping (and deleting) those expired at `now_ms`
    /// (`LoadMgr.loadLoadJobsV2JsonFormat` discards expired jobs the same way).
    pub fn load(meta: Arc<MetaStore>, now_ms: i64, keep_s: i64) -> Result<Self, MetaError> {
        let mut jobs = BTreeMap::new();
        let mut expired = MetaBatch::new();
        for (key, job) in meta.scan_prefix::<LoadJobRecord>(&[keys::LOAD_JOB])? {
            if job.is_expired(now_ms, keep_s) {
                expired.delete(&key);
            } else {
                jobs.insert(job.id, job);
            }
        }
        // Only the FE that may write deletes them; a follower just leaves them out.
        if !expired.is_empty() && meta.can_write() {
            meta.write_unsynced(expired)?;
        }
        Ok(Self {
            meta,
            jobs: Mutex::new(jobs),
            last_prune_ms: AtomicI64::new(now_ms),
        })
    }

    /// Replaces the in-memory jobs with what the store holds now.
    pub fn reload(&self, now_ms: i64, keep_s: i64) -> Result<(), MetaError> {
        let fresh = Self::load(self.meta.clone(), now_ms, keep_s)?;
        *self.lock() = fresh.jobs.into_inner().unwrap_or_else(|p| p.into_inner());
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<i64, LoadJobRecord>> {
        match self.jobs.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Records an ended job: listed at once; written to the store in the same WAL write as
    /// the deletion of expired jobs (at most once per minute). A failed write leaves the job
    /// listed until the FE restarts and is returned for the caller to log.
    pub fn record(&self, job: LoadJobRecord, now_ms: i64, keep_s: i64) -> Result<(), MetaError> {
        let mut batch = MetaBatch::new();
        batch.put(&keys::id_key(keys::LOAD_JOB, job.id), &job)?;
        let mut jobs = self.lock();
        let last = self.last_prune_ms.load(Ordering::Relaxed);
        if now_ms - last >= PRUNE_INTERVAL_MS {
            self.last_prune_ms.store(now_ms, Ordering::Relaxed);
            let old: Vec<i64> = jobs
                .values()
                .filter(|j| j.is_expired(now_ms, keep_s))
                .map(|j| j.id)
                .collect();
            for id in old {
                jobs.remove(&id);
                batch.delete(&keys::id_key(keys::LOAD_JOB, id));
            }
        }
        jobs.insert(job.id, job);
        // Written under the lock so a prune's delete never overtakes the put of a job.
        self.meta.write_unsynced(batch)
    }

    /// The unexpired jobs of database `db_id` (every database when None), in id order.
    pub fn list(&self, db_id: Option<i64>, now_ms: i64, keep_s: i64) -> Vec<LoadJobRecord> {
        self.lock()
            .values()
            .filter(|j| db_id.is_none_or(|d| j.db_id == d))
            .filter(|j| !j.is_expired(now_ms, keep_s))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load_job::record::tests::sample;

    #[test]
    fn jobs_survive_reopen_and_expire() {
        let dir = tempfile::tempdir().unwrap();
        let keep = 100;
        let t0 = sample().finish_ms;
        {
            let meta = Arc::new(MetaStore::open(dir.path()).unwrap());
            let m = LoadJobMgr::load(meta, t0, keep).unwrap();
            let mut a = sample();
            a.id = 1;
            m.record(a, t0, keep).unwrap();
            let mut b = sample();
            b.id = 2;
            b.db_id = 7;
            b.finish_ms = t0 + 50_000;
            m.record(b, t0, keep).unwrap();
            assert_eq!(m.list(None, t0, keep).len(), 2);
            assert_eq!(m.list(Some(7), t0, keep)[0].id, 2);
        }
        let meta = Arc::new(MetaStore::open(dir.path()).unwrap());
        // Reopened past job 1's retention: it is dropped (and deleted), job 2 stays.
        let now = t0 + 100_001;
        let m = LoadJobMgr::load(meta.clone(), now, keep).unwrap();
        let ids: Vec<i64> = m.list(None, now, keep).iter().map(|j| j.id).collect();
        assert_eq!(ids, [2]);
        assert_eq!(
            meta.scan_prefix::<LoadJobRecord>(&[keys::LOAD_JOB])
                .unwrap()
                .len(),
            1
        );
        // Listing hides a job the moment it expires; recording prunes it from the store.
        let later = t0 + 170_001;
        assert!(m.list(None, later, keep).is_empty());
        let mut c = sample();
        c.id = 3;
        c.finish_ms = later;
        m.record(c, later, keep).unwrap();
        let stored: Vec<i64> = meta
            .scan_prefix::<LoadJobRecord>(&[keys::LOAD_JOB])
            .unwrap()
            .into_iter()
            .map(|(_, j)| j.id)
            .collect();
        assert_eq!(stored, [3]);
    }
}
