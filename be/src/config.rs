//! BE configuration: StarRocks `be.conf` key names. Precedence: default < file < env
//! (`STARLOAD_BE_<KEY>`) < CLI flag.

/// Typed BE configuration.
#[derive(Debug, Clone)]
pub struct BeConfig {
    /// gRPC BackendService port (StarRocks: thrift be_port).
    pub be_port: u16,
    /// Heartbeat service port: the address the FE is given in ALTER SYSTEM ADD BACKEND.
    pub heartbeat_service_port: u16,
    /// HTTP port.
    pub be_http_port: u16,
    /// brpc port (reported in SHOW BACKENDS; unused).
    pub brpc_port: u16,
    pub priority_networks: String,
    /// Tablet storage directory.
    pub storage_root_path: String,
    pub sys_log_dir: String,
    pub cluster_token: String,
    pub max_consumer_num_per_group: i64,
    pub routine_load_thread_pool_size: i64,
    pub routine_load_kafka_timeout_second: i64,
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
            cluster_token: String::new(),
            max_consumer_num_per_group: 3,
            routine_load_thread_pool_size: 10,
            routine_load_kafka_timeout_second: 10,
        }
    }
}
