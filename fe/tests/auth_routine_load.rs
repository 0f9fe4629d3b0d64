//! Routine load under privileges, with the real FE, a BE and a real broker (Tansu): CREATE /
//! ALTER / PAUSE / RESUME / STOP need INSERT on the target table, SHOW ROUTINE LOAD [TASK]
//! lists only jobs on such tables, SHOW CREATE ROUTINE LOAD needs a privilege on the table.
//! The same run checks that no SHOW output, /metrics body or log line
//! (FE and BE, debug level) carries a secret used by the job or the cluster.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use starload_compat_tests::sql::{
    connect, must_count, must_error, must_exec, must_query, mysql_url, show_routine_load,
};
use starload_compat_tests::{Broker, Cluster, ClusterOptions};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);
const SASL_SECRET: &str = "S3cr3t-sasl-9f1";
const KEY_SECRET: &str = "S3cr3t-key-2c7";
const REG_SECRET: &str = "S3cr3t-reg-55a";
const TOKEN_SECRET: &str = "S3cr3t-token-0d4";
const USER_SECRET: &str = "S3cr3t-user-77e";

fn denied(privilege: &str, object: &str) -> String {
    format!(
        "Access denied; you need (at least one of) the {privilege} privilege(s) on {object} for this operation. Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. Current role(s): NONE. Inactivated role(s): NONE."
    )
}

fn create_job(db: &str, job: &str, table: &str, broker: &str, topic: &str) -> String {
    format!(
        r#"CREATE ROUTINE LOAD {db}.{job} ON {table}
COLUMNS TERMINATED BY ",",
COLUMNS (k, v)
FROM KAFKA
(
    "kafka_broker_list" = "{broker}",
    "kafka_topic" = "{topic}",
    "kafka_partitions" = "0",
    "property.kafka_default_offsets" = "OFFSET_BEGINNING",
    "property.sasl.username" = "loader",
    "property.sasl.password" = "{SASL_SECRET}",
    "property.ssl.key.password" = "{KEY_SECRET}",
    "confluent.schema.registry.url" = "http://reguser:{REG_SECRET}@127.0.0.1:1"
)"#
    )
}

async fn http_get(port: u16, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

/// RocksDB's write-ahead log (`000012.log`) of the FE metadata store: it holds the job's
/// properties, passwords included, as the metadata store must (StarRocks keeps them in its
/// edit log too), so it is not a log a person reads.
fn is_rocksdb_wal(name: &str) -> bool {
    name.strip_suffix(".log")
        .is_some_and(|stem| !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()))
}

fn read_logs(dir: &std::path::Path, out: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            read_logs(&p, out);
        } else if p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| (n.ends_with(".out") || n.contains(".log")) && !is_rocksdb_wal(n))
        {
            // `==== starting <command line>` lines are the test harness's own (it passes
            // --cluster_token on the command line), not output of the FE or BE.
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap_or_default()).into_owned();
            for line in text.lines().filter(|l| !l.starts_with("==== starting ")) {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn routine_load_needs_insert_and_never_shows_secrets() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("auth_mine", 1).await?;
    broker.create_topic("auth_other", 1).await?;
    broker
        .produce("auth_mine", 0, &["1,a", "2,b", "3,c"])
        .await?;
    let mut opts = ClusterOptions::new(1)
        .fe("cluster_token", TOKEN_SECRET)
        .be("cluster_token", TOKEN_SECRET);
    opts.env.push((
        "RUST_LOG".into(),
        "debug,h2=info,hyper=info,tower=info".into(),
    ));
    let cluster = Cluster::start_with(opts).await?;
    let bs = broker.bootstrap();
    let mut root = cluster.conn().await?;
    must_exec(&mut root, "CREATE DATABASE rdb").await;
    for t in ["t_mine", "t_other"] {
        must_exec(
            &mut root,
            &format!("CREATE TABLE rdb.{t} (k INT NOT NULL, v VARCHAR(20)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1"),
        )
        .await;
    }
    must_exec(
        &mut root,
        &create_job("rdb", "root_job", "t_other", &bs, "auth_other"),
    )
    .await;
    must_exec(
        &mut root,
        &format!("CREATE USER loader IDENTIFIED BY '{USER_SECRET}'"),
    )
    .await;
    let mut loader = connect(&mysql_url(
        cluster.query_port(),
        "loader",
        USER_SECRET,
        None,
    ))
    .await?;

    // Without INSERT nothing is allowed and nothing is listed.
    must_error(
        &mut loader,
        &create_job("rdb", "job1", "t_mine", &bs, "auth_mine"),
        5203,
        &denied("INSERT", "TABLE t_mine"),
    )
    .await;
    must_error(
        &mut loader,
        "PAUSE ROUTINE LOAD FOR rdb.root_job",
        5203,
        &denied("INSERT", "TABLE t_other"),
    )
    .await;
    must_error(
        &mut loader,
        "STOP ROUTINE LOAD FOR rdb.root_job",
        5203,
        &denied("INSERT", "TABLE t_other"),
    )
    .await;
    must_error(
        &mut loader,
        "ALTER ROUTINE LOAD FOR rdb.root_job PROPERTIES (\"desired_concurrent_number\" = \"1\")",
        5203,
        &denied("INSERT", "TABLE t_other"),
    )
    .await;
    must_error(
        &mut loader,
        "SHOW CREATE ROUTINE LOAD rdb.root_job",
        5203,
        &denied("ANY", "TABLE t_other"),
    )
    .await;
    assert!(must_query(&mut loader, "SHOW ALL ROUTINE LOAD FROM rdb")
        .await
        .rows
        .is_empty());
    assert!(must_query(
        &mut loader,
        "SHOW ROUTINE LOAD TASK FROM rdb WHERE JobName = \"root_job\""
    )
    .await
    .rows
    .is_empty());

    // With INSERT on its table: the job is created, listed alone, loads, and obeys the user.
    must_exec(&mut root, "GRANT INSERT ON rdb.t_mine TO loader").await;
    must_exec(
        &mut loader,
        &create_job("rdb", "job1", "t_mine", &bs, "auth_mine"),
    )
    .await;
    let listed = must_query(&mut loader, "SHOW ROUTINE LOAD FROM rdb").await;
    let name = listed.col("Name").unwrap();
    assert_eq!(
        listed
            .rows
            .iter()
            .map(|r| r[name].as_str())
            .collect::<Vec<_>>(),
        ["job1"]
    );
    must_count(&mut root, "rdb.t_mine", 3, T).await;
    must_exec(&mut loader, "PAUSE ROUTINE LOAD FOR rdb.job1").await;
    must_exec(&mut loader, "RESUME ROUTINE LOAD FOR rdb.job1").await;
    must_error(
        &mut loader,
        "PAUSE ROUTINE LOAD FOR rdb.nope",
        5089,
        "Getting analyzing error. Detail message: Routine load job [nope] not found when checking privilege.",
    )
    .await;

    // Secrets: SHOW outputs (root sees every job), config, processlist, metrics, logs.
    let mut seen = String::new();
    for sql in [
        "SHOW ALL ROUTINE LOAD FROM rdb",
        "SHOW CREATE ROUTINE LOAD rdb.job1",
        "SHOW CREATE ROUTINE LOAD rdb.root_job",
        "SHOW ROUTINE LOAD TASK FROM rdb WHERE JobName = \"job1\"",
        "ADMIN SHOW FRONTEND CONFIG",
        "SHOW PROCESSLIST",
    ] {
        let out = must_query(&mut root, sql).await;
        seen.push_str(&format!("{out:?}\n"));
    }
    let show = show_routine_load(&mut root, "rdb.job1").await?.unwrap();
    let custom = show.get("CustomProperties").cloned().unwrap_or_default();
    assert!(custom.contains("\"sasl.password\":\"******\""), "{custom}");
    assert!(
        custom.contains("\"ssl.key.password\":\"******\""),
        "{custom}"
    );
    let ds = show
        .get("DataSourceProperties")
        .cloned()
        .unwrap_or_default();
    assert!(
        ds.contains("\"confluent.schema.registry.url\":\"http://127.0.0.1:1\""),
        "{ds}"
    );
    must_exec(&mut loader, "STOP ROUTINE LOAD FOR rdb.job1").await;
    seen.push_str(&http_get(cluster.http_port(), "/metrics").await);
    seen.push_str(&http_get(cluster.bes[0].be_http_port, "/metrics").await);
    read_logs(cluster.dir(), &mut seen);
    assert!(
        seen.len() > 10_000,
        "the logs and outputs were read ({} bytes)",
        seen.len()
    );
    assert!(seen.contains("******"), "masking was exercised");
    for secret in [
        SASL_SECRET,
        KEY_SECRET,
        REG_SECRET,
        TOKEN_SECRET,
        USER_SECRET,
    ] {
        if let Some(i) = seen.find(secret) {
            let from = i.saturating_sub(300);
            panic!(
                "secret {secret} leaked:\n...{}...",
                &seen[from..(i + secret.len() + 100).min(seen.len())]
            );
        }
    }
    Ok(())
}
