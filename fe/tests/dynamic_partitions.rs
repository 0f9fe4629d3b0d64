//! Dynamic partitioning end to end with the real binaries: CREATE TABLE makes today's
//! partitions at once (names and ranges in the table's zone), rows of today and tomorrow land
//! in them, ALTER TABLE ADD / DROP PARTITION is refused while it is enabled, the background
//! loop (`dynamic_partition_check_interval_seconds`) drops partitions older than `start` and
//! creates those of a table with its own bucket count, an FE restart changes nothing, and the
//! property errors reach the client with StarRocks's errno and text.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use chrono::{Duration as Days, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use starload_compat_tests::poll::Deadline;
use starload_compat_tests::sql::{must_error, must_exec, must_query, query};
use starload_compat_tests::{Cluster, ClusterOptions};
use std::time::Duration;

const T: Duration = Duration::from_secs(60);

/// A zone whose local time is at least three hours from midnight now, and its date: "today"
/// cannot change while the test runs (one of the three always qualifies).
fn zone_away_from_midnight() -> (&'static str, NaiveDate) {
    for name in ["Asia/Shanghai", "Europe/London", "America/New_York"] {
        let tz: Tz = name.parse().unwrap();
        let local = Utc::now().with_timezone(&tz);
        if (3..21).contains(&local.hour()) {
            return (name, local.date_naive());
        }
    }
    unreachable!("one of the zones is between 03:00 and 21:00")
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn pname(d: NaiveDate) -> String {
    format!("p{}", d.format("%Y%m%d"))
}

/// SHOW PARTITIONS's `Range` cell of a one-day DATE partition.
fn day_range(d: NaiveDate) -> String {
    format!(
        "[types: [DATE]; keys: [{}]; ..types: [DATE]; keys: [{}]; )",
        ymd(d),
        ymd(d + Days::days(1))
    )
}

/// `(PartitionName, Range)` of every partition, in range order.
async fn partitions(conn: &mut mysql_async::Conn, table: &str) -> Vec<(String, String)> {
    let out = must_query(conn, &format!("SHOW PARTITIONS FROM {table}")).await;
    (0..out.rows.len())
        .map(|i| {
            (
                out.get(i, "PartitionName").unwrap().to_string(),
                out.get(i, "Range").unwrap().to_string(),
            )
        })
        .collect()
}

async fn partition_names(conn: &mut mysql_async::Conn, table: &str) -> Vec<String> {
    partitions(conn, table)
        .await
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

/// Polls until the table's partition names (in range order) are `want`.
async fn wait_partition_names(conn: &mut mysql_async::Conn, table: &str, want: &[String]) {
    let d = Deadline::after(T);
    loop {
        let names = partition_names(conn, table).await;
        if names == want {
            return;
        }
        if !d.wait().await {
            panic!("{table}: partitions {names:?}, want {want:?}");
        }
    }
}

fn dynamic_table(name: &str, zone: &str, extra: &str) -> String {
    format!(
        r#"CREATE TABLE {name} (dt date NOT NULL, k int, v varchar(10))
DUPLICATE KEY(dt, k)
PARTITION BY RANGE(dt) ()
DISTRIBUTED BY HASH(k) BUCKETS 2
PROPERTIES (
  "replication_num" = "1",
  "dynamic_partition.time_unit" = "DAY",
  "dynamic_partition.start" = "-3",
  "dynamic_partition.end" = "3",
  "dynamic_partition.time_zone" = "{zone}"{extra}
)"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn dynamic_partitions_are_created_used_refused_and_dropped() -> anyhow::Result<()> {
    let (zone, today) = zone_away_from_midnight();
    let day = |n: i64| today + Days::days(n);
    let mut cluster = Cluster::start_with(
        ClusterOptions::new(1).fe("dynamic_partition_check_interval_seconds", "1"),
    )
    .await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE d").await;

    // CREATE TABLE answers with today .. today+3 in place.
    must_exec(&mut conn, &dynamic_table("d.t", zone, "")).await;
    let want: Vec<(String, String)> = (0..4).map(|i| (pname(day(i)), day_range(day(i)))).collect();
    assert_eq!(partitions(&mut conn, "d.t").await, want);
    let ddl = must_query(&mut conn, "SHOW CREATE TABLE d.t").await.rows[0][1].clone();
    for line in [
        "\"dynamic_partition.enable\" = \"true\"".to_string(),
        "\"dynamic_partition.start\" = \"-3\"".to_string(),
        "\"dynamic_partition.end\" = \"3\"".to_string(),
        "\"dynamic_partition.prefix\" = \"p\"".to_string(),
        "\"dynamic_partition.history_partition_num\" = \"0\"".to_string(),
        format!("\"dynamic_partition.time_zone\" = \"{zone}\""),
        format!(
            "PARTITION {} VALUES [(\"{}\"), (\"{}\"))",
            pname(today),
            ymd(today),
            ymd(day(1))
        ),
    ] {
        assert!(ddl.contains(&line), "{line} not in {ddl}");
    }

    // Rows of today and tomorrow land in their partitions.
    must_exec(
        &mut conn,
        &format!(
            "INSERT INTO d.t VALUES ('{}', 1, 'today'), ('{}', 2, 'tomorrow')",
            ymd(today),
            ymd(day(1))
        ),
    )
    .await;
    for (i, v) in [(0, "today"), (1, "tomorrow")] {
        let out = must_query(
            &mut conn,
            &format!("SELECT v FROM d.t PARTITION ({})", pname(day(i))),
        )
        .await;
        assert_eq!(out.rows, vec![vec![v.to_string()]]);
    }

    // Partition DDL is refused while dynamic partitioning is enabled.
    let refused = "Cannot add/drop partition on a Dynamic Partition Table, Use command `ALTER TABLE tbl_name SET (\"dynamic_partition.enable\" = \"false\")` firstly.";
    must_error(
        &mut conn,
        "ALTER TABLE d.t ADD PARTITION p20200101 VALUES [(\"2020-01-01\"), (\"2020-01-02\"))",
        1064,
        refused,
    )
    .await;
    must_error(
        &mut conn,
        &format!("ALTER TABLE d.t DROP PARTITION {}", pname(today)),
        1064,
        refused,
    )
    .await;

    // Partitions of the statement that end before `start` are dropped by the loop; one in
    // the kept range [today-3, today) stays.
    must_exec(
        &mut conn,
        &format!(
            r#"CREATE TABLE d.old (dt date NOT NULL, k int)
DUPLICATE KEY(dt, k)
PARTITION BY RANGE(dt) (
  PARTITION p20200101 VALUES [("2020-01-01"), ("2020-01-02")),
  PARTITION p_ancient VALUES [("1999-01-01"), ("2000-01-01")),
  PARTITION p_yesterday VALUES [("{}"), ("{}"))
)
DISTRIBUTED BY HASH(k) BUCKETS 1
PROPERTIES (
  "replication_num" = "1",
  "dynamic_partition.time_unit" = "DAY",
  "dynamic_partition.start" = "-3",
  "dynamic_partition.end" = "1",
  "dynamic_partition.time_zone" = "{zone}"
)"#,
            ymd(day(-1)),
            ymd(today)
        ),
    )
    .await;
    wait_partition_names(
        &mut conn,
        "d.old",
        &["p_yesterday".to_string(), pname(today), pname(day(1))],
    )
    .await;

    // With its own bucket count, the loop creates the partitions, with that many buckets.
    must_exec(
        &mut conn,
        &dynamic_table("d.b", zone, ",\n  \"dynamic_partition.buckets\" = \"3\""),
    )
    .await;
    let want_names: Vec<String> = (0..4).map(|i| pname(day(i))).collect();
    wait_partition_names(&mut conn, "d.b", &want_names).await;
    let buckets = must_query(
        &mut conn,
        "SELECT DISTINCT BUCKETS FROM information_schema.partitions_meta WHERE DB_NAME = 'd' AND TABLE_NAME = 'b'",
    )
    .await;
    assert_eq!(buckets.rows, vec![vec!["3".to_string()]]);

    // A restarted FE passes every table again and finds nothing to do.
    drop(conn);
    cluster.restart_fe().await?;
    let mut conn = cluster.conn().await?;
    assert_eq!(partitions(&mut conn, "d.t").await, want);
    let out = must_query(&mut conn, "SELECT count(*) FROM d.t").await;
    assert_eq!(out.rows, vec![vec!["2".to_string()]]);

    // Property errors, with StarRocks's errno and text.
    let create = |props: &str| {
        format!(
            "CREATE TABLE d.e (dt date, k int) PARTITION BY RANGE(dt) () DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES (\"replication_num\" = \"1\", {props})"
        )
    };
    for (props, errno, text) in [
        (
            r#""dynamic_partition.end" = "3""#,
            1064,
            "Must assign dynamic_partition.time_unit properties",
        ),
        (
            r#""dynamic_partition.time_unit" = "DAY""#,
            1064,
            "Must assign dynamic_partition.end properties",
        ),
        (
            r#""dynamic_partition.time_unit" = "DAY", "dynamic_partition.end" = "3", "dynamic_partition.start" = "1""#,
            5066,
            "Dynamic partition start must less than 0",
        ),
        (
            r#""dynamic_partition.time_unit" = "DAY", "dynamic_partition.end" = "-1""#,
            5066,
            "Dynamic partition end must greater than 0",
        ),
        (
            r#""dynamic_partition.time_unit" = "MINUTE", "dynamic_partition.end" = "3""#,
            5065,
            "Unsupported time unit MINUTE. Expect DAY/WEEK/MONTH/YEAR.",
        ),
        (
            r#""dynamic_partition.time_unit" = "HOUR", "dynamic_partition.end" = "3""#,
            1064,
            "Getting analyzing error. Detail message: Date type partition does not support dynamic partitioning granularity of hour.",
        ),
        (
            r#""dynamic_partition.time_unit" = "DAY", "dynamic_partition.end" = "301", "dynamic_partition.history_partition_num" = "200""#,
            1064,
            "Too many dynamic partitions: 501. Limit: 500",
        ),
        (
            r#""dynamic_partition.time_unit" = "DAY", "dynamic_partition.end" = "3", "dynamic_partition.time_zone" = "Mars/Base""#,
            1298,
            "Unknown or incorrect time zone: 'Mars/Base'",
        ),
        (
            r#""dynamic_partition.time_unit" = "DAY", "dynamic_partition.end" = "3", "dynamic_partition.prefix" = "1p""#,
            5069,
            "Invalid dynamic partition prefix: 1p.",
        ),
    ] {
        must_error(&mut conn, &create(props), errno, text).await;
    }
    must_error(
        &mut conn,
        r#"CREATE TABLE d.e (c varchar(10), k int) PARTITION BY LIST(c) (PARTITION a VALUES IN ("a")) DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES ("replication_num" = "1", "dynamic_partition.time_unit" = "DAY", "dynamic_partition.end" = "3")"#,
        1064,
        "Dynamic partition only support single-column range partition",
    )
    .await;
    must_error(
        &mut conn,
        r#"CREATE TABLE d.e (dt date, k int) DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES ("replication_num" = "1", "dynamic_partition.enable" = "true")"#,
        1064,
        "Unknown properties: {dynamic_partition.enable=true}",
    )
    .await;
    // None of the failed statements left a table behind.
    assert!(query(&mut conn, "SHOW PARTITIONS FROM d.e").await.is_err());
    Ok(())
}
