//! Session and global variables, as StarRocks's `VariableMgr` / `SessionVariable` /
//! `GlobalVariable` (fe/fe-core/src/main/java/com/starrocks/qe/) define them.
//!
//! Layout:
//! - [`VARS`] is the one table of every variable: name, alias, type, flags and default.
//! - [`GlobalVariables`] (one per FE, in `FeContext::variables`) holds the value of every
//!   GLOBAL variable and the global default of every session variable; `SET GLOBAL` changes it
//!   and persists it (meta key prefix `0x60`, one key per variable name).
//! - [`SessionVariables`] (one per connection) holds a copy of the session variables taken at
//!   connect time plus a handle on the globals.
//!
//! Rules (VariableMgr): names are case-insensitive, aliases resolve to the main name; a
//! read-only variable cannot be set (1621); a SESSION_ONLY variable cannot be set with GLOBAL
//! (1228); a GLOBAL variable must be set with GLOBAL (1229); `SET GLOBAL` of a session
//! variable changes the default for new sessions *and* the current session. An unknown name
//! fails with 1193 listing the three most similar names (Jaro-Winkler, as StarRocks).
//!
//! starload additions (StarRocks lacks them and some tools break): `default_storage_engine`
//! and `storage_engine` (both `OLAP`).

use crate::config::FeConfig;
use crate::error::{SqlError, SqlResult};
use crate::meta::{keys, MetaBatch, MetaStore};
use crate::result::ColumnKind;
use starload_proto::error_code;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// Flag: only one instance per process (StarRocks `GlobalVariable`).
pub const GLOBAL: u8 = 1 << 1;
/// Flag: exists only per session; `SET GLOBAL` is refused.
pub const SESSION_ONLY: u8 = 1 << 2;
/// Flag: cannot be set at all.
pub const READ_ONLY: u8 = 1 << 3;
/// Flag: hidden from `SHOW VARIABLES`.
pub const INVISIBLE: u8 = 1 << 4;

/// The Java type of a variable's field, which decides the SELECT column type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarType {
    Bool,
    Int,
    Long,
    Double,
    Str,
}

/// A typed variable value.
#[derive(Debug, Clone, PartialEq)]
pub enum VarValue {
    Bool(bool),
    Int(i32),
    Long(i64),
    Double(f64),
    Str(String),
}

impl VarValue {
    /// The text `SHOW VARIABLES` prints (Java `toString`: booleans `true`/`false`).
    pub fn show_text(&self) -> String {
        match self {
            VarValue::Bool(b) => b.to_string(),
            VarValue::Int(i) => i.to_string(),
            VarValue::Long(l) => l.to_string(),
            VarValue::Double(d) => java_double(*d),
            VarValue::Str(s) => s.clone(),
        }
    }

    /// The text sent in a `SELECT @@x` row (BOOLEAN travels as TINYINT 1/0).
    pub fn select_text(&self) -> String {
        match self {
            VarValue::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            other => other.show_text(),
        }
    }

    /// The result column type of `SELECT @@x` (VariableMgr.fillValue).
    pub fn column_kind(&self) -> ColumnKind {
        match self {
            VarValue::Bool(_) => ColumnKind::Boolean,
            VarValue::Int(_) => ColumnKind::Int,
            VarValue::Long(_) => ColumnKind::Bigint,
            VarValue::Double(_) => ColumnKind::Double,
            VarValue::Str(_) => ColumnKind::Varchar,
        }
    }
}

/// Java's `Double.toString` for the values variables hold (`0.0`, `1.5`).
fn java_double(d: f64) -> String {
    if d.fract() == 0.0 && d.abs() < 1e7 {
        format!("{d:.1}")
    } else {
        d.to_string()
    }
}

/// Where a default comes from.
#[derive(Debug, Clone, Copy)]
enum DefaultValue {
    Bool(bool),
    Int(i32),
    Long(i64),
    Double(f64),
    Str(&'static str),
    /// Computed at startup (config, host time zone).
    Dynamic(fn(&FeConfig) -> VarValue),
}

/// One variable definition.
#[derive(Debug, Clone, Copy)]
pub struct VarDef {
    /// The name `SET` and `SELECT @@` use (StarRocks `VarAttr.name`).
    pub name: &'static str,
    /// Second accepted name (`VarAttr.alias`).
    pub alias: Option<&'static str>,
    /// Name printed by SHOW VARIABLES when it differs from `name` (`VarAttr.show`).
    pub show: Option<&'static str>,
    pub ty: VarType,
    pub flags: u8,
    default: DefaultValue,
}

impl VarDef {
    /// The name SHOW VARIABLES prints.
    pub fn show_name(&self) -> &'static str {
        self.show.unwrap_or(self.name)
    }
    /// True for variables of `GlobalVariable` (one value per process).
    pub fn is_global_only(&self) -> bool {
        self.flags & GLOBAL != 0
    }
    fn default_value(&self, config: &FeConfig) -> VarValue {
        match self.default {
            DefaultValue::Bool(b) => VarValue::Bool(b),
            DefaultValue::Int(i) => VarValue::Int(i),
            DefaultValue::Long(l) => VarValue::Long(l),
            DefaultValue::Double(d) => VarValue::Double(d),
            DefaultValue::Str(s) => VarValue::Str(s.to_string()),
            DefaultValue::Dynamic(f) => f(config),
        }
    }
}

const fn var(name: &'static str, ty: VarType, flags: u8, default: DefaultValue) -> VarDef {
    VarDef {
        name,
        alias: None,
        show: None,
        ty,
        flags,
        default,
    }
}

const fn aliased(
    name: &'static str,
    alias: &'static str,
    ty: VarType,
    flags: u8,
    default: DefaultValue,
) -> VarDef {
    VarDef {
        name,
        alias: Some(alias),
        show: None,
        ty,
        flags,
        default,
    }
}

use DefaultValue as D;
use VarType as T;

/// `version`: the handshake version (config `mysql_server_version`).
fn default_version(c: &FeConfig) -> VarValue {
    VarValue::Str(c.mysql_server_version.clone())
}

/// `version_comment`: names starload and the StarRocks release it mirrors.
fn default_version_comment(c: &FeConfig) -> VarValue {
    VarValue::Str(version_comment(c))
}

fn default_time_zone(_: &FeConfig) -> VarValue {
    VarValue::Str(host_time_zone())
}

/// `starload 0.1.0 (StarRocks 3.4.0)`.
pub fn version_comment(c: &FeConfig) -> String {
    format!(
        "starload {} (StarRocks {})",
        env!("CARGO_PKG_VERSION"),
        c.starrocks_version
    )
}

/// The host's zone ID (StarRocks uses the JVM default zone): `TZ`, `/etc/timezone`, the
/// `/etc/localtime` link target, else `UTC`.
pub fn host_time_zone() -> String {
    let valid = |s: &str| s.parse::<chrono_tz::Tz>().is_ok();
    if let Ok(tz) = std::env::var("TZ") {
        let tz = tz.trim_start_matches(':').trim().to_string();
        if valid(&tz) {
            return tz;
        }
    }
    if let Ok(text) = std::fs::read_to_string("/etc/timezone") {
        let tz = text.trim().to_string();
        if valid(&tz) {
            return tz;
        }
    }
    if let Ok(target) = std::fs::read_link("/etc/localtime") {
        let t = target.to_string_lossy();
        if let Some((_, tz)) = t.split_once("zoneinfo/") {
            if valid(tz) {
                return tz.to_string();
            }
        }
    }
    "UTC".to_string()
}

/// Every variable, sorted by name. Defaults from StarRocks SessionVariable.java /
/// GlobalVariable.java (3.4); see frontend.md §2.2.
pub static VARS: &[VarDef] = &[
    var(
        "activate_all_roles_on_login",
        T::Bool,
        GLOBAL,
        D::Bool(false),
    ),
    var("auto_increment_increment", T::Int, 0, D::Int(1)),
    var("autocommit", T::Bool, 0, D::Bool(true)),
    var("batch_size", T::Int, 0, D::Int(4096)),
    var("big_query_profile_threshold", T::Str, 0, D::Str("0s")),
    var("catalog", T::Str, 0, D::Str("default_catalog")),
    var("cbo_eq_base_type", T::Str, 0, D::Str("varchar")),
    var("character_set_client", T::Str, 0, D::Str("utf8")),
    var("character_set_connection", T::Str, 0, D::Str("utf8")),
    var("character_set_database", T::Str, GLOBAL, D::Str("utf8")),
    var("character_set_results", T::Str, 0, D::Str("utf8")),
    var("character_set_server", T::Str, 0, D::Str("utf8")),
    var("collation_connection", T::Str, 0, D::Str("utf8_general_ci")),
    var("collation_database", T::Str, 0, D::Str("utf8_general_ci")),
    var("collation_server", T::Str, 0, D::Str("utf8_general_ci")),
    var("count_distinct_column_buckets", T::Int, 0, D::Int(1024)),
    var("default_rowset_type", T::Str, GLOBAL, D::Str("alpha")),
    // starload addition: StarRocks lacks it and Django / IntelliJ fail (issues #40846, #55629).
    var("default_storage_engine", T::Str, 0, D::Str("OLAP")),
    var("default_table_compression", T::Str, 0, D::Str("lz4_frame")),
    var("disable_colocate_join", T::Bool, 0, D::Bool(false)),
    var("disable_join_reorder", T::Bool, 0, D::Bool(false)),
    var("div_precision_increment", T::Int, 0, D::Int(4)),
    var("enable_adaptive_sink_dop", T::Bool, 0, D::Bool(true)),
    var("enable_global_runtime_filter", T::Bool, 0, D::Bool(true)),
    var("enable_insert_strict", T::Bool, 0, D::Bool(true)),
    var(
        "enable_materialized_view_rewrite",
        T::Bool,
        0,
        D::Bool(true),
    ),
    var("enable_pipeline_engine", T::Bool, 0, D::Bool(true)),
    var("enable_profile", T::Bool, 0, D::Bool(false)),
    var("enable_query_cache", T::Bool, 0, D::Bool(false)),
    var("enable_scan_datacache", T::Bool, 0, D::Bool(true)),
    var("enable_sort_aggregate", T::Bool, 0, D::Bool(false)),
    var("enable_spill", T::Bool, 0, D::Bool(false)),
    var("enable_strict_type", T::Bool, 0, D::Bool(false)),
    var("exec_mem_limit", T::Long, 0, D::Long(2_147_483_648)),
    aliased(
        "forward_to_leader",
        "forward_to_master",
        T::Bool,
        0,
        D::Bool(false),
    ),
    var("group_concat_max_len", T::Long, 0, D::Long(1024)),
    var("init_connect", T::Str, GLOBAL, D::Str("")),
    var("innodb_read_only", T::Bool, 0, D::Bool(true)),
    var("insert_max_filter_ratio", T::Double, 0, D::Double(0.0)),
    var("insert_timeout", T::Int, 0, D::Int(14400)),
    var("interactive_timeout", T::Int, 0, D::Int(3600)),
    var(
        "language",
        T::Str,
        GLOBAL | READ_ONLY,
        D::Str("/starrocks/share/english/"),
    ),
    var(
        "license",
        T::Str,
        GLOBAL | READ_ONLY,
        D::Str("Apache License 2.0"),
    ),
    var("load_mem_limit", T::Long, 0, D::Long(0)),
    var(
        "lower_case_table_names",
        T::Int,
        GLOBAL | READ_ONLY,
        D::Int(0),
    ),
    var("max_allowed_packet", T::Int, 0, D::Int(33_554_432)),
    var("max_pushdown_conditions_per_column", T::Int, 0, D::Int(-1)),
    var(
        "net_buffer_length",
        T::Int,
        GLOBAL | READ_ONLY,
        D::Int(16384),
    ),
    var("net_read_timeout", T::Int, 0, D::Int(60)),
    var("net_write_timeout", T::Int, 0, D::Int(60)),
    var("new_planner_optimize_timeout", T::Long, 0, D::Long(3000)),
    var("parallel_fragment_exec_instance_num", T::Int, 0, D::Int(1)),
    var(
        "performance_schema",
        T::Bool,
        GLOBAL | READ_ONLY,
        D::Bool(false),
    ),
    var("pipeline_dop", T::Int, 0, D::Int(0)),
    var("pipeline_profile_level", T::Int, 0, D::Int(1)),
    var("pipeline_sink_dop", T::Int, 0, D::Int(0)),
    var("prefer_join_method", T::Str, 0, D::Str("broadcast")),
    var("query_cache_size", T::Long, GLOBAL, D::Long(1_048_576)),
    var("query_cache_type", T::Int, 0, D::Int(0)),
    var("query_mem_limit", T::Long, 0, D::Long(0)),
    var("query_timeout", T::Int, 0, D::Int(300)),
    var("resource_group", T::Str, 0, D::Str("")),
    var(
        "runtime_filter_on_exchange_node",
        T::Bool,
        0,
        D::Bool(false),
    ),
    var("spill_storage_volume", T::Str, 0, D::Str("")),
    // Upper case in StarRocks too (SessionVariable.SQL_AUTO_IS_NULL).
    var("SQL_AUTO_IS_NULL", T::Bool, 0, D::Bool(false)),
    var("sql_dialect", T::Str, 0, D::Str("StarRocks")),
    // Stored as a bit mask under `sql_mode_v2`, set and shown as `sql_mode` (SqlModeHelper).
    VarDef {
        name: "sql_mode_v2",
        alias: Some("sql_mode"),
        show: Some("sql_mode"),
        ty: T::Long,
        flags: 0,
        default: D::Long(SQL_MODE_DEFAULT),
    },
    var("sql_quote_show_create", T::Bool, 0, D::Bool(true)),
    var("sql_safe_updates", T::Int, 0, D::Int(0)),
    var("sql_select_limit", T::Long, 0, D::Long(i64::MAX)),
    // starload addition, as default_storage_engine.
    var("storage_engine", T::Str, 0, D::Str("OLAP")),
    var("streaming_preaggregation_mode", T::Str, 0, D::Str("auto")),
    var(
        "system_time_zone",
        T::Str,
        GLOBAL | READ_ONLY,
        D::Dynamic(default_time_zone),
    ),
    var("tablet_internal_parallel_mode", T::Str, 0, D::Str("auto")),
    var("time_zone", T::Str, 0, D::Dynamic(default_time_zone)),
    var(
        "transaction_isolation",
        T::Str,
        0,
        D::Str("REPEATABLE-READ"),
    ),
    aliased(
        "transaction_read_only",
        "tx_read_only",
        T::Bool,
        0,
        D::Bool(false),
    ),
    var("tx_isolation", T::Str, 0, D::Str("REPEATABLE-READ")),
    var(
        "version",
        T::Str,
        GLOBAL | READ_ONLY,
        D::Dynamic(default_version),
    ),
    var(
        "version_comment",
        T::Str,
        GLOBAL | READ_ONLY,
        D::Dynamic(default_version_comment),
    ),
    var("wait_timeout", T::Int, 0, D::Int(28800)),
    var("warehouse", T::Str, 0, D::Str("default_warehouse")),
];

/// Finds a variable by name or alias, case-insensitively.
pub fn lookup(name: &str) -> Option<&'static VarDef> {
    VARS.iter().find(|v| {
        v.name.eq_ignore_ascii_case(name) || v.alias.is_some_and(|a| a.eq_ignore_ascii_case(name))
    })
}

/// `Unknown system variable 'x', the most similar variables are {'a', 'b', 'c'}` (1193), with
/// the analyzer prefix StarRocks 3.4 sends (frontend.md §6.3).
pub fn unknown_variable(name: &str) -> SqlError {
    let mut e = SqlError::code(
        error_code::ERR_UNKNOWN_SYSTEM_VARIABLE,
        &[name, &similar_names(name)],
    );
    e.message = format!("Getting analyzing error. Detail message: {}.", e.message);
    e
}

/// The three names closest to `input` by Jaro-Winkler distance on upper-cased names
/// (VariableMgr.findSimilarVarNames), as `{'a', 'b', 'c'}`.
pub fn similar_names(input: &str) -> String {
    let upper = input.to_ascii_uppercase();
    let mut names: Vec<&str> = VARS.iter().map(|v| v.name).collect();
    // StarRocks iterates a case-insensitive sorted map; the sort below is stable.
    names.sort_by_key(|n| n.to_ascii_lowercase());
    let mut scored: Vec<(f64, &str)> = names
        .into_iter()
        .map(|n| (1.0 - jaro_winkler(&n.to_ascii_uppercase(), &upper), n))
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let parts: Vec<String> = scored
        .iter()
        .take(3)
        .map(|(_, n)| format!("'{n}'"))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

/// Jaro-Winkler similarity as Apache commons-text `JaroWinklerSimilarity` computes it.
fn jaro_winkler(first: &str, second: &str) -> f64 {
    let a: Vec<char> = first.chars().collect();
    let b: Vec<char> = second.chars().collect();
    let (max, min) = if a.len() > b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let range = (max.len() / 2).saturating_sub(1);
    let mut match_indexes = vec![usize::MAX; min.len()];
    let mut match_flags = vec![false; max.len()];
    let mut matches = 0usize;
    for (mi, c1) in min.iter().enumerate() {
        let lo = mi.saturating_sub(range);
        let hi = (mi + range + 1).min(max.len());
        for xi in lo..hi {
            if !match_flags[xi] && *c1 == max[xi] {
                match_indexes[mi] = xi;
                match_flags[xi] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let ms1: Vec<char> = min
        .iter()
        .zip(&match_indexes)
        .filter(|(_, i)| **i != usize::MAX)
        .map(|(c, _)| *c)
        .collect();
    let ms2: Vec<char> = max
        .iter()
        .zip(&match_flags)
        .filter(|(_, f)| **f)
        .map(|(c, _)| *c)
        .collect();
    let half_transpositions = ms1.iter().zip(&ms2).filter(|(x, y)| x != y).count();
    let mut prefix = 0usize;
    for i in 0..4.min(min.len()) {
        if a[i] == b[i] {
            prefix += 1;
        } else {
            break;
        }
    }
    let m = matches as f64;
    let j = (m / a.len() as f64 + m / b.len() as f64 + (m - half_transpositions as f64 / 2.0) / m)
        / 3.0;
    if j < 0.7 {
        j
    } else {
        j + 0.1 * prefix as f64 * (1.0 - j)
    }
}

// ---------------------------------------------------------------------------------------------
// sql_mode (SqlModeHelper)

/// Default `sql_mode`: ONLY_FULL_GROUP_BY.
pub const SQL_MODE_DEFAULT: i64 = 32;

/// Supported modes, in the case-insensitive name order StarRocks decodes them in.
const SQL_MODES: &[(&str, i64)] = &[
    ("ANSI", 1 << 18),
    ("ANSI_QUOTES", 1 << 2),
    ("ERROR_FOR_DIVISION_BY_ZERO", 1 << 26),
    ("ERROR_IF_OVERFLOW", 1 << 35),
    ("FORBID_INVALID_DATE", 1 << 8),
    ("HIGH_NOT_PRECEDENCE", 1 << 29),
    ("IGNORE_SPACE", 1 << 3),
    ("INVALID_DATES", 1 << 25),
    ("MODE_DOUBLE_LITERAL", 1 << 17),
    ("NO_AUTO_VALUE_ON_ZERO", 1 << 19),
    ("NO_BACKSLASH_ESCAPES", 1 << 20),
    ("NO_DIR_IN_CREATE", 1 << 7),
    ("NO_ENGINE_SUBSTITUTION", 1 << 30),
    ("NO_UNSIGNED_SUBTRACTION", 1 << 6),
    ("NO_ZERO_DATE", 1 << 24),
    ("NO_ZERO_IN_DATE", 1 << 23),
    ("NOT_USED", 1 << 4),
    ("ONLY_FULL_GROUP_BY", 1 << 5),
    ("PAD_CHAR_TO_FULL_LENGTH", 1 << 31),
    ("PIPES_AS_CONCAT", 1 << 1),
    ("REAL_AS_FLOAT", 1),
    ("SORT_NULLS_LAST", 1 << 33),
    ("STRICT_ALL_TABLES", 1 << 22),
    ("STRICT_TRANS_TABLES", 1 << 21),
    ("TIME_TRUNCATE_FRACTIONAL", 1 << 32),
    ("TRADITIONAL", 1 << 27),
];

const MODE_ANSI_COMBINED: i64 = 1 | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 5);
const MODE_TRADITIONAL_COMBINED: i64 =
    (1 << 21) | (1 << 22) | (1 << 23) | (1 << 24) | (1 << 26) | (1 << 30);

fn sql_mode_allowed_mask() -> i64 {
    SQL_MODES.iter().fold(0, |m, (_, b)| m | b)
}

fn expand_sql_mode(mut mode: i64) -> i64 {
    if mode & (1 << 18) != 0 {
        mode |= MODE_ANSI_COMBINED;
    }
    if mode & (1 << 27) != 0 {
        mode |= MODE_TRADITIONAL_COMBINED;
    }
    mode
}

/// Mask -> `A,B` names (SqlModeHelper.decode). 0 is the empty string.
pub fn decode_sql_mode(mode: i64) -> String {
    SQL_MODES
        .iter()
        .filter(|(_, bit)| mode & bit != 0)
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

/// `A,B` names or numbers -> mask (SqlModeHelper.encode). Unknown name -> 1231.
pub fn encode_sql_mode(text: &str) -> SqlResult<i64> {
    let mut result = 0i64;
    for key in text.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        let code = if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
            key.parse::<i64>().map(expand_sql_mode).unwrap_or(-1)
        } else {
            match SQL_MODES.iter().find(|(n, _)| n.eq_ignore_ascii_case(key)) {
                Some((_, bit)) => expand_sql_mode(*bit),
                None => 0,
            }
        };
        if code == 0 {
            return Err(wrong_value("sql_mode", key));
        }
        result |= code;
        if result & !sql_mode_allowed_mask() != 0 {
            return Err(wrong_value("sql_mode", key));
        }
    }
    Ok(result)
}

fn wrong_value(name: &str, value: &str) -> SqlError {
    SqlError::code(error_code::ERR_WRONG_VALUE_FOR_VAR, &[name, value])
}

fn wrong_type(name: &str) -> SqlError {
    SqlError::code(error_code::ERR_WRONG_TYPE_FOR_VAR, &[name])
}

/// Parses a SET value for a variable of type `def.ty` (VariableMgr.parseValue plus the
/// converters and checks of SetStmtAnalyzer that clients hit).
pub fn parse_value(def: &VarDef, raw: &str) -> SqlResult<VarValue> {
    let name = def.show_name();
    if def.name == "sql_mode_v2" {
        return encode_sql_mode(raw).map(VarValue::Long);
    }
    if def.name == "time_zone" {
        return normalize_time_zone(raw).map(VarValue::Str);
    }
    let v = raw.trim();
    let parsed = match def.ty {
        T::Bool => {
            if v.eq_ignore_ascii_case("ON") || v.eq_ignore_ascii_case("TRUE") || v == "1" {
                VarValue::Bool(true)
            } else if v.eq_ignore_ascii_case("OFF") || v.eq_ignore_ascii_case("FALSE") || v == "0" {
                VarValue::Bool(false)
            } else {
                return Err(wrong_type(name));
            }
        }
        T::Int => VarValue::Int(v.parse().map_err(|_| wrong_type(name))?),
        T::Long => VarValue::Long(v.parse().map_err(|_| wrong_type(name))?),
        T::Double => VarValue::Double(v.parse().map_err(|_| wrong_type(name))?),
        T::Str => VarValue::Str(raw.to_string()),
    };
    check_range(def, &parsed)?;
    Ok(parsed)
}

/// Range checks of SetStmtAnalyzer (`<name> must be equal or greater than N`).
fn check_range(def: &VarDef, v: &VarValue) -> SqlResult<()> {
    let n = match v {
        VarValue::Int(i) => i64::from(*i),
        VarValue::Long(l) => *l,
        _ => return Ok(()),
    };
    let (min, max): (i64, Option<i64>) = match def.name {
        "sql_select_limit" | "load_mem_limit" | "query_mem_limit" => (0, None),
        // SessionVariable.MAX_QUERY_TIMEOUT = 259200.
        "query_timeout" => (1, Some(259_200)),
        "new_planner_optimize_timeout" => (1, None),
        _ => return Ok(()),
    };
    if n < min {
        return Err(SqlError::analyzing(format!(
            "{} must be equal or greater than {min}",
            def.name
        )));
    }
    if let Some(max) = max {
        if n > max {
            return Err(SqlError::analyzing(format!(
                "{} must be equal or smaller than {max}",
                def.name
            )));
        }
    }
    Ok(())
}

/// TimeUtils.checkTimeZoneValidAndStandardize: `+8:00` -> `+08:00`, `CST` -> `Asia/Shanghai`,
/// a zone ID as given; anything else fails with `Unknown or incorrect time zone: 'x'`.
pub fn normalize_time_zone(raw: &str) -> SqlResult<String> {
    let v = raw.trim();
    // DdlException from ErrorReport (code 1298 recorded), rethrown by SetStmtAnalyzer.
    let bad = || SqlError::analyzing_code(error_code::ERR_UNKNOWN_TIME_ZONE, &[raw]);
    if v.eq_ignore_ascii_case("CST") {
        return Ok("Asia/Shanghai".to_string());
    }
    if let Some(rest) = v.strip_prefix(['+', '-']) {
        let sign = &v[..1];
        let (h, m) = rest.split_once(':').ok_or_else(bad)?;
        let hh: u32 = h.parse().map_err(|_| bad())?;
        let mm: u32 = m.parse().map_err(|_| bad())?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 || mm > 59 || hh * 60 + mm > 14 * 60 {
            return Err(bad());
        }
        return Ok(format!("{sign}{hh:02}:{mm:02}"));
    }
    if v.parse::<chrono_tz::Tz>().is_ok() {
        return Ok(v.to_string());
    }
    Err(bad())
}

// ---------------------------------------------------------------------------------------------
// Values

/// Which value a read means: `@@x`/`@@session.x`/`@@local.x` read the session value, and
/// `@@global.x` the global one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarScope {
    Session,
    Global,
}

/// The FE's global variable values (and global defaults of session variables).
pub struct GlobalVariables {
    values: RwLock<BTreeMap<&'static str, VarValue>>,
    meta: Option<Arc<MetaStore>>,
}

impl GlobalVariables {
    /// Defaults from `config`, without persistence (tests, tools).
    pub fn new(config: &FeConfig) -> Self {
        let values = VARS
            .iter()
            .map(|d| (d.name, d.default_value(config)))
            .collect();
        Self {
            values: RwLock::new(values),
            meta: None,
        }
    }

    /// Defaults from `config`, then the values persisted by earlier `SET GLOBAL`s.
    pub fn load(config: &FeConfig, meta: Arc<MetaStore>) -> Result<Self, crate::meta::MetaError> {
        let mut g = Self::new(config);
        let saved: Vec<(Vec<u8>, String)> = meta.scan_prefix(&[keys::GLOBAL_VARIABLE])?;
        {
            let values = g.values.get_mut().unwrap_or_else(|p| p.into_inner());
            for (key, text) in saved {
                let name = String::from_utf8_lossy(&key[1..]).to_string();
                // A value that no longer parses (type changed) falls back to the default.
                if let Some(def) = lookup(&name) {
                    if def.flags & READ_ONLY == 0 {
                        if let Ok(v) = parse_value(def, &text) {
                            values.insert(def.name, v);
                        }
                    }
                }
            }
        }
        g.meta = Some(meta);
        Ok(g)
    }

    /// Replaces the global values with defaults from `config` plus what the store holds now.
    pub fn reload(&self, config: &FeConfig) -> Result<(), crate::meta::MetaError> {
        let Some(meta) = &self.meta else {
            return Ok(());
        };
        let fresh = Self::load(config, meta.clone())?;
        *self.values.write().unwrap_or_else(|p| p.into_inner()) =
            fresh.values.into_inner().unwrap_or_else(|p| p.into_inner());
        Ok(())
    }

    /// The global value of a variable (by its main name).
    fn get_def(&self, def: &VarDef) -> VarValue {
        let values = self.values.read().unwrap_or_else(|p| p.into_inner());
        values
            .get(def.name)
            .cloned()
            .unwrap_or(VarValue::Str(String::new()))
    }

    /// The global value of `name` (or its alias); 1193 when unknown.
    pub fn get(&self, name: &str) -> SqlResult<VarValue> {
        let def = lookup(name).ok_or_else(|| unknown_variable(name))?;
        Ok(self.get_def(def))
    }

    /// Sets and persists a global value (after the flag checks of [`SessionVariables::set`]).
    fn set_def(&self, def: &'static VarDef, value: VarValue) -> SqlResult<()> {
        if let Some(meta) = &self.meta {
            let mut batch = MetaBatch::new();
            let key = keys::name_key(keys::GLOBAL_VARIABLE, def.name);
            batch
                .put(&key, &storage_text(def, &value))
                .map_err(SqlError::internal)?;
            meta.write(batch).map_err(SqlError::internal)?;
        }
        let mut values = self.values.write().unwrap_or_else(|p| p.into_inner());
        values.insert(def.name, value);
        Ok(())
    }

    /// Every session variable's global value, for a new session.
    fn session_defaults(&self) -> BTreeMap<&'static str, VarValue> {
        let values = self.values.read().unwrap_or_else(|p| p.into_inner());
        VARS.iter()
            .filter(|d| !d.is_global_only())
            .filter_map(|d| values.get(d.name).map(|v| (d.name, v.clone())))
            .collect()
    }
}

impl std::fmt::Debug for GlobalVariables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GlobalVariables")
            .field("persisted", &self.meta.is_some())
            .finish_non_exhaustive()
    }
}

/// The text a value is persisted as (parseable again by [`parse_value`]).
fn storage_text(def: &VarDef, v: &VarValue) -> String {
    if def.name == "sql_mode_v2" {
        if let VarValue::Long(m) = v {
            return m.to_string();
        }
    }
    v.show_text()
}

/// One row of SHOW VARIABLES.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableRow {
    pub name: String,
    pub value: String,
    pub default_value: String,
    pub is_changed: bool,
}

/// A connection's session variables.
#[derive(Debug, Clone)]
pub struct SessionVariables {
    globals: Arc<GlobalVariables>,
    values: BTreeMap<&'static str, VarValue>,
    config: Arc<FeConfig>,
}

impl Default for SessionVariables {
    /// A session over fresh, unpersisted globals with default config (tests, tools).
    fn default() -> Self {
        let config = FeConfig::default();
        let globals = Arc::new(GlobalVariables::new(&config));
        Self::new(globals, Arc::new(config))
    }
}

impl SessionVariables {
    /// A new session: copies the current global defaults (VariableMgr.newSessionVariable).
    pub fn new(globals: Arc<GlobalVariables>, config: Arc<FeConfig>) -> Self {
        let values = globals.session_defaults();
        Self {
            globals,
            values,
            config,
        }
    }

    /// The globals this session was created from.
    pub fn globals(&self) -> &Arc<GlobalVariables> {
        &self.globals
    }

    /// Every session value as its storage text: what a follower sends with a statement it
    /// forwards to the leader ([`Self::restore_values`] on the other side).
    pub fn export_values(&self) -> BTreeMap<String, String> {
        self.values
            .iter()
            .filter_map(|(name, v)| lookup(name).map(|d| (name.to_string(), storage_text(d, v))))
            .collect()
    }

    /// Sets the values [`Self::export_values`] produced (unknown names and values that no
    /// longer parse keep this session's value).
    pub fn restore_values(&mut self, values: &BTreeMap<String, String>) {
        for (name, text) in values {
            if let Some(def) = lookup(name) {
                if let Ok(v) = parse_value(def, text) {
                    self.values.insert(def.name, v);
                }
            }
        }
    }

    /// The typed value of `name` (or alias) in `scope`; 1193 when unknown. A GLOBAL-only
    /// variable has the same value in both scopes.
    pub fn get(&self, scope: VarScope, name: &str) -> SqlResult<VarValue> {
        let def = lookup(name).ok_or_else(|| unknown_variable(name))?;
        Ok(self.get_def(scope, def))
    }

    /// The value `SELECT @@name` returns. Same as [`Self::get`] except `sql_mode`, which is
    /// returned as its names (MySQL does; StarRocks returns the mask, which breaks
    /// SQLAlchemy's `'ANSI_QUOTES' in sql_mode`; frontend.md §2.2 leaves it unverified).
    pub fn get_for_select(&self, scope: VarScope, name: &str) -> SqlResult<VarValue> {
        let def = lookup(name).ok_or_else(|| unknown_variable(name))?;
        let v = self.get_def(scope, def);
        Ok(match (def.name, v) {
            ("sql_mode_v2", VarValue::Long(m)) => VarValue::Str(decode_sql_mode(m)),
            (_, v) => v,
        })
    }

    fn get_def(&self, scope: VarScope, def: &VarDef) -> VarValue {
        if def.is_global_only() || scope == VarScope::Global {
            return self.globals.get_def(def);
        }
        self.values
            .get(def.name)
            .cloned()
            .unwrap_or_else(|| self.globals.get_def(def))
    }

    /// Shortcut for a session boolean (false when unknown or not a boolean).
    pub fn get_bool(&self, name: &str) -> bool {
        matches!(self.get(VarScope::Session, name), Ok(VarValue::Bool(true)))
    }

    /// Shortcut for a session string (empty when unknown).
    pub fn get_str(&self, name: &str) -> String {
        self.get(VarScope::Session, name)
            .map(|v| v.show_text())
            .unwrap_or_default()
    }

    /// Shortcut for a session integer (0 when unknown or not a number).
    pub fn get_i64(&self, name: &str) -> i64 {
        match self.get(VarScope::Session, name) {
            Ok(VarValue::Int(i)) => i64::from(i),
            Ok(VarValue::Long(l)) => l,
            _ => 0,
        }
    }

    /// `SET [GLOBAL|SESSION] name = value` with `value` as text (`None` = `DEFAULT`), after
    /// VariableMgr.setSystemVariable: existence (1193), read-only (1621), scope (1228/1229),
    /// then type/value checks. `SET GLOBAL` of a session variable also sets this session.
    pub fn set(&mut self, scope: VarScope, name: &str, value: Option<&str>) -> SqlResult<()> {
        let def = lookup(name).ok_or_else(|| unknown_variable(name))?;
        if def.flags & READ_ONLY != 0 {
            return Err(SqlError::code(
                error_code::ERR_VARIABLE_IS_READONLY,
                &[name],
            ));
        }
        if scope == VarScope::Global && def.flags & SESSION_ONLY != 0 {
            return Err(SqlError::code(error_code::ERR_LOCAL_VARIABLE, &[name]));
        }
        if scope != VarScope::Global && def.is_global_only() {
            return Err(SqlError::code(error_code::ERR_GLOBAL_VARIABLE, &[name]));
        }
        let parsed = match value {
            Some(v) => parse_value(def, v)?,
            None => def.default_value(&self.config),
        };
        if scope == VarScope::Global {
            self.globals.set_def(def, parsed.clone())?;
        }
        if !def.is_global_only() {
            self.values.insert(def.name, parsed);
        }
        Ok(())
    }

    /// SHOW [GLOBAL|SESSION|VERBOSE] VARIABLES rows, sorted by shown name (VariableMgr.dump).
    /// `filter` sees the shown name; invisible variables are left out.
    pub fn dump(&self, scope: VarScope, filter: impl Fn(&str) -> bool) -> Vec<VariableRow> {
        let mut rows: Vec<VariableRow> = VARS
            .iter()
            .filter(|d| d.flags & INVISIBLE == 0 && filter(d.show_name()))
            .map(|d| {
                let value = self.get_def(scope, d);
                let default = d.default_value(&self.config);
                let text = |v: &VarValue| match (d.name, v) {
                    ("sql_mode_v2", VarValue::Long(m)) => decode_sql_mode(*m),
                    (_, v) => v.show_text(),
                };
                VariableRow {
                    name: d.show_name().to_string(),
                    value: text(&value),
                    default_value: text(&default),
                    is_changed: text(&value) != text(&default),
                }
            })
            .collect();
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> SessionVariables {
        SessionVariables::default()
    }

    #[test]
    fn table_is_sorted_and_unique() {
        for w in VARS.windows(2) {
            let (a, b) = (
                w[0].name.to_ascii_lowercase(),
                w[1].name.to_ascii_lowercase(),
            );
            assert!(a < b, "{a} !< {b}");
        }
    }

    #[test]
    fn typed_defaults() {
        let s = session();
        assert_eq!(
            s.get(VarScope::Session, "autocommit").unwrap(),
            VarValue::Bool(true)
        );
        assert_eq!(
            s.get(VarScope::Session, "max_allowed_packet").unwrap(),
            VarValue::Int(33_554_432)
        );
        assert_eq!(
            s.get(VarScope::Session, "version").unwrap(),
            VarValue::Str("8.0.33".into())
        );
        assert_eq!(
            s.get(VarScope::Global, "VERSION_COMMENT").unwrap(),
            VarValue::Str(format!(
                "starload {} (StarRocks 3.4.0)",
                env!("CARGO_PKG_VERSION")
            ))
        );
        assert_eq!(
            s.get(VarScope::Session, "default_storage_engine").unwrap(),
            VarValue::Str("OLAP".into())
        );
        assert_eq!(
            s.get(VarScope::Session, "tx_read_only").unwrap(),
            VarValue::Bool(false)
        );
        assert_eq!(
            s.get_for_select(VarScope::Session, "sql_mode").unwrap(),
            VarValue::Str("ONLY_FULL_GROUP_BY".into())
        );
        assert_eq!(VarValue::Bool(true).select_text(), "1");
        assert_eq!(VarValue::Bool(true).show_text(), "true");
        assert_eq!(VarValue::Double(0.0).show_text(), "0.0");
    }

    #[test]
    fn unknown_variable_lists_similar_names() {
        let e = session()
            .get(VarScope::Session, "max_allowed_packets")
            .unwrap_err();
        assert_eq!(e.errno, 1193);
        assert_eq!(e.sqlstate, "HY000");
        assert!(e.message.starts_with(
            "Getting analyzing error. Detail message: Unknown system variable 'max_allowed_packets', the most similar variables are {'max_allowed_packet', "
        ), "{}", e.message);
        assert!(e.message.ends_with("}."), "{}", e.message);
    }

    #[test]
    fn jaro_winkler_matches_commons_text() {
        // Reference values of commons-text JaroWinklerSimilarity.
        assert!((jaro_winkler("MARTHA", "MARHTA") - 0.9611111111111111).abs() < 1e-12);
        assert!((jaro_winkler("DWAYNE", "DUANE") - 0.84).abs() < 1e-12);
        assert_eq!(jaro_winkler("ABC", "XYZ"), 0.0);
        assert_eq!(jaro_winkler("SAME", "SAME"), 1.0);
    }

    #[test]
    fn set_rules() {
        let mut s = session();
        s.set(VarScope::Session, "autocommit", Some("0")).unwrap();
        assert!(!s.get_bool("autocommit"));
        s.set(VarScope::Session, "AUTOCOMMIT", Some("on")).unwrap();
        assert!(s.get_bool("autocommit"));
        let e = s.set(VarScope::Session, "version", Some("9")).unwrap_err();
        assert_eq!(
            (e.errno, e.message.as_str()),
            (1621, "Variable 'version' is a read only variable")
        );
        let e = s
            .set(VarScope::Session, "init_connect", Some("x"))
            .unwrap_err();
        assert_eq!(
            (e.errno, e.message.as_str()),
            (
                1229,
                "Variable 'init_connect' is a GLOBAL variable and should be set with SET GLOBAL"
            )
        );
        let e = s
            .set(VarScope::Session, "autocommit", Some("maybe"))
            .unwrap_err();
        assert_eq!(e.errno, 1232);
        let e = s.set(VarScope::Session, "nope", Some("1")).unwrap_err();
        assert_eq!(e.errno, 1193);
        // DEFAULT restores the default.
        s.set(VarScope::Session, "query_timeout", Some("10"))
            .unwrap();
        s.set(VarScope::Session, "query_timeout", None).unwrap();
        assert_eq!(s.get_i64("query_timeout"), 300);
        let e = s
            .set(VarScope::Session, "query_timeout", Some("0"))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Getting analyzing error. Detail message: query_timeout must be equal or greater than 1."
        );
    }

    #[test]
    fn set_global_changes_new_sessions_and_current() {
        let mut a = session();
        let b_before = SessionVariables::new(a.globals().clone(), Arc::new(FeConfig::default()));
        a.set(VarScope::Global, "query_timeout", Some("77"))
            .unwrap();
        assert_eq!(a.get_i64("query_timeout"), 77);
        assert_eq!(b_before.get_i64("query_timeout"), 300);
        let c = SessionVariables::new(a.globals().clone(), Arc::new(FeConfig::default()));
        assert_eq!(c.get_i64("query_timeout"), 77);
        a.set(VarScope::Global, "init_connect", Some("SELECT 1"))
            .unwrap();
        assert_eq!(c.get_str("init_connect"), "SELECT 1");
    }

    #[test]
    fn sql_mode_encode_decode() {
        assert_eq!(decode_sql_mode(32), "ONLY_FULL_GROUP_BY");
        assert_eq!(decode_sql_mode(0), "");
        let m = encode_sql_mode("32,STRICT_TRANS_TABLES").unwrap();
        assert_eq!(decode_sql_mode(m), "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES");
        assert_eq!(
            encode_sql_mode("ONLY_FULL_GROUP_BY,,STRICT_TRANS_TABLES").unwrap(),
            m
        );
        let e = encode_sql_mode("BOGUS").unwrap_err();
        assert_eq!(
            (e.errno, e.message.as_str()),
            (
                1231,
                "Variable 'sql_mode' can't be set to the value of 'BOGUS'"
            )
        );
        let mut s = session();
        s.set(
            VarScope::Session,
            "sql_mode",
            Some("ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES"),
        )
        .unwrap();
        let rows = s.dump(VarScope::Session, |n| n == "sql_mode");
        assert_eq!(rows[0].value, "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES");
        assert!(rows[0].is_changed);
    }

    #[test]
    fn time_zone_values() {
        assert_eq!(normalize_time_zone("+8:00").unwrap(), "+08:00");
        assert_eq!(normalize_time_zone("Asia/Tokyo").unwrap(), "Asia/Tokyo");
        assert_eq!(normalize_time_zone("CST").unwrap(), "Asia/Shanghai");
        let e = normalize_time_zone("Mars/Base").unwrap_err();
        assert_eq!(
            (e.errno, e.message.as_str()),
            (
                1298,
                "Getting analyzing error. Detail message: Unknown or incorrect time zone: 'Mars/Base'."
            )
        );
    }

    #[test]
    fn dump_sorted_and_filtered() {
        let s = session();
        let rows = s.dump(VarScope::Session, |_| true);
        assert!(rows.windows(2).all(|w| w[0].name <= w[1].name));
        assert!(rows.iter().any(|r| r.name == "sql_mode"));
        assert!(!rows.iter().any(|r| r.name == "sql_mode_v2"));
        let auto = rows.iter().find(|r| r.name == "autocommit").unwrap();
        assert_eq!(auto.value, "true");
    }
}
