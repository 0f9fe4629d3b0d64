//! Tablet lifecycle RPCs fanned out to every replica: CreateTablet on CREATE TABLE (all must
//! succeed, else the created ones are dropped again), DropTablet on DROP TABLE/DATABASE (best
//! effort: a dead BE keeps an orphan tablet), TruncateTablet on TRUNCATE TABLE, and
//! CloneTablet to repair one lagging replica.

use super::Cluster;
use crate::catalog::Table;
use futures::stream::{self, StreamExt};
use starload_proto::be::{
    CloneTabletRequest, CreateTabletRequest, DropTabletRequest, TruncateTabletRequest,
};
use starload_proto::types::Status;
use std::time::Duration;

/// Per-RPC deadline of tablet DDL (StarRocks `tablet_create_timeout_second` is 10 s).
const TABLET_RPC_TIMEOUT: Duration = Duration::from_secs(10);
/// Deadline of one CloneTablet (the whole tablet is copied).
const CLONE_TIMEOUT: Duration = Duration::from_secs(600);
/// RPCs in flight at once.
const PARALLELISM: usize = 32;

/// Awaits one BE call with a deadline: its reply, or the timeout or transport error as text.
async fn call<T>(
    deadline: Duration,
    rpc: impl std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
) -> Result<T, String> {
    Ok(tokio::time::timeout(deadline, rpc)
        .await
        .map_err(|_| "timeout".to_string())?
        .map_err(|s| s.message().to_string())?
        .into_inner())
}

fn status_error(st: Option<Status>) -> Option<String> {
    match st {
        Some(s) if !s.is_ok() => Some(s.message),
        _ => None,
    }
}

impl Cluster {
    /// (tablet id, partition id, backend id) of every replica.
    fn replicas(table: &Table) -> Vec<(i64, i64, i64)> {
        table
            .tablets()
            .flat_map(|(p, t)| t.replicas.iter().map(move |be| (t.id, p.id, *be)))
            .collect()
    }

    /// Creates every replica of `table` on its backend. On any failure the replicas already
    /// created are dropped and the first error is returned (as StarRocks:
    /// `Failed to create partition[...]`).
    pub async fn create_tablets(&self, table: &Table) -> Result<(), String> {
        let schema = table.tablet_schema();
        let token = self.cluster_token();
        // ((tablet, partition, backend), outcome) per replica.
        #[allow(clippy::type_complexity)]
        let results: Vec<((i64, i64, i64), Result<(), String>)> =
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
                            let mut c = self.client(be).map_err(|e| e.to_string())?;
                            let resp = call(TABLET_RPC_TIMEOUT, c.create_tablet(req)).await?;
                            match status_error(resp.status) {
                                Some(e) => Err(e),
                                None => Ok(()),
                            }
                        }
                        .await;
                        ((tablet_id, partition_id, be), r)
                    }
                })
                .buffer_unordered(PARALLELISM)
                .collect()
                .await;
        let first_err = results.iter().find_map(|((tablet, _, be), r)| {
            r.as_ref()
                .err()
                .map(|e| format!("Failed to create tablet {tablet} on backend {be}: {e}"))
        });
        match first_err {
            None => Ok(()),
            Some(err) => {
                let created: Vec<(i64, i64)> = results
                    .iter()
                    .filter(|(_, r)| r.is_ok())
                    .map(|((t, _, be), _)| (*t, *be))
                    .collect();
                self.drop_replicas(&created).await;
                let pname = table
                    .partitions
                    .first()
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                Err(format!("Failed to create partition[{pname}]. {err}"))
            }
        }
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
                        let mut c = self.client(be).map_err(|e| e.to_string())?;
                        let resp = call(TABLET_RPC_TIMEOUT, c.drop_tablet(req)).await?;
                        status_error(resp.status).map_or(Ok(()), Err)
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

    /// Tells every replica to discard all versions up to its partition's (new) visible
    /// version. Returns the failures (tablet, backend, message); empty when all succeeded.
    pub async fn truncate_tablets(&self, table: &Table) -> Vec<(i64, i64, String)> {
        let token = self.cluster_token();
        let reqs: Vec<(i64, i64, i64)> = table
            .tablets()
            .flat_map(|(p, t)| {
                t.replicas
                    .iter()
                    .map(move |be| (t.id, *be, p.visible_version))
            })
            .collect();
        stream::iter(reqs)
            .map(|(tablet_id, be, version)| {
                let req = TruncateTabletRequest {
                    cluster_token: token.clone(),
                    tablet_id,
                    version,
                };
                async move {
                    let r = async {
                        let mut c = self.client(be).map_err(|e| e.to_string())?;
                        let resp = call(TABLET_RPC_TIMEOUT, c.truncate_tablet(req)).await?;
                        status_error(resp.status).map_or(Ok(()), Err)
                    }
                    .await;
                    r.err().map(|e| (tablet_id, be, e))
                }
            })
            .buffer_unordered(PARALLELISM)
            .filter_map(|r| async move { r })
            .collect()
            .await
    }

    /// Rebuilds replica (`tablet_id` on `backend`) at `version` from the replica on `source`.
    /// Returns the replica's visible version afterwards.
    pub async fn clone_tablet(
        &self,
        backend: i64,
        tablet_id: i64,
        version: i64,
        source: i64,
    ) -> Result<i64, String> {
        let src = self
            .backend_addr(source)
            .ok_or_else(|| format!("Backend {source} does not exist"))?;
        let mut c = self.client(backend).map_err(|e| e.to_string())?;
        let req = CloneTabletRequest {
            cluster_token: self.cluster_token(),
            tablet_id,
            version,
            source: Some(src),
        };
        let resp = call(CLONE_TIMEOUT, c.clone_tablet(req)).await?;
        match status_error(resp.status) {
            Some(e) => Err(e),
            None => Ok(resp.version),
        }
    }
}
