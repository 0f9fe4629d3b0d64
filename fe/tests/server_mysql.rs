//! MySQL protocol integration tests: start the real `starload-fe` binary (temp meta dir, free
//! ports) and talk to it with `mysql_async`, the `mysql` CLI and PyMySQL.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use mysql_async::prelude::*;
use mysql_async::{Conn, Opts, OptsBuilder, Row};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running FE; killed on drop.
struct Fe {
    child: Child,
    query_port: u16,
    http_port: u16,
}

impl Drop for Fe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port below the ephemeral range: a port from `bind(0)` can be the source port of
/// the readiness probe's own connect, which then "succeeds" by connecting to itself before the
/// process listens (TCP self-connect; seen as a flaky ConnectionRefused right after start).
fn free_port() -> u16 {
    starload_compat_tests::ports::free_port().unwrap()
}

/// Starts an FE on `dir` (meta and logs inside) and waits until its MySQL port accepts.
/// The FE's identity in its metadata group is host:edit_log_port, so a restart over the same
/// meta dir keeps the port it first had (as an unchanged fe.conf does).
fn edit_log_port(dir: &Path) -> u16 {
    let file = dir.join("edit_log_port");
    if let Ok(p) = std::fs::read_to_string(&file) {
        return p.trim().parse().expect("edit_log_port file");
    }
    let p = free_port();
    std::fs::write(&file, p.to_string()).unwrap();
    p
}

fn must_start_fe(dir: &Path, extra: &[&str]) -> (Fe, Duration) {
    let (query_port, http_port, rpc_port) = (free_port(), free_port(), free_port());
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_starload-fe"));
    cmd.arg(format!("--query_port={query_port}"))
        .arg(format!("--http_port={http_port}"))
        .arg(format!("--rpc_port={rpc_port}"))
        .arg(format!("--edit_log_port={}", edit_log_port(dir)))
        .arg(format!("--meta_dir={}", dir.join("meta").display()))
        .arg(format!("--sys_log_dir={}", dir.join("log").display()))
        .arg("--priority_networks=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for e in extra {
        cmd.arg(e);
    }
    let child = cmd.spawn().expect("spawn starload-fe");
    let fe = Fe {
        child,
        query_port,
        http_port,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", query_port)).is_err() {
        assert!(Instant::now() < deadline, "FE did not open its query port");
        std::thread::sleep(Duration::from_millis(5));
    }
    (fe, started.elapsed())
}

fn opts(port: u16, password: Option<&str>) -> Opts {
    OptsBuilder::default()
        .ip_or_hostname("127.0.0.1")
        .tcp_port(port)
        .user(Some("root"))
        .pass(password)
        .prefer_socket(false)
        .into()
}

async fn must_connect(port: u16) -> Conn {
    Conn::new(opts(port, None)).await.expect("connect")
}

fn server_error(e: mysql_async::Error) -> (u16, String, String) {
    match e {
        mysql_async::Error::Server(s) => (s.code, s.state, s.message),
        other => panic!("expected a server error, got {other:?}"),
    }
}

async fn must_fail(conn: &mut Conn, sql: &str) -> (u16, String, String) {
    match conn.query_drop(sql).await {
        Ok(()) => panic!("{sql} succeeded"),
        Err(e) => server_error(e),
    }
}

async fn show_var(conn: &mut Conn, name: &str) -> Option<String> {
    let rows: Vec<(String, String)> = conn
        .query(format!("SHOW VARIABLES LIKE '{name}'"))
        .await
        .expect("show variables");
    rows.into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_statements_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (fe, _) = must_start_fe(dir.path(), &[]);
    let mut conn = must_connect(fe.query_port).await;

    // SQLAlchemy (server < 5.6 path) and generic probes.
    assert_eq!(
        show_var(&mut conn, "sql_mode").await.as_deref(),
        Some("ONLY_FULL_GROUP_BY")
    );
    assert_eq!(
        show_var(&mut conn, "lower_case_table_names")
            .await
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        show_var(&mut conn, "version").await.as_deref(),
        Some("8.0.33")
    );
    let comment = show_var(&mut conn, "version_comment").await.unwrap();
    assert!(
        comment.starts_with("starload ") && comment.ends_with("(StarRocks 3.4.0)"),
        "{comment}"
    );
    assert_eq!(
        show_var(&mut conn, "default_storage_engine")
            .await
            .as_deref(),
        Some("OLAP")
    );

    // PyMySQL and MariaDB Connector/J connect statements.
    conn.query_drop("SET NAMES utf8mb4").await.unwrap();
    conn.query_drop(
        "set autocommit=1,sql_mode=CONCAT(@@sql_mode,',STRICT_TRANS_TABLES'),NAMES utf8mb4",
    )
    .await
    .unwrap();
    assert_eq!(
        show_var(&mut conn, "sql_mode").await.as_deref(),
        Some("ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES")
    );
    conn.query_drop("/* mysql-connector-j */SET character_set_results = NULL")
        .await
        .unwrap();
    conn.query_drop("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        .await
        .unwrap();
    assert_eq!(
        show_var(&mut conn, "transaction_isolation")
            .await
            .as_deref(),
        Some("READ-COMMITTED")
    );
    conn.query_drop("SET default_storage_engine = INNODB")
        .await
        .unwrap();

    // Errors: exact code, state and text; the connection survives every one.
    let (code, state, msg) = must_fail(&mut conn, "SET bogus_variable = 1").await;
    assert_eq!((code, state.as_str()), (1193, "HY000"));
    assert!(
        msg.starts_with("Getting analyzing error. Detail message: Unknown system variable 'bogus_variable', the most similar variables are {"),
        "{msg}"
    );
    let (code, state, msg) = must_fail(&mut conn, "USE no_such_db").await;
    assert_eq!(
        (code, state.as_str(), msg.as_str()),
        (5501, "3F000", "Unknown database 'no_such_db'")
    );
    let (code, _, msg) = must_fail(&mut conn, "SET version = '1'").await;
    assert_eq!(
        (code, msg.as_str()),
        (1621, "Variable 'version' is a read only variable")
    );
    let (code, _, msg) = must_fail(&mut conn, "SET init_connect = ''").await;
    assert_eq!(
        (code, msg.as_str()),
        (
            1229,
            "Variable 'init_connect' is a GLOBAL variable and should be set with SET GLOBAL"
        )
    );
    let (code, state, _) = must_fail(&mut conn, "SET NAMES latin1").await;
    assert_eq!((code, state.as_str()), (1115, "42000"));
    let (code, state, _) = must_fail(&mut conn, "SET = 1").await;
    assert_eq!((code, state.as_str()), (1064, "HY000"));
    let (code, _, _) = must_fail(&mut conn, "KILL 999999").await;
    assert_eq!(code, 1094);
    let _ = conn.query_drop("\u{1}\u{2} garbage ;;; '").await;
    conn.ping().await.expect("connection alive after errors");

    // Fixed SHOW results.
    let rows: Vec<Row> = conn.query("SHOW WARNINGS").await.unwrap();
    assert!(rows.is_empty());
    let engines: Vec<(String, String, String, String, String, String)> =
        conn.query("SHOW ENGINES").await.unwrap();
    assert_eq!(engines[0].0, "OLAP");
    assert_eq!(engines.len(), 5);
    let collations: Vec<(String, String, i64, String, String, i64)> =
        conn.query("SHOW COLLATION").await.unwrap();
    assert_eq!(collations[0].0, "utf8_general_ci");
    assert_eq!(collations[0].2, 33);
    let charsets: Vec<(String, String, String, i64)> =
        conn.query("SHOW CHARACTER SET").await.unwrap();
    assert_eq!(
        charsets,
        vec![(
            "utf8".into(),
            "UTF-8 Unicode".into(),
            "utf8_general_ci".into(),
            3
        )]
    );
    let verbose: Vec<(String, String, String, String)> = conn
        .query("SHOW VERBOSE VARIABLES LIKE 'sql_mode'")
        .await
        .unwrap();
    assert_eq!(verbose[0].2, "ONLY_FULL_GROUP_BY");
    assert_eq!(verbose[0].3, "1");
    let filtered: Vec<(String, String)> = conn
        .query("SHOW VARIABLES WHERE Variable_name IN ('autocommit', 'wait_timeout')")
        .await
        .unwrap();
    assert_eq!(
        filtered,
        vec![
            ("autocommit".into(), "true".into()),
            ("wait_timeout".into(), "28800".into())
        ]
    );
    for sql in [
        "BEGIN",
        "COMMIT",
        "START TRANSACTION",
        "ROLLBACK",
        "SHOW STATUS",
        "SHOW PLUGINS",
    ] {
        conn.query_drop(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    // Prepared statements (Go's driver, Connector/J with useServerPrepStmts).
    let rows: Vec<(String, String)> = conn
        .exec("SHOW VARIABLES LIKE ?", ("wait_timeout",))
        .await
        .unwrap();
    assert_eq!(rows, vec![("wait_timeout".into(), "28800".into())]);

    // SHOW PROCESSLIST sees both connections; KILL closes the other one.
    let mut other = must_connect(fe.query_port).await;
    let other_id = other.id();
    let list: Vec<Row> = conn.query("SHOW PROCESSLIST").await.unwrap();
    assert_eq!(list.len(), 2);
    let ids: Vec<String> = list
        .iter()
        .map(|r| r.get::<String, _>(1).unwrap())
        .collect();
    assert!(ids.contains(&other_id.to_string()), "{ids:?}");
    conn.query_drop(format!("KILL {other_id}")).await.unwrap();
    assert!(other.query_drop("SHOW WARNINGS").await.is_err());
    let list: Vec<Row> = conn.query("SHOW PROCESSLIST").await.unwrap();
    assert_eq!(list.len(), 1);
    conn.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication() {
    let dir = tempfile::tempdir().unwrap();
    let (fe, _) = must_start_fe(dir.path(), &["--root_password=s3cret"]);
    let e = Conn::new(opts(fe.query_port, None)).await.unwrap_err();
    assert_eq!(
        server_error(e),
        (
            1045,
            "28000".to_string(),
            "Access denied for user 'root' (using password: NO)".to_string()
        )
    );
    let e = Conn::new(opts(fe.query_port, Some("wrong")))
        .await
        .unwrap_err();
    assert_eq!(
        server_error(e).2,
        "Access denied for user 'root' (using password: YES)"
    );
    let bob: Opts = OptsBuilder::from_opts(opts(fe.query_port, Some("s3cret")))
        .user(Some("bob"))
        .into();
    let e = Conn::new(bob).await.unwrap_err();
    assert_eq!(server_error(e).0, 1045);
    let mut conn = Conn::new(opts(fe.query_port, Some("s3cret")))
        .await
        .unwrap();
    conn.query_drop("SET autocommit = 0").await.unwrap();
    conn.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_variables_survive_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (fe, _) = must_start_fe(dir.path(), &[]);
        let mut conn = must_connect(fe.query_port).await;
        conn.query_drop("SET GLOBAL query_timeout = 77")
            .await
            .unwrap();
        let (code, _, _) = must_fail(&mut conn, "SET GLOBAL version_comment = 'x'").await;
        assert_eq!(code, 1621);
        assert_eq!(
            show_var(&mut conn, "query_timeout").await.as_deref(),
            Some("77")
        );
        let mut other = must_connect(fe.query_port).await;
        assert_eq!(
            show_var(&mut other, "query_timeout").await.as_deref(),
            Some("77")
        );
    }
    let (fe, _) = must_start_fe(dir.path(), &[]);
    let mut conn = must_connect(fe.query_port).await;
    assert_eq!(
        show_var(&mut conn, "query_timeout").await.as_deref(),
        Some("77")
    );
}

/// A meta dir remembers the address its FE was added with: started at another
/// edit_log_port, the FE refuses to run as a second identity of the same store and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_edit_log_port_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (fe, _) = must_start_fe(dir.path(), &[]);
        let mut conn = must_connect(fe.query_port).await;
        conn.query_drop("CREATE DATABASE kept").await.unwrap();
    }
    let moved = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_starload-fe"))
        .arg(format!("--query_port={}", free_port()))
        .arg(format!("--http_port={}", free_port()))
        .arg(format!("--rpc_port={}", free_port()))
        .arg(format!("--edit_log_port={moved}"))
        .arg(format!("--meta_dir={}", dir.path().join("meta").display()))
        .arg(format!(
            "--sys_log_dir={}",
            dir.path().join("log").display()
        ))
        .arg("--priority_networks=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "FE kept running at a new address"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success());
    let log = std::fs::read_to_string(dir.path().join("log").join("fe.log")).unwrap();
    let old = edit_log_port(dir.path());
    assert!(
        log.contains(&format!(
            "this frontend (127.0.0.1:{moved}) is not a member of the metadata group stored in its meta_dir (members: 127.0.0.1:{old})"
        )),
        "{log}"
    );
    // The store is untouched: at its own address the FE starts with its data.
    let (fe, _) = must_start_fe(dir.path(), &[]);
    let mut conn = must_connect(fe.query_port).await;
    let dbs: Vec<String> = conn.query("SHOW DATABASES").await.unwrap();
    assert!(dbs.iter().any(|d| d == "kept"), "{dbs:?}");
}

#[test]
fn mysql_cli_batch_mode() {
    let dir = tempfile::tempdir().unwrap();
    let (fe, _) = must_start_fe(dir.path(), &[]);
    let port = fe.query_port.to_string();
    let out = Command::new("mysql")
        .args(["-h127.0.0.1", "-P", &port, "-uroot", "-e"])
        .arg("SHOW VARIABLES LIKE 'version'; SET NAMES utf8mb4; SHOW VARIABLES LIKE 'autocommit'")
        .output()
        .expect("run mysql CLI");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("version\t8.0.33"), "{stdout}");
    assert!(stdout.contains("autocommit\ttrue"), "{stdout}");
    let out = Command::new("mysql")
        .args(["-h127.0.0.1", "-P", &port, "-uroot", "-e", "USE nodb"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "ERROR 5501 (3F000) at line 1: Unknown database 'nodb'"
    );
    let out = Command::new("mysql")
        .args([
            "-h127.0.0.1",
            "-P",
            &port,
            "-uroot",
            "-D",
            "nodb",
            "-e",
            "SHOW WARNINGS",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("5501"));
}

#[test]
fn pymysql_connects() {
    let dir = tempfile::tempdir().unwrap();
    let (fe, _) = must_start_fe(dir.path(), &[]);
    let script = format!(
        r#"
import pymysql
c = pymysql.connect(host="127.0.0.1", port={}, user="root", password="")
cur = c.cursor()
cur.execute("SHOW VARIABLES LIKE 'sql_mode'")
print(cur.fetchall())
c.ping()
c.close()
"#,
        fe.query_port
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "(('sql_mode', 'ONLY_FULL_GROUP_BY'),)");
}

fn http_get(port: u16, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (head.to_string(), body.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_health_and_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let (fe, _) = must_start_fe(dir.path(), &[]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", fe.http_port)).is_err() {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (head, body) = http_get(fe.http_port, "/api/health");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(
        body,
        r#"{"msg":"success","code":0,"data":{"online_backend_num":0,"total_backend_num":0},"count":0}"#
    );
    let mut conn = must_connect(fe.query_port).await;
    conn.query_drop("SET autocommit = 1").await.unwrap();
    let _ = conn.query_drop("SET nope = 1").await;
    let (_, metrics) = http_get(fe.http_port, "/metrics");
    for name in [
        "starload_fe_queries_total",
        "starload_fe_query_errors_total",
        "starload_fe_connections_accepted_total",
        "starrocks_fe_query_total",
        // StarRocks's connection_total gauge (a gauge may not end in _total: promtool).
        "starload_fe_connections ",
    ] {
        assert!(metrics.contains(name), "{name} missing in:\n{metrics}");
    }
}

/// Not a correctness test: prints the time from process start to the first answered query
/// (reported in the closing note; see STYLE.md, no timed asserts).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_to_first_query() {
    let dir = tempfile::tempdir().unwrap();
    let (query_port, http_port) = (free_port(), free_port());
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_starload-fe"))
        .arg(format!("--query_port={query_port}"))
        .arg(format!("--http_port={http_port}"))
        .arg(format!("--rpc_port={}", free_port()))
        .arg(format!("--edit_log_port={}", free_port()))
        .arg(format!("--meta_dir={}", dir.path().join("meta").display()))
        .arg(format!(
            "--sys_log_dir={}",
            dir.path().join("log").display()
        ))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _fe = Fe {
        child,
        query_port,
        http_port,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(mut c) = Conn::new(opts(query_port, None)).await {
            if c.query_drop("SHOW VARIABLES LIKE 'version'").await.is_ok() {
                break;
            }
        }
        assert!(Instant::now() < deadline, "no answer");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    eprintln!(
        "starload-fe: start to first answered query: {} ms",
        started.elapsed().as_millis()
    );
}
