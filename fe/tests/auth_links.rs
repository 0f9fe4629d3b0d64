//! Secure links: a backend with a wrong cluster token, or with none (it would accept any FE; it
//! cannot prove the token over the heartbeat's nonce), cannot join, and a stranger's BE -> FE
//! calls (with a wrong or no token) are refused. The MySQL port speaks TLS when given a certificate
//! (generated here at test time), with StarRocks's exact error packets inside TLS too.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder, SslOpts};
use starload_compat_tests::paths::be_binary;
use starload_compat_tests::ports::free_ports;
use starload_compat_tests::process::ChildGuard;
use starload_compat_tests::sql::{must_exec, must_query, server_error};
use starload_compat_tests::{Cluster, ClusterOptions};
use starload_proto::fe::frontend_service_client::FrontendServiceClient;
use starload_proto::fe::{GetTxnStateRequest, ReportTaskRequest};
use starload_proto::types::StatusCode;
use std::time::{Duration, Instant};

const TOKEN: &str = "right-token";

/// Starts a BE outside the harness with `token` (None = no token) and returns it with its
/// heartbeat address.
fn spawn_rogue_be(dir: &std::path::Path, name: &str, token: Option<&str>) -> (ChildGuard, String) {
    let p = free_ports(4).unwrap();
    let d = dir.join(name);
    let mut args = vec![
        format!("--be_port={}", p[0]),
        format!("--heartbeat_service_port={}", p[1]),
        format!("--be_http_port={}", p[2]),
        format!("--brpc_port={}", p[3]),
        format!("--storage_root_path={}", d.join("storage").display()),
        format!("--sys_log_dir={}", d.join("log").display()),
    ];
    if let Some(t) = token {
        args.push(format!("--cluster_token={t}"));
    }
    let child = ChildGuard::spawn(
        name,
        &be_binary().unwrap(),
        &args,
        &d,
        &d.join("be.out"),
        &[],
    )
    .unwrap();
    (child, format!("127.0.0.1:{}", p[1]))
}

#[tokio::test(flavor = "multi_thread")]
async fn strangers_without_the_cluster_token_are_refused() -> anyhow::Result<()> {
    let opts = ClusterOptions::new(1)
        .fe("cluster_token", TOKEN)
        .be("cluster_token", TOKEN)
        .fe("heartbeat_interval_ms", 200);
    let cluster = Cluster::start_with(opts).await?;
    let tmp = tempfile::tempdir()?;
    let (_wrong, wrong_addr) = spawn_rogue_be(tmp.path(), "be_wrong", Some("wrong-token"));
    let (_other, other_addr) = spawn_rogue_be(tmp.path(), "be_other", Some("right-token-2"));
    let (_none, none_addr) = spawn_rogue_be(tmp.path(), "be_none", None);
    let mut root = cluster.conn().await?;
    for a in [&wrong_addr, &other_addr, &none_addr] {
        must_exec(&mut root, &format!("ALTER SYSTEM ADD BACKEND \"{a}\"")).await;
    }
    // All three stay dead with the mismatch as their error; the good BE stays alive.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = must_query(&mut root, "SHOW BACKENDS").await;
        let (port, alive, err) = (
            out.col("HeartbeatPort").unwrap(),
            out.col("Alive").unwrap(),
            out.col("ErrMsg").unwrap(),
        );
        let row = |addr: &str| {
            let hb = addr.rsplit(':').next().unwrap_or_default().to_string();
            out.rows.iter().find(|r| r[port] == hb).cloned()
        };
        let rogue: Vec<_> = [&wrong_addr, &other_addr, &none_addr]
            .iter()
            .filter_map(|a| row(a))
            .collect();
        let refused = rogue.len() == 3
            && rogue
                .iter()
                .all(|r| r[alive] == "false" && r[err].contains("cluster_token"));
        let good = out.rows.iter().filter(|r| r[alive] == "true").count();
        if refused {
            assert_eq!(good, 1, "{out:?}");
            break;
        }
        assert!(Instant::now() < deadline, "rogue BEs not refused: {out:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Tablets never land on them: a table with 1 replica goes to the good BE only.
    must_exec(&mut root, "CREATE DATABASE ldb").await;
    must_exec(
        &mut root,
        "CREATE TABLE ldb.t (k INT) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 4 PROPERTIES (\"replication_num\" = \"1\")",
    )
    .await;

    // A stranger calling FrontendService (task reports, txn states) is refused.
    let rpc = format!("http://127.0.0.1:{}", cluster.fe.rpc_port);
    let mut fe = FrontendServiceClient::connect(rpc).await?;
    for token in ["", "wrong-token"] {
        let r = fe
            .report_task(ReportTaskRequest {
                cluster_token: token.into(),
                job_id: 1,
                txn_id: 1,
                ..Default::default()
            })
            .await?
            .into_inner();
        assert_eq!(
            r.status.map(|s| s.code),
            Some(StatusCode::Unauthenticated as i32)
        );
        let r = fe
            .get_txn_state(GetTxnStateRequest {
                cluster_token: token.into(),
                txn_ids: vec![1, 2, 3],
                ..Default::default()
            })
            .await?
            .into_inner();
        assert_eq!(
            r.status.map(|s| s.code),
            Some(StatusCode::Unauthenticated as i32)
        );
        assert!(r.txns.is_empty());
    }
    Ok(())
}

/// A CA and a server certificate for 127.0.0.1 / localhost signed by it, written as PEM
/// files: (server cert, server key, CA cert).
fn write_cert(dir: &std::path::Path) -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();
    let path = |n: &str| dir.join(n).display().to_string();
    std::fs::write(path("fe-cert.pem"), leaf.pem()).unwrap();
    std::fs::write(path("fe-key.pem"), leaf_key.serialize_pem()).unwrap();
    std::fs::write(path("ca.pem"), ca.pem()).unwrap();
    (path("fe-cert.pem"), path("fe-key.pem"), path("ca.pem"))
}

async fn tls_conn(
    port: u16,
    user: &str,
    pass: &str,
    ca: &std::path::Path,
) -> mysql_async::Result<Conn> {
    let ssl = SslOpts::default()
        .with_root_certs(vec![ca.to_path_buf().into()])
        .with_danger_skip_domain_validation(true);
    let opts = OptsBuilder::default()
        .ip_or_hostname("127.0.0.1")
        .tcp_port(port)
        .user(Some(user))
        .pass(Some(pass))
        .prefer_socket(false)
        .ssl_opts(ssl);
    Conn::new(opts).await
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_protocol_over_tls() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let (cert, key, ca) = write_cert(tmp.path());
    let opts = ClusterOptions::new(0)
        .fe("ssl_cert_file", &cert)
        .fe("ssl_key_file", &key);
    let cluster = Cluster::start_with(opts).await?;
    let port = cluster.query_port();
    let ca = std::path::PathBuf::from(&ca);

    // The greeting advertises CLIENT_SSL.
    {
        use tokio::io::AsyncReadExt;
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        let mut hdr = [0u8; 4];
        s.read_exact(&mut hdr).await?;
        let mut p = vec![0u8; u32::from_le_bytes([hdr[0], hdr[1], hdr[2], 0]) as usize];
        s.read_exact(&mut p).await?;
        let v = p.iter().skip(1).position(|b| *b == 0).unwrap() + 2;
        let caps_lo = u16::from_le_bytes([p[v + 13], p[v + 14]]);
        assert_eq!(caps_lo & 0x0800, 0x0800, "CLIENT_SSL in the greeting");
    }

    // A client that requires TLS connects, queries, and gets exact error packets.
    let mut root = tls_conn(port, "root", "", &ca).await?;
    let one: Option<i64> = root.query_first("SELECT 1").await?;
    assert_eq!(one, Some(1));
    must_exec(&mut root, "CREATE USER tls_user IDENTIFIED BY 'tls-pw'").await;
    let mut u = tls_conn(port, "tls_user", "tls-pw", &ca).await?;
    let e = u.query_drop("CREATE DATABASE nope").await.unwrap_err();
    let s = server_error(&e).unwrap();
    assert_eq!((s.code, s.state.as_str()), (5203, "42000"), "{}", s.message);
    let e = u.query_drop("SELEC 1").await.unwrap_err();
    assert_eq!(server_error(&e).unwrap().code, 1064);
    // A wrong password over TLS: 1045 as in plaintext.
    let e = tls_conn(port, "tls_user", "bad", &ca).await.unwrap_err();
    let s = server_error(&e).unwrap();
    assert_eq!(
        (s.code, s.message.as_str()),
        (
            1045,
            "Access denied for user 'tls_user' (using password: YES)"
        )
    );
    // Plaintext clients still work unless secure transport is forced.
    let mut plain = cluster.conn().await?;
    must_query(&mut plain, "SELECT 1").await;

    // The mysql CLI requiring TLS, when installed.
    if let Ok(out) = std::process::Command::new("mysql")
        .args([
            "-h127.0.0.1",
            &format!("-P{port}"),
            "-uroot",
            "--ssl",
            "-N",
            "-e",
            "SELECT 42",
        ])
        .output()
    {
        if out.status.success() {
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "42");
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            // MySQL's client spells it --ssl-mode; only an unknown option is tolerated.
            assert!(err.contains("unknown option"), "mysql --ssl failed: {err}");
            let out = std::process::Command::new("mysql")
                .args([
                    "-h127.0.0.1",
                    &format!("-P{port}"),
                    "-uroot",
                    "--ssl-mode=REQUIRED",
                    "-N",
                    "-e",
                    "SELECT 42",
                ])
                .output()?;
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "42");
        }
    }
    Ok(())
}
