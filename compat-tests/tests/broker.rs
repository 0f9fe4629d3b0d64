//! The harness's brokers: produce through rdkafka and read back watermarks, on librdkafka's mock
//! cluster and on a real Tansu process (including a kill -9 and restart that keeps the data).
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use starload_compat_tests::broker::{high_watermarks, partition_count};
use starload_compat_tests::{Broker, MockBroker};

/// Reads partition `p` of `topic` from offset 0 until `n` messages arrived.
fn consume(bootstrap: &str, topic: &str, p: i32, n: usize) -> Vec<String> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("harness-test-{}", uuid::Uuid::new_v4()))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, p, Offset::Beginning)
        .unwrap();
    c.assign(&tpl).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut out = Vec::new();
    while out.len() < n {
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of {n} messages",
            out.len()
        );
        if let Some(m) = c.poll(Duration::from_millis(200)) {
            let m = m.unwrap();
            out.push(String::from_utf8(m.payload().unwrap().to_vec()).unwrap());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_broker_topics_produce_and_watermarks() {
    let mock = MockBroker::start(1).unwrap();
    mock.create_topic("t1", 3).await.unwrap();
    assert_eq!(partition_count(&mock.bootstrap(), "t1").await.unwrap(), 3);
    let offsets = mock.produce("t1", 1, &["a", "b", "c"]).await.unwrap();
    assert_eq!(offsets, vec![0, 1, 2]);
    mock.produce("t1", 2, &["d"]).await.unwrap();
    assert_eq!(
        high_watermarks(&mock.bootstrap(), "t1", 3).await.unwrap(),
        vec![0, 3, 1]
    );
    let b = mock.bootstrap();
    let got = tokio::task::spawn_blocking(move || consume(&b, "t1", 1, 3))
        .await
        .unwrap();
    assert_eq!(got, vec!["a", "b", "c"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_broker_down_and_up() {
    let mock = MockBroker::start(1).unwrap();
    mock.create_topic("t", 1).await.unwrap();
    mock.broker_down(1).unwrap();
    mock.broker_up(1).unwrap();
    let offsets = mock.produce("t", 0, &["x"]).await.unwrap();
    assert_eq!(offsets, vec![0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tansu_broker_keeps_data_across_kill_and_restart() {
    let mut broker = Broker::start().await.unwrap();
    broker.create_topic("orders", 2).await.unwrap();
    let offsets = broker.produce("orders", 0, &["1,a", "2,b"]).await.unwrap();
    assert_eq!(offsets, vec![0, 1]);
    broker.produce("orders", 1, &["3,c"]).await.unwrap();
    assert_eq!(
        high_watermarks(&broker.bootstrap(), "orders", 2)
            .await
            .unwrap(),
        vec![2, 1]
    );

    broker.stop();
    broker.restart().await.unwrap();
    assert_eq!(
        high_watermarks(&broker.bootstrap(), "orders", 2)
            .await
            .unwrap(),
        vec![2, 1]
    );
    broker.produce("orders", 0, &["4,d"]).await.unwrap();
    let b = broker.bootstrap();
    let got = tokio::task::spawn_blocking(move || consume(&b, "orders", 0, 3))
        .await
        .unwrap();
    assert_eq!(got, vec!["1,a", "2,b", "4,d"]);
}
