//! Three FEs on one Raft group (issue 15), with real processes, a real broker and a MySQL
//! client: writes sent to a follower run on the leader and are visible on that follower when
//! it answers; a routine load keeps loading exactly once across kill -9 and SIGSTOP of the
//! leader; bad membership changes are refused with StarRocks's texts and leave the cluster
//! writable. Failover times are printed (figures for the closing note; nothing is timed).
#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed assertion

use starload_compat_tests::poll::Deadline;
use starload_compat_tests::registry::console_post;
use starload_compat_tests::sql::{must_count, must_exec, must_query, query, show_routine_load};
use starload_compat_tests::{Broker, Cluster, ClusterOptions};
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(120);

async fn three_fes() -> anyhow::Result<Cluster> {
    let mut c = Cluster::start_with(ClusterOptions::new(1)).await?;
    c.add_followers(2).await?;
    Ok(c)
}

/// Polls FE `i` until a metadata write succeeds; returns how long that took.
async fn until_writable(c: &Cluster, i: usize, db: &str) -> Duration {
    let started = Instant::now();
    let d = Deadline::after(T);
    loop {
        if let Ok(mut conn) = c.conn_fe(i).await {
            if query(&mut conn, &format!("CREATE DATABASE {db}"))
                .await
                .is_ok()
            {
                return started.elapsed();
            }
        }
        if !d.wait().await {
            panic!(
                "FE {i} accepted no write within {T:?}:\n{}",
                c.fe_log_tail_at(i)
            );
        }
    }
}

fn rows_of(out: &starload_compat_tests::sql::QueryOutput, col: &str) -> Vec<String> {
    let i = out.col(col).expect("column");
    out.rows.iter().map(|r| r[i].clone()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn followers_forward_writes_and_loading_survives_leader_failures() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("ha_orders", 2).await?;
    let mut c = three_fes().await?;
    let leader = c.leader_index().await?;
    let follower = (leader + 1) % 3;

    // Every FE lists the same three members: one LEADER, two FOLLOWERs, all alive (each FE
    // learns its peers' liveness from its own poll, within a second or two of starting).
    for i in 0..3 {
        let d = Deadline::after(T);
        loop {
            let out = c.show_frontends(i).await?;
            let mut roles = rows_of(&out, "Role");
            roles.sort();
            assert_eq!(out.columns.len(), 16);
            let all_alive = rows_of(&out, "Alive").iter().all(|a| a == "true");
            if roles == ["FOLLOWER", "FOLLOWER", "LEADER"] && all_alive {
                break;
            }
            assert!(d.wait().await, "FE {i}: {out:?}");
        }
    }

    // Writes through a follower run on the leader; the follower reads its own writes at once.
    let mut f = c.conn_fe(follower).await?;
    must_exec(&mut f, "CREATE DATABASE ha").await;
    must_exec(
        &mut f,
        "CREATE TABLE ha.t (id BIGINT, v VARCHAR(20)) DUPLICATE KEY(id) \
         DISTRIBUTED BY HASH(id) BUCKETS 2 PROPERTIES (\"replication_num\" = \"1\")",
    )
    .await;
    must_exec(&mut f, "INSERT INTO ha.t VALUES (1, 'a'), (2, 'b')").await;
    let out = must_query(&mut f, "SELECT count(*) FROM ha.t").await;
    assert_eq!(out.rows[0][0], "2");
    let other = (leader + 2) % 3;
    let mut o = c.conn_fe(other).await?;
    let out = must_query(&mut o, "SHOW TABLES FROM ha").await;
    assert_eq!(out.rows, vec![vec!["t".to_string()]]);
    // A session's variables travel with a forwarded statement.
    must_exec(&mut f, "SET time_zone = '+08:00'").await;
    must_exec(
        &mut f,
        &format!(
            "CREATE ROUTINE LOAD ha.job ON t COLUMNS TERMINATED BY \",\" \
             PROPERTIES (\"max_batch_interval\" = \"5\") \
             FROM KAFKA (\"kafka_broker_list\" = \"{}\", \"kafka_topic\" = \"ha_orders\", \
             \"property.kafka_default_offsets\" = \"OFFSET_BEGINNING\")",
            broker.bootstrap()
        ),
    )
    .await;
    let job = show_routine_load(&mut f, "ha.job")
        .await?
        .expect("job listed on the follower");
    let props: serde_json::Value = serde_json::from_str(&job["JobProperties"])?;
    assert_eq!(props["timezone"], "+08:00", "{job:?}");

    // Load, then kill -9 the leader, load more, SIGSTOP the new leader, load more.
    let mut next_id = 100i64;
    let mut produce = |n: usize| {
        let rows: Vec<String> = (0..n)
            .map(|_| {
                next_id += 1;
                format!("{next_id},x{next_id}")
            })
            .collect();
        rows
    };
    let batch = produce(40);
    broker.produce("ha_orders", 0, &batch[..20]).await?;
    broker.produce("ha_orders", 1, &batch[20..]).await?;
    must_count(&mut o, "ha.t", 42, T).await;

    c.kill_fe_at(leader);
    let alive = [(leader + 1) % 3, (leader + 2) % 3];
    let took = until_writable(&c, alive[0], "after_kill").await;
    println!("kill -9 of the leader: writes accepted again after {took:?}");
    let batch = produce(40);
    broker.produce("ha_orders", 0, &batch[..20]).await?;
    broker.produce("ha_orders", 1, &batch[20..]).await?;
    let mut a = c.conn_fe(alive[1]).await?;
    must_count(&mut a, "ha.t", 82, T).await;

    let second = c.leader_index().await?;
    assert_ne!(second, leader);
    let survivor = alive
        .iter()
        .copied()
        .find(|i| *i != second)
        .expect("one left");
    // Connected before the pause: a new connection's own queries would need a leader too.
    let mut inflight_conn = c.conn_fe(survivor).await?;
    c.pause_fe_at(second, true)?;
    // A statement the survivor forwards to the paused leader (no other can be elected
    // yet: one FE is dead, one paused). It must be answered once a new leader takes over,
    // not when the paused process resumes.
    let inflight =
        tokio::spawn(async move { query(&mut inflight_conn, "CREATE DATABASE inflight").await });
    // Two of three FEs run again: bring the killed one back so a quorum exists.
    c.restart_fe_at(leader).await?;
    let took = until_writable(&c, survivor, "after_stop").await;
    println!("SIGSTOP of the leader: writes accepted again after {took:?}");
    let answered = tokio::time::timeout(T, inflight)
        .await
        .expect("a statement forwarded to the paused leader is still waiting for it")?;
    if let Err(e) = answered {
        assert!(
            e.to_string().contains(
                "was replaced while it ran the statement; whether it took effect is unknown"
            ),
            "{e}"
        );
    }
    let batch = produce(40);
    broker.produce("ha_orders", 0, &batch[..20]).await?;
    broker.produce("ha_orders", 1, &batch[20..]).await?;
    let mut s = c.conn_fe(survivor).await?;
    must_count(&mut s, "ha.t", 122, T).await;
    c.pause_fe_at(second, false)?;

    // The paused leader wakes up as a follower: one LEADER, and it serves the same rows.
    c.wait_frontends_voting(T).await?;
    let out = c.show_frontends(second).await?;
    assert_eq!(
        rows_of(&out, "Role")
            .iter()
            .filter(|r| *r == "LEADER")
            .count(),
        1,
        "{out:?}"
    );
    let mut w = c.conn_fe(second).await?;
    must_count(&mut w, "ha.t", 122, T).await;
    let out = must_query(&mut w, "SELECT count(DISTINCT id) FROM ha.t").await;
    assert_eq!(out.rows[0][0], "122", "no id loaded twice");
    // Progress equals the end offsets: 60 messages per partition, last offset 59.
    let job = show_routine_load(&mut w, "ha.job").await?.expect("job");
    assert_eq!(job["Progress"], r#"{"0":"59","1":"59"}"#, "{job:?}");

    // The console of a follower runs PAUSE on the leader, as its MySQL port does.
    let leader = c.leader_index().await?;
    let follower = (leader + 1) % 3;
    let fe = c.fe_at(follower);
    let body = console_post(
        &format!("{}:{}", fe.host, fe.http_port),
        &format!("/console/api/jobs/{}/pause", job["Id"]),
        "root:",
    )
    .await?;
    let answer: serde_json::Value = serde_json::from_str(&body)?;
    assert_eq!(answer["state"], "PAUSED", "{body}");
    let mut l = c.conn_fe(leader).await?;
    let job = show_routine_load(&mut l, "ha.job").await?.expect("job");
    assert_eq!(job["State"], "PAUSED", "{job:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_membership_changes_are_refused_and_the_cluster_stays_writable() -> anyhow::Result<()> {
    let mut c = Cluster::start_with(ClusterOptions::new(1)).await?;
    c.add_followers(1).await?;
    let leader = c.leader_index().await?;
    let mut l = c.conn_fe(leader).await?;
    let leader_port = c.fe_at(leader).edit_log_port;
    let follower_port = c.fe_at(1 - leader).edit_log_port;
    let err = |r: Result<_, mysql_async::Error>| match r {
        Err(mysql_async::Error::Server(e)) => (e.code, e.message),
        other => panic!("expected a server error, got {other:?}"),
    };

    let (code, msg) = err(query(
        &mut l,
        &format!("ALTER SYSTEM DROP FOLLOWER \"127.0.0.1:{leader_port}\""),
    )
    .await);
    assert_eq!(
        (code, msg.as_str()),
        (
            1064,
            "Unexpected exception: can not drop current master node."
        )
    );
    let (code, msg) = err(query(&mut l, "ALTER SYSTEM DROP FOLLOWER \"127.0.0.1:1\"").await);
    assert_eq!(
        (code, msg.as_str()),
        (
            1064,
            "Unexpected exception: frontend does not exist[127.0.0.1:1]"
        )
    );
    let (_, msg) = err(query(
        &mut l,
        &format!("ALTER SYSTEM DROP OBSERVER \"127.0.0.1:{follower_port}\""),
    )
    .await);
    assert_eq!(
        msg,
        format!("Unexpected exception: OBSERVER does not exist[127.0.0.1:{follower_port}]")
    );
    let (_, msg) = err(query(
        &mut l,
        &format!("ALTER SYSTEM ADD FOLLOWER \"127.0.0.1:{follower_port}\""),
    )
    .await);
    assert_eq!(
        msg,
        "Unexpected exception: FE with the same host: 127.0.0.1 already exists"
    );
    let (_, msg) = err(query(&mut l, "ALTER SYSTEM ADD FOLLOWER \"127.0.0.1\"").await);
    assert!(msg.contains("Invalid host port: 127.0.0.1"), "{msg}");

    // An FE that never answers is added (as StarRocks does), but as a learner: the cluster
    // keeps its quorum and stays writable; SHOW FRONTENDS lists it not alive.
    let dead = starload_compat_tests::ports::free_port()?;
    must_exec(
        &mut l,
        &format!("ALTER SYSTEM ADD FOLLOWER \"127.0.0.1:{dead}\""),
    )
    .await;
    must_exec(&mut l, "CREATE DATABASE still_writable").await;
    let mut f = c.conn_fe(1 - leader).await?;
    must_exec(&mut f, "CREATE DATABASE still_writable_via_follower").await;
    let d = Deadline::after(T);
    loop {
        let out = c.show_frontends(leader).await?;
        let (ep, alive) = (out.col("EditLogPort").unwrap(), out.col("Alive").unwrap());
        let row = out.rows.iter().find(|r| r[ep] == dead.to_string()).cloned();
        if row.as_ref().is_some_and(|r| r[alive] == "false") {
            break;
        }
        assert!(d.wait().await, "unreachable FE not listed as dead: {out:?}");
    }
    must_exec(
        &mut l,
        &format!("ALTER SYSTEM DROP FOLLOWER \"127.0.0.1:{dead}\""),
    )
    .await;

    // A node of another cluster (its own meta dir, its own cluster id) cannot be added, and a
    // process started with that meta dir and our helper refuses to start.
    let mut other = Cluster::start_with(ClusterOptions::new(1)).await?;
    let other_port = other.fe.edit_log_port;
    let (_, msg) = err(query(
        &mut l,
        &format!("ALTER SYSTEM ADD FOLLOWER \"127.0.0.1:{other_port}\""),
    )
    .await);
    assert!(
        msg.starts_with(&format!(
            "Unexpected exception: frontend 127.0.0.1:{other_port} belongs to another cluster"
        )),
        "{msg}"
    );
    other.kill_fe();
    let out = std::process::Command::new(starload_compat_tests::paths::fe_binary()?)
        .arg(format!(
            "--query_port={}",
            starload_compat_tests::ports::free_port()?
        ))
        .arg(format!(
            "--http_port={}",
            starload_compat_tests::ports::free_port()?
        ))
        .arg(format!(
            "--rpc_port={}",
            starload_compat_tests::ports::free_port()?
        ))
        .arg(format!("--edit_log_port={other_port}"))
        .arg(format!("--meta_dir={}", other.fe.meta_dir.display()))
        .arg(format!("--sys_log_dir={}", other.fe.log_dir.display()))
        .arg(format!("--helper=127.0.0.1:{}", c.fe.edit_log_port))
        .output()?;
    assert!(!out.status.success(), "a foreign meta dir must not start");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("cluster id is not equal with helper node"),
        "{text}"
    );
    must_exec(&mut l, "CREATE DATABASE unaffected").await;
    Ok(())
}

/// The value of counter `name` on FE `i`'s /metrics page (0 before its first increment).
async fn fe_counter(c: &Cluster, i: usize, name: &str) -> anyhow::Result<f64> {
    let url = format!("http://127.0.0.1:{}/metrics", c.fe_at(i).http_port);
    let page = starload_compat_tests::registry::http_get(&url).await?;
    Ok(starload_compat_tests::prom::sample_sum(&page, name))
}

/// A follower reloads its whole state when a reader waits for an index, and otherwise at most
/// once a second: a burst of leader writes costs it a few reloads, not one per entry, and a
/// read on it still sees every write the leader acknowledged.
#[tokio::test(flavor = "multi_thread")]
async fn a_follower_reloads_on_demand_not_per_entry() -> anyhow::Result<()> {
    const RELOADS: &str = "starload_fe_follower_reloads_total";
    let c = three_fes().await?;
    let leader = c.leader_index().await?;
    let follower = (leader + 1) % 3;
    let mut l = c.conn_fe(leader).await?;
    let mut f = c.conn_fe(follower).await?;
    must_exec(&mut l, "CREATE DATABASE burst_0").await;
    let out = must_query(&mut f, "SHOW DATABASES").await;
    assert!(out.rows.iter().any(|r| r[0] == "burst_0"), "{out:?}");

    let before = fe_counter(&c, follower, RELOADS).await?;
    let started = Instant::now();
    const N: usize = 40;
    for i in 1..=N {
        must_exec(&mut l, &format!("CREATE DATABASE burst_{i}")).await;
    }
    let out = must_query(&mut f, "SHOW DATABASES").await;
    let listed = out
        .rows
        .iter()
        .filter(|r| r[0].starts_with("burst_"))
        .count();
    assert_eq!(
        listed,
        N + 1,
        "the follower must read the leader's writes: {out:?}"
    );
    let reloads = fe_counter(&c, follower, RELOADS).await? - before;
    // Up to the counter's read: a periodic reload may land while /metrics is fetched.
    let elapsed = started.elapsed();
    // One reload per second the burst lasted, the one the read asked for, and one spare.
    let allowed = elapsed.as_secs_f64().ceil() + 2.0;
    println!(
        "{N} writes in {elapsed:?}: the follower reloaded {reloads} times (allowed {allowed})"
    );
    assert!(
        reloads >= 1.0 && reloads <= allowed,
        "{reloads} reloads for {N} entries in {elapsed:?} (allowed {allowed})"
    );
    Ok(())
}
