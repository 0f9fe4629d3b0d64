//! The background probe behind `SHOW ROUTINE LOAD LAG` (see `lag`): for every job that no task
//! reported on lately (PAUSED, idle, or waiting on a dead broker), and for every partition that
//! is behind with no known next-message time, asks Kafka for the log start offset, the end
//! offset at the job's isolation level (the LSO under `read_committed`), the high watermark
//! (`read_uncommitted`), and reads the next unread message's timestamp (a consumer assigned at
//! the committed offset; nothing is committed to Kafka, the job's progress does not move).
//!
//! It also reads each job's topic retention settings (`retention.ms`, `retention.bytes`:
//! DescribeConfigs, once a minute per job) for the retention horizon, and sets the OtherMsg
//! warning of jobs whose unread messages retention may delete within
//! `routine_load_retention_warning_second` (`lag::retention_warning`).
//!
//! One job at a time, each call bounded by `routine_load_kafka_timeout_second` (and at most
//! [`PROBE_TIMEOUT`]); SHOW never waits for it.

use super::context::RoutineLoadContext;
use super::lag::PartitionObs;
use super::scheduler::source_of;
use crate::clock::now_ms;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Period of the probe loop; observations younger than two periods are not refreshed.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(3);
/// Upper bound of one Kafka call of the probe.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// One partition's answer: log start, LSO, HW (-1 unknown), next unread message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probed {
    pub partition: i32,
    pub log_start: i64,
    pub lso: i64,
    pub hw: i64,
    pub next_msg: Option<(i64, i64)>,
}

/// Spawns the probe loop (started with the scheduler).
pub fn start(ctx: Arc<RoutineLoadContext>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(PROBE_INTERVAL).await;
            round(&ctx).await;
        }
    })
}

/// Which partitions of a job need a probe at `now_ms`, with their committed offsets.
pub fn due(
    obs: &BTreeMap<i32, PartitionObs>,
    committed: &[(i32, i64)],
    now_ms: i64,
) -> Vec<(i32, i64)> {
    let stale_ms = 2 * PROBE_INTERVAL.as_millis() as i64;
    committed
        .iter()
        .filter(|(_, c)| *c >= 0)
        .filter(|(p, c)| match obs.get(p) {
            None => true,
            Some(o) => {
                let stale = now_ms - o.observed_ms >= stale_ms;
                let behind = o.lso.is_some_and(|l| l > *c);
                let next_unknown = o.next_msg.is_none_or(|(off, _)| off < *c);
                stale || (behind && next_unknown)
            }
        })
        .copied()
        .collect()
}

/// How often a job's topic retention settings are read again (DescribeConfigs).
pub const RETENTION_REFRESH_MS: i64 = 60_000;

/// Sets the lag gauges of every unfinished job from the last observations, and each job's
/// OtherMsg retention warning.
fn emit_metrics(ctx: &RoutineLoadContext) {
    let cfg = ctx.config.get();
    let sr = cfg
        .enable_routine_load_lag_metrics
        .then_some(cfg.min_routine_load_lag_for_metrics);
    let now = now_ms();
    let mut warnings = Vec::new();
    for e in ctx.routine_load.snapshot() {
        if e.job.state.is_final() {
            if e.retention_warning.is_some() {
                warnings.push((e.job.id, None));
            }
            continue;
        }
        let rows = ctx.routine_load.lag.rows(&e.job, now);
        let w = super::lag::retention_warning(&rows, cfg.routine_load_retention_warning_second);
        if w != e.retention_warning {
            warnings.push((e.job.id, w));
        }
        crate::telemetry::RoutineLoadLagObserved {
            job_name: &e.job.name,
            max_offset_lag: rows.iter().filter_map(|r| r.offset_lag).max().unwrap_or(0),
            max_time_lag_ms: rows.iter().filter_map(|r| r.time_lag_ms).max(),
            min_retention_horizon_s: rows.iter().filter_map(|r| r.retention_horizon_s).min(),
            starrocks_lag_metric: sr,
        }
        .emit();
    }
    if !warnings.is_empty() {
        let mut jobs = ctx.routine_load.lock();
        for (id, w) in warnings {
            if let Some(e) = jobs.get_mut(&id) {
                e.retention_warning = w;
            }
        }
    }
}

/// Reads the topic retention settings of jobs whose last read is older than
/// [`RETENTION_REFRESH_MS`] (one DescribeConfigs per job, bounded by `timeout`).
async fn refresh_retention(ctx: &RoutineLoadContext, timeout: Duration) {
    for e in ctx.routine_load.snapshot() {
        if e.job.state.is_final() {
            continue;
        }
        let fresh = ctx
            .routine_load
            .lag
            .retention(e.job.id)
            .is_some_and(|(at, _)| now_ms() - at < RETENTION_REFRESH_MS);
        if fresh {
            continue;
        }
        match super::kafka_meta::topic_retention(&source_of(&e.job), timeout).await {
            Ok(r) => ctx.routine_load.lag.set_retention(e.job.id, r, now_ms()),
            Err(err) => {
                tracing::debug!(job = e.job.id, error = %err, "DescribeConfigs failed.");
            }
        }
    }
}

async fn round(ctx: &Arc<RoutineLoadContext>) {
    emit_metrics(ctx);
    let timeout =
        Duration::from_secs(ctx.config.get().routine_load_kafka_timeout_second.max(1) as u64)
            .min(PROBE_TIMEOUT);
    refresh_retention(ctx, timeout).await;
    for e in ctx.routine_load.snapshot() {
        if e.job.state.is_final() {
            continue;
        }
        let obs = ctx.routine_load.lag.get(e.job.id);
        let parts = due(&obs, &e.job.progress.offsets, now_ms());
        if parts.is_empty() {
            continue;
        }
        let src = source_of(&e.job);
        let brokers = src.brokers.clone();
        let topic = src.topic.clone();
        let props = src.properties.clone();
        let outer = timeout.saturating_mul(4) + Duration::from_secs(1);
        let job_parts = parts.clone();
        let res = tokio::time::timeout(
            outer,
            tokio::task::spawn_blocking(move || {
                probe_blocking(&brokers, &topic, &props, &job_parts, timeout)
            }),
        )
        .await;
        let probed = match res {
            Ok(Ok(Ok(p))) => p,
            Ok(Ok(Err(err))) => {
                tracing::debug!(job = e.job.id, error = %err, "Lag probe failed.");
                continue;
            }
            _ => continue,
        };
        let now = now_ms();
        for p in probed {
            ctx.routine_load.lag.update(e.job.id, p.partition, |o| {
                o.observe_probe(p.log_start, p.lso, p.hw, now);
                if p.next_msg.is_some() {
                    o.next_msg = p.next_msg;
                }
            });
        }
    }
}

fn client(
    brokers: &str,
    props: &BTreeMap<String, String>,
    extra: &[(&str, &str)],
) -> Result<BaseConsumer, String> {
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", brokers)
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .set("api.version.request", "true");
    for (k, v) in props {
        cfg.set(k, v);
    }
    if !props.contains_key("group.id") {
        cfg.set("group.id", "starload_fe_lag_probe");
    }
    for (k, v) in extra {
        cfg.set(*k, *v);
    }
    cfg.create::<BaseConsumer>().map_err(|e| e.to_string())
}

/// Asks Kafka about `parts` (`(partition, committed offset)`); see the module doc.
pub fn probe_blocking(
    brokers: &str,
    topic: &str,
    props: &BTreeMap<String, String>,
    parts: &[(i32, i64)],
    timeout: Duration,
) -> Result<Vec<Probed>, String> {
    let reader = client(brokers, props, &[])?;
    let raw = client(brokers, props, &[("isolation.level", "read_uncommitted")])?;
    let mut out = Vec::with_capacity(parts.len());
    for &(p, _) in parts {
        let (lo, end) = reader
            .fetch_watermarks(topic, p, timeout)
            .map_err(|e| e.to_string())?;
        let hw = raw
            .fetch_watermarks(topic, p, timeout)
            .map(|(_, h)| h)
            .unwrap_or(-1);
        out.push(Probed {
            partition: p,
            log_start: lo,
            lso: end,
            hw,
            next_msg: None,
        });
    }
    // The next unread message of each partition that is behind.
    let mut tpl = TopicPartitionList::new();
    let mut want: BTreeMap<i32, i64> = BTreeMap::new();
    for (&(p, c), pr) in parts.iter().zip(out.iter()) {
        if pr.lso > c {
            let from = c.max(pr.log_start);
            tpl.add_partition_offset(topic, p, Offset::Offset(from))
                .map_err(|e| e.to_string())?;
            want.insert(p, c);
        }
    }
    if want.is_empty() {
        return Ok(out);
    }
    reader.assign(&tpl).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + timeout;
    while !want.is_empty() && Instant::now() < deadline {
        match reader.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                let p = m.partition();
                if want.remove(&p).is_some() {
                    let ts = m.timestamp().to_millis().unwrap_or(-1);
                    if let Some(pr) = out.iter_mut().find(|x| x.partition == p) {
                        if ts > 0 {
                            pr.next_msg = Some((m.offset(), ts));
                        }
                    }
                }
            }
            Some(Err(e)) => tracing::debug!(error = %e, "Lag probe fetch error."),
            None => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_stale_or_behind_partitions_only() {
        let now = 100_000;
        let fresh_caught_up = PartitionObs {
            lso: Some(10),
            observed_ms: now - 1000,
            ..Default::default()
        };
        let fresh_behind_known = PartitionObs {
            lso: Some(10),
            observed_ms: now - 1000,
            next_msg: Some((5, 1)),
            ..Default::default()
        };
        let obs = BTreeMap::from([(0, fresh_caught_up), (1, fresh_behind_known)]);
        assert!(due(&obs, &[(0, 10), (1, 5)], now).is_empty());
        // Progress moved past the probed message: its time says nothing any more.
        assert_eq!(due(&obs, &[(1, 6)], now), vec![(1, 6)]);
        // Unknown partition, stale observation, unresolved offsets.
        assert_eq!(due(&obs, &[(2, 0)], now), vec![(2, 0)]);
        assert_eq!(due(&obs, &[(0, 10)], now + 10_000), vec![(0, 10)]);
        assert!(due(&obs, &[(3, -2)], now).is_empty());
    }
}
