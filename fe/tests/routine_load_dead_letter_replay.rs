//! Issue 17 items 2 and 3 end to end with the real FE, BE and Tansu.
//! - Dead-letter topic: each rejected row of a committed transaction is produced to the job's
//!   `dead_letter_topic` once (read with `isolation.level=read_committed`), with headers naming
//!   job, source topic, partition, offset, reason and label, also after a SIGKILL of the BE
//!   while tasks run. A marker row produced last proves nothing older comes twice: the
//!   outbox is produced in order, so a duplicate would be in the topic before the marker.
//! - REPLAY ROUTINE LOAD REJECTED: after ALTER fixed the job (strip_outer_array), REPLAY loads
//!   the rows that now load once, as its own transaction; they leave the ledger; rows rejected
//!   again stay; a second REPLAY loads nothing; the WHERE filter takes only its rows; a user
//!   without INSERT on the table is refused.

use mysql_async::Conn;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use starload_compat_tests::sql::{
    must_count, must_create_kv_table, must_exec, must_query, query, server_error,
};
use starload_compat_tests::{Broker, Cluster, Deadline};
use std::collections::BTreeMap;
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

const ARRAY_WITHOUT_STRIP: &str = "The value is array type in json document stream, you can set strip_outer_array=true to parse each element of the array as individual rows";
const OUT_OF_RANGE: &str = "The field (name = k, pos = 0) is out of range. Type: INT, Value: x";
const NOT_NULL: &str = "NULL value in non-nullable column 'k'";

/// Good rows, rows the table refuses, one poison message (offsets 0..6).
const MESSAGES: &[&str] = &[
    r#"{"k": 1, "v": "a"}"#,
    r#"{"k": "x", "v": "b"}"#,
    r#"[{"k": 2, "v": "p"}]"#,
    r#"{"k": 3, "v": "c"}"#,
    r#"{"v": "d"}"#,
    r#"{"k": 4, "v": "e"}"#,
];

/// One dead-letter message: payload and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DeadLetter {
    payload: String,
    headers: BTreeMap<String, String>,
}

/// Every committed message of `topic` partition 0, read to its end with read_committed.
fn read_topic(bootstrap: &str, topic: &str) -> anyhow::Result<Vec<DeadLetter>> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("dlq-reader-{}", uuid::Uuid::new_v4()))
        .set("isolation.level", "read_committed")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "true")
        .create()?;
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning)?;
    c.assign(&tpl)?;
    let mut out = Vec::new();
    let until = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < until {
        match c.poll(Duration::from_millis(500)) {
            Some(Ok(m)) => {
                let mut headers = BTreeMap::new();
                if let Some(h) = m.headers() {
                    for x in h.iter() {
                        headers.insert(
                            x.key.to_string(),
                            String::from_utf8_lossy(x.value.unwrap_or_default()).into_owned(),
                        );
                    }
                }
                out.push(DeadLetter {
                    payload: String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned(),
                    headers,
                });
            }
            Some(Err(KafkaError::PartitionEOF(_))) => return Ok(out),
            Some(Err(e))
                if e.rdkafka_error_code() == Some(RDKafkaErrorCode::UnknownTopicOrPartition) => {}
            Some(Err(e)) => anyhow::bail!("reading {topic}: {e}"),
            None => {}
        }
    }
    anyhow::bail!("reading {topic}: no end within 20 s (have {})", out.len())
}

/// Polls `topic` until it holds at least `n` messages; returns them.
async fn must_dead_letters(bootstrap: &str, topic: &str, n: usize) -> Vec<DeadLetter> {
    let d = Deadline::after(T);
    loop {
        let (b, t) = (bootstrap.to_string(), topic.to_string());
        let got = tokio::task::spawn_blocking(move || read_topic(&b, &t))
            .await
            .expect("reader task");
        if let Ok(rows) = &got {
            if rows.len() >= n {
                return rows.clone();
            }
        }
        if !d.wait().await {
            panic!("timed out waiting for {n} messages in {topic}; last {got:?}");
        }
    }
}

/// The dead letters MESSAGES yields when produced at offset `base` of topic `src`.
fn expected_dead_letters(job: &str, src: &str, base: i64) -> Vec<(String, String, String)> {
    vec![
        (
            MESSAGES[1].to_string(),
            (base + 1).to_string(),
            OUT_OF_RANGE.to_string(),
        ),
        (
            MESSAGES[2].to_string(),
            (base + 2).to_string(),
            ARRAY_WITHOUT_STRIP.to_string(),
        ),
        (
            MESSAGES[4].to_string(),
            (base + 4).to_string(),
            NOT_NULL.to_string(),
        ),
    ]
    .into_iter()
    .map(|(p, o, r)| (p, format!("{job}|{src}|0|{o}"), r))
    .collect()
}

/// (payload, "job|topic|partition|offset", reason) of each dead letter, checking the other
/// headers on the way.
fn summarize(got: &[DeadLetter], job: &str) -> Vec<(String, String, String)> {
    got.iter()
        .map(|d| {
            let h = |k: &str| d.headers.get(k).cloned().unwrap_or_default();
            assert!(
                h("starload.label").starts_with(&format!("{job}-")),
                "label header of {d:?}"
            );
            assert!(h("starload.txn_id").parse::<i64>().is_ok(), "{d:?}");
            assert!(h("starload.job_id").parse::<i64>().is_ok(), "{d:?}");
            (
                d.payload.clone(),
                format!(
                    "{}|{}|{}|{}",
                    h("starload.job"),
                    h("starload.topic"),
                    h("starload.partition"),
                    h("starload.offset")
                ),
                h("starload.reason"),
            )
        })
        .collect()
}

async fn setup(cluster: &Cluster) -> anyhow::Result<Conn> {
    let mut conn = cluster.conn().await?;
    must_create_kv_table(&mut conn).await;
    Ok(conn)
}

fn job_sql(job: &str, topic: &str, bootstrap: &str, extra: &str) -> String {
    format!(
        r#"CREATE ROUTINE LOAD d.{job} ON t
PROPERTIES ("format" = "json", "max_batch_interval" = "5", "strict_mode" = "true",
            "skip_on_fatal_parse_error" = "true", "max_error_number" = "1000"{extra})
FROM KAFKA ("kafka_broker_list" = "{bootstrap}", "kafka_topic" = "{topic}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING")"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn dead_letter_topic_gets_each_rejected_row_of_a_committed_txn_once() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("src", 1).await?;
    broker.create_topic("dlq", 1).await?;
    broker.produce("src", 0, MESSAGES).await?;
    let cluster = Cluster::start(1).await?;
    let mut conn = setup(&cluster).await?;
    let bootstrap = broker.bootstrap();
    must_exec(
        &mut conn,
        &job_sql("j", "src", &bootstrap, r#", "dead_letter_topic" = "dlq""#),
    )
    .await;
    must_count(&mut conn, "d.t", 3, T).await;
    let got = must_dead_letters(&bootstrap, "dlq", 3).await;
    assert_eq!(summarize(&got, "j"), expected_dead_letters("j", "src", 0));

    // The same again with a SIGKILL of the BE while its tasks run.
    broker.produce("src", 0, MESSAGES).await?;
    let mut cluster = cluster;
    cluster.kill_be(0);
    cluster.restart_be(0).await?;
    let mut conn = cluster.conn_db("d").await?;
    must_count(&mut conn, "d.t", 6, T).await;
    // A last bad row: once it is in the topic, everything before it is too (in order), so
    // the count is final.
    let marker = r#"{"k": "marker", "v": "z"}"#;
    broker.produce("src", 0, &[marker]).await?;
    let got = must_dead_letters(&bootstrap, "dlq", 7).await;
    let want_last = (
        marker.to_string(),
        format!("j|src|0|{}", 2 * MESSAGES.len()),
        "The field (name = k, pos = 0) is out of range. Type: INT, Value: marker".to_string(),
    );
    let mut want = expected_dead_letters("j", "src", 0);
    want.extend(expected_dead_letters("j", "src", MESSAGES.len() as i64));
    want.push(want_last);
    let mut seen = summarize(&got, "j");
    assert_eq!(seen.last(), want.last(), "{seen:?}");
    seen.sort();
    want.sort();
    assert_eq!(seen, want, "each rejected row exactly once");
    Ok(())
}

/// `REPLAY ...` as (Rows, LoadedRows, RejectedRows, UnselectedRows, Status).
async fn replay(conn: &mut Conn, sql: &str) -> (String, String, String, String, String) {
    let out = must_query(conn, sql).await;
    assert_eq!(
        out.columns,
        [
            "Label",
            "TxnId",
            "Status",
            "Rows",
            "LoadedRows",
            "RejectedRows",
            "UnselectedRows"
        ]
    );
    let r = &out.rows[0];
    (
        r[3].clone(),
        r[4].clone(),
        r[5].clone(),
        r[6].clone(),
        r[2].clone(),
    )
}

async fn ledger_offsets(conn: &mut Conn) -> Vec<String> {
    must_query(
        conn,
        "SELECT KAFKA_OFFSET FROM information_schema.routine_load_rejected_rows \
         WHERE JOB_NAME = 'j' ORDER BY KAFKA_OFFSET",
    )
    .await
    .rows
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_after_alter_loads_the_rejected_rows_once() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("src", 1).await?;
    broker.produce("src", 0, MESSAGES).await?;
    let cluster = Cluster::start(1).await?;
    let mut conn = setup(&cluster).await?;
    must_exec(&mut conn, &job_sql("j", "src", &broker.bootstrap(), "")).await;
    must_count(&mut conn, "d.t", 3, T).await;
    let d = Deadline::after(T);
    while ledger_offsets(&mut conn).await.len() < 3 {
        assert!(d.wait().await, "ledger rows of j");
    }

    // Nothing is fixed yet: the row at offset 1 is rejected again and stays.
    let got = replay(
        &mut conn,
        "REPLAY ROUTINE LOAD REJECTED FOR d.j WHERE offset = 1",
    )
    .await;
    assert_eq!(
        got,
        (
            "1".into(),
            "0".into(),
            "1".into(),
            "0".into(),
            "ABORTED".into()
        )
    );
    assert_eq!(ledger_offsets(&mut conn).await, ["1", "2", "4"]);

    // A user without INSERT on the table may not replay.
    must_exec(&mut conn, "CREATE USER 'u17r' IDENTIFIED BY 'pw'").await;
    let mut other = cluster.conn_as("u17r", "pw").await?;
    let denied = query(&mut other, "REPLAY ROUTINE LOAD REJECTED FOR d.j").await;
    let e = denied.expect_err("REPLAY without INSERT must fail");
    let e = server_error(&e).expect("server error");
    assert_eq!(e.code, 5203, "{e:?}");
    must_count(&mut conn, "d.t", 3, T).await;

    // The fix: arrays are rows. REPLAY loads the former poison message once.
    must_exec(&mut conn, "PAUSE ROUTINE LOAD FOR d.j").await;
    must_exec(
        &mut conn,
        r#"ALTER ROUTINE LOAD FOR d.j PROPERTIES ("strip_outer_array" = "true")"#,
    )
    .await;
    let got = replay(
        &mut conn,
        "REPLAY ROUTINE LOAD REJECTED FOR d.j WHERE partition = 0 AND offset BETWEEN 0 AND 10",
    )
    .await;
    assert_eq!(
        got,
        (
            "3".into(),
            "1".into(),
            "2".into(),
            "0".into(),
            "VISIBLE".into()
        )
    );
    must_count(&mut conn, "d.t", 4, T).await;
    let out = must_query(&mut conn, "SELECT k, v FROM d.t WHERE k = 2").await;
    assert_eq!(out.rows, [["2", "p"]]);
    // It left the ledger (the resolver deletes it once the txn is committed).
    let d = Deadline::after(T);
    loop {
        let left = ledger_offsets(&mut conn).await;
        if left == ["1", "4"] {
            break;
        }
        assert!(d.wait().await, "ledger after REPLAY: {left:?}");
    }

    // Twice: nothing loads twice.
    let got = replay(&mut conn, "REPLAY ROUTINE LOAD REJECTED FOR d.j").await;
    assert_eq!(
        got,
        (
            "2".into(),
            "0".into(),
            "2".into(),
            "0".into(),
            "ABORTED".into()
        )
    );
    must_count(&mut conn, "d.t", 4, T).await;
    Ok(())
}
