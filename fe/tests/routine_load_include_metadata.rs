//! INCLUDE METADATA (StarRocks 4.1 #73840) end to end with the real FE, BE and Tansu: Kafka's
//! topic, partition, offset and key land in table columns, are usable in COLUMNS expressions
//! and WHERE, and a payload field named like an alias does not shadow it.

use starload_compat_tests::broker::Producer;
use starload_compat_tests::sql::{must_count, must_exec, must_query};
use starload_compat_tests::{Broker, Cluster};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread")]
async fn kafka_metadata_columns_load_and_feed_expressions() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("md", 1).await?;
    let p = Producer::new(&broker.bootstrap())?;
    p.send_keyed(
        "md",
        0,
        [
            (Some(&b"k1"[..]), &br#"{"id": 1, "off": 99}"#[..]),
            (None, &br#"{"id": 2}"#[..]),
            (Some(&b"k3"[..]), &br#"{"id": 3}"#[..]),
        ],
    )
    .await?;
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE d").await;
    must_exec(&mut conn, "USE d").await;
    must_exec(
        &mut conn,
        "CREATE TABLE m (id int, src varchar(20), part int, off bigint, mkey varchar(20), \
         ev varchar(40), has_ts boolean) DUPLICATE KEY (id) DISTRIBUTED BY HASH(id) BUCKETS 1",
    )
    .await;
    must_exec(
        &mut conn,
        &format!(
            r#"CREATE ROUTINE LOAD d.jm ON m
INCLUDE METADATA (TOPIC AS src, PARTITION AS part, OFFSET AS off, KEY AS mkey, TIMESTAMP_MS AS ts),
COLUMNS (id, ev = concat(src, '@', off), has_ts = ts > 0),
WHERE off < 2
PROPERTIES ("format" = "json", "max_batch_interval" = "5")
FROM KAFKA ("kafka_broker_list" = "{}", "kafka_topic" = "md",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING")"#,
            broker.bootstrap()
        ),
    )
    .await;
    must_count(&mut conn, "d.m", 2, T).await;
    let out = must_query(
        &mut conn,
        "SELECT id, src, part, off, mkey, ev, has_ts FROM d.m ORDER BY id",
    )
    .await;
    assert_eq!(
        out.rows,
        [
            ["1", "md", "0", "0", "k1", "md@0", "1"],
            ["2", "md", "0", "1", "NULL", "md@1", "1"],
        ]
    );
    Ok(())
}
