//! Issue 16 item 3 against the real FE, BE and Tansu: `PREVIEW ROUTINE LOAD` answers, for the
//! messages a job would read first, exactly what its load does with each row (the rows it
//! loads with their values, the rows it rejects with StarRocks's text, the rows WHERE drops),
//! and writes nothing: no job, no rows, no consumer-group offset. The same statement as a
//! CREATE then loads exactly the LOADED rows and rejects exactly the REJECTED ones (its
//! rejected-row ledger), so the preview is checked against the load itself. Statement errors
//! are CREATE's; a missing topic and an unreachable broker answer with an error in time.
#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed assertion

use mysql_async::prelude::Queryable;
use mysql_async::Conn;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use starload_compat_tests::sql::{
    must_count, must_create_kv_table, must_exec, must_query, query, server_error,
    show_routine_load, QueryOutput,
};
use starload_compat_tests::{Broker, Cluster, Deadline};
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(120);

/// Good rows, a value the column refuses, a message that does not parse, a row WHERE drops,
/// a NULL for a NOT NULL column.
const MESSAGES: &[&str] = &[
    r#"{"k": 1, "v": "a"}"#,
    r#"{"k": "x", "v": "b"}"#,
    r#"[{"k": 2, "v": "p"}]"#,
    r#"{"k": 3, "v": "c"}"#,
    r#"{"v": "d"}"#,
    r#"{"k": 4, "v": "e"}"#,
];

/// The body shared by PREVIEW and CREATE.
fn body(job: &str, table: &str, topic: &str, bootstrap: &str, group: &str) -> String {
    format!(
        r#"ROUTINE LOAD d.{job} ON {table} WHERE v != 'c'
PROPERTIES ("format" = "json", "max_batch_interval" = "5", "strict_mode" = "true",
            "skip_on_fatal_parse_error" = "true", "max_error_number" = "1000")
FROM KAFKA ("kafka_broker_list" = "{bootstrap}", "kafka_topic" = "{topic}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING", "property.group.id" = "{group}")"#
    )
}

/// (Partition, Offset, Result, ErrorMsg, RawData, k, v) of every preview row.
fn preview_rows(out: &QueryOutput) -> Vec<[String; 7]> {
    (0..out.rows.len())
        .map(|i| {
            let g = |c: &str| out.get(i, c).unwrap().to_string();
            [
                g("Partition"),
                g("Offset"),
                g("Result"),
                g("ErrorMsg"),
                g("RawData"),
                g("k"),
                g("v"),
            ]
        })
        .collect()
}

/// The error (errno, message) of `sql`, which must fail.
async fn error_of(conn: &mut Conn, sql: &str) -> (u16, String) {
    match conn.query_drop(sql).await {
        Ok(()) => panic!("statement succeeded but should fail: {sql}"),
        Err(e) => {
            let s = server_error(&e).unwrap_or_else(|| panic!("not a server error: {e}"));
            (s.code, s.message)
        }
    }
}

/// The offset group `group` committed for `topic` partition 0 (None: nothing committed).
fn committed(bootstrap: &str, group: &str, topic: &str) -> Option<i64> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition(topic, 0);
    let got = c
        .committed_offsets(tpl, Duration::from_secs(10))
        .expect("OffsetFetch");
    match got.find_partition(topic, 0).unwrap().offset() {
        Offset::Offset(o) => Some(o),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_shows_what_the_load_does_and_writes_nothing() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("pv", 1).await?;
    broker.produce("pv", 0, MESSAGES).await?;
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_create_kv_table(&mut conn).await;
    let bootstrap = broker.bootstrap();
    let b = body("j", "t", "pv", &bootstrap, "pv_group");

    let out = must_query(&mut conn, &format!("PREVIEW {b} LIMIT 100")).await;
    assert_eq!(
        out.columns,
        [
            "Partition",
            "Offset",
            "Result",
            "ErrorMsg",
            "RawData",
            "k",
            "v"
        ]
    );
    let rows = preview_rows(&out);
    let outcomes: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("0", "LOADED"),
            ("1", "REJECTED"),
            ("2", "REJECTED"),
            ("3", "UNSELECTED"),
            ("4", "REJECTED"),
            ("5", "LOADED"),
        ],
        "{rows:?}"
    );
    for (r, m) in rows.iter().zip(MESSAGES) {
        assert_eq!(r[0], "0");
        assert_eq!(r[4], *m, "raw message of offset {}", r[1]);
    }
    assert_eq!(rows[0][5..], ["1".to_string(), "a".to_string()]);
    assert_eq!(rows[5][5..], ["4".to_string(), "e".to_string()]);
    assert_eq!(rows[3][3], "NULL", "an unselected row is no error");
    assert_eq!(
        rows[1][3],
        "The field (name = k, pos = 0) is out of range. Type: INT, Value: x"
    );

    // LIMIT n reads n messages.
    let two = must_query(&mut conn, &format!("PREVIEW {b} LIMIT 2")).await;
    assert_eq!(preview_rows(&two), rows[..2].to_vec());

    // Nothing was written: no job, no rows, no offset committed for the job's group.
    // StarRocks answers SHOW ROUTINE LOAD FOR an unknown job with an error, not an empty set.
    let e = query(&mut conn, "SHOW ROUTINE LOAD FOR j")
        .await
        .expect_err("PREVIEW created job j");
    let s = server_error(&e).unwrap_or_else(|| panic!("not a server error: {e}"));
    assert!(
        s.code == 1064
            && s.message
                .contains("There is no running job named j in db d"),
        "{s:?}"
    );
    let n = must_query(&mut conn, "SELECT count(*) FROM d.t").await;
    assert_eq!(n.rows, [["0"]]);
    assert_eq!(committed(&bootstrap, "pv_group", "pv"), None);

    // The same statement as a job: it loads the LOADED rows and rejects the REJECTED ones.
    must_exec(&mut conn, &format!("CREATE {b}")).await;
    must_count(&mut conn, "d.t", 2, T).await;
    let loaded = must_query(&mut conn, "SELECT k, v FROM d.t ORDER BY k").await;
    let previewed: Vec<Vec<String>> = rows
        .iter()
        .filter(|r| r[2] == "LOADED")
        .map(|r| r[5..].to_vec())
        .collect();
    assert_eq!(loaded.rows, previewed);
    let ledger_sql = "SELECT KAFKA_PARTITION, KAFKA_OFFSET, REASON, RAW_MESSAGE \
        FROM information_schema.routine_load_rejected_rows WHERE JOB_NAME = 'j' \
        ORDER BY KAFKA_PARTITION, KAFKA_OFFSET";
    let want: Vec<Vec<String>> = rows
        .iter()
        .filter(|r| r[2] == "REJECTED")
        .map(|r| vec![r[0].clone(), r[1].clone(), r[3].clone(), r[4].clone()])
        .collect();
    let d = Deadline::after(T);
    loop {
        let got = must_query(&mut conn, ledger_sql).await;
        if got.rows.len() >= want.len() {
            assert_eq!(got.rows, want, "the load's rejected rows");
            break;
        }
        assert!(d.wait().await, "ledger never had {} rows", want.len());
    }
    let row = show_routine_load(&mut conn, "j").await?.expect("job j");
    let stats: serde_json::Value = serde_json::from_str(&row["Statistic"])?;
    assert_eq!(stats["unselectedRows"], 1, "{stats}");
    assert_eq!(stats["errorRows"], 3, "{stats}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_errors_are_creates_and_come_in_time() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("pe", 1).await?;
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_create_kv_table(&mut conn).await;
    let bootstrap = broker.bootstrap();
    // CREATE's errors, byte for byte: unknown table, a bad property, a bad job name.
    for (table, extra, job) in [
        ("nope", "", "j"),
        ("t", r#", "kafka_partitions" = "x""#, "j"),
        ("t", "", "1bad"),
    ] {
        let b = body(job, table, "pe", &bootstrap, "g").replace(
            r#""property.group.id" = "g")"#,
            &format!(r#""property.group.id" = "g"{extra})"#),
        );
        let create = error_of(&mut conn, &format!("CREATE {b}")).await;
        let preview = error_of(&mut conn, &format!("PREVIEW {b} LIMIT 5")).await;
        assert_eq!(preview, create, "PREVIEW {b}");
    }
    // Bad LIMIT.
    let b = body("j", "t", "pe", &bootstrap, "g");
    let (code, _) = error_of(&mut conn, &format!("PREVIEW {b} LIMIT 0")).await;
    assert_eq!(code, 1064);

    // An empty topic from its beginning: no rows, at once (every partition is at its end).
    let t0 = Instant::now();
    let empty = must_query(&mut conn, &format!("PREVIEW {b}")).await;
    assert!(empty.rows.is_empty(), "{:?}", empty.rows);
    eprintln!("preview of an empty topic: {:?}", t0.elapsed());

    // An unreachable broker and a missing topic: an error within the task timeout (60 s).
    must_exec(
        &mut conn,
        r#"ADMIN SET FRONTEND CONFIG ("routine_load_kafka_timeout_second" = "3")"#,
    )
    .await;
    let down = body("j", "t", "pe", "127.0.0.1:1", "g");
    let t0 = Instant::now();
    let (_, msg) = error_of(&mut conn, &format!("PREVIEW {down}")).await;
    let took = t0.elapsed();
    eprintln!("unreachable broker answered in {took:?}: {msg}");
    assert!(
        msg.starts_with("Failed to get all partitions of kafka topic: pe error: "),
        "{msg}"
    );
    assert!(took < Duration::from_secs(60), "{took:?}");
    let missing = body("j", "t", "no_such_topic", &bootstrap, "g");
    let t0 = Instant::now();
    // Tansu does not create topics on a metadata request, so the topic stays missing.
    let e = conn
        .query_drop(format!("PREVIEW {missing}"))
        .await
        .expect_err("PREVIEW of a missing topic answered rows");
    let s = server_error(&e).unwrap_or_else(|| panic!("not a server error: {e}"));
    assert!(
        s.message
            .starts_with("Failed to get all partitions of kafka topic: no_such_topic"),
        "{}",
        s.message
    );
    eprintln!("missing topic: {}", s.message);
    let took = t0.elapsed();
    eprintln!("missing topic answered in {took:?}");
    assert!(took < Duration::from_secs(60), "{took:?}");
    // The connection is still usable.
    must_query(&mut conn, "SELECT 1").await;
    Ok(())
}
