//! SHOW ROUTINE LOAD / SHOW ROUTINE LOAD TASK / SHOW CREATE ROUTINE LOAD rows, exactly as
//! StarRocks prints them (spec §7): `RoutineLoadJob.getShowInfo`, `KafkaRoutineLoadJob`
//! (data source, custom properties, statistic, source position, lag), `KafkaTaskInfo`
//! and `ShowExecutor` (SHOW CREATE). JSON maps follow Java HashMap order (`java_map`).

use super::java_map::JavaHashMap;
use super::job::{JobState, RoutineLoadJob};
use super::progress::{display_offset, raw_json};
use super::properties::Format;
use super::JobEntry;

/// SHOW ROUTINE LOAD titles (newest, shared-nothing).
pub const JOB_TITLES: [&str; 22] = [
    "Id",
    "Name",
    "CreateTime",
    "PauseTime",
    "EndTime",
    "DbName",
    "TableName",
    "State",
    "DataSourceType",
    "CurrentTaskNum",
    "JobProperties",
    "DataSourceProperties",
    "CustomProperties",
    "Statistic",
    "Progress",
    "TimestampProgress",
    "ReasonOfStateChanged",
    "ErrorLogUrls",
    "TrackingSQL",
    "OtherMsg",
    "LatestSourcePosition",
    "OffsetLag",
];

/// SHOW ROUTINE LOAD TASK titles.
pub const TASK_TITLES: [&str; 11] = [
    "TaskId",
    "TxnId",
    "TxnStatus",
    "JobId",
    "CreateTime",
    "LastScheduledTime",
    "ExecuteStartTime",
    "Timeout",
    "BeId",
    "DataSourceProperties",
    "Message",
];

// Moved to `java_text` (load jobs print the same text); re-exported for the callers here.
pub use crate::java_text::{fmt_time, java_double};

/// `this.jobProperties` of RoutineLoadJob (filled in `setOptional` order).
fn stored_job_properties(job: &RoutineLoadJob) -> JavaHashMap<String, String> {
    let p = &job.props;
    let mut m = JavaHashMap::new();
    let mut put = |k: &str, v: String| m.put(k.to_string(), v);
    put(
        "log_rejected_record_num",
        p.log_rejected_record_num.to_string(),
    );
    put("partial_update", p.partial_update.to_string());
    put("partial_update_mode", p.partial_update_mode.clone());
    put("timezone", p.timezone.clone());
    put("strict_mode", p.strict_mode.to_string());
    put(
        "pause_on_fatal_parse_error",
        p.pause_on_fatal_parse_error.to_string(),
    );
    for (k, v) in p.rejected.shown() {
        put(k, v);
    }
    if let Some(mc) = &p.merge_condition {
        put("merge_condition", mc.clone());
    }
    match p.format {
        Format::Csv => {
            put("format", "csv".into());
            put("strip_outer_array", "false".into());
            put("jsonpaths", String::new());
            put("json_root", String::new());
            put("trim_space", p.trim_space.to_string());
            put("enclose", (p.enclose as i8).to_string());
            put("escape", (p.escape as i8).to_string());
        }
        Format::Json => {
            put("format", "json".into());
            put("jsonpaths", p.jsonpaths.clone());
            put("json_root", p.json_root.clone());
            put("strip_outer_array", p.strip_outer_array.to_string());
        }
        Format::Avro => {
            put("format", "avro".into());
            put("jsonpaths", p.jsonpaths.clone());
        }
    }
    if let Some(w) = &p.warehouse {
        put("warehouse", w.clone());
    }
    m
}

/// The JobProperties column (`jobPropertiesToJsonString`).
pub fn job_properties_json(job: &RoutineLoadJob) -> String {
    let p = &job.props;
    let mut m: JavaHashMap<String, String> = JavaHashMap::new();
    let mut put = |k: &str, v: String| m.put(k.to_string(), v);
    put(
        "partitions",
        job.load
            .partitions
            .as_ref()
            .map(|p| p.names.join(","))
            .unwrap_or_else(|| "*".into()),
    );
    put(
        "columnToColumnExpr",
        job.load
            .columns
            .as_ref()
            .map(|c| c.iter().map(|c| c.to_show()).collect::<Vec<_>>().join(","))
            .unwrap_or_else(|| "*".into()),
    );
    put(
        "whereExpr",
        job.load.where_sql.clone().unwrap_or_else(|| "*".into()),
    );
    if p.format == Format::Json {
        put("dataFormat", "json".into());
    } else {
        put(
            "columnSeparator",
            job.load
                .column_separator
                .clone()
                .unwrap_or_else(|| "\t".into()),
        );
        put(
            "rowDelimiter",
            job.load
                .row_delimiter
                .clone()
                .unwrap_or_else(|| "\n".into()),
        );
    }
    put("maxErrorNum", p.max_error_number.to_string());
    put("maxFilterRatio", java_double(p.max_filter_ratio));
    put("maxBatchIntervalS", p.max_batch_interval_s.to_string());
    put("maxBatchRows", p.max_batch_rows.to_string());
    put(
        "currentTaskConcurrentNum",
        job.current_task_concurrent_num.to_string(),
    );
    put(
        "desireTaskConcurrentNum",
        p.desired_concurrent_number.to_string(),
    );
    put("taskConsumeSecond", p.task_consume_second.to_string());
    put("taskTimeoutSecond", p.task_timeout_second.to_string());
    for (k, v) in stored_job_properties(job).iter() {
        m.put(k.clone(), v.clone());
    }
    m.to_json()
}

/// `getPrintableConfluentSchemaRegistryUrl`: `user:pass@` dropped. Mirrors Java exactly:
/// `split("@")` (trailing empty parts removed) must give two parts and the first must be at
/// least 5 characters long; the scheme is `https://` when the first part starts with
/// `https`, else `http://`. Any other shape is printed unchanged.
pub fn printable_registry_url(url: &str) -> String {
    let mut parts: Vec<&str> = url.split('@').collect();
    while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    if parts.len() != 2 || parts[0].chars().count() < 5 {
        return url.to_string();
    }
    let scheme = if parts[0].starts_with("https") {
        "https://"
    } else {
        "http://"
    };
    format!("{scheme}{}", parts[1])
}

/// The DataSourceProperties column.
pub fn data_source_json(job: &RoutineLoadJob) -> String {
    // Insertion order as KafkaRoutineLoadJob.dataSourcePropertiesJsonToString: it decides the
    // order of keys sharing a bucket (the registry URL and currentKafkaPartitions do).
    let mut m: JavaHashMap<String, String> = JavaHashMap::new();
    m.put("brokerList".into(), job.kafka.broker_list.clone());
    m.put("topic".into(), job.kafka.topic.clone());
    if let Some(u) = &job.kafka.confluent_schema_registry_url {
        m.put(
            "confluent.schema.registry.url".into(),
            printable_registry_url(u),
        );
    }
    let mut parts = job.current_partitions.clone();
    parts.sort();
    m.put(
        "currentKafkaPartitions".into(),
        parts
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(","),
    );
    m.to_json()
}

/// Custom properties with secrets masked (`getMaskedCustomProperties`).
pub fn masked_custom(job: &RoutineLoadJob) -> JavaHashMap<String, String> {
    let mut m = JavaHashMap::new();
    for k in &job.kafka.custom_order {
        if let Some(v) = job.kafka.custom.get(k) {
            let masked = k.contains("password") || k.contains("secret");
            m.put(k.clone(), if masked { "******".into() } else { v.clone() });
        }
    }
    m
}

/// The Statistic column (`getStatistic`, newest 11 keys).
pub fn statistic_json(job: &RoutineLoadJob) -> String {
    let s = &job.stat;
    let loaded = job.loaded_rows();
    let t = s.task_execute_time_ms.max(1);
    let mut m: JavaHashMap<String, String> = JavaHashMap::new();
    let mut put = |k: &str, v: String| m.put(k.to_string(), v);
    put("totalRows", s.total_rows.to_string());
    put("loadedRows", loaded.to_string());
    put("errorRows", s.error_rows.to_string());
    put("unselectedRows", s.unselected_rows.to_string());
    put("receivedBytes", s.received_bytes.to_string());
    put("taskExecuteTimeMs", s.task_execute_time_ms.to_string());
    put(
        "receivedBytesRate",
        (s.received_bytes.saturating_mul(1000) / t).to_string(),
    );
    put(
        "loadRowsRate",
        (loaded.saturating_mul(1000) / t).to_string(),
    );
    put("committedTaskNum", s.committed_task_num.to_string());
    put("abortedTaskNum", s.aborted_task_num.to_string());
    put("partitionLagTime", "{}".into());
    // Values are JSON numbers / objects, not strings.
    m.to_json_with(|v| v.clone())
}

/// `{"<partition>":"<value>"}` with String keys (LatestSourcePosition, OffsetLag).
fn string_key_json(entries: &[(i32, i64)]) -> String {
    let mut m: JavaHashMap<String, String> = JavaHashMap::new();
    for (p, v) in entries {
        m.put(p.to_string(), v.to_string());
    }
    m.to_json()
}

/// OffsetLag: latest − shown progress for partitions whose progress is a number.
pub fn offset_lag(job: &RoutineLoadJob, latest: &[(i32, i64)]) -> String {
    if job.progress.offsets.is_empty() || latest.is_empty() {
        return "{}".into();
    }
    let mut lags = Vec::new();
    for (p, hw) in latest {
        let Some(next) = job.progress.get(*p) else {
            continue;
        };
        let shown = display_offset(next);
        let Ok(shown) = shown.parse::<i64>() else {
            continue;
        };
        lags.push((*p, (hw - shown).max(0)));
    }
    string_key_json(&lags)
}

/// OtherMsg: the job's message, then the retention warning of issue 16 when unread messages
/// are near deletion (empty otherwise, as in StarRocks).
fn other_msg(e: &JobEntry) -> String {
    match (&e.retention_warning, e.job.other_msg.is_empty()) {
        (None, _) => e.job.other_msg.clone(),
        (Some(w), true) => w.clone(),
        (Some(w), false) => format!("{} {w}", e.job.other_msg),
    }
}

/// One SHOW ROUTINE LOAD row.
pub fn job_row(e: &JobEntry, tz: &str) -> Vec<Option<String>> {
    let job = &e.job;
    let unstable = job.state == JobState::RUNNING && e.unstable.is_some();
    let state = if unstable {
        "UNSTABLE"
    } else {
        job.state.name()
    };
    let reason = match job.state {
        JobState::PAUSED => job
            .pause_reason
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_default(),
        // A manual STOP leaves no reason; a bounded job that reached its end (`bounded`) does.
        JobState::CANCELLED | JobState::STOPPED => job
            .cancel_reason
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_default(),
        JobState::RUNNING => e
            .unstable
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    };
    let tracking = if job.error_log_urls.is_empty() {
        String::new()
    } else {
        format!(
            "select tracking_log from information_schema.load_tracking_logs where job_id={}",
            job.id
        )
    };
    let latest_json = string_key_json(&e.latest_offsets);
    vec![
        Some(job.id.to_string()),
        Some(job.name.clone()),
        Some(fmt_time(job.create_time_ms, tz)),
        Some(fmt_time(job.pause_time_ms, tz)),
        Some(fmt_time(job.end_time_ms, tz)),
        Some(job.db_name.clone()),
        Some(job.table_name.clone()),
        Some(state.to_string()),
        Some("KAFKA".into()),
        Some(e.tasks.len().to_string()),
        Some(job_properties_json(job)),
        Some(data_source_json(job)),
        Some(masked_custom(job).to_json()),
        Some(statistic_json(job)),
        Some(job.progress.to_show_json()),
        Some(job.timestamp_progress.to_show_json()),
        Some(reason),
        Some(job.error_log_urls.join(", ")),
        Some(tracking),
        Some(other_msg(e)),
        Some(latest_json),
        Some(offset_lag(job, &e.latest_offsets)),
    ]
}

/// SHOW ROUTINE LOAD TASK rows, in the job's task order.
pub fn task_rows(e: &JobEntry, tz: &str) -> Vec<Vec<Option<String>>> {
    e.tasks
        .iter()
        .map(|t| {
            let latest = match &t.latest_offsets {
                Some(l) => raw_json(l),
                None => "null".into(),
            };
            vec![
                Some(t.id.to_string()),
                Some(t.txn_id.to_string()),
                Some(t.txn_status.name().to_string()),
                Some(t.job_id.to_string()),
                Some(fmt_time(t.create_time_ms, tz)),
                Some(fmt_time(t.last_scheduled_ms, tz)),
                Some(fmt_time(t.execute_start_ms, tz)),
                Some(t.timeout_s.to_string()),
                Some(t.be_id.to_string()),
                Some(format!(
                    "Progress:{},LatestOffset:{}",
                    raw_json(&t.offsets),
                    latest
                )),
                Some(t.message.clone().unwrap_or_else(|| "NULL".into())),
            ]
        })
        .collect()
}

fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn offset_word(v: i64) -> String {
    match v {
        -2 => "OFFSET_BEGINNING".into(),
        -1 => "OFFSET_END".into(),
        v => v.to_string(),
    }
}

/// SHOW CREATE ROUTINE LOAD text (3.x ShowExecutor builder, spec §7.3).
pub fn show_create(job: &RoutineLoadJob, name_as_written: &str) -> String {
    let p = &job.props;
    let mut sb = format!(
        "CREATE ROUTINE LOAD {}.{} on {}\n",
        job.db_name, name_as_written, job.table_name
    );
    if let Some(sep) = &job.load.column_separator {
        sb.push_str(&format!(" COLUMNS TERMINATED BY {}", sql_string(sep)));
    }
    if let Some(cols) = &job.load.columns {
        sb.push_str(",\nCOLUMNS (");
        sb.push_str(
            &cols
                .iter()
                .map(|c| match &c.expr {
                    Some(e) => format!("{}={}", c.name, e),
                    None => c.name.clone(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        );
        sb.push(')');
    }
    if let Some(parts) = &job.load.partitions {
        sb.push_str(",\n");
        sb.push_str(if parts.temporary {
            "TEMPORARY PARTITIONS ("
        } else {
            "PARTITIONS ("
        });
        sb.push_str(&parts.names.join(", "));
        sb.push(')');
    }
    if let Some(w) = &job.load.where_sql {
        sb.push_str(",\nWHERE ");
        sb.push_str(w);
    }
    sb.push_str("\nPROPERTIES\n(\n");
    let mut kv = |k: &str, v: String| sb.push_str(&format!("\"{k}\"=\"{v}\",\n"));
    kv(
        "desired_concurrent_number",
        p.desired_concurrent_number.to_string(),
    );
    kv("max_error_number", p.max_error_number.to_string());
    kv("max_filter_ratio", java_double(p.max_filter_ratio));
    kv("max_batch_interval", p.max_batch_interval_s.to_string());
    kv("max_batch_rows", p.max_batch_rows.to_string());
    kv("task_consume_second", p.task_consume_second.to_string());
    kv("task_timeout_second", p.task_timeout_second.to_string());
    kv("format", p.format.as_str().to_string());
    let (jsonpaths, json_root, strip) = match p.format {
        Format::Csv => (String::new(), String::new(), false),
        Format::Json => (
            p.jsonpaths.clone(),
            p.json_root.clone(),
            p.strip_outer_array,
        ),
        Format::Avro => (p.jsonpaths.clone(), String::new(), false),
    };
    kv("jsonpaths", jsonpaths);
    kv("strip_outer_array", strip.to_string());
    kv("json_root", json_root);
    kv("strict_mode", p.strict_mode.to_string());
    kv(
        "pause_on_fatal_parse_error",
        p.pause_on_fatal_parse_error.to_string(),
    );
    for (k, v) in p.rejected.shown() {
        kv(k, v);
    }
    kv("timezone", p.timezone.clone());
    kv("partial_update", p.partial_update.to_string());
    if let Some(mc) = &p.merge_condition {
        kv("merge_condition", mc.clone());
    }
    kv("trim_space", p.trim_space.to_string());
    kv("enclose", (p.enclose as i8).to_string());
    kv("escape", (p.escape as i8).to_string());
    sb.push_str(&format!(
        "\"log_rejected_record_num\"=\"{}\"\n)\n",
        p.log_rejected_record_num
    ));
    sb.push_str("FROM KAFKA\n(\n");
    let mut lines = vec![
        format!("\"kafka_broker_list\"=\"{}\"", job.kafka.broker_list),
        format!("\"kafka_topic\"=\"{}\"", job.kafka.topic),
    ];
    let explicit = !job.kafka.partition_offsets.is_empty();
    let mut parts: Vec<(i32, i64)> = if explicit {
        job.kafka.partition_offsets.clone()
    } else {
        job.current_partitions.iter().map(|p| (*p, 0)).collect()
    };
    parts.sort_by_key(|(p, _)| *p);
    lines.push(format!(
        "\"kafka_partitions\"=\"{}\"",
        parts
            .iter()
            .map(|(p, _)| p.to_string())
            .collect::<Vec<_>>()
            .join(",")
    ));
    if explicit && job.kafka.offsets_given {
        lines.push(format!(
            "\"kafka_offsets\"=\"{}\"",
            parts
                .iter()
                .map(|(_, o)| offset_word(*o))
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    if let Some(u) = &job.kafka.confluent_schema_registry_url {
        lines.push(format!(
            "\"confluent.schema.registry.url\"=\"{}\"",
            printable_registry_url(u)
        ));
    }
    for (k, v) in masked_custom(job).iter() {
        if k == "group.id" && job.kafka.group_id_defaulted {
            continue;
        }
        lines.push(format!("\"property.{k}\"=\"{v}\""));
    }
    sb.push_str(&lines.join(",\n"));
    sb.push_str("\n);");
    sb
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routine_load::job::tests::sample_job;
    use crate::routine_load::load_desc::ColumnItem;

    #[test]
    fn registry_url_credentials_are_dropped_as_starrocks_does() {
        assert_eq!(
            printable_registry_url("https://key:s3cr3t@reg.example:8081"),
            "https://reg.example:8081"
        );
        assert_eq!(
            printable_registry_url("http://u:p@10.0.0.1:8081"),
            "http://10.0.0.1:8081"
        );
        assert_eq!(printable_registry_url("http://reg:8081"), "http://reg:8081");
        // Two `@`: printed as given (StarRocks case 1).
        assert_eq!(printable_registry_url("http://a@b@c"), "http://a@b@c");
        // A trailing `@` leaves one part after Java's split.
        assert_eq!(printable_registry_url("http://u:p@"), "http://u:p@");
        assert_eq!(printable_registry_url("ab@host"), "ab@host");
    }

    #[test]
    fn doc_show_json_job_properties() {
        // The seed's SHOW example (3.x): json, columns with an expression.
        let mut job = sample_job();
        job.props.format = Format::Json;
        job.props.jsonpaths =
            r#"["$.commodity_id","$.customer_name","$.country","$.pay_time","$.price"]"#.into();
        job.load.columns = Some(vec![
            ColumnItem {
                name: "commodity_id".into(),
                expr: None,
            },
            ColumnItem {
                name: "pay_dt".into(),
                expr: Some("from_unixtime(`pay_time`, '%Y%m%d')".into()),
            },
        ]);
        job.current_task_concurrent_num = 3;
        let s = job_properties_json(&job);
        assert!(s.starts_with(r#"{"partitions":"*","partial_update":"false","columnToColumnExpr":"commodity_id,pay_dt=from_unixtime(`pay_time`, '%Y%m%d')","maxBatchIntervalS":"10","partial_update_mode":"null","whereExpr":"*","dataFormat":"json","timezone":"Asia/Shanghai","format":"json","log_rejected_record_num":"0","taskTimeoutSecond":"60","json_root":"","pause_on_fatal_parse_error":"false","maxFilterRatio":"1.0","strict_mode":"false","jsonpaths":"[\"$.commodity_id\""#), "{s}");
        assert!(s.ends_with(r#""taskConsumeSecond":"15","desireTaskConcurrentNum":"5","maxErrorNum":"0","strip_outer_array":"false","currentTaskConcurrentNum":"3","maxBatchRows":"200000"}"#), "{s}");
    }

    /// The string literals of a flat JSON object, unescaped only as far as the tests need.
    fn json_string_tokens(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur: Option<String> = None;
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            match (&mut cur, c) {
                (None, '"') => cur = Some(String::new()),
                (None, _) => {}
                (Some(t), '\\') => t.push(chars.next().unwrap_or('\\')),
                (Some(_), '"') => out.extend(cur.take()),
                (Some(t), c) => t.push(c),
            }
        }
        out
    }

    #[test]
    fn csv_job_properties_order() {
        let job = sample_job();
        let s = job_properties_json(&job);
        // Every value is a string, so the string tokens alternate key, value.
        let tokens = json_string_tokens(&s);
        let keys: Vec<&str> = tokens.iter().step_by(2).map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "partial_update_mode",
                "timezone",
                "columnSeparator",
                "log_rejected_record_num",
                "taskTimeoutSecond",
                "maxFilterRatio",
                "strict_mode",
                "jsonpaths",
                "currentTaskConcurrentNum",
                "escape",
                "enclose",
                "partitions",
                "rowDelimiter",
                "partial_update",
                "trim_space",
                "columnToColumnExpr",
                "maxBatchIntervalS",
                "whereExpr",
                "format",
                "json_root",
                "pause_on_fatal_parse_error",
                "taskConsumeSecond",
                "desireTaskConcurrentNum",
                "maxErrorNum",
                "strip_outer_array",
                "maxBatchRows"
            ]
        );
        assert!(s.contains(r#""columnSeparator":"\t""#));
        assert!(s.contains(r#""rowDelimiter":"\n""#));
    }

    #[test]
    fn statistic_and_sources() {
        let mut job = sample_job();
        job.stat.total_rows = 6;
        job.stat.received_bytes = 313;
        job.stat.task_execute_time_ms = 699;
        job.stat.committed_task_num = 1;
        assert_eq!(
            statistic_json(&job),
            r#"{"receivedBytes":313,"partitionLagTime":{},"errorRows":0,"committedTaskNum":1,"loadedRows":6,"loadRowsRate":8,"abortedTaskNum":0,"totalRows":6,"unselectedRows":0,"receivedBytesRate":447,"taskExecuteTimeMs":699}"#
        );
        job.kafka.broker_list = "b:9092".into();
        job.kafka.topic = "ordertest2".into();
        assert_eq!(
            data_source_json(&job),
            r#"{"topic":"ordertest2","currentKafkaPartitions":"0,1,2,3,4","brokerList":"b:9092"}"#
        );
        job.kafka.confluent_schema_registry_url = Some("https://key:secret@reg:8081".into());
        assert_eq!(
            data_source_json(&job),
            r#"{"topic":"ordertest2","confluent.schema.registry.url":"https://reg:8081","currentKafkaPartitions":"0,1,2,3,4","brokerList":"b:9092"}"#
        );
    }

    #[test]
    fn lag_and_latest() {
        let mut job = sample_job();
        job.progress.offsets = vec![(0, 6), (1, 0), (2, -2)];
        assert_eq!(offset_lag(&job, &[(0, 10), (1, 3), (2, 5)]), r#"{"0":"5"}"#);
        assert_eq!(offset_lag(&job, &[]), "{}");
        assert_eq!(string_key_json(&[(0, 10), (1, 3)]), r#"{"0":"10","1":"3"}"#);
    }

    #[test]
    fn times_and_doubles() {
        assert_eq!(fmt_time(-1, "Asia/Shanghai"), "NULL");
        assert_eq!(fmt_time(0, "Asia/Shanghai"), "NULL");
        assert_eq!(
            fmt_time(1_660_122_540_000, "Asia/Shanghai"),
            "2022-08-10 17:09:00"
        );
        assert_eq!(fmt_time(1_660_122_540_000, "+00:00"), "2022-08-10 09:09:00");
        assert_eq!(java_double(1.0), "1.0");
        assert_eq!(java_double(0.5), "0.5");
        assert_eq!(java_double(0.0), "0.0");
        assert_eq!(java_double(0.0001), "1.0E-4");
    }

    #[test]
    fn show_create_text() {
        let mut job = sample_job();
        job.load.column_separator = Some(",".into());
        job.load.columns = Some(vec![
            ColumnItem {
                name: "a".into(),
                expr: None,
            },
            ColumnItem {
                name: "b".into(),
                expr: Some("`a` + 1".into()),
            },
        ]);
        job.kafka
            .custom
            .insert("kafka_default_offsets".into(), "OFFSET_BEGINNING".into());
        job.kafka.custom_order.push("kafka_default_offsets".into());
        let s = show_create(&job, "j1");
        assert!(s.starts_with("CREATE ROUTINE LOAD db.j1 on t\n COLUMNS TERMINATED BY ',',\nCOLUMNS (a, b=`a` + 1)\nPROPERTIES\n(\n\"desired_concurrent_number\"=\"5\",\n"), "{s}");
        assert!(s.ends_with("\"log_rejected_record_num\"=\"0\"\n)\nFROM KAFKA\n(\n\"kafka_broker_list\"=\"127.0.0.1:9092\",\n\"kafka_topic\"=\"t\",\n\"kafka_partitions\"=\"0,1,2,3,4\",\n\"property.kafka_default_offsets\"=\"OFFSET_BEGINNING\"\n);"), "{s}");
    }
}
