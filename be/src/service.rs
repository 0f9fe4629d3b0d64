//! tonic implementation of BackendService, served on `be_port` and `heartbeat_service_port`:
//! checks `cluster_token`, translates proto to storage/load calls (blocking storage work runs
//! on the blocking pool), and turns every error into a status field (never a tonic::Status).

pub mod clone;
pub mod ipc;
pub mod recovery;

use crate::context::{BeContext, FeAddr};
use crate::error::BeError;
use crate::storage::{ScanRequest, WriteOptions};
use starload_proto::be::backend_service_server::{BackendService, BackendServiceServer};
use starload_proto::be::*;
use starload_proto::types::{Status, StatusCode};
use std::sync::Arc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response};

/// Largest gRPC message accepted (WriteTabletBatch carries whole batches).
pub const MAX_MESSAGE_BYTES: usize = 1 << 30;

/// The BackendService.
#[derive(Clone)]
pub struct BeService {
    ctx: Arc<BeContext>,
}

type RpcResult<T> = Result<Response<T>, tonic::Status>;

fn status_of(r: Result<(), BeError>) -> Status {
    match r {
        Ok(()) => Status::ok(),
        Err(e) => e.to_status(),
    }
}

fn unauthenticated() -> Status {
    BeError::Unauthenticated.to_status()
}

impl BeService {
    /// A service over `ctx`.
    pub fn new(ctx: Arc<BeContext>) -> Self {
        Self { ctx }
    }

    /// The tonic server for this service.
    pub fn into_server(self) -> BackendServiceServer<Self> {
        BackendServiceServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&BeContext) -> Result<T, BeError> + Send + 'static,
    ) -> Result<T, BeError> {
        let ctx = self.ctx.clone();
        tokio::task::spawn_blocking(move || f(&ctx))
            .await
            .map_err(|e| BeError::Other(format!("storage task failed: {e}")))?
    }
}

#[tonic::async_trait]
impl BackendService for BeService {
    async fn load_rows(&self, req: Request<LoadRowsRequest>) -> RpcResult<LoadRowsResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(LoadRowsResponse {
                status: Some(unauthenticated()),
                ..Default::default()
            }));
        }
        let ctx = self.ctx.clone();
        let rt = tokio::runtime::Handle::current();
        // The sink blocks on replica RPCs (its own runtime handle): a blocking thread.
        let resp = tokio::task::spawn_blocking(move || {
            crate::load::insert::load_rows(&ctx.config, &ctx.store, &rt, &req)
        })
        .await
        .map_err(|e| tonic::Status::internal(e.to_string()))?;
        Ok(Response::new(resp))
    }

    async fn get_configs(&self, req: Request<GetConfigsRequest>) -> RpcResult<GetConfigsResponse> {
        if !self.ctx.token_ok(&req.into_inner().cluster_token) {
            return Ok(Response::new(GetConfigsResponse {
                status: Some(unauthenticated()),
                ..Default::default()
            }));
        }
        let entries = self
            .ctx
            .config
            .entries()
            .into_iter()
            .map(|e| ConfigEntry {
                name: e.name.to_string(),
                value: e.value,
                r#type: e.kind.to_string(),
                default_value: e.default_value,
                mutable: false,
            })
            .collect();
        Ok(Response::new(GetConfigsResponse {
            status: Some(Status::ok()),
            entries,
        }))
    }

    async fn preview_routine_load(
        &self,
        req: Request<PreviewRoutineLoadRequest>,
    ) -> RpcResult<PreviewRoutineLoadResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(PreviewRoutineLoadResponse {
                status: Some(unauthenticated()),
                ..Default::default()
            }));
        }
        let Some(task) = req.task.filter(|t| t.kafka.is_some() && t.schema.is_some()) else {
            return Ok(Response::new(PreviewRoutineLoadResponse {
                status: Some(Status::err(
                    StatusCode::InvalidArgument,
                    "invalid preview: kafka and schema are required",
                )),
                ..Default::default()
            }));
        };
        let config = self.ctx.config.clone();
        let limit = req.limit.max(1) as usize;
        let answered =
            tokio::task::spawn_blocking(move || crate::load::preview::run(&config, &task, limit))
                .await;
        Ok(Response::new(answered.unwrap_or_else(|e| {
            PreviewRoutineLoadResponse {
                status: Some(Status::err(StatusCode::InternalError, e.to_string())),
                ..Default::default()
            }
        })))
    }

    async fn list_rejected_rows(
        &self,
        req: Request<ListRejectedRowsRequest>,
    ) -> RpcResult<ListRejectedRowsResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(ListRejectedRowsResponse {
                status: Some(unauthenticated()),
                ..Default::default()
            }));
        }
        let config = self.ctx.config.clone();
        let listed = tokio::task::spawn_blocking(move || {
            match crate::load::rejected_ledger::of_config(&config)? {
                Some(l) => l.list(&req.job_ids, req.limit.max(0) as usize),
                None => Ok(Vec::new()),
            }
        })
        .await;
        Ok(Response::new(match listed {
            Ok(Ok(rows)) => ListRejectedRowsResponse {
                status: Some(Status::ok()),
                rows,
            },
            Ok(Err(e)) => ListRejectedRowsResponse {
                status: Some(Status::err(StatusCode::InternalError, e.to_string())),
                rows: Vec::new(),
            },
            Err(e) => ListRejectedRowsResponse {
                status: Some(Status::err(StatusCode::InternalError, e.to_string())),
                rows: Vec::new(),
            },
        }))
    }

    async fn replay_rejected_rows(
        &self,
        req: Request<ReplayRejectedRowsRequest>,
    ) -> RpcResult<ReplayRejectedRowsResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(ReplayRejectedRowsResponse {
                status: Some(unauthenticated()),
                ..Default::default()
            }));
        }
        let ctx = self.ctx.clone();
        let rt = tokio::runtime::Handle::current();
        let answered = tokio::task::spawn_blocking(move || {
            crate::load::replay::run(&ctx.config, &ctx.store, &rt, &req)
        })
        .await;
        Ok(Response::new(answered.unwrap_or_else(|e| {
            ReplayRejectedRowsResponse {
                status: Some(Status::err(StatusCode::InternalError, e.to_string())),
                ..Default::default()
            }
        })))
    }

    async fn mark_rejected_rows_replayed(
        &self,
        req: Request<MarkRejectedRowsReplayedRequest>,
    ) -> RpcResult<MarkRejectedRowsReplayedResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(MarkRejectedRowsReplayedResponse {
                status: Some(unauthenticated()),
            }));
        }
        let config = self.ctx.config.clone();
        let marked = tokio::task::spawn_blocking(move || {
            match crate::load::rejected_ledger::of_config(&config)? {
                Some(l) => l.mark_replayed(&req),
                None => Err(BeError::Other("the rejected-row ledger is off".into())),
            }
        })
        .await
        .unwrap_or_else(|e| Err(BeError::Other(e.to_string())));
        Ok(Response::new(MarkRejectedRowsReplayedResponse {
            status: Some(match marked {
                Ok(()) => Status::ok(),
                Err(e) => Status::err(StatusCode::InvalidArgument, e.to_string()),
            }),
        }))
    }

    async fn get_load_error_log(
        &self,
        req: Request<GetLoadErrorLogRequest>,
    ) -> RpcResult<GetLoadErrorLogResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(GetLoadErrorLogResponse {
                status: Some(unauthenticated()),
                ..Default::default()
            }));
        }
        // The same files, and the same refusals, as GET /api/_load_error_log.
        let Some(path) =
            crate::load::error_rows::resolve_error_log(&self.ctx.error_log_dir, &req.file)
        else {
            return Ok(Response::new(GetLoadErrorLogResponse {
                status: Some(Status::err(
                    StatusCode::InvalidArgument,
                    format!("invalid file: {}", req.file),
                )),
                ..Default::default()
            }));
        };
        let (status, content) = match tokio::fs::read(&path).await {
            Ok(bytes) => (Status::ok(), String::from_utf8_lossy(&bytes).into_owned()),
            Err(_) => (
                Status::err(
                    StatusCode::NotFound,
                    format!("file not found: {}", req.file),
                ),
                String::new(),
            ),
        };
        Ok(Response::new(GetLoadErrorLogResponse {
            status: Some(status),
            content,
        }))
    }

    async fn heartbeat(&self, req: Request<HeartbeatRequest>) -> RpcResult<HeartbeatResponse> {
        let req = req.into_inner();
        crate::telemetry::HeartbeatReceived {
            backend: req.backend_id,
        }
        .emit();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(HeartbeatResponse {
                status: Some(unauthenticated()),
                ..Default::default()
            }));
        }
        let fe = (!req.fe_host.is_empty() && req.fe_rpc_port != 0).then(|| FeAddr {
            host: req.fe_host.clone(),
            rpc_port: req.fe_rpc_port as u16,
        });
        self.ctx.learn_from_heartbeat(req.backend_id, fe);
        let c = &self.ctx.config;
        let dir = c.storage_dir();
        let (total, avail) = disk_space(&dir);
        Ok(Response::new(HeartbeatResponse {
            status: Some(Status::ok()),
            be_port: c.be_port as u32,
            http_port: c.be_http_port as u32,
            heartbeat_port: c.heartbeat_service_port as u32,
            version: env!("CARGO_PKG_VERSION").to_string(),
            start_time_ms: self.ctx.start_time_ms,
            cpu_cores: std::thread::available_parallelism()
                .map(|n| n.get() as u32)
                .unwrap_or(1),
            mem_limit_bytes: mem_total_bytes(),
            disk_total_bytes: total,
            disk_avail_bytes: avail,
            data_used_bytes: self.ctx.store.data_size() as i64,
            tablet_num: self.ctx.store.tablet_count() as u32,
            // Proof of the token for an FE that has one (starload_proto::token).
            token_proof: if c.cluster_token.is_empty() {
                Vec::new()
            } else {
                starload_proto::token::proof(&c.cluster_token, &req.nonce)
            },
            running_tasks: self
                .ctx
                .routine_load
                .get()
                .map(|r| r.running_tasks())
                .unwrap_or(0),
            tablet_versions: self
                .ctx
                .store
                .tablet_versions()
                .into_iter()
                .map(|v| TabletVersion {
                    tablet_id: v.tablet_id,
                    version: v.visible_version,
                })
                .collect(),
        }))
    }

    async fn create_tablet(
        &self,
        req: Request<CreateTabletRequest>,
    ) -> RpcResult<CreateTabletResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(CreateTabletResponse {
                status: Some(unauthenticated()),
            }));
        }
        let id = req.tablet_id;
        let r = self
            .blocking(move |ctx| {
                let schema = req.schema.ok_or_else(|| {
                    BeError::InvalidArgument("CreateTablet without a schema".into())
                })?;
                ctx.store
                    .create_tablet(req.tablet_id, req.table_id, req.partition_id, schema)
            })
            .await;
        if r.is_ok() {
            tracing::info!(tablet = id, "Tablet created.");
        }
        Ok(Response::new(CreateTabletResponse {
            status: Some(status_of(r)),
        }))
    }

    async fn drop_tablet(&self, req: Request<DropTabletRequest>) -> RpcResult<DropTabletResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(DropTabletResponse {
                status: Some(unauthenticated()),
            }));
        }
        let id = req.tablet_id;
        let r = self.blocking(move |ctx| ctx.store.drop_tablet(id)).await;
        if r.is_ok() {
            tracing::info!(tablet = id, "Tablet dropped.");
        }
        Ok(Response::new(DropTabletResponse {
            status: Some(status_of(r)),
        }))
    }

    async fn submit_routine_load_task(
        &self,
        req: Request<SubmitRoutineLoadTaskRequest>,
    ) -> RpcResult<SubmitRoutineLoadTaskResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(SubmitRoutineLoadTaskResponse {
                status: Some(unauthenticated()),
            }));
        }
        let status = match self.ctx.routine_load.get() {
            Some(exec) => exec.submit(req),
            None => Status::err(
                StatusCode::InternalError,
                "routine load is not available on this backend (no task executor installed)",
            ),
        };
        Ok(Response::new(SubmitRoutineLoadTaskResponse {
            status: Some(status),
        }))
    }

    async fn cancel_routine_load_task(
        &self,
        req: Request<CancelRoutineLoadTaskRequest>,
    ) -> RpcResult<CancelRoutineLoadTaskResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(CancelRoutineLoadTaskResponse {
                status: Some(unauthenticated()),
            }));
        }
        let status = match self.ctx.routine_load.get() {
            Some(exec) => exec.cancel(&req.task_id),
            None => Status::err(
                StatusCode::InternalError,
                "routine load is not available on this backend (no task executor installed)",
            ),
        };
        Ok(Response::new(CancelRoutineLoadTaskResponse {
            status: Some(status),
        }))
    }

    async fn write_tablet_batch(
        &self,
        req: Request<WriteTabletBatchRequest>,
    ) -> RpcResult<WriteTabletBatchResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(WriteTabletBatchResponse {
                status: Some(unauthenticated()),
                rows_written: 0,
            }));
        }
        let r = self
            .blocking(move |ctx| {
                let opts = WriteOptions {
                    partial_update_columns: req.partial_update_columns,
                    merge_condition: (!req.merge_condition.is_empty())
                        .then_some(req.merge_condition),
                };
                let mut rows = 0;
                for b in ipc::decode(&req.arrow_ipc)? {
                    rows += ctx
                        .store
                        .write_batch(req.txn_id, req.tablet_id, &b, &opts)?;
                }
                if req.eos {
                    ctx.store.sync()?;
                }
                Ok(rows)
            })
            .await;
        Ok(Response::new(match r {
            Ok(rows) => WriteTabletBatchResponse {
                status: Some(Status::ok()),
                rows_written: rows as i64,
            },
            Err(e) => WriteTabletBatchResponse {
                status: Some(e.to_status()),
                rows_written: 0,
            },
        }))
    }

    async fn publish_version(
        &self,
        req: Request<PublishVersionRequest>,
    ) -> RpcResult<PublishVersionResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(PublishVersionResponse {
                status: Some(unauthenticated()),
                error_tablet_ids: vec![],
            }));
        }
        let txn = req.txn_id;
        let r = self
            .blocking(move |ctx| {
                let mut first_err: Option<BeError> = None;
                let mut failed = Vec::new();
                let items: Vec<(i64, i64)> =
                    req.tablets.iter().map(|tv| (tv.tablet_id, tv.version)).collect();
                let results = ctx.store.publish_many(txn, &items);
                for (tv, r) in req.tablets.iter().zip(results) {
                    if let Err(e) = r {
                        tracing::warn!(txn, tablet = tv.tablet_id, version = tv.version, error = %e, "Publish failed.");
                        failed.push(tv.tablet_id);
                        first_err.get_or_insert(e);
                    }
                }
                Ok((first_err, failed))
            })
            .await;
        Ok(Response::new(match r {
            Ok((None, _)) => PublishVersionResponse {
                status: Some(Status::ok()),
                error_tablet_ids: vec![],
            },
            Ok((Some(e), failed)) => PublishVersionResponse {
                status: Some(e.to_status()),
                error_tablet_ids: failed,
            },
            Err(e) => PublishVersionResponse {
                status: Some(e.to_status()),
                error_tablet_ids: vec![],
            },
        }))
    }

    async fn abort_txn(&self, req: Request<AbortTxnRequest>) -> RpcResult<AbortTxnResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(AbortTxnResponse {
                status: Some(unauthenticated()),
            }));
        }
        let r = self
            .blocking(move |ctx| {
                // No tablets named: every tablet that staged rows for the txn.
                let tablets = if req.tablet_ids.is_empty() {
                    ctx.store
                        .staged_txns()
                        .remove(&req.txn_id)
                        .unwrap_or_default()
                } else {
                    req.tablet_ids
                };
                for t in tablets {
                    match ctx.store.abort(req.txn_id, t) {
                        Ok(()) | Err(BeError::TabletNotFound(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(())
            })
            .await;
        Ok(Response::new(AbortTxnResponse {
            status: Some(status_of(r)),
        }))
    }

    async fn truncate_tablet(
        &self,
        req: Request<TruncateTabletRequest>,
    ) -> RpcResult<TruncateTabletResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(TruncateTabletResponse {
                status: Some(unauthenticated()),
            }));
        }
        let r = self
            .blocking(move |ctx| ctx.store.truncate_tablet(req.tablet_id, req.version))
            .await;
        Ok(Response::new(TruncateTabletResponse {
            status: Some(status_of(r)),
        }))
    }

    async fn clone_tablet(
        &self,
        req: Request<CloneTabletRequest>,
    ) -> RpcResult<CloneTabletResponse> {
        let req = req.into_inner();
        if !self.ctx.token_ok(&req.cluster_token) {
            return Ok(Response::new(CloneTabletResponse {
                status: Some(unauthenticated()),
                ..Default::default()
            }));
        }
        let (tablet, version) = (req.tablet_id, req.version);
        Ok(Response::new(match clone::run(&self.ctx, req).await {
            Ok((rows, v)) => CloneTabletResponse {
                status: Some(Status::ok()),
                rows: rows as i64,
                version: v,
            },
            Err(e) => {
                tracing::warn!(tablet, version, error = %e, "Clone failed.");
                CloneTabletResponse {
                    status: Some(e.to_status()),
                    ..Default::default()
                }
            }
        }))
    }

    type ScanTabletsStream = ReceiverStream<Result<ScanTabletsResponse, tonic::Status>>;

    async fn scan_tablets(
        &self,
        req: Request<ScanTabletsRequest>,
    ) -> RpcResult<Self::ScanTabletsStream> {
        let req = req.into_inner();
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        if !self.ctx.token_ok(&req.cluster_token) {
            let _ = tx
                .send(Ok(ScanTabletsResponse {
                    status: Some(unauthenticated()),
                    arrow_ipc: vec![],
                }))
                .await;
            return Ok(Response::new(ReceiverStream::new(rx)));
        }
        let ctx = self.ctx.clone();
        tokio::task::spawn_blocking(move || {
            let mut remaining = if req.limit > 0 {
                req.limit as usize
            } else {
                usize::MAX
            };
            for &tablet in &req.tablet_ids {
                if remaining == 0 {
                    break;
                }
                let sreq = ScanRequest {
                    version: req.version,
                    columns: &req.columns,
                    predicates: &req.predicates,
                    limit: if remaining == usize::MAX {
                        0
                    } else {
                        remaining
                    },
                    batch_rows: crate::storage::SCAN_BATCH_ROWS,
                };
                let r = ctx.store.scan_with(tablet, &sreq, &mut |b| {
                    remaining = remaining.saturating_sub(b.num_rows());
                    let bytes = ipc::encode(&b)?;
                    crate::telemetry::ScanBatchSent { rows: b.num_rows() }.emit();
                    Ok(tx
                        .blocking_send(Ok(ScanTabletsResponse {
                            status: Some(Status::ok()),
                            arrow_ipc: bytes,
                        }))
                        .is_ok())
                });
                if let Err(e) = r {
                    let _ = tx.blocking_send(Ok(ScanTabletsResponse {
                        status: Some(e.to_status()),
                        arrow_ipc: vec![],
                    }));
                    return;
                }
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}

/// (total, available) bytes of the file system holding `dir`; zeros when unknown.
fn disk_space(dir: &std::path::Path) -> (i64, i64) {
    match rustix::fs::statvfs(dir) {
        Ok(s) => (
            (s.f_blocks * s.f_frsize) as i64,
            (s.f_bavail * s.f_frsize) as i64,
        ),
        Err(_) => (0, 0),
    }
}

/// Physical memory from /proc/meminfo (0 when unknown).
fn mem_total_bytes() -> i64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<i64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}
