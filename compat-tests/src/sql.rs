//! MySQL client helpers over `mysql_async` (text protocol, as the mysql CLI and most drivers
//! use) and the `must_*` assertions integration tests share.
//!
//! Values are rendered the way the mysql CLI prints them in batch mode: text as-is, NULL as
//! `NULL`. Assertions panic with the statement and what was seen, so a failing test explains
//! itself.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{anyhow, Result};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, Value};

use crate::poll::Deadline;

/// A result set: column titles and rows of rendered values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOutput {
    /// Column titles in order (empty for statements without a result set).
    pub columns: Vec<String>,
    /// Rows, each value rendered as text (`NULL` for SQL NULL).
    pub rows: Vec<Vec<String>>,
}

impl QueryOutput {
    /// Index of the column titled `name`.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Value of column `name` in row `row`.
    pub fn get(&self, row: usize, name: &str) -> Option<&str> {
        let c = self.col(name)?;
        self.rows.get(row)?.get(c).map(String::as_str)
    }

    /// Row `row` as a title → value map.
    pub fn row_map(&self, row: usize) -> Option<HashMap<String, String>> {
        let r = self.rows.get(row)?;
        Some(
            self.columns
                .iter()
                .cloned()
                .zip(r.iter().cloned())
                .collect(),
        )
    }
}

/// A server error as the client received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    /// MySQL errno.
    pub code: u16,
    /// SQLSTATE.
    pub state: String,
    /// Message text.
    pub message: String,
}

/// `CREATE ROUTINE LOAD <job> ON <table>` for CSV rows `k,v` from the beginning of `topic`, with
/// librdkafka settings (`("security.protocol", "SSL")`, ... written as `"property.<k>"`).
pub fn csv_job_sql(
    job: &str,
    table: &str,
    broker: &str,
    topic: &str,
    props: &[(&str, &str)],
) -> String {
    let props: String = props
        .iter()
        .map(|(k, v)| format!(",\n    \"property.{k}\" = \"{v}\""))
        .collect();
    format!(
        r#"CREATE ROUTINE LOAD {job} ON {table}
COLUMNS TERMINATED BY ",",
COLUMNS (k, v)
FROM KAFKA
(
    "kafka_broker_list" = "{broker}",
    "kafka_topic" = "{topic}",
    "property.kafka_default_offsets" = "OFFSET_BEGINNING"{props}
)"#
    )
}

/// Renders one value like the mysql CLI in batch mode.
pub fn render_value(v: &Value) -> String {
    match v {
        Value::NULL => "NULL".into(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Double(d) => d.to_string(),
        Value::Date(y, mo, d, h, mi, s, us) => {
            if *us > 0 {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        Value::Time(neg, d, h, mi, s, us) => {
            let sign = if *neg { "-" } else { "" };
            let hours = u32::from(*h) + d * 24;
            if *us > 0 {
                format!("{sign}{hours:02}:{mi:02}:{s:02}.{us:06}")
            } else {
                format!("{sign}{hours:02}:{mi:02}:{s:02}")
            }
        }
    }
}

/// `mysql://root@127.0.0.1:<port>[/db]`.
pub fn mysql_url(port: u16, user: &str, password: &str, db: Option<&str>) -> String {
    mysql_url_at("127.0.0.1", port, user, password, db)
}

/// [`mysql_url`] for a server at `host`.
pub fn mysql_url_at(host: &str, port: u16, user: &str, password: &str, db: Option<&str>) -> String {
    let auth = if password.is_empty() {
        user.to_string()
    } else {
        format!("{user}:{password}")
    };
    match db {
        Some(db) => format!("mysql://{auth}@{host}:{port}/{db}"),
        None => format!("mysql://{auth}@{host}:{port}"),
    }
}

/// Opens a connection (no pool: each test owns its connections).
pub async fn connect(url: &str) -> Result<Conn> {
    let opts = Opts::from_url(url).map_err(|e| anyhow!("bad mysql url {url}: {e}"))?;
    // StarRocks has no @@socket variable (neither has starload); mysql_async asks for it at
    // connect unless told not to.
    let opts = mysql_async::OptsBuilder::from_opts(opts).prefer_socket(false);
    Ok(Conn::new(opts).await?)
}

/// Runs `sql` and collects its (first) result set. Statements without one give an empty output.
pub async fn query(conn: &mut Conn, sql: &str) -> Result<QueryOutput, mysql_async::Error> {
    let mut result = conn.query_iter(sql).await?;
    let columns: Vec<String> = result
        .columns_ref()
        .iter()
        .map(|c| c.name_str().into_owned())
        .collect();
    let rows: Vec<mysql_async::Row> = result.collect().await?;
    // Drain any further result sets so the connection stays usable.
    result.drop_result().await?;
    let rows = rows
        .into_iter()
        .map(|r| r.unwrap().iter().map(render_value).collect())
        .collect();
    Ok(QueryOutput { columns, rows })
}

/// Splits a client error into a server error (errno, SQLSTATE, message), if it is one.
pub fn server_error(e: &mysql_async::Error) -> Option<SqlError> {
    match e {
        mysql_async::Error::Server(s) => Some(SqlError {
            code: s.code,
            state: s.state.clone(),
            message: s.message.clone(),
        }),
        _ => None,
    }
}

/// Runs `sql`; panics with the statement and error if it fails.
pub async fn must_exec(conn: &mut Conn, sql: &str) {
    let started = std::time::Instant::now();
    if let Err(e) = conn.query_drop(sql).await {
        // The time tells a refusal from a timeout when only the message reaches CI's log.
        panic!(
            "statement failed after {} ms: {sql}\n  error: {e}",
            started.elapsed().as_millis()
        );
    }
}

/// The small table the routine load tests of issues 16 and 17 load into: creates database `d`,
/// makes it current, and creates `d.t (k int NOT NULL, v varchar(10))`, one bucket.
pub async fn must_create_kv_table(conn: &mut Conn) {
    must_exec(conn, "CREATE DATABASE d").await;
    must_exec(conn, "USE d").await;
    must_exec(
        conn,
        "CREATE TABLE t (k int NOT NULL, v varchar(10)) DUPLICATE KEY (k) \
         DISTRIBUTED BY HASH(k) BUCKETS 1",
    )
    .await;
}

/// Runs `sql` and returns its result set; panics if it fails.
pub async fn must_query(conn: &mut Conn, sql: &str) -> QueryOutput {
    match query(conn, sql).await {
        Ok(o) => o,
        Err(e) => panic!("query failed: {sql}\n  error: {e}"),
    }
}

fn to_owned_rows(expected: &[&[&str]]) -> Vec<Vec<String>> {
    expected
        .iter()
        .map(|r| r.iter().map(|v| v.to_string()).collect())
        .collect()
}

/// Asserts that `sql` returns exactly `expected` rows, in order.
pub async fn must_query_rows(conn: &mut Conn, sql: &str, expected: &[&[&str]]) {
    let out = must_query(conn, sql).await;
    let want = to_owned_rows(expected);
    assert_eq!(out.rows, want, "rows of: {sql}");
}

/// Asserts that `sql` returns exactly `expected` rows, in any order.
pub async fn must_query_rows_unordered(conn: &mut Conn, sql: &str, expected: &[&[&str]]) {
    let mut got = must_query(conn, sql).await.rows;
    let mut want = to_owned_rows(expected);
    got.sort();
    want.sort();
    assert_eq!(got, want, "rows (unordered) of: {sql}");
}

/// Asserts the column titles of `sql`'s result, byte for byte.
pub async fn must_query_columns(conn: &mut Conn, sql: &str, expected: &[&str]) {
    let out = must_query(conn, sql).await;
    assert_eq!(out.columns, expected, "column titles of: {sql}");
}

/// Asserts that `sql` fails with `errno` and exactly `message`.
pub async fn must_error(conn: &mut Conn, sql: &str, errno: u16, message: &str) {
    match conn.query_drop(sql).await {
        Ok(()) => panic!("statement succeeded but should fail with {errno}: {sql}"),
        Err(e) => match server_error(&e) {
            Some(s) => assert_eq!(
                (s.code, s.message.as_str()),
                (errno, message),
                "error of: {sql}"
            ),
            None => panic!("statement failed without a server error: {sql}\n  error: {e}"),
        },
    }
}

/// Polls `sql` until it returns exactly `expected` rows (in order) or `timeout` passes.
pub async fn must_eventually_rows(
    conn: &mut Conn,
    sql: &str,
    expected: &[&[&str]],
    timeout: Duration,
) {
    let want = to_owned_rows(expected);
    let d = Deadline::after(timeout);
    loop {
        let last = query(conn, sql).await.map(|o| o.rows);
        if matches!(&last, Ok(rows) if *rows == want) {
            return;
        }
        if !d.wait().await {
            panic!("timed out after {timeout:?}: {sql}\n  want: {want:?}\n  last: {last:?}");
        }
    }
}

/// Polls `SELECT count(*) FROM <table>` until it equals `n`; panics on timeout, or at once if the
/// count ever exceeds `n` (a duplicate is never "not yet").
pub async fn must_count(conn: &mut Conn, table: &str, n: u64, timeout: Duration) {
    let sql = format!("SELECT count(*) FROM {table}");
    let d = Deadline::after(timeout);
    loop {
        let last = query(conn, &sql).await;
        if let Ok(out) = &last {
            let v = out.rows.first().and_then(|r| r.first()).map(String::as_str);
            match v.and_then(|v| v.parse::<u64>().ok()) {
                Some(c) if c == n => return,
                Some(c) if c > n => panic!("{sql}: {c} rows, more than the {n} expected"),
                _ => {}
            }
        }
        if !d.wait().await {
            panic!("timed out after {timeout:?}: {sql} want {n}, last {last:?}");
        }
    }
}

/// `SHOW ROUTINE LOAD FOR <job>` as a title → value map (None if the job is not listed).
pub async fn show_routine_load(
    conn: &mut Conn,
    job: &str,
) -> Result<Option<HashMap<String, String>>> {
    let out = query(conn, &format!("SHOW ROUTINE LOAD FOR {job}")).await?;
    Ok(out.row_map(0))
}

/// Polls `SHOW ROUTINE LOAD FOR <job>` until `State` equals `state`; returns that row. Panics
/// on timeout with the last row seen (including ReasonOfStateChanged).
pub async fn must_reach_state(
    conn: &mut Conn,
    job: &str,
    state: &str,
    timeout: Duration,
) -> HashMap<String, String> {
    let d = Deadline::after(timeout);
    loop {
        let last = show_routine_load(conn, job).await;
        if let Ok(Some(row)) = &last {
            if row.get("State").map(String::as_str) == Some(state) {
                return row.clone();
            }
        }
        if !d.wait().await {
            panic!("timed out after {timeout:?} waiting for job {job} to be {state}; last SHOW ROUTINE LOAD row: {last:?}");
        }
    }
}
