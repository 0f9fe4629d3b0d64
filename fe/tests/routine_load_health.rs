//! Issue 16 against the real binaries and a real broker (Tansu, SQLite storage): the offset
//! ledger (`SHOW ROUTINE LOAD TXN`) and its invariant, lag per partition (`SHOW ROUTINE LOAD
//! LAG`, `information_schema.routine_load_lag`) after producing while the job is paused, and
//! the statements' errors.
#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed assertion

use starload_compat_tests::poll::Deadline;
use starload_compat_tests::sql::{
    must_count, must_error, must_exec, must_query, must_reach_state, query, show_routine_load,
    QueryOutput,
};
use starload_compat_tests::{Broker, Cluster};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const T: Duration = Duration::from_secs(120);

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `0:[0,5) 1:[3,9)` -> [(0, 0, 5), (1, 3, 9)].
fn ranges(text: &str) -> Vec<(i32, i64, i64)> {
    text.split_whitespace()
        .map(|r| {
            let (p, rest) = r.split_once(":[").expect("partition");
            let (a, b) = rest.trim_end_matches(')').split_once(',').expect("range");
            (p.parse().unwrap(), a.parse().unwrap(), b.parse().unwrap())
        })
        .collect()
}

/// Checks the ledger's invariant on SHOW ROUTINE LOAD TXN output (newest first): per
/// partition, in txn order, ranges are contiguous and do not overlap. Returns, per partition,
/// the first and the end offset covered, and the sum of LoadedRows.
fn must_be_contiguous(out: &QueryOutput) -> (BTreeMap<i32, (i64, i64)>, i64) {
    let mut rows: Vec<(i64, String, i64)> = (0..out.rows.len())
        .map(|i| {
            (
                out.get(i, "TxnId").unwrap().parse().unwrap(),
                out.get(i, "Offsets").unwrap().to_string(),
                out.get(i, "LoadedRows").unwrap().parse().unwrap(),
            )
        })
        .collect();
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted, "SHOW ROUTINE LOAD TXN lists newest first");
    rows.reverse();
    let mut span: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    let mut loaded = 0;
    for (txn, offsets, l) in rows {
        loaded += l;
        for (p, from, to) in ranges(&offsets) {
            assert!(from < to, "txn {txn}: empty range {offsets}");
            match span.get_mut(&p) {
                Some(s) => {
                    assert_eq!(
                        from, s.1,
                        "txn {txn} partition {p}: gap or overlap: {offsets}"
                    );
                    s.1 = to;
                }
                None => {
                    span.insert(p, (from, to));
                }
            }
        }
    }
    (span, loaded)
}

async fn lag_row(
    conn: &mut mysql_async::Conn,
    job: &str,
    partition: &str,
) -> Option<BTreeMap<String, String>> {
    let out = query(conn, &format!("SHOW ROUTINE LOAD LAG FOR {job}"))
        .await
        .ok()?;
    (0..out.rows.len())
        .find(|&i| out.get(i, "Partition") == Some(partition))
        .and_then(|i| out.row_map(i))
        .map(|m| m.into_iter().collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn ledger_is_contiguous_and_lag_is_exact_after_pausing() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("h16_lag", 2).await?;
    let first0: Vec<String> = (0..5).map(|i| format!("{i},a{i}")).collect();
    let first1: Vec<String> = (5..8).map(|i| format!("{i},b{i}")).collect();
    broker.produce("h16_lag", 0, &first0).await?;
    broker.produce("h16_lag", 1, &first1).await?;
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE h16").await;
    must_exec(&mut conn, "USE h16").await;
    must_exec(
        &mut conn,
        "CREATE TABLE t (k INT, v VARCHAR(20)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 2 PROPERTIES (\"replication_num\" = \"1\")",
    )
    .await;
    must_exec(
        &mut conn,
        &format!(
            r#"CREATE ROUTINE LOAD h16.j ON t COLUMNS TERMINATED BY ",", COLUMNS (k, v)
            PROPERTIES ("max_batch_interval" = "5")
            FROM KAFKA ("kafka_broker_list" = "{}", "kafka_topic" = "h16_lag",
                        "kafka_partitions" = "0,1", "property.kafka_default_offsets" = "OFFSET_BEGINNING")"#,
            broker.bootstrap()
        ),
    )
    .await;
    must_count(&mut conn, "h16.t", 8, T).await;

    // The ledger covers exactly what was loaded.
    let txns = must_query(&mut conn, "SHOW ROUTINE LOAD TXN FOR h16.j").await;
    assert_eq!(
        txns.columns,
        [
            "TxnId",
            "Label",
            "Status",
            "CommitTime",
            "Offsets",
            "LoadedRows",
            "FilteredRows",
            "UnselectedRows",
            "ReceivedBytes",
            "Versions"
        ]
    );
    let (span, loaded) = must_be_contiguous(&txns);
    assert_eq!(span, BTreeMap::from([(0, (0, 5)), (1, (0, 3))]));
    assert_eq!(loaded, 8);
    for i in 0..txns.rows.len() {
        assert_eq!(txns.get(i, "Status"), Some("COMMITTED"));
        assert!(txns.get(i, "Label").unwrap().starts_with("j-"));
    }
    let one = must_query(&mut conn, "SHOW ROUTINE LOAD TXN FOR j LIMIT 1").await;
    assert_eq!(one.rows.len(), 1);
    assert_eq!(one.rows[0], txns.rows[0]);

    // Caught up: no lag.
    let r = lag_row(&mut conn, "j", "0").await.expect("lag row");
    assert_eq!(r["CommittedOffset"], "5");
    assert_eq!(r["OffsetLag"], "0");
    assert_eq!(r["Status"], "OK");

    // Pause, produce N = 7 more to partition 0: the lag shows them exactly, and the time lag
    // lies within the produced messages' timestamps.
    must_exec(&mut conn, "PAUSE ROUTINE LOAD FOR j").await;
    must_reach_state(&mut conn, "h16.j", "PAUSED", T).await;
    let before = now_ms();
    let more: Vec<String> = (8..15).map(|i| format!("{i},c{i}")).collect();
    broker.produce("h16_lag", 0, &more).await?;
    let after = now_ms();
    let d = Deadline::after(Duration::from_secs(30));
    let (row, asked_from, asked_to) = loop {
        let t0 = now_ms();
        let r = lag_row(&mut conn, "j", "0").await;
        let t1 = now_ms();
        if let Some(r) = r {
            if r["OffsetLag"] == "7" && r["TimeLagSeconds"] != "NULL" {
                break (r, t0, t1);
            }
            assert!(d.wait().await, "lag never showed 7: {r:?}");
        } else {
            assert!(d.wait().await, "no lag row for partition 0");
        }
    };
    assert_eq!(row["CommittedOffset"], "5");
    assert_eq!(row["LastStableOffset"], "12");
    assert_eq!(row["HighWatermark"], "12");
    assert_eq!(row["Status"], "STOPPED");
    assert_eq!(row["State"], "PAUSED");
    assert_eq!(row["LogStartOffset"], "0");
    let lag_ms = (row["TimeLagSeconds"].parse::<f64>()? * 1000.0).round() as i64;
    assert!(
        lag_ms >= asked_from - after - 1 && lag_ms <= asked_to - before + 1,
        "time lag {lag_ms} ms outside [{}, {}]",
        asked_from - after,
        asked_to - before
    );
    let r1 = lag_row(&mut conn, "j", "1").await.expect("partition 1");
    assert_eq!(
        (r1["OffsetLag"].as_str(), r1["Status"].as_str()),
        ("0", "OK")
    );
    // The same rows through information_schema.
    let is = must_query(
        &mut conn,
        "SELECT PARTITION, OFFSET_LAG, STATUS FROM information_schema.routine_load_lag WHERE JOB_NAME = 'j' ORDER BY PARTITION",
    )
    .await;
    assert_eq!(
        is.rows,
        vec![vec!["0", "7", "STOPPED"], vec!["1", "0", "OK"]]
    );

    // Unknown jobs: SHOW ROUTINE LOAD's text.
    must_error(
        &mut conn,
        "SHOW ROUTINE LOAD LAG FOR nope",
        1064,
        "Getting analyzing error. Detail message: There is no running job named nope in db h16. Include history? true, you can try `show all routine load job for job_name` if you want to list stopped and cancelled jobs.",
    )
    .await;
    must_error(
        &mut conn,
        "SHOW ROUTINE LOAD TXN FOR nope",
        1064,
        "Getting analyzing error. Detail message: There is no running job named nope in db h16. Include history? true, you can try `show all routine load job for job_name` if you want to list stopped and cancelled jobs.",
    )
    .await;

    // Resume: the rest arrives once, the ledger stays contiguous and ends at the topic's end.
    must_exec(&mut conn, "RESUME ROUTINE LOAD FOR j").await;
    must_count(&mut conn, "h16.t", 15, T).await;
    let txns = must_query(&mut conn, "SHOW ROUTINE LOAD TXN FOR h16.j").await;
    let (span, loaded) = must_be_contiguous(&txns);
    assert_eq!(span, BTreeMap::from([(0, (0, 12)), (1, (0, 3))]));
    assert_eq!(loaded, 15);
    Ok(())
}

/// Produces `payloads` to `topic`/`partition` with Kafka timestamp `ts_ms` (CreateTime).
async fn produce_at(bootstrap: &str, topic: &str, partition: i32, ts_ms: i64, payloads: &[String]) {
    use rdkafka::producer::{FutureProducer, FutureRecord};
    let p: FutureProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("message.timeout.ms", "30000")
        .create()
        .expect("producer");
    for m in payloads {
        p.send(
            FutureRecord::<(), str>::to(topic)
                .partition(partition)
                .timestamp(ts_ms)
                .payload(m.as_str()),
            Duration::from_secs(30),
        )
        .await
        .expect("produce");
    }
}

async fn must_stop_at_end(conn: &mut mysql_async::Conn, job: &str) -> BTreeMap<String, String> {
    // SHOW ROUTINE LOAD lists no STOPPED job: SHOW ALL does.
    let d = Deadline::after(T);
    let row = loop {
        let out = query(conn, &format!("SHOW ALL ROUTINE LOAD FOR {job}")).await;
        let row = out.ok().and_then(|o| o.row_map(0));
        if let Some(r) = &row {
            if r["State"] == "STOPPED" {
                break r.clone();
            }
        }
        assert!(d.wait().await, "{job} never STOPPED: {row:?}");
    };
    let reason = &row["ReasonOfStateChanged"];
    assert!(
        reason.starts_with("ErrorReason{errCode = 201, msg='The job reached its end ("),
        "{reason}"
    );
    row.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn bounded_jobs_stop_at_their_end_and_start_from_a_datetime() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("h16_bound", 2).await?;
    let p0: Vec<String> = (0..10).map(|i| format!("{i},p0")).collect();
    let p1: Vec<String> = (100..106).map(|i| format!("{i},p1")).collect();
    broker.produce("h16_bound", 0, &p0).await?;
    broker.produce("h16_bound", 1, &p1).await?;
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE h16b").await;
    must_exec(&mut conn, "USE h16b").await;
    for t in ["t_end", "t_time"] {
        must_exec(
            &mut conn,
            &format!("CREATE TABLE {t} (k INT, v VARCHAR(20)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES (\"replication_num\" = \"1\")"),
        )
        .await;
    }
    // End offsets: partition 0 up to offset 7 (exclusive), partition 1 up to 4.
    must_exec(
        &mut conn,
        &format!(
            r#"CREATE ROUTINE LOAD j_end ON t_end COLUMNS TERMINATED BY ",", COLUMNS (k, v)
            FROM KAFKA ("kafka_broker_list" = "{}", "kafka_topic" = "h16_bound",
                        "kafka_partitions" = "0,1", "kafka_offsets" = "OFFSET_BEGINNING,OFFSET_BEGINNING",
                        "kafka_end_offsets" = "7,4")"#,
            broker.bootstrap()
        ),
    )
    .await;
    let row = must_stop_at_end(&mut conn, "h16b.j_end").await;
    assert_eq!(row["Progress"], r#"{"0":"6","1":"3"}"#);
    must_count(&mut conn, "h16b.t_end", 11, T).await;
    let got = must_query(&mut conn, "SELECT max(k) FROM t_end WHERE v = 'p0'").await;
    assert_eq!(got.rows, vec![vec!["6"]]);
    let txns = must_query(&mut conn, "SHOW ROUTINE LOAD TXN FOR j_end").await;
    let (span, loaded) = must_be_contiguous(&txns);
    assert_eq!(span, BTreeMap::from([(0, (0, 7)), (1, (0, 4))]));
    assert_eq!(loaded, 11);

    // A datetime start and end: messages of 09:00 are skipped, those of 11:00 loaded, those of
    // 13:00 are past kafka_end_time (12:00).
    broker.create_topic("h16_time", 1).await?;
    let at = |h: i64| 1_714_557_600_000 + (h - 10) * 3_600_000; // 2024-05-01 h:00 UTC
    produce_at(
        &broker.bootstrap(),
        "h16_time",
        0,
        at(9),
        &(0..3).map(|i| format!("{i},early")).collect::<Vec<_>>(),
    )
    .await;
    produce_at(
        &broker.bootstrap(),
        "h16_time",
        0,
        at(11),
        &(3..7).map(|i| format!("{i},in")).collect::<Vec<_>>(),
    )
    .await;
    produce_at(
        &broker.bootstrap(),
        "h16_time",
        0,
        at(13),
        &(7..9).map(|i| format!("{i},late")).collect::<Vec<_>>(),
    )
    .await;
    must_exec(
        &mut conn,
        &format!(
            r#"CREATE ROUTINE LOAD j_time ON t_time COLUMNS TERMINATED BY ",", COLUMNS (k, v)
            PROPERTIES ("timezone" = "UTC")
            FROM KAFKA ("kafka_broker_list" = "{}", "kafka_topic" = "h16_time",
                        "property.kafka_default_offsets" = "2024-05-01 10:00:00",
                        "kafka_end_time" = "2024-05-01 12:00:00")"#,
            broker.bootstrap()
        ),
    )
    .await;
    must_stop_at_end(&mut conn, "h16b.j_time").await;
    must_count(&mut conn, "h16b.t_time", 4, T).await;
    let got = must_query(&mut conn, "SELECT DISTINCT v FROM t_time").await;
    assert_eq!(got.rows, vec![vec!["in"]]);

    // Bad input: an end time in the future, end offsets without partitions.
    must_error(
        &mut conn,
        &format!(
            r#"CREATE ROUTINE LOAD j_bad ON t_time FROM KAFKA ("kafka_broker_list" = "{}", "kafka_topic" = "h16_time", "kafka_end_time" = "2999-01-01 00:00:00")"#,
            broker.bootstrap()
        ),
        1064,
        "Getting analyzing error. Detail message: kafka_end_time 2999-01-01 00:00:00 is later than now: an end time must have passed.",
    )
    .await;
    must_error(
        &mut conn,
        &format!(
            r#"CREATE ROUTINE LOAD j_bad ON t_time FROM KAFKA ("kafka_broker_list" = "{}", "kafka_topic" = "h16_time", "kafka_end_offsets" = "5")"#,
            broker.bootstrap()
        ),
        1064,
        "Getting analyzing error. Detail message: kafka_end_offsets needs kafka_partitions.",
    )
    .await;
    Ok(())
}

/// Creates `topic` (one partition) with topic configs, through the admin API.
async fn create_topic_with(bootstrap: &str, topic: &str, configs: &[(&str, &str)]) {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    use rdkafka::client::DefaultClientContext;
    let admin: AdminClient<DefaultClientContext> = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin client");
    let mut t = NewTopic::new(topic, 1, TopicReplication::Fixed(1));
    for (k, v) in configs {
        t = t.set(k, v);
    }
    let res = admin
        .create_topics([&t], &AdminOptions::new())
        .await
        .expect("CreateTopics");
    for r in res {
        r.expect("topic created");
    }
}

/// Retention (issue 16 item 2) against Tansu: the topic's `retention.ms` (read with
/// DescribeConfigs) and the timestamp of the next unread message give the horizon in SHOW
/// ROUTINE LOAD LAG, and SHOW ROUTINE LOAD's OtherMsg warns while it is under
/// `routine_load_retention_warning_second`.
#[tokio::test(flavor = "multi_thread")]
async fn retention_ms_gives_the_horizon_and_the_other_msg_warning() -> anyhow::Result<()> {
    const RETENTION_MS: i64 = 3_600_000;
    const AGE_MS: i64 = 3_000_000;
    let broker = Broker::start().await?;
    let bootstrap = broker.bootstrap();
    create_topic_with(
        &bootstrap,
        "h16_ret",
        &[("retention.ms", &RETENTION_MS.to_string())],
    )
    .await;
    let first: Vec<String> = (0..3).map(|i| format!("{i},a")).collect();
    produce_at(&bootstrap, "h16_ret", 0, now_ms(), &first).await;
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE h16r").await;
    must_exec(&mut conn, "USE h16r").await;
    must_exec(
        &mut conn,
        "CREATE TABLE t (k INT, v VARCHAR(20)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES (\"replication_num\" = \"1\")",
    )
    .await;
    must_exec(
        &mut conn,
        &format!(
            r#"CREATE ROUTINE LOAD j ON t COLUMNS TERMINATED BY ",", COLUMNS (k, v)
            FROM KAFKA ("kafka_broker_list" = "{bootstrap}", "kafka_topic" = "h16_ret",
                        "property.kafka_default_offsets" = "OFFSET_BEGINNING")"#
        ),
    )
    .await;
    must_count(&mut conn, "h16r.t", 3, T).await;
    must_exec(&mut conn, "PAUSE ROUTINE LOAD FOR j").await;
    must_reach_state(&mut conn, "h16r.j", "PAUSED", T).await;
    // Unread messages stamped 50 minutes ago: retention (60 minutes) deletes them in 10.
    let stamped = now_ms() - AGE_MS;
    let old: Vec<String> = (3..7).map(|i| format!("{i},old")).collect();
    produce_at(&bootstrap, "h16_ret", 0, stamped, &old).await;
    let d = Deadline::after(Duration::from_secs(60));
    let (row, asked_from, asked_to) = loop {
        let t0 = now_ms();
        let r = lag_row(&mut conn, "j", "0").await;
        let t1 = now_ms();
        match r {
            Some(r) if r["RetentionHorizonSeconds"] != "NULL" && r["OffsetLag"] == "4" => {
                break (r, t0, t1)
            }
            r => assert!(d.wait().await, "no retention horizon: {r:?}"),
        }
    };
    let horizon: i64 = row["RetentionHorizonSeconds"].parse()?;
    let earliest = (stamped + RETENTION_MS - asked_to) / 1000 - 1;
    let latest = (stamped + RETENTION_MS - asked_from) / 1000;
    assert!(
        (earliest..=latest).contains(&horizon),
        "horizon {horizon} outside [{earliest}, {latest}]"
    );
    // SHOW ROUTINE LOAD warns (default threshold 3600 s) ...
    let warning = "WARNING: Kafka retention may delete messages not loaded yet: partition 0 from offset 3 in ";
    let d = Deadline::after(Duration::from_secs(30));
    loop {
        let row = show_routine_load(&mut conn, "j").await?.expect("job j");
        let msg = &row["OtherMsg"];
        if let Some(rest) = msg.strip_prefix(warning) {
            let s: i64 = rest.trim_end_matches(" s").parse()?;
            assert!((earliest - 10..=latest).contains(&s), "{msg}");
            break;
        }
        assert!(d.wait().await, "no retention warning in OtherMsg: {msg:?}");
    }
    // ... and stops warning when the threshold is below the horizon.
    must_exec(
        &mut conn,
        r#"ADMIN SET FRONTEND CONFIG ("routine_load_retention_warning_second" = "60")"#,
    )
    .await;
    let d = Deadline::after(Duration::from_secs(30));
    loop {
        let row = show_routine_load(&mut conn, "j").await?.expect("job j");
        if row["OtherMsg"].is_empty() {
            break;
        }
        assert!(d.wait().await, "warning stayed: {:?}", row["OtherMsg"]);
    }
    // SHOW never asks Kafka: with the broker gone it answers at memory speed.
    let mut broker = broker;
    broker.stop();
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        for sql in ["SHOW ROUTINE LOAD LAG FOR j", "SHOW ROUTINE LOAD FOR j"] {
            let t0 = std::time::Instant::now();
            let out = must_query(&mut conn, sql).await;
            worst = worst.max(t0.elapsed());
            assert_eq!(out.rows.len(), 1, "{sql}");
        }
    }
    eprintln!("SHOW ROUTINE LOAD [LAG] with the broker down: worst of 40 = {worst:?}");
    assert!(worst < Duration::from_secs(1), "{worst:?}");
    Ok(())
}
