//! FrontendHaService on `edit_log_port`: Raft's messages into the local node, statement
//! forwarding and read index for followers, and NodeInfo. Every call checks the cluster token.

use crate::context::FeContext;
use crate::ha::{forward, peers};
use crate::meta::raft::MetaTypes;
use openraft::raft::{AppendEntriesRequest, InstallSnapshotRequest, VoteRequest};
use starload_proto::ha::frontend_ha_service_server::{FrontendHaService, FrontendHaServiceServer};
use starload_proto::ha::{
    ForwardRequest, ForwardResponse, NodeInfoRequest, NodeInfoResponse, RaftMessage,
    ReadIndexRequest, ReadIndexResponse,
};
use std::sync::Arc;

pub struct HaRpc {
    ctx: Arc<FeContext>,
}

impl HaRpc {
    fn check(&self, token: &str) -> Result<(), tonic::Status> {
        let want = self.ctx.config.get().cluster_token.clone();
        if want.is_empty() || want == token {
            Ok(())
        } else {
            Err(tonic::Status::unauthenticated("cluster_token mismatch"))
        }
    }

    fn raft(&self) -> Result<&openraft::Raft<MetaTypes>, tonic::Status> {
        self.ctx
            .meta
            .raft()
            .map(|r| r.raft())
            .ok_or_else(|| tonic::Status::unavailable("metadata is not replicated here"))
    }
}

fn decode<T: serde::de::DeserializeOwned>(m: &RaftMessage) -> Result<T, tonic::Status> {
    serde_json::from_slice(&m.payload).map_err(|e| tonic::Status::invalid_argument(e.to_string()))
}

fn encode<T: serde::Serialize>(v: &T) -> Result<tonic::Response<RaftMessage>, tonic::Status> {
    let payload = serde_json::to_vec(v).map_err(|e| tonic::Status::internal(e.to_string()))?;
    Ok(tonic::Response::new(RaftMessage {
        cluster_token: String::new(),
        payload,
    }))
}

#[tonic::async_trait]
impl FrontendHaService for HaRpc {
    async fn append_entries(
        &self,
        request: tonic::Request<RaftMessage>,
    ) -> Result<tonic::Response<RaftMessage>, tonic::Status> {
        let m = request.into_inner();
        self.check(&m.cluster_token)?;
        let req: AppendEntriesRequest<MetaTypes> = decode(&m)?;
        let r = self.raft()?.append_entries(req).await;
        encode(&r)
    }

    async fn vote(
        &self,
        request: tonic::Request<RaftMessage>,
    ) -> Result<tonic::Response<RaftMessage>, tonic::Status> {
        let m = request.into_inner();
        self.check(&m.cluster_token)?;
        let req: VoteRequest<u64> = decode(&m)?;
        let r = self.raft()?.vote(req).await;
        encode(&r)
    }

    async fn install_snapshot(
        &self,
        request: tonic::Request<RaftMessage>,
    ) -> Result<tonic::Response<RaftMessage>, tonic::Status> {
        let m = request.into_inner();
        self.check(&m.cluster_token)?;
        let req: InstallSnapshotRequest<MetaTypes> = decode(&m)?;
        let r = self.raft()?.install_snapshot(req).await;
        encode(&r)
    }

    async fn node_info(
        &self,
        request: tonic::Request<NodeInfoRequest>,
    ) -> Result<tonic::Response<NodeInfoResponse>, tonic::Status> {
        self.check(&request.into_inner().cluster_token)?;
        Ok(tonic::Response::new(peers::node_info(&self.ctx)))
    }

    async fn forward(
        &self,
        request: tonic::Request<ForwardRequest>,
    ) -> Result<tonic::Response<ForwardResponse>, tonic::Status> {
        let req = request.into_inner();
        self.check(&req.cluster_token)?;
        let (result, applied_index) =
            forward::serve_forward(&self.ctx, &req.sql, &req.session).await;
        Ok(tonic::Response::new(ForwardResponse {
            result,
            applied_index,
            session: Vec::new(),
        }))
    }

    async fn read_index(
        &self,
        request: tonic::Request<ReadIndexRequest>,
    ) -> Result<tonic::Response<ReadIndexResponse>, tonic::Status> {
        self.check(&request.into_inner().cluster_token)?;
        let leader_id = self
            .ctx
            .meta
            .raft()
            .and_then(|r| r.leader())
            .map(|(id, _)| id)
            .unwrap_or(0);
        Ok(tonic::Response::new(
            match forward::serve_read_index(&self.ctx).await {
                Ok(i) => ReadIndexResponse {
                    read_index: i,
                    error: String::new(),
                    leader_id,
                },
                Err(e) => ReadIndexResponse {
                    read_index: 0,
                    error: e,
                    leader_id,
                },
            },
        ))
    }
}

/// Serves FrontendHaService on `addr` until the process ends.
pub async fn serve(
    ctx: Arc<FeContext>,
    listener: tokio::net::TcpListener,
) -> Result<(), std::io::Error> {
    let svc = FrontendHaServiceServer::new(HaRpc { ctx })
        .max_decoding_message_size(256 << 20)
        .max_encoding_message_size(256 << 20);
    // The builder's own tcp_nodelay applies only to listeners it binds: accepted sockets of an
    // incoming stream keep Nagle on unless the stream sets it, and Nagle against the peer's
    // delayed ACK held every Raft append's answer for milliseconds (3 FEs committed ~4x
    // slower than one, fe_ha_commit).
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    tonic::transport::Server::builder()
        .add_service(svc)
        .serve_with_incoming(incoming)
        .await
        .map_err(std::io::Error::other)
}
