//! SHOW BACKENDS (= SHOW PROC '/backends') and SHOW FRONTENDS (= SHOW PROC '/frontends') rows,
//! titles and value formats as `fe/common/proc/BackendsProcDir.java` and
//! `FrontendsProcNode.java` print them (StarRocks 3.4: no `StatusCode` column yet).

use super::Cluster;
use crate::meta::raft::Member;
use crate::meta::MetaStore;
use crate::result::ResultSet;
use std::collections::HashMap;

/// SHOW BACKENDS titles.
pub const BACKEND_TITLES: &[&str] = &[
    "BackendId",
    "IP",
    "HeartbeatPort",
    "BePort",
    "HttpPort",
    "BrpcPort",
    "LastStartTime",
    "LastHeartbeat",
    "Alive",
    "SystemDecommissioned",
    "ClusterDecommissioned",
    "TabletNum",
    "DataUsedCapacity",
    "AvailCapacity",
    "TotalCapacity",
    "UsedPct",
    "MaxDiskUsedPct",
    "ErrMsg",
    "Version",
    "Status",
    "DataTotalCapacity",
    "DataUsedPct",
    "CpuCores",
    "MemLimit",
    "NumRunningQueries",
    "MemUsedPct",
    "CpuUsedPct",
    "DataCacheMetrics",
    "Location",
];

/// SHOW FRONTENDS titles.
pub const FRONTEND_TITLES: &[&str] = &[
    "Name",
    "IP",
    "EditLogPort",
    "HttpPort",
    "QueryPort",
    "RpcPort",
    "Role",
    "ClusterId",
    "Join",
    "Alive",
    "ReplayedJournalId",
    "LastHeartbeat",
    "IsHelper",
    "ErrMsg",
    "StartTime",
    "Version",
];

/// `TimeUtils.longToTimeString`: `yyyy-MM-dd HH:mm:ss` in local time, `NULL` when <= 0.
pub fn time_string(ms: i64) -> String {
    if ms <= 0 {
        return "NULL".into();
    }
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| "NULL".into())
}

/// `DebugUtil.getByteUint`: the value in the largest unit below it.
fn byte_unit(bytes: i64) -> (f64, &'static str) {
    const K: f64 = 1024.0;
    let b = bytes as f64;
    if b < K {
        (b, "B")
    } else if b < K * K {
        (b / K, "KB")
    } else if b < K * K * K {
        (b / (K * K), "MB")
    } else if b < K * K * K * K {
        (b / (K * K * K), "GB")
    } else {
        (b / (K * K * K * K), "TB")
    }
}

/// Capacity as `DECIMAL_FORMAT_SCALE_3` plus a space and the unit: `1.000 GB`.
pub fn capacity(bytes: i64) -> String {
    let (v, u) = byte_unit(bytes);
    format!("{v:.3} {u}")
}

/// `DebugUtil.getPrettyStringBytes`: `15.000GB` (no space).
pub fn pretty_bytes(bytes: i64) -> String {
    let (v, u) = byte_unit(bytes);
    format!("{v:.3}{u}")
}

impl Cluster {
    /// SHOW BACKENDS. `tablet_nums` = replicas per backend from the catalog.
    pub fn show_backends(&self, tablet_nums: &HashMap<i64, u64>) -> ResultSet {
        let mut rows: Vec<Vec<Option<String>>> = self
            .backends()
            .into_iter()
            .map(|info| {
                let b = &info.backend;
                let s = &info.status;
                let total = s.disk_total_bytes;
                let avail = s.disk_avail_bytes;
                let used_pct = if total <= 0 {
                    0.0
                } else {
                    (total - avail) as f64 * 100.0 / total as f64
                };
                let data_total = (avail + s.data_used_bytes).max(0);
                let data_used_pct = if data_total <= 0 {
                    0.0
                } else {
                    s.data_used_bytes as f64 * 100.0 / data_total as f64
                };
                let status_json = serde_json::json!({
                    "lastSuccessReportTabletsTime": if s.last_heartbeat_ms > 0 {
                        time_string(s.last_heartbeat_ms)
                    } else {
                        "N/A".to_string()
                    }
                })
                .to_string();
                [
                    b.id.to_string(),
                    b.host.clone(),
                    b.heartbeat_port.to_string(),
                    b.be_port.to_string(),
                    b.http_port.to_string(),
                    // starload has no brpc: BE<->BE traffic uses the be_port (gRPC).
                    b.be_port.to_string(),
                    time_string(s.last_start_time_ms),
                    time_string(s.last_heartbeat_ms),
                    s.alive.to_string(),
                    "false".into(),
                    "false".into(),
                    tablet_nums.get(&b.id).copied().unwrap_or(0).to_string(),
                    capacity(s.data_used_bytes),
                    capacity(avail),
                    capacity(total),
                    format!("{used_pct:.2} %"),
                    format!("{used_pct:.2} %"),
                    s.err_msg.clone(),
                    s.version.clone(),
                    status_json,
                    capacity(data_total),
                    format!("{data_used_pct:.2} %"),
                    s.cpu_cores.to_string(),
                    pretty_bytes(s.mem_limit_bytes),
                    "0".into(),
                    format!("{:.2} %", 0.0),
                    format!("{:.1} %", 0.0),
                    "N/A".into(),
                    String::new(),
                ]
                .into_iter()
                .map(Some)
                .collect()
            })
            .collect();
        // ListComparator(1, 3): IP, then BePort compared as strings.
        rows.sort_by(|a, b| (&a[1], &a[3]).cmp(&(&b[1], &b[3])));
        ResultSet {
            rows,
            ..ResultSet::with_titles(BACKEND_TITLES)
        }
    }

    /// SHOW FRONTENDS: every frontend of the group (`frontend::show`); without a Raft group
    /// (tools, tests) this FE as the leader of a one-FE cluster.
    pub fn show_frontends(&self) -> ResultSet {
        group_frontends(&self.meta, || self.show_this_frontend())
    }

    fn show_this_frontend(&self) -> ResultSet {
        let cfg = self.config().get();
        let host = cfg.priority_networks.clone();
        // StarRocks names a FE `<host>_<edit_log_port>_<start ms>`; starload has no edit log
        // port (metadata lives in RocksDB), so 9010 as StarRocks's default stands in.
        let row = [
            format!("{host}_9010_{}", self.fe_start_time_ms),
            host,
            "9010".into(),
            cfg.http_port.to_string(),
            cfg.query_port.to_string(),
            cfg.rpc_port.to_string(),
            "LEADER".into(),
            "0".into(),
            "true".into(),
            "true".into(),
            "0".into(),
            time_string(crate::clock::now_ms()),
            "true".into(),
            String::new(),
            time_string(self.fe_start_time_ms),
            cfg.starrocks_version.clone(),
        ];
        ResultSet {
            rows: vec![row.into_iter().map(Some).collect()],
            ..ResultSet::with_titles(FRONTEND_TITLES)
        }
    }
}

/// SHOW FRONTENDS (= SHOW PROC '/frontends'): one row per Raft member, the leader first, then
/// followers and observers by address (StarRocks lists them in hash-map order).
fn group_frontends(meta: &MetaStore, fallback: impl FnOnce() -> ResultSet) -> ResultSet {
    let Some(raft) = meta.raft() else {
        return fallback();
    };
    let cluster_id = meta.cluster_id().unwrap_or(0);
    let recs = super::frontend::records(meta).unwrap_or_default();
    let leader = raft.leader().map(|(id, _)| id);
    let mut members: Vec<Member> = raft.members();
    let rank = |m: &Member| {
        if Some(m.id) == leader {
            0
        } else if m.voter {
            1
        } else {
            2
        }
    };
    members.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then(a.node.addr().cmp(&b.node.addr()))
    });
    let mut rows = Vec::new();
    for m in members {
        let rec = recs.iter().find(|r| r.addr() == m.node.addr());
        let st = raft.peer_status(m.id);
        let role = if Some(m.id) == leader {
            "LEADER".to_string()
        } else if m.voter {
            "FOLLOWER".to_string()
        } else {
            // A FOLLOWER still catching up is a learner: StarRocks shows the role it was
            // added with.
            rec.map(|r| r.role.name()).unwrap_or("OBSERVER").to_string()
        };
        let name = rec
            .map(|r| r.name())
            .unwrap_or_else(|| format!("{}_{}_0", m.node.host, m.node.edit_log_port));
        let opt_port = |p: u16| {
            if p == 0 {
                "0".to_string()
            } else {
                p.to_string()
            }
        };
        let row = vec![
            name,
            m.node.host.clone(),
            m.node.edit_log_port.to_string(),
            opt_port(st.http_port),
            opt_port(st.query_port),
            opt_port(st.rpc_port),
            role,
            cluster_id.to_string(),
            "true".to_string(),
            st.alive.to_string(),
            st.applied_index.to_string(),
            time_string(st.last_heartbeat_ms),
            m.voter.to_string(),
            st.err_msg.clone(),
            if st.alive {
                time_string(st.start_time_ms)
            } else {
                "NULL".to_string()
            },
            if st.version.is_empty() {
                "NULL".to_string()
            } else {
                st.version.clone()
            },
        ];
        rows.push(row.into_iter().map(Some).collect());
    }
    ResultSet {
        rows,
        ..ResultSet::with_titles(FRONTEND_TITLES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_formats_follow_debug_util() {
        assert_eq!(capacity(0), "0.000 B");
        assert_eq!(capacity(1024 * 1024 * 1024), "1.000 GB");
        assert_eq!(capacity(1536), "1.500 KB");
        assert_eq!(pretty_bytes(15 * 1024 * 1024 * 1024), "15.000GB");
        assert_eq!(time_string(0), "NULL");
        assert_eq!(time_string(1_700_000_000_000).len(), 19);
    }

    #[test]
    fn titles_have_starrocks_count() {
        assert_eq!(BACKEND_TITLES.len(), 29);
        assert_eq!(FRONTEND_TITLES.len(), 16);
    }
}
