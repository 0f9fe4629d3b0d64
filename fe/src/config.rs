//! FE configuration: StarRocks `fe.conf` key names, typed, with defaults.
//! Precedence: default < file (`--conf fe.conf`) < env (`STARLOAD_FE_<KEY>`) < CLI (`--key=value`).
//! Mutable items can be changed at run time with `ADMIN SET FRONTEND CONFIG` (they are not
//! persisted, as in StarRocks). Every item is listed once in the `fe_config!` table below.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// One config item as `ADMIN SHOW FRONTEND CONFIG` prints it.
#[derive(Debug, Clone)]
pub struct ConfigItem {
    pub key: &'static str,
    pub value: String,
    pub type_name: &'static str,
    pub mutable: bool,
    pub comment: &'static str,
}

/// Error while setting a config value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `Config '%s' does not exist or is not mutable`
    #[error("Config '{0}' does not exist or is not mutable")]
    NotExistOrImmutable(String),
    /// Bad value for a known key.
    #[error("{0}")]
    BadValue(String),
}

trait ConfValue: Sized {
    const TYPE: &'static str;
    fn parse_conf(s: &str) -> Option<Self>;
    fn show(&self) -> String;
}
macro_rules! num_conf {
    ($t:ty, $name:expr) => {
        impl ConfValue for $t {
            const TYPE: &'static str = $name;
            fn parse_conf(s: &str) -> Option<Self> {
                s.trim().parse().ok()
            }
            fn show(&self) -> String {
                self.to_string()
            }
        }
    };
}
num_conf!(i64, "long");
num_conf!(i32, "int");
num_conf!(u16, "int");
num_conf!(f64, "double");
impl ConfValue for bool {
    const TYPE: &'static str = "boolean";
    fn parse_conf(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }
    fn show(&self) -> String {
        self.to_string()
    }
}
impl ConfValue for String {
    const TYPE: &'static str = "String";
    fn parse_conf(s: &str) -> Option<Self> {
        Some(s.trim().to_string())
    }
    fn show(&self) -> String {
        self.clone()
    }
}

macro_rules! fe_config {
    ($( $(#[doc = $doc:literal])* $name:ident : $t:ty = $default:expr, mutable = $m:expr; )*) => {
        /// Typed FE configuration. See the module docs for precedence.
        #[derive(Debug, Clone)]
        pub struct FeConfig { $( $(#[doc = $doc])* pub $name: $t, )* }

        impl Default for FeConfig {
            fn default() -> Self { Self { $( $name: $default.into(), )* } }
        }

        impl FeConfig {
            /// Sets `key` from text. `runtime` = true enforces mutability (ADMIN SET FRONTEND CONFIG).
            pub fn set(&mut self, key: &str, value: &str, runtime: bool) -> Result<(), ConfigError> {
                match key {
                    $( stringify!($name) => {
                        if runtime && !$m { return Err(ConfigError::NotExistOrImmutable(key.to_string())); }
                        let v = <$t as ConfValue>::parse_conf(value).ok_or_else(|| ConfigError::BadValue(
                            format!("Invalid value '{}' for config '{}': expected {}", value, key, <$t as ConfValue>::TYPE)))?;
                        self.$name = v;
                        Ok(())
                    } )*
                    _ => Err(ConfigError::NotExistOrImmutable(key.to_string())),
                }
            }

            /// Every item, sorted by key.
            pub fn items(&self) -> Vec<ConfigItem> {
                let mut v = vec![ $( ConfigItem {
                    key: stringify!($name),
                    value: ConfValue::show(&self.$name),
                    type_name: <$t as ConfValue>::TYPE,
                    mutable: $m,
                    comment: concat!($($doc),*).trim_ascii(),
                }, )* ];
                v.sort_by(|a, b| a.key.cmp(b.key));
                v
            }
        }
    };
}

fe_config! {
    /// MySQL protocol port.
    query_port: u16 = 9030u16, mutable = false;
    /// HTTP port (/api/health, /metrics).
    http_port: u16 = 8030u16, mutable = false;
    /// gRPC port for BE -> FE calls (StarRocks: thrift rpc_port).
    rpc_port: u16 = 9020u16, mutable = false;
    /// FE <-> FE port: Raft replication of the metadata, forwarded statements (StarRocks's
    /// BDB-JE edit log port).
    edit_log_port: u16 = 9010u16, mutable = false;
    /// `host:edit_log_port` of a running FE of the cluster this FE joins (StarRocks's
    /// `--helper`); empty for the first FE, which starts a new cluster.
    helper: String = "", mutable = false;
    /// Raft heartbeat period between frontends, ms.
    meta_heartbeat_interval_ms: i64 = 100i64, mutable = false;
    /// Election timeout, ms (openraft's election_timeout_min; the max is 1.5x). A follower
    /// that hears nothing from the leader first waits out the leader's lease (the max), then
    /// a randomized timeout between min and max: it starts an election after 2.5x to 3x this
    /// long (0.75-0.9 s by default). A leader that hears from no quorum for this long stops
    /// accepting writes. 300 ms: at 500 ms, kill -9 of the leader stopped writes for 1.3 s
    /// (median) and 3.7 s (p99 of a 100-trial campaign, after a second election round); the
    /// heartbeat (100 ms) still leaves a follower 7 missed heartbeats before it campaigns.
    meta_election_timeout_ms: i64 = 300i64, mutable = false;
    /// Address the FE binds and advertises.
    priority_networks: String = "127.0.0.1", mutable = false;
    /// Directory of the RocksDB metadata store.
    meta_dir: String = "./meta", mutable = false;
    /// Log directory.
    sys_log_dir: String = "./log", mutable = false;
    /// Log level.
    sys_log_level: String = "INFO", mutable = false;
    /// Server version announced in the handshake, VERSION() and @@version.
    mysql_server_version: String = "8.0.33", mutable = true;
    /// The StarRocks release starload mirrors (in version_comment and current_version()).
    starrocks_version: String = "3.4.0", mutable = false;
    /// Default replication_num of new tables.
    default_replication_num: i64 = 3i64, mutable = true;
    /// Password of root on a new cluster (first start only; later SET PASSWORD; empty = none).
    root_password: String = "", mutable = false;
    /// Shared secret every FE<->BE call carries (empty = none; set it on real networks).
    cluster_token: String = "", mutable = false;
    /// PEM certificate chain for MySQL connections over TLS (empty = plaintext only).
    /// StarRocks reads a keystore (`ssl_keystore_location`); starload reads PEM files.
    ssl_cert_file: String = "", mutable = false;
    /// PEM private key matching `ssl_cert_file`.
    ssl_key_file: String = "", mutable = false;
    /// Refuse MySQL clients that do not switch to TLS (localhost exempt, as StarRocks).
    ssl_force_secure_transport: bool = false, mutable = false;
    /// Heartbeat period to each BE, ms.
    heartbeat_interval_ms: i64 = 1000i64, mutable = true;
    /// A BE is considered dead after this long without a successful heartbeat, ms.
    heartbeat_timeout_ms: i64 = 5000i64, mutable = true;
    /// Per-job task cap; also the default desired concurrency.
    max_routine_load_task_concurrent_num: i64 = 5i64, mutable = true;
    /// Task slots per BE.
    max_routine_load_task_num_per_be: i64 = 16i64, mutable = true;
    /// Bytes per task.
    max_routine_load_batch_size: i64 = 4294967296i64, mutable = true;
    /// Default task_consume_second.
    routine_load_task_consume_second: i64 = 15i64, mutable = true;
    /// Default task_timeout_second.
    routine_load_task_timeout_second: i64 = 60i64, mutable = true;
    /// Kafka metadata / offset request timeout.
    routine_load_kafka_timeout_second: i64 = 12i64, mutable = true;
    /// UNSTABLE threshold.
    routine_load_unstable_threshold_second: i64 = 3600i64, mutable = true;
    /// Auto-resume condition: tolerated dead BEs.
    max_tolerable_backend_down_num: i64 = 0i64, mutable = true;
    /// Auto-resume window, minutes.
    period_of_auto_resume_min: i64 = 5i64, mutable = true;
    /// Lag metric threshold.
    min_routine_load_lag_for_metrics: i64 = 10000i64, mutable = true;
    /// Emit the per-job max lag metric.
    enable_routine_load_lag_metrics: bool = false, mutable = true;
    /// Retention of final jobs and finished transactions, seconds.
    label_keep_max_second: i64 = 259200i64, mutable = true;
    /// How long the offset ledger (SHOW ROUTINE LOAD TXN) keeps a transaction's record, seconds.
    routine_load_txn_ledger_keep_second: i64 = 259200i64, mutable = true;
    /// SHOW ROUTINE LOAD's OtherMsg warns when Kafka retention may delete a job's unread
    /// messages within this many seconds (SHOW ROUTINE LOAD LAG's RetentionHorizonSeconds).
    routine_load_retention_warning_second: i64 = 3600i64, mutable = true;
    /// Scheduler round period (partition discovery, timeouts), ms.
    routine_load_scheduler_interval_ms: i64 = 10000i64, mutable = true;
    /// Allow column names starting with __op / __row.
    allow_system_reserved_names: bool = false, mutable = true;
    /// Period of the dynamic partition check (creates and drops the partitions of tables with
    /// `dynamic_partition.enable` = true), seconds.
    dynamic_partition_check_interval_seconds: i64 = 600i64, mutable = true;
}

/// Shared, swappable config: readers take a cheap snapshot, ADMIN SET swaps it.
#[derive(Debug, Clone)]
pub struct ConfigHandle(Arc<RwLock<Arc<FeConfig>>>);

impl ConfigHandle {
    pub fn new(c: FeConfig) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(c))))
    }

    /// A snapshot of the current config.
    pub fn get(&self) -> Arc<FeConfig> {
        match self.0.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// ADMIN SET FRONTEND CONFIG: only mutable keys.
    pub fn set_runtime(&self, key: &str, value: &str) -> Result<(), ConfigError> {
        let mut guard = match self.0.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let mut next = (**guard).clone();
        next.set(key, value, true)?;
        *guard = Arc::new(next);
        Ok(())
    }
}

/// Reads a `key = value` file. Unknown keys are returned as warnings, not errors.
pub fn parse_conf_text(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        })
        .collect()
}

/// Builds the effective config from file text, environment and CLI pairs (in that order).
/// Returns the config and warnings for unknown keys or bad values.
pub fn load(
    file_text: Option<&str>,
    env: &BTreeMap<String, String>,
    cli: &[(String, String)],
) -> (FeConfig, Vec<String>) {
    let mut c = FeConfig::default();
    let mut warnings = Vec::new();
    let mut apply = |k: &str, v: &str, src: &str| {
        if let Err(e) = c.set(k, v, false) {
            warnings.push(format!("{src}: {e}"));
        }
    };
    if let Some(t) = file_text {
        for (k, v) in parse_conf_text(t) {
            apply(&k, &v, "fe.conf");
        }
    }
    for (k, v) in env {
        if let Some(key) = k.strip_prefix("STARLOAD_FE_") {
            apply(&key.to_ascii_lowercase(), v, "env");
        }
    }
    for (k, v) in cli {
        apply(k, v, "flag");
    }
    (c, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_file_env_cli() {
        let env = BTreeMap::from([("STARLOAD_FE_HTTP_PORT".to_string(), "8031".to_string())]);
        let (c, w) = load(
            Some("query_port = 9031\nhttp_port=8035\nbogus = 1\n"),
            &env,
            &[("rpc_port".into(), "9022".into())],
        );
        assert_eq!((c.query_port, c.http_port, c.rpc_port), (9031, 8031, 9022));
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn runtime_set_respects_mutability() {
        let h = ConfigHandle::new(FeConfig::default());
        h.set_runtime("max_routine_load_task_concurrent_num", "7")
            .unwrap();
        assert_eq!(h.get().max_routine_load_task_concurrent_num, 7);
        assert_eq!(
            h.set_runtime("query_port", "1").unwrap_err().to_string(),
            "Config 'query_port' does not exist or is not mutable"
        );
    }
}
