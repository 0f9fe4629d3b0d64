//! When the log is durable: lets the leader fsync its own entries while they travel to the
//! followers, instead of before.
//!
//! openraft 0.9 runs log IO inside RaftCore. A leader's `append` must report the entries flushed
//! before RaftCore sends them anywhere, so a commit on three FEs paid the leader's fsync, then
//! a round trip that includes a follower's fsync. Here the leader writes the entries of its own
//! term to RocksDB without a sync, and a background thread syncs the WAL while AppendEntries is
//! on the wire. Raft's guarantee still holds because nothing observes a commit of index i before
//! the leader's log is durable through i:
//! - the state machine's `apply` waits first, and it is the only way to a client's answer,
//!   a read index or a snapshot;
//! - every AppendEntries whose `leader_commit` reaches i waits first, so no follower applies
//!   or reports i before then.
//!
//! A commit nobody observed is not a commit. If the leader's machine loses power before the sync,
//! the entry may survive only on a follower. A later leader may then drop it, but no client was
//! told it committed and no FE applied it. Entries from followers' appends, votes, truncations
//! and purges are still written with a sync. A synced RocksDB write also syncs every earlier WAL
//! record, so a vote change makes everything this node wrote as leader durable before it can
//! answer another leader.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// What has been written to the log and how much of it is durable (`durable <= written`).
#[derive(Debug, Default, Clone, Copy)]
struct Marks {
    /// The last log index written (synced or not).
    written: u64,
    /// Every log index up to this one is durable.
    durable: u64,
    /// Bumped by a truncation: a background sync that started before it must not claim
    /// indexes the truncation removed (they may be written again, unsynced, later).
    generation: u64,
}

/// Tracks the log's durable prefix; shared by the log store, the state machine and the network.
pub struct Durability {
    db: Arc<rocksdb::DB>,
    /// The marks live in the watch itself, so its lock is the only one: `wait_for` runs its
    /// predicate under the watch's read lock, and a second lock taken inside the predicate
    /// (while the sync thread held that one and published) deadlocked apply and the sync
    /// thread for good, which stalled a lone FE's first write (two CI failures).
    marks: watch::Sender<Marks>,
    kick: Mutex<mpsc::Sender<()>>,
}

impl Durability {
    /// Starts tracking the log of `db`, whose last entry is `last_index`. Syncs the WAL first:
    /// entries an earlier process wrote without a sync may be only in the page cache.
    pub fn open(db: Arc<rocksdb::DB>, last_index: u64) -> Result<Arc<Self>, String> {
        db.flush_wal(true)
            .map_err(|e| format!("syncing the metadata WAL: {e}"))?;
        let (kick, kicked) = mpsc::channel();
        let this = Arc::new(Self {
            db,
            marks: watch::channel(Marks {
                written: last_index,
                durable: last_index,
                generation: 0,
            })
            .0,
            kick: Mutex::new(kick),
        });
        let weak = Arc::downgrade(&this);
        std::thread::Builder::new()
            .name("meta-wal-sync".into())
            .spawn(move || {
                // Each kick (many at once coalesce) syncs everything written so far.
                while kicked.recv().is_ok() {
                    while kicked.try_recv().is_ok() {}
                    let Some(d) = weak.upgrade() else { return };
                    d.sync_now();
                }
            })
            .map_err(|e| format!("meta-wal-sync thread: {e}"))?;
        Ok(this)
    }

    fn marks(&self) -> Marks {
        *self.marks.borrow()
    }

    /// Syncs the WAL and marks what was written before it durable. Retries while the sync
    /// fails: a leader whose disk refuses writes stops committing rather than lie.
    fn sync_now(&self) {
        let started = self.sync_started();
        loop {
            match self.db.flush_wal(true) {
                Ok(()) => break,
                Err(e) => {
                    tracing::error!("syncing the metadata WAL failed (retrying): {e}");
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        self.sync_finished(started);
    }

    /// What a sync starting now covers: the written mark and the truncation generation.
    fn sync_started(&self) -> (u64, u64) {
        let m = self.marks();
        (m.written, m.generation)
    }

    /// Marks what the sync covered durable, unless a truncation came in between.
    fn sync_finished(&self, (target, generation): (u64, u64)) {
        self.marks.send_if_modified(|m| {
            if m.generation == generation && target > m.durable {
                m.durable = target.min(m.written);
                true
            } else {
                false
            }
        });
    }

    /// Entries through `last_index` were written without a sync (the leader's own).
    pub fn wrote_unsynced(&self, last_index: u64) {
        // A larger `written` only makes waiters wait longer: no wake-up needed.
        self.marks.send_if_modified(|m| {
            m.written = last_index;
            false
        });
        let _ = self.kick.lock().unwrap_or_else(|p| p.into_inner()).send(());
    }

    /// A synced write (entries through `last_index`, or a vote or purge when `None`) made
    /// everything written before it durable too.
    pub fn synced(&self, last_index: Option<u64>) {
        self.marks.send_if_modified(|m| {
            if let Some(i) = last_index {
                m.written = i;
            }
            let changed = m.durable != m.written;
            m.durable = m.written;
            changed
        });
    }

    /// The log was truncated: indexes from `since` on are gone.
    pub fn truncated(&self, since: u64) {
        // Always wake waiters: a shorter log may satisfy them even if `durable` stayed.
        self.marks.send_modify(|m| {
            let keep = since.saturating_sub(1);
            m.written = m.written.min(keep);
            m.durable = m.durable.min(keep);
            m.generation += 1;
        });
    }

    /// Waits until every entry this node wrote up to `index` is durable. Indexes beyond the
    /// log (nothing written there) need no wait.
    pub async fn wait(&self, index: u64) {
        let mut rx = self.marks.subscribe();
        let _ = rx.wait_for(|m| m.durable >= index.min(m.written)).await;
    }

    /// The durable prefix (for tests and metrics).
    pub fn durable(&self) -> u64 {
        self.marks().durable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Arc<rocksdb::DB>) {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = rocksdb::Options::default();
        opts.create_if_missing(true);
        let db = Arc::new(rocksdb::DB::open(&opts, dir.path()).unwrap());
        (dir, db)
    }

    #[tokio::test]
    async fn unsynced_writes_become_durable_in_the_background() {
        let (_d, db) = db();
        let d = Durability::open(db, 5).unwrap();
        assert_eq!(d.durable(), 5);
        d.wrote_unsynced(9);
        tokio::time::timeout(Duration::from_secs(10), d.wait(9))
            .await
            .expect("the background sync marks 9 durable");
        assert_eq!(d.durable(), 9);
        // Beyond the log: nothing to wait for.
        tokio::time::timeout(Duration::from_secs(1), d.wait(100))
            .await
            .expect("no wait beyond the log");
    }

    #[tokio::test]
    async fn truncation_lowers_both_marks_and_a_synced_write_covers_all() {
        let (_d, db) = db();
        let d = Durability::open(db, 10).unwrap();
        d.truncated(7);
        assert_eq!(d.durable(), 6);
        d.synced(Some(12));
        assert_eq!(d.durable(), 12);
        d.synced(None);
        assert_eq!(d.durable(), 12);
    }

    #[test]
    fn a_sync_that_started_before_a_truncation_claims_nothing() {
        let (_d, db) = db();
        let d = Durability::open(db, 10).unwrap();
        d.marks.send_modify(|m| m.written = 12); // written unsynced; the kick is not sent, so no thread races
        let started = d.sync_started();
        d.truncated(8);
        d.marks.send_modify(|m| m.written = 15); // written again after the truncation, unsynced
        d.sync_finished(started);
        assert_eq!(
            d.durable(),
            7,
            "a stale sync must not cover the rewritten entries"
        );
        // A sync that starts after the truncation covers them.
        let started = d.sync_started();
        d.sync_finished(started);
        assert_eq!(d.durable(), 15);
    }

    /// Waiters and publishers hammer the marks at once. Before the marks lived in the watch,
    /// a waiter's predicate (under the watch's read lock) and a publish (under the marks lock)
    /// could take the two locks in opposite orders and hang both for good; a standalone copy
    /// of that pattern hung within a second. The workload runs on its own threads so a hang
    /// fails the test instead of stalling it.
    #[test]
    fn waiters_and_publishers_never_deadlock() {
        let (_d, db) = db();
        let d = Durability::open(db, 0).unwrap();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let publisher = {
            let (d, stop) = (d.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    d.synced(None);
                }
            })
        };
        let (done_tx, done) = mpsc::channel();
        let workload = d.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(4)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let mut tasks = Vec::new();
                for t in 0..4u64 {
                    let d = workload.clone();
                    tasks.push(tokio::spawn(async move {
                        for i in 0..5000u64 {
                            let index = i * 4 + t + 1;
                            d.wrote_unsynced(index);
                            d.wait(index).await;
                        }
                    }));
                }
                for t in tasks {
                    t.await.unwrap();
                }
            });
            let _ = done_tx.send(());
        });
        let finished = done.recv_timeout(Duration::from_secs(60));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(finished.is_ok(), "waiters hung: a lock-order deadlock");
        publisher.join().unwrap();
    }
}
