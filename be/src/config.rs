//! BE configuration: StarRocks `be.conf` key names (`key = value` lines, `#` comments).
//! Precedence: default < file (`--conf FILE`) < env (`STARLOAD_BE_<KEY>`) < CLI flag
//! (`--<key>=<value>`). Unknown keys produce a warning and startup continues.

use std::path::{Path, PathBuf};

/// Typed BE configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct BeConfig {
    /// gRPC BackendService port (StarRocks: thrift be_port).
    pub be_port: u16,
    /// Heartbeat service port: the address the FE is given in ALTER SYSTEM ADD BACKEND.
    pub heartbeat_service_port: u16,
    /// HTTP port (alias `webserver_port`).
    pub be_http_port: u16,
    /// brpc port (reported in SHOW BACKENDS; unused).
    pub brpc_port: u16,
    /// Address the BE reports for itself (StarRocks takes a CIDR; a plain address works here).
    pub priority_networks: String,
    /// Tablet storage directory (StarRocks syntax `path[,medium:SSD][;path2]`: first path used).
    pub storage_root_path: String,
    /// Directory of `be.log`.
    pub sys_log_dir: String,
    /// `INFO`, `WARNING`, `ERROR` or `FATAL` (StarRocks), or a tracing filter.
    pub sys_log_level: String,
    /// Shared secret carried by every gRPC request; empty = none.
    pub cluster_token: String,
    /// Kafka consumers per partition group of one task.
    pub max_consumer_num_per_group: i64,
    /// Routine load tasks that may run at once on this BE.
    pub routine_load_thread_pool_size: i64,
    /// Timeout of Kafka metadata/offset calls.
    pub routine_load_kafka_timeout_second: i64,
    /// Seconds between sweeps that delete the rows of aborted transactions.
    pub storage_sweep_interval_second: u64,
    /// Seconds between checks for tablets to compact (StarRocks name).
    pub cumulative_compaction_check_interval_seconds: u64,
    /// Eligible versions of a tablet that start a compaction (StarRocks name).
    pub min_cumulative_compaction_num_singleton_deltas: i64,
    /// Uncompacted versions of a tablet at which each staged batch waits
    /// `compaction_max_load_delay_ms`; loads start slowing down at half of it. StarRocks fails
    /// loads here ("Too many versions"); starload slows them down instead.
    pub tablet_max_versions: i64,
    /// Longest back-pressure wait per staged batch, milliseconds.
    pub compaction_max_load_delay_ms: u64,
    /// Versions superseded less than this many seconds ago stay readable (not compacted), so
    /// queries planned at them can still read them.
    pub compaction_read_grace_second: u64,
    /// Bytes of rejected rows the ledger keeps per routine load job (0 = no ledger).
    pub rejected_ledger_max_bytes_per_job: u64,
    /// Seconds a rejected row stays in the ledger.
    pub rejected_ledger_max_age_second: u64,
}

impl Default for BeConfig {
    fn default() -> Self {
        Self {
            be_port: 9060,
            heartbeat_service_port: 9050,
            be_http_port: 8040,
            brpc_port: 8060,
            priority_networks: "127.0.0.1".into(),
            storage_root_path: "./storage".into(),
            sys_log_dir: "./log".into(),
            sys_log_level: "INFO".into(),
            cluster_token: String::new(),
            max_consumer_num_per_group: 3,
            routine_load_thread_pool_size: 10,
            routine_load_kafka_timeout_second: 10,
            storage_sweep_interval_second: 10,
            cumulative_compaction_check_interval_seconds: 1,
            min_cumulative_compaction_num_singleton_deltas: 5,
            tablet_max_versions: 1000,
            compaction_max_load_delay_ms: 1000,
            compaction_read_grace_second: 60,
            rejected_ledger_max_bytes_per_job: 64 << 20,
            rejected_ledger_max_age_second: 7 * 24 * 3600,
        }
    }
}

/// One key of [`BeConfig::entries`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    pub name: &'static str,
    /// StarRocks's config type name (`int32`, `int64`, `string`).
    pub kind: &'static str,
    pub value: String,
    pub default_value: String,
}

/// Every key [`BeConfig::set`] accepts (aliases included).
pub const KEYS: &[&str] = &[
    "be_port",
    "heartbeat_service_port",
    "be_http_port",
    "webserver_port",
    "brpc_port",
    "priority_networks",
    "storage_root_path",
    "sys_log_dir",
    "sys_log_level",
    "cluster_token",
    "max_consumer_num_per_group",
    "routine_load_thread_pool_size",
    "routine_load_kafka_timeout_second",
    "storage_sweep_interval_second",
    "cumulative_compaction_check_interval_seconds",
    "min_cumulative_compaction_num_singleton_deltas",
    "tablet_max_versions",
    "compaction_max_load_delay_ms",
    "compaction_read_grace_second",
    "rejected_ledger_max_bytes_per_job",
    "rejected_ledger_max_age_second",
];

fn num<T: std::str::FromStr>(key: &str, v: &str) -> Result<T, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("invalid value '{v}' for config '{key}'"))
}

impl BeConfig {
    /// Sets one key. `Ok(false)` for an unknown key (the caller warns), `Err` for a bad value.
    pub fn set(&mut self, key: &str, value: &str) -> Result<bool, String> {
        let v = value.trim();
        match key.trim() {
            "be_port" => self.be_port = num(key, v)?,
            "heartbeat_service_port" => self.heartbeat_service_port = num(key, v)?,
            "be_http_port" | "webserver_port" => self.be_http_port = num(key, v)?,
            "brpc_port" => self.brpc_port = num(key, v)?,
            "priority_networks" => self.priority_networks = v.into(),
            "storage_root_path" => self.storage_root_path = v.into(),
            "sys_log_dir" => self.sys_log_dir = v.into(),
            "sys_log_level" => self.sys_log_level = v.into(),
            "cluster_token" => self.cluster_token = v.into(),
            "max_consumer_num_per_group" => self.max_consumer_num_per_group = num(key, v)?,
            "routine_load_thread_pool_size" => self.routine_load_thread_pool_size = num(key, v)?,
            "routine_load_kafka_timeout_second" => {
                self.routine_load_kafka_timeout_second = num(key, v)?
            }
            "storage_sweep_interval_second" => self.storage_sweep_interval_second = num(key, v)?,
            "cumulative_compaction_check_interval_seconds" => {
                self.cumulative_compaction_check_interval_seconds = num(key, v)?
            }
            "min_cumulative_compaction_num_singleton_deltas" => {
                self.min_cumulative_compaction_num_singleton_deltas = num(key, v)?
            }
            "tablet_max_versions" => self.tablet_max_versions = num(key, v)?,
            "compaction_max_load_delay_ms" => self.compaction_max_load_delay_ms = num(key, v)?,
            "compaction_read_grace_second" => self.compaction_read_grace_second = num(key, v)?,
            "rejected_ledger_max_bytes_per_job" => {
                self.rejected_ledger_max_bytes_per_job = num(key, v)?
            }
            "rejected_ledger_max_age_second" => self.rejected_ledger_max_age_second = num(key, v)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Applies `key = value` lines; returns warnings for unknown keys and malformed lines.
    pub fn apply_file_text(&mut self, text: &str) -> Result<Vec<String>, String> {
        let mut warnings = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                warnings.push(format!("line {}: not `key = value`: {line}", n + 1));
                continue;
            };
            // StarRocks allows `${VAR}`-free values with trailing comments only after `#`.
            let v = v.split(" #").next().unwrap_or(v);
            if !self.set(k, v)? {
                warnings.push(format!("unknown config '{}' ignored", k.trim()));
            }
        }
        Ok(warnings)
    }

    /// Builds the config from a file, the environment and CLI flags (see module docs).
    /// Returns the config and warnings to log once tracing is up.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        flags: &[(String, String)],
    ) -> Result<(Self, Vec<String>), String> {
        let mut c = Self::default();
        let mut warnings = Vec::new();
        if let Some(f) = file {
            let text = std::fs::read_to_string(f)
                .map_err(|e| format!("cannot read config file {}: {e}", f.display()))?;
            warnings.extend(c.apply_file_text(&text)?);
        }
        for (k, v) in env {
            if let Some(key) = k.strip_prefix("STARLOAD_BE_") {
                if !c.set(&key.to_ascii_lowercase(), &v)? {
                    warnings.push(format!("unknown config in environment {k} ignored"));
                }
            }
        }
        for (k, v) in flags {
            if !c.set(k, v)? {
                return Err(format!("unknown flag --{k}"));
            }
        }
        Ok((c, warnings))
    }

    /// Every key with its value, StarRocks's type name and default, in [`KEYS`] order
    /// (aliases left out): `information_schema.be_configs`. Secrets print as `******`.
    pub fn entries(&self) -> Vec<ConfigEntry> {
        let d = Self::default();
        let c = self;
        let mut out = Vec::new();
        let mut put = |name: &'static str, kind: &'static str, v: String, dv: String| {
            let secret = name.ends_with("token") || name.ends_with("password");
            let mask = |s: String| {
                if secret && !s.is_empty() {
                    "******".into()
                } else {
                    s
                }
            };
            out.push(ConfigEntry {
                name,
                kind,
                value: mask(v),
                default_value: mask(dv),
            });
        };
        macro_rules! num {
            ($name:ident, $kind:literal) => {
                put(
                    stringify!($name),
                    $kind,
                    c.$name.to_string(),
                    d.$name.to_string(),
                )
            };
        }
        num!(be_port, "int32");
        num!(heartbeat_service_port, "int32");
        num!(be_http_port, "int32");
        num!(brpc_port, "int32");
        num!(priority_networks, "string");
        num!(storage_root_path, "string");
        num!(sys_log_dir, "string");
        num!(sys_log_level, "string");
        num!(cluster_token, "string");
        num!(max_consumer_num_per_group, "int64");
        num!(routine_load_thread_pool_size, "int64");
        num!(routine_load_kafka_timeout_second, "int64");
        num!(storage_sweep_interval_second, "int64");
        num!(cumulative_compaction_check_interval_seconds, "int64");
        num!(min_cumulative_compaction_num_singleton_deltas, "int64");
        num!(tablet_max_versions, "int64");
        num!(compaction_max_load_delay_ms, "int64");
        num!(compaction_read_grace_second, "int64");
        num!(rejected_ledger_max_bytes_per_job, "int64");
        num!(rejected_ledger_max_age_second, "int64");
        out
    }

    /// The tablet storage directory (first path of `storage_root_path`).
    pub fn storage_dir(&self) -> PathBuf {
        let first = self.storage_root_path.split(';').next().unwrap_or(".");
        PathBuf::from(first.split(',').next().unwrap_or(first).trim())
    }

    /// Directory the load error logs are written to and served from
    /// (StarRocks: `<storage_root_path>/error_log`).
    pub fn error_log_dir(&self) -> PathBuf {
        self.storage_dir().join("error_log")
    }

    /// The host part of `priority_networks` (without a CIDR suffix).
    pub fn host(&self) -> String {
        let h = self
            .priority_networks
            .split(';')
            .next()
            .unwrap_or("127.0.0.1");
        h.split('/').next().unwrap_or(h).trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_list_every_key_once_and_mask_the_token() {
        let c = BeConfig {
            cluster_token: "s3cret".into(),
            ..BeConfig::default()
        };
        let e = c.entries();
        let names: Vec<&str> = e.iter().map(|e| e.name).collect();
        let keys: Vec<&str> = KEYS
            .iter()
            .copied()
            .filter(|k| *k != "webserver_port")
            .collect();
        assert_eq!(names, keys);
        let token = e.iter().find(|e| e.name == "cluster_token").unwrap();
        assert_eq!(
            (token.value.as_str(), token.default_value.as_str()),
            ("******", "")
        );
        let port = e.iter().find(|e| e.name == "be_port").unwrap();
        assert_eq!((port.kind, port.value.as_str()), ("int32", "9060"));
    }

    #[test]
    fn precedence_default_file_env_flag() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("be.conf");
        std::fs::write(
            &f,
            "# comment\nbe_port = 19060\nwebserver_port=18040\nheartbeat_service_port = 19050\nmystery = 1\n",
        )
        .unwrap();
        let env = vec![
            (
                "STARLOAD_BE_HEARTBEAT_SERVICE_PORT".to_string(),
                "29050".to_string(),
            ),
            ("PATH".to_string(), "/bin".to_string()),
        ];
        let flags = vec![("be_port".to_string(), "39060".to_string())];
        let (c, warnings) = BeConfig::load(Some(&f), env, &flags).unwrap();
        assert_eq!(c.be_port, 39060);
        assert_eq!(c.heartbeat_service_port, 29050);
        assert_eq!(c.be_http_port, 18040);
        assert_eq!(c.brpc_port, 8060);
        assert_eq!(
            warnings,
            vec!["unknown config 'mystery' ignored".to_string()]
        );
        assert!(BeConfig::load(None, vec![], &[("nope".into(), "1".into())]).is_err());
        assert!(BeConfig::load(None, vec![], &[("be_port".into(), "x".into())]).is_err());
    }

    #[test]
    fn storage_paths() {
        let mut c = BeConfig::default();
        c.set("storage_root_path", "/data1,medium:SSD;/data2")
            .unwrap();
        assert_eq!(c.storage_dir(), PathBuf::from("/data1"));
        assert_eq!(c.error_log_dir(), PathBuf::from("/data1/error_log"));
        c.set("priority_networks", "10.0.0.0/24").unwrap();
        assert_eq!(c.host(), "10.0.0.0");
    }

    #[test]
    fn every_key_is_settable() {
        let mut c = BeConfig::default();
        for k in KEYS {
            let v = if k.contains("port")
                || k.contains("num")
                || k.contains("size")
                || k.contains("second")
                || k.contains("versions")
                || k.contains("bytes")
                || k.ends_with("_ms")
            {
                "7"
            } else {
                "x"
            };
            assert_eq!(c.set(k, v), Ok(true), "{k}");
        }
    }
}
