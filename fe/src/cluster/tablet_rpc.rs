//! Tablet lifecycle RPCs fanned out to every replica: CreateTablet on CREATE TABLE (all must
//! succeed, else the created ones are dropped again), DropTablet on DROP TABLE/DATABASE (best
//! effort: a dead BE keeps an orphan tablet; also the partitions TRUNCATE TABLE and INSERT
//! OVERWRITE replace), and CloneTablet to repair one lagging replica.

use super::Cluster;
use crate::catalog::Table;
use futures::stream::{self, StreamExt};
use starload_proto::be::{CloneTabletRequest, CreateTabletRequest, DropTabletRequest};
use starload_proto::types::Status;
use std::time::Duration;

/// Per-RPC deadline of tablet DDL (StarRocks `tablet_create_timeout_second` is 10 s).
const TABLET_RPC_TIMEOUT: Duration = Duration::from_secs(10);
/// Deadline of one CloneTablet (the whole tablet is copied).
const CLONE_TIMEOUT: Duration = Duration::from_secs(600);
/// RPCs in flight at once.
const PARALLELISM: usize = 32;

/// Why one tablet RPC to one replica failed; the text is what StarRocks users see after
/// `Failed to create tablet <t> on backend <be>: `.
#[derive(Debug, thiserror::Error)]
pub enum TabletRpcError {
    /// No client for the backend (unknown, or its be_port is not known yet).
    #[error(transparent)]
    NoClient(#[from] super::ClusterError),
    /// The deadline passed before the BE answered.
    #[error("timeout")]
    Timeout,
    /// The call did not complete (connect, transport, or a gRPC error status).
    #[error("{}", .0.message())]
    Rpc(tonic::Status),
    /// The BE answered with a failure status.
    #[error("{0}")]
    Refused(String),
}

/// Why CREATE TABLE's tablets could not all be created (the created ones were dropped again).
#[derive(Debug, thiserror::Error)]
#[error("Failed to create partition[{partition}]. Failed to create tablet {tablet} on backend {backend}: {source}")]
pub struct CreateTabletsError {
    pub partition: String,
    pub tablet: i64,
    pub backend: i64,
    pub source: TabletRpcError,
}

/// Awaits one BE call with a deadline: its reply, or the timeout or transport error.
async fn call<T>(
    deadline: Duration,
    rpc: impl std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
) -> Result<T, TabletRpcError> {
    Ok(tokio::time::timeout(deadline, rpc)
        .await
        .map_err(|_| TabletRpcError::Timeout)?
        .map_err(TabletRpcError::Rpc)?
        .into_inner())
}

/// A reply's failure status as an error.
fn status_result(st: Option<Status>) -> Result<(), TabletRpcError> {
    match st {
        Some(s) if !s.is_ok() => Err(TabletRpcError::Refused(s.message)),
        _ => Ok(()),
    }
}

impl Cluster {
    /// (tablet id, partition id, backend id) of every replica, temporary partitions included.
    fn replicas(table: &Table) -> Vec<(i64, i64, i64)> {
        table
            .all_tablets()
            .flat_map(|(p, t)| t.replicas.iter().map(move |be| (t.id, p.id, *be)))
            .collect()
    }

    /// Creates every replica of `table` on its backend. On any failure the replicas already
    /// created are dropped and the first error is returned (as StarRocks:
    /// `Failed to create partition[...]`).
    pub async fn create_tablets(&self, table: &Table) -> Result<(), CreateTabletsError> {
        let schema = table.tablet_schema();
        let token = self.cluster_token();
        // ((tablet, partition, backend), outcome) per replica.
        #[allow(clippy::type_complexity)]
        let results: Vec<((i64, i64, i64), Result<(), TabletRpcError>)> =
            stream::iter(Self::replicas(table))
                .map(|(tablet_id, partition_id, be)| {
                    let req = CreateTabletRequest {
                        cluster_token: token.clone(),
                        tablet_id,
                        table_id: table.id,
                        partition_id,
                        schema: Some(schema.clone()),
                    };
                    async move {
                        let r = async {
                            let mut c = self.client(be)?;
                            let resp = call(TABLET_RPC_TIMEOUT, c.create_tablet(req)).await?;
                            status_result(resp.status)
                        }
                        .await;
                        ((tablet_id, partition_id, be), r)
                    }
                })
                .buffer_unordered(PARALLELISM)
                .collect()
                .await;
        let mut created = Vec::new();
        let mut first_err = None;
        for ((tablet, _, backend), r) in results {
            match r {
                Ok(()) => created.push((tablet, backend)),
                Err(e) => {
                    first_err.get_or_insert((tablet, backend, e));
                }
            }
        }
        let Some((tablet, backend, source)) = first_err else {
            return Ok(());
        };
        self.drop_replicas(&created).await;
        let partition = table
            .partitions
            .first()
            .map(|p| p.name.clone())
            .unwrap_or_default();
        Err(CreateTabletsError {
            partition,
            tablet,
            backend,
            source,
        })
    }

    /// Drops every replica of `table` (best effort; failures are logged).
    pub async fn drop_tablets(&self, table: &Table) {
        let replicas: Vec<(i64, i64)> = Self::replicas(table)
            .into_iter()
            .map(|(t, _, be)| (t, be))
            .collect();
        self.drop_replicas(&replicas).await;
    }

    async fn drop_replicas(&self, replicas: &[(i64, i64)]) {
        let token = self.cluster_token();
        stream::iter(replicas.iter().copied())
            .map(|(tablet_id, be)| {
                let req = DropTabletRequest {
                    cluster_token: token.clone(),
                    tablet_id,
                };
                async move {
                    let r = async {
                        let mut c = self.client(be)?;
                        let resp = call(TABLET_RPC_TIMEOUT, c.drop_tablet(req)).await?;
                        status_result(resp.status)
                    }
                    .await;
                    if let Err(e) = r {
                        tracing::warn!(tablet = tablet_id, backend = be, error = %e, "Drop tablet failed; the replica is left behind.");
                    }
                }
            })
            .buffer_unordered(PARALLELISM)
            .collect::<Vec<()>>()
            .await;
    }

    /// Rebuilds replica (`tablet_id` on `backend`) at `version` from the replica on `source`.
    /// Returns the replica's visible version afterwards.
    pub async fn clone_tablet(
        &self,
        backend: i64,
        tablet_id: i64,
        version: i64,
        source: i64,
    ) -> Result<i64, TabletRpcError> {
        let src = self
            .backend_addr(source)
            .ok_or(super::ClusterError::UnknownBackend(source))?;
        let mut c = self.client(backend)?;
        let req = CloneTabletRequest {
            cluster_token: self.cluster_token(),
            tablet_id,
            version,
            source: Some(src),
        };
        let resp = call(CLONE_TIMEOUT, c.clone_tablet(req)).await?;
        status_result(resp.status)?;
        Ok(resp.version)
    }
}
