//! Routes a task's rows to tablets and writes them to every replica (StarRocks
//! `be/src/exec/tablet_sink.cpp`, `OlapTableSink` + `NodeChannel`).
//!
//! - Each row's bucket is the hash of its distribution columns modulo `bucket_num`
//!   ([`bucket_of_rows`]); RANDOM distribution deals rows round-robin.
//! - A batch is split per tablet with one `take` per tablet (never row by row) and written to
//!   every replica: this BE's own replicas through `TabletStore::write_batch`, others through one
//!   `WriteTabletBatch` RPC per tablet and batch carrying Arrow IPC; RPCs of one batch run
//!   concurrently.
//! - A replica that fails once is not written again in this transaction; the task fails as
//!   soon as a tablet no longer has a majority of healthy replicas. At close every healthy
//!   replica of every tablet receives `eos` (even with no rows, so every replica knows the
//!   transaction), and [`TabletSink::commit_infos`] lists the replicas that staged each tablet.
//!
//! Hash (shared with anyone who must agree on buckets): per row, FNV-1a 32-bit over the
//! distribution columns' canonical bytes in column order (integers of every width as i64 LE,
//! LARGEINT/DECIMAL as i128 LE, FLOAT/DOUBLE as f64 bits LE, DATE as i32 LE, DATETIME as i64 LE,
//! strings as UTF-8, BOOLEAN as one byte; NULL as the single byte 0xff), bucket = hash % n.

use crate::error::{BeError, LoadError, ReplicaError};
use crate::storage::{TabletStore, WriteOptions};
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, UInt32Array};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, TimestampMicrosecondType,
};
use starload_proto::be::backend_service_client::BackendServiceClient;
use starload_proto::be::WriteTabletBatchRequest;
use starload_proto::fe::TabletCommitInfo;
use starload_proto::types::{BackendAddr, TabletLocation, TabletSchema};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tonic::transport::Channel;

const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

#[inline]
fn fnv(mut h: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        h ^= b as u32;
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

fn hash_column(col: &ArrayRef, hashes: &mut [u32]) {
    macro_rules! prim {
        ($t:ty, $conv:expr) => {{
            let a = col.as_primitive::<$t>();
            for (i, h) in hashes.iter_mut().enumerate() {
                *h = if a.is_null(i) {
                    fnv(*h, &[0xff])
                } else {
                    #[allow(clippy::redundant_closure_call)]
                    fnv(*h, &($conv)(a.value(i)))
                };
            }
        }};
    }
    match col.data_type() {
        DataType::Int8 => prim!(Int8Type, |v: i8| (v as i64).to_le_bytes()),
        DataType::Int16 => prim!(Int16Type, |v: i16| (v as i64).to_le_bytes()),
        DataType::Int32 => prim!(Int32Type, |v: i32| (v as i64).to_le_bytes()),
        DataType::Int64 => prim!(Int64Type, |v: i64| v.to_le_bytes()),
        DataType::Float32 => prim!(Float32Type, |v: f32| (v as f64).to_bits().to_le_bytes()),
        DataType::Float64 => prim!(Float64Type, |v: f64| v.to_bits().to_le_bytes()),
        DataType::Date32 => prim!(Date32Type, |v: i32| v.to_le_bytes()),
        DataType::Timestamp(_, _) => prim!(TimestampMicrosecondType, |v: i64| v.to_le_bytes()),
        DataType::Decimal128(_, _) => prim!(Decimal128Type, |v: i128| v.to_le_bytes()),
        DataType::Boolean => {
            let a = col.as_boolean();
            for (i, h) in hashes.iter_mut().enumerate() {
                *h = if a.is_null(i) {
                    fnv(*h, &[0xff])
                } else {
                    fnv(*h, &[a.value(i) as u8])
                };
            }
        }
        DataType::Utf8 => {
            let a = col.as_string::<i32>();
            for (i, h) in hashes.iter_mut().enumerate() {
                *h = if a.is_null(i) {
                    fnv(*h, &[0xff])
                } else {
                    fnv(*h, a.value(i).as_bytes())
                };
            }
        }
        _ => {
            // Other types (ARRAY, ...) hash their text form.
            let s = arrow::compute::cast(col, &DataType::Utf8);
            if let Ok(s) = s {
                hash_column(&s, hashes);
            }
        }
    }
}

/// Bucket of every row: hash of the distribution columns modulo `bucket_num`; with no
/// distribution columns (RANDOM) rows are dealt round-robin starting at `rr_start`.
pub fn bucket_of_rows(
    batch: &RecordBatch,
    distribution_idx: &[u32],
    bucket_num: u32,
    rr_start: u32,
) -> Vec<u32> {
    let n = batch.num_rows();
    let buckets = bucket_num.max(1);
    if distribution_idx.is_empty() {
        return (0..n as u32)
            .map(|i| (rr_start.wrapping_add(i)) % buckets)
            .collect();
    }
    let mut hashes = vec![FNV_OFFSET; n];
    for &i in distribution_idx {
        if let Some(c) = batch.columns().get(i as usize) {
            hash_column(c, &mut hashes);
        }
    }
    hashes.iter().map(|h| h % buckets).collect()
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
            bucket_of_rows(batch, &[], nb, self.rr)
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
    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{Field, Schema};

    #[test]
    fn bucket_hash_is_deterministic_and_width_independent() {
        let s = Arc::new(Schema::new(vec![
            Field::new("k", DataType::Int64, true),
            Field::new("s", DataType::Utf8, true),
        ]));
        let b = RecordBatch::try_new(
            s,
            vec![
                Arc::new(Int64Array::from(vec![Some(1), Some(2), None, Some(1)])),
                Arc::new(StringArray::from(vec![
                    Some("a"),
                    Some("b"),
                    Some("c"),
                    Some("a"),
                ])),
            ],
        )
        .unwrap();
        let x = bucket_of_rows(&b, &[0], 8, 0);
        assert_eq!(x, bucket_of_rows(&b, &[0], 8, 0));
        assert_eq!(x[0], x[3]);
        assert!(x.iter().all(|&v| v < 8));
        let s32 = Arc::new(Schema::new(vec![Field::new("k", DataType::Int32, true)]));
        let b32 = RecordBatch::try_new(
            s32,
            vec![Arc::new(arrow::array::Int32Array::from(vec![
                Some(1),
                Some(2),
                None,
                Some(1),
            ]))],
        )
        .unwrap();
        assert_eq!(bucket_of_rows(&b32, &[0], 8, 0), x);
        // FNV-1a of the empty input is the offset basis; one known value pins the function.
        assert_eq!(fnv(FNV_OFFSET, b"a"), 0xe40c292c);
        // RANDOM: round-robin.
        assert_eq!(bucket_of_rows(&b, &[], 3, 2), vec![2, 0, 1, 2]);
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
