//! Benchmark of issue 15's cost: what replicating the FE metadata over three FEs (openraft)
//! adds to a routine load task's commit, against one FE, measured in the same run.
//!
//! `fe_ha_commit [--secs N] [--ddl N]` (defaults 45 s of loading, 100 statements).
//!
//! For each of "1 FE" and "3 FEs" (the second adds two followers with ALTER SYSTEM ADD
//! FOLLOWER), on a fresh cluster of 3 BEs and a fresh Tansu broker:
//! - a routine load job loads a 3-partition topic fed at 300 messages/s for `--secs`, its tasks
//!   cut after 1 s (`routine_load_task_consume_second` = 1, so a run has dozens of commits);
//!   the leader's `starload_fe_routine_load_commit_seconds` (time of the commit's one metadata
//!   write: COMMITTED state, versions, progress, ledger) gives the mean over the run and the
//!   median of the last minute (the exporter's rolling summary). The target ratio uses the
//!   median: one fsync stall of this shared disk moves a mean of a few dozen samples by 2x;
//! - `--ddl` statements that each write metadata (CREATE DATABASE) are timed from the MySQL
//!   client: median and p99.
//!
//! Printed: both variants and the ratios 3 FEs / 1 FE (issue 15's target: commit within 2x).

use anyhow::{bail, Context, Result};
use starload_compat_tests::prom::{quantile, sample_sum as sample};
use starload_compat_tests::registry::http_get;
use starload_compat_tests::sql::{must_exec, must_query};
use starload_compat_tests::{Broker, Cluster, ClusterOptions};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PARTITIONS: i32 = 3;

struct Figures {
    commits: f64,
    commit_mean_ms: f64,
    commit_median_ms: f64,
    ddl_median_ms: f64,
    ddl_p99_ms: f64,
    /// Of the commit: waiting for the transaction lock (other BEGIN/VISIBLE writes).
    lock_wait_mean_ms: f64,
    lock_wait_median_ms: f64,
}

async fn variant(fes: usize, secs: u64, ddl: usize) -> Result<Figures> {
    let broker = Broker::start().await?;
    broker.create_topic("ha", PARTITIONS).await?;
    let mut c = Cluster::start_with(ClusterOptions::new(3)).await?;
    if fes > 1 {
        c.add_followers(fes - 1).await?;
    }
    let leader = c.leader_index().await?;
    let mut conn = c.conn_fe(leader).await?;
    must_exec(&mut conn, "CREATE DATABASE b").await;
    must_exec(
        &mut conn,
        "ADMIN SET FRONTEND CONFIG (\"routine_load_task_consume_second\" = \"1\")",
    )
    .await;
    must_exec(
        &mut conn,
        "CREATE TABLE b.t (id BIGINT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 3 \
         PROPERTIES (\"replication_num\" = \"3\")",
    )
    .await;

    // Client-visible metadata writes first, on an idle cluster.
    let mut took = Vec::with_capacity(ddl);
    for i in 0..ddl {
        let t = Instant::now();
        must_exec(&mut conn, &format!("CREATE DATABASE ddl_{i}")).await;
        took.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    took.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| took[((took.len() - 1) as f64 * p).round() as usize];

    must_exec(
        &mut conn,
        &format!(
            "CREATE ROUTINE LOAD b.j ON t COLUMNS (id) PROPERTIES (\"max_batch_interval\" = \"5\", \
             \"desired_concurrent_number\" = \"3\") FROM KAFKA (\"kafka_broker_list\" = \"{}\", \
             \"kafka_topic\" = \"ha\", \"property.kafka_default_offsets\" = \"OFFSET_BEGINNING\")",
            broker.bootstrap()
        ),
    )
    .await;
    let stop = Arc::new(AtomicBool::new(false));
    let producer = {
        let stop = stop.clone();
        let bootstrap = broker.bootstrap();
        tokio::spawn(async move {
            let prod = starload_compat_tests::broker::Producer::new(&bootstrap)?;
            let mut id = 0i64;
            while !stop.load(Ordering::SeqCst) {
                for p in 0..PARTITIONS {
                    let ids: Vec<String> = (id..id + 10).map(|i| i.to_string()).collect();
                    id += 10;
                    prod.send("ha", p, &ids).await?;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            anyhow::Ok(())
        })
    };
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::SeqCst);
    producer.await.context("producer")??;
    let page = http_get(&format!(
        "http://{}:{}/metrics",
        c.fe_at(leader).host,
        c.fe_at(leader).http_port
    ))
    .await?;
    let n = sample(&page, "starload_fe_routine_load_commit_seconds_count");
    let sum = sample(&page, "starload_fe_routine_load_commit_seconds_sum");
    if n < 1.0 {
        bail!("no task committed in {secs}s");
    }
    let loaded = must_query(&mut conn, "SELECT count(*) FROM b.t").await;
    eprintln!(
        "{fes} FE(s): {n} commits, {} rows visible",
        loaded.rows[0][0]
    );
    let median = quantile(&page, "starload_fe_routine_load_commit_seconds", "0.5")
        .context("no median of starload_fe_routine_load_commit_seconds on /metrics")?;
    let wait_n = sample(&page, "starload_fe_txn_commit_lock_wait_seconds_count").max(1.0);
    let wait_sum = sample(&page, "starload_fe_txn_commit_lock_wait_seconds_sum");
    let wait_median = quantile(&page, "starload_fe_txn_commit_lock_wait_seconds", "0.5")
        .context("no median of starload_fe_txn_commit_lock_wait_seconds on /metrics")?;
    Ok(Figures {
        lock_wait_mean_ms: wait_sum / wait_n * 1000.0,
        lock_wait_median_ms: wait_median * 1000.0,
        commits: n,
        commit_mean_ms: sum / n * 1000.0,
        commit_median_ms: median * 1000.0,
        ddl_median_ms: pct(0.5),
        ddl_p99_ms: pct(0.99),
    })
}

fn arg(args: &[String], name: &str, default: u64) -> Result<u64> {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .context("missing value")?
            .parse()
            .with_context(|| format!("{name} takes a number")),
        None => Ok(default),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let secs = arg(&args, "--secs", 45)?;
    let ddl = arg(&args, "--ddl", 100)?.max(1) as usize;
    let one = variant(1, secs, ddl).await?;
    let three = variant(3, secs, ddl).await?;
    for (what, f) in [("1 FE", &one), ("3 FEs", &three)] {
        println!(
            "{what}: task commit median {:.2} ms (last minute), mean {:.2} ms over {} commits; \
             of which waiting for the txn lock: median {:.2} ms, mean {:.2} ms; \
             metadata statement median {:.2} ms p99 {:.2} ms",
            f.commit_median_ms,
            f.commit_mean_ms,
            f.commits,
            f.lock_wait_median_ms,
            f.lock_wait_mean_ms,
            f.ddl_median_ms,
            f.ddl_p99_ms
        );
    }
    println!(
        "ratio 3 FEs / 1 FE: task commit median {:.2}x (target <= 2x), mean {:.2}x; \
         statement median {:.2}x, p99 {:.2}x",
        three.commit_median_ms / one.commit_median_ms,
        three.commit_mean_ms / one.commit_mean_ms,
        three.ddl_median_ms / one.ddl_median_ms,
        three.ddl_p99_ms / one.ddl_p99_ms
    );
    Ok(())
}
