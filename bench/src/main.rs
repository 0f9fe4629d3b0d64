//! starload-bench: benchmarks, never timed tests. Each subcommand prints its figures.
//!
//! ```text
//! starload-bench startup [--runs N]   time from starload-fe start to the first accepted query
//!                                     (median of N fresh starts), idle RSS of the FE and one BE
//! ```
//! Binaries are found like the test harness finds them (`starload_compat_tests::paths`), so
//! build first: `cargo build --release --workspace` (never `-p`: it rebuilds DataFusion with other features).

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use starload_compat_tests::paths::fe_binary;
use starload_compat_tests::poll::Deadline;
use starload_compat_tests::ports::free_ports;
use starload_compat_tests::process::ChildGuard;
use starload_compat_tests::sql::{connect, mysql_url, query};
use starload_compat_tests::Cluster;

/// Resident set size of `pid` in KiB, from /proc.
fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmRSS")
}

/// One fresh FE start: time until `SELECT 1` succeeds.
async fn fe_start_once() -> Result<Duration> {
    let dir = tempfile::tempdir()?;
    let p = free_ports(4)?;
    let args = vec![
        format!("--query_port={}", p[0]),
        format!("--http_port={}", p[1]),
        format!("--rpc_port={}", p[2]),
        format!("--edit_log_port={}", p[3]),
        format!("--meta_dir={}", dir.path().join("meta").display()),
        format!("--sys_log_dir={}", dir.path().join("log").display()),
    ];
    let bin = fe_binary()?;
    let started = Instant::now();
    let mut child = ChildGuard::spawn(
        "starload-fe",
        &bin,
        &args,
        dir.path(),
        &dir.path().join("fe.out"),
        &[],
    )?;
    let url = mysql_url(p[0], "root", "", None);
    let d = Deadline::after(Duration::from_secs(60));
    loop {
        if let Ok(mut c) = connect(&url).await {
            if query(&mut c, "SELECT 1").await.is_ok() {
                let t = started.elapsed();
                child.kill();
                return Ok(t);
            }
        }
        if let Some(status) = child.exited() {
            bail!("starload-fe exited: {status}");
        }
        // A tight poll: this interval bounds the measurement's resolution.
        if d.expired() {
            bail!("starload-fe did not answer within 60s");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn startup(runs: usize) -> Result<()> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(fe_start_once().await?);
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "fe start to first query: median {:.1} ms over {runs} runs (min {:.1}, max {:.1})",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
    let cluster = Cluster::start(1).await?;
    // Idle means after start-up work (heartbeats settled): a measurement, not synchronisation.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let fe = cluster.fe_pid().context("fe pid")?;
    let be = cluster.be_pid(0).context("be pid")?;
    println!("idle RSS: fe {} KiB, be {} KiB", rss_kib(fe)?, rss_kib(be)?);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["startup"] => startup(5).await,
        ["startup", "--runs", n] => startup(n.parse::<usize>().context("--runs N")?.max(1)).await,
        _ => bail!("usage: starload-bench startup [--runs N]"),
    }
}
