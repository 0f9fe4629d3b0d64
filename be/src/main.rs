//! starload-be: flags, config, telemetry, listeners; nothing else.
//!
//! Flags: `--conf FILE` (be.conf), `--<key>=<value>` for every config key (see `config.rs`),
//! `--help`, `--version`. Env `STARLOAD_BE_<KEY>` sits between the file and the flags.

use starload_be::config::{BeConfig, KEYS};
use starload_be::context::BeContext;
use starload_be::service::{recovery, BeService};
use starload_be::storage::TabletStore;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn usage() -> String {
    format!(
        "usage: starload-be [--conf FILE] [--<key>=<value> ...]\nkeys: {}",
        KEYS.join(", ")
    )
}

/// `--conf=FILE` and the `--key=value` flags.
type Args = (Option<PathBuf>, Vec<(String, String)>);

fn parse_args() -> Result<Args, String> {
    let mut conf = None;
    let mut flags = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--help" || a == "-h" {
            println!("{}", usage());
            std::process::exit(0);
        }
        if a == "--version" {
            println!("starload-be {}", env!("CARGO_PKG_VERSION"));
            std::process::exit(0);
        }
        if a == "--conf" {
            conf = Some(PathBuf::from(args.next().ok_or("--conf needs a file")?));
            continue;
        }
        if let Some(f) = a.strip_prefix("--conf=") {
            conf = Some(PathBuf::from(f));
            continue;
        }
        let Some(kv) = a.strip_prefix("--") else {
            return Err(format!("unexpected argument {a}\n{}", usage()));
        };
        let (k, v) = match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (
                kv.to_string(),
                args.next().ok_or(format!("--{kv} needs a value"))?,
            ),
        };
        flags.push((k, v));
    }
    Ok((conf, flags))
}

fn init_tracing(config: &BeConfig) -> Result<(), String> {
    let dir = PathBuf::from(&config.sys_log_dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let path = dir.join("be.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("open {}: {e}", path.display()))?;
    let level = match config.sys_log_level.to_ascii_uppercase().as_str() {
        "INFO" => "info".to_string(),
        "WARNING" | "WARN" => "warn".to_string(),
        "ERROR" | "FATAL" => "error".to_string(),
        "DEBUG" => "debug".to_string(),
        _ => config.sys_log_level.clone(),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("{level},h2=warn,tower=warn,hyper=warn"))
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init()
        .map_err(|e| format!("tracing: {e}"))
}

async fn bind(port: u16) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(("0.0.0.0", port))
        .await
        .map_err(|e| format!("bind port {port}: {e}"))
}

async fn run() -> Result<(), String> {
    let (conf, flags) = parse_args()?;
    let (config, warnings) = BeConfig::load(conf.as_deref(), std::env::vars(), &flags)?;
    init_tracing(&config)?;
    for w in warnings {
        tracing::warn!("{w}");
    }
    // The cluster token is a secret: the log shows whether one is set, never its value.
    let mut shown = config.clone();
    if !shown.cluster_token.is_empty() {
        shown.cluster_token = "******".into();
    }
    tracing::info!(config = ?shown, "Starting starload-be.");
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| format!("metrics: {e}"))?;
    starload_be::telemetry::register();

    let dir = config.storage_dir();
    let policy = starload_be::storage::compaction::CompactionPolicy::from_config(&config);
    let store = tokio::task::spawn_blocking(move || TabletStore::open_with(&dir, policy))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let store = Arc::new(store);
    let ctx = Arc::new(BeContext::new(config.clone(), store.clone()));
    std::fs::create_dir_all(&ctx.error_log_dir)
        .map_err(|e| format!("create {}: {e}", ctx.error_log_dir.display()))?;
    let _ = ctx
        .routine_load
        .set(starload_be::load::task::TaskExecutor::new(
            config.clone(),
            store.clone(),
            tokio::runtime::Handle::current(),
        ));

    let be_l = bind(config.be_port).await?;
    let hb_l = bind(config.heartbeat_service_port).await?;
    let http_l = bind(config.be_http_port).await?;

    let svc = BeService::new(ctx.clone());
    let grpc = |l: tokio::net::TcpListener, svc: BeService| async move {
        tonic::transport::Server::builder()
            .add_service(svc.into_server())
            .serve_with_incoming(
                tonic::transport::server::TcpIncoming::from(l).with_nodelay(Some(true)),
            )
            .await
            .map_err(|e| format!("grpc server: {e}"))
    };
    let be_srv = tokio::spawn(grpc(be_l, svc.clone()));
    let hb_srv = tokio::spawn(grpc(hb_l, svc));
    let router = starload_be::http::router(ctx.clone(), Some(metrics));
    let http_srv = tokio::spawn(async move {
        axum::serve(http_l, router)
            .await
            .map_err(|e| format!("http server: {e}"))
    });
    tokio::spawn(recovery::run(ctx.clone()));
    // The rejected-row ledger settles what tasks staged before a restart (its resolver thread
    // starts when it opens), before any task or query asks for it.
    // Its dead-letter producer drains what committed txns left in the outbox.
    match starload_be::load::rejected_ledger::of_config(&config) {
        Ok(Some(l)) => starload_be::load::dead_letter::start(&l),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "Rejected-row ledger could not be opened."),
    }
    let sweep_every = Duration::from_secs(config.storage_sweep_interval_second.max(1));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(sweep_every).await;
            let s = store.clone();
            match tokio::task::spawn_blocking(move || s.sweep()).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(rows = n, "Rows of aborted transactions deleted."),
                Ok(Err(e)) => tracing::warn!(error = %e, "Sweep of aborted rows failed."),
                Err(e) => tracing::warn!(error = %e, "Sweep task failed."),
            }
        }
    });
    let compact_every =
        Duration::from_secs(config.cumulative_compaction_check_interval_seconds.max(1));
    let cstore = ctx.store.clone();
    tokio::spawn(async move {
        loop {
            // Back-pressure wakes the loop early.
            tokio::select! {
                _ = tokio::time::sleep(compact_every) => {}
                _ = cstore.compaction_wake.notified() => {}
            }
            let s = cstore.clone();
            match tokio::task::spawn_blocking(move || s.compact_due()).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "Compaction failed."),
                Err(e) => tracing::warn!(error = %e, "Compaction task failed."),
            }
        }
    });
    tracing::info!(
        be_port = config.be_port,
        heartbeat_service_port = config.heartbeat_service_port,
        be_http_port = config.be_http_port,
        tablets = ctx.store.tablet_count(),
        "starload-be started."
    );
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    tokio::select! {
        r = be_srv => r.map_err(|e| e.to_string())??,
        r = hb_srv => r.map_err(|e| e.to_string())??,
        r = http_srv => r.map_err(|e| e.to_string())??,
        _ = tokio::signal::ctrl_c() => tracing::info!("Interrupted; exiting."),
        _ = term.recv() => tracing::info!("Terminated; exiting."),
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        tracing::error!("{e}");
        eprintln!("starload-be: {e}");
        std::process::exit(1);
    }
}
