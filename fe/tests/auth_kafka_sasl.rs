//! Routine load from brokers that require SASL.
//!
//! - SCRAM-SHA-512 and SCRAM-SHA-256 against Tansu 0.6 with `--authentication`: jobs load, and
//!   a wrong SCRAM password pauses the job with librdkafka's SASL authentication error
//!   (`invalid-proof`) in its reason.
//! - SASL PLAIN through a [`KafkaFront`] (Tansu 0.6 offers only SCRAM; the front answers the
//!   SASL exchange and then forwards to a plaintext Tansu): a job loads, a wrong password
//!   pauses the job with the broker's authentication failure as its reason, a job without SASL
//!   is refused, and SHOW ROUTINE LOAD / SHOW CREATE ROUTINE LOAD never show the password.
//!
//! SSL and SASL_SSL are in `auth_kafka_tls.rs`.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use starload_compat_tests::sql::{
    csv_job_sql, must_count, must_exec, must_query, must_reach_state,
};
use starload_compat_tests::{Broker, Cluster, FrontOptions, KafkaFront};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

/// A SASL_PLAINTEXT job `kdb.<name>` on `sasl_topic`.
fn job(
    name: &str,
    table: &str,
    broker: &str,
    mechanism: &str,
    user: &str,
    password: &str,
) -> String {
    job_with(
        name,
        table,
        broker,
        "sasl_topic",
        &[
            ("security.protocol", "SASL_PLAINTEXT"),
            ("sasl.mechanism", mechanism),
            ("sasl.username", user),
            ("sasl.password", password),
        ],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn sasl_scram_jobs_load_and_a_wrong_password_pauses() -> anyhow::Result<()> {
    let mut broker = Broker::start().await?;
    broker.create_topic("sasl_topic", 1).await?;
    broker
        .produce("sasl_topic", 0, &["1,a", "2,b", "3,c"])
        .await?;
    broker.add_scram_user("loader512", "kafka-pw-512", "scram512")?;
    broker.add_scram_user("loader256", "kafka-pw-256", "scram256")?;
    broker
        .require_sasl(&[
            ("security.protocol", "SASL_PLAINTEXT"),
            ("sasl.mechanism", "SCRAM-SHA-512"),
            ("sasl.username", "loader512"),
            ("sasl.password", "kafka-pw-512"),
        ])
        .await?;
    let bs = broker.bootstrap();
    let cluster = Cluster::start(1).await?;
    let mut root = cluster.conn().await?;
    must_exec(&mut root, "CREATE DATABASE kdb").await;
    for t in ["t512", "t256", "twrong"] {
        must_exec(
            &mut root,
            &format!("CREATE TABLE kdb.{t} (k INT NOT NULL, v VARCHAR(20)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1"),
        )
        .await;
    }
    must_exec(
        &mut root,
        &job(
            "j512",
            "t512",
            &bs,
            "SCRAM-SHA-512",
            "loader512",
            "kafka-pw-512",
        ),
    )
    .await;
    must_exec(
        &mut root,
        &job(
            "j256",
            "t256",
            &bs,
            "SCRAM-SHA-256",
            "loader256",
            "kafka-pw-256",
        ),
    )
    .await;
    must_exec(
        &mut root,
        &job(
            "jwrong",
            "twrong",
            &bs,
            "SCRAM-SHA-512",
            "loader512",
            "not-the-password",
        ),
    )
    .await;
    must_count(&mut root, "kdb.t512", 3, T).await;
    must_count(&mut root, "kdb.t256", 3, T).await;
    let row = must_reach_state(&mut root, "kdb.jwrong", "PAUSED", T).await;
    let reason = row.get("ReasonOfStateChanged").cloned().unwrap_or_default();
    // Tansu answers a wrong SCRAM proof with `e=invalid-proof`; librdkafka reports it as a SASL
    // authentication error, and the FE keeps that error (not the "brokers are down" that
    // follows) in the reason.
    assert!(
        reason.contains("Job failed to fetch all current partition")
            && reason.contains("SASL authentication error")
            && reason.contains("invalid-proof"),
        "PAUSED reason should name the SCRAM failure: {reason}"
    );
    assert!(!reason.contains("not-the-password"), "{reason}");
    eprintln!("SCRAM jwrong PAUSED reason: {reason}");
    must_count(&mut root, "kdb.twrong", 0, Duration::from_secs(1)).await;
    Ok(())
}

/// A CSV job `kdb.<name>` on `topic` with the given `property.*` settings.
fn job_with(name: &str, table: &str, broker: &str, topic: &str, props: &[(&str, &str)]) -> String {
    csv_job_sql(&format!("kdb.{name}"), table, broker, topic, props)
}

const PLAIN_PASSWORD: &str = "kafka-pw-plain";

#[tokio::test(flavor = "multi_thread")]
async fn sasl_plain_job_loads_and_a_wrong_password_pauses_with_the_reason() -> anyhow::Result<()> {
    let mut broker = Broker::start().await?;
    broker.create_topic("plain_topic", 1).await?;
    broker
        .produce("plain_topic", 0, &["1,a", "2,b", "3,c", "4,d"])
        .await?;
    let front = KafkaFront::start(
        broker.port(),
        FrontOptions {
            plain: Some(("loader".into(), PLAIN_PASSWORD.into())),
            ..Default::default()
        },
    )
    .await?;
    // Metadata must send the client back to the front, not to Tansu's own port.
    broker.advertise(&front.bootstrap()).await?;
    let bs = front.bootstrap();

    let cluster = Cluster::start(1).await?;
    let mut root = cluster.conn().await?;
    must_exec(&mut root, "CREATE DATABASE kdb").await;
    for t in ["tplain", "twrong", "tnone"] {
        must_exec(
            &mut root,
            &format!("CREATE TABLE kdb.{t} (k INT NOT NULL, v VARCHAR(20)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1"),
        )
        .await;
    }
    let plain = |password: &'static str| {
        [
            ("security.protocol", "SASL_PLAINTEXT"),
            ("sasl.mechanism", "PLAIN"),
            ("sasl.username", "loader"),
            ("sasl.password", password),
        ]
    };
    must_exec(
        &mut root,
        &job_with(
            "jplain",
            "tplain",
            &bs,
            "plain_topic",
            &plain(PLAIN_PASSWORD),
        ),
    )
    .await;
    must_exec(
        &mut root,
        &job_with(
            "jwrong",
            "twrong",
            &bs,
            "plain_topic",
            &plain("not-the-password"),
        ),
    )
    .await;
    // No SASL at all: the front forwards nothing before authentication, so this job must
    // not load either (shows the front really requires SASL).
    must_exec(
        &mut root,
        &job_with("jnone", "tnone", &bs, "plain_topic", &[]),
    )
    .await;

    must_count(&mut root, "kdb.tplain", 4, T).await;
    let row = must_reach_state(&mut root, "kdb.jwrong", "PAUSED", T).await;
    let reason = row.get("ReasonOfStateChanged").cloned().unwrap_or_default();
    // The front answers SASL_AUTHENTICATION_FAILED like a Kafka broker; the reason must carry
    // that answer, not only a transport failure.
    assert!(
        reason.contains("Authentication failed: Invalid username or password"),
        "PAUSED reason should name the authentication failure: {reason}"
    );
    assert!(!reason.contains("not-the-password"), "{reason}");
    eprintln!("jwrong PAUSED reason: {reason}");
    let row = must_reach_state(&mut root, "kdb.jnone", "PAUSED", T).await;
    eprintln!("jnone PAUSED reason: {:?}", row.get("ReasonOfStateChanged"));
    must_count(&mut root, "kdb.twrong", 0, Duration::from_secs(1)).await;
    must_count(&mut root, "kdb.tnone", 0, Duration::from_secs(1)).await;

    // The password is masked wherever the job is shown.
    for sql in [
        "SHOW ROUTINE LOAD FOR kdb.jplain",
        "SHOW CREATE ROUTINE LOAD kdb.jplain",
        "SHOW ALL ROUTINE LOAD FROM kdb",
    ] {
        let out = must_query(&mut root, sql).await;
        let text = format!("{:?}", out.rows);
        assert!(!out.rows.is_empty(), "{sql} shows the job");
        assert!(text.contains("sasl.password"), "{sql}: {text}");
        assert!(
            !text.contains(PLAIN_PASSWORD),
            "{sql} shows the password: {text}"
        );
        assert!(!text.contains("not-the-password"), "{sql}: {text}");
    }
    Ok(())
}
