//! The offset ledger of a routine load job (issue 16 item 4, `SHOW ROUTINE LOAD TXN`): one
//! record per transaction that moved the job's progress, with the Kafka offsets it covered per
//! partition (`[from, to)`), its row counters, commit time and partition versions.
//!
//! A record is written in the SAME `MetaBatch` as the transaction's COMMITTED state and the
//! job's new progress (`txn_callback`), so the ledger holds a record exactly when the progress
//! moved: it can never claim a range that was not committed, nor miss one. Empty loads that
//! skip offsets (the empty-load abort rule, spec §5.4) move progress too and are recorded with
//! status ABORTED, so the ranges of one partition stay contiguous.
//!
//! Key `0x32 job_id txn_id` (both big-endian: a job's records are one prefix, in txn id order).
//! Records older than `routine_load_txn_ledger_keep_second` are pruned by the scheduler's full
//! round. StarRocks has no such record (its txn history keeps neither offsets nor ranges).

use super::job::RoutineLoadJob;
use crate::meta::{MetaBatch, MetaError, MetaStore};
use serde::{Deserialize, Serialize};
use starload_proto::fe::ReportTaskRequest;
use std::collections::BTreeMap;

use crate::meta::keys::ROUTINE_LOAD_TXN;

/// `32 job_id txn_id`.
pub fn key(job_id: i64, txn_id: i64) -> Vec<u8> {
    let mut k = Vec::with_capacity(17);
    k.push(ROUTINE_LOAD_TXN);
    k.extend_from_slice(&(job_id as u64).to_be_bytes());
    k.extend_from_slice(&(txn_id as u64).to_be_bytes());
    k
}

fn job_prefix(job_id: i64) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(ROUTINE_LOAD_TXN);
    k.extend_from_slice(&(job_id as u64).to_be_bytes());
    k
}

/// Offsets `[from, to)` of one Kafka partition covered by one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetRange {
    pub partition: i32,
    pub from: i64,
    pub to: i64,
}

/// What moved the progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(non_camel_case_types)]
pub enum LedgerStatus {
    /// The rows were committed (and become visible).
    COMMITTED,
    /// Nothing was loaded; the consumed offsets were skipped (empty-load rule).
    ABORTED,
}

/// One ledger record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub job_id: i64,
    pub txn_id: i64,
    pub label: String,
    pub status: LedgerStatus,
    pub ranges: Vec<OffsetRange>,
    pub loaded_rows: i64,
    pub filtered_rows: i64,
    pub unselected_rows: i64,
    pub received_bytes: i64,
    pub commit_time_ms: i64,
    /// `(partition id, version)` of the table partitions the commit versioned.
    pub versions: Vec<(i64, i64)>,
}

/// The ranges a report consumed (partitions that consumed nothing are left out).
pub fn ranges_of(req: &ReportTaskRequest) -> Vec<OffsetRange> {
    let mut v: Vec<OffsetRange> = req
        .progress
        .iter()
        .filter(|p| p.last_offset >= 0 && p.last_offset >= p.begin_offset)
        .map(|p| OffsetRange {
            partition: p.partition,
            from: p.begin_offset,
            to: p.last_offset + 1,
        })
        .collect();
    v.sort_by_key(|r| r.partition);
    v
}

/// The record of a report applied to `job` (`status`, commit `versions`, at `now_ms`).
pub fn entry_of(
    job: &RoutineLoadJob,
    req: &ReportTaskRequest,
    status: LedgerStatus,
    versions: &[(i64, i64)],
    now_ms: i64,
) -> LedgerEntry {
    LedgerEntry {
        job_id: job.id,
        txn_id: req.txn_id,
        label: req.label.clone(),
        status,
        ranges: ranges_of(req),
        loaded_rows: req.loaded_rows,
        filtered_rows: req.filtered_rows,
        unselected_rows: req.unselected_rows,
        received_bytes: req.received_bytes,
        commit_time_ms: now_ms,
        versions: versions.to_vec(),
    }
}

/// Adds the record of `req` to the batch that moves `job`'s progress. A report that consumed
/// nothing adds nothing.
pub fn put(
    b: &mut MetaBatch,
    job: &RoutineLoadJob,
    req: &ReportTaskRequest,
    status: LedgerStatus,
    versions: &[(i64, i64)],
    now_ms: i64,
) -> Result<(), MetaError> {
    let e = entry_of(job, req, status, versions, now_ms);
    if e.ranges.is_empty() {
        return Ok(());
    }
    b.put(&key(e.job_id, e.txn_id), &e)
}

/// A job's records, oldest first.
pub fn list(meta: &MetaStore, job_id: i64) -> Result<Vec<LedgerEntry>, MetaError> {
    Ok(meta
        .scan_prefix::<LedgerEntry>(&job_prefix(job_id))?
        .into_iter()
        .map(|(_, e)| e)
        .collect())
}

/// The scheduler's full round runs every few seconds; a scan of every record is done at most
/// this often.
const PRUNE_EVERY_MS: i64 = 60_000;

/// [`remove_expired`] at most once per [`PRUNE_EVERY_MS`].
pub fn prune(
    meta: &MetaStore,
    live_jobs: &[i64],
    now_ms: i64,
    keep_s: i64,
) -> Result<usize, MetaError> {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let last = LAST.load(Ordering::Relaxed);
    if now_ms - last < PRUNE_EVERY_MS
        || LAST
            .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return Ok(0);
    }
    remove_expired(meta, live_jobs, now_ms, keep_s)
}

/// Deletes records older than `keep_s` and those of jobs no longer known (`live_jobs`).
pub fn remove_expired(
    meta: &MetaStore,
    live_jobs: &[i64],
    now_ms: i64,
    keep_s: i64,
) -> Result<usize, MetaError> {
    let all = meta.scan_prefix::<LedgerEntry>(&[ROUTINE_LOAD_TXN])?;
    let mut b = MetaBatch::new();
    let mut n = 0;
    for (k, e) in all {
        let old = now_ms - e.commit_time_ms > keep_s.saturating_mul(1000);
        if old || !live_jobs.contains(&e.job_id) {
            b.delete(&k);
            n += 1;
        }
    }
    if n > 0 {
        meta.write(b)?;
    }
    Ok(n)
}

/// A break of the ledger's invariant in one partition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerViolation {
    #[error("partition {partition}: txn {txn_id} covers [{from}, {to}), which overlaps txn {prev_txn} ending at {prev_to}")]
    Overlap {
        partition: i32,
        txn_id: i64,
        from: i64,
        to: i64,
        prev_txn: i64,
        prev_to: i64,
    },
    #[error("partition {partition}: offsets [{prev_to}, {from}) between txn {prev_txn} and txn {txn_id} were never loaded")]
    Gap {
        partition: i32,
        txn_id: i64,
        from: i64,
        prev_txn: i64,
        prev_to: i64,
    },
    #[error("partition {partition}: txn {txn_id} has an empty or reversed range [{from}, {to})")]
    Empty {
        partition: i32,
        txn_id: i64,
        from: i64,
        to: i64,
    },
}

/// The ledger's invariant: per partition, in txn order, every range is non-empty and starts
/// exactly where the previous one ended (no overlap: nothing loaded twice; no gap: nothing
/// skipped). Records pruned by age only shorten the front, so the check holds on what is kept.
pub fn check_contiguous(entries: &[LedgerEntry]) -> Result<(), LedgerViolation> {
    let mut sorted: Vec<&LedgerEntry> = entries.iter().collect();
    sorted.sort_by_key(|e| e.txn_id);
    let mut last: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    for e in sorted {
        for r in &e.ranges {
            if r.to <= r.from {
                return Err(LedgerViolation::Empty {
                    partition: r.partition,
                    txn_id: e.txn_id,
                    from: r.from,
                    to: r.to,
                });
            }
            if let Some(&(prev_txn, prev_to)) = last.get(&r.partition) {
                if r.from < prev_to {
                    return Err(LedgerViolation::Overlap {
                        partition: r.partition,
                        txn_id: e.txn_id,
                        from: r.from,
                        to: r.to,
                        prev_txn,
                        prev_to,
                    });
                }
                if r.from > prev_to {
                    return Err(LedgerViolation::Gap {
                        partition: r.partition,
                        txn_id: e.txn_id,
                        from: r.from,
                        prev_txn,
                        prev_to,
                    });
                }
            }
            last.insert(r.partition, (e.txn_id, r.to));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use starload_proto::fe::PartitionProgress;

    fn rec(txn: i64, ranges: &[(i32, i64, i64)]) -> LedgerEntry {
        LedgerEntry {
            job_id: 1,
            txn_id: txn,
            label: format!("j-1-{txn}"),
            status: LedgerStatus::COMMITTED,
            ranges: ranges
                .iter()
                .map(|&(partition, from, to)| OffsetRange {
                    partition,
                    from,
                    to,
                })
                .collect(),
            loaded_rows: 1,
            filtered_rows: 0,
            unselected_rows: 0,
            received_bytes: 1,
            commit_time_ms: 1000,
            versions: vec![],
        }
    }

    #[test]
    fn keys_sort_by_job_then_txn() {
        assert!(key(1, 300) < key(2, 5));
        assert!(key(1, 5) < key(1, 300));
        assert!(key(1, 5).starts_with(&job_prefix(1)));
        assert!(!key(10, 5).starts_with(&job_prefix(1)));
    }

    #[test]
    fn invariant_accepts_contiguous_ranges_and_names_breaks() {
        let ok = [rec(10, &[(0, 0, 5), (1, 0, 2)]), rec(12, &[(0, 5, 9)])];
        assert_eq!(check_contiguous(&ok), Ok(()));
        // Out of order in the slice: checked in txn order.
        let rev = [ok[1].clone(), ok[0].clone()];
        assert_eq!(check_contiguous(&rev), Ok(()));
        let overlap = [rec(10, &[(0, 0, 5)]), rec(12, &[(0, 4, 9)])];
        assert_eq!(
            check_contiguous(&overlap).unwrap_err().to_string(),
            "partition 0: txn 12 covers [4, 9), which overlaps txn 10 ending at 5"
        );
        let gap = [rec(10, &[(0, 0, 5)]), rec(12, &[(0, 6, 9)])];
        assert_eq!(
            check_contiguous(&gap).unwrap_err().to_string(),
            "partition 0: offsets [5, 6) between txn 10 and txn 12 were never loaded"
        );
        assert!(matches!(
            check_contiguous(&[rec(3, &[(2, 4, 4)])]),
            Err(LedgerViolation::Empty { .. })
        ));
    }

    #[test]
    fn records_persist_list_and_expire() {
        let dir = tempfile::tempdir().unwrap();
        let meta = MetaStore::open(dir.path()).unwrap();
        let job = crate::routine_load::job::tests::sample_job();
        let req = ReportTaskRequest {
            txn_id: 20001,
            label: "j1-10001-u".into(),
            loaded_rows: 4,
            filtered_rows: 1,
            progress: vec![
                PartitionProgress {
                    partition: 1,
                    begin_offset: 3,
                    last_offset: 7,
                    last_timestamp_ms: -1,
                    high_watermark: 8,
                },
                // Consumed nothing: not a range.
                PartitionProgress {
                    partition: 0,
                    begin_offset: 0,
                    last_offset: -1,
                    last_timestamp_ms: -1,
                    high_watermark: 0,
                },
            ],
            ..Default::default()
        };
        let mut b = MetaBatch::new();
        put(&mut b, &job, &req, LedgerStatus::COMMITTED, &[(7, 3)], 5000).unwrap();
        meta.write(b).unwrap();
        let got = list(&meta, job.id).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].ranges,
            vec![OffsetRange {
                partition: 1,
                from: 3,
                to: 8
            }]
        );
        assert_eq!(got[0].versions, vec![(7, 3)]);
        assert!(list(&meta, job.id + 1).unwrap().is_empty());
        assert_eq!(remove_expired(&meta, &[job.id], 6000, 1).unwrap(), 0);
        assert_eq!(remove_expired(&meta, &[job.id], 6001, 1).unwrap(), 1);
        assert!(list(&meta, job.id).unwrap().is_empty());
    }
}
