//! Dynamic partitioning (StarRocks `DynamicPartitionUtil`, `DynamicPartitionProperty`, the
//! planning half of `DynamicPartitionScheduler`): the `dynamic_partition.*` table properties
//! (defaults, checks, StarRocks's texts) and, for a moment `now`, which partitions a table
//! should gain and which it should lose. Pure functions; the partitions are created and
//! dropped by CREATE TABLE's analysis (`partition_analysis.rs`) and by the background loop
//! (`dynamic_partition_scheduler.rs`) through the ALTER TABLE ADD / DROP PARTITION path.
//!
//! | time_unit | partition name | range |
//! |---|---|---|
//! | HOUR | prefix + `yyyyMMddHH` | `[hour start, next hour start)` (DATETIME only) |
//! | DAY | prefix + `yyyyMMdd` | `[midnight, next midnight)` |
//! | WEEK | prefix + `yyyy_ww` (Java `WEEK_OF_YEAR`, see `partition_batch::java_week_of_year`) | from the `start_day_of_week` on or before, 7 days |
//! | MONTH | prefix + `yyyyMM` | from day `start_day_of_month`, one month |
//! | YEAR | prefix + `yyyy` | from January 1st, one year |
//!
//! Borders are local times in `dynamic_partition.time_zone`, written as the partition column
//! writes them (`getPartitionFormat`: DATE `yyyy-MM-dd`, DATETIME `yyyy-MM-dd HH:mm:ss`,
//! integers `yyyyMMdd`). Offsets `max(start, -history_partition_num) ..= end` are created;
//! partitions ending at or before the `start` offset's border are dropped (never when `start`
//! was not given).
//!
//! Departures: Java shifts DAY/WEEK/MONTH/YEAR borders that fall into a DST gap at midnight
//! (`withHour(0)` on a `ZonedDateTime`); starload keeps the naive local midnight. Java names a
//! WEEK partition from the border parsed in the JVM's zone and read in the table's zone (a day
//! off when the two differ by enough); starload names it from the border date itself.

use crate::catalog::partition_error::PartitionError;
use crate::catalog::partition_info::{PartitionInfo, PartitionKey, RangePartitionInfo};
use crate::catalog::partition_value::{is_integer_type, PartitionValue, TimeUnit};
use crate::catalog::types::DataType;
use crate::handler::partition_batch::{
    check_prefix, check_start_day_of_month, check_start_day_of_week, java_int, java_week_of_year,
    previous_or_same,
};
use crate::variables::normalize_time_zone;
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc,
};
use std::collections::BTreeMap;

pub const ENABLE: &str = "dynamic_partition.enable";
pub const TIME_UNIT: &str = "dynamic_partition.time_unit";
pub const TIME_ZONE: &str = "dynamic_partition.time_zone";
pub const START: &str = "dynamic_partition.start";
pub const END: &str = "dynamic_partition.end";
pub const PREFIX: &str = "dynamic_partition.prefix";
pub const BUCKETS: &str = "dynamic_partition.buckets";
pub const HISTORY_PARTITION_NUM: &str = "dynamic_partition.history_partition_num";
pub const START_DAY_OF_WEEK: &str = "dynamic_partition.start_day_of_week";
pub const START_DAY_OF_MONTH: &str = "dynamic_partition.start_day_of_month";
pub const REPLICATION_NUM: &str = "dynamic_partition.replication_num";

/// Every `dynamic_partition.*` key CREATE TABLE accepts.
pub const PROPERTY_KEYS: &[&str] = &[
    ENABLE,
    TIME_UNIT,
    TIME_ZONE,
    START,
    END,
    PREFIX,
    BUCKETS,
    HISTORY_PARTITION_NUM,
    START_DAY_OF_WEEK,
    START_DAY_OF_MONTH,
    REPLICATION_NUM,
];

/// The keys whose presence makes a table dynamic (`checkInputDynamicPartitionProperties`).
const TRIGGER_KEYS: &[&str] = &[ENABLE, TIME_UNIT, TIME_ZONE, PREFIX, START, END, BUCKETS];

/// `dynamic_partition.start` when not given (`Integer.MIN_VALUE`): nothing is ever dropped.
pub const MIN_START_OFFSET: i32 = i32::MIN;

/// Most partitions `end + history_partition_num` may ask for (FE config
/// `max_dynamic_partition_num`; CREATE TABLE's analysis has no config, as for buckets).
pub const MAX_DYNAMIC_PARTITION_NUM: i64 = 500;

/// Default prefix (`DynamicPartitionProperty.NOT_SET_PREFIX`).
const DEFAULT_PREFIX: &str = "p";

fn given<'a>(props: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    props.get(key).map(String::as_str)
}

fn non_empty<'a>(props: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    given(props, key).filter(|v| !v.is_empty())
}

/// True when the table's properties name dynamic partitioning and enable it
/// (`DynamicPartitionProperty.isExist() && getEnable()`, `Boolean.parseBoolean`).
pub fn is_enabled(props: &BTreeMap<String, String>) -> bool {
    given(props, ENABLE).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// True when any `dynamic_partition.*` property is given.
pub fn has_dynamic_properties(props: &BTreeMap<String, String>) -> bool {
    props.keys().any(|k| k.starts_with("dynamic_partition"))
}

/// CREATE TABLE: the defaults StarRocks puts into the properties of a table that names
/// dynamic partitioning (`checkInputDynamicPartitionProperties`: enable `true`, prefix `p`,
/// start `Integer.MIN_VALUE`, time_zone the FE's zone) plus the values its SHOW CREATE TABLE
/// always prints (`DynamicPartitionProperty.toString`: history_partition_num, the start day of
/// a WEEK or MONTH unit), with values written as it prints them (booleans and numbers parsed,
/// the zone standardised, buckets only when positive). Values that do not parse are kept as
/// given: [`check_properties`] rejects them with their own text.
pub fn add_defaults(props: &mut BTreeMap<String, String>, system_time_zone: &str) {
    if !TRIGGER_KEYS.iter().any(|k| non_empty(props, k).is_some()) {
        return;
    }
    for (key, default) in [
        (ENABLE, "true"),
        (PREFIX, DEFAULT_PREFIX),
        (START, &MIN_START_OFFSET.to_string()),
        (TIME_ZONE, system_time_zone),
    ] {
        if non_empty(props, key).is_none() {
            props.insert(key.to_string(), default.to_string());
        }
    }
    props
        .entry(HISTORY_PARTITION_NUM.to_string())
        .or_insert_with(|| "0".to_string());
    match non_empty(props, TIME_UNIT).and_then(TimeUnit::from_name) {
        Some(TimeUnit::Week) => {
            props
                .entry(START_DAY_OF_WEEK.to_string())
                .or_insert_with(|| "1".to_string());
        }
        Some(TimeUnit::Month) => {
            props
                .entry(START_DAY_OF_MONTH.to_string())
                .or_insert_with(|| "1".to_string());
        }
        _ => {}
    }
    if let Some(v) = props.get_mut(ENABLE) {
        if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false") {
            *v = v.to_ascii_lowercase();
        }
    }
    for key in [
        START,
        END,
        HISTORY_PARTITION_NUM,
        START_DAY_OF_WEEK,
        START_DAY_OF_MONTH,
        REPLICATION_NUM,
        BUCKETS,
    ] {
        if let Some(v) = props.get_mut(key) {
            if let Some(n) = java_int(v) {
                *v = n.to_string();
            }
        }
    }
    // Buckets 0 (or below) mean "the table's" and are not printed by StarRocks.
    if given(props, BUCKETS)
        .and_then(java_int)
        .is_some_and(|n| n <= 0)
    {
        props.remove(BUCKETS);
    }
    if let Some(v) = props.get_mut(TIME_ZONE) {
        if let Ok(z) = normalize_time_zone(v) {
            *v = z;
        }
    }
}

/// `checkTimeUnit`: HOUR, DAY, WEEK, MONTH, YEAR (any case).
fn check_time_unit(v: &str) -> Result<TimeUnit, PartitionError> {
    match TimeUnit::from_name(v) {
        Some(
            u
            @ (TimeUnit::Hour | TimeUnit::Day | TimeUnit::Week | TimeUnit::Month | TimeUnit::Year),
        ) => Ok(u),
        _ => Err(PartitionError::DynamicTimeUnit(v.to_string())),
    }
}

/// Checks a partitioned table's `dynamic_partition.*` properties in StarRocks's order
/// (`checkInputDynamicPartitionProperties`, then `analyzeDynamicPartition`). `info` is the
/// analysed partitioning; call after [`add_defaults`].
pub fn check_properties(
    props: &BTreeMap<String, String>,
    info: &PartitionInfo,
) -> Result<(), PartitionError> {
    if !has_dynamic_properties(props) {
        return Ok(());
    }
    if TRIGGER_KEYS.iter().any(|k| non_empty(props, k).is_some()) {
        let column = match info {
            PartitionInfo::Range(r) if r.columns.len() == 1 => &r.columns[0],
            _ => return Err(PartitionError::DynamicNotSingleRange),
        };
        let Some(unit) = non_empty(props, TIME_UNIT) else {
            return Err(PartitionError::DynamicMissingTimeUnit);
        };
        if non_empty(props, END).is_none() {
            return Err(PartitionError::DynamicMissingEnd);
        }
        // StarRocks 3.x sources test `isDateType()` here, which holds for DATETIME too, yet
        // its docs and tests create HOUR tables on DATETIME columns and the scheduler's own
        // check is `== DATE`: DATE only, as documented.
        if unit.eq_ignore_ascii_case("hour") && column.data_type == DataType::Date {
            return Err(PartitionError::DynamicHourOnDate);
        }
    }
    if let Some(v) = given(props, TIME_UNIT) {
        check_time_unit(v)?;
    }
    if let Some(v) = given(props, PREFIX) {
        check_prefix(v)?;
    }
    if let Some(v) = given(props, BUCKETS) {
        if v.is_empty() {
            return Err(PartitionError::DynamicBucketsEmpty);
        }
        java_int(v).ok_or_else(|| PartitionError::DynamicBucketsFormat(v.to_string()))?;
    }
    if let Some(v) = given(props, ENABLE) {
        if !(v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false")) {
            return Err(PartitionError::DynamicEnable(v.to_string()));
        }
    }
    if let Some(v) = given(props, START) {
        let n = java_int(v).ok_or_else(|| PartitionError::DynamicStartFormat(v.to_string()))?;
        if n >= 0 {
            return Err(PartitionError::DynamicStartNotNegative);
        }
    }
    let mut end = 0i64;
    if let Some(v) = given(props, END) {
        if v.is_empty() {
            return Err(PartitionError::DynamicEndEmpty);
        }
        let n = java_int(v).ok_or_else(|| PartitionError::DynamicEndFormat(v.to_string()))?;
        if n <= 0 {
            return Err(PartitionError::DynamicEndNotPositive);
        }
        end = i64::from(n);
    }
    let mut history = 0i64;
    if let Some(v) = given(props, HISTORY_PARTITION_NUM) {
        let n = java_int(v).ok_or(PartitionError::DynamicInvalidProperty(
            HISTORY_PARTITION_NUM,
        ))?;
        if n < 0 {
            return Err(PartitionError::DynamicHistoryNegative);
        }
        history = i64::from(n);
    }
    if end + history > MAX_DYNAMIC_PARTITION_NUM {
        return Err(PartitionError::DynamicTooMany {
            count: end + history,
            limit: MAX_DYNAMIC_PARTITION_NUM,
        });
    }
    if let Some(v) = given(props, START_DAY_OF_MONTH) {
        check_start_day_of_month(v)?;
    }
    if let Some(v) = given(props, START_DAY_OF_WEEK) {
        check_start_day_of_week(v)?;
    }
    if let Some(v) = given(props, TIME_ZONE) {
        normalize_time_zone(v)
            .map_err(|_| PartitionError::DynamicUnknownTimeZone(v.to_string()))?;
    }
    if let Some(v) = given(props, REPLICATION_NUM) {
        if v.is_empty() {
            return Err(PartitionError::DynamicInvalidProperty(REPLICATION_NUM));
        }
        let n = java_int(v)
            .ok_or_else(|| PartitionError::DynamicReplicationNumFormat(v.to_string()))?;
        if n <= 0 {
            return Err(PartitionError::DynamicReplicationNumZero);
        }
    }
    Ok(())
}

/// A time zone as `dynamic_partition.time_zone` names it: a region ID or a fixed offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    Region(chrono_tz::Tz),
    Offset(FixedOffset),
}

impl Zone {
    /// Parses a standardised zone (`normalize_time_zone`'s output); None when unknown.
    pub fn parse(s: &str) -> Option<Self> {
        let s = normalize_time_zone(s).ok()?;
        if let Some(rest) = s.strip_prefix(['+', '-']) {
            let (h, m) = rest.split_once(':')?;
            let secs = h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60;
            let secs = if s.starts_with('-') { -secs } else { secs };
            return FixedOffset::east_opt(secs).map(Zone::Offset);
        }
        s.parse::<chrono_tz::Tz>().ok().map(Zone::Region)
    }

    /// The wall-clock time of `t` in this zone.
    pub fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::Region(tz) => t.with_timezone(tz).naive_local(),
            Zone::Offset(o) => t.with_timezone(o).naive_local(),
        }
    }
}

/// A table's dynamic partitioning, parsed from checked properties
/// (`DynamicPartitionProperty`).
#[derive(Debug, Clone, PartialEq)]
pub struct DynamicPartitionProperty {
    pub enable: bool,
    pub unit: TimeUnit,
    pub zone: Zone,
    pub start: i32,
    pub end: i32,
    pub prefix: String,
    /// Buckets of a new partition; 0 = the table's.
    pub buckets: u32,
    pub history_partition_num: i32,
    /// 1 = Monday .. 7 = Sunday.
    pub start_day_of_week: u32,
    pub start_day_of_month: u32,
    /// Replicas of a new partition; None = the table's.
    pub replication_num: Option<u32>,
}

impl DynamicPartitionProperty {
    /// The table's dynamic partitioning; None when it has none (no time unit or end).
    /// `system_zone` stands in for a missing or unknown zone (`getOrSystemTimeZone`).
    pub fn from_properties(props: &BTreeMap<String, String>, system_zone: Zone) -> Option<Self> {
        let unit = check_time_unit(non_empty(props, TIME_UNIT)?).ok()?;
        let end = java_int(non_empty(props, END)?)?;
        let int_or =
            |key: &str, default: i32| given(props, key).and_then(java_int).unwrap_or(default);
        Some(Self {
            enable: is_enabled(props),
            unit,
            zone: given(props, TIME_ZONE)
                .and_then(Zone::parse)
                .unwrap_or(system_zone),
            start: int_or(START, MIN_START_OFFSET),
            end,
            prefix: non_empty(props, PREFIX)
                .unwrap_or(DEFAULT_PREFIX)
                .to_string(),
            buckets: u32::try_from(int_or(BUCKETS, 0)).unwrap_or(0),
            history_partition_num: int_or(HISTORY_PARTITION_NUM, 0),
            start_day_of_week: given(props, START_DAY_OF_WEEK)
                .and_then(|v| check_start_day_of_week(v).ok())
                .unwrap_or(1),
            start_day_of_month: given(props, START_DAY_OF_MONTH)
                .and_then(|v| check_start_day_of_month(v).ok())
                .unwrap_or(1),
            replication_num: given(props, REPLICATION_NUM)
                .and_then(java_int)
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n > 0),
        })
    }

    /// The first border of the unit `offset` units away from `now`, as a local time in the
    /// table's zone (`getPartitionRangeString` before formatting). None when out of range.
    pub fn border(&self, now: DateTime<Utc>, offset: i64) -> Option<NaiveDateTime> {
        let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN);
        match self.unit {
            TimeUnit::Hour => {
                // `ZonedDateTime.plusHours` moves the instant (DST hours repeat or vanish).
                let t = now.checked_add_signed(Duration::try_hours(offset)?)?;
                let local = self.zone.local(t);
                local.date().and_hms_opt(local.hour(), 0, 0)
            }
            TimeUnit::Day => {
                let local = self.zone.local(now);
                Some(midnight(TimeUnit::Day.add(local, offset)?.date()))
            }
            TimeUnit::Week => {
                let local = self.zone.local(now);
                let shifted = TimeUnit::Week.add(local, offset)?;
                Some(midnight(
                    previous_or_same(shifted, self.start_day_of_week).date(),
                ))
            }
            TimeUnit::Month => {
                let local = self.zone.local(now);
                // Before the start day, "this month" began in the previous calendar month.
                let offset = if local.day() < self.start_day_of_month {
                    offset.checked_sub(1)?
                } else {
                    offset
                };
                let shifted = TimeUnit::Month.add(local, offset)?;
                Some(midnight(shifted.date().with_day(self.start_day_of_month)?))
            }
            TimeUnit::Year => {
                let local = self.zone.local(now);
                let shifted = TimeUnit::Year.add(local, offset)?;
                Some(midnight(shifted.date().with_ordinal(1)?))
            }
            _ => None,
        }
    }

    /// The partition name of the unit starting at `border` (`getFormattedPartitionName`).
    pub fn partition_name(&self, border: NaiveDateTime) -> String {
        let suffix = match self.unit {
            TimeUnit::Hour => border.format("%Y%m%d%H").to_string(),
            TimeUnit::Month => border.format("%Y%m").to_string(),
            TimeUnit::Year => border.format("%Y").to_string(),
            TimeUnit::Week => {
                let (year, week) = java_week_of_year(border.date());
                format!("{year}_{week:02}")
            }
            _ => border.format("%Y%m%d").to_string(),
        };
        format!("{}{suffix}", self.prefix)
    }
}

/// How a partition column writes a border (`getPartitionFormat`).
fn border_text(t: &DataType, border: NaiveDateTime) -> Result<String, PartitionError> {
    match t {
        DataType::Date => Ok(border.format("%Y-%m-%d").to_string()),
        DataType::Datetime => Ok(border.format("%Y-%m-%d %H:%M:%S").to_string()),
        t if is_integer_type(t) => Ok(border.format("%Y%m%d").to_string()),
        _ => Err(PartitionError::DynamicColumnType),
    }
}

/// A partition the table should have: its name and bounds as literals of the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPartition {
    pub name: String,
    pub lower: String,
    pub upper: String,
}

/// `getAddPartitionClause`: the partitions for offsets `max(start, -history_partition_num)
/// ..= end` whose range intersects no partition of `ranges` (a single-column range
/// partitioning). StarRocks first shortens a range that overlaps the end of an existing one,
/// but then adds the partition with its full range, which fails on the same intersection; the
/// net effect, skipping it, is what this does. Bounds the column type cannot hold are skipped.
pub fn plan_additions(
    prop: &DynamicPartitionProperty,
    ranges: &RangePartitionInfo,
    now: DateTime<Utc>,
) -> Result<Vec<PlannedPartition>, PartitionError> {
    let [column] = ranges.columns.as_slice() else {
        return Err(PartitionError::DynamicNotSingleRange);
    };
    border_text(&column.data_type, NaiveDateTime::MIN)?;
    if prop.unit == TimeUnit::Hour {
        match column.data_type {
            DataType::Date => return Err(PartitionError::DynamicHourOnDate),
            DataType::Datetime => {}
            _ => return Err(PartitionError::DynamicHourOnInteger),
        }
    }
    let first = i64::from(prop.start).max(-i64::from(prop.history_partition_num));
    let mut planned: Vec<(PlannedPartition, PartitionValue, PartitionValue)> = Vec::new();
    for offset in first..=i64::from(prop.end) {
        let (Some(lower), Some(upper)) = (
            prop.border(now, offset),
            offset.checked_add(1).and_then(|o| prop.border(now, o)),
        ) else {
            continue;
        };
        let lower_text = border_text(&column.data_type, lower)?;
        let upper_text = border_text(&column.data_type, upper)?;
        let (Ok(lo), Ok(hi)) = (
            PartitionValue::parse(&lower_text, &column.data_type),
            PartitionValue::parse(&upper_text, &column.data_type),
        ) else {
            continue;
        };
        if lo >= hi {
            continue;
        }
        let (lo_key, hi_key) = (
            PartitionKey(vec![lo.clone()]),
            PartitionKey(vec![hi.clone()]),
        );
        let taken = ranges.ranges.iter().any(|r| r.intersects(&lo_key, &hi_key))
            || planned.iter().any(|(_, l, h)| *l < hi && lo < *h);
        if taken {
            continue;
        }
        planned.push((
            PlannedPartition {
                name: prop.partition_name(lower),
                lower: lower_text,
                upper: upper_text,
            },
            lo,
            hi,
        ));
    }
    Ok(planned.into_iter().map(|(p, _, _)| p).collect())
}

/// `getDropPartitionClause`: the partitions of `ranges` that end at or before the border of
/// the `start` offset, taken by upper bound until the first that reaches into
/// `[start border, today's border)`. Nothing when `start` was not given.
pub fn plan_drops(
    prop: &DynamicPartitionProperty,
    ranges: &RangePartitionInfo,
    now: DateTime<Utc>,
) -> Vec<i64> {
    if prop.start == MIN_START_OFFSET {
        return Vec::new();
    }
    let [column] = ranges.columns.as_slice() else {
        return Vec::new();
    };
    let bound = |offset: i64| -> Option<PartitionValue> {
        let text = border_text(&column.data_type, prop.border(now, offset)?).ok()?;
        PartitionValue::parse(&text, &column.data_type).ok()
    };
    let (Some(lo), Some(hi)) = (bound(i64::from(prop.start)), bound(0)) else {
        return Vec::new();
    };
    if lo > hi {
        return Vec::new();
    }
    let reserve_lo = PartitionKey(vec![lo]);
    let reserve_hi = PartitionKey(vec![hi]);
    let mut by_upper: Vec<_> = ranges.ranges.iter().collect();
    by_upper.sort_by(|a, b| a.upper.cmp(&b.upper));
    let mut out = Vec::new();
    for r in by_upper {
        if r.intersects(&reserve_lo, &reserve_hi) {
            break;
        }
        if r.upper <= reserve_lo {
            out.push(r.partition_id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::partition_info::{NewRange, PartitionColumn};
    use crate::catalog::partition_value::Datetime;

    fn props(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn range_info(t: DataType) -> PartitionInfo {
        PartitionInfo::Range(RangePartitionInfo::new(vec![PartitionColumn {
            name: "dt".into(),
            data_type: t,
        }]))
    }

    /// The properties as CREATE TABLE keeps them, checked.
    fn checked(
        kv: &[(&str, &str)],
        t: DataType,
    ) -> Result<BTreeMap<String, String>, PartitionError> {
        let mut p = props(kv);
        add_defaults(&mut p, "Asia/Shanghai");
        check_properties(&p, &range_info(t))?;
        Ok(p)
    }

    fn err(kv: &[(&str, &str)]) -> String {
        checked(kv, DataType::Date).unwrap_err().to_string()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc()
    }

    fn prop(kv: &[(&str, &str)], t: DataType) -> DynamicPartitionProperty {
        let p = checked(kv, t).unwrap();
        DynamicPartitionProperty::from_properties(&p, Zone::Region(chrono_tz::UTC)).unwrap()
    }

    fn plan(kv: &[(&str, &str)], t: DataType, now: &str) -> Vec<(String, String, String)> {
        let p = prop(kv, t.clone());
        let PartitionInfo::Range(r) = range_info(t) else {
            unreachable!()
        };
        plan_additions(&p, &r, utc(now))
            .unwrap()
            .into_iter()
            .map(|p| (p.name, p.lower, p.upper))
            .collect()
    }

    fn row(n: &str, l: &str, u: &str) -> (String, String, String) {
        (n.into(), l.into(), u.into())
    }

    #[test]
    fn defaults_as_starrocks_adds_and_prints_them() {
        let p = checked(
            &[
                (TIME_UNIT, "day"),
                (END, "+3"),
                (ENABLE, "TRUE"),
                (BUCKETS, "0"),
            ],
            DataType::Date,
        )
        .unwrap();
        assert_eq!(
            p,
            props(&[
                (ENABLE, "true"),
                (END, "3"),
                (HISTORY_PARTITION_NUM, "0"),
                (PREFIX, "p"),
                (START, "-2147483648"),
                (TIME_UNIT, "day"),
                (TIME_ZONE, "Asia/Shanghai"),
            ])
        );
        let p = checked(
            &[(TIME_UNIT, "WEEK"), (END, "2"), (TIME_ZONE, "+8:00")],
            DataType::Date,
        )
        .unwrap();
        assert_eq!(p[START_DAY_OF_WEEK], "1");
        assert_eq!(p[TIME_ZONE], "+08:00");
        let p = checked(
            &[(TIME_UNIT, "MONTH"), (END, "2"), (BUCKETS, "4")],
            DataType::Date,
        )
        .unwrap();
        assert_eq!(
            (p[START_DAY_OF_MONTH].as_str(), p[BUCKETS].as_str()),
            ("1", "4")
        );
        // Only the day-of-week style keys: nothing is added, nothing is dynamic.
        let p = checked(&[(START_DAY_OF_WEEK, "2")], DataType::Date).unwrap();
        assert_eq!(p, props(&[(START_DAY_OF_WEEK, "2")]));
        assert!(
            DynamicPartitionProperty::from_properties(&p, Zone::Region(chrono_tz::UTC)).is_none()
        );
    }

    #[test]
    fn property_checks_use_starrocks_texts_and_codes() {
        assert_eq!(
            err(&[(END, "3")]),
            "Must assign dynamic_partition.time_unit properties"
        );
        assert_eq!(
            err(&[(TIME_UNIT, "DAY")]),
            "Must assign dynamic_partition.end properties"
        );
        assert_eq!(
            err(&[(TIME_UNIT, "MINUTE"), (END, "3")]),
            "Unsupported time unit MINUTE. Expect DAY/WEEK/MONTH/YEAR."
        );
        assert_eq!(
            err(&[(TIME_UNIT, "DAY"), (END, "3"), (START, "0")]),
            "Dynamic partition start must less than 0"
        );
        assert_eq!(
            err(&[(TIME_UNIT, "DAY"), (END, "3"), (START, "x")]),
            "Invalid dynamic partition start x"
        );
        assert_eq!(
            err(&[(TIME_UNIT, "DAY"), (END, "0")]),
            "Dynamic partition end must greater than 0"
        );
        assert_eq!(
            err(&[(TIME_UNIT, "DAY"), (END, "3 ")]),
            "Invalid dynamic partition end 3 "
        );
        assert_eq!(
            err(&[(TIME_UNIT, "DAY"), (END, "3"), (PREFIX, "1p")]),
            "Invalid dynamic partition prefix: 1p."
        );
        assert_eq!(
            err(&[(TIME_UNIT, "DAY"), (END, "3"), (BUCKETS, "x")]),
            "Invalid dynamic partition buckets x"
        );
        assert_eq!(
            err(&[(TIME_UNIT, "DAY"), (END, "3"), (ENABLE, "yes")]),
            "Invalid dynamic partition enable: yes. Expected true or false"
        );
        assert_eq!(
            err(&[
                (TIME_UNIT, "DAY"),
                (END, "3"),
                (HISTORY_PARTITION_NUM, "-1")
            ]),
            "Dynamic history partition num must greater than 0"
        );
        assert_eq!(
            err(&[(TIME_UNIT, "DAY"), (END, "3"), (HISTORY_PARTITION_NUM, "a")]),
            "Invalid properties: dynamic_partition.history_partition_num"
        );
        assert_eq!(
            err(&[
                (TIME_UNIT, "DAY"),
                (END, "300"),
                (HISTORY_PARTITION_NUM, "201")
            ]),
            "Too many dynamic partitions: 501. Limit: 500"
        );
        assert!(checked(
            &[
                (TIME_UNIT, "DAY"),
                (END, "300"),
                (HISTORY_PARTITION_NUM, "200")
            ],
            DataType::Date
        )
        .is_ok());
        assert_eq!(
            err(&[(TIME_UNIT, "DAY"), (END, "3"), (START_DAY_OF_WEEK, "8")]),
            "dynamic_partition.start_day_of_week should between 1 and 7"
        );
        assert_eq!(
            err(&[(TIME_UNIT, "DAY"), (END, "3"), (START_DAY_OF_MONTH, "29")]),
            "dynamic_partition.start_day_of_month should between 1 and 28"
        );
        assert_eq!(
            err(&[(TIME_UNIT, "DAY"), (END, "3"), (TIME_ZONE, "Mars/Base")]),
            "Unknown or incorrect time zone: 'Mars/Base'"
        );
        assert_eq!(
            err(&[(TIME_UNIT, "DAY"), (END, "3"), (REPLICATION_NUM, "0")]),
            "Dynamic partition replication num must greater than 0"
        );
        assert_eq!(
            err(&[(TIME_UNIT, "DAY"), (END, "3"), (REPLICATION_NUM, "two")]),
            "Invalid dynamic partition replication num: two."
        );
        assert_eq!(
            err(&[(TIME_UNIT, "hour"), (END, "3")]),
            "Date type partition does not support dynamic partitioning granularity of hour"
        );
        assert!(checked(&[(TIME_UNIT, "hour"), (END, "3")], DataType::Datetime).is_ok());
        // Only single-column RANGE partitioning.
        let mut p = props(&[(TIME_UNIT, "DAY"), (END, "3")]);
        add_defaults(&mut p, "UTC");
        let two = PartitionInfo::Range(RangePartitionInfo::new(vec![
            PartitionColumn {
                name: "a".into(),
                data_type: DataType::Date,
            },
            PartitionColumn {
                name: "b".into(),
                data_type: DataType::Int,
            },
        ]));
        assert_eq!(
            check_properties(&p, &two).unwrap_err(),
            PartitionError::DynamicNotSingleRange
        );
        // How each reaches the client.
        let e: crate::error::SqlError = PartitionError::DynamicStartNotNegative.into();
        assert_eq!((e.errno, e.sqlstate.as_str()), (5066, "42000"));
        let e: crate::error::SqlError = PartitionError::DynamicTimeUnit("X".into()).into();
        assert_eq!(e.errno, 5065);
        let e: crate::error::SqlError = PartitionError::DynamicMissingEnd.into();
        assert_eq!(
            (e.errno, e.message.as_str()),
            (1064, "Must assign dynamic_partition.end properties")
        );
        let e: crate::error::SqlError = PartitionError::DynamicHourOnDate.into();
        assert_eq!(
            e.message,
            "Getting analyzing error. Detail message: Date type partition does not support dynamic partitioning granularity of hour."
        );
        let e: crate::error::SqlError = PartitionError::DynamicUnknownTimeZone("x".into()).into();
        assert_eq!((e.errno, e.sqlstate.as_str()), (1298, "HY000"));
        let e: crate::error::SqlError = PartitionError::DynamicAlterNotAllowed.into();
        assert_eq!(
            (e.errno, e.message.as_str()),
            (1064, "Cannot add/drop partition on a Dynamic Partition Table, Use command `ALTER TABLE tbl_name SET (\"dynamic_partition.enable\" = \"false\")` firstly.")
        );
    }

    #[test]
    fn day_partitions_in_the_table_zone() {
        // 2024-03-10 17:30 UTC is 2024-03-11 01:30 in Shanghai.
        let kv = [
            (TIME_UNIT, "DAY"),
            (START, "-3"),
            (END, "2"),
            (TIME_ZONE, "Asia/Shanghai"),
        ];
        assert_eq!(
            plan(&kv, DataType::Date, "2024-03-10 17:30:00"),
            vec![
                row("p20240311", "2024-03-11", "2024-03-12"),
                row("p20240312", "2024-03-12", "2024-03-13"),
                row("p20240313", "2024-03-13", "2024-03-14"),
            ]
        );
        // The same moment in UTC and in a fixed offset west of it.
        let kv = [(TIME_UNIT, "DAY"), (END, "1"), (TIME_ZONE, "UTC")];
        assert_eq!(
            plan(&kv, DataType::Datetime, "2024-03-10 17:30:00"),
            vec![
                row("p20240310", "2024-03-10 00:00:00", "2024-03-11 00:00:00"),
                row("p20240311", "2024-03-11 00:00:00", "2024-03-12 00:00:00"),
            ]
        );
        let kv = [
            (TIME_UNIT, "DAY"),
            (END, "1"),
            (TIME_ZONE, "-10:00"),
            (PREFIX, "d_"),
        ];
        assert_eq!(
            plan(&kv, DataType::Int, "2024-03-10 05:00:00")[0],
            row("d_20240309", "20240309", "20240310")
        );
        // history_partition_num reaches back, but not before start.
        let kv = [
            (TIME_UNIT, "DAY"),
            (START, "-2"),
            (END, "1"),
            (HISTORY_PARTITION_NUM, "5"),
            (TIME_ZONE, "UTC"),
        ];
        let names: Vec<String> = plan(&kv, DataType::Date, "2024-03-10 12:00:00")
            .into_iter()
            .map(|r| r.0)
            .collect();
        assert_eq!(names, ["p20240308", "p20240309", "p20240310", "p20240311"]);
    }

    #[test]
    fn hour_week_month_year_partitions() {
        let kv = [(TIME_UNIT, "HOUR"), (END, "2"), (TIME_ZONE, "Asia/Kolkata")];
        // 2024-12-31 23:10 UTC is 2025-01-01 04:40 in Kolkata (+05:30).
        assert_eq!(
            plan(&kv, DataType::Datetime, "2024-12-31 23:10:00"),
            vec![
                row("p2025010104", "2025-01-01 04:00:00", "2025-01-01 05:00:00"),
                row("p2025010105", "2025-01-01 05:00:00", "2025-01-01 06:00:00"),
                row("p2025010106", "2025-01-01 06:00:00", "2025-01-01 07:00:00"),
            ]
        );
        // New York springs forward on 2024-03-10 at 02:00: hour offsets follow the instant.
        let kv = [
            (TIME_UNIT, "HOUR"),
            (END, "1"),
            (TIME_ZONE, "America/New_York"),
        ];
        assert_eq!(
            plan(&kv, DataType::Datetime, "2024-03-10 06:30:00"),
            vec![
                row("p2024031001", "2024-03-10 01:00:00", "2024-03-10 03:00:00"),
                row("p2024031003", "2024-03-10 03:00:00", "2024-03-10 04:00:00"),
            ]
        );
        // WEEK: 2024-12-31 is a Tuesday; weeks start on Monday by default, on Wednesday here.
        let kv = [(TIME_UNIT, "WEEK"), (END, "1"), (TIME_ZONE, "UTC")];
        assert_eq!(
            plan(&kv, DataType::Date, "2024-12-31 10:00:00"),
            vec![
                row("p2024_53", "2024-12-30", "2025-01-06"),
                row("p2025_02", "2025-01-06", "2025-01-13"),
            ]
        );
        let kv = [
            (TIME_UNIT, "WEEK"),
            (END, "1"),
            (TIME_ZONE, "UTC"),
            (START_DAY_OF_WEEK, "3"),
        ];
        assert_eq!(
            plan(&kv, DataType::Date, "2024-12-31 10:00:00")[0],
            row("p2024_52", "2024-12-25", "2025-01-01")
        );
        // MONTH from day 5: on the 3rd, the current month began on the 5th of the previous.
        let kv = [
            (TIME_UNIT, "MONTH"),
            (END, "1"),
            (TIME_ZONE, "UTC"),
            (START_DAY_OF_MONTH, "5"),
        ];
        assert_eq!(
            plan(&kv, DataType::Date, "2024-03-03 10:00:00"),
            vec![
                row("p202402", "2024-02-05", "2024-03-05"),
                row("p202403", "2024-03-05", "2024-04-05"),
            ]
        );
        let kv = [(TIME_UNIT, "MONTH"), (END, "1"), (TIME_ZONE, "UTC")];
        assert_eq!(
            plan(&kv, DataType::Date, "2024-01-31 10:00:00"),
            vec![
                row("p202401", "2024-01-01", "2024-02-01"),
                row("p202402", "2024-02-01", "2024-03-01"),
            ]
        );
        let kv = [(TIME_UNIT, "YEAR"), (END, "1"), (TIME_ZONE, "UTC")];
        assert_eq!(
            plan(&kv, DataType::Bigint, "2024-02-29 10:00:00"),
            vec![
                row("p2024", "20240101", "20250101"),
                row("p2025", "20250101", "20260101"),
            ]
        );
    }

    #[test]
    fn additions_skip_intersecting_ranges_and_drops_stop_at_the_reserved_range() {
        let p = prop(
            &[
                (TIME_UNIT, "DAY"),
                (START, "-2"),
                (END, "2"),
                (TIME_ZONE, "UTC"),
            ],
            DataType::Date,
        );
        let PartitionInfo::Range(mut r) = range_info(DataType::Date) else {
            unreachable!()
        };
        let key = |s: &str| PartitionKey(vec![PartitionValue::parse(s, &DataType::Date).unwrap()]);
        let fixed = |l: &str, u: &str| NewRange::Fixed {
            lower: key(l),
            upper: key(u),
        };
        // Old, in the reserved range, overlapping today, and one far ahead.
        r.add_range(1, &fixed("2020-01-01", "2020-01-02")).unwrap();
        r.add_range(2, &NewRange::LessThan(key("2019-01-01")))
            .unwrap();
        r.add_range(3, &fixed("2024-03-09", "2024-03-10")).unwrap();
        r.add_range(4, &fixed("2024-03-10", "2024-03-12")).unwrap();
        r.add_range(5, &fixed("2024-05-01", "2024-06-01")).unwrap();
        let now = utc("2024-03-10 08:00:00");
        let names: Vec<String> = plan_additions(&p, &r, now)
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, ["p20240312"]);
        // Reserved: [2024-03-08, 2024-03-10). 2 and 1 end before it; 3 lies in it (stop).
        assert_eq!(plan_drops(&p, &r, now), vec![2, 1]);
        // Without start, nothing is dropped.
        let no_start = prop(&[(TIME_UNIT, "DAY"), (END, "2")], DataType::Date);
        assert!(plan_drops(&no_start, &r, now).is_empty());
        // A DATETIME range ending exactly at the reserved range's lower bound goes.
        let p = prop(
            &[
                (TIME_UNIT, "HOUR"),
                (START, "-1"),
                (END, "1"),
                (TIME_ZONE, "UTC"),
            ],
            DataType::Datetime,
        );
        let PartitionInfo::Range(mut r) = range_info(DataType::Datetime) else {
            unreachable!()
        };
        let dt =
            |s: &str| PartitionKey(vec![PartitionValue::Datetime(Datetime::parse(s).unwrap())]);
        r.add_range(
            7,
            &NewRange::Fixed {
                lower: dt("2024-03-10 05:00:00"),
                upper: dt("2024-03-10 07:00:00"),
            },
        )
        .unwrap();
        assert_eq!(plan_drops(&p, &r, utc("2024-03-10 08:59:00")), vec![7]);
        assert!(plan_drops(&p, &r, utc("2024-03-10 07:59:00")).is_empty());
        // HOUR cannot name partitions of an integer column.
        let p = prop(&[(TIME_UNIT, "HOUR"), (END, "1")], DataType::Int);
        let PartitionInfo::Range(r) = range_info(DataType::Int) else {
            unreachable!()
        };
        assert_eq!(
            plan_additions(&p, &r, now).unwrap_err(),
            PartitionError::DynamicHourOnInteger
        );
        // TINYINT cannot hold yyyyMMdd: nothing to add.
        let p = prop(&[(TIME_UNIT, "DAY"), (END, "1")], DataType::Tinyint);
        let PartitionInfo::Range(r) = range_info(DataType::Tinyint) else {
            unreachable!()
        };
        assert!(plan_additions(&p, &r, now).unwrap().is_empty());
    }
}
