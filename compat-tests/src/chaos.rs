//! The fault campaign (issue 15): a real cluster of 3 FEs, 3 BEs and a broker; per trial a
//! fresh topic, table and routine load job, a producer writing unique ids at a bounded rate,
//! and a nemesis that at random moments kills (-9) or pauses (SIGSTOP) the leader FE, a
//! follower FE, a BE or the broker and then brings it back. After each trial the table must
//! hold exactly the topic's ids (each once), and the job's progress must equal the topic's
//! end offsets. Seeded: the same seed makes the same decisions.

use crate::broker::{consume_all, high_watermarks, Producer};
use crate::poll::Deadline;
use crate::sql::{query, show_routine_load};
use crate::{Broker, Cluster, ClusterOptions};
use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A small seeded generator (xorshift64*): decisions repeat for a seed, no dependency.
pub struct Prng(u64);

impl Prng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
}

/// One fault the nemesis injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    KillLeader,
    KillFollower,
    PauseLeader,
    KillBackend,
    KillBroker,
}

impl Fault {
    pub const ALL: [Fault; 5] = [
        Fault::KillLeader,
        Fault::KillFollower,
        Fault::PauseLeader,
        Fault::KillBackend,
        Fault::KillBroker,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::KillLeader => "kill-9 leader FE",
            Fault::KillFollower => "kill-9 follower FE",
            Fault::PauseLeader => "SIGSTOP leader FE",
            Fault::KillBackend => "kill-9 BE",
            Fault::KillBroker => "kill-9 broker",
        }
    }
}

/// Campaign settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub trials: usize,
    pub seed: u64,
    /// How long the producer writes per trial.
    pub produce_secs: u64,
    /// Faults per trial.
    pub faults_per_trial: usize,
    /// Longest SIGSTOP, seconds (at least 5).
    pub max_pause_secs: u64,
    /// Messages per second.
    pub rate: u64,
}

/// What one trial found.
#[derive(Debug, Default)]
pub struct TrialReport {
    pub faults: BTreeMap<&'static str, usize>,
    pub expected: usize,
    pub found: usize,
    pub missing: usize,
    pub duplicated: usize,
    pub unexpected: usize,
    /// Seconds from each FE fault until a metadata write succeeded again.
    pub write_recovery_s: Vec<f64>,
    /// Seconds from the end of production until the table held every row.
    pub catch_up_s: f64,
    pub progress_ok: bool,
    pub error: Option<String>,
}

impl TrialReport {
    pub fn passed(&self) -> bool {
        self.error.is_none()
            && self.missing == 0
            && self.duplicated == 0
            && self.unexpected == 0
            && self.progress_ok
    }
}

const PARTITIONS: i32 = 3;

/// Runs the campaign; prints one line per trial and the summary; returns (passed, failed).
pub async fn run(s: &Settings) -> Result<(usize, usize)> {
    let mut rng = Prng::new(s.seed);
    println!("fault campaign: seed {}, {} trials", s.seed, s.trials);
    let mut broker = Broker::start().await?;
    let mut c = Cluster::start_with(ClusterOptions::new(3)).await?;
    c.add_followers(2).await?;
    let mut conn = c.conn_fe(c.leader_index().await?).await?;
    query(&mut conn, "CREATE DATABASE chaos").await?;
    drop(conn);
    let next_id = Arc::new(AtomicI64::new(1));
    let (mut passed, mut failed) = (0, 0);
    let mut all_recovery = Vec::new();
    for t in 0..s.trials {
        let r = trial(s, t, &mut rng, &mut c, &mut broker, &next_id).await;
        let r = match r {
            Ok(r) => r,
            Err(e) => TrialReport {
                error: Some(format!("{e:#}")),
                ..Default::default()
            },
        };
        all_recovery.extend(r.write_recovery_s.iter().copied());
        let faults: Vec<String> = r.faults.iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!(
            "trial {t}: faults [{}] rows expected {} found {} missing {} duplicated {} unexpected {} progress {} write recovery {:?}s catch-up {:.1}s => {}{}",
            faults.join(", "),
            r.expected,
            r.found,
            r.missing,
            r.duplicated,
            r.unexpected,
            if r.progress_ok { "ok" } else { "WRONG" },
            r.write_recovery_s.iter().map(|x| (x * 10.0).round() / 10.0).collect::<Vec<_>>(),
            r.catch_up_s,
            if r.passed() { "PASS" } else { "FAIL" },
            r.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default(),
        );
        if r.passed() {
            passed += 1;
        } else {
            failed += 1;
        }
        // Whatever a failed trial left behind: every process runs for the next one.
        restore_all(&mut c, &mut broker).await?;
    }
    if !all_recovery.is_empty() {
        all_recovery.sort_by(|a, b| a.total_cmp(b));
        let pct = |p: f64| all_recovery[((all_recovery.len() - 1) as f64 * p).round() as usize];
        println!(
            "write recovery after FE faults: n {} median {:.2}s p99 {:.2}s max {:.2}s",
            all_recovery.len(),
            pct(0.5),
            pct(0.99),
            all_recovery[all_recovery.len() - 1]
        );
    }
    println!("{passed} passed, {failed} failed");
    Ok((passed, failed))
}

async fn restore_all(c: &mut Cluster, broker: &mut Broker) -> Result<()> {
    if !broker.running() {
        broker.restart().await?;
    }
    for i in 0..c.fe_count() {
        c.pause_fe_at(i, false).ok();
        if !c.fe_running_at(i) {
            c.restart_fe_at(i).await?;
        }
    }
    for i in 0..c.bes.len() {
        if !c.be_running(i) {
            c.restart_be(i).await?;
        }
    }
    c.wait_frontends_voting(Duration::from_secs(120)).await
}

/// Polls the FEs (other than `skip`) until one accepts a metadata write.
async fn until_writable(c: &Cluster, skip: Option<usize>, probe: &str) -> Result<f64> {
    let started = Instant::now();
    let d = Deadline::after(Duration::from_secs(120));
    loop {
        for i in 0..c.fe_count() {
            if Some(i) == skip || !c.fe_listed_running(i) {
                continue;
            }
            if let Ok(mut conn) = c.conn_fe(i).await {
                let sql = format!("CREATE DATABASE IF NOT EXISTS {probe}");
                if tokio::time::timeout(Duration::from_secs(3), query(&mut conn, &sql))
                    .await
                    .is_ok_and(|r| r.is_ok())
                {
                    return Ok(started.elapsed().as_secs_f64());
                }
            }
        }
        if !d.wait().await {
            bail!("no FE accepted a write within 120s after a fault");
        }
    }
}

async fn trial(
    s: &Settings,
    t: usize,
    rng: &mut Prng,
    c: &mut Cluster,
    broker: &mut Broker,
    next_id: &Arc<AtomicI64>,
) -> Result<TrialReport> {
    let mut report = TrialReport::default();
    let topic = format!("chaos_{}_{t}", s.seed);
    let table = format!("chaos.t{t}");
    broker.create_topic(&topic, PARTITIONS).await?;
    let entry = rng.range(0, c.fe_count() as u64 - 1) as usize;
    let mut conn = c.conn_fe(entry).await?;
    query(
        &mut conn,
        &format!(
            "CREATE TABLE {table} (id BIGINT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 3 \
             PROPERTIES (\"replication_num\" = \"3\")"
        ),
    )
    .await
    .context("create table")?;
    query(
        &mut conn,
        &format!(
            "CREATE ROUTINE LOAD chaos.job{t} ON t{t} COLUMNS (id) \
             PROPERTIES (\"max_batch_interval\" = \"5\") FROM KAFKA (\"kafka_broker_list\" = \"{}\", \
             \"kafka_topic\" = \"{topic}\", \"property.kafka_default_offsets\" = \"OFFSET_BEGINNING\")",
            broker.bootstrap()
        ),
    )
    .await
    .context("create job")?;
    drop(conn);

    // The producer: `rate` ids per second in batches every 100 ms, round robin over the
    // partitions; a failed batch is sent again (the topic, read back at the end, is the truth).
    let stop = Arc::new(AtomicBool::new(false));
    let producer = {
        let stop = stop.clone();
        let next_id = next_id.clone();
        let bootstrap = broker.bootstrap();
        let topic = topic.clone();
        let per_tick = (s.rate / 10).max(1) as i64;
        tokio::spawn(async move {
            let mut p = 0i32;
            while !stop.load(Ordering::SeqCst) {
                let first = next_id.fetch_add(per_tick, Ordering::SeqCst);
                let ids: Vec<String> = (first..first + per_tick).map(|i| i.to_string()).collect();
                loop {
                    let sent = match Producer::new(&bootstrap) {
                        Ok(prod) => prod.send(&topic, p, &ids).await.is_ok(),
                        Err(_) => false,
                    };
                    if sent || stop.load(Ordering::SeqCst) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                p = (p + 1) % PARTITIONS;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    // The nemesis: `faults_per_trial` faults at random moments within the production window.
    let window = Duration::from_secs(s.produce_secs);
    let started = Instant::now();
    let mut at: Vec<u64> = (0..s.faults_per_trial)
        .map(|_| rng.range(1, s.produce_secs.saturating_sub(2).max(1)))
        .collect();
    at.sort();
    for (k, secs) in at.iter().enumerate() {
        let when = Duration::from_secs(*secs);
        if let Some(wait) = when.checked_sub(started.elapsed()) {
            tokio::time::sleep(wait).await;
        }
        let fault = Fault::ALL[rng.range(0, Fault::ALL.len() as u64 - 1) as usize];
        *report.faults.entry(fault.name()).or_default() += 1;
        let probe = format!("chaos_probe_{}_{t}_{k}", s.seed);
        match fault {
            Fault::KillLeader => {
                let l = c.leader_index().await?;
                c.kill_fe_at(l);
                report
                    .write_recovery_s
                    .push(until_writable(c, Some(l), &probe).await?);
                tokio::time::sleep(Duration::from_millis(rng.range(500, 3000))).await;
                c.restart_fe_at(l).await?;
            }
            Fault::KillFollower => {
                let l = c.leader_index().await?;
                let f = (l + 1 + rng.range(0, 1) as usize) % c.fe_count();
                c.kill_fe_at(f);
                report
                    .write_recovery_s
                    .push(until_writable(c, Some(f), &probe).await?);
                tokio::time::sleep(Duration::from_millis(rng.range(500, 3000))).await;
                c.restart_fe_at(f).await?;
            }
            Fault::PauseLeader => {
                let l = c.leader_index().await?;
                c.pause_fe_at(l, true)?;
                let pause = Duration::from_secs(rng.range(5, s.max_pause_secs.max(5)));
                let paused_at = Instant::now();
                report
                    .write_recovery_s
                    .push(until_writable(c, Some(l), &probe).await?);
                if let Some(rest) = pause.checked_sub(paused_at.elapsed()) {
                    tokio::time::sleep(rest).await;
                }
                c.pause_fe_at(l, false)?;
            }
            Fault::KillBackend => {
                let b = rng.range(0, c.bes.len() as u64 - 1) as usize;
                c.kill_be(b);
                tokio::time::sleep(Duration::from_millis(rng.range(500, 3000))).await;
                c.restart_be(b).await?;
            }
            Fault::KillBroker => {
                broker.stop();
                tokio::time::sleep(Duration::from_millis(rng.range(500, 3000))).await;
                broker.restart().await?;
            }
        }
    }
    if let Some(rest) = window.checked_sub(started.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    stop.store(true, Ordering::SeqCst);
    producer.await.ok();
    restore_all(c, broker).await?;

    // Ground truth: the topic read back to its end offsets.
    let payloads = consume_all(&broker.bootstrap(), &topic, PARTITIONS).await?;
    let ends = high_watermarks(&broker.bootstrap(), &topic, PARTITIONS).await?;
    let mut want: HashMap<i64, usize> = HashMap::new();
    for part in &payloads {
        for p in part {
            let id: i64 = String::from_utf8_lossy(p)
                .trim()
                .parse()
                .context("id payload")?;
            *want.entry(id).or_default() += 1;
        }
    }
    report.expected = want.values().sum();
    let caught_up = Instant::now();
    let progress_want: BTreeMap<String, String> = (0..PARTITIONS)
        .map(|p| (p.to_string(), (ends[p as usize] - 1).to_string()))
        .collect();
    let d = Deadline::after(Duration::from_secs(240));
    let l = c.leader_index().await?;
    let mut conn = c.conn_fe(l).await?;
    let job = format!("chaos.job{t}");
    loop {
        let prog = show_routine_load(&mut conn, &job)
            .await
            .ok()
            .flatten()
            .and_then(|r| r.get("Progress").cloned())
            .and_then(|p| serde_json::from_str::<BTreeMap<String, String>>(&p).ok());
        if prog.as_ref() == Some(&progress_want) {
            report.progress_ok = true;
            break;
        }
        if !d.wait().await {
            report.error = Some(format!(
                "progress {prog:?} never reached the end offsets {progress_want:?}"
            ));
            break;
        }
    }
    report.catch_up_s = caught_up.elapsed().as_secs_f64();
    // Read every loaded id from an FE other than the leader (followers serve reads). Progress
    // moves when a transaction commits; its rows are visible once published, so the table is
    // polled until it holds as many rows as the topic (or a minute passes): a row that never
    // shows up is missing, one that shows up twice is duplicated.
    let reader = (l + 1) % c.fe_count();
    let mut rconn = c.conn_fe(reader).await?;
    let count_sql = format!("SELECT count(*) FROM {table}");
    let visible = Deadline::after(Duration::from_secs(60));
    loop {
        let n: usize = query(&mut rconn, &count_sql)
            .await
            .ok()
            .and_then(|o| {
                o.rows
                    .first()
                    .and_then(|r| r.first())
                    .and_then(|v| v.parse().ok())
            })
            .unwrap_or(0);
        if n >= report.expected || !visible.wait().await {
            break;
        }
    }
    let out = query(
        &mut rconn,
        &format!("SELECT id, count(*) FROM {table} GROUP BY id"),
    )
    .await
    .context("read back")?;
    let mut got: HashMap<i64, usize> = HashMap::new();
    for r in &out.rows {
        got.insert(r[0].parse()?, r[1].parse()?);
    }
    report.found = got.values().sum();
    for (id, n) in &want {
        let g = got.get(id).copied().unwrap_or(0);
        if g < *n {
            report.missing += n - g;
        } else if g > *n {
            report.duplicated += g - n;
        }
    }
    report.unexpected = got
        .iter()
        .filter(|(id, _)| !want.contains_key(id))
        .map(|(_, n)| n)
        .sum();
    query(&mut conn, &format!("STOP ROUTINE LOAD FOR {job}"))
        .await
        .ok();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prng_is_seeded_and_in_range() {
        let mut a = Prng::new(7);
        let mut b = Prng::new(7);
        for _ in 0..1000 {
            let x = a.range(3, 9);
            assert_eq!(x, b.range(3, 9));
            assert!((3..=9).contains(&x));
        }
        assert_ne!(Prng::new(1).next_u64(), Prng::new(2).next_u64());
    }

    #[test]
    fn a_trial_passes_only_when_exact() {
        let ok = TrialReport {
            progress_ok: true,
            ..Default::default()
        };
        assert!(ok.passed());
        let dup = TrialReport {
            progress_ok: true,
            duplicated: 1,
            ..Default::default()
        };
        assert!(!dup.passed());
        assert!(!TrialReport::default().passed());
    }
}
