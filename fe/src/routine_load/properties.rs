//! Job properties (`PROPERTIES (...)`) and Kafka data-source properties (`FROM KAFKA (...)`):
//! each key's default, validation and StarRocks's exact error text (spec §2, §1.4).
//! Mirrors `sql/ast/CreateRoutineLoadStmt.java` (checkJobProperties / checkDataSourceProperties),
//! `sql/ast/AlterRoutineLoadStmt.java` and `sql/ast/RoutineLoadDataSourceProperties.java`.
//! Every error here is an analysis error: the caller wraps it as
//! `Getting analyzing error. Detail message: <msg>.`

pub mod rejected_props;

use rejected_props::RejectedRowProps;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const DESIRED_CONCURRENT_NUMBER: &str = "desired_concurrent_number";
pub const MAX_ERROR_NUMBER: &str = "max_error_number";
pub const MAX_FILTER_RATIO: &str = "max_filter_ratio";
pub const MAX_BATCH_INTERVAL: &str = "max_batch_interval";
pub const MAX_BATCH_ROWS: &str = "max_batch_rows";
pub const MAX_BATCH_SIZE: &str = "max_batch_size";
pub const FORMAT: &str = "format";
pub const JSONPATHS: &str = "jsonpaths";
pub const STRIP_OUTER_ARRAY: &str = "strip_outer_array";
pub const JSON_ROOT: &str = "json_root";
pub const STRICT_MODE: &str = "strict_mode";
pub const TIMEZONE: &str = "timezone";
pub const PARTIAL_UPDATE: &str = "partial_update";
pub const PARTIAL_UPDATE_MODE: &str = "partial_update_mode";
pub const MERGE_CONDITION: &str = "merge_condition";
pub const TRIM_SPACE: &str = "trim_space";
pub const ENCLOSE: &str = "enclose";
pub const ESCAPE: &str = "escape";
pub const LOG_REJECTED_RECORD_NUM: &str = "log_rejected_record_num";
pub const TASK_CONSUME_SECOND: &str = "task_consume_second";
pub const TASK_TIMEOUT_SECOND: &str = "task_timeout_second";
pub const PAUSE_ON_FATAL_PARSE_ERROR: &str = "pause_on_fatal_parse_error";
pub const WAREHOUSE: &str = "warehouse";
pub const ENABLE_PROFILE: &str = "enable_profile";

/// Keys accepted in CREATE's PROPERTIES (newest line, spec §2.1).
pub const CREATE_JOB_KEYS: &[&str] = &[
    DESIRED_CONCURRENT_NUMBER,
    MAX_ERROR_NUMBER,
    MAX_FILTER_RATIO,
    MAX_BATCH_INTERVAL,
    MAX_BATCH_ROWS,
    MAX_BATCH_SIZE,
    FORMAT,
    JSONPATHS,
    STRIP_OUTER_ARRAY,
    JSON_ROOT,
    STRICT_MODE,
    TIMEZONE,
    PARTIAL_UPDATE,
    PARTIAL_UPDATE_MODE,
    MERGE_CONDITION,
    TRIM_SPACE,
    ENCLOSE,
    ESCAPE,
    LOG_REJECTED_RECORD_NUM,
    TASK_CONSUME_SECOND,
    TASK_TIMEOUT_SECOND,
    PAUSE_ON_FATAL_PARSE_ERROR,
    WAREHOUSE,
    ENABLE_PROFILE,
];

/// Keys accepted in ALTER's PROPERTIES (spec §1.4, AlterRoutineLoadStmt).
pub const ALTER_JOB_KEYS: &[&str] = &[
    DESIRED_CONCURRENT_NUMBER,
    MAX_ERROR_NUMBER,
    MAX_FILTER_RATIO,
    MAX_BATCH_INTERVAL,
    MAX_BATCH_ROWS,
    MAX_BATCH_SIZE,
    JSONPATHS,
    JSON_ROOT,
    STRIP_OUTER_ARRAY,
    TASK_TIMEOUT_SECOND,
    TASK_CONSUME_SECOND,
    STRICT_MODE,
    TIMEZONE,
];

pub const KAFKA_BROKER_LIST: &str = "kafka_broker_list";
pub const KAFKA_TOPIC: &str = "kafka_topic";
pub const KAFKA_PARTITIONS: &str = "kafka_partitions";
pub const KAFKA_OFFSETS: &str = "kafka_offsets";
pub const CONFLUENT_SCHEMA_REGISTRY_URL: &str = "confluent.schema.registry.url";
pub const KAFKA_DEFAULT_OFFSETS: &str = "kafka_default_offsets";
pub const PROPERTY_PREFIX: &str = "property.";

/// `OFFSET_BEGINNING` stored value.
pub const OFFSET_BEGINNING_VAL: i64 = -2;
/// `OFFSET_END` stored value.
pub const OFFSET_END_VAL: i64 = -1;

/// StarRocks `TimeUtils.DEFAULT_TIME_ZONE`.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";
/// `RoutineLoadJob.DEFAULT_TASK_SCHED_INTERVAL_SECOND`.
pub const DEFAULT_MAX_BATCH_INTERVAL_S: i64 = 10;
/// `RoutineLoadJob.DEFAULT_MAX_BATCH_ROWS`.
pub const DEFAULT_MAX_BATCH_ROWS: i64 = 200000;

/// Data format of the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Csv,
    Json,
    Avro,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Avro => "avro",
        }
    }
}

/// FE config values that provide defaults (read at CREATE time).
#[derive(Debug, Clone, Copy)]
pub struct JobDefaults {
    pub max_routine_load_task_concurrent_num: i64,
    pub routine_load_task_consume_second: i64,
    pub routine_load_task_timeout_second: i64,
}

/// Validated job properties of a CREATE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobProperties {
    pub desired_concurrent_number: i64,
    pub max_error_number: i64,
    pub max_filter_ratio: f64,
    pub max_batch_interval_s: i64,
    pub max_batch_rows: i64,
    pub format: Format,
    pub jsonpaths: String,
    pub json_root: String,
    pub strip_outer_array: bool,
    pub strict_mode: bool,
    pub timezone: String,
    pub partial_update: bool,
    /// `"null"` unless set (StarRocks stores `String.valueOf(null)`).
    pub partial_update_mode: String,
    pub merge_condition: Option<String>,
    pub trim_space: bool,
    pub enclose: u8,
    pub escape: u8,
    pub log_rejected_record_num: i64,
    pub task_consume_second: i64,
    pub task_timeout_second: i64,
    pub pause_on_fatal_parse_error: bool,
    pub warehouse: Option<String>,
    /// Issue 17's keys (`rejected_props.rs`).
    #[serde(default)]
    pub rejected: RejectedRowProps,
}

fn get_long(
    props: &BTreeMap<String, String>,
    key: &str,
    default: i64,
    pred: impl Fn(i64) -> bool,
    hint: &str,
) -> Result<i64, String> {
    match props.get(key).map(String::as_str) {
        None | Some("") => Ok(default),
        Some(v) => match parse_java_long(v) {
            Some(n) if pred(n) => Ok(n),
            _ => Err(hint.to_string()),
        },
    }
}

/// `Long.parseLong`: optional sign, decimal digits, no spaces.
pub fn parse_java_long(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn get_bool(
    props: &BTreeMap<String, String>,
    key: &str,
    default: bool,
    hint: &str,
) -> Result<bool, String> {
    match props.get(key).map(String::as_str) {
        None | Some("") => Ok(default),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(hint.to_string()),
    }
}

/// `Boolean.valueOf`: only a case-insensitive "true" is true; never an error.
fn java_bool_value_of(v: Option<&String>) -> bool {
    v.is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// `TimeUtils.checkTimeZoneValidAndStandardize`: offsets become `+HH:MM` (−12:00…+14:00),
/// `CST`/`PRC` are aliases of Asia/Shanghai, other names must be known zone ids.
pub fn standardize_time_zone(value: &str) -> Result<String, String> {
    let err = || format!("Unknown or incorrect time zone: '{value}'");
    let v = value.trim();
    if let Some(rest) = v.strip_prefix(['+', '-']) {
        let neg = v.starts_with('-');
        let (h, m) = rest.split_once(':').ok_or_else(err)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(err());
        }
        let h: i32 = h.parse().map_err(|_| err())?;
        let m: i32 = m.parse().map_err(|_| err())?;
        if m >= 60 {
            return Err(err());
        }
        let total = (h * 60 + m) * if neg { -1 } else { 1 };
        if !(-12 * 60..=14 * 60).contains(&total) {
            return Err(err());
        }
        return Ok(format!("{}{:02}:{:02}", if neg { '-' } else { '+' }, h, m));
    }
    if v.eq_ignore_ascii_case("CST") || v.eq_ignore_ascii_case("PRC") {
        return Ok(DEFAULT_TIME_ZONE.to_string());
    }
    if v.parse::<chrono_tz::Tz>().is_ok() {
        return Ok(v.to_string());
    }
    Err(err())
}

impl JobProperties {
    /// Validates CREATE's PROPERTIES. `session_time_zone` is the session's `time_zone`.
    pub fn from_create(
        props: &BTreeMap<String, String>,
        defaults: JobDefaults,
        session_time_zone: &str,
    ) -> Result<Self, String> {
        if let Some(k) = props.keys().find(|k| {
            !CREATE_JOB_KEYS.contains(&k.as_str()) && !rejected_props::KEYS.contains(&k.as_str())
        }) {
            return Err(format!("{k} is invalid property"));
        }
        let desired_concurrent_number = get_long(
            props,
            DESIRED_CONCURRENT_NUMBER,
            defaults.max_routine_load_task_concurrent_num,
            |v| v > 0 && v <= i32::MAX as i64,
            "desired_concurrent_number should > 0",
        )?;
        let max_error_number = get_long(
            props,
            MAX_ERROR_NUMBER,
            0,
            |v| v >= 0,
            "max_error_number should >= 0",
        )?;
        let max_filter_ratio = match props.get(MAX_FILTER_RATIO).map(String::as_str) {
            None | Some("") => 1.0,
            Some(v) => {
                let r: f64 = v
                    .trim()
                    .parse()
                    .map_err(|_| "Incorrect format of max_filter_ratio".to_string())?;
                if !(0.0..=1.0).contains(&r) {
                    return Err("max_filter_ratio must between 0.0 and 1.0.".into());
                }
                r
            }
        };
        let max_batch_interval_s = get_long(
            props,
            MAX_BATCH_INTERVAL,
            DEFAULT_MAX_BATCH_INTERVAL_S,
            |v| v >= 5,
            "max_batch_interval should >= 5",
        )?;
        let max_batch_rows = get_long(
            props,
            MAX_BATCH_ROWS,
            DEFAULT_MAX_BATCH_ROWS,
            |v| v >= 200000,
            "max_batch_rows should >= 200000",
        )?;
        let strict_mode = get_bool(props, STRICT_MODE, false, "strict_mode should be a boolean")?;
        let partial_update = get_bool(
            props,
            PARTIAL_UPDATE,
            false,
            "partial_update should be a boolean",
        )?;
        let partial_update_mode = props
            .get(PARTIAL_UPDATE_MODE)
            .cloned()
            .unwrap_or_else(|| "null".into());
        let merge_condition = props.get(MERGE_CONDITION).cloned();
        let tz_in = props
            .get(TIMEZONE)
            .cloned()
            .unwrap_or_else(|| session_time_zone.to_string());
        let timezone = standardize_time_zone(&tz_in)?;
        let format = match props.get(FORMAT).map(|s| s.to_ascii_lowercase()) {
            None => Format::Csv,
            Some(f) if f.is_empty() || f == "csv" => Format::Csv,
            Some(f) if f == "json" => Format::Json,
            Some(f) if f == "avro" => Format::Avro,
            Some(_) => {
                return Err(format!(
                    "Format type is invalid. format=`{}`",
                    props.get(FORMAT).map(String::as_str).unwrap_or("")
                ))
            }
        };
        let jsonpaths = props.get(JSONPATHS).cloned().unwrap_or_default();
        let json_root = props.get(JSON_ROOT).cloned().unwrap_or_default();
        let strip_outer_array = java_bool_value_of(props.get(STRIP_OUTER_ARRAY));
        let trim_space = java_bool_value_of(props.get(TRIM_SPACE));
        // StarRocks takes the first char of the value as a byte (an empty value is an
        // index error there; we report it as a bad value).
        let byte_of = |key: &str| -> Result<u8, String> {
            match props.get(key) {
                None => Ok(0),
                Some(v) => v
                    .bytes()
                    .next()
                    .ok_or_else(|| format!("{key} should not be empty")),
            }
        };
        let enclose = byte_of(ENCLOSE)?;
        let escape = byte_of(ESCAPE)?;
        let log_rejected_record_num = get_long(
            props,
            LOG_REJECTED_RECORD_NUM,
            0,
            |v| v >= -1,
            "log_rejected_record_num should >= -1",
        )?;
        let pause_on_fatal_parse_error = get_bool(
            props,
            PAUSE_ON_FATAL_PARSE_ERROR,
            false,
            "pause_on_fatal_parse_error should be a boolean",
        )?;
        get_bool(
            props,
            ENABLE_PROFILE,
            false,
            "enable_profileshould be a boolean",
        )?;
        let (task_consume_second, task_timeout_second) = task_seconds(
            props,
            defaults.routine_load_task_consume_second,
            defaults.routine_load_task_timeout_second,
        )?;
        if let Some(w) = props.get(WAREHOUSE) {
            if w != "default_warehouse" {
                return Err(format!("Warehouse {w} not exists."));
            }
        }
        Ok(Self {
            desired_concurrent_number,
            max_error_number,
            max_filter_ratio,
            max_batch_interval_s,
            max_batch_rows,
            format,
            jsonpaths,
            json_root,
            strip_outer_array,
            strict_mode,
            timezone,
            partial_update,
            partial_update_mode,
            merge_condition,
            trim_space,
            enclose,
            escape,
            log_rejected_record_num,
            task_consume_second,
            task_timeout_second,
            pause_on_fatal_parse_error,
            warehouse: props.get(WAREHOUSE).cloned(),
            rejected: RejectedRowProps::from_create(props)?,
        })
    }

    /// Validates ALTER's PROPERTIES (whitelist and messages of AlterRoutineLoadStmt) and
    /// applies them to `self`.
    pub fn apply_alter(&mut self, props: &BTreeMap<String, String>) -> Result<(), String> {
        if let Some(k) = props.keys().find(|k| {
            !ALTER_JOB_KEYS.contains(&k.as_str()) && !rejected_props::KEYS.contains(&k.as_str())
        }) {
            return Err(format!("{k} is invalid property"));
        }
        let mut next = self.clone();
        if props.contains_key(DESIRED_CONCURRENT_NUMBER) {
            next.desired_concurrent_number = get_long(
                props,
                DESIRED_CONCURRENT_NUMBER,
                self.desired_concurrent_number,
                |v| v > 0 && v <= i32::MAX as i64,
                "desired_concurrent_number should > 0",
            )?;
        }
        if props.contains_key(MAX_ERROR_NUMBER) {
            next.max_error_number = get_long(
                props,
                MAX_ERROR_NUMBER,
                self.max_error_number,
                |v| v >= 0,
                "max_error_number should >= 0",
            )?;
        }
        if let Some(v) = props.get(MAX_FILTER_RATIO) {
            let r: f64 = v
                .trim()
                .parse()
                .map_err(|_| "Incorrect format of max_filter_ratio".to_string())?;
            if !(0.0..=1.0).contains(&r) {
                return Err("max_filter_ratio must between 0.0 and 1.0.".into());
            }
            next.max_filter_ratio = r;
        }
        if props.contains_key(MAX_BATCH_INTERVAL) {
            next.max_batch_interval_s = get_long(
                props,
                MAX_BATCH_INTERVAL,
                self.max_batch_interval_s,
                |v| v >= 5,
                "max_batch_interval should >= 5",
            )?;
        }
        if props.contains_key(MAX_BATCH_ROWS) {
            // AlterRoutineLoadStmt's text says ">" while the predicate is ">=".
            next.max_batch_rows = get_long(
                props,
                MAX_BATCH_ROWS,
                self.max_batch_rows,
                |v| v >= 200000,
                "max_batch_rows should > 200000",
            )?;
        }
        if props.contains_key(TASK_CONSUME_SECOND) || props.contains_key(TASK_TIMEOUT_SECOND) {
            let (c, t) = task_seconds(props, self.task_consume_second, self.task_timeout_second)?;
            next.task_consume_second = c;
            next.task_timeout_second = t;
        }
        if props.contains_key(STRICT_MODE) {
            next.strict_mode = java_bool_value_of(props.get(STRICT_MODE));
        }
        if props.contains_key(STRIP_OUTER_ARRAY) {
            next.strip_outer_array = java_bool_value_of(props.get(STRIP_OUTER_ARRAY));
        }
        if let Some(v) = props.get(TIMEZONE) {
            next.timezone = standardize_time_zone(v)?;
        }
        if let Some(v) = props.get(JSONPATHS) {
            next.jsonpaths = v.clone();
        }
        if let Some(v) = props.get(JSON_ROOT) {
            next.json_root = v.clone();
        }
        next.rejected.apply_alter(props)?;
        *self = next;
        Ok(())
    }
}

/// task_consume_second / task_timeout_second with the 1:4 derivation (spec §2.1, §1.4).
fn task_seconds(
    props: &BTreeMap<String, String>,
    default_consume: i64,
    default_timeout: i64,
) -> Result<(i64, i64), String> {
    let parse = |key: &str| -> Result<Option<i64>, String> {
        match props.get(key) {
            None => Ok(None),
            Some(v) => {
                let n = parse_java_long(v.trim())
                    .ok_or_else(|| format!("Incorrect format of {key}"))?;
                if n <= 0 {
                    return Err(format!("{key} must be greater than 0"));
                }
                Ok(Some(n))
            }
        }
    };
    let consume = parse(TASK_CONSUME_SECOND)?;
    let timeout = parse(TASK_TIMEOUT_SECOND)?;
    let (c, t) = match (consume, timeout) {
        (Some(c), Some(t)) => (c, t),
        (Some(c), None) => (c, c.saturating_mul(4)),
        (None, Some(t)) => (t / 4, t),
        (None, None) => (default_consume, default_timeout),
    };
    if c >= t {
        return Err("task_timeout_second must be larger than task_consume_second".into());
    }
    Ok((c, t))
}

/// Validated `FROM KAFKA (...)` properties of a CREATE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct KafkaProperties {
    pub broker_list: String,
    pub topic: String,
    /// Explicit `kafka_partitions` (user order) with the offset each starts from
    /// (`kafka_offsets`, else `kafka_default_offsets`, else OFFSET_END).
    pub partition_offsets: Vec<(i32, i64)>,
    /// The `kafka_offsets` text as given, per partition, for SHOW CREATE.
    pub offsets_given: bool,
    /// `property.X` entries with the prefix stripped (kafka_default_offsets included, as in
    /// StarRocks's customProperties).
    pub custom: BTreeMap<String, String>,
    /// Insertion order of `custom` keys (SHOW prints them through a Java HashMap).
    pub custom_order: Vec<String>,
    pub confluent_schema_registry_url: Option<String>,
    /// `group.id` was not given and was set to `<job_name>_<uuid>` (SHOW CREATE omits it).
    #[serde(default)]
    pub group_id_defaulted: bool,
}

/// Parses one offset: an integer ≥ 0, `OFFSET_BEGINNING` or `OFFSET_END` (case-insensitive).
pub fn parse_kafka_offset(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("OFFSET_BEGINNING") {
        return Ok(OFFSET_BEGINNING_VAL);
    }
    if t.eq_ignore_ascii_case("OFFSET_END") {
        return Ok(OFFSET_END_VAL);
    }
    match parse_java_long(t) {
        Some(n) if n < 0 => Err("Can not specify offset smaller than 0".into()),
        Some(n) => Ok(n),
        None => Err(format!("kafka offset must be a integer: {t}")),
    }
}

fn parse_partitions(v: &str) -> Result<Vec<i32>, String> {
    let v = v.replace(' ', "");
    if v.is_empty() {
        return Err("kafka_partitions could not be a empty string".into());
    }
    v.split(',')
        .map(|p| {
            if p.is_empty() {
                return Err("kafka partition could not be a empty string".to_string());
            }
            p.parse::<i32>()
                .map_err(|_| "kafka partition must be a integer".to_string())
        })
        .collect()
}

fn parse_offsets(v: &str) -> Result<Vec<i64>, String> {
    let v = v.replace(' ', "");
    if v.is_empty() {
        return Err("kafka_offsets could not be a empty string".into());
    }
    v.split(',').map(parse_kafka_offset).collect()
}

/// Kafka's `host:port` endpoint check (`.*?\[?([0-9a-zA-Z\-%._:]*)\]?:(\d+)` as a full match
/// is equivalent to "ends with `:` followed by one or more digits").
fn broker_matches(b: &str) -> bool {
    match b.rsplit_once(':') {
        Some((_, port)) => !port.is_empty() && port.bytes().all(|c| c.is_ascii_digit()),
        None => false,
    }
}

const BROKER_REGEX: &str = ".*?\\[?([0-9a-zA-Z\\-%._:]*)\\]?:(\\d+)";

/// Collects `property.*` entries, checking their keys.
fn custom_properties(
    props: &[(String, String)],
) -> Result<(BTreeMap<String, String>, Vec<String>), String> {
    let mut custom = BTreeMap::new();
    let mut order = Vec::new();
    for (k, v) in props {
        if let Some(name) = k.strip_prefix(PROPERTY_PREFIX) {
            if name.is_empty() || v.is_empty() {
                return Err("kafka property value could not be a empty string".into());
            }
            if custom.insert(name.to_string(), v.clone()).is_none() {
                order.push(name.to_string());
            }
        }
    }
    Ok((custom, order))
}

impl KafkaProperties {
    /// The partitions named in `kafka_partitions` (empty: the job follows every partition of
    /// the topic).
    pub fn explicit_partitions(&self) -> Vec<i32> {
        self.partition_offsets.iter().map(|(p, _)| *p).collect()
    }

    /// Validates CREATE's `FROM KAFKA (...)` (entries in statement order).
    pub fn from_create(props: &[(String, String)]) -> Result<Self, String> {
        let get = |key: &str| {
            props
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        for (k, _) in props {
            let ok = matches!(
                k.as_str(),
                KAFKA_BROKER_LIST
                    | KAFKA_TOPIC
                    | KAFKA_PARTITIONS
                    | KAFKA_OFFSETS
                    | CONFLUENT_SCHEMA_REGISTRY_URL
            ) || k.starts_with(PROPERTY_PREFIX);
            if !ok {
                return Err(format!("{k} is invalid kafka custom property"));
            }
        }
        let broker_list = get(KAFKA_BROKER_LIST)
            .map(|b| b.replace(' ', ""))
            .ok_or_else(|| "kafka_broker_list is a required property".to_string())?;
        if broker_list.is_empty() {
            return Err("kafka_broker_list cannot be empty".into());
        }
        for b in broker_list.split(',') {
            if !broker_matches(b) {
                return Err(format!(
                    "kafka_broker_list: {b} does not match pattern {BROKER_REGEX}"
                ));
            }
        }
        let topic = get(KAFKA_TOPIC)
            .map(|t| t.replace(' ', ""))
            .ok_or_else(|| "kafka_topic is a required property".to_string())?;
        if topic.is_empty() {
            return Err("kafka_topic is a required property".into());
        }
        let partitions = get(KAFKA_PARTITIONS)
            .map(|v| parse_partitions(&v))
            .transpose()?;
        let offsets = get(KAFKA_OFFSETS).map(|v| parse_offsets(&v)).transpose()?;
        let (custom, custom_order) = custom_properties(props)?;
        let default_offset = match custom.get(KAFKA_DEFAULT_OFFSETS) {
            Some(v) => parse_kafka_offset(v)?,
            None => OFFSET_END_VAL,
        };
        let mut partition_offsets = Vec::new();
        match (&partitions, &offsets) {
            (Some(ps), Some(os)) => {
                if ps.len() != os.len() {
                    return Err("Partitions number should be equals to offsets number".into());
                }
                partition_offsets = ps.iter().copied().zip(os.iter().copied()).collect();
            }
            (Some(ps), None) => {
                partition_offsets = ps.iter().map(|p| (*p, default_offset)).collect();
            }
            (None, Some(_)) => return Err("Missing kafka partition info".into()),
            (None, None) => {}
        }
        let confluent_schema_registry_url = get(CONFLUENT_SCHEMA_REGISTRY_URL);
        Ok(Self {
            broker_list,
            topic,
            partition_offsets,
            offsets_given: offsets.is_some(),
            custom,
            custom_order,
            confluent_schema_registry_url,
            group_id_defaulted: false,
        })
    }

    /// The offset for a partition discovered later (`kafka_default_offsets`, else OFFSET_END).
    pub fn default_offset(&self) -> i64 {
        self.custom
            .get(KAFKA_DEFAULT_OFFSETS)
            .and_then(|v| parse_kafka_offset(v).ok())
            .unwrap_or(OFFSET_END_VAL)
    }

    /// librdkafka settings for the consumer (kafka_default_offsets removed).
    pub fn rdkafka_properties(&self) -> BTreeMap<String, String> {
        let mut m = self.custom.clone();
        m.remove(KAFKA_DEFAULT_OFFSETS);
        m
    }
}

/// Validated `FROM KAFKA (...)` of an ALTER (spec §1.4, RoutineLoadDataSourceProperties).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KafkaAlter {
    pub broker_list: Option<String>,
    pub partition_offsets: Vec<(i32, i64)>,
    pub custom: Vec<(String, String)>,
    pub confluent_schema_registry_url: Option<String>,
}

impl KafkaAlter {
    pub fn from_alter(props: &[(String, String)]) -> Result<Self, String> {
        let get = |key: &str| {
            props
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        for (k, _) in props {
            let ok = matches!(
                k.as_str(),
                KAFKA_BROKER_LIST | KAFKA_PARTITIONS | KAFKA_OFFSETS
            ) || k.starts_with(PROPERTY_PREFIX)
                || k.starts_with("confluent.");
            if !ok {
                return Err(format!("{k} is invalid kafka custom property"));
            }
        }
        let broker_list = match get(KAFKA_BROKER_LIST) {
            None => None,
            Some(b) => {
                let b = b.replace(' ', "");
                if b.is_empty() {
                    return Err("kafka_broker_list cannot be empty".into());
                }
                for e in b.split(',') {
                    if !broker_matches(e) {
                        return Err(format!(
                            "kafka_broker_list: {e} does not match pattern {BROKER_REGEX}"
                        ));
                    }
                }
                Some(b)
            }
        };
        let partitions = get(KAFKA_PARTITIONS)
            .map(|v| parse_partitions(&v))
            .transpose()?;
        let offsets = get(KAFKA_OFFSETS).map(|v| parse_offsets(&v)).transpose()?;
        let partition_offsets = match (partitions, offsets) {
            (Some(ps), Some(os)) => {
                if ps.len() != os.len() {
                    return Err("Partitions number should be equals to offsets number".into());
                }
                ps.into_iter().zip(os).collect()
            }
            (Some(_), None) => {
                return Err("Partition and offset must be specified at the same time".into())
            }
            (None, Some(_)) => return Err("Missing kafka partition info".into()),
            (None, None) => Vec::new(),
        };
        let (custom_map, order) = custom_properties(props)?;
        let custom = order
            .into_iter()
            .filter_map(|k| custom_map.get(&k).map(|v| (k, v.clone())))
            .collect();
        Ok(Self {
            broker_list,
            partition_offsets,
            custom,
            confluent_schema_registry_url: get(CONFLUENT_SCHEMA_REGISTRY_URL),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> JobDefaults {
        JobDefaults {
            max_routine_load_task_concurrent_num: 5,
            routine_load_task_consume_second: 15,
            routine_load_task_timeout_second: 60,
        }
    }

    fn create(pairs: &[(&str, &str)]) -> Result<JobProperties, String> {
        let m = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        JobProperties::from_create(&m, defaults(), DEFAULT_TIME_ZONE)
    }

    fn kafka(pairs: &[(&str, &str)]) -> Result<KafkaProperties, String> {
        let v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        KafkaProperties::from_create(&v)
    }

    #[test]
    fn job_defaults() {
        let p = create(&[]).unwrap();
        assert_eq!(p.desired_concurrent_number, 5);
        assert_eq!(p.max_error_number, 0);
        assert_eq!(p.max_filter_ratio, 1.0);
        assert_eq!(p.max_batch_interval_s, 10);
        assert_eq!(p.max_batch_rows, 200000);
        assert_eq!(p.format, Format::Csv);
        assert_eq!(p.timezone, "Asia/Shanghai");
        assert_eq!(p.partial_update_mode, "null");
        assert_eq!((p.task_consume_second, p.task_timeout_second), (15, 60));
        assert_eq!((p.enclose, p.escape), (0, 0));
    }

    #[test]
    fn job_property_errors_have_starrocks_texts() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("bogus", "1")], "bogus is invalid property"),
            (
                &[("desired_concurrent_number", "0")],
                "desired_concurrent_number should > 0",
            ),
            (
                &[("desired_concurrent_number", "x")],
                "desired_concurrent_number should > 0",
            ),
            (
                &[("max_error_number", "-1")],
                "max_error_number should >= 0",
            ),
            (
                &[("max_filter_ratio", "abc")],
                "Incorrect format of max_filter_ratio",
            ),
            (
                &[("max_filter_ratio", "1.5")],
                "max_filter_ratio must between 0.0 and 1.0.",
            ),
            (
                &[("max_batch_interval", "4")],
                "max_batch_interval should >= 5",
            ),
            (
                &[("max_batch_rows", "199999")],
                "max_batch_rows should >= 200000",
            ),
            (&[("strict_mode", "yes")], "strict_mode should be a boolean"),
            (
                &[("partial_update", "1")],
                "partial_update should be a boolean",
            ),
            (
                &[("timezone", "Mars/Base")],
                "Unknown or incorrect time zone: 'Mars/Base'",
            ),
            (
                &[("timezone", "+15:00")],
                "Unknown or incorrect time zone: '+15:00'",
            ),
            (&[("format", "xml")], "Format type is invalid. format=`xml`"),
            (
                &[("log_rejected_record_num", "-2")],
                "log_rejected_record_num should >= -1",
            ),
            (
                &[("task_consume_second", "a")],
                "Incorrect format of task_consume_second",
            ),
            (
                &[("task_timeout_second", "0")],
                "task_timeout_second must be greater than 0",
            ),
            (
                &[("task_consume_second", "60"), ("task_timeout_second", "60")],
                "task_timeout_second must be larger than task_consume_second",
            ),
            (
                &[("pause_on_fatal_parse_error", "maybe")],
                "pause_on_fatal_parse_error should be a boolean",
            ),
            (&[("warehouse", "w1")], "Warehouse w1 not exists."),
        ];
        for (pairs, msg) in cases {
            assert_eq!(create(pairs).unwrap_err(), *msg, "{pairs:?}");
        }
    }

    #[test]
    fn job_property_values() {
        let p = create(&[
            ("format", "JSON"),
            ("strip_outer_array", "TRUE"),
            ("timezone", "+8:00"),
            ("task_consume_second", "5"),
            ("enclose", "\""),
            ("trim_space", "yes"),
        ])
        .unwrap();
        assert_eq!(p.format, Format::Json);
        assert!(p.strip_outer_array);
        assert!(!p.trim_space);
        assert_eq!(p.timezone, "+08:00");
        assert_eq!((p.task_consume_second, p.task_timeout_second), (5, 20));
        assert_eq!(p.enclose, 34);
        let p = create(&[("task_timeout_second", "30"), ("timezone", "CST")]).unwrap();
        assert_eq!((p.task_consume_second, p.task_timeout_second), (7, 30));
        assert_eq!(p.timezone, "Asia/Shanghai");
    }

    #[test]
    fn alter_properties() {
        let mut p = create(&[]).unwrap();
        let m = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            p.apply_alter(&m(&[("format", "json")])).unwrap_err(),
            "format is invalid property"
        );
        assert_eq!(
            p.apply_alter(&m(&[("max_batch_rows", "5")])).unwrap_err(),
            "max_batch_rows should > 200000"
        );
        p.apply_alter(&m(&[
            ("desired_concurrent_number", "2"),
            ("strict_mode", "xx"),
            ("max_error_number", "10"),
        ]))
        .unwrap();
        assert_eq!(p.desired_concurrent_number, 2);
        assert_eq!(p.max_error_number, 10);
        assert!(!p.strict_mode);
    }

    #[test]
    fn kafka_properties_seed_example() {
        let k = kafka(&[
            ("kafka_broker_list", "host1:9092, host2:9092"),
            ("kafka_topic", "ordertest1"),
            ("kafka_partitions", "0,1,2,3,4"),
            ("property.kafka_default_offsets", "OFFSET_BEGINNING"),
        ])
        .unwrap();
        assert_eq!(k.broker_list, "host1:9092,host2:9092");
        assert_eq!(
            k.partition_offsets,
            (0..5).map(|p| (p, -2)).collect::<Vec<_>>()
        );
        assert!(k.rdkafka_properties().is_empty());
        assert_eq!(k.default_offset(), -2);
    }

    #[test]
    fn kafka_property_errors_have_starrocks_texts() {
        let b = ("kafka_broker_list", "h:9092");
        let t = ("kafka_topic", "t");
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[b, t, ("bogus", "1")], "bogus is invalid kafka custom property"),
            (&[t], "kafka_broker_list is a required property"),
            (&[b], "kafka_topic is a required property"),
            (
                &[("kafka_broker_list", "nohostport"), t],
                "kafka_broker_list: nohostport does not match pattern .*?\\[?([0-9a-zA-Z\\-%._:]*)\\]?:(\\d+)",
            ),
            (
                &[b, t, ("kafka_partitions", "")],
                "kafka_partitions could not be a empty string",
            ),
            (
                &[b, t, ("kafka_partitions", "0,a")],
                "kafka partition must be a integer",
            ),
            (
                &[b, t, ("kafka_partitions", "0,1"), ("kafka_offsets", "0")],
                "Partitions number should be equals to offsets number",
            ),
            (
                &[b, t, ("kafka_partitions", "0"), ("kafka_offsets", "-5")],
                "Can not specify offset smaller than 0",
            ),
            (
                &[b, t, ("kafka_partitions", "0"), ("kafka_offsets", "abc")],
                "kafka offset must be a integer: abc",
            ),
            (
                &[b, t, ("kafka_partitions", "0"), ("kafka_offsets", "")],
                "kafka_offsets could not be a empty string",
            ),
            (&[b, t, ("kafka_offsets", "1")], "Missing kafka partition info"),
            (
                &[b, t, ("property.", "x")],
                "kafka property value could not be a empty string",
            ),
        ];
        for (pairs, msg) in cases {
            assert_eq!(kafka(pairs).unwrap_err(), *msg, "{pairs:?}");
        }
    }

    #[test]
    fn kafka_offsets_keywords_and_security_passthrough() {
        let k = kafka(&[
            ("kafka_broker_list", "[::1]:9092"),
            ("kafka_topic", "t"),
            ("kafka_partitions", "1,0"),
            ("kafka_offsets", "offset_end,7"),
            ("property.security.protocol", "SASL_SSL"),
            ("property.sasl.password", "p"),
        ])
        .unwrap();
        assert_eq!(k.partition_offsets, vec![(1, -1), (0, 7)]);
        assert_eq!(
            k.rdkafka_properties()
                .get("security.protocol")
                .map(String::as_str),
            Some("SASL_SSL")
        );
    }

    #[test]
    fn kafka_alter_rules() {
        let v = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            KafkaAlter::from_alter(&v(&[("kafka_partitions", "0")])).unwrap_err(),
            "Partition and offset must be specified at the same time"
        );
        assert_eq!(
            KafkaAlter::from_alter(&v(&[("kafka_topic", "x")])).unwrap_err(),
            "kafka_topic is invalid kafka custom property"
        );
        let a = KafkaAlter::from_alter(&v(&[
            ("kafka_partitions", "0,1"),
            ("kafka_offsets", "5,OFFSET_BEGINNING"),
            ("property.group.id", "g2"),
        ]))
        .unwrap();
        assert_eq!(a.partition_offsets, vec![(0, 5), (1, -2)]);
        assert_eq!(a.custom, vec![("group.id".into(), "g2".into())]);
    }
}
