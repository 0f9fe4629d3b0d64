//! Reads of BE state for information_schema: every BE's configuration (`GetConfigs`,
//! `be_configs`) and one load error log (`GetLoadErrorLog`, `load_tracking_logs`). The log is
//! named by the URL SHOW ROUTINE LOAD prints (`http://<host>:<http_port>/api/_load_error_log?
//! file=<file>`): the FE asks the BE with that host and HTTP port over gRPC, with the cluster
//! token, rather than over plain HTTP.

use super::Cluster;
use starload_proto::be::{
    GetConfigsRequest, GetLoadErrorLogRequest, ListRejectedRowsRequest, RejectedRow,
};
use std::time::Duration;

/// Deadline of one read (StarRocks's scanners give the FE half the query timeout).
const INFO_RPC_TIMEOUT: Duration = Duration::from_secs(10);

/// One configuration key of one BE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendConfigEntry {
    pub backend_id: i64,
    pub name: String,
    pub value: String,
    pub kind: String,
    pub default_value: String,
    pub mutable: bool,
}

/// `(host, http_port, file)` of an error-log URL.
pub fn parse_error_log_url(url: &str) -> Option<(String, u16, String)> {
    let rest = url.strip_prefix("http://")?;
    let (authority, path) = rest.split_once('/')?;
    let (host, port) = authority.rsplit_once(':')?;
    let query = path.strip_prefix("api/_load_error_log?")?;
    let file = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("file="))?
        .to_string();
    Some((host.to_string(), port.parse().ok()?, file))
}

impl Cluster {
    /// The configuration of every BE that answers within the deadline, by backend id.
    pub async fn backend_configs(&self) -> Vec<BackendConfigEntry> {
        let token = self.cluster_token();
        let mut backends = self.backends();
        backends.sort_by_key(|b| b.backend.id);
        let mut out = Vec::new();
        for b in backends {
            let id = b.backend.id;
            let Ok(mut client) = self.client(id) else {
                continue;
            };
            let call = client.get_configs(GetConfigsRequest {
                cluster_token: token.clone(),
            });
            let Ok(Ok(reply)) = tokio::time::timeout(INFO_RPC_TIMEOUT, call).await else {
                continue;
            };
            let reply = reply.into_inner();
            if reply.status.as_ref().is_some_and(|s| !s.is_ok()) {
                continue;
            }
            out.extend(reply.entries.into_iter().map(|e| BackendConfigEntry {
                backend_id: id,
                name: e.name,
                value: e.value,
                kind: e.r#type,
                default_value: e.default_value,
                mutable: e.mutable,
            }));
        }
        out
    }

    /// The text of the error log `url` names, from the BE that serves it; `Err` says why not.
    pub async fn load_error_log(&self, url: &str) -> Result<String, String> {
        let (host, http_port, file) =
            parse_error_log_url(url).ok_or_else(|| format!("invalid url {url}"))?;
        let backend = self
            .backends()
            .into_iter()
            .find(|b| b.backend.host == host && b.backend.http_port == http_port)
            .ok_or_else(|| format!("no backend at {host}:{http_port}"))?;
        let mut client = self.client(backend.backend.id).map_err(|e| e.to_string())?;
        let call = client.get_load_error_log(GetLoadErrorLogRequest {
            cluster_token: self.cluster_token(),
            file,
        });
        let reply = tokio::time::timeout(INFO_RPC_TIMEOUT, call)
            .await
            .map_err(|_| "timeout".to_string())?
            .map_err(|e| e.message().to_string())?
            .into_inner();
        match reply.status {
            Some(s) if !s.is_ok() => Err(s.message),
            _ => Ok(reply.content),
        }
    }
}

impl Cluster {
    /// The rejected-row ledger entries of `job_ids` from every BE that answers within the
    /// deadline, as (backend id, row); `job_ids` empty = none asked (not every job).
    pub async fn rejected_rows(&self, job_ids: &[i64]) -> Vec<(i64, RejectedRow)> {
        if job_ids.is_empty() {
            return Vec::new();
        }
        let token = self.cluster_token();
        let mut backends = self.backends();
        backends.sort_by_key(|b| b.backend.id);
        let mut out = Vec::new();
        for b in backends {
            let id = b.backend.id;
            let Ok(mut client) = self.client(id) else {
                continue;
            };
            let call = client.list_rejected_rows(ListRejectedRowsRequest {
                cluster_token: token.clone(),
                job_ids: job_ids.to_vec(),
                limit: 0,
            });
            let Ok(Ok(reply)) = tokio::time::timeout(INFO_RPC_TIMEOUT, call).await else {
                continue;
            };
            let reply = reply.into_inner();
            if reply.status.as_ref().is_some_and(|s| !s.is_ok()) {
                continue;
            }
            out.extend(reply.rows.into_iter().map(|r| (id, r)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_log_urls_name_host_port_and_file() {
        assert_eq!(
            parse_error_log_url("http://127.0.0.1:8041/api/_load_error_log?file=error_log_a_b"),
            Some(("127.0.0.1".into(), 8041, "error_log_a_b".into()))
        );
        assert_eq!(parse_error_log_url("http://h:1/other?file=x"), None);
        assert_eq!(
            parse_error_log_url("ftp://h:1/api/_load_error_log?file=x"),
            None
        );
    }
}
