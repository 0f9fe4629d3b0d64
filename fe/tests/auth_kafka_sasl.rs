//! Routine load from a broker that requires SASL (Tansu 0.6 with `--authentication`):
//! SCRAM-SHA-512 and SCRAM-SHA-256 jobs load, and a wrong SCRAM password pauses the job with
//! the authentication failure as its reason.
//!
//! What the available brokers cannot do, and is therefore not tested here: Tansu 0.6 with
//! `--authentication` offers only SCRAM (a PLAIN client gets `NoSharedMechanism`), and
//! librdkafka's mock cluster speaks neither SASL nor TLS; so SASL PLAIN, SASL_SSL and SSL with a
//! CA file have no test broker (compat-tests/KNOWN_GAPS.md).
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use starload_compat_tests::sql::{must_count, must_exec, must_reach_state};
use starload_compat_tests::{Broker, Cluster};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

fn job(
    name: &str,
    table: &str,
    broker: &str,
    mechanism: &str,
    user: &str,
    password: &str,
) -> String {
    format!(
        r#"CREATE ROUTINE LOAD kdb.{name} ON {table}
COLUMNS TERMINATED BY ",",
COLUMNS (k, v)
FROM KAFKA
(
    "kafka_broker_list" = "{broker}",
    "kafka_topic" = "sasl_topic",
    "property.kafka_default_offsets" = "OFFSET_BEGINNING",
    "property.security.protocol" = "SASL_PLAINTEXT",
    "property.sasl.mechanism" = "{mechanism}",
    "property.sasl.username" = "{user}",
    "property.sasl.password" = "{password}"
)"#
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
    // Tansu drops the connection of a client whose SCRAM proof is wrong, so librdkafka
    // reports a transport failure, not an authentication error (KNOWN_GAPS.md): the reason
    // names the metadata failure only.
    assert!(
        reason.contains("Job failed to fetch all current partition"),
        "PAUSED reason should name the metadata failure: {reason}"
    );
    assert!(!reason.contains("not-the-password"), "{reason}");
    must_count(&mut root, "kdb.twrong", 0, Duration::from_secs(1)).await;
    Ok(())
}
