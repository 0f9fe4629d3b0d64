//! kill -9 of the FE, then of a BE, while a routine load creates the partitions of a
//! `PARTITION BY date_trunc('day', dt)` table inside its transactions, with the real binaries
//! and a real broker (Tansu): nothing is lost, nothing is loaded twice, and no partition is
//! left half-created.
//!
//! Rows have unique ids `0..n` and span 40 days; they are produced in waves of 800, each wave
//! bringing ten new days (so each wave's load creates partitions) and more rows for the days
//! already there, spread over the four partitions of the topic (every Kafka partition carries
//! every day, so concurrent tasks ask for the same new partitions). The process is killed at
//! the moment SHOW PARTITIONS, polled every few ms, shows a partition of the current wave that
//! no load has made visible yet (VisibleVersion 1: the transaction that created it is still
//! PREPARE or COMMITTED), which is the middle of a load that creates partitions (if a wave's
//! load is missed, the next wave brings ten more days). More waves of new days follow, while
//! the process is down and after its restart. Then every check below holds:
//! - `count(*) = count(DISTINCT id) = n`, `min(id) = 0`, `max(id) = n - 1`, and the job's
//!   Progress is the last offset of every Kafka partition (exactly once);
//! - rows per day (GROUP BY) are what was produced, and each day's partition answers its own
//!   pruned query with its count (a partition in the catalog whose tablets are missing on a
//!   BE fails that query);
//! - SHOW PARTITIONS lists exactly one partition per day, named `pYYYYMMDD`, with the day's
//!   range, State NORMAL and a VisibleVersion above the initial 1; SHOW BACKENDS' TabletNum
//!   adds up to partitions x buckets x replicas (no partition without tablets);
//! - the BEs hold exactly those tablets as loaded ones: each BE's tablet versions (read from
//!   its answer to a bare Heartbeat) show every tablet of every partition on replication_num
//!   BEs, each replica at the partition's visible version (tablets made for a partition that
//!   never reached the catalog stay at the initial version 1 and are not counted).
//!
//! The FE test uses one replica per tablet, so that a tablet missing on any BE fails a query;
//! the BE test uses three, and at the end reads every row from the BE that was killed alone
//! (the two others killed), which proves its replicas converged with the data too.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use mysql_async::Conn;
use starload_compat_tests::poll::{poll_until, Deadline};
use starload_compat_tests::sql::{
    must_count, must_eventually_rows, must_exec, must_query, must_reach_state, query,
    show_routine_load, QueryOutput,
};
use starload_compat_tests::{Broker, Cluster, ClusterOptions, Producer};
use starload_proto::be::backend_service_client::BackendServiceClient;
use starload_proto::be::HeartbeatRequest;
use std::collections::BTreeMap;
use std::time::Duration;

/// Deadline of each wait for rows or a state.
const T: Duration = Duration::from_secs(60);
const TOPIC: &str = "days";
const TABLE: &str = "d.t";
/// Rows per day, over every partition.
const BY_DAY: &str = "SELECT CAST(dt AS DATE) AS day, count(*) FROM d.t GROUP BY day ORDER BY day";
/// Kafka partitions of the topic.
const KAFKA_PARTITIONS: i32 = 4;
/// New days each wave brings.
const DAYS_PER_WAVE: i64 = 10;
/// Waves of new days until a load is caught creating partitions (the window lasts as long
/// as one load, tens of milliseconds: a wave whose load was not seen is followed by another).
const CATCH_ATTEMPTS: usize = 3;
/// Rows of each wave.
const ROWS_PER_WAVE: usize = 800;
/// Tablets of each partition.
const BUCKETS: u64 = 3;

/// Short FE periods so that the tests finish fast.
fn options() -> ClusterOptions {
    ClusterOptions::new(3)
        .fe("routine_load_scheduler_interval_ms", 1000)
        .fe("routine_load_kafka_timeout_second", 3)
        .fe("heartbeat_timeout_ms", 3000)
        .fe("heartbeat_interval_ms", 500)
}

/// `YYYY-MM-DD` of day `i` (day 0 is 2020-05-01).
fn day(i: i64) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(2020, 5, 1).unwrap() + chrono::Duration::days(i);
    d.format("%Y-%m-%d").to_string()
}

/// StarRocks's name of day `i`'s partition.
fn partition_name(i: i64) -> String {
    format!("p{}", day(i).replace('-', ""))
}

/// Produces rows `<datetime>,<id>,w<wave>` with consecutive unique ids and remembers what
/// went where: the days so far, rows per day and each Kafka partition's next offset.
struct Feed {
    producer: Producer,
    next_id: i64,
    next_offset: Vec<i64>,
    /// Days `0..days` have rows.
    days: i64,
    per_day: BTreeMap<i64, u64>,
    wave: u32,
}

impl Feed {
    fn new(broker: &Broker) -> anyhow::Result<Self> {
        Ok(Self {
            producer: Producer::new(&broker.bootstrap())?,
            next_id: 0,
            next_offset: vec![0; KAFKA_PARTITIONS as usize],
            days: 0,
            per_day: BTreeMap::new(),
            wave: 0,
        })
    }

    /// Produces `ROWS_PER_WAVE` rows over the days so far and `new_days` more: row `j` of
    /// the wave goes to day `j % days` and to Kafka partition `(j / days) % 4`, so every day
    /// gets rows and every Kafka partition carries every day. Times of day vary, midnight and
    /// 23:59:59 included (the bounds of a day's partition).
    async fn wave(&mut self, new_days: i64) -> anyhow::Result<()> {
        self.days += new_days;
        let len = self.days as usize;
        let mut by_partition: Vec<Vec<String>> = vec![Vec::new(); KAFKA_PARTITIONS as usize];
        for j in 0..ROWS_PER_WAVE {
            let id = self.next_id;
            self.next_id += 1;
            let d = (j % len) as i64;
            let second = match id % 50 {
                0 => 0,
                1 => 86_399,
                _ => (id * 7919) % 86_400,
            };
            let row = format!(
                "{} {:02}:{:02}:{:02},{id},w{}",
                day(d),
                second / 3600,
                second / 60 % 60,
                second % 60,
                self.wave
            );
            by_partition[(j / len) % KAFKA_PARTITIONS as usize].push(row);
            *self.per_day.entry(d).or_insert(0) += 1;
        }
        for (p, rows) in by_partition.iter().enumerate() {
            let offsets = self.producer.send(TOPIC, p as i32, rows).await?;
            assert_eq!(
                offsets.first().copied(),
                Some(self.next_offset[p]),
                "offsets of partition {p}: {offsets:?}"
            );
            self.next_offset[p] += rows.len() as i64;
        }
        self.wave += 1;
        Ok(())
    }

    fn produced(&self) -> u64 {
        self.next_id as u64
    }

    /// The Progress column once everything is consumed.
    fn progress(&self) -> String {
        let parts: Vec<String> = self
            .next_offset
            .iter()
            .enumerate()
            .map(|(p, next)| format!(r#""{p}":"{}""#, next - 1))
            .collect();
        format!("{{{}}}", parts.join(","))
    }
}

/// Database, table (`replication_num` replicas of `BUCKETS` tablets a partition, no
/// partition yet) and the job (a task every 5 s, StarRocks's minimum, 1 s of consumption).
async fn setup(conn: &mut Conn, broker: &Broker, replication_num: u32) {
    must_exec(conn, "CREATE DATABASE d").await;
    must_exec(
        conn,
        &format!(
            "CREATE TABLE {TABLE} (dt datetime NOT NULL, id bigint NOT NULL, v varchar(16)) \
             DUPLICATE KEY(dt, id) PARTITION BY date_trunc('day', dt) \
             DISTRIBUTED BY HASH(id) BUCKETS {BUCKETS} \
             PROPERTIES (\"replication_num\" = \"{replication_num}\")"
        ),
    )
    .await;
    let parts = must_query(conn, &format!("SHOW PARTITIONS FROM {TABLE}")).await;
    assert!(parts.rows.is_empty(), "{:?}", parts.rows);
    must_exec(
        conn,
        &format!(
            "CREATE ROUTINE LOAD d.j ON t COLUMNS TERMINATED BY ',', COLUMNS (dt, id, v) \
             PROPERTIES (\"max_batch_interval\" = \"5\", \"task_consume_second\" = \"1\") \
             FROM KAFKA (\"kafka_broker_list\" = \"{}\", \"kafka_topic\" = \"{TOPIC}\", \
             \"property.kafka_default_offsets\" = \"OFFSET_BEGINNING\")",
            broker.bootstrap()
        ),
    )
    .await;
}

/// `SHOW PARTITIONS FROM d.t` as (name, visible version) pairs.
async fn partitions(conn: &mut Conn) -> anyhow::Result<Vec<(String, i64)>> {
    let out = query(conn, &format!("SHOW PARTITIONS FROM {TABLE}")).await?;
    (0..out.rows.len())
        .map(|i| {
            let name = out.get(i, "PartitionName").unwrap_or_default().to_string();
            let v = out.get(i, "VisibleVersion").unwrap_or_default().parse()?;
            Ok((name, v))
        })
        .collect()
}

/// Produces waves of `DAYS_PER_WAVE` new days until SHOW PARTITIONS, polled every few ms,
/// shows one of a wave's new partitions not visible yet (VisibleVersion 1: the load that
/// created it is not published). Returns the partitions seen then. A wave whose partitions
/// all became visible unseen is followed by the next one, `CATCH_ATTEMPTS` at most.
async fn wave_until_caught_creating_partitions(
    conn: &mut Conn,
    feed: &mut Feed,
) -> anyhow::Result<Vec<(String, i64)>> {
    for _ in 0..CATCH_ATTEMPTS {
        let known = feed.days as usize;
        feed.wave(DAYS_PER_WAVE).await?;
        let d = Deadline::after(T);
        loop {
            let last = partitions(conn).await;
            if let Ok(p) = &last {
                if p.len() > known && p.iter().any(|(_, v)| *v == 1) {
                    return Ok(p.clone());
                }
                if p.len() == feed.days as usize && p.iter().all(|(_, v)| *v >= 2) {
                    eprintln!("wave {}: its load was not caught, one more", feed.wave - 1);
                    break;
                }
            }
            if d.expired() {
                panic!(
                    "wave {} never loaded; last SHOW PARTITIONS: {last:?}",
                    feed.wave - 1
                );
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    panic!("{CATCH_ATTEMPTS} waves of new days loaded without a load seen creating partitions");
}

/// Waits until every row produced is visible once and the job's Progress covers every offset,
/// then checks every invariant of the module doc; `replicas` is the table's replication_num.
async fn assert_loaded_once_with_whole_partitions(
    cluster: &Cluster,
    conn: &mut Conn,
    feed: &Feed,
    replicas: u64,
) {
    let n = feed.produced();
    must_count(conn, TABLE, n, T).await;
    let progress = feed.progress();
    let d = Deadline::after(T);
    loop {
        let last = show_routine_load(conn, "d.j").await;
        if matches!(&last, Ok(Some(row)) if row["Progress"] == progress) {
            break;
        }
        if !d.wait().await {
            panic!("Progress never became {progress}; last row: {last:?}");
        }
    }
    assert_rows(conn, feed).await;

    // One partition per day, StarRocks's name and the day's range, loaded (visible above the
    // initial version 1).
    let parts = must_query(conn, &format!("SHOW PARTITIONS FROM {TABLE}")).await;
    let names: Vec<&str> = (0..parts.rows.len())
        .map(|i| parts.get(i, "PartitionName").unwrap())
        .collect();
    let want: Vec<String> = (0..feed.days).map(partition_name).collect();
    assert_eq!(names, want, "partitions: {:?}", parts.rows);
    for i in 0..parts.rows.len() {
        let row = &parts.rows[i];
        assert_eq!(parts.get(i, "State"), Some("NORMAL"), "{row:?}");
        let v: i64 = parts.get(i, "VisibleVersion").unwrap().parse().unwrap();
        assert!(v >= 2, "partition never made visible: {row:?}");
        assert_eq!(
            parts.get(i, "Range").unwrap(),
            format!(
                "[types: [DATETIME]; keys: [{} 00:00:00]; ..types: [DATETIME]; keys: [{} 00:00:00]; )",
                day(i as i64),
                day(i as i64 + 1)
            ),
            "{row:?}"
        );
    }
    // Every partition of the catalog has its tablets: BUCKETS x replicas each.
    let backends = must_query(conn, "SHOW BACKENDS").await;
    let tablets: u64 = (0..backends.rows.len())
        .map(|i| {
            backends
                .get(i, "TabletNum")
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    assert_eq!(
        tablets,
        feed.days as u64 * BUCKETS * replicas,
        "tablet replicas in SHOW BACKENDS: {:?}",
        backends.rows
    );
    // ... and the BEs hold them: every tablet on `replicas` BEs, each replica at its
    // partition's visible version.
    let versions: Vec<i64> = (0..parts.rows.len())
        .map(|i| parts.get(i, "VisibleVersion").unwrap().parse().unwrap())
        .collect();
    wait_replicas_converged(cluster, &versions, replicas as usize).await;
}

/// Every tablet's visible version on the BE listening on `be_port`, as its heartbeat answer
/// reports it (0 while a clone of it is pending). A heartbeat without backend id and FE
/// address changes nothing on the BE.
async fn tablet_versions(be_port: u16) -> anyhow::Result<BTreeMap<i64, i64>> {
    let mut c = BackendServiceClient::connect(format!("http://127.0.0.1:{be_port}")).await?;
    let resp = c.heartbeat(HeartbeatRequest::default()).await?.into_inner();
    Ok(resp
        .tablet_versions
        .iter()
        .map(|t| (t.tablet_id, t.version))
        .collect())
}

/// Polls the BEs until the loaded tablets (version 2 and above: a tablet created for a
/// partition that never reached the catalog stays at the initial 1) are `BUCKETS` per
/// partition, each on `replicas` BEs, every replica at its partition's visible version
/// (`partition_versions`, from SHOW PARTITIONS).
async fn wait_replicas_converged(cluster: &Cluster, partition_versions: &[i64], replicas: usize) {
    let mut want: Vec<i64> = partition_versions
        .iter()
        .flat_map(|v| std::iter::repeat_n(*v, BUCKETS as usize))
        .collect();
    want.sort_unstable();
    let want = &want;
    poll_until(
        "every replica at its partition's visible version",
        T,
        move || async move {
            let mut tablets: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
            for be in &cluster.bes {
                for (t, v) in tablet_versions(be.be_port).await? {
                    if v >= 2 {
                        tablets.entry(t).or_default().push(v);
                    }
                }
            }
            let mut got = Vec::with_capacity(tablets.len());
            for (t, vs) in &tablets {
                if vs.len() != replicas || vs.iter().any(|v| *v != vs[0]) {
                    anyhow::bail!("tablet {t}: replica versions {vs:?}");
                }
                got.push(vs[0]);
            }
            got.sort_unstable();
            if got != *want {
                anyhow::bail!("loaded tablets at versions {got:?}, want {want:?}");
            }
            Ok(Some(()))
        },
    )
    .await
    .unwrap();
}

/// The row checks: exactly the ids `0..n`, the rows of each day (one GROUP BY over every
/// partition, then each day's partition on its own, through pruning).
async fn assert_rows(conn: &mut Conn, feed: &Feed) {
    let n = feed.produced();
    let out = must_query(
        conn,
        &format!("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM {TABLE}"),
    )
    .await;
    let want = vec![
        n.to_string(),
        n.to_string(),
        "0".to_string(),
        (n - 1).to_string(),
    ];
    assert_eq!(out.rows, vec![want], "count, distinct ids, min and max id");
    let by_day = must_query(conn, BY_DAY).await;
    assert_eq!(by_day.rows, per_day_rows(feed), "rows per day");
    for (&i, &c) in &feed.per_day {
        let sql = format!(
            "SELECT count(*) FROM {TABLE} WHERE dt >= '{} 00:00:00' AND dt < '{} 00:00:00'",
            day(i),
            day(i + 1)
        );
        let got = must_query(conn, &sql).await;
        assert_eq!(got.rows, vec![vec![c.to_string()]], "{sql}");
    }
}

/// The expected `day, count` rows, in day order.
fn per_day_rows(feed: &Feed) -> Vec<Vec<String>> {
    feed.per_day
        .iter()
        .map(|(i, c)| vec![day(*i), c.to_string()])
        .collect()
}

/// The BeId of a task of the job that runs with a transaction (SHOW ROUTINE LOAD TASK).
async fn running_task_be(conn: &mut Conn) -> Option<String> {
    let out: QueryOutput = query(conn, "SHOW ROUTINE LOAD TASK FROM d WHERE JobName = \"j\"")
        .await
        .ok()?;
    (0..out.rows.len()).find_map(|i| {
        let (txn, be) = (out.get(i, "TxnId")?, out.get(i, "BeId")?);
        (txn != "-1" && be != "-1").then(|| be.to_string())
    })
}

/// A broker, a cluster and the job `d.j` (tables with `replication_num` replicas) that has
/// loaded a first wave of days.
async fn start_loaded(replication_num: u32) -> anyhow::Result<(Broker, Cluster, Conn, Feed)> {
    let broker = Broker::start().await?;
    broker.create_topic(TOPIC, KAFKA_PARTITIONS).await?;
    let cluster = Cluster::start_with(options()).await?;
    let mut conn = cluster.conn().await?;
    let mut feed = Feed::new(&broker)?;
    feed.wave(DAYS_PER_WAVE).await?;
    setup(&mut conn, &broker, replication_num).await;
    must_count(&mut conn, TABLE, feed.produced(), T).await;
    Ok((broker, cluster, conn, feed))
}

/// 1. kill -9 of the FE while a load creates partitions; restarted, the job loads the rest
///    (two more waves of new days, produced while the FE was down).
#[tokio::test(flavor = "multi_thread")]
async fn fe_killed_while_a_load_creates_partitions() -> anyhow::Result<()> {
    let (_broker, mut cluster, mut conn, mut feed) = start_loaded(1).await?;

    // Ten new days; the FE is killed in the middle of the load that creates them.
    let seen = wave_until_caught_creating_partitions(&mut conn, &mut feed).await?;
    cluster.kill_fe();
    eprintln!(
        "FE killed with {} partitions, {} not visible yet",
        seen.len(),
        seen.iter().filter(|(_, v)| *v == 1).count()
    );
    // Two more waves of new days while it is down.
    feed.wave(DAYS_PER_WAVE).await?;
    feed.wave(DAYS_PER_WAVE).await?;
    cluster.restart_fe().await?;
    conn = cluster.conn().await?;
    assert_loaded_once_with_whole_partitions(&cluster, &mut conn, &feed, 1).await;
    must_reach_state(&mut conn, "d.j", "RUNNING", T).await;
    Ok(())
}

/// 2. kill -9 of a BE (a task's coordinator, and a replica of every tablet) while a load
///    creates partitions. While it is down, rows of days whose partitions exist keep loading
///    (2 of 3 replicas are a quorum) and new days wait (their partitions need three alive
///    BEs); restarted, everything is loaded once, more new days too, and its replicas
///    converge.
#[tokio::test(flavor = "multi_thread")]
async fn be_killed_while_a_load_creates_partitions() -> anyhow::Result<()> {
    let (_broker, mut cluster, mut conn, mut feed) = start_loaded(3).await?;

    // Ten new days; the BE running a task is killed in the middle of the load that creates
    // them.
    let seen = wave_until_caught_creating_partitions(&mut conn, &mut feed).await?;
    let be_id = running_task_be(&mut conn).await;
    let victim = match &be_id {
        Some(id) => cluster.be_index_of(id).await?.unwrap_or(0),
        None => 0,
    };
    cluster.kill_be(victim);
    eprintln!(
        "BE {victim} (task BE {be_id:?}) killed with {} partitions, {} not visible yet",
        seen.len(),
        seen.iter().filter(|(_, v)| *v == 1).count()
    );
    cluster
        .wait_backend_alive(victim, false, Duration::from_secs(30))
        .await?;
    // Rows of the days so far: they load on the two others if every day's partition was
    // created before the kill.
    feed.wave(0).await?;
    if partitions(&mut conn).await?.len() == feed.days as usize {
        must_count(&mut conn, TABLE, feed.produced(), T).await;
    } else {
        eprintln!("some partitions of the caught wave wait for the BE");
    }
    // Ten new days: they wait for the BE. Ten more once it is back.
    feed.wave(DAYS_PER_WAVE).await?;
    cluster.restart_be(victim).await?;
    feed.wave(DAYS_PER_WAVE).await?;
    assert_loaded_once_with_whole_partitions(&cluster, &mut conn, &feed, 3).await;
    must_reach_state(&mut conn, "d.j", "RUNNING", T).await;

    // The restarted BE alone serves every row: its replicas caught up (published or cloned)
    // with the data, not only the version numbers.
    must_exec(&mut conn, "STOP ROUTINE LOAD FOR d.j").await;
    let others: Vec<usize> = (0..3).filter(|i| *i != victim).collect();
    for &i in &others {
        cluster.kill_be(i);
    }
    for &i in &others {
        cluster
            .wait_backend_alive(i, false, Duration::from_secs(30))
            .await?;
    }
    let want = per_day_rows(&feed);
    let want: Vec<Vec<&str>> = want
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let want: Vec<&[&str]> = want.iter().map(Vec::as_slice).collect();
    must_eventually_rows(&mut conn, BY_DAY, &want, T).await;
    assert_rows(&mut conn, &feed).await;
    Ok(())
}
