//! FE -> BE calls made by the load path (submit, publish, abort), over the cluster's client
//! pool ([`Cluster::client`]). Each call carries the cluster token and a deadline. They sit with
//! the other FE -> BE clients (`tablet_rpc`), below the transaction and routine-load layers that
//! call them.

use super::Cluster;
use starload_proto::be::ReplayRejectedRowsResponse;
use starload_proto::be::{
    AbortTxnRequest, PublishVersionRequest, PublishVersionResponse, TabletVersion,
};
use starload_proto::be::{LoadRowsRequest, LoadRowsResponse};
use starload_proto::be::{MarkRejectedRowsReplayedRequest, ReplayRejectedRowsRequest};
use starload_proto::be::{PreviewRoutineLoadRequest, PreviewRoutineLoadResponse};
use starload_proto::be::{SubmitRoutineLoadTaskRequest, SubmitRoutineLoadTaskResponse};
use starload_proto::types::FailureReason;
use std::collections::BTreeMap;
use std::time::Duration;

/// Deadline of one FE -> BE load RPC.
pub const RPC_TIMEOUT: Duration = Duration::from_secs(10);

/// Why `SubmitRoutineLoadTask` did not start a task; the text is what the job shows
/// (`failed to send task: <this>`).
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// No client for the backend (unknown, or its be_port is not known yet).
    #[error(transparent)]
    NoClient(#[from] super::ClusterError),
    /// The call did not complete (connect, deadline, transport).
    #[error("{}", .0.message())]
    Rpc(tonic::Status),
    /// The BE answered with a failure status (e.g. TOO_MANY_TASKS with reason BE_OVERLOADED).
    #[error("failed to submit task. error code: {}, msg: {}", status_code_name(.code), .message)]
    Refused {
        code: i32,
        reason: FailureReason,
        message: String,
    },
}

impl SubmitError {
    /// The failure class: BE_OVERLOADED for a BE at its task limit, INTERNAL otherwise.
    pub fn reason(&self) -> FailureReason {
        match self {
            SubmitError::Refused { reason, .. } if *reason != FailureReason::Unspecified => *reason,
            _ => FailureReason::Internal,
        }
    }
}

fn status_code_name(code: &i32) -> String {
    let code = *code;
    match starload_proto::types::StatusCode::try_from(code) {
        Ok(c) => c
            .as_str_name()
            .trim_start_matches("STATUS_CODE_")
            .to_string(),
        Err(_) => code.to_string(),
    }
}

/// Awaits one RPC for at most `timeout`. The gRPC deadline alone is not enough: a BE that
/// accepted the stream and then stalls (SIGSTOP) would hold the caller past it.
async fn within<T>(
    timeout: Duration,
    what: &str,
    call: impl std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
) -> Result<T, SubmitError> {
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(r)) => Ok(r.into_inner()),
        Ok(Err(s)) => Err(SubmitError::Rpc(s)),
        Err(_) => Err(SubmitError::Rpc(tonic::Status::deadline_exceeded(format!(
            "{what} timed out"
        )))),
    }
}

/// Deadline of `LoadRows` (an INSERT's rows, staged on every replica before it answers).
pub const LOAD_ROWS_TIMEOUT: Duration = Duration::from_secs(300);

impl Cluster {
    /// Sends an INSERT / DELETE statement's rows to backend `be_id` (`LoadRows`).
    pub async fn load_rows(
        &self,
        be_id: i64,
        req: LoadRowsRequest,
    ) -> Result<LoadRowsResponse, SubmitError> {
        let mut c = self.client(be_id)?;
        within(LOAD_ROWS_TIMEOUT, "load rows", c.load_rows(req)).await
    }

    /// Sends `SubmitRoutineLoadTask` to backend `be_id`.
    pub async fn submit_task(
        &self,
        be_id: i64,
        mut req: SubmitRoutineLoadTaskRequest,
    ) -> Result<(), SubmitError> {
        req.cluster_token = self.cluster_token();
        let mut c = self.client(be_id)?;
        let mut r = tonic::Request::new(req);
        r.set_timeout(RPC_TIMEOUT);
        let resp: SubmitRoutineLoadTaskResponse = c
            .submit_routine_load_task(r)
            .await
            .map_err(SubmitError::Rpc)?
            .into_inner();
        match resp.status {
            Some(s) if !s.is_ok() => Err(SubmitError::Refused {
                code: s.code,
                reason: s.reason(),
                message: s.message,
            }),
            _ => Ok(()),
        }
    }

    /// Sends `PreviewRoutineLoad` (PREVIEW ROUTINE LOAD's dry run) to backend `be_id`, waiting
    /// at most `timeout`. A failure status of the BE is the answer's `status`.
    pub async fn preview_routine_load(
        &self,
        be_id: i64,
        mut req: PreviewRoutineLoadRequest,
        timeout: Duration,
    ) -> Result<PreviewRoutineLoadResponse, SubmitError> {
        req.cluster_token = self.stamp_task(req.task.as_mut());
        let mut c = self.client(be_id)?;
        let mut r = tonic::Request::new(req);
        r.set_timeout(timeout);
        within(timeout, "preview", c.preview_routine_load(r)).await
    }

    /// Sends `ReplayRejectedRows` (REPLAY ROUTINE LOAD REJECTED) to backend `be_id`.
    pub async fn replay_rejected_rows(
        &self,
        be_id: i64,
        mut req: ReplayRejectedRowsRequest,
        timeout: Duration,
    ) -> Result<ReplayRejectedRowsResponse, SubmitError> {
        req.cluster_token = self.stamp_task(req.task.as_mut());
        let mut c = self.client(be_id)?;
        let mut r = tonic::Request::new(req);
        r.set_timeout(timeout);
        within(timeout, "replay", c.replay_rejected_rows(r)).await
    }

    /// The cluster token for a request that carries a task's request too: the inner request
    /// gets the same token, because the BE checks it again where it runs the task's code.
    fn stamp_task(&self, task: Option<&mut SubmitRoutineLoadTaskRequest>) -> String {
        let token = self.cluster_token();
        if let Some(t) = task {
            t.cluster_token = token.clone();
        }
        token
    }

    /// Sends `MarkRejectedRowsReplayed` to backend `be_id`: Err with the BE's text when it
    /// refused (a row gone or marked by another replay).
    pub async fn mark_rejected_rows_replayed(
        &self,
        be_id: i64,
        mut req: MarkRejectedRowsReplayedRequest,
    ) -> Result<(), String> {
        req.cluster_token = self.cluster_token();
        let mut c = self.client(be_id).map_err(|e| e.to_string())?;
        let mut r = tonic::Request::new(req);
        r.set_timeout(RPC_TIMEOUT);
        let resp = c
            .mark_rejected_rows_replayed(r)
            .await
            .map_err(|s| s.message().to_string())?
            .into_inner();
        match resp.status {
            Some(s) if !s.is_ok() => Err(s.message),
            _ => Ok(()),
        }
    }

    /// Sends `PublishVersion` for `tablets` of one transaction to backend `be_id`. Returns the
    /// tablets that failed (all of them on a transport error).
    pub async fn publish_version(
        &self,
        be_id: i64,
        txn_id: i64,
        tablets: &[(i64, i64)],
    ) -> Vec<i64> {
        let all = || tablets.iter().map(|(t, _)| *t).collect::<Vec<_>>();
        let Ok(mut c) = self.client(be_id) else {
            return all();
        };
        let mut r = tonic::Request::new(PublishVersionRequest {
            cluster_token: self.cluster_token(),
            txn_id,
            tablets: tablets
                .iter()
                .map(|(tablet_id, version)| TabletVersion {
                    tablet_id: *tablet_id,
                    version: *version,
                })
                .collect(),
        });
        r.set_timeout(RPC_TIMEOUT);
        match c.publish_version(r).await {
            Ok(resp) => {
                let resp: PublishVersionResponse = resp.into_inner();
                let ok = resp.status.as_ref().is_none_or(|s| s.is_ok());
                if ok {
                    resp.error_tablet_ids
                } else if resp.error_tablet_ids.is_empty() {
                    all()
                } else {
                    resp.error_tablet_ids
                }
            }
            Err(_) => all(),
        }
    }

    /// Best effort: tells each backend to discard the transaction's staged rows (spawned; a BE
    /// that misses it learns the outcome through GetTxnState).
    pub fn abort_txn_on(&self, txn_id: i64, by_be: BTreeMap<i64, Vec<i64>>) {
        let token = self.cluster_token();
        for (be_id, tablet_ids) in by_be {
            let Ok(mut c) = self.client(be_id) else {
                continue;
            };
            let token = token.clone();
            tokio::spawn(async move {
                let mut r = tonic::Request::new(AbortTxnRequest {
                    cluster_token: token,
                    txn_id,
                    tablet_ids,
                });
                r.set_timeout(RPC_TIMEOUT);
                if let Err(e) = c.abort_txn(r).await {
                    tracing::debug!(txn = txn_id, be = be_id, error = %e, "AbortTxn not delivered.");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use starload_proto::types::StatusCode;

    #[test]
    fn submit_errors_keep_the_shown_texts_and_classes() {
        let e = SubmitError::Refused {
            code: StatusCode::TooManyTasks as i32,
            reason: FailureReason::BeOverloaded,
            message: "current running tasks: 3, limit: 3".into(),
        };
        assert_eq!(
            e.to_string(),
            "failed to submit task. error code: TOO_MANY_TASKS, msg: current running tasks: 3, limit: 3"
        );
        assert_eq!(e.reason(), FailureReason::BeOverloaded);
        // A peer that sends no class, and an unknown code number.
        let e = SubmitError::Refused {
            code: 99,
            reason: FailureReason::Unspecified,
            message: "x".into(),
        };
        assert_eq!(
            e.to_string(),
            "failed to submit task. error code: 99, msg: x"
        );
        assert_eq!(e.reason(), FailureReason::Internal);
        let e = SubmitError::Rpc(tonic::Status::unavailable("connection refused"));
        assert_eq!(e.to_string(), "connection refused");
        assert_eq!(e.reason(), FailureReason::Internal);
        let e = SubmitError::from(super::super::ClusterError::UnknownBackend(7));
        assert_eq!(e.to_string(), "Backend 7 does not exist");
    }
}
