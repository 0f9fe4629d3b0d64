//! INSERT / TRUNCATE / DELETE end to end with the real binaries (3 BEs, 3 replicas): rows go
//! through the same transaction and publish path as routine load, are visible when the OK
//! packet arrives, carry StarRocks's info string, and bad rows fail the statement in strict
//! mode with nothing visible.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use mysql_async::prelude::Queryable;
use starload_compat_tests::sql::{
    must_error, must_exec, must_query, must_query_rows, server_error,
};
use starload_compat_tests::Cluster;

#[tokio::test(flavor = "multi_thread")]
async fn insert_truncate_delete_are_exactly_once_statements() -> anyhow::Result<()> {
    let cluster = Cluster::start(3).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE d").await;
    must_exec(
        &mut conn,
        r#"CREATE TABLE d.t (dt date NOT NULL, k int NOT NULL, v varchar(10))
DUPLICATE KEY(dt, k)
PARTITION BY RANGE(dt) (
  PARTITION p1 VALUES LESS THAN ("2024-02-01"),
  PARTITION p2 VALUES LESS THAN ("2024-03-01")
)
DISTRIBUTED BY HASH(k) BUCKETS 3"#,
    )
    .await;

    let (affected, info) = ok_packet(
        &mut conn,
        "INSERT INTO d.t VALUES ('2024-01-05', 1, 'a'), ('2024-02-07', 2, NULL)",
    )
    .await?;
    assert_eq!(affected, 2, "info: {info}");
    assert!(
        info.starts_with("{'label':'insert_") && info.contains("'status':'VISIBLE', 'txnId':'"),
        "{info}"
    );
    // Visible as soon as the statement answered (no polling).
    must_query_rows(
        &mut conn,
        "SELECT dt, k, v FROM d.t ORDER BY k",
        &[&["2024-01-05", "1", "a"], &["2024-02-07", "2", "NULL"]],
    )
    .await;

    // INSERT ... SELECT with a column list and a label; the label cannot be used twice.
    must_exec(
        &mut conn,
        "INSERT INTO d.t WITH LABEL copy1 (k, dt) SELECT k + 10, dt FROM d.t",
    )
    .await;
    let out = must_query(&mut conn, "SELECT count(*), sum(k) FROM d.t").await;
    assert_eq!(out.rows, vec![vec!["4".to_string(), "26".to_string()]]);
    must_error(
        &mut conn,
        "INSERT INTO d.t WITH LABEL copy1 VALUES ('2024-01-01', 9, 'x')",
        1064,
        "Label [copy1] has already been used.",
    )
    .await;

    // A row in no partition and a NULL in a NOT NULL column: strict mode fails the
    // statement, 5025 with a tracking_url, and nothing of it is visible.
    let e = conn
        .query_drop("INSERT INTO d.t VALUES ('2024-01-09', 5, 'ok'), ('2025-01-01', 6, 'late')")
        .await
        .unwrap_err();
    let s = server_error(&e).unwrap();
    assert_eq!(s.code, 5025, "{s:?}");
    assert!(
        s.message
            .starts_with("Insert has filtered data in strict mode, tracking_url=http://"),
        "{s:?}"
    );
    // The tracking URL serves the rejected row with StarRocks's text.
    let url = s.message.split("tracking_url=").nth(1).unwrap();
    let body = reqwest_get(url).await?;
    assert!(
        body.contains("The row is out of partition ranges. Please add a new partition."),
        "{body}"
    );
    let e = conn
        .query_drop("INSERT INTO d.t VALUES ('2024-01-09', NULL, 'x')")
        .await
        .unwrap_err();
    assert_eq!(server_error(&e).unwrap().code, 5025);
    let out = must_query(&mut conn, "SELECT count(*) FROM d.t").await;
    assert_eq!(out.rows[0][0], "4");
    // Without strict mode the good row loads and the bad one is filtered.
    must_exec(&mut conn, "SET enable_insert_strict = false").await;
    let (affected, _) = ok_packet(
        &mut conn,
        "INSERT INTO d.t VALUES ('2024-01-09', 5, 'ok'), ('2025-01-01', 6, 'late')",
    )
    .await?;
    assert_eq!(affected, 1);
    must_exec(&mut conn, "SET enable_insert_strict = true").await;

    // Errors of the statement itself.
    must_error(
        &mut conn,
        "INSERT INTO d.t (k, nope) VALUES (1, 2)",
        1064,
        "Getting analyzing error. Detail message: Unknown column 'nope' in 't'.",
    )
    .await;
    must_error(
        &mut conn,
        "INSERT INTO d.t VALUES (1, 2)",
        1064,
        "Getting analyzing error. Detail message: Column count doesn't match value count.",
    )
    .await;

    // INSERT into one partition only: a row of another partition is filtered.
    let e = conn
        .query_drop("INSERT INTO d.t PARTITION (p1) VALUES ('2024-02-02', 7, 'p2 row')")
        .await
        .unwrap_err();
    assert_eq!(server_error(&e).unwrap().code, 5025);
    must_exec(
        &mut conn,
        "INSERT INTO d.t PARTITION (p1) VALUES ('2024-01-02', 7, 'p1 row')",
    )
    .await;

    // TRUNCATE one partition: February's rows go, January's stay.
    let before = must_query(
        &mut conn,
        "SELECT count(*) FROM d.t WHERE dt < '2024-02-01'",
    )
    .await;
    must_exec(&mut conn, "TRUNCATE TABLE d.t PARTITION (p2)").await;
    let out = must_query(
        &mut conn,
        "SELECT count(*) FROM d.t WHERE dt >= '2024-02-01'",
    )
    .await;
    assert_eq!(out.rows[0][0], "0");
    let after = must_query(
        &mut conn,
        "SELECT count(*) FROM d.t WHERE dt < '2024-02-01'",
    )
    .await;
    assert_eq!(before.rows, after.rows);
    must_error(
        &mut conn,
        "TRUNCATE TABLE d.t PARTITION (p9)",
        1064,
        "Partition p9 does not exist",
    )
    .await;

    // DELETE on a PRIMARY KEY table.
    must_exec(
        &mut conn,
        "CREATE TABLE d.pk (id int NOT NULL, name varchar(10)) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 2",
    )
    .await;
    must_exec(
        &mut conn,
        "INSERT INTO d.pk VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')",
    )
    .await;
    let (affected, _) = ok_packet(&mut conn, "DELETE FROM d.pk WHERE id >= 3").await?;
    assert_eq!(affected, 2);
    must_query_rows(
        &mut conn,
        "SELECT id, name FROM d.pk ORDER BY id",
        &[&["1", "a"], &["2", "b"]],
    )
    .await;
    // Upsert through INSERT on the primary key.
    must_exec(&mut conn, "INSERT INTO d.pk VALUES (1, 'z')").await;
    must_query_rows(
        &mut conn,
        "SELECT id, name FROM d.pk ORDER BY id",
        &[&["1", "z"], &["2", "b"]],
    )
    .await;
    Ok(())
}

/// INSERT OVERWRITE replaces the target partitions' rows in one step: readers running
/// alongside see the old rows or the new ones, never a mix, and a failed overwrite changes
/// nothing.
#[tokio::test(flavor = "multi_thread")]
async fn insert_overwrite_replaces_partitions_atomically() -> anyhow::Result<()> {
    let cluster = Cluster::start(3).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE d").await;
    must_exec(
        &mut conn,
        r#"CREATE TABLE d.o (dt date NOT NULL, k int NOT NULL)
DUPLICATE KEY(dt, k)
PARTITION BY RANGE(dt) (
  PARTITION p1 VALUES LESS THAN ("2024-02-01"),
  PARTITION p2 VALUES LESS THAN ("2024-03-01")
)
DISTRIBUTED BY HASH(k) BUCKETS 2"#,
    )
    .await;
    must_exec(
        &mut conn,
        "INSERT INTO d.o VALUES ('2024-01-01', 1), ('2024-01-02', 2), ('2024-02-01', 100)",
    )
    .await;
    let ids_before = partition_ids(&mut conn, "d.o").await;

    // One partition: p1's rows are replaced, p2's stay.
    let (affected, info) = ok_packet(
        &mut conn,
        "INSERT OVERWRITE d.o PARTITION (p1) VALUES ('2024-01-10', 10)",
    )
    .await?;
    assert_eq!(affected, 1, "{info}");
    assert!(info.contains("'status':'VISIBLE'"), "{info}");
    must_query_rows(
        &mut conn,
        "SELECT dt, k FROM d.o ORDER BY k",
        &[&["2024-01-10", "10"], &["2024-02-01", "100"]],
    )
    .await;
    // Reading named partitions only (`FROM t PARTITION (..)`, aliases and joins included).
    must_query_rows(&mut conn, "SELECT k FROM d.o PARTITION (p2)", &[&["100"]]).await;
    must_query_rows(
        &mut conn,
        "SELECT count(*), sum(o.k) FROM d.o PARTITION (P1, p2) o",
        &[&["2", "110"]],
    )
    .await;
    must_query_rows(
        &mut conn,
        "SELECT a.k, b.k FROM d.o PARTITION (p1) a JOIN d.o PARTITION (p2) b ON true",
        &[&["10", "100"]],
    )
    .await;
    must_error(
        &mut conn,
        "SELECT * FROM d.o PARTITION (p7)",
        1064,
        "Getting analyzing error. Detail message: Unknown partition 'p7' in table 'o'.",
    )
    .await;
    // Same partition names, p1 with a new id (its replacement), p2 untouched; no temporary
    // partition is left in sight.
    let ids_after = partition_ids(&mut conn, "d.o").await;
    assert_eq!(
        ids_after
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        vec!["p1", "p2"]
    );
    assert_ne!(ids_after[0].1, ids_before[0].1);
    assert_eq!(ids_after[1].1, ids_before[1].1);

    // A failing overwrite (a row in no partition, strict mode) leaves the table as it was.
    let e = conn
        .query_drop("INSERT OVERWRITE d.o VALUES ('2024-01-11', 11), ('2030-01-01', 12)")
        .await
        .unwrap_err();
    assert_eq!(server_error(&e).unwrap().code, 5025, "{e}");
    must_query_rows(
        &mut conn,
        "SELECT dt, k FROM d.o ORDER BY k",
        &[&["2024-01-10", "10"], &["2024-02-01", "100"]],
    )
    .await;
    assert_eq!(partition_ids(&mut conn, "d.o").await, ids_after);

    // The whole table, from a query over itself, while a reader checks every snapshot: each
    // overwrite doubles k, so a reading is (2 rows, 110 * 2^i) or it mixes two states.
    let reader = {
        let mut rc = cluster.conn().await?;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let h = tokio::spawn(async move {
            let mut seen = Vec::new();
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                let row: Option<(i64, i64)> = rc
                    .query_first("SELECT count(*), sum(k) FROM d.o")
                    .await
                    .unwrap();
                seen.push(row.unwrap());
            }
            seen
        });
        (stop, h)
    };
    for _ in 0..5 {
        must_exec(&mut conn, "INSERT OVERWRITE d.o SELECT dt, k * 2 FROM d.o").await;
    }
    reader.0.store(true, std::sync::atomic::Ordering::Relaxed);
    let seen = reader.1.await?;
    assert!(!seen.is_empty());
    for (count, sum) in &seen {
        let legal = *count == 2 && (0..=5).any(|i| *sum == 110 << i);
        assert!(
            legal,
            "a reader saw a mixed state: count {count}, sum {sum}"
        );
    }
    must_query_rows(
        &mut conn,
        "SELECT dt, k FROM d.o ORDER BY k",
        &[&["2024-01-10", "320"], &["2024-02-01", "3200"]],
    )
    .await;

    // An empty source empties the targets (StarRocks: the overwrite still swaps).
    must_exec(
        &mut conn,
        "INSERT OVERWRITE d.o PARTITION (p2) SELECT dt, k FROM d.o WHERE k < 0",
    )
    .await;
    must_query_rows(
        &mut conn,
        "SELECT dt, k FROM d.o ORDER BY k",
        &[&["2024-01-10", "320"]],
    )
    .await;

    // An unpartitioned table.
    must_exec(
        &mut conn,
        "CREATE TABLE d.u (k int) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 2",
    )
    .await;
    must_exec(&mut conn, "INSERT INTO d.u VALUES (1), (2), (3)").await;
    must_exec(&mut conn, "INSERT OVERWRITE d.u VALUES (7)").await;
    must_query_rows(&mut conn, "SELECT k FROM d.u", &[&["7"]]).await;
    must_error(
        &mut conn,
        "INSERT OVERWRITE d.u PARTITION (nope) VALUES (1)",
        1064,
        "Getting analyzing error. Detail message: Unknown partition 'nope' in table 'u'.",
    )
    .await;
    Ok(())
}

/// (PartitionName, PartitionId) of every partition, as SHOW PARTITIONS lists them.
async fn partition_ids(conn: &mut mysql_async::Conn, table: &str) -> Vec<(String, String)> {
    let out = must_query(conn, &format!("SHOW PARTITIONS FROM {table}")).await;
    let id = out.columns.iter().position(|c| c == "PartitionId").unwrap();
    let name = out
        .columns
        .iter()
        .position(|c| c == "PartitionName")
        .unwrap();
    out.rows
        .iter()
        .map(|r| (r[name].clone(), r[id].clone()))
        .collect()
}

/// Runs `sql` and returns its OK packet's affected rows and info string.
async fn ok_packet(conn: &mut mysql_async::Conn, sql: &str) -> anyhow::Result<(u64, String)> {
    let r = conn.query_iter(sql).await?;
    let out = (r.affected_rows(), r.info().to_string());
    r.drop_result().await?;
    Ok(out)
}

/// GET `url` with a plain HTTP/1.1 request (the BE's error-log endpoint).
async fn reqwest_get(url: &str) -> anyhow::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = tokio::net::TcpStream::connect(host).await?;
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await?;
    let mut body = String::new();
    s.read_to_string(&mut body).await?;
    Ok(body)
}
