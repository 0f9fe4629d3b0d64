//! openraft's network: AppendEntries, Vote and InstallSnapshot to a peer FE over gRPC
//! (`FrontendHaService` on the peer's `edit_log_port`), each message as openraft's own JSON.

use crate::meta::raft::durability::Durability;
use crate::meta::raft::lease::AckClock;
use crate::meta::raft::types::{FeNode, MetaTypes};
use openraft::error::{
    InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable,
};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use starload_proto::ha::frontend_ha_service_client::FrontendHaServiceClient;
use starload_proto::ha::{NodeInfoRequest, NodeInfoResponse, RaftMessage};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tonic::transport::{Channel, Endpoint};

type NodeId = u64;

/// Makes one [`PeerClient`] per target; every FE->FE message carries the cluster token.
#[derive(Clone)]
pub struct NetworkFactory {
    pub cluster_token: String,
    /// Where followers' accepted AppendEntries are recorded (the leader's lease).
    pub acks: Arc<AckClock>,
    /// A commit index is sent only once this node's log is durable that far.
    pub durability: Arc<Durability>,
}

impl RaftNetworkFactory<MetaTypes> for NetworkFactory {
    type Network = PeerClient;

    async fn new_client(&mut self, target: NodeId, node: &FeNode) -> PeerClient {
        PeerClient {
            target,
            node: node.clone(),
            token: self.cluster_token.clone(),
            channel: None,
            acks: self.acks.clone(),
            durability: self.durability.clone(),
        }
    }
}

/// A lazily connected channel to one peer.
pub struct PeerClient {
    target: NodeId,
    node: FeNode,
    token: String,
    channel: Option<Channel>,
    acks: Arc<AckClock>,
    durability: Arc<Durability>,
}

/// A channel to `host:port` that connects on first use (and reconnects after failures).
pub fn lazy_channel(host: &str, port: u16) -> Result<Channel, tonic::transport::Error> {
    Ok(Endpoint::from_shared(format!("http://{host}:{port}"))?
        .connect_timeout(Duration::from_millis(500))
        .tcp_nodelay(true)
        .connect_lazy())
}

impl PeerClient {
    fn client(&mut self) -> Result<FrontendHaServiceClient<Channel>, Unreachable> {
        if self.channel.is_none() {
            let ch = lazy_channel(&self.node.host, self.node.edit_log_port)
                .map_err(|e| Unreachable::new(&e))?;
            self.channel = Some(ch);
        }
        let ch = self
            .channel
            .clone()
            .ok_or_else(|| Unreachable::new(&std::io::Error::other("no channel to the peer FE")))?;
        // Raft messages with many entries or a snapshot can be large.
        Ok(FrontendHaServiceClient::new(ch)
            .max_decoding_message_size(256 << 20)
            .max_encoding_message_size(256 << 20))
    }

    /// Sends `req` with `call` and decodes the peer's `Result<Resp, E>`.
    async fn send<Req, Resp, E, F, Fut>(
        &mut self,
        req: &Req,
        option: &RPCOption,
        call: F,
    ) -> Result<Resp, RPCError<NodeId, FeNode, E>>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
        E: std::error::Error + DeserializeOwned,
        F: FnOnce(FrontendHaServiceClient<Channel>, RaftMessage) -> Fut,
        Fut: std::future::Future<Output = Result<tonic::Response<RaftMessage>, tonic::Status>>,
    {
        let payload =
            serde_json::to_vec(req).map_err(|e| RPCError::Network(NetworkError::new(&e)))?;
        let client = self.client().map_err(RPCError::Unreachable)?;
        let msg = RaftMessage {
            cluster_token: self.token.clone(),
            payload,
        };
        let resp = match tokio::time::timeout(option.hard_ttl(), call(client, msg)).await {
            Err(_) => {
                return Err(RPCError::Unreachable(Unreachable::new(
                    &std::io::Error::new(std::io::ErrorKind::TimedOut, "raft rpc timed out"),
                )))
            }
            Ok(Err(status)) => {
                // A refused connection drops the cached channel so the next call reconnects.
                self.channel = None;
                return Err(RPCError::Unreachable(Unreachable::new(&status)));
            }
            Ok(Ok(r)) => r.into_inner(),
        };
        let result: Result<Resp, E> = serde_json::from_slice(&resp.payload)
            .map_err(|e| RPCError::Network(NetworkError::new(&e)))?;
        result.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }
}

impl RaftNetwork<MetaTypes> for PeerClient {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<MetaTypes>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<NodeId>, RPCError<NodeId, FeNode, RaftError<NodeId>>> {
        // A follower applies what `leader_commit` covers: the leader's own copy of those
        // entries must be durable first (see `durability`).
        if let Some(c) = &rpc.leader_commit {
            self.durability.wait(c.index).await;
        }
        let (sent, term) = (Instant::now(), rpc.vote.leader_id().term);
        let r = self
            .send(&rpc, &option, |mut c, m| async move {
                c.append_entries(m).await
            })
            .await;
        // Any answer but a higher vote means the follower still takes this node as leader.
        if matches!(&r, Ok(a) if !matches!(a, AppendEntriesResponse::HigherVote(_))) {
            self.acks.record(self.target, term, sent);
        }
        r
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<MetaTypes>,
        option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<NodeId>,
        RPCError<NodeId, FeNode, RaftError<NodeId, InstallSnapshotError>>,
    > {
        self.send(&rpc, &option, |mut c, m| async move {
            c.install_snapshot(m).await
        })
        .await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<NodeId>,
        option: RPCOption,
    ) -> Result<VoteResponse<NodeId>, RPCError<NodeId, FeNode, RaftError<NodeId>>> {
        self.send(&rpc, &option, |mut c, m| async move { c.vote(m).await })
            .await
    }
}

/// Asks the FE at `host:port` who it is (`NodeInfo`): before ADD FOLLOWER/OBSERVER, when a new
/// FE contacts its helper, and for SHOW FRONTENDS.
pub async fn node_info(
    host: &str,
    port: u16,
    token: &str,
    timeout: Duration,
) -> Result<NodeInfoResponse, String> {
    let ch = lazy_channel(host, port).map_err(|e| e.to_string())?;
    let mut c = FrontendHaServiceClient::new(ch);
    let req = NodeInfoRequest {
        cluster_token: token.to_string(),
    };
    match tokio::time::timeout(timeout, c.node_info(req)).await {
        Err(_) => Err(format!("{host}:{port} did not answer in {timeout:?}")),
        Ok(Err(s)) => Err(s.message().to_string()),
        Ok(Ok(r)) => Ok(r.into_inner()),
    }
}
