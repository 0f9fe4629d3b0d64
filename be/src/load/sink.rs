//! Routes a task's rows to tablets and writes them to every replica (StarRocks
//! `be/src/exec/tablet_sink.cpp`, `OlapTableSink` + `NodeChannel`).
//!
//! - Each row's bucket comes from the storage module's one bucket function
//!   ([`crate::storage::buckets`]: hash of the distribution columns modulo `bucket_num`), so
//!   loads and scans agree; RANDOM distribution deals rows round-robin across batches
//!   ([`round_robin`]).
//! - A batch is split per tablet with one `take` per tablet (never row by row) and written to
//!   every replica: this BE's own replicas through `TabletStore::write_batch`, others through one
//!   `WriteTabletBatch` RPC per tablet and batch carrying Arrow IPC; RPCs of one batch run
//!   concurrently.
//! - A replica that fails once is not written again in this transaction; the task fails as
//!   soon as a tablet no longer has a majority of healthy replicas. At close every healthy
//!   replica of every tablet receives `eos` (even with no rows, so every replica knows the
//!   transaction), and [`TabletSink::commit_infos`] lists the replicas that staged each tablet.

use super::error::{LoadError, ReplicaError};
use crate::error::BeError;
use crate::storage::{TabletStore, WriteOptions};
use arrow::array::{RecordBatch, UInt32Array};
use starload_proto::be::backend_service_client::BackendServiceClient;
use starload_proto::be::WriteTabletBatchRequest;
use starload_proto::fe::TabletCommitInfo;
use starload_proto::types::{BackendAddr, TabletLocation, TabletSchema};
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

/// Writes one transaction's rows into the tablets of one table partition.
pub struct TabletSink {
    txn_id: i64,
    schema: TabletSchema,
    local_backend_id: i64,
    store: Arc<TabletStore>,
    opts: WriteOptions,
    cluster_token: String,
    /// Tablets by bucket.
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
    /// A sink for `tablets` (one partition: exactly `bucket_num` tablets, one per bucket).
    #[allow(clippy::too_many_arguments)] // one call site; each argument is a distinct task input
    pub fn new(
        txn_id: i64,
        schema: TabletSchema,
        tablets: &[TabletLocation],
        local_backend_id: i64,
        store: Arc<TabletStore>,
        opts: WriteOptions,
        cluster_token: String,
        rt: tokio::runtime::Handle,
    ) -> Result<Self, LoadError> {
        if tablets.is_empty() {
            return Err(LoadError::NoTablets);
        }
        let partition = tablets[0].partition_id;
        if tablets.iter().any(|t| t.partition_id != partition) {
            // The request carries no partition ranges yet: only one partition can be routed.
            return Err(LoadError::MultiplePartitions);
        }
        let mut sorted: Vec<TabletLocation> = tablets.to_vec();
        sorted.sort_by_key(|t| t.bucket);
        for (i, t) in sorted.iter().enumerate() {
            if t.bucket as usize != i {
                return Err(LoadError::BucketMismatch {
                    tablet_id: t.tablet_id,
                    bucket: t.bucket,
                    expected: i,
                });
            }
        }
        Ok(Self {
            txn_id,
            schema,
            local_backend_id,
            store,
            opts,
            cluster_token,
            tablets: sorted
                .into_iter()
                .map(|loc| TabletTarget {
                    loc,
                    failed: HashSet::new(),
                    rows: 0,
                })
                .collect(),
            clients: HashMap::new(),
            rt,
            rr: 0,
            rows_written: 0,
            bytes_sent: 0,
        })
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

    /// Routes `batch` (tablet column order, optional trailing `__op`) and writes it.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), LoadError> {
        let n = batch.num_rows();
        if n == 0 {
            return Ok(());
        }
        let nb = self.tablets.len() as u32;
        // HASH distribution: the storage module's bucket function (one definition for the BE);
        // RANDOM: round-robin across batches.
        let buckets = if self.schema.distribution_idx.is_empty() {
            round_robin(n, nb, self.rr)
        } else {
            let mut s = self.schema.clone();
            s.bucket_num = nb;
            crate::storage::buckets(batch, &s)?
        };
        self.rr = self.rr.wrapping_add(n as u32);
        // Row indexes per bucket (counting pass, then one fill: no per-row allocation).
        let mut counts = vec![0usize; nb as usize];
        for &b in &buckets {
            counts[b as usize] += 1;
        }
        let mut idx: Vec<Vec<u32>> = counts.iter().map(|&c| Vec::with_capacity(c)).collect();
        for (r, &b) in buckets.iter().enumerate() {
            idx[b as usize].push(r as u32);
        }
        let mut remote = Vec::new();
        for (b, rows) in idx.into_iter().enumerate() {
            if rows.is_empty() {
                continue;
            }
            let sub = if rows.len() == n {
                batch.clone()
            } else {
                let take = UInt32Array::from(rows);
                let cols = batch
                    .columns()
                    .iter()
                    .map(|c| arrow::compute::take(c.as_ref(), &take, None))
                    .collect::<Result<Vec<_>, _>>()?;
                RecordBatch::try_new(batch.schema(), cols)?
            };
            let tablet_id = self.tablets[b].loc.tablet_id;
            self.tablets[b].rows += sub.num_rows() as u64;
            self.rows_written += sub.num_rows() as u64;
            let replicas = self.tablets[b].loc.replicas.clone();
            let mut ipc: Option<Arc<Vec<u8>>> = None;
            for r in replicas {
                if self.tablets[b].failed.contains(&r.backend_id) {
                    continue;
                }
                if r.backend_id == self.local_backend_id {
                    if let Err(e) = self
                        .store
                        .write_batch(self.txn_id, tablet_id, &sub, &self.opts)
                    {
                        self.replica_failed(b, r.backend_id, ReplicaError::Local(e))?;
                    }
                } else {
                    if ipc.is_none() {
                        ipc = Some(Arc::new(encode_ipc(&sub)?));
                    }
                    let bytes = ipc.clone().unwrap_or_default();
                    remote.push((b, r, bytes, false));
                }
            }
        }
        self.send_remote(remote)
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
        for b in 0..self.tablets.len() {
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
                            self.replica_failed(b, r.backend_id, ReplicaError::Local(e))?;
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
        self.tablets
            .iter()
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
