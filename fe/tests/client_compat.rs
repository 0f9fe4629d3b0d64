//! What real client libraries and BI tools need of the FE (compat-tests/clients/ runs the
//! libraries themselves), checked here against a real FE process.
//!
//! The connection phase as the libraries drive it, byte by byte:
//! - Node's mysql2 sets CLIENT_CONNECT_WITH_DB with an empty database name when none is given:
//!   the connection opens with no current database, where it used to fail with 1049
//!   `Unknown database ''`; the connect-time name is `db` or `catalog.db` as in StarRocks's
//!   changeCatalogDb (Superset's StarRocks engine spec connects to `default_catalog.` and
//!   `default_catalog.<db>`);
//! - PyMySQL with an SSL context (mycli's default `ssl_mode = auto`) sends its whole
//!   HandshakeResponse in plaintext with CLIENT_SSL when the FE has no certificate: ERR 5400
//!   `Failed to change to SSL connection`, where the connection used to hang.
//!
//! `SHOW CATALOGS` (Superset's StarRocks engine spec lists catalogs with it): StarRocks's
//! titles and its internal catalog's row.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use starload_compat_tests::{Cluster, ClusterOptions};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CLIENT_CONNECT_WITH_DB: u32 = 0x0008;
const CLIENT_PROTOCOL_41: u32 = 0x0200;
const CLIENT_SSL: u32 = 0x0800;
const CLIENT_SECURE_CONNECTION: u32 = 0x8000;
const CLIENT_PLUGIN_AUTH: u32 = 0x0008_0000;

async fn read_packet(s: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut hdr = [0u8; 4];
    tokio::time::timeout(Duration::from_secs(10), s.read_exact(&mut hdr))
        .await
        .expect("the FE answers within 10 s")
        .unwrap();
    let mut p = vec![0u8; u32::from_le_bytes([hdr[0], hdr[1], hdr[2], 0]) as usize];
    s.read_exact(&mut p).await.unwrap();
    (hdr[3], p)
}

/// Connects, reads the greeting and sends a HandshakeResponse41 for root (empty password)
/// with `caps` and, when CLIENT_CONNECT_WITH_DB is in `caps`, the database `db`. Returns the
/// FE's answer (sequence id, payload).
async fn handshake(port: u16, caps: u32, db: &str) -> (u8, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (_, greeting) = read_packet(&mut s).await;
    assert_eq!(greeting[0], 10, "HandshakeV10");
    let mut p = caps.to_le_bytes().to_vec();
    p.extend_from_slice(&(16u32 << 20).to_le_bytes());
    p.push(33);
    p.extend_from_slice(&[0u8; 23]);
    p.extend_from_slice(b"root\0");
    p.push(0); // empty auth response
    if caps & CLIENT_CONNECT_WITH_DB != 0 {
        p.extend_from_slice(db.as_bytes());
        p.push(0);
    }
    p.extend_from_slice(b"mysql_native_password\0");
    let l = (p.len() as u32).to_le_bytes();
    let mut pkt = vec![l[0], l[1], l[2], 1];
    pkt.extend_from_slice(&p);
    s.write_all(&pkt).await.unwrap();
    read_packet(&mut s).await
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_phase_of_real_clients() -> anyhow::Result<()> {
    let cluster = Cluster::start_with(ClusterOptions::new(0)).await?;
    let port = cluster.query_port();
    let base = CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH;

    // mysql2 without a database: OK.
    let (seq, p) = handshake(port, base | CLIENT_CONNECT_WITH_DB, "").await;
    assert_eq!((seq, p[0]), (2, 0x00), "OK packet, got {p:?}");
    // A named database still has to exist (StarRocks's text and number).
    let (_, p) = handshake(port, base | CLIENT_CONNECT_WITH_DB, "no_such_db").await;
    assert_eq!(p[0], 0xff, "ERR packet, got {p:?}");
    let errno = u16::from_le_bytes([p[1], p[2]]);
    let msg = String::from_utf8_lossy(&p[9..]).to_string();
    assert!(msg.contains("no_such_db"), "{errno} {msg}");
    for db in [
        "information_schema",
        "default_catalog.information_schema",
        "default_catalog.",
    ] {
        let (_, p) = handshake(port, base | CLIENT_CONNECT_WITH_DB, db).await;
        assert_eq!(p[0], 0x00, "{db}: OK packet, got {p:?}");
    }
    let (_, p) = handshake(port, base | CLIENT_CONNECT_WITH_DB, "hive_catalog.db1").await;
    assert_eq!(p[0], 0xff, "ERR packet, got {p:?}");
    let msg = String::from_utf8_lossy(&p[9..]).to_string();
    assert!(msg.contains("Unknown catalog 'hive_catalog'"), "{msg}");

    // CLIENT_SSL in a plaintext HandshakeResponse, no certificate configured: ERR 5400.
    let (seq, p) = handshake(port, base | CLIENT_SSL, "").await;
    assert_eq!((seq, p[0]), (2, 0xff), "ERR packet, got {p:?}");
    assert_eq!(u16::from_le_bytes([p[1], p[2]]), 5400);
    assert_eq!(&p[3..9], b"#XX000");
    assert_eq!(&p[9..], b"Failed to change to SSL connection");

    // The FE still serves ordinary clients.
    let mut conn = cluster.conn().await?;
    starload_compat_tests::sql::must_query(&mut conn, "SELECT 1").await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn show_catalogs() -> anyhow::Result<()> {
    use mysql_async::prelude::Queryable;
    let cluster = Cluster::start_with(ClusterOptions::new(0)).await?;
    let mut conn = cluster.conn().await?;
    let rows: Vec<mysql_async::Row> = conn.query("SHOW CATALOGS").await?;
    let titles: Vec<String> = rows[0]
        .columns_ref()
        .iter()
        .map(|c| c.name_str().to_string())
        .collect();
    assert_eq!(titles, ["Catalog", "Type", "Comment"]);
    let got: Vec<(String, String, String)> = rows.into_iter().map(mysql_async::from_row).collect();
    assert_eq!(
        got,
        [(
            "default_catalog".to_string(),
            "Internal".to_string(),
            "An internal catalog contains this cluster's self-managed tables.".to_string()
        )]
    );
    let none: Vec<mysql_async::Row> = conn.query("SHOW CATALOGS LIKE 'hive%'").await?;
    assert!(none.is_empty());
    Ok(())
}
