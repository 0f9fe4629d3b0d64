//! The web console's HTTP side (issue 18) against the real FE, a BE and a real broker (Tansu),
//! without a browser (compat-tests/console drives chromium in `.ci/run`): no data without
//! login (401 + Basic challenge; a wrong password gets MySQL's 1045 text), the JSON lists
//! only jobs the user may load into, PAUSE / RESUME run the statements with their privilege
//! checks (5203 for a user without INSERT) and SHOW ROUTINE LOAD then says PAUSED, POSTs need
//! the console header, the job page's lag history gets samples from task reports, and the
//! embedded chart library is served with no login.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use serde_json::Value;
use starload_compat_tests::poll::Deadline;
use starload_compat_tests::sql::{csv_job_sql, must_count, must_exec, show_routine_load};
use starload_compat_tests::{Broker, Cluster};
use std::io::{Read, Write};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

/// One HTTP/1.0 request; returns (status, head, body).
fn http(
    port: u16,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    console_header: bool,
) -> (u16, String, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n");
    if let Some((u, p)) = auth {
        req.push_str(&format!(
            "Authorization: Basic {}\r\n",
            base64(&format!("{u}:{p}"))
        ));
    }
    if console_header {
        req.push_str("X-Starload-Console: 1\r\n");
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let out = String::from_utf8_lossy(&out).to_string();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_string(), body.to_string())
}

fn base64(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn console_login_privileges_pause_and_lag_history() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("console", 2).await?;
    broker.produce("console", 0, &["1,10", "2,20"]).await?;
    broker.produce("console", 1, &["3,30"]).await?;
    let cluster = Cluster::start(1).await?;
    let port = cluster.http_port();
    let mut root = cluster.conn().await?;
    must_exec(&mut root, "CREATE DATABASE cdb").await;
    for t in ["t", "u"] {
        must_exec(
            &mut root,
            &format!("CREATE TABLE cdb.{t} (k bigint NOT NULL, v bigint) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1"),
        )
        .await;
    }
    must_exec(
        &mut root,
        &csv_job_sql("cdb.jt", "t", &broker.bootstrap(), "console", &[]),
    )
    .await;
    must_exec(
        &mut root,
        &csv_job_sql("cdb.ju", "u", &broker.bootstrap(), "console", &[]),
    )
    .await;
    must_exec(&mut root, "CREATE USER 'op' IDENTIFIED BY 'op-pw'").await;
    must_exec(&mut root, "GRANT INSERT ON TABLE cdb.t TO USER 'op'").await;
    must_exec(&mut root, "CREATE USER 'nobody' IDENTIFIED BY 'nb-pw'").await;
    must_count(&mut root, "cdb.t", 3, T).await;

    // No data without login.
    for path in [
        "/console",
        "/console/api/jobs",
        "/console/api/cluster",
        "/console/cluster",
    ] {
        let (status, head, body) = http(port, "GET", path, None, false);
        assert_eq!(status, 401, "{path}: {head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("www-authenticate: basic realm=\"starload\""),
            "{path}: {head}"
        );
        assert!(!body.contains("jt"), "{path}: {body}");
    }
    let (status, _, body) = http(
        port,
        "GET",
        "/console/api/jobs",
        Some(("root", "bad")),
        false,
    );
    assert_eq!(status, 401);
    assert_eq!(
        json(&body)["message"],
        "Access denied for user 'root' (using password: YES)"
    );

    // The chart library is embedded and needs no login.
    let (status, head, body) = http(
        port,
        "GET",
        "/console/static/uPlot.iife.min.js",
        None,
        false,
    );
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("text/javascript") && body.len() > 40_000);

    // root sees both jobs; op only the one on the table it may load into; nobody none.
    let names = |user: (&str, &str)| {
        let (status, _, body) = http(port, "GET", "/console/api/jobs", Some(user), false);
        assert_eq!(status, 200, "{body}");
        let v = json(&body);
        let mut n: Vec<(String, bool)> = v["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| {
                (
                    j["name"].as_str().unwrap().to_string(),
                    j["can_operate"].as_bool().unwrap(),
                )
            })
            .collect();
        n.sort();
        n
    };
    assert_eq!(
        names(("root", "")),
        vec![("jt".to_string(), true), ("ju".to_string(), true)]
    );
    assert_eq!(names(("op", "op-pw")), vec![("jt".to_string(), true)]);
    assert!(names(("nobody", "nb-pw")).is_empty());

    let id = show_routine_load(&mut root, "cdb.jt")
        .await?
        .ok_or_else(|| anyhow::anyhow!("jt not shown"))?["Id"]
        .clone();

    // The job page's data: lag samples from the task reports (partition 0 and 1 caught up).
    let d = Deadline::after(T);
    let job = loop {
        let (status, _, body) = http(
            port,
            "GET",
            &format!("/console/api/jobs/{id}"),
            Some(("op", "op-pw")),
            false,
        );
        assert_eq!(status, 200, "{body}");
        let v = json(&body);
        let parts = v["lag"]["partitions"]
            .as_object()
            .map(|p| p.len())
            .unwrap_or(0);
        if parts == 2 {
            break v;
        }
        assert!(d.wait().await, "no lag samples of both partitions: {body}");
    };
    assert_eq!(job["lag"]["partitions"]["0"]["high_watermark"], 2, "{job}");
    assert_eq!(
        job["lag"]["partitions"]["1"]["committed_offset"], 1,
        "{job}"
    );
    assert_eq!(job["offset_lag"], 0, "{job}");
    let (status, _, body) = http(
        port,
        "GET",
        &format!("/console/jobs/{id}"),
        Some(("op", "op-pw")),
        false,
    );
    assert_eq!(status, 200);
    assert!(
        body.contains("data-page=\"job\"") && body.contains("\"points\":"),
        "{body}"
    );
    // nobody may not see it: as SHOW, not found.
    let (status, _, body) = http(
        port,
        "GET",
        &format!("/console/api/jobs/{id}"),
        Some(("nobody", "nb-pw")),
        false,
    );
    assert_eq!(status, 404, "{body}");

    // PAUSE: denied without INSERT (the statement's own check and text), refused without the
    // console header, done for op; SHOW ROUTINE LOAD then says PAUSED.
    let pause = format!("/console/api/jobs/{id}/pause");
    let (status, _, body) = http(port, "POST", &pause, Some(("nobody", "nb-pw")), true);
    assert_eq!(status, 403, "{body}");
    let v = json(&body);
    assert_eq!(v["errno"], 5203);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("Access denied; you need (at least one of) the INSERT privilege(s) on TABLE t for this operation."),
        "{v}"
    );
    let (status, _, _) = http(port, "POST", &pause, Some(("op", "op-pw")), false);
    assert_eq!(status, 403);
    let row = show_routine_load(&mut root, "cdb.jt").await?.unwrap();
    assert_ne!(row["State"], "PAUSED");
    let (status, _, body) = http(port, "POST", &pause, Some(("op", "op-pw")), true);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["state"], "PAUSED");
    let row = show_routine_load(&mut root, "cdb.jt").await?.unwrap();
    assert_eq!(row["State"], "PAUSED");
    assert!(
        row["ReasonOfStateChanged"].contains("User op pauses routine load job"),
        "{row:?}"
    );
    let (_, _, body) = http(
        port,
        "GET",
        "/console/api/jobs",
        Some(("op", "op-pw")),
        false,
    );
    let v = json(&body);
    assert!(
        v["jobs"][0]["advice"].as_str().unwrap().contains("RESUME"),
        "{v}"
    );
    let (status, _, body) = http(
        port,
        "POST",
        &format!("/console/api/jobs/{id}/resume"),
        Some(("op", "op-pw")),
        true,
    );
    assert_eq!(status, 200, "{body}");
    let row = show_routine_load(&mut root, "cdb.jt").await?.unwrap();
    assert_ne!(row["State"], "PAUSED");

    // Cluster page: SHOW BACKENDS needs SYSTEM OPERATE or NODE.
    let (_, _, body) = http(
        port,
        "GET",
        "/console/api/cluster",
        Some(("root", "")),
        false,
    );
    let v = json(&body);
    assert_eq!(v["backends"]["rows"].as_array().unwrap().len(), 1, "{v}");
    let (_, _, body) = http(
        port,
        "GET",
        "/console/api/cluster",
        Some(("op", "op-pw")),
        false,
    );
    assert_eq!(json(&body)["backends"]["error"]["errno"], 5203, "{body}");
    Ok(())
}
