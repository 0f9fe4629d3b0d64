//! Issue 17 end to end with the real FE, BE and Tansu: bad data never stalls a job and never
//! vanishes.
//! - `skip_on_fatal_parse_error`: a message that does not parse (a JSON array without
//!   `strip_outer_array`) is an error row and is skipped; the rows behind it load.
//! - The rejected-row ledger: every filtered row of a committed transaction (bad type under
//!   strict mode, NOT NULL, the poison message) is listed exactly once in
//!   `information_schema.routine_load_rejected_rows` with its partition, offset, reason and raw
//!   bytes, also after a BE was killed with SIGKILL while tasks ran; users without INSERT on the
//!   table see none of it.

use mysql_async::Conn;
use starload_compat_tests::sql::{
    must_count, must_create_kv_table, must_exec, must_query, show_routine_load,
};
use starload_compat_tests::{Broker, Cluster, Deadline};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

const ARRAY_WITHOUT_STRIP: &str = "The value is array type in json document stream, you can set strip_outer_array=true to parse each element of the array as individual rows";

/// The topic: good rows, rows the table refuses, one poison message.
const MESSAGES: &[&str] = &[
    r#"{"k": 1, "v": "a"}"#,
    r#"{"k": "x", "v": "b"}"#,
    r#"[{"k": 2, "v": "p"}]"#,
    r#"{"k": 3, "v": "c"}"#,
    r#"{"v": "d"}"#,
    r#"{"k": 4, "v": "e"}"#,
];

const LEDGER_SQL: &str = "SELECT JOB_NAME, DB_NAME, TABLE_NAME, KAFKA_TOPIC, KAFKA_PARTITION, \
     KAFKA_OFFSET, ROW_POSITION, ROW_ORDINAL, REASON, RAW_MESSAGE, LABEL LIKE CONCAT(JOB_NAME, '-%') \
     FROM information_schema.routine_load_rejected_rows WHERE JOB_NAME = '{job}' \
     ORDER BY KAFKA_PARTITION, KAFKA_OFFSET";

fn ledger_sql(job: &str) -> String {
    LEDGER_SQL.replace("{job}", job)
}

/// What the ledger must hold for MESSAGES at partition 0, offsets from `base`.
fn expected_ledger(job: &str, table: &str, topic: &str, base: i64) -> Vec<Vec<String>> {
    let row = |offset: i64, reason: &str, raw: &str| -> Vec<String> {
        vec![
            job.into(),
            "d".into(),
            table.into(),
            topic.into(),
            "0".into(),
            (base + offset).to_string(),
            "0".into(),
            "0".into(),
            reason.into(),
            raw.into(),
            "1".into(),
        ]
    };
    vec![
        row(
            1,
            "The field (name = k, pos = 0) is out of range. Type: INT, Value: x",
            MESSAGES[1],
        ),
        row(2, ARRAY_WITHOUT_STRIP, MESSAGES[2]),
        row(4, "NULL value in non-nullable column 'k'", MESSAGES[4]),
    ]
}

/// Polls the ledger of `job` until it has `n` rows; returns them.
async fn must_ledger_rows(conn: &mut Conn, job: &str, n: usize) -> Vec<Vec<String>> {
    let d = Deadline::after(T);
    loop {
        let out = must_query(conn, &ledger_sql(job)).await;
        if out.rows.len() >= n {
            return out.rows;
        }
        if !d.wait().await {
            panic!(
                "timed out waiting for {n} ledger rows of {job}; have {:?}",
                out.rows
            );
        }
    }
}

fn job_sql(job: &str, table: &str, topic: &str, bootstrap: &str) -> String {
    format!(
        r#"CREATE ROUTINE LOAD d.{job} ON {table}
PROPERTIES ("format" = "json", "max_batch_interval" = "5", "strict_mode" = "true",
            "skip_on_fatal_parse_error" = "true", "max_error_number" = "1000")
FROM KAFKA ("kafka_broker_list" = "{bootstrap}", "kafka_topic" = "{topic}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING")"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn poison_message_is_skipped_and_every_rejected_row_is_in_the_ledger_once(
) -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("rr", 1).await?;
    broker.produce("rr", 0, MESSAGES).await?;
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_create_kv_table(&mut conn).await;
    must_exec(&mut conn, &job_sql("j", "t", "rr", &broker.bootstrap())).await;

    // The poison message does not stop the partition: the rows behind it load.
    must_count(&mut conn, "d.t", 3, T).await;
    let got = must_ledger_rows(&mut conn, "j", 3).await;
    assert_eq!(got, expected_ledger("j", "t", "rr", 0));
    let row = show_routine_load(&mut conn, "j").await?.expect("job j");
    assert_eq!(row["State"], "RUNNING", "{row:?}");
    assert!(
        row["JobProperties"].contains(r#""skip_on_fatal_parse_error":"true""#),
        "{}",
        row["JobProperties"]
    );
    let stats: serde_json::Value = serde_json::from_str(&row["Statistic"])?;
    assert_eq!(stats["errorRows"], 3, "{stats}");
    assert_eq!(stats["loadedRows"], 3, "{stats}");

    // More of the same after a SIGKILL of the only BE while its tasks run: still each rejected
    // row once, nothing lost.
    broker.produce("rr", 0, MESSAGES).await?;
    let mut cluster = cluster;
    cluster.kill_be(0);
    cluster.restart_be(0).await?;
    let mut conn = cluster.conn_db("d").await?;
    must_count(&mut conn, "d.t", 6, T).await;
    let got = must_ledger_rows(&mut conn, "j", 6).await;
    let mut want = expected_ledger("j", "t", "rr", 0);
    want.extend(expected_ledger("j", "t", "rr", MESSAGES.len() as i64));
    assert_eq!(got, want);

    // A user who may not INSERT into the table sees no rows.
    must_exec(&mut conn, "CREATE USER 'u17' IDENTIFIED BY 'pw'").await;
    let mut other = cluster.conn_as("u17", "pw").await?;
    let seen = must_query(
        &mut other,
        "SELECT COUNT(*) FROM information_schema.routine_load_rejected_rows",
    )
    .await;
    assert_eq!(seen.rows, [["0"]]);
    Ok(())
}
