//! starload-fe: flags, config, telemetry, listeners; nothing else.
//!
//! Usage: `starload-fe [--conf fe.conf] [--key=value ...]` (keys are fe.conf names; precedence
//! default < file < env `STARLOAD_FE_<KEY>` < flag). Logs go to `<sys_log_dir>/fe.log` and
//! stderr.

use starload_fe::config::{self, FeConfig};
use starload_fe::context::FeContext;
use starload_fe::ha;
use starload_fe::handler::dynamic_partition_scheduler;
use starload_fe::meta::raft::{FeNode, MetaRaft, RaftTiming};
use starload_fe::meta::MetaStore;
use starload_fe::routine_load::scheduler;
use starload_fe::txn::publish;
use starload_fe::{http, rpc, server};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

const USAGE: &str = "usage: starload-fe [--conf FILE] [--<fe.conf key>=VALUE ...]";

/// Command-line flags: the config file and `key=value` overrides.
#[derive(Debug, Default, PartialEq, Eq)]
struct Flags {
    conf: Option<String>,
    overrides: Vec<(String, String)>,
}

fn parse_flags(args: &[String]) -> Result<Flags, String> {
    let mut flags = Flags::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let Some(body) = a.strip_prefix("--") else {
            return Err(format!("unexpected argument '{a}'"));
        };
        let (key, value) = match body.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => {
                let v = it
                    .next()
                    .ok_or_else(|| format!("flag --{body} needs a value"))?;
                (body.to_string(), v.clone())
            }
        };
        let key = key.replace('-', "_");
        if key == "conf" {
            flags.conf = Some(value);
        } else {
            flags.overrides.push((key, value));
        }
    }
    Ok(flags)
}

/// Logs to `<sys_log_dir>/fe.log` and stderr at `sys_log_level` (RUST_LOG overrides).
fn init_telemetry(cfg: &FeConfig) -> Result<(), String> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{fmt, EnvFilter};
    std::fs::create_dir_all(&cfg.sys_log_dir)
        .map_err(|e| format!("cannot create sys_log_dir {}: {e}", cfg.sys_log_dir))?;
    let path = std::path::Path::new(&cfg.sys_log_dir).join("fe.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let level = match cfg.sys_log_level.to_ascii_uppercase().as_str() {
        "DEBUG" => "debug",
        "WARN" | "WARNING" => "warn",
        "ERROR" | "FATAL" => "error",
        "TRACE" => "trace",
        _ => "info",
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},h2=warn,hyper=warn,tower=warn")));
    tracing_subscriber::registry()
        .with(filter)
        .with(
            fmt::layer()
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file)),
        )
        .with(fmt::layer().with_writer(std::io::stderr))
        .try_init()
        .map_err(|e| e.to_string())
}

fn bind_ip(cfg: &FeConfig) -> IpAddr {
    // priority_networks may be a plain address (bind to it) or CIDR list (bind everywhere).
    cfg.priority_networks
        .trim()
        .parse()
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

#[tokio::main]
async fn main() -> ExitCode {
    let started = Instant::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if args.iter().any(|a| a == "--version") {
        println!("starload-fe {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let flags = match parse_flags(&args) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let file_text = match &flags.conf {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("cannot read {path}: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let (cfg, warnings) = config::load(file_text.as_deref(), &env, &flags.overrides);
    if let Err(e) = init_telemetry(&cfg) {
        eprintln!("{e}");
        return ExitCode::from(1);
    }
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let effective: Vec<String> = cfg
        .items()
        .into_iter()
        .map(|i| {
            if i.key.ends_with("password") || i.key.ends_with("token") {
                format!("{}=<{} chars>", i.key, i.value.len())
            } else {
                format!("{}={}", i.key, i.value)
            }
        })
        .collect();
    tracing::info!(config = %effective.join(" "), "Effective config.");

    let metrics = http::install_metrics_recorder();
    let ip = bind_ip(&cfg);
    let (query_port, http_port, rpc_port) = (cfg.query_port, cfg.http_port, cfg.rpc_port);
    let edit_log_port = cfg.edit_log_port;
    let meta = match MetaStore::open(std::path::Path::new(&cfg.meta_dir)) {
        Ok(m) => Arc::new(m),
        Err(e) => {
            tracing::error!(error = %e, "Cannot open the FE metadata store.");
            return ExitCode::from(1);
        }
    };
    // The edit log port first: peers reach this FE for votes and replication as soon as its
    // Raft node runs.
    let edit_listener =
        match tokio::net::TcpListener::bind(SocketAddr::new(ip, edit_log_port)).await {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, port = edit_log_port, "Cannot bind edit_log_port.");
                return ExitCode::from(1);
            }
        };
    let node = FeNode {
        host: cfg.priority_networks.clone(),
        edit_log_port,
    };
    let timing = RaftTiming {
        heartbeat_ms: cfg.meta_heartbeat_interval_ms.max(20) as u64,
        election_timeout_ms: cfg.meta_election_timeout_ms.max(100) as u64,
    };
    let raft = match MetaRaft::start(meta.db(), node, cfg.cluster_token.clone(), timing).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "Cannot start the metadata Raft node.");
            return ExitCode::from(1);
        }
    };
    meta.attach_raft(raft.clone());
    let ctx = match FeContext::open_with(cfg.clone(), meta.clone()) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "Cannot load the FE metadata.");
            return ExitCode::from(1);
        }
    };
    {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            if let Err(e) = rpc::ha_service::serve(ctx, edit_listener).await {
                tracing::error!(error = %e, "FrontendHaService stopped.");
            }
        });
    }
    if let Err(e) = ha::join::prepare(&cfg, &meta, &raft).await {
        tracing::error!(error = %e, "Cannot join the cluster.");
        return ExitCode::from(1);
    }
    let mysql = match server::bind(SocketAddr::new(ip, query_port)).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, port = query_port, "Cannot bind query_port.");
            return ExitCode::from(1);
        }
    };
    let http_listener = match tokio::net::TcpListener::bind(SocketAddr::new(ip, http_port)).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, port = http_port, "Cannot bind http_port.");
            return ExitCode::from(1);
        }
    };

    let tls = match server::tls_config(&ctx.config.get()) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "Cannot load the MySQL TLS certificate.");
            return ExitCode::from(1);
        }
    };
    // Each loop is started exactly once, here (two publishers side by side published every
    // txn twice once). They work only while this FE is the active leader: recovery (aborting
    // the PREPARE transactions of an earlier leader or process, cleaning up interrupted
    // INSERT OVERWRITEs) runs in `ha::leadership` before the FE becomes active, so no loop
    // ever sees a task of an earlier run as alive.
    let publisher = Arc::new(ctx.publisher());
    publish::start(publisher);
    scheduler::start(Arc::new(ctx.routine_load_context()));
    // Creates and drops the partitions of dynamically partitioned tables (StarRocks's
    // DynamicPartitionScheduler); its first look at every table comes within a second.
    dynamic_partition_scheduler::start(ctx.clone());
    tokio::spawn(server::serve(ctx.clone(), mysql, tls));
    {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            if let Err(e) = http::serve(ctx, http_listener, metrics).await {
                tracing::error!(error = %e, "HTTP server stopped.");
            }
        });
    }
    {
        let ctx = ctx.clone();
        let addr = SocketAddr::new(ip, rpc_port);
        tokio::spawn(async move {
            if let Err(e) = rpc::serve(ctx, addr).await {
                tracing::error!(error = %e, "FrontendService stopped.");
            }
        });
    }
    ctx.cluster.start();
    ha::leadership::start(ctx.clone());
    ha::peers::start(ctx.clone());
    tracing::info!(
        query_port,
        http_port,
        rpc_port,
        edit_log_port,
        startup_ms = started.elapsed().as_millis() as u64,
        "starload-fe started."
    );

    wait_for_shutdown().await;
    tracing::info!("starload-fe stopping.");
    ExitCode::SUCCESS
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse() {
        let args: Vec<String> = [
            "--conf",
            "fe.conf",
            "--query_port=9031",
            "--http-port",
            "8031",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let f = parse_flags(&args).unwrap();
        assert_eq!(f.conf.as_deref(), Some("fe.conf"));
        assert_eq!(
            f.overrides,
            vec![
                ("query_port".to_string(), "9031".to_string()),
                ("http_port".to_string(), "8031".to_string())
            ]
        );
        assert!(parse_flags(&["x".to_string()]).is_err());
        assert!(parse_flags(&["--meta_dir".to_string()]).is_err());
    }
}
