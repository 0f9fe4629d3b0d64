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
        "Partition 'p9' doesn't exist in table 't'",
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
