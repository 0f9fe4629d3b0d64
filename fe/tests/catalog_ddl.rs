//! Catalog DDL, backends and admin statements against the real `starload-fe` binary through
//! mysql_async, without BEs: everything that does not need a tablet on a BE, plus durability
//! across `kill -9`.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use mysql_async::prelude::*;
use mysql_async::{Conn, Opts, OptsBuilder, Row};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the child on drop.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free port below the ephemeral range: a port from `bind(0)` can be the source port of
/// the readiness probe's own connect, which then "succeeds" by connecting to itself before the
/// process listens (TCP self-connect; seen as a flaky ConnectionRefused right after start).
fn free_port() -> u16 {
    starload_compat_tests::ports::free_port().unwrap()
}

struct Fe {
    guard: Guard,
    query_port: u16,
}

fn start_fe(dir: &Path, query_port: u16) -> Fe {
    let http = free_port();
    let rpc = free_port();
    let log = std::fs::File::create(dir.join("fe.out")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_starload-fe"))
        .env("STARLOAD_FE_QUERY_PORT", query_port.to_string())
        .env("STARLOAD_FE_HTTP_PORT", http.to_string())
        .env("STARLOAD_FE_RPC_PORT", rpc.to_string())
        .env("STARLOAD_FE_META_DIR", dir.join("meta"))
        .env("STARLOAD_FE_SYS_LOG_DIR", dir.join("log"))
        .env("STARLOAD_FE_HEARTBEAT_INTERVAL_MS", "200")
        .env("STARLOAD_FE_HEARTBEAT_TIMEOUT_MS", "1000")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start starload-fe");
    Fe {
        guard: Guard(child),
        query_port,
    }
}

async fn must_connect(port: u16) -> Conn {
    let deadline = Instant::now() + Duration::from_secs(60);
    let opts: Opts = OptsBuilder::default()
        .ip_or_hostname("127.0.0.1")
        .tcp_port(port)
        .user(Some("root"))
        // StarRocks has no @@socket; mysql_async asks for it unless told not to.
        .prefer_socket(false)
        .into();
    loop {
        match Conn::new(opts.clone()).await {
            Ok(c) => return c,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("FE did not accept connections: {e}"),
        }
    }
}

/// (errno, message) of a failing statement.
async fn must_fail(c: &mut Conn, sql: &str) -> (u16, String) {
    match c.query_drop(sql).await {
        Ok(()) => panic!("expected an error from {sql}"),
        Err(mysql_async::Error::Server(e)) => (e.code, e.message),
        Err(e) => panic!("unexpected client error from {sql}: {e}"),
    }
}

async fn strings(c: &mut Conn, sql: &str) -> Vec<Vec<Option<String>>> {
    let rows: Vec<Row> = c.query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter()
        .map(|r| {
            (0..r.len())
                .map(|i| {
                    r.get_opt::<Option<String>, _>(i)
                        .and_then(|v| v.ok())
                        .flatten()
                })
                .collect()
        })
        .collect()
}

async fn titles(c: &mut Conn, sql: &str) -> Vec<String> {
    let mut res = c.query_iter(sql).await.unwrap();
    let cols = res
        .columns()
        .map(|cs| cs.iter().map(|c| c.name_str().to_string()).collect())
        .unwrap_or_default();
    let _: Vec<Row> = res.collect().await.unwrap();
    cols
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ddl_without_backends_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let qport = free_port();
    let mut fe = start_fe(dir.path(), qport);
    let mut c = must_connect(fe.query_port).await;

    c.query_drop("CREATE DATABASE example_db").await.unwrap();
    c.query_drop("CREATE DATABASE IF NOT EXISTS example_db")
        .await
        .unwrap();
    assert_eq!(
        must_fail(&mut c, "CREATE DATABASE example_db").await,
        (
            1007,
            "Can't create database 'example_db'; database exists".into()
        )
    );
    assert_eq!(
        must_fail(&mut c, "DROP DATABASE nope").await,
        (
            1008,
            "Can't drop database 'nope'; database doesn't exist".into()
        )
    );
    c.query_drop("DROP DATABASE IF EXISTS nope").await.unwrap();
    assert_eq!(titles(&mut c, "SHOW DATABASES").await, vec!["Database"]);
    let dbs: Vec<String> = strings(&mut c, "SHOW DATABASES")
        .await
        .into_iter()
        .filter_map(|r| r[0].clone())
        .collect();
    assert_eq!(
        dbs,
        vec!["_statistics_", "example_db", "information_schema", "sys"]
    );
    assert_eq!(
        must_fail(&mut c, "SHOW TABLES FROM nope").await,
        (
            5501,
            "Getting analyzing error. Detail message: Unknown database 'nope'.".into()
        )
    );
    assert_eq!(must_fail(&mut c, "SHOW TABLES").await.0, 1046);
    assert_eq!(
        titles(&mut c, "SHOW FULL TABLES FROM example_db").await,
        vec!["Tables_in_example_db", "Table_type"]
    );

    // No backend: the seed's CREATE TABLE fails with StarRocks's text (default replication 3).
    let seed = "CREATE TABLE example_db.example_tbl1 ( \n    `order_id` bigint NOT NULL COMMENT \"Order ID\",\n    `pay_dt` date NOT NULL COMMENT \"Payment date\", \n    `customer_name` varchar(26) NULL COMMENT \"Customer name\", \n    `nationality` varchar(26) NULL COMMENT \"Nationality\", \n    `price`double NULL COMMENT \"Price\"\n) \nENGINE=OLAP \nDUPLICATE KEY (order_id,pay_dt) \nDISTRIBUTED BY HASH(`order_id`); ";
    let (code, msg) = must_fail(&mut c, seed).await;
    assert_eq!(code, 1064);
    assert_eq!(msg, "Table replication num should be less than or equal to the number of available BE nodes. You can change this default by setting the replication_num table properties. Current alive backend is []. , table=example_tbl1, default_replication_num=3");
    let (_, msg) = must_fail(
        &mut c,
        "CREATE TABLE example_db.t (k int) DISTRIBUTED BY HASH(k) PROPERTIES (\"replication_num\" = \"1\")",
    )
    .await;
    assert!(
        msg.starts_with("Table replication num should be less than of equal to"),
        "{msg}"
    );
    let (code, msg) = must_fail(
        &mut c,
        "CREATE TABLE example_db.t (k int) DISTRIBUTED BY FOO(k)",
    )
    .await;
    assert_eq!(code, 1064);
    assert!(
        msg.starts_with("Getting syntax error at line 1, column 49."),
        "{msg}"
    );
    let (code, msg) = must_fail(&mut c, "DESC example_db.nope").await;
    assert_eq!(
        (code, msg.as_str()),
        (
            5502,
            "Getting analyzing error. Detail message: Unknown table 'nope'."
        )
    );
    let (code, msg) = must_fail(&mut c, "DROP TABLE example_db.nope").await;
    assert_eq!(
        (code, msg.as_str()),
        (
            5502,
            "Getting analyzing error. Detail message: Unknown table 'nope'."
        )
    );
    c.query_drop("DROP TABLE IF EXISTS example_db.nope")
        .await
        .unwrap();

    // A backend that never answers heartbeats: registered, not alive.
    let dead = free_port();
    c.query_drop(format!("ALTER SYSTEM ADD BACKEND \"127.0.0.1:{dead}\""))
        .await
        .unwrap();
    let (_, msg) = must_fail(
        &mut c,
        &format!("ALTER SYSTEM ADD BACKEND \"127.0.0.1:{dead}\""),
    )
    .await;
    assert_eq!(
        msg,
        format!("Same backend already exists[127.0.0.1:{dead}]")
    );
    let t = titles(&mut c, "SHOW BACKENDS").await;
    assert_eq!(t.len(), 29);
    assert_eq!(&t[..3], &["BackendId", "IP", "HeartbeatPort"]);
    assert_eq!(titles(&mut c, "SHOW PROC '/backends'").await, t);
    let rows = strings(&mut c, "SHOW BACKENDS").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][2].as_deref(), Some(dead.to_string().as_str()));
    assert_eq!(rows[0][8].as_deref(), Some("false"));
    assert_eq!(rows[0][12].as_deref(), Some("0.000 B"));
    assert_eq!(must_fail(&mut c, "SHOW PROC '/nope'").await.0, 5001);
    assert_eq!(
        strings(&mut c, "SHOW FRONTENDS").await[0][6].as_deref(),
        Some("LEADER")
    );

    // FE config.
    c.query_drop("ADMIN SET FRONTEND CONFIG (\"default_replication_num\" = \"1\")")
        .await
        .unwrap();
    let rows = strings(
        &mut c,
        "ADMIN SHOW FRONTEND CONFIG LIKE 'default_replication%'",
    )
    .await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][2].as_deref(), Some("1"));
    assert_eq!(
        titles(&mut c, "ADMIN SHOW FRONTEND CONFIG LIKE 'x'").await,
        vec!["Key", "AliasNames", "Value", "Type", "IsMutable", "Comment"]
    );
    let (code, msg) = must_fail(&mut c, "ADMIN SET FRONTEND CONFIG (\"query_port\" = \"1\")").await;
    assert_eq!(
        (code, msg.as_str()),
        (5102, "Config 'query_port' does not exist or is not mutable")
    );
    // With default 1 and the only backend dead: "No alive nodes".
    let (_, msg) = must_fail(
        &mut c,
        "CREATE TABLE example_db.t (k int) DISTRIBUTED BY HASH(k)",
    )
    .await;
    assert_eq!(msg, "No alive nodes, table=t, default_replication_num=1");

    // kill -9 and restart: the database and the backend are still there.
    drop(c);
    fe.guard.0.kill().unwrap();
    fe.guard.0.wait().unwrap();
    let fe2 = start_fe(dir.path(), qport);
    let mut c = must_connect(fe2.query_port).await;
    let dbs = strings(&mut c, "SHOW DATABASES LIKE 'example%'").await;
    assert_eq!(dbs, vec![vec![Some("example_db".to_string())]]);
    assert_eq!(strings(&mut c, "SHOW BACKENDS").await.len(), 1);
    c.query_drop(format!("ALTER SYSTEM DROP BACKEND \"127.0.0.1:{dead}\""))
        .await
        .unwrap();
    assert!(strings(&mut c, "SHOW BACKENDS").await.is_empty());
    c.query_drop("DROP DATABASE example_db").await.unwrap();
    assert_eq!(
        strings(&mut c, "SHOW DATABASES").await.len(),
        3,
        "only system databases remain"
    );
}
