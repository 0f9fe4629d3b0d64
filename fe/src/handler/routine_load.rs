//! Executes the routine load statements (spec §1.3–§1.8): CREATE (analysis order and texts of
//! `CreateRoutineLoadAnalyzer` / `KafkaRoutineLoadJob.fromCreateStmt` / `RoutineLoadMgr`),
//! ALTER (PAUSED jobs only), PAUSE / RESUME / STOP, SHOW [ALL] ROUTINE LOAD with the
//! in-memory WHERE / ORDER BY / LIMIT of `RoutineLoadFunctionalExprProvider`, SHOW ROUTINE
//! LOAD TASK and SHOW CREATE ROUTINE LOAD.

use crate::clock::now_ms;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::handler::authorize;
use crate::result::{QueryResult, ResultSet};
use crate::routine_load::bounded;
use crate::routine_load::job::{code, ErrorReason, JobState, JobStatistic, RoutineLoadJob};
use crate::routine_load::kafka_meta::{self, KafkaSource};
use crate::routine_load::progress::KafkaProgress;
use crate::routine_load::properties::{
    self, JobDefaults, JobProperties, KafkaAlter, KafkaProperties, DEFAULT_TIME_ZONE,
};
use crate::routine_load::scheduler::delimiter_bytes;
use crate::routine_load::show_filter::{self, column_name, literal_string};
use crate::routine_load::{show, JobEntry};
use crate::session::Session;
use crate::sql::routine_load::{
    AlterRoutineLoad, CreateRoutineLoad, JobRef, RoutineLoadStmt, ShowRoutineLoad,
    ShowRoutineLoadTask,
};
use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr};
use starload_proto::error_code;
use std::collections::BTreeMap;

pub async fn execute(
    ctx: &FeContext,
    session: &mut Session,
    stmt: RoutineLoadStmt,
) -> SqlResult<QueryResult> {
    match stmt {
        RoutineLoadStmt::Create(c) => create(ctx, session, c).await,
        RoutineLoadStmt::Alter(a) => alter(ctx, session, a),
        RoutineLoadStmt::Pause(j) => pause(ctx, session, &j),
        RoutineLoadStmt::Resume(j) => resume(ctx, session, &j),
        RoutineLoadStmt::Stop(j) => stop(ctx, session, &j),
        RoutineLoadStmt::Show(s) => show_jobs(ctx, session, &s),
        RoutineLoadStmt::ShowTask(s) => show_tasks(ctx, session, &s),
        RoutineLoadStmt::ShowCreate(j) => show_create(ctx, session, &j),
    }
}

/// The session's `time_zone` (SHOW times, the job's default timezone).
fn session_time_zone(session: &Session) -> String {
    let tz = session.vars.get_str("time_zone");
    if tz.is_empty() {
        DEFAULT_TIME_ZONE.to_string()
    } else {
        tz
    }
}

fn db_of(session: &Session, explicit: Option<&String>) -> SqlResult<String> {
    match explicit {
        Some(d) => Ok(d.clone()),
        None if !session.current_db.is_empty() => Ok(session.current_db.clone()),
        None => Err(SqlError::no_db().in_analyzer()),
    }
}

/// A job property rejected at CREATE: CreateRoutineLoadAnalyzer rethrows every check's
/// exception as a SemanticException (1064), except that a check raised through ErrorReport
/// keeps its code: the `timezone` property (TimeUtils, ERR_UNKNOWN_TIME_ZONE 1298).
fn property_error(m: String) -> SqlError {
    let e = SqlError::analyzing(&m);
    if m.starts_with("Unknown or incorrect time zone: ") {
        let code = error_code::ERR_UNKNOWN_TIME_ZONE;
        return SqlError {
            errno: code.errno,
            sqlstate: code.sqlstate.to_string(),
            ..e
        };
    }
    e
}

/// `FeNameFormat.checkCommonName` regex `^[a-zA-Z]\w{0,63}$|^_[a-zA-Z0-9]\w{0,62}$`.
pub fn valid_common_name(name: &str) -> bool {
    let b = name.as_bytes();
    let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    match b.first() {
        Some(c) if c.is_ascii_alphabetic() => b.len() <= 64 && b[1..].iter().all(word),
        Some(b'_') => {
            b.len() >= 2 && b.len() <= 64 && b[1].is_ascii_alphanumeric() && b[2..].iter().all(word)
        }
        _ => false,
    }
}

async fn create(
    ctx: &FeContext,
    session: &Session,
    c: CreateRoutineLoad,
) -> SqlResult<QueryResult> {
    let cfg = ctx.config.get();
    let mut job = analyze_create(ctx, session, &c).await?;
    let id = ctx.meta.next_id().map_err(SqlError::internal)?;
    job.id = id;
    // 5. Capacity (RoutineLoadMgr, newest): all tasks must fit the BE slots.
    let alive = ctx.cluster.alive_backend_ids().len() as i64;
    let per_be = cfg.max_routine_load_task_num_per_be;
    let cur: i64 = ctx
        .routine_load
        .snapshot()
        .iter()
        .filter(|e| matches!(e.job.state, JobState::NEED_SCHEDULE | JobState::RUNNING))
        .map(|e| {
            e.job
                .concurrency(alive, cfg.max_routine_load_task_concurrent_num)
        })
        .sum();
    let need = job.concurrency(alive, cfg.max_routine_load_task_concurrent_num);
    if cur + need > alive * per_be {
        return Err(SqlError::plain(format!(
            "Current routine load tasks is {cur}. The new job need {need} tasks. But we only support {alive}*{per_be} tasks.Please modify FE config max_routine_load_task_num_per_be if you want more job"
        )));
    }
    job.current_task_concurrent_num = 0;
    ctx.routine_load.add(job).map_err(SqlError::plain)?;
    tracing::info!(job = id, name = %c.job.name, "Routine load job created.");
    Ok(QueryResult::ok())
}

/// CREATE ROUTINE LOAD's analysis up to the job it would add (id 0, nothing written): every
/// check and error of CREATE, in its order. PREVIEW ROUTINE LOAD runs the same analysis, so
/// its statement errors are CREATE's.
pub(crate) async fn analyze_create(
    ctx: &FeContext,
    session: &Session,
    c: &CreateRoutineLoad,
) -> SqlResult<RoutineLoadJob> {
    let cfg = ctx.config.get();
    // 1. Database and names.
    let db_name = db_of(session, c.job.db.as_ref())?;
    if c.table.is_empty() {
        return Err(SqlError::bad_table("").in_analyzer());
    }
    if !valid_common_name(&c.job.name) {
        return Err(SqlError::analyzing_code(
            error_code::ERR_WRONG_NAME_FORMAT,
            &["ROUTINE LOAD NAME", &c.job.name],
        ));
    }
    // 2. Load properties (separators), job properties, data source properties.
    for sep in [&c.load.column_separator, &c.load.row_delimiter]
        .into_iter()
        .flatten()
    {
        delimiter_bytes(sep).map_err(|e| SqlError::analyzing(e.to_string()))?;
    }
    let job_props: BTreeMap<String, String> = c.properties.iter().cloned().collect();
    let props = JobProperties::from_create(
        &job_props,
        JobDefaults {
            max_routine_load_task_concurrent_num: cfg.max_routine_load_task_concurrent_num,
            routine_load_task_consume_second: cfg.routine_load_task_consume_second,
            routine_load_task_timeout_second: cfg.routine_load_task_timeout_second,
        },
        &session_time_zone(session),
    )
    .map_err(property_error)?;
    let source = c.source.to_ascii_uppercase();
    if source != "KAFKA" {
        return Err(SqlError::analyzing(format!(
            "routine load job does not support this type {source}"
        )));
    }
    // Issue 16's properties (end offsets / time, datetime starts) are taken out first, so the
    // StarRocks checks below see only StarRocks's properties.
    let (source_properties, time_props) =
        bounded::split_source_properties(&c.source_properties).map_err(SqlError::analyzing)?;
    let mut kafka =
        KafkaProperties::from_create(&source_properties).map_err(SqlError::analyzing)?;
    if props.format == properties::Format::Avro && kafka.confluent_schema_registry_url.is_none() {
        return Err(SqlError::analyzing(
            "confluent.schema.registry.url is a required property",
        ));
    }
    // 3. Execution: db, table, partitions.
    let db = ctx
        .catalog
        .get_db(&db_name)
        .ok_or_else(|| SqlError::bad_db(&db_name))?;
    let table = ctx
        .catalog
        .get_table(&db_name, &c.table)
        .ok_or_else(|| SqlError::bad_table(&c.table))?;
    if let Some(parts) = &c.load.partitions {
        for p in &parts.names {
            if !table
                .partitions
                .iter()
                .any(|tp| tp.name.eq_ignore_ascii_case(p))
            {
                return Err(SqlError::plain(format!("Partition {p} does not exist")));
            }
        }
    }
    if let Some(mc) = &props.merge_condition {
        if table.column(mc).is_none() {
            return Err(SqlError::plain(format!(
                "Merge condition column {mc} does not exist"
            )));
        }
    }
    check_custom_partitions(&kafka, cfg.routine_load_kafka_timeout_second).await?;
    // 4. The job.
    if !kafka.custom.contains_key("group.id") {
        kafka.custom.insert(
            "group.id".into(),
            format!("{}_{}", c.job.name, uuid::Uuid::new_v4()),
        );
        kafka.custom_order.push("group.id".into());
        kafka.group_id_defaulted = true;
    }
    let resolved = resolve_time_props(&time_props, &mut kafka, &props.timezone, &cfg).await?;
    let mut progress = KafkaProgress {
        offsets: kafka.partition_offsets.clone(),
    };
    for (p, o) in &resolved.starts {
        progress.set(*p, *o);
    }
    Ok(RoutineLoadJob {
        id: 0,
        name: c.job.name.clone(),
        db_id: db.id,
        db_name: db.name.clone(),
        table_id: table.id,
        table_name: table.name.clone(),
        state: JobState::NEED_SCHEDULE,
        origin_stmt: c.origin_sql.clone(),
        load: c.load.clone(),
        props,
        current_partitions: kafka.partition_offsets.iter().map(|(p, _)| *p).collect(),
        kafka,
        current_task_concurrent_num: 0,
        progress,
        timestamp_progress: KafkaProgress::default(),
        stat: JobStatistic {
            task_execute_time_ms: 1,
            ..Default::default()
        },
        create_time_ms: now_ms(),
        pause_time_ms: -1,
        end_time_ms: -1,
        pause_reason: None,
        cancel_reason: None,
        other_msg: String::new(),
        error_log_urls: Vec::new(),
        auto_resume: Default::default(),
        user: session.user.clone(),
        bound: resolved.bound,
    })
}

/// Datetime starts and a bounded job's end, resolved against Kafka while CREATE runs
/// (`routine_load::bounded`); the datetime texts are kept in the job for SHOW.
async fn resolve_time_props(
    t: &bounded::TimeProps,
    kafka: &mut KafkaProperties,
    tz: &str,
    cfg: &crate::config::FeConfig,
) -> SqlResult<bounded::Resolved> {
    if t.is_empty() {
        return Ok(bounded::Resolved::default());
    }
    let timeout =
        std::time::Duration::from_secs(cfg.routine_load_kafka_timeout_second.max(1) as u64);
    let mut src = bounded::Source {
        brokers: kafka.broker_list.clone(),
        topic: kafka.topic.clone(),
        properties: kafka.rdkafka_properties(),
        explicit: kafka.explicit_partitions(),
        all: Vec::new(),
    };
    let fail = |e: String| {
        SqlError::plain(format!(
            "Failed to resolve the offsets of kafka topic: {} error: {e}",
            kafka.topic
        ))
    };
    if src.explicit.is_empty() {
        let ks = KafkaSource {
            brokers: src.brokers.clone(),
            topic: src.topic.clone(),
            properties: src.properties.clone(),
        };
        src.all = kafka_meta::partitions(&ks, timeout).await.map_err(fail)?;
    }
    let r = bounded::resolve(t, &src, tz, now_ms(), timeout)
        .await
        .map_err(|e| {
            if e.contains("later than now") || e.contains("number should be") {
                SqlError::analyzing(e)
            } else {
                fail(e)
            }
        })?;
    for (p, o) in &r.starts {
        if let Some(e) = kafka.partition_offsets.iter_mut().find(|(kp, _)| kp == p) {
            e.1 = *o;
        }
    }
    if let Some(d) = &t.default_time {
        kafka.custom.insert(
            crate::routine_load::properties::KAFKA_DEFAULT_OFFSETS.into(),
            d.clone(),
        );
    }
    Ok(r)
}

/// `kafka_partitions` given: each must exist in the topic, asked of Kafka while the statement
/// runs (`KafkaRoutineLoadJob.checkCustomPartition`), so a typo fails the CREATE instead of
/// pausing the job later. Without explicit partitions StarRocks does not ask Kafka at CREATE
/// time (the job's first scheduling round does), and neither do we.
async fn check_custom_partitions(kafka: &KafkaProperties, timeout_s: i64) -> SqlResult<()> {
    let explicit = kafka.explicit_partitions();
    if explicit.is_empty() {
        return Ok(());
    }
    let src = KafkaSource {
        brokers: kafka.broker_list.clone(),
        topic: kafka.topic.clone(),
        properties: kafka.rdkafka_properties(),
    };
    let timeout = std::time::Duration::from_secs(timeout_s.max(1) as u64);
    let all = kafka_meta::partitions(&src, timeout).await.map_err(|e| {
        SqlError::plain(format!(
            "Failed to get all partitions of kafka topic: {} error: {e}",
            kafka.topic
        ))
    })?;
    match explicit.iter().find(|p| !all.contains(p)) {
        Some(p) => Err(SqlError::plain(format!(
            "there is a custom kafka partition {p} which is invalid for topic {}",
            kafka.topic
        ))),
        None => Ok(()),
    }
}

/// A non-final job for PAUSE/RESUME/STOP/ALTER (the privilege check finds it first:
/// `AuthorizerStmtVisitor.getTableNameByRoutineLoadLabel` raises 5089 as an analyzer error).
fn operable_job(ctx: &FeContext, session: &Session, j: &JobRef) -> SqlResult<i64> {
    let db_name = db_of(session, j.db.as_ref())?;
    let not_found = || {
        SqlError::analyzing_code(
            error_code::ERR_PRIVILEGE_ROUTINELOAD_JOB_NOT_FOUND,
            &[&j.name],
        )
    };
    let db = ctx.catalog.get_db(&db_name).ok_or_else(not_found)?;
    ctx.routine_load
        .find(db.id, &j.name, false)
        .ok_or_else(not_found)
}

fn pause(ctx: &FeContext, session: &Session, j: &JobRef) -> SqlResult<QueryResult> {
    let id = operable_job(ctx, session, j)?;
    let user = session.user.clone();
    ctx.routine_load
        .update(id, |e| {
            e.job.check_transform(JobState::PAUSED)?;
            e.change_state(
                JobState::PAUSED,
                Some(ErrorReason::new(
                    code::MANUAL_PAUSE_ERR,
                    format!("User {user} pauses routine load job"),
                )),
                now_ms(),
            );
            Ok(())
        })
        .map_err(SqlError::plain)?;
    Ok(QueryResult::ok())
}

fn resume(ctx: &FeContext, session: &Session, j: &JobRef) -> SqlResult<QueryResult> {
    let id = operable_job(ctx, session, j)?;
    ctx.routine_load
        .update(id, |e| {
            e.job.check_transform(JobState::NEED_SCHEDULE)?;
            e.job.auto_resume = Default::default();
            e.change_state(JobState::NEED_SCHEDULE, None, now_ms());
            Ok(())
        })
        .map_err(SqlError::plain)?;
    Ok(QueryResult::ok())
}

fn stop(ctx: &FeContext, session: &Session, j: &JobRef) -> SqlResult<QueryResult> {
    let id = operable_job(ctx, session, j)?;
    let user = session.user.clone();
    ctx.routine_load
        .update(id, |e| {
            e.job.check_transform(JobState::STOPPED)?;
            // `User  <user> stop routine load job` (two spaces, code 101); not displayed.
            let _ = ErrorReason::new(
                code::MANUAL_STOP_ERR,
                format!("User  {user} stop routine load job"),
            );
            e.change_state(JobState::STOPPED, None, now_ms());
            Ok(())
        })
        .map_err(SqlError::plain)?;
    Ok(QueryResult::ok())
}

fn alter(ctx: &FeContext, session: &Session, a: AlterRoutineLoad) -> SqlResult<QueryResult> {
    let id = operable_job(ctx, session, &a.job)?;
    if a.load.is_empty() && a.properties.is_empty() && a.source_properties.is_empty() {
        return Err(SqlError::analyzing("No properties are specified"));
    }
    for sep in [&a.load.column_separator, &a.load.row_delimiter]
        .into_iter()
        .flatten()
    {
        delimiter_bytes(sep).map_err(|e| SqlError::analyzing(e.to_string()))?;
    }
    let job_props: BTreeMap<String, String> = a.properties.iter().cloned().collect();
    let ds = KafkaAlter::from_alter(&a.source_properties).map_err(SqlError::analyzing)?;
    ctx.routine_load
        .update(id, |e| {
            if e.job.state != JobState::PAUSED {
                return Err("Only supports modification of PAUSED jobs".into());
            }
            if let Some(src) = &a.source {
                if !src.eq_ignore_ascii_case("KAFKA") {
                    return Err(format!(
                        "The specified job type is not: {}",
                        src.to_ascii_uppercase()
                    ));
                }
            }
            e.job.props.apply_alter(&job_props)?;
            e.job.load.merge(&a.load);
            let explicit = e.job.kafka.explicit_partitions();
            for (p, _) in &ds.partition_offsets {
                if !explicit.is_empty() {
                    if !explicit.contains(p) {
                        return Err(format!(
                            "The specified partition {p} is not in the custom partitions"
                        ));
                    }
                } else if !e.job.progress.contains(*p) {
                    return Err(
                        "The specified partition is not in the consumed partitions ".to_string()
                    );
                }
            }
            for (p, o) in &ds.partition_offsets {
                e.job.progress.set(*p, *o);
            }
            for (k, v) in &ds.custom {
                if k == "group.id" {
                    e.job.kafka.group_id_defaulted = false;
                }
                if e.job.kafka.custom.insert(k.clone(), v.clone()).is_none() {
                    e.job.kafka.custom_order.push(k.clone());
                }
            }
            if let Some(b) = &ds.broker_list {
                e.job.kafka.broker_list = b.clone();
            }
            if let Some(u) = &ds.confluent_schema_registry_url {
                e.job.kafka.confluent_schema_registry_url = Some(u.clone());
            }
            Ok(())
        })
        .map_err(|m| {
            if m.starts_with("Only supports") || m.starts_with("The specified") {
                SqlError::plain(m)
            } else {
                property_error(m)
            }
        })?;
    Ok(QueryResult::ok())
}

fn show_jobs(ctx: &FeContext, session: &Session, s: &ShowRoutineLoad) -> SqlResult<QueryResult> {
    let tz = session_time_zone(session);
    let db_name = match (&s.job, &s.from_db) {
        (Some(j), _) if j.db.is_some() => j.db.clone().unwrap_or_default(),
        (_, Some(d)) => d.clone(),
        _ => db_of(session, None)?,
    };
    // ShowExecutor turns every failure into a SemanticException (the analyzer's wording).
    let db = ctx
        .catalog
        .get_db(&db_name)
        .ok_or_else(|| SqlError::bad_db(&db_name).in_analyzer())?;
    let mut entries: Vec<JobEntry> = ctx
        .routine_load
        .snapshot()
        .into_iter()
        .filter(|e| e.job.db_id == db.id)
        .filter(|e| s.all || !e.job.state.is_final())
        .filter(|e| authorize::can_see_job(ctx, session, e.job.db_id, e.job.table_id))
        .collect();
    if let Some(j) = &s.job {
        entries.retain(|e| e.job.name == j.name);
        if entries.is_empty() {
            return Err(SqlError::analyzing(format!(
                "There is no running job named {} in db {}. Include history? {}, you can try `show all routine load job for job_name` if you want to list stopped and cancelled jobs",
                j.name, db_name, s.all
            )));
        }
    }
    // Final jobs after the others (RoutineLoadMgr.sortRoutineLoadJob).
    entries.sort_by_key(|e| (e.job.state.is_final(), e.job.id));
    let mut rows: Vec<Vec<Option<String>>> =
        entries.iter().map(|e| show::job_row(e, &tz)).collect();
    if let Some(w) = &s.where_expr {
        let pred = show_filter::compile_where(w).map_err(SqlError::analyzing)?;
        rows.retain(|r| pred(r));
    }
    show_filter::order_rows(&mut rows, &s.order_by).map_err(SqlError::analyzing)?;
    if let Some((offset, count)) = s.limit {
        rows = rows
            .into_iter()
            .skip(offset as usize)
            .take(count as usize)
            .collect();
    }
    let mut rs = ResultSet::with_titles(&show::JOB_TITLES);
    rs.rows = rows;
    Ok(QueryResult::Rows(rs))
}

fn task_job_name(w: Option<&Expr>) -> Result<String, String> {
    let Some(w) = w else {
        return Err(
            "please designate a jobName in where expr such as JobName=\"ILoveStarRocks\"".into(),
        );
    };
    let err = || {
        "show routine load job only support one equal expr which is sames like JobName=\"ILoveStarRocks\"".to_string()
    };
    match w {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => {
            let col = column_name(left).ok_or_else(err)?;
            if !col.eq_ignore_ascii_case("JobName") {
                return Err(err());
            }
            literal_string(right).ok_or_else(err)
        }
        _ => Err(err()),
    }
}

fn show_tasks(
    ctx: &FeContext,
    session: &Session,
    s: &ShowRoutineLoadTask,
) -> SqlResult<QueryResult> {
    let tz = session_time_zone(session);
    let name = task_job_name(s.where_expr.as_ref())
        .map_err(|m| SqlError::analyzing(format!("analysis show routine load task error: {m}")))?;
    let db_name = db_of(session, s.from_db.as_ref())?;
    let db = ctx
        .catalog
        .get_db(&db_name)
        .ok_or_else(|| SqlError::bad_db(&db_name).in_analyzer())?;
    let entry = ctx
        .routine_load
        .find(db.id, &name, false)
        .and_then(|id| ctx.routine_load.get(id))
        .ok_or_else(|| {
            SqlError::analyzing(format!(
                "The job named {name}does not exists or job state is stopped or cancelled"
            ))
        })?;
    if ctx.catalog.get_table_by_id(entry.job.table_id).is_none() {
        return Err(SqlError::analyzing(
            "The table metadata of job has been changed. The job will be cancelled automatically",
        ));
    }
    let mut rs = ResultSet::with_titles(&show::TASK_TITLES);
    // Only tables the user holds a privilege on (ShowExecutor); otherwise an empty result.
    if !authorize::can_see_job(ctx, session, entry.job.db_id, entry.job.table_id) {
        return Ok(QueryResult::Rows(rs));
    }
    rs.rows = show::task_rows(&entry, &tz);
    Ok(QueryResult::Rows(rs))
}

fn show_create(ctx: &FeContext, session: &Session, j: &JobRef) -> SqlResult<QueryResult> {
    let mut rs = ResultSet::with_titles(&["Job", "Create Job"]);
    let db_name = db_of(session, j.db.as_ref())?;
    if let Some(db) = ctx.catalog.get_db(&db_name) {
        if let Some(e) = ctx
            .routine_load
            .find(db.id, &j.name, false)
            .and_then(|id| ctx.routine_load.get(id))
        {
            rs.rows.push(vec![
                Some(j.name.clone()),
                Some(show::show_create(&e.job, &j.name)),
            ]);
        }
    }
    Ok(QueryResult::Rows(rs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::routine_load::try_parse;

    fn where_of(sql: &str) -> Expr {
        match try_parse(sql).unwrap().unwrap() {
            RoutineLoadStmt::Show(s) => s.where_expr.unwrap(),
            RoutineLoadStmt::ShowTask(s) => s.where_expr.unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn job_names() {
        assert!(valid_common_name("example_tbl1_ordertest1"));
        assert!(valid_common_name("_a1"));
        assert!(!valid_common_name("1abc"));
        assert!(!valid_common_name("a-b"));
        assert!(!valid_common_name(&"a".repeat(65)));
    }

    #[test]
    fn show_task_where_rules() {
        assert_eq!(
            task_job_name(Some(&where_of(
                "SHOW ROUTINE LOAD TASK WHERE JobName = \"example_tbl2_ordertest2\""
            )))
            .unwrap(),
            "example_tbl2_ordertest2"
        );
        assert_eq!(
            task_job_name(None).unwrap_err(),
            "please designate a jobName in where expr such as JobName=\"ILoveStarRocks\""
        );
        assert!(
            task_job_name(Some(&where_of("SHOW ROUTINE LOAD TASK WHERE Name = 'x'")))
                .unwrap_err()
                .starts_with("show routine load job only support one equal expr")
        );
    }
}
