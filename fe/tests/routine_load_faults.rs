//! Routine load under faults, with the real binaries and a real broker (Tansu, SQLite storage):
//! a BE killed mid-task, the FE killed (at a failpoint) between a task's report and its commit
//! and just after the commit, the broker stopped and restarted, every process restarted,
//! PAUSE / ALTER / RESUME and STOP + a new job from explicit offsets, all mid-stream.
//!
//! Every test produces rows with unique keys `0..n` to a 2-partition topic and checks the exact
//! outcome: `count(*) = count(DISTINCT k) = n`, `min(k) = 0`, `max(k) = n - 1` (so the key set
//! is exactly `0..n`: nothing lost, nothing twice) and the job's Progress column
//! (`{"0":"<last offset>","1":"<last offset>"}`).

use mysql_async::Conn;
use starload_compat_tests::poll::Deadline;
use starload_compat_tests::sql::{
    must_count, must_exec, must_query, must_reach_state, query, show_routine_load,
};
use starload_compat_tests::{Broker, Cluster, ClusterOptions, Producer};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Deadline of each wait for rows or a state.
const T: Duration = Duration::from_secs(60);
const TOPIC: &str = "faults";
const TABLE: &str = "d.t";
const FAILPOINT: &str = "STARLOAD_FE_FAILPOINT";

/// Short FE periods so that the tests finish fast.
fn options(bes: usize) -> ClusterOptions {
    ClusterOptions::new(bes)
        .fe("routine_load_scheduler_interval_ms", 1000)
        .fe("routine_load_kafka_timeout_second", 3)
        .fe("heartbeat_timeout_ms", 3000)
}

/// The job: CSV `k,v`, both partitions from the beginning, a task every 5 s (StarRocks's
/// minimum), 1 s of consumption per task (so task and transaction time out after 4 s).
fn job_sql(name: &str, broker: &str, offsets: Option<(i64, i64)>) -> String {
    let kafka = match offsets {
        None => "\"property.kafka_default_offsets\" = \"OFFSET_BEGINNING\"".to_string(),
        Some((a, b)) => format!("\"kafka_offsets\" = \"{a},{b}\""),
    };
    // The faults must land while a task runs, and a task that reads a small round ends
    // within milliseconds (at the high watermark). The broker holds each fetch until 10 MB
    // or 1 s, so a task runs for a second or two (a pooled consumer may first wait out the
    // fetch its last task left held), where `running_task_be` sees it; task_consume_second
    // leaves room for both waits.
    format!(
        "CREATE ROUTINE LOAD d.{name} ON t COLUMNS TERMINATED BY ',' \
         PROPERTIES (\"max_batch_interval\" = \"5\", \"task_consume_second\" = \"3\") \
         FROM KAFKA (\"kafka_broker_list\" = \"{broker}\", \"kafka_topic\" = \"{TOPIC}\", \
         \"kafka_partitions\" = \"0,1\", {kafka}, \
         \"property.fetch.min.bytes\" = \"10485760\", \"property.fetch.wait.max.ms\" = \"1000\")"
    )
}

/// Broker with the 2-partition topic, cluster, database and table (replication_num = the
/// cluster's default: 3 with three BEs, else the number of BEs).
async fn setup(opts: ClusterOptions) -> anyhow::Result<(Broker, Cluster, Conn)> {
    let broker = Broker::start().await?;
    broker.create_topic(TOPIC, 2).await?;
    let cluster = Cluster::start_with(opts).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE d").await;
    must_exec(
        &mut conn,
        "CREATE TABLE d.t (k bigint, v varchar(32)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 2",
    )
    .await;
    let conn = conn_d(&cluster).await?;
    Ok((broker, cluster, conn))
}

/// A connection with `d` as the current database (SHOW ROUTINE LOAD TASK needs one).
async fn conn_d(cluster: &Cluster) -> anyhow::Result<Conn> {
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "USE d").await;
    Ok(conn)
}

/// Produces rows `k,r<round>` with consecutive unique keys, alternating partitions, and
/// remembers each partition's next offset.
struct Feed {
    producer: Producer,
    next_key: i64,
    next_offset: [i64; 2],
    round: u32,
}

impl Feed {
    fn new(broker: &Broker) -> anyhow::Result<Self> {
        Ok(Self {
            producer: Producer::new(&broker.bootstrap())?,
            next_key: 0,
            next_offset: [0, 0],
            round: 0,
        })
    }

    /// Produces `n` rows to each partition.
    async fn round(&mut self, n: usize) -> anyhow::Result<()> {
        for p in 0..2 {
            let rows: Vec<String> = (0..n)
                .map(|i| format!("{},r{}", self.next_key + i as i64, self.round))
                .collect();
            let offsets = self.producer.send(TOPIC, p, &rows).await?;
            let last = offsets.last().copied().unwrap_or(-1);
            assert_eq!(
                offsets.first().copied(),
                Some(self.next_offset[p as usize]),
                "offsets of partition {p}: {offsets:?}"
            );
            self.next_offset[p as usize] = last + 1;
            self.next_key += n as i64;
        }
        self.round += 1;
        Ok(())
    }

    fn produced(&self) -> u64 {
        self.next_key as u64
    }

    /// The Progress column once everything is consumed.
    fn progress(&self) -> String {
        progress_text(self.next_offset[0] - 1, self.next_offset[1] - 1)
    }
}

fn progress_text(last0: i64, last1: i64) -> String {
    format!(r#"{{"0":"{last0}","1":"{last1}"}}"#)
}

/// Parses a Progress column (`{"0":"49","1":"49"}`) into partition -> last offset.
fn parse_progress(s: &str) -> BTreeMap<i32, i64> {
    let v: serde_json::Value = serde_json::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    v.as_object()
        .unwrap_or_else(|| panic!("progress is not an object: {s}"))
        .iter()
        .map(|(k, v)| {
            let last = v.as_str().and_then(|s| s.parse().ok());
            (
                k.parse().unwrap_or_else(|_| panic!("partition {k}")),
                last.unwrap_or_else(|| panic!("offset {v} in {s}")),
            )
        })
        .collect()
}

/// Waits until the table holds exactly the keys `0..n`, once each, and the job's Progress is
/// `progress`.
async fn assert_exactly_once(conn: &mut Conn, job: &str, n: u64, progress: &str) {
    must_count(conn, TABLE, n, T).await;
    let out = must_query(
        conn,
        &format!("SELECT count(*), count(DISTINCT k), min(k), max(k) FROM {TABLE}"),
    )
    .await;
    let want = vec![
        n.to_string(),
        n.to_string(),
        "0".to_string(),
        (n - 1).to_string(),
    ];
    assert_eq!(
        out.rows,
        vec![want],
        "count, distinct keys, min and max key"
    );
    let d = Deadline::after(T);
    loop {
        let last = show_routine_load(conn, job).await;
        if matches!(&last, Ok(Some(row)) if row["Progress"] == progress) {
            return;
        }
        if !d.wait().await {
            panic!("job {job}: Progress never became {progress}; last row: {last:?}");
        }
    }
}

/// `SHOW ALL ROUTINE LOAD FOR <job>` (stopped jobs included) as a title -> value map.
async fn show_all(conn: &mut Conn, job: &str) -> std::collections::HashMap<String, String> {
    must_query(conn, &format!("SHOW ALL ROUTINE LOAD FOR {job}"))
        .await
        .row_map(0)
        .unwrap_or_else(|| panic!("job {job} not listed by SHOW ALL ROUTINE LOAD"))
}

/// Keeps producing small rounds (to both partitions) until stopped; returns the feed.
struct Background {
    stop: Arc<AtomicBool>,
    handle: tokio::task::JoinHandle<anyhow::Result<Feed>>,
}

impl Background {
    fn start(mut feed: Feed, rows: usize, every: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let handle = tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                feed.round(rows).await?;
                tokio::time::sleep(every).await;
            }
            Ok(feed)
        });
        Self { stop, handle }
    }

    async fn finish(self) -> anyhow::Result<Feed> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.await?
    }
}

/// Polls the table's row count until it is at least `n`.
async fn wait_count_at_least(conn: &mut Conn, n: u64) {
    let sql = format!("SELECT count(*) FROM {TABLE}");
    let d = Deadline::after(T);
    loop {
        let last = query(conn, &sql).await;
        if let Ok(out) = &last {
            if out.rows[0][0].parse::<u64>().is_ok_and(|c| c >= n) {
                return;
            }
        }
        if !d.wait().await {
            panic!("{sql} never reached {n}; last {last:?}");
        }
    }
}

/// Polls SHOW ROUTINE LOAD TASK until a task runs on a BE with a transaction; returns its
/// BeId.
async fn running_task_be(conn: &mut Conn, job: &str) -> String {
    let sql = format!("SHOW ROUTINE LOAD TASK WHERE JobName = \"{job}\"");
    let d = Deadline::after(T);
    loop {
        let last = query(conn, &sql).await;
        if let Ok(out) = &last {
            for i in 0..out.rows.len() {
                let (Some(txn), Some(be)) = (out.get(i, "TxnId"), out.get(i, "BeId")) else {
                    continue;
                };
                if txn != "-1" && be != "-1" {
                    return be.to_string();
                }
            }
        }
        if !d.wait().await {
            panic!("no task of {job} ever ran; last {last:?}");
        }
    }
}

/// 1. kill -9 of a BE (the coordinator of a running task, and a replica of every tablet)
///    while rows keep coming; it is restarted later. Nothing is lost or loaded twice.
#[tokio::test(flavor = "multi_thread")]
async fn be_killed_mid_task_then_restarted() -> anyhow::Result<()> {
    let (broker, mut cluster, mut conn) = setup(options(3)).await?;
    must_exec(&mut conn, &job_sql("j", &broker.bootstrap(), None)).await;
    let mut feed = Feed::new(&broker)?;
    feed.round(100).await?;
    assert_exactly_once(&mut conn, "d.j", feed.produced(), &feed.progress()).await;

    let bg = Background::start(feed, 20, Duration::from_millis(300));
    let be_id = running_task_be(&mut conn, "j").await;
    let victim = cluster
        .be_index_of(&be_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("BE {be_id} not in SHOW BACKENDS"))?;
    cluster.kill_be(victim);
    // The job keeps loading on the two others (quorum 2 of 3) while the BE is down.
    cluster
        .wait_backend_alive(victim, false, Duration::from_secs(30))
        .await?;
    let loaded =
        must_query(&mut conn, "SELECT count(*) FROM d.t").await.rows[0][0].parse::<u64>()?;
    wait_count_at_least(&mut conn, loaded + 100).await;
    cluster.restart_be(victim).await?;
    let feed = bg.finish().await?;
    assert_exactly_once(&mut conn, "d.j", feed.produced(), &feed.progress()).await;
    must_reach_state(&mut conn, "d.j", "RUNNING", T).await;
    Ok(())
}

/// The FE aborts at `failpoint` while committing a task of round 1; restarted without it,
/// the job goes on and rows of rounds 0..3 are loaded exactly once.
async fn fe_crash_at(failpoint: &str) -> anyhow::Result<()> {
    let (broker, mut cluster, mut conn) = setup(options(1)).await?;
    must_exec(&mut conn, &job_sql("j", &broker.bootstrap(), None)).await;
    let mut feed = Feed::new(&broker)?;
    feed.round(50).await?;
    assert_exactly_once(&mut conn, "d.j", feed.produced(), &feed.progress()).await;

    // Restart the FE armed (nothing is committed without new rows), then feed it.
    cluster.set_fe_env(FAILPOINT, Some(failpoint));
    cluster.restart_fe().await?;
    feed.round(50).await?;
    let status = cluster.wait_fe_exit(T).await?;
    assert!(status.contains("signal: 6"), "FE exit: {status}");

    cluster.set_fe_env(FAILPOINT, None);
    cluster.restart_fe().await?;
    conn = conn_d(&cluster).await?;
    assert_exactly_once(&mut conn, "d.j", feed.produced(), &feed.progress()).await;
    feed.round(50).await?;
    assert_exactly_once(&mut conn, "d.j", feed.produced(), &feed.progress()).await;
    Ok(())
}

/// 2a. kill of the FE after the BE's report passed every check, before the commit is written:
///     the transaction is aborted at restart and the rows are loaded by a later task.
#[tokio::test(flavor = "multi_thread")]
async fn fe_killed_between_report_and_commit() -> anyhow::Result<()> {
    fe_crash_at("before_commit_after_report").await
}

/// 2b. kill of the FE just after the commit was written, before the BE got the answer: the
///     committed transaction is published after restart and its rows are not loaded again.
#[tokio::test(flavor = "multi_thread")]
async fn fe_killed_just_after_commit() -> anyhow::Result<()> {
    fe_crash_at("after_commit").await
}

/// 3. The broker is stopped (kill -9) and restarted on the same port and data; rows produced
///    before the stop and after the restart are all loaded once.
#[tokio::test(flavor = "multi_thread")]
async fn broker_stopped_and_restarted() -> anyhow::Result<()> {
    let (mut broker, _cluster, mut conn) = setup(options(1)).await?;
    must_exec(&mut conn, &job_sql("j", &broker.bootstrap(), None)).await;
    let mut feed = Feed::new(&broker)?;
    feed.round(50).await?;
    assert_exactly_once(&mut conn, "d.j", feed.produced(), &feed.progress()).await;
    feed.round(50).await?;
    broker.stop();
    // The scheduler notices: its readiness check cannot reach the broker.
    let d = Deadline::after(T);
    loop {
        let out = must_query(&mut conn, "SHOW ROUTINE LOAD TASK WHERE JobName = \"j\"").await;
        let c = out.col("Message").unwrap_or(0);
        if out.rows.iter().any(|r| r[c].contains("failed")) {
            break;
        }
        if !d.wait().await {
            panic!("no task noticed the broker stop; last {out:?}");
        }
    }
    broker.restart().await?;
    let mut feed2 = Feed {
        producer: Producer::new(&broker.bootstrap())?,
        ..feed
    };
    feed2.round(50).await?;
    assert_exactly_once(&mut conn, "d.j", feed2.produced(), &feed2.progress()).await;
    must_reach_state(&mut conn, "d.j", "RUNNING", T).await;
    Ok(())
}

/// 4. Every process (FE and the three BEs) killed at once and restarted while rows keep
///    coming.
#[tokio::test(flavor = "multi_thread")]
async fn every_process_restarted_mid_stream() -> anyhow::Result<()> {
    let (broker, mut cluster, mut conn) = setup(options(3)).await?;
    must_exec(&mut conn, &job_sql("j", &broker.bootstrap(), None)).await;
    let mut feed = Feed::new(&broker)?;
    feed.round(100).await?;
    assert_exactly_once(&mut conn, "d.j", feed.produced(), &feed.progress()).await;

    let bg = Background::start(feed, 20, Duration::from_millis(300));
    running_task_be(&mut conn, "j").await;
    cluster.restart_all().await?;
    conn = conn_d(&cluster).await?;
    let loaded =
        must_query(&mut conn, "SELECT count(*) FROM d.t").await.rows[0][0].parse::<u64>()?;
    wait_count_at_least(&mut conn, loaded + 100).await;
    let feed = bg.finish().await?;
    assert_exactly_once(&mut conn, "d.j", feed.produced(), &feed.progress()).await;
    must_reach_state(&mut conn, "d.j", "RUNNING", T).await;
    Ok(())
}

/// 5. PAUSE while a round is being loaded, ALTER (concurrency and batch interval) while
///    PAUSED, more rows, RESUME: every row once, the new properties in effect.
#[tokio::test(flavor = "multi_thread")]
async fn pause_alter_resume_mid_stream() -> anyhow::Result<()> {
    // Two BEs: the job starts with two tasks (one per partition), ALTER brings it to one.
    let (broker, _cluster, mut conn) = setup(options(2)).await?;
    must_exec(&mut conn, &job_sql("j", &broker.bootstrap(), None)).await;
    let mut feed = Feed::new(&broker)?;
    feed.round(50).await?;
    assert_exactly_once(&mut conn, "d.j", feed.produced(), &feed.progress()).await;
    let row = must_reach_state(&mut conn, "d.j", "RUNNING", T).await;
    assert_eq!(row["CurrentTaskNum"], "2");

    feed.round(50).await?;
    running_task_be(&mut conn, "j").await;
    must_exec(&mut conn, "PAUSE ROUTINE LOAD FOR d.j").await;
    must_reach_state(&mut conn, "d.j", "PAUSED", T).await;
    must_exec(
        &mut conn,
        "ALTER ROUTINE LOAD FOR d.j PROPERTIES (\"desired_concurrent_number\" = \"1\", \"max_batch_interval\" = \"6\")",
    )
    .await;
    let row = must_reach_state(&mut conn, "d.j", "PAUSED", T).await;
    let props = &row["JobProperties"];
    assert!(
        props.contains(r#""desireTaskConcurrentNum":"1""#)
            && props.contains(r#""maxBatchIntervalS":"6""#),
        "{props}"
    );
    feed.round(50).await?;
    must_exec(&mut conn, "RESUME ROUTINE LOAD FOR d.j").await;
    assert_exactly_once(&mut conn, "d.j", feed.produced(), &feed.progress()).await;
    let row = must_reach_state(&mut conn, "d.j", "RUNNING", T).await;
    assert_eq!(row["CurrentTaskNum"], "1");
    Ok(())
}

/// 6. STOP while a round is being loaded, then a new job from explicit offsets = the stopped
///    job's progress + 1: it continues exactly where the stopped job ended.
#[tokio::test(flavor = "multi_thread")]
async fn stop_then_new_job_from_explicit_offsets() -> anyhow::Result<()> {
    let (broker, _cluster, mut conn) = setup(options(1)).await?;
    must_exec(&mut conn, &job_sql("j", &broker.bootstrap(), None)).await;
    let mut feed = Feed::new(&broker)?;
    feed.round(50).await?;
    assert_exactly_once(&mut conn, "d.j", feed.produced(), &feed.progress()).await;

    feed.round(50).await?;
    running_task_be(&mut conn, "j").await;
    must_exec(&mut conn, "STOP ROUTINE LOAD FOR d.j").await;
    // A stopped job is listed only with ALL (StarRocks).
    let row = show_all(&mut conn, "d.j").await;
    assert_eq!(row["State"], "STOPPED");
    let ended = parse_progress(&row["Progress"]);
    // What the stopped job committed is exactly what is (or becomes) visible in the table.
    let committed: i64 = ended.values().map(|l| l + 1).sum();
    must_count(&mut conn, TABLE, committed as u64, T).await;
    feed.round(50).await?;

    must_exec(
        &mut conn,
        &job_sql(
            "j2",
            &broker.bootstrap(),
            Some((ended[&0] + 1, ended[&1] + 1)),
        ),
    )
    .await;
    assert_exactly_once(&mut conn, "d.j2", feed.produced(), &feed.progress()).await;
    // The stopped job did not move.
    let row = show_all(&mut conn, "d.j").await;
    assert_eq!(parse_progress(&row["Progress"]), ended);
    Ok(())
}
