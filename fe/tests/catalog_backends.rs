//! Catalog DDL with real BEs: the real `starload-fe` and three `starload-be` processes
//! (the BE binary is looked up next to the FE binary, i.e. in the same target dir; build it
//! with `cargo build --release -p starload-be`). Checks heartbeats (Alive true, a kill -9'd
//! BE turns false within the timeout and comes back after restart), tablet placement over
//! distinct BEs, CREATE/TRUNCATE/DROP TABLE on the BEs, and SHOW CREATE TABLE / DESC of the
//! seed's tables.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use mysql_async::prelude::*;
use mysql_async::{Conn, Opts, OptsBuilder, Row};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

fn be_binary() -> PathBuf {
    let fe = PathBuf::from(env!("CARGO_BIN_EXE_starload-fe"));
    let be = fe.with_file_name("starload-be");
    assert!(
        be.exists(),
        "{} is missing: run `cargo build --release -p starload-be` first",
        be.display()
    );
    be
}

fn start_fe(dir: &Path, query_port: u16) -> Guard {
    let log = std::fs::File::create(dir.join("fe.out")).unwrap();
    Guard(
        Command::new(env!("CARGO_BIN_EXE_starload-fe"))
            .env("STARLOAD_FE_QUERY_PORT", query_port.to_string())
            .env("STARLOAD_FE_HTTP_PORT", free_port().to_string())
            .env("STARLOAD_FE_RPC_PORT", free_port().to_string())
            .env("STARLOAD_FE_META_DIR", dir.join("meta"))
            .env("STARLOAD_FE_SYS_LOG_DIR", dir.join("log"))
            .env("STARLOAD_FE_HEARTBEAT_INTERVAL_MS", "200")
            .env("STARLOAD_FE_HEARTBEAT_TIMEOUT_MS", "1500")
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start starload-fe"),
    )
}

struct BePorts {
    be: u16,
    heartbeat: u16,
    http: u16,
}

fn start_be(dir: &Path, p: &BePorts) -> Guard {
    std::fs::create_dir_all(dir).unwrap();
    let log = std::fs::File::create(dir.join("be.out")).unwrap();
    Guard(
        Command::new(be_binary())
            .arg(format!("--be_port={}", p.be))
            .arg(format!("--heartbeat_service_port={}", p.heartbeat))
            .arg(format!("--be_http_port={}", p.http))
            .arg(format!(
                "--storage_root_path={}",
                dir.join("storage").display()
            ))
            .arg(format!("--sys_log_dir={}", dir.join("log").display()))
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start starload-be"),
    )
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
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("FE did not accept connections: {e}"),
        }
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

/// Alive column of SHOW BACKENDS per heartbeat port.
async fn alive_by_port(c: &mut Conn) -> Vec<(String, String)> {
    strings(c, "SHOW BACKENDS")
        .await
        .into_iter()
        .map(|r| {
            (
                r[2].clone().unwrap_or_default(),
                r[8].clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// Polls SHOW BACKENDS until `pred` holds, up to `limit`.
async fn must_reach_alive(
    c: &mut Conn,
    limit: Duration,
    what: &str,
    pred: impl Fn(&[(String, String)]) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        let rows = alive_by_port(c).await;
        if pred(&rows) {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "{what} not reached: {rows:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tablets_live_on_alive_backends() {
    let dir = tempfile::tempdir().unwrap();
    let qport = free_port();
    let _fe = start_fe(dir.path(), qport);
    let ports: Vec<BePorts> = (0..3)
        .map(|_| BePorts {
            be: free_port(),
            heartbeat: free_port(),
            http: free_port(),
        })
        .collect();
    let mut bes: Vec<Guard> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| start_be(&dir.path().join(format!("be{i}")), p))
        .collect();
    let mut c = must_connect(qport).await;
    for p in &ports {
        c.query_drop(format!(
            "ALTER SYSTEM ADD BACKEND \"127.0.0.1:{}\"",
            p.heartbeat
        ))
        .await
        .unwrap();
    }
    must_reach_alive(&mut c, Duration::from_secs(30), "3 alive", |r| {
        r.len() == 3 && r.iter().all(|(_, a)| a == "true")
    })
    .await;
    let row = &strings(&mut c, "SHOW BACKENDS").await[0];
    assert_ne!(
        row[3].as_deref(),
        Some("0"),
        "be_port learned from heartbeat"
    );
    assert_ne!(row[7].as_deref(), Some("NULL"), "LastHeartbeat set");

    // The seed's tables, verbatim, with the default replication_num 3 on 3 BEs.
    c.query_drop("CREATE DATABASE example_db").await.unwrap();
    c.query_drop("CREATE TABLE example_db.example_tbl1 ( \n    `order_id` bigint NOT NULL COMMENT \"Order ID\",\n    `pay_dt` date NOT NULL COMMENT \"Payment date\", \n    `customer_name` varchar(26) NULL COMMENT \"Customer name\", \n    `nationality` varchar(26) NULL COMMENT \"Nationality\", \n    `price`double NULL COMMENT \"Price\"\n) \nENGINE=OLAP \nDUPLICATE KEY (order_id,pay_dt) \nDISTRIBUTED BY HASH(`order_id`); ").await.unwrap();
    c.query_drop("USE example_db").await.unwrap();
    c.query_drop("CREATE TABLE `example_tbl2` ( \n    `commodity_id` varchar(26) NULL COMMENT \"Commodity ID\", \n    `customer_name` varchar(26) NULL COMMENT \"Customer name\", \n    `country` varchar(26) NULL COMMENT \"Country\", \n    `pay_time` bigint(20) NULL COMMENT \"Payment time\", \n    `pay_dt` date NULL COMMENT \"Payment date\", \n    `price`double SUM NULL COMMENT \"Price\"\n) \nENGINE=OLAP\nAGGREGATE KEY(`commodity_id`,`customer_name`,`country`,`pay_time`,`pay_dt`) \nDISTRIBUTED BY HASH(`commodity_id`); ").await.unwrap();
    let create = strings(&mut c, "SHOW CREATE TABLE example_tbl1").await;
    assert_eq!(create[0][1].as_deref(), Some("CREATE TABLE `example_tbl1` (\n  `order_id` bigint(20) NOT NULL COMMENT \"Order ID\",\n  `pay_dt` date NOT NULL COMMENT \"Payment date\",\n  `customer_name` varchar(26) NULL COMMENT \"Customer name\",\n  `nationality` varchar(26) NULL COMMENT \"Nationality\",\n  `price` double NULL COMMENT \"Price\"\n) ENGINE=OLAP \nDUPLICATE KEY(`order_id`, `pay_dt`)\nDISTRIBUTED BY HASH(`order_id`)\nPROPERTIES (\n\"compression\" = \"LZ4\",\n\"fast_schema_evolution\" = \"true\",\n\"replicated_storage\" = \"true\",\n\"replication_num\" = \"3\"\n);"));
    let desc = strings(&mut c, "DESC example_tbl2").await;
    assert_eq!(
        desc[5],
        vec![
            Some("price".to_string()),
            Some("double".to_string()),
            Some("YES".to_string()),
            Some("false".to_string()),
            None,
            // DESC hides an OLAP table's aggregate type in 3.4 (IndexInfoProcDir.lookup).
            Some(String::new())
        ]
    );
    let tables = strings(&mut c, "SHOW TABLES").await;
    assert_eq!(tables.len(), 2);

    // 6 buckets (2 per BE) x 3 replicas per table: every BE holds one replica of each tablet.
    let rows = strings(&mut c, "SHOW BACKENDS").await;
    for r in &rows {
        assert_eq!(r[11].as_deref(), Some("12"), "TabletNum per BE: {r:?}");
    }
    let ids: HashSet<_> = rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(ids.len(), 3);

    // Too many replicas for the alive BEs: StarRocks's text.
    let e = c
        .query_drop("CREATE TABLE t4 (k int) DISTRIBUTED BY HASH(k) PROPERTIES (\"replication_num\" = \"4\")")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Table replication num should be less than of equal to the number of available BE nodes"), "{e}");

    c.query_drop("TRUNCATE TABLE example_tbl1").await.unwrap();

    // kill -9 one BE: Alive=false within the heartbeat timeout; restart: back.
    let victim = ports[1].heartbeat.to_string();
    bes[1].0.kill().unwrap();
    bes[1].0.wait().unwrap();
    let took = must_reach_alive(&mut c, Duration::from_secs(10), "victim dead", |r| {
        r.iter().any(|(p, a)| *p == victim && a == "false")
    })
    .await;
    println!("backend marked dead after {took:?} (timeout 1500 ms, interval 200 ms)");
    let e = c
        .query_drop("CREATE TABLE t3 (k int) DISTRIBUTED BY HASH(k)")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("default_replication_num=3"), "{e}");
    bes[1] = start_be(&dir.path().join("be1"), &ports[1]);
    must_reach_alive(&mut c, Duration::from_secs(30), "victim back", |r| {
        r.iter().all(|(_, a)| a == "true")
    })
    .await;

    c.query_drop("DROP TABLE example_tbl2").await.unwrap();
    let rows = strings(&mut c, "SHOW BACKENDS").await;
    for r in &rows {
        assert_eq!(r[11].as_deref(), Some("6"), "TabletNum after drop: {r:?}");
    }
}
