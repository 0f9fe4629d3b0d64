//! Fuzzing the MySQL handshake and command packets against a live FE over raw TCP: random
//! and truncated handshakes, oversized length headers, and random command packets after a
//! valid login. Bounded in count and time (seeded, so a failure can be replayed with
//! `STARLOAD_FUZZ_SEED`). Afterwards the FE must still be running, answer a normal client,
//! and its RSS must not have grown without bound.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use starload_compat_tests::sql::{must_exec, must_query_rows};
use starload_compat_tests::{Cluster, ClusterOptions};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Connections tried.
const CASES: usize = 1500;
/// Wall-clock budget for the whole run.
const BUDGET: Duration = Duration::from_secs(90);
/// How long one connection may take before the fuzzer moves on.
const PER_CONN: Duration = Duration::from_millis(300);

fn rss_kb(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn packet(seq: u8, payload: &[u8]) -> Vec<u8> {
    let l = (payload.len() as u32).to_le_bytes();
    let mut p = vec![l[0], l[1], l[2], seq];
    p.extend_from_slice(payload);
    p
}

/// A HandshakeResponse41 for root with an empty password.
fn login_packet() -> Vec<u8> {
    // PROTOCOL_41 | SECURE_CONNECTION | PLUGIN_AUTH | LONG_PASSWORD | TRANSACTIONS
    let caps: u32 = 0x0200 | 0x8000 | 0x0008_0000 | 0x1 | 0x2000;
    let mut p = Vec::new();
    p.extend_from_slice(&caps.to_le_bytes());
    p.extend_from_slice(&(16u32 << 20).to_le_bytes());
    p.push(33);
    p.extend_from_slice(&[0u8; 23]);
    p.extend_from_slice(b"root\0");
    p.push(0);
    p.extend_from_slice(b"mysql_native_password\0");
    packet(1, &p)
}

async fn read_some(s: &mut TcpStream, buf: &mut [u8]) -> usize {
    match tokio::time::timeout(PER_CONN, s.read(buf)).await {
        Ok(Ok(n)) => n,
        _ => 0,
    }
}

/// One fuzz case on a fresh connection; every outcome except a hang of the server is fine.
async fn one_case(port: u16, rng: &mut StdRng) {
    let Ok(Ok(mut s)) =
        tokio::time::timeout(PER_CONN, TcpStream::connect(("127.0.0.1", port))).await
    else {
        return;
    };
    let mut buf = vec![0u8; 64 * 1024];
    let kind = rng.random_range(0..6);
    if kind == 0 {
        // Garbage before even reading the greeting.
        let mut junk = vec![0u8; rng.random_range(0..512)];
        rng.fill_bytes(&mut junk);
        let _ = s.write_all(&junk).await;
        read_some(&mut s, &mut buf).await;
        return;
    }
    if read_some(&mut s, &mut buf).await == 0 {
        return;
    }
    match kind {
        1 => {
            // A random handshake response, sometimes truncated mid-packet.
            let mut payload = vec![0u8; rng.random_range(0..300)];
            rng.fill_bytes(&mut payload);
            let mut p = packet(1, &payload);
            if rng.random_bool(0.5) {
                let cut = rng.random_range(0..=p.len());
                p.truncate(cut);
            }
            let _ = s.write_all(&p).await;
        }
        2 => {
            // A valid login with random bytes flipped.
            let mut p = login_packet();
            for _ in 0..rng.random_range(1..6) {
                let i = rng.random_range(4..p.len());
                p[i] = rng.random();
            }
            let _ = s.write_all(&p).await;
        }
        3 => {
            // A length header promising 16 MiB, then a little data and silence.
            let _ = s.write_all(&[0xff, 0xff, 0xff, 1, 0x85, 0xa6]).await;
        }
        _ => {
            // A valid login, then random commands (COM_QUERY with junk SQL, prepared
            // statements with junk parameters, unknown commands, truncated packets).
            if s.write_all(&login_packet()).await.is_err() || read_some(&mut s, &mut buf).await == 0
            {
                return;
            }
            for _ in 0..rng.random_range(1..8) {
                let cmd: u8 = match rng.random_range(0..5) {
                    0 => 0x03,
                    1 => 0x16,
                    2 => 0x17,
                    3 => 0x02,
                    _ => rng.random(),
                };
                let mut payload = vec![cmd];
                let mut body = vec![0u8; rng.random_range(0..200)];
                rng.fill_bytes(&mut body);
                if cmd == 0x03 && rng.random_bool(0.5) {
                    body = [
                        "SELECT ",
                        "SHOW ",
                        "CREATE ROUTINE LOAD ",
                        "GRANT ",
                        "SET PASSWORD = ",
                    ][rng.random_range(0..5)]
                    .as_bytes()
                    .iter()
                    .chain(body.iter())
                    .copied()
                    .collect();
                }
                payload.extend_from_slice(&body);
                let mut p = packet(0, &payload);
                if rng.random_bool(0.2) {
                    let cut = rng.random_range(0..=p.len());
                    p.truncate(cut);
                }
                if s.write_all(&p).await.is_err() {
                    return;
                }
                read_some(&mut s, &mut buf).await;
            }
        }
    }
    read_some(&mut s, &mut buf).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fuzzed_handshakes_and_commands_leave_the_fe_serving() -> anyhow::Result<()> {
    let mut cluster = Cluster::start_with(ClusterOptions::new(0)).await?;
    let port = cluster.query_port();
    let pid = cluster.fe_pid().unwrap();
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE fuzz_db").await;
    let rss_before = rss_kb(pid);
    let seed: u64 = std::env::var("STARLOAD_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    eprintln!("fuzz seed {seed} (STARLOAD_FUZZ_SEED)");
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let mut cases = 0;
    while cases < CASES && started.elapsed() < BUDGET {
        // A few connections at once, as clients would.
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let mut r = StdRng::seed_from_u64(rng.random());
            set.spawn(async move { one_case(port, &mut r).await });
        }
        while set.join_next().await.is_some() {}
        cases += 8;
    }
    eprintln!("{cases} fuzz connections in {:?}", started.elapsed());
    assert!(cases >= 200, "too few cases ran ({cases})");

    assert!(
        cluster.fe_running(),
        "the FE died during the fuzz run (seed {seed}):\n{}",
        cluster.fe_log_tail()
    );
    // Still serving: the old connection and a new one both work.
    must_query_rows(&mut conn, "SELECT 1", &[&["1"]]).await;
    let mut fresh = cluster.conn().await?;
    must_query_rows(&mut fresh, "SHOW DATABASES LIKE 'fuzz_db'", &[&["fuzz_db"]]).await;
    // Memory stays bounded: connections and their buffers were released.
    let rss_after = rss_kb(pid);
    eprintln!("FE RSS {rss_before} kB -> {rss_after} kB");
    assert!(
        rss_after < rss_before + 256 * 1024,
        "RSS grew from {rss_before} kB to {rss_after} kB"
    );
    Ok(())
}
