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
//! | `0x05 txn tail` | (empty) committed entry marked as being replayed by `txn` |
//! | `0x06 tail` | txn (i64 BE) replaying the entry (hidden from listings meanwhile) |
//! | `0x07 job seq` | dead-letter outbox record ([`DeadLetter`]), seq u64 per job |
//! | `0x08 job` | next outbox seq of the job (u64 LE) |
//! | `0x09` | this ledger's id (random, hex): names its dead-letter producers |
//! | `0x0A job` | dead-letter batch being produced ([`Inflight`]) |
//!
//! `tail` = `job partition offset row_start ordinal` (signed values with the sign bit flipped),
//! so one job's entries list in partition and offset order.
//!
//! ## REPLAY
//! `REPLAY ROUTINE LOAD REJECTED` marks the entries it loaded under its own txn
//! ([`RejectedLedger::mark_replayed`], fsynced, refused for an entry another txn marks); the
//! resolver settles that txn like a task's: committed -> the entries leave the ledger,
//! aborted -> the marks go. A second REPLAY never sees an entry a committed one loaded.
//!
//! ## Dead-letter outbox
//! A txn staged with a dead-letter target (the job's `dead_letter_topic`) puts a copy of each
//! entry it commits into the job's outbox in the same write that commits it, numbered by a
//! per-job sequence; `dead_letter.rs` produces the outbox to Kafka and drops what the broker
//! committed. A task retried or settled twice commits its entries once, so each rejected row
//! of a committed txn enters the outbox once.

use crate::config::BeConfig;
use crate::error::BeError;
use crate::load::error_rows::{ErrorRows, RejectedRow};
use crate::storage::rocks::{RocksEngine, Workload, WriteBatch};
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
const REPLAY: u8 = 0x05;
const REPLAYING: u8 = 0x06;
const OUTBOX: u8 = 0x07;
const OUTBOX_SEQ: u8 = 0x08;
const LEDGER_ID: u8 = 0x09;
const INFLIGHT: u8 = 0x0A;
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
    /// The job's topic (dead-letter headers).
    pub source_topic: String,
    /// Where committed rows are produced (None = no dead-letter topic).
    pub dead_letter: Option<DeadLetterTarget>,
}

/// A job's dead-letter topic and the brokers to produce it to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetterTarget {
    pub topic: String,
    pub brokers: String,
}

/// One outbox record: a committed rejected row to produce to its job's dead-letter topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub seq: u64,
    pub job_id: i64,
    pub target: DeadLetterTarget,
    pub job_name: String,
    pub source_topic: String,
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: i64,
    pub reason: String,
    pub label: String,
    pub txn_id: i64,
    pub raw: Vec<u8>,
}

impl DeadLetter {
    fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(96 + self.raw.len() + self.reason.len());
        v.push(FORMAT);
        put_str(&mut v, self.target.topic.as_bytes());
        put_str(&mut v, self.target.brokers.as_bytes());
        put_str(&mut v, self.job_name.as_bytes());
        put_str(&mut v, self.source_topic.as_bytes());
        v.extend_from_slice(&self.partition.to_le_bytes());
        v.extend_from_slice(&self.offset.to_le_bytes());
        v.extend_from_slice(&self.timestamp_ms.to_le_bytes());
        put_str(&mut v, self.reason.as_bytes());
        put_str(&mut v, self.label.as_bytes());
        v.extend_from_slice(&self.txn_id.to_le_bytes());
        put_str(&mut v, &self.raw);
        v
    }

    fn decode(job_id: i64, seq: u64, b: &[u8]) -> Result<Self, BeError> {
        let mut r = Reader(b);
        if r.u8()? != FORMAT {
            return Err(BeError::Other("unknown dead-letter outbox format".into()));
        }
        Ok(Self {
            seq,
            job_id,
            target: DeadLetterTarget {
                topic: r.string()?,
                brokers: r.string()?,
            },
            job_name: r.string()?,
            source_topic: r.string()?,
            partition: r.u32()? as i32,
            offset: r.i64()?,
            timestamp_ms: r.i64()?,
            reason: r.string()?,
            label: r.string()?,
            txn_id: r.i64()?,
            raw: r.bytes()?.to_vec(),
        })
    }
}

/// A dead-letter batch sent (or about to be) but not yet known to be acknowledged: where it
/// went and the partition's end offset before it, so a restarted producer can read what of it
/// reached the topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inflight {
    pub topic: String,
    pub partition: i32,
    /// The partition's high watermark before the batch was sent.
    pub from_offset: i64,
    pub seqs: Vec<u64>,
}

impl Inflight {
    fn encode(&self) -> Vec<u8> {
        let mut v = vec![FORMAT];
        put_str(&mut v, self.topic.as_bytes());
        v.extend_from_slice(&self.partition.to_le_bytes());
        v.extend_from_slice(&self.from_offset.to_le_bytes());
        v.extend_from_slice(&(self.seqs.len() as u32).to_le_bytes());
        for s in &self.seqs {
            v.extend_from_slice(&s.to_le_bytes());
        }
        v
    }

    fn decode(b: &[u8]) -> Result<Self, BeError> {
        let mut r = Reader(b);
        if r.u8()? != FORMAT {
            return Err(BeError::Other(
                "unknown dead-letter in-flight format".into(),
            ));
        }
        let topic = r.string()?;
        let partition = r.u32()? as i32;
        let from_offset = r.i64()?;
        let n = r.u32()? as usize;
        let mut seqs = Vec::with_capacity(n);
        for _ in 0..n {
            seqs.push(r.i64()? as u64);
        }
        Ok(Self {
            topic,
            partition,
            from_offset,
            seqs,
        })
    }
}

/// What a txn record says: whom to ask, and (for task txns) the dead-letter details.
struct TxnRecord {
    fe: (String, u32),
    source_topic: String,
    dead_letter: Option<DeadLetterTarget>,
}

impl TxnRecord {
    fn encode(by: &StagedBy) -> Vec<u8> {
        let mut v = Vec::new();
        put_str(&mut v, by.fe_host.as_bytes());
        v.extend_from_slice(&by.fe_rpc_port.to_le_bytes());
        v.extend_from_slice(&by.job_id.to_le_bytes());
        // Appended fields (records written before them end here).
        put_str(&mut v, by.source_topic.as_bytes());
        match &by.dead_letter {
            Some(t) => {
                v.push(1);
                put_str(&mut v, t.topic.as_bytes());
                put_str(&mut v, t.brokers.as_bytes());
            }
            None => v.push(0),
        }
        v
    }

    fn decode(b: &[u8]) -> Result<Self, BeError> {
        let mut r = Reader(b);
        let fe = (r.string()?, r.u32()?);
        let _job = r.i64()?;
        if r.0.is_empty() {
            return Ok(Self {
                fe,
                source_topic: String::new(),
                dead_letter: None,
            });
        }
        let source_topic = r.string()?;
        let dead_letter = if r.u8()? == 1 {
            Some(DeadLetterTarget {
                topic: r.string()?,
                brokers: r.string()?,
            })
        } else {
            None
        };
        Ok(Self {
            fe,
            source_topic,
            dead_letter,
        })
    }
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
        let l = Arc::new(Self {
            // Creates `dir` as well.
            db: RocksEngine::open_for(dir, Workload::SideStore)?,
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
        batch.put(&key(TXN, &[&txn]), &TxnRecord::encode(by));
        self.db.write(batch, true)
    }

    /// Marks committed entries as being replayed by `req.txn_id` (one fsynced write). Refused,
    /// with nothing marked, when an entry is gone or another txn marks it; marking again under
    /// the same txn is a no-op.
    pub fn mark_replayed(
        &self,
        req: &starload_proto::be::MarkRejectedRowsReplayedRequest,
    ) -> Result<(), BeError> {
        let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let txn = req.txn_id.to_be_bytes();
        let mut batch = WriteBatch::new();
        for k in &req.rows {
            let row = RejectedRow {
                partition: k.partition,
                offset: k.offset,
                timestamp_ms: -1,
                row_start: k.row_start,
                row_ordinal: k.row_ordinal,
                reason: String::new(),
                raw: Vec::new(),
            };
            let t = tail(req.job_id, &row);
            let committed = self
                .db
                .get(&key(ENTRY, &[&t]))?
                .is_some_and(|v| Entry::decode(&v).is_ok_and(|e| e.state == STATE_COMMITTED));
            if !committed {
                return Err(BeError::Other(format!(
                    "rejected row (partition {}, offset {}) is no longer in the ledger",
                    k.partition, k.offset
                )));
            }
            if let Some(other) = self.db.get(&key(REPLAYING, &[&t]))? {
                if other.as_slice() != txn.as_slice() {
                    return Err(BeError::Other(format!(
                        "rejected row (partition {}, offset {}) is being replayed by another transaction",
                        k.partition, k.offset
                    )));
                }
            }
            batch.put(&key(REPLAY, &[&txn, &t]), &[]);
            batch.put(&key(REPLAYING, &[&t]), &txn);
        }
        let by = StagedBy {
            job_id: req.job_id,
            job_name: String::new(),
            txn_id: req.txn_id,
            label: String::new(),
            fe_host: req.fe_host.clone(),
            fe_rpc_port: req.fe_rpc_port,
            source_topic: String::new(),
            dead_letter: None,
        };
        batch.put(&key(TXN, &[&txn]), &TxnRecord::encode(&by));
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
                out.insert(i64::from_be_bytes(b), TxnRecord::decode(it.value())?.fe);
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
        let record = match self.db.get(&key(TXN, &[&txn]))? {
            Some(v) => Some(TxnRecord::decode(&v)?),
            None => None,
        };
        let dead_letter = record
            .as_ref()
            .filter(|_| committed)
            .and_then(|r| r.dead_letter.clone().map(|t| (t, r.source_topic.clone())));
        // Next outbox seq per job, read once and written back in the same batch.
        let mut next_seq: HashMap<i64, u64> = HashMap::new();
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
                        if let Some((job, partition, offset, ..)) = parse_tail(t) {
                            *added.entry(job).or_default() += size;
                            if let Some((target, source_topic)) = &dead_letter {
                                let seq = match next_seq.get(&job) {
                                    Some(s) => *s,
                                    None => self.outbox_next_seq(job)?,
                                };
                                next_seq.insert(job, seq + 1);
                                let d = DeadLetter {
                                    seq,
                                    job_id: job,
                                    target: target.clone(),
                                    job_name: e.job_name.clone(),
                                    source_topic: source_topic.clone(),
                                    partition,
                                    offset,
                                    timestamp_ms: e.timestamp_ms,
                                    reason: e.reason.clone(),
                                    label: e.label.clone(),
                                    txn_id,
                                    raw: e.raw.clone(),
                                };
                                batch.put(
                                    &key(OUTBOX, &[&job.to_be_bytes(), &seq.to_be_bytes()]),
                                    &d.encode(),
                                );
                            }
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
        for (job, seq) in &next_seq {
            batch.put(&key(OUTBOX_SEQ, &[&job.to_be_bytes()]), &seq.to_le_bytes());
        }
        // Entries a REPLAY under this txn loaded: gone once it committed, unmarked otherwise.
        let mut removed: HashMap<i64, u64> = HashMap::new();
        let mut it = self.db.range(
            &key(REPLAY, &[&txn]),
            &key(REPLAY, &[&(txn_id + 1).to_be_bytes()]),
        );
        while it.valid() {
            let t = &it.key()[9..];
            if committed {
                let ek = key(ENTRY, &[t]);
                if let Some(v) = self.db.get(&ek)? {
                    let e = Entry::decode(&v)?;
                    let size = (v.len() + ek.len()) as u64;
                    batch.delete(&ek);
                    batch.delete(&key(AGE, &[&t[0..8], &e.recorded_ms.to_be_bytes(), t]));
                    if let Some((job, ..)) = parse_tail(t) {
                        *removed.entry(job).or_default() += size;
                    }
                }
            }
            batch.delete(&key(REPLAYING, &[t]));
            batch.delete(it.key());
            it.next();
        }
        it.status()?;
        drop(it);
        batch.delete(&key(TXN, &[&txn]));
        self.db.write(batch, true)?;
        {
            let mut u = self.usage.lock().unwrap_or_else(|p| p.into_inner());
            for (job, bytes) in removed {
                if let Some(used) = u.get_mut(&job) {
                    *used = used.saturating_sub(bytes);
                }
            }
        }
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
                // Entries a REPLAY is loading are hidden until it settled (then gone, or back).
                if e.state == STATE_COMMITTED
                    && self.db.get(&key(REPLAYING, &[&it.key()[1..]]))?.is_none()
                {
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

    fn outbox_next_seq(&self, job: i64) -> Result<u64, BeError> {
        Ok(
            match self.db.get(&key(OUTBOX_SEQ, &[&job.to_be_bytes()]))? {
                Some(v) if v.len() == 8 => {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&v);
                    u64::from_le_bytes(b)
                }
                _ => 0,
            },
        )
    }

    /// This ledger's id (created on first use): dead-letter producers of different BEs must
    /// not share a Kafka `transactional.id`, and one BE's must keep it across restarts.
    pub fn ledger_id(&self) -> Result<String, BeError> {
        let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = self.db.get(&[LEDGER_ID])? {
            return Ok(String::from_utf8_lossy(&v).into_owned());
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut batch = WriteBatch::new();
        batch.put(&[LEDGER_ID], id.as_bytes());
        self.db.write(batch, true)?;
        Ok(id)
    }

    /// Jobs with records in the dead-letter outbox.
    pub fn dead_letter_jobs(&self) -> Result<Vec<i64>, BeError> {
        let mut jobs = Vec::new();
        let mut lo = vec![OUTBOX];
        loop {
            // One lookup per job: the next range starts after the job found.
            let it = self.db.range(&lo, &[OUTBOX + 1]);
            if !it.valid() {
                it.status()?;
                return Ok(jobs);
            }
            let mut j = [0u8; 8];
            j.copy_from_slice(&it.key()[1..9]);
            let job = i64::from_be_bytes(j);
            jobs.push(job);
            lo = key(OUTBOX, &[&(job + 1).to_be_bytes()]);
        }
    }

    /// The first `max` outbox records of `job`, in sequence order.
    pub fn dead_letters(&self, job: i64, max: usize) -> Result<Vec<DeadLetter>, BeError> {
        let mut out = Vec::new();
        let mut it = self.db.range(
            &key(OUTBOX, &[&job.to_be_bytes()]),
            &key(OUTBOX, &[&(job + 1).to_be_bytes()]),
        );
        while it.valid() && out.len() < max {
            let k = it.key();
            let mut s = [0u8; 8];
            s.copy_from_slice(&k[9..17]);
            out.push(DeadLetter::decode(job, u64::from_be_bytes(s), it.value())?);
            it.next();
        }
        it.status()?;
        Ok(out)
    }

    /// Drops outbox records of `job` (the broker acknowledged them) and its in-flight
    /// record, in one fsynced write.
    pub fn remove_dead_letters(&self, job: i64, seqs: &[u64]) -> Result<(), BeError> {
        let mut batch = WriteBatch::new();
        for s in seqs {
            batch.delete(&key(OUTBOX, &[&job.to_be_bytes(), &s.to_be_bytes()]));
        }
        batch.delete(&key(INFLIGHT, &[&job.to_be_bytes()]));
        self.db.write(batch, true)
    }

    /// Records the batch about to be produced for `job` (fsynced before the first send).
    pub fn set_dead_letter_inflight(&self, job: i64, f: &Inflight) -> Result<(), BeError> {
        let mut batch = WriteBatch::new();
        batch.put(&key(INFLIGHT, &[&job.to_be_bytes()]), &f.encode());
        self.db.write(batch, true)
    }

    /// The batch of `job` that was being produced when the producer stopped, if any.
    pub fn dead_letter_inflight(&self, job: i64) -> Result<Option<Inflight>, BeError> {
        match self.db.get(&key(INFLIGHT, &[&job.to_be_bytes()]))? {
            Some(v) => Inflight::decode(&v).map(Some),
            None => Ok(None),
        }
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
                    // A task that loaded nothing: its offsets are consumed all the same, so
                    // its rejected rows stand (they must not vanish).
                    FeTxnState::Aborted if e.rows_consumed => self.resolve(e.txn_id, true)?,
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
        source_topic: req
            .kafka
            .as_ref()
            .map(|k| k.topic.clone())
            .unwrap_or_default(),
        dead_letter: req
            .dead_letter
            .as_ref()
            .filter(|d| !d.topic.is_empty())
            .map(|d| DeadLetterTarget {
                topic: d.topic.clone(),
                brokers: d.brokers.clone(),
            }),
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
            source_topic: "src".into(),
            dead_letter: None,
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

    fn mark(txn: i64, keys: &[i64]) -> starload_proto::be::MarkRejectedRowsReplayedRequest {
        starload_proto::be::MarkRejectedRowsReplayedRequest {
            job_id: 7,
            txn_id: txn,
            fe_host: "127.0.0.1".into(),
            fe_rpc_port: 1,
            rows: keys
                .iter()
                .map(|o| starload_proto::be::RejectedRowKey {
                    partition: 0,
                    offset: *o,
                    row_start: 0,
                    row_ordinal: 0,
                })
                .collect(),
            ..Default::default()
        }
    }

    fn offsets(l: &RejectedLedger) -> Vec<i64> {
        l.list(&[7], 0).unwrap().iter().map(|r| r.offset).collect()
    }

    #[test]
    fn replayed_rows_leave_once_the_replay_commits_and_come_back_if_it_aborts() {
        let dir = tempfile::tempdir().unwrap();
        let l = open(dir.path(), 1 << 20);
        l.stage(&by(100), &[row(0, 1, "a"), row(0, 2, "b"), row(0, 3, "c")])
            .unwrap();
        l.resolve(100, true).unwrap();
        // Replay txn 500 takes offsets 1 and 2: hidden while it runs.
        l.mark_replayed(&mark(500, &[1, 2])).unwrap();
        l.mark_replayed(&mark(500, &[1, 2])).unwrap();
        assert_eq!(offsets(&l), [3]);
        // Another replay may not take them meanwhile; nothing of its request is marked.
        assert!(l.mark_replayed(&mark(501, &[3, 1])).is_err());
        assert_eq!(offsets(&l), [3]);
        assert_eq!(
            l.staged_txns().unwrap().keys().copied().collect::<Vec<_>>(),
            [500]
        );
        // Aborted: back.
        l.resolve(500, false).unwrap();
        assert_eq!(offsets(&l), [1, 2, 3]);
        // Committed: gone for good; a missing row cannot be marked.
        l.mark_replayed(&mark(502, &[2])).unwrap();
        l.resolve(502, true).unwrap();
        assert_eq!(offsets(&l), [1, 3]);
        assert!(l.mark_replayed(&mark(503, &[2])).is_err());
        assert!(l.staged_txns().unwrap().is_empty());
    }

    #[test]
    fn committed_rows_of_a_dead_letter_job_enter_the_outbox_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let l = open(dir.path(), 1 << 20);
        let dl = |txn| StagedBy {
            dead_letter: Some(DeadLetterTarget {
                topic: "dlq".into(),
                brokers: "h:1".into(),
            }),
            ..by(txn)
        };
        // A retried task: two txns stage the same rows; only the committed one counts.
        l.stage(&dl(100), &[row(0, 1, "a"), row(0, 2, "b")])
            .unwrap();
        l.stage(&dl(101), &[row(0, 1, "a"), row(0, 2, "b")])
            .unwrap();
        l.resolve(100, false).unwrap();
        l.resolve(101, true).unwrap();
        l.resolve(101, true).unwrap();
        l.stage(&dl(102), &[row(0, 5, "c")]).unwrap();
        l.resolve(102, true).unwrap();
        // A job without a dead-letter topic puts nothing there.
        l.stage(&by(103), &[row(0, 9, "d")]).unwrap();
        l.resolve(103, true).unwrap();
        assert_eq!(l.dead_letter_jobs().unwrap(), [7]);
        let recs = l.dead_letters(7, 100).unwrap();
        let got: Vec<(u64, i64, i64, &str)> = recs
            .iter()
            .map(|r| (r.seq, r.offset, r.txn_id, r.source_topic.as_str()))
            .collect();
        assert_eq!(
            got,
            [(0, 1, 101, "src"), (1, 2, 101, "src"), (2, 5, 102, "src")]
        );
        assert_eq!(recs[0].label, "j-7-101");
        assert_eq!(recs[0].raw, b"raw1");
        assert_eq!(recs[0].target.topic, "dlq");
        let f = Inflight {
            topic: "dlq".into(),
            partition: 2,
            from_offset: 40,
            seqs: vec![0, 1],
        };
        l.set_dead_letter_inflight(7, &f).unwrap();
        assert_eq!(l.dead_letter_inflight(7).unwrap(), Some(f));
        l.remove_dead_letters(7, &[0, 1]).unwrap();
        assert_eq!(l.dead_letter_inflight(7).unwrap(), None);
        assert_eq!(l.dead_letters(7, 100).unwrap().len(), 1);
        l.remove_dead_letters(7, &[2]).unwrap();
        assert!(l.dead_letter_jobs().unwrap().is_empty());
        // Sequences go on after a drain.
        l.stage(&dl(104), &[row(0, 11, "e")]).unwrap();
        l.resolve(104, true).unwrap();
        assert_eq!(l.dead_letters(7, 100).unwrap()[0].seq, 3);
        assert_eq!(l.ledger_id().unwrap(), l.ledger_id().unwrap());
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
