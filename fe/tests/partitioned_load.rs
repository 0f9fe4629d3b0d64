//! Partitioned tables end to end with the real binaries and a real broker (Tansu): routine load
//! into a date-range table and a `date_trunc` table across many days, rows per partition,
//! rows in no partition as error rows, DROP / ADD PARTITION while the job runs, SHOW
//! PARTITIONS / SHOW CREATE TABLE, and partition pruning seen in EXPLAIN.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use starload_compat_tests::sql::{
    must_count, must_error, must_exec, must_query, must_reach_state, query, show_routine_load,
};
use starload_compat_tests::{Broker, Cluster};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

fn day(i: i64) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(2020, 5, 1).unwrap() + chrono::Duration::days(i);
    d.format("%Y-%m-%d").to_string()
}

async fn count(conn: &mut mysql_async::Conn, sql: &str) -> u64 {
    let out = must_query(conn, sql).await;
    out.rows[0][0].parse().unwrap()
}

/// Polls `cond` on SHOW ROUTINE LOAD's Statistic until it holds.
async fn wait_statistic(conn: &mut mysql_async::Conn, job: &str, needle: &str) {
    let d = starload_compat_tests::poll::Deadline::after(T);
    loop {
        let row = show_routine_load(conn, job).await.ok().flatten();
        if let Some(r) = &row {
            if r["Statistic"].contains(needle) {
                return;
            }
        }
        if !d.wait().await {
            panic!("{job}: Statistic never had {needle}: {row:?}");
        }
    }
}

fn job_sql(db: &str, name: &str, table: &str, topic: &str, broker: &str, extra: &str) -> String {
    format!(
        r#"CREATE ROUTINE LOAD {db}.{name} ON {table}
COLUMNS TERMINATED BY ",",
COLUMNS (dt, k, v)
{extra}
PROPERTIES ("max_error_number" = "100")
FROM KAFKA (
    "kafka_broker_list" = "{broker}",
    "kafka_topic" = "{topic}",
    "property.kafka_default_offsets" = "OFFSET_BEGINNING"
)"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn range_table_routes_rows_and_drop_add_partition_work_while_loading() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("r", 1).await?;
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE d").await;
    must_exec(
        &mut conn,
        r#"CREATE TABLE d.r (dt date NOT NULL, k bigint, v varchar(20))
DUPLICATE KEY(dt, k)
PARTITION BY RANGE(dt) (
  PARTITION p202005 VALUES LESS THAN ("2020-06-01"),
  PARTITION p202006 VALUES LESS THAN ("2020-07-01"),
  PARTITION p202007 VALUES LESS THAN ("2020-08-01")
)
DISTRIBUTED BY HASH(k) BUCKETS 2
PROPERTIES ("replication_num" = "1")"#,
    )
    .await;
    let show = must_query(&mut conn, "SHOW CREATE TABLE d.r").await;
    let ddl = &show.rows[0][1];
    assert!(
        ddl.contains(
            "PARTITION BY RANGE(`dt`)\n(PARTITION p202005 VALUES [(\"0000-01-01\"), (\"2020-06-01\")),\nPARTITION p202006 VALUES [(\"2020-06-01\"), (\"2020-07-01\")),\nPARTITION p202007 VALUES [(\"2020-07-01\"), (\"2020-08-01\")))\nDISTRIBUTED BY HASH(`k`) BUCKETS 2 "
        ),
        "{ddl}"
    );
    // 92 days from 2020-05-01: 31 in May, 30 in June, 31 in July; two rows of August fall in
    // no partition.
    let rows: Vec<String> = (0..92).map(|i| format!("{},{i},v{i}", day(i))).collect();
    broker.produce("r", 0, &rows).await?;
    broker
        .produce("r", 0, &["2020-08-05,1000,late", "2020-08-06,1001,late"])
        .await?;
    must_exec(
        &mut conn,
        &job_sql("d", "j", "r", "r", &broker.bootstrap(), ""),
    )
    .await;
    must_reach_state(&mut conn, "d.j", "RUNNING", T).await;
    must_count(&mut conn, "d.r", 92, T).await;
    wait_statistic(&mut conn, "d.j", r#""errorRows":2"#).await;
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) FROM d.r WHERE dt >= '2020-06-01' AND dt < '2020-07-01'"
        )
        .await,
        30
    );

    // SHOW PARTITIONS: StarRocks's 17 columns, every partition loaded once (version 2).
    let parts = must_query(&mut conn, "SHOW PARTITIONS FROM d.r").await;
    assert_eq!(parts.columns.len(), 17, "{:?}", parts.columns);
    assert_eq!(parts.columns[7], "Range");
    let names: Vec<&str> = (0..parts.rows.len())
        .map(|i| parts.get(i, "PartitionName").unwrap())
        .collect();
    assert_eq!(names, ["p202005", "p202006", "p202007"]);
    for i in 0..3 {
        let v: i64 = parts.get(i, "VisibleVersion").unwrap().parse()?;
        assert!(v >= 2, "{:?}", parts.rows[i]);
    }
    assert_eq!(
        parts.get(1, "Range").unwrap(),
        "[types: [DATE]; keys: [2020-06-01]; ..types: [DATE]; keys: [2020-07-01]; )"
    );

    // Pruning: a June-only query scans one partition (one BE: one scan group per partition).
    let plan = must_query(
        &mut conn,
        "EXPLAIN SELECT count(*) FROM d.r WHERE dt >= '2020-06-10' AND dt < '2020-06-20'",
    )
    .await;
    let text = plan
        .rows
        .iter()
        .map(|r| r.join(" "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("partitions=1/3"), "{text}");

    // DROP PARTITION removes exactly June's rows; June rows that arrive afterwards are error
    // rows; ADD PARTITION brings June back for new rows.
    must_exec(&mut conn, "ALTER TABLE d.r DROP PARTITION p202006").await;
    must_count(&mut conn, "d.r", 62, T).await;
    broker.produce("r", 0, &["2020-06-15,2000,gone"]).await?;
    wait_statistic(&mut conn, "d.j", r#""errorRows":3"#).await;
    must_exec(
        &mut conn,
        r#"ALTER TABLE d.r ADD PARTITION p202006 VALUES [("2020-06-01"), ("2020-07-01"))"#,
    )
    .await;
    broker.produce("r", 0, &["2020-06-16,2001,back"]).await?;
    must_count(&mut conn, "d.r", 63, T).await;
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) FROM d.r WHERE k = 2001 AND dt = '2020-06-16'"
        )
        .await,
        1
    );

    // Bad input: StarRocks's errors, and nothing loaded changes.
    must_error(
        &mut conn,
        r#"ALTER TABLE d.r ADD PARTITION p202006 VALUES LESS THAN ("2020-09-01")"#,
        1517,
        "Duplicate partition name p202006",
    )
    .await;
    let e = query(
        &mut conn,
        r#"ALTER TABLE d.r ADD PARTITION px VALUES [("2020-06-15"), ("2020-06-20"))"#,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("is intersected with range"), "{e}");
    must_error(
        &mut conn,
        "ALTER TABLE d.r DROP PARTITION nope",
        1507,
        "Error in list of partitions to [nope]",
    )
    .await;
    assert_eq!(count(&mut conn, "SELECT count(*) FROM d.r").await, 63);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn date_trunc_table_creates_a_partition_per_day_as_rows_arrive() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("e", 2).await?;
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE d").await;
    must_exec(
        &mut conn,
        r#"CREATE TABLE d.e (dt datetime NOT NULL, k bigint, v varchar(20))
DUPLICATE KEY(dt)
PARTITION BY date_trunc('day', dt)
DISTRIBUTED BY HASH(k) BUCKETS 1
PROPERTIES ("replication_num" = "1")"#,
    )
    .await;
    let parts = must_query(&mut conn, "SHOW PARTITIONS FROM d.e").await;
    assert!(parts.rows.is_empty(), "{:?}", parts.rows);
    // 20 days, 3 rows a day at different hours, spread over two Kafka partitions.
    let mut n = 0;
    for i in 0..20 {
        for h in [1, 12, 23] {
            let row = format!("{} {h:02}:30:00,{n},v", day(i));
            broker.produce("e", n % 2, &[row]).await?;
            n += 1;
        }
    }
    must_exec(
        &mut conn,
        &job_sql("d", "je", "e", "e", &broker.bootstrap(), ""),
    )
    .await;
    must_count(&mut conn, "d.e", 60, T).await;
    let parts = must_query(&mut conn, "SHOW PARTITIONS FROM d.e").await;
    let names: Vec<String> = (0..parts.rows.len())
        .map(|i| parts.get(i, "PartitionName").unwrap().to_string())
        .collect();
    let want: Vec<String> = (0..20)
        .map(|i| format!("p{}", day(i).replace('-', "")))
        .collect();
    assert_eq!(names, want);
    for i in 0..20 {
        let c = count(
            &mut conn,
            &format!(
                "SELECT count(*) FROM d.e WHERE dt >= '{} 00:00:00' AND dt < '{} 00:00:00'",
                day(i),
                day(i + 1)
            ),
        )
        .await;
        assert_eq!(c, 3, "day {}", day(i));
    }
    let show = must_query(&mut conn, "SHOW CREATE TABLE d.e").await;
    assert!(
        show.rows[0][1]
            .contains("PARTITION BY date_trunc('day', `dt`)\nDISTRIBUTED BY HASH(`k`) BUCKETS 1 "),
        "{}",
        show.rows[0][1]
    );
    let plan = must_query(
        &mut conn,
        "EXPLAIN SELECT * FROM d.e WHERE dt >= '2020-05-03 00:00:00' AND dt < '2020-05-05 00:00:00'",
    )
    .await;
    let text = plan
        .rows
        .iter()
        .map(|r| r.join(" "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("partitions=2/20"), "{text}");
    // A row of a new day later creates its partition; the job keeps running.
    broker
        .produce("e", 0, &["2021-01-01 00:00:00,999,new"])
        .await?;
    must_count(&mut conn, "d.e", 61, T).await;
    let parts = must_query(&mut conn, "SHOW PARTITIONS FROM d.e").await;
    assert_eq!(parts.rows.len(), 21);
    assert_eq!(parts.get(20, "PartitionName"), Some("p20210101"));
    must_reach_state(&mut conn, "d.je", "RUNNING", T).await;
    Ok(())
}
