//! Routine load from brokers that require TLS: `security.protocol` SSL with
//! `ssl.ca.location`, and SASL_SSL with PLAIN. Tansu 0.6 never starts TLS, so a
//! [`KafkaFront`] terminates TLS (a certificate for 127.0.0.1 signed by a CA made at run time,
//! [`TestCa`]) and forwards to a plaintext Tansu that advertises the front.
//!
//! - SSL: a job trusting the CA loads; a job whose `ssl.ca.location` is another CA pauses,
//!   and its reason names the failed certificate verification.
//! - SASL_SSL + PLAIN: a job with the right password loads through TLS then SASL; a wrong
//!   password pauses with the authentication failure.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use starload_compat_tests::sql::{csv_job_sql, must_count, must_exec, must_reach_state};
use starload_compat_tests::{Broker, Cluster, FrontOptions, KafkaFront, TestCa};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

/// A CSV job `kdb.<name>` on `topic` with the given `property.*` settings.
fn job_with(name: &str, table: &str, broker: &str, topic: &str, props: &[(&str, &str)]) -> String {
    csv_job_sql(&format!("kdb.{name}"), table, broker, topic, props)
}

/// A Tansu broker with `rows` in partition 0 of `topic`, behind a front with `opts`, that
/// advertises the front. Topics and rows are written before Tansu advertises the front
/// (afterwards a plaintext producer would be sent to the front).
async fn broker_behind_front(
    topic: &str,
    rows: &[&str],
    opts: FrontOptions,
) -> anyhow::Result<(Broker, KafkaFront)> {
    let mut broker = Broker::start().await?;
    broker.create_topic(topic, 1).await?;
    broker.produce(topic, 0, rows).await?;
    let front = KafkaFront::start(broker.port(), opts).await?;
    broker.advertise(&front.bootstrap()).await?;
    Ok((broker, front))
}

/// `security.protocol` SSL trusting the CA in `ca_file`.
fn ssl(ca_file: &str) -> [(&'static str, &str); 2] {
    [("security.protocol", "SSL"), ("ssl.ca.location", ca_file)]
}

async fn create_tables(root: &mut mysql_async::Conn, tables: &[&str]) {
    must_exec(root, "CREATE DATABASE kdb").await;
    for t in tables {
        must_exec(
            root,
            &format!("CREATE TABLE kdb.{t} (k INT NOT NULL, v VARCHAR(20)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1"),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ssl_job_trusting_the_ca_loads_and_another_ca_pauses() -> anyhow::Result<()> {
    let ca = TestCa::new()?;
    let other_ca = TestCa::new()?;
    let (_broker, front) = broker_behind_front(
        "ssl_topic",
        &["1,a", "2,b", "3,c"],
        FrontOptions {
            tls: Some(ca.server_config()),
            ..Default::default()
        },
    )
    .await?;
    let bs = front.bootstrap();
    let cluster = Cluster::start(1).await?;
    let mut root = cluster.conn().await?;
    create_tables(&mut root, &["tssl", "tother", "tplain"]).await;
    let ca_file = ca.ca_file().display().to_string();
    let other_file = other_ca.ca_file().display().to_string();
    must_exec(
        &mut root,
        &job_with("jssl", "tssl", &bs, "ssl_topic", &ssl(&ca_file)),
    )
    .await;
    must_exec(
        &mut root,
        &job_with("jother", "tother", &bs, "ssl_topic", &ssl(&other_file)),
    )
    .await;
    // Plaintext to the TLS port must not load: shows the front really requires TLS.
    must_exec(
        &mut root,
        &job_with("jplain", "tplain", &bs, "ssl_topic", &[]),
    )
    .await;

    must_count(&mut root, "kdb.tssl", 3, T).await;
    let row = must_reach_state(&mut root, "kdb.jother", "PAUSED", T).await;
    let reason = row.get("ReasonOfStateChanged").cloned().unwrap_or_default();
    assert!(
        reason.contains("SSL") && reason.contains("certificate verify failed"),
        "PAUSED reason should name the certificate verification failure: {reason}"
    );
    eprintln!("jother PAUSED reason: {reason}");
    let row = must_reach_state(&mut root, "kdb.jplain", "PAUSED", T).await;
    eprintln!(
        "jplain PAUSED reason: {:?}",
        row.get("ReasonOfStateChanged")
    );
    must_count(&mut root, "kdb.tother", 0, Duration::from_secs(1)).await;
    must_count(&mut root, "kdb.tplain", 0, Duration::from_secs(1)).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn sasl_ssl_plain_job_loads_and_a_wrong_password_pauses() -> anyhow::Result<()> {
    let ca = TestCa::new()?;
    let (_broker, front) = broker_behind_front(
        "sasl_ssl_topic",
        &["1,a", "2,b"],
        FrontOptions {
            tls: Some(ca.server_config()),
            plain: Some(("loader".into(), "kafka-pw-tls".into())),
        },
    )
    .await?;
    let bs = front.bootstrap();
    let cluster = Cluster::start(1).await?;
    let mut root = cluster.conn().await?;
    create_tables(&mut root, &["tok", "twrong"]).await;
    let ca_file = ca.ca_file().display().to_string();
    let props = |password: &'static str| {
        vec![
            ("security.protocol", "SASL_SSL"),
            ("ssl.ca.location", ca_file.as_str()),
            ("sasl.mechanism", "PLAIN"),
            ("sasl.username", "loader"),
            ("sasl.password", password),
        ]
    };
    must_exec(
        &mut root,
        &job_with("jok", "tok", &bs, "sasl_ssl_topic", &props("kafka-pw-tls")),
    )
    .await;
    must_exec(
        &mut root,
        &job_with(
            "jwrong",
            "twrong",
            &bs,
            "sasl_ssl_topic",
            &props("wrong-pw"),
        ),
    )
    .await;
    must_count(&mut root, "kdb.tok", 2, T).await;
    let row = must_reach_state(&mut root, "kdb.jwrong", "PAUSED", T).await;
    let reason = row.get("ReasonOfStateChanged").cloned().unwrap_or_default();
    assert!(
        reason.contains("Authentication failed: Invalid username or password"),
        "PAUSED reason should name the authentication failure: {reason}"
    );
    assert!(!reason.contains("wrong-pw"), "{reason}");
    eprintln!("jwrong PAUSED reason: {reason}");
    must_count(&mut root, "kdb.twrong", 0, Duration::from_secs(1)).await;
    Ok(())
}
