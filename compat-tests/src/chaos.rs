//! The fault campaign (issue 15): a real cluster of 3 FEs, 3 BEs and a broker; per trial a
//! fresh topic, table and routine load job, a producer writing unique ids at a bounded rate,
//! and a nemesis that at random moments kills (-9) or pauses (SIGSTOP) the leader FE, a
//! follower FE, a BE or the broker and then brings it back, or cuts the network: the leader
//! FE from the other FEs, a BE from everything, the broker from every BE (each process in its
//! own network namespace, see [`crate::netns`]; without root the network faults are left out
//! and the campaign says so). After each trial the table must hold exactly the topic's ids
//! (each once), the job's progress must equal the topic's end offsets, and the offset ledger
//! (SHOW ROUTINE LOAD TXN) must cover each partition from 0 to its end with contiguous,
//! non-overlapping ranges whose LoadedRows add up to the rows found. Seeded: the same seed
//! makes the same decisions.

use crate::broker::{consume_all, high_watermarks, Producer};
use crate::netns::Network;
use crate::poll::Deadline;
use crate::sql::{query, show_routine_load, QueryOutput};
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
    PauseFollower,
    KillBackend,
    PauseBackend,
    KillBroker,
    PauseBroker,
    /// The leader FE cut from the other FEs (BEs and clients still reach it).
    PartitionLeader,
    /// A BE cut from every process.
    IsolateBackend,
    /// The broker cut from every BE (FEs still reach it).
    CutBrokerFromBackends,
}

impl Fault {
    pub const ALL: [Fault; 11] = [
        Fault::KillLeader,
        Fault::KillFollower,
        Fault::PauseLeader,
        Fault::PauseFollower,
        Fault::KillBackend,
        Fault::PauseBackend,
        Fault::KillBroker,
        Fault::PauseBroker,
        Fault::PartitionLeader,
        Fault::IsolateBackend,
        Fault::CutBrokerFromBackends,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::KillLeader => "kill-9 leader FE",
            Fault::KillFollower => "kill-9 follower FE",
            Fault::PauseLeader => "SIGSTOP leader FE",
            Fault::PauseFollower => "SIGSTOP follower FE",
            Fault::KillBackend => "kill-9 BE",
            Fault::PauseBackend => "SIGSTOP BE",
            Fault::KillBroker => "kill-9 broker",
            Fault::PauseBroker => "SIGSTOP broker",
            Fault::PartitionLeader => "net cut leader FE|other FEs",
            Fault::IsolateBackend => "net cut BE|all",
            Fault::CutBrokerFromBackends => "net cut broker|BEs",
        }
    }

    /// The fault's name on the command line (`--kinds`).
    pub fn token(self) -> &'static str {
        match self {
            Fault::KillLeader => "kill-leader",
            Fault::KillFollower => "kill-follower",
            Fault::PauseLeader => "pause-leader",
            Fault::PauseFollower => "pause-follower",
            Fault::KillBackend => "kill-be",
            Fault::PauseBackend => "pause-be",
            Fault::KillBroker => "kill-broker",
            Fault::PauseBroker => "pause-broker",
            Fault::PartitionLeader => "cut-leader",
            Fault::IsolateBackend => "cut-be",
            Fault::CutBrokerFromBackends => "cut-broker",
        }
    }

    /// Parses a comma-separated `--kinds` list of [`Fault::token`]s.
    pub fn parse_list(list: &str) -> Result<Vec<Fault>, String> {
        list.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                Fault::ALL
                    .into_iter()
                    .find(|f| f.token() == t)
                    .ok_or_else(|| {
                        let known: Vec<&str> = Fault::ALL.iter().map(|f| f.token()).collect();
                        format!("unknown fault kind '{t}' (known: {})", known.join(", "))
                    })
            })
            .collect()
    }

    /// Needs the processes in network namespaces.
    pub fn is_network(self) -> bool {
        matches!(
            self,
            Fault::PartitionLeader | Fault::IsolateBackend | Fault::CutBrokerFromBackends
        )
    }

    /// The faults a campaign draws from.
    pub fn available(network: bool) -> Vec<Fault> {
        Fault::ALL
            .into_iter()
            .filter(|f| network || !f.is_network())
            .collect()
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
    /// Longest SIGSTOP or network cut, seconds (at least 5).
    pub max_pause_secs: u64,
    /// Messages per second.
    pub rate: u64,
    /// The faults drawn from; empty: every fault the machine allows.
    pub kinds: Vec<Fault>,
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
    /// Seconds from each FE fault until a metadata write succeeded again, by fault.
    pub write_recovery_s: Vec<(Fault, f64)>,
    /// Offset ledger check (None: contiguous from 0 to the end offsets, rows add up).
    pub ledger_error: Option<String>,
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
            && self.ledger_error.is_none()
    }
}

const PARTITIONS: i32 = 3;

/// Runs the campaign; prints one line per trial and the summary; returns (passed, failed).
pub async fn run(s: &Settings) -> Result<(usize, usize)> {
    let mut rng = Prng::new(s.seed);
    println!("fault campaign: seed {}, {} trials", s.seed, s.trials);
    let net = match Network::create() {
        Ok(n) => Some(Arc::new(n)),
        Err(e) => {
            println!("network faults left out: {e:#}");
            None
        }
    };
    let faults: Vec<Fault> = Fault::available(net.is_some())
        .into_iter()
        .filter(|f| s.kinds.is_empty() || s.kinds.contains(f))
        .collect();
    if faults.is_empty() {
        bail!(
            "none of the chosen fault kinds can be injected here (network faults need namespaces)"
        );
    }
    let (mut broker, opts) = match &net {
        Some(n) => (
            Broker::start_in(n).await?,
            ClusterOptions::new(3).network(n.clone()),
        ),
        None => (Broker::start().await?, ClusterOptions::new(3)),
    };
    let mut c = Cluster::start_with(opts).await?;
    c.add_followers(2).await?;
    let mut conn = c.conn_fe(c.leader_index().await?).await?;
    query(&mut conn, "CREATE DATABASE chaos").await?;
    drop(conn);
    let next_id = Arc::new(AtomicI64::new(1));
    let (mut passed, mut failed) = (0, 0);
    let mut all_recovery = Vec::new();
    for t in 0..s.trials {
        let r = trial(s, t, &mut rng, &faults, &mut c, &mut broker, &next_id).await;
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
            "trial {t}: faults [{}] rows expected {} found {} missing {} duplicated {} unexpected {} progress {} ledger {} write recovery {:?}s catch-up {:.1}s => {}{}",
            faults.join(", "),
            r.expected,
            r.found,
            r.missing,
            r.duplicated,
            r.unexpected,
            if r.progress_ok { "ok" } else { "WRONG" },
            r.ledger_error.as_deref().unwrap_or("ok"),
            r.write_recovery_s
                .iter()
                .map(|(_, x)| (x * 10.0).round() / 10.0)
                .collect::<Vec<_>>(),
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
        restore_all(&mut c, &mut broker, net.as_deref()).await?;
    }
    let mut kinds: Vec<Fault> = all_recovery.iter().map(|(f, _)| *f).collect();
    kinds.sort();
    kinds.dedup();
    let mut lines = vec![(
        "FE faults".to_string(),
        all_recovery.iter().map(|(_, x)| *x).collect::<Vec<f64>>(),
    )];
    for k in kinds {
        let xs = all_recovery
            .iter()
            .filter(|(f, _)| *f == k)
            .map(|(_, x)| *x)
            .collect();
        lines.push((k.name().to_string(), xs));
    }
    for (what, mut xs) in lines {
        if xs.is_empty() {
            continue;
        }
        xs.sort_by(|a, b| a.total_cmp(b));
        let pct = |p: f64| xs[((xs.len() - 1) as f64 * p).round() as usize];
        println!(
            "write recovery after {what}: n {} median {:.2}s p99 {:.2}s max {:.2}s",
            xs.len(),
            pct(0.5),
            pct(0.99),
            xs[xs.len() - 1]
        );
    }
    println!("{passed} passed, {failed} failed");
    Ok((passed, failed))
}

async fn restore_all(c: &mut Cluster, broker: &mut Broker, net: Option<&Network>) -> Result<()> {
    if let Some(n) = net {
        n.heal_all()?;
    }
    broker.pause(false).ok();
    for i in 0..c.bes.len() {
        c.pause_be(i, false).ok();
    }
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
    c.wait_frontends_voting(Duration::from_secs(120)).await?;
    // The next trial creates a table with 3 replicas: every BE must be back in the FE's
    // view, not only running (after a cut, until the FE's heartbeat reaches it again).
    c.wait_backends_alive().await
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
            let conn = tokio::time::timeout(Duration::from_secs(3), c.conn_fe(i)).await;
            if let Ok(Ok(mut conn)) = conn {
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

/// How long a SIGSTOP or a network cut lasts: 5 s to `max_pause_secs`.
fn hold(s: &Settings, rng: &mut Prng) -> Duration {
    Duration::from_secs(rng.range(5, s.max_pause_secs.max(5)))
}

/// Injects `fault` and brings everything back before returning; FE faults record how long
/// until a metadata write succeeded again (on an FE other than the one hit).
async fn inject(
    s: &Settings,
    rng: &mut Prng,
    fault: Fault,
    c: &mut Cluster,
    broker: &mut Broker,
    probe: &str,
    report: &mut TrialReport,
) -> Result<()> {
    let restart_after = Duration::from_millis(rng.range(500, 3000));
    match fault {
        Fault::KillLeader | Fault::KillFollower => {
            let l = c.leader_index().await?;
            let victim = if fault == Fault::KillLeader {
                l
            } else {
                (l + 1 + rng.range(0, 1) as usize) % c.fe_count()
            };
            c.kill_fe_at(victim);
            let r = until_writable(c, Some(victim), probe).await?;
            report.write_recovery_s.push((fault, r));
            tokio::time::sleep(restart_after).await;
            c.restart_fe_at(victim).await?;
        }
        Fault::PauseLeader | Fault::PauseFollower => {
            let l = c.leader_index().await?;
            let victim = if fault == Fault::PauseLeader {
                l
            } else {
                (l + 1 + rng.range(0, 1) as usize) % c.fe_count()
            };
            let pause = hold(s, rng);
            c.pause_fe_at(victim, true)?;
            let paused_at = Instant::now();
            let r = until_writable(c, Some(victim), probe).await?;
            report.write_recovery_s.push((fault, r));
            if let Some(rest) = pause.checked_sub(paused_at.elapsed()) {
                tokio::time::sleep(rest).await;
            }
            c.pause_fe_at(victim, false)?;
        }
        Fault::PartitionLeader => {
            let net = c
                .network()
                .cloned()
                .context("network fault without a network")?;
            let l = c.leader_index().await?;
            let cut = hold(s, rng);
            let leader = c.fe_at(l).net.clone().context("FE outside the network")?;
            for i in (0..c.fe_count()).filter(|i| *i != l) {
                let other = c.fe_at(i).net.clone().context("FE outside the network")?;
                net.cut(&leader, &other)?;
            }
            let cut_at = Instant::now();
            let r = until_writable(c, Some(l), probe).await?;
            report.write_recovery_s.push((fault, r));
            if let Some(rest) = cut.checked_sub(cut_at.elapsed()) {
                tokio::time::sleep(rest).await;
            }
            net.heal(&leader)?;
        }
        Fault::KillBackend => {
            let b = rng.range(0, c.bes.len() as u64 - 1) as usize;
            c.kill_be(b);
            tokio::time::sleep(restart_after).await;
            c.restart_be(b).await?;
        }
        Fault::PauseBackend => {
            let b = rng.range(0, c.bes.len() as u64 - 1) as usize;
            let pause = hold(s, rng);
            c.pause_be(b, true)?;
            tokio::time::sleep(pause).await;
            c.pause_be(b, false)?;
        }
        Fault::IsolateBackend => {
            let net = c
                .network()
                .cloned()
                .context("network fault without a network")?;
            let b = rng.range(0, c.bes.len() as u64 - 1) as usize;
            let node = c.bes[b].net.clone().context("BE outside the network")?;
            let cut = hold(s, rng);
            net.set_attached(&node, false)?;
            tokio::time::sleep(cut).await;
            net.set_attached(&node, true)?;
        }
        Fault::KillBroker => {
            broker.stop();
            tokio::time::sleep(restart_after).await;
            broker.restart().await?;
        }
        Fault::PauseBroker => {
            let pause = hold(s, rng);
            broker.pause(true)?;
            tokio::time::sleep(pause).await;
            broker.pause(false)?;
        }
        Fault::CutBrokerFromBackends => {
            let net = c
                .network()
                .cloned()
                .context("network fault without a network")?;
            let kafka = broker
                .net()
                .cloned()
                .context("broker outside the network")?;
            let cut = hold(s, rng);
            for be in &c.bes {
                let node = be.net.clone().context("BE outside the network")?;
                net.cut(&kafka, &node)?;
            }
            tokio::time::sleep(cut).await;
            net.heal(&kafka)?;
        }
    }
    Ok(())
}

async fn trial(
    s: &Settings,
    t: usize,
    rng: &mut Prng,
    faults: &[Fault],
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
        let fault = faults[rng.range(0, faults.len() as u64 - 1) as usize];
        *report.faults.entry(fault.name()).or_default() += 1;
        let probe = format!("chaos_probe_{}_{t}_{k}", s.seed);
        inject(s, rng, fault, c, broker, &probe, &mut report).await?;
    }
    if let Some(rest) = window.checked_sub(started.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    stop.store(true, Ordering::SeqCst);
    producer.await.ok();
    let net = c.network().cloned();
    restore_all(c, broker, net.as_deref()).await?;

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
    let ledger = query(&mut conn, &format!("SHOW ROUTINE LOAD TXN FOR {job}"))
        .await
        .context("SHOW ROUTINE LOAD TXN")?;
    report.ledger_error = check_ledger(&ledger, &ends, report.found).err();
    query(&mut conn, &format!("STOP ROUTINE LOAD FOR {job}"))
        .await
        .ok();
    Ok(report)
}

/// `0:[0,5) 1:[3,9)` -> [(0, 0, 5), (1, 3, 9)].
fn parse_offsets(text: &str) -> Result<Vec<(i32, i64, i64)>, String> {
    text.split_whitespace()
        .map(|part| {
            let bad = || format!("bad offsets {text:?}");
            let (p, range) = part.split_once(':').ok_or_else(bad)?;
            let range = range
                .strip_prefix('[')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(bad)?;
            let (from, to) = range.split_once(',').ok_or_else(bad)?;
            Ok((
                p.parse().map_err(|_| bad())?,
                from.trim().parse().map_err(|_| bad())?,
                to.trim().parse().map_err(|_| bad())?,
            ))
        })
        .collect()
}

/// The offset ledger of a finished trial, independently of progress: per partition, the
/// ranges of its transactions (in txn id order) are non-empty, contiguous and without
/// overlap, start at 0 (the topic is new, the job reads from the beginning) and end at the
/// partition's end offset; their LoadedRows add up to the rows found in the table.
fn check_ledger(out: &QueryOutput, ends: &[i64], found: usize) -> Result<(), String> {
    let col = |name: &str| {
        out.col(name)
            .ok_or_else(|| format!("SHOW ROUTINE LOAD TXN has no {name}"))
    };
    let (txn_c, off_c, loaded_c) = (col("TxnId")?, col("Offsets")?, col("LoadedRows")?);
    let mut rows = Vec::new();
    for r in &out.rows {
        let txn: i64 = r[txn_c]
            .parse()
            .map_err(|_| format!("TxnId {:?}", r[txn_c]))?;
        let loaded: i64 = r[loaded_c]
            .parse()
            .map_err(|_| format!("LoadedRows {:?}", r[loaded_c]))?;
        rows.push((txn, parse_offsets(&r[off_c])?, loaded));
    }
    rows.sort_by_key(|r| r.0);
    let mut next: BTreeMap<i32, i64> = BTreeMap::new();
    let mut loaded_sum = 0;
    for (txn, ranges, loaded) in &rows {
        loaded_sum += loaded;
        for (p, from, to) in ranges {
            if from >= to {
                return Err(format!(
                    "txn {txn} partition {p}: empty range [{from},{to})"
                ));
            }
            let want = next.get(p).copied().unwrap_or(0);
            if *from != want {
                let what = if *from > want { "gap" } else { "overlap" };
                return Err(format!(
                    "txn {txn} partition {p}: {what}: [{from},{to}) after {want}"
                ));
            }
            next.insert(*p, *to);
        }
    }
    for (p, end) in ends.iter().enumerate() {
        let covered = next.get(&(p as i32)).copied().unwrap_or(0);
        if covered != *end {
            return Err(format!(
                "partition {p}: ledger ends at {covered}, topic at {end}"
            ));
        }
    }
    if loaded_sum != found as i64 {
        return Err(format!("ledger LoadedRows {loaded_sum}, table {found}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_kinds_parse_by_token() {
        assert_eq!(
            Fault::parse_list("kill-leader, cut-be").unwrap(),
            vec![Fault::KillLeader, Fault::IsolateBackend]
        );
        for f in Fault::ALL {
            assert_eq!(Fault::parse_list(f.token()).unwrap(), vec![f]);
        }
        let e = Fault::parse_list("kill-leader,kill-everything").unwrap_err();
        assert!(e.contains("'kill-everything'"), "{e}");
    }

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

    fn txn_rows(rows: &[(&str, &str, &str)]) -> QueryOutput {
        QueryOutput {
            columns: vec!["TxnId".into(), "Offsets".into(), "LoadedRows".into()],
            rows: rows
                .iter()
                .map(|(a, b, c)| vec![a.to_string(), b.to_string(), c.to_string()])
                .collect(),
        }
    }

    #[test]
    fn ledger_ranges_must_be_contiguous_and_complete() {
        // Newest first, as SHOW ROUTINE LOAD TXN lists them.
        let ok = txn_rows(&[
            ("12", "0:[5,9) 1:[4,6)", "6"),
            ("11", "0:[0,5) 1:[0,4)", "9"),
        ]);
        assert_eq!(check_ledger(&ok, &[9, 6], 15), Ok(()));
        assert!(check_ledger(&ok, &[9, 6], 14)
            .unwrap_err()
            .contains("LoadedRows"));
        assert!(check_ledger(&ok, &[10, 6], 15)
            .unwrap_err()
            .contains("ends at 9"));
        let gap = txn_rows(&[("12", "0:[6,9)", "3"), ("11", "0:[0,5)", "5")]);
        assert!(check_ledger(&gap, &[9], 8).unwrap_err().contains("gap"));
        let overlap = txn_rows(&[("12", "0:[4,9)", "5"), ("11", "0:[0,5)", "5")]);
        assert!(check_ledger(&overlap, &[9], 10)
            .unwrap_err()
            .contains("overlap"));
        let empty = txn_rows(&[("11", "0:[0,0)", "0")]);
        assert!(check_ledger(&empty, &[0], 0).unwrap_err().contains("empty"));
        assert!(parse_offsets("0:[0,5").is_err());
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
