//! Routes a task's rows to tablets and writes them to every replica (StarRocks
//! `be/src/exec/tablet_sink.cpp`, `OlapTableSink` + `NodeChannel`).
//!
//! - Each row's partition comes from [`PartitionRouter`] (the FE's routes); a row no partition
//!   holds is not written and is handed back to the caller, which makes it an error row. For
//!   expression partitioning the sink first asks the FE to create the missing partitions
//!   ([`PartitionCreator`]), inside the same transaction, and routes the rows again.
//! - Each row's bucket comes from the storage module's one bucket function
//!   ([`crate::storage::buckets`]: hash of the distribution columns modulo `bucket_num`), so
//!   loads and scans agree; RANDOM distribution deals rows round-robin across batches
//!   ([`round_robin`]).
//! - A batch's rows are grouped per tablet (index lists, never row by row). This BE's own
//!   replicas of all tablets are staged in one `TabletStore::write_rows` call (one RocksDB
//!   write, rows read straight from the batch); each remote replica gets one `take` copy per
//!   tablet in one `WriteTabletBatch` RPC carrying Arrow IPC; RPCs of one batch run
//!   concurrently.
//! - A replica that fails once is not written again in this transaction; the task fails as
//!   soon as a tablet no longer has a majority of healthy replicas. At close every healthy
//!   replica of every tablet of a touched partition receives `eos` (even with no rows, so every
//!   replica of the partition knows the transaction and can publish its version), and
//!   [`TabletSink::commit_infos`] lists the replicas that staged each such tablet. Partitions
//!   no row went to are left out, so a load touching 3 of 365 partitions versions only 3.

use super::error::{LoadError, ReplicaError};
use super::partition_route::{PartitionRouter, ROW_OUT_OF_PARTITION_RANGES};
use crate::error::BeError;
use crate::storage::{TabletStore, WriteOptions};
use arrow::array::{RecordBatch, UInt32Array};
use starload_proto::be::backend_service_client::BackendServiceClient;
use starload_proto::be::WriteTabletBatchRequest;
use starload_proto::fe::TabletCommitInfo;
use starload_proto::types::{
    BackendAddr, PartitionKind, PartitionRoute, PartitionRouting, TabletLocation, TabletSchema,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tonic::transport::Channel;

/// RANDOM distribution: `n` rows dealt to `bucket_num` buckets round-robin, starting at
/// `start` (the sink carries `start` across batches so small batches still spread).
pub fn round_robin(n: usize, bucket_num: u32, start: u32) -> Vec<u32> {
    let buckets = bucket_num.max(1);
    (0..n as u32)
        .map(|i| start.wrapping_add(i) % buckets)
        .collect()
}

/// One tablet's replicas and their health in this transaction.
struct TabletTarget {
    loc: TabletLocation,
    /// Backend ids that failed a write.
    failed: HashSet<i64>,
    rows: u64,
}

/// One partition's tablets (a run of `TabletSink::tablets`, one per bucket).
struct PartitionTargets {
    first: usize,
    bucket_num: u32,
    /// True once a row went to this partition: only touched partitions get `eos`, appear in
    /// the commit infos and so get a new version.
    touched: bool,
}

/// Creates the partitions of rows no partition holds (expression partitioning): the FE's
/// `CreatePartitions`, called from the sink's thread.
pub trait PartitionCreator: Send {
    /// `rows`: distinct partition-column texts. Returns the new (or existing) partitions'
    /// routes and tablets, or why the FE refused ([`CreateRefused`]) or could not be asked.
    fn create(
        &mut self,
        rows: Vec<Vec<Option<String>>>,
    ) -> Result<(Vec<PartitionRoute>, Vec<TabletLocation>), CreateFailure>;
}

/// Why creating partitions failed.
#[derive(Debug)]
pub enum CreateFailure {
    /// The FE refused (its text): the rows become error rows
    /// (`The row create partition failed since <text>`).
    Refused(String),
    /// The FE could not be asked: the task fails and is retried.
    Unreachable(String),
}

/// Prefix of the error-log text when the FE refused to create a row's partition (StarRocks
/// `tablet_sink.cpp`).
pub const ROW_CREATE_PARTITION_FAILED: &str = "The row create partition failed since ";

/// Rows of a written batch that no partition holds, with the text each is rejected with.
pub type Unrouted = Vec<(u32, String)>;

/// Writes one transaction's rows into the tablets of one table's partitions.
pub struct TabletSink {
    txn_id: i64,
    schema: TabletSchema,
    local_backend_id: i64,
    store: Arc<TabletStore>,
    opts: WriteOptions,
    cluster_token: String,
    router: PartitionRouter,
    creator: Option<Box<dyn PartitionCreator>>,
    /// Partitions by router slot.
    parts: Vec<PartitionTargets>,
    /// Tablets of every partition, each partition's run ordered by bucket.
    tablets: Vec<TabletTarget>,
    clients: HashMap<(String, u32), BackendServiceClient<Channel>>,
    rt: tokio::runtime::Handle,
    rr: u32,
    /// Rows written (each row counted once, not per replica).
    pub rows_written: u64,
    /// Arrow IPC bytes sent to remote replicas.
    pub bytes_sent: u64,
}

fn quorum(replicas: usize) -> usize {
    replicas / 2 + 1
}

impl TabletSink {
    /// A sink for `tablets` of the partitions `routing` describes (None: one partition, every
    /// tablet). `creator` creates partitions of automatic (expression) partitioning.
    #[allow(clippy::too_many_arguments)] // one call site; each argument is a distinct task input
    pub fn new(
        txn_id: i64,
        schema: TabletSchema,
        tablets: &[TabletLocation],
        routing: Option<&PartitionRouting>,
        creator: Option<Box<dyn PartitionCreator>>,
        local_backend_id: i64,
        store: Arc<TabletStore>,
        opts: WriteOptions,
        cluster_token: String,
        rt: tokio::runtime::Handle,
    ) -> Result<Self, LoadError> {
        let unpartitioned = routing
            .map(|r| {
                matches!(
                    r.kind(),
                    PartitionKind::Unpartitioned | PartitionKind::Unspecified
                )
            })
            .unwrap_or(true);
        if tablets.is_empty() && unpartitioned {
            return Err(LoadError::NoTablets);
        }
        let mut router = PartitionRouter::new(routing).map_err(LoadError::Route)?;
        let mut sink = Self {
            txn_id,
            schema,
            local_backend_id,
            store,
            opts,
            cluster_token,
            router: PartitionRouter::new(None).map_err(LoadError::Route)?,
            creator,
            parts: Vec::new(),
            tablets: Vec::new(),
            clients: HashMap::new(),
            rt,
            rr: 0,
            rows_written: 0,
            bytes_sent: 0,
        };
        if unpartitioned {
            let pid = tablets[0].partition_id;
            if tablets.iter().any(|t| t.partition_id != pid) {
                return Err(LoadError::MultiplePartitions);
            }
            router
                .add(&PartitionRoute {
                    partition_id: pid,
                    ..Default::default()
                })
                .map_err(LoadError::Route)?;
            sink.router = router;
            sink.add_tablets(pid, tablets)?;
            return Ok(sink);
        }
        sink.router = router;
        for slot in 0.. {
            let Some(pid) = sink.router.partition_id(slot) else {
                break;
            };
            sink.add_tablets(pid, tablets)?;
        }
        Ok(sink)
    }

    /// Appends partition `pid`'s tablets (from `tablets`) as the next slot's run.
    fn add_tablets(&mut self, pid: i64, tablets: &[TabletLocation]) -> Result<(), LoadError> {
        let mut mine: Vec<TabletLocation> = tablets
            .iter()
            .filter(|t| t.partition_id == pid)
            .cloned()
            .collect();
        if mine.is_empty() {
            return Err(LoadError::NoTablets);
        }
        mine.sort_by_key(|t| t.bucket);
        for (i, t) in mine.iter().enumerate() {
            if t.bucket as usize != i {
                return Err(LoadError::BucketMismatch {
                    tablet_id: t.tablet_id,
                    bucket: t.bucket,
                    expected: i,
                });
            }
        }
        self.parts.push(PartitionTargets {
            first: self.tablets.len(),
            bucket_num: mine.len() as u32,
            touched: false,
        });
        self.tablets
            .extend(mine.into_iter().map(|loc| TabletTarget {
                loc,
                failed: HashSet::new(),
                rows: 0,
            }));
        Ok(())
    }

    fn client(&mut self, r: &BackendAddr) -> Result<BackendServiceClient<Channel>, ReplicaError> {
        let key = (r.host.clone(), r.be_port);
        if let Some(c) = self.clients.get(&key) {
            return Ok(c.clone());
        }
        let ep = Channel::from_shared(format!("http://{}:{}", r.host, r.be_port))
            .map_err(ReplicaError::Endpoint)?;
        let c = BackendServiceClient::new(ep.connect_lazy())
            .max_decoding_message_size(usize::MAX)
            .max_encoding_message_size(usize::MAX);
        self.clients.insert(key, c.clone());
        Ok(c)
    }

    /// The partition slot of every row of `batch`; rows without one are returned with their
    /// rejection text. Expression partitioning first asks the FE for the missing partitions.
    fn route(&mut self, batch: &RecordBatch) -> Result<(Vec<Option<usize>>, Unrouted), LoadError> {
        let n = batch.num_rows();
        if self.router.is_unpartitioned() {
            return Ok((vec![Some(0); n], Vec::new()));
        }
        let keys = self.router.keys(batch).map_err(LoadError::Route)?;
        let mut slots = self.router.route(&keys, 0..n);
        let missing: Vec<u32> = (0..n as u32)
            .filter(|r| slots[*r as usize].is_none())
            .collect();
        if missing.is_empty() {
            return Ok((slots, Vec::new()));
        }
        let creator = match self.creator.as_mut() {
            Some(c) if self.router.is_automatic() => c,
            // Fixed partitions (or a load limited to some): the rows are error rows.
            _ => {
                let unrouted = missing
                    .into_iter()
                    .map(|r| (r, ROW_OUT_OF_PARTITION_RANGES.to_string()))
                    .collect();
                return Ok((slots, unrouted));
            }
        };
        match creator.create(keys.missing_texts(&missing)) {
            Ok((routes, tablets)) => {
                for p in &routes {
                    let before = self.parts.len();
                    let slot = self.router.add(p).map_err(LoadError::Route)?;
                    if slot == before {
                        self.add_tablets(p.partition_id, &tablets)?;
                    }
                }
                let again = self
                    .router
                    .route(&keys, missing.iter().map(|r| *r as usize));
                let mut unrouted = Vec::new();
                for (r, s) in missing.into_iter().zip(again) {
                    slots[r as usize] = s;
                    if s.is_none() {
                        unrouted.push((r, ROW_OUT_OF_PARTITION_RANGES.to_string()));
                    }
                }
                Ok((slots, unrouted))
            }
            Err(CreateFailure::Refused(why)) => Ok((
                slots,
                missing
                    .into_iter()
                    .map(|r| (r, format!("{ROW_CREATE_PARTITION_FAILED}{why}")))
                    .collect(),
            )),
            Err(CreateFailure::Unreachable(why)) => Err(LoadError::CreatePartition(why)),
        }
    }

    /// Routes `batch` (tablet column order, optional trailing `__op`) and writes it. Returns
    /// the rows (indexes into `batch`) no partition holds, with their rejection texts; those
    /// are not written.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<Unrouted, LoadError> {
        let n = batch.num_rows();
        if n == 0 {
            return Ok(Vec::new());
        }
        let (slots, unrouted) = self.route(batch)?;
        // Buckets: HASH distribution through the storage module's bucket function (one
        // definition for the BE), per distinct bucket count of the partitions in this batch;
        // RANDOM: round-robin across batches.
        // Partitions this batch touches (one pass), then one bucket vector per distinct
        // bucket count among them: no per-row hashing of bucket counts.
        for s in slots.iter().flatten() {
            self.parts[*s].touched = true;
        }
        let mut bucket_nums: Vec<u32> = Vec::new();
        let mut set_of_slot = vec![0usize; self.parts.len()];
        for (i, p) in self.parts.iter().enumerate().filter(|(_, p)| p.touched) {
            set_of_slot[i] = match bucket_nums.iter().position(|nb| *nb == p.bucket_num) {
                Some(k) => k,
                None => {
                    bucket_nums.push(p.bucket_num);
                    bucket_nums.len() - 1
                }
            };
        }
        let bucket_sets: Vec<Vec<u32>> = bucket_nums
            .iter()
            .map(|&nb| {
                if self.schema.distribution_idx.is_empty() {
                    Ok(round_robin(n, nb, self.rr))
                } else {
                    let mut sch = self.schema.clone();
                    sch.bucket_num = nb;
                    crate::storage::buckets(batch, &sch)
                }
            })
            .collect::<Result<_, _>>()?;
        self.rr = self.rr.wrapping_add(n as u32);
        // Row indexes per tablet (counting pass, then one fill: no per-row allocation).
        let targets: Vec<Option<usize>> = slots
            .iter()
            .enumerate()
            .map(|(r, s)| s.map(|s| self.parts[s].first + bucket_sets[set_of_slot[s]][r] as usize))
            .collect();
        let mut counts = vec![0usize; self.tablets.len()];
        for t in targets.iter().flatten() {
            counts[*t] += 1;
        }
        let mut idx: Vec<Vec<u32>> = counts.iter().map(|&c| Vec::with_capacity(c)).collect();
        for (r, t) in targets.iter().enumerate() {
            if let Some(t) = t {
                idx[*t].push(r as u32);
            }
        }
        // Local replicas: every tablet of the chunk in one store write, reading rows straight
        // from `batch` (no copy per tablet). Remote replicas: one copy and one IPC encoding
        // per tablet, shared by its replicas.
        let mut remote = Vec::new();
        let mut local: Vec<(usize, Vec<u32>)> = Vec::new();
        for (b, rows) in idx.into_iter().enumerate() {
            if rows.is_empty() {
                continue;
            }
            self.tablets[b].rows += rows.len() as u64;
            self.rows_written += rows.len() as u64;
            let mut ipc: Option<Arc<Vec<u8>>> = None;
            let mut here = false;
            for r in &self.tablets[b].loc.replicas {
                if self.tablets[b].failed.contains(&r.backend_id) {
                    continue;
                }
                if r.backend_id == self.local_backend_id {
                    here = true;
                    continue;
                }
                if ipc.is_none() {
                    let sub = if rows.len() == n {
                        batch.clone()
                    } else {
                        let take = UInt32Array::from(rows.clone());
                        let cols = batch
                            .columns()
                            .iter()
                            .map(|c| arrow::compute::take(c.as_ref(), &take, None))
                            .collect::<Result<Vec<_>, _>>()?;
                        RecordBatch::try_new(batch.schema(), cols)?
                    };
                    ipc = Some(Arc::new(encode_ipc(&sub)?));
                }
                remote.push((b, r.clone(), ipc.clone().unwrap_or_default(), false));
            }
            if here {
                local.push((b, rows));
            }
        }
        if !local.is_empty() {
            let targets: Vec<(i64, &[u32])> = local
                .iter()
                .map(|(b, rows)| (self.tablets[*b].loc.tablet_id, rows.as_slice()))
                .collect();
            if let Err(e) = self
                .store
                .write_rows(self.txn_id, batch, &targets, &self.opts)
            {
                let e = Arc::new(e);
                for (b, _) in &local {
                    let me = self.local_backend_id;
                    self.replica_failed(*b, me, ReplicaError::Local(e.clone()))?;
                }
            }
        }
        self.send_remote(remote)?;
        Ok(unrouted)
    }

    /// Indexes into `tablets` of the touched partitions' tablets (every tablet when the table
    /// is unpartitioned: one partition, always versioned).
    fn touched_tablets(&self) -> Vec<usize> {
        let all = self.router.is_unpartitioned();
        self.parts
            .iter()
            .filter(|p| all || p.touched)
            .flat_map(|p| p.first..p.first + p.bucket_num as usize)
            .collect()
    }

    fn replica_failed(
        &mut self,
        b: usize,
        backend_id: i64,
        err: ReplicaError,
    ) -> Result<(), LoadError> {
        let t = &mut self.tablets[b];
        t.failed.insert(backend_id);
        tracing::warn!(
            txn = self.txn_id,
            tablet = t.loc.tablet_id,
            backend = backend_id,
            error = %err,
            "Replica write failed."
        );
        let healthy = t.loc.replicas.len() - t.failed.len();
        if healthy < quorum(t.loc.replicas.len()) {
            return Err(LoadError::TooFewReplicas {
                tablet_id: t.loc.tablet_id,
                healthy,
                total: t.loc.replicas.len(),
                last_error: err,
            });
        }
        Ok(())
    }

    fn send_remote(
        &mut self,
        sends: Vec<(usize, BackendAddr, Arc<Vec<u8>>, bool)>,
    ) -> Result<(), LoadError> {
        if sends.is_empty() {
            return Ok(());
        }
        let mut futs = Vec::with_capacity(sends.len());
        for (b, r, bytes, eos) in &sends {
            let client = self.client(r);
            let req = WriteTabletBatchRequest {
                cluster_token: self.cluster_token.clone(),
                txn_id: self.txn_id,
                tablet_id: self.tablets[*b].loc.tablet_id,
                arrow_ipc: bytes.as_ref().clone(),
                eos: *eos,
                schema: Some(self.schema.clone()),
                partial_update_columns: self.opts.partial_update_columns.clone(),
                merge_condition: self.opts.merge_condition.clone().unwrap_or_default(),
            };
            self.bytes_sent += bytes.len() as u64;
            futs.push(async move {
                let mut c = client?;
                match c.write_tablet_batch(req).await {
                    Ok(resp) => {
                        let resp = resp.into_inner();
                        match resp.status {
                            Some(s) if !s.is_ok() => Err(ReplicaError::Refused(s.message)),
                            _ => Ok(()),
                        }
                    }
                    Err(e) => Err(ReplicaError::Rpc(e)),
                }
            });
        }
        let results = self.rt.block_on(futures::future::join_all(futs));
        for ((b, r, _, _), res) in sends.iter().zip(results) {
            if let Err(e) = res {
                self.replica_failed(*b, r.backend_id, e)?;
            }
        }
        Ok(())
    }

    /// Sends `eos` to every healthy replica of every tablet (local replicas get an empty write
    /// so they know the transaction).
    pub fn close(&mut self, empty: &RecordBatch) -> Result<(), LoadError> {
        let empty_ipc = Arc::new(encode_ipc(empty)?);
        let mut remote = Vec::new();
        for b in self.touched_tablets() {
            let tablet_id = self.tablets[b].loc.tablet_id;
            for r in self.tablets[b].loc.replicas.clone() {
                if self.tablets[b].failed.contains(&r.backend_id) {
                    continue;
                }
                if r.backend_id == self.local_backend_id {
                    if self.tablets[b].rows == 0 {
                        if let Err(e) =
                            self.store
                                .write_batch(self.txn_id, tablet_id, empty, &self.opts)
                        {
                            self.replica_failed(b, r.backend_id, ReplicaError::Local(Arc::new(e)))?;
                        }
                    }
                } else {
                    remote.push((b, r, empty_ipc.clone(), true));
                }
            }
        }
        self.send_remote(remote)
    }

    /// Which replicas staged each tablet.
    pub fn commit_infos(&self) -> Vec<TabletCommitInfo> {
        self.touched_tablets()
            .into_iter()
            .map(|b| &self.tablets[b])
            .map(|t| TabletCommitInfo {
                tablet_id: t.loc.tablet_id,
                backend_ids: t
                    .loc
                    .replicas
                    .iter()
                    .map(|r| r.backend_id)
                    .filter(|id| !t.failed.contains(id))
                    .collect(),
            })
            .collect()
    }

    /// Discards what this transaction staged on this BE's replicas (best effort; the FE's
    /// abort reaches the others).
    pub fn abort_local(&self) {
        for t in &self.tablets {
            if t.loc
                .replicas
                .iter()
                .any(|r| r.backend_id == self.local_backend_id)
            {
                let _: Result<(), BeError> = self.store.abort(self.txn_id, t.loc.tablet_id);
            }
        }
    }
}

/// Encodes a batch as one Arrow IPC stream.
pub fn encode_ipc(batch: &RecordBatch) -> Result<Vec<u8>, arrow::error::ArrowError> {
    let mut buf = Vec::with_capacity(batch.get_array_memory_size() + 1024);
    {
        let mut w = arrow::ipc::writer::StreamWriter::try_new(&mut buf, &batch.schema())?;
        w.write(batch)?;
        w.finish()?;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Int64Array;
    use arrow::datatypes::DataType;
    use arrow::datatypes::{Field, Schema};

    #[test]
    fn random_distribution_deals_round_robin() {
        assert_eq!(round_robin(4, 3, 2), vec![2, 0, 1, 2]);
        assert_eq!(round_robin(2, 0, 0), vec![0, 0]);
        assert_eq!(round_robin(2, 4, u32::MAX), vec![3, 0]);
    }

    #[test]
    fn ipc_round_trip() {
        let s = Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, true)]));
        let b = RecordBatch::try_new(s, vec![Arc::new(Int64Array::from(vec![1, 2, 3]))]).unwrap();
        let bytes = encode_ipc(&b).unwrap();
        let r =
            arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
        let got: Vec<RecordBatch> = r.collect::<Result<_, _>>().unwrap();
        assert_eq!(got[0], b);
    }
}
