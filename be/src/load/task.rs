//! Routine load task lifecycle on the BE (StarRocks `be/src/runtime/routine_load/
//! routine_load_task_executor.cpp`; spec routine-load.md §4.5, §5.2, §6.3).
//!
//! [`TaskExecutor::submit`] answers at once: OK for a task id it already knows (running or
//! recently finished: submit is idempotent), `TOO_MANY_TASKS` when `routine_load_thread_pool_size`
//! tasks run, else it starts the task. [`execute`] runs one task on blocking threads (consumers,
//! then decode -> transform -> sink per chunk) and returns the `ReportTaskRequest`, which the
//! executor sends to the FE's `FrontendService.ReportTask` (retried; the FE decides the
//! transaction's fate). A failure travels as the report's status with StarRocks's text.

use crate::config::BeConfig;
use crate::load::consumer::{self, ConsumeSpec, PartitionState};
use crate::load::decode::avro::AvroDecoder;
use crate::load::decode::csv::{parse_separator, CsvDecoder, CsvOptions};
use crate::load::decode::include_metadata;
use crate::load::decode::json::{parse_jsonpaths, JsonDecoder, JsonOptions, JsonPath};
use crate::load::decode::{Decoder, MessageChunk, RowOrigin};
use crate::load::error::LoadError;
use crate::load::error_rows::{self, ErrorRows};
use crate::load::sink::{CreateFailure, PartitionCreator, TabletSink, Unrouted};
use crate::load::transform::LoadPlan;
use crate::storage::{TabletStore, WriteOptions};
use arrow::record_batch::RecordBatch;
use starload_proto::be::{DataFormat, SubmitRoutineLoadTaskRequest};
use starload_proto::fe::frontend_service_client::FrontendServiceClient;
use starload_proto::fe::{
    CreatePartitionsRequest, PartitionProgress, PartitionValueTexts, ReportTaskRequest,
};
use starload_proto::types::{FailureReason, PartitionRoute, Status, StatusCode, TabletLocation};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many finished task ids are remembered for idempotent submits.
const FINISHED_MEMORY: usize = 4096;

struct Tasks {
    running: HashMap<String, Arc<AtomicBool>>,
    finished: VecDeque<String>,
}

/// Runs routine load tasks on this BE.
pub struct TaskExecutor {
    config: BeConfig,
    store: Arc<TabletStore>,
    tasks: Mutex<Tasks>,
    rt: tokio::runtime::Handle,
    /// Weak self-reference so the `&self` trait methods can spawn tasks holding an Arc.
    me: std::sync::OnceLock<std::sync::Weak<TaskExecutor>>,
}

impl TaskExecutor {
    /// An executor writing into `store`; must be created inside a tokio runtime.
    pub fn new(config: BeConfig, store: Arc<TabletStore>, rt: tokio::runtime::Handle) -> Arc<Self> {
        let this = Arc::new(Self {
            config,
            store,
            tasks: Mutex::new(Tasks {
                running: HashMap::new(),
                finished: VecDeque::new(),
            }),
            rt,
            me: std::sync::OnceLock::new(),
        });
        let _ = this.me.set(Arc::downgrade(&this));
        this
    }

    /// Number of running tasks (heartbeat `running_tasks`).
    pub fn running(&self) -> usize {
        self.tasks.lock().map(|t| t.running.len()).unwrap_or(0)
    }

    /// Starts a task; see the module doc for the answers.
    pub fn submit(self: &Arc<Self>, req: SubmitRoutineLoadTaskRequest) -> Status {
        // A task without an id, a source or a schema cannot be run or reported: refuse it up
        // front instead of failing later inside the task.
        if req.task_id.is_empty()
            || req.kafka.is_none()
            || req.schema.is_none()
            || req.load.is_none()
        {
            return Status::err(
                StatusCode::InvalidArgument,
                "invalid routine load task: task_id, kafka, schema and load are required",
            );
        }
        let cancel = {
            let Ok(mut t) = self.tasks.lock() else {
                return Status::err(StatusCode::InternalError, "task table poisoned");
            };
            if t.running.contains_key(&req.task_id) || t.finished.contains(&req.task_id) {
                return Status::ok();
            }
            let limit = self.config.routine_load_thread_pool_size.max(1) as usize;
            if t.running.len() >= limit {
                return Status::failure(
                    StatusCode::TooManyTasks,
                    FailureReason::BeOverloaded,
                    format!(
                        "current running tasks: {}, limit: {}",
                        t.running.len(),
                        limit
                    ),
                );
            }
            let cancel = Arc::new(AtomicBool::new(false));
            t.running.insert(req.task_id.clone(), cancel.clone());
            cancel
        };
        let this = self.clone();
        self.rt.spawn(async move {
            let task_id = req.task_id.clone();
            let fe = (req.fe_host.clone(), req.fe_rpc_port);
            let ctx = this.clone();
            let report = tokio::task::spawn_blocking(move || {
                execute(&ctx.config, &ctx.store, &ctx.rt, &req, cancel)
            })
            .await
            .unwrap_or_else(|_| ReportTaskRequest {
                task_id: task_id.clone(),
                status: Some(LoadError::TaskPanicked.to_status()),
                ..Default::default()
            });
            send_report(&fe.0, fe.1, report).await;
            if let Ok(mut t) = this.tasks.lock() {
                t.running.remove(&task_id);
                t.finished.push_back(task_id);
                while t.finished.len() > FINISHED_MEMORY {
                    t.finished.pop_front();
                }
            }
        });
        Status::ok()
    }

    /// Cancels a running task (its report then carries `Cancelled`). Unknown ids are OK.
    pub fn cancel(&self, task_id: &str) -> Status {
        if let Ok(t) = self.tasks.lock() {
            if let Some(c) = t.running.get(task_id) {
                c.store(true, Ordering::Relaxed);
            }
        }
        Status::ok()
    }
}

impl crate::context::RoutineLoadTasks for TaskExecutor {
    fn submit(&self, req: SubmitRoutineLoadTaskRequest) -> Status {
        // The trait takes &self; the executor lives in an Arc held by the context.
        match self.me.get().and_then(|w| w.upgrade()) {
            Some(me) => TaskExecutor::submit(&me, req),
            None => Status::err(StatusCode::InternalError, "task executor is shutting down"),
        }
    }

    fn cancel(&self, task_id: &str) -> Status {
        TaskExecutor::cancel(self, task_id)
    }

    fn running_tasks(&self) -> u32 {
        self.running() as u32
    }
}

/// Asks the FE that submitted the task to create partitions (`CreatePartitions`), for
/// expression-partitioned tables.
pub struct FePartitionCreator {
    fe: String,
    cluster_token: String,
    db_id: i64,
    table_id: i64,
    txn_id: i64,
    rt: tokio::runtime::Handle,
}

impl FePartitionCreator {
    /// A creator asking the FE at `fe` (`http://host:port`) for table `table_id` in txn `txn_id`.
    pub fn new(
        fe: String,
        cluster_token: String,
        db_id: i64,
        table_id: i64,
        txn_id: i64,
        rt: tokio::runtime::Handle,
    ) -> Self {
        Self {
            fe,
            cluster_token,
            db_id,
            table_id,
            txn_id,
            rt,
        }
    }
}

impl PartitionCreator for FePartitionCreator {
    fn create(
        &mut self,
        rows: Vec<Vec<Option<String>>>,
    ) -> Result<(Vec<PartitionRoute>, Vec<TabletLocation>), CreateFailure> {
        let req = CreatePartitionsRequest {
            cluster_token: self.cluster_token.clone(),
            db_id: self.db_id,
            table_id: self.table_id,
            txn_id: self.txn_id,
            rows: rows
                .into_iter()
                .map(|r| PartitionValueTexts {
                    is_null: r.iter().map(Option::is_none).collect(),
                    values: r.into_iter().map(Option::unwrap_or_default).collect(),
                })
                .collect(),
        };
        let fe = self.fe.clone();
        let call = async move {
            let mut c = FrontendServiceClient::connect(fe)
                .await
                .map_err(|e| e.to_string())?;
            c.create_partitions(req)
                .await
                .map(|r| r.into_inner())
                .map_err(|e| e.message().to_string())
        };
        let resp = self
            .rt
            .block_on(async { tokio::time::timeout(Duration::from_secs(60), call).await })
            .map_err(|_| CreateFailure::Unreachable("timed out".into()))?
            .map_err(CreateFailure::Unreachable)?;
        match resp.status {
            Some(s) if s.code() == StatusCode::InvalidArgument => {
                Err(CreateFailure::Refused(s.message))
            }
            Some(s) if !s.is_ok() => Err(CreateFailure::Unreachable(s.message)),
            _ => Ok((resp.partitions, resp.tablets)),
        }
    }
}

/// Sends a report to the FE, retrying a few times (the FE aborts the transaction at its
/// timeout if the report never arrives).
pub async fn send_report(host: &str, port: u32, report: ReportTaskRequest) {
    let url = format!("http://{host}:{port}");
    let mut delay = Duration::from_millis(200);
    for attempt in 0..6 {
        let res = async {
            let mut c = FrontendServiceClient::connect(url.clone())
                .await
                .map_err(|e| e.to_string())?;
            c.report_task(report.clone())
                .await
                .map_err(|e| e.message().to_string())
        };
        match tokio::time::timeout(Duration::from_secs(30), res).await {
            Ok(Ok(_)) => return,
            Ok(Err(e)) => tracing::warn!(
                task = report.task_id.as_str(),
                attempt,
                error = e.as_str(),
                "Report to FE failed."
            ),
            Err(_) => tracing::warn!(
                task = report.task_id.as_str(),
                attempt,
                "Report to FE timed out."
            ),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// The decoder a task's load spec asks for.
pub fn make_decoder(
    req: &SubmitRoutineLoadTaskRequest,
    plan: &LoadPlan,
) -> Result<Box<dyn Decoder>, LoadError> {
    // INCLUDE METADATA: the aliases lead the source names; the payload decoder reads the rest.
    let meta = req
        .load
        .as_ref()
        .map(|l| l.include_metadata.as_slice())
        .unwrap_or(&[]);
    let names = include_metadata::payload_names(plan.source_names(), meta);
    let topic = req.kafka.as_ref().map(|k| k.topic.as_str()).unwrap_or("");
    include_metadata::wrap(payload_decoder(req, names)?, meta, topic)
}

/// The decoder of the message payloads for source `names`.
fn payload_decoder(
    req: &SubmitRoutineLoadTaskRequest,
    names: Vec<String>,
) -> Result<Box<dyn Decoder>, LoadError> {
    let load = req.load.clone().unwrap_or_default();
    match DataFormat::try_from(load.format).unwrap_or(DataFormat::Csv) {
        DataFormat::Json => {
            let jsonpaths = if load.jsonpaths.trim().is_empty() {
                Vec::new()
            } else {
                parse_jsonpaths(&load.jsonpaths)?
            };
            let json_root = if load.json_root.trim().is_empty() {
                None
            } else {
                Some(
                    JsonPath::parse(&load.json_root)
                        .ok_or_else(|| LoadError::InvalidJsonRoot(load.json_root.clone()))?,
                )
            };
            Ok(Box::new(JsonDecoder::new(
                names,
                JsonOptions {
                    jsonpaths,
                    json_root,
                    strip_outer_array: load.strip_outer_array,
                },
            )))
        }
        DataFormat::Avro => {
            let url = req
                .kafka
                .as_ref()
                .map(|k| k.confluent_schema_registry_url.clone())
                .unwrap_or_default();
            if url.is_empty() {
                return Err(LoadError::NoSchemaRegistryUrl);
            }
            let jsonpaths = if load.jsonpaths.trim().is_empty() {
                Vec::new()
            } else {
                parse_jsonpaths(&load.jsonpaths)?
            };
            Ok(Box::new(AvroDecoder::new(
                names,
                JsonOptions {
                    jsonpaths,
                    json_root: None,
                    strip_outer_array: load.strip_outer_array,
                },
                url,
                Duration::from_secs(10),
            )))
        }
        DataFormat::Csv | DataFormat::Unspecified => {
            let opts = CsvOptions {
                column_separator: parse_separator(&load.column_separator, b"\t"),
                row_delimiter: parse_separator(&load.row_delimiter, b"\n"),
                enclose: (load.enclose != 0).then_some(load.enclose as u8),
                escape: (load.escape != 0).then_some(load.escape as u8),
                trim_space: load.trim_space,
            };
            Ok(Box::new(CsvDecoder::new(opts, names.len())))
        }
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The task's COLUMNS / WHERE / conversion plan (also PREVIEW's, `load/preview.rs`).
pub fn load_plan(req: &SubmitRoutineLoadTaskRequest) -> Result<LoadPlan, LoadError> {
    let load = req.load.clone().unwrap_or_default();
    let schema = req.schema.clone().ok_or(LoadError::NoSchema)?;
    LoadPlan::with_partial_update(
        &schema,
        &load.columns,
        &load.where_sql,
        load.strict_mode,
        &load.timezone,
        now_secs(),
        load.partial_update,
    )
}

/// What the task's consumers read: its Kafka source, begin (and end) offsets, the user's
/// librdkafka properties; a group id of its own when the job has none.
pub fn consume_spec(config: &BeConfig, req: &SubmitRoutineLoadTaskRequest) -> ConsumeSpec {
    let backend = req.backend.clone().unwrap_or_default();
    let kafka = req.kafka.clone().unwrap_or_default();
    let mut begin: Vec<(i32, i64)> = kafka
        .partition_begin_offset
        .iter()
        .map(|(p, o)| (*p, *o))
        .collect();
    begin.sort();
    let mut properties = kafka.properties.clone();
    let group_id = properties
        .remove("group.id")
        .unwrap_or_else(|| format!("{}_{}", backend.host, uuid::Uuid::new_v4()));
    properties.remove("kafka_default_offsets");
    ConsumeSpec {
        brokers: kafka.brokers.clone(),
        topic: kafka.topic.clone(),
        begin_offsets: begin,
        properties,
        group_id,
        max_interval: Duration::from_secs(req.max_interval_s.max(1) as u64),
        max_bytes: req.max_batch_size_bytes.max(0) as u64,
        max_consumers: config.max_consumer_num_per_group.max(1) as usize,
        kafka_timeout: Duration::from_secs(config.routine_load_kafka_timeout_second.max(1) as u64),
        end_offsets: kafka.partition_end_offset.clone(),
    }
}

/// The parts of a task that do not touch Kafka: plan, decoder, sink, accounting. Used by
/// [`execute`] and by benchmarks and tests that feed in-memory messages.
pub struct LoadPipeline {
    pub plan: LoadPlan,
    pub decoder: Box<dyn Decoder>,
    pub sink: TabletSink,
    pub errors: ErrorRows,
    pub received_bytes: u64,
}

impl LoadPipeline {
    /// Plans the task's load spec and opens its sink.
    pub fn new(
        req: &SubmitRoutineLoadTaskRequest,
        local_backend_id: i64,
        store: Arc<TabletStore>,
        rt: tokio::runtime::Handle,
        cluster_token: &str,
    ) -> Result<Self, LoadError> {
        let load = req.load.clone().unwrap_or_default();
        let schema = req.schema.clone().ok_or(LoadError::NoSchema)?;
        let plan = load_plan(req)?;
        let decoder = make_decoder(req, &plan)?;
        let opts = WriteOptions {
            partial_update_columns: if load.partial_update {
                let mut cols: Vec<String> = load
                    .columns
                    .iter()
                    .map(|c| c.name.clone())
                    .filter(|n| {
                        schema
                            .columns
                            .iter()
                            .any(|c| c.name.eq_ignore_ascii_case(n))
                    })
                    .collect();
                cols.dedup();
                cols
            } else {
                Vec::new()
            },
            merge_condition: (!load.merge_condition.is_empty())
                .then(|| load.merge_condition.clone()),
        };
        let creator: Option<Box<dyn PartitionCreator>> =
            req.partitions.as_ref().filter(|p| p.automatic).map(|_| {
                Box::new(FePartitionCreator {
                    fe: format!("http://{}:{}", req.fe_host, req.fe_rpc_port),
                    cluster_token: cluster_token.to_string(),
                    db_id: req.db_id,
                    table_id: req.table_id,
                    txn_id: req.txn_id,
                    rt: rt.clone(),
                }) as Box<dyn PartitionCreator>
            });
        let sink = TabletSink::new(
            req.txn_id,
            schema,
            &req.tablets,
            req.partitions.as_ref(),
            creator,
            local_backend_id,
            store,
            opts,
            cluster_token.to_string(),
            rt,
        )?;
        Ok(Self {
            plan,
            decoder,
            sink,
            errors: ErrorRows::for_load(&load),
            received_bytes: 0,
        })
    }

    /// Decodes, transforms and writes one chunk (one thread; [`execute`] runs the same two
    /// steps on two threads).
    pub fn process(&mut self, chunk: &MessageChunk) -> Result<(), LoadError> {
        let (batch, rows, origins) = self.prepare(chunk)?;
        for (reason, raw) in unrouted_rows(self.sink.write(&batch)?, &rows, &origins, chunk) {
            self.errors.reject(&reason, raw);
        }
        Ok(())
    }

    /// Decode and transform: the chunk's output batch, which source row each output row came
    /// from (`None`: the same row), and where each source row lies in the chunk.
    #[allow(clippy::type_complexity)]
    pub fn prepare(&mut self, chunk: &MessageChunk) -> Result<PreparedChunk, LoadError> {
        LoadPipelineStage {
            plan: &mut self.plan,
            decoder: &mut self.decoder,
            errors: &mut self.errors,
            received_bytes: &mut self.received_bytes,
        }
        .prepare(chunk)
    }
}

/// Rows no partition holds are error rows (StarRocks's text), with their raw message.
fn unrouted_rows<'a>(
    unrouted: Unrouted,
    rows: &'a Option<Vec<u32>>,
    origins: &'a [RowOrigin],
    chunk: &'a MessageChunk,
) -> impl Iterator<Item = (String, &'a [u8])> + 'a {
    unrouted.into_iter().map(move |(r, reason)| {
        let source_row = rows.as_ref().map(|v| v[r as usize]).unwrap_or(r) as usize;
        let o = origins[source_row];
        (reason, &chunk.data[o.start as usize..o.end as usize])
    })
}

/// A chunk decoded and transformed, on its way to the writer thread.
struct Prepared {
    chunk: MessageChunk,
    batch: RecordBatch,
    rows: Option<Vec<u32>>,
    origins: Vec<RowOrigin>,
}

/// Chunks prepared ahead of the writer: one in flight while the next decodes.
const PREPARED_AHEAD: usize = 1;

/// Runs the task's pipeline over every chunk the consumers send: the calling thread decodes
/// and transforms chunk n+1 while a writer thread routes and writes chunk n (RocksDB staging,
/// remote replicas), so fetch (consumer threads), decode and write overlap. Rows the writer
/// could not route come back as error rows once it ended. On a failure `cancel` stops the
/// consumers; the first error is returned.
fn run_pipeline(
    pipe: &mut LoadPipeline,
    rx: std::sync::mpsc::Receiver<MessageChunk>,
    cancel: &AtomicBool,
    rt: &tokio::runtime::Handle,
) -> Result<(), LoadError> {
    let LoadPipeline {
        plan,
        decoder,
        sink,
        errors,
        received_bytes,
    } = pipe;
    let mut stage = LoadPipelineStage {
        plan,
        decoder,
        errors,
        received_bytes,
    };
    let (wtx, wrx) = std::sync::mpsc::sync_channel::<Prepared>(PREPARED_AHEAD);
    std::thread::scope(|s| {
        let writer = std::thread::Builder::new()
            .name("rl-write".into())
            .spawn_scoped(s, move || {
                // Writes to remote replicas open gRPC clients: they need the runtime's
                // reactor, which a plain thread does not have.
                let _rt = rt.enter();
                // Rows copied out of their chunk keep their Kafka coordinates for the ledger.
                #[allow(clippy::type_complexity)]
                let mut rejected: Vec<(
                    String,
                    Vec<u8>,
                    Option<(i32, i64, i64, u32)>,
                )> = Vec::new();
                for p in wrx.iter() {
                    let unrouted = sink.write(&p.batch)?;
                    rejected.extend(unrouted_rows(unrouted, &p.rows, &p.origins, &p.chunk).map(
                        |(reason, raw)| {
                            let at = error_rows::locate(&p.chunk.data, p.chunk.coordinates(), raw);
                            (reason, raw.to_vec(), at)
                        },
                    ));
                }
                Ok::<_, LoadError>(rejected)
            })
            .map_err(LoadError::StartTask)?;
        let mut first_err = None;
        for chunk in rx.iter() {
            match stage.prepare(&chunk) {
                Ok((batch, rows, origins)) => {
                    let p = Prepared {
                        chunk,
                        batch,
                        rows,
                        origins,
                    };
                    // A closed channel: the writer failed; its error is taken below.
                    if wtx.send(p).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    first_err = Some(e);
                    break;
                }
            }
        }
        drop(wtx);
        let written = writer.join().unwrap_or(Err(LoadError::TaskPanicked));
        let result = match (first_err, written) {
            (Some(e), _) | (None, Err(e)) => Err(e),
            (None, Ok(rejected)) => {
                for (reason, raw, at) in rejected {
                    stage.errors.reject_located(&reason, &raw, at);
                }
                Ok(())
            }
        };
        if result.is_err() {
            cancel.store(true, Ordering::Relaxed);
        }
        result
    })
}

/// The decode-and-transform half of a [`LoadPipeline`] (the writer thread holds the sink).
struct LoadPipelineStage<'a> {
    plan: &'a mut LoadPlan,
    decoder: &'a mut Box<dyn Decoder>,
    errors: &'a mut ErrorRows,
    received_bytes: &'a mut u64,
}

/// A chunk after decode and transform: the rows to write, the selection of kept rows (None =
/// all), and where each row came from.
type PreparedChunk = (RecordBatch, Option<Vec<u32>>, Vec<RowOrigin>);

impl LoadPipelineStage<'_> {
    fn prepare(&mut self, chunk: &MessageChunk) -> Result<PreparedChunk, LoadError> {
        *self.received_bytes += chunk.bytes() as u64;
        let src = self.decoder.decode(chunk, self.errors)?;
        // A JSON message that does not parse aborts the task (spec §6.5): nothing of this task
        // is written, and the next task starts again at the same offsets.
        if self.decoder.fatal_parse_error_fails_task() {
            if let Some(reason) = self.errors.fatal_parse_error() {
                return Err(LoadError::FatalParseError(reason.to_string()));
            }
        }
        let (batch, rows) = self.plan.apply_traced(&src, chunk, self.errors)?;
        Ok((batch, rows, src.origins))
    }
}

impl LoadPipeline {
    /// Ends the transaction's writes (eos to every replica).
    pub fn finish(&mut self) -> Result<(), LoadError> {
        let empty = RecordBatch::new_empty(self.plan.output_schema());
        self.sink.close(&empty)
    }
}

/// Runs one task to its end and builds the report.
pub fn execute(
    config: &BeConfig,
    store: &Arc<TabletStore>,
    rt: &tokio::runtime::Handle,
    req: &SubmitRoutineLoadTaskRequest,
    cancel: Arc<AtomicBool>,
) -> ReportTaskRequest {
    let start = Instant::now();
    let backend = req.backend.clone().unwrap_or_default();
    let mut report = ReportTaskRequest {
        cluster_token: req.cluster_token.clone(),
        task_id: req.task_id.clone(),
        job_id: req.job_id,
        txn_id: req.txn_id,
        label: req.label.clone(),
        backend_id: backend.backend_id,
        status: Some(Status::ok()),
        ..Default::default()
    };
    let span = tracing::info_span!(
        "routine_load_task",
        job = req.job_name.as_str(),
        task = req.task_id.as_str(),
        txn = req.txn_id
    );
    let _g = span.enter();
    let fail = |mut report: ReportTaskRequest, e: LoadError, start: Instant| {
        let status = e.to_status();
        tracing::warn!(
            reason = status.message.as_str(),
            class = status.reason().as_str_name(),
            "Task failed."
        );
        report.status = Some(status);
        report.load_cost_ms = start.elapsed().as_millis() as i64;
        report
    };
    let mut pipe = match LoadPipeline::new(
        req,
        backend.backend_id,
        store.clone(),
        rt.clone(),
        &config.cluster_token,
    ) {
        Ok(p) => p,
        Err(e) => return fail(report, e, start),
    };
    // Rejected rows with their coordinates for the ledger (0 bytes = ledger off).
    pipe.errors
        .collect_for_ledger(config.rejected_ledger_max_bytes_per_job);
    let spec = consume_spec(config, req);
    let (tx, rx) = std::sync::mpsc::sync_channel::<MessageChunk>(2);
    let consume_cancel = cancel.clone();
    let consumers = std::thread::Builder::new()
        .name("rl-consume".into())
        .spawn(move || consumer::consume(&spec, consume_cancel, tx));
    let consumers = match consumers {
        Ok(h) => h,
        Err(e) => return fail(report, LoadError::StartTask(e), start),
    };
    let pipe_err = run_pipeline(&mut pipe, rx, &cancel, rt).err();
    let consumed = consumers
        .join()
        .unwrap_or_else(|_| Err(LoadError::ConsumerPanicked));
    if let Some(e) = pipe_err {
        pipe.sink.abort_local();
        return fail(report, e, start);
    }
    let states: Vec<PartitionState> = match consumed {
        Ok(s) => s,
        Err(e) => {
            pipe.sink.abort_local();
            return fail(report, e, start);
        }
    };
    report.progress = states
        .iter()
        .map(|s| PartitionProgress {
            partition: s.partition,
            begin_offset: s.begin_offset,
            last_offset: s.last_offset,
            last_timestamp_ms: s.last_timestamp_ms,
            high_watermark: s.high_watermark,
        })
        .collect();
    // Nothing consumed at all: StarRocks cancels the pipe (progress unchanged, task renewed).
    if states.iter().all(|s| s.last_offset < 0) {
        pipe.sink.abort_local();
        return fail(report, LoadError::Cancelled, start);
    }
    let load = req.load.clone().unwrap_or_default();
    fill_counters(&mut report, &pipe);
    write_error_log(config, &backend, req, &pipe.errors, &mut report);
    if load.pause_on_fatal_parse_error {
        if let Some(reason) = pipe.errors.fatal_parse_error() {
            pipe.sink.abort_local();
            let e = LoadError::FatalParseError(reason.to_string());
            return fail(report, e, start);
        }
    }
    if pipe.errors.exceeds_filter_ratio(load.max_filter_ratio) {
        pipe.sink.abort_local();
        return fail(report, LoadError::TooManyFilteredRows, start);
    }
    if let Err(e) = pipe.finish() {
        pipe.sink.abort_local();
        return fail(report, e, start);
    }
    // Staged (fsynced) before the report; committed or dropped with the txn.
    crate::load::rejected_ledger::stage_task(config, req, &mut pipe.errors);
    report.tablet_commit_infos = pipe.sink.commit_infos();
    report.load_cost_ms = start.elapsed().as_millis().max(1) as i64;
    crate::telemetry::LoadTaskFinished {
        job: &req.job_name,
        loaded: report.loaded_rows,
        filtered: report.filtered_rows,
        unselected: report.unselected_rows,
        received_bytes: report.received_bytes,
        cost_ms: report.load_cost_ms,
    }
    .emit();
    report
}

fn fill_counters(report: &mut ReportTaskRequest, pipe: &LoadPipeline) {
    let e = &pipe.errors;
    report.total_rows = e.total as i64;
    report.loaded_rows = e.loaded() as i64;
    report.filtered_rows = e.filtered as i64;
    report.unselected_rows = e.unselected as i64;
    report.received_bytes = pipe.received_bytes as i64;
    report.loaded_bytes = pipe.received_bytes as i64;
}

/// The URL this BE serves error-log file `file` at, as the FE knows the BE (its host and
/// http port; this BE's own config when the FE sent none).
pub fn error_log_url_on(
    config: &BeConfig,
    backend: &starload_proto::types::BackendAddr,
    file: &str,
) -> String {
    let host = if backend.host.is_empty() {
        "127.0.0.1"
    } else {
        backend.host.as_str()
    };
    let port = if backend.http_port == 0 {
        config.be_http_port as u32
    } else {
        backend.http_port
    };
    error_rows::error_log_url(host, port, file)
}

fn write_error_log(
    config: &BeConfig,
    backend: &starload_proto::types::BackendAddr,
    req: &SubmitRoutineLoadTaskRequest,
    errors: &ErrorRows,
    report: &mut ReportTaskRequest,
) {
    let file = error_rows::error_log_file_name(&req.task_id);
    // The directory the BE HTTP server serves `/api/_load_error_log` from.
    let dir = config.error_log_dir();
    let rejected = error_rows::rejected_record_file_name(&req.task_id);
    if let Err(e) = errors.write_rejected(&dir, &rejected) {
        tracing::warn!(error = %e, "Failed to write the rejected records.");
    }
    match errors.write_log(&dir, &file) {
        Ok(Some(f)) => report.error_log_url = error_log_url_on(config, backend, &f),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "Failed to write the error log."),
    }
}
