//! The DataFusion `TableProvider` of an OLAP table: its scan reads every tablet of every
//! partition that pruning keeps (`partition_prune`) at the partition's `visible_version` (from the query's catalog snapshot, so a
//! query never sees half of a load) with `BackendService.ScanTablets`, streaming the Arrow IPC
//! batches back. Projection and simple conjuncts (`column op literal`, `IS [NOT] NULL`) are
//! pushed to the BE; DataFusion still applies every filter above the scan (pushdown is
//! `Inexact`), so a BE that filters less is never wrong.
//!
//! Replica choice: each tablet starts at replica `tablet_id % replicas` (spreading reads) and
//! moves to the next replica when a BE fails or answers `VERSION_MISSING` before it sent any
//! batch of that tablet. Tablets are grouped per (partition, first BE) into one DataFusion
//! partition each, scanned one tablet per request so a retry never duplicates rows.

use super::partition_prune::keep_partitions;
use super::predicate::scan_predicates;
use super::source::TableSnapshot;
use crate::error::SqlError;
use datafusion::arrow::array::{RecordBatch, RecordBatchOptions};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DataFusionError, Result as DfResult};
use datafusion::datasource::TableType;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use starload_proto::be::backend_service_client::BackendServiceClient;
use starload_proto::be::{ScanPredicate, ScanTabletsRequest};
use starload_proto::types::{BackendAddr, StatusCode, TabletSchema};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tonic::transport::Channel;

/// Largest gRPC message the FE accepts from a scan (one IPC batch per message).
const MAX_SCAN_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// gRPC clients to BEs, one lazily connected channel per address, shared by all queries.
#[derive(Default)]
pub struct BackendClients {
    channels: Mutex<HashMap<String, Channel>>,
}

impl BackendClients {
    /// The client for `host:port`.
    pub fn client(&self, host: &str, port: u32) -> Result<BackendServiceClient<Channel>, SqlError> {
        let key = format!("{host}:{port}");
        let mut g = match self.channels.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let ch = match g.get(&key) {
            Some(c) => c.clone(),
            None => {
                let ch = Channel::from_shared(format!("http://{key}"))
                    .map_err(SqlError::internal)?
                    .connect_timeout(std::time::Duration::from_secs(3))
                    .connect_lazy();
                g.insert(key, ch.clone());
                ch
            }
        };
        Ok(BackendServiceClient::new(ch)
            .max_decoding_message_size(MAX_SCAN_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_SCAN_MESSAGE_BYTES))
    }
}

/// One OLAP table as DataFusion sees it during one query.
pub struct OlapTable {
    table: TableSnapshot,
    schema: SchemaRef,
    clients: Arc<BackendClients>,
    cluster_token: String,
}

impl std::fmt::Debug for OlapTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OlapTable({})", self.table.name)
    }
}

impl OlapTable {
    pub fn new(table: TableSnapshot, clients: Arc<BackendClients>, cluster_token: String) -> Self {
        let schema = Arc::new(starload_proto::schema::arrow_schema(&table.schema));
        Self {
            table,
            schema,
            clients,
            cluster_token,
        }
    }
}

#[async_trait::async_trait]
impl TableProvider for OlapTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let all: Vec<usize> = (0..self.schema.fields().len()).collect();
        let proj = projection.cloned().unwrap_or(all);
        let out_schema = Arc::new(self.schema.project(&proj)?);
        // An empty projection (count(*)) still needs row counts: read the first column and drop
        // it. ScanTablets reads "all columns" when `columns` is empty.
        let columns: Vec<String> = if proj.is_empty() {
            self.schema
                .fields()
                .first()
                .map(|f| vec![f.name().clone()])
                .unwrap_or_default()
        } else {
            proj.iter()
                .map(|&i| self.schema.field(i).name().clone())
                .collect()
        };
        let predicates = scan_predicates(filters, &self.schema);
        let spec = Arc::new(ScanSpec {
            cluster_token: self.cluster_token.clone(),
            columns,
            predicates,
            tablet_schema: self.table.schema.clone(),
            limit: limit.map(|l| l as i64).unwrap_or(0),
            out_schema: out_schema.clone(),
            clients: self.clients.clone(),
        });

        // Partition pruning on the pushed conjuncts (StarRocks prints the same
        // `partitions=k/n` in its OlapScanNode).
        let ids: Vec<i64> = self.table.partitions.iter().map(|p| p.id).collect();
        let keep = keep_partitions(&self.table.partition_info, &ids, &spec.predicates);
        let selected = keep.iter().filter(|k| **k).count();
        let total = ids.len();
        // Group tablets per (partition, first replica) so each group is one DataFusion partition.
        let mut groups: BTreeMap<(i64, i64), Vec<TabletRead>> = BTreeMap::new();
        let mut tablets_read = 0usize;
        for (p, _) in self
            .table
            .partitions
            .iter()
            .zip(&keep)
            .filter(|(_, keep)| **keep)
        {
            // Version 1 is the empty initial version: nothing was ever published.
            if p.visible_version <= 1 {
                continue;
            }
            for t in &p.tablets {
                if t.replicas.is_empty() {
                    return Err(DataFusionError::External(Box::new(SqlError::plain(
                        format!(
                            "Failed to find a queryable replica of tablet {} (partition {})",
                            t.tablet_id, p.name
                        ),
                    ))));
                }
                let start = (t.tablet_id.rem_euclid(t.replicas.len() as i64)) as usize;
                let mut replicas = t.replicas.clone();
                replicas.rotate_left(start);
                let first = replicas[0].backend_id;
                tablets_read += 1;
                groups.entry((p.id, first)).or_default().push(TabletRead {
                    tablet_id: t.tablet_id,
                    version: p.visible_version,
                    replicas,
                });
            }
        }
        let partitions: Vec<Arc<dyn PartitionStream>> = groups
            .into_values()
            .map(|tablets| {
                Arc::new(TabletGroupStream {
                    spec: spec.clone(),
                    tablets,
                }) as Arc<dyn PartitionStream>
            })
            .collect();
        // A table with nothing published yet has no tablet groups; a StreamingTableExec of
        // zero partitions breaks plans that need one (ORDER BY), so scan one empty partition.
        let inner: Arc<dyn ExecutionPlan> = if partitions.is_empty() {
            Arc::new(EmptyExec::new(out_schema))
        } else {
            Arc::new(StreamingTableExec::try_new(
                out_schema,
                partitions,
                None,
                Vec::new(),
                false,
                limit,
            )?)
        };
        Ok(Arc::new(OlapScanExec {
            table: self.table.name.clone(),
            partitions: (selected, total),
            tablets: tablets_read,
            inner,
        }))
    }
}

/// The scan as EXPLAIN shows it: `OlapScanExec: table=t, partitions=k/n, tablets=m` (StarRocks's
/// OlapScanNode prints `partitions=k/n`), running the tablet streams below it. A leaf for the
/// optimizer: the streams are planned here, nothing above rewrites them.
#[derive(Debug)]
struct OlapScanExec {
    table: String,
    /// Partitions read / partitions of the table.
    partitions: (usize, usize),
    tablets: usize,
    inner: Arc<dyn ExecutionPlan>,
}

impl DisplayAs for OlapScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "OlapScanExec: table={}, partitions={}/{}, tablets={}",
            self.table, self.partitions.0, self.partitions.1, self.tablets
        )
    }
}

impl ExecutionPlan for OlapScanExec {
    fn name(&self) -> &str {
        "OlapScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.inner.properties()
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(
            &Arc<dyn datafusion::physical_plan::PhysicalExpr>,
        ) -> DfResult<datafusion::common::tree_node::TreeNodeRecursion>,
    ) -> DfResult<datafusion::common::tree_node::TreeNodeRecursion> {
        self.inner.apply_expressions(f)
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        Vec::new()
    }

    fn with_new_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DfResult<SendableRecordBatchStream> {
        self.inner.execute(partition, context)
    }
}

/// What every tablet request of one scan shares.
struct ScanSpec {
    cluster_token: String,
    columns: Vec<String>,
    predicates: Vec<ScanPredicate>,
    tablet_schema: TabletSchema,
    limit: i64,
    out_schema: SchemaRef,
    clients: Arc<BackendClients>,
}

#[derive(Debug, Clone)]
struct TabletRead {
    tablet_id: i64,
    version: i64,
    /// In the order to try.
    replicas: Vec<BackendAddr>,
}

struct TabletGroupStream {
    spec: Arc<ScanSpec>,
    tablets: Vec<TabletRead>,
}

impl std::fmt::Debug for TabletGroupStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TabletGroupStream({:?})",
            self.tablets.iter().map(|t| t.tablet_id).collect::<Vec<_>>()
        )
    }
}

impl PartitionStream for TabletGroupStream {
    fn schema(&self) -> &SchemaRef {
        &self.spec.out_schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let (tx, rx) = mpsc::channel::<DfResult<RecordBatch>>(2);
        let spec = self.spec.clone();
        let tablets = self.tablets.clone();
        tokio::spawn(async move {
            for t in tablets {
                if let Err(e) = scan_tablet(&spec, &t, &tx).await {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
                if tx.is_closed() {
                    return;
                }
            }
        });
        let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
        Box::pin(RecordBatchStreamAdapter::new(
            self.spec.out_schema.clone(),
            stream,
        ))
    }
}

/// Why a replica could not serve a tablet.
enum ReplicaFailure {
    /// Nothing of this tablet was sent yet: another replica may serve it.
    Retryable(String),
    /// Batches were already sent (or the receiver is gone): stop.
    Fatal(DataFusionError),
}

async fn scan_tablet(
    spec: &ScanSpec,
    t: &TabletRead,
    tx: &mpsc::Sender<DfResult<RecordBatch>>,
) -> DfResult<()> {
    let mut reasons = Vec::new();
    for r in &t.replicas {
        match scan_tablet_on(spec, t, r, tx).await {
            Ok(()) => return Ok(()),
            Err(ReplicaFailure::Retryable(why)) => {
                tracing::warn!(
                    tablet = t.tablet_id,
                    version = t.version,
                    backend = r.backend_id,
                    reason = %why,
                    "Scan replica failed, trying the next one."
                );
                reasons.push(format!(
                    "backend {} ({}:{}): {why}",
                    r.backend_id, r.host, r.be_port
                ));
            }
            Err(ReplicaFailure::Fatal(e)) => return Err(e),
        }
    }
    Err(DataFusionError::External(Box::new(SqlError::plain(
        format!(
            "Failed to scan tablet {} at version {}: {}",
            t.tablet_id,
            t.version,
            reasons.join("; ")
        ),
    ))))
}

async fn scan_tablet_on(
    spec: &ScanSpec,
    t: &TabletRead,
    r: &BackendAddr,
    tx: &mpsc::Sender<DfResult<RecordBatch>>,
) -> Result<(), ReplicaFailure> {
    let mut client = spec
        .clients
        .client(&r.host, r.be_port)
        .map_err(|e| ReplicaFailure::Retryable(e.to_string()))?;
    let req = ScanTabletsRequest {
        cluster_token: spec.cluster_token.clone(),
        tablet_ids: vec![t.tablet_id],
        version: t.version,
        columns: spec.columns.clone(),
        predicates: spec.predicates.clone(),
        schema: Some(spec.tablet_schema.clone()),
        limit: spec.limit,
    };
    let mut stream = client
        .scan_tablets(req)
        .await
        .map_err(|s| ReplicaFailure::Retryable(s.message().to_string()))?
        .into_inner();
    let mut sent_any = false;
    loop {
        let msg = match stream.message().await {
            Ok(Some(m)) => m,
            Ok(None) => return Ok(()),
            Err(s) => {
                let why = s.message().to_string();
                return Err(if sent_any {
                    ReplicaFailure::Fatal(DataFusionError::External(Box::new(SqlError::plain(
                        format!("Scan of tablet {} failed: {why}", t.tablet_id),
                    ))))
                } else {
                    ReplicaFailure::Retryable(why)
                });
            }
        };
        if let Some(st) = &msg.status {
            if !st.is_ok() {
                let code = StatusCode::try_from(st.code).unwrap_or(StatusCode::InternalError);
                let why = format!("{}: {}", code.as_str_name(), st.message);
                return Err(if sent_any {
                    ReplicaFailure::Fatal(DataFusionError::External(Box::new(SqlError::plain(
                        format!("Scan of tablet {} failed: {why}", t.tablet_id),
                    ))))
                } else {
                    ReplicaFailure::Retryable(why)
                });
            }
        }
        if msg.arrow_ipc.is_empty() {
            continue;
        }
        let batches =
            decode_ipc(&msg.arrow_ipc, &spec.out_schema).map_err(ReplicaFailure::Fatal)?;
        for b in batches {
            sent_any = true;
            if tx.send(Ok(b)).await.is_err() {
                // The consumer is gone (LIMIT reached or query cancelled).
                return Ok(());
            }
        }
    }
}

/// Decodes one IPC stream and shapes each batch to `out` (same column order; types cast when
/// the BE's differ, e.g. nullability or dictionary encoding). An empty `out` keeps row counts.
pub fn decode_ipc(bytes: &[u8], out: &SchemaRef) -> DfResult<Vec<RecordBatch>> {
    let reader = StreamReader::try_new(std::io::Cursor::new(bytes), None)?;
    let mut v = Vec::new();
    for b in reader {
        let b = b?;
        v.push(conform(&b, out)?);
    }
    Ok(v)
}

fn conform(b: &RecordBatch, out: &SchemaRef) -> DfResult<RecordBatch> {
    if out.fields().is_empty() {
        return Ok(RecordBatch::try_new_with_options(
            Arc::new(Schema::empty()),
            vec![],
            &RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
        )?);
    }
    if b.num_columns() != out.fields().len() {
        return Err(DataFusionError::Execution(format!(
            "scan returned {} columns, expected {}",
            b.num_columns(),
            out.fields().len()
        )));
    }
    let mut cols = Vec::with_capacity(b.num_columns());
    for (c, f) in b.columns().iter().zip(out.fields()) {
        if c.data_type() == f.data_type() {
            cols.push(c.clone());
        } else {
            cols.push(cast(c, f.data_type())?);
        }
    }
    // Nullability as declared may be stricter than what arrived; relax to the declared schema's
    // types with nullable fields to avoid rejecting valid data.
    let relaxed = Arc::new(Schema::new(
        out.fields()
            .iter()
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect::<Vec<_>>(),
    ));
    let target = if cols
        .iter()
        .zip(out.fields())
        .any(|(c, f)| !f.is_nullable() && c.null_count() > 0)
    {
        relaxed
    } else {
        out.clone()
    };
    Ok(RecordBatch::try_new(target, cols)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int32Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field};
    use datafusion::arrow::ipc::writer::StreamWriter;

    fn ipc(batch: &RecordBatch) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut w = StreamWriter::try_new(&mut buf, &batch.schema()).unwrap();
        w.write(batch).unwrap();
        w.finish().unwrap();
        drop(w);
        buf
    }

    #[test]
    fn ipc_batches_are_cast_to_the_planned_schema() {
        let be_schema = Arc::new(Schema::new(vec![
            Field::new("k", DataType::Int32, true),
            Field::new("v", DataType::Utf8, true),
        ]));
        let b = RecordBatch::try_new(
            be_schema,
            vec![
                Arc::new(Int32Array::from(vec![1, 2])),
                Arc::new(StringArray::from(vec!["a", "b"])),
            ],
        )
        .unwrap();
        let out = Arc::new(Schema::new(vec![
            Field::new("k", DataType::Int64, false),
            Field::new("v", DataType::Utf8, true),
        ]));
        let got = decode_ipc(&ipc(&b), &out).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].schema(), out);
        assert_eq!(got[0].num_rows(), 2);

        let empty = Arc::new(Schema::empty());
        let got = decode_ipc(&ipc(&b), &empty).unwrap();
        assert_eq!(got[0].num_rows(), 2);
        assert_eq!(got[0].num_columns(), 0);

        let wrong = Arc::new(Schema::new(vec![Field::new("k", DataType::Int32, true)]));
        assert!(decode_ipc(&ipc(&b), &wrong).is_err());
    }
}
