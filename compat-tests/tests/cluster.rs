//! The harness's cluster: real starload-fe and starload-be processes, joined and alive; kill -9
//! and restart of each keep the catalog.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use std::time::Duration;

use starload_compat_tests::sql::{must_exec, must_query};
use starload_compat_tests::Cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_starts_kills_and_restarts() {
    let mut cluster = Cluster::start(2).await.unwrap();
    let mut conn = cluster.conn().await.unwrap();
    must_exec(&mut conn, "CREATE DATABASE harness_db").await;
    let out = cluster.show_backends().await.unwrap();
    assert_eq!(out.rows.len(), 2, "{out:?}");
    drop(conn);

    cluster.kill_be(1);
    cluster
        .wait_backend_alive(1, false, Duration::from_secs(30))
        .await
        .unwrap();
    cluster.restart_be(1).await.unwrap();

    cluster.kill_fe();
    cluster.restart_fe().await.unwrap();
    cluster.wait_backends_alive().await.unwrap();
    let mut conn = cluster.conn().await.unwrap();
    let dbs = must_query(&mut conn, "SHOW DATABASES LIKE 'harness_db'").await;
    assert_eq!(dbs.rows, vec![vec!["harness_db".to_string()]]);
}
