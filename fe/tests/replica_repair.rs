//! Replica repair with the real binaries and a real broker (Tansu): a BE that is down while
//! loads go on never stages those versions; once it is back, the FE clones its tablets from a
//! healthy replica (CloneTablet, the BE reads the source's ScanTablets) and it serves reads
//! again at the visible version. Proven by stopping the two healthy BEs afterwards and reading
//! every row from the repaired one: the rows are exactly the ones the full cluster returned.

use starload_compat_tests::poll::Deadline;
use starload_compat_tests::sql::{must_exec, must_query, query};
use starload_compat_tests::{Broker, Cluster, ClusterOptions, Producer};
use std::io::{Read, Write};
use std::time::Duration;

const T: Duration = Duration::from_secs(90);
const TOPIC: &str = "repair";

/// `GET /metrics` of a BE; the value of `name` (0 when absent).
fn metric(http_port: u16, name: &str) -> f64 {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", http_port)) else {
        return 0.0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let req = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if s.write_all(req.as_bytes()).is_err() {
        return 0.0;
    }
    let mut body = String::new();
    let _ = s.read_to_string(&mut body);
    body.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Polls `sql` until its first cell equals `want`.
async fn wait_value(conn: &mut mysql_async::Conn, sql: &str, want: &str) {
    let d = Deadline::after(T);
    loop {
        let last = query(conn, sql).await;
        if let Ok(out) = &last {
            if out.rows.first().and_then(|r| r.first()).map(String::as_str) == Some(want) {
                return;
            }
        }
        if !d.wait().await {
            panic!("{sql} never returned {want}; last {last:?}");
        }
    }
}

async fn produce(p: &Producer, keys: std::ops::Range<i64>, v: i64) -> anyhow::Result<()> {
    let rows: Vec<String> = keys.map(|k| format!("{k},{v}")).collect();
    p.send(TOPIC, 0, &rows).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn be_down_during_loads_is_cloned_then_serves_identical_reads() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic(TOPIC, 1).await?;
    let mut cluster = Cluster::start_with(
        ClusterOptions::new(3)
            .fe("routine_load_scheduler_interval_ms", 1000)
            .fe("heartbeat_timeout_ms", 3000)
            .fe("heartbeat_interval_ms", 500),
    )
    .await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE d").await;
    must_exec(
        &mut conn,
        "CREATE TABLE d.t (k bigint NOT NULL, v bigint SUM NULL) AGGREGATE KEY(k) \
         DISTRIBUTED BY HASH(k) BUCKETS 2",
    )
    .await;
    must_exec(
        &mut conn,
        &format!(
            "CREATE ROUTINE LOAD d.j ON t COLUMNS TERMINATED BY ',' \
             PROPERTIES (\"max_batch_interval\" = \"5\", \"task_consume_second\" = \"1\") \
             FROM KAFKA (\"kafka_broker_list\" = \"{}\", \"kafka_topic\" = \"{TOPIC}\", \
             \"property.kafka_default_offsets\" = \"OFFSET_BEGINNING\")",
            broker.bootstrap()
        ),
    )
    .await;
    let producer = Producer::new(&broker.bootstrap())?;
    produce(&producer, 0..100, 1).await?;
    wait_value(&mut conn, "SELECT sum(v) FROM d.t", "100").await;

    // BE 2 goes down; two more loads land on the other replicas only (quorum 2 of 3).
    let victim = 2;
    cluster.kill_be(victim);
    cluster
        .wait_backend_alive(victim, false, Duration::from_secs(30))
        .await?;
    produce(&producer, 0..200, 1).await?;
    wait_value(&mut conn, "SELECT sum(v) FROM d.t", "300").await;
    produce(&producer, 150..250, 2).await?;
    wait_value(&mut conn, "SELECT sum(v) FROM d.t", "500").await;

    // Back up: it lags (it never staged those versions), so the FE clones both tablets.
    cluster.restart_be(victim).await?;
    cluster
        .wait_backend_alive(victim, true, Duration::from_secs(30))
        .await?;
    let port = cluster.bes[victim].be_http_port;
    let d = Deadline::after(T);
    while metric(port, "starload_be_clones_total") < 2.0 {
        if !d.wait().await {
            panic!(
                "BE {victim} was never cloned; its log:\n{}\nFE log:\n{}",
                cluster.be_log_tail(victim),
                cluster.fe_log_tail()
            );
        }
    }
    // Loads go on and reach the repaired replica through ordinary publishes.
    produce(&producer, 0..10, 100).await?;
    wait_value(&mut conn, "SELECT sum(v) FROM d.t", "1500").await;
    must_exec(&mut conn, "STOP ROUTINE LOAD FOR d.j").await;
    let expected = must_query(&mut conn, "SELECT k, v FROM d.t ORDER BY k").await;
    assert_eq!(expected.rows.len(), 250);

    // Only the repaired BE is left: every row must come from it, identical.
    cluster.kill_be(0);
    cluster.kill_be(1);
    cluster
        .wait_backend_alive(0, false, Duration::from_secs(30))
        .await?;
    cluster
        .wait_backend_alive(1, false, Duration::from_secs(30))
        .await?;
    let d = Deadline::after(T);
    loop {
        let got = query(&mut conn, "SELECT k, v FROM d.t ORDER BY k").await;
        match got {
            Ok(out) => {
                assert_eq!(out.rows, expected.rows, "reads from the repaired replica");
                break;
            }
            Err(e) => {
                // Until the FE sees the last publish on BE 2 in its heartbeat report.
                if !d.wait().await {
                    panic!("the repaired replica never served the table: {e:?}");
                }
            }
        }
    }
    assert!(metric(port, "starload_be_clone_rows_total") > 0.0);
    Ok(())
}
