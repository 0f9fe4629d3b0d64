//! Both `/metrics` pages against the metric tables (`fe/src/telemetry.rs`,
//! `be/src/telemetry.rs`) with the real binaries and a real broker (Tansu). After one routine
//! load job loaded, filtered and skipped rows:
//! - every declared metric is on its process's page with its `# HELP` and `# TYPE` lines and a
//!   sample, and nothing undeclared is;
//! - `promtool check metrics` accepts both pages (skipped, saying so, only if promtool is not
//!   on PATH; `deploy/install-deps.sh` installs it and `.ci/run` runs it on the live cluster);
//! - the FE's routine load counters equal the job's SHOW ROUTINE LOAD Statistic, and the BE's
//!   per-job counters the rows it loaded and filtered.

use starload_compat_tests::poll::Deadline;
use starload_compat_tests::sql::{must_count, must_exec, show_routine_load};
use starload_compat_tests::{Broker, Cluster, ClusterOptions};
use starload_proto::telemetry::Metric;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);
const TOPIC: &str = "telemetry";

/// The body of `GET /metrics` on `port`.
fn scrape(port: u16) -> anyhow::Result<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    let (head, body) = out
        .split_once("\r\n\r\n")
        .ok_or_else(|| anyhow::anyhow!("no HTTP head in {out}"))?;
    anyhow::ensure!(head.contains(" 200 "), "{head}");
    Ok(body.to_string())
}

/// The metric name of a sample line (`name{labels} value` or `name value`).
fn sample_name(line: &str) -> &str {
    line.split(['{', ' ']).next().unwrap_or_default()
}

/// Sum of the samples of `name` whose labels contain `labels` ("" = all).
fn value(page: &str, name: &str, labels: &str) -> f64 {
    page.lines()
        .filter(|l| !l.starts_with('#') && sample_name(l) == name && l.contains(labels))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Metrics with no series until a condition this test does not create: the retention horizon
/// needs Kafka's log start offset to move under a lagging job (its arithmetic is unit-tested
/// in `routine_load::lag`).
const SAMPLED_ONLY_WHEN_KNOWN: &[&str] = &["starload_fe_routine_load_retention_horizon_seconds"];

/// Every declared metric has HELP, TYPE and a sample; every TYPE on the page is declared.
fn must_match_table(what: &str, page: &str, table: &[&Metric]) {
    for m in table
        .iter()
        .filter(|m| !SAMPLED_ONLY_WHEN_KNOWN.contains(&m.name))
    {
        let help = format!("# HELP {} ", m.name);
        assert!(
            page.lines().any(|l| l.starts_with(&help)),
            "{what}: no HELP line for {}:\n{page}",
            m.name
        );
        let ty = format!("# TYPE {} {}", m.name, m.kind.prometheus_type());
        assert!(page.lines().any(|l| l == ty), "{what}: no `{ty}`:\n{page}");
        let sum = format!("{}_sum", m.name);
        assert!(
            page.lines()
                .any(|l| !l.starts_with('#') && [m.name, sum.as_str()].contains(&sample_name(l))),
            "{what}: no sample of {}:\n{page}",
            m.name
        );
    }
    for l in page.lines().filter(|l| l.starts_with("# TYPE ")) {
        let name = l.split(' ').nth(2).unwrap_or_default();
        assert!(
            table.iter().any(|m| m.name == name),
            "{what}: {name} is on the page but not in the telemetry table"
        );
    }
}

/// `promtool check metrics` on `page`: Ok(false) when promtool is not installed.
fn promtool_check(page: &str) -> Result<bool, String> {
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(format!("promtool: {e}")),
    };
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    stdin
        .write_all(page.as_bytes())
        .map_err(|e| e.to_string())?;
    drop(stdin);
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(true)
    } else {
        Err(format!(
            "promtool check metrics failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_pages_declare_every_metric_and_pass_promtool() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic(TOPIC, 1).await?;
    // Loaded: 1, 2, 3. Unselected (WHERE): 4. Filtered ("abc" is no bigint): 5.
    broker
        .produce(TOPIC, 0, &["1,10", "2,20", "3,30", "4,40", "5,abc"])
        .await?;
    // StarRocks's lag gauge is emitted only when enabled, for jobs at least this far behind:
    // on, from a lag of 0, so the page carries every declared metric.
    let cluster = Cluster::start_with(
        ClusterOptions::new(1)
            .fe("enable_routine_load_lag_metrics", true)
            .fe("min_routine_load_lag_for_metrics", 0),
    )
    .await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE m").await;
    must_exec(
        &mut conn,
        "CREATE TABLE m.t (k bigint NOT NULL, v bigint NOT NULL) DUPLICATE KEY(k) \
         DISTRIBUTED BY HASH(k) BUCKETS 2",
    )
    .await;
    must_exec(
        &mut conn,
        &format!(
            "CREATE ROUTINE LOAD m.j ON t COLUMNS TERMINATED BY \",\", COLUMNS (k, v), \
             WHERE k != 4 PROPERTIES (\"max_error_number\" = \"10\") \
             FROM KAFKA (\"kafka_broker_list\" = \"{}\", \"kafka_topic\" = \"{TOPIC}\", \
             \"property.kafka_default_offsets\" = \"OFFSET_BEGINNING\")",
            broker.bootstrap()
        ),
    )
    .await;
    must_count(&mut conn, "m.t", 3, T).await;

    // Every message is counted once its task committed (before its rows became visible).
    let fe_port = cluster.http_port();
    let d = Deadline::after(T);
    let fe = loop {
        let page = scrape(fe_port)?;
        // The lag gauges follow the lag probe's first round for the job.
        let lag_sampled = page
            .lines()
            .any(|l| sample_name(l) == "starrocks_fe_routine_load_max_lag_of_partition");
        if value(&page, "starrocks_fe_routine_load_rows_total", "") >= 5.0 && lag_sampled {
            break page;
        }
        if !d.wait().await {
            panic!("the FE never counted 5 routine load rows:\n{page}");
        }
    };
    let be = scrape(cluster.bes[0].be_http_port)?;

    must_match_table("FE /metrics", &fe, starload_fe::telemetry::METRICS);
    must_match_table("BE /metrics", &be, starload_be::telemetry::METRICS);
    for (what, page) in [("FE", &fe), ("BE", &be)] {
        match promtool_check(page) {
            Ok(true) => {}
            Ok(false) => eprintln!(
                "promtool is not on PATH (Debian package prometheus, installed by \
                 deploy/install-deps.sh): skipping `promtool check metrics` of the {what} page"
            ),
            Err(e) => panic!("{what} /metrics: {e}\n{page}"),
        }
    }

    // The FE counters move with the job's statistics (StarRocks's updateNumOfData).
    let row = show_routine_load(&mut conn, "m.j")
        .await?
        .ok_or_else(|| anyhow::anyhow!("job not shown"))?;
    let stat: serde_json::Value = serde_json::from_str(&row["Statistic"])?;
    let stat = |k: &str| stat[k].as_f64().unwrap_or(-1.0);
    assert_eq!(stat("totalRows"), 5.0, "{row:?}");
    for (metric, labels, want) in [
        (
            "starrocks_fe_routine_load_rows_total",
            "",
            stat("totalRows"),
        ),
        ("starrocks_fe_routine_load_error_rows_total", "", 1.0),
        (
            "starrocks_fe_routine_load_receive_bytes_total",
            "",
            stat("receivedBytes"),
        ),
        ("starload_fe_routine_load_rows_loaded_total", "", 3.0),
        ("starload_fe_routine_load_rows_unselected_total", "", 1.0),
        (
            "starload_fe_routine_load_tasks_total",
            "result=\"committed\"",
            stat("committedTaskNum"),
        ),
        ("starrocks_fe_routine_load_jobs", "state=\"RUNNING\"", 1.0),
        ("starrocks_fe_routine_load_jobs", "", 1.0),
        ("starload_fe_backends", "", 1.0),
    ] {
        assert_eq!(
            value(&fe, metric, labels),
            want,
            "FE {metric}{{{labels}}}:\n{fe}"
        );
    }
    assert!(stat("receivedBytes") > 0.0, "{row:?}");
    for (metric, want) in [
        ("starload_be_load_rows_loaded_total", 3.0),
        ("starload_be_load_rows_filtered_total", 1.0),
        (
            "starload_be_load_received_bytes_total",
            stat("receivedBytes"),
        ),
    ] {
        assert_eq!(value(&be, metric, "job=\""), want, "BE {metric}:\n{be}");
    }
    Ok(())
}
