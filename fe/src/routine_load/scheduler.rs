//! The routine-load scheduler (StarRocks `RoutineLoadScheduler` + `RoutineLoadTaskScheduler`,
//! spec §4). One loop, woken by job changes or every 500 ms; config values are read every
//! round (`ADMIN SET FRONTEND CONFIG` applies at once).
//!
//! Job round (every `routine_load_scheduler_interval_ms`, and at once for NEED_SCHEDULE jobs):
//! db/table existence (CANCELLED), partition discovery, NEED_SCHEDULE -> prepare (resolve
//! OFFSET_BEGINNING/OFFSET_END, concurrency, round-robin division, RUNNING), task timeouts
//! (renewal), auto-resume, retention of final jobs and finished transactions, transaction
//! timeouts. Task round: each due task is checked for new data (high watermarks, off the SHOW
//! path), given a BE slot, a transaction, and submitted.

use super::context::RoutineLoadContext;
use super::job::{code, divide_partitions, ErrorReason, JobState, RoutineLoadJob};
use super::kafka_meta::{self, KafkaSource};
use super::properties::{Format, OFFSET_BEGINNING_VAL, OFFSET_END_VAL};
use super::task::RoutineLoadTask;
use super::txn_callback::{self, renew_task};
use super::JobEntry;
use crate::clock::now_ms;
use crate::cluster::partition_routing;
use crate::config::FeConfig;
use starload_proto::be::{
    ColumnMapping, DataFormat, KafkaLoadInfo, LoadSpec, SubmitRoutineLoadTaskRequest,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Idle period of the loop.
const TICK: Duration = Duration::from_millis(500);

/// Spawns the scheduler loop.
pub fn start(ctx: Arc<RoutineLoadContext>) -> tokio::task::JoinHandle<()> {
    super::lag_probe::start(ctx.clone());
    tokio::spawn(async move {
        let mut last_job_round = 0i64;
        loop {
            let cfg = ctx.config.get();
            let now = now_ms();
            let full = now - last_job_round >= cfg.routine_load_scheduler_interval_ms;
            if full {
                last_job_round = now;
            }
            // Only the leader schedules (`ha::leadership` sets it active once it took over).
            if ctx.routine_load.meta().is_active_leader() {
                job_round(&ctx, &cfg, now, full);
                task_round(&ctx, &cfg, now);
            }
            tokio::select! {
                _ = ctx.routine_load.wake.notified() => {}
                _ = tokio::time::sleep(TICK) => {}
            }
        }
    })
}

/// The Kafka source of a job.
pub fn source_of(job: &RoutineLoadJob) -> KafkaSource {
    KafkaSource {
        brokers: job.kafka.broker_list.clone(),
        topic: job.kafka.topic.clone(),
        properties: job.kafka.rdkafka_properties(),
    }
}

/// Partition -> the first offset a task of `job` reads: the job's progress, else its default
/// offset, with OFFSET_BEGINNING / OFFSET_END resolved to the partition's watermarks (one
/// metadata request for all unresolved partitions). PREVIEW shows what `prepare` would do, so
/// both use this.
pub async fn resolve_start_offsets(
    job: &RoutineLoadJob,
    src: &KafkaSource,
    partitions: &[i32],
    timeout: Duration,
) -> Result<Vec<(i32, i64)>, String> {
    let default = job.kafka.default_offset();
    let mut wanted: Vec<(i32, i64)> = partitions
        .iter()
        .map(|p| (*p, job.progress.get(*p).unwrap_or(default)))
        .collect();
    let unresolved: Vec<i32> = wanted
        .iter()
        .filter(|(_, o)| *o == OFFSET_BEGINNING_VAL || *o == OFFSET_END_VAL)
        .map(|(p, _)| *p)
        .collect();
    if !unresolved.is_empty() {
        for (p, lo, hi) in kafka_meta::watermarks(src, &unresolved, timeout).await? {
            if let Some(w) = wanted.iter_mut().find(|(wp, _)| *wp == p) {
                w.1 = if w.1 == OFFSET_BEGINNING_VAL { lo } else { hi };
            }
        }
    }
    Ok(wanted)
}

fn kafka_timeout(cfg: &FeConfig) -> Duration {
    Duration::from_secs(cfg.routine_load_kafka_timeout_second.max(1) as u64)
}

fn job_round(ctx: &Arc<RoutineLoadContext>, cfg: &FeConfig, now: i64, full: bool) {
    let mut to_prepare = Vec::new();
    let mut to_discover = Vec::new();
    {
        let mut jobs = ctx.routine_load.lock();
        for e in jobs.values_mut() {
            if e.job.state.is_final() {
                continue;
            }
            // The target must still exist (RoutineLoadJob.update).
            if ctx.catalog.get_db_by_id(e.job.db_id).is_none() {
                let r = ErrorReason::new(code::DB_ERR, format!("db {}not exist", e.job.db_id));
                let mut next = e.clone();
                next.change_state(JobState::CANCELLED, Some(r), now);
                if ctx.routine_load.persist(&next.job).is_ok() {
                    *e = next;
                }
                continue;
            }
            if ctx.catalog.get_table_by_id(e.job.table_id).is_none() {
                let r = ErrorReason::new(code::TABLE_ERR, "table not exist");
                let mut next = e.clone();
                next.change_state(JobState::CANCELLED, Some(r), now);
                if ctx.routine_load.persist(&next.job).is_ok() {
                    *e = next;
                }
                continue;
            }
            if super::bounded::reached_end(&e.job) && !e.job.state.is_final() {
                let mut next = e.clone();
                next.stop_at_end(now);
                if ctx.routine_load.persist(&next.job).is_ok() {
                    *e = next;
                }
                continue;
            }
            match e.job.state {
                JobState::NEED_SCHEDULE if !e.preparing => {
                    e.preparing = true;
                    to_prepare.push(e.job.id);
                }
                JobState::RUNNING
                    if full && e.job.kafka.partition_offsets.is_empty() && !e.preparing =>
                {
                    e.preparing = true;
                    to_discover.push(e.job.id);
                }
                JobState::PAUSED if full => auto_resume(ctx, e, cfg, now),
                _ => {}
            }
            if e.job.state == JobState::RUNNING {
                // processTimeoutTasks: renew timed-out tasks; their txns are aborted by the
                // transaction timeout and a late report is rejected.
                for i in 0..e.tasks.len() {
                    if e.tasks[i].is_timed_out(now) {
                        let at = now + e.job.props.max_batch_interval_s * 1000;
                        tracing::warn!(job = e.job.id, task = %e.tasks[i].id, "Task timed out, renewed.");
                        renew_task(e, i, at, None);
                    }
                }
            }
        }
    }
    for id in to_prepare {
        let ctx = ctx.clone();
        tokio::spawn(async move { prepare(&ctx, id).await });
    }
    for id in to_discover {
        let ctx = ctx.clone();
        tokio::spawn(async move { discover(&ctx, id).await });
    }
    // Transactions the BE never reported (or whose task was renewed) time out.
    for t in ctx.txn.timed_out(now) {
        let reason = "timeout by txn manager";
        let ctx2 = ctx.clone();
        let res = {
            let mut jobs = ctx2.routine_load.lock();
            let mut job_after = jobs.get(&t.job_id).map(|e| e.job.clone());
            if let Some(j) = job_after.as_mut() {
                j.stat.aborted_task_num += 1;
            }
            let r = ctx.txn.abort(t.txn_id, reason, |b| match &job_after {
                Some(j) => super::RoutineLoadManager::put_job(b, j),
                None => Ok(()),
            });
            if r.is_ok() {
                if let (Some(j), Some(e)) = (job_after, jobs.get_mut(&t.job_id)) {
                    e.job = j;
                    // The task (if still current) is renewed from the unchanged progress.
                    if let Some(i) = e.tasks.iter().position(|x| x.txn_id == t.txn_id) {
                        let at = now + e.job.props.max_batch_interval_s * 1000;
                        renew_task(
                            e,
                            i,
                            at,
                            Some(format!("previous task aborted because of {reason}")),
                        );
                    }
                }
            }
            r
        };
        if let Ok(t) = res {
            txn_callback::notify_abort(ctx, &t);
        }
    }
    if full {
        if let Err(e) = ctx
            .routine_load
            .remove_expired(now, cfg.label_keep_max_second)
        {
            tracing::warn!(error = %e, "Removing expired jobs failed.");
        }
        if let Err(e) = ctx.txn.remove_expired(now, cfg.label_keep_max_second) {
            tracing::warn!(error = %e, "Removing expired transactions failed.");
        }
        let live: Vec<i64> = ctx.routine_load.lock().keys().copied().collect();
        let keep = cfg.routine_load_txn_ledger_keep_second;
        if let Err(e) = super::txn_ledger::prune(ctx.routine_load.meta(), &live, now, keep) {
            tracing::warn!(error = %e, "Removing expired offset ledger records failed.");
        }
    }
}

/// `ScheduleRule.isNeedAutoSchedule` (spec §3.6).
fn auto_resume(ctx: &RoutineLoadContext, e: &mut JobEntry, cfg: &FeConfig, now: i64) {
    let Some(r) = &e.job.pause_reason else {
        return;
    };
    if r.code != code::REPLICA_FEW_ERR || e.job.auto_resume.locked {
        return;
    }
    let dead = ctx
        .cluster
        .backends()
        .iter()
        .filter(|b| !b.status.alive)
        .count() as i64;
    if dead > cfg.max_tolerable_backend_down_num {
        return;
    }
    let mut next = e.clone();
    let ar = &mut next.job.auto_resume;
    let window = cfg.period_of_auto_resume_min.saturating_mul(60_000);
    if ar.count == 0 || now - ar.first_ms > window {
        ar.count = 1;
        ar.first_ms = now;
    } else if ar.count >= 3 {
        ar.locked = true;
        if ctx.routine_load.persist(&next.job).is_ok() {
            *e = next;
        }
        return;
    } else {
        ar.count += 1;
    }
    next.change_state(JobState::NEED_SCHEDULE, None, now);
    if ctx.routine_load.persist(&next.job).is_ok() {
        *e = next;
    }
}

fn pause(ctx: &RoutineLoadContext, job_id: i64, reason: ErrorReason) {
    let now = now_ms();
    let _ = ctx.routine_load.update(job_id, |e| {
        if !e.job.state.is_final() && e.job.state != JobState::PAUSED {
            e.change_state(JobState::PAUSED, Some(reason), now);
        }
        e.preparing = false;
        Ok(())
    });
}

fn done_preparing(ctx: &RoutineLoadContext, job_id: i64) {
    let mut jobs = ctx.routine_load.lock();
    if let Some(e) = jobs.get_mut(&job_id) {
        e.preparing = false;
    }
}

/// Partition discovery for a RUNNING job without explicit partitions: a changed set sends
/// the job back to NEED_SCHEDULE (tasks re-divided); fetch errors leave it running.
async fn discover(ctx: &Arc<RoutineLoadContext>, job_id: i64) {
    let Some(e) = ctx.routine_load.get(job_id) else {
        return;
    };
    let cfg = ctx.config.get();
    let fetched = kafka_meta::partitions(&source_of(&e.job), kafka_timeout(&cfg)).await;
    let now = now_ms();
    let _ = ctx.routine_load.update(job_id, |e| {
        e.preparing = false;
        e.last_discovery_ms = now;
        let Ok(parts) = fetched else {
            return Ok(());
        };
        if e.job.state != JobState::RUNNING {
            return Ok(());
        }
        let mut cur = e.job.current_partitions.clone();
        cur.sort();
        if cur != parts {
            let default = e.job.kafka.default_offset();
            for p in &parts {
                if !e.job.progress.contains(*p) {
                    e.job.progress.set(*p, default);
                }
            }
            e.job.current_partitions = parts;
            e.change_state(JobState::NEED_SCHEDULE, None, now);
        }
        Ok(())
    });
}

/// `prepare()` + `divideRoutineLoadJob` of a NEED_SCHEDULE job.
async fn prepare(ctx: &Arc<RoutineLoadContext>, job_id: i64) {
    let Some(e) = ctx.routine_load.get(job_id) else {
        return;
    };
    let cfg = ctx.config.get();
    let src = source_of(&e.job);
    let timeout = kafka_timeout(&cfg);
    // Either Kafka metadata request failing pauses the job with StarRocks's text.
    let fetch_failed = |err: String| {
        pause(
            ctx,
            job_id,
            ErrorReason::new(
                code::PARTITIONS_ERR,
                format!("Job failed to fetch all current partition with error [{err}]"),
            ),
        )
    };
    // Partitions: explicit ones must exist in the topic; otherwise take the topic's.
    let topic_parts = match kafka_meta::partitions(&src, timeout).await {
        Ok(p) => p,
        Err(err) => return fetch_failed(err),
    };
    let explicit = e.job.kafka.explicit_partitions();
    let current = if explicit.is_empty() {
        topic_parts.clone()
    } else {
        if let Some(p) = explicit.iter().find(|p| !topic_parts.contains(p)) {
            pause(
                ctx,
                job_id,
                ErrorReason::new(
                    code::INTERNAL_ERR,
                    format!(
                        "there is an invalid custom partition: {p} for topic: {}",
                        e.job.kafka.topic
                    ),
                ),
            );
            return;
        }
        explicit
    };
    let wanted = match resolve_start_offsets(&e.job, &src, &current, timeout).await {
        Ok(w) => w,
        Err(err) => return fetch_failed(err),
    };
    let alive = ctx.cluster.alive_backend_ids().len() as i64;
    let now = now_ms();
    let _ = ctx.routine_load.update(job_id, |e| {
        e.preparing = false;
        if e.job.state != JobState::NEED_SCHEDULE {
            return Ok(());
        }
        for (p, o) in &wanted {
            e.job.progress.set(*p, *o);
        }
        e.job.current_partitions = current.clone();
        let n = e
            .job
            .concurrency(alive, cfg.max_routine_load_task_concurrent_num);
        if n <= 0 {
            return Ok(());
        }
        e.job.current_task_concurrent_num = n;
        // StarRocks's divideRoutineLoadJob sets timeToExecuteMs = now + max_batch_interval, so
        // a new or resumed job loads nothing for its first 5+ s. starload runs the first tasks
        // at once (a job "starts in a blink"); renewed tasks keep StarRocks's timing.
        e.tasks = divide_partitions(&current, n as usize)
            .into_iter()
            .filter(|ps| !ps.is_empty())
            .map(|ps| {
                let offsets = ps
                    .iter()
                    .map(|p| (*p, e.job.progress.get(*p).unwrap_or(0)))
                    .collect();
                RoutineLoadTask::new(
                    e.job.id,
                    offsets,
                    now,
                    now,
                    e.job.props.task_timeout_second,
                    -1,
                )
            })
            .collect();
        if !e.tasks.is_empty() {
            e.change_state(JobState::RUNNING, None, now);
        }
        Ok(())
    });
    done_preparing(ctx, job_id);
}

fn task_round(ctx: &Arc<RoutineLoadContext>, cfg: &FeConfig, now: i64) {
    let alive = ctx.cluster.alive_backend_ids();
    let per_be = cfg.max_routine_load_task_num_per_be;
    let running: i64 = ctx.routine_load.running_tasks_per_be().values().sum();
    if alive.is_empty() || (alive.len() as i64) * per_be - running <= 0 {
        return;
    }
    let mut due = Vec::new();
    {
        let mut jobs = ctx.routine_load.lock();
        for e in jobs.values_mut() {
            if e.job.state != JobState::RUNNING {
                continue;
            }
            let interval_ms = e.job.props.max_batch_interval_s * 1000;
            for t in e.tasks.iter_mut() {
                if t.scheduling || t.is_running() || t.txn_id >= 0 || now < t.time_to_execute_ms {
                    continue;
                }
                if t.last_scheduled_ms > 0 && now - t.last_scheduled_ms < interval_ms {
                    continue;
                }
                t.scheduling = true;
                t.last_scheduled_ms = now;
                due.push((e.job.id, t.id));
            }
        }
    }
    for (job_id, task_id) in due {
        let ctx = ctx.clone();
        tokio::spawn(async move { schedule_task(&ctx, job_id, task_id).await });
    }
}

/// Sets fields of task `task_id` if it is still in the job.
fn with_task(
    ctx: &RoutineLoadContext,
    job_id: i64,
    task_id: Uuid,
    f: impl FnOnce(&mut JobEntry, usize),
) -> bool {
    let mut jobs = ctx.routine_load.lock();
    let Some(e) = jobs.get_mut(&job_id) else {
        return false;
    };
    let Some(i) = e.tasks.iter().position(|t| t.id == task_id) else {
        return false;
    };
    f(e, i);
    true
}

fn not_scheduled(ctx: &RoutineLoadContext, job_id: i64, task_id: Uuid, message: String) {
    with_task(ctx, job_id, task_id, |e, i| {
        e.tasks[i].scheduling = false;
        e.tasks[i].message = Some(message);
    });
}

/// Readiness, BE slot, transaction, submit (`RoutineLoadTaskScheduler.scheduleOneTask`).
async fn schedule_task(ctx: &Arc<RoutineLoadContext>, job_id: i64, task_id: Uuid) {
    let cfg = ctx.config.get();
    let Some(entry) = ctx.routine_load.get(job_id) else {
        return;
    };
    let Some(task) = entry.tasks.iter().find(|t| t.id == task_id).cloned() else {
        return;
    };
    let job = entry.job.clone();
    let interval_s = job.props.max_batch_interval_s;

    // a. Readiness: new data past some partition's offset?
    if !task.has_new_data_cached() {
        let parts: Vec<i32> = task.offsets.iter().map(|(p, _)| *p).collect();
        match kafka_meta::watermarks(&source_of(&job), &parts, kafka_timeout(&cfg)).await {
            Err(err) => {
                not_scheduled(
                    ctx,
                    job_id,
                    task_id,
                    format!("check task ready to execute failed, err: {err}"),
                );
                return;
            }
            Ok(w) => {
                let latest: Vec<(i32, i64)> = w.iter().map(|(p, _, hi)| (*p, *hi)).collect();
                let behind = task.offsets.iter().find_map(|(p, o)| {
                    latest
                        .iter()
                        .find(|(lp, hw)| lp == p && *hw < *o)
                        .map(|_| (*p, *o))
                });
                let ready = task
                    .offsets
                    .iter()
                    .any(|(p, o)| latest.iter().any(|(lp, hw)| lp == p && hw > o));
                ctx.routine_load.lag.observe_end(job_id, &w, now_ms());
                with_task(ctx, job_id, task_id, |e, i| {
                    for (p, hw) in &latest {
                        e.set_latest(*p, *hw);
                    }
                    e.tasks[i].latest_offsets = Some(latest.clone());
                });
                if let Some((p, o)) = behind {
                    pause(
                        ctx,
                        job_id,
                        ErrorReason::new(
                            code::TASKS_ABORT_ERR,
                            format!(
                                "fe abort task with reason: check task ready to execute failed, partition {p} offset {o} has no data"
                            ),
                        ),
                    );
                    return;
                }
                if !ready {
                    with_task(ctx, job_id, task_id, |e, i| {
                        e.unstable = None;
                        e.tasks[i].scheduling = false;
                        e.tasks[i].message = Some(format!(
                            "there is no new data in kafka/pulsar, wait for {interval_s} seconds to schedule again"
                        ));
                    });
                    return;
                }
            }
        }
    }

    // c. UNSTABLE substate from the timestamps of the last consumed messages.
    let threshold = cfg.routine_load_unstable_threshold_second;
    with_task(ctx, job_id, task_id, |e, _| {
        e.unstable = unstable_reason(&e.job, now_ms(), threshold);
    });

    // d. A BE slot (`choose_backend`), chosen and reserved in one hold of the jobs lock (see
    // `tasks_per_be`).
    let per_be = cfg.max_routine_load_task_num_per_be;
    let alive = ctx.cluster.alive_backend_ids();
    let be = {
        let mut jobs = ctx.routine_load.lock();
        let running = super::tasks_per_be(&jobs);
        let chosen = super::choose_backend(&alive, &running, task.prev_be_id, per_be);
        if let (Some(b), Some(t)) = (
            chosen,
            jobs.get_mut(&job_id)
                .and_then(|e| e.tasks.iter_mut().find(|t| t.id == task_id)),
        ) {
            t.be_id = b;
        }
        chosen
    };
    let Some(be_id) = be else {
        not_scheduled(
            ctx,
            job_id,
            task_id,
            format!(
                "failed to allocate be slot, wait for {interval_s} second to schedule again, you can set max_routine_load_task_num_per_be bigger in fe.conf, current value is {per_be}"
            ),
        );
        return;
    };

    // e. The transaction.
    let label = task.label(&job.name);
    let txn_id = match ctx.txn.begin(
        &label,
        job.db_id,
        job.table_id,
        job.id,
        &task.id.to_string(),
        task.timeout_s,
        be_id,
    ) {
        Ok(id) => id,
        Err(err) => {
            pause(
                ctx,
                job_id,
                ErrorReason::new(
                    code::CREATE_TASKS_ERR,
                    format!("failed to begin txn for task :{err}"),
                ),
            );
            return;
        }
    };
    // Attach it before the BE can report.
    let now = now_ms();
    let attached = {
        let mut jobs = ctx.routine_load.lock();
        match jobs.get_mut(&job_id) {
            Some(e) if e.job.state == JobState::RUNNING => {
                match e.tasks.iter_mut().find(|t| t.id == task_id) {
                    Some(t) => {
                        t.txn_id = txn_id;
                        t.be_id = be_id;
                        t.execute_start_ms = now;
                        t.scheduling = false;
                        t.message = Some("task submitted to execute".into());
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        }
    };
    if !attached {
        if let Ok(t) = ctx
            .txn
            .abort(txn_id, "task is not part of the job anymore", |_| Ok(()))
        {
            txn_callback::notify_abort(ctx, &t);
        }
        return;
    }

    // f. + g. Build and submit.
    let req = match build_request(ctx, &cfg, &job, &task, txn_id, &label) {
        Ok(r) => r,
        Err(err) => {
            fail_submitted(
                ctx,
                job_id,
                task_id,
                txn_id,
                format!("failed to create task: {err}"),
            );
            return;
        }
    };
    match ctx.cluster.submit_task(be_id, req).await {
        Err(err) => fail_submitted(
            ctx,
            job_id,
            task_id,
            txn_id,
            format!("failed to send task: {err}"),
        ),
        // The task's life at debug level (submitted, reported, visible, renewed): where the
        // time between two tasks of a partition goes.
        Ok(_) => tracing::debug!(job = job_id, txn = txn_id, be = be_id, "Task submitted."),
    }
}

/// `KafkaRoutineLoadJob.updateSubstate`: the first partition whose last consumed message is
/// older than the threshold makes the job UNSTABLE (code 105).
pub fn unstable_reason(job: &RoutineLoadJob, now_ms: i64, threshold_s: i64) -> Option<ErrorReason> {
    job.timestamp_progress.offsets.iter().find_map(|(p, stored)| {
        if *stored <= 0 {
            return None;
        }
        let lag = (now_ms - (stored - 1)) / 1000;
        (lag > threshold_s).then(|| {
            ErrorReason::new(
                code::SLOW_RUNNING_ERR,
                format!(
                    "The lag [{lag}] of partition [{p}] exceeds Config.routine_load_unstable_threshold_second [{threshold_s}]"
                ),
            )
        })
    })
}

/// A task that got a transaction but could not start: the transaction is aborted (a late
/// report is then rejected) and the task renewed after max_batch_interval.
fn fail_submitted(ctx: &RoutineLoadContext, job_id: i64, task_id: Uuid, txn_id: i64, msg: String) {
    let now = now_ms();
    let res = {
        let mut jobs = ctx.routine_load.lock();
        let mut next = jobs.get(&job_id).cloned();
        if let Some(e) = next.as_mut() {
            e.job.stat.aborted_task_num += 1;
            e.job.set_other_msg(&msg);
            if let Some(i) = e.tasks.iter().position(|t| t.id == task_id) {
                let at = now + e.job.props.max_batch_interval_s * 1000;
                renew_task(e, i, at, Some(msg.clone()));
            }
        }
        let r = ctx.txn.abort(txn_id, &msg, |b| match &next {
            Some(e) => super::RoutineLoadManager::put_job(b, &e.job),
            None => Ok(()),
        });
        if r.is_ok() {
            if let (Some(n), Some(e)) = (next, jobs.get_mut(&job_id)) {
                *e = n;
            }
        }
        r
    };
    if let Ok(t) = res {
        txn_callback::notify_abort(ctx, &t);
    }
    ctx.routine_load.wake.notify_one();
    tracing::warn!(job = job_id, task = %task_id, txn = txn_id, reason = %msg, "Task not started.");
}

/// Why a task's request could not be built (the task fails with `failed to create task: ..`).
#[derive(Debug, thiserror::Error)]
pub enum BuildRequestError {
    /// The job's table was dropped.
    #[error("table {0} not exist")]
    TableGone(i64),
    #[error(transparent)]
    Delimiter(#[from] DelimiterError),
}

/// A separator StarRocks's `Delimiter.convertDelimiter` rejects, with its texts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DelimiterError {
    #[error("Delimiter cannot be empty or null")]
    Empty,
    #[error("Invalid delimiter '{0}: empty hex string")]
    EmptyHex(String),
    #[error("Invalid delimiter '{0}: hex length must be a even number")]
    OddHex(String),
    #[error("Invalid delimiter '{0}': invalid hex format")]
    BadHex(String),
}

/// The byte form of a separator (`Delimiter.convertDelimiter`: `\x..`/`0x..` hex or literal).
pub fn delimiter_bytes(s: &str) -> Result<Vec<u8>, DelimiterError> {
    if s.is_empty() {
        return Err(DelimiterError::Empty);
    }
    let lower = s.to_ascii_lowercase();
    if let Some(hex) = lower
        .strip_prefix("\\x")
        .or_else(|| lower.strip_prefix("0x"))
    {
        if hex.is_empty() {
            return Err(DelimiterError::EmptyHex(s.to_string()));
        }
        if hex.len() % 2 != 0 {
            return Err(DelimiterError::OddHex(s.to_string()));
        }
        return (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| DelimiterError::BadHex(s.to_string()));
    }
    // StarRocks accepts the escapes \t and \n written in SQL text.
    Ok(match s {
        "\\t" => b"\t".to_vec(),
        "\\n" => b"\n".to_vec(),
        _ => s.as_bytes().to_vec(),
    })
}

/// The `SubmitRoutineLoadTask` request of a task (`KafkaTaskInfo.createRoutineLoadTask`).
/// The job's COLUMNS as the BE gets them: as written, or with the INCLUDE METADATA aliases
/// first (`load_desc::include_metadata::task_columns`).
fn include_metadata_columns(
    job: &RoutineLoadJob,
    table: &crate::catalog::table::Table,
) -> Vec<crate::routine_load::load_desc::ColumnItem> {
    match &job.load.metadata {
        Some(items) if !items.is_empty() => {
            let names: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
            crate::routine_load::load_desc::include_metadata::task_columns(
                items,
                job.load.columns.as_deref(),
                &names,
            )
        }
        _ => job.load.columns.clone().unwrap_or_default(),
    }
}

pub fn build_request(
    ctx: &RoutineLoadContext,
    cfg: &FeConfig,
    job: &RoutineLoadJob,
    task: &RoutineLoadTask,
    txn_id: i64,
    label: &str,
) -> Result<SubmitRoutineLoadTaskRequest, BuildRequestError> {
    let table = ctx
        .catalog
        .get_table_by_id(job.table_id)
        .ok_or(BuildRequestError::TableGone(job.table_id))?;
    let mut tablets = ctx.cluster.tablet_locations(&table);
    // `PARTITION(p1, p2)`: only those partitions are routed to; other rows are error rows.
    let only: Option<Vec<i64>> = job.load.partitions.as_ref().map(|parts| {
        table
            .partitions
            .iter()
            .filter(|p| parts.names.iter().any(|n| n.eq_ignore_ascii_case(&p.name)))
            .map(|p| p.id)
            .collect()
    });
    if let Some(ids) = &only {
        tablets.retain(|t| ids.contains(&t.partition_id));
    }
    let routing = partition_routing::routing(&table, only.as_deref());
    let p = &job.props;
    let format = match p.format {
        Format::Csv => DataFormat::Csv,
        Format::Json => DataFormat::Json,
        Format::Avro => DataFormat::Avro,
    };
    let load = LoadSpec {
        format: format as i32,
        column_separator: delimiter_bytes(job.load.column_separator.as_deref().unwrap_or("\t"))?,
        row_delimiter: delimiter_bytes(job.load.row_delimiter.as_deref().unwrap_or("\n"))?,
        columns: include_metadata_columns(job, &table)
            .iter()
            .map(|c| ColumnMapping {
                name: c.name.clone(),
                expr_sql: c.expr.clone().unwrap_or_default(),
            })
            .collect(),
        where_sql: job.load.where_sql.clone().unwrap_or_default(),
        jsonpaths: p.jsonpaths.clone(),
        json_root: p.json_root.clone(),
        strip_outer_array: p.strip_outer_array,
        strict_mode: p.strict_mode,
        timezone: p.timezone.clone(),
        max_filter_ratio: p.max_filter_ratio,
        trim_space: p.trim_space,
        enclose: p.enclose as u32,
        escape: p.escape as u32,
        log_rejected_record_num: p.log_rejected_record_num,
        partial_update: p.partial_update,
        merge_condition: p.merge_condition.clone().unwrap_or_default(),
        pause_on_fatal_parse_error: p.pause_on_fatal_parse_error,
        skip_on_fatal_parse_error: p.rejected.skip_on_fatal_parse_error,
        include_metadata: job
            .load
            .metadata
            .iter()
            .flatten()
            .map(|m| starload_proto::be::MetadataColumn {
                key: m.key.clone(),
                alias: m.alias.clone(),
            })
            .collect(),
    };
    let kafka = KafkaLoadInfo {
        brokers: job.kafka.broker_list.clone(),
        topic: job.kafka.topic.clone(),
        partition_begin_offset: task.offsets.iter().copied().collect(),
        partition_end_offset: super::bounded::end_offsets_of(&job.bound, &task.offsets),
        properties: job.kafka.rdkafka_properties().into_iter().collect(),
        confluent_schema_registry_url: job
            .kafka
            .confluent_schema_registry_url
            .clone()
            .unwrap_or_default(),
    };
    Ok(SubmitRoutineLoadTaskRequest {
        cluster_token: cfg.cluster_token.clone(),
        task_id: task.id.to_string(),
        job_id: job.id,
        job_name: job.name.clone(),
        txn_id,
        label: label.to_string(),
        db: job.db_name.clone(),
        table: job.table_name.clone(),
        table_id: job.table_id,
        schema: Some(table.tablet_schema()),
        tablets,
        kafka: Some(kafka),
        load: Some(load),
        max_interval_s: p.task_consume_second,
        max_batch_size_bytes: cfg.max_routine_load_batch_size,
        max_batch_rows: p.max_batch_rows,
        timeout_s: task.timeout_s,
        fe_host: cfg.priority_networks.clone(),
        fe_rpc_port: cfg.rpc_port as u32,
        backend: ctx.cluster.backend_addr(task.be_id),
        partitions: Some(routing),
        db_id: table.db_id,
        dead_letter: p.rejected.dead_letter_topic.as_ref().map(|topic| {
            starload_proto::be::DeadLetterTarget {
                topic: topic.clone(),
                brokers: p
                    .rejected
                    .dead_letter_broker_list
                    .clone()
                    .unwrap_or_else(|| job.kafka.broker_list.clone()),
            }
        }),
    })
}

/// Per-partition next offsets of a job, for tests and SHOW helpers.
pub fn progress_map(job: &RoutineLoadJob) -> BTreeMap<i32, i64> {
    job.progress.offsets.iter().copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unstable_when_the_last_message_is_old() {
        let mut job = crate::routine_load::job::tests::sample_job();
        assert!(unstable_reason(&job, 10_000_000, 3600).is_none());
        job.timestamp_progress.set(3, 1_000_001);
        assert!(unstable_reason(&job, 1_000_000 + 3_600_000, 3600).is_none());
        assert_eq!(
            unstable_reason(&job, 1_000_000 + 3_601_000, 3600).unwrap().to_string(),
            "ErrorReason{errCode = 105, msg='The lag [3601] of partition [3] exceeds Config.routine_load_unstable_threshold_second [3600]'}"
        );
    }

    #[test]
    fn delimiters() {
        assert_eq!(delimiter_bytes(",").unwrap(), b",");
        assert_eq!(delimiter_bytes("\\x01").unwrap(), vec![1u8]);
        assert_eq!(delimiter_bytes("0x0A0B").unwrap(), vec![10u8, 11]);
        assert_eq!(delimiter_bytes("\\t").unwrap(), b"\t");
        assert_eq!(
            delimiter_bytes("").unwrap_err().to_string(),
            "Delimiter cannot be empty or null"
        );
        assert_eq!(
            delimiter_bytes("\\x").unwrap_err().to_string(),
            "Invalid delimiter '\\x: empty hex string"
        );
        assert_eq!(
            delimiter_bytes("\\x123").unwrap_err().to_string(),
            "Invalid delimiter '\\x123: hex length must be a even number"
        );
        assert_eq!(
            delimiter_bytes("\\xzz").unwrap_err().to_string(),
            "Invalid delimiter '\\xzz': invalid hex format"
        );
    }
}
