//! FrontendService: the BE -> FE gRPC server (tonic). `ReportTask` hands a task's end to the
//! routine-load transaction callback (commit or abort, ARCHITECTURE.md step 4); `GetTxnState`
//! tells a restarted BE what became of the transactions it staged rows for (step 6);
//! `CreatePartitions` creates the partitions a load into an expression-partitioned table needs.
//! Every request must carry the configured `cluster_token` (STATUS_CODE_UNAUTHENTICATED
//! otherwise).

pub mod ha_service;

use crate::context::FeContext;
use crate::handler::partition_ddl::{self, CreatePartitionsError};
use crate::routine_load::txn_callback;
use crate::txn::TxnStatus;
use starload_proto::fe::frontend_service_server::{FrontendService, FrontendServiceServer};
use starload_proto::fe::{
    CreatePartitionsRequest, CreatePartitionsResponse, GetTxnStateRequest, GetTxnStateResponse,
    ReportTaskRequest, ReportTaskResponse, TxnState, TxnStateEntry,
};
use starload_proto::types::{Status, StatusCode};
use std::net::SocketAddr;
use std::sync::Arc;

/// The service implementation.
pub struct FrontendRpc {
    ctx: Arc<FeContext>,
}

impl FrontendRpc {
    pub fn new(ctx: Arc<FeContext>) -> Self {
        Self { ctx }
    }

    fn token_ok(&self, token: &str) -> bool {
        let want = self.ctx.config.get().cluster_token.clone();
        want.is_empty() || want == token
    }
}

fn unauthenticated() -> Status {
    Status::err(StatusCode::Unauthenticated, "cluster_token mismatch")
}

/// What a frontend that is not the active leader answers a BE: tasks, transactions and
/// partitions are decided by the leader only (a task of an earlier leader is aborted by the
/// new one, so nothing is lost by refusing its report here).
fn not_leader(ctx: &FeContext) -> Option<Status> {
    if ctx.meta.is_active_leader() {
        return None;
    }
    let leader = ctx
        .meta
        .raft()
        .and_then(|r| r.leader())
        .map(|(_, n)| n.addr())
        .unwrap_or_else(|| "unknown".into());
    Some(Status::err(
        StatusCode::NotFound,
        format!("this FE is not the leader (leader: {leader})"),
    ))
}

/// What GetTxnState answers for one transaction: its state and, once committed, the version
/// of every tablet of the partitions it wrote; asked by BE `backend_id` (> 0), only of the
/// tablets whose replica on that BE staged the rows.
pub fn txn_state_entry(ctx: &FeContext, txn_id: i64, backend_id: i64) -> TxnStateEntry {
    let Some(t) = ctx.txn.get(txn_id) else {
        return TxnStateEntry {
            txn_id,
            state: TxnState::Unknown as i32,
            tablet_versions: Default::default(),
            rows_consumed: false,
        };
    };
    let mut tablet_versions = std::collections::HashMap::new();
    if matches!(t.status, TxnStatus::COMMITTED | TxnStatus::VISIBLE) {
        if let Some(table) = ctx.catalog.get_table_by_id(t.table_id) {
            for (pid, v) in &t.partition_versions {
                if let Some(p) = table.partition(*pid) {
                    for tablet in &p.tablets {
                        if backend_id <= 0 || t.replica_staged(tablet.id, backend_id) {
                            tablet_versions.insert(tablet.id, *v);
                        }
                    }
                }
            }
        }
    }
    TxnStateEntry {
        txn_id,
        state: t.status.to_proto() as i32,
        tablet_versions,
        rows_consumed: t.status == TxnStatus::ABORTED
            && t.reason == crate::routine_load::txn_callback::EMPTY_LOAD_REASON,
    }
}

#[tonic::async_trait]
impl FrontendService for FrontendRpc {
    async fn report_task(
        &self,
        request: tonic::Request<ReportTaskRequest>,
    ) -> Result<tonic::Response<ReportTaskResponse>, tonic::Status> {
        let req = request.into_inner();
        if !self.token_ok(&req.cluster_token) {
            return Ok(tonic::Response::new(ReportTaskResponse {
                status: Some(unauthenticated()),
            }));
        }
        if let Some(st) = not_leader(&self.ctx) {
            return Ok(tonic::Response::new(ReportTaskResponse {
                status: Some(st),
            }));
        }
        let ctx = self.ctx.clone();
        // The decision does blocking RocksDB writes (fsync): keep it off the async workers.
        let load = ctx.routine_load_context();
        let decision = tokio::task::spawn_blocking(move || txn_callback::on_report(&load, &req))
            .await
            .map_err(|e| tonic::Status::internal(e.to_string()))?;
        tracing::debug!(decision = ?decision, "Task report handled.");
        Ok(tonic::Response::new(ReportTaskResponse {
            status: Some(decision.status()),
        }))
    }

    async fn get_txn_state(
        &self,
        request: tonic::Request<GetTxnStateRequest>,
    ) -> Result<tonic::Response<GetTxnStateResponse>, tonic::Status> {
        let req = request.into_inner();
        if !self.token_ok(&req.cluster_token) {
            return Ok(tonic::Response::new(GetTxnStateResponse {
                status: Some(unauthenticated()),
                txns: Vec::new(),
            }));
        }
        if let Some(st) = not_leader(&self.ctx) {
            return Ok(tonic::Response::new(GetTxnStateResponse {
                status: Some(st),
                txns: Vec::new(),
            }));
        }
        let txns = req
            .txn_ids
            .iter()
            .map(|id| txn_state_entry(&self.ctx, *id, req.backend_id))
            .collect();
        Ok(tonic::Response::new(GetTxnStateResponse {
            status: Some(Status::ok()),
            txns,
        }))
    }

    async fn create_partitions(
        &self,
        request: tonic::Request<CreatePartitionsRequest>,
    ) -> Result<tonic::Response<CreatePartitionsResponse>, tonic::Status> {
        let req = request.into_inner();
        let answer = |status: Status| CreatePartitionsResponse {
            status: Some(status),
            partitions: Vec::new(),
            tablets: Vec::new(),
        };
        if !self.token_ok(&req.cluster_token) {
            return Ok(tonic::Response::new(answer(unauthenticated())));
        }
        if let Some(st) = not_leader(&self.ctx) {
            return Ok(tonic::Response::new(answer(st)));
        }
        // Only a load still in its transaction may create partitions.
        match self.ctx.txn.get(req.txn_id) {
            Some(t) if t.status == TxnStatus::PREPARE && t.table_id == req.table_id => {}
            _ => {
                return Ok(tonic::Response::new(answer(Status::err(
                    StatusCode::NotFound,
                    format!(
                        "transaction {} is not running on table {}",
                        req.txn_id, req.table_id
                    ),
                ))))
            }
        }
        let rows: Vec<Vec<Option<String>>> = req
            .rows
            .iter()
            .map(|r| {
                r.values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (!r.is_null.get(i).copied().unwrap_or(false)).then(|| v.clone()))
                    .collect()
            })
            .collect();
        let res = partition_ddl::create_partitions_for_rows(&self.ctx, req.table_id, &rows).await;
        Ok(tonic::Response::new(match res {
            Ok((partitions, tablets)) => CreatePartitionsResponse {
                status: Some(Status::ok()),
                partitions,
                tablets,
            },
            Err(CreatePartitionsError::Refused(m)) => {
                answer(Status::err(StatusCode::InvalidArgument, m))
            }
            Err(CreatePartitionsError::Failed(m)) => {
                answer(Status::err(StatusCode::InternalError, m))
            }
        }))
    }
}

/// Serves FrontendService on `addr` until the process ends.
pub async fn serve(ctx: Arc<FeContext>, addr: SocketAddr) -> Result<(), std::io::Error> {
    let svc = FrontendServiceServer::new(FrontendRpc::new(ctx))
        .max_decoding_message_size(64 * 1024 * 1024)
        .max_encoding_message_size(64 * 1024 * 1024);
    tonic::transport::Server::builder()
        .add_service(svc)
        .serve(addr)
        .await
        .map_err(std::io::Error::other)
}
