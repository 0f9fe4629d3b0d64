//! The rejected-row ledger (issue 17): every row a routine load task filtered, kept on the BE
//! that ran the task, with its job, transaction label, Kafka partition, offset and timestamp,
//! StarRocks's reason text and the row's raw bytes; bounded per job by a byte and an age budget;
//! read by the FE as `information_schema.routine_load_rejected_rows` (`ListRejectedRows`).
//!
//! ## Exactly once
//! A row belongs in the ledger only if its transaction committed (a retried or aborted task's
//! rows must neither show nor be counted twice). So a task *stages* its rows before it reports
//! (one fsynced write, under its txn id), and they become *committed* once the FE says the txn
//! is COMMITTED/VISIBLE, or are dropped when it says ABORTED/UNKNOWN. A resolver thread asks the
//! FE (`GetTxnState`, the call a restarted BE uses for its staged tablet rows) about every
//! staged txn, every second while some are pending and again after a restart, so a BE killed
//! between staging and resolution loses nothing and shows nothing twice.
//! Entries are keyed by their coordinates (job, partition, offset, row position, ordinal), not
//! by txn: a retried task that rejects the same row rewrites the same key, and a row already
//! committed is never overwritten (rejecting it again after an offset reset keeps one entry).
//!
//! ## Layout (own RocksDB under `<storage_root_path>/rejected_ledger`; ids u64 big-endian)
//! | key | value |
//! |-----|-------|
//! | `0x01 tail` | entry (format byte 1: state, txn, times, job name, label, reason, raw) |
//! | `0x02 txn tail` | (empty) entry staged by `txn` |
//! | `0x03 txn` | staged txn: FE address and job id (whom the resolver asks) |
//! | `0x04 job recorded_ms tail` | committed entry size (u64): age order for the budget |
//!
//! `tail` = `job partition offset row_start ordinal` (signed values with the sign bit flipped),
//! so one job's entries list in partition and offset order.

use crate::config::BeConfig;
use crate::error::BeError;
use crate::load::error_rows::{ErrorRows, RejectedRow};
use crate::storage::rocks::{RocksEngine, WriteBatch};
use starload_proto::be::RejectedRow as RejectedRowProto;
use starload_proto::fe::frontend_service_client::FrontendServiceClient;
use starload_proto::fe::{GetTxnStateRequest, TxnState as FeTxnState};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

const ENTRY: u8 = 0x01;
const STAGED: u8 = 0x02;
const TXN: u8 = 0x03;
const AGE: u8 = 0x04;
const TAIL: usize = 28;
const FORMAT: u8 = 1;
const STATE_STAGED: u8 = 0;
const STATE_COMMITTED: u8 = 1;

/// The ledger's budgets (BE config `rejected_ledger_max_bytes_per_job`,
/// `rejected_ledger_max_age_second`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Bytes of committed entries kept per job (0 = the ledger is off).
    pub max_bytes_per_job: u64,
    /// Entries older than this are dropped.
    pub max_age: Duration,
}

/// Who staged a txn: the job and the FE to ask about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedBy {
    pub job_id: i64,
    pub job_name: String,
    pub txn_id: i64,
    pub label: String,
    pub fe_host: String,
    pub fe_rpc_port: u32,
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    state: u8,
    txn_id: i64,
    recorded_ms: i64,
    timestamp_ms: i64,
    job_name: String,
    label: String,
    reason: String,
    raw: Vec<u8>,
}

fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BeError> {
        if self.0.len() < n {
            return Err(BeError::Other("corrupt rejected-ledger value".into()));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, BeError> {
        Ok(self.take(1)?[0])
    }
    fn i64(&mut self) -> Result<i64, BeError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(i64::from_le_bytes(b))
    }
    fn u32(&mut self) -> Result<u32, BeError> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }
    fn bytes(&mut self) -> Result<&'a [u8], BeError> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn string(&mut self) -> Result<String, BeError> {
        Ok(String::from_utf8_lossy(self.bytes()?).into_owned())
    }
}

impl Entry {
    fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(64 + self.raw.len() + self.reason.len());
        v.push(FORMAT);
        v.push(self.state);
        v.extend_from_slice(&self.txn_id.to_le_bytes());
        v.extend_from_slice(&self.recorded_ms.to_le_bytes());
        v.extend_from_slice(&self.timestamp_ms.to_le_bytes());
        put_str(&mut v, self.job_name.as_bytes());
        put_str(&mut v, self.label.as_bytes());
        put_str(&mut v, self.reason.as_bytes());
        put_str(&mut v, &self.raw);
        v
    }

    fn decode(b: &[u8]) -> Result<Self, BeError> {
        let mut r = Reader(b);
        if r.u8()? != FORMAT {
            return Err(BeError::Other("unknown rejected-ledger format".into()));
        }
        Ok(Self {
            state: r.u8()?,
            txn_id: r.i64()?,
            recorded_ms: r.i64()?,
            timestamp_ms: r.i64()?,
            job_name: r.string()?,
            label: r.string()?,
            reason: r.string()?,
            raw: r.bytes()?.to_vec(),
        })
    }
}

/// `job partition offset row_start ordinal`.
fn tail(job_id: i64, row: &RejectedRow) -> [u8; TAIL] {
    let mut k = [0u8; TAIL];
    k[0..8].copy_from_slice(&(job_id as u64).to_be_bytes());
    k[8..12].copy_from_slice(&((row.partition as u32) ^ 0x8000_0000).to_be_bytes());
    k[12..20].copy_from_slice(&((row.offset as u64) ^ (1 << 63)).to_be_bytes());
    k[20..24].copy_from_slice(&row.row_start.to_be_bytes());
    k[24..28].copy_from_slice(&row.row_ordinal.to_be_bytes());
    k
}

/// (job, partition, offset, row_start, ordinal) of a tail.
fn parse_tail(t: &[u8]) -> Option<(i64, i32, i64, u32, u32)> {
    if t.len() != TAIL {
        return None;
    }
    let u64_at = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&t[i..i + 8]);
        u64::from_be_bytes(b)
    };
    let u32_at = |i: usize| {
        let mut b = [0u8; 4];
        b.copy_from_slice(&t[i..i + 4]);
        u32::from_be_bytes(b)
    };
    Some((
        u64_at(0) as i64,
        (u32_at(8) ^ 0x8000_0000) as i32,
        (u64_at(12) ^ (1 << 63)) as i64,
        u32_at(20),
        u32_at(24),
    ))
}

fn key(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut k = vec![prefix];
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The ledger of one BE.
pub struct RejectedLedger {
    db: RocksEngine,
    budget: Budget,
    cluster_token: String,
    /// Committed bytes per job (loaded from the age index on first use).
    usage: Mutex<HashMap<i64, u64>>,
    /// Serializes stage / resolve / evict (each is one read-modify-write batch).
    write: Mutex<()>,
}

static LEDGERS: OnceLock<Mutex<HashMap<PathBuf, Arc<RejectedLedger>>>> = OnceLock::new();

impl RejectedLedger {
    /// The ledger under `dir` (opened once per process and directory; the first open starts
    /// its resolver thread).
    pub fn shared(dir: &Path, budget: Budget, cluster_token: &str) -> Result<Arc<Self>, BeError> {
        let map = LEDGERS.get_or_init(|| Mutex::new(HashMap::new()));
        let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(l) = map.get(dir) {
            return Ok(l.clone());
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| BeError::Other(format!("create {}: {e}", dir.display())))?;
        let l = Arc::new(Self {
            db: RocksEngine::open(dir)?,
            budget,
            cluster_token: cluster_token.to_string(),
            usage: Mutex::new(HashMap::new()),
            write: Mutex::new(()),
        });
        map.insert(dir.to_path_buf(), l.clone());
        let weak = Arc::downgrade(&l);
        let _ = std::thread::Builder::new()
            .name("rejected-ledger".into())
            .spawn(move || resolver_loop(weak));
        Ok(l)
    }

    /// Stages a task's rejected rows under its txn (one fsynced write). Rows already committed
    /// under the same coordinates are left as they are.
    pub fn stage(&self, by: &StagedBy, rows: &[RejectedRow]) -> Result<(), BeError> {
        if rows.is_empty() {
            return Ok(());
        }
        let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let txn = by.txn_id.to_be_bytes();
        let mut batch = WriteBatch::new();
        let now = now_ms();
        for row in rows {
            let t = tail(by.job_id, row);
            let k = key(ENTRY, &[&t]);
            if let Some(old) = self.db.get(&k)? {
                if Entry::decode(&old).is_ok_and(|e| e.state == STATE_COMMITTED) {
                    continue;
                }
            }
            let e = Entry {
                state: STATE_STAGED,
                txn_id: by.txn_id,
                recorded_ms: now,
                timestamp_ms: row.timestamp_ms,
                job_name: by.job_name.clone(),
                label: by.label.clone(),
                reason: row.reason.clone(),
                raw: row.raw.clone(),
            };
            batch.put(&k, &e.encode());
            batch.put(&key(STAGED, &[&txn, &t]), &[]);
        }
        let mut v = Vec::new();
        put_str(&mut v, by.fe_host.as_bytes());
        v.extend_from_slice(&by.fe_rpc_port.to_le_bytes());
        v.extend_from_slice(&by.job_id.to_le_bytes());
        batch.put(&key(TXN, &[&txn]), &v);
        self.db.write(batch, true)
    }

    /// Staged txns and the FE to ask about each: txn -> (host, port).
    pub fn staged_txns(&self) -> Result<BTreeMap<i64, (String, u32)>, BeError> {
        let mut out = BTreeMap::new();
        let mut it = self.db.range(&[TXN], &[TXN + 1]);
        while it.valid() {
            let k = it.key();
            if k.len() == 9 {
                let mut b = [0u8; 8];
                b.copy_from_slice(&k[1..9]);
                let mut r = Reader(it.value());
                let host = r.string()?;
                let port = r.u32()?;
                out.insert(i64::from_be_bytes(b), (host, port));
            }
            it.next();
        }
        it.status()?;
        Ok(out)
    }

    /// Settles a staged txn: its rows become committed, or are dropped. Idempotent.
    pub fn resolve(&self, txn_id: i64, committed: bool) -> Result<(), BeError> {
        let w = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let txn = txn_id.to_be_bytes();
        let lo = key(STAGED, &[&txn]);
        let hi = key(STAGED, &[&(txn_id + 1).to_be_bytes()]);
        let mut batch = WriteBatch::new();
        let mut added: HashMap<i64, u64> = HashMap::new();
        let mut it = self.db.range(&lo, &hi);
        while it.valid() {
            let t = &it.key()[9..];
            let ek = key(ENTRY, &[t]);
            if let Some(v) = self.db.get(&ek)? {
                let mut e = Entry::decode(&v)?;
                // A later attempt of the same rows owns the entry now: leave it to its txn.
                if e.txn_id == txn_id && e.state == STATE_STAGED {
                    if committed {
                        e.state = STATE_COMMITTED;
                        let enc = e.encode();
                        let size = (enc.len() + ek.len()) as u64;
                        batch.put(&ek, &enc);
                        batch.put(
                            &key(AGE, &[&t[0..8], &e.recorded_ms.to_be_bytes(), t]),
                            &size.to_le_bytes(),
                        );
                        if let Some((job, ..)) = parse_tail(t) {
                            *added.entry(job).or_default() += size;
                        }
                    } else {
                        batch.delete(&ek);
                    }
                }
            }
            batch.delete(it.key());
            it.next();
        }
        it.status()?;
        drop(it);
        batch.delete(&key(TXN, &[&txn]));
        self.db.write(batch, true)?;
        // `evict` takes the write lock itself (std's Mutex is not reentrant: holding it here
        // deadlocked the first over-budget commit).
        drop(w);
        for (job, bytes) in added {
            let used = self.add_usage(job, bytes)?;
            if used > self.budget.max_bytes_per_job {
                self.evict(job, None)?;
            }
        }
        Ok(())
    }

    fn add_usage(&self, job: i64, bytes: u64) -> Result<u64, BeError> {
        let mut u = self.usage.lock().unwrap_or_else(|p| p.into_inner());
        if let std::collections::hash_map::Entry::Vacant(slot) = u.entry(job) {
            // First use since the process started: count what the age index holds (it
            // already includes `bytes`).
            let mut total = 0u64;
            let j = job.to_be_bytes();
            let mut it = self
                .db
                .range(&key(AGE, &[&j]), &key(AGE, &[&(job + 1).to_be_bytes()]));
            while it.valid() {
                let mut b = [0u8; 8];
                if it.value().len() == 8 {
                    b.copy_from_slice(it.value());
                }
                total += u64::from_le_bytes(b);
                it.next();
            }
            it.status()?;
            slot.insert(total);
            return Ok(total);
        }
        let e = u.entry(job).or_default();
        *e += bytes;
        Ok(*e)
    }

    /// Drops a job's oldest committed entries until it is within its byte budget and, when
    /// `older_than_ms` is given, every entry recorded before that moment.
    fn evict(&self, job: i64, older_than_ms: Option<i64>) -> Result<(), BeError> {
        let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let mut used = {
            let u = self.usage.lock().unwrap_or_else(|p| p.into_inner());
            u.get(&job).copied().unwrap_or(0)
        };
        let j = job.to_be_bytes();
        let mut batch = WriteBatch::new();
        let mut it = self
            .db
            .range(&key(AGE, &[&j]), &key(AGE, &[&(job + 1).to_be_bytes()]));
        while it.valid() {
            let k = it.key();
            let mut ts = [0u8; 8];
            ts.copy_from_slice(&k[9..17]);
            let recorded = i64::from_be_bytes(ts);
            let too_old = older_than_ms.is_some_and(|c| recorded < c);
            if used <= self.budget.max_bytes_per_job && !too_old {
                break;
            }
            let mut b = [0u8; 8];
            if it.value().len() == 8 {
                b.copy_from_slice(it.value());
            }
            used = used.saturating_sub(u64::from_le_bytes(b));
            batch.delete(&key(ENTRY, &[&k[17..]]));
            batch.delete(k);
            it.next();
        }
        it.status()?;
        drop(it);
        if !batch.is_empty() {
            self.db.write(batch, false)?;
        }
        self.usage
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(job, used);
        Ok(())
    }

    /// Drops every job's entries older than the age budget.
    pub fn evict_aged(&self) -> Result<(), BeError> {
        let cutoff = now_ms() - self.budget.max_age.as_millis() as i64;
        let mut jobs = Vec::new();
        let mut it = self.db.range(&[AGE], &[AGE + 1]);
        while it.valid() {
            let k = it.key();
            let mut j = [0u8; 8];
            j.copy_from_slice(&k[1..9]);
            let job = i64::from_be_bytes(j);
            let mut ts = [0u8; 8];
            ts.copy_from_slice(&k[9..17]);
            if i64::from_be_bytes(ts) < cutoff && jobs.last() != Some(&job) {
                jobs.push(job);
            }
            it.next();
        }
        it.status()?;
        drop(it);
        for job in jobs {
            self.add_usage(job, 0)?;
            self.evict(job, Some(cutoff))?;
        }
        Ok(())
    }

    /// Committed entries of `job_ids` (all jobs when empty), in job, partition, offset order;
    /// at most `limit` (0 = all).
    pub fn list(&self, job_ids: &[i64], limit: usize) -> Result<Vec<RejectedRowProto>, BeError> {
        let mut ranges: Vec<(Vec<u8>, Vec<u8>)> = if job_ids.is_empty() {
            vec![(vec![ENTRY], vec![ENTRY + 1])]
        } else {
            job_ids
                .iter()
                .map(|j| {
                    (
                        key(ENTRY, &[&j.to_be_bytes()]),
                        key(ENTRY, &[&(j + 1).to_be_bytes()]),
                    )
                })
                .collect()
        };
        ranges.sort();
        ranges.dedup();
        let mut out = Vec::new();
        for (lo, hi) in ranges {
            let mut it = self.db.range(&lo, &hi);
            while it.valid() {
                if limit > 0 && out.len() >= limit {
                    return Ok(out);
                }
                let e = Entry::decode(it.value())?;
                if e.state == STATE_COMMITTED {
                    if let Some((job_id, partition, offset, row_start, row_ordinal)) =
                        parse_tail(&it.key()[1..])
                    {
                        out.push(RejectedRowProto {
                            job_id,
                            job_name: e.job_name,
                            txn_id: e.txn_id,
                            label: e.label,
                            partition,
                            offset,
                            timestamp_ms: e.timestamp_ms,
                            reason: e.reason,
                            raw: e.raw,
                            recorded_ms: e.recorded_ms,
                            row_start,
                            row_ordinal,
                        });
                    }
                }
                it.next();
            }
            it.status()?;
        }
        Ok(out)
    }

    /// Asks the FE about every staged txn once and settles those it knows the fate of.
    /// Returns how many stay staged.
    pub fn resolve_with_fe(&self, rt: &tokio::runtime::Runtime) -> Result<usize, BeError> {
        let staged = self.staged_txns()?;
        let mut by_fe: BTreeMap<(String, u32), Vec<i64>> = BTreeMap::new();
        for (txn, fe) in staged {
            by_fe.entry(fe).or_default().push(txn);
        }
        let mut left = 0;
        for ((host, port), txns) in by_fe {
            let req = GetTxnStateRequest {
                cluster_token: self.cluster_token.clone(),
                txn_ids: txns.clone(),
                backend_id: 0,
            };
            let call = async move {
                let mut c = FrontendServiceClient::connect(format!("http://{host}:{port}"))
                    .await
                    .map_err(|e| e.to_string())?;
                c.get_txn_state(req)
                    .await
                    .map(|r| r.into_inner())
                    .map_err(|e| e.message().to_string())
            };
            let resp = match rt
                .block_on(async { tokio::time::timeout(Duration::from_secs(10), call).await })
            {
                Ok(Ok(r)) if r.status.as_ref().is_none_or(|s| s.is_ok()) => r,
                _ => {
                    left += txns.len();
                    continue;
                }
            };
            for e in resp.txns {
                match FeTxnState::try_from(e.state).unwrap_or(FeTxnState::Unknown) {
                    FeTxnState::Committed | FeTxnState::Visible => self.resolve(e.txn_id, true)?,
                    FeTxnState::Aborted | FeTxnState::Unknown => self.resolve(e.txn_id, false)?,
                    _ => left += 1,
                }
            }
        }
        Ok(left)
    }
}

/// Settles staged txns (every second while some are pending) and applies the age budget
/// (every minute), for as long as the ledger lives.
fn resolver_loop(ledger: std::sync::Weak<RejectedLedger>) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        tracing::warn!("Rejected-row ledger: no runtime for the resolver.");
        return;
    };
    let mut since_age = Duration::ZERO;
    loop {
        let Some(l) = ledger.upgrade() else {
            return;
        };
        if let Err(e) = l.resolve_with_fe(&rt) {
            tracing::warn!(error = %e, "Rejected-row ledger: resolving staged txns failed.");
        }
        if since_age >= Duration::from_secs(60) {
            since_age = Duration::ZERO;
            if let Err(e) = l.evict_aged() {
                tracing::warn!(error = %e, "Rejected-row ledger: age eviction failed.");
            }
        }
        drop(l);
        std::thread::sleep(Duration::from_millis(500));
        since_age += Duration::from_millis(500);
    }
}

/// The ledger directory of a BE: `<storage dir>/rejected_ledger`.
pub fn ledger_dir(storage_dir: &Path) -> PathBuf {
    storage_dir.join("rejected_ledger")
}

/// The budget a BE config sets.
pub fn budget_of(config: &BeConfig) -> Budget {
    Budget {
        max_bytes_per_job: config.rejected_ledger_max_bytes_per_job,
        max_age: Duration::from_secs(config.rejected_ledger_max_age_second),
    }
}

/// This BE's ledger, or None when the config turns it off.
pub fn of_config(config: &BeConfig) -> Result<Option<Arc<RejectedLedger>>, BeError> {
    let budget = budget_of(config);
    if budget.max_bytes_per_job == 0 {
        return Ok(None);
    }
    RejectedLedger::shared(
        &ledger_dir(&config.storage_dir()),
        budget,
        &config.cluster_token,
    )
    .map(Some)
}

/// Stages the rejected rows a successful task kept ([`ErrorRows::take_ledger_rows`]) before it
/// reports; a failure is logged (the load itself is not failed for its ledger).
pub fn stage_task(
    config: &BeConfig,
    req: &starload_proto::be::SubmitRoutineLoadTaskRequest,
    errors: &mut ErrorRows,
) {
    let (rows, dropped) = errors.take_ledger_rows();
    if dropped > 0 {
        tracing::info!(
            dropped,
            "Rejected rows over the ledger's budget (or without coordinates) not kept."
        );
    }
    if rows.is_empty() {
        return;
    }
    let by = StagedBy {
        job_id: req.job_id,
        job_name: req.job_name.clone(),
        txn_id: req.txn_id,
        label: req.label.clone(),
        fe_host: req.fe_host.clone(),
        fe_rpc_port: req.fe_rpc_port,
    };
    let res = of_config(config).and_then(|l| match l {
        Some(l) => l.stage(&by, &rows),
        None => Ok(()),
    });
    if let Err(e) = res {
        tracing::warn!(error = %e, "Failed to stage rejected rows in the ledger.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(partition: i32, offset: i64, reason: &str) -> RejectedRow {
        RejectedRow {
            partition,
            offset,
            timestamp_ms: 1000 + offset,
            row_start: 0,
            row_ordinal: 0,
            reason: reason.into(),
            raw: format!("raw{offset}").into_bytes(),
        }
    }

    fn by(txn: i64) -> StagedBy {
        StagedBy {
            job_id: 7,
            job_name: "j".into(),
            txn_id: txn,
            label: format!("j-7-{txn}"),
            fe_host: "127.0.0.1".into(),
            fe_rpc_port: 1,
        }
    }

    fn open(dir: &Path, max_bytes: u64) -> Arc<RejectedLedger> {
        RejectedLedger::shared(
            dir,
            Budget {
                max_bytes_per_job: max_bytes,
                max_age: Duration::from_secs(3600),
            },
            "",
        )
        .unwrap()
    }

    #[test]
    fn staged_rows_show_only_once_committed_and_retries_do_not_duplicate() {
        let dir = tempfile::tempdir().unwrap();
        let l = open(dir.path(), 1 << 20);
        l.stage(&by(100), &[row(0, 1, "bad"), row(0, 3, "bad")])
            .unwrap();
        assert!(l.list(&[], 0).unwrap().is_empty());
        // The task is retried as txn 101 (same rows, same keys) before 100 is settled.
        l.stage(&by(101), &[row(0, 1, "bad"), row(0, 3, "bad")])
            .unwrap();
        assert_eq!(l.staged_txns().unwrap().len(), 2);
        l.resolve(101, true).unwrap();
        l.resolve(100, false).unwrap();
        let rows = l.list(&[7], 0).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].offset, 1);
        assert_eq!(rows[0].txn_id, 101);
        assert_eq!(rows[0].label, "j-7-101");
        assert_eq!(rows[1].raw, b"raw3");
        assert!(l.staged_txns().unwrap().is_empty());
        // Rejected again later (offset reset): the committed entry stays as it was.
        l.stage(&by(102), &[row(0, 1, "bad")]).unwrap();
        l.resolve(102, true).unwrap();
        let rows = l.list(&[7], 0).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].txn_id, 101);
        assert!(l.list(&[8], 0).unwrap().is_empty());
    }

    #[test]
    fn budget_drops_the_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let l = open(dir.path(), 400);
        for i in 0..10 {
            l.stage(&by(200 + i), &[row(0, i, "r")]).unwrap();
            l.resolve(200 + i, true).unwrap();
        }
        let rows = l.list(&[], 0).unwrap();
        assert!(rows.len() < 10 && !rows.is_empty(), "{}", rows.len());
        // The newest survive.
        assert_eq!(rows.last().unwrap().offset, 9);
    }
}
